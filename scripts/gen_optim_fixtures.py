"""Generate PyTorch 1.13 reference fixtures for tapegrad's optim (SGD, Adam, AdamW, StepLR,
CosineAnnealingLR) and for its ports of the C library's pow and cos.

Run from the repository root with the system Python (it has torch 1.13 and numpy; the
`python3` on PATH has neither):

    /usr/bin/python3 scripts/gen_optim_fixtures.py

It writes two files, deterministically (all data comes from seeded numpy RandomStates):

* test/fixtures/optim_steps.json: optimizer cases, each a torch optimizer stepped 5 to 30 times
  on 2 or 3 parameters of small shapes, with gradients drawn per step and assigned to `.grad`
  directly (sometimes None, so the parameter is skipped); the parameters after every step and
  the final `state_dict()`. Then scheduler cases: the learning rates after construction and after
  every `scheduler.step()` (or `step(epoch)`), and the final scheduler `state_dict()`.
* test/fixtures/optim_libm.json: pow(x, y) and cos(x) as glibc computes them on this machine
  (called through ctypes, so the special cases are C's and not Python's), over the arguments an
  optimizer and a scheduler produce plus random and special ones, including cases where glibc is
  not correctly rounded; and fma(a, b, c), fmaf(a, b, c) (random, cancelling, ties, tiny and huge
  operands) for the kernels' emulated fused multiply-adds.

Both depend on the machine: PyTorch fuses `add(alpha=...)` into an fma on AVX2 CPUs, and libm
picks its FMA variants of pow and cos on CPUs with FMA. `meta` records what this run used.
"""

import ctypes
import json
import math
import os
import platform
from fractions import Fraction

import mpmath
import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "test", "fixtures", "optim_steps.json")
LIBM_OUT = os.path.join(ROOT, "test", "fixtures", "optim_libm.json")

DTYPES = {"float32": torch.float32, "float64": torch.float64}

FORMAT = (
    "Every float is a string holding Python's repr() of the value (the shortest decimal that "
    "round-trips to the same float64); float32 values were converted exactly to float64 first, "
    "so parse as a double (and Math.fround for float32 cases). Tensors are flat row-major "
    "lists. Optimizer cases: `defaults` are the constructor options and `groups` (null: a plain "
    "parameter list) the parameter groups by parameter index, both with tapegrad's camelCase "
    "names; grads[step][param] is null when .grad was None at that step; params[step][param] "
    "holds the values AFTER that step; stateDict is torch's optimizer.state_dict() after the "
    "last step, with tensors as {shape, values}, `step` as a number, and the group keys foreach, "
    "differentiable, capturable, fused left out. Scheduler cases: `actions` are 'step' or an "
    "epoch number (step(epoch)); lrs[0] is get_last_lr() after construction and lrs[k] after "
    "the k-th action."
)

SKIP_GROUP_KEYS = {"foreach", "differentiable", "capturable", "fused"}
TORCH_NAMES = {"weightDecay": "weight_decay", "tMax": "T_max", "etaMin": "eta_min",
               "stepSize": "step_size", "lastEpoch": "last_epoch"}


def enc(v):
    return repr(float(v))


def enc_tensor(t):
    return [enc(v) for v in t.detach().double().reshape(-1).tolist()]


def torch_kwargs(opts):
    out = {}
    for k, v in opts.items():
        k = TORCH_NAMES.get(k, k)
        out[k] = tuple(v) if k == "betas" else v
    return out


def make_optimizer(kind, params, defaults, groups):
    cls = {"SGD": torch.optim.SGD, "Adam": torch.optim.Adam, "AdamW": torch.optim.AdamW}[kind]
    if groups is None:
        spec = params
    else:
        spec = [dict(torch_kwargs({k: v for k, v in g.items() if k != "params"}),
                     params=[params[i] for i in g["params"]]) for g in groups]
    return cls(spec, **torch_kwargs(defaults))


