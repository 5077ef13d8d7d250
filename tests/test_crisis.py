"""Crisis rules: response timing and strategies, monitoring, the underdog bonus,
the cover-up of deleted posts, outputs and costs; fast vs reference engine.

Setting (the issue's): a 3,000-account scale-free graph with the brand's 500
fans; the complaint starts at hour 24 from a small customer account, active
monitoring, approval delay 4 h, justified, apology. The complaint is made viral
enough to spread: ``crisis.virality = 2.0`` (default 0.9, at which most
complaints die within a few shares). Comparisons use paired seeds (same graph,
population, complainer and draws until the strategies diverge) and a one-sided
sign test at level 0.001.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from scipy import stats as st

import sim
from sim.api import build_model
from sim.model.crisis import underdog_bonus
from sim.model.outputs import collect_result

BASE = {
    "graph": {"kind": "scale_free", "n": 3000, "mean_degree": 10},
    "crisis": {
        "start_h": 24,
        "origin": "customer",
        "justified": True,
        "monitoring": "active",
        "approval_delay_h": 4,
        "strategy": "apologize",
        "virality": 2.0,
    },
    "run": {"horizon_h": 168},
}
SEEDS = range(100)


def crisis(**kw) -> dict:
    cfg = copy.deepcopy(BASE)
    run = kw.pop("run", None)
    cfg["crisis"].update(kw)
    if run:
        cfg["run"].update(run)
    return cfg


def paired_less(summaries, cfg_a, cfg_b, key="negative_reach", seeds=SEEDS):
    """Sign test that ``key`` is lower under cfg_a than cfg_b (paired seeds)."""
    a = summaries(cfg_a, seeds, [key])[key]
    b = summaries(cfg_b, seeds, [key])[key]
    d = b - a
    d = d[np.isfinite(d) & (d != 0)]
    n_less = int((d > 0).sum())
    p = st.binomtest(n_less, d.size, 0.5, alternative="greater").pvalue
    return a, b, n_less, d.size, p


def test_earlier_apology_less_negative_reach(summaries):
    """Apology after 1 h of approval vs 24 h: lower negative reach (sign test
    p < 0.001, and lower mean)."""
    a, b, k, n, p = paired_less(summaries, crisis(approval_delay_h=1), crisis(approval_delay_h=24))
    assert p < 1e-3 and a.mean() < b.mean(), (k, n, a.mean(), b.mean())


def test_deny_justified_backfires(summaries):
    """Justified complaint: denying gives more negative reach than silence (p < 0.001)."""
    silence, deny, k, n, p = paired_less(
        summaries, crisis(strategy="silence"), crisis(strategy="deny")
    )
    assert p < 1e-3 and deny.mean() > silence.mean(), (k, n, silence.mean(), deny.mean())


def test_deny_unjustified_works(summaries):
    """Unjustified complaint: denying gives less negative reach than silence (p < 0.001)."""
    deny, silence, k, n, p = paired_less(
        summaries,
        crisis(strategy="deny", justified=False),
        crisis(strategy="silence", justified=False),
    )
    assert p < 1e-3 and deny.mean() < silence.mean(), (k, n, deny.mean(), silence.mean())


def test_underdog_bonus_raises_complaint_reach(summaries):
    """underdog_strength 1.0 vs 0: more negative reach (p < 0.001)."""
    none, strong, k, n, p = paired_less(
        summaries, crisis(underdog_strength=0.0), crisis(underdog_strength=1.0)
    )
    assert p < 1e-3 and strong.mean() > none.mean(), (k, n, none.mean(), strong.mean())


def test_underdog_bonus_formula():
    """Exact: the complaint's bonus is 1 + u * max(0, log10((F_brand + 1)/(F_origin + 1)))
    with the model's follower counts, and it multiplies the complaint's base hazard."""
    for u in (0.0, 0.3, 1.0):
        model = build_model(crisis(underdog_strength=u), seed=2)
        plan = model.crisis_plan
        fc = model.population.graph.follower_count()
        expected = 1.0 + u * max(
            0.0, np.log10((fc[model.population.brand_node] + 1) / (fc[plan.origin] + 1))
        )
        assert plan.bonus == pytest.approx(expected, rel=1e-12)
        assert underdog_bonus(int(fc[plan.origin]), int(fc[plan.origin]), u) == 1.0
        start = BASE["crisis"]["start_h"]
        hz = model.messages.base_hazard(start)[plan.i_complaint]
        assert hz == pytest.approx(BASE["crisis"]["virality"] * 1.0 * expected, rel=1e-12)


def test_active_monitoring_detects_earlier(summaries):
    """detected_h: active listening (5 shares) vs passive (a KOL share or 50
    shares), paired; a complaint never detected counts as detected after the
    horizon. Active is earlier: sign test p < 0.001; active never later on
    average."""
    key = "detected_h"
    act = summaries(crisis(monitoring="active"), SEEDS, [key])[key]
    pas = summaries(crisis(monitoring="passive"), SEEDS, [key])[key]
    act = np.where(np.isnan(act), np.inf, act)
    pas = np.where(np.isnan(pas), np.inf, pas)
    both_never = np.isinf(act) & np.isinf(pas)  # never detected by either: dropped
    d = pas[~both_never] - act[~both_never]
    d = d[d != 0]
    n_earlier = int((d > 0).sum())
    assert st.binomtest(n_earlier, d.size, 0.5, alternative="greater").pvalue < 1e-3
    both = np.isfinite(act) & np.isfinite(pas)
    assert both.sum() >= 30 and act[both].mean() < pas[both].mean()


@pytest.mark.slow
def test_delete_discovery_is_exponential(summaries):
    """Strategy delete at the documented default rate (discovery_rate_per_h = 0.05,
    mean 20 h). From the response (deletion) at step R, the brand's check each
    step discovers with probability q = 1 - exp(-rate * dt), so the time from
    deletion to coverup_h is dt * D with D ~ Geometric on {0, 1, ...}: exactly
    floor(T / dt) for T ~ Exp(rate) (mean dt / (exp(rate dt) - 1) = 19.5 h).
    Offset: coverup_h and response_time_h are both measured from the complaint's
    start, so their difference is the time since deletion.

    300 runs, 7-day horizon after the start (censoring below 1e-4 per run): KS
    test of the randomised PIT of D against U(0, 1) (exact for a discrete law),
    p > 0.001; mean within 4 standard errors of the exact mean; every discovery
    launches the cover-up story (coverup_reach > 0).
    """
    rate, dt = 0.05, 1.0
    cfg = crisis(strategy="delete", discovery_rate_per_h=rate, run={"horizon_h": 24 + 220})
    keys = ["response_time_h", "coverup_h", "coverup_reach"]
    s = summaries(cfg, range(300), keys)
    responded = np.isfinite(s["response_time_h"])
    assert responded.sum() >= 150
    d_h = s["coverup_h"][responded] - s["response_time_h"][responded]
    assert np.isfinite(d_h).all(), "a deletion never discovered (censored)"
    assert (s["coverup_reach"][responded] > 0).all()
    assert np.isnan(s["coverup_h"][~responded]).all()
    k = np.round(d_h / dt).astype(int)
    assert np.allclose(k * dt, d_h) and (k >= 0).all()
    q = -np.expm1(-rate * dt)
    cdf = lambda x: np.where(x < 0, 0.0, 1.0 - (1.0 - q) ** (x + 1))
    u = np.random.default_rng(123).random(k.size)
    pit = cdf(k - 1) + u * (cdf(k) - cdf(k - 1))
    assert st.kstest(pit, "uniform").pvalue > 1e-3
    mean = dt * (1 - q) / q
    sd = dt * np.sqrt(1 - q) / q
    assert abs(d_h.mean() - mean) < 4 * sd / np.sqrt(k.size), (d_h.mean(), mean)


def test_outputs_and_costs_add_up():
    """Exact bookkeeping on finished runs (fast engine):

    * compensate: cost_compensation = compensation_per_customer x target customers
      aware of both the complaint and the response; cost = cost_compensation +
      cost_private_channel;
    * private_channel: cost = private_channel_cost x complainers (sharers);
    * silence: no cost;
    * negative_reach = accounts aware of the complaint or of the cover-up story;
    * with no sentiment impact anywhere, no customer is lost.
    """
    responded = 0
    for strategy in ("compensate", "private_channel", "silence", "delete"):
        cfg = crisis(
            strategy=strategy,
            compensation_per_customer=17.0,
            private_channel_cost=3.0,
            discovery_rate_per_h=0.2,
        )
        for seed in (0, 1, 3):
            model = build_model(cfg, seed=seed)
            model.run()
            summ = collect_result(model).summary
            eng, plan = model.engine, model.crisis_plan
            responded += plan.responded_step is not None
            assert summ["cost"] == pytest.approx(
                summ["cost_compensation"] + summ["cost_private_channel"]
            )
            if strategy == "compensate" and plan.responded_step is not None:
                affected = (
                    eng.is_aware(plan.i_complaint)
                    & eng.is_aware(plan.i_response)
                    & model.population.is_target
                )
                assert summ["cost_compensation"] == pytest.approx(17.0 * affected.sum())
                assert summ["cost_private_channel"] == 0.0
            elif strategy == "private_channel" and plan.responded_step is not None:
                assert summ["cost_private_channel"] == pytest.approx(
                    3.0 * eng.has_shared(plan.i_complaint).sum()
                )
                assert summ["cost_compensation"] == 0.0
            else:
                assert summ["cost"] == 0.0
            negative = eng.is_aware(plan.i_complaint)
            if plan.i_coverup >= 0:
                negative = negative | eng.is_aware(plan.i_coverup)
            assert summ["negative_reach"] == int(negative.sum())
    assert responded >= 8  # the cost rules were exercised
    calm = crisis(strategy="silence", sentiment_impact=0.0)
    for seed in (0, 1):
        summ = sim.simulate(calm, seed=seed).summary
        assert summ["negative_reach"] > 0 and summ["customers_lost"] == 0


@pytest.mark.parametrize("strategy", ["apologize", "deny", "delete", "compensate"])
def test_sentiment_stays_bounded(strategy):
    """Extreme impacts (complaint -1, apology/compensation +1, cover-up -1.5 capped):
    every account's sentiment stays in [-1, 1] and extremes are reached."""
    cfg = crisis(
        strategy=strategy,
        sentiment_impact=-1.0,
        apology_sentiment=1.0,
        compensation_sentiment=1.0,
        discovery_rate_per_h=0.3,
        approval_delay_h=1,
    )
    for seed in (0, 1):
        model = build_model(cfg, seed=seed)
        model.run()
        s = model.engine.sentiment
        assert np.all(s >= -1.0) and np.all(s <= 1.0)
        people = model.population.is_person
        assert s[people].min() < -0.9


