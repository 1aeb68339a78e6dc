/**
 * The experiment this project started from, reproduced: NumPy's legacy generator seeded with 123
 * draws x (3×5), weight (5), bias (5) and dLoss (3×5), all float64, in that order; a
 * BatchNorm1d(5) in training mode normalises x and backpropagates dLoss. Printed with 8 decimals in
 * NumPy's layout, for the fused and the composite implementation, then their largest difference.
 * test/seed-example.test.ts checks these numbers against PyTorch's (test/fixtures/seed_batchnorm.json).
 *
 * Run: npm run example:seed
 */
import { pathToFileURL } from 'node:url';
import { nn, noGrad, random, type Tensor } from '../src/index.js';

export interface SeedResult {
  y: Tensor;
  dx: Tensor;
  dweight: Tensor;
  dbias: Tensor;
  runningMean: Tensor;
  runningVar: Tensor;
}

/** Runs the experiment with one implementation. */
export function seedExperiment(impl: nn.functional.BatchNormImpl): SeedResult {
  random.seed(123);
  const x = random.random([3, 5]).requiresGrad_();
  const weight = random.random([5]);
  const bias = random.random([5]);
  const dLoss = random.random([3, 5]);
  const bn = new nn.BatchNorm1d(5, { dtype: 'float64', impl });
  noGrad(() => {
    bn.weight!.copy_(weight);
    bn.bias!.copy_(bias);
  });
  const y = bn.forward(x);
  y.backward(dLoss);
  return {
    y,
    dx: x.grad!,
    dweight: bn.weight!.grad!,
    dbias: bn.bias!.grad!,
    runningMean: bn.runningMean!,
    runningVar: bn.runningVar!,
  };
}

/**
 * Formats a 1-D or 2-D tensor as NumPy prints it with `precision=8` (floatmode 'maxprec'):
 * at most 8 decimals, trailing zeros dropped, columns aligned on the decimal point.
 */
export function formatNumpy(t: Tensor): string {
  const parts = Array.from(t.data, (v) => {
    const s = v.toFixed(8).replace(/0+$/, '');
    const [int, frac] = s.split('.');
    return { int, frac };
  });
  const left = Math.max(...parts.map((p) => p.int.length));
  const right = Math.max(...parts.map((p) => p.frac.length));
  const cells = parts.map((p) => `${p.int.padStart(left)}.${p.frac.padEnd(right)}`);
  const row = (r: string[]): string => `[${r.join(' ')}]`;
  if (t.ndim === 1) return row(cells);
  const cols = t.shape[1];
  const rows: string[] = [];
  for (let i = 0; i < t.shape[0]; i++) rows.push(row(cells.slice(i * cols, (i + 1) * cols)));
  return `[${rows.join('\n ')}]`;
}

function maxAbsDiff(a: Tensor, b: Tensor): number {
  let m = 0;
  for (let i = 0; i < a.size; i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
  return m;
}

function main(): void {
  const fused = seedExperiment('fused');
  const composite = seedExperiment('composite');
  for (const [label, r] of [
    ['fused', fused],
    ['composite', composite],
  ] as const) {
    console.log(`== ${label} ==`);
    for (const key of ['y', 'dx', 'dweight', 'dbias'] as const)
      console.log(`${key}\n${formatNumpy(r[key])}`);
  }
  console.log('== max |fused − composite| ==');
  for (const key of ['y', 'dx', 'dweight', 'dbias', 'runningMean', 'runningVar'] as const) {
    console.log(`${key.padEnd(12)} ${maxAbsDiff(fused[key], composite[key]).toExponential(3)}`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href)
  main();
