/**
 * BatchNorm-specific properties beyond the generic norm table (test/norm-property.test.ts, which
 * proves the single call: output, gradients, running statistics, second derivatives, gradcheck):
 * multi-step module sequences switching train/eval (including BatchNorm2d), and adversarial
 * inputs. Upstream gradients are random.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { autograd, nn, noGrad, tensor, type Tensor } from '../src/index.js';
import { scaledValues } from '../src/ops/norm-table.js';

type Impl = nn.functional.BatchNormImpl;

interface Config {
  n: number;
  c: number;
  l: number | null;
  /** With l: a fourth dim, run on BatchNorm2d. */
  w: number | null;
  affine: boolean;
  track: boolean;
  momentum: number | null;
  eps: number;
}

const config: fc.Arbitrary<Config> = fc.record({
  n: fc.integer({ min: 2, max: 16 }),
  c: fc.integer({ min: 1, max: 8 }),
  l: fc.option(fc.integer({ min: 1, max: 6 }), { nil: null }),
  w: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }),
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
  cfg.l === null ? [n, cfg.c] : cfg.w === null ? [n, cfg.c, cfg.l] : [n, cfg.c, cfg.l, cfg.w];

/** Values with a per-case scale and offset, so channels are far from standardised already. */
const valuesFor = (count: number): fc.Arbitrary<number[]> => scaledValues(fc, count);

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

describe('fused and composite BatchNorm modules agree', () => {
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
    const make = (impl: Impl): nn.BatchNorm1d | nn.BatchNorm2d => {
      const BatchNorm = shapeOf(cfg).length === 4 ? nn.BatchNorm2d : nn.BatchNorm1d;
      const m = new BatchNorm(cfg.c, {
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
