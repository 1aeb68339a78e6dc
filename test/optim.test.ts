/**
 * optim against PyTorch 1.13, bit for bit. test/fixtures/optim_steps.json and optim_libm.json
 * come from scripts/gen_optim_fixtures.py (run with /usr/bin/python3; the command is in its
 * header) against the real torch and glibc. Every parameter after every step, every learning
 * rate and every libm value must be the same float64 (or float32) number, not merely close: the
 * kernels replay PyTorch's operations in its order, with its fused multiply-adds, and the
 * learning rates and bias corrections use ports of glibc's pow and cos.
 *
 * Then the behaviour around the numbers: state dicts (against PyTorch's, and round trips that
 * must continue identically), parameter groups, zeroGrad, skipped parameters, and PyTorch's
 * errors for bad hyper-parameters.
 */
import { readFileSync } from 'node:fs';
import { fc, it as itProp } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  arange,
  AutogradError,
  DTypeError,
  nn,
  noGrad,
  tensor,
  zeros,
  ShapeError,
  ValueError,
  type FloatDType,
  type Tensor,
} from '../src/index.js';
import * as optim from '../src/optim/index.js';
import { fma64, fmaf, glibcCos, glibcPow } from '../src/kernels/libm/index.js';
import { adamStep_, sgdStep_ } from '../src/ops/optim-step.js';
import type { AnyOptimizer, LRScheduler } from '../src/optim/lr-scheduler.js';

const { lrScheduler } = optim;

// ---- fixtures -----------------------------------------------------------------------------------

/** Python's repr() of a float64 ('nan', 'inf', '-inf', '-0.0' possible). */
type Repr = string;
type Kind = 'SGD' | 'Adam' | 'AdamW';
type Options = Record<string, number | boolean | number[]>;

interface TorchTensor {
  shape: number[];
  values: Repr[];
}

interface TorchStateDict {
  state: Record<string, Record<string, TorchTensor | number | null>>;
  param_groups: (Record<string, number | boolean | number[]> & { params: number[] })[];
}

interface OptimizerCase {
  name: string;
  optimizer: Kind;
  dtype: FloatDType;
  defaults: Options;
  groups: (Options & { params: number[] })[] | null;
  shapes: number[][];
  init: Repr[][];
  grads: (Repr[] | null)[][];
  params: Repr[][][];
  stateDict: TorchStateDict;
}

interface SchedulerCase {
  name: string;
  scheduler: 'StepLR' | 'CosineAnnealingLR';
  optimizer: 'SGD' | 'Adam';
  options: Record<string, number>;
  groupLrs: number[];
  resumeFrom: [Record<string, number>, number] | null;
  actions: ('step' | number)[];
  lrs: Repr[][];
  stateDict: Record<string, number | boolean | Repr | Repr[]>;
}

const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/optim_steps.json', import.meta.url), 'utf8'),
) as { optimizers: OptimizerCase[]; schedulers: SchedulerCase[] };

const libm = JSON.parse(
  readFileSync(new URL('./fixtures/optim_libm.json', import.meta.url), 'utf8'),
) as { pow: Repr[][]; cos: Repr[][]; fma: Repr[][]; fmaf: Repr[][] };

function num(r: Repr | number): number {
  if (typeof r === 'number') return r;
  if (r === 'inf') return Infinity;
  if (r === '-inf') return -Infinity;
  if (r === 'nan') return NaN;
  return Number(r);
}

/** The positions where `actual` is not exactly `expected` (NaN equals NaN, 0 is not -0). */
function mismatches(actual: ArrayLike<number>, expected: readonly (Repr | number)[]): string[] {
  const out: string[] = [];
  if (actual.length !== expected.length) return [`length ${actual.length} != ${expected.length}`];
  for (let i = 0; i < expected.length; i++) {
    const want = num(expected[i]);
    if (!Object.is(actual[i], want)) out.push(`[${i}] ${actual[i]} != ${want}`);
  }
  return out;
}

function makeTensor(values: readonly Repr[], shape: readonly number[], dtype: FloatDType): Tensor {
  return tensor(values.map(num), { dtype, shape });
}

