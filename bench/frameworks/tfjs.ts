/**
 * TensorFlow.js 4.22 with the `wasm` backend (XNNPACK, SIMD; Node has no threaded build) and the
 * plain-JS `cpu` backend. Ops run eagerly and synchronously on both, so a call is complete when it
 * returns; each call's outputs are kept for the probe and disposed by the next call.
 */
import { cnnData, floats, labels, mnistData, type MnistParam } from '../lib/inputs.js';
import { importPeer, type Tf, type TfTensor } from '../lib/peers.js';
import {
  probeIndices,
  type EpochWorkload,
  type InputSpec,
  type Workload,
} from '../lib/workloads.js';
import { pick, type Adapter, type Context, type FrameworkId, type Offer } from './types.js';
import { epochRunner } from '../lib/epoch.js';
import type { Case, Probe } from '../lib/measure.js';

let tf: Tf | null = null;

async function load(): Promise<Tf> {
  if (tf === null) {
    tf = await importPeer<Tf>('@tensorflow/tfjs');
    await importPeer<object>('@tensorflow/tfjs-backend-wasm');
  }
  return tf;
}

function oneHot(indices: Int32Array, classes: number): Float32Array {
  const out = new Float32Array(indices.length * classes);
  indices.forEach((c, i) => (out[i * classes + c] = 1));
  return out;
}

