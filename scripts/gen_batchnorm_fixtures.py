"""Generate PyTorch 1.13 reference fixtures for nn.functional.batchNorm and nn.BatchNorm1d.

Run from the repository root with the system Python (it has torch 1.13 and numpy; the
`python3` on PATH has neither):

    /usr/bin/python3 scripts/gen_batchnorm_fixtures.py

It writes two files, deterministically (all data comes from seeded numpy RandomStates):

* test/fixtures/batchnorm.json: multi-step sequences run on ONE torch.nn.BatchNorm1d module
  (or on torch.nn.functional.batch_norm with the same running-stat tensors), covering layouts
  (N, C) / (N, C, L), float32 / float64, affine, track_running_stats, momentum 0.1 / 0.3 /
  None / 0.0 / 1.0, eps 1e-5 / 1e-3, train/eval switching and edge shapes and values; per step
  the output, the gradients for a random upstream gradient, and the buffers after the step;
  second derivatives for some float64 cases; calls that PyTorch rejects; and a "meta" field with
  the float32 accuracy experiment (input 1e5 + randn, shape (64, 128)).
* test/fixtures/seed_batchnorm.json: the original experiment (np.random.seed(123), a (3, 5)
  float64 BatchNorm1d(5) forward/backward in training mode) with NumPy's printout of the results.

The float encoding is described in the "format" field at the top of each file.
"""

import copy
import json
import math
import os
import platform

import numpy as np
import torch
import torch.nn.functional as F

from fixture_util import enc_float, fixture_path

OUT = fixture_path("batchnorm.json")
SEED_OUT = fixture_path("seed_batchnorm.json")

DTYPES = {"float32": torch.float32, "float64": torch.float64}

FORMAT = (
    "Every float is a string holding Python's repr() of the value: the shortest decimal that "
    "round-trips to the same float64 ('nan', 'inf', '-inf', '-0.0' possible). float32 values "
    "were converted exactly to float64 before repr(), so parse as a double and round to float32 "
    "(Math.fround) to recover the exact float32 bits. Tensors are flat row-major lists; the "
    "shape of x, dy, y, dx (and secondOrder.v, secondOrder.gradX) is the step's `shape`, and "
    "weight, bias, dweight, dbias, runningMean, runningVar, secondOrder.gradWeight/gradBias have "
    "length C = shape[1]. numBatchesTracked is a JSON integer. null means 'absent' (no "
    "affine parameters / running statistics not tracked). momentum null means None (cumulative "
    "moving average). Gradients are fresh per step: .grad is cleared before each backward and x "
    "is a new leaf every step; dx, dweight, dbias are the .grad of x, weight, bias after "
    "y.backward(dy). Buffers are recorded AFTER the step. secondOrder (some float64 cases): with "
    "create_graph=True, (dx, dweight, dbias) = autograd.grad(y, (x, weight, bias), dy); then "
    "gradX/gradWeight/gradBias = autograd.grad((dx * v).sum(), (x, weight, bias), "
    "allow_unused=True); a None from autograd (no dependence) is stored as zeros, and is null only "
    "when the tensor itself does not exist (affine false)."
)


def flat(t):
    if t is None:
        return None
    return [enc_float(v) for v in t.detach().reshape(-1).tolist()]


def dtype_name(dt):
    return {torch.float32: "float32", torch.float64: "float64"}[dt]


# ---------------------------------------------------------------------------------------------
# Data generators (numpy legacy RandomState, float64, then cast to the case dtype)
# ---------------------------------------------------------------------------------------------


def make_x(rng, shape, special=None):
    """Per-channel offset and scale so the channels differ; `special` tweaks channels."""
    c = shape[1]
    offs = rng.uniform(-2.0, 2.0, size=c)
    scales = rng.uniform(0.5, 2.0, size=c)
    x = rng.standard_normal(shape)
    bshape = [1, c] + [1] * (len(shape) - 2)
    x = x * scales.reshape(bshape) + offs.reshape(bshape)
    if special:
        for kind, ch, arg in special:
            sl = (slice(None), ch) + (slice(None),) * (len(shape) - 2)
            if kind == "const":
                x[sl] = arg
            elif kind == "near_eps":
                # values whose (biased) variance is close to eps: mean +- sqrt(eps) * noise
                m = x[sl].size
                noise = rng.standard_normal(m)
                noise = (noise - noise.mean()) / (noise.std() or 1.0)
                x[sl] = (arg["mean"] + math.sqrt(arg["eps"]) * noise).reshape(x[sl].shape)
            elif kind == "offset":
                x[sl] = x[sl] + arg
            elif kind == "offset_all":
                x = x + arg
    return x


