/**
 * Run by test/memory.test.ts in a child process, because vitest workers have no `global.gc`:
 *
 *   node --expose-gc --import tsx test/helpers/finalizer-child.ts
 *
 * Makes a large tensor at top level (outside every scope: it stays in the tensor memory and is
 * registered with the finalizer), drops it, and prints the pool's live blocks before, while it is
 * held, after a forced collection without yielding, and after yielding to the event loop.
 */
import { memoryStats, randn } from '../../src/index.js';

const gc: unknown = Reflect.get(globalThis, 'gc');
if (typeof gc !== 'function') throw new Error('run with --expose-gc');
const collect = (): void => void gc();
const turn = (): Promise<void> => new Promise((done) => setTimeout(done, 0));

const before = memoryStats().liveBlocks;
let resident = false;
let held = 0;
// The tensor is unreachable once this function returns.
(() => {
  const t = randn([100_000]); // 400 kB, more than the 64 KiB that user tensors keep in plain arrays
  resident = t._block.resident;
  held = memoryStats().liveBlocks;
})();
collect();
const synchronous = memoryStats().liveBlocks;
let after = synchronous;
for (let i = 0; i < 20 && after !== before; i++) {
  await turn();
  collect();
  await turn();
  after = memoryStats().liveBlocks;
}
console.log(JSON.stringify({ before, resident, held, synchronous, after }));
