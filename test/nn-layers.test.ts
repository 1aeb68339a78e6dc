/**
 * Layers, activations, dropout and nn.init.
 *
 * Reference values come from scripts/gen_nn_fixtures.py (its header has the command):
 * - test/fixtures/nn_ops.json: F.gelu in both forms (value, gradient, second derivative) and the
 *   C library's erfc, matched to 1e-12 of the tensor's largest value (measured: ≤ 4e-16);
 * - test/fixtures/nn_init.json: torch.nn.init's own code and nn.Linear's initialisation run on
 *   NumPy's legacy generator (the one tapegrad reproduces), dropout masks from the same stream,
 *   calculate_gain, the fans and a Sequential's state-dict keys. These must match exactly.
 */
import { readFileSync } from 'node:fs';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  add,
  autograd,
  DTypeError,
  gradcheck,
  gradgradcheck,
  IndexError,
  manualSeed,
  matmul,
  mul,
  nn,
  random,
  randn,
  relu as reluOp,
  ShapeError,
  sigmoid as sigmoidOp,
  sum,
  tanh as tanhOp,
  tensor,
  ValueError,
  zeros,
  type FloatDType,
  type Tensor,
} from '../src/index.js';
import {
  dropout,
  gelu,
  linear,
  normalCdf,
  relu,
  type GeluApproximate,
  type GeluOptions,
} from '../src/nn/functional/activation.js';
import { erfc } from '../src/kernels/libm/index.js';
import * as init from '../src/nn/init.js';
import {
  Dropout,
  Flatten,
  GELU,
  Identity,
  Linear,
  ReLU,
  Sequential,
  Sigmoid,
  Tanh,
} from '../src/nn/layers.js';
import { decode, parseRepr, type FixtureTensor } from './helpers/fixtures.js';

// ---- fixtures -----------------------------------------------------------------------------------

interface GeluCase {
  op: string;
  name: string;
  options: { approximate: GeluApproximate };
  x: FixtureTensor;
  y: FixtureTensor;
  dy: FixtureTensor;
  grads: { x: FixtureTensor };
  second: { v: FixtureTensor; gradX: FixtureTensor };
}

interface InitStep {
  fn: string;
  kwargs: Record<string, number | string>;
  value: FixtureTensor;
}

interface InitFixture {
  gains: [init.Nonlinearity, number | null, string][];
  fans: { shape: number[]; fanIn: number; fanOut: number }[];
  init: { name: string; seed: number; steps: InitStep[] }[];
  linear: {
    seed: number;
    inFeatures: number;
    outFeatures: number;
    bias: boolean;
    dtype: FloatDType;
    weight: FixtureTensor;
    biasValue: FixtureTensor | null;
    after: string;
  }[];
  dropout: { seed: number; p: number; x: FixtureTensor; y: FixtureTensor }[];
  sequentialStateDictKeys: string[];
}

const read = <T>(name: string): T =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;
const ops = read<{ erfc: [string, string][]; cases: GeluCase[] }>('nn_ops.json');
const initFixture = read<InitFixture>('nn_init.json');

/** Max |a − ref| / max|ref|, after checking the shape. */
function relError(actual: Tensor, ref: FixtureTensor): number {
  expect(actual.shape).toEqual(ref.shape);
  const r = ref.data.map(parseRepr);
  const scale = Math.max(...r.map(Math.abs));
  let worst = 0;
  r.forEach((v, i) => {
    const d = Math.abs(actual.data[i] - v);
    worst = Math.max(worst, d === 0 ? 0 : d / scale);
  });
  return worst;
}

/** Exact equality, element by element, as numbers (so −0 equals 0). */
function expectExact(actual: Tensor, ref: FixtureTensor): void {
  expect(actual.shape).toEqual(ref.shape);
  expect(actual.dtype).toBe(ref.dtype);
  expect(Array.from(actual.data)).toEqual(ref.data.map(parseRepr));
}

const f64 = (data: number[], shape: number[], requiresGrad = true): Tensor =>
  tensor(Float64Array.from(data), { shape, requiresGrad });
const randomF64 = (shape: number[], scale = 1): Tensor =>
  mul(random.standardNormal(shape), scale).detach().requiresGrad_();

// ---- GELU ---------------------------------------------------------------------------------------

