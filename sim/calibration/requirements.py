"""The requirements of issue 16, item 1, measured and judged (``buzzsim validate --data``).

Each requirement is one line: what is measured, its value, the target and whether it
is met. Which requirements a data file can judge depends on what it holds:

* **trees with timing** (Twitter15, the Weibo sample): per-cascade medians of the
  share of reshares within 1 h and within 8 h, each within 0.1 of the data's; median
  depth and median structural virality inside the data's interquartile range;
* **sizes only** (Higgs retweeters per user): the size tail's power-law exponent
  within 0.3 of the data's (same ``xmin``), single posts from random accounts;
* **model-only, at scale** (``--scale``; the same on every file): single posts at
  10^6 accounts reach at least 10^3 shares, and the complaint's mean negative reach
  at 10^6 accounts is within 1.5x of its value at 10^5 (same mean degree).

The model is run on a named *setting* (:data:`SETTINGS`): the model's defaults or a
candidate, each a set of scenario keys laid over the scenario sampled.
"""

from __future__ import annotations

import math
import time
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.cascade_stats import PowerLawFit
from sim.api import simulate
from sim.calibration.sampling import sample_model
from sim.calibration.settings import SETTINGS, Setting
from sim.errors import BuzzsimError
from sim.scenario.load import load_scenario
from sim.scenario.schema import Scenario
from sim.scenario.variants import with_overrides

__all__ = [
    "SETTINGS",
    "TOLERANCE_SHARE",
    "TOLERANCE_TAIL",
    "Requirement",
    "Setting",
    "complaint_scaling",
    "data_requirements",
    "format_requirement",
    "requirements_markdown",
    "scale_requirements",
    "setting_scenario",
    "single_posts_at_scale",
    "tail_requirement",
]

#: within 1 h / within 8 h: the model's median within this of the data's
TOLERANCE_SHARE = 0.1
#: size tail: |alpha_model - alpha_data| at most this
TOLERANCE_TAIL = 0.3
#: fewest qualifying model cascades for a median to be judged
MIN_CASCADES = 10
#: fewest model cascades in the tail for its exponent to be judged (as the KS choice of xmin)
MIN_TAIL = 50
#: shares a single post must reach at 10^6 accounts
SCALE_SHARES = 1_000
#: complaint: mean negative reach at 10^6 within this factor of 10^5
SCALE_FACTOR = 1.5


def setting_scenario(base: Scenario, setting: Setting, *, sizes_only: bool = False) -> Scenario:
    """The base scenario with the setting's keys (sizes-only data: posts from random accounts).

    Higgs counts the retweeters of every retweeted user, so its sizes are those of
    posts by any account, not by the largest ones.
    """
    over = dict(setting.overrides)
    if sizes_only and "messages.0.origin" in over:
        over["messages.0.origin"] = "random"
    return with_overrides(base, over) if over else base


@dataclass
class Requirement:
    """One requirement of item 1, measured.

    ``met`` is None when it was not measured (``detail`` says why).
    """

    name: str
    measured: str
    target: str
    met: bool | None
    detail: str = ""
    setting: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _q(s: pd.Series, q: float) -> float:
    v = pd.to_numeric(s, errors="coerce").dropna()
    return float(v.quantile(q)) if len(v) else float("nan")


def data_requirements(data: pd.DataFrame, model: pd.DataFrame, *, data_label: str,
                      setting: str) -> list[Requirement]:
    """Timing and structure requirements on per-cascade tables (trees with timing).

    Parameters
    ----------
    data, model : pandas.DataFrame
        Per-cascade statistics (:func:`sim.analysis.cascade_stats.per_cascade`) of the
        data and of the model's qualifying cascades.
    """
    out: list[Requirement] = []
    n = len(model)
    few = n < MIN_CASCADES
    note = f"only {n} qualifying model cascade{'s' if n != 1 else ''} (a median needs ≥ {MIN_CASCADES})" if few else ""
    for col, label in (("within_1h", "share within 1 h"), ("within_8h", "share within 8 h")):
        d, m = _q(data[col], 0.5), _q(model[col], 0.5) if n else float("nan")
        ok = bool(not few and np.isfinite(m) and abs(m - d) <= TOLERANCE_SHARE + 1e-12)
        detail = "; ".join(x for x in (f"|Δ| = {abs(m - d):.2f}" if np.isfinite(m) else "", note) if x)
        out.append(Requirement(
            f"{data_label}: per-cascade median {label}", f"{m:.2f}" if np.isfinite(m) else "no model cascade",
            f"{d:.2f} ± {TOLERANCE_SHARE:g}", ok, detail, setting))
    for col, label, digits in (("depth_max", "depth", 1), ("structural_virality", "structural virality", 2)):
        lo, hi = _q(data[col], 0.25), _q(data[col], 0.75)
        m = _q(model[col], 0.5) if n else float("nan")
        ok = bool(not few and np.isfinite(m) and lo - 1e-12 <= m <= hi + 1e-12)
        out.append(Requirement(
            f"{data_label}: median {label}", f"{m:.{digits}f}" if np.isfinite(m) else "no model cascade",
            f"in the data's IQR {lo:.{digits}f}–{hi:.{digits}f} (median {_q(data[col], 0.5):.{digits}f})",
            ok, note, setting))
    return out


