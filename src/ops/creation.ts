/**
 * Creating tensors: from data (`tensor`), constants (`zeros`, `ones`, `full`, `eye`), ranges
 * (`arange`, `linspace`) and the seeded generator (`rand`, `randn`). Results are leaves; pass
 * `requiresGrad: true` to track them.
 */
import { ValueError } from '../errors.js';
import { allocate, assertDType, dtypeOf, type DType, type Storage } from '../tensor/dtype.js';
import { checkShape, fmtShape, numelOf, type Shape } from '../tensor/shape.js';
import { Tensor, type NestedArray } from '../tensor/tensor.js';
import { defaultGenerator } from '../tensor/random.js';

/** Options shared by the creation functions. */
export interface CreationOptions {
  /** Element type; float32 unless stated (and int32 for integer `arange`). */
  dtype?: DType;
  /** Track this leaf on the tape. */
  requiresGrad?: boolean;
}

/** Options of `tensor()`: the creation options plus a shape for flat data. */
export interface TensorOptions extends CreationOptions {
  /** The shape, when `data` is a flat typed array or flat array (default: 1-D). */
  shape?: Shape;
}

function finish(data: Storage, shape: Shape, options: CreationOptions): Tensor {
  const t = new Tensor(data, shape);
  if (options.requiresGrad === true) t.requiresGrad_(true);
  return t;
}

function inferNested(data: NestedArray): number[] {
  const shape: number[] = [];
  let level: NestedArray = data;
  while (Array.isArray(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0];
  }
  return shape;
}

function flattenNested(data: NestedArray, shape: readonly number[], out: Storage): void {
  let k = 0;
  const walk = (v: NestedArray, dim: number): void => {
    if (dim === shape.length) {
      if (typeof v !== 'number')
        throw new ValueError(`tensor: too many dimensions at depth ${dim} (expected a number)`);
      out[k++] = v;
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[dim]) {
      const got = Array.isArray(v) ? v.length : 'a number';
      throw new ValueError(
        `tensor: expected sequence of length ${shape[dim]} at dim ${dim} (got ${got})`,
      );
    }
    for (const e of v) walk(e, dim + 1);
  };
  walk(data, 0);
}

/**
 * A tensor from nested arrays, a number (0-d), or a typed array plus `shape`.
 * @example
 * ```ts
 * tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * tensor(new Float64Array([1, 2, 3, 4]), { shape: [2, 2] });
 * ```
 */
export function tensor(data: NestedArray | Storage, options: TensorOptions = {}): Tensor {
  const dtype = options.dtype !== undefined ? assertDType(options.dtype, 'tensor') : undefined;
  if (ArrayBuffer.isView(data)) {
    const shape = checkShape(options.shape ?? [data.length], 'tensor');
    if (numelOf(shape) !== data.length) {
      throw new ValueError(
        `tensor: shape ${fmtShape(shape)} is invalid for input of size ${data.length}`,
      );
    }
    const out = allocate(dtype ?? dtypeOf(data), data.length);
    out.set(data);
    return finish(out, shape, options);
  }
  const nestedShape = inferNested(data);
  const out = allocate(dtype ?? 'float32', numelOf(nestedShape));
  flattenNested(data, nestedShape, out);
  let shape = nestedShape;
  if (options.shape !== undefined) {
    shape = checkShape(options.shape, 'tensor');
    if (numelOf(shape) !== out.length) {
      throw new ValueError(
        `tensor: shape ${fmtShape(shape)} is invalid for input of size ${out.length}`,
      );
    }
  }
  return finish(out, shape, options);
}

/**
 * A tensor of `shape` filled with `value`.
 * @example full([2, 3], 7)
 */
export function full(shape: Shape | number, value: number, options: CreationOptions = {}): Tensor {
  const s = checkShape(typeof shape === 'number' ? [shape] : shape, 'full');
  const out = allocate(options.dtype ?? 'float32', numelOf(s));
  out.fill(value);
  return finish(out, s, options);
}

/**
 * Zeros.
 * @example zeros([2, 3], { dtype: 'float64' })
 */
export function zeros(shape: Shape | number, options: CreationOptions = {}): Tensor {
  return full(shape, 0, options);
}

/**
 * Ones.
 * @example ones(3)
 */