describe('GELU', () => {
  const cases = ops.cases.filter((c) => c.op === 'gelu');

  it('has fixtures for both forms', () => {
    expect(new Set(cases.map((c) => c.options.approximate))).toEqual(new Set(['none', 'tanh']));
  });

  for (const c of cases) {
    it(`${c.name}: value, gradient and second derivative match PyTorch`, () => {
      const x = decode(c.x, true);
      const y = gelu(x, c.options);
      expect(relError(y, c.y)).toBeLessThanOrEqual(1e-12);
      const [dx] = autograd.grad([y], [x], { gradOutputs: [decode(c.dy)], createGraph: true });
      expect(relError(dx!, c.grads.x)).toBeLessThanOrEqual(1e-12);
      const [d2] = autograd.grad([sum(mul(dx!, decode(c.second.v)))], [x]);
      expect(relError(d2!, c.second.gradX)).toBeLessThanOrEqual(1e-12);
    });
  }

  it('erfc is within 4 ulps of the C library on every branch and in the tails', () => {
    for (const [xs, ys] of ops.erfc) {
      const x = parseRepr(xs);
      const ref = parseRepr(ys);
      const got = erfc(x);
      expect(Math.abs(got - ref)).toBeLessThanOrEqual(4 * Number.EPSILON * Math.abs(ref) + 1e-320);
    }
  });

  const approximations: GeluApproximate[] = ['none', 'tanh'];
  for (const approximate of approximations) {
    test.prop([
      fc.array(fc.double({ min: -6, max: 6, noNaN: true }), { minLength: 1, maxLength: 12 }),
      fc.nat(1000),
    ])(`approximate=${approximate} passes gradcheck and gradgradcheck`, (xs, seed) => {
      const fn = (t: Tensor) => gelu(t, { approximate });
      expect(gradcheck(fn, [f64(xs, [xs.length])], { seed })).toBe(true);
      expect(gradgradcheck(fn, [f64(xs, [xs.length])], { seed })).toBe(true);
    });
  }

  it('normalCdf passes gradcheck and gradgradcheck (its VJP is the density, in tensor ops)', () => {
    random.seed(5);
    const x = randomF64([3, 4], 2);
    expect(gradcheck(normalCdf, [x])).toBe(true);
    expect(gradgradcheck(normalCdf, [x])).toBe(true);
  });

  it('the fused op equals its composite x·normalCdf(x), to second order', () => {
    random.seed(6);
    const x = randomF64([5, 7], 3);
    const report = autograd.assertSameVjp(
      (t) => gelu(t),
      (t) => mul(t, normalCdf(t)),
      [x],
      { order: 2, rtol: 1e-14, atol: 1e-15 },
    );
    expect(report.maxRel).toBeLessThanOrEqual(1e-14);
  });

  it("is one tape node named like PyTorch's, and keeps float32", () => {
    const x = tensor([-1, 0, 2], { requiresGrad: true });
    const y = gelu(x);
    expect(y.gradFn?.name).toBe('GeluBackward0');
    expect(y.dtype).toBe('float32');
    expect(Array.from(y.data)).toEqual(
      [-1, 0, 2].map((v) => Math.fround(v * 0.5 * erfc(-v * Math.SQRT1_2))),
    );
  });

  it('the module forwards to gelu and rejects an unknown approximation', () => {
    const x = f64([-2, -0.5, 0.5, 3], [4], false);
    expect(new GELU().forward(x).data).toEqual(gelu(x).data);
    expect(new GELU({ approximate: 'tanh' }).forward(x).data).toEqual(
      gelu(x, { approximate: 'tanh' }).data,
    );
    const bad = JSON.parse('{ "approximate": "erf" }') as GeluOptions;
    expect(() => new GELU(bad)).toThrow(ValueError);
    expect(() => gelu(x, bad)).toThrow(/^approximate argument must be either none or tanh\./);
  });
});

// ---- other activations, Flatten, Identity -------------------------------------------------------

