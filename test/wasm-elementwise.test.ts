/**
 * The WebAssembly elementwise kernels equal the TypeScript ones bit for bit: both do the IEEE
 * operation of the storage type (float32 lanes give the correctly rounded float32 result that
 * a double operation and Math.fround also give), and the comparisons of threshold_backward
 * and ReLU treat NaN and −0 alike, so there is no bound to state.
 */
import { fc, test } from '@fast-check/vitest';
import { afterEach, describe, expect } from 'vitest';
import { binaryKernel, unaryKernel } from '../src/kernels/elementwise.js';
import { sumKernel } from '../src/kernels/reduce.js';
import { kernelBackend, setKernelBackend } from '../src/kernels/wasm/index.js';

const initial = kernelBackend();
afterEach(() => setKernelBackend(initial));

const special = [0, -0, Infinity, -Infinity, NaN, 2 ** -149, -(2 ** -1074), 1e-40, 3.4e38];
const value = fc.oneof(
  fc.double({ min: -1e6, max: 1e6, noNaN: true }),
  fc.constantFrom(...special),
  fc.integer({ min: -50, max: 50 }),
);

type Floats = Float32Array | Float64Array;

/** The bits of a result; NaN payloads are not specified, so every NaN counts as one value. */
function bits(out: Floats): number[] {
  const raw = out instanceof Float32Array ? new Int32Array(out.buffer) : out;
  return Array.from(raw, (v, i) => (Number.isNaN(out[i]) ? NaN : v));
}

const floats = (dtype: 'float32' | 'float64', v: number[]): Floats =>
  dtype === 'float32' ? Float32Array.from(v) : Float64Array.from(v);

describe('the WebAssembly elementwise kernels', () => {
  test.prop(
    [
      fc.constantFrom('add', 'sub', 'mul', 'div', 'thresholdBackward'),
      fc.constantFrom('float32', 'float64'),
      // rows × cols with cols past a SIMD multiple; rows = 1 is the plain same-shape case
      fc
        .tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 2048, max: 2055 }))
        .chain(([rows, cols]) =>
          fc.tuple(
            fc.constant([rows, cols]),
            fc.array(value, { minLength: rows * cols, maxLength: rows * cols }),
            fc.array(value, { minLength: rows * cols, maxLength: rows * cols }),
          ),
        ),
      fc.boolean(),
      fc.boolean(),
    ],
    { numRuns: 40 },
  )(
    'equal the TypeScript kernels bit for bit, same-shape and with a repeated row',
    (op, dtype, [[rows, cols], a, b], bRow, inPlace) => {
      const run = (backend: 'wasm' | 'reference'): number[] => {
        setKernelBackend(backend);
        const x = floats(dtype, a);
        const y = floats(dtype, bRow ? b.slice(0, cols) : b);
        const out = inPlace
          ? x
          : floats(
              dtype,
              a.map(() => 0),
            );
        if (bRow) binaryKernel(op, out, x, y, [rows, cols], [cols, 1], [0, 1]);
        else binaryKernel(op, out, x, y, [out.length], [1], [1]);
        return bits(out);
      };
      expect(run('wasm')).toEqual(run('reference'));
    },
  );

  test.prop(
    [
      fc.constantFrom('float32', 'float64'),
      fc
        .integer({ min: 2048, max: 2060 })
        .chain((n) => fc.array(value, { minLength: n, maxLength: n })),
    ],
    { numRuns: 20 },
  )('compute ReLU as the TypeScript kernel does', (dtype, a) => {
    const run = (backend: 'wasm' | 'reference'): number[] => {
      setKernelBackend(backend);
      const x = floats(dtype, a);
      const out = floats(
        dtype,
        a.map(() => 1),
      );
      unaryKernel('relu', out, x, x.length, 0);
      return bits(out);
    };
    expect(run('wasm')).toEqual(run('reference'));
  });
});

describe('the WebAssembly column sums', () => {
  test.prop(
    [
      fc.constantFrom('float32', 'float64'),
      // [outer, r, inner] past the size where the WebAssembly kernel runs, inner with every
      // remainder of the SIMD step
      fc
        .tuple(
          fc.integer({ min: 1, max: 3 }),
          fc.integer({ min: 2, max: 9 }),
          fc.integer({ min: 2, max: 13 }),
        )
        .chain(([outer, inner, extra]) => {
          const r = Math.ceil(2048 / (outer * inner)) + extra;
          return fc.tuple(
            fc.constant([outer, r, inner]),
            fc.array(value, { minLength: outer * r * inner, maxLength: outer * r * inner }),
          );
        }),
    ],
    { numRuns: 40 },
  )('equal sumKernel bit for bit (float64 sums in row order)', (dtype, [[outer, r, inner], v]) => {
    const run = (backend: 'wasm' | 'reference'): number[] => {
      setKernelBackend(backend);
      const out = floats(dtype, new Array<number>(outer * inner).fill(7));
      sumKernel(out, floats(dtype, v), outer, r, inner);
      return bits(out);
    };
    expect(run('wasm')).toEqual(run('reference'));
  });
});
