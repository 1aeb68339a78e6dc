/**
 * The grouped-norm kernels of `groupnorm.wat` (LayerNorm and GroupNorm): the same arithmetic, in
 * the same order, as the TypeScript kernels of `../groupnorm.ts`, so their results are
 * bit-identical (see the .wat header). x, y, dy and dx are read and written where they are in the
 * tensor memory; the per-row statistics and per-entry affine vectors take scratch blocks from the
 * pool, as float64 arrays.
 */
import { heap } from '../../storage/memory.js';
import type { FloatStorage } from '../../tensor/dtype.js';
import { GROUPNORM_UNSHARED_WASM, GROUPNORM_WASM } from './generated.js';
import { lazyKernelModule, stage } from './instance.js';

interface Layout {
  outer: number;
  groups: number;
  k: number;
  l: number;
}

/**
 * forward_f32/f64 (x, y, rows, groups, k, l, w, b, mean, invstd, eps);
 * backward_f32/f64 (x, dy, dx, rows, groups, k, l, w, mean, invstd, dw, db, needDx).
 */
const exports = lazyKernelModule(
  { shared: GROUPNORM_WASM, unshared: GROUPNORM_UNSHARED_WASM },
  'groupnorm.wasm',
  ['forward_f32', 'forward_f64', 'backward_f32', 'backward_f64'],
);

function f64At(offset: number, n: number): Float64Array {
  return new Float64Array(heap(), offset, n);
}

/** `fill` where `values` is null, else a copy of `values`, into the f64 block at `offset`. */
function setEntries(offset: number, n: number, values: FloatStorage | null, fill: number): void {
  const v = f64At(offset, n);
  if (values === null) v.fill(fill);
  else v.set(values);
}

/**
 * Forward into `y`: per-row statistics and y = (x − mean)·invstd·w + b. Null when the operands do
 * not fit the module's memory or their storage types differ (the caller then runs the reference).
 */
export function groupNormForwardWasm(
  y: FloatStorage,
  x: FloatStorage,
  weight: FloatStorage | null,
  bias: FloatStorage | null,
  { outer, groups, k, l }: Layout,
  eps: number,
): { mean: Float64Array; invstd: Float64Array } | null {
  if (x.constructor !== y.constructor || outer * groups * k * l === 0) return null;
  const rows = outer * groups;
  const entries = groups * k;
  const s = stage(
    [{ data: x }, { data: y, out: true }],
    [8 * entries, 8 * entries, 8 * rows, 8 * rows],
  );
  if (s === null) return null;
  const [xAt, yAt] = s.at;
  const [w, b, mean, invstd] = s.scratch;
  setEntries(w, entries, weight, 1);
  setEntries(b, entries, bias, 0);
  const e = exports();
  const run = x instanceof Float32Array ? e.forward_f32 : e.forward_f64;
  run(xAt, yAt, rows, groups, k, l, w, b, mean, invstd, eps);
  const result = { mean: f64At(mean, rows).slice(), invstd: f64At(invstd, rows).slice() };
  s.done();
  return result;
}

/**
 * Backward: dweight = Σ dy·x̂ and dbias = Σ dy per entry and, when `dx` is given, dx by the closed
 * form of `groupNormBackwardKernel`. Null when the operands do not fit or their types differ.
 */
export function groupNormBackwardWasm(
  dx: FloatStorage | null,
  dy: FloatStorage,
  x: FloatStorage,
  stats: { mean: Float64Array; invstd: Float64Array },
  weight: FloatStorage | null,
  { outer, groups, k, l }: Layout,
): { dweight: Float64Array; dbias: Float64Array } | null {
  if (x.constructor !== dy.constructor || (dx !== null && dx.constructor !== dy.constructor)) {
    return null;
  }
  if (outer * groups * k * l === 0) return null;
  const rows = outer * groups;
  const entries = groups * k;
  const operands = [{ data: x }, { data: dy }, { data: dx ?? dy, out: dx !== null }];
  const s = stage(operands, [8 * entries, 8 * rows, 8 * rows, 8 * entries, 8 * entries]);
  if (s === null) return null;
  const [xAt, dyAt, dxAt] = s.at;
  const [w, mean, invstd, dw, db] = s.scratch;
  setEntries(w, entries, weight, 1);
  f64At(mean, rows).set(stats.mean);
  f64At(invstd, rows).set(stats.invstd);
  f64At(dw, entries).fill(0);
  f64At(db, entries).fill(0);
  const e = exports();
  const run = x instanceof Float32Array ? e.backward_f32 : e.backward_f64;
  run(xAt, dyAt, dxAt, rows, groups, k, l, w, mean, invstd, dw, db, dx === null ? 0 : 1);
  const result = { dweight: f64At(dw, entries).slice(), dbias: f64At(db, entries).slice() };
  s.done();
  return result;
}
