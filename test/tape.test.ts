import { describe, expect, it } from 'vitest';
import {
  AutogradError,
  DTypeError,
  Tensor,
  autograd,
  cat,
  enableGrad,
  gradcheck,
  gradgradcheck,
  isGradEnabled,
  manualSeed,
  matmul,
  noGrad,
  randn,
  setGradEnabled,
  tensor,
  where,
  zeros,
} from '../src/index.js';

// Tape semantics, checked against PyTorch's behaviour. Expected gradients are derived by hand
// and evaluated here on the raw numbers (or checked by finite differences with gradcheck); they
// never go through the engine's own code path.

const EPS = Number.EPSILON;

/** Random float64 data of `shape`, reproducible from `seed`. */
function rnd(seed: number, shape: number[], requiresGrad = false): Tensor {
  manualSeed(seed);
  return randn(shape, { dtype: 'float64', requiresGrad });
}

function values(t: Tensor | null): number[] {
  if (t === null) throw new Error('expected a tensor, got null');
  return Array.from(t.data);
}

/** Elementwise `f` over the raw values of equally sized tensors. */
function zipMap(ts: readonly Tensor[], f: (...xs: number[]) => number): number[] {
  return Array.from(ts[0].data, (_, i) => f(...ts.map((t) => t.data[i])));
}

/**
 * `actual` equals `expected` within `ulps` machine epsilons, relative to max(1, |expected|);
 * non-finite expectations must match exactly (NaN with NaN, ±Inf with the same sign).
 */
function expectClose(actual: Tensor | null, expected: readonly number[], ulps = 16): void {
  const got = values(actual);
  expect(got.length).toBe(expected.length);
  got.forEach((a, i) => {
    const e = expected[i];
    if (!Number.isFinite(e)) {
      expect(a, `element ${i}`).toBe(e);
      return;
    }
    expect(Math.abs(a - e), `element ${i}: got ${a}, expected ${e}`).toBeLessThanOrEqual(
      ulps * EPS * Math.max(1, Math.abs(e)),
    );
  });
}

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    if (e instanceof Error) return e;
    throw new Error(`threw a non-Error: ${String(e)}`);
  }
  throw new Error('expected the call to throw');
}

describe('gradient accumulation and graph shapes', () => {
  it('accumulates .grad over two backward calls', () => {
    const x = rnd(1, [4], true);
    const v1 = rnd(2, [4]);
    const v2 = rnd(3, [4]);
    x.mul(3).backward(v1);
    expectClose(
      x.grad,
      zipMap([v1], (a) => 3 * a),
    );
    x.mul(3).backward(v2);
    expectClose(
      x.grad,
      zipMap([v1, v2], (a, b) => 3 * a + 3 * b),
    );
  });

  it('accumulates into the existing .grad in place, as PyTorch does, but not under createGraph', () => {
    const x = rnd(1, [4], true);
    const v1 = rnd(2, [4]);
    const v2 = rnd(3, [4]);
    const v1Values = Array.from(v1.data);
    x.mul(3).backward(v1);
    const first = x.grad!;
    const version = first._version.value;
    // The first gradient is a copy: accumulating into it must not touch the caller's v1.
    expect(first).not.toBe(v1);
    x.mul(3).backward(v2);
    expect(x.grad).toBe(first);
    expect(first._version.value).toBe(version + 1);
    expectClose(
      first,
      zipMap([v1, v2], (a, b) => 3 * a + 3 * b),
    );
    expect(Array.from(v1.data)).toEqual(v1Values);
    x.mul(3).backward(v1, { createGraph: true });
    expect(x.grad).not.toBe(first);
  });

  it('copies the first gradient under createGraph, so later accumulation touches nothing shared', () => {
    const a = rnd(6, [3], true);
    const b = rnd(7, [3], true);
    const v = rnd(8, [3]);
    const vValues = Array.from(v.data);
    // add's VJP hands the same g (here the caller's v) to both inputs.
    a.add(b).backward(v, { createGraph: true });
    expect(a.grad).not.toBe(b.grad);
    expect(a.grad).not.toBe(v);
    const w = rnd(9, [3]);
    a.add(b).backward(w);
    const expected = zipMap([v, w], (x, y) => x + y);
    expectClose(a.grad, expected);
    expectClose(b.grad, expected);
    expect(Array.from(v.data)).toEqual(vValues);
  });

  it("gives zero, not an error, for the gradient of ReLU's gradient with respect to x", () => {
    const x = tensor([-1, 2, 3], { requiresGrad: true, dtype: 'float64' });
    const [g] = autograd.grad(x.relu().sum(), [x], { createGraph: true });
    const [gg] = autograd.grad(g!.sum(), [x]);
    expect(Array.from(gg!.data)).toEqual([0, 0, 0]);
  });

  it('adds up the gradients of a tensor used twice in a diamond (y = x·x + exp(x))', () => {
    const x = rnd(4, [5], true);
    const v = rnd(5, [5]);
    x.mul(x).add(x.exp()).backward(v);
    expectClose(
      x.grad,
      zipMap([x, v], (xi, vi) => vi * (2 * xi + Math.exp(xi))),
    );
  });

  it('collects gradients from branches of different depth', () => {
    const x = rnd(6, [3, 2], true);
    const v = rnd(7, [3, 2]);
    const f = (t: Tensor): Tensor => t.mul(2).exp().mul(3).add(t.tanh()).add(t);
    f(x).backward(v);
    expectClose(
      x.grad,
      zipMap([x, v], (xi, vi) => vi * (6 * Math.exp(2 * xi) + 1 - Math.tanh(xi) ** 2 + 1)),
    );
    expect(gradcheck(f, [x.detach().requiresGrad_()])).toBe(true);
  });

  it('returns null for an input the outputs do not use when allowUnused is true', () => {
    const x = rnd(8, [3], true);
    const unused = rnd(9, [3], true);
    const v = rnd(10, [3]);
    const [gx, gu] = autograd.grad(x.exp(), [x, unused], { gradOutputs: [v], allowUnused: true });
    expectClose(
      gx,
      zipMap([x, v], (xi, vi) => vi * Math.exp(xi)),
    );
    expect(gu).toBeNull();
  });

  it('throws an AutogradError for an unused input when allowUnused is false', () => {
    const x = rnd(11, [3], true);
    const unused = rnd(12, [3], true);
    const v = rnd(13, [3]);
    const call = (): unknown => autograd.grad(x.exp(), [x, unused], { gradOutputs: [v] });
    expect(call).toThrow(AutogradError);
    expect(call).toThrow('input 1');
    expect(call).toThrow('appears to not have been used in the graph');
  });
});

