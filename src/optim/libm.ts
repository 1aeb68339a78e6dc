/*
 * Bit-exact TypeScript ports of `pow` and `cos` from glibc 2.36's libm, as they run on an x86_64
 * CPU with FMA: the `__ieee754_pow_fma` and `__cos_fma` ifunc variants, which is what Python's
 * `float ** float` and `math.cos` call on the machine the PyTorch fixtures come from. Adam's bias
 * corrections (`1 - beta1 ** step`) and the cosine schedule (`math.cos(pi * t / T_max)`) run
 * through them, so reproducing PyTorch's numbers bit for bit needs the same functions.
 *
 * Neither function is correctly rounded (both are within about 0.52 ulp), and V8's Math.pow and
 * Math.cos round differently from glibc in about 5% and 3% of the cases an optimizer meets (Math.pow
 * gives 0.9 ** 4 = 0.6561000000000001, glibc 0.6561). A correctly rounded pow or cos would still
 * differ from glibc in about 0.1% of them.
 *
 * Sources:
 * - pow: sysdeps/ieee754/dbl-64/e_pow.c, e_pow_log_data.c and e_exp_data.c, which glibc took
 *   from Arm's optimized-routines (math/pow.c, pow_log_data.c, exp_data.c; Copyright (c) 2018,
 *   Arm Limited; SPDX-License-Identifier: MIT OR Apache-2.0 WITH LLVM-exception).
 * - cos: sysdeps/ieee754/dbl-64/s_sin.c, usncs.h and sincostab.c (IBM Accurate Mathematical
 *   Library, Copyright (C) 2001-2022 Free Software Foundation, Inc., LGPL-2.1-or-later).
 *
 * The FMA builds are compiled with `-mfma -mavx2`, so `__FP_FAST_FMA` selects the fma paths of
 * the C code and GCC contracts other `a * b + c` of the source into fused multiply-adds as well
 * (and, where a product has another use, leaves it unfused). Each `fma` below is one `vfmadd`,
 * `vfmsub` or `vfnmadd` of the machine code of those functions in Debian 12's libm.so.6
 * (2.36-9+deb12u14), read with gdb; the tables and constants were read back from the same
 * binary (`__pow_log_data`, `__exp_data`, `__sincostab`) and match the upstream sources.
 *
 * Scope: `glibcPow` is the whole function (special cases, subnormals, overflow and underflow);
 * `glibcCos` is exact for |x| < 105414350 (where glibc reduces the argument with `__branred`, not
 * ported, it falls back to Math.cos) and NaN or infinity.
 */
import { fma } from '../tensor/glibc-log.js';

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);
const i32 = new Int32Array(f64.buffer);
const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const LOW = LITTLE ? 0 : 1;
const HIGH = LITTLE ? 1 : 0;

function asuint64(x: number): bigint {
  f64[0] = x;
  return u64[0];
}

function asdouble(i: bigint): number {
  u64[0] = i;
  return f64[0];
}

/** The low 32 bits of a double's representation, as a signed integer (C's `u.i[LOW_HALF]`). */
function lowWord(x: number): number {
  f64[0] = x;
  return i32[LOW];
}

/** The high 32 bits of a double's representation, as a signed integer. */
function highWord(x: number): number {
  f64[0] = x;
  return i32[HIGH];
}

const u64wrap = (x: bigint): bigint => BigInt.asUintN(64, x);

/** Parses Python's `float.hex()` output (normal, subnormal or zero) exactly. */
function hexFloat(s: string): number {
  const m = /^(-?)0x([01])\.([0-9a-f]{0,13})p([+-]\d+)$/.exec(s);
  if (m === null) throw new Error(`not a hex float literal: ${s}`);
  const value = parseInt(m[2] + m[3], 16) * 2 ** (Number(m[4]) - 4 * m[3].length);
  return m[1] === '-' ? -value : value;
}

/** C's `fma(-a, b, c)`, i.e. `vfnmadd`: c - a*b rounded once. */
function fnma(a: number, b: number, c: number): number {
  return fma(-a, b, c);
}

// ---------------------------------------------------------------------------------------------
// pow
// ---------------------------------------------------------------------------------------------

const LN2HI = hexFloat('0x1.62e42fefa3800p-1');
const LN2LO = hexFloat('0x1.ef35793c76730p-45');
// __pow_log_data.poly: log1p(r) ~ r + A0 r^2 + ... with A0 = -0.5 (POW_LOG_POLY_ORDER = 8).
const A0 = -0.5;
const A1 = hexFloat('-0x1.5555555555560p-1');
const A2 = hexFloat('0x1.0000000000006p-1');
const A3 = hexFloat('0x1.999999959554ep-1');
const A4 = hexFloat('-0x1.555555529a47ap-1');
const A5 = hexFloat('-0x1.2495b9b4845e9p+0');
const A6 = hexFloat('0x1.0002b8b263fc3p+0');

/**
 * __pow_log_data.tab (POW_LOG_TABLE_BITS = 7): per row invc, logc, logctail (the pad column is
 * zero). z in [OFF, 2 OFF) is split into 128 subintervals, c is near the centre of the ith,
 * invc = 1/c, and logc + logctail = log(c) to about 2^-102.
 */
