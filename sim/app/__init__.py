"""The strategist's workbench: a local web page (Solara) over the library API.

``buzzsim app [SCENARIO] [--port 8765] [--host 127.0.0.1]`` checks the scenario,
then serves :mod:`sim.app.page` with ``solara run``. Nothing in :mod:`sim` imports
this package: the model runs without Solara installed (``pip install
'buzzsim[app]'`` adds it).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

from sim.errors import BuzzsimError

__all__ = ["serve"]


def serve(scenario: str | None = None, *, host: str = "127.0.0.1", port: int = 8765,
          echo: bool = True) -> int:
    """Serve the workbench until interrupted; return the server's exit status.

    Parameters
    ----------
    scenario : str, optional
        Library name or TOML path shown first (default ``crisis_response``);
        checked here, so a bad one is a one-line error before anything starts.
    host, port : str, int
        Where to listen (default 127.0.0.1:8765, this machine only).
    echo : bool, default True
        Print the address.

    Raises
    ------
    BuzzsimError
        Solara missing, or a bad scenario (one line).
    """
    if importlib.util.find_spec("solara") is None:
        raise BuzzsimError("the workbench needs Solara: pip install 'buzzsim[app]' (or `make app`)")
    from sim.app.settings import load_choice

    spec = scenario or "crisis_response"
    load_choice(spec)  # the CLI's one-line error if it is bad
    env = dict(os.environ)
    env["BUZZSIM_APP_SCENARIO"] = os.path.abspath(spec) if os.path.exists(spec) else spec
    cmd = [sys.executable, "-m", "solara", "run", "sim.app.page", "--host", host, "--port", str(port),
           "--production", "--no-open", "--no-check-version", "--log-level", "warning"]  # fmt: skip
    if echo:
        print(f"buzzsim workbench: http://{host}:{port}/  (scenario {spec}; Ctrl-C stops it)", flush=True)
    # The first run after an install compiles the engine (up to a minute): do it now,
    # in the background, while the page starts and the user reads it.
    warm = subprocess.Popen(
        [sys.executable, "-c", "from sim.run.warmup import warm_up; warm_up()"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        return subprocess.call(cmd, env=env)
    except KeyboardInterrupt:
        return 130
    finally:
        if warm.poll() is None:
            warm.kill()
            warm.wait()
