/**
 * The WebAssembly BatchNorm kernels against the plain TypeScript reference kernels. They evaluate
 * the same float64 expressions in the same order (per-channel sums included: [N, C] vectorises
 * across channels, [N, C, L] across rows, each sum still sequential), so every output must be
 * bit-identical: no tolerance, and ±0 told apart.
 */
import { fc, test } from '@fast-check/vitest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  batchNormBackwardKernel,
  batchNormForwardKernel,
  type ForwardStats,
} from '../src/kernels/batchnorm.js';
import {
  getNumThreads,
  kernelBackend,
  setKernelBackend,
  setNumThreads,
  workerChunks,
  type KernelBackend,
} from '../src/kernels/wasm/index.js';
import { BN_THREAD_MIN, batchNormThreads } from '../src/kernels/wasm/batchnorm.js';
import type { FloatStorage } from '../src/tensor/dtype.js';
import { uniform } from './helpers/random.js';

type Dtype = 'float32' | 'float64';

function storage(dtype: Dtype, values: number[]): FloatStorage {
  return dtype === 'float32' ? Float32Array.from(values) : Float64Array.from(values);
}

interface Case {
  dtype: Dtype;
  n: number;
  c: number;
  l: number;
  x: FloatStorage;
  dy: FloatStorage;
  weight: FloatStorage | null;
  bias: FloatStorage | null;
  constStats: { mean: Float64Array; invstd: Float64Array } | null;
  needDx: boolean;
  eps: number;
}

interface Outputs {
  stats: ForwardStats;
  y: FloatStorage;
  dx: FloatStorage | null;
  dweight: Float64Array;
  dbias: Float64Array;
}

function run(backend: KernelBackend, k: Case): Outputs {
  const previous = kernelBackend();
  setKernelBackend(backend);
  try {
    const size = k.n * k.c * k.l;
    const y = storage(k.dtype, new Array<number>(size).fill(0));
    const stats = batchNormForwardKernel(
      y,
      k.x,
      k.weight,
      k.bias,
      k.n,
      k.c,
      k.l,
      k.eps,
      k.constStats,
    );
    const dx = k.needDx ? storage(k.dtype, new Array<number>(size).fill(0)) : null;
    const g = batchNormBackwardKernel(
      dx,
      k.dy,
      k.x,
      stats.mean,
      stats.invstd,
      k.weight,
      k.n,
      k.c,
      k.l,
      k.constStats === null,
    );
    return { stats, y, dx: g.dx, dweight: g.dweight, dbias: g.dbias };
  } finally {
    setKernelBackend(previous);
  }
}

/** The first index where a and b differ as values (Object.is: ±0 differ, NaN equals NaN), or -1. */
function firstDifference(a: ArrayLike<number> | null, b: ArrayLike<number> | null): number {
  if (a === null || b === null) return a === b ? -1 : 0;
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

function expectIdentical(k: Case): void {
  const ref = run('reference', k);
  const wasm = run('wasm', k);
  expect(firstDifference(wasm.stats.mean, ref.stats.mean), 'mean').toBe(-1);
  expect(firstDifference(wasm.stats.invstd, ref.stats.invstd), 'invstd').toBe(-1);
  expect(firstDifference(wasm.stats.sumSq, ref.stats.sumSq), 'sumSq').toBe(-1);
  expect(firstDifference(wasm.y, ref.y), 'y').toBe(-1);
  expect(firstDifference(wasm.dx, ref.dx), 'dx').toBe(-1);
  expect(firstDifference(wasm.dweight, ref.dweight), 'dweight').toBe(-1);
  expect(firstDifference(wasm.dbias, ref.dbias), 'dbias').toBe(-1);
}

interface Draw {
  dtype: Dtype;
  n: number;
  c: number;
  l: number;
  offset: number;
  spread: number;
  affine: boolean;
  batch: boolean;
  needDx: boolean;
  seed: number;
}

/** Random data from the drawn parameters: x around `offset`, dy, weight, bias, running stats. */
function makeCase(d: Draw): Case {
  const rand = uniform(d.seed);
  const size = d.n * d.c * d.l;
  const values = (count: number, centre: number, scale: number): number[] =>
    Array.from({ length: count }, () => centre + scale * (rand() - 0.5));
  return {
    dtype: d.dtype,
    n: d.n,
    c: d.c,
    l: d.l,
    x: storage(d.dtype, values(size, d.offset, d.spread)),
    dy: storage(d.dtype, values(size, 0, 2)),
    weight: d.affine ? storage(d.dtype, values(d.c, 1, 1)) : null,
    bias: d.affine ? storage(d.dtype, values(d.c, 0, 1)) : null,
    constStats: d.batch
      ? null
      : {
          mean: Float64Array.from(values(d.c, d.offset, d.spread)),
          invstd: Float64Array.from(values(d.c, 0, 1), (v) => 1 / Math.sqrt(v * v + 1e-5)),
        },
    needDx: d.needDx,
    eps: 1e-5,
  };
}

const draws = (lengths: fc.Arbitrary<number>): fc.Arbitrary<Draw> =>
  fc.record({
    dtype: fc.constantFrom<Dtype>('float32', 'float64'),
    n: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 9 })),
    // 1..19 channels: every remainder of the four-channel SIMD step.
    c: fc.integer({ min: 1, max: 19 }),
    l: lengths,
    offset: fc.constantFrom(0, -3, 1e5),
    spread: fc.constantFrom(1e-3, 1, 50),
    affine: fc.boolean(),
    batch: fc.boolean(),
    needDx: fc.boolean(),
    seed: fc.nat(),
  });

