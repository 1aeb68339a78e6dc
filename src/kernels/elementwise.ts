/**
 * Elementwise kernels: plain loops over typed arrays, for ops named by typed ids.
 *
 * `UNARY` and `BINARY` are the one table of the ops: for each id, the formula it computes at one
 * element, and the SIMD kernel of elementwise.wat that computes the same on floats, where there is
 * one. They are mapped types over the ids, so an op without a formula is a compile error, and so
 * is an op missing from the loops' switches below.
 *
 * No code is generated at run time (a page whose CSP forbids `unsafe-eval` runs every op), and
 * still every loop is as fast as one written by hand for its op: a `switch` on the id, outside
 * the loop, picks a loop that calls one formula, which V8 inlines. The formula is read from the
 * table before the loop; read inside, its lookup would be repeated on every element. A loop
 * shared by all ops would not do: its call site would see every formula, and V8 does not inline
 * such a call (several times slower); nor would a `switch` inside the loop, which costs more per
 * element than the arithmetic it picks. bench/elementwise-loops.ts times these kernels.
 *
 * Layouts with a loop of their own: the same shape (contiguous, for the four arithmetic ops), and
 * rows of the coalesced broadcast layout, read contiguously on both sides or, for the arithmetic
 * ops, with a scalar on either side; any other row runs a strided loop, one per op.
 */
import { ValueError } from '../errors.js';
import type { Storage } from '../tensor/dtype.js';
import {
  binaryWasm,
  castWasm,
  rowsWasm,
  scalarWasm,
  unaryWasm,
  type WasmBinaryOp,
  type WasmUnaryOp as WasmIeeeOp,
} from './wasm/elementwise.js';
import { kernelBackend } from './backend.js';

/** The unary elementwise ops; `square` is `pow` with exponent 2, computed as PyTorch does. */
export type UnaryOp =
  | 'neg'
  | 'exp'
  | 'log'
  | 'sqrt'
  | 'rsqrt'
  | 'abs'
  | 'relu'
  | 'sigmoid'
  | 'tanh'
  | 'sign'
  | 'square'
  | 'pow';

/**
 * The binary elementwise ops. `thresholdBackward` is PyTorch's threshold_backward(x, y, 0): x
 * where y is positive (or NaN), else 0. The comparisons give 1 or 0.
 */
export type BinaryOp =
  | 'add'
  | 'sub'
  | 'mul'
  | 'div'
  | 'maximum'
  | 'thresholdBackward'
  | 'gt'
  | 'ge'
  | 'lt'
  | 'le'
  | 'eq'
  | 'ne';

/** The unary ops of elementwise.wat. */
type WasmUnaryOp = 'relu' | WasmIeeeOp;

interface UnaryImpl {
  /** The result at `x`; `p` is the op's scalar parameter (pow's exponent), unused by the others. */
  readonly f: (x: number, p: number) => number;
  /** The SIMD kernel that gives the same results on float arrays. */
  readonly wasm?: WasmUnaryOp;
}

interface BinaryImpl {
  readonly f: (x: number, y: number) => number;
  readonly wasm?: WasmBinaryOp;
}

/** What each unary op computes. */
export const UNARY: { readonly [K in UnaryOp]: UnaryImpl } = {
  neg: { f: (x) => -x, wasm: 'neg' },
  exp: { f: (x) => Math.exp(x) },
  log: { f: (x) => Math.log(x) },
  sqrt: { f: (x) => Math.sqrt(x), wasm: 'sqrt' },
  rsqrt: { f: (x) => 1 / Math.sqrt(x) },
  abs: { f: (x) => Math.abs(x), wasm: 'abs' },
  relu: { f: (x) => (x <= 0 ? 0 : x), wasm: 'relu' },
  sigmoid: { f: (x) => 1 / (1 + Math.exp(-x)) },
  tanh: { f: (x) => Math.tanh(x) },
  // NaN and ±0 come back unchanged.
  sign: { f: (x) => (x > 0 ? 1 : x < 0 ? -1 : x) },
  square: { f: (x) => x * x },
  pow: { f: (x, p) => Math.pow(x, p) },
};

