/**
 * `nn.functional.layerNorm`: PyTorch's `torch.nn.functional.layer_norm`, twice. Both
 * implementations get the same checked arguments; they differ only in how output and gradients are
 * computed.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { layerNormComposite } from '../../ops/layer-norm-composite.js';
import { layerNormFused } from '../../ops/layer-norm-fused.js';
import {
  checkLayerNorm,
  normalizedShapeOf,
  type LayerNormOptions,
  type NormalizedShape,
} from '../../ops/layer-norm-checks.js';

/**
 * Layer normalisation over the trailing `normalizedShape` dims of each sample:
 * y = (x − mean)/√(var + eps)·weight + bias, with the biased variance; `weight` and `bias` (optional)
 * have shape `normalizedShape`.
 *
 * @example
 * ```ts
 * const y = nn.functional.layerNorm(x, [10], weight, bias, { impl: 'composite' });
 * ```
 */
export function layerNorm(
  input: Tensor,
  normalizedShape: NormalizedShape,
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  options: LayerNormOptions = {},
): Tensor {
  const { eps = 1e-5, impl = 'fused' } = options;
  const shape = normalizedShapeOf(normalizedShape);
  const { layout, dims } = checkLayerNorm(input, shape, weight, bias, eps, impl);
  return impl === 'composite'
    ? layerNormComposite(input, weight, bias, eps, dims)
    : layerNormFused(input, weight, bias, eps, layout);
}

export type { LayerNormOptions, NormalizedShape, NormImpl } from '../../ops/layer-norm-checks.js';
