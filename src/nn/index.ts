/**
 * The `nn` namespace: modules, parameters and `nn.functional`.
 *
 * @module
 */
export { Module, Parameter, type StateDict, type LoadOptions, type LoadResult } from './module.js';
export { BatchNorm1d, type BatchNorm1dOptions } from './batchnorm.js';
export * as functional from './functional/index.js';
export {
  Linear,
  ReLU,
  Tanh,
  Sigmoid,
  GELU,
  Dropout,
  Flatten,
  Identity,
  Sequential,
  type LinearOptions,
} from './layers.js';
export {
  MaxPoolNd,
  MaxPool1d,
  MaxPool2d,
  AvgPool1d,
  AvgPool2d,
  AdaptiveAvgPool1d,
  AdaptiveAvgPool2d,
} from './pooling.js';
export { MSELoss, NLLLoss, CrossEntropyLoss, BCEWithLogitsLoss } from './loss.js';
export * as init from './init.js';
