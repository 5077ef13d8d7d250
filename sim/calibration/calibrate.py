"""``buzzsim calibrate``: set up, run ABC-SMC, write the posterior and what it means.

Writes to the output folder:

* ``posterior.csv`` — one row per accepted particle of the last generation: every
  calibrated parameter and its normalised ``weight``;
* ``posterior_pairs.png`` — the posterior pair plot (weighted histograms on the
  diagonal, particles below it, prior bounds as the axes);
* ``predictive_*.png`` — the posterior predictive check: the model at several
  posterior draws over the data (the figures of ``buzzsim validate --data``);
* ``fit.md`` — goodness of fit per statistic (data vs pooled posterior predictive),
  the posterior summary, and per generation the threshold, acceptance rate and
  effective sample size;
* ``calibrated.toml`` — the scenario with the posterior medians filled in;
* ``abc.db`` — pyABC's history (``--resume`` continues from it); ``calibration.json``.
"""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.cascade_stats import PER_CASCADE, per_cascade
from sim.calibration.abc import (
    CalibrationSetup,
    Particles,
    run_abc,
    summary_stats,
    weighted_quantile,
)
from sim.calibration.report import (
    Observed,
    comparison,
    draw_figures,
    markdown_table,
    observe,
    qualifying_data,
)
from sim.calibration.sampling import sample_model
from sim.data.cascades import load_cascades
from sim.errors import BuzzsimError
from sim.scenario.load import (
    build_scenario,
    find_scenario,
    load_scenario,
    scenario_raw,
    scenario_to_toml,
)
from sim.scenario.variants import apply_overrides, with_overrides
from sim.sweep.spec import SweepSpecError, parse_param, resolve_specs

__all__ = ["QUICK", "calibrate", "make_setup"]

#: ``--quick``: a calibration small enough for the test suite.
QUICK = {"population": 8, "generations": 2, "cascades": 10, "max_runs_per": 6, "predictive_draws": 2}


def make_setup(
    scenario: Any,
    data_path: str | Path,
    params: list[str],
    *,
    population: int | None = None,
    generations: int | None = None,
    n_cascades: int | None = None,
    max_runs: int | None = None,
    min_size: int | None = None,
    horizon_h: float | None = None,
    message: str | None = None,
    seed: int = 0,
    quick: bool = False,
) -> CalibrationSetup:
    """Check the command line's inputs (scenario, data, ``KEY=lo..hi``) before anything runs."""

    scn = load_scenario(find_scenario(scenario) if isinstance(scenario, (str, Path)) else scenario)
    if not params:
        raise BuzzsimError("calibrate needs at least one --param KEY=lo..hi")
    specs = [parse_param(p) for p in params]
    for sp in specs:
        if sp.kind != "bounds":
            raise SweepSpecError(f"--param {sp.describe()}: calibration needs bounds lo..hi (e.g. "
                                 f"{sp.key}=0.5..2), the range of a uniform prior")
        if not sp.hi > sp.lo:
            raise SweepSpecError(f"--param {sp.describe()}: needs lo < hi")
    specs = resolve_specs(scn, specs, "lhs")
    data_all = load_cascades(data_path)
    if not data_all.has_timing:
        raise BuzzsimError(f"{data_path}: sizes only; calibration needs timing (a cascade table or Weibo file)")
    horizon = float(horizon_h if horizon_h is not None else scn.run.horizon_h)
    data, m = qualifying_data(data_all, horizon, min_size)
    obs = observe(data, Path(str(data.source)).name)
    stats = tuple(s for s in PER_CASCADE if obs.table[s].notna().any())
    if quick:
        population = population or QUICK["population"]
        generations = generations or QUICK["generations"]
        n_cascades = n_cascades or QUICK["cascades"]
    population, generations = population or 40, generations or 4
    want = int(n_cascades or min(data.n_cascades, 100))
    runs = int(max_runs if max_runs is not None else (QUICK["max_runs_per"] if quick else 20) * want)
    return CalibrationSetup(scn, [s.key for s in specs], [float(s.lo) for s in specs], [float(s.hi) for s in specs],
                            [bool(s.integer) for s in specs], data, obs.table, stats, m, horizon, want, runs,
                            int(population), int(generations), int(seed), message)