function makeParams(c: OptimizerCase, values: readonly Repr[][] = c.init): nn.Parameter[] {
  return values.map((v, i) => new nn.Parameter(makeTensor(v, c.shapes[i], c.dtype)));
}

function makeOptimizer(c: OptimizerCase, params: nn.Parameter[]): AnyOptimizer {
  const spec =
    c.groups === null
      ? params
      : c.groups.map(({ params: ids, ...rest }) => ({
          ...rest,
          params: ids.map((i) => params[i]),
        }));
  if (c.optimizer === 'SGD') return new optim.SGD(spec, c.defaults);
  if (c.optimizer === 'Adam') return new optim.Adam(spec, c.defaults);
  return new optim.AdamW(spec, c.defaults);
}

function setGrads(c: OptimizerCase, params: nn.Parameter[], step: number): void {
  params.forEach((p, i) => {
    const g = c.grads[step][i];
    p.grad = g === null ? null : makeTensor(g, c.shapes[i], c.dtype);
  });
}

function expectParams(c: OptimizerCase, params: nn.Parameter[], step: number): void {
  const bad = params.flatMap((p, i) =>
    mismatches(p.data, c.params[step][i]).map((m) => `step ${step} param ${i} ${m}`),
  );
  expect(bad).toEqual([]);
}

/** PyTorch's state dict from the fixture, as tapegrad's `OptimizerStateDict`. */
function torchStateDict(c: OptimizerCase): optim.OptimizerStateDict {
  const state: optim.OptimizerStateDict['state'] = {};
  for (const [key, entry] of Object.entries(c.stateDict.state)) {
    const out: Record<string, Tensor | null> = {};
    for (const [k, v] of Object.entries(entry)) {
      if (v === null) out[k] = null;
      else if (typeof v === 'number') out[k] = tensor(v, { dtype: 'float32' });
      else out[k] = makeTensor(v.values, v.shape, c.dtype);
    }
    state[Number(key)] = out;
  }
  // PyTorch's groups also hold kernel switches tapegrad ignores on load.
  const groups = c.stateDict.param_groups.map((g) => ({ ...g, foreach: null, fused: false }));
  return { state, param_groups: groups };
}

/** tapegrad's state dict must be PyTorch's: same groups, same state, same numbers. */
function expectTorchStateDict(ours: optim.OptimizerStateDict, c: OptimizerCase): void {
  expect(ours.param_groups).toEqual(c.stateDict.param_groups);
  expect(Object.keys(ours.state).sort()).toEqual(Object.keys(c.stateDict.state).sort());
  for (const [key, entry] of Object.entries(c.stateDict.state)) {
    const mine = ours.state[Number(key)];
    expect(Object.keys(mine).sort()).toEqual(Object.keys(entry).sort());
    for (const [k, v] of Object.entries(entry)) {
      const t = mine[k];
      if (v === null) expect(t).toBeNull();
      else if (typeof v === 'number') {
        expect(t!.dtype).toBe('float32');
        expect(t!.item()).toBe(v);
      } else {
        expect(t!.shape).toEqual(v.shape);
        expect(mismatches(t!.data, v.values)).toEqual([]);
      }
    }
  }
}

// ---- optimizers against PyTorch -----------------------------------------------------------------

describe('optimizers reproduce PyTorch 1.13 exactly', () => {
  it.each(fixture.optimizers.map((c) => [c.name, c] as const))(
    '%s: every parameter after every step',
    (_, c) => {
      const params = makeParams(c);
      const opt = makeOptimizer(c, params);
      for (let step = 0; step < c.grads.length; step++) {
        setGrads(c, params, step);
        opt.step();
        expectParams(c, params, step);
      }
      expectTorchStateDict(opt.stateDict(), c);
    },
  );

  it.each(fixture.optimizers.map((c) => [c.name, c] as const))(
    '%s: a fresh optimizer loaded from a mid-run state dict continues identically',
    (_, c) => {
      const split = Math.floor(c.grads.length / 2);
      const params = makeParams(c);
      const opt = makeOptimizer(c, params);
      for (let step = 0; step < split; step++) {
        setGrads(c, params, step);
        opt.step();
      }
      const dict = opt.stateDict();
      const fresh = makeParams(c, c.params[split - 1]);
      const resumed = makeOptimizer(c, fresh);
      resumed.loadStateDict(dict);
      for (let step = split; step < c.grads.length; step++) {
        setGrads(c, fresh, step);
        resumed.step();
        expectParams(c, fresh, step);
      }
    },
  );

  it.each(fixture.optimizers.map((c) => [c.name, c] as const))(
    "%s: PyTorch's own state dict loads, and comes back out unchanged",
    (_, c) => {
      const last = c.params.length - 1;
      const params = makeParams(c, c.params[last]);
      const opt = makeOptimizer(c, params);
      opt.loadStateDict(torchStateDict(c));
      expectTorchStateDict(opt.stateDict(), c);
    },
  );
});

