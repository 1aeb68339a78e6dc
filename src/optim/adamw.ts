/**
 * AdamW: PyTorch 1.13's `torch.optim.AdamW`, Adam with decoupled weight decay. The update is
 * shared with Adam (./adam.ts); only the weight decay differs.
 */
import { AdamFamily, type AdamHyper, type AdamOptions } from './adam.js';
import type { Params } from './optimizer.js';

/**
 * AdamW (PyTorch's `torch.optim.AdamW`): θ ← θ (1 − lr λ) before the Adam step (which then has
 * no L2 term), and a default λ of 1e-2.
 *
 * @example
 * ```ts
 * const opt = new optim.AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.05 });
 * ```
 */
export class AdamW extends AdamFamily {
  constructor(params: Params<AdamHyper>, options: AdamOptions = {}) {
    super(params, options, 1e-2, true);
  }
}
