"""Generate PyTorch 1.13 reference fixtures for pooling (max, average, adaptive average; 1-D, 2-D).

Run from the repository root with the system Python (it has torch 1.13 and numpy; the
`python3` on PATH has neither):

    /usr/bin/python3 scripts/gen_pool_fixtures.py

It writes test/fixtures/pool.json deterministically (inputs from a seeded numpy RandomState).
Every case names the tapegrad function (nn.functional.<fn>), its positional size argument and its
options in tapegrad's camelCase, and stores: the input x, a random upstream gradient dy, the
output y (and the argmax indices for max pooling), the input gradient dx after y.backward(dy),
and a second-order value: ddy = d/d(dy) of (dx * v).sum() for a random v (dx computed with
create_graph=True; null where PyTorch raises), which exercises the backward's own VJP (a gather for max pooling, the
pooling itself for average pooling). Cases are float64 unless named float32. `modules` lists
module constructions with PyTorch's extra_repr text.
"""

import json
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from fixture_util import ROOT, enc, fixture_path

OUT = fixture_path("pool.json")

FORMAT = (
    "A tensor is {shape, dtype, data}: data is the flat row-major list of values; float values "
    "are strings holding Python's repr() of the float64 value ('nan', 'inf', '-inf' possible; "
    "float32 values were widened exactly), int32 values are JSON integers (PyTorch's int64 "
    "indices). y = nn.functional.<fn>(x, <size>, options); dx = x.grad after y.backward(dy); "
    "ddy = autograd.grad((dx * v).sum(), dy) with dx from create_graph=True."
)

rng = np.random.RandomState(13)


def torch_opts(opts):
    """tapegrad's camelCase options as PyTorch keyword arguments."""
    names = {
        "stride": "stride",
        "padding": "padding",
        "dilation": "dilation",
        "ceilMode": "ceil_mode",
        "countIncludePad": "count_include_pad",
        "divisorOverride": "divisor_override",
    }
    return {names[k]: (tuple(v) if isinstance(v, list) else v) for k, v in opts.items()}


TORCH_FN = {
    "maxPool1d": F.max_pool1d,
    "maxPool2d": F.max_pool2d,
    "avgPool1d": F.avg_pool1d,
    "avgPool2d": F.avg_pool2d,
    "adaptiveAvgPool1d": F.adaptive_avg_pool1d,
    "adaptiveAvgPool2d": F.adaptive_avg_pool2d,
}


def case(name, fn, shape, size, opts=None, dtype=torch.float64, x=None):
    opts = opts or {}
    if x is None:
        x = torch.tensor(rng.standard_normal(shape), dtype=dtype)
    dtype = x.dtype
    x = x.clone().requires_grad_(True)
    tsize = tuple(size) if isinstance(size, list) else size
    kwargs = torch_opts(opts)
    if fn.startswith("max"):
        y, idx = TORCH_FN[fn](x, tsize, return_indices=True, **kwargs)
    else:
        y, idx = TORCH_FN[fn](x, tsize, **kwargs), None
    dy = torch.tensor(rng.standard_normal(tuple(y.shape)), dtype=dtype, requires_grad=True)
    (dx,) = torch.autograd.grad(y, x, dy, create_graph=True)
    v = torch.tensor(rng.standard_normal(tuple(x.shape)), dtype=dtype)
    try:
        (ddy,) = torch.autograd.grad((dx * v).sum(), dy)
    except RuntimeError:
        ddy = None  # PyTorch's double backward rejects an index past the plane (its gather)
    out = {
        "name": name,
        "fn": fn,
        "size": size,
        "options": opts,
        "x": enc(x),
        "dy": enc(dy),
        "y": enc(y),
        "dx": enc(dx),
        "v": enc(v),
        "ddy": None if ddy is None else enc(ddy),
    }
    if idx is not None:
        out["indices"] = enc(idx)
    return out


