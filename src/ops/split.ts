/**
 * `split` and `chunk`: a tensor cut along one dim into consecutive pieces, each a `narrow` of it
 * (composites: the gradient of each piece flows back through narrow's VJP into its own range).
 */
import { ShapeError, ValueError } from '../errors.js';
import { fmtShape, normalizeDim } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { narrow } from './shape.js';

function pyList(values: readonly number[]): string {
  return `[${values.join(', ')}]`;
}

/**
 * Pieces of the given sizes along `d`, which must add up to the dim's size; `dim` is `d` as the
 * caller gave it (PyTorch's message names it unnormalised, e.g. -1).
 */
function splitWithSizes(x: Tensor, sizes: readonly number[], d: number, dim = d): Tensor[] {
  const size = x.shape[d];
  if (sizes.some((s) => !Number.isInteger(s))) {
    throw new ValueError(`split_with_sizes(): split_sizes must be integers (got ${pyList(sizes)})`);
  }
  if (sizes.some((s) => s < 0)) {
    throw new ValueError(
      `split_with_sizes expects split_sizes have only non-negative entries, but got ` +
        `split_sizes=${pyList(sizes)}`,
    );
  }
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total !== size) {
    throw new ShapeError(
      `split_with_sizes expects split_sizes to sum exactly to ${size} (input tensor's size at ` +
        `dimension ${dim}), but got split_sizes=${pyList(sizes)} (input shape ${fmtShape(x.shape)})`,
    );
  }
  let start = 0;
  return sizes.map((s) => {
    const piece = narrow(x, d, start, s);
    start += s;
    return piece;
  });
}

/**
 * Cuts `x` along `dim` into pieces of `splitSizeOrSections` entries each (the last one smaller
 * when the size does not divide), or into pieces of the listed sizes, which must add up to the
 * size of `dim` (`torch.split`).
 * @example split(arange(5), 2) // [tensor([0, 1]), tensor([2, 3]), tensor([4])]
 */
export function split(
  x: Tensor,
  splitSizeOrSections: number | readonly number[],
  dim = 0,
): Tensor[] {
  if (x.ndim === 0) {
    throw new ShapeError('split expects at least a 1-dimensional tensor (got a 0-d tensor)');
  }
  const d = normalizeDim(dim, x.ndim, 'split');
  if (typeof splitSizeOrSections !== 'number')
    return splitWithSizes(x, splitSizeOrSections, d, dim);
  const splitSize = splitSizeOrSections;
  const size = x.shape[d];
  if (!Number.isInteger(splitSize)) {
    throw new ValueError(`split(): split_size must be an integer (got ${splitSize})`);
  }
  if (splitSize < 0) {
    throw new ValueError(
      `split expects split_size be non-negative, but got split_size=${splitSize}`,
    );
  }
  if (splitSize === 0 && size !== 0) {
    throw new ValueError(
      `split_size can only be 0 if dimension size is 0, but got dimension size of ${size}`,
    );
  }
  // PyTorch: max(ceil(size / splitSize), 1) pieces, so an empty dim gives one empty piece.
  const pieces = splitSize === 0 ? 1 : Math.max(Math.ceil(size / splitSize), 1);
  const sizes = Array.from({ length: pieces }, (_, i) =>
    Math.max(Math.min(splitSize, size - i * splitSize), 0),
  );
  return splitWithSizes(x, sizes, d);
}

/**
 * Cuts `x` along `dim` into at most `chunks` pieces of ⌈size/chunks⌉ entries (the last smaller),
 * so fewer than `chunks` pieces may come back, as `torch.chunk`; an empty dim gives `chunks`
 * empty pieces.
 * @example chunk(arange(6), 4) // three pieces of 2: ⌈6/4⌉ = 2
 */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  if (x.ndim === 0) {
    throw new ShapeError('chunk expects at least a 1-dimensional tensor (got a 0-d tensor)');
  }
  if (!Number.isInteger(chunks)) {
    throw new ValueError(`chunk(): chunks must be an integer (got ${chunks})`);
  }
  if (chunks <= 0) {
    throw new ValueError(`chunk expects \`chunks\` to be greater than 0, got: ${chunks}`);
  }
  const d = normalizeDim(dim, x.ndim, 'chunk');
  const size = x.shape[d];
  if (size === 0) return splitWithSizes(x, new Array<number>(chunks).fill(0), d);
  return split(x, Math.ceil(size / chunks), d);
}
