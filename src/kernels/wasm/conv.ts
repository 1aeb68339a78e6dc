/**
 * Convolutions as matrix products on the tensor memory: im2col, col2im and the layout changes in
 * WebAssembly (conv.wat), the products by `matmulKernel` (SIMD float32 with worker threads for
 * large products; float64 in TypeScript). The samples are taken in chunks of S, so that one
 * product has S·oh·ow columns, enough to be efficient and, when large, shared between threads,
 * while the chunk's im2col matrix stays in the cache. Per chunk and group:
 *
 *     forward       y′ = W_g · col                [og, S·P]     (then [o, S, P] → [S, o, P], + bias)
 *     input grad    colGrad = W_gᵀ · g′           [cg·kk, S·P]  (then col2im into dx)
 *     weight grad   dW_gᵀ = col · g′ᵀ             [cg·kk, og]   (then added, transposed, into dW)
 *
 * with P = oh·ow and g′ the upstream gradient as [o, S, P]. The im2col matrix, the products'
 * layout and the chunk sums are scratch blocks of the pool, freed when the call returns.
 */
import { viewOn } from '../../storage/block.js';
import { heap } from '../../storage/memory.js';
import type { FloatStorage } from '../../tensor/dtype.js';
import type { ConvGeometry } from '../conv.js';
import { matmulKernel } from '../matmul.js';
import { CONV_UNSHARED_WASM, CONV_WASM } from './generated.js';
import { lazyKernelModule, stage } from './instance.js';

const NAMES = [
  'im2col_f32',
  'im2col_f64',
  'col2im_f32',
  'col2im_f64',
  'permute_f32',
  'permute_f64',
  'transpose_f32',
  'transpose_f64',
] as const;

const exports = lazyKernelModule(
  { shared: CONV_WASM, unshared: CONV_UNSHARED_WASM },
  'conv.wasm',
  NAMES,
);

/**
 * Columns per product the chunks aim at (enough for the product's panels to be efficient and,
 * from 2²⁰ multiply-adds, shared by threads, few enough for the chunk's im2col matrix to stay in
 * the L2 cache), and the most elements of one chunk's im2col matrix.
 */
const CHUNK_COLUMNS = 1024;
const CHUNK_ELEMENTS = 1 << 20;

/** Samples per chunk. */
function chunkSamples(geo: ConvGeometry, rows: number): number {
  const p = geo.oh * geo.ow;
  const want = Math.ceil(CHUNK_COLUMNS / p);
  const fit = Math.floor(CHUNK_ELEMENTS / Math.max(1, rows * p));
  return Math.max(1, Math.min(geo.n, want, fit));
}

interface Plan {
  f32: boolean;
  /** Bytes per element. */
  e: number;
  cg: number;
  og: number;
  /** Rows of the im2col matrix, cg·kh·kw. */
  rows: number;
  /** Output positions per sample, oh·ow. */
  p: number;
  /** Samples per chunk. */
  chunk: number;
  /** Bytes of the scratch blocks every call takes: a chunk's im2col matrix, and its [o, S, p] layout. */
  scratch: [number, number];
}

/**
 * The sizes of a call on the operands `xs` (the output first), or null when it cannot run here:
 * storages of more than one type, or sizes the kernels' index packing does not hold.
 */
function plan(geo: ConvGeometry, ...xs: (FloatStorage | null)[]): Plan | null {
  const t = xs[0]!.constructor;
  if (!xs.every((x) => x === null || x.constructor === t) || geo.ow >= 1 << 15) return null;
  const f32 = t === Float32Array;
  const e = f32 ? 4 : 8;
  const cg = geo.c / geo.groups;
  const rows = cg * geo.kh * geo.kw;
  const p = geo.oh * geo.ow;
  const chunk = chunkSamples(geo, rows);
  const scratch: [number, number] = [e * rows * chunk * p, chunk > 1 ? e * geo.o * chunk * p : 0];
  return { f32, e, cg, og: geo.o / geo.groups, rows, p, chunk, scratch };
}

/** `out = op(a) · op(b)` for operands at byte offsets (views made now: after any growth). */
function product(
  f32: boolean,
  out: number,
  a: number,
  b: number,
  n: number,
  k: number,
  m: number,
  ta: boolean,
  tb: boolean,
): void {
  const dtype = f32 ? 'float32' : 'float64';
  const buf = heap();
  matmulKernel(
    viewOn(buf, dtype, out, n * m) as FloatStorage,
    viewOn(buf, dtype, a, n * k) as FloatStorage,
    viewOn(buf, dtype, b, k * m) as FloatStorage,
    [0],
    [0],
    n,
    k,
    m,
    ta,
    tb,
  );
}

/** im2col or col2im of sample chunk [s0, s0 + sn), group gi, between x at `xAt` and `colAt`. */
function columns(
  fn: 'im2col' | 'col2im',
  pl: Plan,
  geo: ConvGeometry,
  xAt: number,
  colAt: number,
  s0: number,
  sn: number,
  gi: number,
): void {
  const { c, h, w, kh, kw, oh, ow, sh, sw, ph, pw, dh, dw } = geo;
  const plane = h * w * pl.e;
  exports()[`${fn}_${pl.f32 ? 'f32' : 'f64'}`](
    xAt + (s0 * c + gi * pl.cg) * plane,
    colAt,
    pl.cg,
    h,
    w,
    kh,
    kw,
    oh,
    ow,
    sh,
    sw,
    ph,
    pw,
    dh,
    dw,
    sn,
    c * plane,
  );
}

