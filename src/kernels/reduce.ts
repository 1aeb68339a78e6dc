/**
 * Reductions over a contiguous block of dimensions, seen as `[outer, r, inner]`:
 * `out[o, i] = reduce_k x[o, k, i]`. With `inner > 1` (e.g. a sum over dim 0 of a matrix)
 * the work goes row by row, so the inner loop is contiguous; sums accumulate in float64.
 */
import type { FloatStorage, Storage } from '../tensor/dtype.js';
import { colsumWasm } from './wasm/elementwise.js';
import { kernelBackend } from './backend.js';

/** From this many elements a float sum over leading dims runs in WebAssembly (same sums). */
const WASM_MIN_SUM = 2048;

export function sumKernel(out: Storage, x: Storage, outer: number, r: number, inner: number): void {
  if (r === 0) {
    out.fill(0);
    return;
  }
  if (inner === 1) {
    for (let o = 0; o < outer; o++) {
      let acc = 0;
      const base = o * r;
      for (let k = 0; k < r; k++) acc += x[base + k];
      out[o] = acc;
    }
    return;
  }
  if (
    x.length >= WASM_MIN_SUM &&
    kernelBackend() === 'wasm' &&
    ((x instanceof Float32Array && out instanceof Float32Array) ||
      (x instanceof Float64Array && out instanceof Float64Array)) &&
    colsumWasm(out, x, outer, r, inner)
  ) {
    return;
  }
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    acc.fill(0);
    for (let k = 0; k < r; k++) {
      const base = (o * r + k) * inner;
      for (let i = 0; i < inner; i++) acc[i] += x[base + i];
    }
    out.set(acc, o * inner);
  }
}

/** `out[i] /= count`: a sum made a mean. */
export function divideKernel(out: FloatStorage, count: number): void {
  for (let i = 0; i < out.length; i++) out[i] /= count;
}

/**
 * Max (sign = 1) or min (sign = -1) with the index of the first extreme value; a NaN wins and
 * propagates, as in PyTorch.
 */
export function argExtremeKernel(
  values: FloatStorage,
  indices: Int32Array,
  x: FloatStorage,
  outer: number,
  r: number,
  inner: number,
  sign: 1 | -1,
): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * r * inner + i;
      let best = x[base];
      let bestK = 0;
      if (best === best) {
        for (let k = 1; k < r; k++) {
          const v = x[base + k * inner];
          if (v !== v) {
            best = v;
            bestK = k;
            break;
          }
          if (sign * v > sign * best) {
            best = v;
            bestK = k;
          }
        }
      }
      values[o * inner + i] = best;
      indices[o * inner + i] = bestK;
    }
  }
}
