"""A per-process cache of generated follower graphs, for many runs on the same graphs.

A run builds its graph from its scenario's ``[graph]`` section and the run's seed
(``rng.generator(seed, "graph")``), so the variants of a comparison — which share
their replicate seeds — build the same graph again for every variant. At 10^6
accounts that build costs more than many runs. :func:`cached_graph` keeps the
graphs a process built (least recently used first out, within a byte budget) and
hands the same graph back for the same section and seed; a graph is a pure function
of the two, so a cached graph gives the numbers a freshly built one would.
"""

from __future__ import annotations

import json
from collections import OrderedDict

import numpy as np

from sim.graph.build import build_graph
from sim.graph.csr import FollowerGraph
from sim.scenario.schema import GraphConfig

__all__ = ["MIN_CACHED_ACCOUNTS", "cache_info", "cached_graph", "clear_cache"]

#: graphs below this many accounts build in milliseconds: not cached
MIN_CACHED_ACCOUNTS = 100_000
#: bytes of graphs one process keeps
BUDGET_BYTES = 1_500_000_000

_CACHE: OrderedDict[tuple[str, int], FollowerGraph] = OrderedDict()
_STATS = {"hits": 0, "misses": 0}


def _nbytes(g: FollowerGraph) -> int:
    return int(g.indptr.nbytes + g.indices.nbytes + (g.community.nbytes if g.community is not None else 0))


def cached_graph(cfg: GraphConfig, seed: int, rng: np.random.Generator) -> FollowerGraph | None:
    """The graph of ``cfg`` for run seed ``seed``, from the cache or built with ``rng``.

    Returns None (build it the usual way) for graphs read from files or smaller than
    :data:`MIN_CACHED_ACCOUNTS`. ``rng`` must be the run's graph stream
    (``sim.rng.generator(seed, "graph")``): it is only used on a miss.
    """
    if cfg.kind == "file" or cfg.n < MIN_CACHED_ACCOUNTS:
        return None
    key = (json.dumps(cfg.model_dump(mode="json"), sort_keys=True), int(seed))
    g = _CACHE.get(key)
    if g is not None:
        _CACHE.move_to_end(key)
        _STATS["hits"] += 1
        return g
    _STATS["misses"] += 1
    g = build_graph(cfg, rng)
    _CACHE[key] = g
    while len(_CACHE) > 1 and sum(_nbytes(x) for x in _CACHE.values()) > BUDGET_BYTES:
        _CACHE.popitem(last=False)
    return g


def cache_info() -> dict[str, int]:
    """Hits, misses and graphs held by this process's cache."""
    return {**_STATS, "graphs": len(_CACHE)}


def clear_cache() -> None:
    """Forget every cached graph."""
    _CACHE.clear()
    _STATS.update(hits=0, misses=0)
