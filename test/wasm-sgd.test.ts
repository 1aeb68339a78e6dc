/**
 * The WebAssembly SGD step equals the TypeScript reference kernel bit for bit: both compute
 * PyTorch's float32 operations with an exactly rounded fmaf, so there is no bound to state. The
 * inputs are finite: a NaN's payload is not specified, and the kernels may carry it differently.
 * Both WebAssembly kernels are held to it: the relaxed-SIMD one with hardware fused multiply-adds
 * (where this host has them) and the float64 emulation.
 */
import { execFileSync } from 'node:child_process';
import { fc, test } from '@fast-check/vitest';
import { afterEach, describe, expect, it } from 'vitest';
import { SGD_FMA_WASM } from '../src/kernels/wasm/generated.js';
import {
  decode,
  instanceExports,
  kernelBackend,
  newMemory,
  relaxedSimd,
  setKernelBackend,
} from '../src/kernels/wasm/index.js';
import { sgdKernelInfo } from '../src/kernels/wasm/sgd.js';
import { fmaf } from '../src/kernels/libm/index.js';
import { sgdKernel } from '../src/kernels/optim.js';
import type { SGDHyper } from '../src/optim/sgd.js';

const initial = kernelBackend();
afterEach(() => {
  setKernelBackend(initial);
  sgdKernelInfo(true);
});

/** The kernels this host runs: the fused one only where relaxed SIMD fuses. */
const kernels =
  sgdKernelInfo(true) === 'fma' ? (['fma', 'emulated'] as const) : (['emulated'] as const);

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
  backend: 'fma' | 'emulated' | 'reference',
  p0: Float32Array,
  g: Float32Array,
  buf0: Float32Array | null,
  fresh: boolean,
  h: SGDHyper,
): [Float32Array, Float32Array | null] {
  setKernelBackend(backend === 'reference' ? 'reference' : 'wasm');
  expect(sgdKernelInfo(backend === 'fma')).toBe(backend === 'fma' ? 'fma' : 'emulated');
  const p = p0.slice();
  const buf = buf0 === null ? null : buf0.slice();
  sgdKernel(p, g, buf, fresh, h);
  return [p, buf];
}

const bits = (a: Float32Array | null): number[] =>
  a === null ? [] : Array.from(new Int32Array(a.buffer, a.byteOffset, a.length));

describe.each(kernels)('the WebAssembly SGD kernel (%s)', (kernel) => {
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
    const [pw, bw] = step(kernel, ...args);
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
    const [pw] = step(kernel, p, g, null, false, h);
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
    for (const backend of [kernel, 'reference'] as const) {
      const [out] = step(backend, p, g, null, false, h);
      expect(Array.from(out)).toEqual(new Array<number>(66).fill(fltMax));
    }
  });
});

describe('the fused SGD kernel’s witness', () => {
  const bytes = decode(SGD_FMA_WASM);
  // Only where relaxed SIMD fuses the multiply-add (sgdKernelInfo says 'fma'); elsewhere the
  // kernel computes the unfused value and the two calls' outcomes swap (the next test).
  it.skipIf(!relaxedSimd(bytes) || sgdKernelInfo(true) !== 'fma')(
    'runs the step only when its multiply-add is fused',
    () => {
      const memory = newMemory({ initial: 1, maximum: 1, shared: true });
      const f = instanceExports(bytes, { env: { memory } }).sgd_f32_fma as (
        ...args: number[]
      ) => number;
      const heap = new Float32Array(memory.buffer);
      heap.set([1, 2, 3, 4], 0);
      heap.set([0.5, 0.5, 0.5, 0.5], 4);
      const a = 1 + 2 ** -12;
      const step = Math.fround(-0.1);
      // What an unfused multiply-add gives for the witness: the kernel must refuse and write nothing.
      expect(f(0, 16, 32, 4, 0, 0, 0, 1, step, a, -1, 2 ** -11)).toBe(0);
      expect(Array.from(heap.subarray(0, 4))).toEqual([1, 2, 3, 4]);
      // The fused value: the step is done.
      expect(f(0, 16, 32, 4, 0, 0, 0, 1, step, a, -1, 2 ** -11 + 2 ** -24)).toBe(1);
      expect(Array.from(heap.subarray(0, 4))).toEqual(
        [1, 2, 3, 4].map((x) => Math.fround(x + step * 0.5)),
      );
    },
  );

  it('falls back to the emulation, bit for bit, where the multiply-add is not fused', () => {
    // V8 without FMA3 compiles relaxed_madd to a multiply and an add: the witness must refuse.
    const script = `
      import { sgdKernelInfo } from './src/kernels/wasm/sgd.ts';
      import { setKernelBackend } from './src/kernels/wasm/index.ts';
      import { sgdKernel } from './src/kernels/optim.ts';
      const h = { lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 5e-4, nesterov: true, maximize: false };
      let s = 12345;
      const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5);
      const p0 = Float32Array.from({ length: 4099 }, rand);
      const g = Float32Array.from({ length: 4099 }, rand);
      const b0 = Float32Array.from({ length: 4099 }, rand);
      const run = (backend) => {
        setKernelBackend(backend);
        const p = p0.slice(), b = b0.slice();
        sgdKernel(p, g, b, false, h);
        return Buffer.concat([Buffer.from(p.buffer), Buffer.from(b.buffer)]).toString('hex');
      };
      console.log(sgdKernelInfo(), run('wasm') === run('reference'));
    `;
    const out = execFileSync(
      process.execPath,
      ['--no-enable-fma3', '--import', 'tsx', '--input-type=module', '--eval', script],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(out.trim()).toBe('emulated true');
  });
});