describe('ReLU, Tanh, Sigmoid, Flatten, Identity', () => {
  const x = f64([-2, -0.5, 0, 0.5, 3, 1], [2, 3], false);

  it('the activation modules are the ops', () => {
    expect(new ReLU().forward(x).data).toEqual(reluOp(x).data);
    expect(relu(x).data).toEqual(reluOp(x).data);
    expect(new Tanh().forward(x).data).toEqual(tanhOp(x).data);
    expect(new Sigmoid().forward(x).data).toEqual(sigmoidOp(x).data);
  });

  it('Flatten keeps the batch dim by default and takes startDim/endDim', () => {
    const t = zeros([2, 3, 4, 5]);
    expect(new Flatten().forward(t).shape).toEqual([2, 60]);
    expect(new Flatten(0).forward(t).shape).toEqual([120]);
    expect(new Flatten(1, 2).forward(t).shape).toEqual([2, 12, 5]);
    expect(() => new Flatten().forward(zeros([3]))).toThrow(IndexError);
  });

  it('Unflatten splits one dim (one size may be -1), shares storage, and undoes Flatten', () => {
    const t = randn([2, 12]);
    const u = new nn.Unflatten(1, [3, -1]).forward(t);
    expect(u.shape).toEqual([2, 3, 4]);
    expect(u.data).toBe(t.data);
    expect(new Flatten().forward(u).data).toEqual(t.data);
    expect(t.unflatten(-1, [2, 2, 3]).shape).toEqual([2, 2, 2, 3]);
    expect(() => new nn.Unflatten(1, [5, 3]).forward(t)).toThrow(
      "unflatten: Provided sizes [5, 3] don't multiply up to the size of dim 1 (12) in the input tensor",
    );
    expect(() => new nn.Unflatten(2, [1]).forward(t)).toThrow(IndexError);
  });

  it('Identity returns its input', () => {
    expect(new Identity().forward(x)).toBe(x);
  });
});

// ---- Linear -------------------------------------------------------------------------------------

describe('Linear', () => {
  it('has weight [out, in] and bias [out], named as in PyTorch', () => {
    const fc1 = new Linear(3, 4);
    expect(fc1.weight.shape).toEqual([4, 3]);
    expect(fc1.bias?.shape).toEqual([4]);
    expect(fc1.weight.dtype).toBe('float32');
    expect(fc1.namedParameters().map(([k]) => k)).toEqual(['weight', 'bias']);
    const noBias = new Linear(3, 4, { bias: false, dtype: 'float64' });
    expect(noBias.bias).toBeNull();
    expect(Object.keys(noBias.stateDict())).toEqual(['weight']);
    expect(noBias.weight.dtype).toBe('float64');
  });

  it('computes x·Wᵀ + b over any leading dims, and 1-D input', () => {
    const fc1 = new Linear(3, 2, { dtype: 'float64' });
    random.seed(1);
    const x = random.standardNormal([2, 4, 3]);
    const y = fc1.forward(x);
    expect(y.shape).toEqual([2, 4, 2]);
    expect(y.data).toEqual(add(matmul(x, fc1.weight.T), fc1.bias!).data);
    expect(fc1.forward(random.standardNormal([3])).shape).toEqual([2]);
    expect(() => fc1.forward(random.standardNormal([2, 5]))).toThrow(ShapeError);
  });

  it('draws PyTorch initialisation from NumPy\u2019s stream: weight, then bias, nothing else', () => {
    for (const c of initFixture.linear) {
      manualSeed(c.seed);
      const m = new Linear(c.inFeatures, c.outFeatures, { bias: c.bias, dtype: c.dtype });
      expectExact(m.weight, c.weight);
      if (c.biasValue === null) expect(m.bias).toBeNull();
      else expectExact(m.bias!, c.biasValue);
      expect(random.random().item()).toBe(parseRepr(c.after));
    }
  });

  it('weights and bias lie in U(−1/√in, 1/√in), and the same seed gives the same layer', () => {
    manualSeed(3);
    const a = new Linear(64, 200);
    const bound = 1 / Math.sqrt(64);
    const w = Array.from(a.weight.data);
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.99 * bound);
    expect(Math.max(...Array.from(a.bias!.data, Math.abs))).toBeLessThanOrEqual(bound);
    manualSeed(3);
    const b = new Linear(64, 200);
    expect(b.weight.data).toEqual(a.weight.data);
    expect(b.bias!.data).toEqual(a.bias!.data);
    expect(new Linear(64, 200).weight.data).not.toEqual(a.weight.data);
  });

  it('passes gradcheck and gradgradcheck w.r.t. input, weight and bias', () => {
    random.seed(2);
    const inputs = [randomF64([2, 3, 4]), randomF64([5, 4]), randomF64([5])];
    expect(gradcheck(linear, inputs)).toBe(true);
    expect(gradgradcheck(linear, inputs)).toBe(true);
    const noBias = (x: Tensor, w: Tensor) => linear(x, w);
    expect(gradgradcheck(noBias, inputs.slice(0, 2))).toBe(true);
  });

  it('trains: backward fills weight.grad and bias.grad', () => {
    const m = new Linear(3, 2, { dtype: 'float64' });
    random.seed(4);
    const x = random.standardNormal([5, 3]);
    sum(m.forward(x)).backward();
    expect(m.weight.grad?.shape).toEqual([2, 3]);
    expect(Array.from(m.bias!.grad!.data)).toEqual([5, 5]);
  });

  it('rejects negative or fractional feature counts', () => {
    expect(() => new Linear(-1, 2)).toThrow(ValueError);
    expect(() => new Linear(2, 1.5)).toThrow(ValueError);
  });
});