const POW_LOG_TAB = Float64Array.from(
  `
0x1.6a00000000000p+0 -0x1.62c82f2b9c800p-2 0x1.ab42428375680p-48
0x1.6800000000000p+0 -0x1.5d1bdbf580800p-2 -0x1.ca508d8e0f720p-46
0x1.6600000000000p+0 -0x1.5767717455800p-2 -0x1.362a4d5b6506dp-45
0x1.6400000000000p+0 -0x1.51aad872df800p-2 -0x1.684e49eb067d5p-49
0x1.6200000000000p+0 -0x1.4be5f95777800p-2 -0x1.41b6993293ee0p-47
0x1.6000000000000p+0 -0x1.4618bc21c6000p-2 0x1.3d82f484c84ccp-46
0x1.5e00000000000p+0 -0x1.404308686a800p-2 0x1.c42f3ed820b3ap-50
0x1.5c00000000000p+0 -0x1.3a64c55694800p-2 0x1.0b1c686519460p-45
0x1.5a00000000000p+0 -0x1.347dd9a988000p-2 0x1.5594dd4c58092p-45
0x1.5800000000000p+0 -0x1.2e8e2bae12000p-2 0x1.67b1e99b72bd8p-45
0x1.5600000000000p+0 -0x1.2895a13de8800p-2 0x1.5ca14b6cfb03fp-46
0x1.5600000000000p+0 -0x1.2895a13de8800p-2 0x1.5ca14b6cfb03fp-46
0x1.5400000000000p+0 -0x1.22941fbcf7800p-2 -0x1.65a242853da76p-46
0x1.5200000000000p+0 -0x1.1c898c1699800p-2 -0x1.fafbc68e75404p-46
0x1.5000000000000p+0 -0x1.1675cababa800p-2 0x1.f1fc63382a8f0p-46
0x1.4e00000000000p+0 -0x1.1058bf9ae4800p-2 -0x1.6a8c4fd055a66p-45
0x1.4c00000000000p+0 -0x1.0a324e2739000p-2 -0x1.c6bee7ef4030ep-47
0x1.4a00000000000p+0 -0x1.0402594b4d000p-2 -0x1.036b89ef42d7fp-48
0x1.4a00000000000p+0 -0x1.0402594b4d000p-2 -0x1.036b89ef42d7fp-48
0x1.4800000000000p+0 -0x1.fb9186d5e4000p-3 0x1.d572aab993c87p-47
0x1.4600000000000p+0 -0x1.ef0adcbdc6000p-3 0x1.b26b79c86af24p-45
0x1.4400000000000p+0 -0x1.e27076e2af000p-3 -0x1.72f4f543fff10p-46
0x1.4200000000000p+0 -0x1.d5c216b4fc000p-3 0x1.1ba91bbca681bp-45
0x1.4000000000000p+0 -0x1.c8ff7c79aa000p-3 0x1.7794f689f8434p-45
0x1.4000000000000p+0 -0x1.c8ff7c79aa000p-3 0x1.7794f689f8434p-45
0x1.3e00000000000p+0 -0x1.bc286742d9000p-3 0x1.94eb0318bb78fp-46
0x1.3c00000000000p+0 -0x1.af3c94e80c000p-3 0x1.a4e633fcd9066p-52
0x1.3a00000000000p+0 -0x1.a23bc1fe2b000p-3 -0x1.58c64dc46c1eap-45
0x1.3a00000000000p+0 -0x1.a23bc1fe2b000p-3 -0x1.58c64dc46c1eap-45
0x1.3800000000000p+0 -0x1.9525a9cf45000p-3 -0x1.ad1d904c1d4e3p-45
0x1.3600000000000p+0 -0x1.87fa06520d000p-3 0x1.bbdbf7fdbfa09p-45
0x1.3400000000000p+0 -0x1.7ab890210e000p-3 0x1.bdb9072534a58p-45
0x1.3400000000000p+0 -0x1.7ab890210e000p-3 0x1.bdb9072534a58p-45
0x1.3200000000000p+0 -0x1.6d60fe719d000p-3 -0x1.0e46aa3b2e266p-46
0x1.3000000000000p+0 -0x1.5ff3070a79000p-3 -0x1.e9e439f105039p-46
0x1.3000000000000p+0 -0x1.5ff3070a79000p-3 -0x1.e9e439f105039p-46
0x1.2e00000000000p+0 -0x1.526e5e3a1b000p-3 -0x1.0de8b90075b8fp-45
0x1.2c00000000000p+0 -0x1.44d2b6ccb8000p-3 0x1.70cc16135783cp-46
0x1.2c00000000000p+0 -0x1.44d2b6ccb8000p-3 0x1.70cc16135783cp-46
0x1.2a00000000000p+0 -0x1.371fc201e9000p-3 0x1.178864d27543ap-48
0x1.2800000000000p+0 -0x1.29552f81ff000p-3 -0x1.48d301771c408p-45
0x1.2600000000000p+0 -0x1.1b72ad52f6000p-3 -0x1.e80a41811a396p-45
0x1.2600000000000p+0 -0x1.1b72ad52f6000p-3 -0x1.e80a41811a396p-45
0x1.2400000000000p+0 -0x1.0d77e7cd09000p-3 0x1.a699688e85bf4p-47
0x1.2400000000000p+0 -0x1.0d77e7cd09000p-3 0x1.a699688e85bf4p-47
0x1.2200000000000p+0 -0x1.fec9131dbe000p-4 -0x1.575545ca333f2p-45
0x1.2000000000000p+0 -0x1.e27076e2b0000p-4 0x1.a342c2af0003cp-45
0x1.2000000000000p+0 -0x1.e27076e2b0000p-4 0x1.a342c2af0003cp-45
0x1.1e00000000000p+0 -0x1.c5e548f5bc000p-4 -0x1.d0c57585fbe06p-46
0x1.1c00000000000p+0 -0x1.a926d3a4ae000p-4 0x1.53935e85baac8p-45
0x1.1c00000000000p+0 -0x1.a926d3a4ae000p-4 0x1.53935e85baac8p-45
0x1.1a00000000000p+0 -0x1.8c345d631a000p-4 0x1.37c294d2f5668p-46
0x1.1a00000000000p+0 -0x1.8c345d631a000p-4 0x1.37c294d2f5668p-46
0x1.1800000000000p+0 -0x1.6f0d28ae56000p-4 -0x1.69737c93373dap-45
0x1.1600000000000p+0 -0x1.51b073f062000p-4 0x1.f025b61c65e57p-46
0x1.1600000000000p+0 -0x1.51b073f062000p-4 0x1.f025b61c65e57p-46
0x1.1400000000000p+0 -0x1.341d7961be000p-4 0x1.c5edaccf913dfp-45
0x1.1400000000000p+0 -0x1.341d7961be000p-4 0x1.c5edaccf913dfp-45
0x1.1200000000000p+0 -0x1.16536eea38000p-4 0x1.47c5e768fa309p-46
0x1.1000000000000p+0 -0x1.f0a30c0118000p-5 0x1.d599e83368e91p-45
0x1.1000000000000p+0 -0x1.f0a30c0118000p-5 0x1.d599e83368e91p-45
0x1.0e00000000000p+0 -0x1.b42dd71198000p-5 0x1.c827ae5d6704cp-46
0x1.0e00000000000p+0 -0x1.b42dd71198000p-5 0x1.c827ae5d6704cp-46
0x1.0c00000000000p+0 -0x1.77458f632c000p-5 -0x1.cfc4634f2a1eep-45
0x1.0c00000000000p+0 -0x1.77458f632c000p-5 -0x1.cfc4634f2a1eep-45
0x1.0a00000000000p+0 -0x1.39e87b9fec000p-5 0x1.502b7f526feaap-48
0x1.0a00000000000p+0 -0x1.39e87b9fec000p-5 0x1.502b7f526feaap-48
0x1.0800000000000p+0 -0x1.f829b0e780000p-6 -0x1.980267c7e09e4p-45
0x1.0800000000000p+0 -0x1.f829b0e780000p-6 -0x1.980267c7e09e4p-45
0x1.0600000000000p+0 -0x1.7b91b07d58000p-6 -0x1.88d5493faa639p-45
0x1.0400000000000p+0 -0x1.fc0a8b0fc0000p-7 -0x1.f1e7cf6d3a69cp-50
0x1.0400000000000p+0 -0x1.fc0a8b0fc0000p-7 -0x1.f1e7cf6d3a69cp-50
0x1.0200000000000p+0 -0x1.fe02a6b100000p-8 -0x1.9e23f0dda40e4p-46
0x1.0200000000000p+0 -0x1.fe02a6b100000p-8 -0x1.9e23f0dda40e4p-46
0x1.0000000000000p+0 0x0.0p+0 0x0.0p+0
0x1.0000000000000p+0 0x0.0p+0 0x0.0p+0
0x1.fc00000000000p-1 0x1.0101575890000p-7 -0x1.0c76b999d2be8p-46
0x1.f800000000000p-1 0x1.0205658938000p-6 -0x1.3dc5b06e2f7d2p-45
0x1.f400000000000p-1 0x1.8492528c90000p-6 -0x1.aa0ba325a0c34p-45
0x1.f000000000000p-1 0x1.0415d89e74000p-5 0x1.111c05cf1d753p-47
0x1.ec00000000000p-1 0x1.466aed42e0000p-5 -0x1.c167375bdfd28p-45
0x1.e800000000000p-1 0x1.894aa149fc000p-5 -0x1.97995d05a267dp-46
0x1.e400000000000p-1 0x1.ccb73cdddc000p-5 -0x1.a68f247d82807p-46
0x1.e200000000000p-1 0x1.eea31c006c000p-5 -0x1.e113e4fc93b7bp-47
0x1.de00000000000p-1 0x1.1973bd1466000p-4 -0x1.5325d560d9e9bp-45
0x1.da00000000000p-1 0x1.3bdf5a7d1e000p-4 0x1.cc85ea5db4ed7p-45
0x1.d600000000000p-1 0x1.5e95a4d97a000p-4 -0x1.c69063c5d1d1ep-45
0x1.d400000000000p-1 0x1.700d30aeac000p-4 0x1.c1e8da99ded32p-49
0x1.d000000000000p-1 0x1.9335e5d594000p-4 0x1.3115c3abd47dap-45
0x1.cc00000000000p-1 0x1.b6ac88dad6000p-4 -0x1.390802bf768e5p-46
0x1.ca00000000000p-1 0x1.c885801bc4000p-4 0x1.646d1c65aacd3p-45
0x1.c600000000000p-1 0x1.ec739830a2000p-4 -0x1.dc068afe645e0p-45
0x1.c400000000000p-1 0x1.fe89139dbe000p-4 -0x1.534d64fa10afdp-45
0x1.c000000000000p-1 0x1.1178e8227e000p-3 0x1.1ef78ce2d07f2p-45
0x1.be00000000000p-1 0x1.1aa2b7e23f000p-3 0x1.ca78e44389934p-45
0x1.ba00000000000p-1 0x1.2d1610c868000p-3 0x1.39d6ccb81b4a1p-47
0x1.b800000000000p-1 0x1.365fcb0159000p-3 0x1.62fa8234b7289p-51
0x1.b400000000000p-1 0x1.4913d8333b000p-3 0x1.5837954fdb678p-45
0x1.b200000000000p-1 0x1.527e5e4a1b000p-3 0x1.633e8e5697dc7p-45
0x1.ae00000000000p-1 0x1.6574ebe8c1000p-3 0x1.9cf8b2c3c2e78p-46
0x1.ac00000000000p-1 0x1.6f0128b757000p-3 -0x1.5118de59c21e1p-45
0x1.aa00000000000p-1 0x1.7898d85445000p-3 -0x1.c661070914305p-46
0x1.a600000000000p-1 0x1.8beafeb390000p-3 -0x1.73d54aae92cd1p-47
0x1.a400000000000p-1 0x1.95a5adcf70000p-3 0x1.7f22858a0ff6fp-47
0x1.a000000000000p-1 0x1.a93ed3c8ae000p-3 -0x1.8724350562169p-45
0x1.9e00000000000p-1 0x1.b31d8575bd000p-3 -0x1.c358d4eace1aap-47
0x1.9c00000000000p-1 0x1.bd087383be000p-3 -0x1.d4bc4595412b6p-45
0x1.9a00000000000p-1 0x1.c6ffbc6f01000p-3 -0x1.1ec72c5962bd2p-48
0x1.9600000000000p-1 0x1.db13db0d49000p-3 -0x1.aff2af715b035p-45
0x1.9400000000000p-1 0x1.e530effe71000p-3 0x1.212276041f430p-51
0x1.9200000000000p-1 0x1.ef5ade4dd0000p-3 -0x1.a211565bb8e11p-51
0x1.9000000000000p-1 0x1.f991c6cb3b000p-3 0x1.bcbecca0cdf30p-46
0x1.8c00000000000p-1 0x1.07138604d5800p-2 0x1.89cdb16ed4e91p-48
0x1.8a00000000000p-1 0x1.0c42d67616000p-2 0x1.7188b163ceae9p-45
0x1.8800000000000p-1 0x1.1178e8227e800p-2 -0x1.c210e63a5f01cp-45
0x1.8600000000000p-1 0x1.16b5ccbacf800p-2 0x1.b9acdf7a51681p-45
0x1.8400000000000p-1 0x1.1bf99635a6800p-2 0x1.ca6ed5147bdb7p-45
0x1.8200000000000p-1 0x1.214456d0eb800p-2 0x1.a87deba46baeap-47
0x1.7e00000000000p-1 0x1.2bef07cdc9000p-2 0x1.a9cfa4a5004f4p-45
0x1.7c00000000000p-1 0x1.314f1e1d36000p-2 -0x1.8e27ad3213cb8p-45
0x1.7a00000000000p-1 0x1.36b6776be1000p-2 0x1.16ecdb0f177c8p-46
0x1.7800000000000p-1 0x1.3c25277333000p-2 0x1.83b54b606bd5cp-46
0x1.7600000000000p-1 0x1.419b423d5e800p-2 0x1.8e436ec90e09dp-47
0x1.7400000000000p-1 0x1.4718dc271c800p-2 -0x1.f27ce0967d675p-45
0x1.7200000000000p-1 0x1.4c9e09e173000p-2 -0x1.e20891b0ad8a4p-45
0x1.7000000000000p-1 0x1.522ae0738a000p-2 0x1.ebe708164c759p-45
0x1.6e00000000000p-1 0x1.57bf753c8d000p-2 0x1.fadedee5d40efp-46
0x1.6c00000000000p-1 0x1.5d5bddf596000p-2 -0x1.a0b2a08a465dcp-47
`
    .trim()
    .split(/\s+/),
  hexFloat,
);

