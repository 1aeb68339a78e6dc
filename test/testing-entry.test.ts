/**
 * The `tapegrad/testing` entry: the README's worked example (a user-written fused SiLU,
 * x·σ(x), with its closed-form backward) is proved equal to its composite, and a fused op with a
 * wrong backward, first or second order, is caught with a typed error and a readable
 * counterexample.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { autograd, sigmoid, tensor, GradcheckError, type Tensor } from '../src/index.js';
import {
  FusedMismatchError,
  checkFusedEqualsComposite,
  proveFusedEqualsComposite,
  tensorArbitrary,
} from '../src/testing/index.js';

// ---- the worked example (README, "Proving a fused op") ----------------------------------------

// silu(x) = x·σ(x), fused: d/dx = σ(x)·(1 + x·(1 − σ(x))).
const siluP = autograd.definePrimitive({
  name: 'silu',
  backwardName: 'SiluBackward0',
  forward: ([x]) => ({ out: x.detach().mul(sigmoid(x.detach())), saved: [x] as const }),
  vjp: ({ g, saved: [x] }) => {
    const s = sigmoid(x);
    return [g.mul(s.mul(x.mul(s.neg().add(1)).add(1)))];
  },
});
const siluFused = (x: Tensor): Tensor => autograd.apply(siluP, [x], null);
const siluComposite = (x: Tensor): Tensor => x.mul(sigmoid(x));

// ---- wrong fused ops ---------------------------------------------------------------------------

/** Forgets the x·(1 − σ) term: first-order gradients are wrong. */
const wrongFirstP = autograd.definePrimitive({
  name: 'silu',
  backwardName: 'SiluBackward0',
  forward: ([x]) => ({ out: x.detach().mul(sigmoid(x.detach())), saved: [x] as const }),
  vjp: ({ g, saved: [x] }) => [g.mul(sigmoid(x))],
});

/** Right first order, but the backward detaches x, so it has no second derivative. */
const wrongSecondP = autograd.definePrimitive({
  name: 'silu',
  backwardName: 'SiluBackward0',
  forward: ([x]) => ({ out: x.detach().mul(sigmoid(x.detach())), saved: [x] as const }),
  vjp: ({ g, saved: [x] }) => {
    const xd = x.detach();
    const s = sigmoid(xd);
    return [g.mul(s.mul(xd.mul(s.neg().add(1)).add(1)))];
  },
});

const inputs = fc.tuple(tensorArbitrary([3, 4], { requiresGrad: true }));

