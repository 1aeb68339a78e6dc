"""Generate PyTorch 1.13 reference fixtures for convolutions and padding.

Run from the repository root with the system Python (it has torch 1.13 and numpy; the
`python3` on PATH has neither):

    /usr/bin/python3 scripts/gen_conv_fixtures.py

It writes test/fixtures/conv.json, deterministically (every input comes from a seeded numpy
RandomState):

* conv: F.conv1d / F.conv2d in float64 (and a few float32) with stride, padding (numbers, lists,
  'same' with an odd total, 'valid'), dilation, groups, with and without bias, batched and
  unbatched: the output and the gradients w.r.t. input, weight and bias for a random upstream
  gradient dy; for some, second derivatives: with dx = d⟨dy, y⟩/dx recorded (create_graph),
  the gradients of ⟨dx, v⟩ w.r.t. weight and dy.
* modules: nn.Conv1d / nn.Conv2d built after np.random.seed(seed) with Tensor.uniform_ drawing
  from NumPy's legacy generator (the generator tapegrad's manualSeed drives), as the Linear
  fixtures do: weight, bias, extra_repr(); and a forward of modules with a non-zero
  padding_mode.
* pad: F.pad in every mode (constant with a value and with negative pads, reflect, replicate,
  circular) over 1-, 2- and 3-dim paddings: the output and the input gradient for dy.
"""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from fixture_util import DT, draw_init_from_numpy, enc, enc_float, fixture_path, write_json

OUT = fixture_path("conv.json")

FORMAT = (
    "A tensor is {shape, dtype, data}: data is the flat row-major list of values; float values "
    "are strings holding Python's repr() of the float64 value (float32 values widened exactly)."
)

def randn(rng, shape, dtype):
    return torch.tensor(rng.standard_normal(shape), dtype=DT[dtype])


def jsonable(v):
    if isinstance(v, tuple):
        return list(v)
    return v


