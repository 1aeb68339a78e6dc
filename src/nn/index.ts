/**
 * The `nn` namespace: modules, parameters and `nn.functional`.
 *
 * @module
 */
export { Module, Parameter, type StateDict, type LoadOptions, type LoadResult } from './module.js';
export {
  BatchNorm1d,
  BatchNorm2d,
  type BatchNorm1dOptions,
  type BatchNorm2dOptions,
} from './batchnorm.js';
export {
  LayerNorm,
  GroupNorm,
  type LayerNormOptions,
  type GroupNormOptions,
} from './normalization.js';
export * as functional from './functional/index.js';
export {
  Linear,
  ReLU,
  Tanh,
  Sigmoid,
  GELU,
  Dropout,
  Flatten,
  Unflatten,
  Identity,
  Sequential,
  type LinearOptions,
} from './layers.js';
export {
  MaxPoolNd,
  MaxPool1d,
  MaxPool2d,
  AvgPoolNd,
  AvgPool1d,
  AvgPool2d,
  AdaptiveAvgPoolNd,
  AdaptiveAvgPool1d,
  AdaptiveAvgPool2d,
} from './pooling.js';
export { MSELoss, NLLLoss, CrossEntropyLoss, BCEWithLogitsLoss } from './loss.js';
export * as init from './init.js';
export { Embedding, type EmbeddingOptions, type FromPretrainedOptions } from './embedding.js';
export { ModuleList } from './container.js';
export { Conv1d, Conv2d, type ConvLayerOptions, type PaddingMode } from './conv.js';
