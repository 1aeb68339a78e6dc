import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ValueError } from '../src/errors.js';
import { fma, glibcLog } from '../src/kernels/libm/index.js';
import { MT19937 } from '../src/kernels/mt19937.js';

// Reference values come from NumPy's legacy RandomState; regenerate them with
// `/usr/bin/python3 scripts/gen_numpy_rng.py`.

/** A NumPy double, as a JSON number and as Python's float.hex(). */
interface Dbl {
  v: number;
  hex: string;
}

interface StateSummary {
  keyHead: number[];
  keyTail: number[];
  pos: number;
  hasGauss: boolean;
  gauss: Dbl;
}

type MixedStep = { op: 'seed' } | { op: 'normal' | 'random'; values: Dbl[]; after: StateSummary };

interface SeedCase {
  seed: number;
  stateAfterSeed: StateSummary;
  rawUint32: number[];
  random3x5: Dbl[];
  mixed: MixedStep[];
  long: {
    n: number;
    random: Record<string, Dbl>;
    randomDigest: string;
    normal: Record<string, Dbl>;
    normalDigest: string;
    normalTail: Dbl;
    after: StateSummary;
  };
}

interface Fixture {
  numpy: string;
  libmLogVariant: string;
  cases: SeedCase[];
  fullState: {
    key: number[];
    pos: number;
    hasGauss: boolean;
    gauss: Dbl;
    nextNormal: Dbl[];
    nextRandom: Dbl[];
  };
  badSeeds: { seed: string; error: string | null; message?: string }[];
  /** The C library's log() (the function NumPy calls), misrounded where !correctlyRounded. */
  logCases: { x: string; log: string; correctlyRounded: boolean }[];
  /** Exact fused multiply-adds, a * b + c rounded once. */
  fmaCases: { a: string; b: string; c: string; fma: string; kind: string }[];
}

const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/numpy_rng.json', import.meta.url), 'utf8'),
) as Fixture;

/** Parses Python's float.hex() output exactly (normal and subnormal doubles and zeros). */
function parseHexFloat(s: string): number {
  const m = /^(-?)0x([01])\.([0-9a-f]+)p([+-]\d+)$/.exec(s);
  if (m === null) throw new Error(`not a float.hex() string: ${s}`);
  const [, sign, lead, frac, exp] = m;
  const mantissa = BigInt(`0x${lead}${frac}`);
  // The mantissa has at most 53 bits and the scale is a power of two, so both steps are exact.
  const value = Number(mantissa) * 2 ** (Number(exp) - 4 * frac.length);
  return sign === '-' ? -value : value;
}

/** Asserts bit-exact equality with both stored encodings of NumPy's value. */
function expectDouble(actual: number, expected: Dbl): void {
  expect(Object.is(expected.v, parseHexFloat(expected.hex))).toBe(true);
  expect(actual).toBe(expected.v);
}

function expectState(rng: MT19937, expected: StateSummary): void {
  const state = rng.getState();
  expect(Array.from(state.key.subarray(0, expected.keyHead.length))).toEqual(expected.keyHead);
  expect(Array.from(state.key.subarray(state.key.length - expected.keyTail.length))).toEqual(
    expected.keyTail,
  );
  expect(state.pos).toBe(expected.pos);
  expect(state.hasGauss).toBe(expected.hasGauss);
  expectDouble(state.gauss, expected.gauss);
}

/** The order-sensitive 64-bit digest of gen_numpy_rng.py: h = h * FNV_PRIME + bits mod 2**64. */
function digest(values: Float64Array): string {
  const bits = new BigUint64Array(values.buffer, values.byteOffset, values.length);
  let h = 0xcbf29ce484222325n;
  for (const b of bits) h = BigInt.asUintN(64, h * 0x100000001b3n + b);
  return h.toString(16).padStart(16, '0');
}

