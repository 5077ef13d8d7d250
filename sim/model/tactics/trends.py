"""Riding a trend, and the hijack risk of an open hashtag.

* A brand message that ``rides`` a trend is posted ``brand.content_approval_h`` after
  the trend starts and borrows the trend's novelty clock (claim F8: late riders miss
  the wave).
* A message under an ``open_hashtag`` is hijacked with probability ``brand.hijack_p``
  ``brand.hijack_delay_h`` after it starts: a complaint-like story (kind ``"hijack"``)
  from ``brand.hijack_origins`` random accounts.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from sim import rng as rng_mod
from sim.model.effects import HIJACK_HALF_LIFE_H, HIJACK_RELEVANCE_WEIGHT
from sim.model.messages import Message
from sim.model.tactics.base import Ledger, Tactic

if TYPE_CHECKING:
    from sim.model.agents import Brand
    from sim.model.buzz import BuzzModel
    from sim.scenario.schema import Scenario

__all__ = ["HashtagHijack", "TrendRiding"]


class TrendRiding(Tactic):
    """Posts each trend-riding message ``content_approval_h`` after its trend starts."""

    name = "trends"
    parameters = ("messages.rides", "brand.content_approval_h")

    def __init__(self, model: BuzzModel, sc: Scenario, messages: list[Message], ledger: Ledger) -> None:
        super().__init__(model, sc, messages, ledger)
        self.rides: dict[int, list[int]] = {}
        self.ride_post_h: dict[int, float] = {}
        names = [mc.name for mc in sc.messages]
        for i, mc in enumerate(sc.messages):
            if mc.rides is None:
                continue
            trend = messages[names.index(mc.rides)]
            messages[i] = replace(
                messages[i], start_h=None, novelty=trend.novelty, half_life_h=trend.half_life_h,
                tau_h=trend.tau_h, alpha=trend.alpha, novelty_start_h=trend.start_h,
            )
            post_h = (trend.start_h or 0.0) + self.cfg.content_approval_h
            self.ride_post_h[i] = post_h
            step = model.step_of(post_h)
            if step < model.n_steps:
                self.rides.setdefault(step, []).append(i)

    def step(self, brand: Brand, t: int) -> None:
        """Post the riders due at ``t``."""
        node = np.array([brand.node])
        for m in self.rides.get(t, ()):
            self.model.launch(m, node)
            self.ledger.count_post(m, 1)


class HashtagHijack(Tactic):
    """The hijack story of an open hashtag (appended to the run's messages)."""

    name = "hijack"
    parameters = (
        "messages.open_hashtag", "brand.hijack_p", "brand.hijack_delay_h", "brand.hijack_virality",
        "brand.hijack_sentiment", "brand.hijack_origins",
    )
    outputs = ("hijacked",)

    def __init__(self, model: BuzzModel, sc: Scenario, messages: list[Message], ledger: Ledger) -> None:
        super().__init__(model, sc, messages, ledger)
        b = self.cfg
        self.i_hashtag = next((i for i, mc in enumerate(sc.messages) if mc.open_hashtag), -1)
        self.i_hijack = -1
        self.hijack_step: int | None = None
        self.hijacked = False
        self.hijack_rng = rng_mod.generator(model.run_seed, "hijack")
        self.hijack_u = float(self.hijack_rng.random())
        if self.i_hashtag >= 0:
            name = "hijack"
            while name in [m.name for m in messages]:
                name += "_"
            self.i_hijack = len(messages)
            messages.append(
                Message(
                    name=name, kind="hijack", virality=b.hijack_virality, valence=-1,
                    relevance_weight=HIJACK_RELEVANCE_WEIGHT, sentiment_impact=b.hijack_sentiment,
                    novelty="exponential", half_life_h=HIJACK_HALF_LIFE_H, start_h=None,
                    origin="random", n_origins=b.hijack_origins,
                )
            )
            ledger.add_message()

    def step(self, brand: Brand, t: int) -> None:
        """Launch the hijack when it is due and the run's draw says so."""
        if self.i_hashtag < 0:
            return
        model = self.model
        if self.hijack_step is None:
            start = model.messages.start_h[self.i_hashtag]
            if np.isfinite(start):
                self.hijack_step = model.step_of(start + self.cfg.hijack_delay_h)
        due = self.hijack_step is not None and t == self.hijack_step and not self.hijacked
        if due and self.hijack_u < self.cfg.hijack_p:
            self.hijacked = True
            who = model.pick_origin("random", self.cfg.hijack_origins, self.hijack_rng, "brand.hijack_origins")
            model.launch(self.i_hijack, who)

    def summary(self) -> dict[str, object]:
        """``hijacked``: 1 if the hashtag was hijacked."""
        return {"hijacked": int(self.hijacked)}
