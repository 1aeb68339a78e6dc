import { ShapeError, ValueError } from '../errors.js';

/**
 * Tensor printing, character for character as PyTorch 1.13 prints (`repr(t)` / `str(t)`, from
 * `torch/_tensor_str.py`). A pure function of the data, the shape, the dtype and the autograd
 * suffix: it knows nothing of the Tensor class.
 *
 * @example
 * ```ts
 * formatTensor({ data: new Float32Array([1, 2.5]), shape: [2], dtype: 'float32' });
 * // 'tensor([1.0000, 2.5000])'
 * formatTensor({ data: new Float32Array([2]), shape: [], dtype: 'float32' }, { gradFn: 'MulBackward0' });
 * // 'tensor(2., grad_fn=<MulBackward0>)'
 * ```
 */

/** What is printed: contiguous row-major `data` of `shape` (`[]` for a 0-d tensor). */
export interface FormatInput {
  data: ArrayLike<number>;
  shape: readonly number[];
  dtype: 'float32' | 'float64' | 'int32';
}

/** The autograd suffix: `grad_fn=<name>` if `gradFn` is given, else `requires_grad=True` if set. */
export interface FormatSuffix {
  requiresGrad?: boolean;
  /** The backward node's class name, e.g. `'MulBackward0'`. */
  gradFn?: string;
}

/** PyTorch's `torch.set_printoptions` settings. */
export interface PrintOptions {
  /** Digits after the decimal point (fixed) or of the mantissa (scientific). */
  precision: number;
  /** Tensors with more elements than this are summarized with `...`. */
  threshold: number;
  /** Items kept at the start and at the end of each summarized dimension. */
  edgeitems: number;
  /** Characters per line before 1-D rows and suffixes wrap. */
  linewidth: number;
  /** Force scientific notation on (`true`) or off (`false`); `null` chooses per tensor. */
  sciMode: boolean | null;
}

const DEFAULT_PRINT_OPTIONS: Readonly<PrintOptions> = {
  precision: 4,
  threshold: 1000,
  edgeitems: 3,
  linewidth: 80,
  sciMode: null,
};

/** The current print options (PyTorch's `PRINT_OPTS`); change them with `setPrintOptions`. */
export const printOptions: PrintOptions = { ...DEFAULT_PRINT_OPTIONS };

/**
 * Sets print options, as `torch.set_printoptions` does: `precision`, `threshold`, `edgeitems` and
 * `linewidth` change only when given, while `sciMode` is always set, to `null` (automatic) when
 * omitted — exactly PyTorch's behaviour.
 *
 * @example
 * ```ts
 * setPrintOptions({ precision: 2 }); // tensor([1.12])
 * setPrintOptions({ precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80 }); // defaults
 * ```
 */
export function setPrintOptions(opts: Partial<PrintOptions>): void {
  const { precision, threshold, edgeitems, linewidth, sciMode } = opts;
  if (precision !== undefined && !(Number.isInteger(precision) && precision >= 0)) {
    throw new ValueError(
      `setPrintOptions: precision must be a non-negative integer, got ${precision}`,
    );
  }
  if (threshold !== undefined && Number.isNaN(threshold)) {
    throw new ValueError(`setPrintOptions: threshold must be a number, got ${threshold}`);
  }
  if (edgeitems !== undefined && !(Number.isInteger(edgeitems) && edgeitems >= 0)) {
    throw new ValueError(
      `setPrintOptions: edgeitems must be a non-negative integer, got ${edgeitems}`,
    );
  }
  if (linewidth !== undefined && !Number.isInteger(linewidth)) {
    throw new ValueError(`setPrintOptions: linewidth must be an integer, got ${linewidth}`);
  }
  if (precision !== undefined) printOptions.precision = precision;
  if (threshold !== undefined) printOptions.threshold = threshold;
  if (edgeitems !== undefined) printOptions.edgeitems = edgeitems;
  if (linewidth !== undefined) printOptions.linewidth = linewidth;
  printOptions.sciMode = sciMode ?? null;
}

/**
 * Formats a tensor as PyTorch 1.13's `repr`: `tensor([...])` with PyTorch's number formatting,
 * summarization, line wrapping and indentation, followed by the `size=`, `dtype=`, `grad_fn=` /
 * `requires_grad=True` suffixes where PyTorch prints them. float32 values are printed from their
 * float32 value; `printOptions` applies.
 */