// ---- schedulers against PyTorch -----------------------------------------------------------------

function makeScheduler(
  kind: SchedulerCase['scheduler'],
  opt: AnyOptimizer,
  options: Record<string, number>,
): LRScheduler {
  if (kind === 'StepLR') {
    return new lrScheduler.StepLR(opt, { stepSize: options.stepSize, ...options });
  }
  return new lrScheduler.CosineAnnealingLR(opt, { tMax: options.tMax, ...options });
}

function schedulerSetup(c: SchedulerCase): { opt: AnyOptimizer; sched: LRScheduler } {
  const groups = c.groupLrs.map((lr) => ({
    params: [new nn.Parameter(tensor([0, 0], { dtype: 'float64' }))],
    lr,
  }));
  const opt =
    c.optimizer === 'SGD'
      ? new optim.SGD(groups, { lr: c.groupLrs[0] })
      : new optim.Adam(groups, { lr: c.groupLrs[0] });
  if (c.resumeFrom !== null) {
    const [first, steps] = c.resumeFrom;
    const s = makeScheduler(c.scheduler, opt, first);
    for (let i = 0; i < steps; i++) s.step();
  }
  return { opt, sched: makeScheduler(c.scheduler, opt, c.options) };
}

function act(sched: LRScheduler, a: 'step' | number): void {
  if (a === 'step') sched.step();
  else sched.step(a);
}

describe('schedulers reproduce PyTorch 1.13 exactly', () => {
  it.each(fixture.schedulers.map((c) => [c.name, c] as const))(
    '%s: the learning rates of every epoch',
    (_, c) => {
      const { opt, sched } = schedulerSetup(c);
      const seen = [sched.getLastLr()];
      for (const a of c.actions) {
        opt.step();
        act(sched, a);
        seen.push(sched.getLastLr());
      }
      const bad = seen.flatMap((lrs, k) => mismatches(lrs, c.lrs[k]).map((m) => `epoch ${k} ${m}`));
      expect(bad).toEqual([]);
      expect(opt.paramGroups.map((g) => g.lr)).toEqual(c.lrs[c.lrs.length - 1].map(num));
      const ours = sched.stateDict();
      expect(Object.keys(ours).sort()).toEqual(Object.keys(c.stateDict).sort());
      for (const [k, v] of Object.entries(c.stateDict)) {
        const mine = ours[k];
        if (Array.isArray(v)) expect(mismatches(mine as number[], v)).toEqual([]);
        else if (typeof v === 'boolean') expect(mine).toBe(v);
        else expect(mine).toBe(num(v));
      }
    },
  );

  it.each(fixture.schedulers.map((c) => [c.name, c] as const))(
    '%s: a scheduler loaded from a mid-run state dict continues identically',
    (_, c) => {
      const split = Math.floor(c.actions.length / 2);
      const { opt, sched } = schedulerSetup(c);
      for (const a of c.actions.slice(0, split)) act(sched, a);
      const optDict = opt.stateDict();
      const schedDict = sched.stateDict();
      const { opt: opt2, sched: sched2 } = schedulerSetup(c);
      opt2.loadStateDict(optDict);
      sched2.loadStateDict(schedDict);
      expect(sched2.getLastLr()).toEqual(c.lrs[split].map(num));
      for (let k = split; k < c.actions.length; k++) {
        act(sched2, c.actions[k]);
        expect(mismatches(sched2.getLastLr(), c.lrs[k + 1])).toEqual([]);
      }
    },
  );
});

// ---- the C library functions --------------------------------------------------------------------