/** What each binary op computes. */
export const BINARY: { readonly [K in BinaryOp]: BinaryImpl } = {
  add: { f: (x, y) => x + y, wasm: 'add' },
  sub: { f: (x, y) => x - y, wasm: 'sub' },
  mul: { f: (x, y) => x * y, wasm: 'mul' },
  div: { f: (x, y) => x / y, wasm: 'div' },
  // NaN in either operand propagates, as in PyTorch.
  maximum: { f: (x, y) => (x > y || x !== x ? x : y) },
  thresholdBackward: { f: (x, y) => (y <= 0 ? 0 : x), wasm: 'thr' },
  gt: { f: (x, y) => (x > y ? 1 : 0) },
  ge: { f: (x, y) => (x >= y ? 1 : 0) },
  lt: { f: (x, y) => (x < y ? 1 : 0) },
  le: { f: (x, y) => (x <= y ? 1 : 0) },
  eq: { f: (x, y) => (x === y ? 1 : 0) },
  ne: { f: (x, y) => (x !== y ? 1 : 0) },
};

/** Reached only by an id outside the union, from code that is not type-checked. */
function unknownOp(op: never): never {
  throw new ValueError(`elementwise: unknown op ${String(op)}`);
}

/** Below this many elements the copies into WebAssembly memory cost more than they save. */
const WASM_MIN_ELEMENTS = 2048;

/** `out[i] = op(x[i])` for `i < n`, with `p` the op's scalar parameter (pow's exponent). */
export function unaryKernel(op: UnaryOp, out: Storage, x: Storage, n: number, p: number): void {
  const wasm = UNARY[op].wasm;
  if (
    wasm !== undefined &&
    n >= WASM_MIN_ELEMENTS &&
    n === out.length &&
    n === x.length &&
    kernelBackend() === 'wasm'
  ) {
    const f = floatTriple(out, x, x);
    if (f !== null && unaryWasm(wasm, f[0], f[1])) return;
  }
  const U = UNARY;
  switch (op) {
    case 'neg': {
      const f = U.neg.f;
      for (let i = 0; i < n; i++) out[i] = f(x[i], p);
      return;
    }
    case 'exp': {
      const f = U.exp.f;
      for (let i = 0; i < n; i++) out[i] = f(x[i], p);
      return;
    }
    case 'log': {
      const f = U.log.f;
      for (let i = 0; i < n; i++) out[i] = f(x[i], p);
      return;
    }
    case 'sqrt': {
      const f = U.sqrt.f;
      for (let i = 0; i < n; i++) out[i] = f(x[i], p);
      return;
    }
    case 'rsqrt': {
      const f = U.rsqrt.f;
      for (let i = 0; i < n; i++) out[i] = f(x[i], p);
      return;
    }
    case 'abs': {
      const f = U.abs.f;
      for (let i = 0; i < n; i++) out[i] = f(x[i], p);
      return;
    }
    case 'relu': {
      const f = U.relu.f;
      for (let i = 0; i < n; i++) out[i] = f(x[i], p);
      return;
    }
    case 'sigmoid': {
      const f = U.sigmoid.f;
      for (let i = 0; i < n; i++) out[i] = f(x[i], p);
      return;
    }
    case 'tanh': {
      const f = U.tanh.f;
      for (let i = 0; i < n; i++) out[i] = f(x[i], p);
      return;
    }
    case 'sign': {
      const f = U.sign.f;
      for (let i = 0; i < n; i++) out[i] = f(x[i], p);
      return;
    }
    case 'square': {
      const f = U.square.f;
      for (let i = 0; i < n; i++) out[i] = f(x[i], p);
      return;
    }
    case 'pow': {
      const f = U.pow.f;
      for (let i = 0; i < n; i++) out[i] = f(x[i], p);
      return;
    }
    default:
      unknownOp(op);
  }
}

/**
 * `out = op(a, b)` where `a` and `b` are read through element strides `sa`, `sb` laid over the
 * output `shape` (stride 0 = broadcast). Dimensions have been coalesced by the caller
 * (`broadcastLayout`), so that e.g. `[64, 128] + [128]` is one outer loop over rows of 128.
 * `out` may be `a` or `b`: each element is read before it is written.
 */
