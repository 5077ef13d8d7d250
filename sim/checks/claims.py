"""The claim library: one scenario per stylised fact F1–F10 (DESIGN §1), run and judged.

:func:`run_library` runs every library scenario (``scenarios/topic_lifecycle.toml``
for F1, ``crisis_response.toml`` for F2 and F3, one scenario each for F4–F10) with
paired replicates, and writes to ``results/library/``:

* ``README.md`` — a section per claim: the claim, the scenario, the rule that
  decides it, the key numbers with 95 % confidence intervals, the verdict and a
  figure;
* ``verdicts.json`` — per claim its id, verdict ("holds" / "does not hold"), the
  rule, and the numbers behind it;
* ``figures/F<k>.png`` and ``runs/<scenario>.csv`` (one row per run).

Each claim's verdict is computed from the numbers by a rule written down here (and
copied into the README): mostly "the paired difference between the mistake and the
better practice has a 95 % confidence interval that excludes 0, in the claimed
direction". A claim the model does not reproduce under its defaults is reported as
such, with the numbers, not tuned away.

>>> from sim.checks.claims import run_library
>>> run_library(quick=True)  # doctest: +SKIP
PosixPath('results/library')
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.analysis.stats import describe, jsonable, metric_bounds, paired_difference, summarise_runs
from sim.checks.robustness import judge_grid, robustness_markdown
from sim.errors import BuzzsimError
from sim.report import figures as fig
from sim.report.writer import atomic_dir
from sim.run.replicates import run_variants
from sim.scenario.load import find_scenario

__all__ = ["CLAIMS", "Check", "Claim", "judge", "run_library"]

#: Replicates per variant in quick mode (a smoke test of the whole library).
QUICK_REPLICATES = 4


# ---------------------------------------------------------------------------
# Checks: one number and whether it passes
# ---------------------------------------------------------------------------


@dataclass
class Check:
    """One condition of a claim's rule, with the numbers that decide it."""

    what: str
    passed: bool
    numbers: dict[str, Any] = field(default_factory=dict)


def _f(x: Any) -> float:
    try:
        return float("nan") if x is None else float(x)
    except (TypeError, ValueError):
        return float("nan")


def _pair(runs: pd.DataFrame, a: str, b: str, metric: str) -> dict[str, Any]:
    """Paired difference ``b - a`` of ``metric`` between variants ``a`` and ``b``."""
    ra = runs[runs["variant"] == a][["replicate", metric]]
    rb = runs[runs["variant"] == b][["replicate", metric]]
    m = ra.merge(rb, on="replicate", suffixes=("_a", "_b"))
    return paired_difference(m[f"{metric}_a"].to_numpy(float), m[f"{metric}_b"].to_numpy(float))


def _mean(runs: pd.DataFrame, variant: str, metric: str) -> dict[str, Any]:
    return describe(runs.loc[runs["variant"] == variant, metric].to_numpy(float), metric_bounds(metric, runs[metric]))


def greater(runs: pd.DataFrame, metric: str, high: str, low: str, label: str | None = None) -> Check:
    """``metric`` is higher under ``high`` than under ``low``: the paired difference
    ``high - low`` has a 95 % CI entirely above 0."""
    d = _pair(runs, low, high, metric)
    ok = _f(d["ci_low"]) > 0
    what = label or f"{metric}: {high} > {low} (paired difference, 95 % CI above 0)"
    return Check(
        what, bool(ok),
        {"metric": metric, "high": high, "low": low, "mean_high": _mean(runs, high, metric)["mean"],
         "mean_low": _mean(runs, low, metric)["mean"], "difference": d},
    )


def within(runs: pd.DataFrame, variant: str, metric: str, lo: float, hi: float, label: str) -> Check:
    """The mean of ``metric`` under ``variant`` lies in ``[lo, hi]``."""
    d = _mean(runs, variant, metric)
    ok = lo <= _f(d["mean"]) <= hi
    return Check(label, bool(ok), {"metric": metric, "variant": variant, "range": [lo, hi], "describe": d})


