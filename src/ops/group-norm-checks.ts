/**
 * Argument checks of GroupNorm, shared by both implementations, so that they differ only in how
 * they compute, never in what they accept.
 */
import { ShapeError, ValueError } from '../errors.js';
import type { GroupLayout } from '../kernels/groupnorm.js';
import { fmtShape as list } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkEps, checkImpl, checkNormOperands } from './batch-norm-checks.js';
import type { NormImpl } from './layer-norm-checks.js';

/** Options of `nn.functional.groupNorm`, with `torch.nn.functional.group_norm`'s defaults. */
export interface GroupNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** `'fused'` (one op, closed-form backward; default) or `'composite'` (primitive ops). */
  impl?: NormImpl;
}

/** `numGroups` must be a positive integer dividing `numChannels` (module construction). */
export function checkGroups(numGroups: number, numChannels: number, op: string): void {
  if (!Number.isInteger(numGroups) || numGroups <= 0) {
    throw new ValueError(`${op}: num_groups must be a positive integer (got ${numGroups})`);
  }
  if (!Number.isInteger(numChannels) || numChannels <= 0) {
    throw new ValueError(`${op}: num_channels must be a positive integer (got ${numChannels})`);
  }
  if (numChannels % numGroups !== 0) {
    throw new ValueError(`${op}: num_channels must be divisible by num_groups`);
  }
}

/** Checks a GroupNorm call; returns the input as `[N, G, C/G, ∏ trailing]`. */
export function checkGroupNorm(
  input: Tensor,
  numGroups: number,
  weight: Tensor | null,
  bias: Tensor | null,
  eps: number,
  impl: NormImpl,
): GroupLayout {
  checkImpl(impl, 'groupNorm');
  if (!Number.isInteger(numGroups) || numGroups <= 0) {
    throw new ValueError(`groupNorm: num_groups must be a positive integer (got ${numGroups})`);
  }
  if (input.ndim < 2) {
    throw new ShapeError(
      `groupNorm: expected input of at least 2 dimensions (N, C, *), got input of shape ${list(input.shape)}`,
    );
  }
  const [n, c] = input.shape;
  // PyTorch's F.group_norm runs its batch-size check on [N·C/G, G, *] before the divisibility one:
  // a single value to normalise per group is rejected (its variance is 0).
  const perGroup = [Math.floor((n * c) / numGroups), numGroups, ...input.shape.slice(2)];
  if (perGroup[0] * input.shape.slice(2).reduce((a, b) => a * b, 1) === 1) {
    throw new ValueError(
      `groupNorm: Expected more than 1 value per channel when training, got input size ${list(perGroup)}`,
    );
  }
  if (c % numGroups !== 0) {
    throw new ShapeError(
      `groupNorm: Expected number of channels in input to be divisible by num_groups, but got ` +
        `input of shape ${list(input.shape)} and num_groups=${numGroups}`,
    );
  }
  const named: [string, Tensor | null][] = [
    ['weight', weight],
    ['bias', bias],
  ];
  checkNormOperands('groupNorm', input, named, (name, t) =>
    t.ndim === 1 && t.shape[0] === c
      ? null
      : `Expected ${name} to be a vector of size equal to the number of channels in input, but ` +
        `got ${name} of shape ${list(t.shape)} and input of shape ${list(input.shape)}`,
  );
  checkEps(eps, 'groupNorm');
  const l = input.shape.slice(2).reduce((a, b) => a * b, 1);
  return { outer: n, groups: numGroups, k: c / numGroups, l };
}
