"""Build the follower graph a scenario asks for (``[graph]`` section, :class:`GraphConfig`)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from sim.errors import GraphError
from sim.graph import generators as gen
from sim.graph.csr import FollowerGraph
from sim.graph.io import load_edgelist, load_graphml, sniff_edgelist
from sim.graph.memory import available_memory_bytes, check_memory, estimate_memory_bytes
from sim.scenario.schema import GraphConfig

__all__ = ["build_graph", "estimate_graph_size", "estimate_memory_bytes"]

_GRAPHML_SUFFIXES = (".graphml", ".xml")
#: networkx needs about 200 bytes per edge (DESIGN §3); ElementTree holds the
#: whole document too. A GraphML edge line is about 50 bytes, so about 15 bytes
#: of memory per byte of file.
_GRAPHML_BYTES_PER_FILE_BYTE = 15


def _is_graphml(path: str) -> bool:
    return path.lower().endswith(_GRAPHML_SUFFIXES)


def estimate_graph_size(cfg: GraphConfig) -> tuple[int, int]:
    """Expected ``(accounts, stored directed edges)`` of the graph ``cfg`` describes.

    For generated graphs this is exact up to rounding (for the erased
    configuration model, an upper bound). For an edge-list file it is estimated
    from the file size and the mean length of its first lines (at most two new
    accounts per edge); for GraphML from the file size.
    """
    if cfg.kind == "file":
        path = Path(cfg.path or "")
        if not path.exists():
            raise GraphError(f"graph file {cfg.path} not found")
        size = path.stat().st_size
        if _is_graphml(str(path)):
            edges = size // 50
            return min(2 * edges, 2**31 - 1), edges * (1 if cfg.directed else 2)
        info = sniff_edgelist(path, delimiter=cfg.delimiter)
        edges = int(size / max(info["mean_line_bytes"], 4.0))
        return min(2 * edges, 2**31 - 1), edges * (1 if cfg.directed else 2)
    n = cfg.n
    if cfg.kind == "configuration" and cfg.degree_distribution == "powerlaw":
        hi = n - 1 if cfg.k_max is None else min(cfg.k_max, n - 1)
        mean = gen.powerlaw_mean(cfg.exponent, cfg.k_min, hi) if cfg.k_min <= hi else 0.0
    else:
        mean = cfg.mean_degree
    return n, round(n * mean)


def build_graph(cfg: GraphConfig, rng: np.random.Generator) -> FollowerGraph:
    """Build (or load) the follower graph described by a scenario's ``[graph]`` section.

    Parameters
    ----------
    cfg : GraphConfig
        ``kind`` selects the generator: ``erdos_renyi``, ``configuration``,
        ``scale_free``, ``small_world``, ``communities``, or ``file`` (an edge
        list, or GraphML when ``path`` ends in ``.graphml``/``.xml``).
    rng : numpy.random.Generator
        Source of randomness for the generators (unused for files).

    Returns
    -------
    FollowerGraph

    Raises
    ------
    GraphError
        If the graph would need more memory than is available (checked before
        anything is allocated), or the file is missing or malformed.
    """
    n, n_edges = estimate_graph_size(cfg)
    extra = 0
    if cfg.kind == "file":
        size = os.path.getsize(cfg.path or "")
        extra = size * (_GRAPHML_BYTES_PER_FILE_BYTE if _is_graphml(cfg.path or "") else 1)
    check_memory(n, n_edges, available=available_memory_bytes() - extra)
    if cfg.kind != "file" and cfg.media_accounts > 0:
        return _with_media(cfg, rng)
    return _generate(cfg, rng)


def _with_media(cfg: GraphConfig, rng: np.random.Generator) -> FollowerGraph:
    """The generated graph with a media layer; its edges come out of the mean degree.

    The base graph is generated with ``mean_degree - media edges / n`` so the whole
    graph keeps the configured mean degree.
    """
    extra = gen.media_edges(cfg.n, cfg.media_accounts, cfg.media_followers_min, cfg.media_followers_max)
    base_mean = cfg.mean_degree - extra / cfg.n
    if base_mean < 0.5 * cfg.mean_degree:
        raise GraphError(
            f"graph.media_accounts: {cfg.media_accounts} media accounts with {cfg.media_followers_min:,}–"
            f"{cfg.media_followers_max:,} followers need {extra / cfg.n:.1f} of the mean degree "
            f"{cfg.mean_degree:g} on {cfg.n:,} accounts (at most half): fewer media accounts, or a larger graph")
    g = _generate(cfg.model_copy(update={"mean_degree": base_mean}), rng)
    return gen.add_media_layer(g, cfg.media_accounts, rng=rng, followers_min=cfg.media_followers_min,
                               followers_max=cfg.media_followers_max)


def _generate(cfg: GraphConfig, rng: np.random.Generator) -> FollowerGraph:
    """The graph of ``cfg``'s generator (or file), without a media layer."""
    kind = cfg.kind
    if kind == "file":
        path = cfg.path or ""
        if _is_graphml(path):
            directed = cfg.directed if "directed" in cfg.model_fields_set else None
            return load_graphml(path, directed=directed)
        return load_edgelist(path, directed=cfg.directed, delimiter=cfg.delimiter)
    if kind == "erdos_renyi":
        return gen.erdos_renyi(cfg.n, cfg.mean_degree, directed=cfg.directed, rng=rng)
    if kind == "configuration":
        return gen.configuration(
            cfg.n,
            rng=rng,
            distribution=cfg.degree_distribution,
            exponent=cfg.exponent,
            k_min=cfg.k_min,
            k_max=cfg.k_max,
            mean_degree=cfg.mean_degree,
            directed=cfg.directed,
        )
    if kind == "scale_free":
        return gen.scale_free(
            cfg.n,
            cfg.mean_degree,
            rng=rng,
            exponent=cfg.exponent,
            in_exponent=cfg.in_exponent,
            directed=cfg.directed,
        )
    if kind == "small_world":
        return gen.small_world(
            cfg.n, cfg.mean_degree, rewire_p=cfg.rewire_p, rng=rng, directed=cfg.directed
        )
    if kind == "communities":
        return gen.communities(
            cfg.n,
            cfg.mean_degree,
            n_communities=cfg.communities,
            homophily=cfg.homophily,
            rng=rng,
            directed=cfg.directed,
        )
    raise GraphError(f"unknown graph kind {kind!r}")  # pragma: no cover - schema forbids it
