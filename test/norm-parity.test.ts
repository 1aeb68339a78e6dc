/**
 * Parity with PyTorch 1.13 for BatchNorm2d, LayerNorm and GroupNorm: every case of
 * test/fixtures/norm.json (written by scripts/gen_norm_fixtures.py against the real torch; the
 * command is in its header), on both implementations (and, through the two test runs, both kernel
 * paths). Outputs and all gradients for a random upstream gradient; for BatchNorm2d also the
 * running statistics and the batch counter after every step of a train/eval sequence.
 *
 * Tolerances, as max|ours − ref| ≤ TOL·max|ref| per quantity:
 * - float64 against torch float64: 1e-12 (both evaluate the same formulas in double precision).
 * - float32 against the float64 reference on the same float32 values: 1e-6, a few float32 ulps
 *   (the statistics are float64, so only the final rounding to float32 remains); torch's own
 *   float32 results are farther off (1.1e-4 on dx of two-value groups), checked only loosely (1e-3).
 * - the offset-1e4 float32 experiment: 1e-5 against float64, where PyTorch's float32 kernels are
 *   off by up to 6e-4 (the fixture records torch's errors).
 * NORM_PARITY_REPORT=1 prints the largest measured difference per group.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { nn, noGrad, type Tensor } from '../src/index.js';
import { decode, type FixtureTensor } from './helpers/fixtures.js';

interface Grads {
  y: FixtureTensor;
  dx: FixtureTensor;
  dweight: FixtureTensor | null;
  dbias: FixtureTensor | null;
}

interface FunctionalCase {
  name: string;
  dtype: 'float32' | 'float64';
  eps: string;
  x: FixtureTensor;
  weight: FixtureTensor | null;
  bias: FixtureTensor | null;
  dy: FixtureTensor;
  torch: Grads;
  ref?: Grads;
  normalizedShape?: number[];
  numGroups?: number;
}

interface BnStep extends Grads {
  mode: 'train' | 'eval';
  x: FixtureTensor;
  dy: FixtureTensor;
  runningMean: FixtureTensor | null;
  runningVar: FixtureTensor | null;
  numBatchesTracked: number | null;
}

interface BnCase {
  name: string;
  dtype: 'float32' | 'float64';
  numFeatures: number;
  affine: boolean;
  trackRunningStats: boolean;
  momentum: string | null;
  weight: FixtureTensor | null;
  bias: FixtureTensor | null;
  torch: BnStep[];
  ref?: BnStep[];
}

interface AccuracyCase {
  op: 'layerNorm' | 'groupNorm' | 'batchNorm2d';
  x: FixtureTensor;
  weight: FixtureTensor;
  bias: FixtureTensor;
  dy: FixtureTensor;
  ref: Grads;
  torch32RelError: Record<string, number>;
}

const fixtures = JSON.parse(
  readFileSync(new URL('./fixtures/norm.json', import.meta.url), 'utf8'),
) as {
  layerNorm: FunctionalCase[];
  groupNorm: FunctionalCase[];
  batchNorm2d: BnCase[];
  accuracy: AccuracyCase[];
};

const IMPLS = ['fused', 'composite'] as const;
type Impl = (typeof IMPLS)[number];

/** Largest relative difference measured per group, for the report. */
const measured = new Map<string, number>();
afterAll(() => {
  if (process.env.NORM_PARITY_REPORT !== '1') return;
  for (const [k, v] of [...measured].sort()) console.log(`${k}: ${v.toExponential(2)}`);
});

function relDiff(ours: Tensor | null, ref: FixtureTensor | null): number {
  if (ref === null) {
    expect(ours).toBeNull();
    return 0;
  }
  expect(ours).not.toBeNull();
  const r = decode(ref);
  expect(ours!.shape).toEqual(r.shape);
  let d = 0;
  let s = 0;
  for (let i = 0; i < r.size; i++) {
    d = Math.max(d, Math.abs(ours!.data[i] - r.data[i]));
    s = Math.max(s, Math.abs(r.data[i]));
  }
  return d === 0 ? 0 : d / s;
}

function expectClose(
  group: string,
  ours: Tensor | null,
  ref: FixtureTensor | null,
  tol: number,
): void {
  const r = relDiff(ours, ref);
  measured.set(group, Math.max(measured.get(group) ?? 0, r));
  expect(r).toBeLessThanOrEqual(tol);
}

interface Outcome {
  y: Tensor;
  dx: Tensor;
  dweight: Tensor | null;
  dbias: Tensor | null;
}

