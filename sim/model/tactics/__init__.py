"""Campaign tactics: behaviour of the brand and its KOLs (DESIGN §2, claims F4–F9).

One module per tactic, each declaring its parameters, its per-step behaviour and
its outputs (:class:`~sim.model.tactics.base.Tactic`), registered in
:mod:`sim.model.tactics.registry`:

* :mod:`~sim.model.tactics.ads` — scheduled broadcast ads (reposts);
* :mod:`~sim.model.tactics.bots` — bought followers;
* :mod:`~sim.model.tactics.trends` — riding a trend; an open hashtag's hijack risk;
* :mod:`~sim.model.tactics.seeding` — paid KOL posts, cultivated relationships;
* :mod:`~sim.model.tactics.giveaway` — targeted and open ("repost to win") giveaways;
* :mod:`~sim.model.tactics.engagement` — deep vs shallow engagement, advocates.

Randomness: named generators of the run (``sim.rng.generator(seed, name)``), one per
decision ("giveaway", "hijack", "engagement", and one per KOL for its answer to an
offer), so that variants of a scenario share their draws.
"""

from sim.model.tactics.base import COST_ITEMS, TACTIC_ORIGINS, Ledger, Tactic, is_brand_content
from sim.model.tactics.giveaway import n_hunters
from sim.model.tactics.registry import TACTICS, Tactics

__all__ = [
    "COST_ITEMS",
    "TACTICS",
    "TACTIC_ORIGINS",
    "Ledger",
    "Tactic",
    "Tactics",
    "is_brand_content",
    "n_hunters",
]
