"""Core II: the fast engine (numba kernels) and the reference engine (one Mesa
agent per account, Python's ``random``) implement the same rule.

The two engines use unrelated random streams, so agreement is statistical:
distributions of final outcomes (two-sample Kolmogorov–Smirnov) and mean hourly
incidence within confidence bands. Each engine runs its own block of seeds, so
the two samples are independent (same seeds would share the graph and the
origins and make the tests conservative). The exact tiny-graph cascade values
are checked for both engines in ``test_ic.py`` (``test_ic_tiny_graph_exact``,
parametrised over the engines); the crisis rules in ``test_crisis.py``.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as st

import sim


def run_both(config, n_runs, keys, messages=("topic",)):
    """Summaries and hourly incidence (new shares) of ``n_runs`` runs per engine."""
    out = {}
    for engine, seed0 in (("fast", 0), ("reference", 1_000_000)):
        summ = {k: [] for k in keys}
        inc = {m: [] for m in messages}
        for s in range(seed0, seed0 + n_runs):
            r = sim.simulate(config, seed=s, engine=engine)
            for k in keys:
                summ[k].append(r.summary[k])
            for m in messages:
                inc[m].append(r.series.loc[r.series["message"] == m, "new_shares"].to_numpy())
        out[engine] = (
            {k: np.asarray(v, dtype=float) for k, v in summ.items()},
            {m: np.vstack(v) for m, v in inc.items()},
        )
    return out


def assert_incidence_agrees(
    a: np.ndarray, b: np.ndarray, *, z_hour: float = 4.5, z_block: float = 4.0
):
    """Mean hourly incidence of two independent samples (runs x hours) agrees.

    Per hour: |difference of means| < ``z_hour`` standard errors (Welch). With
    ~170-340 hours this is a family-wise level of about 0.001-0.002 under the
    normal approximation. Per 6-hour block (sums): < ``z_block`` standard errors.
    Hours where neither sample varies must have equal means (e.g. the origins'
    own posts at the start hour).
    """
    assert a.shape[1] == b.shape[1]

    def check(x, y, zmax, what):
        dm = x.mean(0) - y.mean(0)
        se = np.sqrt(x.var(0, ddof=1) / x.shape[0] + y.var(0, ddof=1) / y.shape[0])
        fixed = se == 0
        assert np.all(dm[fixed] == 0), (
            f"{what}: deterministic bins differ at {np.flatnonzero(fixed & (dm != 0))}"
        )
        z = np.abs(dm[~fixed]) / se[~fixed]
        assert z.size == 0 or z.max() < zmax, (
            f"{what}: bin {np.flatnonzero(~fixed)[z.argmax()]} differs by {z.max():.1f} SE"
        )

    check(a, b, z_hour, "hourly")
    n_blocks = a.shape[1] // 6
    blk = lambda x: x[:, : 6 * n_blocks].reshape(x.shape[0], n_blocks, 6).sum(2)
    check(blk(a), blk(b), z_block, "6-hour blocks")


# The full default rule (circadian rhythm, SEISMIC reading kernel, novelty decay,
# relevance, credibility by role incl. 20 KOLs and the brand, mood, sponsored
# discount) on a 2,000-account scale-free graph with the brand's 500 fans. Two
# messages: a viral topic from 5 random origins (non-trivial cascades), and a
# sponsored brand campaign with valence +1 and a sentiment impact (mood, brand
# credibility, sponsored discount, sentiment updates). Horizon 5 days: the
# cascades are over after about 3 days.
DEFAULT_RULE = {
    "graph": {"kind": "scale_free", "n": 2000, "mean_degree": 10},
    "messages": [
        {"name": "topic", "virality": 1.5, "n_origins": 5},
        {
            "name": "campaign",
            "kind": "campaign",
            "origin": "brand",
            "virality": 0.8,
            "valence": 1,
            "sentiment_impact": 0.2,
            "sponsored": True,
            "start_h": 6,
        },
    ],
    "run": {"horizon_h": 120},
}


@pytest.mark.slow
def test_fast_matches_reference_default_rule():
    """200 replicates per engine (reference ~10-15 s).

    Final reach of the topic: two-sample KS, p > 0.01 (the issue's criterion).
    Other final outcomes (topic shares, campaign reach and shares, final mean
    sentiment): KS p > 0.001 each. Mean hourly incidence of both messages agrees
    within the bands of :func:`assert_incidence_agrees`.
    """
    keys = ["reach", "shares", "reach[campaign]", "shares[campaign]", "mean_sentiment_final"]
    res = run_both(DEFAULT_RULE, 200, keys, messages=("topic", "campaign"))
    (fs, fi), (rs, ri) = res["fast"], res["reference"]
    # non-trivial cascades, so the comparison has power
    assert np.median(fs["shares"]) > 20 and np.median(fs["shares[campaign]"]) > 50
    assert st.ks_2samp(fs["reach"], rs["reach"]).pvalue > 0.01
    for k in keys[1:]:
        assert st.ks_2samp(fs[k], rs[k]).pvalue > 0.001, k
    for m in ("topic", "campaign"):
        assert_incidence_agrees(fi[m], ri[m])


# Complex contagion and a negative message: reinforcement on (gamma = 1), valence
# -1 with a sentiment impact (mood raises sharing among those it has soured).
REINFORCED = {
    "graph": {"kind": "scale_free", "n": 1500, "mean_degree": 12},
    "dynamics": {"reinforcement": 1.0},
    "messages": [
        {"name": "topic", "virality": 2.5, "n_origins": 5, "valence": -1, "sentiment_impact": -0.3}
    ],
    "run": {"horizon_h": 120},
}


@pytest.mark.slow
def test_fast_matches_reference_reinforcement_and_mood():
    """120 replicates per engine: KS p > 0.001 on reach, shares and final mean
    sentiment; mean hourly incidence within bands."""
    keys = ["reach", "shares", "mean_sentiment_final"]
    res = run_both(REINFORCED, 120, keys)
    (fs, fi), (rs, ri) = res["fast"], res["reference"]
    assert np.median(fs["shares"]) > 20
    for k in keys:
        assert st.ks_2samp(fs[k], rs[k]).pvalue > 0.001, k
    assert_incidence_agrees(fi["topic"], ri["topic"])


def test_incidence_check_has_power():
    """The band check rejects a 20 % shift of a noisy incidence curve (sanity of
    the helper; 200 samples per side)."""
    gen = np.random.default_rng(5)
    lam = 5 + 20 * np.exp(-0.5 * ((np.arange(72) - 20) / 6) ** 2)
    a = gen.poisson(lam, size=(200, 72))
    b = gen.poisson(lam, size=(200, 72))
    assert_incidence_agrees(a, b)
    with pytest.raises(AssertionError):
        assert_incidence_agrees(a, gen.poisson(1.2 * lam, size=(200, 72)))
