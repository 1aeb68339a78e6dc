/**
 * How modules and tensors print: `String(module)` as PyTorch's `str(module)`, `util.inspect`
 * (what `console.log` uses in Node) of tensors and modules, Python's float spelling, and
 * `nn.ModuleList`, whose children print and save under '0', '1', ….
 *
 * The module texts come from scripts/gen_module_repr_fixtures.py (its header has the command),
 * stored in test/fixtures/module_repr.json, and must match exactly.
 */
import { readFileSync } from 'node:fs';
import * as util from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  IndexError,
  nn,
  TapegradError,
  tensor,
  ValueError,
  zeros,
  type Tensor,
} from '../src/index.js';
import { pyFloat } from '../src/nn/repr.js';
import { cnnModel } from '../examples/lib/mnist-model.js';

const fixtures = JSON.parse(
  readFileSync(new URL('./fixtures/module_repr.json', import.meta.url), 'utf8'),
) as { name: string; repr: string; stateDictKeys: string[] }[];

class Net extends nn.Module {
  fc = new nn.Linear(4, 8);
  act = new nn.ReLU();
  layers = new nn.ModuleList([new nn.Linear(8, 8), new nn.Dropout(0.25)]);
  head = new nn.Sequential(new nn.BatchNorm1d(8), new nn.Linear(8, 2, { bias: false }));
  forward(x: Tensor): Tensor {
    return x;
  }
}

class Scaled extends nn.Module {
  forward(x: Tensor): Tensor {
    return x;
  }
  override extraRepr(): string {
    return 'scale=2.0\nshift=-1';
  }
}

class ScaledWithChild extends nn.Module {
  inner = new nn.Tanh();
  forward(x: Tensor): Tensor {
    return x;
  }
  override extraRepr(): string {
    return 'scale=2.0';
  }
}

/** The tapegrad spelling of each module in the fixture, by the fixture's name. */
const MODULES: Record<string, () => nn.Module> = {
  Linear: () => new nn.Linear(784, 256),
  'Linear no bias': () => new nn.Linear(3, 2, { bias: false }),
  ReLU: () => new nn.ReLU(),
  Tanh: () => new nn.Tanh(),
  Sigmoid: () => new nn.Sigmoid(),
  GELU: () => new nn.GELU(),
  'GELU tanh': () => new nn.GELU({ approximate: 'tanh' }),
  Dropout: () => new nn.Dropout(),
  'Dropout 0.1': () => new nn.Dropout(0.1),
  Flatten: () => new nn.Flatten(),
  'Flatten 0 2': () => new nn.Flatten(0, 2),
  Unflatten: () => new nn.Unflatten(1, [1, 28, 28]),
  'Unflatten 1': () => new nn.Unflatten(-1, [6]),
  Identity: () => new nn.Identity(),
  BatchNorm1d: () => new nn.BatchNorm1d(16),
  'BatchNorm1d options': () =>
    new nn.BatchNorm1d(4, { eps: 1e-3, momentum: null, affine: false, trackRunningStats: false }),
  'BatchNorm1d momentum 0.25': () => new nn.BatchNorm1d(3, { momentum: 0.25 }),
  MSELoss: () => new nn.MSELoss({ reduction: 'sum' }),
  NLLLoss: () => new nn.NLLLoss({ ignoreIndex: 0 }),
  CrossEntropyLoss: () => new nn.CrossEntropyLoss({ labelSmoothing: 0.1 }),
  BCEWithLogitsLoss: () => new nn.BCEWithLogitsLoss(),
  Embedding: () => new nn.Embedding(10, 3),
  'Embedding padding': () => new nn.Embedding(10, 3, { paddingIdx: 0 }),
  'Embedding negative padding': () => new nn.Embedding(10, 3, { paddingIdx: -1 }),
  'Sequential empty': () => new nn.Sequential(),
  'ModuleList empty': () => new nn.ModuleList(),
  'Sequential MLP': () =>
    new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 10)),
  'Sequential nested': () =>
    new nn.Sequential(
      new nn.Flatten(),
      new nn.Sequential(
        new nn.Linear(2, 3),
        new nn.ModuleList([new nn.Tanh(), new nn.Linear(3, 3)]),
      ),
      new nn.Identity(),
    ),
  ModuleList: () => new nn.ModuleList([new nn.Linear(2, 2), new nn.Linear(2, 2), new nn.GELU()]),
  'Sequential CNN': () => cnnModel('fused'),
  Net: () => new Net(),
  Scaled: () => new Scaled(),
  ScaledWithChild: () => new ScaledWithChild(),
  'Sequential of user modules': () => new nn.Sequential(new Scaled(), new ScaledWithChild()),
};

