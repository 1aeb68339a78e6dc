/**
 * 1-D and 2-D convolutions with PyTorch's semantics (`torch.nn.functional.conv1d` / `conv2d`):
 * stride, zero padding (numbers, per-dim lists, `'valid'`, or `'same'`, which pads the extra
 * element of an odd total at the end as PyTorch does), dilation, groups, an optional bias, and
 * unbatched input.
 *
 * Three primitives, each linear in each of its two tensor inputs, close under differentiation.
 * With F(x, w) = conv(x, w) and ⟨·,·⟩ the sum of elementwise products:
 *
 *     Dx(g, w) = ∂⟨g, F(x, w)⟩/∂x    (the input gradient, a transposed convolution)
 *     Dw(x, g) = ∂⟨g, F(x, w)⟩/∂w    (the weight gradient, a convolution of x with g)
 *
 * and since ⟨h, Dx(g, w)⟩ = ⟨F(h, w), g⟩ and ⟨h, Dw(x, g)⟩ = ⟨F(x, h), g⟩, the VJPs are
 *
 *     F:   dx = Dx(g, w),   dw = Dw(x, g),   dbias = Σ_{n, spatial} g
 *     Dx:  dg = F(h, w),    dw = Dw(h, g)
 *     Dw:  dx = Dx(g, h),   dg = F(x, h)
 *
 * so a `createGraph` backward records these same primitives, and derivatives of any order follow.
 */
import { apply, definePrimitive, type Primitive, type VjpArgs } from '../autograd/function.js';
import { DTypeError, ShapeError, ValueError } from '../errors.js';
import {
  convForwardKernel,
  convInputGradKernel,
  convWeightGradKernel,
  type ConvGeometry,
} from '../kernels/conv.js';
import type { FloatStorage } from '../tensor/dtype.js';
import { fmtShape, type Shape } from '../tensor/shape.js';
import { emptyTensor, floatDtype, scoped, type Tensor } from '../tensor/tensor.js';
import { sum } from './reduce.js';
import { squeeze, unsqueeze } from './shape.js';

/** `padding` of a convolution: per dim (one number for all), or `'valid'` (none), or `'same'`. */
export type ConvPadding = number | readonly number[] | 'same' | 'valid';

/** Options of `conv1d` / `conv2d` (PyTorch's keyword arguments). */
export interface ConvOptions {
  /** Step of the kernel over the input, per spatial dim or one for all (default 1). */
  stride?: number | readonly number[];
  /** Zero padding on both sides of each spatial dim, `'valid'` (0) or `'same'` (default 0). */
  padding?: ConvPadding;
  /** Spacing between kernel taps, per spatial dim or one for all (default 1). */
  dilation?: number | readonly number[];
  /** Input and output channels split into this many independent groups (default 1). */
  groups?: number;
}

/** What the three primitives share: the 2-D geometry and the tensors' own (1-D or 2-D) shapes. */
interface ConvParams {
  geo: ConvGeometry;
  xShape: Shape;
  wShape: Shape;
  yShape: Shape;
  /** The dims a bias gradient sums over: batch and spatial. */
  biasDims: number[];
}

const data = (t: Tensor): FloatStorage => t.data as FloatStorage;

const convP = definePrimitive({
  name: 'convolution',
  backwardName: 'ConvolutionBackward0',
  forward(inputs, p: ConvParams, needs) {
    const [x, w] = inputs;
    const bias = inputs.length > 2 ? inputs[2] : null;
    const y = emptyTensor(p.yShape, x.dtype);
    convForwardKernel(data(y), data(x), data(w), bias === null ? null : data(bias), p.geo);
    // Each operand is saved only for the other's gradient.
    return { out: y, saved: [needs[1] ? x : null, needs[0] ? w : null] as const };
  },
  vjp: ({ g, saved: [x, w], params: p, needs }) => {
    const grads = [needs[0] ? convInput(g, w!, p) : null, needs[1] ? convWeight(x!, g, p) : null];
    if (needs.length > 2) grads.push(needs[2] ? sum(g, p.biasDims) : null);
    return grads;
  },
});

/** What the two adjoints save: each operand, only for the other's gradient. */
type Operands = readonly [Tensor | null, Tensor | null];

/**
 * One of the two adjoints, a primitive of (a, b) linear in each: its output, of shape
 * `outShape(p)`, written by `kernel`.
 */
function adjointP(
  outShape: (p: ConvParams) => Shape,
  kernel: (out: FloatStorage, a: FloatStorage, b: FloatStorage, geo: ConvGeometry) => void,
  vjp: (args: VjpArgs<ConvParams, Operands>) => (Tensor | null)[],
): Primitive<ConvParams, Operands> {
  return definePrimitive({
    name: 'convolution_backward',
    backwardName: 'ConvolutionBackwardBackward0',
    forward([a, b], p: ConvParams, needs) {
      const out = emptyTensor(outShape(p), a.dtype);
      kernel(data(out), data(a), data(b), p.geo);
      return { out, saved: [needs[1] ? a : null, needs[0] ? b : null] as const };
    },
    vjp,
  });
}

