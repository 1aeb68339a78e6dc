/**
 * What BatchNorm2d, LayerNorm and GroupNorm reject, how (a typed error with PyTorch 1.13's
 * wording, naming op and shapes), and that a rejected call changes nothing; their state-dict keys
 * and extra_repr text, as PyTorch prints them.
 */
import { describe, expect, it } from 'vitest';
import {
  nn,
  tensor,
  ShapeError,
  TapegradError,
  ValueError,
  DTypeError,
  type Tensor,
} from '../src/index.js';

const IMPLS = ['fused', 'composite'] as const;

function input(shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Array.from({ length: n }, (_, i) => Math.sin(1.3 * i + 0.4) * 2 + 0.5);
  return tensor(Float64Array.from(data), { shape, dtype: 'float64' }).requiresGrad_();
}

/** Every parameter and buffer of the module, copied. */
function snapshot(m: nn.Module): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(m.stateDict())) out[k] = Array.from(v.data);
  return out;
}

function expectRejected(
  m: nn.Module,
  call: () => unknown,
  cls: typeof TapegradError,
  message: string,
): void {
  const before = snapshot(m);
  expect(call).toThrow(cls);
  expect(call).toThrow(message);
  expect(snapshot(m)).toEqual(before);
}

describe.each(IMPLS)('the %s BatchNorm2d', (impl) => {
  it.each([
    [[2, 3, 4], 3],
    [[2, 3], 2],
    [[1, 2, 3, 4, 5], 5],
  ])('rejects an input of shape %j as PyTorch does ("got %iD input")', (shape, rank) => {
    const bn = new nn.BatchNorm2d(3, { impl, dtype: 'float64' });
    bn.forward(input([2, 3, 2, 2]));
    expectRejected(
      bn,
      () => bn.forward(input(shape)),
      ShapeError,
      `expected 4D input (got ${rank}D input)`,
    );
  });

  it('rejects the wrong channel count with PyTorch wording, leaving running stats and counter', () => {
    const bn = new nn.BatchNorm2d(3, { impl, dtype: 'float64' });
    bn.forward(input([2, 3, 2, 2]));
    expectRejected(
      bn,
      () => bn.forward(input([2, 4, 2, 2])),
      ShapeError,
      'running_mean should contain 4 elements not 3',
    );
  });

  it('rejects the wrong channel count without affine parameters or running statistics', () => {
    const bn = new nn.BatchNorm2d(3, {
      impl,
      dtype: 'float64',
      affine: false,
      trackRunningStats: false,
    });
    expectRejected(bn, () => bn.forward(input([2, 4, 2, 2])), ShapeError, 'BatchNorm2d');
  });

  it('rejects one value per channel in training with PyTorch message', () => {
    const bn = new nn.BatchNorm2d(3, { impl, dtype: 'float64' });
    expectRejected(
      bn,
      () => bn.forward(input([1, 3, 1, 1])),
      ValueError,
      'Expected more than 1 value per channel when training, got input size [1, 3, 1, 1]',
    );
  });

  it("has BatchNorm1d's state-dict keys, num_batches_tracked included, counted per step", () => {
    const bn = new nn.BatchNorm2d(3, { impl });
    expect(Object.keys(bn.stateDict())).toEqual([
      'weight',
      'bias',
      'running_mean',
      'running_var',
      'num_batches_tracked',
    ]);
    bn.forward(input([2, 3, 2, 2]).float());
    bn.forward(input([2, 3, 2, 2]).float());
    expect(bn.numBatchesTracked!.item()).toBe(2);
  });
});

describe.each(IMPLS)('the %s LayerNorm', (impl) => {
  it('rejects an input whose trailing dims differ from normalized_shape (PyTorch wording)', () => {
    const ln = new nn.LayerNorm(10, { impl, dtype: 'float64' });
    expectRejected(
      ln,
      () => ln.forward(input([3, 5])),
      ShapeError,
      'Given normalized_shape=[10], expected input with shape [*, 10], but got input of size[3, 5]',
    );
  });

  it('rejects an input of fewer dims than normalized_shape', () => {
    const ln = new nn.LayerNorm([2, 3], { impl, dtype: 'float64' });
    expectRejected(
      ln,
      () => ln.forward(input([3])),
      ShapeError,
      'Given normalized_shape=[2, 3], expected input with shape [*, 2, 3], but got input of size[3]',
    );
  });

  it('rejects a weight or bias not of normalized_shape (PyTorch wording)', () => {
    const x = input([3, 10]);
    expect(() => nn.functional.layerNorm(x, [10], input([5]), null, { impl })).toThrow(
      'Expected weight to be of same shape as normalized_shape, but got weight of shape [5] and normalized_shape = [10]',
    );
    expect(() => nn.functional.layerNorm(x, 10, null, input([5]), { impl })).toThrow(ShapeError);
  });

  it('rejects a dtype mismatch and an empty normalized_shape', () => {
    expect(() =>
      nn.functional.layerNorm(input([3, 4]), [4], input([4]).float(), null, { impl }),
    ).toThrow(DTypeError);
    expect(() => new nn.LayerNorm([])).toThrow(
      'Expected normalized_shape to be at least 1-dimensional',
    );
  });
});