export function formatTensor(t: FormatInput, suffix: FormatSuffix = {}): string {
  const { shape, dtype } = t;
  let numel = 1;
  for (const d of shape) {
    if (!(Number.isInteger(d) && d >= 0)) {
      throw new ShapeError(`formatTensor: invalid shape ${pyTuple(shape)}`);
    }
    numel *= d;
  }
  if (t.data.length !== numel) {
    throw new ShapeError(
      `formatTensor: shape ${pyTuple(shape)} has ${numel} elements but data has ${t.data.length}`,
    );
  }
  const opts: PrintOptions = { ...printOptions };
  const values: number[] = new Array<number>(numel);
  for (let i = 0; i < numel; i++) {
    const v = Number(t.data[i]);
    values[i] = dtype === 'float32' ? Math.fround(v) : v;
  }

  const prefix = 'tensor(';
  const indent = prefix.length;
  const suffixes: string[] = [];
  let body: string;
  if (numel === 0) {
    // Explicitly print the shape if it is not (0,), to match NumPy behaviour.
    if (shape.length !== 1) suffixes.push(`size=${pyTuple(shape)}`);
    if (dtype !== 'float32') suffixes.push(`dtype=torch.${dtype}`);
    body = '[]';
  } else {
    if (dtype !== 'float32') suffixes.push(`dtype=torch.${dtype}`);
    body = tensorStr(values, shape, dtype !== 'int32', indent, opts);
  }
  if (suffix.gradFn !== undefined) suffixes.push(`grad_fn=<${suffix.gradFn}>`);
  else if (suffix.requiresGrad === true) suffixes.push('requires_grad=True');
  return addSuffixes(prefix + body, suffixes, indent, opts.linewidth);
}

/** Python's `str(tuple(shape))`: `(2, 3)`, `(0,)`, `()`. */
function pyTuple(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/** `_add_suffixes`: appends `, suffix`, moving a suffix to its own line when it would overflow. */
function addSuffixes(text: string, suffixes: string[], indent: number, linewidth: number): string {
  const parts = [text];
  let lastLineLen = text.length - text.lastIndexOf('\n') + 1;
  for (const s of suffixes) {
    if (lastLineLen + s.length + 2 > linewidth) {
      parts.push(',\n' + ' '.repeat(indent) + s);
      lastLineLen = indent + s.length;
    } else {
      parts.push(', ' + s);
      lastLineLen += s.length + 2;
    }
  }
  parts.push(')');
  return parts.join('');
}

/** Flat row-major values with their shape and strides; sub-tensors are addressed by (dim, offset). */
interface View {
  values: readonly number[];
  shape: readonly number[];
  strides: readonly number[];
}

function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d];
  }
  return strides;
}

/** `_tensor_str` for a non-empty tensor. */
function tensorStr(
  values: readonly number[],
  shape: readonly number[],
  floating: boolean,
  indent: number,
  opts: PrintOptions,
): string {
  const view: View = { values, shape, strides: stridesOf(shape) };
  const summarize = values.length > opts.threshold;
  let formatterValues: readonly number[] = values;
  if (summarize) {
    const picked: number[] = [];
    summarizedData(view, 0, 0, opts.edgeitems, picked);
    formatterValues = picked;
  }
  const formatter = makeFormatter(formatterValues, floating, opts);
  return tensorStrWithFormatter(view, 0, 0, indent, summarize, formatter, opts);
}

/**
 * `get_summarized_data`, flattened: the formatter only sees the values that will be printed. (For
 * 1-D, `self[-0:]` is the whole row when `edgeitems` is 0, as in PyTorch.)
 */
function summarizedData(
  view: View,
  dim: number,
  offset: number,
  edgeitems: number,
  out: number[],
): void {
  const ndim = view.shape.length;
  if (ndim === 0) {
    out.push(view.values[offset]);
    return;
  }
  const size = view.shape[dim];
  const stride = view.strides[dim];
  if (dim === ndim - 1) {
    if (size > 2 * edgeitems) {
      for (let i = 0; i < edgeitems; i++) out.push(view.values[offset + i * stride]);
      for (let i = edgeitems === 0 ? 0 : size - edgeitems; i < size; i++) {
        out.push(view.values[offset + i * stride]);
      }
    } else {
      for (let i = 0; i < size; i++) out.push(view.values[offset + i * stride]);
    }
    return;
  }
  for (const i of sliceIndices(size, true, edgeitems)) {
    if (i >= 0) summarizedData(view, dim + 1, offset + i * stride, edgeitems, out);
  }
}

