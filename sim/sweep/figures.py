"""Figures of a sweep (PNG): heatmap, lines with bands, scatter, sensitivity indices.

Built on the helpers of :mod:`sim.report.figures` (matplotlib ``Figure`` with the
Agg canvas, never ``pyplot``; atomic writes). Every function takes the sweep's
tidy rows (one per point × replicate) and writes one file.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from sim.analysis.stats import describe, metric_bounds
from sim.report.plotstyle import axis_label, color, new_figure, no_data, save_png

__all__ = ["heatmap_figure", "lines_figure", "scatter_figure", "sensitivity_figure"]


def param_label(key: str) -> str:
    """Axis label of a dotted key: ``crisis.approval_delay_h`` → ``crisis: approval delay (h)``."""
    head, _, leaf = key.rpartition(".")
    return f"{head}: {axis_label(leaf)}" if head else axis_label(leaf)


def _is_numeric(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)


def _fmt(v: Any) -> str:
    if isinstance(v, float | np.floating):
        return f"{float(v):.4g}"
    return str(v)


def _cell(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.3g}"


def heatmap_figure(
    results: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    x: str,
    y: str,
    metric: str,
    averaged: Sequence[str] = (),
    title: str | None = None,
) -> Path:
    """Mean ``metric`` over replicates (and any other parameters) on an ``x`` × ``y`` grid.

    Parameters
    ----------
    results : pandas.DataFrame
        The sweep's rows, with columns ``x``, ``y`` and ``metric``.
    path : path-like
        Output PNG.
    x, y : str
        Parameters on the horizontal and vertical axes (each value one cell).
    metric : str
        Colour: the mean of this column in each cell.
    averaged : list of str
        Other swept parameters that each cell averages over (named in the title).
    """
    for c in (x, y, metric):
        if c not in results.columns:
            raise ValueError(f"results have no column {c!r}")
    grid = results.groupby([y, x], sort=True)[metric].mean().unstack(x)
    counts = results.groupby([y, x], sort=True)[metric].count()
    xs, ys = list(grid.columns), list(grid.index)
    fig = new_figure((max(5.5, 0.75 * len(xs) + 3.2), max(4.0, 0.5 * len(ys) + 2.2)))
    ax = fig.subplots()
    if grid.empty:
        no_data(ax)
    else:
        z = grid.to_numpy(dtype=float)
        im = ax.imshow(z, origin="lower", aspect="auto", cmap="magma_r", interpolation="nearest")
        cb = fig.colorbar(im, ax=ax)
        cb.set_label(f"mean {axis_label(metric)}")
        ax.set_xticks(range(len(xs)), [_fmt(v) for v in xs], rotation=45 if len(xs) > 8 else 0)
        ax.set_yticks(range(len(ys)), [_fmt(v) for v in ys])
        if z.size <= 225:
            finite = z[np.isfinite(z)]
            mid = (finite.min() + finite.max()) / 2 if finite.size else 0.0
            for i in range(len(ys)):
                for j in range(len(xs)):
                    if math.isfinite(z[i, j]):
                        ax.text(j, i, _cell(z[i, j]), ha="center", va="center", fontsize=8,
                                color="white" if z[i, j] > mid else "black")  # fmt: skip
    ax.set_xlabel(param_label(x))
    ax.set_ylabel(param_label(y))
    n = int(counts.max()) if len(counts) else 0
    if title is None:
        title = f"{axis_label(metric)}: mean of {n} runs per cell"
        if averaged:
            title += "\n(averaged over " + ", ".join(averaged) + ")"
    ax.set_title(title, fontsize=10)
    return save_png(fig, path)


def lines_figure(
    results: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    x: str,
    metric: str,
    by: str | None = None,
    title: str | None = None,
) -> Path:
    """Mean ``metric`` against ``x``: a line with its 95 % CI band and the 5–95 % band.

    Non-numeric ``x`` (strategies, flags) are drawn as points with error bars.

    Parameters
    ----------
    results : pandas.DataFrame
        The sweep's rows.
    x : str
        The swept parameter.
    metric : str
        The metric on the vertical axis.
    by : str, optional
        Another parameter: one line per value.
    """
    for c in (x, metric):
        if c not in results.columns:
            raise ValueError(f"results have no column {c!r}")
    numeric = _is_numeric(results[x])
    groups = list(pd.unique(results[by])) if by and by in results.columns else [None]
    fig = new_figure((8.5, 5.0))
    ax = fig.subplots()
    cats = list(pd.unique(results[x])) if not numeric else []
    n_rep = 0
    for i, g in enumerate(groups):
        d = results if g is None else results[results[by] == g]
        bounds = metric_bounds(metric, results[metric])
        stats = [(xv, describe(sub[metric], bounds)) for xv, sub in d.groupby(x, sort=numeric)]
        if not stats:
            continue
        n_rep = max(n_rep, max(int(s[1]["n"]) for s in stats))
        xs = np.array([float(s[0]) for s in stats]) if numeric else np.array(
            [cats.index(s[0]) for s in stats], dtype=float
        )
        if len(groups) > 1 and not numeric:
            xs = xs + (i - (len(groups) - 1) / 2) * 0.8 / len(groups)
        mean, lo, hi, p5, p95 = (
            np.array([s[1][k] for s in stats], dtype=float)
            for k in ("mean", "ci_low", "ci_high", "p5", "p95")
        )
        c = color(i)
        label = axis_label(metric) if g is None else f"{_fmt(g)}"
        if numeric:
            ax.fill_between(xs, p5, p95, color=c, alpha=0.10, lw=0)
            ax.fill_between(xs, lo, hi, color=c, alpha=0.28, lw=0)
            ax.plot(xs, mean, "o-", color=c, lw=2.0, ms=4, label=label)
        else:
            ax.vlines(xs, p5, p95, color=c, lw=6, alpha=0.18)
            ax.errorbar(xs, mean, yerr=[mean - lo, hi - mean], fmt="o", color=c, capsize=4,
                        label=label)  # fmt: skip
    if not numeric:
        ax.set_xticks(range(len(cats)), [_fmt(v) for v in cats])
    if results.empty:
        no_data(ax)
    ax.set_xlabel(param_label(x))
    ax.set_ylabel(axis_label(metric))
    vals = results[metric].to_numpy(dtype=float) if len(results) else np.array([])
    if vals.size and np.nanmin(vals) >= 0:
        ax.set_ylim(bottom=0)
    ax.grid(True, color="0.92")
    handles, _ = ax.get_legend_handles_labels()
    handles += [
        Patch(color="0.45", alpha=0.4, label="95 % CI of the mean"),
        Patch(color="0.45", alpha=0.15, label=f"5–95 % of {n_rep} replicates"),
    ]
    ax.legend(handles=handles, title=param_label(by) if by and len(groups) > 1 else None,
              fontsize=8, framealpha=0.9)  # fmt: skip
    ax.set_title(title or f"{axis_label(metric)} against {param_label(x)}")
    return save_png(fig, path)


def scatter_figure(
    results: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    params: Sequence[str],
    metric: str,
    title: str | None = None,
) -> Path:
    """A panel per parameter: the point means of ``metric`` against the parameter."""
    params = [p for p in params if p in results.columns]
    n = max(1, len(params))
    ncols = min(3, n)
    nrows = math.ceil(n / ncols)
    fig = new_figure((3.8 * ncols + 0.6, 3.2 * nrows + 0.6))
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    means = results.groupby("point", sort=True).agg(
        {**{p: "first" for p in params}, metric: "mean"}
    ) if len(results) else pd.DataFrame()
    for k, ax in enumerate(axes):
        if k >= len(params):
            ax.set_visible(False)
            continue
        p = params[k]
        if means.empty:
            no_data(ax)
        else:
            ax.plot(means[p], means[metric], "o", ms=3, alpha=0.6, color=color(0))
        ax.set_xlabel(param_label(p), fontsize=9)
        if k % ncols == 0:
            ax.set_ylabel(f"mean {axis_label(metric)}")
        ax.grid(True, color="0.92")
    fig.suptitle(title or f"{axis_label(metric)} at each sampled point")
    return save_png(fig, path)


def sensitivity_figure(
    table: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    method: str,
    title: str | None = None,
) -> Path:
    """Bars of the sensitivity indices with their confidence intervals, a panel per metric.

    Sobol: first order (S1) and total order (ST) side by side. Morris: ``mu*``
    with its interval, and ``sigma``.
    """
    metrics = list(pd.unique(table["metric"])) if len(table) else []
    n = max(1, len(metrics))
    ncols = min(2, n)
    nrows = math.ceil(n / ncols)
    n_par = int(table["param"].nunique()) if len(table) else 1
    fig = new_figure((6.2 * ncols + 0.4, (0.55 * n_par + 1.6) * nrows + 0.6))
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    for k, ax in enumerate(axes):
        if k >= len(metrics):
            ax.set_visible(False)
            if not metrics and k == 0:
                ax.set_visible(True)
                no_data(ax)
            continue
        t = table[table["metric"] == metrics[k]]
        names = [param_label(p) for p in t["param"]]
        ys = np.arange(len(names))[::-1].astype(float)
        if method == "sobol":
            pairs = (("S1", "first order S1", 0), ("ST", "total order ST", 1))
            h = 0.38
            for col, lab, j in pairs:
                v = t[col].to_numpy(float)
                err = np.nan_to_num(t[f"{col}_conf"].to_numpy(float), nan=0.0)
                ax.barh(ys + (0.5 - j) * h, np.nan_to_num(v), height=h, xerr=err,
                        color=color(j), alpha=0.85, capsize=3, label=lab)  # fmt: skip
            ax.axvline(0, color="0.3", lw=0.8)
            ax.set_xlim(min(-0.05, ax.get_xlim()[0]), max(1.05, ax.get_xlim()[1]))
            ax.set_xlabel("share of the output's variance")
        else:
            h = 0.38
            ax.barh(ys + h / 2, np.nan_to_num(t["mu_star"].to_numpy(float)), height=h,
                    xerr=np.nan_to_num(t["mu_star_conf"].to_numpy(float)), color=color(0),
                    capsize=3, label="μ* (mean |effect|)")  # fmt: skip
            ax.barh(ys - h / 2, np.nan_to_num(t["sigma"].to_numpy(float)), height=h,
                    color=color(1), alpha=0.8, label="σ (spread of effects)")  # fmt: skip
            ax.set_xlabel(f"elementary effect on {axis_label(metrics[k])}")
        if t[[c for c in t.columns if c not in ("metric", "param")]].isna().all().all():
            no_data(ax, "indices undefined (output constant or missing)")
        ax.set_yticks(ys, names, fontsize=8)
        ax.set_title(axis_label(metrics[k]), fontsize=10)
        ax.grid(True, axis="x", color="0.92")
        ax.legend(fontsize=8, loc="lower right", framealpha=0.9)
    if title is None:
        title = (
            "Sobol indices with 95 % bootstrap intervals"
            if method == "sobol"
            else "Morris elementary effects (μ* with 95 % bootstrap interval)"
        )
    fig.suptitle(title, fontsize=11)
    return save_png(fig, path)