describe('String(module) against PyTorch', () => {
  it('covers every module of the fixture', () => {
    expect(fixtures.map((f) => f.name).filter((n) => !(n in MODULES))).toEqual([]);
  });

  it.each(fixtures)('$name', ({ name, repr, stateDictKeys }) => {
    const m = MODULES[name]();
    expect(String(m)).toBe(repr);
    expect(Object.keys(m.stateDict())).toEqual(stateDictKeys);
    expect(m.toString()).toBe(repr);
    // console.log in Node prints the same text.
    expect(util.inspect(m)).toBe(repr);
  });
});

describe('util.inspect of a tensor', () => {
  it('is toString(), so console.log(t) prints as PyTorch prints', () => {
    const t = tensor([1.5, -2], { requiresGrad: true });
    expect(util.inspect(t)).toBe(t.toString());
    expect(util.inspect(t)).toBe('tensor([ 1.5000, -2.0000], requires_grad=True)');
    const y = t.mul(2);
    expect(util.inspect(y)).toBe(y.toString());
    expect(util.inspect(y)).toContain('grad_fn=<MulBackward0>');
    // Nested in an array, each tensor still prints its own way.
    expect(util.inspect([zeros([2])])).toBe('[ tensor([0., 0.]) ]');
    // A released tensor prints a placeholder rather than throwing from console.log.
    const gone = zeros([2, 3]);
    gone.dispose();
    expect(util.inspect(gone)).toBe('Tensor [float32 [2, 3]] (released)');
  });
});

describe('pyFloat', () => {
  it('spells numbers as Python repr(float) does', () => {
    const cases: [number, string][] = [
      [0.5, '0.5'],
      [1, '1.0'],
      [-3, '-3.0'],
      [0, '0.0'],
      [-0, '-0.0'],
      [1e-5, '1e-05'],
      [0.0001, '0.0001'],
      [0.00012, '0.00012'],
      [1.5e-7, '1.5e-07'],
      [123.456, '123.456'],
      [1e15, '1000000000000000.0'],
      [1e16, '1e+16'],
      [2.5e20, '2.5e+20'],
      [1e-100, '1e-100'],
      [0.1, '0.1'],
      [1 / 3, '0.3333333333333333'],
      [Infinity, 'inf'],
      [-Infinity, '-inf'],
      [NaN, 'nan'],
    ];
    expect(cases.map(([x]) => pyFloat(x))).toEqual(cases.map(([, s]) => s));
  });
});

describe('nn.ModuleList', () => {
  it('names its children 0, 1, … so state-dict keys match PyTorch', () => {
    const net = new Net();
    // The full key list is checked against PyTorch's in the fixture test above.
    expect(Object.keys(net.stateDict())).toContain('layers.0.weight');
    expect(net.parameters()).toHaveLength(7);
    expect(net.parameters()).toContain((net.layers[0] as nn.Linear).weight);
  });

  it('appends, extends, inserts and indexes as a Python list of modules', () => {
    const a = new nn.Linear(1, 1);
    const b = new nn.ReLU();
    const c = new nn.Tanh();
    const d = new nn.Sigmoid();
    const list = new nn.ModuleList([a]);
    list.append(b).extend([c]);
    expect(list.length).toBe(3);
    list.insert(1, d);
    expect([...list]).toEqual([a, d, b, c]);
    expect(list.namedChildren().map(([k]) => k)).toEqual(['0', '1', '2', '3']);
    expect(list[1]).toBe(d);
    expect(list.at(-1)).toBe(c);
    list.insert(-1, a); // before the last, as list.insert(-1, x)
    expect([...list]).toEqual([a, d, b, a, c]);
    list.insert(99, b); // clamped to the end
    expect(list.at(-1)).toBe(b);
    list.insert(-99, c); // clamped to the start
    expect(list.at(0)).toBe(c);
    expect(list.length).toBe(7);
  });

  it('trains and switches mode with its children', () => {
    const list = new nn.ModuleList([new nn.Dropout(), new nn.Linear(2, 2)]);
    list.eval();
    expect([...list].every((m) => !m.training)).toBe(true);
    expect(list.parameters()).toHaveLength(2);
  });

  it('fails with typed errors on bad input, changing nothing', () => {
    const list = new nn.ModuleList([new nn.ReLU()]);
    expect(() => list.at(1)).toThrow(IndexError);
    expect(() => list.at(-2)).toThrow(IndexError);
    expect(() => list.append({} as nn.Module)).toThrow(ValueError);
    expect(() => list.extend([new nn.Tanh(), 3 as unknown as nn.Module])).toThrow(ValueError);
    expect(() => list.insert(0.5, new nn.Tanh())).toThrow(ValueError);
    expect(() => new nn.ModuleList(5 as unknown as nn.Module[])).toThrow(ValueError);
    expect(() => list.forward(zeros([1]))).toThrow(TapegradError);
    // extend checks every entry first, so the Tanh before the bad entry was not added.
    expect(list.length).toBe(1);
  });
});
