/**
 * The default initialisation PyTorch's `Linear` and `_ConvNd` share (their `reset_parameters` are
 * the same code): kept out of `nn.init`, whose exports mirror `torch.nn.init` one for one.
 */
import type { Tensor } from '../tensor/tensor.js';
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from './init.js';

/**
 * Weight by `kaimingUniform_(w, { a: √5 })`, which is U(−1/√fanIn, 1/√fanIn), then the bias (if
 * any) from the same range, drawn in that order from the global seeded generator.
 */
export function resetWeightAndBias(weight: Tensor, bias: Tensor | null): void {
  // a = √5 gives gain √(2/(1 + 5)) and bound √3·gain/√fanIn = 1/√fanIn.
  kaimingUniform_(weight, { a: Math.sqrt(5) });
  if (bias !== null) {
    const [fanIn] = calculateFanInAndFanOut(weight);
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    uniform_(bias, -bound, bound);
  }
}
