/**
 * The Tensor: contiguous row-major storage in a typed array, a shape, a dtype, and its place on
 * the tape (`gradFn` for results of recorded ops; `null` for leaves). Methods mirror the functions
 * in `src/ops` (`x.add(y)` is `add(x, y)`); all gradient logic lives in the ops and the engine.
 */
import { AutogradError, DTypeError, ValueError } from '../errors.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import type { GradHook, Node } from '../autograd/node.js';
import { backward as runBackward, type BackwardOptions } from '../autograd/engine.js';
import * as E from '../ops/elementwise.js';
import * as R from '../ops/reduce.js';
import * as S from '../ops/shape.js';
import * as L from '../ops/linalg.js';
import * as C from '../ops/composite.js';
import * as I from '../ops/inplace.js';
import { formatTensor } from './format.js';
import { isFloat, type DType, type FloatDType, type Storage } from './dtype.js';
import { fmtShape, numelOf, type Shape } from './shape.js';

/** A nested JavaScript array of numbers, as `toArray()` returns and `tensor()` accepts. */
export type NestedArray = number | NestedArray[];

/** Shared by a tensor and its views (reshape, detach): in-place ops on either bump it. */
export interface VersionCounter {
  value: number;
}

/** A handle returned by `registerHook`; `remove()` unregisters the hook. */
export interface RemovableHandle {
  remove(): void;
}

type Operand = Tensor | number;

export class Tensor {
  /** The elements, row-major. Views (reshape, detach) share it with their base. */
  readonly data: Storage;
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** The accumulated gradient of a leaf after `backward()`, or of a non-leaf after `retainGrad()`. */
  grad: Tensor | null = null;
  /** The tape node that produced this tensor; `null` for leaves. */
  gradFn: Node | null = null;
  /** @internal Version counter checked by backward for in-place modification. */
  _version: VersionCounter;
  /** @internal The tensor whose storage this view (a reshape) shares, or null. */
  _base: Tensor | null = null;
  /** @internal Hooks of a leaf (non-leaf hooks live on its node). */
  readonly _hooks: GradHook[] = [];
  private _requiresGrad = false;

