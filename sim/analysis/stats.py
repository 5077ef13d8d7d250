"""Replicate statistics: descriptions, paired differences and run summaries.

Replicates of one scenario are independent runs; variants of a scenario share the
replicate seeds (common random numbers), so a variant is compared with the baseline
*pairwise*, replicate by replicate, which removes most of the run-to-run noise.
Confidence intervals are Student-t intervals of the mean at 95 %, cut to the range
the metric can take (:func:`metric_bounds`: counts, times and costs are never
negative, sentiment and NSI lie in [−1, 1]), so a count never gets a negative bound.
With fewer than :data:`MIN_REPLICATES` replicates an interval says little: the
description then carries a ``warning``.

Everything returned is plain Python (``int``, ``float``, ``str``, ``dict``, ``list``);
:func:`summarise_runs` further replaces non-finite numbers by ``None`` so that its
result can go through :func:`json.dumps` unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as _st

__all__ = [
    "MIN_REPLICATES",
    "jsonable",
    "describe",
    "metric_bounds",
    "effect_size",
    "paired_difference",
    "percent_readable",
    "SIGNED_METRICS",
    "summarise_runs",
    "welch_difference",
]

_NAN = float("nan")
#: Confidence level of every interval in this module.
LEVEL = 0.95
#: Fewer replicates than this: the interval is reported with a warning.
MIN_REPLICATES = 5
#: Metrics in [-1, 1] (by name); every other metric whose replicates are all >= 0 is
#: a count, time, rate or cost and cannot be negative.
_SIGNED_UNIT = ("sentiment", "nsi")
#: Metrics in [0, 1] (by name): shares of runs or of events (P(spread) per run, the
#: share of a cascade at depth 1, the share of offers accepted).
_UNIT = ("negative_spread", "share_depth1", "kol_accept_rate")


def metric_bounds(metric: str, values: Any = None) -> tuple[float, float]:
    """The range a metric can take, for cutting its confidence interval.

    Parameters
    ----------
    metric : str
        Metric name (``reach``, ``nsi_final``, ``negative_spread``...).
    values : array_like, optional
        Its replicate values: a metric not in [−1, 1] whose values are all ≥ 0 is
        taken as a non-negative quantity (every count, time and cost of a run).

    Returns
    -------
    tuple of float
        ``(low, high)``; ``(-inf, inf)`` when nothing is known.
    """
    if any(k in metric for k in _SIGNED_UNIT):
        return -1.0, 1.0
    if any(k in metric for k in _UNIT):
        return 0.0, 1.0
    x = _clean([] if values is None else values)
    if x.size and bool((x >= 0).all()):
        return 0.0, math.inf
    return -math.inf, math.inf


def _clean(values: Any) -> np.ndarray:
    x = np.asarray(values, dtype=float).ravel()
    return x[~np.isnan(x)]


def _t_interval(mean: float, se: float, dof: float) -> tuple[float, float]:
    if not (dof >= 1 and math.isfinite(se)):
        return _NAN, _NAN
    if se == 0.0:
        return mean, mean
    half = float(_st.t.ppf(0.5 + LEVEL / 2, dof)) * se
    return mean - half, mean + half


def _t_pvalue(mean: float, se: float, dof: float) -> float:
    """Two-sided p-value of H0: true mean = 0 (exact limits when se = 0)."""
    if not (dof >= 1 and math.isfinite(se)):
        return _NAN
    if se == 0.0:
        return 1.0 if mean == 0.0 else 0.0
    return float(2.0 * _st.t.sf(abs(mean / se), dof))


def _ratio(mean: float, sd: float) -> float:
    """``mean / sd`` with the limits 0 (0/0) and ±inf (x/0)."""
    if sd == 0.0:
        return 0.0 if mean == 0.0 else math.copysign(math.inf, mean)
    return mean / sd


def describe(values: Any, bounds: tuple[float, float] | None = None) -> dict[str, Any]:
    """Describe a sample of replicate values.

    Parameters
    ----------
    values : array_like
        Sample; NaNs are ignored.
    bounds : tuple of float, optional
        The range the quantity can take (see :func:`metric_bounds`): the interval is
        cut to it, so a count's interval never goes below 0.

    Returns
    -------
    dict
        ``n`` (int, non-NaN count), ``mean``, ``sd`` (ddof=1), ``p5`` and ``p95``
        (linear-interpolated percentiles), ``ci_low`` and ``ci_high`` (95 % Student-t
        interval of the mean, within ``bounds``). Undefined entries are NaN:
        everything for n = 0, ``sd`` and the interval for n = 1. A constant sample has
        a zero-width interval. With 1 <= n < :data:`MIN_REPLICATES` a ``warning``
        entry says the interval is not informative.

    Examples
    --------
    >>> d = describe([1.0, 2.0, 3.0, float("nan")])
    >>> d["n"], d["mean"], d["sd"]
    (3, 2.0, 1.0)
    """
    x = _clean(values)
    n = int(x.size)
    out: dict[str, float | int] = {
        "n": n,
        "mean": _NAN,
        "sd": _NAN,
        "p5": _NAN,
        "p95": _NAN,
        "ci_low": _NAN,
        "ci_high": _NAN,
    }
    if n == 0:
        return out
    mean = float(x.mean())
    out.update(
        mean=mean,
        p5=float(np.percentile(x, 5)),
        p95=float(np.percentile(x, 95)),
    )
    if n >= 2:
        sd = float(x.std(ddof=1))
        out["sd"] = sd
        lo, hi = _t_interval(mean, sd / math.sqrt(n), n - 1)
        if bounds is not None and math.isfinite(lo):
            lo, hi = max(lo, bounds[0]), min(hi, bounds[1])
        out["ci_low"], out["ci_high"] = lo, hi
    if n < MIN_REPLICATES:
        out["warning"] = f"only {n} replicate{'s' if n != 1 else ''}: too few for a reliable interval"
    return out


def _paired(a: Any, b: Any) -> np.ndarray:
    xa = np.asarray(a, dtype=float).ravel()
    xb = np.asarray(b, dtype=float).ravel()
    if xa.shape != xb.shape:
        raise ValueError(f"paired samples need equal lengths, got {xa.size} and {xb.size}")
    d = xb - xa
    return d[~np.isnan(d)]


def effect_size(a: Any, b: Any) -> float:
    """Paired Cohen's d (d_z): mean of ``b - a`` over its standard deviation.

    Parameters
    ----------
    a, b : array_like
        Paired samples (same length; pairs with a NaN are dropped).

    Returns
    -------
    float
        ``mean(d) / sd(d)``; 0 when all differences are 0, ±inf when they are all
        equal and non-zero, NaN with fewer than two pairs.
    """
    d = _paired(a, b)
    if d.size < 2:
        return _NAN
    return _ratio(float(d.mean()), float(d.std(ddof=1)))


def paired_difference(a: Any, b: Any) -> dict[str, float | int]:
    """Mean paired difference ``b - a`` with its 95 % t interval and paired t-test.

    Parameters
    ----------
    a, b : array_like
        Values of the same replicates under two conditions (``a`` the baseline);
        pairs with a NaN on either side are dropped.

    Returns
    -------
    dict
        ``n`` (pairs used), ``mean``, ``sd`` of the differences, ``ci_low``,
        ``ci_high``, ``p_value`` (two-sided paired t-test) and ``effect_size``
        (paired Cohen's d). Identical inputs give exactly 0, a zero-width interval
        [0, 0] and p = 1, without warnings. With one pair the interval and p-value
        are NaN.

    Examples
    --------
    >>> r = paired_difference([1.0, 2.0, 3.0], [2.0, 3.0, 4.0])
    >>> r["mean"], r["ci_low"], r["ci_high"], r["p_value"]
    (1.0, 1.0, 1.0, 0.0)
    """
    d = _paired(a, b)
    n = int(d.size)
    out: dict[str, float | int] = {
        "n": n,
        "mean": _NAN,
        "sd": _NAN,
        "ci_low": _NAN,
        "ci_high": _NAN,
        "p_value": _NAN,
        "effect_size": _NAN,
    }
    if n == 0:
        return out
    mean = float(d.mean())
    out["mean"] = mean
    if n >= 2:
        sd = float(d.std(ddof=1))
        se = sd / math.sqrt(n)
        out["sd"] = sd
        out["ci_low"], out["ci_high"] = _t_interval(mean, se, n - 1)
        out["p_value"] = _t_pvalue(mean, se, n - 1)
        out["effect_size"] = _ratio(mean, sd)
    return out


def welch_difference(a: Any, b: Any) -> dict[str, float | int]:
    """Unpaired difference of means ``mean(b) - mean(a)`` (Welch's t interval and test).

    Used by :func:`summarise_runs` when runs have no ``replicate`` column to pair on.

    Parameters
    ----------
    a, b : array_like
        Independent samples; NaNs are ignored.

    Returns
    -------
    dict
        ``n`` (smaller sample size), ``mean``, ``ci_low``, ``ci_high``, ``p_value``
        and ``effect_size`` (Cohen's d with the pooled standard deviation).
    """
    xa, xb = _clean(a), _clean(b)
    n = int(min(xa.size, xb.size))
    out: dict[str, float | int] = {
        "n": n,
        "mean": _NAN,
        "sd": _NAN,
        "ci_low": _NAN,
        "ci_high": _NAN,
        "p_value": _NAN,
        "effect_size": _NAN,
    }
    if n == 0:
        return out
    mean = float(xb.mean() - xa.mean())
    out["mean"] = mean
    if n >= 2:
        va, vb = float(xa.var(ddof=1)), float(xb.var(ddof=1))
        qa, qb = va / xa.size, vb / xb.size
        se = math.sqrt(qa + qb)
        dof = (qa + qb) ** 2 / (qa**2 / (xa.size - 1) + qb**2 / (xb.size - 1)) if se else 1.0
        out["ci_low"], out["ci_high"] = _t_interval(mean, se, dof)
        out["p_value"] = _t_pvalue(mean, se, dof)
        pooled = math.sqrt(((xa.size - 1) * va + (xb.size - 1) * vb) / (xa.size + xb.size - 2))
        out["sd"] = pooled
        out["effect_size"] = _ratio(mean, pooled)
    return out


def jsonable(obj: Any) -> Any:
    """Turn numpy scalars and NaN/inf into JSON-safe values (NaN -> None), recursively."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    if isinstance(obj, bool | np.bool_):
        return bool(obj)
    if isinstance(obj, int | np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        f = float(obj)
        return f if math.isfinite(f) else None
    return obj


def summarise_runs(
    runs: pd.DataFrame,
    metrics: list[str],
    *,
    by: str = "variant",
    baseline: Any = None,
) -> dict[str, Any]:
    """Describe each metric per variant and compare every variant with a baseline.

    Parameters
    ----------
    runs : pandas.DataFrame
        One row per run: a ``by`` column (variant name), ideally a ``replicate``
        column, and the metric columns. Without the ``by`` column all rows form one
        variant named ``"all"``.
    metrics : list of str
        Metric columns to summarise.
    by : str, default "variant"
        Column naming the variant of each run.
    baseline : optional
        Variant to compare with; the first variant (in order of appearance) by default.

    Returns
    -------
    dict
        JSON-serialisable (non-finite numbers become ``None``; variant names become
        strings)::

            {"by": "variant", "baseline": "A", "variants": ["A", "B"],
             "metrics": [...], "paired": true,
             "describe":   {variant: {metric: describe(...)}},
             "difference": {variant: {metric: paired_difference(...)}}}

        ``difference`` holds the non-baseline variants: the paired difference
        (variant − baseline) matched on ``replicate``. Without a ``replicate``
        column the difference is Welch's unpaired one and ``paired`` is false.

    Raises
    ------
    ValueError
        If a metric column or the baseline is missing, or a replicate appears twice
        within one variant.
    """
    missing = [m for m in metrics if m not in runs.columns]
    if missing:
        raise ValueError(f"runs lack metric column(s) {missing}")
    if by not in runs.columns:
        runs = runs.assign(**{by: "all"})
    variants = list(pd.unique(runs[by]))
    if baseline is None:
        baseline = variants[0] if variants else None
    elif baseline not in variants:
        raise ValueError(f"baseline {baseline!r} is not among the {by} values {variants}")
    paired = "replicate" in runs.columns
    if paired:
        dup = runs.duplicated([by, "replicate"])
        if dup.any():
            first = runs.loc[dup, [by, "replicate"]].iloc[0].tolist()
            raise ValueError(
                f"replicate {first[1]} appears more than once for {by} {first[0]}; cannot pair runs"
            )

    groups = {v: runs[runs[by] == v] for v in variants}
    bounds = {m: metric_bounds(m, runs[m]) for m in metrics}
    desc = {v: {m: describe(g[m], bounds[m]) for m in metrics} for v, g in groups.items()}
    diff: dict[Any, dict[str, Any]] = {}
    if baseline is not None:
        base = groups[baseline]
        for v in variants:
            if v == baseline:
                continue
            g = groups[v]
            if paired:
                merged = base[["replicate", *metrics]].merge(
                    g[["replicate", *metrics]], on="replicate", suffixes=("_a", "_b")
                )
                diff[v] = {
                    m: paired_difference(merged[f"{m}_a"], merged[f"{m}_b"]) for m in metrics
                }
            else:
                diff[v] = {m: welch_difference(base[m], g[m]) for m in metrics}
    return jsonable(
        {
            "by": by,
            "baseline": None if baseline is None else str(baseline),
            "variants": [str(v) for v in variants],
            "metrics": list(metrics),
            "paired": paired,
            "describe": desc,
            "difference": diff,
        }
    )


#: metrics that are signed indices: their differences are never shown as percentages
SIGNED_METRICS = ("nsi", "sentiment")


def percent_readable(metric: str, base: float, means: Sequence[float]) -> bool:
    """Whether a difference reads well as a percentage of the baseline mean.

    Not for signed indices (net sentiment, mean sentiment), and not when the
    baseline is near zero: under a tenth of the largest mean across variants.
    """
    if any(tag in metric for tag in SIGNED_METRICS):
        return False
    if not math.isfinite(base) or base <= 0:
        return False
    top = max((abs(x) for x in means if math.isfinite(x)), default=0.0)
    return base >= 0.1 * top
