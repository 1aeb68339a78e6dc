/** Reading tensors stored by the Python fixture generators (floats as Python repr strings). */
import { tensor, type Tensor } from '../../src/index.js';

export interface FixtureTensor {
  shape: number[];
  dtype: 'float32' | 'float64' | 'int32';
  /** Python repr() strings for floats ('nan', 'inf', '-inf' included), integers for int32. */
  data: (string | number)[];
}

export function parseRepr(s: string | number): number {
  if (typeof s === 'number') return s;
  if (s === 'nan') return NaN;
  if (s === 'inf') return Infinity;
  if (s === '-inf') return -Infinity;
  return Number(s);
}

/** The stored values in a tensor of the stored dtype (float32 values round exactly). */
export function decode(t: FixtureTensor, requiresGrad = false): Tensor {
  const values = t.data.map(parseRepr);
  const data =
    t.dtype === 'int32'
      ? Int32Array.from(values)
      : t.dtype === 'float32'
        ? Float32Array.from(values)
        : Float64Array.from(values);
  return tensor(data, { shape: t.shape, requiresGrad });
}
