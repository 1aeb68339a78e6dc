/**
 * `tapegrad/testing`: the proof that a fused op equals the composite it replaces, as a tool.
 *
 * A fused op (one primitive with a hand-written backward, see `autograd.definePrimitive`) is fast
 * but its backward is code a human wrote; its composite (public ops only) is slow but its
 * gradients come from the engine. {@link proveFusedEqualsComposite} runs a fast-check property
 * over generated inputs: both functions must agree on their outputs, on every input gradient for
 * a random upstream gradient, on the inputs they change in place (running statistics), on second
 * derivatives along random directions, and, optionally, both must pass `gradcheck` and
 * `gradgradcheck`. On failure it throws a {@link FusedMismatchError} holding the shrunk
 * counterexample and a readable report.
 *
 * fast-check is an optional peer dependency, needed only by this entry point.
 *
 * @example
 * ```ts
 * import fc from 'fast-check';
 * import { autograd, sigmoid, type Tensor } from 'tapegrad';
 * import { proveFusedEqualsComposite, tensorArbitrary } from 'tapegrad/testing';
 *
 * // silu(x) = x·σ(x), fused: d/dx = σ(x)·(1 + x·(1 − σ(x))).
 * const siluP = autograd.definePrimitive({
 *   name: 'silu',
 *   backwardName: 'SiluBackward0',
 *   forward: ([x]) => ({ out: x.detach().mul(sigmoid(x.detach())), saved: [x] as const }),
 *   vjp: ({ g, saved: [x] }) => {
 *     const s = sigmoid(x);
 *     return [g.mul(s.mul(x.mul(s.neg().add(1)).add(1)))];
 *   },
 * });
 * const siluFused = (x: Tensor): Tensor => autograd.apply(siluP, [x], null);
 * const siluComposite = (x: Tensor): Tensor => x.mul(sigmoid(x));
 *
 * proveFusedEqualsComposite({
 *   name: 'silu',
 *   fused: siluFused,
 *   composite: siluComposite,
 *   inputs: fc.tuple(tensorArbitrary([3, 4], { requiresGrad: true })),
 *   gradcheck: true,
 *   numRuns: 50,
 *   seed: 42,
 * });
 * ```
 *
 * @module
 */
import fc from 'fast-check';
import { compareVjp, formatReport, type VjpReport } from '../autograd/compare.js';
import {
  gradcheck as runGradcheck,
  gradgradcheck as runGradgradcheck,
  type GradcheckOptions,
  type TensorFn,
} from '../autograd/gradcheck.js';
import { GradcheckError } from '../errors.js';
import { tensor } from '../ops/creation.js';
import type { FloatDType } from '../tensor/dtype.js';
import { fmtShape } from '../tensor/shape.js';
import { scoped, type Tensor } from '../tensor/tensor.js';

/** One generated case: the inputs, and the non-tensor parameters both functions are built from. */
export interface ProofCase<P> {
  readonly inputs: readonly Tensor[];
  readonly params: P;
}

/** Allowed differences: a quantity fails when max|a − b| > atol AND max|a − b| > rtol·max|b|. */
export interface Tolerance {
  /** Relative to the composite's largest magnitude (1e-10 with float64 inputs, else 1e-5). */
  rtol?: number;
  /** Absolute floor, for quantities that are all tiny (1e-12 with float64 inputs, else 1e-6). */
  atol?: number;
}

/** What every proof takes besides the functions and their inputs. */
export interface ProofSettings {
  /** The op's name in messages. */
  name?: string;
  /** Allowed differences (see {@link Tolerance}). */
  tolerance?: Tolerance;
  /** 1: outputs and gradients; 2: also second derivatives along random directions (default 2). */
  order?: 1 | 2;
  /**
   * Also run `gradcheck` (and `gradgradcheck` at order 2) on both functions for every case; the
   * inputs that require grad must then be float64 (default false).
   */
  gradcheck?: boolean;
  /** Options for `gradcheck` / `gradgradcheck` (their defaults otherwise). */
  gradcheckOptions?: GradcheckOptions;
  /** Cases to generate (default: fast-check's global setting, 100 unless configured). */
  numRuns?: number;
  /** fast-check seed, for a reproducible proof (default: fast-check's global setting). */
  seed?: number;
}

/** The simple form: two functions of the same tensors. */
export interface ProofOptions extends ProofSettings {
  /** The fused op under test. */
  fused: TensorFn;
  /** The composite it must equal. */
  composite: TensorFn;
  /** The inputs to call both on (tensors that require grad are differentiated). */
  inputs: fc.Arbitrary<readonly Tensor[]>;
}

/** The parametrised form: both functions are built from each case's parameters. */
export interface ParamProofOptions<P> extends ProofSettings {
  /** Builds the fused op under test for a case's parameters. */
  fused(params: P): TensorFn;
  /** Builds the composite it must equal. */
  composite(params: P): TensorFn;
  /** Cases: inputs and parameters together, since shapes usually depend on the parameters. */
  cases: fc.Arbitrary<ProofCase<P>>;
}

