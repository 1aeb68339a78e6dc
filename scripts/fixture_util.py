"""What the fixture generators (scripts/gen_*_fixtures.py) share: where fixtures go, how floats
and tensors are written, how an expected error is recorded, and torch's initialisers drawing from
NumPy's legacy global generator (the generator tapegrad's manualSeed drives).

The generators run as `/usr/bin/python3 scripts/gen_<area>_fixtures.py` from the repository root,
which puts this folder first on sys.path, so they import this module by its bare name.
"""

import json
import os

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

DT = {"float32": torch.float32, "float64": torch.float64}


def fixture_path(name):
    """test/fixtures/<name> in this checkout."""
    return os.path.join(ROOT, "test", "fixtures", name)


def enc_float(v):
    """Python's repr() of the float64 value: the shortest decimal that round-trips ('nan', 'inf',
    '-inf' and '-0.0' included); a float32 value is widened exactly first, so Math.fround
    recovers it."""
    return repr(float(v))


def enc(t):
    """A tensor as {shape, dtype, data}, data flat and row-major: floats as enc_float strings,
    integer tensors (PyTorch's int64 indices) as int32 JSON integers."""
    t = t.detach()
    if t.dtype in (torch.int64, torch.int32):
        return {"shape": list(t.shape), "dtype": "int32", "data": [int(v) for v in t.flatten()]}
    dtype = {torch.float32: "float32", torch.float64: "float64"}[t.dtype]
    return {"shape": list(t.shape), "dtype": dtype, "data": [enc_float(v) for v in t.flatten().tolist()]}


def error(fn):
    """The {type, message} of what fn() raises; fn must raise."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the text is what is recorded
        return {"type": type(e).__name__, "message": str(e)}
    raise AssertionError("expected an error")


def write_json(path, data):
    """Writes data as JSON (indent 1, a final newline) and says so."""
    with open(path, "w") as f:
        json.dump(data, f, indent=1)
        f.write("\n")
    print(f"wrote {path}")


def draw_init_from_numpy(on_call=None):
    """Replaces Tensor.uniform_ and Tensor.normal_ (which nn.init and the modules' constructors
    call) by draws from NumPy's legacy global generator, so that np.random.seed(s) before building
    a module gives the values tapegrad draws after manualSeed(s). on_call(kind, a, b), if given,
    hears of every call: ("uniform", low, high) or ("normal", mean, std)."""

    def fill(self, kind, sample, p, q):
        if on_call is not None:
            on_call(kind, p, q)
        with torch.no_grad():
            self.copy_(torch.from_numpy(sample(p, q, tuple(self.shape))))
        return self

    torch.Tensor.uniform_ = lambda self, a=0.0, b=1.0: fill(self, "uniform", np.random.uniform, a, b)
    torch.Tensor.normal_ = lambda self, mean=0.0, std=1.0: fill(self, "normal", np.random.normal, mean, std)
