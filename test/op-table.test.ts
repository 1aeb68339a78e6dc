/**
 * One table of op specs drives one generic property test: for every primitive and composite,
 * fast-check generates shapes (broadcasting cases included) and values in the op's domain, and
 * `gradcheck` and `gradgradcheck` must pass in float64 with a random upstream gradient.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import * as tg from '../src/index.js';
import { gradcheck, gradgradcheck, tensor, type Tensor } from '../src/index.js';
import { matmulNT } from '../src/ops/linalg.js';
import { embeddingDenseBackward } from '../src/ops/embedding.js';

interface Input {
  shape: number[];
  data: number[];
}

/** One generated case: input values plus the op applied with the generated parameters. */
interface OpCase {
  inputs: Input[];
  fn: (...xs: Tensor[]) => Tensor;
  /** Extra non-differentiable tensors (conditions, indices) already built into `fn`. */
  note?: string;
}

interface OpSpec {
  name: string;
  arb: fc.Arbitrary<OpCase>;
  atol?: number;
  rtol?: number;
  /** Finite-difference step, when the default 1e-6 is too small for the op. */
  eps?: number;
}

// ---- generators ---------------------------------------------------------------------------------

type Domain = 'real' | 'positive' | 'nonzero';

const value = (d: Domain): fc.Arbitrary<number> => {
  if (d === 'real') return fc.double({ min: -2, max: 2, noNaN: true });
  if (d === 'positive') return fc.double({ min: 0.5, max: 3, noNaN: true });
  // |x| ≥ 0.3 keeps finite differences away from kinks at 0 (abs, relu) and from poles (div).
  return fc
    .tuple(fc.double({ min: 0.3, max: 2, noNaN: true }), fc.boolean())
    .map(([m, s]) => (s ? m : -m));
};

const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

const values = (shape: number[], d: Domain = 'real'): fc.Arbitrary<Input> =>
  fc
    .array(value(d), { minLength: numel(shape), maxLength: numel(shape) })
    .map((data) => ({ shape, data }));

/** Values that are pairwise at least 0.1 apart, so max/min/argmax have no ties. */
const distinct = (shape: number[]): fc.Arbitrary<Input> =>
  fc
    .uniqueArray(fc.integer({ min: -40, max: 40 }), {
      minLength: numel(shape),
      maxLength: numel(shape),
    })
    .map((ints) => ({ shape, data: ints.map((i) => i / 10) }));

const dimSize = fc.integer({ min: 1, max: 4 });
const shapeOf = (minRank: number, maxRank: number): fc.Arbitrary<number[]> =>
  fc.array(dimSize, { minLength: minRank, maxLength: maxRank });

/** A broadcast pair: an output shape, and each operand a suffix of it with some dims set to 1. */
const broadcastPair: fc.Arbitrary<[number[], number[]]> = shapeOf(0, 3).chain((out) => {
  const operand = fc
    .tuple(
      fc.integer({ min: 0, max: out.length }),
      fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
    )
    .map(([drop, ones]) => out.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)));
  return fc.tuple(operand, operand);
});

const binary = (
  name: string,
  op: (a: Tensor, b: Tensor) => Tensor,
  da: Domain = 'real',
  db: Domain = 'real',
): OpSpec => ({
  name,
  arb: broadcastPair.chain(([sa, sb]) =>
    fc.tuple(values(sa, da), values(sb, db)).map((inputs) => ({ inputs, fn: op })),
  ),
});

const unary = (name: string, op: (x: Tensor) => Tensor, d: Domain = 'real'): OpSpec => ({
  name,
  arb: shapeOf(0, 3).chain((s) => values(s, d).map((x) => ({ inputs: [x], fn: op }))),
});

/** A non-empty subset of dims of a shape of rank ≥ 1, and keepdim. */
const reduction = (
  name: string,
  op: (x: Tensor, dims: number[], keepdim: boolean) => Tensor,
  d: Domain = 'real',
): OpSpec => ({
  name,
  arb: shapeOf(1, 3).chain((s) =>
    fc
      .tuple(
        values(s, d),
        fc.subarray(
          s.map((_, i) => i),
          { minLength: 1 },
        ),
        fc.boolean(),
      )
      .map(([x, dims, keepdim]) => ({ inputs: [x], fn: (t: Tensor) => op(t, dims, keepdim) })),
  ),
});

