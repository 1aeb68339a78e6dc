/**
 * Pooling: outputs, argmax indices, input gradients and a second-order value against PyTorch
 * 1.13 (test/fixtures/pool.json, written by scripts/gen_pool_fixtures.py; the command is in its
 * header), under both kernel sets; the WebAssembly kernels against the TypeScript ones bit for
 * bit; the modules' extra_repr texts; and the errors, in PyTorch's words.
 *
 * Tolerance: max pooling picks values, so outputs and gradients of non-overlapping windows are
 * exact; where windows overlap a gradient element is a sum, and average pooling sums in float64
 * where PyTorch may not, so those are held to 1e-12 (float64) or 1e-6 (float32) of the tensor's
 * largest value.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  autograd,
  DTypeError,
  nn,
  ShapeError,
  tensor,
  ValueError,
  type Tensor,
} from '../src/index.js';
import {
  avgPoolAxis,
  adaptiveAxis,
  avgPoolKernel,
  maxPoolBackwardKernel,
  maxPoolForwardKernel,
  poolOutputSize,
  type AvgWindows,
  type PoolGeometry,
} from '../src/kernels/pool.js';
import { kernelBackend, setKernelBackend, type KernelBackend } from '../src/kernels/wasm/index.js';
import type { FloatStorage } from '../src/tensor/dtype.js';
import { decode, parseRepr, type FixtureTensor } from './helpers/fixtures.js';
import { uniform } from './helpers/random.js';

const F = nn.functional;
const initial = kernelBackend();
afterEach(() => setKernelBackend(initial));

// ---- fixtures -----------------------------------------------------------------------------------

type Fn =
  'maxPool1d' | 'maxPool2d' | 'avgPool1d' | 'avgPool2d' | 'adaptiveAvgPool1d' | 'adaptiveAvgPool2d';

interface PoolCase {
  name: string;
  fn: Fn;
  size: number | (number | null)[];
  options: Record<string, number | number[] | boolean>;
  x: FixtureTensor;
  dy: FixtureTensor;
  y: FixtureTensor;
  indices?: FixtureTensor;
  dx: FixtureTensor;
  v: FixtureTensor;
  ddy: FixtureTensor | null;
}

interface ModuleCase {
  module: string;
  args: (number | (number | null)[])[];
  options: Record<string, number | number[] | boolean>;
  extraRepr: string;
}

const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/pool.json', import.meta.url), 'utf8'),
) as { cases: PoolCase[]; modules: ModuleCase[] };

/** The tapegrad call of a case: values, and indices for max pooling. */
function run(c: PoolCase, x: Tensor): { y: Tensor; idx: Tensor | null } {
  const size = c.size as number & number[];
  const o = c.options;
  switch (c.fn) {
    case 'maxPool2d': {
      const [y, idx] = F.maxPool2d(x, size, { ...o, returnIndices: true });
      return { y, idx };
    }
    case 'maxPool1d': {
      const [y, idx] = F.maxPool1d(x, size, { ...o, returnIndices: true });
      return { y, idx };
    }
    case 'avgPool2d':
      return { y: F.avgPool2d(x, size, o), idx: null };
    case 'avgPool1d':
      return { y: F.avgPool1d(x, size, o), idx: null };
    case 'adaptiveAvgPool2d':
      return { y: F.adaptiveAvgPool2d(x, c.size), idx: null };
    case 'adaptiveAvgPool1d':
      return { y: F.adaptiveAvgPool1d(x, size), idx: null };
  }
}

function expectClose(got: Tensor, want: FixtureTensor, rel: number): void {
  expect(got.shape).toEqual(want.shape);
  expect(got.dtype).toEqual(want.dtype);
  const w = want.data.map(parseRepr);
  const g = Array.from(got.data as FloatStorage);
  const scale = Math.max(1, ...w.filter(Number.isFinite).map(Math.abs));
  for (let i = 0; i < w.length; i++) {
    if (Number.isNaN(w[i]) || !Number.isFinite(w[i])) {
      expect(g[i]).toBe(w[i]);
    } else {
      expect(Math.abs(g[i] - w[i])).toBeLessThanOrEqual(rel * scale);
    }
  }
}

