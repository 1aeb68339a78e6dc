/**
 * BatchNorm as a composite of public primitive ops, with no gradient code: the engine derives its
 * backward (first and higher order) from the primitives. The tinygrad way:
 *
 *   y = (x − mean)·(weight / √(var + eps)) + bias
 *
 * the normalisation and the weight folded into one per-channel scale before they touch the
 * input, as the fused kernel does (one pass over the input fewer, each way).
 * with mean and (biased) var per channel over N (and L) in training, or the running statistics in
 * evaluation. Float32 input is computed in float64 (cast on the tape) and the result cast back, so
 * both implementations share the float64 statistics the numerics require.
 */
import { noGrad } from '../autograd/grad-mode.js';
import { scoped, type Tensor } from '../tensor/tensor.js';
import { updateRunningStats, type BatchNormLayout } from './batch-norm-checks.js';

/**
 * mean₀ + mean(x − mean₀): algebraically the mean, numerically the corrected two-pass mean that
 * the fused kernel uses too. A constant channel gets exactly its constant, hence variance 0 and an
 * output of exactly the bias.
 */
export function correctedMean(x: Tensor, dims: number[]): Tensor {
  const rough = x.mean(dims, true);
  return rough.add(x.sub(rough).mean(dims, true));
}

export function batchNormComposite(
  input: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight: Tensor | null,
  bias: Tensor | null,
  training: boolean,
  momentum: number,
  eps: number,
  { dims, channelShape, n, l }: BatchNormLayout,
): Tensor {
  // One scope for the whole composite, the running-statistics update included.
  return scoped('batchNorm', () => {
    const x = input.double();
    const perChannel = (t: Tensor): Tensor => t.double().reshape(channelShape);
    let centered: Tensor;
    let invstd: Tensor;
    if (training || runningMean === null || runningVar === null) {
      const mean = correctedMean(x, dims);
      centered = x.sub(mean);
      const variance = centered.mul(centered).mean(dims, true);
      invstd = variance.add(eps).rsqrt();
      if (training && runningMean !== null && runningVar !== null) {
        const m = n * l;
        noGrad(() =>
          updateRunningStats(runningMean, runningVar, mean, variance.mul(m / (m - 1)), momentum),
        );
      }
    } else {
      centered = x.sub(perChannel(runningMean));
      invstd = perChannel(runningVar).add(eps).rsqrt();
    }
    let y = centered.mul(weight === null ? invstd : invstd.mul(perChannel(weight)));
    if (bias !== null) y = y.add(perChannel(bias));
    return y.to(input.dtype);
  });
}
