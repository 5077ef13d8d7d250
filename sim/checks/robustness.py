"""Robust verdicts: judge each library claim across a grid of graphs (issue 16, item 4).

A claim that holds only on the library's one 10⁴-account scale-free graph with
mean degree 10 says more about that graph than about crises or campaigns. This
module re-judges each claim of :mod:`sim.checks.claims` (same rule, same checks) in
other graph settings — graph size, mean degree and graph kind — and reports in
how many it holds and where it flips.

The design
----------
The full grid is 3 sizes × 3 mean degrees × 3 kinds = 27 settings. It does not
fit the library's budget (about 15 minutes on 2 cores), so the default design is
the **L9 orthogonal array** (a Latin square): 9 settings in which every pair of
levels of any two factors appears exactly once, so each factor's main effect is
seen at every level of the others (interactions of all three are confounded).
``design="full"`` runs the 27.

Every setting runs through :func:`sim.sweep.run_sweep` (one single-point sweep
per claim variant and setting, the graph keys fixed), so the grid can go to dask
(``scheduler=``) and an interrupted grid resumes (``resume=True``: finished
sweeps are read back). Every variant uses the same replicate seeds, so the
differences the rules judge are paired, as in the library itself.

Only the variants a claim's checks compare are run (found from the checks'
numbers on the library's own runs), and each setting gets ``replicates`` paired
replicates (the library's default: :data:`REPLICATES`, more for the claims in
:data:`CLAIM_REPLICATES` — F2 and F3 compare bimodal crisis outcomes).

Cost (measured 2026-12-01, 2 cores): a run of the grid costs about 1 s of wall
time on average (10⁴: 0.2 s, 10⁵: 0.4 s, 10⁶: 1–5 s, the graph built once per
replicate and setting, see :class:`ReusingGraphs`); F2 and F3 together run 9
variants × 9 settings, 78 s per replicate.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.run.executors import make_executor
from sim.sweep.run import run_sweep

__all__ = [
    "GRID",
    "QUICK_GRID",
    "CLAIM_REPLICATES",
    "REPLICATES",
    "Setting",
    "checked_variants",
    "design_settings",
    "judge_grid",
    "robustness_markdown",
]

#: The robustness grid of issue 16: graph size, mean degree, graph kind.
GRID: dict[str, tuple[Any, ...]] = {
    "graph.n": (10_000, 100_000, 1_000_000),
    "graph.mean_degree": (6, 10, 15),
    "graph.kind": ("scale_free", "communities", "small_world"),
}
#: A tiny grid of the same shape for the test suite (``quick``): seconds, not minutes.
QUICK_GRID: dict[str, tuple[Any, ...]] = {
    "graph.n": (600, 800, 1_000),
    "graph.mean_degree": (4, 6, 8),
    "graph.kind": ("scale_free", "communities", "small_world"),
}
#: Paired replicates per variant and setting (full and quick).
REPLICATES = 4
QUICK_REPLICATES = 2
#: a mean paired difference within this share of the larger of the two variants' means is no difference
#: (e.g. one account in one replicate of ten, where the complaint reaches 8 accounts on average)
NO_DIFFERENCE = 0.05
#: Claims that get more replicates per setting (bimodal outcomes: a complaint fizzles or spreads)
CLAIM_REPLICATES: dict[str, int] = {"F2": 10, "F3": 10}


@dataclass(frozen=True)
class Setting:
    """One cell of the robustness grid: the scenario keys it overrides."""

    overrides: tuple[tuple[str, Any], ...]

    @property
    def label(self) -> str:
        """Short text, e.g. ``n=10,000, degree 6, communities``."""
        d = dict(self.overrides)
        parts = []
        if "graph.n" in d:
            parts.append(f"n={int(d['graph.n']):,}")
        if "graph.mean_degree" in d:
            parts.append(f"degree {d['graph.mean_degree']:g}")
        if "graph.kind" in d:
            parts.append(str(d["graph.kind"]))
        return ", ".join(parts)

    def params(self) -> list[str]:
        """The overrides as sweep parameters ``KEY=VALUE`` (each a fixed value)."""
        return [f"{k}={v}" for k, v in self.overrides]


def design_settings(grid: Mapping[str, Sequence[Any]] = GRID, design: str = "l9") -> list[Setting]:
    """The settings of the robustness design.

    Parameters
    ----------
    grid : mapping of str to 3 values
        Three factors of three levels each (size, mean degree, kind).
    design : {"l9", "full"}
        ``"l9"``: the orthogonal array L9(3³) — level of the third factor
        ``(i + j + 2) mod 3`` for levels ``i``, ``j`` of the first two (so the first
        size with the middle degree meets the first kind: the library's default
        setting is a cell); ``"full"``: all 27.

    Returns
    -------
    list of Setting
    """
    keys = list(grid)
    if len(keys) != 3 or any(len(grid[k]) != 3 for k in keys):
        raise ValueError("the robustness design needs exactly 3 factors of 3 levels")
    a, b, c = (list(grid[k]) for k in keys)
    if design == "full":
        cells = [(i, j, k) for i in range(3) for j in range(3) for k in range(3)]
    elif design == "l9":
        cells = [(i, j, (i + j + 2) % 3) for i in range(3) for j in range(3)]
    else:
        raise ValueError(f"design = {design!r}; expected 'l9' or 'full'")
    return [Setting(((keys[0], a[i]), (keys[1], b[j]), (keys[2], c[k]))) for i, j, k in cells]


def checked_variants(checks: Sequence[Any]) -> list[str]:
    """The variant names a claim's checks compare (from their numbers), in order."""
    out: list[str] = []
    for ch in checks:
        nums = getattr(ch, "numbers", {}) or {}
        for key in ("low", "high", "base", "other", "variant"):
            v = nums.get(key)
            if isinstance(v, str) and v not in out:
                out.append(v)
    return out