cases = [
    # max_pool2d
    case("maxPool2d k2", "maxPool2d", (2, 3, 6, 6), 2),
    case("maxPool2d k3 s2 p1", "maxPool2d", (2, 2, 7, 7), 3, {"stride": 2, "padding": 1}),
    case(
        "maxPool2d k(2,3) s(1,2) p(1,1) d(2,1)",
        "maxPool2d",
        (1, 2, 8, 9),
        [2, 3],
        {"stride": [1, 2], "padding": [1, 1], "dilation": [2, 1]},
    ),
    case("maxPool2d ceil k2 on 5x5", "maxPool2d", (1, 2, 5, 5), 2, {"ceilMode": True}),
    case("maxPool2d ceil k3 s2 p1 on 6x6", "maxPool2d", (1, 1, 6, 6), 3, {"stride": 2, "padding": 1, "ceilMode": True}),
    # (3 - 1)·3 ≥ 4 + 1: ceil mode drops the window that would start in the right padding
    case("maxPool2d ceil drops last window", "maxPool2d", (1, 1, 4, 4), 2, {"stride": 3, "padding": 1, "ceilMode": True}),
    case("maxPool2d overlapping k3 s1", "maxPool2d", (1, 2, 5, 5), 3, {"stride": 1}),
    case("maxPool2d dilation 2 k3 p1", "maxPool2d", (1, 1, 7, 7), 3, {"stride": 1, "padding": 1, "dilation": 2}),
    case("maxPool2d unbatched", "maxPool2d", (3, 5, 5), 2, {"stride": 1}),
    case("maxPool2d k2 wide rows", "maxPool2d", (2, 3, 10, 22), 2),
    case("maxPool2d float32", "maxPool2d", (2, 4, 8, 8), 2, dtype=torch.float32),
    case("maxPool2d float32 k3 s2 p1", "maxPool2d", (2, 3, 9, 9), 3, {"stride": 2, "padding": 1}, dtype=torch.float32),
    case(
        "maxPool2d NaN and -inf",
        "maxPool2d",
        None,
        2,
        x=torch.tensor(
            [[[[1.0, math.nan, 3.0, -math.inf, 0.5, 0.25],
               [math.nan, 2.0, -1.0, -math.inf, -0.5, math.nan],
               [-math.inf, -math.inf, 4.0, 4.0, 7.0, 6.0],
               [-math.inf, -math.inf, 4.0, 4.0, 6.0, 7.0]]]],
            dtype=torch.float64,
        ),
    ),
    # float32 2x2 over rows of four or more outputs: the vector kernel's lanes meet NaN and −∞
    case(
        "maxPool2d float32 NaN and -inf, four outputs a row",
        "maxPool2d",
        None,
        2,
        x=torch.tensor(
            [[[[1.0, math.nan, 3.0, -math.inf, 0.5, 0.25, 2.0, 2.0, 1.0, 0.0],
               [math.nan, 2.0, -1.0, -math.inf, -0.5, math.nan, 2.0, 2.0, -1.0, math.nan],
               [-math.inf, -math.inf, 4.0, 4.0, 7.0, 6.0, math.nan, math.nan, 1.5, 1.5],
               [-math.inf, -math.inf, 4.0, 4.0, 6.0, 7.0, 1.0, 5.0, 1.5, -2.0]]]],
            dtype=torch.float32,
        ),
    ),
    # max_pool1d
    # The only window spans the left padding and a dilation gap: −∞, PyTorch's index 1 (past the
    # plane), and no gradient; PyTorch's double backward raises on that index (ddy null), ours
    # gives 0.
    case("maxPool1d window of padding and gaps only", "maxPool1d", (1, 1, 1), 2, {"stride": 1, "padding": 1, "dilation": 2}),
    case("maxPool1d k2", "maxPool1d", (2, 3, 8), 2),
    case("maxPool1d k3 s2 p1 d2 ceil", "maxPool1d", (2, 2, 11), 3, {"stride": 2, "padding": 1, "dilation": 2, "ceilMode": True}),
    case("maxPool1d unbatched", "maxPool1d", (3, 9), 3, {"stride": 1, "padding": 1}),
    # avg_pool2d
    case("avgPool2d k2", "avgPool2d", (2, 3, 6, 6), 2),
    case("avgPool2d k3 s2 p1 countIncludePad", "avgPool2d", (2, 2, 7, 7), 3, {"stride": 2, "padding": 1}),
    case("avgPool2d k3 s2 p1 no countIncludePad", "avgPool2d", (2, 2, 7, 7), 3, {"stride": 2, "padding": 1, "countIncludePad": False}),
    case("avgPool2d ceil k3 s2 p1 countIncludePad", "avgPool2d", (1, 1, 6, 6), 3, {"stride": 2, "padding": 1, "ceilMode": True}),
    case(
        "avgPool2d ceil k3 s2 p1 no countIncludePad",
        "avgPool2d",
        (1, 1, 6, 6),
        3,
        {"stride": 2, "padding": 1, "ceilMode": True, "countIncludePad": False},
    ),
    case("avgPool2d ceil k2 on 5x5", "avgPool2d", (1, 2, 5, 5), 2, {"ceilMode": True}),
    case(
        "avgPool2d divisorOverride",
        "avgPool2d",
        (1, 2, 6, 7),
        [2, 3],
        {"stride": [1, 2], "padding": 1, "divisorOverride": 3},
    ),
    case("avgPool2d overlapping k3 s1", "avgPool2d", (1, 2, 5, 5), 3, {"stride": 1}),
    case("avgPool2d unbatched", "avgPool2d", (3, 5, 5), 2),
    case("avgPool2d float32", "avgPool2d", (2, 4, 8, 8), 2, dtype=torch.float32),
    # avg_pool1d
    case("avgPool1d k3 s2 p1 ceil no countIncludePad", "avgPool1d", (2, 2, 10), 3, {"stride": 2, "padding": 1, "ceilMode": True, "countIncludePad": False}),
    case("avgPool1d k3 s2 p1 ceil countIncludePad", "avgPool1d", (2, 2, 10), 3, {"stride": 2, "padding": 1, "ceilMode": True}),
    case("avgPool1d unbatched", "avgPool1d", (3, 7), 2),
    # adaptive_avg_pool2d
    case("adaptiveAvgPool2d 5→3", "adaptiveAvgPool2d", (1, 2, 5, 5), 3),
    case("adaptiveAvgPool2d 7→4", "adaptiveAvgPool2d", (2, 1, 7, 7), [4, 4]),
    case("adaptiveAvgPool2d 10→(3,7)", "adaptiveAvgPool2d", (1, 2, 10, 10), [3, 7]),
    case("adaptiveAvgPool2d (None, 3)", "adaptiveAvgPool2d", (1, 1, 6, 5), [None, 3]),
    case("adaptiveAvgPool2d 3→5 (overlapping bins)", "adaptiveAvgPool2d", (1, 1, 3, 3), 5),
    case("adaptiveAvgPool2d global", "adaptiveAvgPool2d", (2, 3, 4, 5), 1),
    case("adaptiveAvgPool2d unbatched (4, None)", "adaptiveAvgPool2d", (2, 7, 6), [4, None]),
    case("adaptiveAvgPool2d float32", "adaptiveAvgPool2d", (2, 4, 9, 9), 2, dtype=torch.float32),
    # adaptive_avg_pool1d
    case("adaptiveAvgPool1d 10→4", "adaptiveAvgPool1d", (2, 3, 10), 4),
    case("adaptiveAvgPool1d unbatched 7→3", "adaptiveAvgPool1d", (3, 7), 3),
]