cases = []
error_cases = []


def tensor(a, dt, requires_grad=False):
    t = torch.tensor(np.asarray(a, dtype=np.float64), dtype=torch.float64).to(dt)
    if requires_grad:
        t.requires_grad_(True)
    return t


def second_order_values(rng, shape):
    return rng.standard_normal(shape)


def run_module_case(
    name,
    seed,
    shape,
    dtype,
    affine,
    track,
    momentum,
    eps,
    modes,
    special=None,
    step_shapes=None,
    init_stats=None,
    second_order=False,
):
    rng = np.random.RandomState(seed)
    dt = DTYPES[dtype]
    c = shape[1]
    bn = torch.nn.BatchNorm1d(
        c, eps=eps, momentum=momentum, affine=affine, track_running_stats=track, dtype=dt
    )
    with torch.no_grad():
        if affine:
            bn.weight.copy_(tensor(rng.standard_normal(c) * 0.8 + 0.5, dt))
            bn.bias.copy_(tensor(rng.standard_normal(c), dt))
        if init_stats is not None:
            assert track
            bn.running_mean.copy_(tensor(init_stats["mean"], dt))
            bn.running_var.copy_(tensor(init_stats["var"], dt))
            bn.num_batches_tracked.fill_(init_stats["nbt"])
    case = {
        "name": name,
        "kind": "module",
        "options": {
            "numFeatures": c,
            "eps": enc_float(eps),
            "momentum": None if momentum is None else enc_float(momentum),
            "affine": affine,
            "trackRunningStats": track,
            "dtype": dtype,
            "shape": list(shape),
        },
        "initial": {
            "weight": flat(bn.weight) if affine else None,
            "bias": flat(bn.bias) if affine else None,
            "runningMean": flat(bn.running_mean) if track else None,
            "runningVar": flat(bn.running_var) if track else None,
            "numBatchesTracked": int(bn.num_batches_tracked) if track else None,
        },
        "steps": [],
    }
    for i, mode in enumerate(modes):
        sshape = list(step_shapes[i]) if step_shapes else list(shape)
        bn.train(mode == "train")
        x = tensor(make_x(rng, sshape, special), dt, requires_grad=True)
        dy = tensor(rng.standard_normal(sshape), dt)
        step = {"mode": mode, "shape": sshape, "x": flat(x), "dy": flat(dy)}
        if second_order:
            v = tensor(second_order_values(rng, sshape), dt)
            ref = copy.deepcopy(bn)  # plain-backward run on an identical module, for comparison
            params = [x] + ([bn.weight, bn.bias] if affine else [])
            y = bn(x)
            grads = torch.autograd.grad(y, params, dy, create_graph=True)
            dx = grads[0]
            dw = grads[1] if affine else None
            db = grads[2] if affine else None
            g2 = torch.autograd.grad((dx * v).sum(), params, allow_unused=True)
            g2 = [torch.zeros_like(p) if g is None else g for g, p in zip(g2, params)]
            step["secondOrder"] = {
                "v": flat(v),
                "gradX": flat(g2[0]),
                "gradWeight": flat(g2[1]) if affine else None,
                "gradBias": flat(g2[2]) if affine else None,
            }
            # Check that the create_graph path agrees bit for bit with plain backward().
            x2 = x.detach().clone().requires_grad_(True)
            y2 = ref(x2)
            y2.backward(dy)
            assert torch.equal(y2, y.detach()), name
            assert torch.equal(x2.grad, dx.detach()), name
            if affine:
                assert torch.equal(ref.weight.grad, dw.detach()), name
                assert torch.equal(ref.bias.grad, db.detach()), name
        else:
            bn.zero_grad(set_to_none=True)
            y = bn(x)
            y.backward(dy)
            dx = x.grad
            dw = bn.weight.grad if affine else None
            db = bn.bias.grad if affine else None
        step["y"] = flat(y)
        step["dx"] = flat(dx)
        step["dweight"] = flat(dw) if affine else None
        step["dbias"] = flat(db) if affine else None
        step["runningMean"] = flat(bn.running_mean) if track else None
        step["runningVar"] = flat(bn.running_var) if track else None
        step["numBatchesTracked"] = int(bn.num_batches_tracked) if track else None
        # Put the big arrays last for readability of the JSON.
        ordered = {k: step[k] for k in ("mode", "shape", "runningMean", "runningVar")}
        ordered["numBatchesTracked"] = step["numBatchesTracked"]
        for k in ("dweight", "dbias", "x", "dy", "y", "dx", "secondOrder"):
            if k in step:
                ordered[k] = step[k]
        case["steps"].append(ordered)
    cases.append(case)


