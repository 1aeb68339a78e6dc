/**
 * Stochastic gradient descent, optionally with momentum, Nesterov momentum, weight decay (L2) and
 * maximization: PyTorch 1.13's `torch.optim.SGD`, with its checks, its error texts and its
 * update bit for bit (the single-tensor path).
 */
import { ShapeError, ValueError } from '../errors.js';
import { fmtShape, shapesEqual } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { sgdStep_ } from '../ops/optim-step.js';
import {
  checkGrad,
  keepState,
  newState,
  Optimizer,
  type ParamGroup,
  type Params,
} from './optimizer.js';

/** SGD's hyper-parameters, per group. */
export type SGDHyper = {
  /** Learning rate. */
  lr: number;
  /** Momentum factor μ (0: none). */
  momentum: number;
  /** Dampening τ of the momentum: b ← μ b + (1 − τ) g. */
  dampening: number;
  /** L2 penalty λ: g ← g + λ θ. */
  weightDecay: number;
  /** Nesterov momentum: g ← g + μ b instead of g ← b. */
  nesterov: boolean;
  /** Maximize the objective instead of minimizing it. */
  maximize: boolean;
};

/** Options of `new SGD(params, options)`; `lr` is required unless every group sets it. */
export type SGDOptions = Partial<SGDHyper>;

/** SGD's state per parameter: the momentum buffer (null without momentum, as in PyTorch). */
export type SGDState = {
  /** b, the momentum buffer (`momentum_buffer`). */
  momentumBuffer: Tensor | null;
};

/**
 * SGD (PyTorch's `torch.optim.SGD`). Per parameter with gradient g:
 *
 *     g ← −g if maximize;  g ← g + λ θ if λ ≠ 0
 *     if μ ≠ 0:  b ← g at the first step, else b ← μ b + (1 − τ) g;  g ← g + μ b if nesterov else b
 *     θ ← θ − lr · g
 *
 * @example
 * ```ts
 * const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9, nesterov: true });
 * ```
 */
export class SGD extends Optimizer<SGDHyper, SGDState> {
  constructor(params: Params<SGDHyper>, options: SGDOptions = {}) {
    const { lr, momentum = 0, dampening = 0, weightDecay = 0 } = options;
    const { nesterov = false, maximize = false } = options;
    if (lr !== undefined && lr < 0) throw new ValueError(`Invalid learning rate: ${lr}`);
    if (momentum < 0) throw new ValueError(`Invalid momentum value: ${momentum}`);
    if (weightDecay < 0) throw new ValueError(`Invalid weight_decay value: ${weightDecay}`);
    if (nesterov && (momentum <= 0 || dampening !== 0)) {
      throw new ValueError('Nesterov momentum requires a momentum and zero dampening');
    }
    super(params, { lr, momentum, dampening, weightDecay, nesterov, maximize });
  }

  protected override updateGroup(group: ParamGroup<SGDHyper>): void {
    for (const p of group.params) {
      if (p.grad === null) continue;
      checkGrad(p, p.grad, 'SGD');
      // As PyTorch: with momentum 0 the buffer (if one was made earlier) is kept, unused.
      const known = this.state.get(p);
      let buf = known?.momentumBuffer ?? null;
      const fresh = group.momentum !== 0 && buf === null;
      // A fresh buffer is written whole by its first step (b ← g), so it needs no zeros.
      if (fresh) buf = newState(p, false);
      sgdStep_(p, p.grad, group.momentum !== 0 ? buf : null, fresh, group);
      if (known === undefined || fresh) this.state.set(p, keepState({ momentumBuffer: buf }));
    }
  }

  protected override restoreState(raw: Record<string, Tensor | null>, param: Tensor): SGDState {
    const buf = raw.momentumBuffer ?? null;
    if (buf !== null && !shapesEqual(buf.shape, param.shape)) {
      throw new ShapeError(
        `loaded state dict: momentum_buffer has shape ${fmtShape(buf.shape)}, its parameter ${fmtShape(param.shape)}`,
      );
    }
    return { momentumBuffer: buf };
  }

  protected override compatDefaults(): Partial<SGDHyper> {
    return { nesterov: false, maximize: false };
  }
}
