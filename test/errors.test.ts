import { describe, expect, it } from 'vitest';
import {
  AutogradError,
  DTypeError,
  GradcheckError,
  IndexError,
  MemoryError,
  MT19937,
  ReleasedTensorError,
  ShapeError,
  Tensor,
  TapegradError,
  ValueError,
  add,
  autograd,
  cat,
  div,
  gather,
  gradcheck,
  indexSelect,
  manualSeed,
  matmul,
  mul,
  randn,
  softmax,
  stack,
  sub,
  sum,
  tensor,
  transpose,
  where,
  zeros,
} from '../src/index.js';

type ErrorClass = new (message: string) => Error;

/** Asserts that `fn` throws an instance of `cls` whose message contains every fragment. */
function expectThrows(fn: () => unknown, cls: ErrorClass, ...fragments: string[]): void {
  expect(fn).toThrow(cls);
  for (const f of fragments) expect(fn).toThrow(f);
}

function rnd(seed: number, shape: number[], requiresGrad = false): Tensor {
  manualSeed(seed);
  return randn(shape, { dtype: 'float64', requiresGrad });
}

describe('error classes', () => {
  it('are all TapegradErrors that carry their own class name', () => {
    for (const cls of [
      ShapeError,
      DTypeError,
      IndexError,
      ValueError,
      AutogradError,
      MemoryError,
      ReleasedTensorError,
    ]) {
      const e = new cls('msg');
      expect(e).toBeInstanceOf(TapegradError);
      expect(e).toBeInstanceOf(Error);
      expect(e.name).toBe(cls.name);
    }
  });
});

describe('allocation errors', () => {
  it('names the op, the dtype and the shape when a tensor is too large to allocate', () => {
    expectThrows(() => zeros([1e6, 1e6]), MemoryError, 'full:', 'float32', '[1000000, 1000000]');
    const x = tensor([1, 2, 3], { dtype: 'float64' });
    expectThrows(
      () => x.expand(1e5, 1e5, 3),
      MemoryError,
      'expand:',
      'float64',
      '[100000, 100000, 3]',
    );
  });
});

describe('broadcasting errors', () => {
  const a = (): Tensor => zeros([2, 3]);
  const b = (): Tensor => zeros([4]);
  const ops: [string, () => unknown][] = [
    ['add', () => add(a(), b())],
    ['sub', () => sub(a(), b())],
    ['mul', () => mul(a(), b())],
    ['div', () => div(a(), b())],
    ['where (condition against input)', () => where(a(), b(), 0)],
    ['where (input against other)', () => where(zeros([1]), a(), b())],
  ];
  it.each(ops)('%s of shapes [2, 3] and [4] throws a ShapeError naming both', (_op, call) => {
    expectThrows(
      call,
      ShapeError,
      '[2, 3]',
      '[4]',
      'The size of tensor a (3) must match the size of tensor b (4)',
    );
  });

  it('names the op in a broadcasting error', () => {
    expectThrows(() => mul(zeros([2, 3]), zeros([4])), ShapeError, 'mul:');
  });
});

describe('matmul errors', () => {
  it('throws a ShapeError when the inner sizes differ', () => {
    expectThrows(
      () => matmul(zeros([2, 3]), zeros([4, 5])),
      ShapeError,
      'cannot be multiplied',
      '2x3',
      '4x5',
    );
  });

  it('throws a ShapeError for a 1-D vector of the wrong length', () => {
    expectThrows(() => matmul(zeros([2, 3]), zeros([2])), ShapeError, 'cannot be multiplied');
  });

  it('throws a DTypeError for float32 times float64, naming both dtypes', () => {
    expectThrows(
      () => matmul(zeros([2, 3]), zeros([3, 2], { dtype: 'float64' })),
      DTypeError,
      'same dtype',
      'float != double',
    );
  });

  it('throws a ShapeError for a 0-d operand', () => {
    expectThrows(() => matmul(zeros([]), zeros([3])), ShapeError, 'at least 1D');
  });
});

describe('dimension errors', () => {
  const x = (): Tensor => zeros([2, 3]);
  const idx = (): Tensor => tensor([[0], [1]], { dtype: 'int32' });
  const ops: [string, () => unknown, string][] = [
    ['sum(x, 2)', () => sum(x(), 2), 'got 2'],
    ['sum(x, -3)', () => sum(x(), -3), 'got -3'],
    ['softmax(x, 2)', () => softmax(x(), 2), 'got 2'],
    ['transpose(x, 0, 5)', () => transpose(x(), 0, 5), 'got 5'],
    ['cat([x, x], 2)', () => cat([x(), x()], 2), 'got 2'],
    ['gather(x, 2, i)', () => gather(x(), 2, idx()), 'got 2'],
    [
      'indexSelect(x, -3, i)',
      () => indexSelect(x(), -3, tensor([0], { dtype: 'int32' })),
      'got -3',
    ],
  ];
  it.each(ops)('%s throws IndexError "Dimension out of range"', (_label, call, got) => {
    expectThrows(call, IndexError, 'Dimension out of range', '[-2, 1]', got);
  });
});