def run_functional_case(
    name,
    seed,
    shape,
    dtype,
    has_weight,
    has_bias,
    has_running,
    momentum,
    eps,
    trainings,
    second_order=False,
):
    """torch.nn.functional.batch_norm(x, running_mean, running_var, weight, bias, training,
    momentum, eps) with the same running-stat tensors (updated in place) across the steps."""
    rng = np.random.RandomState(seed)
    dt = DTYPES[dtype]
    c = shape[1]
    w = tensor(rng.standard_normal(c) * 0.8 + 0.5, dt, True) if has_weight else None
    b = tensor(rng.standard_normal(c), dt, True) if has_bias else None
    rm = tensor(rng.standard_normal(c) * 0.5, dt) if has_running else None
    rv = tensor(rng.uniform(0.5, 2.0, size=c), dt) if has_running else None
    case = {
        "name": name,
        "kind": "functional",
        "options": {
            "numFeatures": c,
            "eps": enc_float(eps),
            "momentum": enc_float(momentum),
            "hasWeight": has_weight,
            "hasBias": has_bias,
            "hasRunningStats": has_running,
            "dtype": dtype,
            "shape": list(shape),
        },
        "initial": {
            "weight": flat(w),
            "bias": flat(b),
            "runningMean": flat(rm),
            "runningVar": flat(rv),
            "numBatchesTracked": None,
        },
        "steps": [],
    }
    for training in trainings:
        x = tensor(make_x(rng, shape), dt, requires_grad=True)
        dy = tensor(rng.standard_normal(shape), dt)
        params = [p for p in (x, w, b) if p is not None]
        for p in params:
            p.grad = None
        step = {"mode": "train" if training else "eval", "shape": list(shape)}
        y = F.batch_norm(x, rm, rv, w, b, training=training, momentum=momentum, eps=eps)
        so = None
        if second_order:
            v = tensor(second_order_values(rng, shape), dt)
            grads = torch.autograd.grad(y, params, dy, create_graph=True)
            g2 = torch.autograd.grad((grads[0] * v).sum(), params, allow_unused=True)
            g2 = [torch.zeros_like(p) if g is None else g for g, p in zip(g2, params)]
            g2 = dict(zip([id(p) for p in params], g2))
            so = {
                "v": flat(v),
                "gradX": flat(g2[id(x)]),
                "gradWeight": flat(g2[id(w)]) if w is not None else None,
                "gradBias": flat(g2[id(b)]) if b is not None else None,
            }
            grads = dict(zip([id(p) for p in params], grads))
            dx = grads[id(x)]
            dw = grads[id(w)] if w is not None else None
            db = grads[id(b)] if b is not None else None
        else:
            y.backward(dy)
            dx, dw, db = x.grad, (w.grad if w is not None else None), (b.grad if b is not None else None)
        step["runningMean"] = flat(rm)
        step["runningVar"] = flat(rv)
        step["numBatchesTracked"] = None
        step["dweight"] = flat(dw)
        step["dbias"] = flat(db)
        step["x"] = flat(x)
        step["dy"] = flat(dy)
        step["y"] = flat(y)
        step["dx"] = flat(dx)
        if so is not None:
            step["secondOrder"] = so
        case["steps"].append(step)
    cases.append(case)


def record_error(name, kind, fn, details):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - we record whatever PyTorch raises
        error_cases.append(
            dict(name=name, kind=kind, **details, error={"type": type(e).__name__, "message": str(e)})
        )
        return
    raise AssertionError(f"expected an error: {name}")


# ---------------------------------------------------------------------------------------------
# 1. The option grid on modules
# ---------------------------------------------------------------------------------------------

MODE_PATTERNS = [
    ["train", "train", "eval", "train", "eval"],
    ["train", "eval", "train", "train", "eval", "eval"],
    ["eval", "train", "eval"],
    ["train", "train", "train", "eval"],
    ["train", "eval", "eval", "train"],
    ["eval", "eval", "train", "train", "eval"],
    ["train", "train", "eval", "train", "eval", "train"],
]
MOMENTA = [0.1, 0.3, None, 0.0, 1.0]
EPSES = [1e-5, 1e-3]