describe('the WebAssembly BatchNorm kernels', () => {
  afterEach(() => setKernelBackend('wasm'));

  test.prop([draws(fc.constant(1))])(
    'equal the reference kernels bit for bit on [N, C] inputs',
    (d) => {
      expectIdentical(makeCase(d));
    },
  );

  test.prop([draws(fc.integer({ min: 2, max: 13 }))])(
    'equal the reference kernels bit for bit on [N, C, L] inputs',
    (d) => {
      expectIdentical(makeCase(d));
    },
  );

  it('equal the reference kernels on inputs larger than the initial WebAssembly memory', () => {
    for (const [n, c, l] of [
      [301, 259, 1],
      [37, 19, 131],
    ]) {
      for (const dtype of ['float32', 'float64'] as const) {
        const d: Draw = {
          dtype,
          n,
          c,
          l,
          offset: 1e5,
          spread: 4,
          affine: true,
          batch: true,
          needDx: true,
          seed: n * c + l,
        };
        expectIdentical(makeCase(d));
        // A small call after a large one reuses the grown memory.
        expectIdentical(makeCase({ ...d, n: 2, c: 3, l }));
      }
    }
  });

  it('map a constant channel exactly to its bias, as the reference does', () => {
    for (const l of [1, 5]) {
      const k = makeCase({
        dtype: 'float32',
        n: 6,
        c: 5,
        l,
        offset: 0,
        spread: 1,
        affine: true,
        batch: true,
        needDx: true,
        seed: 7,
      });
      for (let i = 0; i < k.n; i++) k.x.fill(0.1, (i * k.c + 2) * k.l, (i * k.c + 3) * k.l);
      expectIdentical(k);
      const { y } = run('wasm', k);
      for (let i = 0; i < k.n; i++) {
        for (let j = 0; j < k.l; j++) expect(y[(i * k.c + 2) * k.l + j]).toBe(k.bias![2]);
      }
    }
  });
});

describe('the WebAssembly BatchNorm kernels on threads', () => {
  const initialThreads = getNumThreads();
  afterEach(() => setNumThreads(initialThreads));

  it('share a large [N, C] call by channels and still equal the reference bit for bit', async () => {
    // Odd channel counts (ranges of 4 with a short last one), both dtypes, with and without
    // batch statistics; each case is repeated until a worker has computed some of its channels.
    const workerTotal = (): number => workerChunks().reduce((x, y) => x + y, 0);
    for (const [n, c] of [
      [Math.ceil(BN_THREAD_MIN / 517), 517],
      [Math.ceil(BN_THREAD_MIN / 1030) + 3, 1030],
    ]) {
      setNumThreads(2);
      await vi.waitFor(() => expect(batchNormThreads(n, c, 1)).toBe(2), {
        timeout: 20_000,
        interval: 20,
      });
      expect(batchNormThreads(n, c, 3)).toBe(1); // [N, C, L] stays on one thread
      for (const dtype of ['float32', 'float64'] as const) {
        for (const batch of [true, false]) {
          let shared = false;
          for (let i = 0; i < 50 && !shared; i++) {
            const before = workerTotal();
            const d: Draw = {
              dtype,
              n,
              c,
              l: 1,
              offset: 3,
              spread: 2,
              affine: true,
              batch,
              needDx: true,
              seed: n + c + i,
            };
            expectIdentical(makeCase(d));
            shared = workerTotal() > before;
          }
          expect(shared, `${n}×${c} ${dtype} batch=${batch}`).toBe(true);
        }
      }
    }
  });
});
