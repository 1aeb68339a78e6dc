/**
 * The bits of a double, as the C ports read and write them (`asuint64`, the high and low 32-bit
 * words), and the hex-float literals their tables are written in. Shared by every port here.
 */

/**
 * Scratch space: one double and its words. A port writes it and reads it back within one
 * function, with no call in between, so the ports can share it.
 */
export const f64 = new Float64Array(1);
/** `f64` as two unsigned 32-bit words; `u32[HI]` is the high one. */
export const u32 = new Uint32Array(f64.buffer);
const i32 = new Int32Array(f64.buffer);
const u64 = new BigUint64Array(f64.buffer);

/** The index in `u32` of the high word (sign, exponent, top 20 bits of the significand). */
export const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const LO = 1 - HI;

/** The 64 bits of a double (C's `asuint64`). */
export function asuint64(x: number): bigint {
  f64[0] = x;
  return u64[0];
}

/** The double with these 64 bits (C's `asdouble`). */
export function asdouble(i: bigint): number {
  u64[0] = i;
  return f64[0];
}

/** The high 32 bits of a double, as a signed integer (C's `GET_HIGH_WORD` into an int32_t). */
export function highWord(x: number): number {
  f64[0] = x;
  return i32[HI];
}

/** The low 32 bits of a double, as a signed integer (C's `u.i[LOW_HALF]`). */
export function lowWord(x: number): number {
  f64[0] = x;
  return i32[LO];
}

/** x with the low 32 bits of its significand cleared (C's `SET_LOW_WORD(x, 0)`). */
export function clearLowWord(x: number): number {
  f64[0] = x;
  u32[LO] = 0;
  return f64[0];
}

/**
 * Parses a C99 `%a` / Python `float.hex()` literal such as `-0x1.7cc7f79e69000p-2` (normal),
 * `0x0.8p-1022` (subnormal) or `0x0.0p+0` exactly: the significand has at most 53 bits and the
 * scale is a power of two.
 */
export function hexFloat(s: string): number {
  const m = /^(-?)0x([01])\.([0-9a-f]{0,13})p([+-]\d+)$/.exec(s);
  if (m === null) throw new Error(`not a hex float literal: ${s}`);
  const value = parseInt(m[2] + m[3], 16) * 2 ** (Number(m[4]) - 4 * m[3].length);
  return m[1] === '-' ? -value : value;
}
