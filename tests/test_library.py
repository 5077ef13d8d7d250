"""The claim library (sim.checks.claims): verdict rules on synthetic runs, and a quick
end-to-end run of two claims that writes README.md, verdicts.json and figures."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sim.checks.claims import CLAIMS, judge, run_library
from sim.scenario.load import find_scenario, load_scenario


def synthetic(variants: dict[str, dict[str, list[float]]]) -> pd.DataFrame:
    rows = []
    for v, metrics in variants.items():
        n = len(next(iter(metrics.values())))
        for r in range(n):
            rows.append({"variant": v, "replicate": r, **{m: vals[r] for m, vals in metrics.items()}})
    return pd.DataFrame(rows)


def claim(cid):
    return next(c for c in CLAIMS if c.id == cid)


def test_every_claim_has_a_library_scenario_with_its_variants():
    assert [c.id for c in CLAIMS] == [f"F{i}" for i in range(1, 11)]
    for c in CLAIMS:
        scn = load_scenario(find_scenario(c.scenario))
        assert scn.variants, c.id
        assert c.rule and c.claim


def test_f4_rule_follows_the_numbers():
    rng = np.random.default_rng(0)
    noise = lambda: list(rng.normal(0, 1, 10))
    holds = synthetic({
        "ads twice a day": {"unfollows": [100 + x for x in noise()], "brand_shares": [40 + x for x in noise()]},
        "fun content": {"unfollows": [0.0] * 10, "brand_shares": [200 + x for x in noise()]},
    })
    verdict, checks = judge(claim("F4"), holds)
    assert verdict == "holds" and all(c.passed for c in checks)
    fails = holds.copy()
    fails.loc[fails["variant"] == "fun content", "brand_shares"] = 40.0
    verdict, checks = judge(claim("F4"), fails)
    assert verdict == "does not hold" and [c.passed for c in checks] == [True, False]


def test_f10_rule_follows_the_numbers():
    """F10 holds when Weibo reaches most, the forum lives longest, WeChat service is no
    worse (within 10 %), and the integrated campaign (same paid posts) beats the best single one;
    each condition failing alone flips the verdict."""
    rng = np.random.default_rng(1)
    noise = lambda: list(rng.normal(0, 1, 8))

    def variant(reach, life, neg, posts=30.0):
        return {"reach_people": [reach + x for x in noise()], "lifetime_h": [life + x for x in noise()],
                "negative_reach": [neg + x for x in noise()], "origin_posts": [posts] * 8}

    good = {"weibo only": variant(1000, 30, 500), "wechat only": variant(600, 20, 500),
            "forum only": variant(800, 50, 500), "integrated": variant(1200, 40, 500, 31.0),
            "wechat service": variant(1000, 30, 500)}
    verdict, checks = judge(claim("F10"), synthetic(good))
    assert verdict == "holds", [c.what for c in checks if not c.passed]
    for name, over in [("wechat service", variant(1000, 30, 700)), ("integrated", variant(900, 40, 500, 31.0)),
                       ("integrated", variant(1200, 40, 500, 45.0)), ("forum only", variant(800, 25, 500)),
                       ("wechat only", variant(1100, 20, 500))]:
        verdict, _ = judge(claim("F10"), synthetic({**good, name: over}))
        assert verdict == "does not hold", name


def test_f5_rule_needs_unchanged_reach():
    base = {"followers_total": [500.0] * 5, "brand_reach": [600.0, 610, 590, 620, 580],
            "engagement_rate": [0.05, 0.06, 0.05, 0.04, 0.05]}
    bots = {"followers_total": [5500.0] * 5, "brand_reach": base["brand_reach"],
            "engagement_rate": [x / 11 for x in base["engagement_rate"]]}
    runs = synthetic({"organic": base, "5000 bought followers": bots})
    assert judge(claim("F5"), runs)[0] == "holds"
    bots2 = dict(bots, brand_reach=[x * 1.2 for x in base["brand_reach"]])
    assert judge(claim("F5"), synthetic({"organic": base, "5000 bought followers": bots2}))[0] == "does not hold"


def test_run_library_quick(tmp_path):
    out = run_library(tmp_path / "library", workers=2, quick=True, claims=["F5", "F9"], progress=False, robust=False)
    readme = (out / "README.md").read_text()
    verdicts = json.loads((out / "verdicts.json").read_text())
    assert [c["id"] for c in verdicts["claims"]] == ["F5", "F9"]
    for c in verdicts["claims"]:
        assert c["verdict"] in ("holds", "does not hold")
        assert c["rule"] and c["checks"] and c["numbers"]
        assert (out / c["figure"]).stat().st_size > 10_000
        assert f"## {c['id']} — {c['verdict'].upper()}" in readme
        assert c["rule"] in readme
    f5 = verdicts["claims"][0]
    assert f5["verdict"] == "holds"  # bots change nothing real: exact under common random numbers
    assert f5["numbers"]["5000 bought followers"]["followers_total"]["mean"] == pytest.approx(5500)
    assert (out / "runs" / "fake_followers.csv").exists()
