/**
 * BatchNorm kernels over `[N, C, L]` (L = 1 for `[N, C]` inputs). Per-channel statistics and every
 * per-element expression are evaluated in float64, whatever the storage type, and the variance is
 * two-pass: Σ(x − mean)², never E[x²] − E[x]². Loops run row by row over the storage order
 * (n, c, l), accumulating into per-channel float64 arrays, so the inner loop is contiguous.
 */
import type { FloatStorage } from '../tensor/dtype.js';

export interface BatchStats {
  mean: Float64Array;
  /** Σ(x − mean)² per channel: /M gives the biased variance (to normalise), /(M − 1) the unbiased. */
  sumSq: Float64Array;
}

/**
 * Per-channel mean and sum of squared deviations by the corrected two-pass algorithm
 * (Chan, Golub & LeVeque): with d = x − mean₀, mean = mean₀ + Σd/M and Σ(x − mean)² = Σd² − (Σd)²/M.
 * The correction makes the mean of a constant channel exactly that constant, so its output is
 * exactly the bias.
 */
export function batchStatsKernel(x: FloatStorage, n: number, c: number, l: number): BatchStats {
  const m = n * l;
  const mean = new Float64Array(c);
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < c; ch++) {
      const base = (i * c + ch) * l;
      let s = 0;
      for (let k = 0; k < l; k++) s += x[base + k];
      mean[ch] += s;
    }
  }
  for (let ch = 0; ch < c; ch++) mean[ch] /= m;
  const sumD = new Float64Array(c);
  const sumSq = new Float64Array(c);
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < c; ch++) {
      const base = (i * c + ch) * l;
      const mu = mean[ch];
      let s = 0;
      let s2 = 0;
      for (let k = 0; k < l; k++) {
        const d = x[base + k] - mu;
        s += d;
        s2 += d * d;
      }
      sumD[ch] += s;
      sumSq[ch] += s2;
    }
  }
  for (let ch = 0; ch < c; ch++) {
    mean[ch] += sumD[ch] / m;
    sumSq[ch] = Math.max(0, sumSq[ch] - (sumD[ch] * sumD[ch]) / m);
  }
  return { mean, sumSq };
}

/** y = (x − mean)·invstd·w + b per channel (w = 1, b = 0 when absent). */
export function normalizeKernel(
  y: FloatStorage,
  x: FloatStorage,
  mean: Float64Array,
  invstd: Float64Array,
  weight: FloatStorage | null,
  bias: FloatStorage | null,
  n: number,
  c: number,
  l: number,
): void {
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < c; ch++) {
      const base = (i * c + ch) * l;
      const mu = mean[ch];
      const scale = weight === null ? invstd[ch] : invstd[ch] * weight[ch];
      const shift = bias === null ? 0 : bias[ch];
      for (let k = 0; k < l; k++) y[base + k] = (x[base + k] - mu) * scale + shift;
    }
  }
}

export interface BatchNormGrads {
  dx: FloatStorage | null;
  dweight: Float64Array;
  dbias: Float64Array;
}

/**
 * The closed-form backward. With x̂ = (x − mean)·invstd and ĝ = dy·w, over the M = N·L values of
 * a channel: dweight = Σ dy·x̂, dbias = Σ dy, and
 *   batch statistics:    dx = invstd/M · (M·ĝ − Σĝ − x̂·Σ(ĝ·x̂)) = w·invstd·(dy − mean(dy) − x̂·mean(dy·x̂))
 *   constant statistics: dx = ĝ·invstd.
 */
export function batchNormBackwardKernel(
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
): BatchNormGrads {
  const dbias = new Float64Array(c);
  const dweight = new Float64Array(c);
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < c; ch++) {
      const base = (i * c + ch) * l;
      const mu = mean[ch];
      const is = invstd[ch];
      let sdy = 0;
      let sdyx = 0;
      for (let k = 0; k < l; k++) {
        const g = dy[base + k];
        sdy += g;
        sdyx += g * (x[base + k] - mu) * is;
      }
      dbias[ch] += sdy;
      dweight[ch] += sdyx;
    }
  }
  if (dx !== null) {
    const m = n * l;
    for (let i = 0; i < n; i++) {
      for (let ch = 0; ch < c; ch++) {
        const base = (i * c + ch) * l;
        const mu = mean[ch];
        const is = invstd[ch];
        const scale = (weight === null ? 1 : weight[ch]) * is;
        if (batchStats) {
          const meanDy = dbias[ch] / m;
          const meanDyX = dweight[ch] / m;
          for (let k = 0; k < l; k++) {
            const xhat = (x[base + k] - mu) * is;
            dx[base + k] = scale * (dy[base + k] - meanDy - xhat * meanDyX);
          }
        } else {
          for (let k = 0; k < l; k++) dx[base + k] = scale * dy[base + k];
        }
      }
    }
  }
  return { dx, dweight, dbias };
}
