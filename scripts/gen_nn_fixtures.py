"""Generate PyTorch 1.13 reference fixtures for nn layers, losses, nn.init and dropout.

Run from the repository root with the system Python (it has torch 1.13 and numpy; the
`python3` on PATH has neither):

    /usr/bin/python3 scripts/gen_nn_fixtures.py

It writes test/fixtures/nn_ops.json and test/fixtures/nn_init.json, deterministically (every
input comes from a seeded numpy RandomState).

* nn_ops.json: float64 cases of F.gelu (both forms), F.cross_entropy (reductions, label
  smoothing, ignore_index, class weights, (N, C, d) and unbatched input, class-probability
  targets), F.nll_loss, F.binary_cross_entropy_with_logits (weight, pos_weight, extreme logits)
  and F.mse_loss: the output, the gradients for a random upstream gradient, and a second
  derivative.
* nn_init.json: torch.nn.init's own code (and nn.Linear's reset_parameters) run with
  Tensor.uniform_ / Tensor.normal_ replaced by NumPy's legacy global generator, which is the
  generator tapegrad uses; calculate_gain and the fan computation; dropout masks drawn as
  np.random.random(shape) < 1 - p; the state-dict keys of a Sequential.
"""

import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from fixture_util import DT, draw_init_from_numpy, enc, enc_float, fixture_path, write_json

OPS_OUT = fixture_path("nn_ops.json")
INIT_OUT = fixture_path("nn_init.json")

FORMAT = (
    "A tensor is {shape, dtype, data}: data is the flat row-major list of values; float values "
    "are strings holding Python's repr() of the float64 value ('nan', 'inf', '-inf', '-0.0' "
    "possible; float32 values were widened exactly, so Math.fround recovers them), int32 values "
    "are JSON integers. In nn_ops.json every case is float64: y = op(x, target, **options); "
    "grads.x (and grads.target when the target is differentiable) are the .grad after "
    "y.backward(dy); second.gradX = autograd.grad((dx * second.v).sum(), x) with dx computed "
    "with create_graph=True (zeros where autograd reports no dependence)."
)


def f64(a):
    return torch.tensor(np.asarray(a, dtype=np.float64))


# ---- ops ----------------------------------------------------------------------------------------


def run_case(op, name, fn, x, target=None, target_grad=False, options=None, extra=None, seed=0):
    """y = fn(x, target); gradients for a random dy; second derivative along a random v."""
    rng = np.random.RandomState(seed)
    x = x.clone().requires_grad_(True)
    if target is not None and target_grad:
        target = target.clone().requires_grad_(True)
    y = fn(x, target)
    dy = f64(rng.standard_normal(tuple(y.shape)))
    wrt = [x] + ([target] if target_grad else [])
    grads = torch.autograd.grad(y, wrt, dy, create_graph=True)
    v = f64(rng.standard_normal(tuple(x.shape)))
    second = None
    if grads[0].requires_grad:
        (second,) = torch.autograd.grad((grads[0] * v).sum(), x, allow_unused=True)
    if second is None:
        second = torch.zeros_like(x)
    case = {
        "op": op,
        "name": name,
        "options": options or {},
        "x": enc(x),
        "y": enc(y),
        "dy": enc(dy),
        "grads": {"x": enc(grads[0])},
        "second": {"v": enc(v), "gradX": enc(second)},
    }
    if target is not None:
        case["target"] = enc(target)
    if target_grad:
        case["grads"]["target"] = enc(grads[1])
    for k, t in (extra or {}).items():
        case[k] = enc(t) if t is not None else None
    return case


def gelu_cases():
    rng = np.random.RandomState(10)
    xs = {
        "random": f64(rng.standard_normal((4, 5)) * 2.5),
        "tails and zero": f64([-40.0, -10.0, -5.0, -1e-3, -0.0, 0.0, 1e-8, 0.5, 5.0, 10.0, 40.0]),
        "the slope's zero near -0.75": f64(np.linspace(-0.8, -0.7, 6)),
    }
    out = []
    for approximate in ("none", "tanh"):
        for i, (label, x) in enumerate(xs.items()):
            out.append(
                run_case(
                    "gelu",
                    f"gelu approximate={approximate}, {label}",
                    lambda a, _t, ap=approximate: F.gelu(a, approximate=ap),
                    x,
                    options={"approximate": approximate},
                    seed=100 + i,
                )
            )
    return out


