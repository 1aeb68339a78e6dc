/**
 * Layers: `Linear`, the activations `ReLU`, `Tanh`, `Sigmoid`, `GELU`, and `Dropout`, `Flatten`,
 * `Identity` and the container `Sequential`, with PyTorch's constructors, defaults, parameter
 * names and initialisation. Each forward is a call of a public op or of `nn.functional`.
 */
import { ValueError } from '../errors.js';
import type { FloatDType } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { sigmoid, tanh } from '../ops/elementwise.js';
import { flatten, unflatten } from '../ops/shape.js';
import {
  checkDropoutP,
  dropout,
  gelu,
  linear,
  relu,
  type GeluApproximate,
  type GeluOptions,
} from './functional/activation.js';
import { filledParameter, Module, type Parameter } from './module.js';
import { pyBool, pyFloat, pyStr, pyTuple } from './repr.js';
import { resetWeightAndBias } from './reset.js';

/** Options of `new nn.Linear(inFeatures, outFeatures, options)`. */
export interface LinearOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
  /** The dtype of weight and bias (default float32). */
  dtype?: FloatDType;
}

function checkFeatures(name: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) {
    throw new ValueError(`Linear: ${name} must be a non-negative integer (got ${n})`);
  }
}

/**
 * y = x·Wᵀ + b, `torch.nn.Linear`: `weight` has shape [outFeatures, inFeatures], `bias`
 * [outFeatures]. Initialised as PyTorch does, from the global seeded generator: weight by
 * `kaimingUniform_(w, { a: √5 })`, which is U(−1/√in, 1/√in), then bias from U(−1/√in, 1/√in).
 *
 * @example
 * ```ts
 * manualSeed(0);
 * const fc = new nn.Linear(784, 10);
 * const logits = fc.forward(x); // x: [batch, 784] (any leading dims)
 * ```
 */
export class Linear extends Module {
  /** The size of the input's last dim. */
  readonly inFeatures: number;
  /** The size of the output's last dim. */
  readonly outFeatures: number;
  /** W, of shape [outFeatures, inFeatures]. */
  weight: Parameter;
  /** b, of shape [outFeatures]; null with `bias: false`. */
  bias: Parameter | null;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    const { bias = true, dtype = 'float32' } = options;
    checkFeatures('inFeatures', inFeatures);
    checkFeatures('outFeatures', outFeatures);
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = filledParameter([outFeatures, inFeatures], 0, dtype);
    this.bias = bias ? filledParameter([outFeatures], 0, dtype) : null;
    this.resetParameters();
  }

  /**
   * Draws fresh weights (then bias), as at construction.
   * @example manualSeed(1); fc.resetParameters();
   */
  resetParameters(): void {
    resetWeightAndBias(this.weight, this.bias);
  }

  /**
   * y = x·Wᵀ + b over the last dim of `input`.
   * @example new nn.Linear(4, 2).forward(zeros([3, 4])).shape // [3, 2]
   */
  forward(input: Tensor): Tensor {
    return linear(input, this.weight, this.bias);
  }

  /** `in_features=784, out_features=256, bias=True`, as PyTorch prints it. */
  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`;
  }
}

/**
 * max(x, 0) elementwise, `torch.nn.ReLU`.
 * @example new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 2))
 */
export class ReLU extends Module {
  /**
   * max(input, 0); the gradient passes where the output is positive.
   * @example new nn.ReLU().forward(tensor([-1, 2])) // tensor([0., 2.])
   */
  forward(input: Tensor): Tensor {
    return relu(input);
  }
}

/**
 * tanh elementwise, `torch.nn.Tanh`.
 * @example new nn.Sequential(new nn.Linear(4, 8), new nn.Tanh())
 */
export class Tanh extends Module {
  /**
   * tanh(input); gradient g·(1 − tanh²).
   * @example new nn.Tanh().forward(tensor([0, 1])) // tensor([0.0000, 0.7616])
   */
  forward(input: Tensor): Tensor {
    return tanh(input);
  }
}

/**
 * 1/(1 + e⁻ˣ) elementwise, `torch.nn.Sigmoid`.
 * @example new nn.Sequential(new nn.Linear(4, 1), new nn.Sigmoid())
 */
export class Sigmoid extends Module {
  /**
   * σ(input); gradient g·σ(1 − σ).
   * @example new nn.Sigmoid().forward(tensor([0])) // tensor([0.5000])
   */
  forward(input: Tensor): Tensor {
    return sigmoid(input);
  }
}

/**
 * x·Φ(x) elementwise (`approximate: 'tanh'` for the tanh form), `torch.nn.GELU`.
 * @example new nn.GELU({ approximate: 'tanh' })
 */
export class GELU extends Module {
  /** `'none'` for the exact x·Φ(x), `'tanh'` for the tanh approximation. */
  readonly approximate: GeluApproximate;

  constructor(options: GeluOptions = {}) {
    super();
    this.approximate = options.approximate ?? 'none';
    if (this.approximate !== 'none' && this.approximate !== 'tanh') {
      throw new ValueError(
        `approximate argument must be either none or tanh. (got '${String(this.approximate)}')`,
      );
    }
  }

  /**
   * gelu(input) in the chosen form.
   * @example new nn.GELU().forward(tensor([0, 1])) // tensor([0.0000, 0.8413])
   */
  forward(input: Tensor): Tensor {
    return gelu(input, { approximate: this.approximate });
  }

  /** `approximate='none'`, as PyTorch prints it. */
  override extraRepr(): string {
    return `approximate=${pyStr(this.approximate)}`;
  }
}

/**
 * Zeroes each element with probability p in training and scales the rest by 1/(1 − p); the
 * identity in evaluation. The mask comes from the global seeded generator (see
 * `nn.functional.dropout`).
 * @example const drop = new nn.Dropout(0.1); drop.eval();
 */
export class Dropout extends Module {
  /** The probability of zeroing an element. */
  readonly p: number;

  constructor(p = 0.5) {
    super();
    checkDropoutP(p);
    this.p = p;
  }

  /**
   * In training, `input` with each element zeroed with probability p and the rest scaled by
   * 1/(1 − p); in evaluation, `input` itself.
   * @example new nn.Dropout(0.5).eval().forward(x) // x itself
   */
  forward(input: Tensor): Tensor {
    return dropout(input, { p: this.p, training: this.training });
  }

  /** `p=0.5, inplace=False`, as PyTorch prints it. */
  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=False`;
  }
}