describe('MT19937 reproduces NumPy legacy RandomState', () => {
  it('has a fixture covering every seed the brief asks for', () => {
    expect(fixture.cases.map((c) => c.seed)).toEqual([0, 1, 123, 2 ** 32 - 1, 42, 987654321]);
  });

  for (const c of fixture.cases) {
    describe(`with seed ${c.seed}`, () => {
      it('seeds the key and position exactly as np.random.seed does', () => {
        expectState(new MT19937(c.seed), c.stateAfterSeed);
      });

      it('produces the raw genrand_int32 stream', () => {
        const rng = new MT19937(c.seed);
        expect(c.rawUint32.map(() => rng.nextUint32())).toEqual(c.rawUint32);
      });

      it('matches np.random.random((3, 5)) both draw by draw and through fillRandom', () => {
        const rng = new MT19937(c.seed);
        c.random3x5.forEach((d) => expectDouble(rng.randomDouble(), d));

        const out = new Float64Array(15);
        rng.seed(c.seed);
        rng.fillRandom(out);
        c.random3x5.forEach((d, i) => expectDouble(out[i], d));
      });

      it('matches odd-length mixed random and normal calls, including the cached Gaussian and its reset on re-seed', () => {
        const rng = new MT19937(c.seed);
        for (const step of c.mixed) {
          if (step.op === 'seed') {
            rng.seed(c.seed);
            continue;
          }
          const out = new Float64Array(step.values.length);
          if (step.op === 'normal') rng.fillStandardNormal(out);
          else rng.fillRandom(out);
          step.values.forEach((d, i) => expectDouble(out[i], d));
          expectState(rng, step.after);
        }
      });

      it('matches a 2000-value run of random then standard_normal at every position', () => {
        const rng = new MT19937(c.seed);
        const u = new Float64Array(c.long.n);
        const g = new Float64Array(c.long.n);
        rng.fillRandom(u);
        rng.fillStandardNormal(g);
        for (const [i, d] of Object.entries(c.long.random)) expectDouble(u[Number(i)], d);
        for (const [i, d] of Object.entries(c.long.normal)) expectDouble(g[Number(i)], d);
        // The digests cover every value of both runs, bit for bit.
        expect(digest(u)).toBe(c.long.randomDigest);
        expect(digest(g)).toBe(c.long.normalDigest);
        expectDouble(rng.standardNormal(), c.long.normalTail);
        expectState(rng, c.long.after);
      });
    });
  }

  it('continues from a full NumPy mid-stream state with a pending Gaussian', () => {
    const s = fixture.fullState;
    const rng = new MT19937();
    rng.setState({
      key: Uint32Array.from(s.key),
      pos: s.pos,
      hasGauss: s.hasGauss,
      gauss: parseHexFloat(s.gauss.hex),
    });
    expect(s.hasGauss).toBe(true);
    s.nextNormal.forEach((d) => expectDouble(rng.standardNormal(), d));
    s.nextRandom.forEach((d) => expectDouble(rng.randomDouble(), d));
  });
});

describe('glibcLog', () => {
  it('reproduces the C library log() NumPy calls, including where it is not correctly rounded', () => {
    // The port follows glibc's FMA build of log(), which the fixture's machine must have used.
    expect(fixture.libmLogVariant).toBe('fma');
    const misrounded = fixture.logCases.filter((t) => !t.correctlyRounded);
    expect(fixture.logCases.length).toBeGreaterThan(250);
    expect(misrounded.length).toBeGreaterThan(50);
    for (const t of fixture.logCases) {
      expect({ x: t.x, log: glibcLog(parseHexFloat(t.x)) }).toEqual({
        x: t.x,
        log: parseHexFloat(t.log),
      });
    }
  });

  it('gives the special values of C log()', () => {
    expect(glibcLog(1)).toBe(0);
    expect(glibcLog(0)).toBe(-Infinity);
    expect(glibcLog(-0)).toBe(-Infinity);
    expect(glibcLog(Infinity)).toBe(Infinity);
    expect(glibcLog(-1)).toBeNaN();
    expect(glibcLog(-Infinity)).toBeNaN();
    expect(glibcLog(NaN)).toBeNaN();
  });
});