describe('shape errors', () => {
  it('throws a ShapeError when reshaping 6 elements to [4, 2]', () => {
    expectThrows(
      () => zeros([2, 3]).reshape(4, 2),
      ShapeError,
      "shape '[4, 2]' is invalid for input of size 6",
    );
  });

  it('throws a ShapeError when -1 cannot be inferred', () => {
    expectThrows(
      () => zeros([2, 3]).reshape(4, -1),
      ShapeError,
      "shape '[4, -1]' is invalid for input of size 6",
    );
  });

  it('throws a ShapeError when two dims are -1', () => {
    expectThrows(() => zeros([2, 3]).reshape(-1, -1), ShapeError, 'only one dimension');
  });

  it('throws a ShapeError when expanding a non-singleton dim to another size', () => {
    expectThrows(
      () => zeros([2, 3]).expand(4, 3),
      ShapeError,
      'The expanded size of the tensor (4) must match the existing size (2)',
      'non-singleton dimension 0',
      '[4, 3]',
      '[2, 3]',
    );
  });

  it('throws a ShapeError when expanding to fewer dims', () => {
    expectThrows(() => zeros([2, 3]).expand(3), ShapeError, 'number of sizes provided (1)');
  });

  it('throws a ShapeError for cat of tensors whose other sizes differ', () => {
    expectThrows(
      () => cat([zeros([2, 3]), zeros([2, 4])], 0),
      ShapeError,
      'Sizes of tensors must match except in dimension 0',
      'Expected size 3 but got size 4 for tensor number 1',
      '[2, 3]',
      '[2, 4]',
    );
  });

  it('throws a ShapeError for cat of tensors with different numbers of dims', () => {
    expectThrows(
      () => cat([zeros([2, 3]), zeros([3])], 0),
      ShapeError,
      'same number of dimensions: got 2 and 1',
    );
  });

  it('throws a ShapeError for stack of unequal shapes, naming both', () => {
    expectThrows(
      () => stack([zeros([2, 3]), zeros([2, 3]), zeros([3, 2])]),
      ShapeError,
      'stack expects each tensor to be equal size',
      '[2, 3] at entry 0',
      '[3, 2] at entry 2',
    );
  });

  it('throws a ValueError for cat and stack of an empty list', () => {
    expectThrows(() => cat([]), ValueError, 'non-empty');
    expectThrows(() => stack([]), ValueError, 'non-empty');
  });
});

describe('index errors', () => {
  const x = (): Tensor => zeros([2, 3]);
  it('throws an IndexError for a gather index past the end, naming index, dim and size', () => {
    const idx = tensor(
      [
        [0, 3],
        [1, 0],
      ],
      { dtype: 'int32' },
    );
    expectThrows(
      () => gather(x(), 1, idx),
      IndexError,
      'index 3 is out of bounds for dimension 1 with size 3',
    );
  });

  it('throws an IndexError for a negative gather index', () => {
    const idx = tensor([[0], [-1]], { dtype: 'int32' });
    expectThrows(() => gather(x(), 1, idx), IndexError, 'index -1 is out of bounds');
  });

  it('throws a DTypeError for a float32 gather index', () => {
    const idx = tensor([[0], [1]]);
    expectThrows(
      () => gather(x(), 1, idx),
      DTypeError,
      'Expected dtype int32 for index',
      'float32',
    );
  });

  it('throws an IndexError for an indexSelect index past the end', () => {
    const idx = tensor([0, 2], { dtype: 'int32' });
    expectThrows(
      () => indexSelect(x(), 0, idx),
      IndexError,
      'index 2 is out of bounds for dimension 0 with size 2',
    );
  });

  it('throws a DTypeError for a float64 indexSelect index', () => {
    const idx = tensor([0, 1], { dtype: 'float64' });
    expectThrows(() => indexSelect(x(), 1, idx), DTypeError, 'int32', 'float64');
  });
});

describe('dtype errors', () => {
  const i = (): Tensor => tensor([1, 2, 3], { dtype: 'int32' });
  const ops: [string, () => unknown][] = [
    ['add', () => i().add(i())],
    ['add with a number', () => i().add(1)],
    ['sub', () => i().sub(i())],
    ['mul', () => i().mul(2)],
    ['div', () => i().div(i())],
    ['exp', () => i().exp()],
    ['sum', () => i().sum()],
    ['matmul', () => i().matmul(i())],
  ];
  it.each(ops)('%s of int32 tensors throws a DTypeError', (op, call) => {
    expectThrows(call, DTypeError, 'int32', op.split(' ')[0]);
  });
});

