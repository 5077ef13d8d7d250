"""``BuzzModel``: the Mesa model that owns the graph, the state arrays and the agents."""

from __future__ import annotations

import mesa
import numpy as np

from sim import rng as rng_mod
from sim.clock import step_at, steps_for
from sim.engine.base import Engine, EngineInputs, ReadingParams, RuleParams
from sim.engine.fast import FastEngine
from sim.engine.reference import ReferenceEngine
from sim.engine.rule import credibility_by_role
from sim.errors import ScenarioError
from sim.graph import FollowerGraph, build_graph, from_networkx
from sim.model.agents import KOL, Brand
from sim.model.crisis import CrisisPlan
from sim.model.effects import LOST_THRESHOLD_WITHOUT_CRISIS, NSI_BAND
from sim.model.footprint import check_model_memory
from sim.model.messages import Message, MessageTable
from sim.model.platforms import PlatformLayout, stack_platforms, stacked_reading_tables
from sim.model.population import BOT, FOLLOWER, Population, build_population
from sim.model.tactics import TACTIC_ORIGINS, Tactics, n_hunters
from sim.model.trending import TrendingList
from sim.model.visibility import circadian_profile, online_rate, reading_table
from sim.scenario.presets import apply_dynamics_preset
from sim.scenario.schema import Scenario

__all__ = ["BuzzModel", "feed_rule_params"]


def feed_rule_params(feed) -> dict:
    """The :class:`RuleParams` fields of a scenario's ``[feed]`` (unlimited: ``feed_k`` 0)."""
    return {
        "feed_k": int(feed.items_per_session or 0),
        "feed_ranking": 1 if feed.ranking == "engagement" else 0,
        "feed_background": float(feed.background_per_account_h),
        "feed_half_life_h": float(feed.engagement_half_life_h),
        "feed_alpha": float(feed.engagement_alpha),
        "feed_window_h": float(feed.engagement_window_h),
    }


