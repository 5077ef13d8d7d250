"""Cascade trees (issue 13, item 3): the statistics of sim.analysis.trees exactly on
tiny trees, the trees both engines record on tiny graphs (p = 1: deterministic),
the synchronous path against the general kernel (identical tables), recording
switched off, and fast vs reference distributions of depth and structural virality
(two-sample KS)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as st

import sim
from sim.analysis.trees import CASCADE_COLUMNS, generations, parent_index, tree_stats
from sim.api import build_model
from sim.engine.fast import FastEngine
from sim.model.outputs import collect_result

# --------------------------------------------------------------------------- pure statistics


@pytest.mark.parametrize("n", [2, 3, 7, 50])
def test_tree_stats_path(n):
    """A path of n nodes: depth n - 1, structural virality (n + 1) / 3."""
    st_ = tree_stats(np.arange(-1, n - 1))
    assert st_["depth_max"] == n - 1
    assert st_["structural_virality"] == pytest.approx((n + 1) / 3, rel=1e-12)
    assert st_["breadth_max"] == 1
    assert st_["share_depth1"] == pytest.approx(1 / (n - 1))


def test_tree_stats_star_and_forest_by_brute_force():
    """A star (depth 1, share_depth1 = 1, SV 2(n-1)/n), and a random forest whose
    largest tree's mean pair distance is computed by brute force (BFS per pair)."""
    s = tree_stats([-1] + [0] * 9)
    assert (s["depth_max"], s["share_depth1"], s["breadth_max"]) == (1, 1.0, 9)
    assert s["structural_virality"] == pytest.approx(2 * 9 / 10)
    rng = np.random.default_rng(3)
    n = 60
    parent = np.array([-1 if i in (0, 5) else int(rng.integers(0, i)) for i in range(n)])
    perm = rng.permutation(n)  # any order of the rows
    inv = np.argsort(perm)
    shuffled = np.where(parent[perm] < 0, -1, inv[np.maximum(parent[perm], 0)])
    got = tree_stats(shuffled)
    gen = generations(parent)
    root = np.array([i if parent[i] < 0 else 0 for i in range(n)])
    for i in range(n):
        r = i
        while parent[r] >= 0:
            r = parent[r]
        root[i] = r
    sizes = {r: int((root == r).sum()) for r in (0, 5)}
    big = max(sizes, key=lambda r: (sizes[r], -r))
    nodes = np.flatnonzero(root == big)

    def ancestors(v):
        out = [v]
        while parent[v] >= 0:
            v = parent[v]
            out.append(v)
        return out

    total = 0
    for a in range(len(nodes)):
        for b in range(a + 1, len(nodes)):
            pa, pb = ancestors(nodes[a]), ancestors(nodes[b])
            lca = next(x for x in pa if x in set(pb))
            total += gen[nodes[a]] + gen[nodes[b]] - 2 * gen[lca]
    k = len(nodes)
    assert got["structural_virality"] == pytest.approx(total / (k * (k - 1) / 2), rel=1e-12)
    assert got["depth_max"] == gen.max() and got["n_trees"] == 2
    assert got["share_depth1"] == pytest.approx((gen == 1).sum() / (n - 2))


def test_parent_index_and_empty():
    assert parent_index([7, 3, 9], [-1, 7, 3]).tolist() == [-1, 0, 1]
    assert parent_index([7, 3], [-1, 11]).tolist() == [-1, -1]  # unknown parent: a root
    e = tree_stats([])
    assert e["n_trees"] == 0 and np.isnan(e["depth_max"]) and np.isnan(e["structural_virality"])


# --------------------------------------------------------------------------- engines


def _cfg(path, p=1.0, **run):
    return {
        "graph": {"kind": "file", "path": path},
        "dynamics": {"preset": "independent_cascade", "p": p, "seeds": 1},
        "messages": [{"origin": 0}],
        "run": {"horizon_h": 24, **run},
    }


@pytest.mark.parametrize("engine", ["fast", "reference"])
def test_directed_path_p1(edge_file, engine):
    """A directed path of n = 6 accounts from node 0, p = 1: every account shares,
    each from its predecessor one hour later; depth n - 1, SV (n + 1) / 3."""
    n = 6
    r = sim.simulate(_cfg(edge_file([(i, i + 1) for i in range(n - 1)])), seed=1, engine=engine)
    c = r.cascades
    assert list(c.columns) == list(CASCADE_COLUMNS)
    assert c["account"].tolist() == list(range(n))
    assert c["parent"].tolist() == [-1] + list(range(n - 1))
    assert c["generation"].tolist() == list(range(n))
    assert c["t_min"].tolist() == [60.0 * i for i in range(n)]
    assert r.summary["depth_max"] == n - 1
    assert r.summary["structural_virality"] == pytest.approx((n + 1) / 3)
    assert r.summary["share_depth1"] == pytest.approx(1 / (n - 1))
    assert set(r.timings) >= {"build_s", "run_s"} and r.timings["run_s"] >= 0


