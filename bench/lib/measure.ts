/**
 * Timing: a first call (which also warms up JIT compilers and yields the values for the agreement
 * check), then samples until a time box is spent, through tinybench. Calls slower than a second
 * are sampled by hand a few times within a cap per cell, the first call counting as a sample.
 */
import { importPeer, type TinyBench } from './peers.js';

/** Outputs of the last call at the probe indices, by quantity (`y`, `dx`, …). */
export type Probe = Record<string, number[]>;

/** One framework running one workload. */
export interface Case {
  /** One timed call: forward (and backward where the workload has one), results computed. */
  run(): void | Promise<void>;
  /** Untimed work before each call, such as clearing accumulated gradients. */
  reset?(): void;
  /** The last call's outputs at the probe indices. */
  probe(): Probe | Promise<Probe>;
  /** Set when the last call stopped at its deadline: how far it got. */
  unfinished?(): string | null;
  dispose?(): void;
}

export interface Budget {
  /** Seconds of sampling per cell for calls that are fast enough. */
  box: number;
  /** Samples at least (time permitting). */
  minSamples: number;
  /** Seconds one cell may take in all when its calls are slow. */
  cap: number;
}

export interface Stats {
  /** Seconds. */
  median: number;
  q1: number;
  q3: number;
  min: number;
  max: number;
  n: number;
}

export type Measurement =
  | { status: 'ok'; stats: Stats; probe: Probe }
  | { status: 'unfinished'; seconds: number; progress: string }
  | { status: 'error'; message: string };

/** Quantile with linear interpolation between order statistics (NumPy's default). */
export function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function summarize(samples: readonly number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  return {
    median: quantile(s, 0.5),
    q1: quantile(s, 0.25),
    q3: quantile(s, 0.75),
    min: s[0],
    max: s[s.length - 1],
    n: s.length,
  };
}

const SLOW_CALL = 1;

async function timeOnce(c: Case): Promise<number> {
  c.reset?.();
  const t0 = performance.now();
  await c.run();
  return (performance.now() - t0) / 1000;
}

let tinybench: TinyBench | null = null;

export async function measure(c: Case, budget: Budget, isAsync: boolean): Promise<Measurement> {
  try {
    const first = await timeOnce(c);
    const stopped = c.unfinished?.() ?? null;
    if (stopped !== null) return { status: 'unfinished', seconds: first, progress: stopped };
    const probe = await c.probe();
    let samples: number[];
    if (first >= SLOW_CALL) {
      samples = [first];
      let spent = first;
      while (samples.length < budget.minSamples && spent + first <= budget.cap) {
        const t = await timeOnce(c);
        if (c.unfinished?.() != null) break;
        samples.push(t);
        spent += t;
      }
      // A first call dominated by compilation or warm-up is not a sample of the steady state.
      const rest = samples.slice(1);
      if (rest.length >= 2 && first > 1.5 * summarize(rest).median) samples = rest;
    } else {
      // A second untimed call when the first was quick: JIT tiers settle after a few calls.
      if (first < budget.box / 4) await timeOnce(c);
      tinybench ??= await importPeer<TinyBench>('tinybench');
      const fits = first * budget.minSamples <= budget.box;
      const bench = new tinybench.Bench({
        time: fits ? budget.box * 1000 : 0,
        iterations: fits
          ? budget.minSamples
          : Math.max(2, Math.min(budget.minSamples, Math.floor(budget.cap / first))),
        warmup: false,
        retainSamples: true,
        throws: true,
      });
      const run = (): void | Promise<void> => c.run();
      bench.add('case', run, {
        async: isAsync,
        beforeEach: () => {
          c.reset?.();
        },
      });
      await bench.run();
      const result = bench.tasks[0].result;
      if (result.state !== 'completed' || result.latency.samples === undefined) {
        return { status: 'error', message: `tinybench: task ${result.state}` };
      }
      samples = result.latency.samples.map((ms) => ms / 1000);
    }
    return { status: 'ok', stats: summarize(samples), probe };
  } catch (e) {
    return { status: 'error', message: e instanceof Error ? e.message : String(e) };
  } finally {
    c.dispose?.();
  }
}
