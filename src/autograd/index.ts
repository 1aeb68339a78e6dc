/**
 * The `autograd` namespace: functional gradients and the checks that prove them.
 *
 * @module
 */
export { backward, grad, type BackwardOptions, type GradOptions } from './engine.js';
export { gradcheck, gradgradcheck, type GradcheckOptions, type TensorFn } from './gradcheck.js';
export {
  definePrimitive,
  apply,
  applyWithAux,
  type Primitive,
  type VjpArgs,
  type Forward,
} from './function.js';
export { graphStats, type GraphStats, type Node, type GradHook, type InputMeta } from './node.js';
export {
  compareVjp,
  assertSameVjp,
  formatReport,
  type CompareOptions,
  type AssertSameOptions,
  type Difference,
  type VjpReport,
} from './compare.js';