@pytest.mark.parametrize("engine", ["fast", "reference"])
def test_star_p1(edge_file, engine):
    r = sim.simulate(_cfg(edge_file([(0, k) for k in range(1, 6)])), seed=1, engine=engine)
    assert r.summary["depth_max"] == 1 and r.summary["share_depth1"] == 1.0
    assert r.summary["breadth_max"] == 5
    assert sorted(r.cascades["parent"].tolist()) == [-1] + [0] * 5


def test_recording_off_and_no_shares_store_nothing(edge_file):
    path = edge_file([(i, i + 1) for i in range(5)])
    m = build_model(_cfg(path, record_cascades=False), seed=1)
    m.run()
    assert m.engine.log.acc.size == 0
    r = collect_result(m)
    assert len(r.cascades) == 0 and list(r.cascades.columns) == list(CASCADE_COLUMNS)
    assert "depth_max" not in r.summary
    cfg = {"graph": {"kind": "file", "path": path}, "brand": {"enabled": False},
           "messages": [], "run": {"horizon_h": 24}}  # nothing is ever posted
    m = build_model(cfg, seed=1)
    m.run()
    r = collect_result(m)  # a scenario with no message at all runs and reports zeros
    assert m.engine.log.acc.size == 0 and len(r.cascades) == 0 and r.summary["shares"] == 0


def test_synchronous_path_records_the_general_kernels_trees(monkeypatch):
    """The IC preset at p = 0.2 on 3,000 accounts: the synchronous path and the
    general kernel record identical cascade tables."""
    cfg = {
        "graph": {"kind": "scale_free", "n": 3000, "mean_degree": 8},
        "dynamics": {"preset": "independent_cascade", "p": 0.2, "seeds": 3},
        "run": {"horizon_h": 48},
    }
    tables = []
    for allowed in (True, False):
        monkeypatch.setattr(FastEngine, "synchronous_allowed", allowed)
        m = build_model(cfg, seed=4)
        assert m.engine.synchronous is allowed
        m.run()
        tables.append(collect_result(m).cascades)
    assert len(tables[0]) > 50
    assert tables[0].equals(tables[1])


# Full default rule, one message from 3 random origins on 500 accounts.
AGREE = {
    "graph": {"kind": "scale_free", "n": 500, "mean_degree": 10},
    "messages": [{"name": "topic", "virality": 2.5, "n_origins": 3}],
    "run": {"horizon_h": 72},
}


def test_fast_matches_reference_trees():
    """100 runs per engine (disjoint seeds): the distributions of depth_max,
    depth_mean and structural virality agree (two-sample KS, p > 0.001 each)."""
    keys = ["depth_max", "depth_mean", "structural_virality", "shares"]
    out = {}
    for engine, seed0 in (("fast", 0), ("reference", 1_000_000)):
        rows = [sim.simulate(AGREE, seed=s, engine=engine).summary for s in range(seed0, seed0 + 100)]
        out[engine] = {k: np.array([r[k] for r in rows], dtype=float) for k in keys}
    f, r = out["fast"], out["reference"]
    assert np.median(f["shares"]) > 10 and np.median(f["depth_max"]) >= 2  # the comparison has power
    for k in keys[:3]:
        a, b = f[k][~np.isnan(f[k])], r[k][~np.isnan(r[k])]
        assert st.ks_2samp(a, b).pvalue > 1e-3, k


def test_tree_stats_reproduce_the_published_twitter15_figures():
    """tree_stats on the 1,490 real Twitter15 trees (../shared/data, skipped when
    absent) gives the per-cascade medians stated in the data's README: max depth 3,
    mean depth 1.18, largest generation 198, structural virality 2.34, 84 % of
    retweets straight from the source (to the README's rounding)."""
    import pandas as pd

    from sim.checks.theory import DATA_DIR

    path = DATA_DIR / "twitter15_trees.csv.gz"
    if not path.exists():
        pytest.skip(f"{path} not found")
    df = pd.read_csv(path)
    rows = []
    for _, g in df.groupby("cascade", sort=False):
        rows.append(tree_stats(parent_index(g["node"].to_numpy(), g["parent"].to_numpy())))
    med = pd.DataFrame(rows).median()
    assert med["depth_max"] == 3 and med["breadth_max"] == 198
    assert round(med["depth_mean"], 2) == 1.18
    assert round(med["structural_virality"], 2) == 2.34
    assert round(med["share_depth1"], 2) == 0.84
