/**
 * The workloads of `npm run bench`: every framework runs each one on the same inputs, which are
 * described (never stored) by seeded specs that the JS side and `torch_bench.py` both expand
 * with NumPy's legacy generator (tapegrad's `random` reproduces it bit for bit).
 */

export type DType = 'float32' | 'float64';
export type Group =
  'batchnorm' | 'elementwise' | 'cross-entropy' | 'matmul' | 'conv' | 'mnist' | 'cnn';

/** A tensor drawn as `offset + scale · draw` with `np.random.seed(seed)`, or integer labels. */
export interface InputSpec {
  shape: number[];
  seed: number;
  dist: 'normal' | 'uniform' | 'labels';
  scale?: number;
  offset?: number;
  /** For `labels`: floor(uniform · classes), int32. */
  classes?: number;
}

interface Base {
  id: string;
  group: Group;
  title: string;
  dtype: DType;
  /** Part of `--quick`. */
  quick: boolean;
}

export interface BatchNormWorkload extends Base {
  kind: 'batchnorm';
  shape: number[];
  eps: number;
  x: InputSpec;
  dy: InputSpec;
  weight: InputSpec;
  bias: InputSpec;
}

export interface BinaryWorkload extends Base {
  kind: 'binary';
  op: 'add' | 'mul';
  a: InputSpec;
  b: InputSpec;
}

export interface SumWorkload extends Base {
  kind: 'sum0';
  x: InputSpec;
}

export interface CrossEntropyWorkload extends Base {
  kind: 'cross-entropy';
  logits: InputSpec;
  labels: InputSpec;
}

export interface MatmulWorkload extends Base {
  kind: 'matmul';
  m: number;
  k: number;
  n: number;
  /** Which operand is stored transposed: `a` means Aᵀ·B with A stored as [k, m]. */
  transpose: 'none' | 'a' | 'b';
  a: InputSpec;
  b: InputSpec;
}

/**
 * A Conv2d layer forward and backward: y = conv2d(x, weight, bias) with square padding and
 * stride, then dx, dweight, dbias for the upstream gradient dy.
 */
export interface ConvWorkload extends Base {
  kind: 'conv2d';
  padding: number;
  stride: number;
  x: InputSpec;
  weight: InputSpec;
  bias: InputSpec;
  dy: InputSpec;
}

export interface MnistWorkload extends Base {
  kind: 'mnist-epoch';
  batchSize: number;
  lr: number;
  momentum: number;
}

/** One training epoch of the CNN of `cnnModel` (bench/lib/inputs.ts) on the MNIST epoch's data. */
export interface CnnWorkload extends Base {
  kind: 'cnn-epoch';
  batchSize: number;
  lr: number;
  momentum: number;
}

export type Workload =
  | BatchNormWorkload
  | BinaryWorkload
  | SumWorkload
  | CrossEntropyWorkload
  | MatmulWorkload
  | ConvWorkload
  | MnistWorkload
  | CnnWorkload;

/** A whole training epoch per call (its own time budget and deadline, shared data). */
export type EpochWorkload = MnistWorkload | CnnWorkload;

export function isEpoch(w: Workload): w is EpochWorkload {
  return w.kind === 'mnist-epoch' || w.kind === 'cnn-epoch';
}

const normal = (shape: number[], seed: number): InputSpec => ({ shape, seed, dist: 'normal' });

function batchNorm(shape: number[], dtype: DType, quick: boolean): BatchNormWorkload {
  const c = shape[1];
  const tag = dtype === 'float32' ? 'f32' : 'f64';
  return {
    kind: 'batchnorm',
    id: `batchnorm/${tag}/${shape.join('x')}`,
    group: 'batchnorm',
    title: `BatchNorm1d ${shape.join('×')} ${dtype}`,
    dtype,
    quick,
    shape,
    eps: 1e-5,
    // Inputs with an offset and a spread per channel that is not 1, so that the normalisation
    // does real work; weight in [0.5, 1.5).
    x: { shape, seed: 11, dist: 'normal', scale: 2, offset: 3 },
    dy: normal(shape, 12),
    weight: { shape: [c], seed: 13, dist: 'uniform', offset: 0.5 },
    bias: normal([c], 14),
  };
}

function matmul(m: number, k: number, n: number, transpose: 'none' | 'a' | 'b'): MatmulWorkload {
  const name = { none: 'A·B', a: 'Aᵀ·B', b: 'A·Bᵀ' }[transpose];
  const big = m * k * n > 1e8;
  return {
    kind: 'matmul',
    id: `matmul/${m}x${k}x${n}/${transpose === 'none' ? 'nn' : transpose === 'a' ? 'tn' : 'nt'}`,
    group: 'matmul',
    title: `${name}, ${m}×${k} · ${k}×${n}`,
    dtype: 'float32',
    quick: !big || transpose === 'none',
    m,
    k,
    n,
    transpose,
    a: normal(transpose === 'a' ? [k, m] : [m, k], 31),
    b: normal(transpose === 'b' ? [n, k] : [k, n], 32),
  };
}

/**
 * Conv2d on [n, c, h, w] input with `out` filters of 3×3, padding 1, stride 1; weight and bias
 * drawn as PyTorch initialises them (uniform in ±1/√fan_in), x and dy standard normal.
 */
