/**
 * `DataLoader`: batches of a `Dataset`, optionally shuffled, as in `torch.utils.data.DataLoader`
 * (single process, map-style datasets).
 *
 * @example
 * ```ts
 * const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 64, shuffle: true, seed: 0 });
 * for (const [xb, yb] of loader) { ... } // xb: [64, ...x.shape[1:]], yb: [64, ...]
 * ```
 */
import { ShapeError, ValueError } from '../errors.js';
import { stack } from '../ops/shape.js';
import type { MT19937 } from '../ops/generator.js';
import { plainTensor, scoped, Tensor } from '../tensor/tensor.js';
import {
  generatorFrom,
  plainCopy,
  randomPermutation,
  type Collated,
  type Dataset,
} from './dataset.js';

/** Options of `new DataLoader(dataset, options)`, as `torch.utils.data.DataLoader`'s. */
export interface DataLoaderOptions {
  /** Samples per batch (default 1). */
  batchSize?: number;
  /** Draw a new random order every epoch (default false: samples in index order). */
  shuffle?: boolean;
  /** Drop the last batch when it is smaller than `batchSize` (default false). */
  dropLast?: boolean;
  /**
   * Seeds the loader's own `MT19937`, created once with the loader: epoch k of two loaders with
   * the same seed has the same order, and successive epochs differ.
   */
  seed?: number;
  /** Shuffle with this generator instead. Without `seed` or `generator`: `defaultGenerator`. */
  generator?: MT19937;
}

function isInt32(v: number): boolean {
  return Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff;
}

function collateValues(samples: readonly unknown[], path: string): unknown {
  const first = samples[0];
  if (first instanceof Tensor) {
    const tensors = samples.map((s) => {
      if (!(s instanceof Tensor)) throw mixed(path, 'a Tensor', s);
      return s;
    });
    return plainCopy(stack(tensors, 0));
  }
  if (typeof first === 'number') {
    const numbers = samples.map((s) => {
      if (typeof s !== 'number') throw mixed(path, 'a number', s);
      return s;
    });
    const out = plainTensor([numbers.length], numbers.every(isInt32) ? 'int32' : 'float64');
    out.data.set(numbers);
    return out;
  }
  if (typeof first === 'string') {
    return samples.map((s) => {
      if (typeof s !== 'string') throw mixed(path, 'a string', s);
      return s;
    });
  }
  if (Array.isArray(first)) {
    const arrays = samples.map((s) => {
      if (!Array.isArray(s)) throw mixed(path, 'an array', s);
      if (s.length !== first.length) {
        throw new ShapeError(
          `defaultCollate: each element in list of batch should be of equal size ` +
            `(sample${path} has length ${first.length} in sample 0 and ${s.length} in another)`,
        );
      }
      return s;
    });
    return first.map((_, k) =>
      collateValues(
        arrays.map((a): unknown => a[k]),
        `${path}[${k}]`,
      ),
    );
  }
  if (typeof first === 'object' && first !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(first)) {
      out[key] = collateValues(
        samples.map((s): unknown => {
          if (typeof s !== 'object' || s === null || !(key in s)) {
            throw mixed(path, `an object with key '${key}'`, s);
          }
          return (s as Record<string, unknown>)[key];
        }),
        `${path}.${key}`,
      );
    }
    return out;
  }
  throw new ValueError(
    `defaultCollate: samples must contain Tensors, numbers, strings, arrays or plain objects; ` +
      `found ${first === null ? 'null' : typeof first} at sample${path}`,
  );
}

function mixed(path: string, expected: string, got: unknown): ValueError {
  const what = got instanceof Tensor ? 'a Tensor' : Array.isArray(got) ? 'an array' : typeof got;
  return new ValueError(
    `defaultCollate: expected ${expected} at sample${path} in every sample (as in sample 0), ` +
      `got ${what}`,
  );
}

/**
 * Collates samples into a batch like `torch.utils.data.default_collate`: tensors are stacked
 * along a new dim 0 (so they must have equal shapes), numbers become a 1-D tensor (int32 when all
 * are 32-bit integers, as class labels are, else float64, like PyTorch's collated Python floats),
 * strings a list, and arrays and plain objects are collated position by position / key by key.
 *
 * @example
 * ```ts
 * defaultCollate([[tensor([1, 2]), 0], [tensor([3, 4]), 1]]); // [tensor [2, 2], int32 tensor [2]]
 * ```
 */
