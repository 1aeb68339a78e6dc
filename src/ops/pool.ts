/**
 * Pooling as `torch.nn.functional`: max and average pooling in 1-D and 2-D, and adaptive average
 * pooling, with PyTorch's argument rules, output sizes and error texts (aten/src/ATen/native/
 * Pool.h, DilatedMaxPool2d.cpp, AveragePool2d.cpp, AdaptiveAveragePooling.cpp). A 1-D pooling is
 * the 2-D one over [N, C, 1, L], as in PyTorch; inputs may be unbatched ([C, L], [C, H, W]).
 *
 * Five primitives, each over the last two dims of a tensor (its planes):
 *   maxPool:          y = x[idx],           its VJP scatters:   dx = Σ g at idx  (maxPoolBackward)
 *   maxPoolBackward:  dx = scatter(g, idx), its VJP gathers:    dg = gg[idx]     (maxPoolGather)
 *   maxPoolGather:    its VJP scatters again                                 (maxPoolBackward)
 *   avgPool:          y = A·x,              its VJP is Aᵀ·g                     (avgPoolBackward)
 *   avgPoolBackward:  dx = Aᵀ·g,            its VJP is A·gg                     (avgPool)
 * where A averages each window. Each VJP is again a recorded op, so second and higher
 * derivatives come out of the engine. Max pooling saves its argmax indices (int32, offsets in a
 * plane, h·W + w; PyTorch's are int64), which `returnIndices` also returns.
 */
import { apply, applyWithAux, definePrimitive, type Primitive } from '../autograd/function.js';
import { ShapeError, ValueError } from '../errors.js';
import {
  adaptiveAxis,
  avgPoolAxis,
  avgPoolKernel,
  maxPoolBackwardKernel,
  maxPoolForwardKernel,
  maxPoolGatherKernel,
  poolOutputSize,
  type AvgPooling,
  type AvgWindows,
  type PoolGeometry,
} from '../kernels/pool.js';
import type { FloatStorage } from '../tensor/dtype.js';
import { emptyTensor, floatDtype, scoped, type Tensor } from '../tensor/tensor.js';
import { reshape } from './shape.js';

// ---- primitives ---------------------------------------------------------------------------------

/** `shape` with its last two dims replaced by h, w. */
function planesShape(shape: readonly number[], h: number, w: number): number[] {
  return [...shape.slice(0, -2), h, w];
}

interface MaxBackwardParams {
  readonly geom: PoolGeometry;
  readonly idx: Tensor;
}

const maxPoolP = definePrimitive({
  name: 'maxPool2d',
  backwardName: 'MaxPool2DWithIndicesBackward0',
  forward([x], geom: PoolGeometry) {
    const shape = planesShape(x.shape, geom.oh, geom.ow);
    const out = emptyTensor(shape, x.dtype);
    const idx = emptyTensor(shape, 'int32');
    maxPoolForwardKernel(
      out.data as FloatStorage,
      idx.data as Int32Array,
      x.data as FloatStorage,
      geom,
    );
    return { out, saved: [idx] as const, aux: [idx] };
  },
  vjp: ({ g, saved: [idx], params: geom }) => [apply(maxPoolBackwardP, [g], { geom, idx })],
});

type IndexPrimitive = Primitive<MaxBackwardParams, readonly [Tensor]>;

/**
 * The scatter over max pooling's indices into the input's planes (dx = Σ g at idx) and its
 * adjoint, the gather into the output's planes (gg[idx]), as two primitives, each the other's VJP.
 */
function indexing(): IndexPrimitive {
  const make = (
    name: string,
    kernel: typeof maxPoolGatherKernel,
    toInput: boolean,
    adjoint: () => IndexPrimitive,
  ): IndexPrimitive =>
    definePrimitive({
      name,
      backwardName: 'MaxPool2DWithIndicesBackwardBackward0',
      forward([g], { geom, idx }: MaxBackwardParams) {
        const [h, w] = toInput ? [geom.h, geom.w] : [geom.oh, geom.ow];
        const out = emptyTensor(planesShape(g.shape, h, w), g.dtype);
        kernel(out.data as FloatStorage, g.data as FloatStorage, idx.data as Int32Array, geom);
        return { out, saved: [idx] as const };
      },
      vjp: ({ g, saved: [idx], params: { geom } }) => [apply(adjoint(), [g], { geom, idx })],
    });
  const scatterP = make('maxPool2dBackward', maxPoolBackwardKernel, true, () => gatherP);
  const gatherP = make('maxPool2dGather', maxPoolGatherKernel, false, () => scatterP);
  return scatterP;
}

