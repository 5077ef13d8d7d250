"""Calibration (issue 15, items 4-5): ``buzzsim calibrate`` end to end, determinism and resume,
and self-consistency: cascades simulated at known parameters are calibrated back.

Everything runs on a 1,000-account graph with 20 origin posts per run (each origin
roots its own cascade), one day observed, hourly steps: a particle costs well under a
tenth of a second.
"""

from __future__ import annotations

import tomllib

import pandas as pd
import pytest

from sim.calibration.abc import run_abc, weighted_quantile
from sim.calibration.calibrate import make_setup
from sim.calibration.sampling import sample_model
from sim.cli import main
from sim.scenario.load import load_scenario

TINY = """
name = "tiny_posts"
[graph]
kind = "scale_free"
n = 1000
mean_degree = 10
[population]
n_kols = 0
[brand]
enabled = false
[[messages]]
name = "post"
origin = "random"
n_origins = 20
virality = {virality}
[dynamics]
attention = {attention}
[run]
step_minutes = 60
horizon_h = 24
"""

TRUTH = {"messages.0.virality": 1.5}
ATTENTION = 2.0
PRIORS = ["messages.0.virality=0.3..4"]


def scenario_file(tmp_path, virality=1.0, attention=ATTENTION):
    p = tmp_path / "tiny.toml"
    p.write_text(TINY.format(virality=virality, attention=attention))
    return p


def simulated_data(tmp_path, n, seed=99):
    """Cascades of the model at the known parameters, written in the documented format."""
    scn = load_scenario(_truth_dict())
    s = sample_model(scn, n_cascades=n, min_size=1, horizon_h=24, seed=seed)
    path = tmp_path / f"truth{n}.csv"
    s.nodes.to_csv(path, index=False)
    return path


def _truth_dict():
    return tomllib.loads(TINY.format(virality=TRUTH["messages.0.virality"], attention=ATTENTION))


def intervals(tmp_path, n, population=16, generations=3):
    data = simulated_data(tmp_path, n)
    setup = make_setup(scenario_file(tmp_path), data, PRIORS, population=population, generations=generations,
                       min_size=1, seed=3)
    folder = tmp_path / f"abc{n}"
    folder.mkdir()
    post = run_abc(setup, folder, progress=False).posterior
    w = post["weight"].to_numpy()
    return {k: weighted_quantile(post[k].to_numpy(), w, [0.05, 0.95]) for k in TRUTH}


def test_self_consistency_known_values_inside_and_intervals_narrow(tmp_path):
    small = intervals(tmp_path, 12)
    large = intervals(tmp_path, 96)
    for k, v in TRUTH.items():
        for iv in (small, large):
            assert iv[k][0] <= v <= iv[k][1], (k, v, iv[k])
    widths = {k: (small[k][1] - small[k][0], large[k][1] - large[k][0]) for k in TRUTH}
    print("90 % interval widths (12 vs 96 cascades):", widths)
    assert all(wl < ws for ws, wl in widths.values()), widths


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """The tiny scenario (virality 1.0) and 40 cascades simulated at the known parameters."""
    folder = tmp_path_factory.mktemp("tiny")
    return scenario_file(folder), simulated_data(folder, 40)


def test_calibrate_cli_writes_posterior_and_a_runnable_calibrated_scenario(tiny, tmp_path, capsys):
    scn, data = tiny
    out = tmp_path / "cal"
    argv = ["calibrate", str(scn), "--data", str(data), "--param", PRIORS[0], "--param", "dynamics.attention=1..4",
            "--quick", "--population", "6", "--cascades", "8", "--min-size", "1", "--out", str(out)]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "generation 1/2" in err and "generation 2/2" in err and "acceptance" in err
    post = pd.read_csv(out / "posterior.csv")
    assert list(post.columns) == ["messages.0.virality", "dynamics.attention", "weight"] and len(post) == 6
    assert post["weight"].sum() == pytest.approx(1.0) and post["messages.0.virality"].between(0.3, 4).all()
    fit = (out / "fit.md").read_text()
    assert "acceptance rate" in fit and "ESS" in fit and "scaled distance" in fit
    for name in ("posterior_pairs.png", "predictive_sizes_ccdf.png", "predictive_timing_cdf.png", "calibrated.toml"):
        assert (out / name).stat().st_size > 0, name
    cal = load_scenario(out / "calibrated.toml")
    med = weighted_quantile(post["messages.0.virality"].to_numpy(), post["weight"].to_numpy(), 0.5)
    assert cal.messages[0].virality == pytest.approx(float(med), rel=1e-3)
    assert main(["run", str(out / "calibrated.toml"), "--replicates", "1", "--out", str(tmp_path / "run"), "-q"]) == 0
    # an existing folder is not overwritten; --resume continues it
    assert main(argv) == 2
    assert "--resume" in capsys.readouterr().err