def unchanged(runs: pd.DataFrame, metric: str, base: str, other: str, tol: float, label: str) -> Check:
    """The paired difference of ``metric`` has a 95 % CI within ``±tol`` of the
    baseline mean (no effect, to within ``tol`` relative)."""
    d = _pair(runs, base, other, metric)
    ref = abs(_f(_mean(runs, base, metric)["mean"]))
    bound = tol * ref
    ok = -bound <= _f(d["ci_low"]) and _f(d["ci_high"]) <= bound
    return Check(label, bool(ok), {"metric": metric, "base": base, "other": other, "tolerance": tol, "difference": d})


# ---------------------------------------------------------------------------
# The claims
# ---------------------------------------------------------------------------


@dataclass
class Claim:
    """A stylised fact, its scenario, the rule that judges it and its figure."""

    id: str
    claim: str
    scenario: str
    rule: str
    metrics: list[str]
    checks: Callable[[pd.DataFrame], list[Check]]
    figure: str = "metrics"  # "metrics", "lifecycle" or "delay"
    figure_metrics: list[str] = field(default_factory=list)
    figure_message: str | None = None
    note: str = ""
    #: what the numbers say when the claim does not hold (computed from the runs)
    explain: Callable[[pd.DataFrame], str] | None = None
    #: why the claim is not judged across the robustness grid (empty: it is)
    grid_note: str = ""


def _f1(r: pd.DataFrame) -> list[Check]:
    return [
        within(r, "hot_topic", "lifetime_h", 168, 336, "hot topic lives 1–2 weeks: mean lifetime in [168, 336] h"),
        within(r, "large_event", "lifetime_h", 24, 72, "large event lives about 2 days: mean lifetime in [24, 72] h"),
        within(r, "extra_large_event", "lifetime_h", 96, 240,
               "extra-large event lives about a week: mean lifetime in [96, 240] h"),
    ]


def _why_f1(r: pd.DataFrame) -> str:
    parts = []
    for v, lo, hi in (("hot_topic", 168, 336), ("large_event", 24, 72), ("extra_large_event", 96, 240)):
        d = _mean(r, v, "lifetime_h")
        pk = _mean(r, v, "t_peak_h")
        state = "inside" if lo <= _f(d["mean"]) <= hi else "outside"
        parts.append(
            f"{v}: lifetime {_ci(d)} h ({_f(d['mean']) / 24:.1f} days, {state} [{lo}, {hi}] h), peak at "
            f"{_fmt(pk['mean'])} h"
        )
    return (
        "The lifetime is read off the cumulative shares (plateau = 95 % of the final shares). "
        + "; ".join(parts) + ". The topic kinds differ only by their presets "
        "(`sim.scenario.schema.TOPIC_PRESETS`: virality, novelty half-life, exogenous interest); the campaign "
        "tactics do not touch them."
    )


def _why_f7(r: pd.DataFrame) -> str:
    o, t, s20 = "open repost-to-win", "targeted", "open, 20 % seekers"
    d = _pair(r, o, t, "brand_target_reach")
    prec = {v: _f(_mean(r, v, "brand_target_reach")["mean"]) / max(1.0, _f(_mean(r, v, "brand_reach")["mean"]))
            for v in (o, t)}
    if _f(d["ci_high"]) < 0:
        head = f"The open giveaway reaches more target customers (targeted − open: {_ci(d)})."
    else:
        head = f"Target-customer reach does not differ significantly (targeted − open: {_ci(d)})."
    text = (
        f"{head} What differs is "
        f"precision and who gets the prizes: {100 * prec[t]:.0f} % of the targeted giveaway's reach is in the "
        f"target segment against {100 * prec[o]:.0f} % for the open one, "
        f"all {_fmt(_mean(r, t, 'giveaway_prizes_to_target')['mean'])} "
        f"prizes go to target customers against {_fmt(_mean(r, o, 'giveaway_prizes_to_target')['mean'])}, and "
        f"the open giveaway's extra shares come from prize seekers and "
        f"{_fmt(_mean(r, o, 'giveaway_hunter_shares')['mean'])} hunter accounts that reach no one."
    )
    if (r["variant"] == s20).any():
        text += (
            f" With a fifth of the public hunting prizes the open giveaway reaches more target customers "
            f"({_ci(_mean(r, s20, 'brand_target_reach'))}): the verdict depends on "
            "`brand.giveaway_seeker_share`, an assumption."
        )
    return text


