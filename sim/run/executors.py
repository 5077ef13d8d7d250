"""Where the runs of a sweep execute: serially, in local processes, or on dask.

Every executor maps the same task function, :func:`sweep_task` (a thin wrapper of
:func:`sim.run.replicates.simulate_task` that drops the hourly series), over
``(point, replicate, scenario, seed, engine)`` tuples and yields results as they
finish, in any order. A run is a pure function of its task, so the numbers do not
depend on the executor, the number of workers or the order of completion.

Only a bounded *window* of tasks is in flight at a time (a few per worker), and
tasks are built lazily from the design, so the memory of the driving process stays
flat however long the sweep.

* :class:`SerialExecutor` runs in this process (``--scheduler serial`` or ``--workers 1``).
* :class:`ProcessExecutor` (default) runs a local process pool. If a worker
  process dies (killed, out of memory), the pool is restarted and the runs that
  were in flight are submitted again; a run whose worker dies
  :data:`MAX_CRASHES` times aborts the sweep.
* :class:`DaskExecutor` runs on dask.distributed: ``tcp://HOST:PORT`` connects to
  an existing scheduler, ``local`` starts a ``LocalCluster`` on 127.0.0.1. When a
  worker dies, dask reruns its tasks elsewhere; since results come back to this
  process, which alone writes part files, a retried task can neither lose nor
  duplicate a row. Workers need buzzsim installed, not a shared file system.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from sim.errors import BuzzsimError
from sim.run.pool import default_workers, kill_pool, signals_deferred, start_pool
from sim.run.replicates import simulate_task

__all__ = [
    "DaskExecutor",
    "ProcessExecutor",
    "SerialExecutor",
    "make_executor",
    "sweep_task",
]

#: ``(point index, replicate, Scenario, seed, engine)``: the runner's task tuple.
Task = tuple
#: How often a run may be in flight when its worker process dies before the sweep stops.
MAX_CRASHES = 3
#: Tasks in flight per worker.
WINDOW_PER_WORKER = 4


def sweep_task(task: Task) -> tuple[int, int, dict[str, Any]]:
    """One run of a sweep: ``(point, replicate, summary)``.

    Reuses :func:`sim.run.replicates.simulate_task` (same seeding, same summary scalars)
    and drops the hourly series and phases, which a sweep does not keep.
    """
    point, rep, summary, *_tables = simulate_task(task)
    return point, rep, summary


class SerialExecutor:
    """Runs every task in this process, one after the other."""

    name = "serial"
    workers = 1

    def imap_unordered(self, tasks: Iterable[tuple[str, Task]]) -> Iterator[tuple]:
        """Yield ``sweep_task(task)`` for each ``(key, task)``."""
        for _key, task in tasks:
            yield sweep_task(task)

    def close(self) -> None:
        """Nothing to release."""

    def abort(self) -> None:
        """Nothing to stop."""

    def describe(self) -> str:
        """``serial``."""
        return "serially in this process"


class ProcessExecutor:
    """A local process pool that survives the death of its workers.

    Parameters
    ----------
    workers : int
        Processes.
    """

    name = "processes"

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise BuzzsimError(f"workers = {workers} must be at least 1")
        self.workers = int(workers)
        self.threads = max(1, default_workers() // self.workers)
        self._pool: ProcessPoolExecutor | None = None
        self.restarts = 0

    def describe(self) -> str:
        """``on N local processes``."""
        return f"on {self.workers} local process{'es' if self.workers != 1 else ''}"

    def _start(self) -> ProcessPoolExecutor:
        self._pool = start_pool(self.workers)
        return self._pool

    def _submit(self, task: Task) -> Future:
        assert self._pool is not None
        with signals_deferred():  # worker processes start on submit
            return self._pool.submit(sweep_task, task)

    def imap_unordered(self, tasks: Iterable[tuple[str, Task]]) -> Iterator[tuple]:
        """Yield results as runs finish, restarting the pool if a worker dies."""
        it = iter(tasks)
        window = self.workers * WINDOW_PER_WORKER
        retry: collections.deque[tuple[str, Task]] = collections.deque()
        crashes: dict[str, int] = {}
        inflight: dict[Future, tuple[str, Task]] = {}
        exhausted = False
        if self._pool is None:  # a pool stays up between the sweeps of one executor (robustness grid)
            self._start()
        while True:
            broken = False
            while len(inflight) < window and (retry or not exhausted):
                if retry:
                    item = retry.popleft()
                else:
                    try:
                        item = next(it)
                    except StopIteration:
                        exhausted = True
                        break
                try:
                    inflight[self._submit(item[1])] = item
                except BrokenProcessPool:  # a worker died since the last wait: the pool refuses work
                    retry.appendleft(item)
                    broken = True
                    break
            if not inflight and not broken:
                return
            done = set() if broken else wait(list(inflight), return_when=FIRST_COMPLETED)[0]
            for fut in done:
                item = inflight.pop(fut)
                exc = fut.exception()
                if isinstance(exc, BrokenProcessPool):
                    broken = True
                    retry.append(item)
                    continue
                yield fut.result()  # raises the run's own error, if any
            if broken:
                # Every run still in flight died with the pool: harvest the ones that
                # finished, submit the others again to a new pool.
                self._kill()
                for fut, item in list(inflight.items()):
                    if fut.done() and fut.exception() is None:
                        yield fut.result()
                    else:
                        retry.append(item)
                inflight.clear()
                for key, _task in retry:
                    crashes[key] = crashes.get(key, 0) + 1
                    if crashes[key] >= MAX_CRASHES:
                        raise BuzzsimError(
                            f"a worker process died {MAX_CRASHES} times while running {key} "
                            "(out of memory?); try fewer --workers or a smaller scenario; "
                            "finished points are saved, --resume continues"
                        )
                self.restarts += 1
                logging.getLogger("sim.sweep").warning(
                    "a worker process died; restarting the pool and rerunning %d run(s)", len(retry)
                )
                self._start()

    def _kill(self) -> None:
        if self._pool is not None:
            kill_pool(self._pool)
            self._pool = None

    def close(self) -> None:
        """Shut the pool down once its workers are idle (after a finished sweep)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def abort(self) -> None:
        """Stop now: cancel queued runs, terminate the workers (error, Ctrl-C)."""
        self._kill()

    def pids(self) -> list[int]:
        """Process ids of the live workers (for tests and monitoring)."""
        procs = getattr(self._pool, "_processes", None) or {}
        return [p.pid for p in procs.values() if p.is_alive()]


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise BuzzsimError(
            "--scheduler needs dask.distributed: pip install 'buzzsim[dask]' "
            "(or pip install 'dask[distributed]')"
        ) from None
    return distributed


