/**
 * C's `fma` and `fmaf`: a·b + c rounded once. JavaScript has no fused multiply-add, so they are
 * emulated exactly with error-free transformations (Dekker's product, Knuth's TwoSum).
 *
 * - `fma` is the core, exact on the ranges the ports of this folder pass it (see there);
 * - `fma64` is C's `fma` over the whole double range, built on it;
 * - `fmaf` is C's `fmaf` for float32 operands, rounded once to float32.
 *
 * This file is tapegrad's own code (MIT), not a port.
 */

/** Veltkamp's splitter, 2**27 + 1: splits a double into two halves whose products are exact. */
const SPLIT = 134217729;

/**
 * The exact rounding error of p = fl(a * b): a * b = p + mulError(a, b, p) (Dekker). Exact as
 * long as nothing overflows and the error is not subnormal.
 */
export function mulError(a: number, b: number, p: number): number {
  let t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return al * bl - (p - ah * bh - al * bh - ah * bl);
}

/** The exact rounding error of s = fl(a + b): a + b = s + addError(a, b, s) (Knuth's TwoSum). */
function addError(a: number, b: number, s: number): number {
  const bb = s - a;
  return a - (s - bb) + (b - bb);
}

/**
 * The fused multiply-add a * b + c with a single rounding to nearest-even, as `fma()` in C.
 *
 * With uh + ul = a * b and th + tl = c + uh exactly (error-free transformations), the result is
 * RN(th + tl + ul). s = RN(th + RN(tl + ul)) already equals it except in one case: rounding is
 * monotonic, and every rounding boundary (midpoint between doubles) near th lies at a
 * representable offset from th, so the inner rounding cannot carry the sum across a midpoint;
 * it can only land exactly on one. So when th + RN(tl + ul) is an exact tie and tl + ul was
 * rounded, the tie is settled by the sign of that rounding error instead of to even. (This is the
 * rounding-to-odd argument of Boldo and Melquiond, IEEE Trans. Computers 57(4), 2008, checked
 * only where it matters.)
 *
 * Exact for finite arguments as long as no intermediate overflows and the product's rounding
 * error is not subnormal (|a * b| > 2**-968 or a * b exactly representable); the libm ports only
 * ever pass such values. `fma64` handles the rest of the range.
 *
 * @example
 * ```ts
 * fma(0.1, 10, -1); // 5.551115123125783e-17, where 0.1 * 10 - 1 gives 0
 * ```
 */
export function fma(a: number, b: number, c: number): number {
  // mulError and addError written out by hand: V8 does not inline all of them into glibcLog,
  // and the calls cost more than the arithmetic.
  const uh = a * b;
  let t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  const ul = al * bl - (uh - ah * bh - al * bh - ah * bl);
  const th = c + uh;
  let bb = th - c;
  const tl = c - (th - bb) + (uh - bb);
  const v = tl + ul;
  const s = th + v;
  bb = s - th;
  const e = th - (s - bb) + (v - bb);
  // th + v = s + e exactly; it is a tie when e is half the gap from s to its neighbour past e,
  // i.e. when s + 2e is that neighbour (for a smaller e, s + 2e rounds to s or the neighbour).
  if (e !== 0 && s + 2 * e - s === 2 * e) {
    const ve = addError(tl, ul, v);
    if (ve !== 0) return ve > 0 === e > 0 ? s + 2 * e : s;
  }
  return s;
}

const TINY = 2 ** -900;
const HUGE = 2 ** 995;

/**
 * a·b + c rounded once to float64 (C's `fma`), over the whole range.
 *
 * `fma` is exact unless a product is so small that its rounding error is subnormal or a factor
 * so large that splitting it overflows; both are handled here first. Infinities and NaN come out
 * as from C; the one inexact case left is a product that overflows while a·b + c does not
 * (|a·b| >= 2^1024 with c of the opposite sign), which gives ±Infinity.
 */
export function fma64(a: number, b: number, c: number): number {
  const p = a * b;
  if (p === 0 || !Number.isFinite(p) || !Number.isFinite(c)) return p + c;
  const ap = Math.abs(p);
  if (ap < TINY) {
    // |a·b| < 2^-900 is below half an ulp of any |c| >= 2^-800, so the sum rounds to c. A tiny
    // product and a tiny c are added plainly: exact for a subnormal c, otherwise at most one
    // rounding away from the fused result (no optimizer meets such values).
    return Math.abs(c) >= 2 ** -800 ? c : p + c;
  }
  if (Math.abs(a) > HUGE) return fma(a * 2 ** -100, b * 2 ** 100, c);
  if (Math.abs(b) > HUGE) return fma(a * 2 ** 100, b * 2 ** -100, c);
  return fma(a, b, c);
}

const F32_MAX = 3.4028234663852886e38;
/** 2¹²⁸ − 2¹⁰³, halfway between the largest float32 and 2¹²⁸: ties to even round it to ∞. */
const F32_OVERFLOW_MIDPOINT = 2 ** 128 - 2 ** 103;

/**
 * a·b + c rounded once to float32 (C's `fmaf`), for float32 operands.
 *
 * a·b is exact in float64 (24 + 24 bits), and s + e = a·b + c exactly (TwoSum). Rounding s to
 * float32 gives the right answer except when s lies exactly halfway between two float32 values
 * and e is not zero: then the exact sum lies on e's side of the midpoint.
 */
export function fmaf(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const bb = s - p;
  const e = p - (s - bb) + (c - bb);
  const r = Math.fround(s);
  if (e === 0 || !Number.isFinite(s)) return r;
  // s rounds to ±Infinity: wrong only at the overflow midpoint with the exact sum below it.
  if (!Number.isFinite(r)) {
    return Math.abs(s) === F32_OVERFLOW_MIDPOINT && e > 0 !== s > 0 ? Math.sign(s) * F32_MAX : r;
  }
  // s is a float32 midpoint exactly when the point mirrored through it, 2s − r (exact in float64),
  // is the neighbouring float32; otherwise it lies strictly between two float32 values.
  const mirror = 2 * s - r;
  if (mirror === r || Math.fround(mirror) !== mirror) return r;
  return e > 0 === mirror > r ? mirror : r;
}