describe("glibc's pow, cos, fma and fmaf, bit for bit", () => {
  it('glibcPow equals pow() on every fixture pair (including where glibc misrounds)', () => {
    const bad = libm.pow.filter(([x, y, r]) => !Object.is(glibcPow(num(x), num(y)), num(r)));
    expect(bad).toEqual([]);
  });

  it('glibcCos equals cos() on every fixture argument (including where glibc misrounds)', () => {
    const bad = libm.cos.filter(([x, r]) => !Object.is(glibcCos(num(x)), num(r)));
    expect(bad).toEqual([]);
  });

  it('fma64 and fmaf equal fma() and fmaf() (ties, cancellation, tiny and huge operands)', () => {
    const bad64 = libm.fma.filter(
      ([a, b, c, r]) => !Object.is(fma64(num(a), num(b), num(c)), num(r)),
    );
    const bad32 = libm.fmaf.filter(
      ([a, b, c, r]) => !Object.is(fmaf(num(a), num(b), num(c)), num(r)),
    );
    expect(bad64).toEqual([]);
    expect(bad32).toEqual([]);
  });

  it("differs from V8's Math.pow where Python does (why the port exists)", () => {
    expect(glibcPow(0.9, 4)).toBe(0.6561);
    expect(Math.pow(0.9, 4)).not.toBe(0.6561);
  });
});

// ---- state dicts --------------------------------------------------------------------------------

function twoParams(dtype: FloatDType = 'float64'): nn.Parameter[] {
  return [
    new nn.Parameter(tensor([1, -2, 3], { dtype })),
    new nn.Parameter(tensor([[0.5, 0.25]], { dtype })),
  ];
}

function gradsFor(params: Tensor[], seed: number): void {
  params.forEach((p, i) => {
    p.grad = tensor(
      Array.from({ length: p.size }, (_, j) => Math.sin(seed * 7.1 + i * 3.3 + j * 1.7)),
      { dtype: p.dtype, shape: p.shape },
    );
  });
}

