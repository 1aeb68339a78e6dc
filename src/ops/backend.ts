/**
 * The package root's kernel settings: which kernel set runs (`setKernelBackend`,
 * `kernelBackend`) and how many threads the threaded kernels may use (`setNumThreads`,
 * `getNumThreads`). They live in src/kernels/wasm/index.ts, beside the kernels they set, and
 * this file is the way up to them, as only src/ops imports kernels.
 */
export {
  getNumThreads,
  kernelBackend,
  setKernelBackend,
  setNumThreads,
  type KernelBackend,
} from '../kernels/wasm/index.js';
