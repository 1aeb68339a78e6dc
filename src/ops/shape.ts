/**
 * Shape and indexing primitives: reshape (a view), permute, expand, cat, slice, gather and
 * index-select, each with the adjoint that forms its VJP (slice ↔ sliceScatter,
 * gather ↔ scatterAdd, indexSelect ↔ indexAdd), so that every VJP is itself differentiable.
 * `transpose`, `squeeze`, `unsqueeze`, `flatten`, `narrow` and `stack` are composites.
 */
import { DTypeError, IndexError, ShapeError, ValueError } from '../errors.js';
import { apply, definePrimitive } from '../autograd/function.js';
import {
  catKernel,
  gatherKernel,
  indexAddKernel,
  indexSelectKernel,
  outOfRange,
  scatterAddKernel,
  stridedCopy,
  stridedScatter,
} from '../kernels/layout.js';
import { promoteTypes } from '../tensor/dtype.js';
import {
  checkShape,
  contiguousStrides,
  fmtShape,
  normalizeDim,
  numelOf,
  shapesEqual,
  type Shape,
} from '../tensor/shape.js';
import { emptyTensor, scoped, type Tensor } from '../tensor/tensor.js';
import { unbroadcast } from './unbroadcast.js';
import { toDtype } from './elementwise.js';

/**
 * Marks a result that PyTorch would return as a view but tapegrad copies (permute, transpose,
 * expand, slice, narrow): an in-place op on it throws instead of silently missing the base.
 */
function copyResult(t: Tensor, op: string): Tensor {
  t._copyOf = op;
  return t;
}

/** Accepts `f(2, 3)` and `f([2, 3])` alike, as PyTorch does. */
export function shapeArg(args: number[] | [readonly number[]]): number[] {
  const first = args[0];
  return typeof first === 'object' ? [...first] : (args as number[]);
}

// ---- reshape ------------------------------------------------------------------------------------

/** `shape` with its −1 filled in; `mismatch` words the error when the sizes cannot fit `size`. */
function inferShape(
  shape: readonly number[],
  size: number,
  op: string,
  mismatch = (): string => `${op}: shape '${fmtShape(shape)}' is invalid for input of size ${size}`,
): number[] {
  const out = [...shape];
  const free = out.indexOf(-1);
  if (free !== out.lastIndexOf(-1))
    throw new ShapeError(`${op}: only one dimension can be inferred`);
  if (free >= 0) out[free] = 1;
  checkShape(out, op);
  const known = numelOf(out);
  if (free >= 0 && known !== 0 && size % known === 0) out[free] = size / known;
  if (numelOf(out) !== size || (free >= 0 && known === 0)) throw new ShapeError(mismatch());
  return out;
}

const reshapeP = definePrimitive({
  name: 'reshape',
  backwardName: 'ViewBackward0',
  // A view: same storage and version counter, so in-place changes show through as in PyTorch.
  forward([x], shape: number[]) {
    const out = x._alias(shape);
    out._base = x._base ?? x;
    return { out, saved: [] };
  },
  vjp: ({ g, inputs: [x] }) => [reshape(g, x.shape)],
});

/**
 * The same elements in a new shape (one dim may be -1); shares storage.
 * @example x.reshape(2, -1)
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const target = inferShape(shape, x.size, 'reshape');
  if (shapesEqual(target, x.shape) && !x.requiresGrad) return x;
  return apply(reshapeP, [x], target);
}

/**
 * Merges dims `startDim..endDim` into one.
 * @example x.flatten(1)
 */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normalizeDim(startDim, x.ndim, 'flatten');
  const e = normalizeDim(endDim, x.ndim, 'flatten');
  if (s > e)
    throw new ValueError('flatten() has invalid args: start_dim cannot come after end_dim');
  const shape = [...x.shape.slice(0, s), numelOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}

/**
 * Splits dim `dim` into `sizes` (one of them may be −1), the inverse of {@link flatten}; a view.
 * @example unflatten(x, 1, [1, 28, 28]) // [N, 784] → [N, 1, 28, 28]
 */
export function unflatten(x: Tensor, dim: number, sizes: readonly number[]): Tensor {
  const d = normalizeDim(dim, x.ndim, 'unflatten');
  const inner = inferShape(
    sizes,
    x.shape[d],
    'unflatten',
    () =>
      `unflatten: Provided sizes ${fmtShape(sizes)} don't multiply up to the size of dim ${dim} ` +
      `(${x.shape[d]}) in the input tensor`,
  );
  return reshape(x, [...x.shape.slice(0, d), ...inner, ...x.shape.slice(d + 1)]);
}

