"""The summary of a run folder: ``summary.json`` (numbers) and ``summary.md`` (words).

``summary.json`` is :func:`sim.analysis.stats.summarise_runs` over every numeric
metric, with a few keys about the scenario added. ``summary.md`` is what a
strategist opens first: what was run, a table of the key metrics (mean and 95 %
confidence interval over the replicates), the paired differences to the
baseline in plain words, and the figures.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sim.analysis.stats import MIN_REPLICATES, percent_readable, summarise_runs
from sim.report.outlook import SPREAD_MIN_SHARES, crisis_outlook
from sim.scenario.tomlwrite import fmt_value

if TYPE_CHECKING:
    from sim.run.replicates import RunSet

__all__ = [
    "KEY_METRICS_CRISIS",
    "KEY_METRICS_TOPIC",
    "build_summary",
    "format_metric",
    "key_metrics",
    "spread_table",
    "summary_markdown",
]

#: Metrics shown in the table of a topic / campaign scenario (those present).
KEY_METRICS_TOPIC = (
    "reach",
    "target_reach",
    "shares",
    "peak_shares_per_h",
    "t_ignition_h",
    "t_peak_h",
    "t_plateau_h",
    "lifetime_h",
)
#: Metrics shown in the table of a crisis scenario (those present).
KEY_METRICS_CRISIS = (
    "negative_reach",
    "negative_spread",
    "negative_reach_if_spread",
    "peak_negative_per_h",
    "time_to_contain_h",
    "nsi_final",
    "customers_lost",
    "response_time_h",
    "cost",
)

#: Plain names of common metrics (others: the column name with spaces).
METRIC_LABELS = {
    "n_accounts": "accounts",
    "reach": "reach (accounts aware)",
    "target_reach": "target-customer reach",
    "shares": "shares",
    "t_ignition_h": "time to ignition",
    "t_peak_h": "time to peak",
    "peak_shares_per_h": "peak shares per hour",
    "t_decay_h": "time to decay",
    "t_plateau_h": "time to plateau",
    "lifetime_h": "lifetime",
    "negative_reach": "negative reach",
    "negative_shares": "negative shares",
    "negative_spread": "P(complaint spreads)",
    "negative_reach_if_spread": "negative reach if it spreads",
    "peak_negative_per_h": "peak negative shares per hour",
    "t_peak_negative_h": "time to negative peak",
    "time_to_contain_h": "time to contain",
    "nsi_final": "net sentiment index (end)",
    "customers_lost": "customers lost",
    "response_time_h": "response time",
    "cost": "cost",
}


def key_metrics(runset: RunSet) -> list[str]:
    """The metrics of the summary table: crisis metrics when there is a crisis; with
    several platforms, the primary message's people reached and reach per platform first."""
    have = set(runset.metrics)
    preferred = KEY_METRICS_CRISIS if runset.scenario.crisis is not None else KEY_METRICS_TOPIC
    platforms = [f"reach_{p.name}" for p in runset.scenario.platforms]
    if platforms:
        preferred = ("reach_people", *platforms, *preferred)
    out = [m for m in preferred if m in have]
    return out or runset.metrics[:8]


def build_summary(runset: RunSet) -> dict[str, Any]:
    """``summary.json``: :func:`summarise_runs` over every numeric metric, plus context.

    Returns
    -------
    dict
        The keys of :func:`summarise_runs` (``baseline``, ``variants``, ``metrics``,
        ``paired``, ``describe``, ``difference``) and ``scenario``,
        ``description``, ``replicates``, ``seed``, ``engine``, ``key_metrics``;
        with a crisis also ``outlook``: one record per variant of
        :func:`sim.report.outlook.crisis_outlook` (probability that the complaint
        spreads with its Wilson interval, reach given that it spreads, paired
        differences to the baseline) and ``spread_min_shares``, its threshold.
    """
    stats = summarise_runs(runset.runs, runset.metrics, by="variant", baseline=runset.baseline)
    out = {
        "scenario": runset.scenario.name,
        "description": runset.scenario.description,
        "replicates": runset.replicates,
        "seed": runset.scenario.run.seed,
        "engine": runset.engine,
        "key_metrics": key_metrics(runset),
        **stats,
    }
    table = spread_table(runset)
    if table is not None:
        out["spread_min_shares"] = SPREAD_MIN_SHARES
        out["outlook"] = table.to_dict(orient="records")
    return out


