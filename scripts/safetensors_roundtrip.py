"""Exchange state dicts between tapegrad and PyTorch 1.13 through the safetensors format.

Run from the repository root with the system Python (it has torch 1.13 and numpy; the `python3`
on PATH has neither). The Python `safetensors` package is not needed: the checking reader below
and the shipped writer (python/tapegrad_safetensors.py) use json, struct and numpy only.

    /usr/bin/python3 scripts/safetensors_roundtrip.py DIR

        Check mode, run by test/safetensors.test.ts (which skips it when there is no torch).
        DIR/io.json, written by the test, lists safetensors files that tapegrad's `save()` wrote
        into DIR, with every tensor's expected values. For each file this script checks the
        layout (8-byte header padding, tensors sorted by dtype then name, contiguous data),
        checks every value bit for bit, and for the model files loads the state dict into the
        same architecture in PyTorch (`load_state_dict`, strict) and checks that PyTorch's eval
        output on the test's input equals tapegrad's. Exits non-zero with a message on failure.

    /usr/bin/python3 scripts/safetensors_roundtrip.py --write test/fixtures/torch_saved.safetensors

        Fixture mode. Builds the architecture with torch.manual_seed(0), trains BatchNorm's running
        statistics for three batches, writes the state dict as PyTorch's safetensors would
        (num_batches_tracked as I64, "format": "pt" metadata) and, next to it, a .json file with
        every tensor's values, a fixed input and the model's eval output on it. Deterministic.

Values in JSON are strings (see FORMAT).
"""

import json
import math
import os
import struct
import sys

import numpy as np
import torch

# The writer PyTorch users get with the package (python/tapegrad_safetensors.py), NumPy only.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from tapegrad_safetensors import save_file  # noqa: E402

# The reference's Dtype enum is declared in increasing alignment order; writers sort descending.
ENUM_ORDER = ["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16",
              "I32", "U32", "F32", "F64", "I64", "U64"]
NUMPY = {"F32": "<f4", "F64": "<f8", "I32": "<i4", "I64": "<i8"}
TORCH = {torch.float32: "F32", torch.float64: "F64", torch.int32: "I32", torch.int64: "I64"}
FORMAT = ("Every value is a string: the shortest repr of the float64 value (float32 values are "
          "exact in float64), or '-0', 'nan', 'inf', '-inf'. Python's float()/int() read them "
          "exactly; JS's Number() too, once the last three are mapped by hand. Tensors are flat, "
          "row-major, with their shape beside them.")
TAPEGRAD = {"float32": torch.float32, "float64": torch.float64, "int32": torch.int32}


class Net(torch.nn.Module):
    """The test's architecture: y = BatchNorm1d(x @ weight.T), weight of shape [4, 3]."""

    def __init__(self, dtype):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.empty(4, 3, dtype=dtype))
        self.bn = torch.nn.BatchNorm1d(4, dtype=dtype)

    def forward(self, x):
        return self.bn(x @ self.weight.T)


# ---- a checking safetensors reader (the writer is python/tapegrad_safetensors.py) ---------------


