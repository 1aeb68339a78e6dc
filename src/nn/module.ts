/**
 * `Module` and `Parameter`, PyTorch's way: parameters and submodules are found automatically
 * among a module's own fields (in declaration order); buffers are registered by name, with
 * PyTorch's key names, so `stateDict()` keys match a PyTorch model's.
 */
import { ShapeError, ValueError } from '../errors.js';
import { noGrad } from '../autograd/grad-mode.js';
import type { Storage } from '../tensor/dtype.js';
import { fmtShape, shapesEqual, type Shape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

/**
 * A leaf tensor that a module trains: it requires grad by default.
 * @example `this.weight = new Parameter(zeros([3]));`
 */
export class Parameter extends Tensor {
  constructor(data: Tensor | Storage, shape?: Shape, requiresGrad = true) {
    if (data instanceof Tensor) super(data.data, data.shape);
    else super(data, shape ?? [data.length]);
    if (requiresGrad) this.requiresGrad_(true);
  }
}

/** The state of a module: parameters and buffers by PyTorch's dotted names. */
export type StateDict = Record<string, Tensor>;

export interface LoadOptions {
  /** Require the keys to match exactly (default true). */
  strict?: boolean;
}

/** What `loadStateDict` found (it throws instead when strict and anything is off). */
export interface LoadResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

export abstract class Module {
  /** Training mode (the default) or evaluation mode; see `train()`/`eval()`. */
  training = true;
  private readonly _buffers = new Map<string, Tensor | null>();

  abstract forward(...inputs: Tensor[]): Tensor;

  /** Registers a buffer (state that is saved but not trained) under its PyTorch name. */
  protected registerBuffer(name: string, value: Tensor | null): void {
    this._buffers.set(name, value);
  }

  /** A registered buffer by its PyTorch name (null when registered as absent). */
  protected buffer(name: string): Tensor | null {
    const t = this._buffers.get(name);
    if (t === undefined) throw new ValueError(`${this.constructor.name} has no buffer '${name}'`);
    return t;
  }

  /** Direct submodules by name, in declaration order. */
  namedChildren(): [string, Module][] {
    return Object.entries(this).filter((e): e is [string, Module] => e[1] instanceof Module);
  }

  /** Own parameters by name (null parameters, like `bias` of a layer without one, are skipped). */
  private ownParameters(): [string, Parameter][] {
    return Object.entries(this).filter((e): e is [string, Parameter] => e[1] instanceof Parameter);
  }

  /** Parameters with dotted names, recursively, as PyTorch's `named_parameters()`. */
  namedParameters(prefix = ''): [string, Parameter][] {
    const out: [string, Parameter][] = this.ownParameters().map(([k, p]) => [prefix + k, p]);
    for (const [name, child] of this.namedChildren())
      out.push(...child.namedParameters(`${prefix}${name}.`));
    return out;
  }

  /** Buffers with dotted names, recursively (absent ones skipped). */
  namedBuffers(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [k, t] of this._buffers) if (t !== null) out.push([prefix + k, t]);
    for (const [name, child] of this.namedChildren())
      out.push(...child.namedBuffers(`${prefix}${name}.`));
    return out;
  }

  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Sets training mode here and in every submodule. */
  train(mode = true): this {
    this.training = mode;
    for (const [, child] of this.namedChildren()) child.train(mode);
    return this;
  }

  /** Evaluation mode (`train(false)`). */
  eval(): this {
    return this.train(false);
  }

  /**
   * Clears the gradients of all parameters: zeroes them in place, as PyTorch 1.13's default
   * `zero_grad(set_to_none=False)` does, or drops them with `setToNone: true`.
   */
  zeroGrad(options: { setToNone?: boolean } = {}): void {
    for (const p of this.parameters()) {
      if (p.grad === null) continue;
      if (options.setToNone === true) p.grad = null;
      else noGrad(() => p.grad!.detach_().zero_());
    }
  }

  /** Parameters then buffers, each module's before its children's, as PyTorch orders them. */
  stateDict(): StateDict {
    const out: StateDict = {};
    const visit = (m: Module, prefix: string): void => {
      for (const [k, p] of m.ownParameters()) out[prefix + k] = p.detach();
      for (const [k, t] of m._buffers) if (t !== null) out[prefix + k] = t.detach();
      for (const [name, child] of m.namedChildren()) visit(child, `${prefix}${name}.`);
    };
    visit(this, '');
    return out;
  }

  /**
   * Copies values from `dict` into the parameters and buffers (under `noGrad`). Every problem is
   * found before anything is written, so a failed load changes nothing; the error lists missing,
   * unexpected and mis-shaped keys by name.
   */
  loadStateDict(dict: StateDict, options: LoadOptions = {}): LoadResult {
    const strict = options.strict ?? true;
    const own = this.stateDict();
    const targets = new Map<string, Tensor>([...this.namedParameters(), ...this.namedBuffers()]);
    const missingKeys = Object.keys(own).filter((k) => !(k in dict));
    const unexpectedKeys = Object.keys(dict).filter((k) => !(k in own));
    const misShaped = Object.keys(dict)
      .filter((k) => k in own && !shapesEqual(dict[k].shape, own[k].shape))
      .map(
        (k) =>
          `size mismatch for ${k}: copying a param with shape ${fmtShape(dict[k].shape)}, the shape in current model is ${fmtShape(own[k].shape)}`,
      );
    const problems: string[] = [...misShaped];
    if (strict && missingKeys.length > 0)
      problems.push(`Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(', ')}`);
    if (strict && unexpectedKeys.length > 0)
      problems.push(
        `Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(', ')}`,
      );
    if (problems.length > 0) {
      throw new ShapeError(
        `Error(s) in loading state_dict for ${this.constructor.name}:\n\t${problems.join('\n\t')}`,
      );
    }
    noGrad(() => {
      for (const [k, t] of targets) {
        const src = dict[k];
        if (src === undefined) continue;
        t.data.set(src.dtype === t.dtype ? src.data : src.to(t.dtype).data);
        t._version.value++;
      }
    });
    return { missingKeys, unexpectedKeys };
  }
}
