/**
 * What BatchNorm rejects, how (a typed error with PyTorch's wording where PyTorch has one), and
 * that a rejected call changes nothing: running statistics, the batch counter and the parameters
 * are compared with copies taken before the call. Also the state dict: PyTorch's keys in PyTorch's
 * order, lossless round trips, and loads that fail by naming the offending keys without writing.
 */
import { describe, expect, it } from 'vitest';
import {
  nn,
  tensor,
  zeros,
  DTypeError,
  ShapeError,
  TapegradError,
  ValueError,
  type FloatDType,
  type Tensor,
} from '../src/index.js';

const IMPLS = ['fused', 'composite'] as const;

/** A string that is not an implementation name, typed as one (what an untyped caller could pass). */
const notAnImpl: string = 'cudnn';
const BOGUS_IMPL = notAnImpl as nn.functional.BatchNormImpl;

/** Deterministic, non-constant values, so that a call that wrongly ran would move the statistics. */
function input(shape: number[], dtype: FloatDType = 'float64'): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Array.from({ length: n }, (_, i) => Math.sin(1.3 * i + 0.4) * 2 + 0.5);
  return tensor(dtype === 'float32' ? Float32Array.from(data) : Float64Array.from(data), {
    shape,
    dtype,
  }).requiresGrad_();
}

/** Copies of every buffer and parameter (null stays null). */
function snapshotModule(bn: nn.BatchNorm1d): (number[] | null)[] {
  return [bn.runningMean, bn.runningVar, bn.numBatchesTracked, bn.weight, bn.bias].map((t) =>
    t === null ? null : Array.from(t.data),
  );
}

/** A module whose state is not the initial one, so that a reset would be noticed too. */
function trainedModule(numFeatures: number, options: nn.BatchNorm1dOptions = {}): nn.BatchNorm1d {
  const bn = new nn.BatchNorm1d(numFeatures, { dtype: 'float64', ...options });
  bn.forward(input([4, numFeatures], options.dtype ?? 'float64'));
  return bn;
}

/** Asserts that `call` throws `cls` with `message` in its text and leaves `bn` as it was. */
function expectRejected(
  bn: nn.BatchNorm1d,
  call: () => unknown,
  cls: typeof TapegradError,
  message: string | RegExp,
): void {
  const before = snapshotModule(bn);
  expect(call).toThrow(cls);
  expect(call).toThrow(message);
  expect(snapshotModule(bn)).toEqual(before);
}

describe.each(IMPLS)('the %s BatchNorm1d rejects bad input', (impl) => {
  it.each([
    [[3], 1],
    [[2, 3, 4, 5], 4],
  ])('rejects an input of shape %j as PyTorch does ("got %iD input")', (shape, rank) => {
    const bn = trainedModule(3, { impl });
    expectRejected(
      bn,
      () => bn.forward(input(shape)),
      ShapeError,
      `expected 2D or 3D input (got ${rank}D input)`,
    );
  });

  it.each([
    [[4, 2], 'train'],
    [[4, 5, 2], 'train'],
    [[4, 2], 'eval'],
  ] as const)(
    'rejects input of shape %j with the wrong channel count in %s mode',
    (shape, mode) => {
      const bn = trainedModule(3, { impl }).train(mode === 'train');
      // The message names both channel counts (PyTorch's wording is checked in batchnorm-parity).
      expectRejected(bn, () => bn.forward(input([...shape])), ShapeError, /\b3\b/);
      expect(() => bn.forward(input([...shape]))).toThrow(new RegExp(`\\b${shape[1]}\\b`));
    },
  );

  it('rejects one value per channel in training with PyTorch message', () => {
    const bn = trainedModule(5, { impl });
    expectRejected(
      bn,
      () => bn.forward(input([1, 5])),
      ValueError,
      'Expected more than 1 value per channel when training, got input size [1, 5]',
    );
    expectRejected(
      bn,
      () => bn.forward(input([1, 5, 1])),
      ValueError,
      'Expected more than 1 value per channel when training, got input size [1, 5, 1]',
    );
  });

  it('accepts one value per channel in evaluation mode with running statistics', () => {
    const bn = trainedModule(5, { impl }).eval();
    const before = snapshotModule(bn);
    expect(bn.forward(input([1, 5])).shape).toEqual([1, 5]);
    expect(snapshotModule(bn)).toEqual(before);
  });

  it('rejects one value per channel in evaluation mode without running statistics', () => {
    // No running statistics: eval normalises with the batch's, so PyTorch rejects it as well.
    const bn = new nn.BatchNorm1d(5, { impl, dtype: 'float64', trackRunningStats: false }).eval();
    expectRejected(
      bn,
      () => bn.forward(input([1, 5])),
      ValueError,
      'Expected more than 1 value per channel when training, got input size [1, 5]',
    );
  });

  it('rejects an input whose dtype differs from the module', () => {
    const bn = trainedModule(3, { impl });
    expectRejected(bn, () => bn.forward(input([4, 3], 'float32')), DTypeError, /float32/);
  });

  it('rejects an implementation that is neither fused nor composite, changing nothing', () => {
    // `impl` is a public field: a bad value must be caught before the counter or statistics move.
    const bn = trainedModule(3, { impl });
    bn.impl = BOGUS_IMPL;
    expectRejected(bn, () => bn.forward(input([4, 3])), ValueError, /impl/);
  });
});

