/**
 * Parity with PyTorch 1.13: every case of test/fixtures/batchnorm.json (written by
 * scripts/gen_batchnorm_fixtures.py against the real torch; the command is in its header),
 * replayed step by step on both implementations. Per step: y, dx, dweight, dbias, the running
 * statistics and the batch counter; second-order cases also the gradient of (dx·v).sum(). Error
 * cases must throw a typed error with PyTorch's wording and leave every piece of state as it was.
 *
 * Tolerances are one rule, |ours − torch| ≤ REL·max|ref| + u·cond (+ a 1e-15 floor in float64),
 * with REL = 1e-12 in float64 and 1e-6 in float32; `cond` is the size of the terms a quantity
 * cancels or inherits rounding from, which is what the N·L = 2 and large-offset cases need. See
 * `Conds` and `REL` for the reasoning and the measured maxima (BN_PARITY_REPORT=1 prints them).
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  autograd,
  nn,
  tensor,
  ShapeError,
  TapegradError,
  ValueError,
  type FloatDType,
  type Tensor,
} from '../src/index.js';

// ---- fixture types ------------------------------------------------------------------------------

/** Python's repr() of a float64 ('nan', 'inf', '-inf', '-0.0' possible). */
type Repr = string;
type Mode = 'train' | 'eval';

interface SecondOrder {
  v: Repr[];
  gradX: Repr[];
  gradWeight: Repr[] | null;
  gradBias: Repr[] | null;
}

interface Step {
  mode: Mode;
  shape: number[];
  runningMean: Repr[] | null;
  runningVar: Repr[] | null;
  numBatchesTracked: number | null;
  dweight: Repr[] | null;
  dbias: Repr[] | null;
  x: Repr[];
  dy: Repr[];
  y: Repr[];
  dx: Repr[];
  secondOrder?: SecondOrder;
}

interface Initial {
  weight: Repr[] | null;
  bias: Repr[] | null;
  runningMean: Repr[] | null;
  runningVar: Repr[] | null;
  numBatchesTracked: number | null;
}

interface ModuleCase {
  name: string;
  kind: 'module';
  options: {
    numFeatures: number;
    eps: Repr;
    momentum: Repr | null;
    affine: boolean;
    trackRunningStats: boolean;
    dtype: FloatDType;
    shape: number[];
  };
  initial: Initial;
  steps: Step[];
}

interface FunctionalCase {
  name: string;
  kind: 'functional';
  options: {
    numFeatures: number;
    eps: Repr;
    momentum: Repr;
    hasWeight: boolean;
    hasBias: boolean;
    hasRunningStats: boolean;
    dtype: FloatDType;
    shape: number[];
  };
  initial: Initial;
  steps: Step[];
}

interface ErrorCase {
  name: string;
  kind: 'module' | 'functional';
  shape: number[];
  mode: Mode;
  numFeatures?: number;
  trackRunningStats?: boolean;
  hasRunningStats?: boolean | 'runningMean only';
  error: { type: string; message: string };
}

interface Fixture {
  format: string;
  cases: (ModuleCase | FunctionalCase)[];
  errorCases: ErrorCase[];
}

const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/batchnorm.json', import.meta.url), 'utf8'),
) as Fixture;

const IMPLS = ['fused', 'composite'] as const;
type Impl = (typeof IMPLS)[number];

// ---- decoding -----------------------------------------------------------------------------------

function parseRepr(s: Repr): number {
  if (s === 'nan') return NaN;
  if (s === 'inf') return Infinity;
  if (s === '-inf') return -Infinity;
  return Number(s);
}

/** The exact values: float32 fixtures hold float32 numbers widened to float64 (see `format`). */
function decode(xs: readonly Repr[], dtype: FloatDType): number[] {
  return xs.map((s) => (dtype === 'float32' ? Math.fround(parseRepr(s)) : parseRepr(s)));
}

function makeTensor(xs: readonly Repr[], shape: number[], dtype: FloatDType): Tensor {
  const values = decode(xs, dtype);
  const data = dtype === 'float32' ? Float32Array.from(values) : Float64Array.from(values);
  return tensor(data, { shape, dtype });
}

// ---- tolerances ---------------------------------------------------------------------------------

type Quantity =
  | 'y'
  | 'dx'
  | 'dweight'
  | 'dbias'
  | 'runningMean'
  | 'runningVar'
  | 'gradX'
  | 'gradWeight'
  | 'gradBias';