/**
 * Removes size-1 dims (all of them, or only `dim`).
 * @example x.squeeze(0)
 */
export function squeeze(x: Tensor, dim?: number): Tensor {
  if (dim === undefined)
    return reshape(
      x,
      x.shape.filter((d) => d !== 1),
    );
  const d = normalizeDim(dim, x.ndim, 'squeeze');
  if (x.ndim === 0 || x.shape[d] !== 1) return x;
  return reshape(
    x,
    x.shape.filter((_, i) => i !== d),
  );
}

/**
 * Inserts a size-1 dim at `dim`.
 * @example x.unsqueeze(-1)
 */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normalizeDim(dim, x.ndim + 1, 'unsqueeze');
  const shape = [...x.shape];
  shape.splice(d, 0, 1);
  return reshape(x, shape);
}

// ---- permute / expand ---------------------------------------------------------------------------

const permuteP = definePrimitive({
  name: 'permute',
  backwardName: 'PermuteBackward0',
  forward([x], dims: number[]) {
    const strides = contiguousStrides(x.shape);
    const shape = dims.map((d) => x.shape[d]);
    const out = emptyTensor(shape, x.dtype);
    stridedCopy(
      out.data,
      x.data,
      0,
      shape,
      dims.map((d) => strides[d]),
    );
    return { out: copyResult(out, 'permute'), saved: [] };
  },
  vjp: ({ g, params: dims }) => {
    const inverse = new Array<number>(dims.length);
    dims.forEach((d, i) => (inverse[d] = i));
    return [permute(g, inverse)];
  },
});

/**
 * Reorders dims.
 * @example x.permute(2, 0, 1)
 */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  if (dims.length !== x.ndim) {
    throw new ShapeError(
      `permute: number of dimensions in the tensor input does not match the length of the desired ` +
        `ordering of dimensions i.e. input.dim() = ${x.ndim} is not equal to len(dims) = ${dims.length}`,
    );
  }
  const norm = dims.map((d) => normalizeDim(d, x.ndim, 'permute'));
  if (new Set(norm).size !== norm.length)
    throw new ValueError(`permute: repeated dim in ${fmtShape(dims)}`);
  if (norm.every((d, i) => d === i))
    return x.ndim === 0 || !x.requiresGrad ? x : reshape(x, x.shape);
  return apply(permuteP, [x], norm);
}

/**
 * Swaps two dims.
 * @example x.transpose(0, 1)
 */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const a = normalizeDim(dim0, x.ndim, 'transpose');
  const b = normalizeDim(dim1, x.ndim, 'transpose');
  const dims = x.shape.map((_, i) => i);
  [dims[a], dims[b]] = [dims[b], dims[a]];
  if (x.ndim < 2) return x;
  const out = permute(x, dims);
  if (out._copyOf !== null) out._copyOf = 'transpose';
  return out;
}

/**
 * `x` materialised at the broadcast `shape`, off the tape: stride 0 along new leading dims and
 * along dims of size 1. Shared by expand and by kernels that need operands at a common shape.
 */
export function broadcastTo(x: Tensor, shape: Shape): Tensor {
  const off = shape.length - x.ndim;
  const src = contiguousStrides(x.shape);
  const strides = shape.map((_, d) => (d < off || x.shape[d - off] === 1 ? 0 : src[d - off]));
  const out = emptyTensor(shape, x.dtype);
  stridedCopy(out.data, x.data, 0, shape, strides);
  return out;
}

const expandP = definePrimitive({
  name: 'expand',
  backwardName: 'ExpandBackward0',
  forward: ([x], shape: number[]) => ({
    out: copyResult(broadcastTo(x, shape), 'expand'),
    saved: [],
  }),
  vjp: ({ g, inputs: [x] }) => [unbroadcast(g, x.shape)],
});