/** A shape of rank ≥ 1 and one of its dims, possibly negative. */
const withDim = (minRank = 1) =>
  shapeOf(minRank, 3).chain((s) =>
    fc.tuple(
      fc.constant(s),
      fc.integer({ min: 0, max: s.length - 1 }).chain((d) => fc.constantFrom(d, d - s.length)),
    ),
  );

const int32 = (data: number[], shape: number[]): Tensor =>
  tensor(Int32Array.from(data), { shape, dtype: 'int32' });

/** A small convolution: 1-D or 2-D, with generated stride, padding, dilation, groups and bias. */
const convolution = (nd: 1 | 2): fc.Arbitrary<OpCase> =>
  fc
    .record({
      n: fc.integer({ min: 1, max: 2 }),
      groups: fc.integer({ min: 1, max: 2 }),
      cg: fc.integer({ min: 1, max: 2 }),
      og: fc.integer({ min: 1, max: 2 }),
      k: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: nd, maxLength: nd }),
      extra: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: nd, maxLength: nd }),
      stride: fc.integer({ min: 1, max: 2 }),
      padding: fc.constantFrom<number | 'same' | 'valid'>(0, 1, 'same', 'valid'),
      dilation: fc.integer({ min: 1, max: 2 }),
      bias: fc.boolean(),
    })
    .chain((g) => {
      const c = g.cg * g.groups;
      const o = g.og * g.groups;
      // 'same' needs stride 1; sizes at least the dilated kernel.
      const stride = g.padding === 'same' ? 1 : g.stride;
      const size = g.k.map((k, i) => g.dilation * (k - 1) + 1 + g.extra[i]);
      const shapes = [[g.n, c, ...size], [o, g.cg, ...g.k], ...(g.bias ? [[o]] : [])];
      const options = { stride, padding: g.padding, dilation: g.dilation, groups: g.groups };
      const conv = nd === 1 ? tg.nn.functional.conv1d : tg.nn.functional.conv2d;
      return fc.tuple(...shapes.map((sh) => values(sh))).map((inputs) => ({
        inputs,
        fn: (x: Tensor, w: Tensor, b?: Tensor) => conv(x, w, b ?? null, options),
      }));
    });

/** `nn.functional.pad` in one mode over the last one or two dims of a small batched tensor. */
const padding = (mode: 'constant' | 'reflect' | 'replicate' | 'circular'): fc.Arbitrary<OpCase> =>
  fc
    .tuple(
      fc.integer({ min: 1, max: 2 }),
      fc.array(fc.integer({ min: 2, max: 4 }), { minLength: 1, maxLength: 2 }),
    )
    .chain(([lead, size]) => {
      // Sizes each mode accepts: reflect below the dim, circular at most the dim.
      const lo = mode === 'constant' ? -1 : mode === 'replicate' ? -1 : 0;
      const hi = (d: number): number => (mode === 'reflect' ? d - 1 : mode === 'circular' ? d : 3);
      const pads = size
        .slice()
        .reverse()
        .map((d) =>
          fc.tuple(fc.integer({ min: lo, max: hi(d) }), fc.integer({ min: lo, max: hi(d) })),
        );
      return fc
        .tuple(
          values([lead, 2, ...size]),
          fc.tuple(...pads),
          fc.double({ min: -1, max: 1, noNaN: true }),
        )
        .map(([x, p, value]) => ({
          inputs: [x],
          fn: (t: Tensor) =>
            tg.nn.functional.pad(t, p.flat(), mode, mode === 'constant' ? value : undefined),
        }));
    });
// ---- pooling ------------------------------------------------------------------------------------

/** One dim of a pooling window: size, step, padding (0 or the most allowed), dilation, ceil mode. */
const poolDim = fc
  .record({
    k: fc.integer({ min: 1, max: 3 }),
    s: fc.integer({ min: 1, max: 3 }),
    d: fc.integer({ min: 1, max: 2 }),
    pad: fc.boolean(),
  })
  // Dilation only without padding: a dilated window could otherwise fall wholly on padding and
  // gaps, a constant −∞ output (PyTorch's too) that finite differences cannot check.
  .map(({ k, s, d, pad }) => ({ k, s, d, p: pad && d === 1 ? Math.floor(k / 2) : 0 }));

