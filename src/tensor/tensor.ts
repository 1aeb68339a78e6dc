import {
  AutogradError,
  DTypeError,
  MemoryError,
  ReleasedTensorError,
  ValueError,
} from '../errors.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import type { GradHook, Node } from '../autograd/node.js';
import { backward as runBackward, type BackwardOptions } from '../autograd/engine.js';
import * as E from '../ops/elementwise.js';
import * as R from '../ops/reduce.js';
import * as S from '../ops/shape.js';
import * as L from '../ops/linalg.js';
import * as C from '../ops/composite.js';
import * as I from '../ops/inplace.js';
import * as Split from '../ops/split.js';
import { formatTensor } from './format.js';
import { dtypeOf, isFloat, type DType, type FloatDType, type Storage } from './dtype.js';
import { fmtShape, numelOf, type Shape } from './shape.js';
import { Block } from '../storage/block.js';
import { isResident } from '../storage/memory.js';
import {
  innermostFunction,
  inScope,
  keepTensor,
  SMALL_BYTES,
  track,
  unregister,
  untracked,
  openUserScope,
  tensorsIn,
  withScope,
  type ReleaseReason,
  type Scope,
  type ScopeHandle,
} from './scope.js';

/**
 * @internal Node's `util.inspect.custom` symbol. `Symbol.for` reaches the same symbol without
 * importing `node:util`, which browsers do not have.
 */
export const inspectCustom: unique symbol = Symbol.for('nodejs.util.inspect.custom');

/** A nested JavaScript array of numbers, as `toArray()` returns and `tensor()` accepts. */
export type NestedArray = number | NestedArray[];

/** Shared by a tensor and its views (reshape, detach): in-place ops on either bump it. */
export interface VersionCounter {
  value: number;
}

/** A handle returned by `registerHook`; `remove()` unregisters the hook. */
export interface RemovableHandle {
  /**
   * Unregisters the hook; calling it again does nothing.
   * @example const handle = x.registerHook((g) => g.mul(2)); handle.remove();
   */
  remove(): void;
}

type Operand = Tensor | number;

/** Off while `_share` makes the tape's reference, which no scope records. */
let tracking = true;

/**
 * The Tensor: contiguous row-major storage in a typed array, a shape, a dtype, and its place on
 * the tape (`gradFn` for results of recorded ops; `null` for leaves). Methods mirror the functions
 * in `src/ops` (`x.add(y)` is `add(x, y)`); all gradient logic lives in the ops and the engine.
 * Create tensors with `tensor`, `zeros`, `randn` and the other creation functions.
 *
 * @example
 * ```ts
 * const x = tensor([1, 2, 3], { requiresGrad: true });
 * const y = x.mul(x).sum(); // tensor(14., grad_fn=<SumBackward0>)
 * y.backward();
 * x.grad; // tensor([2., 4., 6.])
 * ```
 */
export class Tensor {
  /** The size of each dimension, outermost first (`[]` for a 0-d tensor); frozen. */
  readonly shape: readonly number[];
  /** The element type, fixed for the tensor's lifetime; `to()` makes a converted copy. */
  readonly dtype: DType;
  /** The accumulated gradient of a leaf after `backward()`, or of a non-leaf after `retainGrad()`. */
  grad: Tensor | null = null;
  /** The tape node that produced this tensor; `null` for leaves. */
  gradFn: Node | null = null;
  /** @internal Version counter checked by backward for in-place modification. */
  _version: VersionCounter;
  /** @internal The tensor whose storage this view (a reshape) shares, or null. */
  _base: Tensor | null = null;
  /** @internal The op that produced this tensor as a copy where PyTorch returns a view, or null. */
  _copyOf: string | null = null;
  /** @internal Hooks of a leaf (non-leaf hooks live on its node), or null before the first. */
  _hooks: GradHook[] | null = null;
  /** @internal The storage, shared with views; one reference is this tensor's. */
  readonly _block: Block;
  /** @internal What released this tensor's storage, or null while it holds it. */
  _released: ReleaseReason | null = null;
  /** @internal The scope that will release this tensor unless it survives, or null. */
  _scope: Scope | null = null;
  /** @internal Registered with the garbage collector's finalizer. */
  _registered = false;
  /** @internal Kept (`keep`): no scope releases it. */
  _kept = false;
  /** @internal For the tape's own reference to a leaf: the leaf, which gradients reach. */
  _leafOf: Tensor | null = null;
  private _requiresGrad = false;

  /**
   * @internal Use `tensor()` and the other creation functions. `data` is a block (whose
   * reference passes to this tensor) or a plain typed array that the tensor takes over.
   */
  constructor(data: Block | Storage, shape: Shape, version?: VersionCounter) {
    let block: Block;
    if (data instanceof Block) {
      block = data;
    } else {
      if (isResident(data)) {
        throw new Error('tapegrad internal error: a view on the tensor memory is not a tensor');
      }
      block = Block.adopt(data, dtypeOf(data));
    }
    if (block.length !== numelOf(shape)) {
      throw new ValueError(`Tensor: ${block.length} elements cannot have shape ${fmtShape(shape)}`);
    }
    this._block = block;
    // A frozen shape (another tensor's) is shared as it is.
    this.shape = Object.isFrozen(shape) ? shape : Object.freeze([...shape]);
    this.dtype = block.dtype;
    this._version = version ?? { value: 0 };
    if (tracking) track(this);
  }

