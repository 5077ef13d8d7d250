"""The scenarios the suite runs, and how one engine run is timed.

* ``crisis`` — the default crisis scenario: every default of the schema plus a
  ``[crisis]`` section with its defaults (complaint at hour 24 from a small
  customer account, active monitoring, 4 h approval, apology), on a scale-free
  follower graph of ``n`` accounts with mean degree 10, 14-day horizon.
* ``viral`` — the same crisis with the complaint posted by a KOL
  (``origin = "kol"``), so that it spreads: the workload of the full rule's
  speed targets. A replicate *took off* when the complaint was shared by at
  least ``TAKEOFF_SHARE`` of the accounts (:func:`took_off`); the suite reports
  the share of replicates that did.
* ``ic`` — the independent-cascade preset on the same kind of graph, with
  ``p = IC_P`` and ``IC_SEEDS`` random seed accounts (supercritical: the
  cascade reaches most of the graph, so the run is dominated by spreading work).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

__all__ = [
    "IC_P",
    "IC_SEEDS",
    "KINDS",
    "MEAN_DEGREE",
    "TAKEOFF_SHARE",
    "engine_timer",
    "final_shares",
    "memory_breakdown",
    "origin_accounts",
    "release_model",
    "scenario_config",
    "took_off",
    "warm_up_engine",
]

KINDS = ("crisis", "viral", "ic")
#: A complaint "took off" when at least this fraction of the accounts shared it.
TAKEOFF_SHARE = 0.001

MEAN_DEGREE = 10.0
#: IC probability: p * mean out-degree = 2, a supercritical cascade on the
#: directed Chung-Lu graph (independent in/out degrees), reaching ~63 % of accounts.
IC_P = 0.2
#: Seeds per cascade: with 10 seeds the chance that every seed's cascade dies out
#: is negligible, so final sizes are nearly deterministic (tight comparisons).
IC_SEEDS = 10


def scenario_config(kind: str, n: int, *, horizon_h: float | None = None, seed: int = 0) -> dict[str, Any]:
    """The scenario dict of workload ``kind`` ("crisis" or "ic") at ``n`` accounts."""
    cfg: dict[str, Any] = {
        "name": f"bench_{kind}",
        "graph": {"kind": "scale_free", "n": int(n), "mean_degree": MEAN_DEGREE},
        "run": {"seed": int(seed)},
    }
    if horizon_h is not None:
        cfg["run"]["horizon_h"] = float(horizon_h)
    if kind == "crisis":
        cfg["crisis"] = {}
    elif kind == "viral":
        cfg["crisis"] = {"origin": "kol"}
    elif kind == "ic":
        cfg["dynamics"] = {"preset": "independent_cascade", "p": IC_P, "seeds": IC_SEEDS}
    else:
        raise ValueError(f"unknown workload {kind!r} ({', '.join(KINDS)})")
    return cfg


def warm_up_engine(kinds: tuple[str, ...] = ("crisis", "ic"), engines: tuple[str, ...] = ("fast",)) -> None:
    """Build and run tiny models so that every numba kernel is compiled (or loaded
    from its cache) before anything is timed."""
    from sim.api import build_model

    for kind in kinds:
        for engine in engines:
            release_model(build_model(scenario_config(kind, 600, horizon_h=60), seed=12345, engine=engine).run())


def memory_breakdown(model, min_mb: float = 1.0) -> dict[str, float]:
    """MB held by the model's largest numpy arrays (graph, population, engine state and event queue)."""
    out: dict[str, float] = {}
    counted: set[int] = set()  # an array held in several places (e.g. the engine's argument tuple) counts once

    def visit(prefix: str, obj: object) -> None:
        if isinstance(obj, np.ndarray):
            if id(obj) in counted:
                return
            counted.add(id(obj))
            mb = obj.nbytes / 2**20
            if mb >= min_mb:
                out[prefix] = out.get(prefix, 0.0) + mb
        elif isinstance(obj, (tuple, list)):
            for i, x in enumerate(obj):
                visit(f"{prefix}[{i}]", x)

    g = model.population.graph
    visit("graph.indptr", g.indptr)
    visit("graph.indices", g.indices)
    for name, val in vars(model.population).items():
        if name != "graph":
            visit(f"population.{name}", val)
    for name, val in vars(model.engine).items():
        visit(f"engine.{name}", val)
    for name in ("new_shares", "new_aware", "new_target", "new_kol_shares", "totals"):
        visit(f"counters.{name}", getattr(model.engine.counters, name, None))
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))


class engine_timer:
    """Time spent inside ``model.engine.step`` and ``model.engine.inject`` during a run.

    Wraps the two methods of one engine instance (instance attributes; the class
    is untouched). The wrapper costs two ``perf_counter`` calls per step.
    """

    def __init__(self, model) -> None:
        self.s = 0.0
        eng = model.engine
        step, inject = eng.step, eng.inject

        def timed_step(*a, **k):
            t0 = time.perf_counter()
            try:
                return step(*a, **k)
            finally:
                self.s += time.perf_counter() - t0

        def timed_inject(*a, **k):
            t0 = time.perf_counter()
            try:
                return inject(*a, **k)
            finally:
                self.s += time.perf_counter() - t0

        eng.step = timed_step
        eng.inject = timed_inject


def final_shares(model, message: int = 0) -> int:
    """Distinct sharers (origins included) of message ``message`` at the end of a run."""
    return int(model.engine.counters.new_shares[:, message].sum())


def took_off(complaint_shares: float, n_accounts: int) -> bool:
    """Whether a crisis replicate's complaint spread: shared by >= ``TAKEOFF_SHARE`` of the accounts."""
    return float(complaint_shares) >= TAKEOFF_SHARE * int(n_accounts)


def origin_accounts(model, message: int = 0) -> np.ndarray:
    """The accounts that originated message ``message`` (the IC seeds), fast engine."""
    from sim.engine.kernels import ORIGIN

    return np.flatnonzero(model.engine.status[message] == ORIGIN)


def release_model(model) -> tuple[bool, float]:
    """Drop a finished model and free its memory; returns ``(was_retained, retained_mb)``.

    Mesa 3.3's ``Agent._ids`` is a class-level ``defaultdict`` keyed by the model
    (mesa issue #3179, fixed upstream by PR #3180), so a model with agents stays
    alive after the last user reference is dropped. The suite measures how much
    memory that keeps (``retained_mb``: the numpy arrays of the retained model,
    :func:`memory_breakdown` with no lower limit) and then removes the key, so
    that each repetition starts from the same baseline. Only this process is
    affected; ``sim`` is unchanged.
    """
    import gc
    import weakref

    import mesa

    ref = weakref.ref(model)
    del model
    gc.collect()
    m = ref()
    if m is None:
        return False, 0.0
    retained = sum(memory_breakdown(m, min_mb=0.0).values())
    ids = getattr(mesa.Agent, "_ids", None)
    if isinstance(ids, dict):
        ids.pop(m, None)
    del m
    gc.collect()
    return True, retained