describe('state dicts', () => {
  it("has PyTorch's structure and names, with parameters as indices", () => {
    const [a, b] = twoParams();
    const opt = new optim.Adam([{ params: [a] }, { params: [b], lr: 0.1 }], { amsgrad: true });
    gradsFor([a, b], 1);
    opt.step();
    const dict = opt.stateDict();
    expect(dict.param_groups).toEqual([
      {
        lr: 1e-3,
        betas: [0.9, 0.999],
        eps: 1e-8,
        weight_decay: 0,
        amsgrad: true,
        maximize: false,
        params: [0],
      },
      {
        lr: 0.1,
        betas: [0.9, 0.999],
        eps: 1e-8,
        weight_decay: 0,
        amsgrad: true,
        maximize: false,
        params: [1],
      },
    ]);
    expect(Object.keys(dict.state[0]).sort()).toEqual([
      'exp_avg',
      'exp_avg_sq',
      'max_exp_avg_sq',
      'step',
    ]);
    expect(dict.state[1].step!.item()).toBe(1);
  });

  it('copies tensors both ways: later steps do not change a saved dict, nor a load the source', () => {
    const [a, b] = twoParams();
    const opt = new optim.SGD([a, b], { lr: 0.1, momentum: 0.9 });
    gradsFor([a, b], 1);
    opt.step();
    const dict = opt.stateDict();
    const saved = Array.from(dict.state[0].momentum_buffer!.data);
    opt.step();
    expect(Array.from(dict.state[0].momentum_buffer!.data)).toEqual(saved);
    const other = new optim.SGD(twoParams(), { lr: 0.1, momentum: 0.9 });
    other.loadStateDict(dict);
    const loaded = [...other.state.values()][0].momentumBuffer!;
    expect(loaded.data).not.toBe(dict.state[0].momentum_buffer!.data);
  });

  it("casts float state to the parameter's dtype on load, but not the step count", () => {
    const [a] = twoParams('float64');
    const opt = new optim.Adam([a]);
    gradsFor([a], 2);
    opt.step();
    const target = new nn.Parameter(tensor([1, -2, 3], { dtype: 'float32' }));
    const opt32 = new optim.Adam([target]);
    opt32.loadStateDict(opt.stateDict());
    const s = opt32.state.get(target)!;
    expect(s.expAvg.dtype).toBe('float32');
    expect(s.step.dtype).toBe('float32');
  });

  it('rejects a dict that does not fit, and then has changed nothing', () => {
    const [a, b] = twoParams();
    const opt = new optim.SGD([a, b], { lr: 0.1, momentum: 0.9 });
    gradsFor([a, b], 1);
    opt.step();
    const before = opt.stateDict();
    const good = opt.stateDict();
    const wrong: [optim.OptimizerStateDict, string][] = [
      [
        { ...good, param_groups: [...good.param_groups, good.param_groups[0]] },
        'different number of parameter groups',
      ],
      [
        { ...good, param_groups: [{ ...good.param_groups[0], params: [0] }] },
        "doesn't match the size",
      ],
      [{ ...good, param_groups: [{ ...good.param_groups[0], lr: true }] }, 'lr = true'],
      [
        { ...good, param_groups: [{ ...good.param_groups[0], momentun: 0.9 }] },
        "unknown hyper-parameter 'momentun'",
      ],
      [{ ...good, state: { ...good.state, 7: {} } }, 'state for parameter 7'],
      [
        { ...good, state: { 0: { momentum_buffer: tensor([1, 2], { dtype: 'float64' }) } } },
        'momentum_buffer has shape [2]',
      ],
    ];
    const fresh = new optim.SGD(twoParams(), { lr: 0.5 });
    for (const [dict, message] of wrong) {
      expect(() => fresh.loadStateDict(dict)).toThrow(message);
    }
    expect(fresh.state.size).toBe(0);
    expect(fresh.paramGroups[0].lr).toBe(0.5);
    expect(opt.stateDict()).toEqual(before);
    const { momentum: _, ...noMomentum } = good.param_groups[0];
    expect(() => fresh.loadStateDict({ ...good, param_groups: [noMomentum] })).toThrow(
      "missing 'momentum'",
    );
  });

  it('fills the keys older PyTorch state dicts lack (maximize, nesterov) with false', () => {
    const opt = new optim.SGD(twoParams(), { lr: 0.1, momentum: 0.5, nesterov: true });
    const { nesterov: _n, maximize: _m, ...old } = opt.stateDict().param_groups[0];
    opt.loadStateDict({ state: {}, param_groups: [old] });
    expect(opt.paramGroups[0].nesterov).toBe(false);
    expect(opt.paramGroups[0].maximize).toBe(false);
  });

  itProp.prop([
    fc.constantFrom<Kind>('SGD', 'Adam', 'AdamW'),
    fc.record({
      lr: fc.double({ min: 1e-4, max: 0.5, noNaN: true }),
      momentum: fc.double({ min: 0, max: 0.99, noNaN: true }),
      weightDecay: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.2, noNaN: true })),
      amsgrad: fc.boolean(),
      maximize: fc.boolean(),
    }),
    fc.constantFrom<FloatDType>('float32', 'float64'),
    fc.integer({ min: 1, max: 6 }),
    fc.integer({ min: 1, max: 5 }),
  ])(
    'a state dict round trip continues exactly like the original (random optimizers)',
    (kind, o, dtype, total, splitAt) => {
      const split = Math.min(splitAt, total);
      const make = (params: Tensor[]): AnyOptimizer =>
        kind === 'SGD'
          ? new optim.SGD(params, {
              lr: o.lr,
              momentum: o.momentum,
              weightDecay: o.weightDecay,
              maximize: o.maximize,
            })
          : kind === 'Adam'
            ? new optim.Adam(params, {
                lr: o.lr,
                weightDecay: o.weightDecay,
                amsgrad: o.amsgrad,
                maximize: o.maximize,
              })
            : new optim.AdamW(params, {
                lr: o.lr,
                weightDecay: o.weightDecay,
                amsgrad: o.amsgrad,
                maximize: o.maximize,
              });
      const ref = twoParams(dtype);
      const refOpt = make(ref);
      const run = twoParams(dtype);
      let runOpt = make(run);
      for (let step = 0; step < total; step++) {
        if (step === split) {
          const dict = runOpt.stateDict();
          runOpt = make(run);
          runOpt.loadStateDict(dict);
        }
        gradsFor(ref, step);
        gradsFor(run, step);
        refOpt.step();
        runOpt.step();
      }
      ref.forEach((p, i) => expect(Array.from(run[i].data)).toEqual(Array.from(p.data)));
    },
  );
});