describe('backward errors', () => {
  it('refuses to create an implicit gradient for a non-scalar output', () => {
    const y = rnd(1, [2, 3], true).mul(2);
    expectThrows(
      () => y.backward(),
      AutogradError,
      'grad can be implicitly created only for scalar outputs',
      '[2, 3]',
    );
  });

  it('refuses an upstream gradient of the wrong shape', () => {
    const y = rnd(2, [3], true).mul(2);
    expectThrows(
      () => y.backward(rnd(3, [2])),
      ShapeError,
      'Mismatch in shape',
      'grad_output[0] has a shape of [2]',
      'output[0] has a shape of [3]',
    );
  });

  it('refuses backward on a tensor that does not require grad', () => {
    const y = rnd(4, [3]).mul(2).sum();
    expectThrows(
      () => y.backward(),
      AutogradError,
      'does not require grad and does not have a grad_fn',
    );
  });

  it('refuses autograd.grad with respect to a tensor that does not require grad', () => {
    const x = rnd(5, [3], true);
    const c = rnd(6, [3]);
    expectThrows(() => autograd.grad(x.mul(c).sum(), [c]), AutogradError, 'does not require grad');
  });

  it('refuses a number of gradOutputs different from the number of outputs', () => {
    const x = rnd(7, [3], true);
    expectThrows(
      () => autograd.grad(x.mul(2), [x], { gradOutputs: [rnd(8, [3]), rnd(9, [3])] }),
      AutogradError,
      'got 2 gradients for 1 outputs',
    );
  });
});

// A deliberately wrong primitive: square with VJP g·x instead of 2·g·x.
const wrongSquare = autograd.definePrimitive({
  name: 'square',
  backwardName: 'SquareBackward0',
  forward: ([x]: readonly Tensor[]) => {
    const d = x.detach();
    return { out: d.mul(d), saved: [x] as const };
  },
  vjp: ({ g, saved: [x] }) => [g.mul(x)],
});

// A primitive whose VJP returns a gradient of the wrong shape ([1] for an input of shape [3]).
const badShape = autograd.definePrimitive({
  name: 'square',
  backwardName: 'SquareBackward0',
  forward: ([x]: readonly Tensor[]) => {
    const d = x.detach();
    return { out: d.mul(d), saved: [] };
  },
  vjp: ({ g }) => [g.sum().reshape(1)],
});

describe('gradcheck errors', () => {
  it('refuses float32 inputs with a DTypeError', () => {
    manualSeed(10);
    const x = randn([3], { requiresGrad: true });
    expectThrows(() => gradcheck((t) => t.exp(), [x]), DTypeError, 'input 0', 'float32', 'float64');
  });

  it('refuses to check a function with no input that requires grad', () => {
    expectThrows(() => gradcheck((t) => t.exp(), [rnd(11, [3])]), ValueError, 'at least one');
  });

  it('accepts the correct VJP of square, so the failure below is the VJP, not the check', () => {
    const x = rnd(12, [3], true);
    expect(gradcheck((t) => t.mul(t), [x])).toBe(true);
  });

  it('catches a wrong VJP, naming the input index, the element index and both values', () => {
    const c = rnd(13, [2], true);
    const x = tensor([0.5, -1.25, 2], { dtype: 'float64', requiresGrad: true });
    const fn = (a: Tensor, b: Tensor): Tensor =>
      a.sum().mul(autograd.apply(wrongSquare, [b], null));
    // gradcheck draws its upstream gradient from MT19937(seed 0), standard normal.
    const gen = new MT19937(0);
    const v0 = gen.standardNormal();
    const s = c.data[0] + c.data[1];
    // Input 0 (c) is right; input 1 (x) fails at element 0: analytical v0·s·x0, numerical 2·v0·s·x0.
    const analytical = v0 * s * x.data[0];
    const call = (): unknown => gradcheck(fn, [c, x]);
    expectThrows(
      call,
      GradcheckError,
      'input 1',
      'shape [3]',
      'element [0]',
      'flat index 0',
      `analytical ${analytical}`,
    );
    let message = '';
    try {
      call();
    } catch (e) {
      message = (e as Error).message;
    }
    const numerical = Number(/numerical (\S+)/.exec(message)?.[1]);
    expect(numerical).toBeCloseTo(2 * analytical, 6);
  });

  it('returns false instead of throwing when raiseException is false', () => {
    const x = rnd(14, [3], true);
    expect(
      gradcheck((t) => autograd.apply(wrongSquare, [t], null), [x], { raiseException: false }),
    ).toBe(false);
  });
});

describe('tape invariant errors', () => {
  it('throws an AutogradError naming the backward function when a VJP returns the wrong shape', () => {
    const x = rnd(15, [3], true);
    const y = autograd.apply(badShape, [x], null);
    expectThrows(
      () => y.backward(rnd(16, [3])),
      AutogradError,
      'Function SquareBackward0 returned an invalid gradient at index 0',
      'got [1]',
      'expected shape compatible with [3]',
    );
  });

  it('throws a ShapeError when a hook returns a gradient of the wrong shape', () => {
    const x = rnd(17, [3], true);
    x.registerHook((g) => g.sum());
    expectThrows(() => x.mul(2).backward(rnd(18, [3])), ShapeError, 'hook', '[]', '[3]');
  });
});
