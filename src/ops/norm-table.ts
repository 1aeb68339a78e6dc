/**
 * Every fused normalisation, declared once beside the composite it must equal, with the cases
 * that prove it. One generic property suite (test/norm-property.test.ts) runs
 * `proveFusedEqualsComposite`'s per-case check over every row: outputs, all input gradients for
 * random upstream gradients, the running statistics changed in place, second derivatives along
 * random directions, and gradcheck/gradgradcheck of both. Adding a fused op is one row.
 *
 * The rows generate cases with the fast-check module they are given (a type-only import here), so
 * that the library itself never loads fast-check.
 */
import type * as FastCheck from 'fast-check';
import type { TensorFn } from '../autograd/gradcheck.js';
import type { ProofCase } from '../testing/index.js';
import { tensor } from './creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkBatchNorm } from './batch-norm-checks.js';
import { batchNormComposite } from './batch-norm-composite.js';
import { batchNormFused } from './batch-norm-fused.js';
import { checkGroupNorm } from './group-norm-checks.js';
import { groupNormComposite } from './group-norm-composite.js';
import { groupNormFused } from './group-norm-fused.js';
import { checkLayerNorm } from './layer-norm-checks.js';
import { layerNormComposite } from './layer-norm-composite.js';
import { layerNormFused } from './layer-norm-fused.js';

type Fc = typeof FastCheck;

/**
 * One fused op and its composite, as functions of a case's parameters (both behind the same
 * argument checks), and the case generators. A row is also valid `ParamProofOptions` once
 * `cases` is called.
 */
export interface NormRow<P> {
  /** The op's public name. */
  readonly name: string;
  /** The fused op for a case's parameters. */
  fused(params: P): TensorFn;
  /** The composite it must equal. */
  composite(params: P): TensorFn;
  /** Cases for the equality property: float64, values at varied scales and offsets. */
  cases(fc: Fc): FastCheck.Arbitrary<ProofCase<P>>;
  /** Small, unit-scale float64 cases for gradcheck and gradgradcheck. */
  gradcheckCases(fc: Fc): FastCheck.Arbitrary<ProofCase<P>>;
}

const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

function f64(values: readonly number[], shape: readonly number[], requiresGrad = false): Tensor {
  return tensor(Float64Array.from(values), { shape: [...shape], dtype: 'float64', requiresGrad });
}

/**
 * `count` values with a per-case scale and offset, so groups are far from standardised already,
 * each shifted by `ripple`·sin(1.7·i + 0.3) before scaling (none by default).
 */
export function scaledValues(fc: Fc, count: number, ripple = 0): FastCheck.Arbitrary<number[]> {
  return fc
    .tuple(
      fc.array(fc.double({ min: -1, max: 1, noNaN: true }), {
        minLength: count,
        maxLength: count,
      }),
      fc.double({ min: 0.01, max: 100, noNaN: true }),
      fc.double({ min: -50, max: 50, noNaN: true }),
    )
    .map(([v, scale, offset]) =>
      v.map((x, i) => (ripple === 0 ? x : x + ripple * Math.sin(1.7 * i + 0.3)) * scale + offset),
    );
}

/**
 * Scaled values with a fixed ripple, which keeps every group's spread away from 0 however the
 * values shrink: in a near-constant group (variance ≪ eps) the second derivatives vanish in exact
 * arithmetic, and what both implementations compute is rounding noise of terms of size invstd²,
 * which no relative tolerance can compare. Constant groups are tested on their own
 * (test/batchnorm-property.test.ts and test/norm-errors.test.ts).
 */
function spread(fc: Fc, shape: readonly number[]): FastCheck.Arbitrary<Tensor> {
  return scaledValues(fc, numel(shape), 0.5).map((v) => f64(v, shape, true));
}

/** Unit-scale values, which keep finite differences well conditioned. */
function unit(fc: Fc, shape: readonly number[], requiresGrad = true): FastCheck.Arbitrary<Tensor> {
  const count = numel(shape);
  return fc
    .array(fc.double({ min: -1.5, max: 1.5, noNaN: true }), {
      minLength: count,
      maxLength: count,
    })
    .map((v) => f64(v, shape, requiresGrad));
}

