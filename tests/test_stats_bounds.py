"""Confidence intervals of counts stay in the possible range; few replicates warn
(issue #14, item 3)."""

from __future__ import annotations

import pandas as pd

from sim.analysis.stats import MIN_REPLICATES, describe, metric_bounds, summarise_runs


def test_count_interval_never_negative_with_two_replicates():
    """The issue's case: reach 1,192 [-13,935, 16,318] with -n 2."""
    runs = pd.DataFrame({"variant": "a", "replicate": [0, 1], "negative_reach": [2, 2382],
                         "nsi_final": [-0.95, 0.99]})
    d = summarise_runs(runs, ["negative_reach", "nsi_final"])["describe"]["a"]
    assert d["negative_reach"]["ci_low"] >= 0
    assert d["negative_reach"]["ci_high"] > d["negative_reach"]["mean"]
    assert d["nsi_final"]["ci_low"] >= -1 and d["nsi_final"]["ci_high"] <= 1
    assert "warning" in d["negative_reach"]


def test_bounds_and_warning_rules():
    assert metric_bounds("reach", [0, 3]) == (0.0, float("inf"))
    assert metric_bounds("mean_sentiment_final", [0.1]) == (-1.0, 1.0)
    assert metric_bounds("x", [-1, 3])[0] == float("-inf")
    assert "warning" not in describe(range(MIN_REPLICATES))
    wide = describe([0, 0, 0, 100], (0.0, float("inf")))
    assert wide["ci_low"] == 0.0 and "warning" in wide


def test_proportions_are_cut_to_zero_one():
    """P(spread) over 6 runs (a Student-t interval would reach past 1, as the
    workbench's "negative spread" panel showed): cut to [0, 1]."""
    assert metric_bounds("negative_spread", [0, 1]) == (0.0, 1.0)
    runs = pd.DataFrame({"variant": "a", "negative_spread": [1, 1, 1, 1, 0, 1]})
    d = summarise_runs(runs, ["negative_spread"])["describe"]["a"]["negative_spread"]
    assert d["ci_low"] >= 0.0 and d["ci_high"] == 1.0
