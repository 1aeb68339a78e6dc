/**
 * The WebAssembly kernels: the committed binary is what the WAT source assembles to, and every
 * fast kernel agrees with the plain TypeScript reference within the stated error bound.
 */
import { readFileSync } from 'node:fs';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { MATMUL_UNSHARED_WASM, MATMUL_WASM } from '../src/kernels/wasm/generated.js';
import {
  decode,
  instanceExports,
  matmulF32,
  newMemory,
  type WasmMemory,
} from '../src/kernels/wasm/index.js';
import { growTo, memoryBytes, memoryLimit, setMemoryLimit } from '../src/storage/memory.js';
import { worstExcessOverF32Bound } from './helpers/matmul-bound.js';
// @ts-expect-error -- a plain .mjs build script without type declarations
import { generate } from '../scripts/build-wasm.mjs';

type Matmul = (
  out: Float32Array,
  a: Float32Array,
  b: Float32Array,
  n: number,
  k: number,
  m: number,
) => void;

type MatmulExport = (...args: number[]) => void;
function hasMatmul(e: Record<string, unknown>): e is { matmul_f32: MatmulExport } {
  return typeof e.matmul_f32 === 'function';
}

/** Grows a memory of the test's own to `bytes`. */
function reserve(memory: WasmMemory, bytes: number): void {
  const pages = Math.ceil(bytes / 65536) - memory.buffer.byteLength / 65536;
  if (pages > 0) memory.grow(pages);
}

/**
 * A matmul on one of the committed modules, instantiated directly: the library picks the
 * relaxed-SIMD module where the host has it, and these are its fallbacks.
 */
function moduleMatmul(base64: string, shared: boolean): Matmul {
  const memory = newMemory({ initial: 1, maximum: 65536, shared });
  const exports = instanceExports(decode(base64), { env: { memory } });
  if (!hasMatmul(exports)) throw new Error('no matmul_f32 export');
  const matmul = exports.matmul_f32;
  return (out, a, b, n, k, m) => {
    const floats = a.length + b.length + out.length + 8 * k * Math.ceil(m / 8) + 32;
    reserve(memory, 4 * floats);
    const heap = new Float32Array(memory.buffer);
    heap.set(a, 0);
    heap.set(b, a.length);
    const c = a.length + b.length;
    const bp = c + out.length;
    matmul(0, 4 * a.length, 4 * c, n, k, m, 0, m, 4 * bp, 4 * (bp + 8 * k * Math.ceil(m / 8)), 0);
    out.set(heap.subarray(c, c + out.length));
  };
}

const kernels: [string, Matmul][] = [
  ['matmul', matmulF32],
  ['the two-rounding matmul module', moduleMatmul(MATMUL_WASM, true)],
  ['the matmul module with an unshared memory', moduleMatmul(MATMUL_UNSHARED_WASM, false)],
];

describe('the WebAssembly kernels', () => {
  it('are exactly what scripts/build-wasm.mjs assembles from the .wat sources', async () => {
    const committed = readFileSync(
      new URL('../src/kernels/wasm/generated.ts', import.meta.url),
      'utf8',
    );
    expect(await (generate as () => Promise<string>)()).toBe(committed);
  });

  // f32 accumulation of k products: see test/helpers/matmul-bound.ts.
  describe.each(kernels)('%s', (_, matmul) => {
    test.prop([
      fc.integer({ min: 1, max: 37 }),
      fc.integer({ min: 1, max: 70 }),
      fc.integer({ min: 1, max: 37 }),
      fc.nat(1000),
    ])('agrees with the float64 reference within the f32 accumulation bound', (n, k, m, seed) => {
      const a = Float32Array.from({ length: n * k }, (_, i) => Math.sin(i * 1.3 + seed) * 3);
      const b = Float32Array.from({ length: k * m }, (_, i) => Math.cos(i * 0.7 - seed));
      const out = new Float32Array(n * m);
      matmul(out, a, b, n, k, m);
      expect(worstExcessOverF32Bound(out, a, b, n, k, m)).toBeLessThanOrEqual(0);
    });
  });

  test.prop([
    fc.integer({ min: 1, max: 37 }),
    fc.integer({ min: 1, max: 300 }),
    fc.integer({ min: 1, max: 37 }),
    fc.boolean(),
    fc.boolean(),
    fc.nat(1000),
  ])(
    'reads a transposed operand in place with the very sums of the row-major product',
    (n, k, m, ta, tb, seed) => {
      const a = Float32Array.from({ length: n * k }, (_, i) => Math.sin(i * 1.3 + seed) * 3);
      const b = Float32Array.from({ length: k * m }, (_, i) => Math.cos(i * 0.7 - seed));
      // aT is a stored as [k, n], bT is b stored as [m, k].
      const aT = Float32Array.from({ length: n * k }, (_, q) => a[(q % n) * k + Math.floor(q / n)]);
      const bT = Float32Array.from({ length: k * m }, (_, q) => b[(q % k) * m + Math.floor(q / k)]);
      const expected = new Float32Array(n * m);
      matmulF32(expected, a, b, n, k, m);
      const out = new Float32Array(n * m);
      matmulF32(out, ta ? aT : a, tb ? bT : b, n, k, m, ta, tb);
      expect(Array.from(out)).toEqual(Array.from(expected));
    },
  );

  it('handles operands larger than the initial WebAssembly memory', () => {
    const n = 300;
    const k = 300;
    const m = 300;
    const a = new Float32Array(n * k).fill(0.5);
    const b = new Float32Array(k * m).fill(2);
    const out = new Float32Array(n * m);
    matmulF32(out, a, b, n, k, m);
    expect(out.every((v) => v === k)).toBe(true);
  });

  it('the tensor memory grows up to its limit and no further; a kernel then reports it cannot run', () => {
    const limit = memoryLimit();
    try {
      setMemoryLimit(memoryBytes());
      expect(growTo(memoryBytes() + 1)).toBe(false);
      // A product whose plain operands need a scratch copy that no longer fits is refused, and
      // nothing is written (matmulKernel then computes it in TypeScript).
      const n = 600;
      const a = new Float32Array(n * n).fill(1);
      const out = new Float32Array(n * n).fill(7);
      expect(matmulF32(out, a, a, n, n, n)).toBe(false);
      expect(out.every((v) => v === 7)).toBe(true);
    } finally {
      setMemoryLimit(limit);
    }
    expect(growTo(memoryBytes() + 1)).toBe(true);
  });
});
