"""Generate PyTorch 1.13 reference fixtures for BatchNorm2d, LayerNorm and GroupNorm.

Run from the repository root with the system Python (it has torch 1.13 and numpy; the
`python3` on PATH has neither):

    /usr/bin/python3 scripts/gen_norm_fixtures.py

It writes test/fixtures/norm.json, deterministically (all data comes from seeded numpy
RandomStates). Every float is a string holding Python's repr() of the value (float32 values
converted exactly to float64 first, so Math.fround recovers their bits); tensors are flat
row-major lists with their shape.

* "batchNorm2d": multi-step sequences on ONE torch.nn.BatchNorm2d module (train/eval switching,
  affine or not, track_running_stats or not, momentum 0.1 / None), per step the output, the
  gradients of x, weight and bias for a random upstream gradient, and the buffers after the step.
* "layerNorm": torch.nn.functional.layer_norm over several normalized shapes, affine or not.
* "groupNorm": torch.nn.functional.group_norm with 1 group, C groups and groups in between, on 3-D
  and 4-D input, affine or not.

Each case exists in float64 and in float32. A float32 case stores torch's float32 results
("torch32") and the float64 reference ("ref"): the same float32 inputs and parameters cast to
float64 and run in float64, which is what a float32 implementation with float64 statistics should
round. "accuracy" holds the offset-1e4 experiment: float32 x = 1e4 + randn for each op, with the
float64 reference and PyTorch's own float32 relative error against it.
"""

import json

import numpy as np
import torch
import torch.nn.functional as F

from fixture_util import DT, enc, enc_float, fixture_path

OUT = fixture_path("norm.json")


def fx(t):
    """A tensor as {shape, dtype, data}, or None."""
    return None if t is None else enc(t)


def rel(a, ref):
    """max|a - ref| / max|ref| in float64."""
    a = a.detach().double()
    ref = ref.detach().double()
    scale = ref.abs().max().item()
    d = (a - ref).abs().max().item()
    return 0.0 if d == 0 else d / scale


def values(rng, shape, offset=0.0, scale=1.0):
    return rng.standard_normal(shape) * scale + offset


def grads_of(y, dy, leaves):
    gs = torch.autograd.grad(y, [t for t in leaves if t is not None], dy, allow_unused=True)
    out, k = [], 0
    for t in leaves:
        if t is None:
            out.append(None)
        else:
            g = gs[k]
            out.append(torch.zeros_like(t) if g is None else g)
            k += 1
    return out


# ---- functional cases (LayerNorm, GroupNorm) ---------------------------------------------------


def functional_case(name, seed, shape, param_shape, affine, eps, run, offset=0.0):
    """One call of `run(x, w, b)` in float64, and the same float32-rounded data in float32."""
    rng = np.random.RandomState(seed)
    x64 = values(rng, shape, offset=offset, scale=1.5)
    w64 = values(rng, param_shape, offset=0.5, scale=0.8) if affine else None
    b64 = values(rng, param_shape) if affine else None
    dy64 = values(rng, shape)
    out = []
    for dtype in ("float64", "float32"):
        dt = DT[dtype]

        def mk(a, grad=True):
            if a is None:
                return None
            return torch.tensor(a, dtype=torch.float64).to(dt).requires_grad_(grad)

        x, w, b, dy = mk(x64), mk(w64), mk(b64), mk(dy64, False)
        y = run(x, w, b, eps)
        dx, dw, db = grads_of(y, dy, [x, w, b])
        case = {
            "name": f"{name} {dtype}",
            "dtype": dtype,
            "eps": enc_float(eps),
            "x": fx(x),
            "weight": fx(w),
            "bias": fx(b),
            "dy": fx(dy),
            "torch": {"y": fx(y), "dx": fx(dx), "dweight": fx(dw), "dbias": fx(db)},
        }
        if dtype == "float32":
            # The float64 reference on the very same (float32) values.
            up = lambda t: None if t is None else t.detach().double().requires_grad_(True)
            xr, wr, br = up(x), up(w), up(b)
            yr = run(xr, wr, br, eps)
            dxr, dwr, dbr = grads_of(yr, dy.double(), [xr, wr, br])
            case["ref"] = {"y": fx(yr), "dx": fx(dxr), "dweight": fx(dwr), "dbias": fx(dbr)}
            case["torch32RelError"] = {
                "y": rel(y, yr),
                "dx": rel(dx, dxr),
            }
        out.append(case)
    return out


