"""Bimodal crisis outcomes (issue 16 item 3): P(spread) and reach if it spreads.

Exact on hand-made run tables; one tiny crisis run checks that the runs table,
summary.json, summary.md and outlook.csv carry them.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from sim.model.crisis import SPREAD_MIN_SHARES
from sim.report.outlook import crisis_outlook


def _runs() -> pd.DataFrame:
    return pd.DataFrame({
        "variant": ["A"] * 4 + ["B"] * 4,
        "replicate": [0, 1, 2, 3] * 2,
        "negative_shares": [1, 50, 10, 9, 1, 20, 30, 2],
        "negative_reach": [1, 500, 100, 90, 1, 200, 300, 20],
    })  # fmt: skip


def test_paired_spread_differences_exact():
    out = crisis_outlook(_runs()).set_index("setting")
    # spread indicators: A = 0,1,1,0 ; B = 0,1,1,0 -> identical
    assert out.loc["B", "p_spread_diff"] == 0.0
    # both spread in replicates 1 and 2: (200 - 500 + 300 - 100) / 2
    assert out.loc["B", "reach_if_spread_diff"] == pytest.approx(-50.0)
    assert math.isnan(out.loc["A"].get("p_spread_diff", math.nan))
    runs = _runs()
    runs.loc[(runs.variant == "B") & (runs.replicate == 3), "negative_shares"] = 40
    out = crisis_outlook(runs).set_index("setting")
    assert out.loc["B", "p_spread_diff"] == pytest.approx(0.25)
    assert out.loc["B", "p_spread"] == 0.75


def test_crisis_run_carries_spread_columns(tmp_path):
    from sim.report.summary import build_summary, summary_markdown
    from sim.run.replicates import run_variants

    scn = {
        "name": "tiny_crisis",
        "graph": {"kind": "scale_free", "n": 300, "mean_degree": 6},
        "crisis": {"start_h": 2, "strategy": "silence", "approval_delay_h": 1},
        "run": {"horizon_h": 24, "replicates": 3, "seed": 5},
        "variants": [{"name": "silence"}, {"name": "deny", "crisis.strategy": "deny"}],
    }
    rs = run_variants(scn, workers=1, progress=False)
    r = rs.runs
    spread = (r["negative_shares"] >= SPREAD_MIN_SHARES).astype(int)
    assert (r["negative_spread"] == spread).all()
    assert (r["negative_reach_if_spread"].isna() == (spread == 0)).all()
    s = build_summary(rs)
    assert s["spread_min_shares"] == SPREAD_MIN_SHARES
    assert [o["setting"] for o in s["outlook"]] == ["silence", "deny"]
    assert s["outlook"][0]["p_spread"] == pytest.approx(spread[r.variant == "silence"].mean())
    md = summary_markdown(rs, s)
    assert "## Does the complaint spread?" in md and "Δ P(spread) vs silence" in md
