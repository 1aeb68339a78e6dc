/**
 * A seedable Mersenne Twister (MT19937) that reproduces NumPy's legacy `RandomState` bit for bit:
 * the same seeding, the same uint32 stream, the same 53-bit doubles and the same polar-method
 * Gaussians, including the cached second Gaussian that makes odd-length draws interleave.
 *
 * One caveat: Gaussians go through a correctly rounded log, while NumPy uses the C library's.
 * On glibc the two differ in about 1 of 4,000 Gaussians (by an ulp or two), where glibc's log
 * rounds the wrong way; everything else, uniforms and the stream position included, is exact.
 *
 * It deliberately knows nothing about tensors, so reference values generated with
 * `np.random.seed(s)` can be compared against it directly.
 *
 * @example
 * ```ts
 * const rng = new MT19937(0);
 * rng.randomDouble(); // 0.5488135039273248, as np.random.seed(0); np.random.random()
 * ```
 */
import { ValueError } from '../errors.js';

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

// ---------------------------------------------------------------------------------------------
// A correctly rounded natural logarithm.
//
// NumPy's polar method calls the C library's log(). glibc's is accurate to about 0.52 ulp and
// V8's Math.log (an fdlibm port) to under 1 ulp; they disagree in the last bit for ~7% of the
// polar method's inputs, which would change ~1 in 32 Gaussians. A correctly rounded log agrees
// with glibc except where glibc itself rounds the wrong way (~0.05% of inputs), and unlike
// either library it gives the same bits on every platform. Copying glibc's own table-driven log
// would be needed to close that last gap.
//
// Method: x = 2**k * z with z in [1/sqrt(2), sqrt(2)); c = j/1024 is the nearest table point, so
// log(x) = k*ln2 + log(c) + 2*atanh(s), s = (z - c)/(z + c), |s| < 2**-11.5. Everything is
// carried as double-double (hi + lo) until one final rounding; the relative error before that
// rounding is around 2**-95, so a misrounding needs the true value to lie that close to a
// midpoint between doubles. Cost: about 5x Math.log.
// ---------------------------------------------------------------------------------------------

/** Dekker's splitter, 2**27 + 1: splits a double into two 26-bit halves whose products are exact. */
const SPLIT = 134217729;
const LN2_HI = 0.6931471805599453;
const LN2_LO = 2.3190468138462996e-17;
const SQRT2 = 1.4142135623730951;
const TWO_THIRDS_HI = 0.6666666666666666;
const TWO_THIRDS_LO = 3.700743415417188e-17;
const TABLE_SCALE = 1024;
const J_MIN = 724; // Math.round(TABLE_SCALE / sqrt(2))
const J_MAX = 1448; // Math.round(TABLE_SCALE * sqrt(2))
const SMALLEST_NORMAL = 2.2250738585072014e-308;
const TWO_POW_54 = 18014398509481984;

/** Scratch views for reading the exponent of a double without allocating. */
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const HI_WORD = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

/** log(j / 1024) for j in [J_MIN, J_MAX] as interleaved hi, lo pairs; built on first use. */
let logTable: Float64Array | null = null;

