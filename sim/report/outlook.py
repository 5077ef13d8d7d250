"""What a strategist reads first about a crisis: a few numbers per setting.

Pure functions of the tables of a :class:`~sim.run.replicates.RunSet` (``runs`` and
``series``): the chance that the complaint spreads, how far it goes when it does,
customers lost, cost, and the negative incidence curve (mean and 5–95 % band
across replicates). Used by the workbench page (``buzzsim app``); nothing here
runs the model.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.stats import describe, paired_difference
from sim.model.crisis import SPREAD_MIN_SHARES  # one threshold for the runs table and the reports
from sim.result import totals_only

__all__ = [
    "NEGATIVE_MESSAGES",
    "SPREAD_MIN_SHARES",
    "crisis_outlook",
    "negative_incidence",
    "negative_series",
    "wilson_interval",
]

#: Messages that carry bad news about the brand (the complaint and, after a
#: discovered deletion, the cover-up story).
NEGATIVE_MESSAGES = ("complaint", "coverup")

#: Metrics compared with the baseline (paired difference) in :func:`crisis_outlook`.
PAIRED_METRICS = ("negative_reach", "negative_shares", "customers_lost", "cost")


def wilson_interval(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a proportion ``k / n`` (95 % by default).

    Parameters
    ----------
    k, n : int
        Successes and trials (``n >= 1``).
    z : float, default 1.96
        Normal quantile of the interval.

    Returns
    -------
    tuple of float
        (low, high), within [0, 1]; (nan, nan) when ``n == 0``.
    """
    if n <= 0:
        return (math.nan, math.nan)
    p = k / n
    den = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return (max(0.0, centre - half), min(1.0, centre + half))


def crisis_outlook(
    runs: pd.DataFrame,
    *,
    baseline: str | None = None,
    min_shares: int = SPREAD_MIN_SHARES,
    order: Sequence[str] | None = None,
) -> pd.DataFrame:
    """One row per setting (variant): spread probability, reach if spread, losses, cost.

    Parameters
    ----------
    runs : pandas.DataFrame
        ``RunSet.runs`` of a crisis scenario: ``variant``, ``replicate`` and the
        crisis metrics ``negative_shares``, ``negative_reach``, ``customers_lost``,
        ``cost``.
    baseline : str, optional
        Setting that paired differences are measured against (default: the first).
    min_shares : int, default :data:`SPREAD_MIN_SHARES`
        Shares (of the complaint and cover-up) from which a run counts as "spread".
    order : list of str, optional
        Order of the rows (default: order of first appearance).

    Returns
    -------
    pandas.DataFrame
        Columns ``setting``, ``runs``, ``p_spread``, ``p_spread_low``,
        ``p_spread_high`` (Wilson 95 %), ``reach_if_spread`` (mean negative reach
        of the runs that spread; NaN if none) with ``reach_if_spread_ci_low`` /
        ``_ci_high`` (95 % t interval over those runs), and, for settings other
        than the baseline, ``p_spread_diff`` (paired difference of the spread
        indicator, with ``_diff_low``, ``_diff_high``, ``_p``) and
        ``reach_if_spread_diff`` (paired over the replicates in which the
        complaint spread under both settings, same suffixes); then for each of
        :data:`PAIRED_METRICS` its ``<m>_mean``, ``<m>_ci_low``, ``<m>_ci_high``
        and, for settings other than the baseline, ``<m>_diff``,
        ``<m>_diff_low``, ``<m>_diff_high``, ``<m>_p`` (paired on replicate).
    """
    need = {"variant", "replicate", "negative_shares", "negative_reach"}
    missing = need - set(runs.columns)
    if missing:
        raise ValueError(f"runs lack column(s) {sorted(missing)}: not a crisis scenario?")
    names = list(order) if order is not None else list(pd.unique(runs["variant"]))
    if baseline is None:
        baseline = names[0] if names else None
    base = runs[runs["variant"] == baseline].set_index("replicate")
    rows: list[dict[str, Any]] = []
    for name in names:
        g = runs[runs["variant"] == name]
        spread = g["negative_shares"].to_numpy(float) >= min_shares
        k, n = int(spread.sum()), len(g)
        lo, hi = wilson_interval(k, n)
        reach = g["negative_reach"].to_numpy(float)
        row: dict[str, Any] = {
            "setting": name,
            "runs": n,
            "p_spread": k / n if n else math.nan,
            "p_spread_low": lo,
            "p_spread_high": hi,
            "reach_if_spread": float(reach[spread].mean()) if k else math.nan,
        }
        dr = describe(reach[spread])
        row["reach_if_spread_ci_low"], row["reach_if_spread_ci_high"] = dr["ci_low"], dr["ci_high"]
        gi = g.set_index("replicate")
        if name != baseline and len(base):
            common = gi.index.intersection(base.index)
            s_b = (base.loc[common, "negative_shares"].to_numpy(float) >= min_shares)
            s_g = (gi.loc[common, "negative_shares"].to_numpy(float) >= min_shares)
            r_b = np.where(s_b, base.loc[common, "negative_reach"].to_numpy(float), np.nan)
            r_g = np.where(s_g, gi.loc[common, "negative_reach"].to_numpy(float), np.nan)
            for key, a, b in (("p_spread", s_b.astype(float), s_g.astype(float)), ("reach_if_spread", r_b, r_g)):
                pdiff = paired_difference(a, b)
                row[f"{key}_diff"] = pdiff["mean"]
                row[f"{key}_diff_low"] = pdiff["ci_low"]
                row[f"{key}_diff_high"] = pdiff["ci_high"]
                row[f"{key}_p"] = pdiff["p_value"]
        for m in PAIRED_METRICS:
            if m not in g.columns:
                continue
            d = describe(g[m])
            row[f"{m}_mean"], row[f"{m}_ci_low"], row[f"{m}_ci_high"] = (
                d["mean"], d["ci_low"], d["ci_high"],
            )  # fmt: skip
            if name != baseline and m in base.columns:
                common = gi.index.intersection(base.index)
                pdiff = paired_difference(base.loc[common, m], gi.loc[common, m])
                row[f"{m}_diff"] = pdiff["mean"]
                row[f"{m}_diff_low"] = pdiff["ci_low"]
                row[f"{m}_diff_high"] = pdiff["ci_high"]
                row[f"{m}_p"] = pdiff["p_value"]
        rows.append(row)
    return pd.DataFrame(rows)


