#!/usr/bin/python3
"""PyTorch CPU side of `npm run bench` (bench/run.ts writes the spec and reads the answer).

    /usr/bin/python3 bench/torch_bench.py SPEC.json > result.json

SPEC.json holds the workloads (as in bench/lib/workloads.ts), the thread counts, the time budget
and, for the MNIST epoch, the paths of the shared data and initial weights (MLP and CNN). Inputs are expanded
from their seeded specs with NumPy's legacy generator, which tapegrad's `random` reproduces bit for
bit, so both sides see the same numbers. Prints one JSON object: versions, then one result per
(workload, variant, threads) with the sample times in seconds and the probe values.

Runs with Debian's python3-torch (1.13) and python3-numpy. Without them it prints
{"skipped": "..."} and exits 0.
"""
import json
import sys
import time

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
except ImportError as e:  # pragma: no cover - reported by the harness
    print(json.dumps({"skipped": f"{sys.executable} cannot import torch/numpy ({e})"}))
    sys.exit(0)

DTYPES = {"float32": torch.float32, "float64": torch.float64}
SLOW_CALL = 1.0


def expand(spec, dtype):
    np.random.seed(spec["seed"])
    shape = tuple(spec["shape"])
    if spec["dist"] == "normal":
        raw = np.random.standard_normal(shape)
    else:
        raw = np.random.random(shape)
    if spec["dist"] == "labels":
        return torch.from_numpy(np.floor(raw * spec["classes"]).astype(np.int64))
    values = spec.get("offset", 0) + spec.get("scale", 1) * raw
    return torch.from_numpy(np.ascontiguousarray(values.astype(np.dtype(dtype))))


