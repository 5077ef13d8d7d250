"""The benchmark suite: what is measured, at which sizes, and the targets.

Sections (the issue's a–d):

a. **scaling** — build time, run time and peak RSS of a crisis that spreads (the
   default crisis with a KOL as the complaint's origin, ``viral``: the full
   rule's workload; the share of replicates whose complaint took off is
   reported) and of the independent-cascade preset on the same graphs (same
   seeds) at 10^4 … 10^7 accounts (mean degree 10), each size in its own process
   (:mod:`benchmarks.scaling`); the scale-free graph's generation alone; and,
   in the full suite, one viral crisis at 5 × 10^7 accounts / 5 × 10^8 edges;
b. **engines** — fast vs reference engine on the same scenarios and seeds at 10^3
   and 10^4 accounts, shorter horizon (same for both);
c. **peers** — cynetdiff, NDlib and EoN on the same graphs, same p, same seed
   accounts as the engine (:mod:`benchmarks.peers`), with a check that the mean
   final sizes agree (otherwise the comparison is void);
d. **machine** — streaming bandwidth, random-gather rate and CSR sweep rate,
   and the engine's exposures per second per thread against the single-thread
   CSR sweep on the benchmark graph (:mod:`benchmarks.machine`);
e. **platforms** — the cost of the platform mechanisms: the 14-day scenario of
   :mod:`benchmarks.platform_overhead` at 10^6 accounts with the feed, the
   trending list (and further platforms when that scenario has them) on vs off,
   one shared graph, CPU time of the run; the ratio of the medians (target <= 3x).

Every comparison is a ratio of numbers measured in the same run. Every reported
number is the median of its repetitions (at least 3, except where the report says
otherwise), set-up and run are timed apart, and numba is warmed up before anything
is timed.
"""

from __future__ import annotations

import gc
import math
import os
import sys
import time
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.harness import Recorder, Timer, mean_se, memory_method

__all__ = ["Plan", "plan_for", "run_suite"]


@dataclass
class Plan:
    """Everything the suite does; :func:`plan_for` gives the standard ones."""

    name: str = "full"
    # a. scaling
    scaling_sizes: list[int] = field(default_factory=lambda: [10**4, 10**5, 10**6, 10**7])
    scaling_kinds: tuple[str, ...] = ("viral", "ic")
    scaling_reps: int = 3
    graph_reps: int = 3  # scale_free alone, at every scaling size
    huge_n: int | None = 5 * 10**7  # one viral crisis at this size (None: not run)
    huge_timeout_s: float = 3600.0
    scaling_horizon_h: float | None = None  # None: the scenario's default (14 days)
    profile_min_n: int = 10**6  # profile (an extra, unreported run) at sizes >= this
    isolate: bool = True  # each scaling size in its own process
    point_timeout_s: float = 3600.0
    # b. fast vs reference
    engine_sizes: list[int] = field(default_factory=lambda: [10**3, 10**4])
    engine_kinds: tuple[str, ...] = ("crisis", "ic")
    engine_horizon_h: float = 72.0
    engine_reps: int = 10  # cheap, and the two engines' outcomes differ seed by seed
    reference_budget_s: float = 120.0  # 3 reference reps must fit in this, else 1
    # c. peers
    peer_sizes: list[int] = field(default_factory=lambda: [10**4, 10**5, 10**6])
    engine_cascades: int = 5
    cynetdiff_cascades: int = 10
    peer_reps: int = 3  # NDlib and EoN cascades per size
    nx_max_n: int = 10**5  # NDlib with peer_reps up to this size
    eon_max_n: int = 10**5  # EoN with peer_reps up to this size
    nx_top_n: int | None = 10**6  # and one cascade each at this size (None: not run)
    target_n: int = 10**6  # size of the IC speed targets
    # d. machine
    machine_elements: int = 5 * 10**7
    machine_reps: int = 3
    graph_seed: int = 20240601
    # e. platforms (benchmarks.platform_overhead's scenario)
    platform_n: int | None = 10**6  # None: not run
    platform_rounds: int = 3  # each round runs every configuration once, same seed

    def with_sizes(self, sizes: list[int]) -> Plan:
        """The plan with the scaling sizes replaced; other sections capped at the largest."""
        sizes = sorted({int(s) for s in sizes})
        top = sizes[-1]
        peers = [s for s in self.peer_sizes if s <= top] or [min(self.peer_sizes[0], top)]
        return replace(
            self,
            scaling_sizes=sizes,
            huge_n=self.huge_n if self.huge_n is not None and self.huge_n <= top else None,
            peer_sizes=peers,
            nx_top_n=self.nx_top_n if self.nx_top_n is not None and self.nx_top_n <= top else None,
            nx_max_n=min(self.nx_max_n, peers[-1]),
            eon_max_n=min(self.eon_max_n, peers[-1]),
            target_n=min(self.target_n, peers[-1]),
            platform_n=min(self.platform_n, top) if self.platform_n is not None else None,
        )


def plan_for(quick: bool = False, sizes: list[int] | None = None) -> Plan:
    """The full plan, or the reduced ``--quick`` one (under two minutes on 2 cores)."""
    if quick:
        plan = Plan(
            name="quick",
            scaling_sizes=[10**4, 10**5, 10**6],
            profile_min_n=10**9,  # no extra profiled run
            huge_n=None,
            engine_sizes=[10**3, 10**4],
            engine_reps=3,
            peer_sizes=[10**4, 10**5, 10**6],
            engine_cascades=3,
            cynetdiff_cascades=5,
            peer_reps=3,
            nx_max_n=10**5,
            eon_max_n=10**4,
            nx_top_n=None,
            machine_elements=2 * 10**7,
        )
    else:
        plan = Plan()
    if sizes:
        plan = plan.with_sizes(sizes)
    return plan


