/**
 * `nn.BatchNorm1d` and `nn.BatchNorm2d`, with PyTorch's options, state, key names, errors and
 * extra_repr, on either implementation. They differ only in the input ranks they accept: both run
 * the one BatchNorm op over (N, C, *).
 */
import { ShapeError, ValueError } from '../errors.js';
import type { FloatDType } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { noGrad } from '../autograd/grad-mode.js';
import { full, zeros } from '../ops/creation.js';
import { batchNorm } from './functional/batch-norm.js';
import {
  checkBatchNorm,
  checkEps,
  checkImpl,
  type BatchNormImpl,
} from '../ops/batch-norm-checks.js';
import { Module, type Parameter } from './module.js';
import { affineParameters } from './normalization.js';
import { pyBool, pyFloat } from './repr.js';

/** Options of `new nn.BatchNorm1d(C, options)` / `nn.BatchNorm2d`, with PyTorch's defaults. */
export interface BatchNorm1dOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Running-average weight of each new batch; `null` for a cumulative average (default 0.1). */
  momentum?: number | null;
  /** Learnable per-channel weight (init 1) and bias (init 0) (default true). */
  affine?: boolean;
  /** Keep running statistics for evaluation (default true). */
  trackRunningStats?: boolean;
  /** `'fused'` (default) or `'composite'`; see `nn.functional.batchNorm`. */
  impl?: BatchNormImpl;
  /** The dtype of the parameters and running statistics (default float32). */
  dtype?: FloatDType;
}

/** Options of `new nn.BatchNorm2d(C, options)`: those of BatchNorm1d. */
export type BatchNorm2dOptions = BatchNorm1dOptions;

/**
 * The shared body of BatchNorm1d and BatchNorm2d (PyTorch's `_BatchNorm`): parameters, buffers,
 * the running-statistics bookkeeping and the forward; subclasses only say which ranks they take.
 */
abstract class BatchNormBase extends Module {
  /** C, the number of channels: dim 1 of the input. */
  readonly numFeatures: number;
  /** Added to the variance before the square root. */
  readonly eps: number;
  /** Weight of each new batch in the running averages; null for a cumulative average. */
  readonly momentum: number | null;
  /** Whether the module has a learnable `weight` and `bias`. */
  readonly affine: boolean;
  /** Whether running statistics are kept, to be used in evaluation. */
  readonly trackRunningStats: boolean;
  /** The implementation that runs: `'fused'` or `'composite'`; it may be switched at any time. */
  impl: BatchNormImpl;
  /** γ, one per channel (initialised to 1); null without `affine`. */
  weight: Parameter | null;
  /** β, one per channel (initialised to 0); null without `affine`. */
  bias: Parameter | null;

  /** The class name in messages. */
  protected abstract readonly opName: string;

  /** Throws PyTorch's `expected 4D input (got 3D input)` for an input of the wrong rank. */
  protected abstract checkInputDim(input: Tensor): void;

  constructor(numFeatures: number, options: BatchNorm1dOptions, opName: string) {
    super();
    const {
      eps = 1e-5,
      momentum = 0.1,
      affine = true,
      trackRunningStats = true,
      impl = 'fused',
      dtype = 'float32',
    } = options;
    if (!Number.isInteger(numFeatures) || numFeatures <= 0) {
      throw new ValueError(
        `${opName}: numFeatures must be a positive integer (got ${numFeatures})`,
      );
    }
    checkEps(eps, opName);
    checkImpl(impl, opName);
    if (momentum !== null && !(momentum >= 0 && momentum <= 1)) {
      throw new ValueError(`${opName}: momentum must be in [0, 1] or null (got ${momentum})`);
    }
    this.numFeatures = numFeatures;
    this.eps = eps;
    this.momentum = momentum;
    this.affine = affine;
    this.trackRunningStats = trackRunningStats;
    this.impl = impl;
    [this.weight, this.bias] = affineParameters(affine, [numFeatures], dtype);
    this.registerBuffer('running_mean', trackRunningStats ? zeros([numFeatures], { dtype }) : null);
    this.registerBuffer(
      'running_var',
      trackRunningStats ? full([numFeatures], 1, { dtype }) : null,
    );
    this.registerBuffer(
      'num_batches_tracked',
      trackRunningStats ? zeros([], { dtype: 'int32' }) : null,
    );
  }

