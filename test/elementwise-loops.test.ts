/**
 * The elementwise kernels run one loop per op and layout, written out by hand, each calling its
 * op's formula from the one table (`UNARY`, `BINARY`). Every loop must compute exactly that
 * formula, element by element as the layout reads the operands: this is what catches a case that
 * calls another op's formula or reads the wrong element. Arrays stay below the size at which the
 * WebAssembly kernels take over, so the TypeScript loops run with either backend.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import {
  BINARY,
  UNARY,
  binaryKernel,
  broadcastLayout,
  unaryKernel,
  type BinaryOp,
  type UnaryOp,
} from '../src/kernels/elementwise.js';

type Storage = Float32Array | Float64Array | Int32Array;
type DType = 'float32' | 'float64' | 'int32';

const special = [0, -0, Infinity, -Infinity, NaN, 2 ** -149, -(2 ** -1074), 1e-40, 3.4e38, 1, -1];
const value = fc.oneof(
  fc.double({ min: -1e6, max: 1e6, noNaN: true }),
  fc.constantFrom(...special),
  fc.integer({ min: -5, max: 5 }),
);

function storage(dtype: DType, v: readonly number[]): Storage {
  if (dtype === 'float32') return Float32Array.from(v);
  if (dtype === 'float64') return Float64Array.from(v);
  return Int32Array.from(v);
}

/** Equal element for element, bit for bit (±0 told apart), every NaN counting as one value. */
function same(got: Storage, want: Storage): boolean {
  return got.every((v, i) => Object.is(v, want[i]) || (Number.isNaN(v) && Number.isNaN(want[i])));
}

const unaryOps = Object.keys(UNARY) as UnaryOp[];
const binaryOps = Object.keys(BINARY) as BinaryOp[];

/**
 * Output shape and the two operands' shapes, one per layout with a loop of its own, then the
 * layouts that run the strided loops: rows of several operand shapes, and a rank-0 output.
 */
const BROADCASTS: [number[], number[], number[]][] = [
  [[9], [9], [9]], // one shape
  [[9], [9], [1]], // a scalar on the right
  [[9], [1], [9]], // a scalar on the left
  [[4, 9], [4, 9], [9]], // rows: a bias
  [
    [4, 9],
    [4, 9],
    [4, 1],
  ], // rows with a scalar on the right: a column
  [
    [4, 9],
    [4, 1],
    [4, 9],
  ], // rows with a scalar on the left
  [
    [3, 4, 5],
    [3, 1, 5],
    [1, 4, 5],
  ], // rows at offsets that differ between the operands
  [
    [3, 4],
    [3, 1],
    [1, 4],
  ], // an outer sum
  [[], [], []], // rank 0
];

/** `out[i] = f(a[Σ idx·sa], b[Σ idx·sb])` over the multi-index `idx` of `i` in `shape`. */
function expected(
  op: BinaryOp,
  out: Storage,
  a: Storage,
  b: Storage,
  shape: readonly number[],
  sa: readonly number[],
  sb: readonly number[],
): Storage {
  const want = out.slice();
  for (let i = 0; i < want.length; i++) {
    let rest = i;
    let pa = 0;
    let pb = 0;
    for (let d = shape.length - 1; d >= 0; d--) {
      const k = rest % shape[d];
      rest = Math.floor(rest / shape[d]);
      pa += k * sa[d];
      pb += k * sb[d];
    }
    want[i] = BINARY[op].f(a[pa], b[pb]);
  }
  return want;
}

const numel = (shape: readonly number[]): number => shape.reduce((p, q) => p * q, 1);

const DTYPES: DType[] = ['float32', 'float64', 'int32'];

// Every op runs in every layout and dtype on each generated array of values.
describe('the elementwise loops', () => {
  test.prop([fc.array(value, { minLength: 180, maxLength: 180 })])(
    "compute each binary op's formula in every broadcast layout",
    (v) => {
      for (const op of binaryOps) {
        for (const dtype of DTYPES) {
          for (const [outShape, aShape, bShape] of BROADCASTS) {
            const a = storage(dtype, v.slice(0, numel(aShape)));
            const b = storage(dtype, v.slice(90, 90 + numel(bShape)));
            const out = storage(dtype, new Array<number>(numel(outShape)).fill(7));
            const { shape, sa, sb } = broadcastLayout(outShape, aShape, bShape);
            const want = expected(op, out, a, b, shape, sa, sb);
            binaryKernel(op, out, a, b, shape, sa, sb);
            expect(same(out, want), `${op} ${dtype} [${outShape}] [${aShape}] [${bShape}]`).toBe(
              true,
            );
          }
        }
      }
    },
  );

  test.prop([fc.array(value, { minLength: 24, maxLength: 24 })])(
    'compute each binary op with steps other than 0 and 1 (a transposed operand)',
    (v) => {
      for (const op of binaryOps) {
        for (const dtype of DTYPES) {
          // out is 4 × 3; a is a 3 × 4 array read transposed, b a row of 3 repeated.
          const a = storage(dtype, v.slice(0, 12));
          const b = storage(dtype, v.slice(12, 15));
          const out = storage(dtype, new Array<number>(12).fill(7));
          const [shape, sa, sb] = [
            [4, 3],
            [1, 4],
            [0, 1],
          ];
          const want = expected(op, out, a, b, shape, sa, sb);
          binaryKernel(op, out, a, b, shape, sa, sb);
          expect(same(out, want), `${op} ${dtype}`).toBe(true);
        }
      }
    },
  );

  test.prop([fc.array(value, { minLength: 20, maxLength: 20 })])(
    'compute each binary op in place, into its first operand',
    (v) => {
      for (const op of binaryOps) {
        for (const dtype of DTYPES) {
          const a = storage(dtype, v.slice(0, 10));
          const b = storage(dtype, v.slice(10));
          const want = expected(op, a, a, b, [10], [1], [1]);
          binaryKernel(op, a, a, b, [10], [1], [1]);
          expect(same(a, want), `${op} ${dtype}`).toBe(true);
        }
      }
    },
  );

  test.prop([
    fc.array(value, { minLength: 1, maxLength: 40 }),
    fc.constantFrom(2, 3, 0.5, -1, 0, NaN, Math.fround(1.1)),
  ])("compute each unary op's formula, with its scalar parameter", (v, p) => {
    for (const op of unaryOps) {
      for (const dtype of DTYPES) {
        const x = storage(dtype, v);
        const out = storage(dtype, new Array<number>(v.length).fill(7));
        const want = out.map((_, i) => UNARY[op].f(x[i], p));
        unaryKernel(op, out, x, x.length, p);
        expect(same(out, want), `${op} ${dtype}`).toBe(true);
      }
    }
  });
});