describe('retainGraph', () => {
  it('lets a second backward through saved values succeed and accumulate', () => {
    const x = rnd(20, [4], true);
    const w = rnd(21, [4], true);
    const v = rnd(22, [4]);
    const y = x.mul(w);
    y.backward(v, { retainGraph: true });
    y.backward(v);
    expectClose(
      x.grad,
      zipMap([w, v], (wi, vi) => 2 * vi * wi),
    );
    expectClose(
      w.grad,
      zipMap([x, v], (xi, vi) => 2 * vi * xi),
    );
  });

  it('makes a second backward through saved values throw an AutogradError that mentions retainGraph', () => {
    const x = rnd(23, [4], true);
    const v = rnd(24, [4]);
    const y = x.mul(x);
    y.backward(v);
    const err = thrown(() => y.backward(v));
    expect(err).toBeInstanceOf(AutogradError);
    expect(err.message).toContain('retainGraph');
    expect(err.message).toContain('second time');
    expect(err.message).toContain('MulBackward0');
  });

  it('allows a second backward through additions alone, which saved nothing, as PyTorch does', () => {
    const x = rnd(25, [2, 3], true);
    const w = rnd(26, [3], true);
    const v1 = rnd(27, [2, 3]);
    const v2 = rnd(28, [2, 3]);
    const y = x.add(w).sub(1);
    y.backward(v1);
    y.backward(v2);
    expectClose(
      x.grad,
      zipMap([v1, v2], (a, b) => a + b),
    );
    // w was broadcast over the rows: its gradient sums them.
    const colSums = [0, 1, 2].map((j) => v1.data[j] + v1.data[3 + j] + v2.data[j] + v2.data[3 + j]);
    expectClose(w.grad, colSums);
  });
});

