"""Cascade statistics (issue 15, item 2): exact on tiny trees, the power-law MLE on Zipf samples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis.cascade_stats import (
    compare,
    fit_power_law,
    from_model_cascades,
    log_ccdf,
    per_cascade,
)
from sim.checks.theory import DATA_DIR
from sim.data import load_cascades


def chain(n, cid="c"):
    return pd.DataFrame({"cascade": cid, "node": np.arange(n), "parent": np.arange(n) - 1,
                         "delay_min": np.arange(n) * 30.0})


def star(n, cid="s"):
    return pd.DataFrame({"cascade": cid, "node": np.arange(n), "parent": np.r_[-1, np.zeros(n - 1, int)],
                         "delay_min": np.r_[0.0, np.full(n - 1, 120.0)]})


def test_exact_chain_and_star():
    t = per_cascade(pd.concat([chain(10), star(6)], ignore_index=True))
    c, s = t.loc["c"], t.loc["s"]
    assert c["size"] == 10 and c["depth_max"] == 9 and c["breadth_max"] == 1
    assert c["structural_virality"] == pytest.approx(11 / 3)  # (n+1)/3 for a chain of n
    assert c["share_depth1"] == pytest.approx(1 / 9) and c["depth_mean"] == pytest.approx(4.5)
    # delays 0.5, 1.0, ..., 4.5 h: 2 of 9 within 1 h, median 2.5 h
    assert c["within_1h"] == pytest.approx(2 / 9) and c["t50_h"] == pytest.approx(2.5)
    assert s["depth_max"] == 1 and s["share_depth1"] == 1 and s["breadth_max"] == 5
    assert s["structural_virality"] == pytest.approx(2 * 5 * 5 / (6 * 5))
    assert s["within_1h"] == 0 and s["within_8h"] == 1


def test_binary_tree_virality_by_brute_force():
    import networkx as nx

    n = 31
    parent = np.r_[-1, (np.arange(1, n) - 1) // 2]
    rng = np.random.default_rng(3)
    perm = np.r_[0, rng.permutation(np.arange(1, n))]  # arbitrary node numbering
    df = pd.DataFrame({"cascade": "b", "node": perm, "parent": np.where(parent < 0, -1, perm[np.maximum(parent, 0)]),
                       "delay_min": np.arange(n, dtype=float)})
    g = nx.Graph([(perm[i], perm[parent[i]]) for i in range(1, n)])
    assert per_cascade(df).loc["b", "structural_virality"] == pytest.approx(nx.average_shortest_path_length(g))
    assert per_cascade(df).loc["b", "depth_max"] == 4


def test_timing_only_has_no_tree_stats():
    t = per_cascade(chain(5).drop(columns="parent"))
    assert np.isnan(t.loc["c", "depth_max"]) and t.loc["c", "t50_h"] == pytest.approx(1.25)


def test_from_model_cascades_splits_origins():
    m = pd.DataFrame({"message": ["x"] * 6, "account": [7, 3, 9, 4, 5, 8], "parent": [-1, 7, 3, -1, 4, 7],
                      "t_min": [60.0, 70, 80, 120, 150, 65], "generation": [0, 1, 2, 0, 1, 1]})
    nodes = from_model_cascades(m, label="r0/")
    t = per_cascade(nodes)
    assert sorted(t.index) == ["r0/x:4", "r0/x:7"]
    assert t.loc["r0/x:7", "size"] == 4 and t.loc["r0/x:7", "depth_max"] == 2
    a = nodes[nodes.cascade == "r0/x:7"]
    assert a.delay_min.tolist() == [0, 5, 10, 20] and a.node.tolist() == [0, 1, 2, 3]
    assert a.parent.tolist() == [-1, 0, 0, 2]


@pytest.mark.parametrize("alpha", [2.0, 2.5])
def test_power_law_mle_recovers_zipf_exponent(alpha):
    x = np.random.default_rng(11).zipf(alpha, 20_000)
    fit = fit_power_law(x, xmin=1)
    assert abs(fit.alpha - alpha) < 3 * fit.se and fit.se < 0.02
    tail = fit_power_law(x[x >= 1], xmin=4)
    assert abs(tail.alpha - alpha) < 3 * tail.se


def test_power_law_xmin_by_ks_finds_the_tail():
    rng = np.random.default_rng(5)
    body = rng.integers(1, 20, 3000)  # flat body below 20
    tail = rng.zipf(2.2, 200_000)
    tail = tail[tail >= 20][:3000]
    fit = fit_power_law(np.r_[body, tail])
    assert 15 <= fit.xmin <= 30 and abs(fit.alpha - 2.2) < 0.1, fit


def test_log_ccdf_and_compare():
    s, p = log_ccdf(np.array([1, 2, 2, 4, 100]))
    assert s[0] == 1 and p[0] == 1.0 and p[-1] == pytest.approx(0.2)
    a = pd.DataFrame({"size": np.arange(100.0)})
    b = pd.DataFrame({"size": np.arange(100.0) + 50})
    row = compare(a, b, ("size",)).iloc[0]
    assert row["diff"] == pytest.approx(50) and row["diff_lo"] < 50 < row["diff_hi"]
    assert row["wasserstein"] == pytest.approx(50) and row["ks"] == pytest.approx(0.5)


@pytest.mark.skipif(not (DATA_DIR / "twitter15_trees.csv.gz").exists(), reason="shared data absent")
def test_twitter15_matches_published_figures():
    t = per_cascade(load_cascades(DATA_DIR / "twitter15_trees.csv.gz").nodes).median()
    assert t["size"] == 260 and t["depth_max"] == 3 and t["breadth_max"] == 198
    assert t["t50_h"] == pytest.approx(0.70, abs=0.005) and t["within_1h"] == pytest.approx(0.57, abs=0.005)
    assert t["structural_virality"] == pytest.approx(2.34, abs=0.005)
    assert t["share_depth1"] == pytest.approx(0.84, abs=0.005)
    h = load_cascades(DATA_DIR / "higgs_retweeters_per_user.csv.gz")
    fit = fit_power_law(h.sizes.to_numpy() - 1, xmin=50)  # distinct retweeters, as the README fits
    assert fit.alpha == pytest.approx(2.00, abs=0.02)
