/**
 * The float32 SGD step in WebAssembly SIMD (sgd.wat): the same operations and roundings as
 * `sgdKernel` in src/optim/kernels.ts, so the result is the same bit for bit.
 */
import { SGD_WASM } from './generated.js';
import { instantiate, reserve, type WasmMemory } from './index.js';

interface SgdExports {
  memory: WasmMemory;
  sgd_f32: (
    p: number,
    g: number,
    buf: number,
    n: number,
    flags: number,
    wd: number,
    mom: number,
    keep: number,
    step: number,
  ) => void;
}

let sgdModule: SgdExports | null = null;

/** The scalars of one step, already rounded to float32. */
export interface SgdF32Scalars {
  wd: number;
  mom: number;
  keep: number;
  step: number;
  maximize: boolean;
  useWd: boolean;
  nesterov: boolean;
}

/**
 * One SGD step on the first `n` (a multiple of 4) elements of `p`, `g` and `buf` (null without momentum;
 * `fresh`: the buffer is new and takes d).
 */
export function sgdF32(
  p: Float32Array,
  g: Float32Array,
  buf: Float32Array | null,
  fresh: boolean,
  n: number,
  h: SgdF32Scalars,
): void {
  sgdModule ??= instantiate<SgdExports>(SGD_WASM, 'sgd.wasm', ['sgd_f32']);
  const wasm = sgdModule;
  reserve(wasm.memory, 12 * n);
  const heap = new Float32Array(wasm.memory.buffer);
  heap.set(p.subarray(0, n), 0);
  heap.set(g.subarray(0, n), n);
  if (buf !== null && !fresh) heap.set(buf.subarray(0, n), 2 * n);
  const flags =
    (h.maximize ? 1 : 0) |
    (h.useWd ? 2 : 0) |
    (buf !== null ? 4 : 0) |
    (fresh ? 8 : 0) |
    (h.nesterov ? 16 : 0);
  wasm.sgd_f32(0, 4 * n, 8 * n, n, flags, h.wd, h.mom, h.keep, h.step);
  p.set(heap.subarray(0, n));
  if (buf !== null) buf.set(heap.subarray(2 * n, 3 * n));
}
