"""Outputs of a suite run: ``measurements.csv``, ``run.json``, figures and ``report.md``.

Everything in the report is rebuilt from ``measurements.csv`` and ``run.json``,
so :func:`write_docs` can refresh ``docs/performance.md`` from any past run.
"""

from __future__ import annotations

import csv
import json
import math
import shutil
from pathlib import Path
from typing import Any

from benchmarks.harness import COLUMNS, Recorder

__all__ = ["load_run", "rewrite", "write_all", "write_docs"]

FIGURES = ("scaling.png", "peers.png", "engines.png", "machine.png")


# --------------------------------------------------------------------------- data


def _jsonable(ctx: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in ctx.items():
        if k == "plan":
            from dataclasses import asdict

            out[k] = asdict(v)
        elif k == "profiles":
            out[k] = {f"{kind}|{n}": p for (kind, n), p in v.items()}
        elif k == "agreement":
            out[k] = {f"{name}|{n}": [z if math.isfinite(z) else None, ok] for (name, n), (z, ok) in v.items()}
        else:
            out[k] = v
    return out


def _read_rows(path: Path) -> list[dict[str, Any]]:
    rows = []
    with path.open(newline="") as f:
        for r in csv.DictReader(f):
            for k in ("median", "min", "max"):
                r[k] = float(r[k]) if r[k] not in ("", "nan") else math.nan
            r["size"] = int(r["size"])
            r["repetitions"] = int(r["repetitions"])
            rows.append(r)
    return rows


def load_run(run_dir: str | Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The rows of ``measurements.csv`` and the metadata of ``run.json`` of a run."""
    run_dir = Path(run_dir)
    return _read_rows(run_dir / "measurements.csv"), json.loads((run_dir / "run.json").read_text())


class _Rows:
    def __init__(self, rows: list[dict[str, Any]]):
        self.rows = rows
        self._idx = {(r["benchmark"], r["implementation"], r["size"], r["metric"]): r for r in rows}

    def get(self, b: str, impl: str, n: int, metric: str) -> dict[str, Any] | None:
        return self._idx.get((b, impl, int(n), metric))

    def med(self, b: str, impl: str, n: int, metric: str) -> float:
        r = self.get(b, impl, n, metric)
        return r["median"] if r else math.nan

    def sizes(self, b: str, impl: str | None = None, metric: str | None = None) -> list[int]:
        return sorted({r["size"] for r in self.rows if r["benchmark"] == b
                       and (impl is None or r["implementation"] == impl) and (metric is None or r["metric"] == metric)})

    def impls(self, b: str, metric: str) -> list[str]:
        seen: list[str] = []
        for r in self.rows:
            if r["benchmark"] == b and r["metric"] == metric and r["implementation"] not in seen:
                seen.append(r["implementation"])
        return seen


# --------------------------------------------------------------------------- formatting


def _g(x: float, digits: int = 3) -> str:
    if x is None or not math.isfinite(x):
        return "–"
    if x == 0:
        return "0"
    a = abs(x)
    if a >= 1e5:
        return f"{x:.3g}".replace("e+0", "e").replace("e+", "e")
    if a >= 100:
        return f"{x:,.0f}"
    if a >= 1:
        return f"{x:.{max(digits - 1, 0)}f}" if a < 10 else f"{x:.1f}"
    return f"{x:.{digits}g}"


def _t(r: dict[str, Any] | None) -> str:
    """'median (min–max)' of a timing row."""
    if not r or r["repetitions"] == 0:
        return "–"
    if r["repetitions"] == 1:
        return f"{_g(r['median'])} (1 rep)"
    return f"{_g(r['median'])} ({_g(r['min'])}–{_g(r['max'])})"


def _n(n: int) -> str:
    e = math.log10(n) if n > 0 else 0
    if n >= 1000 and abs(e - round(e)) < 1e-9:
        return f"10^{round(e)}"
    return f"{n:,}"


def _table(header: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


# --------------------------------------------------------------------------- tables


def targets_table(meta: dict[str, Any]) -> str:
    rows = []
    for t in meta.get("targets", []):
        mark = {"met": "**met**", "missed": "**missed**", "void": "**void**"}.get(t["status"], t["status"])
        rows.append([t["target"], t["threshold"], t["measured"], mark, t.get("note", "")])
    return _table(["target", "threshold", "measured", "status", "note"], rows)


#: Scaling workloads in report order, with their section titles.
SCALING_TITLES = {
    "viral": "Viral crisis: the default crisis with a KOL as the complaint's origin (14 days)",
    "crisis": "Default crisis scenario (14 days)",
    "ic": "Independent-cascade preset (p = 0.2, 10 seeds)",
}


def scaling_table(R: _Rows, kind: str) -> str:
    b = f"scaling/{kind}"
    impl = "buzzsim-fast"
    rows = []
    for n in R.sizes(b, impl):
        f = R.get(b, impl, n, "failed")
        if f and not R.get(b, impl, n, "run_s"):
            rows.append([_n(n), "–", "failed", "–", "–", "–", "–", "–", "–", "–", "–"])
            continue
        up = R.get(b, impl, n, "took_off_share")
        vic = R.get(b, impl, n, "exposure_rate_vs_ic")
        csr = R.get(b, impl, n, "exposure_rate_vs_csr1")
        rows.append([
            _n(n), _g(R.med(b, impl, n, "edges")), _t(R.get(b, impl, n, "build_s")), _t(R.get(b, impl, n, "run_s")),
            _g(R.med(b, impl, n, "engine_step_s")), _g(R.med(b, impl, n, "peak_rss_mb")),
            _g(R.med(b, impl, n, "exposures")), _g(R.med(b, impl, n, "exposures_per_s_per_thread")),
            f"{100 * csr['median']:.1f} %" if csr else "–",
            up["note"].split(":")[0] if up else "–",
            f"{100 * vic['median']:.1f} %" if vic else "–",
        ])
    return _table(["accounts", "edges", "build s", "run s", "in engine.step s", "peak RSS MB", "exposures",
                   "exposures/s/thread", "vs 1-thread CSR sweep", "took off", "exposures/s vs IC"], rows)


def graph_table(R: _Rows) -> str:
    b = "scaling/graph"
    rows = [[_n(n), _g(R.med(b, "buzzsim-fast", n, "edges")), _t(R.get(b, "buzzsim-fast", n, "build_s")),
             _g(R.med(b, "buzzsim-fast", n, "peak_rss_mb"))] for n in R.sizes(b, "buzzsim-fast", "build_s")]
    return _table(["accounts", "edges", "scale_free s", "peak RSS MB"], rows)


def engines_table(R: _Rows, kinds: list[str]) -> str:
    rows = []
    for kind in kinds:
        b = f"engines/{kind}"
        for n in R.sizes(b, "buzzsim-fast"):
            for eng in ("fast", "reference"):
                impl = f"buzzsim-{eng}"
                run = R.get(b, impl, n, "run_s")
                sp = R.med(b, "ratio", n, "speedup_run_s") if eng == "reference" else math.nan
                spe = R.med(b, "ratio", n, "speedup_engine_step_s") if eng == "reference" else math.nan
                rows.append([kind, _n(n), eng, _t(R.get(b, impl, n, "build_s")), _t(run),
                             _g(R.med(b, impl, n, "engine_step_s")), str(run["repetitions"]) if run else "–",
                             _g(R.med(b, impl, n, "total_shares")),
                             (f"{_g(sp)}×" if math.isfinite(sp) else ""), (f"{_g(spe)}×" if math.isfinite(spe) else "")])
    out = _table(["scenario", "accounts", "engine", "build s", "run s", "in engine.step s", "reps",
                  "median shares (all msgs)", "speed-up (run)", "speed-up (engine.step)"], rows)
    extra = []
    for kind in kinds:
        b = f"engines/{kind}"
        for n in R.sizes(b, "ratio"):
            tt = R.med(b, "ratio", n, "speedup_total_time")
            ps = R.med(b, "ratio", n, "speedup_per_share")
            oz = R.get(b, "ratio", n, "outcome_z")
            extra.append([kind, _n(n), f"{_g(tt)}×", f"{_g(ps)}×",
                          (f"{oz['median']:+.2f} — {oz['note']}" if oz and math.isfinite(oz["median"]) else "–")])
    if extra:
        out += "\n\n" + _table(["scenario", "accounts", "speed-up (total time, same seeds)",
                                 "speed-up per share", "outcome check (total shares)"], extra)
    return out


def peers_table(R: _Rows) -> str:
    rows = []
    for n in sorted(set(R.sizes("peers/ic")) | set(R.sizes("peers/sir"))):
        g = R.get("peers/ic", "graph", n, "graph_build_s")
        conv_nx = R.get("peers/ic", "networkx", n, "convert_s")
        for impl, b in (("buzzsim-fast", "peers/ic"), ("cynetdiff", "peers/ic"), ("ndlib", "peers/ic"), ("EoN", "peers/sir")):
            sk = R.get(b, impl, n, "skipped")
            if sk:
                rows.append([_n(n), impl, "skipped", "–", "–", "–", "–", "–", sk["note"]])
                continue
            c = R.get(b, impl, n, "cascade_s")
            if not c:
                ex = R.get(b, impl, n, "cascade_s_extrapolated")
                if ex:
                    eng = R.med("peers/ic", "buzzsim-fast", n, "cascade_s")
                    rows.append([_n(n), impl, "–", f"~{_g(ex['median'])} (extrapolated)", "0", "–", "–",
                                 f"~{_g(ex['median'] / eng)}×" if math.isfinite(eng) else "–", ex["note"]])
                continue
            if impl == "buzzsim-fast":
                setup = f"model {_g(R.med(b, impl, n, 'setup_s'))} (graph {_g(g['median']) if g else '–'})"
            elif impl == "cynetdiff":
                setup = f"convert {_g(R.med(b, impl, n, 'convert_s'))}"
            elif impl == "ndlib":
                setup = f"nx {_g(conv_nx['median']) if conv_nx else '–'} + setup {_g(R.med(b, impl, n, 'setup_s'))}"
            else:
                setup = f"nx {_g(conv_nx['median']) if conv_nx else '–'}"
            fs = R.get(b, impl, n, "final_size")
            z = R.get(b, impl, n, "agreement_z")
            sp = R.get(b, impl, n, "engine_speedup")
            void = z is not None and "VOID" in z["note"]
            rows.append([
                _n(n), impl, setup, _t(c), str(c["repetitions"]),
                _g(fs["median"]) if fs else "–",
                ("–" if z is None else (f"{z['median']:+.2f}" if math.isfinite(z["median"]) else "inf") + (" VOID" if void else "")),
                ("–" if sp is None else (f"{_g(sp['median'])}×" + (" (void)" if void else ""))),
                c["note"] if c["repetitions"] < 3 else "",
            ])
    return _table(["accounts", "implementation", "conversion / set-up s", "per cascade s", "reps",
                   "median final size", "agreement z", "peer time / engine time", "note"], rows)


def machine_table(R: _Rows, meta: dict[str, Any]) -> str:
    nt = meta.get("machine", {}).get("numba threads", 2)
    rows = []
    for b, metric, label, scale, unit in (
        ("machine/stream", "bytes_per_s", "streaming bandwidth (y = a·x)", 1e-9, "GB/s"),
        ("machine/gather", "elements_per_s", "random gather x[idx[i]]", 1e-6, "M elements/s"),
    ):
        for n in R.sizes(b):
            one = R.med(b, "numba-1thread", n, metric)
            many = R.med(b, f"numba-{nt}threads", n, metric)
            rows.append([label, f"{n:,} elements", f"{one * scale:,.1f} {unit}", f"{many * scale:,.1f} {unit}"])
    for n in R.sizes("machine/csr_sweep"):
        one = R.med("machine/csr_sweep", "numba-1thread", n, "edges_per_s")
        many = R.med("machine/csr_sweep", f"numba-{nt}threads", n, "edges_per_s")
        if math.isfinite(one):
            rows.append(["CSR sweep (row order, neighbour state)", f"scaling graph {_n(n)} accounts",
                         f"{one * 1e-6:,.0f} M edges/s", f"{many * 1e-6:,.0f} M edges/s" if math.isfinite(many) else "–"])
        p = R.med("machine/csr_sweep", "numba-1thread", n, "edges_per_s_peers_graph")
        if math.isfinite(p):
            rows.append(["CSR sweep (row order, neighbour state)", f"IC benchmark graph {_n(n)} accounts",
                         f"{p * 1e-6:,.0f} M edges/s", "–"])
    for n in R.sizes("peers/ic", "buzzsim-fast", "exposure_rate_vs_csr1"):
        e = R.med("peers/ic", "buzzsim-fast", n, "exposures_per_s_per_thread")
        k = R.med("peers/ic", "buzzsim-fast", n, "exposures_per_engine_s")
        fr = R.med("peers/ic", "buzzsim-fast", n, "exposure_rate_vs_csr1")
        fk = R.med("peers/ic", "buzzsim-fast", n, "exposure_rate_in_engine_vs_csr1")
        rows.append([f"engine: exposures/s (IC, whole run) — {100 * fr:.1f} % of CSR 1-thread", f"{_n(n)} accounts",
                     f"{e * 1e-6:,.1f} M/s", "(serial)"])
        rows.append([f"engine: exposures/s (IC, inside engine.step) — {100 * fk:.1f} % of CSR 1-thread",
                     f"{_n(n)} accounts", f"{k * 1e-6:,.1f} M/s", "(serial)"])
    return _table(["measurement", "size", "1 thread", f"{nt} threads"], rows)


def platforms_table(R: _Rows) -> str:
    """The platforms section: each configuration's run (CPU and wall), readings and cost over off."""
    rows = []
    for n in R.sizes("platforms"):
        for impl in R.impls("platforms", "run_cpu_s"):
            ratio = R.get("platforms", impl, n, "cpu_ratio_vs_off")
            rows.append([_n(n), impl, _t(R.get("platforms", impl, n, "run_cpu_s")),
                         _t(R.get("platforms", impl, n, "run_s")), _g(R.med("platforms", impl, n, "reads")),
                         _g(R.med("platforms", impl, n, "us_per_reading")),
                         f"{ratio['median']:.2f}×" if ratio else ("1×" if impl == "off" else "–")])
    return _table(["accounts", "configuration", "run CPU s", "run wall s", "readings", "CPU µs per reading",
                   "CPU vs off (ratio of medians)"], rows)


#: what the platforms section runs (both reports)
PLATFORMS_INTRO = ("The 14-day scenario of `benchmarks/platform_overhead.py` (a hot topic, a campaign post and a "
                   "crisis) with the platform mechanisms off, one at a time, and all on, on one shared graph "
                   "(its build not timed), every configuration with the same seeds; CPU time of `model.run()`.")


def profile_tables(meta: dict[str, Any]) -> str:
    parts = []
    profs = meta.get("profiles", {})
    for key in sorted(profs, key=lambda k: (int(k.split("|")[1]), k)):
        kind, n = key.split("|")
        p = profs[key]
        parts.append(f"#### {kind}, {_n(int(n))} accounts\n")
        b = p["build"]
        rows = [[f"`{r['function']}`", str(r["calls"]), f"{r['cumtime_s']:.2f}", f"{r['tottime_s']:.2f}"]
                for r in b["by_cumtime"][:8]]
        parts.append(f"Build (profiled total {b['total_s']:.2f} s), by cumulative time:\n")
        parts.append(_table(["function", "calls", "cumulative s", "own s"], rows) + "\n")
        r_ = p["run"]
        rows = [[f"`{r['function']}`", str(r["calls"]), f"{r['tottime_s']:.2f}", f"{r['cumtime_s']:.2f}"]
                for r in r_["by_tottime"][:8]]
        parts.append(f"Run (profiled total {r_['total_s']:.2f} s), by own time:\n")
        parts.append(_table(["function", "calls", "own s", "cumulative s"], rows) + "\n")
        arrays = p.get("arrays_mb", {})
        if arrays:
            total = sum(arrays.values())
            top = list(arrays.items())[:8]
            parts.append(f"Largest arrays of the model after the run ({total:,.0f} MB in arrays of at least 1 MB):\n")
            parts.append(_table(["array", "MB"], [[f"`{k}`", f"{v:,.0f}"] for k, v in top]) + "\n")
    return "\n".join(parts)


def dominance_summary(meta: dict[str, Any]) -> list[str]:
    """One sentence per profiled (workload, size): what dominates build and run."""
    out = []
    profs = meta.get("profiles", {})
    for key in sorted(profs, key=lambda k: (int(k.split("|")[1]), k)):
        kind, n = key.split("|")
        p = profs[key]
        bt = p["build"]["total_s"]
        gb = next((r for r in p["build"]["by_cumtime"] if "build_graph" in r["function"]), None)
        rt = p["run"]["total_s"]
        tops = p["run"]["by_tottime"][:3]
        s = f"- **{kind}, {_n(int(n))} accounts** — build {bt:.2f} s"
        if gb:
            s += f", of which graph generation (`build_graph`) {gb['cumtime_s']:.2f} s ({100 * gb['cumtime_s'] / bt:.0f} %)"
        s += f"; run {rt:.2f} s, led by " + ", ".join(
            f"`{r['function'].split('(')[-1].rstrip(')')}` {r['tottime_s']:.2f} s ({100 * r['tottime_s'] / rt:.0f} %)" for r in tops)
        s += " (profiled run; cProfile adds a little Python overhead)."
        out.append(s)
    return out


# --------------------------------------------------------------------------- figures


def make_figures(R: _Rows, meta: dict[str, Any], run_dir: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullFormatter

    made = []
    # scaling
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.2), dpi=100)
    for kind, marker in (("crisis", "o"), ("viral", "^"), ("ic", "s")):
        b = f"scaling/{kind}"
        ns = [n for n in R.sizes(b, "buzzsim-fast", "run_s")]
        if not ns:
            continue
        for ax, metric, label in zip(axes, ("build_s", "run_s", "peak_rss_mb"), ("build time (s)", "run time (s)", "peak RSS (MB)")):
            ys = [R.get(b, "buzzsim-fast", n, metric) for n in ns]
            med = [y["median"] for y in ys]
            err = [[y["median"] - y["min"] for y in ys], [y["max"] - y["median"] for y in ys]]
            ax.errorbar(ns, med, yerr=err, marker=marker, capsize=3, label={"crisis": "default crisis", "viral": "viral crisis", "ic": "IC preset"}[kind])
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel("accounts")
            ax.set_title(label, fontsize=10)
            ax.xaxis.set_minor_formatter(NullFormatter())
            ax.yaxis.set_minor_formatter(NullFormatter())
    ns_all = sorted({n for k in SCALING_TITLES for n in R.sizes(f"scaling/{k}", "buzzsim-fast", "run_s")})
    if ns_all:
        for ax in axes[:2]:
            y0 = ax.get_ylim()[0]
            ax.plot([ns_all[0], ns_all[-1]], [max(y0, 1e-3), max(y0, 1e-3) * ns_all[-1] / ns_all[0]], "k:", lw=0.8, label="∝ n")
        axes[0].legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(run_dir / "scaling.png")
        made.append("scaling.png")
    plt.close(fig)

    # peers
    fig, ax = plt.subplots(figsize=(5.5, 3.6), dpi=100)
    any_line = False
    for impl, b, marker in (("buzzsim-fast", "peers/ic", "o"), ("cynetdiff", "peers/ic", "s"), ("ndlib", "peers/ic", "^"), ("EoN", "peers/sir", "D")):
        ns = R.sizes(b, impl, "cascade_s")
        if ns:
            ax.plot(ns, [R.med(b, impl, n, "cascade_s") for n in ns], marker=marker, label=impl + (" (SIR)" if impl == "EoN" else ""))
            any_line = True
        for n in R.sizes(b, impl, "cascade_s_extrapolated"):
            ax.plot([n], [R.med(b, impl, n, "cascade_s_extrapolated")], marker=marker, mfc="none", ls="none", color="C2",
                    label=f"{impl} extrapolated")
    if any_line:
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("accounts (scale-free, mean degree 10)")
        ax.set_ylabel("seconds per cascade (median)")
        ax.set_title("IC cascade, same graph, p and seeds", fontsize=10)
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(run_dir / "peers.png")
        made.append("peers.png")
    plt.close(fig)

    # engines
    fig, ax = plt.subplots(figsize=(5.5, 3.4), dpi=100)
    labels, fast, ref = [], [], []
    for kind in ("crisis", "ic"):
        for n in R.sizes(f"engines/{kind}", "buzzsim-fast", "run_s"):
            labels.append(f"{kind}\n{_n(n)}")
            fast.append(R.med(f"engines/{kind}", "buzzsim-fast", n, "run_s"))
            ref.append(R.med(f"engines/{kind}", "buzzsim-reference", n, "run_s"))
    if labels:
        import numpy as np

        x = np.arange(len(labels))
        ax.bar(x - 0.2, fast, 0.4, label="fast")
        ax.bar(x + 0.2, ref, 0.4, label="reference")
        ax.set_xticks(x, labels, fontsize=8)
        ax.set_yscale("log")
        ax.set_ylabel("run time (s, median)")
        ax.set_title("fast vs reference engine (same scenario, seed, horizon)", fontsize=10)
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(run_dir / "engines.png")
        made.append("engines.png")
    plt.close(fig)

    # machine
    nt = meta.get("machine", {}).get("numba threads", 2)
    bars = []
    for b, metric, label, per in (("machine/stream", "bytes_per_s", "stream (elements)", 16.0),
                                  ("machine/gather", "elements_per_s", "random gather", 1.0)):
        for n in R.sizes(b):
            bars.append((f"{label} 1T", R.med(b, "numba-1thread", n, metric) / per))
            bars.append((f"{label} {nt}T", R.med(b, f"numba-{nt}threads", n, metric) / per))
    tn = (R.sizes("peers/ic", "buzzsim-fast", "exposure_rate_vs_csr1") or [None])[-1]
    if tn:
        bars.append(("CSR sweep 1T", R.med("machine/csr_sweep", "numba-1thread", tn, "edges_per_s_peers_graph")))
        if tn in R.sizes("machine/csr_sweep", f"numba-{nt}threads", "edges_per_s"):
            bars.append((f"CSR sweep {nt}T", R.med("machine/csr_sweep", f"numba-{nt}threads", tn, "edges_per_s")))
        bars.append(("engine exposures/s\n(whole run)", R.med("peers/ic", "buzzsim-fast", tn, "exposures_per_s_per_thread")))
        bars.append(("engine exposures/s\n(in engine.step)", R.med("peers/ic", "buzzsim-fast", tn, "exposures_per_engine_s")))
    bars = [(lab, v) for lab, v in bars if math.isfinite(v)]
    if bars:
        fig, ax = plt.subplots(figsize=(6, 3.6), dpi=100)
        ax.barh([lab for lab, _ in bars][::-1], [v for _, v in bars][::-1], color="C0")
        ax.set_xscale("log")
        ax.set_xlabel("items per second (elements, edges, exposures)")
        ax.set_title("machine limits vs the engine" + (f" (IC, {_n(tn)} accounts)" if tn else ""), fontsize=10)
        ax.tick_params(axis="y", labelsize=8)
        fig.tight_layout()
        fig.savefig(run_dir / "machine.png")
        made.append("machine.png")
        plt.close(fig)
    return made


# --------------------------------------------------------------------------- report


def _notes(R: _Rows, meta: dict[str, Any]) -> list[str]:
    plan = meta.get("plan", {})
    notes = [
        (f"Peak memory: {meta.get('memory_method', '?')}. Figures are absolute RSS of the measuring process "
        "(interpreter and libraries included: see `start_rss_mb` in measurements.csv)."),
        ("Every number is the median of its repetitions (min–max in brackets); compile time is never included: "
        "each process builds and runs tiny models of every workload before timing."),
        ("Build = the whole `BuzzModel` construction (graph generation, population, crisis plan, agents, engine "
        "arrays); run = `model.run()` over the whole horizon, including Mesa's `DataCollector` every step; "
        "'in engine.step' = time inside the engine's `step`/`inject` (the numba kernels and their Python glue)."),
        ("The viral crisis: every default of the crisis scenario except the complaint's origin, a KOL "
        "(`origin = \"kol\"`), so that the full rule has a complaint that spreads to time. A replicate took off "
        "when the complaint was shared by at least 0.1 % of the accounts; run times and the ratio of exposures "
        "per second to the IC path's are taken over those replicates. The IC runs use the same seeds, hence the "
        "same graphs."),
        ("The IC preset: p = 0.2 and 10 random seed accounts on a directed scale-free graph (mean degree 10), "
        "default 336-step horizon. The peers run on the same graph, with the same p and the same seed accounts the "
        "engine drew; graph conversion is timed separately from the cascades."),
        ("EoN runs SIR (fast_SIR, gamma = 1, tau = p/(1-p), so tau/(tau+gamma) = p). With exponential recovery the "
        "transmissions out of one node share its infectious period: the attack rate of a major outbreak is that of IC "
        "with the same p, the probability of a major outbreak is not. With 10 seeds a major outbreak is all but certain, "
        "so this is a comparison of final sizes only."),
        ("A peer comparison counts only when the mean final sizes agree (|z| <= 3 for the difference of means); "
        "otherwise it is marked VOID."),
        (f"The reference engine runs {plan.get('engine_reps', 3)} repetition(s) like the fast one, unless "
        f"{plan.get('engine_reps', 3)} would exceed {plan.get('reference_budget_s', 120):.0f} s (then 1, and a note "
        "below says so)."),
        (f"Code measured: sim/ sources with SHA-256 prefix {meta.get('code_sha', '?')} (the engine is under active "
        "development; numbers belong to that version)."),
    ]
    if "ndlib_extrapolation" in meta:
        n1, n2, slope, est = meta["ndlib_extrapolation"]
        notes.append(f"NDlib at {plan.get('target_n', 10**6):,} accounts is extrapolated: a power law through its median "
                     f"cascade times at {n1:,} and {n2:,} accounts (exponent {slope:.2f}) gives {est:,.1f} s. NDlib's "
                     "iteration loops over every node and copies the status dict, so its cost per iteration grows "
                     "with n even when few nodes are active; the extrapolation is an estimate, not a measurement.")
    kept = [r for r in R.rows if r["metric"] == "retained_after_drop_mb" and r["median"] > 0]
    if kept:
        txt = ", ".join(f"{r['benchmark'].split('/')[1]} {_n(r['size'])}: {_g(r['median'])} MB" for r in kept)
        notes.append("Mesa 3.3 keeps every model with agents alive after its last reference is dropped "
                     "(`mesa.Agent._ids` is a class-level dict keyed by the model; mesa issue #3179, fixed "
                     "upstream by PR #3180). Arrays a finished model keeps this way: " + txt + ". A process that "
                     "runs many replicates accumulates them. The suite removes the key between repetitions, so "
                     "each repetition starts from the same baseline.")
    load = meta.get("load", {})
    if load:
        ncpu = meta.get("machine", {}).get("logical cores", 0) or 1
        # the suite itself keeps about one core busy; the rest is other work on the machine
        other = max(max(v[0] for k, v in load.items() if k != "start") - 1.0, load.get("start", [0.0])[0], 0.0)
        txt = ", ".join(f"{k} {v[0]:.1f}" for k, v in load.items())
        notes.append(f"1-minute load average at the start and after each section: {txt} (on {ncpu} cores; "
                     "the suite itself accounts for about 1)."
                     + (f" Other work kept up to about {other:.1f} core(s) busy during the run: the all-thread "
                        "numbers in particular are depressed (a numba parallel region costs milliseconds when the "
                        "other core is busy), and single-thread numbers are noisier than on an idle machine."
                        if other >= 0.5 * ncpu else ""))
    return notes + list(meta.get("notes", []))


def write_report(run_dir: Path, rows: list[dict[str, Any]], meta: dict[str, Any], figures: list[str]) -> Path:
    R = _Rows(rows)
    plan = meta.get("plan", {})
    m = meta.get("machine", {})
    lines = [f"# buzzsim benchmark report ({plan.get('name', '?')} suite)", "",
             (f"Started {meta.get('started', '?')}, took {meta.get('total_s', 0):.0f} s "
              f"({', '.join(f'{k} {v:.0f} s' for k, v in meta.get('section_s', {}).items())})."), ""]
    lines += [_table(["machine", ""], [[k, str(v)] for k, v in m.items()]), ""]
    pv = meta.get("peer_versions", {})
    if pv:
        lines += ["Peers: " + ", ".join(f"{k} {v}" for k, v in pv.items()) + ".", ""]
    lines += ["## Targets", "", targets_table(meta), ""]
    if "scaling.png" in figures or any(r["benchmark"].startswith("scaling/") for r in rows):
        lines += ["## a. Scaling", ""]
        if "scaling.png" in figures:
            lines += ["![scaling](scaling.png)", ""]
        for kind, title in SCALING_TITLES.items():
            if R.sizes(f"scaling/{kind}"):
                lines += [f"### {title}", "", scaling_table(R, kind), ""]
        if R.sizes("scaling/graph"):
            lines += ["### Graph generation alone (scale_free, mean degree 10)", "", graph_table(R), ""]
        summ = dominance_summary(meta)
        if summ:
            lines += ["### What dominates (cProfile of one extra, unreported build and run)", "", *summ, "",
                      profile_tables(meta), ""]
    if any(r["benchmark"].startswith("engines/") for r in rows):
        lines += ["## b. Fast vs reference engine", "",
                  f"Same scenario, seed and horizon ({plan.get('engine_horizon_h', 72):g} h) for both engines.", ""]
        if "engines.png" in figures:
            lines += ["![engines](engines.png)", ""]
        lines += [engines_table(R, ["crisis", "ic"]), ""]
    if any(r["benchmark"].startswith("peers/") for r in rows):
        lines += ["## c. Peers", ""]
        if "peers.png" in figures:
            lines += ["![peers](peers.png)", ""]
        lines += [peers_table(R), ""]
        sk = sorted({(r["implementation"], r["note"]) for r in rows if r["metric"] == "skipped"})
        if sk:
            lines += ["Skipped: " + "; ".join(f"**{k}** — {v}" for k, v in sk), ""]
    if any(r["benchmark"].startswith("machine/") for r in rows):
        lines += ["## d. Machine limits", ""]
        if "machine.png" in figures:
            lines += ["![machine](machine.png)", ""]
        lines += [machine_table(R, meta), ""]
    if R.sizes("platforms"):
        lines += ["## e. Platforms", "", PLATFORMS_INTRO, "", platforms_table(R), ""]
    lines += ["## Method and notes", "", *[f"- {n}" for n in _notes(R, meta)], ""]
    lines += [("All measurements: `measurements.csv` (one row per measurement: benchmark, implementation, "
               "size, metric, median, min, max, repetitions, unit, note)."), ""]
    path = run_dir / "report.md"
    path.write_text("\n".join(lines))
    return path


def write_all(run_dir: Path, rec: Recorder, ctx: dict[str, Any]) -> Path:
    """Write ``measurements.csv``, ``run.json``, the figures and ``report.md`` into ``run_dir``."""
    run_dir = Path(run_dir)
    with (run_dir / "measurements.csv").open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(COLUMNS))
        w.writeheader()
        for r in rec.rows:
            w.writerow(r.as_row())
    meta = _jsonable(ctx)
    meta["notes"] = list(rec.notes)
    meta["skipped"] = dict(rec.skipped)
    (run_dir / "run.json").write_text(json.dumps(meta, indent=1, default=str))
    rows, meta = load_run(run_dir)
    figures = make_figures(_Rows(rows), meta, run_dir)
    return write_report(run_dir, rows, meta, figures)