/**
 * The size of the rounding errors a quantity inherits, when that is not the size of the quantity
 * itself. Per channel c, with invstd and mean the statistics the step normalises with, W = |w_c|
 * (1 without weight), X = max(max|x_c|, |mean_c|), D = max|dy_c| and S = Σ|dy_c|:
 *
 * - y = (x − mean)·invstd·w + b. A mean that is off by u·X (PyTorch's float32 mean is a float32
 *   sum of values of size X, so it is off by ulps of X, not of the spread) moves y by
 *   u·X·invstd·W: cond = invstd·W·X. With x = 1e4 + randn that is ~1e4 times u·max|y|, and the
 *   float32 y of the 1e4-offset cases is 3.7e-4·max|y| off.
 * - dx = invstd·(ĝ − mean ĝ − x̂·mean(ĝx̂)), ĝ = dy·w: a difference of terms of size invstd·W·D,
 *   and the same centring error moves x̂ by u·X·invstd: cond = invstd·W·D·(1 + invstd·X). This
 *   is what the N·L = 2 cases need: there x̂ = ±√(var/(var + eps)) and dx collapses to
 *   invstd·(ĝ₁ − ĝ₂)/2 · eps/(var + eps), eps-sized, a few ulps of the cancelled terms, so its
 *   error relative to max|dx| is ~u·var/eps whatever the implementation: 1.2e-2 measured in
 *   float32, 8.4e-11 in float64. (With running statistics dx = ĝ·invstd does not cancel.)
 * - dweight = Σ dy·x̂ over N·L: cond = invstd·X·S (x̂'s error times Σ|dy|, and the sum's rounding).
 * - dbias = Σ dy: cond = S (the float32 sum's rounding when it cancels).
 * - running statistics and second derivatives: relative bounds only.
 */
type Conds = Record<'y' | 'dx' | 'dweight' | 'dbias', number>;

/** Unit roundoff: half an ulp of 1. */
const UNIT: Record<FloatDType, number> = { float32: 2 ** -24, float64: 2 ** -53 };

/**
 * Every comparison is |ours − torch| ≤ REL·max|ref| + u·cond + ABS, elementwise (cond = 0 for
 * the quantities without one). One rule for every quantity; the maxima it leaves room for, over
 * all cases and both implementations (BN_PARITY_REPORT=1 prints them):
 *
 * float64, REL = 1e-12: both sides evaluate the same formulas in double precision and differ in
 *   summation order. Largest err/max|ref|: y 2.4e-13, dweight 1.9e-12 (1e4 offset), dx 8.4e-11
 *   (N·L = 2), dbias 1.6e-14, running stats 7.6e-16, second order 1.0e-13; the cond term has to
 *   cover at most 0.21·u·cond (dx and dweight), the rest fits REL alone.
 * float32, REL = 1e-6 (≈ 17u): cannot be bit-exact, because PyTorch's CPU kernel sums in float32
 *   while tapegrad computes the statistics and every per-element expression in float64 and rounds
 *   once; the differences are PyTorch's float32 rounding errors. Largest err/max|ref|: y 3.7e-4
 *   (1e4 offset), dx 1.2e-2 (N·L = 2), dweight 9.8e-4 (1e4 offset), dbias 5.0e-6, runningMean
 *   4.8e-7, runningVar 2.2e-7; with REL = 1e-6 the cond term needs at most 0.73·u·cond (y),
 *   0.88 (dx), 0.66 (dweight), 0.12 (dbias). Without the cond term no single relative bound
 *   below 1.2e-2 would hold for dx.
 */
const REL: Record<FloatDType, number> = { float32: 1e-6, float64: 1e-12 };

/** An absolute floor for float64 quantities that are exactly zero in the reference. */
const ABS: Record<FloatDType, number> = { float32: 0, float64: 1e-15 };

// ---- measurement --------------------------------------------------------------------------------

interface Measured {
  /** Largest err / max|ref|. */
  rel: number;
  relWhere: string;
  /** Largest multiple of u·cond left over by REL: (err − REL·max|ref| − ABS)/(u·cond). */
  k: number;
  kWhere: string;
}
const measured = new Map<string, Measured>();
/** The case being run, for the report. */
let current = '';

