/**
 * The WebAssembly SIMD kernels (assembled from the `.wat` files beside this one by
 * `scripts/build-wasm.mjs`). Tensors stay in JS typed arrays; a call copies its operands into the
 * module's memory, runs, and copies the result out, so nothing needs `dispose()`. The plain
 * TypeScript kernels remain the reference: `TAPEGRAD_KERNELS=reference` (or
 * `setKernelBackend('reference')`) turns the fast paths off, and the test suite runs both ways.
 */
import { MATMUL_WASM } from './generated.js';

export type KernelBackend = 'wasm' | 'reference';

let backend: KernelBackend =
  typeof process !== 'undefined' && process.env.TAPEGRAD_KERNELS === 'reference'
    ? 'reference'
    : 'wasm';

/** Chooses the kernels: `'wasm'` (default) or the plain TypeScript `'reference'` ones. */
export function setKernelBackend(b: KernelBackend): void {
  backend = b;
}

/** The kernels in use. */
export function kernelBackend(): KernelBackend {
  return backend;
}

// The lib this project compiles against (ES2022, no DOM) has no WebAssembly types: the little
// that is used is declared here.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}
const wasmApi: WasmApi = Reflect.get(globalThis, 'WebAssembly');

interface MatmulExports {
  memory: WasmMemory;
  matmul_f32: (
    a: number,
    b: number,
    c: number,
    n: number,
    k: number,
    m: number,
    j0: number,
    j1: number,
    bp: number,
    tmp: number,
  ) => void;
}

let matmulModule: MatmulExports | null = null;

function decode(base64: string): Uint8Array {
  return Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0));
}

function isMatmulExports(e: Record<string, unknown>): e is Record<string, unknown> & MatmulExports {
  return typeof e.memory === 'object' && e.memory !== null && typeof e.matmul_f32 === 'function';
}

function matmulExports(): MatmulExports {
  if (matmulModule === null) {
    const instance = new wasmApi.Instance(new wasmApi.Module(decode(MATMUL_WASM)));
    if (!isMatmulExports(instance.exports)) throw new Error('matmul.wasm: unexpected exports');
    matmulModule = instance.exports;
  }
  return matmulModule;
}

/**
 * `out = a · b` for f32 `a` of [n, k] and `b` of [k, m], in SIMD with f32 accumulation (as
 * BLAS does): each element is within k·2⁻²⁴·Σ|a||b| of the exact product.
 */
export function matmulF32(
  out: Float32Array,
  a: Float32Array,
  b: Float32Array,
  n: number,
  k: number,
  m: number,
): void {
  const wasm = matmulExports();
  const c = align(a.length + b.length);
  const bp = align(c + out.length);
  const tmp = align(bp + k * 8 * Math.ceil(m / 8));
  const bytes = 4 * (tmp + 32);
  const pages = Math.ceil(bytes / 65536) - wasm.memory.buffer.byteLength / 65536;
  if (pages > 0) wasm.memory.grow(pages);
  const heap = new Float32Array(wasm.memory.buffer);
  heap.set(a, 0);
  heap.set(b, a.length);
  wasm.matmul_f32(0, 4 * a.length, 4 * c, n, k, m, 0, m, 4 * bp, 4 * tmp);
  out.set(heap.subarray(c, c + out.length));
}

/** Rounds a float index up to a 64-byte boundary. */
function align(floats: number): number {
  return (floats + 15) & ~15;
}
