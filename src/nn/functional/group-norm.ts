/**
 * `nn.functional.groupNorm`: PyTorch's `torch.nn.functional.group_norm`, twice. Both
 * implementations get the same checked arguments; they differ only in how output and gradients are
 * computed.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { groupNormComposite } from '../../ops/group-norm-composite.js';
import { groupNormFused } from '../../ops/group-norm-fused.js';
import { checkGroupNorm, type GroupNormOptions } from '../../ops/group-norm-checks.js';

/**
 * Group normalisation of (N, C, *) input: the C channels are split into `numGroups` groups, each
 * (sample, group) normalised over its channels and trailing dims, then scaled and shifted per
 * channel by `weight` and `bias` (optional, shape [C]).
 *
 * @example
 * ```ts
 * const y = nn.functional.groupNorm(x, 2, weight, bias, { eps: 1e-5 });
 * ```
 */
export function groupNorm(
  input: Tensor,
  numGroups: number,
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  options: GroupNormOptions = {},
): Tensor {
  const { eps = 1e-5, impl = 'fused' } = options;
  const layout = checkGroupNorm(input, numGroups, weight, bias, eps, impl);
  return impl === 'composite'
    ? groupNormComposite(input, numGroups, weight, bias, eps)
    : groupNormFused(input, weight, bias, eps, layout);
}

export type { GroupNormOptions } from '../../ops/group-norm-checks.js';