const maxPoolBackwardP = indexing();

/** The averaging A and its adjoint Aᵀ as two primitives, each the other's VJP. */
type AvgPrimitive = Primitive<AvgPooling, readonly []>;

function averaging(name: string, backwardName: string): AvgPrimitive {
  const make = (backward: boolean, adjoint: () => AvgPrimitive): AvgPrimitive =>
    definePrimitive({
      name: backward ? `${name}Backward` : name,
      backwardName: backward ? backwardName.replace(/0$/, 'Backward0') : backwardName,
      forward([a], p: AvgPooling) {
        const [h, w] = backward ? [p.h, p.w] : [p.win.rows.start.length, p.win.cols.start.length];
        const out = emptyTensor(planesShape(a.shape, h, w), a.dtype);
        // The kernel's a is always the h×w side: x forward, dx backward.
        const [big, small] = backward ? [out, a] : [a, out];
        avgPoolKernel(backward, big.data as FloatStorage, small.data as FloatStorage, p);
        return { out, saved: [] as const };
      },
      vjp: ({ g, params }) => [apply(adjoint(), [g], params)],
    });
  const forwardP = make(false, () => backwardP);
  const backwardP = make(true, () => forwardP);
  return forwardP;
}

const avgPoolP = averaging('avgPool2d', 'AvgPool2DBackward0');
const adaptiveAvgPoolP = averaging('adaptiveAvgPool2d', 'AdaptiveAvgPool2DBackward0');

// ---- arguments ----------------------------------------------------------------------------------

/** A size per spatial dim: one number for all, or one per dim. */
export type Size2 = number | readonly number[];

/** A value for both dims or one per dim, as PyTorch's `_pair` and its "single int" checks. */
function pair(v: Size2, arg: string, op: string): [number, number] {
  const a = typeof v === 'number' ? [v] : v;
  if (a.length !== 1 && a.length !== 2) {
    throw new ValueError(`${op}: ${arg} must either be a single int, or a tuple of two ints`);
  }
  for (const n of a) {
    if (!Number.isInteger(n)) {
      throw new ValueError(`${op}: argument '${arg}' must be tuple of ints, but found ${n}`);
    }
  }
  return a.length === 1 ? [a[0], a[0]] : [a[0], a[1]];
}

/** One value for a 1-D pooling: a number or a one-element array. */
function single(v: Size2, arg: string, op: string): number {
  const a = typeof v === 'number' ? [v] : v;
  if (a.length !== 1) {
    throw new ValueError(`${op}: argument '${arg}' should contain one int (got ${a.length})`);
  }
  if (!Number.isInteger(a[0])) {
    throw new ValueError(`${op}: argument '${arg}' must be tuple of ints, but found ${a[0]}`);
  }
  return a[0];
}

/** A 2-D pooling's window, step, padding and dilation, as [h, w] pairs. */
interface Window2 {
  k: [number, number];
  s: [number, number];
  p: [number, number];
  d: [number, number];
}

/** The stride, or the kernel size where none is given (null, undefined or an empty array). */
function strideOr(stride: Size2 | null | undefined, kernelSize: Size2): Size2 {
  return stride === null ||
    stride === undefined ||
    (typeof stride !== 'number' && stride.length === 0)
    ? kernelSize
    : stride;
}

/** A pooling's window as [h, w] pairs; a 1-D one is the 2-D one over a height of 1, unpadded. */
function poolWindow(
  op: string,
  oneD: boolean,
  kernelSize: Size2,
  stride: Size2 | null | undefined,
  padding: Size2,
  dilation: Size2,
): Window2 {
  const hw = (v: Size2, arg: string, h: number): [number, number] =>
    oneD ? [h, single(v, arg, op)] : pair(v, arg, op);
  return {
    k: hw(kernelSize, 'kernel_size', 1),
    s: hw(strideOr(stride, kernelSize), 'stride', 1),
    p: hw(padding, 'padding', 0),
    d: hw(dilation, 'dilation', 1),
  };
}

const sizesText = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

/** PyTorch's `pooling_output_shape` checks, then the size along one dim. */
function outputSize(
  op: string,
  size: number,
  k: number,
  p: number,
  s: number,
  d: number,
  ceil: boolean,
): number {
  if (s === 0) throw new ValueError(`${op}: stride should not be zero`);
  if (p < 0) throw new ValueError(`${op}: pad must be non-negative, but got pad: ${p}`);
  if (p > Math.trunc(k / 2)) {
    throw new ValueError(
      `${op}: pad should be at most half of kernel size, but got pad=${p} and kernel_size=${k}`,
    );
  }
  return poolOutputSize(size, k, p, s, d, ceil);
}

