/**
 * The WebAssembly kernels for a scalar operand, for negate/abs/sqrt and for float32 ↔ float64
 * casts: bit for bit what JavaScript computes, on resident (pool) and plain operands.
 */
import { fc, test } from '@fast-check/vitest';
import { afterEach, describe, expect } from 'vitest';
import {
  binaryKernel,
  castKernel,
  unaryKernel,
  type BinaryOp,
  type UnaryOp,
} from '../src/kernels/elementwise.js';
import { castWasm, scalarWasm, unaryWasm } from '../src/kernels/wasm/elementwise.js';
import { kernelBackend, setKernelBackend } from '../src/kernels/backend.js';
import { Block } from '../src/storage/block.js';

type Floats = Float32Array | Float64Array;
type Dtype = 'float32' | 'float64';

const special = [0, -0, Infinity, -Infinity, NaN, 2 ** -149, -(2 ** -1074), 1e-40, 3.4e38, 1e300];
const value = fc.oneof(
  fc.double({ min: -1e6, max: 1e6, noNaN: true }),
  fc.constantFrom(...special),
  fc.integer({ min: -50, max: 50 }),
);

/** The bits of a result; NaN payloads are not specified, so every NaN counts as one value. */
function bits(out: Floats): number[] {
  const raw =
    out instanceof Float32Array
      ? new Int32Array(out.buffer, out.byteOffset, out.length)
      : Array.from(out);
  return Array.from(raw, (v, i) => (Number.isNaN(out[i]) ? NaN : v));
}

/** An array of `dtype` holding `v`: in the tensor memory (a pool block) or a plain array. */
function array(dtype: Dtype, v: readonly number[], resident: boolean): Floats {
  const data = Block.alloc(dtype, v.length, resident, false).data as Floats;
  data.set(v);
  return data;
}

const round = (dtype: Dtype): ((x: number) => number) =>
  dtype === 'float32' ? Math.fround : (x) => x;

const lengths = fc.integer({ min: 1, max: 37 });
const dtypes = fc.constantFrom<Dtype>('float32', 'float64');

describe('the WebAssembly scalar, unary and cast kernels', () => {
  test.prop([
    fc.constantFrom('add', 'sub', 'mul', 'div') as fc.Arbitrary<'add' | 'sub' | 'mul' | 'div'>,
    dtypes,
    lengths.chain((n) => fc.array(value, { minLength: n, maxLength: n })),
    value,
    fc.boolean(),
    fc.boolean(),
  ])('compute a ∘ s and s ∘ a as JavaScript does', (op, dtype, v, s0, left, resident) => {
    const r = round(dtype);
    const s = r(s0);
    const f = {
      add: (x: number, y: number) => x + y,
      sub: (x: number, y: number) => x - y,
      mul: (x: number, y: number) => x * y,
      div: (x: number, y: number) => x / y,
    }[op];
    const a = array(dtype, v, resident);
    const out = array(
      dtype,
      v.map(() => 7),
      resident,
    );
    expect(scalarWasm(op, out, a, s, left)).toBe(true);
    const expected = array(
      dtype,
      Array.from(a, (x) => r(left ? f(s, x) : f(x, s))),
      false,
    );
    expect(bits(out)).toEqual(bits(expected));
  });

  test.prop([
    fc.constantFrom('neg', 'abs', 'sqrt') as fc.Arbitrary<'neg' | 'abs' | 'sqrt'>,
    dtypes,
    lengths.chain((n) => fc.array(value, { minLength: n, maxLength: n })),
    fc.boolean(),
  ])(
    'negate, take absolute values and square roots as JavaScript does',
    (op, dtype, v, resident) => {
      const r = round(dtype);
      const f = { neg: (x: number) => -x, abs: Math.abs, sqrt: Math.sqrt }[op];
      const a = array(dtype, v, resident);
      const out = array(
        dtype,
        v.map(() => 7),
        resident,
      );
      expect(unaryWasm(op, out, a)).toBe(true);
      expect(bits(out)).toEqual(
        bits(
          array(
            dtype,
            Array.from(a, (x) => r(f(x))),
            false,
          ),
        ),
      );
    },
  );

  test.prop([
    dtypes,
    lengths.chain((n) => fc.array(value, { minLength: n, maxLength: n })),
    fc.boolean(),
  ])('cast between float32 and float64 as a typed array set() does', (from, v, resident) => {
    const to: Dtype = from === 'float32' ? 'float64' : 'float32';
    const a = array(from, v, resident);
    const out = array(
      to,
      v.map(() => 7),
      resident,
    );
    expect(castWasm(out, a)).toBe(true);
    const expected = to === 'float32' ? Float32Array.from(a) : Float64Array.from(a);
    expect(bits(out)).toEqual(bits(expected));
  });
});

