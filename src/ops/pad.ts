/**
 * `torch.nn.functional.pad`: padding (or, with negative sizes, cropping) of the last dims, in
 * PyTorch 1.13's four modes and with its checks.
 *
 * Every mode is a gather y = A·x + c, A a 0/1 matrix given by one index map per dim (see
 * kernels/pad.ts) and c the constant fill, so two primitives close under differentiation: pad
 * has the VJP dx = Aᵀ·g, the scatter-add `padBackward`, whose own VJP is A·h, pad again with
 * a zero fill.
 */
import { apply, definePrimitive } from '../autograd/function.js';
import { ShapeError, ValueError } from '../errors.js';
import { padBackwardKernel, padKernel } from '../kernels/pad.js';
import { contiguousStrides, fmtShape, type Shape } from '../tensor/shape.js';
import { emptyTensor, type Tensor } from '../tensor/tensor.js';
import { clone } from './elementwise.js';

/** The modes of `pad`. */
export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';

interface PadParams {
  inShape: Shape;
  outShape: Shape;
  /** Per dim, the input index each output index reads (−1: the fill value). */
  maps: Int32Array[];
  value: number;
}

const padP = definePrimitive({
  name: 'pad',
  backwardName: 'PadBackward0',
  forward([x], p: PadParams) {
    const y = emptyTensor(p.outShape, x.dtype);
    padKernel(y.data, x.data, contiguousStrides(p.inShape), p.maps, p.value);
    return { out: y, saved: [] };
  },
  vjp: ({ g, params }) => [padAdjoint(g, params)],
});

const padBackwardP = definePrimitive({
  name: 'pad_backward',
  backwardName: 'PadBackwardBackward0',
  forward([g], p: PadParams) {
    const dx = emptyTensor(p.inShape, g.dtype);
    padBackwardKernel(dx.data, g.data, contiguousStrides(p.inShape), p.maps);
    return { out: dx, saved: [] };
  },
  // The constant fill is not part of the linear map A: padded with zeros.
  vjp: ({ g: h, params }) => [padApply(h, { ...params, value: 0 })],
});

function padApply(x: Tensor, p: PadParams): Tensor {
  return apply(padP, [x], p);
}

function padAdjoint(g: Tensor, p: PadParams): Tensor {
  return apply(padBackwardP, [g], p);
}

/** The map of one dim of size `size` padded by `l` before and `r` after. */
function dimMap(mode: PadMode, size: number, l: number, r: number): Int32Array {
  const out = new Int32Array(size + l + r);
  // Circular wraps the input as cropped by the negative pads (aten's _pad_circular).
  const lo = mode === 'circular' ? Math.max(-l, 0) : 0;
  const kept = mode === 'circular' ? size - lo - Math.max(-r, 0) : size;
  for (let j = 0; j < out.length; j++) {
    const v = j - l;
    let i: number;
    if (mode === 'constant') i = v >= 0 && v < size ? v : -1;
    else if (mode === 'replicate') i = Math.min(Math.max(v, 0), size - 1);
    else if (mode === 'reflect') i = v < 0 ? -v : v >= size ? 2 * (size - 1) - v : v;
    else i = lo + ((((j - Math.max(l, 0)) % kept) + kept) % kept);
    out[j] = i;
  }
  return out;
}

const DIM_NAMES = ['W', 'H', 'D'];

