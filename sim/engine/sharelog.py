"""The shares of a run, as the engines record them for the cascade trees.

One entry per share (origins included): message, account, the account whose post
was read (``-1`` for an origin post) and the time in hours. Storage grows by
doubling, so memory is proportional to the number of shares; a run with no share
stores nothing, and a disabled log (``run.record_cascades = false``) stores
nothing at all. Generations and the statistics of the trees are computed after the
run (:mod:`sim.analysis.trees`).
"""

from __future__ import annotations

import numpy as np

__all__ = ["ShareLog"]


class ShareLog:
    """Growable columns ``msg, acc, src`` (int32) and ``time`` (float64 hours).

    Parameters
    ----------
    enabled : bool
        False: :meth:`append` does nothing and the arrays stay empty.

    Attributes
    ----------
    n : numpy.ndarray
        One int64, the number of entries (a numba kernel appends through it).
    """

    def __init__(self, enabled: bool = True):
        self.enabled = bool(enabled)
        self.msg = np.empty(0, np.int32)
        self.acc = np.empty(0, np.int32)
        self.src = np.empty(0, np.int32)
        self.time = np.empty(0, np.float64)
        self.n = np.zeros(1, np.int64)

    @property
    def size(self) -> int:
        """Entries recorded."""
        return int(self.n[0])

    def reserve(self, need: int) -> None:
        """Make room for ``need`` entries in all (keeps the recorded ones)."""
        if not self.enabled or need <= self.acc.shape[0]:
            return
        cap = max(int(need), 2 * self.acc.shape[0], 64)
        k = self.size
        for name in ("msg", "acc", "src", "time"):
            old = getattr(self, name)
            new = np.empty(cap, old.dtype)
            new[:k] = old[:k]
            setattr(self, name, new)

    def append(self, msg, acc, src, time) -> None:
        """Record shares (scalars broadcast against the array arguments)."""
        if not self.enabled:
            return
        acc = np.asarray(acc)
        k = acc.size
        if k == 0:
            return
        n = self.size
        self.reserve(n + k)
        self.msg[n:n + k] = msg
        self.acc[n:n + k] = acc
        self.src[n:n + k] = src
        self.time[n:n + k] = time
        self.n[0] = n + k

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(msg, acc, src, time)`` of the recorded entries (views)."""
        k = self.size
        return self.msg[:k], self.acc[:k], self.src[:k], self.time[:k]
