/**
 * Python's spellings of values, for modules' `extraRepr()`, so that a module prints exactly as
 * its PyTorch counterpart (`Dropout(p=0.5, inplace=False)`, `BatchNorm1d(16, eps=1e-05, …)`).
 */

/**
 * A number as Python's `repr(float(x))`: shortest round-trip digits, fixed notation for
 * decimal exponents in [-4, 16) and always a fractional part there (`1.0`), scientific with a
 * signed two-digit exponent otherwise (`1e-05`, `1.5e+16`).
 * @example pyFloat(1e-5) // '1e-05'
 */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  // toExponential() with no argument gives the shortest digits that round-trip.
  const [mantissa, expText] = Math.abs(x).toExponential().split('e');
  const exp = Number(expText);
  const digits = mantissa.replace('.', '');
  if (exp >= -4 && exp < 16) {
    if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
    const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
    const frac = digits.slice(exp + 1);
    return `${sign}${intPart}.${frac === '' ? '0' : frac}`;
  }
  const e = Math.abs(exp).toString().padStart(2, '0');
  return `${sign}${mantissa}e${exp < 0 ? '-' : '+'}${e}`;
}

/**
 * A boolean as Python prints it.
 * @example pyBool(true) // 'True'
 */
export function pyBool(b: boolean): string {
  return b ? 'True' : 'False';
}

/**
 * A string as Python's `repr(str)` for the plain strings module options hold.
 * @example pyStr('none') // "'none'"
 */
export function pyStr(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * A list of integers (or `None`s) as a Python tuple: `(3,)`, `(3, 3)`, `(None, 7)`.
 * @example pyTuple([2, 2]) // '(2, 2)'
 */
export function pyTuple(values: readonly (number | null)[]): string {
  const items = values.map((x) => (x === null ? 'None' : String(x)));
  return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
}

/**
 * A size option as Python prints it: `2`, `(2, 3)`, `(3,)`, `None`.
 * @example pySize(2) // '2'
 */
export function pySize(v: number | null | readonly (number | null)[]): string {
  if (v === null) return 'None';
  return typeof v === 'number' ? String(v) : pyTuple(v);
}

/** torch.nn.modules.module._addindent: every line but the first indented by `spaces`. */
export function addIndent(s: string, spaces: number): string {
  const lines = s.split('\n');
  if (lines.length === 1) return s;
  const pad = ' '.repeat(spaces);
  return [lines[0], ...lines.slice(1).map((l) => pad + l)].join('\n');
}
