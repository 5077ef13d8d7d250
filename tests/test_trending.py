"""The trending list (issue #17, item 2; docs/model.md, "Trending list")."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as st

import sim

BASE = {
    "graph": {"kind": "scale_free", "n": 1500, "mean_degree": 8},
    "population": {"n_kols": 5},
    "brand": {"fans": 100},
    "messages": [{"name": "topic", "virality": 0.8, "origin": "random", "n_origins": 5},
                 {"name": "launch", "virality": 0.3, "origin": "brand", "start_h": 12}],
    "run": {"horizon_h": 48, "replicates": 1},
}


def _with(trending: dict | None) -> dict:
    cfg = dict(BASE)
    if trending is not None:
        cfg["trending"] = trending
    return cfg


def test_bought_slot_is_held_exactly():
    """A background too loud for any organic entry: the launch is listed only in its
    bought hours, at its bought rank, and the slot's cost is in the total cost."""
    tr = {"enabled": True, "list_size": 10, "background_top_per_million": 1e8, "background_noise": 0.0,
          "slot_cost_per_hour": 100.0, "buy": [{"message": "launch", "rank": 3, "start_h": 12, "hours": 5}]}
    r = sim.simulate(_with(tr), seed=0)
    s = r.summary
    assert s["trending_hours[launch]"] == 5.0
    assert s["best_rank[launch]"] == 3.0
    assert s["t_trending_h[launch]"] == 12.0
    assert math.isnan(s["t_trending_h"]) and s["trending_hours"] == 0.0 and math.isnan(s["best_rank"])
    assert s["trending_cost"] == 500.0 and s["cost"] >= 500.0
    assert s["trending_readings[launch]"] > 0


def test_quiet_background_lists_every_topic_with_shares():
    """No background: a topic is listed from the end of its first hour with shares, at rank 1 or 2."""
    tr = {"enabled": True, "list_size": 5, "background_top_per_million": 0.0}
    r = sim.simulate(_with(tr), seed=0)
    assert r.summary["t_trending_h"] == 1.0
    assert r.summary["best_rank"] == 1.0
    assert r.summary["trending_hours"] >= 1.0


@pytest.mark.parametrize("engine", ["fast", "reference"])
def test_trending_exposure_raises_reach(engine):
    """Readers from the list: mean reach over 4 seeds at least doubles (the off runs
    reach few beyond the origins' followers at this virality)."""
    tr = {"enabled": True, "list_size": 5, "background_top_per_million": 0.0, "exposure_top_per_h": 0.05}
    seeds = range(4)
    off = np.mean([sim.simulate(_with(None), seed=s, engine=engine).summary["reach"] for s in seeds])
    on = np.mean([sim.simulate(_with(tr), seed=s, engine=engine).summary["reach"] for s in seeds])
    assert on > 2 * off, (on, off)


def test_unknown_bought_message_is_one_line():
    from sim.errors import ScenarioError
    from sim.scenario.load import load_scenario

    with pytest.raises(ScenarioError, match="trending.buy"):
        load_scenario(_with({"enabled": True, "buy": [{"message": "nope"}]}))


def test_engines_agree_with_feed_and_trending():
    """Fast and reference engines on a small graph with an engagement-ranked limited
    feed and a trending list: two-sample KS on reach, shares and trending hours,
    15 independent runs each, p > 0.001 (a cheap check; the engines use unrelated
    random streams)."""
    cfg = _with({"enabled": True, "list_size": 5, "background_top_per_million": 2e4,
                 "exposure_top_per_h": 0.03})
    cfg["graph"] = {"kind": "scale_free", "n": 800, "mean_degree": 8}
    cfg["messages"] = [{"name": "topic", "virality": 1.5, "origin": "random", "n_origins": 5}]
    cfg["feed"] = {"ranking": "engagement", "items_per_session": 20, "background_per_account_h": 0.3}
    cfg["run"] = {"horizon_h": 36, "replicates": 1}
    out = {}
    for engine, seed0 in (("fast", 0), ("reference", 10_000)):
        rs = [sim.simulate(cfg, seed=s, engine=engine).summary for s in range(seed0, seed0 + 15)]
        out[engine] = {k: np.array([r[k] for r in rs], float) for k in ("reach", "shares", "trending_hours")}
        assert out[engine]["reach"].mean() > 20  # the topic spreads beyond its 5 origins
    for k in out["fast"]:
        a, b = out["fast"][k], out["reference"][k]
        assert np.ptp(a) > 0 or np.ptp(b) > 0, k  # the check can discriminate
        p = st.ks_2samp(a, b).pvalue
        assert p > 0.001, (k, a.mean(), b.mean(), p)
