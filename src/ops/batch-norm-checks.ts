/**
 * Argument checks and the running-statistics update shared by both BatchNorm implementations, so
 * the two differ only in how they compute, never in what they accept or what state they change.
 */
import { DTypeError, ShapeError, ValueError } from '../errors.js';
import { runningStatsKernel } from '../kernels/batchnorm.js';
import type { FloatStorage } from '../tensor/dtype.js';
import { fmtShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * The two BatchNorm implementations: `'fused'`, one op with a closed-form backward, and
 * `'composite'`, primitive ops differentiated by the engine. They compute the same function.
 */
export type BatchNormImpl = 'fused' | 'composite';

/** Options of `nn.functional.batchNorm`, with `torch.nn.functional.batch_norm`'s defaults. */
export interface BatchNormOptions {
  /** Normalise with batch statistics and update the running ones (default false). */
  training?: boolean;
  /** Weight of the new batch in the running averages (default 0.1). */
  momentum?: number;
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** `'fused'` (one op, closed-form backward; default) or `'composite'` (primitive ops). */
  impl?: BatchNormImpl;
}

/**
 * (N, C, *) input as `[N, C, L]`, L the product of the trailing dims (1 for 2-D input): one
 * layout, so BatchNorm1d and BatchNorm2d run the same kernels.
 */
export interface BatchNormLayout {
  n: number;
  c: number;
  l: number;
  /** Dims reduced per channel: every dim but 1 ([0], [0, 2], [0, 2, 3], …). */
  dims: number[];
  /** Shape that broadcasts a per-channel vector: [1, C], [1, C, 1], [1, C, 1, 1], …. */
  channelShape: number[];
}

export function checkImpl(impl: string, op: string): void {
  if (impl !== 'fused' && impl !== 'composite') {
    throw new ValueError(`${op}: impl must be 'fused' or 'composite' (got '${impl}')`);
  }
}

/**
 * What every norm checks of its operands: a float input, and each given per-channel tensor
 * (running statistics, weight, bias) of the right shape (`shapeError` says why not, or returns
 * null) and of the input's dtype.
 */
export function checkNormOperands(
  op: string,
  input: Tensor,
  named: readonly (readonly [string, Tensor | null])[],
  shapeError: (name: string, t: Tensor) => string | null,
): void {
  if (input.dtype === 'int32') {
    throw new DTypeError(`${op}: expected a float32 or float64 input, got int32`);
  }
  for (const [name, t] of named) {
    if (t === null) continue;
    const wrongShape = shapeError(name, t);
    if (wrongShape !== null) throw new ShapeError(`${op}: ${wrongShape}`);
    if (t.dtype !== input.dtype) {
      throw new DTypeError(
        `${op}: ${name} has dtype ${t.dtype} but input has dtype ${input.dtype}`,
      );
    }
  }
}

/** `eps` must be positive. */
export function checkEps(eps: number, op: string): void {
  if (!(eps > 0)) throw new ValueError(`${op}: eps must be positive (got ${eps})`);
}

export function checkBatchNorm(
  input: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight: Tensor | null,
  bias: Tensor | null,
  training: boolean,
  momentum: number,
  eps: number,
  impl: BatchNormImpl = 'fused',
): BatchNormLayout {
  checkImpl(impl, 'batchNorm');
  if (input.ndim < 2) {
    throw new ShapeError(`batchNorm: expected 2D or higher input (got ${input.ndim}D input)`);
  }
  const [n, c] = input.shape;
  const l = input.shape.slice(2).reduce((a, b) => a * b, 1);
  const named: [string, Tensor | null][] = [
    ['running_mean', runningMean],
    ['running_var', runningVar],
    ['weight', weight],
    ['bias', bias],
  ];
  checkNormOperands('batchNorm', input, named, (name, t) =>
    t.ndim === 1 && t.shape[0] === c
      ? null
      : `${name} should contain ${c} elements not ${t.size} (shape ${fmtShape(t.shape)} ` +
        `for input of shape ${fmtShape(input.shape)})`,
  );
  if (!training && runningMean === null) {
    throw new ValueError('batchNorm: running_mean must be defined in evaluation mode');
  }
  if (!training && runningVar === null) {
    throw new ValueError('batchNorm: running_var must be defined in evaluation mode');
  }
  if ((runningMean === null) !== (runningVar === null)) {
    throw new ValueError(
      'batchNorm: running_mean and running_var must both be given or both be null',
    );
  }
  if (training && n * l === 1) {
    throw new ValueError(
      `Expected more than 1 value per channel when training, got input size ${fmtShape(input.shape)}`,
    );
  }
  checkEps(eps, 'batchNorm');
  if (!(momentum >= 0 && momentum <= 1)) {
    throw new ValueError(`batchNorm: momentum must be in [0, 1] (got ${momentum})`);
  }
  return {
    n,
    c,
    l,
    dims: input.shape.map((_, d) => d).filter((d) => d !== 1),
    channelShape: input.shape.map((_, i) => (i === 1 ? c : 1)),
  };
}

/**
 * `running = momentum·batch + (1 − momentum)·running`, in float64 and rounded once, with the
 * unbiased batch variance for `running_var`; in place, off the tape, bumping the versions. The
 * batch statistics are tensors of C elements (any shape, e.g. [1, C]).
 */
export function updateRunningStats(
  runningMean: Tensor,
  runningVar: Tensor,
  batchMean: Tensor,
  batchVarUnbiased: Tensor,
  momentum: number,
): void {
  runningStatsKernel(
    runningMean.data as FloatStorage,
    runningVar.data as FloatStorage,
    batchMean.data,
    batchVarUnbiased.data,
    momentum,
  );
  runningMean._version.value++;
  runningVar._version.value++;
}
