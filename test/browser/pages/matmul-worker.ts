/**
 * In a module Worker: times a float32 [size, size]·[size, size] product on 1 and on 2 threads
 * (best of `reps`), checks that both give the same bits, and counts the chunks of the products
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

interface Timing {
  ms: number;
  threads: number;
  hex: string;
  /** Chunks the kernel workers computed while this thread count was set. */
  workerChunks: number;
}

const chunksSoFar = (): number => workerChunks().reduce((a, b) => a + b, 0);

async function best(threads: number, a: Tensor, b: Tensor, reps: number): Promise<Timing> {
  setNumThreads(threads);
  const chunksBefore = chunksSoFar();
  // Kernel workers start on first need and come up while this thread computes alone: warm up,
  // returning to the event loop in between, before timing.
  for (let i = 0; i < 5; i++) {
    tidy(() => void matmul(a, b));
    await sleep(50);
  }
  let ms = Infinity;
  for (let r = 0; r < reps; r++) {
    const start = performance.now();
    tidy(() => void matmul(a, b));
    ms = Math.min(ms, performance.now() - start);
    await sleep(0);
  }
  const hex = tidy(() => bitsOf(matmul(a, b)).hex);
  return { ms, threads: getNumThreads(), hex, workerChunks: chunksSoFar() - chunksBefore };
}

async function run(job: Job): Promise<unknown> {
  manualSeed(0);
  const a = randn([job.size, job.size]);
  const b = randn([job.size, job.size]);
  const one = await best(1, a, b, job.reps);
  const two = await best(2, a, b, job.reps);
  return {
    isolated: isolated(),
    ms1: one.ms,
    ms2: two.ms,
    threads1: one.threads,
    threads2: two.threads,
    workerChunks1: one.workerChunks,
    workerChunks2: two.workerChunks,
    sameBits: one.hex === two.hex,
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
