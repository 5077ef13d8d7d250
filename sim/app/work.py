"""One press of the workbench's Run button: the settings run side by side.

:func:`run_settings` turns the named settings into one scenario with paired
variants (:func:`sim.app.settings.comparison_scenario`), runs it with
:func:`sim.run.replicates.run_variants` (progress callback, cancel event) and draws the
figures with :mod:`sim.report.figures`. It is called from a worker thread of the
page and can be called from a test or a notebook in the same way.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.app.settings import Loaded, comparison_scenario
from sim.report import figures as figs
from sim.report.outlook import crisis_outlook, negative_series
from sim.report.summary import build_summary, key_metrics
from sim.run.replicates import RunSet, default_workers, plan_runs, run_variants

__all__ = ["Outcome", "run_settings", "workers_for"]

#: Runs × accounts below which the runs go serially in the page's worker thread
#: (starting worker processes costs more than it saves).
SERIAL_WORK = 400_000


@dataclass
class Outcome:
    """What the page shows after a run.

    Attributes
    ----------
    runset : RunSet
        Every run (``runs``, ``series``, ``phases``).
    names : list of str
        The settings, baseline first.
    outlook : pandas.DataFrame or None
        :func:`sim.report.outlook.crisis_outlook` (crisis scenarios only).
    summary : dict
        :func:`sim.report.summary.build_summary`.
    figures : dict
        Title -> PNG bytes.
    warnings : list of str
        Figures that could not be drawn.
    serial : int
        Which press of the Run button this answers (set by the page).
    """

    runset: RunSet
    names: list[str]
    outlook: pd.DataFrame | None
    summary: dict[str, Any]
    figures: dict[str, bytes] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    serial: int = 0


def workers_for(n_runs: int, n_accounts: int) -> int:
    """Processes for a run: 1 (serial) for small work, else every core."""
    if n_runs * n_accounts < SERIAL_WORK:
        return 1
    return min(n_runs, default_workers())


def run_settings(
    loaded: Loaded,
    named: Sequence[tuple[str, Mapping[str, Any]]],
    *,
    on_progress: Callable[[int, int], None] | None = None,
    cancel: threading.Event | None = None,
    workers: int | None = None,
    draw: bool = True,
) -> Outcome:
    """Run the settings side by side (paired replicates) and draw the page's figures.

    Parameters
    ----------
    loaded : Loaded
        The scenario the settings modify.
    named : list of (name, setting)
        The settings, the first one the baseline of the paired differences.
    on_progress, cancel
        Passed to :func:`sim.run.replicates.run_variants`.
    workers : int, optional
        Processes (default :func:`workers_for`).
    draw : bool, default True
        Draw the figures (PNG bytes in ``Outcome.figures``).

    Raises
    ------
    BuzzsimError
        A setting that does not validate (one line).
    RunCancelled
        ``cancel`` was set.
    """
    scn = comparison_scenario(loaded, named)
    plan = plan_runs(scn, variants=True)
    if workers is None:
        workers = workers_for(plan.n_runs, scn.graph.n)
    runset = run_variants(plan, workers=workers, progress=False, on_progress=on_progress, cancel=cancel)
    names = [v.name for v in runset.variants]
    outlook = None
    if scn.crisis is not None and "negative_reach" in runset.runs.columns:
        outlook = crisis_outlook(runset.runs, baseline=runset.baseline, order=names)
    summary = build_summary(runset)
    out = Outcome(runset, names, outlook, summary)
    if draw:
        out.figures, out.warnings = draw_figures(out)
    return out


def draw_figures(outcome: Outcome) -> tuple[dict[str, bytes], list[str]]:
    """The page's figures as PNG bytes: incidence, delay curve, metrics side by side."""
    rs = outcome.runset
    todo: list[tuple[str, Callable[[Path], Any]]] = []
    crisis = rs.scenario.crisis is not None and "negative_reach" in rs.runs.columns
    n_rep = rs.replicates
    if crisis:
        neg = negative_series(rs.series)
        todo.append((
            "negative incidence",
            lambda p: figs.compare_figure(
                neg, p, metric="new_shares", message="negative", smoothing_h=0,
                baseline=rs.baseline,
                title=f"Negative shares per hour (complaint + cover-up), mean and 5–95 % of {n_rep} replicates",
            ),
        ))  # fmt: skip
        runs = rs.runs
        responding = runs[runs["strategy"] != "silence"]
        if responding["approval_delay_h"].nunique() >= 2:
            todo.append((
                "delay",
                lambda p: figs.delay_figure(
                    responding, p, x="approval_delay_h", y="negative_reach", by="strategy",
                    reference_x=8.0, title="Negative reach against the approval delay",
                ),
            ))  # fmt: skip
    else:
        first = rs.scenario.messages[0].name if rs.scenario.messages else None
        todo.append((
            "incidence",
            lambda p: figs.compare_figure(rs.series, p, metric="new_shares", message=first,
                                          baseline=rs.baseline),
        ))  # fmt: skip
    if len(outcome.names) > 1:
        metrics = key_metrics(rs)[:6]
        todo.append((
            "metrics",
            lambda p: figs.metrics_figure(
                outcome.summary, metrics, p,
                title=f"Mean and 95 % CI per setting; Δ: paired difference to {rs.baseline!r}",
            ),
        ))  # fmt: skip
    done: dict[str, bytes] = {}
    warnings: list[str] = []
    with tempfile.TemporaryDirectory(prefix="buzzsim-app-") as tmp:
        for title, fn in todo:
            path = Path(tmp) / f"{title.replace(' ', '_')}.png"
            try:
                fn(path)
                done[title] = path.read_bytes()
            except Exception as exc:  # noqa: BLE001 - shown on the page, the numbers still are
                warnings.append(f"could not draw the {title} figure: {type(exc).__name__}: {exc}")
    return done, warnings
