"""Figures of a run, a comparison and a sweep (PNG, matplotlib Agg).

Every function takes tidy data and an output path, writes one PNG (atomically: a
temporary file in the same folder, then a rename) and returns the path. Figures are
built with :class:`matplotlib.figure.Figure` and the Agg canvas directly, never
through ``pyplot``, so importing this module neither switches the backend of a
user's notebook nor keeps figures alive in pyplot's registry.

Lines over time are means across replicates and bands their empirical 5–95 %
ranges (what a single run may look like); with few replicates the lifecycle
figure draws the replicates themselves. Medians are not drawn: crisis and cascade
sizes are heavy-tailed, so a median line often sits at zero under a band reaching
thousands. The error bars of :func:`metrics_figure` and :func:`delay_figure` are
95 % confidence intervals of the mean (how well the replicates pin down the
average).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.analysis.lifecycle import trailing_average
from sim.analysis.stats import describe, metric_bounds, percent_readable
from sim.analysis.trees import parent_index
from sim.report.plotstyle import axis_label, color, new_figure, no_data, save_png
from sim.result import totals_only

__all__ = [
    "cascade_figure",
    "compare_figure",
    "delay_figure",
    "lifecycle_figure",
    "metrics_figure",
    "tree_layout",
]

_PHASES = (
    ("t_ignition_h", "ignition"),
    ("t_peak_h", "peak"),
    ("t_decay_h", "decay"),
    ("t_plateau_h", "plateau"),
)
#: Up to this many replicates the lifecycle figure draws each one instead of a band.
FEW_REPLICATES = 5


# --------------------------------------------------------------------------- helpers


def _day_ticks(ax: Any, h_max: float) -> None:
    """Major x ticks on whole days (every k days so there are at most ~15)."""
    h_max = max(float(h_max), 24.0)
    days = math.ceil(h_max / 24.0)
    step = 24 * max(1, math.ceil(days / 14))
    ax.set_xticks(np.arange(0, days * 24 + 1, step))
    if step > 24:
        ax.set_xticks(np.arange(0, days * 24 + 1, 24), minor=True)
    ax.set_xlim(0, h_max)
    ax.grid(True, axis="x", which="major", color="0.88", lw=0.8)
    ax.grid(True, axis="y", color="0.93", lw=0.6)


def _messages(series: pd.DataFrame, message: str | Sequence[str] | None) -> list[Any]:
    if "message" not in series.columns:
        return [None]
    present = list(pd.unique(series["message"]))
    if message is None:
        return present
    wanted = [message] if isinstance(message, str) else list(message)
    unknown = [m for m in wanted if m not in present]
    if unknown:
        raise ValueError(f"message(s) {unknown} not in the series (have {present})")
    return wanted


def _matrix(df: pd.DataFrame, value: str, *, cumulative: bool, h_max: int | None = None) -> Any:
    """Hour × replicate matrix of ``value`` (missing hours: 0, or carried for totals)."""
    reps = df["replicate"] if "replicate" in df.columns else pd.Series(0, index=df.index)
    wide = (
        pd.DataFrame({"hour": df["hour"].to_numpy(), "rep": reps.to_numpy(), "v": df[value]})
        .pivot_table(index="hour", columns="rep", values="v", aggfunc="sum")
        .sort_index()
    )
    top = int(wide.index.max()) if h_max is None else int(h_max)
    wide = wide.reindex(np.arange(0, top + 1))
    wide = wide.ffill().fillna(0.0) if cumulative else wide.fillna(0.0)
    return wide.index.to_numpy(dtype=float), wide.to_numpy(dtype=float)


def _band(mat: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (
        np.median(mat, axis=1),
        np.percentile(mat, 5, axis=1),
        np.percentile(mat, 95, axis=1),
    )


def _phase_medians(phases: Any, message: Any) -> dict[str, float]:
    """Median phase times of one message from a phases table / dict (NaN → absent)."""
    if phases is None:
        return {}
    if isinstance(phases, Mapping):
        rows = pd.DataFrame([dict(phases)])
    else:
        rows = pd.DataFrame(phases)
    if "message" in rows.columns and message is not None:
        rows = rows[rows["message"] == message]
    out = {}
    for key, name in _PHASES:
        if key in rows.columns:
            vals = pd.to_numeric(rows[key], errors="coerce").to_numpy(dtype=float)
            vals = vals[np.isfinite(vals)]
            if vals.size:
                out[name] = float(np.median(vals))
    return out


def _spread(xs: list[float], min_gap: float) -> list[float]:
    """Shift sorted label positions apart by at least ``min_gap`` (keeps their mean)."""
    if len(xs) < 2:
        return list(xs)
    order = np.argsort(xs)
    pos = np.asarray(xs, dtype=float)[order]
    for _ in range(50):
        moved = False
        for i in range(1, pos.size):
            gap = pos[i] - pos[i - 1]
            if gap < min_gap - 1e-9:
                push = (min_gap - gap) / 2
                pos[i - 1] -= push
                pos[i] += push
                moved = True
        if not moved:
            break
    out = np.empty_like(pos)
    out[order] = pos
    return out.tolist()


# --------------------------------------------------------------------------- figures


def lifecycle_figure(
    series: pd.DataFrame,
    phases: pd.DataFrame | Mapping[str, float] | None,
    path: str | os.PathLike[str],
    *,
    message: str | Sequence[str] | None = None,
    title: str | None = None,
    smoothing_h: float | None = 24.0,
) -> Path:
    """Incidence and cumulative reach of a scenario's messages, with lifecycle phases.

    Top panel: per message, the mean hourly new shares across replicates (thin)
    and its trailing ``smoothing_h`` moving average (thick; causal: it never
    rises before the shares do; the peak is read on the raw curve), with the 5–95 % band across
    replicates (or, with up to :data:`FEW_REPLICATES` replicates, each replicate
    as a faint line), and dashed
    vertical lines at the median ignition, peak, decay and plateau times. Bottom
    panel: the cumulative reach (``reach``; else ``shares``; else the cumulative sum
    of ``new_shares``) with its band.

    Parameters
    ----------
    series : pandas.DataFrame
        Hourly series (:data:`sim.result.SERIES_COLUMNS`), optionally with a
        ``replicate`` column for several runs of the scenario (one variant only).
    phases : pandas.DataFrame or dict or None
        Output of :func:`sim.analysis.lifecycle.phases_table` (rows per message and
        possibly per replicate; medians are drawn), a single ``phases()`` dict, or
        None for no phase lines. NaN phases are skipped.
    path : path-like
        Output PNG.
    message : str or list of str, optional
        Message(s) to draw; all by default.
    title : str, optional
        Figure title; by default "Lifecycle of <message>".
    smoothing_h : float or None, default 24
        Window of the smoothed line; None or 0 to draw only the raw mean.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    series = totals_only(series)  # several platforms: the totals
    if "variant" in series.columns and series["variant"].nunique() > 1:
        raise ValueError(
            "lifecycle_figure draws one scenario; the series has several variants"
            " (filter it, or use compare_figure)"
        )
    msgs = _messages(series, message)
    n_rep = int(series["replicate"].nunique()) if "replicate" in series.columns else 1
    fig = new_figure((10.0, 6.6))
    ax, ax2 = fig.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    cum_col = next((c for c in ("reach", "shares") if c in series.columns), None)
    h_max = float(series["hour"].max()) + 1 if len(series) else 24.0
    phase_marks: list[tuple[float, str, str, int]] = []
    handles: list[Any] = []

    for i, msg in enumerate(msgs):
        df = series if msg is None else series[series["message"] == msg]
        if df.empty:
            continue
        c = color(i)
        hours, inc = _matrix(df, "new_shares", cumulative=False, h_max=int(h_max) - 1)
        _, lo, hi = _band(inc)
        med = inc.mean(axis=1)  # the mean: the median of heavy-tailed runs sits at 0
        name = "shares" if msg is None else str(msg)
        smooth = bool(smoothing_h) and smoothing_h > 1
        if 1 < n_rep <= FEW_REPLICATES:
            for col in inc.T:  # few replicates: show them, a band of 2-5 runs says little
                ax.step(hours, col, where="post", color=c, lw=0.6, alpha=0.35)
        elif n_rep > 1:
            ax.fill_between(hours, lo, hi, color=c, alpha=0.18, lw=0, step="post")
        ax.step(hours, med, where="post", color=c, lw=0.8, alpha=0.55 if smooth else 1.0)
        if smooth:
            ax.plot(hours + 0.5, trailing_average(med, smoothing_h), color=c, lw=2.2)
        handles.append(Line2D([], [], color=c, lw=2.2, label=name))

        if cum_col is not None:
            _, cum = _matrix(df, cum_col, cumulative=True, h_max=int(h_max) - 1)
        else:
            cum = np.cumsum(inc, axis=0)
        _, clo, chi = _band(cum)
        if 1 < n_rep <= FEW_REPLICATES:
            for col in cum.T:
                ax2.plot(hours + 1, col, color=c, lw=0.6, alpha=0.35)
        elif n_rep > 1:
            ax2.fill_between(hours + 1, clo, chi, color=c, alpha=0.18, lw=0)
        ax2.plot(hours + 1, cum.mean(axis=1), color=c, lw=2.0)

        for name_p, t in _phase_medians(phases, msg).items():
            phase_marks.append((t, name_p, c, i))

    if not handles:
        no_data(ax)
        no_data(ax2)
    elif not (series["new_shares"].fillna(0) > 0).any():
        no_data(ax, "nothing was shared")
        ax.set_ylim(0, 1)

    # phase lines on both panels, labels at the top of the upper one, spread apart
    if phase_marks:
        ts = [m[0] for m in phase_marks]
        label_x = _spread(ts, min_gap=0.022 * max(h_max, 24.0))
        for (t, name_p, c, _), lx in zip(phase_marks, label_x, strict=True):
            for a in (ax, ax2):
                a.axvline(t, color=c, ls="--", lw=1.0, alpha=0.8)
            ax.text(
                lx,
                0.985,
                f"{name_p} {t:.0f} h",
                transform=ax.get_xaxis_transform(),
                rotation=90,
                ha="center",
                va="top",
                fontsize=8,
                color=c,
                bbox={"boxstyle": "square,pad=0.2", "fc": "white", "ec": "none"},
            )
        handles.append(Line2D([], [], color="0.3", ls="--", lw=1.0, label="median phase time"))
    if n_rep > FEW_REPLICATES and msgs:
        handles.append(Patch(color="0.5", alpha=0.3, label=f"5–95 % of {n_rep} replicates"))
    elif n_rep > 1 and msgs:
        handles.append(Line2D([], [], color="0.5", lw=0.6, alpha=0.6, label=f"each of the {n_rep} replicates"))
    if smoothing_h and smoothing_h > 1 and handles:
        handles.insert(
            len(msgs),
            Line2D(
                [],
                [],
                color="0.3",
                lw=0.8,
                alpha=0.6,
                label="hourly mean (raw)" if n_rep > 1 else "hourly (raw)",
            ),
        )

    top = ax.get_ylim()[1]
    ax.set_ylim(0, max(top, 1.0) * 1.28)  # head-room for the phase labels
    ax2.set_ylim(bottom=0)
    ax.set_ylabel("new shares per hour")
    ax2.set_ylabel(
        {"reach": "cumulative reach\n(accounts aware)", "shares": "cumulative shares"}.get(
            cum_col or "", "cumulative shares"
        )
    )
    ax2.set_xlabel("hours since start (grid: days)")
    _day_ticks(ax, h_max)
    _day_ticks(ax2, h_max)
    if handles:
        ax.legend(handles=handles, loc="upper right", fontsize=8, framealpha=0.9)
    if title is None:
        shown = [str(m) for m in msgs if m is not None]
        title = "Lifecycle of " + (", ".join(shown) if shown else "the message")
        if n_rep > 1:
            title += f" (mean of {n_rep} replicates)"
    fig.suptitle(title)
    return save_png(fig, path)