const convInputP = adjointP(
  (p) => p.xShape,
  convInputGradKernel,
  ({ g: h, saved: [g, w], params: p, needs }) => [
    needs[0] ? conv(h, w!, null, p) : null,
    needs[1] ? convWeight(h, g!, p) : null,
  ],
);

const convWeightP = adjointP(
  (p) => p.wShape,
  convWeightGradKernel,
  ({ g: h, saved: [x, g], params: p, needs }) => [
    needs[0] ? convInput(g!, h, p) : null,
    needs[1] ? conv(x!, h, null, p) : null,
  ],
);

function conv(x: Tensor, w: Tensor, bias: Tensor | null, p: ConvParams): Tensor {
  return apply(convP, bias === null ? [x, w] : [x, w, bias], p);
}

function convInput(g: Tensor, w: Tensor, p: ConvParams): Tensor {
  return apply(convInputP, [g, w], p);
}

function convWeight(x: Tensor, g: Tensor, p: ConvParams): Tensor {
  return apply(convWeightP, [x, g], p);
}

// ---- argument checks ----------------------------------------------------------------------------

/** A per-dim list from one number or a list of `nd`, with PyTorch's message for a wrong length. */
function perDim(op: string, name: string, v: number | readonly number[], nd: number): number[] {
  const list = typeof v === 'number' ? new Array<number>(nd).fill(v) : [...v];
  if (list.length !== nd) {
    throw new ValueError(
      `${op}: expected ${name} to be a single integer value or a list of ${nd} values to match ` +
        `the convolution dimensions, but got ${name}=${fmtShape(list)}`,
    );
  }
  for (const d of list) {
    if (!Number.isInteger(d)) {
      throw new ValueError(`${op}: ${name} must be integers, but got ${name}=${fmtShape(list)}`);
    }
  }
  return list;
}

const scalarType = (t: Tensor): string => (t.dtype === 'float64' ? 'Double' : 'Float');
const typeName = (t: Tensor): string => (t.dtype === 'float64' ? 'double' : 'float');

/** Padding before and after each spatial dim. */
interface Pads {
  before: number[];
  after: number[];
}

function resolvePadding(
  op: string,
  padding: ConvPadding,
  nd: number,
  stride: number[],
  dilation: number[],
  kernel: readonly number[],
): Pads {
  if (typeof padding === 'string') {
    if (padding === 'valid') return { before: new Array(nd).fill(0), after: new Array(nd).fill(0) };
    if (padding !== 'same') throw new ValueError(`${op}: Invalid padding string: '${padding}'`);
    if (stride.some((s) => s !== 1)) {
      throw new ValueError(`${op}: padding='same' is not supported for strided convolutions`);
    }
    // The total d·(k − 1), its odd element at the end (aten's _convolution_mode).
    const total = kernel.map((k, i) => dilation[i] * (k - 1));
    const before = total.map((t) => Math.floor(t / 2));
    return { before, after: total.map((t, i) => t - before[i]) };
  }
  const p = perDim(op, 'padding', padding, nd);
  if (p.some((v) => v < 0)) throw new ValueError(`${op}: negative padding is not supported`);
  return { before: p, after: p };
}

/**
 * Checks a convolution's arguments in PyTorch's order and wording (prefixed with the op) and
 * returns the parameters of the primitives for the batched input `x`.
 */
