"""Run a scenario's variants × replicates, serially or in a local process pool.

Replicate ``i`` of every variant runs with the same seed,
``sim.rng.replicate_seeds(scenario.run.seed, n)[i]`` (common random numbers), so
the difference between two variants is paired replicate by replicate, and two
identical variants differ by exactly zero. Every run is a pure function of
(scenario, seed, engine): the numbers do not depend on the number of workers or
the order in which runs finish.

>>> from sim.runner import run_variants
>>> rs = run_variants("scenarios/topic_lifecycle.toml", replicates=4)  # doctest: +SKIP
>>> rs.runs.groupby("variant")["reach"].mean()  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import signal
import sys
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

from sim.errors import BuzzsimError, ScenarioError
from sim.rng import replicate_seeds
from sim.scenario.load import find_scenario, load_scenario, read_scenario_file, scenario_to_toml
from sim.scenario.schema import Scenario
from sim.scenario.variants import Variant, select_variants, with_overrides

__all__ = ["RunCancelled", "RunPlan", "RunSet", "default_workers", "plan_runs", "run_variants"]

class RunCancelled(BuzzsimError):
    """The caller's ``cancel`` event was set: the runs stopped and nothing was returned."""


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


def default_workers() -> int:
    """Cores available to this process (the default of ``--workers``)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


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
    scn, text, source = _load(scenario)
    run_over: dict[str, Any] = {}
    if seed is not None:
        run_over["run.seed"] = _check_int("seed", seed, 0)
    if replicates is not None:
        run_over["run.replicates"] = _check_int("replicates", replicates, 1)
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
    bar = _progress_bar(len(tasks), plan.scenario.name, progress)
    if on_progress is not None or cancel is not None:
        bar = _Watched(bar, len(tasks), on_progress, cancel)
    try:
        if n_workers == 1:
            results = []
            for t in tasks:
                _check(bar)
                results.append(_done(bar, _simulate_task(t)))
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


def _load(scenario: Any) -> tuple[Scenario, str, str | None]:
    if isinstance(scenario, (str, Path)):
        path = find_scenario(scenario)
        text, _ = read_scenario_file(path)
        return load_scenario(path), text, str(path)
    scn = load_scenario(scenario)
    return scn, scenario_to_toml(scn), None


def _check_int(name: str, value: Any, lo: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < lo:
        raise BuzzsimError(f"{name} = {value!r} must be an integer >= {lo}")
    return int(value)


def _scalar(v: Any) -> Any:
    """A plain Python scalar, or the sentinel ``_SKIP`` for non-scalars."""
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, np.generic):
        return v.item()
    return _SKIP


_SKIP = object()


def _simulate_task(task: tuple) -> tuple[int, int, dict[str, Any], pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """One run: (variant index, replicate, scenario, seed, engine) -> (variant index,
    replicate, summary scalars, series, phases, cascades)."""
    from sim.api import simulate

    vi, rep, scenario, seed, engine = task
    res = simulate(scenario, seed=seed, engine=engine)
    summary = {}
    for k, v in res.summary.items():
        s = _scalar(v)
        if s is not _SKIP:
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
        from sim.analysis.trees import empty_cascades

        cascades = _prepend(empty_cascades(), "", 0)
    return runs, series, phases, cascades


def _prepend(df: pd.DataFrame, variant: str, rep: int) -> pd.DataFrame:
    out = df.reset_index(drop=True).copy()
    out.insert(0, "replicate", np.int64(rep))
    out.insert(0, "variant", variant)
    return out


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass

    def check(self) -> None:
        pass


class _Watched:
    """A progress bar that also reports to a callback and honours a cancel event."""

    def __init__(self, bar: Any, total: int, callback: Any, cancel: threading.Event | None) -> None:
        self.bar, self.total, self.callback, self.cancel = bar, total, callback, cancel
        self.done = 0
        self.check()
        if callback is not None:
            callback(0, total)

    def check(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise RunCancelled(f"cancelled after {self.done} of {self.total} runs")

    def update(self, n: int = 1) -> None:
        self.bar.update(n)
        self.done += n
        if self.callback is not None:
            self.callback(self.done, self.total)

    def close(self) -> None:
        self.bar.close()


def _progress_bar(total: int, name: str, enabled: bool) -> Any:
    if not enabled or not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty()):
        return _NoBar()
    from tqdm import tqdm

    return tqdm(
        total=total, desc=name, unit="run", file=sys.stderr, leave=False, dynamic_ncols=True
    )


def _check(bar: Any) -> None:
    """Raise :class:`RunCancelled` if the bar watches a cancel event that is set."""
    check = getattr(bar, "check", None)
    if check is not None:
        check()


def _done(bar: Any, result: Any) -> Any:
    bar.update(1)
    return result


# ---------------------------------------------------------------------------
# The process pool
# ---------------------------------------------------------------------------


def _init_worker(threads: int) -> None:
    """Worker start-up: leave Ctrl-C to the parent, die with it, share the cores fairly."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from sim.procguard import die_with_parent

    die_with_parent()  # killed with the fork server, which dies with buzzsim (even on SIGKILL)
    import numba

    with contextlib.suppress(ValueError, RuntimeError, ImportError):  # no threading layer
        numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))


