"""Campaign tactics (sim.model.tactics): directional tests with paired seeds, exact
rules on tiny cases, budget accounting, and fast vs reference engine.

Setting: a 3,000-account scale-free graph with the brand's 500 fans unless said
otherwise. Paired comparisons run the same seeds under both configurations (same
graph, fans and draws until the tactic makes them differ) and use a one-sided
sign test.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from scipy import stats as st

import sim
from sim.api import build_model
from sim.errors import ScenarioError
from sim.model.kol_selection import kol_terms
from sim.model.outputs import collect_result
from sim.model.tactics import COST_ITEMS
from sim.scenario.load import load_scenario
from sim.scenario.schema import BrandConfig

GRAPH = {"kind": "scale_free", "n": 3000, "mean_degree": 10}
CAMPAIGN = {
    "name": "campaign", "kind": "campaign", "origin": "brand", "virality": 0.6, "appeal": 1.5, "valence": 1,
    "relevance_weight": 1.0, "sentiment_impact": 0.02,
}
SEEDS = range(12)


def cfg(messages=None, brand=None, **sections):
    out = {"graph": dict(GRAPH), "messages": copy.deepcopy(messages or [CAMPAIGN]), "run": {"horizon_h": 168}}
    if brand:
        out["brand"] = dict(brand)
    out.update(copy.deepcopy(sections))
    return out


def sign_test_greater(a, b):
    """One-sided sign test that b > a over paired runs (ties dropped)."""
    d = np.asarray(b, float) - np.asarray(a, float)
    d = d[d != 0]
    return st.binomtest(int((d > 0).sum()), d.size, 0.5, alternative="greater").pvalue if d.size else 1.0


# --- bought followers (F5) ----------------------------------------------------------


def test_bots_add_followers_and_zero_shares(summaries):
    keys = ["followers_total", "followers_real", "brand_reach", "brand_shares", "engagement_rate", "cost_bots"]
    base = summaries(cfg(), SEEDS, keys)
    bots = summaries(cfg(brand={"bots": 2000, "bot_price": 0.1}), SEEDS, keys)
    assert np.all(bots["followers_total"] - base["followers_total"] == 2000)
    assert np.all(bots["followers_real"] == base["followers_real"])
    # bots never read or share: the real metrics do not move at all (common random numbers)
    assert np.array_equal(bots["brand_reach"], base["brand_reach"])
    assert np.array_equal(bots["brand_shares"], base["brand_shares"])
    assert np.all(bots["engagement_rate"] < base["engagement_rate"])
    assert np.all(bots["cost_bots"] == pytest.approx(200.0))
    model = build_model(cfg(brand={"bots": 300}), seed=1).run()
    bot_nodes = model.population.bot_nodes
    assert bot_nodes.size == 300
    for m in range(len(model.messages)):
        assert not model.engine.is_aware(m)[bot_nodes].any()


# --- broadcast ads (F4) -----------------------------------------------------------------


def ads(repeats=20, kind="ad", dynamics=None):
    m = {**CAMPAIGN, "name": "ad", "kind": kind, "appeal": 0.3, "repeats": repeats, "repeat_every_h": 8,
         "cost_per_post": 100.0}
    return cfg([m], dynamics=dynamics or {})


def test_ads_raise_unfollows(summaries):
    keys = ["unfollows", "annoyed", "followers_real", "brand_posts"]
    content = summaries(ads(kind="campaign"), SEEDS, keys)
    few = summaries(ads(repeats=3), SEEDS, keys)
    many = summaries(ads(repeats=20), SEEDS, keys)
    assert np.all(content["unfollows"] == 0) and np.all(content["annoyed"] == 0)
    assert np.all(many["brand_posts"] == 20) and np.all(few["brand_posts"] == 3)
    assert sign_test_greater(few["unfollows"], many["unfollows"]) < 1e-3
    assert many["unfollows"].mean() > 5 * max(1.0, few["unfollows"].mean() / 3)
    assert np.all(many["followers_real"] == 500 - many["unfollows"])


def test_annoyance_rises_with_repetition():
    """The n-th reading of an ad annoys with 1 - (1 - p)**(n**growth): growth 0 makes
    every reading equally annoying, growth 1 annoys more at each repetition."""
    flat = np.mean([sim.simulate(ads(dynamics={"ad_annoyance_growth": 0.0}), seed=s).summary["unfollows"]
                    for s in SEEDS])
    rising = np.mean([sim.simulate(ads(), seed=s).summary["unfollows"] for s in SEEDS])
    assert rising > 1.5 * flat


@pytest.mark.parametrize("engine", ["fast", "reference"])
def test_unfollowers_no_longer_receive_brand_posts(edge_file, engine):
    """Exact, tiny: with annoyance 1 every fan who reads the first ad unfollows; the
    brand's later posts (the ad again, and its other message) reach no one."""
    edges = [(i, i + 1) for i in range(0, 40, 2)]
    path = edge_file(edges)
    config = {
        "graph": {"kind": "file", "path": path},
        "population": {"n_kols": 0, "activity_mean": 1.0},
        "brand": {"fans": 20},
        "dynamics": {"ad_annoyance": 1.0},
        "messages": [
            {"name": "ad", "kind": "ad", "origin": "brand", "virality": 0.0, "repeats": 3, "repeat_every_h": 5},
            {"name": "news", "kind": "campaign", "origin": "brand", "virality": 0.0, "start_h": 12},
        ],
        "run": {"horizon_h": 24},
    }
    model = build_model(config, seed=1, engine=engine).run()
    s = collect_result(model).summary
    assert s["unfollows"] == 20 and s["followers_real"] == 0 and s["annoyed"] == 20
    assert s["reach[news]"] == 1  # only the brand itself
    c = model.engine.counters
    assert int(c.reads.sum()) == 20  # the first ad's readings, nothing after