/** What a successful proof measured. */
export interface ProofResult {
  /** How many cases ran. */
  numRuns: number;
  /** The largest max|a − b| over every quantity of every case. */
  maxAbs: number;
  /** The largest max|a − b|/max|b| over every quantity of every case. */
  maxRel: number;
  /**
   * The quantity that came closest to failing: the largest min(maxAbs/atol, maxRel/rtol) (below
   * 1 for a proof that passed), with its case's upstream seed.
   */
  closest: { name: string; maxAbs: number; maxRel: number; ratio: number } | null;
}

/**
 * Thrown when fused and composite disagree (or one fails gradcheck): the message holds the op,
 * the failing check, the shrunk counterexample (shapes, dtypes, values, parameters), the report
 * of every compared quantity, and the fast-check seed and path that replay it.
 */
export class FusedMismatchError extends GradcheckError {
  /** The smallest failing case fast-check found (null when the failure was not per case). */
  readonly counterexample: ProofCase<unknown> | null;
  /** The comparison of that case, or null when gradcheck failed before comparing. */
  readonly report: VjpReport | null;
  /** The fast-check seed and path of the counterexample, to replay it. */
  readonly seed: number | null;
  readonly path: string | null;

  constructor(
    message: string,
    details: {
      counterexample?: ProofCase<unknown> | null;
      report?: VjpReport | null;
      seed?: number | null;
      path?: string | null;
    } = {},
  ) {
    super(message);
    this.name = 'FusedMismatchError';
    this.counterexample = details.counterexample ?? null;
    this.report = details.report ?? null;
    this.seed = details.seed ?? null;
    this.path = details.path ?? null;
  }
}

/** Options of {@link tensorArbitrary}. */
export interface TensorArbitraryOptions {
  /** float64 (default) or float32. */
  dtype?: FloatDType;
  /** Range of the values (default −3 to 3). */
  min?: number;
  max?: number;
  /** Whether the generated tensor requires grad (default false). */
  requiresGrad?: boolean;
}

/**
 * A fast-check arbitrary of tensors of one shape, with values in [min, max].
 * @example fc.tuple(tensorArbitrary([2, 3], { requiresGrad: true }))
 */
export function tensorArbitrary(
  shape: readonly number[],
  options: TensorArbitraryOptions = {},
): fc.Arbitrary<Tensor> {
  const { dtype = 'float64', min = -3, max = 3, requiresGrad = false } = options;
  const size = shape.reduce((a, b) => a * b, 1);
  return fc
    .array(fc.double({ min, max, noNaN: true }), { minLength: size, maxLength: size })
    .map((values) => tensor(Float64Array.from(values), { shape: [...shape], dtype, requiresGrad }));
}

/** A case as readable text: each input's dtype, shape and values, and the parameters. */
export function describeCase(c: ProofCase<unknown>): string {
  const lines = c.inputs.map(
    (t, i) =>
      `  input ${i}: ${t.dtype} ${fmtShape(t.shape)}${t.requiresGrad ? ' (requires grad)' : ''} = ` +
      t.toString().replace(/\n/g, '\n    '),
  );
  if (c.params !== undefined) lines.unshift(`  params: ${JSON.stringify(c.params)}`);
  return lines.join('\n');
}

interface Resolved<P> extends ProofSettings {
  fused(params: P): TensorFn;
  composite(params: P): TensorFn;
}

/** Internal failure of one case, carrying its report to the error thrown at the end. */
class CaseFailure extends Error {
  constructor(
    message: string,
    readonly report: VjpReport | null,
  ) {
    super(message);
  }
}

/**
 * Checks ONE case: compares fused and composite (outputs, input gradients for a random upstream
 * gradient of seed `seed`, inputs changed in place and, at order 2, second derivatives) and, with
 * `gradcheck`, runs gradcheck/gradgradcheck on both. Returns the report, or throws a
 * {@link FusedMismatchError}. This is the body of the property {@link proveFusedEqualsComposite}
 * runs; a `@fast-check/vitest` suite can call it directly.
 *
 * @example
 * ```ts
 * test.prop([cases, fc.nat()])('fused equals composite', (c, seed) => {
 *   checkFusedEqualsComposite({ fused, composite }, c, seed);
 * });
 * ```
 */
export function checkFusedEqualsComposite<P>(
  options: Resolved<P>,
  c: ProofCase<P>,
  seed = 0,
): VjpReport {
  try {
    return checkCase(options, c, seed);
  } catch (e) {
    if (!(e instanceof CaseFailure)) throw e;
    throw new FusedMismatchError(`${e.message}\ncase:\n${describeCase(c)}`, {
      counterexample: c,
      report: e.report,
    });
  }
}

function tolerances(options: ProofSettings, inputs: readonly Tensor[]): Required<Tolerance> {
  const single = inputs.every((t) => t.dtype !== 'float64');
  const { rtol = single ? 1e-5 : 1e-10, atol = single ? 1e-6 : 1e-12 } = options.tolerance ?? {};
  return { rtol, atol };
}

