"""Generate test/fixtures/embedding.json: PyTorch 1.13's nn.Embedding / F.embedding.

Run from the repository root with the system Python (it has torch 1.13 and numpy; the
`python3` on PATH has neither):

    /usr/bin/python3 scripts/gen_embedding_fixtures.py

* cases: F.embedding(indices, weight, padding_idx) for indices of several shapes (repeated
  indices, the padding row among them, 0-d, empty), float64 and float32: the output; the weight's
  gradient for a random upstream dy; and the second-order gradient
  d/d(dy) of sum(v * dW) for a random v (EmbeddingDenseBackward's own VJP; for empty indices
  it is the empty tensor, as PyTorch 1.13 cannot compute it there).
* init: nn.Embedding(n, d, padding_idx, dtype) built after np.random.seed(seed) with
  Tensor.normal_ replaced by NumPy's legacy global generator, which is the generator tapegrad
  uses (as in scripts/gen_nn_fixtures.py): the weight, and the next np.random.random() draw.
* errors: PyTorch's texts for the failures tapegrad reproduces.
"""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from fixture_util import DT, draw_init_from_numpy, enc, enc_float, error, fixture_path, write_json

OUT = fixture_path("embedding.json")

FORMAT = (
    "A tensor is {shape, dtype, data}: data is the flat row-major list of values; float values "
    "are strings holding Python's repr() of the float64 value (float32 values were widened "
    "exactly, so Math.fround recovers them), int32 values are JSON integers."
)

def case(name, n, d, indices, padding_idx, dtype, seed):
    rng = np.random.RandomState(seed)
    weight = torch.tensor(rng.standard_normal((n, d)), dtype=DT[dtype], requires_grad=True)
    idx = torch.tensor(np.asarray(indices, dtype=np.int64))
    y = F.embedding(idx, weight, padding_idx=padding_idx)
    dy = torch.tensor(rng.standard_normal(tuple(y.shape)), dtype=DT[dtype], requires_grad=True)
    (gw,) = torch.autograd.grad(y, weight, dy, create_graph=True)
    v = torch.tensor(rng.standard_normal((n, d)), dtype=DT[dtype])
    if idx.numel() == 0:
        # PyTorch 1.13's double backward fails to reshape an empty gradient; with no indices
        # the gradient of dy is empty anyway.
        gdy = torch.zeros_like(dy)
    else:
        (gdy,) = torch.autograd.grad((gw * v).sum(), dy)
    return {
        "name": name,
        "paddingIdx": padding_idx,
        "weight": enc(weight),
        "indices": enc(idx.to(torch.int32)),
        "y": enc(y),
        "dy": enc(dy),
        "gradWeight": enc(gw),
        "v": enc(v),
        "gradDy": enc(gdy),
    }


def cases():
    return [
        case("1-d indices, no padding", 5, 3, [0, 4, 2], None, "float64", 1),
        case("2-d indices with repeats", 6, 4, [[1, 2, 1], [5, 1, 0]], None, "float64", 2),
        case("repeats and the padding row", 6, 2, [[3, 0, 3], [0, 5, 3]], 0, "float64", 3),
        case("negative padding_idx counts from the end", 5, 3, [[4, 1], [4, 4], [2, 1]], -1, "float64", 4),
        case("3-d indices", 4, 2, [[[0, 1], [2, 3]], [[3, 3], [1, 0]]], 2, "float64", 5),
        case("0-d index", 4, 3, 2, None, "float64", 6),
        case("empty indices", 4, 3, np.zeros((0, 2), dtype=np.int64), None, "float64", 7),
        case("float32 with repeats and padding", 7, 5, [[6, 2, 2, 6], [1, 2, 3, 2]], 2, "float32", 8),
        case("one long row of repeats", 3, 2, [1] * 9 + [0, 2], None, "float64", 9),
    ]


def init_cases():
    draw_init_from_numpy()
    out = []
    specs = [(0, 10, 3, None, "float32"), (1, 6, 4, 0, "float64"), (2, 5, 3, -2, "float32"), (3, 4, 5, 3, "float64")]
    for seed, n, d, pad, dtype in specs:
        np.random.seed(seed)
        m = nn.Embedding(n, d, padding_idx=pad, dtype=DT[dtype])
        out.append(
            {
                "seed": seed,
                "numEmbeddings": n,
                "embeddingDim": d,
                "paddingIdx": pad,
                "normalizedPaddingIdx": m.padding_idx,
                "dtype": dtype,
                "weight": enc(m.weight),
                "repr": repr(m),
                "after": enc_float(np.random.random()),
            }
        )
    return out


def errors():
    w = torch.zeros(5, 2)
    return {
        "indexTooLarge": error(lambda: F.embedding(torch.tensor([1, 5]), w)),
        "indexNegative": error(lambda: F.embedding(torch.tensor([-1]), w)),
        "floatIndices": error(lambda: F.embedding(torch.tensor([1.0]), w)),
        "doubleIndices": error(lambda: F.embedding(torch.tensor([1.0], dtype=torch.float64), w)),
        "paddingOutOfRange": error(lambda: nn.Embedding(5, 2, padding_idx=5)),
        "paddingTooNegative": error(lambda: nn.Embedding(5, 2, padding_idx=-6)),
        "weightNot2d": error(lambda: F.embedding(torch.tensor([1]), torch.zeros(5))),
    }


def main():
    data = {"format": FORMAT, "cases": cases(), "init": init_cases(), "errors": errors()}
    write_json(OUT, data)


if __name__ == "__main__":
    main()
