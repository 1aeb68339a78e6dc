/** The shape of `bench/results.json`, and the ratios computed from it. */
import { JS_PEERS, rowLabel, type FrameworkId, type Row } from '../frameworks/types.js';
import type { Probe, Stats } from './measure.js';
import { throughput, tolerance, type Workload } from './workloads.js';

export interface Cell {
  workload: string;
  row: Row;
  label: string;
  status: 'ok' | 'skipped' | 'unfinished' | 'error';
  stats?: Stats;
  probe?: Probe;
  /** Why skipped, the error, or how far an unfinished epoch got. */
  message?: string;
  /** Seconds an unfinished call ran before it was stopped. */
  seconds?: number;
  throughput?: { value: number; unit: string };
  /** Median time ÷ PyTorch (1 thread, fused op where there are two) median time. */
  vsPytorch?: number;
  /** Median time ÷ the fastest JS peer's median time. */
  vsBestJsPeer?: number;
  /** Largest probe deviation from tapegrad (fused), relative to each probe group's scale. */
  deviation?: number;
  agrees?: boolean;
}

export interface SavedForBackward {
  shape: number[];
  dtype: string;
  impl: string;
  nodes: number;
  savedBytes: number;
  newBytes: number;
  inputBytes: number;
}

export interface Results {
  meta: {
    date: string;
    command: string;
    partial: boolean;
    machine: { nproc: number; cpu: string; memoryGiB: number; os: string; node: string };
    frameworks: Partial<Record<FrameworkId, string>>;
    notes: string[];
    budget: {
      box: number;
      minSamples: number;
      cap: number;
      epochCap: number;
      epochDeadline: number;
    };
    /** /proc/loadavg (1, 5, 15 min) when the run started and ended: other jobs skew timings. */
    load: { start: string; end: string };
    seconds: number;
  };
  workloads: Workload[];
  cells: Cell[];
  savedForBackward: SavedForBackward[];
}

export function isPytorchReference(row: Row): boolean {
  return row.framework === 'pytorch' && row.threads === 1 && row.variant !== 'composite';
}

function isTapegradReference(row: Row): boolean {
  return row.framework === 'tapegrad' && row.variant !== 'composite';
}

/** Fills throughput, ratios and agreement of the cells of one workload. */
export function annotate(w: Workload, cells: Cell[]): void {
  const ok = cells.filter((c) => c.status === 'ok' && c.stats !== undefined);
  const pytorch = ok.find((c) => isPytorchReference(c.row))?.stats?.median;
  const peers = ok.filter((c) => JS_PEERS.includes(c.row.framework));
  const best = peers.length > 0 ? Math.min(...peers.map((c) => c.stats!.median)) : undefined;
  const ref = ok.find((c) => isTapegradReference(c.row))?.probe;
  for (const c of ok) {
    const m = c.stats!.median;
    c.throughput = throughput(w, m);
    if (pytorch !== undefined) c.vsPytorch = m / pytorch;
    if (best !== undefined) c.vsBestJsPeer = m / best;
    if (ref !== undefined && c.probe !== undefined && !isTapegradReference(c.row)) {
      let worst = 0;
      let agrees = true;
      for (const [group, want] of Object.entries(ref)) {
        const got = c.probe[group];
        if (got === undefined || got.length !== want.length) {
          worst = Infinity;
          agrees = false;
          continue;
        }
        const scale = Math.max(...want.map(Math.abs), 1e-30);
        const dev = Math.max(...got.map((v, i) => Math.abs(v - want[i]) / scale));
        const bad = !(dev <= tolerance(w, group));
        worst = Math.max(worst, Number.isNaN(dev) ? Infinity : dev);
        if (bad) agrees = false;
      }
      c.deviation = worst;
      c.agrees = agrees;
    }
  }
}

export { rowLabel };

/** What `bench/soak.ts` writes to `bench/soak.json`. */
export interface SoakResult {
  date: string;
  command: string;
  node: string;
  steps: number;
  batchSize: number;
  impl: string;
  every: number;
  gcExposed: boolean;
  seconds: number;
  samples: { step: number; heapUsed: number; arrayBuffers: number; rss: number }[];
  /** Least-squares slope of heapUsed over steps, bytes per step (samples after warm-up). */
  heapSlope: number;
  /** The same for the typed arrays outside the JS heap (`arrayBuffers`). */
  arrayBuffersSlope: number;
  /** Growth over the steps the fit spans, as the slope predicts it. */
  heapGrowth: number;
  flat: boolean;
  threshold: string;
}