  /**
   * The elements, row-major: a typed array over this tensor's storage, shared with its views
   * (reshape, detach). Writing into it changes the tensor without bumping its version, so a
   * backward that saved it will not notice: prefer the in-place ops.
   */
  get data(): Storage {
    if (this._released !== null) throw releasedError(this);
    return this._block.data;
  }

  /**
   * Releases this tensor's memory now, and its `.grad`'s, instead of when the garbage collector
   * finds it (TensorFlow.js's `dispose`). Views share the memory: it is freed when the last of
   * them is released. Using the tensor afterwards throws `ReleasedTensorError`; disposing it
   * again does nothing.
   * @example const y = x.exp(); console.log(y.sum().item()); y.dispose();
   */
  dispose(): void {
    this._release({ kind: 'dispose' });
    if (this.grad !== null) {
      this.grad._release({ kind: 'dispose' });
      this.grad = null;
    }
  }

  /** Whether this tensor's memory was released (`dispose`, `tidy`, …). */
  get isDisposed(): boolean {
    return this._released !== null;
  }

  /** @internal Drops this tensor's reference to its storage. */
  _release(reason: ReleaseReason): void {
    if (this._released !== null) return;
    this._released = reason;
    unregister(this);
    this._block.release();
  }

  /** @internal A new reference to this tensor's storage, for a new tensor to take over. */
  _retainBlock(): Block {
    if (this._released !== null) throw releasedError(this);
    this._block.retain();
    return this._block;
  }

  /** @internal A new tensor of `shape` on this tensor's storage and version counter, off the tape. */
  _alias(shape: Shape): Tensor {
    return new Tensor(this._retainBlock(), shape, this._version);
  }

  /**
   * @internal Another reference to this tensor's storage, with its place on the tape, that no
   * scope releases: the tape's own reference to a value it saved.
   */
  _share(): Tensor {
    if (this._released !== null) throw releasedError(this);
    this._block.retain();
    tracking = false;
    const t = new Tensor(this._block, this.shape, this._version);
    tracking = true;
    t.gradFn = this.gradFn;
    t._requiresGrad = this._requiresGrad;
    t._base = this._base;
    t._copyOf = this._copyOf;
    t._leafOf = this.isLeaf && this.requiresGrad ? (this._leafOf ?? this) : null;
    untracked(t);
    return t;
  }

  // ---- properties -------------------------------------------------------------------------