// ---- Dropout ------------------------------------------------------------------------------------

describe('Dropout', () => {
  it('draws its mask from the seeded generator: u < 1 − p, as NumPy', () => {
    for (const c of initFixture.dropout) {
      manualSeed(c.seed);
      expectExact(dropout(decode(c.x), { p: c.p }), c.y);
    }
  });

  it('is reproducible under manualSeed, and different without it', () => {
    const x = randn([10, 10], { dtype: 'float64' });
    const drop = new Dropout(0.4);
    manualSeed(11);
    const a = drop.forward(x);
    manualSeed(11);
    const b = drop.forward(x);
    expect(a.data).toEqual(b.data);
    expect(drop.forward(x).data).not.toEqual(a.data);
  });

  it('keeps about 1 − p of the elements, each scaled by exactly 1/(1 − p)', () => {
    manualSeed(12);
    const p = 0.3;
    const x = randn([100, 100], { dtype: 'float64' });
    const y = dropout(x, { p });
    let kept = 0;
    for (let i = 0; i < x.size; i++) {
      if (y.data[i] === 0) continue;
      kept++;
      expect(y.data[i]).toBe(x.data[i] * (1 / (1 - p)));
    }
    // 10,000 Bernoulli(0.7) draws: the standard deviation of the fraction is 0.0046.
    expect(Math.abs(kept / x.size - (1 - p))).toBeLessThan(0.02);
  });

  it('passes the gradient through the kept elements with the same scale', () => {
    manualSeed(13);
    const x = randn([4, 6], { dtype: 'float64', requiresGrad: true });
    const y = dropout(x, { p: 0.5 });
    sum(y).backward();
    for (let i = 0; i < x.size; i++) expect(x.grad!.data[i]).toBe(y.data[i] === 0 ? 0 : 2);
  });

  it('is the identity in eval mode, and for p = 0', () => {
    const x = randn([3, 3]);
    const drop = new Dropout(0.5);
    drop.eval();
    expect(drop.forward(x)).toBe(x);
    expect(dropout(x, { p: 0 })).toBe(x);
    expect(dropout(x, { training: false })).toBe(x);
  });

  it('gives zeros and zero gradients for p = 1', () => {
    const x = randn([3, 3], { requiresGrad: true });
    const y = new Dropout(1).forward(x);
    expect(Array.from(y.data).every((v) => v === 0)).toBe(true);
    sum(y).backward();
    expect(Array.from(x.grad!.data).every((v) => v === 0)).toBe(true);
  });

  it("rejects p outside [0, 1] with PyTorch's message", () => {
    expect(() => new Dropout(1.5)).toThrow(
      new ValueError('dropout probability has to be between 0 and 1, but got 1.5'),
    );
    expect(() => dropout(zeros([2]), { p: -0.1 })).toThrow(
      new ValueError('dropout probability has to be between 0 and 1, but got -0.1'),
    );
  });
});

// ---- Sequential ---------------------------------------------------------------------------------

