/**
 * Losses: values, gradients and second derivatives against PyTorch 1.13 (test/fixtures/
 * nn_ops.json, written by scripts/gen_nn_fixtures.py; the command is in its header), gradcheck and
 * gradgradcheck in float64 over generated configurations, the module forms, and the errors.
 *
 * Tolerance: every fixture quantity must satisfy |ours − torch| ≤ 1e-12·max|torch| elementwise
 * (NaN where torch has NaN). Relative to the tensor's largest value, because a gradient element
 * that cancels to ~0 carries rounding of the size of the terms it cancels, in PyTorch as here.
 * Measured maxima: 4.2e-16 for values, 3.6e-16 for gradients, 2.1e-15 for second derivatives
 * (NN_PARITY_REPORT=1 prints them per quantity).
 */
import { readFileSync } from 'node:fs';
import { fc, test } from '@fast-check/vitest';
import { afterAll, describe, expect, it } from 'vitest';
import {
  autograd,
  DTypeError,
  gradcheck,
  gradgradcheck,
  IndexError,
  mul,
  ShapeError,
  sum,
  tensor,
  ValueError,
  zerosLike,
  type Tensor,
} from '../src/index.js';
import {
  binaryCrossEntropyWithLogits,
  crossEntropy,
  mseLoss,
  nllLoss,
  type Reduction,
} from '../src/nn/functional/loss.js';
import { BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss } from '../src/nn/loss.js';
import { decode, parseRepr, type FixtureTensor } from './helpers/fixtures.js';

// ---- fixtures -----------------------------------------------------------------------------------

interface OpCase {
  op: 'gelu' | 'crossEntropy' | 'nllLoss' | 'bceWithLogits' | 'mseLoss';
  name: string;
  options: {
    reduction?: Reduction;
    labelSmoothing?: number;
    ignoreIndex?: number;
    approximate?: 'none' | 'tanh';
  };
  x: FixtureTensor;
  target?: FixtureTensor;
  weight?: FixtureTensor | null;
  posWeight?: FixtureTensor | null;
  y: FixtureTensor;
  dy: FixtureTensor;
  grads: { x: FixtureTensor; target?: FixtureTensor };
  second: { v: FixtureTensor; gradX: FixtureTensor };
}

const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/nn_ops.json', import.meta.url), 'utf8'),
) as { cases: OpCase[] };

const REL = 1e-12;

/** The largest error seen per quantity; NN_PARITY_REPORT=1 prints them. */
const worstSeen = new Map<string, number>();
afterAll(() => {
  if (process.env.NN_PARITY_REPORT !== undefined) console.table(Object.fromEntries(worstSeen));
});

/** Max |a − ref| / max|ref| (0 when equal), after checking shape and NaN positions. */
function relError(actual: Tensor, ref: FixtureTensor, quantity = ''): number {
  expect(actual.shape).toEqual(ref.shape);
  const r = ref.data.map(parseRepr);
  let scale = 0;
  for (const v of r) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  r.forEach((v, i) => {
    const a = actual.data[i];
    if (Number.isNaN(v) || !Number.isFinite(v)) {
      expect(Object.is(a, v) || (Number.isNaN(a) && Number.isNaN(v))).toBe(true);
      return;
    }
    const d = Math.abs(a - v);
    worst = Math.max(worst, d === 0 ? 0 : scale === 0 ? Infinity : d / scale);
  });
  worstSeen.set(quantity, Math.max(worstSeen.get(quantity) ?? 0, worst));
  return worst;
}

function runLoss(c: OpCase, x: Tensor, target: Tensor): Tensor {
  const weight = c.weight ? decode(c.weight) : null;
  const { reduction, labelSmoothing, ignoreIndex } = c.options;
  switch (c.op) {
    case 'crossEntropy':
      return crossEntropy(x, target, { weight, reduction, labelSmoothing, ignoreIndex });
    case 'nllLoss':
      return nllLoss(x, target, { weight, reduction, ignoreIndex });
    case 'bceWithLogits': {
      const posWeight = c.posWeight ? decode(c.posWeight) : null;
      return binaryCrossEntropyWithLogits(x, target, { weight, posWeight, reduction });
    }
    case 'mseLoss':
      return mseLoss(x, target, { reduction });
    default:
      throw new Error(`not a loss: ${c.op}`);
  }
}

