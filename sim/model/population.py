"""Per-account state arrays (structure of arrays): roles, activity, interest, sentiment.

Every node of the follower graph is one account. The population adds the brand's
own account (a new node followed by its fans, drawn mostly from the target
segment) and any bought bot accounts (new nodes that follow the brand and never
read or share).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.errors import ScenarioError
from sim.graph import FollowerGraph
from sim.scenario.schema import BrandConfig, PopulationConfig

__all__ = ["FOLLOWER", "KOL", "BRAND", "BOT", "MEDIA", "ROLE_NAMES", "Population", "build_population"]

FOLLOWER, KOL, BRAND, BOT, MEDIA = 0, 1, 2, 3, 4
ROLE_NAMES = ("follower", "kol", "brand", "bot", "media")


@dataclass
class Population:
    """The accounts of one run.

    Attributes
    ----------
    graph : FollowerGraph
        The follower graph including the brand node and bots.
    role : int8 array
        Role code per account (``FOLLOWER``, ``KOL``, ``BRAND``, ``BOT``, ``MEDIA``).
    activity : float64 array
        Probability of being online in an average hour (0 for bots and the brand).
    interest : float32 array
        Interest in the brand's category, in [0, 1].
    is_target : bool array
        Target customers (high interest).
    sentiment : float64 array
        Initial sentiment toward the brand, in [-1, 1].
    propensity : float64 array
        Per-account multiplier of the share hazard (KOLs' own parameter).
    n_people : int
        Accounts of the original graph (people: followers and KOLs).
    brand_node : int
        Node id of the brand account, or -1 when the scenario has no brand.
    kol_nodes, bot_nodes : int arrays
    hunter_nodes : int array
        Professional prize-hunter accounts (role ``BOT``) that repost an open
        giveaway; they follow nobody and nobody follows them.
    """

    graph: FollowerGraph
    role: np.ndarray
    activity: np.ndarray
    interest: np.ndarray
    is_target: np.ndarray
    sentiment: np.ndarray
    propensity: np.ndarray
    n_people: int
    brand_node: int
    kol_nodes: np.ndarray
    bot_nodes: np.ndarray
    hunter_nodes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def n(self) -> int:
        return self.graph.n

    @property
    def is_person(self) -> np.ndarray:
        return (self.role == FOLLOWER) | (self.role == KOL) | (self.role == MEDIA)


def _target_segment(graph: FollowerGraph, share: float, rng: np.random.Generator) -> np.ndarray:
    """Target customers: whole communities when the graph has them (homophily of
    interest), otherwise a uniformly random share of accounts."""
    n = graph.n
    if graph.community is not None and share > 0:
        comm = graph.community
        k = int(comm.max()) + 1
        n_target_comm = max(1, int(round(share * k)))
        chosen = rng.permutation(k)[:n_target_comm]
        return np.isin(comm, chosen)
    mask = np.zeros(n, dtype=bool)
    mask[rng.permutation(n)[: int(round(share * n))]] = True
    return mask


def build_population(
    graph: FollowerGraph,
    pop: PopulationConfig,
    brand: BrandConfig | None,
    rng: np.random.Generator,
    *,
    hunters: int = 0,
) -> Population:
    """Draw the population of a run from its configuration.

    Parameters
    ----------
    graph : FollowerGraph
        The people's follower graph (without brand or bots).
    pop : PopulationConfig
        Distributions of activity, interest, sentiment; KOL selection.
    brand : BrandConfig or None
        The brand account, its fans and bought bots; ``None`` or disabled for none.
    rng : numpy.random.Generator
        The run's "population" stream.
    hunters : int, default 0
        Prize-hunter accounts to add after the bots (an open giveaway, F7); they
        draw nothing from ``rng``, so the rest of the population is unchanged.

    Returns
    -------
    Population
    """
    n = graph.n
    a = pop.activity_mean * pop.activity_concentration
    b = (1.0 - pop.activity_mean) * pop.activity_concentration
    activity = np.ones(n) if pop.activity_mean >= 1.0 else rng.beta(a, b, n)
    activity = np.clip(activity, 1e-4, 1.0 if pop.activity_mean >= 1.0 else 0.999)
    is_target = _target_segment(graph, pop.target_share, rng)
    interest = np.where(is_target, pop.interest_target, pop.interest_other).astype(np.float32)
    sentiment = np.clip(rng.normal(pop.sentiment_mean, pop.sentiment_sd, n), -1.0, 1.0)
    role = np.zeros(n, dtype=np.int8)
    propensity = np.ones(n)

    if pop.kol_ids is not None:
        kols = np.asarray(pop.kol_ids, dtype=np.int64)
        bad = kols[(kols < 0) | (kols >= n)]
        if bad.size:
            raise ScenarioError(f"population.kol_ids: node {int(bad[0])} is not in the graph (0..{n - 1})")
    else:
        k = min(pop.n_kols, n)
        followers = graph.follower_count()
        # top-k by follower count, ties broken by node id (stable sort)
        kols = np.argsort(-followers, kind="stable")[:k].astype(np.int64)
    role[kols] = KOL
    propensity[kols] = pop.kol_propensity

    brand_node = -1
    bots = np.zeros(0, dtype=np.int64)
    if brand is not None and brand.enabled:
        n_bots = brand.bots
        graph = graph.add_nodes(1 + n_bots)
        brand_node = n
        bots = np.arange(n + 1, n + 1 + n_bots, dtype=np.int64)
        if "fans" in brand.model_fields_set and brand.fans > is_target.size:
            # refused, not silently cut to the graph (issue #14); the default 500 is cut to small graphs
            raise ScenarioError(f"brand.fans = {brand.fans:,} exceeds the {is_target.size:,} accounts of the graph")
        fans = _draw_fans(is_target, brand.fans, brand.fan_target_share, rng)
        src = np.full(fans.size + n_bots, brand_node, dtype=np.int64)
        dst = np.concatenate([fans, bots])
        graph = graph.add_edges(src, dst)
        extra = 1 + n_bots
        role = np.concatenate([role, np.full(extra, BOT, dtype=np.int8)])
        role[brand_node] = BRAND
        activity = np.concatenate([activity, np.zeros(extra)])
        interest = np.concatenate([interest, np.zeros(extra, dtype=np.float32)])
        is_target = np.concatenate([is_target, np.zeros(extra, dtype=bool)])
        sentiment = np.concatenate([sentiment, np.zeros(extra)])
        propensity = np.concatenate([propensity, np.zeros(extra)])

    hunter_nodes = np.zeros(0, dtype=np.int64)
    if hunters > 0:
        first = graph.n
        graph = graph.add_nodes(hunters)
        hunter_nodes = np.arange(first, first + hunters, dtype=np.int64)
        role = np.concatenate([role, np.full(hunters, BOT, dtype=np.int8)])
        activity = np.concatenate([activity, np.zeros(hunters)])
        interest = np.concatenate([interest, np.zeros(hunters, dtype=np.float32)])
        is_target = np.concatenate([is_target, np.zeros(hunters, dtype=bool)])
        sentiment = np.concatenate([sentiment, np.zeros(hunters)])
        propensity = np.concatenate([propensity, np.zeros(hunters)])

    return Population(
        graph=graph,
        role=role,
        activity=activity,
        interest=interest,
        is_target=is_target,
        sentiment=sentiment,
        propensity=propensity,
        n_people=n,
        brand_node=brand_node,
        kol_nodes=kols,
        bot_nodes=bots,
        hunter_nodes=hunter_nodes,
    )


def _draw_fans(is_target: np.ndarray, n_fans: int, target_share: float, rng: np.random.Generator) -> np.ndarray:
    """Fans of the brand: ``target_share`` of them from the target segment."""
    targets = np.flatnonzero(is_target)
    others = np.flatnonzero(~is_target)
    n_fans = min(n_fans, is_target.size)
    k_t = min(int(round(n_fans * target_share)), targets.size)
    k_o = min(n_fans - k_t, others.size)
    fans = np.concatenate([rng.choice(targets, k_t, replace=False), rng.choice(others, k_o, replace=False)])
    return np.sort(fans).astype(np.int64)
