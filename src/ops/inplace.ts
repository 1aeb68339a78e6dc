/**
 * In-place ops (`add_`, `sub_`, `mul_`, `copy_`, `fill_`/`zero_`), for optimizers and buffers.
 *
 * Each computes the out-of-place result and writes it into the tensor's storage, then bumps the
 * version counter, so that a backward needing the old values fails loudly instead of silently
 * using new ones. When grad mode is on and the result takes part in the graph, the tensor's history
 * is rebased as in PyTorch: the old value lives on as a snapshot feeding the op's node, and the
 * tensor becomes that node's output.
 */
import { ShapeError } from '../errors.js';
import { apply, definePrimitive } from '../autograd/function.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import { fmtShape, shapesEqual } from '../tensor/shape.js';
import { emptyTensor, scoped, Tensor } from '../tensor/tensor.js';
import { graphRoot } from '../tensor/scope.js';
import { binaryKernel, type BinaryOp } from '../kernels/elementwise.js';
import { add, mul, sub, toDtype } from './elementwise.js';
import type { Operand } from './operand.js';
import { expand } from './shape.js';
import { unbroadcast } from './unbroadcast.js';
import { zerosLike, full } from './creation.js';

/**
 * `self ← compute(self)`. `direct`, when given, writes the same values straight into `self`'s
 * storage off the tape without allocating a result, and says whether it could (see `kernelInto`
 * and `fill_`).
 */
function commit<T extends Tensor>(
  self: T,
  op: string,
  compute: (old: Tensor) => Tensor,
  other?: Operand,
  direct?: () => boolean,
): T {
  self._checkInplace(op);
  const recording =
    isGradEnabled() && (self.requiresGrad || (other instanceof Tensor && other.requiresGrad));
  if (!recording && direct !== undefined && direct()) {
    self._version.value++;
    return self;
  }
  scoped(op, () => {
    // The snapshot stands for the value before the op: a copy that keeps the tensor's history.
    const old = recording ? snapshot(self) : self.detach();
    const result = compute(old);
    if (!shapesEqual(result.shape, self.shape)) {
      throw new ShapeError(
        `${op}: output with shape ${fmtShape(self.shape)} doesn't match the broadcast shape ${fmtShape(result.shape)}`,
      );
    }
    const cast = toDtype(result, self.dtype);
    self.data.set(cast.data);
    self._version.value++;
    if (recording) {
      self._setHistory(cast.gradFn);
      graphRoot(self);
    }
  });
  return self;
}

/**
 * The elementwise kernel `op` (of the tensor and the operand) run into `self`'s storage, when
 * `other` is a float tensor of `self`'s shape and dtype: each element is read before it is
 * written, so `other` may share the storage.
 */
function kernelInto(self: Tensor, other: Operand, op: BinaryOp): () => boolean {
  return () => {
    if (
      !(other instanceof Tensor) ||
      other.dtype !== self.dtype ||
      self.dtype === 'int32' ||
      !shapesEqual(other.shape, self.shape)
    ) {
      return false;
    }
    binaryKernel(op, self.data, self.data, other.data, [self.size], [1], [1]);
    return true;
  };
}

function snapshot(t: Tensor): Tensor {
  const copy = emptyTensor(t.shape, t.dtype);
  copy.data.set(t.data);
  // A leaf that requires grad cannot get here (checked before): only non-leaf history is kept.
  if (t.requiresGrad) copy._setHistory(t.gradFn);
  return copy;
}

/**
 * `self += alpha·other`.
 * @example w.add_(g, -0.1)
 */
export function add_<T extends Tensor>(self: T, other: Operand, alpha?: number): T {
  const direct = alpha === undefined ? kernelInto(self, other, 'add') : undefined;
  return commit(self, 'add_', (old) => add(old, other, alpha), other, direct);
}

/** `self -= alpha·other`. */
export function sub_<T extends Tensor>(self: T, other: Operand, alpha?: number): T {
  const direct = alpha === undefined ? kernelInto(self, other, 'sub') : undefined;
  return commit(self, 'sub_', (old) => sub(old, other, alpha), other, direct);
}

/**
 * `self *= other`.
 * @example buf.mul_(0.9)
 */
export function mul_<T extends Tensor>(self: T, other: Operand): T {
  return commit(self, 'mul_', (old) => mul(old, other), other, kernelInto(self, other, 'mul'));
}

const copyP = definePrimitive({
  name: 'copy_',
  backwardName: 'CopyBackwards',
  forward([old, src]) {
    const value = toDtype(expand(src.detach(), old.shape), old.dtype);
    const out = emptyTensor(old.shape, old.dtype);
    out.data.set(value.data);
    return { out, saved: [] };
  },
  // The old value is overwritten: it gets a zero gradient; the source gets the gradient summed
  // over the dims it was broadcast along.
  vjp: ({ g, inputs: [, src], needs }) => [
    needs[0] ? zerosLike(g) : null,
    needs[1] ? unbroadcast(g, src.shape) : null,
  ],
});

/** Copies `src` (broadcast to this shape, cast to this dtype) into `self`. */
export function copy_<T extends Tensor>(self: T, src: Tensor): T {
  return commit(self, 'copy_', (old) => apply(copyP, [old, src], null), src);
}

const fillP = definePrimitive({
  name: 'fill',
  backwardName: 'FillBackward0',
  forward: ([x], value: number) => ({ out: full(x.shape, value, { dtype: x.dtype }), saved: [] }),
  vjp: ({ g }) => [zerosLike(g)],
});

/**
 * Sets every element to `value`.
 * @example buf.fill_(1)
 */
export function fill_<T extends Tensor>(self: T, value: number): T {
  // Off the tape the typed array fills itself, rounding `value` to the dtype as `full` does.
  return commit(
    self,
    'fill_',
    (old) => apply(fillP, [old], value),
    undefined,
    () => {
      self.data.fill(value);
      return true;
    },
  );
}
