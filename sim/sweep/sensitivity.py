"""Sensitivity indices with SALib: Sobol (first and total order) and Morris.

The model output at a design row is the mean of the metric over the point's
replicates. Replicates share their seeds across points (common random numbers),
so a parameter the model ignores changes nothing at all and gets indices of
exactly zero, instead of noise.

* **Sobol** (``--method sobol``): ``S1`` is the share of the output's variance
  explained by the parameter alone, ``ST`` the share in which it takes part
  (alone or interacting); ``*_conf`` are the half-widths of bootstrap confidence
  intervals (95 %).
* **Morris** (``--method morris``): ``mu_star`` is the mean absolute elementary
  effect (overall influence), ``sigma`` the spread of the effects (non-linearity
  or interactions), ``mu_star_conf`` the bootstrap half-width of ``mu_star``.

>>> import numpy as np
>>> from SALib.sample import sobol as sample
>>> from SALib.test_functions import Ishigami
>>> problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
>>> X = sample.sample(problem, 1024, seed=1)
>>> t = sobol_indices(problem, Ishigami.evaluate(X), seed=1)
>>> [round(v, 1) for v in t["S1"]]
[0.3, 0.4, 0.0]
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.sweep.design import design_seed

__all__ = ["CONF_LEVEL", "analyse_design", "morris_indices", "sobol_indices"]

#: Confidence level of the bootstrap intervals.
CONF_LEVEL = 0.95
#: Bootstrap resamples.
RESAMPLES = 1000

SOBOL_COLUMNS = ("param", "S1", "S1_conf", "ST", "ST_conf")
MORRIS_COLUMNS = ("param", "mu", "mu_star", "mu_star_conf", "sigma")


def sobol_indices(
    problem: dict[str, Any],
    Y: Any,
    *,
    second_order: bool | None = None,
    seed: int | None = 0,
    resamples: int = RESAMPLES,
) -> pd.DataFrame:
    """First- and total-order Sobol indices of ``Y`` (Saltelli's design).

    Parameters
    ----------
    problem : dict
        SALib problem (``num_vars``, ``names``, ``bounds``).
    Y : array_like
        Model output at each row of ``SALib.sample.sobol.sample(problem, N, ...)``.
    second_order : bool, optional
        Whether the sample includes second-order rows (default: ``num_vars >= 2``,
        which is how :mod:`sim.sweep.design` samples).
    seed : int, optional
        Seed of the bootstrap.

    Returns
    -------
    pandas.DataFrame
        ``param``, ``S1``, ``S1_conf``, ``ST``, ``ST_conf``. All NaN when ``Y``
        is constant or has missing values (the indices are undefined).
    """
    from SALib.analyze import sobol

    y = np.asarray(Y, dtype=float).ravel()
    names = list(problem["names"])
    if second_order is None:
        second_order = len(names) >= 2
    if not _usable(y):
        return pd.DataFrame({c: names if c == "param" else np.nan for c in SOBOL_COLUMNS})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        si = sobol.analyze(
            problem, y, calc_second_order=second_order, num_resamples=resamples,
            conf_level=CONF_LEVEL, print_to_console=False, seed=seed,
        )  # fmt: skip
    return pd.DataFrame(
        {
            "param": names,
            "S1": np.asarray(si["S1"], float),
            "S1_conf": np.asarray(si["S1_conf"], float),
            "ST": np.asarray(si["ST"], float),
            "ST_conf": np.asarray(si["ST_conf"], float),
        }
    )


def morris_indices(
    problem: dict[str, Any],
    X: Any,
    Y: Any,
    *,
    levels: int = 4,
    seed: int | None = 0,
    resamples: int = RESAMPLES,
) -> pd.DataFrame:
    """Morris elementary effects of ``Y`` over the trajectories ``X``.

    Returns
    -------
    pandas.DataFrame
        ``param``, ``mu``, ``mu_star``, ``mu_star_conf``, ``sigma`` (in the units
        of the metric per unit of the parameter's range... as SALib reports them:
        effects of a step of ``levels/(2(levels-1))`` of the range).
    """
    from SALib.analyze import morris

    y = np.asarray(Y, dtype=float).ravel()
    names = list(problem["names"])
    if not _usable(y, constant_ok=True):
        return pd.DataFrame({c: names if c == "param" else np.nan for c in MORRIS_COLUMNS})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        si = morris.analyze(
            problem, np.asarray(X, float), y, num_resamples=resamples, conf_level=CONF_LEVEL,
            print_to_console=False, num_levels=levels, seed=seed,
        )  # fmt: skip
    return pd.DataFrame(
        {
            "param": names,
            "mu": np.asarray(si["mu"], float),
            "mu_star": np.asarray(si["mu_star"], float),
            "mu_star_conf": np.asarray(si["mu_star_conf"], float),
            "sigma": np.asarray(si["sigma"], float),
        }
    )


def _usable(y: np.ndarray, *, constant_ok: bool = False) -> bool:
    if y.size == 0 or not np.all(np.isfinite(y)):
        return False
    return constant_ok or float(np.var(y)) > 0.0


def analyse_design(
    design: Any,
    results: pd.DataFrame,
    metrics: Sequence[str],
    *,
    seed: int = 0,
) -> tuple[pd.DataFrame, list[str]]:
    """Sensitivity indices of ``metrics`` for a finished Sobol or Morris sweep.

    Parameters
    ----------
    design : sim.sweep.design.Design
        The sweep's design (method ``sobol`` or ``morris``).
    results : pandas.DataFrame
        The sweep's rows (``point`` and the metric columns).
    metrics : list of str
        Metrics to analyse.
    seed : int
        The sweep's seed (the bootstrap's seed is derived from it).

    Returns
    -------
    table : pandas.DataFrame
        ``metric`` then the columns of :func:`sobol_indices` or :func:`morris_indices`.
    notes : list of str
        Metrics that could not be analysed, and why.
    """

    if design.method not in ("sobol", "morris"):
        raise ValueError(f"no sensitivity analysis for method {design.method!r}")
    boot = design_seed(seed, "analysis")
    means = results.groupby("point", sort=True)[list(metrics)].mean(numeric_only=False)
    parts, notes = [], []
    for m in metrics:
        y = means[m].reindex(design.table["point"].to_numpy()).to_numpy(dtype=float)
        if not np.all(np.isfinite(y)):
            n_bad = int((~np.isfinite(y)).sum())
            notes.append(f"{m}: undefined at {n_bad} of {y.size} design rows; no indices")
        elif design.method == "sobol" and float(np.var(y)) == 0.0:
            notes.append(f"{m}: the same at every point; no indices")
        if design.method == "sobol":
            t = sobol_indices(design.problem, y, seed=boot)
        else:
            t = morris_indices(design.problem, design.X, y, levels=design.levels or 4, seed=boot)
        t.insert(0, "metric", m)
        parts.append(t)
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    return table, notes


def format_table(table: pd.DataFrame, method: str) -> str:
    """The indices as a plain-text table."""
    if table.empty:
        return "(no indices)"
    if method == "sobol":
        head = f"{'metric':<20} {'parameter':<32} {'S1':>16} {'ST':>16}"
        lines = [head, "-" * len(head)]
        for r in table.itertuples(index=False):
            lines.append(
                f"{r.metric:<20} {r.param:<32} {_pm(r.S1, r.S1_conf):>16} {_pm(r.ST, r.ST_conf):>16}"
            )
    else:
        head = f"{'metric':<20} {'parameter':<32} {'mu*':>18} {'mu':>10} {'sigma':>10}"
        lines = [head, "-" * len(head)]
        for r in table.itertuples(index=False):
            lines.append(
                f"{r.metric:<20} {r.param:<32} {_pm(r.mu_star, r.mu_star_conf, 4):>18} "
                f"{_g(r.mu):>10} {_g(r.sigma):>10}"
            )
    return "\n".join(lines)


def _g(v: float) -> str:
    return "nan" if not math.isfinite(v) else f"{v:.4g}"


def _pm(v: float, c: float, digits: int = 3) -> str:
    if not math.isfinite(v):
        return "nan"
    if digits == 3:
        return f"{v:.3f} ± {c:.3f}" if math.isfinite(c) else f"{v:.3f}"
    return f"{v:.4g} ± {c:.2g}" if math.isfinite(c) else f"{v:.4g}"