  /**
   * Whether ops on this tensor are recorded for backward (PyTorch's `requires_grad`). Results of
   * recorded ops require grad whenever one of their inputs does.
   */
  get requiresGrad(): boolean {
    return this._requiresGrad;
  }
  /**
   * Turns recording on or off, as `requiresGrad_(on)` does: only a leaf can turn it off, and an
   * int32 tensor cannot turn it on.
   */
  set requiresGrad(on: boolean) {
    this.requiresGrad_(on);
  }
  /** True for tensors not produced by a recorded op (user-created tensors, parameters). */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }
  /** Number of elements (PyTorch's `numel()`). */
  get size(): number {
    return this._block.length;
  }
  /**
   * Number of elements, the product of the sizes (the method form of `size`).
   * @example zeros([2, 3]).numel() // 6
   */
  numel(): number {
    return this._block.length;
  }
  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }
  /**
   * Number of dimensions (the method form of `ndim`).
   * @example zeros([2, 3]).dim() // 2
   */
  dim(): number {
    return this.shape.length;
  }
  /** The version counter's value: how many in-place ops have modified this storage. */
  get version(): number {
    return this._version.value;
  }

  /** @internal Marks this tensor as the output of a recorded node. */
  _setHistory(node: Node | null): void {
    this.gradFn = node;
    this._requiresGrad = node !== null || this._requiresGrad;
  }

  // ---- values -----------------------------------------------------------------------------

  /**
   * The value of a one-element tensor as a JS number (PyTorch's `item()`).
   * @example tensor([[2.5]]).item() // 2.5
   */
  item(): number {
    if (this.size !== 1) {
      throw new ValueError(
        `item: a Tensor with ${this.size} elements cannot be converted to Scalar`,
      );
    }
    return this.data[0];
  }

  /**
   * The elements as nested arrays (a number for a 0-d tensor), the inverse of `tensor()`.
   * @example tensor([[1, 2], [3, 4]]).toArray() // [[1, 2], [3, 4]]
   */
  toArray(): NestedArray {
    const data = this.data;
    const build = (dim: number, offset: number): NestedArray => {
      if (dim === this.shape.length) return data[offset];
      const n = this.shape[dim];
      const stride = numelOf(this.shape.slice(dim + 1));
      const out: NestedArray[] = [];
      for (let i = 0; i < n; i++) out.push(build(dim + 1, offset + i * stride));
      return out;
    };
    return build(0, 0);
  }

  /**
   * Printed as PyTorch 1.13 prints it, under the current `printOptions`.
   * @example
   * const w = tensor([1, 2], { requiresGrad: true });
   * w.toString() // 'tensor([1., 2.], requires_grad=True)'
   */
  toString(): string {
    return formatTensor(this, { requiresGrad: this.requiresGrad, gradFn: this.gradFn?.name });
  }

  /**
   * `console.log(t)` in Node prints what `toString()` prints (Node looks this symbol up). A
   * released tensor, whose values are gone, prints as `Tensor [float32 [2, 3]] (released)`
   * instead of throwing, so that logging never breaks a program.
   */
  [inspectCustom](): string {
    if (this._released !== null) return `Tensor [${this.dtype} ${fmtShape(this.shape)}] (released)`;
    return this.toString();
  }

  /**
   * A copy with its own storage; the copy stays on the tape (`CloneBackward0`).
   * @example const y = x.clone(); // y.add_(1) leaves x unchanged
   */
  clone(): Tensor {
    return E.clone(this);
  }

  /**
   * A new leaf sharing this storage and version counter, cut off from the tape: no gradient
   * flows back through it.
   * @example const target = pred.detach(); // a constant in the loss below
   */
  detach(): Tensor {
    return this._alias(this.shape);
  }

  /**
   * Cuts this tensor off from the tape in place: it becomes a leaf that does not require grad.
   * @example h.detach_(); // truncated backpropagation through time
   */
  detach_(): this {
    this.gradFn = null;
    this._requiresGrad = false;
    return this;
  }

  /**
   * Sets whether autograd records ops on this leaf.
   * @example const w = zeros([3]).requiresGrad_();
   */
  requiresGrad_(on = true): this {
    // A non-leaf already requires grad; only turning it off is an error, as in PyTorch.
    if (!this.isLeaf && on) return this;
    if (!this.isLeaf) {
      throw new AutogradError(
        'you can only change requires_grad flags of leaf variables. If you want to use a computed ' +
          "variable in a subgraph that doesn't require differentiation use varNoGrad = var.detach().",
      );
    }
    if (on && !isFloat(this.dtype)) {
      throw new DTypeError(
        `only Tensors of floating point dtype can require gradients (got ${this.dtype})`,
      );
    }
    this._requiresGrad = on;
    return this;
  }

  /**
   * Makes a non-leaf keep its gradient in `.grad` after backward (leaves always do).
   * @example
   * const h = x.mul(2);
   * h.retainGrad();
   * h.sum().backward(); // h.grad: ones of h's shape
   */
  retainGrad(): void {
    if (!this.requiresGrad)
      throw new AutogradError("can't retain_grad on Tensor that has requires_grad=False");
    if (this.gradFn !== null) this.gradFn.retained = this;
  }

  /**
   * Registers `fn` to see (and optionally replace) this tensor's gradient during backward.
   * @example x.registerHook((g) => g.mul(2));
   */
  registerHook(fn: GradHook): RemovableHandle {
    if (!this.requiresGrad) {
      throw new AutogradError("cannot register a hook on a tensor that doesn't require gradient");
    }
    const list = this.gradFn !== null ? this.gradFn.hooks : (this._hooks ??= []);
    list.push(fn);
    return {
      remove: () => {
        const i = list.indexOf(fn);
        if (i >= 0) list.splice(i, 1);
      },
    };
  }

  /**
   * Accumulates gradients of this tensor into the leaves' `.grad`. `gradient` (the upstream
   * gradient) may be omitted for a one-element tensor, where it is 1.
   * @example
   * loss.backward();
   * y.backward(dy, { retainGraph: true });
   */
  backward(gradient?: Tensor, options: BackwardOptions = {}): void {
    runBackward([this], [gradient ?? null], options);
  }

  /** @internal Throws unless grad mode allows an in-place change of this tensor. */
  _checkInplace(op: string): void {
    if (this._copyOf !== null) {
      throw new ValueError(
        `${op}: this tensor is the result of ${this._copyOf}(), which in tapegrad is a copy, not a ` +
          'view as in PyTorch, so an in-place change would not reach the tensor it came from. ' +
          'Write to the original tensor, or call clone() first if a separate copy is intended.',
      );
    }
    if (!isGradEnabled()) return;
    if (this.isLeaf && this.requiresGrad) {
      throw new AutogradError(
        `${op}: a leaf Variable that requires grad is being used in an in-place operation.`,
      );
    }
    const base = this._base;
    if (base !== null && base.requiresGrad) {
      if (base.isLeaf) {
        throw new AutogradError(
          `${op}: a view of a leaf Variable that requires grad is being used in an in-place operation.`,
        );
      }
      // PyTorch rebases the base's history here (CopySlices); tapegrad refuses rather than be wrong.
      throw new AutogradError(
        `${op}: in-place modification of a view of a tensor that requires grad is not supported; ` +
          'clone() the view first',
      );
    }
  }

  // ---- elementwise ------------------------------------------------------------------------
  /**
   * this + alpha·other, broadcasting; a number acts as a scalar of this tensor's dtype.
   * @example tensor([1, 2]).add(tensor([10, 20]), 2) // tensor([21., 42.])
   */
  add(other: Operand, alpha?: number): Tensor {
    return E.add(this, other, alpha);
  }
  /**
   * this − alpha·other, broadcasting.
   * @example tensor([5, 7]).sub(1) // tensor([4., 6.])
   */
  sub(other: Operand, alpha?: number): Tensor {
    return E.sub(this, other, alpha);
  }
  /**
   * Elementwise product, broadcasting; each side's gradient is g times the other side.
   * @example tensor([1, 2, 3]).mul(2) // tensor([2., 4., 6.])
   */
  mul(other: Operand): Tensor {
    return E.mul(this, other);
  }
  /**
   * True division, broadcasting; ∂(a/b)/∂b = −a/b².
   * @example tensor([1, 2]).div(4) // tensor([0.2500, 0.5000])
   */
  div(other: Operand): Tensor {
    return E.div(this, other);
  }
  /**
   * Elementwise max, broadcasting; NaN wins, and ties split the gradient in half (`torch.maximum`).
   * @example tensor([-1, 0, 2]).maximum(0) // tensor([0., 0., 2.])
   */
  maximum(other: Operand): Tensor {
    return E.maximum(this, other);
  }
  /**
   * Elementwise min, computed as −maximum(−this, −other), so NaN and ties behave as in `maximum`.
   * @example tensor([-1, 0, 2]).minimum(1) // tensor([-1.,  0.,  1.])
   */
  minimum(other: Operand): Tensor {
    return E.minimum(this, other);
  }
  /**
   * xᵖ for a scalar exponent; the gradient is g·p·xᵖ⁻¹, and 0 for p = 0 as in PyTorch.
   * @example tensor([1, 2, 3]).pow(2) // tensor([1., 4., 9.])
   */
  pow(exponent: number): Tensor {
    return E.pow(this, exponent);
  }
  /**
   * −x.
   * @example tensor([1, -2]).neg() // tensor([-1.,  2.])
   */
  neg(): Tensor {
    return E.neg(this);
  }
  /**
   * eˣ; the backward reuses the output, g·eˣ.
   * @example tensor([0, 1]).exp() // tensor([1.0000, 2.7183])
   */
  exp(): Tensor {
    return E.exp(this);
  }
  /**
   * Natural logarithm; gradient g/x.
   * @example tensor([1, Math.E]).log() // tensor([0.0000, 1.0000])
   */
  log(): Tensor {
    return E.log(this);
  }
  /**
   * √x; gradient g/(2√x), from the saved output.
   * @example tensor([4, 9]).sqrt() // tensor([2., 3.])
   */
  sqrt(): Tensor {
    return E.sqrt(this);
  }
  /**
   * 1/√x as one op (BatchNorm's invstd); gradient −½·g·x^(−3/2).
   * @example tensor([4, 16]).rsqrt() // tensor([0.5000, 0.2500])
   */
  rsqrt(): Tensor {
    return E.rsqrt(this);
  }
  /**
   * |x|; the gradient is g·sign(x), so 0 at x = 0 as in PyTorch.
   * @example tensor([-1.5, 2]).abs() // tensor([1.5000, 2.0000])
   */
  abs(): Tensor {
    return E.abs(this);
  }
  /**
   * −1, 0 or 1 (NaN stays NaN). Not recorded: its derivative is 0 wherever it exists.
   * @example tensor([-3, 0, 2]).sign() // tensor([-1.,  0.,  1.])
   */
  sign(): Tensor {
    return E.sign(this);
  }
  /**
   * max(x, 0); the gradient passes where the output is positive.
   * @example tensor([-1, 0, 2]).relu() // tensor([0., 0., 2.])
   */
  relu(): Tensor {
    return E.relu(this);
  }
  /**
   * σ(x) = 1/(1 + e⁻ˣ); gradient g·σ(x)(1 − σ(x)), from the saved output.
   * @example tensor([0, 2]).sigmoid() // tensor([0.5000, 0.8808])
   */
  sigmoid(): Tensor {
    return E.sigmoid(this);
  }
  /**
   * Hyperbolic tangent; gradient g·(1 − tanh²x), from the saved output.
   * @example tensor([0, 1]).tanh() // tensor([0.0000, 0.7616])
   */
  tanh(): Tensor {
    return E.tanh(this);
  }
  /**
   * 1 where this > other, else 0, in the operands' dtype (PyTorch returns bool); never recorded.
   * @example tensor([1, 2, 3]).gt(2) // tensor([0., 0., 1.])
   */
  gt(other: Operand): Tensor {
    return E.gt(this, other);
  }
  /**
   * 1 where this ≥ other, else 0 (a mask in the operands' dtype).
   * @example tensor([1, 2, 3]).ge(2) // tensor([0., 1., 1.])
   */
  ge(other: Operand): Tensor {
    return E.ge(this, other);
  }
  /**
   * 1 where this < other, else 0 (a mask in the operands' dtype).
   * @example tensor([1, 2, 3]).lt(2) // tensor([1., 0., 0.])
   */
  lt(other: Operand): Tensor {
    return E.lt(this, other);
  }
  /**
   * 1 where this ≤ other, else 0 (a mask in the operands' dtype).
   * @example tensor([1, 2, 3]).le(2) // tensor([1., 1., 0.])
   */
  le(other: Operand): Tensor {
    return E.le(this, other);
  }
  /**
   * 1 where this = other, else 0 (a mask in the operands' dtype).
   * @example tensor([1, 2, 3]).eq(2) // tensor([0., 1., 0.])
   */
  eq(other: Operand): Tensor {
    return E.eq(this, other);
  }
  /**
   * 1 where this ≠ other, else 0 (a mask in the operands' dtype).
   * @example tensor([1, 2, 3]).ne(2) // tensor([1., 0., 1.])
   */
  ne(other: Operand): Tensor {
    return E.ne(this, other);
  }
  /**
   * `torch.where(condition, this, other)`: this where `condition` is nonzero, else `other`.
   * @example tensor([-1, 2]).where(tensor([0, 1]), 0) // tensor([0., 2.])
   */
  where(condition: Tensor, other: Operand): Tensor {
    return E.where(condition, this, other);
  }
  /**
   * Converted to `dtype` (this tensor itself when it already has it). Float-to-float casts stay on
   * the tape and cast the gradient back; a tensor that requires grad cannot become int32.
   * @example tensor([1.7, -1.7]).to('int32') // tensor([ 1, -1], dtype=torch.int32)
   */
  to(dtype: DType): Tensor {
    return E.toDtype(this, dtype);
  }
  /**
   * `to('float32')`.
   * @example arange(3).float() // tensor([0., 1., 2.])
   */
  float(): Tensor {
    return E.toDtype(this, 'float32');
  }
  /**
   * `to('float64')`.
   * @example tensor([1, 2]).double() // tensor([1., 2.], dtype=torch.float64)
   */
  double(): Tensor {
    return E.toDtype(this, 'float64');
  }
  /**
   * x², the composite `pow(2)`.
   * @example tensor([-2, 3]).square() // tensor([4., 9.])
   */
  square(): Tensor {
    return C.square(this);
  }
  /**
   * Clamped into [min, max] (either bound may be omitted); the gradient passes where
   * min ≤ x ≤ max, and NaN propagates.
   * @example tensor([-1, 0.5, 2]).clamp(0, 1) // tensor([0.0000, 0.5000, 1.0000])
   */
  clamp(min?: number | null, max?: number | null): Tensor {
    return C.clamp(this, min, max);
  }

  // ---- reductions -------------------------------------------------------------------------
  /**
   * Sum over `dim` (one dim, a list, or all when omitted), keeping reduced dims as size 1 with
   * `keepdim`; the gradient is g broadcast back.
   * @example
   * tensor([[1, 2], [3, 4]]).sum(0) // tensor([4., 6.])
   * tensor([[1, 2], [3, 4]]).sum([0], true) // tensor([[4., 6.]])
   */
  sum(dim?: number | readonly number[], keepdim = false): Tensor {
    return R.sum(this, dim, keepdim);
  }
  /**
   * Mean over `dim` (all when omitted): the sum divided by the count; float tensors only.
   * @example tensor([[1, 2], [3, 4]]).mean(1) // tensor([1.5000, 3.5000])
   */
  mean(dim?: number | readonly number[], keepdim = false): Tensor {
    return R.mean(this, dim, keepdim);
  }
  /**
   * The largest element, as a 0-d tensor; tied maxima share the gradient equally.
   * @example tensor([1, 5, 3]).max() // tensor(5.)
   */
  max(): Tensor;
  /**
   * The largest element along `dim` and its int32 index (the first on ties): PyTorch's
   * `(values, indices)`. The gradient goes to the selected positions only.
   * @example const { values, indices } = tensor([[1, 5], [7, 2]]).max(1); // [5, 7] at [1, 0]
   */
  max(dim: number, keepdim?: boolean): R.ValuesIndices;
  max(dim?: number, keepdim = false): Tensor | R.ValuesIndices {
    return dim === undefined ? R.max(this) : R.max(this, dim, keepdim);
  }
  /**
   * The smallest element, as a 0-d tensor; tied minima share the gradient equally.
   * @example tensor([1, 5, 3]).min() // tensor(1.)
   */
  min(): Tensor;
  /**
   * The smallest element along `dim` and its int32 index (the first on ties), as `max(dim)`.
   * @example tensor([[1, 5], [7, 2]]).min(0).values // tensor([1., 2.])
   */
  min(dim: number, keepdim?: boolean): R.ValuesIndices;
  min(dim?: number, keepdim = false): Tensor | R.ValuesIndices {
    return dim === undefined ? R.min(this) : R.min(this, dim, keepdim);
  }
  /**
   * The int32 index of the largest element along `dim`, or in the flattened tensor when `dim` is
   * omitted; the first one on ties.
   * @example tensor([[1, 5], [7, 2]]).argmax(1) // tensor([1, 0], dtype=torch.int32)
   */
  argmax(dim?: number, keepdim = false): Tensor {
    return R.argmax(this, dim, keepdim);
  }
  /**
   * The int32 index of the smallest element along `dim`, or in the flattened tensor.
   * @example tensor([[1, 5], [7, 2]]).argmin() // tensor(0, dtype=torch.int32)
   */
  argmin(dim?: number, keepdim = false): Tensor {
    return R.argmin(this, dim, keepdim);
  }
  /**
   * Variance over `dim` (all when omitted), two-pass: Σ(x − mean)²/(N − correction), where the
   * default correction 1 is Bessel's (`torch.var`).
   * @example
   * tensor([1, 2, 3, 4]).var() // tensor(1.6667)
   * tensor([1, 2, 3, 4]).var(0, { correction: 0 }) // tensor(1.2500)
   */
  var(dim?: number | readonly number[], options: C.VarOptions = {}): Tensor {
    return C.variance(this, dim, options);
  }
  /**
   * Standard deviation, √var, with `var`'s options.
   * @example tensor([1, 2, 3, 4]).std(0, { correction: 0 }) // tensor(1.1180)
   */
  std(dim?: number | readonly number[], options: C.VarOptions = {}): Tensor {
    return C.std(this, dim, options);
  }
  /**
   * log Σ exp(x) over `dim`, with the max subtracted first so that large inputs do not overflow.
   * @example tensor([1000, 1000]).logsumexp(0) // tensor(1000.6932)
   */
  logsumexp(dim: number | readonly number[], keepdim = false): Tensor {
    return C.logsumexp(this, dim, keepdim);
  }
  /**
   * exp(x)/Σ exp(x) along `dim`, with the max subtracted first for stability.
   * @example tensor([0, Math.log(3)]).softmax(0) // tensor([0.2500, 0.7500])
   */
  softmax(dim: number): Tensor {
    return C.softmax(this, dim);
  }
  /**
   * log softmax along `dim`, as x − logsumexp(x), which stays finite where softmax underflows.
   * @example tensor([0, 0]).logSoftmax(0) // tensor([-0.6931, -0.6931])
   */
  logSoftmax(dim: number): Tensor {
    return C.logSoftmax(this, dim);
  }

  // ---- linear algebra ---------------------------------------------------------------------
  /**
   * Matrix product as `torch.matmul` (dot, matrix-vector, matrix-matrix, batched with broadcast
   * batch dims); dA = g·Bᵀ and dB = Aᵀ·g.
   * @example tensor([[1, 2], [3, 4]]).matmul(tensor([1, 1])) // tensor([3., 7.])
   */
  matmul(other: Tensor): Tensor {
    return L.matmul(this, other);
  }

  // ---- shape ------------------------------------------------------------------------------
  /**
   * The same elements in a new shape, given as sizes or as one array; one size may be −1
   * (inferred). A view: it shares storage and version counter with this tensor.
   * @example arange(6).reshape(2, -1).shape // [2, 3]
   */
  reshape(...shape: number[] | [readonly number[]]): Tensor {
    return S.reshape(this, S.shapeArg(shape));
  }
  /**
   * `reshape` under PyTorch's other name: storage is always contiguous here, so every reshape
   * is a view.
   * @example arange(6).view([3, 2]).shape // [3, 2]
   */
  view(...shape: number[] | [readonly number[]]): Tensor {
    return S.reshape(this, S.shapeArg(shape));
  }
  /**
   * Merges dims `startDim..endDim` into one (all of them by default).
   * @example zeros([2, 3, 4]).flatten(1).shape // [2, 12]
   */
  flatten(startDim = 0, endDim = -1): Tensor {
    return S.flatten(this, startDim, endDim);
  }

  /**
   * Dim `dim` split into `sizes` (one may be −1): the inverse of {@link Tensor.flatten}; a view.
   * @example zeros([2, 784]).unflatten(1, [1, 28, 28]).shape // [2, 1, 28, 28]
   */
  unflatten(dim: number, sizes: readonly number[]): Tensor {
    return S.unflatten(this, dim, sizes);
  }
  /**
   * Reorders the dims: dim i of the result is dim `dims[i]` of this tensor (a copy; the gradient
   * is permuted back).
   * @example zeros([2, 3, 4]).permute(2, 0, 1).shape // [4, 2, 3]
   */
  permute(...dims: number[] | [readonly number[]]): Tensor {
    return S.permute(this, S.shapeArg(dims));
  }
  /**
   * Swaps dims `dim0` and `dim1` (a permute).
   * @example zeros([2, 3]).transpose(0, 1).shape // [3, 2]
   */
  transpose(dim0: number, dim1: number): Tensor {
    return S.transpose(this, dim0, dim1);
  }
  /** Transpose of a matrix (PyTorch's `.T` for 2-D tensors). */
  get T(): Tensor {
    return S.permute(
      this,
      this.shape.map((_, i) => this.shape.length - 1 - i),
    );
  }
  /** The last two dims swapped (PyTorch's `.mT`). */
  get mT(): Tensor {
    return S.transpose(this, -2, -1);
  }
  /**
   * Broadcasts size-1 dims, and new leading dims, to the given sizes; −1 keeps a size. A copy,
   * whose gradient is summed back over the broadcast dims.
   * @example tensor([1, 2, 3]).expand(2, -1).shape // [2, 3]
   */
  expand(...shape: number[] | [readonly number[]]): Tensor {
    return S.expand(this, S.shapeArg(shape));
  }
  /**
   * Removes size-1 dims: all of them, or only `dim` (unchanged when its size is not 1).
   * @example zeros([1, 3, 1]).squeeze().shape // [3]
   */
  squeeze(dim?: number): Tensor {
    return S.squeeze(this, dim);
  }
  /**
   * Inserts a size-1 dim at `dim` (negative counts from the end of the result).
   * @example zeros([3]).unsqueeze(-1).shape // [3, 1]
   */
  unsqueeze(dim: number): Tensor {
    return S.unsqueeze(this, dim);
  }
  /**
   * `length` entries of `dim` from `start` (negative counts from the end), as `torch.narrow`.
   * @example arange(5).narrow(0, 1, 3) // tensor([1, 2, 3], dtype=torch.int32)
   */
  narrow(dim: number, start: number, length: number): Tensor {
    return S.narrow(this, dim, start, length);
  }
  /**
   * Python's `x[..., start:end:step]` along `dim`: bounds are clamped, negatives count from the
   * end, and the step must be positive.
   * @example arange(6).slice(0, 1, 6, 2) // tensor([1, 3, 5], dtype=torch.int32)
   */
  slice(dim: number, start?: number, end?: number, step?: number): Tensor {
    return S.slice(this, dim, start, end, step);
  }
  /**
   * Picks entries along `dim` by an int32 index of the same rank: for dim 1,
   * out[i][j] = x[i][index[i][j]] (`torch.gather`). Its gradient is scattered back by `scatterAdd`.
   * @example
   * const index = tensor([[1], [0]], { dtype: 'int32' });
   * tensor([[1, 2], [3, 4]]).gather(1, index).toArray() // [[2], [3]]
   */
  gather(dim: number, index: Tensor): Tensor {
    return S.gather(this, dim, index);
  }
  /**
   * The slices `index[0], index[1], …` of `dim`, for a 1-D int32 index (`torch.index_select`);
   * repeated indices add up their gradients.
   * @example
   * const rows = tensor([2, 0], { dtype: 'int32' });
   * tensor([[1, 2], [3, 4], [5, 6]]).indexSelect(0, rows).toArray() // [[5, 6], [1, 2]]
   */
  indexSelect(dim: number, index: Tensor): Tensor {
    return S.indexSelect(this, dim, index);
  }

  /**
   * Pieces of `splitSizeOrSections` entries along `dim` (the last smaller), or of the listed
   * sizes (`torch.split`).
   * @example arange(5).split(2).map((t) => t.shape[0]) // [2, 2, 1]
   */
  split(splitSizeOrSections: number | readonly number[], dim = 0): Tensor[] {
    return Split.split(this, splitSizeOrSections, dim);
  }

  /**
   * At most `chunks` pieces of ⌈size/chunks⌉ entries along `dim` (`torch.chunk`).
   * @example arange(6).chunk(4).length // 3
   */
  chunk(chunks: number, dim = 0): Tensor[] {
    return Split.chunk(this, chunks, dim);
  }

  // ---- in place ---------------------------------------------------------------------------
  /**
   * In place: this ← this + alpha·other. Bumps the version counter, so a backward that saved
   * the old value throws instead of silently using the new one.
   * @example noGrad(() => w.add_(w.grad!, -0.1)); // an SGD step
   */
  add_(other: Operand, alpha?: number): this {
    return I.add_(this, other, alpha);
  }
  /**
   * In place: this ← this − alpha·other (see `add_`).
   * @example ones([2]).sub_(0.5) // tensor([0.5000, 0.5000])
   */
  sub_(other: Operand, alpha?: number): this {
    return I.sub_(this, other, alpha);
  }
  /**
   * In place: this ← this·other (see `add_`).
   * @example ones([2]).mul_(0.9) // tensor([0.9000, 0.9000])
   */
  mul_(other: Operand): this {
    return I.mul_(this, other);
  }
  /**
   * In place: copies `src`, broadcast to this shape and cast to this dtype. Under grad mode the
   * gradient flows to `src`, and the overwritten value gets zero.
   * @example zeros([2, 2]).copy_(tensor([1, 2])).toArray() // [[1, 2], [1, 2]]
   */
  copy_(src: Tensor): this {
    return I.copy_(this, src);
  }
  /**
   * In place: every element set to 0 (`fill_(0)`).
   * @example ones([2]).zero_() // tensor([0., 0.])
   */
  zero_(): this {
    return I.fill_(this, 0);
  }
  /**
   * In place: every element set to `value`; under grad mode the overwritten value gets a zero
   * gradient.
   * @example zeros([3]).fill_(7) // tensor([7., 7., 7.])
   */
  fill_(value: number): this {
    return I.fill_(this, value);
  }
}

