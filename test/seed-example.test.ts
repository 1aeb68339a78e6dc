/**
 * The example this project started from (examples/seed-batchnorm.ts) against PyTorch 1.13:
 * test/fixtures/seed_batchnorm.json holds torch's float64 results for the same NumPy-seeded data,
 * and NumPy's printout of them (np.set_printoptions(precision=8)), written by
 * scripts/gen_batchnorm_fixtures.py.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatNumpy, seedExperiment, type SeedResult } from '../examples/seed-batchnorm.js';
import { random } from '../src/index.js';

interface SeedFixture {
  format: string;
  shape: number[];
  x: string[];
  weight: string[];
  bias: string[];
  dLoss: string[];
  y: string[];
  dx: string[];
  dweight: string[];
  dbias: string[];
  runningMean: string[];
  runningVar: string[];
  numBatchesTracked: number;
  printed: Record<'y' | 'dx' | 'dweight' | 'dbias', string>;
}

const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/seed_batchnorm.json', import.meta.url), 'utf8'),
) as SeedFixture;

const IMPLS = ['fused', 'composite'] as const;
const QUANTITIES = ['y', 'dx', 'dweight', 'dbias', 'runningMean', 'runningVar'] as const;
const PRINTED = ['y', 'dx', 'dweight', 'dbias'] as const;

/** float64 throughout: agreement to 1e-12 of the largest reference magnitude. */
const REL = 1e-12;

function maxErr(got: ArrayLike<number>, ref: readonly number[]): { err: number; scale: number } {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < ref.length; i++) {
    err = Math.max(err, Math.abs(got[i] - ref[i]));
    scale = Math.max(scale, Math.abs(ref[i]));
  }
  return { err, scale };
}

describe.each(IMPLS)('the seed experiment with the %s BatchNorm', (impl) => {
  // One run per implementation; the experiment reseeds the generator itself.
  let result: SeedResult | null = null;
  const run = (): SeedResult => (result ??= seedExperiment(impl));

  it.each(QUANTITIES)("matches PyTorch's %s to 1e-12 relative", (q) => {
    const got = run()[q];
    const ref = fixture[q].map(Number);
    expect(got.dtype).toBe('float64');
    expect(got.size).toBe(ref.length);
    const { err, scale } = maxErr(got.data, ref);
    expect(err).toBeLessThanOrEqual(REL * scale);
  });

  it.each(PRINTED)('prints %s exactly as NumPy does with precision=8', (q) => {
    expect(formatNumpy(run()[q])).toBe(fixture.printed[q]);
  });

  it('has results of the recorded shapes', () => {
    expect(run().y.shape).toEqual(fixture.shape);
    expect(run().dx.shape).toEqual(fixture.shape);
    expect(run().dweight.shape).toEqual([fixture.shape[1]]);
  });
});

describe('the seed experiment inputs', () => {
  it('are the values NumPy draws after np.random.seed(123), bit for bit', () => {
    // x, weight, bias, dLoss in that order, as the example draws them.
    random.seed(123);
    for (const [key, shape] of [
      ['x', fixture.shape],
      ['weight', [fixture.shape[1]]],
      ['bias', [fixture.shape[1]]],
      ['dLoss', fixture.shape],
    ] as const) {
      expect(Array.from(random.random([...shape]).data), key).toEqual(fixture[key].map(Number));
    }
  });
});
