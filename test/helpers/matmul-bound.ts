/**
 * The error bound of a float32 product accumulated in float32: for k products,
 * |c − exact| ≤ γ_k·Σ|a||b| with γ_k = k·u/(1 − k·u), u = 2⁻²⁴, plus one rounding of the
 * float64 reference itself and the final store (u·|exact|).
 */

/** The largest amount by which an element of `out` = a·b ([n, k]·[k, m]) exceeds the bound. */
export function worstExcessOverF32Bound(
  out: Float32Array,
  a: Float32Array,
  b: Float32Array,
  n: number,
  k: number,
  m: number,
): number {
  const u = 2 ** -24;
  const gamma = (k * u) / (1 - k * u);
  let worst = -Infinity;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let exact = 0;
      let magnitude = 0;
      for (let p = 0; p < k; p++) {
        exact += a[i * k + p] * b[p * m + j];
        magnitude += Math.abs(a[i * k + p] * b[p * m + j]);
      }
      const excess = Math.abs(out[i * m + j] - exact) - (gamma * magnitude + u * Math.abs(exact));
      worst = Math.max(worst, excess);
    }
  }
  return worst;
}
