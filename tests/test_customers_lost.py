"""``customers_lost`` counts target customers who fell below
``crisis.customer_lost_threshold`` during the run (docs/model.md, "Outputs"): a customer
whose sentiment later rises again stays lost, one who rises cancels nobody, so the
count is never negative and never falls (issue #14, item 1)."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.api import build_model

TINY = {
    "graph": {"kind": "scale_free", "n": 400, "mean_degree": 6},
    "crisis": {"start_h": 2, "strategy": "apologize", "virality": 2.0, "approval_delay_h": 1},
    "run": {"horizon_h": 24},
}


def _lost(eng) -> float:
    return float(eng.current_totals()[3] - eng.initial_totals[3])


@pytest.mark.parametrize("engine", ["fast", "reference"])
def test_lost_customers_stay_lost_and_risers_cancel_nobody(engine):
    """Exact on a tiny case: push every target customer under the threshold, then
    back up, then down again: the count is the number of target customers who started
    above the threshold, at every stage (before the fix it fell back to 0, and a
    customer rising from below made it negative)."""
    model = build_model(TINY, seed=3, engine=engine)
    eng, pop = model.engine, model.population
    thr = model.effective.crisis.customer_lost_threshold
    targets = np.flatnonzero(pop.is_target & pop.is_person)
    s0 = np.array([eng.sentiment[v] if hasattr(eng, "sentiment") else eng.accounts[v].sentiment for v in targets])
    above = int((s0 >= thr).sum())
    assert above > 10
    eng.shift_sentiment(targets, -1.0)  # everyone to -1
    assert _lost(eng) == above
    eng.shift_sentiment(targets, 1.0)  # everyone to +1: nobody is un-lost
    assert _lost(eng) == above
    eng.shift_sentiment(targets, -1.0)  # down again: counted once
    assert _lost(eng) == above


def test_risers_from_below_do_not_make_the_count_negative():
    """Customers starting below the threshold who rise: 0 lost, not minus them."""
    cfg = {**TINY, "crisis": {**TINY["crisis"], "customer_lost_threshold": 0.9}}
    model = build_model(cfg, seed=1)
    eng, pop = model.engine, model.population
    targets = np.flatnonzero(pop.is_target & pop.is_person)
    below = int((eng.sentiment[targets] < 0.9).sum())
    assert below > 10
    eng.shift_sentiment(targets, 1.0)
    assert _lost(eng) == 0


def test_customers_lost_never_negative_over_seeds():
    """Whole runs with a positive response: never negative, at most the target customers."""
    cfg = {**TINY, "crisis": {**TINY["crisis"], "apology_sentiment": 1.0, "sentiment_impact": -0.6}}
    for seed in range(6):
        res = sim.simulate(cfg, seed=seed)
        lost = res.summary["customers_lost"]
        assert lost >= 0
