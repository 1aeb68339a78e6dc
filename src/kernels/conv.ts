/**
 * Convolution kernels: the forward `y = x ⋆ w (+ b)` and its two adjoints, the input gradient
 * `dx = ⋆ᵀ(g, w)` and the weight gradient `dw = ⋆ᵀ(x, g)`, for a 2-D geometry (a 1-D
 * convolution is the 2-D one with h = kh = 1, same memory layout), with stride, zero padding
 * before each dim (the padding after only shortens the output), dilation and groups.
 *
 * The reference kernels below are direct loops that sum each output element in float64 in one
 * fixed order and round once. The fast kernels (wasm/conv.ts) run im2col/col2im in WebAssembly
 * around the matrix product of ./matmul.ts (SIMD with float32 sums for float32, float64 sums in
 * TypeScript for float64): for float64 the forward sums the same products in the same order as
 * the loop below, so it is bit-identical (but for the sign of a zero sum and for non-finite
 * weights, as im2col multiplies the weights by the padding's zeros where the loop skips them);
 * the two gradients sum in another order and float32 sums round differently, so those agree to
 * rounding.
 */
import type { FloatStorage } from '../tensor/dtype.js';
import { kernelBackend } from './backend.js';
import { convForwardWasm, convInputGradWasm, convWeightGradWasm } from './wasm/conv.js';
import type { WindowGeometry } from './window.js';

/**
 * The sizes of a 2-D convolution: x [n, c, h, w], weight [o, c/groups, kh, kw], y [n, o, oh, ow],
 * the window zero-padded.
 */
export interface ConvGeometry extends WindowGeometry {
  readonly n: number;
  readonly c: number;
  readonly o: number;
  readonly groups: number;
}

/**
 * A kernel that runs `wasm` on the WebAssembly backend, and `reference` when that backend is off
 * or `wasm` cannot place the operands (returns false). An empty output is left as it is.
 */
function fastOrReference<A extends unknown[]>(
  wasm: (out: FloatStorage, ...args: A) => boolean,
  reference: (out: FloatStorage, ...args: A) => void,
): (out: FloatStorage, ...args: A) => void {
  return (out, ...args) => {
    if (out.length === 0) return;
    if (kernelBackend() === 'wasm' && wasm(out, ...args)) return;
    reference(out, ...args);
  };
}

/** y = conv(x, w) + bias (bias per output channel, or none). */
export const convForwardKernel = fastOrReference(convForwardWasm, convForwardReference);

/** dx = the adjoint of conv(·, w) applied to g: the gradient of Σ g·conv(x, w) w.r.t. x. */
export const convInputGradKernel = fastOrReference(convInputGradWasm, convInputGradReference);

/** dw = the adjoint of conv(x, ·) applied to g: the gradient of Σ g·conv(x, w) w.r.t. w. */
export const convWeightGradKernel = fastOrReference(convWeightGradWasm, convWeightGradReference);

/**
 * y[b, oc, oy, ox] = bias[oc] + Σ_{ic, ky, kx} x[b, grp·cg + ic, oy·sh − ph + ky·dh,
 * ox·sw − pw + kx·dw] · w[oc, ic, ky, kx], over the taps inside x, summed in that order.
 */
export function convForwardReference(
  y: FloatStorage,
  x: FloatStorage,
  weight: FloatStorage,
  bias: FloatStorage | null,
  geo: ConvGeometry,
): void {
  const { n, c, h, w, o, kh, kw, oh, ow, sh, sw, ph, pw, dh, dw, groups } = geo;
  const cg = c / groups;
  const og = o / groups;
  const kk = kh * kw;
  let yi = 0;
  for (let b = 0; b < n; b++) {
    for (let oc = 0; oc < o; oc++) {
      const x0 = (b * c + Math.floor(oc / og) * cg) * h * w;
      const w0 = oc * cg * kk;
      const b0 = bias === null ? 0 : bias[oc];
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++) {
          let s = 0;
          for (let ic = 0; ic < cg; ic++) {
            const xc = x0 + ic * h * w;
            const wc = w0 + ic * kk;
            for (let ky = 0; ky < kh; ky++) {
              const iy = oy * sh - ph + ky * dh;
              if (iy < 0 || iy >= h) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ix = ox * sw - pw + kx * dw;
                if (ix < 0 || ix >= w) continue;
                s += x[xc + iy * w + ix] * weight[wc + ky * kw + kx];
              }
            }
          }
          y[yi++] = bias === null ? s : s + b0;
        }
      }
    }
  }
}

/** dx[b, c, iy, ix] = Σ over the taps (oc, ky, kx) that read it of g[b, oc, oy, ox] · w[oc, ic, ky, kx]. */
export function convInputGradReference(
  dx: FloatStorage,
  g: FloatStorage,
  weight: FloatStorage,
  geo: ConvGeometry,
): void {
  const { n, c, h, w, o, kh, kw, oh, ow, sh, sw, ph, pw, dh, dw, groups } = geo;
  const cg = c / groups;
  const og = o / groups;
  const kk = kh * kw;
  let xi = 0;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const grp = Math.floor(ch / cg);
      const ic = ch - grp * cg;
      for (let iy = 0; iy < h; iy++) {
        for (let ix = 0; ix < w; ix++) {
          let s = 0;
          for (let oc = grp * og; oc < (grp + 1) * og; oc++) {
            const g0 = (b * o + oc) * oh * ow;
            const w0 = (oc * cg + ic) * kk;
            for (let ky = 0; ky < kh; ky++) {
              const ty = iy + ph - ky * dh;
              if (ty < 0 || ty % sh !== 0 || ty / sh >= oh) continue;
              const oy = ty / sh;
              for (let kx = 0; kx < kw; kx++) {
                const tx = ix + pw - kx * dw;
                if (tx < 0 || tx % sw !== 0 || tx / sw >= ow) continue;
                s += g[g0 + oy * ow + tx / sw] * weight[w0 + ky * kw + kx];
              }
            }
          }
          dx[xi++] = s;
        }
      }
    }
  }
}

/** dw[oc, ic, ky, kx] = Σ_{b, oy, ox} g[b, oc, oy, ox] · x[b, grp·cg + ic, iy, ix], inside x. */
export function convWeightGradReference(
  dwt: FloatStorage,
  x: FloatStorage,
  g: FloatStorage,
  geo: ConvGeometry,
): void {
  const { n, c, h, w, o, kh, kw, oh, ow, sh, sw, ph, pw, dh, dw, groups } = geo;
  const cg = c / groups;
  const og = o / groups;
  let wi = 0;
  for (let oc = 0; oc < o; oc++) {
    const grp = Math.floor(oc / og);
    for (let ic = 0; ic < cg; ic++) {
      for (let ky = 0; ky < kh; ky++) {
        for (let kx = 0; kx < kw; kx++) {
          let s = 0;
          for (let b = 0; b < n; b++) {
            const g0 = (b * o + oc) * oh * ow;
            const x0 = (b * c + grp * cg + ic) * h * w;
            for (let oy = 0; oy < oh; oy++) {
              const iy = oy * sh - ph + ky * dh;
              if (iy < 0 || iy >= h) continue;
              for (let ox = 0; ox < ow; ox++) {
                const ix = ox * sw - pw + kx * dw;
                if (ix < 0 || ix >= w) continue;
                s += g[g0 + oy * ow + ox] * x[x0 + iy * w + ix];
              }
            }
          }
          dwt[wi++] = s;
        }
      }
    }
  }
}
