"""Replicate statistics: t intervals, paired differences, run summaries."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

from sim.analysis.stats import (
    describe,
    effect_size,
    paired_difference,
    summarise_runs,
    welch_difference,
)


@pytest.fixture(autouse=True)
def _warnings_are_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


# ---------------------------------------------------------------------- describe


def test_describe_small_exact():
    d = describe([1.0, 2.0, 3.0, np.nan])
    assert d["n"] == 3 and d["mean"] == 2.0 and d["sd"] == 1.0
    half = st.t.ppf(0.975, 2) / math.sqrt(3)
    assert d["ci_low"] == pytest.approx(2.0 - half, rel=1e-12)
    assert d["ci_high"] == pytest.approx(2.0 + half, rel=1e-12)
    assert d["p5"] == pytest.approx(1.1) and d["p95"] == pytest.approx(2.9)
    assert isinstance(d["n"], int) and all(isinstance(d[k], float) for k in d if k not in ("n", "warning"))


def test_describe_degenerate():
    one = describe([4.0])
    assert one["n"] == 1 and one["mean"] == 4.0 and one["p5"] == one["p95"] == 4.0
    assert math.isnan(one["sd"]) and math.isnan(one["ci_low"]) and math.isnan(one["ci_high"])
    for empty in ([], [np.nan, np.nan]):
        e = describe(empty)
        assert e["n"] == 0 and all(math.isnan(e[k]) for k in e if k != "n")
    const = describe([2.5] * 5)
    assert const["sd"] == 0.0 and const["ci_low"] == const["ci_high"] == 2.5


def test_t_interval_coverage_on_normal_data():
    rng = np.random.default_rng(20240611)
    mu, n_sets = 3.0, 2000
    hits = 0
    for i in range(n_sets):
        n = 4 + i % 17  # small and moderate samples: 4..20
        d = describe(rng.normal(mu, 2.0, size=n))
        hits += d["ci_low"] <= mu <= d["ci_high"]
    assert abs(hits / n_sets - 0.95) <= 0.015


# ------------------------------------------------------------- paired differences


def test_paired_difference_exact():
    a, b = [1.0, 2.0, 3.0], [2.0, 4.0, 6.0]  # d = 1, 2, 3
    r = paired_difference(a, b)
    assert r["n"] == 3 and r["mean"] == 2.0 and r["sd"] == 1.0
    half = st.t.ppf(0.975, 2) / math.sqrt(3)
    assert r["ci_low"] == pytest.approx(2.0 - half, rel=1e-12)
    assert r["ci_high"] == pytest.approx(2.0 + half, rel=1e-12)
    assert r["p_value"] == pytest.approx(st.ttest_rel(b, a).pvalue, rel=1e-10)
    assert r["effect_size"] == 2.0 == effect_size(a, b)


def test_paired_difference_identical_is_exactly_zero():
    x = np.random.default_rng(1).lognormal(size=20)
    r = paired_difference(x, x.copy())
    assert r["mean"] == 0.0 and r["ci_low"] == 0.0 and r["ci_high"] == 0.0
    assert r["p_value"] == 1.0 and r["effect_size"] == 0.0 and r["sd"] == 0.0


def test_paired_difference_constant_shift():
    r = paired_difference([1.0, 5.0, 9.0], [3.0, 7.0, 11.0])
    assert r["mean"] == r["ci_low"] == r["ci_high"] == 2.0
    assert r["p_value"] == 0.0 and r["effect_size"] == math.inf


def test_paired_difference_nan_pairs_dropped_and_small_n():
    r = paired_difference([1.0, np.nan, 3.0, 4.0], [2.0, 5.0, np.nan, 6.0])  # d = 1, 2
    assert r["n"] == 2 and r["mean"] == 1.5
    one = paired_difference([1.0], [3.0])
    assert one["mean"] == 2.0 and math.isnan(one["ci_low"]) and math.isnan(one["p_value"])
    assert paired_difference([], [])["n"] == 0
    with pytest.raises(ValueError, match="equal lengths"):
        paired_difference([1, 2], [1, 2, 3])


def test_paired_diff_agrees_with_scipy_on_random_data():
    rng = np.random.default_rng(7)
    a = rng.normal(10, 3, 30)
    b = a + rng.normal(0.5, 1, 30)
    r = paired_difference(a, b)
    res = st.ttest_rel(b, a)
    ci = res.confidence_interval(0.95)
    assert r["p_value"] == pytest.approx(res.pvalue, rel=1e-9)
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((ci.low, ci.high), rel=1e-9)


def test_welch_difference_against_scipy():
    rng = np.random.default_rng(3)
    a, b = rng.normal(0, 1, 15), rng.normal(1, 2, 25)
    r = welch_difference(a, b)
    res = st.ttest_ind(b, a, equal_var=False)
    assert r["mean"] == pytest.approx(b.mean() - a.mean())
    assert r["p_value"] == pytest.approx(res.pvalue, rel=1e-9)
    ci = res.confidence_interval(0.95)
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((ci.low, ci.high), rel=1e-9)
    same = welch_difference([2.0, 2.0], [2.0, 2.0])
    assert same["mean"] == 0.0 and same["ci_low"] == same["ci_high"] == 0.0


# ---------------------------------------------------------------- summarise_runs


def _runs() -> pd.DataFrame:
    rows = []
    for rep in range(4):
        base = 100.0 + 10 * rep
        rows.append({"variant": "A", "replicate": rep, "reach": base, "cost": 1.0})
        rows.append({"variant": "B", "replicate": rep, "reach": base + rep, "cost": np.nan})
        rows.append({"variant": "C", "replicate": rep, "reach": base, "cost": 1.0})
    df = pd.DataFrame(rows)
    return df.sample(frac=1.0, random_state=0).reset_index(drop=True)  # order must not matter


def test_summarise_runs_structure_and_pairing():
    df = _runs()
    s = summarise_runs(df, ["reach", "cost"])
    assert s["baseline"] == str(df["variant"].iloc[0])  # first in order of appearance
    s = summarise_runs(df, ["reach", "cost"], baseline="A")
    assert s["variants"] == [str(v) for v in pd.unique(df["variant"])]
    assert set(s["describe"]) == {"A", "B", "C"} and set(s["difference"]) == {"B", "C"}
    assert s["paired"] is True and s["by"] == "variant"
    assert s["describe"]["A"]["reach"]["mean"] == 115.0
    db = s["difference"]["B"]["reach"]
    exp = paired_difference([0, 1, 2, 3], [0, 2, 4, 6])
    assert db["mean"] == 1.5 and db["ci_low"] == pytest.approx(exp["ci_low"])
    assert db["p_value"] == pytest.approx(exp["p_value"])
    # identical variant: exactly zero
    dc = s["difference"]["C"]["reach"]
    assert dc["mean"] == 0.0 and dc["ci_low"] == 0.0 and dc["ci_high"] == 0.0
    assert dc["p_value"] == 1.0
    # all-NaN metric → None, and the whole thing is strict JSON
    assert s["describe"]["B"]["cost"]["mean"] is None
    assert s["difference"]["B"]["cost"]["n"] == 0
    json.loads(json.dumps(s, allow_nan=False))


def test_summarise_runs_other_grouping_and_errors():
    df = _runs().rename(columns={"variant": "strategy"})
    s = summarise_runs(df, ["reach"], by="strategy", baseline="C")
    assert s["baseline"] == "C" and set(s["difference"]) == {"A", "B"}
    with pytest.raises(ValueError, match="baseline"):
        summarise_runs(df, ["reach"], by="strategy", baseline="Z")
    with pytest.raises(ValueError, match="metric"):
        summarise_runs(df, ["nope"], by="strategy")
    dup = pd.concat([df, df.iloc[:1]])
    with pytest.raises(ValueError, match="more than once"):
        summarise_runs(dup, ["reach"], by="strategy")


def test_summarise_runs_without_replicate_or_variant():
    df = _runs()
    s = summarise_runs(df.drop(columns="replicate"), ["reach"], baseline="A")
    assert s["paired"] is False
    assert s["difference"]["C"]["reach"]["mean"] == 0.0
    single = summarise_runs(df[df["variant"] == "A"].drop(columns="variant"), ["reach"])
    assert single["variants"] == ["all"] and single["difference"] == {}
    assert single["describe"]["all"]["reach"]["n"] == 4
    json.dumps(single, allow_nan=False)


def test_differences_of_an_index_are_not_percentages():
    """summary.md wrote the change of the net sentiment index as "+1287 %" of a
    near-zero baseline; it is an absolute difference now, counts stay percentages."""
    from sim.report.summary import describe_difference

    diff = {"mean": 0.274, "ci_low": 0.141, "ci_high": 0.408, "sd": 0.1, "p_value": 0.001}
    assert "%" not in describe_difference(diff, {"mean": 0.0213}, "nsi_final").split("95 % CI")[0]
    reach = describe_difference({"mean": -1375.0, "ci_low": -2095.0, "ci_high": -655.0, "sd": 900.0,
                                 "p_value": 0.001}, {"mean": 2693.0}, "negative_reach")
    assert "-51 %" in reach