export function defaultCollate<T>(samples: readonly T[]): Collated<T> {
  if (samples.length === 0) throw new ValueError('defaultCollate: expected at least one sample');
  // The recursion in collateValues follows the cases of Collated<T> one for one; TypeScript cannot
  // check a conditional type against a runtime walk, so the result is asserted here, once.
  return scoped('defaultCollate', () => collateValues(samples, '')) as Collated<T>;
}

/**
 * Iterates over `dataset` in batches of `batchSize` samples, each collated by stacking along a
 * new dim 0 (`defaultCollate`). Iterating again starts a new epoch. Like PyTorch's `DataLoader`
 * with `num_workers=0`.
 *
 * - Order: `shuffle: false` visits indices 0, 1, …, n − 1. `shuffle: true` draws a fresh
 *   `randomPermutation(n, generator)` (NumPy's Fisher–Yates, see there) each time iteration
 *   starts, from the loader's own `MT19937(seed)` when `seed` is given (epoch k is then the k-th
 *   `np.random.RandomState(seed).permutation(n)`), from `generator` when given, else from the
 *   global `defaultGenerator` (so `manualSeed(s)` makes it reproducible).
 * - Batches: consecutive runs of `batchSize` indices of that order; the last one is smaller
 *   unless n is a multiple of `batchSize`, and is dropped when `dropLast` is set.
 * - Fast path: when the dataset has `getBatch` (`TensorDataset`, and `Subset`s of it), a batch is
 *   read in one go, one `indexSelect` per tensor with an int32 tensor of the batch's indices.
 *
 * @example
 * ```ts
 * const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 32, shuffle: true, seed: 1 });
 * loader.length; // ⌈n / 32⌉ batches
 * for (const [xb, yb] of loader) train(xb, yb);
 * ```
 */
export class DataLoader<T> implements Iterable<Collated<T>> {
  /** The dataset the batches are drawn from. */
  readonly dataset: Dataset<T>;
  /** Samples per batch. */
  readonly batchSize: number;
  /** Whether each epoch draws a new random order. */
  readonly shuffle: boolean;
  /** Whether a last, smaller batch is dropped. */
  readonly dropLast: boolean;
  /** The generator that shuffles: the loader's own when seeded, else the one given or global. */
  readonly generator: MT19937;

  constructor(dataset: Dataset<T>, options: DataLoaderOptions = {}) {
    const { batchSize = 1, shuffle = false, dropLast = false } = options;
    if (!Number.isInteger(batchSize) || batchSize <= 0) {
      throw new ValueError(
        `DataLoader: batchSize should be a positive integer value, but got batchSize=${String(batchSize)}`,
      );
    }
    if (typeof shuffle !== 'boolean') {
      throw new ValueError(
        `DataLoader: shuffle should be a boolean value, but got shuffle=${String(shuffle)}`,
      );
    }
    if (typeof dropLast !== 'boolean') {
      throw new ValueError(
        `DataLoader: dropLast should be a boolean value, but got dropLast=${String(dropLast)}`,
      );
    }
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.generator = generatorFrom(options, 'DataLoader');
  }

  /** The number of batches in an epoch: ⌈n / batchSize⌉, or ⌊n / batchSize⌋ with `dropLast`. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /**
   * Starts an epoch: the order is drawn now, when the iterator is created.
   * @example for (const [xb, yb] of loader) train(xb, yb);
   */
  [Symbol.iterator](): Iterator<Collated<T>> {
    const n = this.dataset.length;
    let order: Int32Array;
    if (this.shuffle) {
      order = randomPermutation(n, this.generator);
    } else {
      order = new Int32Array(n);
      for (let i = 0; i < n; i++) order[i] = i;
    }
    return this.batches(order);
  }

  private *batches(order: Int32Array): Generator<Collated<T>, void, undefined> {
    const { dataset, batchSize } = this;
    const count = this.length;
    for (let b = 0; b < count; b++) {
      const indices = order.subarray(b * batchSize, Math.min((b + 1) * batchSize, order.length));
      // Batches are plain arrays (plainCopy): made here, outside the user's per-step tidy.
      if (dataset.getBatch !== undefined) {
        yield dataset.getBatch(indices);
      } else {
        yield defaultCollate(Array.from(indices, (i) => dataset.get(i)));
      }
    }
  }
}
