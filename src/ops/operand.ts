/**
 * JS numbers as operands: a number next to a tensor acts as a 0-d tensor of that tensor's dtype,
 * as in PyTorch (`x.mul(0.1)` on float32 multiplies by float32(0.1)).
 */
import { TapegradError } from '../errors.js';
import type { DType } from '../tensor/dtype.js';
import { emptyTensor, Tensor } from '../tensor/tensor.js';

export type Operand = Tensor | number;

export function scalarTensor(value: number, dtype: DType): Tensor {
  const t = emptyTensor([], dtype);
  t.data[0] = value;
  return t;
}

/** Turns a pair of operands into tensors; at least one must already be a tensor. */
export function operands(a: Operand, b: Operand, op: string): [Tensor, Tensor] {
  if (a instanceof Tensor) return [a, b instanceof Tensor ? b : scalarTensor(b, a.dtype)];
  if (b instanceof Tensor) return [scalarTensor(a, b.dtype), b];
  throw new TapegradError(`${op}: at least one operand must be a Tensor (got two numbers)`);
}