function record(
  dtype: FloatDType,
  q: Quantity,
  err: number,
  scale: number,
  cond: number,
  where: string,
): void {
  const key = `${dtype} ${q}`;
  const m = measured.get(key) ?? { rel: 0, relWhere: '', k: 0, kWhere: '' };
  const rel = scale > 0 ? err / scale : err > 0 ? Infinity : 0;
  if (rel > m.rel) Object.assign(m, { rel, relWhere: where });
  const left = err - REL[dtype] * scale - ABS[dtype];
  const k = left <= 0 ? 0 : cond > 0 ? left / (UNIT[dtype] * cond) : Infinity;
  if (k > m.k) Object.assign(m, { k, kWhere: where });
  measured.set(key, m);
}

afterAll(() => {
  if (process.env.BN_PARITY_REPORT === undefined) return;
  const rows = [...measured].sort(([a], [b]) => a.localeCompare(b));
  for (const [key, m] of rows) {
    console.log(
      `${key.padEnd(20)} max err/max|ref| ${m.rel.toExponential(2)}  (${m.relWhere})\n` +
        `${''.padEnd(20)} max k (u·cond)   ${m.k.toFixed(3)}  (${m.kWhere})`,
    );
  }
});

const maxAbs = (xs: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < xs.length; i++) m = Math.max(m, Math.abs(xs[i]));
  return m;
};

/**
 * Compares one quantity; appends a description of any mismatch to `out` (so that one failing case
 * reports every step and quantity at once).
 */
function compare(
  out: string[],
  where: string,
  q: Quantity,
  dtype: FloatDType,
  got: ArrayLike<number> | null,
  refRepr: readonly Repr[] | null,
  cond = 0,
): void {
  if (refRepr === null || got === null) {
    if (refRepr !== got)
      out.push(`${where} ${q}: expected ${refRepr === null ? 'null' : 'a value'}`);
    return;
  }
  const ref = decode(refRepr, dtype);
  if (got.length !== ref.length) {
    out.push(`${where} ${q}: ${got.length} elements, expected ${ref.length}`);
    return;
  }
  const scale = maxAbs(ref);
  const tol = REL[dtype] * scale + UNIT[dtype] * cond + ABS[dtype];
  let err = 0;
  let worst = 0;
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i];
    const g = got[i];
    if (Number.isNaN(r) || Number.isNaN(g)) {
      if (!(Number.isNaN(r) && Number.isNaN(g))) out.push(`${where} ${q}[${i}]: ${g} vs ${r}`);
      continue;
    }
    const e = r === g ? 0 : Math.abs(g - r);
    if (e > err) {
      err = e;
      worst = i;
    }
  }
  record(dtype, q, err, scale, cond, `${current} ${where}`);
  if (!(err <= tol)) {
    out.push(
      `${where} ${q}[${worst}]: ours ${got[worst]} vs torch ${ref[worst]}, |diff| ` +
        `${err.toExponential(3)} > ${tol.toExponential(3)} (max|ref| ${scale.toExponential(3)}, ` +
        `cond ${cond.toExponential(3)})`,
    );
  }
}

// ---- condition scales ---------------------------------------------------------------------------

/** The per-channel statistics a step normalises with. */
interface NormStats {
  mean: number[];
  invstd: number[];
}

/** Batch statistics of x in float64, or the running ones (as they were before the step). */
function normStats(
  shape: readonly number[],
  x: readonly number[],
  running: { mean: number[]; var: number[] } | null,
  eps: number,
): NormStats {
  if (running !== null)
    return { mean: running.mean, invstd: running.var.map((v) => 1 / Math.sqrt(v + eps)) };
  const [n, c] = shape;
  const l = shape.length === 3 ? shape[2] : 1;
  const at = (i: number, ch: number, k: number): number => x[(i * c + ch) * l + k];
  const mean: number[] = [];
  const invstd: number[] = [];
  for (let ch = 0; ch < c; ch++) {
    let s = 0;
    for (let i = 0; i < n; i++) for (let k = 0; k < l; k++) s += at(i, ch, k);
    const mu = s / (n * l);
    let ss = 0;
    for (let i = 0; i < n; i++) for (let k = 0; k < l; k++) ss += (at(i, ch, k) - mu) ** 2;
    mean.push(mu);
    invstd.push(1 / Math.sqrt(ss / (n * l) + eps));
  }
  return { mean, invstd };
}

