/**
 * Matrix product with `torch.matmul`'s rules: 1-D operands are promoted to a row/column and the
 * added dim removed after; N-D operands multiply as stacks of matrices with broadcast batch dims.
 */
import { DTypeError, ShapeError } from '../errors.js';
import { apply, definePrimitive } from '../autograd/function.js';
import { matmulKernel } from '../kernels/matmul.js';
import type { FloatStorage } from '../tensor/dtype.js';
import { broadcastShapes, contiguousStrides, fmtShape, numelOf } from '../tensor/shape.js';
import { emptyTensor, floatDtype, scoped, type Tensor } from '../tensor/tensor.js';
import { reshape, squeeze, transpose, unsqueeze } from './shape.js';
import { unbroadcast } from './unbroadcast.js';

/** Offset of every batch matrix of an operand, walking the broadcast batch shape in order. */
function batchOffsets(
  batch: readonly number[],
  own: readonly number[],
  matrixSize: number,
): number[] {
  const off = batch.length - own.length;
  const ownStrides = contiguousStrides(own);
  const count = numelOf(batch);
  const out = new Array<number>(count);
  const idx = new Array<number>(batch.length).fill(0);
  for (let t = 0; t < count; t++) {
    let o = 0;
    for (let d = off; d < batch.length; d++)
      if (own[d - off] !== 1) o += idx[d] * ownStrides[d - off];
    out[t] = o * matrixSize;
    for (let d = batch.length - 1; d >= 0; d--) {
      if (++idx[d] < batch[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** Which operands of a matrix product are read transposed (their last two dims swapped). */
interface Transposes {
  ta: boolean;
  tb: boolean;
}

/**
 * `op(a)·op(b)` where op transposes the last two dims of an operand whose flag is set. The
 * flags let `linear` and the product's own VJP read a transposed operand in place instead of
 * copying it. With C = A′·B′ (A′ = op(A), B′ = op(B)): dA′ = g·B′ᵀ and dB′ = A′ᵀ·g, so
 *
 *     dA = ta ? B′·gᵀ : g·B′ᵀ,    dB = tb ? gᵀ·A′ : A′ᵀ·g,
 *
 * each again one flagged product, summed over broadcast batch dims.
 */
const matmulP = definePrimitive({
  name: 'matmul',
  backwardName: 'MmBackward0',
  forward([a, b], { ta, tb }: Transposes, needs) {
    const [n, k] = matrixDims(a, ta);
    const m = matrixDims(b, tb)[1];
    const aBatch = a.shape.slice(0, -2);
    const bBatch = b.shape.slice(0, -2);
    const batch = broadcastShapes(aBatch, bBatch, 'matmul');
    const out = emptyTensor([...batch, n, m], a.dtype);
    matmulKernel(
      out.data as FloatStorage,
      a.data as FloatStorage,
      b.data as FloatStorage,
      batchOffsets(batch, aBatch, n * k),
      batchOffsets(batch, bBatch, k * m),
      n,
      k,
      m,
      ta,
      tb,
    );
    // Each operand is saved only for the other's gradient.
    const saved = [needs[1] ? a : null, needs[0] ? b : null] as const;
    return { out, saved };
  },
  vjp: ({ g, saved: [a, b], needs, params: { ta, tb }, inputs }) => [
    needs[0]
      ? unbroadcast(ta ? mm(b!, g, tb, true) : mm(g, b!, false, !tb), inputs[0].shape)
      : null,
    needs[1]
      ? unbroadcast(tb ? mm(g, a!, true, ta) : mm(a!, g, !ta, false), inputs[1].shape)
      : null,
  ],
});

function mm(a: Tensor, b: Tensor, ta: boolean, tb: boolean): Tensor {
  return apply(matmulP, [a, b], { ta, tb });
}

/** `[n, k]`, the last two dims of a matrix operand as read (transposed when `t`). */
function matrixDims(x: Tensor, t: boolean): [number, number] {
  const r = x.shape[x.ndim - 2];
  const c = x.shape[x.ndim - 1];
  return t ? [c, r] : [r, c];
}

function checkMatmul(a: Tensor, b: Tensor, ta: boolean, tb: boolean): void {
  const da = floatDtype(a, 'matmul');
  const db = floatDtype(b, 'matmul');
  if (da !== db) {
    throw new DTypeError(
      `matmul: expected m1 and m2 to have the same dtype, but got: ${da === 'float32' ? 'float' : 'double'} != ${db === 'float32' ? 'float' : 'double'}`,
    );
  }
  if (a.ndim < 2 || b.ndim < 2) return;
  const [an, ak] = matrixDims(a, ta);
  const [bk, bm] = matrixDims(b, tb);
  if (bk !== ak) {
    const shapeOf = (x: Tensor, r: number, c: number): string =>
      fmtShape([...x.shape.slice(0, -2), r, c]);
    throw new ShapeError(
      `matmul: mat1 and mat2 shapes cannot be multiplied (${an}x${ak} and ${bk}x${bm}; ` +
        `shapes ${shapeOf(a, an, ak)} and ${shapeOf(b, bk, bm)})`,
    );
  }
}

/**
 * `a · bᵀ` over the last two dims (batch dims broadcast), without copying `bᵀ`: `torch.matmul(a,
 * b.mT)` for `a` of `[..., n, k]` and `b` of `[..., m, k]`. `linear` is built on it.
 */
export function matmulNT(a: Tensor, b: Tensor): Tensor {
  checkMatmul(a, b, false, true);
  if (a.ndim < 2 || b.ndim < 2) return scoped('matmul', () => matmul(a, transpose(b, -2, -1)));
  return mm(a, b, false, true);
}

/**
 * Matrix product as `torch.matmul`: dot, matrix-vector, matrix-matrix and batched.
 * @example matmul(x, w.T)
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkMatmul(a, b, false, false);
  if (a.ndim === 0 || b.ndim === 0) {
    throw new ShapeError(
      `matmul: both arguments to matmul need to be at least 1D, but they are ${a.ndim}D and ${b.ndim}D`,
    );
  }
  if (a.ndim === 1 || b.ndim === 1) {
    return scoped('matmul', () => {
      if (a.ndim === 1 && b.ndim === 1) {
        return reshape(matmul(unsqueeze(a, 0), unsqueeze(b, 1)), []);
      }
      if (a.ndim === 1) return squeeze(matmul(unsqueeze(a, 0), b), -2);
      return squeeze(matmul(a, unsqueeze(b, 1)), -1);
    });
  }
  return mm(a, b, false, false);
}
