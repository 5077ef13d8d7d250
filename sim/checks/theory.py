"""``buzzsim validate``: the engine checked against theory, the reference engine and real data.

Each check runs the engine, compares with a known answer and states its tolerance;
the report (``report.md``, ``checks.json``, ``delays.png``) goes to
``results/validate/<timestamp>/``. The same properties are asserted by the test
suite; this command is for a person who wants to see the numbers.
"""

from __future__ import annotations

import gzip
import json
import math
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from scipy import optimize, stats

from sim.api import build_model, simulate

__all__ = ["Check", "run_validation", "reaction_times", "data_reaction_times", "DATA_DIR"]

#: The real cascade data beside the repository (not part of the package).
DATA_DIR = Path(__file__).resolve().parents[3] / "shared" / "data"


@dataclass
class Check:
    """One validation check: what was measured, what was expected, and whether it holds."""

    name: str
    measured: float
    expected: float
    tolerance: str
    passed: bool
    detail: str = ""


def _edge_file(edges: list[tuple[int, int]], folder: Path) -> str:
    path = folder / f"edges-{len(edges)}-{abs(hash(tuple(edges))) % 10**8}.csv"
    path.write_text("".join(f"{u},{v}\n" for u, v in edges))
    return str(path)


def exact_cascades(reps: int, p: float = 0.4, engine: str = "fast") -> list[Check]:
    """Independent cascade on tiny graphs against exact expectations (4 standard errors)."""
    cases = {
        "path s→a→b": ([(0, 1), (1, 2)], 1 + p + p**2),
        "star with 3 leaves": ([(0, 1), (0, 2), (0, 3)], 1 + 3 * p),
        "diamond s→a,b→t": ([(0, 1), (0, 2), (1, 3), (2, 3)], 1 + 2 * p + 2 * p**2 - p**4),
    }
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, (edges, expected) in cases.items():
            cfg = {
                "graph": {"kind": "file", "path": _edge_file(edges, Path(tmp))},
                "dynamics": {"preset": "independent_cascade", "p": p},
                "messages": [{"origin": 0}],
                "run": {"horizon_h": 6},
            }
            x = np.array([simulate(cfg, seed=s, engine=engine).summary["shares"] for s in range(reps)])
            se = x.std(ddof=1) / math.sqrt(reps)
            out.append(
                Check(f"IC exact ({engine}): {name}", float(x.mean()), expected, "4 s.e.",
                      bool(abs(x.mean() - expected) <= 4 * se), f"p={p}, {reps} runs, s.e. {se:.4f}")
            )
    return out


def percolation(n: int, runs: int, c: float = 10.0) -> list[Check]:
    """IC on an undirected Erdős–Rényi graph against bond percolation (Newman 2002)."""
    checks = []
    for p in (0.2, 0.05):
        cfg = {
            "graph": {"kind": "erdos_renyi", "n": n, "mean_degree": c, "directed": False},
            "dynamics": {"preset": "independent_cascade", "p": p, "seeds": 1},
            "run": {"horizon_h": 200},
        }
        frac = np.array([simulate(cfg, seed=s).summary["shares"] / n for s in range(runs)])
        large = frac[frac > 0.01]
        if c * p > 1:
            s_theory = optimize.brentq(lambda s, p=p: s - 1 + math.exp(-c * p * s), 1e-6, 1.0)
            measured = float(large.mean()) if large.size else float("nan")
            checks.append(Check(f"percolation: ER c={c:g}, p={p}", measured, s_theory, "±0.01",
                                bool(large.size > 0 and abs(measured - s_theory) <= 0.01),
                                f"{large.size} of {runs} runs were large outbreaks"))
        else:
            checks.append(Check(f"percolation: ER c={c:g}, p={p} (subcritical)", float(frac.max()), 0.0,
                                "no outbreak > 1 % of N", bool(frac.max() <= 0.01), f"{runs} runs"))
    return checks


