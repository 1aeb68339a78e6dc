/**
 * Fused equals composite: fast-check generates BatchNorm configurations and inputs, and the two
 * implementations must agree on output, all three gradients, second derivatives and the running
 * statistics, and both must pass gradcheck and gradgradcheck. Upstream gradients are random.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import {
  autograd,
  gradcheck,
  gradgradcheck,
  nn,
  noGrad,
  tensor,
  type Tensor,
} from '../src/index.js';

type Impl = nn.functional.BatchNormImpl;

interface Config {
  n: number;
  c: number;
  l: number | null;
  affine: boolean;
  track: boolean;
  momentum: number | null;
  eps: number;
}

const config: fc.Arbitrary<Config> = fc.record({
  n: fc.integer({ min: 2, max: 16 }),
  c: fc.integer({ min: 1, max: 8 }),
  l: fc.option(fc.integer({ min: 1, max: 6 }), { nil: null }),
  affine: fc.boolean(),
  track: fc.boolean(),
  momentum: fc.oneof(
    fc.constant(0.1),
    fc.constant(null),
    fc.double({ min: 0, max: 1, noNaN: true }),
  ),
  eps: fc.double({ min: 1e-6, max: 1e-1, noNaN: true }),
});

const shapeOf = (cfg: Config, n = cfg.n): number[] =>
  cfg.l === null ? [n, cfg.c] : [n, cfg.c, cfg.l];

/** Values with a per-case scale and offset, so channels are far from standardised already. */
const valuesFor = (count: number): fc.Arbitrary<number[]> =>
  fc
    .tuple(
      fc.array(fc.double({ min: -1, max: 1, noNaN: true }), {
        minLength: count,
        maxLength: count,
      }),
      fc.double({ min: 0.01, max: 100, noNaN: true }),
      fc.double({ min: -50, max: 50, noNaN: true }),
    )
    .map(([v, scale, offset]) => v.map((x) => x * scale + offset));

const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

function f64(data: readonly number[], shape: readonly number[], requiresGrad = false): Tensor {
  return tensor(Float64Array.from(data), { shape, dtype: 'float64', requiresGrad });
}

/** Largest |a − b| relative to the largest |b|. */
function relDiff(a: Tensor, b: Tensor): number {
  let d = 0;
  let s = 0;
  for (let i = 0; i < a.size; i++) {
    d = Math.max(d, Math.abs(a.data[i] - b.data[i]));
    s = Math.max(s, Math.abs(b.data[i]));
  }
  return d === 0 ? 0 : d / s;
}

/** max|a − b| ≤ 1e-10·max|b| + 1e-13: relative agreement, with a floor for all-tiny quantities. */
function expectAgree(a: Tensor, b: Tensor): void {
  let d = 0;
  let s = 0;
  for (let i = 0; i < a.size; i++) {
    d = Math.max(d, Math.abs(a.data[i] - b.data[i]));
    s = Math.max(s, Math.abs(b.data[i]));
  }
  expect(d).toBeLessThanOrEqual(1e-10 * s + 1e-13);
}

