/**
 * Elementwise kernels: plain loops over typed arrays, one specialised function per op and layout.
 *
 * Each op is given as a JavaScript expression in `x` (and `y`, and the scalar parameter `p`);
 * the loops are generated once per op with `new Function`, so every kernel is monomorphic and has
 * no per-element closure call or boxed number. Layouts with a fast path: same shape, scalar on
 * either side, and the general broadcast, which coalesces dimensions and runs a strided inner loop
 * (trailing-dimension and row broadcasting are both inner loops with stride 0 or 1).
 */
import type { Storage } from '../tensor/dtype.js';
import { binaryWasm, reluWasm, type WasmBinaryOp } from './wasm/elementwise.js';
import { kernelBackend } from './backend.js';

export type UnaryKernel = (out: Storage, x: Storage, n: number, p: number) => void;
export type BinaryKernel = (
  out: Storage,
  a: Storage,
  b: Storage,
  shape: readonly number[],
  sa: readonly number[],
  sb: readonly number[],
  p: number,
) => void;

const unaryCache = new Map<string, UnaryKernel>();
const binaryCache = new Map<string, BinaryKernel>();

/** ReLU's expression: its kernel has a SIMD twin in elementwise.wat. */
const RELU = 'x <= 0 ? 0 : x';

function reluWithWasm(js: UnaryKernel): UnaryKernel {
  return (out, x, n, p) => {
    const f =
      n >= WASM_MIN_ELEMENTS && n === out.length && kernelBackend() === 'wasm'
        ? floatTriple(out, x, x)
        : null;
    if (f === null || !reluWasm(f[0], f[1])) js(out, x, n, p);
  };
}

/** Compiles `out[i] = expr(x[i])` over contiguous storage. */
export function unaryKernel(expr: string): UnaryKernel {
  let k = unaryCache.get(expr);
  if (k === undefined) {
    k = new Function(
      'out',
      'X',
      'n',
      'p',
      `for (let i = 0; i < n; i++) { const x = X[i]; out[i] = ${expr}; }`,
    ) as UnaryKernel;
    if (expr === RELU) k = reluWithWasm(k);
    unaryCache.set(expr, k);
  }
  return k;
}

/**
 * Compiles `out = expr(a, b)` where `a` and `b` are read through element strides `sa`, `sb`
 * laid over the output `shape` (stride 0 = broadcast). Dimensions have been coalesced by the caller.
 *
 * Every loop is its own small generated function: V8 optimises a loop inside one large
 * function with several others about three times worse than the same loop alone.
 */
export function binaryKernel(expr: string): BinaryKernel {
  let k = binaryCache.get(expr);
  if (k === undefined) {
    const loops = {
      // out[o + j] for j < len, a and b read from oa and ob with steps ia and ib
      strided: `for (let j = 0, pa = oa, pb = ob; j < len; j++, pa += ia, pb += ib) {
        const x = A[pa], y = B[pb]; out[o + j] = ${expr}; }`,
      same: `for (let j = 0; j < len; j++) { const x = A[oa + j], y = B[ob + j]; out[o + j] = ${expr}; }`,
      scalarB: `const y = B[ob]; for (let j = 0; j < len; j++) { const x = A[oa + j]; out[o + j] = ${expr}; }`,
      scalarA: `const x = A[oa]; for (let j = 0; j < len; j++) { const y = B[ob + j]; out[o + j] = ${expr}; }`,
    };
    const compiled = Object.fromEntries(
      Object.entries(loops).map(([name, body]) => [
        name,
        new Function('out', 'o', 'A', 'oa', 'ia', 'B', 'ob', 'ib', 'len', 'p', body),
      ]),
    );
    const dispatch = `
      const n = out.length;
      const rank = shape.length;
      if (rank === 0) { same(out, 0, A, 0, 0, B, 0, 0, 1, p); return; }
      const last = rank - 1, inner = shape[last], ia = sa[last], ib = sb[last];
      const row = ia === 1 && ib === 1 ? same : ia === 1 && ib === 0 ? scalarB
        : ia === 0 && ib === 1 ? scalarA : strided;
      if (rank === 1) { row(out, 0, A, 0, ia, B, 0, ib, n, p); return; }
      const idx = new Array(rank).fill(0);
      let oa = 0, ob = 0;
      for (let o = 0; o < n; o += inner) {
        row(out, o, A, oa, ia, B, ob, ib, inner, p);
        for (let d = last - 1; d >= 0; d--) {
          idx[d]++;
          oa += sa[d];
          ob += sb[d];
          if (idx[d] < shape[d]) break;
          oa -= sa[d] * shape[d];
          ob -= sb[d] * shape[d];
          idx[d] = 0;
        }
      }`;
    const js = new Function(
      'same',
      'scalarB',
      'scalarA',
      'strided',
      `return function (out, A, B, shape, sa, sb, p) {${dispatch}};`,
    )(compiled.same, compiled.scalarB, compiled.scalarA, compiled.strided) as BinaryKernel;
    k = withWasm(expr, js);
    binaryCache.set(expr, k);
  }
  return k;
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

const WASM_OPS: Partial<Record<string, WasmBinaryOp>> = {
  'x + y': 'add',
  'x - y': 'sub',
  'x * y': 'mul',
  'x / y': 'div',
  'y <= 0 ? 0 : x': 'thr',
};

/** Below this many elements the copies into WebAssembly memory cost more than they save. */
const WASM_MIN_ELEMENTS = 2048;

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
 * `js`, except that the ops of elementwise.wat on float operands of one type, either of one
 * shape or the second one row repeated (a bias), go to the SIMD kernels (same results) when
 * the WebAssembly backend is on.
 */
function withWasm(expr: string, js: BinaryKernel): BinaryKernel {
  const op = WASM_OPS[expr];
  if (op === undefined) return js;
  return (out, a, b, shape, sa, sb, p) => {
    const f =
      out.length >= WASM_MIN_ELEMENTS && kernelBackend() === 'wasm' ? floatTriple(out, a, b) : null;
    if (f !== null) {
      if (shape.length === 1 && sa[0] === 1 && sb[0] === 1) {
        if (binaryWasm(op, f[0], f[1], f[2], 1, out.length, false)) return;
      } else if (
        shape.length === 2 &&
        sa[0] === shape[1] &&
        sa[1] === 1 &&
        sb[0] === 0 &&
        sb[1] === 1 &&
        binaryWasm(op, f[0], f[1], f[2], shape[0], shape[1], true)
      ) {
        return;
      }
    }
    js(out, a, b, shape, sa, sb, p);
  };
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
