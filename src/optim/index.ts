/**
 * The `optim` namespace, as `torch.optim`: the `Optimizer` base, `SGD`, `Adam`, `AdamW`, and the
 * learning-rate schedulers in `optim.lrScheduler`.
 *
 * @module
 */
export {
  Optimizer,
  type Defaults,
  type Hyper,
  type HyperValue,
  type OptimizerState,
  type OptimizerStateDict,
  type PackedParamGroup,
  type ParamGroup,
  type ParamGroupSpec,
  type Params,
  type ZeroGradOptions,
} from './optimizer.js';
export { SGD, type SGDHyper, type SGDOptions, type SGDState } from './sgd.js';
export { Adam, type AdamHyper, type AdamOptions, type AdamState } from './adam.js';
export { AdamW } from './adamw.js';
export * as lrScheduler from './lr-scheduler.js';