def conv_cases():
    # name, nd, x shape, w shape, bias, options, dtype, second
    specs = [
        ("conv1d basic", 1, [2, 3, 7], [4, 3, 3], True, {}, "float64", True),
        ("conv1d stride 2 padding 1", 1, [2, 3, 8], [4, 3, 3], True, {"stride": 2, "padding": 1}, "float64", False),
        ("conv1d padding list, dilation 2", 1, [2, 2, 9], [3, 2, 3], False, {"padding": [2], "dilation": 2}, "float64", False),
        ("conv1d same, even kernel (odd total)", 1, [2, 3, 6], [2, 3, 4], True, {"padding": "same"}, "float64", False),
        ("conv1d same, dilation 3", 1, [1, 2, 7], [2, 2, 3], True, {"padding": "same", "dilation": 3}, "float64", False),
        ("conv1d valid", 1, [2, 3, 6], [2, 3, 2], True, {"padding": "valid"}, "float64", False),
        ("conv1d groups 3", 1, [2, 6, 5], [6, 2, 3], True, {"groups": 3, "padding": 1}, "float64", True),
        ("conv1d unbatched", 1, [3, 7], [4, 3, 3], True, {"stride": 2}, "float64", False),
        ("conv2d basic", 2, [2, 3, 5, 6], [4, 3, 3, 3], True, {}, "float64", True),
        ("conv2d padding 1", 2, [2, 2, 5, 5], [3, 2, 3, 3], True, {"padding": 1}, "float64", False),
        ("conv2d stride [2, 1], padding [1, 2]", 2, [2, 2, 6, 5], [3, 2, 3, 2], True, {"stride": [2, 1], "padding": [1, 2]}, "float64", False),
        ("conv2d stride 3, no bias", 2, [1, 2, 8, 7], [2, 2, 2, 3], False, {"stride": 3}, "float64", False),
        ("conv2d dilation [2, 1], padding 2", 2, [2, 2, 6, 6], [2, 2, 3, 3], True, {"dilation": [2, 1], "padding": 2}, "float64", False),
        ("conv2d same, kernel [2, 3], dilation [1, 2]", 2, [2, 2, 5, 6], [3, 2, 2, 3], True, {"padding": "same", "dilation": [1, 2]}, "float64", True),
        ("conv2d valid", 2, [1, 3, 4, 5], [2, 3, 2, 2], True, {"padding": "valid"}, "float64", False),
        ("conv2d groups 2", 2, [2, 4, 5, 5], [6, 2, 3, 3], True, {"groups": 2, "padding": 1}, "float64", True),
        ("conv2d depthwise, stride 2, dilation 2", 2, [2, 3, 7, 7], [3, 1, 3, 3], True, {"groups": 3, "stride": 2, "dilation": 2, "padding": 1}, "float64", False),
        ("conv2d unbatched", 2, [2, 5, 4], [3, 2, 3, 3], True, {"padding": 1}, "float64", False),
        ("conv2d 1x1 kernel", 2, [3, 4, 3, 3], [5, 4, 1, 1], True, {}, "float64", False),
        ("conv2d many samples (chunks of the fast path)", 2, [40, 2, 4, 4], [3, 2, 3, 3], True, {"padding": 1}, "float64", False),
        ("conv2d float32", 2, [3, 4, 9, 9], [8, 4, 3, 3], True, {"padding": 1}, "float32", False),
        ("conv2d float32 MNIST-like layer", 2, [3, 16, 8, 8], [12, 16, 3, 3], True, {"padding": 1}, "float32", False),
        ("conv1d float32 groups 2 stride 2", 1, [5, 4, 33], [6, 2, 5], True, {"groups": 2, "stride": 2, "padding": 2}, "float32", False),
        # taps that miss the input for every output column (dilated kernel much wider than the input)
        ("conv1d same, dilation 2, input of length 1", 1, [2, 1], [2, 2, 3], True, {"padding": "same", "dilation": 2}, "float64", False),
        ("conv2d padding [0, 3], dilation 3, input width 1", 2, [2, 2, 4, 1], [3, 2, 2, 3], False, {"padding": [0, 3], "dilation": 3}, "float64", False),
    ]
    out = []
    for i, (name, nd, xs, ws, has_bias, opts, dtype, second) in enumerate(specs):
        rng = np.random.RandomState(100 + i)
        x = randn(rng, xs, dtype).requires_grad_()
        w = randn(rng, ws, dtype).requires_grad_()
        b = randn(rng, [ws[0]], dtype).requires_grad_() if has_bias else None
        fn = F.conv1d if nd == 1 else F.conv2d
        y = fn(x, w, b, **opts)
        dy = randn(rng, list(y.shape), dtype)
        inputs = [x, w] + ([b] if has_bias else [])
        grads = torch.autograd.grad(y, inputs, dy)
        case = {
            "name": name,
            "op": "conv1d" if nd == 1 else "conv2d",
            "options": {k: jsonable(v) for k, v in opts.items()},
            "x": enc(x),
            "weight": enc(w),
            "bias": enc(b) if has_bias else None,
            "y": enc(y),
            "dy": enc(dy),
            "dx": enc(grads[0]),
            "dweight": enc(grads[1]),
            "dbias": enc(grads[2]) if has_bias else None,
        }
        if second:
            dyr = dy.clone().requires_grad_()
            (dx,) = torch.autograd.grad(fn(x, w, b, **opts), [x], dyr, create_graph=True)
            v = randn(rng, list(x.shape), dtype)
            gw, gdy = torch.autograd.grad((dx * v).sum(), [w, dyr])
            case["second"] = {"v": enc(v), "dweight": enc(gw), "ddy": enc(gdy)}
        out.append(case)
    return out


# ---- modules: initialisation from NumPy's generator, as tapegrad draws it ----------------------


draw_init_from_numpy()


