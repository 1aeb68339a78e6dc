/**
 * `nn.functional` activations and the linear map: `relu`, `gelu`, `dropout`, `linear`.
 *
 * Exact GELU is x·Φ(x), with Φ the standard normal CDF. Φ needs erf, which is not among the
 * elementwise primitives, so two primitives live here, each with its VJP in tensor ops:
 * - `normalCdf` (PyTorch's `torch.special.ndtr`): Φ(x), with VJP g·φ(x);
 * - `gelu` (fused): x·Φ(x) in one kernel, with VJP g·(Φ(x) + x·φ(x)).
 *
 * φ(x) = exp(−x²/2)/√(2π) is written with `exp`, `square` and `mul`, and Φ in the VJP is the
 * `normalCdf` primitive, so both VJPs are differentiable again: the second derivative of GELU,
 * 2φ(x) − x²φ(x), comes from the tape (φ′(x) = −x·φ(x) through `exp`). Everything else in this
 * file is a composite of public ops.
 */
import { ValueError } from '../../errors.js';
import { apply, definePrimitive } from '../../autograd/function.js';
import { allocate, type FloatStorage } from '../../tensor/dtype.js';
import { floatDtype, Tensor } from '../../tensor/tensor.js';
import { random } from '../../tensor/random.js';
import { add, div, exp, lt, mul, tanh, toDtype } from '../../ops/elementwise.js';
import { square } from '../../ops/composite.js';
import { matmul, matmulNT } from '../../ops/linalg.js';

export { relu } from '../../ops/elementwise.js';

// ---- kernels: erfc, Φ and x·Φ(x) in float64 -----------------------------------------------------

/*
 * erfc is a port of FreeBSD's msun s_erf.c (as found in musl, src/math/erf.c), which carries:
 *
 * Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
 *
 * Developed at SunPro, a Sun Microsystems, Inc. business.
 * Permission to use, copy, modify, and distribute this
 * software is freely granted, provided that this notice
 * is preserved.
 *
 * Rational approximations on [0, 0.84375), [0.84375, 1.25), [1.25, 1/0.35) and [1/0.35, 28),
 * each with error below 2⁻⁵⁷ before the final rounding; the result is within 1 ulp.
 */
const ERX = 8.45062911510467529297e-1;
const PP = [
  1.28379167095512558561e-1, -3.2504210724700149937e-1, -2.84817495755985104766e-2,
  -5.77027029648944159157e-3, -2.37630166566501626084e-5,
] as const;
const QQ = [
  3.97917223959155352819e-1, 6.50222499887672944485e-2, 5.08130628187576562776e-3,
  1.32494738004321644526e-4, -3.9602282787753681232e-6,
] as const;
const PA = [
  -2.36211856075265944077e-3, 4.14856118683748331666e-1, -3.72207876035701323847e-1,
  3.18346619901161753674e-1, -1.10894694282396677476e-1, 3.54783043256182359371e-2,
  -2.166375594868790843e-3,
] as const;
const QA = [
  1.06420880400844228286e-1, 5.40397917702171048937e-1, 7.18286544141962662868e-2,
  1.26171219808761642112e-1, 1.36370839120290507362e-2, 1.1984499846799107417e-2,
] as const;
const RA = [
  -9.86494403484714822705e-3, -6.93858572707181764372e-1, -1.05586262253232909814e1,
  -6.23753324503260060396e1, -1.62396669462573470355e2, -1.84605092906711035994e2,
  -8.12874355063065934246e1, -9.81432934416914548592,
] as const;
const SA = [
  1.96512716674392571292e1, 1.376577541435190426e2, 4.34565877475229228821e2,
  6.45387271733267880336e2, 4.29008140027567833386e2, 1.08635005541779435134e2,
  6.57024977031928170135, -6.04244152148580987438e-2,
] as const;
const RB = [
  -9.86494292470009928597e-3, -7.99283237680523006574e-1, -1.77579549177547519889e1,
  -1.60636384855821916062e2, -6.37566443368389627722e2, -1.02509513161107724954e3,
  -4.83519191608651397019e2,
] as const;
const SB = [
  3.03380607434824582924e1, 3.25792512996573918826e2, 1.53672958608443695994e3,
  3.19985821950859553908e3, 2.55305040643316442583e3, 4.74528541206955367215e2,
  -2.24409524465858183362e1,
] as const;

const word = new DataView(new ArrayBuffer(8));

/** The high 32 bits of a double (sign, exponent, top of the mantissa), as a signed int. */
function highWord(x: number): number {
  word.setFloat64(0, x);
  return word.getInt32(0);
}

/** x with the low 32 mantissa bits cleared, so that z·z is exact. */
function truncateLow(x: number): number {
  word.setFloat64(0, x);
  word.setUint32(4, 0);
  return word.getFloat64(0);
}

