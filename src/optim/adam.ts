/**
 * Adam, and the body it shares with AdamW (./adamw.ts): PyTorch 1.13's `torch.optim.Adam` and
 * `torch.optim.AdamW`, with their checks, error texts and updates bit for bit (the single-tensor
 * path, neither capturable nor differentiable nor fused). They differ only in the weight decay:
 * Adam adds λθ to the gradient (L2), AdamW shrinks the parameter by 1 − lr·λ first (decoupled).
 */
import { ShapeError, ValueError } from '../errors.js';
import { fmtShape, shapesEqual } from '../tensor/shape.js';
import { emptyTensor, type Tensor } from '../tensor/tensor.js';
import { adamStep_ } from '../ops/optim-step.js';
import {
  checkGrad,
  keepState,
  newState,
  Optimizer,
  type ParamGroup,
  type Params,
} from './optimizer.js';

/** The hyper-parameters of Adam and AdamW, per group. */
export type AdamHyper = {
  /** Learning rate. */
  lr: number;
  /** Decay rates β1, β2 of the running averages of the gradient and of its square. */
  betas: readonly [number, number];
  /** Added to the denominator for numerical stability. */
  eps: number;
  /** Adam: L2 penalty added to the gradient; AdamW: decoupled decay rate. */
  weightDecay: number;
  /** The AMSGrad variant: normalize by the running maximum of the second moment. */
  amsgrad: boolean;
  /** Maximize the objective instead of minimizing it. */
  maximize: boolean;
};

/** Options of `new Adam(params, options)` and `new AdamW(params, options)`. */
export type AdamOptions = Partial<AdamHyper>;

/**
 * The state of Adam and AdamW per parameter: the step count (a float32 scalar tensor, as in
 * PyTorch 1.13), the running averages, and with amsgrad their running maximum.
 */
export type AdamState = {
  /** t, the number of steps taken (PyTorch's `step`). */
  step: Tensor;
  /** m, the running average of the gradient (`exp_avg`). */
  expAvg: Tensor;
  /** v, the running average of the squared gradient (`exp_avg_sq`). */
  expAvgSq: Tensor;
  /** v̂, the running maximum of v, with amsgrad only (`max_exp_avg_sq`). */
  maxExpAvgSq?: Tensor;
};

function checkAdamOptions(lr: number, eps: number, betas: readonly number[], wd: number): void {
  if (!(lr >= 0)) throw new ValueError(`Invalid learning rate: ${lr}`);
  if (!(eps >= 0)) throw new ValueError(`Invalid epsilon value: ${eps}`);
  if (!(betas[0] >= 0 && betas[0] < 1)) {
    throw new ValueError(`Invalid beta parameter at index 0: ${betas[0]}`);
  }
  if (!(betas[1] >= 0 && betas[1] < 1)) {
    throw new ValueError(`Invalid beta parameter at index 1: ${betas[1]}`);
  }
  if (!(wd >= 0)) throw new ValueError(`Invalid weight_decay value: ${wd}`);
}

/** The shared body of Adam and AdamW (internal: construct `Adam` or `AdamW`). */
export abstract class AdamFamily extends Optimizer<AdamHyper, AdamState> {
  /** AdamW's decoupled weight decay (true) or Adam's L2 penalty (false). */
  private readonly decoupled: boolean;

  constructor(
    params: Params<AdamHyper>,
    options: AdamOptions,
    defaultWeightDecay: number,
    decoupled: boolean,
  ) {
    const {
      lr = 1e-3,
      betas = [0.9, 0.999],
      eps = 1e-8,
      weightDecay = defaultWeightDecay,
    } = options;
    const { amsgrad = false, maximize = false } = options;
    checkAdamOptions(lr, eps, betas, weightDecay);
    super(params, { lr, betas: [betas[0], betas[1]], eps, weightDecay, amsgrad, maximize });
    this.decoupled = decoupled;
  }

  protected override updateGroup(group: ParamGroup<AdamHyper>): void {
    const name = this.constructor.name;
    const [beta1, beta2] = group.betas;
    for (const p of group.params) {
      if (p.grad === null) continue;
      checkGrad(p, p.grad, name);
      let state = this.state.get(p);
      const fresh = state === undefined;
      if (state === undefined) {
        // New state starts at zero, the step count too (a float32 scalar, as in PyTorch 1.13).
        state = {
          step: emptyTensor([], 'float32', true),
          expAvg: newState(p, true),
          expAvgSq: newState(p, true),
        };
        if (group.amsgrad) state.maxExpAvgSq = newState(p, true);
      }
      const { step, expAvg, expAvgSq, maxExpAvgSq } = state;
      if (group.amsgrad && maxExpAvgSq === undefined) {
        throw new ValueError(
          `${name}: amsgrad is on but the state of a parameter has no max_exp_avg_sq ` +
            '(it was created with amsgrad off)',
        );
      }
      adamStep_(p, p.grad, expAvg, expAvgSq, group.amsgrad ? maxExpAvgSq! : null, step, {
        lr: group.lr,
        beta1,
        beta2,
        eps: group.eps,
        weightDecay: group.weightDecay,
        maximize: group.maximize,
        decoupled: this.decoupled,
      });
      if (fresh) this.state.set(p, keepState(state));
    }
  }

  protected override restoreState(
    raw: Record<string, Tensor | null>,
    param: Tensor,
    group: ParamGroup<AdamHyper>,
  ): AdamState {
    const need = (key: string, snake: string): Tensor => {
      const t = raw[key];
      if (t === undefined || t === null) {
        throw new ValueError(`loaded state dict: the state of a parameter has no ${snake}`);
      }
      return t;
    };
    const sameShape = (t: Tensor, snake: string): Tensor => {
      if (!shapesEqual(t.shape, param.shape)) {
        throw new ShapeError(
          `loaded state dict: ${snake} has shape ${fmtShape(t.shape)}, its parameter ${fmtShape(param.shape)}`,
        );
      }
      return t;
    };
    const step = need('step', 'step');
    if (step.size !== 1) throw new ShapeError('loaded state dict: step must have one element');
    const state: AdamState = {
      step,
      expAvg: sameShape(need('expAvg', 'exp_avg'), 'exp_avg'),
      expAvgSq: sameShape(need('expAvgSq', 'exp_avg_sq'), 'exp_avg_sq'),
    };
    const max = raw.maxExpAvgSq;
    if (max !== undefined && max !== null) state.maxExpAvgSq = sameShape(max, 'max_exp_avg_sq');
    else if (group.amsgrad) need('maxExpAvgSq', 'max_exp_avg_sq');
    return state;
  }

  protected override compatDefaults(): Partial<AdamHyper> {
    return { amsgrad: false, maximize: false };
  }
}

/**
 * Adam (PyTorch's `torch.optim.Adam`). Per parameter with gradient g, at step t:
 *
 *     g ← −g if maximize;  g ← g + λ θ if λ ≠ 0
 *     m ← β1 m + (1 − β1) g;  v ← β2 v + (1 − β2) g²;  v̂ ← max(v̂, v) with amsgrad, else v
 *     θ ← θ − lr/(1 − β1^t) · m / (√v̂ / √(1 − β2^t) + eps)
 *
 * @example
 * ```ts
 * const opt = new optim.Adam(model.parameters(), { lr: 1e-3, betas: [0.9, 0.999] });
 * ```
 */
export class Adam extends AdamFamily {
  constructor(params: Params<AdamHyper>, options: AdamOptions = {}) {
    super(params, options, 0, false);
  }
}
