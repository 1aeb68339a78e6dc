/**
 * The playground page: controls, live charts (uPlot) and the fused-vs-composite panel. All
 * tensor work happens in the training Worker (../worker.ts); this side sends it settings and
 * draws what it reports.
 *
 * Query parameters preset the controls and can start a run at once, e.g.
 * `?model=mlp&steps=40&evalEvery=10&autostart=1` (the browser tests use them).
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { ModelId, PageMessage, ReportRow, TrainSettings, WorkerMessage } from '../protocol.js';

function element<T extends HTMLElement>(id: string, type: new () => T): T {
  const el = document.getElementById(id);
  if (!(el instanceof type)) throw new Error(`the page has no ${type.name} #${id}`);
  return el;
}

const ui = {
  status: element('status', HTMLParagraphElement),
  env: element('env', HTMLParagraphElement),
  model: element('model', HTMLSelectElement),
  modelLayers: element('model-layers', HTMLParagraphElement),
  impl: element('impl', HTMLSelectElement),
  threads: element('threads', HTMLSelectElement),
  lr: element('lr', HTMLInputElement),
  batchSize: element('batch-size', HTMLInputElement),
  steps: element('steps', HTMLInputElement),
  start: element('start', HTMLButtonElement),
  stop: element('stop', HTMLButtonElement),
  step: element('stat-step', HTMLElement),
  loss: element('stat-loss', HTMLElement),
  accuracy: element('stat-accuracy', HTMLElement),
  ms: element('stat-ms', HTMLElement),
  threadsInUse: element('stat-threads', HTMLElement),
  lossChart: element('loss-chart', HTMLDivElement),
  accuracyChart: element('accuracy-chart', HTMLDivElement),
  batch: element('batch', HTMLInputElement),
  compare: element('compare', HTMLButtonElement),
  compareSummary: element('compare-summary', HTMLSpanElement),
  compareTable: element('compare-table', HTMLTableElement),
};

const params = new URLSearchParams(location.search);
const evalEvery = Number(params.get('evalEvery') ?? 50);
for (const [param, input] of [
  ['lr', ui.lr],
  ['batchSize', ui.batchSize],
  ['steps', ui.steps],
  ['batch', ui.batch],
] as const) {
  const value = params.get(param);
  if (value !== null) input.value = value;
}
const impl = params.get('impl');
if (impl === 'fused' || impl === 'composite') ui.impl.value = impl;

/**
 * What the page has seen, on `globalThis.playground` for the browser tests: every loss, every
 * accuracy, and the last comparison.
 */
const state = {
  status: 'loading' as 'loading' | 'ready' | 'training' | 'done' | 'error',
  threads: 0,
  isolated: false,
  losses: [] as number[],
  accuracies: [] as { step: number; accuracy: number }[],
  compare: null as null | { batch: number; layer: string; rows: ReportRow[]; maxAbs: number },
  error: null as string | null,
};
Reflect.set(globalThis, 'playground', state);

// --- charts ----------------------------------------------------------------------------------

const lossData: [number[], number[], number[]] = [[], [], []];
const accuracyData: [number[], number[]] = [[], []];

function chartOptions(
  series: uPlot.Series[],
  yLabel: string,
  range?: uPlot.Range.MinMax,
): uPlot.Options {
  return {
    width: 400,
    height: 250,
    scales: { x: { time: false }, ...(range === undefined ? {} : { y: { range } }) },
    legend: { live: false },
    series: [{ label: 'step' }, ...series],
    axes: [{ label: 'step' }, { label: yLabel, size: 56 }],
  };
}

const lossPlot = new uPlot(
  chartOptions(
    [
      { label: 'loss', stroke: 'rgba(37, 99, 235, 0.3)', width: 1 },
      { label: 'moving average', stroke: '#2563eb', width: 2 },
    ],
    'cross-entropy',
  ),
  lossData,
  ui.lossChart,
);
const accuracyPlot = new uPlot(
  chartOptions(
    [{ label: 'test accuracy', stroke: '#059669', width: 2, points: { show: true } }],
    '%',
    [0, 100],
  ),
  accuracyData,
  ui.accuracyChart,
);

