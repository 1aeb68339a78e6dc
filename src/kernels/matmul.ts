/**
 * Batched matrix product `out[b] = op(a[b]) · op(b[b])`, `op(a)` of `[n, k]` and `op(b)` of
 * `[k, m]`, batch offsets given per operand (broadcast batches repeat an offset). `ta`/`tb` say
 * that an operand is stored transposed (`a` as `[k, n]`, `b` as `[m, k]`).
 *
 * float32 products of 4096 multiply-adds or more go to the WebAssembly kernel (packed panels,
 * f32 accumulation, worker threads; see wasm/matmul.wat), which reads transposed operands in
 * place. Everything else, and every product under `TAPEGRAD_KERNELS=reference`, runs the
 * TypeScript kernels here, which accumulate in float64 whatever the storage type and round once:
 * four output rows at a time, each row of `b` read once for four multiply-adds with the inner
 * loop contiguous over `b` and the accumulators; a `b` stored transposed goes through dot
 * products of two contiguous rows instead, with the same sums in the same order.
 */
import type { FloatStorage } from '../tensor/dtype.js';
import { kernelBackend } from './backend.js';
import { matmulF32Batched } from './wasm/matmul.js';

/** Below this many multiply-adds the call into WebAssembly costs more than it saves. */
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
  ta = false,
  tb = false,
): void {
  if (
    out instanceof Float32Array &&
    a instanceof Float32Array &&
    b instanceof Float32Array &&
    n * k * m >= WASM_MIN_WORK &&
    kernelBackend() === 'wasm' &&
    matmulF32Batched(out, a, b, aOffsets, bOffsets, n, k, m, ta, tb)
  ) {
    return;
  }
  // Operands too large for the WebAssembly memory, float64, or small: TypeScript below.
  if (tb) {
    matmulDotKernel(out, a, b, aOffsets, bOffsets, n, k, m, ta);
    return;
  }
  // Row r of op(a) starts at r·k and steps by 1, or (transposed) at r and steps by n.
  const aRow = ta ? 1 : k;
  const aCol = ta ? n : 1;
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
      const r0 = ao + i * aRow;
      for (let p = 0; p < k; p++) {
        const q = r0 + p * aCol;
        const a0 = a[q];
        const a1 = a[q + aRow];
        const a2 = a[q + 2 * aRow];
        const a3 = a[q + 3 * aRow];
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
      const ri = ao + i * aRow;
      for (let p = 0; p < k; p++) {
        const av = a[ri + p * aCol];
        const bp = bo + p * m;
        for (let j = 0; j < m; j++) acc[j] += av * b[bp + j];
      }
      out.set(acc.subarray(0, m), oo + i * m);
    }
  }
}

/**
 * `op(a) · bᵀ` with `b` stored `[m, k]`: every output element is a dot product of two rows read
 * contiguously, summed over p in order in float64 as the kernel above does, so the result is
 * the same bit for bit as transposing `b` first.
 */
function matmulDotKernel(
  out: FloatStorage,
  a: FloatStorage,
  b: FloatStorage,
  aOffsets: readonly number[],
  bOffsets: readonly number[],
  n: number,
  k: number,
  m: number,
  ta: boolean,
): void {
  const aRow = ta ? 1 : k;
  const aCol = ta ? n : 1;
  // A transposed a is gathered into one contiguous row at a time.
  const row = new Float64Array(k);
  for (let t = 0; t < aOffsets.length; t++) {
    const ao = aOffsets[t];
    const bo = bOffsets[t];
    const oo = t * n * m;
    for (let i = 0; i < n; i++) {
      const ri = ao + i * aRow;
      for (let p = 0; p < k; p++) row[p] = a[ri + p * aCol];
      let j = 0;
      for (; j + 4 <= m; j += 4) {
        const b0 = bo + j * k;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let p = 0; p < k; p++) {
          const av = row[p];
          s0 += av * b[b0 + p];
          s1 += av * b[b0 + k + p];
          s2 += av * b[b0 + 2 * k + p];
          s3 += av * b[b0 + 3 * k + p];
        }
        out[oo + i * m + j] = s0;
        out[oo + i * m + j + 1] = s1;
        out[oo + i * m + j + 2] = s2;
        out[oo + i * m + j + 3] = s3;
      }
      for (; j < m; j++) {
        const bj = bo + j * k;
        let s = 0;
        for (let p = 0; p < k; p++) s += row[p] * b[bj + p];
        out[oo + i * m + j] = s;
      }
    }
  }
}