def tiny_plan() -> Plan:
    """A plan small enough for the smoke test (seconds; no timing is meaningful)."""
    return Plan(
        name="tiny",
        scaling_sizes=[600, 1200],
        scaling_reps=1,
        scaling_horizon_h=48.0,
        graph_reps=1,
        huge_n=None,
        profile_min_n=1200,
        isolate=False,
        engine_sizes=[300],
        engine_horizon_h=36.0,
        engine_reps=1,
        peer_sizes=[500, 1000],
        engine_cascades=2,
        cynetdiff_cascades=2,
        peer_reps=2,
        nx_max_n=1000,
        eon_max_n=1000,
        nx_top_n=None,
        target_n=1000,
        machine_elements=10**5,
        machine_reps=1,
        platform_n=2000,
        platform_rounds=1,
    )


# --------------------------------------------------------------------------- helpers

_T0 = time.perf_counter()


def log(msg: str) -> None:
    print(f"[bench {time.perf_counter() - _T0:7.1f}s] {msg}", file=sys.stderr, flush=True)


def _fmt_n(n: int) -> str:
    e = math.log10(n) if n > 0 else 0
    return f"1e{int(e)}" if n > 0 and abs(e - round(e)) < 1e-9 else str(n)


# --------------------------------------------------------------------------- a. scaling


def run_scaling(plan: Plan, rec: Recorder, ctx: dict[str, Any]) -> None:
    from benchmarks.scaling import measure_point, run_isolated

    ctx["profiles"] = {}
    for n in plan.scaling_sizes:
        args = {
            "n": n, "kinds": list(plan.scaling_kinds), "reps": plan.scaling_reps,
            "horizon_h": plan.scaling_horizon_h, "profile": n >= plan.profile_min_n, "seed0": 0,
            "graph_reps": plan.graph_reps,
        }
        log(f"scaling n={_fmt_n(n)} ({', '.join(plan.scaling_kinds)}; {plan.scaling_reps} reps)")
        t0 = time.perf_counter()
        res = run_isolated(args, timeout_s=plan.point_timeout_s) if plan.isolate else measure_point(**args)
        if "error" in res:
            for kind in plan.scaling_kinds:
                rec.add(f"scaling/{kind}", "buzzsim-fast", n, "failed", [], note=res["error"])
            rec.notes.append(f"scaling at {n:,} accounts failed: {res['error']}")
            log(f"  failed: {res['error']}")
            continue
        ctx.setdefault("memory_method", res.get("memory_method"))
        _record_scaling_point(rec, ctx, n, res)
        log(f"  done in {time.perf_counter() - t0:.1f} s")
    if plan.huge_n:
        n = plan.huge_n
        args = {"n": n, "kinds": ["viral"], "reps": 1, "horizon_h": plan.scaling_horizon_h, "profile": False,
                "seed0": 0, "sweep_reps": 0}
        log(f"scaling n={_fmt_n(n)} (viral crisis, 1 repetition)")
        t0 = time.perf_counter()
        res = run_isolated(args, timeout_s=plan.huge_timeout_s) if plan.isolate else measure_point(**args)
        if "error" in res:
            rec.add("scaling/viral", "buzzsim-fast", n, "failed", [], note=res["error"])
            rec.notes.append(f"scaling at {n:,} accounts failed: {res['error']}")
            log(f"  failed: {res['error']}")
        else:
            _record_scaling_point(rec, ctx, n, res)
        log(f"  done in {time.perf_counter() - t0:.1f} s")