def compare_figure(
    series: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    metric: str = "new_shares",
    message: str | None = None,
    smoothing_h: float | None = None,
    title: str | None = None,
    baseline: str | None = None,
) -> Path:
    """Each variant's mean across replicates with its 5–95 % band; the baseline on top.

    Up to four variants share one panel; the baseline is drawn last, in black, so
    no other line hides it. With more variants the figure becomes small multiples:
    one panel per variant (its mean and band, in its colour) with the baseline's
    mean repeated in black on every panel, all panels on the same axes, so each
    variant is read against the baseline without a dozen lines crossing.

    The mean, not the median: crisis outcomes are heavy-tailed (most complaints
    fizzle, a few explode), so the median line often sits at zero under a band
    reaching thousands.

    Parameters
    ----------
    series : pandas.DataFrame
        Hourly series with ``hour``, ``message``, ``variant``, ``replicate`` and
        ``metric`` columns (``variant``/``replicate`` may be absent: one line / no band).
    path : path-like
        Output PNG.
    metric : str, default "new_shares"
        Column to draw.
    message : str, optional
        Message to draw; the first message of the series by default.
    smoothing_h : float, optional
        Trailing (causal) moving average applied to each replicate before taking the
        mean and band. By default none: the hourly curves are drawn as they are, so
        a message never appears before it is posted and its peak is the real hourly
        peak (a 24 h average shows about a twentieth of a one-hour burst).
    title : str, optional
        Figure title.
    baseline : str, optional
        The variant drawn in black on top (default: the first variant).

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    series = totals_only(series)  # several platforms: the totals
    if metric not in series.columns:
        raise ValueError(f"series has no column {metric!r}")
    msgs = _messages(series, message)
    msg = msgs[0] if msgs else None
    df = series if msg is None else series[series["message"] == msg]
    incidence = metric.startswith("new_")
    if smoothing_h is None:
        smoothing_h = 0.0
    variants = list(pd.unique(df["variant"])) if "variant" in df.columns else [None]
    if baseline is None or baseline not in variants:
        baseline = variants[0] if variants else None
    n_rep = int(df["replicate"].nunique()) if "replicate" in df.columns else 1
    h_max = float(series["hour"].max()) + 1 if len(series) else 24.0

    curves: dict[Any, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}
    for v in variants:
        d = df if v is None else df[df["variant"] == v]
        if d.empty:
            continue
        hours, mat = _matrix(d, metric, cumulative=not incidence, h_max=int(h_max) - 1)
        if smoothing_h and smoothing_h > 1:
            mat = np.column_stack([trailing_average(col, smoothing_h) for col in mat.T])
        x = hours + (0.5 if incidence else 1.0)
        curves[v] = (x, mat.mean(axis=1), np.percentile(mat, 5, axis=1), np.percentile(mat, 95, axis=1))

    others = [v for v in variants if v != baseline and v in curves]
    colour = {v: color(i) for i, v in enumerate(others)}
    base_label = "baseline" if baseline is None else f"{baseline} (baseline)"
    ylabel = axis_label(metric) + (" per hour" if incidence else "")
    if smoothing_h and smoothing_h > 1:
        ylabel += f"\n(trailing {smoothing_h:g} h moving average)"
    band_label = f"5–95 % of {n_rep} replicates"

    def draw(ax: Any, v: Any, c: str, label: str, band: bool = True, lw: float = 2.0, ls: str = "-") -> None:
        x, mean, lo, hi = curves[v]
        if band and n_rep > 1:
            ax.fill_between(x, lo, hi, color=c, alpha=0.15, lw=0)
        ax.plot(x, mean, color=c, lw=lw, ls=ls, label=label)

    many = len(others) > 3
    if not many:
        fig = new_figure((10.0, 5.0))
        ax = fig.subplots()
        for v in others:
            draw(ax, v, colour[v], str(v))
        if baseline in curves:
            draw(ax, baseline, "black", metric if baseline is None else base_label, lw=2.4)
        if not curves:
            no_data(ax)
        _day_ticks(ax, h_max)
        ax.set_ylim(bottom=0)
        ax.set_ylabel(ylabel)
        ax.set_xlabel("hours since start (grid: days)")
        handles, _ = ax.get_legend_handles_labels()
        if n_rep > 1 and handles:
            handles.append(Patch(color="0.5", alpha=0.3, label=band_label))
        if handles:
            ax.legend(handles=handles, loc="best", fontsize=9, framealpha=0.9)
        if title is None:
            title = f"{axis_label(metric)} by variant" + (f" — {msg}" if msg is not None else "")
            if n_rep > 1:
                title += f" (mean and 5–95 % of {n_rep} replicates)"
        ax.set_title(title)
        return save_png(fig, path)

    panels = [baseline, *others] if baseline in curves else others
    ncols = 4
    nrows = math.ceil(len(panels) / ncols)
    fig = new_figure((3.3 * ncols + 0.4, 2.5 * nrows + 1.2))
    axes = np.atleast_1d(fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False)).ravel()
    for k, ax in enumerate(axes):
        if k >= len(panels):
            ax.set_visible(False)
            continue
        v = panels[k]
        if v == baseline:
            draw(ax, v, "black", base_label, lw=2.0)
            ax.set_title(base_label, fontsize=9, fontweight="bold")
        else:
            draw(ax, v, colour[v], str(v))
            if baseline in curves:
                draw(ax, baseline, "black", base_label, band=False, lw=1.3, ls="--")
            ax.set_title(str(v), fontsize=9, color=colour[v])
        _day_ticks(ax, h_max)
        if k % ncols == 0:
            ax.set_ylabel(ylabel, fontsize=8)
        if k // ncols == nrows - 1 or k + ncols >= len(panels):
            ax.set_xlabel("hours (grid: days)", fontsize=8)
            ax.tick_params(axis="x", labelbottom=True)
        ax.tick_params(labelsize=7)
    tops = [float(np.nanmax(np.r_[c[1], c[3] if n_rep > 1 else c[1]])) for c in curves.values()]
    axes[0].set_ylim(0, max(max(tops, default=1.0), 1e-9) * 1.05)  # shared: every band fits
    handles = [Line2D([], [], color="0.3", lw=2.0, label="variant mean")]
    if baseline in curves:
        handles.append(Line2D([], [], color="black", lw=1.3, ls="--", label=f"{base_label} mean, on every panel"))
    if n_rep > 1:
        handles.append(Patch(color="0.5", alpha=0.3, label=band_label))
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), fontsize=9, frameon=False)
    if title is None:
        title = f"{axis_label(metric)} by variant" + (f" — {msg}" if msg is not None else "")
    if n_rep > 1:
        title += f"\n(mean and 5–95 % of {n_rep} replicates, each variant against the baseline)"
    fig.suptitle(title, fontsize=11)
    return save_png(fig, path)


#: Metrics whose zero is not "nothing" (indices, sentiments): differences are absolute.
def _signed(x: float) -> str:
    """A signed difference with about three significant digits, no exponent for usual sizes."""
    if x == 0:
        return "0"
    if abs(x) >= 1000:
        return f"{x:+,.0f}"
    if abs(x) >= 1e-3:
        return f"{x:+.3g}"
    return f"{x:+.1e}"


def _plain_axis(ax: Any) -> None:
    """Tick labels as plain numbers (no offset, no 1e-17 multiplier), sensible span."""
    from matplotlib.ticker import FuncFormatter

    lo, hi = ax.get_xlim()
    scale = max(abs(lo), abs(hi), 1.0)
    if hi - lo < 1e-9 * scale:  # all values equal (e.g. every cost 0): a visible span
        mid = 0.5 * (lo + hi)
        half = 0.5 if abs(mid) < 1 else 0.05 * abs(mid)
        ax.set_xlim(mid - half, mid + half)
        lo, hi = ax.get_xlim()
    span = hi - lo
    digits = max(0, min(6, math.ceil(-math.log10(span)) + 1)) if span < 10 else 0

    def fmt(v: float, _pos: Any) -> str:
        if abs(v) < 1e-12 * scale:
            v = 0.0
        return f"{v:,.{digits}f}"

    ax.xaxis.set_major_formatter(FuncFormatter(fmt))


def _num(v: Any) -> float:
    try:
        return float("nan") if v is None else float(v)
    except (TypeError, ValueError):
        return float("nan")


def metrics_figure(
    summary: Mapping[str, Any],
    metrics: Iterable[str],
    path: str | os.PathLike[str],
    *,
    title: str | None = None,
) -> Path:
    """A panel per metric: each variant's mean with its 95 % confidence interval.

    Non-baseline variants are annotated with their paired difference to the
    baseline in percent of the baseline mean, starred when p < 0.05.

    Parameters
    ----------
    summary : dict
        Output of :func:`sim.analysis.stats.summarise_runs` (``None`` means NaN).
    metrics : iterable of str
        Metrics to draw, one panel each (up to three panels per row).
    path : path-like
        Output PNG.
    title : str, optional
        Figure title.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    metrics = list(metrics)
    variants = list(summary.get("variants", []))
    desc = summary.get("describe", {})
    diff = summary.get("difference", {})
    baseline = summary.get("baseline")
    n_panels = max(1, len(metrics))
    ncols = min(3, n_panels)
    nrows = math.ceil(n_panels / ncols)
    fig = new_figure((3.9 * ncols + 0.6, 0.45 * max(3, len(variants)) * nrows + 1.3 * nrows + 0.5))
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    ys = np.arange(len(variants))[::-1]
    base_means = {m: _num(desc.get(baseline, {}).get(m, {}).get("mean")) for m in metrics}
    relative = {m: percent_readable(m, base_means[m], [_num(desc.get(v, {}).get(m, {}).get("mean"))
                                                    for v in variants]) for m in metrics}
    for k, ax in enumerate(axes):
        if k >= len(metrics):
            ax.set_visible(False)
            continue
        m = metrics[k]
        for j, (v, y) in enumerate(zip(variants, ys, strict=True)):
            d = desc.get(v, {}).get(m, {})
            mean, lo, hi = _num(d.get("mean")), _num(d.get("ci_low")), _num(d.get("ci_high"))
            c = color(j)
            if math.isfinite(lo) and math.isfinite(hi):
                ax.hlines(y, lo, hi, color=c, lw=5, alpha=0.35)
                ax.errorbar(
                    mean, y, xerr=[[mean - lo], [hi - mean]], fmt="o", color=c, capsize=4, ms=6
                )
            elif math.isfinite(mean):
                ax.plot(mean, y, "o", color=c, ms=6)
            dd = diff.get(v, {}).get(m)
            if dd and math.isfinite(_num(dd.get("mean"))):
                delta = _num(dd.get("mean"))
                p = _num(dd.get("p_value"))
                txt = (
                    # a difference that rounds to zero reads "+0 %", not "-0 %"
                    f"{100 * delta / base_means[m]:+.0f} %".replace("-0 %", "+0 %")
                    if relative[m]
                    else _signed(delta)
                )
                if math.isfinite(p) and p < 0.05:
                    txt += " *"
                ax.annotate(
                    "Δ " + txt,
                    (mean if math.isfinite(mean) else 0.5, y),
                    xycoords="data" if math.isfinite(mean) else ("axes fraction", "data"),
                    xytext=(0, 7),
                    textcoords="offset points",
                    ha="center",
                    va="bottom",
                    fontsize=8,
                    color=c,
                )
        if baseline is not None and baseline in variants:
            bm = _num(desc.get(baseline, {}).get(m, {}).get("mean"))
            if math.isfinite(bm):
                ax.axvline(bm, color="0.6", ls=":", lw=1)
        ax.set_yticks(ys, [f"{v} (baseline)" if v == baseline else str(v) for v in variants])
        ax.set_ylim(-0.7, len(variants) - 0.3)
        ax.margins(x=0.15)
        ax.set_title(axis_label(m), fontsize=10)
        ax.grid(True, axis="x", color="0.9")
        _plain_axis(ax)
        if k % ncols:
            ax.tick_params(axis="y", labelleft=False)
    if not variants:
        no_data(axes[0])
    if title is None:
        n = max(
            (
                int(_num(d.get("n")))
                for dm in desc.values()
                for d in dm.values()
                if math.isfinite(_num(d.get("n")))
            ),
            default=0,
        )
        title = f"Mean and 95 % CI per {summary.get('by', 'variant')} ({n} replicates)"
        if diff:
            title += (
                "\nΔ: paired difference to the baseline, % of its mean"
                " (absolute where the baseline is near zero or the metric is an index; * p < 0.05)"
            )
    fig.suptitle(title, fontsize=11)
    if diff:
        fig.supxlabel(
            "Δ: paired difference to the baseline, in % of the baseline's mean; absolute (in the "
            "metric's units) where the baseline is near zero or the metric is an index. * p < 0.05",
            fontsize=8, color="0.3",
        )  # fmt: skip
    return save_png(fig, path)


