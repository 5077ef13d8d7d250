"""Figures: each writes a non-empty PNG on tiny data and survives degenerate input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis.lifecycle import phases_table
from sim.analysis.stats import summarise_runs
from sim.report.figures import compare_figure, delay_figure, lifecycle_figure, metrics_figure

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _is_png(path: Path) -> bool:
    data = Path(path).read_bytes()
    return data[:8] == PNG_MAGIC and len(data) > 2000


def _series(n_rep: int = 3, variants=("A", "B"), hours: int = 72, messages=("topic", "complaint")):
    rng = np.random.default_rng(0)
    h = np.arange(hours)
    rhythm = 1 + 0.6 * np.sin(2 * np.pi * (h - 14) / 24)
    rows = []
    for vi, v in enumerate(variants):
        for r in range(n_rep):
            for mi, m in enumerate(messages):
                lam = (20 + 10 * vi) * np.exp(-(((h - 20 - 5 * mi) / 8.0) ** 2)) * rhythm
                ns = rng.poisson(lam)
                rows.append(
                    pd.DataFrame(
                        {
                            "hour": h,
                            "message": m,
                            "new_shares": ns,
                            "shares": np.cumsum(ns),
                            "reach": np.cumsum(ns) * 5,
                            "variant": v,
                            "replicate": r,
                        }
                    )
                )
    return pd.concat(rows, ignore_index=True)


@pytest.fixture
def series() -> pd.DataFrame:
    return _series()


def test_lifecycle_figure_replicates(tmp_path, series):
    one = series[series["variant"] == "A"].drop(columns="variant")
    ph = phases_table(one, None)
    out = lifecycle_figure(one, ph, tmp_path / "sub" / "life.png")
    assert out == tmp_path / "sub" / "life.png" and _is_png(out)
    assert lifecycle_figure(one, ph, tmp_path / "t.png", message="topic", title="T") == (
        tmp_path / "t.png"
    )
    assert _is_png(tmp_path / "t.png")
    assert not list(tmp_path.glob("sub/.*"))  # no temporary file left behind
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask  # not mkstemp's 0600


def test_lifecycle_figure_single_run_nan_phases(tmp_path, series):
    run = series[(series["variant"] == "A") & (series["replicate"] == 0)]
    run = run.drop(columns=["variant", "replicate"])
    ph = phases_table(run, None)
    ph.loc[:, ["t_decay_h", "t_plateau_h"]] = np.nan
    assert _is_png(lifecycle_figure(run, ph, tmp_path / "a.png"))
    all_nan = ph.assign(**{c: np.nan for c in ph.columns if c.startswith("t_")})
    assert _is_png(lifecycle_figure(run, all_nan, tmp_path / "b.png"))
    assert _is_png(lifecycle_figure(run, None, tmp_path / "c.png", smoothing_h=None))
    single = phases_table(run[run["message"] == "topic"], None).iloc[0].to_dict()
    assert _is_png(lifecycle_figure(run, single, tmp_path / "d.png", message="topic"))


def test_lifecycle_figure_minimal_columns_and_nothing_shared(tmp_path):
    s = pd.DataFrame({"hour": np.arange(30), "message": "m", "new_shares": 0})
    assert _is_png(lifecycle_figure(s, phases_table(s, None), tmp_path / "z.png"))
    with pytest.raises(ValueError, match="not in the series"):
        lifecycle_figure(s, None, tmp_path / "x.png", message="other")


def test_lifecycle_figure_refuses_several_variants(tmp_path, series):
    with pytest.raises(ValueError, match="variants"):
        lifecycle_figure(series, None, tmp_path / "v.png")


def test_compare_figure(tmp_path, series):
    assert _is_png(compare_figure(series, tmp_path / "c.png"))
    assert _is_png(compare_figure(series, tmp_path / "r.png", metric="reach", message="complaint"))
    one_rep = series[series["replicate"] == 0].drop(columns="replicate")
    assert _is_png(compare_figure(one_rep, tmp_path / "one.png", smoothing_h=0))
    no_variant = series[series["variant"] == "A"].drop(columns="variant")
    assert _is_png(compare_figure(no_variant, tmp_path / "nv.png"))
    with pytest.raises(ValueError, match="column"):
        compare_figure(series, tmp_path / "bad.png", metric="nope")


def _runs(n_rep: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    return pd.DataFrame(
        [
            {
                "variant": v,
                "replicate": r,
                "reach": 100 * (i + 1) + rng.normal(0, 5),
                "t_peak_h": np.nan,
            }
            for i, v in enumerate(["A", "B", "C"])
            for r in range(n_rep)
        ]
    )


def test_metrics_figure(tmp_path):
    summary = summarise_runs(_runs(), ["reach", "t_peak_h"])
    assert _is_png(metrics_figure(summary, ["reach", "t_peak_h"], tmp_path / "m.png"))
    one = summarise_runs(_runs(1), ["reach"])  # one replicate: no CI
    assert _is_png(metrics_figure(one, ["reach"], tmp_path / "m1.png"))
    many = summarise_runs(_runs().assign(a=1.0, b=2.0, c=3.0), ["reach", "a", "b", "c"])
    assert _is_png(metrics_figure(many, ["reach", "a", "b", "c"], tmp_path / "m4.png"))


def test_delay_figure(tmp_path):
    rng = np.random.default_rng(2)
    rows = [
        {
            "strategy": s,
            "response_delay_h": d,
            "replicate": r,
            "negative_reach": 100 + k * d + rng.normal(),
        }
        for k, s in enumerate(["apologize", "deny"], start=1)
        for d in (0, 2, 4, 8, 16)
        for r in range(4)
    ]
    runs = pd.DataFrame(rows)
    assert _is_png(delay_figure(runs, tmp_path / "d.png", reference_x=8))
    single = runs[runs["replicate"] == 0]  # one run per point: no band
    assert _is_png(delay_figure(single, tmp_path / "d1.png"))
    no_by = runs[runs["strategy"] == "deny"].drop(columns="strategy")
    assert _is_png(delay_figure(no_by, tmp_path / "d2.png"))
    with_nan = runs.assign(negative_reach=np.where(runs["replicate"] == 1, np.nan, 1.0))
    assert _is_png(delay_figure(with_nan, tmp_path / "d3.png"))


def test_import_does_not_touch_pyplot():
    code = (
        "import sys, sim.report.figures; "
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