function fitCharts(): void {
  for (const [plot, box] of [
    [lossPlot, ui.lossChart],
    [accuracyPlot, ui.accuracyChart],
  ] as const) {
    plot.setSize({ width: Math.max(200, box.clientWidth), height: 250 });
  }
}
new ResizeObserver(fitCharts).observe(ui.lossChart);

let redraw = 0;
/** Redraws at most once a frame, however many steps arrive. */
function scheduleRedraw(): void {
  if (redraw !== 0) return;
  redraw = requestAnimationFrame(() => {
    redraw = 0;
    lossPlot.setData(lossData);
    accuracyPlot.setData(accuracyData);
  });
}

// --- the Worker ------------------------------------------------------------------------------

const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const send = (message: PageMessage): void => worker.postMessage(message);

function setStatus(text: string, error = false): void {
  ui.status.textContent = text;
  ui.status.classList.toggle('error', error);
}

function setTraining(training: boolean): void {
  state.status = training ? 'training' : state.status === 'training' ? 'done' : state.status;
  ui.start.disabled = training;
  ui.stop.disabled = !training;
  ui.model.disabled = training;
  ui.impl.disabled = training;
}

function settings(): TrainSettings {
  return {
    model: ui.model.value === 'cnn' ? 'cnn' : 'mlp',
    impl: ui.impl.value === 'composite' ? 'composite' : 'fused',
    lr: Number(ui.lr.value),
    momentum: 0.9,
    batchSize: Math.max(2, Math.floor(Number(ui.batchSize.value))),
    steps: Math.max(1, Math.floor(Number(ui.steps.value))),
    evalEvery: Math.max(1, evalEvery),
    seed: 0,
  };
}

function startTraining(): void {
  lossData.forEach((column) => (column.length = 0));
  accuracyData.forEach((column) => (column.length = 0));
  state.losses = [];
  state.accuracies = [];
  scheduleRedraw();
  setTraining(true);
  const s = settings();
  setStatus(`Training the ${s.model.toUpperCase()} (${s.impl} BatchNorm)…`);
  send({ type: 'train', settings: s });
}

function showComparison(message: Extract<WorkerMessage, { type: 'compare' }>): void {
  const body = ui.compareTable.tBodies[0];
  body.replaceChildren(
    ...message.rows.map((row) => {
      const tr = document.createElement('tr');
      const cells = [
        row.name,
        // A quantity neither side has (the second derivative in bias, as the output is linear
        // in it) comes with no shape.
        row.shape.length === 0 ? '–' : `[${row.shape.join(', ')}]`,
        row.maxAbs.toExponential(2),
        row.maxRel.toExponential(2),
      ];
      cells.forEach((text, i) => {
        const td = document.createElement('td');
        td.textContent = text;
        if (i >= 2) td.className = 'num';
        tr.append(td);
      });
      return tr;
    }),
  );
  ui.compareTable.hidden = false;
  ui.compareSummary.textContent =
    `${message.layer}, input [${message.inputShape.join(', ')}], batch ${message.batch}: ` +
    (message.maxAbs === 0
      ? 'identical, bit for bit.'
      : `largest difference ${message.maxAbs.toExponential(2)} (relative ${message.maxRel.toExponential(2)}).`);
  state.compare = {
    batch: message.batch,
    layer: message.layer,
    rows: message.rows,
    maxAbs: message.maxAbs,
  };
}

const ema = { value: 0, weight: 0 };

worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
  const message = event.data;
  switch (message.type) {
    case 'ready': {
      state.status = 'ready';
      state.isolated = message.isolated;
      ui.model.replaceChildren(...message.models.map((m) => new Option(m.label, m.id)));
      const wanted = message.models.find((m) => m.id === params.get('model'));
      if (wanted !== undefined) ui.model.value = wanted.id;
      // The selected model's layers under the selector, and its learning rate (unless the query
      // sets one for the first run).
      const showModel = (setLr: boolean): void => {
        const choice = message.models.find((m) => m.id === ui.model.value);
        ui.modelLayers.textContent = choice?.layers ?? '';
        if (setLr && choice !== undefined) ui.lr.value = String(choice.lr);
      };
      ui.model.addEventListener('change', () => showModel(true));
      showModel(params.get('lr') === null);
      const counts = Array.from({ length: Math.max(1, message.cpus) }, (_, i) => i + 1);
      ui.threads.replaceChildren(...counts.map((n) => new Option(String(n), String(n))));
      ui.threads.value = String(message.threads);
      ui.threadsInUse.textContent = String(message.threads);
      state.threads = message.threads;
      ui.batch.max = String(Math.floor(message.trainSize / settings().batchSize) - 1);
      ui.start.disabled = false;
      ui.compare.disabled = false;
      ui.env.textContent =
        `Cross-origin isolated: ${message.isolated ? 'yes' : 'no (one thread only)'} · ` +
        `${message.cpus} CPUs · the model trains in a module Worker.`;
      setStatus(
        `${message.trainSize} training and ${message.testSize} test digits loaded over HTTP ` +
          `in ${message.loadMs.toFixed(0)} ms.`,
      );
      const threads = params.get('threads');
      if (threads !== null) send({ type: 'threads', threads: Number(threads) });
      if (params.get('autostart') === '1') startTraining();
      return;
    }
    case 'threads':
      ui.threads.value = String(message.threads);
      ui.threadsInUse.textContent = String(message.threads);
      state.threads = message.threads;
      return;
    case 'step': {
      ema.weight = 0.95 * ema.weight + 0.05;
      ema.value = 0.95 * ema.value + 0.05 * message.loss;
      lossData[0].push(message.step);
      lossData[1].push(message.loss);
      lossData[2].push(ema.value / ema.weight);
      state.losses.push(message.loss);
      ui.step.textContent = String(message.step);
      ui.loss.textContent = message.loss.toFixed(4);
      ui.ms.textContent = `${message.ms.toFixed(1)} ms`;
      scheduleRedraw();
      return;
    }
    case 'eval':
      accuracyData[0].push(message.step);
      accuracyData[1].push(message.accuracy * 100);
      state.accuracies.push({ step: message.step, accuracy: message.accuracy });
      ui.accuracy.textContent = `${(message.accuracy * 100).toFixed(1)}%`;
      scheduleRedraw();
      return;
    case 'done':
      setTraining(false);
      ema.value = 0;
      ema.weight = 0;
      setStatus(`${message.stopped ? 'Stopped' : 'Done'} after ${message.steps} steps.`);
      return;
    case 'compare':
      ui.compare.disabled = false;
      showComparison(message);
      return;
    case 'error':
      state.error = message.message;
      ui.compare.disabled = false;
      if (state.status === 'training' || state.status === 'loading') {
        state.status = 'error';
        setTraining(false);
      }
      setStatus(`Error: ${message.message}`, true);
      return;
  }
};
worker.onerror = (event) => {
  state.status = 'error';
  state.error = event.message;
  setStatus(`The training Worker failed: ${event.message}`, true);
};

ui.start.addEventListener('click', startTraining);
ui.stop.addEventListener('click', () => send({ type: 'stop' }));
ui.threads.addEventListener('change', () =>
  send({ type: 'threads', threads: Number(ui.threads.value) }),
);
ui.compare.addEventListener('click', () => {
  ui.compare.disabled = true;
  const model: ModelId = ui.model.value === 'cnn' ? 'cnn' : 'mlp';
  send({
    type: 'compare',
    batch: Math.floor(Number(ui.batch.value)),
    batchSize: settings().batchSize,
    model,
  });
});
fitCharts();
send({ type: 'init' });