// ---- groups, zeroGrad, skipped parameters -------------------------------------------------------

describe('parameter groups', () => {
  it('take the defaults for what they leave out, and keep what they set', () => {
    const [a, b] = twoParams();
    const opt = new optim.SGD([{ params: [a] }, { params: b, lr: 0.5, momentum: 0.1 }], {
      lr: 0.05,
      momentum: 0.9,
    });
    expect(opt.paramGroups.map((g) => [g.lr, g.momentum, g.dampening])).toEqual([
      [0.05, 0.9, 0],
      [0.5, 0.1, 0],
    ]);
    expect(opt.paramGroups[1].params).toEqual([b]);
  });

  it('step each group with its own learning rate', () => {
    const [a, b] = twoParams();
    const opt = new optim.SGD([
      { params: [a], lr: 1 },
      { params: [b], lr: 0.5 },
    ]);
    a.grad = tensor([1, 1, 1], { dtype: 'float64' });
    b.grad = tensor([[1, 1]], { dtype: 'float64' });
    opt.step();
    expect(Array.from(a.data)).toEqual([0, -3, 2]);
    expect(Array.from(b.data)).toEqual([0, -0.25]);
  });

  it('addParamGroup adds a group, and refuses a parameter another group has', () => {
    const [a, b] = twoParams();
    const opt = new optim.Adam([a], { lr: 0.01 });
    opt.addParamGroup({ params: [b], lr: 0.1 });
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.01, 0.1]);
    expect(() => opt.addParamGroup({ params: [a] })).toThrow(
      'some parameters appear in more than one parameter group',
    );
  });
});

describe('zeroGrad and parameters without gradient', () => {
  it("zeroes gradients in place by default (PyTorch 1.13's set_to_none=False)", () => {
    const [a, b] = twoParams();
    const opt = new optim.SGD([a, b], { lr: 0.1 });
    gradsFor([a], 1);
    const g = a.grad!;
    opt.zeroGrad();
    expect(a.grad).toBe(g);
    expect(Array.from(g.data)).toEqual([0, 0, 0]);
    expect(g.requiresGrad).toBe(false);
    expect(b.grad).toBeNull();
  });

  it('sets them to null with setToNone', () => {
    const [a, b] = twoParams();
    const opt = new optim.SGD([a, b], { lr: 0.1 });
    gradsFor([a, b], 1);
    opt.zeroGrad({ setToNone: true });
    expect(a.grad).toBeNull();
    expect(b.grad).toBeNull();
  });

  it('detaches a gradient that has a graph (createGraph) before zeroing it', () => {
    const x = new nn.Parameter(tensor([1, 2], { dtype: 'float64' }));
    x.mul(x).sum().backward(undefined, { createGraph: true });
    expect(x.grad!.gradFn).not.toBeNull();
    const opt = new optim.SGD([x], { lr: 0.1 });
    opt.zeroGrad();
    expect(x.grad!.gradFn).toBeNull();
    expect(Array.from(x.grad!.data)).toEqual([0, 0]);
  });

  it.each(['SGD', 'Adam', 'AdamW'] as const)(
    '%s leaves a parameter without .grad untouched (no update, no state, same version)',
    (kind) => {
      const [a, b] = twoParams();
      const opt =
        kind === 'SGD'
          ? new optim.SGD([a, b], { lr: 0.1, momentum: 0.9, weightDecay: 0.1 })
          : kind === 'Adam'
            ? new optim.Adam([a, b], { weightDecay: 0.1 })
            : new optim.AdamW([a, b]);
      gradsFor([a], 3);
      const before = Array.from(b.data);
      const version = b.version;
      opt.step();
      opt.step();
      expect(Array.from(b.data)).toEqual(before);
      expect(b.version).toBe(version);
      expect(opt.state.has(b)).toBe(false);
      expect(opt.state.has(a)).toBe(true);
      expect(a.version).toBe(2);
    },
  );

  it('still updates a parameter whose gradient is zero (weight decay, momentum)', () => {
    const [a] = twoParams();
    const opt = new optim.SGD([a], { lr: 0.1, weightDecay: 0.5 });
    a.grad = tensor([0, 0, 0], { dtype: 'float64' });
    opt.step();
    expect(Array.from(a.data)).toEqual([0.95, -1.9, 2.85]);
  });

  it('runs the closure with grad mode on and returns its loss', () => {
    const [a] = twoParams();
    const opt = new optim.SGD([a], { lr: 0.1 });
    const loss = opt.step(() => {
      opt.zeroGrad();
      const l = a.mul(a).sum();
      l.backward();
      return l;
    });
    expect(loss!.item()).toBe(14);
    expect(Array.from(a.data)).toEqual([0.8, -1.6, 2.4]);
  });
});

