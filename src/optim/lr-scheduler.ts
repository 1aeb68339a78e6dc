/**
 * Learning-rate schedulers, as PyTorch 1.13's `torch.optim.lr_scheduler`: `LRScheduler` (PyTorch's
 * `_LRScheduler`), `StepLR` and `CosineAnnealingLR`. `step()` uses PyTorch's recursive
 * ("chainable") formulas, which read the groups' current learning rates, so that a schedule
 * composes with other changes to them; `step(epoch)` uses the closed forms, as PyTorch does
 * (deprecated there). The cosine is glibc's (src/kernels/libm/cos.ts), as Python's `math.cos` is, so the
 * learning rates equal PyTorch's bit for bit.
 *
 * Not carried over: `verbose` printing and PyTorch's warnings about the order of
 * `optimizer.step()` and `scheduler.step()`.
 *
 * @module
 */
import { ValueError } from '../errors.js';
import { glibcCos, glibcPow } from '../ops/scalar-math.js';
import { Optimizer, type Hyper, type OptimizerState } from './optimizer.js';

/** Any optimizer: a scheduler only reads and writes the groups' `lr` and `initialLr`. */
export type AnyOptimizer = Optimizer<Hyper, OptimizerState>;

/** A scheduler's state dict: its fields by PyTorch's names (`last_epoch`, `base_lrs`, ...). */
export type SchedulerStateDict = Record<string, number | boolean | number[]>;

/** Python's `a % b` (the sign of b). */
function pyMod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

function isNumberArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((e) => typeof e === 'number');
}

/**
 * The base of the learning-rate schedulers (PyTorch's `_LRScheduler`). A subclass sets its own
 * fields, then calls `initialStep()` at the end of its constructor (PyTorch's base constructor
 * does that step, after the subclass has set its fields).
 *
 * @example
 * ```ts
 * class HalveLR extends optim.lrScheduler.LRScheduler {
 *   constructor(opt: optim.lrScheduler.AnyOptimizer) {
 *     super(opt);
 *     this.initialStep();
 *   }
 *   protected override getLr(): number[] {
 *     return this.groupLrs().map((lr) => (this.lastEpoch === 0 ? lr : lr / 2));
 *   }
 *   protected override ownState(): Record<string, number> {
 *     return {};
 *   }
 *   protected override loadOwnState(): boolean {
 *     return false;
 *   }
 * }
 * ```
 */
export abstract class LRScheduler {
  /** The optimizer whose groups' learning rates this schedules. */
  readonly optimizer: AnyOptimizer;
  /** The groups' initial learning rates (`initial_lr`). */
  baseLrs: number[];
  /** The index of the last epoch: -1 before the first step; `step()` adds one. */
  lastEpoch: number;
  /** How many times `step` ran, the construction's step included (PyTorch's `_step_count`). */
  protected stepCount = 0;
  private lastLr: number[] = [];

  constructor(optimizer: AnyOptimizer, lastEpoch = -1) {
    if (!(optimizer instanceof Optimizer)) {
      throw new ValueError(`${String(optimizer)} is not an Optimizer`);
    }
    this.optimizer = optimizer;
    const groups = optimizer.paramGroups;
    if (lastEpoch === -1) {
      for (const group of groups) group.initialLr ??= group.lr;
    } else {
      groups.forEach((group, i) => {
        if (group.initialLr === undefined) {
          throw new ValueError(
            `param 'initial_lr' is not specified in param_groups[${i}] when resuming an optimizer`,
          );
        }
      });
    }
    this.baseLrs = groups.map((g) => g.initialLr!);
    this.lastEpoch = lastEpoch;
  }

  /**
   * Resets the step count and takes the first step (epoch lastEpoch + 1); the last line of a
   * subclass's constructor.
   * @example this.initialStep();
   */
  protected initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /**
   * The groups' next learning rates, by the recursive formula (`get_lr` in PyTorch), for the
   * epoch `lastEpoch` that `step` has just set.
   * @example return this.groupLrs().map((lr) => lr * 0.9); // decay by 0.9 per epoch
   */
  protected abstract getLr(): number[];

  /**
   * The learning rates at `lastEpoch` by the closed formula, if there is one (null otherwise),
   * for `step(epoch)`.
   * @example return this.baseLrs.map((base) => base * 0.9 ** this.lastEpoch);
   */
  protected closedFormLr(): number[] | null {
    return null;
  }

