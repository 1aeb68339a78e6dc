/**
 * Padding as a gather: every output element reads the input element its index maps to, dim by
 * dim (`maps[d][j]`: the input index along dim d of output index j, or −1 for the fill value),
 * and the input gradient is the matching scatter-add. The maps carry the mode (constant,
 * reflect, replicate, circular), so the loops know none of them.
 */
import type { Storage } from '../tensor/dtype.js';

/**
 * Calls `row(outOffset, inBase)` for every row (all dims but the last) of the output whose
 * indices all map into the input, and `fillRow(outOffset)` for the others; inBase is the input
 * offset of the row's mapped leading indices.
 */
function forEachRow(
  inStrides: readonly number[],
  maps: readonly Int32Array[],
  row: (outOffset: number, inBase: number) => void,
  fillRow: (outOffset: number) => void,
): void {
  const nd = maps.length;
  const rowLen = maps[nd - 1].length;
  let out = 0;
  const walk = (d: number, base: number, inside: boolean): void => {
    if (d === nd - 1) {
      if (inside) row(out, base);
      else fillRow(out);
      out += rowLen;
      return;
    }
    const map = maps[d];
    for (let j = 0; j < map.length; j++) {
      const i = map[j];
      walk(d + 1, base + (i < 0 ? 0 : i * inStrides[d]), inside && i >= 0);
    }
  };
  walk(0, 0, true);
}

/**
 * out[j…] = x[maps(j…)], or `value` where some map is −1. `maps` has one entry per dim (≥ 1);
 * `inStrides` are x's row-major strides.
 */
export function padKernel(
  out: Storage,
  x: Storage,
  inStrides: readonly number[],
  maps: readonly Int32Array[],
  value: number,
): void {
  if (out.length === 0) return;
  const last = maps[maps.length - 1];
  forEachRow(
    inStrides,
    maps,
    (o, base) => {
      for (let j = 0; j < last.length; j++) {
        const i = last[j];
        out[o + j] = i < 0 ? value : x[base + i];
      }
    },
    (o) => out.fill(value, o, o + last.length),
  );
}

/**
 * The adjoint of `padKernel`: dx (zeroed here) gets every g[j…] added at x's index maps(j…);
 * elements that read the fill value give nothing. Sums run in output order.
 */
export function padBackwardKernel(
  dx: Storage,
  g: Storage,
  inStrides: readonly number[],
  maps: readonly Int32Array[],
): void {
  dx.fill(0);
  if (g.length === 0) return;
  const last = maps[maps.length - 1];
  forEachRow(
    inStrides,
    maps,
    (o, base) => {
      for (let j = 0; j < last.length; j++) {
        const i = last[j];
        if (i >= 0) dx[base + i] += g[o + j];
      }
    },
    () => {},
  );
}
