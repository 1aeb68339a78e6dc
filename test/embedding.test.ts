/**
 * nn.Embedding and nn.functional.embedding.
 *
 * Reference values come from scripts/gen_embedding_fixtures.py (its header has the command),
 * stored in test/fixtures/embedding.json: outputs, weight gradients (repeated indices and the
 * padding row included) and second-order gradients of F.embedding, nn.Embedding's seeded
 * initialisation on NumPy's legacy generator (the one tapegrad reproduces), and PyTorch's
 * error texts. The lookup copies values, so outputs match exactly; the gradients add repeated
 * rows, possibly in another order than PyTorch, so they match to a few ulps.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  autograd,
  DTypeError,
  gradcheck,
  gradgradcheck,
  IndexError,
  manualSeed,
  memoryStats,
  nn,
  random,
  ShapeError,
  tensor,
  tidy,
  ValueError,
  zeros,
  type Tensor,
} from '../src/index.js';
import { embeddingDenseBackward } from '../src/ops/embedding.js';
import { decode, parseRepr, type FixtureTensor } from './helpers/fixtures.js';

interface Case {
  name: string;
  paddingIdx: number | null;
  weight: FixtureTensor;
  indices: FixtureTensor;
  y: FixtureTensor;
  dy: FixtureTensor;
  gradWeight: FixtureTensor;
  v: FixtureTensor;
  gradDy: FixtureTensor;
}

interface InitCase {
  seed: number;
  numEmbeddings: number;
  embeddingDim: number;
  paddingIdx: number | null;
  normalizedPaddingIdx: number | null;
  dtype: 'float32' | 'float64';
  weight: FixtureTensor;
  repr: string;
  after: string;
}

interface TorchError {
  type: string;
  message: string;
}

const fixtures = JSON.parse(
  readFileSync(new URL('./fixtures/embedding.json', import.meta.url), 'utf8'),
) as { cases: Case[]; init: InitCase[]; errors: Record<string, TorchError> };

const { embedding } = nn.functional;

/** Every element within `ulps` units in the last place of the expected tensor's largest value. */
function expectClose(actual: Tensor, expected: FixtureTensor, ulps = 4): void {
  expect(actual.shape).toEqual(expected.shape);
  expect(actual.dtype).toEqual(expected.dtype);
  const want = expected.data.map(parseRepr);
  const got = Array.from(actual.data);
  const eps = expected.dtype === 'float32' ? 2 ** -23 : 2 ** -52;
  const scale = Math.max(1, ...want.map(Math.abs));
  got.forEach((g, i) => expect(Math.abs(g - want[i])).toBeLessThanOrEqual(ulps * eps * scale));
}

