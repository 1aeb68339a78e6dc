/**
 * Composites: written only with public ops, with no gradient code of their own. The engine
 * derives their backward from the primitives they call.
 */
import { ValueError } from '../errors.js';
import { scoped, type Tensor } from '../tensor/tensor.js';
import { normalizeDims, numelOf } from '../tensor/shape.js';
import { abs, div, eq, exp, log, mul, pow, sqrt, sub, add, where, gt, lt } from './elementwise.js';
import { max, sum, mean } from './reduce.js';
import { squeeze } from './shape.js';

/**
 * x².
 * @example square(x)
 */
export function square(x: Tensor): Tensor {
  return pow(x, 2);
}

/** Options of `variance` (`Tensor.var`) and `std`, as `torch.var`'s keyword arguments. */
export interface VarOptions {
  /** Subtracted from the count in the denominator: 1 (default) is Bessel's correction. */
  correction?: number;
  /** Keep the reduced dims as size 1 (default false). */
  keepdim?: boolean;
}

/**
 * Variance over `dim` (all when omitted), two-pass: Σ(x − mean)² / (N − correction).
 * @example x.var(0, { correction: 0 })
 */
export function variance(
  x: Tensor,
  dim?: number | readonly number[],
  options: VarOptions = {},
): Tensor {
  const { correction = 1, keepdim = false } = options;
  const dims = normalizeDims(dim, x.ndim, 'var');
  const n = numelOf(dims.map((d) => x.shape[d]));
  return scoped('var', () => {
    const centered = sub(x, mean(x, dims, true));
    return div(sum(mul(centered, centered), dims, keepdim), Math.max(0, n - correction));
  });
}

/**
 * Standard deviation: √var.
 * @example x.std(1)
 */
export function std(x: Tensor, dim?: number | readonly number[], options: VarOptions = {}): Tensor {
  return scoped('std', () => sqrt(variance(x, dim, options)));
}

/** Max over several dims with the size-1 dims kept (values only). */
function amaxKeep(x: Tensor, dims: readonly number[]): Tensor {
  let m = x;
  for (const d of dims) m = max(m, d, true).values;
  return m;
}

/**
 * log Σ exp(x) over `dim`, stable: the (detached) max is subtracted first and added back,
 * and an infinite max is replaced by 0 as PyTorch does, so all-(−∞) rows give −∞, not NaN.
 * @example logits.logsumexp(1)
 */
export function logsumexp(x: Tensor, dim: number | readonly number[], keepdim = false): Tensor {
  const dims = normalizeDims(dim, x.ndim, 'logsumexp');
  if (x.ndim === 0) return x;
  return scoped('logsumexp', () => {
    const raw = amaxKeep(x.detach(), dims);
    const m = where(eq(abs(raw), Infinity), 0, raw);
    const out = add(log(sum(exp(sub(x, m)), dims, true)), m);
    return keepdim ? out : dims.reduceRight((t, d) => squeeze(t, d), out);
  });
}

/**
 * softmax along `dim`, with the row max subtracted for stability.
 * @example softmax(x, -1)
 */
export function softmax(x: Tensor, dim: number): Tensor {
  const d = normalizeDims(dim, x.ndim, 'softmax');
  return scoped('softmax', () => {
    const e = exp(sub(x, amaxKeep(x.detach(), d)));
    return div(e, sum(e, d, true));
  });
}

/**
 * log(softmax(x)) along `dim`, as `x − logsumexp(x)`.
 * @example logSoftmax(logits, 1)
 */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  return scoped('logSoftmax', () => sub(x, logsumexp(x, dim, true)));
}

/**
 * Clamps into [min, max] (either may be omitted). The gradient passes where min ≤ x ≤ max, and
 * NaN propagates, as in PyTorch.
 * @example x.clamp(0, 1)
 */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  const lo = min ?? null;
  const hi = max ?? null;
  if (lo === null && hi === null)
    throw new ValueError("clamp: At least one of 'min' or 'max' must not be None");
  return scoped('clamp', () => {
    let y = x;
    if (lo !== null) y = where(lt(y, lo), lo, y);
    if (hi !== null) y = where(gt(y, hi), hi, y);
    return y;
  });
}
