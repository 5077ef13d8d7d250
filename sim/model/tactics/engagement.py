"""Deep vs shallow engagement with fans, and the advocates it makes (claim F9).

Every day at ``brand.engagement_hour`` the brand spends ``engagement_hours_per_day``
(at ``engagement_cost_per_hour``) on deep interactions (``deep_minutes`` each) with
fans who are not yet advocates, or shallow contacts (``shallow_minutes`` each) with
any fan. A contact shifts the fan's sentiment (``deep_sentiment`` /
``shallow_sentiment``) and makes an advocate with probability ``deep_advocate_p`` /
``shallow_advocate_p``. Advocates share brand-positive messages more
(``advocate_share_boost``), complaints less (``advocate_complaint_factor``), and post
the ``"advocates"`` message once, at a daily rate ``advocate_post_p_per_day``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim import rng as rng_mod
from sim.model.tactics.base import Ledger, Tactic

if TYPE_CHECKING:
    from sim.model.agents import Brand
    from sim.model.buzz import BuzzModel
    from sim.model.messages import Message
    from sim.scenario.schema import Scenario

__all__ = ["Engagement"]


class Engagement(Tactic):
    """The brand's daily engagement with its fans, and the advocates' posts."""

    name = "engagement"
    parameters = (
        "brand.engagement", "brand.engagement_hours_per_day", "brand.engagement_hour",
        "brand.engagement_cost_per_hour", "brand.deep_minutes", "brand.shallow_minutes",
        "brand.deep_advocate_p", "brand.shallow_advocate_p", "brand.deep_sentiment",
        "brand.shallow_sentiment", "brand.advocate_share_boost", "brand.advocate_complaint_factor",
        "brand.advocate_post_p_per_day",
    )
    outputs = ("advocates", "engagement_contacts")

    def __init__(self, model: BuzzModel, sc: Scenario, messages: list[Message], ledger: Ledger) -> None:
        super().__init__(model, sc, messages, ledger)
        b = self.cfg
        pop = model.population
        self.engagement_rng = rng_mod.generator(model.run_seed, "engagement")
        self.engagement_steps: set[int] = set()
        if b.engagement != "none" and b.engagement_hours_per_day > 0:
            days = math.ceil(model.n_steps * model.dt_h / 24.0)
            self.engagement_steps = {
                s for d in range(days) if (s := model.step_of(24.0 * d + b.engagement_hour)) < model.n_steps
            }
        self.i_ugc = [i for i, mc in enumerate(sc.messages) if mc.origin == "advocates"]
        self.advocate = np.zeros(pop.n, dtype=bool)
        self.n_advocates = 0
        self.advocate_list: list[int] = []
        self.contacts = 0
        self.ugc_posted = np.zeros(pop.n, dtype=bool)
        self.fans = np.zeros(0, dtype=np.int64)
        if pop.brand_node >= 0:
            f = pop.graph.followers(pop.brand_node)
            self.fans = np.sort(f[pop.is_person[f]]).astype(np.int64)

    def step(self, brand: Brand, t: int) -> None:
        """The day's contacts (at ``engagement_hour``) and the advocates' posts."""
        if t not in self.engagement_steps:
            return
        b, eng = self.cfg, self.model.engine
        self.ledger.costs["engagement"] += b.engagement_hours_per_day * b.engagement_cost_per_hour
        fans = self.fans
        if fans.size:
            fans = fans[~eng.unfollowed_among(fans)]
        if b.engagement == "deep":
            n = int(b.engagement_hours_per_day * 60.0 / b.deep_minutes)
            pool = fans[~self.advocate[fans]]
            p, delta = b.deep_advocate_p, b.deep_sentiment
        else:
            n = int(b.engagement_hours_per_day * 60.0 / b.shallow_minutes)
            pool = fans
            p, delta = b.shallow_advocate_p, b.shallow_sentiment
        k = min(n, pool.size)
        if k > 0:
            who = np.sort(self.engagement_rng.choice(pool, k, replace=False))
            self.contacts += int(k)
            if delta:
                eng.shift_sentiment(who, delta)
            new = who[(self.engagement_rng.random(k) < p) & ~self.advocate[who]]
            if new.size:
                self.make_advocates(new)
        # advocates create content: each posts the "advocates" message once, at a daily rate
        for m in self.i_ugc:
            start = self.model.messages.start_h[m]
            if not (np.isfinite(start) and t >= self.model.step_of(start)):
                continue
            adv = np.asarray(self.advocate_list, dtype=np.int64)
            cand = adv[~self.ugc_posted[adv]]
            if cand.size:
                post = cand[self.engagement_rng.random(cand.size) < b.advocate_post_p_per_day]
                if post.size:
                    eng.inject(t, m, post)
                    self.ugc_posted[post] = True

    def make_advocates(self, who: np.ndarray) -> None:
        """Fans turned advocates: they share brand-positive messages more and
        complaints less (they defend the brand)."""
        b, eng, msgs = self.cfg, self.model.engine, self.model.messages
        self.advocate[who] = True
        self.advocate_list.extend(int(v) for v in who)
        self.n_advocates += int(who.size)
        for m in range(len(msgs)):
            if msgs.valence[m] > 0 and b.advocate_share_boost != 1.0:
                eng.scale_modifier(m, who, b.advocate_share_boost)
            elif msgs.valence[m] < 0 and b.advocate_complaint_factor != 1.0:
                eng.scale_modifier(m, who, b.advocate_complaint_factor)

    def summary(self) -> dict[str, object]:
        """Advocates made and contacts held."""
        return {"advocates": int(self.n_advocates), "engagement_contacts": int(self.contacts)}
