/**
 * `npm run soak`: trains the demo network (`examples/mnist-demo.ts`) for 10,000 steps, once with
 * each step in `tidy` and once without, and samples memory every 500 steps: the process's
 * (heapUsed, arrayBuffers, rss, after `global.gc()` when run with --expose-gc, as the npm script
 * does) and the tensor memory's (`memoryStats()`: the WebAssembly memory's size, the bytes and
 * blocks tensors hold, and how many tensors fell back to plain arrays). It reports the peak and
 * the slope of each, and whether each is flat.
 *
 * Without `tidy` the library still releases what it makes and does not return (intermediates,
 * saved tensors after backward); what the loop itself holds (batches, logits, losses) is the
 * user's, reclaimed by the garbage collector only when the program yields, which the samples do.
 *
 * Each mode runs in a process of its own (this script, with --child), because the WebAssembly
 * memory never shrinks: a second run in the same process would start from the first one's peak.
 * Writes `bench/soak.json` and, when `bench/results.json` exists, re-renders `BENCHMARKS.md`.
 *
 *   npm run soak -- [--steps 10000] [--every 500] [--batch-size 64] [--impl fused|composite]
 *                   [--tidy on|off|both]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { format, resolveConfig } from 'prettier';
import { data, memoryStats, nn, optim, tensor, tidy, type Tensor } from '../src/index.js';
import { mnistData, mnistModel } from './lib/inputs.js';
import { renderMarkdown } from './lib/report.js';
import {
  readSoak,
  SOAK_METRICS,
  type Results,
  type SoakMetric,
  type SoakResult,
  type SoakRun,
  type SoakSample,
  type SoakTrend,
} from './lib/results.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..');
const USAGE =
  'usage: npm run soak -- [--steps 10000] [--every 500] [--batch-size 64] ' +
  '[--impl fused|composite] [--tidy on|off|both]';

const { values: args } = parseArgs({
  options: {
    steps: { type: 'string', default: '10000' },
    every: { type: 'string', default: '500' },
    'batch-size': { type: 'string', default: '64' },
    impl: { type: 'string', default: 'fused' },
    tidy: { type: 'string', default: 'both' },
    // Internal: run one mode and write its SoakRun to this file.
    child: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const steps = Number(args.steps);
const every = Number(args.every);
const batchSize = Number(args['batch-size']);
const impl = args.impl;
const modes = { on: [true], off: [false], both: [true, false] }[args.tidy];
if (
  !(steps >= every && every >= 1) ||
  !(batchSize >= 1) ||
  (impl !== 'fused' && impl !== 'composite') ||
  modes === undefined ||
  (args.child !== undefined && modes.length !== 1)
) {
  console.error(`bad options: ${JSON.stringify(args)}\n${USAGE}`);
  process.exit(2);
}

const gc = typeof globalThis.gc === 'function' ? globalThis.gc : null;
const MiB = 2 ** 20;
/** Growth over the fitted span below which a metric counts as flat. */
const THRESHOLDS: Record<SoakMetric, { unit: SoakTrend['unit']; limit: number }> = {
  heapUsed: { unit: 'B', limit: (gc === null ? 8 : 1) * MiB },
  arrayBuffers: { unit: 'B', limit: (gc === null ? 8 : 1) * MiB },
  rss: { unit: 'B', limit: 8 * MiB },
  memoryBytes: { unit: 'B', limit: 1 * MiB },
  liveBytes: { unit: 'B', limit: 1 * MiB },
  liveBlocks: { unit: 'blocks', limit: 16 },
  fallbacks: { unit: 'tensors', limit: 1 },
};
const THRESHOLD_TEXT =
  `growth over the fitted span (least-squares slope × span, from the second sample after step 0, ` +
  `past one-time allocations) below ${gc === null ? 8 : 1} MiB for heapUsed and arrayBuffers, ` +
  '8 MiB for rss, 1 MiB for the WebAssembly memory and its live bytes, 16 live blocks and ' +
  'one fallback; a mode is flat when every metric is and it ran all its steps';

if (args.child !== undefined) await child(modes[0], args.child);
else await parent();

// ---- one mode, in its own process -------------------------------------------------------------