def test_same_seed_same_posterior_interrupted_or_not(tiny, tmp_path):
    scn, data = tiny

    def setup(generations):
        return make_setup(scn, data, PRIORS, population=6, generations=generations, n_cascades=8, min_size=1, seed=5)

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    whole = run_abc(setup(3), tmp_path / "a", progress=False)
    run_abc(setup(1), tmp_path / "b", progress=False)  # interrupted after one generation...
    resumed = run_abc(setup(3), tmp_path / "b", resume=True, progress=False)  # ...and resumed
    assert len(resumed.generations) == 3
    pd.testing.assert_frame_equal(whole.posterior, resumed.posterior)
    assert whole.generations["epsilon"].tolist() == resumed.generations["epsilon"].tolist()
    assert whole.generations["epsilon"].is_monotonic_decreasing


def test_validate_data_cli_writes_the_report(tiny, tmp_path, capsys):
    scn, data = tiny
    out = tmp_path / "val"
    assert main(["validate", "--data", str(data), "--scenario", str(scn), "--cascades", "10", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "report:" in printed
    # issue 16, item 1: every requirement the file can judge is a measured line with its target
    assert "requirements of issue 16, item 1 (model setting: defaults)" in printed
    for name in ("median share within 1 h", "median share within 8 h", "median depth", "median structural virality"):
        line = next(ln for ln in printed.splitlines() if name in ln)
        assert line.lstrip().startswith(("met", "NOT MET")) and "target" in line, line
    assert printed.count("not measured: add --scale") == 2
    assert "## Requirements of issue 16, item 1" in (out / "report.md").read_text()
    table = pd.read_csv(out / "comparison.csv")
    assert set(table.statistic) >= {"size", "t50_h", "structural_virality"}
    assert table.set_index("statistic").loc["size", "n_model"] == 10
    for name in ("report.md", "sizes_ccdf.png", "timing_cdf.png", "depth_hist.png", "virality_vs_size.png"):
        assert (out / name).stat().st_size > 0, name


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--param", "messages.0.virality=1,2"], "calibration needs bounds lo..hi"),
        (["--param", "messages.0.viralty=1..2"], "messages.0.viralty"),
        (["--param", "messages.0.virality=1..2", "--resume", "--out", "{tmp}/none"], "nothing to continue"),
        ([], "at least one --param"),
    ],
)
def test_calibrate_errors_are_one_line(tiny, tmp_path, capsys, extra, message):
    scn, data = tiny
    argv = ["calibrate", str(scn), "--data", str(data), *[a.replace("{tmp}", str(tmp_path)) for a in extra]]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and message in err, err


def test_scheduler_uses_pyabcs_dask_sampler(tiny, tmp_path):
    """``--scheduler ADDR``: particles are simulated on a dask cluster (one worker process)."""
    import logging

    distributed = pytest.importorskip("distributed")
    scn, data = tiny
    setup = make_setup(scn, data, PRIORS, population=4, generations=1, n_cascades=8, min_size=1, seed=5)
    with distributed.LocalCluster(host="127.0.0.1", n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=logging.CRITICAL) as cluster:
        res = run_abc(setup, tmp_path, scheduler=cluster.scheduler_address, progress=False)
    assert len(res.posterior) == 4 and res.posterior["messages.0.virality"].between(0.3, 4).all()
    assert res.generations["samples"].iloc[0] >= 4


def test_resume_refuses_a_changed_setup(tiny, tmp_path, capsys):
    scn, data = tiny
    out = tmp_path / "cal"
    base = ["calibrate", str(scn), "--data", str(data), "--quick", "--population", "4", "--generations", "1",
            "--cascades", "6", "--min-size", "1", "--out", str(out), "--draws", "1"]
    assert main([*base, "--param", PRIORS[0]]) == 0
    assert main([*base, "--param", "messages.0.virality=0.3..5", "--resume"]) == 2
    assert "different hi" in capsys.readouterr().err
    assert main([*base[:-2], "--draws", "1", "--param", PRIORS[0], "--resume"]) == 0
