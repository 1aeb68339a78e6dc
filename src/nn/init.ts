/**
 * `nn.init`: in-place initialisation of parameters, as `torch.nn.init`, under `noGrad`.
 *
 * Every draw comes from the global seeded generator (`manualSeed`/`random.seed`), one per element
 * in row-major order: uniform_ writes a + (b − a)·u and normal_ writes mean + std·z, which are
 * NumPy's legacy `np.random.uniform(a, b, shape)` and `np.random.normal(mean, std, shape)`, so
 * after the same seed the values agree with NumPy bit for bit (float32 tensors get each float64
 * value rounded to nearest). Gains, fans and bounds follow torch/nn/init.py expression for
 * expression. Each function writes through an in-place op, so the tensor's version counter moves
 * (a backward that saved the old values fails loudly).
 *
 * @module
 */
import { DTypeError, ValueError } from '../errors.js';
import { noGrad } from '../autograd/grad-mode.js';
import { random } from '../tensor/random.js';
import { isFloat } from '../tensor/dtype.js';
import { scoped, type Tensor } from '../tensor/tensor.js';
import { add, mul } from '../ops/elementwise.js';

/** The `nn.functional` names `calculateGain` knows, as in PyTorch. */
export type Nonlinearity =
  | 'linear'
  | 'conv1d'
  | 'conv2d'
  | 'conv3d'
  | 'conv_transpose1d'
  | 'conv_transpose2d'
  | 'conv_transpose3d'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leaky_relu'
  | 'selu';

/** Which fan keeps the variance: of the activations forward (`fanIn`) or of the gradients backward. */
export type FanMode = 'fanIn' | 'fanOut';

/** Options of `kaimingUniform_` and `kaimingNormal_`, as `torch.nn.init`'s arguments. */
export interface KaimingOptions {
  /** Negative slope of the leaky ReLU that follows (only used with `'leaky_relu'`; default 0). */
  a?: number;
  /** Default `'fanIn'`. */
  mode?: FanMode;
  /** Default `'leaky_relu'`. */
  nonlinearity?: Nonlinearity;
}

const LINEAR_FNS: readonly string[] = [
  'linear',
  'conv1d',
  'conv2d',
  'conv3d',
  'conv_transpose1d',
  'conv_transpose2d',
  'conv_transpose3d',
];

/**
 * The recommended gain for a nonlinearity, `torch.nn.init.calculate_gain`: 1 for linear and
 * sigmoid, 5/3 for tanh, √2 for relu, √(2/(1 + slope²)) for leaky_relu (slope `param`, default
 * 0.01) and 3/4 for selu.
 * @example calculateGain('leaky_relu', 0.2)
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number | null): number {
  if (LINEAR_FNS.includes(nonlinearity) || nonlinearity === 'sigmoid') return 1;
  if (nonlinearity === 'tanh') return 5.0 / 3;
  if (nonlinearity === 'relu') return Math.sqrt(2.0);
  if (nonlinearity === 'leaky_relu') {
    let slope = 0.01;
    if (param !== undefined && param !== null) {
      if (typeof param !== 'number') {
        throw new ValueError(`negative_slope ${String(param)} not a valid number`);
      }
      slope = param;
    }
    return Math.sqrt(2.0 / (1 + slope ** 2));
  }
  if (nonlinearity === 'selu') return 3.0 / 4;
  throw new ValueError(`Unsupported nonlinearity ${String(nonlinearity)}`);
}

/**
 * `[fanIn, fanOut]` of a weight of shape [out, in, ...kernel], as torch's
 * `_calculate_fan_in_and_fan_out`: in·receptive field and out·receptive field.
 * @example calculateFanInAndFanOut(zeros([4, 3])) // [3, 4]
 */
export function calculateFanInAndFanOut(t: Tensor): [number, number] {
  if (t.ndim < 2) {
    throw new ValueError(
      `Fan in and fan out can not be computed for tensor with fewer than 2 dimensions (got shape [${t.shape.join(', ')}])`,
    );
  }
  let receptiveField = 1;
  for (const s of t.shape.slice(2)) receptiveField *= s;
  return [t.shape[1] * receptiveField, t.shape[0] * receptiveField];
}

function correctFan(t: Tensor, mode: FanMode): number {
  if (mode !== 'fanIn' && mode !== 'fanOut') {
    throw new ValueError(
      `Mode ${String(mode)} not supported, please use one of ['fanIn', 'fanOut']`,
    );
  }
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  return mode === 'fanIn' ? fanIn : fanOut;
}

