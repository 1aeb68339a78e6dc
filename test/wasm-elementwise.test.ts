/**
 * The WebAssembly arithmetic kernels equal the TypeScript ones bit for bit: both do the IEEE
 * operation of the storage type (float32 lanes give the correctly rounded float32 result that
 * a double operation and Math.fround also give), so there is no bound to state.
 */
import { fc, test } from '@fast-check/vitest';
import { afterEach, describe, expect } from 'vitest';
import { binaryKernel } from '../src/kernels/elementwise.js';
import { kernelBackend, setKernelBackend } from '../src/kernels/wasm/index.js';

const initial = kernelBackend();
afterEach(() => setKernelBackend(initial));

const special = [0, -0, Infinity, -Infinity, NaN, 2 ** -149, -(2 ** -1074), 1e-40, 3.4e38];
const value = fc.oneof(
  fc.double({ min: -1e6, max: 1e6, noNaN: true }),
  fc.constantFrom(...special),
  fc.integer({ min: -50, max: 50 }),
);

function run(
  backend: 'wasm' | 'reference',
  expr: string,
  make: (v: number[]) => Float32Array | Float64Array,
  a: number[],
  b: number[],
  inPlace: boolean,
): number[] {
  setKernelBackend(backend);
  const x = make(a);
  const y = make(b);
  const out = inPlace ? x : make(a.map(() => 0));
  binaryKernel(expr)(out, x, y, [out.length], [1], [1], 0);
  const bits =
    out instanceof Float32Array ? new Int32Array(out.buffer) : new Float64Array(out.buffer);
  // NaN payloads are not specified; every NaN counts as one value.
  return Array.from(bits, (v, i) => (Number.isNaN(out[i]) ? NaN : v));
}

describe('the WebAssembly elementwise kernels', () => {
  test.prop(
    [
      fc.constantFrom('x + y', 'x - y', 'x * y', 'x / y'),
      fc.constantFrom('float32', 'float64'),
      fc
        .integer({ min: 2048, max: 2060 })
        .chain((n) =>
          fc.tuple(
            fc.array(value, { minLength: n, maxLength: n }),
            fc.array(value, { minLength: n, maxLength: n }),
          ),
        ),
      fc.boolean(),
    ],
    { numRuns: 40 },
  )('equal the TypeScript kernels bit for bit', (expr, dtype, [a, b], inPlace) => {
    const make = (v: number[]) =>
      dtype === 'float32' ? Float32Array.from(v) : Float64Array.from(v);
    expect(run('wasm', expr, make, a, b, inPlace)).toEqual(
      run('reference', expr, make, a, b, inPlace),
    );
  });
});