describe('fma', () => {
  it('rounds a * b + c once, including exact ties and near-ties', () => {
    const kinds = new Set(fixture.fmaCases.map((t) => t.kind));
    expect([...kinds].sort()).toEqual(['cancel', 'naive', 'nearTie', 'tie']);
    for (const t of fixture.fmaCases) {
      const [a, b, c] = [t.a, t.b, t.c].map(parseHexFloat);
      expect({ ...t, got: fma(a, b, c) }).toEqual({ ...t, got: parseHexFloat(t.fma) });
    }
  });

  it('differs from a * b + c where that rounds twice', () => {
    expect(0.1 * 10 - 1).toBe(0);
    expect(fma(0.1, 10, -1)).toBe(2 ** -54);
  });
});

describe('MT19937 state and storage', () => {
  it('drops a cached Gaussian when re-seeded', () => {
    const rng = new MT19937(7);
    const first = rng.standardNormal();
    expect(rng.getState().hasGauss).toBe(true);
    rng.seed(7);
    expect(rng.getState().hasGauss).toBe(false);
    expect(rng.getState().gauss).toBe(0);
    expect(rng.standardNormal()).toBe(first);
  });

  it('returns a state copy that later draws and edits do not affect', () => {
    const rng = new MT19937(3);
    rng.standardNormal();
    const saved = rng.getState();
    const keyBefore = saved.key.slice();
    const expected = [rng.standardNormal(), rng.standardNormal(), rng.randomDouble()];
    expect(saved.key).toEqual(keyBefore);

    rng.setState(saved);
    saved.key.fill(0);
    expect([rng.standardNormal(), rng.standardNormal(), rng.randomDouble()]).toEqual(expected);
  });

  it('rounds each double to float32 on store when filling a Float32Array', () => {
    const a = new MT19937(11);
    const b = new MT19937(11);
    const f32 = new Float32Array(33);
    const f64 = new Float64Array(33);
    a.fillRandom(f32);
    b.fillRandom(f64);
    a.fillStandardNormal(f32);
    b.fillStandardNormal(f64);
    f64.forEach((x, i) => expect(f32[i]).toBe(Math.fround(x)));
    // The odd length leaves the same cached Gaussian in both, whatever the storage.
    expect(a.getState().gauss).toBe(b.getState().gauss);
  });

  it('defaults to the reference seed 5489', () => {
    // 3499211612 is the first output of init_genrand(5489) in the MT19937 reference code.
    expect(new MT19937().nextUint32()).toBe(3499211612);
  });

  it('rejects seeds outside the integers 0 to 2**32 - 1 with a ValueError naming the value', () => {
    // NumPy itself raises ValueError for -1 and 2**32 but TypeError for 1.5 and NaN.
    expect(fixture.badSeeds.map((b) => b.error)).toEqual([
      'ValueError',
      'ValueError',
      'TypeError',
      'TypeError',
    ]);
    for (const [bad, shown] of [
      [-1, '-1'],
      [2 ** 32, '4294967296'],
      [1.5, '1.5'],
      [NaN, 'NaN'],
    ] as const) {
      const rng = new MT19937(0);
      expect(() => rng.seed(bad)).toThrow(ValueError);
      expect(() => rng.seed(bad)).toThrow(`Seed must be between 0 and 2**32 - 1, got ${shown}`);
      expect(() => new MT19937(bad)).toThrow(ValueError);
    }
  });

  it('leaves the state untouched when a seed is rejected', () => {
    const rng = new MT19937(5);
    rng.standardNormal();
    const before = rng.getState();
    expect(() => rng.seed(-1)).toThrow(ValueError);
    expect(rng.getState()).toEqual(before);
  });
});
