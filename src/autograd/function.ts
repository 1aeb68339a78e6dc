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

export interface Forward<S extends readonly Tensor[]> {
  /** The differentiable output. */
  readonly out: Tensor;
  /** The values the VJP needs, saved by reference and version-checked before backward. */
  readonly saved: S;
  /** Outputs that carry no gradient (e.g. the indices of `max`). */
  readonly aux?: readonly Tensor[];
}

export interface VjpArgs<P, S extends readonly Tensor[]> {
  /** The upstream gradient, of the output's shape and dtype. */
  readonly g: Tensor;
  readonly saved: S;
  readonly params: P;
  /** Shapes and dtypes of the inputs, kept after the inputs themselves are gone. */
  readonly inputs: readonly InputMeta[];
  /** Which inputs need a gradient; the VJP may return `null` for the others. */
  readonly needs: readonly boolean[];
}

export interface Primitive<P, S extends readonly Tensor[]> {
  /** The op's name in messages, e.g. `mul`. */
  readonly name: string;
  /** PyTorch's name for its backward node, e.g. `MulBackward0`, shown as `grad_fn`. */
  readonly backwardName: string;
  forward(inputs: readonly Tensor[], params: P): Forward<S>;
  vjp(args: VjpArgs<P, S>): readonly (Tensor | null)[];
}

/** Identity, there to infer `P` and `S` from the definition's object literal. */
export function definePrimitive<P, S extends readonly Tensor[]>(
  def: Primitive<P, S>,
): Primitive<P, S> {
  return def;
}

/**
 * Calls a primitive and, when grad mode is on and some input requires grad, records one node on
 * the tape. Returns the differentiable output followed by any auxiliary outputs.
 */
export function applyWithAux<P, S extends readonly Tensor[]>(
  prim: Primitive<P, S>,
  inputs: readonly Tensor[],
  params: P,
): readonly [Tensor, ...Tensor[]] {
  const fwd = prim.forward(inputs, params);
  const aux = fwd.aux ?? [];
  const needs = inputs.map((t) => t.requiresGrad);
  if (!isGradEnabled() || !needs.includes(true)) return [fwd.out, ...aux];
  const edges: Edge[] = inputs.map((t) =>
    !t.requiresGrad ? null : t.gradFn !== null ? { node: t.gradFn } : { leaf: t },
  );
  const meta: InputMeta[] = inputs.map((t) => ({ shape: t.shape, dtype: t.dtype }));
  const saved = fwd.saved;
  const refs = saved.map((t) => ({ tensor: t, version: t._version.value }));
  const node = new Node(prim.backwardName, edges, meta, refs, (g) =>
    prim.vjp({ g, saved, params, inputs: meta, needs }),
  );
  fwd.out._setHistory(node);
  return [fwd.out, ...aux];
}

/** {@link applyWithAux} for primitives with one output. */
export function apply<P, S extends readonly Tensor[]>(
  prim: Primitive<P, S>,
  inputs: readonly Tensor[],
  params: P,
): Tensor {
  return applyWithAux(prim, inputs, params)[0];
}