describe('grad mode', () => {
  it('records nothing inside noGrad: results neither require grad nor have a gradFn', () => {
    const x = rnd(30, [3], true);
    const y = noGrad(() => {
      expect(isGradEnabled()).toBe(false);
      return x.mul(2).exp();
    });
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    expect(y.isLeaf).toBe(true);
    expect(isGradEnabled()).toBe(true);
  });

  it('restores grad mode when the function given to noGrad throws', () => {
    expect(() =>
      noGrad(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(isGradEnabled()).toBe(true);
  });

  it('records again inside enableGrad nested in noGrad', () => {
    const x = rnd(31, [3], true);
    const v = rnd(32, [3]);
    const y = noGrad(() => enableGrad(() => x.mul(x)));
    expect(y.requiresGrad).toBe(true);
    expect(y.gradFn?.name).toBe('MulBackward0');
    y.backward(v);
    expectClose(
      x.grad,
      zipMap([x, v], (xi, vi) => 2 * xi * vi),
    );
  });

  it('switches grad mode with setGradEnabled, which returns the previous mode', () => {
    const x = rnd(33, [2], true);
    const prev = setGradEnabled(false);
    try {
      expect(prev).toBe(true);
      expect(isGradEnabled()).toBe(false);
      expect(x.mul(2).requiresGrad).toBe(false);
      expect(setGradEnabled(true)).toBe(false);
      expect(x.mul(2).requiresGrad).toBe(true);
    } finally {
      setGradEnabled(true);
    }
  });
});

describe('detach and requiresGrad_', () => {
  it('detach returns a leaf that shares storage and version counter with the original', () => {
    const x = rnd(40, [3], true);
    const y = x.mul(2);
    const d = y.detach();
    expect(d.data).toBe(y.data);
    expect(d.isLeaf).toBe(true);
    expect(d.requiresGrad).toBe(false);
    noGrad(() => d.fill_(5));
    expect(values(y)).toEqual([5, 5, 5]);
    expect(y.version).toBe(1);
  });

  it('lets no gradient flow through a detached tensor', () => {
    const x = rnd(41, [3], true);
    const v = rnd(42, [3]);
    x.mul(x.detach()).backward(v);
    // Only the attached factor contributes: v·x, not 2·v·x.
    expectClose(
      x.grad,
      zipMap([x, v], (xi, vi) => vi * xi),
    );
  });

  it('detach_ turns a non-leaf into a leaf that does not require grad, cutting it off the tape', () => {
    const x = rnd(43, [3], true);
    const w = rnd(44, [3], true);
    const v = rnd(45, [3]);
    const y = x.mul(2);
    expect(y.detach_()).toBe(y);
    expect(y.isLeaf).toBe(true);
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    y.mul(w).backward(v);
    expect(x.grad).toBeNull();
    expectClose(
      w.grad,
      zipMap([x, v], (xi, vi) => 2 * xi * vi),
    );
  });

  it('refuses to change requires_grad of a non-leaf', () => {
    const y = rnd(46, [2], true).mul(2);
    const call = (): unknown => y.requiresGrad_(false);
    expect(call).toThrow(AutogradError);
    expect(call).toThrow('you can only change requires_grad flags of leaf variables');
    expect(y.requiresGrad).toBe(true);
  });

  it('refuses requires_grad on an int32 tensor with a DTypeError', () => {
    const i = tensor([1, 2], { dtype: 'int32' });
    expect(() => i.requiresGrad_()).toThrow(DTypeError);
    expect(() => i.requiresGrad_()).toThrow('only Tensors of floating point dtype');
    expect(() => (i.requiresGrad = true)).toThrow(DTypeError);
    expect(i.requiresGrad).toBe(false);
  });
});

describe('hooks and retainGrad', () => {
  it('runs a hook on a leaf with its total gradient, and a returned tensor replaces it', () => {
    const x = rnd(50, [3], true);
    const w = rnd(51, [3]);
    const v = rnd(52, [3]);
    const seen: number[][] = [];
    x.registerHook((g) => {
      seen.push(values(g));
      return g.mul(2);
    });
    x.mul(w).add(x).backward(v);
    expect(seen).toHaveLength(1);
    const total = zipMap([w, v], (wi, vi) => vi * wi + vi);
    seen[0].forEach((s, i) => expect(s).toBeCloseTo(total[i], 14));
    expectClose(
      x.grad,
      total.map((t) => 2 * t),
    );
  });

  it('runs a hook on a non-leaf, and a doubled gradient doubles the downstream leaf gradients', () => {
    const x = rnd(53, [3], true);
    const w = rnd(54, [3], true);
    const v = rnd(55, [3]);
    const y = x.mul(w);
    const seen: number[][] = [];
    y.registerHook((g) => {
      seen.push(values(g));
      return g.mul(2);
    });
    y.exp().backward(v);
    const gy = zipMap([x, w, v], (xi, wi, vi) => vi * Math.exp(xi * wi));
    expect(seen).toHaveLength(1);
    expectClose(tensor(seen[0], { dtype: 'float64' }), gy);
    expectClose(
      x.grad,
      gy.map((g, i) => 2 * g * w.data[i]),
    );
    expectClose(
      w.grad,
      gy.map((g, i) => 2 * g * x.data[i]),
    );
  });

  it('leaves the gradient unchanged when a hook returns nothing', () => {
    const x = rnd(56, [3], true);
    const v = rnd(57, [3]);
    let calls = 0;
    x.registerHook(() => {
      calls++;
    });
    x.exp().backward(v);
    expect(calls).toBe(1);
    expectClose(
      x.grad,
      zipMap([x, v], (xi, vi) => vi * Math.exp(xi)),
    );
  });

  it('stops running a hook once its handle is removed', () => {
    const x = rnd(58, [3], true);
    const v = rnd(59, [3]);
    let calls = 0;
    const handle = x.registerHook((g) => {
      calls++;
      return g.mul(10);
    });
    handle.remove();
    x.mul(3).backward(v);
    expect(calls).toBe(0);
    expectClose(
      x.grad,
      zipMap([v], (vi) => 3 * vi),
    );
  });

  it('refuses a hook on a tensor that does not require grad', () => {
    expect(() => rnd(60, [2]).registerHook((g) => g)).toThrow(AutogradError);
  });

  it('fills .grad of a non-leaf after retainGrad(), and only then', () => {
    const x = rnd(61, [3], true);
    const v = rnd(62, [3]);
    const y = x.mul(2);
    const z = x.mul(3);
    y.retainGrad();
    y.exp().add(z.exp()).backward(v);
    expectClose(
      y.grad,
      zipMap([x, v], (xi, vi) => vi * Math.exp(2 * xi)),
    );
    expect(z.grad).toBeNull();
    expect(y.grad?.requiresGrad).toBe(false);
  });
});

describe('autograd.grad', () => {
  it('returns gradients without touching any .grad', () => {
    const x = rnd(70, [3], true);
    const w = rnd(71, [3], true);
    const v = rnd(72, [3]);
    const [gx, gw] = autograd.grad(x.mul(w), [x, w], { gradOutputs: [v] });
    expectClose(
      gx,
      zipMap([w, v], (wi, vi) => wi * vi),
    );
    expectClose(
      gw,
      zipMap([x, v], (xi, vi) => xi * vi),
    );
    expect(x.grad).toBeNull();
    expect(w.grad).toBeNull();
    expect(gx?.requiresGrad).toBe(false);
  });

  it('takes the gradient of a non-leaf input when asked for it', () => {
    const x = rnd(73, [3], true);
    const v = rnd(74, [3]);
    const y = x.mul(2);
    const [gy] = autograd.grad(y.exp(), [y], { gradOutputs: [v] });
    expectClose(
      gy,
      zipMap([x, v], (xi, vi) => vi * Math.exp(2 * xi)),
    );
  });

  it('handles several outputs and several inputs with one gradOutput each', () => {
    const x = rnd(75, [4], true);
    const w = rnd(76, [4], true);
    const v1 = rnd(77, [4]);
    const v2 = rnd(78, []);
    const y1 = x.mul(w);
    const y2 = x.exp().sum();
    const [gx, gw] = autograd.grad([y1, y2], [x, w], { gradOutputs: [v1, v2] });
    const s = v2.data[0];
    expectClose(
      gx,
      zipMap([x, w, v1], (xi, wi, vi) => vi * wi + s * Math.exp(xi)),
    );
    expectClose(
      gw,
      zipMap([x, v1], (xi, vi) => vi * xi),
    );
  });

  it('gives second derivatives with createGraph: d²/dx² of sum(x³) is 6x', () => {
    const x = rnd(79, [4], true);
    const v = rnd(80, [4]);
    const [g1] = autograd.grad(x.pow(3).sum(), x, { createGraph: true });
    expectClose(
      g1,
      zipMap([x], (xi) => 3 * xi * xi),
    );
    expect(g1?.requiresGrad).toBe(true);
    const [g2] = autograd.grad(g1!, x, { gradOutputs: [v] });
    expectClose(
      g2,
      zipMap([x, v], (xi, vi) => 6 * xi * vi),
    );
  });

  it('gives mixed second derivatives: d/dy of d/dx sum(x²y) is 2x', () => {
    const x = rnd(81, [3], true);
    const y = rnd(82, [3], true);
    const u = rnd(83, [3]);
    const [gx] = autograd.grad(x.mul(x).mul(y).sum(), x, { createGraph: true });
    expectClose(
      gx,
      zipMap([x, y], (xi, yi) => 2 * xi * yi),
    );
    const [gxy] = autograd.grad(gx!, y, { gradOutputs: [u] });
    expectClose(
      gxy,
      zipMap([x, u], (xi, ui) => 2 * xi * ui),
    );
  });

  it('gives third derivatives: d³/dx³ of sum(x³) is 6', () => {
    const x = rnd(84, [3], true);
    const v = rnd(85, [3]);
    const w = rnd(86, [3]);
    const [g1] = autograd.grad(x.pow(3).sum(), x, { createGraph: true });
    const [g2] = autograd.grad(g1!, x, { gradOutputs: [v], createGraph: true });
    const [g3] = autograd.grad(g2!, x, { gradOutputs: [w] });
    expectClose(
      g3,
      zipMap([v, w], (vi, wi) => 6 * vi * wi),
    );
  });

  it('passes gradgradcheck for a product of two inputs through a tanh', () => {
    const x = rnd(87, [2, 3], true);
    const y = rnd(88, [3], true);
    expect(gradgradcheck((a, b) => a.mul(b).tanh(), [x, y])).toBe(true);
  });

  it('records x.grad on the tape when backward runs with createGraph', () => {
    const x = rnd(89, [3], true);
    const v = rnd(90, [3]);
    x.pow(3).sum().backward(undefined, { createGraph: true });
    expect(x.grad?.requiresGrad).toBe(true);
    const [h] = autograd.grad(x.grad!, x, { gradOutputs: [v] });
    expectClose(
      h,
      zipMap([x, v], (xi, vi) => 6 * xi * vi),
    );
  });
});

describe('tape order and node names', () => {
  it('gives nodes strictly increasing sequence numbers along a chain', () => {
    const x = rnd(100, [3], true);
    const a = x.mul(2);
    const b = a.exp();
    const c = b.add(a);
    const d = c.sum();
    const seqs = [a, b, c, d].map((t) => t.gradFn!.seq);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]);
  });

  const x2 = (): Tensor => rnd(101, [2, 3], true);
  const idx = tensor([[0, 2, 1]], { dtype: 'int32' });
  const cases: [string, () => Tensor, string][] = [
    ['x.mul(y)', () => x2().mul(x2()), 'MulBackward0'],
    ['x.add(y)', () => x2().add(x2()), 'AddBackward0'],
    ['x.add(1)', () => x2().add(1), 'AddBackward0'],
    ['x.sub(y)', () => x2().sub(x2()), 'SubBackward0'],
    ['x.div(y)', () => x2().div(x2()), 'DivBackward0'],
    ['x.neg()', () => x2().neg(), 'NegBackward0'],
    ['x.exp()', () => x2().exp(), 'ExpBackward0'],
    ['x.log()', () => x2().log(), 'LogBackward0'],
    ['x.pow(3)', () => x2().pow(3), 'PowBackward0'],
    ['x.tanh()', () => x2().tanh(), 'TanhBackward0'],
    ['x.sigmoid()', () => x2().sigmoid(), 'SigmoidBackward0'],
    ['x.relu()', () => x2().relu(), 'ReluBackward0'],
    ['x.abs()', () => x2().abs(), 'AbsBackward0'],
    ['x.sqrt()', () => x2().sqrt(), 'SqrtBackward0'],
    ['x.clone()', () => x2().clone(), 'CloneBackward0'],
    ['x.to(float32)', () => x2().to('float32'), 'ToCopyBackward0'],
    ['x.reshape(3, 2)', () => x2().reshape(3, 2), 'ViewBackward0'],
    ['x.permute(1, 0)', () => x2().permute(1, 0), 'PermuteBackward0'],
    ['x.expand(4, 2, 3)', () => x2().expand(4, 2, 3), 'ExpandBackward0'],
    ['cat([x, y])', () => cat([x2(), x2()]), 'CatBackward0'],
    ['matmul(x, y.T)', () => matmul(x2(), x2().T), 'MmBackward0'],
    ['where(c, x, y)', () => where(x2().detach().gt(0), x2(), x2()), 'WhereBackward0'],
    ['x.maximum(y)', () => x2().maximum(x2()), 'MaximumBackward0'],
    ['x.gather(1, i)', () => x2().gather(1, idx), 'GatherBackward0'],
    ['x.slice(1, 1)', () => x2().slice(1, 1), 'SliceBackward0'],
    ['x.sum(0)', () => x2().sum(0), 'SumBackward1'],
    ['x.sum()', () => x2().sum(), 'SumBackward0'],
    ['x.max()', () => x2().max(), 'MaxBackward1'],
    ['x.max(1).values', () => x2().max(1).values, 'MaxBackward0'],
    ['x.min()', () => x2().min(), 'MinBackward1'],
    ['x.min(1).values', () => x2().min(1).values, 'MinBackward0'],
  ];
  it.each(cases)('names the node of %s as PyTorch does', (_label, make, name) => {
    expect(make().gradFn?.name).toBe(name);
  });
});