def tail_requirement(fd: PowerLawFit, fm: PowerLawFit, *, data_label: str, setting: str,
                     where: str = "") -> Requirement:
    """The size tail: the model's power-law exponent within 0.3 of the data's (same ``xmin``).

    Not met when fewer than :data:`MIN_TAIL` model cascades reach ``xmin`` (no
    heavy tail to speak of, or too few runs to see it).
    """
    enough = fm.n_tail >= MIN_TAIL
    ok = bool(enough and np.isfinite(fm.alpha) and np.isfinite(fd.alpha)
              and abs(fm.alpha - fd.alpha) <= TOLERANCE_TAIL)
    measured = (f"α = {fm.alpha:.2f} ± {fm.se:.2f} ({fm.n_tail} cascades ≥ {fm.xmin})" if np.isfinite(fm.alpha)
                else f"no tail ({fm.n_tail} cascades ≥ {fm.xmin})")
    detail = f"|Δα| = {abs(fm.alpha - fd.alpha):.2f}" if np.isfinite(fm.alpha) else ""
    if not enough:
        detail = (f"only {fm.n_tail} model cascades ≥ {fm.xmin} (a tail needs ≥ {MIN_TAIL}; more runs: "
                  f"--max-runs){'; ' + detail if detail else ''}")
    return Requirement(
        f"{data_label}: size tail exponent of single posts{where}", measured,
        f"α = {fd.alpha:.2f} ± {TOLERANCE_TAIL:g} (data, sizes ≥ {fd.xmin})", ok, detail, setting)


def single_posts_at_scale(base: Scenario, setting: Setting, *, n: int = 1_000_000, runs: int = 40,
                          graphs: int = 2, horizon_h: float = 168.0, seed: int = 0,
                          progress: bool = False) -> Requirement:
    """Single posts by the largest accounts (the KOLs) of an ``n``-account graph: does one reach 10^3 shares?

    The largest cascades of single posts are those of the largest accounts; a random
    account is one of them with probability 20 / n, so posts from random accounts
    would need ~n runs to show the tail's end. Returns the requirement with the largest
    cascade and the share of posts reaching 10^3 shares.
    """
    over = {**setting.overrides, "graph.n": n, "messages.0.origin": "kol"}
    scn = with_overrides(base, over)
    sample = sample_model(scn, n_cascades=runs, min_size=1, horizon_h=horizon_h, seed=seed, max_runs=runs,
                          graphs=graphs, progress=progress)
    shares = sample.sizes_all - 1
    top = int(shares.max()) if shares.size else 0
    reach = float(np.mean(shares >= SCALE_SHARES)) if shares.size else 0.0
    return Requirement(
        f"single posts at {n:,} accounts reach ≥ {SCALE_SHARES:,} shares", f"largest {top:,} shares",
        f"≥ {SCALE_SHARES:,}", top >= SCALE_SHARES,
        f"{runs} posts by the {scn.population.n_kols} largest accounts ({graphs} graphs), median "
        f"{int(np.median(shares)) if shares.size else 0:,} shares, {reach:.0%} reach {SCALE_SHARES:,}; "
        f"{horizon_h:g} h; {sample.seconds:.0f} s",
        setting.name)


def _crisis_base() -> dict[str, Any]:
    path = Path(__file__).resolve().parents[2] / "scenarios" / "crisis_response.toml"
    if not path.exists():
        raise BuzzsimError(f"{path}: the complaint scenario is missing")
    raw = tomllib.loads(path.read_text())
    raw.pop("variants", None)
    return raw


