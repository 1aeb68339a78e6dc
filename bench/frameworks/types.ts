import type { Case } from '../lib/measure.js';
import type { Workload } from '../lib/workloads.js';

export type FrameworkId =
  'tapegrad' | 'pytorch' | 'tfjs-wasm' | 'tfjs-cpu' | 'jax-js' | 'js-pytorch';

/** One row of a result table: a framework, and the variant of the op where it has several. */
export interface Row {
  framework: FrameworkId;
  variant?: 'fused' | 'composite';
  threads?: number;
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
