"""Scaling benchmark: build time, run time and peak memory of one size.

Each size runs in its own Python process (``python -m benchmarks.scaling``) so
that its peak RSS is not inflated by what earlier sizes left behind and so that a
size that runs out of memory cannot take the suite down. Within the process the
numba kernels are warmed up on tiny models first; then, per workload and
repetition, the model is built (timed, peak RSS probed) and run (timed, peak RSS
probed) with the engine's own time inside ``engine.step`` recorded too. Finally
the row-order CSR sweep is timed on the run's own follower graph (1 thread and
all threads), and, when asked, one extra *un-reported* build and run are
profiled with cProfile to say what dominates.
"""

from __future__ import annotations

import cProfile
import gc
import json
import os
import pstats
import subprocess
import sys
import traceback
from pathlib import Path
from typing import Any

__all__ = ["measure_point", "run_isolated"]

_REPO = Path(__file__).resolve().parent.parent


def _label(func: tuple[str, int, str]) -> str:
    path, line, name = func
    if path == "~":
        return name  # a builtin, e.g. "<method 'reduce' of 'numpy.ufunc' objects>"
    p = path.replace("\\", "/")
    for marker in ("/site-packages/", "/work/main/", str(_REPO).replace("\\", "/") + "/"):
        if marker in p:
            p = p.split(marker, 1)[1]
            break
    return f"{p}:{line}({name})"


def _profile_summary(prof: cProfile.Profile, top: int = 12) -> dict[str, list[dict[str, Any]]]:
    st = pstats.Stats(prof)
    total = st.total_tt
    rows = []
    for func, (_cc, nc, tt, ct, _callers) in st.stats.items():  # type: ignore[attr-defined]
        rows.append({"function": _label(func), "calls": int(nc), "tottime_s": float(tt), "cumtime_s": float(ct)})
    by_tot = sorted(rows, key=lambda r: -r["tottime_s"])[:top]
    skip = ("cProfile", "<built-in method builtins.exec>", "profile")
    by_cum = [r for r in sorted(rows, key=lambda r: -r["cumtime_s"]) if not any(s in r["function"] for s in skip)]
    return {"total_s": float(total), "by_tottime": by_tot, "by_cumtime": by_cum[:top]}


