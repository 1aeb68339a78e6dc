/**
 * The BatchNorm kernels of `batchnorm.wat`: the same arithmetic, in the same order, as the
 * TypeScript kernels of `../batchnorm.ts`, so their results are bit-identical (see the .wat header).
 *
 * A call copies its operands into the kernels' memory, runs, and copies the result out: the
 * forward copies x in once (statistics and normalisation in one call) and y out, written over x;
 * the backward copies x and dy in and dx out, written over dy. Per-channel vectors (C float64
 * values each) sit in front of the tensors. The memory is the one the matmul shares with its
 * worker threads: a large [N, C] call is cut into ranges of channels that the threads share
 * (channels are independent, so the result is the same whoever computes them).
 */
import type { FloatStorage } from '../../tensor/dtype.js';
import {
  chunkSize,
  getNumThreads,
  JOB_BN_BACKWARD,
  JOB_BN_FORWARD,
  reserve,
  runJob,
  sharedKernels,
  threadsReady,
} from './index.js';

type Kernel = (...args: number[]) => void;

interface BatchNormExports {
  /** (ld, f32, x, y, n, c, l, mean, invstd, sumSq, tmp, w, b, eps, batch) */
  forward: Kernel;
  /** (ld, f32, x, dy, dx, n, c, l, mean, invstd, w, dbias, dweight, mdy, mdyx, batch, needDx) */
  backward: Kernel;
}

function exports(): BatchNormExports {
  const { bn } = sharedKernels();
  const { forward, backward } = bn;
  if (typeof forward !== 'function' || typeof backward !== 'function') {
    throw new Error('batchnorm.wasm: unexpected exports');
  }
  return { forward: forward as Kernel, backward: backward as Kernel };
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

const align16 = (bytes: number): number => Math.ceil(bytes / 16) * 16;

/**
 * The kernels' shared memory with `bytes` free from `base` on, or null when `reserve` cannot
 * provide them (the caller then runs the reference kernels).
 */
function memory(bytes: number): { buffer: ArrayBufferLike; base: number } | null {
  const { memory: mem, base } = sharedKernels();
  return reserve(mem, base + bytes) ? { buffer: mem.buffer, base } : null;
}

function view(
  buffer: ArrayBufferLike,
  like: FloatStorage,
  offset: number,
  length: number,
): FloatStorage {
  return like instanceof Float32Array
    ? new Float32Array(buffer, offset, length)
    : new Float64Array(buffer, offset, length);
}

function channels(buffer: ArrayBufferLike, offset: number, c: number): Float64Array {
  return new Float64Array(buffer, offset, c);
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
  const stride = align16(8 * c);
  const data = 6 * stride;
  const mem = memory(data + x.length * x.BYTES_PER_ELEMENT);
  if (mem === null) return null;
  const { buffer, base } = mem;
  const [mean, invstd, sumSq, tmp, w, b, at] = [0, 1, 2, 3, 4, 5, 6].map((k) => base + k * stride);
  view(buffer, x, at, x.length).set(x);
  if (constStats !== null) {
    channels(buffer, mean, c).set(constStats.mean);
    channels(buffer, invstd, c).set(constStats.invstd);
  }
  const wv = channels(buffer, w, c);
  if (weight === null) wv.fill(1);
  else wv.set(weight);
  const bv = channels(buffer, b, c);
  if (bias === null) bv.fill(0);
  else bv.set(bias);
  const f32 = x instanceof Float32Array ? 1 : 0;
  const batch = constStats === null ? 1 : 0;
  const threads = batchNormThreads(n, c, l);
  if (threads > 1) {
    const args = [f32, at, at, n, mean, invstd, sumSq, tmp, w, b, batch];
    channelJob(JOB_BN_FORWARD, threads, c, args, eps);
  } else {
    exports().forward(c, f32, at, at, n, c, l, mean, invstd, sumSq, tmp, w, b, eps, batch);
  }
  y.set(view(buffer, x, at, x.length));
  if (constStats !== null) return { ...constStats, sumSq: null };
  return {
    mean: channels(buffer, mean, c).slice(),
    invstd: channels(buffer, invstd, c).slice(),
    sumSq: channels(buffer, sumSq, c).slice(),
  };
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
  const stride = align16(8 * c);
  const xBytes = align16(x.length * x.BYTES_PER_ELEMENT);
  const mem = memory(7 * stride + xBytes + dy.length * dy.BYTES_PER_ELEMENT);
  if (mem === null) return null;
  const { buffer, base } = mem;
  const [meanAt, invstdAt, w, dbias, dweight, mdy, mdyx, xAt] = [0, 1, 2, 3, 4, 5, 6, 7].map(
    (k) => base + k * stride,
  );
  const dyAt = xAt + xBytes;
  view(buffer, x, xAt, x.length).set(x);
  view(buffer, dy, dyAt, dy.length).set(dy);
  channels(buffer, meanAt, c).set(mean);
  channels(buffer, invstdAt, c).set(invstd);
  const wv = channels(buffer, w, c);
  if (weight === null) wv.fill(1);
  else wv.set(weight);
  const f32 = x instanceof Float32Array ? 1 : 0;
  const args = [f32, xAt, dyAt, dyAt, n];
  const perChannel = [meanAt, invstdAt, w, dbias, dweight, mdy, mdyx];
  const flags = [batchStats ? 1 : 0, dx === null ? 0 : 1];
  const threads = batchNormThreads(n, c, l);
  if (threads > 1) {
    channelJob(JOB_BN_BACKWARD, threads, c, [...args, ...perChannel, ...flags], 0);
  } else {
    exports().backward(c, ...args, c, l, ...perChannel, ...flags);
  }
  if (dx !== null) dx.set(view(buffer, dy, dyAt, dy.length));
  return {
    dweight: channels(buffer, dweight, c).slice(),
    dbias: channels(buffer, dbias, c).slice(),
  };
}