def spread_table(runset: RunSet) -> Any:
    """Per variant: does the complaint spread, and how far when it does (or None).

    :func:`sim.report.outlook.crisis_outlook` of the runs, in variant order,
    against the run set's baseline; ``None`` for a scenario without a crisis.
    """
    runs = runset.runs
    if runset.scenario.crisis is None or not {"negative_shares", "negative_reach"} <= set(runs.columns):
        return None
    names = [v.name for v in runset.variants]
    return crisis_outlook(runs, baseline=runset.baseline, order=names)


# ---------------------------------------------------------------------------
# Number formatting
# ---------------------------------------------------------------------------


def _num(v: Any) -> float:
    return float("nan") if v is None else float(v)


def format_metric(value: Any, metric: str, *, signed: bool = False, days: bool = True) -> str:
    """A metric value for people: hours (with days), counts with thousands separators."""
    x = _num(value)
    if not math.isfinite(x):
        return "n/a"
    sign = "+" if signed and x > 0 else ""
    if _is_hours(metric):
        text = f"{sign}{x:.1f} h"
        if days and abs(x) >= 48:
            text += f" ({sign}{x / 24:.1f} d)"
        return text
    ax = abs(x)
    if ax >= 100:
        return f"{sign}{x:,.0f}"
    if ax >= 10:
        return f"{sign}{x:.1f}"
    if ax == 0:
        return "0"
    if ax >= 0.01:
        return f"{sign}{x:.3g}" if ax < 1 else f"{sign}{x:.2f}"
    return f"{sign}{x:.2g}"


def _is_hours(metric: str) -> bool:
    """Whether a metric is a time in hours (``t_peak_h``), not a rate (``..._per_h``)."""
    return metric.endswith("_h") and not metric.endswith("_per_h")


def _label(metric: str) -> str:
    return METRIC_LABELS.get(metric, metric.replace("_", " "))


def _mean_ci(d: Mapping[str, Any], metric: str) -> str:
    mean = format_metric(d.get("mean"), metric)
    lo, hi = _num(d.get("ci_low")), _num(d.get("ci_high"))
    if math.isfinite(lo) and math.isfinite(hi) and lo != hi:
        lo_s = format_metric(lo, metric, days=False)
        hi_s = format_metric(hi, metric, days=False)
        if _is_hours(metric):  # "35.4 h [22.1, 48.7 h]": the unit once
            lo_s = lo_s.removesuffix(" h")
        return f"{mean} [{lo_s}, {hi_s}]"
    return mean


def _p(p: Any) -> str:
    x = _num(p)
    if not math.isfinite(x):
        return ""
    return "p < 0.001" if x < 0.001 else f"p = {x:.3f}" if x < 0.01 else f"p = {x:.2f}"


def describe_difference(diff: Mapping[str, Any], base: Mapping[str, Any], metric: str) -> str:
    """One sentence on a paired difference, e.g. "reach is 1,234 higher (+45 %; ...)"."""
    label = _label(metric)
    mean = _num(diff.get("mean"))
    lo, hi = _num(diff.get("ci_low")), _num(diff.get("ci_high"))
    sd = _num(diff.get("sd"))
    if not math.isfinite(mean):
        return f"{label}: not available"
    if mean == 0 and (sd == 0 or not math.isfinite(sd)) and lo == hi:
        return f"{label}: identical in every replicate"
    base_mean = _num(base.get("mean"))
    rel = ""
    if not _is_hours(metric) and percent_readable(metric, base_mean, [base_mean, base_mean + mean]):
        rel = f"{100 * mean / abs(base_mean):+.0f} %; "
    ci = ""
    if math.isfinite(lo) and math.isfinite(hi):
        lo_s = format_metric(lo, metric, signed=True, days=False)
        hi_s = format_metric(hi, metric, signed=True, days=False)
        ci = f"95 % CI {lo_s} to {hi_s}"
    p = _p(diff.get("p_value"))
    detail = "; ".join(x for x in (rel.rstrip("; "), ci, p) if x)
    if math.isfinite(lo) and math.isfinite(hi) and (lo > 0 or hi < 0):
        word = _direction(metric, mean)
        amount = format_metric(abs(mean), metric)
        return f"{label} is {amount} {word} ({detail})"
    return f"{label}: no clear difference ({format_metric(mean, metric, signed=True)}; {detail})"


def _direction(metric: str, mean: float) -> str:
    if _is_hours(metric) and metric.startswith("t"):
        return "later" if mean > 0 else "earlier"
    if _is_hours(metric):
        return "longer" if mean > 0 else "shorter"
    return "higher" if mean > 0 else "lower"


# ---------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------


