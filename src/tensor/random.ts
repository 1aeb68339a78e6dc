/**
 * The global generator and the NumPy-compatible `random` namespace. `random.seed(s)` then
 * `random.random(shape)` or `random.standardNormal(shape)` reproduces NumPy's legacy
 * `np.random.seed(s); np.random.random(shape)` bit for bit, as float64 tensors like NumPy's.
 */
import { MT19937, type MT19937State } from '../ops/generator.js';
import { checkShape, type Shape } from './shape.js';
import { emptyTensor, type Tensor } from './tensor.js';

/** The generator behind `random`, `rand`, `randn`, `nn.init` and shuffling. */
export const defaultGenerator = new MT19937();

function draw(shape: Shape | number, fill: (out: Float64Array) => void, op: string): Tensor {
  const s = checkShape(typeof shape === 'number' ? [shape] : shape, op);
  const out = emptyTensor(s, 'float64');
  fill(out.data as Float64Array);
  return out;
}

/**
 * NumPy's legacy global random API, on the generator shared with `rand`/`randn`.
 *
 * @example
 * ```ts
 * random.seed(123);
 * const x = random.random([3, 5]); // == np.random.seed(123); np.random.random((3, 5))
 * ```
 */
export const random = {
  /**
   * Re-seeds like `np.random.seed(s)` (an integer in [0, 2³² − 1]); clears the cached normal.
   * @example random.seed(123)
   */
  seed(s: number): void {
    defaultGenerator.seed(s);
  },
  /**
   * Uniform [0, 1) float64 samples, like `np.random.random(shape)`; a 0-d tensor by default.
   * @example random.random([3, 5])
   */
  random(shape: Shape | number = []): Tensor {
    return draw(shape, (o) => defaultGenerator.fillRandom(o), 'random');
  },
  /**
   * Standard normal float64 samples, like `np.random.standard_normal(shape)`.
   * @example random.standardNormal(4)
   */
  standardNormal(shape: Shape | number = []): Tensor {
    return draw(shape, (o) => defaultGenerator.fillStandardNormal(o), 'standardNormal');
  },
  /**
   * A copy of the generator state, to restore with `setState`.
   * @example const saved = random.getState();
   */
  getState(): MT19937State {
    return defaultGenerator.getState();
  },
  /**
   * Restores a state from `getState()` (or NumPy's `get_state()`): the draws that follow repeat.
   * @example random.setState(saved)
   */
  setState(state: MT19937State): void {
    defaultGenerator.setState(state);
  },
};

/**
 * Seeds the global generator (the `torch.manual_seed` spelling of `random.seed`), which also
 * drives `rand`, `randn`, `nn.init`, dropout and shuffling.
 * @example manualSeed(0)
 */
export function manualSeed(s: number): void {
  defaultGenerator.seed(s);
}