def encode_state_dict(sd):
    state = {}
    for idx, entry in sd["state"].items():
        e = {}
        for k, v in entry.items():
            if v is None:
                e[k] = None
            elif k == "step":
                e[k] = float(v)
            else:
                e[k] = {"shape": list(v.shape), "values": enc_tensor(v)}
        state[str(idx)] = e
    groups = []
    for g in sd["param_groups"]:
        groups.append({k: (list(v) if isinstance(v, tuple) else v)
                       for k, v in g.items() if k not in SKIP_GROUP_KEYS})
    return {"state": state, "param_groups": groups}


def optimizer_case(name, kind, dtype, shapes, defaults, groups=None, steps=5, seed=0,
                   none_at=(), grad_scale=1.0, zero_grad_at=()):
    """none_at: (step, param) pairs whose .grad is None at that step; zero_grad_at: (step, param)
    pairs whose gradient is exactly zero."""
    rs = np.random.RandomState(seed)
    tdtype = DTYPES[dtype]
    init = [torch.tensor(rs.standard_normal(s), dtype=tdtype) for s in shapes]
    params = [torch.nn.Parameter(t.clone()) for t in init]
    opt = make_optimizer(kind, params, defaults, groups)
    grads_rec, params_rec = [], []
    for step in range(steps):
        row = []
        for j, p in enumerate(params):
            if (step, j) in none_at:
                p.grad = None
                row.append(None)
                continue
            scale = grad_scale * 10.0 ** rs.uniform(-1, 1)
            g = torch.tensor(rs.standard_normal(p.shape) * scale, dtype=tdtype)
            if (step, j) in zero_grad_at:
                g = torch.zeros_like(g)
            p.grad = g
            row.append(enc_tensor(g))
        grads_rec.append(row)
        opt.step()
        params_rec.append([enc_tensor(p) for p in params])
    return {
        "name": name,
        "optimizer": kind,
        "dtype": dtype,
        "defaults": defaults,
        "groups": groups,
        "shapes": [list(s) for s in shapes],
        "init": [enc_tensor(t) for t in init],
        "grads": grads_rec,
        "params": params_rec,
        "stateDict": encode_state_dict(opt.state_dict()),
    }