/** asuint64(0x1.6955500000000p-1): the table splits [OFF, 2 OFF) into 128 subintervals. */
const OFF = 0x3fe6955500000000n;

// __exp_data with EXP_TABLE_BITS = 7, EXP_POLY_ORDER = 5.
const INV_LN2_N = hexFloat('0x1.71547652b82fep+7');
const NEG_LN2_HI_N = hexFloat('-0x1.62e42fefa0000p-8');
const NEG_LN2_LO_N = hexFloat('-0x1.cf79abc9e3b3ap-47');
const C2 = hexFloat('0x1.ffffffffffdbdp-2');
const C3 = hexFloat('0x1.555555555543cp-3');
const C4 = hexFloat('0x1.55555cf172b91p-5');
const C5 = hexFloat('0x1.1111167a4d017p-7');
const SHIFT = hexFloat('0x1.8000000000000p+52');

/**
 * __exp_data.tab as 64-bit words: tab[2i] is the tail and tab[2i+1] the bits of 2^(i/128) minus
 * i << 45, so that adding k << 45 gives the bits of 2^(k/128) for k = i mod 128.
 */
const EXP_TAB = BigUint64Array.from(
  `
0000000000000000 3ff0000000000000 3c9b3b4f1a88bf6e 3feff63da9fb3335
bc7160139cd8dc5d 3fefec9a3e778061 bc905e7a108766d1 3fefe315e86e7f85
3c8cd2523567f613 3fefd9b0d3158574 bc8bce8023f98efa 3fefd06b29ddf6de
3c60f74e61e6c861 3fefc74518759bc8 3c90a3e45b33d399 3fefbe3ecac6f383
3c979aa65d837b6d 3fefb5586cf9890f 3c8eb51a92fdeffc 3fefac922b7247f7
3c3ebe3d702f9cd1 3fefa3ec32d3d1a2 bc6a033489906e0b 3fef9b66affed31b
bc9556522a2fbd0e 3fef9301d0125b51 bc5080ef8c4eea55 3fef8abdc06c31cc
bc91c923b9d5f416 3fef829aaea92de0 3c80d3e3e95c55af 3fef7a98c8a58e51
bc801b15eaa59348 3fef72b83c7d517b bc8f1ff055de323d 3fef6af9388c8dea
3c8b898c3f1353bf 3fef635beb6fcb75 bc96d99c7611eb26 3fef5be084045cd4
3c9aecf73e3a2f60 3fef54873168b9aa bc8fe782cb86389d 3fef4d5022fcd91d
3c8a6f4144a6c38d 3fef463b88628cd6 3c807a05b0e4047d 3fef3f49917ddc96
3c968efde3a8a894 3fef387a6e756238 3c875e18f274487d 3fef31ce4fb2a63f
3c80472b981fe7f2 3fef2b4565e27cdd bc96b87b3f71085e 3fef24dfe1f56381
3c82f7e16d09ab31 3fef1e9df51fdee1 bc3d219b1a6fbffa 3fef187fd0dad990
3c8b3782720c0ab4 3fef1285a6e4030b 3c6e149289cecb8f 3fef0cafa93e2f56
3c834d754db0abb6 3fef06fe0a31b715 3c864201e2ac744c 3fef0170fc4cd831
3c8fdd395dd3f84a 3feefc08b26416ff bc86a3803b8e5b04 3feef6c55f929ff1
bc924aedcc4b5068 3feef1a7373aa9cb bc9907f81b512d8e 3feeecae6d05d866
bc71d1e83e9436d2 3feee7db34e59ff7 bc991919b3ce1b15 3feee32dc313a8e5
3c859f48a72a4c6d 3feedea64c123422 bc9312607a28698a 3feeda4504ac801c
bc58a78f4817895b 3feed60a21f72e2a bc7c2c9b67499a1b 3feed1f5d950a897
3c4363ed60c2ac11 3feece086061892d 3c9666093b0664ef 3feeca41ed1d0057
3c6ecce1daa10379 3feec6a2b5c13cd0 3c93ff8e3f0f1230 3feec32af0d7d3de
3c7690cebb7aafb0 3feebfdad5362a27 3c931dbdeb54e077 3feebcb299fddd0d
bc8f94340071a38e 3feeb9b2769d2ca7 bc87deccdc93a349 3feeb6daa2cf6642
bc78dec6bd0f385f 3feeb42b569d4f82 bc861246ec7b5cf6 3feeb1a4ca5d920f
3c93350518fdd78e 3feeaf4736b527da 3c7b98b72f8a9b05 3feead12d497c7fd
3c9063e1e21c5409 3feeab07dd485429 3c34c7855019c6ea 3feea9268a5946b7
3c9432e62b64c035 3feea76f15ad2148 bc8ce44a6199769f 3feea5e1b976dc09
bc8c33c53bef4da8 3feea47eb03a5585 bc845378892be9ae 3feea34634ccc320
bc93cedd78565858 3feea23882552225 3c5710aa807e1964 3feea155d44ca973
bc93b3efbf5e2228 3feea09e667f3bcd bc6a12ad8734b982 3feea012750bdabf
bc6367efb86da9ee 3fee9fb23c651a2f bc80dc3d54e08851 3fee9f7df9519484
bc781f647e5a3ecf 3fee9f75e8ec5f74 bc86ee4ac08b7db0 3fee9f9a48a58174
bc8619321e55e68a 3fee9feb564267c9 3c909ccb5e09d4d3 3feea0694fde5d3f
bc7b32dcb94da51d 3feea11473eb0187 3c94ecfd5467c06b 3feea1ed0130c132
3c65ebe1abd66c55 3feea2f336cf4e62 bc88a1c52fb3cf42 3feea427543e1a12
bc9369b6f13b3734 3feea589994cce13 bc805e843a19ff1e 3feea71a4623c7ad
bc94d450d872576e 3feea8d99b4492ed 3c90ad675b0e8a00 3feeaac7d98a6699
3c8db72fc1f0eab4 3feeace5422aa0db bc65b6609cc5e7ff 3feeaf3216b5448c
3c7bf68359f35f44 3feeb1ae99157736 bc93091fa71e3d83 3feeb45b0b91ffc6
bc5da9b88b6c1e29 3feeb737b0cdc5e5 bc6c23f97c90b959 3feeba44cbc8520f
bc92434322f4f9aa 3feebd829fde4e50 bc85ca6cd7668e4b 3feec0f170ca07ba
3c71affc2b91ce27 3feec49182a3f090 3c6dd235e10a73bb 3feec86319e32323
bc87c50422622263 3feecc667b5de565 3c8b1c86e3e231d5 3feed09bec4a2d33
bc91bbd1d3bcbb15 3feed503b23e255d 3c90cc319cee31d2 3feed99e1330b358
3c8469846e735ab3 3feede6b5579fdbf bc82dfcd978e9db4 3feee36bbfd3f37a
3c8c1a7792cb3387 3feee89f995ad3ad bc907b8f4ad1d9fa 3feeee07298db666
bc55c3d956dcaeba 3feef3a2b84f15fb bc90a40e3da6f640 3feef9728de5593a
bc68d6f438ad9334 3feeff76f2fb5e47 bc91eee26b588a35 3fef05b030a1064a
3c74ffd70a5fddcd 3fef0c1e904bc1d2 bc91bdfbfa9298ac 3fef12c25bd71e09
3c736eae30af0cb3 3fef199bdd85529c 3c8ee3325c9ffd94 3fef20ab5fffd07a
3c84e08fd10959ac 3fef27f12e57d14b 3c63cdaf384e1a67 3fef2f6d9406e7b5
3c676b2c6c921968 3fef3720dcef9069 bc808a1883ccb5d2 3fef3f0b555dc3fa
bc8fad5d3ffffa6f 3fef472d4a07897c bc900dae3875a949 3fef4f87080d89f2
3c74a385a63d07a7 3fef5818dcfba487 bc82919e2040220f 3fef60e316c98398
3c8e5a50d5c192ac 3fef69e603db3285 3c843a59ac016b4b 3fef7321f301b460
bc82d52107b43e1f 3fef7c97337b9b5f bc892ab93b470dc9 3fef864614f5a129
3c74b604603a88d3 3fef902ee78b3ff6 3c83c5ec519d7271 3fef9a51fbc74c83
bc8ff7128fd391f0 3fefa4afa2a490da bc8dae98e223747d 3fefaf482d8e67f1
3c8ec3bc41aa2008 3fefba1bee615a27 3c842b94c3a9eb32 3fefc52b376bba97
3c8a64a931d185ee 3fefd0765b6e4540 bc8e37bae43be3ed 3fefdbfdad9cbe14
3c77893b4d91cd9d 3fefe7c1819e90d8 3c5305c14160cc89 3feff3c22b8f71f1
`
    .trim()
    .split(/\s+/),
  (w) => BigInt(`0x${w}`),
);