describe('nn.functional.embedding against PyTorch', () => {
  it.each(fixtures.cases)('$name: output, weight gradient and second order', (c) => {
    const weight = decode(c.weight, true);
    const indices = decode(c.indices);
    const dy = decode(c.dy, true);
    const y = embedding(indices, weight, c.paddingIdx);
    // A lookup copies: bit for bit.
    expect(Array.from(y.data)).toEqual(c.y.data.map(parseRepr));
    expect(y.shape).toEqual(c.y.shape);
    expect(y.gradFn?.name).toBe('EmbeddingBackward0');

    const [gw] = autograd.grad([y], [weight], { gradOutputs: [dy], createGraph: true });
    expectClose(gw!, c.gradWeight);
    if (c.indices.data.length > 0) {
      expect(gw!.gradFn?.name).toBe('EmbeddingDenseBackwardBackward0');
      const [gdy] = autograd.grad([gw!.mul(decode(c.v)).sum()], [dy]);
      expectClose(gdy!, c.gradDy);
    }
  });

  it('gives the padding row no gradient even though the forward reads it', () => {
    const w = tensor(
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      { dtype: 'float64', requiresGrad: true },
    );
    const y = embedding(tensor([1, 2, 1], { dtype: 'int32' }), w, 1);
    expect(y.toArray()).toEqual([
      [3, 4],
      [5, 6],
      [3, 4],
    ]);
    y.mul(tensor([[0.5], [-2], [1.5]], { dtype: 'float64' }))
      .sum()
      .backward();
    expect(w.grad!.toArray()).toEqual([
      [0, 0],
      [0, 0],
      [-2, -2],
    ]);
  });

  it('passes gradcheck and gradgradcheck in the weight, with and without padding', () => {
    const w = tensor(
      Float64Array.from({ length: 12 }, (_, i) => Math.sin(i + 1)),
      {
        shape: [4, 3],
        requiresGrad: true,
      },
    );
    const idx = tensor(
      [
        [0, 3, 3],
        [2, 0, 1],
      ],
      { dtype: 'int32' },
    );
    const f = (t: Tensor): Tensor => embedding(idx, t);
    expect(gradcheck(f, [w], { seed: 3 })).toBe(true);
    expect(gradgradcheck(f, [w], { seed: 4 })).toBe(true);
    // With padding the gradient is not the derivative at the padding row (by design), but the
    // backward itself is linear in its upstream gradient with an exact adjoint.
    const g = tensor(
      Float64Array.from({ length: 18 }, (_, i) => Math.cos(i)),
      { shape: [2, 3, 3], requiresGrad: true },
    );
    const b = (t: Tensor): Tensor => embeddingDenseBackward(t, idx, 4, 0);
    expect(gradcheck(b, [g], { seed: 5 })).toBe(true);
    expect(gradgradcheck(b, [g], { seed: 6 })).toBe(true);
  });

  it('keeps the weight dtype and accepts a 0-d index', () => {
    const w = zeros([3, 2]);
    expect(embedding(tensor(2, { dtype: 'int32' }), w).shape).toEqual([2]);
    expect(embedding(tensor(2, { dtype: 'int32' }), w).dtype).toBe('float32');
  });
});