class ReusingGraphs:
    """An executor that runs every task with its graph reused (``simulate_task``'s flag).

    The variants of a setting share their replicate seeds, so replicate ``i`` of
    every variant runs on the same graph; each worker keeps the graphs of 10^5
    accounts and more that it built (:mod:`sim.graph.cache`) instead of building
    them again for the next variant. The numbers are those of fresh graphs.
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def imap_unordered(self, tasks: Any) -> Any:
        """The inner executor's results, each task flagged to reuse its graph."""
        return self.inner.imap_unordered((key, (*task[:5], True)) for key, task in tasks)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)


def _run_cell(
    variant_scenarios: Mapping[str, Any],
    setting: Setting,
    out: Path,
    *,
    replicates: int,
    executor: Any,
    resume: bool,
) -> pd.DataFrame:
    """Runs of every variant in one setting, through ``run_sweep`` (one point each)."""
    frames = []
    for name, scn in variant_scenarios.items():
        folder = out / _safe(name)
        res = run_sweep(
            scn, setting.params(), replicates=replicates, executor=executor,
            out=folder, resume=resume and folder.exists(), force=not (resume and folder.exists()),
            figures=False, progress=False,
        )
        df = res.results.copy()
        df["variant"] = name
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def judge_grid(
    claims: Sequence[Any],
    runsets: Mapping[str, Any],
    out: Path | str,
    *,
    quick: bool = False,
    design: str = "l9",
    grid: Mapping[str, Sequence[Any]] | None = None,
    replicates: int | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    judge: Callable[[Any, pd.DataFrame], tuple[str, list[Any]]],
    log: Callable[[str], None] | None = None,
) -> dict[str, dict[str, Any]]:
    """Judge each claim in every setting of the robustness design.

    Parameters
    ----------
    claims : list of sim.checks.claims.Claim
    runsets : mapping
        Scenario name -> the library's ``RunSet`` of it (its variants are re-run).
    out : path
        Folder for the sweeps (one per claim scenario, setting and variant).
    quick : bool
        :data:`QUICK_GRID` and :data:`QUICK_REPLICATES` unless given.
    design, grid, replicates
        See :func:`design_settings`; replicates per variant and setting (default
        :data:`REPLICATES`, or the claim's :data:`CLAIM_REPLICATES`).
    workers, scheduler
        As for :func:`sim.sweep.run_sweep`.
    resume : bool
        Read back finished sweeps instead of running them again.
    judge : callable
        ``judge(claim, runs) -> (verdict, checks)``: the library's rule
        (:func:`sim.checks.claims.judge`, passed in by it).

    Returns
    -------
    dict
        Claim id -> ``{"robust": bool, "holds_in": k, "settings": m, "design":
        text, "replicates": R, "cells": [{"setting", **overrides, "verdict",
        "failed": [check texts]}], "flips": [setting labels where the verdict
        differs from the library's own verdict]}``.
    """
    grid = grid or (QUICK_GRID if quick else GRID)
    if replicates:
        R: int | dict[str, int] = replicates
    elif quick:
        R = QUICK_REPLICATES
    else:
        R = {c.id: CLAIM_REPLICATES.get(c.id, REPLICATES) for c in claims}
    settings = design_settings(grid, design)
    out = Path(out)
    cache: dict[tuple[str, str, Setting], pd.DataFrame] = {}
    # one executor (one process pool or dask client) for every sweep of the grid
    ex = ReusingGraphs(make_executor(scheduler, workers, prefix="buzzsim-robustness"))
    try:
        result = _judge_all(claims, runsets, settings, out, R, ex, resume, judge, cache, design, grid, log)
    finally:
        ex.close()
    (out / "robustness.json").parent.mkdir(parents=True, exist_ok=True)
    (out / "robustness.json").write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    return result