  /** @internal Use `tensor()` and the other creation functions. */
  constructor(data: Storage, shape: Shape, version?: VersionCounter) {
    if (data.length !== numelOf(shape)) {
      throw new ValueError(`Tensor: ${data.length} elements cannot have shape ${fmtShape(shape)}`);
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.dtype =
      data instanceof Float32Array ? 'float32' : data instanceof Float64Array ? 'float64' : 'int32';
    this._version = version ?? { value: 0 };
  }

  // ---- properties -------------------------------------------------------------------------

  get requiresGrad(): boolean {
    return this._requiresGrad;
  }
  set requiresGrad(on: boolean) {
    this.requiresGrad_(on);
  }
  /** True for tensors not produced by a recorded op (user-created tensors, parameters). */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }
  /** Number of elements (PyTorch's `numel()`). */
  get size(): number {
    return this.data.length;
  }
  numel(): number {
    return this.data.length;
  }
  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }
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

  /** The value of a one-element tensor as a JS number. */
  item(): number {
    if (this.data.length !== 1) {
      throw new ValueError(
        `item: a Tensor with ${this.data.length} elements cannot be converted to Scalar`,
      );
    }
    return this.data[0];
  }

  /** The elements as nested arrays (a number for a 0-d tensor). */
  toArray(): NestedArray {
    const build = (dim: number, offset: number): NestedArray => {
      if (dim === this.shape.length) return this.data[offset];
      const n = this.shape[dim];
      const stride = numelOf(this.shape.slice(dim + 1));
      const out: NestedArray[] = [];
      for (let i = 0; i < n; i++) out.push(build(dim + 1, offset + i * stride));
      return out;
    };
    return build(0, 0);
  }

  /** Printed as PyTorch prints it: `tensor([1., 2.], requires_grad=True)`. */
  toString(): string {
    return formatTensor(this, { requiresGrad: this.requiresGrad, gradFn: this.gradFn?.name });
  }

  /** A copy with its own storage; the copy stays on the tape (`CloneBackward0`). */
  clone(): Tensor {
    return E.clone(this);
  }

  /** A new leaf sharing this storage and version counter, cut off from the tape. */
  detach(): Tensor {
    return new Tensor(this.data, this.shape, this._version);
  }

  /** Cuts this tensor off from the tape in place. */
  detach_(): this {
    this.gradFn = null;
    this._requiresGrad = false;
    return this;
  }

  /**
   * Sets whether autograd records ops on this leaf.
   * @example `const w = zeros([3]).requiresGrad_();`
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

  /** Makes a non-leaf keep its gradient in `.grad` after backward. */
  retainGrad(): void {
    if (!this.requiresGrad)
      throw new AutogradError("can't retain_grad on Tensor that has requires_grad=False");
    if (this.gradFn !== null) this.gradFn.retained = this;
  }

  /**
   * Registers `fn` to see (and optionally replace) this tensor's gradient during backward.
   * @example `x.registerHook((g) => g.mul(2));`
   */
  registerHook(fn: GradHook): RemovableHandle {
    if (!this.requiresGrad) {
      throw new AutogradError("cannot register a hook on a tensor that doesn't require gradient");
    }
    const list = this.gradFn !== null ? this.gradFn.hooks : this._hooks;
    list.push(fn);
    return {
      remove: () => {
        const i = list.indexOf(fn);
        if (i >= 0) list.splice(i, 1);
      },
    };
  }

  /**
   * Accumulates gradients of this tensor into the leaves' `.grad`.
   * @example `loss.backward();` or `y.backward(dy, { retainGraph: true })`
   */
  backward(gradient?: Tensor, options: BackwardOptions = {}): void {
    runBackward([this], [gradient ?? null], options);
  }

  /** @internal Throws unless grad mode allows an in-place change of this tensor. */
  _checkInplace(op: string): void {
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
  add(other: Operand, alpha?: number): Tensor {
    return E.add(this, other, alpha);
  }
  sub(other: Operand, alpha?: number): Tensor {
    return E.sub(this, other, alpha);
  }
  mul(other: Operand): Tensor {
    return E.mul(this, other);
  }
  div(other: Operand): Tensor {
    return E.div(this, other);
  }
  maximum(other: Operand): Tensor {
    return E.maximum(this, other);
  }
  minimum(other: Operand): Tensor {
    return E.minimum(this, other);
  }
  pow(exponent: number): Tensor {
    return E.pow(this, exponent);
  }
  neg(): Tensor {
    return E.neg(this);
  }
  exp(): Tensor {
    return E.exp(this);
  }
  log(): Tensor {
    return E.log(this);
  }
  sqrt(): Tensor {
    return E.sqrt(this);
  }
  rsqrt(): Tensor {
    return E.rsqrt(this);
  }
  abs(): Tensor {
    return E.abs(this);
  }
  sign(): Tensor {
    return E.sign(this);
  }
  relu(): Tensor {
    return E.relu(this);
  }
  sigmoid(): Tensor {
    return E.sigmoid(this);
  }
  tanh(): Tensor {
    return E.tanh(this);
  }
  gt(other: Operand): Tensor {
    return E.gt(this, other);
  }
  ge(other: Operand): Tensor {
    return E.ge(this, other);
  }
  lt(other: Operand): Tensor {
    return E.lt(this, other);
  }
  le(other: Operand): Tensor {
    return E.le(this, other);
  }
  eq(other: Operand): Tensor {
    return E.eq(this, other);
  }
  ne(other: Operand): Tensor {
    return E.ne(this, other);
  }
  /** `torch.where(condition, this, other)`. */
  where(condition: Tensor, other: Operand): Tensor {
    return E.where(condition, this, other);
  }
  to(dtype: DType): Tensor {
    return E.toDtype(this, dtype);
  }
  float(): Tensor {
    return E.toDtype(this, 'float32');
  }
  double(): Tensor {
    return E.toDtype(this, 'float64');
  }
  square(): Tensor {
    return C.square(this);
  }
  clamp(min?: number | null, max?: number | null): Tensor {
    return C.clamp(this, min, max);
  }

  // ---- reductions -------------------------------------------------------------------------
  sum(dim?: number | readonly number[], keepdim = false): Tensor {
    return R.sum(this, dim, keepdim);
  }
  mean(dim?: number | readonly number[], keepdim = false): Tensor {
    return R.mean(this, dim, keepdim);
  }
  max(): Tensor;
  max(dim: number, keepdim?: boolean): R.ValuesIndices;
  max(dim?: number, keepdim = false): Tensor | R.ValuesIndices {
    return dim === undefined ? R.max(this) : R.max(this, dim, keepdim);
  }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): R.ValuesIndices;
  min(dim?: number, keepdim = false): Tensor | R.ValuesIndices {
    return dim === undefined ? R.min(this) : R.min(this, dim, keepdim);
  }
  argmax(dim?: number, keepdim = false): Tensor {
    return R.argmax(this, dim, keepdim);
  }
  argmin(dim?: number, keepdim = false): Tensor {
    return R.argmin(this, dim, keepdim);
  }
  var(dim?: number | readonly number[], options: C.VarOptions = {}): Tensor {
    return C.variance(this, dim, options);
  }
  std(dim?: number | readonly number[], options: C.VarOptions = {}): Tensor {
    return C.std(this, dim, options);
  }
  logsumexp(dim: number | readonly number[], keepdim = false): Tensor {
    return C.logsumexp(this, dim, keepdim);
  }
  softmax(dim: number): Tensor {
    return C.softmax(this, dim);
  }
  logSoftmax(dim: number): Tensor {
    return C.logSoftmax(this, dim);
  }

  // ---- linear algebra ---------------------------------------------------------------------
  matmul(other: Tensor): Tensor {
    return L.matmul(this, other);
  }

  // ---- shape ------------------------------------------------------------------------------
  reshape(...shape: number[] | [readonly number[]]): Tensor {
    return S.reshape(this, S.shapeArg(shape));
  }
  view(...shape: number[] | [readonly number[]]): Tensor {
    return S.reshape(this, S.shapeArg(shape));
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return S.flatten(this, startDim, endDim);
  }
  permute(...dims: number[] | [readonly number[]]): Tensor {
    return S.permute(this, S.shapeArg(dims));
  }
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
  expand(...shape: number[] | [readonly number[]]): Tensor {
    return S.expand(this, S.shapeArg(shape));
  }
  squeeze(dim?: number): Tensor {
    return S.squeeze(this, dim);
  }
  unsqueeze(dim: number): Tensor {
    return S.unsqueeze(this, dim);
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return S.narrow(this, dim, start, length);
  }
  slice(dim: number, start?: number, end?: number, step?: number): Tensor {
    return S.slice(this, dim, start, end, step);
  }
  gather(dim: number, index: Tensor): Tensor {
    return S.gather(this, dim, index);
  }
  indexSelect(dim: number, index: Tensor): Tensor {
    return S.indexSelect(this, dim, index);
  }

  // ---- in place ---------------------------------------------------------------------------
  add_(other: Operand, alpha?: number): this {
    return I.add_(this, other, alpha);
  }
  sub_(other: Operand, alpha?: number): this {
    return I.sub_(this, other, alpha);
  }
  mul_(other: Operand): this {
    return I.mul_(this, other);
  }
  copy_(src: Tensor): this {
    return I.copy_(this, src);
  }
  zero_(): this {
    return I.fill_(this, 0);
  }
  fill_(value: number): this {
    return I.fill_(this, value);
  }
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
