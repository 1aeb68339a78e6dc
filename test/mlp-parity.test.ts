/**
 * End-to-end training parity with PyTorch 1.13: an MLP with two BatchNorm layers, trained with
 * cross-entropy for 8 steps by SGD (momentum, weight decay, Nesterov), Adam (with and without
 * weight decay) and AdamW, in float64, from one initial state dict, and one run where a BatchNorm
 * has momentum None. test/fixtures/mlp_training.json comes from scripts/gen_mlp_fixtures.py (run
 * with /usr/bin/python3; the command is in its header) against the real torch.
 *
 * Every run is replayed with both BatchNorm implementations. Every loss must match to REL = 1e-9
 * relative; after the last step every state-dict entry (weights, biases, running statistics) to
 * REL·max|ref| of that tensor, and num_batches_tracked exactly; then the eval-mode logits of a
 * held-out batch to REL·max|ref|. MLP_PARITY_REPORT=1 prints the measured maxima.
 *
 * One term is added to that, for a quantity that no implementation can reproduce: the bias b of a
 * Linear layer that feeds a BatchNorm has a gradient that is zero in exact arithmetic (BatchNorm
 * subtracts the batch mean), so PyTorch and tapegrad each compute rounding noise there, about
 * 1e-17, and different noise. SGD moves b by lr/(1 − μ)·noise at most, which is nothing. Adam
 * without an L2 term, and AdamW, normalise it: the step is lr·m̂/(√v̂ + eps) ≈ (lr/eps)·noise, a
 * gain of 1e6, so b drifts by up to ~1e-10 in each library on its own (PyTorch's drift is in the
 * fixture). Since |m̂_t| ≤ max_{s≤t} |g_s|, the two drifts differ by at most
 *
 *     B = (lr/eps) · Σ_t max_{s≤t} (|g_s^ours| + |g_s^torch|)
 *
 * with both gradients measured (the fixture records PyTorch's). b, and the following BatchNorm's
 * running_mean (a convex combination of batch means that contain b), get B added to their
 * tolerance, and the eval logits get B carried through the eval network by its ∞-norm Lipschitz
 * bounds. With Adam's L2 term λθ ≈ 1e-5 dominates the noise and the step is well conditioned, so
 * no term is added. Everything else, including every loss (the training forward does not depend
 * on b), is held to REL alone.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { nn, noGrad, optim, tensor, type Tensor } from '../src/index.js';

type BatchNormImpl = nn.functional.BatchNormImpl;

// ---- fixture ------------------------------------------------------------------------------------

/** Python's repr() of a float64. */
type Repr = string;

interface FloatEntry {
  shape: number[];
  data: Repr[];
}

/** num_batches_tracked: an int64 scalar in PyTorch, a JSON integer here. */
interface IntEntry {
  shape: number[];
  data: number[];
}

type StateEntry = FloatEntry | IntEntry;

interface Run {
  name: string;
  optimizer: 'SGD' | 'Adam' | 'AdamW';
  options: optim.SGDOptions & optim.AdamOptions;
  /** The momentum of the two BatchNorm layers (null: cumulative average). */
  bnMomentum: [number | null, number | null];
  losses: Repr[];
  /** Per Linear layer feeding a BatchNorm (by index): max|grad| of its bias after each backward. */
  preBatchNormBiasGrad: Record<string, Repr[]>;
  final: Record<string, StateEntry>;
  evalLogits: FloatEntry;
}

interface Fixture {
  meta: { command: string; torch: string };
  sizes: [number, number, number, number];
  bnEps: number;
  init: Record<string, StateEntry>;
  batches: { x: FloatEntry; y: number[] }[];
  heldOut: { x: FloatEntry };
  runs: Run[];
}

const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/mlp_training.json', import.meta.url), 'utf8'),
) as Fixture;

const REL = 1e-9;
const IMPLS: readonly BatchNormImpl[] = ['fused', 'composite'];

