"""Scheduled broadcast ads: a brand message posted ``repeats`` times every ``repeat_every_h``.

A reading of an ad (kind ``"ad"``) annoys the reader with a probability that rises
with repetition; an annoyed follower unfollows the brand and its sentiment drops.
That rule lives in the engine (``dynamics.ad_annoyance``, ``ad_annoyance_growth``,
``annoyance_sentiment``), drawn at the reading; this tactic only reposts (claim F4).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model.tactics.base import Ledger, Tactic

if TYPE_CHECKING:
    from sim.model.agents import Brand
    from sim.model.buzz import BuzzModel
    from sim.model.messages import Message
    from sim.scenario.schema import Scenario

__all__ = ["ScheduledPosts"]


class ScheduledPosts(Tactic):
    """Reposts of every brand message with ``repeats > 1`` (broadcast ads and others)."""

    name = "ads"
    parameters = ("messages.repeats", "messages.repeat_every_h", "messages.cost_per_post")

    def __init__(self, model: BuzzModel, sc: Scenario, messages: list[Message], ledger: Ledger) -> None:
        super().__init__(model, sc, messages, ledger)
        self.reposts: dict[int, list[int]] = {}
        for i, mc in enumerate(sc.messages):
            if mc.origin == "brand" and mc.rides is None and mc.repeats > 1:
                for k in range(1, mc.repeats):
                    step = model.step_of(mc.start_h + k * mc.repeat_every_h)
                    if step < model.n_steps:
                        self.reposts.setdefault(step, []).append(i)

    def step(self, brand: Brand, t: int) -> None:
        """Repost the messages due at ``t``."""
        node = np.array([brand.node])
        for m in self.reposts.get(t, ()):
            self.model.engine.repost(t, m, node)
            self.ledger.count_post(m, 1)