const lossCases = fixture.cases.filter((c) => c.op !== 'gelu');

describe('losses match PyTorch 1.13 (float64 fixtures)', () => {
  it('covers every loss and option the generator writes', () => {
    const ops = new Set(lossCases.map((c) => c.op));
    expect([...ops].sort()).toEqual(['bceWithLogits', 'crossEntropy', 'mseLoss', 'nllLoss']);
    expect(lossCases.length).toBeGreaterThan(60);
  });

  for (const c of lossCases) {
    it.concurrent(`${c.name}: value, gradients and second derivative`, () => {
      const target = decode(c.target!, c.grads.target !== undefined);
      const x = decode(c.x, true);
      const y = runLoss(c, x, target);
      expect(relError(y, c.y, `${c.op} y`)).toBeLessThanOrEqual(REL);
      const wrt = c.grads.target !== undefined ? [x, target] : [x];
      const grads = autograd.grad([y], wrt, { gradOutputs: [decode(c.dy)], createGraph: true });
      expect(relError(grads[0]!, c.grads.x, `${c.op} dx`)).toBeLessThanOrEqual(REL);
      if (c.grads.target !== undefined) {
        expect(relError(grads[1]!, c.grads.target, `${c.op} dtarget`)).toBeLessThanOrEqual(REL);
      }
      const dx = grads[0]!;
      const [second] = dx.requiresGrad
        ? autograd.grad([sum(mul(dx, decode(c.second.v)))], [x], { allowUnused: true })
        : [null];
      expect(relError(second ?? zerosLike(x), c.second.gradX, `${c.op} d2x`)).toBeLessThanOrEqual(
        REL,
      );
    });
  }
});

// ---- gradcheck / gradgradcheck ------------------------------------------------------------------

const f64 = (data: number[], shape: number[], requiresGrad = true): Tensor =>
  tensor(Float64Array.from(data), { shape, requiresGrad });
const int32 = (data: number[], shape: number[]): Tensor => tensor(Int32Array.from(data), { shape });

const reductionArb = fc.constantFrom<Reduction>('mean', 'sum', 'none');
const real = (n: number) =>
  fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: n, maxLength: n });

/** A cross-entropy configuration: shape [N, C] or [N, C, d], targets with some ignored. */
const ceConfig = fc
  .record({
    n: fc.integer({ min: 1, max: 4 }),
    c: fc.integer({ min: 1, max: 4 }),
    d: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
    reduction: reductionArb,
    labelSmoothing: fc.constantFrom(0, 0.1, 0.5, 1),
    weighted: fc.boolean(),
    ignoreIndex: fc.constantFrom(-100, 0),
  })
  .chain((cfg) => {
    const shape = cfg.d === undefined ? [cfg.n, cfg.c] : [cfg.n, cfg.c, cfg.d];
    const tShape = cfg.d === undefined ? [cfg.n] : [cfg.n, cfg.d];
    const nt = tShape.reduce((a, b) => a * b, 1);
    return fc.record({
      cfg: fc.constant({ ...cfg, shape, tShape }),
      x: real(shape.reduce((a, b) => a * b, 1)),
      t: fc.array(fc.integer({ min: -1, max: cfg.c - 1 }), { minLength: nt, maxLength: nt }),
      w: fc.array(fc.double({ min: 0.2, max: 2, noNaN: true }), {
        minLength: cfg.c,
        maxLength: cfg.c,
      }),
    });
  });