def calibrate(setup: CalibrationSetup, folder: Path, *, resume: bool = False, scheduler: str | None = None,
              progress: bool = True, predictive_draws: int = 5, quick: bool = False,
              command: list[str] | None = None) -> Path:
    """Run the calibration and write the outputs (see the module docstring); returns ``folder``."""

    folder.mkdir(parents=True, exist_ok=True)
    _check_resumable(setup, folder, resume)
    started = time.time()
    if progress:
        print(f"calibrating {', '.join(setup.keys)} on {setup.data.n_cascades} cascades of "
              f"{Path(str(setup.data.source)).name} (>= {setup.min_size} nodes within {setup.horizon_h:g} h); "
              f"{setup.population} particles x {setup.generations} generations, {setup.n_cascades} model "
              f"cascades per particle", file=sys.stderr, flush=True)
    res = run_abc(setup, folder, resume=resume, scheduler=scheduler, progress=progress)
    post = res.posterior
    post.to_csv(folder / "posterior.csv", index=False)
    w = post["weight"].to_numpy()
    summary = {}
    medians: dict[str, Any] = {}
    for k, is_int in zip(setup.keys, setup.integer):
        q05, q50, q95 = weighted_quantile(post[k].to_numpy(), w, [0.05, 0.5, 0.95])
        summary[k] = {"median": float(q50), "q05": float(q05), "q95": float(q95),
                      "mean": float(np.average(post[k], weights=w))}
        medians[k] = int(round(q50)) if is_int else float(_round_sig(q50))
    pair_plot(post, setup, folder / "posterior_pairs.png")

    # posterior predictive: the model at draws from the posterior
    model = setup.model()
    rng = np.random.default_rng([setup.seed, 7919])
    draws = rng.choice(len(post), size=min(predictive_draws, len(post)), replace=True, p=w)
    n_pp = min(setup.data.n_cascades, setup.n_cascades if quick else max(4 * setup.n_cascades, 50))
    tables, nodes_list = [], []
    for j, i in enumerate(draws):
        par = {f"p{q}": float(post.iloc[i][k]) for q, k in enumerate(setup.keys)}
        scn = build_scenario(apply_overrides(model.scenario_raw, model.overrides(par), in_variant=False))
        s = sample_model(scn, n_cascades=n_pp, min_size=setup.min_size, horizon_h=setup.horizon_h,
                         start_hours=model.start_hours, seed=setup.seed + 1000 + j, max_runs=setup.max_runs * 4,
                         message=setup.message)
        t = per_cascade(s.nodes) if len(s.nodes) else pd.DataFrame(columns=list(PER_CASCADE), dtype=float)
        tables.append(t)
        nodes_list.append(s.nodes)
    d_obs = Observed(Path(str(setup.data.source)).name, setup.data_table, setup.data.nodes)
    m_obs = [Observed("posterior predictive", t, n) for t, n in zip(tables, nodes_list)]
    figs = draw_figures(d_obs, m_obs, folder, horizon_h=setup.horizon_h, title="Sizes: data vs posterior predictive")
    for name, p in list(figs.items()):
        target = folder / f"predictive_{p.name}"
        p.replace(target)
        figs[name] = target
    pooled = Observed("posterior predictive", pd.concat(tables, ignore_index=True) if tables else
                      pd.DataFrame(columns=list(PER_CASCADE)), None)
    table, fd, fm = comparison(d_obs, pooled, seed=setup.seed)
    table.to_csv(folder / "fit.csv", index=False)

    calibrated = with_overrides(setup.scenario, medians)
    calibrated = calibrated.model_copy(update={"name": f"{setup.scenario.name}_calibrated"})
    header = (f"{setup.scenario.name}, calibrated by buzzsim calibrate on {setup.data.source}:\n"
              + "\n".join(f"{k} = {medians[k]} (posterior median; 90 % interval {summary[k]['q05']:.4g} to "
                          f"{summary[k]['q95']:.4g})" for k in setup.keys))
    (folder / "calibrated.toml").write_text(scenario_to_toml(calibrated, header=header))

    fit_md(folder, setup, res, summary, table, pooled.table, fd, fm, figs, command, time.time() - started, quick)
    (folder / "calibration.json").write_text(json.dumps({
        "command": command, "data": str(setup.data.source), "keys": setup.keys,
        "bounds": [[lo, hi] for lo, hi in zip(setup.lo, setup.hi)], "seed": setup.seed,
        "population": setup.population, "generations": setup.generations, "min_size": setup.min_size,
        "horizon_h": setup.horizon_h, "n_cascades": setup.n_cascades, "max_runs": setup.max_runs,
        "statistics": list(setup.stats), "posterior": summary,
        "generation_table": res.generations.replace({np.nan: None}).to_dict(orient="records"),
        "seconds": time.time() - started,
    }, indent=2, default=str))
    return folder