def layer_norm_cases():
    cases = []
    specs = [
        ("[5] on (4, 5)", (4, 5), [5]),
        ("[3, 4] on (2, 3, 4)", (2, 3, 4), [3, 4]),
        ("[4] on (2, 3, 4)", (2, 3, 4), [4]),
        ("[2, 3, 4] on (3, 2, 3, 4)", (3, 2, 3, 4), [2, 3, 4]),
        ("[7] on (7,)", (7,), [7]),
    ]
    seed = 100
    for label, shape, ns in specs:
        for affine in (True, False):
            for eps in (1e-5,) if affine else (1e-3,):
                seed += 1
                run = lambda x, w, b, e, ns=ns: F.layer_norm(x, ns, w, b, e)
                for c in functional_case(
                    f"layerNorm {label} affine={affine} eps={eps}", seed, shape, ns, affine, eps, run
                ):
                    c["normalizedShape"] = ns
                    cases.append(c)
    return cases


def group_norm_cases():
    cases = []
    specs = [
        ((3, 6, 4), [1, 2, 3, 6]),
        ((2, 4, 3, 2), [1, 2, 4]),
        ((2, 6), [3]),
    ]
    seed = 200
    for shape, groups in specs:
        c = shape[1]
        for g in groups:
            for affine in (True, False):
                seed += 1
                eps = 1e-5 if affine else 1e-3
                run = lambda x, w, b, e, g=g: F.group_norm(x, g, w, b, e)
                for case in functional_case(
                    f"groupNorm {g} groups on {shape} affine={affine}", seed, shape, [c], affine, eps, run
                ):
                    case["numGroups"] = g
                    cases.append(case)
    return cases


# ---- BatchNorm2d module sequences --------------------------------------------------------------


def batch_norm_2d_case(name, seed, shape, affine, track, momentum, modes):
    rng = np.random.RandomState(seed)
    c = shape[1]
    w0 = values(rng, [c], offset=0.5, scale=0.8)
    b0 = values(rng, [c])
    steps_data = [(values(rng, shape, offset=0.7, scale=1.3), values(rng, shape)) for _ in modes]
    out = []
    for dtype in ("float64", "float32"):
        runs = {}
        for which, dt in (("torch", DT[dtype]), ("ref", torch.float64)):
            if which == "ref" and dtype == "float64":
                continue
            bn = torch.nn.BatchNorm2d(
                c, eps=1e-5, momentum=momentum, affine=affine, track_running_stats=track, dtype=dt
            )
            with torch.no_grad():
                if affine:
                    # Parameters and data rounded to the case dtype first, then (ref) widened.
                    bn.weight.copy_(torch.tensor(w0).to(DT[dtype]).to(dt))
                    bn.bias.copy_(torch.tensor(b0).to(DT[dtype]).to(dt))
            steps = []
            for mode, (xa, dya) in zip(modes, steps_data):
                bn.train(mode == "train")
                bn.zero_grad()
                x = torch.tensor(xa).to(DT[dtype]).to(dt).requires_grad_(True)
                dy = torch.tensor(dya).to(DT[dtype]).to(dt)
                y = bn(x)
                y.backward(dy)
                steps.append(
                    {
                        "mode": mode,
                        "x": fx(x),
                        "dy": fx(dy),
                        "y": fx(y),
                        "dx": fx(x.grad),
                        "dweight": fx(bn.weight.grad) if affine else None,
                        "dbias": fx(bn.bias.grad) if affine else None,
                        "runningMean": fx(bn.running_mean) if track else None,
                        "runningVar": fx(bn.running_var) if track else None,
                        "numBatchesTracked": int(bn.num_batches_tracked) if track else None,
                    }
                )
            runs[which] = {"steps": steps, "weight": fx(bn.weight) if affine else None}
        case = {
            "name": f"{name} {dtype}",
            "dtype": dtype,
            "numFeatures": c,
            "affine": affine,
            "trackRunningStats": track,
            "momentum": None if momentum is None else enc_float(momentum),
            "weight": fx(torch.tensor(w0).to(DT[dtype])) if affine else None,
            "bias": fx(torch.tensor(b0).to(DT[dtype])) if affine else None,
            "torch": runs["torch"]["steps"],
        }
        if "ref" in runs:
            case["ref"] = runs["ref"]["steps"]
        out.append(case)
    return out


