/**
 * The C library's `pow` and `cos` on plain numbers, exactly as glibc computes them (what Python's
 * `**` and `math.cos` return), for the code above the ops that needs PyTorch's scalars bit for
 * bit: the learning-rate schedules and Adam's bias corrections. They are scalar functions, not
 * loops over storage; they live with the other libm ports in src/kernels/libm (see its index for
 * why they exist), and this file is the way up to them, as only src/ops imports kernels.
 */
export { glibcCos, glibcPow } from '../kernels/libm/index.js';