def identity(setup: CalibrationSetup) -> dict[str, Any]:
    """What must not change between a calibration and its ``--resume``."""

    return {"scenario": json.loads(json.dumps(scenario_raw(setup.scenario), default=str)),
            "data": str(setup.data.source), "keys": setup.keys, "lo": setup.lo, "hi": setup.hi,
            "seed": setup.seed, "population": setup.population, "min_size": setup.min_size,
            "horizon_h": setup.horizon_h, "n_cascades": setup.n_cascades, "max_runs": setup.max_runs,
            "statistics": list(setup.stats), "message": setup.message}


def _check_resumable(setup: CalibrationSetup, folder: Path, resume: bool) -> None:
    path = folder / "setup.json"
    mine = identity(setup)
    if resume and path.exists():
        old = json.loads(path.read_text())
        diff = [k for k in mine if old.get(k) != mine[k]]
        if diff:
            raise BuzzsimError(f"--resume: {folder} was calibrated with a different {diff[0]} "
                               f"({old.get(diff[0])!r} vs {mine[diff[0]]!r}); only --generations may change")
    path.write_text(json.dumps(mine, indent=2))


def _round_sig(x: float, sig: int = 4) -> float:
    if x == 0 or not math.isfinite(x):
        return x
    return round(x, sig - 1 - int(math.floor(math.log10(abs(x)))))


