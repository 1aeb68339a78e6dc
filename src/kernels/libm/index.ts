/**
 * Ports of C math library functions, for numbers equal to PyTorch's and NumPy's bit for bit.
 *
 * Why they exist. tapegrad's fixtures hold what PyTorch and NumPy compute, and the tests compare
 * to them bit for bit. Those numbers go through the C library: NumPy's legacy Gaussians call
 * `log`, Python's `float ** float` and `math.cos` (Adam's bias corrections, the learning-rate
 * schedules) call `pow` and `cos`, and PyTorch's CPU kernels fuse multiply-adds. None of these
 * libm functions is correctly rounded (each is within about 0.52 ulp), and V8's Math.log,
 * Math.pow and Math.cos round differently from them in a few percent of the cases tapegrad meets;
 * a correctly rounded function would still differ from glibc in about 0.1% of them. So each port
 * performs the very same floating-point operations in the same order, and JavaScript, which has
 * no fused multiply-add, gets an exact one (./fma.ts).
 *
 * Which build. The reference is glibc 2.36 on x86_64, as in Debian 12 (libm.so.6 of
 * 2.36-9+deb12u14), the machine the fixtures come from. There glibc picks `log`, `pow` and `cos`
 * at load time (ifuncs); on a CPU with FMA and AVX2 it runs the `*_fma` variants, the C sources
 * compiled with `-mfma -mavx2`. In them `__FP_FAST_FMA` selects the fma paths of the sources, and
 * GCC contracts other `a * b + c` into fused multiply-adds too (leaving a product unfused where
 * it has another use). Each `fma` in the ports is one `vfmadd`, `vfmsub` or `vfnmadd` of the
 * machine code of those functions, read with gdb; the tables were read back from the same binary
 * and match the upstream sources. The other builds (SSE2, AVX, FMA4) and other C libraries round
 * differently in rare cases: glibc 2.36's own SSE2 `log`, used on CPUs without FMA, differs in
 * about 1 of 10,000 of the polar method's inputs.
 *
 * The files, and the licences of the code they port:
 * - ./log.ts, `glibcLog`; ./pow.ts, `glibcPow`: glibc's code from Arm's optimized-routines,
 *   Copyright (c) 2018, Arm Limited, MIT OR Apache-2.0 WITH LLVM-exception.
 * - ./cos.ts, `glibcCos`: glibc's code from the IBM Accurate Mathematical Library, Copyright (C)
 *   2001-2022 Free Software Foundation, Inc., LGPL-2.1-or-later.
 * - ./erfc.ts, `erfc`: FreeBSD's msun (as in musl), Copyright (C) 1993 Sun Microsystems, under
 *   the permissive notice reproduced there. The exception here: it is for accuracy in the tails
 *   (GELU, Φ), not for bit-exactness, and calls Math.exp.
 * - ./fma.ts, `fma`, `fma64`, `fmaf`: tapegrad's own emulation of C's `fma` and `fmaf`.
 * - ./bits.ts: the bit access and hex-float parsing the ports share.
 *
 * Each port's own header names its C sources and what is specific to it. These are scalar
 * functions, not loops: code above `src/ops` reaches them through src/ops/scalar-math.ts.
 */
export { fma, fma64, fmaf } from './fma.js';
export { glibcLog } from './log.js';
export { glibcPow } from './pow.js';
export { glibcCos } from './cos.js';
export { erfc } from './erfc.js';