def _record_scaling_point(rec: Recorder, ctx: dict[str, Any], n: int, res: dict[str, Any]) -> None:
    """Record the measurements of one scaling size (the output of ``measure_point``)."""
    from benchmarks.workloads import TAKEOFF_SHARE, took_off

    csr1 = res.get("csr1", [])
    csrN = res.get("csrN", [])
    gr = res.get("graph")
    if gr and gr["build_s"]:
        rec.add("scaling/graph", "buzzsim-fast", n, "edges", [float(gr["n_edges"])], "edges")
        rec.add("scaling/graph", "buzzsim-fast", n, "build_s", gr["build_s"], "s",
                note="scale_free(n, mean degree 10) alone")
        rec.add("scaling/graph", "buzzsim-fast", n, "peak_rss_mb", gr["peak_mb"], "MB",
                note="absolute RSS of the measuring process")
    for kind, d in res["kinds"].items():
        b = f"scaling/{kind}"
        impl = "buzzsim-fast"
        if "error" in d:
            rec.add(b, impl, n, "failed", [], note=d["error"])
            rec.notes.append(f"scaling, {kind} at {n:,} accounts: {d['error']} "
                             f"({len(d['build_s'])} repetition(s) completed)")
            log(f"  {kind} failed: {d['error']}")
        if not d["build_s"]:
            continue
        rec.add(b, impl, n, "edges", [float(d["n_edges"])], "edges")
        rec.add(b, impl, n, "build_s", d["build_s"], "s")
        rec.add(b, impl, n, "run_s", d["run_s"], "s", note=f"{d['steps'][0]} steps")
        rec.add(b, impl, n, "engine_step_s", d["engine_s"], "s", note="time inside engine.step/inject")
        peak = [max(x, y) for x, y in zip(d["build_peak_mb"], d["run_peak_mb"])]
        rec.add(b, impl, n, "peak_rss_mb", peak, "MB", note="absolute RSS of the measuring process")
        rec.add(b, impl, n, "build_peak_rss_mb", d["build_peak_mb"], "MB")
        rec.add(b, impl, n, "run_peak_rss_mb", d["run_peak_mb"], "MB")
        rec.add(b, impl, n, "start_rss_mb", d["start_mb"], "MB", note="RSS before the build (interpreter, libraries)")
        rec.add(b, impl, n, "exposures", [float(x) for x in d["exposures"]], "exposures")
        rec.add(b, impl, n, "reads", [float(x) for x in d["reads"]], "reads")
        rec.add(b, impl, n, "final_shares_msg0", [float(s[0]) for s in d["shares"]], "accounts",
                note=f"messages: {', '.join(d['messages'])}")
        if kind == "crisis" and len(d["messages"]) > 1:
            rec.add(b, impl, n, "final_shares_complaint", [float(s[1]) for s in d["shares"]], "accounts")
        rate = [e / t for e, t in zip(d["exposures"], d["run_s"])]
        rec.add(b, impl, n, "exposures_per_s_per_thread", rate, "1/s", note="serial engine: 1 thread")
        if csr1:
            frac = [r / float(np.median(csr1)) for r in rate]
            rec.add(b, impl, n, "exposure_rate_vs_csr1", frac, "fraction",
                    note="exposures/s over the 1-thread CSR sweep of the same graph")
        if "retained_mb" in d:
            rec.add(b, impl, n, "retained_after_drop_mb", d["retained_mb"], "MB",
                    note=("memory a finished model keeps after its last reference is dropped "
                          "(Mesa 3.3 Agent._ids, mesa#3179); released by the suite between repetitions"))
        if "profile" in d:
            ctx["profiles"][(kind, n)] = d["profile"]
        cs = d.get("complaint_shares") or []
        if cs:
            up = [took_off(x, d["n_accounts"]) for x in cs]
            rec.add(b, impl, n, "complaint_shares", [float(x) for x in cs], "accounts")
            rec.add(b, impl, n, "took_off_share", [sum(up) / len(up)], "fraction",
                    note=(f"{sum(up)} of {len(up)} replicates: complaint shared by >= "
                          f"{100 * TAKEOFF_SHARE:g} % of the accounts"))
            runs_up = [t for t, u in zip(d["run_s"], up) if u]
            if runs_up:
                rec.add(b, impl, n, "run_s_took_off", runs_up, "s", note="replicates that took off")
    ic = res["kinds"].get("ic")
    for kind, d in res["kinds"].items():
        # exposures/s of the full rule over those of the IC path, pairwise on the same graph (same seed)
        if kind == "ic" or ic is None or not d["run_s"] or not ic["run_s"]:
            continue
        cs = d.get("complaint_shares") or []
        keep = [i for i, x in enumerate(cs) if took_off(x, d["n_accounts"])] or list(range(len(d["run_s"])))
        keep = [i for i in keep if i < len(ic["run_s"])]
        for metric, tkey, what in (("exposure_rate_vs_ic", "run_s", "whole run"),
                                   ("exposure_rate_in_engine_vs_ic", "engine_s", "inside engine.step")):
            ratios = [(d["exposures"][i] / d[tkey][i]) / (ic["exposures"][i] / ic[tkey][i])
                      for i in keep if d[tkey][i] > 0 and ic[tkey][i] > 0 and ic["exposures"][i] > 0]
            if ratios:
                rec.add(f"scaling/{kind}", "buzzsim-fast", n, metric, ratios, "fraction",
                        note=(f"exposures/s/thread over the IC path's on the same graph ({what}; "
                              f"{len(ratios)} replicate pair(s) where the complaint took off)"))
    if csr1:
        rec.add("machine/csr_sweep", "numba-1thread", n, "edges_per_s", csr1, "edges/s",
                note=f"scaling graph, {res.get('csr_edges', 0):,} edges")
        rec.add("machine/csr_sweep", f"numba-{res.get('threads', 2)}threads", n, "edges_per_s", csrN, "edges/s",
                note=f"scaling graph, {res.get('csr_edges', 0):,} edges")


# --------------------------------------------------------------------------- b. engines