/** SIGN_BIAS = 0x800 << EXP_TABLE_BITS: added to k, it sets the sign bit of the scale. */
const SIGN_BIAS = 0x40000n;
const ASUINT64_ONE = 0x3ff0000000000000n;
const ASUINT64_INF = 0x7ff0000000000000n;

/** 1 if the bits are of 0, infinity or NaN. */
function zeroInfNan(i: bigint): boolean {
  return u64wrap(2n * i - 1n) >= 2n * ASUINT64_INF - 1n;
}

/** 0 if not an integer, 1 if an odd integer, 2 if an even integer (finite, non-zero y). */
function checkInt(iy: bigint): 0 | 1 | 2 {
  const e = Number((iy >> 52n) & 0x7ffn);
  if (e < 0x3ff) return 0;
  if (e > 0x3ff + 52) return 2;
  const bit = 1n << BigInt(0x3ff + 52 - e);
  if ((iy & (bit - 1n)) !== 0n) return 0;
  return (iy & bit) !== 0n ? 1 : 2;
}

const overflow = (sign: bigint): number => (sign !== 0n ? -Infinity : Infinity);
const underflow = (sign: bigint): number => (sign !== 0n ? -0 : 0);

/** log(x) = hi + tail for the bits ix of a positive normal (or normalised subnormal) x. */
function logInline(ix: bigint): [number, number] {
  const tmp = u64wrap(ix - OFF);
  const i = Number((tmp >> 45n) & 127n);
  const k = Number(BigInt.asIntN(64, tmp) >> 52n);
  const z = asdouble(u64wrap(ix - (tmp & (0xfffn << 52n))));
  const kd = k;
  const invc = POW_LOG_TAB[3 * i];
  const logc = POW_LOG_TAB[3 * i + 1];
  const logctail = POW_LOG_TAB[3 * i + 2];

  // r = z/c - 1 exactly (1/c has few bits), then k*ln2 + log(c) + r in double-double.
  const r = fma(z, invc, -1);
  const t1 = fma(kd, LN2HI, logc);
  const t2 = t1 + r;
  const lo1 = fma(kd, LN2LO, logctail);
  const lo2 = t1 - t2 + r;
  const ar = A0 * r;
  const ar2 = r * ar;
  const ar3 = r * ar2;
  const hi = t2 + ar2;
  const lo3 = fma(ar, r, -ar2);
  const lo4 = t2 - hi + ar2;
  // p = ar3 * (A1 + r A2 + ar2 (A3 + r A4 + ar2 (A5 + r A6))), added to lo by the last fma.
  const q = fma(ar2, fma(ar2, fma(r, A6, A5), fma(r, A4, A3)), fma(r, A2, A1));
  const lo = fma(ar3, q, lo1 + lo2 + lo3 + lo4);
  const y = hi + lo;
  return [y, hi - y + lo];
}

