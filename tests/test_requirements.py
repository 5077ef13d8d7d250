"""Issue 16, item 1: the requirements ``buzzsim validate --data`` judges, and the media layer.

Exact tests on small tables (each requirement met in one case and not met in another)
and on small graphs; the measurements themselves run in ``buzzsim validate --data``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis.cascade_stats import PowerLawFit
from sim.calibration.requirements import data_requirements, format_requirement, tail_requirement
from sim.calibration.sampling import sample_model
from sim.errors import GraphError
from sim.graph import build_graph
from sim.graph.generators import add_media_layer, scale_free
from sim.scenario.load import load_scenario
from sim.scenario.schema import GraphConfig


def _table(w1, w8, depth, sv, n=20):
    return pd.DataFrame({"within_1h": np.full(n, w1), "within_8h": np.full(n, w8),
                         "depth_max": np.full(n, depth), "structural_virality": np.full(n, sv)})


DATA = pd.concat([_table(0.6, 0.9, 3, 2.2, 10), _table(0.6, 0.9, 4, 2.6, 10)], ignore_index=True)


def test_requirements_met_when_the_model_matches():
    reqs = data_requirements(DATA, _table(0.55, 0.95, 3, 2.3), data_label="d", setting="x")
    assert [r.met for r in reqs] == [True, True, True, True]
    assert all(r.setting == "x" for r in reqs)


@pytest.mark.parametrize(("model", "failing"), [
    (_table(0.45, 0.9, 3, 2.3), 0),   # within 1 h off by 0.15 > 0.1
    (_table(0.6, 0.75, 3, 2.3), 1),   # within 8 h off by 0.15
    (_table(0.6, 0.9, 10, 2.3), 2),   # a chain: depth outside the IQR 3-4
    (_table(0.6, 0.9, 3, 5.0), 3),    # structural virality outside the IQR
])
def test_a_requirement_can_fail(model, failing):
    reqs = data_requirements(DATA, model, data_label="d", setting="x")
    assert [r.met for r in reqs] == [i != failing for i in range(4)]
    assert format_requirement(reqs[failing]).startswith("NOT MET")


def test_too_few_model_cascades_fail_every_requirement():
    reqs = data_requirements(DATA, _table(0.6, 0.9, 3, 2.3, n=3), data_label="d", setting="x")
    assert [r.met for r in reqs] == [False] * 4 and all("only 3 qualifying" in r.detail for r in reqs)


def test_no_model_cascade_fails_every_requirement():
    reqs = data_requirements(DATA, _table(0.6, 0.9, 3, 2.3).iloc[:0], data_label="d", setting="x")
    assert [r.met for r in reqs] == [False] * 4


def test_tail_requirement_within_0_3():
    data = PowerLawFit(2.0, 0.03, 50, 500, 0.02, "KS")
    assert tail_requirement(data, PowerLawFit(2.25, 0.1, 50, 80, 0.05, "given"), data_label="h", setting="x").met
    assert not tail_requirement(data, PowerLawFit(2.4, 0.1, 50, 80, 0.05, "given"), data_label="h", setting="x").met
    few = tail_requirement(data, PowerLawFit(2.0, 0.4, 50, 5, 0.1, "given"), data_label="h", setting="x")
    assert not few.met and "only 5 model cascades" in few.detail
    assert not tail_requirement(data, PowerLawFit(float("nan"), float("nan"), 50, 1, float("nan"), "given"),
                                data_label="h", setting="x").met


def test_media_layer_gives_the_largest_accounts_their_audiences():
    g = scale_free(5_000, 6, rng=np.random.default_rng(1))
    top = np.argsort(-g.follower_count(), kind="stable")[:3]
    m = add_media_layer(g, 3, rng=np.random.default_rng(2), followers_min=1_000, followers_max=2_000)
    f = m.follower_count()
    assert np.all((f[top] >= 1_000) & (f[top] <= 2_000))
    rest = np.setdiff1d(np.arange(g.n), top)
    assert np.array_equal(f[rest], g.follower_count()[rest])  # nobody else gains followers
    # every old edge is kept
    for u in top:
        old = g.indices[g.indptr[u]:g.indptr[u + 1]]
        new = m.indices[m.indptr[u]:m.indptr[u + 1]]
        assert np.isin(old, new).all() and u not in new


def test_media_layer_keeps_the_mean_degree_and_refuses_what_does_not_fit():
    cfg = GraphConfig(n=20_000, mean_degree=10, media_accounts=2, media_followers_min=20_000,
                      media_followers_max=40_000)  # capped at n - 1: 2 x 19,999 edges of 200,000
    g = build_graph(cfg, np.random.default_rng(0))
    assert abs(g.n_edges / g.n - 10) < 0.5  # within 5 %: the media keep the followers they had
    assert np.sort(g.follower_count())[-2:].tolist() == [19_999, 19_999]
    with pytest.raises(GraphError, match="media_accounts"):
        build_graph(cfg.model_copy(update={"media_accounts": 20}), np.random.default_rng(0))


def test_sample_with_reused_graphs_is_reproducible():
    scn = load_scenario({"graph": {"n": 500}, "brand": {"enabled": False},
                         "messages": [{"name": "post", "origin": "random", "n_origins": 5, "virality": 2.0}],
                         "run": {"horizon_h": 12}})
    a = sample_model(scn, n_cascades=5, min_size=1, horizon_h=12, seed=3, max_runs=4, graphs=2)
    b = sample_model(scn, n_cascades=5, min_size=1, horizon_h=12, seed=3, max_runs=4, graphs=2)
    assert a.runs == b.runs and np.array_equal(a.sizes_all, b.sizes_all)
    pd.testing.assert_frame_equal(a.nodes, b.nodes)


def test_reused_graph_gives_the_numbers_of_a_fresh_one(monkeypatch):
    from sim.graph import cache
    from sim.run.replicates import simulate_task

    monkeypatch.setattr(cache, "MIN_CACHED_ACCOUNTS", 0)
    cache.clear_cache()
    scn = load_scenario({"graph": {"n": 800}, "brand": {"enabled": False},
                         "messages": [{"name": "post", "origin": "random", "n_origins": 3, "virality": 2.0}],
                         "run": {"horizon_h": 24}})
    fresh = simulate_task((0, 0, scn, 5, "fast"))[2]
    first = simulate_task((0, 0, scn, 5, "fast", True))[2]
    again = simulate_task((1, 0, scn, 5, "fast", True))[2]
    other = simulate_task((0, 1, scn, 6, "fast", True))[2]
    same = lambda a, b: pd.Series(a, dtype=object).equals(pd.Series(b, dtype=object))  # noqa: E731 (NaN == NaN)
    assert same(fresh, first) and same(fresh, again)
    assert not same(other, fresh)
    assert cache.cache_info() == {"hits": 1, "misses": 2, "graphs": 2}
    cache.clear_cache()