describe('gradcheck and gradgradcheck (float64, random upstream gradients)', () => {
  test.prop([ceConfig, fc.nat(1000)], { numRuns: 30 })(
    'crossEntropy with class indices over shapes, reductions, smoothing, weights and ignoreIndex',
    ({ cfg, x, t, w }, seed) => {
      // −1 in the generated targets stands for "ignored".
      const target = int32(
        t.map((v) => (v < 0 ? cfg.ignoreIndex : v)),
        cfg.tShape,
      );
      const weight = cfg.weighted ? f64(w, [cfg.c], false) : null;
      const options = { ...cfg, weight };
      const fn = (logits: Tensor) => crossEntropy(logits, target, options);
      // An all-ignored mean is 0/0; PyTorch gives NaN there too.
      const allIgnored = t.every((v) => v < 0) && cfg.ignoreIndex === -100;
      if (allIgnored && cfg.reduction === 'mean') return;
      expect(gradcheck(fn, [f64(x, cfg.shape)], { seed })).toBe(true);
      expect(gradgradcheck(fn, [f64(x, cfg.shape)], { seed })).toBe(true);
    },
  );

  test.prop([
    fc.integer({ min: 1, max: 3 }),
    fc.integer({ min: 1, max: 4 }),
    reductionArb,
    fc.nat(1000),
  ])('crossEntropy with class probabilities, w.r.t. logits and target', (n, c, reduction, seed) => {
    const x = f64(
      Array.from({ length: n * c }, (_, i) => Math.sin(i + seed)),
      [n, c],
    );
    const p = f64(
      Array.from({ length: n * c }, (_, i) => 0.1 + Math.abs(Math.cos(i * seed))),
      [n, c],
    );
    const fn = (a: Tensor, b: Tensor) => crossEntropy(a, b, { reduction, labelSmoothing: 0.2 });
    expect(gradcheck(fn, [x, p], { seed })).toBe(true);
    expect(gradgradcheck(fn, [x, p], { seed })).toBe(true);
  });

  test.prop([
    fc.integer({ min: 1, max: 4 }),
    reductionArb,
    fc.boolean(),
    fc.boolean(),
    fc.nat(1000),
  ])(
    'binaryCrossEntropyWithLogits w.r.t. logits and target, with weight and posWeight',
    (n, reduction, weighted, pos, seed) => {
      const x = f64(
        Array.from({ length: n * 3 }, (_, i) => 4 * Math.sin(7 * i + seed)),
        [n, 3],
      );
      const t = f64(
        Array.from({ length: n * 3 }, (_, i) => Math.abs(Math.cos(i + seed))),
        [n, 3],
      );
      const weight = weighted ? f64([0.5, 1, 2], [3], false) : null;
      const posWeight = pos ? f64([3, 0.5, 1.5], [3], false) : null;
      const fn = (a: Tensor, b: Tensor) =>
        binaryCrossEntropyWithLogits(a, b, { weight, posWeight, reduction });
      expect(gradcheck(fn, [x, t], { seed })).toBe(true);
      expect(gradgradcheck(fn, [x, t], { seed })).toBe(true);
    },
  );

  test.prop([real(6), real(6), reductionArb, fc.nat(1000)])(
    'mseLoss w.r.t. input and target',
    (a, b, reduction, seed) => {
      const fn = (x: Tensor, t: Tensor) => mseLoss(x, t, { reduction });
      const inputs = [f64(a, [2, 3]), f64(b, [2, 3])];
      expect(gradcheck(fn, inputs, { seed })).toBe(true);
      expect(gradgradcheck(fn, inputs, { seed })).toBe(true);
    },
  );

  test.prop([real(8), reductionArb, fc.nat(1000)])(
    'nllLoss with weight and an ignored target, [N, C, d] input',
    (a, reduction, seed) => {
      const target = int32([1, -100, 0, 1], [2, 2]);
      const weight = f64([0.3, 1.7], [2], false);
      const fn = (x: Tensor) => nllLoss(x, target, { weight, reduction });
      expect(gradcheck(fn, [f64(a, [2, 2, 2])], { seed })).toBe(true);
      expect(gradgradcheck(fn, [f64(a, [2, 2, 2])], { seed })).toBe(true);
    },
  );

  it('crossEntropy on unbatched [C] input with a 0-d target', () => {
    const x = f64([0.3, -1.2, 2.0, 0.1], [4]);
    const fn = (a: Tensor) => crossEntropy(a, int32([2], []), { labelSmoothing: 0.1 });
    expect(gradcheck(fn, [x])).toBe(true);
    expect(gradgradcheck(fn, [x])).toBe(true);
  });
});

