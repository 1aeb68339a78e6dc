/**
 * tapegrad: a small, exact tape-based reverse-mode autograd for TypeScript.
 *
 * @example
 * ```ts
 * import { tensor } from 'tapegrad';
 * const x = tensor([1, 2, 3], { requiresGrad: true });
 * x.mul(x).sum().backward();
 * console.log(x.grad!.toString()); // tensor([2., 4., 6.])
 * ```
 *
 * @packageDocumentation
 */
export {
  Tensor,
  tidy,
  keep,
  scope,
  type NestedArray,
  type RemovableHandle,
} from './tensor/tensor.js';
export type { ReleaseReason, ScopeHandle } from './tensor/scope.js';
export { memoryStats, setMemoryLimit, memoryLimit, type MemoryStats } from './storage/index.js';
export type { DType, FloatDType } from './tensor/dtype.js';
export { setPrintOptions, printOptions, type PrintOptions } from './tensor/format.js';
export { random, manualSeed, defaultGenerator } from './tensor/random.js';
export { MT19937 } from './ops/generator.js';
export * from './ops/creation.js';
export {
  add,
  sub,
  mul,
  div,
  neg,
  exp,
  log,
  sqrt,
  rsqrt,
  pow,
  abs,
  sign,
  relu,
  sigmoid,
  tanh,
  maximum,
  minimum,
  where,
  gt,
  ge,
  lt,
  le,
  eq,
  ne,
  clone,
  toDtype,
} from './ops/elementwise.js';
export { sum, mean, max, min, argmax, argmin, type ValuesIndices } from './ops/reduce.js';
export {
  reshape,
  flatten,
  unflatten,
  squeeze,
  unsqueeze,
  permute,
  transpose,
  expand,
  cat,
  stack,
  slice,
  narrow,
  gather,
  scatterAdd,
  indexSelect,
  indexAdd,
} from './ops/shape.js';
export { split, chunk } from './ops/split.js';
export { matmul } from './ops/linalg.js';
export {
  setNumThreads,
  getNumThreads,
  setKernelBackend,
  kernelBackend,
  type KernelBackend,
} from './ops/backend.js';
export {
  square,
  variance,
  std,
  logsumexp,
  softmax,
  logSoftmax,
  clamp,
  type VarOptions,
} from './ops/composite.js';
export { unbroadcast } from './ops/unbroadcast.js';
export { noGrad, enableGrad, isGradEnabled, setGradEnabled } from './autograd/grad-mode.js';
export * as autograd from './autograd/index.js';
export { gradcheck, gradgradcheck } from './autograd/gradcheck.js';
export * from './errors.js';
export * as nn from './nn/index.js';
// Saving and loading files, and loadMnist from node_modules, are in the `tapegrad/node` entry
// (src/node.ts): nothing reachable from here imports a `node:` module.
export {
  serialize,
  deserialize,
  readHeader,
  type SafetensorsHeader,
  type SafetensorsTensorInfo,
  type SafetensorsDType,
} from './io/index.js';
export * as optim from './optim/index.js';
export * as data from './data/index.js';
