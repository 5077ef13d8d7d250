"""Core I: the ``independent_cascade`` preset against exact values and theory, and
reproducibility of runs.

The preset draws its seed account uniformly at random (unless
``messages[0].origin`` names a node, see ``test_ic_named_seed_node``). The
tiny-graph tests use the random draw and *condition on it*: the seed account of
each run is read back from the engine (the one account whose status is
"origin") and the cascade of the runs started from node ``s`` is compared with
the exact IC distribution started from ``s``, for every ``s`` (which also checks
the direction of edges). The seed draw (``seeding`` stream) and the cascade
draws (``engine`` key) come from independent streams, so conditioning leaves the
cascade distribution exact. The seed itself is tested for uniformity.

Exact values come from the live-edge representation of IC (Kempe, Kleinberg &
Tardos 2003): enumerate every subset of live edges, each edge live with
probability p; the sharers are the nodes reachable from the seed along live
edges, and the aware accounts are the sharers and their followers (every
follower reads a post one step later under the preset).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import optimize
from scipy import stats as st

import sim
from sim.api import build_model
from sim.model.outputs import collect_result

ROOT = Path(__file__).resolve().parents[1]

GRAPHS = {
    # name: (nodes, edges u -> v meaning v follows u)
    "path": (3, [(0, 1), (1, 2)]),
    "star": (4, [(0, 1), (0, 2), (0, 3)]),
    "diamond": (4, [(0, 1), (0, 2), (1, 3), (2, 3)]),
}
#: E[shares] from node 0 (s) given in the issue
CLOSED_FORM = {
    "path": lambda p: 1 + p + p**2,
    "star": lambda p: 1 + 3 * p,
    "diamond": lambda p: 1 + 2 * p + 2 * p**2 - p**4,
}


def ic_config(path: str, p: float, horizon_h: float = 6.0, **run) -> dict:
    return {
        "graph": {"kind": "file", "path": path},
        "dynamics": {"preset": "independent_cascade", "p": p, "seeds": 1},
        "run": {"horizon_h": horizon_h, **run},
    }


def live_edge_distribution(n: int, edges: list[tuple[int, int]], p: float, seed: int) -> dict:
    """Exact distribution of (shares, reach) of IC started from ``seed``."""
    dist: dict[tuple[int, int], float] = {}
    m = len(edges)
    for mask in range(2**m):
        live = [edges[i] for i in range(m) if mask >> i & 1]
        prob = p ** len(live) * (1 - p) ** (m - len(live))
        if prob == 0.0:
            continue
        reached, stack = {seed}, [seed]
        while stack:
            u = stack.pop()
            for a, b in live:
                if a == u and b not in reached:
                    reached.add(b)
                    stack.append(b)
        aware = reached | {b for a, b in edges if a in reached}
        key = (len(reached), len(aware))
        dist[key] = dist.get(key, 0.0) + prob
    return dist


def _moments(dist: dict, idx: int) -> tuple[float, float]:
    mean = sum(k[idx] * q for k, q in dist.items())
    var = sum((k[idx] - mean) ** 2 * q for k, q in dist.items())
    return mean, math.sqrt(var)


def origin_of(model) -> int:
    """The account that originated message 0 (engine-agnostic)."""
    eng = model.engine
    if model.engine_name == "fast":
        origins = np.flatnonzero(eng.status[0] == 3)
    else:
        origins = np.array([a.node for a in eng.accounts if a.status[0] == "origin"])
    assert origins.size == 1
    return int(origins[0])


def run_tiny(path: str, p: float, n_runs: int, engine: str, seed0: int = 0):
    """Origins, shares and reach of ``n_runs`` runs (seeds seed0, seed0 + 1, ...)."""
    cfg = ic_config(path, p)
    out = np.zeros((n_runs, 3), dtype=np.int64)
    for i in range(n_runs):
        model = build_model(cfg, seed=seed0 + i, engine=engine)
        model.run()
        c = model.engine.counters
        out[i] = origin_of(model), c.new_shares[:, 0].sum(), c.new_aware[:, 0].sum()
    return out


# --------------------------------------------------------------------------- oracle


@pytest.mark.parametrize("name", list(GRAPHS))
@pytest.mark.parametrize("p", [0.0, 0.3, 0.7, 1.0])
def test_live_edge_oracle_matches_closed_forms(name, p):
    n, edges = GRAPHS[name]
    mean, _ = _moments(live_edge_distribution(n, edges, p, 0), 0)
    assert mean == pytest.approx(CLOSED_FORM[name](p), abs=1e-12)


# --------------------------------------------------------------------------- exact tiny graphs

# (graph, p, runs): about runs / n runs start from each node. The diamond uses
# p = 0.7, where the -p^4 term ("t shares once") is 0.24, 5 standard errors.
TINY_CASES = [("path", 0.4, 1800), ("star", 0.4, 2000), ("diamond", 0.7, 2400)]


@pytest.mark.parametrize("engine", ["fast", "reference"])
@pytest.mark.parametrize("name,p,n_runs", TINY_CASES, ids=[c[0] for c in TINY_CASES])
def test_ic_tiny_graph_exact(edge_file, name, p, n_runs, engine):
    """Monte Carlo vs exact IC on tiny directed graphs, conditional on the seed node.

    Tolerances: for every seed node s, mean shares and mean reach within 4
    exact standard errors of the exact values; the full distribution of shares
    passes a chi-square goodness-of-fit test at level 0.001; the seed node is
    uniform (chi-square, level 0.001). Engines use disjoint seed ranges.
    """
    n, edges = GRAPHS[name]
    path = edge_file(edges)
    seed0 = 0 if engine == "fast" else 100_000
    res = run_tiny(path, p, n_runs, engine, seed0)
    origins, shares, reach = res[:, 0], res[:, 1], res[:, 2]

    counts = np.bincount(origins, minlength=n)
    assert counts.size == n
    assert st.chisquare(counts).pvalue > 1e-3

    for s in range(n):
        dist = live_edge_distribution(n, edges, p, s)
        sel = origins == s
        k = int(sel.sum())
        for idx, obs in ((0, shares[sel]), (1, reach[sel])):
            mean, sd = _moments(dist, idx)
            assert abs(obs.mean() - mean) <= 4 * sd / math.sqrt(k) + 1e-12, (
                s,
                idx,
                obs.mean(),
                mean,
            )
        # goodness of fit of the share-count distribution
        sizes = sorted({key[0] for key in dist})
        probs = np.array([sum(q for key, q in dist.items() if key[0] == z) for z in sizes])
        observed = np.array([(shares[sel] == z).sum() for z in sizes])
        assert observed.sum() == k, "a cascade size outside the exact support"
        if len(sizes) > 1:
            assert st.chisquare(observed, probs * k).pvalue > 1e-3, (s, observed, probs * k)
    # the closed form, for runs seeded at s = node 0
    sel = origins == 0
    assert abs(shares[sel].mean() - CLOSED_FORM[name](p)) <= 4 * _moments(
        live_edge_distribution(n, edges, p, 0), 0
    )[1] / math.sqrt(sel.sum())


def test_ic_named_seed_node(edge_file):
    """``messages[0].origin = s`` fixes the seed node under the preset: every run
    starts at s, and the diamond's shares from s (node 0) average
    1 + 2p + 2p^2 - p^4 within 4 exact standard errors (p = 0.7, 1,000 runs)."""
    n, edges = GRAPHS["diamond"]
    cfg = ic_config(edge_file(edges), 0.7)
    cfg["messages"] = [{"origin": 0}]
    shares = []
    for s in range(1000):
        model = build_model(cfg, seed=s)
        model.run()
        assert origin_of(model) == 0
        shares.append(model.engine.counters.new_shares[:, 0].sum())
    _, sd = _moments(live_edge_distribution(n, edges, 0.7, 0), 0)
    assert abs(np.mean(shares) - CLOSED_FORM["diamond"](0.7)) <= 4 * sd / math.sqrt(len(shares))


@pytest.mark.parametrize("engine", ["fast", "reference"])
@pytest.mark.parametrize("name", list(GRAPHS))
def test_ic_deterministic_extremes(edge_file, name, engine):
    """p = 1: the sharers are exactly the nodes reachable from the seed (along edge
    direction); p = 0: only the seed shares. Exact, for every run."""
    n, edges = GRAPHS[name]
    path = edge_file(edges)
    for p in (0.0, 1.0):
        res = run_tiny(path, p, 12, engine)
        for origin, shares, reach in res:
            dist = live_edge_distribution(n, edges, p, int(origin))
            assert list(dist) == [(shares, reach)]


@pytest.mark.parametrize("engine", ["fast", "reference"])
def test_ic_one_hop_per_step(edge_file, engine):
    """Under the preset a sharer's followers share one step later: on the path
    0 -> 1 -> 2 with p = 1 each node shares one step after its parent, also with
    30-minute steps (hourly series then holds two shares per hour)."""
    path = edge_file(GRAPHS["path"][1])
    for seed in range(8):
        model = build_model(ic_config(path, 1.0), seed=seed, engine=engine)
        model.run()
        o = origin_of(model)
        per_step = model.engine.counters.new_shares[:, 0]
        assert per_step.tolist() == [1] * (3 - o) + [0] * (per_step.size - 3 + o)
    for seed in range(8):
        model = build_model(
            ic_config(path, 1.0, horizon_h=3, step_minutes=30), seed=seed, engine=engine
        )
        model.run()
        o = origin_of(model)
        hourly = collect_result(model).series["new_shares"].tolist()
        expected = {0: [2, 1, 0], 1: [2, 0, 0], 2: [1, 0, 0]}[o]
        assert hourly == expected


def test_ic_seed_count(edge_file):
    """``dynamics.seeds = k``: exactly k origin accounts, all distinct."""
    edges = [(i, (i + 1) % 30) for i in range(30)]
    path = edge_file(edges)
    for k in (1, 3, 7):
        cfg = ic_config(path, 0.0)
        cfg["dynamics"]["seeds"] = k
        model = build_model(cfg, seed=k)
        model.run()
        assert int((model.engine.status[0] == 3).sum()) == k
        assert int(model.engine.counters.new_shares[:, 0].sum()) == k


# --------------------------------------------------------------------------- percolation


def _er_ic(p: float, n_runs: int, seed0: int):
    n = 100_000
    cfg = {
        "graph": {"kind": "erdos_renyi", "n": n, "mean_degree": 10, "directed": False},
        "dynamics": {"preset": "independent_cascade", "p": p, "seeds": 1},
        "run": {"horizon_h": 150},
    }
    fractions = []
    for s in range(seed0, seed0 + n_runs):
        r = sim.simulate(cfg, seed=s)
        new = r.series["new_shares"].to_numpy()
        assert new[-40:].sum() == 0, "cascade still running at the horizon"
        fractions.append(r.summary["shares"] / n)
    return np.array(fractions)


@pytest.mark.slow
def test_bond_percolation_supercritical():
    """Undirected Erdős–Rényi, N = 1e5, c = 10, p = 0.2 (Newman 2002).

    A large outbreak (> 1 % of N) ends at the giant-component fraction S, the root
    of S = 1 - exp(-c p S) (0.7968): the mean final fraction of large outbreaks
    must be within 0.01 of S (its standard error is about 0.001). For an
    undirected graph a single seed starts a large outbreak with probability S
    too: binomial test at level 0.001 over 40 runs. Small outbreaks stay tiny
    (< 0.1 % of N).
    """
    c, p = 10.0, 0.2
    s_theory = optimize.brentq(lambda s: s - 1 + math.exp(-c * p * s), 1e-6, 1.0)
    assert s_theory == pytest.approx(0.797, abs=1e-3)
    frac = _er_ic(p, 40, 0)
    large = frac > 0.01
    assert large.sum() >= 10
    assert abs(frac[large].mean() - s_theory) < 0.01
    assert np.all(frac[~large] < 0.001)
    assert st.binomtest(int(large.sum()), large.size, s_theory).pvalue > 1e-3


def test_bond_percolation_subcritical():
    """c p = 0.5 < 1: no outbreak exceeds 1 % of N in 40 runs (mean size 1/(1 - cp) = 2)."""
    frac = _er_ic(0.05, 40, 1000)
    assert np.all(frac <= 0.01)
    # mean outbreak size of a subcritical branching process with mean 0.5 offspring:
    # 2 sharers (sd about 1.4 per run, so 4 SE over 40 runs is 0.9)
    assert abs(frac.mean() * 100_000 - 2.0) < 0.9


# --------------------------------------------------------------------------- reproducibility

DEFAULT_CRISIS = {
    "graph": {"kind": "scale_free", "n": 3000, "mean_degree": 10},
    "messages": [{"name": "topic", "virality": 1.5, "n_origins": 3}],
    "crisis": {"start_h": 24, "virality": 2.0, "strategy": "delete", "discovery_rate_per_h": 0.1},
    "run": {"horizon_h": 120},
}
IC_ER = {
    "graph": {"kind": "erdos_renyi", "n": 20000, "mean_degree": 6, "directed": False},
    "dynamics": {"preset": "independent_cascade", "p": 0.3, "seeds": 2},
    "run": {"horizon_h": 60},
}


def _fingerprint(result) -> str:
    """Hash of the series (CSV) and the summary (JSON) of a result."""
    h = hashlib.sha256(result.series.to_csv(index=False).encode())
    h.update(json.dumps(result.summary, sort_keys=True, default=str).encode())
    return h.hexdigest()


def test_same_seed_same_series():
    for cfg in (DEFAULT_CRISIS, IC_ER):
        a, b = sim.simulate(cfg, seed=11), sim.simulate(cfg, seed=11)
        pd.testing.assert_frame_equal(a.series, b.series)
        assert _fingerprint(a) == _fingerprint(b)
        c = sim.simulate(cfg, seed=12)
        assert _fingerprint(a) != _fingerprint(c)
    small = dict(
        DEFAULT_CRISIS,
        graph={"kind": "scale_free", "n": 600, "mean_degree": 8},
        run={"horizon_h": 60},
    )
    a, b = (
        sim.simulate(small, seed=3, engine="reference"),
        sim.simulate(small, seed=3, engine="reference"),
    )
    assert _fingerprint(a) == _fingerprint(b)


_CHILD = """
import hashlib, json, sys
import sim
import numba
cfgs = json.loads(sys.argv[1])
out = []
for cfg in cfgs:
    r = sim.simulate(cfg, seed=11)
    h = hashlib.sha256(r.series.to_csv(index=False).encode())
    h.update(json.dumps(r.summary, sort_keys=True, default=str).encode())
    out.append(h.hexdigest())
print(json.dumps({"threads": numba.config.NUMBA_NUM_THREADS, "hashes": out}))
"""


def test_thread_count_does_not_change_results():
    """NUMBA_NUM_THREADS = 1 and 2 (fresh interpreters) give the same series
    and summary, equal to this process's."""
    here = [_fingerprint(sim.simulate(cfg, seed=11)) for cfg in (DEFAULT_CRISIS, IC_ER)]
    for threads in ("1", "2"):
        env = dict(os.environ, NUMBA_NUM_THREADS=threads)
        proc = subprocess.run(
            [sys.executable, "-c", _CHILD, json.dumps([DEFAULT_CRISIS, IC_ER])],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        got = json.loads(proc.stdout.strip().splitlines()[-1])
        assert got["threads"] == int(threads)
        assert got["hashes"] == here
