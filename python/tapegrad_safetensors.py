"""A dependency-free reader and writer of safetensors files, shipped with the npm package tapegrad.

Needs only the standard library and NumPy. Where the `safetensors` package is installed, its
`safetensors.numpy.load_file` / `safetensors.torch.load_file` do the same; this file is for
machines without it (Debian, for one, packages no `safetensors`). Copy it anywhere or import it
from the installed package:

    import sys
    sys.path.insert(0, "node_modules/tapegrad/python")
    from tapegrad_safetensors import load_file, save_file

    state = load_file("mlp.safetensors")           # {name: numpy.ndarray}
    model.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})

    save_file({k: v.numpy() for k, v in model.state_dict().items()}, "model.safetensors")

Files are laid out as the reference implementation lays them out (tensors sorted by dtype, then
name; header padded to 8 bytes), so tapegrad's `load` / `deserialize` read them.
"""

import json
import struct

import numpy as np

__all__ = ["load_file", "save_file"]

# Codes of the format, and the NumPy dtype of each one NumPy has (little-endian).
_NUMPY = {
    "BOOL": "|b1", "U8": "|u1", "I8": "|i1", "I16": "<i2", "U16": "<u2", "F16": "<f2",
    "I32": "<i4", "U32": "<u4", "F32": "<f4", "F64": "<f8", "I64": "<i8", "U64": "<u8",
}
# The reference's Dtype enum, declared in increasing alignment order; writers sort descending.
_ENUM_ORDER = ["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16",
               "I32", "U32", "F32", "F64", "I64", "U64"]


def load_file(path):
    """The tensors of the safetensors file at `path`, as {name: numpy array} (copies)."""
    with open(path, "rb") as f:
        buf = f.read()
    if len(buf) < 8:
        raise ValueError(f"{path}: {len(buf)} bytes, too short for a safetensors file")
    (n,) = struct.unpack("<Q", buf[:8])
    if 8 + n > len(buf):
        raise ValueError(f"{path}: header length {n} exceeds the file")
    header = json.loads(buf[8:8 + n].decode("utf-8"))
    header.pop("__metadata__", None)
    out = {}
    for name, info in header.items():
        code = info["dtype"]
        if code not in _NUMPY:
            raise ValueError(f"{path}: tensor '{name}' has dtype {code}, which NumPy cannot hold")
        begin, end = info["data_offsets"]
        dtype = np.dtype(_NUMPY[code])
        if 8 + n + end > len(buf) or end - begin != dtype.itemsize * int(np.prod(info["shape"])):
            raise ValueError(f"{path}: tensor '{name}' has data_offsets {info['data_offsets']} "
                             f"that do not fit its shape {info['shape']} and dtype {code}")
        arr = np.frombuffer(buf, dtype=dtype, count=(end - begin) // dtype.itemsize,
                            offset=8 + n + begin)
        out[name] = arr.reshape(info["shape"]).astype(dtype.newbyteorder("="), copy=True)
    return out


def save_file(tensors, path, metadata=None):
    """Writes {name: numpy array} to `path` in the safetensors format, as the reference does."""
    codes = {np.dtype(v): k for k, v in _NUMPY.items()}
    arrays = {}
    for name, value in tensors.items():
        arr = np.asarray(value)
        code = codes.get(arr.dtype.newbyteorder("<")) or codes.get(arr.dtype)
        if code is None:
            raise ValueError(f"'{name}' has dtype {arr.dtype}, which safetensors cannot store")
        # asarray, not ascontiguousarray, which makes a 0-d array (num_batches_tracked) 1-d.
        arrays[name] = (code, np.asarray(arr, dtype=np.dtype(_NUMPY[code]), order="C"))
    names = sorted(arrays, key=lambda k: (-_ENUM_ORDER.index(arrays[k][0]), k))
    header = {} if metadata is None else {"__metadata__": dict(metadata)}
    offset = 0
    blobs = []
    for name in names:
        code, arr = arrays[name]
        blob = arr.tobytes()
        header[name] = {"dtype": code, "shape": list(arr.shape),
                        "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