/** scale * (1 + tmp) where the exponent of scale may be out of range (k the reduction index). */
function expSpecialCase(tmp: number, sbits: bigint, ki: bigint): number {
  if ((ki & 0x80000000n) === 0n) {
    // k > 0: the exponent of scale might have overflowed by <= 460.
    const scale = asdouble(u64wrap(sbits - (1009n << 52n)));
    return fma(scale, tmp, scale) * 2 ** 1009;
  }
  // k < 0: round to 53 bits before scaling into the subnormal range (no double rounding).
  const sbitsLow = u64wrap(sbits + (1022n << 52n));
  const scale = asdouble(sbitsLow);
  const st = scale * tmp;
  let y = scale + st;
  if (Math.abs(y) < 1) {
    const one = y < 0 ? -1 : 1;
    let lo = scale - y + st;
    const hi = one + y;
    lo = one - hi + y + lo;
    y = hi + lo - one;
    if (y === 0) y = asdouble(sbitsLow & 0x8000000000000000n); // the sign of zero
  }
  return 2 ** -1022 * y;
}

/** sign * exp(x + xtail), |xtail| < 2^-8/128 (signBias is SIGN_BIAS or 0). */
function expInline(x: number, xtail: number, signBias: bigint): number {
  let abstop = Number(asuint64(x) >> 52n) & 0x7ff;
  if ((abstop - 0x3c9) >>> 0 >= 0x408 - 0x3c9) {
    if ((abstop - 0x3c9) >>> 0 >= 0x80000000) {
      // |x| < 2^-54: exp(x) rounds to 1 + x.
      const one = 1 + x;
      return signBias !== 0n ? -one : one;
    }
    if (abstop >= 0x409) return x < 0 ? underflow(signBias) : overflow(signBias);
    abstop = 0; // large |x|: handled by expSpecialCase below
  }
  // x = k ln2/N + r with |r| <= ln2/2N; exp(x) = 2^(k/N) exp(r).
  let kd = fma(x, INV_LN2_N, SHIFT);
  const ki = asuint64(kd);
  kd -= SHIFT;
  const r = fma(kd, NEG_LN2_LO_N, fma(kd, NEG_LN2_HI_N, x)) + xtail;
  const idx = Number(2n * (ki & 127n));
  const top = u64wrap((ki + signBias) << 45n);
  const tail = asdouble(EXP_TAB[idx]);
  const sbits = u64wrap(EXP_TAB[idx + 1] + top);
  const r2 = r * r;
  const tmp = fma(fma(r, C5, C4), r2 * r2, fma(fma(r, C3, C2), r2, tail + r));
  if (abstop === 0) return expSpecialCase(tmp, sbits, ki);
  const scale = asdouble(sbits);
  return fma(tmp, scale, scale);
}

/**
 * x ** y exactly as glibc 2.36's `pow` computes it on x86_64 with FMA, including its rare
 * misroundings. This is what Python's `float ** float` returns for finite non-special operands.
 *
 * @example
 * ```ts
 * glibcPow(0.9, 4); // 0.6561 (Math.pow(0.9, 4) is 0.6561000000000001)
 * ```
 */
export function glibcPow(x: number, y: number): number {
  let signBias = 0n;
  let ix = asuint64(x);
  const iy = asuint64(y);
  let topx = Number(ix >> 52n);
  const topy = Number(iy >> 52n);
  if ((topx - 1) >>> 0 >= 0x7ff - 1 || ((topy & 0x7ff) - 0x3be) >>> 0 >= 0x43e - 0x3be) {
    // x < 2^-1022, x <= 0, inf or nan; or |y| < 2^-65, |y| >= 2^63, inf or nan.
    if (zeroInfNan(iy)) {
      if (u64wrap(2n * iy) === 0n) return 1;
      if (ix === ASUINT64_ONE) return 1;
      if (u64wrap(2n * ix) > 2n * ASUINT64_INF || u64wrap(2n * iy) > 2n * ASUINT64_INF) {
        return x + y;
      }
      if (u64wrap(2n * ix) === 2n * ASUINT64_ONE) return 1;
      // |x| < 1 and y = inf, or |x| > 1 and y = -inf.
      const xBelowOne = u64wrap(2n * ix) < 2n * ASUINT64_ONE;
      if (xBelowOne === (iy >> 63n === 0n)) return 0;
      return y * y;
    }
    if (zeroInfNan(ix)) {
      let x2 = x * x;
      if (ix >> 63n !== 0n && checkInt(iy) === 1) x2 = -x2;
      return iy >> 63n !== 0n ? 1 / x2 : x2;
    }
    // x and y are non-zero and finite.
    if (ix >> 63n !== 0n) {
      const yint = checkInt(iy);
      if (yint === 0) return NaN;
      if (yint === 1) signBias = SIGN_BIAS;
      ix &= 0x7fffffffffffffffn;
      topx &= 0x7ff;
    }
    if (((topy & 0x7ff) - 0x3be) >>> 0 >= 0x43e - 0x3be) {
      if (ix === ASUINT64_ONE) return 1;
      if ((topy & 0x7ff) < 0x3be) return ix > ASUINT64_ONE ? 1 + y : 1 - y;
      return ix > ASUINT64_ONE === topy < 0x800 ? Infinity : 0;
    }
    if (topx === 0) {
      // Subnormal x: normalise it, letting the exponent go negative through the sign bit.
      ix = asuint64(x * 2 ** 52) & 0x7fffffffffffffffn;
      ix = u64wrap(ix - (52n << 52n));
    }
  }
  const [hi, lo] = logInline(ix);
  const ehi = y * hi;
  const elo = fma(y, lo, fma(hi, y, -ehi));
  return expInline(ehi, elo, signBias);
}

// ---------------------------------------------------------------------------------------------
// cos
// ---------------------------------------------------------------------------------------------

// usncs.h and s_sin.c constants.
const BIG = hexFloat('0x1.8000000000000p+45'); // 52776558133248: rounds |x| to a multiple of 1/128
const HP0 = hexFloat('0x1.921fb54442d18p+0'); // pi/2, high part
const HP1 = hexFloat('0x1.1a62633145c07p-54'); // pi/2, low part
const HPINV = hexFloat('0x1.45f306dc9c883p-1'); // 2/pi
const TOINT = hexFloat('0x1.8000000000000p+52');
const MP1 = hexFloat('0x1.921fb58000000p+0'); // pi/2 = MP1 + MP2 + PP3 + PP4 to 136 bits
const MP2 = hexFloat('-0x1.dde973c000000p-27');
const PP3 = hexFloat('-0x1.cb3b398000000p-55');
const PP4 = hexFloat('-0x1.d747f23e32ed7p-83');
const SN3 = hexFloat('-0x1.5555555555515p-3');
const SN5 = hexFloat('0x1.11110e829872fp-7');
const CS2 = 0.5;
const CS4 = hexFloat('-0x1.5555555555535p-5');
const CS6 = hexFloat('0x1.6c16bedd9e239p-10');
const S1 = hexFloat('-0x1.5555555555555p-3');
const S2 = hexFloat('0x1.1111111110ecep-7');
const S3 = hexFloat('-0x1.a01a019db08b8p-13');
const S4 = hexFloat('0x1.71de27b9a7ed9p-19');
const S5 = hexFloat('-0x1.addffc2fcdf59p-26');