def _f2(r: pd.DataFrame) -> list[Check]:
    return [
        greater(r, "negative_reach", "apologize 24h", early,
                f"negative reach: apologising {early[len('apologize '):]} after detection < at 24 h (CI excludes 0)")
        for early in ("apologize 1h", "apologize 4h", "apologize 8h")
    ]


def _f3(r: pd.DataFrame) -> list[Check]:
    ref = "apologize 4h"
    return [
        greater(r, "negative_reach", v, ref, f"negative reach: {v} > {ref} (CI excludes 0)")
        for v in ("deny 4h", "argue 4h", "silence", "apologize 72h", "delete 1h")
    ]


def _f4(r: pd.DataFrame) -> list[Check]:
    return [
        greater(r, "unfollows", "ads twice a day", "fun content",
                "unfollows: broadcast ads > fun content (CI excludes 0)"),
        greater(r, "brand_shares", "fun content", "ads twice a day",
                "shares of the brand's posts: fun content > broadcast ads (CI excludes 0)"),
    ]


def _f5(r: pd.DataFrame) -> list[Check]:
    base, bots = "organic", "5000 bought followers"
    return [
        greater(r, "followers_total", bots, base, "follower count (with bots): bought > organic (CI excludes 0)"),
        unchanged(r, "brand_reach", base, bots, 0.01,
                  "reach of the brand's posts: unchanged (paired 95 % CI within ±1 % of the organic mean)"),
        greater(r, "engagement_rate", base, bots, "engagement rate: organic > bought (CI excludes 0)"),
    ]


def _f6(r: pd.DataFrame) -> list[Check]:
    return [
        greater(r, "kol_accept_rate", "cultivated KOLs", "cold DMs",
                "offers accepted: cultivated > cold (CI excludes 0)"),
        greater(r, "brand_target_reach", "cultivated KOLs", "cold DMs",
                "target-customer reach at the same KOL budget: cultivated > cold DMs (CI excludes 0)"),
    ]


def _f7(r: pd.DataFrame) -> list[Check]:
    return [
        greater(r, "brand_target_reach", "targeted", "open repost-to-win",
                "target-customer reach, same prizes: targeted > open repost-to-win (CI excludes 0)"),
    ]


def _f8(r: pd.DataFrame) -> list[Check]:
    return [
        greater(r, "advocates", "deep", "shallow", "advocates: deep > shallow (CI excludes 0)"),
        greater(r, "brand_shares", "deep", "shallow",
                "shares of the brand's content (campaign + fans' posts): deep > shallow (CI excludes 0)"),
    ]


def _f9(r: pd.DataFrame) -> list[Check]:
    month = _mean(r, "approval a month", "brand_reach")
    return [
        greater(r, "brand_reach", "approval 2 h", "approval 72 h",
                "reach of the brand's trend post: 2 h approval > 72 h (CI excludes 0)"),
        greater(r, "brand_reach", "approval 2 h", "approval 24 h",
                "reach of the brand's trend post: 2 h approval > 24 h (CI excludes 0)"),
        Check("a month of approval: the post misses the topic (mean reach 0)",
              _f(month["mean"]) == 0.0, {"metric": "brand_reach", "variant": "approval a month", "describe": month}),
    ]


#: F10's single-platform campaigns (variant names of scenarios/platforms.toml)
F10_SINGLE = ("weibo only", "wechat only", "forum only")


def _f10(r: pd.DataFrame) -> list[Check]:
    best = max(F10_SINGLE, key=lambda v: _f(_mean(r, v, "reach_people")["mean"]))
    posts = {v: _f(_mean(r, v, "origin_posts")["mean"]) for v in (*F10_SINGLE, "integrated")}
    return [
        greater(r, "reach_people", "weibo only", "wechat only",
                "acquire: people reached by the campaign, Weibo only > WeChat only (CI above 0)"),
        greater(r, "reach_people", "weibo only", "forum only",
                "acquire: people reached by the campaign, Weibo only > forum only (CI above 0)"),
        greater(r, "lifetime_h", "forum only", "weibo only",
                "retain: the campaign lives longer in the forum than on Weibo (lifetime, CI above 0)"),
        greater(r, "lifetime_h", "forum only", "wechat only",
                "retain: the campaign lives longer in the forum than on WeChat (lifetime, CI above 0)"),
        unchanged(r, "negative_reach", "weibo only", "wechat service", 0.1,
                  "serve: a Weibo complaint answered only in WeChat customer service does as well as answered on "
                  "Weibo (negative reach: paired CI within ±10 % of the Weibo answer's mean)"),
        Check("equal budget: the integrated campaign's paid posts are within 10 % of the single ones' "
              f"({posts['integrated']:.1f} vs {posts['weibo only']:.0f})",
              abs(posts["integrated"] / max(posts["weibo only"], 1.0) - 1.0) <= 0.1, {"origin_posts": posts}),
        greater(r, "reach_people", "integrated", best,
                f"1 + 1 > 2: people reached, integrated > the best single platform ({best}) at equal budget "
                "(CI above 0)"),
    ]