const isInt = (e: StateEntry): e is IntEntry => typeof e.data[0] === 'number';

function floatTensor(e: FloatEntry): Tensor {
  return tensor(e.data.map(Number), { dtype: 'float64', shape: e.shape });
}

function stateTensor(e: StateEntry): Tensor {
  if (isInt(e)) return tensor(Int32Array.from(e.data), { shape: e.shape });
  return floatTensor(e);
}

const initState: nn.StateDict = Object.fromEntries(
  Object.entries(fixture.init).map(([k, e]) => [k, stateTensor(e)]),
);
const batches = fixture.batches.map(({ x, y }) => ({
  x: floatTensor(x),
  y: tensor(Int32Array.from(y)),
}));
const heldOut = floatTensor(fixture.heldOut.x);

// ---- replay -------------------------------------------------------------------------------------

function makeModel(run: Run, impl: BatchNormImpl): nn.Sequential {
  const [a, b, c, d] = fixture.sizes;
  const dtype = 'float64';
  const eps = fixture.bnEps;
  return new nn.Sequential(
    new nn.Linear(a, b, { dtype }),
    new nn.BatchNorm1d(b, { eps, momentum: run.bnMomentum[0], impl, dtype }),
    new nn.ReLU(),
    new nn.Linear(b, c, { dtype }),
    new nn.BatchNorm1d(c, { eps, momentum: run.bnMomentum[1], impl, dtype }),
    new nn.ReLU(),
    new nn.Linear(c, d, { dtype }),
  );
}

function makeOptimizer(run: Run, model: nn.Module): optim.SGD | optim.Adam | optim.AdamW {
  const params = model.parameters();
  if (run.optimizer === 'SGD') return new optim.SGD(params, run.options);
  if (run.optimizer === 'Adam') return new optim.Adam(params, run.options);
  return new optim.AdamW(params, run.options);
}

/** The indices of the Linear layers whose output goes straight into a BatchNorm. */
function preBatchNormLinears(model: nn.Sequential): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < model.length; i++) {
    if (model.at(i) instanceof nn.Linear && model.at(i + 1) instanceof nn.BatchNorm1d) out.push(i);
  }
  return out;
}

/**
 * The gain from a bias gradient that is pure rounding noise to the step: lr/eps for Adam without
 * L2 and for AdamW (see the header); 0 where no term is needed (SGD, whose gain lr/(1 − μ) is 1
 * here, and Adam with L2).
 */
function noiseGain(run: Run): number {
  const { lr = 0, eps = 1e-8, weightDecay = 0 } = run.options;
  if (run.optimizer === 'SGD' || (run.optimizer === 'Adam' && weightDecay !== 0)) return 0;
  return lr / eps;
}

const maxAbs = (xs: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < xs.length; i++) m = Math.max(m, Math.abs(xs[i]));
  return m;
};

/** ‖W‖∞ of a [out, in] matrix: the largest row sum of |w|. */
function infNorm(w: Tensor): number {
  const [rows, cols] = w.shape;
  let m = 0;
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < cols; c++) s += Math.abs(w.data[r * cols + c]);
    m = Math.max(m, s);
  }
  return m;
}

/**
 * A bound on how far the eval logits move when each pre-BatchNorm bias b_i and the following
 * running mean move by up to noise[i] each (so b − running_mean by 2·noise[i]), layer by layer in
 * the ∞-norm: Linear multiplies by ‖W‖∞, eval BatchNorm by max |γ|/√(running_var + eps), ReLU by 1.
 */
function evalNoiseBound(model: nn.Sequential, noise: ReadonlyMap<number, number>): number {
  let d = 0;
  for (let i = 0; i < model.length; i++) {
    const layer = model.at(i);
    if (layer instanceof nn.Linear) {
      d = infNorm(layer.weight) * d + (noise.get(i) ?? 0);
    } else if (layer instanceof nn.BatchNorm1d) {
      const gamma = layer.weight!.data;
      const rv = layer.runningVar!.data;
      let gain = 0;
      for (let c = 0; c < rv.length; c++) {
        gain = Math.max(gain, Math.abs(gamma[c]) / Math.sqrt(rv[c] + layer.eps));
      }
      d = gain * (d + (noise.get(i - 1) ?? 0));
    }
  }
  return d;
}