type PoolDim = { k: number; s: number; d: number; p: number };

/** An input size along a dim that leaves at least one window. */
const poolSize = (w: PoolDim): fc.Arbitrary<number> =>
  fc.integer({ min: Math.max(1, w.d * (w.k - 1) + 1 - 2 * w.p), max: 5 });

/** Pairwise distinct values 0.02 apart or more: no ties in a window, for up to 100 elements. */
const poolDistinct = (shape: number[]): fc.Arbitrary<Input> =>
  fc
    .uniqueArray(fc.integer({ min: -100, max: 100 }), {
      minLength: numel(shape),
      maxLength: numel(shape),
    })
    .map((ints) => ({ shape, data: ints.map((i) => i / 50) }));

/** Leading dims: [N, C] or unbatched [C]. */
const poolLead = fc.oneof(
  fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })).map(([n, c]) => [n, c]),
  fc.integer({ min: 1, max: 2 }).map((c) => [c]),
);

function poolRows(): OpSpec[] {
  const F = tg.nn.functional;
  const pool2d = fc
    .tuple(poolDim, poolDim, fc.boolean(), poolLead)
    .chain(([a, b, ceil, lead]) =>
      fc.tuple(poolSize(a), poolSize(b)).map(([h, w]) => ({ a, b, ceil, shape: [...lead, h, w] })),
    );
  const pool1d = fc
    .tuple(poolDim, fc.boolean(), poolLead)
    .chain(([a, ceil, lead]) => poolSize(a).map((l) => ({ a, ceil, shape: [...lead, l] })));
  const adaptive = fc
    .tuple(poolLead, fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }))
    .chain(([lead, h, w]) =>
      fc
        .tuple(fc.integer({ min: 1, max: 4 }), fc.option(fc.integer({ min: 1, max: 4 })))
        .map(([oh, ow]) => ({ shape: [...lead, h, w], out: [oh, ow] as [number, number | null] })),
    );
  return [
    {
      // Distinct values: no ties in a window, so max pooling is differentiable at the input.
      name: 'maxPool2d',
      arb: pool2d.chain(({ a, b, ceil, shape }) =>
        poolDistinct(shape).map((x) => ({
          inputs: [x],
          fn: (t: Tensor) =>
            F.maxPool2d(t, [a.k, b.k], {
              stride: [a.s, b.s],
              padding: [a.p, b.p],
              dilation: [a.d, b.d],
              ceilMode: ceil,
            }),
        })),
      ),
    },
    {
      name: 'maxPool1d',
      arb: pool1d.chain(({ a, ceil, shape }) =>
        poolDistinct(shape).map((x) => ({
          inputs: [x],
          fn: (t: Tensor) =>
            F.maxPool1d(t, a.k, { stride: a.s, padding: a.p, dilation: a.d, ceilMode: ceil }),
        })),
      ),
    },
    {
      name: 'avgPool2d',
      arb: pool2d.chain(({ a, b, ceil, shape }) =>
        fc
          .tuple(values(shape), fc.boolean(), fc.constantFrom(null, 2, -3))
          .map(([x, countIncludePad, divisorOverride]) => ({
            inputs: [x],
            fn: (t: Tensor) =>
              F.avgPool2d(t, [a.k, b.k], {
                stride: [a.s, b.s],
                padding: [a.p, b.p],
                ceilMode: ceil,
                countIncludePad,
                divisorOverride,
              }),
          })),
      ),
    },
    {
      name: 'avgPool1d',
      arb: pool1d.chain(({ a, ceil, shape }) =>
        fc.tuple(values(shape), fc.boolean()).map(([x, countIncludePad]) => ({
          inputs: [x],
          fn: (t: Tensor) =>
            F.avgPool1d(t, a.k, { stride: a.s, padding: a.p, ceilMode: ceil, countIncludePad }),
        })),
      ),
    },
    {
      name: 'adaptiveAvgPool2d',
      arb: adaptive.chain(({ shape, out }) =>
        values(shape).map((x) => ({
          inputs: [x],
          fn: (t: Tensor) => F.adaptiveAvgPool2d(t, out),
        })),
      ),
    },
    {
      name: 'adaptiveAvgPool1d',
      arb: adaptive.chain(({ shape, out }) =>
        values(shape.slice(1)).map((x) => ({
          inputs: [x],
          fn: (t: Tensor) => F.adaptiveAvgPool1d(t, out[0]),
        })),
      ),
    },
  ];
}

