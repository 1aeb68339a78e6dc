/**
 * Creating tensors: from data (`tensor`), constants (`zeros`, `ones`, `full`, `eye`), ranges
 * (`arange`, `linspace`) and the seeded generator (`rand`, `randn`). Results are leaves; pass
 * `requiresGrad: true` to track them.
 */
import { ValueError } from '../errors.js';
import {
  assertDType,
  dtypeOf,
  type DType,
  type FloatStorage,
  type Storage,
} from '../tensor/dtype.js';
import { arangeKernel, eyeKernel, linspaceKernel } from '../kernels/creation.js';
import { checkShape, fmtShape, numelOf, type Shape } from '../tensor/shape.js';
import { emptyTensor, type NestedArray, type Tensor } from '../tensor/tensor.js';
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

function finish(t: Tensor, options: CreationOptions): Tensor {
  if (options.requiresGrad === true) {
    try {
      t.requiresGrad_(true);
    } catch (e) {
      t.dispose();
      throw e;
    }
  }
  return t;
}

/** A new tensor of `shape` whose elements `fill` writes; released again if `fill` throws. */
function filled(
  op: string,
  shape: Shape,
  dtype: DType,
  fill: (out: Storage) => void,
  options: CreationOptions,
): Tensor {
  const t = emptyTensor(shape, dtype, false, op);
  try {
    fill(t.data);
  } catch (e) {
    t.dispose();
    throw e;
  }
  return finish(t, options);
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
    return filled('tensor', shape, dtype ?? dtypeOf(data), (out) => out.set(data), options);
  }
  const nestedShape = inferNested(data);
  let shape = nestedShape;
  if (options.shape !== undefined) {
    shape = checkShape(options.shape, 'tensor');
    const n = numelOf(nestedShape);
    if (numelOf(shape) !== n) {
      throw new ValueError(`tensor: shape ${fmtShape(shape)} is invalid for input of size ${n}`);
    }
  }
  return filled(
    'tensor',
    shape,
    dtype ?? 'float32',
    (out) => flattenNested(data, nestedShape, out),
    options,
  );
}

/**
 * A tensor of `shape` filled with `value`.
 * @example full([2, 3], 7)
 */
export function full(shape: Shape | number, value: number, options: CreationOptions = {}): Tensor {
  const s = checkShape(typeof shape === 'number' ? [shape] : shape, 'full');
  return filled('full', s, options.dtype ?? 'float32', (out) => out.fill(value), options);
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
export function arange(end: number, options?: CreationOptions): Tensor;
export function arange(start: number, end: number, options?: CreationOptions): Tensor;
export function arange(
  start: number,
  end?: number,
  step?: number,
  options?: CreationOptions,
): Tensor;
export function arange(start: number, ...rest: (number | CreationOptions | undefined)[]): Tensor {
  // The options object may follow any number of the numbers, as keyword arguments do in PyTorch.
  const last = rest.findIndex((a) => typeof a === 'object');
  const options = last < 0 ? {} : (rest[last] as CreationOptions);
  const numbers = (last < 0 ? rest : rest.slice(0, last)) as (number | undefined)[];
  const [end, step = 1] = numbers;
  const [lo, hi] = end === undefined ? [0, start] : [start, end];
  if (step === 0) throw new ValueError('arange: step must be nonzero');
  if ((hi - lo) * step < 0) {
    throw new ValueError(
      `arange: upper bound and larger bound inconsistent with step sign (start ${lo}, end ${hi}, step ${step})`,
    );
  }
  const n = Math.max(0, Math.ceil((hi - lo) / step));
  const integral = [lo, hi, step].every(Number.isInteger);
  const dtype = options.dtype ?? (integral ? 'int32' : 'float32');
  return filled('arange', [n], dtype, (out) => arangeKernel(out, lo, step), options);
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
  const dtype = options.dtype ?? 'float32';
  return filled('linspace', [steps], dtype, (out) => linspaceKernel(out, start, end), options);
}

/**
 * The `n × m` identity (m = n by default).
 * @example eye(3)
 */
export function eye(n: number, m = n, options: CreationOptions = {}): Tensor {
  const shape = checkShape([n, m], 'eye');
  return filled('eye', shape, options.dtype ?? 'float32', (out) => eyeKernel(out, n, m), options);
}

/**
 * Uniform [0, 1) samples from the global seeded generator (float32 unless stated): the same
 * stream as `random.random`, rounded to the dtype.
 * @example manualSeed(0); rand([2, 2])
 */
export function rand(shape: Shape | number, options: CreationOptions = {}): Tensor {
  const s = checkShape(typeof shape === 'number' ? [shape] : shape, 'rand');
  const dtype = options.dtype ?? 'float32';
  if (dtype === 'int32') throw new ValueError('rand: dtype must be float32 or float64');
  return filled(
    'rand',
    s,
    dtype,
    (out) => defaultGenerator.fillRandom(out as FloatStorage),
    options,
  );
}

/**
 * Standard normal samples from the global seeded generator (float32 unless stated).
 * @example randn([3])
 */
export function randn(shape: Shape | number, options: CreationOptions = {}): Tensor {
  const s = checkShape(typeof shape === 'number' ? [shape] : shape, 'randn');
  const dtype = options.dtype ?? 'float32';
  if (dtype === 'int32') throw new ValueError('randn: dtype must be float32 or float64');
  return filled(
    'randn',
    s,
    dtype,
    (out) => defaultGenerator.fillStandardNormal(out as FloatStorage),
    options,
  );
}
