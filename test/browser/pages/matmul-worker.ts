/**
 * In a module Worker: times a float32 [size, size]·[size, size] product on 1 and on 2 threads
 * (best of `reps` each, in turns), checks that both give the same bits, and counts the chunks of the products
 * that the kernel workers computed (which timing alone cannot show on a loaded machine).
 */
import {
  getNumThreads,
  manualSeed,
  matmul,
  randn,
  setNumThreads,
  tidy,
  type Tensor,
} from '../../../src/index.js';
import { workerChunks } from '../../../src/kernels/wasm/index.js';
import { bitsOf } from '../cases.js';
import { isolated, workerScope } from './globals.js';

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

interface Job {
  size: number;
  reps: number;
}

const chunksSoFar = (): number => workerChunks().reduce((a, b) => a + b, 0);

/** Milliseconds of one product on `threads` threads, and the chunks the kernel workers took. */
function timed(threads: number, a: Tensor, b: Tensor): { ms: number; chunks: number } {
  setNumThreads(threads);
  const chunks = chunksSoFar();
  const start = performance.now();
  tidy(() => void matmul(a, b));
  return { ms: performance.now() - start, chunks: chunksSoFar() - chunks };
}

async function run(job: Job): Promise<unknown> {
  manualSeed(0);
  const a = randn([job.size, job.size]);
  const b = randn([job.size, job.size]);
  // Kernel workers start on first need and come up while this thread computes alone: warm up on
  // two threads, returning to the event loop in between, before timing.
  for (let i = 0; i < 5; i++) {
    timed(2, a, b);
    await sleep(50);
  }
  // 1 and 2 threads take turns, so that both see the same load from the rest of the machine.
  const best = [Infinity, Infinity];
  const chunks = [0, 0];
  const threads = [0, 0];
  for (let r = 0; r < job.reps; r++) {
    for (const t of [1, 2]) {
      const { ms, chunks: c } = timed(t, a, b);
      best[t - 1] = Math.min(best[t - 1], ms);
      chunks[t - 1] += c;
      threads[t - 1] = getNumThreads();
    }
    await sleep(0);
  }
  setNumThreads(1);
  const one = tidy(() => bitsOf(matmul(a, b)).hex);
  setNumThreads(2);
  const two = tidy(() => bitsOf(matmul(a, b)).hex);
  return {
    isolated: isolated(),
    ms1: best[0],
    ms2: best[1],
    threads1: threads[0],
    threads2: threads[1],
    workerChunks1: chunks[0],
    workerChunks2: chunks[1],
    sameBits: one === two,
  };
}

const scope = workerScope();
scope.onmessage = (e) => {
  run(e.data as Job).then(
    (value) => scope.postMessage(value),
    (error: unknown) => {
      // An error event carries only a message: rethrow with the stack in it.
      const text = error instanceof Error ? `${error.message}\n${error.stack}` : String(error);
      setTimeout(() => {
        throw new Error(text);
      });
    },
  );
};