describe('in-place ops', () => {
  const base = (): Tensor => tensor([1.5, -2, 3.25], { dtype: 'float64' });
  const other = (): Tensor => tensor([0.5, 4, -1], { dtype: 'float64' });
  const cases: [string, (t: Tensor) => Tensor, number[]][] = [
    ['add_(o)', (t) => t.add_(other()), [2, 2, 2.25]],
    ['add_(o, 2)', (t) => t.add_(other(), 2), [2.5, 6, 1.25]],
    ['sub_(o)', (t) => t.sub_(other()), [1, -6, 4.25]],
    ['mul_(o)', (t) => t.mul_(other()), [0.75, -8, -3.25]],
    ['mul_(2)', (t) => t.mul_(2), [3, -4, 6.5]],
    ['copy_(o)', (t) => t.copy_(other()), [0.5, 4, -1]],
    ['zero_()', (t) => t.zero_(), [0, 0, 0]],
    ['fill_(7)', (t) => t.fill_(7), [7, 7, 7]],
  ];
  it.each(cases)('%s changes the values in place and bumps the version', (_label, op, want) => {
    const t = base();
    const storage = t.data;
    expect(t.version).toBe(0);
    expect(op(t)).toBe(t);
    expect(t.data).toBe(storage);
    expect(values(t)).toEqual(want);
    expect(t.version).toBe(1);
  });

  it('shares the version counter between a tensor and its reshaped view', () => {
    const t = base();
    const view = t.reshape(3, 1);
    view.add_(1);
    expect(t.version).toBe(1);
    expect(values(t)).toEqual([2.5, -1, 4.25]);
  });

  it('makes backward throw when a saved output was modified in place afterwards', () => {
    const x = rnd(110, [3], true);
    const v = rnd(111, [3]);
    const a = x.exp(); // ExpBackward0 saves its output a
    a.mul_(2);
    const err = thrown(() => a.backward(v));
    expect(err).toBeInstanceOf(AutogradError);
    expect(err.message).toContain('modified by an inplace operation');
    expect(err.message).toContain('ExpBackward0');
    expect(err.message).toContain('is at version 1');
    expect(err.message).toContain('expected version 0');
  });

  it('makes backward throw when a saved leaf was modified under noGrad, naming both versions', () => {
    const x = rnd(112, [3], true);
    const w = rnd(113, [3], true);
    const v = rnd(114, [3]);
    const y = x.mul(w);
    noGrad(() => {
      w.add_(1);
      w.mul_(2);
    });
    const err = thrown(() => y.backward(v));
    expect(err).toBeInstanceOf(AutogradError);
    expect(err.message).toContain('modified by an inplace operation');
    expect(err.message).toContain('[float64 [3]]');
    expect(err.message).toContain('is at version 2');
    expect(err.message).toContain('expected version 0');
  });

  it('refuses an in-place op on a leaf that requires grad outside noGrad, leaving it untouched', () => {
    const w = rnd(115, [3], true);
    const before = values(w);
    const call = (): unknown => w.add_(1);
    expect(call).toThrow(AutogradError);
    expect(call).toThrow(
      'a leaf Variable that requires grad is being used in an in-place operation',
    );
    expect(values(w)).toEqual(before);
    expect(w.version).toBe(0);
  });

  it('allows the optimizer update noGrad(() => w.sub_(w.grad.mul(0.1))), keeping w a leaf', () => {
    const w = rnd(116, [4], true);
    const x = rnd(117, [4]);
    const v = rnd(118, [4]);
    const w0 = values(w);
    w.mul(x).backward(v);
    noGrad(() => w.sub_(w.grad!.mul(0.1)));
    expect(values(w)).toEqual(w0.map((wi, i) => wi - x.data[i] * v.data[i] * 0.1));
    expect(w.isLeaf).toBe(true);
    expect(w.requiresGrad).toBe(true);
    expect(w.gradFn).toBeNull();
    expect(w.version).toBe(1);
  });

  it('records in-place ops on a non-leaf: y = 2x; y += 1; y *= 3 has gradient 6 per element', () => {
    const x = rnd(119, [4], true);
    const v = rnd(120, [4]);
    const y = x.mul(2);
    y.add_(1);
    y.mul_(3);
    expect(y.gradFn?.name).toBe('MulBackward0');
    expect(values(y)).toEqual(values(x).map((xi) => (2 * xi + 1) * 3));
    y.backward(v);
    expectClose(
      x.grad,
      zipMap([v], (vi) => 6 * vi),
    );
  });

  it('puts a plain tensor on the tape when an in-place op takes a grad-requiring operand', () => {
    const w = rnd(121, [3], true);
    const x = rnd(122, [3], true);
    const v = rnd(123, [3]);
    const a = zeros(3, { dtype: 'float64' });
    a.add_(w);
    a.mul_(x);
    expect(a.requiresGrad).toBe(true);
    expect(a.gradFn?.name).toBe('MulBackward0');
    a.backward(v);
    expectClose(
      w.grad,
      zipMap([x, v], (xi, vi) => xi * vi),
    );
    expectClose(
      x.grad,
      zipMap([w, v], (wi, vi) => wi * vi),
    );
  });

  it('puts a plain tensor on the tape when copy_ copies from a grad-requiring source', () => {
    const w = rnd(124, [3], true);
    const v = rnd(125, [3]);
    const a = zeros(3, { dtype: 'float64' });
    a.copy_(w);
    expect(a.requiresGrad).toBe(true);
    expect(a.isLeaf).toBe(false);
    a.backward(v);
    expectClose(w.grad, values(v));
  });

  it('keeps a non-leaf on the tape after copy_ from a constant, sending x a zero gradient', () => {
    const x = rnd(126, [3], true);
    const v = rnd(127, [3]);
    const y = x.mul(2);
    y.copy_(tensor([5, 6, 7], { dtype: 'float64' }));
    expect(y.isLeaf).toBe(false);
    y.backward(v);
    expect(y.grad).toBeNull();
    expect(values(x.grad)).toEqual([0, 0, 0]);
  });

  it('refuses an in-place op on a view of a leaf that requires grad, as PyTorch does', () => {
    const x = rnd(128, [4], true);
    const before = values(x);
    expect(() => x.reshape(2, 2).add_(1)).toThrow(AutogradError);
    expect(values(x)).toEqual(before);
  });

  it('refuses an in-place op on a view of a non-leaf rather than give a wrong gradient', () => {
    // PyTorch rebases the base's history (CopySlices); tapegrad throws instead, and nothing changes.
    const x = rnd(129, [4], true);
    const y = x.mul(2);
    const before = values(y);
    expect(() => y.reshape(2, 2).mul_(3)).toThrow(AutogradError);
    expect(() => y.reshape(2, 2).mul_(3)).toThrow(/view of a tensor that requires grad/);
    expect(values(y)).toEqual(before);
    // After clone() the same update is an ordinary recorded op.
    const z = y.reshape(2, 2).clone().mul_(3);
    const v = rnd(130, [2, 2]);
    z.backward(v);
    expectClose(
      x.grad,
      zipMap([v.reshape(4)], (vi) => 6 * vi),
    );
  });
});