describe('fused and composite BatchNorm agree', () => {
  // One functional call: output, gradients of x, weight and bias, the running statistics the call
  // updates in place, and second derivatives along random directions (order 2).
  test.prop([
    config.chain((cfg) => {
      const s = shapeOf(cfg);
      return fc.record({
        cfg: fc.constant(cfg),
        x: valuesFor(numel(s)),
        w: fc.array(fc.double({ min: -2, max: 2, noNaN: true }), {
          minLength: cfg.c,
          maxLength: cfg.c,
        }),
        b: fc.array(fc.double({ min: -2, max: 2, noNaN: true }), {
          minLength: cfg.c,
          maxLength: cfg.c,
        }),
        rm: fc.array(fc.double({ min: -2, max: 2, noNaN: true }), {
          minLength: cfg.c,
          maxLength: cfg.c,
        }),
        rv: fc.array(fc.double({ min: 0.1, max: 3, noNaN: true }), {
          minLength: cfg.c,
          maxLength: cfg.c,
        }),
        training: fc.boolean(),
        seed: fc.nat(10_000),
      });
    }),
  ])(
    'on output, gradients, running statistics and second derivatives (float64)',
    ({ cfg, x, w, b, rm, rv, training, seed }) => {
      const s = shapeOf(cfg);
      const track = cfg.track || !training;
      const fn =
        (impl: Impl) =>
        (...t: Tensor[]): Tensor => {
          const [xt, wt, bt, rmt, rvt] = t;
          return nn.functional.batchNorm(
            xt,
            track ? rmt : null,
            track ? rvt : null,
            cfg.affine ? wt : null,
            cfg.affine ? bt : null,
            { training, momentum: cfg.momentum ?? 0.1, eps: cfg.eps, impl },
          );
        };
      const inputs = [
        f64(x, s, true),
        f64(w, [cfg.c], true),
        f64(b, [cfg.c], true),
        f64(rm, [cfg.c]),
        f64(rv, [cfg.c]),
      ];
      const report = autograd.assertSameVjp(fn('fused'), fn('composite'), inputs, {
        seed,
        order: 2,
        rtol: 1e-10,
        atol: 1e-13,
      });
      // Every quantity was compared: output, 3 gradients, 2 running stats, 3 second-order.
      expect(report.differences).toHaveLength(9);
    },
  );

  // Several module steps in a row, switching between train and eval.
  test.prop([
    config.chain((cfg) =>
      fc.record({
        cfg: fc.constant(cfg),
        steps: fc.array(
          fc.record({
            train: fc.boolean(),
            x: valuesFor(numel(shapeOf(cfg))),
            dy: fc.array(fc.double({ min: -3, max: 3, noNaN: true }), {
              minLength: numel(shapeOf(cfg)),
              maxLength: numel(shapeOf(cfg)),
            }),
          }),
          { minLength: 1, maxLength: 4 },
        ),
      }),
    ),
  ])('over multi-step train/eval sequences of the module (float64)', ({ cfg, steps }) => {
    const make = (impl: Impl): nn.BatchNorm1d => {
      const m = new nn.BatchNorm1d(cfg.c, {
        eps: cfg.eps,
        momentum: cfg.momentum,
        affine: cfg.affine,
        trackRunningStats: cfg.track,
        impl,
        dtype: 'float64',
      });
      // Non-trivial affine parameters, the same for both.
      noGrad(() => {
        m.weight?.copy_(
          f64(
            Array.from({ length: cfg.c }, (_, i) => 0.5 + 0.25 * i),
            [cfg.c],
          ),
        );
        m.bias?.copy_(
          f64(
            Array.from({ length: cfg.c }, (_, i) => 0.3 * i - 0.7),
            [cfg.c],
          ),
        );
      });
      return m;
    };
    const fused = make('fused');
    const composite = make('composite');
    const s = shapeOf(cfg);
    for (const step of steps) {
      const results = [fused, composite].map((m) => {
        m.train(step.train);
        m.zeroGrad();
        const x = f64(step.x, s, true);
        const y = m.forward(x);
        y.backward(f64(step.dy, s));
        return { m, y, dx: x.grad! };
      });
      const [a, b] = results;
      expectAgree(a.y, b.y);
      expectAgree(a.dx, b.dx);
      if (cfg.affine) {
        expectAgree(a.m.weight!.grad!, b.m.weight!.grad!);
        expectAgree(a.m.bias!.grad!, b.m.bias!.grad!);
      }
      if (cfg.track) {
        expectAgree(a.m.runningMean!, b.m.runningMean!);
        expectAgree(a.m.runningVar!, b.m.runningVar!);
        expect(a.m.numBatchesTracked!.item()).toBe(b.m.numBatchesTracked!.item());
      }
    }
  });
});

describe('both BatchNorm implementations pass gradcheck and gradgradcheck', () => {
  const small = fc.record({
    n: fc.integer({ min: 2, max: 4 }),
    c: fc.integer({ min: 1, max: 3 }),
    l: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }),
    training: fc.boolean(),
    affine: fc.boolean(),
    seed: fc.nat(1000),
  });
  for (const impl of ['fused', 'composite'] as const) {
    test.prop(
      [
        small.chain((p) =>
          fc.tuple(fc.constant(p), valuesFor(numel(p.l === null ? [p.n, p.c] : [p.n, p.c, p.l]))),
        ),
      ],
      {
        numRuns: 25,
      },
    )(`${impl}: gradcheck and gradgradcheck in float64`, ([p, x]) => {
      const s = p.l === null ? [p.n, p.c] : [p.n, p.c, p.l];
      const rm = f64(
        Array.from({ length: p.c }, (_, i) => 0.1 * i),
        [p.c],
      );
      const rv = f64(
        Array.from({ length: p.c }, (_, i) => 1 + 0.5 * i),
        [p.c],
      );
      const fn = (xt: Tensor, wt: Tensor, bt: Tensor): Tensor =>
        nn.functional.batchNorm(
          xt,
          // Copies, so the in-place running-stat updates of repeated calls do not accumulate.
          rm.clone(),
          rv.clone(),
          p.affine ? wt : null,
          p.affine ? bt : null,
          { training: p.training, impl },
        );
      // Unit-scale values keep finite differences well conditioned.
      const scaled = x.map((v, i) => Math.tanh(v / 50) + 0.1 * Math.sin(i));
      const inputs = (): Tensor[] => [
        f64(scaled, s, true),
        f64(
          Array.from({ length: p.c }, (_, i) => 1.5 - 0.4 * i),
          [p.c],
          true,
        ),
        f64(
          Array.from({ length: p.c }, (_, i) => 0.2 * i),
          [p.c],
          true,
        ),
      ];
      expect(gradcheck(fn, inputs(), { seed: p.seed })).toBe(true);
      expect(gradgradcheck(fn, inputs(), { seed: p.seed, atol: 1e-4, rtol: 1e-3 })).toBe(true);
    });
  }
});

