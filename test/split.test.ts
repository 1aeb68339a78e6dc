/**
 * split and chunk.
 *
 * Reference values come from scripts/gen_split_fixtures.py (its header has the command), stored
 * in test/fixtures/split.json: the pieces of torch.split / torch.chunk for even and uneven sizes,
 * empty dims and list sections, the gradient of x through all the pieces, and PyTorch's error
 * texts. Pieces are copies and each gradient entry comes from one piece, so all match exactly.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  arange,
  chunk,
  IndexError,
  ShapeError,
  split,
  tensor,
  ValueError,
  zeros,
  type Tensor,
} from '../src/index.js';
import { decode, parseRepr, type FixtureTensor } from './helpers/fixtures.js';

interface Case {
  op: 'split' | 'chunk';
  arg: number | number[];
  dim: number;
  x: FixtureTensor;
  pieces: FixtureTensor[];
  dys: FixtureTensor[];
  gradX: FixtureTensor;
}

interface ErrorCase {
  op: 'split' | 'chunk';
  shape: number[];
  arg: number | number[];
  dim: number;
  type: string;
  message: string;
}

const fixtures = JSON.parse(
  readFileSync(new URL('./fixtures/split.json', import.meta.url), 'utf8'),
) as { cases: Case[]; errors: ErrorCase[] };

function run(op: 'split' | 'chunk', x: Tensor, arg: number | number[], dim: number): Tensor[] {
  if (op === 'split') return split(x, arg, dim);
  if (typeof arg !== 'number') throw new Error('chunk takes a number');
  return chunk(x, arg, dim);
}

const stored = (t: FixtureTensor): number[] => t.data.map(parseRepr);

describe('split and chunk against PyTorch', () => {
  it.each(fixtures.cases)(
    '$op(x of shape $x.shape, $arg, dim $dim): pieces and the gradient of x',
    (c) => {
      const x = decode(c.x, true);
      const pieces = run(c.op, x, c.arg, c.dim);
      expect(pieces.map((p) => p.shape)).toEqual(c.pieces.map((p) => p.shape));
      pieces.forEach((p, i) => expect(Array.from(p.data)).toEqual(stored(c.pieces[i])));
      // The method form agrees with the function form.
      const viaMethod = c.op === 'split' ? x.split(c.arg, c.dim) : x.chunk(c.arg as number, c.dim);
      expect(viaMethod.map((p) => p.shape)).toEqual(c.pieces.map((p) => p.shape));

      const total = pieces
        .map((p, i) => p.mul(decode(c.dys[i])).sum())
        .reduce((a, b) => a.add(b), zeros([], { dtype: 'float64' }));
      if (x.size > 0) {
        total.backward();
        expect(x.grad!.shape).toEqual(c.gradX.shape);
        expect(Array.from(x.grad!.data)).toEqual(stored(c.gradX));
      }
    },
  );

  it.each(fixtures.errors)(
    '$op(x of shape $shape, $arg, dim $dim) fails as PyTorch: $message',
    (c) => {
      const x = zeros(c.shape);
      let err: unknown;
      try {
        run(c.op, x, c.arg, c.dim);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toContain(c.message);
      const expected =
        c.type === 'IndexError'
          ? IndexError
          : c.message.includes('at least a 1-dimensional') || c.message.includes('sum exactly')
            ? ShapeError
            : ValueError;
      expect(err).toBeInstanceOf(expected);
    },
  );
});

describe('split and chunk', () => {
  it('returns pieces with their own gradient paths (SliceBackward0)', () => {
    const x = tensor(
      [
        [0, 1, 2],
        [3, 4, 5],
      ],
      { dtype: 'float64', requiresGrad: true },
    );
    const [a, b] = x.split([1, 2], 1);
    expect(a.shape).toEqual([2, 1]);
    expect(b.gradFn?.name).toBe('SliceBackward0');
    b.mul(tensor([[2, 3]], { dtype: 'float64' }))
      .sum()
      .backward();
    expect(x.grad!.toArray()).toEqual([
      [0, 2, 3],
      [0, 2, 3],
    ]);
  });

  it('rejects non-integer sizes and chunk counts', () => {
    expect(() => split(arange(5), 2.5)).toThrow(ValueError);
    expect(() => split(arange(5), [2.5, 2.5])).toThrow(ValueError);
    expect(() => chunk(arange(5), 1.5)).toThrow(ValueError);
  });

  it('splits int32 tensors too', () => {
    expect(chunk(arange(7), 3).map((t) => t.toArray())).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
  });
});