/**
 * The geometry of a 2-D pooling of x ([C, H, W] or [N, C, H, W]), with the checks of PyTorch's
 * `pooling_output_shape` and `pool2d_shape_check`, in their order.
 */
function geometry(op: string, x: Tensor, win: Window2, ceilMode: boolean): PoolGeometry {
  const { k, s, p, d } = win;
  const [h, w] = x.shape.slice(-2);
  const oh = outputSize(op, h, k[0], p[0], s[0], d[0], ceilMode);
  const ow = outputSize(op, w, k[1], p[1], s[1], d[1], ceilMode);
  if (k[0] <= 0 || k[1] <= 0) {
    throw new ValueError(
      `${op}: kernel size should be greater than zero, but got kH: ${k[0]} kW: ${k[1]}`,
    );
  }
  if (s[0] <= 0 || s[1] <= 0) {
    throw new ValueError(
      `${op}: stride should be greater than zero, but got dH: ${s[0]} dW: ${s[1]}`,
    );
  }
  if (d[0] <= 0 || d[1] <= 0) {
    throw new ValueError(
      `${op}: dilation should be greater than zero, but got dilationH: ${d[0]} dilationW: ${d[1]}`,
    );
  }
  const c = x.shape[x.ndim - 3];
  const batchOk = x.ndim === 4 || x.shape[0] !== 0;
  if (!batchOk || c === 0 || h === 0 || w === 0) {
    throw new ShapeError(
      `${op}: Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, ` +
        `but got:${sizesText(x.shape)}`,
    );
  }
  if (oh < 1 || ow < 1) {
    throw new ShapeError(
      `${op}: Given input size: (${c}x${h}x${w}). Calculated output size: (${c}x${oh}x${ow}). ` +
        'Output size is too small',
    );
  }
  const planes = x.shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return {
    planes,
    h,
    w,
    oh,
    ow,
    kh: k[0],
    kw: k[1],
    sh: s[0],
    sw: s[1],
    ph: p[0],
    pw: p[1],
    dh: d[0],
    dw: d[1],
  };
}

/** A 1-D input as the 2-D one: [N, C, L] → [N, C, 1, L], [C, L] → [C, 1, L]. */
function as2d(x: Tensor): Tensor {
  return reshape(x, [...x.shape.slice(0, -1), 1, x.shape[x.ndim - 1]]);
}

/** A 2-D result back to 1-D: drops the height of 1. */
function as1d(y: Tensor): Tensor {
  return reshape(y, [...y.shape.slice(0, -2), y.shape[y.ndim - 1]]);
}

function check1dRank(op: string, torchOp: string, x: Tensor): void {
  if (x.ndim !== 2 && x.ndim !== 3) {
    throw new ShapeError(
      `${op}: Expected 2 to 3 dimensions, but got ${x.ndim}-dimensional tensor for argument #1 ` +
        `'self' (while checking arguments for ${torchOp})`,
    );
  }
}

// ---- max pooling --------------------------------------------------------------------------------

/** Options of `maxPool1d` and `maxPool2d` (and of `nn.MaxPool1d` and `nn.MaxPool2d`). */
export interface MaxPoolOptions {
  /** The window's step (default: the kernel size). */
  stride?: Size2 | null;
  /** Implicit −∞ padding on both sides, at most half the kernel size (default 0). */
  padding?: Size2;
  /** The step between a window's elements (default 1). */
  dilation?: Size2;
  /** Round the output size up: a last, partial window if it starts inside the input or its left padding (default false). */
  ceilMode?: boolean;
  /** Also return the argmax indices (int32 offsets within each plane). */
  returnIndices?: boolean;
}

function maxPool(op: string, x: Tensor, win: Window2, ceilMode: boolean): [Tensor, Tensor] {
  floatDtype(x, op);
  const geom = geometry(op, x, win, ceilMode);
  const [out, idx] = applyWithAux(maxPoolP, [x], geom);
  return [out, idx];
}

/** `maxPool1d` and `maxPool2d`: the pair [values, indices] when `returnIndices` is true. */
export interface MaxPoolFunction {
  (
    input: Tensor,
    kernelSize: Size2,
    options: MaxPoolOptions & { returnIndices: true },
  ): [Tensor, Tensor];
  (input: Tensor, kernelSize: Size2, options?: MaxPoolOptions): Tensor;
}