def read_safetensors(path):
    """Returns (tensors by name, metadata, names in data order), asserting the reference layout."""
    with open(path, "rb") as f:
        buf = f.read()
    (n,) = struct.unpack("<Q", buf[:8])
    assert n % 8 == 0, f"{path}: header length {n} is not a multiple of 8"
    header = json.loads(buf[8:8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", None)
    order = sorted(header, key=lambda k: header[k]["data_offsets"])
    end = 0
    tensors = {}
    for name in order:
        info = header[name]
        begin, stop = info["data_offsets"]
        assert begin == end, f"{path}: '{name}' starts at {begin}, expected {end}"
        dtype = np.dtype(NUMPY[info["dtype"]])
        arr = np.frombuffer(buf, dtype=dtype, count=(stop - begin) // dtype.itemsize,
                            offset=8 + n + begin)
        tensors[name] = torch.from_numpy(arr.copy()).reshape(info["shape"])
        end = stop
    assert 8 + n + end == len(buf), f"{path}: {len(buf) - 8 - n - end} trailing bytes"
    expected = sorted(header, key=lambda k: (-ENUM_ORDER.index(header[k]["dtype"]), k))
    assert order == expected, f"{path}: data order {order}, reference order {expected}"
    return tensors, metadata, order


# ---- value encoding --------------------------------------------------------------------------


def encode(t):
    out = []
    for v in t.detach().reshape(-1).tolist():
        if isinstance(v, int):
            out.append(str(v))
        elif math.isnan(v):
            out.append("nan")
        elif math.isinf(v):
            out.append("inf" if v > 0 else "-inf")
        elif v == 0 and math.copysign(1, v) < 0:
            out.append("-0")
        else:
            out.append(repr(v))
    return out


def decode(values, dtype, shape):
    if dtype in (torch.int32, torch.int64):
        return torch.tensor([int(v) for v in values], dtype=dtype).reshape(shape)
    return torch.tensor([float(v) for v in values], dtype=dtype).reshape(shape)


def same_bits(a, b):
    """Bit-for-bit equality, except that any NaN equals any NaN (payloads are not portable)."""
    if a.dtype != b.dtype or list(a.shape) != list(b.shape):
        return False
    if a.dtype.is_floating_point:
        both_nan = torch.isnan(a) & torch.isnan(b)
        ai = a.numpy().view(np.int32 if a.dtype == torch.float32 else np.int64)
        bi = b.numpy().view(ai.dtype)
        return bool(np.all((ai == bi) | both_nan.numpy()))
    return bool(torch.equal(a, b))


# ---- check mode ------------------------------------------------------------------------------


def check(directory):
    with open(os.path.join(directory, "io.json")) as f:
        spec = json.load(f)
    failures = []
    for entry in spec["files"]:
        path = os.path.join(directory, entry["file"])
        tensors, metadata, order = read_safetensors(path)
        if metadata != entry.get("metadata"):
            failures.append(f"{entry['file']}: metadata {metadata}, "
                            f"expected {entry.get('metadata')}")
        if sorted(tensors) != sorted(entry["tensors"]):
            failures.append(f"{entry['file']}: names {sorted(tensors)}, "
                            f"expected {sorted(entry['tensors'])}")
            continue
        for name, want in entry["tensors"].items():
            expected = decode(want["values"], TAPEGRAD[want["dtype"]], want["shape"])
            if not same_bits(tensors[name], expected):
                failures.append(f"{entry['file']}: '{name}' differs: {tensors[name]} vs {expected}")
        if "model" in entry:
            failures += check_model(entry, tensors)
        print(f"{entry['file']}: {len(tensors)} tensors in order {order}")
    if failures:
        sys.exit("FAILED\n" + "\n".join(failures))
    print("OK")


def check_model(entry, tensors):
    m = entry["model"]
    dtype = TAPEGRAD[m["dtype"]]
    net = Net(dtype)
    net.load_state_dict(tensors, strict=True)  # I32 num_batches_tracked: copy_ casts to int64
    failures = []
    nbt = net.bn.num_batches_tracked
    if nbt.dtype != torch.int64 or nbt.item() != int(tensors["bn.num_batches_tracked"].item()):
        failures.append(f"num_batches_tracked loaded as {nbt!r}")
    net.eval()
    x = decode(m["input"]["values"], dtype, m["input"]["shape"])
    ours = decode(m["output"]["values"], dtype, m["output"]["shape"])
    with torch.no_grad():
        theirs = net(x)
    # Both evaluate the same formula; they round differently (tapegrad sums in float64 and
    # rounds once), so the bound is a few units of the dtype's eps times the output's scale.
    eps = torch.finfo(dtype).eps
    err = (theirs - ours).abs().max().item()
    bound = 8 * eps * max(1.0, theirs.abs().max().item())
    print(f"{entry['file']}: eval output max |torch - tapegrad| = {err:.3e} (bound {bound:.3e})")
    if not err <= bound:
        failures.append(f"{entry['file']}: output differs by {err}, bound {bound}\n"
                        f"torch    {theirs}\ntapegrad {ours}")
    return failures


# ---- fixture mode ----------------------------------------------------------------------------


def write_fixture(path):
    torch.manual_seed(0)
    net = Net(torch.float32)
    with torch.no_grad():
        net.weight.copy_(torch.randn(4, 3))
        net.bn.weight.copy_(torch.rand(4) + 0.5)
        net.bn.bias.copy_(torch.randn(4))
    net.train()
    with torch.no_grad():
        for _ in range(3):
            net(torch.randn(6, 3) * 2 + 1)
    net.eval()
    x = torch.randn(5, 3)
    with torch.no_grad():
        y = net(x)
    state = net.state_dict()
    metadata = {"format": "pt"}
    save_file({k: v.detach().contiguous().numpy() for k, v in state.items()}, path, metadata)
    tensors, _, order = read_safetensors(path)  # the reader checks the writer's layout
    assert all(same_bits(tensors[k], state[k]) for k in state)

    def enc(t):
        return {"dtype": TORCH[t.dtype], "shape": list(t.shape), "values": encode(t)}

    out = {
        "generator": "scripts/safetensors_roundtrip.py --write " + os.path.relpath(path),
        "torch": torch.__version__,
        "format": FORMAT,
        "metadata": metadata,
        "order": order,
        "tensors": {k: enc(v) for k, v in state.items()},
        "input": enc(x),
        "output": enc(y),
    }
    json_path = os.path.splitext(path)[0] + ".json"
    with open(json_path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes) and {json_path}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--write":
        write_fixture(sys.argv[2])
    elif len(sys.argv) == 2 and not sys.argv[1].startswith("-"):
        check(sys.argv[1])
    else:
        sys.exit(__doc__)