def delay_figure(
    runs: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    x: str = "response_delay_h",
    y: str = "negative_reach",
    by: str | None = "strategy",
    reference_x: float | None = None,
    title: str | None = None,
    reference_y: float | None = None,
    reference_y_label: str | None = None,
) -> Path:
    """``y`` against ``x`` (negative reach against response delay), a line per ``by``.

    Each point is the mean over the runs at that ``x`` with an error bar, its 95 %
    confidence interval (Student t); a point with a single run (no interval) is
    drawn hollow and the legend says so.

    Parameters
    ----------
    runs : pandas.DataFrame
        One row per run with columns ``x``, ``y`` and ``by``.
    path : path-like
        Output PNG.
    x, y : str
        Columns on the horizontal and vertical axes.
    by : str or None, default "strategy"
        Column with one line per value; None or absent for a single line.
    reference_x : float, optional
        Draw a dotted line there, labelled as the rule of thumb being tested (e.g.
        8 for "respond within 8 hours", claim F2).
    title : str, optional
        Figure title.
    reference_y, reference_y_label : float and str, optional
        A dashed horizontal line (e.g. the negative reach under silence) and its label.

    Notes
    -----
    With positive ``x`` spanning more than a factor of 8 the axis is logarithmic
    (1, 4, 8, 24, 72 h stay apart), and groups that share an ``x`` are moved
    slightly sideways so that their error bars do not cover each other.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    for col in (x, y):
        if col not in runs.columns:
            raise ValueError(f"runs have no column {col!r}")
    fig = new_figure((10.0, 5.0))
    ax = fig.subplots()
    groups = list(pd.unique(runs[by])) if by and by in runs.columns else [None]
    single_any = False
    xv = pd.to_numeric(runs[x], errors="coerce").to_numpy(float) if len(runs) else np.array([])
    xv = xv[np.isfinite(xv)]
    log_x = bool(xv.size) and xv.min() > 0 and xv.max() / xv.min() > 8
    sharing: dict[float, list[Any]] = {}
    for g in groups:
        d = runs if g is None else runs[runs[by] == g]
        for v in pd.unique(pd.to_numeric(d[x], errors="coerce")):
            if np.isfinite(v):
                sharing.setdefault(float(v), []).append(g)
    for i, g in enumerate(groups):
        d = runs if g is None else runs[runs[by] == g]
        stats = [
            (float(xv), describe(sub[y], metric_bounds(y, runs[y])))
            for xv, sub in d.groupby(x, sort=True)
            if np.isfinite(float(xv))
        ]
        if not stats:
            continue
        xs = np.array([s[0] for s in stats])
        # dodge: groups that share an x sit side by side around it (alone: exactly at x)
        shift = np.array([
            (sharing[v].index(g) - (len(sharing[v]) - 1) / 2) if len(sharing[v]) > 1 else 0.0 for v in xs
        ])  # fmt: skip
        xs = xs * 2.0 ** (0.09 * shift) if log_x else xs + shift * 0.012 * (float(np.ptp(xv)) or 1.0)
        mean = np.array([s[1]["mean"] for s in stats], dtype=float)
        lo = np.array([s[1]["ci_low"] for s in stats], dtype=float)
        hi = np.array([s[1]["ci_high"] for s in stats], dtype=float)
        c = color(i)
        ok = np.isfinite(lo) & np.isfinite(hi)
        single_any = single_any or bool((~ok).any())
        ax.plot(xs, mean, "-", color=c, lw=1.6, alpha=0.8)
        if ok.any():
            ax.errorbar(
                xs[ok], mean[ok], yerr=[mean[ok] - lo[ok], hi[ok] - mean[ok]], fmt="o", color=c,
                ms=5, capsize=4, lw=1.4, label=y if g is None else str(g),
            )
        if (~ok).any():  # one run at that x: no interval can be given
            ax.plot(xs[~ok], mean[~ok], "o", mfc="white", mec=c, ms=6,
                    label=None if ok.any() else (y if g is None else str(g)))
    if reference_x is not None:
        unit = " h" if x.endswith("_h") else ""
        ax.axvline(reference_x, color="0.35", ls=":", lw=1.4)
        ax.text(
            reference_x,
            0.98,
            f" rule of thumb tested:\n respond within {reference_x:g}{unit}",
            transform=ax.get_xaxis_transform(),
            va="top",
            ha="left",
            fontsize=8,
            color="0.25",
        )
    if reference_y is not None and math.isfinite(reference_y):
        ax.axhline(reference_y, color="0.2", ls="--", lw=1.2, label=reference_y_label)
    if log_x:
        from matplotlib.ticker import FuncFormatter

        ax.set_xscale("log")
        ticks = np.unique(xv)
        ax.set_xticks(ticks)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:g}"))
        ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _p: ""))
    if runs.empty:
        no_data(ax)
    ax.set_xlabel(axis_label(x) + (" (log scale)" if log_x else ""))
    ax.set_ylabel(axis_label(y))
    ax.set_ylim(bottom=0 if runs.empty or np.nanmin(runs[y].to_numpy(float)) >= 0 else None)
    ax.grid(True, color="0.92")
    handles, _ = ax.get_legend_handles_labels()
    if handles:
        handles.append(Line2D([], [], color="0.4", marker="o", ls="none", label="mean, bar: 95 % CI of the mean"))
        if single_any:
            handles.append(Line2D([], [], color="0.4", marker="o", mfc="white", ls="none",
                                  label="one run: no interval"))
        ax.legend(
            handles=handles,
            title=None if by is None or groups == [None] else axis_label(by),
            fontsize=9,
            framealpha=0.9,
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            frameon=False,
        )
    ax.set_title(title or f"{axis_label(y)} against {axis_label(x)}")
    return save_png(fig, path)


# --------------------------------------------------------------------------- cascade trees

#: Colour of each sentiment class.
SENTIMENT_COLOURS = {"negative": "#c0392b", "positive": "#27ae60", "neutral": "#7f8c8d"}

#: The sentiment a message carries toward the brand, by name (others: neutral).
MESSAGE_SENTIMENT = {"complaint": "negative", "coverup": "negative", "hijack": "negative", "response": "positive"}


def tree_layout(parent: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Row of each node: depth-first order, children by time, roots by time.

    Parameters
    ----------
    parent : array of int
        Row index of each node's parent, -1 for a root.
    t : array of float
        Time of each node (orders siblings and roots).

    Returns
    -------
    numpy.ndarray of int64
        ``row[i]``: position of node ``i`` in the walk (0 = first root).
    """
    n = parent.size
    children: list[list[int]] = [[] for _ in range(n)]
    roots = []
    for i in np.argsort(t, kind="stable"):
        p = int(parent[i])
        (roots if p < 0 or p == i else children[p]).append(int(i))
    row = np.full(n, -1, np.int64)
    k = 0
    for r in roots:
        stack = [r]
        while stack:
            i = stack.pop()
            if row[i] >= 0:
                continue
            row[i] = k
            k += 1
            stack.extend(reversed(children[i]))
    for i in np.flatnonzero(row < 0):  # nodes on a cycle (should not happen): at the end
        row[i] = k
        k += 1
    return row


