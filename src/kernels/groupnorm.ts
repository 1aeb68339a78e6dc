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
 */
import type { FloatStorage } from '../tensor/dtype.js';

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
  { outer, groups, k, l }: GroupLayout,
  eps: number,
): GroupStats {
  const rows = outer * groups;
  const m = k * l;
  const mean = new Float64Array(rows);
  const invstd = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const base = r * m;
    let s = 0;
    for (let j = 0; j < m; j++) s += x[base + j];
    const mu0 = s / m;
    let sd = 0;
    let sd2 = 0;
    for (let j = 0; j < m; j++) {
      const d = x[base + j] - mu0;
      sd += d;
      sd2 += d * d;
    }
    const mu = mu0 + sd / m;
    const variance = Math.max(0, sd2 - (sd * sd) / m) / m;
    const is = 1 / Math.sqrt(variance + eps);
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
  { outer, groups, k, l }: GroupLayout,
): GroupNormGrads {
  const rows = outer * groups;
  const m = k * l;
  const dweight = new Float64Array(groups * k);
  const dbias = new Float64Array(groups * k);
  for (let r = 0; r < rows; r++) {
    const base = r * m;
    const mu = stats.mean[r];
    const is = stats.invstd[r];
    const g = r % groups;
    let sg = 0;
    let sgx = 0;
    for (let kk = 0; kk < k; kk++) {
      const ch = g * k + kk;
      const w = weight === null ? 1 : weight[ch];
      const at = base + kk * l;
      let sdy = 0;
      let sdyx = 0;
      for (let i = 0; i < l; i++) {
        const d = dy[at + i];
        sdy += d;
        sdyx += d * (x[at + i] - mu) * is;
      }
      dbias[ch] += sdy;
      dweight[ch] += sdyx;
      sg += w * sdy;
      sgx += w * sdyx;
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