export function binaryKernel(
  op: BinaryOp,
  out: Storage,
  a: Storage,
  b: Storage,
  shape: readonly number[],
  sa: readonly number[],
  sb: readonly number[],
): void {
  const n = out.length;
  if (n >= WASM_MIN_ELEMENTS && kernelBackend() === 'wasm') {
    const wasm = BINARY[op].wasm;
    if (wasm !== undefined && binaryOnWasm(wasm, out, a, b, shape, sa, sb)) return;
  }
  const rank = shape.length;
  if (rank === 0) {
    row(op, out, 0, a, 0, 1, b, 0, 1, 1);
    return;
  }
  const last = rank - 1;
  const inner = shape[last];
  const ia = sa[last];
  const ib = sb[last];
  if (rank === 1) {
    if (ia === 1 && ib === 1 && sameShape(op, out, a, b, n)) return;
    row(op, out, 0, a, 0, ia, b, 0, ib, n);
    return;
  }
  const idx = new Array<number>(rank).fill(0);
  let oa = 0;
  let ob = 0;
  for (let o = 0; o < n; o += inner) {
    row(op, out, o, a, oa, ia, b, ob, ib, inner);
    for (let d = last - 1; d >= 0; d--) {
      idx[d]++;
      oa += sa[d];
      ob += sb[d];
      if (idx[d] < shape[d]) break;
      oa -= sa[d] * shape[d];
      ob -= sb[d] * shape[d];
      idx[d] = 0;
    }
  }
}

/**
 * `out[i] = op(a[i], b[i])` for `i < n` when `op` is arithmetic, else false (nothing written):
 * `row` without its offsets, whose additions on every element cost as much as the arithmetic.
 */
function sameShape(op: BinaryOp, out: Storage, a: Storage, b: Storage, n: number): boolean {
  const B = BINARY;
  switch (op) {
    case 'add': {
      const f = B.add.f;
      for (let i = 0; i < n; i++) out[i] = f(a[i], b[i]);
      return true;
    }
    case 'sub': {
      const f = B.sub.f;
      for (let i = 0; i < n; i++) out[i] = f(a[i], b[i]);
      return true;
    }
    case 'mul': {
      const f = B.mul.f;
      for (let i = 0; i < n; i++) out[i] = f(a[i], b[i]);
      return true;
    }
    case 'div': {
      const f = B.div.f;
      for (let i = 0; i < n; i++) out[i] = f(a[i], b[i]);
      return true;
    }
    default:
      return false;
  }
}

/** `out[o + j] = op(a[oa + j·ia], b[ob + j·ib])` for `j < len`. */
function row(
  op: BinaryOp,
  out: Storage,
  o: number,
  a: Storage,
  oa: number,
  ia: number,
  b: Storage,
  ob: number,
  ib: number,
  len: number,
): void {
  if (ia === 1 && ib === 0 && scalarRight(op, out, o, a, oa, b[ob], len)) return;
  if (ia === 0 && ib === 1 && scalarLeft(op, out, o, a[oa], b, ob, len)) return;
  strided(op, out, o, a, oa, ia, b, ob, ib, len);
}

/** `out[o + j] = op(a[oa + j], y)` for `j < len` when `op` is arithmetic; else false. */
function scalarRight(
  op: BinaryOp,
  out: Storage,
  o: number,
  a: Storage,
  oa: number,
  y: number,
  len: number,
): boolean {
  const B = BINARY;
  switch (op) {
    case 'add': {
      const f = B.add.f;
      for (let j = 0; j < len; j++) out[o + j] = f(a[oa + j], y);
      return true;
    }
    case 'sub': {
      const f = B.sub.f;
      for (let j = 0; j < len; j++) out[o + j] = f(a[oa + j], y);
      return true;
    }
    case 'mul': {
      const f = B.mul.f;
      for (let j = 0; j < len; j++) out[o + j] = f(a[oa + j], y);
      return true;
    }
    case 'div': {
      const f = B.div.f;
      for (let j = 0; j < len; j++) out[o + j] = f(a[oa + j], y);
      return true;
    }
    default:
      return false;
  }
}

/** `out[o + j] = op(x, b[ob + j])` for `j < len` when `op` is arithmetic; else false. */
function scalarLeft(
  op: BinaryOp,
  out: Storage,
  o: number,
  x: number,
  b: Storage,
  ob: number,
  len: number,
): boolean {
  const B = BINARY;
  switch (op) {
    case 'add': {
      const f = B.add.f;
      for (let j = 0; j < len; j++) out[o + j] = f(x, b[ob + j]);
      return true;
    }
    case 'sub': {
      const f = B.sub.f;
      for (let j = 0; j < len; j++) out[o + j] = f(x, b[ob + j]);
      return true;
    }
    case 'mul': {
      const f = B.mul.f;
      for (let j = 0; j < len; j++) out[o + j] = f(x, b[ob + j]);
      return true;
    }
    case 'div': {
      const f = B.div.f;
      for (let j = 0; j < len; j++) out[o + j] = f(x, b[ob + j]);
      return true;
    }
    default:
      return false;
  }
}