/** The exact rounding error of the product p = fl(a * b), by Dekker's algorithm (no FMA in JS). */
function mulError(a: number, b: number, p: number): number {
  let t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

/** The exact rounding error of the sum s = fl(a + b), by Knuth's TwoSum. */
function addError(a: number, b: number, s: number): number {
  const bb = s - a;
  return a - (s - bb) + (b - bb);
}

/**
 * log(c) for c in [1/sqrt(2), sqrt(2)] to ~2**-104, as [hi, lo]. Slow (a 24-term double-double
 * series), so it only fills the table.
 */
function slowLogDD(c: number): [number, number] {
  // s = (c - 1)/(c + 1) as double-double; c - 1 is exact (Sterbenz), c + 1 may round.
  const n = c - 1;
  const m = c + 1;
  const me = addError(c, 1, m);
  const sh = n / m;
  const p = sh * m;
  const sl = (n - p - mulError(sh, m, p) - sh * me) / m;
  // s2 = s*s
  let q = sh * sh;
  let qe = mulError(sh, sh, q) + 2 * sh * sl;
  const s2h = q + qe;
  const s2l = qe - (s2h - q);
  // Horner in double-double: acc = sum_i s2**i / (2i + 1), from the top term down.
  let ah = 1 / 49;
  let al = (1 - ah * 49 - mulError(ah, 49, ah * 49)) / 49;
  for (let d = 47; d >= 1; d -= 2) {
    // acc *= s2
    q = ah * s2h;
    qe = mulError(ah, s2h, q) + (ah * s2l + al * s2h);
    // acc += 1/d (as double-double)
    const ih = 1 / d;
    const il = (1 - ih * d - mulError(ih, d, ih * d)) / d;
    const sum = q + ih;
    const se = addError(q, ih, sum) + qe + il;
    ah = sum + se;
    al = se - (ah - sum);
  }
  // 2 * s * acc
  q = sh * ah;
  qe = mulError(sh, ah, q) + (sh * al + sl * ah);
  const hi = q + qe;
  return [2 * hi, 2 * (qe - (hi - q))];
}

function buildLogTable(): Float64Array {
  const table = new Float64Array(2 * (J_MAX - J_MIN + 1));
  for (let j = J_MIN; j <= J_MAX; j++) {
    const [hi, lo] = slowLogDD(j / TABLE_SCALE);
    table[2 * (j - J_MIN)] = hi;
    table[2 * (j - J_MIN) + 1] = lo;
  }
  return table;
}

/**
 * The natural logarithm of `x`, correctly rounded to nearest (barring inputs within ~2**-95
 * relative of a rounding midpoint, which is astronomically rare). The polar method uses it in
 * place of the platform log so that Gaussians are the same on every engine and platform.
 *
 * @example
 * ```ts
 * correctlyRoundedLog(0.5); // -0.6931471805599453
 * ```
 */
export function correctlyRoundedLog(x: number): number {
  // NaN, zero, negatives and +Infinity have exact answers that Math.log already gives.
  if (!(x > 0) || x === Infinity) return Math.log(x);
  const table = logTable ?? (logTable = buildLogTable());
  let k = 0;
  if (x < SMALLEST_NORMAL) {
    x *= TWO_POW_54;
    k = -54;
  }
  f64[0] = x;
  const hiWord = u32[HI_WORD];
  k += (hiWord >>> 20) - 1023;
  u32[HI_WORD] = (hiWord & 0xfffff) | 0x3ff00000;
  let z = f64[0];
  if (z >= SQRT2) {
    z *= 0.5;
    k += 1;
  }
  const j = Math.round(z * TABLE_SCALE);
  const c = j / TABLE_SCALE;
  // z - c is exact (Sterbenz); z + c may round, so its error is carried.
  const d = z - c;
  const sum = z + c;
  const sumErr = addError(z, c, sum);
  const sh = d / sum;
  const p = sh * sum;
  const sl = (d - p - mulError(sh, sum, p) - sh * sumErr) / sum;
  // 2*atanh(s) = 2s + (2/3)s^3 + (2/5)s^5 + ...; the s^3 term still needs double-double.
  const q = sh * sh;
  const qe = mulError(sh, sh, q) + 2 * sh * sl;
  const c3 = q * sh;
  const c3e = mulError(q, sh, c3) + qe * sh + q * sl;
  const b = c3 * TWO_THIRDS_HI;
  const be = mulError(c3, TWO_THIRDS_HI, b) + c3e * TWO_THIRDS_HI + c3 * TWO_THIRDS_LO;
  const tail = q * q * sh * (0.4 + q * (2 / 7 + q * (2 / 9)));
  const t = 2 * sh;
  const h1 = t + b;
  const lo1 = addError(t, b, h1) + 2 * sl + (be + tail);
  // Add log(c) and k*ln2 (k*LN2_HI is made exact by carrying its rounding error).
  const lh = table[2 * (j - J_MIN)];
  const ll = table[2 * (j - J_MIN) + 1];
  const kh = k * LN2_HI;
  const ke = mulError(k, LN2_HI, kh) + k * LN2_LO;
  const s1 = kh + lh;
  const e1 = addError(kh, lh, s1);
  const s2 = s1 + h1;
  const e2 = addError(s1, h1, s2);
  return s2 + (e1 + e2 + ke + ll + lo1);
}

/** A snapshot of the generator, laid out like NumPy's `RandomState.get_state()` tuple. */
export interface MT19937State {
  /** The 624-word MT19937 state vector. */
  key: Uint32Array;
  /** Index of the next word to temper; 624 means the key is regenerated before the next draw. */
  pos: number;
  /** Whether a second polar-method Gaussian is waiting to be returned. */
  hasGauss: boolean;
  /** The waiting Gaussian (0 when `hasGauss` is false, as NumPy stores it). */
  gauss: number;
}

export class MT19937 {
  private readonly key = new Uint32Array(N);
  private pos = N;
  private hasGauss = false;
  private gauss = 0;

  /**
   * Creates a generator seeded like `np.random.RandomState(seed)`. The default 5489 is the
   * reference seed of Matsumoto and Nishimura's `init_genrand`.
   *
   * @example
   * ```ts
   * const rng = new MT19937(42);
   * ```
   */
  constructor(seed = 5489) {
    this.seed(seed);
  }

  /**
   * Re-seeds like `np.random.seed(s)` for an integer `s`: `init_genrand(s)`, and any cached
   * Gaussian is dropped (NumPy does the same, so a re-seed always replays the same stream).
   * NumPy raises `TypeError` for non-integer seeds; here every bad seed is a `ValueError`.
   *
   * @example
   * ```ts
   * rng.seed(123); // now matches np.random.seed(123)
   * ```
   */
  seed(s: number): void {
    if (!Number.isInteger(s) || s < 0 || s > 0xffffffff) {
      throw new ValueError(`Seed must be between 0 and 2**32 - 1, got ${String(s)}`);
    }
    const key = this.key;
    key[0] = s;
    for (let i = 1; i < N; i++) {
      const prev = key[i - 1];
      // Math.imul keeps the product mod 2**32; a plain `*` would lose low bits past 2**53.
      key[i] = Math.imul(1812433253, prev ^ (prev >>> 30)) + i;
    }
    this.pos = N;
    this.hasGauss = false;
    this.gauss = 0;
  }

  /**
   * The next raw 32-bit output (`genrand_int32`), as an unsigned integer in [0, 2**32).
   *
   * @example
   * ```ts
   * new MT19937(0).nextUint32(); // 2357136044
   * ```
   */
  nextUint32(): number {
    if (this.pos >= N) this.regenerate();
    let y = this.key[this.pos++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /**
   * A double in [0, 1) with 53 random bits, exactly NumPy's `random_sample`: two draws, the
   * first supplying the top 27 bits and the second the low 26.
   *
   * @example
   * ```ts
   * new MT19937(0).randomDouble(); // 0.5488135039273248
   * ```
   */
  randomDouble(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /**
   * A standard normal sample: NumPy's `legacy_gauss` (Marsaglia's polar method) step for step,
   * with a correctly rounded log (see the module note). Each accepted pair yields two normals;
   * the second is cached for the next call, so a re-seed or `setState` must reset or restore it.
   *
   * @example
   * ```ts
   * new MT19937(0).standardNormal(); // 1.764052345967664
   * ```
   */
  standardNormal(): number {
    if (this.hasGauss) {
      const cached = this.gauss;
      this.hasGauss = false;
      this.gauss = 0;
      return cached;
    }
    let x1: number;
    let x2: number;
    let r2: number;
    do {
      x1 = 2 * this.randomDouble() - 1;
      x2 = 2 * this.randomDouble() - 1;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1 || r2 === 0);
    const f = Math.sqrt((-2 * correctlyRoundedLog(r2)) / r2);
    this.gauss = f * x1;
    this.hasGauss = true;
    return f * x2;
  }

  /**
   * Fills `out` with `randomDouble()` draws, element 0 first, like `np.random.random(n)`. A
   * Float32Array receives each double rounded to nearest on store.
   *
   * @example
   * ```ts
   * const u = new Float64Array(15);
   * rng.fillRandom(u); // same values as np.random.random((3, 5)).ravel()
   * ```
   */
  fillRandom(out: Float32Array | Float64Array): void {
    for (let i = 0; i < out.length; i++) out[i] = this.randomDouble();
  }

  /**
   * Fills `out` with `standardNormal()` draws, element 0 first, like
   * `np.random.standard_normal(n)`; a pending cached Gaussian is used first and an odd length
   * leaves one cached. A Float32Array receives each double rounded to nearest on store.
   *
   * @example
   * ```ts
   * const z = new Float32Array(5);
   * rng.fillStandardNormal(z);
   * ```
   */
  fillStandardNormal(out: Float32Array | Float64Array): void {
    for (let i = 0; i < out.length; i++) out[i] = this.standardNormal();
  }

  /**
   * A copy of the full state, matching NumPy's `get_state()` fields (`key`, `pos`, `has_gauss`,
   * `cached_gaussian`).
   *
   * @example
   * ```ts
   * const saved = rng.getState();
   * const a = rng.randomDouble();
   * rng.setState(saved);
   * rng.randomDouble() === a; // true
   * ```
   */
  getState(): MT19937State {
    return {
      key: this.key.slice(),
      pos: this.pos,
      hasGauss: this.hasGauss,
      gauss: this.gauss,
    };
  }

  /**
   * Restores a state from `getState()` or from NumPy's `get_state()`; the key is copied.
   *
   * @example
   * ```ts
   * rng.setState({ key, pos: 624, hasGauss: false, gauss: 0 });
   * ```
   */
  setState(state: MT19937State): void {
    if (state.key.length !== N) {
      throw new ValueError(`MT19937 state key must have ${N} words, got ${state.key.length}`);
    }
    if (!Number.isInteger(state.pos) || state.pos < 0 || state.pos > N) {
      throw new ValueError(`MT19937 state pos must be an integer in [0, ${N}], got ${state.pos}`);
    }
    this.key.set(state.key);
    this.pos = state.pos;
    this.hasGauss = state.hasGauss;
    this.gauss = state.gauss;
  }

  /** Refills the whole key in place (the MT19937 "twist"), done once every 624 draws. */
  private regenerate(): void {
    const key = this.key;
    let i = 0;
    let y: number;
    // The two split loops avoid a modulo per word: the partner index i + M wraps at N - M.
    for (; i < N - M; i++) {
      y = (key[i] & UPPER_MASK) | (key[i + 1] & LOWER_MASK);
      key[i] = key[i + M] ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    }
    for (; i < N - 1; i++) {
      y = (key[i] & UPPER_MASK) | (key[i + 1] & LOWER_MASK);
      key[i] = key[i + (M - N)] ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    }
    y = (key[N - 1] & UPPER_MASK) | (key[0] & LOWER_MASK);
    key[N - 1] = key[M - 1] ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    this.pos = 0;
  }
}