def pair_plot(post: pd.DataFrame, setup: CalibrationSetup, path: Path) -> Path:
    """Weighted histograms on the diagonal, particles (size by weight) below it."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    k = len(setup.keys)
    fig = Figure(figsize=(2.6 * k + 1, 2.6 * k + 0.6), constrained_layout=True)
    FigureCanvasAgg(fig)
    axes = np.atleast_2d(fig.subplots(k, k, squeeze=False))
    w = post["weight"].to_numpy()
    for i, ki in enumerate(setup.keys):
        for j, kj in enumerate(setup.keys):
            ax = axes[i, j]
            if i == j:
                ax.hist(post[ki], bins=15, weights=w, range=(setup.lo[i], setup.hi[i]), color="C0", alpha=0.7)
                lo, med, hi = weighted_quantile(post[ki].to_numpy(), w, [0.05, 0.5, 0.95])
                for v, ls in ((lo, ":"), (med, "-"), (hi, ":")):
                    ax.axvline(v, color="k", ls=ls, lw=1)
                ax.set_xlim(setup.lo[i], setup.hi[i])
                ax.set_yticks([])
            elif i > j:
                ax.scatter(post[kj], post[ki], s=10 + 400 * w, alpha=0.5, color="C0")
                ax.set_xlim(setup.lo[j], setup.hi[j])
                ax.set_ylim(setup.lo[i], setup.hi[i])
            else:
                ax.axis("off")
            if i == k - 1:
                ax.set_xlabel(kj, fontsize=8)
            if j == 0 and i > 0:
                ax.set_ylabel(ki, fontsize=8)
    fig.suptitle("Posterior (median solid, 90 % interval dotted; axes = prior bounds)", fontsize=9)
    fig.savefig(path, dpi=110)
    return path


def fit_md(folder: Path, setup: CalibrationSetup, res: Particles, summary: dict[str, dict[str, float]],
           table: pd.DataFrame, model_table: pd.DataFrame, fd: Any, fm: Any, figs: dict[str, Path],
           command: list[str] | None,
           seconds: float, quick: bool) -> Path:
    """Write ``fit.md``: posterior, fit per statistic, generations."""
    per_stat = res.distance.per_stat
    lines = [
        "# Calibration", "",
        f"- command: `{' '.join(command)}`" if command else "- called from Python",
        f"- data: `{setup.data.source}`: {setup.data.n_cascades} cascades with at least {setup.min_size} nodes "
        f"within {setup.horizon_h:g} h",
        f"- scenario: {setup.scenario.name}; each particle samples {setup.n_cascades} model cascades like the data "
        f"(same minimum size and horizon; start hour "
        f"{'drawn from the data' if setup.data.start_hour is not None else 'uniform over the day'}; "
        f"at most {setup.max_runs} runs)",
        f"- statistics: {', '.join(setup.stats)}; each summarised by its 10/25/50/75/90 % quantiles over "
        "cascades (size in log10) and scaled by its interquartile range in the data",
        f"- pyABC ABC-SMC: {setup.population} particles, {len(res.generations)} generations, seed {setup.seed}"
        f"{' (--quick)' if quick else ''}; {seconds:.0f} s",
        "",
        "## Posterior", "",
        "| parameter | prior | median | 90 % interval |", "|---|---|---|---|",
    ]
    for k, lo, hi in zip(setup.keys, setup.lo, setup.hi):
        s = summary[k]
        lines.append(f"| `{k}` | uniform {lo:g}..{hi:g} | {s['median']:.4g} | {s['q05']:.4g} to {s['q95']:.4g} |")
    lines += ["", "![posterior](posterior_pairs.png)", "", "## Generations", "",
              "| generation | threshold (distance) | accepted / simulated | acceptance rate | ESS |",
              "|---|---|---|---|---|"]
    for r in res.generations.itertuples():
        lines.append(f"| {int(r.t) + 1} | {r.epsilon:.3g} | {int(r.particles)} / {int(r.samples)} | "
                     f"{r.acceptance_rate:.1%} | {r.ess:.1f} |")
    lines += ["", "## Goodness of fit (data vs posterior predictive)", "",
              "The model at posterior draws, pooled, against the data; per statistic the scaled distance "
              "used by the calibration (mean |quantile difference| / data IQR; 0 = same quantiles, 1 = off "
              "by an interquartile range), then medians, KS and Wasserstein.", ""]
    pp: dict[str, float] = {}
    tbl = table.set_index("statistic")
    lines += ["| statistic | scaled distance | data median | model median | KS | Wasserstein |",
              "|---|---|---|---|---|---|"]
    if len(model_table):
        pp = per_stat(summary_stats(model_table, setup.stats), res.observed)
    for s in setup.stats:
        r = tbl.loc[s]
        lines.append(f"| {s} | {pp.get(s, float('nan')):.2f} | {r.data_median:.3g} | {r.model_median:.3g} | "
                     f"{r.ks:.2f} | {r.wasserstein:.3g} |")
    lines += ["", f"Size tail: data {fd.describe()}; model {fm.describe()}.", "",
              "Full table (difference of medians with 95 % bootstrap interval):", "",
              *markdown_table(table, "data", "posterior predictive"), "", "## Posterior predictive figures", ""]
    lines += [f"![{k}]({p.name})" for k, p in figs.items()]
    lines += ["", "`calibrated.toml` is the scenario with the posterior medians filled in "
              "(`buzzsim run calibrated.toml`).", ""]
    path = folder / "fit.md"
    path.write_text("\n".join(lines))
    return path