function convParams(
  op: string,
  nd: number,
  x: Tensor,
  w: Tensor,
  bias: Tensor | null,
  options: ConvOptions,
): ConvParams {
  const { stride: s = 1, padding = 0, dilation: d = 1, groups = 1 } = options;
  if (w.ndim !== nd + 2) {
    throw new ShapeError(
      `${op}: Expected ${w.ndim}-dimensional input for ${w.ndim}-dimensional weight ` +
        `${fmtShape(w.shape)}, but got ${x.ndim}-dimensional input of size ${fmtShape(x.shape)} instead`,
    );
  }
  const stride = perDim(op, 'stride', s, nd);
  const dilation = perDim(op, 'dilation', d, nd);
  const kernel = w.shape.slice(2);
  const pads = resolvePadding(op, padding, nd, stride, dilation, kernel);
  if (stride.some((v) => v <= 0))
    throw new ValueError(`${op}: non-positive stride is not supported`);
  if (dilation.some((v) => v <= 0)) {
    throw new ValueError(
      `${op}: dilation should be greater than zero, but got ${fmtShape(dilation)}`,
    );
  }
  if (!Number.isInteger(groups) || groups <= 0) {
    throw new ValueError(`${op}: non-positive groups is not supported`);
  }
  // PyTorch compares the bias's dtype first, the weight's after the shapes.
  if (bias !== null && bias.dtype !== x.dtype) {
    throw new DTypeError(
      `${op}: Input type (${typeName(x)}) and bias type (${typeName(bias)}) should be the same`,
    );
  }
  const [o, cg] = w.shape;
  if (o % groups !== 0) {
    throw new ShapeError(
      `${op}: Given groups=${groups}, expected weight to be divisible by ${groups} at dimension 0, ` +
        `but got weight of size ${fmtShape(w.shape)} instead`,
    );
  }
  const c = x.shape[1];
  if (c !== cg * groups) {
    throw new ShapeError(
      `${op}: Given groups=${groups}, weight of size ${fmtShape(w.shape)}, expected ` +
        `input${fmtShape(x.shape)} to have ${cg * groups} channels, but got ${c} channels instead`,
    );
  }
  if (bias !== null && (bias.ndim !== 1 || bias.shape[0] !== o)) {
    throw new ShapeError(
      `${op}: Given weight of size ${fmtShape(w.shape)}, expected bias to be 1-dimensional with ` +
        `${o} elements, but got bias of size ${fmtShape(bias.shape)} instead`,
    );
  }
  const spatial = x.shape.slice(2);
  const padded = spatial.map((v, i) => v + pads.before[i] + pads.after[i]);
  const span = kernel.map((k, i) => dilation[i] * (k - 1) + 1);
  if (padded.some((v, i) => v < span[i])) {
    throw new ShapeError(
      `${op}: Calculated padded input size per channel: (${padded.join(' x ')}). ` +
        `Kernel size: (${span.join(' x ')}). Kernel size can't be greater than actual input size`,
    );
  }
  if (w.dtype !== x.dtype) {
    throw new DTypeError(`${op}: expected scalar type ${scalarType(x)} but found ${scalarType(w)}`);
  }
  const out = padded.map((v, i) => Math.floor((v - span[i]) / stride[i]) + 1);
  // The 2-D view: a 1-D convolution has a height of 1 everywhere.
  const two = (list: readonly number[], one: number): [number, number] =>
    nd === 1 ? [one, list[0]] : [list[0], list[1]];
  const [h, wd] = two(spatial, 1);
  const [kh, kw] = two(kernel, 1);
  const [oh, ow] = two(out, 1);
  const [sh, sw] = two(stride, 1);
  const [ph, pw] = two(pads.before, 0);
  const [dh, dw] = two(dilation, 1);
  const n = x.shape[0];
  return {
    geo: { n, c, h, w: wd, o, kh, kw, oh, ow, sh, sw, ph, pw, dh, dw, groups },
    xShape: x.shape,
    wShape: w.shape,
    yShape: [n, o, ...out],
    biasDims: [0, ...spatial.map((_, i) => i + 2)],
  };
}

function convNd(
  op: string,
  nd: number,
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null | undefined,
  options: ConvOptions,
): Tensor {
  floatDtype(input, op);
  floatDtype(weight, op);
  if (bias !== undefined && bias !== null) floatDtype(bias, op);
  if (input.ndim !== nd + 1 && input.ndim !== nd + 2) {
    throw new ShapeError(
      `${op}: Expected ${nd + 1}D (unbatched) or ${nd + 2}D (batched) input to ${op}, but got ` +
        `input of size: ${fmtShape(input.shape)}`,
    );
  }
  const batched = input.ndim === nd + 2;
  return scoped(op, () => {
    const x = batched ? input : unsqueeze(input, 0);
    const b = bias ?? null;
    const y = conv(x, weight, b, convParams(op, nd, x, weight, b, options));
    return batched ? y : squeeze(y, 0);
  });
}

/**
 * 1-D convolution, `torch.nn.functional.conv1d`: input [N, C, L] (or unbatched [C, L]), weight
 * [O, C/groups, k], bias [O]; output [N, O, L_out] with
 * L_out = ⌊(L + padding_total − dilation·(k − 1) − 1)/stride⌋ + 1.
 * @example conv1d(x, w, b, { stride: 2, padding: 'valid' })
 */
export function conv1d(
  input: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  options: ConvOptions = {},
): Tensor {
  return convNd('conv1d', 1, input, weight, bias, options);
}

/**
 * 2-D convolution, `torch.nn.functional.conv2d`: input [N, C, H, W] (or unbatched [C, H, W]),
 * weight [O, C/groups, kh, kw], bias [O]; sizes per dim as a number or `[h, w]`.
 * @example conv2d(x, w, b, { padding: 1 }) // 3×3 kernel: same height and width
 */
export function conv2d(
  input: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  options: ConvOptions = {},
): Tensor {
  return convNd('conv2d', 2, input, weight, bias, options);
}
