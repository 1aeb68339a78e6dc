/**
 * Fused BatchNorm1d forward + backward (training, batch statistics) through the public API, median
 * of the runs, each in `tidy`; with the WebAssembly kernels, also the kernel calls alone on
 * operands in the tensor memory (minimum of the runs), next to one copy of the tensor within that
 * memory, the cost of one pass that reads and writes it: the forward reads x three times and
 * writes y, the backward reads x and dy twice and writes dx.
 *
 *   node --import tsx bench/batchnorm-kernels.ts [--dtype float32|float64] [--backend wasm|reference]
 *
 * One backend per process: after the other backend has run, the same process measured the
 * reference path a third slower (heap and allocator state), so compare separate runs.
 */
import { parseArgs } from 'node:util';
import { autograd, nn, tensor, tidy, type Tensor } from '../src/index.js';
import { Block } from '../src/storage/block.js';
import { batchNormBackwardKernel, batchNormForwardKernel } from '../src/kernels/batchnorm.js';
import { setKernelBackend, type KernelBackend } from '../src/kernels/wasm/index.js';

const { values: args } = parseArgs({
  options: {
    dtype: { type: 'string', default: 'float32' },
    backend: { type: 'string', default: 'wasm' },
  },
});
const dtype = args.dtype === 'float64' ? 'float64' : 'float32';
const backend: KernelBackend = args.backend === 'reference' ? 'reference' : 'wasm';

/** `length` values of `value()` in a block of the tensor memory, where the kernels read them. */
function storage(length: number, value: () => number): Float32Array | Float64Array {
  const data = Block.alloc(dtype, length, true, false).data as Float32Array | Float64Array;
  for (let i = 0; i < length; i++) data[i] = value();
  return data;
}
const SHAPES = [
  [64, 128],
  [4096, 1024],
  [256, 64, 64],
];

function random(shape: number[], offset: number, requiresGrad: boolean): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = storage(size, () => offset + Math.random() * 2 - 1);
  const t = tensor(values, { shape, dtype });
  return requiresGrad ? t.requiresGrad_() : t;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Milliseconds per call of `f` over `runs` timed runs (after warm-up), reduced by `pick`. */
function time(f: () => void, size: number, pick: (xs: number[]) => number): number {
  const runs = size > 1e6 ? 15 : size > 1e5 ? 50 : 400;
  const batch = size > 1e5 ? 1 : 20;
  for (let i = 0; i < 20; i++) f();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    for (let k = 0; k < batch; k++) f();
    times.push((performance.now() - t0) / batch);
  }
  return pick(times);
}

function throughApi(shape: number[], backend: KernelBackend): number {
  setKernelBackend(backend);
  const c = shape[1];
  const x = random(shape, 3, true);
  const weight = random([c], 1, true);
  const bias = random([c], 0, true);
  const dy = random(shape, 0, false);
  return time(
    () =>
      tidy(() => {
        const y = nn.functional.batchNorm(x, null, null, weight, bias, {
          training: true,
          impl: 'fused',
        });
        autograd.grad(y, [x, weight, bias], { gradOutputs: [dy] });
      }),
    x.size,
    median,
  );
}

function kernels(shape: number[]): { forward: number; backward: number; copy: number } {
  setKernelBackend('wasm');
  const [n, c] = shape;
  const l = shape[2] ?? 1;
  const x = storage(n * c * l, () => 3 + Math.random());
  const dy = storage(x.length, () => Math.random() - 0.5);
  const weight = storage(c, () => 1 + Math.random());
  const y = storage(x.length, () => 0);
  const dx = storage(x.length, () => 0);
  const stats = batchNormForwardKernel(y, x, weight, weight, n, c, l, 1e-5, null);
  const min = (xs: number[]): number => Math.min(...xs);
  return {
    forward: time(
      () => batchNormForwardKernel(y, x, weight, weight, n, c, l, 1e-5, null),
      x.length,
      min,
    ),
    backward: time(
      () => batchNormBackwardKernel(dx, dy, x, stats.mean, stats.invstd, weight, n, c, l, true),
      x.length,
      min,
    ),
    copy: time(() => y.set(x), x.length, min),
  };
}

const fmt = (ms: number): string =>
  ms < 1 ? `${(ms * 1000).toFixed(1)} µs` : `${ms.toFixed(2)} ms`;
for (const shape of SHAPES) {
  const api = `${dtype} ${shape.join('×')}: API forward+backward (${backend}) ${fmt(throughApi(shape, backend))}`;
  if (backend === 'reference') {
    console.log(api);
  } else {
    const k = kernels(shape);
    console.log(
      `${api} | kernels: forward ${fmt(k.forward)}, backward ${fmt(k.backward)},` +
        ` one copy ${fmt(k.copy)}`,
    );
  }
}
