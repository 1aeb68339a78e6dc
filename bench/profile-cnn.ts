/**
 * Where a step of the CNN epoch (`cnn/epoch` of `npm run bench`) goes, layer by layer: each
 * layer of `cnnModel` in training mode on its input for a batch of 64, its forward alone and its
 * forward + `autograd.grad` (w.r.t. its input and parameters; the first Conv2d's input is data,
 * so only its parameters), averaged over `--reps` calls after a warm-up, next to the same
 * measurement of PyTorch's modules (`/usr/bin/python3`, unless `--no-python`). Times are per call,
 * so "fwd+bwd" includes the forward.
 *
 *   node --import tsx bench/profile-cnn.ts [--threads 1] [--reps 20] [--impl fused] [--no-python]
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { autograd, random, setNumThreads, tensor, tidy, type Tensor } from '../src/index.js';
import { cnnModel } from './lib/inputs.js';

const { values: args } = parseArgs({
  options: {
    threads: { type: 'string', default: '1' },
    reps: { type: 'string', default: '20' },
    impl: { type: 'string', default: 'fused' },
    'no-python': { type: 'boolean', default: false },
  },
});
const threads = Number(args.threads);
const reps = Math.max(1, Number(args.reps));
const impl = args.impl === 'composite' ? 'composite' : 'fused';
const BATCH = 64;

function mean(f: () => number): number {
  for (let k = 0; k < 3; k++) f();
  let total = 0;
  for (let k = 0; k < reps; k++) total += f();
  return total / reps;
}

setNumThreads(threads);
const model = cnnModel(impl).train();
const layers = model.namedChildren();
random.seed(1);
const x0 = tensor(Float32Array.from(random.standardNormal([BATCH, 784]).data), {
  shape: [BATCH, 784],
  dtype: 'float32',
});
// Each layer's input: the previous layer's output on the batch, detached.
const inputs: Tensor[] = [];
let h = x0;
for (const [, layer] of layers) {
  inputs.push(h);
  h = tidy(() => layer.forward(h).detach());
}

const lines = [`tapegrad (${impl} BatchNorm2d, ${threads} thread${threads > 1 ? 's' : ''}):`];
let sum = 0;
layers.forEach(([name, layer], i) => {
  const x = inputs[i].detach().requiresGrad_();
  const wrt = i === 1 ? layer.parameters() : [x, ...layer.parameters()];
  const fwd = mean(() => {
    const t0 = performance.now();
    tidy(() => {
      layer.forward(x);
    });
    return performance.now() - t0;
  });
  const both = mean(() => {
    const t0 = performance.now();
    tidy(() => {
      const y = layer.forward(x);
      const dy = tensor(new Float32Array(y.size).fill(0.01), { shape: y.shape, dtype: 'float32' });
      autograd.grad(y, wrt, { gradOutputs: [dy] });
    });
    return performance.now() - t0;
  });
  sum += both;
  lines.push(
    `  ${name.padStart(2)} ${layer.constructor.name.padEnd(12)} fwd ${fwd.toFixed(2)} ms, fwd+bwd ${both.toFixed(2)} ms`,
  );
});
lines.push(`  sum ${sum.toFixed(1)} ms per step, ${((sum * 125) / 1000).toFixed(2)} s per epoch`);
console.log(lines.join('\n'));

const PYTHON = '/usr/bin/python3';
const SCRIPT = `
import sys, time, torch
torch.set_num_threads(${threads})
torch.manual_seed(1)
m = torch.nn.Sequential(
    torch.nn.Unflatten(1, (1, 28, 28)),
    torch.nn.Conv2d(1, 16, 3, padding=1), torch.nn.BatchNorm2d(16), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
    torch.nn.Conv2d(16, 32, 3, padding=1), torch.nn.BatchNorm2d(32), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
    torch.nn.Flatten(), torch.nn.Linear(32 * 7 * 7, 10)).train()
h, ins = torch.randn(${BATCH}, 784), []
for layer in m:
    ins.append(h)
    h = layer(h).detach()
def mean(f):
    for _ in range(3): f()
    return sum(f() for _ in range(${reps})) / ${reps} * 1e3
total = 0
print("PyTorch (${threads} thread${threads > 1 ? 's' : ''}):")
for i, layer in enumerate(m):
    x = ins[i].clone().requires_grad_()
    wrt = list(layer.parameters()) if i == 1 else [x] + list(layer.parameters())
    def fwd():
        t0 = time.perf_counter(); layer(x); return time.perf_counter() - t0
    def both():
        t0 = time.perf_counter(); y = layer(x)
        torch.autograd.grad(y, wrt, torch.full_like(y, 0.01)); return time.perf_counter() - t0
    f, b = mean(fwd), mean(both)
    total += b
    print(f"  {i:>2} {type(layer).__name__:<12} fwd {f:.2f} ms, fwd+bwd {b:.2f} ms")
print(f"  sum {total:.1f} ms per step, {total * 125 / 1000:.2f} s per epoch")
`;
if (!args['no-python'] && existsSync(PYTHON)) {
  const r = spawnSync(PYTHON, ['-c', SCRIPT], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  process.stdout.write(r.stdout);
}
