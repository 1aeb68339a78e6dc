/**
 * Loss functions, `torch.nn.functional` style: `mseLoss`, `nllLoss`, `crossEntropy` and
 * `binaryCrossEntropyWithLogits`. All are composites of public ops (no gradient code), written
 * in PyTorch's formulas, so values agree with PyTorch to rounding and every order of derivative
 * comes from the tape.
 */
import { DTypeError, ShapeError, ValueError } from '../../errors.js';
import { isFloat } from '../../tensor/dtype.js';
import { classTargets as scanTargets, type ClassTargets } from '../../ops/class-targets.js';
import { fmtShape, shapesEqual } from '../../tensor/shape.js';
import { floatDtype, scoped, Tensor } from '../../tensor/tensor.js';
import { add, div, exp, log, maximum, mul, neg, sub, where } from '../../ops/elementwise.js';
import { mean, sum } from '../../ops/reduce.js';
import { logSoftmax, square } from '../../ops/composite.js';
import { flatten, gather, indexSelect, reshape, squeeze, unsqueeze } from '../../ops/shape.js';

/** How per-element losses are combined: averaged (default), summed, or returned as they are. */
export type Reduction = 'mean' | 'sum' | 'none';

/** Throws PyTorch's ValueError for anything but `'mean'`, `'sum'` or `'none'`. */
export function checkReduction(reduction: string): Reduction {
  if (reduction === 'mean' || reduction === 'sum' || reduction === 'none') return reduction;
  throw new ValueError(`${reduction} is not a valid value for reduction`);
}

function reduce(loss: Tensor, reduction: Reduction): Tensor {
  if (reduction === 'mean') return mean(loss);
  return reduction === 'sum' ? sum(loss) : loss;
}

// ---- mean squared error -------------------------------------------------------------------------

/** Options of `mseLoss` and `nn.MSELoss`. */
export interface MseLossOptions {
  /** How the per-element losses are combined (default `'mean'`). */
  reduction?: Reduction;
}

/**
 * (input − target)², reduced; `torch.nn.functional.mse_loss`. Differentiable in both arguments.
 * The shapes must be equal: PyTorch only warns and broadcasts, which is almost always a bug, so
 * here its warning is a ShapeError.
 * @example mseLoss(pred, y)
 */
export function mseLoss(input: Tensor, target: Tensor, options: MseLossOptions = {}): Tensor {
  return scoped('mseLoss', () => {
    const reduction = checkReduction(options.reduction ?? 'mean');
    floatDtype(input, 'mseLoss');
    floatDtype(target, 'mseLoss');
    if (!shapesEqual(input.shape, target.shape)) {
      throw new ShapeError(
        `mseLoss: Using a target size (${fmtShape(target.shape)}) that is different to the input ` +
          `size (${fmtShape(input.shape)}). This will likely lead to incorrect results due to ` +
          'broadcasting. Please ensure they have the same size.',
      );
    }
    return reduce(square(sub(input, target)), reduction);
  });
}

// ---- negative log-likelihood and cross-entropy --------------------------------------------------

/** Options of `nllLoss` and `nn.NLLLoss`. */
export interface NllLossOptions {
  /** A rescaling weight per class, of shape [C]. */
  weight?: Tensor | null;
  /** Targets equal to this contribute nothing, to the loss or to the mean's denominator (default −100). */
  ignoreIndex?: number;
  /** How the per-element losses are combined (default `'mean'`). */
  reduction?: Reduction;
}

/** Options of `crossEntropy` and `nn.CrossEntropyLoss`: `nllLoss`'s, plus label smoothing. */
export interface CrossEntropyOptions extends NllLossOptions {
  /**
   * ε in [0, 1]: the target becomes (1 − ε)·onehot + ε/C. For class indices PyTorch computes
   * (1 − ε)·nll + (ε/C)·Σ_c −w_c·logp_c, reduced like the nll term (default 0).
   */
  labelSmoothing?: number;
}

/** Class-index targets, checked once: the indices with ignored entries set to 0, and a keep mask. */
/**
 * Checks that `input` is [C] with a 0-d target, or [N, C, d1, …] with a target [N, d1, …], in
 * PyTorch's wording (as ShapeErrors).
 */