def class_cases():
    rng = np.random.RandomState(20)
    n, c = 4, 5
    logits = f64(rng.standard_normal((n, c)) * 2)
    target = torch.tensor([1, 0, 4, 2], dtype=torch.int64)
    target_ign = torch.tensor([1, -100, 4, 2], dtype=torch.int64)
    target_ign2 = torch.tensor([2, 0, 2, 3], dtype=torch.int64)
    weight = f64(rng.uniform(0.2, 2.0, c))
    logits3 = f64(rng.standard_normal((3, c, 2)) * 2)
    target3 = torch.tensor([[1, 4], [0, -100], [3, 3]], dtype=torch.int64)
    logits1 = f64(rng.standard_normal(c))
    target1 = torch.tensor(3, dtype=torch.int64)
    probs = torch.softmax(f64(rng.standard_normal((n, c))), 1)
    probs3 = torch.softmax(f64(rng.standard_normal((3, c, 2))), 1)
    probs1 = torch.softmax(f64(rng.standard_normal(c)), 0)
    out = []
    k = 0

    def ce(name, x, t, target_grad=False, **opts):
        nonlocal k
        k += 1
        w = opts.pop("weight", None)
        options = {
            "reduction": opts.get("reduction", "mean"),
            "labelSmoothing": opts.get("label_smoothing", 0.0),
            "ignoreIndex": opts.get("ignore_index", -100),
        }
        fn = lambda a, b: F.cross_entropy(a, b, weight=w, **opts)
        out.append(
            run_case("crossEntropy", name, fn, x, t, target_grad, options, {"weight": w}, 200 + k)
        )

    def nll(name, x, t, **opts):
        nonlocal k
        k += 1
        w = opts.pop("weight", None)
        options = {"reduction": opts.get("reduction", "mean"), "ignoreIndex": opts.get("ignore_index", -100)}
        fn = lambda a, b: F.nll_loss(a, b, weight=w, **opts)
        out.append(run_case("nllLoss", name, fn, x, t, False, options, {"weight": w}, 200 + k))

    for red in ("mean", "sum", "none"):
        ce(f"ce {red}", logits, target, reduction=red)
        ce(f"ce {red} label smoothing 0.1", logits, target, reduction=red, label_smoothing=0.1)
        ce(f"ce {red} weight", logits, target, reduction=red, weight=weight)
        ce(f"ce {red} ignore -100", logits, target_ign, reduction=red)
        ce(f"ce {red} ignore_index 2", logits, target_ign2, reduction=red, ignore_index=2)
        ce(
            f"ce {red} weight, ignore_index 2, label smoothing 0.25",
            logits,
            target_ign2,
            reduction=red,
            ignore_index=2,
            weight=weight,
            label_smoothing=0.25,
        )
        ce(
            f"ce {red} (N, C, d) weight, smoothing 0.2",
            logits3,
            target3,
            reduction=red,
            weight=weight,
            label_smoothing=0.2,
        )
        ce(f"ce {red} unbatched", logits1, target1, reduction=red, label_smoothing=0.1)
        ce(f"ce {red} probabilities", logits, probs, True, reduction=red)
        ce(
            f"ce {red} probabilities, weight, smoothing 0.3",
            logits,
            probs,
            True,
            reduction=red,
            weight=weight,
            label_smoothing=0.3,
        )
        ce(f"ce {red} probabilities (N, C, d)", logits3, probs3, True, reduction=red, label_smoothing=0.1)
        ce(f"ce {red} probabilities unbatched", logits1, probs1, True, reduction=red)
        logp = torch.log_softmax(logits, 1)
        nll(f"nll {red}", logp, target, reduction=red)
        nll(f"nll {red} weight, ignore_index 2", logp, target_ign2, reduction=red, weight=weight, ignore_index=2)
        nll(f"nll {red} (N, C, d)", torch.log_softmax(logits3, 1), target3, reduction=red, weight=weight)
        nll(f"nll {red} unbatched", torch.log_softmax(logits1, 0), target1, reduction=red)
    ce("ce mean, every target ignored", logits, torch.full((n,), -100, dtype=torch.int64))
    ce("ce mean, one class, smoothing 0.5", f64([[0.3], [-1.2]]), torch.tensor([0, 0]), label_smoothing=0.5)
    return out


