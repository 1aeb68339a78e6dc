/**
 * Datasets, as in `torch.utils.data`: the `Dataset` interface (`length` and `get(i)`),
 * `TensorDataset`, `Subset` and `randomSplit`, plus the seeded permutation they and the
 * `DataLoader` shuffle with.
 *
 * @example
 * ```ts
 * const ds = new data.TensorDataset(images, labels);
 * const [train, val] = data.randomSplit(ds, [0.9, 0.1], { seed: 0 });
 * ```
 */
import { IndexError, ShapeError, ValueError } from '../errors.js';
import { tensor } from '../ops/creation.js';
import { indexSelect, narrow } from '../ops/shape.js';
import { MT19937 } from '../ops/generator.js';
import { defaultGenerator } from '../tensor/random.js';
import { fmtShape } from '../tensor/shape.js';
import { plainTensor, scoped, type Tensor } from '../tensor/tensor.js';

/**
 * @internal `t` copied into a plain typed array. Batches are made by the loader's iterator,
 * outside the user's per-step `tidy`, so they live in plain arrays, which the garbage collector
 * frees without help even in a synchronous loop (pooled ones would wait for the event loop).
 */
export function plainCopy(t: Tensor): Tensor {
  const out = plainTensor(t.shape, t.dtype);
  out.data.set(t.data);
  return out;
}

/**
 * What `defaultCollate` makes of a list of samples of type `T`: tensors are stacked along a new
 * dim 0, numbers become a 1-D tensor, strings a list, and arrays and plain objects are collated
 * element by element (so a `[Tensor, number]` sample gives a `[Tensor, Tensor]` batch).
 */
export type Collated<T> = T extends Tensor
  ? Tensor
  : T extends number
    ? Tensor
    : T extends string
      ? string[]
      : T extends readonly unknown[]
        ? { -readonly [K in keyof T]: Collated<T[K]> }
        : T extends object
          ? { -readonly [K in keyof T]: Collated<T[K]> }
          : never;

/**
 * A map-style dataset: `length` samples, read one at a time with `get(i)` for i in
 * [0, length). The `torch.utils.data.Dataset` protocol, with `__len__` and `__getitem__` spelled
 * `length` and `get`.
 *
 * @example
 * ```ts
 * const squares: Dataset<[Tensor, number]> = {
 *   length: 10,
 *   get: (i) => [tensor([i]), i * i],
 * };
 * ```
 */
export interface Dataset<T> {
  /** The number of samples. */
  readonly length: number;
  /**
   * Sample `index`, for `index` in [0, length).
   * @example const [x0, y0] = ds.get(0);
   */
  get(index: number): T;
  /**
   * Optional fast path for the `DataLoader`: the batch of the samples at `indices`, which must
   * equal `defaultCollate(indices.map(get))`. `TensorDataset` reads a whole batch with one
   * `indexSelect` per tensor instead of stacking single samples.
   * @example getBatch: (indices) => [images.indexSelect(0, tensor(indices, { dtype: 'int32' }))]
   */
  getBatch?(indices: Int32Array): Collated<T>;
}

function checkSampleIndex(index: number, length: number, who: string): void {
  if (!Number.isInteger(index) || index < 0 || index >= length) {
    throw new IndexError(
      `${who}: index ${String(index)} is out of range for a dataset of length ${length}`,
    );
  }
}

/**
 * A uniformly random permutation of 0, …, n − 1, the same one NumPy's legacy
 * `np.random.RandomState(seed).permutation(n)` returns for a generator seeded with `seed`.
 *
 * The algorithm is NumPy's `shuffle`: Durstenfeld's Fisher–Yates on `[0, 1, …, n − 1]`, for
 * i = n − 1 down to 1 swap entries i and j, where j is uniform on [0, i]. j is drawn by
 * rejection, with no modulo bias: take `nextUint32() & mask`, with mask = 2^k − 1 the smallest
 * such number ≥ i, until the value is ≤ i (NumPy's `random_interval`). So one permutation consumes
 * at least n − 1 32-bit words of the stream (about 1.4·(n − 1) on average), and none when n ≤ 1.
 *
 * @example
 * ```ts
 * randomPermutation(10, new MT19937(0)); // Int32Array [2, 8, 4, 9, 1, 6, 7, 3, 0, 5]
 * ```
 */
