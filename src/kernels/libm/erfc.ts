/*
 * erfc, a port of FreeBSD's msun s_erf.c (as found in musl, src/math/erf.c), which carries:
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
 *
 * Unlike the glibc ports beside it, this one is for accuracy, not for bit-exactness (see
 * ./index.ts): it calls Math.exp, and GELU and Φ need their tails, where 1 + erf(x) cancels.
 */
import { clearLowWord, highWord } from './bits.js';

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
    const z = clearLowWord(ax);
    const e = Math.exp(-z * z - 0.5625) * Math.exp((z - ax) * (z + ax) + r / q);
    return hx > 0 ? e / ax : 2 - e / ax;
  }
  return hx > 0 ? 0 : 2;
}