describe('NaN and Inf', () => {
  const special = [NaN, Infinity, -Infinity, 0, -0, 2];
  const sp = (): Tensor => tensor(special, { dtype: 'float64' });
  const ops: [string, (t: Tensor) => Tensor, (x: number) => number][] = [
    ['add(1)', (t) => t.add(1), (x) => x + 1],
    ['mul(-2)', (t) => t.mul(-2), (x) => x * -2],
    ['div(0)', (t) => t.div(0), (x) => x / 0],
    ['exp()', (t) => t.exp(), Math.exp],
    ['log()', (t) => t.log(), Math.log],
    ['sqrt()', (t) => t.sqrt(), Math.sqrt],
    ['tanh()', (t) => t.tanh(), Math.tanh],
    ['neg()', (t) => t.neg(), (x) => -x],
  ];
  it.each(ops)('%s follows IEEE arithmetic on NaN, ±Inf and ±0', (_label, op, f) => {
    const out = values(op(sp()));
    out.forEach((o, i) => expect(Object.is(o, f(special[i])), `element ${i}: ${o}`).toBe(true));
  });

  it('propagates NaN and Inf through gradients without throwing', () => {
    const x = tensor([NaN, Infinity, -Infinity, 2], { dtype: 'float64', requiresGrad: true });
    const v = rnd(140, [4]);
    x.mul(x).backward(v);
    expectClose(
      x.grad,
      zipMap([x, v], (xi, vi) => 2 * vi * xi),
    );
  });

  it('gives infinite gradients where log and sqrt have a pole at 0', () => {
    const x = tensor([0, 0], { dtype: 'float64', requiresGrad: true });
    const v = tensor([1.5, -0.5], { dtype: 'float64' });
    const [gl] = autograd.grad(x.log(), x, { gradOutputs: [v] });
    const [gs] = autograd.grad(x.sqrt(), x, { gradOutputs: [v] });
    expect(values(gl)).toEqual([Infinity, -Infinity]);
    expect(values(gs)).toEqual([Infinity, -Infinity]);
  });

  it('multiplies Inf by 0 into NaN forward, with gradients v·0 and v·Inf', () => {
    const x = tensor([Infinity], { dtype: 'float64', requiresGrad: true });
    const w = tensor([0], { dtype: 'float64', requiresGrad: true });
    const y = x.mul(w);
    expect(Number.isNaN(y.data[0])).toBe(true);
    y.backward(tensor([-1.5], { dtype: 'float64' }));
    expect(Object.is(x.grad!.data[0], -0)).toBe(true);
    expect(w.grad!.data[0]).toBe(-Infinity);
  });

  it('passes the sum gradient to every element even when the sum is NaN', () => {
    const x = tensor([NaN, 1, Infinity], { dtype: 'float64', requiresGrad: true });
    const s = x.sum();
    expect(Number.isNaN(s.item())).toBe(true);
    s.backward(tensor(0.75, { dtype: 'float64' }));
    expect(values(x.grad)).toEqual([0.75, 0.75, 0.75]);
  });

  it('lets relu pass the upstream gradient at a NaN input, as PyTorch threshold_backward does', () => {
    // PyTorch: grad_input = result <= 0 ? 0 : grad, so NaN (not <= 0) passes grad, and an
    // infinite upstream gradient at a negative input gives 0, not Inf·0 = NaN.
    const x = tensor([NaN, -1, 2], { dtype: 'float64', requiresGrad: true });
    x.relu().backward(tensor([2, Infinity, 3], { dtype: 'float64' }));
    expect(values(x.grad)).toEqual([2, 0, 3]);
  });

  it('lets maximum pass the gradient to both inputs at a NaN, as PyTorch does', () => {
    // derivatives.yaml: self: where(self == other, grad / 2, grad).masked_fill_(self < other, 0),
    // other: same with self > other; with a NaN every comparison is false, so both get grad.
    const a = tensor([NaN, 1], { dtype: 'float64', requiresGrad: true });
    const b = tensor([1, 3], { dtype: 'float64', requiresGrad: true });
    const y = a.maximum(b);
    expect(Number.isNaN(y.data[0])).toBe(true);
    y.backward(tensor([5, 7], { dtype: 'float64' }));
    expect(values(a.grad)).toEqual([5, 0]);
    expect(values(b.grad)).toEqual([5, 7]);
  });
});

