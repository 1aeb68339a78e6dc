import { DTypeError } from '../errors.js';

/**
 * Element types. `float32` is the default, as in PyTorch; `int32` holds indices (the result of
 * `max(dim)`, the index of `gather`) and class labels, and cannot require gradients.
 *
 * @example
 * ```ts
 * const x = tensor([1, 2], { dtype: 'float64' }); // x.dtype === 'float64'
 * ```
 */
export type DType = 'float32' | 'float64' | 'int32';

/** The floating-point dtypes: the only ones that can carry gradients. */
export type FloatDType = 'float32' | 'float64';

export type FloatStorage = Float32Array | Float64Array;
export type Storage = Float32Array | Float64Array | Int32Array;

export function dtypeOf(data: Storage): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  return 'int32';
}

export function isFloat(dtype: DType): dtype is FloatDType {
  return dtype !== 'int32';
}

/** PyTorch's names, used in messages so they read like PyTorch's. */
export function torchName(dtype: DType): string {
  return dtype === 'float32' ? 'Float' : dtype === 'float64' ? 'Double' : 'Int';
}

/** Type promotion as in PyTorch for the dtypes we have: float64 wins, then float32, then int32. */
export function promoteTypes(a: DType, b: DType): DType {
  if (a === 'float64' || b === 'float64') return 'float64';
  if (a === 'float32' || b === 'float32') return 'float32';
  return 'int32';
}

export function assertDType(value: string, op: string): DType {
  if (value === 'float32' || value === 'float64' || value === 'int32') return value;
  throw new DTypeError(
    `${op}: unknown dtype '${value}' (expected 'float32', 'float64' or 'int32')`,
  );
}
