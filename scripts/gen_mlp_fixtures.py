"""Generate PyTorch 1.13 reference fixtures for a small MLP with BatchNorm, trained end to end.

Run from the repository root with the system Python (it has torch 1.13 and numpy; the
`python3` on PATH has neither):

    /usr/bin/python3 scripts/gen_mlp_fixtures.py

It writes test/fixtures/mlp_training.json, deterministically: the initial state and every batch
come from a seeded numpy RandomState, and torch draws no random numbers.

The model, in float64:

    Sequential(Linear(12, 16), BatchNorm1d(16), ReLU(), Linear(16, 8), BatchNorm1d(8), ReLU(),
               Linear(8, 4))

One initial state dict (every key, PyTorch's names) is shared by all runs. Linear weights and
biases are drawn as PyTorch draws them, U(-1/sqrt(in), 1/sqrt(in)); the BatchNorm weights,
biases and running statistics are set away from their defaults (1, 0, 0, 1) so that every term
of the forward is exercised, and num_batches_tracked starts at 0.

Each run trains in train mode on the same 8 batches (x: [10, 12], y: class indices in [0, 4)):
per batch zero_grad(), loss = CrossEntropyLoss()(model(x), y), backward(), step(). It records
every loss, the full state dict after the last step (weights, biases, running statistics and
num_batches_tracked) and the logits of a held-out batch in eval mode (under no_grad). It also
records max|grad| of the bias of each Linear layer that feeds a BatchNorm, per step: that
gradient is zero in exact arithmetic (BatchNorm subtracts the batch mean), so what torch computes
is rounding noise, which the test needs to bound how far Adam carries it.

Runs: SGD (lr 0.1, momentum 0.9; with weight decay 1e-4; Nesterov), Adam (lr 1e-2; with weight
decay 1e-4), AdamW (lr 1e-2, its default weight decay 1e-2), and SGD momentum with the first
BatchNorm's momentum None (a cumulative average of the batch statistics).
"""

import numpy as np
import torch
import torch.nn as nn

from fixture_util import fixture_path, write_json

OUT = fixture_path("mlp_training.json")

SIZES = [12, 16, 8, 4]
N = 10
NUM_BATCHES = 8
BN_EPS = 1e-5
BN_MOMENTUM = 0.1

FORMAT = (
    "Every float is a string holding Python's repr() of the float64 value (the shortest decimal "
    "that round-trips), tensors are {shape, data} with data flat and row-major; "
    "num_batches_tracked and class indices are JSON integers. The model is "
    "Sequential(Linear(12, 16), BatchNorm1d(16), ReLU(), Linear(16, 8), BatchNorm1d(8), ReLU(), "
    "Linear(8, 4)) in float64, BatchNorm eps `bnEps`; a run's `bnMomentum` lists the momentum of "
    "the two BatchNorm layers (null: cumulative average). `init` is the state dict every run "
    "starts from. Per batch: zero_grad(), loss = CrossEntropyLoss()(model(x), y) (mean), "
    "backward(), step(); losses[k] is the loss of batch k (before that step). `final` is the state "
    "dict after the last step; `evalLogits` is model.eval()(heldOut.x) afterwards. "
    "preBatchNormBiasGrad[i][k] is max|grad| of `i.bias` (a Linear followed by a BatchNorm) after "
    "the backward of batch k. Optimizer options use tapegrad's camelCase names."
)

RUNS = [
    {"name": "SGD lr 0.1, momentum 0.9", "optimizer": "SGD",
     "options": {"lr": 0.1, "momentum": 0.9}},
    {"name": "SGD lr 0.1, momentum 0.9, weight decay 1e-4", "optimizer": "SGD",
     "options": {"lr": 0.1, "momentum": 0.9, "weightDecay": 1e-4}},
    {"name": "SGD lr 0.1, Nesterov momentum 0.9", "optimizer": "SGD",
     "options": {"lr": 0.1, "momentum": 0.9, "nesterov": True}},
    {"name": "Adam lr 1e-2", "optimizer": "Adam", "options": {"lr": 1e-2}},
    {"name": "Adam lr 1e-2, weight decay 1e-4", "optimizer": "Adam",
     "options": {"lr": 1e-2, "weightDecay": 1e-4}},
    {"name": "AdamW lr 1e-2 (weight decay 1e-2)", "optimizer": "AdamW", "options": {"lr": 1e-2}},
    {"name": "SGD lr 0.1, momentum 0.9, first BatchNorm momentum None", "optimizer": "SGD",
     "options": {"lr": 0.1, "momentum": 0.9}, "bnMomentum": [None, BN_MOMENTUM]},
]

TORCH_NAMES = {"weightDecay": "weight_decay"}


def enc(v):
    return repr(float(v))