function condsOf(
  shape: readonly number[],
  x: readonly number[],
  dy: readonly number[],
  weight: ArrayLike<number> | null,
  stats: NormStats,
): Conds {
  const [n, c] = shape;
  const l = shape.length === 3 ? shape[2] : 1;
  const out: Conds = { y: 0, dx: 0, dweight: 0, dbias: 0 };
  for (let ch = 0; ch < c; ch++) {
    let xMax = Math.abs(stats.mean[ch]);
    let dyMax = 0;
    let dySum = 0;
    for (let i = 0; i < n; i++)
      for (let k = 0; k < l; k++) {
        const idx = (i * c + ch) * l + k;
        xMax = Math.max(xMax, Math.abs(x[idx]));
        dyMax = Math.max(dyMax, Math.abs(dy[idx]));
        dySum += Math.abs(dy[idx]);
      }
    const is = stats.invstd[ch];
    const w = weight === null ? 1 : Math.abs(weight[ch]);
    out.y = Math.max(out.y, is * w * xMax);
    out.dx = Math.max(out.dx, is * w * dyMax * (1 + is * xMax));
    out.dweight = Math.max(out.dweight, is * xMax * dySum);
    out.dbias = Math.max(out.dbias, dySum);
  }
  return out;
}

// ---- running one step ---------------------------------------------------------------------------

interface StepResult {
  y: Tensor;
  dx: Tensor | null;
  dweight: Tensor | null;
  dbias: Tensor | null;
  second: { gradX: Tensor; gradWeight: Tensor | null; gradBias: Tensor | null } | null;
}

/**
 * x is a new leaf; gradients are fresh (the caller clears the parameters' .grad). A second-order
 * step records the first backward (createGraph) and differentiates (dx·v).sum() once more; a
 * null from autograd (no dependence) stands for zeros, as in the fixture.
 */
function runStep(
  forward: (x: Tensor) => Tensor,
  weight: Tensor | null,
  bias: Tensor | null,
  step: Step,
  dtype: FloatDType,
): StepResult {
  const x = makeTensor(step.x, step.shape, dtype).requiresGrad_();
  const dy = makeTensor(step.dy, step.shape, dtype);
  const y = forward(x);
  if (step.secondOrder === undefined) {
    y.backward(dy);
    return {
      y,
      dx: x.grad,
      dweight: weight?.grad ?? null,
      dbias: bias?.grad ?? null,
      second: null,
    };
  }
  const params = [x, weight, bias].filter((t): t is Tensor => t !== null);
  const first = autograd.grad(y, params, { gradOutputs: [dy], createGraph: true });
  const dx = first[0]!;
  const v = makeTensor(step.secondOrder.v, step.shape, dtype);
  const zerosLike = (t: Tensor): Tensor => t.detach().mul(0);
  const second = dx.requiresGrad
    ? autograd.grad(dx.mul(v).sum(), params, { allowUnused: true })
    : params.map(() => null);
  const g = params.map((p, i) => second[i] ?? zerosLike(p));
  return {
    y,
    dx,
    dweight: weight === null ? null : first[1],
    dbias: bias === null ? null : first[params.length - 1],
    second: {
      gradX: g[0],
      gradWeight: weight === null ? null : g[1],
      gradBias: bias === null ? null : g[params.length - 1],
    },
  };
}

/**
 * Runs one step and compares its outputs and gradients. `running` is the running statistics the
 * step normalises with (as they are before it), or null when it uses the batch statistics.
 */
function replayStep(
  out: string[],
  where: string,
  step: Step,
  dtype: FloatDType,
  eps: number,
  forward: (x: Tensor) => Tensor,
  weight: Tensor | null,
  bias: Tensor | null,
  running: { mean: number[]; var: number[] } | null,
): void {
  const x = decode(step.x, dtype);
  const dy = decode(step.dy, dtype);
  const conds = condsOf(
    step.shape,
    x,
    dy,
    weight?.data ?? null,
    normStats(step.shape, x, running, eps),
  );
  const r = runStep(forward, weight, bias, step, dtype);
  compare(out, where, 'y', dtype, r.y.data, step.y, conds.y);
  compare(out, where, 'dx', dtype, r.dx?.data ?? null, step.dx, conds.dx);
  compare(out, where, 'dweight', dtype, r.dweight?.data ?? null, step.dweight, conds.dweight);
  compare(out, where, 'dbias', dtype, r.dbias?.data ?? null, step.dbias, conds.dbias);
  const so = step.secondOrder;
  if (so !== undefined) {
    if (r.second === null) {
      out.push(`${where}: no second-order result`);
      return;
    }
    compare(out, where, 'gradX', dtype, r.second.gradX.data, so.gradX);
    compare(out, where, 'gradWeight', dtype, r.second.gradWeight?.data ?? null, so.gradWeight);
    compare(out, where, 'gradBias', dtype, r.second.gradBias?.data ?? null, so.gradBias);
  }
}

