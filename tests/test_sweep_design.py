"""Sweep specs and designs: parsing KEY=SPEC, grid / LHS / Sobol / Morris expansion."""

from __future__ import annotations

import math

import pytest

from sim.scenario.load import load_scenario
from sim.sweep.design import build_design, point_id
from sim.sweep.spec import (
    Bounds,
    Range,
    SweepSpecError,
    normalise_params,
    parse_param,
    resolve_specs,
)

BASE = {
    "name": "tiny",
    "graph": {"n": 500, "mean_degree": 5},
    "crisis": {"start_h": 2},
    "run": {"horizon_h": 48, "seed": 3, "replicates": 2},
}


@pytest.fixture(scope="module")
def scn():
    return load_scenario(BASE)


def specs(scn, params, method="grid"):
    return resolve_specs(scn, normalise_params(params), method)


# --- parsing: only explicit lists and ranges expand ----------------------------


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("k=1,4,8,24", (1, 4, 8, 24)),
        ("k=0.1:0.5:0.1", (0.1, 0.2, 0.3, 0.4, 0.5)),  # decimal steps, both ends included
        ("k=2:24:2", tuple(range(2, 25, 2))),
        ("k=5:1:-2", (5, 3, 1)),
        ("k=0:1:0.3", (0.0, 0.3, 0.6, 0.9)),  # the end is included only when reached
        ("k=true,false", (True, False)),
        ("k=apologize,deny", ("apologize", "deny")),
        ('k="apologize","deny"', ("apologize", "deny")),
        ("k=4", (4,)),
        ("k=0.5", (0.5,)),
        ('k="apologize"', ("apologize",)),
        ("k=apologize", ("apologize",)),
    ],
)
def test_lists_and_ranges_expand(text, values):
    p = parse_param(text)
    assert p.values == values
    assert [type(v) for v in p.values] == [type(v) for v in values]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('k="apologize,deny"', "apologize,deny"),  # a quoted string is never split
        ('k="0.1:0.5:0.1"', "0.1:0.5:0.1"),  # nor read as a range
        ('k="1..2"', "1..2"),  # nor as bounds
        ("k=http://example.org:80/x", "http://example.org:80/x"),
        ("k=[1,2,3]", [1, 2, 3]),  # a TOML array is one value
    ],
)
def test_strings_and_arrays_never_split(text, value):
    p = parse_param(text)
    assert p.values == (value,)
    assert p.fixed


def test_api_mapping_expands_only_lists():
    ps = normalise_params(
        {"a": [1, 2, 3], "b": "x,y", "c": (1, 2), "d": Range(0, 1, 0.5), "e": Bounds(0, 2),
         "f": [[1, 2], [3]]}
    )  # fmt: skip
    by = {p.key: p for p in ps}
    assert by["a"].values == (1, 2, 3)
    assert by["b"].values == ("x,y",)  # strings in the API are values, never specs
    assert by["c"].values == ([1, 2],)  # a tuple is one value
    assert by["d"].values == (0.0, 0.5, 1.0)
    assert (by["e"].kind, by["e"].lo, by["e"].hi) == ("bounds", 0, 2)
    assert by["f"].values == ([1, 2], [3])


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("k", "KEY=SPEC"),
        ("k=", "no value"),
        ("k=1,,2", "empty value"),
        ("k=1,1.0", "listed twice"),
        ("k=0.1:0.5", "lo:hi:step"),
        ("k=1:2:0", "cannot be 0"),
        ("k=1:5:-1", "never gets"),
        ("k=2..1", "lo < hi"),
        ('k="x', "cannot read"),
    ],
)
def test_bad_specs(text, match):
    with pytest.raises(SweepSpecError, match=match):
        parse_param(text)


# --- checked against the schema -----------------------------------------------


@pytest.mark.parametrize(
    ("params", "method", "match"),
    [
        (["crisis.aproval_delay_h=1,2"], "grid", r"did you mean crisis\.approval_delay_h\?"),
        (["crisis.approval_delay_h=-2:4:2"], "grid", "out of range"),
        (["crisis.strategy=apologize,dney"], "grid", 'did you mean "deny"'),
        (["run.seed=1,2"], "grid", "cannot be swept"),
        (["run.replicates=1,2"], "grid", "--replicates"),
        (["crisis.virality=0.5..2"], "grid", "for --method lhs"),
        (["crisis.virality=0.5,1"], "sobol", "lists and ranges are for --method grid"),
        (["crisis.strategy=deny"], "lhs", "needs at least one"),
        (["graph.n=500.5..900"], "lhs", "integer"),
        (["messages.0.virality=1", "messages.topic.virality=2"], "grid", "already swept"),
    ],
)
def test_specs_checked_against_schema(scn, params, method, match):
    with pytest.raises(SweepSpecError, match=match):
        specs(scn, params, method)