describe('proveFusedEqualsComposite', () => {
  it('proves the worked example: fused SiLU equals x·sigmoid(x), with gradcheck', () => {
    const result = proveFusedEqualsComposite({
      name: 'silu',
      fused: siluFused,
      composite: siluComposite,
      inputs,
      gradcheck: true,
      numRuns: 30,
      seed: 42,
    });
    expect(result.numRuns).toBe(30);
    expect(result.maxRel).toBeLessThanOrEqual(1e-14);
  });

  it('catches a wrong first-order backward, with a typed error and a shrunk counterexample', () => {
    let caught: unknown = null;
    try {
      proveFusedEqualsComposite({
        name: 'silu',
        fused: (x) => autograd.apply(wrongFirstP, [x], null),
        composite: siluComposite,
        inputs,
        // First order only: shrinking would otherwise stop at x = 0, where the wrong and the
        // right first derivative agree (both 1/2) and only the second derivative differs.
        order: 1,
        numRuns: 30,
        seed: 42,
      });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(FusedMismatchError);
    expect(caught).toBeInstanceOf(GradcheckError);
    const err = caught as FusedMismatchError;
    expect(err.message).toContain('silu: fused and composite differ in grad input 0');
    expect(err.message).toMatch(/replay with seed 42, path "[\d:]+"/);
    expect(err.message).toContain('input 0: float64 [3, 4] (requires grad) = tensor(');
    expect(err.message).toContain('max rel diff');
    expect(err.counterexample?.inputs[0].shape).toEqual([3, 4]);
    // Shrinking walks x towards 0, where the two derivatives meet: the counterexample fails just
    // beyond the tolerance.
    const row = err.report?.differences.find((d) => d.name === 'grad input 0');
    expect(row?.maxRel).toBeGreaterThan(1e-10);
    expect(err.seed).toBe(42);
  });

  it('catches a backward that is right at first order but has no second derivative', () => {
    const prove = (order: 1 | 2) =>
      proveFusedEqualsComposite({
        fused: (x) => autograd.apply(wrongSecondP, [x], null),
        composite: siluComposite,
        inputs,
        order,
        numRuns: 10,
        seed: 7,
      });
    expect(prove(1).maxRel).toBeLessThanOrEqual(1e-14);
    expect(() => prove(2)).toThrow(FusedMismatchError);
    expect(() => prove(2)).toThrow('second-order input 0');
  });

  it('runs gradcheck on both functions and reports which one fails', () => {
    // Both sides share the wrong backward, so they agree; only gradcheck can tell.
    const wrong = (x: Tensor): Tensor => autograd.apply(wrongFirstP, [x], null);
    expect(() =>
      proveFusedEqualsComposite({
        fused: wrong,
        composite: wrong,
        inputs,
        gradcheck: true,
        order: 1,
        numRuns: 5,
        seed: 1,
      }),
    ).toThrow(/fused fails gradcheck: Jacobian mismatch for input 0/);
  });

  it('takes parametrised cases, whose parameters appear in the report', () => {
    const cases = fc
      .record({
        n: fc.integer({ min: 1, max: 4 }),
        scale: fc.double({ min: 0.5, max: 2, noNaN: true }),
      })
      .chain((params) =>
        tensorArbitrary([params.n], { requiresGrad: true }).map((x) => ({ inputs: [x], params })),
      );
    const ok = proveFusedEqualsComposite({
      fused: (p: { scale: number }) => (x) => siluFused(x.mul(p.scale)),
      composite: (p) => (x) => siluComposite(x.mul(p.scale)),
      cases,
      numRuns: 20,
      seed: 3,
    });
    expect(ok.numRuns).toBe(20);
    expect(() =>
      proveFusedEqualsComposite({
        fused: (p: { scale: number }) => (x) => autograd.apply(wrongFirstP, [x.mul(p.scale)], null),
        composite: (p) => (x) => siluComposite(x.mul(p.scale)),
        cases,
        numRuns: 20,
        seed: 3,
      }),
    ).toThrow(/params: \{"n":\d,"scale":/);
  });

  it('uses float32 tolerances for float32 inputs', () => {
    const r = proveFusedEqualsComposite({
      fused: siluFused,
      composite: siluComposite,
      inputs: fc.tuple(tensorArbitrary([5], { dtype: 'float32', requiresGrad: true })),
      numRuns: 10,
      seed: 5,
    });
    expect(r.maxRel).toBeLessThanOrEqual(1e-5);
  });
});

describe('checkFusedEqualsComposite', () => {
  it('checks one case and throws FusedMismatchError naming the quantity', () => {
    const x = tensor([0.5, -1, 2], { dtype: 'float64', requiresGrad: true });
    const opts = { fused: () => siluFused, composite: () => siluComposite };
    expect(checkFusedEqualsComposite(opts, { inputs: [x], params: null }).maxRel).toBeLessThan(
      1e-14,
    );
    const bad = { ...opts, fused: () => (t: Tensor) => autograd.apply(wrongFirstP, [t], null) };
    expect(() => checkFusedEqualsComposite(bad, { inputs: [x], params: null })).toThrow(
      /grad input 0[\s\S]*input 0: float64 \[3\]/,
    );
  });
});

describe('the README section', () => {
  it('shows the fused SiLU this file proves, and the proof call', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const heading = readme.indexOf('\n## Every normalization, twice, and `tapegrad/testing`');
    expect(heading).toBeGreaterThan(0);
    const section = readme.slice(heading);
    const code = /```ts\n([\s\S]*?)```/.exec(section)![1];
    const self = readFileSync(new URL(import.meta.url), 'utf8');
    const definition = /const siluP = [\s\S]*?\n\}\);\n/;
    expect(definition.exec(code)![0]).toBe(definition.exec(self)![0]);
    expect(code).toContain("from 'tapegrad/testing'");
    expect(code).toContain('proveFusedEqualsComposite({');
  });
});

describe('the package', () => {
  it('exports tapegrad/testing beside the main entry, with fast-check an optional peer', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      exports: Record<string, { import: { default: string }; require: { default: string } }>;
      peerDependencies: Record<string, string>;
      peerDependenciesMeta: Record<string, { optional: boolean }>;
    };
    expect(pkg.exports['./testing'].import.default).toBe('./dist/testing/index.js');
    expect(pkg.exports['./testing'].require.default).toBe('./dist/cjs/testing/index.js');
    expect(pkg.peerDependencies['fast-check']).toBeDefined();
    expect(pkg.peerDependenciesMeta['fast-check'].optional).toBe(true);
  });

  it('keeps fast-check out of the main entry', () => {
    const main = readFileSync(new URL('../src/index.ts', import.meta.url), 'utf8');
    expect(main).not.toMatch(/fast-check|testing/);
  });
});