function checkClassShapes(op: string, input: Tensor, target: Tensor): void {
  const both = `(input ${fmtShape(input.shape)}, target ${fmtShape(target.shape)})`;
  if (input.ndim === 0) {
    throw new ShapeError(`${op}: Expected 1 or more dimensions (got 0) ${both}`);
  }
  if (input.ndim === 1) {
    if (target.ndim !== 0) {
      throw new ShapeError(
        `${op}: size mismatch (got input: ${fmtShape(input.shape)}, target: ${fmtShape(target.shape)}); ` +
          'an input of shape [C] takes a 0-d target',
      );
    }
    return;
  }
  if (target.ndim === 0 || input.shape[0] !== target.shape[0]) {
    const tb = target.ndim === 0 ? 'none (0-d)' : String(target.shape[0]);
    throw new ShapeError(
      `${op}: Expected input batch_size (${input.shape[0]}) to match target batch_size (${tb}). ${both}`,
    );
  }
  const expected = [input.shape[0], ...input.shape.slice(2)];
  if (!shapesEqual(expected, target.shape)) {
    throw new ShapeError(
      `${op}: Expected target size ${fmtShape(expected)}, got ${fmtShape(target.shape)} ${both}`,
    );
  }
}

function classTargets(
  op: string,
  input: Tensor,
  target: Tensor,
  ignoreIndex: number,
): ClassTargets {
  if (target.dtype !== 'int32') {
    throw new DTypeError(
      `${op}: expected a target of dtype int32 holding class indices, got ${target.dtype}` +
        (op === 'crossEntropy'
          ? ` (a floating-point target must have the input's shape ${fmtShape(input.shape)} and holds class probabilities)`
          : ''),
    );
  }
  checkClassShapes(op, input, target);
  const classes = input.ndim === 1 ? input.shape[0] : input.shape[1];
  return scanTargets(op, input, target, classes, ignoreIndex);
}

function checkWeight(op: string, weight: Tensor | null, classes: number): void {
  if (weight === null) return;
  floatDtype(weight, op);
  if (weight.ndim !== 1 || weight.shape[0] !== classes) {
    throw new ShapeError(
      `${op}: weight tensor should be defined either for all ${classes} classes or no classes but ` +
        `got weight tensor of shape: ${fmtShape(weight.shape)}`,
    );
  }
}

/** Zero where the target is ignored (where, not a product, so that ±∞ there cannot leak NaN). */
function masked(x: Tensor, keep: Tensor | null): Tensor {
  return keep === null ? x : where(keep, x, 0);
}

/** Σ of the class weights of the counted targets: the denominator of a weighted mean. */
function weightTotal(weight: Tensor | null, t: ClassTargets): Tensor | number {
  if (weight === null) return t.count;
  return sum(masked(reshape(indexSelect(weight, 0, flatten(t.index)), t.index.shape), t.keep));
}

/**
 * The NLL core on batched input [N, C, …] (class dim 1): −w[t]·logp[t] per element, reduced as
 * PyTorch's nll_loss (a weighted mean divides by the total weight of the counted targets).
 */
function nllCore(
  logp: Tensor,
  t: ClassTargets,
  weight: Tensor | null,
  reduction: Reduction,
): Tensor {
  const picked = squeeze(gather(logp, 1, unsqueeze(t.index, 1)), 1);
  let loss = neg(picked);
  if (weight !== null) {
    loss = mul(loss, reshape(indexSelect(weight, 0, flatten(t.index)), t.index.shape));
  }
  loss = masked(loss, t.keep);
  if (reduction === 'none') return loss;
  return reduction === 'sum' ? sum(loss) : div(sum(loss), weightTotal(weight, t));
}

/** `weight` shaped [C, 1, …, 1] to broadcast against [N, C, d1, …]. */
function classWeight(weight: Tensor, ndim: number): Tensor {
  return reshape(weight, [weight.shape[0], ...new Array<number>(Math.max(0, ndim - 2)).fill(1)]);
}