def _table(
    header: Sequence[str], rows: Sequence[Sequence[str]], *, numeric_from: int = 1
) -> list[str]:
    """A Markdown table; columns from ``numeric_from`` on are right-aligned."""

    def esc(s: str) -> str:
        return str(s).replace("|", "\\|").replace("\n", " ")

    out = ["| " + " | ".join(esc(h) for h in header) + " |"]
    out.append(
        "|" + "|".join("---" if i < numeric_from else "---:" for i in range(len(header))) + "|"
    )
    out += ["| " + " | ".join(esc(c) for c in row) + " |" for row in rows]
    return out


def _overrides_text(overrides: Mapping[str, Any]) -> str:
    if not overrides:
        return "—"
    return ", ".join(f"`{k} = {fmt_value(v)}`" for k, v in overrides.items())


def summary_markdown(
    runset: RunSet,
    summary: Mapping[str, Any],
    figures: Mapping[str, str] | None = None,
    *,
    command: str | None = None,
) -> str:
    """The text of ``summary.md``.

    Parameters
    ----------
    runset : RunSet
        The runs.
    summary : dict
        :func:`build_summary` of the runs.
    figures : dict, optional
        Figure title -> file name relative to the run folder.
    command : str, optional
        The command line that reproduces the runs.
    """
    scn = runset.scenario
    metrics = list(summary.get("key_metrics") or key_metrics(runset))
    desc = summary.get("describe", {})
    diffs = summary.get("difference", {})
    baseline = summary.get("baseline")
    names = [v.name for v in runset.variants]
    n = runset.replicates
    comparing = len(names) > 1

    lines = [f"# {scn.name}", ""]
    if scn.description:
        lines += [scn.description.strip(), ""]
    engine = f"{runset.engine} engine"
    if comparing:
        lines += [
            (
                f"**Compared:** {len(names)} variants × {n} replicates (seed {scn.run.seed}, "
                f"{engine}, {scn.run.horizon_h:g} h horizon). Replicate *i* of every variant "
                f"uses the same seed, so differences to **{baseline}** are paired."
            ),
            "",
        ]
        rows = [
            [f"**{v.name}**", v.description or "", _overrides_text(v.overrides)]
            for v in runset.variants
        ]
        lines += _table(["variant", "description", "changes"], rows, numeric_from=3) + [""]
    else:
        v = runset.variants[0]
        what = "" if v.name == "baseline" else f" — variant **{v.name}**"
        lines += [
            (
                f"**Ran:** the scenario{what}, {n} replicates (seed {scn.run.seed}, {engine}, "
                f"{scn.run.horizon_h:g} h horizon)."
            ),
            "",
        ]

    lines += [f"## Key metrics (mean [95 % CI] over {n} replicates)", ""]
    if n < MIN_REPLICATES:
        lines += [
            (f"> **Warning:** only {n} replicate{'s' if n != 1 else ''}: too few for the intervals "
             f"to say anything; run at least {MIN_REPLICATES} (`--replicates`)."),
            "",
        ]
    if comparing:
        rows = [
            [f"**{v}**"] + [_mean_ci(desc.get(v, {}).get(m, {}), m) for m in metrics] for v in names
        ]
        lines += _table(["variant"] + [_label(m) for m in metrics], rows)
    else:
        v = names[0]
        rows = []
        for m in runset.metrics:
            d = desc.get(v, {}).get(m, {})
            spread = f"{format_metric(d.get('p5'), m)} – {format_metric(d.get('p95'), m)}"
            rows.append([_label(m), _mean_ci(d, m), spread])
        lines += _table(["metric", "mean [95 % CI]", "5–95 % of runs"], rows)
    lines.append("")

    outlook = summary.get("outlook")
    if outlook:
        lines += _spread_section(outlook, summary.get("spread_min_shares"), baseline, comparing)

    if comparing and diffs:
        lines += [f"## Differences to {baseline} (paired by replicate)", ""]
        for v in names:
            if v == baseline or v not in diffs:
                continue
            d = diffs[v]
            base = desc.get(baseline, {})
            same, missing, said = [], [], []
            for m in metrics:
                text = describe_difference(d.get(m, {}), base.get(m, {}), m)
                if text.endswith(": identical in every replicate"):
                    same.append(_label(m))
                elif text.endswith(": not available"):
                    missing.append(_label(m))
                else:
                    said.append(text)
            if not said and not missing:
                lines.append(f"- **{v}**: identical to {baseline} in every replicate.")
                continue
            lines.append(f"- **{v}** vs {baseline}:")
            lines += [f"  - {t}" for t in said]
            if same:
                lines.append(f"  - identical in every replicate: {', '.join(same)}")
            if missing:
                lines.append(f"  - not available (undefined in some runs): {', '.join(missing)}")
        lines += [
            "",
            "A difference is called clear when its 95 % confidence interval excludes zero.",
            "",
        ]

    if figures:
        lines += ["## Figures", ""]
        for title, rel in figures.items():
            lines += [f"![{title}]({rel})", ""]

    lines += [
        "## Files",
        "",
        "- `runs.csv` / `runs.parquet`: one row per variant × replicate, every metric",
        "- `series.csv` / `series.parquet`: hourly series of every run",
        "- `phases.csv` / `phases.parquet`: lifecycle phases per message of every run",
        "- `summary.json`: these statistics for every metric",
        *(["- `outlook.csv`: per variant, P(spread), reach if it spreads, paired differences"]
          if summary.get("outlook") else []),
        "- `manifest.json`: scenario, resolved parameters, seeds, versions",
        "",
    ]
    if command:
        lines += ["Reproduce with:", "", "```", command, "```", ""]
    return "\n".join(lines)


