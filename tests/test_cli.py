"""End-to-end tests of the ``buzzsim`` command line on tiny scenarios."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.scenario.load import load_scenario
from sim.scenario.variants import resolve_variants

BUZZSIM = Path(sys.executable).with_name("buzzsim")

TINY = """
description = "tiny test scenario"

[graph]
n = 400
mean_degree = 5

[[messages]]
name = "buzz"
topic = "hot_topic"
n_origins = 3

[run]
horizon_h = 48
replicates = 3
seed = 11

[[variants]]
name = "twin"
description = "changes nothing: must differ from the baseline by exactly zero"
"graph.n" = 400

[[variants]]
name = "large"
messages.0.topic = "large_event"
"""


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    p = tmp_path / "tiny.toml"
    p.write_text(TINY)
    return p


def cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


# --- run / compare ------------------------------------------------------------


def test_compare_end_to_end(tiny, tmp_path, capsys):
    out_dir = tmp_path / "cmp"
    code, out, err = cli(capsys, "compare", tiny, "--workers", "1", "--out", out_dir)
    assert code == 0, err
    files = {p.name for p in out_dir.iterdir()}
    assert {
        "runs.parquet", "runs.csv", "series.parquet", "series.csv", "summary.json",
        "summary.md", "manifest.json", "compare.png", "metrics.png", "cascades.parquet",
    } <= files  # fmt: skip
    casc = pd.read_parquet(out_dir / "cascades.parquet")
    assert list(casc.columns) == ["variant", "replicate", "message", "account", "parent", "t_min", "generation"]
    assert len(casc) > 0 and (casc["parent"] == -1).any()
    runs = pd.read_csv(out_dir / "runs.csv")
    assert list(runs.columns[:3]) == ["variant", "replicate", "seed"]
    assert {"reach", "shares", "t_peak_h"} <= set(runs.columns)
    assert list(pd.unique(runs["variant"])) == ["baseline", "twin", "large"]
    assert len(runs) == 9
    # common random numbers: replicate i has the same seed in every variant
    assert runs.groupby("replicate")["seed"].nunique().eq(1).all()
    assert pd.read_parquet(out_dir / "runs.parquet").equals(
        pd.read_parquet(out_dir / "runs.parquet")
    )
    series = pd.read_parquet(out_dir / "series.parquet")
    assert list(series.columns[:4]) == ["variant", "replicate", "hour", "message"]

    # two identical variants differ by exactly zero
    metrics = [c for c in runs.columns[3:] if pd.api.types.is_numeric_dtype(runs[c])]
    base = runs[runs.variant == "baseline"].set_index("replicate")[metrics]
    twin = runs[runs.variant == "twin"].set_index("replicate")[metrics]
    pd.testing.assert_frame_equal(base, twin)
    summary = json.loads((out_dir / "summary.json").read_text())
    assert summary["baseline"] == "baseline"
    assert summary["difference"]["twin"]["reach"]["mean"] == 0
    assert summary["difference"]["twin"]["reach"]["ci_low"] == 0
    assert "ci_low" in summary["describe"]["large"]["reach"]

    md = (out_dir / "summary.md").read_text()
    assert "tiny test scenario" in md
    assert "**twin**: identical to baseline in every replicate." in md
    assert "![" in md and "(compare.png)" in md and "(metrics.png)" in md
    assert "| **large** |" in md

    manifest = json.loads((out_dir / "manifest.json").read_text())
    assert manifest["scenario"]["text"] == TINY
    assert manifest["seeds"]["replicates"] == sorted(set(runs.seed), key=list(runs.seed).index)
    assert {"buzzsim", "numpy", "numba", "mesa", "networkx", "pandas", "python"} <= set(
        manifest["versions"]
    )
    assert manifest["command"][:2] == ["buzzsim", "compare"]
    assert manifest["wall_time_s"] >= 0
    assert [v["name"] for v in manifest["variants"]] == ["baseline", "twin", "large"]
    assert "git_commit" in manifest

    # the command line tells where things are
    assert f"summary: {out_dir / 'summary.md'}" in out
    assert "compare.png" in out and "metrics.png" in out
    assert "Traceback" not in err


def test_run_end_to_end_and_quiet(tiny, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = cli(capsys, "run", tiny, "-j", "1", "-n", "2", "--seed", "5", "--quiet")
    assert code == 0, err
    assert err == ""
    (folder,) = out.split()
    folder = Path(folder)
    # default location results/<scenario>/<YYYYmmdd-HHMMSS>-<6 hex>/
    assert folder.parent == Path("results") / "tiny"
    assert len(folder.name) == len("20250101-120000-abcdef")
    assert (folder / "lifecycle.png").is_file()
    runs = pd.read_csv(folder / "runs.csv")
    assert list(runs.variant) == ["baseline", "baseline"]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["seeds"]["root"] == 5
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]

    code, out, err = cli(capsys, "run", tiny, "-j", "1", "--variant", "large", "--no-figures",
                         "-o", tmp_path / "one")  # fmt: skip
    assert code == 0, err
    assert set(pd.read_csv(tmp_path / "one" / "runs.csv").variant) == {"large"}
    assert "lifecycle.png" not in {p.name for p in (tmp_path / "one").iterdir()}


def test_workers_do_not_change_numbers(tiny, tmp_path, capsys):
    for w in ("1", "2"):
        code, _, err = cli(capsys, "compare", tiny, "--workers", w, "--no-figures", "-q",
                           "--out", tmp_path / f"w{w}")  # fmt: skip
        assert code == 0, err
    assert (tmp_path / "w1" / "runs.csv").read_bytes() == (
        tmp_path / "w2" / "runs.csv"
    ).read_bytes()
    assert (tmp_path / "w1" / "series.csv").read_bytes() == (
        tmp_path / "w2" / "series.csv"
    ).read_bytes()


def test_out_dir_is_protected(tiny, tmp_path, capsys):
    out = tmp_path / "taken"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    code, _, err = cli(capsys, "run", tiny, "-o", out, "-j", "1", "--no-figures")
    assert code == 2
    assert "exists and is not empty" in err and "--force" in err
    assert (out / "keep.txt").read_text() == "mine"
    code, _, err = cli(capsys, "run", tiny, "-o", out, "-j", "1", "--no-figures", "--force", "-q")
    assert code == 0, err
    assert not (out / "keep.txt").exists() and (out / "runs.csv").is_file()


# --- list / show ----------------------------------------------------------------


def test_list(capsys):
    code, out, err = cli(capsys, "list")
    assert code == 0, err
    line = next(ln for ln in out.splitlines() if ln.startswith("topic_lifecycle"))
    assert "F1" in line  # the scenario's description


def test_show_round_trip(tiny, tmp_path, capsys):
    code, out, err = cli(capsys, "show", tiny)
    assert code == 0, err
    shown = tmp_path / "shown.toml"
    shown.write_text(out)
    a, b = load_scenario(tiny), load_scenario(shown)
    assert a.model_dump(exclude={"variants"}) == b.model_dump(exclude={"variants"})
    for va, vb in zip(resolve_variants(a), resolve_variants(b), strict=True):
        assert va.name == vb.name and va.scenario == vb.scenario
    # every parameter is written out, presets included
    doc = tomllib.loads(out)
    assert doc["messages"][0]["half_life_h"] == a.messages[0].half_life_h
    assert "activity_mean" in doc["population"]

    code, out, err = cli(capsys, "show", "topic_lifecycle", "--variant", "large_event")
    assert code == 0, err
    assert tomllib.loads(out)["messages"][0]["topic"] == "large_event"


# --- bad input: one line, exit status 2, no traceback --------------------------------

BAD_SCENARIO = "[graph]\nn = 400\nmean_dgree = 5\n"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["run", "{tiny}", "--replicates", "0"], "argument --replicates/-n: expected a positive integer, got 0"),
        (["run", "{tiny}", "--workers", "two"], "argument --workers/-j: expected a positive integer, got 'two'"),
        (["run", "{tiny}", "--seed", "-1"], "argument --seed: expected an integer >= 0, got -1"),
        (["run", "{tiny}", "--engine", "turbo"], "argument --engine: invalid choice: 'turbo'"),
        (["run", "{tiny}", "--bogus"], "unrecognized arguments: --bogus"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["run"], "the following arguments are required: SCENARIO"),
        (["run", "{tmp}/missing.toml"], "scenario file not found: {tmp}/missing.toml"),
        (["show", "topic_lifecyle"], "did you mean topic_lifecycle?"),
        (["run", "{bad}"], "{bad}: unknown key graph.mean_dgree (did you mean graph.mean_degree?)"),
        (["run", "{tiny}", "--variant", "larg"], "has no variant 'larg'"),
        (["compare", "{tiny}", "--baseline", "nope"], "baseline 'nope' is not among the variants"),
        (["compare", "{bad_ok}"], "declares no [[variants]] to compare"),
        (["run", "{tiny}", "--out", "{tiny}"], "is a file, not a folder"),
    ],
)  # fmt: skip
def test_bad_cli_input(args, expected, tiny, tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(BAD_SCENARIO)
    bad_ok = tmp_path / "plain.toml"
    bad_ok.write_text("[graph]\nn = 300\nmean_degree = 3\n")
    fill = {"tiny": str(tiny), "tmp": str(tmp_path), "bad": str(bad), "bad_ok": str(bad_ok)}
    code, _, err = cli(capsys, *[a.format(**fill) for a in args])
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("buzzsim: error: ")
    assert expected.format(**fill) in lines[0]
    assert "Traceback" not in err
    assert not (tmp_path / "results").exists()


def test_bad_input_through_the_console_script(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[crisis]\napproval_delay_h = -4\n")
    proc = subprocess.run(
        [BUZZSIM, "run", bad],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        f"buzzsim: error: {bad}: crisis.approval_delay_h = -4 is out of range "
        "(allowed: approval_delay_h >= 0)"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "run", "x.toml", "--replicates", "0"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "--replicates" in proc.stderr


# --- interrupted runs leave nothing behind ------------------------------------------

SLOW = """
[graph]
n = 20000
mean_degree = 10
[[messages]]
topic = "hot_topic"
n_origins = 3
[run]
horizon_h = 336
replicates = 400
"""


@pytest.mark.parametrize(("sig", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_killed_run_leaves_no_folder(tmp_path, sig, status):
    scn = tmp_path / "slow.toml"
    scn.write_text(SLOW)
    out = tmp_path / "res" / "run1"
    proc = subprocess.Popen(
        [BUZZSIM, "run", scn, "--out", out, "--workers", "2"],
        cwd=tmp_path, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        first = proc.stderr.readline()  # "slow: 1 variant × 400 replicates on 2 workers"
        assert "400 replicates" in first
        time.sleep(1.5)
        assert proc.poll() is None, "the run finished before it could be interrupted"
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == status, err
    assert "no results were written" in err
    assert "Traceback" not in err
    assert not out.exists()
    assert not out.parent.exists() or not any(out.parent.iterdir())


def test_interrupted_write_is_cleaned_up(tiny, tmp_path, capsys, monkeypatch):
    from sim.report import writer

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(writer, "_draw_figures", boom)
    out = tmp_path / "res" / "x"
    code, _, _ = cli(capsys, "run", tiny, "-j", "1", "-o", out)
    assert code == 130
    assert not out.exists()
    assert list((tmp_path / "res").iterdir()) == []


def test_stale_temp_folder_of_a_killed_run_is_removed(tiny, tmp_path, capsys):
    parent = tmp_path / "res"
    stale = parent / ".tmp-old-run-999999999"  # no such process
    stale.mkdir(parents=True)
    (stale / "runs.csv").write_text("half")
    code, _, err = cli(capsys, "run", tiny, "-j", "1", "--no-figures", "-q", "-o", parent / "new")
    assert code == 0, err
    assert sorted(p.name for p in parent.iterdir()) == ["new"]


def test_main_module_and_help():
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "--help"], capture_output=True, text=True, timeout=120,
        check=False,
        env={**os.environ, "COLUMNS": "100"},
    )  # fmt: skip
    assert proc.returncode == 0
    for cmd in ("run", "compare", "list", "show"):
        assert cmd in proc.stdout
