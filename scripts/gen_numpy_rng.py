# Regenerate the NumPy reference fixture for test/random-engine.test.ts:
#
#     /usr/bin/python3 scripts/gen_numpy_rng.py
#
# Run it with the system Python (it has NumPy; the `python3` on PATH may not). It writes
# test/fixtures/numpy_rng.json with the outputs of NumPy's *legacy* RandomState (MT19937 and
# polar-method Gaussians), which src/kernels/mt19937.ts reproduces.
#
# Every double is stored twice: as a JSON number (Python's repr is the shortest string that
# round-trips) and as float.hex(), so the test can check that both agree with the engine exactly.
#
# Gaussians: NumPy's legacy_gauss calls the C library's log(), which is not correctly rounded
# (glibc's is accurate to about 0.52 ulp), and the engine reproduces it with a bit-exact port of
# glibc's log (src/kernels/libm/log.ts). That port follows the build glibc selects on x86_64 CPUs
# with FMA and AVX2, so this script insists on such a CPU. It also writes `logCases`, inputs with
# this libm's log() (ground truth: ctypes on libm.so.6, the function NumPy links), many of them
# where that log is not correctly rounded, and `fmaCases`, exact fused multiply-adds for the
# port's emulated fma.
import ctypes
import ctypes.util
import json
import math
import os
import sys
from decimal import Decimal, getcontext
from fractions import Fraction

import numpy as np

SEEDS = [0, 1, 123, 2**32 - 1, 42, 987654321]
# Every r2 the legacy_gauss re-implementation passed to log(), for the log test cases.
GAUSS_LOG_INPUTS = []
LONG_N = 2000
LONG_SAMPLES = [0, 1, 2, 311, 312, 623, 624, 625, 1000, 1247, 1248, 1999]

getcontext().prec = 60

_libm = ctypes.CDLL(ctypes.util.find_library('m') or 'libm.so.6')
_libm.log.restype = ctypes.c_double
_libm.log.argtypes = [ctypes.c_double]


def libm_log(x):
    """The C library's log(), which legacy_gauss calls; math.log must agree with it."""
    y = _libm.log(x)
    assert math.log(x).hex() == y.hex(), f'math.log and libm log disagree at {x.hex()}'
    return y


def correctly_rounded_log(x):
    # 60 significant digits, then one rounding to double: a double rounding could only bite
    # within 1e-43 relative of a midpoint, which does not happen for these inputs.
    return float(Decimal(x).ln())


def libm_log_variant():
    """Which build of log() glibc's x86_64 ifunc resolver picks on this CPU (approximately)."""
    with open('/proc/cpuinfo') as f:
        flags = next((line.split(':', 1)[1].split() for line in f if line.startswith('flags')), [])
    if 'fma' in flags and 'avx2' in flags:
        return 'fma'
    if 'fma4' in flags:
        return 'fma4'
    return 'avx' if 'avx' in flags else 'sse2'


def dbl(x):
    x = float(x)
    return {'v': x, 'hex': x.hex()}


def dbls(arr):
    return [dbl(x) for x in np.asarray(arr, dtype=np.float64).ravel()]


def digest(values):
    """Order-sensitive 64-bit digest of the exact bit patterns of every double in values.

    h = h * FNV_PRIME + bits (mod 2**64), as a 16-digit hex string; cheap to redo with BigInt.
    """
    h = 0xCBF29CE484222325
    for bits in np.asarray(values, dtype=np.float64).view(np.uint64):
        h = (h * 0x100000001B3 + int(bits)) & 0xFFFFFFFFFFFFFFFF
    return f'{h:016x}'


class LegacyGaussSim:
    """numpy/random/src/legacy/legacy-distributions.c legacy_gauss, re-implemented to record the
    r2 values it passes to log(); checked_normals proves it reproduces NumPy exactly.

    Uniform draws come from a private RandomState kept in step with NumPy's global one.
    """

    def __init__(self, rs, has_gauss=False, gauss=0.0):
        self.rs = rs
        self.has_gauss = has_gauss
        self.gauss = gauss

    def seed(self, s):
        self.rs.seed(s)
        self.has_gauss = False
        self.gauss = 0.0

    def random(self, n):
        return [self.rs.random_sample() for _ in range(n)]

    def normal_one(self):
        if self.has_gauss:
            self.has_gauss = False
            out, self.gauss = self.gauss, 0.0
            return out
        while True:
            x1 = 2.0 * self.rs.random_sample() - 1.0
            x2 = 2.0 * self.rs.random_sample() - 1.0
            r2 = x1 * x1 + x2 * x2
            if not (r2 >= 1.0 or r2 == 0.0):
                break
        GAUSS_LOG_INPUTS.append(r2)
        f = math.sqrt(-2.0 * libm_log(r2) / r2)
        self.gauss = f * x1
        self.has_gauss = True
        return f * x2

    def normal(self, n):
        return [self.normal_one() for _ in range(n)]


