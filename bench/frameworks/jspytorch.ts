/**
 * js-pytorch 0.7.2: tensors are nested JS arrays of float64 numbers, so it computes in float64
 * whatever the workload's dtype (its inputs are the same float32-rounded values). It has no
 * BatchNorm layer and no SGD: both are written here from its tensor ops, as in its own Adam.
 */
import { floats, labels, mnistData } from '../lib/inputs.js';
import {
  importPeer,
  nest,
  nestedAt,
  type JsPytorch,
  type JsptTensor,
  type Nested,
} from '../lib/peers.js';
import { numel, probeIndices, type InputSpec, type Workload } from '../lib/workloads.js';
import type { Adapter, Context, Offer } from './types.js';
import { epochRunner } from '../lib/epoch.js';
import type { Case, Probe } from '../lib/measure.js';

let jspt: JsPytorch | null = null;

async function load(): Promise<JsPytorch> {
  jspt ??= await importPeer<JsPytorch>('js-pytorch');
  return jspt;
}

function probeOf(named: Record<string, { data: Nested; shape: number[] }>): Probe {
  const p: Probe = {};
  for (const [k, t] of Object.entries(named)) {
    const n = numel(t.shape);
    p[k] = probeIndices(n).map((i) => nestedAt(t.data, t.shape, i));
  }
  return p;
}

/**
 * (x − mean)/√(var + eps)·w + b over every dim but 1; `w` and `b` come shaped to broadcast. The
 * means are taken without `keepdims`: in js-pytorch 0.7.2 `mean(0, true)` returns the mean
 * repeated to the input's shape and back-propagates only into the first row.
 */
function batchNorm(x: JsptTensor, w: JsptTensor, b: JsptTensor, eps: number): JsptTensor {
  const c = x.shape[1];
  const stats = (t: JsptTensor): JsptTensor =>
    x.shape.length === 3 ? t.mean(2).mean(0).reshape([c, 1]) : t.mean(0);
  const xc = x.sub(stats(x));
  const variance = stats(xc.mul(xc));
  return xc.div(variance.add(eps).sqrt()).mul(w).add(b);
}

function epochCase(j: JsPytorch, w: Workload, ctx: Context): Case {
  if (w.kind !== 'mnist-epoch') throw new Error('not an epoch');
  const { torch } = j;
  const mnist = mnistData();
  // Linear weights transposed to [in, out]: js-pytorch computes x·W + b.
  const params = mnist.params.map((p) => {
    if (p.shape.length === 2) {
      const [o, i] = p.shape;
      const t = new Float64Array(o * i);
      for (let r = 0; r < o; r++) for (let c = 0; c < i; c++) t[c * o + r] = p.values[r * i + c];
      return torch.tensor(nest(t, [i, o]), true);
    }
    return torch.tensor(nest(p.values, p.shape), true);
  });
  const momentum: (JsptTensor | null)[] = params.map(() => null);
  const relu = new torch.nn.ReLU();
  const lossFn = new torch.nn.CrossEntropyLoss();
  const batches = mnist.count / w.batchSize;
  return epochRunner({
    batches,
    deadline: ctx.epochDeadline,
    *losses() {
      for (let s = 0; s < batches; s++) {
        const [from, to] = [s * w.batchSize, (s + 1) * w.batchSize];
        const x = torch.tensor(
          nest(mnist.images.subarray(from * 784, to * 784), [w.batchSize, 784]),
        );
        const y = torch.tensor(Array.from(mnist.labels.subarray(from, to)));
        const p = params;
        let h = relu.forward(batchNorm(x.matmul(p[0]).add(p[1]), p[2], p[3], 1e-5));
        h = relu.forward(batchNorm(h.matmul(p[4]).add(p[5]), p[6], p[7], 1e-5));
        const loss = lossFn.forward(h.matmul(p[8]).add(p[9]), y);
        loss.backward();
        // SGD with momentum as PyTorch: buf = momentum·buf + g; p −= lr·buf.
        params.forEach((param, i) => {
          const g = param._grad;
          const buf = momentum[i] === null ? g : momentum[i].mul(w.momentum).add(g);
          momentum[i] = buf;
          param._data = param.sub(buf.mul(w.lr))._data;
          param.zero_grad();
        });
        const value = loss.data;
        yield typeof value === 'number' ? value : nestedAt(value, [1], 0);
      }
    },
  });
}

