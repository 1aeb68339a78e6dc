/**
 * LayerNorm as a composite of public ops, with no gradient code: the engine derives its backward
 * (first and higher order) from the primitives.
 *
 *   y = (x − mean)·(1/√(var + eps))·weight + bias
 *
 * with mean and (biased) var over the normalized (trailing) dims of each sample. As in the
 * composite BatchNorm, float32 input is computed in float64 (cast on the tape) and the result cast
 * back, so both implementations share the float64 statistics the numerics require.
 */
import { scoped, type Tensor } from '../tensor/tensor.js';
import { correctedMean } from './batch-norm-composite.js';

export function layerNormComposite(
  input: Tensor,
  weight: Tensor | null,
  bias: Tensor | null,
  eps: number,
  dims: number[],
): Tensor {
  return scoped('layerNorm', () => {
    const x = input.double();
    const centered = x.sub(correctedMean(x, dims));
    const invstd = centered.mul(centered).mean(dims, true).add(eps).rsqrt();
    let y = centered.mul(invstd);
    if (weight !== null) y = y.mul(weight.double());
    if (bias !== null) y = y.add(bias.double());
    return y.to(input.dtype);
  });
}