#: Seconds to wait for an existing dask scheduler to answer (then one line, exit 2).
CONNECT_TIMEOUT_S = 10.0


class DaskExecutor:
    """Runs on a dask.distributed cluster.

    Parameters
    ----------
    address : str
        ``tcp://HOST:PORT`` (or ``HOST:PORT``) of a running scheduler, or ``local``
        to start a ``LocalCluster`` bound to 127.0.0.1.
    workers : int, optional
        Worker processes of the local cluster (default: all cores).
    prefix : str
        Start of every task key (the sweep id), so that sweeps sharing a cluster
        never mix their tasks.
    timeout : float, optional
        Seconds to wait for an existing scheduler (default :data:`CONNECT_TIMEOUT_S`).
    """

    name = "dask"

    def __init__(
        self, address: str, workers: int | None = None, *, prefix: str = "buzzsim",
        timeout: float | None = None,
    ) -> None:  # fmt: skip
        distributed = _import_distributed()
        self.address = address
        self.prefix = prefix
        self.cluster = None
        if address == "local":
            n = int(workers or default_workers())
            threads = max(1, default_workers() // n)
            # Started with SIGINT blocked: the nannies and workers inherit the mask,
            # so Ctrl-C reaches only this process, which then shuts them down.
            with signals_deferred():
                self.cluster = distributed.LocalCluster(
                    host="127.0.0.1", n_workers=n, threads_per_worker=1, processes=True,
                    dashboard_address=None, silence_logs=logging.ERROR,
                    env={"NUMBA_NUM_THREADS": str(threads)},
                    # no dashboard; the scheduler's health endpoint on a free loopback port
                    scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                )  # fmt: skip
            self.client = distributed.Client(self.cluster)
        else:
            addr = check_scheduler(address)
            self.client = _connect(distributed, addr, CONNECT_TIMEOUT_S if timeout is None else timeout)
        self.workers = max(1, sum(self.client.nthreads().values()))

    def describe(self) -> str:
        """Where the tasks run."""
        where = "a local dask cluster on 127.0.0.1" if self.cluster else f"dask at {self.address}"
        return f"on {where} ({self.workers} worker thread{'s' if self.workers != 1 else ''})"

    def imap_unordered(self, tasks: Iterable[tuple[str, Task]]) -> Iterator[tuple]:
        """Yield results as tasks finish; dask reruns the tasks of a dead worker."""
        distributed = _import_distributed()
        it = iter(tasks)
        ac = distributed.as_completed()
        live: set[Any] = set()
        self._live = live

        def top_up() -> None:
            window = max(2, sum(self.client.nthreads().values()) or self.workers) * WINDOW_PER_WORKER
            while len(live) < window:
                try:
                    key, task = next(it)
                except StopIteration:
                    return
                fut = self.client.submit(sweep_task, task, key=f"{self.prefix}-{key}", pure=False)
                live.add(fut)
                ac.add(fut)

        top_up()
        try:
            for fut in ac:
                live.discard(fut)
                try:
                    result = fut.result()
                except distributed.client.FutureCancelledError:  # pragma: no cover
                    raise BuzzsimError("a dask task was cancelled (scheduler restarted?)") from None
                except Exception as exc:
                    if type(exc).__name__ == "KilledWorker":
                        raise BuzzsimError(
                            f"dask gave up on a task after its workers died repeatedly ({exc}); "
                            "finished points are saved, --resume continues"
                        ) from None
                    if isinstance(exc, ModuleNotFoundError) and "sim" in str(exc):
                        raise BuzzsimError(
                            f"a dask worker cannot import buzzsim ({exc}); install buzzsim "
                            "on every worker"
                        ) from None
                    raise
                fut.release()
                yield result
                top_up()
        finally:
            if live:
                with contextlib.suppress(Exception):
                    self.client.cancel(list(live))
            live.clear()

    def pids(self) -> dict[str, int]:
        """Worker address -> process id."""
        return self.client.run(os.getpid)

    def abort(self) -> None:
        """Cancel what is in flight, then :meth:`close`."""
        live = getattr(self, "_live", None)
        if live:
            with contextlib.suppress(Exception):
                self.client.cancel(list(live))
        self.close()

    def close(self) -> None:
        """Disconnect; stop the local cluster if this executor started it."""
        with contextlib.suppress(Exception):
            self.client.close(timeout=10)
        if self.cluster is not None:
            with contextlib.suppress(Exception):
                self.cluster.close(timeout=10)


def check_scheduler(scheduler: str | None) -> str:
    """Validate a ``--scheduler`` value before anything is created or connected.

    Parameters
    ----------
    scheduler : str or None
        ``serial``, ``processes``, ``local``, ``tcp://HOST:PORT`` or ``HOST:PORT``.

    Returns
    -------
    str
        The normalised value (``processes`` for None; ``tcp://HOST:PORT`` for an address).

    Raises
    ------
    BuzzsimError
        One line for a value that is none of these (bad URL, scheme, host or port).
    """
    from urllib.parse import urlsplit

    s = (scheduler or "processes").strip()
    if s in ("serial", "processes", "local"):
        return s
    bad = f"--scheduler {scheduler!r} is not serial, processes, local or tcp://HOST:PORT"
    if "://" not in s:
        if not _looks_like_address(s):
            raise BuzzsimError(bad)
        s = f"tcp://{s}"
    try:
        url = urlsplit(s)
        port = url.port
    except ValueError as exc:
        raise BuzzsimError(f"{bad} ({exc})") from None
    if url.scheme not in ("tcp", "tls") or not url.hostname or port is None or port == 0:
        raise BuzzsimError(bad)
    if url.path not in ("", "/") or url.query or url.fragment or url.username:
        raise BuzzsimError(bad)
    return s


def _connect(distributed: Any, addr: str, timeout: float) -> Any:
    """``distributed.Client(addr)`` under a hard deadline: a port that answers but is not
    a dask scheduler (a web server) can otherwise hang the handshake forever, and
    whatever it sends must not be read as a message length."""
    import threading

    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["client"] = distributed.Client(addr, timeout=f"{timeout}s")
        except BaseException as exc:  # noqa: BLE001 - reported in the caller's thread
            box["error"] = exc

    t = threading.Thread(target=target, name="buzzsim-dask-connect", daemon=True)
    t.start()
    t.join(timeout + 5.0)
    if t.is_alive() or "client" not in box:
        exc = box.get("error")
        why = f"{type(exc).__name__}: {exc}" if exc is not None else f"no answer within {timeout:g} s"
        raise BuzzsimError(
            f"cannot connect to the dask scheduler at {addr} ({_one_line(why)[:200]}); "
            "start one with `dask scheduler` and workers with `dask worker ADDRESS`"
        )
    return box["client"]


def _one_line(msg: str) -> str:
    return " ".join(str(msg).split())


def make_executor(scheduler: str | None, workers: int | None, *, prefix: str = "buzzsim") -> Any:
    """The executor for ``--scheduler`` and ``--workers``.

    Parameters
    ----------
    scheduler : str or None
        ``None`` or ``"processes"``: local processes (``--workers 1``: serial);
        ``"serial"``; ``"local"``: a dask LocalCluster on 127.0.0.1;
        ``"tcp://HOST:PORT"``: an existing dask scheduler.
    workers : int, optional
        Processes (default: all cores).
    """
    s = check_scheduler(scheduler)
    if s == "serial":
        return SerialExecutor()
    if s == "processes":
        n = default_workers() if workers is None else int(workers)
        return SerialExecutor() if n == 1 else ProcessExecutor(n)
    if s == "local" or "://" in s or _looks_like_address(s):
        return DaskExecutor(s, workers, prefix=prefix)
    raise BuzzsimError(
        f"--scheduler {scheduler!r} is not serial, processes, local or tcp://HOST:PORT"
    )


def _looks_like_address(s: str) -> bool:
    host, _, port = s.rpartition(":")
    return bool(host) and port.isdigit()