def complaint_scaling(setting: Setting, *, sizes: Sequence[int] = (100_000, 1_000_000), replicates: int = 8,
                      seed: int = 0, log: Callable[[str], None] | None = None) -> Requirement:
    """The complaint's mean negative reach at 10^6 accounts vs 10^5 (same mean degree).

    ``scenarios/crisis_response.toml`` with the brand silent (its baseline), the
    setting's population and graph keys laid over it; ``replicates`` paired runs per
    size (replicate ``i`` has the same seed at both sizes).
    """
    scn0 = with_overrides(load_scenario(_crisis_base()), setting.crisis_overrides())
    means: list[float] = []
    spread: list[float] = []
    t0 = time.perf_counter()
    for n in sizes:
        scn = with_overrides(scn0, {"graph.n": int(n), "crisis.strategy": "silence"})
        reach = []
        for i in range(replicates):
            r = simulate(scn, seed=int(np.random.default_rng([seed, i]).integers(0, 2**31 - 1)))
            reach.append(float(r.summary["negative_reach"]))
        a = np.array(reach)
        means.append(float(a.mean()))
        spread.append(float(np.mean(a >= 100)))
        if log:
            log(f"complaint at {n:,} accounts: mean negative reach {a.mean():,.0f}")
    ratio = means[-1] / means[0] if means[0] > 0 else math.inf
    ok = bool(1.0 / SCALE_FACTOR <= ratio <= SCALE_FACTOR)
    return Requirement(
        f"complaint: mean negative reach at {sizes[-1]:,} vs {sizes[0]:,} accounts", f"× {ratio:.2f}",
        f"within × {SCALE_FACTOR:g} (1/{SCALE_FACTOR:g} to {SCALE_FACTOR:g})", ok,
        f"{means[0]:,.0f} → {means[-1]:,.0f} accounts (spread ≥ 100 accounts in {spread[0]:.0%} → "
        f"{spread[-1]:.0%} of {replicates} replicates; crisis_response, silence, mean degree "
        f"{scn0.graph.mean_degree:g}; {time.perf_counter() - t0:.0f} s)", setting.name)


def scale_requirements(base: Scenario, setting: Setting, *, seed: int = 0, runs: int = 40, replicates: int = 8,
                       progress: bool = False) -> list[Requirement]:
    """The two model-only requirements at 10^6 accounts (``--scale``)."""
    log = (lambda m: print(m, flush=True)) if progress else None
    return [single_posts_at_scale(base, setting, runs=runs, seed=seed, progress=progress),
            complaint_scaling(setting, replicates=replicates, seed=seed, log=log)]


def not_measured_at_scale(setting: Setting) -> list[Requirement]:
    """The model-only requirements, listed as not measured (without ``--scale``)."""
    why = "not measured: add --scale (runs at 10^6 accounts, a few minutes)"
    return [Requirement(f"single posts at 1,000,000 accounts reach ≥ {SCALE_SHARES:,} shares", "–",
                        f"≥ {SCALE_SHARES:,}", None, why, setting.name),
            Requirement("complaint: mean negative reach at 1,000,000 vs 100,000 accounts", "–",
                        f"within × {SCALE_FACTOR:g}", None, why, setting.name)]


def _verdict(r: Requirement) -> str:
    return "not measured" if r.met is None else "met" if r.met else "NOT MET"


def format_requirement(r: Requirement) -> str:
    """One printed line: verdict, name, measured vs target, detail."""
    return (f"{_verdict(r):<12} {r.name}: {r.measured} (target {r.target})"
            + (f" — {r.detail}" if r.detail else ""))


def requirements_markdown(reqs: Sequence[Requirement], setting: Setting) -> list[str]:
    """The requirement table of the report."""
    met = sum(r.met is True for r in reqs)
    measured = sum(r.met is not None for r in reqs)
    lines = ["## Requirements of issue 16, item 1", "",
             f"Model setting: **{setting.name}** — {setting.description}."
             + (f" Keys: {', '.join(f'`{k} = {v!r}`' for k, v in setting.overrides.items())}."
                if setting.overrides else "")
             + (f" Sources: {setting.source}." if setting.source else ""), "",
             f"**{met} of {measured} measured requirements met** ({len(reqs) - measured} not measured).", "",
             "| requirement | model | target | verdict | detail |", "|---|---|---|---|---|"]
    for r in reqs:
        lines.append(f"| {r.name} | {r.measured} | {r.target} | {_verdict(r)} | {r.detail or '–'} |")
    return lines + [""]
