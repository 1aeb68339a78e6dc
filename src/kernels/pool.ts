/**
 * Pooling kernels over planes: a batch of N·C contiguous planes of H×W elements (a 1-D pool is
 * the H = 1 case), evaluated as PyTorch's CPU kernels (aten/src/ATen/native/cpu/MaxPoolKernel.cpp,
 * AvgPoolKernel.cpp, AdaptiveAvgPoolKernel.cpp) evaluate them, window by window in row-major order.
 *
 * Max pooling keeps the first maximum of a window in that order (a later equal value does not
 * replace it) and any NaN replaces what is kept, so the last NaN of a window wins, as in PyTorch:
 * `if (val > maxval || isnan(val))`. Its indices are offsets within the plane, h·W + w.
 *
 * Average pooling takes its windows as per-row and per-column ranges ({@link AvgWindows}), which
 * serve `avg_pool` (padding, count_include_pad, divisor_override) and `adaptive_avg_pool` (bins
 * floor(i·In/Out) to ceil((i+1)·In/Out)) alike. Sums are float64 whatever the storage, each
 * result rounded once; the backward spreads g/divisor over the window, adding into dx in the
 * order of the outputs.
 */
import type { FloatStorage } from '../tensor/dtype.js';
import { kernelBackend } from './backend.js';
import { avgPoolWasm, maxPoolBackwardWasm, maxPoolForwardWasm } from './wasm/pool.js';
import type { WindowGeometry } from './window.js';

/** The shape of a pooling: planes of h×w in, oh×ow out, and the window's size, step and so on. */
export interface PoolGeometry extends WindowGeometry {
  /** N·C planes of h×w, pooled one by one. */
  readonly planes: number;
}

/**
 * PyTorch's `pooling_output_shape`: ⌊(in + 2·pad − dilation·(k − 1) − 1 (+ stride − 1 in ceil
 * mode)) / stride⌋ + 1, and in ceil mode one fewer when the last window would start past the
 * input and its left padding.
 */
export function poolOutputSize(
  size: number,
  k: number,
  pad: number,
  stride: number,
  dilation: number,
  ceilMode: boolean,
): number {
  const span = size + 2 * pad - dilation * (k - 1) - 1 + (ceilMode ? stride - 1 : 0);
  let out = Math.floor(span / stride) + 1;
  if (ceilMode && (out - 1) * stride >= size + pad) out--;
  return out;
}

/**
 * The windows of an average pooling along one dim: output i reads inputs start[i] ≤ j < end[i]
 * and counts extent[i] of them in its divisor (the product of a row's and a column's extents,
 * unless a divisor is given).
 */
export interface AxisWindows {
  readonly start: Int32Array;
  readonly end: Int32Array;
  readonly extent: Int32Array;
}

/** Rows and columns of an average pooling, and its divisor override (0: none). */
export interface AvgWindows {
  readonly rows: AxisWindows;
  readonly cols: AxisWindows;
  readonly divisor: number;
}

/** An average pooling: `planes` planes of h×w averaged over the given windows. */
export interface AvgPooling {
  readonly planes: number;
  readonly h: number;
  readonly w: number;
  readonly win: AvgWindows;
}

/**
 * `avg_pool` windows along a dim: [i·stride − pad, + k) cut at in + pad counts in the divisor
 * with `countIncludePad`; cut to the input it is what is read (and counted without).
 */
export function avgPoolAxis(
  size: number,
  out: number,
  k: number,
  stride: number,
  pad: number,
  countIncludePad: boolean,
): AxisWindows {
  const start = new Int32Array(out);
  const end = new Int32Array(out);
  const extent = new Int32Array(out);
  for (let i = 0; i < out; i++) {
    const s = i * stride - pad;
    const e = Math.min(s + k, size + pad);
    start[i] = Math.max(s, 0);
    end[i] = Math.min(e, size);
    extent[i] = countIncludePad ? e - s : end[i] - start[i];
  }
  return { start, end, extent };
}

/** Adaptive bins along a dim, as PyTorch: ⌊i·in/out⌋ ≤ j < ⌈(i + 1)·in/out⌉. */
export function adaptiveAxis(size: number, out: number): AxisWindows {
  const start = new Int32Array(out);
  const end = new Int32Array(out);
  const extent = new Int32Array(out);
  for (let i = 0; i < out; i++) {
    start[i] = Math.floor((i * size) / out);
    end[i] = Math.ceil(((i + 1) * size) / out);
    extent[i] = end[i] - start[i];
  }
  return { start, end, extent };
}