const runningOf = (
  mean: Tensor | null,
  variance: Tensor | null,
): { mean: number[]; var: number[] } | null =>
  mean === null || variance === null
    ? null
    : { mean: Array.from(mean.data), var: Array.from(variance.data) };

// ---- module cases -------------------------------------------------------------------------------

/** The case's initial parameters and buffers, under PyTorch's key names, for loadStateDict. */
function initialStateDict(c: ModuleCase): nn.StateDict {
  const { dtype, numFeatures } = c.options;
  const dict: nn.StateDict = {};
  const { weight, bias, runningMean, runningVar, numBatchesTracked } = c.initial;
  if (weight !== null) dict.weight = makeTensor(weight, [numFeatures], dtype);
  if (bias !== null) dict.bias = makeTensor(bias, [numFeatures], dtype);
  if (runningMean !== null) dict.running_mean = makeTensor(runningMean, [numFeatures], dtype);
  if (runningVar !== null) dict.running_var = makeTensor(runningVar, [numFeatures], dtype);
  if (numBatchesTracked !== null)
    dict.num_batches_tracked = tensor(Int32Array.of(numBatchesTracked), { shape: [] });
  return dict;
}

/** One module, built with the case's options and state, through every step in order. */
function runModuleCase(c: ModuleCase, impl: Impl): string[] {
  current = `${impl} "${c.name}"`;
  const o = c.options;
  const eps = parseRepr(o.eps);
  const bn = new nn.BatchNorm1d(o.numFeatures, {
    eps,
    momentum: o.momentum === null ? null : parseRepr(o.momentum),
    affine: o.affine,
    trackRunningStats: o.trackRunningStats,
    impl,
    dtype: o.dtype,
  });
  // strict: the dict has exactly the module's keys (none for absent parameters/buffers).
  bn.loadStateDict(initialStateDict(c));
  const out: string[] = [];
  c.steps.forEach((step, i) => {
    const where = `step ${i} (${step.mode})`;
    bn.train(step.mode === 'train');
    bn.zeroGrad();
    const running = step.mode === 'eval' ? runningOf(bn.runningMean, bn.runningVar) : null;
    replayStep(out, where, step, o.dtype, eps, (t) => bn.forward(t), bn.weight, bn.bias, running);
    compare(out, where, 'runningMean', o.dtype, bn.runningMean?.data ?? null, step.runningMean);
    compare(out, where, 'runningVar', o.dtype, bn.runningVar?.data ?? null, step.runningVar);
    const count = bn.numBatchesTracked?.data[0] ?? null;
    if (count !== step.numBatchesTracked)
      out.push(`${where} numBatchesTracked: ${count}, expected ${step.numBatchesTracked}`);
  });
  return out;
}

// ---- functional cases ---------------------------------------------------------------------------

/** nn.functional.batchNorm as recorded: the same running-stat tensors, updated in place. */
function runFunctionalCase(c: FunctionalCase, impl: Impl): string[] {
  current = `${impl} "${c.name}"`;
  const o = c.options;
  const eps = parseRepr(o.eps);
  const momentum = parseRepr(o.momentum);
  const perChannel = (xs: Repr[] | null): Tensor | null =>
    xs === null ? null : makeTensor(xs, [o.numFeatures], o.dtype);
  const weight = perChannel(c.initial.weight)?.requiresGrad_() ?? null;
  const bias = perChannel(c.initial.bias)?.requiresGrad_() ?? null;
  const runningMean = perChannel(c.initial.runningMean);
  const runningVar = perChannel(c.initial.runningVar);
  const out: string[] = [];
  c.steps.forEach((step, i) => {
    const where = `step ${i} (${step.mode})`;
    const training = step.mode === 'train';
    if (weight !== null) weight.grad = null;
    if (bias !== null) bias.grad = null;
    const running = training ? null : runningOf(runningMean, runningVar);
    const forward = (t: Tensor): Tensor =>
      nn.functional.batchNorm(t, runningMean, runningVar, weight, bias, {
        training,
        momentum,
        eps,
        impl,
      });
    replayStep(out, where, step, o.dtype, eps, forward, weight, bias, running);
    compare(out, where, 'runningMean', o.dtype, runningMean?.data ?? null, step.runningMean);
    compare(out, where, 'runningVar', o.dtype, runningVar?.data ?? null, step.runningVar);
  });
  return out;
}

