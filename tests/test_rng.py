"""The run's randomness (sim.rng): the counter-based hash of the engine and the
named numpy streams.

Statistical checks use fixed counters, so they are deterministic; each states
its level. With the draws fixed, a failure means the generator is wrong (or was
changed), not bad luck.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from scipy import stats as st

from sim import rng

KEY = np.uint64(0x1234_5678_9ABC_DEF0)


def _draws(key=KEY, stream=rng.STREAM_SHARE, step=0, msg=0, n=50_000, src=0, start=0):
    acc = np.arange(start, start + n, dtype=np.int64)
    return rng.hash_uniform_many(np.uint64(key), stream, step, msg, acc, src)


# ------------------------------------------------------------------ the hash itself


def test_hash_uniform_matches_python_mirror():
    """The compiled hash is bit-for-bit the pure-Python specification."""
    gen = np.random.default_rng(11)
    for _ in range(300):
        key = int(gen.integers(0, 2**64, dtype=np.uint64))
        stream = int(gen.integers(0, 5))
        step = int(gen.integers(0, 10**6))
        msg = int(gen.integers(0, 64))
        acc = int(gen.integers(0, 2**31 - 1))
        src = int(gen.integers(0, 2**31 - 1))
        got = rng.hash_uniform(np.uint64(key), stream, step, msg, acc, src)
        assert got == rng.hash_uniform_py(key, stream, step, msg, acc, src)
    # extremes of the counters
    for key in (0, 1, 2**64 - 1):
        for acc in (0, 2**31 - 1):
            got = rng.hash_uniform(np.uint64(key), 0, 0, 0, acc, 0)
            assert got == rng.hash_uniform_py(key, 0, 0, 0, acc, 0)


def test_hash_uniform_many_is_the_scalar_hash():
    acc = np.array([0, 5, 17, 123_456, 2**31 - 1], dtype=np.int64)
    many = rng.hash_uniform_many(KEY, 2, 7, 3, acc, 9)
    assert [float(x) for x in many] == [
        rng.hash_uniform_py(int(KEY), 2, 7, 3, int(a), 9) for a in acc
    ]


def test_hash_uniform_is_open_unit_interval_and_uniform():
    """KS test of uniformity on 200 000 draws (level 0.001: fails if p < 0.001).

    Also the first four moments against U(0, 1) within 5 standard errors.
    """
    u = np.concatenate(
        [_draws(n=100_000), _draws(stream=rng.STREAM_READ, step=3, msg=1, n=100_000, src=77)]
    )
    assert np.all(u > 0.0) and np.all(u < 1.0)
    assert st.kstest(u, "uniform").pvalue > 1e-3
    n = u.size
    assert abs(u.mean() - 0.5) < 5 * np.sqrt(1 / 12 / n)
    assert abs(u.var() - 1 / 12) < 5 * np.sqrt(1 / 180 / n)
    # chi-square on 100 equal bins (level 0.001)
    counts, _ = np.histogram(u, bins=100, range=(0, 1))
    assert st.chisquare(counts).pvalue > 1e-3
    # small values are possible but never 0: the engine takes log(u)
    assert np.isfinite(-np.log(u)).all()


@pytest.mark.parametrize(
    "other",
    [
        {"stream": rng.STREAM_READ},  # another stream
        {"step": 1},  # the next step
        {"msg": 1},  # another message
        {"src": 1},  # another source
        {"key": KEY + np.uint64(1)},  # a neighbouring run key
    ],
    ids=["stream", "step", "message", "source", "key"],
)
def test_hash_independent_across_counters(other):
    """Draws that differ in one counter are uncorrelated: Pearson and Spearman
    |r| < 4/sqrt(n) (n = 50 000, about 4 standard errors), and the pair is
    uniform on the unit square (chi-square on a 10 x 10 grid, level 0.001)."""
    n = 50_000
    a = _draws(n=n)
    kw = {"key": KEY, "stream": rng.STREAM_SHARE, "step": 0, "msg": 0, "src": 0}
    kw.update(other)
    b = _draws(n=n, **kw)
    assert not np.array_equal(a, b)
    assert abs(np.corrcoef(a, b)[0, 1]) < 4 / np.sqrt(n)
    assert abs(st.spearmanr(a, b).statistic) < 4 / np.sqrt(n)
    grid, _, _ = np.histogram2d(a, b, bins=10, range=[[0, 1], [0, 1]])
    assert st.chisquare(grid.ravel()).pvalue > 1e-3


def test_hash_no_serial_correlation_along_accounts():
    """Neighbouring accounts get uncorrelated draws (lags 1, 2, 7; |r| < 4/sqrt(n))."""
    u = _draws(n=100_000)
    for lag in (1, 2, 7):
        r = np.corrcoef(u[:-lag], u[lag:])[0, 1]
        assert abs(r) < 4 / np.sqrt(u.size - lag)


def test_hash_is_a_pure_function():
    a = _draws(n=1000, step=5)
    b = _draws(n=1000, step=5)
    assert np.array_equal(a, b)
    # order of evaluation does not matter
    acc = np.arange(1000, dtype=np.int64)[::-1].copy()
    c = rng.hash_uniform_many(KEY, rng.STREAM_SHARE, 5, 0, acc, 0)
    assert np.array_equal(a, c[::-1])


# ------------------------------------------------------------------ seeds and streams


def test_replicate_seeds_reproducible_distinct_and_prefix_stable():
    a = rng.replicate_seeds(2024, 50)
    assert a == rng.replicate_seeds(2024, 50)
    assert len(set(a)) == 50
    assert all(isinstance(s, int) and 0 <= s < 2**63 for s in a)
    # asking for more replicates keeps the first ones (resuming a sweep)
    assert rng.replicate_seeds(2024, 10) == a[:10]
    assert rng.replicate_seeds(2025, 50) != a
    assert not set(rng.replicate_seeds(2025, 50)) & set(a)


def test_replicate_seeds_are_uniform_bits():
    """The 63-bit replicate seeds look uniform: KS on seeds / 2**63 (level 0.001)."""
    s = np.array(rng.replicate_seeds(7, 2000), dtype=float) / 2.0**63
    assert st.kstest(s, "uniform").pvalue > 1e-3


def test_child_streams_by_name_stable_and_distinct():
    names = ["graph", "population", "seeding", "agents", "crisis", "reference", "engine"]
    draws = {n: rng.generator(42, n).random(8) for n in names}
    # stable: the same (seed, name) gives the same draws
    for n in names:
        assert np.array_equal(draws[n], rng.generator(42, n).random(8))
        assert np.array_equal(draws[n], rng.generator(np.random.SeedSequence(42), n).random(8))
    # distinct between names and between seeds
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert not np.array_equal(draws[a], draws[b])
        assert not np.array_equal(draws[a], rng.generator(43, a).random(8))
    # adding a stream does not change the others (no dependence on creation order)
    rng.generator(42, "a-new-process").random(100)
    assert np.array_equal(draws["graph"], rng.generator(42, "graph").random(8))


def test_child_streams_uncorrelated():
    """Two named streams of one run: |r| < 4/sqrt(n) on 100 000 draws."""
    n = 100_000
    a = rng.generator(3, "graph").random(n)
    b = rng.generator(3, "population").random(n)
    assert abs(np.corrcoef(a, b)[0, 1]) < 4 / np.sqrt(n)


def test_engine_key_deterministic_and_seed_dependent():
    k = rng.engine_key(5)
    assert isinstance(k, np.uint64)
    assert k == rng.engine_key(5)
    assert len({int(rng.engine_key(s)) for s in range(200)}) == 200


def test_streams_do_not_depend_on_hash_seed():
    """Named streams are the same in a fresh interpreter with another PYTHONHASHSEED."""
    code = (
        "import json, numpy as np; from sim import rng; "
        "print(json.dumps([rng.generator(9, 'graph').integers(0, 2**62, 4).tolist(), "
        "int(rng.engine_key(9)), rng.replicate_seeds(9, 3)]))"
    )
    here = [
        rng.generator(9, "graph").integers(0, 2**62, 4).tolist(),
        int(rng.engine_key(9)),
        rng.replicate_seeds(9, 3),
    ]
    for hs in ("0", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=hs)
        out = subprocess.run(
            [sys.executable, "-c", code],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
        )
        assert json.loads(out.stdout) == here
