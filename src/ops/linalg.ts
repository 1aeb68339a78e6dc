/**
 * Matrix product with `torch.matmul`'s rules: 1-D operands are promoted to a row/column and the
 * added dim removed after; N-D operands multiply as stacks of matrices with broadcast batch dims.
 */
import { DTypeError, ShapeError } from '../errors.js';
import { apply, definePrimitive } from '../autograd/function.js';
import { matmulKernel } from '../kernels/matmul.js';
import { allocate, type FloatStorage } from '../tensor/dtype.js';
import { broadcastShapes, contiguousStrides, fmtShape, numelOf } from '../tensor/shape.js';
import { floatDtype, Tensor } from '../tensor/tensor.js';
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

const matmulP = definePrimitive({
  name: 'matmul',
  backwardName: 'MmBackward0',
  forward([a, b], _: null, needs) {
    const n = a.shape[a.ndim - 2];
    const k = a.shape[a.ndim - 1];
    const m = b.shape[b.ndim - 1];
    const aBatch = a.shape.slice(0, -2);
    const bBatch = b.shape.slice(0, -2);
    const batch = broadcastShapes(aBatch, bBatch, 'matmul');
    const out = allocate(a.dtype, numelOf(batch) * n * m) as FloatStorage;
    matmulKernel(
      out,
      a.data as FloatStorage,
      b.data as FloatStorage,
      batchOffsets(batch, aBatch, n * k),
      batchOffsets(batch, bBatch, k * m),
      n,
      k,
      m,
    );
    // Each operand is saved only for the other's gradient.
    const saved = [needs[1] ? a : null, needs[0] ? b : null] as const;
    return { out: new Tensor(out, [...batch, n, m]), saved };
  },
  // dA = g·Bᵀ, dB = Aᵀ·g, summed over broadcast batch dims.
  vjp: ({ g, saved: [a, b], needs, inputs }) => [
    needs[0] ? unbroadcast(matmul(g, transpose(b!, -2, -1)), inputs[0].shape) : null,
    needs[1] ? unbroadcast(matmul(transpose(a!, -2, -1), g), inputs[1].shape) : null,
  ],
});

/**
 * Matrix product as `torch.matmul`: dot, matrix-vector, matrix-matrix and batched.
 * @example matmul(x, w.T)
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  const da = floatDtype(a, 'matmul');
  const db = floatDtype(b, 'matmul');
  if (da !== db) {
    throw new DTypeError(
      `matmul: expected m1 and m2 to have the same dtype, but got: ${da === 'float32' ? 'float' : 'double'} != ${db === 'float32' ? 'float' : 'double'}`,
    );
  }
  if (a.ndim === 0 || b.ndim === 0) {
    throw new ShapeError(
      `matmul: both arguments to matmul need to be at least 1D, but they are ${a.ndim}D and ${b.ndim}D`,
    );
  }
  if (a.ndim === 1 && b.ndim === 1) return reshape(matmul(unsqueeze(a, 0), unsqueeze(b, 1)), []);
  if (a.ndim === 1) return squeeze(matmul(unsqueeze(a, 0), b), -2);
  if (b.ndim === 1) return squeeze(matmul(a, unsqueeze(b, 1)), -1);
  const k = a.shape[a.ndim - 1];
  if (b.shape[b.ndim - 2] !== k) {
    const mat = (s: readonly number[]): string => `${s[s.length - 2]}x${s[s.length - 1]}`;
    throw new ShapeError(
      `matmul: mat1 and mat2 shapes cannot be multiplied (${mat(a.shape)} and ${mat(b.shape)}; ` +
        `shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)})`,
    );
  }
  return apply(matmulP, [a, b], null);
}