/**
 * Merges dims `startDim..endDim` into one (default: everything but the batch dim), as
 * `torch.nn.Flatten`.
 * @example new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 10))
 */
export class Flatten extends Module {
  /** The first dim merged (default 1). */
  readonly startDim: number;
  /** The last dim merged (default −1). */
  readonly endDim: number;

  constructor(startDim = 1, endDim = -1) {
    super();
    this.startDim = startDim;
    this.endDim = endDim;
  }

  /**
   * `input` with dims `startDim..endDim` merged (a view).
   * @example new nn.Flatten().forward(zeros([2, 28, 28])).shape // [2, 784]
   */
  forward(input: Tensor): Tensor {
    return flatten(input, this.startDim, this.endDim);
  }

  /** `start_dim=1, end_dim=-1`, as PyTorch prints it. */
  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}

/**
 * Splits dim `dim` into `unflattenedSize`, as `torch.nn.Unflatten`: the inverse of {@link Flatten}.
 * @example new nn.Sequential(new nn.Unflatten(1, [1, 28, 28]), new nn.Conv2d(1, 16, 3))
 */
export class Unflatten extends Module {
  /** The dim split. */
  readonly dim: number;
  /** The sizes it is split into (one may be −1). */
  readonly unflattenedSize: readonly number[];

  constructor(dim: number, unflattenedSize: readonly number[]) {
    super();
    this.dim = dim;
    this.unflattenedSize = [...unflattenedSize];
  }

  /**
   * `input` with dim `dim` split (a view).
   * @example new nn.Unflatten(1, [1, 28, 28]).forward(zeros([2, 784])).shape // [2, 1, 28, 28]
   */
  forward(input: Tensor): Tensor {
    return unflatten(input, this.dim, this.unflattenedSize);
  }

  override extraRepr(): string {
    return `dim=${this.dim}, unflattened_size=${pyTuple(this.unflattenedSize)}`;
  }
}

/**
 * Returns its input, `torch.nn.Identity`: a placeholder where a layer is optional.
 * @example const norm = useNorm ? new nn.BatchNorm1d(8) : new nn.Identity();
 */
export class Identity extends Module {
  /**
   * `input` itself.
   * @example new nn.Identity().forward(x) === x // true
   */
  forward(input: Tensor): Tensor {
    return input;
  }
}

/**
 * A chain of modules, `torch.nn.Sequential`: `forward` feeds each module's output to the next.
 * The modules are fields named '0', '1', …, so they are found as children in that order and the
 * state-dict keys read `0.weight`, `2.running_mean`, as in PyTorch; `seq[0]` and `seq.at(-1)`
 * index them.
 *
 * @example
 * ```ts
 * const model = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 2));
 * model.stateDict(); // keys 0.weight, 0.bias, 2.weight, 2.bias
 * ```
 */
export class Sequential extends Module {
  [index: number]: Module;

  constructor(...modules: Module[]) {
    super();
    for (const m of modules) this.append(m);
  }

  /** The number of modules. */
  get length(): number {
    return this.namedChildren().length;
  }

  /**
   * The module at `index` (negative counts from the end), as `seq[index]` in PyTorch.
   * @example model.at(-1) // the last layer
   */
  at(index: number): Module {
    const n = this.length;
    if (!Number.isInteger(index) || index < -n || index >= n) {
      throw new ValueError(`index ${index} is out of range`);
    }
    return this[index < 0 ? index + n : index];
  }

  /**
   * Adds `module` at the end, under the next number.
   * @example model.append(new nn.ReLU())
   */
  append(module: Module): this {
    if (!(module instanceof Module)) {
      throw new ValueError(`Sequential: ${String(module)} is not a Module subclass`);
    }
    this[this.length] = module;
    return this;
  }

  /**
   * Feeds `input` through the modules in order.
   * @example model.forward(zeros([1, 4])).shape // [1, 2]
   */
  forward(input: Tensor): Tensor {
    let x = input;
    for (const [, m] of this.namedChildren()) x = m.forward(x);
    return x;
  }

  /**
   * The modules in order.
   * @example for (const layer of model) layer.train(false);
   */
  *[Symbol.iterator](): Iterator<Module> {
    for (const [, m] of this.namedChildren()) yield m;
  }
}