def _why_f10(r: pd.DataFrame) -> str:
    reach = {v: _f(_mean(r, v, "reach_people")["mean"]) for v in (*F10_SINGLE, "integrated")}
    life = {v: _f(_mean(r, v, "lifetime_h")["mean"]) for v in F10_SINGLE}
    neg = {v: _f(_mean(r, v, "negative_reach")["mean"]) for v in ("weibo only", "wechat service")}
    widest = max(F10_SINGLE, key=lambda v: reach[v])
    longest = max(F10_SINGLE, key=lambda v: life[v])
    best_single = reach[widest]
    parts = [
        "People reached by the campaign: " + ", ".join(f"{v} {_fmt(x)}" for v, x in reach.items())
        + f" — the widest single platform is {widest.removesuffix(' only')}"
        + ("" if widest == "weibo only" else ", not Weibo") + ".",
        "Campaign lifetime (h): " + ", ".join(f"{v} {_fmt(x)}" for v, x in life.items())
        + f" — the longest is {longest.removesuffix(' only')}.",
        f"Negative reach of the Weibo complaint answered on Weibo {_fmt(neg['weibo only'])}, only in WeChat "
        f"customer service {_fmt(neg['wechat service'])}.",
        f"Integrated vs best single platform: {_fmt(reach['integrated'])} vs {_fmt(best_single)} people.",
        "In the model a person's accounts read and decide independently and the platforms meet only through "
        "cross-posting: there is no synergy mechanism, so splitting a budget over platforms helps only when "
        "one platform saturates.",
    ]
    return " ".join(parts)