def module_cases():
    specs = [
        # seed, nd, in, out, kernel, kwargs
        (0, 1, 3, 4, 3, {}),
        (1, 2, 1, 16, 3, {"padding": 1}),
        (2, 2, 4, 6, [3, 2], {"groups": 2, "bias": False, "dtype": "float64"}),
        (3, 2, 2, 3, 2, {"stride": 2, "padding": "valid", "dilation": [2, 1]}),
        (4, 1, 4, 2, 4, {"padding": "same", "padding_mode": "circular", "dtype": "float64"}),
        (5, 2, 3, 2, 3, {"padding": 1, "padding_mode": "reflect", "dtype": "float64"}),
        (6, 2, 2, 2, 3, {"padding": [1, 2], "padding_mode": "replicate", "dtype": "float64"}),
        (7, 2, 2, 4, 3, {"padding": "same", "bias": False}),
        (8, 1, 4, 8, 3, {"stride": 2, "padding": 1, "dilation": 2, "groups": 2, "padding_mode": "zeros"}),
    ]
    out = []
    for seed, nd, cin, cout, k, kw in specs:
        kwargs = dict(kw)
        dtype = kwargs.pop("dtype", "float32")
        cls = nn.Conv1d if nd == 1 else nn.Conv2d
        np.random.seed(seed)
        m = cls(cin, cout, k, dtype=DT[dtype], **kwargs)
        rng = np.random.RandomState(300 + seed)
        xs = [2, cin] + ([9] if nd == 1 else [6, 7])
        x = randn(rng, xs, dtype)
        y = m(x)
        out.append(
            {
                "seed": seed,
                "module": "Conv1d" if nd == 1 else "Conv2d",
                "inChannels": cin,
                "outChannels": cout,
                "kernelSize": jsonable(k),
                "options": {key: jsonable(v) for key, v in kwargs.items()},
                "dtype": dtype,
                "weight": enc(m.weight),
                "bias": enc(m.bias) if m.bias is not None else None,
                "extraRepr": m.extra_repr(),
                "stateDictKeys": list(m.state_dict().keys()),
                "x": enc(x),
                "y": enc(y),
                "after": enc_float(np.random.random()),
            }
        )
    return out


def pad_cases():
    specs = [
        # x shape, pad, mode, value
        ([2, 3, 4], [1, 2], "constant", 0.0),
        ([2, 3, 4], [1, 2, 0, 1], "constant", 1.5),
        ([2, 3, 4], [-1, 2, 1, -1], "constant", 0.0),
        ([3, 4], [2, 1, 1, 3], "constant", -2.0),
        ([2, 3, 4], [1, 2, 1, 1, 0, 1], "constant", 0.0),
        ([5], [-2, -1], "constant", 0.0),
        ([2, 3, 4], [1, 2], "reflect", None),
        ([3, 4], [3, 3], "reflect", None),
        ([2, 3, 4], [-1, 2], "reflect", None),
        ([2, 3, 4], [1, 2, 2, 1], "reflect", None),
        ([1, 2, 3, 4], [3, 0, 1, 2], "reflect", None),
        ([1, 2, 2, 3, 4], [1, 2, 1, 0, 1, 1], "reflect", None),
        ([2, 3, 4], [1, 2], "replicate", None),
        ([2, 3, 4], [5, -1], "replicate", None),
        ([1, 2, 3, 4], [2, 1, 3, 1], "replicate", None),
        ([2, 2, 3, 4], [1, 1, 2, 0, 1, 2], "replicate", None),
        ([2, 3, 4], [1, 2], "circular", None),
        ([2, 3, 4], [4, 4], "circular", None),
        ([2, 3, 4], [-1, 2], "circular", None),
        ([2, 3, 4], [2, -1], "circular", None),
        ([1, 2, 3, 4], [1, 2, 3, 1], "circular", None),
        ([1, 1, 2, 3, 4], [1, 1, 2, 0, 1, 2], "circular", None),
        # pure cropping may empty a dim; a positive pad elsewhere may meet a negative one
        ([2, 3], [0, -3], "constant", 0.0),
        ([2, 1], [1, -1, 0, 1], "constant", 0.5),
    ]
    out = []
    for i, (xs, pad, mode, value) in enumerate(specs):
        rng = np.random.RandomState(500 + i)
        x = randn(rng, xs, "float64").requires_grad_()
        y = F.pad(x, pad, mode) if value is None else F.pad(x, pad, mode, value)
        dy = randn(rng, list(y.shape), "float64")
        (dx,) = torch.autograd.grad(y, [x], dy)
        out.append({"pad": pad, "mode": mode, "value": value, "x": enc(x), "y": enc(y), "dy": enc(dy), "dx": enc(dx)})
    return out


def main():
    torch.set_num_threads(1)
    data = {
        "format": FORMAT,
        "torch": torch.__version__,
        "conv": conv_cases(),
        "modules": module_cases(),
        "pad": pad_cases(),
    }
    write_json(OUT, data)


if __name__ == "__main__":
    main()