def _pct(x: Any) -> str:
    v = _num(x)
    return "n/a" if not math.isfinite(v) else f"{100 * v:.0f} %"


def _spread_section(
    outlook: Sequence[Mapping[str, Any]], threshold: Any, baseline: Any, comparing: bool
) -> list[str]:
    """The "does it spread?" section of ``summary.md`` (bimodal outcomes)."""
    lines = [
        "## Does the complaint spread? (fizzle or outbreak)",
        "",
        (f"A crisis either fizzles or spreads, so the mean negative reach mixes two kinds of run. "
         f"A run counts as *spread* when the complaint (and cover-up) got at least {threshold} shares. "
         "P(spread) with its 95 % Wilson interval; reach if it spreads: mean [95 % CI] over the runs "
         "that spread."),
        "",
    ]
    head = ["variant", "P(spread)", "reach if it spreads", "mean negative reach"]
    if comparing:
        head += [f"Δ P(spread) vs {baseline}", "Δ reach if spread (both spread)"]
    rows = []
    for r in outlook:
        row = [
            f"**{r['setting']}**",
            f"{_pct(r.get('p_spread'))} [{_pct(r.get('p_spread_low'))}, {_pct(r.get('p_spread_high'))}]",
            _mean_ci({"mean": r.get("reach_if_spread"), "ci_low": r.get("reach_if_spread_ci_low"),
                      "ci_high": r.get("reach_if_spread_ci_high")}, "negative_reach"),
            _mean_ci({"mean": r.get("negative_reach_mean"), "ci_low": r.get("negative_reach_ci_low"),
                      "ci_high": r.get("negative_reach_ci_high")}, "negative_reach"),
        ]
        if comparing:
            if r.get("setting") == baseline:
                row += ["—", "—"]
            else:
                dp = r.get("p_spread_diff")
                lo, hi = _num(r.get("p_spread_diff_low")), _num(r.get("p_spread_diff_high"))
                text = "n/a" if not math.isfinite(_num(dp)) else f"{100 * _num(dp):+.0f} pts"
                if math.isfinite(lo) and math.isfinite(hi):
                    text += f" [{100 * lo:+.0f}, {100 * hi:+.0f}]"
                row.append(text)
                row.append(_mean_ci({"mean": r.get("reach_if_spread_diff"),
                                     "ci_low": r.get("reach_if_spread_diff_low"),
                                     "ci_high": r.get("reach_if_spread_diff_high")}, "negative_reach"))
        rows.append(row)
    return lines + _table(head, rows) + [""]


def text_table(runset: RunSet, summary: Mapping[str, Any]) -> str:
    """The key metrics as an aligned plain-text table (printed by the command line)."""
    metrics = list(summary.get("key_metrics") or key_metrics(runset))
    desc = summary.get("describe", {})
    names = [v.name for v in runset.variants]
    if len(names) > 1:
        header = ["variant"] + [_label(m) for m in metrics]
        rows = [[v] + [format_metric(desc.get(v, {}).get(m, {}).get("mean"), m) for m in metrics]
                for v in names]  # fmt: skip
        note = f"mean of {runset.replicates} replicates; CIs and paired differences in summary.md"
    else:
        header = ["metric", "mean [95 % CI]"]
        rows = [[_label(m), _mean_ci(desc.get(names[0], {}).get(m, {}), m)] for m in metrics]
        note = f"{runset.replicates} replicates"
    if runset.replicates < MIN_REPLICATES:
        note += f"; warning: fewer than {MIN_REPLICATES} replicates, the intervals say little"
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(f"{c:<{w}}" if i == 0 else f"{c:>{w}}" for i, (c, w) in
                       enumerate(zip(row, widths))).rstrip() for row in [header, *rows]]  # fmt: skip
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines) + f"\n({note})"