/**
 * @internal Releases `t`, which the library owns (a `.grad`, optimizer state) and drops now;
 * `why` completes "was released by …" in the error a later use throws.
 */
export function releaseOwned(t: Tensor, why: string): void {
  t._release({ kind: 'owner', by: why });
}

/** The error for a use of a released tensor, saying what released it. */
export function releasedError(t: Tensor): ReleasedTensorError {
  const r = t._released!;
  const by =
    r.kind === 'dispose'
      ? 'dispose()'
      : r.kind === 'tidy'
        ? 'the tidy() (or scope) it was made in, when it ended'
        : r.kind === 'backward'
          ? 'backward(), which frees the values saved for it (pass retainGraph: true to keep them)'
          : r.kind === 'owner'
            ? r.by
            : `${r.by}, which made it as an intermediate and released it when it returned`;
  return new ReleasedTensorError(
    `Tensor [${t.dtype} ${fmtShape(t.shape)}] was released by ${by}; its memory may hold another ` +
      'tensor now, so it can no longer be read or computed with. Return it from the tidy(), or ' +
      'keep() it, to use it afterwards.',
  );
}

/**
 * A new tensor of `shape` and `dtype` with uninitialised elements (zeros with `zero`), for ops to
 * write their result into (`op` names the op in a MemoryError; the innermost library scope's
 * name by default): in the tensor memory inside a scope or when large, else (a small
 * tensor handed straight to the user) a plain typed array.
 */