export function ones(shape: Shape | number, options: CreationOptions = {}): Tensor {
  return full(shape, 1, options);
}

/**
 * Zeros with the shape and (by default) dtype of `t`.
 * @example zerosLike(x, { dtype: 'float64' })
 */
export function zerosLike(t: Tensor, options: CreationOptions = {}): Tensor {
  return full(t.shape, 0, { dtype: t.dtype, ...options });
}

/**
 * Ones with the shape and (by default) dtype of `t`.
 * @example y.backward(onesLike(y)); // the gradient of y.sum()
 */
export function onesLike(t: Tensor, options: CreationOptions = {}): Tensor {
  return full(t.shape, 1, { dtype: t.dtype, ...options });
}

/**
 * `value` with the shape and (by default) dtype of `t`.
 * @example fullLike(x, -Infinity)
 */
export function fullLike(t: Tensor, value: number, options: CreationOptions = {}): Tensor {
  return full(t.shape, value, { dtype: t.dtype, ...options });
}

/**
 * `[start, end)` in steps of `step`, as `torch.arange`: int32 when all arguments are integers
 * (PyTorch's int64), float32 otherwise.
 * @example
 * arange(5)
 * arange(0, 1, 0.25)
 */
export function arange(
  start: number,
  end?: number,
  step = 1,
  options: CreationOptions = {},
): Tensor {
  const [lo, hi] = end === undefined ? [0, start] : [start, end];
  if (step === 0) throw new ValueError('arange: step must be nonzero');
  if ((hi - lo) * step < 0) {
    throw new ValueError(
      `arange: upper bound and larger bound inconsistent with step sign (start ${lo}, end ${hi}, step ${step})`,
    );
  }
  const n = Math.max(0, Math.ceil((hi - lo) / step));
  const integral = [lo, hi, step].every(Number.isInteger);
  const out = allocate(options.dtype ?? (integral ? 'int32' : 'float32'), n);
  for (let i = 0; i < n; i++) out[i] = lo + i * step;
  return finish(out, [n], options);
}

/**
 * `steps` evenly spaced values from `start` to `end` inclusive, computed as PyTorch does
 * (from the start for the first half, from the end for the second).
 * @example linspace(0, 1, 5)
 */
export function linspace(
  start: number,
  end: number,
  steps: number,
  options: CreationOptions = {},
): Tensor {
  if (!Number.isInteger(steps) || steps < 0)
    throw new ValueError(`linspace: number of steps must be non-negative (got ${steps})`);
  const out = allocate(options.dtype ?? 'float32', steps);
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  const half = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++)
    out[i] = i < half ? start + step * i : end - step * (steps - 1 - i);
  if (steps === 1) out[0] = start;
  return finish(out, [steps], options);
}

/**
 * The `n × m` identity (m = n by default).
 * @example eye(3)
 */
export function eye(n: number, m = n, options: CreationOptions = {}): Tensor {
  const shape = checkShape([n, m], 'eye');
  const out = allocate(options.dtype ?? 'float32', n * m);
  for (let i = 0; i < Math.min(n, m); i++) out[i * m + i] = 1;
  return finish(out, shape, options);
}

/**
 * Uniform [0, 1) samples from the global seeded generator (float32 unless stated): the same
 * stream as `random.random`, rounded to the dtype.
 * @example manualSeed(0); rand([2, 2])
 */
export function rand(shape: Shape | number, options: CreationOptions = {}): Tensor {
  const s = checkShape(typeof shape === 'number' ? [shape] : shape, 'rand');
  const out = allocate(options.dtype ?? 'float32', numelOf(s));
  if (out instanceof Int32Array) throw new ValueError('rand: dtype must be float32 or float64');
  defaultGenerator.fillRandom(out);
  return finish(out, s, options);
}

/**
 * Standard normal samples from the global seeded generator (float32 unless stated).
 * @example randn([3])
 */
export function randn(shape: Shape | number, options: CreationOptions = {}): Tensor {
  const s = checkShape(typeof shape === 'number' ? [shape] : shape, 'randn');
  const out = allocate(options.dtype ?? 'float32', numelOf(s));
  if (out instanceof Int32Array) throw new ValueError('randn: dtype must be float32 or float64');
  defaultGenerator.fillStandardNormal(out);
  return finish(out, s, options);
}
