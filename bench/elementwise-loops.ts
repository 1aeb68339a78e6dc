/**
 * The elementwise kernels alone (no tensors, no allocation): microseconds per call and
 * nanoseconds per element, the best of 30 samples of at least 2 ms each (three passes over the
 * cases; on a shared machine other processes only ever add time), for add, mul, mul and sub with
 * a scalar on either side, maximum, threshold_backward, gt, exp and ReLU on float32 and float64
 * arrays of 1e3, 1e5 and 1e6 elements, a bias add [64, 256] + [256] and a column sub
 * [64, 256] − [64, 1]. Inputs are uniform in [−1, 1), so the ops that branch on their values
 * (ReLU, maximum, threshold_backward, gt) branch unpredictably from 1e5 elements on. Before
 * anything is timed, every op runs in every layout on both float types, as in a program that
 * uses many ops, so that the loops are timed in that steady state.
 *
 *   node --import tsx bench/elementwise-loops.ts [--backend reference|wasm]
 *
 * `reference` (the default) times the TypeScript loops; with `wasm`, arrays of 2048 elements or
 * more of add, sub, mul, div, threshold_backward and ReLU, of one shape or with a repeated row,
 * go to the SIMD kernels.
 */
import { parseArgs } from 'node:util';
import {
  BINARY,
  UNARY,
  binaryKernel,
  broadcastLayout,
  unaryKernel,
  type BinaryOp,
  type UnaryOp,
} from '../src/kernels/elementwise.js';
import { setKernelBackend, type KernelBackend } from '../src/kernels/wasm/index.js';

type Floats = Float32Array | Float64Array;

const THR: BinaryOp = 'thresholdBackward';

function runUnary(op: UnaryOp, out: Floats, x: Floats): void {
  unaryKernel(op, out, x, x.length, 0);
}

function runBinary(
  op: BinaryOp,
  out: Floats,
  a: Floats,
  b: Floats,
  outShape: number[],
  aShape: number[],
  bShape: number[],
): () => void {
  const { shape, sa, sb } = broadcastLayout(outShape, aShape, bShape);
  return () => binaryKernel(op, out, a, b, shape, sa, sb);
}

/** Runs every op once on `a`, `b` (of `a`'s length) and the one-element `s`, in each layout. */
function warmEveryOp(a: Floats, b: Floats, s: Floats): void {
  const out = a.slice();
  const n = a.length;
  for (const op of Object.keys(UNARY) as UnaryOp[]) unaryKernel(op, out, a, n, 3);
  for (const op of Object.keys(BINARY) as BinaryOp[]) {
    binaryKernel(op, out, a, b, [n], [1], [1]);
    binaryKernel(op, out, a, s, [n], [1], [0]);
    binaryKernel(op, out, s, b, [n], [0], [1]);
    binaryKernel(op, out, a, b.subarray(0, 16), [n / 16, 16], [16, 1], [0, 1]);
  }
}

const { values: args } = parseArgs({
  options: { backend: { type: 'string', default: 'reference' } },
});
const backend: KernelBackend = args.backend === 'wasm' ? 'wasm' : 'reference';
setKernelBackend(backend);

function floats(dtype: 'float32' | 'float64', n: number): Floats {
  const v = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = Math.random() * 2 - 1;
  return v;
}

/** Calls `f` in batches of at least 2 ms; nanoseconds per call of the fastest of `samples`. */
function time(f: () => void, samples: number): number {
  let batch = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) f();
    if (performance.now() - t0 >= 2) break;
    batch *= 2;
  }
  let best = Infinity;
  for (let s = 0; s < samples; s++) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) f();
    best = Math.min(best, ((performance.now() - t0) * 1e6) / batch);
  }
  return best;
}

interface Case {
  name: string;
  dtype: string;
  n: number;
  run: () => void;
}
const cases: Case[] = [];
for (const dtype of ['float32', 'float64'] as const) {
  for (const n of [1e3, 1e5, 1e6]) {
    const a = floats(dtype, n);
    const b = floats(dtype, n);
    const s = floats(dtype, 1);
    const out = floats(dtype, n);
    cases.push(
      { name: 'add', dtype, n, run: runBinary('add', out, a, b, [n], [n], [n]) },
      { name: 'mul', dtype, n, run: runBinary('mul', out, a, b, [n], [n], [n]) },
      { name: 'mul, scalar right', dtype, n, run: runBinary('mul', out, a, s, [n], [n], [1]) },
      { name: 'sub, scalar left', dtype, n, run: runBinary('sub', out, s, a, [n], [1], [n]) },
      { name: 'maximum', dtype, n, run: runBinary('maximum', out, a, b, [n], [n], [n]) },
      { name: 'thresholdBackward', dtype, n, run: runBinary(THR, out, a, b, [n], [n], [n]) },
      { name: 'gt', dtype, n, run: runBinary('gt', out, a, b, [n], [n], [n]) },
      { name: 'exp', dtype, n, run: () => runUnary('exp', out, a) },
      { name: 'relu', dtype, n, run: () => runUnary('relu', out, a) },
    );
  }
  const a = floats(dtype, 64 * 256);
  const bias = floats(dtype, 256);
  const column = floats(dtype, 64);
  const out = floats(dtype, 64 * 256);
  const [rows, cols] = [64, 256];
  cases.push(
    {
      name: 'add bias [64,256]+[256]',
      dtype,
      n: rows * cols,
      run: runBinary('add', out, a, bias, [rows, cols], [rows, cols], [cols]),
    },
    {
      name: 'sub column [64,256]-[64,1]',
      dtype,
      n: rows * cols,
      run: runBinary('sub', out, a, column, [rows, cols], [rows, cols], [rows, 1]),
    },
  );
}

// Steady state of a program that uses many ops: every op runs, on both float types and in every
// layout, before anything is timed. Then three passes over the cases; each keeps its best time.
for (const dtype of ['float32', 'float64'] as const) {
  for (let i = 0; i < 200; i++)
    warmEveryOp(floats(dtype, 256), floats(dtype, 256), floats(dtype, 1));
}
const best = cases.map(() => Infinity);
for (let pass = 0; pass < 3; pass++) {
  cases.forEach((c, i) => (best[i] = Math.min(best[i], time(c.run, 10))));
}
console.log(`backend ${backend}, Node ${process.version}\n`);
console.log('| op | dtype | elements | µs/call | ns/element |\n| --- | --- | ---: | ---: | ---: |');
cases.forEach((c, i) => {
  const ns = best[i];
  console.log(
    `| ${c.name} | ${c.dtype} | ${c.n} | ${(ns / 1e3).toFixed(2)} | ${(ns / c.n).toFixed(3)} |`,
  );
});