// ---- the table ----------------------------------------------------------------------------------

const table: OpSpec[] = [
  binary('add', (a, b) => tg.add(a, b)),
  binary('add(alpha)', (a, b) => tg.add(a, b, -1.5)),
  binary('sub', (a, b) => tg.sub(a, b)),
  binary('mul', (a, b) => tg.mul(a, b)),
  binary('div', (a, b) => tg.div(a, b), 'real', 'nonzero'),
  {
    name: 'maximum',
    // b = a + δ with |δ| ≥ 0.3 broadcast-free, so no ties; ties are tested in the tape tests.
    arb: shapeOf(0, 3).chain((s) =>
      fc.tuple(values(s), values(s, 'nonzero')).map(([a, d]) => ({
        inputs: [a, { shape: s, data: a.data.map((v, i) => v + d.data[i]) }],
        fn: (x: Tensor, y: Tensor) => tg.maximum(x, y),
      })),
    ),
  },
  {
    name: 'minimum',
    arb: shapeOf(0, 3).chain((s) =>
      fc.tuple(values(s), values(s, 'nonzero')).map(([a, d]) => ({
        inputs: [a, { shape: s, data: a.data.map((v, i) => v + d.data[i]) }],
        fn: (x: Tensor, y: Tensor) => tg.minimum(x, y),
      })),
    ),
  },
  {
    name: 'where',
    arb: broadcastPair.chain(([sa, sb]) =>
      fc
        .tuple(
          values(sa),
          values(sb),
          fc.array(fc.boolean(), { minLength: numel(sb), maxLength: numel(sb) }),
        )
        .map(([a, b, cond]) => {
          const c = tensor(
            cond.map((v) => (v ? 1 : 0)),
            { shape: sb },
          );
          return { inputs: [a, b], fn: (x: Tensor, y: Tensor) => tg.where(c, x, y) };
        }),
    ),
  },
  unary('neg', tg.neg),
  unary('exp', tg.exp),
  unary('log', tg.log, 'positive'),
  unary('sqrt', tg.sqrt, 'positive'),
  unary('rsqrt', tg.rsqrt, 'positive'),
  {
    name: 'pow',
    arb: fc
      .tuple(shapeOf(0, 3), fc.constantFrom(0, 1, 2, 3, 0.5, -1.5, 2.5))
      .chain(([s, p]) =>
        values(s, 'positive').map((x) => ({ inputs: [x], fn: (t: Tensor) => tg.pow(t, p) })),
      ),
  },
  unary('pow(integer, negative base)', (t) => tg.pow(t, 3)),
  unary('abs', tg.abs, 'nonzero'),
  unary('relu', tg.relu, 'nonzero'),
  unary('sigmoid', tg.sigmoid),
  unary('tanh', tg.tanh),
  unary('clone', tg.clone),
  // to(): a round trip through float32 is the identity up to float32 rounding (~6e-8 relative),
  // so the finite-difference step must be large enough to see past it.
  { ...unary('to', (t) => t.to('float32').to('float64')), eps: 1e-2, atol: 1e-4 },
  // copy_ into a fresh tensor records CopyBackwards: the gradient flows to the (broadcast) source.
  {
    name: 'copy_',
    arb: shapeOf(0, 3).chain((target) =>
      fc
        .array(fc.boolean(), { minLength: target.length, maxLength: target.length })
        .chain((ones) => values(target.map((d, i) => (ones[i] ? 1 : d))))
        .map((x) => ({
          inputs: [x],
          fn: (t: Tensor) => tg.zeros(target, { dtype: 'float64' }).copy_(t),
        })),
    ),
  },
  // fill_ on a non-leaf records FillBackward: a zero gradient to what it overwrote.
  unary('fill_', (t) => t.mul(2).fill_(0.5).add(t)),
  unary('gelu', (t) => tg.nn.functional.gelu(t)),
  unary('gelu(tanh)', (t) => tg.nn.functional.gelu(t, { approximate: 'tanh' })),
  unary('square', tg.square),
  {
    name: 'clamp',
    // Values kept 0.05 or more away from the bounds ±0.5, where clamp has kinks.
    arb: shapeOf(0, 3).chain((s) =>
      values(s).map((x) => ({
        inputs: [
          { shape: s, data: x.data.map((v) => (Math.abs(Math.abs(v) - 0.5) < 0.05 ? v + 0.2 : v)) },
        ],
        fn: (t: Tensor) => tg.clamp(t, -0.5, 0.5),
      })),
    ),
  },
  reduction('sum', (x, dims, k) => tg.sum(x, dims, k)),
  unary('sum(all)', (t) => tg.sum(t)),
  reduction('mean', (x, dims, k) => tg.mean(x, dims, k)),
  unary('mean(all)', (t) => tg.mean(t)),
  reduction('var', (x, dims, k) => tg.variance(x, dims, { keepdim: k, correction: 0 })),
  {
    name: 'var(correction=1)',
    // Bessel's correction needs at least two values per reduction.
    arb: fc
      .tuple(fc.integer({ min: 2, max: 4 }), shapeOf(0, 2), fc.boolean())
      .chain(([n, rest, k]) =>
        values([n, ...rest]).map((x) => ({
          inputs: [x],
          fn: (t: Tensor) => tg.variance(t, 0, { keepdim: k }),
        })),
      ),
  },
  {
    name: 'std',
    // At least two distinct values per reduction keeps the standard deviation away from 0.
    arb: fc.tuple(fc.integer({ min: 2, max: 4 }), dimSize, fc.boolean()).chain(([n, c, k]) =>
      distinct([n, c]).map((x) => ({
        inputs: [x],
        fn: (t: Tensor) => tg.std(t, 0, { keepdim: k }),
      })),
    ),
  },
  {
    name: 'max(dim)',
    arb: withDim().chain(([s, d]) =>
      fc
        .tuple(distinct(s), fc.boolean())
        .map(([x, k]) => ({ inputs: [x], fn: (t: Tensor) => tg.max(t, d, k).values })),
    ),
  },
  {
    name: 'min(dim)',
    arb: withDim().chain(([s, d]) =>
      fc
        .tuple(distinct(s), fc.boolean())
        .map(([x, k]) => ({ inputs: [x], fn: (t: Tensor) => tg.min(t, d, k).values })),
    ),
  },
  {
    name: 'max(all)',
    arb: shapeOf(0, 3).chain((s) =>
      distinct(s).map((x) => ({ inputs: [x], fn: (t: Tensor) => tg.max(t) })),
    ),
  },
  {
    name: 'min(all)',
    arb: shapeOf(0, 3).chain((s) =>
      distinct(s).map((x) => ({ inputs: [x], fn: (t: Tensor) => tg.min(t) })),
    ),
  },
  {
    name: 'softmax',
    arb: withDim().chain(([s, d]) =>
      values(s).map((x) => ({ inputs: [x], fn: (t: Tensor) => tg.softmax(t, d) })),
    ),
  },
  {
    name: 'logSoftmax',
    arb: withDim().chain(([s, d]) =>
      values(s).map((x) => ({ inputs: [x], fn: (t: Tensor) => tg.logSoftmax(t, d) })),
    ),
  },
  reduction('logsumexp', (x, dims, k) => tg.logsumexp(x, dims, k)),
  {
    name: 'matmul',
    // 1-D, 2-D and batched operands with broadcast batch dims.
    arb: fc
      .tuple(
        dimSize,
        dimSize,
        dimSize,
        shapeOf(0, 2),
        fc.constantFrom('mm', 'vec-mat', 'mat-vec', 'dot', 'batched'),
      )
      .chain(([n, k, m, batch, kind]) => {
        const batchB = batch.map((b, i) => (i % 2 === 0 ? b : 1));
        const [sa, sb] =
          kind === 'mm'
            ? [
                [n, k],
                [k, m],
              ]
            : kind === 'vec-mat'
              ? [[k], [...batchB, k, m]]
              : kind === 'mat-vec'
                ? [[...batch, n, k], [k]]
                : kind === 'dot'
                  ? [[k], [k]]
                  : [
                      [...batch, n, k],
                      [...batchB.slice(1), k, m],
                    ];
        return fc.tuple(values(sa), values(sb)).map((inputs) => ({
          inputs,
          fn: (a: Tensor, b: Tensor) => tg.matmul(a, b),
        }));
      }),
  },
  {
    name: 'matmulNT',
    // a·bᵀ read in place (linear's product), 2-D and batched with broadcast batch dims.
    arb: fc
      .tuple(dimSize, dimSize, dimSize, shapeOf(0, 2))
      .chain(([n, k, m, batch]) =>
        fc
          .tuple(values([...batch, n, k]), values([...batch.slice(1), m, k]))
          .map((inputs) => ({ inputs, fn: (a: Tensor, b: Tensor) => matmulNT(a, b) })),
      ),
  },
  {
    name: 'reshape',
    arb: shapeOf(0, 3).chain((s) =>
      fc.tuple(values(s), fc.constantFrom('flat', 'split', 'infer')).map(([x, how]) => {
        const n = numel(s);
        const target = how === 'flat' ? [n] : how === 'split' ? [1, n, 1] : [-1, 1];
        return { inputs: [x], fn: (t: Tensor) => tg.reshape(t, target) };
      }),
    ),
  },
  {
    name: 'flatten',
    arb: shapeOf(0, 3).chain((s) =>
      values(s).map((x) => ({ inputs: [x], fn: (t: Tensor) => tg.flatten(t) })),
    ),
  },
  {
    name: 'permute',
    arb: shapeOf(1, 3).chain((s) =>
      fc
        .tuple(
          values(s),
          fc.shuffledSubarray(
            s.map((_, i) => i),
            { minLength: s.length, maxLength: s.length },
          ),
        )
        .map(([x, perm]) => ({ inputs: [x], fn: (t: Tensor) => tg.permute(t, perm) })),
    ),
  },
  {
    name: 'transpose',
    arb: shapeOf(2, 3).chain((s) =>
      values(s).map((x) => ({ inputs: [x], fn: (t: Tensor) => tg.transpose(t, 0, -1) })),
    ),
  },
  {
    name: 'expand',
    arb: fc
      .tuple(shapeOf(0, 2), fc.array(fc.boolean(), { minLength: 2, maxLength: 2 }), dimSize)
      .chain(([target, ones, lead]) => {
        const s = target.map((d, i) => (ones[i] ? 1 : d));
        return values(s).map((x) => ({
          inputs: [x],
          fn: (t: Tensor) => tg.expand(t, [lead, ...target]),
        }));
      }),
  },
  {
    name: 'squeeze',
    arb: shapeOf(0, 2).chain((s) =>
      values([1, ...s, 1]).map((x) => ({ inputs: [x], fn: (t: Tensor) => tg.squeeze(t) })),
    ),
  },
  {
    name: 'squeeze(dim)',
    arb: shapeOf(0, 2).chain((s) =>
      values([...s, 1]).map((x) => ({ inputs: [x], fn: (t: Tensor) => tg.squeeze(t, -1) })),
    ),
  },
  {
    name: 'unsqueeze',
    arb: shapeOf(0, 2).chain((s) =>
      fc
        .tuple(values(s), fc.integer({ min: -(s.length + 1), max: s.length }))
        .map(([x, d]) => ({ inputs: [x], fn: (t: Tensor) => tg.unsqueeze(t, d) })),
    ),
  },
  {
    name: 'cat',
    arb: fc.tuple(withDim(), dimSize, dimSize).chain(([[s, d], k1, k2]) => {
      const dd = d < 0 ? d + s.length : d;
      const with_ = (k: number): number[] => s.map((v, i) => (i === dd ? k : v));
      return fc.tuple(values(s), values(with_(k1)), values(with_(k2))).map((inputs) => ({
        inputs,
        fn: (a: Tensor, b: Tensor, c: Tensor) => tg.cat([a, b, c], d),
      }));
    }),
  },
  {
    name: 'stack',
    arb: shapeOf(0, 2).chain((s) =>
      fc
        .tuple(values(s), values(s), fc.integer({ min: -(s.length + 1), max: s.length }))
        .map(([a, b, d]) => ({
          inputs: [a, b],
          fn: (x: Tensor, y: Tensor) => tg.stack([x, y], d),
        })),
    ),
  },
  {
    name: 'slice',
    arb: withDim().chain(([s, d]) => {
      const size = s[d < 0 ? d + s.length : d];
      return fc
        .tuple(
          values(s),
          fc.integer({ min: -size, max: size - 1 }),
          fc.integer({ min: 1, max: size + 1 }),
          fc.integer({ min: 1, max: 3 }),
        )
        .map(([x, start, end, step]) => ({
          inputs: [x],
          fn: (t: Tensor) => tg.slice(t, d, start, end, step),
        }));
    }),
  },
  {
    name: 'narrow',
    arb: withDim().chain(([s, d]) => {
      const size = s[d < 0 ? d + s.length : d];
      return fc.tuple(values(s), fc.integer({ min: 0, max: size - 1 })).chain(([x, start]) =>
        fc.integer({ min: 0, max: size - start }).map((len) => ({
          inputs: [x],
          fn: (t: Tensor) => tg.narrow(t, d, start, len),
        })),
      );
    }),
  },
  {
    name: 'gather',
    arb: withDim().chain(([s, d]) => {
      const dd = d < 0 ? d + s.length : d;
      const idxShape = s.map((v, i) => (i === dd ? v + 1 : v));
      return fc
        .tuple(
          values(s),
          fc.array(fc.integer({ min: 0, max: s[dd] - 1 }), {
            minLength: numel(idxShape),
            maxLength: numel(idxShape),
          }),
        )
        .map(([x, idx]) => {
          const index = int32(idx, idxShape);
          return { inputs: [x], fn: (t: Tensor) => tg.gather(t, d, index) };
        });
    }),
  },
  {
    name: 'scatterAdd',
    arb: withDim().chain(([s, d]) => {
      const dd = d < 0 ? d + s.length : d;
      return fc
        .tuple(
          values(s),
          fc.array(fc.integer({ min: 0, max: s[dd] - 1 }), {
            minLength: numel(s),
            maxLength: numel(s),
          }),
        )
        .map(([src, idx]) => {
          const index = int32(idx, s);
          return { inputs: [src], fn: (t: Tensor) => tg.scatterAdd(s, d, index, t) };
        });
    }),
  },
  {
    name: 'indexSelect',
    arb: withDim().chain(([s, d]) => {
      const size = s[d < 0 ? d + s.length : d];
      return fc
        .tuple(
          values(s),
          fc.array(fc.integer({ min: 0, max: size - 1 }), { minLength: 1, maxLength: 5 }),
        )
        .map(([x, idx]) => {
          const index = int32(idx, [idx.length]);
          return { inputs: [x], fn: (t: Tensor) => tg.indexSelect(t, d, index) };
        });
    }),
  },
  {
    name: 'indexAdd',
    arb: withDim().chain(([s, d]) => {
      const dd = d < 0 ? d + s.length : d;
      return fc
        .tuple(fc.array(fc.integer({ min: 0, max: s[dd] - 1 }), { minLength: 1, maxLength: 5 }))
        .chain(([idx]) => {
          const srcShape = s.map((v, i) => (i === dd ? idx.length : v));
          return values(srcShape).map((src) => {
            const index = int32(idx, [idx.length]);
            return { inputs: [src], fn: (t: Tensor) => tg.indexAdd(s, d, index, t) };
          });
        });
    }),
  },
  {
    name: 'split',
    arb: withDim().chain(([s, d]) => {
      const size = s[d < 0 ? d + s.length : d];
      return fc
        .tuple(values(s), fc.integer({ min: 1, max: size + 1 }), fc.nat())
        .map(([x, splitSize, pick]) => ({
          inputs: [x],
          fn: (t: Tensor) => {
            const pieces = tg.split(t, splitSize, d);
            return pieces[pick % pieces.length];
          },
        }));
    }),
  },
  {
    name: 'chunk',
    arb: withDim().chain(([s, d]) =>
      fc.tuple(values(s), fc.integer({ min: 1, max: 5 }), fc.nat()).map(([x, chunks, pick]) => ({
        inputs: [x],
        fn: (t: Tensor) => {
          const pieces = t.chunk(chunks, d);
          return pieces[pick % pieces.length];
        },
      })),
    ),
  },
  {
    // Without a padding index: with one, the padding row's gradient is zero by design.
    name: 'embedding',
    arb: fc
      .tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }), shapeOf(0, 2))
      .chain(([n, dim, idxShape]) =>
        fc
          .tuple(
            values([n, dim]),
            fc.array(fc.integer({ min: 0, max: n - 1 }), {
              minLength: numel(idxShape),
              maxLength: numel(idxShape),
            }),
          )
          .map(([w, idx]) => {
            const index = int32(idx, idxShape);
            return { inputs: [w], fn: (t: Tensor) => tg.nn.functional.embedding(index, t) };
          }),
      ),
  },
  {
    // The weight gradient of embedding, padding row left out: linear in g, with an exact adjoint.
    name: 'embeddingDenseBackward',
    arb: fc
      .tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }), shapeOf(0, 2))
      .chain(([n, dim, idxShape]) =>
        fc
          .tuple(
            values([...idxShape, dim]),
            fc.array(fc.integer({ min: 0, max: n - 1 }), {
              minLength: numel(idxShape),
              maxLength: numel(idxShape),
            }),
            fc.integer({ min: -1, max: n - 1 }),
          )
          .map(([g, idx, pad]) => {
            const index = int32(idx, idxShape);
            return { inputs: [g], fn: (t: Tensor) => embeddingDenseBackward(t, index, n, pad) };
          }),
      ),
  },
  { name: 'conv1d', arb: convolution(1) },
  { name: 'conv2d', arb: convolution(2) },
  { name: 'pad(constant)', arb: padding('constant') },
  { name: 'pad(reflect)', arb: padding('reflect') },
  { name: 'pad(replicate)', arb: padding('replicate') },
  { name: 'pad(circular)', arb: padding('circular') },
  ...poolRows(),
];

