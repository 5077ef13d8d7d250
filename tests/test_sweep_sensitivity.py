"""Sensitivity analysis: SALib's Ishigami function, ignored parameters, sweeps."""

from __future__ import annotations

import json

import numpy as np
import pytest
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample
from SALib.test_functions import Ishigami

from sim.sweep import run_sweep
from sim.sweep.sensitivity import format_table, morris_indices, sobol_indices

#: Analytic Sobol indices of the Ishigami function (a = 7, b = 0.1).
ISHIGAMI_S1 = [0.3139, 0.4424, 0.0]
ISHIGAMI_ST = [0.5576, 0.4424, 0.2437]

TINY = {
    "name": "tiny",
    "graph": {"n": 600, "mean_degree": 6},
    "messages": [{"name": "buzz", "topic": "hot_topic", "n_origins": 3}],
    "run": {"horizon_h": 48, "seed": 5, "replicates": 1},
}


def ishigami_problem(extra: int = 0):
    names = ["x1", "x2", "x3"] + [f"dummy{i}" for i in range(extra)]
    return {"num_vars": len(names), "names": names, "bounds": [[-np.pi, np.pi]] * len(names)}


def test_sobol_indices_of_ishigami_match_the_known_values():
    problem = ishigami_problem()
    X = sobol_sample.sample(problem, 1024, seed=7)
    t = sobol_indices(problem, Ishigami.evaluate(X), seed=7)
    assert list(t.columns) == ["param", "S1", "S1_conf", "ST", "ST_conf"]
    np.testing.assert_allclose(t["S1"], ISHIGAMI_S1, atol=0.04)
    np.testing.assert_allclose(t["ST"], ISHIGAMI_ST, atol=0.04)
    # the known values lie within the reported confidence intervals (with some slack)
    assert (abs(t["S1"] - ISHIGAMI_S1) <= 2 * t["S1_conf"]).all()
    assert (abs(t["ST"] - ISHIGAMI_ST) <= 2 * t["ST_conf"]).all()
    assert (t["S1_conf"] > 0).all() and (t["ST_conf"] > 0).all()


def test_an_input_the_function_ignores_gets_zero_indices():
    problem = ishigami_problem(extra=1)
    X = sobol_sample.sample(problem, 512, seed=3)
    t = sobol_indices(problem, Ishigami.evaluate(X[:, :3]), seed=3).set_index("param")
    assert abs(t.loc["dummy0", "S1"]) < 0.02 and abs(t.loc["dummy0", "ST"]) < 0.02
    np.testing.assert_allclose(t.loc[["x1", "x2", "x3"], "ST"], ISHIGAMI_ST, atol=0.06)


def test_morris_ranks_ishigami_and_ignores_the_dummy():
    problem = ishigami_problem(extra=1)
    X = morris_sample.sample(problem, 40, num_levels=4, seed=2)
    t = morris_indices(problem, X, Ishigami.evaluate(X[:, :3]), levels=4, seed=2).set_index("param")
    assert t.loc["dummy0", "mu_star"] == 0.0 and t.loc["dummy0", "sigma"] == 0.0
    assert (t.loc[["x1", "x2", "x3"], "mu_star"] > 0.5).all()
    assert "mu*" in format_table(t.reset_index().assign(metric="y"), "morris")


def test_constant_output_gives_undefined_indices_not_an_error():
    problem = ishigami_problem()
    X = sobol_sample.sample(problem, 16, seed=0)
    t = sobol_indices(problem, np.ones(len(X)))
    assert t[["S1", "ST"]].isna().all().all()


def test_sobol_sweep_parameter_the_model_ignores_gets_zero(tmp_path):
    """analysis.ignition moves the detected ignition time, never the reach."""
    res = run_sweep(
        TINY,
        ["messages.0.virality=0.3..1.2", "analysis.ignition=0.01..0.2"],
        method="sobol", samples=8, scheduler="serial", out=tmp_path / "s", progress=False,
        metrics=["reach", "t_ignition_h"],
    )  # fmt: skip
    d = res.design
    assert d.n_rows == 8 * (2 * 2 + 2)
    t = res.sensitivity.set_index(["metric", "param"])
    ign = t.loc[("reach", "analysis.ignition")]
    assert ign["S1"] == 0.0 and ign["ST"] == 0.0  # common random numbers: exactly no effect
    vir = t.loc[("reach", "messages.0.virality")]
    assert vir["ST"] > 0.5 and vir["S1"] > 0.5
    assert t.loc[("t_ignition_h", "analysis.ignition"), "ST"] > 0.0
    f = res.folder
    assert {"sensitivity.csv", "sensitivity.json", "sensitivity.png"} <= {p.name for p in f.iterdir()}
    data = json.loads((f / "sensitivity.json").read_text())
    assert data["method"] == "sobol" and len(data["indices"]) == 4


def test_morris_sweep_end_to_end(tmp_path):
    res = run_sweep(
        TINY,
        ["messages.0.virality=0.3..1.2", "analysis.ignition=0.01..0.2"],
        method="morris", samples=3, scheduler="serial", out=tmp_path / "m", progress=False,
        metrics=["reach"],
    )  # fmt: skip
    assert res.design.n_rows == 3 * 3
    t = res.sensitivity.set_index("param")
    assert t.loc["analysis.ignition", "mu_star"] == 0.0
    assert t.loc["messages.0.virality", "mu_star"] > 0.0
    assert "sensitivity.png" in res.figures and "scatter-reach.png" in res.figures


@pytest.mark.parametrize("method", ["lhs"])
def test_lhs_sweep_writes_scatter(tmp_path, method):
    res = run_sweep(TINY, ["messages.0.virality=0.3..1.2"], method=method, samples=4,
                    scheduler="serial", out=tmp_path / "l", progress=False)  # fmt: skip
    assert res.sensitivity is None and res.points_total == 4
    assert "scatter-reach.png" in res.figures
