/**
 * Reductions: `sum` (primitive), `mean` (composite), `max`/`min` over a dim (values and indices)
 * and over everything, `argmax`/`argmin`.
 */
import { DTypeError, ValueError } from '../errors.js';
import { apply, applyWithAux, definePrimitive } from '../autograd/function.js';
import {
  argExtremeKernel,
  divideKernel,
  dotKernel,
  sumGroupsKernel,
  sumKernel,
} from '../kernels/reduce.js';
import type { FloatStorage } from '../tensor/dtype.js';
import { normalizeDim, normalizeDims, numelOf, type Shape } from '../tensor/shape.js';
import { emptyTensor, floatDtype, scoped, type Tensor } from '../tensor/tensor.js';
import { div, eq, mul } from './elementwise.js';
import { expand, reshape, scatterAdd } from './shape.js';

/** The reduced shape, keeping reduced dims as 1 or dropping them. */
function reducedShape(shape: Shape, dims: readonly number[], keepdim: boolean): number[] {
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!dims.includes(i)) out.push(d);
    else if (keepdim) out.push(1);
  });
  return out;
}

/**
 * `x`'s dims coalesced into groups for `sumGroupsKernel`: adjacent dims reduced alike merged,
 * dims of size 1 dropped, each group's size and whether it is reduced.
 */
function reductionGroups(
  shape: Shape,
  dims: readonly number[],
): { sizes: number[]; reduced: boolean[] } {
  const sizes: number[] = [];
  const reduced: boolean[] = [];
  shape.forEach((size, d) => {
    if (size === 1) return;
    const r = dims.includes(d);
    const k = sizes.length - 1;
    if (k >= 0 && reduced[k] === r) sizes[k] *= size;
    else {
      sizes.push(size);
      reduced.push(r);
    }
  });
  return { sizes, reduced };
}

/** Sums `x` over `dims` into `out`: a contiguous block of dims as [outer, r, inner], else in groups. */
function sumInto(out: Tensor, x: Tensor, dims: readonly number[]): void {
  const shape = x.shape;
  if (dims.every((d, i) => i === 0 || d === dims[i - 1] + 1)) {
    const first = dims.length === 0 ? 0 : dims[0];
    const last = dims.length === 0 ? -1 : dims[dims.length - 1];
    sumKernel(
      out.data,
      x.data,
      dims.length === 0 ? x.size : numelOf(shape.slice(0, first)),
      dims.length === 0 ? 1 : numelOf(shape.slice(first, last + 1)),
      dims.length === 0 ? 1 : numelOf(shape.slice(last + 1)),
    );
    return;
  }
  const { sizes, reduced } = reductionGroups(shape, dims);
  if (x.size === 0) out.data.fill(0);
  else sumGroupsKernel(out.data, x.data, sizes, reduced);
}

interface SumParams {
  dims: number[];
  keepdim: boolean;
}

const sumDimP = definePrimitive({
  name: 'sum',
  backwardName: 'SumBackward1',
  forward([x], { dims, keepdim }: SumParams) {
    floatDtype(x, 'sum');
    const out = emptyTensor(reducedShape(x.shape, dims, keepdim), x.dtype);
    sumInto(out, x, dims);
    return { out, saved: [] };
  },
  vjp: ({ g, inputs: [x], params: { dims } }) => [
    expand(reshape(g, reducedShape(x.shape, dims, true)), x.shape),
  ],
});

/** The same primitive under PyTorch's name for a full reduction. */
const sumAllP = { ...sumDimP, backwardName: 'SumBackward0' };

/**
 * Sum over `dim` (one dim, a list, or all when omitted), keeping reduced dims as size 1 when
 * `keepdim`. An empty list sums everything, as in PyTorch.
 * @example
 * sum(x)
 * x.sum([0], true)
 */
export function sum(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  const list = Array.isArray(dim) && dim.length === 0 ? undefined : dim;
  const prim = list === undefined ? sumAllP : sumDimP;
  return apply(prim, [x], { dims: normalizeDims(list, x.ndim, 'sum'), keepdim });
}

const meanP = definePrimitive({
  name: 'mean',
  backwardName: 'MeanBackward1',
  forward([x], p: SumParams) {
    const total = sumDimP.forward([x], p, [false]).out;
    divideKernel(total.data as FloatStorage, numelOf(p.dims.map((d) => x.shape[d])));
    return { out: total, saved: [] };
  },
  // Each input element contributed 1/count of the mean: g/count, broadcast back (divided before
  // it is broadcast, which gives the same values with one pass over the input's size fewer).
  vjp: ({ g, inputs: [x], params: { dims } }) => [
    expand(
      reshape(div(g, numelOf(dims.map((d) => x.shape[d]))), reducedShape(x.shape, dims, true)),
      x.shape,
    ),
  ],
});

const meanAllP = { ...meanP, backwardName: 'MeanBackward0' };

/**
 * Mean over `dim` (all when omitted): the sum divided by the count.
 * @example x.mean(0)
 */
export function mean(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  if (x.dtype === 'int32') {
    throw new DTypeError(
      'mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: Int',
    );
  }
  const list = Array.isArray(dim) && dim.length === 0 ? undefined : dim;
  const dims = normalizeDims(list, x.ndim, 'mean');
  return apply(list === undefined ? meanAllP : meanP, [x], { dims, keepdim });
}

// ---- max / min ----------------------------------------------------------------------------------

