/**
 * The WebAssembly SGD step equals the TypeScript reference kernel bit for bit: both compute
 * PyTorch's float32 operations with an exactly rounded fmaf, so there is no bound to state.
 */
import { fc, test } from '@fast-check/vitest';
import { afterEach, describe, expect, it } from 'vitest';
import { kernelBackend, setKernelBackend } from '../src/kernels/wasm/index.js';
import { fmaf, sgdKernel } from '../src/optim/kernels.js';
import type { SGDHyper } from '../src/optim/sgd.js';

const initial = kernelBackend();
afterEach(() => setKernelBackend(initial));

/** float32 values, half of them short (few significant bits) so that fmaf meets midpoints. */
const f32 = fc.oneof(
  fc.float({ noNaN: true, noDefaultInfinity: true, min: -4, max: 4 }),
  fc.integer({ min: -4096, max: 4096 }).map((v) => Math.fround(v / 64)),
  fc.float({
    noNaN: true,
    noDefaultInfinity: true,
    min: Math.fround(-1e-3),
    max: Math.fround(1e-3),
  }),
);

function step(
  backend: 'wasm' | 'reference',
  p0: Float32Array,
  g: Float32Array,
  buf0: Float32Array | null,
  fresh: boolean,
  h: SGDHyper,
): [Float32Array, Float32Array | null] {
  setKernelBackend(backend);
  const p = p0.slice();
  const buf = buf0 === null ? null : buf0.slice();
  sgdKernel(p, g, buf, fresh, h);
  return [p, buf];
}

const bits = (a: Float32Array | null): number[] =>
  a === null ? [] : Array.from(new Int32Array(a.buffer, a.byteOffset, a.length));

describe('the WebAssembly SGD kernel', () => {
  test.prop([
    fc
      .integer({ min: 64, max: 300 })
      .chain((n) =>
        fc.tuple(
          fc.array(f32, { minLength: n, maxLength: n }),
          fc.array(f32, { minLength: n, maxLength: n }),
          fc.array(f32, { minLength: n, maxLength: n }),
        ),
      ),
    fc.record({
      lr: fc.constantFrom(0.1, 0.05, 1e-3, 3),
      momentum: fc.constantFrom(0, 0.9, 0.5),
      dampening: fc.constantFrom(0, 0.1),
      weightDecay: fc.constantFrom(0, 5e-4, 0.25),
      nesterov: fc.boolean(),
      maximize: fc.boolean(),
    }),
    fc.boolean(),
  ])('equals the reference kernel bit for bit', ([p, g, b], h, fresh) => {
    const hasBuf = h.momentum !== 0;
    const args = [
      Float32Array.from(p),
      Float32Array.from(g),
      hasBuf ? Float32Array.from(b) : null,
      hasBuf && fresh,
      h,
    ] as const;
    const [pw, bw] = step('wasm', ...args);
    const [pr, br] = step('reference', ...args);
    expect(bits(pw)).toEqual(bits(pr));
    expect(bits(bw)).toEqual(bits(br));
  });

  it('rounds a float32 midpoint by the exact sum, as fmaf does', () => {
    // 80581 · 13325 = 2³⁰ + 1, so lr·g = 2⁻²⁴(1 + 2⁻³⁰) and p − lr·g = 1 + 2⁻²⁴ + 2⁻⁵⁴: float64
    // rounds that to the midpoint 1 + 2⁻²⁴, which a plain rounding would take to 1 (ties to
    // even), while the exact sum lies above it and fmaf gives 1 + 2⁻²³.
    const n = 65;
    const lr = 80581 * 2 ** -17;
    const p = new Float32Array(n).fill(1);
    const g = new Float32Array(n).fill(-13325 * 2 ** -37);
    expect(Math.fround(-lr * g[0] + 1)).toBe(1);
    const h = { lr, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false };
    const [pw] = step('wasm', p, g, null, false, h);
    expect(Array.from(pw)).toEqual(new Array<number>(n).fill(1 + 2 ** -23));
  });

  it('gives the largest float32, as glibc fmaf does, just below the overflow midpoint', () => {
    // 18631 · 1801 = 2²⁵ − 1, so −lr·g = 2¹²⁸ − 2¹⁰³ and p − lr·g = 2¹²⁸ − 2¹⁰³ − 1 exactly, which
    // float64 rounds up to the midpoint 2¹²⁸ − 2¹⁰³ (→ ∞ by ties to even) although the exact sum
    // is below it. glibc 2.36's fmaf(18631·2⁵¹, 1801·2⁵², −1) is 3.40282347e+38.
    const fltMax = 3.4028234663852886e38;
    expect(fmaf(18631 * 2 ** 51, 1801 * 2 ** 52, -1)).toBe(fltMax);
    expect(fmaf(-18631 * 2 ** 51, 1801 * 2 ** 52, 1)).toBe(-fltMax);
    const h = {
      lr: 18631 * 2 ** 51,
      momentum: 0,
      dampening: 0,
      weightDecay: 0,
      nesterov: false,
      maximize: false,
    };
    const p = new Float32Array(66).fill(-1);
    const g = new Float32Array(66).fill(-1801 * 2 ** 52);
    for (const backend of ['wasm', 'reference'] as const) {
      const [out] = step(backend, p, g, null, false, h);
      expect(Array.from(out)).toEqual(new Array<number>(66).fill(fltMax));
    }
  });
});
