/**
 * Convolutions (`nn.functional.conv1d` / `conv2d`, `nn.Conv1d` / `nn.Conv2d`) and
 * `nn.functional.pad` against PyTorch 1.13, on both kernel sets (WebAssembly im2col + matmul,
 * and the TypeScript reference loops), and the two kernel sets against each other.
 *
 * Reference values come from scripts/gen_conv_fixtures.py (its header has the command), stored
 * in test/fixtures/conv.json.
 */
import { readFileSync } from 'node:fs';
import { fc, test } from '@fast-check/vitest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  autograd,
  DTypeError,
  kernelBackend,
  manualSeed,
  nn,
  random,
  setKernelBackend,
  ShapeError,
  tensor,
  ValueError,
  type KernelBackend,
  type Tensor,
} from '../src/index.js';
import {
  convForwardReference,
  convInputGradReference,
  convWeightGradReference,
  type ConvGeometry,
} from '../src/kernels/conv.js';
import { getNumThreads, matmulThreads, setNumThreads } from '../src/kernels/wasm/index.js';
import {
  convForwardWasm,
  convInputGradWasm,
  convWeightGradWasm,
} from '../src/kernels/wasm/conv.js';
import { decode, parseRepr, type FixtureTensor } from './helpers/fixtures.js';

const F = nn.functional;

interface ConvCase {
  name: string;
  op: 'conv1d' | 'conv2d';
  options: nn.functional.ConvOptions;
  x: FixtureTensor;
  weight: FixtureTensor;
  bias: FixtureTensor | null;
  y: FixtureTensor;
  dy: FixtureTensor;
  dx: FixtureTensor;
  dweight: FixtureTensor;
  dbias: FixtureTensor | null;
  second?: { v: FixtureTensor; dweight: FixtureTensor; ddy: FixtureTensor };
}

interface ModuleCase {
  seed: number;
  module: 'Conv1d' | 'Conv2d';
  inChannels: number;
  outChannels: number;
  kernelSize: number | number[];
  options: {
    stride?: number | number[];
    padding?: number | number[] | 'same' | 'valid';
    dilation?: number | number[];
    groups?: number;
    bias?: boolean;
    padding_mode?: nn.PaddingMode;
  };
  dtype: 'float32' | 'float64';
  weight: FixtureTensor;
  bias: FixtureTensor | null;
  extraRepr: string;
  stateDictKeys: string[];
  x: FixtureTensor;
  y: FixtureTensor;
  after: string;
}

interface PadCase {
  pad: number[];
  mode: nn.functional.PadMode;
  value: number | null;
  x: FixtureTensor;
  y: FixtureTensor;
  dy: FixtureTensor;
  dx: FixtureTensor;
}

const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/conv.json', import.meta.url), 'utf8'),
) as { conv: ConvCase[]; modules: ModuleCase[]; pad: PadCase[] };

const BACKENDS: KernelBackend[] = ['wasm', 'reference'];
const initialBackend = kernelBackend();
afterEach(() => setKernelBackend(initialBackend));

const flat = (t: Tensor): number[] => Array.from(t.data as Float32Array | Float64Array);
const values = (t: FixtureTensor): number[] => t.data.map(parseRepr);

/** |a − b| ≤ atol + rtol·|b| elementwise, shapes equal. */
function expectClose(actual: Tensor, expected: FixtureTensor, rtol: number, atol: number): void {
  expect(actual.shape).toEqual(expected.shape);
  const a = flat(actual);
  const e = values(expected);
  let worst = 0;
  for (let i = 0; i < e.length; i++) {
    worst = Math.max(worst, Math.abs(a[i] - e[i]) - rtol * Math.abs(e[i]));
  }
  expect(worst).toBeLessThanOrEqual(atol);
}

function convOf(c: ConvCase): (x: Tensor, w: Tensor, b: Tensor | null) => Tensor {
  const fn = c.op === 'conv1d' ? F.conv1d : F.conv2d;
  return (x, w, b) => fn(x, w, b, c.options);
}

