/**
 * `Module` and `Parameter`, PyTorch's way: parameters and submodules are found automatically
 * among a module's own fields (in declaration order); buffers are registered by name, with
 * PyTorch's key names, so `stateDict()` keys match a PyTorch model's.
 */
import { ShapeError, ValueError } from '../errors.js';
import { noGrad } from '../autograd/grad-mode.js';
import type { FloatDType, Storage } from '../tensor/dtype.js';
import { full } from '../ops/creation.js';
import { fmtShape, shapesEqual, type Shape } from '../tensor/shape.js';
import { inspectCustom, keep, releaseOwned, scoped, Tensor } from '../tensor/tensor.js';
import { addIndent } from './repr.js';

/**
 * A leaf tensor that a module trains: it requires grad by default, and a `Module` finds it among
 * its fields. Made from a tensor, it shares that tensor's storage. It is kept (`keep`): no `tidy`
 * releases it, only `dispose()` or the garbage collector.
 * @example this.weight = new Parameter(zeros([3]));
 */
export class Parameter extends Tensor {
  constructor(data: Tensor | Storage, shape?: Shape, requiresGrad = true) {
    if (data instanceof Tensor) super(data._retainBlock(), data.shape);
    else super(data, shape ?? [data.length]);
    keep(this);
    if (requiresGrad) this.requiresGrad_(true);
  }
}

/**
 * @internal A new parameter of `shape` filled with `value`. The tensor it is made from is
 * disposed, so that the parameter is the only holder of its storage and `dispose()` frees it.
 */
export function filledParameter(shape: Shape, value: number, dtype: FloatDType): Parameter {
  const t = full(shape, value, { dtype });
  const p = new Parameter(t);
  t.dispose();
  return p;
}

/** The state of a module: parameters and buffers by PyTorch's dotted names. */
export type StateDict = Record<string, Tensor>;

/** Options of `loadStateDict`. */
export interface LoadOptions {
  /** Require the keys to match exactly (default true). */
  strict?: boolean;
}

/** What `loadStateDict` found (it throws instead when strict and anything is off). */
export interface LoadResult {
  /** Keys of the module that `dict` lacks; those values were left unchanged. */
  missingKeys: string[];
  /** Keys of `dict` that the module does not have; they were ignored. */
  unexpectedKeys: string[];
}

/**
 * The base of every layer, as `torch.nn.Module`: a subclass assigns `Parameter`s and submodules
 * to its fields, where they are found by reflection (in declaration order), and implements
 * `forward`. Buffers, state that is saved but not trained, are registered by name.
 *
 * @example
 * ```ts
 * class Scale extends nn.Module {
 *   weight = new nn.Parameter(ones([3]));
 *   override forward(x: Tensor): Tensor {
 *     return x.mul(this.weight);
 *   }
 * }
 * new Scale().stateDict(); // { weight: tensor([1., 1., 1.]) }
 * ```
 */
export abstract class Module {
  /** Training mode (the default) or evaluation mode; see `train()`/`eval()`. */
  training = true;
  private readonly _buffers = new Map<string, Tensor | null>();

  constructor() {
    // `forward` runs in its own scope: the intermediates it makes and does not return are
    // released when it returns (a tensor a forward keeps in a field needs `keep`).
    const forward = this.forward;
    const label = `${new.target.name}.forward`;
    this.forward = (...inputs: Tensor[]): Tensor =>
      scoped(label, () => forward.apply(this, inputs));
  }

  /**
   * The module's computation. Call it directly: JavaScript has no `__call__`.
   * @example const y = model.forward(x);
   */
  abstract forward(...inputs: Tensor[]): Tensor;

  /**
   * Registers a buffer (state that is saved but not trained) under its PyTorch name; `null`
   * declares it absent, so it is left out of the state dict.
   * @example this.registerBuffer('running_mean', zeros([c]));
   */
  protected registerBuffer(name: string, value: Tensor | null): void {
    this._buffers.set(name, value === null ? null : keep(value));
  }

  /**
   * A registered buffer by its PyTorch name (null when registered as absent).
   * @example const runningMean = this.buffer('running_mean');
   */
  protected buffer(name: string): Tensor | null {
    const t = this._buffers.get(name);
    if (t === undefined) throw new ValueError(`${this.constructor.name} has no buffer '${name}'`);
    return t;
  }

  /**
   * The module's own settings as PyTorch's `extra_repr()` spells them, shown between the
   * parentheses of `toString()` (`in_features=4, out_features=2, bias=True` for a Linear); empty
   * by default. A subclass with settings overrides it; Python's spellings are in `nn/repr.ts`.
   * @example new nn.Linear(4, 2).extraRepr() // 'in_features=4, out_features=2, bias=True'
   */
  extraRepr(): string {
    return '';
  }