# --- KOL seeding (F6) --------------------------------------------------------------------


def seeding(cultivated=0, budget=1e9, **brand):
    m = {**CAMPAIGN, "name": "launch", "origin": "seeding", "start_h": 10, "sponsored": True}
    return cfg([m], brand={"seeding_budget": budget, "cultivated_kols": cultivated, **brand},
               population={"n_kols": 20})


def test_kol_terms():
    b = BrandConfig()
    cold_price, cold_p = kol_terms(b, 1000, b.relationship_cold)
    warm_price, warm_p = kol_terms(b, 1000, b.relationship_cultivated)
    assert cold_p == pytest.approx(b.accept_cold) and cold_p < warm_p
    assert cold_price == pytest.approx(b.kol_fee_per_1k * (1 + b.cold_markup)) and warm_price < cold_price


def test_cold_offers_accepted_less_often_than_cultivated(summaries):
    keys = ["kol_offers", "kol_accepted", "brand_target_reach", "cost_kol_fees"]
    cold = summaries(seeding(0), SEEDS, keys)
    warm = summaries(seeding(20), SEEDS, keys)
    assert np.all(cold["kol_offers"] == 20) and np.all(warm["kol_offers"] == 20)
    # the same KOL draws the same number in both: a cold yes implies a cultivated yes
    assert np.all(warm["kol_accepted"] >= cold["kol_accepted"])
    assert cold["kol_accepted"].sum() < 0.5 * warm["kol_accepted"].sum()
    assert sign_test_greater(cold["brand_target_reach"], warm["brand_target_reach"]) < 1e-3


def test_offers_are_answered_by_each_kol_independently_of_order():
    m1 = build_model(seeding(0, seeding_selection="top_followers"), seed=3).run()
    m2 = build_model(seeding(0, seeding_selection="random"), seed=3).run()
    a = {int(o["node"]): o["accepted"] for o in m1.tactics.offers}
    b = {int(o["node"]): o["accepted"] for o in m2.tactics.offers}
    assert a == b


# --- giveaways (F7) ----------------------------------------------------------------------


def giveaway(mode, **brand):
    m = {**CAMPAIGN, "name": "giveaway", "origin": "giveaway", "start_h": 10, "appeal": 1.0}
    return cfg([m], brand={"giveaway": mode, "giveaway_prizes": 10, "prize_value": 100.0, **brand},
               graph={"kind": "communities", "n": 3000, "mean_degree": 10, "communities": 10})