def checked_normals(numpy_values, sim_values):
    """Asserts the re-implementation matches NumPy bit for bit; returns NumPy's values."""
    numpy_values = np.asarray(numpy_values, dtype=np.float64).ravel()
    assert len(numpy_values) == len(sim_values)
    for v, c in zip(numpy_values, sim_values):
        assert float(v).hex() == c.hex(), 'legacy_gauss re-implementation disagrees with NumPy'
    return dbls(numpy_values)


def reference_genrand(key, pos, n):
    """Plain-Python genrand_int32 from a (key, pos) state, to prove the raw draws are raw."""
    key = [int(k) for k in key]
    out = []
    for _ in range(n):
        if pos >= 624:
            for i in range(624):
                y = (key[i] & 0x80000000) | (key[(i + 1) % 624] & 0x7FFFFFFF)
                key[i] = key[(i + 397) % 624] ^ (y >> 1) ^ (0x9908B0DF if y & 1 else 0)
            pos = 0
        y = key[pos]
        pos += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C5680
        y ^= (y << 15) & 0xEFC60000
        y ^= y >> 18
        out.append(y & 0xFFFFFFFF)
    return out


def state_summary(rs, sim=None):
    name, key, pos, has_gauss, gauss = rs.get_state(legacy=True)
    assert name == 'MT19937'
    if sim is not None:
        assert sim.has_gauss == bool(has_gauss) and sim.gauss.hex() == float(gauss).hex()
    return {
        'keyHead': [int(k) for k in key[:8]],
        'keyTail': [int(k) for k in key[-2:]],
        'pos': int(pos),
        'hasGauss': bool(has_gauss),
        'gauss': dbl(gauss),
    }


def global_rs():
    return np.random.mtrand._rand


def raw_uint32(seed, n):
    # Three independent routes to genrand_int32 outputs; they must agree, which shows that
    # randint over the full uint32 range really is the raw stream (no masking or rejection).
    rs = np.random.RandomState(seed)
    _, key, pos, _, _ = rs.get_state(legacy=True)
    ref = reference_genrand(key, pos, n)
    via_randint = [int(v) for v in rs.randint(0, 2**32, size=n, dtype=np.uint32)]
    bg = np.random.MT19937()
    bg._legacy_seeding(seed)
    via_bitgen = [int(v) for v in bg.random_raw(n)]
    assert ref == via_randint == via_bitgen, f'raw streams disagree for seed {seed}'
    return ref


def mixed_sequence(seed):
    """Odd-length calls so a cached Gaussian is pending across calls and across a re-seed."""
    np.random.seed(seed)
    sim = LegacyGaussSim(np.random.RandomState(seed))
    steps = []

    def call(kind, n=0):
        if kind == 'seed':
            np.random.seed(seed)
            sim.seed(seed)
            steps.append({'op': 'seed'})
            return
        if kind == 'normal':
            values = checked_normals(np.random.standard_normal(n), sim.normal(n))
        else:
            values = dbls(np.random.random(n))
            assert [v['hex'] for v in values] == [x.hex() for x in sim.random(n)]
        steps.append({'op': kind, 'values': values, 'after': state_summary(global_rs(), sim)})

    call('normal', 5)  # leaves a cached Gaussian
    call('random', 3)  # uniform draws do not touch the cache
    call('normal', 3)  # the first value comes from the cache
    call('seed')  # must drop the cache
    call('normal', 1)
    call('random', 2)
    call('normal', 1)  # from the cache
    call('normal', 7)
    call('random', 1)
    return steps


def long_run(seed):
    np.random.seed(seed)
    sim = LegacyGaussSim(np.random.RandomState(seed))
    u = np.random.random(LONG_N)
    sim.random(LONG_N)
    g = np.random.standard_normal(LONG_N)
    g_checked = checked_normals(g, sim.normal(LONG_N))
    # One more odd call so the final state carries a cached Gaussian.
    tail = checked_normals(np.random.standard_normal(1), sim.normal(1))[0]
    return {
        'n': LONG_N,
        'random': {str(i): dbl(u[i]) for i in LONG_SAMPLES},
        'randomDigest': digest(u),
        'normal': {str(i): g_checked[i] for i in LONG_SAMPLES},
        # Covers all LONG_N Gaussians, bit for bit.
        'normalDigest': digest(g),
        'normalTail': tail,
        'after': state_summary(global_rs(), sim),
    }


