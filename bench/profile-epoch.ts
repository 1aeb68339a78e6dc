/**
 * Where an epoch of the demo network goes: runs `--epochs` epochs (the first is warm-up) of the
 * benchmark's MNIST epoch (batch 64, SGD with momentum) under V8's CPU profiler and splits the
 * calling thread's time by the innermost category each sample is in: the float32 matmul (the
 * calling thread's share), the tensor memory (pool, scopes and releases), the SGD step, gradient accumulation, BatchNorm, cross-entropy,
 * bias gradients (sums over the batch), data loading, zeroGrad and the garbage collector; the
 * rest is the tape and the other ops. Worker threads' shares of the matmul are not in it.
 *
 *   node --import tsx bench/profile-epoch.ts [--epochs 4] [--threads 2] [--after-large]
 */
import { Session, type Profiler } from 'node:inspector';
import { parseArgs } from 'node:util';
import { autograd, nn, tensor } from '../src/index.js';
import { tapegrad } from './frameworks/tapegrad.js';
import { WORKLOADS } from './lib/workloads.js';

const { values: args } = parseArgs({
  options: {
    epochs: { type: 'string', default: '4' },
    threads: { type: 'string', default: '2' },
    // One float32 4096×1024 BatchNorm forward + backward after the warm-up: its large arrays,
    // once freed, leave the allocator in the state that later small allocations are slower in.
    'after-large': { type: 'boolean', default: false },
  },
});
const epochs = Math.max(2, Number(args.epochs));
const threads = Number(args.threads);

// The benchmark's own epoch (`npm run bench`, row "tapegrad fused 1T/2T"): same data, order,
// initial weights and loop.
const workload = WORKLOADS.find((w) => w.kind === 'mnist-epoch')!;
const offer = tapegrad
  .offers(workload, { epochDeadline: 600 })
  .find((o) => o.row.variant === 'fused' && o.row.threads === threads);
if (offer === undefined || !('make' in offer)) throw new Error(`no epoch on ${threads} thread(s)`);
const run = await offer.make();

function epoch(): number {
  const t0 = performance.now();
  run.run();
  return performance.now() - t0;
}

const session = new Session();
session.connect();
const post = (method: string, params?: object): Promise<unknown> =>
  new Promise((resolve, reject) =>
    session.post(method, params, (err, result) => (err ? reject(err) : resolve(result))),
  );

epoch(); // warm-up, not profiled
if (args['after-large']) {
  const x = tensor(
    new Float32Array(4096 * 1024).fill(1).map((_, i) => Math.sin(i)),
    {
      shape: [4096, 1024],
    },
  ).requiresGrad_();
  const y = nn.functional.batchNorm(x, null, null, null, null, { training: true });
  autograd.grad(y, [x], { gradOutputs: [y.detach()] });
}
await post('Profiler.enable');
await post('Profiler.setSamplingInterval', { interval: 100 });
await post('Profiler.start');
const times: number[] = [];
for (let e = 1; e < epochs; e++) times.push(epoch());
const { profile } = (await post('Profiler.stop')) as { profile: Profiler.Profile };
session.disconnect();

/** Categories by the functions (`name@file`) that start them, innermost first. */
const CATEGORIES: [string, RegExp][] = [
  ['matmul (calling thread’s share)', /^(matmulF32@|forward@linalg\.ts$)/],
  [
    'tensor memory (pool, scopes, releases)',
    /^((allocBytes|freeBlock)@pool\.ts|(alloc|release|toPlain)@block\.ts|(close|tensorsIn|track|register|unregister)@scope\.ts)$/,
  ],
  ['SGD step', /^sgdKernel@/],
  ['gradient accumulation', /^accumulateGrad@/],
  ['BatchNorm (fused, forward and backward)', /^(batchNormFused|backwardWithKernel)@/],
  ['cross-entropy', /^crossEntropy@/],
  ['bias gradients (sum over the batch)', /^unbroadcast@/],
  ['data loading', /^batches@/],
  ['zeroGrad', /^zeroGrad@/],
  ['garbage collector', /^\(garbage collector\)@/],
];
const parent = new Map<number, number>();
const byId = new Map<number, Profiler.ProfileNode>();
for (const node of profile.nodes) {
  byId.set(node.id, node);
  for (const c of node.children ?? []) parent.set(c, node.id);
}
const selfMs = new Map<number, number>();
profile.samples!.forEach((id, i) => {
  selfMs.set(id, (selfMs.get(id) ?? 0) + profile.timeDeltas![i] / 1000);
});
const totals = new Map<string, number>();
let all = 0;
for (const [id, ms] of selfMs) {
  if (byId.get(id)!.callFrame.functionName === '(idle)') continue;
  all += ms;
  let category = 'tape, tensor layer and other ops';
  for (let q: number | undefined = id; q !== undefined; q = parent.get(q)) {
    const frame = byId.get(q)!.callFrame;
    const name = `${frame.functionName}@${frame.url.split('/').pop() ?? ''}`;
    const hit = CATEGORIES.find(([, re]) => re.test(name));
    if (hit) {
      category = hit[0];
      break;
    }
  }
  totals.set(category, (totals.get(category) ?? 0) + ms);
}
const per = (ms: number): string => `${(ms / times.length).toFixed(1).padStart(6)} ms`;
console.log(
  `epochs (ms): ${times.map((t) => t.toFixed(0)).join(', ')}; per epoch, by category ` +
    `(${args.threads} thread(s)):`,
);
for (const [name, ms] of [...totals].sort((a, b) => b[1] - a[1])) {
  console.log(`${per(ms)}  ${((100 * ms) / all).toFixed(0).padStart(3)} %  ${name}`);
}
