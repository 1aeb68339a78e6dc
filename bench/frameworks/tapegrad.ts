/**
 * tapegrad itself, through its public API (the same calls a user makes). Every timed call runs in
 * `tidy` and returns what the probe needs; the next call releases those outputs first, so each
 * call after the first gets the pool blocks the previous one gave back, and nothing accumulates.
 */
import {
  add,
  autograd,
  data,
  matmul,
  mul,
  nn,
  noGrad,
  optim,
  setNumThreads,
  sum,
  tensor,
  tidy,
  transpose,
  type Tensor,
} from '../../src/index.js';
import { cnnData, cnnModel, floats, labels, mnistData, mnistModel } from '../lib/inputs.js';
import {
  numel,
  probeIndices,
  type EpochWorkload,
  type InputSpec,
  type Workload,
} from '../lib/workloads.js';
import { pick, variantOf, type Adapter, type Context, type Impl, type Offer } from './types.js';
import { epochRunner } from '../lib/epoch.js';
import type { Case, Probe } from '../lib/measure.js';

function input(spec: InputSpec, dtype: 'float32' | 'float64', requiresGrad = false): Tensor {
  const t = tensor(floats(spec, dtype), { shape: spec.shape, dtype });
  return requiresGrad ? t.requiresGrad_() : t;
}

function probeOf(named: Record<string, Tensor>): Probe {
  const out: Probe = {};
  for (const [k, t] of Object.entries(named)) out[k] = pick(t.data, probeIndices(t.size));
  return out;
}

function release(tensors: Iterable<Tensor>): void {
  for (const t of tensors) t.dispose();
}

/**
 * A case that calls `f` in `tidy` and keeps its named outputs until the next call, for the probe
 * (with what `more` names, such as gradients in `.grad`). `inputs` are released with the case.
 */
function simple(
  f: () => Record<string, Tensor>,
  inputs: Tensor[] = [],
  more: () => Record<string, Tensor> = () => ({}),
): Case {
  let last: Record<string, Tensor> = {};
  return {
    run() {
      release(Object.values(last));
      last = tidy(f);
    },
    probe: () => probeOf({ ...last, ...more() }),
    dispose() {
      release(Object.values(last));
      last = {};
      release(inputs);
    },
  };
}

/**
 * BatchNorm forward and backward, with the gradients returned by `autograd.grad`, or (`backward`)
 * accumulated by `y.backward(dy)` into `.grad` of x, weight and bias, which are zeroed in place
 * before each call as a training step's `zeroGrad` does (untimed, as in `torch_bench.py`).
 */
function batchNormCase(
  w: Extract<Workload, { kind: 'batchnorm' }>,
  impl: Impl,
  backward: boolean,
): Case {
  const x = input(w.x, w.dtype, true);
  const weight = input(w.weight, w.dtype, true);
  const bias = input(w.bias, w.dtype, true);
  const dy = input(w.dy, w.dtype);
  const forward = (): Tensor =>
    nn.functional.batchNorm(x, null, null, weight, bias, { training: true, eps: w.eps, impl });
  if (!backward) {
    return simple(() => {
      const y = forward();
      const [dx, dw, db] = autograd.grad(y, [x, weight, bias], { gradOutputs: [dy] });
      return { y, dx: dx!, dweight: dw!, dbias: db! };
    }, [x, weight, bias, dy]);
  }
  const c = simple(
    () => {
      const y = forward();
      y.backward(dy);
      return { y };
    },
    [x, weight, bias, dy],
    () => ({ dx: x.grad!, dweight: weight.grad!, dbias: bias.grad! }),
  );
  return {
    ...c,
    reset() {
      for (const t of [x, weight, bias]) t.grad?.zero_();
    },
  };
}

/**
 * One epoch of the demo network (the MLP, or the CNN of `cnnModel`), written as a user writes it:
 * the loop over the `DataLoader`, and each step in `tidy`, with the loss read inside.
 */