/**
 * __sincostab: for x_i = i/128, i = 0..109, the row sn, ssn, cs, ccs holds sin(x_i) = sn + ssn
 * and cos(x_i) = cs + ccs in double-double.
 */
const SINCOS_TAB = Float64Array.from(
  `
0x0.0p+0 0x0.0p+0 0x1.0000000000000p+0 0x0.0p+0
0x1.fffeaaaaeeeefp-8 -0x1.e45e2ec67b77cp-62 0x1.fffc000155552p-1 0x1.f4a01a0196daep-55
0x1.fffaaaaeeeed5p-7 -0x1.2ab639a9f0777p-63 0x1.fff000155549fp-1 0x1.28a28a03a5ef3p-55
0x1.7ff7001033255p-6 0x1.efe2b51527336p-64 0x1.ffdc006bff7e6p-1 0x1.ae6dae86977bdp-55
0x1.ffeaaaeeee86fp-6 -0x1.cd406fb224ae2p-60 0x1.ffc00155527d3p-1 -0x1.3b54492d89b5bp-55
0x1.3feb2b12d45d5p-5 0x1.4ec54203d1c11p-60 0x1.ff9c03414a7bap-1 0x1.991f4be6c59bfp-57
0x1.7fdc01032fba9p-5 -0x1.599bdf46e997ap-59 0x1.ff7006bfdf99fp-1 -0x1.8b3b560648d5fp-56
0x1.bfc6d78586dacp-5 0x1.8e4fd03dbf236p-62 0x1.ff3c0c8103a31p-1 0x1.4856dbddc0e66p-56
0x1.ffaaaeeed4edbp-5 -0x1.2d16d32684b69p-59 0x1.ff0015549f4d3p-1 0x1.328387b99426fp-55
0x1.1fc343d808befp-4 -0x1.f3d32e6f3be4fp-58 0x1.febc222a8ef9fp-1 0x1.7934934f54c77p-58
0x1.3facb12d1755bp-4 -0x1.921915299468cp-58 0x1.fe7034129ef6fp-1 -0x1.cbf4337c96f97p-57
0x1.5f911fd10b737p-4 -0x1.0184f02be9102p-58 0x1.fe1c4c3c873ebp-1 -0x1.5a9c9057c4a02p-60
0x1.7f701032550e4p-4 0x1.afc2d1800501ap-60 0x1.fdc06bf7e6b9bp-1 0x1.31902b535f8dbp-55
0x1.9f4902d55d1f9p-4 0x1.2696d7eac1dc1p-58 0x1.fd5c94b43e000p-1 -0x1.2e768cb4f92f9p-57
0x1.bf1b78568391dp-4 0x1.e91841dea4cc8p-58 0x1.fcf0c800e99b1p-1 0x1.ea3d786d186acp-57
0x1.dee6f16c1cce6p-4 -0x1.50f8e2fb71673p-59 0x1.fc7d078d1bc88p-1 0x1.075d2447db685p-55
0x1.feaaeee86ee36p-4 -0x1.afcb2bcc6f03bp-59 0x1.fc015527d5bd3p-1 0x1.b68f35094efb8p-55
0x1.0f3378ddd71d1p-3 0x1.d8468724f0f9ep-57 0x1.fb7db2bfe0695p-1 0x1.21dadf4f65ab1p-55
0x1.1f0d3d7afceafp-3 -0x1.6ef95099769a5p-57 0x1.faf22263c4bd3p-1 -0x1.52ace133a2769p-58
0x1.2ee285e4ab88fp-3 -0x1.e4d0f05dee058p-57 0x1.fa5ea641c36f2p-1 0x1.04da6ed17cc7cp-59
0x1.3eb312c5d66cbp-3 0x1.47d666b66cb91p-57 0x1.f9c340a7cc428p-1 0x1.c5b6b063b7462p-55
0x1.4e7ea4dc5f27bp-3 0x1.949db2ac072fcp-58 0x1.f91ff40374d01p-1 -0x1.7d03f4d3a9e4cp-57
0x1.5e44fcfa126f3p-3 -0x1.6f443063f89b6p-57 0x1.f874c2e1eecf6p-1 -0x1.c6514e1332b16p-55
0x1.6e05dc05a4d4cp-3 -0x1.32c5c8b81c940p-66 0x1.f7c1afeffde24p-1 -0x1.8f55bc47540b1p-56
0x1.7dc102fbaf2b5p-3 0x1.5ab50e23c97c3p-59 0x1.f706bdf9ece1cp-1 -0x1.698c80c36dcb4p-55
0x1.8d7632efaa944p-3 -0x1.20fa262cbb953p-57 0x1.f643efeb82acdp-1 0x1.6b00ac1fe28acp-56
0x1.9d252d0cec312p-3 0x1.9c43d80b1137dp-58 0x1.f57948cff6797p-1 0x1.e3a0d3e03b1d5p-57
0x1.accdb297a0765p-3 -0x1.9883b57d6cdebp-58 0x1.f4a6cbd1e3a79p-1 0x1.13df0edaebb57p-55
0x1.bc6f84edc6199p-3 0x1.9c1a56a7b0cabp-57 0x1.f3cc7c3b3d16ep-1 -0x1.21a3ad28a3494p-57
0x1.cc0a6588289a3p-3 -0x1.868d09bc87c6bp-57 0x1.f2ea5d753ffedp-1 0x1.cc4215f56d583p-55
0x1.db9e15fb5a5d0p-3 -0x1.32e20d6cc6fc2p-57 0x1.f20073086649fp-1 0x1.b940416c1984bp-56
0x1.eb2a57f8ae5a3p-3 -0x1.0be06af572cebp-57 0x1.f10ec09c5873bp-1 0x1.d9072762c1283p-55
0x1.faaeed4f31577p-3 -0x1.15d88508e32b8p-57 0x1.f01549f7deea1p-1 0x1.d3c1e99e5cafdp-55
0x1.0515cbf65155cp-2 -0x1.9b8c29dfd8ec8p-56 0x1.ef141300d2f26p-1 -0x1.2aa1b08ded372p-55
0x1.0cd00cef36436p-2 -0x1.9fb0a0c93e2b5p-56 0x1.ee0b1fbc0f11cp-1 -0x1.bfd2380bbc3b1p-59
0x1.14861aa94ddebp-2 -0x1.be881b5b615a4p-57 0x1.ecfa744d5efa1p-1 -0x1.56d0a4af541d0p-58
0x1.1c37d64c6b876p-2 0x1.46076fe0dcff5p-56 0x1.ebe214f76efa8p-1 -0x1.02f9f12ba543ep-55
0x1.23e52111aaf36p-2 -0x1.4f080334eff18p-56 0x1.eac2061bbaf4fp-1 0x1.2c1d53e94658dp-57
0x1.2b8ddc43eb49fp-2 0x1.1553899f2d807p-57 0x1.e99a4c3a7cd83p-1 -0x1.2264b1bc53ce8p-55
0x1.3331e94049f87p-2 0x1.e0cb6b40c302cp-56 0x1.e86aebf29a9edp-1 0x1.9397afdbb58a7p-55
0x1.3ad129769d3d8p-2 0x1.03d5504878398p-63 0x1.e733ea0193d40p-1 -0x1.6428b3546ce13p-55
0x1.426b7e69ee697p-2 -0x1.f09c75705c59fp-56 0x1.e5f54b436e9d0p-1 0x1.7eb0fd02fc8bcp-55
0x1.4a00c9b0f3d20p-2 0x1.823ba6bb08eadp-56 0x1.e4af14b2a449cp-1 -0x1.68ca02e8a6833p-55
0x1.5190ecf68a77ap-2 0x1.b357155eef0f3p-56 0x1.e3614b680d6a5p-1 -0x1.27793aa015237p-56
0x1.591bc9fa2f597p-2 0x1.7c74bac3fe0cbp-57 0x1.e20bf49acd6c1p-1 -0x1.660aec7ef636cp-58
0x1.60a1429078775p-2 0x1.b1fd80ba89133p-58 0x1.e0af15a03dbcep-1 0x1.fe8e702771ae6p-58
0x1.682138a38d7f7p-2 -0x1.d889202444aadp-56 0x1.df4ab3ebd875ep-1 -0x1.e2d8a7e6736c4p-55
0x1.6f9b8e33a0255p-2 0x1.42bc14ee9da0dp-56 0x1.ddded50f228d6p-1 -0x1.e80c8d42ba2bfp-57
0x1.7710255764214p-2 -0x1.6ead7314bb6cep-57 0x1.dc6b7eb995912p-1 0x1.4b364776dcd35p-58
0x1.7e7ee03c86d4ep-2 -0x1.b63bcdabf5af2p-56 0x1.daf0b6b888e83p-1 0x1.a249e2b5e5ceap-55
0x1.85e7a12826949p-2 0x1.8a40e9b5face0p-56 0x1.d96e82f71a9dcp-1 0x1.ff61bd5d2039dp-55
0x1.8d4a4a774992fp-2 0x1.44a02ea766326p-56 0x1.d7e4e97e17b4ap-1 -0x1.3b770352bed94p-57
0x1.94a6be9f546c5p-2 -0x1.69ce13e683f58p-56 0x1.d653f073e4040p-1 -0x1.76236434bec37p-55
0x1.9bfce02e80510p-2 0x1.09e39a320b0a4p-56 0x1.d4bb9e1c619e0p-1 0x1.f34bb77858f61p-55
0x1.a34c91cc50ccap-2 -0x1.a310e3b50cecdp-58 0x1.d31bf8d8d7c06p-1 0x1.e60dd3089cbddp-56
0x1.aa95b63a09277p-2 -0x1.6293eb13c0381p-57 0x1.d1750727d94f0p-1 0x1.0d52b1ec1a48ep-55
0x1.b1d8305321617p-2 -0x1.ae242cb99f519p-56 0x1.cfc6cfa52ad9fp-1 0x1.8b5b5508f2a0dp-55
0x1.b913e30dbac43p-2 -0x1.e38ad2f6c3ff1p-56 0x1.ce115909a82e5p-1 0x1.1f139bb31109ap-55
0x1.c048b17b140a3p-2 0x1.19fe6757e9fa7p-57 0x1.cc54aa2b2972ep-1 0x1.4ee162ba83a98p-57
0x1.c7767ec7fd19ep-2 -0x1.eb14d1a3d5826p-58 0x1.ca90c9fc67d0bp-1 -0x1.46a81485e3462p-57
0x1.ce9d2e3d4a51fp-2 -0x1.2fc8a12dae298p-57 0x1.c8c5bf8ce1a84p-1 0x1.ab3d1a1590123p-56
0x1.d5bca34047661p-2 0x1.28a44a75fc29cp-56 0x1.c6f39208be53bp-1 -0x1.741dbfbaadb42p-55
0x1.dcd4c15329c9ap-2 0x1.0d4c6e171fd9ap-56 0x1.c51a48b8b175ep-1 -0x1.1bbb43b9aa880p-57
0x1.e3e56c1582a69p-2 -0x1.0a4821099f88fp-58 0x1.c339eb01ddd81p-1 -0x1.caaf5ee82c5c0p-55
0x1.eaee8744b05f0p-2 -0x1.789b43c9b027dp-58 0x1.c1528065b7d50p-1 -0x1.892111312e828p-55
0x1.f1eff6bc4f97bp-2 0x1.17212f8a7525cp-56 0x1.bf641081e7536p-1 0x1.b7bd71628a9a1p-55
0x1.f8e99e76abc97p-2 0x1.9d950af2d00a3p-58 0x1.bd6ea310294f5p-1 0x1.31bbcc88c109dp-56
0x1.ffdb628d2f57ap-2 0x1.f4a992e905b6ap-57 0x1.bb723fe630f32p-1 0x1.72bd2452d0a39p-56
0x1.0362939c69955p-1 -0x1.2d8cd78397b01p-55 0x1.b96eeef58840ep-1 0x1.45a3cc78fade0p-58
0x1.06d3686946e5bp-1 0x1.3f5ae4538ff1bp-55 0x1.b764b84b704c2p-1 -0x1.f5848c21b389bp-55
0x1.0a4021e9e1001p-1 -0x1.6f643a13914f6p-55 0x1.b553a410c104ep-1 0x1.8ff7947027a16p-58
0x1.0da8b26b5672ep-1 -0x1.a58def0bee909p-55 0x1.b33bba89c8948p-1 0x1.ea6a51d1f6ca9p-55
0x1.110d0c4b69c3bp-1 0x1.d918998809981p-55 0x1.b11d04162a4c6p-1 0x1.1dd561efbc0c2p-56
0x1.146d21f8b7f82p-1 0x1.bf9535e2739a8p-56 0x1.aef78930bd275p-1 -0x1.f836279746f94p-56
0x1.17c8e5f2eedb0p-1 0x1.35e57102e2488p-57 0x1.accb526f69de5p-1 0x1.8fb6a8dd6b6ccp-55
0x1.1b204acb02fddp-1 -0x1.f190c70cbb5ffp-58 0x1.aa98688308913p-1 -0x1.b83d607cd5070p-63
0x1.1e7343236574cp-1 0x1.22a3fa4f41d5ap-56 0x1.a85ed4373e02dp-1 0x1.9be06385ec792p-57
0x1.21c1c1b0394cfp-1 0x1.e5b324b23aa31p-58 0x1.a61e9e72586afp-1 0x1.58330e2fd453fp-55
0x1.250bb93788bbbp-1 0x1.ea3d02457bccep-56 0x1.a3d7d0352bdcfp-1 -0x1.68dbaeca19669p-55
0x1.28511c917a067p-1 -0x1.01df1d9a16b70p-55 0x1.a18a729aee445p-1 0x1.95e25736c0358p-60
0x1.2b91dea88421ep-1 -0x1.fa371db216ab0p-55 0x1.9f368ed912f85p-1 -0x1.1d200c5791606p-55
0x1.2ecdf279a3082p-1 0x1.d3557e0e7e37ep-55 0x1.9cdc2e3f25e5cp-1 0x1.3f99112993f62p-55
0x1.32054b148bc4fp-1 0x1.f6b42095a135bp-55 0x1.9a7b5a36a6514p-1 0x1.722cfcc9fa7a9p-55
0x1.3537db9be0367p-1 0x1.b327e7af040f0p-57 0x1.98141c42e1310p-1 0x1.d1ff80488f08dp-55
0x1.386597456282bp-1 -0x1.10fada93b07a8p-56 0x1.95a67e00cb1fdp-1 -0x1.0befda21f862dp-55
0x1.3b8e715a2840ap-1 -0x1.97653a7d2f07bp-56 0x1.93328926d9e92p-1 -0x1.bb77003600cdap-55
0x1.3eb25d36cd53ap-1 -0x1.be570e1570fc0p-58 0x1.90b84784ddaf7p-1 -0x1.0feb10ab93b87p-56
0x1.41d14e4ba6790p-1 0x1.4608fd287ecf5p-55 0x1.8e37c303d9ad1p-1 -0x1.463a4b53d4bf8p-57
0x1.44eb381cf386bp-1 -0x1.3ed6c1e6a5505p-55 0x1.8bb105a5dc900p-1 0x1.863e03e9474c1p-55
0x1.48000e431159fp-1 -0x1.b194a7463ed10p-55 0x1.89241985d871fp-1 0x1.c48d9c413ed84p-55
0x1.4b0fc46aab761p-1 0x1.0da05738cc59ap-61 0x1.869108d77a6c6p-1 0x1.338ffe2bfe9ddp-56
0x1.4e1a4e54ed51bp-1 -0x1.a492f89b7c76ap-55 0x1.83f7dde701ca0p-1 -0x1.152cf609bc6e8p-59
0x1.511f9fd7b351cp-1 -0x1.5c0e861c48831p-55 0x1.8158a31916d5dp-1 -0x1.de8b90b8228dep-57
0x1.541facddbb724p-1 0x1.232c28520d391p-56 0x1.7eb362eaa1488p-1 0x1.a1d65a4a5959fp-58
0x1.571a6966d59b3p-1 0x1.c843b4d0fb198p-58 0x1.7c0827f09e54fp-1 -0x1.c73d6d72aee68p-57
0x1.5a0fc98813a12p-1 -0x1.d82e2b7d4227bp-55 0x1.7956fcd7f6543p-1 -0x1.ab276e9d45ae4p-55
0x1.5cffc16bf8f0dp-1 0x1.96cb370eb578ap-55 0x1.769fec655211fp-1 -0x1.827d5cf8c68c5p-57
0x1.5fea4552a9e57p-1 0x1.0b6cef7ee20b7p-55 0x1.73e30174efba1p-1 -0x1.5d3ae3d94ad5fp-57
0x1.62cf49921ac79p-1 -0x1.edd9855b6241ap-55 0x1.712046fa77678p-1 0x1.425b0a5029c81p-55
0x1.65aec2963e755p-1 0x1.126f96b71053cp-55 0x1.6e57c800cf55ep-1 0x1.60286dedbd0a6p-55
0x1.6888a4e134b2fp-1 -0x1.6b7d37644d5e6p-55 0x1.6b898fa9efb5dp-1 0x1.15ac786ccf4b2p-56
0x1.6b5ce50b7821ap-1 -0x1.5d5158f702e0fp-57 0x1.68b5a92eb6253p-1 -0x1.9a91ad985f89cp-55
0x1.6e2b77c40bde1p-1 -0x1.0e729857fad53p-56 0x1.65dc1fdeb8cbap-1 -0x1.97c1b47337c77p-58
0x1.70f451d0a8c40p-1 0x1.97ede3885770dp-57 0x1.62fcff20191c7p-1 0x1.d9143895756efp-57
0x1.73b7680dea578p-1 -0x1.2248306dc12a2p-56 0x1.6018526f563dfp-1 0x1.46ca5e0e432d0p-55
0x1.7674af6f7b524p-1 0x1.e9d3f94ac84a8p-56 0x1.5d2e255f1f17ap-1 0x1.0314104c8892bp-55
0x1.792c1d0041d52p-1 -0x1.abf05eeb354ebp-55 0x1.5a3e839824077p-1 0x1.428aa2759be62p-55
0x1.7bdda5e28b3c2p-1 0x1.ad1197ccd0393p-59 0x1.574978d8e83f2p-1 0x1.f4714af282d23p-55
0x1.7e893f5037959p-1 0x1.0eefbaa650c4cp-55 0x1.544f10f592ca5p-1 -0x1.e7ae8e6c7a62fp-55
0x1.812ede9ae4ba4p-1 -0x1.7830adf402ddap-55 0x1.514f57d7bf3dap-1 0x1.47a108073c259p-56
`
    .trim()
    .split(/\s+/),
  hexFloat,
);

