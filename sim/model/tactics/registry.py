"""The campaign tactics of a run, in the one place they are listed.

:data:`TACTICS` is the registry: each entry is a :class:`~sim.model.tactics.base.Tactic`
subclass (one module each). Its order is the order in which they are set up while
the model is built and in which they act within a step (``Brand.step``). Adding a
tactic: write ``sim/model/tactics/<name>.py`` with its class, add its keys to the
schema (``BrandConfig`` in :mod:`sim.scenario.schema`) and docs/model.md, and append
the class here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sim.model.tactics.ads import ScheduledPosts
from sim.model.tactics.base import COST_ITEMS, Ledger, Tactic, is_brand_content
from sim.model.tactics.bots import BoughtFollowers
from sim.model.tactics.engagement import Engagement
from sim.model.tactics.giveaway import Giveaway
from sim.model.tactics.seeding import KolSeeding
from sim.model.tactics.trends import HashtagHijack, TrendRiding

if TYPE_CHECKING:
    from sim.model.agents import Brand
    from sim.model.buzz import BuzzModel
    from sim.model.messages import Message
    from sim.scenario.schema import Scenario

__all__ = ["TACTICS", "Tactics"]

#: Every tactic, in set-up and step order.
TACTICS: tuple[type[Tactic], ...] = (
    ScheduledPosts, BoughtFollowers, TrendRiding, KolSeeding, Giveaway, HashtagHijack, Engagement,
)  # fmt: skip


class Tactics:
    """The brand's campaign tactics for one run: every tactic of :data:`TACTICS`.

    Created by :class:`~sim.model.buzz.BuzzModel` after the population and before
    the message table: the tactics adjust the messages they post (a giveaway's boost,
    a trend rider's novelty clock) and may append messages (an open hashtag's hijack).

    Parameters
    ----------
    model : BuzzModel
        The model being built (population ready, agents and engine not yet).
    sc : Scenario
        The effective scenario (presets applied).
    messages : list of Message
        The run's messages, modified in place.
    """

    def __init__(self, model: BuzzModel, sc: Scenario, messages: list[Message]):
        self.model = model
        self.content = [i for i, mc in enumerate(sc.messages) if is_brand_content(mc)]
        per_post = [mc.cost_per_post for mc in sc.messages]
        self.ledger = Ledger(model, per_post + [0.0] * (len(messages) - len(per_post)))
        self.items: list[Tactic] = [cls(model, sc, messages, self.ledger) for cls in TACTICS]
        self.by_name: dict[str, Tactic] = {t.name: t for t in self.items}
        self.fans: np.ndarray = self.get(Engagement).fans

    def get(self, cls: type[Any]) -> Any:
        """The run's instance of tactic class ``cls``."""
        return next(t for t in self.items if isinstance(t, cls))

    # the state other parts of the model read
    @property
    def relationship(self) -> dict[int, float]:
        """Relationship strength of each KOL with the brand (:mod:`.seeding`)."""
        return self.get(KolSeeding).relationship

    @property
    def offers(self) -> list[dict[str, float]]:
        """The offers made to KOLs (:mod:`.seeding`)."""
        return self.get(KolSeeding).offers

    @property
    def gifted(self) -> np.ndarray:
        """Accounts given a prize by a targeted giveaway (:mod:`.giveaway`)."""
        return self.get(Giveaway).gifted

    def attach(self, engine: Any) -> None:
        """Set up the engine's state the tactics need (called once the engine exists)."""
        for tactic in self.items:
            tactic.attach(engine)

    def count_post(self, m: int, k: int) -> None:
        """``k`` posts of message ``m`` by the brand: counted and paid for."""
        self.ledger.count_post(m, k)

    def brand_step(self, brand: Brand, t: int) -> None:
        """Every tactic's behaviour at step ``t``, in registry order (from ``Brand.step``)."""
        for tactic in self.items:
            tactic.step(brand, t)

    def summary(self, crisis_cost: float = 0.0) -> dict[str, object]:
        """Costs and campaign metrics of the finished run (docs/model.md, "Campaign tactics")."""
        model = self.model
        eng, pop, c = model.engine, model.population, model.engine.counters
        costs, posts = self.ledger.costs, self.ledger.brand_posts
        unfollows = int(c.new_unfollows.sum())
        fans0 = int(self.fans.size)
        bots = int(pop.bot_nodes.size)
        aware = np.zeros(pop.n, dtype=bool)
        shares = 0
        for m in self.content:
            aware |= eng.is_aware(m)
            shares += int(c.new_shares[:, m].sum()) - int(eng.is_origin(m).sum())
        brand_target = int((aware & pop.is_target).sum())
        followers_total = fans0 + bots - unfollows
        total = float(sum(costs.values())) + float(crisis_cost)
        out: dict[str, object] = {
            "followers_initial": fans0 + bots,
            "followers_total": followers_total,
            "followers_real": fans0 - unfollows,
            "unfollows": unfollows,
            "annoyed": int(c.new_annoyed.sum()),
            "brand_posts": int(posts),
            "brand_shares": int(shares),
            "engagement_rate": shares / max(1, posts) / max(1, followers_total),
            "brand_reach": int(aware.sum()),
            "brand_target_reach": brand_target,
        }
        for tactic in self.items:
            out.update(tactic.summary())
        for k in COST_ITEMS:
            out[f"cost_{k}"] = float(costs[k])
        out["cost"] = total
        out["cost_per_target_reached"] = total / brand_target if brand_target else float("nan")
        return out
