/**
 * The pooling kernels of `pool.wat`: the same arithmetic, in the same order, as the TypeScript
 * kernels of `../pool.ts`, so their results are bit-identical (see the .wat header). Operands are
 * read and written where they live in the tensor memory; an average pooling's window tables
 * (six i32 arrays of oh or ow entries) take scratch blocks. Each returns false, having done
 * nothing, when the operands cannot be placed in the memory (the caller then runs the
 * TypeScript kernel).
 *
 * One thread: the kernels stream through memory once, and a 2×2 max pooling of [64, 16, 28, 28]
 * float32 takes about a millisecond, less than handing a job to the workers is worth here.
 */
import { heap } from '../../storage/memory.js';
import type { FloatStorage } from '../../tensor/dtype.js';
import type { AvgPooling, PoolGeometry } from '../pool.js';
import { POOL_UNSHARED_WASM, POOL_WASM } from './generated.js';
import { lazyKernelModule, stage } from './instance.js';

const NAMES = [
  'max_fwd_f32',
  'max_fwd_f64',
  'max_fwd_2x2_f32',
  'max_bwd_f32',
  'max_bwd_f64',
  'avg_fwd_f32',
  'avg_fwd_f64',
  'avg_bwd_f32',
  'avg_bwd_f64',
] as const;

const exports = lazyKernelModule(
  { shared: POOL_WASM, unshared: POOL_UNSHARED_WASM },
  'pool.wasm',
  NAMES,
);

const isF32 = (a: FloatStorage): boolean => a instanceof Float32Array;

/** Max pooling of x into out and idx (see `maxPoolForwardKernel`). */
export function maxPoolForwardWasm(
  out: FloatStorage,
  idx: Int32Array,
  x: FloatStorage,
  g: PoolGeometry,
): boolean {
  if (out.constructor !== x.constructor) return false;
  const s = stage([{ data: x }, { data: out, out: true }, { data: idx, out: true }]);
  if (s === null) return false;
  const [xAt, outAt, idxAt] = s.at;
  const e = exports();
  const { planes, h, w, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw } = g;
  const plain2x2 =
    kh === 2 && kw === 2 && sh === 2 && sw === 2 && ph === 0 && pw === 0 && dh === 1 && dw === 1;
  if (isF32(x) && plain2x2 && 2 * oh <= h && 2 * ow <= w) {
    e.max_fwd_2x2_f32(xAt, outAt, idxAt, planes, h, w, oh, ow);
  } else {
    const f = isF32(x) ? e.max_fwd_f32 : e.max_fwd_f64;
    f(xAt, outAt, idxAt, planes, h, w, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw);
  }
  s.done();
  return true;
}

/** dx = g added at each output's index (see `maxPoolBackwardKernel`). */
export function maxPoolBackwardWasm(
  dx: FloatStorage,
  dy: FloatStorage,
  idx: Int32Array,
  geom: PoolGeometry,
): boolean {
  if (dx.constructor !== dy.constructor) return false;
  const s = stage([{ data: dx, out: true }, { data: dy }, { data: idx }]);
  if (s === null) return false;
  const [dxAt, dyAt, idxAt] = s.at;
  const e = exports();
  const { planes, h, w, oh, ow } = geom;
  (isF32(dx) ? e.max_bwd_f32 : e.max_bwd_f64)(dxAt, dyAt, idxAt, planes, h * w, oh * ow);
  s.done();
  return true;
}

/**
 * `avgPoolKernel`: average pooling of x into out (a = x, b = out), or its backward into dx
 * (a = dx, b = dy), as avg_fwd or avg_bwd with the window tables staged in scratch blocks.
 */
export function avgPoolWasm(
  backward: boolean,
  a: FloatStorage,
  b: FloatStorage,
  pool: AvgPooling,
): boolean {
  if (a.constructor !== b.constructor) return false;
  const { planes, h, w, win } = pool;
  const { rows, cols } = win;
  const oh = rows.start.length;
  const ow = cols.start.length;
  // forward: a = x (read), b = out (written); backward: a = dx (written), b = dy (read)
  const s = stage(
    [
      { data: a, out: backward },
      { data: b, out: !backward },
    ],
    [4 * oh, 4 * oh, 4 * oh, 4 * ow, 4 * ow, 4 * ow],
  );
  if (s === null) return false;
  const [aAt, bAt] = s.at;
  const tables = [rows.start, rows.end, rows.extent, cols.start, cols.end, cols.extent];
  tables.forEach((t, i) => new Int32Array(heap(), s.scratch[i], t.length).set(t));
  const e = exports();
  const f32 = isF32(a);
  const f = backward ? (f32 ? e.avg_bwd_f32 : e.avg_bwd_f64) : f32 ? e.avg_fwd_f32 : e.avg_fwd_f64;
  f(aAt, bAt, planes, h, w, oh, ow, ...s.scratch, win.divisor);
  s.done();
  return true;
}