describe.each(BACKENDS)('conv1d / conv2d against PyTorch (%s kernels)', (backend) => {
  it.each(fixture.conv.map((c) => [c.name, c] as const))('%s', (_, c) => {
    setKernelBackend(backend);
    const f32 = c.x.dtype === 'float32';
    const [rtol, atol] = f32 ? [1e-5, 1e-5] : [1e-12, 1e-12];
    const x = decode(c.x, true);
    const w = decode(c.weight, true);
    const b = c.bias === null ? null : decode(c.bias, true);
    const y = convOf(c)(x, w, b);
    expectClose(y, c.y, rtol, atol);
    // Unbatched input is unsqueezed and the output squeezed, as in PyTorch (SqueezeBackward1).
    if (c.x.shape.length === (c.op === 'conv1d' ? 3 : 4)) {
      expect(y.gradFn?.name).toBe('ConvolutionBackward0');
    }
    const inputs = b === null ? [x, w] : [x, w, b];
    const grads = autograd.grad([y], inputs, { gradOutputs: [decode(c.dy)] });
    expectClose(grads[0]!, c.dx, rtol, atol);
    expectClose(grads[1]!, c.dweight, rtol, atol);
    if (b !== null) expectClose(grads[2]!, c.dbias!, rtol, atol);
  });

  it.each(fixture.conv.filter((c) => c.second !== undefined).map((c) => [c.name, c] as const))(
    'second derivatives: %s',
    (_, c) => {
      setKernelBackend(backend);
      const x = decode(c.x, true);
      const w = decode(c.weight, true);
      const b = c.bias === null ? null : decode(c.bias, true);
      const dy = decode(c.dy, true);
      const [dx] = autograd.grad([convOf(c)(x, w, b)], [x], {
        gradOutputs: [dy],
        createGraph: true,
      });
      const s = dx!.mul(decode(c.second!.v)).sum();
      const [gw, gdy] = autograd.grad([s], [w, dy]);
      expectClose(gw!, c.second!.dweight, 1e-12, 1e-12);
      expectClose(gdy!, c.second!.ddy, 1e-12, 1e-12);
    },
  );
});

describe('the WebAssembly convolution kernels against the reference loops', () => {
  const geometry = fc.record({
    nd: fc.constantFrom(1, 2),
    n: fc.integer({ min: 1, max: 12 }),
    groups: fc.integer({ min: 1, max: 3 }),
    cg: fc.integer({ min: 1, max: 3 }),
    og: fc.integer({ min: 1, max: 3 }),
    k: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 })),
    size: fc.tuple(fc.integer({ min: 4, max: 9 }), fc.integer({ min: 4, max: 40 })),
    stride: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
    padding: fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })),
    dilation: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
    dtype: fc.constantFrom('float32' as const, 'float64' as const),
    bias: fc.boolean(),
  });

  test.prop([geometry], { numRuns: 40 })(
    'forward and both gradients agree (float64 forward bit for bit, the rest to rounding)',
    (g) => {
      const dims = g.nd === 1 ? 1 : 2;
      const pick = (t: [number, number]): number[] => (dims === 1 ? [t[1]] : t);
      const c = g.cg * g.groups;
      const o = g.og * g.groups;
      random.seed(g.n * 31 + c);
      const x = random
        .standardNormal([g.n, c, ...pick(g.size)])
        .to(g.dtype)
        .requiresGrad_();
      const w = random
        .standardNormal([o, g.cg, ...pick(g.k)])
        .to(g.dtype)
        .requiresGrad_();
      const b = g.bias ? random.standardNormal([o]).to(g.dtype).requiresGrad_() : null;
      const options = {
        stride: pick(g.stride),
        padding: pick(g.padding),
        dilation: pick(g.dilation),
        groups: g.groups,
      };
      const fn = dims === 1 ? F.conv1d : F.conv2d;
      const run = (backend: KernelBackend): Tensor[] => {
        setKernelBackend(backend);
        const y = fn(x, w, b, options);
        random.seed(7);
        const dy = random.standardNormal(y.shape).to(g.dtype);
        const inputs = b === null ? [x, w] : [x, w, b];
        return [y, ...autograd.grad([y], inputs, { gradOutputs: [dy] }).map((t) => t!)];
      };
      const fast = run('wasm');
      const ref = run('reference');
      const tol = g.dtype === 'float32' ? 2e-5 : 1e-12;
      fast.forEach((t, i) => {
        const a = flat(t);
        const r = flat(ref[i]);
        const scale = Math.max(1, ...r.map(Math.abs));
        if (g.dtype === 'float64' && i === 0) expect(a).toEqual(r);
        else
          for (let j = 0; j < r.length; j++)
            expect(Math.abs(a[j] - r[j])).toBeLessThan(tol * scale);
      });
    },
  );
});