/** Indices of the slices shown along a dimension of ≥ 2 dims; `-1` marks the `...` line. */
function sliceIndices(size: number, summarize: boolean, edgeitems: number): number[] {
  const idx: number[] = [];
  if (summarize && size > 2 * edgeitems) {
    for (let i = 0; i < edgeitems; i++) idx.push(i);
    idx.push(-1);
    for (let i = size - edgeitems; i < size; i++) idx.push(i);
  } else {
    for (let i = 0; i < size; i++) idx.push(i);
  }
  return idx;
}

/** `_tensor_str_with_formatter`. */
function tensorStrWithFormatter(
  view: View,
  dim: number,
  offset: number,
  indent: number,
  summarize: boolean,
  formatter: Formatter,
  opts: PrintOptions,
): string {
  const ndim = view.shape.length - dim;
  if (ndim === 0) return formatValue(formatter, view.values[offset], opts);
  const size = view.shape[dim];
  const stride = view.strides[dim];
  if (ndim === 1) return vectorStr(view, dim, offset, indent, summarize, formatter, opts);
  const slices = sliceIndices(size, summarize, opts.edgeitems).map((i) =>
    i < 0
      ? '...'
      : tensorStrWithFormatter(
          view,
          dim + 1,
          offset + i * stride,
          indent + 1,
          summarize,
          formatter,
          opts,
        ),
  );
  return '[' + slices.join(',' + '\n'.repeat(ndim - 1) + ' '.repeat(indent + 1)) + ']';
}

/** `_vector_str`: one row, wrapped to `linewidth`. */
function vectorStr(
  view: View,
  dim: number,
  offset: number,
  indent: number,
  summarize: boolean,
  formatter: Formatter,
  opts: PrintOptions,
): string {
  const elementLength = formatter.maxWidth + 2;
  const perLine = Math.max(1, Math.floor((opts.linewidth - indent) / elementLength));
  const size = view.shape[dim];
  const stride = view.strides[dim];
  const at = (i: number): string => formatValue(formatter, view.values[offset + i * stride], opts);
  const items: string[] = [];
  const e = opts.edgeitems;
  if (summarize && size > 2 * e) {
    for (let i = 0; i < e; i++) items.push(at(i));
    items.push(' ...');
    for (let i = e === 0 ? 0 : size - e; i < size; i++) items.push(at(i));
  } else {
    for (let i = 0; i < size; i++) items.push(at(i));
  }
  const lines: string[] = [];
  for (let i = 0; i < items.length; i += perLine) {
    lines.push(items.slice(i, i + perLine).join(', '));
  }
  return '[' + lines.join(',\n' + ' '.repeat(indent + 1)) + ']';
}

/** PyTorch's `_Formatter`: the mode and the column width chosen from the printed values. */
interface Formatter {
  floating: boolean;
  intMode: boolean;
  sciMode: boolean;
  maxWidth: number;
}

function makeFormatter(
  values: readonly number[],
  floating: boolean,
  opts: PrintOptions,
): Formatter {
  const f: Formatter = { floating, intMode: true, sciMode: false, maxWidth: 1 };
  if (!floating) {
    for (const v of values) f.maxWidth = Math.max(f.maxWidth, String(v).length);
  } else {
    const nonzeroFinite = values.filter((v) => Number.isFinite(v) && v !== 0);
    // No finite nonzero value: keep the defaults (and ignore `sciMode`), as PyTorch does.
    if (nonzeroFinite.length === 0) return f;
    let min = Infinity;
    let max = 0;
    for (const v of nonzeroFinite) {
      const a = Math.abs(v);
      if (a < min) min = a;
      if (a > max) max = a;
      if (v !== Math.ceil(v)) f.intMode = false;
    }
    const p = opts.precision;
    if (f.intMode) {
      // Integral floats print as `1.`: the width counts the trailing point.
      if (max / min > 1000 || max > 1e8) {
        f.sciMode = true;
        for (const v of nonzeroFinite) f.maxWidth = Math.max(f.maxWidth, formatExp(v, p).length);
      } else {
        for (const v of nonzeroFinite) {
          f.maxWidth = Math.max(f.maxWidth, formatFixed(v, 0).length + 1);
        }
      }
    } else if (max / min > 1000 || max > 1e8 || min < 1e-4) {
      f.sciMode = true;
      for (const v of nonzeroFinite) f.maxWidth = Math.max(f.maxWidth, formatExp(v, p).length);
    } else {
      for (const v of nonzeroFinite) f.maxWidth = Math.max(f.maxWidth, formatFixed(v, p).length);
    }
  }
  if (opts.sciMode !== null) f.sciMode = opts.sciMode;
  return f;
}