/** max|got − ref| / max|ref| (plain max|got − ref| when ref is all zeros), and max|ref|. */
function relErr(got: ArrayLike<number>, ref: readonly Repr[]): { rel: number; scale: number } {
  expect(got.length).toBe(ref.length);
  let err = 0;
  let scale = 0;
  for (let i = 0; i < ref.length; i++) {
    const r = Number(ref[i]);
    err = Math.max(err, Math.abs(got[i] - r));
    scale = Math.max(scale, Math.abs(r));
  }
  return { rel: scale > 0 ? err / scale : err, scale };
}

interface Worst {
  value: number;
  where: string;
}

interface Measured {
  loss: Worst;
  /** Relative error of the state-dict entries held to REL alone. */
  state: Worst;
  /** Relative error of the entries that carry the bias noise, and their noise term B/max|ref|. */
  noisy: Worst & { allowance: number };
  logits: number;
  logitsAllowance: number;
}

const measured = new Map<string, Measured>();

function worse(w: Worst, value: number, where: string): void {
  // `!(value <= w.value)` also catches NaN.
  if (!(value <= w.value)) Object.assign(w, { value, where });
}

afterAll(() => {
  if (process.env.MLP_PARITY_REPORT === undefined) return;
  const e = (x: number): string => x.toExponential(2);
  const fmt = (w: Worst): string => `${e(w.value)} (${w.where || '-'})`;
  for (const [key, m] of measured) {
    const noisy = `${fmt(m.noisy)}, noise term ${e(m.noisy.allowance)}`;
    console.log(
      `${key}\n  losses ${fmt(m.loss)}\n  state ${fmt(m.state)}\n  noisy state ${noisy}\n` +
        `  eval logits ${e(m.logits)}, noise term ${e(m.logitsAllowance)}`,
    );
  }
});

// ---- tests --------------------------------------------------------------------------------------

describe('the fixture', () => {
  it('was written by the committed generator against PyTorch 1.13', () => {
    expect(fixture.meta.command).toBe('/usr/bin/python3 scripts/gen_mlp_fixtures.py');
    expect(fixture.meta.torch).toMatch(/^1\.13\./);
  });

  it('has every state-dict key of the model under its PyTorch name, initial and final', () => {
    const keys = Object.keys(makeModel(fixture.runs[0], 'fused').stateDict());
    expect(Object.keys(fixture.init)).toEqual(keys);
    for (const run of fixture.runs) expect(Object.keys(run.final)).toEqual(keys);
  });

  it('covers SGD (momentum, weight decay, Nesterov), Adam (±weight decay), AdamW, momentum None', () => {
    const has = (f: (r: Run) => boolean): boolean => fixture.runs.some(f);
    expect(has((r) => r.optimizer === 'SGD' && r.options.momentum === 0.9)).toBe(true);
    expect(has((r) => r.optimizer === 'SGD' && r.options.weightDecay === 1e-4)).toBe(true);
    expect(has((r) => r.optimizer === 'SGD' && r.options.nesterov === true)).toBe(true);
    expect(has((r) => r.optimizer === 'Adam' && r.options.weightDecay === undefined)).toBe(true);
    expect(has((r) => r.optimizer === 'Adam' && r.options.weightDecay === 1e-4)).toBe(true);
    expect(has((r) => r.optimizer === 'AdamW')).toBe(true);
    expect(has((r) => r.bnMomentum.includes(null))).toBe(true);
    expect(fixture.batches).toHaveLength(8);
  });
});

