/**
 * Φ, the standard normal CDF, and exact GELU, x·Φ(x), elementwise: computed in float64 from
 * erfc (./libm/erfc.ts) and stored in the output's type. Φ(x) = ½·erfc(−x/√2) has no 1 + erf
 * cancellation, so both are accurate in the tails.
 */
import type { FloatStorage } from '../tensor/dtype.js';
import { erfc } from './libm/index.js';

/** out[i] = Φ(x[i]) = ½·erfc(−x[i]/√2). */
export function normalCdfKernel(out: FloatStorage, x: FloatStorage): void {
  for (let i = 0; i < x.length; i++) out[i] = 0.5 * erfc(-x[i] * Math.SQRT1_2);
}

/** out[i] = x[i]·Φ(x[i]). */
export function geluKernel(out: FloatStorage, x: FloatStorage): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    out[i] = v * 0.5 * erfc(-v * Math.SQRT1_2);
  }
}
