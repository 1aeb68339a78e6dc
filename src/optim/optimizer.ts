/**
 * `Optimizer`, the base of every optimizer, as PyTorch 1.13's `torch.optim.Optimizer`: parameter
 * groups with their own hyper-parameters, per-parameter state, `zeroGrad`, `step` and a state
 * dict in PyTorch's structure.
 *
 * Names: the TypeScript API is camelCase (`group.weightDecay`, `state.get(p).expAvg`); the state
 * dict uses PyTorch's own names (`param_groups`, `weight_decay`, `initial_lr`, `exp_avg`,
 * `momentum_buffer`), as `Module.stateDict()` does, so it has the very shape of PyTorch's
 * `optimizer.state_dict()` and the two can be compared or converted key for key.
 */
import { enableGrad, noGrad } from '../autograd/grad-mode.js';
import { DTypeError, ShapeError, ValueError } from '../errors.js';
import type { FloatStorage } from '../tensor/dtype.js';
import { fmtShape, shapesEqual } from '../tensor/shape.js';
import { emptyTensor, keep, releaseOwned, scoped, Tensor } from '../tensor/tensor.js';
import { clone, toDtype } from '../ops/elementwise.js';

/** A hyper-parameter value: a number, a flag, or a tuple such as Adam's `betas`. */
export type HyperValue = number | boolean | readonly number[];

/**
 * The hyper-parameters of a parameter group: every optimizer has a learning rate; the others
 * (each a `HyperValue`) are the optimizer's own, e.g. `SGDHyper`.
 */
export type Hyper = {
  /** The learning rate. */
  lr: number;
};

/** The state an optimizer keeps per parameter (absent keys are left out of the state dict). */
export type OptimizerState = Record<string, Tensor | null | undefined>;

/**
 * A parameter group: its parameters and all hyper-parameters. `initialLr` is set by learning
 * rate schedulers (PyTorch's `initial_lr`).
 */
export type ParamGroup<H extends Hyper> = H & {
  /** The group's parameters. */
  params: Tensor[];
  /** The learning rate a scheduler started from (PyTorch's `initial_lr`). */
  initialLr?: number;
};

/** A parameter group as passed in: hyper-parameters left out take the optimizer's defaults. */
export type ParamGroupSpec<H extends Hyper> = Partial<H> & {
  /** The group's parameters: one tensor or any iterable of them. */
  params: Tensor | Iterable<Tensor>;
  /** The learning rate a scheduler starts from (PyTorch's `initial_lr`), when resuming. */
  initialLr?: number;
};

/** What an optimizer optimizes: parameters, or parameter groups. */
export type Params<H extends Hyper> = Iterable<Tensor> | Iterable<ParamGroupSpec<H>>;

/** The defaults of an optimizer; `lr` may be missing (SGD), and then every group must set it. */
export type Defaults<H extends Hyper> = Omit<H, 'lr'> & {
  /** The default learning rate; absent when every group must set its own. */
  lr?: number;
};

/**
 * A parameter group in a state dict: hyper-parameters by PyTorch name, parameters by index.
 * (null stands for PyTorch's None, as in its `foreach`, which a load skips.)
 */
export type PackedParamGroup = Record<string, HyperValue | null> & {
  /** The group's parameters as indices into the state dict's numbering. */
  params: number[];
};

/**
 * PyTorch's `optimizer.state_dict()`: `state` maps a parameter's index (its position when the
 * groups' parameters are numbered in order) to its state by PyTorch name; `param_groups` holds the
 * hyper-parameters of each group and its parameters as indices.
 */
export interface OptimizerStateDict {
  /** Per parameter index, its state by PyTorch name (e.g. `momentum_buffer`, `exp_avg`). */
  state: Record<number, Record<string, Tensor | null>>;
  /** The groups' hyper-parameters by PyTorch name, with their parameters as indices. */
  param_groups: PackedParamGroup[];
}

/** Options of `zeroGrad`. */
export interface ZeroGradOptions {
  /**
   * Set `.grad` to null instead of zeroing it in place. PyTorch 1.13's default is false
   * (`zero_grad(set_to_none=False)`), and so is this one.
   */
  setToNone?: boolean;
}

