/** The shape of `bench/results.json`, and the ratios computed from it. */
import { existsSync, readFileSync } from 'node:fs';
import {
  implOf,
  isBackwardForm,
  JS_PEERS,
  rowLabel,
  type FrameworkId,
  type Row,
} from '../frameworks/types.js';
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
  /**
   * Median time ÷ PyTorch's median time (1 thread, the fused op where there are two, in the same
   * gradient form: `backward()` rows against PyTorch's `backward()` row, the others against its
   * `autograd.grad` row).
   */
  vsPytorch?: number;
  /** Median time ÷ the fastest JS peer's median time. */
  vsBestJsPeer?: number;
  /** Largest probe deviation from tapegrad (fused), relative to each probe group's scale. */
  deviation?: number;
  agrees?: boolean;
  /**
   * tapegrad: tensors made during the cell that got a plain typed array because the tensor
   * memory was at its limit (`memoryStats().fallbacks`); absent when none.
   */
  fallbacks?: number;
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

/**
 * Whether `row` is a PyTorch row that others are compared with: 1 thread, the fused op, in
 * either gradient form (each form has its own reference, see `Cell.vsPytorch`).
 */
export function isPytorchReference(row: Row): boolean {
  return row.framework === 'pytorch' && row.threads === 1 && implOf(row.variant) !== 'composite';
}

/** The row whose probes the others are checked against: tapegrad's fused op, `autograd.grad`. */
function isTapegradReference(row: Row): boolean {
  return row.framework === 'tapegrad' && (row.variant === undefined || row.variant === 'fused');
}

/** Fills throughput, ratios and agreement of the cells of one workload. */
export function annotate(w: Workload, cells: Cell[]): void {
  const ok = cells.filter((c) => c.status === 'ok' && c.stats !== undefined);
  const pytorch = (row: Row): number | undefined =>
    ok.find(
      (c) =>
        isPytorchReference(c.row) && isBackwardForm(c.row.variant) === isBackwardForm(row.variant),
    )?.stats?.median;
  const peers = ok.filter((c) => JS_PEERS.includes(c.row.framework));
  const best = peers.length > 0 ? Math.min(...peers.map((c) => c.stats!.median)) : undefined;
  const ref = ok.find((c) => isTapegradReference(c.row))?.probe;
  for (const c of ok) {
    const m = c.stats!.median;
    c.throughput = throughput(w, m);
    const reference = pytorch(c.row);
    if (reference !== undefined) c.vsPytorch = m / reference;
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

/** One sample of `bench/soak.ts`: process memory and the tensor memory (`memoryStats()`). */
export interface SoakSample {
  step: number;
  heapUsed: number;
  arrayBuffers: number;
  rss: number;
  /** The WebAssembly memory's size (it never shrinks: its largest value is its peak). */
  memoryBytes: number;
  /** Bytes in pool blocks that tensors hold. */
  liveBytes: number;
  /** Pool blocks that tensors hold. */
  liveBlocks: number;
  /** Tensors so far that got a plain typed array because the memory was at its limit. */
  fallbacks: number;
}

export const SOAK_METRICS = [
  'heapUsed',
  'arrayBuffers',
  'rss',
  'memoryBytes',
  'liveBytes',
  'liveBlocks',
  'fallbacks',
] as const;
export type SoakMetric = (typeof SOAK_METRICS)[number];

/** How one metric behaved over a soak run. */
export interface SoakTrend {
  /** Unit of `peak`, `slope` (per step) and `growth`. */
  unit: 'B' | 'blocks' | 'tensors';
  /**
   * The largest value seen: over the samples, and for rss and the tensor memory's figures also
   * right after every step (without a collection first), so that what piles up between
   * samples counts.
   */
  peak: number;
  /** Least-squares slope over the samples after warm-up, per step. */
  slope: number;
  /** Growth over the fitted span, as the slope predicts it. */
  growth: number;
  /** Growth below `threshold`. */
  flat: boolean;
  threshold: number;
}

/** One soak run: the demo network trained with or without `tidy` around each step. */
export interface SoakRun {
  tidy: boolean;
  /** Steps done (fewer than asked when the run stopped at an error). */
  steps: number;
  seconds: number;
  lastLoss: number;
  samples: SoakSample[];
  /** Samples the slopes are fitted to (those after warm-up); fewer than 3 give no verdict. */
  fitted: number;
  trends: Record<SoakMetric, SoakTrend>;
  /** Every metric flat, and the run finished. */
  flat: boolean;
  /** What stopped the run early, as thrown. */
  error?: string;
}

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
  /** `memoryStats().limitBytes` during the runs. */
  limitBytes: number;
  /** One run per mode, each in a process of its own. */
  runs: SoakRun[];
  /** How `flat` is decided, in words. */
  threshold: string;
}

/**
 * `bench/soak.json`, or null when it is missing or from before the soak ran both modes (it had
 * no `runs`).
 */
export function readSoak(path: string): SoakResult | null {
  if (!existsSync(path)) return null;
  const soak = JSON.parse(readFileSync(path, 'utf8')) as Partial<SoakResult>;
  return Array.isArray(soak.runs) ? (soak as SoakResult) : null;
}
