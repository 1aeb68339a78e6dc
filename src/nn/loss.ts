/**
 * Loss modules: `MSELoss`, `NLLLoss`, `CrossEntropyLoss`, `BCEWithLogitsLoss`, the module forms
 * of the functions in `nn.functional` (src/nn/functional/loss.ts). As in PyTorch, the class
 * `weight` and `pos_weight` are buffers, so they appear in `stateDict()` under those names.
 */
import { ValueError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import {
  binaryCrossEntropyWithLogits,
  checkReduction,
  crossEntropy,
  mseLoss,
  nllLoss,
  type BceWithLogitsOptions,
  type CrossEntropyOptions,
  type MseLossOptions,
  type NllLossOptions,
  type Reduction,
} from './functional/loss.js';
import { Module } from './module.js';

/**
 * Mean squared error, `torch.nn.MSELoss`.
 * @example new nn.MSELoss().forward(pred, y)
 */
export class MSELoss extends Module {
  /** How the per-element losses are combined: `'mean'`, `'sum'` or `'none'`. */
  readonly reduction: Reduction;

  constructor(options: MseLossOptions = {}) {
    super();
    this.reduction = checkReduction(options.reduction ?? 'mean');
  }

  /**
   * (input − target)², reduced; the shapes must be equal.
   * @example new nn.MSELoss().forward(tensor([1, 2]), tensor([1, 4])) // tensor(2.)
   */
  forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, { reduction: this.reduction });
  }
}

/**
 * Negative log-likelihood of class indices given log-probabilities, `torch.nn.NLLLoss`.
 * @example new nn.NLLLoss({ ignoreIndex: 0 }).forward(logp, labels)
 */
export class NLLLoss extends Module {
  /** Targets equal to this class index contribute nothing, not even to the mean's count. */
  readonly ignoreIndex: number;
  /** How the per-element losses are combined: `'mean'`, `'sum'` or `'none'`. */
  readonly reduction: Reduction;

  constructor(options: NllLossOptions = {}) {
    super();
    this.ignoreIndex = options.ignoreIndex ?? -100;
    this.reduction = checkReduction(options.reduction ?? 'mean');
    this.registerBuffer('weight', options.weight ?? null);
  }

  /** The per-class weight (a buffer), or null. */
  get weight(): Tensor | null {
    return this.buffer('weight');
  }

  /**
   * −input[i, target_i] (times the class weight), reduced; `input` holds log-probabilities.
   * @example new nn.NLLLoss().forward(logits.logSoftmax(1), labels)
   */
  forward(input: Tensor, target: Tensor): Tensor {
    return nllLoss(input, target, {
      weight: this.weight,
      ignoreIndex: this.ignoreIndex,
      reduction: this.reduction,
    });
  }
}

/**
 * Cross-entropy of logits against class indices or class probabilities, with class weights,
 * `ignoreIndex` and label smoothing, `torch.nn.CrossEntropyLoss`.
 * @example new nn.CrossEntropyLoss({ labelSmoothing: 0.1 }).forward(logits, labels)
 */
export class CrossEntropyLoss extends Module {
  /** Targets equal to this class index contribute nothing, not even to the mean's count. */
  readonly ignoreIndex: number;
  /** How the per-element losses are combined: `'mean'`, `'sum'` or `'none'`. */
  readonly reduction: Reduction;
  /** ε: the target is mixed with the uniform distribution, (1 − ε)·target + ε/C. */
  readonly labelSmoothing: number;

  constructor(options: CrossEntropyOptions = {}) {
    super();
    const { ignoreIndex = -100, labelSmoothing = 0 } = options;
    if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
      throw new ValueError(`label_smoothing must be between 0.0 and 1.0. Got: ${labelSmoothing}`);
    }
    this.ignoreIndex = ignoreIndex;
    this.reduction = checkReduction(options.reduction ?? 'mean');
    this.labelSmoothing = labelSmoothing;
    this.registerBuffer('weight', options.weight ?? null);
  }

  /** The per-class weight (a buffer), or null. */
  get weight(): Tensor | null {
    return this.buffer('weight');
  }

  /**
   * The NLL of `logSoftmax(input, 1)` against class indices or class probabilities, reduced.
   * @example new nn.CrossEntropyLoss().forward(zeros([2, 4]), tensor([0, 3], { dtype: 'int32' }))
   */
  forward(input: Tensor, target: Tensor): Tensor {
    return crossEntropy(input, target, {
      weight: this.weight,
      ignoreIndex: this.ignoreIndex,
      reduction: this.reduction,
      labelSmoothing: this.labelSmoothing,
    });
  }
}

/**
 * Binary cross-entropy on logits, with optional element `weight` and `posWeight`,
 * `torch.nn.BCEWithLogitsLoss`.
 * @example new nn.BCEWithLogitsLoss({ posWeight: tensor([3]) }).forward(logits, labels)
 */
export class BCEWithLogitsLoss extends Module {
  /** How the per-element losses are combined: `'mean'`, `'sum'` or `'none'`. */
  readonly reduction: Reduction;

  constructor(options: BceWithLogitsOptions = {}) {
    super();
    this.reduction = checkReduction(options.reduction ?? 'mean');
    this.registerBuffer('weight', options.weight ?? null);
    this.registerBuffer('pos_weight', options.posWeight ?? null);
  }

  /** The element weight (a buffer), or null. */
  get weight(): Tensor | null {
    return this.buffer('weight');
  }

  /** The positive-class weight (the `pos_weight` buffer), or null. */
  get posWeight(): Tensor | null {
    return this.buffer('pos_weight');
  }

  /**
   * −w·[p·t·log σ(x) + (1 − t)·log(1 − σ(x))] for logits x and targets t in [0, 1], reduced.
   * @example new nn.BCEWithLogitsLoss().forward(tensor([0]), tensor([1])) // tensor(0.6931)
   */
  forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropyWithLogits(input, target, {
      weight: this.weight,
      posWeight: this.posWeight,
      reduction: this.reduction,
    });
  }
}