CLAIMS: list[Claim] = [
    Claim(
        "F1", "A topic goes through origin exposure → ignition → mass diffusion → plateau/decay. A hot topic "
        "lives 1–2 weeks; a large event about 2 days, an extra-large one about a week.",
        "topic_lifecycle",
        "Lifetime = hours from the first post to the plateau (95 % of final shares), per run. Holds if the "
        "mean lifetime of the hot topic is in [168, 336] h, of the large event in [24, 72] h and of the "
        "extra-large event in [96, 240] h.",
        ["lifetime_h", "t_ignition_h", "t_peak_h", "t_plateau_h", "reach", "shares"], _f1,
        figure="lifecycle", figure_metrics=["lifetime_h", "t_peak_h", "reach"], explain=_why_f1,
    ),
    Claim(
        "F2", "A brand's crisis response must come within about 8 hours; later, the negative story has spread "
        "beyond reach.",
        "crisis_response",
        "Negative reach (accounts aware of the complaint) of an apology 1 h, 4 h and 8 h after detection is "
        "below that of an apology 24 h after detection: each paired difference has a 95 % CI excluding 0.",
        ["negative_reach", "response_time_h", "customers_lost", "nsi_final"], _f2, figure="delay",
    ),
    Claim(
        "F3", "Pushing back (deny, argue, blame) and dragging (delay, silence, deleting posts) make crises worse; "
        "the public sides with the weak party against the strong brand.",
        "crisis_response",
        "Negative reach under deny, argue, silence, a 72 h apology and deleting posts exceeds that of an "
        "apology 4 h after detection: each paired difference has a 95 % CI above 0. The underdog bonus is "
        "a mechanism (reported, tested in tests/test_crisis.py), not judged here.",
        ["negative_reach", "customers_lost", "nsi_final", "underdog_bonus"], _f3,
        figure_metrics=["negative_reach", "customers_lost", "nsi_final"],
    ),
    Claim(
        "F4", "Broadcast advertising on social media is unfollowed, blocked and complained about; useful, fun "
        "content spreads.",
        "ads_vs_content",
        "At the same budget, broadcast ads cause more unfollows than fun content, and fun content gets more "
        "shares of the brand's posts; both paired differences have a 95 % CI excluding 0.",
        ["unfollows", "brand_shares", "brand_reach", "brand_target_reach", "followers_real",
         "mean_sentiment_final", "cost", "cost_per_target_reached"], _f4,
        figure_metrics=["unfollows", "brand_shares", "brand_target_reach", "followers_real"],
        note="Ads posted 28 times reach more of the brand's own fans by sheer repetition (target reach), "
        "at the price of the unfollows; the verdict is about unfollows and spreading.",
    ),
    Claim(
        "F5", "Bought (zombie) followers inflate counts but bring no reach and dilute engagement.",
        "fake_followers",
        "Buying 5,000 followers raises the follower count (CI above 0), leaves the reach of the brand's posts "
        "unchanged (paired CI within ±1 % of the organic mean) and lowers the engagement rate (shares per "
        "post per follower; CI excluding 0).",
        ["followers_total", "followers_real", "brand_reach", "brand_target_reach", "brand_shares",
         "engagement_rate", "cost"], _f5,
        figure_metrics=["followers_total", "brand_reach", "engagement_rate"],
    ),
    Claim(
        "F6", "KOLs are scarce; relationships cultivated before a campaign work, cold DMs are ignored or "
        "overpriced.",
        "kol_relationships",
        "With the same KOL budget (cultivation paid out of it), cultivated KOLs accept more offers and the "
        "campaign reaches more target customers than with cold DMs: both paired differences have a 95 % "
        "CI above 0.",
        ["brand_target_reach", "brand_reach", "kol_offers", "kol_accepted", "kol_accept_rate", "cost",
         "cost_per_target_reached"], _f6,
        figure_metrics=["brand_target_reach", "kol_accept_rate", "cost", "cost_per_target_reached"],
        note="The third variant orders the offers by CELF (expected target reach per expected fee); it is "
        "reported, not judged.",
    ),
    Claim(
        "F7", "Precisely targeted seeding (iPads to webmasters) beats \"anyone who reposts\" giveaways.",
        "targeted_giveaway",
        "With the same prizes, giving them to influential accounts of the target segment reaches more target "
        "customers than an open repost-to-win giveaway: paired difference with a 95 % CI above 0.",
        ["brand_target_reach", "brand_reach", "brand_shares", "giveaway_prizes_to_target",
         "giveaway_hunter_shares", "cost_per_target_reached"], _f7,
        figure_metrics=["brand_target_reach", "brand_reach", "brand_shares", "giveaway_prizes_to_target"],
        note="The open giveaway's reach depends on how many people hunt prizes "
        "(brand.giveaway_seeker_share, 5 %); the variant with 20 % shows the sensitivity.",
        explain=_why_f7,
    ),
    Claim(
        "F8", "Deep engagement with a few fans beats casual contact with many: fans move from consuming content "
        "to creating it to defending the brand across platforms.",
        "deep_engagement",
        "With the same staff time, deep engagement makes more advocates and more shares of the brand's "
        "content (its campaign and the fans' own posts) than shallow contact: both paired differences have "
        "a 95 % CI above 0. The complaint variants are reported (defence), not judged.",
        ["advocates", "brand_shares", "brand_reach", "brand_target_reach", "reach[fan_posts]",
         "negative_reach", "cost"], _f8,
        figure_metrics=["advocates", "brand_shares", "brand_reach", "negative_reach"],
    ),
    Claim(
        "F9", "Riding a trend works only early; slow content approval (3 days, a month) turns a hot topic cold; "
        "open hashtag campaigns can be hijacked.",
        "trend_riding",
        "The brand's trend post reaches more accounts after 2 h of approval than after 24 h and after 72 h "
        "(paired differences, 95 % CI above 0), and a month of approval misses the topic (mean reach 0). "
        "The hijack of an open hashtag is an input probability (brand.hijack_p): its frequency and reach are "
        "reported, not judged.",
        ["brand_reach", "brand_target_reach", "brand_shares", "hijacked", "reach[hijack]"], _f9,
        figure_metrics=["brand_reach", "brand_target_reach", "hijacked"],
    ),
    Claim(
        "F10", "\"Weibo to acquire, forum to retain, WeChat to serve\" (Xiaomi's division of channels); "
        "platforms combined give \"1 + 1 > 2\".",
        "platforms",
        "Three platforms with their presets (Weibo, WeChat, a forum). Acquire: a campaign of 30 paid posts "
        "reaches more people on Weibo than on WeChat or in the forum. Retain: it lives longer in the forum "
        "than on Weibo or WeChat. Serve: a Weibo complaint answered only in WeChat customer service does as "
        "well as answered on Weibo (negative reach: paired CI within ±10 % of the Weibo answer's mean). "
        "1 + 1 > 2: at equal budget "
        "(paid posts within 10 %), the integrated campaign reaches more people than the best single-platform "
        "one. Every paired difference: 95 % CI on the claimed side of 0.",
        ["reach_people", "origin_posts", "lifetime_h", "target_reach", "reach_weibo", "reach_wechat",
         "reach_forum", "negative_reach", "customers_lost"], _f10,
        figure_metrics=["reach_people", "lifetime_h", "negative_reach", "origin_posts"], explain=_why_f10,
        note="Presets are chosen, not fitted (docs/model.md, \"Several platforms\"); the budget is counted "
        "in paid posts.",
        grid_note="three platforms stack three graphs, so a 10^6-account setting runs 3 x 10^6 rows (about "
        "10 minutes per setting on 2 cores, longer than the rest of the library together); "
        "`sim.checks.robustness.judge_grid` runs its grid, best on a dask cluster (`scheduler=`).",
    ),
]