def full_state_case(seed):
    """A full mid-stream state with a pending Gaussian, to check setState."""
    rs = np.random.RandomState(seed)
    rs.random_sample(700)  # past one regeneration of the key
    rs.standard_normal(3)  # odd: leaves a cached value
    name, key, pos, has_gauss, gauss = rs.get_state(legacy=True)
    sim_rs = np.random.RandomState()
    sim_rs.set_state((name, key, pos, 0, 0.0))
    sim = LegacyGaussSim(sim_rs, bool(has_gauss), float(gauss))
    nxt_normal = checked_normals(rs.standard_normal(4), sim.normal(4))
    nxt_random = dbls(rs.random_sample(3))
    return {
        'key': [int(k) for k in key],
        'pos': int(pos),
        'hasGauss': bool(has_gauss),
        'gauss': dbl(gauss),
        'nextNormal': nxt_normal,
        'nextRandom': nxt_random,
    }


def log_cases():
    """Inputs with the C library's log(): every r2 of the fixture's Gaussians where it is not
    correctly rounded, more such inputs from a scan, ordinary inputs and edge cases."""
    rng = np.random.default_rng(20240602)
    # Polar-method inputs (as legacy_gauss forms them), values near 1 (glibc's separate branch
    # for [1 - 0x1p-4, 1 + 0x1.09p-4)) and positive doubles of every exponent.
    u = 2.0 * np.random.RandomState(7).random_sample(2 * 100_000) - 1.0
    r2 = u[0::2] * u[0::2] + u[1::2] * u[1::2]
    r2 = r2[(r2 < 1.0) & (r2 != 0.0)]
    lo, hi = 1.0 - 2.0**-4, 1.0 + 0x109 * 2.0**-12
    near1 = rng.uniform(lo, hi, 40_000)
    wide = rng.integers(0x0010000000000000, 0x7FF0000000000000, 40_000).view(np.float64)
    xs = [float(x) for x in GAUSS_LOG_INPUTS if libm_log(x) != correctly_rounded_log(x)]
    for pool in (r2, near1, wide):
        pool = [float(x) for x in pool]
        xs += [x for x in pool if libm_log(x) != correctly_rounded_log(x)]
        xs += pool[:40]
    for base in [1.0, lo, hi, 0.6875, 1.375, 0.5, 2.0, math.sqrt(2.0), 2.0**-1022]:
        xs += [math.nextafter(base, 0.0), base, math.nextafter(base, math.inf)]
    for i in range(0, 129, 16):  # edges of the 128 table subintervals, at a few exponents
        for k in (-1000, -1, 0, 3):
            b = np.array([0x3FE6000000000000 + (i << 45) + (k << 52)]).view(np.float64)[0]
            xs += [math.nextafter(float(b), 0.0), float(b)]
    xs += [5e-324, 2.0**-1070, math.nextafter(2.0**-1022, 0.0), 1e-300, 2.0**-104, 1e-5]
    xs += [1.7976931348623157e308, 1e300]
    cases, seen = [], set()
    for x in xs:
        if x in seen:
            continue
        seen.add(x)
        y = libm_log(x)
        is_cr = y == correctly_rounded_log(x)
        cases.append({'x': x.hex(), 'log': y.hex(), 'correctlyRounded': is_cr})
    return cases