def negative_series(series: pd.DataFrame, messages: Sequence[str] = NEGATIVE_MESSAGES) -> pd.DataFrame:
    """New shares per hour of the negative messages, summed, per variant and replicate.

    Parameters
    ----------
    series : pandas.DataFrame
        ``RunSet.series`` (``variant``, ``replicate``, ``hour``, ``message``, ``new_shares``).
    messages : list of str
        Messages counted as negative.

    Returns
    -------
    pandas.DataFrame
        Columns ``variant``, ``replicate``, ``hour``, ``message`` (``"negative"``)
        and ``new_shares``; every hour of every run is present (0 when none).
    """
    series = totals_only(series)  # several platforms: the totals
    keys = [c for c in ("variant", "replicate") if c in series.columns]
    neg = series[series["message"].isin(messages)]
    out = neg.groupby([*keys, "hour"], sort=True, as_index=False)["new_shares"].sum()
    # runs where no negative message exists at all keep their hours (at zero)
    allh = series[[*keys, "hour"]].drop_duplicates()
    out = allh.merge(out, on=[*keys, "hour"], how="left").fillna({"new_shares": 0})
    out["message"] = "negative"
    return out.sort_values([*keys, "hour"], kind="stable").reset_index(drop=True)


def negative_incidence(series: pd.DataFrame) -> pd.DataFrame:
    """Mean and 5–95 % range across replicates of the hourly negative shares.

    Returns
    -------
    pandas.DataFrame
        Columns ``variant``, ``hour``, ``mean``, ``p5``, ``p95``, ``replicates``.
    """
    neg = negative_series(series)
    if "variant" not in neg.columns:
        neg = neg.assign(variant="all")
    rows = []
    for v, g in neg.groupby("variant", sort=False):
        wide = g.pivot_table(index="hour", columns="replicate", values="new_shares", aggfunc="sum")
        mat = wide.fillna(0.0).to_numpy(float)
        rows.append(
            pd.DataFrame(
                {
                    "variant": v,
                    "hour": wide.index.to_numpy(),
                    "mean": mat.mean(axis=1),
                    "p5": np.percentile(mat, 5, axis=1),
                    "p95": np.percentile(mat, 95, axis=1),
                    "replicates": mat.shape[1],
                }
            )
        )
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(
        columns=["variant", "hour", "mean", "p5", "p95", "replicates"]
    )