  /**
   * Advances the schedule by one epoch and sets every group's `lr`. With `epoch`, jumps to that
   * epoch instead, using the closed form where the scheduler has one (deprecated in PyTorch).
   * @example for (let epoch = 0; epoch < 10; epoch++) { trainOneEpoch(); sched.step(); }
   */
  step(epoch?: number): void {
    this.stepCount++;
    let values: number[];
    if (epoch === undefined) {
      this.lastEpoch++;
      values = this.getLr();
    } else {
      this.lastEpoch = epoch;
      values = this.closedFormLr() ?? this.getLr();
    }
    this.optimizer.paramGroups.forEach((group, i) => (group.lr = values[i]));
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /**
   * The learning rates the last `step` set, one per group.
   * @example sched.getLastLr() // [0.1]
   */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /**
   * The subclass's own fields by PyTorch's names, e.g. `{ step_size, gamma }`.
   * @example return { step_size: this.stepSize, gamma: this.gamma };
   */
  protected abstract ownState(): Record<string, number>;

  /**
   * Sets one of the subclass's own fields from a state dict; false if `key` is not one.
   * @example if (key === 'gamma') { this.gamma = value; return true; }
   */
  protected abstract loadOwnState(key: string, value: number): boolean;

  /**
   * The scheduler's state as PyTorch's `state_dict()` has it: every field but the optimizer,
   * by PyTorch's names (`verbose` and `_get_lr_called_within_step` are always false here).
   * @example sched.stateDict().last_epoch
   */
  stateDict(): SchedulerStateDict {
    return {
      ...this.ownState(),
      base_lrs: [...this.baseLrs],
      last_epoch: this.lastEpoch,
      verbose: false,
      _step_count: this.stepCount,
      _get_lr_called_within_step: false,
      _last_lr: [...this.lastLr],
    };
  }

  /**
   * Loads a state dict from `stateDict()` (or PyTorch's). Like PyTorch's `__dict__.update`, keys
   * it lacks keep their values; unknown keys and values of the wrong kind are errors, and are
   * found before anything changes.
   * @example sched.loadStateDict(saved); // saved = an earlier sched.stateDict()
   */
  loadStateDict(dict: SchedulerStateDict): void {
    const own = this.ownState();
    for (const [key, value] of Object.entries(dict)) {
      const ok =
        key === 'verbose' || key === '_get_lr_called_within_step'
          ? typeof value === 'boolean'
          : key === 'base_lrs' || key === '_last_lr'
            ? isNumberArray(value)
            : (key === 'last_epoch' || key === '_step_count' || key in own) &&
              typeof value === 'number';
      if (!ok) {
        throw new ValueError(
          `${this.constructor.name}.loadStateDict: unexpected ${key} = ${String(value)}`,
        );
      }
    }
    for (const [key, value] of Object.entries(dict)) {
      if (key === 'base_lrs' && isNumberArray(value)) this.baseLrs = [...value];
      else if (key === '_last_lr' && isNumberArray(value)) this.lastLr = [...value];
      else if (typeof value !== 'number') continue;
      else if (key === 'last_epoch') this.lastEpoch = value;
      else if (key === '_step_count') this.stepCount = value;
      else this.loadOwnState(key, value);
    }
  }

  /**
   * The groups' current learning rates.
   * @example return this.groupLrs(); // in getLr: a constant schedule
   */
  protected groupLrs(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }
}

/** Options of `StepLR`. */
export interface StepLROptions {
  /** Period of the decay, in epochs. */
  stepSize: number;
  /** The factor of each decay (default 0.1). */
  gamma?: number;
  /** The last epoch when resuming (default -1: start). */
  lastEpoch?: number;
}

/**
 * Multiplies every group's learning rate by `gamma` every `stepSize` epochs (PyTorch's
 * `StepLR`): lr = initial_lr · gamma^⌊epoch / stepSize⌋ when nothing else changes it.
 *
 * @example
 * ```ts
 * const sched = new optim.lrScheduler.StepLR(opt, { stepSize: 30, gamma: 0.1 });
 * for (let epoch = 0; epoch < 100; epoch++) { train(); sched.step(); }
 * ```
 */
export class StepLR extends LRScheduler {
  /** The period of the decay, in epochs (`step_size`). */
  stepSize: number;
  /** The factor of each decay. */
  gamma: number;

  constructor(optimizer: AnyOptimizer, options: StepLROptions) {
    const { stepSize, gamma = 0.1, lastEpoch = -1 } = options;
    // PyTorch takes any step_size and fails later with a ZeroDivisionError for 0.
    if (!(stepSize > 0)) throw new ValueError(`StepLR: stepSize must be positive, got ${stepSize}`);
    super(optimizer, lastEpoch);
    this.stepSize = stepSize;
    this.gamma = gamma;
    this.initialStep();
  }

