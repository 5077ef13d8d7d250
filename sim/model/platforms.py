"""Several platforms at once (issue #17, item 3; docs/model.md, "Several platforms").

The engines keep their one rule: the platforms are **stacked** into one graph. Each
account of the population has one engine row per platform, ``row = platform * N +
account`` (``N`` accounts per block: the population's people, brand, bots), and each
platform's edges stay within its block. A row carries its account's traits
(interest, target flag, initial sentiment, role) with the platform's multipliers
(session rate × ``reading``, share hazard × ``sharing``). An account absent from a
platform has an inactive row there (no edges, never online, not counted among the
people). The rows of the first platform are the accounts themselves, so the brand,
its KOLs and its fans keep their ids.

A message keeps one id on every platform, so its counters split by row block; its
origins post on the message's ``platforms`` (the first one by default) where they are
present. **Cross-posting**: when a row shares by reading, the same account also
posts the message on each other platform it is present on, with the probability
``cross_post_p`` of the platform where it shared (sim.engine.rule.cross_post_draw, and
``Account.read`` of the reference engine).

Sentiment and awareness are held per row (the Weibo and the WeChat account of a
person are told apart); population totals (mean sentiment, NSI, customers lost)
count the rows of present people.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim import rng as rng_mod
from sim.errors import ScenarioError
from sim.graph import FollowerGraph, build_graph
from sim.model.population import BOT, Population
from sim.scenario.presets import platform_setting
from sim.scenario.schema import GraphConfig

__all__ = ["PlatformLayout", "stack_platforms", "stacked_reading_tables"]


@dataclass(frozen=True)
class PlatformLayout:
    """Where each platform's rows are, and the platform-level settings the engines read.

    Attributes
    ----------
    names, kinds : tuple of str
    n_block : int
        Rows per platform (the accounts of the population, brand and bots included).
    present : numpy.ndarray
        ``(P, n_block)`` bool: account present on platform.
    cross_post_p, reading, sharing, feed_factor, exponent, window_h : numpy.ndarray
        Per platform: cross-posting probability, session-rate and share-hazard
        multipliers, factor of the feed's background rate (0: unlimited attention
        there), the post clock's decay exponent and feed window (h).
    trending : numpy.ndarray
        Per platform: whether it has a trending list.
    """

    names: tuple[str, ...]
    kinds: tuple[str, ...]
    n_block: int
    present: np.ndarray
    cross_post_p: np.ndarray
    reading: np.ndarray
    sharing: np.ndarray
    feed_factor: np.ndarray
    exponent: np.ndarray
    window_h: np.ndarray
    trending: np.ndarray

    @property
    def n_platforms(self) -> int:
        return len(self.names)

    def mask_of(self, names) -> int:
        """Bit mask of the platforms ``names`` (``None``: the first platform)."""
        if not names:
            return 1
        return sum(1 << self.names.index(x) for x in names)

    def platforms_in(self, mask: int) -> list[int]:
        """Indices of the platforms of bit mask ``mask``."""
        return [p for p in range(self.n_platforms) if (int(mask) >> p) & 1]

    def rows(self, mask: int, accounts: np.ndarray) -> np.ndarray:
        """The rows on which ``accounts`` (ids or rows; taken modulo ``n_block``) post a
        message of platforms ``mask``: one per platform where the account is present,
        account by account."""
        a = np.asarray(accounts, dtype=np.int64) % self.n_block
        plats = self.platforms_in(mask)
        rows = np.stack([p * self.n_block + a for p in plats], axis=1)  # (accounts, platforms)
        ok = np.stack([self.present[p, a] for p in plats], axis=1)
        return rows[ok]


def _platform_graph(spec, base: Population, members: np.ndarray, seed: int, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Edges (``src → dst``, account ids) of a platform before presence is applied:
    the population's graph ("shared"), or the platform's own graph built on its
    present people ``members`` (node ``i`` of the generator is account ``members[i]``),
    plus the brand's edges to its fans."""
    src, dst = base.graph.edges()
    src, dst = src.astype(np.int64), dst.astype(np.int64)
    if spec == "shared":
        return src, dst
    k = int(members.size)
    if k < 3:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    spec = spec.model_dump(exclude_unset=True) if isinstance(spec, GraphConfig) else dict(spec)
    # a small platform keeps a graph its generator can build
    spec["mean_degree"] = min(float(spec.get("mean_degree", 10.0)), (k - 1) / 2)
    spec["communities"] = min(int(spec.get("communities", 10)), max(1, k // 5))
    cfg = GraphConfig(**{**spec, "n": k})
    if cfg.kind == "file":
        raise ScenarioError(f"platforms.{name}.graph: a file graph is not supported for a platform (use 'shared')")
    own = build_graph(cfg, rng_mod.generator(seed, f"platform/{name}"))
    s, d = own.edges()
    brand = src == base.brand_node  # the brand's fans follow it on every platform
    return (np.concatenate([members[s.astype(np.int64)], src[brand]]),
            np.concatenate([members[d.astype(np.int64)], dst[brand]]))


def stack_platforms(sc, base: Population, seed: int) -> tuple[Population, PlatformLayout]:
    """The stacked population of a scenario with ``[[platforms]]`` and its layout.

    Parameters
    ----------
    sc : Scenario
        The effective scenario (its ``platforms``, ``feed``, ``trending``, ``dynamics``).
    base : Population
        The population on the scenario's ``[graph]`` (brand, fans, bots included).
    seed : int
        The run seed: presence draws use the stream "platforms", a platform's own
        graph the stream "platform/<name>".
    """
    plats = sc.platforms
    n, n_people, P = base.n, base.n_people, len(plats)
    gen = rng_mod.generator(seed, "platforms")
    present = np.zeros((P, n), dtype=bool)
    srcs, dsts = [], []
    feed_b = float(sc.feed.background_per_account_h)
    vals: dict[str, list[float]] = {k: [] for k in ("cross_post_p", "reading", "sharing", "feed_factor",
                                                    "exponent", "window_h", "trending")}
    for p, pc in enumerate(plats):
        share = float(platform_setting(pc, "presence"))
        tshare = platform_setting(pc, "target_presence")
        tshare = share if tshare is None else float(tshare)
        u = gen.random(n_people)
        present[p, :n_people] = u < np.where(base.is_target[:n_people], tshare, share)
        if base.brand_node >= 0:
            present[p, base.brand_node] = True
        if p == 0:
            present[p, n_people:] = True  # bots and prize hunters live on the first platform
        s, d = _platform_graph(platform_setting(pc, "graph"), base, np.flatnonzero(present[p, :n_people]), seed,
                               pc.name)
        keep = present[p, s] & present[p, d]
        srcs.append(s[keep] + p * n)
        dsts.append(d[keep] + p * n)
        vals["cross_post_p"].append(float(platform_setting(pc, "cross_post_p")))
        vals["reading"].append(float(platform_setting(pc, "reading")))
        vals["sharing"].append(float(platform_setting(pc, "sharing")))
        own_b = platform_setting(pc, "feed_background_per_account_h")
        b = feed_b if own_b is None else float(own_b)
        vals["feed_factor"].append((b / feed_b if feed_b > 0 else 0.0) if platform_setting(pc, "feed") else 0.0)
        ex = platform_setting(pc, "visibility_exponent")
        vals["exponent"].append(float(sc.dynamics.visibility_exponent if ex is None else ex))
        w = platform_setting(pc, "feed_window_h")
        vals["window_h"].append(float(sc.dynamics.feed_window_h if w is None else w))
        tr = platform_setting(pc, "trending")
        vals["trending"].append(bool(sc.trending.enabled and pc.kind == "broadcast") if tr is None else bool(tr))
    graph = FollowerGraph.from_edges(np.concatenate(srcs), np.concatenate(dsts), P * n, directed=True)
    flat = present.reshape(-1)
    role = np.tile(base.role, P)
    role[~flat] = BOT  # an absent account's row: inert (never reads, never shares, not a person)
    activity = np.tile(base.activity, P)
    activity[~flat] = 0.0
    propensity = np.concatenate([base.propensity * vals["sharing"][p] for p in range(P)])
    stacked = Population(
        graph=graph, role=role, activity=activity, interest=np.tile(base.interest, P),
        is_target=np.tile(base.is_target, P) & flat, sentiment=np.tile(base.sentiment, P), propensity=propensity,
        n_people=n_people, brand_node=base.brand_node, kol_nodes=base.kol_nodes, bot_nodes=base.bot_nodes,
        hunter_nodes=base.hunter_nodes,
    )
    layout = PlatformLayout(
        names=tuple(pc.name for pc in plats), kinds=tuple(pc.kind for pc in plats), n_block=n, present=present,
        cross_post_p=np.array(vals["cross_post_p"]), reading=np.array(vals["reading"]),
        sharing=np.array(vals["sharing"]), feed_factor=np.array(vals["feed_factor"]),
        exponent=np.array(vals["exponent"]), window_h=np.array(vals["window_h"]),
        trending=np.array(vals["trending"], dtype=bool),
    )
    return stacked, layout


def stacked_reading_tables(layout: PlatformLayout, reading_table, circadian, plateau_min: float, attention: float,
                           phase_min: float, age_min: float) -> np.ndarray:
    """The cumulative reading hazard of each platform on one age grid (the longest
    window): ``(P, phases, ages)``; past a platform's own window its table stays flat,
    so a reading never falls there."""
    w_max = float(layout.window_h.max())
    out = []
    for ex, w in zip(layout.exponent, layout.window_h):
        g = attention * np.array(reading_table(w_max, circadian, plateau_min, float(ex), phase_min=phase_min,
                                               age_min=age_min))
        last = min(g.shape[1] - 1, int(round(w * 60.0 / age_min)))
        g[:, last + 1:] = g[:, last:last + 1]
        out.append(g)
    return np.ascontiguousarray(np.stack(out))