describe('the elementwise kernels with these WebAssembly paths', () => {
  const initial = kernelBackend();
  afterEach(() => setKernelBackend(initial));

  const big = fc
    .integer({ min: 2048, max: 2060 })
    .chain((n) => fc.array(value, { minLength: n, maxLength: n }));

  test.prop(
    [
      fc.constantFrom<BinaryOp>('add', 'sub', 'mul', 'div', 'thresholdBackward'),
      dtypes,
      big,
      value,
      fc.constantFrom('scalar right', 'scalar left', 'row left'),
    ],
    { numRuns: 40 },
  )(
    'give the TypeScript results for a scalar on either side and a row on the left',
    (op, dtype, v, s, layout) => {
      const run = (backend: 'wasm' | 'reference'): number[] => {
        setKernelBackend(backend);
        const full = array(dtype, v, true);
        const out = array(
          dtype,
          v.map(() => 7),
          true,
        );
        if (layout === 'row left') {
          const cols = 32;
          const rows = Math.floor(v.length / cols);
          const rowData = array(dtype, v.slice(0, cols), true);
          const o = out.subarray(0, rows * cols);
          binaryKernel(
            op,
            o,
            rowData,
            full.subarray(0, rows * cols),
            [rows, cols],
            [0, 1],
            [cols, 1],
          );
          return bits(o);
        }
        const one = array(dtype, [s], true);
        if (layout === 'scalar right') binaryKernel(op, out, full, one, [v.length], [1], [0]);
        else binaryKernel(op, out, one, full, [v.length], [0], [1]);
        return bits(out);
      };
      expect(run('wasm')).toEqual(run('reference'));
    },
  );

  test.prop([fc.constantFrom<UnaryOp>('neg', 'abs', 'sqrt'), dtypes, big], { numRuns: 20 })(
    'give the TypeScript results for negate, abs and sqrt',
    (op, dtype, v) => {
      const run = (backend: 'wasm' | 'reference'): number[] => {
        setKernelBackend(backend);
        const x = array(dtype, v, true);
        const out = array(
          dtype,
          v.map(() => 7),
          true,
        );
        unaryKernel(op, out, x, x.length, 0);
        return bits(out);
      };
      expect(run('wasm')).toEqual(run('reference'));
    },
  );

  test.prop([dtypes, big], { numRuns: 20 })('cast as the TypeScript kernel does', (from, v) => {
    const run = (backend: 'wasm' | 'reference'): number[] => {
      setKernelBackend(backend);
      const x = array(from, v, true);
      const out = array(
        from === 'float32' ? 'float64' : 'float32',
        v.map(() => 7),
        true,
      );
      castKernel(out, x);
      return bits(out);
    };
    expect(run('wasm')).toEqual(run('reference'));
  });
});

describe('the per-channel broadcast over [N, C, L] in WebAssembly', () => {
  const initial = kernelBackend();
  afterEach(() => setKernelBackend(initial));

  test.prop(
    [
      fc.constantFrom<BinaryOp>('add', 'sub', 'mul', 'div'),
      dtypes,
      fc.tuple(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 2048, max: 2053 }),
      ),
      fc.boolean(),
      fc.integer({ min: 0, max: 1000 }),
    ],
    { numRuns: 30 },
  )(
    'gives the TypeScript results with the per-channel operand on either side',
    (op, dtype, [n, c, l], left, seed) => {
      const full = Array.from({ length: n * c * l }, (_, i) => Math.sin(i * 0.37 + seed) * 5);
      const channel = Array.from({ length: c }, (_, i) => Math.cos(i + seed) * 3);
      const run = (backend: 'wasm' | 'reference'): number[] => {
        setKernelBackend(backend);
        const big = array(dtype, full, true);
        const small = array(dtype, channel, true);
        const out = array(
          dtype,
          full.map(() => 7),
          true,
        );
        const sFull = [c * l, l, 1];
        const sChannel = [0, 1, 0];
        if (left) binaryKernel(op, out, small, big, [n, c, l], sChannel, sFull);
        else binaryKernel(op, out, big, small, [n, c, l], sFull, sChannel);
        return bits(out);
      };
      expect(run('wasm')).toEqual(run('reference'));
    },
  );
});
