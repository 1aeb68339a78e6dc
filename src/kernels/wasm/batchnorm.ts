/**
 * The BatchNorm kernels of `batchnorm.wat`: the same arithmetic, in the same order, as the
 * TypeScript kernels of `../batchnorm.ts`, so their results are bit-identical (see the .wat header).
 *
 * A call copies its operands into the module's memory, runs, and copies the result out: the
 * forward copies x in once (statistics and normalisation in one call) and y out, written over x;
 * the backward copies x and dy in and dx out, written over dy. Per-channel vectors (C float64
 * values each) sit in front of the tensors.
 */
import type { FloatStorage } from '../../tensor/dtype.js';
import { BATCHNORM_WASM } from './generated.js';
import { instantiate, reserve, type WasmMemory } from './index.js';

interface BatchNormExports {
  memory: WasmMemory;
  forward: (
    f32: number,
    x: number,
    y: number,
    n: number,
    c: number,
    l: number,
    mean: number,
    invstd: number,
    sumSq: number,
    tmp: number,
    w: number,
    b: number,
    eps: number,
    batch: number,
  ) => void;
  backward: (
    f32: number,
    x: number,
    dy: number,
    dx: number,
    n: number,
    c: number,
    l: number,
    mean: number,
    invstd: number,
    w: number,
    dbias: number,
    dweight: number,
    mdy: number,
    mdyx: number,
    batch: number,
    needDx: number,
  ) => void;
}

let module: BatchNormExports | null = null;

function exports(): BatchNormExports {
  module ??= instantiate<BatchNormExports>(BATCHNORM_WASM, 'batchnorm.wasm', [
    'forward',
    'backward',
  ]);
  return module;
}

/** Offsets are kept below 2³¹ so that they pass through i32 unchanged; larger calls fall back. */
const MAX_BYTES = 2 ** 31;

const align16 = (bytes: number): number => Math.ceil(bytes / 16) * 16;

/**
 * The module's memory, grown to at least `bytes`, or null when that is beyond {@link MAX_BYTES} or
 * the engine refuses to grow it (the caller then runs the reference kernels).
 */
function memory(bytes: number): ArrayBufferLike | null {
  if (bytes > MAX_BYTES) return null;
  const wasm = exports();
  try {
    reserve(wasm.memory, bytes);
  } catch (e) {
    if (e instanceof RangeError) return null;
    throw e;
  }
  return wasm.memory.buffer;
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
  const [mean, invstd, sumSq, tmp, w, b, data] = [0, 1, 2, 3, 4, 5, 6].map((k) => k * stride);
  const buffer = memory(data + x.length * x.BYTES_PER_ELEMENT);
  if (buffer === null) return null;
  view(buffer, x, data, x.length).set(x);
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
  exports().forward(f32, data, data, n, c, l, mean, invstd, sumSq, tmp, w, b, eps, batch);
  y.set(view(buffer, x, data, x.length));
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
  const [meanAt, invstdAt, w, dbias, dweight, mdy, mdyx, xAt] = [0, 1, 2, 3, 4, 5, 6, 7].map(
    (k) => k * stride,
  );
  const dyAt = xAt + align16(x.length * x.BYTES_PER_ELEMENT);
  const buffer = memory(dyAt + dy.length * dy.BYTES_PER_ELEMENT);
  if (buffer === null) return null;
  view(buffer, x, xAt, x.length).set(x);
  view(buffer, dy, dyAt, dy.length).set(dy);
  channels(buffer, meanAt, c).set(mean);
  channels(buffer, invstdAt, c).set(invstd);
  const wv = channels(buffer, w, c);
  if (weight === null) wv.fill(1);
  else wv.set(weight);
  const f32 = x instanceof Float32Array ? 1 : 0;
  exports().backward(
    f32,
    xAt,
    dyAt,
    dyAt,
    n,
    c,
    l,
    meanAt,
    invstdAt,
    w,
    dbias,
    dweight,
    mdy,
    mdyx,
    batchStats ? 1 : 0,
    dx === null ? 0 : 1,
  );
  if (dx !== null) dx.set(view(buffer, dy, dyAt, dy.length));
  return {
    dweight: channels(buffer, dweight, c).slice(),
    dbias: channels(buffer, dbias, c).slice(),
  };
}