  /**
   * The module tree as PyTorch prints a module: `Name(extraRepr)` for a leaf, and for a module
   * with children one line per child, `(name): child`, indented two spaces per level.
   * @example
   * String(new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU()))
   * // 'Sequential(\n  (0): Linear(in_features=784, out_features=256, bias=True)\n  (1): ReLU()\n)'
   */
  toString(): string {
    // torch.nn.Module.__repr__, line for line.
    const extra = this.extraRepr();
    const extraLines = extra === '' ? [] : extra.split('\n');
    const childLines = this.namedChildren().map(
      ([name, child]) => `(${name}): ${addIndent(child.toString(), 2)}`,
    );
    const lines = [...extraLines, ...childLines];
    let main = `${this.constructor.name}(`;
    if (extraLines.length === 1 && childLines.length === 0) main += extraLines[0];
    else if (lines.length > 0) main += `\n  ${lines.join('\n  ')}\n`;
    return `${main})`;
  }

  /** `console.log(module)` in Node prints the same tree as `toString()`. */
  [inspectCustom](): string {
    return this.toString();
  }

  /**
   * Direct submodules by name, in declaration order.
   * @example model.namedChildren().map(([name]) => name) // ['0', '1', '2'] for a Sequential
   */
  namedChildren(): [string, Module][] {
    return Object.entries(this).filter((e): e is [string, Module] => e[1] instanceof Module);
  }

  /** Own parameters by name (null parameters, like `bias` of a layer without one, are skipped). */
  private ownParameters(): [string, Parameter][] {
    return Object.entries(this).filter((e): e is [string, Parameter] => e[1] instanceof Parameter);
  }

  /**
   * Parameters with dotted names, recursively, as PyTorch's `named_parameters()`.
   * @example model.namedParameters().map(([name]) => name) // ['0.weight', '0.bias', …]
   */
  namedParameters(prefix = ''): [string, Parameter][] {
    const out: [string, Parameter][] = this.ownParameters().map(([k, p]) => [prefix + k, p]);
    for (const [name, child] of this.namedChildren())
      out.push(...child.namedParameters(`${prefix}${name}.`));
    return out;
  }

  /**
   * Buffers with dotted names, recursively (absent ones skipped).
   * @example new nn.BatchNorm1d(4).namedBuffers().map(([name]) => name) // running_mean, …
   */
  namedBuffers(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [k, t] of this._buffers) if (t !== null) out.push([prefix + k, t]);
    for (const [name, child] of this.namedChildren())
      out.push(...child.namedBuffers(`${prefix}${name}.`));
    return out;
  }

  /**
   * All parameters, recursively, in `namedParameters()` order: what an optimizer takes.
   * @example const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
   */
  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /**
   * Sets training mode here and in every submodule (BatchNorm and Dropout read it).
   * @example model.train();
   */
  train(mode = true): this {
    this.training = mode;
    for (const [, child] of this.namedChildren()) child.train(mode);
    return this;
  }

  /**
   * Evaluation mode (`train(false)`).
   * @example model.eval();
   */
  eval(): this {
    return this.train(false);
  }

  /**
   * Clears the gradients of all parameters: zeroes them in place, as PyTorch 1.13's default
   * `zero_grad(set_to_none=False)` does, or drops them with `setToNone: true`.
   * @example model.zeroGrad();
   */
  zeroGrad(options: { setToNone?: boolean } = {}): void {
    for (const p of this.parameters()) {
      const grad = p.grad;
      if (grad === null) continue;
      if (options.setToNone === true) {
        p.grad = null;
        // The library's `.grad` (backward kept it) is released now, not when the collector runs.
        if (grad._kept)
          releaseOwned(grad, 'zeroGrad({ setToNone: true }), which dropped this .grad');
      } else noGrad(() => grad.detach_().zero_());
    }
  }

  /**
   * Detached parameters and buffers by dotted name: parameters then buffers, each module's before
   * its children's, as PyTorch orders them. The tensors share storage with the module.
   * @example save(model.stateDict(), 'model.safetensors');
   */
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
   * @example model.loadStateDict(load('model.safetensors'));
   */
  loadStateDict(dict: StateDict, options: LoadOptions = {}): LoadResult {
    // A scope releases the aliases of `stateDict()` and the copies' intermediates.
    return scoped(`${this.constructor.name}.loadStateDict`, () => {
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
        problems.push(
          `Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(', ')}`,
        );
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
          // copy_ casts to the target's dtype and bumps its version.
          if (src !== undefined) t.copy_(src);
        }
      });
      return { missingKeys, unexpectedKeys };
    });
  }
}