  /** The running mean (the `running_mean` buffer); null when not tracking. */
  get runningMean(): Tensor | null {
    return this.buffer('running_mean');
  }
  /** The running unbiased variance (the `running_var` buffer); null when not tracking. */
  get runningVar(): Tensor | null {
    return this.buffer('running_var');
  }
  /** How many training batches updated the statistics (a 0-d int32 tensor; null when not tracking). */
  get numBatchesTracked(): Tensor | null {
    return this.buffer('num_batches_tracked');
  }

  /**
   * Zeroes the running mean and counter and sets the running variance to 1.
   * @example bn.resetRunningStats();
   */
  resetRunningStats(): void {
    noGrad(() => {
      this.runningMean?.fill_(0);
      this.runningVar?.fill_(1);
      this.numBatchesTracked?.fill_(0);
    });
  }

  /** `16, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True`, as PyTorch prints it. */
  override extraRepr(): string {
    const momentum = this.momentum === null ? 'None' : pyFloat(this.momentum);
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${momentum}, affine=${pyBool(this.affine)}, track_running_stats=${pyBool(this.trackRunningStats)}`;
  }

  /**
   * Normalises (N, C, *) input per channel: with the batch statistics in training (updating the
   * running ones in place), with the running statistics in evaluation when tracked.
   * @example new nn.BatchNorm1d(3).forward(randn([8, 3])).shape // [8, 3]
   */
  forward(input: Tensor): Tensor {
    this.checkInputDim(input);
    const track = this.training && this.trackRunningStats;
    // PyTorch: batch statistics in training, and in eval when there are no running statistics.
    const useBatch = this.training || (this.runningMean === null && this.runningVar === null);
    const passStats = !this.training || this.trackRunningStats;
    const counter = this.numBatchesTracked;
    const nextCount = counter !== null && track ? counter.item() + 1 : 0;
    const momentum = this.momentum ?? (nextCount > 0 ? 1 / nextCount : 0);
    // Check everything before the counter moves, so that a failed call leaves all state untouched.
    const rm = passStats ? this.runningMean : null;
    const rv = passStats ? this.runningVar : null;
    checkBatchNorm(input, rm, rv, this.weight, this.bias, useBatch, momentum, this.eps, this.impl);
    // Without affine parameters or running statistics nothing above pins the channel count.
    if (input.shape[1] !== this.numFeatures) {
      throw new ShapeError(
        `${this.opName}: expected input with ${this.numFeatures} channels (dim 1), got input of shape [${input.shape.join(', ')}]`,
      );
    }
    if (counter !== null && track) noGrad(() => counter.fill_(nextCount));
    return batchNorm(input, rm, rv, this.weight, this.bias, {
      training: useBatch,
      momentum,
      eps: this.eps,
      impl: this.impl,
    });
  }
}

/**
 * Batch normalisation over `(N, C)` or `(N, C, L)` input.
 *
 * @example
 * ```ts
 * const bn = new nn.BatchNorm1d(5);          // fused
 * const y = bn.forward(x);                   // training mode: updates runningMean/runningVar
 * bn.eval(); bn.forward(x);                  // uses the running statistics
 * ```
 */
export class BatchNorm1d extends BatchNormBase {
  protected readonly opName = 'BatchNorm1d';

  constructor(numFeatures: number, options: BatchNorm1dOptions = {}) {
    super(numFeatures, options, 'BatchNorm1d');
  }

  protected checkInputDim(input: Tensor): void {
    if (input.ndim !== 2 && input.ndim !== 3) {
      throw new ShapeError(`expected 2D or 3D input (got ${input.ndim}D input)`);
    }
  }
}

/**
 * Batch normalisation over `(N, C, H, W)` input, statistics per channel over N, H and W: the same
 * op and kernels as BatchNorm1d, with the input's trailing dims as one.
 *
 * @example
 * ```ts
 * const bn = new nn.BatchNorm2d(16);
 * bn.forward(randn([8, 16, 32, 32])).shape; // [8, 16, 32, 32]
 * ```
 */
export class BatchNorm2d extends BatchNormBase {
  protected readonly opName = 'BatchNorm2d';

  constructor(numFeatures: number, options: BatchNorm2dOptions = {}) {
    super(numFeatures, options, 'BatchNorm2d');
  }

  protected checkInputDim(input: Tensor): void {
    if (input.ndim !== 4) {
      throw new ShapeError(`expected 4D input (got ${input.ndim}D input)`);
    }
  }
}
