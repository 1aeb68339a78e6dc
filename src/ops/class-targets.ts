/**
 * Class-index targets, checked and prepared for the NLL and cross-entropy losses (off the tape:
 * targets are never differentiated).
 */
import { IndexError } from '../errors.js';
import { classTargetsKernel } from '../kernels/loss.js';
import type { FloatDType } from '../tensor/dtype.js';
import { fmtShape } from '../tensor/shape.js';
import { emptyTensor, type Tensor } from '../tensor/tensor.js';

/** The targets as `nllLoss` uses them. */
export interface ClassTargets {
  /** int32, the target's shape; ignored entries hold 0 so that gather stays in range. */
  index: Tensor;
  /** 1 where the target counts, 0 where it equals ignoreIndex; null when nothing is ignored. */
  keep: Tensor | null;
  /** How many targets count (the mean's denominator without class weights). */
  count: number;
}

/**
 * Scans int32 class targets of `input`'s `classes`: an IndexError names the first one outside
 * [0, classes) that is not `ignoreIndex`.
 */
export function classTargets(
  op: string,
  input: Tensor,
  target: Tensor,
  classes: number,
  ignoreIndex: number,
): ClassTargets {
  const { safe, keep, count, bad } = classTargetsKernel(
    target.data as Int32Array,
    classes,
    ignoreIndex,
  );
  if (bad !== null) {
    throw new IndexError(
      `Target ${bad} is out of bounds. (${op}: class indices must be in [0, ${classes - 1}] for ` +
        `input ${fmtShape(input.shape)} with ${classes} classes, or equal ignoreIndex ${ignoreIndex})`,
    );
  }
  // The kernel returns plain arrays, copied into tensors of the ops' memory (the mask in the
  // input's dtype: 0 and 1 are exact in either).
  const index = emptyTensor(target.shape, 'int32');
  index.data.set(safe);
  let mask: Tensor | null = null;
  if (keep !== null) {
    mask = emptyTensor(target.shape, input.dtype as FloatDType);
    mask.data.set(keep);
  }
  return { index, keep: mask, count };
}
