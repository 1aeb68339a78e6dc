/**
 * Data movement: strided copies (permute, expand, slice), concatenation, gather/scatter and
 * index-select/index-add. Generic over the storage type, so they also move int32 indices.
 */
import type { Storage } from '../tensor/dtype.js';

/**
 * Walks `shape` in row-major order together with the strided positions
 * `offset + Σ idx[d]·strides[d]` of another tensor. `gather` writes `dense` from `strided`
 * (stride 0 broadcasts, a permuted stride list permutes, an offset and a step slice);
 * `scatter` writes `strided` from `dense` (the adjoint of a slice: the slice's positions only).
 */
function stridedWalk(
  dense: Storage,
  strided: Storage,
  offset: number,
  shape: readonly number[],
  strides: readonly number[],
  scatter: boolean,
): void {
  const n = dense.length;
  if (n === 0) return;
  const rank = shape.length;
  if (rank === 0) {
    if (scatter) strided[offset] = dense[0];
    else dense[0] = strided[offset];
    return;
  }
  const last = rank - 1;
  const inner = shape[last];
  const s = strides[last];
  const idx = new Array<number>(rank).fill(0);
  let p = offset;
  for (let o = 0; o < n; o += inner) {
    if (scatter) {
      for (let j = 0, q = p; j < inner; j++, q += s) strided[q] = dense[o + j];
    } else if (s === 0) {
      // A broadcast element repeated along the row.
      dense.fill(strided[p], o, o + inner);
    } else if (s === 1 && inner >= 64) {
      // A long contiguous row (a broadcast row repeated, a slice's rows): one block copy.
      dense.set(strided.subarray(p, p + inner), o);
    } else if (s === 1) {
      for (let j = 0; j < inner; j++) dense[o + j] = strided[p + j];
    } else {
      for (let j = 0, q = p; j < inner; j++, q += s) dense[o + j] = strided[q];
    }
    for (let d = last - 1; d >= 0; d--) {
      idx[d]++;
      p += strides[d];
      if (idx[d] < shape[d]) break;
      p -= strides[d] * shape[d];
      idx[d] = 0;
    }
  }
}

/** `out` in row-major order of `shape` from `src[offset + Σ idx[d]·strides[d]]`. */
export function stridedCopy(
  out: Storage,
  src: Storage,
  offset: number,
  shape: readonly number[],
  strides: readonly number[],
): void {
  if (shape.length === 2 && strides[0] === 1 && strides[1] === shape[0] && shape[0] > 1) {
    transpose2d(out, src, offset, shape[1], shape[0]);
    return;
  }
  stridedWalk(out, src, offset, shape, strides, false);
}

const TILE = 32;

/**
 * `out` (`[cols, rows]`) = the transpose of the `[rows, cols]` matrix at `src[offset…]`, in
 * square tiles so that both the reads and the writes stay in cache. Returns `out`.
 */
function transpose2d<T extends Storage>(
  out: T,
  src: Storage,
  offset: number,
  rows: number,
  cols: number,
): T {
  for (let j0 = 0; j0 < cols; j0 += TILE) {
    const j1 = Math.min(j0 + TILE, cols);
    for (let i0 = 0; i0 < rows; i0 += TILE) {
      const i1 = Math.min(i0 + TILE, rows);
      for (let j = j0; j < j1; j++) {
        const o = j * rows;
        for (let i = i0, q = offset + i0 * cols + j; i < i1; i++, q += cols) out[o + i] = src[q];
      }
    }
  }
  return out;
}

/** The adjoint of {@link stridedCopy}: `out[offset + Σ idx[d]·strides[d]] = src` in row-major order. */
export function stridedScatter(
  out: Storage,
  src: Storage,
  offset: number,
  shape: readonly number[],
  strides: readonly number[],
): void {
  stridedWalk(src, out, offset, shape, strides, true);
}

/** Concatenation along a dim: each part is `[outer, chunk_k]`, the output `[outer, Σ chunk_k]`. */
export function catKernel(
  out: Storage,
  parts: readonly Storage[],
  chunks: readonly number[],
  outer: number,
): void {
  let total = 0;
  for (const c of chunks) total += c;
  let col = 0;
  for (let k = 0; k < parts.length; k++) {
    const c = chunks[k];
    const part = parts[k];
    for (let o = 0; o < outer; o++) out.set(part.subarray(o * c, (o + 1) * c), o * total + col);
    col += c;
  }
}

/**
 * For each element of an index tensor (row-major), the offset of the same multi-index in a tensor
 * with `strides`, with the indexed dimension `dim` held at 0. Shared by gather and scatter-add.
 */
function offsetsAlong(
  idxShape: readonly number[],
  dim: number,
  strides: readonly number[],
): Float64Array {
  const n = idxShape.reduce((a, b) => a * b, 1);
  const base = new Float64Array(n);
  const rank = idxShape.length;
  const idx = new Array<number>(rank).fill(0);
  let off = 0;
  for (let i = 0; i < n; i++) {
    base[i] = off;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      if (d !== dim) off += strides[d];
      if (idx[d] < idxShape[d]) break;
      if (d !== dim) off -= strides[d] * idxShape[d];
      idx[d] = 0;
    }
  }
  return base;
}

/** `out[...] = x[..., index[...], ...]` along `dim` (torch.gather). */
export function gatherKernel(
  out: Storage,
  x: Storage,
  xStrides: readonly number[],
  index: Int32Array,
  idxShape: readonly number[],
  dim: number,
): void {
  const base = offsetsAlong(idxShape, dim, xStrides);
  const sd = xStrides[dim];
  for (let i = 0; i < index.length; i++) out[i] = x[base[i] + index[i] * sd];
}

/** `out[..., index[...], ...] += src[...]` along `dim` (torch.scatter_add into zeros). */
export function scatterAddKernel(
  out: Storage,
  outStrides: readonly number[],
  src: Storage,
  index: Int32Array,
  idxShape: readonly number[],
  dim: number,
): void {
  const base = offsetsAlong(idxShape, dim, outStrides);
  const sd = outStrides[dim];
  for (let i = 0; i < index.length; i++) out[base[i] + index[i] * sd] += src[i];
}

/** `[outer, size, inner]` → `[outer, k, inner]` taking slices `index[j]` (torch.index_select). */
export function indexSelectKernel(
  out: Storage,
  x: Storage,
  index: Int32Array,
  outer: number,
  size: number,
  inner: number,
): void {
  const k = index.length;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < k; j++) {
      const from = (o * size + index[j]) * inner;
      out.set(x.subarray(from, from + inner), (o * k + j) * inner);
    }
  }
}

/** The adjoint of index-select: `out[o, index[j], :] += src[o, j, :]`. */
export function indexAddKernel(
  out: Storage,
  src: Storage,
  index: Int32Array,
  outer: number,
  size: number,
  inner: number,
): void {
  const k = index.length;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < k; j++) {
      const to = (o * size + index[j]) * inner;
      const from = (o * k + j) * inner;
      for (let i = 0; i < inner; i++) out[to + i] += src[from + i];
    }
  }
}

/** The first index outside [0, bound), or null when all are inside. */
export function outOfRange(index: Int32Array, bound: number): number | null {
  for (const v of index) if (v < 0 || v >= bound) return v;
  return null;
}
