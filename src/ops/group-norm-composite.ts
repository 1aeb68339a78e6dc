/**
 * GroupNorm as a composite of public ops, with no gradient code:
 *
 *   y = ((x − mean)/√(var + eps))·weight + bias
 *
 * with the input viewed as [N, G, C/G·∏ trailing], mean and (biased) var per (sample, group), and
 * weight and bias per channel. Computed in float64 and cast back, as the other composites.
 */
import { scoped, type Tensor } from '../tensor/tensor.js';
import { correctedMean } from './batch-norm-composite.js';

export function groupNormComposite(
  input: Tensor,
  numGroups: number,
  weight: Tensor | null,
  bias: Tensor | null,
  eps: number,
): Tensor {
  return scoped('groupNorm', () => {
    const [n, c] = input.shape;
    const x = input.double().reshape([n, numGroups, -1]);
    const centered = x.sub(correctedMean(x, [2]));
    const invstd = centered.mul(centered).mean([2], true).add(eps).rsqrt();
    let y = centered.mul(invstd).reshape(input.shape);
    const perChannel = [1, c, ...input.shape.slice(2).map(() => 1)];
    if (weight !== null) y = y.mul(weight.double().reshape(perChannel));
    if (bias !== null) y = y.add(bias.double().reshape(perChannel));
    return y.to(input.dtype);
  });
}