describe('the WebAssembly convolution kernels on plain arrays', () => {
  it('run (staging their operands) and match the loops: float64 exactly, several chunks', () => {
    const geo: ConvGeometry = {
      ...{ n: 50, c: 4, h: 5, w: 6, o: 6, kh: 3, kw: 2, oh: 3, ow: 7, sh: 2, sw: 1 },
      ...{ ph: 1, pw: 1, dh: 1, dw: 1, groups: 2 },
    };
    random.seed(11);
    const draw = (n: number): Float64Array => random.standardNormal([n]).data as Float64Array;
    const x = Float64Array.from(draw(geo.n * geo.c * geo.h * geo.w));
    const w = Float64Array.from(draw((geo.o * geo.c * geo.kh * geo.kw) / geo.groups));
    const b = Float64Array.from(draw(geo.o));
    const g = Float64Array.from(draw(geo.n * geo.o * geo.oh * geo.ow));
    const run = (
      fast: (out: Float64Array) => boolean,
      ref: (out: Float64Array) => void,
      n: number,
    ): [number[], number[]] => {
      const a = new Float64Array(n).fill(NaN);
      const r = new Float64Array(n);
      expect(fast(a)).toBe(true);
      ref(r);
      return [Array.from(a), Array.from(r)];
    };
    const [y, yRef] = run(
      (o) => convForwardWasm(o, x, w, b, geo),
      (o) => convForwardReference(o, x, w, b, geo),
      g.length,
    );
    expect(y).toEqual(yRef);
    const [dx, dxRef] = run(
      (o) => convInputGradWasm(o, g, w, geo),
      (o) => convInputGradReference(o, g, w, geo),
      x.length,
    );
    const [dw, dwRef] = run(
      (o) => convWeightGradWasm(o, x, g, geo),
      (o) => convWeightGradReference(o, x, g, geo),
      w.length,
    );
    dx.forEach((v, i) => expect(Math.abs(v - dxRef[i])).toBeLessThan(1e-12));
    dw.forEach((v, i) => expect(Math.abs(v - dwRef[i])).toBeLessThan(1e-11));
  });
});

describe('a convolution layer on worker threads', () => {
  it('gives the same bits on 1 and 2 threads (its products are shared by columns)', async () => {
    const threads = getNumThreads();
    try {
      // The MNIST CNN's second layer: products of 32×144·144×(11·196) per chunk of samples.
      setNumThreads(2);
      await vi.waitFor(() => expect(matmulThreads(32, 144, 2156)).toBe(2), {
        timeout: 20_000,
        interval: 20,
      });
      manualSeed(5);
      const conv = new nn.Conv2d(16, 32, 3, { padding: 1 });
      random.seed(6);
      const x = random.standardNormal([64, 16, 14, 14]).float().requiresGrad_();
      const dy = random.standardNormal([64, 32, 14, 14]).float();
      const run = (n: number): number[][] => {
        setNumThreads(n);
        setKernelBackend('wasm');
        const y = conv.forward(x);
        const grads = autograd.grad([y], [x, conv.weight, conv.bias!], { gradOutputs: [dy] });
        return [y, ...grads.map((t) => t!)].map(flat);
      };
      expect(run(2)).toEqual(run(1));
    } finally {
      setNumThreads(threads);
    }
  });
});