def test_targeted_giveaway_goes_to_the_segment_open_one_to_hunters():
    t = build_model(giveaway("targeted"), seed=1).run()
    o = build_model(giveaway("open", giveaway_hunters=50), seed=1).run()
    st_, so = collect_result(t).summary, collect_result(o).summary
    assert st_["giveaway_prizes_to_target"] == 10 and t.population.is_target[t.tactics.gifted].all()
    assert so["giveaway_hunter_shares"] == 50
    hunters = o.population.hunter_nodes
    assert o.engine.has_shared(0)[hunters].all()
    assert o.population.graph.follower_count()[hunters].sum() == 0  # hunters reach no one
    assert so["giveaway_prizes_to_target"] <= 10 and so["cost_prizes"] == st_["cost_prizes"] == 1000.0


def test_open_giveaway_seekers_raise_shares(summaries):
    keys = ["brand_shares", "brand_reach"]
    few = summaries(giveaway("open", giveaway_seeker_share=0.0, giveaway_hunters=0), SEEDS, keys)
    many = summaries(giveaway("open", giveaway_seeker_share=0.3, giveaway_hunters=0), SEEDS, keys)
    assert sign_test_greater(few["brand_shares"], many["brand_shares"]) < 1e-3


# --- riding a trend (F9) --------------------------------------------------------------------


def trend(approval_h, **brand):
    msgs = [
        {**CAMPAIGN, "name": "brand_post", "rides": "trend", "relevance_weight": 0.3},
        {"name": "trend", "kind": "trend", "topic": "large_event", "origin": "random", "n_origins": 3,
         "start_h": 12, "relevance_weight": 0.0},
    ]
    return cfg(msgs, brand={"content_approval_h": approval_h, **brand}, run={"horizon_h": 240})


def test_trend_post_after_72h_approval_reaches_fewer_than_after_2h(summaries):
    keys = ["brand_reach", "brand_shares"]
    early = summaries(trend(2.0), SEEDS, keys)
    late = summaries(trend(72.0), SEEDS, keys)
    assert sign_test_greater(late["brand_reach"], early["brand_reach"]) < 1e-3
    assert late["brand_reach"].mean() < 0.5 * early["brand_reach"].mean()


def test_rider_borrows_the_trend_clock():
    model = build_model(trend(30.0), seed=1)
    msgs = model.messages
    i, j = msgs.index("brand_post"), msgs.index("trend")
    assert msgs.nov_start[i] == msgs.start_h[j] == 12.0 and np.isnan(msgs.start_h[i])
    model.run()
    assert msgs.start_h[i] == pytest.approx(42.0)
    assert msgs.novelty_at(i, 42.0) == pytest.approx(msgs.novelty_at(j, 42.0))


def test_open_hashtag_hijack_follows_its_probability():
    base = trend(2.0)
    base["messages"][0]["open_hashtag"] = True
    always = copy.deepcopy(base)
    always["brand"]["hijack_p"] = 1.0
    never = copy.deepcopy(base)
    never["brand"]["hijack_p"] = 0.0
    s1 = sim.simulate(always, seed=2).summary
    s0 = sim.simulate(never, seed=2).summary
    assert s1["hijacked"] == 1 and s1["reach[hijack]"] > 0
    assert s0["hijacked"] == 0 and s0["reach[hijack]"] == 0


# --- deep engagement (F8) ------------------------------------------------------------------------


def engagement(mode):
    msgs = [{**CAMPAIGN, "start_h": 100},
            {**CAMPAIGN, "name": "fan_posts", "origin": "advocates", "half_life_h": 168}]
    return cfg(msgs, brand={"engagement": mode, "engagement_hours_per_day": 4.0})


def test_deep_engagement_makes_more_advocates(summaries):
    keys = ["advocates", "engagement_contacts", "shares[fan_posts]", "cost_engagement"]
    shallow = summaries(engagement("shallow"), SEEDS, keys)
    deep = summaries(engagement("deep"), SEEDS, keys)
    assert np.all(deep["engagement_contacts"] == 7 * 8) and np.all(shallow["engagement_contacts"] == 7 * 240)
    assert sign_test_greater(shallow["advocates"], deep["advocates"]) < 1e-3
    assert deep["shares[fan_posts]"].sum() > shallow["shares[fan_posts]"].sum()
    assert np.all(deep["cost_engagement"] == shallow["cost_engagement"])


def test_advocates_share_more():
    model = build_model(engagement("deep"), seed=5).run()
    t = model.tactics.by_name["engagement"]
    adv = np.asarray(t.advocate_list)
    assert adv.size == t.n_advocates > 0
    boost = model.effective.brand.advocate_share_boost
    assert np.allclose(model.engine.modifier[0, adv], boost)
    others = np.setdiff1d(t.fans, adv)
    assert np.allclose(model.engine.modifier[0, others], 1.0)