def fma_cases():
    """Exact fused multiply-adds (Fraction arithmetic, then one correct rounding) for the port's
    emulated fma: random ones where two roundings give a different answer, exact ties, near-ties
    (where rounding a * b first lands on a tie) and cancellations."""
    rng = np.random.default_rng(20240603)

    def rand_double(e_lo, e_hi):
        m = int(rng.integers(0, 2**52)) | 2**52
        return float(rng.choice([-1.0, 1.0])) * math.ldexp(m, int(rng.integers(e_lo, e_hi)) - 52)

    def tie_distance(a, b, c):
        """|a*b + c - nearest midpoint| in units of the gap between doubles there."""
        x = Fraction(a) * Fraction(b) + Fraction(c)
        f = float(x)  # Fraction -> float rounds correctly (to nearest, ties to even)
        if Fraction(f) == x:
            return 1.0
        g = math.nextafter(f, math.inf if x > f else -math.inf)
        return float(abs(x - (Fraction(f) + Fraction(g)) / 2) / abs(Fraction(g) - Fraction(f)))

    def near_half_ulp(c, j, i):
        """a, b with a * b = +-(ulp(c)/2) * (1 + 2**-j) * (1 +- 2**-i) (0 for no perturbation)."""
        t = int(rng.integers(-20, 20))
        sign = float(rng.choice([-1.0, 1.0]))
        a = sign * math.ulp(c) / 2 * 2.0**t * (1 + (2.0**-j if j else 0))
        b = 2.0**-t * (1 + (float(rng.choice([-1.0, 1.0])) * 2.0**-i if i else 0))
        return a, b

    cases = []

    def add(kind, a, b, c):
        y = float(Fraction(a) * Fraction(b) + Fraction(c))
        cases.append({'a': a.hex(), 'b': b.hex(), 'c': c.hex(), 'fma': y.hex(), 'kind': kind})
        return tie_distance(a, b, c)

    while sum(c['kind'] == 'naive' for c in cases) < 80:
        a, b = rand_double(-40, 40), rand_double(-40, 40)
        c = rand_double(-1, 1)
        c = math.ldexp(math.frexp(c)[0], math.frexp(a * b)[1] + int(rng.integers(-60, 10)))
        if a * b + c != float(Fraction(a) * Fraction(b) + Fraction(c)):
            add('naive', a, b, c)
    for _ in range(40):
        c = rand_double(-30, 30)
        if abs(math.frexp(c)[0]) == 0.5:
            continue  # below a power of two the gap halves; keep the construction simple
        assert add('tie', *near_half_ulp(c, 0, 0), c) == 0.0
    while sum(c['kind'] == 'nearTie' for c in cases) < 80:
        c = rand_double(-30, 30)
        if abs(math.frexp(c)[0]) == 0.5:
            continue
        j, i = int(rng.integers(40, 52)), int(rng.integers(40, 52))
        a, b = near_half_ulp(c, j, i)
        d = add('nearTie', a, b, c)
        assert 0.0 < d < 2.0**-38
    for _ in range(20):
        a, b = rand_double(-40, 40), rand_double(-40, 40)
        add('cancel', a, b, -(a * b))
        add('cancel', a, b, math.nextafter(-(a * b), math.inf))
    return cases


def bad_seeds():
    out = []
    for label, s in [('-1', -1), ('2**32', 2**32), ('1.5', 1.5), ('NaN', float('nan'))]:
        try:
            np.random.RandomState(0).seed(s)
            out.append({'seed': label, 'error': None})
        except Exception as e:  # noqa: BLE001 - recording NumPy's behaviour is the point
            out.append({'seed': label, 'error': type(e).__name__, 'message': str(e)})
    return out


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    variant = libm_log_variant()
    if variant != 'fma':
        sys.exit(
            f'this CPU makes glibc use its {variant} build of log(), but the engine ports the FMA'
            ' build, so a fixture made here would not match it (use an x86_64 CPU with FMA, AVX2)'
        )
    cases = []
    for s in SEEDS:
        np.random.seed(s)
        seeded_state = state_summary(global_rs())
        np.random.seed(s)
        rand35 = np.random.random((3, 5))
        cases.append(
            {
                'seed': s,
                'stateAfterSeed': seeded_state,
                'rawUint32': raw_uint32(s, 20),
                'random3x5': dbls(rand35),
                'mixed': mixed_sequence(s),
                'long': long_run(s),
            }
        )
    fixture = {
        'generator': 'scripts/gen_numpy_rng.py',
        'numpy': np.__version__,
        'python': sys.version.split()[0],
        'libc': ' '.join(os.confstr('CS_GNU_LIBC_VERSION').split()),
        'libmLogVariant': variant,
        'cases': cases,
        'fullState': full_state_case(20240601),
        'badSeeds': bad_seeds(),
        'logCases': log_cases(),
        'fmaCases': fma_cases(),
    }
    path = os.path.join(root, 'test', 'fixtures', 'numpy_rng.json')
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(fixture, f, indent=1)
        f.write('\n')
    n_bad = sum(not c['correctlyRounded'] for c in fixture['logCases'])
    n_log = len(fixture['logCases'])
    print(f'wrote {path} ({n_log} log cases, {n_bad} of them misrounded by libm)')


if __name__ == '__main__':
    main()
