"""Generate test/fixtures/split.json: PyTorch 1.13's torch.split and torch.chunk.

Run from the repository root with the system Python (it has torch 1.13 and numpy; the
`python3` on PATH has neither):

    /usr/bin/python3 scripts/gen_split_fixtures.py

* cases: x.split(arg, dim) / x.chunk(arg, dim) on float64 inputs of several shapes, uneven
  sizes, empty dims and list sections included: every piece, and the gradient of x for
  sum_k <piece_k, dy_k> with random dy_k.
* errors: PyTorch's texts for bad arguments, as {type, message}.
"""

import numpy as np
import torch

from fixture_util import enc, error, fixture_path, write_json

OUT = fixture_path("split.json")

FORMAT = (
    "A tensor is {shape, dtype, data}: data is the flat row-major list of float64 values as "
    "Python repr() strings. op is 'split' or 'chunk'; arg is the split size, the list of "
    "sections, or the number of chunks."
)


def case(op, shape, arg, dim, seed):
    rng = np.random.RandomState(seed)
    x = torch.tensor(rng.standard_normal(shape), dtype=torch.float64, requires_grad=True)
    pieces = getattr(x, op)(arg, dim)
    dys = [torch.tensor(rng.standard_normal(tuple(p.shape)), dtype=torch.float64) for p in pieces]
    total = sum(((p * dy).sum() for p, dy in zip(pieces, dys)), torch.zeros((), dtype=torch.float64))
    (gx,) = torch.autograd.grad(total, x, allow_unused=True)
    if gx is None:
        gx = torch.zeros_like(x)
    return {
        "op": op,
        "arg": arg,
        "dim": dim,
        "x": enc(x),
        "pieces": [enc(p) for p in pieces],
        "dys": [enc(dy) for dy in dys],
        "gradX": enc(gx),
    }


def cases():
    specs = [
        ("split", [5], 2, 0),
        ("split", [5], 5, 0),
        ("split", [5], 7, 0),
        ("split", [5], 1, 0),
        ("split", [3, 7], 3, 1),
        ("split", [3, 7], 3, -1),
        ("split", [4, 3], 2, 0),
        ("split", [0], 2, 0),
        ("split", [0, 3], 0, 0),
        ("split", [2, 0], 0, 1),
        ("split", [5], [2, 3], 0),
        ("split", [5], [5, 0], 0),
        ("split", [2, 6, 2], [1, 0, 2, 3], 1),
        ("split", [2, 6], [6], -1),
        ("chunk", [5], 2, 0),
        ("chunk", [5], 3, 0),
        ("chunk", [5], 4, 0),
        ("chunk", [6], 4, 0),
        ("chunk", [6], 5, 0),
        ("chunk", [5], 10, 0),
        ("chunk", [6], 3, 0),
        ("chunk", [0], 3, 0),
        ("chunk", [2, 0, 3], 2, 1),
        ("chunk", [3, 7], 3, -1),
        ("chunk", [2, 3, 4], 2, 2),
        ("chunk", [1], 1, 0),
    ]
    return [case(op, shape, arg, dim, i) for i, (op, shape, arg, dim) in enumerate(specs)]


def errors():
    x = torch.zeros(5)
    return [
        {"op": "split", "shape": [5], "arg": 0, "dim": 0, **error(lambda: x.split(0))},
        {"op": "split", "shape": [5], "arg": -1, "dim": 0, **error(lambda: x.split(-1))},
        {"op": "split", "shape": [5], "arg": [2, 2], "dim": 0, **error(lambda: x.split([2, 2]))},
        {"op": "split", "shape": [5], "arg": [], "dim": 0, **error(lambda: x.split([]))},
        {"op": "split", "shape": [5], "arg": [2, -1, 4], "dim": 0, **error(lambda: x.split([2, -1, 4]))},
        {"op": "split", "shape": [], "arg": 1, "dim": 0, **error(lambda: torch.tensor(1.0).split(1))},
        {"op": "split", "shape": [5], "arg": 2, "dim": 1, **error(lambda: x.split(2, 1))},
        # PyTorch names the dim as given (-1), not normalised
        {"op": "split", "shape": [3, 5], "arg": [2, 2], "dim": -1, **error(lambda: torch.zeros(3, 5).split([2, 2], -1))},
        {"op": "chunk", "shape": [5], "arg": 0, "dim": 0, **error(lambda: x.chunk(0))},
        {"op": "chunk", "shape": [5], "arg": -2, "dim": 0, **error(lambda: x.chunk(-2))},
        {"op": "chunk", "shape": [], "arg": 1, "dim": 0, **error(lambda: torch.tensor(1.0).chunk(1))},
        {"op": "chunk", "shape": [5], "arg": 2, "dim": -2, **error(lambda: x.chunk(2, -2))},
    ]


def main():
    data = {"format": FORMAT, "cases": cases(), "errors": errors()}
    write_json(OUT, data)


if __name__ == "__main__":
    main()
