/**
 * The float32 matrix product of matmul.wat on the tensor memory: operands are read where they
 * are (transposed ones in place), packing buffers come from the pool, and large products are
 * shared with the worker threads by column panels.
 */
import { isResident } from '../../storage/memory.js';
import { kernelModule, matmulModule, stage } from './instance.js';
import {
  chunkSize,
  getNumThreads,
  JOB_MATMUL,
  MAX_THREADS,
  runJob,
  threadsReady,
  wakeWorkers,
} from './threads.js';
import { memoryShared } from '../../storage/memory.js';

type MatmulExport = (
  a: number,
  b: number,
  c: number,
  n: number,
  k: number,
  m: number,
  j0: number,
  j1: number,
  bp: number,
  tmp: number,
  flags: number,
) => void;

let matmul: MatmulExport | null = null;

function kernel(): MatmulExport {
  matmul ??= kernelModule(matmulModule().module, 'matmul.wasm', ['matmul_f32']).matmul_f32;
  return matmul;
}

/** Which float32 matmul module runs: with a shared memory (threads) and with relaxed SIMD. */
export function matmulKernelInfo(): { sharedMemory: boolean; relaxedSimd: boolean } {
  return { sharedMemory: memoryShared(), relaxedSimd: matmulModule().relaxed };
}

/**
 * Below this many multiply-adds (2²⁰, ~100³) a product runs on one thread. On 2 cores, with the
 * worker asleep between products, `scripts/bench-matmul.ts` times every product of the MNIST
 * step (64×784·784×256 and its gradients, 2²³·⁶; 64×256·256×128, 2²¹) faster on two threads.
 */
export const THREAD_MIN_WORK = 1 << 20;

/**
 * How many threads an [n, k]·[k, m] product would use now: 1 below the size where sharing pays,
 * else up to `getNumThreads()` (at most one per 8-column panel) of which the workers are ready.
 * Starts the missing workers, which come up while the calling thread goes on alone.
 */
export function matmulThreads(n: number, k: number, m: number): number {
  const want = n * k * m >= THREAD_MIN_WORK ? Math.min(getNumThreads(), Math.ceil(m / 8)) : 1;
  return threadsReady(want);
}

/**
 * `out[t] = op(a[t]) · op(b[t])` for the batch offsets given (in elements), f32 `op(a)` of
 * [n, k] and `op(b)` of [k, m], where `ta`/`tb` say that an operand is stored transposed (`a` as
 * [k, n], `b` as [m, k]) and is read so in place. In SIMD with f32 accumulation (as BLAS does;
 * with fused multiply-adds where relaxed SIMD gives them): each element is within k·2⁻²⁴·Σ|a||b|
 * of the exact product. Every element is the same sequential sum whichever thread computes it, so
 * the result does not depend on the number of threads. False (nothing written) when the memory
 * cannot hold the operands.
 */
export function matmulF32Batched(
  out: Float32Array,
  a: Float32Array,
  b: Float32Array,
  aOffsets: readonly number[],
  bOffsets: readonly number[],
  n: number,
  k: number,
  m: number,
  ta = false,
  tb = false,
): boolean {
  const flags = (ta ? 1 : 0) | (tb ? 2 : 0);
  const panels = Math.ceil(m / 8);
  const threads = matmulThreads(n, k, m);
  if (threads > 1 && isResident(a) && isResident(b)) wakeWorkers();
  const s = stage(
    [{ data: a }, { data: b }, { data: out, out: true }],
    [4 * k * 8 * panels, 4 * 32 * MAX_THREADS],
  );
  if (s === null) return false;
  const [aAt, bAt, outAt] = s.at;
  const [bp, tmp] = s.scratch;
  try {
    for (let t = 0; t < aOffsets.length; t++) {
      const A = aAt + 4 * aOffsets[t];
      const B = bAt + 4 * bOffsets[t];
      const C = outAt + 4 * t * n * m;
      if (threads === 1) {
        kernel()(A, B, C, n, k, m, 0, m, bp, tmp, flags);
      } else {
        const per = chunkSize(panels, threads);
        const args = [A, B, C, n, k, m, bp, tmp, flags, 0, 0, 0, 0, 0, 0, per];
        runJob(JOB_MATMUL, args, 0, Math.ceil(panels / per), threads);
      }
    }
  } finally {
    s.done();
  }
  return true;
}

/** One product `out = op(a) · op(b)` (see `matmulF32Batched`). */
export function matmulF32(
  out: Float32Array,
  a: Float32Array,
  b: Float32Array,
  n: number,
  k: number,
  m: number,
  ta = false,
  tb = false,
): boolean {
  return matmulF32Batched(out, a, b, [0], [0], n, k, m, ta, tb);
}