function runFunctional(
  c: Pick<FunctionalCase, 'x' | 'weight' | 'bias' | 'dy'>,
  op: (x: Tensor, w: Tensor | null, b: Tensor | null) => Tensor,
): Outcome {
  const x = decode(c.x, true);
  const w = c.weight === null ? null : decode(c.weight, true);
  const b = c.bias === null ? null : decode(c.bias, true);
  const y = op(x, w, b);
  y.backward(decode(c.dy));
  return { y, dx: x.grad!, dweight: w?.grad ?? null, dbias: b?.grad ?? null };
}

function expectGrads(group: string, o: Outcome, ref: Grads, tol: number): void {
  expectClose(`${group} y`, o.y, ref.y, tol);
  expectClose(`${group} dx`, o.dx, ref.dx, tol);
  expectClose(`${group} dweight`, o.dweight, ref.dweight, tol);
  expectClose(`${group} dbias`, o.dbias, ref.dbias, tol);
}

function functionalSuite(
  cases: FunctionalCase[],
  op: (c: FunctionalCase, impl: Impl) => (x: Tensor, w: Tensor | null, b: Tensor | null) => Tensor,
  label: string,
): void {
  describe.each(IMPLS)(`${label}, %s`, (impl) => {
    it.each(cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
      const o = runFunctional(c, op(c, impl));
      if (c.dtype === 'float64') {
        expectGrads(`${label} float64 vs torch`, o, c.torch, 1e-12);
      } else {
        expectGrads(`${label} float32 vs float64 reference`, o, c.ref!, 1e-6);
        expectGrads(`${label} float32 vs torch float32`, o, c.torch, 1e-3);
      }
    });
  });
}

functionalSuite(
  fixtures.layerNorm,
  (c, impl) => (x, w, b) =>
    nn.functional.layerNorm(x, c.normalizedShape!, w, b, { eps: Number(c.eps), impl }),
  'layerNorm',
);

functionalSuite(
  fixtures.groupNorm,
  (c, impl) => (x, w, b) =>
    nn.functional.groupNorm(x, c.numGroups!, w, b, { eps: Number(c.eps), impl }),
  'groupNorm',
);

describe.each(IMPLS)('BatchNorm2d sequences, %s', (impl) => {
  it.each(fixtures.batchNorm2d.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const bn = new nn.BatchNorm2d(c.numFeatures, {
      affine: c.affine,
      trackRunningStats: c.trackRunningStats,
      momentum: c.momentum === null ? null : Number(c.momentum),
      impl,
      dtype: c.dtype,
    });
    noGrad(() => {
      if (c.weight !== null) bn.weight!.copy_(decode(c.weight));
      if (c.bias !== null) bn.bias!.copy_(decode(c.bias));
    });
    c.torch.forEach((step, i) => {
      bn.train(step.mode === 'train');
      bn.zeroGrad();
      const o = runFunctional({ x: step.x, dy: step.dy, weight: null, bias: null }, (x) =>
        bn.forward(x),
      );
      o.dweight = bn.weight?.grad ?? null;
      o.dbias = bn.bias?.grad ?? null;
      const [ref, tol, group] =
        c.dtype === 'float64'
          ? [step, 1e-12, 'BatchNorm2d float64 vs torch']
          : [c.ref![i], 1e-6, 'BatchNorm2d float32 vs float64 reference'];
      expectGrads(group, o, ref, tol);
      expectClose(`${group} running stats`, bn.runningMean, ref.runningMean, tol);
      expectClose(`${group} running stats`, bn.runningVar, ref.runningVar, tol);
      if (step.numBatchesTracked === null) expect(bn.numBatchesTracked).toBeNull();
      else expect(bn.numBatchesTracked!.item()).toBe(step.numBatchesTracked);
    });
  });
});

describe.each(IMPLS)('float32 at an offset of 1e4, %s', (impl) => {
  it.each(fixtures.accuracy.map((c) => [c.op, c] as const))(
    '%s stays within 1e-5 of float64, where PyTorch float32 does not',
    (op, c) => {
      const run = {
        layerNorm: (x: Tensor, w: Tensor | null, b: Tensor | null) =>
          nn.functional.layerNorm(x, [64], w, b, { impl }),
        groupNorm: (x: Tensor, w: Tensor | null, b: Tensor | null) =>
          nn.functional.groupNorm(x, 4, w, b, { impl }),
        batchNorm2d: (x: Tensor, w: Tensor | null, b: Tensor | null) =>
          nn.functional.batchNorm(x, null, null, w, b, { training: true, impl }),
      }[op];
      const o = runFunctional(c, run);
      expectGrads(`offset 1e4 ${op}`, o, c.ref, 1e-5);
      // The experiment is only meaningful where PyTorch's own float32 result is far worse.
      expect(Math.max(c.torch32RelError.y, c.torch32RelError.dx)).toBeGreaterThan(5e-6);
    },
  );
});
