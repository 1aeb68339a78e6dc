import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ShapeError, ValueError } from '../src/errors.js';
import {
  formatTensor,
  printOptions,
  setPrintOptions,
  type FormatInput,
  type PrintOptions,
} from '../src/tensor/format.js';

// Fixtures: PyTorch 1.13's repr() of each case, from `/usr/bin/python3 scripts/gen_print_fixtures.py`.
interface PrintCase {
  name: string;
  dtype: FormatInput['dtype'];
  shape: number[];
  /** float32/float64: Python `repr(float)` strings ('nan', 'inf', '-inf', '-0.0' included). */
  data: (string | number)[];
  requiresGrad: boolean;
  gradFn: string | null;
  options?: Partial<PrintOptions>;
  repr: string;
}

const fixtures = JSON.parse(
  readFileSync(new URL('./fixtures/torch_print.json', import.meta.url), 'utf8'),
) as { torch: string; cases: PrintCase[] };

const DEFAULTS: PrintOptions = {
  precision: 4,
  threshold: 1000,
  edgeitems: 3,
  linewidth: 80,
  sciMode: null,
};

function parseFloatRepr(s: string | number): number {
  if (typeof s === 'number') return s;
  if (s === 'nan') return NaN;
  if (s === 'inf') return Infinity;
  if (s === '-inf') return -Infinity;
  return Number(s);
}

function rebuild(c: PrintCase): FormatInput {
  const n = c.data.length;
  if (c.dtype === 'int32') {
    const data = new Int32Array(n);
    c.data.forEach((v, i) => (data[i] = Number(v)));
    return { data, shape: c.shape, dtype: c.dtype };
  }
  const data = c.dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  c.data.forEach((v, i) => {
    const x = parseFloatRepr(v);
    // The stored repr is exact: float32 values must survive the round trip bit for bit.
    if (c.dtype === 'float32' && !Number.isNaN(x) && Math.fround(x) !== x) {
      throw new Error(`${c.name}: ${String(v)} is not a float32 value`);
    }
    data[i] = x;
  });
  return { data, shape: c.shape, dtype: c.dtype };
}

afterEach(() => setPrintOptions(DEFAULTS));

describe('formatTensor matches PyTorch 1.13 repr()', () => {
  it('reads fixtures from torch 1.13', () => {
    expect(fixtures.torch).toMatch(/^1\.13\./);
    expect(fixtures.cases.length).toBeGreaterThanOrEqual(60);
  });

  const rows = fixtures.cases.map((c): [string, PrintCase] => [c.name, c]);
  it.each(rows)('prints %s exactly as PyTorch does', (_name, c) => {
    if (c.options !== undefined) setPrintOptions(c.options);
    const suffix = { requiresGrad: c.requiresGrad, gradFn: c.gradFn ?? undefined };
    expect(formatTensor(rebuild(c), suffix)).toBe(c.repr);
  });
});

describe('formatTensor inputs', () => {
  it('rounds plain-number float32 data to float32 before printing', () => {
    const t = { data: [0.1, 1 / 3], shape: [2], dtype: 'float32' as const };
    setPrintOptions({ precision: 10 });
    expect(formatTensor(t)).toBe('tensor([0.1000000015, 0.3333333433])');
    expect(formatTensor({ ...t, dtype: 'float64' })).toBe(
      'tensor([0.1000000000, 0.3333333333], dtype=torch.float64)',
    );
  });

  it('prints grad_fn in preference to requires_grad', () => {
    const t: FormatInput = { data: new Float32Array([2]), shape: [], dtype: 'float32' };
    expect(formatTensor(t, { requiresGrad: true, gradFn: 'MulBackward0' })).toBe(
      'tensor(2., grad_fn=<MulBackward0>)',
    );
    expect(formatTensor(t, { requiresGrad: false })).toBe('tensor(2.)');
  });

  it('rejects data whose length does not match the shape', () => {
    const t: FormatInput = { data: new Float32Array(5), shape: [2, 3], dtype: 'float32' };
    expect(() => formatTensor(t)).toThrow(ShapeError);
    expect(() => formatTensor({ ...t, shape: [-1, -5] })).toThrow(ShapeError);
  });
});

describe('setPrintOptions', () => {
  const x: FormatInput = { data: new Float32Array([1.12345, -2.5]), shape: [2], dtype: 'float32' };

  it('starts from PyTorch defaults', () => {
    expect({ ...printOptions }).toEqual(DEFAULTS);
    expect(formatTensor(x)).toBe('tensor([ 1.1235, -2.5000])');
  });

  it('applies precision 2 and restores the defaults afterwards', () => {
    setPrintOptions({ precision: 2 });
    expect(printOptions.precision).toBe(2);
    expect(formatTensor(x)).toBe('tensor([ 1.12, -2.50])');
    setPrintOptions(DEFAULTS);
    expect({ ...printOptions }).toEqual(DEFAULTS);
    expect(formatTensor(x)).toBe('tensor([ 1.1235, -2.5000])');
  });

  it('resets sciMode to automatic when it is omitted, like torch.set_printoptions', () => {
    setPrintOptions({ sciMode: true });
    // The width still comes from the fixed-point strings, so PyTorch pads nothing here.
    expect(formatTensor(x)).toBe('tensor([1.1235e+00, -2.5000e+00])');
    setPrintOptions({ precision: 4 });
    expect(printOptions.sciMode).toBeNull();
    expect(formatTensor(x)).toBe('tensor([ 1.1235, -2.5000])');
  });

  it('summarizes with the threshold and edgeitems given', () => {
    const r: FormatInput = {
      data: Int32Array.from({ length: 10 }, (_, i) => i),
      shape: [10],
      dtype: 'int32',
    };
    setPrintOptions({ threshold: 5, edgeitems: 2 });
    expect(formatTensor(r)).toBe('tensor([0, 1,  ..., 8, 9], dtype=torch.int32)');
  });

  it('rejects invalid values without changing any option', () => {
    expect(() => setPrintOptions({ precision: -1 })).toThrow(ValueError);
    expect(() => setPrintOptions({ precision: 2, edgeitems: 1.5 })).toThrow(ValueError);
    expect(() => setPrintOptions({ threshold: NaN })).toThrow(ValueError);
    expect(() => setPrintOptions({ linewidth: 0.5 })).toThrow(ValueError);
    expect({ ...printOptions }).toEqual(DEFAULTS);
  });
});