/** Unbatched input [C] (0-d target) as a batch of one; the class dim is then always 1. */
function asBatch(input: Tensor, t: ClassTargets): { x: Tensor; t: ClassTargets } {
  if (input.ndim !== 1) return { x: input, t };
  const keep = t.keep === null ? null : reshape(t.keep, [1]);
  return { x: unsqueeze(input, 0), t: { index: reshape(t.index, [1]), keep, count: t.count } };
}

/** Undoes `asBatch` on an unreduced loss. */
function unbatch(loss: Tensor, input: Tensor, reduction: Reduction): Tensor {
  return input.ndim === 1 && reduction === 'none' ? squeeze(loss, 0) : loss;
}

/**
 * Negative log-likelihood of class-index targets, `torch.nn.functional.nll_loss`: input holds
 * log-probabilities, [N, C] or [N, C, d1, …] (or [C] with a 0-d target), target int32 of shape
 * [N] or [N, d1, …]. loss_i = −w[t_i]·input[i, t_i]; `'mean'` divides by Σ w[t_i] over the
 * targets that are not `ignoreIndex`.
 * @example nllLoss(logSoftmax(logits, 1), labels)
 */
export function nllLoss(input: Tensor, target: Tensor, options: NllLossOptions = {}): Tensor {
  return scoped('nllLoss', () => {
    const { weight = null, ignoreIndex = -100 } = options;
    const reduction = checkReduction(options.reduction ?? 'mean');
    floatDtype(input, 'nllLoss');
    const t0 = classTargets('nllLoss', input, target, ignoreIndex);
    checkWeight('nllLoss', weight, input.ndim === 1 ? input.shape[0] : input.shape[1]);
    const { x, t } = asBatch(input, t0);
    return unbatch(nllCore(x, t, weight, reduction), input, reduction);
  });
}

/**
 * Cross-entropy of logits, `torch.nn.functional.cross_entropy`: the NLL of a stable
 * `logSoftmax` over the class dim (1; 0 for unbatched [C] input).
 *
 * - Class indices: target int32 [N] or [N, d1, …] (0-d for [C] input), with `weight`,
 *   `ignoreIndex` and `labelSmoothing` ε exactly as PyTorch:
 *   (1 − ε)·nll + (ε/C)·smooth, smooth_i = −Σ_c w_c·logp_ic (0 where ignored), reduced like nll
 *   (a weighted mean divides by Σ w[t_i]).
 * - Class probabilities: a float target of the input's shape; with ε the target becomes
 *   (1 − ε)·target + ε/C; loss_i = −Σ_c w_c·target_ic·logp_ic and `'mean'` divides by the number
 *   of samples N·d1·…, not by the weights. `ignoreIndex` must then stay negative.
 *
 * @example crossEntropy(logits, labels, { labelSmoothing: 0.1 })
 */
export function crossEntropy(
  input: Tensor,
  target: Tensor,
  options: CrossEntropyOptions = {},
): Tensor {
  return scoped('crossEntropy', () => {
    const { weight = null, ignoreIndex = -100, labelSmoothing = 0 } = options;
    const reduction = checkReduction(options.reduction ?? 'mean');
    floatDtype(input, 'crossEntropy');
    if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
      throw new ValueError(`label_smoothing must be between 0.0 and 1.0. Got: ${labelSmoothing}`);
    }
    if (input.ndim === 0) {
      throw new ShapeError(
        `crossEntropy: Expected 1 or more dimensions (got 0) (input [], target ${fmtShape(target.shape)})`,
      );
    }
    const classes = input.ndim === 1 ? input.shape[0] : input.shape[1];
    checkWeight('crossEntropy', weight, classes);
    if (isFloat(target.dtype) && shapesEqual(target.shape, input.shape)) {
      if (ignoreIndex >= 0) {
        throw new ValueError(
          `crossEntropy: ignore_index is not supported for floating point target (got ignoreIndex ${ignoreIndex})`,
        );
      }
      const unbatched = input.ndim === 1;
      const x = unbatched ? unsqueeze(input, 0) : input;
      const tgt = unbatched ? unsqueeze(target, 0) : target;
      const loss = probabilityCrossEntropy(x, tgt, weight, labelSmoothing, reduction);
      return unbatch(loss, input, reduction);
    }
    const { x, t } = asBatch(input, classTargets('crossEntropy', input, target, ignoreIndex));
    const logp = logSoftmax(x, 1);
    const nll = nllCore(logp, t, weight, reduction);
    if (labelSmoothing === 0) return unbatch(nll, input, reduction);
    const weighted = weight === null ? logp : mul(logp, classWeight(weight, x.ndim));
    const smooth = masked(neg(sum(weighted, 1)), t.keep);
    let ret = smooth;
    if (reduction === 'sum') ret = sum(smooth);
    else if (reduction === 'mean') ret = div(sum(smooth), weightTotal(weight, t));
    const loss = add(mul(nll, 1 - labelSmoothing), mul(ret, labelSmoothing / classes));
    return unbatch(loss, input, reduction);
  });
}

