/** `nn.functional`: stateless forms of the layers. */
export { batchNorm, type BatchNormOptions, type BatchNormImpl } from './batch-norm.js';
