/**
 * Batched matrix product `out[b] = a[b] · b[b]` with `a[b]` of `[n, k]` and `b[b]` of `[k, m]`,
 * batch offsets given per operand (broadcast batches repeat an offset). The i-k-j loop order keeps
 * the inner loop contiguous over rows of `b` and `out`; each output row accumulates in float64.
 */
import type { FloatStorage } from '../tensor/dtype.js';

export function matmulKernel(
  out: FloatStorage,
  a: FloatStorage,
  b: FloatStorage,
  aOffsets: readonly number[],
  bOffsets: readonly number[],
  n: number,
  k: number,
  m: number,
): void {
  const row = new Float64Array(m);
  for (let t = 0; t < aOffsets.length; t++) {
    const ao = aOffsets[t];
    const bo = bOffsets[t];
    const oo = t * n * m;
    for (let i = 0; i < n; i++) {
      row.fill(0);
      const ai = ao + i * k;
      for (let p = 0; p < k; p++) {
        const aip = a[ai + p];
        const bp = bo + p * m;
        for (let j = 0; j < m; j++) row[j] += aip * b[bp + j];
      }
      out.set(row, oo + i * m);
    }
  }
}