function makeCase(j: JsPytorch, w: Workload, ctx: Context): Case {
  const { torch } = j;
  const input = (spec: InputSpec, shape = spec.shape, requiresGrad = false): JsptTensor =>
    torch.tensor(nest(floats(spec, w.dtype), shape), requiresGrad);
  let last: Record<string, { data: Nested; shape: number[] }> = {};
  const simple = (f: () => typeof last, reset?: () => void): Case => ({
    run() {
      last = f();
    },
    reset,
    probe: () => probeOf(last),
  });
  switch (w.kind) {
    case 'batchnorm': {
      const c = w.shape[1];
      const bshape = w.shape.length === 3 ? [c, 1] : [c];
      const x = input(w.x, w.shape, true);
      const weight = input(w.weight, bshape, true);
      const bias = input(w.bias, bshape, true);
      const dy = input(w.dy);
      const grads = [x, weight, bias];
      return simple(
        () => {
          const y = batchNorm(x, weight, bias, w.eps);
          y.backward(dy);
          const [dx, dw, db] = grads.map((t) => ({ data: t._grad.data, shape: t.shape }));
          return { y, dx, dweight: dw, dbias: db };
        },
        () => grads.forEach((t) => t.zero_grad()),
      );
    }
    case 'binary': {
      const [a, b] = [input(w.a), input(w.b)];
      return simple(() => ({ out: w.op === 'add' ? a.add(b) : a.mul(b) }));
    }
    case 'sum0': {
      const x = input(w.x);
      return simple(() => ({ out: x.sum(0) }));
    }
    case 'cross-entropy': {
      const logits = input(w.logits, w.logits.shape, true);
      const target = torch.tensor(Array.from(labels(w.labels)));
      const lossFn = new torch.nn.CrossEntropyLoss();
      return simple(
        () => {
          const loss = lossFn.forward(logits, target);
          loss.backward();
          return { loss, grad: { data: logits._grad.data, shape: logits.shape } };
        },
        () => logits.zero_grad(),
      );
    }
    case 'matmul': {
      const [a, b] = [input(w.a), input(w.b)];
      const f =
        w.transpose === 'a'
          ? () => a.transpose(0, 1).matmul(b)
          : w.transpose === 'b'
            ? () => a.matmul(b.transpose(0, 1))
            : () => a.matmul(b);
      return simple(() => ({ out: f() }));
    }
    case 'mnist-epoch':
      return epochCase(j, w, ctx);
    case 'conv2d':
    case 'cnn-epoch':
      throw new Error('js-pytorch has no convolution');
  }
}

export const jsPytorch: Adapter = {
  id: 'js-pytorch',
  async init() {
    await load();
    return 'js-pytorch 0.7.2, nested JS arrays (float64), CPU';
  },
  offers(w, ctx): Offer[] {
    const row = { framework: 'js-pytorch' } as const;
    if (w.dtype === 'float64') {
      return [
        { row, skip: 'it computes in float64 in every row: its float32 rows are float64 runs' },
      ];
    }
    if (w.kind === 'conv2d' || w.kind === 'cnn-epoch') {
      return [{ row, skip: 'it has no convolution (nor pooling) op' }];
    }
    if (w.kind === 'batchnorm' && w.shape.length === 3) {
      return [
        {
          row,
          skip: 'its backward cannot reduce a [C, 1] broadcast over (N, C, L) input ("Given arguments cannot be added")',
        },
      ];
    }
    if (w.kind === 'matmul' && w.m * w.k * w.n > 1e8 && w.transpose !== 'none') {
      return [
        { row, skip: 'one call of A·B 1024³ takes about 30 s; the transposed ones are left out' },
      ];
    }
    return [
      {
        row,
        async: false,
        make: async () => makeCase(await load(), w, ctx),
      },
    ];
  },
};
