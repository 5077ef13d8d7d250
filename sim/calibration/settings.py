"""Named model settings of ``buzzsim validate --data --setting``: the defaults and candidates.

A setting is a set of scenario keys laid over the scenario sampled (one post). Kept
free of heavy imports: the command line lists the names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["SETTINGS", "Setting"]


@dataclass(frozen=True)
class Setting:
    """A named model setting: scenario keys laid over the sampled scenario.

    ``overrides`` apply to single posts (message 0 is the post); ``population``,
    ``graph`` (but ``graph.n``), ``feed``, ``dynamics`` and ``crisis`` keys among them also apply
    to the complaint (``crisis_response``) in
    :func:`sim.calibration.requirements.complaint_scaling`; message keys do not (the
    complaint has its own).
    """

    name: str
    description: str
    overrides: Mapping[str, Any] = field(default_factory=dict)
    source: str = ""

    def crisis_overrides(self) -> dict[str, Any]:
        """The keys that carry over to the complaint scenario (population, graph, feed, dynamics, crisis)."""
        return {k: v for k, v in self.overrides.items()
                if k.startswith(("population.", "graph.", "feed.", "dynamics.", "crisis.")) and k != "graph.n"}


_BROADCAST = {
    "graph.n": 100_000,
    "messages.0.origin": "kol",
    "messages.0.virality": 2.0,
    "messages.0.relevance_weight": 1.0,
    "population.interest_other": 0.02,
    "population.target_share": 0.1,
}

#: broadcast on a graph with audiences of realistic size and interest homophily: five media
#: accounts with 10^5-10^6 followers on 10^6 accounts in communities (the target segment is
#: whole communities, so a resharer's followers share its interest); virality set by hand
#: (0.07-0.5 tried, 16 cascades each) for Twitter15's median size with its structural virality
_MEDIA = {
    **_BROADCAST,
    "graph.n": 1_000_000,
    "graph.kind": "communities",
    "graph.media_accounts": 5,
    "population.n_kols": 5,
    "messages.0.virality": 0.1,
}

#: The settings ``--setting`` names. ``defaults`` is the model as shipped.
SETTINGS: dict[str, Setting] = {
    "defaults": Setting(
        "defaults", "the model's defaults (the scenario as given; by default one post from a random account, "
        "10^4 accounts)"),
    "broadcast": Setting(
        "broadcast", "candidate: hub source + heterogeneous interest (docs/model.md, issue 16 row 3): a post by one "
        "of the 20 largest accounts of a 10^5-account scale-free graph, share hazard scaled by interest "
        "(relevance_weight 1), 90 % of accounts with interest 0.02, virality 2",
        _BROADCAST,
        "hub sources: Twitter15's sources are news accounts (Ma et al. 2017); heterogeneous interest: most "
        "accounts do not care about a given topic (Weng et al., Sci Rep 2012)"),
    "media": Setting(
        "media", "candidate: broadcast + audiences of realistic size + interest homophily: a post by one of five "
        "media accounts with 10^5–10^6 followers (graph.media_accounts) on a 10^6-account graph of communities "
        "(the interested tenth is one whole community), share hazard scaled by interest, virality 0.1",
        _MEDIA,
        "follower counts up to 10^6–10^7 and news media as the most retweeted sources (Kwak et al., WWW 2010; "
        "Cha et al., ICWSM 2010); homophily of interest (McPherson, Smith-Lovin & Cook 2001); heterogeneous "
        "interest (Weng et al., Sci Rep 2012)"),
}
