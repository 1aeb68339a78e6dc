import type { FloatStorage } from '../../tensor/dtype.js';
import type { AvgWindows, PoolGeometry } from '../pool.js';

export function maxPoolForwardWasm(
  _out: FloatStorage,
  _idx: Int32Array,
  _x: FloatStorage,
  _g: PoolGeometry,
): boolean {
  return false;
}
export function maxPoolBackwardWasm(
  _dx: FloatStorage,
  _dy: FloatStorage,
  _idx: Int32Array,
  _planes: number,
  _inSize: number,
  _outSize: number,
): boolean {
  return false;
}
export function avgPoolForwardWasm(
  _out: FloatStorage,
  _x: FloatStorage,
  _planes: number,
  _h: number,
  _w: number,
  _win: AvgWindows,
): boolean {
  return false;
}
export function avgPoolBackwardWasm(
  _dx: FloatStorage,
  _dy: FloatStorage,
  _planes: number,
  _h: number,
  _w: number,
  _win: AvgWindows,
): boolean {
  return false;
}