// ---- errors -------------------------------------------------------------------------------------

describe("PyTorch's errors", () => {
  const p = (): nn.Parameter[] => twoParams();

  it.each([
    ['SGD lr -1', () => new optim.SGD(p(), { lr: -1 }), 'Invalid learning rate: -1'],
    [
      'SGD momentum',
      () => new optim.SGD(p(), { lr: 0.1, momentum: -0.5 }),
      'Invalid momentum value: -0.5',
    ],
    [
      'SGD weight decay',
      () => new optim.SGD(p(), { lr: 0.1, weightDecay: -1e-4 }),
      'Invalid weight_decay value: -0.0001',
    ],
    [
      'SGD nesterov without momentum',
      () => new optim.SGD(p(), { lr: 0.1, nesterov: true }),
      'Nesterov momentum requires a momentum and zero dampening',
    ],
    [
      'SGD nesterov with dampening',
      () => new optim.SGD(p(), { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true }),
      'Nesterov momentum requires a momentum and zero dampening',
    ],
    [
      'SGD without lr',
      () => new optim.SGD(p(), {}),
      "parameter group didn't specify a value of required optimization parameter lr",
    ],
    ['Adam lr', () => new optim.Adam(p(), { lr: -0.01 }), 'Invalid learning rate: -0.01'],
    ['Adam lr NaN', () => new optim.Adam(p(), { lr: NaN }), 'Invalid learning rate: NaN'],
    ['Adam eps', () => new optim.Adam(p(), { eps: -1 }), 'Invalid epsilon value: -1'],
    [
      'Adam beta 0',
      () => new optim.Adam(p(), { betas: [1, 0.999] }),
      'Invalid beta parameter at index 0: 1',
    ],
    [
      'Adam beta 1',
      () => new optim.Adam(p(), { betas: [0.9, -0.1] }),
      'Invalid beta parameter at index 1: -0.1',
    ],
    [
      'Adam weight decay',
      () => new optim.Adam(p(), { weightDecay: -1 }),
      'Invalid weight_decay value: -1',
    ],
    ['AdamW lr', () => new optim.AdamW(p(), { lr: -1 }), 'Invalid learning rate: -1'],
    [
      'no parameters',
      () => new optim.SGD([], { lr: 0.1 }),
      'optimizer got an empty parameter list',
    ],
    // A JavaScript caller can pass what the types forbid.
    [
      'a Tensor as params',
      () => Reflect.construct(optim.SGD, [p()[0], { lr: 0.1 }]),
      'params argument given to the optimizer should be an iterable of Tensors or dicts',
    ],
    [
      'a non-leaf',
      () => new optim.SGD([p()[0].mul(2)], { lr: 0.1 }),
      "can't optimize a non-leaf Tensor",
    ],
    [
      'a duplicate',
      () => {
        const [a] = p();
        return new optim.SGD([a, a], { lr: 0.1 });
      },
      'duplicate parameters',
    ],
    [
      'a parameter in two groups',
      () => {
        const [a] = p();
        return new optim.SGD([{ params: [a] }, { params: [a] }], { lr: 0.1 });
      },
      'some parameters appear in more than one parameter group',
    ],
    [
      'StepLR stepSize 0',
      () => new lrScheduler.StepLR(new optim.SGD(p(), { lr: 0.1 }), { stepSize: 0 }),
      'stepSize must be positive',
    ],
    [
      'CosineAnnealingLR tMax 0',
      () => new lrScheduler.CosineAnnealingLR(new optim.SGD(p(), { lr: 0.1 }), { tMax: 0 }),
      'tMax must be positive',
    ],
    [
      'resuming without initial_lr',
      () => new lrScheduler.StepLR(new optim.SGD(p(), { lr: 0.1 }), { stepSize: 2, lastEpoch: 3 }),
      "param 'initial_lr' is not specified in param_groups[0] when resuming an optimizer",
    ],
  ])('%s', (_, make, message) => {
    expect(make).toThrow(ValueError);
    expect(make).toThrow(message);
  });

  it('a gradient of the wrong shape is a ShapeError naming both shapes', () => {
    const [a] = p();
    const opt = new optim.SGD([a], { lr: 0.1 });
    a.grad = tensor([1, 2], { dtype: 'float64' });
    expect(() => opt.step()).toThrow(ShapeError);
    expect(() => opt.step()).toThrow('SGD: the gradient has shape [2], its parameter [3]');
  });
});