def run_engines(plan: Plan, rec: Recorder, ctx: dict[str, Any]) -> None:
    from benchmarks.workloads import (
        engine_timer,
        final_shares,
        release_model,
        scenario_config,
        warm_up_engine,
    )
    from sim.api import build_model

    warm_up_engine(tuple(plan.engine_kinds), ("fast", "reference"))
    for kind in plan.engine_kinds:
        for n in plan.engine_sizes:
            log(f"engines {kind} n={_fmt_n(n)} (horizon {plan.engine_horizon_h:g} h)")
            per: dict[str, tuple[list[float], list[float]]] = {}
            for engine in ("fast", "reference"):
                build, run, eng, shares = [], [], [], []
                note = ""
                for r in range(plan.engine_reps):
                    gc.collect()
                    cfg = scenario_config(kind, n, horizon_h=plan.engine_horizon_h, seed=r)
                    with Timer() as tb:
                        model = build_model(cfg, seed=r, engine=engine)
                    et = engine_timer(model)
                    with Timer() as tr:
                        model.run()
                    build.append(tb.s)
                    run.append(tr.s)
                    eng.append(et.s)
                    shares.append(float(sum(final_shares(model, m) for m in range(len(model.messages.names)))))
                    del et
                    release_model(model)
                    if (engine == "reference" and r == 0 and plan.engine_reps > 1
                            and (tb.s + tr.s) * plan.engine_reps > plan.reference_budget_s):
                        note = (f"1 repetition: {plan.engine_reps} would take about "
                                f"{(tb.s + tr.s) * plan.engine_reps:.0f} s > {plan.reference_budget_s:.0f} s")
                        rec.notes.append(f"reference engine, {kind} at {n:,} accounts: {note}")
                        break
                impl = f"buzzsim-{engine}"
                b = f"engines/{kind}"
                rec.add(b, impl, n, "build_s", build, "s", note)
                rec.add(b, impl, n, "run_s", run, "s", note)
                rec.add(b, impl, n, "engine_step_s", eng, "s", note or "time inside engine.step/inject")
                rec.add(b, impl, n, "total_shares", shares, "shares", note="all messages")
                per[engine] = (run, shares)
            (fr, fs), (rr, rs) = per["fast"], per["reference"]
            if sum(fr) > 0 and sum(fs) > 0 and sum(rs) > 0:
                rec.add(f"engines/{kind}", "ratio", n, "speedup_total_time", [sum(rr) / sum(fr)], "x",
                        note="sum of reference run times / sum of fast run times over the same seeds")
                rec.add(f"engines/{kind}", "ratio", n, "speedup_per_share", [(sum(rr) / sum(rs)) / (sum(fr) / sum(fs))],
                        "x", note="run time per share (all messages), reference / fast: corrects for different outcomes")
            if min(len(rs), len(fs)) >= 2:
                z, agree = _agreement(rs, fs)
                rec.add(f"engines/{kind}", "ratio", n, "outcome_z", [z], "z",
                        note=("total shares agree" if agree else "total shares DIFFER between the engines")
                        + f" (|z| <= 3; {len(rs)} vs {len(fs)} runs)")
            for metric in ("run_s", "engine_step_s", "build_s"):
                f = rec.get(f"engines/{kind}", "buzzsim-fast", n, metric)
                r_ = rec.get(f"engines/{kind}", "buzzsim-reference", n, metric)
                if f and r_ and f.median > 0:
                    rec.add(f"engines/{kind}", "ratio", n, f"speedup_{metric}", [r_.median / f.median], "x",
                            note="reference median / fast median")


# --------------------------------------------------------------------------- c. peers


def _agreement(a: list[float], b: list[float]) -> tuple[float, bool]:
    """z score of the difference of two means and whether |z| <= 3 (agreement)."""
    ma, sa = mean_se(a)
    mb, sb = mean_se(b)
    # counts are integers: an error below half a unit means "no measurable spread"
    se = max(math.hypot(sa, sb), 0.5)
    z = (ma - mb) / se
    return z, abs(z) <= 3.0