/** PyTorch's checks for the reflect, replicate and circular modes (aten/native/PadNd.cpp). */
function checkNonConstant(x: Tensor, pad: readonly number[], mode: PadMode): void {
  const npad = pad.length / 2;
  if (!((npad === 1 || npad === 2 || npad === 3) && (x.ndim === npad + 1 || x.ndim === npad + 2))) {
    throw new ShapeError(
      'pad: Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now',
    );
  }
  if (mode === 'circular') {
    if (x.ndim !== npad + 2) {
      throw new ShapeError(
        `pad: Invalid padding size, expected ${2 * (x.ndim - 2)} but got ${pad.length}`,
      );
    }
    for (let i = 0; i < npad; i++) {
      const size = x.shape[x.ndim - 1 - i];
      const [l, r] = [pad[2 * i], pad[2 * i + 1]];
      if (l > size || r > size) {
        throw new ValueError('pad: Padding value causes wrapping around more than once.');
      }
      if (size + l + r < 0) {
        throw new ShapeError('pad: Negative padding value is resulting in an empty dimension');
      }
    }
    return;
  }
  // Every dim but a batch dim must be non-empty.
  const batched = x.ndim === npad + 2;
  if (x.shape.some((d, i) => d === 0 && !(batched && i === 0))) {
    const dims = `${npad + 1}D or ${npad + 2}D`;
    throw new ShapeError(
      mode === 'reflect'
        ? `pad: ${dims} (batch mode) tensor expected for input, but got: ${fmtShape(x.shape)}`
        : `pad: Expected ${dims} (batch mode) tensor with possibly 0 batch size and other ` +
            `non-zero dimensions for input, but got: ${fmtShape(x.shape)}`,
    );
  }
  for (let i = 0; i < npad; i++) {
    const dim = x.ndim - 1 - i;
    const size = x.shape[dim];
    const [l, r] = [pad[2 * i], pad[2 * i + 1]];
    if (mode === 'reflect' && (l >= size || r >= size)) {
      throw new ShapeError(
        `pad: Argument #${4 + 2 * i}: Padding size should be less than the corresponding ` +
          `input dimension, but got: padding (${l}, ${r}) at dimension ${dim} of input ` +
          // PyTorch's reflection_pad2d prints the input's rank here, the 1-D and 3-D ones its shape.
          (npad === 2 ? String(x.ndim) : fmtShape(x.shape)),
      );
    }
    if (size + l + r < 1) {
      throw new ShapeError(
        `pad: input (${DIM_NAMES[i]}: ${size}) is too small. Calculated output ` +
          `${DIM_NAMES[i]}: ${size + l + r}`,
      );
    }
  }
}

/**
 * Pads the last `pad.length / 2` dims of `input`, `torch.nn.functional.pad`: `pad` lists
 * (before, after) sizes from the last dim backwards, `[left, right, top, bottom, …]`. Modes:
 * `'constant'` fills with `value` (negative sizes crop; any number of dims); `'reflect'`
 * mirrors without repeating the edge, `'replicate'` repeats the edge, `'circular'` wraps around
 * (these three pad the last 1, 2 or 3 dims of a tensor with one or two more, circular only
 * batched: [N, C, …]). Differentiable in every mode.
 * @example pad(x, [1, 1, 2, 0], 'reflect') // W + 2, H + 2 (two rows on top)
 */
export function pad(
  input: Tensor,
  pad: readonly number[],
  mode: PadMode = 'constant',
  value?: number,
): Tensor {
  if (pad.length % 2 !== 0) throw new ValueError('pad: Padding length must be divisible by 2');
  if (pad.length > 2 * input.ndim) throw new ValueError('pad: Padding length too large');
  if (!pad.every((v) => Number.isInteger(v))) {
    throw new ValueError(`pad: pad must be a list of integers, but got ${fmtShape(pad)}`);
  }
  if (mode !== 'constant' && mode !== 'reflect' && mode !== 'replicate' && mode !== 'circular') {
    throw new ValueError(`pad: Unrecognised padding mode ${String(mode)}`);
  }
  if (mode !== 'constant') {
    if (value !== undefined && value !== 0) {
      throw new ValueError(`pad: Padding mode "${mode}" doesn't take in value argument`);
    }
    checkNonConstant(input, pad, mode);
  }
  const npad = pad.length / 2;
  const outShape = [...input.shape];
  // PyTorch's constant_pad_nd first narrows away the negative pads (an error when they remove
  // more than the dim holds, even if the other side's pad would make up for it), and then, if any
  // pad is positive, wants every padded dim non-empty; only pure cropping may empty a dim.
  const cropOnly = mode !== 'constant' || pad.every((v) => v <= 0);
  for (let i = 0; i < npad; i++) {
    const dim = input.ndim - 1 - i;
    const [l, r] = [pad[2 * i], pad[2 * i + 1]];
    const size = input.shape[dim] + l + r;
    if (size < 0 || (size === 0 && !cropOnly)) {
      throw new ShapeError(
        `pad: The input size ${input.shape[dim]}, plus negative padding ${l} and ${r} resulted ` +
          `in a negative output size, which is invalid. Check dimension ${dim} of your input.`,
      );
    }
    if (mode === 'constant' && input.shape[dim] + Math.min(l, 0) + Math.min(r, 0) < 0) {
      throw new ShapeError(
        `pad: The negative padding ${l} and ${r} removes more than the input size ` +
          `${input.shape[dim]} of dimension ${dim}.`,
      );
    }
    outShape[dim] = size;
  }
  if (input.ndim === 0) return clone(input);
  const maps = input.shape.map((size, dim) => {
    const i = input.ndim - 1 - dim;
    return i < npad
      ? dimMap(mode, size, pad[2 * i], pad[2 * i + 1])
      : Int32Array.from({ length: size }, (_, j) => j);
  });
  return padApply(input, { inShape: input.shape, outShape, maps, value: value ?? 0 });
}
