/**
 * The playground's training Worker (a module Worker, started by page/main.ts): loads the MNIST
 * digits over HTTP, builds the model the page asks for, trains it step by step and reports each
 * loss and the test accuracy, and runs `autograd.compareVjp` on the fused and the composite
 * BatchNorm for a batch the page picks.
 *
 * tapegrad's threads need a thread that may wait for others, which a Worker is and a page's main
 * thread is not, and a cross-origin isolated page (see server.ts).
 */
import {
  autograd,
  data,
  getNumThreads,
  manualSeed,
  nn,
  noGrad,
  optim,
  setNumThreads,
  Tensor,
  tensor,
  tidy,
} from '../../src/index.js';
import { cnnModel, mnistModel } from '../lib/mnist-model.js';
import type { DigitsManifest } from './digits.js';
import type {
  BatchNormImplName,
  ModelChoice,
  ModelId,
  PageMessage,
  TrainSettings,
  WorkerMessage,
} from './protocol.js';

// The project compiles without the DOM's types: the little of a Worker's scope used is declared here.
interface WorkerScope {
  onmessage: ((event: { data: PageMessage }) => void) | null;
  postMessage(message: WorkerMessage): void;
}
const scope: WorkerScope = Reflect.get(globalThis, 'self');
const post = (message: WorkerMessage): void => scope.postMessage(message);

// ---------------------------------------------------------------------------------------------
// The digits, from the files the build step wrote beside this script (see build.ts).

interface Split {
  images: Tensor;
  labels: Tensor;
}