def module(name, args, opts, m):
    text = repr(m)
    assert text.startswith(name + "(") and text.endswith(")")
    return {"module": name, "args": args, "options": opts, "extraRepr": text[len(name) + 1 : -1]}


modules = [
    module("MaxPool2d", [2], {}, nn.MaxPool2d(2)),
    module(
        "MaxPool2d",
        [[2, 3]],
        {"stride": 1, "padding": [1, 0], "dilation": 2, "ceilMode": True, "returnIndices": True},
        nn.MaxPool2d((2, 3), stride=1, padding=(1, 0), dilation=2, ceil_mode=True, return_indices=True),
    ),
    module("MaxPool1d", [3], {"stride": 2}, nn.MaxPool1d(3, stride=2)),
    module("AvgPool2d", [2], {}, nn.AvgPool2d(2)),
    module(
        "AvgPool2d",
        [[2, 3]],
        {"stride": [1, 2], "padding": 1, "ceilMode": True, "countIncludePad": False, "divisorOverride": 3},
        nn.AvgPool2d((2, 3), stride=(1, 2), padding=1, ceil_mode=True, count_include_pad=False, divisor_override=3),
    ),
    module("AvgPool1d", [3], {}, nn.AvgPool1d(3)),
    module("AvgPool1d", [3], {"stride": 2, "padding": 1}, nn.AvgPool1d(3, stride=2, padding=1)),
    module("AdaptiveAvgPool2d", [7], {}, nn.AdaptiveAvgPool2d(7)),
    module("AdaptiveAvgPool2d", [[3, 4]], {}, nn.AdaptiveAvgPool2d((3, 4))),
    module("AdaptiveAvgPool2d", [[7, None]], {}, nn.AdaptiveAvgPool2d((7, None))),
    module("AdaptiveAvgPool1d", [3], {}, nn.AdaptiveAvgPool1d(3)),
]

with open(OUT, "w") as f:
    json.dump({"format": FORMAT, "torch": torch.__version__, "cases": cases, "modules": modules}, f)
    f.write("\n")
print(f"wrote {os.path.relpath(OUT, ROOT)}: {len(cases)} cases, {len(modules)} modules")