def optimizer_cases():
    S = [(3,), (2, 3), ()]
    # 37 and 15 elements: PyTorch's vectorised loop (8 doubles or 16 floats at a time) and its
    # scalar tail both run.
    L = [(37,), (5, 3)]
    cases = [
        optimizer_case("SGD nesterov, weight decay, 37 and 15 elements", "SGD", "float64", L,
                       {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weightDecay": 0.01},
                       seed=12),
        optimizer_case("Adam weight decay, 37 and 15 elements", "Adam", "float64", L,
                       {"lr": 0.01, "weightDecay": 0.01}, seed=28),
        optimizer_case("AdamW amsgrad, 37 and 15 elements", "AdamW", "float64", L,
                       {"lr": 0.01, "amsgrad": True}, seed=34),
        optimizer_case("SGD plain", "SGD", "float64", S, {"lr": 0.1}, seed=1),
        optimizer_case("SGD momentum", "SGD", "float64", S, {"lr": 0.05, "momentum": 0.9},
                       seed=2),
        optimizer_case("SGD momentum with dampening", "SGD", "float64", S,
                       {"lr": 0.05, "momentum": 0.9, "dampening": 0.3}, seed=3),
        optimizer_case("SGD nesterov", "SGD", "float64", S,
                       {"lr": 0.03, "momentum": 0.8, "nesterov": True}, seed=4),
        optimizer_case("SGD weight decay", "SGD", "float64", S,
                       {"lr": 0.1, "weightDecay": 0.01}, seed=5),
        optimizer_case("SGD weight decay, momentum and nesterov", "SGD", "float64", S,
                       {"lr": 0.1, "momentum": 0.95, "nesterov": True, "weightDecay": 1e-3},
                       seed=6),
        optimizer_case("SGD maximize with momentum and weight decay", "SGD", "float64", S,
                       {"lr": 0.02, "momentum": 0.5, "weightDecay": 0.05, "maximize": True},
                       seed=7),
        optimizer_case("SGD param groups with different lr and momentum", "SGD", "float64", S,
                       {"lr": 0.05, "momentum": 0.9},
                       groups=[{"params": [0, 2]}, {"params": [1], "lr": 0.5, "momentum": 0.1,
                                                    "dampening": 0.5}], seed=8),
        optimizer_case("SGD lr only in the groups", "SGD", "float64", S[:2], {"momentum": 0.9},
                       groups=[{"params": [0], "lr": 0.1}, {"params": [1], "lr": 0.01}], seed=9),
        optimizer_case("SGD momentum with missing and zero gradients", "SGD", "float64", S,
                       {"lr": 0.1, "momentum": 0.9}, seed=10,
                       none_at={(0, 1), (2, 1), (3, 0)}, zero_grad_at={(1, 2), (4, 0)}),
        optimizer_case("SGD plain with a missing gradient", "SGD", "float64", S, {"lr": 0.1},
                       seed=11, none_at={(1, 0), (2, 0)}),
        optimizer_case("Adam defaults", "Adam", "float64", S, {}, seed=20),
        optimizer_case("Adam lr and weight decay", "Adam", "float64", S,
                       {"lr": 0.01, "weightDecay": 0.1}, seed=21),
        optimizer_case("Adam amsgrad", "Adam", "float64", S, {"lr": 0.02, "amsgrad": True},
                       seed=22, steps=8),
        optimizer_case("Adam maximize, amsgrad, weight decay, betas, eps", "Adam", "float64", S,
                       {"lr": 0.005, "betas": [0.8, 0.99], "eps": 1e-6, "weightDecay": 0.02,
                        "amsgrad": True, "maximize": True}, seed=23),
        optimizer_case("Adam with missing gradients", "Adam", "float64", S, {"lr": 0.01},
                       seed=24, none_at={(0, 0), (1, 2), (2, 2), (3, 1)}),
        optimizer_case("Adam beta1 = 0", "Adam", "float64", S,
                       {"lr": 0.01, "betas": [0.0, 0.9]}, seed=25),
        optimizer_case("Adam param groups", "Adam", "float64", S, {"lr": 0.01},
                       groups=[{"params": [0]}, {"params": [1, 2], "lr": 0.1,
                                                 "betas": [0.5, 0.9], "weightDecay": 0.1}],
                       seed=26),
        optimizer_case("Adam long run, small gradients", "Adam", "float64", [(4,)], {"lr": 0.003},
                       seed=27, steps=30, grad_scale=1e-4),
        optimizer_case("AdamW defaults", "AdamW", "float64", S, {}, seed=30),
        optimizer_case("AdamW lr, weight decay, amsgrad", "AdamW", "float64", S,
                       {"lr": 0.01, "weightDecay": 0.1, "amsgrad": True}, seed=31, steps=8),
        optimizer_case("AdamW maximize", "AdamW", "float64", S,
                       {"lr": 0.02, "betas": [0.85, 0.95], "maximize": True}, seed=32),
        optimizer_case("AdamW with missing gradients and groups", "AdamW", "float64", S,
                       {"lr": 0.01}, groups=[{"params": [1]}, {"params": [0, 2],
                                                               "weightDecay": 0.5}],
                       seed=33, none_at={(0, 1), (2, 0)}),
        optimizer_case("SGD float32 nesterov and weight decay", "SGD", "float32", S,
                       {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weightDecay": 0.01},
                       seed=40),
        optimizer_case("SGD float32 dampening and maximize", "SGD", "float32", L,
                       {"lr": 0.07, "momentum": 0.6, "dampening": 0.2, "maximize": True},
                       seed=41),
        optimizer_case("Adam float32 amsgrad and weight decay", "Adam", "float32", L,
                       {"lr": 0.01, "weightDecay": 0.05, "amsgrad": True}, seed=42, steps=8),
        optimizer_case("AdamW float32", "AdamW", "float32", S, {"lr": 0.01}, seed=43),
    ]
    return cases


def scheduler_case(name, kind, options, group_lrs, actions, optimizer="SGD", resume_from=None):
    """resume_from: (options of a first scheduler, its number of steps) run before this one,
    which is then built with options['lastEpoch'] on the same optimizer (initial_lr set)."""
    params = [torch.nn.Parameter(torch.zeros(2, dtype=torch.float64)) for _ in group_lrs]
    groups = [{"params": [p], "lr": lr} for p, lr in zip(params, group_lrs)]
    opt = {"SGD": torch.optim.SGD, "Adam": torch.optim.Adam}[optimizer](groups, lr=group_lrs[0])
    cls = {"StepLR": torch.optim.lr_scheduler.StepLR,
           "CosineAnnealingLR": torch.optim.lr_scheduler.CosineAnnealingLR}[kind]
    if resume_from is not None:
        first_opts, first_steps = resume_from
        first = cls(opt, **torch_kwargs(first_opts))
        for _ in range(first_steps):
            opt.step()
            first.step()
    sched = cls(opt, **torch_kwargs(options))
    lrs = [[enc(v) for v in sched.get_last_lr()]]
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for a in actions:
            opt.step()
            if a == "step":
                sched.step()
            else:
                sched.step(a)
            lrs.append([enc(v) for v in sched.get_last_lr()])
    sd = sched.state_dict()
    state = {}
    for k, v in sd.items():
        if isinstance(v, list):
            state[k] = [enc(e) for e in v]
        elif isinstance(v, bool):
            state[k] = v
        elif isinstance(v, float):
            state[k] = enc(v)
        else:
            state[k] = v
    return {"name": name, "scheduler": kind, "optimizer": optimizer, "options": options,
            "groupLrs": group_lrs, "resumeFrom": resume_from, "actions": actions, "lrs": lrs,
            "stateDict": state}


def scheduler_cases():
    steps = lambda n: ["step"] * n  # noqa: E731
    return [
        scheduler_case("StepLR gamma 0.1 every 3 epochs, two groups", "StepLR",
                       {"stepSize": 3}, [0.1, 0.05], steps(12)),
        scheduler_case("StepLR gamma 0.5 every 2 epochs", "StepLR",
                       {"stepSize": 2, "gamma": 0.5}, [0.3], steps(13)),
        scheduler_case("StepLR gamma 0.7 every epoch with Adam", "StepLR",
                       {"stepSize": 1, "gamma": 0.7}, [0.001, 0.01], steps(12), optimizer="Adam"),
        scheduler_case("StepLR closed form by epoch", "StepLR", {"stepSize": 3, "gamma": 0.9},
                       [0.1], [1, 2, 5, 9, 20, 33, 7]),
        scheduler_case("CosineAnnealingLR tMax 10 past the restart", "CosineAnnealingLR",
                       {"tMax": 10}, [0.1], steps(25)),
        scheduler_case("CosineAnnealingLR tMax 5, etaMin, two groups", "CosineAnnealingLR",
                       {"tMax": 5, "etaMin": 0.001}, [0.1, 0.02], steps(24)),
        scheduler_case("CosineAnnealingLR tMax 7 with Adam", "CosineAnnealingLR",
                       {"tMax": 7, "etaMin": 1e-4}, [0.3], steps(30), optimizer="Adam"),
        scheduler_case("CosineAnnealingLR tMax 12 for 12 epochs", "CosineAnnealingLR",
                       {"tMax": 12}, [0.05, 0.4, 1.0], steps(12)),
        scheduler_case("CosineAnnealingLR closed form by epoch", "CosineAnnealingLR",
                       {"tMax": 9, "etaMin": 0.01}, [0.2], [3, 4, 10, 17, 1, 0]),
        scheduler_case("CosineAnnealingLR resumed at epoch 4", "CosineAnnealingLR",
                       {"tMax": 10, "etaMin": 0.001, "lastEpoch": 4}, [0.1, 0.3], steps(10),
                       resume_from=({"tMax": 10, "etaMin": 0.001}, 4)),
    ]


# ---- libm -------------------------------------------------------------------------------------

libm = ctypes.CDLL("libm.so.6")
libm.pow.restype = ctypes.c_double
libm.pow.argtypes = [ctypes.c_double, ctypes.c_double]
libm.cos.restype = ctypes.c_double
libm.cos.argtypes = [ctypes.c_double]
libm.fma.restype = ctypes.c_double
libm.fma.argtypes = [ctypes.c_double] * 3
libm.fmaf.restype = ctypes.c_float
libm.fmaf.argtypes = [ctypes.c_float] * 3
mpmath.mp.prec = 200


def libm_cases():
    rs = np.random.RandomState(99)
    pow_args = []
    betas = [0.9, 0.999, 0.99, 0.95, 0.8, 0.5, 0.0, 0.3, 0.7]
    for b in betas:
        pow_args += [(b, float(n)) for n in range(1, 121)]
    for b in (0.9, 0.999, 0.99, 0.95, 0.98, 0.8, 0.75, 0.9999):
        exact = Fraction(1)
        for n in range(1, 2000):  # where glibc's pow is not correctly rounded
            exact *= Fraction(b)
            if libm.pow(b, float(n)) != float(exact):
                pow_args.append((b, float(n)))
    pow_args += [(float(rs.uniform(0, 1)), float(rs.randint(1, 100000))) for _ in range(200)]
    pow_args += [(float(rs.uniform(0, 3)), float(rs.uniform(-800, 800))) for _ in range(100)]
    pow_args += [(0.999, 7e5), (0.9, 7000.0), (0.98, 47732.0), (1e-310, 0.5), (5e-324, 1.5),
                 (0.5, 1074.0), (0.5, 1075.0), (2.0, 1023.5), (2.0, 1024.0), (10.0, -310.0)]
    special = [0.0, -0.0, 1.0, -1.0, 2.0, -2.0, 0.5, -0.5, math.inf, -math.inf, math.nan, 3.0,
               1e-310, 1e300]
    pow_args += [(x, y) for x in special for y in special]
    cos_args = []
    for T in range(1, 25):
        for e in range(0, 2 * T + 2):
            cos_args += [e * math.pi / T, math.pi * e / T]
        cos_args.append(math.pi / T)
    cos_args += [float(x) for x in rs.uniform(-3, 3, 200)]
    cos_args += [float(x) for x in rs.uniform(-1e4, 1e4, 200)]
    cos_args += [float(x) for x in rs.uniform(-1e8, 1e8, 50)]
    misrounded = []
    for x in rs.uniform(0, 200, 40000):  # where glibc's cos is not correctly rounded
        x = float(x)
        if libm.cos(x) != float(mpmath.cos(mpmath.mpf(x))):
            misrounded.append(x)
    cos_args += misrounded[:40]
    cos_args += [0.0, -0.0, 1e-9, 2 ** -27, 0.855469, 2.426265, -2.426265, 105414349.0, math.inf,
                 -math.inf, math.nan]
    f32 = lambda x: float(np.float32(x))  # noqa: E731
    fma_args = [tuple(float(v) for v in rs.standard_normal(3) * 10.0 ** rs.uniform(-3, 3, 3))
                for _ in range(300)]
    for _ in range(100):  # cancellation: c close to -a*b
        a, b = (float(v) for v in rs.standard_normal(2))
        fma_args.append((a, b, -(a * b) * (1 + float(rs.uniform(-1e-12, 1e-12)))))
    # Ties: (1 + 2^-27)^2 = 1 + 2^-26 + 2^-54 lies halfway between two doubles; c decides.
    t = 1 + 2.0 ** -27
    fma_args += [(t, t, c) for c in (0.0, 2.0 ** -100, -(2.0 ** -100), 2.0 ** -54, -1.0)]
    fma_args += [(-t, t, 2.0 ** -100), (t, -t, -(2.0 ** -100))]
    # Tiny products (rounding error below the normal range) and huge factors.
    fma_args += [(1e-160, 3e-161, c) for c in (0.0, 1e-300, -2e-320, 1.0, 1e-308)]
    fma_args += [(3.0 ** -600, 5.0 ** -200, 7e-310), (1e300, 1e-290, -1e10), (2.0 ** 1000, 0.75, 1.0),
                 (0.75, 2.0 ** 1000, -(2.0 ** 999)), (1e308, 10.0, 1.0), (0.0, 5.0, -0.0),
                 (-0.0, 5.0, 0.0), (math.inf, 0.5, 1.0), (math.nan, 1.0, 1.0)]
    fmaf_args = [tuple(f32(v) for v in rs.standard_normal(3) * 10.0 ** rs.uniform(-3, 3, 3))
                 for _ in range(300)]
    for _ in range(100):
        a, b = (f32(v) for v in rs.standard_normal(2))
        fmaf_args.append((a, b, f32(-(a * b) * (1 + float(rs.uniform(-1e-6, 1e-6))))))
    # Ties in float32: (1 + 2^-12)^2 = 1 + 2^-11 + 2^-24 lies halfway between two floats.
    t = 1 + 2.0 ** -12
    fmaf_args += [(t, t, c) for c in (0.0, 2.0 ** -60, -(2.0 ** -60), 2.0 ** -24, -(2.0 ** -24))]
    fmaf_args += [tuple(f32(v) for v in args) for args in [
        (1e-20, 1e-20, 1e-38), (2.0 ** -70, 2.0 ** -70, 2.0 ** -149),
        (2.0 ** -75, 3.0, -(2.0 ** -149)), (1e38, 10.0, 1.0)]]
    return {
        "fma": [[enc(a), enc(b), enc(c), enc(libm.fma(a, b, c))] for a, b, c in fma_args],
        "fmaf": [[enc(a), enc(b), enc(c), enc(libm.fmaf(a, b, c))] for a, b, c in fmaf_args],
        "pow": [[enc(x), enc(y), enc(libm.pow(x, y))] for x, y in pow_args],
        "cos": [[enc(x), enc(libm.cos(x))] for x in cos_args],
    }


def main():
    meta = {
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "libc": " ".join(platform.libc_ver()),
        "cpuCapability": next((line.split(":")[1].strip()
                               for line in torch.__config__.show().splitlines()
                               if "CPU capability usage" in line), "unknown"),
    }
    data = {"format": FORMAT, "meta": meta, "optimizers": optimizer_cases(),
            "schedulers": scheduler_cases()}
    with open(OUT, "w") as f:
        json.dump(data, f, indent=1)
        f.write("\n")
    libm_data = {"format": "Rows [x, y, pow(x, y)], [x, cos(x)], [a, b, c, fma(a, b, c)] and "
                           "[a, b, c, fmaf(a, b, c)] as Python repr() strings ('nan', 'inf', "
                           "'-inf', '-0.0' possible; fmaf operands and results are float32 values "
                           "written as doubles), from glibc's libm via ctypes.", "meta": meta}
    libm_data.update(libm_cases())
    with open(LIBM_OUT, "w") as f:
        json.dump(libm_data, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {OUT} and {LIBM_OUT}")


if __name__ == "__main__":
    main()