/** cos(x + dx) for |x| < 0.855469: the table's cos(x_i) corrected by Taylor series in x - x_i. */
function doCos(x: number, dx: number): number {
  if (x < 0) dx = -dx;
  const ax = Math.abs(x);
  const u = BIG + ax;
  const k = lowWord(u) << 2;
  const t = ax - (u - BIG) + dx;
  const xx = t * t;
  const s = fma(t * xx, fma(xx, SN5, SN3), t);
  const c = xx * fma(xx, fma(xx, CS6, CS4), CS2);
  const sn = SINCOS_TAB[k];
  const ssn = SINCOS_TAB[k + 1];
  const cs = SINCOS_TAB[k + 2];
  const ccs = SINCOS_TAB[k + 3];
  // cor = (ccs - s*ssn - cs*c) - sn*s
  const cor = fnma(s, sn, fnma(c, cs, fnma(s, ssn, ccs)));
  return cs + cor;
}

/** sin(x + dx) for |x| < 0.855469: Taylor series below 0.126, else the table as in doCos. */
function doSin(x: number, dx: number): number {
  if (Math.abs(x) < 0.126) {
    // x - x^3/3! + x^5/5! - x^7/7! + x^9/9! + (1 - x^2) dx/2, with the polynomial in x^2.
    const xx = x * x;
    const poly = fma(fma(fma(fma(S5, xx, S4), xx, S3), xx, S2), xx, S1);
    return x + fma(xx, fma(poly, x, -(0.5 * dx)), dx);
  }
  if (x <= 0) dx = -dx;
  const ax = Math.abs(x);
  const u = BIG + ax;
  const k = lowWord(u) << 2;
  const t = ax - (u - BIG);
  const xx = t * t;
  const s = t + fma(t * xx, fma(xx, SN5, SN3), dx);
  const c = fma(t, dx, xx * fma(xx, fma(xx, CS6, CS4), CS2));
  const sn = SINCOS_TAB[k];
  const ssn = SINCOS_TAB[k + 1];
  const cs = SINCOS_TAB[k + 2];
  const ccs = SINCOS_TAB[k + 3];
  // cor = (ssn + s*ccs - sn*c) + cs*s
  const cor = fma(s, cs, fnma(c, sn, fma(s, ccs, ssn)));
  const r = Math.abs(sn + cor);
  return x < 0 || Object.is(x, -0) ? -r : r;
}

