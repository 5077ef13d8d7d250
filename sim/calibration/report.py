"""Data vs model: the comparison table and the figures a researcher would show.

:func:`comparison` builds the table (per statistic: medians, their difference with a
bootstrap interval, KS and Wasserstein distances; the size tail's power-law fit on
each side); :func:`draw_figures` draws size CCDFs (log-log), timing CDFs, depth
histograms and structural virality against size, each with the model drawn over
the data. :func:`validate_data` is ``buzzsim validate --data``: load, sample the
model like the data, compare, write the report folder.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.cascade_stats import (
    PER_CASCADE,
    PowerLawFit,
    compare,
    fit_power_law,
    log_ccdf,
    per_cascade,
)
from sim.calibration.requirements import (
    SETTINGS,
    data_requirements,
    not_measured_at_scale,
    requirements_markdown,
    scale_requirements,
    setting_scenario,
    tail_requirement,
)
from sim.calibration.sampling import default_validation_scenario, sample_model
from sim.data.cascades import CascadeData, load_cascades
from sim.errors import BuzzsimError
from sim.scenario.load import find_scenario, load_scenario

__all__ = ["Observed", "comparison", "draw_figures", "markdown_table", "observe", "qualifying_data", "validate_data"]

#: What each statistic is, for the tables.
LABELS = {
    "size": "size (nodes)",
    "t50_h": "t50 (h)",
    "t90_h": "t90 (h)",
    "within_1h": "share within 1 h",
    "within_8h": "share within 8 h",
    "within_24h": "share within 24 h",
    "depth_max": "depth",
    "depth_mean": "mean depth",
    "breadth_max": "largest generation",
    "structural_virality": "structural virality",
    "share_depth1": "share at depth 1",
}


@dataclass
class Observed:
    """Cascades ready for comparison: the node table (if any) and per-cascade statistics."""

    label: str
    table: pd.DataFrame
    nodes: pd.DataFrame | None


def observe(data: CascadeData, label: str) -> Observed:
    """Per-cascade statistics of loaded data (sizes only when that is all there is)."""
    if data.nodes is None:
        t = pd.DataFrame({"size": data.sizes.to_numpy()}, index=data.sizes.index)
        for c in PER_CASCADE[1:]:
            t[c] = np.nan
        return Observed(label, t, None)
    return Observed(label, per_cascade(data.nodes), data.nodes)


def comparison(data: Observed, model: Observed, *, seed: int = 0,
               xmin: int | None = None) -> tuple[pd.DataFrame, PowerLawFit, PowerLawFit]:
    """The data-vs-model table and the size-tail fits (same ``xmin`` for both sides).

    ``xmin`` defaults to the one the KS criterion chooses on the data.
    """
    table = compare(data.table, model.table, PER_CASCADE, seed=seed)
    fd = fit_power_law(data.table["size"].to_numpy(), xmin)
    fm = fit_power_law(model.table["size"].to_numpy(), fd.xmin)
    return table, fd, fm


def _g(v: float, digits: int = 3) -> str:
    if v is None or not np.isfinite(v):
        return "–"
    return f"{v:.{digits}g}"


def markdown_table(table: pd.DataFrame, data_label: str = "data", model_label: str = "model") -> list[str]:
    """The comparison as Markdown lines."""
    lines = [
        f"| statistic | {data_label} median | {model_label} median | difference (95 % bootstrap) | "
        "KS | Wasserstein | n data / model |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in table.itertuples():
        diff = f"{_g(r.diff)} ({_g(r.diff_lo)} to {_g(r.diff_hi)})" if np.isfinite(r.diff) else "–"
        lines.append(f"| {LABELS.get(r.statistic, r.statistic)} | {_g(r.data_median)} | {_g(r.model_median)} | "
                     f"{diff} | {_g(r.ks, 2)} | {_g(r.wasserstein)} | {r.n_data} / {r.n_model} |")
    return lines


def draw_figures(data: Observed, model: Observed | list[Observed], folder: Path, *,
                 horizon_h: float, title: str = "") -> dict[str, Path]:
    """Size CCDFs, timing CDFs, depth histograms and virality vs size; returns the files.

    ``model`` may be a list (posterior-predictive draws): each is drawn thinly, the
    first labelled.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    models = model if isinstance(model, list) else [model]
    many = len(models) > 1
    mstyle = dict(color="C1", alpha=0.35 if many else 1.0, lw=1.0 if many else 1.8)
    out: dict[str, Path] = {}

    def new(w: float = 6.4, h: float = 4.2) -> tuple[Any, Any]:
        fig = Figure(figsize=(w, h), constrained_layout=True)
        FigureCanvasAgg(fig)
        return fig, fig.add_subplot()

    def save(fig: Any, name: str) -> None:
        path = folder / name
        fig.savefig(path, dpi=120)
        out[name.removesuffix(".png")] = path

    # sizes
    fig, ax = new()
    s, p = log_ccdf(data.table["size"].to_numpy(), 40)
    ax.plot(s, p, "o-", color="C0", ms=3, lw=1.5, label=f"{data.label} ({len(data.table)} cascades)")
    for j, m in enumerate(models):
        s, p = log_ccdf(m.table["size"].to_numpy(), 40)
        if s.size:
            ax.plot(s, p, "-", **mstyle, label=f"{m.label} ({len(m.table)} cascades)" if j == 0 else None)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("cascade size s (nodes, original included)")
    ax.set_ylabel("P(size ≥ s)")
    ax.set_title(title or "Cascade sizes")
    ax.legend(loc="lower left", fontsize=8)
    save(fig, "sizes_ccdf.png")

    if data.nodes is not None:
        fig = Figure(figsize=(10, 4.0), constrained_layout=True)
        FigureCanvasAgg(fig)
        ax1, ax2 = fig.subplots(1, 2)
        grid = np.logspace(-2, np.log10(max(horizon_h, 1.0)), 200)

        def pooled(nodes: pd.DataFrame) -> np.ndarray:
            x = nodes.loc[nodes["node"].to_numpy() != 0, "delay_min"].to_numpy() / 60.0
            return np.sort(x)

        x = pooled(data.nodes)
        ax1.plot(grid, np.searchsorted(x, grid, side="right") / max(x.size, 1), color="C0", lw=1.8, label=data.label)
        for j, m in enumerate(models):
            if m.nodes is not None and len(m.nodes):
                x = pooled(m.nodes)
                ax1.plot(grid, np.searchsorted(x, grid, side="right") / max(x.size, 1), **mstyle,
                         label=m.label if j == 0 else None)
        ax1.set_xscale("log")
        ax1.set_xlabel("delay since the original post (h, log scale)")
        ax1.set_ylabel("share of all reshares (cumulative)")
        ax1.set_title("Reshare delays, pooled")
        for h in (1, 8, 24):
            ax1.axvline(h, color="0.85", lw=0.8, zorder=0)
        ax1.legend(loc="upper left", fontsize=8)
        for key, ls in (("t50_h", "-"), ("t90_h", "--")):
            v = np.sort(data.table[key].dropna().to_numpy())
            ax2.plot(
                v, np.arange(1, v.size + 1) / max(v.size, 1), ls, color="C0", lw=1.8, label=f"{data.label} {key[:3]}"
            )
            for j, m in enumerate(models):
                v = np.sort(m.table[key].dropna().to_numpy())
                if v.size:
                    ax2.plot(v, np.arange(1, v.size + 1) / v.size, ls, **mstyle,
                             label=f"{m.label} {key[:3]}" if j == 0 else None)
        ax2.set_xscale("log")
        ax2.set_xlabel("hours (log scale)")
        ax2.set_ylabel("share of cascades (cumulative)")
        ax2.set_title("Per cascade: t50 (solid), t90 (dashed)")
        ax2.legend(loc="upper left", fontsize=8)
        save(fig, "timing_cdf.png")

    if data.table["depth_max"].notna().any():
        fig, ax = new()
        d = data.table["depth_max"].dropna().to_numpy().astype(int)
        mdepths = [m.table["depth_max"].dropna().to_numpy().astype(int) for m in models]
        top = int(max([d.max(initial=0), *[x.max(initial=0) for x in mdepths]]))
        bins = np.arange(0, min(top, 60) + 2) - 0.5
        ax.hist(d, bins=bins, density=True, color="C0", alpha=0.5, label=data.label)
        for j, x in enumerate(mdepths):
            if x.size:
                ax.hist(np.minimum(x, bins[-1] - 0.5), bins=bins, density=True, histtype="step", **mstyle,
                        label=models[j].label if j == 0 else None)
        ax.set_xlabel("depth (generations below the original; last bin includes deeper)")
        ax.set_ylabel("share of cascades")
        ax.set_title("Cascade depth")
        ax.legend(fontsize=8)
        save(fig, "depth_hist.png")

        fig, ax = new()
        ax.scatter(data.table["size"], data.table["structural_virality"], s=6, color="C0", alpha=0.4, label=data.label)
        for j, m in enumerate(models):
            ax.scatter(m.table["size"], m.table["structural_virality"], s=6, color="C1",
                       alpha=0.15 if many else 0.5, marker="x", label=m.label if j == 0 else None)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("cascade size (nodes)")
        ax.set_ylabel("structural virality")
        ax.set_title("Structural virality vs size (2 = star, (n+1)/3 = chain)")
        ax.legend(fontsize=8)
        save(fig, "virality_vs_size.png")
    return out


