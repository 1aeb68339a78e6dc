/**
 * `nn.functional`: stateless forms of the layers.
 *
 * @module
 */
export { batchNorm, type BatchNormOptions, type BatchNormImpl } from './batch-norm.js';
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
export { conv1d, conv2d, type ConvOptions, type ConvPadding } from '../../ops/conv.js';
export { pad, type PadMode } from '../../ops/pad.js';
