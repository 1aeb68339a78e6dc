/**
 * The float32 matmul shared between threads: the result is bit-identical to the single-thread
 * kernel whatever the number of threads, within the f32 accumulation bound of the float64
 * reference, and the workers never keep the process alive.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { fc, test } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ValueError } from '../src/errors.js';
import {
  getNumThreads,
  matmulF32,
  matmulThreads,
  setNumThreads,
  JOB_MATMUL,
  runJob,
  stage,
  THREAD_MIN_WORK,
  workerChunks,
} from '../src/kernels/wasm/index.js';
import { worstExcessOverF32Bound } from './helpers/matmul-bound.js';

const initialThreads = getNumThreads();
afterAll(() => setNumThreads(initialThreads));

/** Uniform in [−2, 2) from a seeded linear congruential generator: random, reproducible. */
function randomF32(length: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 4 - 2;
  });
}

function product(
  threads: number,
  a: Float32Array,
  b: Float32Array,
  n: number,
  k: number,
  m: number,
) {
  setNumThreads(threads);
  const out = new Float32Array(n * m);
  matmulF32(out, a, b, n, k, m);
  return out;
}

/** Waits until products of this shape really are shared between up to `threads` threads. */
async function threadsUp(threads: number, n: number, k: number, m: number): Promise<void> {
  setNumThreads(threads);
  const usable = Math.min(threads, Math.ceil(m / 8)); // one 8-column panel at least each
  await vi.waitFor(() => expect(matmulThreads(n, k, m)).toBe(usable), {
    timeout: 20_000,
    interval: 20,
  });
}

/** Random operands of an [n, k]·[k, m] product, once the workers are up for `threads`. */
async function operands(threads: number, n: number, k: number, m: number, seed: number) {
  await threadsUp(threads, n, k, m);
  return { a: randomF32(n * k, seed), b: randomF32(k * m, seed + 1) };
}

/** The MNIST step's first product on `threads`: its operands and its single-thread result. */
async function mnistLayer(threads: number, seed: number) {
  const [n, k, m] = [64, 784, 256];
  const { a, b } = await operands(threads, n, k, m, seed);
  return { n, k, m, a, b, expected: product(1, a, b, n, k, m) };
}

