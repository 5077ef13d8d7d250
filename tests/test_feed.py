"""The feed with limited attention and ranking (issue #17, item 1; docs/model.md, "Feed").

* Exact recovery: with no background or unlimited ``k`` the feed hides nothing, and
  the run is the run without a ``[feed]`` section, draw for draw (both engines).
* The engagement score's competitor count (a closed form) matches a Monte Carlo of
  its definition (background items at uniform ages, Pareto engagement).
* A crowded feed with a small ``k`` lowers reach; engagement ranking favours a
  message with many recent shares over chronological ranking of old posts.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import sim
from sim.engine import rule as R

BASE = {
    "graph": {"kind": "scale_free", "n": 1500, "mean_degree": 8},
    "population": {"n_kols": 5},
    "brand": {"fans": 100},
    "messages": [{"name": "topic", "virality": 1.0, "origin": "random", "n_origins": 5}],
    "run": {"horizon_h": 48, "replicates": 1},
}


def _with(feed: dict | None) -> dict:
    cfg = {k: (dict(v) if isinstance(v, dict) else v) for k, v in BASE.items()}
    if feed is not None:
        cfg["feed"] = feed
    return cfg


@pytest.mark.parametrize("engine", ["fast", "reference"])
@pytest.mark.parametrize(
    "feed",
    [
        {"ranking": "chronological", "items_per_session": 3, "background_per_account_h": 0.0},
        {"ranking": "engagement", "items_per_session": 3, "background_per_account_h": 0.0},
        {"ranking": "engagement", "background_per_account_h": 50.0},  # k absent: unlimited
    ],
)
def test_exact_recovery(engine, feed):
    """No background, or unlimited k: identical to the run without [feed]."""
    base = sim.simulate(_with(None), seed=3, engine=engine)
    got = sim.simulate(_with(feed), seed=3, engine=engine)
    pd.testing.assert_frame_equal(base.series, got.series)
    assert base.summary == got.summary or all(
        (a == b) or (isinstance(a, float) and math.isnan(a) and math.isnan(b))
        for a, b in zip(base.summary.values(), got.summary.values())
    )


@pytest.mark.parametrize("engine", ["fast", "reference"])
def test_crowded_feed_lowers_reach(engine):
    """k = 1 in a feed of 20 background items per followed account per hour hides
    most posts: reach falls (mean of 3 seeds below half of the unlimited feed's)."""
    seeds = range(3)
    free = np.mean([sim.simulate(_with(None), seed=s, engine=engine).summary["reads"] for s in seeds])
    crowded = np.mean([sim.simulate(_with({"items_per_session": 1, "background_per_account_h": 20.0}), seed=s,
                                    engine=engine).summary["reads"] for s in seeds])
    assert crowded < 0.5 * free


def test_poisson_cdf_exact():
    for k in (0, 1, 5, 20):
        for mu in (0.0, 0.3, 4.0, 25.0):
            want = sum(math.exp(-mu) * mu**i / math.factorial(i) for i in range(k + 1))
            assert abs(R.poisson_cdf(k, mu) - want) < 1e-12
    assert R.poisson_cdf(-1, 2.0) == 0.0


@pytest.mark.parametrize("shares", [0.0, 3.0, 40.0])
@pytest.mark.parametrize("age", [0.5, 8.0])
def test_engagement_competitors_match_definition(shares, age):
    """Mean background items scoring above the post, by simulation of the definition:
    items at rate 1/h over the last 400 h (uniform ages), 1 + shares ~ Pareto(1, alpha),
    score (1 + shares) 2^(-age/h). Tolerance: 4 standard errors of the simulated mean."""
    h, alpha, rate, horizon = 6.0, 1.5, 1.0, 400.0
    rng = np.random.default_rng(7)
    n_rep = 4000
    counts = np.empty(n_rep)
    s_post = (1.0 + shares) * 2.0 ** (-age / h)
    for i in range(n_rep):
        n = rng.poisson(rate * horizon)
        ages = rng.uniform(0, horizon, n)
        eng = (1.0 - rng.random(n)) ** (-1.0 / alpha)  # Pareto(1, alpha)
        counts[i] = np.count_nonzero(eng * 2.0 ** (-ages / h) > s_post)
    mu = R.feed_competitors(1, rate, age, shares, h, alpha)
    se = counts.std(ddof=1) / math.sqrt(n_rep)
    assert abs(counts.mean() - mu) < 4 * se + 1e-9, (counts.mean(), mu, se)
    # chronological: the newer items
    assert R.feed_competitors(0, rate, age, shares, h, alpha) == rate * age


def test_feed_keys_as_written():
    """The keys of issue #17 load as written; a bad ranking is one clear line."""
    from sim.errors import ScenarioError
    from sim.scenario.load import load_scenario

    sc = load_scenario(_with({"ranking": "engagement", "items_per_session": 20}))
    assert sc.feed.ranking == "engagement" and sc.feed.items_per_session == 20
    with pytest.raises(ScenarioError, match="feed.ranking"):
        load_scenario(_with({"ranking": "popular"}))