  protected override getLr(): number[] {
    const lrs = this.groupLrs();
    if (this.lastEpoch === 0 || pyMod(this.lastEpoch, this.stepSize) !== 0) return lrs;
    return lrs.map((lr) => lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    // base_lr * gamma ** (last_epoch // step_size), with the C library's pow as in Python.
    const k = Math.floor(this.lastEpoch / this.stepSize);
    return this.baseLrs.map((base) => base * glibcPow(this.gamma, k));
  }

  protected override ownState(): Record<string, number> {
    return { step_size: this.stepSize, gamma: this.gamma };
  }

  protected override loadOwnState(key: string, value: number): boolean {
    if (key === 'step_size') this.stepSize = value;
    else if (key === 'gamma') this.gamma = value;
    else return false;
    return true;
  }
}

/** Options of `CosineAnnealingLR`. */
export interface CosineAnnealingLROptions {
  /** Half the period of the cosine, in epochs (PyTorch's `T_max`). */
  tMax: number;
  /** The minimum learning rate (default 0). */
  etaMin?: number;
  /** The last epoch when resuming (default -1: start). */
  lastEpoch?: number;
}

/**
 * Cosine annealing (PyTorch's `CosineAnnealingLR`, without SGDR's restarts): when nothing else
 * changes the learning rate, lr = etaMin + (initial_lr − etaMin)(1 + cos(π·epoch/tMax))/2. The
 * schedule is computed recursively from the current lr, exactly as PyTorch 1.13's `get_lr`:
 *
 *     epoch 0:                          lr
 *     first step when resuming:         etaMin + (base − etaMin)(1 + cos(π e/T))/2
 *     (e − 1 − T) mod 2T = 0:           lr + (base − etaMin)(1 − cos(π/T))/2
 *     otherwise:                        (1 + cos(π e/T)) / (1 + cos(π (e − 1)/T)) (lr − etaMin) + etaMin
 *
 * @example
 * ```ts
 * const sched = new optim.lrScheduler.CosineAnnealingLR(opt, { tMax: 100, etaMin: 1e-5 });
 * ```
 */
export class CosineAnnealingLR extends LRScheduler {
  /** Half the period of the cosine, in epochs (`T_max`). */
  tMax: number;
  /** The minimum learning rate (`eta_min`). */
  etaMin: number;

  constructor(optimizer: AnyOptimizer, options: CosineAnnealingLROptions) {
    const { tMax, etaMin = 0, lastEpoch = -1 } = options;
    // PyTorch takes any T_max and fails later with a ZeroDivisionError for 0.
    if (!(tMax > 0)) throw new ValueError(`CosineAnnealingLR: tMax must be positive, got ${tMax}`);
    super(optimizer, lastEpoch);
    this.tMax = tMax;
    this.etaMin = etaMin;
    this.initialStep();
  }

  protected override getLr(): number[] {
    const { lastEpoch: e, tMax: T, etaMin } = this;
    const groups = this.optimizer.paramGroups;
    if (e === 0) return this.groupLrs();
    if (this.stepCount === 1 && e > 0) {
      return this.baseLrs.map(
        (base) => etaMin + ((base - etaMin) * (1 + glibcCos((e * Math.PI) / T))) / 2,
      );
    }
    if (pyMod(e - 1 - T, 2 * T) === 0) {
      return groups.map(
        (g, i) => g.lr + ((this.baseLrs[i] - etaMin) * (1 - glibcCos(Math.PI / T))) / 2,
      );
    }
    const ratio = (1 + glibcCos((Math.PI * e) / T)) / (1 + glibcCos((Math.PI * (e - 1)) / T));
    return groups.map((g) => ratio * (g.lr - etaMin) + etaMin);
  }

  protected override closedFormLr(): number[] {
    const { lastEpoch: e, tMax: T, etaMin } = this;
    return this.baseLrs.map(
      (base) => etaMin + ((base - etaMin) * (1 + glibcCos((Math.PI * e) / T))) / 2,
    );
  }

  protected override ownState(): Record<string, number> {
    return { T_max: this.tMax, eta_min: this.etaMin };
  }

  protected override loadOwnState(key: string, value: number): boolean {
    if (key === 'T_max') this.tMax = value;
    else if (key === 'eta_min') this.etaMin = value;
    else return false;
    return true;
  }
}
