/**
 * jax-js 0.1.25 on its `wasm` device, every workload under `jit`. jax-js is lazy: a call is
 * complete once `blockUntilReady` resolves on its outputs. In Node it runs on one thread (its
 * wasm backend starts workers only where a global `Worker` exists, as in browsers).
 */
import { cnnData, floats, labels, mnistData } from '../lib/inputs.js';
import { importPeer, type Jax, type JaxArray } from '../lib/peers.js';
import {
  isEpoch,
  probeIndices,
  type DType,
  type EpochWorkload,
  type InputSpec,
  type Workload,
} from '../lib/workloads.js';
import { pick, type Adapter, type Context, type Offer } from './types.js';
import { epochRunner } from '../lib/epoch.js';
import type { Case, Probe } from '../lib/measure.js';

let jax: Jax | null = null;

async function load(): Promise<Jax> {
  if (jax === null) {
    // jax-js tests `data instanceof Float16Array`, a global that Node 20 lacks; a class with no
    // instances makes that test false instead of throwing.
    if (!('Float16Array' in globalThis)) {
      Reflect.set(
        globalThis,
        'Float16Array',
        class Float16ArrayUnavailable {
          readonly unavailable = true;
        },
      );
    }
    jax = await importPeer<Jax>('@jax-js/jax');
    await jax.init('wasm');
    jax.defaultDevice('wasm');
  }
  return jax;
}

/**
 * A case around a jitted function of fixed inputs: each call passes new references to the inputs
 * (jax-js consumes arguments), waits for the outputs, and frees the previous call's outputs.
 */
function simple(
  inputs: JaxArray[],
  names: string[],
  f: ((...args: JaxArray[]) => JaxArray[]) & { dispose(): void },
): Case {
  let last: JaxArray[] = [];
  const release = (): void => {
    last.forEach((a) => a.dispose());
    last = [];
  };
  return {
    async run() {
      release();
      last = f(...inputs.map((a) => a.ref));
      await Promise.all(last.map((a) => a.blockUntilReady()));
    },
    probe() {
      const p: Probe = {};
      names.forEach((n, i) => {
        const d = last[i].ref.dataSync();
        p[n] = pick(d, probeIndices(d.length));
      });
      return p;
    },
    dispose() {
      release();
      inputs.forEach((a) => a.dispose());
      f.dispose();
    },
  };
}

function oneHot(indices: Int32Array, classes: number): Float32Array {
  const out = new Float32Array(indices.length * classes);
  indices.forEach((c, i) => (out[i * classes + c] = 1));
  return out;
}

/** (x − mean)/√(var + eps)·w + b over every dim but 1 (channels), written with jax-js numpy. */
function batchNorm(j: Jax, x: JaxArray, w: JaxArray, b: JaxArray, eps: number): JaxArray {
  const np = j.numpy;
  const rank = x.shape.length;
  const axes = rank === 2 ? [0] : [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2)];
  const c = x.shape[1];
  const bshape = [c, ...Array<number>(rank - 2).fill(1)];
  const mean = np.mean(x.ref, axes, { keepdims: true });
  const xc = x.sub(mean);
  const variance = np.mean(np.square(xc.ref), axes, { keepdims: true });
  return xc
    .div(np.sqrt(variance.add(eps)))
    .mul(w.reshape(bshape))
    .add(b.reshape(bshape));
}

/** Conv2d in PyTorch's layouts (NCHW, [out, in, kh, kw]) with a bias per output channel. */
function conv2d(
  j: Jax,
  x: JaxArray,
  weight: JaxArray,
  bias: JaxArray,
  padding: number,
  stride: number,
): JaxArray {
  const y = j.lax.convGeneralDilated(
    x,
    weight,
    [stride, stride],
    [
      [padding, padding],
      [padding, padding],
    ],
  );
  return y.add(bias.reshape([bias.shape[0], 1, 1]));
}

/** Max over 2×2 windows of NCHW input (even H and W), as a reshape and a max. */
function maxPool2(j: Jax, x: JaxArray): JaxArray {
  const [n, c, h, w] = x.shape;
  return j.numpy.max(x.reshape([n, c, h / 2, 2, w / 2, 2]), [3, 5]);
}

/**
 * One epoch of the MLP, or of the CNN in PyTorch's layouts, one jitted step per batch; the
 * BatchNorm formula of `batchNorm` above (over (N, H, W) in the CNN).
 */
