/**
 * Embedding lookups: rows of a `[numRows, dim]` table gathered by an index list, and the adjoint
 * that adds rows back into a zero table. `skip` is the padding row (or -1 for none): the gather
 * may write zeros where the index is `skip`, and the scatter-add leaves `skip` out, which is how
 * PyTorch's padding row gets no gradient. Both move whole rows with `set`/an add loop over a
 * contiguous row; a WebAssembly version would be the same memcpy, so there is none.
 */
import type { Storage } from '../tensor/dtype.js';

/**
 * `out[i, :] = table[index[i], :]` for each of the `index.length` rows of width `dim`; rows whose
 * index is `skip` are written as zeros when `zeroSkipped`.
 */
export function embeddingGatherKernel(
  out: Storage,
  table: Storage,
  index: Int32Array,
  dim: number,
  skip: number,
  zeroSkipped: boolean,
): void {
  for (let i = 0; i < index.length; i++) {
    const r = index[i];
    const to = i * dim;
    if (zeroSkipped && r === skip) out.fill(0, to, to + dim);
    else out.set(table.subarray(r * dim, (r + 1) * dim), to);
  }
}

/**
 * `out[index[i], :] += src[i, :]` in index order, rows whose index is `skip` left out; `out` is a
 * zeroed `[numRows, dim]` table.
 */
export function embeddingScatterAddKernel(
  out: Storage,
  src: Storage,
  index: Int32Array,
  dim: number,
  skip: number,
): void {
  for (let i = 0; i < index.length; i++) {
    const r = index[i];
    if (r === skip) continue;
    const to = r * dim;
    const from = i * dim;
    for (let j = 0; j < dim; j++) out[to + j] += src[from + j];
  }
}