export function randomPermutation(n: number, generator: MT19937 = defaultGenerator): Int32Array {
  if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) {
    throw new ValueError(`randomPermutation: n must be an integer in [0, 2**31 - 1], got ${n}`);
  }
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i >= 1; i--) {
    let mask = i;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    let j = generator.nextUint32() & mask;
    while (j > i) j = generator.nextUint32() & mask;
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}

/**
 * Samples that are rows of tensors: sample i is `[t0[i], t1[i], …]`, like
 * `torch.utils.data.TensorDataset`. All tensors need the same size in dim 0.
 *
 * As a `DataLoader` source it is fast: a batch is one `indexSelect` per tensor with the batch's
 * indices (not a stack of single rows), and it equals what stacking the rows would give.
 *
 * @example
 * ```ts
 * const ds = new TensorDataset(x, y); // x: [n, 784], y: int32 [n]
 * const [xi, yi] = ds.get(0);         // shapes [784] and []
 * ```
 */
export class TensorDataset implements Dataset<Tensor[]> {
  /** The tensors whose rows are the samples. */
  readonly tensors: readonly Tensor[];
  /** The number of samples: the common size of dim 0. */
  readonly length: number;

  constructor(...tensors: Tensor[]) {
    if (tensors.length === 0) {
      throw new ValueError('TensorDataset: expected at least one tensor');
    }
    tensors.forEach((t, i) => {
      if (t.ndim === 0) {
        throw new ShapeError(
          `TensorDataset: tensor ${i} is zero-dimensional (shape []); every tensor needs a ` +
            `first dimension to index samples along`,
        );
      }
    });
    const sizes = tensors.map((t) => t.shape[0]);
    if (sizes.some((s) => s !== sizes[0])) {
      throw new ShapeError(
        `TensorDataset: Size mismatch between tensors: every tensor needs the same size in ` +
          `dim 0, got sizes ${sizes.join(', ')} (shapes ${tensors.map((t) => fmtShape(t.shape)).join(', ')})`,
      );
    }
    this.tensors = [...tensors];
    this.length = sizes[0];
  }

  /**
   * Row `index` of every tensor (each without the first dim).
   * @example new TensorDataset(zeros([5, 3]), arange(5)).get(4) // [zeros([3]), a 0-d tensor 4]
   */
  get(index: number): Tensor[] {
    checkSampleIndex(index, this.length, 'TensorDataset.get');
    return scoped('TensorDataset.get', () =>
      this.tensors.map((t) => narrow(t, 0, index, 1).reshape(t.shape.slice(1))),
    );
  }

  /**
   * Rows `indices` of every tensor, as one `indexSelect(t, 0, indices)` each.
   * @example ds.getBatch(Int32Array.from([0, 2, 4])) // rows 0, 2 and 4 of each tensor
   */
  getBatch(indices: Int32Array): Tensor[] {
    // A batch is edge data, in plain arrays (see `plainCopy`); the pooled rows are released.
    return scoped('TensorDataset.getBatch', () => {
      const index = tensor(indices, { dtype: 'int32' });
      return this.tensors.map((t) => plainCopy(indexSelect(t, 0, index)));
    });
  }
}

/**
 * The samples of `dataset` at `indices`, in that order (`torch.utils.data.Subset`). Indices are
 * checked up front. Over a dataset with a batch fast path (a `TensorDataset`) it keeps the fast
 * path, with the indices mapped through.
 *
 * @example
 * ```ts
 * const firstHundred = new Subset(ds, Array.from({ length: 100 }, (_, i) => i));
 * ```
 */