/** `out[o + j] = op(a[oa + j·ia], b[ob + j·ib])` for `j < len`, any steps (`oa`, `ob` advance). */
function strided(
  op: BinaryOp,
  out: Storage,
  o: number,
  a: Storage,
  oa: number,
  ia: number,
  b: Storage,
  ob: number,
  ib: number,
  len: number,
): void {
  const end = o + len;
  const B = BINARY;
  switch (op) {
    case 'add': {
      const f = B.add.f;
      for (let i = o; i < end; i++, oa += ia, ob += ib) out[i] = f(a[oa], b[ob]);
      return;
    }
    case 'sub': {
      const f = B.sub.f;
      for (let i = o; i < end; i++, oa += ia, ob += ib) out[i] = f(a[oa], b[ob]);
      return;
    }
    case 'mul': {
      const f = B.mul.f;
      for (let i = o; i < end; i++, oa += ia, ob += ib) out[i] = f(a[oa], b[ob]);
      return;
    }
    case 'div': {
      const f = B.div.f;
      for (let i = o; i < end; i++, oa += ia, ob += ib) out[i] = f(a[oa], b[ob]);
      return;
    }
    case 'maximum': {
      const f = B.maximum.f;
      for (let i = o; i < end; i++, oa += ia, ob += ib) out[i] = f(a[oa], b[ob]);
      return;
    }
    case 'thresholdBackward': {
      const f = B.thresholdBackward.f;
      for (let i = o; i < end; i++, oa += ia, ob += ib) out[i] = f(a[oa], b[ob]);
      return;
    }
    case 'gt': {
      const f = B.gt.f;
      for (let i = o; i < end; i++, oa += ia, ob += ib) out[i] = f(a[oa], b[ob]);
      return;
    }
    case 'ge': {
      const f = B.ge.f;
      for (let i = o; i < end; i++, oa += ia, ob += ib) out[i] = f(a[oa], b[ob]);
      return;
    }
    case 'lt': {
      const f = B.lt.f;
      for (let i = o; i < end; i++, oa += ia, ob += ib) out[i] = f(a[oa], b[ob]);
      return;
    }
    case 'le': {
      const f = B.le.f;
      for (let i = o; i < end; i++, oa += ia, ob += ib) out[i] = f(a[oa], b[ob]);
      return;
    }
    case 'eq': {
      const f = B.eq.f;
      for (let i = o; i < end; i++, oa += ia, ob += ib) out[i] = f(a[oa], b[ob]);
      return;
    }
    case 'ne': {
      const f = B.ne.f;
      for (let i = o; i < end; i++, oa += ia, ob += ib) out[i] = f(a[oa], b[ob]);
      return;
    }
    default:
      unknownOp(op);
  }
}

/** out = c ? x : y elementwise, where a flagged operand is one element standing for all. */
export function whereKernel(
  out: Storage,
  c: Storage,
  c1: boolean,
  x: Storage,
  x1: boolean,
  y: Storage,
  y1: boolean,
): void {
  const c0 = c[0];
  const x0 = x[0];
  const y0 = y[0];
  for (let i = 0; i < out.length; i++) {
    out[i] = (c1 ? c0 : c[i]) !== 0 ? (x1 ? x0 : x[i]) : y1 ? y0 : y[i];
  }
}

type Floats = Float32Array | Float64Array;

/** The three arrays when they are floats of one type, else null. */
function floatTriple(out: Storage, a: Storage, b: Storage): [Floats, Floats, Floats] | null {
  if (out instanceof Float32Array && a instanceof Float32Array && b instanceof Float32Array) {
    return [out, a, b];
  }
  if (out instanceof Float64Array && a instanceof Float64Array && b instanceof Float64Array) {
    return [out, a, b];
  }
  return null;
}

/**
 * Runs `op` in elementwise.wat's SIMD kernel (same results) when the operands are floats of one
 * type, either of one shape or the second one row repeated (a bias); false (nothing written)
 * otherwise.
 */