def bce_cases():
    rng = np.random.RandomState(30)
    x = f64(rng.standard_normal((4, 3)) * 3)
    t = f64(rng.uniform(0, 1, (4, 3)))
    t01 = f64((rng.uniform(0, 1, (4, 3)) < 0.5).astype(np.float64))
    weight = f64(rng.uniform(0.5, 2, (4, 3)))
    pos = f64(rng.uniform(0.5, 4, 3))
    xe = f64([-50.0, -20.0, -1.0, 0.0, 0.0, 1e-9, 1.0, 20.0, 50.0])
    te = f64([0.0, 1.0, 0.3, 0.0, 1.0, 0.5, 1.0, 0.0, 1.0])
    out = []
    k = 0

    def bce(name, x, t, w=None, p=None, red="mean"):
        nonlocal k
        k += 1
        fn = lambda a, b: F.binary_cross_entropy_with_logits(a, b, weight=w, pos_weight=p, reduction=red)
        extra = {"weight": w, "posWeight": p}
        out.append(run_case("bceWithLogits", name, fn, x, t, True, {"reduction": red}, extra, 300 + k))

    for red in ("mean", "sum", "none"):
        bce(f"bce {red}", x, t, red=red)
        bce(f"bce {red} 0/1 targets, weight", x, t01, w=weight, red=red)
        bce(f"bce {red} pos_weight", x, t, p=pos, red=red)
        bce(f"bce {red} weight [3] and pos_weight", x, t01, w=pos.flip(0), p=pos, red=red)
        bce(f"bce {red} extreme logits and zero", xe, te, red=red)
        bce(f"bce {red} extreme logits, pos_weight", xe, te, p=f64([2.5]), red=red)
    return out


def mse_cases():
    rng = np.random.RandomState(40)
    x = f64(rng.standard_normal((3, 4)))
    t = f64(rng.standard_normal((3, 4)))
    out = []
    for i, red in enumerate(("mean", "sum", "none")):
        fn = lambda a, b, r=red: F.mse_loss(a, b, reduction=r)
        out.append(run_case("mseLoss", f"mse {red}", fn, x, t, True, {"reduction": red}, None, 400 + i))
    return out


# ---- init ---------------------------------------------------------------------------------------

CALLS = []


def record_call(kind, a, b):
    CALLS.append([kind, enc_float(a), enc_float(b)])


draw_init_from_numpy(record_call)


def init_cases():
    specs = [
        # name, seed, [(shape, dtype, fn name, kwargs)]
        ("uniform_", 0, [([3, 4], "float64", "uniform_", {"a": -0.5, "b": 2.0})]),
        ("normal_", 1, [([3, 4], "float64", "normal_", {"mean": 1.5, "std": 0.25})]),
        ("uniform_ float32 defaults", 11, [([5], "float32", "uniform_", {})]),
        ("xavier_uniform_ tanh gain", 2, [([4, 6], "float32", "xavier_uniform_", {"gain": nn.init.calculate_gain("tanh")})]),
        ("xavier_normal_", 3, [([5, 3], "float64", "xavier_normal_", {})]),
        ("kaiming_uniform_ defaults", 4, [([6, 4], "float64", "kaiming_uniform_", {})]),
        (
            "kaiming_uniform_ a=0.2 fan_out, 3-d",
            5,
            [
                (
                    [6, 4, 3],
                    "float32",
                    "kaiming_uniform_",
                    {"a": 0.2, "mode": "fan_out", "nonlinearity": "leaky_relu"},
                )
            ],
        ),
        (
            "kaiming_normal_ fan_out relu",
            6,
            [([6, 4], "float64", "kaiming_normal_", {"mode": "fan_out", "nonlinearity": "relu"})],
        ),
        ("kaiming_normal_ tanh float32", 7, [([3, 5], "float32", "kaiming_normal_", {"nonlinearity": "tanh"})]),
        (
            "two odd-length normal_ calls share the cached Gaussian",
            8,
            [([3, 3], "float64", "normal_", {}), ([3], "float64", "normal_", {"mean": -1.0, "std": 2.0})],
        ),
        ("kaiming_uniform_ a=sqrt(5) (Linear's weight)", 9, [([3, 5], "float64", "kaiming_uniform_", {"a": math.sqrt(5)})]),
    ]
    out = []
    for name, seed, steps in specs:
        np.random.seed(seed)
        recs = []
        for shape, dtype, fn, kwargs in steps:
            CALLS.clear()
            t = torch.empty(shape, dtype=DT[dtype])
            getattr(nn.init, fn)(t, **kwargs)
            recs.append({"fn": fn, "kwargs": kwargs, "value": enc(t), "calls": list(CALLS)})
        out.append({"name": name, "seed": seed, "steps": recs})
    return out