describe('nn.Embedding', () => {
  it.each(fixtures.init)(
    'seed $seed: ($numEmbeddings, $embeddingDim, padding $paddingIdx, $dtype) initialises as PyTorch',
    (c) => {
      manualSeed(c.seed);
      const m = new nn.Embedding(c.numEmbeddings, c.embeddingDim, {
        paddingIdx: c.paddingIdx,
        dtype: c.dtype,
      });
      expect(Array.from(m.weight.data)).toEqual(c.weight.data.map(parseRepr));
      expect(m.weight.dtype).toBe(c.dtype);
      expect(m.weight.requiresGrad).toBe(true);
      expect(m.paddingIdx).toBe(c.normalizedPaddingIdx);
      expect(String(m)).toBe(c.repr);
      // The initialisation draws exactly numEmbeddings·embeddingDim normals, as PyTorch's does.
      expect(random.random().item()).toBe(parseRepr(c.after));
    },
  );

  it('looks up rows of any index shape and trains the looked-up rows only', () => {
    manualSeed(0);
    const m = new nn.Embedding(6, 2, { paddingIdx: 5, dtype: 'float64' });
    const idx = tensor(
      [
        [[0, 5]], //
        [[2, 2]],
      ],
      { dtype: 'int32' },
    );
    const y = m.forward(idx);
    expect(y.shape).toEqual([2, 1, 2, 2]);
    y.mul(random.standardNormal([2, 1, 2, 2]))
      .sum()
      .backward();
    const g = m.weight.grad!.toArray() as number[][];
    const touched = g.map((row) => row.some((v) => v !== 0));
    expect(touched).toEqual([true, false, true, false, false, false]);
    expect(m.stateDict()).toHaveProperty('weight');
    expect(new nn.Sequential(m).stateDict()).toHaveProperty(['0.weight']);
  });

  it('fromPretrained copies the table, frozen by default', () => {
    const table = tensor([
      [1, 2],
      [3, 4],
    ]);
    const frozen = nn.Embedding.fromPretrained(table);
    expect(frozen.weight.requiresGrad).toBe(false);
    expect(frozen.weight.toArray()).toEqual(table.toArray());
    const trained = nn.Embedding.fromPretrained(table, { freeze: false, paddingIdx: 0 });
    expect(trained.weight.requiresGrad).toBe(true);
    // The given row is kept, as PyTorch keeps it.
    expect(trained.weight.toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(String(trained)).toBe('Embedding(2, 2, padding_idx=0)');
    expect(() => nn.Embedding.fromPretrained(tensor([1, 2]))).toThrow(ValueError);
  });

  it('holds no more memory after repeated tidy training steps than after the first', () => {
    const m = new nn.Embedding(64, 32);
    const idx = tensor([1, 2, 3, 2], { dtype: 'int32' });
    const step = (): void => tidy(() => m.forward(idx).sum().backward());
    step();
    const live = memoryStats().liveBytes;
    for (let i = 0; i < 5; i++) step();
    expect(memoryStats().liveBytes).toBe(live);
    // Rows 1 and 3 once, row 2 twice: 32 ones, 32 twos and 32 ones.
    expect(Array.from(m.weight.grad!.data).filter((v) => v !== 0)).toHaveLength(96);
  });
});

describe('embedding errors', () => {
  const e = fixtures.errors;

  it('rejects an out-of-range or negative index with IndexError, changing nothing', () => {
    const m = new nn.Embedding(5, 2);
    const before = Array.from(m.weight.data);
    const version = m.weight._version.value;
    for (const [bad, key] of [
      [[1, 5], 'indexTooLarge'],
      [[-1], 'indexNegative'],
    ] as const) {
      let err: unknown;
      try {
        m.forward(tensor([...bad], { dtype: 'int32' }));
      } catch (x) {
        err = x;
      }
      expect(err).toBeInstanceOf(IndexError);
      const message = (err as Error).message;
      expect(e[key].type).toBe('IndexError');
      expect(message).toContain(e[key].message);
      expect(message).toContain('embedding');
      expect(message).toContain(`index ${bad[bad.length - 1]}`);
      expect(message).toContain('[0, 5)');
    }
    expect(Array.from(m.weight.data)).toEqual(before);
    expect(m.weight._version.value).toBe(version);
    expect(m.weight.grad).toBeNull();
  });

  it('rejects floating-point indices with DTypeError in PyTorch words', () => {
    const w = zeros([5, 2]);
    expect(() => embedding(tensor([1]), w)).toThrow(DTypeError);
    expect(() => embedding(tensor([1]), w)).toThrow(e.floatIndices.message);
    expect(() => embedding(tensor([1], { dtype: 'float64' }), w)).toThrow(e.doubleIndices.message);
  });

  it('rejects a padding index outside the table, and a weight that is not 2-D', () => {
    expect(() => new nn.Embedding(5, 2, { paddingIdx: 5 })).toThrow(e.paddingOutOfRange.message);
    expect(() => new nn.Embedding(5, 2, { paddingIdx: -6 })).toThrow(e.paddingTooNegative.message);
    expect(() => new nn.Embedding(5, 2, { paddingIdx: 5 })).toThrow(ValueError);
    expect(() => embedding(tensor([1], { dtype: 'int32' }), zeros([5]))).toThrow(ShapeError);
    expect(() => embedding(tensor([1], { dtype: 'int32' }), zeros([5]))).toThrow(
      e.weightNot2d.message,
    );
    expect(() => embedding(tensor([1], { dtype: 'int32' }), zeros([5, 2]), 5)).toThrow(ValueError);
    expect(() => new nn.Embedding(-1, 2)).toThrow(ValueError);
    expect(() => new nn.Embedding(3, 1.5)).toThrow(ValueError);
  });

  it('normalises a negative padding index in the functional form too', () => {
    const w = tensor(
      [
        [1, 1],
        [2, 2],
        [3, 3],
      ],
      { requiresGrad: true },
    );
    embedding(tensor([2, 0], { dtype: 'int32' }), w, -1)
      .sum()
      .backward();
    expect(w.grad!.toArray()).toEqual([
      [1, 1],
      [0, 0],
      [0, 0],
    ]);
  });
});