def judge(claim: Claim, runs: pd.DataFrame) -> tuple[str, list[Check]]:
    """The verdict of ``claim`` on ``runs``: "holds" if every check passes."""
    checks = claim.checks(runs)
    return ("holds" if all(c.passed for c in checks) else "does not hold"), checks


# ---------------------------------------------------------------------------
# Running and writing
# ---------------------------------------------------------------------------


def _scenario_path(name: str) -> Path:

    return find_scenario(name)


def _fmt(x: Any, digits: int = 3) -> str:
    v = _f(x)
    if not math.isfinite(v):
        return "n/a"
    if v != 0 and (abs(v) >= 1e5 or abs(v) < 1e-2):
        return f"{v:.{digits}g}"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    return f"{v:.{digits}g}"


def _ci(d: dict[str, Any]) -> str:
    return f"{_fmt(d.get('mean'))} [{_fmt(d.get('ci_low'))}, {_fmt(d.get('ci_high'))}]"


def _draw(claim: Claim, runset: Any, stats: dict[str, Any], path: Path) -> Path:

    title = f"{claim.id}: {runset.scenario.name}"
    if claim.figure == "lifecycle":
        return fig.compare_figure(
            runset.series, path, metric="new_shares", message=claim.figure_message,
            title=f"{title} — new shares per hour by topic kind (mean, 5–95 % band)",
        )
    if claim.figure == "delay":
        runs = runset.runs
        d = runs[runs["variant"].str.startswith("apologize ") & (runs["strategy"] == "apologize")]
        return fig.delay_figure(
            d, path, x="approval_delay_h", y="negative_reach", by="strategy", reference_x=8.0,
            title=f"{title} — negative reach against the apology's approval delay (mean, 95 % CI)",
        )
    metrics = claim.figure_metrics or claim.metrics[:4]
    metrics = [m for m in metrics if m in runset.runs.columns]
    return fig.metrics_figure(
        stats, metrics, path, title=f"{title} — mean and 95 % CI per variant (Δ: paired, vs {stats['baseline']})"
    )


