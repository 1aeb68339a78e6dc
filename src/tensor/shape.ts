import { IndexError, ShapeError, ValueError } from '../errors.js';

export type Shape = readonly number[];

export function numelOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major (C-contiguous) strides of `shape`, in elements. */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** `[2, 3]`, the way PyTorch prints a size inside messages. */
export function fmtShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/**
 * Normalises a possibly negative dim against `rank`, with PyTorch's IndexError text. A 0-d
 * tensor accepts dims -1 and 0, as in PyTorch.
 */
export function normalizeDim(dim: number, rank: number, op: string): number {
  const r = Math.max(rank, 1);
  if (!Number.isInteger(dim) || dim < -r || dim >= r) {
    throw new IndexError(
      `${op}: Dimension out of range (expected to be in range of [${-r}, ${r - 1}], but got ${dim})`,
    );
  }
  return dim < 0 ? dim + r : dim;
}

/** Normalises a list of dims (undefined = all), rejecting repeats as PyTorch does. */
export function normalizeDims(
  dims: number | readonly number[] | undefined,
  rank: number,
  op: string,
): number[] {
  if (dims === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof dims === 'number' ? [dims] : dims;
  const out: number[] = [];
  for (const d of list) {
    const n = normalizeDim(d, rank, op);
    if (out.includes(n))
      throw new ValueError(`${op}: dim ${n} appears multiple times in the list of dims`);
    out.push(n);
  }
  return rank === 0 ? [] : out.sort((a, b) => a - b);
}

/** Broadcast two shapes with NumPy/PyTorch rules; the error names both shapes. */
export function broadcastShapes(a: Shape, b: Shape, op: string): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(
        `${op}: The size of tensor a (${da}) must match the size of tensor b (${db}) at ` +
          `non-singleton dimension ${i} (shapes ${fmtShape(a)} and ${fmtShape(b)})`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Checks a user-supplied shape: non-negative integers only. */
export function checkShape(shape: Shape, op: string): number[] {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new ValueError(
        `${op}: negative or non-integer dimension ${d} in shape ${fmtShape(shape)}`,
      );
    }
  }
  return [...shape];
}