describe('the BatchNorm1d constructor rejects bad options with ValueError', () => {
  it.each([0, -1e-5, NaN])('rejects eps = %s', (eps) => {
    expect(() => new nn.BatchNorm1d(3, { eps })).toThrow(ValueError);
    expect(() => new nn.BatchNorm1d(3, { eps })).toThrow(/eps/);
  });

  it.each([-0.1, 1.5, NaN, Infinity])('rejects momentum = %s', (momentum) => {
    expect(() => new nn.BatchNorm1d(3, { momentum })).toThrow(ValueError);
    expect(() => new nn.BatchNorm1d(3, { momentum })).toThrow(/momentum/);
  });

  it.each([0, 1, null])('accepts momentum = %s (the ends of [0, 1], and null)', (momentum) => {
    expect(new nn.BatchNorm1d(3, { momentum }).momentum).toBe(momentum);
  });

  it.each([0, -3, 2.5, NaN])('rejects numFeatures = %s', (numFeatures) => {
    expect(() => new nn.BatchNorm1d(numFeatures)).toThrow(ValueError);
    expect(() => new nn.BatchNorm1d(numFeatures)).toThrow(/numFeatures/);
  });

  it('rejects an implementation that is neither fused nor composite', () => {
    expect(() => new nn.BatchNorm1d(3, { impl: BOGUS_IMPL })).toThrow(ValueError);
  });
});

describe.each(IMPLS)('the %s nn.functional.batchNorm rejects bad arguments', (impl) => {
  const c = 3;
  const stats = (): { rm: Tensor; rv: Tensor } => ({
    rm: tensor([0.5, -1, 2], { dtype: 'float64' }),
    rv: tensor([0.25, 4, 1.5], { dtype: 'float64' }),
  });
  const copy = (...ts: (Tensor | null)[]): (number[] | null)[] =>
    ts.map((t) => (t === null ? null : Array.from(t.data)));

  /** Asserts the call throws `cls` with `message` and leaves every given tensor as it was. */
  function expectRejectedFn(
    call: () => unknown,
    cls: typeof TapegradError,
    message: string | RegExp,
    ...state: (Tensor | null)[]
  ): void {
    const before = copy(...state);
    expect(call).toThrow(cls);
    expect(call).toThrow(message);
    expect(copy(...state)).toEqual(before);
  }

  it.each([
    ['running_mean', 4],
    ['running_var', 2],
  ] as const)('rejects a %s of %i elements for 3 channels', (name, len) => {
    const { rm, rv } = stats();
    const bad = zeros([len], { dtype: 'float64' });
    const [m, v] = name === 'running_mean' ? [bad, rv] : [rm, bad];
    expectRejectedFn(
      () => nn.functional.batchNorm(input([4, c]), m, v, null, null, { training: true, impl }),
      ShapeError,
      `${name} should contain ${c} elements not ${len}`,
      m,
      v,
    );
  });

  it('rejects running statistics that are not 1-D', () => {
    const { rv } = stats();
    const rm = zeros([1, c], { dtype: 'float64' });
    expectRejectedFn(
      () => nn.functional.batchNorm(input([4, c]), rm, rv, null, null, { training: true, impl }),
      ShapeError,
      /running_mean/,
      rm,
      rv,
    );
  });

  it.each(['running_mean', 'running_var'] as const)(
    'rejects a float32 %s for float64 input',
    (name) => {
      const { rm, rv } = stats();
      const bad = zeros([c], { dtype: 'float32' });
      const [m, v] = name === 'running_mean' ? [bad, rv] : [rm, bad];
      expectRejectedFn(
        () => nn.functional.batchNorm(input([4, c]), m, v, null, null, { training: true, impl }),
        DTypeError,
        name,
        m,
        v,
      );
    },
  );

  it('rejects a weight or bias of the wrong length', () => {
    const { rm, rv } = stats();
    const w = zeros([c + 1], { dtype: 'float64' });
    expectRejectedFn(
      () => nn.functional.batchNorm(input([4, c]), rm, rv, w, null, { training: true, impl }),
      ShapeError,
      `weight should contain ${c} elements not ${c + 1}`,
      rm,
      rv,
    );
    expectRejectedFn(
      () => nn.functional.batchNorm(input([4, c]), rm, rv, null, w, { training: true, impl }),
      ShapeError,
      `bias should contain ${c} elements not ${c + 1}`,
      rm,
      rv,
    );
  });

  it('requires running statistics in evaluation mode, with PyTorch message', () => {
    expectRejectedFn(
      () => nn.functional.batchNorm(input([4, c]), null, null, null, null, { impl }),
      ValueError,
      'running_mean must be defined in evaluation mode',
    );
  });

  it('rejects one value per channel in training, with PyTorch message', () => {
    expectRejectedFn(
      () =>
        nn.functional.batchNorm(input([1, c]), null, null, null, null, { training: true, impl }),
      ValueError,
      `Expected more than 1 value per channel when training, got input size [1, ${c}]`,
    );
  });

  it.each([0, -1e-3, NaN])('rejects eps = %s, leaving the running statistics alone', (eps) => {
    const { rm, rv } = stats();
    expectRejectedFn(
      () =>
        nn.functional.batchNorm(input([4, c]), rm, rv, null, null, { training: true, eps, impl }),
      ValueError,
      /eps/,
      rm,
      rv,
    );
  });

  it.each([-0.5, 1.01, NaN])('rejects momentum = %s, leaving the running statistics alone', (m) => {
    const { rm, rv } = stats();
    expectRejectedFn(
      () =>
        nn.functional.batchNorm(input([4, c]), rm, rv, null, null, {
          training: true,
          momentum: m,
          impl,
        }),
      ValueError,
      /momentum/,
      rm,
      rv,
    );
  });

  it('rejects a 1-D input (BatchNorm needs (N, C, *))', () => {
    const { rm, rv } = stats();
    expectRejectedFn(
      () => nn.functional.batchNorm(input([c]), rm, rv, null, null, { training: true, impl }),
      ShapeError,
      'expected 2D or higher input (got 1D input)',
      rm,
      rv,
    );
  });

  it('accepts (N, C, H, W) input, as torch.nn.functional.batch_norm does', () => {
    const { rm, rv } = stats();
    const y = nn.functional.batchNorm(input([2, c, 2, 2]), rm, rv, null, null, {
      training: true,
      impl,
    });
    expect(y.shape).toEqual([2, c, 2, 2]);
  });
});

