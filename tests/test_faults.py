"""Fault tests (issue #14, items 8-9): SIGKILL leaves no child process behind, and
Ctrl-C at any moment gives "interrupted; no results were written", exit 130 and no
result (or, if it lands after the results were committed, a complete result and
exit 0) — never a traceback.

Each test starts ``buzzsim`` as a subprocess in its own session, so that a Ctrl-C
can be sent to its whole process group as a terminal does.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="process groups and prctl: Linux")

BUZZSIM = [sys.executable, "-m", "sim"]
SCENARIO = """
name = "fault"
[graph]
kind = "scale_free"
n = 3000
mean_degree = 8
[crisis]
start_h = 4
strategy = "apologize"
[run]
horizon_h = 96
replicates = 6
[[variants]]
name = "deny"
"crisis.strategy" = "deny"
"""


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    p = tmp_path / "fault.toml"
    p.write_text(SCENARIO)
    return p


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _alive(procs: list[psutil.Process]) -> list[psutil.Process]:
    out = []
    for p in procs:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p)
        except psutil.NoSuchProcess:
            pass
    return out


def test_sigkill_leaves_no_process_behind(scenario, tmp_path):
    """Kill ``compare`` with SIGKILL once its workers run: the fork server, the
    workers and the resource tracker are all gone within 5 s (they ran for minutes)."""
    proc = subprocess.Popen([*BUZZSIM, "compare", str(scenario), "-j", "2", "-q", "--out", str(tmp_path / "o")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        kids: list[psutil.Process] = []
        while time.monotonic() < deadline and proc.poll() is None:
            kids = _descendants(proc.pid)
            if len(kids) >= 3:  # tracker, fork server and at least one worker
                break
            time.sleep(0.1)
        assert len(kids) >= 3, "the workers did not start"
        time.sleep(0.5)
        kids = _descendants(proc.pid)
        proc.kill()
        proc.wait(5)
        deadline = time.monotonic() + 5
        while _alive(kids) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = _alive(kids)
        assert not left, [(p.pid, p.cmdline()[:3]) for p in left]
    finally:
        for p in _alive(_descendants(proc.pid)):
            p.kill()
        if proc.poll() is None:
            proc.kill()


@pytest.mark.parametrize("delay_s", [0.3, 0.9, 1.4, 2.0, 3.0])
def test_ctrl_c_at_any_moment(scenario, tmp_path, delay_s):
    """Ctrl-C (SIGINT to the process group) during start-up, run and writing."""
    out = tmp_path / "o"
    proc = subprocess.Popen([*BUZZSIM, "compare", str(scenario), "-j", "2", "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    time.sleep(delay_s)
    with_kids = _descendants(proc.pid)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert "Traceback" not in err, err
    if proc.returncode == 130:
        assert "interrupted; no results were written" in err
        assert not out.exists() or not any(out.iterdir())
        assert not any(p.name.startswith(".") for p in tmp_path.iterdir()), list(tmp_path.iterdir())
    else:
        assert proc.returncode == 0, err
        assert (out / "manifest.json").is_file() and (out / "runs.parquet").is_file()
    time.sleep(0.5)
    assert not _alive(with_kids)


def test_sweep_killed_then_resumed_equals_a_straight_sweep(tmp_path):
    """SIGKILL a sweep once some points are stored, resume it: the results equal a
    straight serial sweep exactly, and the killed sweep left no process behind."""
    import pandas as pd
    from sweep_cases import TINY_TOML

    from sim.sweep import load_results

    sc = tmp_path / "tiny.toml"
    sc.write_text(TINY_TOML)
    args = ["sweep", str(sc), "--param", "crisis.approval_delay_h=0:24:4",
            "-n", "1", "--no-figures", "-q"]
    killed = tmp_path / "killed"
    proc = subprocess.Popen([*BUZZSIM, *args, "-j", "2", "--out", str(killed)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if len(list((killed / "runs").glob("part-*.parquet"))) >= 2:
                break
            time.sleep(0.05)
        kids = _descendants(proc.pid)
        proc.kill()
        proc.wait(5)
    finally:
        if proc.poll() is None:
            proc.kill()
    done_before = len(list((killed / "runs").glob("part-*.parquet")))
    deadline = time.monotonic() + 5
    while _alive(kids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(kids)
    r = subprocess.run([*BUZZSIM, *args, "-j", "1", "--out", str(killed), "--resume"],
                       capture_output=True, text=True, timeout=120, check=False)
    assert r.returncode == 0, r.stderr
    straight = tmp_path / "straight"
    r = subprocess.run([*BUZZSIM, *args, "-j", "1", "--out", str(straight)],
                       capture_output=True, text=True, timeout=120, check=False)
    assert r.returncode == 0, r.stderr
    a, b = load_results(killed), load_results(straight)
    assert len(a) == 7 and done_before < 7
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))
