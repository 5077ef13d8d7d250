"""Robust verdicts (issue 16 item 4): the design, and the grid on tiny graphs (seconds)."""

from __future__ import annotations

import itertools
import json

import pytest

from sim.checks.claims import CLAIMS, Check, judge, run_library
from sim.checks.robustness import GRID, QUICK_GRID, checked_variants, design_settings, judge_grid


def test_l9_is_an_orthogonal_array_containing_the_defaults():
    cells = [dict(s.overrides) for s in design_settings(GRID, "l9")]
    assert len(cells) == 9 and len({tuple(c.items()) for c in cells}) == 9
    keys = list(GRID)
    for a, b in itertools.combinations(keys, 2):  # every pair of levels exactly once
        pairs = [(c[a], c[b]) for c in cells]
        assert sorted(pairs, key=str) == sorted(itertools.product(GRID[a], GRID[b]), key=str)
    assert {"graph.n": 10_000, "graph.mean_degree": 10, "graph.kind": "scale_free"} in cells
    assert len(design_settings(GRID, "full")) == 27
    with pytest.raises(ValueError):
        design_settings(GRID, "l4")


def test_checked_variants_come_from_the_checks():
    checks = [Check("a", True, {"high": "x", "low": "y"}), Check("b", False, {"base": "y", "other": "z"})]
    assert checked_variants(checks) == ["y", "x", "z"]  # the compared-against variant first


def test_grid_cells_are_the_library_runs_in_that_setting(tmp_path):
    """A cell's runs (through buzzsim sweep) equal run_variants of the same setting,
    draw for draw, and the verdict is the library's rule applied to them."""
    from sim.run.replicates import run_variants
    from sim.scenario.variants import with_overrides

    f5 = next(c for c in CLAIMS if c.id == "F5")
    grid = {"graph.n": (600, 700, 800), "graph.mean_degree": (4, 5, 6), "graph.kind": QUICK_GRID["graph.kind"]}
    rs = run_variants("fake_followers", replicates=2, workers=1, progress=False)
    rob = judge_grid([f5], {"fake_followers": rs}, tmp_path / "rob", grid=grid, replicates=2, workers=1,
                     judge=judge)["F5"]
    assert rob["settings"] == 9 and 0 <= rob["holds_in"] <= 9
    assert rob["robust"] == (rob["holds_in"] == 9)
    assert rob["variants"] == ["5000 bought followers", "organic"] or set(rob["variants"]) == {
        "organic", "5000 bought followers"}
    cell = rob["cells"][4]
    over = {k: cell[k] for k in grid}
    scn = with_overrides(rs.scenario, over)
    direct = run_variants(scn, replicates=2, workers=1, progress=False, variants=rob["variants"]).runs
    assert judge(f5, direct)[0] == cell["verdict"]
    saved = json.loads((tmp_path / "rob" / "robustness.json").read_text())
    assert saved["F5"]["holds_in"] == rob["holds_in"]


def test_library_quick_writes_the_robustness_table(tmp_path):
    out = run_library(tmp_path / "lib", workers=1, quick=True, claims=["F5"], progress=False)
    readme = (out / "README.md").read_text()
    v = json.loads((out / "verdicts.json").read_text())["claims"][0]
    assert isinstance(v["robust"], bool) and v["robustness"]["settings"] == 9
    assert f"holds in **{v['robustness']['holds_in']} of 9**" in readme
    assert "| graph size | mean degree | kind | verdict | failed checks |" in readme


def test_crisis_table_shows_where_the_complaint_fizzles():
    from sim.checks.robustness import robustness_markdown

    cell = {"graph.n": 10_000, "graph.mean_degree": 6, "graph.kind": "small_world", "failed": ["x"],
            "underpowered": True}
    rob = {"holds_in": 1, "settings": 2, "design": "d", "replicates": 8, "variants": ["a", "b"],
           "underpowered_in": 1, "verdict_at_defaults": "holds", "flips": ["n=10,000, degree 6, small_world"],
           "cells": [{**cell, "setting": "n=10,000, degree 6, small_world", "verdict": "does not hold",
                      "p_spread": 0.1},
                     {**cell, "setting": "n=10,000, degree 15, communities", "graph.mean_degree": 15,
                      "graph.kind": "communities", "verdict": "holds", "p_spread": 0.9, "failed": [],
                      "underpowered": False}]}
    text = robustness_markdown("F2", rob)
    assert "| P(spread) |" in text
    assert "| 10,000 | 6 | small_world | 0.10 | does not hold (underpowered) | x |" in text
    assert "rarely spreads (n=10,000, degree 6, small_world)" in text
    rob["cells"] = [{k: v for k, v in c.items() if k != "p_spread"} for c in rob["cells"]]
    assert "P(spread)" not in robustness_markdown("F5", rob)