function binaryOnWasm(
  op: WasmBinaryOp,
  out: Storage,
  a: Storage,
  b: Storage,
  shape: readonly number[],
  sa: readonly number[],
  sb: readonly number[],
): boolean {
  const f = floatTriple(out, a, b);
  if (f === null) return false;
  const [o, x, y] = f;
  const n = out.length;
  if (shape.length === 1) {
    if (sa[0] === 1 && sb[0] === 1) return binaryWasm(op, o, x, y, 1, n, false);
    // A scalar on either side (one element read with stride 0).
    if (op === 'thr') return false;
    if (sa[0] === 1 && sb[0] === 0) return scalarWasm(op, o, x, y[0], false);
    if (sa[0] === 0 && sb[0] === 1) return scalarWasm(op, o, y, x[0], true);
    return false;
  }
  if (shape.length === 3 && op !== 'thr') {
    // [N, C, L] ∘ [1, C, 1] (or the other way round): one value per row of L, by channel.
    const [n0, c, l] = shape;
    const full = (t: readonly number[]): boolean => t[0] === c * l && t[1] === l && t[2] === 1;
    const perChannel = (t: readonly number[]): boolean => t[0] === 0 && t[1] === 1 && t[2] === 0;
    if (full(sa) && perChannel(sb)) return rowsWasm(op, o, x, y, n0 * c, l, c, false);
    if (perChannel(sa) && full(sb)) return rowsWasm(op, o, y, x, n0 * c, l, c, true);
    return false;
  }
  if (shape.length !== 2 || sa[1] !== 1 || sb[1] !== 1) return false;
  const [rows, cols] = shape;
  if (sa[0] === cols && sb[0] === 0) return binaryWasm(op, o, x, y, rows, cols, true);
  // The row on the left: a + b = b + a and a·b = b·a exactly, so the kernel takes them swapped.
  if (sa[0] === 0 && sb[0] === cols && (op === 'add' || op === 'mul')) {
    return binaryWasm(op, o, y, x, rows, cols, true);
  }
  return false;
}

/**
 * `out = x` converted to `out`'s element type (rounded to nearest even into float32, truncated
 * toward zero into int32), as a typed array's `set` converts.
 */
export function castKernel(out: Storage, x: Storage): void {
  if (
    out.length >= WASM_MIN_ELEMENTS &&
    kernelBackend() === 'wasm' &&
    ((out instanceof Float32Array && x instanceof Float64Array) ||
      (out instanceof Float64Array && x instanceof Float32Array)) &&
    castWasm(out, x)
  ) {
    return;
  }
  out.set(x);
}

/**
 * Strides of an operand of shape `inShape` read over the broadcast `outShape`
 * (0 where the operand is broadcast), then adjacent dimensions merged where both operands allow,
 * so that e.g. `[64, 128] + [128]` becomes one outer loop over one contiguous inner loop.
 */
export function broadcastLayout(
  outShape: readonly number[],
  aShape: readonly number[],
  bShape: readonly number[],
): { shape: number[]; sa: number[]; sb: number[] } {
  const rank = outShape.length;
  const sa = stridesIn(outShape, aShape);
  const sb = stridesIn(outShape, bShape);
  const shape: number[] = [];
  const ca: number[] = [];
  const cb: number[] = [];
  for (let d = 0; d < rank; d++) {
    const size = outShape[d];
    if (size === 1) continue;
    const k = shape.length - 1;
    if (k >= 0 && ca[k] === sa[d] * size && cb[k] === sb[d] * size) {
      shape[k] *= size;
      ca[k] = sa[d];
      cb[k] = sb[d];
    } else {
      shape.push(size);
      ca.push(sa[d]);
      cb.push(sb[d]);
    }
  }
  if (shape.length === 0) return { shape: [1], sa: [1], sb: [1] };
  return { shape, sa: ca, sb: cb };
}

function stridesIn(outShape: readonly number[], inShape: readonly number[]): number[] {
  const rank = outShape.length;
  const off = rank - inShape.length;
  const strides = new Array<number>(rank).fill(0);
  let s = 1;
  for (let d = rank - 1; d >= off; d--) {
    const size = inShape[d - off];
    strides[d] = size === 1 ? 0 : s;
    s *= size;
  }
  return strides;
}