// ---- numerics ------------------------------------------------------------------------------------

describe('numerical behaviour', () => {
  it('crossEntropy is finite for huge logits (logSoftmax subtracts the row max)', () => {
    const x = f64([1000, -1000, 0, 999], [2, 2]);
    const loss = crossEntropy(x, int32([1, 0], [2]), { reduction: 'none' });
    expect(Array.from(loss.data)).toEqual([2000, 999]);
  });

  it('binaryCrossEntropyWithLogits is finite for |x| = 1000 and has σ′(0) = 1/4 at x = 0', () => {
    const x = f64([1000, -1000, 0], [3]);
    const t = f64([0, 1, 1], [3], false);
    const loss = binaryCrossEntropyWithLogits(x, t, { reduction: 'none' });
    expect(Array.from(loss.data)).toEqual([1000, 1000, Math.log(2)]);
    const [g] = autograd.grad([sum(loss)], [x], { createGraph: true });
    expect(Array.from(g!.data)).toEqual([1, -1, -0.5]);
    const [h] = autograd.grad([sum(g!)], [x]);
    expect(Array.from(h!.data, (v) => v + 0)).toEqual([0, 0, 0.25]);
  });

  it('float32 logits give a float32 loss', () => {
    const x = tensor([[1, 2, 3]]);
    expect(crossEntropy(x, int32([0], [1])).dtype).toBe('float32');
    expect(binaryCrossEntropyWithLogits(x, tensor([[0, 1, 1]])).dtype).toBe('float32');
  });
});

// ---- modules ------------------------------------------------------------------------------------

describe('loss modules', () => {
  const x = f64([0.2, -1, 1.5, 0.3, 0.1, -0.4], [2, 3], false);
  const target = int32([2, 0], [2]);

  it('CrossEntropyLoss is crossEntropy with the stored options, and keeps weight as a buffer', () => {
    const weight = f64([1, 2, 0.5], [3], false);
    const m = new CrossEntropyLoss({ weight, labelSmoothing: 0.1, reduction: 'sum' });
    const expected = crossEntropy(x, target, { weight, labelSmoothing: 0.1, reduction: 'sum' });
    expect(m.forward(x, target).item()).toBe(expected.item());
    expect(Object.keys(m.stateDict())).toEqual(['weight']);
    expect(m.parameters()).toEqual([]);
    expect(Object.keys(new CrossEntropyLoss().stateDict())).toEqual([]);
  });

  it('NLLLoss, MSELoss and BCEWithLogitsLoss forward to their functions', () => {
    const logp = x.logSoftmax(1);
    expect(new NLLLoss({ ignoreIndex: 0 }).forward(logp, target).item()).toBe(
      nllLoss(logp, target, { ignoreIndex: 0 }).item(),
    );
    const y = f64([0, 1, 1, 0, 0.5, 1], [2, 3], false);
    expect(new MSELoss({ reduction: 'sum' }).forward(x, y).item()).toBe(
      mseLoss(x, y, { reduction: 'sum' }).item(),
    );
    const posWeight = f64([2, 1, 0.5], [3], false);
    const bce = new BCEWithLogitsLoss({ posWeight });
    expect(bce.forward(x, y).item()).toBe(binaryCrossEntropyWithLogits(x, y, { posWeight }).item());
    expect(Object.keys(bce.stateDict())).toEqual(['pos_weight']);
  });

  it('constructors reject a bad reduction or label smoothing', () => {
    expect(() => new MSELoss({ reduction: 'avg' as Reduction })).toThrow(
      new ValueError('avg is not a valid value for reduction'),
    );
    expect(() => new CrossEntropyLoss({ labelSmoothing: 1.5 })).toThrow(
      new ValueError('label_smoothing must be between 0.0 and 1.0. Got: 1.5'),
    );
  });
});