/** `_Formatter.format`: one value, right-aligned to the column width. */
function formatValue(f: Formatter, value: number, opts: PrintOptions): string {
  let s: string;
  if (!f.floating) {
    s = String(value);
  } else if (f.sciMode) {
    s = formatExp(value, opts.precision);
  } else if (f.intMode) {
    s = formatFixed(value, 0);
    if (Number.isFinite(value)) s += '.';
  } else {
    s = formatFixed(value, opts.precision);
  }
  return s.length < f.maxWidth ? ' '.repeat(f.maxWidth - s.length) + s : s;
}

// ---------------------------------------------------------------------------------------------
// Python's `'{:.Nf}'` and `'{:.Ne}'`, exactly: correctly rounded from the exact binary value,
// ties to even, with the sign of negative zero and of values that round to zero kept.

const f64Scratch = new Float64Array(1);
const u64Scratch = new BigUint64Array(f64Scratch.buffer);

/** |x| = num / den exactly, for finite nonzero x. */
function exactRational(x: number): [bigint, bigint] {
  f64Scratch[0] = x;
  const bits = u64Scratch[0];
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & 0xfffffffffffffn;
  const mantissa = biased === 0 ? fraction : fraction | 0x10000000000000n;
  const exponent = (biased === 0 ? 1 : biased) - 1075;
  return exponent >= 0 ? [mantissa << BigInt(exponent), 1n] : [mantissa, 1n << BigInt(-exponent)];
}

/** round(num / den), ties to even, for num, den > 0. */
function roundHalfEven(num: bigint, den: bigint): bigint {
  const q = num / den;
  const twice = 2n * (num - q * den);
  return twice > den || (twice === den && (q & 1n) === 1n) ? q + 1n : q;
}

function pow10(k: number): bigint {
  return 10n ** BigInt(k);
}

function nonFinite(x: number): string {
  return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
}

function isNegative(x: number): boolean {
  return x < 0 || Object.is(x, -0);
}

/** Python's `'{:.{p}f}'.format(x)`. */
function formatFixed(x: number, p: number): string {
  if (!Number.isFinite(x)) return nonFinite(x);
  let q = 0n;
  if (x !== 0) {
    const [num, den] = exactRational(x);
    q = roundHalfEven(num * pow10(p), den);
  }
  const digits = q.toString().padStart(p + 1, '0');
  const body = p > 0 ? digits.slice(0, -p) + '.' + digits.slice(-p) : digits;
  return (isNegative(x) ? '-' : '') + body;
}

/** Python's `'{:.{p}e}'.format(x)`: `1.2346e+03`, at least two exponent digits. */
function formatExp(x: number, p: number): string {
  if (!Number.isFinite(x)) return nonFinite(x);
  const sign = isNegative(x) ? '-' : '';
  let digits: string;
  let e = 0;
  if (x === 0) {
    digits = '0'.repeat(p + 1);
  } else {
    const [num, den] = exactRational(x);
    e = Math.floor(Math.log10(Math.abs(x)));
    // Make 10^e <= |x| < 10^(e+1) exact, whatever log10 rounded to.
    const atLeastPow10 = (k: number): boolean =>
      k >= 0 ? num >= den * pow10(k) : num * pow10(-k) >= den;
    while (!atLeastPow10(e)) e--;
    while (atLeastPow10(e + 1)) e++;
    const k = p - e;
    let q = k >= 0 ? roundHalfEven(num * pow10(k), den) : roundHalfEven(num, den * pow10(-k));
    if (q === pow10(p + 1)) {
      q = pow10(p);
      e++;
    }
    digits = q.toString();
  }
  const mantissa = p > 0 ? digits[0] + '.' + digits.slice(1) : digits;
  const exp = (e < 0 ? '-' : '+') + String(Math.abs(e)).padStart(2, '0');
  return `${sign}${mantissa}e${exp}`;
}