/**
 * Broadcasts to `shape` (new leading dims allowed; -1 keeps a size).
 * @example b.expand(4, 3)
 */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  if (shape.length < x.ndim) {
    throw new ShapeError(
      `expand: the number of sizes provided (${shape.length}) must be greater or equal to the ` +
        `number of dimensions in the tensor (${x.ndim})`,
    );
  }
  const off = shape.length - x.ndim;
  const target = shape.map((s, d) => {
    const own = d >= off ? x.shape[d - off] : undefined;
    if (s === -1 && own !== undefined) return own;
    if (own !== undefined && own !== 1 && own !== s) {
      throw new ShapeError(
        `expand: The expanded size of the tensor (${s}) must match the existing size (${own}) at ` +
          `non-singleton dimension ${d}.  Target sizes: ${fmtShape(shape)}.  Tensor sizes: ${fmtShape(x.shape)}`,
      );
    }
    return s;
  });
  checkShape(target, 'expand');
  if (shapesEqual(target, x.shape)) return x;
  return apply(expandP, [x], target);
}

// ---- cat / stack --------------------------------------------------------------------------------

const catP = definePrimitive({
  name: 'cat',
  backwardName: 'CatBackward0',
  forward(parts, dim: number) {
    const dtype = parts.map((t) => t.dtype).reduce(promoteTypes);
    const shape = [...parts[0].shape];
    shape[dim] = parts.reduce((acc, t) => acc + t.shape[dim], 0);
    const outer = numelOf(shape.slice(0, dim));
    const cast = parts.map((t) => (t.dtype === dtype ? t : toDtype(t.detach(), dtype)));
    const out = emptyTensor(shape, dtype);
    catKernel(
      out.data,
      cast.map((t) => t.data),
      parts.map((t) => numelOf(t.shape.slice(dim))),
      outer,
    );
    return { out, saved: [] };
  },
  vjp: ({ g, inputs, params: dim, needs }) => {
    let offset = 0;
    return inputs.map((x, i) => {
      const start = offset;
      offset += x.shape[dim];
      return needs[i] ? narrow(g, dim, start, x.shape[dim]) : null;
    });
  },
});

/**
 * Concatenates along `dim`; all other sizes must agree.
 * @example cat([a, b], 0)
 */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new ValueError('cat(): expected a non-empty list of Tensors');
  const first = tensors[0];
  const d = normalizeDim(dim, first.ndim, 'cat');
  tensors.forEach((t, i) => {
    if (t.ndim !== first.ndim) {
      throw new ShapeError(
        `cat(): Tensors must have same number of dimensions: got ${first.ndim} and ${t.ndim} ` +
          `(shapes ${fmtShape(first.shape)} and ${fmtShape(t.shape)})`,
      );
    }
    for (let k = 0; k < t.ndim; k++) {
      if (k !== d && t.shape[k] !== first.shape[k]) {
        throw new ShapeError(
          `cat(): Sizes of tensors must match except in dimension ${d}. Expected size ` +
            `${first.shape[k]} but got size ${t.shape[k]} for tensor number ${i} in the list ` +
            `(shapes ${fmtShape(first.shape)} and ${fmtShape(t.shape)})`,
        );
      }
    }
  });
  if (first.ndim === 0)
    throw new ShapeError('cat(): zero-dimensional tensor (at position 0) cannot be concatenated');
  return apply(catP, tensors, d);
}

/**
 * Stacks equal-shaped tensors along a new dim.
 * @example stack([a, b], 1)
 */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new ValueError('stack expects a non-empty TensorList');
  tensors.forEach((t, i) => {
    if (!shapesEqual(t.shape, tensors[0].shape)) {
      throw new ShapeError(
        `stack expects each tensor to be equal size, but got ${fmtShape(tensors[0].shape)} at ` +
          `entry 0 and ${fmtShape(t.shape)} at entry ${i}`,
      );
    }
  });
  const d = normalizeDim(dim, tensors[0].ndim + 1, 'stack');
  return scoped('stack', () =>
    cat(
      tensors.map((t) => unsqueeze(t, d)),
      d,
    ),
  );
}

// ---- slicing ------------------------------------------------------------------------------------

interface SliceParams {
  dim: number;
  start: number;
  length: number;
  step: number;
}

/** Offset and strides that read a slice of a contiguous tensor. */
function sliceView(shape: Shape, { dim, start, length, step }: SliceParams) {
  const strides = contiguousStrides(shape);
  const outShape = [...shape];
  outShape[dim] = length;
  const readStrides = [...strides];
  readStrides[dim] = strides[dim] * step;
  return { outShape, offset: start * strides[dim], readStrides };
}

const sliceP = definePrimitive({
  name: 'slice',
  backwardName: 'SliceBackward0',
  forward([x], p: SliceParams) {
    const { outShape, offset, readStrides } = sliceView(x.shape, p);
    const out = emptyTensor(outShape, x.dtype);
    stridedCopy(out.data, x.data, offset, outShape, readStrides);
    return { out: copyResult(out, 'slice'), saved: [] };
  },
  vjp: ({ g, inputs: [x], params }) => [sliceScatter(g, x.shape, params)],
});

