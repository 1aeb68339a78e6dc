/**
 * `nn.functional.batchNorm`: PyTorch's `torch.nn.functional.batch_norm`, twice. Both
 * implementations get the same checked arguments and the same running-statistics update; they
 * differ only in how output and gradients are computed.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { batchNormComposite } from '../../ops/batch-norm-composite.js';
import { batchNormFused } from '../../ops/batch-norm-fused.js';
import { checkBatchNorm, type BatchNormOptions } from '../../ops/batch-norm-checks.js';

/**
 * Batch normalisation of `(N, C)` or `(N, C, L)` input, with statistics per channel over N (and L).
 * In training it normalises with the batch statistics (biased variance) and updates
 * `runningMean`/`runningVar` in place (unbiased variance); otherwise it uses the running
 * statistics, or the batch statistics when there are none.
 *
 * @example
 * ```ts
 * const y = nn.functional.batchNorm(x, rm, rv, weight, bias, { training: true, impl: 'composite' });
 * ```
 */
export function batchNorm(
  input: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  options: BatchNormOptions = {},
): Tensor {
  const { training = false, momentum = 0.1, eps = 1e-5, impl = 'fused' } = options;
  const layout = checkBatchNorm(
    input,
    runningMean,
    runningVar,
    weight,
    bias,
    training,
    momentum,
    eps,
    impl,
  );
  const run = impl === 'composite' ? batchNormComposite : batchNormFused;
  return run(input, runningMean, runningVar, weight, bias, training, momentum, eps, layout);
}

export type { BatchNormOptions, BatchNormImpl } from '../../ops/batch-norm-checks.js';