function probabilityCrossEntropy(
  x: Tensor,
  target: Tensor,
  weight: Tensor | null,
  labelSmoothing: number,
  reduction: Reduction,
): Tensor {
  const classes = x.shape[1];
  const logp = logSoftmax(x, 1);
  const tgt =
    labelSmoothing > 0 ? add(mul(target, 1 - labelSmoothing), labelSmoothing / classes) : target;
  let prod = mul(logp, tgt);
  if (weight !== null) prod = mul(prod, classWeight(weight, x.ndim));
  if (reduction === 'none') return neg(sum(prod, 1));
  const total = neg(sum(prod));
  return reduction === 'sum' ? total : div(total, x.size / classes);
}

// ---- binary cross-entropy with logits -----------------------------------------------------------

/** Options of `binaryCrossEntropyWithLogits` and `nn.BCEWithLogitsLoss`. */
export interface BceWithLogitsOptions {
  /** A rescaling weight of each element's loss, broadcast against the input. */
  weight?: Tensor | null;
  /** A weight of the positive term per class (broadcast over the last dim), p in −p·t·log σ(x). */
  posWeight?: Tensor | null;
  /** How the per-element losses are combined (default `'mean'`). */
  reduction?: Reduction;
}

/**
 * Binary cross-entropy on logits, `torch.nn.functional.binary_cross_entropy_with_logits`:
 * −w·[p·t·log σ(x) + (1 − t)·log(1 − σ(x))], evaluated stably as PyTorch does:
 * (1 − t)·x + (1 + (p − 1)·t)·softplus(−x), where softplus(−x) = m + log(e^(−m) + e^(−x−m)) with
 * m = max(−x, 0) held constant (no exponent is positive; without posWeight this is
 * max(x, 0) − x·t + log(1 + e^(−|x|))). Holding m constant keeps the function smooth on the tape,
 * so the second derivative at x = 0 is σ′(0) = 1/4, which a composite built on |x| would lose.
 * @example binaryCrossEntropyWithLogits(logits, labels, { posWeight })
 */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  options: BceWithLogitsOptions = {},
): Tensor {
  return scoped('binaryCrossEntropyWithLogits', () => {
    const { weight = null, posWeight = null } = options;
    const reduction = checkReduction(options.reduction ?? 'mean');
    floatDtype(input, 'binaryCrossEntropyWithLogits');
    if (!isFloat(target.dtype)) {
      throw new DTypeError(
        `binaryCrossEntropyWithLogits: expected a floating-point target (float32 or float64), got ${target.dtype}`,
      );
    }
    if (!shapesEqual(target.shape, input.shape)) {
      throw new ShapeError(
        `Target size (${fmtShape(target.shape)}) must be the same as input size (${fmtShape(input.shape)})`,
      );
    }
    const m = maximum(neg(input.detach()), 0);
    const lse = log(add(exp(neg(m)), exp(sub(neg(input), m))));
    const linearPart = mul(sub(1, target), input);
    let loss: Tensor;
    if (posWeight === null) {
      loss = add(add(linearPart, m), lse);
    } else {
      const logWeight = add(mul(sub(posWeight, 1), target), 1);
      loss = add(linearPart, mul(logWeight, add(lse, m)));
    }
    if (weight !== null) loss = mul(loss, weight);
    return reduce(loss, reduction);
  });
}