describe('the threaded float32 matmul', () => {
  // Shapes above the size where a product is shared: odd sizes, row and column tails, k across
  // several k blocks of 256.
  // Products just past the size that is split, with odd sizes and tails.
  const shape = fc
    .tuple(
      fc.integer({ min: 40, max: 200 }),
      fc.integer({ min: 9, max: 140 }),
      fc.integer({ min: 0, max: 200 }),
    )
    .map(([n, m, extra]): [number, number, number] => [
      n,
      Math.ceil(THREAD_MIN_WORK / (n * m)) + extra,
      m,
    ]);

  const workerTotal = (): number => workerChunks().reduce((x, y) => x + y, 0);
  let workerChunksBefore = 0;
  beforeAll(() => {
    workerChunksBefore = workerTotal();
  });

  test.prop([shape, fc.nat(1 << 30)])(
    'equals the single-thread result exactly, with 2 and with 3 threads',
    async ([n, k, m], seed) => {
      const { a, b } = await operands(3, n, k, m, seed);
      const one = product(1, a, b, n, k, m);
      expect(matmulThreads(n, k, m)).toBe(1);
      for (const threads of [2, 3]) {
        setNumThreads(threads);
        expect(matmulThreads(n, k, m)).toBe(Math.min(threads, Math.ceil(m / 8)));
        const out = product(threads, a, b, n, k, m);
        expect(Buffer.from(out.buffer).equals(Buffer.from(one.buffer))).toBe(true);
      }
    },
  );

  it('had the workers compute chunks of those products', () => {
    expect(workerTotal()).toBeGreaterThan(workerChunksBefore);
  });

  // f32 accumulation of k products: see test/helpers/matmul-bound.ts.
  test.prop([shape, fc.nat(1 << 30)], { numRuns: 10 })(
    'agrees with the float64 reference within the f32 accumulation bound',
    async ([n, k, m], seed) => {
      const { a, b } = await operands(2, n, k, m, seed);
      const out = product(2, a, b, n, k, m);
      expect(worstExcessOverF32Bound(out, a, b, n, k, m)).toBeLessThanOrEqual(0);
    },
  );

  it('passes the transposes to the worker threads of a large product', async () => {
    const [n, k, m] = [64, 3700, 72]; // 17 M multiply-adds: shared between threads
    const { a, b } = await operands(2, n, k, m, 5);
    // aT is a stored as [k, n], bT is b stored as [m, k].
    const aT = Float32Array.from({ length: n * k }, (_, q) => a[(q % n) * k + Math.floor(q / n)]);
    const bT = Float32Array.from({ length: k * m }, (_, q) => b[(q % k) * m + Math.floor(q / k)]);
    const expected = product(1, a, b, n, k, m);
    setNumThreads(2);
    expect(matmulThreads(n, k, m)).toBe(2);
    for (const [ta, tb] of [
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      // The threads claim chunks as they come: repeat until a worker has computed some of them.
      let shared = false;
      for (let i = 0; i < 200 && !shared; i++) {
        const before = workerTotal();
        const out = new Float32Array(n * m);
        matmulF32(out, ta ? aT : a, tb ? bT : b, n, k, m, ta, tb);
        expect(Array.from(out)).toEqual(Array.from(expected));
        shared = workerTotal() > before;
      }
      expect(shared).toBe(true);
    }
  });

  it('holds a lowered thread count: workers past it sit the jobs out', async () => {
    const { n, k, m, a, b, expected } = await mnistLayer(3, 7);
    const before = workerChunks();
    for (let i = 0; i < 100; i++) {
      expect(Array.from(product(2, a, b, n, k, m))).toEqual(Array.from(expected));
    }
    const after = workerChunks();
    expect(after[0]).toBeGreaterThan(before[0]); // worker 1 takes part with 2 threads
    expect(after[1]).toBe(before[1]); // worker 2 does not
  });

  it('reports a job whose chunks fail, and the next job runs clean', async () => {
    const { n, k, m, a, b, expected } = await mnistLayer(2, 9);
    // Every chunk reads B past the end of the memory: the calling thread and any worker trap.
    // A, C and the packing buffers in a scratch block of their own, B past the end.
    const scratch = stage([], [1 << 20])!;
    const base = scratch.scratch[0];
    const bad = [base, 0x7ff00000, base, n, k, m, base, base, 0, 0, 0, 0, 0, 0, 0, 1];
    // Thirty rounds, each with the worker awake from the product before, so that it takes (and
    // traps on) chunks of the bad job in most of them.
    for (let i = 0; i < 30; i++) {
      product(2, a, b, n, k, m);
      expect(() => runJob(JOB_MATMUL, bad, 0, 32, 2)).toThrow();
      // The failure stays with its job: a healthy product afterwards is right and throws nothing.
      expect(Array.from(product(2, a, b, n, k, m))).toEqual(Array.from(expected));
    }
    scratch.done();
  });

  it('keeps small products on the calling thread', () => {
    setNumThreads(2);
    expect(matmulThreads(16, 16, 16)).toBe(1);
    expect(matmulThreads(1024, 1024, 8)).toBe(1);
  });

  it('rejects a thread count that is not an integer from 1 to 64, and keeps the old one', () => {
    setNumThreads(2);
    expect(() => setNumThreads(0)).toThrow(ValueError);
    expect(() => setNumThreads(1.5)).toThrow(ValueError);
    expect(() => setNumThreads(65)).toThrow(
      'setNumThreads: at most 64 threads are supported, got 65',
    );
    expect(getNumThreads()).toBe(2);
  });

  it('warns about a TAPEGRAD_NUM_THREADS it cannot use and takes the default', () => {
    const script = `
      import { getNumThreads } from './src/kernels/wasm/index.ts';
      import { availableParallelism } from 'node:os';
      console.log(getNumThreads() === Math.min(availableParallelism(), 8));
    `;
    for (const value of ['0', 'two', '100']) {
      const result = spawnSync(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '--eval', script],
        { env: { ...process.env, TAPEGRAD_NUM_THREADS: value }, encoding: 'utf8', timeout: 60_000 },
      );
      expect(result.stdout.trim()).toBe('true');
      expect(result.stderr).toContain(
        `TAPEGRAD_NUM_THREADS="${value}" is not an integer from 1 to 64`,
      );
    }
  });

  it('takes its thread count from TAPEGRAD_NUM_THREADS and never keeps the process alive', () => {
    // A child process that starts a worker, uses it, and must then exit on its own.
    const script = `
      import { getNumThreads, matmulF32, matmulThreads } from './src/kernels/wasm/index.ts';
      const n = 256, k = 784, m = 256;
      const a = new Float32Array(n * k).map((_, i) => Math.sin(i));
      const b = new Float32Array(k * m).map((_, i) => Math.cos(i));
      const start = Date.now();
      while (matmulThreads(n, k, m) < 3 && Date.now() - start < 20000) {
        matmulF32(new Float32Array(n * m), a, b, n, k, m);
      }
      console.log(getNumThreads(), matmulThreads(n, k, m));
    `;
    const output = execFileSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '--eval', script],
      { env: { ...process.env, TAPEGRAD_NUM_THREADS: '3' }, encoding: 'utf8', timeout: 60_000 },
    );
    expect(output.trim()).toBe('3 3');
  });
});
