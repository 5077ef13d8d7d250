"""KOL seeding: the message with origin ``"seeding"`` posted by paid KOLs.

At the message's start the brand offers a paid post to KOLs, in the order of
``brand.seeding_selection`` (follower count, random, or CELF over engine samples,
:mod:`sim.model.kol_selection`), within ``brand.seeding_budget`` and
``brand.seeding_max_offers``. Each KOL accepts with a probability and at a price set
by its relationship with the brand, cultivated or cold (:func:`kol_terms`; claim F5).
Cultivating the ``brand.cultivated_kols`` largest KOLs is paid from the same budget.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim import rng as rng_mod
from sim.model.kol_selection import kol_terms, select_kols
from sim.model.tactics.base import Ledger, Tactic
from sim.numerics import MONEY_EPS

if TYPE_CHECKING:
    from sim.model.agents import KOL, Brand
    from sim.model.buzz import BuzzModel
    from sim.model.messages import Message
    from sim.scenario.schema import Scenario

__all__ = ["KolSeeding"]


class KolSeeding(Tactic):
    """Offers of paid posts to KOLs, and the cultivated relationships."""

    name = "seeding"
    parameters = (
        "brand.seeding_selection", "brand.seeding_budget", "brand.seeding_max_offers",
        "brand.cultivated_kols", "brand.relationship_cold", "brand.relationship_cultivated",
        "brand.cultivation_fee_share", "brand.kol_fee_per_1k", "brand.cold_markup",
        "brand.accept_cold", "brand.accept_warm",
    )
    outputs = ("kol_offers", "kol_accepted", "kol_accept_rate")

    def __init__(self, model: BuzzModel, sc: Scenario, messages: list[Message], ledger: Ledger) -> None:
        super().__init__(model, sc, messages, ledger)
        b = self.cfg
        pop = model.population
        self.i_seeding = next((i for i, mc in enumerate(sc.messages) if mc.origin == "seeding"), -1)
        fc = pop.graph.follower_count()
        self.followers = fc
        kols = sorted((int(k) for k in pop.kol_nodes), key=lambda k: (-int(fc[k]), k))
        self.cultivated = kols[: b.cultivated_kols]
        self.relationship = {k: b.relationship_cold for k in kols}
        for k in self.cultivated:
            self.relationship[k] = b.relationship_cultivated
            ledger.costs["cultivation"] += b.cultivation_fee_share * b.kol_fee_per_1k * float(fc[k]) / 1000.0
        self.offers: list[dict[str, float]] = []
        self.selected: list[int] = []  # KOLs chosen by CELF (seeding_selection = "greedy")
        self.seeding_step = model.step_of(sc.messages[self.i_seeding].start_h) if self.i_seeding >= 0 else -1

    def step(self, brand: Brand, t: int) -> None:
        """Make the offers at the seeding message's start."""
        if t == self.seeding_step:
            self.make_offers(t)

    def offer_order(self, t: int) -> list[int]:
        """KOLs the brand approaches, in order (``brand.seeding_selection``)."""
        b, pop = self.cfg, self.model.population
        kols = [int(k) for k in pop.kol_nodes]
        if b.seeding_selection == "top_followers":
            return sorted(kols, key=lambda k: (-int(self.followers[k]), k))
        if b.seeding_selection == "random":
            gen = rng_mod.generator(self.model.run_seed, "kol_offers")
            return [kols[i] for i in gen.permutation(len(kols))]

        # CELF on the expected spend (a KOL is paid only if it accepts): the chosen
        # KOLs first, in the order picked, then the others by follower count
        terms = [kol_terms(b, int(self.followers[k]), self.relationship[k]) for k in kols]
        sel = select_kols(
            self.model, max(0.0, b.seeding_budget - self.ledger.costs["cultivation"]), message=self.i_seeding,
            candidates=kols, costs=[x[0] * x[1] for x in terms], accept_p=[x[1] for x in terms],
        )
        self.selected = list(sel.nodes)
        rest = sorted((k for k in kols if k not in set(sel.nodes)), key=lambda k: (-int(self.followers[k]), k))
        return [*sel.nodes, *rest]

    def make_offers(self, t: int) -> None:
        """Offer paid posts of the seeding message to KOLs, in order, within the budget
        and ``seeding_max_offers``; each KOL decides (``KOL.consider_offer``)."""
        b, costs = self.cfg, self.ledger.costs
        by_node = {k.node: k for k in self.model.kols}
        # cultivating relationships is paid out of the same KOL budget
        remaining = b.seeding_budget - costs["cultivation"]
        made = 0
        for node in self.offer_order(t):
            if made >= b.seeding_max_offers:
                break
            price, p = kol_terms(b, int(self.followers[node]), self.relationship[node])
            if price > remaining + MONEY_EPS:
                continue
            made += 1
            kol: KOL = by_node[node]
            accepted = kol.consider_offer(p)
            self.offers.append({"node": node, "price": price, "accept_p": p, "accepted": float(accepted)})
            if accepted:
                remaining -= price
                costs["kol_fees"] += price
                kol.accept(self.i_seeding, t)

    def summary(self) -> dict[str, object]:
        """Offers made, accepted, and the acceptance rate (NaN without offers)."""
        accepted = sum(int(o["accepted"]) for o in self.offers)
        return {
            "kol_offers": len(self.offers),
            "kol_accepted": accepted,
            "kol_accept_rate": accepted / len(self.offers) if self.offers else float("nan"),
        }
