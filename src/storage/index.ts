/**
 * The tensor memory, as the package root shows it: its limit and what it holds.
 */
import { poolStats, type PoolStats } from './pool.js';
import { memoryLimit } from './memory.js';

export { setMemoryLimit, memoryLimit } from './memory.js';

/** What the tensor memory holds now, as `memoryStats()` reports it. */
export interface MemoryStats extends PoolStats {
  /** The limit the memory may grow to (`setMemoryLimit`). */
  limitBytes: number;
}

/**
 * What the tensor memory holds now: its size, the bytes in blocks that tensors hold and in
 * released blocks waiting for reuse, and how many tensors got a plain typed array because the
 * memory had reached its limit (TensorFlow.js's `tf.memory()`).
 * @example const { memoryBytes, liveBytes } = memoryStats();
 */
export function memoryStats(): MemoryStats {
  return { ...poolStats(), limitBytes: memoryLimit() };
}
