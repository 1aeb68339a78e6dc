/** The `nn` namespace: modules, parameters and `nn.functional`. */
export { Module, Parameter, type StateDict, type LoadOptions, type LoadResult } from './module.js';
export { BatchNorm1d, type BatchNorm1dOptions } from './batchnorm.js';
export * as functional from './functional/index.js';
