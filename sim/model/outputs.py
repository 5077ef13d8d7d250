"""From a finished model to a :class:`~sim.result.Result`: hourly series, summary, phases."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis.lifecycle import phases_table
from sim.analysis.trees import TREE_STATS, cascade_table, message_stats
from sim.engine.rule import T_NEG, T_POS, T_SENT_SUM
from sim.result import SERIES_COLUMNS, Result

__all__ = ["collect_result", "hourly", "platform_series", "platform_summary"]


def hourly(per_step: np.ndarray, dt_h: float, n_hours: int) -> np.ndarray:
    """Sum per-step counts into hours: step ``s`` (time ``s * dt``) falls in hour ``floor(s * dt)``."""
    hours = np.floor(np.arange(per_step.shape[0]) * dt_h + 1e-9).astype(np.int64)
    out = np.zeros((n_hours,) + per_step.shape[1:], dtype=per_step.dtype)
    np.add.at(out, np.minimum(hours, n_hours - 1), per_step)
    return out


def collect_result(model) -> Result:
    """Build the result of a run: tidy hourly series, a flat summary and the phases."""
    c = model.engine.counters
    dt = model.dt_h
    n_hours = int(np.ceil(model.n_steps * dt - 1e-9))
    names = model.messages.names
    m = len(names)
    new_shares = hourly(c.new_shares, dt, n_hours)
    new_aware = hourly(c.new_aware, dt, n_hours)
    new_target = hourly(c.new_target, dt, n_hours)
    # population totals at the end of each hour: last step of the hour
    steps_per_hour_end = np.minimum(
        np.ceil((np.arange(n_hours) + 1) / dt - 1e-9).astype(np.int64) - 1, model.n_steps - 1
    )
    totals = c.totals[steps_per_hour_end]
    n_people = max(1, int(model.population.is_person.sum()))
    mean_sent = totals[:, T_SENT_SUM] / n_people

    hour = np.tile(np.arange(n_hours), m)
    msg = np.repeat(np.array(names, dtype=object), n_hours)
    ns = new_shares.T.reshape(-1)
    na = new_aware.T.reshape(-1)
    nt = new_target.T.reshape(-1)
    series = pd.DataFrame(
        {
            "hour": hour,
            "message": msg,
            "new_shares": ns,
            "shares": np.cumsum(new_shares, axis=0).T.reshape(-1),
            "new_reach": na,
            "reach": np.cumsum(new_aware, axis=0).T.reshape(-1),
            "new_target_reach": nt,
            "target_reach": np.cumsum(new_target, axis=0).T.reshape(-1),
            "mean_sentiment": np.tile(mean_sent, m),
        },
        columns=list(SERIES_COLUMNS),
    )
    pos, neg = totals[:, T_POS], totals[:, T_NEG]
    nsi = (pos - neg) / np.maximum(pos + neg, 1.0)
    series["nsi"] = np.tile(nsi, m)

    sc = model.effective
    starts = {n: float(s) for n, s in zip(names, model.messages.start_h) if np.isfinite(s)}
    origins = {n: int(model.engine.is_origin(i).sum()) for i, n in enumerate(names)}
    phases = phases_table(series, sc.analysis, start_hours=starts, origin_shares=origins)

    summary: dict[str, object] = {
        "n_accounts": int(model.population.n),
        "n_people": int(model.population.n_people),
        "n_edges": int(model.population.graph.n_edges),
        "engine": model.engine_name,
        "seed": int(model.run_seed),
        # the primary message (the first); a scenario with no message has none of it
        "reach": int(new_aware[:, :1].sum()),
        "target_reach": int(new_target[:, :1].sum()),
        "shares": int(new_shares[:, :1].sum()),
        "mean_sentiment_final": float(mean_sent[-1]),
        "nsi_final": float(nsi[-1]),
        "exposures": int(c.exposures.sum()),
        "reads": int(c.reads.sum()),
    }
    first = phases.iloc[0].to_dict() if len(phases) else {}
    for k in ("t_ignition_h", "t_peak_h", "peak_shares_per_h", "t_decay_h", "t_plateau_h",
              "d_ignition_h", "d_growth_h", "d_decay_h", "lifetime_h"):
        summary[k] = float(first.get(k, np.nan))
    for i, name in enumerate(names[1:], start=1):
        summary[f"reach[{name}]"] = int(new_aware[:, i].sum())
        summary[f"shares[{name}]"] = int(new_shares[:, i].sum())
    # cascade trees (sim.analysis.trees): per message, the primary one unprefixed
    cascades = cascade_table(*model.engine.trees(), names)
    if model.effective.run.record_cascades:
        for i, (name, st) in enumerate(message_stats(cascades, names).items()):
            for k in TREE_STATS[:5]:
                summary[k if i == 0 else f"{k}[{name}]"] = st[k]
    lists = getattr(model, "trending_lists", [])
    for lst in lists:
        summary.update(lst.summary())
    if model.crisis_plan is not None:
        summary.update(model.crisis_plan.summary(series, nsi))
    # bought trending slots count in the total cost
    trending_cost = sum(float(v) for k, v in summary.items() if k.startswith("trending_cost"))
    other_cost = float(summary.get("cost", 0.0)) + trending_cost
    if lists:
        summary["cost"] = other_cost
    if getattr(model, "tactics", None) is not None:
        # campaign tactics: costs, follower counts with and without bots, engagement,
        # advocates, brand reach; "cost" becomes the total (tactics + crisis + trending)
        summary.update(model.tactics.summary(crisis_cost=other_cost))
    if getattr(model, "layout", None) is not None:
        summary.update(platform_summary(model))
        series = platform_series(model, series, dt, n_hours)
    return Result(series=series, summary=summary, phases=phases, scenario=model.scenario, seed=model.run_seed,
                  cascades=cascades)


def platform_summary(model) -> dict[str, object]:
    """Several platforms (docs/model.md, "Several platforms"): per message (the first
    unprefixed, the others ``[name]``) and platform, ``reach_<platform>`` (accounts of
    the platform aware of it) and ``shares_<platform>``; ``reach_people`` (distinct
    people aware on any platform; ``reach`` counts an account once per platform) and
    ``origin_posts`` (posts its origins made on their own initiative, the budget of a
    seeded campaign)."""
    lay, c, eng = model.layout, model.engine.counters, model.engine
    out: dict[str, object] = {}
    for i, name in enumerate(model.messages.names):
        sfx = "" if i == 0 else f"[{name}]"
        for p, pname in enumerate(lay.names):
            out[f"reach_{pname}{sfx}"] = int(c.platform_aware[:, i, p].sum())
            out[f"shares_{pname}{sfx}"] = int(c.platform_shares[:, i, p].sum())
        aware = np.asarray(eng.is_aware(i), dtype=bool).reshape(lay.n_platforms, lay.n_block)
        out[f"reach_people{sfx}"] = int(aware.any(axis=0).sum())
        out[f"origin_posts{sfx}"] = int(np.asarray(eng.is_origin(i), dtype=bool).sum())
    return out


def platform_series(model, series: pd.DataFrame, dt: float, n_hours: int) -> pd.DataFrame:
    """The series with a ``platform`` column: its rows (totals over the platforms) get
    ``"all"``, and one row per (platform, message, hour) follows with the platform's
    ``new_shares``, ``shares``, ``new_reach`` and ``reach`` (population columns: the
    totals). Read one platform, or ``"all"``, at a time."""
    lay, c = model.layout, model.engine.counters
    out = [series.assign(platform="all")]
    for p, pname in enumerate(lay.names):
        ns = hourly(c.platform_shares[:, :, p], dt, n_hours)
        na = hourly(c.platform_aware[:, :, p], dt, n_hours)
        part = series.copy()
        part["new_shares"] = ns.T.reshape(-1)
        part["shares"] = np.cumsum(ns, axis=0).T.reshape(-1)
        part["new_reach"] = na.T.reshape(-1)
        part["reach"] = np.cumsum(na, axis=0).T.reshape(-1)
        part["new_target_reach"] = np.nan
        part["target_reach"] = np.nan
        part["platform"] = pname
        out.append(part)
    return pd.concat(out, ignore_index=True)
