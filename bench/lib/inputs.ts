/**
 * Expands the seeded input specs into typed arrays, exactly as `torch_bench.py` does with NumPy:
 * `np.random.seed(seed)`, then `standard_normal` or `random`, then `offset + scale · draw` in
 * float64, rounded once to the workload's dtype.
 */
import { manualSeed, MT19937, random } from '../../src/index.js';
import { loadMnist } from '../../src/node.js';
import { cnnModel, mnistModel } from '../../examples/lib/mnist-model.js';
import type { DType, InputSpec } from './workloads.js';

export type Floats = Float32Array | Float64Array;

const cache = new Map<string, Floats | Int32Array>();

function draw(spec: InputSpec): Float64Array {
  random.seed(spec.seed);
  const t = spec.dist === 'normal' ? random.standardNormal(spec.shape) : random.random(spec.shape);
  return t.data as Float64Array;
}

/** The values of a float input, cached per spec and dtype. */
export function floats(spec: InputSpec, dtype: 'float32'): Float32Array;
export function floats(spec: InputSpec, dtype: DType): Floats;
export function floats(spec: InputSpec, dtype: DType): Floats {
  const key = `${JSON.stringify(spec)}/${dtype}`;
  const hit = cache.get(key);
  if (hit !== undefined && !(hit instanceof Int32Array)) return hit;
  const raw = draw(spec);
  const scale = spec.scale ?? 1;
  const offset = spec.offset ?? 0;
  const out = dtype === 'float32' ? new Float32Array(raw.length) : new Float64Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = offset + scale * raw[i];
  cache.set(key, out);
  return out;
}

/** Integer labels `floor(uniform · classes)`. */
export function labels(spec: InputSpec): Int32Array {
  const key = JSON.stringify(spec);
  const hit = cache.get(key);
  if (hit instanceof Int32Array) return hit;
  const raw = draw(spec);
  const classes = spec.classes ?? 10;
  const out = new Int32Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = Math.floor(raw[i] * classes);
  cache.set(key, out);
  return out;
}

/** One parameter of the MNIST network, in PyTorch's layout (`weight` is [out, in]). */
export interface MnistParam {
  name: string;
  shape: number[];
  values: Float32Array;
}

/**
 * The MNIST epoch's shared inputs: the 8000 training digits of `loadMnist()` (tapegrad/node) in one fixed
 * shuffled order (every framework then takes consecutive batches of 64), and the initial weights
 * of the demo network (tapegrad's PyTorch-style init after `manualSeed(0)`).
 */
export interface MnistData {
  images: Float32Array;
  labels: Int32Array;
  count: number;
  params: MnistParam[];
}

export const MNIST_LAYERS = [784, 256, 128, 10] as const;

/** The demo network of `examples/mnist-demo.ts`. */
export { cnnModel, mnistModel };

let mnist: MnistData | null = null;

export function mnistData(): MnistData {
  if (mnist !== null) return mnist;
  const { train } = loadMnist();
  const count = train.labels.size;
  const src = train.images.data as Float32Array;
  const srcLabels = train.labels.data as Int32Array;
  // A Fisher–Yates shuffle on its own seeded generator, so that the order is fixed.
  const rng = new MT19937();
  rng.seed(2024);
  const order = Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(rng.randomDouble() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const images = new Float32Array(count * 784);
  const labelsOut = new Int32Array(count);
  order.forEach((from, to) => {
    images.set(src.subarray(from * 784, (from + 1) * 784), to * 784);
    labelsOut[to] = srcLabels[from];
  });
  manualSeed(0);
  const state = mnistModel('fused').stateDict();
  const params: MnistParam[] = [];
  for (const [name, t] of Object.entries(state)) {
    if (!name.endsWith('weight') && !name.endsWith('bias')) continue;
    params.push({ name, shape: [...t.shape], values: Float32Array.from(t.data) });
  }
  mnist = { images, labels: labelsOut, count, params };
  return mnist;
}

/**
 * The CNN's parameters in PyTorch's layout and state-dict names (indices into the Sequential;
 * conv weights [out, in, kh, kw]), with how each is initialised: a number is the layer's fan_in,
 * and the values are uniform in ±1/√fan_in, PyTorch's default for Conv2d and Linear weights and
 * biases.
 */
export const CNN_PARAMS: readonly {
  name: string;
  shape: number[];
  init: number | 'ones' | 'zeros';
}[] = [
  { name: '1.weight', shape: [16, 1, 3, 3], init: 9 },
  { name: '1.bias', shape: [16], init: 9 },
  { name: '2.weight', shape: [16], init: 'ones' },
  { name: '2.bias', shape: [16], init: 'zeros' },
  { name: '5.weight', shape: [32, 16, 3, 3], init: 144 },
  { name: '5.bias', shape: [32], init: 144 },
  { name: '6.weight', shape: [32], init: 'ones' },
  { name: '6.bias', shape: [32], init: 'zeros' },
  { name: '10.weight', shape: [10, 1568], init: 1568 },
  { name: '10.bias', shape: [10], init: 1568 },
];

let cnn: MnistData | null = null;

/**
 * The CNN epoch's shared inputs: the MNIST epoch's digits in the same order, and initial weights
 * drawn from seeded specs (seeds 71, 72, …) with PyTorch's default bounds, so that they do not
 * depend on any framework's initialiser.
 */
export function cnnData(): MnistData {
  if (cnn !== null) return cnn;
  const m = mnistData();
  const params = CNN_PARAMS.map((p, i): MnistParam => {
    const n = p.shape.reduce((a, b) => a * b, 1);
    let values: Float32Array;
    if (p.init === 'ones') values = new Float32Array(n).fill(1);
    else if (p.init === 'zeros') values = new Float32Array(n);
    else {
      const bound = 1 / Math.sqrt(p.init);
      const spec: InputSpec = {
        shape: p.shape,
        seed: 71 + i,
        dist: 'uniform',
        scale: 2 * bound,
        offset: -bound,
      };
      values = floats(spec, 'float32');
    }
    return { name: p.name, shape: p.shape, values };
  });
  cnn = { images: m.images, labels: m.labels, count: m.count, params };
  return cnn;
}