def _judge_all(
    claims: Sequence[Any], runsets: Mapping[str, Any], settings: list[Setting], out: Path,
    reps: int | Mapping[str, int], ex: Any,
    resume: bool, judge: Callable[[Any, pd.DataFrame], tuple[str, list[Any]]], cache: dict[Any, pd.DataFrame],
    design: str, grid: Mapping[str, Sequence[Any]], log: Callable[[str], None] | None,
) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = {}
    for c in claims:
        R = int(reps if isinstance(reps, int) else reps[c.id])
        rs = runsets[c.scenario]
        base_verdict, base_checks = judge(c, rs.runs)
        names = checked_variants(base_checks)
        by_name = {v.name: v.scenario for v in rs.variants}
        names = [n for n in names if n in by_name] or list(by_name)
        scns = {n: by_name[n] for n in names}
        cells = []
        t0 = time.monotonic()
        for si, st in enumerate(settings):
            folder = out / c.scenario / f"s{si}-{'-'.join(str(v) for _, v in st.overrides)}"
            # one folder per replicate count: a claim with more replicates does not resume another's sweep
            if not isinstance(reps, int) and len(set(reps.values())) > 1:
                folder = folder.with_name(f"{folder.name}-r{R}")
            todo = {n: scn for n, scn in scns.items() if (c.scenario, n, st, R) not in cache}
            if todo:  # a variant two claims share (e.g. "apologize 4h" of F2 and F3) runs once
                runs = _run_cell(todo, st, folder, replicates=R, executor=ex, resume=resume)
                for n, g in runs.groupby("variant", sort=False):
                    cache[(c.scenario, n, st, R)] = g
            cell_runs = pd.concat([cache[(c.scenario, n, st, R)] for n in names], ignore_index=True)
            verdict, checks = judge(c, cell_runs)
            failed = [k for k in checks if not k.passed]
            spread = (float(pd.to_numeric(cell_runs["negative_spread"], errors="coerce").mean())
                      if "negative_spread" in cell_runs.columns else None)
            cells.append({
                "setting": st.label, **dict(st.overrides), "verdict": verdict,
                # crisis claims: share of the cell's runs in which the complaint spread
                "p_spread": spread,
                "failed": [_failure(k) for k in failed],
                # every failed check still points the claimed way: too few replicates
                # (or too small an effect) to tell, rather than a reversal
                "underpowered": bool(failed) and all(_claimed_way(k) for k in failed),
            })  # fmt: skip
        k = sum(cell["verdict"] == "holds" for cell in cells)
        result[c.id] = {
            "robust": bool(k == len(cells)),
            "holds_in": k,
            "underpowered_in": sum(cell["underpowered"] for cell in cells),
            "settings": len(cells),
            "design": _design_text(design, grid),
            "replicates": R,
            "variants": names,
            "verdict_at_defaults": base_verdict,
            "flips": [cell["setting"] for cell in cells if cell["verdict"] != base_verdict],
            "cells": cells,
        }
        if log:
            log(f"{c.id}: holds in {k} of {len(cells)} settings ({time.monotonic() - t0:.0f} s)")
    return result


def _claimed_way(check: Any) -> bool:
    """A failed ``greater`` check whose paired difference is positive (CI includes 0)."""
    nums = getattr(check, "numbers", {}) or {}
    d = nums.get("difference")
    if "high" not in nums or not isinstance(d, Mapping) or d.get("mean") is None:
        return False
    return float(d["mean"]) > 0 and not _negligible(nums)


def _negligible(nums: Mapping[str, Any]) -> bool:
    """The paired difference is below :data:`NO_DIFFERENCE` of the larger variant mean."""
    d = nums.get("difference") or {}
    scale = max(abs(float(nums.get("mean_high") or 0.0)), abs(float(nums.get("mean_low") or 0.0)))
    mean = float(d.get("mean") or 0.0)
    return abs(mean) <= NO_DIFFERENCE * scale if scale > 0 else mean == 0.0