const sliceScatterP = definePrimitive({
  name: 'sliceScatter',
  backwardName: 'SliceScatterBackward0',
  // Zeros of `shape` with `g` written into the slice: the adjoint of slice.
  forward([g], { shape, slice }: { shape: number[]; slice: SliceParams }) {
    const out = emptyTensor(shape, g.dtype, true);
    const { outShape, offset, readStrides } = sliceView(shape, slice);
    stridedScatter(out.data, g.data, offset, outShape, readStrides);
    return { out, saved: [] };
  },
  vjp: ({ g, params: { slice } }) => [apply(sliceP, [g], slice)],
});

function sliceScatter(g: Tensor, shape: Shape, slice: SliceParams): Tensor {
  return apply(sliceScatterP, [g], { shape: [...shape], slice });
}

/**
 * Python's `x[..., start:end:step, ...]` along `dim` (bounds clamped, negatives from the end).
 * @example x.slice(1, 0, 4, 2) // x[:, 0:4:2]
 */
export function slice(
  x: Tensor,
  dim: number,
  start = 0,
  end = Number.MAX_SAFE_INTEGER,
  step = 1,
): Tensor {
  const d = normalizeDim(dim, x.ndim, 'slice');
  if (!Number.isInteger(step) || step <= 0)
    throw new ValueError(`slice: slice step must be positive (got ${step})`);
  const size = x.shape[d];
  const clampIdx = (i: number): number => Math.min(Math.max(i < 0 ? i + size : i, 0), size);
  const s = clampIdx(start);
  const e = Math.max(clampIdx(end), s);
  const length = Math.ceil((e - s) / step);
  if (s === 0 && length === size && step === 1) return x;
  return apply(sliceP, [x], { dim: d, start: s, length, step });
}

/**
 * `length` elements of `dim` from `start` (negative counts from the end).
 * @example x.narrow(0, 1, 2)
 */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normalizeDim(dim, x.ndim, 'narrow');
  const size = x.shape[d];
  if (start < -size || start > size) {
    throw new IndexError(
      `narrow(): start (${start}) out of range for dimension ${d} of size ${size}`,
    );
  }
  const s = start < 0 ? start + size : start;
  if (length < 0 || s + length > size) {
    throw new IndexError(
      `narrow(): start (${s}) + length (${length}) exceeds dimension size (${size}).`,
    );
  }
  const out = slice(x, d, s, s + length);
  if (out._copyOf !== null) out._copyOf = 'narrow';
  return out;
}

// ---- gather / scatterAdd, indexSelect / indexAdd ------------------------------------------------

function checkIndex(index: Tensor, bound: number, dim: number, op: string): Int32Array {
  if (index.dtype !== 'int32') {
    throw new DTypeError(`${op}(): Expected dtype int32 for index (got ${index.dtype})`);
  }
  const idx = index.data as Int32Array;
  const bad = outOfRange(idx, bound);
  if (bad !== null) {
    throw new IndexError(
      `${op}(): index ${bad} is out of bounds for dimension ${dim} with size ${bound}`,
    );
  }
  return idx;
}

interface GatherParams {
  dim: number;
  index: Tensor;
}

const gatherP = definePrimitive({
  name: 'gather',
  backwardName: 'GatherBackward0',
  forward([x], { dim, index }: GatherParams) {
    const out = emptyTensor(index.shape, x.dtype);
    gatherKernel(
      out.data,
      x.data,
      contiguousStrides(x.shape),
      index.data as Int32Array,
      index.shape,
      dim,
    );
    return { out, saved: [index] as const };
  },
  vjp: ({ g, inputs: [x], params: { dim }, saved: [index] }) => [
    scatterAdd(x.shape, dim, index, g),
  ],
});

/**
 * `out[i][j] = x[i][index[i][j]]` for `dim = 1` (torch.gather); `index` is int32 of the same rank.
 * @example logp.gather(1, target.unsqueeze(1))
 */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  const d = normalizeDim(dim, x.ndim, 'gather');
  if (index.ndim !== x.ndim) {
    throw new ShapeError(
      `gather(): Index tensor must have the same number of dimensions as input tensor ` +
        `(index ${fmtShape(index.shape)}, input ${fmtShape(x.shape)})`,
    );
  }
  for (let k = 0; k < x.ndim; k++) {
    if (k !== d && index.shape[k] > x.shape[k]) {
      throw new ShapeError(
        `gather(): Size does not match at dimension ${k} expected index ${fmtShape(index.shape)} ` +
          `to be smaller than self ${fmtShape(x.shape)} apart from dimension ${d}`,
      );
    }
  }
  checkIndex(index, x.shape[d] ?? 1, d, 'gather');
  return apply(gatherP, [x], { dim: d, index });
}