function permute(pl: Plan, src: number, dst: number, a: number, b: number, bias: number): void {
  exports()[`permute_${pl.f32 ? 'f32' : 'f64'}`](src, dst, a, b, pl.p, bias, bias >= 0 ? 1 : 0);
}

/**
 * The upstream gradient of sample chunk [s0, s0 + sn) as [o, sn, p], the layout the products
 * read: g itself for one sample, else permuted from [sn, o, p] into the scratch block at `gpAt`.
 */
function upstreamChunk(
  pl: Plan,
  o: number,
  gAt: number,
  gpAt: number,
  s0: number,
  sn: number,
): number {
  const at = gAt + s0 * o * pl.p * pl.e;
  if (sn === 1) return at;
  permute(pl, at, gpAt, sn, o, -1);
  return gpAt;
}

/** y = conv(x, w) + bias; false (nothing written) when the memory cannot hold the operands. */
export function convForwardWasm(
  y: FloatStorage,
  x: FloatStorage,
  weight: FloatStorage,
  bias: FloatStorage | null,
  geo: ConvGeometry,
): boolean {
  const pl = plan(geo, y, x, weight, bias);
  if (pl === null) return false;
  const { n, o } = geo;
  const { e, og, rows, p, chunk } = pl;
  const operands = [{ data: x }, { data: weight }, { data: y, out: true }];
  if (bias !== null) operands.push({ data: bias });
  const s = stage(operands, pl.scratch);
  if (s === null) return false;
  const [xAt, wAt, yAt] = s.at;
  const biasAt = bias === null ? -1 : s.at[3];
  const [colAt, tmpAt] = s.scratch;
  try {
    for (let s0 = 0; s0 < n; s0 += chunk) {
      const sn = Math.min(chunk, n - s0);
      const yChunk = yAt + s0 * o * p * e;
      // One sample's products land in y directly; a chunk's, as [o, sn, p], in tmp.
      const dst = sn === 1 ? yChunk : tmpAt;
      for (let gi = 0; gi < geo.groups; gi++) {
        columns('im2col', pl, geo, xAt, colAt, s0, sn, gi);
        product(
          pl.f32,
          dst + gi * og * sn * p * e,
          wAt + gi * og * rows * e,
          colAt,
          og,
          rows,
          sn * p,
          false,
          false,
        );
      }
      if (sn > 1 || biasAt >= 0) permute(pl, dst, yChunk, o, sn, biasAt);
    }
  } finally {
    s.done();
  }
  return true;
}

/** dx = the input gradient of conv for upstream g; false when the memory cannot hold it. */
export function convInputGradWasm(
  dx: FloatStorage,
  g: FloatStorage,
  weight: FloatStorage,
  geo: ConvGeometry,
): boolean {
  const pl = plan(geo, dx, g, weight);
  if (pl === null) return false;
  const { n, o, c, h, w } = geo;
  const { e, og, rows, p, chunk } = pl;
  const operands = [{ data: g }, { data: weight }, { data: dx, out: true }];
  const s = stage(operands, pl.scratch);
  if (s === null) return false;
  const [gAt, wAt, dxAt] = s.at;
  const [colAt, gpAt] = s.scratch;
  try {
    // col2im adds into dx.
    viewOn(heap(), pl.f32 ? 'float32' : 'float64', dxAt, n * c * h * w).fill(0);
    for (let s0 = 0; s0 < n; s0 += chunk) {
      const sn = Math.min(chunk, n - s0);
      const gp = upstreamChunk(pl, o, gAt, gpAt, s0, sn);
      for (let gi = 0; gi < geo.groups; gi++) {
        product(
          pl.f32,
          colAt,
          wAt + gi * og * rows * e,
          gp + gi * og * sn * p * e,
          rows,
          og,
          sn * p,
          true,
          false,
        );
        columns('col2im', pl, geo, dxAt, colAt, s0, sn, gi);
      }
    }
  } finally {
    s.done();
  }
  return true;
}

/** dw = the weight gradient of conv for input x and upstream g; false when it does not fit. */
export function convWeightGradWasm(
  dw: FloatStorage,
  x: FloatStorage,
  g: FloatStorage,
  geo: ConvGeometry,
): boolean {
  const pl = plan(geo, dw, x, g);
  if (pl === null) return false;
  const { n, o } = geo;
  const { e, og, rows, p, chunk } = pl;
  const operands = [{ data: x }, { data: g }, { data: dw, out: true }];
  // And a block for one group's product dW_gᵀ of a chunk, transposed into dw.
  const s = stage(operands, [...pl.scratch, e * og * rows]);
  if (s === null) return false;
  const [xAt, gAt, dwAt] = s.at;
  const [colAt, gpAt, sumAt] = s.scratch;
  try {
    if (n === 0) viewOn(heap(), pl.f32 ? 'float32' : 'float64', dwAt, dw.length).fill(0);
    for (let s0 = 0; s0 < n; s0 += chunk) {
      const sn = Math.min(chunk, n - s0);
      const gp = upstreamChunk(pl, o, gAt, gpAt, s0, sn);
      for (let gi = 0; gi < geo.groups; gi++) {
        columns('im2col', pl, geo, xAt, colAt, s0, sn, gi);
        product(pl.f32, sumAt, colAt, gp + gi * og * sn * p * e, rows, sn * p, og, false, true);
        // The first chunk writes dw; later ones add to it.
        const dwG = dwAt + gi * og * rows * e;
        exports()[`transpose_${pl.f32 ? 'f32' : 'f64'}`](dwG, sumAt, rows, og, s0 > 0 ? 1 : 0);
      }
    }
  } finally {
    s.done();
  }
  return true;
}