/** erfc(x) = 1 − erf(x), accurate to 1 ulp everywhere (in particular in the tails). */
export function erfc(x: number): number {
  const hx = highWord(x);
  const ix = hx & 0x7fffffff;
  if (ix >= 0x7ff00000) return (hx < 0 ? 2 : 0) + 1 / x; // NaN, or erfc(±∞) = 0, 2
  if (ix < 0x3feb0000) {
    // |x| < 0.84375: erf(x) = x + x·P(x²)/Q(x²)
    if (ix < 0x3c700000) return 1 - x;
    const z = x * x;
    const r = PP[0] + z * (PP[1] + z * (PP[2] + z * (PP[3] + z * PP[4])));
    const s = 1 + z * (QQ[0] + z * (QQ[1] + z * (QQ[2] + z * (QQ[3] + z * QQ[4]))));
    const y = r / s;
    if (hx < 0x3fd00000) return 1 - (x + x * y); // x < 1/4
    return 0.5 - (x * y + (x - 0.5));
  }
  if (ix < 0x3ff40000) {
    // 0.84375 ≤ |x| < 1.25: erf(1 + s) − erx = P(s)/Q(s)
    const s = Math.abs(x) - 1;
    const p =
      PA[0] + s * (PA[1] + s * (PA[2] + s * (PA[3] + s * (PA[4] + s * (PA[5] + s * PA[6])))));
    const q = 1 + s * (QA[0] + s * (QA[1] + s * (QA[2] + s * (QA[3] + s * (QA[4] + s * QA[5])))));
    return hx >= 0 ? 1 - ERX - p / q : 1 + (ERX + p / q);
  }
  if (ix < 0x403c0000) {
    // 1.25 ≤ |x| < 28: erfc(x) = exp(−x² − 0.5625 + R(1/x²)/S(1/x²)) / x
    const ax = Math.abs(x);
    const s = 1 / (ax * ax);
    let r: number;
    let q: number;
    if (ix < 0x4006db6d) {
      r =
        RA[0] +
        s *
          (RA[1] + s * (RA[2] + s * (RA[3] + s * (RA[4] + s * (RA[5] + s * (RA[6] + s * RA[7]))))));
      q =
        1 +
        s *
          (SA[0] +
            s *
              (SA[1] +
                s * (SA[2] + s * (SA[3] + s * (SA[4] + s * (SA[5] + s * (SA[6] + s * SA[7])))))));
    } else {
      if (hx < 0 && ix >= 0x40180000) return 2; // x < −6
      r = RB[0] + s * (RB[1] + s * (RB[2] + s * (RB[3] + s * (RB[4] + s * (RB[5] + s * RB[6])))));
      q =
        1 +
        s *
          (SB[0] + s * (SB[1] + s * (SB[2] + s * (SB[3] + s * (SB[4] + s * (SB[5] + s * SB[6]))))));
    }
    // −x² split as −z² + (z − x)(z + x) with z exact in 21 bits, so the large part is exact.
    const z = truncateLow(ax);
    const e = Math.exp(-z * z - 0.5625) * Math.exp((z - ax) * (z + ax) + r / q);
    return hx > 0 ? e / ax : 2 - e / ax;
  }
  return hx > 0 ? 0 : 2;
}

/** out[i] = Φ(x[i]) = ½·erfc(−x[i]/√2), accurate in both tails (no 1 + erf cancellation). */
function normalCdfKernel(out: FloatStorage, x: FloatStorage): void {
  for (let i = 0; i < x.length; i++) out[i] = 0.5 * erfc(-x[i] * Math.SQRT1_2);
}

/** out[i] = x[i]·Φ(x[i]). */
function geluKernel(out: FloatStorage, x: FloatStorage): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    out[i] = v * 0.5 * erfc(-v * Math.SQRT1_2);
  }
}

function mapFloat(x: Tensor, op: string, kernel: (o: FloatStorage, x: FloatStorage) => void) {
  const out = allocate(floatDtype(x, op), x.size) as FloatStorage;
  kernel(out, x.data as FloatStorage);
  return new Tensor(out, x.shape);
}

// ---- primitives ---------------------------------------------------------------------------------

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
  const inner = mul(add(x, mul(mul(square(x), x), 0.044715)), SQRT_2_OVER_PI);
  return mul(mul(x, 0.5), add(tanh(inner), 1));
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
  if (approximate === 'none') return apply(geluP, [x], null);
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
  // noise = Bernoulli(1 − p) / (1 − p), off the tape; the mask is drawn in float64.
  const keep = toDtype(lt(random.random(x.shape), 1 - p), x.dtype);
  return mul(x, div(keep, 1 - p));
}

// ---- linear -------------------------------------------------------------------------------------

/**
 * `torch.nn.functional.linear`: y = x·Wᵀ + b, for x of shape [..., in], W of shape [out, in]
 * and b of shape [out] (optional).
 * @example linear(x, weight, bias)
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const y = weight.ndim === 2 ? matmulNT(x, weight) : matmul(x, weight.T);
  return bias === undefined || bias === null ? y : add(y, bias);
}
