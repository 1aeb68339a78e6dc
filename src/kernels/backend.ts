/**
 * The kernel set: the WebAssembly SIMD kernels (default), or the plain TypeScript reference ones,
 * which the fast kernels are tested against bit for bit. `TAPEGRAD_KERNELS=reference` (or
 * `setKernelBackend('reference')`) turns the fast paths off, and the test suite runs both ways.
 */
import { platform } from '../platform/index.js';

/** The kernel set: the WebAssembly SIMD kernels, or the plain TypeScript reference ones. */
export type KernelBackend = 'wasm' | 'reference';

let backend: KernelBackend =
  platform.env('TAPEGRAD_KERNELS') === 'reference' ? 'reference' : 'wasm';

/**
 * Chooses the kernels: `'wasm'` (default) or the plain TypeScript `'reference'` ones, which the
 * fast kernels are tested against (`TAPEGRAD_KERNELS=reference` sets it for a whole process).
 * @example setKernelBackend('reference')
 */
export function setKernelBackend(b: KernelBackend): void {
  backend = b;
}

/** The kernels in use. */
export function kernelBackend(): KernelBackend {
  return backend;
}