function conv2d(
  shape: [number, number, number, number],
  out: number,
  quick: boolean,
): ConvWorkload {
  const [n, c, h, wd] = shape;
  const k = 3;
  const bound = 1 / Math.sqrt(c * k * k);
  const uniform = (s: number[], seed: number): InputSpec => ({
    shape: s,
    seed,
    dist: 'uniform',
    scale: 2 * bound,
    offset: -bound,
  });
  return {
    kind: 'conv2d',
    id: `conv2d/f32/${shape.join('x')}`,
    group: 'conv',
    title: `Conv2d ${c}→${out}, 3×3, padding 1, on ${shape.join('×')} float32`,
    dtype: 'float32',
    quick,
    padding: 1,
    stride: 1,
    x: normal(shape, 61),
    weight: uniform([out, c, k, k], 62),
    bias: uniform([out], 63),
    dy: normal([n, out, h, wd], 64),
  };
}

export const WORKLOADS: readonly Workload[] = [
  ...(['float32', 'float64'] as const).flatMap((dtype) =>
    [
      [64, 128],
      [4096, 1024],
      [256, 64, 64],
    ].map((shape) => batchNorm(shape, dtype, dtype === 'float32' || shape[0] === 64)),
  ),
  ...(['add', 'mul'] as const).flatMap((op): BinaryWorkload[] => [
    {
      kind: 'binary',
      id: `elementwise/${op}/same`,
      group: 'elementwise',
      title: `${op} [1024, 1024] ${op === 'add' ? '+' : '·'} [1024, 1024]`,
      dtype: 'float32',
      quick: true,
      op,
      a: normal([1024, 1024], 21),
      b: normal([1024, 1024], 22),
    },
    {
      kind: 'binary',
      id: `elementwise/${op}/broadcast`,
      group: 'elementwise',
      title: `${op} [1024, 1024] ${op === 'add' ? '+' : '·'} [1024]`,
      dtype: 'float32',
      quick: op === 'add',
      op,
      a: normal([1024, 1024], 21),
      b: normal([1024], 23),
    },
  ]),
  {
    kind: 'sum0',
    id: 'elementwise/sum-dim0',
    group: 'elementwise',
    title: 'sum over dim 0, [4096, 1024] → [1024]',
    dtype: 'float32',
    quick: true,
    x: normal([4096, 1024], 24),
  },
  ...[
    [256, 10],
    [4096, 1000],
  ].map(([n, c]): CrossEntropyWorkload => ({
    kind: 'cross-entropy',
    id: `cross-entropy/${n}x${c}`,
    group: 'cross-entropy',
    title: `softmax cross-entropy [${n}, ${c}], forward + backward`,
    dtype: 'float32',
    quick: true,
    logits: { shape: [n, c], seed: 41, dist: 'normal', scale: 2 },
    labels: { shape: [n], seed: 42, dist: 'labels', classes: c },
  })),
  matmul(256, 784, 256, 'none'),
  matmul(256, 784, 256, 'a'),
  matmul(256, 784, 256, 'b'),
  matmul(1024, 1024, 1024, 'none'),
  matmul(1024, 1024, 1024, 'a'),
  matmul(1024, 1024, 1024, 'b'),
  conv2d([64, 16, 14, 14], 32, true),
  conv2d([64, 1, 28, 28], 16, false),
  {
    kind: 'mnist-epoch',
    id: 'mnist/epoch',
    group: 'mnist',
    title: 'MNIST MLP, one training epoch (8000 samples, batch 64)',
    dtype: 'float32',
    quick: true,
    batchSize: 64,
    lr: 0.05,
    momentum: 0.9,
  },
  {
    kind: 'cnn-epoch',
    id: 'cnn/epoch',
    group: 'cnn',
    title: 'MNIST CNN, one training epoch (8000 samples, batch 64)',
    dtype: 'float32',
    // Several seconds per epoch on every framework (minutes on the JS peers): a `--quick` run
    // would spend most of its two minutes here.
    quick: false,
    batchSize: 64,
    lr: 0.05,
    momentum: 0.9,
  },
];

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The flat indices whose values every framework reports for the agreement check. */
export function probeIndices(n: number): number[] {
  return [...new Set([0, Math.floor(n / 3), Math.floor((2 * n) / 3), n - 1])];
}

/** Throughput of one call that took `seconds`, in the unit that suits the workload. */
export function throughput(w: Workload, seconds: number): { value: number; unit: string } {
  switch (w.kind) {
    case 'batchnorm':
      return { value: numel(w.shape) / seconds / 1e6, unit: 'M elem/s' };
    case 'binary':
      return { value: numel(w.a.shape) / seconds / 1e6, unit: 'M elem/s' };
    case 'sum0':
      return { value: numel(w.x.shape) / seconds / 1e6, unit: 'M elem/s' };
    case 'cross-entropy':
      return { value: numel(w.logits.shape) / seconds / 1e6, unit: 'M elem/s' };
    case 'matmul':
      return { value: (2 * w.m * w.k * w.n) / seconds / 1e9, unit: 'GFLOP/s' };
    case 'conv2d': {
      // 2 · (multiply-adds of the forward) for each of y, dx and dweight.
      const [n, , h, wd] = w.dy.shape;
      const [o, c, kh, kw] = w.weight.shape;
      return { value: (3 * 2 * n * h * wd * o * c * kh * kw) / seconds / 1e9, unit: 'GFLOP/s' };
    }
    case 'mnist-epoch':
    case 'cnn-epoch':
      return { value: 8000 / seconds, unit: 'samples/s' };
  }
}

/** Largest tolerated deviation from the tapegrad reference, relative to the probe group's scale. */
export function tolerance(w: Workload, group: string): number {
  if (isEpoch(w)) return group === 'firstLoss' ? 1e-4 : 0.05;
  return w.dtype === 'float32' ? 2e-3 : 1e-8;
}
