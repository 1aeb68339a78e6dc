/**
 * Same-shape binary elementwise ops in WebAssembly SIMD (elementwise.wat): the operands are
 * copied into the module's memory, combined four (float32) or two (float64) at a time, and the
 * result copied out. Bit-identical to the TypeScript kernels; faster from a few thousand
 * elements on, where the plain loop is bound by converting every float32 to a double and back.
 */
import { ELEMENTWISE_WASM } from './generated.js';
import { instantiate, reserve, type WasmMemory } from './index.js';

/** The ops of elementwise.wat. */
export type WasmBinaryOp = 'add' | 'sub' | 'mul' | 'div';

type Fn = (out: number, a: number, b: number, n: number) => void;

type ElementwiseExports = { memory: WasmMemory } & Record<`${WasmBinaryOp}_${'f32' | 'f64'}`, Fn>;

let module: ElementwiseExports | null = null;

const NAMES = ['add', 'sub', 'mul', 'div'].flatMap((op) => [
  `${op}_f32`,
  `${op}_f64`,
]) as (keyof ElementwiseExports & string)[];

/**
 * `out = a ∘ b` over whole arrays of one length and one float type (`out` may be `a` or `b`).
 */
export function binaryWasm(
  op: WasmBinaryOp,
  out: Float32Array | Float64Array,
  a: Float32Array | Float64Array,
  b: Float32Array | Float64Array,
): void {
  module ??= instantiate<ElementwiseExports>(ELEMENTWISE_WASM, 'elementwise.wasm', NAMES);
  const n = out.length;
  const bytes = out.BYTES_PER_ELEMENT;
  reserve(module.memory, 2 * n * bytes);
  const heap =
    out instanceof Float32Array
      ? new Float32Array(module.memory.buffer, 0, 2 * n)
      : new Float64Array(module.memory.buffer, 0, 2 * n);
  heap.set(a, 0);
  heap.set(b, n);
  module[`${op}_${bytes === 4 ? 'f32' : 'f64'}`](0, 0, n * bytes, n);
  out.set(heap.subarray(0, n));
}
