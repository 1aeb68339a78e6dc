import { describe, expect, it } from 'vitest';
import {
  Tensor,
  ValueError,
  add,
  arange,
  eye,
  full,
  linspace,
  manualSeed,
  mul,
  ones,
  onesLike,
  rand,
  randn,
  random,
  sub,
  tensor,
  where,
  zeros,
  zerosLike,
} from '../src/index.js';

function values(t: Tensor): number[] {
  return Array.from(t.data);
}

describe('tensor()', () => {
  it('builds a float32 tensor from nested arrays, inferring the shape', () => {
    const t = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe('float32');
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(values(t)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('rounds values to float32 by default', () => {
    expect(tensor([0.1]).data[0]).toBe(Math.fround(0.1));
    expect(tensor([0.1], { dtype: 'float64' }).data[0]).toBe(0.1);
  });

  it('builds a 0-d tensor from a number', () => {
    const t = tensor(3.5);
    expect(t.shape).toEqual([]);
    expect(t.ndim).toBe(0);
    expect(t.numel()).toBe(1);
    expect(t.item()).toBe(3.5);
    expect(t.toArray()).toBe(3.5);
  });

  it('builds an empty 1-D tensor from an empty array', () => {
    const t = tensor([]);
    expect(t.shape).toEqual([0]);
    expect(t.numel()).toBe(0);
  });

  it('takes a typed array with a shape, keeping its dtype and copying its data', () => {
    const src = new Float64Array([1, 2, 3, 4, 5, 6]);
    const t = tensor(src, { shape: [3, 2] });
    expect(t.dtype).toBe('float64');
    expect(t.shape).toEqual([3, 2]);
    src[0] = 100;
    expect(t.data[0]).toBe(1);
    expect(
      tensor(new Int32Array([1, 2]), {
        shape: [2, 1],
      }).dtype,
    ).toBe('int32');
    expect(tensor(new Float32Array(3)).shape).toEqual([3]);
  });

  it('converts a typed array to the dtype asked for', () => {
    const t = tensor(new Float64Array([0.1, 2.7]), { dtype: 'float32' });
    expect(t.dtype).toBe('float32');
    expect(values(t)).toEqual([Math.fround(0.1), Math.fround(2.7)]);
  });

  it('builds float64 and int32 tensors from nested arrays', () => {
    const d = tensor([[1.5], [2.25]], { dtype: 'float64' });
    expect(d.data).toBeInstanceOf(Float64Array);
    expect(d.shape).toEqual([2, 1]);
    const i = tensor([1, -2, 3], { dtype: 'int32' });
    expect(i.data).toBeInstanceOf(Int32Array);
    expect(values(i)).toEqual([1, -2, 3]);
  });

  it('throws a ValueError for ragged nested arrays, naming the dim and both lengths', () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(ValueError);
    expect(() => tensor([[1, 2], [3]])).toThrow('expected sequence of length 2 at dim 1 (got 1)');
    expect(() => tensor([[1, 2], 3])).toThrow(ValueError);
    expect(() => tensor([1, [2]])).toThrow(ValueError);
  });

  it('throws a ValueError when the shape does not fit the data', () => {
    expect(() => tensor(new Float32Array(6), { shape: [4] })).toThrow(ValueError);
    expect(() => tensor(new Float32Array(6), { shape: [4] })).toThrow(
      'shape [4] is invalid for input of size 6',
    );
    expect(() => tensor([1, 2, 3], { shape: [2, 2] })).toThrow(ValueError);
  });

  it('reshapes flat nested data with the shape option', () => {
    expect(tensor([1, 2, 3, 4, 5, 6], { shape: [2, 3] }).toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });

  it('marks a tensor created with requiresGrad as a leaf that requires grad', () => {
    const t = tensor([1, 2], { requiresGrad: true });
    expect(t.requiresGrad).toBe(true);
    expect(t.isLeaf).toBe(true);
    expect(t.gradFn).toBeNull();
    expect(t.grad).toBeNull();
  });
});

describe('Tensor properties and values', () => {
  const t = (): Tensor =>
    tensor([
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      [
        [7, 8],
        [9, 10],
        [11, 12],
      ],
    ]);

  it('reports shape, dtype, size, numel(), ndim and dim()', () => {
    const x = t();
    expect(x.shape).toEqual([2, 3, 2]);
    expect(x.dtype).toBe('float32');
    expect(x.size).toBe(12);
    expect(x.numel()).toBe(12);
    expect(x.ndim).toBe(3);
    expect(x.dim()).toBe(3);
  });

  it('has a frozen shape', () => {
    expect(Object.isFrozen(t().shape)).toBe(true);
  });

  it('returns the nested arrays it was built from with toArray()', () => {
    expect(t().toArray()).toEqual([
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      [
        [7, 8],
        [9, 10],
        [11, 12],
      ],
    ]);
  });

  it('returns the value of a one-element tensor of any rank with item()', () => {
    expect(tensor([[2.5]]).item()).toBe(2.5);
    expect(tensor([-4], { dtype: 'int32' }).item()).toBe(-4);
  });

  it('throws a ValueError from item() for more than one element', () => {
    expect(() => t().item()).toThrow(ValueError);
    expect(() => t().item()).toThrow('a Tensor with 12 elements cannot be converted to Scalar');
  });

  it('clones into its own storage with equal values', () => {
    const x = t();
    const c = x.clone();
    expect(c.data).not.toBe(x.data);
    expect(c.data.buffer).not.toBe(x.data.buffer);
    expect(c.shape).toEqual(x.shape);
    expect(c.dtype).toBe(x.dtype);
    expect(values(c)).toEqual(values(x));
    c.fill_(0);
    expect(values(x)[0]).toBe(1);
    expect(x.version).toBe(0);
  });
});

describe('creation functions', () => {
  it('zeros, ones and full give constant float32 tensors of the shape asked for', () => {
    const z = zeros([2, 3]);
    expect(z.shape).toEqual([2, 3]);
    expect(z.dtype).toBe('float32');
    expect(values(z)).toEqual(new Array(6).fill(0));
    expect(values(ones(4))).toEqual([1, 1, 1, 1]);
    const f = full([2], 0.1);
    expect(values(f)).toEqual([Math.fround(0.1), Math.fround(0.1)]);
    expect(zeros([])).toHaveProperty('shape', []);
  });

  it('honours dtype and requiresGrad options', () => {
    expect(zeros([2], { dtype: 'float64' }).data).toBeInstanceOf(Float64Array);
    expect(ones([2], { dtype: 'int32' }).data).toBeInstanceOf(Int32Array);
    expect(full([2], 7, { dtype: 'float64' }).data[0]).toBe(7);
    expect(ones([2], { requiresGrad: true }).requiresGrad).toBe(true);
  });

  it('zerosLike and onesLike copy shape and dtype but not requiresGrad', () => {
    const src = tensor([[1.5, 2, 3]], { dtype: 'float64', requiresGrad: true });
    const z = zerosLike(src);
    const o = onesLike(src);
    for (const t of [z, o]) {
      expect(t.shape).toEqual([1, 3]);
      expect(t.dtype).toBe('float64');
      expect(t.requiresGrad).toBe(false);
    }
    expect(values(z)).toEqual([0, 0, 0]);
    expect(values(o)).toEqual([1, 1, 1]);
    expect(zerosLike(src, { dtype: 'float32' }).dtype).toBe('float32');
  });

  it('throws a ValueError for negative or fractional sizes', () => {
    expect(() => zeros([2, -1])).toThrow(ValueError);
    expect(() => ones([1.5])).toThrow(ValueError);
  });

  it('arange(5) is int32 [0, 1, 2, 3, 4], like torch.arange on integers', () => {
    const a = arange(5);
    expect(a.dtype).toBe('int32');
    expect(values(a)).toEqual([0, 1, 2, 3, 4]);
    expect(values(arange(2, 8, 3))).toEqual([2, 5]);
    expect(values(arange(3, 0, -1))).toEqual([3, 2, 1]);
  });

  it('arange with a fractional argument is float32', () => {
    const a = arange(0, 1, 0.25);
    expect(a.dtype).toBe('float32');
    expect(values(a)).toEqual([0, 0.25, 0.5, 0.75]);
    // torch.arange(0, 1, 0.1) has 10 elements, not 11.
    expect(arange(0, 1, 0.1).numel()).toBe(10);
    expect(arange(0, 3, 1, { dtype: 'float64' }).dtype).toBe('float64');
  });

  it('arange takes its options after any number of its numbers, as torch.arange(6, dtype=…)', () => {
    const a = arange(6, { dtype: 'float64' });
    expect([a.dtype, ...values(a)]).toEqual(['float64', 0, 1, 2, 3, 4, 5]);
    const b = arange(2, 5, { dtype: 'float32', requiresGrad: true });
    expect([b.dtype, b.requiresGrad, ...values(b)]).toEqual(['float32', true, 2, 3, 4]);
  });

  it('arange throws a ValueError for a zero step or a step of the wrong sign', () => {
    expect(() => arange(0, 5, 0)).toThrow(ValueError);
    expect(() => arange(0, 5, -1)).toThrow(ValueError);
  });

  it('linspace matches torch.linspace(0, 1, 5) and torch.linspace(-1, 7, 9)', () => {
    const a = linspace(0, 1, 5);
    expect(a.dtype).toBe('float32');
    expect(values(a)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(values(linspace(-1, 7, 9))).toEqual([-1, 0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('linspace hits both end points exactly and handles 0 and 1 steps', () => {
    const a = linspace(-0.3, 2.9, 11);
    expect(a.data[0]).toBe(Math.fround(-0.3));
    expect(a.data[10]).toBe(Math.fround(2.9));
    expect(values(linspace(3, 9, 1))).toEqual([3]);
    expect(linspace(3, 9, 0).shape).toEqual([0]);
    expect(linspace(0, 1, 3, { dtype: 'float64' }).dtype).toBe('float64');
  });

  it('eye gives the identity, square or rectangular', () => {
    expect(eye(3).toArray()).toEqual([
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    expect(eye(2, 3).toArray()).toEqual([
      [1, 0, 0],
      [0, 1, 0],
    ]);
    expect(eye(2, 2, { dtype: 'float64' }).dtype).toBe('float64');
  });
});

describe('random tensors', () => {
  it('rand gives float32 values in [0, 1) that manualSeed reproduces', () => {
    manualSeed(11);
    const a = rand([4, 5]);
    manualSeed(11);
    const b = rand([4, 5]);
    expect(a.dtype).toBe('float32');
    expect(values(a)).toEqual(values(b));
    for (const v of values(a)) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(1);
    }
    expect(new Set(values(a)).size).toBe(20);
  });

  it('rand draws the same stream as random.random, rounded to float32', () => {
    manualSeed(12);
    const r32 = rand([7]);
    const next32 = rand([2]);
    manualSeed(12);
    const ref = random.random([9]);
    expect(values(r32).concat(values(next32))).toEqual(values(ref).map(Math.fround));
    manualSeed(12);
    expect(values(rand([9], { dtype: 'float64' }))).toEqual(values(ref));
  });

  it('randn draws the same stream as random.standardNormal and manualSeed reproduces it', () => {
    manualSeed(13);
    const a = randn([3, 3], { dtype: 'float64' });
    manualSeed(13);
    const ref = random.standardNormal([9]);
    expect(values(a)).toEqual(values(ref));
    manualSeed(13);
    expect(values(randn([9]))).toEqual(values(ref).map(Math.fround));
  });

  it('randn has mean near 0 and variance near 1 over many draws', () => {
    manualSeed(14);
    const x = values(randn([20000], { dtype: 'float64' }));
    const m = x.reduce((s, v) => s + v, 0) / x.length;
    const v = x.reduce((s, xi) => s + (xi - m) ** 2, 0) / (x.length - 1);
    // 5 standard errors: 5/sqrt(20000) ≈ 0.035 for the mean, 5·sqrt(2/20000) = 0.05 for the variance.
    expect(Math.abs(m)).toBeLessThan(0.035);
    expect(Math.abs(v - 1)).toBeLessThan(0.05);
  });

  it('different seeds give different streams', () => {
    manualSeed(15);
    const a = values(rand([4]));
    manualSeed(16);
    expect(values(rand([4]))).not.toEqual(a);
  });

  it('rand and randn refuse an int32 dtype', () => {
    expect(() => rand([2], { dtype: 'int32' })).toThrow(ValueError);
    expect(() => randn([2], { dtype: 'int32' })).toThrow(ValueError);
  });
});

describe('type promotion', () => {
  const f32 = (): Tensor => tensor([0.1, 0.7]);
  const f64 = (): Tensor => tensor([0.2, 0.3], { dtype: 'float64' });

  it.each([
    ['add', add],
    ['sub', sub],
    ['mul', mul],
  ] as const)('%s of float32 and float64 gives float64, in either order', (_op, f) => {
    expect(f(f32(), f64()).dtype).toBe('float64');
    expect(f(f64(), f32()).dtype).toBe('float64');
  });

  it('computes a mixed float32 + float64 sum in float64 from the float32 value', () => {
    expect(values(add(f32(), f64()))).toEqual([Math.fround(0.1) + 0.2, Math.fround(0.7) + 0.3]);
  });

  it('promotes where(cond, float32, float64) to float64', () => {
    expect(where(tensor([1, 0]), f32(), f64()).dtype).toBe('float64');
  });

  it('treats a JS number next to a float32 tensor as float32', () => {
    const y = tensor([1]).mul(0.1);
    expect(y.dtype).toBe('float32');
    expect(y.data[0]).toBe(Math.fround(Math.fround(1) * Math.fround(0.1)));
    expect(tensor([3]).add(0.1).data[0]).toBe(Math.fround(3 + Math.fround(0.1)));
    // The number first, as in 1 - x.
    const z = sub(0.1, tensor([1]));
    expect(z.dtype).toBe('float32');
    expect(z.data[0]).toBe(Math.fround(Math.fround(0.1) - 1));
  });

  it('treats a JS number next to a float64 tensor as float64', () => {
    const y = tensor([3], { dtype: 'float64' }).mul(0.1);
    expect(y.dtype).toBe('float64');
    expect(y.data[0]).toBe(3 * 0.1);
  });
});

describe('toString()', () => {
  it('prints a leaf that requires grad as PyTorch does', () => {
    expect(tensor([1, 2], { requiresGrad: true }).toString()).toBe(
      'tensor([1., 2.], requires_grad=True)',
    );
    expect(tensor([1.5, 2], { dtype: 'float64', requiresGrad: true }).toString()).toBe(
      'tensor([1.5000, 2.0000], dtype=torch.float64, requires_grad=True)',
    );
  });

  it('prints a non-leaf with its grad_fn as PyTorch does', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    expect(x.mul(2).toString()).toBe('tensor([2., 4.], grad_fn=<MulBackward0>)');
    expect(x.add(x).toString()).toBe('tensor([2., 4.], grad_fn=<AddBackward0>)');
    expect(String(x.sum())).toBe('tensor(3., grad_fn=<SumBackward0>)');
  });

  it('prints plain tensors without an autograd suffix', () => {
    expect(tensor([1, 2]).toString()).toBe('tensor([1., 2.])');
    expect(arange(3).toString()).toBe('tensor([0, 1, 2], dtype=torch.int32)');
    expect(tensor([1, 2], { requiresGrad: true }).detach().toString()).toBe('tensor([1., 2.])');
  });
});