// ---- the tables ---------------------------------------------------------------------------------

describe('the fixture file', () => {
  it('is the PyTorch fixture format this test decodes', () => {
    expect(fixture.format).toContain('Math.fround');
    expect(fixture.cases.length).toBeGreaterThan(0);
    expect(fixture.errorCases.length).toBeGreaterThan(0);
  });
});

// Rows are [title, case] so that the titles are not truncated as interpolated object fields are.
const caseRows = fixture.cases.map((c) => [c.name, c] as const);
const errorRows = fixture.errorCases.map((e) => [e.name, e] as const);

describe.each(IMPLS)('the %s BatchNorm', (impl) => {
  it.each(caseRows)('reproduces PyTorch 1.13 at every step of "%s"', (_title, c) => {
    const mismatches = c.kind === 'module' ? runModuleCase(c, impl) : runFunctionalCase(c, impl);
    expect(mismatches).toEqual([]);
  });
});

// ---- error cases --------------------------------------------------------------------------------

/** Our error class for each recorded PyTorch error (PyTorch's RuntimeError is not one class here). */
const ERROR_CLASS: Record<string, typeof TapegradError> = {
  'functional eval with running stats None': ValueError,
  'functional eval with running_var None only': ValueError,
  'functional training with one value per channel (1, C)': ValueError,
  'functional training with one value per channel (1, C, 1)': ValueError,
  'module training with (1, C)': ValueError,
  'module eval, track_running_stats=False, (1, C): batch stats are used, so it is rejected':
    ValueError,
  'module with wrong number of channels': ShapeError,
  'module with a 1-d input': ShapeError,
};

/** PyTorch prints shapes as torch.Size([1, 3]); tapegrad as [1, 3]. */
const ourWording = (message: string): string =>
  message.replace(/torch\.Size\((\[[^\]]*\])\)/g, '$1');

/** Copies of everything a call could change, to prove a rejected call changed nothing. */
function snapshot(ts: (Tensor | null)[]): (number[] | null)[] {
  return ts.map((t) => (t === null ? null : Array.from(t.data)));
}

describe.each(IMPLS)('the %s BatchNorm rejects what PyTorch rejects', (impl) => {
  it.each(errorRows)('"%s" throws and changes nothing', (_title, e) => {
    const dtype = 'float64';
    const x = tensor(new Float64Array(e.shape.reduce((a, b) => a * b, 1)), { shape: e.shape });
    let call: () => Tensor;
    let state: (Tensor | null)[];
    if (e.kind === 'module') {
      const bn = new nn.BatchNorm1d(e.numFeatures ?? e.shape[1], {
        trackRunningStats: e.trackRunningStats ?? true,
        impl,
        dtype,
      });
      bn.train(e.mode === 'train');
      call = () => bn.forward(x);
      state = [bn.runningMean, bn.runningVar, bn.numBatchesTracked, bn.weight, bn.bias];
    } else {
      const c = e.shape[1];
      const rm = e.hasRunningStats === false ? null : tensor(new Float64Array(c));
      const rv = e.hasRunningStats === true ? tensor(new Float64Array(c).fill(1)) : null;
      call = () =>
        nn.functional.batchNorm(x, rm, rv, null, null, { training: e.mode === 'train', impl });
      state = [rm, rv];
    }
    const before = snapshot([...state, x]);
    const expectedClass = ERROR_CLASS[e.name];
    expect(expectedClass, `no expected error class for "${e.name}"`).toBeDefined();
    let thrown: unknown = null;
    try {
      call();
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(expectedClass);
    expect((thrown as Error).message).toContain(ourWording(e.error.message));
    expect(snapshot([...state, x])).toEqual(before);
  });
});
