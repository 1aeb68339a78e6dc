/**
 * The WebAssembly side of the kernels, by job: `instance.ts` compiles the modules, instantiates
 * them on the tensor memory and stages operands; `threads.ts` is the worker pool; `matmul.ts`,
 * `elementwise.ts`, `batchnorm.ts` and `sgd.ts` call the kernels of the `.wat` files beside them
 * (assembled into generated.ts by scripts/build-wasm.mjs). This file gathers what the rest of
 * src/kernels and the tests use.
 */
export { kernelBackend, setKernelBackend, type KernelBackend } from '../backend.js';
export {
  decode,
  instanceExports,
  newMemory,
  relaxedSimd,
  stage,
  type WasmMemory,
} from './instance.js';
export {
  chunkSize,
  getNumThreads,
  runJob,
  setNumThreads,
  threadsReady,
  workerChunks,
  JOB_BN_BACKWARD,
  JOB_BN_FORWARD,
  JOB_MATMUL,
} from './threads.js';
export { matmulF32, matmulKernelInfo, matmulThreads, THREAD_MIN_WORK } from './matmul.js';