function epochCase(j: Jax, w: EpochWorkload, ctx: Context): Case {
  const np = j.numpy;
  const mnist = w.kind === 'mnist-epoch' ? mnistData() : cnnData();
  const targets = oneHot(mnist.labels, 10);
  let params = mnist.params.map((p) => np.array(Float32Array.from(p.values), { shape: p.shape }));
  let moms = mnist.params.map((p) =>
    np.array(new Float32Array(p.values.length), { shape: p.shape }),
  );
  const linear = (h: JaxArray, p: JaxArray[], i: number): JaxArray =>
    np.matmul(h, p[i].transpose()).add(p[i + 1]);
  const mlp = (p: JaxArray[], x: JaxArray): JaxArray => {
    const h = j.nn.relu(batchNorm(j, linear(x, p, 0), p[2], p[3], 1e-5));
    return linear(j.nn.relu(batchNorm(j, linear(h, p, 4), p[6], p[7], 1e-5)), p, 8);
  };
  const block = (h: JaxArray, p: JaxArray[], i: number): JaxArray => {
    const z = conv2d(j, h, p[i], p[i + 1], 1, 1);
    return maxPool2(j, j.nn.relu(batchNorm(j, z, p[i + 2], p[i + 3], 1e-5)));
  };
  const cnn = (p: JaxArray[], x: JaxArray): JaxArray => {
    const n = x.shape[0];
    const h = block(block(x.reshape([n, 1, 28, 28]), p, 0), p, 4).reshape([n, 32 * 7 * 7]);
    return linear(h, p, 8);
  };
  const logits = w.kind === 'mnist-epoch' ? mlp : cnn;
  const loss = (p: JaxArray[], x: JaxArray, y: JaxArray): JaxArray =>
    np.mean(np.sum(y.mul(j.nn.logSoftmax(logits(p, x), -1)), 1)).mul(-1);
  // SGD with momentum as PyTorch: buf = momentum·buf + g; p −= lr·buf.
  const step = j.jit(
    (
      p: JaxArray[],
      m: JaxArray[],
      x: JaxArray,
      y: JaxArray,
    ): [JaxArray[], JaxArray[], JaxArray] => {
      const [value, grads] = j.valueAndGrad(loss)(
        p.map((a) => a.ref),
        x,
        y,
      );
      const m2 = m.map((mi, i) => mi.mul(w.momentum).add(grads[i]));
      const p2 = p.map((pi, i) => pi.sub(m2[i].ref.mul(w.lr)));
      return [p2, m2, value];
    },
  );
  const batches = mnist.count / w.batchSize;
  return epochRunner({
    batches,
    deadline: ctx.epochDeadline,
    *losses() {
      for (let s = 0; s < batches; s++) {
        const [from, to] = [s * w.batchSize, (s + 1) * w.batchSize];
        const x = np.array(mnist.images.subarray(from * 784, to * 784), {
          shape: [w.batchSize, 784],
        });
        const y = np.array(targets.subarray(from * 10, to * 10), { shape: [w.batchSize, 10] });
        let value: JaxArray;
        [params, moms, value] = step(params, moms, x, y);
        yield value.dataSync()[0];
      }
    },
    dispose() {
      [...params, ...moms].forEach((a) => a.dispose());
      step.dispose();
    },
  });
}

function makeCase(j: Jax, w: Workload, ctx: Context): Case {
  const np = j.numpy;
  const input = (spec: InputSpec, dtype: DType = w.dtype): JaxArray =>
    np.array(floats(spec, dtype), { shape: spec.shape });
  // A layer of input x, weight and bias, with its vjp at dy.
  const layerCase = (
    specs: Record<'x' | 'weight' | 'bias' | 'dy', InputSpec>,
    layer: (x: JaxArray, weight: JaxArray, bias: JaxArray) => JaxArray,
  ): Case => {
    const f = j.jit((x: JaxArray, wt: JaxArray, b: JaxArray, dy: JaxArray): JaxArray[] => {
      const [y, back] = j.vjp(layer, [x, wt, b]);
      const grads = back(dy);
      back.dispose();
      return [y, ...grads];
    });
    const inputs = [specs.x, specs.weight, specs.bias, specs.dy].map((s) => input(s));
    return simple(inputs, ['y', 'dx', 'dweight', 'dbias'], f);
  };
  switch (w.kind) {
    case 'batchnorm':
      return layerCase(w, (x, wt, b) => batchNorm(j, x, wt, b, w.eps));
    case 'binary': {
      const f = j.jit((a: JaxArray, b: JaxArray) => [w.op === 'add' ? a.add(b) : a.mul(b)]);
      return simple([input(w.a), input(w.b)], ['out'], f);
    }
    case 'sum0': {
      const f = j.jit((x: JaxArray) => [np.sum(x, 0)]);
      return simple([input(w.x)], ['out'], f);
    }
    case 'cross-entropy': {
      const classes = w.logits.shape[1];
      const target = np.array(oneHot(labels(w.labels), classes), { shape: w.logits.shape });
      const f = j.jit((z: JaxArray, y: JaxArray) => {
        const [value, grad] = j.valueAndGrad((zs: JaxArray, ys: JaxArray) =>
          np.mean(np.sum(ys.mul(j.nn.logSoftmax(zs, -1)), 1)).mul(-1),
        )(z, y);
        return [value, grad];
      });
      return simple([input(w.logits), target], ['loss', 'grad'], f);
    }
    case 'matmul': {
      const f = j.jit((a: JaxArray, b: JaxArray) => [
        np.matmul(w.transpose === 'a' ? a.transpose() : a, w.transpose === 'b' ? b.transpose() : b),
      ]);
      return simple([input(w.a), input(w.b)], ['out'], f);
    }
    case 'conv2d':
      return layerCase(w, (x, wt, b) => conv2d(j, x, wt, b, w.padding, w.stride));
    case 'mnist-epoch':
    case 'cnn-epoch':
      return epochCase(j, w, ctx);
  }
}

export const jaxJs: Adapter = {
  id: 'jax-js',
  async init() {
    await load();
    return '@jax-js/jax 0.1.25, wasm device, jit, 1 thread';
  },
  offers(w, ctx): Offer[] {
    return [
      {
        row: { framework: 'jax-js' },
        async: !isEpoch(w),
        make: async () => makeCase(await load(), w, ctx),
      },
    ];
  },
};