function epochCase(impl: Impl, w: EpochWorkload, ctx: Context): Case {
  const mnist = w.kind === 'mnist-epoch' ? mnistData() : cnnData();
  const model = w.kind === 'mnist-epoch' ? mnistModel(impl) : cnnModel(impl);
  // Only the buffers (running statistics) may be missing; a parameter name of the shared list
  // that the model lacks would otherwise leave its initial value in place unnoticed.
  const { unexpectedKeys } = model.loadStateDict(
    Object.fromEntries(
      mnist.params.map((p) => [p.name, tensor(p.values, { shape: p.shape, dtype: 'float32' })]),
    ),
    { strict: false },
  );
  if (unexpectedKeys.length > 0) {
    throw new Error(`${w.id}: the model has no parameters ${unexpectedKeys.join(', ')}`);
  }
  const optimizer = new optim.SGD(model.parameters(), { lr: w.lr, momentum: w.momentum });
  const lossFn = new nn.CrossEntropyLoss();
  const images = tensor(mnist.images, { shape: [mnist.count, 784], dtype: 'float32' });
  const targets = tensor(mnist.labels, { shape: [mnist.count], dtype: 'int32' });
  // The demo's loop, on the shared order (no reshuffling).
  const loader = new data.DataLoader(new data.TensorDataset(images, targets), {
    batchSize: w.batchSize,
  });
  return epochRunner({
    batches: loader.length,
    deadline: ctx.epochDeadline,
    *losses() {
      model.train();
      for (const [x, y] of loader) {
        yield tidy(() => {
          optimizer.zeroGrad();
          const loss = lossFn.forward(model.forward(x), y);
          loss.backward();
          optimizer.step();
          return loss.item();
        });
      }
    },
    dispose() {
      release([images, targets, ...model.parameters(), ...model.namedBuffers().map(([, t]) => t)]);
    },
  });
}

/**
 * Thread counts measured for the products, the fused BatchNorm and the epoch (the f32 matmul and
 * large [N, C] BatchNorm use threads); each run sets its own, since the harness interleaves rows.
 */
const THREADS = [1, 2] as const;

function onThreads(threads: number, c: Case): Case {
  return {
    ...c,
    run() {
      setNumThreads(threads);
      return c.run();
    },
  };
}