@pytest.mark.slow
def test_fast_matches_reference_on_crisis():
    """Crisis rules (justified complaint, deny: backlash response, reply under the
    complaint, mood, underdog bonus) on 1,500 accounts (300 fans), 4-day horizon,
    150 replicates per engine on disjoint seeds: two-sample KS p > 0.01 on
    negative reach and on response reach; KS p > 0.001 on the final net
    sentiment index."""
    cfg = {
        "graph": {"kind": "scale_free", "n": 1500, "mean_degree": 10},
        "brand": {"fans": 300},
        "crisis": dict(BASE["crisis"], strategy="deny"),
        "run": {"horizon_h": 96},
    }
    keys = ["negative_reach", "response_reach", "nsi_final"]
    out = {}
    for engine, seed0 in (("fast", 0), ("reference", 1_000_000)):
        vals = {k: [] for k in keys}
        for s in range(seed0, seed0 + 150):
            summ = sim.simulate(cfg, seed=s, engine=engine).summary
            for k in keys:
                vals[k].append(summ[k])
        out[engine] = {k: np.asarray(v, float) for k, v in vals.items()}
    f, r = out["fast"], out["reference"]
    assert np.median(f["negative_reach"]) > 50  # the complaint does spread
    assert st.ks_2samp(f["negative_reach"], r["negative_reach"]).pvalue > 0.01
    assert st.ks_2samp(f["response_reach"], r["response_reach"]).pvalue > 0.01
    assert st.ks_2samp(f["nsi_final"], r["nsi_final"]).pvalue > 1e-3