function vector(fc: Fc, n: number, min: number, max: number, grad: boolean) {
  return fc
    .array(fc.double({ min, max, noNaN: true }), { minLength: n, maxLength: n })
    .map((v) => f64(v, [n], grad));
}

// ---- BatchNorm (1d and 2d: one op over (N, C, *)) ------------------------------------------------

interface BatchNormParams {
  training: boolean;
  affine: boolean;
  track: boolean;
  momentum: number;
  eps: number;
}

/** Inputs: x, weight, bias (grad), running mean and var (changed in place in training). */
const batchNormAs =
  (run: typeof batchNormFused) =>
  (p: BatchNormParams): TensorFn =>
  (x, w, b, rm, rv) => {
    const stats = p.track || !p.training;
    const args = [
      x,
      stats ? rm : null,
      stats ? rv : null,
      p.affine ? w : null,
      p.affine ? b : null,
    ] as const;
    const layout = checkBatchNorm(...args, p.training, p.momentum, p.eps);
    return run(...args, p.training, p.momentum, p.eps, layout);
  };

const batchNormRow: NormRow<BatchNormParams> = {
  name: 'batchNorm',
  fused: batchNormAs(batchNormFused),
  composite: batchNormAs(batchNormComposite),
  cases: (fc) =>
    fc
      .record({
        n: fc.integer({ min: 1, max: 8 }),
        c: fc.integer({ min: 1, max: 5 }),
        trailing: fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 2 }),
        params: fc.record({
          training: fc.boolean(),
          affine: fc.boolean(),
          track: fc.boolean(),
          momentum: fc.double({ min: 0, max: 1, noNaN: true }),
          eps: fc.double({ min: 1e-6, max: 1e-1, noNaN: true }),
        }),
      })
      // PyTorch refuses training on one value per channel.
      .filter(({ n, trailing }) => n * numel(trailing) > 1)
      .chain(({ n, c, trailing, params }) =>
        fc
          .tuple(
            spread(fc, [n, c, ...trailing]),
            vector(fc, c, -2, 2, true),
            vector(fc, c, -2, 2, true),
            vector(fc, c, -2, 2, false),
            vector(fc, c, 0.1, 3, false),
          )
          .map((inputs) => ({ inputs, params })),
      ),
  gradcheckCases: (fc) =>
    fc
      .record({
        n: fc.integer({ min: 2, max: 3 }),
        c: fc.integer({ min: 1, max: 3 }),
        trailing: fc.array(fc.integer({ min: 1, max: 2 }), { maxLength: 2 }),
        params: fc.record({
          training: fc.boolean(),
          affine: fc.boolean(),
          track: fc.boolean(),
          momentum: fc.constant(0.1),
          eps: fc.constant(1e-5),
        }),
      })
      .chain(({ n, c, trailing, params }) =>
        fc
          .tuple(
            unit(fc, [n, c, ...trailing]),
            vector(fc, c, 0.5, 1.5, true),
            vector(fc, c, -1, 1, true),
            vector(fc, c, -1, 1, false),
            vector(fc, c, 0.5, 2, false),
          )
          .map((inputs) => ({ inputs, params })),
      ),
};

// ---- LayerNorm -----------------------------------------------------------------------------------

interface LayerNormParams {
  normalizedShape: number[];
  affine: boolean;
  eps: number;
}