def _claim_section(claim: Claim, verdict: str, checks: list[Check], stats: dict[str, Any], fig_name: str | None,
                   replicates: int, why: str = "") -> str:
    lines = [f"## {claim.id} — {verdict.upper()}", "", f"**Claim.** {claim.claim}", ""]
    lines += [
        (f"**Scenario.** `scenarios/{claim.scenario}.toml`: {len(stats['variants'])} variants × "
         f"{replicates} paired replicates (baseline: {stats['baseline']})."),
        "",
        f"**Rule.** {claim.rule}",
        "",
        "**Checks.**",
        "",
    ]
    for c in checks:
        mark = "✔" if c.passed else "✘"
        extra = ""
        if "difference" in c.numbers:
            d = c.numbers["difference"]
            extra = f" — paired difference {_ci(d)} (n = {d.get('n')})"
        elif "describe" in c.numbers:
            extra = f" — mean {_ci(c.numbers['describe'])}"
        lines.append(f"- {mark} {c.what}{extra}")
    lines += ["", "**Key numbers** (mean [95 % CI] per variant):", ""]
    metrics = [m for m in claim.metrics if m in stats["metrics"]]
    lines.append("| variant | " + " | ".join(f"`{m}`" for m in metrics) + " |")
    lines.append("|---|" + "---|" * len(metrics))
    for v in stats["variants"]:
        cells = [_ci(stats["describe"][v][m]) for m in metrics]
        lines.append(f"| {v} | " + " | ".join(cells) + " |")
    lines.append("")
    if claim.note:
        lines += [f"*Note.* {claim.note}", ""]
    lines += [f"**Verdict: the claim {verdict} under the defaults.**", ""]
    if why:
        lines += [f"**Why.** {why}", ""]
    if fig_name:
        lines += [f"![{claim.id}](figures/{fig_name})", ""]
    return "\n".join(lines)