describe('the fused update ops the optimizers call', () => {
  const h = { lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false };
  const sgd = { ...h, maximize: false };
  const adam = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 };
  const adamScalars = { ...adam, maximize: false, decoupled: false };

  it('sgdStep_ names itself and both shapes when a tensor does not match the param', () => {
    const p = tensor([1, 2, 3], { dtype: 'float64' });
    const buf = tensor([0, 0], { dtype: 'float64' });
    expect(() => sgdStep_(p, tensor([1, 2], { dtype: 'float64' }), null, false, sgd)).toThrow(
      new ShapeError('sgdStep_: grad has shape [2], param [3]'),
    );
    expect(() => sgdStep_(p, p, buf, false, sgd)).toThrow(
      new ShapeError('sgdStep_: momentum_buffer has shape [2], param [3]'),
    );
    expect(() => sgdStep_(p, tensor([1, 2, 3]), null, false, sgd)).toThrow(
      new DTypeError('sgdStep_: grad is float32, param float64'),
    );
    expect(() => sgdStep_(arange(3), arange(3), null, false, sgd)).toThrow(DTypeError);
  });

  it('sgdStep_ updates in place and bumps the versions of what it wrote', () => {
    const p = tensor([1, 2], { dtype: 'float64' });
    const buf = tensor([1, 1], { dtype: 'float64' });
    sgdStep_(p, tensor([1, 1], { dtype: 'float64' }), buf, false, sgd);
    // b = (1 − dampening)·g + momentum·b and p − lr·b, each as one fused multiply-add.
    const b = fma64(1, 1, 0.9);
    expect(Array.from(buf.data)).toEqual([b, b]);
    expect(Array.from(p.data)).toEqual([fma64(-0.1, b, 1), fma64(-0.1, b, 2)]);
    expect([p.version, buf.version]).toEqual([1, 1]);
  });

  it('adamStep_ counts the step and checks the state tensors', () => {
    const p = tensor([1, 2], { dtype: 'float64' });
    const g = tensor([0.5, -0.5], { dtype: 'float64' });
    const m = zeros([2], { dtype: 'float64' });
    const v = zeros([2], { dtype: 'float64' });
    const step = zeros([]);
    adamStep_(p, g, m, v, null, step, adamScalars);
    expect(step.item()).toBe(1);
    expect([p.version, m.version, v.version, step.version]).toEqual([1, 1, 1, 1]);
    expect(() =>
      adamStep_(p, g, m, zeros([3], { dtype: 'float64' }), null, step, adamScalars),
    ).toThrow(new ShapeError('adamStep_: exp_avg_sq has shape [3], param [2]'));
    expect(() => adamStep_(p, g, m, v, null, zeros([2]), adamScalars)).toThrow(ShapeError);
  });

  it('refuses to run on the tape with a tensor that requires grad', () => {
    const p = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    const g = tensor([1, 1], { dtype: 'float64' });
    expect(() => sgdStep_(p, g, null, false, sgd)).toThrow(AutogradError);
    noGrad(() => sgdStep_(p, g, null, false, sgd));
    expect(Array.from(p.data)).toEqual([fma64(-0.1, 1, 1), fma64(-0.1, 1, 2)]);
  });
});