def engines_agree(n: int, reps: int) -> Check:
    """Fast vs reference engine on the full default rule: two-sample KS on final reach."""
    cfg = {
        "graph": {"kind": "scale_free", "n": n, "mean_degree": 10},
        "messages": [{"virality": 1.5, "n_origins": 5}],
        "run": {"horizon_h": 72},
    }
    fast = [simulate(cfg, seed=s, engine="fast").summary["reach"] for s in range(reps)]
    ref = [simulate(cfg, seed=s, engine="reference").summary["reach"] for s in range(reps)]
    ks = stats.ks_2samp(fast, ref)
    return Check("fast vs reference: final reach (KS)", float(ks.pvalue), 0.01, "p > 0.01",
                 bool(ks.pvalue > 0.01),
                 f"{n} accounts, {reps} runs each; mean reach {np.mean(fast):.1f} vs {np.mean(ref):.1f}")


def reaction_times(reps: int, *, n: int = 10_000, virality: float = 1.0, step_minutes: float = 15.0,
                   min_shares: int = 5) -> dict[str, np.ndarray]:
    """Share delays (hours since the original post) of single posts by ordinary accounts.

    Returns per-cascade ``t50``, ``t90``, ``within_1h``, ``within_8h``, ``within_24h``
    and the pooled ``delays`` of cascades with at least ``min_shares`` shares.
    """
    rows, pooled = [], []
    for s in range(reps):
        cfg = {
            "graph": {"kind": "scale_free", "n": n, "mean_degree": 10},
            "brand": {"enabled": False},
            "messages": [{"virality": virality, "origin": "random"}],
            "run": {"horizon_h": 96, "step_minutes": step_minutes},
        }
        model = build_model(cfg, s)
        model.run()
        per_step = model.engine.counters.new_shares[:, 0].copy()
        per_step[0] -= 1  # the original post
        if per_step.sum() < min_shares:
            continue
        t = np.repeat(np.arange(per_step.size) * model.dt_h, per_step)
        pooled.append(t)
        rows.append(_cascade_stats(t))
    table = np.array(rows) if rows else np.zeros((0, 5))
    out = {k: table[:, i] for i, k in enumerate(("t50", "t90", "within_1h", "within_8h", "within_24h"))}
    out["delays"] = np.concatenate(pooled) if pooled else np.zeros(0)
    return out


def _cascade_stats(t: np.ndarray) -> list[float]:
    return [float(np.median(t)), float(np.quantile(t, 0.9)), float((t <= 1).mean()),
            float((t <= 8).mean()), float((t <= 24).mean())]


def data_reaction_times(data_dir: Path = DATA_DIR) -> dict[str, dict[str, np.ndarray]]:
    """The same per-cascade figures measured on the real data (Twitter15, Weibo), if present."""
    out: dict[str, dict[str, np.ndarray]] = {}
    tw = data_dir / "twitter15_delays.csv.gz"
    if tw.exists():
        rows, pooled = [], []
        with gzip.open(tw, "rt") as f:
            next(f)
            for line in f:
                delays = np.array([float(x) for x in line.rstrip("\n").split(",", 3)[3].split(";") if x]) / 60.0
                if delays.size >= 5:
                    rows.append(_cascade_stats(delays))
                    pooled.append(delays)
        out["Twitter15"] = _as_table(rows, pooled)
    wb = data_dir / "weibo_cascades_sample.txt"
    if wb.exists():
        rows, pooled = [], []
        for line in wb.read_text().splitlines():
            parts = line.split("\t")
            if len(parts) < 5:
                continue
            secs = [int(p.rsplit(":", 1)[1]) for p in parts[4].split() if ":" in p]
            delays = np.array([s for s in secs if s > 0]) / 3600.0
            if delays.size >= 5:
                rows.append(_cascade_stats(delays))
                pooled.append(delays)
        out["Weibo"] = _as_table(rows, pooled)
    return out


def _as_table(rows: list[list[float]], pooled: list[np.ndarray]) -> dict[str, np.ndarray]:
    table = np.array(rows)
    out = {k: table[:, i] for i, k in enumerate(("t50", "t90", "within_1h", "within_8h", "within_24h"))}
    out["delays"] = np.concatenate(pooled)
    return out


