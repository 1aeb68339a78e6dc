/**
 * Exact GELU is x·Φ(x), with Φ the standard normal CDF. Φ needs erf, which is not among the
 * elementwise primitives, so two primitives live here, each with its VJP in tensor ops:
 * - `normalCdf` (PyTorch's `torch.special.ndtr`): Φ(x), with VJP g·φ(x);
 * - `geluExact` (fused): x·Φ(x) in one kernel, with VJP g·(Φ(x) + x·φ(x)). It must equal the
 *   composite x·normalCdf(x), to second order (test/nn-layers.test.ts holds it to that).
 *
 * φ(x) = exp(−x²/2)/√(2π) is written with `exp`, `square` and `mul`, and Φ in the VJP is the
 * `normalCdf` primitive, so both VJPs are differentiable again: the second derivative of GELU,
 * 2φ(x) − x²φ(x), comes from the tape (φ′(x) = −x·φ(x) through `exp`). `nn.functional.gelu`
 * (src/nn/functional/activation.ts) chooses between this and the tanh form.
 */
import { apply, definePrimitive } from '../autograd/function.js';
import { geluKernel, normalCdfKernel } from '../kernels/activation.js';
import type { FloatStorage } from '../tensor/dtype.js';
import { emptyTensor, floatDtype, type Tensor } from '../tensor/tensor.js';
import { square } from './composite.js';
import { add, exp, mul } from './elementwise.js';

function mapFloat(x: Tensor, op: string, kernel: (o: FloatStorage, x: FloatStorage) => void) {
  const out = emptyTensor(x.shape, floatDtype(x, op));
  kernel(out.data as FloatStorage, x.data as FloatStorage);
  return out;
}

/** 1/√(2π), as PyTorch's `M_2_SQRTPI * M_SQRT1_2 * 0.5`. */
const INV_SQRT_2PI = 0.3989422804014327;

/** φ(x) = exp(−x²/2)/√(2π), in tensor ops so that it is differentiable (φ′ = −x·φ). */
function normalPdf(x: Tensor): Tensor {
  return mul(exp(mul(square(x), -0.5)), INV_SQRT_2PI);
}

const normalCdfP = definePrimitive({
  name: 'normalCdf',
  backwardName: 'SpecialNdtrBackward0',
  forward: ([x]) => ({ out: mapFloat(x, 'normalCdf', normalCdfKernel), saved: [x] as const }),
  vjp: ({ g, saved: [x] }) => [mul(g, normalPdf(x))],
});

const geluP = definePrimitive({
  name: 'gelu',
  backwardName: 'GeluBackward0',
  forward: ([x]) => ({ out: mapFloat(x, 'gelu', geluKernel), saved: [x] as const }),
  // d/dx x·Φ(x) = Φ(x) + x·φ(x)
  vjp: ({ g, saved: [x] }) => [mul(g, add(normalCdf(x), mul(x, normalPdf(x))))],
});

/**
 * The standard normal CDF Φ(x) = ½(1 + erf(x/√2)), `torch.special.ndtr`; its gradient is the
 * density φ(x). Computed as ½·erfc(−x/√2), so Φ(−10) ≈ 7.6e-24 rather than 0.
 * @example normalCdf(tensor([0, 1.96])) // [0.5, 0.975]
 */
export function normalCdf(x: Tensor): Tensor {
  return apply(normalCdfP, [x], null);
}

/**
 * Exact GELU, x·Φ(x), as one fused op (`gelu` with `approximate: 'none'`); equal to the
 * composite `mul(x, normalCdf(x))`, with backward dx = g·(Φ(x) + x·φ(x)).
 * @example geluExact(tensor([-1, 0, 2]))
 */
export function geluExact(x: Tensor): Tensor {
  return apply(geluP, [x], null);
}