/**
 * cos(x) exactly as glibc 2.36's `cos` computes it on x86_64 with FMA (what Python's `math.cos`
 * returns there), for |x| < 105414350; beyond that, Math.cos.
 *
 * @example
 * ```ts
 * glibcCos((6 * Math.PI) / 5); // -0.8090169943749476 (Math.cos gives -0.8090169943749475)
 * ```
 */
export function glibcCos(x: number): number {
  const k = highWord(x) & 0x7fffffff;
  if (k < 0x3e400000) return 1; // |x| < 2^-27
  if (k < 0x3feb6000) return doCos(x, 0); // |x| < 0.855469
  if (k < 0x400368fd) {
    // |x| < 2.426265: cos(x) = sin(pi/2 - |x|), with pi/2 in two parts.
    const y = HP0 - Math.abs(x);
    const a = y + HP1;
    const da = y - a + HP1;
    return doSin(a, da);
  }
  if (k < 0x419921fb) {
    // |x| < 105414350: x = n pi/2 + a + da, with pi/2 to 136 bits.
    const t = fma(x, HPINV, TOINT);
    const xn = t - TOINT;
    const n = (lowWord(t) + 1) & 3;
    const y = fnma(xn, MP2, fnma(xn, MP1, x));
    const t2 = fnma(xn, PP3, y);
    let db = fnma(xn, PP3, y - t2);
    const b = fnma(xn, PP4, t2);
    db += fnma(xn, PP4, t2 - b);
    const r = n & 1 ? doCos(b, db) : doSin(b, db);
    return n & 2 ? -r : r;
  }
  if (k < 0x7ff00000) return Math.cos(x); // __branred territory, not ported
  return NaN;
}
