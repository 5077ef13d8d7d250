"""Figures of a run, a comparison and a sweep (PNG, matplotlib Agg).

Every function takes tidy data and an output path, writes one PNG (atomically: a
temporary file in the same folder, then a rename) and returns the path. Figures are
built with :class:`matplotlib.figure.Figure` and the Agg canvas directly, never
through ``pyplot``, so importing this module neither switches the backend of a
user's notebook nor keeps figures alive in pyplot's registry.

Bands are empirical 5–95 % ranges across replicates around the median (what a
single run may look like); the error bars of :func:`metrics_figure` and the band
of :func:`delay_figure` are 95 % confidence intervals of the mean (how well the
replicates pin down the average).
"""

from __future__ import annotations

import math
import os
import uuid
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.analysis.lifecycle import trailing_average
from sim.analysis.stats import describe, metric_bounds

__all__ = ["compare_figure", "delay_figure", "lifecycle_figure", "metrics_figure"]

DPI = 130
#: Colour cycle (matplotlib "tab10"), assigned in order of first appearance.
COLORS = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip
_PHASES = (
    ("t_ignition_h", "ignition"),
    ("t_peak_h", "peak"),
    ("t_decay_h", "decay"),
    ("t_plateau_h", "plateau"),
)
_UNITS = {"_h": "h", "_pct": "%", "_per_h": "per h"}


# --------------------------------------------------------------------------- helpers


def _color(i: int) -> str:
    return COLORS[i % len(COLORS)]


def _label(name: str) -> str:
    """Axis label of a column name: ``response_delay_h`` → ``response delay (h)``."""
    for suffix, unit in sorted(_UNITS.items(), key=lambda kv: -len(kv[0])):
        if name.endswith(suffix) and len(name) > len(suffix):
            return f"{name[: -len(suffix)].replace('_', ' ')} ({unit})"
    return name.replace("_", " ")