def run_peers(plan: Plan, rec: Recorder, ctx: dict[str, Any]) -> None:
    from benchmarks import machine, peers
    from benchmarks.workloads import (
        IC_P,
        MEAN_DEGREE,
        engine_timer,
        final_shares,
        origin_accounts,
        release_model,
        scenario_config,
        warm_up_engine,
    )
    from sim.api import build_model
    from sim.graph import scale_free

    warm_up_engine(("ic",))
    machine.warm_up()
    avail = {name: peers.available(name) for name in peers.PEERS}
    ctx["peer_versions"] = {name: peers.version(name) for name in peers.PEERS if avail[name][0]}
    for name, (ok, why) in avail.items():
        if not ok:
            log(f"peer {name} skipped: {why}")
    ctx["agreement"] = {}
    for n in plan.peer_sizes:
        log(f"peers n={_fmt_n(n)}")
        b = "peers/ic"
        with Timer() as tg:
            graph = scale_free(n, MEAN_DEGREE, rng=np.random.default_rng(plan.graph_seed))
        rec.add(b, "graph", n, "graph_build_s", [tg.s], "s", note=f"scale_free, {graph.n_edges:,} edges (1 build)")
        # -- the engine: one cascade per model, many models on this one graph
        setup, run, eng, sizes, seedsets, expo = [], [], [], [], [], []
        for r in range(plan.engine_cascades):
            gc.collect()
            cfg = scenario_config("ic", n, seed=r)
            with Timer() as tb:
                model = build_model(cfg, seed=r, graph=graph)  # one graph for every cascade
            et = engine_timer(model)
            with Timer() as tr:
                model.run()
            setup.append(tb.s)
            run.append(tr.s)
            eng.append(et.s)
            sizes.append(float(final_shares(model)))
            seedsets.append(origin_accounts(model))
            expo.append(float(model.engine.counters.exposures.sum()))
            del et
            release_model(model)
        impl = "buzzsim-fast"
        rec.add(b, impl, n, "setup_s", setup, "s", note="BuzzModel construction on the given graph")
        rec.add(b, impl, n, "cascade_s", run, "s", note="model.run(), default 336-step horizon")
        rec.add(b, impl, n, "engine_step_s", eng, "s", note="time inside engine.step/inject")
        rec.add(b, impl, n, "final_size", sizes, "accounts")
        rec.add(b, impl, n, "exposures_per_s_per_thread", [e / t for e, t in zip(expo, run)], "1/s")
        rec.add(b, impl, n, "exposures_per_engine_s", [e / t for e, t in zip(expo, eng)], "1/s",
                note="exposures over the time inside engine.step")
        results: dict[str, list[float]] = {impl: sizes}
        # -- the machine's CSR sweep on this graph (for the exposure-rate target)
        if n == plan.target_n:
            csr1 = [machine.csr_sweep_rate(graph.indptr, graph.indices, 1) for _ in range(plan.machine_reps)]
            rec.add("machine/csr_sweep", "numba-1thread", n, "edges_per_s_peers_graph", csr1, "edges/s",
                    note="the IC benchmark graph")
            frac = [(e / t) / float(np.median(csr1)) for e, t in zip(expo, run)]
            rec.add(b, impl, n, "exposure_rate_vs_csr1", frac, "fraction")
            frac_k = [(e / t) / float(np.median(csr1)) for e, t in zip(expo, eng)]
            rec.add(b, impl, n, "exposure_rate_in_engine_vs_csr1", frac_k, "fraction",
                    note="exposures over the time inside engine.step")
        # -- cynetdiff
        ok, why = avail["cynetdiff"]
        if ok:
            cyn = peers.CynetdiffIC(graph, IC_P)
            rec.add(b, "cynetdiff", n, "convert_s", [cyn.convert_s], "s", note="CSR -> uint32 arrays + model (1 conversion)")
            t, s = [], []
            for k in range(plan.cynetdiff_cascades):
                dt, size = cyn.cascade(seedsets[k % len(seedsets)], rng_seed=1000 + k)
                t.append(dt)
                s.append(float(size))
            rec.add(b, "cynetdiff", n, "cascade_s", t, "s", note="advance_until_completion()")
            rec.add(b, "cynetdiff", n, "final_size", s, "accounts")
            results["cynetdiff"] = s
            del cyn
        else:
            rec.skip(b, "cynetdiff", n, why)
        # -- NDlib and EoN (networkx)
        top = 1 if plan.nx_top_n == n else 0
        reps_of = {"ndlib": plan.peer_reps if n <= plan.nx_max_n else top,
                   "EoN": plan.peer_reps if n <= plan.eon_max_n else top}
        need_nx = any(reps_of[k] > 0 and avail[k][0] for k in reps_of)
        nxg = None
        if need_nx:
            with Timer() as tc:
                nxg = peers.to_networkx(graph)
            rec.add(b, "networkx", n, "convert_s", [tc.s], "s", note="CSR -> networkx.DiGraph (1 conversion, used by NDlib and EoN)")
        for name, label in (("ndlib", "ndlib"), ("EoN", "EoN")):
            ok, why = avail[name]
            if not ok:
                rec.skip(b if name == "ndlib" else "peers/sir", label, n, why)
                continue
            nx_reps = reps_of[name]
            if nx_reps == 0:
                continue
            rep_note = "" if nx_reps >= 3 else f"{nx_reps} repetition(s) only at this size (slow tool)"
            log(f"  {name}: {nx_reps} cascade(s)")
            if name == "ndlib":
                tool = peers.NDlibIC(nxg, IC_P, seedsets[0])
                rec.add(b, label, n, "setup_s", [tool.setup_s], "s", note="model + threshold on every edge (1 setup)")
                t, s, iters = [], [], []
                for k in range(nx_reps):
                    dt, size, it, _done = tool.cascade(seedsets[k % len(seedsets)], rng_seed=2000 + k)
                    t.append(dt)
                    s.append(float(size))
                    iters.append(float(it))
                rec.add(b, label, n, "cascade_s", t, "s", note=rep_note or "iteration() until no node is infected")
                rec.add(b, label, n, "final_size", s, "accounts")
                rec.add(b, label, n, "iterations", iters, "iterations")
                results[label] = s
                del tool
            else:
                tool = peers.EoNSIR(nxg, IC_P)
                t, s = [], []
                for k in range(nx_reps):
                    dt, size = tool.cascade(seedsets[k % len(seedsets)], rng_seed=3000 + k)
                    t.append(dt)
                    s.append(float(size))
                rec.add("peers/sir", label, n, "cascade_s", t, "s",
                        note=rep_note or f"fast_SIR tau={tool.tau:.4g} gamma={tool.gamma:g}")
                rec.add("peers/sir", label, n, "final_size", s, "accounts")
                results[label] = s
                del tool
        del nxg
        # -- agreement and ratios
        eng_med = rec.get(b, impl, n, "cascade_s").median
        for label, s in results.items():
            if label == impl:
                continue
            z, agree = _agreement(s, sizes)
            ctx["agreement"][(label, n)] = (z, agree)
            bench = "peers/sir" if label == "EoN" else b
            rec.add(bench, label, n, "agreement_z", [z], "z",
                    note=("agrees with the engine" if agree else "VOID: final sizes disagree") + f" (|z| <= 3; {len(s)} vs {len(sizes)} cascades)")
            pt = rec.get(bench, label, n, "cascade_s")
            if pt and eng_med > 0:
                rec.add(bench, label, n, "engine_speedup", [pt.median / eng_med], "x",
                        note=("peer median / engine median" if agree else "VOID (final sizes disagree)"))
        del graph
        gc.collect()
    # NDlib extrapolation to the target size when it was not run there
    nd = [(s, rec.get("peers/ic", "ndlib", s, "cascade_s")) for s in plan.peer_sizes]
    nd = [(s, m) for s, m in nd if m is not None and m.repetitions > 0]
    if len(nd) >= 2 and all(s != plan.target_n for s, _ in nd):
        (n1, m1), (n2, m2) = nd[-2], nd[-1]
        slope = math.log(m2.median / m1.median) / math.log(n2 / n1)
        est = m2.median * (plan.target_n / n2) ** slope
        rec.add("peers/ic", "ndlib", plan.target_n, "cascade_s_extrapolated", [est], "s",
                note=f"power law through the medians at {n1:,} and {n2:,} accounts (exponent {slope:.2f})")
        ctx["ndlib_extrapolation"] = (n1, n2, slope, est)


# --------------------------------------------------------------------------- d. machine