/** Group keys that PyTorch has and tapegrad does not (they select kernels): skipped on load. */
const TORCH_ONLY_KEYS = new Set(['foreach', 'differentiable', 'capturable', 'fused']);

/** `weightDecay` → `weight_decay`. */
export function toSnake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** `weight_decay` → `weightDecay`. */
export function toCamel(key: string): string {
  return key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

function describe(v: unknown): string {
  if (v instanceof Tensor) return `a Tensor of shape ${fmtShape(v.shape)}`;
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

function isIterable(v: unknown): v is Iterable<unknown> {
  return typeof v === 'object' && v !== null && Symbol.iterator in v;
}

/** The storage of a float tensor; optimizers only update floating-point tensors. */
export function floatData(t: Tensor, what: string): FloatStorage {
  const d = t.data;
  if (d instanceof Int32Array) {
    throw new DTypeError(
      `${what}: expected a floating-point tensor (float32 or float64), got int32`,
    );
  }
  return d;
}

/**
 * Checks that `grad` can update `p`: same shape, same dtype, floating-point. The errors name the
 * optimizer (`op`), as PyTorch's do.
 */
export function checkGrad(p: Tensor, grad: Tensor, op: string): void {
  if (!shapesEqual(grad.shape, p.shape)) {
    throw new ShapeError(
      `${op}: the gradient has shape ${fmtShape(grad.shape)}, its parameter ${fmtShape(p.shape)}`,
    );
  }
  if (grad.dtype !== p.dtype) {
    throw new DTypeError(`${op}: the gradient is ${grad.dtype}, its parameter ${p.dtype}`);
  }
  floatData(grad, op);
}

/** A copy with its own storage, off the tape (the state dict never shares storage with the state). */
function copyTensor(t: Tensor): Tensor {
  return noGrad(() => clone(t));
}

/**
 * New state of the shape and dtype of `p`, in the tensor memory (`step` runs in a scope): zeros
 * with `zero`, for state that the update accumulates into. The caller keeps it once the step
 * that made it has succeeded; until then the step's scope releases it if anything throws.
 */
export function newState(p: Tensor, zero: boolean): Tensor {
  return emptyTensor(p.shape, p.dtype, zero);
}

/** Keeps every tensor of a parameter's state (optimizer state outlives every scope); returns it. */
export function keepState<S extends OptimizerState>(state: S): S {
  for (const t of Object.values(state)) if (t instanceof Tensor) keep(t);
  return state;
}

function sameKind(template: unknown, v: unknown): v is HyperValue {
  if (Array.isArray(template)) {
    return (
      Array.isArray(v) && v.length === template.length && v.every((e) => typeof e === 'number')
    );
  }
  return typeof v === typeof template;
}

function fmtValue(v: unknown): string {
  return Array.isArray(v) ? `[${v.map(String).join(', ')}]` : String(v);
}

/**
 * The base class of all optimizers (PyTorch's `torch.optim.Optimizer`).
 *
 * Subclasses implement `updateGroup` (one step over one group, in place) and `restoreState`
 * (validating a parameter's state loaded from a state dict).
 *
 * @example
 * ```ts
 * const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 * opt.zeroGrad();
 * loss.backward();
 * opt.step();
 * ```
 */
export abstract class Optimizer<
  H extends Hyper = Hyper,
  S extends OptimizerState = OptimizerState,
> {
  /** The hyper-parameters a group gets when it does not set them. */
  readonly defaults: Readonly<Defaults<H>>;
  /** The parameter groups, in order. */
  readonly paramGroups: ParamGroup<H>[] = [];
  /** Per-parameter state, created at a parameter's first update. */
  readonly state = new Map<Tensor, S>();

  /**
   * @param params parameters, or parameter groups `{ params, ...hyper-parameters }`
   * @param defaults the hyper-parameters of groups that do not set their own
   */
  constructor(params: Params<H>, defaults: Defaults<H>) {
    this.defaults = Object.freeze({ ...defaults });
    if (params instanceof Tensor) {
      throw new ValueError(
        'params argument given to the optimizer should be an iterable of Tensors or dicts, ' +
          `but got ${describe(params)}`,
      );
    }
    const list: unknown[] = [...params];
    if (list.length === 0) throw new ValueError('optimizer got an empty parameter list');
    if (list[0] instanceof Tensor) {
      this.addGroup({ params: list });
      return;
    }
    for (const spec of list) this.addGroup(spec);
  }

  /**
   * Adds a parameter group, e.g. layers unfrozen while training. Hyper-parameters it leaves out
   * take the defaults; a parameter may belong to one group only.
   *
   * @example
   * ```ts
   * opt.addParamGroup({ params: head.parameters(), lr: 0.01 });
   * ```
   */
  addParamGroup(spec: ParamGroupSpec<H>): void {
    this.addGroup(spec);
  }

  private addGroup(spec: unknown): void {
    if (
      typeof spec !== 'object' ||
      spec === null ||
      spec instanceof Tensor ||
      !('params' in spec)
    ) {
      throw new ValueError(`param group must be an object with 'params', got ${describe(spec)}`);
    }
    const raw = spec.params;
    const params: Tensor[] = [];
    if (raw instanceof Tensor) params.push(raw);
    else if (isIterable(raw)) {
      for (const p of raw) {
        if (!(p instanceof Tensor)) {
          throw new ValueError(
            `optimizer can only optimize Tensors, but one of the params is ${describe(p)}`,
          );
        }
        params.push(p);
      }
    } else {
      throw new ValueError(`param group 'params' must be a Tensor or an iterable of Tensors`);
    }
    for (const p of params) {
      if (!p.isLeaf && p.gradFn?.retained !== p) {
        throw new ValueError("can't optimize a non-leaf Tensor");
      }
    }
    const group: Record<string, unknown> = { ...spec, params };
    for (const [key, value] of Object.entries(group)) {
      if (key !== 'params' && Array.isArray(value)) group[key] = [...value]; // e.g. betas
    }
    const defaults: [string, unknown][] = Object.entries(this.defaults);
    for (const [key, value] of defaults) {
      if (group[key] !== undefined) continue;
      if (value === undefined) {
        throw new ValueError(
          "parameter group didn't specify a value of required optimization parameter " +
            toSnake(key),
        );
      }
      group[key] = value;
    }
    // PyTorch only warns about a repeated parameter (each step would update it twice) and says
    // this will become an error; tapegrad refuses it now.
    if (new Set(params).size !== params.length) {
      throw new ValueError('optimizer contains a parameter group with duplicate parameters');
    }
    const taken = new Set(this.paramGroups.flatMap((g) => g.params));
    if (params.some((p) => taken.has(p))) {
      throw new ValueError('some parameters appear in more than one parameter group');
    }
    // Every key of H is now set (from the spec or the defaults); the spec's types were checked by
    // the compiler, as in PyTorch the values themselves are not.
    this.paramGroups.push(group as ParamGroup<H>);
  }

  /**
   * Clears the gradients of all parameters: zeroes them in place (detached from any graph), or,
   * with `setToNone`, sets `.grad` to null. A null gradient makes `step` skip the parameter,
   * whereas a zero gradient still updates it (momentum, weight decay).
   * @example opt.zeroGrad({ setToNone: true });
   */
  zeroGrad(options: ZeroGradOptions = {}): void {
    const setToNone = options.setToNone ?? false;
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        const grad = p.grad;
        if (grad === null) continue;
        if (setToNone) {
          p.grad = null;
          // A `.grad` is the library's (backward kept it): released now, not when the collector
          // finds it, so that a synchronous loop that drops it every step stays bounded.
          if (grad._kept)
            releaseOwned(grad, 'zeroGrad({ setToNone: true }), which dropped this .grad');
          continue;
        }
        if (grad.gradFn !== null) grad.detach_();
        else grad.requiresGrad_(false);
        noGrad(() => grad.zero_());
      }
    }
  }

  /**
   * Performs one optimization step: updates, in place, every parameter that has a gradient
   * (parameters whose `.grad` is null are skipped). `closure`, if given, re-evaluates the model
   * with grad mode on and returns the loss, which `step` returns.
   * @example
   * const loss = opt.step(() => {
   *   opt.zeroGrad();
   *   const l = lossFn.forward(model.forward(x), y);
   *   l.backward();
   *   return l;
   * });
   */
  step<L>(closure?: () => L): L | undefined {
    const loss = closure === undefined ? undefined : enableGrad(closure);
    // The update runs in its own scope: new state is kept, anything else made is released.
    scoped(`${this.constructor.name}.step`, () =>
      noGrad(() => {
        for (const group of this.paramGroups) this.updateGroup(group);
      }),
    );
    return loss;
  }

  /**
   * One step over one group, in place; parameters without gradient are left alone. `step` calls
   * it under `noGrad`.
   * @example
   * protected override updateGroup(group: ParamGroup<Hyper>): void {
   *   for (const p of group.params) if (p.grad !== null) p.sub_(p.grad.mul(group.lr));
   * }
   */
  protected abstract updateGroup(group: ParamGroup<H>): void;

  /**
   * A parameter's state read from a state dict (keys already camelCase, tensors already copied
   * and cast): check it and return it typed, or throw a `ValueError`/`ShapeError`.
   * @example
   * protected override restoreState(raw: Record<string, Tensor | null>): SGDState {
   *   return { momentumBuffer: raw.momentumBuffer ?? null };
   * }
   */
  protected abstract restoreState(
    raw: Record<string, Tensor | null>,
    param: Tensor,
    group: ParamGroup<H>,
  ): S;

  /**
   * Values for group keys that older PyTorch state dicts may lack (PyTorch's `__setstate__`
   * fills them in); any other missing hyper-parameter is an error.
   * @example return { nesterov: false, maximize: false }; // SGD's
   */
  protected compatDefaults(): Partial<H> {
    return {};
  }

  /**
   * The parameter's gradient data, checked to have the parameter's shape and dtype (the kernels
   * assume they match).
   * @example const g = this.gradData(p, p.grad!, 'MyOptimizer');
   */
  protected gradData(p: Tensor, grad: Tensor, op: string): FloatStorage {
    checkGrad(p, grad, op);
    return floatData(grad, op);
  }

  /**
   * The optimizer's state as PyTorch structures it: `{ state, param_groups }`. The tensors are
   * copies (PyTorch's `state_dict()` returns references to the live state; a copy cannot change
   * under you when the optimizer steps again).
   * @example opt.stateDict().param_groups[0].lr
   */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    let start = 0;
    const paramGroups = this.paramGroups.map((group) => {
      const packed: Record<string, HyperValue> = {};
      const entries: [string, unknown][] = Object.entries(group);
      for (const [key, value] of entries) {
        if (key === 'params' || value === undefined || value instanceof Tensor) continue;
        if (Array.isArray(value)) {
          if (value.every((e) => typeof e === 'number')) packed[toSnake(key)] = [...value];
        } else if (typeof value === 'number' || typeof value === 'boolean') {
          packed[toSnake(key)] = value;
        }
      }
      group.params.forEach((p, i) => {
        if (!index.has(p)) index.set(p, start + i);
      });
      const params = group.params.map((p) => index.get(p)!);
      start += params.length;
      return { ...packed, params };
    });
    const state: Record<number, Record<string, Tensor | null>> = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      const entry: Record<string, Tensor | null> = {};
      for (const [key, value] of Object.entries(s)) {
        if (value !== undefined) entry[toSnake(key)] = value === null ? null : copyTensor(value);
      }
      state[i] = entry;
    }
    return { state, param_groups: paramGroups };
  }

  /**
   * Loads a state dict from `stateDict()` (or converted from PyTorch's): the hyper-parameters
   * of every group and the state of every parameter, matched by position. Tensors are copied;
   * floating-point state is cast to its parameter's dtype, except `step`. Everything is checked
   * before anything changes, so a failed load leaves the optimizer as it was. PyTorch-only group
   * keys (`foreach`, `differentiable`, `capturable`, `fused`) are ignored.
   * @example opt.loadStateDict(saved); // saved = an earlier opt.stateDict()
   */
  loadStateDict(dict: OptimizerStateDict): void {
    const groups = this.paramGroups;
    const saved = dict.param_groups;
    if (groups.length !== saved.length) {
      throw new ValueError('loaded state dict has a different number of parameter groups');
    }
    if (groups.some((g, i) => g.params.length !== saved[i].params.length)) {
      throw new ValueError(
        "loaded state dict contains a parameter group that doesn't match the size of optimizer's group",
      );
    }
    const idMap = new Map<number, [Tensor, number]>();
    saved.forEach((sg, i) => {
      sg.params.forEach((id, j) => idMap.set(id, [groups[i].params[j], i]));
    });
    const newGroups = saved.map((sg, i) => this.unpackGroup(sg, i));
    // The copies are made in a scope: if a check throws, it releases them all; on success the
    // new state is kept and the copies it did not take are released. The state it replaces is
    // left to the collector (the caller may still hold it through `state`).
    scoped(`${this.constructor.name}.loadStateDict`, () => {
      const newState = new Map<Tensor, S>();
      for (const [key, entry] of Object.entries(dict.state)) {
        const found = idMap.get(Number(key));
        if (found === undefined) {
          throw new ValueError(
            `loaded state dict has state for parameter ${key}, which is in none of its groups`,
          );
        }
        const [p, gi] = found;
        const raw: Record<string, Tensor | null> = {};
        for (const [k, v] of Object.entries(entry)) {
          if (v !== null && !(v instanceof Tensor)) {
            throw new ValueError(`loaded state dict: state[${key}].${k} is not a Tensor or null`);
          }
          raw[toCamel(k)] = v === null ? null : castCopy(v, p, k === 'step');
        }
        newState.set(p, this.restoreState(raw, p, newGroups[gi]));
      }
      newGroups.forEach((g, i) => (groups[i] = g));
      this.state.clear();
      for (const [p, s] of newState) this.state.set(p, keepState(s));
    });
  }

  private unpackGroup(saved: PackedParamGroup, i: number): ParamGroup<H> {
    const current: Record<string, unknown> = this.paramGroups[i];
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(saved)) {
      if (k === 'params' || TORCH_ONLY_KEYS.has(k)) continue;
      const key = toCamel(k);
      if (key === 'initialLr') {
        if (typeof v !== 'number') {
          throw new ValueError(`loaded state dict: param_groups[${i}].initial_lr is not a number`);
        }
        out.initialLr = v;
        continue;
      }
      const template = key in this.defaults ? current[key] : undefined;
      if (template === undefined) {
        throw new ValueError(
          `loaded state dict has an unknown hyper-parameter '${k}' in param_groups[${i}]`,
        );
      }
      if (!sameKind(template, v)) {
        throw new ValueError(
          `loaded state dict has ${k} = ${fmtValue(v)} in param_groups[${i}], ` +
            `expected a value like ${fmtValue(template)}`,
        );
      }
      out[key] = Array.isArray(v) ? [...v] : v;
    }
    const compat: Record<string, unknown> = this.compatDefaults();
    for (const key of Object.keys(this.defaults)) {
      if (key in out) continue;
      if (compat[key] === undefined) {
        throw new ValueError(
          `loaded state dict is missing '${toSnake(key)}' in param_groups[${i}]`,
        );
      }
      out[key] = compat[key];
    }
    out.params = this.paramGroups[i].params;
    // Every key of H was checked above against the kind of value the live group holds.
    return out as ParamGroup<H>;
  }
}

/** A copy of a loaded state tensor, cast to the parameter's float dtype unless it is `step`. */
function castCopy(v: Tensor, p: Tensor, isStep: boolean): Tensor {
  if (isStep || v.dtype === 'int32' || p.dtype === 'int32' || v.dtype === p.dtype) {
    return copyTensor(v);
  }
  return noGrad(() => toDtype(v.detach(), p.dtype));
}