# --- costs ----------------------------------------------------------------------------------------


def test_budget_accounting_adds_up():
    msgs = [
        {**CAMPAIGN, "name": "ad", "kind": "ad", "repeats": 5, "repeat_every_h": 10, "cost_per_post": 40.0},
        {**CAMPAIGN, "name": "launch", "origin": "seeding", "start_h": 5},
        {**CAMPAIGN, "name": "giveaway", "origin": "giveaway", "start_h": 8},
    ]
    brand = {"bots": 1000, "bot_price": 0.05, "seeding_budget": 200.0, "cultivated_kols": 3,
             "engagement": "deep", "engagement_hours_per_day": 2.0, "engagement_cost_per_hour": 30.0,
             "giveaway_prizes": 4, "prize_value": 250.0}
    config = cfg(msgs, brand=brand, crisis={"start_h": 20, "strategy": "compensate"},
                 population={"n_kols": 10}, run={"horizon_h": 72})
    model = build_model(config, seed=4).run()
    s = collect_result(model).summary
    t = model.tactics
    items = {k: s[f"cost_{k}"] for k in COST_ITEMS}
    assert s["cost"] == pytest.approx(sum(items.values()) + s["cost_compensation"] + s["cost_private_channel"])
    assert items["ads"] == pytest.approx(5 * 40.0)
    assert items["bots"] == pytest.approx(1000 * 0.05)
    assert items["prizes"] == pytest.approx(4 * 250.0)
    assert items["engagement"] == pytest.approx(3 * 2.0 * 30.0)  # three days, one session each
    fees = sum(o["price"] for o in t.offers if o["accepted"])
    assert items["kol_fees"] == pytest.approx(fees)
    assert items["kol_fees"] + items["cultivation"] <= 200.0 + 1e-9
    fc = model.population.graph.follower_count()
    b = model.effective.brand
    assert items["cultivation"] == pytest.approx(
        sum(b.cultivation_fee_share * b.kol_fee_per_1k * fc[k] / 1000 for k in t.by_name["seeding"].cultivated)
    )
    assert s["cost_per_target_reached"] == pytest.approx(s["cost"] / s["brand_target_reach"])


# --- engines agree -----------------------------------------------------------------------------


def test_engines_agree_on_ads_and_unfollows():
    """Fast and reference engine (independent random streams) give the same mean
    unfollows and shares of a schedule of ads, within 4.5 standard errors."""
    config = ads(repeats=12)
    config["graph"]["n"] = 1500
    out = {}
    for engine, seed0 in (("fast", 0), ("reference", 10_000)):
        rows = [sim.simulate(config, seed=s, engine=engine).summary for s in range(seed0, seed0 + 16)]
        out[engine] = {k: np.array([r[k] for r in rows], float) for k in ("unfollows", "annoyed", "brand_shares")}
    for k in ("unfollows", "annoyed", "brand_shares"):
        a, b = out["fast"][k], out["reference"][k]
        se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
        assert abs(a.mean() - b.mean()) < 4.5 * se + 1e-9, (k, a.mean(), b.mean(), se)


# --- schema ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "messages, brand, needle",
    [
        ([{"name": "a", "origin": "brand", "repeats": 3}], {}, "repeat_every_h"),
        ([{"name": "a", "origin": "random", "repeats": 3, "repeat_every_h": 5}], {}, "origin = 'brand'"),
        ([{"name": "a", "origin": "brand", "rides": "nope"}], {}, "not another message"),
        ([{"name": "a", "origin": "brand", "rides": "b"}, {"name": "b", "kind": "topic"}], {}, "not 'trend'"),
        ([{"name": "a", "origin": "advocates"}], {}, "engagement"),
        ([{"name": "a", "origin": "seeding"}], {"enabled": False}, "brand account"),
        ([{"name": "a"}], {"accept_cold": 1.5}, "accept_cold"),
        ([{"name": "a"}], {"giveaway": "everyone"}, "giveaway"),
    ],
)
def test_schema_rejects_bad_tactics(messages, brand, needle):
    with pytest.raises(ScenarioError, match=needle):
        load_scenario({"messages": messages, "brand": brand})