def grid_shape(rng, layout):
    # Small shapes (N <= 8, C <= 6, L <= 5) with N*C*L kept modest for the file size.
    while True:
        n = int(rng.randint(2, 9))
        c = int(rng.randint(1, 7))
        if layout == "NC":
            if n * c <= 36:
                return [n, c]
        else:
            l = int(rng.randint(2, 6))
            if n * c * l <= 48:
                return [n, c, l]


grid_rng = np.random.RandomState(20240601)
seed = 1000
k = 0
for layout in ("NC", "NCL"):
    for dtype in ("float32", "float64"):
        for affine in (True, False):
            for track in (True, False):
                # momentum only matters when tracking; untracked cases still vary it a little.
                momenta = MOMENTA if track else [0.1, None]
                for mi, momentum in enumerate(momenta):
                    eps = EPSES[(mi + (layout == "NCL") + (dtype == "float64") + affine) % 2]
                    shape = grid_shape(grid_rng, layout)
                    modes = MODE_PATTERNS[(k + k // 7) % len(MODE_PATTERNS)]  # rotate per block
                    k += 1
                    seed += 1
                    name = (
                        f"grid {layout} {dtype} affine={affine} track={track} "
                        f"momentum={momentum} eps={eps} modes={'/'.join(m[0] for m in modes)}"
                    )
                    run_module_case(name, seed, shape, dtype, affine, track, momentum, eps, modes)

# ---------------------------------------------------------------------------------------------
# 2. Edge shapes and values
# ---------------------------------------------------------------------------------------------

T, E = "train", "eval"
edge = [
    # N*L = 2 (the smallest batch allowed in training; unbiased var = 2 * biased var)
    dict(name="edge N*L=2 (2, C)", shape=[2, 3], dtype="float64", affine=True, track=True,
         momentum=0.1, eps=1e-5, modes=[T, T, E, T]),
    dict(name="edge N*L=2 (2, C) float32 momentum None", shape=[2, 4], dtype="float32",
         affine=True, track=True, momentum=None, eps=1e-5, modes=[T, E, T, T, E]),
    dict(name="edge N*L=2 (1, C, 2)", shape=[1, 3, 2], dtype="float64", affine=True, track=True,
         momentum=0.3, eps=1e-3, modes=[T, E, T]),
    dict(name="edge N*L=2 (2, C, 1)", shape=[2, 2, 1], dtype="float32", affine=False, track=True,
         momentum=1.0, eps=1e-5, modes=[T, T, E]),
    # N = 1 with L > 1 (training is allowed: N*L > 1)
    dict(name="edge N=1 L=4 track", shape=[1, 3, 4], dtype="float64", affine=True, track=True,
         momentum=0.1, eps=1e-5, modes=[T, T, E, T, E]),
    dict(name="edge N=1 L=5 momentum None float32", shape=[1, 2, 5], dtype="float32",
         affine=True, track=True, momentum=None, eps=1e-5, modes=[T, E, T, T, E]),
    dict(name="edge N=1 L=3 untracked (eval uses batch stats)", shape=[1, 4, 3],
         dtype="float64", affine=True, track=False, momentum=0.1, eps=1e-5, modes=[T, E, E, T]),
    # N = 1, (N, C) layout: eval only (training would raise)
    dict(name="edge N=1 (1, C) eval only, tracked", shape=[1, 3], dtype="float64", affine=True,
         track=True, momentum=0.1, eps=1e-5, modes=[E, E, E]),
    # C = 1
    dict(name="edge C=1 (N, 1)", shape=[6, 1], dtype="float64", affine=True, track=True,
         momentum=0.1, eps=1e-5, modes=[T, T, E, T, E]),
    dict(name="edge C=1 (N, 1, L) float32 momentum None", shape=[3, 1, 4], dtype="float32",
         affine=True, track=True, momentum=None, eps=1e-3, modes=[T, T, E, T]),
    # constant channels (batch variance exactly 0 when the mean is exact)
    dict(name="edge constant channel 3.0 (var 0)", shape=[5, 3], dtype="float64", affine=True,
         track=True, momentum=0.1, eps=1e-5, modes=[T, E, T, E],
         special=[("const", 0, 3.0)]),
    dict(name="edge constant channel 0.1 float32 (N, C, L)", shape=[3, 3, 4], dtype="float32",
         affine=True, track=True, momentum=0.3, eps=1e-5, modes=[T, T, E],
         special=[("const", 1, 0.1)]),
    dict(name="edge constant channel untracked, affine=False", shape=[4, 2], dtype="float64",
         affine=False, track=False, momentum=0.1, eps=1e-3, modes=[T, E, T],
         special=[("const", 1, -2.5)]),
    # variance near eps
    dict(name="edge channel variance near eps=1e-3", shape=[6, 3], dtype="float64", affine=True,
         track=True, momentum=0.1, eps=1e-3, modes=[T, E, T, E],
         special=[("near_eps", 0, {"mean": 0.7, "eps": 1e-3})]),
    dict(name="edge channel variance near eps=1e-5 float32", shape=[4, 2, 3], dtype="float32",
         affine=True, track=True, momentum=0.1, eps=1e-5, modes=[T, T, E],
         special=[("near_eps", 1, {"mean": -0.3, "eps": 1e-5})]),
    # large offset in float32
    dict(name="edge float32 large offset 1e4 (N, C)", shape=[8, 4], dtype="float32",
         affine=True, track=True, momentum=0.1, eps=1e-5, modes=[T, T, E, T, E],
         special=[("offset_all", None, 1e4)]),
    dict(name="edge float32 large offset 1e4 (N, C, L), momentum None", shape=[4, 3, 4],
         dtype="float32", affine=True, track=True, momentum=None, eps=1e-5, modes=[T, E, T],
         special=[("offset_all", None, 1e4)]),
    dict(name="edge float64 large offset 1e4 untracked", shape=[8, 3], dtype="float64",
         affine=True, track=False, momentum=0.1, eps=1e-5, modes=[T, E],
         special=[("offset_all", None, 1e4)]),
    # the batch size may change between steps
    dict(name="edge batch size changes between steps", shape=[4, 3, 2], dtype="float64",
         affine=True, track=True, momentum=0.1, eps=1e-5, modes=[T, T, E, T],
         step_shapes=[[4, 3, 2], [1, 3, 2], [3, 3, 2], [2, 3, 5]]),
    # pre-existing buffers (as after load_state_dict): momentum None uses 1 / num_batches_tracked
    dict(name="edge momentum None with num_batches_tracked preset to 4", shape=[5, 3],
         dtype="float64", affine=True, track=True, momentum=None, eps=1e-5, modes=[E, T, T, E],
         init_stats={"mean": [0.5, -1.0, 2.0], "var": [0.25, 4.0, 1.5], "nbt": 4}),
    dict(name="edge momentum 0.1 with preset running stats", shape=[3, 3, 2], dtype="float32",
         affine=False, track=True, momentum=0.1, eps=1e-5, modes=[E, T, E],
         init_stats={"mean": [0.5, -1.0, 2.0], "var": [0.25, 4.0, 1.5], "nbt": 7}),
]
for i, e in enumerate(edge):
    run_module_case(
        e["name"], 5000 + i, e["shape"], e["dtype"], e["affine"], e["track"], e["momentum"],
        e["eps"], e["modes"], special=e.get("special"), step_shapes=e.get("step_shapes"),
        init_stats=e.get("init_stats"),
    )

# ---------------------------------------------------------------------------------------------
# 3. Second derivatives (float64)
# ---------------------------------------------------------------------------------------------

so_cases = [
    dict(name="second order (N, C) affine tracked", shape=[5, 3], affine=True, track=True,
         momentum=0.1, eps=1e-5, modes=[T, E, T]),
    dict(name="second order (N, C, L) affine tracked momentum None", shape=[3, 2, 4],
         affine=True, track=True, momentum=None, eps=1e-3, modes=[T, T, E]),
    dict(name="second order (N, C) affine=False untracked", shape=[6, 2], affine=False,
         track=False, momentum=0.1, eps=1e-5, modes=[T, E]),
    dict(name="second order (N, C, L) affine untracked", shape=[2, 3, 3], affine=True,
         track=False, momentum=0.1, eps=1e-5, modes=[E, T]),
    dict(name="second order N*L=2", shape=[2, 2], affine=True, track=True, momentum=0.3,
         eps=1e-5, modes=[T, E]),
]
for i, e in enumerate(so_cases):
    run_module_case(
        e["name"], 7000 + i, e["shape"], "float64", e["affine"], e["track"], e["momentum"],
        e["eps"], e["modes"], second_order=True,
    )

# ---------------------------------------------------------------------------------------------
# 4. torch.nn.functional.batch_norm called directly
# ---------------------------------------------------------------------------------------------

fn_cases = [
    dict(name="functional running None, training, weight+bias", shape=[4, 3, 2],
         dtype="float64", w=True, b=True, running=False, momentum=0.1, eps=1e-5,
         trainings=[True, True]),
    dict(name="functional running None, training, no weight/bias, float32", shape=[5, 4],
         dtype="float32", w=False, b=False, running=False, momentum=0.1, eps=1e-5,
         trainings=[True]),
    dict(name="functional weight only, running stats, train/eval", shape=[4, 3],
         dtype="float64", w=True, b=False, running=True, momentum=0.1, eps=1e-5,
         trainings=[True, False, True, False]),
    dict(name="functional bias only, running None, training", shape=[3, 2, 3],
         dtype="float64", w=False, b=True, running=False, momentum=0.1, eps=1e-3,
         trainings=[True, True]),
    dict(name="functional bias only, running stats, eval", shape=[4, 3], dtype="float32",
         w=False, b=True, running=True, momentum=0.3, eps=1e-5, trainings=[False, True, False]),
    dict(name="functional running stats momentum 0.3, no affine, float32", shape=[3, 2, 4],
         dtype="float32", w=False, b=False, running=True, momentum=0.3, eps=1e-5,
         trainings=[True, False, True]),
    dict(name="functional weight+bias, running stats, momentum 1.0", shape=[2, 3, 2],
         dtype="float64", w=True, b=True, running=True, momentum=1.0, eps=1e-5,
         trainings=[True, False]),
]
for i, e in enumerate(fn_cases):
    run_functional_case(
        e["name"], 8000 + i, e["shape"], e["dtype"], e["w"], e["b"], e["running"],
        e["momentum"], e["eps"], e["trainings"],
    )
run_functional_case(
    "functional second order, weight only, running None", 8100, [4, 3], "float64", True, False,
    False, 0.1, 1e-5, [True], second_order=True,
)

# ---------------------------------------------------------------------------------------------
# 5. Calls that PyTorch rejects
# ---------------------------------------------------------------------------------------------

xe = torch.zeros(4, 3, dtype=torch.float64)
record_error(
    "functional eval with running stats None",
    "functional",
    lambda: F.batch_norm(xe, None, None, training=False),
    {"shape": [4, 3], "mode": "eval", "hasRunningStats": False},
)
record_error(
    "functional eval with running_var None only",
    "functional",
    lambda: F.batch_norm(xe, torch.zeros(3, dtype=torch.float64), None, training=False),
    {"shape": [4, 3], "mode": "eval", "hasRunningStats": "runningMean only"},
)
record_error(
    "functional training with one value per channel (1, C)",
    "functional",
    lambda: F.batch_norm(torch.zeros(1, 3), None, None, training=True),
    {"shape": [1, 3], "mode": "train", "hasRunningStats": False},
)
record_error(
    "functional training with one value per channel (1, C, 1)",
    "functional",
    lambda: F.batch_norm(torch.zeros(1, 3, 1), None, None, training=True),
    {"shape": [1, 3, 1], "mode": "train", "hasRunningStats": False},
)
record_error(
    "module training with (1, C)",
    "module",
    lambda: torch.nn.BatchNorm1d(3).train()(torch.zeros(1, 3)),
    {"shape": [1, 3], "mode": "train", "trackRunningStats": True},
)
record_error(
    "module eval, track_running_stats=False, (1, C): batch stats are used, so it is rejected",
    "module",
    lambda: torch.nn.BatchNorm1d(3, track_running_stats=False).eval()(torch.zeros(1, 3)),
    {"shape": [1, 3], "mode": "eval", "trackRunningStats": False},
)
record_error(
    "module with wrong number of channels",
    "module",
    lambda: torch.nn.BatchNorm1d(3)(torch.zeros(4, 2)),
    {"shape": [4, 2], "numFeatures": 3, "mode": "train", "trackRunningStats": True},
)
record_error(
    "module with a 1-d input",
    "module",
    lambda: torch.nn.BatchNorm1d(3)(torch.zeros(3)),
    {"shape": [3], "numFeatures": 3, "mode": "train", "trackRunningStats": True},
)

# ---------------------------------------------------------------------------------------------
# 6. float32 accuracy experiment: x = 1e5 + randn, shape (64, 128)
# ---------------------------------------------------------------------------------------------


def rel(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


acc_rng = np.random.RandomState(31337)
x32_np = (1e5 + acc_rng.standard_normal((64, 128))).astype(np.float32)
dy32_np = acc_rng.standard_normal((64, 128)).astype(np.float32)


def torch_bn(x_np, dy_np, dt):
    bn = torch.nn.BatchNorm1d(128, dtype=dt).train()  # weight 1, bias 0, eps 1e-5, momentum 0.1
    x = torch.tensor(x_np.astype(np.float64), dtype=torch.float64).to(dt).requires_grad_(True)
    y = bn(x)
    y.backward(torch.tensor(dy_np.astype(np.float64), dtype=torch.float64).to(dt))
    return (
        y.detach().double().numpy(),
        x.grad.double().numpy(),
        bn.weight.grad.double().numpy(),
        bn.running_mean.double().numpy(),
        bn.running_var.double().numpy(),
    )


y32, dx32, dw32, rm32, rv32 = torch_bn(x32_np, dy32_np, torch.float32)
y64, dx64, dw64, rm64, rv64 = torch_bn(x32_np, dy32_np, torch.float64)

# Independent check of the float64 reference: per channel, an (almost) exactly rounded mean
# (math.fsum), exact deviations (x - mean is exact here by Sterbenz's lemma) and fsum'd moments.
xd = x32_np.astype(np.float64)
dyd = dy32_np.astype(np.float64)
n_acc = xd.shape[0]
y_hi = np.empty_like(xd)
dx_hi = np.empty_like(xd)
for ch in range(xd.shape[1]):
    col = xd[:, ch].tolist()
    g = dyd[:, ch].tolist()
    mu = math.fsum(col) / n_acc
    d = [v - mu for v in col]
    inv = 1.0 / math.sqrt(math.fsum(t * t for t in d) / n_acc + 1e-5)
    xh = [t * inv for t in d]
    mg = math.fsum(g) / n_acc
    mgx = math.fsum(a * b for a, b in zip(g, xh)) / n_acc
    y_hi[:, ch] = xh
    dx_hi[:, ch] = [inv * (a - mg - b * mgx) for a, b in zip(g, xh)]
f64_vs_hi = {"maxRelErrY": rel(y64, y_hi), "maxRelErrDx": rel(dx64, dx_hi)}
assert f64_vs_hi["maxRelErrY"] < 1e-10 and f64_vs_hi["maxRelErrDx"] < 1e-10, f64_vs_hi


def naive_f32(x, dy, two_pass):
    """Context only: a float32 kernel with sequential float32 sums (np.cumsum accumulates
    sequentially in the input dtype), one-pass E[x^2]-E[x]^2 or two-pass variance."""
    x = x.astype(np.float32)
    dy = dy.astype(np.float32)
    n = np.float32(x.shape[0])

    def ssum(a):
        return np.cumsum(a, axis=0, dtype=np.float32)[-1]

    m = ssum(x) / n
    if two_pass:
        d = x - m
        v = ssum(d * d) / n
    else:
        v = ssum(x * x) / n - m * m
    with np.errstate(invalid="ignore", divide="ignore"):
        iv = np.float32(1) / np.sqrt(np.maximum(v, np.float32(0)) + np.float32(1e-5))
        xh = (x - m) * iv
        g = iv * (dy - ssum(dy) / n - xh * (ssum(dy * xh) / n))
    return xh, g


ctx = {
    "torchFloat64VsFsumReference": f64_vs_hi,
    "float64ResultRoundedToFloat32": {
        "maxRelErrY": rel(y64.astype(np.float32), y64),
        "maxRelErrDx": rel(dx64.astype(np.float32), dx64),
    },
}
for label, tp in (("sequentialFloat32TwoPass", True), ("sequentialFloat32OnePass", False)):
    yy, gg = naive_f32(x32_np, dy32_np, tp)
    ctx[label] = {"maxRelErrY": rel(yy, y64), "maxRelErrDx": rel(gg, dx64)}

float32_accuracy = {
    "description": (
        "x = float32(1e5 + randn(64, 128)) (numpy RandomState(31337).standard_normal, then "
        "dy = float32(standard_normal(64, 128))), torch.nn.BatchNorm1d(128) in training mode "
        "with default weight 1, bias 0, eps 1e-5. Reference: the same module in float64 on the "
        "same float32 values (cross-checked against an fsum-based float64 computation). "
        "maxRelErr = max|a32 - a64| / max|a64| over all elements."
    ),
    "shape": [64, 128],
    "seed": 31337,
    "maxRelErrY": rel(y32, y64),
    "maxRelErrDx": rel(dx32, dx64),
    "maxRelErrDweight": rel(dw32, dw64),
    "maxRelErrRunningMean": rel(rm32, rm64),
    "maxRelErrRunningVar": rel(rv32, rv64),
    "maxAbsErrY": float(np.max(np.abs(y32 - y64))),
    "maxAbsY64": float(np.max(np.abs(y64))),
    "maxAbsErrDx": float(np.max(np.abs(dx32 - dx64))),
    "maxAbsDx64": float(np.max(np.abs(dx64))),
    "context": ctx,
    "contextNote": (
        "Not PyTorch's float32 numbers; same metric against the same float64 reference: torch "
        "float64 vs an fsum-based reference; the float64 result merely rounded to float32 (the "
        "floor for any float32 output); float32 kernels with sequential float32 sums (two-pass "
        "variance, and one-pass E[x^2] - E[x]^2 clamped at 0)."
    ),
}

# ---------------------------------------------------------------------------------------------
# Write batchnorm.json
# ---------------------------------------------------------------------------------------------

meta = {
    "generator": "scripts/gen_batchnorm_fixtures.py",
    "command": "/usr/bin/python3 scripts/gen_batchnorm_fixtures.py",
    "torch": torch.__version__,
    "numpy": np.__version__,
    "python": platform.python_version(),
    "float32Accuracy": float32_accuracy,
}

os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, "w") as f:
    f.write("{\n")
    f.write('"format": ' + json.dumps(FORMAT) + ",\n")
    f.write('"meta": ' + json.dumps(meta, indent=1) + ",\n")
    f.write('"errorCases": [\n')
    f.write(",\n".join(json.dumps(e, separators=(",", ":")) for e in error_cases))
    f.write("\n],\n")
    f.write('"cases": [\n')
    f.write(",\n".join(json.dumps(c, separators=(",", ":")) for c in cases))
    f.write("\n]}\n")

# ---------------------------------------------------------------------------------------------
# seed_batchnorm.json: the original experiment
# ---------------------------------------------------------------------------------------------

np.random.seed(123)
sx = np.random.random((3, 5))
sweight = np.random.random((5,))
sbias = np.random.random((5,))
sdloss = np.random.random((3, 5))

sbn = torch.nn.BatchNorm1d(5).double()
sbn.train()
with torch.no_grad():
    sbn.weight.copy_(torch.from_numpy(sweight))
    sbn.bias.copy_(torch.from_numpy(sbias))
sxt = torch.from_numpy(sx).requires_grad_(True)
sy = sbn(sxt)
sy.backward(torch.from_numpy(sdloss))

arrays = {
    "y": sy.detach().numpy(),
    "dx": sxt.grad.numpy(),
    "dweight": sbn.weight.grad.numpy(),
    "dbias": sbn.bias.grad.numpy(),
}
with np.printoptions(precision=8):  # = np.set_printoptions(precision=8), restored afterwards
    printed = {k: str(v) for k, v in arrays.items()}  # what print(arr) writes, minus the newline


def fl(a):
    return [enc_float(v) for v in np.asarray(a, dtype=np.float64).reshape(-1).tolist()]


seed_doc = {
    "format": (
        "Floats are strings holding Python's repr() of the float64 value (shortest round-trip "
        "decimal). Arrays are flat row-major; x, dLoss, y, dx have shape [3, 5], the others [5]. "
        "`printed` holds str(arr) (what print(arr) writes, without the trailing newline) after "
        "np.set_printoptions(precision=8)."
    ),
    "generator": "scripts/gen_batchnorm_fixtures.py",
    "command": "/usr/bin/python3 scripts/gen_batchnorm_fixtures.py",
    "torch": torch.__version__,
    "numpy": np.__version__,
    "recipe": (
        "np.random.seed(123); x = np.random.random((3, 5)); weight = np.random.random((5,)); "
        "bias = np.random.random((5,)); dLoss = np.random.random((3, 5)); "
        "bn = torch.nn.BatchNorm1d(5).double() (training mode, eps 1e-5, momentum 0.1) with "
        "weight/bias set from those; y = bn(x); y.backward(dLoss)"
    ),
    "shape": [3, 5],
    "x": fl(sx),
    "weight": fl(sweight),
    "bias": fl(sbias),
    "dLoss": fl(sdloss),
    "y": fl(arrays["y"]),
    "dx": fl(arrays["dx"]),
    "dweight": fl(arrays["dweight"]),
    "dbias": fl(arrays["dbias"]),
    "runningMean": fl(sbn.running_mean.numpy()),
    "runningVar": fl(sbn.running_var.numpy()),
    "numBatchesTracked": int(sbn.num_batches_tracked),
    "printed": printed,
}
with open(SEED_OUT, "w") as f:
    json.dump(seed_doc, f, indent=1)
    f.write("\n")

print(f"wrote {OUT}: {len(cases)} cases, {len(error_cases)} error cases, "
      f"{os.path.getsize(OUT)} bytes")
print(f"wrote {SEED_OUT}: {os.path.getsize(SEED_OUT)} bytes")
print("float32 accuracy:", json.dumps(float32_accuracy, indent=1))
