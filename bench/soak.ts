/**
 * `npm run soak`: trains the demo network (`examples/mnist-demo.ts`) for 10,000 steps and samples
 * memory every 500 steps, after `global.gc()` when run with --expose-gc (the npm script does), to
 * show that the heap stays flat: every tape is freed after its backward, and nothing accumulates.
 * Writes `bench/soak.json` and, when `bench/results.json` exists, re-renders `BENCHMARKS.md` with it.
 *
 *   npm run soak -- [--steps 10000] [--every 500] [--batch-size 16] [--impl fused|composite]
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { format, resolveConfig } from 'prettier';
import { data, nn, optim, tensor } from '../src/index.js';
import { mnistData, mnistModel } from './lib/inputs.js';
import { renderMarkdown } from './lib/report.js';
import type { Results, SoakResult } from './lib/results.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..');

const { values: args } = parseArgs({
  options: {
    steps: { type: 'string', default: '10000' },
    every: { type: 'string', default: '500' },
    'batch-size': { type: 'string', default: '16' },
    impl: { type: 'string', default: 'fused' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(
    'usage: npm run soak -- [--steps 10000] [--every 500] [--batch-size 16] [--impl fused|composite]',
  );
  process.exit(0);
}
const steps = Number(args.steps);
const every = Number(args.every);
const batchSize = Number(args['batch-size']);
const impl = args.impl;
if (
  !(steps >= every && every >= 1) ||
  !(batchSize >= 1) ||
  (impl !== 'fused' && impl !== 'composite')
) {
  console.error(`bad options: ${JSON.stringify(args)} (see --help)`);
  process.exit(2);
}

const gc = typeof globalThis.gc === 'function' ? globalThis.gc : null;
if (gc === null) console.log('note: run with --expose-gc (npm run soak does) for clean samples');

const mnist = mnistData();
const model = mnistModel(impl);
const optimizer = new optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9, weightDecay: 5e-4 });
const lossFn = new nn.CrossEntropyLoss();
const loader = new data.DataLoader(
  new data.TensorDataset(
    tensor(mnist.images, { shape: [mnist.count, 784], dtype: 'float32' }),
    tensor(mnist.labels, { shape: [mnist.count], dtype: 'int32' }),
  ),
  { batchSize, shuffle: true, seed: 0 },
);

const samples: SoakResult['samples'] = [];
/**
 * V8 frees the backing stores of dead ArrayBuffers on a background thread after a collection, so
 * `arrayBuffers` read right after `gc()` still counts some of them: collect, let the sweeper
 * finish, and collect again before reading.
 */
async function sample(step: number): Promise<void> {
  if (gc !== null) {
    gc();
    await new Promise((done) => setTimeout(done, 20));
    gc();
  }
  const m = process.memoryUsage();
  samples.push({ step, heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers, rss: m.rss });
  const mb = (b: number): string => (b / 2 ** 20).toFixed(2).padStart(8);
  console.log(
    `step ${String(step).padStart(6)}  heapUsed ${mb(m.heapUsed)} MiB  arrayBuffers ${mb(m.arrayBuffers)} MiB  rss ${mb(m.rss)} MiB`,
  );
}

const t0 = performance.now();
model.train();
await sample(0);
let step = 0;
let lastLoss = NaN;
while (step < steps) {
  for (const [x, y] of loader) {
    optimizer.zeroGrad();
    const loss = lossFn.forward(model.forward(x), y);
    loss.backward();
    optimizer.step();
    lastLoss = loss.item();
    step++;
    if (step % every === 0) await sample(step);
    if (step >= steps) break;
  }
}
const seconds = (performance.now() - t0) / 1000;
console.log(`last loss ${lastLoss.toFixed(4)}, ${seconds.toFixed(0)} s`);

/** Least-squares slope of `ys` over `xs`. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
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

// The first samples include one-time allocations (optimizer state, JIT code): the fit starts at
// the second sample after step 0.
const fit = samples.filter((s) => s.step >= 2 * every);
const xs = fit.map((s) => s.step);
const heapSlope = slope(
  xs,
  fit.map((s) => s.heapUsed),
);
const arrayBuffersSlope = slope(
  xs,
  fit.map((s) => s.arrayBuffers),
);
const span = xs.length > 1 ? xs[xs.length - 1] - xs[0] : 0;
const heapGrowth = heapSlope * span;
const limit = gc === null ? 8 * 2 ** 20 : 2 ** 20;
const flat = xs.length >= 3 && heapGrowth < limit && arrayBuffersSlope * span < limit;

const result: SoakResult = {
  date: new Date().toISOString(),
  command: `npm run soak${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
  node: process.version,
  steps,
  batchSize,
  impl,
  every,
  gcExposed: gc !== null,
  seconds,
  samples,
  heapSlope,
  arrayBuffersSlope,
  heapGrowth,
  flat,
  threshold: `heapUsed and arrayBuffers each grow by less than ${limit / 2 ** 20} MiB over the fitted span`,
};
console.log(
  `heapUsed slope ${heapSlope.toFixed(2)} B/step, arrayBuffers slope ${arrayBuffersSlope.toFixed(2)} B/step: ${flat ? 'flat' : 'GROWING'}`,
);

const prettier = { ...(await resolveConfig(join(ROOT, 'package.json'))), parser: 'json' };
writeFileSync(join(HERE, 'soak.json'), await format(JSON.stringify(result), prettier));
const resultsPath = join(HERE, 'results.json');
if (existsSync(resultsPath)) {
  const results = JSON.parse(readFileSync(resultsPath, 'utf8')) as Results;
  writeFileSync(join(ROOT, 'BENCHMARKS.md'), renderMarkdown(results, result));
  console.log('wrote bench/soak.json and the soak section of BENCHMARKS.md');
} else {
  console.log('wrote bench/soak.json (BENCHMARKS.md follows with the next `npm run bench`)');
}