describe('nn.functional.batchNorm rejects an unknown implementation', () => {
  it('throws ValueError naming the implementation, leaving the running statistics alone', () => {
    const rm = tensor([0.5, -1, 2], { dtype: 'float64' });
    const rv = tensor([0.25, 4, 1.5], { dtype: 'float64' });
    const before = [Array.from(rm.data), Array.from(rv.data)];
    const call = (): Tensor =>
      nn.functional.batchNorm(input([4, 3]), rm, rv, null, null, {
        training: true,
        impl: BOGUS_IMPL,
      });
    expect(call).toThrow(ValueError);
    expect(call).toThrow("impl must be 'fused' or 'composite' (got 'cudnn')");
    expect([Array.from(rm.data), Array.from(rv.data)]).toEqual(before);
  });
});

// ---- state dict ---------------------------------------------------------------------------------

describe('BatchNorm1d.stateDict and loadStateDict', () => {
  const KEYS = ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked'];

  it("has exactly PyTorch's keys, in PyTorch's order", () => {
    expect(Object.keys(new nn.BatchNorm1d(4).stateDict())).toEqual(KEYS);
  });

  it('omits the parameters without affine and the buffers without tracking', () => {
    expect(Object.keys(new nn.BatchNorm1d(4, { affine: false }).stateDict())).toEqual(
      KEYS.slice(2),
    );
    expect(Object.keys(new nn.BatchNorm1d(4, { trackRunningStats: false }).stateDict())).toEqual(
      KEYS.slice(0, 2),
    );
  });

  it('holds a 0-d int32 batch counter and per-channel tensors of the module dtype', () => {
    const sd = trainedModule(4).stateDict();
    expect(sd.num_batches_tracked.shape).toEqual([]);
    expect(sd.num_batches_tracked.dtype).toBe('int32');
    expect(sd.num_batches_tracked.item()).toBe(1);
    for (const k of KEYS.slice(0, 4)) {
      expect(sd[k].shape).toEqual([4]);
      expect(sd[k].dtype).toBe('float64');
    }
  });

  it.each(IMPLS)('round-trips every value into a fresh %s module, by copy', (impl) => {
    const source = trainedModule(4, { impl });
    source.forward(input([3, 4, 2]));
    source.weight!.data.set([0.5, -1, 2, 3]);
    source.bias!.data.set([1, 2, -3, 0.25]);
    const saved = Object.fromEntries(
      Object.entries(source.stateDict()).map(([k, t]) => [k, Array.from(t.data)]),
    );
    const target = new nn.BatchNorm1d(4, { dtype: 'float64', impl });
    expect(target.loadStateDict(source.stateDict())).toEqual({
      missingKeys: [],
      unexpectedKeys: [],
    });
    const loaded = Object.fromEntries(
      Object.entries(target.stateDict()).map(([k, t]) => [k, Array.from(t.data)]),
    );
    expect(loaded).toEqual(saved);
    expect(saved.num_batches_tracked).toEqual([2]);
    // The values were copied: training the source further leaves the target as loaded.
    source.forward(input([5, 4]));
    const after = Object.fromEntries(
      Object.entries(target.stateDict()).map(([k, t]) => [k, Array.from(t.data)]),
    );
    expect(after).toEqual(saved);
    // And the loaded module computes what the source computed with the same state.
    const x = input([6, 4]);
    const fresh = new nn.BatchNorm1d(4, { dtype: 'float64', impl }).eval();
    fresh.loadStateDict(target.stateDict());
    expect(Array.from(target.eval().forward(x).data)).toEqual(Array.from(fresh.forward(x).data));
  });

  /** A complete, valid dict with values different from a fresh module's. */
  function validDict(): nn.StateDict {
    return {
      weight: tensor([2, 3, 4, 5], { dtype: 'float64' }),
      bias: tensor([-1, -2, -3, -4], { dtype: 'float64' }),
      running_mean: tensor([0.5, 0.25, -0.5, 1], { dtype: 'float64' }),
      running_var: tensor([2, 3, 0.5, 1.5], { dtype: 'float64' }),
      num_batches_tracked: tensor(Int32Array.of(9), { shape: [] }),
    };
  }

  /** Asserts that a strict load of `dict` throws naming every `names` and writes nothing. */
  function expectFailedLoad(dict: nn.StateDict, names: (string | RegExp)[]): void {
    const bn = trainedModule(4);
    const before = snapshotModule(bn);
    let thrown: unknown = null;
    try {
      bn.loadStateDict(dict, { strict: true });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(TapegradError);
    const message = (thrown as Error).message;
    for (const n of names) expect(message).toMatch(n);
    expect(snapshotModule(bn)).toEqual(before);
  }

  it('loads a valid dict', () => {
    const bn = trainedModule(4);
    bn.loadStateDict(validDict());
    expect(snapshotModule(bn)).toEqual([
      [0.5, 0.25, -0.5, 1],
      [2, 3, 0.5, 1.5],
      [9],
      [2, 3, 4, 5],
      [-1, -2, -3, -4],
    ]);
  });

  it('names a missing key and writes nothing, with strict true', () => {
    const dict = validDict();
    delete dict.running_var;
    expectFailedLoad(dict, ['Missing key(s) in state_dict: "running_var"']);
  });

  it('names an unexpected key and writes nothing, with strict true', () => {
    expectFailedLoad({ ...validDict(), running_std: zeros([4], { dtype: 'float64' }) }, [
      'Unexpected key(s) in state_dict: "running_std"',
    ]);
  });

  it('names a mis-shaped key with both shapes and writes nothing', () => {
    expectFailedLoad({ ...validDict(), running_mean: zeros([5], { dtype: 'float64' }) }, [
      'size mismatch for running_mean',
      '[5]',
      '[4]',
    ]);
  });

  it('names every problem at once', () => {
    const dict: nn.StateDict = { ...validDict(), extra: zeros([1]), bias: zeros([3]) };
    delete dict.weight;
    expectFailedLoad(dict, ['"weight"', '"extra"', 'size mismatch for bias']);
  });

  it('reports missing and unexpected keys instead of throwing with strict false', () => {
    const bn = trainedModule(4);
    const dict: nn.StateDict = { running_mean: tensor([1, 2, 3, 4], { dtype: 'float64' }) };
    dict.foo = zeros([2]);
    const result = bn.loadStateDict(dict, { strict: false });
    expect(result.missingKeys).toEqual(['weight', 'bias', 'running_var', 'num_batches_tracked']);
    expect(result.unexpectedKeys).toEqual(['foo']);
    expect(Array.from(bn.runningMean!.data)).toEqual([1, 2, 3, 4]);
  });

  it('still rejects a mis-shaped key with strict false, writing nothing', () => {
    const bn = trainedModule(4);
    const before = snapshotModule(bn);
    const dict = { ...validDict(), running_var: zeros([2, 2], { dtype: 'float64' }) };
    expect(() => bn.loadStateDict(dict, { strict: false })).toThrow(
      /size mismatch for running_var/,
    );
    expect(snapshotModule(bn)).toEqual(before);
  });
});
