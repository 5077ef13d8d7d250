"""Giveaways: the message with origin ``"giveaway"`` (claim F7).

* **targeted** (``brand.giveaway = "targeted"``): ``giveaway_prizes`` prizes go to the
  most followed ordinary accounts of the target segment, who post about it with
  probability ``giveaway_post_p``;
* **open** ("repost to win"): a share ``giveaway_seeker_share`` of people are prize
  seekers whose share hazard is multiplied by ``giveaway_boost`` whatever their
  interest; ``giveaway_hunters`` prize-hunter accounts repost during the
  ``giveaway_duration_h``; the winners are drawn among all reposters at its end.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from sim import rng as rng_mod
from sim.clock import steps_for
from sim.model.tactics.base import Ledger, Tactic

if TYPE_CHECKING:
    from sim.model.agents import Brand
    from sim.model.buzz import BuzzModel
    from sim.model.messages import Message
    from sim.scenario.schema import Scenario

__all__ = ["Giveaway", "n_hunters"]


def n_hunters(sc: Scenario) -> int:
    """Prize-hunter accounts the population needs (an open giveaway)."""
    if sc.brand.enabled and sc.brand.giveaway == "open" and any(m.origin == "giveaway" for m in sc.messages):
        return int(sc.brand.giveaway_hunters)
    return 0


class Giveaway(Tactic):
    """The giveaway message: prizes, seekers, hunters and the draw."""

    name = "giveaway"
    parameters = (
        "brand.giveaway", "brand.giveaway_prizes", "brand.prize_value", "brand.giveaway_post_p",
        "brand.giveaway_seeker_share", "brand.giveaway_boost", "brand.giveaway_hunters",
        "brand.giveaway_duration_h",
    )
    outputs = ("giveaway_prizes_to_target", "giveaway_hunter_shares")

    def __init__(self, model: BuzzModel, sc: Scenario, messages: list[Message], ledger: Ledger) -> None:
        super().__init__(model, sc, messages, ledger)
        b = self.cfg
        pop = model.population
        fc = pop.graph.follower_count()
        self.i_giveaway = next((i for i, mc in enumerate(sc.messages) if mc.origin == "giveaway"), -1)
        self.giveaway_rng = rng_mod.generator(model.run_seed, "giveaway")
        self.giveaway_step = -1
        self.draw_step = -1
        self.gifted = np.zeros(0, dtype=np.int64)
        self.hunter_steps: dict[int, np.ndarray] = {}
        self.prizes_given = 0
        self.prizes_to_target = 0
        self.hunter_shares = 0
        self.seekers = np.zeros(0, dtype=np.int64)
        self.modifier: np.ndarray | None = None
        if self.i_giveaway < 0:
            return
        g = sc.messages[self.i_giveaway]
        self.giveaway_step = model.step_of(g.start_h)
        people = np.arange(pop.n_people)
        if b.giveaway == "targeted":
            # "iPads to webmasters": the most followed ordinary accounts of the segment
            pool = people[pop.is_target[: pop.n_people] & (pop.role[: pop.n_people] == 0)]
            order = np.lexsort((pool, -fc[pool]))
            self.gifted = pool[order[: b.giveaway_prizes]].astype(np.int64)
            return
        # "repost to win": prize seekers repost with a boosted hazard whatever their
        # interest; everyone else treats it as ordinary brand content (relevance);
        # both via the per-account modifier of the message (set in attach())
        w = messages[self.i_giveaway].relevance_weight
        seeker = pop.is_person & (self.giveaway_rng.random(pop.n) < b.giveaway_seeker_share)
        self.seekers = np.flatnonzero(seeker).astype(np.int64)
        relevance = (1.0 - w) + w * pop.interest.astype(np.float64)
        self.modifier = np.where(seeker, b.giveaway_boost, relevance)
        messages[self.i_giveaway] = replace(messages[self.i_giveaway], relevance_weight=0.0)
        n_dur = steps_for(b.giveaway_duration_h, model.dt_h, minimum=1)
        self.draw_step = self.giveaway_step + n_dur
        hunters = pop.hunter_nodes
        if hunters.size:
            when = self.giveaway_step + 1 + self.giveaway_rng.integers(0, max(1, n_dur - 1), hunters.size)
            for s in np.unique(when):
                self.hunter_steps[int(s)] = hunters[when == s]

    def attach(self, engine: Any) -> None:
        """An open giveaway's per-account share modifier (seekers boosted, others by interest)."""
        if self.modifier is None:
            return
        for value in np.unique(self.modifier):
            who = np.flatnonzero(self.modifier == value)
            if value != 1.0 and who.size:
                engine.scale_modifier(self.i_giveaway, who, float(value))

    def step(self, brand: Brand, t: int) -> None:
        """Post the giveaway, let the hunters repost, draw the winners."""
        if self.i_giveaway < 0:
            return
        b, model, eng = self.cfg, self.model, self.model.engine
        m = self.i_giveaway
        pop = model.population
        if t == self.giveaway_step:
            self.ledger.count_post(m, eng.inject(t, m, np.array([brand.node])).size)
            if b.giveaway == "targeted" and self.gifted.size:
                post = self.giveaway_rng.random(self.gifted.size) < b.giveaway_post_p
                eng.inject(t, m, self.gifted[post])
                self.prizes_given = int(self.gifted.size)
                self.prizes_to_target = int(pop.is_target[self.gifted].sum())
                self.ledger.costs["prizes"] += self.prizes_given * b.prize_value
        hunters = self.hunter_steps.get(t)
        if hunters is not None:
            self.hunter_shares += int(eng.inject(t, m, hunters, as_origin=False).size)
        if t == self.draw_step:
            sharers = np.flatnonzero(eng.has_shared(m))
            sharers = sharers[sharers != brand.node]
            k = min(b.giveaway_prizes, sharers.size)
            if k:
                winners = self.giveaway_rng.choice(sharers, k, replace=False)
                self.prizes_given = int(k)
                self.prizes_to_target = int(pop.is_target[winners].sum())
                self.ledger.costs["prizes"] += k * b.prize_value

    def summary(self) -> dict[str, object]:
        """Prizes that reached the target segment, and the hunters' reposts."""
        return {
            "giveaway_prizes_to_target": int(self.prizes_to_target),
            "giveaway_hunter_shares": int(self.hunter_shares),
        }