def run_library(
    out: Path | str = Path("results/library"),
    workers: int | None = None,
    quick: bool = False,
    *,
    claims: Sequence[str] | None = None,
    progress: bool = True,
    robust: bool = True,
    robust_design: str = "l9",
    scheduler: str | None = None,
) -> Path:
    """Run the claim library and write its report.

    Parameters
    ----------
    out : path, default ``results/library``
        Output folder (replaced atomically when complete).
    workers : int, optional
        Processes for the runs (default: all cores); the numbers do not depend on it.
    quick : bool, default False
        A smoke test: :data:`QUICK_REPLICATES` replicates per variant instead of
        each scenario's ``run.replicates`` (verdicts are then less certain).
    claims : list of str, optional
        Only these claims (e.g. ``["F5", "F9"]``); default all of F1–F10.
    progress : bool, default True
        Progress bars on a terminal.
    robust : bool, default True
        Also judge each claim across the robustness grid of graph settings
        (:mod:`sim.checks.robustness`; with ``quick``, its tiny grid): a robustness table
        per claim in the README and ``robust`` / ``robustness`` in ``verdicts.json``.
    robust_design : {"l9", "full"}
        The robustness design (see :func:`sim.checks.robustness.design_settings`).
    scheduler : str, optional
        Where the robustness sweeps run (as ``buzzsim sweep --scheduler``).

    Returns
    -------
    pathlib.Path
        The output folder, with ``README.md``, ``verdicts.json``, ``figures/`` and ``runs/``.
    """

    chosen = [c for c in CLAIMS if claims is None or c.id in set(claims)]
    if claims is not None:
        unknown = sorted(set(claims) - {c.id for c in CLAIMS})
        if unknown:

            raise BuzzsimError(f"unknown claim(s) {unknown}; the library has {[c.id for c in CLAIMS]}")
    out = Path(out)
    runsets: dict[str, Any] = {}
    for c in chosen:
        if c.scenario not in runsets:
            runsets[c.scenario] = run_variants(
                _scenario_path(c.scenario), replicates=QUICK_REPLICATES if quick else None,
                workers=workers, progress=progress,
            )
    results = []
    with atomic_dir(out, force=True) as tmp:
        (tmp / "figures").mkdir()
        (tmp / "runs").mkdir()
        rob: dict[str, Any] = {}
        if robust:
            rob = judge_grid(
                [c for c in chosen if not c.grid_note], runsets, tmp / "robustness", quick=quick, design=robust_design,
                workers=workers, scheduler=scheduler, judge=judge,
                log=(lambda msg: print(f"robustness {msg}", flush=True)) if progress else None,
            )
        for name, rs in runsets.items():
            rs.runs.to_csv(tmp / "runs" / f"{name}.csv", index=False)
        sections = []
        for c in chosen:
            rs = runsets[c.scenario]
            metrics = [m for m in c.metrics if m in rs.runs.columns]
            stats = summarise_runs(rs.runs, metrics, by="variant", baseline=rs.baseline)
            verdict, checks = judge(c, rs.runs)
            fig_name: str | None = f"{c.id}.png"
            try:
                _draw(c, rs, stats, tmp / "figures" / fig_name)
            except Exception as exc:  # noqa: BLE001 - a figure must not cost the verdicts
                fig_name = None
                checks_note = f"figure failed: {type(exc).__name__}: {exc}"
                c = Claim(**{**c.__dict__, "note": (c.note + " " + checks_note).strip()})
            why = ""
            if verdict != "holds":
                why = c.explain(rs.runs) if c.explain else "Failed checks: " + "; ".join(
                    k.what for k in checks if not k.passed
                ) + "."
            section = _claim_section(c, verdict, checks, stats, fig_name, rs.replicates, why)
            if c.id in rob:
                section += "\n" + robustness_markdown(c.id, rob[c.id])
            elif robust and c.grid_note:
                section += f"\n*Across graphs*: not judged by `make library`: {c.grid_note}\n"
            sections.append(section)
            results.append(
                {
                    "id": c.id,
                    "claim": c.claim,
                    "scenario": f"scenarios/{c.scenario}.toml",
                    "verdict": verdict,
                    "rule": c.rule,
                    "why": why or None,
                    "checks": [{"what": k.what, "passed": k.passed, "numbers": k.numbers} for k in checks],
                    "numbers": {v: {m: stats["describe"][v][m] for m in metrics} for v in stats["variants"]},
                    "replicates": rs.replicates,
                    "seed": rs.scenario.run.seed,
                    "figure": f"figures/{fig_name}" if fig_name else None,
                    "robust": rob[c.id]["robust"] if c.id in rob else None,
                    "robustness": rob.get(c.id),
                }
            )
        now = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        quick_note = f" (quick: {QUICK_REPLICATES} replicates)" if quick else ""
        head = [
            "# The buzzsim claim library",
            "",
            (f"Generated {now} by `buzzsim compare --all`{quick_note}. "
            "Each stylised fact of DESIGN §1 has a scenario comparing the mistake with the better practice "
            "(at equal budget where budget matters), run with paired replicates (common random numbers). "
            "A verdict is computed from the numbers by the rule written in its section (and in "
            "`sim/checks/claims.py`); 95 % confidence intervals are Student-t intervals over replicates, "
            "differences are paired by replicate. A claim the model does not reproduce is reported as such."),
            "",
            "| claim | verdict | holds across graphs | scenario |",
            "|---|---|---|---|",
        ]
        c_by_id = {c.id: c for c in chosen}
        for r in results:
            rb = r.get("robustness")
            across = (f"{rb['holds_in']} of {rb['settings']}"
                      + (f" ({rb['underpowered_in']} underpowered)" if rb.get("underpowered_in") else "")
                      if rb else ("not run (see its section)" if robust and c_by_id[r["id"]].grid_note
                                  else "not run"))
            head.append(f"| [{r['id']}](#{r['id'].lower()}--{r['verdict'].replace(' ', '-')}) | "
                        f"{r['verdict']} | {across} | `{r['scenario']}` |")
        if rob:
            first = next(iter(rob.values()))
            reps = sorted({r["replicates"] for r in rob.values()})
            per = " or ".join(str(x) for x in reps) if len(reps) > 1 else str(reps[0])
            more = ", ".join(cid for cid, r in rob.items() if r["replicates"] == max(reps)) if len(reps) > 1 else ""
            head += ["", (f"*Holds across graphs*: the same rule judged in each setting of the robustness "
                          f"design — {first['design']}, {per} paired replicates per variant "
                          f"and setting{f' ({max(reps)} for {more})' if more else ''}, run through "
                          "`buzzsim sweep` (`sim/checks/robustness.py`). Each claim's section ends with its table; "
                          "*underpowered* settings are those whose failed checks all point the claimed way with a "
                          "95 % CI that includes 0.")]
        text = "\n".join(head) + "\n\n" + "\n".join(sections)
        (tmp / "README.md").write_text(text, encoding="utf-8")
        payload = {"generated": now, "quick": bool(quick), "claims": results}
        (tmp / "verdicts.json").write_text(
            json.dumps(jsonable(payload), indent=2, allow_nan=False) + "\n", encoding="utf-8"
        )
    return out
