/**
 * Computations run both in Node (by the browser tests themselves) and in Chromium (bundled into
 * the test pages), so that the two runs are the same code on the same seeds and their results
 * can be compared bit for bit. Results are plain data (numbers and hex strings), which
 * `page.evaluate` carries out of the page unchanged.
 */
import { mnistModel } from '../../examples/lib/mnist-model.js';
import { manualSeed, nn, optim, randn, tensor, tidy, type Tensor } from '../../src/index.js';

/** A tensor's values and the hex of its bytes (little-endian, as stored). */
export interface Bits {
  shape: number[];
  dtype: string;
  values: number[];
  hex: string;
}

export function bitsOf(t: Tensor): Bits {
  const data = t.data;
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return {
    shape: [...t.shape],
    dtype: t.dtype,
    values: Array.from(data),
    hex: Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(''),
  };
}

/** The hex of a float64 number's bits. */
export function hexOf(x: number): string {
  const bytes = new Uint8Array(Float64Array.of(x).buffer);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export interface QuickstartResult {
  loss: Bits;
  xGrad: Bits;
  wGrad: Bits;
  /** What examples/quickstart.ts prints. */
  printed: string[];
}

/** The computation of examples/quickstart.ts (README's quick start), with its values. */
export function quickstart(): QuickstartResult {
  const x = tensor(
    [
      [1, 2],
      [3, 4],
    ],
    { requiresGrad: true },
  );
  const w = tensor([0.5, -0.25], { requiresGrad: true });
  const loss = x.matmul(w).tanh().square().mean();
  loss.backward();
  return {
    loss: bitsOf(loss),
    xGrad: bitsOf(x.grad!),
    wGrad: bitsOf(w.grad!),
    printed: [loss.toString(), x.grad!.toString(), w.grad!.toString()],
  };
}

export interface MlpResult {
  /** The loss of every step, as float64 hex (the loss itself is float32). */
  losses: string[];
  /** The loss values, for reading. */
  lossValues: number[];
  /** Every entry of the state dict after the last step (weights and running statistics). */
  state: Record<string, string>;
}

/**
 * The demo's network (examples/lib/mnist-model.ts: 784 → 256 → BatchNorm1d → ReLU → 128 → BatchNorm1d → ReLU → 10) trained
 * with SGD with momentum on a fixed random batch. Its first product, 64×784·784×256, is large
 * enough to be shared between threads where there are any, so the Node run (two threads on
 * two cores) and a browser main thread (one) also check that the split does not change a bit.
 */
export function mlpTraining(
  options: { steps?: number; impl?: 'fused' | 'composite' } = {},
): MlpResult {
  const { steps = 8, impl = 'fused' } = options;
  manualSeed(0);
  const model = mnistModel(impl);
  const x = randn([64, 784]);
  const y = randn([64, 10]).argmax(1);
  const lossFn = new nn.CrossEntropyLoss();
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
  const lossValues: number[] = [];
  for (let step = 0; step < steps; step++) {
    lossValues.push(
      tidy(() => {
        optimizer.zeroGrad();
        const loss = lossFn.forward(model.forward(x), y);
        loss.backward();
        optimizer.step();
        return loss.item();
      }),
    );
  }
  const state: Record<string, string> = {};
  for (const [name, t] of Object.entries(model.stateDict())) state[name] = bitsOf(t).hex;
  return { losses: lossValues.map(hexOf), lossValues, state };
}