async function child(useTidy: boolean, out: string): Promise<void> {
  if (gc === null) console.log('note: run with --expose-gc (npm run soak does) for clean samples');
  const mnist = mnistData();
  const model = mnistModel(impl as nn.functional.BatchNormImpl);
  const optimizer = new optim.SGD(model.parameters(), {
    lr: 0.05,
    momentum: 0.9,
    weightDecay: 5e-4,
  });
  const lossFn = new nn.CrossEntropyLoss();
  const loader = new data.DataLoader(
    new data.TensorDataset(
      tensor(mnist.images, { shape: [mnist.count, 784], dtype: 'float32' }),
      tensor(mnist.labels, { shape: [mnist.count], dtype: 'int32' }),
    ),
    { batchSize, shuffle: true, seed: 0 },
  );

  const samples: SoakSample[] = [];
  // Peaks right after every step, without a collection first: what piles up between samples.
  const peaks = { rss: 0, memoryBytes: 0, liveBytes: 0, liveBlocks: 0, fallbacks: 0 };
  const watch = (): void => {
    const m = memoryStats();
    peaks.rss = Math.max(peaks.rss, process.memoryUsage.rss());
    peaks.memoryBytes = Math.max(peaks.memoryBytes, m.memoryBytes);
    peaks.liveBytes = Math.max(peaks.liveBytes, m.liveBytes);
    peaks.liveBlocks = Math.max(peaks.liveBlocks, m.liveBlocks);
    peaks.fallbacks = Math.max(peaks.fallbacks, m.fallbacks);
  };
  /**
   * V8 frees the backing stores of dead ArrayBuffers on a background thread after a collection,
   * and runs finalizers (which release unreachable tensors' blocks) only once the program yields:
   * collect, yield, and collect again before reading.
   */
  async function sample(step: number): Promise<void> {
    if (gc !== null) {
      gc();
      await new Promise((done) => setTimeout(done, 20));
      gc();
    }
    const p = process.memoryUsage();
    const m = memoryStats();
    const s: SoakSample = {
      step,
      heapUsed: p.heapUsed,
      arrayBuffers: p.arrayBuffers,
      rss: p.rss,
      memoryBytes: m.memoryBytes,
      liveBytes: m.liveBytes,
      liveBlocks: m.liveBlocks,
      fallbacks: m.fallbacks,
    };
    samples.push(s);
    const mb = (b: number): string => (b / MiB).toFixed(2).padStart(8);
    console.log(
      `step ${String(step).padStart(6)}  heapUsed ${mb(s.heapUsed)}  arrayBuffers ${mb(s.arrayBuffers)}  ` +
        `rss ${mb(s.rss)}  memory ${mb(s.memoryBytes)}  live ${mb(s.liveBytes)} MiB in ` +
        `${s.liveBlocks} blocks  fallbacks ${s.fallbacks}`,
    );
  }

  // The demo's step, as a user writes it.
  let lastLoss = NaN;
  const train = (x: Tensor, y: Tensor): void => {
    optimizer.zeroGrad();
    const loss = lossFn.forward(model.forward(x), y);
    loss.backward();
    optimizer.step();
    lastLoss = loss.item();
  };

  console.log(`== ${useTidy ? 'with tidy per step' : 'without tidy'} ==`);
  const t0 = performance.now();
  model.train();
  await sample(0);
  let step = 0;
  let error: string | undefined;
  try {
    while (step < steps) {
      for (const [x, y] of loader) {
        if (useTidy) tidy(() => train(x, y));
        else train(x, y);
        step++;
        watch();
        if (step % every === 0) await sample(step);
        if (step >= steps) break;
      }
    }
  } catch (e) {
    error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    console.log(`stopped at step ${step}: ${error}`);
    if (step % every !== 0) await sample(step);
  }
  const seconds = (performance.now() - t0) / 1000;

  // The first samples include one-time allocations (optimizer state, JIT code, the pool's first
  // blocks): the fit starts at the second sample after step 0.
  const fit = samples.filter((s) => s.step >= 2 * every);
  const xs = fit.map((s) => s.step);
  const span = xs.length > 1 ? xs[xs.length - 1] - xs[0] : 0;
  const trend = (k: SoakMetric): SoakTrend => {
    const { unit, limit } = THRESHOLDS[k];
    const seen = Math.max(...samples.map((s) => s[k]));
    const peak = k === 'heapUsed' || k === 'arrayBuffers' ? seen : Math.max(seen, peaks[k]);
    const slope = leastSquares(
      xs,
      fit.map((s) => s[k]),
    );
    const growth = slope * span;
    return { unit, peak, slope, growth, flat: xs.length >= 3 && growth < limit, threshold: limit };
  };
  const trends = Object.fromEntries(SOAK_METRICS.map((k) => [k, trend(k)])) as Record<
    SoakMetric,
    SoakTrend
  >;
  const run: SoakRun = {
    tidy: useTidy,
    steps: step,
    seconds,
    lastLoss,
    samples,
    fitted: fit.length,
    trends,
    flat: error === undefined && SOAK_METRICS.every((k) => trends[k].flat),
    ...(error === undefined ? {} : { error }),
  };
  console.log(
    `last loss ${lastLoss.toFixed(4)}, ${seconds.toFixed(0)} s; ` +
      SOAK_METRICS.map((k) => `${k} ${trends[k].slope.toFixed(2)}/step`).join(', ') +
      `: ${run.flat ? 'flat' : error !== undefined ? 'STOPPED' : 'GROWING'}`,
  );
  writeFileSync(out, JSON.stringify(run));
}