def run_machine(plan: Plan, rec: Recorder, ctx: dict[str, Any]) -> None:
    from benchmarks import machine

    machine.warm_up()
    n = plan.machine_elements
    nt = machine.max_threads()
    log(f"machine limits ({n:,} elements)")
    for threads, impl in ((1, "numba-1thread"), (nt, f"numba-{nt}threads")):
        rates = [machine.stream_rate(n, threads) for _ in range(plan.machine_reps)]
        rec.add("machine/stream", impl, n, "bytes_per_s", rates, "B/s", note="y = a*x, float64, 16 B per element")
    x, idx = machine.make_gather(n)
    for threads, impl in ((1, "numba-1thread"), (nt, f"numba-{nt}threads")):
        rates = [machine.gather_rate(x, idx, threads) for _ in range(plan.machine_reps)]
        rec.add("machine/gather", impl, n, "elements_per_s", rates, "1/s",
                note=f"s += x[idx[i]], random int32 idx over {8 * n / 2**20:,.0f} MB of float64")
    del x, idx


# --------------------------------------------------------------------------- e. platforms

#: the configurations of the platforms section, as :func:`benchmarks.platform_overhead.scenario`
#: takes them (``on``); ``platform_overhead.CONFIGS`` replaces them when that module defines it
PLATFORM_CONFIGS: dict[str, bool | str] = {"off": False, "feed": "feed", "trending": "trending", "on": True}
#: target of the platforms section: everything on costs at most this many times off
PLATFORM_TARGET = 3.0


def run_platforms(plan: Plan, rec: Recorder, ctx: dict[str, Any]) -> None:
    """The platform mechanisms on vs off (:mod:`benchmarks.platform_overhead`'s scenario,
    called as it is): one graph for every run (its build not timed), compiled first,
    then ``platform_rounds`` rounds of every configuration with the same seed; the CPU
    time of ``model.run()`` (the 2-core machine is shared, as in that script) and the
    wall time, readings, and the ratio of each configuration's median CPU time to off's."""
    if not plan.platform_n:
        return
    from benchmarks import platform_overhead as po
    from benchmarks.workloads import release_model
    from sim import rng as rng_mod
    from sim.graph import build_graph
    from sim.model.buzz import BuzzModel
    from sim.scenario.load import load_scenario

    n = int(plan.platform_n)
    configs = dict(getattr(po, "CONFIGS", PLATFORM_CONFIGS))
    seed = 0
    log(f"platforms n={_fmt_n(n)} ({', '.join(configs)}; {plan.platform_rounds} rounds)")
    scs = {k: load_scenario(po.scenario(n, v)) for k, v in configs.items()}
    graph = build_graph(scs["off"].graph, rng_mod.generator(seed, "graph"))
    for v in configs.values():  # compile every kernel outside the timing
        release_model(BuzzModel(load_scenario(po.scenario(2000, v)), seed).run())
    cpu: dict[str, list[float]] = {k: [] for k in configs}
    wall: dict[str, list[float]] = {k: [] for k in configs}
    reads: dict[str, list[float]] = {k: [] for k in configs}
    for r in range(plan.platform_rounds):
        for name, sc in scs.items():
            gc.collect()
            model = BuzzModel(sc, seed + r, graph=graph)
            c0, t0 = time.process_time(), time.perf_counter()
            model.run()
            cpu[name].append(time.process_time() - c0)
            wall[name].append(time.perf_counter() - t0)
            reads[name].append(float(model.engine.counters.reads.sum()))
            release_model(model)
    for name in configs:
        impl = name
        rec.add("platforms", impl, n, "run_cpu_s", cpu[name], "s", note="CPU time of model.run(), 14 days")
        rec.add("platforms", impl, n, "run_s", wall[name], "s", note="wall time of model.run()")
        rec.add("platforms", impl, n, "reads", reads[name], "reads")
        rec.add("platforms", impl, n, "us_per_reading", [c / max(x, 1.0) * 1e6 for c, x in zip(cpu[name], reads[name])],
                "us", note="CPU time per reading")
    off = float(np.median(cpu["off"]))
    for name in configs:
        if name != "off" and off > 0:
            rec.add("platforms", name, n, "cpu_ratio_vs_off", [float(np.median(cpu[name])) / off], "ratio",
                    note="median CPU time over off's (same graph, same seeds)")


# --------------------------------------------------------------------------- targets


