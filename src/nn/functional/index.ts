/**
 * `nn.functional`: stateless forms of the layers.
 *
 * @module
 */
export { batchNorm, type BatchNormOptions, type BatchNormImpl } from './batch-norm.js';
export {
  layerNorm,
  type LayerNormOptions,
  type NormalizedShape,
  type NormImpl,
} from './layer-norm.js';
export { groupNorm, type GroupNormOptions } from './group-norm.js';
export {
  relu,
  gelu,
  dropout,
  linear,
  type GeluOptions,
  type GeluApproximate,
  type DropoutOptions,
} from './activation.js';
export {
  mseLoss,
  nllLoss,
  crossEntropy,
  binaryCrossEntropyWithLogits,
  type Reduction,
  type MseLossOptions,
  type NllLossOptions,
  type CrossEntropyOptions,
  type BceWithLogitsOptions,
} from './loss.js';
export { embedding } from '../../ops/embedding.js';
export { conv1d, conv2d, type ConvOptions, type ConvPadding } from '../../ops/conv.js';
export { pad, type PadMode } from '../../ops/pad.js';
export {
  maxPool1d,
  maxPool2d,
  avgPool1d,
  avgPool2d,
  adaptiveAvgPool1d,
  adaptiveAvgPool2d,
  type Size2,
  type AdaptiveSize2,
  type MaxPoolOptions,
  type AvgPoolOptions,
  type AvgPool2dOptions,
  type MaxPoolFunction,
} from '../../ops/pool.js';
