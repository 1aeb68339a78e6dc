/**
 * Compare the fused and the composite BatchNorm on one input, from the command line:
 *
 *   npm run compare -- --shape 64,128[,L] --dtype float32 --seed 1 [--offset 1e4] [--json]
 *
 * Prints, per quantity (output, dx, dweight, dbias, running stats), the max abs and rel difference
 * between the two implementations and against a float64 oracle (plain loops with compensated
 * sums, independent of the library), then for each implementation the median time of forward plus
 * backward, the number of tape nodes and the bytes saved for backward.
 */
import { parseArgs } from 'node:util';
import { autograd, manualSeed, nn, noGrad, rand, randn } from '../src/index.js';

type Impl = nn.functional.BatchNormImpl;
const QUANTITIES = ['output', 'dx', 'dweight', 'dbias', 'running_mean', 'running_var'] as const;
type Quantity = (typeof QUANTITIES)[number];
type Values = Record<Quantity, ArrayLike<number>>;

function fail(message: string): never {
  console.error(`compare: ${message} (see --help)`);
  process.exit(2);
}

let parsed: ReturnType<typeof parseOptions>;
try {
  parsed = parseOptions();
} catch (e) {
  fail(e instanceof Error ? e.message : String(e));
}
const args = parsed.values;

function parseOptions() {
  return parseArgs({
    options: {
      shape: { type: 'string', default: '64,128' },
      dtype: { type: 'string', default: 'float32' },
      seed: { type: 'string', default: '1' },
      offset: { type: 'string', default: '0' },
      eps: { type: 'string', default: '1e-5' },
      momentum: { type: 'string', default: '0.1' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
}

if (args.help) {
  console.log(
    'usage: npm run compare -- --shape N,C[,L] [--dtype float32|float64] [--seed S] [--offset O] [--eps E] [--momentum M] [--json]',
  );
  process.exit(0);
}

const shape = args.shape.split(',').map(Number);
const dtype = args.dtype === 'float64' ? 'float64' : 'float32';
if (
  args.dtype !== dtype ||
  (shape.length !== 2 && shape.length !== 3) ||
  shape.some((d) => !(d > 0))
) {
  fail(`bad arguments: --shape ${args.shape} --dtype ${args.dtype}`);
}
const seed = Number(args.seed);
const offset = Number(args.offset);
const eps = Number(args.eps);
const momentum = Number(args.momentum);
const [n, c] = shape;
const l = shape[2] ?? 1;
if (n * l < 2) fail(`training BatchNorm needs more than one value per channel (N·L = ${n * l})`);
if (!(eps > 0) || !(momentum >= 0 && momentum <= 1) || !Number.isFinite(offset)) {
  fail(`bad arguments: --eps ${args.eps} --momentum ${args.momentum} --offset ${args.offset}`);
}

manualSeed(seed);
const x0 = noGrad(() => randn(shape, { dtype }).add(offset));
const dy = randn(shape, { dtype });
const weight0 = noGrad(() => rand([c], { dtype }).add(0.5));
const bias0 = randn([c], { dtype });

function run(impl: Impl): { values: Values; stats: autograd.GraphStats } {
  const bn = new nn.BatchNorm1d(c, { eps, momentum, impl, dtype });
  noGrad(() => {
    bn.weight!.copy_(weight0);
    bn.bias!.copy_(bias0);
  });
  const x = x0.detach().clone().requiresGrad_();
  const y = bn.forward(x);
  // New memory only: the input and the parameters are held by the caller anyway.
  const stats = autograd.graphStats(y, [x, ...bn.parameters()]);
  y.backward(dy);
  return {
    values: {
      output: y.data,
      dx: x.grad!.data,
      dweight: bn.weight!.grad!.data,
      dbias: bn.bias!.grad!.data,
      running_mean: bn.runningMean!.data,
      running_var: bn.runningVar!.data,
    },
    stats,
  };
}

/** Median seconds of forward + backward, measured over at least 5 runs and about half a second. */
function time(impl: Impl): number {
  const bn = new nn.BatchNorm1d(c, { eps, momentum, impl, dtype });
  const once = (): number => {
    const x = x0.detach().clone().requiresGrad_();
    const t0 = performance.now();
    bn.forward(x).backward(dy);
    return (performance.now() - t0) / 1000;
  };
  once();
  once();
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < 5 || (performance.now() - start < 500 && samples.length < 200))
    samples.push(once());
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1];
}

/** Neumaier-compensated sum. */
function fsum(values: Iterable<number>): number {
  let s = 0;
  let comp = 0;
  for (const v of values) {
    const t = s + v;
    comp += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return s + comp;
}

/** The float64 oracle on the same (dtype-rounded) inputs, written from the formulas. */
function oracle(): Values {
  const m = n * l;
  const at = (i: number, ch: number, k: number): number => (i * c + ch) * l + k;
  const out = { output: new Float64Array(x0.size), dx: new Float64Array(x0.size) };
  const dweight = new Float64Array(c);
  const dbias = new Float64Array(c);
  const runningMean = new Float64Array(c);
  const runningVar = new Float64Array(c);
  for (let ch = 0; ch < c; ch++) {
    const idx: number[] = [];
    for (let i = 0; i < n; i++) for (let k = 0; k < l; k++) idx.push(at(i, ch, k));
    const xs = idx.map((j) => x0.data[j]);
    const mean = fsum(xs) / m;
    const sq = fsum(xs.map((v) => (v - mean) ** 2));
    const invstd = 1 / Math.sqrt(sq / m + eps);
    const w = weight0.data[ch];
    const xhat = xs.map((v) => (v - mean) * invstd);
    const g = idx.map((j) => dy.data[j]);
    dbias[ch] = fsum(g);
    dweight[ch] = fsum(g.map((v, q) => v * xhat[q]));
    idx.forEach((j, q) => {
      out.output[j] = xhat[q] * w + bias0.data[ch];
      out.dx[j] = w * invstd * (g[q] - dbias[ch] / m - (xhat[q] * dweight[ch]) / m);
    });
    runningMean[ch] = momentum * mean;
    runningVar[ch] = momentum * (sq / (m - 1)) + (1 - momentum);
  }
  return { ...out, dweight, dbias, running_mean: runningMean, running_var: runningVar };
}

function diff(a: ArrayLike<number>, b: ArrayLike<number>): { maxAbs: number; maxRel: number } {
  let d = 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return { maxAbs: d, maxRel: d === 0 ? 0 : d / s };
}

const fused = run('fused');
const composite = run('composite');
const ref = oracle();
const rows = QUANTITIES.map((q) => ({
  quantity: q,
  fusedVsComposite: diff(fused.values[q], composite.values[q]),
  fusedVsOracle: diff(fused.values[q], ref[q]),
  compositeVsOracle: diff(composite.values[q], ref[q]),
}));
const perf = (['fused', 'composite'] as const).map((impl) => {
  const s = impl === 'fused' ? fused.stats : composite.stats;
  return {
    impl,
    seconds: time(impl),
    tapeNodes: s.nodes,
    savedBytes: s.savedBytes,
    savedBytesNew: s.savedBytesExcluding,
  };
});

if (args.json) {
  console.log(JSON.stringify({ shape, dtype, seed, offset, eps, momentum, rows, perf }, null, 2));
} else {
  const e = (v: number): string => v.toExponential(2).padStart(10);
  console.log(
    `BatchNorm1d training step, shape [${shape.join(', ')}], ${dtype}, seed ${seed}, offset ${offset}`,
  );
  console.log('');
  console.log('quantity        fused vs composite     fused vs oracle        composite vs oracle');
  console.log('                max abs    max rel     max abs    max rel     max abs    max rel');
  for (const r of rows) {
    const cells = [r.fusedVsComposite, r.fusedVsOracle, r.compositeVsOracle].map(
      (d) => `${e(d.maxAbs)} ${e(d.maxRel)}`,
    );
    console.log(`${r.quantity.padEnd(14)}${cells.join('  ')}`);
  }
  console.log('');
  console.log('impl        fwd+bwd (median)   tape nodes   saved for backward (of which new)');
  for (const p of perf) {
    const ms = `${(p.seconds * 1000).toFixed(3)} ms`;
    console.log(
      `${p.impl.padEnd(12)}${ms.padStart(16)}   ${String(p.tapeNodes).padStart(10)}   ${p.savedBytes} B (${p.savedBytesNew} B)`,
    );
  }
  console.log('');
  console.log(
    'max rel = max |a − b| / max |b| (b: the second of the pair); oracle: float64 with compensated sums',
  );
}