describe.each<KernelBackend>(['wasm', 'reference'])('PyTorch fixtures, %s kernels', (backend) => {
  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    setKernelBackend(backend);
    const rel = c.x.dtype === 'float32' ? 1e-6 : 1e-12;
    const x = decode(c.x, true);
    const dy = decode(c.dy, true);
    const { y, idx } = run(c, x);
    expectClose(y, c.y, rel);
    if (c.indices !== undefined) {
      expect(idx).not.toBeNull();
      expect(idx!.dtype).toBe('int32');
      expect(idx!.shape).toEqual(c.indices.shape);
      expect(Array.from(idx!.data)).toEqual(c.indices.data);
    }
    const dx = autograd.grad([y], [x], { gradOutputs: [dy], createGraph: true })[0]!;
    expectClose(dx, c.dx, rel);
    const ddy = autograd.grad([dx.mul(decode(c.v)).sum()], [dy])[0]!;
    if (c.ddy !== null) expectClose(ddy, c.ddy, rel);
    // PyTorch raises on an index past the plane; that window passes no gradient either way.
    else expect(Array.from(ddy.data)).toEqual(new Array<number>(ddy.numel()).fill(0));
  });
});

describe('modules', () => {
  type Ctor = new (size: never, options?: never) => nn.Module & { extraRepr(): string };
  const ctors: Record<string, Ctor> = {
    MaxPool1d: nn.MaxPool1d,
    MaxPool2d: nn.MaxPool2d,
    AvgPool1d: nn.AvgPool1d,
    AvgPool2d: nn.AvgPool2d,
    AdaptiveAvgPool1d: nn.AdaptiveAvgPool1d,
    AdaptiveAvgPool2d: nn.AdaptiveAvgPool2d,
  };

  it.each(fixture.modules.map((m) => [m.module, m.extraRepr, m] as const))(
    '%s extraRepr is PyTorch’s: %s',
    (_, text, m) => {
      const M = ctors[m.module];
      const mod = new M(m.args[0] as never, m.options as never);
      expect(mod.extraRepr()).toBe(text);
    },
  );

  it('forward is the functional form; forwardWithIndices also returns the argmax', () => {
    const x = tensor(
      Float64Array.from({ length: 2 * 3 * 6 * 6 }, (_, i) => Math.sin(i * 1.7)),
      {
        shape: [2, 3, 6, 6],
      },
    );
    const pool = new nn.MaxPool2d(2);
    const y = pool.forward(x);
    expect(y.shape).toEqual([2, 3, 3, 3]);
    expect(Array.from(y.data)).toEqual(Array.from(F.maxPool2d(x, 2).data));
    const [y2, idx] = pool.forwardWithIndices(x);
    expect(Array.from(y2.data)).toEqual(Array.from(y.data));
    expect(idx.shape).toEqual([2, 3, 3, 3]);
    expect(new nn.AvgPool2d(2).forward(x).shape).toEqual([2, 3, 3, 3]);
    expect(new nn.AdaptiveAvgPool2d([null, 4]).forward(x).shape).toEqual([2, 3, 6, 4]);
    const x1 = x.reshape([6, 36]);
    expect(new nn.MaxPool1d(4).forward(x1).shape).toEqual([6, 9]);
    expect(new nn.MaxPool1d(4).forwardWithIndices(x1)[1].shape).toEqual([6, 9]);
    expect(new nn.AvgPool1d(4, { stride: 2 }).forward(x1).shape).toEqual([6, 17]);
    expect(new nn.AdaptiveAvgPool1d(5).forward(x1).shape).toEqual([6, 5]);
  });

  it('the 1-D and 2-D layers of a kind share PyTorch’s base class', () => {
    const bases: [Ctor, abstract new (...args: never[]) => nn.Module][] = [
      [nn.MaxPool1d, nn.MaxPoolNd],
      [nn.MaxPool2d, nn.MaxPoolNd],
      [nn.AvgPool1d, nn.AvgPoolNd],
      [nn.AvgPool2d, nn.AvgPoolNd],
      [nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPoolNd],
      [nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPoolNd],
    ];
    for (const [M, Base] of bases) expect(new M(2 as never)).toBeInstanceOf(Base);
  });
});

// ---- errors -------------------------------------------------------------------------------------

const z = (shape: number[]): Tensor =>
  tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)), { shape });

