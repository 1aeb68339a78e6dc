/**
 * `gradcheck` and `gradgradcheck`, as in `torch.autograd`: the analytical vector-Jacobian product
 * for a random upstream gradient is compared, element by element, with central differences in
 * float64: (v·f(x + eps·eₖ) − v·f(x − eps·eₖ)) / 2eps.
 */
import { DTypeError, GradcheckError, ValueError } from '../errors.js';
import { MT19937 } from '../ops/generator.js';
import { dotValue } from '../ops/reduce.js';
import { contiguousStrides, fmtShape } from '../tensor/shape.js';
import { emptyTensor, scoped, Tensor } from '../tensor/tensor.js';
import { isFloat } from '../tensor/dtype.js';
import { grad } from './engine.js';

/** A function under test: tensors in, one tensor or a list of tensors out. */
export type TensorFn = (...inputs: Tensor[]) => Tensor | readonly Tensor[];

/** Options of `gradcheck` and `gradgradcheck`, with `torch.autograd.gradcheck`'s defaults. */
export interface GradcheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance (default 1e-3). */
  rtol?: number;
  /** Seed of the random upstream gradients (default 0); the global generator is not touched. */
  seed?: number;
  /** Throw a `GradcheckError` on mismatch (default true); otherwise return false. */
  raiseException?: boolean;
}

function asList(out: Tensor | readonly Tensor[]): readonly Tensor[] {
  return out instanceof Tensor ? [out] : out;
}

function randomLike(t: Tensor, gen: MT19937): Tensor {
  const out = emptyTensor(t.shape, 'float64');
  gen.fillStandardNormal(out.data as Float64Array);
  return out;
}

function multiIndex(shape: readonly number[], flat: number): number[] {
  return contiguousStrides(shape).map((s, d) => Math.floor(flat / s) % shape[d]);
}

/**
 * v·f(x) for the float outputs, summed in float64. Grad mode stays as the caller has it: `fn` may
 * itself take gradients (as the function that gradgradcheck builds does). Each call is a scope
 * of its own: the finite differences call `fn` twice per element, and what a call makes is dead
 * once its number is read.
 */
function project(fn: TensorFn, inputs: readonly Tensor[], vs: readonly (Tensor | null)[]): number {
  return scoped('gradcheck', () => {
    const outs = asList(fn(...inputs));
    let acc = 0;
    outs.forEach((o, j) => {
      const v = vs[j];
      if (v === null) return;
      acc += dotValue(o, v);
    });
    return acc;
  });
}

/**
 * Checks the gradients of `fn` at `inputs` against finite differences, for every input that
 * requires grad (which must be float64). Returns true, or throws a `GradcheckError` naming the
 * input, the element index and the analytical and numerical values.
 *
 * @example
 * ```ts
 * const x = randn([3, 4], { dtype: 'float64', requiresGrad: true });
 * gradcheck((t) => t.tanh().sum(1), [x]); // true
 * ```
 */
export function gradcheck(
  fn: TensorFn,
  inputs: readonly Tensor[],
  options: GradcheckOptions = {},
): boolean {
  return scoped('gradcheck', () => check(fn, inputs, options));
}

function check(fn: TensorFn, inputs: readonly Tensor[], options: GradcheckOptions): boolean {
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-3, seed = 0, raiseException = true } = options;
  const diff = inputs.map((t, i) => ({ t, i })).filter(({ t }) => t.requiresGrad);
  if (diff.length === 0)
    throw new ValueError('gradcheck expects at least one input tensor to require gradient');
  for (const { t, i } of diff) {
    if (t.dtype !== 'float64') {
      throw new DTypeError(
        `gradcheck: input ${i} requires grad but has dtype ${t.dtype}; finite differences need float64 inputs`,
      );
    }
  }
  const gen = new MT19937(seed);
  const outs = asList(fn(...inputs));
  const vs = outs.map((o) => (isFloat(o.dtype) ? randomLike(o, gen) : null));
  const diffOuts = outs.map((o, j) => ({ o, v: vs[j] })).filter(({ o }) => o.requiresGrad);
  const analytical =
    diffOuts.length === 0
      ? diff.map(() => null)
      : grad(
          diffOuts.map(({ o }) => o),
          diff.map(({ t }) => t),
          { gradOutputs: diffOuts.map(({ v }) => v), allowUnused: true, retainGraph: true },
        );
  for (let q = 0; q < diff.length; q++) {
    const { t, i } = diff[q];
    const a = analytical[q];
    // `t.data` is read anew after every call of fn: a call may grow the tensor memory, which
    // detaches older views where it is not shared.
    for (let k = 0; k < t.size; k++) {
      const orig = t.data[k];
      t.data[k] = orig + eps;
      const plus = project(fn, inputs, vs);
      t.data[k] = orig - eps;
      const minus = project(fn, inputs, vs);
      t.data[k] = orig;
      const numerical = (plus - minus) / (2 * eps);
      const an = a === null ? 0 : a.data[k];
      const ok = Math.abs(an - numerical) <= atol + rtol * Math.abs(numerical);
      if (!ok) {
        if (!raiseException) return false;
        throw new GradcheckError(
          `Jacobian mismatch for input ${i} (shape ${fmtShape(t.shape)}) at element ` +
            `${fmtShape(multiIndex(t.shape, k))} (flat index ${k}): analytical ${an}, numerical ` +
            `${numerical} (|difference| ${Math.abs(an - numerical)} > atol ${atol} + rtol ${rtol}·|numerical|)`,
        );
      }
    }
  }
  return true;
}

/**
 * Checks second derivatives: `gradcheck` applied to the function
 * `(inputs, v) ↦ ∂(v·fn(inputs))/∂inputs`, computed with `createGraph`, with respect to the inputs
 * and the random upstream gradient `v` alike (as `torch.autograd.gradgradcheck` does).
 *
 * @example
 * ```ts
 * gradgradcheck((t) => t.pow(3), [x]);
 * ```
 */
export function gradgradcheck(
  fn: TensorFn,
  inputs: readonly Tensor[],
  options: GradcheckOptions = {},
): boolean {
  return scoped('gradgradcheck', () => checkSecondOrder(fn, inputs, options));
}

function checkSecondOrder(
  fn: TensorFn,
  inputs: readonly Tensor[],
  options: GradcheckOptions,
): boolean {
  const gen = new MT19937((options.seed ?? 0) + 1);
  const outs = asList(fn(...inputs));
  const vs = outs.filter((o) => isFloat(o.dtype)).map((o) => randomLike(o, gen).requiresGrad_());
  const nIn = inputs.length;
  const firstOrder: TensorFn = (...args) => {
    const xs = args.slice(0, nIn);
    const v = args.slice(nIn);
    const ys = asList(fn(...xs));
    const pairs = ys.filter((o) => isFloat(o.dtype)).map((o, j) => ({ o, v: v[j] }));
    const live = pairs.filter(({ o }) => o.requiresGrad);
    const wrt = xs.filter((t) => t.requiresGrad);
    if (live.length === 0) return [];
    const gs = grad(
      live.map(({ o }) => o),
      wrt,
      { gradOutputs: live.map(({ v: vj }) => vj), createGraph: true, allowUnused: true },
    );
    return gs.filter((g): g is Tensor => g !== null);
  };
  return gradcheck(firstOrder, [...inputs, ...vs], options);
}
