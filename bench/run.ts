/**
 * `npm run bench`: tapegrad against PyTorch (CPU, through /usr/bin/python3), TensorFlow.js (wasm
 * and cpu backends), jax-js (wasm, jit) and js-pytorch, on the same inputs in one run. Writes
 * `BENCHMARKS.md` and `bench/results.json` (a partial run writes to `bench/out/` instead).
 *
 *   npm run bench -- [--quick] [--only REGEX] [--frameworks a,b] [--no-python] [--out DIR]
 *
 * The peers are installed in `bench/node_modules` by `npm ci --prefix bench --ignore-scripts`,
 * which the root `bench` script runs when that folder is missing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { format, resolveConfig } from 'prettier';
import { jaxJs } from './frameworks/jax.js';
import { jsPytorch } from './frameworks/jspytorch.js';
import { savedForBackward, tapegrad } from './frameworks/tapegrad.js';
import { tfjsCpu, tfjsWasm } from './frameworks/tfjs.js';
import {
  rowLabel,
  type Adapter,
  type FrameworkId,
  type Row,
  type Variant,
} from './frameworks/types.js';
import { cnnData, mnistData } from './lib/inputs.js';
import { measure, summarize, type Budget, type Probe } from './lib/measure.js';
import { peersInstalled } from './lib/peers.js';
import { renderMarkdown } from './lib/report.js';
import { annotate, readSoak, type Cell, type Results } from './lib/results.js';
import { isEpoch, WORKLOADS } from './lib/workloads.js';
import { memoryStats } from '../src/index.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..');
const PYTHON = '/usr/bin/python3';

const HELP = `usage: npm run bench -- [options]

  --quick            shorter time boxes and fewer workloads (about 2 minutes)
  --only REGEX       only workloads whose id matches, e.g. 'batchnorm/f32' or 'matmul|mnist'
                     (ids: ${WORKLOADS.map((w) => w.id).join(', ')})
  --frameworks LIST  comma-separated subset of tapegrad,pytorch,tfjs-wasm,tfjs-cpu,jax-js,js-pytorch
  --no-python        skip PyTorch
  --out DIR          where BENCHMARKS.md and results.json go (default: the repo root and bench/
                     for a full run, bench/out/ for a partial one)
  --help             this text`;

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    frameworks: { type: 'string' },
    'no-python': { type: 'boolean', default: false },
    out: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

if (args.help) {
  console.log(HELP);
  process.exit(0);
}

const ALL: FrameworkId[] = ['tapegrad', 'pytorch', 'tfjs-wasm', 'tfjs-cpu', 'jax-js', 'js-pytorch'];
const chosen = args.frameworks?.split(',').map((s) => s.trim()) ?? ALL;
const unknown = chosen.filter((f) => !ALL.some((a) => a === f));
if (unknown.length > 0) {
  console.error(`unknown framework(s): ${unknown.join(', ')} (see --help)`);
  process.exit(2);
}
const wants = (f: FrameworkId): boolean => chosen.includes(f);
const only = args.only === undefined ? null : new RegExp(args.only);
const workloads = WORKLOADS.filter(
  (w) => (only === null || only.test(w.id)) && (!args.quick || w.quick),
);
if (workloads.length === 0) {
  console.error(`no workload matches --only ${args.only ?? ''} (see --help)`);
  process.exit(2);
}
const partial = args.quick || only !== null || args.frameworks !== undefined || args['no-python'];
const outDir = resolve(args.out ?? (partial ? join(HERE, 'out') : ROOT));
const jsonPath =
  args.out === undefined && !partial ? join(HERE, 'results.json') : join(outDir, 'results.json');
const mdPath = join(outDir, 'BENCHMARKS.md');

const budget: Budget = args.quick
  ? { box: 0.3, minSamples: 3, cap: 3 }
  : { box: 1, minSamples: 5, cap: 10 };
/** A training epoch (MLP or CNN) is one call: a few of them, within a larger cap. */
const epochBudget: Budget = args.quick
  ? { box: 0.3, minSamples: 3, cap: 10 }
  : { box: 1, minSamples: 5, cap: 25 };
const epochDeadline = args.quick ? 15 : 40;
const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;

if (!(await peersInstalled())) {
  console.error(
    'bench/node_modules is missing: run `npm ci --prefix bench --ignore-scripts --no-audit --no-fund` (npm run bench does).',
  );
  process.exit(1);
}

const started = performance.now();
const loadavg = (): string =>
  existsSync('/proc/loadavg')
    ? readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
    : '';
const loadStart = loadavg();
const notes: string[] = [];
const frameworks: Partial<Record<FrameworkId, string>> = {};
const cells: Cell[] = [];