/** Every differentiable op the library exports must have a row above. */
const REQUIRED = [
  'add',
  'sub',
  'mul',
  'div',
  'neg',
  'exp',
  'log',
  'sqrt',
  'rsqrt',
  'pow',
  'abs',
  'relu',
  'sigmoid',
  'tanh',
  'maximum',
  'minimum',
  'where',
  'sum',
  'mean',
  'max(dim)',
  'min(dim)',
  'max(all)',
  'min(all)',
  'matmul',
  'matmulNT',
  'reshape',
  'flatten',
  'permute',
  'transpose',
  'expand',
  'squeeze',
  'unsqueeze',
  'cat',
  'stack',
  'slice',
  'narrow',
  'gather',
  'scatterAdd',
  'indexSelect',
  'indexAdd',
  'split',
  'chunk',
  'embedding',
  'embeddingDenseBackward',
  'var',
  'std',
  'softmax',
  'logSoftmax',
  'logsumexp',
  'square',
  'clamp',
  'clone',
  'to',
  'copy_',
  'fill_',
  'gelu',
  'conv1d',
  'conv2d',
  'pad(constant)',
  'pad(reflect)',
  'pad(replicate)',
  'pad(circular)',
  'maxPool1d',
  'maxPool2d',
  'avgPool1d',
  'avgPool2d',
  'adaptiveAvgPool1d',
  'adaptiveAvgPool2d',
];

function build(c: OpCase): Tensor[] {
  return c.inputs.map((x) =>
    tensor(Float64Array.from(x.data), { shape: x.shape, dtype: 'float64', requiresGrad: true }),
  );
}

describe('the op table', () => {
  it('has a row for every differentiable op', () => {
    const names = new Set(table.map((s) => s.name));
    expect(REQUIRED.filter((n) => !names.has(n))).toEqual([]);
  });
});

describe.each(table)('$name', (spec) => {
  const tol = { atol: spec.atol ?? 1e-5, rtol: spec.rtol ?? 1e-3, eps: spec.eps ?? 1e-6 };

  test.prop([spec.arb, fc.nat(1000)])(
    'passes gradcheck on generated shapes and values',
    (c, seed) => {
      expect(gradcheck(c.fn, build(c), { ...tol, seed })).toBe(true);
    },
  );

  test.prop([spec.arb, fc.nat(1000)])(
    'passes gradgradcheck on generated shapes and values',
    (c, seed) => {
      expect(gradgradcheck(c.fn, build(c), { ...tol, seed })).toBe(true);
    },
  );
});
