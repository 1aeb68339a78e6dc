/**
 * The demo network, 784 → 256 → BatchNorm1d → ReLU → 128 → BatchNorm1d → ReLU → 10, shared by
 * `npm run demo` and the benchmark harness so that both measure the same thing.
 */
import { nn } from '../../src/index.js';

export function mnistModel(impl: nn.functional.BatchNormImpl): nn.Sequential {
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