def linear_cases():
    out = []
    specs = [(0, 5, 3, True, "float32"), (1, 4, 2, False, "float64"), (2, 1, 4, True, "float64")]
    for seed, fin, fout, bias, dtype in specs:
        np.random.seed(seed)
        lin = nn.Linear(fin, fout, bias=bias, dtype=DT[dtype])
        out.append(
            {
                "seed": seed,
                "inFeatures": fin,
                "outFeatures": fout,
                "bias": bias,
                "dtype": dtype,
                "weight": enc(lin.weight),
                "biasValue": enc(lin.bias) if bias else None,
                "after": enc_float(np.random.random()),
            }
        )
    return out


def dropout_cases():
    out = []
    specs = [(0, [4, 5], 0.5, "float64"), (3, [2, 3, 4], 0.3, "float32"), (5, [7], 0.9, "float64")]
    for seed, shape, p, dtype in specs:
        x = torch.tensor(np.random.RandomState(50 + seed).standard_normal(shape), dtype=DT[dtype])
        np.random.seed(seed)
        # torch's _dropout_impl: noise = bernoulli(1 - p) / (1 - p); y = x * noise, the Bernoulli
        # draw being u < 1 - p with u from NumPy's stream.
        noise = torch.from_numpy((np.random.random(shape) < 1 - p).astype(np.float64)).to(DT[dtype])
        noise.div_(1 - p)
        y = x * noise
        out.append({"seed": seed, "p": p, "x": enc(x), "y": enc(y)})
    return out


def gains():
    out = []
    names = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d"]
    names += ["conv_transpose3d", "sigmoid", "tanh", "relu", "selu"]
    for nl in names:
        out.append([nl, None, enc_float(nn.init.calculate_gain(nl))])
    for param in [None, 0, 0.2, math.sqrt(5)]:
        out.append(["leaky_relu", param, enc_float(nn.init.calculate_gain("leaky_relu", param))])
    return out


def fans():
    out = []
    for shape in [[4, 3], [6, 4, 3], [2, 3, 4, 5], [7, 0]]:
        fi, fo = nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
        out.append({"shape": shape, "fanIn": fi, "fanOut": fo})
    return out


def erfc_points():
    """math.erfc (the C library's erfc) at points in every branch of the msun algorithm and tails."""
    rng = np.random.RandomState(60)
    xs = [0.0, 1e-300, 1e-20, 0.1, 0.25, 0.5, 0.84375, 1.0, 1.25, 2.0, 1 / 0.35, 3.0, 6.0, 10.0, 26.5, 27.9, 30.0]
    xs = xs + [-v for v in xs] + list(rng.uniform(-7, 27, 200)) + [float("inf"), float("-inf")]
    return [[enc_float(x), enc_float(math.erfc(x))] for x in xs]


def main():
    ops = {
        "format": FORMAT,
        "erfc": erfc_points(),
        "cases": gelu_cases() + class_cases() + bce_cases() + mse_cases(),
    }
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.BatchNorm1d(3), nn.Dropout(), nn.Linear(3, 1))
    init = {
        "format": FORMAT,
        "gains": gains(),
        "fans": fans(),
        "init": init_cases(),
        "linear": linear_cases(),
        "dropout": dropout_cases(),
        "sequentialStateDictKeys": list(seq.state_dict().keys()),
    }
    write_json(OPS_OUT, ops)
    write_json(INIT_OUT, init)


if __name__ == "__main__":
    main()