/** Max pooling of x into out, with each maximum's offset in its plane into idx. */
export function maxPoolForwardKernel(
  out: FloatStorage,
  idx: Int32Array,
  x: FloatStorage,
  g: PoolGeometry,
): void {
  if (kernelBackend() === 'wasm' && maxPoolForwardWasm(out, idx, x, g)) return;
  const { planes, h, w, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw } = g;
  const inSize = h * w;
  for (let p = 0; p < planes; p++) {
    const xb = p * inSize;
    let o = p * oh * ow;
    for (let oy = 0; oy < oh; oy++) {
      let y0 = oy * sh - ph;
      const y1 = Math.min(y0 + (kh - 1) * dh + 1, h);
      while (y0 < 0) y0 += dh;
      for (let ox = 0; ox < ow; ox++, o++) {
        let x0 = ox * sw - pw;
        const x1 = Math.min(x0 + (kw - 1) * dw + 1, w);
        while (x0 < 0) x0 += dw;
        let best = -Infinity;
        let at = y0 * w + x0;
        for (let y = y0; y < y1; y += dh) {
          for (let xx = x0; xx < x1; xx += dw) {
            const i = y * w + xx;
            const v = x[xb + i];
            if (v > best || v !== v) {
              best = v;
              at = i;
            }
          }
        }
        out[o] = best;
        idx[o] = at;
      }
    }
  }
}

/**
 * The max pooling's backward: dx zero but for g added at each output's index (several outputs
 * may share one input when windows overlap: added in output order).
 */
export function maxPoolBackwardKernel(
  dx: FloatStorage,
  dy: FloatStorage,
  idx: Int32Array,
  geom: PoolGeometry,
): void {
  if (kernelBackend() === 'wasm' && maxPoolBackwardWasm(dx, dy, idx, geom)) return;
  const { planes } = geom;
  const inSize = geom.h * geom.w;
  const outSize = geom.oh * geom.ow;
  dx.fill(0);
  for (let p = 0; p < planes; p++) {
    const xb = p * inSize;
    const ob = p * outSize;
    for (let o = 0; o < outSize; o++) {
      const i = idx[ob + o];
      // A window that only spans padding and dilation gaps has PyTorch's index past the plane
      // (its output is −∞): no input gets its gradient.
      if (i >= 0 && i < inSize) dx[xb + i] += dy[ob + o];
    }
  }
}

/**
 * The adjoint of {@link maxPoolBackwardKernel}: out = g at each output's index (0 for an index
 * past the plane). It runs only in second-order backward passes.
 */
export function maxPoolGatherKernel(
  out: FloatStorage,
  g: FloatStorage,
  idx: Int32Array,
  geom: PoolGeometry,
): void {
  const { planes } = geom;
  const inSize = geom.h * geom.w;
  const outSize = geom.oh * geom.ow;
  for (let p = 0; p < planes; p++) {
    const xb = p * inSize;
    const ob = p * outSize;
    for (let o = 0; o < outSize; o++) {
      const i = idx[ob + o];
      out[ob + o] = i >= 0 && i < inSize ? g[xb + i] : 0;
    }
  }
}

/**
 * Average pooling (see {@link AvgPooling}). Forward (a = x, b = out): each
 * output is its window's sum over the divisor. Backward (a = dx, b = dy): each g/divisor is added
 * over its window, in output order. One loop serves both, as avg_fwd and avg_bwd share theirs.
 */
export function avgPoolKernel(
  backward: boolean,
  a: FloatStorage,
  b: FloatStorage,
  pool: AvgPooling,
): void {
  if (kernelBackend() === 'wasm' && avgPoolWasm(backward, a, b, pool)) return;
  const { planes, h, w } = pool;
  const { rows, cols, divisor } = pool.win;
  const oh = rows.start.length;
  const ow = cols.start.length;
  if (backward) a.fill(0);
  for (let p = 0; p < planes; p++) {
    const ab = p * h * w;
    let o = p * oh * ow;
    for (let oy = 0; oy < oh; oy++) {
      const y0 = rows.start[oy];
      const y1 = rows.end[oy];
      for (let ox = 0; ox < ow; ox++, o++) {
        const x0 = cols.start[ox];
        const x1 = cols.end[ox];
        // A window wholly in the padding (possible in ceil mode) averages nothing: 0, as PyTorch.
        if (y0 >= y1 || x0 >= x1) {
          if (!backward) b[o] = 0;
          continue;
        }
        const d = divisor !== 0 ? divisor : rows.extent[oy] * cols.extent[ox];
        if (backward) {
          const v = b[o] / d;
          for (let y = y0; y < y1; y++) {
            const r = ab + y * w;
            for (let xx = x0; xx < x1; xx++) a[r + xx] += v;
          }
        } else {
          let s = 0;
          for (let y = y0; y < y1; y++) {
            const r = ab + y * w;
            for (let xx = x0; xx < x1; xx++) s += a[r + xx];
          }
          b[o] = s / d;
        }
      }
    }
  }
}