function machine(): Results['meta']['machine'] {
  const read = (path: string): string => (existsSync(path) ? readFileSync(path, 'utf8') : '');
  const cpu = /^model name\s*:\s*(.+)$/m.exec(read('/proc/cpuinfo'))?.[1] ?? 'unknown CPU';
  const os = /^PRETTY_NAME="?([^"\n]+)"?$/m.exec(read('/etc/os-release'))?.[1] ?? process.platform;
  return {
    nproc: availableParallelism(),
    cpu,
    memoryGiB: totalmem() / 2 ** 30,
    os,
    node: process.version,
  };
}

// ---- PyTorch -----------------------------------------------------------------------------------

interface PythonCell {
  id: string;
  variant: Variant | null;
  threads: number;
  status: 'ok' | 'unfinished' | 'error';
  samples?: number[];
  probe?: Probe;
  seconds?: number;
  progress?: string;
  message?: string;
}

function runPytorch(): void {
  if (!existsSync(PYTHON)) {
    notes.push(`PyTorch skipped: ${PYTHON} not found.`);
    console.log(`PyTorch skipped: ${PYTHON} not found`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'tapegrad-bench-'));
  try {
    const spec: Record<string, unknown> = {
      threads: [1, 2],
      budget,
      epochBudget,
      epochDeadline,
      workloads,
    };
    const epochs = workloads.filter(isEpoch);
    if (epochs.length > 0) {
      // The digits once; the initial weights of each network in a file of its own.
      const m = mnistData();
      writeFileSync(join(dir, 'images.f32'), m.images);
      writeFileSync(join(dir, 'labels.i32'), m.labels);
      for (const w of epochs) {
        const key = w.kind === 'mnist-epoch' ? 'mnist' : 'cnn';
        const { params } = w.kind === 'mnist-epoch' ? m : cnnData();
        const blob = new Float32Array(params.reduce((n, p) => n + p.values.length, 0));
        let at = 0;
        for (const p of params) {
          blob.set(p.values, at);
          at += p.values.length;
        }
        writeFileSync(join(dir, `${key}-params.f32`), blob);
        spec[key] = {
          count: m.count,
          images: join(dir, 'images.f32'),
          labels: join(dir, 'labels.i32'),
          params: join(dir, `${key}-params.f32`),
          layout: params.map((p) => ({ name: p.name, shape: p.shape })),
        };
      }
    }
    writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
    console.log(`PyTorch: ${PYTHON} bench/torch_bench.py (threads 1 and 2)`);
    const r = spawnSync(PYTHON, [join(HERE, 'torch_bench.py'), join(dir, 'spec.json')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 256 * 2 ** 20,
    });
    if (r.status !== 0) {
      notes.push(`PyTorch failed (exit ${r.status}); see the run's output.`);
      return;
    }
    const out = JSON.parse(r.stdout) as {
      skipped?: string;
      torch?: string;
      numpy?: string;
      config?: string;
      results?: PythonCell[];
    };
    if (out.skipped !== undefined) {
      notes.push(`PyTorch skipped: ${out.skipped}.`);
      console.log(`PyTorch skipped: ${out.skipped}`);
      return;
    }
    const blas = /BLAS_INFO=(\w+)/.exec(out.config ?? '')?.[1];
    frameworks.pytorch =
      `torch ${out.torch} (numpy ${out.numpy}, BLAS_INFO=${blas ?? '?'}: Debian's build calls the ` +
      `system BLAS, here OpenBLAS${openblas()}), ${PYTHON}; torch.set_num_threads(1) and (2)`;
    for (const p of out.results ?? []) {
      const row: Row = { framework: 'pytorch', threads: p.threads };
      if (p.variant !== null) row.variant = p.variant;
      const cell: Cell = { workload: p.id, row, label: rowLabel(row), status: p.status };
      if (p.status === 'ok' && p.samples !== undefined) {
        cell.stats = summarize(p.samples);
        cell.probe = p.probe;
      } else if (p.status === 'unfinished') {
        cell.seconds = p.seconds;
        cell.message = p.progress;
      } else cell.message = p.message;
      cells.push(cell);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function openblas(): string {
  const r = spawnSync(
    'dpkg-query',
    ['-W', '-f=${db:Status-Abbrev} ${Package} ${Version}\\n', 'libopenblas0-*'],
    { encoding: 'utf8' },
  );
  const installed = r.status === 0 ? r.stdout.split('\n').filter((l) => l.startsWith('ii')) : [];
  const line = installed.map((l) => l.slice(2).trim()).join(', ');
  return line === '' ? '' : ` (${line})`;
}

// ---- JS frameworks -----------------------------------------------------------------------------

const adapters: Adapter[] = [tapegrad, tfjsWasm, tfjsCpu, jaxJs, jsPytorch].filter((a) =>
  wants(a.id),
);
const ready: Adapter[] = [];
for (const a of adapters) {
  try {
    frameworks[a.id] = await a.init();
    ready.push(a);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    notes.push(`${a.id} could not start: ${msg}`);
    console.log(`${a.id} could not start: ${msg}`);
  }
}

if (wants('pytorch') && !args['no-python']) runPytorch();
else notes.push('PyTorch not run (--no-python or --frameworks).');

const gc = (): void => {
  if (typeof globalThis.gc === 'function') globalThis.gc();
};

/**
 * Collects garbage and yields to the event loop, whose turn runs the finalizers that release the
 * tensor memory of tapegrad tensors nobody reaches any more (a synchronous cell never yields).
 */
async function settle(): Promise<void> {
  gc();
  await new Promise((done) => setTimeout(done, 20));
  gc();
}

// The training epochs run first. Large tensors freed before them would leave the process's memory
// allocator in another state: glibc raises its mmap threshold after freeing a large block, and
// the step's mid-sized arrays then come from the heap instead, which measured slower
// (`bench/profile-epoch.ts` with and without --after-large). The report keeps its order.
const runOrder = [...workloads.filter(isEpoch), ...workloads.filter((w) => !isEpoch(w))];
const total = runOrder.length;
for (const [i, w] of runOrder.entries()) {
  for (const a of ready) {
    for (const offer of a.offers(w, { epochDeadline })) {
      const label = rowLabel(offer.row);
      const head = `[${i + 1}/${total}] ${w.id} ${label}`;
      if ('skip' in offer) {
        cells.push({
          workload: w.id,
          row: offer.row,
          label,
          status: 'skipped',
          message: offer.skip,
        });
        continue;
      }
      await settle();
      const fallbacks = memoryStats().fallbacks;
      let result;
      try {
        const b = isEpoch(w) ? epochBudget : budget;
        result = await measure(await offer.make(), b, offer.async);
      } catch (e) {
        result = { status: 'error' as const, message: e instanceof Error ? e.message : String(e) };
      }
      const cell: Cell = { workload: w.id, row: offer.row, label, status: result.status };
      // tapegrad tensors that got plain arrays because the tensor memory was at its limit: such a
      // row does not time the resident path.
      if (a.id === 'tapegrad' && memoryStats().fallbacks > fallbacks) {
        cell.fallbacks = memoryStats().fallbacks - fallbacks;
      }
      if (result.status === 'ok') {
        cell.stats = result.stats;
        cell.probe = result.probe;
        console.log(
          `${head}: ${(result.stats.median * 1e3).toPrecision(4)} ms (n=${result.stats.n})`,
        );
      } else if (result.status === 'unfinished') {
        cell.seconds = result.seconds;
        cell.message = result.progress;
        console.log(
          `${head}: did not finish in ${result.seconds.toFixed(0)} s (${result.progress})`,
        );
      } else {
        cell.message = result.message;
        console.log(`${head}: error: ${result.message}`);
      }
      cells.push(cell);
    }
  }
}

for (const w of workloads)
  annotate(
    w,
    cells.filter((c) => c.workload === w.id),
  );

const memory: Results['savedForBackward'] = [];
if (wants('tapegrad')) {
  // Every case has released what it made: what the tensor memory still holds is a leak.
  await settle();
  const m = memoryStats();
  const mib = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MiB`;
  notes.push(
    `tapegrad's tensor memory after the last case: ${mib(m.memoryBytes)} (its peak: it never ` +
      `shrinks), of which ${mib(m.liveBytes)} in ${m.liveBlocks} live blocks and ` +
      `${mib(m.freeBytes)} free; ${m.fallbacks} tensors fell back to plain arrays.`,
  );
  for (const w of workloads) {
    if (w.kind !== 'batchnorm') continue;
    for (const s of savedForBackward(w.shape, w.dtype))
      memory.push({ shape: w.shape, dtype: w.dtype, ...s });
  }
}

const results: Results = {
  meta: {
    date: new Date().toISOString(),
    command,
    partial,
    machine: machine(),
    frameworks,
    notes,
    budget: { ...budget, epochCap: epochBudget.cap, epochDeadline },
    load: { start: loadStart, end: loadavg() },
    seconds: (performance.now() - started) / 1000,
  },
  workloads,
  cells,
  savedForBackward: memory,
};

const soak = readSoak(join(HERE, 'soak.json'));

mkdirSync(outDir, { recursive: true });
const prettier = { ...(await resolveConfig(join(ROOT, 'package.json'))), parser: 'json' };
writeFileSync(jsonPath, await format(JSON.stringify(results), prettier));
writeFileSync(mdPath, renderMarkdown(results, soak));
console.log(
  `\nwrote ${relative(ROOT, mdPath)} and ${relative(ROOT, jsonPath)} in ${(results.meta.seconds / 60).toFixed(1)} min`,
);
