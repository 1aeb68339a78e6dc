/**
 * Elementwise ops in WebAssembly SIMD (elementwise.wat) on the tensor memory: operands are read
 * and the result written where they are, four (float32) or two (float64) at a time.
 * Bit-identical to the TypeScript kernels; faster from a few thousand elements on, where the
 * plain loop is bound by converting every float32 to a double and back.
 */
import { heap } from '../../storage/memory.js';
import { ELEMENTWISE_UNSHARED_WASM, ELEMENTWISE_WASM } from './generated.js';
import { lazyKernelModule, stage } from './instance.js';

/** The binary ops of elementwise.wat: arithmetic, and PyTorch's threshold_backward. */
export type WasmBinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'thr';

/** The unary ops of elementwise.wat besides ReLU: IEEE negate, absolute value, square root. */
export type WasmUnaryOp = 'neg' | 'abs' | 'sqrt';

const OPS = [
  'add',
  'sub',
  'mul',
  'div',
  'thr',
  'relu',
  'colsum',
  'neg',
  'abs',
  'sqrt',
  'add_scalar',
  'sub_scalar',
  'mul_scalar',
  'div_scalar',
  'add_rows',
  'sub_rows',
  'mul_rows',
  'div_rows',
] as const;
const NAMES = [
  ...OPS.flatMap((op) => [`${op}_f32`, `${op}_f64`] as const),
  'cast_f32_f64',
  'cast_f64_f32',
] as const;

const exports = lazyKernelModule(
  { shared: ELEMENTWISE_WASM, unshared: ELEMENTWISE_UNSHARED_WASM },
  'elementwise.wasm',
  NAMES,
);

type Floats = Float32Array | Float64Array;

const suffix = (x: Floats): 'f32' | 'f64' => (x instanceof Float32Array ? 'f32' : 'f64');

/**
 * `out = a ∘ b` for `a` and `out` of `rows × cols` elements of one float type and `b` either
 * the same size or, with `bRow`, one row of `cols` repeated (`out` may be `a` or `b`). False
 * (nothing written) when the memory cannot hold the operands.
 */
export function binaryWasm(
  op: WasmBinaryOp,
  out: Floats,
  a: Floats,
  b: Floats,
  rows: number,
  cols: number,
  bRow: boolean,
): boolean {
  const s = stage([{ data: a }, { data: b }, { data: out, out: true }]);
  if (s === null) return false;
  const [aAt, bAt, outAt] = s.at;
  exports()[`${op}_${suffix(out)}`](outAt, aAt, bAt, rows, cols, bRow ? 1 : 0);
  s.done();
  return true;
}

/**
 * `out = a ∘ s` (or `s ∘ a` with `left`) for a scalar `s` already rounded to the arrays' type.
 * False (nothing written) when the memory cannot hold the operands.
 */
export function scalarWasm(
  op: Exclude<WasmBinaryOp, 'thr'>,
  out: Floats,
  a: Floats,
  s: number,
  left: boolean,
): boolean {
  const st = stage([{ data: a }, { data: out, out: true }]);
  if (st === null) return false;
  const [aAt, outAt] = st.at;
  exports()[`${op}_scalar_${suffix(out)}`](outAt, aAt, out.length, s, left ? 1 : 0);
  st.done();
  return true;
}

/**
 * `out[r, j] = a[r, j] ∘ b[r mod period]` (or `b[…] ∘ a[r, j]` with `left`) for `rows × cols`
 * elements: an operand per channel broadcast over [N, C, L]. False (nothing written) when the
 * memory cannot hold the operands.
 */
export function rowsWasm(
  op: Exclude<WasmBinaryOp, 'thr'>,
  out: Floats,
  a: Floats,
  b: Floats,
  rows: number,
  cols: number,
  period: number,
  left: boolean,
): boolean {
  const s = stage([{ data: a }, { data: b }, { data: out, out: true }]);
  if (s === null) return false;
  const [aAt, bAt, outAt] = s.at;
  exports()[`${op}_rows_${suffix(out)}`](outAt, aAt, bAt, rows, cols, period, left ? 1 : 0);
  s.done();
  return true;
}

/**
 * `out = op(x)` elementwise, for arrays of one float type: ReLU (max(x, 0), NaN kept), negate,
 * absolute value, square root.
 */
export function unaryWasm(op: WasmUnaryOp | 'relu', out: Floats, x: Floats): boolean {
  const s = stage([{ data: x }, { data: out, out: true }]);
  if (s === null) return false;
  const [xAt, outAt] = s.at;
  exports()[`${op}_${suffix(out)}`](outAt, xAt, out.length);
  s.done();
  return true;
}

/** `out = x` converted between float32 and float64 (either way). */
export function castWasm(out: Floats, x: Floats): boolean {
  if (suffix(out) === suffix(x)) return false;
  const s = stage([{ data: x }, { data: out, out: true }]);
  if (s === null) return false;
  const [xAt, outAt] = s.at;
  exports()[out instanceof Float64Array ? 'cast_f32_f64' : 'cast_f64_f32'](outAt, xAt, out.length);
  s.done();
  return true;
}

/**
 * `out[o, i] = Σ_k x[o, k, i]` for x of outer × r × inner floats and `out` of x's type: each sum
 * in float64 over k in order, rounded once into `out`, as `sumKernel` does. False (nothing
 * written) when the memory cannot hold x.
 */
export function colsumWasm(
  out: Floats,
  x: Floats,
  outer: number,
  r: number,
  inner: number,
): boolean {
  const s = stage([{ data: x }, { data: out, out: true }], [8 * inner]);
  if (s === null) return false;
  const [xAt, outAt] = s.at;
  const [accAt] = s.scratch;
  const sum = exports()[`colsum_${suffix(x)}`];
  const block = r * inner * x.BYTES_PER_ELEMENT;
  const buffer = heap();
  const acc = new Float64Array(buffer, accAt, inner);
  const target =
    x instanceof Float32Array
      ? new Float32Array(buffer, outAt, outer * inner)
      : new Float64Array(buffer, outAt, outer * inner);
  for (let o = 0; o < outer; o++) {
    acc.fill(0);
    sum(accAt, xAt + o * block, r, inner);
    target.set(acc, o * inner);
  }
  s.done();
  return true;
}