/**
 * The max pooling of `op`, after its rank check: 2-D, or 1-D as the 2-D one over a height of 1.
 */
function maxPoolFunction(
  op: string,
  oneD: boolean,
  checkRank: (x: Tensor) => void,
): MaxPoolFunction {
  function pool(
    input: Tensor,
    kernelSize: Size2,
    options: MaxPoolOptions & { returnIndices: true },
  ): [Tensor, Tensor];
  function pool(input: Tensor, kernelSize: Size2, options?: MaxPoolOptions): Tensor;
  function pool(
    input: Tensor,
    kernelSize: Size2,
    options: MaxPoolOptions = {},
  ): Tensor | [Tensor, Tensor] {
    checkRank(input);
    const { stride, padding = 0, dilation = 1, ceilMode = false } = options;
    const win = poolWindow(op, oneD, kernelSize, stride, padding, dilation);
    const r = oneD
      ? scoped(op, (): [Tensor, Tensor] => {
          const [o, i] = maxPool(op, as2d(input), win, ceilMode);
          return [as1d(o), as1d(i)];
        })
      : maxPool(op, input, win, ceilMode);
    return options.returnIndices === true ? r : r[0];
  }
  return pool;
}

/**
 * 2-D max pooling over [N, C, H, W] or [C, H, W], `torch.nn.functional.max_pool2d`.
 * @example maxPool2d(x, 2) // [64, 16, 28, 28] → [64, 16, 14, 14]
 */
export const maxPool2d: MaxPoolFunction = maxPoolFunction('maxPool2d', false, (x) => {
  if (x.ndim !== 3 && x.ndim !== 4) {
    throw new ShapeError('maxPool2d: non-empty 3D or 4D (batch mode) tensor expected for input');
  }
});

/**
 * 1-D max pooling over [N, C, L] or [C, L], `torch.nn.functional.max_pool1d`.
 * @example maxPool1d(x, 3, { stride: 2, padding: 1 })
 */
export const maxPool1d: MaxPoolFunction = maxPoolFunction('maxPool1d', true, (x) => {
  if (x.ndim !== 2 && x.ndim !== 3) {
    throw new ShapeError(
      'maxPool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for ' +
        `input, but got:${sizesText(x.shape)}`,
    );
  }
});

// ---- average pooling ----------------------------------------------------------------------------

/** Options of `avgPool1d` and `avgPool2d` (and of `nn.AvgPool1d` and `nn.AvgPool2d`). */
export interface AvgPoolOptions {
  /** The window's step (default: the kernel size). */
  stride?: Size2 | null;
  /** Implicit zero padding on both sides, at most half the kernel size (default 0). */
  padding?: Size2;
  /** Round the output size up, as in max pooling (default false). */
  ceilMode?: boolean;
  /** Count the padding in each window's divisor (default true). */
  countIncludePad?: boolean;
}

/** Options of `avgPool2d`: also a divisor to use instead of the window's size. */
export interface AvgPool2dOptions extends AvgPoolOptions {
  /** Divide every window's sum by this instead (default none; not 0). */
  divisorOverride?: number | null;
}

function avgPool(
  op: string,
  x: Tensor,
  win: Window2,
  ceilMode: boolean,
  countIncludePad: boolean,
  divisor: number,
): Tensor {
  floatDtype(x, op);
  const g = geometry(op, x, win, ceilMode);
  const windows: AvgWindows = {
    rows: avgPoolAxis(g.h, g.oh, g.kh, g.sh, g.ph, countIncludePad),
    cols: avgPoolAxis(g.w, g.ow, g.kw, g.sw, g.pw, countIncludePad),
    divisor,
  };
  return apply(avgPoolP, [x], { planes: g.planes, h: g.h, w: g.w, win: windows });
}

/**
 * 2-D average pooling over [N, C, H, W] or [C, H, W], `torch.nn.functional.avg_pool2d`.
 * @example avgPool2d(x, 3, { stride: 2, padding: 1, countIncludePad: false })
 */