describe('autograd.grad computes only what the requested inputs need', () => {
  it('stops at a non-leaf input, leaving the graph behind it usable', () => {
    const x = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    const y = x.exp();
    const [gy] = autograd.grad([y.mul(y).sum()], [y]);
    expect(Array.from(gy!.data)).toEqual(Array.from(y.data, (v) => 2 * v));
    // The exp node was neither run nor freed, so a backward through it still works.
    y.sum().backward();
    expect(Array.from(x.grad!.data)).toEqual([Math.exp(1), Math.exp(2)]);
  });

  it('does not run hooks of leaves it does not differentiate', () => {
    const a = tensor([1, 2], { requiresGrad: true });
    let fired = 0;
    a.registerHook(() => {
      fired++;
    });
    const b = a.mul(2);
    autograd.grad([b.mul(b).sum()], [b]);
    expect(fired).toBe(0);
  });

  it('still runs a requested node when another requested input lies behind it', () => {
    const x = tensor([0.5, -1], { dtype: 'float64', requiresGrad: true });
    const y = x.exp();
    const [gy, gx] = autograd.grad([y.mul(y).sum()], [y, x]);
    expect(Array.from(gy!.data)).toEqual(Array.from(y.data, (v) => 2 * v));
    const expected = [0.5, -1].map((v) => 2 * Math.exp(2 * v));
    Array.from(gx!.data).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 12));
  });
});

