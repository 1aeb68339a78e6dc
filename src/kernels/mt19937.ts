/**
 * MT19937, NumPy's legacy generator, with the loops that fill storage with its draws
 * (`fillRandom`, `fillStandardNormal`). Code above src/ops reaches it through
 * src/ops/generator.ts; `random`, `rand` and `randn` wrap its draws in tensors.
 */
import { ValueError } from '../errors.js';
import { glibcLog } from './libm/index.js';

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

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

/**
 * A seedable Mersenne Twister (MT19937) that reproduces NumPy's legacy `RandomState` bit for bit:
 * the same seeding, the same uint32 stream, the same 53-bit doubles and the same polar-method
 * Gaussians, including the cached second Gaussian that makes odd-length draws interleave.
 *
 * NumPy's polar method calls the C library's log(), so the Gaussians use the bit-exact port of
 * glibc's log in ./libm/log.ts (./libm/index.ts says which build, and why). Where NumPy runs on
 * another libm build, which rounds a few logs differently, a pair of Gaussians can differ from
 * NumPy's in the last bit or two. Uniforms and the stream position are exact everywhere.
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
   * with glibc's log (see the class note). Each accepted pair yields two normals;
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
    const f = Math.sqrt((-2 * glibcLog(r2)) / r2);
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