describe('errors name the op and say what PyTorch says', () => {
  const cases: [string, () => unknown, new (message: string) => Error, string][] = [
    [
      'output too small',
      () => F.maxPool2d(z([1, 16, 2, 2]), 3),
      ShapeError,
      'maxPool2d: Given input size: (16x2x2). Calculated output size: (16x0x0). Output size is too small',
    ],
    [
      'output too small, unbatched',
      () => F.avgPool2d(z([16, 2, 2]), 3),
      ShapeError,
      'avgPool2d: Given input size: (16x2x2). Calculated output size: (16x0x0). Output size is too small',
    ],
    [
      'output too small, 1-D',
      () => F.maxPool1d(z([1, 16, 2]), 3),
      ShapeError,
      'maxPool1d: Given input size: (16x1x2). Calculated output size: (16x1x0). Output size is too small',
    ],
    [
      'pad over half the kernel',
      () => F.maxPool2d(z([1, 1, 8, 8]), 2, { padding: 2 }),
      ValueError,
      'maxPool2d: pad should be at most half of kernel size, but got pad=2 and kernel_size=2',
    ],
    [
      'pad over half the kernel, second dim',
      () => F.avgPool2d(z([1, 1, 8, 8]), [3, 2], { padding: [1, 2] }),
      ValueError,
      'avgPool2d: pad should be at most half of kernel size, but got pad=2 and kernel_size=2',
    ],
    [
      'negative pad',
      () => F.maxPool1d(z([1, 1, 8]), 2, { padding: -1 }),
      ValueError,
      'maxPool1d: pad must be non-negative, but got pad: -1',
    ],
    [
      'zero kernel (the default stride is then zero)',
      () => F.maxPool2d(z([1, 1, 8, 8]), 0),
      ValueError,
      'maxPool2d: stride should not be zero',
    ],
    [
      'zero kernel',
      () => F.maxPool2d(z([1, 1, 8, 8]), 0, { stride: 1 }),
      ValueError,
      'maxPool2d: kernel size should be greater than zero, but got kH: 0 kW: 0',
    ],
    [
      'zero kernel, 1-D',
      () => F.avgPool1d(z([1, 1, 8]), 0, { stride: 1 }),
      ValueError,
      'avgPool1d: kernel size should be greater than zero, but got kH: 1 kW: 0',
    ],
    [
      'negative stride',
      () => F.avgPool2d(z([1, 1, 8, 8]), 2, { stride: -1 }),
      ValueError,
      'avgPool2d: stride should be greater than zero, but got dH: -1 dW: -1',
    ],
    [
      'zero dilation',
      () => F.maxPool2d(z([1, 1, 8, 8]), 2, { dilation: 0 }),
      ValueError,
      'maxPool2d: dilation should be greater than zero, but got dilationH: 0 dilationW: 0',
    ],
    [
      'zero divisor',
      () => F.avgPool2d(z([1, 1, 8, 8]), 2, { divisorOverride: 0 }),
      ValueError,
      'avgPool2d: divisor must be not zero',
    ],
    [
      'three sizes',
      () => F.maxPool2d(z([1, 1, 8, 8]), [2, 2, 2]),
      ValueError,
      'maxPool2d: kernel_size must either be a single int, or a tuple of two ints',
    ],
    [
      'two sizes in 1-D',
      () => F.maxPool1d(z([1, 1, 8]), [2, 2]),
      ValueError,
      "maxPool1d: argument 'kernel_size' should contain one int (got 2)",
    ],
    [
      '2-D input to maxPool2d',
      () => F.maxPool2d(z([8, 8]), 2),
      ShapeError,
      'maxPool2d: non-empty 3D or 4D (batch mode) tensor expected for input',
    ],
    [
      'empty channels',
      () => F.maxPool2d(z([1, 0, 4, 4]), 2),
      ShapeError,
      'maxPool2d: Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got:[1, 0, 4, 4]',
    ],
    [
      '5-D input to avgPool2d',
      () => F.avgPool2d(z([1, 1, 1, 8, 8]), 2),
      ShapeError,
      'avgPool2d: Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got:[1, 1, 1, 8, 8]',
    ],
    [
      '1-D input to maxPool1d',
      () => F.maxPool1d(z([8]), 2),
      ShapeError,
      'maxPool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for input, but got:[8]',
    ],
    [
      '4-D input to avgPool1d',
      () => F.avgPool1d(z([1, 1, 8, 8]), 2),
      ShapeError,
      "avgPool1d: Expected 2 to 3 dimensions, but got 4-dimensional tensor for argument #1 'self' (while checking arguments for avg_pool1d)",
    ],
    [
      '2-D input to adaptiveAvgPool2d',
      () => F.adaptiveAvgPool2d(z([8, 8]), 2),
      ShapeError,
      'adaptiveAvgPool2d: Expected 3D or 4D tensor, but got [8, 8]',
    ],
    [
      'empty spatial dim, adaptive',
      () => F.adaptiveAvgPool2d(z([1, 1, 0, 8]), 2),
      ShapeError,
      'adaptiveAvgPool2d: Expected input to have non-zero size for non-batch dimensions, but input has sizes [1, 1, 0, 8] with dimension 2 being empty',
    ],
    [
      'negative adaptive size',
      () => F.adaptiveAvgPool2d(z([1, 1, 8, 8]), -1),
      ValueError,
      'adaptiveAvgPool2d: elements of output_size must be greater than or equal to 0 but received {-1, -1}',
    ],
    [
      'three adaptive sizes',
      () => F.adaptiveAvgPool2d(z([1, 1, 8, 8]), [2, 2, 2]),
      ValueError,
      'adaptiveAvgPool2d: output_size must be 2',
    ],
    [
      'integer input',
      () => F.maxPool2d(tensor(new Int32Array(16), { shape: [1, 1, 4, 4] }), 2),
      DTypeError,
      'maxPool2d: expected a floating-point tensor (float32 or float64), got int32',
    ],
  ];
  it.each(cases)('%s', (_, call, type, message) => {
    let err: unknown = null;
    try {
      call();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(type);
    expect((err as Error).message).toBe(message);
  });

  it('accepts what PyTorch accepts at the edges', () => {
    expect(F.maxPool2d(z([0, 1, 4, 4]), 2).shape).toEqual([0, 1, 2, 2]);
    expect(F.adaptiveAvgPool2d(z([1, 0, 4, 4]), 2).shape).toEqual([1, 0, 2, 2]);
    expect(F.adaptiveAvgPool2d(z([1, 1, 4, 4]), 0).shape).toEqual([1, 1, 0, 0]);
    expect(F.avgPool2d(z([1, 1, 8, 8]), 2, { divisorOverride: -2 }).shape).toEqual([1, 1, 4, 4]);
  });
});

// ---- the WebAssembly kernels against the TypeScript ones ----------------------------------------

type Dtype = 'float32' | 'float64';

function values(dtype: Dtype, n: number, rand: () => number, specials: boolean): FloatStorage {
  const a = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = rand();
    // A few NaNs, infinities and repeated values, where max pooling's rules show.
    a[i] =
      specials && r < 0.03
        ? NaN
        : specials && r < 0.05
          ? -Infinity
          : specials && r < 0.1
            ? 0.5
            : rand() * 4 - 2;
  }
  return a;
}

