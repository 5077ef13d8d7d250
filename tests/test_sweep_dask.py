"""Sweeps on dask.distributed (skipped when dask is not installed): identical numbers,
a worker killed mid-sweep, and ``buzzsim sweep --scheduler local`` against the default."""

from __future__ import annotations

import os
import signal

import pandas as pd
import pytest
from sweep_cases import TINY, TINY_TOML

distributed = pytest.importorskip("distributed", exc_type=ImportError)

from sim.sweep import load_results, run_sweep

GRID = ["crisis.approval_delay_h=0,3,6,24", "crisis.virality=1.0,1.6"]



@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "sweep"
    return run_sweep(TINY, GRID, scheduler="serial", out=out, progress=False, figures=False)


@pytest.fixture(scope="module")
def cluster():
    """Two single-threaded worker processes on 127.0.0.1, with nannies that restart them."""
    import logging

    with distributed.LocalCluster(
        host="127.0.0.1", n_workers=2, threads_per_worker=1, processes=True,
        dashboard_address=None, silence_logs=logging.CRITICAL,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
    ) as c:  # fmt: skip
        yield c


def test_dask_cluster_identical_to_serial_with_a_worker_killed(serial, cluster, tmp_path):
    """An existing cluster (tcp://127.0.0.1:PORT); one worker SIGKILLed mid-sweep."""
    addr = cluster.scheduler_address
    assert addr.startswith("tcp://127.0.0.1:")
    killed: list[int] = []

    def kill_one(done, total):
        if done == 2 and not killed:
            with distributed.Client(addr) as c:
                pids = c.run(os.getpid)
            pid = min(pids.values())
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    res = run_sweep(TINY, GRID, scheduler=addr, out=tmp_path / "d", progress=False,
                    figures=False, callback=kill_one)  # fmt: skip
    assert killed, "the sweep ended before a worker could be killed"
    assert "dask at tcp://127.0.0.1" in res.executor
    assert res.points_run == 8
    pd.testing.assert_frame_equal(res.results, serial.results)
    assert len(list((tmp_path / "d" / "runs").glob("part-*.parquet"))) == 8 + 1


def test_cli_scheduler_local_and_default_give_identical_tables(tmp_path, capsys):
    from sim.cli import main

    scn = tmp_path / "tiny.toml"
    scn.write_text(TINY_TOML)
    common = ["sweep", str(scn), "--param", "crisis.approval_delay_h=0,6,24", "--param",
              "crisis.virality=1.0,1.6", "--workers", "2"]  # fmt: skip
    assert main([*common, "--out", str(tmp_path / "procs")]) == 0
    assert main([*common, "--scheduler", "local", "--out", str(tmp_path / "dask")]) == 0
    _, err = capsys.readouterr()
    assert "on 2 local processes" in err and "local dask cluster on 127.0.0.1" in err
    a, b = load_results(tmp_path / "procs"), load_results(tmp_path / "dask")
    assert len(a) == 12
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "procs" / "runs").sort_values(["point", "replicate"], ignore_index=True),
        pd.read_parquet(tmp_path / "dask" / "runs").sort_values(["point", "replicate"], ignore_index=True),
    )
    for d in ("procs", "dask"):
        assert (tmp_path / d / "heatmap-negative_reach.png").stat().st_size > 10_000


def test_unreachable_scheduler_is_one_clear_error(tmp_path):
    import socket

    from sim.errors import BuzzsimError
    from sim.run.executors import DaskExecutor

    with socket.socket() as s:  # a free port on which nothing listens
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(BuzzsimError, match="cannot connect to the dask scheduler"):
        DaskExecutor(f"127.0.0.1:{port}", timeout=2)
