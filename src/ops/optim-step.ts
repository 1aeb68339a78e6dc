/**
 * Fused optimizer updates, off the tape: one SGD or Adam/AdamW step on one parameter and its
 * state, in place. They play the part of PyTorch's `torch._fused_adam_` and `torch._foreach_*`
 * ops: the optimizers in src/optim speak tensors and call these, and these check the tensors, run
 * the update kernel (src/kernels/optim.ts) on their storage and bump their version counters.
 *
 * Off the tape: nothing is recorded, so they refuse to run with grad mode on when a tensor they
 * write requires grad (`Optimizer.step` runs them under `noGrad`).
 */
import { AutogradError, DTypeError, ShapeError } from '../errors.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import { adamKernel, sgdKernel, type AdamScalars, type SgdScalars } from '../kernels/optim.js';
import { glibcPow } from '../kernels/libm/index.js';
import type { FloatStorage } from '../tensor/dtype.js';
import { fmtShape, shapesEqual } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';

export type { SgdScalars } from '../kernels/optim.js';

/** The scalars of an Adam step; the bias corrections come from the step count. */
export type AdamStepScalars = Omit<AdamScalars, 'biasCorrection1' | 'biasCorrection2'>;

function writable(op: string, tensors: readonly (Tensor | null)[]): void {
  if (!isGradEnabled()) return;
  if (tensors.some((t) => t !== null && t.requiresGrad)) {
    throw new AutogradError(
      `${op}: updates tensors in place off the tape, so it needs grad mode off (noGrad) ` +
        'when one of them requires grad',
    );
  }
}

/** The storage of `param`, which must be floating-point. */
function paramData(param: Tensor, op: string): FloatStorage {
  const d = param.data;
  if (d instanceof Int32Array) {
    throw new DTypeError(`${op}: expected a floating-point param (float32 or float64), got int32`);
  }
  return d;
}

/** The storage of `t`, which must have the shape and dtype of `param`. */
function like(t: Tensor, param: Tensor, op: string, name: string): FloatStorage {
  if (!shapesEqual(t.shape, param.shape)) {
    throw new ShapeError(
      `${op}: ${name} has shape ${fmtShape(t.shape)}, param ${fmtShape(param.shape)}`,
    );
  }
  const d = t.data;
  if (t.dtype !== param.dtype || d instanceof Int32Array) {
    throw new DTypeError(`${op}: ${name} is ${t.dtype}, param ${param.dtype}`);
  }
  return d;
}

/**
 * One SGD step on `param` in place, PyTorch's `_single_tensor_sgd` for one tensor:
 *
 *     d = maximize ? -grad : grad;  d += weightDecay·param
 *     with a momentum buffer b:  b = d if fresh, else momentum·b + (1 − dampening)·d
 *                                d = nesterov ? d + momentum·b : b
 *     param -= lr·d
 *
 * `momentumBuffer` is null without momentum; `fresh` says it was just created and takes d (its
 * version stays 0, as PyTorch's `clone`). `grad` and the buffer must have `param`'s shape and
 * float dtype.
 *
 * @example
 * ```ts
 * noGrad(() => sgdStep_(p, p.grad!, buf, false, group));
 * ```
 */
export function sgdStep_(
  param: Tensor,
  grad: Tensor,
  momentumBuffer: Tensor | null,
  fresh: boolean,
  hyper: SgdScalars,
): void {
  const op = 'sgdStep_';
  writable(op, [param, momentumBuffer]);
  const p = paramData(param, op);
  const g = like(grad, param, op, 'grad');
  const buf = momentumBuffer === null ? null : like(momentumBuffer, param, op, 'momentum_buffer');
  sgdKernel(p, g, buf, fresh, hyper);
  param._version.value++;
  if (momentumBuffer !== null && !fresh) momentumBuffer._version.value++;
}

/**
 * One Adam or AdamW step on `param` in place (PyTorch's `_single_tensor_adam` and
 * `_single_tensor_adamw` for one tensor, the per-tensor body of `torch._fused_adam_`): adds one
 * to `step`, a one-element tensor, then with t its new value
 *
 *     g = maximize ? -grad : grad;  Adam: g += weightDecay·param;  AdamW: param *= 1 − lr·weightDecay
 *     m = beta1·m + (1 − beta1)·g;  v = beta2·v + (1 − beta2)·g²;  v̂ = max(v̂, v) with amsgrad
 *     param -= lr/(1 − beta1^t) · m / (√v̂ / √(1 − beta2^t) + eps)
 *
 * with glibc's pow for beta^t, as Python computes it. `maxExpAvgSq` (v̂) is null without amsgrad.
 *
 * @example
 * ```ts
 * noGrad(() => adamStep_(p, p.grad!, m, v, null, step, { lr: 1e-3, beta1: 0.9, beta2: 0.999,
 *   eps: 1e-8, weightDecay: 0, maximize: false, decoupled: false }));
 * ```
 */
export function adamStep_(
  param: Tensor,
  grad: Tensor,
  expAvg: Tensor,
  expAvgSq: Tensor,
  maxExpAvgSq: Tensor | null,
  step: Tensor,
  scalars: AdamStepScalars,
): void {
  const op = 'adamStep_';
  writable(op, [param, expAvg, expAvgSq, maxExpAvgSq, step]);
  const p = paramData(param, op);
  const g = like(grad, param, op, 'grad');
  const m = like(expAvg, param, op, 'exp_avg');
  const v = like(expAvgSq, param, op, 'exp_avg_sq');
  const vMax = maxExpAvgSq === null ? null : like(maxExpAvgSq, param, op, 'max_exp_avg_sq');
  if (step.size !== 1) {
    throw new ShapeError(`${op}: step must have one element, got shape ${fmtShape(step.shape)}`);
  }
  // step_t += 1 in the step tensor's dtype (float32 in PyTorch 1.13), then t = step_t.item().
  step.data[0] += 1;
  step._version.value++;
  const t = step.data[0];
  adamKernel(p, g, m, v, vMax, {
    ...scalars,
    // Python: 1 - beta1 ** step, with the C library's pow.
    biasCorrection1: 1 - glibcPow(scalars.beta1, t),
    biasCorrection2: 1 - glibcPow(scalars.beta2, t),
  });
  param._version.value++;
  expAvg._version.value++;
  expAvgSq._version.value++;
  if (maxExpAvgSq !== null) maxExpAvgSq._version.value++;
}
