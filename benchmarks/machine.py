"""The machine's own limits, measured in the same run as everything else.

Three numba micro-kernels give the ceilings the engine is compared with:

* **streaming bandwidth** — ``y[i] = a * x[i]`` over arrays far larger than the
  caches (bytes moved: one read and one write of float64 per element, counted as
  16 bytes; write-allocate traffic is not counted, as in STREAM's "scale");
* **random gather** — ``s += x[idx[i]]`` over a large random index (the cost of a
  cache miss per element, int32 index, float64 payload);
* **CSR sweep** — every edge visited once in row order, reading the neighbour's
  state: ``for u: for k in row(u): s += state[indices[k]]`` on the benchmark graph
  (the follower graph of the run, uint8 state as in the engine's status array).

Each kernel exists in a single-thread and a ``prange`` (all threads) version; the
parallel version is called with the thread count set explicitly and restored.
All kernels are compiled (warmed up) before anything is timed; each measurement
repeats its kernel for at least ``MIN_DURATION_S`` and reports the mean rate.
"""

from __future__ import annotations

import time

import numba as nb
import numpy as np

__all__ = [
    "csr_sweep_rate",
    "gather_rate",
    "stream_rate",
    "warm_up",
]


# --------------------------------------------------------------------------- kernels


@nb.njit(cache=True)
def _scale(x, y, a):  # pragma: no cover - compiled
    for i in range(x.shape[0]):
        y[i] = a * x[i]


@nb.njit(cache=True, parallel=True)
def _scale_par(x, y, a):  # pragma: no cover - compiled
    for i in nb.prange(x.shape[0]):
        y[i] = a * x[i]


@nb.njit(cache=True)
def _gather(x, idx):  # pragma: no cover - compiled
    s = 0.0
    for i in range(idx.shape[0]):
        s += x[idx[i]]
    return s


@nb.njit(cache=True, parallel=True)
def _gather_par(x, idx):  # pragma: no cover - compiled
    s = 0.0
    for i in nb.prange(idx.shape[0]):
        s += x[idx[i]]
    return s


@nb.njit(cache=True)
def _csr_sweep(indptr, indices, state):  # pragma: no cover - compiled
    s = np.int64(0)
    n = indptr.shape[0] - 1
    for u in range(n):
        for k in range(indptr[u], indptr[u + 1]):
            s += state[indices[k]]
    return s


@nb.njit(cache=True, parallel=True)
def _csr_sweep_par(indptr, indices, state):  # pragma: no cover - compiled
    s = np.int64(0)
    n = indptr.shape[0] - 1
    for u in nb.prange(n):
        acc = np.int64(0)
        for k in range(indptr[u], indptr[u + 1]):
            acc += state[indices[k]]
        s += acc
    return s


def warm_up() -> None:
    """Compile every kernel on tiny inputs (compile time is never timed)."""
    x = np.ones(64)
    y = np.empty(64)
    idx = np.arange(64, dtype=np.int32)
    indptr = np.arange(65, dtype=np.int64)
    state = np.zeros(64, np.uint8)
    _scale(x, y, 2.0)
    _scale_par(x, y, 2.0)
    _gather(x, idx)
    _gather_par(x, idx)
    _csr_sweep(indptr, idx, state)
    _csr_sweep_par(indptr, idx, state)


#: One measurement repeats its kernel until at least this long has passed and
#: reports the mean time per call (one call over a 10^6-node graph takes ~20 ms,
#: comparable to the start-up cost of a parallel region on a busy machine).
MIN_DURATION_S = 0.2


def _time(fn, *args) -> float:
    """Mean seconds per call of ``fn(*args)``, repeated for at least ``MIN_DURATION_S``."""
    calls = 0
    t0 = time.perf_counter()
    while True:
        fn(*args)
        calls += 1
        dt = time.perf_counter() - t0
        if dt >= MIN_DURATION_S:
            return dt / calls


def _with_threads(threads: int, fn, *args) -> float:
    old = nb.get_num_threads()
    nb.set_num_threads(max(1, min(threads, nb.config.NUMBA_NUM_THREADS)))
    try:
        return _time(fn, *args)
    finally:
        nb.set_num_threads(old)


def max_threads() -> int:
    return int(nb.config.NUMBA_NUM_THREADS)


# --------------------------------------------------------------------------- measurements


def stream_rate(n_elements: int, threads: int = 1) -> float:
    """One timed pass of ``y = a * x``; returns bytes per second (16 bytes per element)."""
    x = np.random.default_rng(0).random(n_elements)
    y = np.empty_like(x)
    _scale(x[:1024], y[:1024], 2.0)  # touch code paths
    y.fill(0.0)  # first touch of y outside the timing
    if threads == 1:
        dt = _time(_scale, x, y, 2.0)
    else:
        dt = _with_threads(threads, _scale_par, x, y, 2.0)
    return 16.0 * n_elements / dt


def make_gather(n_elements: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A float64 payload and a uniformly random int32 index over it, both ``n_elements`` long."""
    rng = np.random.default_rng(seed)
    x = rng.random(n_elements)
    idx = rng.integers(0, n_elements, size=n_elements, dtype=np.int32)
    return x, idx


def gather_rate(x: np.ndarray, idx: np.ndarray, threads: int = 1) -> float:
    """One timed pass of ``s += x[idx[i]]``; returns gathered elements per second."""
    if threads == 1:
        dt = _time(_gather, x, idx)
    else:
        dt = _with_threads(threads, _gather_par, x, idx)
    return idx.shape[0] / dt


def csr_sweep_rate(indptr: np.ndarray, indices: np.ndarray, threads: int = 1) -> float:
    """One timed row-order sweep over every edge reading the neighbour's state; edges per second."""
    state = np.zeros(indptr.shape[0] - 1, np.uint8)
    state[::7] = 1
    if threads == 1:
        dt = _time(_csr_sweep, indptr, indices, state)
    else:
        dt = _with_threads(threads, _csr_sweep_par, indptr, indices, state)
    return indices.shape[0] / dt
