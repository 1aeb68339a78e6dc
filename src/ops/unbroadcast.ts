import { shapesEqual, type Shape } from '../tensor/shape.js';
import { scoped, type Tensor } from '../tensor/tensor.js';
import { sum } from './reduce.js';
import { reshape } from './shape.js';

/**
 * The one reduction every broadcasting VJP shares: sums a gradient of the broadcast shape back to
 * the shape of the input it flows to (over added leading dims and over dims that were 1). It is
 * written with `sum` and `reshape`, so it is differentiable itself.
 * @example unbroadcast(ones([4, 3]), [1, 3]) // tensor([[4., 4., 4.]])
 */
export function unbroadcast(g: Tensor, shape: Shape): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.shape.length - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.shape.length; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) dims.push(i);
  }
  return scoped('unbroadcast', () => reshape(dims.length > 0 ? sum(g, dims, true) : g, shape));
}
