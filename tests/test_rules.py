"""Core II: the default spreading rule — reading times, step length, timing of
shares, directional effects of the parameters, and invariants.

Comparisons between configurations use paired seeds (the same seed in both, so
the same graph, population and origins: common random numbers) and a sign test
or McNemar's exact test at the stated level. Every statistical test uses fixed
seeds, so its outcome is deterministic; the stated level is what it would be
for fresh seeds.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as st

import sim
from sim.api import build_model
from sim.model.outputs import collect_result

SF3000 = {"kind": "scale_free", "n": 3000, "mean_degree": 10}


def sign_test_greater(a: np.ndarray, b: np.ndarray) -> tuple[int, int, float]:
    """Paired sign test of a > b (ties dropped): (#a>b, #a<b, one-sided p)."""
    d = np.asarray(a, float) - np.asarray(b, float)
    d = d[np.isfinite(d)]
    up, down = int((d > 0).sum()), int((d < 0).sum())
    p = st.binomtest(up, up + down, 0.5, alternative="greater").pvalue if up + down else 1.0
    return up, down, p


# --------------------------------------------------------------------------- reading times


def _star_model(edge_file, n_leaves, start_h, step_minutes, latency_min, engine):
    path = edge_file([(0, v) for v in range(1, n_leaves + 1)], name="star.txt")
    cfg = {
        "graph": {"kind": "file", "path": path},
        "population": {"n_kols": 0},
        "brand": {"enabled": False},
        "dynamics": {"reading_latency_min": latency_min},
        # every reading leads to a share (1 - exp(-1e6 * ...) = 1), so the share
        # time of a leaf is its reading time
        "messages": [{"name": "post", "origin": 0, "virality": 1e6, "start_h": start_h}],
        "run": {"horizon_h": start_h + 27, "step_minutes": step_minutes},
    }
    model = build_model(cfg, seed=int(start_h * 7 + step_minutes), engine=engine)
    model.run()
    return model


@pytest.mark.parametrize(
    "engine,step_minutes,start_h,latency_min",
    [
        ("fast", 60, 0.0, 0.0),
        ("fast", 60, 13.0, 10.0),
        ("fast", 15, 20.0, 0.0),
        ("reference", 60, 5.0, 0.0),
        ("reference", 15, 20.0, 10.0),
    ],
)
def test_reading_time_follows_the_kernel(edge_file, engine, step_minutes, start_h, latency_min):
    """A post by the hub of a star (4,000 leaves; default population: Beta
    activity, Weibo rhythm, SEISMIC kernel, attention) made at t0 is read by leaf
    v after a delay d with P(d < x) = 1 - exp(-rho_v G(x)) for x above the
    reading latency (0 below it), G the cumulative reading hazard of the post's
    phase of day (``inputs.gtable``, linear on its age grid), and never with
    probability exp(-rho_v G(W)). Readings are counted in the step that contains
    t0 + d. The engine's counts per step (plus "never") pass a chi-square
    goodness-of-fit test at level 0.001 against the sum of these per-leaf
    probabilities (cells merged to expected >= 10; the leaves are independent,
    not identically distributed, so the test is conservative). The reference
    engine samples the hazard itself by thinning, so this also checks the
    table."""
    n_leaves = 4000
    model = _star_model(edge_file, n_leaves, start_h, step_minutes, latency_min, engine)
    rd = model.inputs.reading
    g = model.inputs.gtable
    dt = model.dt_h
    rho = np.asarray(model.inputs.rho)[1 : n_leaves + 1]
    phase = int(np.floor((start_h % 24.0) / (rd.phase_min / 60.0) + 1e-9)) % g.shape[0]
    ages = np.arange(g.shape[1]) * rd.age_min / 60.0
    n_bins = int(np.ceil((rd.window_h + rd.latency_h) / dt - 1e-9)) + 1
    edges_h = np.arange(n_bins + 1) * dt  # bin j holds delays in [j dt, (j+1) dt)
    below = 1.0 - np.exp(
        -np.outer(rho, np.interp(edges_h, ages, g[phase]))
    )  # P(d < x), leaves x edges
    below[:, edges_h <= rd.latency_h + 1e-12] = 0.0
    expected = np.diff(below, axis=1).sum(0)
    expected = np.append(expected, (1.0 - below[:, -1]).sum())
    c = model.engine.counters
    s0 = model.step_of(start_h)
    shares = c.new_shares[:, 0].copy()
    assert shares[:s0].sum() == 0 and shares[s0] >= 1
    shares[s0] -= 1  # the hub's own post
    observed = shares[s0 : s0 + n_bins].astype(float)
    assert shares[s0 + n_bins :].sum() == 0, "a reading after the feed window"
    observed = np.append(observed, n_leaves - observed.sum())
    # every reader shared: aware leaves == sharing leaves
    assert c.new_aware[:, 0].sum() == c.new_shares[:, 0].sum()
    # merge adjacent cells until each expects >= 10 readings
    obs_m, exp_m, o_acc, e_acc = [], [], 0.0, 0.0
    for o, e in zip(observed, expected):
        o_acc, e_acc = o_acc + o, e_acc + e
        if e_acc >= 10:
            obs_m.append(o_acc), exp_m.append(e_acc)
            o_acc = e_acc = 0.0
    obs_m[-1] += o_acc
    exp_m[-1] += e_acc
    assert len(obs_m) >= 5
    assert st.chisquare(obs_m, exp_m).pvalue > 1e-3, (obs_m, np.round(exp_m, 1))


# --------------------------------------------------------------------------- share delays

TIMING = {
    # a single post by an ordinary account ("customer": a target follower between the
    # median and the 90th percentile of follower count) with the default message
    # (virality 0.6, appeal 1): 3-4 shares per run on average; start at hour 0
    # (the default start_h), default 60-minute step
    "graph": {"kind": "scale_free", "n": 10_000, "mean_degree": 10},
    "messages": [{"name": "post", "origin": "customer"}],
    "run": {"horizon_h": 72},
}


def _hourly_shares(cfg: dict, seeds) -> np.ndarray:
    """Shares of the single message per hour since its start (row per seed; bin h holds
    delays in [h, h+1) h), the origin's own post removed."""
    h0 = int(cfg["messages"][0].get("start_h", 0))
    rows = []
    for s in seeds:
        ser = sim.simulate(cfg, seed=s).series
        new = ser.loc[ser["hour"] >= h0, "new_shares"].to_numpy().astype(float)
        new[0] -= 1
        rows.append(new)
    return np.array(rows)


def _delay_quantile(counts: np.ndarray, q: float) -> np.ndarray:
    """Per row of hourly counts: the delay (h) by which a fraction q of the row's shares
    had arrived, the shares of an hour spread evenly over it."""
    c = np.cumsum(counts, axis=1)
    target = q * c[:, -1]
    k = (c < target[:, None]).sum(1)  # first bin where the fraction is reached
    i = np.arange(len(c))
    before = np.where(k > 0, c[i, np.maximum(k - 1, 0)], 0.0)
    return k + (target - before) / counts[i, k]


def test_share_delays():
    """Issue #3: "a single post by an ordinary account on a 10⁴-account scale-free
    graph, default rule: median share delay under 2 h and 90 % of shares within
    12 h, across replicates" (``TIMING``, start hour 0, 600 runs, seeds 0-599).

    Statement. Read per replicate, as the real-data figures it echoes are per
    cascade (``../shared/data/README.md``: medians over cascades of each
    cascade's t50 and t90). For each run with at least 5 shares (origin
    excluded) take its median delay t50 and its t90 (delay by which 90 % of its
    shares had come; hourly counts, a bin's shares spread evenly over the hour).
    Then, over those cascades:

    * the median t50 is under 2 h: the whole 99 % bootstrap interval lies below
      2 h (measured 0.64 h, interval 0.63-0.80);
    * the median t90 is at most 12 h (in the typical replicate 90 % of shares
      arrive within 12 h): the whole 99 % interval lies at or below 12 h
      (measured 2.7 h, interval 1.9-5.5).

    Intervals: percentile bootstrap over cascades, 2,000 resamples. At the
    thresholds the spreading within the hour does not matter: t50 < 2 h iff more
    than half of a cascade's shares are in hours 0-1, t90 <= 12 h iff at least
    90 % are in hours 0-11. Equivalently, the claim holds for most replicates:
    t50 < 2 h in 88 % of the 90 cascades (99 % interval 78-96 %), t90 <= 12 h in
    80 % (69-90 %). Over 4,400 runs (644 cascades): median t50 0.71 h
    (0.67-0.75), median t90 2.6 h (2.4-3.3). With 600 runs every window of seeds
    tried (39 windows within 0-4,399) passes, the largest upper bounds being
    1.0 h and 10.0 h; with 400 runs one window failed, hence 600.

    Threshold. The README's cascades all have at least 55 retweets (median 259)
    and it applies no cut; ``sim.checks.theory`` keeps cascades of at least 5 shares,
    for the model and the data alike (no real cascade is dropped). A t50 or t90
    of one to four shares is little more than one share's delay. About 15 % of
    runs reach 5 shares (median size 8). Larger cascades are slower: with at
    least 20 shares (124 of 4,400 runs) median t50 0.92 h, t90 8.7 h (5.0-10.8).

    Pooled figures. Pooling all shares of seeds 0-399 (1,368 shares) gives
    P(delay < 2 h) = 0.78 (99 % cluster-bootstrap interval 0.66-0.85) and
    P(delay < 12 h) = 0.88 (0.76-0.96); over 4,400 runs 0.76 and 0.88
    (0.81-0.93). A pooled fraction weights each cascade by its size, so it is
    driven by the few large ones (the top 1 % of runs hold 29 % of all shares),
    and these, started at midnight, tend to run on through the night low of the
    daily rhythm (04-06 h): half of the ten largest have t90 of 19-23 h. It does
    not answer "in a replicate", and it does not reach 0.9 within 12 h.

    Real data (not asserted). Twitter15: median t50 0.70 h, t90 8.6 h; Weibo
    sample 1.0 h, 6.4 h — both meet the statement. The model's t50 matches, but
    only through the even spreading in the first hour (median share within 1 h:
    model 0.70, Twitter15 0.57), and its shorter t90 reflects cascades of 8
    shares against 259; no like-for-like comparison is cheap here.

    The test can fail (same seeds): a post at 04 h (virality 1.2, else only 10
    cascades) gives median t50 9.8 h, t90 17.6 h; virality 1.2 at 00 h, larger
    cascades, median t90 13.6 h (upper bound 15.3); ``visibility_exponent`` 1.05
    instead of 1.23, median t90 9.7 h but upper bound 12.2 h.
    """
    counts = _hourly_shares(TIMING, range(600))
    assert counts[:, -24:].sum() < 0.01 * counts.sum(), "shares still arriving at the horizon"
    big = counts[counts.sum(1) >= 5]
    assert len(big) >= 50, len(big)  # measured 90
    t50, t90 = _delay_quantile(big, 0.5), _delay_quantile(big, 0.9)
    gen = np.random.default_rng(0)
    boot = []
    for _ in range(2000):
        i = gen.integers(0, len(big), len(big))
        boot.append((np.median(t50[i]), np.median(t90[i])))
    hi = np.percentile(boot, 99.5, axis=0)
    detail = {
        "cascades": len(big),
        "median t50": float(np.median(t50)),
        "median t90": float(np.median(t90)),
        "upper bounds": hi.round(2).tolist(),
        "share with t50 < 2 h": float((t50 < 2).mean()),
        "share with t90 <= 12 h": float((t90 <= 12).mean()),
    }
    assert hi[0] < 2.0, detail
    assert hi[1] <= 12.0, detail


# --------------------------------------------------------------------------- step length


def _by_step(cfg, step_minutes, seeds):
    c = dict(cfg, run=dict(cfg["run"], step_minutes=step_minutes))
    reach, inc = [], []
    for s in seeds:
        r = sim.simulate(c, seed=s)
        reach.append(r.summary["reach"])
        inc.append(r.series.loc[r.series["message"] == "topic", "new_shares"].to_numpy())
    return np.array(reach, float), np.vstack(inc)


DEFAULT_TOPIC = {
    "graph": SF3000,
    "messages": [{"name": "topic", "virality": 1.5, "n_origins": 5}],
    "run": {"horizon_h": 168},
}


@pytest.mark.slow
def test_step_length_default_rule():
    """Default rule (Weibo rhythm, novelty decay, ...), a viral topic from 5
    origins on 3,000 accounts, 60 vs 15-minute steps, 150 runs each on disjoint
    seeds (the engine's draws depend on the step, so runs are not paired).
    Tolerances: final reach — two-sample KS p > 0.01 and means within 4 standard
    errors (Welch); hourly incidence — every hour's mean within 4.5 standard
    errors, every 6-hour block within 4 (no extra allowance: with readings in
    continuous time only the 5-minute rounding of the post's clock remains)."""
    a, ia = _by_step(DEFAULT_TOPIC, 60, range(150))
    b, ib = _by_step(DEFAULT_TOPIC, 15, range(20_000, 20_150))
    assert np.median(b) > 100
    assert st.ks_2samp(a, b).pvalue > 0.01
    se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
    assert abs(a.mean() - b.mean()) < 4 * se, (a.mean(), b.mean(), se)
    for width, zmax in ((1, 4.5), (6, 4.0)):
        n = ia.shape[1] // width
        xa = ia[:, : n * width].reshape(ia.shape[0], n, width).sum(2)
        xb = ib[:, : n * width].reshape(ib.shape[0], n, width).sum(2)
        dm = xa.mean(0) - xb.mean(0)
        se = np.sqrt(xa.var(0, ddof=1) / xa.shape[0] + xb.var(0, ddof=1) / xb.shape[0])
        fixed = se == 0
        assert np.all(dm[fixed] == 0)
        assert np.all(np.abs(dm[~fixed]) < zmax * se[~fixed]), (
            width,
            np.max(np.abs(dm[~fixed]) / se[~fixed]),
        )


# --------------------------------------------------------------------------- directional effects


def test_higher_appeal_more_shares(summaries):
    """appeal 1 -> 2 (virality 0.8, one random origin, 3,000 accounts), 100 paired
    seeds: shares go up — one-sided sign test p < 0.001, more pairs up than
    down, and the mean rises by more than half."""
    seeds = range(100)
    base = {"graph": SF3000, "run": {"horizon_h": 168}}
    lo = summaries(dict(base, messages=[{"virality": 0.8, "appeal": 1.0}]), seeds, ["shares"])[
        "shares"
    ]
    hi = summaries(dict(base, messages=[{"virality": 0.8, "appeal": 2.0}]), seeds, ["shares"])[
        "shares"
    ]
    up, down, p = sign_test_greater(hi, lo)
    assert p < 1e-3 and up > down
    assert hi.mean() > 1.5 * lo.mean()


def _mean_share_hour(series):
    x = series.loc[series["message"] == "topic", "new_shares"].to_numpy().astype(float)
    return float((np.arange(x.size) * x).sum() / x.sum())


def test_lower_activity_later_peak():
    """activity_mean 0.25 -> 0.10 on a dense Erdős–Rényi graph (2,000 accounts,
    mean degree 40, virality 3, so cascades take off at both activities), 60
    paired seeds. Among pairs where both took off (>= 100 shares): the plateau
    (t_plateau_h) is later at low activity, sign test p < 0.001, and so is the mean
    share hour; the peak hour is never earlier. (The peak is causal since issue
    #14: the busiest real hour, which is the first hour in both for most of these
    fast cascades; the centred 24 h window used before measured the centre of
    mass instead.)"""
    base = {
        "graph": {"kind": "erdos_renyi", "n": 2000, "mean_degree": 40},
        "messages": [{"name": "topic", "virality": 3.0}],
        "run": {"horizon_h": 240},
    }
    rows = []
    for s in range(60):
        hi = sim.simulate(base, seed=s)
        lo = sim.simulate(dict(base, population={"activity_mean": 0.10}), seed=s)
        if min(hi.summary["shares"], lo.summary["shares"]) >= 100:
            rows.append(
                (
                    hi.summary["t_plateau_h"],
                    lo.summary["t_plateau_h"],
                    _mean_share_hour(hi.series),
                    _mean_share_hour(lo.series),
                    hi.summary["t_peak_h"],
                    lo.summary["t_peak_h"],
                )
            )
    rows = np.array(rows)
    assert len(rows) >= 30
    up, down, p = sign_test_greater(rows[:, 1], rows[:, 0])
    assert p < 1e-3 and up > down
    up, down, p = sign_test_greater(rows[:, 3], rows[:, 2])
    assert p < 1e-3 and up > down
    assert np.all(rows[:, 5] >= rows[:, 4])


@pytest.mark.parametrize("engine", ["fast", "reference"])
def test_bots_never_share(engine):
    """300 bought bots follow the brand; the brand posts a very viral campaign that
    its real fans share. Bots never share it (nor anything else) and never even
    read it (status stays 'unaware'); they still count as the brand's followers."""
    cfg = {
        "graph": {"kind": "scale_free", "n": 1000, "mean_degree": 8},
        "brand": {"fans": 200, "bots": 300},
        "messages": [
            {"name": "campaign", "origin": "brand", "virality": 5.0},
            {"name": "topic", "virality": 3.0, "n_origins": 5},
        ],
        "run": {"horizon_h": 72},
    }
    model = build_model(cfg, seed=4, engine=engine)
    model.run()
    pop = model.population
    bots = pop.bot_nodes
    assert bots.size == 300
    assert set(bots.tolist()) <= set(pop.graph.followers(pop.brand_node).tolist())
    eng = model.engine
    for m in range(len(model.messages)):
        assert not eng.has_shared(m)[bots].any()
        assert not eng.is_aware(m)[bots].any()
    fans = np.setdiff1d(pop.graph.followers(pop.brand_node), bots)
    assert eng.has_shared(0)[fans].sum() > 20  # the campaign did spread among real fans


def test_reinforcement_fewer_small_cascades_survive(summaries):
    """Complex contagion (reinforcement 1, n_ref 2: a first exposure counts half)
    vs simple contagion, same virality 1.6, one random origin on 2,000 accounts,
    200 paired seeds. A cascade 'survives' if it reaches 10 shares. McNemar's
    exact test on the discordant pairs (survives only without reinforcement vs
    only with it): p < 0.001, and more survive without."""
    seeds = range(200)
    base = {
        "graph": {"kind": "scale_free", "n": 2000, "mean_degree": 10},
        "run": {"horizon_h": 120},
    }
    simple = summaries(dict(base, messages=[{"virality": 1.6}]), seeds, ["shares"])["shares"] >= 10
    cplx = (
        summaries(
            dict(base, messages=[{"virality": 1.6}], dynamics={"reinforcement": 1.0}),
            seeds,
            ["shares"],
        )["shares"]
        >= 10
    )
    only_simple = int((simple & ~cplx).sum())
    only_complex = int((cplx & ~simple).sum())
    assert only_simple > only_complex
    assert (
        st.binomtest(only_simple, only_simple + only_complex, 0.5, alternative="greater").pvalue
        < 1e-3
    )
    assert simple.mean() > 0.15  # the comparison is not vacuous (measured 0.27 vs 0.09)


# --------------------------------------------------------------------------- invariants

CRISIS_RUN = {
    "graph": {"kind": "scale_free", "n": 1200, "mean_degree": 10},
    "brand": {"fans": 300, "bots": 50},
    "messages": [
        {"name": "topic", "virality": 1.5, "n_origins": 3, "sentiment_impact": 1.0, "valence": 1},
    ],
    "crisis": {
        "start_h": 12,
        "virality": 2.5,
        "sentiment_impact": -1.0,
        "strategy": "compensate",
        "compensation_sentiment": 1.0,
        "approval_delay_h": 2,
        "compensation_invite_p": 0.2,
    },
    "run": {"horizon_h": 96},
}
IC_RUN = {
    "graph": {"kind": "erdos_renyi", "n": 3000, "mean_degree": 6, "directed": False},
    "dynamics": {"preset": "independent_cascade", "p": 0.3, "seeds": 3},
    "run": {"horizon_h": 72},
}


def _sentiment(model) -> np.ndarray:
    eng = model.engine
    if model.engine_name == "fast":
        return np.asarray(eng.sentiment)
    return np.array([a.sentiment for a in eng.accounts])


@pytest.mark.parametrize("engine", ["fast", "reference"])
@pytest.mark.parametrize("cfg", [CRISIS_RUN, IC_RUN], ids=["crisis", "ic"])
def test_invariants(cfg, engine):
    """Exact checks on every run (3 seeds each): cumulative series never fall;
    shares <= reach <= number of accounts and target reach <= reach; the Mesa
    DataCollector's series equal the engine's own counters; sentiment stays in
    [-1, 1] even with impacts of +-1; the running sentiment totals equal a
    recount from the sentiment array."""
    for seed in range(3):
        model = build_model(cfg, seed=seed, engine=engine)
        model.run()
        res = collect_result(model)
        ser = res.series
        n = model.population.n
        names = model.messages.names
        for name in names:
            s = ser[ser["message"] == name].sort_values("hour")
            for col in ("shares", "reach", "target_reach"):
                assert np.all(np.diff(s[col].to_numpy()) >= 0), (name, col)
            for col in ("new_shares", "new_reach", "new_target_reach"):
                assert np.all(s[col].to_numpy() >= 0)
            assert np.all(s["shares"] <= s["reach"]) and np.all(s["reach"] <= n)
            assert np.all(s["target_reach"] <= s["reach"])
        assert res.summary["reach"] <= n and res.summary["shares"] <= res.summary["reach"]
        # the engine's final state agrees with its counters
        c = model.engine.counters
        for i in range(len(names)):
            assert c.new_shares[:, i].sum() == model.engine.has_shared(i).sum()
            assert c.new_aware[:, i].sum() == model.engine.is_aware(i).sum()
        # the DataCollector records exactly the engine's counts
        df = model.datacollector.get_model_vars_dataframe()
        assert len(df) == model.n_steps
        for i, name in enumerate(names):
            assert np.array_equal(df[f"{name}/new_shares"].to_numpy(), c.new_shares[:, i])
            assert np.array_equal(df[f"{name}/new_reach"].to_numpy(), c.new_aware[:, i])
            assert np.array_equal(df[f"{name}/new_target_reach"].to_numpy(), c.new_target[:, i])
        people = model.population.is_person
        assert np.allclose(
            df["mean_sentiment"].to_numpy(), c.totals[:, 0] / people.sum(), rtol=0, atol=1e-9
        )
        # sentiment bounds and exact running totals
        sent = _sentiment(model)
        assert np.all(sent >= -1.0) and np.all(sent <= 1.0)
        assert np.all(np.abs(ser["mean_sentiment"]) <= 1.0)
        r = model.inputs.rules
        sp, tgt = sent[people], model.population.is_target[people]
        recount = [
            sp.sum(),
            (sp > r.nsi_band).sum(),
            (sp < -r.nsi_band).sum(),
            0,
        ]
        # customers lost: target customers who have been below the threshold (issue #14);
        # every one below it now is among them
        eng = model.engine
        lost = eng.lost.astype(bool) if hasattr(eng, "lost") else np.array([a.lost for a in eng.accounts])
        recount[3] = lost[people][tgt].sum()
        assert np.all(lost[people][tgt] | ~(sp[tgt] < r.lost_threshold))
        assert np.allclose(c.totals[-1], recount, rtol=0, atol=1e-6)
        if cfg is CRISIS_RUN:
            # the crisis did move sentiment, so the bounds were exercised
            assert res.summary["negative_reach"] > 0 and (sp < -0.9).any() and (sp > 0.9).any()
