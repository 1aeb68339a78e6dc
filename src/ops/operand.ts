/**
 * JS numbers as operands: a number next to a tensor acts as a 0-d tensor of that tensor's dtype,
 * as in PyTorch (`x.mul(0.1)` on float32 multiplies by float32(0.1)).
 */
import { TapegradError } from '../errors.js';
import { allocate, type DType } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';

export type Operand = Tensor | number;

export function scalarTensor(value: number, dtype: DType): Tensor {
  const data = allocate(dtype, 1);
  data[0] = value;
  return new Tensor(data, []);
}

/** Turns a pair of operands into tensors; at least one must already be a tensor. */
export function operands(a: Operand, b: Operand, op: string): [Tensor, Tensor] {
  if (a instanceof Tensor) return [a, b instanceof Tensor ? b : scalarTensor(b, a.dtype)];
  if (b instanceof Tensor) return [scalarTensor(a, b.dtype), b];
  throw new TapegradError(`${op}: at least one operand must be a Tensor (got two numbers)`);
}
