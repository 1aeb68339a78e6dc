# Regenerate the NumPy reference fixture for test/random-engine.test.ts:
#
#     /usr/bin/python3 scripts/gen_numpy_rng.py
#
# Run it with the system Python (it has NumPy; the `python3` on PATH may not). It writes
# test/fixtures/numpy_rng.json with the outputs of NumPy's *legacy* RandomState (MT19937 and
# polar-method Gaussians), which src/tensor/random-engine.ts reproduces.
#
# Every double is stored twice: as a JSON number (Python's repr is the shortest string that
# round-trips) and as float.hex(), so the test can check that both agree with the engine exactly.
#
# Gaussians: NumPy's legacy_gauss calls the C library's log(). glibc's log is not correctly
# rounded (about 0.52 ulp), while the engine uses a correctly rounded log so its bits do not
# depend on the platform. Where the two logs differ and that changes a Gaussian, the value also
# carries `engine`: the output of legacy_gauss with a correctly rounded log. That value is
# computed here by a Python re-implementation of legacy_gauss that is first proved to reproduce
# NumPy exactly when given the C library's log.
import json
import math
import os
import sys
from decimal import Decimal, getcontext

import numpy as np

SEEDS = [0, 1, 123, 2**32 - 1, 42, 987654321]
# Every r2 whose glibc log is misrounded, collected by LegacyGaussSim for the log test cases.
GLIBC_MISROUNDED_R2 = []
LONG_N = 2000
LONG_SAMPLES = [0, 1, 2, 311, 312, 623, 624, 625, 1000, 1247, 1248, 1999]

getcontext().prec = 60


def correctly_rounded_log(x):
    # 60 significant digits, then one rounding to double: a double rounding could only bite
    # within 1e-43 relative of a midpoint, which does not happen for these inputs.
    return float(Decimal(x).ln())


def dbl(x, engine=None):
    x = float(x)
    out = {'v': x, 'hex': x.hex()}
    if engine is not None and float(engine).hex() != x.hex():
        out['engine'] = {'v': float(engine), 'hex': float(engine).hex()}
    return out


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
    """numpy/random/src/legacy/legacy-distributions.c legacy_gauss, run with two logs at once.

    Uniform draws come from a private RandomState kept in step with NumPy's global one; the
    rejection loop does not depend on the log, so both variants consume the same draws.
    """

    def __init__(self, rs, has_gauss=False, gauss=(0.0, 0.0)):
        self.rs = rs
        self.has_gauss = has_gauss
        self.gauss = gauss  # (with C log, with correctly rounded log)

    def seed(self, s):
        self.rs.seed(s)
        self.has_gauss = False
        self.gauss = (0.0, 0.0)

    def random(self, n):
        return [self.rs.random_sample() for _ in range(n)]

    def normal_one(self):
        if self.has_gauss:
            self.has_gauss = False
            out, self.gauss = self.gauss, (0.0, 0.0)
            return out
        while True:
            x1 = 2.0 * self.rs.random_sample() - 1.0
            x2 = 2.0 * self.rs.random_sample() - 1.0
            r2 = x1 * x1 + x2 * x2
            if not (r2 >= 1.0 or r2 == 0.0):
                break
        log_c, log_cr = math.log(r2), correctly_rounded_log(r2)
        if log_c != log_cr and r2 not in GLIBC_MISROUNDED_R2:
            GLIBC_MISROUNDED_R2.append(r2)
        f_c = math.sqrt(-2.0 * log_c / r2)
        f_cr = math.sqrt(-2.0 * log_cr / r2)
        self.gauss = (f_c * x1, f_cr * x1)
        self.has_gauss = True
        return (f_c * x2, f_cr * x2)

    def normal(self, n):
        return [self.normal_one() for _ in range(n)]


def checked_normals(numpy_values, sim_values):
    """Asserts the simulation matches NumPy bit for bit, then annotates the engine's values."""
    numpy_values = np.asarray(numpy_values, dtype=np.float64).ravel()
    assert len(numpy_values) == len(sim_values)
    out = []
    for v, (c, cr) in zip(numpy_values, sim_values):
        assert float(v).hex() == c.hex(), 'legacy_gauss re-implementation disagrees with NumPy'
        out.append(dbl(v, cr))
    return out


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
    engine_gauss = None
    if sim is not None:
        assert sim.has_gauss == bool(has_gauss) and sim.gauss[0].hex() == float(gauss).hex()
        engine_gauss = sim.gauss[1]
    return {
        'keyHead': [int(k) for k in key[:8]],
        'keyTail': [int(k) for k in key[-2:]],
        'pos': int(pos),
        'hasGauss': bool(has_gauss),
        'gauss': dbl(gauss, engine_gauss),
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
    g_sim = sim.normal(LONG_N)
    g_checked = checked_normals(g, g_sim)
    # One more odd call so the final state carries a cached Gaussian.
    tail = checked_normals(np.random.standard_normal(1), sim.normal(1))[0]
    engine_g = [cr for _, cr in g_sim]
    return {
        'n': LONG_N,
        'random': {str(i): dbl(u[i]) for i in LONG_SAMPLES},
        'randomDigest': digest(u),
        'normal': {str(i): g_checked[i] for i in LONG_SAMPLES},
        'normalDigest': digest(g),
        'normalDigestEngine': digest(engine_g),
        # Every position where the engine's correctly rounded log changes NumPy's Gaussian.
        'normalDivergences': {str(i): d for i, d in enumerate(g_checked) if 'engine' in d},
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
    sim = LegacyGaussSim(sim_rs, bool(has_gauss), (float(gauss), float(gauss)))
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
    """Inputs for the engine's correctly rounded log: glibc's misrounded r2 values, edges."""
    xs = list(GLIBC_MISROUNDED_R2)
    for base in [1.0, math.sqrt(2.0), math.sqrt(0.5), 0.5, 1023.5 / 1024, 724.5 / 1024]:
        xs += [base, math.nextafter(base, 0.0), math.nextafter(base, 2.0)]
    xs += [1e-300, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 2.0**-104, 1e-5]
    xs += list(np.random.RandomState(7).random_sample(20))
    return [
        {
            'x': float(x).hex(),
            'log': correctly_rounded_log(x).hex(),
            'glibcMisrounds': math.log(x) != correctly_rounded_log(x),
        }
        for x in xs
    ]


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
        'cases': cases,
        'fullState': full_state_case(20240601),
        'badSeeds': bad_seeds(),
        'logCases': log_cases(),
    }
    path = os.path.join(root, 'test', 'fixtures', 'numpy_rng.json')
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(fixture, f, indent=1)
        f.write('\n')
    n_div = sum(len(c['long']['normalDivergences']) for c in cases)
    print(f'wrote {path} ({n_div} of {len(SEEDS) * LONG_N} long-run Gaussians differ from NumPy)')


if __name__ == '__main__':
    main()