async function fetchDigits(): Promise<{ train: Split; test: Split }> {
  const base = new URL('./', import.meta.url);
  const manifest = (await (await fetch(new URL('mnist.json', base))).json()) as DigitsManifest;
  const bytes = new Uint8Array(await (await fetch(new URL('mnist.bin', base))).arrayBuffer());
  const { pixels, trainSize, testSize } = manifest;
  const expected = (trainSize + testSize) * (pixels + 1);
  if (bytes.length !== expected) {
    throw new Error(`mnist.bin has ${bytes.length} bytes, the manifest says ${expected}`);
  }
  // Each byte is the index of the pixel's value in the manifest's table of 256 values.
  const values = Float32Array.from(manifest.values);
  const images = (start: number, n: number): Tensor => {
    const out = new Float32Array(n * pixels);
    for (let i = 0; i < out.length; i++) out[i] = values[bytes[start + i]];
    return tensor(out, { shape: [n, pixels] });
  };
  const labels = (start: number, n: number): Tensor =>
    tensor(Int32Array.from(bytes.subarray(start, start + n)), { dtype: 'int32' });
  const imageBytes = (trainSize + testSize) * pixels;
  return {
    train: { images: images(0, trainSize), labels: labels(imageBytes, trainSize) },
    test: {
      images: images(trainSize * pixels, testSize),
      labels: labels(imageBytes + trainSize, testSize),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The models: the networks of `npm run demo` and `npm run demo:cnn`. Both take the images as
// flat 784-pixel rows (the CNN unflattens them to 1×28×28 itself).

function modelChoices(): ModelChoice[] {
  return [
    {
      id: 'mlp',
      label: 'MLP (BatchNorm1d)',
      layers: '784 → 256 → BatchNorm1d → ReLU → 128 → BatchNorm1d → ReLU → 10',
      lr: 0.05,
    },
    {
      id: 'cnn',
      label: 'CNN (BatchNorm2d)',
      layers:
        '1×28×28 → (Conv2d 3×3 → BatchNorm2d → ReLU → MaxPool2d 2) with 16, then 32 channels ' +
        '→ Linear 1568 → 10',
      // At the MLP's 0.05 (momentum 0.9, batch 32) its loss leapt from 2.3 to about 12 within
      // the first ten steps; at 0.015 it falls from the start.
      lr: 0.015,
    },
  ];
}

interface Model {
  id: ModelId;
  net: nn.Sequential;
}

function buildModel(id: ModelId, impl: BatchNormImplName): Model {
  return { id, net: id === 'mlp' ? mnistModel(impl) : cnnModel(impl) };
}

function asBatchNorm(m: nn.Module): nn.BatchNorm1d | nn.BatchNorm2d | null {
  return m instanceof nn.BatchNorm1d || m instanceof nn.BatchNorm2d ? m : null;
}

// ---------------------------------------------------------------------------------------------
// Training.

let digits: { train: Split; test: Split } | null = null;
let current: Model | null = null;
/** The run in progress; setting `stop` ends it after the current step. */
let running: { stop: boolean } | null = null;

function loaded(): { train: Split; test: Split } {
  if (digits === null) throw new Error('the digits are not loaded yet');
  return digits;
}

/** Test accuracy, in chunks of 500 images (evaluation mode, no graph). */
function accuracy(model: Model): number {
  const { test } = loaded();
  const n = test.labels.shape[0];
  model.net.eval();
  let correct = 0;
  for (let start = 0; start < n; start += 500) {
    const rows = Math.min(500, n - start);
    correct += tidy(() =>
      noGrad(() => {
        const logits = model.net.forward(test.images.narrow(0, start, rows));
        return logits
          .argmax(1)
          .eq(test.labels.narrow(0, start, rows))
          .float()
          .sum()
          .item();
      }),
    );
  }
  model.net.train();
  return correct / n;
}

/** Lets the page's messages (stop, compare) in between steps. */
const breathe = (): Promise<void> => new Promise((done) => setTimeout(done, 0));

async function train(settings: TrainSettings): Promise<void> {
  const run = { stop: false };
  running = run;
  const { train: trainSplit } = loaded();
  manualSeed(settings.seed);
  const model = buildModel(settings.model, settings.impl);
  current = model;
  const lossFn = new nn.CrossEntropyLoss();
  const optimizer = new optim.SGD(model.net.parameters(), {
    lr: settings.lr,
    momentum: settings.momentum,
  });
  const loader = new data.DataLoader(new data.TensorDataset(trainSplit.images, trainSplit.labels), {
    batchSize: settings.batchSize,
    shuffle: true,
    seed: settings.seed,
  });
  let step = 0;
  let lastBreath = performance.now();
  while (step < settings.steps && !run.stop) {
    for (const [x, y] of loader) {
      if (step >= settings.steps || run.stop) break;
      const start = performance.now();
      const loss = tidy(() => {
        optimizer.zeroGrad();
        const l = lossFn.forward(model.net.forward(x), y);
        l.backward();
        optimizer.step();
        return l.item();
      });
      x.dispose();
      y.dispose();
      step++;
      post({ type: 'step', step, loss, ms: performance.now() - start });
      if (step % settings.evalEvery === 0 || step === settings.steps) {
        post({ type: 'eval', step, accuracy: accuracy(model) });
      }
      // Return to the event loop about every 30 ms: often enough for a Stop to be felt, rarely
      // enough that the Worker's timer clamping (4 ms) costs little.
      if (performance.now() - lastBreath > 30) {
        await breathe();
        lastBreath = performance.now();
      }
    }
  }
  if (step % settings.evalEvery !== 0 && step !== settings.steps) {
    post({ type: 'eval', step, accuracy: accuracy(model) });
  }
  if (running === run) running = null;
  post({ type: 'done', steps: step, stopped: run.stop });
}

// ---------------------------------------------------------------------------------------------
// Fused against composite BatchNorm, on the input the model's first BatchNorm gets for a batch.

function compare(batch: number, batchSize: number, id: ModelId): WorkerMessage {
  const { train: trainSplit } = loaded();
  const batches = Math.floor(trainSplit.labels.shape[0] / batchSize);
  if (!(Number.isInteger(batch) && batch >= 0 && batch < batches)) {
    throw new Error(`batch must be an integer from 0 to ${batches - 1}, got ${batch}`);
  }
  // The model being trained, or (before any training of this model) a new one.
  const model = current?.id === id ? current : buildModel(id, 'fused');
  return tidy(() => {
    let h = trainSplit.images.narrow(0, batch * batchSize, batchSize);
    let bn: nn.BatchNorm1d | nn.BatchNorm2d | null = null;
    let index = 0;
    for (; index < model.net.length; index++) {
      bn = asBatchNorm(model.net.at(index));
      if (bn !== null) break;
      const layer = model.net.at(index);
      h = noGrad(() => layer.forward(h));
    }
    if (bn === null || bn.weight === null || bn.bias === null) {
      throw new Error('the model has no BatchNorm with weight and bias');
    }
    if (bn.runningMean === null || bn.runningVar === null) {
      throw new Error('the BatchNorm keeps no running statistics');
    }
    // nn.functional.batchNorm takes (N, C, *) input, so BatchNorm2d's [N, C, H, W] goes in as it is.
    const inputShape = [...h.shape];
    const { eps, momentum } = bn;
    const batchNorm =
      (impl: BatchNormImplName) =>
      (x: Tensor, weight: Tensor, bias: Tensor, runningMean: Tensor, runningVar: Tensor): Tensor =>
        nn.functional.batchNorm(x, runningMean, runningVar, weight, bias, {
          training: true,
          momentum: momentum ?? 0.1,
          eps,
          impl,
        });
    const report = autograd.compareVjp(
      batchNorm('fused'),
      batchNorm('composite'),
      [
        h.detach().requiresGrad_(true),
        bn.weight.detach().requiresGrad_(true),
        bn.bias.detach().requiresGrad_(true),
        bn.runningMean.detach(),
        bn.runningVar.detach(),
      ],
      { order: 2, seed: batch },
    );
    const names = ['x', 'weight', 'bias', 'running_mean', 'running_var'];
    // compareVjp numbers the inputs; the panel names them.
    const named = (name: string): string =>
      name === 'output 0' ? 'output' : name.replace(/input (\d)/, (_, i) => names[Number(i)]);
    return {
      type: 'compare',
      batch,
      layer: `${model.net.at(index).constructor.name} (layer ${index}) of the ${model.id.toUpperCase()}`,
      inputShape,
      rows: report.differences.map((d) => ({
        name: named(d.name),
        shape: [...d.shape],
        maxAbs: d.maxAbs,
        maxRel: d.maxRel,
      })),
      maxAbs: report.maxAbs,
      maxRel: report.maxRel,
      text: autograd.formatReport(report),
    };
  });
}

// ---------------------------------------------------------------------------------------------

async function handle(message: PageMessage): Promise<void> {
  switch (message.type) {
    case 'init': {
      const start = performance.now();
      digits ??= await fetchDigits();
      const cpus = Number(
        Reflect.get(Reflect.get(globalThis, 'navigator') ?? {}, 'hardwareConcurrency') ?? 1,
      );
      post({
        type: 'ready',
        trainSize: digits.train.labels.shape[0],
        testSize: digits.test.labels.shape[0],
        models: modelChoices(),
        threads: getNumThreads(),
        isolated: Reflect.get(globalThis, 'crossOriginIsolated') === true,
        cpus,
        loadMs: performance.now() - start,
      });
      return;
    }
    case 'threads':
      setNumThreads(message.threads);
      post({ type: 'threads', threads: getNumThreads() });
      return;
    case 'train':
      if (running !== null) throw new Error('a run is in progress: stop it first');
      await train(message.settings);
      return;
    case 'stop':
      if (running !== null) running.stop = true;
      return;
    case 'compare':
      post(compare(message.batch, message.batchSize, message.model));
      return;
  }
}

scope.onmessage = (event) => {
  handle(event.data).catch((e: unknown) => {
    post({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  });
};