def qualifying_data(data: CascadeData, horizon_h: float, min_size: int | None) -> tuple[CascadeData, int]:
    """The data as the model is sampled: cut at the horizon, at least ``min_size`` nodes.

    ``min_size`` defaults to the data's smallest cascade as given (its selection
    threshold); returns the selected data and the threshold.
    """
    # the data's own selection threshold (its smallest cascade as given), applied to both
    # sides within the horizon
    m = int(data.sizes.min()) if min_size is None else int(min_size)
    d = data.within(horizon_h) if data.has_timing else data
    d = d.at_least(m)
    if d.n_cascades == 0:
        raise BuzzsimError(f"{data.source}: no cascade has {m} or more nodes within {horizon_h:g} h")
    return d, m


def validate_data(
    data_path: str | Path,
    *,
    scenario: Any = None,
    out: Path | None = None,
    n_cascades: int | None = None,
    max_runs: int | None = None,
    min_size: int | None = None,
    horizon_h: float | None = None,
    message: str | None = None,
    seed: int = 0,
    progress: bool = True,
    setting: str = "defaults",
    scale: bool = False,
    graphs: int | None = None,
) -> Path:
    """``buzzsim validate --data``: compare the model with real cascades; returns the report folder.

    Parameters
    ----------
    data_path : path
        Cascade file (see :mod:`sim.data.cascades`).
    scenario : path, name, dict or Scenario, optional
        Default: a single post from a random account
        (:func:`~sim.calibration.sampling.default_validation_scenario`).
    n_cascades : int, optional
        Model cascades wanted (default: as many as the data has).
    max_runs : int, optional
        Cap on runs (default: 50 per wanted cascade, at most 2,000).
    min_size : int, optional
        Fewest nodes of a qualifying cascade (default: the data's smallest).
    horizon_h : float, optional
        Hours observed after each post (default: the scenario's ``run.horizon_h``);
        the data are cut at the same horizon.
    setting : str
        Model setting laid over the scenario (:data:`sim.calibration.requirements.SETTINGS`):
        ``"defaults"`` or a named candidate.
    scale : bool
        Also measure the model-only requirements at 10^6 accounts (minutes).
    graphs : int, optional
        Follower graphs reused by the sample (default: a new graph per run below
        10^5 accounts, 4 graphs from 10^5 up).

    The report gains the requirements of issue 16, item 1 that the data can judge
    (:mod:`sim.calibration.requirements`), each measured with its target and verdict.
    """

    started = time.time()
    data_all = load_cascades(data_path)
    if scenario is None:
        scn = load_scenario(default_validation_scenario())
        scn_label = "one post from a random account (model defaults, no brand, 15-minute steps)"
    else:
        scn = load_scenario(find_scenario(scenario) if isinstance(scenario, str) else scenario)
        scn_label = f"{scn.name}"
    if setting not in SETTINGS:
        raise BuzzsimError(f"--setting {setting!r}: expected one of {', '.join(SETTINGS)}")
    chosen = SETTINGS[setting]
    base_scn = scn
    sizes_only = data_all.kind == "sizes"
    scn = setting_scenario(scn, chosen, sizes_only=sizes_only)
    if chosen.overrides:
        scn_label += f"; setting {chosen.name!r}"
    if graphs is None and scn.graph.kind != "file" and scn.graph.n >= 100_000:
        graphs = 4
    horizon = float(horizon_h if horizon_h is not None else scn.run.horizon_h)
    data, m = qualifying_data(data_all, horizon, min_size)
    want = int(n_cascades or data.n_cascades)
    hours = data.start_hour.to_numpy() if data.start_hour is not None else None
    if max_runs is None:
        max_runs = min(50 * want, 2000)
    sample = sample_model(scn, n_cascades=want, min_size=m, horizon_h=horizon, start_hours=hours, seed=seed,
                          max_runs=max_runs, message=message, progress=progress, graphs=graphs)
    folder = out or Path("results") / "validate" / f"data-{time.strftime('%Y%m%d-%H%M%S')}"
    folder.mkdir(parents=True, exist_ok=True)
    d_obs = observe(data, Path(str(data.source)).name)
    m_obs = Observed("buzzsim", per_cascade(sample.nodes) if len(sample.nodes) else
                     pd.DataFrame(columns=list(PER_CASCADE), dtype=float), sample.nodes)
    table, fd, fm = comparison(d_obs, m_obs, seed=seed)
    table.to_csv(folder / "comparison.csv", index=False)
    d_obs.table.to_csv(folder / "data_cascades.csv")
    m_obs.table.to_csv(folder / "model_cascades.csv")
    figs = draw_figures(d_obs, m_obs, folder, horizon_h=horizon)
    share_q = sample.qualifying / max(len(sample.sizes_all), 1)
    label = Path(str(data.source)).name
    reqs = []
    if data_all.kind == "trees":
        reqs += data_requirements(d_obs.table, m_obs.table, data_label=label, setting=chosen.name)
    if sizes_only:
        # the model's tail at the data's xmin (comparison() fits both sides alike)
        reqs.append(tail_requirement(fd, fm, data_label=label, setting=chosen.name,
                                     where=f" at {scn.graph.n:,} accounts"))
    reqs += (scale_requirements(base_scn, chosen, seed=seed, progress=progress) if scale
             else not_measured_at_scale(chosen))
    summary = {
        "data": str(data_path), "data_kind": data_all.kind, "data_cascades": data.n_cascades,
        "min_size": m, "horizon_h": horizon, "scenario": scn_label,
        "start_hours": "data's own" if hours is not None else "uniform over the day",
        "model_runs": sample.runs, "model_cascades": sample.qualifying, "model_share_qualifying": share_q,
        "model_seconds": sample.seconds, "seed": seed,
        "tail_data": fd.__dict__, "tail_model": fm.__dict__,
        "comparison": table.replace({np.nan: None}).to_dict(orient="records"),
        "setting": {"name": chosen.name, "description": chosen.description, "overrides": dict(chosen.overrides)},
        "graphs_reused": graphs,
        "requirements": [r.as_dict() for r in reqs],
    }
    (folder / "summary.json").write_text(json.dumps(summary, indent=2, default=float))
    lines = [
        "# buzzsim vs real cascades", "",
        f"- data: `{data_path}` ({data_all.kind}; {data_all.n_cascades} cascades, {data.n_cascades} with at least "
        f"{m} nodes{f' within {horizon:g} h' if data_all.has_timing else ''})",
        *[f"- note: {n}" for n in data_all.notes],
        f"- model: {scn_label}; {sample.runs} runs, {sample.qualifying} qualifying cascades "
        f"({share_q:.1%} of the model's cascades have {m} or more nodes), {sample.seconds:.0f} s",
        f"- sampled like the data: same minimum size ({m}), same horizon ({horizon:g} h after the post), "
        f"start hour {'drawn from the data' if hours is not None else 'uniform over the day (the data has none)'}; "
        f"seed {seed}",
        "",
    ]
    if sample.qualifying < want:
        lines += [f"**The model produced only {sample.qualifying} of the {want} qualifying cascades wanted in "
                  f"{sample.runs} runs (the cap)**: its cascades rarely reach {m} nodes.", ""]
    lines += requirements_markdown(reqs, chosen)
    lines += ["## Per-cascade statistics", "",
              "Difference = model median − data median (95 % bootstrap interval); KS = two-sample "
              "Kolmogorov–Smirnov statistic (0 = same distribution, 1 = disjoint); Wasserstein in the "
              "statistic's units.", "", *markdown_table(table, "data", "model"), "",
              "## Size tail", "",
              f"- data: {fd.describe()}", f"- model: {fm.describe()}", ""]
    captions = {"sizes_ccdf": "Size distribution (CCDF, log-log)", "timing_cdf": "Timing",
                "depth_hist": "Depth", "virality_vs_size": "Structural virality vs size"}
    lines += ["## Figures", ""] + [f"![{captions.get(k, k)}]({p.name})" for k, p in figs.items()]
    lines += ["", f"Written in {time.time() - started:.0f} s.", ""]
    (folder / "report.md").write_text("\n".join(lines))
    return folder
