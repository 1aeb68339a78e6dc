/**
 * How a primitive is defined and how a call of it is recorded.
 *
 * A primitive is one object holding its name, its forward (checks and the kernel call) and its
 * VJP, side by side, in the JAX `custom_vjp` shape: `forward(inputs, params) -> { out, saved }` and
 * `vjp({ g, saved, params, … }) -> one gradient per input`. Residuals are explicit in `saved`;
 * nothing hides in shared state. VJPs are written with public tensor ops, so when backward runs
 * with `createGraph` they record onto the tape and give higher-order gradients for free.
 */
import type { Tensor } from '../tensor/tensor.js';
import { isGradEnabled } from './grad-mode.js';
import { Node, type Edge, type InputMeta } from './node.js';
import { closeScope, openScope, recordNode } from '../tensor/scope.js';

/** What a primitive's forward returns: the output and the residuals its VJP will need. */
export interface Forward<S extends readonly (Tensor | null)[]> {
  /** The differentiable output. */
  readonly out: Tensor;
  /**
   * The values the VJP needs, saved by reference and version-checked before backward. An entry
   * may be `null` when no requested gradient needs it (mul saves `a` only if `b` needs a
   * gradient), so that later in-place changes of it are no error, as in PyTorch.
   */
  readonly saved: S;
  /** Outputs that carry no gradient (e.g. the indices of `max`). */
  readonly aux?: readonly Tensor[];
}

/** What a primitive's VJP receives. */
export interface VjpArgs<P, S extends readonly (Tensor | null)[]> {
  /** The upstream gradient, of the output's shape and dtype. */
  readonly g: Tensor;
  /** The residuals the forward returned in `saved`, checked unmodified since. */
  readonly saved: S;
  /** The non-tensor arguments of the call (a dim, an exponent, …), as passed to `apply`. */
  readonly params: P;
  /** Shapes and dtypes of the inputs, kept after the inputs themselves are gone. */
  readonly inputs: readonly InputMeta[];
  /** Which inputs need a gradient; the VJP may return `null` for the others. */
  readonly needs: readonly boolean[];
}

/**
 * A differentiable op, JAX `custom_vjp` style: its forward and its vector-Jacobian product side
 * by side. `P` is the type of its non-tensor parameters, `S` that of its saved residuals.
 *
 * @example
 * ```ts
 * const cubeP = autograd.definePrimitive({
 *   name: 'cube',
 *   backwardName: 'CubeBackward0',
 *   forward: ([x]) => ({ out: x.detach().pow(3), saved: [x] as const }),
 *   vjp: ({ g, saved: [x] }) => [g.mul(x.square().mul(3))], // d x³ = 3x²
 * });
 * const cube = (x: Tensor): Tensor => autograd.apply(cubeP, [x], null);
 * ```
 */
export interface Primitive<P, S extends readonly (Tensor | null)[]> {
  /** The op's name in messages, e.g. `mul`. */
  readonly name: string;
  /** PyTorch's name for its backward node, e.g. `MulBackward0`, shown as `grad_fn`. */
  readonly backwardName: string;
  /**
   * Checks the arguments and computes the output off the tape (kernels or detached tensors),
   * returning the residuals for the VJP in `saved`.
   * @example forward: ([x]) => ({ out: x.detach().pow(3), saved: [x] as const })
   */
  /** `needs[i]`: input i will receive a gradient if this call is recorded. */
  forward(inputs: readonly Tensor[], params: P, needs: readonly boolean[]): Forward<S>;
  /**
   * One gradient per input, each of its input's shape (or null where `needs` is false), written
   * with tensor ops so that a `createGraph` backward can differentiate it again.
   * @example vjp: ({ g, saved: [x] }) => [g.mul(x.square().mul(3))]
   */
  vjp(args: VjpArgs<P, S>): readonly (Tensor | null)[];
}

/**
 * Defines a primitive (see `Primitive`). At run time it is the identity; it exists so that
 * TypeScript infers `P` and `S` from the object literal and checks forward and VJP against them.
 *
 * @example
 * ```ts
 * const scaleP = autograd.definePrimitive({
 *   name: 'scale',
 *   backwardName: 'ScaleBackward0',
 *   forward: ([x], k: number) => ({ out: x.detach().mul(k), saved: [] }),
 *   vjp: ({ g, params: k }) => [g.mul(k)],
 * });
 * autograd.apply(scaleP, [x], 3); // 3x, with gradient 3g
 * ```
 */
export function definePrimitive<P, S extends readonly (Tensor | null)[]>(
  def: Primitive<P, S>,
): Primitive<P, S> {
  return def;
}

/**
 * Calls a primitive and, when grad mode is on and some input requires grad, records one node on
 * the tape. Returns the differentiable output followed by any auxiliary outputs.
 * @example const [out, ...aux] = autograd.applyWithAux(prim, inputs, params);
 */
export function applyWithAux<P, S extends readonly (Tensor | null)[]>(
  prim: Primitive<P, S>,
  inputs: readonly Tensor[],
  params: P,
): readonly [Tensor, ...Tensor[]] {
  const recording = isGradEnabled();
  const needs = inputs.map((t) => recording && t.requiresGrad);
  const record = needs.includes(true);
  // The forward runs in its own scope: what it makes besides its outputs is released when it
  // returns, except what the tape takes its own reference to (`_share`) for the VJP.
  let saved: S | null = null;
  const scope = openScope('library', prim.name);
  let fwd: Forward<S>;
  try {
    fwd = prim.forward(inputs, params, needs);
    if (record) saved = shareAll(fwd.saved);
  } catch (e) {
    closeScope(scope, () => false);
    throw e;
  }
  const { out, aux: extra } = fwd;
  closeScope(
    scope,
    extra === undefined ? (t) => t === out : (t) => t === out || extra.includes(t as Tensor),
  );
  const aux = fwd.aux ?? [];
  if (saved === null) return [fwd.out, ...aux];
  const handles: S = saved;
  const edges: Edge[] = inputs.map((t) =>
    !t.requiresGrad ? null : t.gradFn !== null ? { node: t.gradFn } : { leaf: t._leafOf ?? t },
  );
  const meta: InputMeta[] = inputs.map((t) => ({ shape: t.shape, dtype: t.dtype }));
  const refs = handles.flatMap((t) =>
    t === null ? [] : [{ tensor: t, version: t._version.value }],
  );
  const node = new Node(prim.backwardName, edges, meta, refs, (g) =>
    prim.vjp({ g, saved: handles, params, inputs: meta, needs }),
  );
  fwd.out._setHistory(node);
  recordNode(node);
  // The tape's reference to a saved output carries the output's place on the tape.
  handles.forEach((h, i) => {
    if (h !== null && fwd.saved[i] === fwd.out) h._setHistory(node);
  });
  return [fwd.out, ...aux];
}

/** The tape's own references to the values a forward saved (null stays null). */
function shareAll<S extends readonly (Tensor | null)[]>(saved: S): S {
  return saved.map((t) => (t === null ? null : t._share())) as readonly (Tensor | null)[] as S;
}

/**
 * {@link applyWithAux} for primitives with one output: calls `prim` on `inputs` and records it.
 * @example const y = autograd.apply(cubeP, [x], null);
 */
export function apply<P, S extends readonly (Tensor | null)[]>(
  prim: Primitive<P, S>,
  inputs: readonly Tensor[],
  params: P,
): Tensor {
  return applyWithAux(prim, inputs, params)[0];
}
