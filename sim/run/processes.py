"""Processes: children die with their parent (issue #14, item 8); is a pid alive.

A worker process or the fork server must not outlive the ``buzzsim`` process that
started it, even when that process is killed with ``SIGKILL`` (no ``finally``
runs then). On Linux the kernel does it: :func:`die_with_parent` asks for
``SIGKILL`` when the parent exits (``prctl(PR_SET_PDEATHSIG)``). Elsewhere a
daemon thread watches the parent's pid and exits the process when it changes.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time

__all__ = ["die_with_parent", "pid_alive"]

_PR_SET_PDEATHSIG = 1


def _watch_parent(ppid: int, interval_s: float) -> None:
    while True:
        time.sleep(interval_s)
        if os.getppid() != ppid:
            os._exit(1)


def die_with_parent(interval_s: float = 1.0) -> None:
    """Make the calling process exit as soon as its parent process ends.

    Parameters
    ----------
    interval_s : float, default 1
        Polling interval of the parent-pid watcher (used where ``prctl`` is not).
    """
    ppid = os.getppid()
    done = False
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            done = libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    if os.getppid() != ppid or ppid == 1:  # the parent already ended before the request
        os._exit(1)
    if not done:
        threading.Thread(target=_watch_parent, args=(ppid, interval_s), daemon=True).start()


def pid_alive(pid: int) -> bool:
    """Whether a process with id ``pid`` is running (someone else's counts).

    >>> import os
    >>> pid_alive(os.getpid())
    True
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - someone else's process
        return True
    return True
