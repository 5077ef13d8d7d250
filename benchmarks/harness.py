"""Measurement plumbing: timers, peak-memory probes, statistics and the row format.

Peak memory
-----------
The preferred probe is the kernel's own high-water mark of the resident set:
``VmHWM`` in ``/proc/self/status``, reset before each measured phase by writing
``5`` to ``/proc/self/clear_refs`` (Linux >= 4.0). It is exact and sees every
allocation (numpy, numba's runtime, Python objects), including peaks reached
inside native code that holds the GIL, which a sampling thread cannot see.
Where that is not available the probe falls back to ``psutil`` RSS sampled every
5 ms in a background thread (it can miss short peaks inside GIL-holding numba
kernels). :func:`memory_method` says which one is in use; the report prints it.
All figures are absolute RSS of the measuring process (interpreter and libraries
included), in MB (2^20 bytes).
"""

from __future__ import annotations

import math
import os
import re
import statistics
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Self

__all__ = [
    "COLUMNS",
    "Measurement",
    "PeakRSS",
    "Recorder",
    "mean_se",
    "memory_method",
    "rss_mb",
    "summarize",
]

#: Columns of ``measurements.csv``, in order (the first eight are the issue's).
COLUMNS = (
    "benchmark",
    "implementation",
    "size",
    "metric",
    "median",
    "min",
    "max",
    "repetitions",
    "unit",
    "note",
)

_MB = float(2**20)


@dataclass
class Measurement:
    """One row of ``measurements.csv``: a metric summarised over its repetitions."""

    benchmark: str
    implementation: str
    size: int
    metric: str
    median: float
    min: float
    max: float
    repetitions: int
    unit: str = ""
    note: str = ""

    def as_row(self) -> dict[str, object]:
        return asdict(self)


def summarize(values: list[float]) -> tuple[float, float, float, int]:
    """``(median, min, max, n)`` of the finite values (NaNs when there are none)."""
    vals = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    if not vals:
        return math.nan, math.nan, math.nan, 0
    return statistics.median(vals), min(vals), max(vals), len(vals)


def mean_se(values: list[float]) -> tuple[float, float]:
    """Mean and standard error of the mean (0 for a single value)."""
    vals = [float(v) for v in values]
    if not vals:
        return math.nan, math.nan
    m = statistics.fmean(vals)
    if len(vals) < 2:
        return m, 0.0
    return m, statistics.stdev(vals) / math.sqrt(len(vals))


@dataclass
class Recorder:
    """Collects measurements, skipped tools and free-form notes of one suite run."""

    rows: list[Measurement] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(
        self,
        benchmark: str,
        implementation: str,
        size: int,
        metric: str,
        values: list[float] | float,
        unit: str = "",
        note: str = "",
    ) -> Measurement:
        vals = values if isinstance(values, list) else [values]
        med, lo, hi, n = summarize(vals)
        row = Measurement(benchmark, implementation, int(size), metric, med, lo, hi, n, unit, note)
        self.rows.append(row)
        return row

    def skip(self, benchmark: str, implementation: str, size: int, reason: str) -> None:
        """Record that ``implementation`` was not measured (a row with metric ``skipped``)."""
        self.skipped.setdefault(implementation, reason)
        self.rows.append(
            Measurement(benchmark, implementation, int(size), "skipped", math.nan, math.nan, math.nan, 0, "", reason)
        )

    def get(self, benchmark: str, implementation: str, size: int, metric: str) -> Measurement | None:
        for r in self.rows:
            if (r.benchmark, r.implementation, r.size, r.metric) == (benchmark, implementation, int(size), metric):
                return r
        return None

    def sizes(self, benchmark: str, implementation: str, metric: str) -> list[int]:
        return sorted(
            {
                r.size
                for r in self.rows
                if (r.benchmark, r.implementation, r.metric) == (benchmark, implementation, metric)
            }
        )


# --------------------------------------------------------------------------- memory

_STATUS = Path("/proc/self/status")
_CLEAR = Path("/proc/self/clear_refs")


def _hwm_available() -> bool:
    try:
        _CLEAR.write_text("5")
        return "VmHWM" in _STATUS.read_text()
    except OSError:
        return False


_USE_HWM = _hwm_available() and os.environ.get("BUZZSIM_BENCH_MEMORY", "") != "sampler"


def memory_method() -> str:
    """A one-line description of the peak-memory probe in use."""
    if _USE_HWM:
        return "kernel peak RSS (VmHWM from /proc/self/status, reset through /proc/self/clear_refs before each phase)"
    return "psutil RSS sampled every 5 ms in a background thread (may miss short peaks inside GIL-holding kernels)"


def rss_mb() -> float:
    """Current resident set size of this process, MB."""
    import psutil

    return psutil.Process().memory_info().rss / _MB


def _hwm_mb() -> float:
    m = re.search(r"VmHWM:\s+(\d+)\s+kB", _STATUS.read_text())
    return int(m.group(1)) / 1024.0 if m else math.nan


class PeakRSS:
    """Context manager measuring the peak RSS (MB) of this process inside the block.

    >>> with PeakRSS() as mem:
    ...     x = bytearray(10**6)
    >>> mem.peak_mb >= mem.start_mb
    True
    """

    def __init__(self, interval_s: float = 0.005):
        self.interval_s = interval_s
        self.start_mb = math.nan
        self.peak_mb = math.nan
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Self:
        self.start_mb = rss_mb()
        if _USE_HWM:
            _CLEAR.write_text("5")
        else:
            import psutil

            proc = psutil.Process()
            self.peak_mb = self.start_mb

            def sample() -> None:
                while not self._stop.is_set():
                    self.peak_mb = max(self.peak_mb, proc.memory_info().rss / _MB)
                    time.sleep(self.interval_s)

            self._thread = threading.Thread(target=sample, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if _USE_HWM:
            self.peak_mb = max(_hwm_mb(), self.start_mb)
        else:
            self._stop.set()
            if self._thread is not None:
                self._thread.join()
            self.peak_mb = max(self.peak_mb, rss_mb())


class Timer:
    """``with Timer() as t: ...`` then ``t.s`` (wall-clock seconds, ``perf_counter``)."""

    def __enter__(self) -> Self:
        self._t0 = time.perf_counter()
        self.s = math.nan
        return self

    def __exit__(self, *exc: object) -> None:
        self.s = time.perf_counter() - self._t0
