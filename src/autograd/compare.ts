/**
 * "Fused equals composite" as a user-facing check: run two functions of the same signature on
 * the same inputs with the same random upstream gradients, and measure how far their outputs,
 * their input gradients, the state they change in place and (order 2) their second derivatives
 * along random directions lie apart.
 */
import { GradcheckError } from '../errors.js';
import { MT19937 } from '../ops/generator.js';
import { fmtShape } from '../tensor/shape.js';
import { emptyTensor, scoped, Tensor } from '../tensor/tensor.js';
import { abs, eq, mul, ne, sub, where } from '../ops/elementwise.js';
import { max } from '../ops/reduce.js';
import { isFloat, type FloatStorage } from '../tensor/dtype.js';
import { grad } from './engine.js';
import type { TensorFn } from './gradcheck.js';

/** Options of `compareVjp`. */
export interface CompareOptions {
  /** Seed of the random upstream gradients and directions (default 0). */
  seed?: number;
  /** 1: outputs and gradients; 2: also second derivatives along random directions (default 1). */
  order?: 1 | 2;
}

/** How far two tensors lie apart. */
export interface Difference {
  /** What was compared: `output 0`, `grad input 1`, `input 2 after call`, `second-order input 0`. */
  name: string;
  /** The shape of the compared quantity. */
  shape: readonly number[];
  /** max |a − b|. */
  maxAbs: number;
  /** max |a − b| / max |b|: the largest error relative to the reference's largest magnitude. */
  maxRel: number;
}

/** What `compareVjp` measured: one row per compared quantity, and the worst of them. */
export interface VjpReport {
  /** Outputs, input gradients, inputs changed in place and (order 2) second derivatives. */
  differences: Difference[];
  /** The largest `maxAbs` of all rows. */
  maxAbs: number;
  /** The largest `maxRel` of all rows. */
  maxRel: number;
}

/** max |t| in float64, 0 for an empty tensor; NaN when t holds one. */
function maxAbsOf(t: Tensor): number {
  return t.size === 0 ? 0 : Math.max(0, max(abs(t)).item());
}

function difference(name: string, a: Tensor | null, b: Tensor | null): Difference {
  if (a === null || b === null) {
    const t = a ?? b;
    if (t === null) return { name, shape: [], maxAbs: 0, maxRel: 0 };
    // One side has no gradient (it does not depend on that input): compare with zeros.
    const m = maxAbsOf(t.detach().double());
    return { name, shape: t.shape, maxAbs: m, maxRel: m === 0 ? 0 : Infinity };
  }
  if (a.size !== b.size) {
    throw new GradcheckError(
      `compareVjp: ${name} has shape ${fmtShape(a.shape)} in a but ${fmtShape(b.shape)} in b`,
    );
  }
  const x = a.detach().double().reshape(-1);
  const y = b.detach().double().reshape(-1);
  // Equal values (infinities included) differ by 0; a NaN on one side only is an infinite difference.
  const same = where(eq(x, y), 1, mul(ne(x, x), ne(y, y)));
  const d = where(same, 0, abs(sub(x, y)));
  const maxAbs = maxAbsOf(where(ne(d, d), Infinity, d));
  const scale = maxAbsOf(y);
  return { name, shape: a.shape, maxAbs, maxRel: maxAbs === 0 ? 0 : maxAbs / scale };
}

function asList(out: Tensor | readonly Tensor[]): readonly Tensor[] {
  return out instanceof Tensor ? [out] : out;
}

function fresh(t: Tensor): Tensor {
  const c = t.detach().clone();
  return t.requiresGrad ? c.requiresGrad_(true) : c;
}

function randomLike(t: Tensor, gen: MT19937): Tensor {
  const out = emptyTensor(t.shape, t.dtype === 'float32' ? 'float32' : 'float64');
  gen.fillStandardNormal(out.data as FloatStorage);
  return out;
}

interface Run {
  outs: readonly Tensor[];
  grads: (Tensor | null)[];
  inputs: Tensor[];
  second: (Tensor | null)[];
}

/**
 * Compares `a` and `b` on copies of `inputs` (each function gets its own copies, so state a
 * function changes in place, such as running statistics, is compared too).
 *
 * @example
 * ```ts
 * const report = autograd.compareVjp(myFusedOp, myCompositeOp, [x, w], { order: 2 });
 * console.log(autograd.formatReport(report));
 * ```
 */
export function compareVjp(
  a: TensorFn,
  b: TensorFn,
  inputs: readonly Tensor[],
  options: CompareOptions = {},
): VjpReport {
  // Both runs, their graphs and the differences are dead once the report holds its numbers.
  return scoped('compareVjp', () => compare(a, b, inputs, options));
}

