/**
 * The BatchNorm kernels of `batchnorm.wat`: the same arithmetic, in the same order, as the
 * TypeScript kernels of `../batchnorm.ts`, so their results are bit-identical (see the .wat header).
 *
 * They run on the tensor memory: x, y, dy and dx are read and written where they are (the
 * forward computes statistics and normalisation in one call), and the per-channel vectors (C
 * float64 values each) take scratch blocks from the pool. A large [N, C] call is cut into ranges
 * of channels that the worker threads share (channels are independent, so the result is the
 * same whoever computes them).
 */
import { heap } from '../../storage/memory.js';
import type { FloatStorage } from '../../tensor/dtype.js';
import { kernelModule, stage } from './instance.js';
import {
  batchnormModule,
  chunkSize,
  getNumThreads,
  JOB_BN_BACKWARD,
  JOB_BN_FORWARD,
  runJob,
  threadsReady,
} from './threads.js';

type Kernel = (...args: number[]) => void;

interface BatchNormExports {
  /** (ld, f32, x, y, n, c, l, mean, invstd, sumSq, tmp, w, b, eps, batch) */
  forward: Kernel;
  /** (ld, f32, x, dy, dx, n, c, l, mean, invstd, w, dbias, dweight, mdy, mdyx, batch, needDx) */
  backward: Kernel;
}

let bn: BatchNormExports | null = null;

function exports(): BatchNormExports {
  bn ??= kernelModule(batchnormModule(), 'batchnorm.wasm', ['forward', 'backward']);
  return bn;
}

/**
 * From this many elements an [N, C] call is shared between threads: a 64×256 layer (16 K) stays
 * on one. The kernels are bound by memory bandwidth, so two threads gain little: about 1.2× on
 * the kernels of 4096×1024 (`TAPEGRAD_NUM_THREADS=1` against 2 with `bench/batchnorm-kernels.ts`),
 * within the noise through the API, where copying and allocating dominate (`npm run bench`).
 */
export const BN_THREAD_MIN = 1 << 18;

/** How many threads a BatchNorm over [n, c, l] would use now. */
export function batchNormThreads(n: number, c: number, l: number): number {
  if (l !== 1 || n * c < BN_THREAD_MIN) return 1;
  return threadsReady(Math.min(getNumThreads(), Math.ceil(c / 4)));
}

/**
 * Runs `kind` over the channels in ranges of a multiple of four channels, two ranges per thread:
 * smaller ranges (rows of a few cache lines, 4 KiB apart) measured slower.
 */
function channelJob(kind: number, threads: number, c: number, args: number[], eps: number): void {
  const per = chunkSize(c, threads, 4, 2);
  const padded = [...args];
  while (padded.length < 14) padded.push(0);
  runJob(kind, [...padded, c, per], eps, Math.ceil(c / per), threads);
}

function channels(offset: number, c: number): Float64Array {
  return new Float64Array(heap(), offset, c);
}

export interface ForwardResult {
  mean: Float64Array;
  invstd: Float64Array;
  /** Σ(x − mean)² per channel, or null under constant statistics. */
  sumSq: Float64Array | null;
}

/**
 * BatchNorm forward into `y`: batch statistics from x (constStats null) or the given ones, then
 * y = (x − mean)·invstd·w + b. Null when the operands do not fit the module's memory
 * or their storage types differ (the caller then runs the reference kernels).
 */
export function batchNormForwardWasm(
  y: FloatStorage,
  x: FloatStorage,
  weight: FloatStorage | null,
  bias: FloatStorage | null,
  n: number,
  c: number,
  l: number,
  eps: number,
  constStats: { mean: Float64Array; invstd: Float64Array } | null,
): ForwardResult | null {
  if (x.constructor !== y.constructor) return null;
  const s = stage(
    [{ data: x }, { data: y, out: true }],
    [8 * c, 8 * c, 8 * c, 8 * c, 8 * c, 8 * c],
  );
  if (s === null) return null;
  const [xAt, yAt] = s.at;
  const [mean, invstd, sumSq, tmp, w, b] = s.scratch;
  if (constStats !== null) {
    channels(mean, c).set(constStats.mean);
    channels(invstd, c).set(constStats.invstd);
  }
  const wv = channels(w, c);
  if (weight === null) wv.fill(1);
  else wv.set(weight);
  const bv = channels(b, c);
  if (bias === null) bv.fill(0);
  else bv.set(bias);
  const f32 = x instanceof Float32Array ? 1 : 0;
  const batch = constStats === null ? 1 : 0;
  const threads = batchNormThreads(n, c, l);
  if (threads > 1) {
    const args = [f32, xAt, yAt, n, mean, invstd, sumSq, tmp, w, b, batch];
    channelJob(JOB_BN_FORWARD, threads, c, args, eps);
  } else {
    exports().forward(c, f32, xAt, yAt, n, c, l, mean, invstd, sumSq, tmp, w, b, eps, batch);
  }
  const result =
    constStats !== null
      ? { ...constStats, sumSq: null }
      : {
          mean: channels(mean, c).slice(),
          invstd: channels(invstd, c).slice(),
          sumSq: channels(sumSq, c).slice(),
        };
  s.done();
  return result;
}

/**
 * BatchNorm backward: dbias = Σ dy, dweight = Σ dy·x̂ and, when `dx` is given, dx by the closed
 * form of `batchNormBackwardKernel`. Null when the operands do not fit the module's memory
 * or their storage types differ (the caller then runs the reference kernels).
 */
export function batchNormBackwardWasm(
  dx: FloatStorage | null,
  dy: FloatStorage,
  x: FloatStorage,
  mean: Float64Array,
  invstd: Float64Array,
  weight: FloatStorage | null,
  n: number,
  c: number,
  l: number,
  batchStats: boolean,
): { dweight: Float64Array; dbias: Float64Array } | null {
  if (x.constructor !== dy.constructor || (dx !== null && dx.constructor !== dy.constructor)) {
    return null;
  }
  const operands = [{ data: x }, { data: dy }, { data: dx ?? dy, out: dx !== null }];
  const s = stage(operands, [8 * c, 8 * c, 8 * c, 8 * c, 8 * c, 8 * c, 8 * c]);
  if (s === null) return null;
  const [xAt, dyAt, dxAt] = s.at;
  const [meanAt, invstdAt, w, dbias, dweight, mdy, mdyx] = s.scratch;
  channels(meanAt, c).set(mean);
  channels(invstdAt, c).set(invstd);
  const wv = channels(w, c);
  if (weight === null) wv.fill(1);
  else wv.set(weight);
  const f32 = x instanceof Float32Array ? 1 : 0;
  const args = [f32, xAt, dyAt, dxAt, n];
  const perChannel = [meanAt, invstdAt, w, dbias, dweight, mdy, mdyx];
  const flags = [batchStats ? 1 : 0, dx === null ? 0 : 1];
  const threads = batchNormThreads(n, c, l);
  if (threads > 1) {
    channelJob(JOB_BN_BACKWARD, threads, c, [...args, ...perChannel, ...flags], 0);
  } else {
    exports().backward(c, ...args, c, l, ...perChannel, ...flags);
  }
  const result = { dweight: channels(dweight, c).slice(), dbias: channels(dbias, c).slice() };
  s.done();
  return result;
}