const layerNormRow: NormRow<LayerNormParams> = {
  name: 'layerNorm',
  fused: (p) => (x, w, b) => {
    const [wt, bt] = p.affine ? [w, b] : [null, null];
    const { layout } = checkLayerNorm(x, p.normalizedShape, wt, bt, p.eps, 'fused');
    return layerNormFused(x, wt, bt, p.eps, layout);
  },
  composite: (p) => (x, w, b) => {
    const [wt, bt] = p.affine ? [w, b] : [null, null];
    const { dims } = checkLayerNorm(x, p.normalizedShape, wt, bt, p.eps, 'composite');
    return layerNormComposite(x, wt, bt, p.eps, dims);
  },
  cases: (fc) =>
    fc
      .record({
        leading: fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 2 }),
        params: fc.record({
          normalizedShape: fc.array(fc.integer({ min: 1, max: 5 }), {
            minLength: 1,
            maxLength: 2,
          }),
          affine: fc.boolean(),
          eps: fc.double({ min: 1e-6, max: 1e-1, noNaN: true }),
        }),
      })
      .chain(({ leading, params }) =>
        fc
          .tuple(
            spread(fc, [...leading, ...params.normalizedShape]),
            unit(fc, params.normalizedShape),
            unit(fc, params.normalizedShape),
          )
          .map((inputs) => ({ inputs, params })),
      ),
  gradcheckCases: (fc) =>
    fc
      .record({
        leading: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 1 }),
        params: fc.record({
          normalizedShape: fc.array(fc.integer({ min: 2, max: 3 }), {
            minLength: 1,
            maxLength: 2,
          }),
          affine: fc.boolean(),
          eps: fc.constant(1e-5),
        }),
      })
      .chain(({ leading, params }) =>
        fc
          .tuple(
            unit(fc, [...leading, ...params.normalizedShape]),
            unit(fc, params.normalizedShape),
            unit(fc, params.normalizedShape),
          )
          .map((inputs) => ({ inputs, params })),
      ),
};

// ---- GroupNorm -----------------------------------------------------------------------------------

interface GroupNormParams {
  numGroups: number;
  affine: boolean;
  eps: number;
}

const groupNormRow: NormRow<GroupNormParams> = {
  name: 'groupNorm',
  fused: (p) => (x, w, b) => {
    const [wt, bt] = p.affine ? [w, b] : [null, null];
    const layout = checkGroupNorm(x, p.numGroups, wt, bt, p.eps, 'fused');
    return groupNormFused(x, wt, bt, p.eps, layout);
  },
  composite: (p) => (x, w, b) => {
    const [wt, bt] = p.affine ? [w, b] : [null, null];
    checkGroupNorm(x, p.numGroups, wt, bt, p.eps, 'composite');
    return groupNormComposite(x, p.numGroups, wt, bt, p.eps);
  },
  cases: (fc) =>
    fc
      .record({
        n: fc.integer({ min: 1, max: 4 }),
        perGroup: fc.integer({ min: 1, max: 4 }),
        trailing: fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 2 }),
        params: fc.record({
          numGroups: fc.integer({ min: 1, max: 4 }),
          affine: fc.boolean(),
          eps: fc.double({ min: 1e-6, max: 1e-1, noNaN: true }),
        }),
      })
      // PyTorch (and so groupNorm) rejects a single value per group over the whole batch; with
      // N > 1 one-value groups (variance 0) stay covered.
      .filter(({ n, perGroup, trailing }) => n * perGroup * numel(trailing) > 1)
      .chain(({ n, perGroup, trailing, params }) => {
        const c = perGroup * params.numGroups;
        return fc
          .tuple(spread(fc, [n, c, ...trailing]), unit(fc, [c]), unit(fc, [c]))
          .map((inputs) => ({ inputs, params }));
      }),
  gradcheckCases: (fc) =>
    fc
      .record({
        n: fc.integer({ min: 1, max: 2 }),
        perGroup: fc.integer({ min: 1, max: 2 }),
        trailing: fc.array(fc.integer({ min: 2, max: 3 }), { maxLength: 1 }),
        params: fc.record({
          numGroups: fc.integer({ min: 1, max: 3 }),
          affine: fc.boolean(),
          eps: fc.constant(1e-5),
        }),
      })
      // A group of one value has variance 0: its output is the bias, flat, and finite
      // differences of rsqrt(eps) are ill-conditioned there; the equality property covers it.
      .filter(({ perGroup, trailing }) => perGroup * numel(trailing) > 1)
      .chain(({ n, perGroup, trailing, params }) => {
        const c = perGroup * params.numGroups;
        return fc
          .tuple(unit(fc, [n, c, ...trailing]), unit(fc, [c]), unit(fc, [c]))
          .map((inputs) => ({ inputs, params }));
      }),
};

/** Every fused normalisation beside its composite. */
export const normTable: readonly NormRow<unknown>[] = [batchNormRow, layerNormRow, groupNormRow];