/** `values` of row-major `shape` with its dims reordered by `perm` (as `transpose`). */
function permute(
  values: Float32Array,
  shape: readonly number[],
  perm: readonly number[],
): Float32Array {
  const out = new Float32Array(values.length);
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  const outShape = perm.map((d) => shape[d]);
  const idx = new Array<number>(shape.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let from = 0;
    for (let d = 0; d < perm.length; d++) from += idx[d] * strides[perm[d]];
    out[o] = values[from];
    for (let d = perm.length - 1; d >= 0; d--) {
      if (++idx[d] < outShape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** PyTorch's NCHW activations as tfjs's NHWC, and its [out, in, kh, kw] filters as [kh, kw, in, out]. */
const TO_NHWC = [0, 2, 3, 1];
const TO_NCHW = [0, 3, 1, 2];
const TO_HWIO = [2, 3, 1, 0];
const TO_OIHW = [3, 2, 0, 1];

/**
 * `tf.conv2d` (NHWC, stride 1, `padding` on each side) with its gradient. The wasm backend has no
 * `Conv2DBackpropFilter` kernel, so `tf.grads` through `tf.conv2d` throws there ("Kernel
 * 'Conv2DBackpropFilter' not registered for backend 'wasm'"); the filter gradient is computed
 * here as a convolution of its own (x with the batch as channels, dy as the filter), and the
 * input gradient with `tf.conv2dTranspose`, the op tfjs's own conv2d gradient uses. The same
 * function runs on the cpu backend, so both rows do the same work. (`tf.conv3d` on a depth of 1,
 * whose filter gradient wasm has, measured 5–10× slower.)
 */
function conv2dOp(t: Tf, padding: number): (x: TfTensor, filter: TfTensor) => TfTensor {
  const pad = [
    [0, 0],
    [padding, padding],
    [padding, padding],
    [0, 0],
  ];
  return t.customGrad((x, filter, save) => {
    save([x, filter]);
    return {
      value: t.conv2d(x, filter, 1, pad),
      gradFunc: (dy, [xs, fs]) => [
        t.conv2dTranspose(dy, fs, xs.shape, 1, pad),
        t.transpose(
          t.conv2d(t.transpose(xs, [3, 1, 2, 0]), t.transpose(dy, [1, 2, 0, 3]), 1, pad),
          [1, 2, 0, 3],
        ),
      ],
    };
  });
}

/**
 * A case calling `f` (inside `tf.tidy`) whose named outputs are kept until the next call. An
 * output named in `layouts` is transposed by that permutation for the probe (untimed), back to
 * PyTorch's layout.
 */
function simple(
  t: Tf,
  inputs: TfTensor[],
  f: () => Record<string, TfTensor>,
  layouts: Record<string, number[]> = {},
): Case {
  let last: Record<string, TfTensor> = {};
  const release = (): void => Object.values(last).forEach((x) => x.dispose());
  return {
    run() {
      release();
      const names: string[] = [];
      const outs = t.tidy(() => {
        const r = f();
        names.push(...Object.keys(r));
        return Object.values(r);
      });
      last = Object.fromEntries(names.map((n, i) => [n, outs[i]]));
    },
    probe() {
      const p: Probe = {};
      for (const [k, v] of Object.entries(last)) {
        const perm = layouts[k];
        const back = perm === undefined ? v : t.transpose(v, perm);
        const d = back.dataSync();
        if (back !== v) back.dispose();
        p[k] = pick(d, probeIndices(d.length));
      }
      return p;
    },
    dispose() {
      release();
      inputs.forEach((x) => x.dispose());
    },
  };
}

/**
 * A parameter of the CNN in tfjs's NHWC layouts: filters [kh, kw, in, out]; the Linear's 1568
 * inputs reordered from PyTorch's (c, h, w) flattening to (h, w, c).
 */
function cnnParam(t: Tf, p: MnistParam): TfTensor {
  if (p.shape.length === 4) {
    return t.tensor(
      permute(p.values, p.shape, TO_HWIO),
      TO_HWIO.map((d) => p.shape[d]),
    );
  }
  if (p.shape.length === 2) {
    const [o, i] = p.shape;
    const c = 32;
    const hw = Math.sqrt(i / c);
    return t.tensor(permute(p.values, [o, c, hw, hw], [0, 2, 3, 1]), p.shape);
  }
  return t.tensor(p.values, p.shape);
}

/**
 * One epoch of the MLP, or of the CNN in NHWC from the shared initial weights in tfjs's layouts;
 * BatchNorm as `tf.moments` + `tf.batchNorm` with the batch statistics, which broadcasts over the
 * last dim, the channels in both.
 */
function epochCase(t: Tf, w: EpochWorkload, ctx: Context): Case {
  const mnist = w.kind === 'mnist-epoch' ? mnistData() : cnnData();
  const targets = oneHot(mnist.labels, 10);
  const vars = mnist.params.map((p) =>
    t.variable(w.kind === 'cnn-epoch' ? cnnParam(t, p) : t.tensor(p.values, p.shape)),
  );
  const optimizer = t.train.momentum(w.lr, w.momentum);
  const linear = (h: TfTensor, i: number): TfTensor =>
    t.add(t.matMul(h, vars[i], false, true), vars[i + 1]);
  // Weight vars[i], bias vars[i + 1]; the statistics over every dim but the last, the channels.
  const batchNorm = (h: TfTensor, i: number): TfTensor => {
    const { mean, variance } = t.moments(
      h,
      h.shape.slice(0, -1).map((_, d) => d),
    );
    return t.batchNorm(h, mean, variance, vars[i + 1], vars[i], 1e-5);
  };
  const mlp = (x: TfTensor): TfTensor => {
    const h = t.relu(batchNorm(linear(x, 0), 2));
    return linear(t.relu(batchNorm(linear(h, 4), 6)), 8);
  };
  const conv = conv2dOp(t, 1);
  const block = (h: TfTensor, i: number): TfTensor => {
    const y = t.relu(batchNorm(t.add(conv(h, vars[i]), vars[i + 1]), i + 2));
    return t.maxPool(y, 2, 2, 'valid');
  };
  const cnn = (x: TfTensor): TfTensor =>
    linear(t.reshape(block(block(x, 0), 4), [w.batchSize, 32 * 7 * 7]), 8);
  const [logits, inputShape] =
    w.kind === 'mnist-epoch' ? [mlp, [w.batchSize, 784]] : [cnn, [w.batchSize, 28, 28, 1]];
  const batches = mnist.count / w.batchSize;
  return epochRunner({
    batches,
    deadline: ctx.epochDeadline,
    *losses() {
      for (let s = 0; s < batches; s++) {
        const [from, to] = [s * w.batchSize, (s + 1) * w.batchSize];
        const loss = t.tidy(() => {
          const x = t.tensor(mnist.images.subarray(from * 784, to * 784), inputShape);
          const y = t.tensor(targets.subarray(from * 10, to * 10), [w.batchSize, 10]);
          const cost = optimizer.minimize(() => t.losses.softmaxCrossEntropy(y, logits(x)), true);
          if (cost === null) throw new Error('tfjs: minimize returned no cost');
          return cost;
        });
        const value = loss.dataSync()[0];
        loss.dispose();
        yield value;
      }
    },
    dispose() {
      vars.forEach((v) => v.dispose());
      optimizer.dispose();
    },
  });
}

function makeCase(t: Tf, w: Workload, ctx: Context): Case {
  const input = (spec: InputSpec): TfTensor => t.tensor(floats(spec, 'float32'), spec.shape);
  switch (w.kind) {
    case 'batchnorm': {
      const [x, dy, weight, bias] = [w.x, w.dy, w.weight, w.bias].map(input);
      const c = w.shape[1];
      const threeD = w.shape.length === 3;
      // 2-D: tf.moments + tf.batchNorm, its own op. 3-D (N, C, L): tf.batchNorm broadcasts its
      // statistics over the last dim only, so the same math is written out with broadcasting ops.
      const bn = (xs: TfTensor, ws: TfTensor, bs: TfTensor): TfTensor => {
        if (!threeD) {
          const { mean, variance } = t.moments(xs, [0]);
          return t.batchNorm(xs, mean, variance, bs, ws, w.eps);
        }
        const { mean, variance } = t.moments(xs, [0, 2], true);
        const xhat = t.div(t.sub(xs, mean), t.sqrt(t.add(variance, w.eps)));
        return t.add(t.mul(xhat, t.reshape(ws, [1, c, 1])), t.reshape(bs, [1, c, 1]));
      };
      const vg = t.valueAndGrads(bn);
      return simple(t, [x, dy, weight, bias], () => {
        const { value, grads } = vg([x, weight, bias], dy);
        return { y: value, dx: grads[0], dweight: grads[1], dbias: grads[2] };
      });
    }
    case 'binary': {
      const [a, b] = [w.a, w.b].map(input);
      return simple(t, [a, b], () => ({ out: w.op === 'add' ? t.add(a, b) : t.mul(a, b) }));
    }
    case 'sum0': {
      const x = input(w.x);
      return simple(t, [x], () => ({ out: t.sum(x, 0) }));
    }
    case 'cross-entropy': {
      const logits = input(w.logits);
      const classes = w.logits.shape[1];
      const target = t.tensor(oneHot(labels(w.labels), classes), w.logits.shape);
      const vg = t.valueAndGrads((z: TfTensor) => t.losses.softmaxCrossEntropy(target, z));
      return simple(t, [logits, target], () => {
        const { value, grads } = vg([logits]);
        return { loss: value, grad: grads[0] };
      });
    }
    case 'matmul': {
      const [a, b] = [w.a, w.b].map(input);
      return simple(t, [a, b], () => ({
        out: t.matMul(a, b, w.transpose === 'a', w.transpose === 'b'),
      }));
    }
    case 'conv2d': {
      if (w.stride !== 1) throw new Error('conv2dOp computes the stride-1 gradient only');
      // The layouts converted once, outside the timed calls.
      const nhwc = (spec: InputSpec, perm: number[]): TfTensor =>
        t.tensor(
          permute(floats(spec, 'float32'), spec.shape, perm),
          perm.map((d) => spec.shape[d]),
        );
      const x = nhwc(w.x, TO_NHWC);
      const weight = nhwc(w.weight, TO_HWIO);
      const dy = nhwc(w.dy, TO_NHWC);
      const bias = input(w.bias);
      const conv = conv2dOp(t, w.padding);
      const vg = t.valueAndGrads((xs: TfTensor, ws: TfTensor, bs: TfTensor) =>
        t.add(conv(xs, ws), bs),
      );
      return simple(
        t,
        [x, weight, bias, dy],
        () => {
          const { value, grads } = vg([x, weight, bias], dy);
          return { y: value, dx: grads[0], dweight: grads[1], dbias: grads[2] };
        },
        { y: TO_NCHW, dx: TO_NCHW, dweight: TO_OIHW },
      );
    }
    case 'mnist-epoch':
    case 'cnn-epoch':
      return epochCase(t, w, ctx);
  }
}

function adapter(backend: 'wasm' | 'cpu'): Adapter {
  const id: FrameworkId = backend === 'wasm' ? 'tfjs-wasm' : 'tfjs-cpu';
  return {
    id,
    async init() {
      const t = await load();
      await t.setBackend(backend);
      await t.ready();
      let setup = `${backend} backend`;
      if (backend === 'wasm') {
        const simd = await t.env().getAsync('WASM_HAS_SIMD_SUPPORT');
        const threads = await t.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
        setup += `, SIMD ${simd ? 'on' : 'off'}, threads ${threads ? 'on' : 'off'}`;
      }
      return `@tensorflow/tfjs ${t.version['tfjs-core']}, ${setup}`;
    },
    offers(w, ctx): Offer[] {
      const row = { framework: id };
      if (w.dtype === 'float64') return [{ row, skip: 'TensorFlow.js has no float64' }];
      if (backend === 'cpu' && w.kind === 'cnn-epoch') {
        // Measured on the development machine: 5 of the 125 steps in 46 s.
        return [
          {
            row,
            skip: 'about 9 s per step (5 of 125 in 46 s, ≈ 19 min per epoch): its conv2d runs in plain JS',
          },
        ];
      }
      return [
        {
          row,
          async: false,
          make: async () => {
            const t = await load();
            await t.setBackend(backend);
            return makeCase(t, w, ctx);
          },
        },
      ];
    },
  };
}

export const tfjsWasm = adapter('wasm');
export const tfjsCpu = adapter('cpu');
