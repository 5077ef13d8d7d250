"""Running sweeps: streaming to Parquet, resume, executors, worker death, the CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
from sweep_cases import TINY, TINY_TOML

from sim.errors import BuzzsimError
from sim.run.executors import ProcessExecutor
from sim.sweep import load_results, run_sweep
from sim.sweep.store import SweepStore

GRID = ["crisis.approval_delay_h=0,6,24", "crisis.virality=1.0,1.6"]




@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    """The reference: GRID run serially."""
    out = tmp_path_factory.mktemp("ref") / "sweep"
    return run_sweep(TINY, GRID, scheduler="serial", out=out, progress=False)


def buzzsim(capsys, *args):
    """Run ``buzzsim`` in-process; returns (exit code, stdout, stderr)."""
    from sim.cli import main

    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


# --- the results folder ---------------------------------------------------------


def test_sweep_folder_and_table(serial):
    f = serial.folder
    assert {"sweep.json", "design.parquet", "runs", "heatmap-negative_reach.png",
            "lines-negative_reach.png"} <= {p.name for p in f.iterdir()}  # fmt: skip
    parts = sorted(p.name for p in (f / "runs").iterdir())
    assert len(parts) == 6 + 1  # one part per point, plus the schema part
    df = pd.read_parquet(f / "runs")  # the dataset reads whole with plain pandas
    assert len(df) == 6 * 2
    assert {"crisis.approval_delay_h", "crisis.virality", "replicate", "seed", "reach",
            "negative_reach", "t_peak_h", "strategy"} <= set(df.columns)  # fmt: skip
    tbl = load_results(f)
    assert tbl[["point", "replicate"]].values.tolist() == [[p, r] for p in range(6) for r in range(2)]
    meta = json.loads((f / "sweep.json").read_text())
    assert meta["status"] == "complete"
    assert meta["method"] == "grid" and meta["seed"] == 5 and meta["replicates"] == 2
    assert [p["spec"] for p in meta["params"]] == ["0,6,24", "1.0,1.6"]
    assert meta["scenario"]["resolved"]["graph"]["n"] == 600


def test_common_random_numbers(serial):
    """Replicate i has the same seed at every point, so points differ by parameters only."""
    tbl = serial.results
    assert tbl.groupby("replicate")["seed"].nunique().eq(1).all()
    assert tbl["seed"].nunique() == 2
    # the campaign topic does not depend on the crisis response: identical at every point
    assert tbl.groupby("replicate")["reach"].nunique().eq(1).all()


# --- interruption and resume ----------------------------------------------------------


def test_interrupted_sweep_resumes_to_the_same_table(serial, tmp_path):
    out = tmp_path / "s"

    def stop_after_three(done, total):
        if done == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(TINY, GRID, scheduler="serial", out=out, progress=False, callback=stop_after_three)
    store = SweepStore(out)
    assert len(store.done_ids()) == 3
    assert json.loads((out / "sweep.json").read_text())["status"] == "running"
    assert len(pd.read_parquet(out / "runs")) == 3 * 2  # finished points are intact
    with pytest.raises(BuzzsimError, match="--resume"):
        run_sweep(TINY, GRID, scheduler="serial", out=out, progress=False)
    seen = []
    res = run_sweep(TINY, GRID, scheduler="serial", out=out, resume=True, progress=False,
                    callback=lambda d, t: seen.append(d))  # fmt: skip
    assert (res.points_run, res.points_skipped) == (3, 3)
    assert seen == [4, 5, 6]
    pd.testing.assert_frame_equal(res.results, serial.results)
    # resuming a finished sweep runs nothing
    again = run_sweep(TINY, GRID, scheduler="serial", out=out, resume=True, progress=False,
                      figures=False)  # fmt: skip
    assert again.points_run == 0
    pd.testing.assert_frame_equal(again.results, serial.results)


def test_resume_refuses_a_different_sweep(serial, tmp_path):
    out = tmp_path / "s"
    run_sweep(TINY, ["crisis.approval_delay_h=0,6"], scheduler="serial", out=out, progress=False,
              figures=False)  # fmt: skip
    with pytest.raises(BuzzsimError, match=r"different sweep \(params"):
        run_sweep(TINY, ["crisis.approval_delay_h=0,7"], scheduler="serial", out=out, resume=True)
    with pytest.raises(BuzzsimError, match=r"different sweep \(seed: 5 there, 6 now"):
        run_sweep(TINY, ["crisis.approval_delay_h=0,6"], seed=6, out=out, resume=True)
    # how a value is written does not matter, only the values
    run_sweep(TINY, ["crisis.approval_delay_h= 0, 6"], scheduler="serial", out=out, resume=True,
              progress=False, figures=False)  # fmt: skip


def test_stale_temporary_files_are_ignored_and_removed(serial, tmp_path):
    import shutil

    out = tmp_path / "copy"
    shutil.copytree(serial.folder, out)
    dead = out / "runs" / ".part-0123456789abcdef.parquet.999999999.0badf00d.tmp"
    dead.write_bytes(b"half a file")
    assert len(pd.read_parquet(out / "runs")) == 12  # hidden files are not part of the dataset
    res = run_sweep(TINY, GRID, out=out, resume=True, progress=False, figures=False)
    assert res.points_run == 0 and not dead.exists()


def test_worker_killed_mid_sweep_completes_identical(serial, tmp_path):
    """Local processes give the serial numbers, even when a worker is SIGKILLed mid-sweep."""
    ex = ProcessExecutor(2)
    killed = []

    def kill_one(done, total):
        if done == 2 and not killed:
            pid = ex.pids()[0]
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    try:
        res = run_sweep(TINY, GRID, executor=ex, out=tmp_path / "k", progress=False,
                        figures=False, callback=kill_one)  # fmt: skip
    finally:
        ex.abort()
    assert killed and ex.restarts == 1  # the pool was restarted, the lost runs rerun
    assert res.points_run == 6
    pd.testing.assert_frame_equal(res.results, serial.results)


def test_new_columns_later_in_the_sweep_are_kept(tmp_path):
    """A swept strategy that deletes posts adds cover-up columns from some point on."""
    store = SweepStore(tmp_path / "s")
    store.prepare(resume=False, force=False)
    import pyarrow as pa

    types = {"point": pa.int64(), "point_id": pa.string(), "k": pa.string()}
    store.write_part("0" * 16, [{"point": 0, "point_id": "0" * 16, "k": "a", "m": 1}], types)
    store.write_part("f" * 16, [{"point": 1, "point_id": "f" * 16, "k": "b", "m": 2.5, "extra": 7}],
                     types)  # fmt: skip
    df = pd.read_parquet(tmp_path / "s" / "runs")
    assert set(df.columns) == {"point", "point_id", "k", "m", "extra"}
    assert sorted(df["m"].tolist()) == [1.0, 2.5]
    tbl = store.load_results()
    assert tbl["extra"].isna().tolist() == [True, False]


# --- the command line --------------------------------------------------------------------


def test_cli_sweep_end_to_end(serial, tmp_path, capsys):
    scn = tmp_path / "tiny.toml"
    scn.write_text(TINY_TOML)
    out = tmp_path / "cli"
    code, stdout, err = buzzsim(capsys, "sweep", scn, "--param", "crisis.approval_delay_h=0,6,24",
                                "--param", "crisis.virality=1.0,1.6", "-j", "1", "--out", out)  # fmt: skip
    assert code == 0, err
    assert "grid of 6 points × 2 replicates" in err
    assert "negative_reach per point" in stdout and "heatmap-negative_reach.png" in stdout
    pd.testing.assert_frame_equal(load_results(out), serial.results)
    # --resume without --param takes the sweep from sweep.json; nothing is left to run
    code, stdout, err = buzzsim(capsys, "sweep", scn, "--resume", "--out", out)
    assert code == 0, err
    assert "nothing left to run" in err and "0 points run, 6 already done" in err
    pd.testing.assert_frame_equal(load_results(out), serial.results)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["--param", "crisis.aproval_delay_h=1,2"], "did you mean crisis.approval_delay_h?"),
        (["--param", "crisis.approval_delay_h=-1,2"], "out of range"),
        ([], "at least one --param"),
        (["--param", "crisis.virality=0.5..2", "--method", "sobol", "--samples", "10"],
         "power of two"),
        (["--param", "crisis.virality=1,2", "--scheduler", "mars"], "--scheduler 'mars'"),
        (["--param", "crisis.virality=1,2", "--resume"], "--resume needs --out"),
        (["--param", "crisis.virality=1,2", "--metric", "negative_rech", "-j", "1"],
         "did you mean negative_reach?"),
    ],
)
def test_cli_errors_are_one_line(tmp_path, capsys, args, match):
    scn = tmp_path / "tiny.toml"
    scn.write_text(TINY_TOML)
    extra = [] if "--resume" in args else ["--out", tmp_path / "o"]
    code, _, err = buzzsim(capsys, "sweep", scn, *args, *extra)
    assert code == 2
    lines = err.strip().splitlines()
    assert lines[-1].startswith("buzzsim: error: ") and match in lines[-1]
    assert "Traceback" not in err


def test_cli_ctrl_c_keeps_points_and_resume_completes(tmp_path, capsys):
    """A real Ctrl-C (SIGINT) in a process-pool sweep, then --resume."""
    scn = tmp_path / "tiny.toml"
    scn.write_text(TINY_TOML)
    out = tmp_path / "sweep"
    args = ["sweep", str(scn), "--param", "crisis.approval_delay_h=0:4:1", "--param",
            "crisis.virality=1.0,1.3,1.6,1.9", "--workers", "2", "--out", str(out), "--no-figures"]  # fmt: skip
    proc = subprocess.Popen([sys.executable, "-m", "sim", *args], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    runs = out / "runs"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if runs.is_dir() and len(list(runs.glob("part-*.parquet"))) >= 3:  # 2 points + schema
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert "points are saved" in err and "--resume" in err
    saved = SweepStore(out).done_ids()
    assert 2 <= len(saved) < 20
    partial = pd.read_parquet(runs)
    assert len(partial) == 2 * len(saved)
    code, _, err = buzzsim(capsys, *args[:-1], "--resume", "-q")
    assert code == 0, err
    full = load_results(out)
    assert len(full) == 20 * 2 and not full.duplicated(["point", "replicate"]).any()
    # the points saved before Ctrl-C are kept as they were
    before = partial.sort_values(["point", "replicate"]).reset_index(drop=True)
    after = full[full["point_id"].isin(saved)].reset_index(drop=True)
    pd.testing.assert_frame_equal(before[after.columns], after, check_dtype=False)


def test_dask_scheduler_without_dask_is_one_clear_error(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "distributed", None)  # `import distributed` fails
    with pytest.raises(BuzzsimError, match=r"--scheduler needs dask.distributed: pip install"):
        run_sweep(TINY, ["crisis.virality=1.0"], scheduler="local", out=tmp_path / "x",
                  progress=False)  # fmt: skip
    # nothing ran, but the folder is a (resumable) sweep with no points yet
    assert SweepStore(tmp_path / "x").done_ids() == set()


def test_pool_broken_at_submit_is_restarted(monkeypatch):
    """A worker that dies between two waits makes the next ``submit`` raise
    BrokenProcessPool (seen in CI as a failed sweep); the executor must restart the
    pool and run every task exactly once, as when the break shows in a result."""
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    from sim.run import executors

    class FakePool:
        def __init__(self, fail_at):
            self.n, self.fail_at = 0, fail_at

        def submit(self, fn, task):
            self.n += 1
            if self.n == self.fail_at:
                raise BrokenProcessPool("a child process terminated abruptly")
            fut = Future()
            fut.set_result(task)
            return fut

    pools = [FakePool(fail_at=2), FakePool(fail_at=-1)]
    ex = executors.ProcessExecutor(1)
    monkeypatch.setattr(ex, "_start", lambda: setattr(ex, "_pool", pools.pop(0)))
    monkeypatch.setattr(executors, "kill_pool", lambda pool: None)
    got = list(ex.imap_unordered([(f"k{i}", i) for i in range(10)]))
    assert sorted(got) == list(range(10)) and ex.restarts == 1