describe('adversarial inputs', () => {
  test.prop([
    fc.record({
      n: fc.integer({ min: 2, max: 16 }),
      c: fc.integer({ min: 1, max: 8 }),
      offset: fc.double({ min: -1e6, max: 1e6, noNaN: true }),
      spread: fc.double({ min: 0.5, max: 4, noNaN: true }),
      seed: fc.nat(1000),
    }),
  ])(
    'float32 with offsets up to 1e6: the fused op stays within 1e-6 of float64 on the same inputs',
    ({ n, c, offset, spread, seed }) => {
      const data = Float32Array.from({ length: n * c }, (_, i) =>
        Math.fround(offset + spread * Math.sin(1.7 * i + seed)),
      );
      const x32 = tensor(data, { shape: [n, c] });
      const x64 = tensor(Float64Array.from(data), { shape: [n, c], dtype: 'float64' });
      for (const impl of ['fused', 'composite'] as const) {
        const y32 = nn.functional.batchNorm(x32, null, null, null, null, { training: true, impl });
        const y64 = nn.functional.batchNorm(x64, null, null, null, null, { training: true, impl });
        expect(relDiff(y32, y64)).toBeLessThanOrEqual(1e-6);
      }
    },
  );

  test.prop([
    fc.record({
      n: fc.integer({ min: 2, max: 10 }),
      l: fc.option(fc.integer({ min: 1, max: 4 }), { nil: null }),
      value: fc.double({ min: -1e3, max: 1e3, noNaN: true }),
      bias: fc.double({ min: -5, max: 5, noNaN: true }),
      dtype: fc.constantFrom('float32', 'float64'),
    }),
  ])(
    'a constant channel (variance 0) gives a finite output equal to the bias',
    ({ n, l, value, bias, dtype }) => {
      const shape = l === null ? [n, 1] : [n, 1, l];
      const x = tensor(new Float64Array(numel(shape)).fill(value), { shape, dtype });
      const b = tensor([bias], { dtype });
      const w = tensor([1.7], { dtype });
      const expected = dtype === 'float32' ? Math.fround(bias) : bias;
      for (const impl of ['fused', 'composite'] as const) {
        const y = nn.functional.batchNorm(x, null, null, w, b, { training: true, impl });
        for (const v of y.data) {
          expect(Number.isFinite(v)).toBe(true);
          expect(Math.abs(v - expected)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(value)));
        }
      }
    },
  );

  const edge = (name: string, shape: number[], make: (i: number) => number): void => {
    test.prop([fc.nat(1000), fc.boolean()])(`${name}: fused equals composite`, (seed, affine) => {
      const c = shape[1];
      const fn =
        (impl: Impl) =>
        (x: Tensor, w: Tensor, b: Tensor, rm: Tensor, rv: Tensor): Tensor =>
          nn.functional.batchNorm(x, rm, rv, affine ? w : null, affine ? b : null, {
            training: true,
            impl,
          });
      const inputs = [
        f64(
          Array.from({ length: numel(shape) }, (_, i) => make(i + seed)),
          shape,
          true,
        ),
        f64(
          Array.from({ length: c }, (_, i) => 1 + 0.1 * i),
          [c],
          true,
        ),
        f64(
          Array.from({ length: c }, (_, i) => -0.1 * i),
          [c],
          true,
        ),
        f64(new Array<number>(c).fill(0), [c]),
        f64(new Array<number>(c).fill(1), [c]),
      ];
      autograd.assertSameVjp(fn('fused'), fn('composite'), inputs, {
        seed,
        order: 2,
        rtol: 1e-9,
        atol: 1e-12,
      });
    });
  };
  // Variance ≈ eps: spread of about √1e-5.
  edge('variance near eps', [6, 3], (i) => 2 + 3.2e-3 * Math.sin(i));
  edge('N·L = 2', [2, 4], (i) => Math.cos(3 * i));
  edge('N·L = 2 with L', [1, 3, 2], (i) => Math.cos(3 * i));
  edge('N = 1 with L > 1', [1, 4, 5], (i) => Math.sin(0.7 * i) * 3);
});
