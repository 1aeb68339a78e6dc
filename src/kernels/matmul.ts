/**
 * Batched matrix product `out[b] = a[b] · b[b]` with `a[b]` of `[n, k]` and `b[b]` of `[k, m]`,
 * batch offsets given per operand (broadcast batches repeat an offset).
 *
 * Four rows of the output are computed together: each row of `b` is read once for four
 * multiply-adds, and the inner loop runs contiguously over `b` and the accumulators. Sums
 * accumulate in float64 whatever the storage type, then are rounded once.
 */
import type { FloatStorage } from '../tensor/dtype.js';
import { kernelBackend, matmulF32 } from './wasm/index.js';

/** Below this many multiply-adds the copies into WebAssembly memory cost more than they save. */
const WASM_MIN_WORK = 4096;

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
  if (
    out instanceof Float32Array &&
    a instanceof Float32Array &&
    b instanceof Float32Array &&
    n * k * m >= WASM_MIN_WORK &&
    kernelBackend() === 'wasm'
  ) {
    for (let t = 0; t < aOffsets.length; t++) {
      matmulF32(
        out.subarray(t * n * m, (t + 1) * n * m),
        a.subarray(aOffsets[t], aOffsets[t] + n * k),
        b.subarray(bOffsets[t], bOffsets[t] + k * m),
        n,
        k,
        m,
      );
    }
    return;
  }
  const acc = new Float64Array(4 * m);
  const m2 = 2 * m;
  const m3 = 3 * m;
  for (let t = 0; t < aOffsets.length; t++) {
    const ao = aOffsets[t];
    const bo = bOffsets[t];
    const oo = t * n * m;
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      acc.fill(0);
      const r0 = ao + i * k;
      for (let p = 0; p < k; p++) {
        const a0 = a[r0 + p];
        const a1 = a[r0 + k + p];
        const a2 = a[r0 + 2 * k + p];
        const a3 = a[r0 + 3 * k + p];
        const bp = bo + p * m;
        for (let j = 0; j < m; j++) {
          const bv = b[bp + j];
          acc[j] += a0 * bv;
          acc[m + j] += a1 * bv;
          acc[m2 + j] += a2 * bv;
          acc[m3 + j] += a3 * bv;
        }
      }
      out.set(acc, oo + i * m);
    }
    for (; i < n; i++) {
      acc.fill(0, 0, m);
      const ri = ao + i * k;
      for (let p = 0; p < k; p++) {
        const av = a[ri + p];
        const bp = bo + p * m;
        for (let j = 0; j < m; j++) acc[j] += av * b[bp + j];
      }
      out.set(acc.subarray(0, m), oo + i * m);
    }
  }
}
