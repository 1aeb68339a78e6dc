"""Generate test/fixtures/torch_print.json: PyTorch 1.13's repr() of ~70 tensors.

Run from the repository root with the system Python (it has torch 1.13 and numpy; the
`python3` on PATH has neither):

    /usr/bin/python3 scripts/gen_print_fixtures.py

Each case stores the dtype, the shape, the exact contiguous row-major data (floats as
`repr(float)` strings, which round-trip to the same float64 bits and hence the same float32
bits; 'nan', 'inf', '-inf' and '-0.0' included; int32 as JSON integers), the autograd suffix
inputs (`requiresGrad`, `gradFn` as the grad_fn class name), optional print options (camelCase,
applied with set_printoptions before printing and reset afterwards), and `repr(t)`.
"""

import json
import math
import os

import torch

DTYPES = {torch.float32: "float32", torch.float64: "float64", torch.int32: "int32"}
OPTION_NAMES = {
    "precision": "precision",
    "threshold": "threshold",
    "edgeitems": "edgeitems",
    "linewidth": "linewidth",
    "sci_mode": "sciMode",
}

cases = []


def encode(v, is_float):
    if not is_float:
        return int(v)
    v = float(v)
    if math.isnan(v):
        return "nan"
    return repr(v)  # 'inf', '-inf', '-0.0' and shortest round-trip digits otherwise


def add(name, t, options=None):
    assert t.dtype in DTYPES, t.dtype
    if options:
        torch.set_printoptions(**options)
    try:
        text = repr(t)
    finally:
        torch.set_printoptions(profile="default", sci_mode=None)
    is_float = t.dtype.is_floating_point
    flat = t.detach().reshape(-1).tolist()
    case = {
        "name": name,
        "dtype": DTYPES[t.dtype],
        "shape": list(t.shape),
        "data": [encode(v, is_float) for v in flat],
        "requiresGrad": bool(t.requires_grad),
        "gradFn": type(t.grad_fn).__name__ if t.grad_fn is not None else None,
        "repr": text,
    }
    if options:
        case["options"] = {OPTION_NAMES[k]: v for k, v in options.items()}
    cases.append(case)


f32, f64, i32 = torch.float32, torch.float64, torch.int32
nan, inf = float("nan"), float("inf")
gen = torch.Generator().manual_seed(1234)


def randn(*shape, dtype=f32, scale=1.0):
    return (torch.randn(*shape, generator=gen, dtype=torch.float64) * scale).to(dtype)


# --- 0-d ---------------------------------------------------------------------------------
add("a 0-d float32 with a fraction", torch.tensor(1.5))
add("a 0-d float32 holding an integer", torch.tensor(2.0))
add("a 0-d nan", torch.tensor(nan))
add("a 0-d -inf", torch.tensor(-inf))
add("a 0-d negative zero", torch.tensor(-0.0))
add("a 0-d tiny float64 in sci mode", torch.tensor(1e-5, dtype=f64))
add("a 0-d int32", torch.tensor(-7, dtype=i32))
add("a 0-d leaf that requires grad", torch.tensor(3.25, requires_grad=True))

# --- 1-D ---------------------------------------------------------------------------------
add("a short 1-D float32", torch.tensor([1.5, -2.25, 3.125]))
add("a 1-D of integral floats", torch.tensor([1.0, 2.0, 3.0]))
add("integral floats with zeros and negatives", torch.tensor([0.0, -1.0, 10.0, 200.0]))
add("negative fractions only", torch.tensor([-1.5, -2.5, -0.75]))
add("a 1-D of 30 random values that wraps", randn(30))
add("a 1-D of 40 integral floats that wraps", torch.arange(40, dtype=f32))
add("a 1-D int32 of 50 values that wraps", torch.arange(50, dtype=i32))
add("int32 extremes", torch.tensor([-2147483648, 0, 2147483647], dtype=i32))
add("mixed magnitudes switch to sci mode", torch.tensor([1e-3, 1.0, 1e4]))
add("tiny values switch to sci mode", torch.tensor([1e-5, 2.5e-5, -3e-5]))
add("values above 1e8 switch to sci mode", torch.tensor([1e9, 2.5]))
add("integral values with a ratio above 1000 use sci mode", torch.tensor([1.0, 1e5]))
add("a single integral value above 1e8 uses sci mode", torch.tensor([3e9]))
add("nan, inf and -inf among fractions", torch.tensor([1.5, nan, inf, -inf]))
add("nan and inf among integral floats", torch.tensor([1.0, nan, inf, -20.0]))
add("only nan and inf", torch.tensor([nan, inf, -inf]))
add("negative zero beside fractions", torch.tensor([-0.0, 0.0, 1.5]))
add("negative zero beside integers", torch.tensor([-0.0, 0.0, 3.0]))
add("exact ties round half to even", torch.tensor([0.03125, 0.09375, 1.15625, -2.40625]))
add("float32 values that are not short decimals", torch.tensor([0.1, 0.2, 0.3, 1.0 / 3.0]))
add("a 1-D float64 with a fraction", torch.tensor([0.1, 0.2, 1.0 / 3.0], dtype=f64))
add("a 1-D float64 with large and small values", torch.tensor([1e-300, 1e300, -5.0], dtype=f64))
add("float32 extremes in sci mode", torch.tensor([3.4028234663852886e38, 1.401298464324817e-45]))