def enc_tensor(t):
    t = t.detach()
    if t.dtype == torch.int64:
        return {"shape": list(t.shape), "data": [int(v) for v in t.reshape(-1).tolist()]}
    assert t.dtype == torch.float64, t.dtype
    return {"shape": list(t.shape), "data": [enc(v) for v in t.reshape(-1).tolist()]}


def enc_state(model):
    return {k: enc_tensor(v) for k, v in model.state_dict().items()}


def make_model(bn_momentum):
    a, b, c, d = SIZES
    return nn.Sequential(
        nn.Linear(a, b),
        nn.BatchNorm1d(b, eps=BN_EPS, momentum=bn_momentum[0]),
        nn.ReLU(),
        nn.Linear(b, c),
        nn.BatchNorm1d(c, eps=BN_EPS, momentum=bn_momentum[1]),
        nn.ReLU(),
        nn.Linear(c, d),
    ).double()


def initial_state(rng):
    """The shared initial state dict, drawn from `rng` in key order."""
    model = make_model([BN_MOMENTUM, BN_MOMENTUM])
    state = {}
    for key, t in model.state_dict().items():
        module = model[int(key.split(".")[0])]
        name = key.split(".")[1]
        shape = tuple(t.shape)
        if isinstance(module, nn.Linear):
            bound = 1 / np.sqrt(module.in_features)
            value = rng.uniform(-bound, bound, shape)
        elif name == "weight":
            value = rng.uniform(0.5, 1.5, shape)
        elif name == "bias":
            value = rng.normal(0.0, 0.2, shape)
        elif name == "running_mean":
            value = rng.normal(0.0, 0.3, shape)
        elif name == "running_var":
            value = rng.uniform(0.5, 2.0, shape)
        elif name == "num_batches_tracked":
            state[key] = torch.tensor(0, dtype=torch.int64)
            continue
        else:
            raise KeyError(key)
        state[key] = torch.tensor(value, dtype=torch.float64)
    return state


def make_batches(rng):
    batches = []
    for _ in range(NUM_BATCHES):
        x = torch.tensor(rng.standard_normal((N, SIZES[0])) * 1.5 + 0.25, dtype=torch.float64)
        y = torch.tensor(rng.randint(0, SIZES[-1], N), dtype=torch.int64)
        batches.append((x, y))
    held_out = torch.tensor(rng.standard_normal((N, SIZES[0])) * 1.5 + 0.25, dtype=torch.float64)
    return batches, held_out


def make_optimizer(kind, params, options):
    cls = {"SGD": torch.optim.SGD, "Adam": torch.optim.Adam, "AdamW": torch.optim.AdamW}[kind]
    kwargs = {TORCH_NAMES.get(k, k): v for k, v in options.items()}
    # The single-tensor path, which is what tapegrad's kernels replay.
    return cls(params, foreach=False, **kwargs)


def train(run, init, batches, held_out):
    bn_momentum = run.get("bnMomentum", [BN_MOMENTUM, BN_MOMENTUM])
    model = make_model(bn_momentum)
    model.load_state_dict(init)
    model.train()
    opt = make_optimizer(run["optimizer"], model.parameters(), run["options"])
    loss_fn = nn.CrossEntropyLoss()
    pre_bn = [i for i in range(len(model) - 1) if isinstance(model[i + 1], nn.BatchNorm1d)]
    losses = []
    noise = {str(i): [] for i in pre_bn}
    for x, y in batches:
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        for i in pre_bn:
            noise[str(i)].append(enc(model[i].bias.grad.abs().max()))
        opt.step()
        losses.append(enc(loss.item()))
    final = enc_state(model)
    model.eval()
    with torch.no_grad():
        logits = model(held_out)
    return {
        "name": run["name"],
        "optimizer": run["optimizer"],
        "options": run["options"],
        "bnMomentum": bn_momentum,
        "losses": losses,
        "preBatchNormBiasGrad": noise,
        "final": final,
        "evalLogits": enc_tensor(logits),
    }


def main():
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    rng = np.random.RandomState(20260301)
    init = initial_state(rng)
    batches, held_out = make_batches(rng)
    out = {
        "meta": {
            "command": "/usr/bin/python3 scripts/gen_mlp_fixtures.py",
            "torch": torch.__version__,
            "numpy": np.__version__,
            "format": FORMAT,
        },
        "sizes": SIZES,
        "bnEps": BN_EPS,
        "init": {k: enc_tensor(v) for k, v in init.items()},
        "batches": [{"x": enc_tensor(x), "y": [int(v) for v in y.tolist()]} for x, y in batches],
        "heldOut": {"x": enc_tensor(held_out)},
        "runs": [train(run, init, batches, held_out) for run in RUNS],
    }
    write_json(OUT, out)
    print(f"{len(out['runs'])} runs of {NUM_BATCHES} steps")


if __name__ == "__main__":
    main()
