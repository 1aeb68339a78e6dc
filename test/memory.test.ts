/**
 * Who releases tensor memory, and when: tidy, keep, dispose and scope; the tape's saved values;
 * the library's own scopes (a training step holds the same pool blocks step after step, with or
 * without tidy); the NaN fill of released blocks; the memory limit; the finalizer.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  data,
  deserialize,
  full,
  keep,
  manualSeed,
  memoryLimit,
  memoryStats,
  nn,
  optim,
  randn,
  ReleasedTensorError,
  scope,
  serialize,
  setMemoryLimit,
  tensor,
  tidy,
  ValueError,
  type Tensor,
} from '../src/index.js';
import { fillFreed, setFillFreed } from '../src/storage/pool.js';

/** More elements than the 64 KiB of float32 that user-held tensors keep in plain arrays. */
const LARGE = 20_000;

const liveBlocks = (): number => memoryStats().liveBlocks;

describe('tidy', () => {
  it('returns its result and releases every other tensor made inside, naming tidy', () => {
    let inner!: Tensor;
    const out = tidy(() => {
      inner = randn([4]).exp();
      return inner.mul(2);
    });
    expect(out.isDisposed).toBe(false);
    expect(out.shape).toEqual([4]);
    expect(inner.isDisposed).toBe(true);
    expect(() => inner.sum()).toThrow(ReleasedTensorError);
    expect(() => inner.sum()).toThrow(/released by the tidy\(\)/);
  });

  it('returns the tensors of an array or an object and releases the rest', () => {
    let dropped!: Tensor;
    const { pair, nested } = tidy(() => {
      dropped = randn([3]);
      const a = dropped.add(1);
      const b = dropped.sub(1);
      return { pair: [a, b], nested: { c: a.mul(b) } };
    });
    expect(pair.map((t) => t.isDisposed)).toEqual([false, false]);
    expect(nested.c.isDisposed).toBe(false);
    expect(dropped.isDisposed).toBe(true);
  });

  it('hands the result of a nested tidy to the outer one, which releases it unless it returns it', () => {
    let fromInner!: Tensor;
    let returned!: Tensor;
    const out = tidy(() => {
      fromInner = tidy(() => randn([2]).exp());
      returned = tidy(() => randn([2]).neg());
      expect(fromInner.isDisposed).toBe(false);
      return returned;
    });
    expect(out).toBe(returned);
    expect(returned.isDisposed).toBe(false);
    expect(fromInner.isDisposed).toBe(true);
  });

  it('releases what was made when fn throws, and rethrows', () => {
    let made!: Tensor;
    const blocks = liveBlocks();
    expect(() =>
      tidy(() => {
        made = randn([LARGE]);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(made.isDisposed).toBe(true);
    expect(liveBlocks()).toBe(blocks);
  });
});

describe('keep, dispose and views', () => {
  it('keeps a tensor marked with keep() through the tidy it was made in', () => {
    let kept!: Tensor;
    let other!: Tensor;
    tidy(() => {
      kept = keep(randn([3]));
      other = randn([3]);
    });
    expect(kept.isDisposed).toBe(false);
    expect(kept.sum().isDisposed).toBe(false);
    expect(other.isDisposed).toBe(true);
    kept.dispose();
  });

  it('releases on dispose(), names dispose() in the error, and ignores a second dispose', () => {
    const t = randn([LARGE]);
    const blocks = liveBlocks();
    t.dispose();
    expect(liveBlocks()).toBe(blocks - 1);
    expect(() => t.sum()).toThrow(/released by dispose\(\)/);
    expect(() => t.dispose()).not.toThrow();
    expect(liveBlocks()).toBe(blocks - 1);
  });

  it('shares storage between a tensor and its views: disposing a reshape leaves the base', () => {
    const base = randn([LARGE]);
    const view = base.reshape(100, -1);
    const total = view.sum().item();
    const blocks = liveBlocks();
    view.dispose();
    expect(liveBlocks()).toBe(blocks);
    expect(base.sum().item()).toBe(total);
    expect(() => view.sum()).toThrow(ReleasedTensorError);
    base.dispose();
    expect(liveBlocks()).toBe(blocks - 1);
  });
});

describe('scope() with using', () => {
  it('releases at the end of the block what was made in it, except kept tensors', () => {
    let made!: Tensor;
    let kept!: Tensor;
    let total = 0;
    {
      using _ = scope();
      made = randn([3]).exp();
      kept = keep(made.mul(2));
      total = made.sum().item();
      expect(made.isDisposed).toBe(false);
    }
    expect(total).toBeGreaterThan(0);
    expect(made.isDisposed).toBe(true);
    expect(() => made.toArray()).toThrow(/tidy\(\) \(or scope\)/);
    expect(kept.isDisposed).toBe(false);
    kept.dispose();
  });
});

describe('saved values of the tape', () => {
  it('are released by backward, and a use of one afterwards names backward', () => {
    const x = randn([5], { requiresGrad: true });
    const y = x.exp(); // saves its output
    const [saved] = y.gradFn!.savedTensors();
    expect(saved.toArray()).toEqual(y.toArray());
    y.backward(randn([5]));
    expect(() => saved.toArray()).toThrow(ReleasedTensorError);
    expect(() => saved.toArray()).toThrow(/backward\(\)/);
    expect(y.isDisposed).toBe(false);
  });

  it('are kept by retainGraph: true, so a second backward works', () => {
    const x = randn([5], { requiresGrad: true });
    const y = x.tanh();
    const [saved] = y.gradFn!.savedTensors();
    const g = randn([5]);
    y.backward(g, { retainGraph: true });
    expect(saved.isDisposed).toBe(false);
    const first = x.grad!.toArray() as number[];
    y.backward(g);
    expect(x.grad!.toArray()).toEqual(first.map((v) => Math.fround(v + v)));
    expect(saved.isDisposed).toBe(true);
  });
});

/** A model, loss and optimizer for the training-loop tests, and one step of training. */
function trainer(): { model: nn.Sequential; opt: optim.SGD; step: () => Tensor } {
  manualSeed(0);
  const model = new nn.Sequential(
    new nn.Linear(12, 32),
    new nn.BatchNorm1d(32),
    new nn.ReLU(),
    new nn.Linear(32, 4),
  );
  const lossFn = new nn.CrossEntropyLoss();
  const opt = new optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
  const x = randn([16, 12]);
  const y = tensor(
    Array.from({ length: 16 }, (_, i) => (i * 7) % 4),
    { dtype: 'int32' },
  );
  const upstream = randn([]).abs().add(0.5); // a random upstream gradient, not 1
  const step = (): Tensor => {
    opt.zeroGrad();
    const loss = lossFn.forward(model.forward(x), y);
    loss.backward(upstream);
    opt.step();
    return loss;
  };
  return { model, opt, step };
}

describe('graphs recorded in a tidy', () => {
  it('are ended when nothing that outlives the tidy reaches them: a forward without backward leaves no block', () => {
    manualSeed(3);
    const model = new nn.Sequential(new nn.Linear(20, 64), new nn.ReLU(), new nn.Linear(64, 5));
    const x = randn([32, 20]);
    const before = liveBlocks();
    const seen: number[] = [];
    for (let step = 0; step < 5; step++) {
      tidy(() => model.forward(x).sum().item());
      seen.push(liveBlocks() - before);
    }
    expect(seen).toEqual([0, 0, 0, 0, 0]);
  });

  it('stay whole when the tidy returns a tensor on them, so backward works after it', () => {
    manualSeed(4);
    const x = randn([LARGE], { requiresGrad: true });
    const y = tidy(() => x.exp().mul(x).sum());
    const g = randn([]);
    y.backward(g);
    // The same graph built outside any tidy gives the same gradient, bit for bit.
    const x2 = x.detach().clone().requiresGrad_();
    x2.exp().mul(x2).sum().backward(g);
    expect(x.grad!.toArray()).toEqual(x2.grad!.toArray());
  });

  it('stay whole when an in-place op inside the tidy gives an outside tensor its history', () => {
    manualSeed(5);
    const w = randn([LARGE], { requiresGrad: true });
    const h = randn([LARGE]).mul(1);
    tidy(() => {
      h.mul_(w.exp());
    });
    h.sum().backward();
    expect(w.grad!.isDisposed).toBe(false);
    expect(w.grad!.size).toBe(LARGE);
  });

  it('release a .grad the library kept when a createGraph backward replaces it, naming why', () => {
    manualSeed(6);
    const w = randn([8], { requiresGrad: true });
    w.mul(w).sum().backward(undefined, { createGraph: true });
    const first = w.grad!;
    w.mul(w).sum().backward(undefined, { createGraph: true });
    expect(first.isDisposed).toBe(true);
    expect(() => first.sum()).toThrow(/replaced this \.grad/);
  });
});

describe('a small view leaving every scope', () => {
  it('leaves a kept parameter in the pool', () => {
    const p = tidy(() => keep(new nn.Parameter(randn([64]))));
    expect(p._block.resident).toBe(true);
    const v = tidy(() => p.reshape(8, 8));
    expect(p._block.resident).toBe(true);
    expect(v.toArray()).toEqual(p.reshape(8, 8).toArray());
  });
});

describe('a training step', () => {
  it('in tidy keeps .grad and the momentum buffers, and reuses the same pool blocks from step 2 on', () => {
    const { model, opt, step } = trainer();
    const params = model.parameters();
    const baseline = liveBlocks();
    const losses: number[] = [];
    const stats: { memoryBytes: number; liveBlocks: number; liveBytes: number }[] = [];
    let grads: (Tensor | null)[] = [];
    let buffers: (Tensor | null)[] = [];
    for (let i = 0; i < 20; i++) {
      losses.push(tidy(() => step().item()));
      const { memoryBytes, liveBlocks: blocks, liveBytes } = memoryStats();
      stats.push({ memoryBytes, liveBlocks: blocks, liveBytes });
      if (i === 0) {
        grads = params.map((p) => p.grad);
        buffers = params.map((p) => opt.state.get(p)!.momentumBuffer);
      }
    }
    // .grad is allocated once and accumulated in place; the momentum buffers live on.
    params.forEach((p, i) => {
      expect(p.grad).toBe(grads[i]);
      expect(p.grad!.isDisposed).toBe(false);
      expect(opt.state.get(p)!.momentumBuffer).toBe(buffers[i]);
      expect(buffers[i]!.isDisposed).toBe(false);
    });
    // Each parameter adds two pool blocks: its .grad and its momentum buffer.
    expect(stats[1].liveBlocks - baseline).toBe(2 * params.length);
    for (const s of stats.slice(2)) expect(s).toEqual(stats[1]);
    expect(losses[19]).toBeLessThan(losses[0]);
  });

  it('without tidy holds no more pool memory step after step, though the caller keeps every loss', () => {
    const { model, step } = trainer();
    const baseline = liveBlocks();
    const held: Tensor[] = [];
    const stats: { memoryBytes: number; liveBlocks: number; liveBytes: number }[] = [];
    for (let i = 0; i < 20; i++) {
      held.push(step());
      const { memoryBytes, liveBlocks: blocks, liveBytes } = memoryStats();
      stats.push({ memoryBytes, liveBlocks: blocks, liveBytes });
    }
    // The bound is zero: the library's scopes release every intermediate, backward releases the
    // saved values, and what the caller holds (the losses, each under 64 KiB) lives in plain
    // arrays, outside the pool. Only the kept .grad and momentum buffers are in it.
    for (const s of stats.slice(2)) expect(s).toEqual(stats[1]);
    expect(stats[1].liveBlocks - baseline).toBe(2 * model.parameters().length);
    expect(held.every((t) => !t.isDisposed && !t._block.resident)).toBe(true);
    expect(held[19].item()).toBeLessThan(held[0].item());
  });

  it('releases a dropped .grad with zeroGrad({ setToNone: true }), naming it', () => {
    const { model, opt, step } = trainer();
    tidy(() => void step());
    const grads = model.parameters().map((p) => p.grad!);
    const blocks = liveBlocks();
    opt.zeroGrad({ setToNone: true });
    expect(liveBlocks()).toBe(blocks - grads.length);
    expect(() => grads[0].sum()).toThrow(/zeroGrad\(\{ setToNone: true \}\)/);
    // The next backward allocates new gradients: the pool stays the same size.
    const before = memoryStats().memoryBytes;
    for (let i = 0; i < 5; i++) {
      tidy(() => void step());
      opt.zeroGrad({ setToNone: true });
      expect(liveBlocks()).toBe(blocks - grads.length);
    }
    expect(memoryStats().memoryBytes).toBe(before);
  });

  it("keeps Adam's state in the pool, and a loaded state dict keeps what it stores", () => {
    manualSeed(1);
    const w = new nn.Parameter(randn([8, 3]));
    const opt = new optim.Adam([w], { lr: 0.01, amsgrad: true });
    const run = (o: optim.Adam): void =>
      tidy(() => {
        o.zeroGrad();
        w.mul(w).sum().backward(randn([]));
        o.step();
      });
    run(opt);
    const s = opt.state.get(w)!;
    for (const t of [s.step, s.expAvg, s.expAvgSq, s.maxExpAvgSq!]) {
      expect(t.isDisposed).toBe(false);
      expect(t._block.resident).toBe(true);
    }
    const copy = new optim.Adam([w], { lr: 0.01, amsgrad: true });
    tidy(() => copy.loadStateDict(opt.stateDict()));
    const loaded = copy.state.get(w)!;
    expect(loaded.expAvg.isDisposed).toBe(false);
    expect(loaded.expAvg.toArray()).toEqual(s.expAvg.toArray());
    expect(loaded.step.item()).toBe(1);
    run(copy);
    expect(loaded.step.item()).toBe(2);
  });
});

describe('library functions called outside tidy', () => {
  // Inputs above 64 KiB, so that any tensor a function leaked outside its scopes would be a
  // live pool block (small ones would go to plain arrays and not show). Results are disposed.
  manualSeed(3);
  const x = randn([200, 100]);
  const cases: [string, () => Tensor | Tensor[]][] = [
    ['gelu (tanh)', () => nn.functional.gelu(x, { approximate: 'tanh' })],
    ['gelu (exact)', () => nn.functional.gelu(x)],
    ['dropout', () => nn.functional.dropout(x, { p: 0.3 })],
    ['linear', () => nn.functional.linear(x, randn([100, 100]), randn([100]))],
    ...(['fused', 'composite'] as const).map((impl): [string, () => Tensor] => [
      `batchNorm (${impl}) with running statistics`,
      () => {
        const rm = randn([100]);
        const rv = randn([100]).abs();
        return nn.functional.batchNorm(x, rm, rv, null, null, { training: true, impl });
      },
    ]),
    ['nn.init.kaimingUniform_', () => nn.init.kaimingUniform_(randn([200, 100]))],
    ['nn.init.normal_', () => nn.init.normal_(randn([200, 100]), 0, 2)],
    [
      'deserialize',
      () => Object.values(deserialize(serialize({ a: x, b: tensor([1, 2], { dtype: 'int32' }) }))),
    ],
    [
      'Module.loadStateDict',
      () => {
        const fc = new nn.Linear(100, 200, { dtype: 'float64' });
        const dict = { weight: randn([200, 100]), bias: randn([200]) };
        fc.loadStateDict(dict);
        Object.values(dict).forEach((t) => t.dispose());
        return [fc.weight, fc.bias!];
      },
    ],
  ];

  it.each(cases)('%s leaves no pool block behind but its results', (_, call) => {
    const blocks = liveBlocks();
    const out = call();
    const results = Array.isArray(out) ? out : [out];
    const resultBlocks = new Set(results.filter((t) => t._block.resident).map((t) => t._block));
    expect(liveBlocks()).toBe(blocks + resultBlocks.size);
    results.forEach((t) => t.dispose());
    expect(liveBlocks()).toBe(blocks);
  });

  it('gives DataLoader batches plain arrays, and iterating allocates no pool block', () => {
    const ds = new data.TensorDataset(randn([512, 64]), randn([512]));
    const loader = new data.DataLoader(ds, { batchSize: 300, shuffle: true, seed: 0 });
    const blocks = liveBlocks();
    let rows = 0;
    for (const [xb, yb] of loader) {
      expect(xb._block.resident).toBe(false);
      expect(yb._block.resident).toBe(false);
      rows += xb.shape[0];
    }
    const collated = data.defaultCollate([
      [randn([LARGE]), 1],
      [randn([LARGE]), 2.5],
    ]);
    expect(collated.map((t) => t._block.resident)).toEqual([false, false]);
    expect(rows).toBe(512);
    expect(liveBlocks()).toBe(blocks + 2); // the two large samples given to defaultCollate
  });
});

describe('the NaN fill of released memory', () => {
  const was = fillFreed();
  afterEach(() => setFillFreed(was));

  const releasedView = (): Float32Array => {
    let view!: Float32Array;
    tidy(() => {
      const t = full([64], 3);
      expect(t._block.resident).toBe(true);
      view = t.data as Float32Array; // a view on the tensor memory, taken before release
    });
    return view;
  };

  it('fills a released pool block with NaN when on', () => {
    setFillFreed(true);
    expect(Array.from(releasedView()).every(Number.isNaN)).toBe(true);
  });

  it('leaves a released block as it was when off', () => {
    setFillFreed(false);
    expect(Array.from(releasedView())).toEqual(new Array<number>(64).fill(3));
  });
});

describe('setMemoryLimit', () => {
  const limit = memoryLimit();
  afterEach(() => setMemoryLimit(limit));

  /**
   * A forward and backward whose tensors are larger than the whole memory is now. In float64,
   * whose kernels give the same bits in TypeScript and WebAssembly (a float32 matmul that cannot
   * stage its plain operands runs in TypeScript, which accumulates in float64).
   */
  const compute = (rows: number): number[][] =>
    tidy(() => {
      manualSeed(7);
      const x = randn([rows, 64], { dtype: 'float64' });
      const w = randn([64, 16], { dtype: 'float64', requiresGrad: true });
      const y = x.matmul(w).tanh().sum(1);
      y.backward(randn([rows], { dtype: 'float64' }));
      return [y.toArray() as number[], (w.grad!.toArray() as number[][]).flat()];
    });

  it('gives plain arrays to tensors that would need growth past it, with the same results', () => {
    const rows = Math.ceil(memoryStats().memoryBytes / 256) + 64; // x alone needs more than all
    setMemoryLimit(memoryStats().memoryBytes);
    const { fallbacks, memoryBytes } = memoryStats();
    const limited = compute(rows);
    expect(memoryStats().fallbacks).toBeGreaterThan(fallbacks);
    expect(memoryStats().memoryBytes).toBe(memoryBytes);
    setMemoryLimit(limit);
    const afterLimited = memoryStats().fallbacks;
    const pooled = compute(rows);
    expect(memoryStats().fallbacks).toBe(afterLimited);
    expect(memoryStats().memoryBytes).toBeGreaterThan(memoryBytes);
    expect(limited).toEqual(pooled);
  });

  it('rejects a limit that is negative, not finite or beyond 2 GiB', () => {
    for (const bad of [-1, NaN, Infinity, 2 ** 31 + 1]) {
      expect(() => setMemoryLimit(bad)).toThrow(ValueError);
    }
    expect(memoryLimit()).toBe(limit);
  });
});

describe('the finalizer', () => {
  it('reclaims a large tensor made at top level and dropped, once the event loop turns', () => {
    const script = fileURLToPath(new URL('./helpers/finalizer-child.ts', import.meta.url));
    const tsx = new URL('../node_modules/tsx/dist/loader.mjs', import.meta.url).href;
    const out = execFileSync(process.execPath, ['--expose-gc', '--import', tsx, script], {
      encoding: 'utf8',
    });
    const r = JSON.parse(out) as Record<string, number | boolean>;
    expect(r.resident).toBe(true);
    expect(r.held).toBe((r.before as number) + 1);
    // A synchronous collection does not run finalizers: the block waits for the event loop.
    expect(r.synchronous).toBe(r.held);
    expect(r.after).toBe(r.before);
  });
});

describe('a released tensor', () => {
  it('throws on every read, even once its block holds another tensor', () => {
    let t!: Tensor;
    let offset = -1;
    tidy(() => {
      t = randn([1]);
      offset = t._block.offset;
    });
    // The next block of the same size class is the one t had (free lists are last in, first out).
    const reused = tidy(() => {
      const u = full([1], 42);
      return { same: u._block.offset === offset, u };
    });
    expect(reused.same).toBe(true);
    expect(() => t.sum()).toThrow(ReleasedTensorError);
    expect(() => t.item()).toThrow(ReleasedTensorError);
    expect(() => t.toArray()).toThrow(ReleasedTensorError);
    expect(() => t.toString()).toThrow(ReleasedTensorError);
    expect(() => t.data).toThrow(ReleasedTensorError);
  });
});