describe('Sequential', () => {
  const build = () =>
    new Sequential(
      new Linear(2, 3),
      new ReLU(),
      new nn.BatchNorm1d(3),
      new Dropout(),
      new Linear(3, 1),
    );

  it("names its children '0', '1', … so state-dict keys are PyTorch's", () => {
    const seq = build();
    expect(Object.keys(seq.stateDict())).toEqual(initFixture.sequentialStateDictKeys);
    expect(seq.namedChildren().map(([k]) => k)).toEqual(['0', '1', '2', '3', '4']);
    expect(seq.namedParameters().map(([k]) => k)).toEqual([
      '0.weight',
      '0.bias',
      '2.weight',
      '2.bias',
      '4.weight',
      '4.bias',
    ]);
  });

  it('indexes, counts, iterates and appends', () => {
    const seq = build();
    expect(seq.length).toBe(5);
    expect(seq[2]).toBeInstanceOf(nn.BatchNorm1d);
    expect(seq.at(-1)).toBe(seq[4]);
    expect(seq.at(0)).toBeInstanceOf(Linear);
    expect(() => seq.at(5)).toThrow(ValueError);
    expect([...seq].map((m) => m.constructor.name)).toEqual([
      'Linear',
      'ReLU',
      'BatchNorm1d',
      'Dropout',
      'Linear',
    ]);
    seq.append(new Identity());
    expect(seq.length).toBe(6);
    expect(Object.keys(seq.stateDict()).at(-1)).toBe('4.bias');
    expect(new Sequential().length).toBe(0);
  });

  it('chains forward', () => {
    const seq = new Sequential(
      new Linear(4, 3, { dtype: 'float64' }),
      new Tanh(),
      new Linear(3, 2, { dtype: 'float64' }),
    );
    random.seed(7);
    const x = random.standardNormal([5, 4]);
    const expected = seq[2].forward(seq[1].forward(seq[0].forward(x)));
    expect(seq.forward(x).data).toEqual(expected.data);
  });

  it('train() and eval() reach every module, nested ones included', () => {
    const inner = new Sequential(new Dropout(0.5), new nn.BatchNorm1d(3));
    const seq = new Sequential(new Linear(3, 3), inner);
    const all = () => [seq, seq[0], inner, inner[0], inner[1]].map((m) => m.training);
    seq.eval();
    expect(all()).toEqual([false, false, false, false, false]);
    seq.train();
    expect(all()).toEqual([true, true, true, true, true]);
    expect(Object.keys(seq.stateDict())).toContain('1.1.running_mean');
  });

  it('loads a state dict saved from another instance', () => {
    const a = build();
    const b = build();
    b.loadStateDict(a.stateDict());
    expect((b[0] as Linear).weight.data).toEqual((a[0] as Linear).weight.data);
  });
});

// ---- nn.init ------------------------------------------------------------------------------------

type InitFn = (t: Tensor, kw: Record<string, number | string>) => Tensor;

const num = (kw: Record<string, number | string>, k: string): number | undefined =>
  typeof kw[k] === 'number' ? kw[k] : undefined;
const kaimingOptions = (kw: Record<string, number | string>): init.KaimingOptions => ({
  a: num(kw, 'a'),
  mode: kw.mode === 'fan_out' ? 'fanOut' : 'fanIn',
  nonlinearity: (kw.nonlinearity as init.Nonlinearity | undefined) ?? 'leaky_relu',
});

/** PyTorch's names and keyword arguments, mapped onto ours. */
const INIT_FNS: Record<string, InitFn> = {
  uniform_: (t, kw) => init.uniform_(t, num(kw, 'a'), num(kw, 'b')),
  normal_: (t, kw) => init.normal_(t, num(kw, 'mean'), num(kw, 'std')),
  xavier_uniform_: (t, kw) => init.xavierUniform_(t, num(kw, 'gain')),
  xavier_normal_: (t, kw) => init.xavierNormal_(t, num(kw, 'gain')),
  kaiming_uniform_: (t, kw) => init.kaimingUniform_(t, kaimingOptions(kw)),
  kaiming_normal_: (t, kw) => init.kaimingNormal_(t, kaimingOptions(kw)),
};