describe.each(fixture.runs.map((run) => [run.name, run] as const))('training with %s', (_, run) => {
  it.each(IMPLS)(
    'reproduces every loss, the final state dict and the eval logits with %s BatchNorm',
    (impl) => {
      const model = makeModel(run, impl);
      model.loadStateDict(initState);
      model.train();
      const opt = makeOptimizer(run, model);
      const lossFn = new nn.CrossEntropyLoss();
      const params = new Map(model.namedParameters());
      const preBn = preBatchNormLinears(model);
      expect(Object.keys(run.preBatchNormBiasGrad)).toEqual(preBn.map(String));

      // Per pre-BatchNorm Linear i: max_{s≤t} (|g_s^ours| + |g_s^torch|), and its running sum.
      const noiseMax = new Map<number, number>(preBn.map((i) => [i, 0]));
      const noiseSum = new Map<number, number>(preBn.map((i) => [i, 0]));

      const losses = batches.map(({ x, y }, t) => {
        opt.zeroGrad();
        const loss = lossFn.forward(model.forward(x), y);
        loss.backward();
        for (const i of preBn) {
          const ours = maxAbs(params.get(`${i}.bias`)!.grad!.data);
          const torch = Number(run.preBatchNormBiasGrad[i][t]);
          // The premise of the noise term: both gradients are rounding noise of a zero.
          expect(Math.max(ours, torch), `${i}.bias grad at step ${t}`).toBeLessThan(1e-14);
          noiseMax.set(i, Math.max(noiseMax.get(i)!, ours + torch));
          noiseSum.set(i, noiseSum.get(i)! + noiseMax.get(i)!);
        }
        opt.step();
        return loss.item();
      });

      const gain = noiseGain(run);
      const noise = new Map(preBn.map((i) => [i, gain * noiseSum.get(i)!]));
      const noiseOf = new Map<string, number>();
      for (const i of preBn) {
        noiseOf.set(`${i}.bias`, noise.get(i)!);
        noiseOf.set(`${i + 1}.running_mean`, noise.get(i)!);
      }

      const m: Measured = {
        loss: { value: 0, where: '' },
        state: { value: 0, where: '' },
        noisy: { value: 0, where: '', allowance: 0 },
        logits: 0,
        logitsAllowance: 0,
      };
      measured.set(`${run.name}, ${impl}`, m);

      const failures: string[] = [];
      losses.forEach((got, k) => {
        const ref = Number(run.losses[k]);
        const rel = Math.abs(got - ref) / Math.abs(ref);
        worse(m.loss, rel, `step ${k}`);
        if (!(rel <= REL)) failures.push(`loss at step ${k}: ${got} vs ${ref} (rel ${rel})`);
      });

      const final = model.stateDict();
      for (const [key, ref] of Object.entries(run.final)) {
        const got = final[key];
        expect(got.shape, key).toEqual(ref.shape);
        if (isInt(ref)) {
          expect(got.dtype, key).toBe('int32');
          expect(Array.from(got.data), key).toEqual(ref.data);
          continue;
        }
        expect(got.dtype, key).toBe('float64');
        const { rel, scale } = relErr(got.data, ref.data);
        const extra = noiseOf.get(key);
        const allowed = REL + (extra ?? 0) / scale;
        if (extra === undefined) {
          worse(m.state, rel, key);
        } else if (!(rel <= m.noisy.value)) {
          Object.assign(m.noisy, { value: rel, where: key, allowance: extra / scale });
        }
        if (!(rel <= allowed)) failures.push(`${key}: rel ${rel} > ${allowed}`);
      }

      model.eval();
      const logits = noGrad(() => model.forward(heldOut));
      expect(logits.shape).toEqual(run.evalLogits.shape);
      const { rel, scale } = relErr(logits.data, run.evalLogits.data);
      m.logits = rel;
      m.logitsAllowance = evalNoiseBound(model, noise) / scale;
      if (!(rel <= REL + m.logitsAllowance)) {
        failures.push(`eval logits: rel ${rel} > ${REL + m.logitsAllowance}`);
      }

      expect(failures).toEqual([]);
    },
  );
});
