"""The reference engine: every account is a ``mesa.Agent`` with a plain Python ``step``.

It is the executable specification of the spreading rule (docs/model.md) written
to be read, not to be fast: each account keeps its feed (the posts of the accounts
it follows, still within the feed window) and, each step, looks at each post with
the probability of reading it during this step. It uses its own random stream
(Python's ``random.Random``), so agreement with the fast engine is a statistical
check of two independent implementations, not a copy.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import mesa
import numpy as np

from sim import rng as rng_mod
from sim.engine.base import Counters, EngineInputs, initial_totals
from sim.model.population import KOL as KOL_ROLE

__all__ = ["ReferenceEngine", "Account"]


@dataclass
class FeedItem:
    """A post in an account's feed: made at ``step`` by ``source``, about ``message``."""

    step: int
    message: int
    source: int
    visibility: float  # the message's visibility when the post was made


class Account(mesa.Agent):
    """One account of the follower graph.

    Attributes mirror the fast engine's arrays: ``sentiment``, ``status`` (per
    message: "unaware", "aware", "shared", "origin"), ``exposures``, ``modifier``
    (per-message multiplier of the share hazard) and the ``feed``.
    """

    def __init__(self, model: mesa.Model, engine: ReferenceEngine, node: int):
        super().__init__(model)
        inp = engine.inputs
        pop = inp.population
        self.engine = engine
        self.node = node
        self.role = int(pop.role[node])
        self.rate = float(inp.rho[node])  # sessions per hour
        self.interest = float(pop.interest[node])
        self.is_target = bool(pop.is_target[node])
        self.propensity = float(pop.propensity[node])
        self.sentiment = float(pop.sentiment[node])
        n_msg = len(inp.messages)
        self.status = ["unaware"] * n_msg
        self.exposures = [0] * n_msg
        self.modifier = [1.0] * n_msg
        self.feed: list[FeedItem] = []

    def has_shared(self, m: int) -> bool:
        return self.status[m] in ("shared", "origin")

    # --- the specification -------------------------------------------------
    def step(self) -> None:
        """Look at the feed: read each post with this step's reading probability."""
        eng = self.engine
        t = eng.t
        still_there = []
        for item in self.feed:
            age = t - item.step  # steps since the post
            if self.has_shared(item.message):
                continue  # an account that has shared a message ignores further posts of it
            if eng.chance_of_reading(self.rate, item, age) > eng.random.random():
                self.read(item)
            elif age < eng.window_steps:
                still_there.append(item)  # not read yet, still in the feed
        self.feed = still_there

    def feel(self, m: int, credibility: float) -> None:
        """Effects of a first reading of ``m``: sentiment, and the modifier of the message it acts on."""
        msg = self.engine.inputs.messages
        target = int(msg.effect_target[m])
        weight = 1.0
        if target >= 0 and self.has_shared(target):
            weight = float(msg.effect_shared_weight[m])  # weaker on those who shared the target
        if msg.impact[m] != 0.0:
            delta = max(-1.0, min(1.0, float(msg.impact[m]) * credibility * weight))
            self.engine.set_sentiment(self, move_sentiment(self.sentiment, delta))
        if target >= 0:
            self.modifier[target] *= 1.0 + (float(msg.effect_mult[m]) - 1.0) * weight

    def read(self, item: FeedItem) -> None:
        """Reading a post: awareness, sentiment, the message's effects, then the share decision."""
        eng = self.engine
        m = item.message
        msg = eng.inputs.messages
        rules = eng.inputs.rules
        self.exposures[m] = min(self.exposures[m] + 1, 255)
        if self.status[m] == "unaware":
            self.status[m] = "aware"
            eng.count_aware(self, m)
        credibility = eng.credibility_of(item.source, m)
        if self.exposures[m] == 1:
            self.feel(m, credibility)
        reply = int(msg.reply_of[m])
        if reply >= 0 and self.status[reply] == "unaware" and eng.random.random() < msg.reply_p[m]:
            # the brand's reply shown under the complaint
            self.status[reply] = "aware"
            self.exposures[reply] = 1
            eng.count_aware(self, reply)
            self.feel(reply, float(rules.cred_role[eng.accounts[int(msg.reply_src[m])].role]))
        hazard = eng.base_hazard[m]
        if hazard <= 0.0:
            return
        w = float(msg.relevance_weight[m])
        relevance = (1.0 - w) + w * self.interest
        mood = 1.0
        if msg.valence[m] != 0 and rules.mood_strength > 0:
            mood = math.exp(rules.mood_strength * int(msg.valence[m]) * self.sentiment)
        reinforcement = 1.0
        if rules.reinforcement > 0:
            reinforcement = (self.exposures[m] / rules.reinforcement_ref) ** rules.reinforcement
        hazard *= relevance * mood * reinforcement * credibility * self.propensity * self.modifier[m]
        if eng.random.random() < 1.0 - math.exp(-hazard):
            self.status[m] = "shared"
            eng.count_share(self, m)
            eng.posts.append((self.node, m))