def rewrite(run_dir: str | Path) -> Path:
    """Rebuild the figures and ``report.md`` of a run from its CSV and ``run.json``."""
    run_dir = Path(run_dir)
    rows, meta = load_run(run_dir)
    figures = make_figures(_Rows(rows), meta, run_dir)
    return write_report(run_dir, rows, meta, figures)


# --------------------------------------------------------------------------- docs


#: A hand-written interpretation between these markers survives ``--update-docs``.
_ANALYSIS_OPEN = "<!-- analysis: kept by --update-docs -->"
_ANALYSIS_CLOSE = "<!-- /analysis -->"


def write_docs(run_dir: str | Path, docs_dir: str | Path = "docs", *, analysis: str = "") -> Path:
    """Refresh ``docs/performance.md`` and ``docs/img/*.png`` from a finished run.

    ``analysis`` is Markdown inserted after the targets (the interpretation).
    """
    run_dir = Path(run_dir)
    docs_dir = Path(docs_dir)
    rows, meta = load_run(run_dir)
    R = _Rows(rows)
    img = docs_dir / "img"
    img.mkdir(parents=True, exist_ok=True)
    figs = []
    for name in FIGURES:
        if (run_dir / name).exists():
            shutil.copyfile(run_dir / name, img / f"bench_{name}")
            figs.append(name)
    plan = meta.get("plan", {})
    m = meta.get("machine", {})
    L = ["# Performance", "",
         (f"Numbers from the latest benchmark run (`{plan.get('name', '?')}` suite, {meta.get('started', '?')}, "
         f"`{run_dir.as_posix()}`), on {m.get('cpu', '?')} with {m.get('logical cores', '?')} logical cores and "
         f"{m.get('memory', '?')} (Python {m.get('python', '?')}, numba {m.get('numba', '?')})."), "",
         "## How to reproduce", "",
         "```sh",
         "make bench                          # full suite (installs the optional peers: .[bench])",
         "buzzsim bench --quick               # reduced set, under two minutes",
         "python -m benchmarks --sizes 10000 100000 1000000   # chosen scaling sizes",
         "python -m benchmarks --update-docs  # also refresh this page from the run",
         "```", "",
         ("Each run writes `results/benchmarks/<timestamp>/`: `measurements.csv` (one row per measurement: "
         "benchmark, implementation, size, metric, median, min, max, repetitions, unit, note), `run.json` "
         "(machine, plan, profiles, targets), the figures and `report.md`. Peers that are not installed "
         "(NDlib, cynetdiff, EoN: `pip install -e '.[bench]'`) are reported as skipped."), "",
         "## Targets", "", targets_table(meta), ""]
    if not analysis and (docs_dir / "performance.md").exists():
        old = (docs_dir / "performance.md").read_text()
        a, b = old.find(_ANALYSIS_OPEN), old.find(_ANALYSIS_CLOSE)
        if 0 <= a < b:
            analysis = old[a + len(_ANALYSIS_OPEN):b]
    if analysis:
        L += [_ANALYSIS_OPEN, analysis.strip(), _ANALYSIS_CLOSE, ""]
    if any(R.sizes(f"scaling/{k}") for k in (*SCALING_TITLES, "graph")):
        L += ["## Scaling", ""]
        if "scaling.png" in figs:
            L += ["![scaling](img/bench_scaling.png)", ""]
        for kind, title in SCALING_TITLES.items():
            if R.sizes(f"scaling/{kind}"):
                L += [f"### {title}", "", scaling_table(R, kind), ""]
        if R.sizes("scaling/graph"):
            L += ["### Graph generation alone (scale_free, mean degree 10)", "", graph_table(R), ""]
        summ = dominance_summary(meta)
        if summ:
            L += ["### What dominates the time at each size", "", *summ, "", profile_tables(meta), ""]
    if any(r["benchmark"].startswith("engines/") for r in rows):
        L += ["## Fast vs reference engine", ""]
        if "engines.png" in figs:
            L += ["![engines](img/bench_engines.png)", ""]
        L += [engines_table(R, ["crisis", "ic"]), ""]
    if any(r["benchmark"].startswith("peers/") for r in rows):
        L += ["## Peers", ""]
        if "peers.png" in figs:
            L += ["![peers](img/bench_peers.png)", ""]
        L += [peers_table(R), ""]
    if any(r["benchmark"].startswith("machine/") for r in rows):
        L += ["## Machine limits", ""]
        if "machine.png" in figs:
            L += ["![machine](img/bench_machine.png)", ""]
        L += [machine_table(R, meta), ""]
    if R.sizes("platforms"):
        L += ["## Platforms", "", PLATFORMS_INTRO, "", platforms_table(R), ""]
    L += ["## Method", "", *[f"- {n}" for n in _notes(R, meta)], ""]
    path = docs_dir / "performance.md"
    path.write_text("\n".join(L))
    return path