describe.each(IMPLS)('the %s GroupNorm', (impl) => {
  it('refuses to be built when num_channels is not divisible by num_groups', () => {
    expect(() => new nn.GroupNorm(4, 6, { impl })).toThrow(ValueError);
    expect(() => new nn.GroupNorm(4, 6, { impl })).toThrow(
      'num_channels must be divisible by num_groups',
    );
  });

  it('rejects input whose channels are not divisible by num_groups (PyTorch wording)', () => {
    const gn = new nn.GroupNorm(4, 8, { impl, dtype: 'float64' });
    expectRejected(
      gn,
      () => gn.forward(input([2, 6, 4])),
      ShapeError,
      'Expected number of channels in input to be divisible by num_groups, but got input of shape [2, 6, 4] and num_groups=4',
    );
  });

  it('rejects one value per group, checked on [N·C/G, G, *] before divisibility (PyTorch wording)', () => {
    const gn = new nn.GroupNorm(3, 3, { impl, dtype: 'float64' });
    expectRejected(
      gn,
      () => gn.forward(input([1, 3, 1, 1])),
      ValueError,
      'Expected more than 1 value per channel when training, got input size [1, 3, 1, 1]',
    );
    const F = nn.functional;
    expect(() => F.groupNorm(input([1, 2]), 2, null, null, { impl })).toThrow(
      'Expected more than 1 value per channel when training, got input size [1, 2]',
    );
    expect(() => F.groupNorm(input([1, 3, 1]), 2, null, null, { impl })).toThrow(
      'Expected more than 1 value per channel when training, got input size [1, 2, 1]',
    );
    expect(F.groupNorm(input([2, 2]), 2, null, null, { impl }).shape).toEqual([2, 2]);
  });

  it('rejects a weight that is not one value per channel (PyTorch wording)', () => {
    const gn = new nn.GroupNorm(2, 4, { impl, dtype: 'float64' });
    expectRejected(
      gn,
      () => gn.forward(input([2, 6, 4])),
      ShapeError,
      'Expected weight to be a vector of size equal to the number of channels in input, but got weight of shape [4] and input of shape [2, 6, 4]',
    );
  });

  it('rejects a 1-D input', () => {
    expect(() => nn.functional.groupNorm(input([6]), 3, null, null, { impl })).toThrow(ShapeError);
  });
});

describe.each(['float32', 'float64'] as const)('a constant group (variance 0), %s', (dtype) => {
  const x = tensor(new Float64Array(24).fill(-7.25), { shape: [2, 4, 3], dtype }).requiresGrad_();
  const w = tensor([1.5, -2, 0.5, 3], { dtype });
  const b = tensor([0.25, -1, 2, 0.125], { dtype });
  const cases = [
    [
      'layerNorm',
      (impl: 'fused' | 'composite') => nn.functional.layerNorm(x, [3], null, null, { impl }),
    ],
    ['groupNorm', (impl: 'fused' | 'composite') => nn.functional.groupNorm(x, 2, w, b, { impl })],
  ] as const;
  it.each(cases)(
    '%s gives exactly the bias, finite, and the same first-order gradients both ways',
    (_, op) => {
      const [fused, composite] = IMPLS.map((impl) => {
        x.grad = null;
        const y = op(impl);
        y.backward(
          tensor(
            Float64Array.from({ length: 24 }, (_, i) => Math.sin(i)),
            { shape: [2, 4, 3], dtype },
          ),
        );
        return { y: Array.from(y.data), dx: Array.from(x.grad!.data) };
      });
      const expected = Array.from(op('fused').detach().data).map((_, i) =>
        op === cases[0][1] ? 0 : b.data[Math.floor(i / 3) % 4],
      );
      expect(fused.y).toEqual(expected);
      expect(composite.y).toEqual(expected);
      expect(fused.dx.every(Number.isFinite)).toBe(true);
      for (let i = 0; i < 24; i++)
        expect(Math.abs(fused.dx[i] - composite.dx[i])).toBeLessThanOrEqual(1e-9);
    },
  );
});

describe('state dicts and extra_repr, as PyTorch 1.13 prints them', () => {
  it.each([
    [new nn.LayerNorm(10), '(10,), eps=1e-05, elementwise_affine=True'],
    [
      new nn.LayerNorm([2, 3], { elementwiseAffine: false }),
      '(2, 3), eps=1e-05, elementwise_affine=False',
    ],
    [new nn.GroupNorm(2, 4), '2, 4, eps=1e-05, affine=True'],
    [new nn.GroupNorm(1, 3, { eps: 1e-3, affine: false }), '1, 3, eps=0.001, affine=False'],
    [new nn.BatchNorm2d(16), '16, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True'],
    [
      new nn.BatchNorm1d(4, { momentum: null, trackRunningStats: false }),
      '4, eps=1e-05, momentum=None, affine=True, track_running_stats=False',
    ],
  ] as const)('%#: %s', (m, text) => {
    expect(m.extraRepr()).toBe(text);
  });

  it('LayerNorm and GroupNorm hold weight and bias of PyTorch shapes under PyTorch keys', () => {
    const ln = new nn.LayerNorm([2, 3]);
    expect(Object.keys(ln.stateDict())).toEqual(['weight', 'bias']);
    expect(ln.weight!.shape).toEqual([2, 3]);
    expect(Object.keys(new nn.LayerNorm(3, { elementwiseAffine: false }).stateDict())).toEqual([]);
    const gn = new nn.GroupNorm(2, 4);
    expect(Object.keys(gn.stateDict())).toEqual(['weight', 'bias']);
    expect(Array.from(gn.weight!.data)).toEqual([1, 1, 1, 1]);
    expect(Array.from(gn.bias!.data)).toEqual([0, 0, 0, 0]);
  });
});