describe('nn.Conv1d / nn.Conv2d', () => {
  const build = (c: ModuleCase): nn.Conv1d | nn.Conv2d => {
    const { padding_mode: paddingMode, ...rest } = c.options;
    const Cls = c.module === 'Conv1d' ? nn.Conv1d : nn.Conv2d;
    return new Cls(c.inChannels, c.outChannels, c.kernelSize, {
      ...rest,
      paddingMode,
      dtype: c.dtype,
    });
  };

  it.each(fixture.modules.map((c) => [c.extraRepr, c] as const))(
    'initialises, prints and runs as PyTorch: %s',
    (_, c) => {
      manualSeed(c.seed);
      const m = build(c);
      // The seeded draws are PyTorch's (weight, then bias) and nothing more.
      expect(flat(m.weight)).toEqual(values(c.weight));
      if (c.bias === null) expect(m.bias).toBeNull();
      else expect(flat(m.bias!)).toEqual(values(c.bias));
      expect(random.random().item()).toBe(parseRepr(c.after));
      expect(m.extraRepr()).toBe(c.extraRepr);
      expect(Object.keys(m.stateDict())).toEqual(c.stateDictKeys);
      const y = m.forward(decode(c.x));
      expectClose(
        y,
        c.y,
        c.dtype === 'float32' ? 1e-5 : 1e-12,
        c.dtype === 'float32' ? 1e-6 : 1e-12,
      );
    },
  );

  it('checks its arguments with PyTorch’s messages', () => {
    expect(() => new nn.Conv2d(3, 16, 3, { groups: 2 })).toThrow(
      new ValueError('Conv2d: in_channels must be divisible by groups'),
    );
    expect(() => new nn.Conv2d(4, 15, 3, { groups: 2 })).toThrow(
      new ValueError('Conv2d: out_channels must be divisible by groups'),
    );
    expect(() => new nn.Conv1d(4, 16, 3, { groups: 0 })).toThrow(
      new ValueError('Conv1d: groups must be a positive integer'),
    );
    expect(() => new nn.Conv2d(4, 16, 3, { padding: 'same', stride: 2 })).toThrow(
      new ValueError("Conv2d: padding='same' is not supported for strided convolutions"),
    );
    expect(() => new nn.Conv2d(4, 16, 3, { paddingMode: 'foo' as nn.PaddingMode })).toThrow(
      new ValueError(
        "Conv2d: padding_mode must be one of {'replicate', 'reflect', 'zeros', 'circular'}, but got padding_mode='foo'",
      ),
    );
  });

  it('learns: its gradients reach weight and bias', () => {
    manualSeed(3);
    const m = new nn.Conv2d(2, 3, 3, { padding: 1, dtype: 'float64' });
    random.seed(4);
    const x = random.standardNormal([2, 2, 5, 5]);
    m.forward(x).square().sum().backward();
    expect(m.weight.grad!.shape).toEqual([3, 2, 3, 3]);
    expect(m.bias!.grad!.shape).toEqual([3]);
    expect(flat(m.weight.grad!).some((v) => v !== 0)).toBe(true);
  });
});

