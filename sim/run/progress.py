"""Progress of a batch of runs: a bar on a terminal, a callback, a cancel event."""

from __future__ import annotations

import sys
import threading
from typing import Any

from tqdm import tqdm

from sim.errors import BuzzsimError

__all__ = ["NoBar", "RunCancelled", "Watched", "check_cancel", "progress_bar"]


class RunCancelled(BuzzsimError):
    """The caller's ``cancel`` event was set: the runs stopped and nothing was returned."""


class NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass

    def check(self) -> None:
        pass


class Watched:
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


def progress_bar(total: int, name: str, enabled: bool) -> Any:
    if not enabled or not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty()):
        return NoBar()
    return tqdm(
        total=total, desc=name, unit="run", file=sys.stderr, leave=False, dynamic_ncols=True
    )


def check_cancel(bar: Any) -> None:
    """Raise :class:`RunCancelled` if the bar watches a cancel event that is set."""
    check = getattr(bar, "check", None)
    if check is not None:
        check()