describe('nn.init', () => {
  for (const c of initFixture.init) {
    it(`${c.name}: the same values as torch.nn.init on NumPy's stream`, () => {
      manualSeed(c.seed);
      for (const step of c.steps) {
        const t = zeros(step.value.shape, { dtype: step.value.dtype as FloatDType });
        const out = INIT_FNS[step.fn](t, step.kwargs);
        expect(out).toBe(t);
        expectExact(t, step.value);
      }
    });
  }

  it("calculateGain and the fans are PyTorch's", () => {
    for (const [name, param, value] of initFixture.gains) {
      expect(init.calculateGain(name, param)).toBe(parseRepr(value));
    }
    for (const { shape, fanIn, fanOut } of initFixture.fans) {
      expect(init.calculateFanInAndFanOut(zeros(shape))).toEqual([fanIn, fanOut]);
    }
  });

  it('kaimingUniform_ stays within gain·√(3/fanIn) and fills that range', () => {
    manualSeed(21);
    const w = init.kaimingUniform_(zeros([400, 50], { dtype: 'float64' }), {
      nonlinearity: 'relu',
    });
    const bound = Math.sqrt(2) * Math.sqrt(3 / 50);
    const v = Array.from(w.data);
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    const variance = v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length;
    expect(Math.max(...v.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...v.map(Math.abs))).toBeGreaterThan(0.999 * bound);
    expect(Math.abs(m)).toBeLessThan(0.02 * bound);
    // U(−b, b) has variance b²/3; 20,000 samples put the estimate within a few percent.
    expect(variance / (bound ** 2 / 3)).toBeCloseTo(1, 1);
  });

  it('kaimingNormal_ and xavierNormal_ have the standard deviations of their formulas', () => {
    manualSeed(22);
    const sd = (t: Tensor) => {
      const v = Array.from(t.data);
      const m = v.reduce((a, b) => a + b, 0) / v.length;
      return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
    };
    const k = init.kaimingNormal_(zeros([200, 100], { dtype: 'float64' }), { mode: 'fanOut' });
    expect(sd(k) / (Math.sqrt(2) / Math.sqrt(200))).toBeCloseTo(1, 1);
    const x = init.xavierNormal_(zeros([100, 300], { dtype: 'float64' }), 2);
    expect(sd(x) / (2 * Math.sqrt(2 / 400))).toBeCloseTo(1, 1);
  });

  it('works in place on parameters, off the tape, and bumps the version counter', () => {
    const p = new nn.Parameter(zeros([3, 4]));
    const v0 = p.version;
    init.xavierUniform_(p);
    init.constant_(p, 0.5);
    expect(p.version).toBe(v0 + 2);
    expect(p.isLeaf).toBe(true);
    expect(p.requiresGrad).toBe(true);
    expect(Array.from(p.data).every((v) => v === 0.5)).toBe(true);
    init.zeros_(p);
    expect(Array.from(p.data).every((v) => v === 0)).toBe(true);
    init.ones_(p);
    expect(Array.from(p.data).every((v) => v === 1)).toBe(true);
    expect(p.version).toBe(v0 + 4);
  });

  it('a backward that saved the old values fails after an init', () => {
    const w = new nn.Parameter(zeros([2, 2], { dtype: 'float64' }));
    const y = sum(mul(w, w));
    init.normal_(w);
    expect(() => y.backward()).toThrow(/modified by an inplace operation/);
  });

  it('leaves a tensor with no elements alone', () => {
    const t = zeros([0, 3]);
    manualSeed(1);
    const next = random.random().item();
    manualSeed(1);
    init.kaimingUniform_(t);
    init.kaimingNormal_(t);
    expect(random.random().item()).toBe(next);
  });

  it("rejects what PyTorch rejects, in PyTorch's words", () => {
    expect(() => init.xavierUniform_(zeros([3]))).toThrow(
      /^Fan in and fan out can not be computed for tensor with fewer than 2 dimensions/,
    );
    expect(() => init.kaimingUniform_(zeros([2, 2]), { mode: 'fan_avg' as init.FanMode })).toThrow(
      new ValueError("Mode fan_avg not supported, please use one of ['fanIn', 'fanOut']"),
    );
    expect(() => init.calculateGain('swish' as init.Nonlinearity)).toThrow(
      new ValueError('Unsupported nonlinearity swish'),
    );
    expect(() => init.uniform_(zeros([2]), 1, 0)).toThrow(
      new ValueError('uniform_ expects to return a [from, to) range, but found from=1 > to=0'),
    );
    expect(() => init.normal_(zeros([2]), 0, -1)).toThrow(
      new ValueError('normal expects std >= 0.0, but found std -1'),
    );
    expect(() => init.uniform_(tensor(new Int32Array(2)))).toThrow(DTypeError);
  });
});