export function emptyTensor(shape: Shape, dtype: DType, zero = false, op?: string): Tensor {
  const n = numelOf(shape);
  const bytes = n * (dtype === 'float64' ? 8 : 4);
  let block: Block;
  try {
    block = Block.alloc(dtype, n, inScope() || bytes > SMALL_BYTES, zero);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    const name = op ?? innermostFunction() ?? 'tensor';
    throw new MemoryError(
      `${name}: cannot allocate a ${dtype} tensor of shape ${fmtShape(shape)} (${bytes} bytes): ` +
        `the JavaScript engine refused (${e.message})`,
    );
  }
  return new Tensor(block, shape);
}

/**
 * @internal A new tensor of `shape` and `dtype` in a plain typed array (zero-filled), whatever the
 * scope: for edge data made outside the user's per-step `tidy`, such as `DataLoader` batches,
 * which the garbage collector frees without help.
 */
export function plainTensor(shape: Shape, dtype: DType): Tensor {
  return new Tensor(Block.alloc(dtype, numelOf(shape), false, false), shape);
}

/**
 * Runs `fn` and releases every tensor made inside that is neither in its result (a tensor, or
 * tensors in an array or object) nor kept; returns the result. A training step in `tidy` gives
 * its memory back the moment it ends, so the next step reuses the same blocks. Parameters'
 * `.grad` and optimizer state survive it (the library keeps them).
 * @example
 * for (const [x, y] of loader) {
 *   tidy(() => {
 *     optimizer.zeroGrad();
 *     lossFn.forward(model.forward(x), y).backward();
 *     optimizer.step();
 *   });
 * }
 */
