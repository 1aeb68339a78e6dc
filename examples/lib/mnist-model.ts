/**
 * The demo networks, shared by `npm run demo`, `npm run demo:cnn` and the benchmark harness so
 * that they measure the same thing.
 */
import { nn } from '../../src/index.js';

type Impl = nn.functional.BatchNormImpl;

/** 784 → 256 → BatchNorm1d → ReLU → 128 → BatchNorm1d → ReLU → 10. */
export function mnistModel(impl: Impl): nn.Sequential {
  return new nn.Sequential(
    new nn.Linear(784, 256),
    new nn.BatchNorm1d(256, { impl }),
    new nn.ReLU(),
    new nn.Linear(256, 128),
    new nn.BatchNorm1d(128, { impl }),
    new nn.ReLU(),
    new nn.Linear(128, 10),
  );
}

/**
 * The CNN of `npm run demo:cnn`, on flat 784-pixel rows (as `data.loadMnist()` gives them):
 * Unflatten to 1×28×28, two Conv2d–BatchNorm2d–ReLU–MaxPool2d(2) stages (16 then 32 channels),
 * Flatten, Linear(32·7·7 → 10).
 */
export function cnnModel(impl: Impl): nn.Sequential {
  return new nn.Sequential(
    new nn.Unflatten(1, [1, 28, 28]),
    new nn.Conv2d(1, 16, 3, { padding: 1 }),
    new nn.BatchNorm2d(16, { impl }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(16, 32, 3, { padding: 1 }),
    new nn.BatchNorm2d(32, { impl }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(32 * 7 * 7, 10),
  );
}
