"""The one local process pool of buzzsim: how workers start, share the cores and stop.

:func:`sim.run.replicates.run_variants` and :class:`sim.run.executors.ProcessExecutor`
both start their pools with :func:`start_pool` and stop them with :func:`kill_pool`,
so Ctrl-C, SIGTERM and dying workers are handled the same way everywhere:

* workers come from a ``forkserver`` that preloads the model once
  (:mod:`sim.run.forkserver_guard` first: it ignores Ctrl-C and dies with buzzsim);
* each worker ignores SIGINT (the parent handles it), dies with its parent
  (:func:`sim.run.processes.die_with_parent`) and gets ``cores // workers`` numba threads;
* SIGINT/SIGTERM that arrive while worker processes start are held and acted on
  once the pool knows its workers (:func:`signals_deferred`).
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from sim.run.processes import die_with_parent

__all__ = [
    "default_workers",
    "init_worker",
    "kill_pool",
    "mp_context",
    "signals_deferred",
    "start_pool",
    "start_pool_helpers",
]


def default_workers() -> int:
    """Cores available to this process (the default of ``--workers``)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def init_worker(threads: int) -> None:
    """Worker start-up: leave Ctrl-C to the parent, die with it, share the cores fairly."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent()  # killed with the fork server, which dies with buzzsim (even on SIGKILL)
    import numba

    with contextlib.suppress(ValueError, RuntimeError, ImportError):  # no threading layer
        numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))


def mp_context() -> Any:
    """``forkserver`` (fork-safe with numba's threads, fast start) where available."""
    if "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        # The server imports the model once; each worker forks from it ready to run.
        # sim.run.forkserver_guard first: the server ignores Ctrl-C and dies with its parent.
        ctx.set_forkserver_preload(["sim.run.forkserver_guard", "sim.api", "sim.model.buzz", "pandas"])
        return ctx
    return mp.get_context("spawn")  # pragma: no cover - Windows / macOS without forkserver


@contextlib.contextmanager
def signals_deferred() -> Any:
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


def start_pool(workers: int) -> ProcessPoolExecutor:
    """A process pool of ``workers`` processes, each with ``cores // workers`` threads.

    Signals that arrive while it starts are held until it is up (:func:`signals_deferred`).
    """
    threads = max(1, default_workers() // workers)
    ctx = mp_context()
    if ctx.get_start_method() == "forkserver":
        start_pool_helpers()  # Ctrl-C-safe start; the server dies with this process
    with signals_deferred():
        return ProcessPoolExecutor(
            max_workers=workers, mp_context=ctx, initializer=init_worker, initargs=(threads,)
        )


def kill_pool(pool: ProcessPoolExecutor) -> None:
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