def test_error_is_one_line(scn):
    with pytest.raises(SweepSpecError) as exc:
        specs(scn, ["crisis.aproval_delay_h=1,2"])
    assert "\n" not in str(exc.value)
    assert str(exc.value).startswith("--param crisis.aproval_delay_h=1,2: unknown key")


# --- expansion ----------------------------------------------------------------------


def test_grid_is_the_product_first_param_slowest(scn):
    d = build_design(specs(scn, ["crisis.approval_delay_h=1,4,8", "crisis.virality=0.5:1.5:0.5",
                                 "crisis.strategy=deny"]))  # fmt: skip
    assert d.n_rows == d.n_points == 9
    assert d.table["crisis.approval_delay_h"].tolist() == [1] * 3 + [4] * 3 + [8] * 3
    assert d.table["crisis.virality"].tolist() == [0.5, 1.0, 1.5] * 3
    assert set(d.table["crisis.strategy"]) == {"deny"}
    assert d.swept == ["crisis.approval_delay_h", "crisis.virality"]
    assert d.table["point_id"].is_unique


def test_point_ids_are_stable_hashes_of_the_overrides():
    a = point_id({"x": 1, "y": 0.5})
    assert a == point_id({"y": 0.5, "x": 1})  # key order does not matter
    assert a != point_id({"x": 1, "y": 0.25})
    assert a == "610c20dfa6f28aaf"  # pinned: resuming relies on ids that never change
    assert all(c in "0123456789abcdef" for c in a)


def test_lhs_counts_and_bounds(scn):
    ps = specs(scn, ["crisis.approval_delay_h=0..24", "graph.n=500..520", "crisis.strategy=deny"],
               "lhs")  # fmt: skip
    d = build_design(ps, "lhs", samples=40, seed=1)
    assert d.n_rows == 40
    delay = d.table["crisis.approval_delay_h"]
    assert delay.between(0, 24).all()
    # Latin hypercube: one sample in each of the 40 strata of the range
    strata = sorted((delay / 24 * 40).astype(int).clip(upper=39))
    assert strata == list(range(40))
    n = d.table["graph.n"]
    assert n.dtype.kind == "i" and n.between(500, 520).all()
    assert {500, 520} <= set(n)  # integer ends are reached
    # the same seed gives the same sample; another seed another
    assert build_design(ps, "lhs", samples=40, seed=1).table.equals(d.table)
    assert not build_design(ps, "lhs", samples=40, seed=2).table.equals(d.table)


@pytest.mark.parametrize("d_params", [1, 2, 3])
def test_sobol_counts(scn, d_params):
    keys = ["crisis.approval_delay_h=0..24", "crisis.virality=0.5..2", "crisis.underdog_strength=0..1"]
    ps = specs(scn, keys[:d_params], "sobol")
    d = build_design(ps, "sobol", samples=16, seed=0)
    expected = 16 * (2 * d_params + 2) if d_params >= 2 else 16 * (d_params + 2)
    assert d.n_rows == expected
    for k, lo, hi in [("crisis.approval_delay_h", 0, 24), ("crisis.virality", 0.5, 2),
                      ("crisis.underdog_strength", 0, 1)][:d_params]:  # fmt: skip
        assert d.table[k].between(lo, hi).all()
    # Saltelli rows that coincide (AB_i = BA_j for D = 2) are one point, run once
    assert d.n_points <= d.n_rows
    assert d.table.groupby("point")["point_id"].nunique().eq(1).all()


def test_sobol_needs_power_of_two_and_morris_counts(scn):
    ps = specs(scn, ["crisis.approval_delay_h=0..24", "crisis.virality=0.5..2"], "sobol")
    with pytest.raises(SweepSpecError, match="power of two"):
        build_design(ps, "sobol", samples=100)
    with pytest.raises(SweepSpecError, match="--samples N"):
        build_design(ps, "sobol")
    d = build_design(ps, "morris", samples=5, levels=4, seed=0)
    assert d.n_rows == 5 * 3
    assert d.X.shape == (15, 2)
    with pytest.raises(SweepSpecError, match="not grid"):
        build_design(specs(scn, ["crisis.virality=1,2"]), "grid", samples=4)


def test_fixed_values_apply_at_every_sampled_point(scn):
    ps = specs(scn, ["crisis.strategy=deny", "crisis.virality=0.5..2"], "lhs")
    d = build_design(ps, "lhs", samples=8)
    assert set(d.table["crisis.strategy"]) == {"deny"}
    assert d.swept == ["crisis.virality"]
    for _i, _pid, ov in d.points():
        assert ov["crisis.strategy"] == "deny" and 0.5 <= ov["crisis.virality"] <= 2


def test_range_count_is_exact():
    p = parse_param("k=0:1:0.1")
    assert len(p.values) == 11 and p.values[3] == 0.3  # not 0.30000000000000004
    assert math.isclose(sum(p.values), 5.5)