export function tidy<R>(fn: () => R): R {
  return withScope('tidy', 'tidy()', fn, (value) => tensorsIn(value, isTensor), true);
}

/**
 * Marks `t` to survive the `tidy` (and every scope) it is made in; only `dispose()`, or the
 * garbage collector once the tensor is unreachable, releases it. Returns `t`.
 * @example const kept = tidy(() => { const h = x.exp(); keep(h); return h.sum(); });
 */
export function keep<T extends Tensor>(t: T): T {
  return keepTensor(t);
}

/**
 * A scope for TypeScript's `using`: every tensor made until the block ends is released then,
 * unless kept.
 * @example
 * {
 *   using _ = scope();
 *   const h = x.exp(); // released at the closing brace
 *   total += h.sum().item();
 * }
 */
export function scope(): ScopeHandle {
  return openUserScope();
}

/**
 * @internal Runs library function `name` in its own scope: the tensors it makes and does not
 * return are released when it returns.
 */
export function scoped<R>(name: string, fn: () => R): R {
  return withScope('library', name, fn, (value) => tensorsIn(value, isTensor));
}

function isTensor(v: unknown): v is Tensor {
  return v instanceof Tensor;
}

/** A float dtype check used by ops that only compute on floats. */
export function floatDtype(t: Tensor, op: string): FloatDType {
  if (!isFloat(t.dtype)) {
    throw new DTypeError(
      `${op}: expected a floating-point tensor (float32 or float64), got ${t.dtype}`,
    );
  }
  return t.dtype;
}