def _sentiment(message: str, valence: Mapping[str, int] | None) -> str:
    if valence and message in valence:
        v = valence[message]
        return "negative" if v < 0 else "positive" if v > 0 else "neutral"
    return MESSAGE_SENTIMENT.get(str(message), "neutral")


def cascade_figure(
    cascades: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    panels: Sequence[tuple[str, pd.DataFrame]] | None = None,
    valence: Mapping[str, int] | None = None,
    title: str | None = None,
    max_nodes: int = 5000,
    h_max: float | None = None,
) -> Path:
    """Draw cascade trees (one panel per run) coloured by sentiment.

    Parameters
    ----------
    cascades : pandas.DataFrame
        ``Result.cascades`` of one run (``message``, ``account``, ``parent``,
        ``t_min``); ignored when ``panels`` is given.
    path : path-like
        Output PNG.
    panels : list of (title, DataFrame), optional
        Several runs side by side (e.g. one per setting, same replicate).
    valence : dict, optional
        Message name -> -1/0/+1 (default: complaint and cover-up negative,
        response positive, others neutral).
    title : str, optional
        Figure title.
    max_nodes : int, default 5000
        Shares drawn per panel at most (the earliest ones; the panel says so).
    h_max : float, optional
        Right end of the time axis (hours).

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    panels = list(panels) if panels is not None else [("", cascades)]
    fig = new_figure((11.0, 2.6 * len(panels) + 1.0))
    axes = np.atleast_1d(fig.subplots(len(panels), 1, squeeze=False, sharex=True)).ravel()
    t_all = [df["t_min"].to_numpy(float) / 60.0 for _, df in panels if len(df)]
    first = min((float(t.min()) for t in t_all), default=0.0)
    last = max((float(t.max()) for t in t_all), default=24.0)
    top = min(h_max, last + 6.0) if h_max else last + 6.0
    left = 24.0 * np.floor(first / 24.0)
    for ax, (name, df) in zip(axes, panels, strict=True):
        df = df.sort_values("t_min", kind="stable")
        cut = len(df) > max_nodes
        df = df.iloc[:max_nodes]
        offset = 0
        segs, xs, ys, cols = [], [], [], []
        for msg, g in df.groupby("message", sort=False):
            acc = g["account"].to_numpy(np.int64)
            par = parent_index(acc, g["parent"].to_numpy(np.int64))
            t = g["t_min"].to_numpy(float) / 60.0
            row = tree_layout(par, t) + offset
            offset = int(row.max()) + 3 if row.size else offset
            colour = SENTIMENT_COLOURS[_sentiment(str(msg), valence)]
            has = par >= 0
            segs.extend(np.stack([np.column_stack([t[par[has]], row[par[has]]]),
                                  np.column_stack([t[has], row[has]])], axis=1))  # fmt: skip
            xs.append(t)
            ys.append(row)
            cols += [colour] * t.size
        if not xs:
            no_data(ax, "no shares")
        else:
            if segs:
                ax.add_collection(LineCollection(segs, colors="0.6", linewidths=0.5, alpha=0.7))
            ax.scatter(np.concatenate(xs), np.concatenate(ys), s=6, c=cols, lw=0, zorder=3)
            ax.set_ylim(offset + 1, -2)
        ax.set_yticks([])
        label = f"{name} — {len(df):,} shares" + (f" (first {max_nodes:,} drawn)" if cut else "")
        ax.set_title(label.strip(" —"), fontsize=9, loc="left")
        ax.set_xlim(left, max(top, left + 12.0))
        ax.grid(True, axis="x", color="0.9")
    axes[-1].set_xlabel("hours since start; each dot a share, a line to the share it came from")
    handles = [Line2D([], [], marker="o", ls="none", color=c, label=f"{k} toward the brand")
               for k, c in SENTIMENT_COLOURS.items()]  # fmt: skip
    fig.legend(handles=handles, loc="outside lower center", ncols=3, fontsize=8, frameon=False)
    fig.suptitle(title or "Cascade trees", fontsize=11)
    return save_png(fig, path)