function compare(
  a: TensorFn,
  b: TensorFn,
  inputs: readonly Tensor[],
  options: CompareOptions,
): VjpReport {
  const { seed = 0, order = 1 } = options;
  const run = (fn: TensorFn): Run => {
    const gen = new MT19937(seed);
    const xs = inputs.map(fresh);
    const outs = asList(fn(...xs));
    const live = outs.filter((o) => o.requiresGrad && isFloat(o.dtype));
    const vs = live.map((o) => randomLike(o, gen));
    const wrt = xs.filter((t) => t.requiresGrad);
    const grads =
      live.length === 0 || wrt.length === 0
        ? wrt.map(() => null)
        : grad(live, wrt, { gradOutputs: vs, allowUnused: true, createGraph: order === 2 });
    let second: (Tensor | null)[] = [];
    if (order === 2) {
      // s = Σᵢ ⟨gradᵢ, uᵢ⟩ for random uᵢ; its gradient is the Hessian-vector product H·u.
      let s: Tensor | null = null;
      grads.forEach((g, i) => {
        const u = randomLike(wrt[i], gen);
        if (g !== null && g.requiresGrad) s = s === null ? g.mul(u).sum() : s.add(g.mul(u).sum());
      });
      second = s === null ? wrt.map(() => null) : grad(s, wrt, { allowUnused: true });
    }
    return { outs, grads, inputs: xs, second };
  };
  const ra = run(a);
  const rb = run(b);
  const differences: Difference[] = [];
  ra.outs.forEach((o, i) => differences.push(difference(`output ${i}`, o, rb.outs[i] ?? null)));
  const gradIndex = inputs.map((t, i) => ({ t, i })).filter(({ t }) => t.requiresGrad);
  gradIndex.forEach(({ i }, k) =>
    differences.push(difference(`grad input ${i}`, ra.grads[k], rb.grads[k])),
  );
  inputs.forEach((t, i) => {
    if (!t.requiresGrad)
      differences.push(difference(`input ${i} after call`, ra.inputs[i], rb.inputs[i]));
  });
  if (order === 2) {
    gradIndex.forEach(({ i }, k) =>
      differences.push(
        difference(`second-order input ${i}`, ra.second[k] ?? null, rb.second[k] ?? null),
      ),
    );
  }
  return {
    differences,
    maxAbs: Math.max(0, ...differences.map((d) => d.maxAbs)),
    maxRel: Math.max(0, ...differences.map((d) => d.maxRel)),
  };
}

/**
 * The report as an aligned table, one row per compared quantity.
 * @example console.log(autograd.formatReport(autograd.compareVjp(fused, composite, [x])));
 */
export function formatReport(report: VjpReport): string {
  const rows = report.differences.map((d) => [
    d.name,
    fmtShape(d.shape),
    d.maxAbs.toExponential(3),
    d.maxRel.toExponential(3),
  ]);
  const header = ['quantity', 'shape', 'max abs diff', 'max rel diff'];
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const line = (r: string[]): string => r.map((c, j) => c.padEnd(widths[j])).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

/** Options of `assertSameVjp`: those of `compareVjp` plus the tolerances. */
export interface AssertSameOptions extends CompareOptions {
  /** Allowed max |a − b| / max |b| per quantity (1e-10 if any input is float64, else 1e-5). */
  rtol?: number;
  /** Allowed max |a − b| regardless of scale (1e-12 if any input is float64, else 1e-6). */
  atol?: number;
}

/**
 * Throws a `GradcheckError` carrying the report when any quantity differs by more than both
 * `atol` and `rtol·max|b|` (maxAbs > atol and maxRel > rtol); returns the report otherwise.
 *
 * @example
 * ```ts
 * autograd.assertSameVjp(fused, composite, [x, w, b], { order: 2, rtol: 1e-10 });
 * ```
 */
export function assertSameVjp(
  a: TensorFn,
  b: TensorFn,
  inputs: readonly Tensor[],
  options: AssertSameOptions = {},
): VjpReport {
  const single = inputs.every((t) => t.dtype !== 'float64');
  const { rtol = single ? 1e-5 : 1e-10, atol = single ? 1e-6 : 1e-12 } = options;
  const report = compareVjp(a, b, inputs, options);
  const bad = report.differences.filter((d) => d.maxAbs > atol && d.maxRel > rtol);
  if (bad.length > 0) {
    throw new GradcheckError(
      `assertSameVjp: ${bad.map((d) => d.name).join(', ')} differ beyond rtol ${rtol} / atol ${atol}\n${formatReport(report)}`,
    );
  }
  return report;
}
