"""Bad ``--scheduler`` values (issue #14, item 10): validated before anything is
created, a connection under a deadline, one line and exit 2, no sweep folder left."""

from __future__ import annotations

import http.server
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sweep_cases import TINY_TOML

from sim.errors import BuzzsimError
from sim.run.executors import check_scheduler

BUZZSIM = [sys.executable, "-m", "sim"]


@pytest.mark.parametrize("bad", ["http://[::1", "http://127.0.0.1:8786", "tcp://host", "tcp://h:99999",
                                 "nonsense", "tcp://127.0.0.1:0", "tcp://u@h:1/x"])
def test_bad_addresses_refused_in_one_line(bad):
    with pytest.raises(BuzzsimError, match="--scheduler"):
        check_scheduler(bad)


def test_good_addresses():
    assert check_scheduler(None) == "processes"
    assert check_scheduler("127.0.0.1:8786") == "tcp://127.0.0.1:8786"
    assert check_scheduler("tcp://[::1]:8786") == "tcp://[::1]:8786"
    assert check_scheduler("local") == "local"


def _sweep(tmp_path: Path, scheduler: str, timeout: float = 60) -> tuple[subprocess.CompletedProcess, Path]:
    sc = tmp_path / "tiny.toml"
    sc.write_text(TINY_TOML)
    out = tmp_path / "sw"
    proc = subprocess.run(
        [*BUZZSIM, "sweep", str(sc), "--param", "crisis.approval_delay_h=1,4", "-n", "1", "--no-figures",
         "--scheduler", scheduler, "--out", str(out)],
        capture_output=True, text=True, timeout=timeout, check=False,
    )
    return proc, out


def test_bad_value_leaves_no_folder(tmp_path):
    proc, out = _sweep(tmp_path, "http://[::1")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_web_server_is_not_a_scheduler(tmp_path, monkeypatch):
    """A port that answers HTTP: the sweep used to hang forever; now one line within
    the connection deadline (shortened here), and no folder."""
    pytest.importorskip("distributed", exc_type=ImportError)
    import tomllib

    from sim.run import executors
    from sim.sweep import run_sweep

    monkeypatch.setattr(executors, "CONNECT_TIMEOUT_S", 2.0)
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # the dask handshake it refuses is expected
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    out = tmp_path / "sw"
    try:
        t0 = time.monotonic()
        with pytest.raises(BuzzsimError, match="cannot connect") as info:
            run_sweep(tomllib.loads(TINY_TOML), ["crisis.approval_delay_h=1,4"], replicates=1,
                      scheduler=f"tcp://127.0.0.1:{srv.server_address[1]}", out=out, progress=False, figures=False)
        assert time.monotonic() - t0 < 20
    finally:
        srv.shutdown()
    assert "\n" not in str(info.value)
    assert not out.exists()