export function avgPool2d(
  input: Tensor,
  kernelSize: Size2,
  options: AvgPool2dOptions = {},
): Tensor {
  const op = 'avgPool2d';
  const { stride, padding = 0, ceilMode = false, countIncludePad = true } = options;
  const divisorOverride = options.divisorOverride ?? null;
  const win = poolWindow(op, false, kernelSize, stride, padding, 1);
  if (divisorOverride !== null && (divisorOverride === 0 || !Number.isInteger(divisorOverride))) {
    throw new ValueError(
      divisorOverride === 0
        ? `${op}: divisor must be not zero`
        : `${op}: divisor_override must be an int, but got ${divisorOverride}`,
    );
  }
  if (input.ndim !== 3 && input.ndim !== 4) {
    throw new ShapeError(
      `${op}: Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, ` +
        `but got:${sizesText(input.shape)}`,
    );
  }
  return avgPool(op, input, win, ceilMode, countIncludePad, divisorOverride ?? 0);
}

/**
 * 1-D average pooling over [N, C, L] or [C, L], `torch.nn.functional.avg_pool1d`.
 * @example avgPool1d(x, 3, { stride: 1, padding: 1 })
 */
export function avgPool1d(input: Tensor, kernelSize: Size2, options: AvgPoolOptions = {}): Tensor {
  const op = 'avgPool1d';
  check1dRank(op, 'avg_pool1d', input);
  const { stride, padding = 0, ceilMode = false, countIncludePad = true } = options;
  const win = poolWindow(op, true, kernelSize, stride, padding, 1);
  return scoped(op, () => as1d(avgPool(op, as2d(input), win, ceilMode, countIncludePad, 0)));
}

// ---- adaptive average pooling -------------------------------------------------------------------

/** An adaptive pooling's output size: one for both dims, or [h, w] with null keeping the input's. */
export type AdaptiveSize2 = number | null | readonly (number | null)[];

function adaptive(op: string, x: Tensor, oh: number, ow: number): Tensor {
  floatDtype(x, op);
  if (oh < 0 || ow < 0 || !Number.isInteger(oh) || !Number.isInteger(ow)) {
    throw new ValueError(
      `${op}: elements of output_size must be greater than or equal to 0 but received {${oh}, ${ow}}`,
    );
  }
  if (x.ndim !== 3 && x.ndim !== 4) {
    throw new ShapeError(`${op}: Expected 3D or 4D tensor, but got ${sizesText(x.shape)}`);
  }
  for (const i of [x.ndim - 2, x.ndim - 1]) {
    if (x.shape[i] === 0) {
      throw new ShapeError(
        `${op}: Expected input to have non-zero size for non-batch dimensions, but input has ` +
          `sizes ${sizesText(x.shape)} with dimension ${i} being empty`,
      );
    }
  }
  const [h, w] = x.shape.slice(-2);
  const win: AvgWindows = { rows: adaptiveAxis(h, oh), cols: adaptiveAxis(w, ow), divisor: 0 };
  const planes = x.shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return apply(adaptiveAvgPoolP, [x], { planes, h, w, win });
}

/**
 * Adaptive 2-D average pooling to `outputSize` over [N, C, H, W] or [C, H, W],
 * `torch.nn.functional.adaptive_avg_pool2d`: output (i, j) averages rows ⌊i·H/oh⌋ to
 * ⌈(i+1)·H/oh⌉ and columns likewise. A null size keeps the input's.
 * @example adaptiveAvgPool2d(x, [7, 7])
 */
export function adaptiveAvgPool2d(input: Tensor, outputSize: AdaptiveSize2): Tensor {
  const op = 'adaptiveAvgPool2d';
  const sizes = typeof outputSize === 'number' || outputSize === null ? [outputSize] : outputSize;
  if (sizes.length !== 1 && sizes.length !== 2) {
    throw new ValueError(`${op}: output_size must be 2`);
  }
  const [sh, sw] = sizes.length === 1 ? [sizes[0], sizes[0]] : sizes;
  const oh = sh ?? input.shape[input.ndim - 2];
  const ow = sw ?? input.shape[input.ndim - 1];
  return adaptive(op, input, oh, ow);
}

/**
 * Adaptive 1-D average pooling to `outputSize` over [N, C, L] or [C, L],
 * `torch.nn.functional.adaptive_avg_pool1d`.
 * @example adaptiveAvgPool1d(x, 4)
 */
export function adaptiveAvgPool1d(input: Tensor, outputSize: number | readonly number[]): Tensor {
  const op = 'adaptiveAvgPool1d';
  check1dRank(op, 'adaptive_avg_pool1d', input);
  const size = single(outputSize, 'output_size', op);
  return scoped(op, () => as1d(adaptive(op, as2d(input), 1, size)));
}