def _failure(check: Any) -> str:
    """A failed check in words, with its paired difference and whether the point
    estimate still points the claimed way (then the CI merely includes 0: too few
    replicates or a small effect) or the other way (a real flip)."""
    d = (getattr(check, "numbers", {}) or {}).get("difference")
    if not isinstance(d, Mapping):
        return check.what
    mean, lo, hi = (float("nan") if d.get(k) is None else float(d[k]) for k in ("mean", "ci_low", "ci_high"))
    if not math.isfinite(mean):
        return f"{check.what} (difference n/a)"
    if "high" in check.numbers:  # greater(): claimed high - low > 0
        way = ("no difference" if _negligible(check.numbers) else
               "claimed direction, CI includes 0" if mean > 0 else "opposite direction")
    else:
        way = "outside tolerance"
    return f"{check.what} [difference {_num(mean)} ({_num(lo)} to {_num(hi)}): {way}]"


def _num(x: float) -> str:
    """A difference for the table: thousands separated, small values with two significant digits."""
    return f"{x:,.0f}" if abs(x) >= 10 or x == 0 else f"{x:.2g}"


def _design_text(design: str, grid: Mapping[str, Sequence[Any]]) -> str:
    levels = "; ".join(f"{k} ∈ {{{', '.join(f'{v:,}' if isinstance(v, int) else str(v) for v in vals)}}}"
                       for k, vals in grid.items())
    if design == "l9":
        return f"L9 orthogonal array (9 of the 27 settings; every pair of levels once) over {levels}"
    return f"full factorial (27 settings) over {levels}"


def robustness_markdown(claim_id: str, rob: Mapping[str, Any]) -> str:
    """The robustness table of one claim for ``results/library/README.md``."""
    k, m = rob["holds_in"], rob["settings"]
    lines = [
        (f"**Robustness.** The claim holds in **{k} of {m}** graph settings ({rob['design']}; "
        f"{rob['replicates']} paired replicates per variant and setting; variants "
        f"{', '.join(f'`{v}`' for v in rob['variants'])}). Of the other settings, "
        f"{rob.get('underpowered_in', 0)} fail only because a 95 % CI includes 0 while the paired "
        "difference points the claimed way (too few replicates or too small an effect to tell); "
        "the rest show no difference or the opposite."),
        "",
    ]
    crisis = any(cell.get("p_spread") is not None for cell in rob["cells"])
    if crisis:
        lines += ["| graph size | mean degree | kind | P(spread) | verdict | failed checks |",
                  "|---:|---:|---|---:|---|---|"]
    else:
        lines += ["| graph size | mean degree | kind | verdict | failed checks |", "|---:|---:|---|---|---|"]
    for cell in rob["cells"]:
        failed = "; ".join(cell["failed"]) or "—"
        n = cell.get("graph.n")
        deg = cell.get("graph.mean_degree")
        verdict = cell["verdict"] + (" (underpowered)" if cell.get("underpowered") else "")
        p = cell.get("p_spread")
        mid = (f" {p:.2f} |" if p is not None else " – |") if crisis else ""
        lines.append(
            f"| {int(n):,} | {deg:g} | {cell.get('graph.kind')} |{mid} {verdict} | {failed} |"
            if n is not None and deg is not None and not (isinstance(deg, float) and math.isnan(deg))
            else f"| {cell['setting']} | | |{mid} {verdict} | {failed} |"
        )
    if crisis:
        fizzle = [cell["setting"] for cell in rob["cells"] if cell["verdict"] != "holds"
                  and cell.get("p_spread") is not None and cell["p_spread"] < 0.25]
        lines += ["", "*P(spread)*: share of the setting's runs (all variants compared) in which the complaint "
                  "spread (at least 10 shares)."
                  + (f" Where it rarely spreads ({'; '.join(fizzle)}) no response can matter: the claim "
                     "cannot be tested there rather than failing." if fizzle else "")]
    if rob["flips"]:
        lines += ["", f"Flips (verdict differs from the defaults' \"{rob['verdict_at_defaults']}\"): "
                  + "; ".join(rob["flips"]) + "."]
    else:
        lines += ["", f"No flip: the verdict is \"{rob['verdict_at_defaults']}\" in every setting."]
    return "\n".join(lines) + "\n"
