/**
 * Per-sample normalisation kernels, shared by LayerNorm and GroupNorm: x is viewed as
 * `[outer, G, K, L]`, statistics are taken per (outer, g) over its K·L values, and the affine
 * parameters are indexed by (g, k), so they have G·K entries and repeat along L.
 *
 *   GroupNorm over (N, C, *):    outer = N, G = groups, K = C/G, L = ∏ trailing dims
 *   LayerNorm over [*, D…]:      outer = ∏ leading dims, G = 1, K = ∏ normalized dims, L = 1
 *
 * As in the BatchNorm kernels, statistics and every per-element expression are evaluated in
 * float64 whatever the storage type, by the corrected two-pass algorithm (mean₀ + Σ(x − mean₀)/M,
 * Σ(x − mean)² = Σd² − (Σd)²/M), so a float32 input at an offset of 1e4 is normalised as
 * accurately as its float64 copy, and a constant group gives exactly the bias.
 *
 * Every sum runs in a fixed order that two-lane SIMD can follow: over the contiguous values it adds,
 * two interleaved accumulators (even and odd positions, an odd last value added to the even one),
 * added together at the end. The WebAssembly kernels of `wasm/groupnorm.wat` evaluate the same
 * operations in the same order, so the two backends agree bit for bit.
 */
import type { FloatStorage } from '../tensor/dtype.js';
import { groupNormBackwardWasm, groupNormForwardWasm } from './wasm/groupnorm.js';
import { kernelBackend } from './backend.js';

/** The `[outer, G, K, L]` view of the input. */
export interface GroupLayout {
  outer: number;
  groups: number;
  k: number;
  l: number;
}

export interface GroupStats {
  /** Per (outer, g), row-major: outer·G values. */
  mean: Float64Array;
  invstd: Float64Array;
}

/** Statistics per (outer, g) and y = (x − mean)·invstd·w + b (w = 1, b = 0 when absent). */
export function groupNormForwardKernel(
  y: FloatStorage,
  x: FloatStorage,
  weight: FloatStorage | null,
  bias: FloatStorage | null,
  layout: GroupLayout,
  eps: number,
): GroupStats {
  if (kernelBackend() === 'wasm') {
    const r = groupNormForwardWasm(y, x, weight, bias, layout, eps);
    if (r !== null) return r;
  }
  const { outer, groups, k, l } = layout;
  const rows = outer * groups;
  const m = k * l;
  const mean = new Float64Array(rows);
  const invstd = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const base = r * m;
    let s0 = 0;
    let s1 = 0;
    let j = 0;
    for (; j + 1 < m; j += 2) {
      s0 += x[base + j];
      s1 += x[base + j + 1];
    }
    if (j < m) s0 += x[base + j];
    const mu0 = (s0 + s1) / m;
    let d0 = 0;
    let d1 = 0;
    let q0 = 0;
    let q1 = 0;
    for (j = 0; j + 1 < m; j += 2) {
      const a = x[base + j] - mu0;
      const b = x[base + j + 1] - mu0;
      d0 += a;
      d1 += b;
      q0 += a * a;
      q1 += b * b;
    }
    if (j < m) {
      const a = x[base + j] - mu0;
      d0 += a;
      q0 += a * a;
    }
    const sd = d0 + d1;
    const sd2 = q0 + q1;
    const mu = mu0 + sd / m;
    const is = 1 / Math.sqrt(Math.max(0, sd2 - (sd * sd) / m) / m + eps);
    mean[r] = mu;
    invstd[r] = is;
    const g = r % groups;
    for (let kk = 0; kk < k; kk++) {
      const ch = g * k + kk;
      const scale = weight === null ? is : is * weight[ch];
      const shift = bias === null ? 0 : bias[ch];
      const at = base + kk * l;
      for (let i = 0; i < l; i++) y[at + i] = (x[at + i] - mu) * scale + shift;
    }
  }
  return { mean, invstd };
}

export interface GroupNormGrads {
  /** Σ dy·x̂ per affine entry (G·K values). */
  dweight: Float64Array;
  /** Σ dy per affine entry. */
  dbias: Float64Array;
}