def _mp_context() -> Any:
    """``forkserver`` (fork-safe with numba's threads, fast start) where available."""
    if "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        # The server imports the model once; each worker forks from it ready to run.
        # sim.forkserver_guard first: the server ignores Ctrl-C and dies with its parent.
        ctx.set_forkserver_preload(["sim.forkserver_guard", "sim.api", "sim.model.buzz", "pandas"])
        return ctx
    return mp.get_context("spawn")  # pragma: no cover - Windows / macOS without forkserver


@contextlib.contextmanager
def _signals_deferred() -> Any:
    """Hold SIGINT/SIGTERM while the worker processes start; act on them afterwards.

    A Ctrl-C that lands inside ``Process.start()`` would leave a half-started
    worker that the pool does not know yet (it then prints a traceback when it
    finds the pool's semaphores gone). The signal is recorded and its previous
    handler called once the workers are registered with the pool.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []

    def hold(signum: int, frame: Any) -> None:
        caught.append(signum)

    sigs = [signal.SIGINT, signal.SIGTERM]
    old = {s: signal.signal(s, hold) for s in sigs}
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)
        if caught:
            handler = old[caught[0]]
            if callable(handler):
                handler(caught[0], None)  # KeyboardInterrupt, or the CLI's Terminated
            elif handler == signal.SIG_DFL:
                signal.raise_signal(caught[0])


#: Warning filter for the resource tracker: workers stopped by Ctrl-C leave numba's
#: process lock behind, which the tracker removes (that is its job) with a warning.
_TRACKER_QUIET = "ignore::UserWarning:multiprocessing.resource_tracker"


def start_pool_helpers() -> None:
    """Start the resource tracker and the fork server before any signal is held.

    Both inherit the interpreter's ``-W`` options: the tracker is told not to warn
    about the semaphores of workers that were terminated (it still removes them).
    """
    from multiprocessing import forkserver, resource_tracker

    added = _TRACKER_QUIET not in sys.warnoptions
    if added:
        sys.warnoptions.append(_TRACKER_QUIET)
    try:
        resource_tracker.ensure_running()
    finally:
        if added:
            sys.warnoptions.remove(_TRACKER_QUIET)
    # Ctrl-C while the server starts would interrupt it (a traceback from the other
    # process): it starts with SIGINT blocked and the parent takes any Ctrl-C when
    # the mask is restored (a KeyboardInterrupt here, at a safe point).
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        forkserver.ensure_running()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _run_pool(tasks: list[tuple], n_workers: int, bar: Any) -> list[tuple]:
    threads = max(1, default_workers() // n_workers)
    ctx = _mp_context()
    if ctx.get_start_method() == "forkserver":
        start_pool_helpers()
    results: list[tuple] = []
    pool: ProcessPoolExecutor | None = None
    try:
        with _signals_deferred():
            pool = ProcessPoolExecutor(
                max_workers=n_workers, mp_context=ctx, initializer=_init_worker, initargs=(threads,)
            )
            pending: set[Future] = {pool.submit(_simulate_task, t) for t in tasks}
        while pending:
            done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            _check(bar)
            for fut in done:
                results.append(fut.result())
                bar.update(1)
    except BrokenProcessPool:
        _kill_pool(pool)
        raise BuzzsimError(
            "a worker process died (out of memory?); try fewer --workers or a smaller scenario"
        ) from None
    except BaseException:
        if pool is not None:
            _kill_pool(pool)
        raise
    pool.shutdown(wait=True)
    return results


def _kill_pool(pool: ProcessPoolExecutor) -> None:
    """Stop a pool now: cancel queued runs and terminate the workers."""
    procs = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        if p.is_alive():
            p.terminate()
    deadline = time.monotonic() + 5.0
    for p in procs:
        p.join(max(0.0, deadline - time.monotonic()))
        if p.is_alive():  # pragma: no cover - a worker ignoring SIGTERM
            p.kill()
            p.join(1.0)
    # Let the executor's manager thread notice and release its queues and locks.
    with contextlib.suppress(Exception):
        pool.shutdown(wait=True)