describe('conv1d / conv2d errors', () => {
  const w = tensor(new Float32Array(16 * 9), { shape: [16, 1, 3, 3] });
  const zeros = (shape: number[]): Tensor =>
    tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)), { shape });

  it.each([
    [
      'wrong input channels',
      () => F.conv2d(zeros([64, 3, 28, 28]), w),
      ShapeError,
      'conv2d: Given groups=1, weight of size [16, 1, 3, 3], expected input[64, 3, 28, 28] to have 1 channels, but got 3 channels instead',
    ],
    [
      'wrong channels, unbatched (PyTorch names the batched shape)',
      () => F.conv2d(zeros([3, 28, 28]), w),
      ShapeError,
      'conv2d: Given groups=1, weight of size [16, 1, 3, 3], expected input[1, 3, 28, 28] to have 1 channels, but got 3 channels instead',
    ],
    [
      'kernel larger than the padded input',
      () => F.conv2d(zeros([1, 1, 2, 2]), w),
      ShapeError,
      "conv2d: Calculated padded input size per channel: (2 x 2). Kernel size: (3 x 3). Kernel size can't be greater than actual input size",
    ],
    [
      'dilated kernel larger than the input',
      () => F.conv2d(zeros([1, 1, 4, 4]), w, null, { dilation: 2 }),
      ShapeError,
      "conv2d: Calculated padded input size per channel: (4 x 4). Kernel size: (5 x 5). Kernel size can't be greater than actual input size",
    ],
    [
      "'same' with a stride",
      () => F.conv2d(zeros([1, 1, 8, 8]), w, null, { stride: 2, padding: 'same' }),
      ValueError,
      "conv2d: padding='same' is not supported for strided convolutions",
    ],
    [
      'an unknown padding string',
      () => F.conv2d(zeros([1, 1, 8, 8]), w, null, { padding: 'foo' as 'same' }),
      ValueError,
      "conv2d: Invalid padding string: 'foo'",
    ],
    [
      'a 2-D input to conv2d',
      () => F.conv2d(zeros([28, 28]), w),
      ShapeError,
      'conv2d: Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [28, 28]',
    ],
    [
      'a 4-D weight for conv1d',
      () => F.conv1d(zeros([1, 1, 28]), w),
      ShapeError,
      'conv1d: Expected 4-dimensional input for 4-dimensional weight [16, 1, 3, 3], but got 3-dimensional input of size [1, 1, 28] instead',
    ],
    [
      'groups not dividing the output channels',
      () => F.conv2d(zeros([1, 4, 8, 8]), zeros([15, 2, 3, 3]), null, { groups: 2 }),
      ShapeError,
      'conv2d: Given groups=2, expected weight to be divisible by 2 at dimension 0, but got weight of size [15, 2, 3, 3] instead',
    ],
    [
      'a bias of the wrong size',
      () => F.conv2d(zeros([1, 1, 8, 8]), w, zeros([15])),
      ShapeError,
      'conv2d: Given weight of size [16, 1, 3, 3], expected bias to be 1-dimensional with 16 elements, but got bias of size [15] instead',
    ],
    [
      'a stride list of the wrong length',
      () => F.conv2d(zeros([1, 1, 8, 8]), w, null, { stride: [1, 1, 1] }),
      ValueError,
      'conv2d: expected stride to be a single integer value or a list of 2 values to match the convolution dimensions, but got stride=[1, 1, 1]',
    ],
    [
      'a zero stride',
      () => F.conv2d(zeros([1, 1, 8, 8]), w, null, { stride: 0 }),
      ValueError,
      'conv2d: non-positive stride is not supported',
    ],
    [
      'negative padding',
      () => F.conv2d(zeros([1, 1, 8, 8]), w, null, { padding: -1 }),
      ValueError,
      'conv2d: negative padding is not supported',
    ],
    [
      'zero dilation',
      () => F.conv2d(zeros([1, 1, 8, 8]), w, null, { dilation: 0 }),
      ValueError,
      'conv2d: dilation should be greater than zero, but got [0, 0]',
    ],
    [
      'zero groups',
      () => F.conv2d(zeros([1, 1, 8, 8]), w, null, { groups: 0 }),
      ValueError,
      'conv2d: non-positive groups is not supported',
    ],
    [
      'mixed dtypes',
      () => F.conv2d(zeros([1, 1, 8, 8]), w.double()),
      DTypeError,
      'conv2d: expected scalar type Float but found Double',
    ],
    [
      'a shape error before a weight of another dtype',
      () => F.conv2d(zeros([1, 3, 8, 8]), w.double()),
      ShapeError,
      'conv2d: Given groups=1, weight of size [16, 1, 3, 3], expected input[1, 3, 8, 8] to have 1 channels, but got 3 channels instead',
    ],
    [
      'a bias of another dtype (checked first)',
      () => F.conv2d(zeros([1, 3, 8, 8]), w, zeros([15]).double()),
      DTypeError,
      'conv2d: Input type (float) and bias type (double) should be the same',
    ],
  ] as const)('%s', (_, fn, type, message) => {
    expect(fn).toThrow(type);
    expect(fn).toThrow(message);
  });

  it('accepts an empty batch', () => {
    expect(F.conv2d(zeros([0, 1, 5, 5]), w).shape).toEqual([0, 16, 3, 3]);
  });
});

