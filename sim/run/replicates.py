"""Run a scenario's variants × replicates, serially or in a local process pool.

Replicate ``i`` of every variant runs with the same seed,
``sim.rng.replicate_seeds(scenario.run.seed, n)[i]`` (common random numbers), so
the difference between two variants is paired replicate by replicate, and two
identical variants differ by exactly zero. Every run is a pure function of
(scenario, seed, engine): the numbers do not depend on the number of workers or
the order in which runs finish.

>>> from sim.run.replicates import run_variants
>>> rs = run_variants("scenarios/topic_lifecycle.toml", replicates=4)  # doctest: +SKIP
>>> rs.runs.groupby("variant")["reach"].mean()  # doctest: +SKIP
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import rng as rng_mod
from sim.analysis.trees import empty_cascades
from sim.api import simulate
from sim.errors import BuzzsimError, ScenarioError
from sim.graph.cache import cached_graph
from sim.rng import replicate_seeds
from sim.run.pool import default_workers, kill_pool, signals_deferred, start_pool
from sim.run.progress import RunCancelled, Watched, check_cancel, progress_bar
from sim.scenario.load import find_scenario, load_scenario, read_scenario_file, scenario_to_toml
from sim.scenario.schema import Scenario
from sim.scenario.variants import Variant, select_variants, with_overrides

__all__ = [
    "RunCancelled",
    "RunPlan",
    "RunSet",
    "check_int",
    "default_workers",
    "load_with_text",
    "plain_scalar",
    "plan_runs",
    "run_variants",
    "simulate_task",
]

#: Columns that identify a run; every other column of ``RunSet.runs`` is a metric.
ID_COLUMNS = ("variant", "replicate", "seed")


@dataclass
class RunSet:
    """Every run of a scenario's variants and replicates.

    Attributes
    ----------
    scenario : Scenario
        The base scenario, with ``--seed``/``--replicates`` overrides applied.
    variants : list of Variant
        The variants that were run, baseline first.
    baseline : str
        Name of the variant that differences are measured against.
    seeds : list of int
        Seed of replicate ``i`` (the same in every variant).
    runs : pandas.DataFrame
        One row per variant × replicate: ``variant``, ``replicate``, ``seed``,
        then every scalar metric of :attr:`sim.result.Result.summary`.
    series : pandas.DataFrame
        The hourly series of every run, tidy, with ``variant`` and ``replicate``
        prepended to :data:`sim.result.SERIES_COLUMNS`.
    phases : pandas.DataFrame
        Lifecycle phases per message of every run, ``variant`` and ``replicate``
        prepended.
    cascades : pandas.DataFrame
        The cascade trees of every run (:attr:`sim.result.Result.cascades`),
        ``variant`` and ``replicate`` prepended (empty when ``run.record_cascades``
        is false).
    engine : str
        The engine used (``"mixed"`` if variants chose different engines).
    workers : int
        Processes used (1: serial, in this process).
    wall_time_s : float
        Wall-clock time of all runs.
    scenario_text : str
        The scenario file's text (or the resolved scenario as TOML for dicts).
    source : str or None
        Path of the scenario file, if any.
    """

    scenario: Scenario
    variants: list[Variant]
    baseline: str
    seeds: list[int]
    runs: pd.DataFrame
    series: pd.DataFrame
    phases: pd.DataFrame
    engine: str
    workers: int
    wall_time_s: float
    scenario_text: str = ""
    source: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    cascades: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def metrics(self) -> list[str]:
        """Numeric metric columns of :attr:`runs` (in summary order)."""
        return [
            c
            for c in self.runs.columns
            if c not in ID_COLUMNS
            and pd.api.types.is_numeric_dtype(self.runs[c])
            and not pd.api.types.is_bool_dtype(self.runs[c])
        ]

    @property
    def replicates(self) -> int:
        """Replicates per variant."""
        return len(self.seeds)


@dataclass
class RunPlan:
    """What :func:`run_variants` is about to run (validated, nothing run yet).

    Attributes
    ----------
    scenario : Scenario
        The base scenario with ``seed``/``replicates`` overrides applied.
    variants : list of Variant
        The variants to run, baseline first.
    baseline : str
        The variant that differences are measured against.
    seeds : list of int
        Seed of replicate ``i`` (the same in every variant).
    engine : str or None
        Engine forced on every run (None: each variant's ``run.engine``).
    scenario_text, source : str, str or None
        The scenario file's text and path (for the manifest).
    """

    scenario: Scenario
    variants: list[Variant]
    baseline: str
    seeds: list[int]
    engine: str | None
    scenario_text: str
    source: str | None

    @property
    def n_runs(self) -> int:
        """Variants × replicates."""
        return len(self.variants) * len(self.seeds)

    def tasks(self) -> list[tuple]:
        """One task per run: (variant index, replicate, scenario, seed, engine)."""
        return [
            (vi, r, v.scenario, seed, self.engine or v.scenario.run.engine)
            for vi, v in enumerate(self.variants)
            for r, seed in enumerate(self.seeds)
        ]


def plan_runs(
    scenario: str | Path | dict[str, Any] | Scenario,
    *,
    variants: bool | Sequence[str] = True,
    replicates: int | None = None,
    seed: int | None = None,
    engine: str | None = None,
    baseline: str | None = None,
) -> RunPlan:
    """Load, validate and expand a scenario into runs; see :func:`run_variants`.

    Raises
    ------
    BuzzsimError
        Bad scenario, unknown variant or baseline, bad seed/replicates/engine.
    """
    scn, text, source = load_with_text(scenario)
    run_over: dict[str, Any] = {}
    if seed is not None:
        run_over["run.seed"] = check_int("seed", seed, 0)
    if replicates is not None:
        run_over["run.replicates"] = check_int("replicates", replicates, 1)
    if engine is not None and engine not in ("fast", "reference"):
        raise BuzzsimError(f"engine = {engine!r} is not allowed; expected 'fast' or 'reference'")
    if run_over:
        scn = with_overrides(scn, run_over)
    chosen = select_variants(scn, variants)
    if baseline is None:
        baseline = chosen[0].name
    elif baseline not in {v.name for v in chosen}:
        raise ScenarioError(
            f"baseline {baseline!r} is not among the variants run "
            f"({', '.join(v.name for v in chosen)})"
        )
    seeds = replicate_seeds(scn.run.seed, scn.run.replicates)
    return RunPlan(scn, chosen, baseline, seeds, engine, text, source)


def run_variants(
    scenario: str | Path | dict[str, Any] | Scenario | RunPlan,
    *,
    variants: bool | Sequence[str] = True,
    replicates: int | None = None,
    seed: int | None = None,
    engine: str | None = None,
    workers: int | None = None,
    progress: bool = True,
    baseline: str | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    cancel: threading.Event | None = None,
) -> RunSet:
    """Run variants × replicates of a scenario.

    Parameters
    ----------
    scenario : path, dict, Scenario or RunPlan
        The scenario (see :func:`sim.scenario.load.load_scenario`), or a plan
        made by :func:`plan_runs` (then the selection arguments are ignored).
    variants : bool or list of str, default True
        True: the baseline and every declared variant (``compare``); False: the
        base scenario alone (``run``), named as its declared variant without
        overrides if there is one, else ``"baseline"``; a list: those
        variants by name, in that order.
    replicates : int, optional
        Replicates per variant (default ``run.replicates``).
    seed : int, optional
        Root seed (default ``run.seed``); replicate seeds are spawned from it.
    engine : {"fast", "reference"}, optional
        Engine for every run (default: each variant's ``run.engine``).
    workers : int, optional
        Processes (default: all cores). 1 runs serially in this process. The
        numbers are identical whatever the value.
    progress : bool, default True
        Show a progress bar on stderr (only when stderr is a terminal).
    baseline : str, optional
        Variant to compare with (default: the first one run, which for
        ``variants=True`` is the baseline; see :mod:`sim.scenario.variants`).
    on_progress : callable, optional
        Called as ``on_progress(done, total)`` after each finished run (and once
        with ``done = 0`` before the first), from the calling thread.
    cancel : threading.Event, optional
        When set (e.g. from another thread), queued runs are dropped, the worker
        processes are terminated and :class:`RunCancelled` is raised. A serial run
        stops between runs.

    Returns
    -------
    RunSet

    Raises
    ------
    BuzzsimError
        Bad scenario or arguments (one line), or a run that failed on bad input.
    RunCancelled
        ``cancel`` was set before the runs finished.
    """
    if isinstance(scenario, RunPlan):
        plan = scenario
    else:
        plan = plan_runs(
            scenario,
            variants=variants,
            replicates=replicates,
            seed=seed,
            engine=engine,
            baseline=baseline,
        )
    tasks = plan.tasks()
    n_workers = min(len(tasks), default_workers() if workers is None else int(workers))
    if n_workers < 1:
        raise BuzzsimError(f"workers = {workers} must be at least 1")
    engines = {t[4] for t in tasks}

    t0 = time.perf_counter()
    bar = progress_bar(len(tasks), plan.scenario.name, progress)
    if on_progress is not None or cancel is not None:
        bar = Watched(bar, len(tasks), on_progress, cancel)
    try:
        if n_workers == 1:
            results = []
            for t in tasks:
                check_cancel(bar)
                results.append(simulate_task(t))
                bar.update(1)
        else:
            results = _run_pool(tasks, n_workers, bar)
    finally:
        bar.close()
    wall = time.perf_counter() - t0

    results.sort(key=lambda x: (x[0], x[1]))
    runs, series, phases, cascades = _tables(results, plan.variants, plan.seeds)
    return RunSet(
        scenario=plan.scenario,
        variants=plan.variants,
        baseline=plan.baseline,
        seeds=plan.seeds,
        runs=runs,
        series=series,
        phases=phases,
        engine=engines.pop() if len(engines) == 1 else "mixed",
        workers=n_workers,
        wall_time_s=wall,
        scenario_text=plan.scenario_text,
        source=plan.source,
        cascades=cascades,
    )


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def load_with_text(scenario: Any) -> tuple[Scenario, str, str | None]:
    if isinstance(scenario, (str, Path)):
        path = find_scenario(scenario)
        text, _ = read_scenario_file(path)
        return load_scenario(path), text, str(path)
    scn = load_scenario(scenario)
    return scn, scenario_to_toml(scn), None


def check_int(name: str, value: Any, lo: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < lo:
        raise BuzzsimError(f"{name} = {value!r} must be an integer >= {lo}")
    return int(value)


def plain_scalar(v: Any) -> Any:
    """A plain Python scalar, or the sentinel ``SKIP`` for non-scalars."""
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, np.generic):
        return v.item()
    return SKIP


SKIP = object()


def simulate_task(task: tuple) -> tuple[int, int, dict[str, Any], pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """One run: (variant index, replicate, scenario, seed, engine[, reuse_graph]) ->
    (variant index, replicate, summary scalars, series, phases, cascades).

    With ``reuse_graph`` true, a generated graph of 10^5 accounts or more comes from
    this process's cache (:func:`sim.graph.cache.cached_graph`): the same graph the run
    would build, built once for every run with the same ``[graph]`` and seed.
    """
    vi, rep, scenario, seed, engine, *opts = task
    graph = None
    if opts and opts[0]:
        graph = cached_graph(scenario.graph, seed, rng_mod.generator(seed, "graph"))
    res = simulate(scenario, seed=seed, engine=engine, graph=graph)
    summary = {}
    for k, v in res.summary.items():
        s = plain_scalar(v)
        if s is not SKIP:
            summary[str(k)] = s
    phases = res.phases if isinstance(res.phases, pd.DataFrame) else pd.DataFrame(res.phases)
    return vi, rep, summary, res.series, phases, res.cascades


def _tables(
    results: list[tuple], variants: list[Variant], seeds: list[int]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rows = []
    series_parts = []
    phase_parts = []
    cascade_parts = []
    for vi, rep, summary, series, phases, cascades in results:
        name = variants[vi].name
        rows.append({"variant": name, "replicate": rep, "seed": seeds[rep], **summary})
        series_parts.append(_prepend(series, name, rep))
        phase_parts.append(_prepend(phases, name, rep))
        if len(cascades):
            cascade_parts.append(_prepend(cascades, name, rep))
    runs = pd.DataFrame(rows)
    runs["replicate"] = runs["replicate"].astype("int64")
    runs["seed"] = runs["seed"].astype("int64")
    series = pd.concat(series_parts, ignore_index=True) if series_parts else pd.DataFrame()
    phases = pd.concat(phase_parts, ignore_index=True) if phase_parts else pd.DataFrame()
    if cascade_parts:
        cascades = pd.concat(cascade_parts, ignore_index=True)
    else:
        cascades = _prepend(empty_cascades(), "", 0)
    return runs, series, phases, cascades


def _prepend(df: pd.DataFrame, variant: str, rep: int) -> pd.DataFrame:
    out = df.reset_index(drop=True).copy()
    out.insert(0, "replicate", np.int64(rep))
    out.insert(0, "variant", variant)
    return out


def _run_pool(tasks: list[tuple], n_workers: int, bar: Any) -> list[tuple]:
    results: list[tuple] = []
    pool: ProcessPoolExecutor | None = None
    try:
        pool = start_pool(n_workers)
        with signals_deferred():  # worker processes start on submit
            pending: set[Future] = {pool.submit(simulate_task, t) for t in tasks}
        while pending:
            done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            check_cancel(bar)
            for fut in done:
                results.append(fut.result())
                bar.update(1)
    except BrokenProcessPool:
        kill_pool(pool)
        raise BuzzsimError(
            "a worker process died (out of memory?); try fewer --workers or a smaller scenario"
        ) from None
    except BaseException:
        if pool is not None:
            kill_pool(pool)
        raise
    pool.shutdown(wait=True)
    return results