class BuzzModel(mesa.Model):
    """Agent-based model of a topic (and a brand crisis) spreading on a follower graph.

    The mass of followers lives in state arrays advanced by an engine ("fast":
    numba kernels; "reference": one ``mesa.Agent`` per account); the brand and the
    KOLs are Mesa agents with behaviour.

    Order of one step ``t`` (time ``t * dt`` hours; steps are numbered from 0):

    1. **Scheduled origins** — messages starting at ``t`` whose origin is not an
       agent (random accounts, a customer, a given node) are posted; topics with
       exogenous interest get their Poisson stream of independent posts.
    2. **Agents act** — the brand posts its scheduled messages, runs its campaign
       tactics (repeated ads, a post riding a trend once approved, offers to KOLs, a
       giveaway, its daily engagement with fans; :mod:`sim.model.tactics`) and, in a
       crisis, monitors, waits for approval and responds; KOLs answer offers and post
       what they originate or accepted.
    3. **Engine** — readings due at ``t`` are processed (awareness, sentiment,
       effects, share decisions) and every post of step ``t`` lands in the feeds of
       the poster's followers, to be read at a later step or never. With a trending
       list (:mod:`sim.model.trending`), the topics it lists are first shown to
       online accounts outside the graph (readings in this step), and after the
       engine the list is re-ranked from the step's shares.
    4. **Data collection** — the ``DataCollector`` records the step's counts.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario (see :func:`sim.scenario.load.load_scenario`).
    seed : int
        The run's seed; all randomness derives from ``SeedSequence(seed)``.
    engine : {"fast", "reference"}
    graph : FollowerGraph or networkx.Graph, optional
        A prebuilt follower graph used instead of building the one of
        ``scenario.graph`` (many runs on one large graph; the graph's own seed stream
        is then unused, the rest of the run's draws are unchanged). A networkx graph
        is converted (:func:`sim.graph.from_networkx`). Pass the graph as built
        (:func:`sim.graph.build_graph` or a file), not a model's
        ``population.graph``: that one already holds the accounts the model adds
        (the brand, bought followers), which would be added a second time.
    """

    def __init__(self, scenario: Scenario, seed: int, engine: str = "fast", graph: FollowerGraph | None = None):
        super().__init__(rng=rng_mod.generator(seed, "agents"))
        self.run_seed = int(seed)
        self.scenario = scenario
        sc = apply_dynamics_preset(scenario)
        self.effective = sc
        self.dt_h = sc.run.step_minutes / 60.0
        self.n_steps = steps_for(sc.run.horizon_h, self.dt_h, minimum=1)
        self.t = 0

        if graph is None:
            check_model_memory(sc)  # the whole model, before anything large is allocated
            graph = build_graph(sc.graph, rng_mod.generator(seed, "graph"))
        elif not isinstance(graph, FollowerGraph):
            graph = from_networkx(graph)
        self.population: Population = build_population(
            graph, sc.population, sc.brand, rng_mod.generator(seed, "population"), hunters=n_hunters(sc)
        )
        #: several platforms (sim.model.platforms): the stacked population's layout, or None
        self.layout: PlatformLayout | None = None
        if sc.platforms:
            self.population, self.layout = stack_platforms(sc, self.population, self.run_seed)
        pop = self.population
        seeding = rng_mod.generator(seed, "seeding")

        messages = [Message.from_config(mc, ad_annoyance=sc.dynamics.ad_annoyance) for mc in sc.messages]
        self.crisis_plan = None
        if sc.crisis is not None:
            if pop.brand_node < 0:
                raise ScenarioError("crisis: a crisis needs the brand account (brand.enabled = true)")
            self.crisis_plan = CrisisPlan(self, sc.crisis, messages, seeding)
        self.tactics: Tactics | None = Tactics(self, sc, messages) if pop.brand_node >= 0 else None
        self.messages = MessageTable(messages)
        if self.layout is not None:
            self.messages.platform_mask[:] = [self.layout.mask_of(x.platforms) for x in messages]

        d = sc.dynamics
        rules = RuleParams.from_dynamics(
            d,
            cred_role=credibility_by_role(
                d.credibility_peer, d.credibility_kol, d.credibility_brand, d.credibility_media
            ),
            nsi_band=NSI_BAND,
            lost_threshold=sc.crisis.customer_lost_threshold if sc.crisis else LOST_THRESHOLD_WITHOUT_CRISIS,
            brand_node=int(pop.brand_node),
            n_block=self.layout.n_block if self.layout is not None else 0,
            n_platforms=self.layout.n_platforms if self.layout is not None else 1,
            **feed_rule_params(sc.feed),
        )
        circadian = circadian_profile(sc.population.circadian)
        lay = self.layout
        reading = ReadingParams(
            circadian=circadian, attention=d.attention, plateau_min=d.visibility_plateau_min,
            exponent=d.visibility_exponent,
            # several platforms: the longest window (the engines' queues span it)
            window_h=d.feed_window_h if lay is None else max(d.feed_window_h, float(lay.window_h.max())), phase_min=5.0,
            age_min=min(1.0, d.feed_window_h * 60.0 / 4.0), latency_h=d.reading_latency_min / 60.0,
        )
        gtable = d.attention * reading_table(
            d.feed_window_h, circadian, d.visibility_plateau_min, d.visibility_exponent,
            phase_min=reading.phase_min, age_min=reading.age_min,
        )
        gtables = None
        if lay is not None:
            gtables = stacked_reading_tables(lay, reading_table, circadian, d.visibility_plateau_min, d.attention,
                                             reading.phase_min, reading.age_min)
        rho = online_rate(pop.activity)
        rho[~pop.is_person] = 0.0  # the brand and bots never read
        if lay is not None:
            rho *= np.repeat(lay.reading, lay.n_block)  # each platform's reading multiplier
        self.inputs = EngineInputs(
            population=pop, messages=self.messages, rules=rules, gtable=gtable, rho=rho, reading=reading,
            key=rng_mod.engine_key(seed), n_steps=self.n_steps, dt_h=self.dt_h, seed=self.run_seed,
            record_cascades=sc.run.record_cascades,
            direct_readings=sc.trending.enabled if lay is None else bool(lay.trending.any()),
            platforms=lay, gtables=gtables,
        )
        if engine not in ("fast", "reference"):
            raise ScenarioError(f"run.engine: unknown engine {engine!r} (fast, reference)")
        self.engine_name = engine
        self.engine: Engine = self.new_engine(self.inputs, host=self)
        if self.tactics is not None:
            self.tactics.attach(self.engine)

        # origins and schedules
        self._origin_schedule: dict[int, list[tuple[int, np.ndarray]]] = {}
        brand_schedule: dict[int, list[int]] = {}
        kol_schedule: dict[int, dict[int, list[int]]] = {}
        for i, msg in enumerate(messages):
            if msg.start_h is None or msg.origin in TACTIC_ORIGINS:
                continue  # launched by an agent or a tactic (sim.model.tactics)
            step = self.step_of(msg.start_h)
            if step >= self.n_steps:
                continue
            if msg.origin == "brand":
                if pop.brand_node < 0:
                    raise ScenarioError(f"messages.{i}.origin = 'brand' needs the brand account (brand.enabled = true)")
                brand_schedule.setdefault(step, []).append(i)
            elif msg.origin == "kol":
                if pop.kol_nodes.size == 0:
                    raise ScenarioError(f"messages.{i}.origin = 'kol' needs KOLs (population.n_kols > 0)")
                k = _origins_available(msg.n_origins, pop.kol_nodes.size, f"messages.{i}.n_origins", "KOLs")
                for node in seeding.choice(pop.kol_nodes, k, replace=False):
                    kol_schedule.setdefault(int(node), {}).setdefault(step, []).append(i)
            else:
                accounts = self.pick_origin(msg.origin, msg.n_origins, seeding, f"messages.{i}.origin",
                                            platforms=msg.platforms)
                self._origin_schedule.setdefault(step, []).append((i, accounts))

        self._external = [i for i, msg in enumerate(messages) if msg.external_rate_per_h > 0]
        self._external_rng = rng_mod.generator(seed, "external")
        self._people = np.flatnonzero(pop.is_person)
        self._n_persons = max(1, int(self._people.size))  # counted once: no per-step pass over N
        #: who posts a message's exogenous posts: people (several platforms: accounts
        #: present on one of its platforms; they post on each of them, sim.engine.base.Engine.posting_rows)
        self._external_people = {i: self._people if lay is None else self._present_people(messages[i].platforms)
                                 for i in self._external}

        self.brand: Brand | None = None
        if pop.brand_node >= 0:
            self.brand = Brand(self, pop.brand_node, brand_schedule)
            self.brand.tactics = self.tactics
            if self.crisis_plan is not None:
                self.brand.crisis = self.crisis_plan
        self.kols = [
            KOL(self, int(node), float(pop.propensity[node]), kol_schedule.get(int(node)))
            for node in pop.kol_nodes
        ]

        #: the trending list (sim.model.trending), when [trending] is enabled
        self.trending = None
        self.trending_lists: list[TrendingList] = []
        if lay is None and sc.trending.enabled:
            self.trending = TrendingList(self, sc.trending, circadian)
            self.trending_lists = [self.trending]
        elif lay is not None:
            # one list per platform that has one; bought slots on the first of them
            listed = np.flatnonzero(lay.trending)
            self.trending_lists = [TrendingList(self, sc.trending, circadian, platform=int(p), bought=k == 0)
                                   for k, p in enumerate(listed)]

        reporters = {"mean_sentiment": lambda mdl: mdl.mean_sentiment()}
        for i, name in enumerate(self.messages.names):
            reporters[f"{name}/new_shares"] = lambda mdl, i=i: int(mdl.engine.counters.new_shares[mdl.t, i])
            reporters[f"{name}/new_reach"] = lambda mdl, i=i: int(mdl.engine.counters.new_aware[mdl.t, i])
            reporters[f"{name}/new_target_reach"] = lambda mdl, i=i: int(mdl.engine.counters.new_target[mdl.t, i])
        self.datacollector = mesa.DataCollector(model_reporters=reporters)

    # -- helpers -------------------------------------------------------------
    def new_engine(self, inputs: EngineInputs, host: mesa.Model | None = None) -> Engine:
        """An engine of this run's kind (``engine_name``) on ``inputs`` (the run's own,
        or a variant of them, e.g. KOL selection's Monte Carlo samples).

        ``host`` is the Mesa model that owns the reference engine's account agents;
        by default a separate, empty one, so that helper runs add no agents to this
        model.
        """
        if self.engine_name == "fast":
            return FastEngine(inputs)
        if host is None:
            host = mesa.Model(rng=rng_mod.generator(inputs.seed, "helper"))
        return ReferenceEngine(inputs, host)

    def step_of(self, hour: float) -> int:
        """The step at which something scheduled at ``hour`` happens."""
        return step_at(hour, self.dt_h)

    def _present_people(self, platforms) -> np.ndarray:
        """People (account ids) present on at least one of ``platforms`` (names; None: the first)."""
        lay = self.layout
        pop = self.population
        present = np.zeros(lay.n_block, dtype=bool)
        for p in lay.platforms_in(lay.mask_of(platforms)):
            present |= lay.present[p]
        present[pop.n_people:] = False
        return np.flatnonzero(present & (pop.role[: lay.n_block] != BOT))

    def pick_origin(self, origin: object, k: int, gen: np.random.Generator, where: str,
                    platforms=None) -> np.ndarray:
        """Accounts that originate a message: "random" people, a small "customer"
        (an ordinary target account between the median and the 90th percentile of follower
        count), a "kol", or a node id. With several platforms, "random" and "customer"
        origins are drawn among the accounts present on one of ``platforms`` (names of
        the message's platforms; None: the first)."""
        pop = self.population
        people = np.flatnonzero(pop.is_person)
        if self.layout is not None:
            people = self._present_people(platforms)
        if isinstance(origin, int):
            if not 0 <= origin < pop.n_people:
                raise ScenarioError(f"{where}: node {origin} is not in the graph (0..{pop.n_people - 1})")
            return np.array([origin])
        if origin == "random":
            return gen.choice(people, _origins_available(k, people.size, where, "accounts"), replace=False)
        if origin == "customer":
            fc = pop.graph.follower_count()[: pop.n_people]
            lo, hi = np.quantile(fc, [0.5, 0.9])
            ok = pop.is_target[: pop.n_people] & (fc >= max(lo, 1)) & (fc <= max(hi, 1))
            if self.layout is not None:
                ok &= np.isin(np.arange(pop.n_people), people)
            pool = np.flatnonzero(ok & (pop.role[: pop.n_people] == FOLLOWER))
            if pool.size == 0:
                pool = people
            return gen.choice(pool, _origins_available(k, pool.size, where, "small customer accounts"), replace=False)
        if origin == "kol":
            if pop.kol_nodes.size == 0:
                raise ScenarioError(f"{where} = 'kol' needs KOLs (population.n_kols > 0)")
            return gen.choice(pop.kol_nodes, _origins_available(k, pop.kol_nodes.size, where, "KOLs"), replace=False)
        raise ScenarioError(f"{where}: unknown origin {origin!r}")

    def mean_sentiment(self) -> float:
        """Mean sentiment of people (followers, KOLs, media) now."""
        return float(self.engine.current_totals()[0] / self._n_persons)

    def launch(self, m: int, accounts: np.ndarray, *, as_origin: bool = True) -> None:
        """Start message ``m`` now (agents call this for messages without a fixed start)."""
        self.engine.start_message(m, self.t * self.dt_h)
        self.engine.inject(self.t, m, np.asarray(accounts), as_origin=as_origin)

    # -- dynamics --------------------------------------------------------------
    def step(self) -> None:
        """One step, in the order written in the class docstring."""
        t = self.steps - 1
        self.t = t
        for m, accounts in self._origin_schedule.get(t, ()):
            self.engine.inject(t, m, accounts)
        for m in self._external:
            rate = self.messages.messages[m].external_rate_per_h * self.messages.novelty_at(m, t * self.dt_h)
            k = int(self._external_rng.poisson(rate * self.dt_h)) if rate > 0 else 0
            if k:
                self.engine.inject(t, m, self._external_rng.choice(self._external_people[m], k))
        if self.brand is not None:
            self.brand.step()
        for kol in self.kols:
            kol.step()
        for lst in self.trending_lists:
            lst.expose(t)
        self.engine.step(t)
        for lst in self.trending_lists:
            lst.update(t)
        self.datacollector.collect(self)

    def run(self) -> BuzzModel:
        """Run every step of the horizon."""
        while self.steps < self.n_steps:
            self.step()
        return self


def _origins_available(k: int, available: int, where: str, what: str) -> int:
    """``k`` origins, refused (one line) when fewer than ``k`` accounts can be one:
    a silently smaller number would misstate the scenario (issue #14)."""
    if k > available:
        raise ScenarioError(f"{where}: {k:,} origins asked, but the graph has only {available:,} {what}")
    return int(k)