def evaluate_targets(plan: Plan, rec: Recorder, ctx: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target: what, threshold, measured value, status (met / missed / void / not measured)."""
    out: list[dict[str, Any]] = []
    tn = plan.target_n

    def add(target: str, threshold: str, value: str, status: str, note: str = "") -> None:
        out.append({"target": target, "threshold": threshold, "measured": value, "status": status, "note": note})

    def ratio_target(peer: str, thr: float) -> None:
        name = f"IC on {tn:,} accounts: fast vs {peer} per cascade"
        r = rec.get("peers/ic", peer, tn, "engine_speedup")
        if r is None:
            if peer == "ndlib" and "ndlib_extrapolation" in ctx:
                n1, n2, slope, est = ctx["ndlib_extrapolation"]
                eng = rec.get("peers/ic", "buzzsim-fast", tn, "cascade_s")
                agree = all(ctx["agreement"].get(("ndlib", s), (0, True))[1] for s in (n1, n2))
                if eng is None:
                    add(name, f">= {thr:g}x", "-", "not measured")
                    return
                ratio = est / eng.median
                status = ("met" if ratio >= thr else "missed") if agree else "void"
                add(name, f">= {thr:g}x", f"{ratio:,.1f}x (extrapolated)", status,
                    f"NDlib measured at {n1:,} and {n2:,} accounts, extrapolated with exponent {slope:.2f} to {est:,.1f} s")
                return
            skipped = rec.skipped.get(peer)
            add(name, f">= {thr:g}x", "-", "not measured", f"skipped: {skipped}" if skipped else "")
            return
        agree = ctx["agreement"].get((peer, tn), (0, False))[1]
        note = "" if r.repetitions and "VOID" not in r.note else r.note
        pt = rec.get("peers/ic", peer, tn, "cascade_s")
        if pt is not None and pt.repetitions < 3:
            note = f"{peer}: {pt.repetitions} repetition(s)"
        add(name, f">= {thr:g}x", f"{r.median:,.2f}x", ("met" if r.median >= thr else "missed") if agree else "void", note)

    ratio_target("cynetdiff", 2.0)
    ratio_target("ndlib", 100.0)

    r = rec.get("engines/crisis", "ratio", 10**4, "speedup_run_s")
    if r is None:
        add("fast vs reference, default crisis at 10,000 accounts", ">= 300x", "-", "not measured")
    else:
        e = rec.get("engines/crisis", "ratio", 10**4, "speedup_engine_step_s")
        w = rec.get("engines/crisis", "ratio", 10**4, "speedup_per_share")
        oz = rec.get("engines/crisis", "ratio", 10**4, "outcome_z")
        note = "ratio of median run times"
        if e:
            note += f"; inside engine.step only: {e.median:,.1f}x"
        if w:
            note += f"; per share: {w.median:,.1f}x"
        if oz and "DIFFER" in oz.note:
            note += f"; the engines' outcomes differ (total shares z = {oz.median:+.1f}), so the ratio is not like-for-like"
        add("fast vs reference, default crisis at 10,000 accounts", ">= 300x", f"{r.median:,.1f}x",
            "met" if r.median >= 300 else "missed", note)

    n6 = 10**6
    kind0 = plan.scaling_kinds[0]
    title0 = {"viral": "viral crisis (KOL origin)", "crisis": "default crisis", "ic": "IC preset"}.get(kind0, kind0)
    b = rec.get(f"scaling/{kind0}", "buzzsim-fast", n6, "build_s")
    ru = rec.get(f"scaling/{kind0}", "buzzsim-fast", n6, "run_s")
    pk = rec.get(f"scaling/{kind0}", "buzzsim-fast", n6, "peak_rss_mb")
    ed = rec.get(f"scaling/{kind0}", "buzzsim-fast", n6, "edges")
    tag = f"{title0}, 10^6 accounts / {ed.median:,.0f} edges" if ed else f"{title0}, 10^6 accounts"
    for m, thr, label, unit in ((b, 10.0, "model built", "s"), (ru, 5.0, "run", "s"), (pk, 2048.0, "peak memory", "MB")):
        if m is None or m.repetitions == 0:
            add(f"{tag}: {label}", f"< {thr:g} {unit}", "-", "not measured")
        else:
            add(f"{tag}: {label}", f"< {thr:g} {unit}", f"{m.median:,.2f} {unit}", "met" if m.median < thr else "missed",
                "build = whole BuzzModel construction (graph, population, agents, engine)" if label == "model built" else "")

    # the full rule on a crisis that spreads (issue #13, item 4)
    if "viral" in plan.scaling_kinds:
        up = rec.get("scaling/viral", "buzzsim-fast", n6, "took_off_share")
        upn = f"; took off in {up.note.split(':')[0]}" if up else ""
        r = rec.get("scaling/viral", "buzzsim-fast", n6, "exposure_rate_vs_ic")
        name = "full rule (viral crisis) at 10^6: exposures/s/thread vs the IC path on the same graph"
        if r is None or r.repetitions == 0:
            add(name, ">= 50 %", "-", "not measured")
        else:
            k = rec.get("scaling/viral", "buzzsim-fast", n6, "exposure_rate_in_engine_vs_ic")
            add(name, ">= 50 %", f"{100 * r.median:.1f} %", "met" if r.median >= 0.5 else "missed",
                f"whole run, median of replicate pairs{upn}" + (f"; inside engine.step: {100 * k.median:.1f} %" if k else ""))
        r = rec.get("scaling/viral", "buzzsim-fast", n6, "run_s_took_off")
        name = "full rule (viral crisis) at 10^6: 14 days run"
        if r is None or r.repetitions == 0:
            add(name, "< 0.3 s", "-", "not measured", "no replicate took off" if up else "")
        else:
            add(name, "< 0.3 s", f"{r.median:.2f} s", "met" if r.median < 0.3 else "missed",
                f"median over the replicates that took off{upn}")

    # graph generation alone
    n7 = 10**7
    g = rec.get("scaling/graph", "buzzsim-fast", n7, "build_s")
    name = "scale-free graph, 10^7 accounts / 10^8 edges: built"
    if g is None or g.repetitions == 0:
        add(name, "< 10 s", "-", "not measured", "full run only" if plan.name == "quick" else "size not in this run")
    else:
        add(name, "< 10 s", f"{g.median:.2f} s", "met" if g.median < 10.0 else "missed",
            f"scale_free alone, median of {g.repetitions} (min {g.min:.2f} s, max {g.max:.2f} s)")

    if plan.name == "quick" or n7 not in plan.scaling_sizes:
        add("10^7 accounts / 10^8 edges completes within 24 GB", "< 24 GB", "-", "not measured",
            "full run only" if plan.name == "quick" else "size not in this run")
    else:
        worst = None
        failed = [r_ for r_ in rec.rows if r_.benchmark.startswith("scaling/") and r_.size == n7 and r_.metric == "failed"]
        for kind in plan.scaling_kinds:
            pk = rec.get(f"scaling/{kind}", "buzzsim-fast", n7, "peak_rss_mb")
            if pk is not None and pk.repetitions:
                worst = max(worst or 0.0, pk.max)
        if failed or worst is None:
            add("10^7 accounts / 10^8 edges completes within 24 GB", "< 24 GB", "failed", "missed",
                failed[0].note if failed else "")
        else:
            add("10^7 accounts / 10^8 edges completes within 24 GB", "< 24 GB", f"{worst / 1024:,.2f} GB peak",
                "met" if worst < 24 * 1024 else "missed", "largest peak RSS over both workloads and all repetitions")

    if plan.huge_n:
        nh = plan.huge_n
        name = f"{nh:,} accounts / {10 * nh:,} edges: a viral crisis completes within 24 GB"
        failed = rec.get("scaling/viral", "buzzsim-fast", nh, "failed")
        pk = rec.get("scaling/viral", "buzzsim-fast", nh, "peak_rss_mb")
        if pk is None or pk.repetitions == 0:
            add(name, "< 24 GB", "failed" if failed else "-", "missed" if failed else "not measured",
                failed.note if failed else "")
        else:
            bt = rec.get("scaling/viral", "buzzsim-fast", nh, "build_s")
            rt = rec.get("scaling/viral", "buzzsim-fast", nh, "run_s")
            add(name, "< 24 GB", f"{pk.max / 1024:,.2f} GB peak", "met" if pk.max < 24 * 1024 else "missed",
                f"1 repetition: build {bt.median:.0f} s, run {rt.median:.0f} s" if bt and rt else "")

    if plan.platform_n:
        pn = int(plan.platform_n)
        name = f"platforms on vs off at {pn:,} accounts, 14 days (CPU time, ratio of medians)"
        r = rec.get("platforms", "on", pn, "cpu_ratio_vs_off")
        if r is None:
            add(name, f"<= {PLATFORM_TARGET:g}x", "-", "not measured")
        else:
            parts = [f"{k} {rec.get('platforms', k, pn, 'cpu_ratio_vs_off').median:.2f}x"
                     for k in ("feed", "trending") if rec.get("platforms", k, pn, "cpu_ratio_vs_off")]
            add(name, f"<= {PLATFORM_TARGET:g}x", f"{r.median:.2f}x", "met" if r.median <= PLATFORM_TARGET else "missed",
                "alone: " + ", ".join(parts) if parts else "")

    fr = rec.get("peers/ic", "buzzsim-fast", tn, "exposure_rate_vs_csr1")
    if fr is None:
        add("exposures/s/thread vs 1-thread CSR sweep", ">= 25 %", "-", "not measured")
    else:
        k = rec.get("peers/ic", "buzzsim-fast", tn, "exposure_rate_in_engine_vs_csr1")
        add(f"exposures/s/thread vs 1-thread CSR sweep (IC, {tn:,} accounts)", ">= 25 %", f"{100 * fr.median:.1f} %",
            "met" if fr.median >= 0.25 else "missed",
            f"whole run; time inside engine.step only: {100 * k.median:.1f} %" if k else "")
    return out


# --------------------------------------------------------------------------- driver


def machine_info() -> dict[str, Any]:
    import platform

    import numba
    import psutil

    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import mesa
    import networkx

    return {
        "cpu": cpu,
        "logical cores": psutil.cpu_count(),
        "numba threads": numba.config.NUMBA_NUM_THREADS,
        "memory": f"{psutil.virtual_memory().total / 2**30:.1f} GiB",
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numba": numba.__version__,
        "mesa": mesa.__version__,
        "networkx": networkx.__version__,
        "platform": platform.platform(),
    }


def code_fingerprint() -> str:
    """SHA-256 prefix over the sources of ``sim/`` (identifies the code a run measured)."""
    import hashlib

    import sim

    root = Path(sim.__file__).resolve().parent
    h = hashlib.sha256()
    for p in sorted(root.rglob("*.py")):
        h.update(p.relative_to(root).as_posix().encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:12]


def run_suite(plan: Plan | None = None, out: str | Path | None = None, *, sections: tuple[str, ...] = ("machine", "scaling", "engines", "peers", "platforms")) -> Path:
    """Run the suite and write ``measurements.csv``, figures and ``report.md``.

    Parameters
    ----------
    plan : Plan, optional
        Default: the full plan.
    out : path, optional
        Parent directory of the run directory (default ``results/benchmarks``);
        the run writes into ``<out>/<timestamp>/``.

    Returns
    -------
    Path
        The run directory.
    """
    from benchmarks import report

    plan = plan or plan_for()
    base = Path(out) if out is not None else Path("results") / "benchmarks"
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    run_dir = base / stamp
    k = 1
    while run_dir.exists():
        run_dir = base / f"{stamp}-{k}"
        k += 1
    run_dir.mkdir(parents=True)
    rec = Recorder()
    ctx: dict[str, Any] = {"plan": plan, "started": datetime.now().isoformat(timespec="seconds"),
                           "machine": machine_info(), "memory_method": memory_method(), "section_s": {},
                           "code_sha": code_fingerprint()}
    t_all = time.perf_counter()
    ctx["load"] = {"start": list(os.getloadavg())}
    for name, fn in (("machine", run_machine), ("scaling", run_scaling), ("engines", run_engines), ("peers", run_peers),
                     ("platforms", run_platforms)):
        if name not in sections:
            continue
        t0 = time.perf_counter()
        try:
            fn(plan, rec, ctx)
        except Exception as exc:  # noqa: BLE001 - one broken section must not lose the others
            import traceback

            where = traceback.extract_tb(exc.__traceback__)[-1]
            msg = f"section {name} failed: {type(exc).__name__}: {exc} ({Path(where.filename).name}:{where.lineno})"
            rec.notes.append(msg)
            log(msg)
        ctx["section_s"][name] = time.perf_counter() - t0
        ctx["load"][name] = list(os.getloadavg())
    ctx["total_s"] = time.perf_counter() - t_all
    ctx["targets"] = evaluate_targets(plan, rec, ctx)
    report.write_all(run_dir, rec, ctx)
    log(f"wrote {run_dir} in {ctx['total_s']:.0f} s")
    return run_dir