def timing_checks(model: dict[str, np.ndarray], data: dict[str, dict[str, np.ndarray]]) -> list[Check]:
    """Median per-cascade reaction times against the real data (when present)."""
    x = model["delays"]
    pooled = (f"{model['t50'].size} cascades, {x.size} reshares pooled; 90 % of them within "
              f"{np.quantile(x, 0.9):.1f} h" if x.size else "no cascade spread")
    # The former check "90 % of shares within 12 h" had no source: the reading clock of
    # DESIGN §2 (SEISMIC, Zhao et al. 2015: 54 % within 1 h, 72 % within 8 h) has a
    # s^-1.23 tail that puts the 90th percentile well past 12 h, and so do the real
    # cascades (Twitter15, pooled: 23.4 h). The sourced figure is checked instead.
    within_8h = float((x <= 8).mean()) if x.size else float("nan")
    checks = [
        Check("reaction: median share delay < 2 h", float(np.median(x)) if x.size else float("nan"), 2.0,
              "< 2 h", bool(x.size and np.median(x) < 2.0), pooled),
        Check("reaction: reshares within 8 h (SEISMIC 72 %)", within_8h, 0.72, "±0.10",
              bool(abs(within_8h - 0.72) <= 0.10), pooled),
    ]
    for name, d in data.items():
        for key, tol in (("within_1h", 0.15), ("within_8h", 0.1)):
            m, r = float(np.median(model[key])), float(np.median(d[key]))
            checks.append(Check(f"reaction vs {name}: median share {key.replace('_', ' ')}", m, r,
                                f"±{tol:.2f}", bool(abs(m - r) <= tol), f"{d['t50'].size} real cascades"))
    return checks


def delay_figure(model: dict[str, np.ndarray], data: dict[str, dict[str, np.ndarray]], path: Path) -> Path:
    """Cumulative share of reshares against delay: model vs real cascades."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 4.2), constrained_layout=True)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    grid = np.logspace(-2, np.log10(48), 200)
    for label, d, style in [("buzzsim defaults", model, "-"), *[(k, v, "--") for k, v in data.items()]]:
        x = np.sort(d["delays"])
        if x.size:
            cdf = np.searchsorted(x, grid, side="right") / x.size
            ax.plot(grid, cdf, style, label=f"{label} ({d['t50'].size} cascades)")
    ax.set_xscale("log")
    ax.set_xlabel("delay since the original post (hours, log scale)")
    ax.set_ylabel("share of all reshares (cumulative)")
    ax.set_title("Reaction times: model vs real cascades")
    for h in (1, 8, 24):
        ax.axvline(h, color="0.8", lw=0.8, zorder=0)
    ax.legend(loc="upper left")
    fig.savefig(path, dpi=130)
    return path


def run_validation(out: Path | None = None, *, quick: bool = False) -> Path:
    """Run every check and write the report; returns the report folder."""
    started = time.time()
    folder = out or Path("results") / "validate" / time.strftime("%Y%m%d-%H%M%S")
    folder.mkdir(parents=True, exist_ok=True)
    checks: list[Check] = []
    checks += exact_cascades(300 if quick else 2000)
    checks += exact_cascades(200 if quick else 600, engine="reference")
    checks += percolation(20_000 if quick else 100_000, 10 if quick else 30)
    checks.append(engines_agree(1000 if quick else 2000, 40 if quick else 200))
    model_rt = reaction_times(100 if quick else 300)
    data = data_reaction_times()
    checks += timing_checks(model_rt, data)
    fig = delay_figure(model_rt, data, folder / "delays.png")
    (folder / "checks.json").write_text(json.dumps([asdict(c) for c in checks], indent=2))
    lines = [
        "# buzzsim validation", "",
        f"{sum(c.passed for c in checks)} of {len(checks)} checks hold"
        f" ({time.time() - started:.0f} s{', quick' if quick else ''}).", "",
        "| check | measured | expected | tolerance | holds | detail |", "|---|---|---|---|---|---|",
    ]
    for c in checks:
        lines.append(f"| {c.name} | {c.measured:.4g} | {c.expected:.4g} | {c.tolerance} | "
                     f"{'yes' if c.passed else '**no**'} | {c.detail} |")
    if not data:
        lines += ["", f"Real data not found in `{DATA_DIR}`: the comparisons with real cascades were skipped."]
    lines += ["", f"![reaction times]({fig.name})", ""]
    (folder / "report.md").write_text("\n".join(lines))
    return folder