def _figure(figsize: tuple[float, float]) -> Figure:
    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Figure, path: str | os.PathLike[str]) -> Path:
    """Write ``fig`` as PNG to ``path`` atomically and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # a unique temporary name opened with the process umask (mkstemp would make it 0600)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "xb") as fh:
            fig.savefig(fh, format="png", dpi=DPI)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _no_data(ax: Any, what: str = "no data") -> None:
    ax.text(0.5, 0.5, what, transform=ax.transAxes, ha="center", va="center", color="0.4")


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

    Top panel: per message, the median hourly new shares across replicates (thin)
    and its trailing ``smoothing_h`` moving average (thick; causal, like the decay
    test: it never rises before the shares do; the peak is read on the thin raw curve), with the 5–95 % band across replicates, and dashed
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
        Window of the smoothed line; None or 0 to draw only the raw median.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    if "variant" in series.columns and series["variant"].nunique() > 1:
        raise ValueError(
            "lifecycle_figure draws one scenario; the series has several variants"
            " (filter it, or use compare_figure)"
        )
    msgs = _messages(series, message)
    n_rep = int(series["replicate"].nunique()) if "replicate" in series.columns else 1
    fig = _figure((10.0, 6.6))
    ax, ax2 = fig.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    cum_col = next((c for c in ("reach", "shares") if c in series.columns), None)
    h_max = float(series["hour"].max()) + 1 if len(series) else 24.0
    phase_marks: list[tuple[float, str, str, int]] = []
    handles: list[Any] = []

    for i, msg in enumerate(msgs):
        df = series if msg is None else series[series["message"] == msg]
        if df.empty:
            continue
        c = _color(i)
        hours, inc = _matrix(df, "new_shares", cumulative=False, h_max=int(h_max) - 1)
        med, lo, hi = _band(inc)
        name = "shares" if msg is None else str(msg)
        smooth = bool(smoothing_h) and smoothing_h > 1
        if n_rep > 1:
            ax.fill_between(hours, lo, hi, color=c, alpha=0.18, lw=0, step="post")
        ax.step(hours, med, where="post", color=c, lw=0.8, alpha=0.55 if smooth else 1.0)
        if smooth:
            ax.plot(hours + 0.5, trailing_average(med, smoothing_h), color=c, lw=2.2)
        handles.append(Line2D([], [], color=c, lw=2.2, label=name))

        if cum_col is not None:
            _, cum = _matrix(df, cum_col, cumulative=True, h_max=int(h_max) - 1)
        else:
            cum = np.cumsum(inc, axis=0)
        cmed, clo, chi = _band(cum)
        if n_rep > 1:
            ax2.fill_between(hours + 1, clo, chi, color=c, alpha=0.18, lw=0)
        ax2.plot(hours + 1, cmed, color=c, lw=2.0)

        for name_p, t in _phase_medians(phases, msg).items():
            phase_marks.append((t, name_p, c, i))

    if not handles:
        _no_data(ax)
        _no_data(ax2)
    elif not (series["new_shares"].fillna(0) > 0).any():
        _no_data(ax, "nothing was shared")
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
    if n_rep > 1 and msgs:
        handles.append(Patch(color="0.5", alpha=0.3, label=f"5–95 % of {n_rep} replicates"))
    if smoothing_h and smoothing_h > 1 and handles:
        handles.insert(
            len(msgs),
            Line2D(
                [],
                [],
                color="0.3",
                lw=0.8,
                alpha=0.6,
                label="hourly median (raw)" if n_rep > 1 else "hourly (raw)",
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
            title += f" (median of {n_rep} replicates)"
    fig.suptitle(title)
    return _save(fig, path)


def compare_figure(
    series: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    metric: str = "new_shares",
    message: str | None = None,
    smoothing_h: float | None = None,
    title: str | None = None,
) -> Path:
    """One line per variant (median across replicates) with its 5–95 % band.

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
        median and band. By default none: the hourly curves are drawn as they are,
        so a message never appears before it is posted and its peak is the real
        hourly peak (a 24 h average shows about a twentieth of a one-hour burst).
    title : str, optional
        Figure title.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    if metric not in series.columns:
        raise ValueError(f"series has no column {metric!r}")
    msgs = _messages(series, message)
    msg = msgs[0] if msgs else None
    df = series if msg is None else series[series["message"] == msg]
    incidence = metric.startswith("new_")
    if smoothing_h is None:
        smoothing_h = 0.0
    variants = list(pd.unique(df["variant"])) if "variant" in df.columns else [None]
    n_rep = int(df["replicate"].nunique()) if "replicate" in df.columns else 1
    h_max = float(series["hour"].max()) + 1 if len(series) else 24.0

    many = len(variants) > 4
    fig = _figure((12.0, 5.5) if many else (10.0, 5.0))
    ax = fig.subplots()
    for i, v in enumerate(variants):
        d = df if v is None else df[df["variant"] == v]
        if d.empty:
            continue
        hours, mat = _matrix(d, metric, cumulative=not incidence, h_max=int(h_max) - 1)
        if smoothing_h and smoothing_h > 1:
            mat = np.column_stack([trailing_average(col, smoothing_h) for col in mat.T])
        med, lo, hi = _band(mat)
        x = hours + (0.5 if incidence else 1.0)
        c = _color(i)
        if many:
            # bands of a dozen variants hide each other: the mean of each variant
            # (crisis outcomes are heavy-tailed, the median is often ~0)
            ax.plot(x, mat.mean(axis=1), color=c, lw=1.8, ls=("-", "--", ":", "-.")[(i // 10) % 4],
                    label=metric if v is None else str(v))
            continue
        if n_rep > 1:
            ax.fill_between(x, lo, hi, color=c, alpha=0.15, lw=0)
        ax.plot(x, med, color=c, lw=2.0, label=metric if v is None else str(v))
    if df.empty:
        _no_data(ax)
    _day_ticks(ax, h_max)
    ax.set_ylim(bottom=0)
    ylabel = _label(metric) + (" per hour" if incidence else "")
    if smoothing_h and smoothing_h > 1:
        ylabel += f"\n(trailing {smoothing_h:g} h moving average)"
    ax.set_ylabel(ylabel)
    ax.set_xlabel("hours since start (grid: days)")
    handles, _ = ax.get_legend_handles_labels()
    if n_rep > 1 and handles and not many:
        handles.append(Patch(color="0.5", alpha=0.3, label=f"5–95 % of {n_rep} replicates"))
    if handles and many:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9, frameon=False)
    elif handles:
        ax.legend(handles=handles, loc="best", fontsize=9, framealpha=0.9)
    if title is None:
        title = f"{_label(metric)} by variant" + (f" — {msg}" if msg is not None else "")
    if n_rep > 1:
        title += f" (mean of {n_rep} replicates)" if many else f" (median and 5–95 % of {n_rep} replicates)"
    ax.set_title(title)
    return _save(fig, path)


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
    fig = _figure((3.9 * ncols + 0.6, 0.45 * max(3, len(variants)) * nrows + 1.3 * nrows + 0.5))
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    ys = np.arange(len(variants))[::-1]
    for k, ax in enumerate(axes):
        if k >= len(metrics):
            ax.set_visible(False)
            continue
        m = metrics[k]
        for j, (v, y) in enumerate(zip(variants, ys, strict=True)):
            d = desc.get(v, {}).get(m, {})
            mean, lo, hi = _num(d.get("mean")), _num(d.get("ci_low")), _num(d.get("ci_high"))
            c = _color(j)
            if math.isfinite(lo) and math.isfinite(hi):
                ax.hlines(y, lo, hi, color=c, lw=5, alpha=0.35)
                ax.errorbar(
                    mean, y, xerr=[[mean - lo], [hi - mean]], fmt="o", color=c, capsize=4, ms=6
                )
            elif math.isfinite(mean):
                ax.plot(mean, y, "o", color=c, ms=6)
            dd = diff.get(v, {}).get(m)
            base_mean = _num(desc.get(baseline, {}).get(m, {}).get("mean"))
            if dd and math.isfinite(_num(dd.get("mean"))):
                delta = _num(dd.get("mean"))
                p = _num(dd.get("p_value"))
                txt = (
                    f"{100 * delta / base_mean:+.0f} %"
                    if base_mean and math.isfinite(base_mean)
                    else f"{delta:+.3g}"
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
        ax.set_title(_label(m), fontsize=10)
        ax.grid(True, axis="x", color="0.9")
        ax.ticklabel_format(axis="x", style="sci", scilimits=(-3, 5), useOffset=False)
        if k % ncols:
            ax.tick_params(axis="y", labelleft=False)
    if not variants:
        _no_data(axes[0])
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
            title += "\nΔ: paired difference to the baseline, % of its mean (* p < 0.05)"
    fig.suptitle(title, fontsize=11)
    return _save(fig, path)


def delay_figure(
    runs: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    x: str = "response_delay_h",
    y: str = "negative_reach",
    by: str | None = "strategy",
    reference_x: float | None = None,
    title: str | None = None,
) -> Path:
    """``y`` against ``x`` (negative reach against response delay), a line per ``by``.

    Each point is the mean over the runs at that ``x`` and the band its 95 %
    confidence interval (Student t; absent where there is one run).

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
        Draw a dotted reference line there (e.g. 8 for the "respond within 8 hours"
        rule of thumb, claim F2).
    title : str, optional
        Figure title.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    for col in (x, y):
        if col not in runs.columns:
            raise ValueError(f"runs have no column {col!r}")
    fig = _figure((8.5, 5.0))
    ax = fig.subplots()
    groups = list(pd.unique(runs[by])) if by and by in runs.columns else [None]
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
        mean = np.array([s[1]["mean"] for s in stats], dtype=float)
        lo = np.array([s[1]["ci_low"] for s in stats], dtype=float)
        hi = np.array([s[1]["ci_high"] for s in stats], dtype=float)
        c = _color(i)
        ax.fill_between(xs, lo, hi, color=c, alpha=0.18, lw=0)
        ax.plot(xs, mean, "o-", color=c, lw=2.0, ms=4, label=y if g is None else str(g))
    if reference_x is not None:
        ax.axvline(reference_x, color="0.4", ls=":", lw=1.2)
        ax.text(
            reference_x,
            0.98,
            f" {reference_x:g}{' h' if x.endswith('_h') else ''}",
            transform=ax.get_xaxis_transform(),
            va="top",
            ha="left",
            fontsize=8,
            color="0.3",
        )
    if runs.empty:
        _no_data(ax)
    ax.set_xlabel(_label(x))
    ax.set_ylabel(_label(y))
    ax.set_ylim(bottom=0 if runs.empty or np.nanmin(runs[y].to_numpy(float)) >= 0 else None)
    ax.grid(True, color="0.92")
    handles, _ = ax.get_legend_handles_labels()
    if handles:
        handles.append(Patch(color="0.5", alpha=0.3, label="95 % CI of the mean"))
        ax.legend(
            handles=handles,
            title=None if by is None or groups == [None] else _label(by),
            fontsize=9,
            framealpha=0.9,
        )
    ax.set_title(title or f"{_label(y)} against {_label(x)}")
    return _save(fig, path)