/**
 * The closed-form backward. With x̂ = (x − mean)·invstd and ĝ = dy·w, over the M = K·L values of
 * a group: dx = invstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)); dweight = Σ dy·x̂ and dbias = Σ dy, summed
 * over outer and L.
 */
export function groupNormBackwardKernel(
  dx: FloatStorage | null,
  dy: FloatStorage,
  x: FloatStorage,
  stats: GroupStats,
  weight: FloatStorage | null,
  layout: GroupLayout,
): GroupNormGrads {
  if (kernelBackend() === 'wasm') {
    const r = groupNormBackwardWasm(dx, dy, x, stats, weight, layout);
    if (r !== null) return r;
  }
  const { outer, groups, k, l } = layout;
  const rows = outer * groups;
  const m = k * l;
  const dweight = new Float64Array(groups * k);
  const dbias = new Float64Array(groups * k);
  for (let r = 0; r < rows; r++) {
    const base = r * m;
    const mu = stats.mean[r];
    const is = stats.invstd[r];
    const g = r % groups;
    // Σĝ and Σĝ·x̂ over the group, ĝ = dy·w.
    let sg: number;
    let sgx: number;
    if (l === 1) {
      // One value per affine entry (LayerNorm): the pairs run over the entries.
      let g0 = 0;
      let g1 = 0;
      let gx0 = 0;
      let gx1 = 0;
      let j = 0;
      for (; j + 1 < k; j += 2) {
        const ch = g * k + j;
        const da = dy[base + j];
        const db = dy[base + j + 1];
        const ta = da * (x[base + j] - mu) * is;
        const tb = db * (x[base + j + 1] - mu) * is;
        dbias[ch] += da;
        dbias[ch + 1] += db;
        dweight[ch] += ta;
        dweight[ch + 1] += tb;
        const wa = weight === null ? 1 : weight[ch];
        const wb = weight === null ? 1 : weight[ch + 1];
        g0 += wa * da;
        g1 += wb * db;
        gx0 += wa * ta;
        gx1 += wb * tb;
      }
      if (j < k) {
        const ch = g * k + j;
        const da = dy[base + j];
        const ta = da * (x[base + j] - mu) * is;
        dbias[ch] += da;
        dweight[ch] += ta;
        const wa = weight === null ? 1 : weight[ch];
        g0 += wa * da;
        gx0 += wa * ta;
      }
      sg = g0 + g1;
      sgx = gx0 + gx1;
    } else {
      sg = 0;
      sgx = 0;
      for (let kk = 0; kk < k; kk++) {
        const ch = g * k + kk;
        const at = base + kk * l;
        let a0 = 0;
        let a1 = 0;
        let b0 = 0;
        let b1 = 0;
        let i = 0;
        for (; i + 1 < l; i += 2) {
          const da = dy[at + i];
          const db = dy[at + i + 1];
          a0 += da;
          a1 += db;
          b0 += da * (x[at + i] - mu) * is;
          b1 += db * (x[at + i + 1] - mu) * is;
        }
        if (i < l) {
          const da = dy[at + i];
          a0 += da;
          b0 += da * (x[at + i] - mu) * is;
        }
        const sdy = a0 + a1;
        const sdyx = b0 + b1;
        dbias[ch] += sdy;
        dweight[ch] += sdyx;
        const w = weight === null ? 1 : weight[ch];
        sg += w * sdy;
        sgx += w * sdyx;
      }
    }
    if (dx === null) continue;
    const meanG = sg / m;
    const meanGx = sgx / m;
    for (let kk = 0; kk < k; kk++) {
      const ch = g * k + kk;
      const w = weight === null ? 1 : weight[ch];
      const at = base + kk * l;
      for (let i = 0; i < l; i++) {
        const xhat = (x[at + i] - mu) * is;
        dx[at + i] = is * (w * dy[at + i] - meanG - xhat * meanGx);
      }
    }
  }
  return { dweight, dbias };
}