interface KernelCase {
  name: string;
  dtype: Dtype;
  planes: number;
  h: number;
  w: number;
  k: readonly [number, number];
  s: readonly [number, number];
  p: readonly [number, number];
  d: readonly [number, number];
  ceil: boolean;
}

const kernelCases: KernelCase[] = [];
for (const dtype of ['float32', 'float64'] as const) {
  const base = { dtype, planes: 5, p: [0, 0], d: [1, 1], ceil: false } as const;
  kernelCases.push(
    { ...base, name: '2x2 on 28x28', h: 28, w: 28, k: [2, 2], s: [2, 2] },
    { ...base, name: '2x2 on 14x14', h: 14, w: 14, k: [2, 2], s: [2, 2] },
    { ...base, name: '2x2 on 7x9, odd sizes', h: 7, w: 9, k: [2, 2], s: [2, 2] },
    { ...base, name: '2x2 ceil on 7x9', h: 7, w: 9, k: [2, 2], s: [2, 2], ceil: true },
    { ...base, name: '2x2 on 4x38', h: 4, w: 38, k: [2, 2], s: [2, 2] },
    { ...base, name: '3x3 s2 p1', h: 11, w: 13, k: [3, 3], s: [2, 2], p: [1, 1] },
    { ...base, name: '3x3 s1 overlapping', h: 9, w: 10, k: [3, 3], s: [1, 1] },
    {
      ...base,
      name: '2x3 s(1,2) p1 d(2,1) ceil',
      h: 8,
      w: 9,
      k: [2, 3],
      s: [1, 2],
      p: [1, 1],
      d: [2, 1],
      ceil: true,
    },
    { ...base, name: '1-D k3 s2 d2', h: 1, w: 21, k: [1, 3], s: [1, 2], p: [0, 1], d: [1, 2] },
  );
}

function geometryOf(c: KernelCase): PoolGeometry {
  const oh = poolOutputSize(c.h, c.k[0], c.p[0], c.s[0], c.d[0], c.ceil);
  const ow = poolOutputSize(c.w, c.k[1], c.p[1], c.s[1], c.d[1], c.ceil);
  const { planes, h, w } = c;
  return {
    planes,
    h,
    w,
    oh,
    ow,
    kh: c.k[0],
    kw: c.k[1],
    sh: c.s[0],
    sw: c.s[1],
    ph: c.p[0],
    pw: c.p[1],
    dh: c.d[0],
    dw: c.d[1],
  };
}

