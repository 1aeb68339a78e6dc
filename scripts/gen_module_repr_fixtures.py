"""Generate test/fixtures/module_repr.json: PyTorch 1.13's str(module) for tapegrad's modules.

Run from the repository root with the system Python (it has torch 1.13 and numpy; the
`python3` on PATH has neither):

    /usr/bin/python3 scripts/gen_module_repr_fixtures.py

Each entry is {name, repr, stateDictKeys}; test/module-repr.test.ts builds the module of the
same name with tapegrad's API and compares toString() with repr and the state-dict keys. Every module tapegrad has appears with its
defaults and with non-default arguments, and containers are nested (Sequential in Sequential,
ModuleList in both, a user module with its own extra_repr). The Python floats 1e-05, 0.001,
0.1 and 0.25 are spelled as PyTorch spells them.
"""

import torch.nn as nn

from fixture_util import fixture_path, write_json

OUT = fixture_path("module_repr.json")


class Net(nn.Module):
    """A user module with children of every kind, declared fc, act, layers, head."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 8)
        self.act = nn.ReLU()
        self.layers = nn.ModuleList([nn.Linear(8, 8), nn.Dropout(0.25)])
        self.head = nn.Sequential(nn.BatchNorm1d(8), nn.Linear(8, 2, bias=False))


class Scaled(nn.Module):
    """A user leaf module with a two-line extra_repr."""

    def extra_repr(self):
        return "scale=2.0\nshift=-1"


class ScaledWithChild(nn.Module):
    """A one-line extra_repr together with a child: both go on their own lines."""

    def __init__(self):
        super().__init__()
        self.inner = nn.Tanh()

    def extra_repr(self):
        return "scale=2.0"


MODULES = {
    "Linear": lambda: nn.Linear(784, 256),
    "Linear no bias": lambda: nn.Linear(3, 2, bias=False),
    "ReLU": lambda: nn.ReLU(),
    "Tanh": lambda: nn.Tanh(),
    "Sigmoid": lambda: nn.Sigmoid(),
    "GELU": lambda: nn.GELU(),
    "GELU tanh": lambda: nn.GELU(approximate="tanh"),
    "Dropout": lambda: nn.Dropout(),
    "Dropout 0.1": lambda: nn.Dropout(0.1),
    "Flatten": lambda: nn.Flatten(),
    "Flatten 0 2": lambda: nn.Flatten(0, 2),
    "Unflatten": lambda: nn.Unflatten(1, (1, 28, 28)),
    "Unflatten 1": lambda: nn.Unflatten(-1, (6,)),
    "Identity": lambda: nn.Identity(),
    "BatchNorm1d": lambda: nn.BatchNorm1d(16),
    "BatchNorm1d options": lambda: nn.BatchNorm1d(
        4, eps=1e-3, momentum=None, affine=False, track_running_stats=False
    ),
    "BatchNorm1d momentum 0.25": lambda: nn.BatchNorm1d(3, momentum=0.25),
    "MSELoss": lambda: nn.MSELoss(reduction="sum"),
    "NLLLoss": lambda: nn.NLLLoss(ignore_index=0),
    "CrossEntropyLoss": lambda: nn.CrossEntropyLoss(label_smoothing=0.1),
    "BCEWithLogitsLoss": lambda: nn.BCEWithLogitsLoss(),
    "Embedding": lambda: nn.Embedding(10, 3),
    "Embedding padding": lambda: nn.Embedding(10, 3, padding_idx=0),
    "Embedding negative padding": lambda: nn.Embedding(10, 3, padding_idx=-1),
    "Sequential empty": lambda: nn.Sequential(),
    "ModuleList empty": lambda: nn.ModuleList(),
    "Sequential MLP": lambda: nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10)),
    "Sequential nested": lambda: nn.Sequential(
        nn.Flatten(),
        nn.Sequential(nn.Linear(2, 3), nn.ModuleList([nn.Tanh(), nn.Linear(3, 3)])),
        nn.Identity(),
    ),
    "ModuleList": lambda: nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2), nn.GELU()]),
    # The CNN of npm run demo:cnn (examples/lib/mnist-model.ts).
    "Sequential CNN": lambda: nn.Sequential(
        nn.Unflatten(1, (1, 28, 28)),
        nn.Conv2d(1, 16, 3, padding=1),
        nn.BatchNorm2d(16),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.BatchNorm2d(32),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * 7 * 7, 10),
    ),
    "Net": Net,
    "Scaled": Scaled,
    "ScaledWithChild": ScaledWithChild,
    "Sequential of user modules": lambda: nn.Sequential(Scaled(), ScaledWithChild()),
}


def main():
    data = []
    for name, make in MODULES.items():
        m = make()
        data.append({"name": name, "repr": str(m), "stateDictKeys": list(m.state_dict().keys())})
    write_json(OUT, data)


if __name__ == "__main__":
    main()