def probe_indices(n):
    return list(dict.fromkeys([0, n // 3, (2 * n) // 3, n - 1]))


def probe_of(named):
    out = {}
    for k, t in named.items():
        flat = t.detach().reshape(-1)
        out[k] = [float(flat[i]) for i in probe_indices(flat.numel())]
    return out


def bn_composite(x, w, b, eps):
    dims = [0, 2] if x.dim() == 3 else [0]
    shape = [1, -1, 1] if x.dim() == 3 else [1, -1]
    mean = x.mean(dims, keepdim=True)
    xc = x - mean
    var = (xc * xc).mean(dims, keepdim=True)
    return xc / torch.sqrt(var + eps) * w.reshape(shape) + b.reshape(shape)


class Case:
    """A callable `run` that keeps its outputs in `last`, plus an optional untimed `reset`."""

    def __init__(self, run, reset=None):
        self.run = run
        self.reset = reset or (lambda: None)
        self.unfinished = None


def simple(f):
    case = Case(None)

    def run():
        case.last = f()

    case.run = run
    return case


def make_cases(w, spec):
    """[(variant, Case)] for one workload."""
    kind = w["kind"]
    dt = w["dtype"]
    if kind == "batchnorm":
        x = expand(w["x"], dt).requires_grad_()
        weight = expand(w["weight"], dt).requires_grad_()
        bias = expand(w["bias"], dt).requires_grad_()
        dy = expand(w["dy"], dt)
        eps = w["eps"]

        def make(impl, backward):
            """autograd.grad returns the gradients; y.backward(dy) accumulates them into .grad,
            which reset() zeroes in place before each call (untimed), as zero_grad() does."""

            def f():
                if impl == "fused":
                    y = F.batch_norm(x, None, None, weight, bias, training=True, eps=eps)
                else:
                    y = bn_composite(x, weight, bias, eps)
                if backward:
                    y.backward(dy)
                    return {"y": y, "dx": x.grad, "dweight": weight.grad, "dbias": bias.grad}
                dx, dw, db = torch.autograd.grad(y, (x, weight, bias), dy)
                return {"y": y, "dx": dx, "dweight": dw, "dbias": db}

            case = simple(f)
            if backward:

                def reset():
                    for t in (x, weight, bias):
                        if t.grad is not None:
                            t.grad.zero_()

                case.reset = reset
            return case

        # The variant names of bench/frameworks/types.ts.
        return [
            (impl + (", backward()" if backward else ""), make(impl, backward))
            for impl in ("fused", "composite")
            for backward in (False, True)
        ]
    if kind == "binary":
        a, b = expand(w["a"], dt), expand(w["b"], dt)
        op = torch.add if w["op"] == "add" else torch.mul
        return [(None, simple(lambda: {"out": op(a, b)}))]
    if kind == "sum0":
        x = expand(w["x"], dt)
        return [(None, simple(lambda: {"out": x.sum(0)}))]
    if kind == "cross-entropy":
        logits = expand(w["logits"], dt).requires_grad_()
        target = expand(w["labels"], dt)

        def f():
            loss = F.cross_entropy(logits, target)
            (g,) = torch.autograd.grad(loss, (logits,))
            return {"loss": loss, "grad": g}

        return [(None, simple(f))]
    if kind == "matmul":
        a, b = expand(w["a"], dt), expand(w["b"], dt)
        tr = w["transpose"]
        if tr == "a":
            return [(None, simple(lambda: {"out": a.t() @ b}))]
        if tr == "b":
            return [(None, simple(lambda: {"out": a @ b.t()}))]
        return [(None, simple(lambda: {"out": a @ b}))]
    if kind == "conv2d":
        x = expand(w["x"], dt).requires_grad_()
        weight = expand(w["weight"], dt).requires_grad_()
        bias = expand(w["bias"], dt).requires_grad_()
        dy = expand(w["dy"], dt)

        def f():
            y = F.conv2d(x, weight, bias, stride=w["stride"], padding=w["padding"])
            dx, dw, db = torch.autograd.grad(y, (x, weight, bias), dy)
            return {"y": y, "dx": dx, "dweight": dw, "dbias": db}

        return [(None, simple(f))]
    if kind == "mnist-epoch":
        return [(None, epoch_case(w, spec, spec["mnist"], mlp()))]
    if kind == "cnn-epoch":
        return [(None, epoch_case(w, spec, spec["cnn"], cnn()))]
    raise ValueError(f"unknown workload kind {kind}")


def mlp():
    return torch.nn.Sequential(
        torch.nn.Linear(784, 256),
        torch.nn.BatchNorm1d(256),
        torch.nn.ReLU(),
        torch.nn.Linear(256, 128),
        torch.nn.BatchNorm1d(128),
        torch.nn.ReLU(),
        torch.nn.Linear(128, 10),
    )


def cnn():
    """The network of cnnModel (bench/lib/inputs.ts), with the same state-dict names."""
    return torch.nn.Sequential(
        torch.nn.Unflatten(1, (1, 28, 28)),
        torch.nn.Conv2d(1, 16, 3, padding=1),
        torch.nn.BatchNorm2d(16),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(16, 32, 3, padding=1),
        torch.nn.BatchNorm2d(32),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(32 * 7 * 7, 10),
    )


def epoch_case(w, spec, m, model):
    count = m["count"]
    images = torch.from_numpy(np.fromfile(m["images"], dtype=np.float32).reshape(count, 784))
    labels = torch.from_numpy(np.fromfile(m["labels"], dtype=np.int32).astype(np.int64))
    blob = np.fromfile(m["params"], dtype=np.float32)
    state, offset = {}, 0
    for p in m["layout"]:
        n = int(np.prod(p["shape"]))
        state[p["name"]] = torch.from_numpy(blob[offset : offset + n].reshape(p["shape"]).copy())
        offset += n
    # Only the running statistics may be missing from the shared weights.
    unexpected = model.load_state_dict(state, strict=False).unexpected_keys
    if unexpected:
        raise ValueError(f"the model has no parameters {', '.join(unexpected)}")
    opt = torch.optim.SGD(model.parameters(), lr=w["lr"], momentum=w["momentum"])
    bs = w["batchSize"]
    batches = count // bs
    deadline = spec["epochDeadline"]
    case = Case(None)
    case.first = None

    def run():
        model.train()
        start = time.perf_counter()
        losses = []
        case.unfinished = None
        for s in range(batches):
            x, y = images[s * bs : (s + 1) * bs], labels[s * bs : (s + 1) * bs]
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            losses.append(loss.item())
            if time.perf_counter() - start > deadline and s + 1 < batches:
                case.unfinished = f"{s + 1}/{batches} batches"
                return
        if case.first is None:
            case.first = {"firstLoss": [losses[0]], "meanLoss": [sum(losses) / len(losses)]}

    case.run = run
    return case


def time_once(case):
    case.reset()
    t0 = time.perf_counter()
    case.run()
    return time.perf_counter() - t0


def measure(case, budget):
    box, min_samples, cap = budget["box"], budget["minSamples"], budget["cap"]
    first = time_once(case)
    if case.unfinished is not None:
        return {"status": "unfinished", "seconds": first, "progress": case.unfinished}
    probe = case.first if hasattr(case, "first") else probe_of(case.last)
    if first >= SLOW_CALL:
        samples, spent = [first], first
        while len(samples) < min_samples and spent + first <= cap:
            t = time_once(case)
            if case.unfinished is not None:
                break
            samples.append(t)
            spent += t
        rest = samples[1:]
        if len(rest) >= 2 and first > 1.5 * float(np.median(rest)):
            samples = rest
    else:
        if first < box / 4:
            time_once(case)
        fits = first * min_samples <= box
        target = min_samples if fits else max(2, min(min_samples, int(cap / first)))
        samples, spent = [], 0.0
        while len(samples) < target or (fits and spent < box):
            t = time_once(case)
            samples.append(t)
            spent += t
    return {"status": "ok", "samples": samples, "probe": probe}


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    out = {
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "results": [],
    }
    for threads in spec["threads"]:
        torch.set_num_threads(threads)
        for w in spec["workloads"]:
            for variant, case in make_cases(w, spec):
                try:
                    epoch = w["kind"] in ("mnist-epoch", "cnn-epoch")
                    budget = spec["epochBudget"] if epoch else spec["budget"]
                    r = measure(case, budget)
                except Exception as e:  # reported in the table, not fatal
                    r = {"status": "error", "message": f"{type(e).__name__}: {e}"}
                r.update({"id": w["id"], "variant": variant, "threads": threads})
                out["results"].append(r)
                print(f"  PyTorch {threads}T {w['id']} {variant or ''}: {r['status']}", file=sys.stderr)
    out["config"] = torch.__config__.show()
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