// ---- errors -------------------------------------------------------------------------------------

describe('errors name the problem', () => {
  const logits = f64([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0], [2, 5], false);

  it('a class index out of range is an IndexError with PyTorch text and the number of classes', () => {
    expect(() => crossEntropy(logits, int32([1, 7], [2]))).toThrow(IndexError);
    expect(() => crossEntropy(logits, int32([1, 7], [2]))).toThrow(
      /^Target 7 is out of bounds\. .*\[0, 4\].*5 classes/,
    );
    expect(() => nllLoss(logits, int32([-3, 0], [2]))).toThrow(/^Target -3 is out of bounds\./);
    // The ignored value itself is fine, anything else negative is not.
    expect(() => crossEntropy(logits, int32([-100, 0], [2]))).not.toThrow();
  });

  it('a target that is not int32 is a DTypeError', () => {
    const floatTarget = f64([1, 2], [2], false);
    expect(() => crossEntropy(logits, floatTarget)).toThrow(DTypeError);
    expect(() => crossEntropy(logits, floatTarget)).toThrow(/int32.*got float64/);
    expect(() => nllLoss(logits, floatTarget)).toThrow(DTypeError);
    expect(() =>
      binaryCrossEntropyWithLogits(logits, int32(new Array(10).fill(0), [2, 5])),
    ).toThrow(DTypeError);
  });

  it('shape mismatches are ShapeErrors naming both shapes', () => {
    expect(() => crossEntropy(logits, int32([1, 2, 3], [3]))).toThrow(
      new ShapeError(
        'crossEntropy: Expected input batch_size (2) to match target batch_size (3). (input [2, 5], target [3])',
      ),
    );
    const x3 = f64(new Array(12).fill(0), [2, 3, 2], false);
    expect(() => crossEntropy(x3, int32([0, 1], [2]))).toThrow(
      /Expected target size \[2, 2\], got \[2\] \(input \[2, 3, 2\], target \[2\]\)/,
    );
    expect(() => crossEntropy(f64([1, 2, 3], [3], false), int32([1], [1]))).toThrow(ShapeError);
    expect(() => mseLoss(f64([1, 2, 3], [3, 1]), f64([1, 2, 3], [3]))).toThrow(
      /target size \(\[3\]\) that is different to the input size \(\[3, 1\]\)/,
    );
    expect(() => binaryCrossEntropyWithLogits(f64([1, 2, 3], [3, 1]), f64([1, 2, 3], [3]))).toThrow(
      new ShapeError('Target size ([3]) must be the same as input size ([3, 1])'),
    );
  });

  it('a class weight of the wrong size is a ShapeError in PyTorch words', () => {
    expect(() => crossEntropy(logits, int32([1, 2], [2]), { weight: f64([1, 1, 1], [3]) })).toThrow(
      new ShapeError(
        'crossEntropy: weight tensor should be defined either for all 5 classes or no classes but got weight tensor of shape: [3]',
      ),
    );
  });

  it('bad options are ValueErrors', () => {
    expect(() =>
      crossEntropy(logits, int32([1, 2], [2]), { reduction: 'foo' as Reduction }),
    ).toThrow(new ValueError('foo is not a valid value for reduction'));
    expect(() => crossEntropy(logits, int32([1, 2], [2]), { labelSmoothing: -0.1 })).toThrow(
      new ValueError('label_smoothing must be between 0.0 and 1.0. Got: -0.1'),
    );
    const probs = f64(new Array(10).fill(0.2), [2, 5], false);
    expect(() => crossEntropy(logits, probs, { ignoreIndex: 2 })).toThrow(
      /ignore_index is not supported for floating point target/,
    );
  });
});
