/**
 * BatchNorm kernels over `[N, C, L]` (L = 1 for `[N, C]` inputs). Per-channel statistics and every
 * per-element expression are evaluated in float64, whatever the storage type, and the variance is
 * two-pass: Σ(x − mean)², never E[x²] − E[x]². Loops run row by row over the storage order
 * (n, c, l), accumulating into per-channel float64 arrays, so the inner loop is contiguous.
 */
import type { FloatStorage } from '../tensor/dtype.js';
import { batchNormBackwardWasm, batchNormForwardWasm } from './wasm/batchnorm.js';
import { kernelBackend } from './backend.js';

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
  if (l === 1) return batchStats2d(x, n, c);
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

/** `[N, C]` layout: channels are the contiguous inner loop, statistics accumulate per column. */
function batchStats2d(x: FloatStorage, n: number, c: number): BatchStats {
  const mean = new Float64Array(c);
  for (let i = 0; i < n; i++) {
    const base = i * c;
    for (let ch = 0; ch < c; ch++) mean[ch] += x[base + ch];
  }
  for (let ch = 0; ch < c; ch++) mean[ch] /= n;
  const sumD = new Float64Array(c);
  const sumSq = new Float64Array(c);
  for (let i = 0; i < n; i++) {
    const base = i * c;
    for (let ch = 0; ch < c; ch++) {
      const d = x[base + ch] - mean[ch];
      sumD[ch] += d;
      sumSq[ch] += d * d;
    }
  }
  for (let ch = 0; ch < c; ch++) {
    mean[ch] += sumD[ch] / n;
    sumSq[ch] = Math.max(0, sumSq[ch] - (sumD[ch] * sumD[ch]) / n);
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
  if (l === 1) {
    const scale = new Float64Array(c);
    const shift = new Float64Array(c);
    for (let ch = 0; ch < c; ch++) {
      scale[ch] = weight === null ? invstd[ch] : invstd[ch] * weight[ch];
      shift[ch] = bias === null ? 0 : bias[ch];
    }
    for (let i = 0; i < n; i++) {
      const base = i * c;
      for (let ch = 0; ch < c; ch++)
        y[base + ch] = (x[base + ch] - mean[ch]) * scale[ch] + shift[ch];
    }
    return;
  }
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

export interface ForwardStats {
  mean: Float64Array;
  invstd: Float64Array;
  /** Σ(x − mean)² per channel (batch statistics), or null under constant statistics. */
  sumSq: Float64Array | null;
}

/**
 * The whole forward: batch statistics from x when `constStats` is null (invstd = 1/√(Σ(x − mean)²/M
 * + eps)), else the given ones; then y = (x − mean)·invstd·w + b. With the WebAssembly backend one
 * call does both, x copied into its memory once.
 */
export function batchNormForwardKernel(
  y: FloatStorage,
  x: FloatStorage,
  weight: FloatStorage | null,
  bias: FloatStorage | null,
  n: number,
  c: number,
  l: number,
  eps: number,
  constStats: { mean: Float64Array; invstd: Float64Array } | null,
): ForwardStats {
  if (kernelBackend() === 'wasm') {
    const r = batchNormForwardWasm(y, x, weight, bias, n, c, l, eps, constStats);
    if (r !== null) return r;
  }
  let stats: ForwardStats;
  if (constStats === null) {
    const { mean, sumSq } = batchStatsKernel(x, n, c, l);
    const m = n * l;
    stats = { mean, invstd: sumSq.map((s) => 1 / Math.sqrt(s / m + eps)), sumSq };
  } else {
    stats = { ...constStats, sumSq: null };
  }
  normalizeKernel(y, x, stats.mean, stats.invstd, weight, bias, n, c, l);
  return stats;
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
  if (kernelBackend() === 'wasm') {
    const r = batchNormBackwardWasm(dx, dy, x, mean, invstd, weight, n, c, l, batchStats);
    if (r !== null) return { dx, ...r };
  }
  const dbias = new Float64Array(c);
  const dweight = new Float64Array(c);
  if (l === 1) {
    backward2d(dx, dy, x, mean, invstd, weight, n, c, batchStats, dbias, dweight);
    return { dx, dweight, dbias };
  }
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

/** The backward for the `[N, C]` layout, channels as the contiguous inner loop. */
function backward2d(
  dx: FloatStorage | null,
  dy: FloatStorage,
  x: FloatStorage,
  mean: Float64Array,
  invstd: Float64Array,
  weight: FloatStorage | null,
  n: number,
  c: number,
  batchStats: boolean,
  dbias: Float64Array,
  dweight: Float64Array,
): void {
  for (let i = 0; i < n; i++) {
    const base = i * c;
    for (let ch = 0; ch < c; ch++) {
      const g = dy[base + ch];
      dbias[ch] += g;
      dweight[ch] += g * (x[base + ch] - mean[ch]) * invstd[ch];
    }
  }
  if (dx === null) return;
  const scale = new Float64Array(c);
  const meanDy = new Float64Array(c);
  const meanDyX = new Float64Array(c);
  for (let ch = 0; ch < c; ch++) {
    scale[ch] = (weight === null ? 1 : weight[ch]) * invstd[ch];
    meanDy[ch] = batchStats ? dbias[ch] / n : 0;
    meanDyX[ch] = batchStats ? dweight[ch] / n : 0;
  }
  for (let i = 0; i < n; i++) {
    const base = i * c;
    for (let ch = 0; ch < c; ch++) {
      const xhat = (x[base + ch] - mean[ch]) * invstd[ch];
      dx[base + ch] = scale[ch] * (dy[base + ch] - meanDy[ch] - xhat * meanDyX[ch]);
    }
  }
}

/**
 * `running = momentum·batch + (1 − momentum)·running` per channel, for the mean and (with the
 * unbiased batch variance) the variance, in float64 and rounded once to the storage.
 */
export function runningStatsKernel(
  runningMean: FloatStorage,
  runningVar: FloatStorage,
  batchMean: ArrayLike<number>,
  batchVarUnbiased: ArrayLike<number>,
  momentum: number,
): void {
  for (let ch = 0; ch < runningMean.length; ch++) {
    runningMean[ch] = momentum * batchMean[ch] + (1 - momentum) * runningMean[ch];
    runningVar[ch] = momentum * batchVarUnbiased[ch] + (1 - momentum) * runningVar[ch];
  }
}

/** The constant statistics of evaluation, in float64: the running mean and 1/√(running var + eps). */
export function evalStatsKernel(
  runningMean: FloatStorage,
  runningVar: FloatStorage,
  eps: number,
): { mean: Float64Array; invstd: Float64Array } {
  const mean = Float64Array.from(runningMean);
  const invstd = new Float64Array(runningVar.length);
  for (let ch = 0; ch < invstd.length; ch++) invstd[ch] = 1 / Math.sqrt(runningVar[ch] + eps);
  return { mean, invstd };
}

/** Σ(x − mean)²/(M − 1) per channel: the unbiased batch variance. */
export function unbiasedVarianceKernel(sumSq: Float64Array, m: number): Float64Array {
  const out = new Float64Array(sumSq.length);
  for (let ch = 0; ch < out.length; ch++) out[ch] = sumSq[ch] / (m - 1);
  return out;
}
