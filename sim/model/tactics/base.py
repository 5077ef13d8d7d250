"""What every campaign tactic is: a :class:`Tactic` and the run's :class:`Ledger`.

A tactic (one module each in :mod:`sim.model.tactics`) declares

* its **parameters**: the schema keys it reads (:attr:`Tactic.parameters`, documented
  in docs/model.md, "Campaign tactics");
* its **set-up**: ``__init__(model, sc, messages, ledger)`` runs while the model is
  built (population ready, engine not yet) and may adjust the messages it posts;
* its **per-step behaviour**: :meth:`Tactic.step`, called from ``Brand.step`` in the
  order of :data:`sim.model.tactics.registry.TACTICS`;
* its **outputs**: :meth:`Tactic.summary`, the run metrics it adds (names listed
  in :attr:`Tactic.outputs`).

Money and brand posts go through the shared :class:`Ledger`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from sim.scenario.schema import MessageConfig

if TYPE_CHECKING:
    from sim.model.agents import Brand
    from sim.model.buzz import BuzzModel
    from sim.model.messages import Message
    from sim.scenario.schema import Scenario

__all__ = ["COST_ITEMS", "TACTIC_ORIGINS", "Ledger", "Tactic", "is_brand_content"]

#: Message origins whose posting is decided by a tactic, not scheduled at build.
TACTIC_ORIGINS = ("seeding", "giveaway", "advocates")

#: Cost items of the summary (``cost_<item>``); ``cost`` is their sum plus crisis costs.
COST_ITEMS = ("ads", "content", "kol_fees", "cultivation", "prizes", "bots", "engagement")


def is_brand_content(mc: MessageConfig) -> bool:
    """Whether a configured message is the brand's own content (counted in brand reach)."""
    return mc.origin in ("brand", "kol", *TACTIC_ORIGINS) or mc.rides is not None


class Ledger:
    """Costs by item and the brand's posts per message, shared by every tactic.

    Parameters
    ----------
    model : BuzzModel
    cost_per_post : list of float
        ``cost_per_post`` of each configured message.
    """

    def __init__(self, model: BuzzModel, cost_per_post: list[float]) -> None:
        self.model = model
        self.costs = {k: 0.0 for k in COST_ITEMS}
        self.brand_posts = 0
        self.cost_per_post = np.asarray(cost_per_post, dtype=float)
        self.posts = np.zeros(self.cost_per_post.size, dtype=np.int64)

    def add_message(self) -> None:
        """A message added by a tactic (it costs nothing to post)."""
        self.cost_per_post = np.append(self.cost_per_post, 0.0)
        self.posts = np.zeros(self.cost_per_post.size, dtype=np.int64)

    def count_post(self, m: int, k: int) -> None:
        """``k`` posts of message ``m`` by the brand: counted and paid for."""
        if k <= 0:
            return
        self.posts[m] += k
        self.brand_posts += k
        cost = self.cost_per_post[m] * k
        if cost:
            self.costs["ads" if self.model.messages.kind[m] == "ad" else "content"] += cost


class Tactic:
    """Base of the campaign tactics (see the module docstring)."""

    #: Name of the tactic (its module).
    name: ClassVar[str] = ""
    #: Schema keys the tactic reads.
    parameters: ClassVar[tuple[str, ...]] = ()
    #: Run metrics the tactic adds to the summary.
    outputs: ClassVar[tuple[str, ...]] = ()

    def __init__(self, model: BuzzModel, sc: Scenario, messages: list[Message], ledger: Ledger) -> None:
        self.model = model
        self.ledger = ledger
        self.cfg = sc.brand

    def attach(self, engine: Any) -> None:
        """Set up the engine's state the tactic needs (once the engine exists)."""

    def step(self, brand: Brand, t: int) -> None:
        """What the tactic does at step ``t`` (called from ``Brand.step``)."""

    def summary(self) -> dict[str, object]:
        """The tactic's run metrics (:attr:`outputs`)."""
        return {}
