/**
 * The WebAssembly grouped-norm kernels (LayerNorm and GroupNorm) against the TypeScript reference
 * kernels. Both evaluate the same float64 expressions in the same order (sums in the pair order
 * both follow), so every output must be bit-identical: no tolerance, and ±0 told apart. Layouts
 * cover L = 1 (vectors over the entries) and L > 1 (vectors over a channel's values), odd and even
 * lengths, with and without affine parameters, and float32 and float64 storage.
 */
import { fc, test } from '@fast-check/vitest';
import { afterEach, describe, expect, it } from 'vitest';
import { groupNormBackwardWasm, groupNormForwardWasm } from '../src/kernels/wasm/groupnorm.js';
import {
  groupNormBackwardKernel,
  groupNormForwardKernel,
  type GroupLayout,
} from '../src/kernels/groupnorm.js';
import { kernelBackend, setKernelBackend, type KernelBackend } from '../src/kernels/wasm/index.js';
import type { FloatStorage } from '../src/tensor/dtype.js';

const initial: KernelBackend = kernelBackend();
afterEach(() => setKernelBackend(initial));

function storage(dtype: 'float32' | 'float64', values: readonly number[]): FloatStorage {
  return dtype === 'float32' ? Float32Array.from(values) : Float64Array.from(values);
}

/** Bitwise equality, so that −0 and +0 (and NaN payloads aside, NaNs) are told apart. */
function expectSameBits(a: ArrayLike<number>, b: ArrayLike<number>): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Object.is(a[i], b[i])).toBe(true);
}

const cases = fc
  .record({
    dtype: fc.constantFrom('float32' as const, 'float64' as const),
    outer: fc.integer({ min: 1, max: 5 }),
    groups: fc.integer({ min: 1, max: 3 }),
    k: fc.integer({ min: 1, max: 9 }),
    l: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 9 })),
    affine: fc.boolean(),
    needDx: fc.boolean(),
    offset: fc.constantFrom(0, 3, 1e4),
    eps: fc.constantFrom(1e-5, 1e-3),
    seed: fc.nat(),
  })
  .map((p) => {
    const layout: GroupLayout = { outer: p.outer, groups: p.groups, k: p.k, l: p.l };
    const size = p.outer * p.groups * p.k * p.l;
    const entries = p.groups * p.k;
    let s = p.seed;
    const next = (): number => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return s / 2 ** 32 - 0.5;
    };
    const values = (n: number, scale: number, shift = 0): number[] =>
      Array.from({ length: n }, () => next() * scale + shift);
    return {
      ...p,
      layout,
      x: values(size, 4, p.offset),
      dy: values(size, 2),
      weight: p.affine ? values(entries, 2, 0.5) : null,
      bias: p.affine ? values(entries, 2) : null,
    };
  });

describe('the grouped-norm kernels', () => {
  test.prop([cases], { numRuns: 200 })(
    'WebAssembly equals the reference bit for bit (forward and backward)',
    (c) => {
      const results = (['reference', 'wasm'] as const).map((backend) => {
        setKernelBackend(backend);
        const x = storage(c.dtype, c.x);
        const dy = storage(c.dtype, c.dy);
        const w = c.weight === null ? null : storage(c.dtype, c.weight);
        const b = c.bias === null ? null : storage(c.dtype, c.bias);
        const y = storage(
          c.dtype,
          c.x.map(() => 0),
        );
        const stats = groupNormForwardKernel(y, x, w, b, c.layout, c.eps);
        const dx = c.needDx
          ? storage(
              c.dtype,
              c.x.map(() => 0),
            )
          : null;
        const grads = groupNormBackwardKernel(dx, dy, x, stats, w, c.layout);
        return { y, stats, dx, grads };
      });
      const [ref, wasm] = results;
      expectSameBits(wasm.y, ref.y);
      expectSameBits(wasm.stats.mean, ref.stats.mean);
      expectSameBits(wasm.stats.invstd, ref.stats.invstd);
      if (ref.dx !== null) expectSameBits(wasm.dx!, ref.dx);
      expectSameBits(wasm.grads.dweight, ref.grads.dweight);
      expectSameBits(wasm.grads.dbias, ref.grads.dbias);
    },
  );

  it('really runs in WebAssembly (the calls above are not silently the reference)', () => {
    const x = Float64Array.from([1, 2, 4, 8, 3, 5]);
    const y = new Float64Array(6);
    const layout = { outer: 2, groups: 1, k: 3, l: 1 };
    const stats = groupNormForwardWasm(y, x, null, null, layout, 1e-5);
    expect(stats).not.toBeNull();
    expect(stats!.mean[1]).toBeCloseTo(16 / 3, 14);
    const dx = new Float64Array(6);
    const g = groupNormBackwardWasm(
      dx,
      Float64Array.from([1, -1, 2, 0, 3, 1]),
      x,
      stats!,
      null,
      layout,
    );
    expect(g).not.toBeNull();
    expect(Array.from(g!.dbias)).toEqual([1, 2, 3]);
  });
});