function bits(a: FloatStorage): string[] {
  return Array.from(a, (v) => (Object.is(v, -0) ? '-0' : String(v)));
}

function onBoth<R>(fn: () => R): [R, R] {
  setKernelBackend('reference');
  const ref = fn();
  setKernelBackend('wasm');
  return [ref, fn()];
}

describe.each(kernelCases.map((c) => [`${c.name}, ${c.dtype}`, c] as const))(
  'WebAssembly pooling kernels equal the TypeScript ones bit for bit: %s',
  (_, c) => {
    const g = geometryOf(c);
    const n = g.planes * g.h * g.w;
    const m = g.planes * g.oh * g.ow;
    const make = (len: number): FloatStorage =>
      c.dtype === 'float32' ? new Float32Array(len) : new Float64Array(len);

    it('max pooling forward and backward', () => {
      const rand = uniform(7 + g.h * 31 + g.w);
      const x = values(c.dtype, n, rand, true);
      const dy = values(c.dtype, m, rand, false);
      const [ref, fast] = onBoth(() => {
        const out = make(m);
        const idx = new Int32Array(m);
        maxPoolForwardKernel(out, idx, x, g);
        const dx = make(n).fill(7);
        maxPoolBackwardKernel(dx, dy, idx, g);
        return { out, idx, dx };
      });
      expect(bits(fast.out)).toEqual(bits(ref.out));
      expect(Array.from(fast.idx)).toEqual(Array.from(ref.idx));
      expect(bits(fast.dx)).toEqual(bits(ref.dx));
    });

    it('average pooling forward and backward, both divisor rules and a divisor override', () => {
      const rand = uniform(11 + g.h * 17 + g.w);
      const x = values(c.dtype, n, rand, false);
      for (const [countIncludePad, divisor] of [
        [true, 0],
        [false, 0],
        [true, 3],
      ] as const) {
        const win: AvgWindows = {
          rows: avgPoolAxis(g.h, g.oh, g.kh, g.sh, g.ph, countIncludePad),
          cols: avgPoolAxis(g.w, g.ow, g.kw, g.sw, g.pw, countIncludePad),
          divisor,
        };
        const dy = values(c.dtype, m, rand, false);
        const [ref, fast] = onBoth(() => {
          const out = make(m);
          avgPoolKernel(false, x, out, { planes: g.planes, h: g.h, w: g.w, win });
          const dx = make(n).fill(7);
          avgPoolKernel(true, dx, dy, { planes: g.planes, h: g.h, w: g.w, win });
          return { out, dx };
        });
        expect(bits(fast.out)).toEqual(bits(ref.out));
        expect(bits(fast.dx)).toEqual(bits(ref.dx));
      }
    });

    it('adaptive average pooling forward and backward', () => {
      const rand = uniform(5 + g.h * 13 + g.w);
      const x = values(c.dtype, n, rand, false);
      const oh = Math.max(1, g.oh - 1);
      const ow = g.ow + 2;
      const win: AvgWindows = {
        rows: adaptiveAxis(g.h, oh),
        cols: adaptiveAxis(g.w, ow),
        divisor: 0,
      };
      const dy = values(c.dtype, g.planes * oh * ow, rand, false);
      const [ref, fast] = onBoth(() => {
        const out = make(g.planes * oh * ow);
        avgPoolKernel(false, x, out, { planes: g.planes, h: g.h, w: g.w, win });
        const dx = make(n);
        avgPoolKernel(true, dx, dy, { planes: g.planes, h: g.h, w: g.w, win });
        return { out, dx };
      });
      expect(bits(fast.out)).toEqual(bits(ref.out));
      expect(bits(fast.dx)).toEqual(bits(ref.dx));
    });
  },
);

describe('adaptive bins', () => {
  it('are PyTorch’s: ⌊i·In/Out⌋ to ⌈(i+1)·In/Out⌉', () => {
    const b = adaptiveAxis(10, 3);
    expect(Array.from(b.start)).toEqual([0, 3, 6]);
    expect(Array.from(b.end)).toEqual([4, 7, 10]);
    const c = adaptiveAxis(7, 4);
    expect(Array.from(c.start)).toEqual([0, 1, 3, 5]);
    expect(Array.from(c.end)).toEqual([2, 4, 6, 7]);
  });
});
