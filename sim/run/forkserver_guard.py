"""First module the fork server imports (``set_forkserver_preload``).

Importing it in the fork server process makes the server ignore Ctrl-C while it
preloads the model (the terminal sends SIGINT to the whole process group; the
parent handles it) and die with the ``buzzsim`` process that started it
(:func:`sim.run.processes.die_with_parent`). It is imported nowhere else.
"""

from __future__ import annotations

import signal

from sim.run.processes import die_with_parent

signal.signal(signal.SIGINT, signal.SIG_IGN)
die_with_parent()