def measure_point(
    n: int,
    kinds: list[str],
    reps: int,
    *,
    horizon_h: float | None = None,
    profile: bool = False,
    sweep_reps: int = 3,
    seed0: int = 0,
    graph_reps: int = 0,
) -> dict[str, Any]:
    """Measure workloads ``kinds`` at ``n`` accounts; returns plain JSON-able data.

    With ``graph_reps`` the scale-free graph alone (``scale_free(n, MEAN_DEGREE)``,
    the generator of every workload) is first built that many times, timed and
    its peak RSS probed, before the workloads.
    """
    import numba

    from benchmarks import machine
    from benchmarks.harness import PeakRSS, Timer, memory_method, rss_mb
    from benchmarks.workloads import (
        MEAN_DEGREE,
        engine_timer,
        memory_breakdown,
        release_model,
        scenario_config,
        warm_up_engine,
    )
    from sim.api import build_model

    warm_up_engine(tuple(kinds))
    machine.warm_up()
    out: dict[str, Any] = {
        "n": int(n),
        "kinds": {},
        "memory_method": memory_method(),
        "threads": int(numba.config.NUMBA_NUM_THREADS),
        "idle_rss_mb": rss_mb(),
    }
    if graph_reps > 0:
        import numpy as np

        from sim.graph import scale_free

        scale_free(2000, MEAN_DEGREE, rng=np.random.default_rng(1))  # compiled before timing
        g_s, g_mb, g_edges = [], [], 0
        for r in range(graph_reps):
            gc.collect()
            with PeakRSS() as mem_g, Timer() as tg:
                g = scale_free(n, MEAN_DEGREE, rng=np.random.default_rng(seed0 + r))
            g_s.append(tg.s)
            g_mb.append(mem_g.peak_mb)
            g_edges = int(g.n_edges)
            del g
        out["graph"] = {"build_s": g_s, "peak_mb": g_mb, "n_edges": g_edges}
        gc.collect()
    graph = None
    for kind in kinds:
        rec: dict[str, Any] = {k: [] for k in (
            "build_s", "run_s", "engine_s", "build_peak_mb", "run_peak_mb", "start_mb",
            "exposures", "reads", "shares", "steps", "complaint_shares")}
        for r in range(reps):
            gc.collect()
            cfg = scenario_config(kind, n, horizon_h=horizon_h, seed=seed0 + r)
            try:
                with PeakRSS() as mem_b, Timer() as tb:
                    model = build_model(cfg, seed=seed0 + r)
                et = engine_timer(model)
                with PeakRSS() as mem_r, Timer() as tr:
                    model.run()
            except Exception as exc:  # noqa: BLE001 - keep the repetitions that completed
                rec["error"] = f"repetition {r + 1}: {type(exc).__name__}: {exc}"
                model = et = None
                gc.collect()
                break
            c = model.engine.counters
            rec["build_s"].append(tb.s)
            rec["run_s"].append(tr.s)
            rec["engine_s"].append(et.s)
            rec["build_peak_mb"].append(mem_b.peak_mb)
            rec["run_peak_mb"].append(mem_r.peak_mb)
            rec["start_mb"].append(mem_b.start_mb)
            rec["exposures"].append(int(c.exposures.sum()))
            rec["reads"].append(int(c.reads.sum()))
            rec["shares"].append([int(x) for x in c.new_shares.sum(axis=0)])
            names = list(model.messages.names)
            if "complaint" in names:
                rec["complaint_shares"].append(int(c.new_shares[:, names.index("complaint")].sum()))
            rec["steps"].append(int(model.n_steps))
            rec["n_accounts"] = int(model.population.n)
            rec["n_edges"] = int(model.population.graph.n_edges)
            rec["messages"] = list(model.messages.names)
            graph = model.population.graph
            del et
            kept, kept_mb = release_model(model)
            rec.setdefault("retained_mb", []).append(kept_mb)
            rec["retained"] = kept
        if profile and "error" not in rec:
            gc.collect()
            cfg = scenario_config(kind, n, horizon_h=horizon_h, seed=seed0)
            pb = cProfile.Profile()
            pb.enable()
            model = build_model(cfg, seed=seed0)
            pb.disable()
            pr = cProfile.Profile()
            pr.enable()
            model.run()
            pr.disable()
            rec["profile"] = {"build": _profile_summary(pb), "run": _profile_summary(pr),
                              "arrays_mb": memory_breakdown(model)}
            release_model(model)
        out["kinds"][kind] = rec
        gc.collect()
    if graph is not None:
        out["csr_edges"] = int(graph.n_edges)
        out["csr1"] = [machine.csr_sweep_rate(graph.indptr, graph.indices, 1) for _ in range(sweep_reps)]
        out["csrN"] = [
            machine.csr_sweep_rate(graph.indptr, graph.indices, machine.max_threads()) for _ in range(sweep_reps)
        ]
    return out


def run_isolated(args: dict[str, Any], *, timeout_s: float | None = None) -> dict[str, Any]:
    """Run :func:`measure_point` in a fresh Python process; on failure return ``{"error": ...}``."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="buzzsim-bench-") as tmp:
        out_path = Path(tmp) / "point.json"
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(_REPO), *filter(None, [env.get("PYTHONPATH")])])
        cmd = [sys.executable, "-m", "benchmarks.scaling", json.dumps(args), str(out_path)]
        try:
            proc = subprocess.run(cmd, cwd=str(_REPO), env=env, capture_output=True, text=True, timeout=timeout_s,
                                  check=False)
        except subprocess.TimeoutExpired:
            return {"error": f"timed out after {timeout_s:.0f} s"}
        if proc.returncode != 0 or not out_path.exists():
            tail = (proc.stderr or proc.stdout or "").strip().splitlines()[-3:]
            code = proc.returncode
            why = "killed (out of memory?)" if code in (-9, 137) else f"exit code {code}"
            return {"error": f"{why}: {' | '.join(tail)}"}
        return json.loads(out_path.read_text())


def _main(argv: list[str]) -> int:
    args = json.loads(argv[0])
    out_path = Path(argv[1])
    try:
        res = measure_point(**args)
    except Exception as exc:  # noqa: BLE001 - reported by the parent as a failed point
        traceback.print_exc()
        res = {"error": f"{type(exc).__name__}: {exc}"}
    out_path.write_text(json.dumps(res))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