function checkCase<P>(options: Resolved<P>, c: ProofCase<P>, seed: number): VjpReport {
  const { name = 'fused op', order = 2, gradcheck = false, gradcheckOptions = {} } = options;
  const { rtol, atol } = tolerances(options, c.inputs);
  const fused = options.fused(c.params);
  const composite = options.composite(c.params);
  const report = compareVjp(fused, composite, c.inputs, { seed, order });
  const bad = report.differences.filter(
    (d) => !(d.maxAbs <= atol || d.maxRel <= rtol) || Number.isNaN(d.maxAbs),
  );
  if (bad.length > 0) {
    throw new CaseFailure(
      `${name}: fused and composite differ in ${bad.map((d) => d.name).join(', ')} ` +
        `(beyond rtol ${rtol} / atol ${atol}; upstream seed ${seed})\n${formatReport(report)}`,
      report,
    );
  }
  if (gradcheck) {
    for (const [which, fn] of [
      ['fused', fused],
      ['composite', composite],
    ] as const) {
      const checks: [string, typeof runGradcheck][] = [['gradcheck', runGradcheck]];
      if (order === 2) checks.push(['gradgradcheck', runGradgradcheck]);
      for (const [checkName, check] of checks) {
        try {
          scoped('proof', () => check(fn, c.inputs, { seed, ...gradcheckOptions }));
        } catch (e) {
          if (!(e instanceof GradcheckError)) throw e;
          throw new CaseFailure(`${name}: ${which} fails ${checkName}: ${e.message}`, report);
        }
      }
    }
  }
  return report;
}

/**
 * Proves, by a fast-check property over generated cases, that `fused` equals `composite`: see the
 * module doc for what is compared. Returns the largest differences measured; throws a
 * {@link FusedMismatchError} with the shrunk counterexample otherwise.
 *
 * @example
 * ```ts
 * proveFusedEqualsComposite({
 *   fused: siluFused,
 *   composite: (x) => x.mul(sigmoid(x)),
 *   inputs: fc.tuple(tensorArbitrary([3, 4], { requiresGrad: true })),
 *   seed: 42,
 * });
 * ```
 */
export function proveFusedEqualsComposite(options: ProofOptions): ProofResult;
export function proveFusedEqualsComposite<P>(options: ParamProofOptions<P>): ProofResult;
export function proveFusedEqualsComposite<P>(
  options: ProofOptions | ParamProofOptions<P>,
): ProofResult {
  if ('cases' in options) return prove(options, options.cases);
  const { fused, composite, inputs, ...settings } = options;
  const resolved: Resolved<undefined> = {
    ...settings,
    fused: () => fused,
    composite: () => composite,
  };
  const cases = inputs.map((xs): ProofCase<undefined> => ({ inputs: xs, params: undefined }));
  return prove(resolved, cases);
}

function prove<P>(options: Resolved<P>, cases: fc.Arbitrary<ProofCase<P>>): ProofResult {
  const { name = 'fused op' } = options;
  let maxAbs = 0;
  let maxRel = 0;
  let runs = 0;
  let closest: ProofResult['closest'] = null;
  const property = fc.property(cases, fc.nat(0x7fffffff), (c, upstreamSeed) => {
    const report = checkCase(options, c, upstreamSeed);
    const { rtol, atol } = tolerances(options, c.inputs);
    runs++;
    maxAbs = Math.max(maxAbs, report.maxAbs);
    maxRel = Math.max(maxRel, report.maxRel);
    for (const d of report.differences) {
      const ratio = Math.min(d.maxAbs / atol, d.maxRel / rtol);
      if (closest === null || ratio > closest.ratio) {
        closest = { name: d.name, maxAbs: d.maxAbs, maxRel: d.maxRel, ratio };
      }
    }
  });
  const params: fc.Parameters<[ProofCase<P>, number]> = {};
  if (options.numRuns !== undefined) params.numRuns = options.numRuns;
  if (options.seed !== undefined) params.seed = options.seed;
  const details = fc.check(property, params);
  if (details.failed) {
    const error = details.errorInstance;
    const [c] = details.counterexample ?? [null];
    const why =
      error instanceof Error
        ? error.message
        : `the property failed (${String(error ?? 'unknown')})`;
    const replay = `replay with seed ${details.seed}, path "${details.counterexamplePath}"`;
    throw new FusedMismatchError(
      `proveFusedEqualsComposite: ${name}: counterexample after ${details.numRuns} run(s) and ` +
        `${details.numShrinks} shrink(s) (${replay}):\n${why}` +
        (c === null ? '' : `\ncase:\n${describeCase(c)}`),
      {
        counterexample: c,
        report: error instanceof CaseFailure ? error.report : null,
        seed: details.seed,
        path: details.counterexamplePath,
      },
    );
  }
  // Only the successful runs of the shrink-free pass count; all of them succeeded.
  return { numRuns: details.numRuns || runs, maxAbs, maxRel, closest };
}