describe.each(BACKENDS)('nn.functional.pad against PyTorch (%s kernels)', (backend) => {
  it.each(
    fixture.pad.map(
      (c) => [`${c.mode} ${JSON.stringify(c.pad)} of ${JSON.stringify(c.x.shape)}`, c] as const,
    ),
  )('%s', (_, c) => {
    setKernelBackend(backend);
    const x = decode(c.x, true);
    const y = F.pad(x, c.pad, c.mode, c.value ?? undefined);
    expect(y.shape).toEqual(c.y.shape);
    expect(flat(y)).toEqual(values(c.y));
    const [dx] = autograd.grad([y], [x], { gradOutputs: [decode(c.dy)] });
    expectClose(dx!, c.dx, 1e-14, 1e-14);
  });
});

describe('nn.functional.pad errors', () => {
  const x = random.standardNormal([2, 3, 4]);
  const cases = [
    [() => F.pad(x, [1, 2, 3]), ValueError, 'pad: Padding length must be divisible by 2'],
    [() => F.pad(x, [1, 1, 1, 1, 1, 1, 1, 1]), ValueError, 'pad: Padding length too large'],
    [() => F.pad(x, [1, 1], 'foo' as 'reflect'), ValueError, 'pad: Unrecognised padding mode foo'],
    [
      () => F.pad(x, [1, 1], 'reflect', 2),
      ValueError,
      'pad: Padding mode "reflect" doesn\'t take in value argument',
    ],
    [
      () => F.pad(random.standardNormal([4]), [1, 1], 'reflect'),
      ShapeError,
      'pad: Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now',
    ],
    [
      () => F.pad(x, [4, 0], 'reflect'),
      ShapeError,
      'pad: Argument #4: Padding size should be less than the corresponding input dimension, but got: padding (4, 0) at dimension 2 of input [2, 3, 4]',
    ],
    [
      () => F.pad(random.standardNormal([3, 4]), [1, 1], 'circular'),
      ShapeError,
      'pad: Invalid padding size, expected 0 but got 2',
    ],
    [
      () => F.pad(x, [5, 0], 'circular'),
      ValueError,
      'pad: Padding value causes wrapping around more than once.',
    ],
    [
      () => F.pad(x, [-3, -2], 'replicate'),
      ShapeError,
      'pad: input (W: 4) is too small. Calculated output W: -1',
    ],
    [
      () => F.pad(x, [-5, 0]),
      ShapeError,
      'pad: The input size 4, plus negative padding -5 and 0 resulted in a negative output size, which is invalid. Check dimension 2 of your input.',
    ],
    // PyTorch 1.13's texts: 2-D reflection padding prints the input's rank, not its shape, and
    // numbers the argument by the dim (#4 width, #6 height, #8 depth).
    [
      () => F.pad(random.standardNormal([1, 1, 3, 3]), [3, 0, 0, 0], 'reflect'),
      ShapeError,
      'pad: Argument #4: Padding size should be less than the corresponding input dimension, but got: padding (3, 0) at dimension 3 of input 4',
    ],
    [
      () => F.pad(random.standardNormal([1, 1, 3, 3]), [0, 0, 3, 0], 'reflect'),
      ShapeError,
      'pad: Argument #6: Padding size should be less than the corresponding input dimension, but got: padding (3, 0) at dimension 2 of input 4',
    ],
    [
      () => F.pad(random.standardNormal([1, 1, 3, 3, 3]), [0, 0, 0, 0, 3, 0], 'reflect'),
      ShapeError,
      'pad: Argument #8: Padding size should be less than the corresponding input dimension, but got: padding (3, 0) at dimension 2 of input [1, 1, 3, 3, 3]',
    ],
    // With a positive pad anywhere, PyTorch wants every padded dim non-empty...
    [
      () => F.pad(random.standardNormal([1, 3]), [0, 3, 0, -1]),
      ShapeError,
      'pad: The input size 1, plus negative padding 0 and -1 resulted in a negative output size, which is invalid. Check dimension 0 of your input.',
    ],
    // ...and a negative pad may not remove more than the dim holds (PyTorch fails in its narrow).
    [
      () => F.pad(random.standardNormal([2, 1]), [-2, 3]),
      ShapeError,
      'pad: The negative padding -2 and 3 removes more than the input size 1 of dimension 1.',
    ],
  ] as const;
  it.each(cases.map(([fn, type, message]) => [message, fn, type] as const))(
    'throws “%s”',
    (message, fn, type) => {
      expect(fn).toThrow(type);
      expect(fn).toThrow(message);
    },
  );
});
