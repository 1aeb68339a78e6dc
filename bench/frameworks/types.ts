import type { Case } from '../lib/measure.js';
import type { Workload } from '../lib/workloads.js';

export type FrameworkId =
  'tapegrad' | 'pytorch' | 'tfjs-wasm' | 'tfjs-cpu' | 'jax-js' | 'js-pytorch';

/** The two BatchNorm implementations (and the MNIST network built with each). */
export type Impl = 'fused' | 'composite';

/**
 * The variant of an op where it has several: the BatchNorm implementation, and for BatchNorm the
 * form of the backward pass. `fused` and `composite` take the gradients with `autograd.grad`
 * (`torch.autograd.grad`), which returns them; `fused, backward()` and `composite, backward()`
 * call `y.backward(dy)`, which accumulates them into `.grad` of x, weight and bias, as a training
 * step does.
 */
export type Variant = Impl | `${Impl}, backward()`;

/** One row of a result table: a framework, and the variant of the op where it has several. */
export interface Row {
  framework: FrameworkId;
  variant?: Variant;
  threads?: number;
}

/** The BatchNorm implementation of a variant. */
export function implOf(v: Variant | undefined): Impl | undefined {
  return v === undefined ? undefined : v.startsWith('composite') ? 'composite' : 'fused';
}

/** Whether a variant takes its gradients with `y.backward(dy)` into `.grad`. */
export function isBackwardForm(v: Variant | undefined): boolean {
  return v?.endsWith(', backward()') ?? false;
}

/** The variant of implementation `impl` in the gradient form `backward` (see {@link Variant}). */
export function variantOf(impl: Impl, backward: boolean): Variant {
  return backward ? `${impl}, backward()` : impl;
}

export type Offer =
  { row: Row; make: () => Case | Promise<Case>; async: boolean } | { row: Row; skip: string };

export interface Context {
  /** Seconds an MNIST epoch may run before it is stopped and reported as unfinished. */
  epochDeadline: number;
}

export interface Adapter {
  id: FrameworkId;
  /** Loads the framework; returns its version and setup, for the report header. */
  init(): Promise<string>;
  offers(w: Workload, ctx: Context): Offer[];
}

export function rowLabel(r: Row): string {
  const name = r.framework === 'pytorch' ? 'PyTorch' : r.framework;
  const parts = [name];
  if (r.variant !== undefined) parts.push(r.variant);
  if (r.threads !== undefined) parts.push(`${r.threads}T`);
  return parts.join(' ');
}

export const JS_PEERS: readonly FrameworkId[] = ['tfjs-wasm', 'tfjs-cpu', 'jax-js', 'js-pytorch'];

/** Values of `data` at `indices`, as plain numbers. */
export function pick(data: ArrayLike<number>, indices: readonly number[]): number[] {
  return indices.map((i) => Number(data[i]));
}
