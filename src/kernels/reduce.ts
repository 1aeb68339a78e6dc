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

/**
 * Sums over any set of dims of x, given as `sizes` of x's dims coalesced into groups (adjacent
 * dims reduced alike merged, dims of size 1 dropped) with `reduced` saying which groups are
 * summed: the layouts `sumKernel` does not take, such as [N, C, L] summed over N and L, with no
 * copy of x. The innermost group is walked contiguously: a reduced one is summed along its run
 * first (in order, in float64), and each run's sum is added to its output; a kept one adds rows
 * into the output, as `sumKernel` does. Outputs accumulate in float64 in x's order and are
 * rounded once; for a contiguous block of reduced dims the sums are `sumKernel`'s.
 */
export function sumGroupsKernel(
  out: Storage,
  x: Storage,
  sizes: readonly number[],
  reduced: readonly boolean[],
): void {
  const last = sizes.length - 1;
  if (last < 0) {
    out[0] = x[0];
    return;
  }
  const inner = sizes[last];
  const innerReduced = reduced[last];
  // Each outer group's step in the output (0 for a reduced group).
  const step = new Array<number>(last).fill(0);
  let s = innerReduced ? 1 : inner;
  for (let g = last - 1; g >= 0; g--) {
    if (!reduced[g]) {
      step[g] = s;
      s *= sizes[g];
    }
  }
  const acc = new Float64Array(out.length);
  const idx = new Array<number>(last).fill(0);
  const runs = inner === 0 ? 0 : x.length / inner;
  const sums = innerReduced ? runSums(x, runs, inner) : null;
  let oi = 0;
  for (let r = 0, base = 0; r < runs; r++, base += inner) {
    if (sums !== null) acc[oi] += sums[r];
    else for (let j = 0; j < inner; j++) acc[oi + j] += x[base + j];
    for (let g = last - 1; g >= 0; g--) {
      idx[g]++;
      oi += step[g];
      if (idx[g] < sizes[g]) break;
      oi -= step[g] * sizes[g];
      idx[g] = 0;
    }
  }
  out.set(acc);
}

/**
 * The sum of each run of `len` consecutive elements, in order from its first, in float64. Four
 * runs at a time: their sums are independent chains of additions, which the CPU overlaps.
 */
function runSums(x: Storage, runs: number, len: number): Float64Array {
  const sums = new Float64Array(runs);
  let r = 0;
  for (; r + 4 <= runs; r += 4) {
    const b0 = r * len;
    const b1 = b0 + len;
    const b2 = b1 + len;
    const b3 = b2 + len;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let j = 0; j < len; j++) {
      s0 += x[b0 + j];
      s1 += x[b1 + j];
      s2 += x[b2 + j];
      s3 += x[b3 + j];
    }
    sums[r] = s0;
    sums[r + 1] = s1;
    sums[r + 2] = s2;
    sums[r + 3] = s3;
  }
  for (; r < runs; r++) {
    let t = 0;
    for (let j = 0, b = r * len; j < len; j++) t += x[b + j];
    sums[r] = t;
  }
  return sums;
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

/** Σ a[i]·b[i] in float64, in order. */
export function dotKernel(a: Storage, b: Storage): number {
  let acc = 0;
  for (let i = 0; i < a.length; i++) acc += a[i] * b[i];
  return acc;
}
