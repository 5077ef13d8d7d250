"""Bought followers: ``brand.bots`` bot accounts follow the brand at ``bot_price`` each.

The bots are accounts of the population (:mod:`sim.model.population`) that never
read or share; this tactic only pays for them (claim F6: followers are not reach).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.model.tactics.base import Ledger, Tactic

if TYPE_CHECKING:
    from sim.model.buzz import BuzzModel
    from sim.model.messages import Message
    from sim.scenario.schema import Scenario

__all__ = ["BoughtFollowers"]


class BoughtFollowers(Tactic):
    """The cost of the bought followers (``cost_bots``)."""

    name = "bots"
    parameters = ("brand.bots", "brand.bot_price")

    def __init__(self, model: BuzzModel, sc: Scenario, messages: list[Message], ledger: Ledger) -> None:
        super().__init__(model, sc, messages, ledger)
        ledger.costs["bots"] = float(self.cfg.bots * self.cfg.bot_price)