/** Least-squares slope of `ys` over `xs`. */
function leastSquares(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  return sxx === 0 ? 0 : sxy / sxx;
}

// ---- both modes, each in a child process ------------------------------------------------------

async function parent(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tapegrad-soak-'));
  const runs: SoakRun[] = [];
  try {
    for (const useTidy of modes!) {
      const out = join(dir, `${useTidy ? 'on' : 'off'}.json`);
      const flags = ['--steps', String(steps), '--every', String(every)];
      flags.push('--batch-size', String(batchSize), '--impl', impl!);
      flags.push('--tidy', useTidy ? 'on' : 'off', '--child', out);
      const r = spawnSync(
        process.execPath,
        [...process.execArgv, fileURLToPath(import.meta.url), ...flags],
        { stdio: 'inherit' },
      );
      if (r.status === 0 && existsSync(out)) {
        runs.push(JSON.parse(readFileSync(out, 'utf8')) as SoakRun);
      } else {
        console.error(`the ${useTidy ? 'tidy' : 'no-tidy'} run failed (exit ${r.status})`);
        process.exitCode = 1;
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (runs.length === 0) return;

  const result: SoakResult = {
    date: new Date().toISOString(),
    command: `npm run soak${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    node: process.version,
    steps,
    batchSize,
    impl: impl!,
    every,
    gcExposed: gc !== null,
    limitBytes: memoryStats().limitBytes,
    runs,
    threshold: THRESHOLD_TEXT,
  };
  for (const run of runs) {
    console.log(
      `${run.tidy ? 'with tidy   ' : 'without tidy'}: ${run.flat ? 'flat' : run.error !== undefined ? 'stopped' : 'growing'}` +
        ` (memory peak ${(run.trends.memoryBytes.peak / MiB).toFixed(1)} MiB, ` +
        `rss peak ${(run.trends.rss.peak / MiB).toFixed(1)} MiB)`,
    );
  }

  const prettier = { ...(await resolveConfig(join(ROOT, 'package.json'))), parser: 'json' };
  writeFileSync(join(HERE, 'soak.json'), await format(JSON.stringify(result), prettier));
  const resultsPath = join(HERE, 'results.json');
  if (existsSync(resultsPath)) {
    const results = JSON.parse(readFileSync(resultsPath, 'utf8')) as Results;
    writeFileSync(
      join(ROOT, 'BENCHMARKS.md'),
      renderMarkdown(results, readSoak(join(HERE, 'soak.json'))),
    );
    console.log('wrote bench/soak.json and the soak section of BENCHMARKS.md');
  } else {
    console.log('wrote bench/soak.json (BENCHMARKS.md follows with the next `npm run bench`)');
  }
}