const scatterAddP = definePrimitive({
  name: 'scatterAdd',
  backwardName: 'ScatterAddBackward0',
  forward([src], { shape, dim, index }: GatherParams & { shape: number[] }) {
    const out = emptyTensor(shape, src.dtype, true);
    scatterAddKernel(
      out.data,
      contiguousStrides(shape),
      src.data,
      index.data as Int32Array,
      index.shape,
      dim,
    );
    return { out, saved: [index] as const };
  },
  vjp: ({ g, params: { dim }, saved: [index] }) => [gather(g, dim, index)],
});

/**
 * Zeros of `shape` into which `src` is added at `index` along `dim` (the adjoint of gather;
 * `torch.zeros(shape).scatter_add_(dim, index, src)`).
 * @example scatterAdd([2, 3], 1, idx, src)
 */
export function scatterAdd(shape: Shape, dim: number, index: Tensor, src: Tensor): Tensor {
  const d = normalizeDim(dim, shape.length, 'scatterAdd');
  if (!shapesEqual(index.shape, src.shape)) {
    throw new ShapeError(
      `scatterAdd(): index ${fmtShape(index.shape)} and src ${fmtShape(src.shape)} must have the same shape`,
    );
  }
  checkIndex(index, shape[d] ?? 1, d, 'scatterAdd');
  return apply(scatterAddP, [src], { shape: [...shape], dim: d, index });
}

const indexSelectP = definePrimitive({
  name: 'indexSelect',
  backwardName: 'IndexSelectBackward0',
  forward([x], { dim, index }: GatherParams) {
    const shape = [...x.shape];
    shape[dim] = index.size;
    const out = emptyTensor(shape, x.dtype);
    const outer = numelOf(x.shape.slice(0, dim));
    indexSelectKernel(
      out.data,
      x.data,
      index.data as Int32Array,
      outer,
      x.shape[dim],
      numelOf(x.shape.slice(dim + 1)),
    );
    return { out, saved: [index] as const };
  },
  vjp: ({ g, inputs: [x], params: { dim }, saved: [index] }) => [indexAdd(x.shape, dim, index, g)],
});

/**
 * The slices `index[0], index[1], …` of `dim` (index is 1-D int32).
 * @example emb.indexSelect(0, ids)
 */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  const d = normalizeDim(dim, x.ndim, 'indexSelect');
  if (index.ndim > 1)
    throw new ShapeError(
      `indexSelect(): Index is supposed to be a vector (got shape ${fmtShape(index.shape)})`,
    );
  checkIndex(index, x.shape[d] ?? 1, d, 'indexSelect');
  if (x.ndim === 0) return reshape(x, []);
  return apply(indexSelectP, [x], { dim: d, index });
}

const indexAddP = definePrimitive({
  name: 'indexAdd',
  backwardName: 'IndexAddBackward0',
  forward([src], { shape, dim, index }: GatherParams & { shape: number[] }) {
    const out = emptyTensor(shape, src.dtype, true);
    const outer = numelOf(shape.slice(0, dim));
    indexAddKernel(
      out.data,
      src.data,
      index.data as Int32Array,
      outer,
      shape[dim],
      numelOf(shape.slice(dim + 1)),
    );
    return { out, saved: [index] as const };
  },
  vjp: ({ g, params: { dim }, saved: [index] }) => [indexSelect(g, dim, index)],
});

/**
 * Zeros of `shape` with the slices of `src` added at `index` along `dim` (adjoint of indexSelect;
 * `torch.zeros(shape).index_add_(dim, index, src)`).
 * @example indexAdd([5, 3], 0, ids, rows) // rows added into rows `ids` of a [5, 3] zero tensor
 */
export function indexAdd(shape: Shape, dim: number, index: Tensor, src: Tensor): Tensor {
  const d = normalizeDim(dim, shape.length, 'indexAdd');
  checkIndex(index, shape[d], d, 'indexAdd');
  return apply(indexAddP, [src], { shape: [...shape], dim: d, index });
}