export class Subset<T> implements Dataset<T> {
  /** The underlying dataset. */
  readonly dataset: Dataset<T>;
  /** Which samples of `dataset` this subset holds, in order. */
  readonly indices: Int32Array;
  /**
   * The underlying dataset's batch fast path, with the indices mapped through; absent when it
   * has none.
   * @example subset.getBatch?.(Int32Array.from([0, 1]))
   */
  readonly getBatch?: (indices: Int32Array) => Collated<T>;

  constructor(dataset: Dataset<T>, indices: readonly number[] | Int32Array) {
    this.dataset = dataset;
    indices.forEach((i) => checkSampleIndex(i, dataset.length, 'Subset'));
    this.indices = Int32Array.from(indices);
    const inner = dataset.getBatch?.bind(dataset);
    if (inner !== undefined) {
      this.getBatch = (batch) => inner(batch.map((i) => this.indices[i]));
    }
  }

  /** The number of samples: the number of indices. */
  get length(): number {
    return this.indices.length;
  }

  /**
   * Sample `indices[index]` of the underlying dataset.
   * @example new Subset(ds, [7, 3]).get(0) // ds.get(7)
   */
  get(index: number): T {
    checkSampleIndex(index, this.indices.length, 'Subset.get');
    return this.dataset.get(this.indices[index]);
  }
}

/** Where `randomSplit`'s permutation comes from: a seed or a generator, not both. */
export interface RandomSplitOptions {
  /** Seeds a private `MT19937`, so the split is reproducible on its own. */
  seed?: number;
  /** Draws from this generator instead (default: the global `defaultGenerator`). */
  generator?: MT19937;
}

/**
 * Splits `dataset` into non-overlapping random `Subset`s of the given lengths, like
 * `torch.utils.data.random_split`. The lengths either sum to `dataset.length`, or are fractions
 * summing to 1: then each gets ⌊fraction·length⌋ and the remaining samples go one each to the
 * first subsets, round-robin (PyTorch's rule). Subset k holds entries
 * [offset_k, offset_k + length_k) of one `randomPermutation(dataset.length)`.
 *
 * @example
 * ```ts
 * const [train, val] = randomSplit(ds, [0.8, 0.2], { seed: 42 });
 * ```
 */
export function randomSplit<T>(
  dataset: Dataset<T>,
  lengths: readonly number[],
  options: RandomSplitOptions = {},
): Subset<T>[] {
  const n = dataset.length;
  let sizes = [...lengths];
  const isFractions =
    sizes.length > 0 &&
    sizes.every((f) => f >= 0 && f <= 1) &&
    Math.abs(sizes.reduce((a, b) => a + b, 0) - 1) < 1e-9 &&
    sizes.reduce((a, b) => a + b, 0) !== n;
  if (isFractions) {
    sizes = sizes.map((f) => Math.floor(f * n));
    const remainder = n - sizes.reduce((a, b) => a + b, 0);
    for (let k = 0; k < remainder; k++) sizes[k % sizes.length] += 1;
  }
  if (sizes.some((s) => !Number.isInteger(s) || s < 0)) {
    throw new ValueError(
      `randomSplit: lengths must be non-negative integers or fractions summing to 1, ` +
        `got [${lengths.join(', ')}]`,
    );
  }
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total !== n) {
    throw new ValueError(
      `randomSplit: Sum of input lengths (${total}) does not equal the length of the input ` +
        `dataset (${n})`,
    );
  }
  const perm = randomPermutation(n, generatorFrom(options, 'randomSplit'));
  let offset = 0;
  return sizes.map((s) => {
    const part = new Subset(dataset, perm.subarray(offset, offset + s));
    offset += s;
    return part;
  });
}

/** @internal The generator a `{ seed, generator }` options object asks for. */
export function generatorFrom(options: RandomSplitOptions, who: string): MT19937 {
  const { seed, generator } = options;
  if (seed !== undefined && generator !== undefined) {
    throw new ValueError(`${who}: pass either seed or generator, not both`);
  }
  if (seed !== undefined) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new ValueError(`${who}: seed must be an integer in [0, 2**32 - 1], got ${seed}`);
    }
    return new MT19937(seed);
  }
  return generator ?? defaultGenerator;
}