export const tapegrad: Adapter = {
  id: 'tapegrad',
  async init() {
    const { kernelBackend, matmulKernelInfo } = await import('../../src/kernels/wasm/index.js');
    if (kernelBackend() !== 'wasm') {
      return 'plain TypeScript reference kernels (TAPEGRAD_KERNELS=reference), 1 thread';
    }
    const { sharedMemory, relaxedSimd } = matmulKernelInfo();
    return (
      'WebAssembly SIMD kernels for matmul (f32), BatchNorm, SGD (f32), arithmetic (same shape, a ' +
      'repeated row, a scalar, a per-channel operand), ReLU, negate, abs, sqrt, casts and sums ' +
      'over leading dims, TypeScript for the rest, on tensors resident in one WebAssembly memory (a pool allocator); ' +
      'each timed call runs in `tidy`; the f32 matmul ' +
      (relaxedSimd ? 'with relaxed-SIMD FMA, ' : 'without FMA, ') +
      (sharedMemory
        ? 'and the fused [N, C] BatchNorm on 1 or 2 threads (rows 1T, 2T; others 1 thread)'
        : 'on 1 thread')
    );
  },
  offers(w, ctx): Offer[] {
    const row = { framework: 'tapegrad' } as const;
    switch (w.kind) {
      case 'batchnorm':
        // The fused op on 1 and 2 threads ([N, C] calls from 2¹⁸ elements share their channels);
        // the composite, whose ops run on one thread, on 1; each with both gradient forms.
        return (
          [
            ['fused', 1],
            ['fused', 2],
            ['composite', 1],
          ] as const
        ).flatMap(([impl, threads]) =>
          [false, true].map((backward) => ({
            row: { framework: 'tapegrad', variant: variantOf(impl, backward), threads },
            async: false,
            make: () => onThreads(threads, batchNormCase(w, impl, backward)),
          })),
        );
      case 'binary':
        return [
          {
            row,
            async: false,
            make: () => {
              const a = input(w.a, w.dtype);
              const b = input(w.b, w.dtype);
              const op = w.op === 'add' ? add : mul;
              return simple(() => ({ out: op(a, b) }), [a, b]);
            },
          },
        ];
      case 'sum0':
        return [
          {
            row,
            async: false,
            make: () => {
              const x = input(w.x, w.dtype);
              return simple(() => ({ out: sum(x, 0) }), [x]);
            },
          },
        ];
      case 'cross-entropy':
        return [
          {
            row,
            async: false,
            make: () => {
              const logits = input(w.logits, w.dtype, true);
              const target = tensor(labels(w.labels), { shape: w.labels.shape, dtype: 'int32' });
              return simple(() => {
                const loss = nn.functional.crossEntropy(logits, target);
                const [g] = autograd.grad(loss, [logits]);
                return { loss, grad: g! };
              }, [logits, target]);
            },
          },
        ];
      case 'matmul':
        return THREADS.map((threads) => ({
          row: { framework: 'tapegrad', threads },
          async: false,
          make: () => {
            const a = input(w.a, w.dtype);
            const b = input(w.b, w.dtype);
            const f =
              w.transpose === 'a'
                ? () => matmul(transpose(a, 0, 1), b)
                : w.transpose === 'b'
                  ? () => matmul(a, transpose(b, 0, 1))
                  : () => matmul(a, b);
            return onThreads(
              threads,
              simple(() => ({ out: noGrad(f) }), [a, b]),
            );
          },
        }));
      case 'conv2d':
        return THREADS.map((threads) => ({
          row: { framework: 'tapegrad', threads },
          async: false,
          make: () => {
            const x = input(w.x, w.dtype, true);
            const weight = input(w.weight, w.dtype, true);
            const bias = input(w.bias, w.dtype, true);
            const dy = input(w.dy, w.dtype);
            const opts = { padding: w.padding, stride: w.stride };
            return onThreads(
              threads,
              simple(() => {
                const y = nn.functional.conv2d(x, weight, bias, opts);
                const [dx, dw, db] = autograd.grad(y, [x, weight, bias], { gradOutputs: [dy] });
                return { y, dx: dx!, dweight: dw!, dbias: db! };
              }, [x, weight, bias, dy]),
            );
          },
        }));
      case 'mnist-epoch':
      case 'cnn-epoch':
        return (['fused', 'composite'] as const).flatMap((impl) =>
          THREADS.map((threads) => ({
            row: { framework: 'tapegrad', variant: impl, threads } as const,
            async: false,
            make: () => onThreads(threads, epochCase(impl, w, ctx)),
          })),
        );
    }
  },
};

/** Bytes the fused and composite BatchNorm keep for backward, from the tape itself. */
export function savedForBackward(
  shape: number[],
  dtype: 'float32' | 'float64',
): { impl: string; nodes: number; savedBytes: number; newBytes: number; inputBytes: number }[] {
  const c = shape[1];
  return (['fused', 'composite'] as const).map((impl) =>
    tidy(() => {
      const x = tensor(new (dtype === 'float32' ? Float32Array : Float64Array)(numel(shape)), {
        shape,
        dtype,
      }).requiresGrad_();
      const weight = tensor(new (dtype === 'float32' ? Float32Array : Float64Array)(c).fill(1), {
        dtype,
      }).requiresGrad_();
      const bias = tensor(new (dtype === 'float32' ? Float32Array : Float64Array)(c), {
        dtype,
      }).requiresGrad_();
      const y = nn.functional.batchNorm(x, null, null, weight, bias, { training: true, impl });
      const s = autograd.graphStats(y, [x]);
      return {
        impl,
        nodes: s.nodes,
        savedBytes: s.savedBytes,
        newBytes: s.savedBytesExcluding,
        inputBytes: x.data.byteLength,
      };
    }),
  );
}