/** The result of `max(dim)` / `min(dim)`, PyTorch's `(values, indices)` named tuple. */
export interface ValuesIndices {
  /** The extreme values, differentiable (the gradient goes to the selected positions). */
  values: Tensor;
  /** int32 positions along the reduced dim of the first extreme value. */
  indices: Tensor;
}

interface ExtremeParams {
  dim: number;
  keepdim: boolean;
  sign: 1 | -1;
}

/** A 1-D alias of the data, off the tape. */
function flat(x: Tensor): Tensor {
  return x._alias([x.size]);
}

function extremeForward(
  x: Tensor,
  dim: number,
  keepdim: boolean,
  sign: 1 | -1,
  op: string,
): [Tensor, Tensor] {
  floatDtype(x, op);
  const d = normalizeDim(dim, x.ndim, op);
  const size = x.ndim === 0 ? 1 : x.shape[d];
  if (size === 0) {
    throw new ValueError(`${op}(): Expected reduction dim ${d} to have non-zero size.`);
  }
  const outShape = x.ndim === 0 ? [] : reducedShape(x.shape, [d], keepdim);
  const values = emptyTensor(outShape, x.dtype);
  const indices = emptyTensor(outShape, 'int32');
  const outer = numelOf(x.shape.slice(0, d));
  const inner = numelOf(x.shape.slice(d + 1));
  argExtremeKernel(
    values.data as FloatStorage,
    indices.data as Int32Array,
    x.data as FloatStorage,
    outer,
    size,
    inner,
    sign,
  );
  return [values, indices];
}

const maxDimP = definePrimitive({
  name: 'max',
  backwardName: 'MaxBackward0',
  forward([x], { dim, keepdim, sign }: ExtremeParams) {
    const [values, indices] = extremeForward(x, dim, keepdim, sign, sign > 0 ? 'max' : 'min');
    return { out: values, saved: [indices] as const, aux: [indices] };
  },
  // value_selecting_reduction_backward: the gradient goes to the selected position only.
  vjp: ({ g, saved: [indices], inputs: [x], params: { dim } }) => {
    if (x.shape.length === 0) return [g];
    const d = normalizeDim(dim, x.shape.length, 'max');
    const keep = reducedShape(x.shape, [d], true);
    return [scatterAdd(x.shape, d, reshape(indices, keep), reshape(g, keep))];
  },
});

const maxAllP = definePrimitive({
  name: 'max',
  backwardName: 'MaxBackward1',
  forward([x], sign: 1 | -1) {
    const op = sign > 0 ? 'max' : 'min';
    if (x.size === 0) {
      throw new ValueError(
        `${op}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.`,
      );
    }
    const [values] = extremeForward(flat(x), 0, false, sign, op);
    return { out: values, saved: [x, values] as const };
  },
  // evenly_distribute_backward: ties share the gradient equally, as in PyTorch.
  vjp: ({ g, saved: [x, value] }) => {
    const mask = eq(x, value);
    return [mul(mask, div(g, sum(mask)))];
  },
});

// min is the same pair of primitives with sign −1, under PyTorch's names.
const minDimP = { ...maxDimP, name: 'min', backwardName: 'MinBackward0' };
const minAllP = { ...maxAllP, name: 'min', backwardName: 'MinBackward1' };

/**
 * Max over everything (a 0-d tensor), or over `dim` with the indices: `{ values, indices }`.
 * @example
 * x.max()
 * const { values, indices } = max(x, 1)
 */
export function max(x: Tensor): Tensor;
export function max(x: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function max(x: Tensor, dim?: number, keepdim = false): Tensor | ValuesIndices {
  if (dim === undefined) return apply(maxAllP, [x], 1);
  const [values, indices] = applyWithAux(maxDimP, [x], { dim, keepdim, sign: 1 });
  return { values, indices: indices! };
}

/**
 * Min over everything, or over `dim` with the indices.
 * @example min(x, 0).values
 */
export function min(x: Tensor): Tensor;
export function min(x: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function min(x: Tensor, dim?: number, keepdim = false): Tensor | ValuesIndices {
  if (dim === undefined) return apply(minAllP, [x], -1);
  const [values, indices] = applyWithAux(minDimP, [x], { dim, keepdim, sign: -1 });
  return { values, indices: indices! };
}

/**
 * Index of the maximum over `dim` (over the flattened tensor when omitted), int32.
 * @example logits.argmax(1)
 */
export function argmax(x: Tensor, dim?: number, keepdim = false): Tensor {
  return scoped('argmax', () =>
    dim === undefined
      ? extremeForward(flat(x), 0, false, 1, 'argmax')[1]
      : extremeForward(x, dim, keepdim, 1, 'argmax')[1],
  );
}

/**
 * Index of the minimum over `dim` (over the flattened tensor when omitted), int32.
 * @example argmin(distances, 1)
 */
export function argmin(x: Tensor, dim?: number, keepdim = false): Tensor {
  return scoped('argmin', () =>
    dim === undefined
      ? extremeForward(flat(x), 0, false, -1, 'argmin')[1]
      : extremeForward(x, dim, keepdim, -1, 'argmin')[1],
  );
}

/**
 * Σ a·b over all elements of two tensors of one size, in float64 and in order, as a number (off
 * the tape): the projection a gradient check takes of each output.
 * @example dotValue(out, v)
 */
export function dotValue(a: Tensor, b: Tensor): number {
  if (a.size !== b.size) {
    throw new ValueError(`dotValue: the tensors differ in size (${a.size} and ${b.size})`);
  }
  return dotKernel(a.data, b.data);
}
