"""Mesa agents with behaviour: the brand and the KOLs.

The mass of followers lives in the engine's state arrays; brands and KOLs are
``mesa.Agent`` subclasses that act at the start of each step (post, monitor,
respond, accept offers).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim import rng as rng_mod
from sim.model import mesa_compat  # noqa: F401  (Mesa 3.3 leaks every model; see module)

if TYPE_CHECKING:
    from sim.model.buzz import BuzzModel

__all__ = ["Brand", "KOL", "AccountAgent"]


class AccountAgent(mesa.Agent):
    """A Mesa agent that acts for one account (node) of the follower graph."""

    def __init__(self, model: BuzzModel, node: int):
        super().__init__(model)
        self.node = node

    @property
    def followers(self) -> int:
        """Current follower count of the account."""
        g = self.model.population.graph
        return int(g.indptr[self.node + 1] - g.indptr[self.node])


class Brand(AccountAgent):
    """The brand's account: posts its scheduled messages; in a crisis, monitors,
    waits for approval and responds (see :mod:`sim.model.crisis`).

    Parameters
    ----------
    model : BuzzModel
    node : int
        The brand's account in the follower graph.
    schedule : dict[int, list[int]]
        Step -> indices of messages the brand posts at that step.
    """

    def __init__(self, model: BuzzModel, node: int, schedule: dict[int, list[int]]):
        super().__init__(model, node)
        self.schedule = schedule
        self.crisis = None  # a CrisisPlan when the scenario has a [crisis]
        self.tactics = None  # the campaign tactics (sim.model.tactics.Tactics)
        self.cost = 0.0

    def step(self) -> None:
        t = self.model.t
        for m in self.schedule.get(t, ()):
            posted = self.model.engine.inject(t, m, np.array([self.node]))
            if self.tactics is not None:
                self.tactics.count_post(m, posted.size)
        if self.tactics is not None:
            self.tactics.brand_step(self, t)
        if self.crisis is not None:
            self.crisis.step(self, t)


class KOL(AccountAgent):
    """A key opinion leader: a high-follower account with its own share propensity and
    a relationship with the brand (cultivated or cold) that sets whether it accepts a
    paid post and at what price (:func:`sim.model.kol_selection.kol_terms`).

    Parameters
    ----------
    model : BuzzModel
    node : int
        The KOL's account.
    propensity : float
        Multiplier of the KOL's share hazard (written into the engine's arrays).
    schedule : dict[int, list[int]]
        Step -> messages this KOL originates at that step (e.g. sponsored posts).
    """

    def __init__(self, model: BuzzModel, node: int, propensity: float, schedule: dict[int, list[int]] | None = None):
        super().__init__(model, node)
        self.propensity = propensity
        self.schedule = schedule or {}
        self.offers = 0
        self.accepted = 0

    @property
    def relationship(self) -> float:
        """Relationship strength with the brand in [0, 1] (cultivated or cold)."""
        tactics = getattr(self.model, "tactics", None)
        if tactics is None:
            return 0.0
        return float(tactics.relationship.get(self.node, 0.0))

    def consider_offer(self, accept_p: float) -> bool:
        """Answer the brand's offer of a paid post: yes with probability ``accept_p``
        (set by the relationship). The KOL's draw comes from its own named stream, so
        the same KOL answers the same way in every variant whenever its chance allows
        (a cold offer accepted implies a cultivated one would have been)."""
        self.offers += 1
        u = rng_mod.generator(self.model.run_seed, f"kol_offer/{self.node}").random()
        ok = bool(u < accept_p)
        self.accepted += int(ok)
        return ok

    def accept(self, m: int, t: int) -> None:
        """Post message ``m`` (the brand's seeding message) at step ``t``."""
        self.schedule.setdefault(t, []).append(m)

    def step(self) -> None:
        t = self.model.t
        for m in self.schedule.get(t, ()):
            self.model.engine.inject(t, m, np.array([self.node]))