def batch_norm_2d_cases():
    cases = []
    seed = 300
    for affine in (True, False):
        for track in (True, False):
            for momentum in (0.1, None):
                if not track and momentum is None:
                    continue
                seed += 1
                modes = ["train", "train", "eval", "train"] if track else ["train", "eval"]
                cases += batch_norm_2d_case(
                    f"BatchNorm2d affine={affine} track={track} momentum={momentum}",
                    seed,
                    (3, 4, 3, 2),
                    affine,
                    track,
                    momentum,
                    modes,
                )
    return cases


# ---- the offset-1e4 float32 accuracy experiment ------------------------------------------------


def accuracy_cases():
    out = []
    specs = [
        ("layerNorm", (16, 64), [64], lambda x, w, b: F.layer_norm(x, [64], w, b, 1e-5)),
        ("groupNorm", (8, 16, 12), [16], lambda x, w, b: F.group_norm(x, 4, w, b, 1e-5)),
        (
            "batchNorm2d",
            (8, 6, 5, 5),
            [6],
            lambda x, w, b: F.batch_norm(x, None, None, w, b, True, 0.1, 1e-5),
        ),
    ]
    for k, (op, shape, pshape, run) in enumerate(specs):
        rng = np.random.RandomState(400 + k)
        x32 = torch.tensor(values(rng, shape, offset=1e4)).float().requires_grad_(True)
        w32 = torch.tensor(values(rng, pshape, offset=0.5, scale=0.8)).float().requires_grad_(True)
        b32 = torch.tensor(values(rng, pshape)).float().requires_grad_(True)
        dy32 = torch.tensor(values(rng, shape)).float()
        y32 = run(x32, w32, b32)
        g32 = grads_of(y32, dy32, [x32, w32, b32])
        up = lambda t: t.detach().double().requires_grad_(True)
        x, w, b = up(x32), up(w32), up(b32)
        y = run(x, w, b)
        g = grads_of(y, dy32.double(), [x, w, b])
        out.append(
            {
                "op": op,
                "x": fx(x32),
                "weight": fx(w32),
                "bias": fx(b32),
                "dy": fx(dy32),
                "ref": {"y": fx(y), "dx": fx(g[0]), "dweight": fx(g[1]), "dbias": fx(g[2])},
                "torch32RelError": {
                    "y": rel(y32, y),
                    "dx": rel(g32[0], g[0]),
                    "dweight": rel(g32[1], g[1]),
                    "dbias": rel(g32[2], g[2]),
                },
            }
        )
    return out


def main():
    torch.manual_seed(0)
    data = {
        "generator": "scripts/gen_norm_fixtures.py",
        "torch": torch.__version__,
        "layerNorm": layer_norm_cases(),
        "groupNorm": group_norm_cases(),
        "batchNorm2d": batch_norm_2d_cases(),
        "accuracy": accuracy_cases(),
    }
    with open(OUT, "w") as f:
        json.dump(data, f, separators=(",", ":"))
        f.write("\n")
    for a in data["accuracy"]:
        print(a["op"], "torch float32 relative error at offset 1e4:", a["torch32RelError"])
    print("wrote", OUT)


if __name__ == "__main__":
    main()
