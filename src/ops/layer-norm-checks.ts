/**
 * Argument checks of LayerNorm, shared by both implementations, so that they differ only in how
 * they compute, never in what they accept.
 */
import { ShapeError, ValueError } from '../errors.js';
import type { GroupLayout } from '../kernels/groupnorm.js';
import { fmtShape as list } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkEps, checkImpl, checkNormOperands, type BatchNormImpl } from './batch-norm-checks.js';

/** The two implementations of every normalisation: `'fused'` and `'composite'`. */
export type NormImpl = BatchNormImpl;

/** Options of `nn.functional.layerNorm`, with `torch.nn.functional.layer_norm`'s defaults. */
export interface LayerNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** `'fused'` (one op, closed-form backward; default) or `'composite'` (primitive ops). */
  impl?: NormImpl;
}

/** `normalizedShape` as PyTorch takes it: one size or a list of the trailing sizes. */
export type NormalizedShape = number | readonly number[];

export function normalizedShapeOf(normalizedShape: NormalizedShape): number[] {
  return typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
}

/** Checks the normalized shape alone (also done when a LayerNorm module is built). */
export function checkNormalizedShape(shape: readonly number[], op: string): void {
  if (shape.length === 0) {
    throw new ShapeError(
      `${op}: Expected normalized_shape to be at least 1-dimensional, i.e., containing at least ` +
        `one element, but got normalized_shape = []`,
    );
  }
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new ValueError(
        `${op}: normalized_shape must hold non-negative integers (got ${list(shape)})`,
      );
    }
  }
}

export interface LayerNormLayout {
  /** The input as `[outer, 1, M, 1]` for the grouped-norm kernel. */
  layout: GroupLayout;
  /** The normalized (trailing) dims. */
  dims: number[];
}

export function checkLayerNorm(
  input: Tensor,
  normalizedShape: readonly number[],
  weight: Tensor | null,
  bias: Tensor | null,
  eps: number,
  impl: NormImpl,
): LayerNormLayout {
  checkImpl(impl, 'layerNorm');
  checkNormalizedShape(normalizedShape, 'layerNorm');
  const k = normalizedShape.length;
  const tail = input.shape.slice(input.ndim - k);
  if (input.ndim < k || tail.some((d, i) => d !== normalizedShape[i])) {
    throw new ShapeError(
      `layerNorm: Given normalized_shape=${list(normalizedShape)}, expected input with shape ` +
        `[*, ${normalizedShape.join(', ')}], but got input of size${list(input.shape)}`,
    );
  }
  const named: [string, Tensor | null][] = [
    ['weight', weight],
    ['bias', bias],
  ];
  checkNormOperands('layerNorm', input, named, (name, t) =>
    t.ndim === k && t.shape.every((d, i) => d === normalizedShape[i])
      ? null
      : `Expected ${name} to be of same shape as normalized_shape, but got ${name} of shape ` +
        `${list(t.shape)} and normalized_shape = ${list(normalizedShape)}`,
  );
  checkEps(eps, 'layerNorm');
  const m = normalizedShape.reduce((a, b) => a * b, 1);
  const outer = m === 0 ? 0 : input.size / m;
  return {
    layout: { outer, groups: 1, k: m, l: 1 },
    dims: Array.from({ length: k }, (_, i) => input.ndim - k + i),
  };
}