function checkFloat(t: Tensor, op: string): void {
  if (!isFloat(t.dtype)) {
    throw new DTypeError(
      `${op}: expected a floating-point tensor (float32 or float64), got ${t.dtype}`,
    );
  }
}

/**
 * Copies `value` into `t` off the tape; `copy_` rounds to t's dtype and bumps the version. The
 * draws and the arithmetic on them are released when it returns (`op`'s scope).
 */
function write(t: Tensor, op: string, value: () => Tensor): Tensor {
  return scoped(op, () => noGrad(() => t.copy_(value())));
}

/**
 * Fills `t` with U(a, b) samples: a + (b − a)·u, u uniform in [0, 1) from the global generator.
 * @example uniform_(w, -0.1, 0.1)
 */
export function uniform_(t: Tensor, a = 0, b = 1): Tensor {
  checkFloat(t, 'uniform_');
  if (a > b) {
    throw new ValueError(
      `uniform_ expects to return a [from, to) range, but found from=${a} > to=${b}`,
    );
  }
  return write(t, 'uniform_', () => add(mul(random.random(t.shape), b - a), a));
}

/**
 * Fills `t` with N(mean, std²) samples: mean + std·z, z standard normal from the global generator.
 * @example normal_(w, 0, 0.02)
 */
export function normal_(t: Tensor, mean = 0, std = 1): Tensor {
  checkFloat(t, 'normal_');
  if (!(std >= 0)) throw new ValueError(`normal expects std >= 0.0, but found std ${std}`);
  return write(t, 'normal_', () => add(mul(random.standardNormal(t.shape), std), mean));
}

/**
 * Fills `t` with `value`.
 * @example constant_(b, 0.1)
 */
export function constant_(t: Tensor, value: number): Tensor {
  return noGrad(() => t.fill_(value));
}

/**
 * Fills `t` with zeros.
 * @example zeros_(fc.bias!)
 */
export function zeros_(t: Tensor): Tensor {
  return noGrad(() => t.zero_());
}

/**
 * Fills `t` with ones.
 * @example ones_(bn.weight!)
 */
export function ones_(t: Tensor): Tensor {
  return noGrad(() => t.fill_(1));
}

/**
 * Glorot/Xavier uniform: U(−a, a) with a = gain·√(6/(fanIn + fanOut)) (computed as
 * √3·gain·√(2/(fanIn + fanOut)), as PyTorch does).
 * @example xavierUniform_(w, calculateGain('tanh'))
 */
export function xavierUniform_(t: Tensor, gain = 1): Tensor {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  const std = gain * Math.sqrt(2.0 / (fanIn + fanOut));
  const a = Math.sqrt(3.0) * std;
  return uniform_(t, -a, a);
}

/**
 * Glorot/Xavier normal: N(0, std²) with std = gain·√(2/(fanIn + fanOut)).
 * @example xavierNormal_(w)
 */
export function xavierNormal_(t: Tensor, gain = 1): Tensor {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  const std = gain * Math.sqrt(2.0 / (fanIn + fanOut));
  return normal_(t, 0, std);
}

/** gain/√fan for Kaiming init, with `a` passed on as the leaky-ReLU slope, as PyTorch does. */
function kaimingStd(t: Tensor, options: KaimingOptions): number {
  const { a = 0, mode = 'fanIn', nonlinearity = 'leaky_relu' } = options;
  const fan = correctFan(t, mode);
  const gain = calculateGain(nonlinearity, a);
  return gain / Math.sqrt(fan);
}

/**
 * He/Kaiming uniform: U(−bound, bound) with bound = gain·√(3/fan). A tensor with no elements is
 * left alone (PyTorch warns).
 * @example kaimingUniform_(w, { a: Math.sqrt(5) }); // what nn.Linear does
 */
export function kaimingUniform_(t: Tensor, options: KaimingOptions = {}): Tensor {
  if (t.size === 0) return t;
  const bound = Math.sqrt(3.0) * kaimingStd(t, options);
  return uniform_(t, -bound, bound);
}

/**
 * He/Kaiming normal: N(0, std²) with std = gain/√fan.
 * @example kaimingNormal_(w, { mode: 'fanOut', nonlinearity: 'relu' })
 */
export function kaimingNormal_(t: Tensor, options: KaimingOptions = {}): Tensor {
  if (t.size === 0) return t;
  return normal_(t, 0, kaimingStd(t, options));
}