def move_sentiment(s: float, delta: float) -> float:
    """Bounded update: move toward +1 (delta > 0) or -1 (delta < 0) by ``|delta|`` of the distance."""
    return s + delta * (1.0 - s) if delta >= 0 else s + delta * (1.0 + s)


class ReferenceEngine:
    """Runs the rule with one :class:`Account` agent per node; same interface as the fast engine."""

    name = "reference"

    def __init__(self, inputs: EngineInputs, model: mesa.Model):
        self.inputs = inputs
        self.model = model
        pop = inputs.population
        self.graph = pop.graph
        self.n_accounts = pop.n
        self.random = random.Random(int(rng_mod.child_seed_sequence(inputs.seed, "reference").generate_state(1)[0]))
        self.accounts = [Account(model, self, v) for v in range(pop.n)]
        self.window_steps = inputs.gtable.shape[1] - 1
        self.counters = Counters(inputs.n_steps, len(inputs.messages))
        r = inputs.rules
        self.totals = initial_totals(pop, pop.sentiment, r.nsi_band, r.lost_threshold)
        self.initial_totals = self.totals.copy()
        self.posts: list[tuple[int, int]] = []
        self.t = 0
        self.base_hazard = np.zeros(len(inputs.messages))
        self._with_feed: set[int] = set()

    # --- rules shared by the accounts -------------------------------------------
    def chance_of_reading(self, rate: float, item: FeedItem, age: int) -> float:
        """Probability of reading a post of ``age`` steps during this step (given not read yet)."""
        if age < 1 or age > self.window_steps:
            return 0.0
        g = self.inputs.gtable[item.step % self.inputs.gtable.shape[0]]
        vis = item.visibility
        increment = g[age] - g[age - 1]
        if vis <= 0 or increment <= 0 or rate <= 0:
            return 0.0
        if math.isinf(rate):
            return 1.0
        return 1.0 - math.exp(-rate * vis * increment)

    def credibility_of(self, source: int, m: int) -> float:
        src = self.accounts[source]
        c = float(self.inputs.rules.cred_role[src.role])
        if self.inputs.messages.sponsored[m] and src.status[m] == "origin":
            c *= self.inputs.rules.sponsored_discount
        return c

    def set_sentiment(self, acc: Account, new: float) -> None:
        r = self.inputs.rules
        old = acc.sentiment
        self.totals[0] += new - old
        self.totals[1] += (new > r.nsi_band) - (old > r.nsi_band)
        self.totals[2] += (new < -r.nsi_band) - (old < -r.nsi_band)
        if acc.is_target:
            self.totals[3] += (new < r.lost_threshold) - (old < r.lost_threshold)
        acc.sentiment = new

    def count_aware(self, acc: Account, m: int) -> None:
        self.counters.new_aware[self.t, m] += 1
        if acc.is_target:
            self.counters.new_target[self.t, m] += 1

    def count_share(self, acc: Account, m: int) -> None:
        self.counters.new_shares[self.t, m] += 1
        if acc.role == KOL_ROLE:
            self.counters.new_kol_shares[self.t, m] += 1

    # --- engine interface ------------------------------------------------------
    def inject(self, t: int, m: int, accounts: np.ndarray, *, as_origin: bool = True) -> np.ndarray:
        self.t = t
        posted = []
        for v in np.asarray(accounts).tolist():
            acc = self.accounts[v]
            if acc.has_shared(m):
                continue
            if acc.status[m] == "unaware":
                self.count_aware(acc, m)
            acc.status[m] = "origin" if as_origin else "shared"
            self.count_share(acc, m)
            self.posts.append((v, m))
            posted.append(v)
        return np.array(posted, dtype=np.int64)

    def step(self, t: int, base_hazard: np.ndarray) -> None:
        """Accounts with something in their feed look at it; then posts are delivered."""
        self.t = t
        self.base_hazard = base_hazard
        for v in sorted(self._with_feed):
            self.accounts[v].step()
        self._with_feed = {v for v in self._with_feed if self.accounts[v].feed}
        posts, self.posts = self.posts, []
        for v, m in posts:
            vis = float(self.inputs.messages.visibility[m])
            if vis <= 0:
                continue
            for w in self.graph.indices[self.graph.indptr[v] : self.graph.indptr[v + 1]].tolist():
                follower = self.accounts[w]
                if follower.rate <= 0 or follower.has_shared(m):
                    continue
                follower.feed.append(FeedItem(t, m, v, vis))
                self._with_feed.add(w)
        self.counters.totals[t] = self.totals

    def has_shared(self, m: int) -> np.ndarray:
        return np.array([a.has_shared(m) for a in self.accounts])

    def is_aware(self, m: int) -> np.ndarray:
        return np.array([a.status[m] != "unaware" for a in self.accounts])

    def scale_modifier(self, m: int, accounts: np.ndarray, factor: float) -> None:
        for v in np.asarray(accounts).tolist():
            self.accounts[v].modifier[m] *= factor

    def current_totals(self) -> np.ndarray:
        return self.totals.copy()
