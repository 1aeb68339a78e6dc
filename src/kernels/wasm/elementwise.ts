/**
 * Elementwise ops in WebAssembly SIMD (elementwise.wat): the operands are copied into the
 * module's memory, combined four (float32) or two (float64) at a time, and the result copied
 * out. Bit-identical to the TypeScript kernels; faster from a few thousand elements on, where
 * the plain loop is bound by converting every float32 to a double and back.
 */
import { ELEMENTWISE_WASM } from './generated.js';
import { instantiate, reserve, type WasmMemory } from './index.js';

/** The binary ops of elementwise.wat: arithmetic, and PyTorch's threshold_backward. */
export type WasmBinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'thr';

type Suffix = 'f32' | 'f64';
type Binary = (out: number, a: number, b: number, rows: number, cols: number, bRow: number) => void;
type Unary = (out: number, a: number, n: number) => void;

type ColSum = (acc: number, x: number, rows: number, cols: number) => void;

type ElementwiseExports = { memory: WasmMemory } & Record<`${WasmBinaryOp}_${Suffix}`, Binary> &
  Record<`relu_${Suffix}`, Unary> &
  Record<`colsum_${Suffix}`, ColSum>;

const NAMES = (['add', 'sub', 'mul', 'div', 'thr', 'relu', 'colsum'] as const).flatMap(
  (op) => [`${op}_f32`, `${op}_f64`] as const,
);

let module: ElementwiseExports | null = null;

type Floats = Float32Array | Float64Array;

function exports(): ElementwiseExports {
  module ??= instantiate<ElementwiseExports>(ELEMENTWISE_WASM, 'elementwise.wasm', NAMES);
  return module;
}

/**
 * The module's memory as `like`'s element type, grown to hold `length` elements, or null when it
 * cannot hold them.
 */
function heapOf(like: Floats, length: number): Floats | null {
  const module = exports();
  if (!reserve(module.memory, length * like.BYTES_PER_ELEMENT)) return null;
  return like instanceof Float32Array
    ? new Float32Array(module.memory.buffer, 0, length)
    : new Float64Array(module.memory.buffer, 0, length);
}

/**
 * `out = a ∘ b` for `a` and `out` of `rows × cols` elements of one float type and `b` either
 * the same size or, with `bRow`, one row of `cols` repeated (`out` may be `a` or `b`). False
 * (nothing written) when the operands do not fit the module's memory.
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
  const n = out.length;
  const heap = heapOf(out, n + b.length);
  if (heap === null) return false;
  heap.set(a, 0);
  heap.set(b, n);
  const bytes = out.BYTES_PER_ELEMENT;
  module![`${op}_${bytes === 4 ? 'f32' : 'f64'}`](0, 0, n * bytes, rows, cols, bRow ? 1 : 0);
  out.set(heap.subarray(0, n));
  return true;
}

/** `out = max(x, 0)` elementwise, NaN kept (ReLU), for arrays of one float type. */
export function reluWasm(out: Floats, x: Floats): boolean {
  const n = out.length;
  const heap = heapOf(out, n);
  if (heap === null) return false;
  heap.set(x, 0);
  module![`relu_${out.BYTES_PER_ELEMENT === 4 ? 'f32' : 'f64'}`](0, 0, n);
  out.set(heap.subarray(0, n));
  return true;
}

/**
 * `out[o, i] = Σ_k x[o, k, i]` for x of outer × r × inner floats and `out` of x's type: each sum
 * in float64 over k in order, rounded once into `out`, as `sumKernel` does. False (nothing
 * written) when x does not fit the module's memory.
 */
export function colsumWasm(
  out: Floats,
  x: Floats,
  outer: number,
  r: number,
  inner: number,
): boolean {
  const wasm = exports();
  const accBytes = Math.ceil((inner * 8) / 16) * 16;
  if (!reserve(wasm.memory, accBytes + x.length * x.BYTES_PER_ELEMENT)) return false;
  const buffer = wasm.memory.buffer;
  const acc = new Float64Array(buffer, 0, inner);
  if (x instanceof Float32Array) new Float32Array(buffer, accBytes, x.length).set(x);
  else new Float64Array(buffer, accBytes, x.length).set(x);
  const sum = x instanceof Float32Array ? wasm.colsum_f32 : wasm.colsum_f64;
  const block = r * inner * x.BYTES_PER_ELEMENT;
  for (let o = 0; o < outer; o++) {
    acc.fill(0);
    sum(0, accBytes + o * block, r, inner);
    out.set(acc, o * inner);
  }
  return true;
}
