/**
 * `nn.functional` activations and the linear map: `relu`, `gelu`, `dropout`, `linear`.
 *
 * Exact GELU and Φ are primitives with their own kernels, in src/ops/activation.ts; everything
 * in this file is a composite of public ops.
 */
import { ValueError } from '../../errors.js';
import { floatDtype, scoped, type Tensor } from '../../tensor/tensor.js';
import { random } from '../../tensor/random.js';
import { geluExact } from '../../ops/activation.js';
import { add, div, lt, mul, tanh, toDtype } from '../../ops/elementwise.js';
import { square } from '../../ops/composite.js';
import { matmul, matmulNT } from '../../ops/linalg.js';

export { relu } from '../../ops/elementwise.js';
export { normalCdf } from '../../ops/activation.js';

// ---- GELU ---------------------------------------------------------------------------------------

/** The GELU forms: `'none'` is exact, x·Φ(x); `'tanh'` is PyTorch's tanh approximation. */
export type GeluApproximate = 'none' | 'tanh';

/** Options of `gelu` and `nn.GELU`. */
export interface GeluOptions {
  /** `'none'` (default): x·Φ(x) exactly; `'tanh'`: ½x(1 + tanh(√(2/π)(x + 0.044715x³))). */
  approximate?: GeluApproximate;
}

/** √(2/π), as PyTorch's `M_SQRT2 * M_2_SQRTPI * 0.5`. */
const SQRT_2_OVER_PI = 0.7978845608028654;

/** The tanh form, as a composite in PyTorch's order of operations. */
function geluTanh(x: Tensor): Tensor {
  return scoped('gelu', () => {
    const inner = mul(add(x, mul(mul(square(x), x), 0.044715)), SQRT_2_OVER_PI);
    return mul(mul(x, 0.5), add(tanh(inner), 1));
  });
}

/**
 * Gaussian error linear unit, `torch.nn.functional.gelu`.
 *
 * The exact form is one fused op that must equal the composite `x·normalCdf(x)`, with backward
 * dx = g·(Φ(x) + x·φ(x)) written in tensor ops (so it has second derivatives). Its tails are
 * accurate: gelu(−10) = −7.6e-23, where PyTorch's `0.5·x·(1 + erf(x/√2))` rounds to −0.
 * The tanh form is a composite of public ops.
 * @example
 * gelu(x)
 * gelu(x, { approximate: 'tanh' })
 */
export function gelu(x: Tensor, options: GeluOptions = {}): Tensor {
  const { approximate = 'none' } = options;
  if (approximate === 'none') return geluExact(x);
  if (approximate === 'tanh') return geluTanh(x);
  throw new ValueError(
    `approximate argument must be either none or tanh. (got '${String(approximate)}')`,
  );
}

// ---- dropout ------------------------------------------------------------------------------------

/** PyTorch's check, shared by `dropout` and `nn.Dropout`. */
export function checkDropoutP(p: number): void {
  if (!(p >= 0 && p <= 1)) {
    throw new ValueError(`dropout probability has to be between 0 and 1, but got ${p}`);
  }
}

/** Options of `dropout`. */
export interface DropoutOptions {
  /** Probability of zeroing an element (default 0.5). */
  p?: number;
  /** Drop only in training (default true, as `F.dropout`); otherwise the input is returned. */
  training?: boolean;
}

/**
 * `torch.nn.functional.dropout`: in training, each element is kept with probability 1 − p and
 * scaled by 1/(1 − p), so the expectation is unchanged. The mask comes from the global seeded
 * generator, one uniform u per element in row-major order, kept when u < 1 − p (so
 * `manualSeed(s)` makes it reproducible, and it equals NumPy's `np.random.random(shape) < 1 − p`
 * after `np.random.seed(s)`). p = 0 and evaluation return the input itself; p = 1 gives x·0,
 * as in PyTorch.
 * @example dropout(x, { p: 0.2, training: model.training })
 */
export function dropout(x: Tensor, options: DropoutOptions = {}): Tensor {
  const { p = 0.5, training = true } = options;
  checkDropoutP(p);
  floatDtype(x, 'dropout');
  if (p === 0 || !training || x.size === 0) return x;
  if (p === 1) return mul(x, 0);
  return scoped('dropout', () => {
    // noise = Bernoulli(1 − p) / (1 − p), off the tape; the mask is drawn in float64.
    const keep = toDtype(lt(random.random(x.shape), 1 - p), x.dtype);
    return mul(x, div(keep, 1 - p));
  });
}

// ---- linear -------------------------------------------------------------------------------------

/**
 * `torch.nn.functional.linear`: y = x·Wᵀ + b, for x of shape [..., in], W of shape [out, in]
 * and b of shape [out] (optional).
 * @example linear(x, weight, bias)
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return scoped('linear', () => {
    const y = weight.ndim === 2 ? matmulNT(x, weight) : matmul(x, weight.T);
    return bias === undefined || bias === null ? y : add(y, bias);
  });
}