# --- 2-D ---------------------------------------------------------------------------------
add("a 2x3 random matrix", randn(2, 3))
add("a 3x3 integral matrix", torch.arange(9, dtype=f32).reshape(3, 3) - 4)
add("a 2x2 int32 matrix", torch.tensor([[1, -20], [300, 4]], dtype=i32))
add("a 4x20 random matrix whose rows wrap", randn(4, 20))
add("a 2-D matrix of large values stays in fixed mode", randn(3, 4, scale=1e5))
add("a 2-D matrix in sci mode", torch.tensor([[1e-6, 2.0], [3e3, -4e-2]]))
add("a 2-D float64 matrix", randn(2, 4, dtype=f64))
add("a 1x1 matrix", torch.tensor([[5.5]]))

# --- 3-D, 4-D, 5-D -----------------------------------------------------------------------
add("a 2x3x4 arange", torch.arange(24, dtype=f32).reshape(2, 3, 4))
add("a 2x2x3 random tensor", randn(2, 2, 3))
add("a 3-D int32 tensor", torch.arange(-6, 6, dtype=i32).reshape(2, 3, 2))
add("a 2x2x2x3 random tensor", randn(2, 2, 2, 3))
add("a 4-D integral tensor", torch.arange(16, dtype=f32).reshape(2, 2, 2, 2))
add("a 5-D tensor with unit dims", randn(2, 1, 2, 1, 2))
add("a 3-D tensor whose rows wrap", randn(2, 2, 15))

# --- summarized (more than 1000 elements) ------------------------------------------------
add("a summarized 1-D arange of 2000", torch.arange(2000, dtype=f32))
add("a summarized 1-D of 1001 random values", randn(1001))
add("a summarized 33x33 random matrix", randn(33, 33))
add("a summarized 12x10x10 tensor", randn(12, 10, 10))
add("a summarized int32 arange of 1500", torch.arange(1500, dtype=i32))
add("a summarized 500x3 matrix", randn(500, 3))
add("a summarized 3x350 matrix", randn(3, 350))
big = randn(1100)
big[550] = 1e10
big[551] = nan
add("hidden elements do not affect the formatter", big)
add("a summarized 4x4x4x20 tensor", randn(4, 4, 4, 20))

# --- empty -------------------------------------------------------------------------------
add("an empty 1-D float32", torch.zeros(0))
add("an empty 0x3 matrix", torch.zeros(0, 3))
add("an empty 2x0x4 tensor", torch.zeros(2, 0, 4))
add("an empty int32", torch.zeros(0, dtype=i32))
add("an empty 3x0 float64", torch.zeros(3, 0, dtype=f64))
add("an empty leaf that requires grad", torch.zeros(0, requires_grad=True))

# --- autograd suffixes -------------------------------------------------------------------
leaf = torch.tensor([1.0, 2.5, -3.0], requires_grad=True)
add("a 1-D leaf that requires grad", leaf)
add("a product with MulBackward0", leaf * 2)
leaf64 = torch.tensor([[0.5, 1.5], [2.0, -1.0]], dtype=f64, requires_grad=True)
add("a float64 sum with AddBackward0 after the dtype", leaf64 + 1)
add("a 0-d SumBackward0", (leaf * leaf).sum())
wide = randn(2, 8).requires_grad_()
add("requires_grad that wraps onto its own line", wide)
add("grad_fn that wraps onto its own line", wide * 3)
add("dtype and requires_grad on a wide float64", randn(2, 7, dtype=f64).requires_grad_())
add("a summarized tensor with grad_fn", randn(1200).requires_grad_() * 1)

# --- print options -----------------------------------------------------------------------
add("precision 2", torch.tensor([1.12345, -0.125, 2.675]), {"precision": 2})
add("precision 0", torch.tensor([1.5, 2.5, -0.4]), {"precision": 0})
add("precision 10 shows float32 digits", torch.tensor([0.1, 1.0 / 3.0]), {"precision": 10})
add("sci_mode True on ordinary values", torch.tensor([1.5, -2.25, 100.0]), {"sci_mode": True})
add("sci_mode True on integers", torch.tensor([1.0, 2.0, -3.0]), {"sci_mode": True})
add("sci_mode False on mixed magnitudes", torch.tensor([-1e-5, 1.0, 12345.678]), {"sci_mode": False})
add("sci_mode True does not apply without finite nonzero values", torch.tensor([nan, 0.0]), {"sci_mode": True})
add("threshold 5 and edgeitems 2", torch.arange(10, dtype=f32), {"threshold": 5, "edgeitems": 2})
add("threshold 5 on a 2-D matrix", torch.arange(36, dtype=i32).reshape(6, 6), {"threshold": 5, "edgeitems": 1})
add("linewidth 40", randn(20), {"linewidth": 40})
add("linewidth 40 moves the suffix", randn(4, dtype=f64).requires_grad_(), {"linewidth": 40})
add("edgeitems 0 on a summarized 1-D", torch.arange(8, dtype=f32), {"threshold": 3, "edgeitems": 0})

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "torch_print.json")
with open(out, "w") as fh:
    # One case per line keeps the file small and its diffs readable.
    fh.write('{"torch": %s, "cases": [\n' % json.dumps(torch.__version__))
    fh.write(",\n".join(json.dumps(c, separators=(",", ":")) for c in cases))
    fh.write("\n]}\n")
print(f"wrote {len(cases)} cases to {os.path.normpath(out)}")