describe('saved operands', () => {
  it('mul saves an operand only for the gradient of the other, so modifying it later is allowed', () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const b = a.mul(2);
    const c = b.mul(3); // the constant 3 needs no gradient: b is not saved
    b.add_(1);
    c.sum().backward();
    expect(Array.from(a.grad!.data)).toEqual([6, 6]);
  });

  it('still detects a modified operand that a gradient needs', () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const w = tensor([3, 4], { requiresGrad: true });
    const b = a.mul(2);
    const c = b.mul(w); // w's gradient needs b
    b.add_(1);
    expect(() => c.sum().backward()).toThrow(/modified by an inplace operation/);
  });
});

describe('copies where PyTorch returns views', () => {
  it.each([
    ['narrow', (t: Tensor) => t.narrow(0, 0, 1)],
    ['slice', (t: Tensor) => t.slice(0, 0, 1)],
    ['permute', (t: Tensor) => t.permute(1, 0)],
    ['transpose', (t: Tensor) => t.transpose(0, 1)],
    ['expand', (t: Tensor) => t.narrow(0, 0, 1).clone().expand(3, 2)],
  ] as const)(
    'refuse in-place ops on the result of %s instead of silently missing the base',
    (op, f) => {
      const base = tensor([
        [1, 2],
        [3, 4],
      ]);
      const before = Array.from(base.data);
      const part = f(base);
      expect(() => part.mul_(10)).toThrow(
        new RegExp(`result of ${op}\\(\\), which in tapegrad is a copy`),
      );
      expect(Array.from(base.data)).toEqual(before);
      // An explicit copy is an ordinary tensor.
      const copy = part.clone().mul_(10);
      expect(Array.from(copy.data)).toEqual(Array.from(part.data, (v) => v * 10));
    },
  );

  it('lets in-place ops on reshape views write through to the base, as in PyTorch', () => {
    const base = tensor([1, 2, 3, 4]);
    base.reshape(2, 2).mul_(10);
    expect(Array.from(base.data)).toEqual([10, 20, 30, 40]);
    expect(base.version).toBe(1);
  });
});
