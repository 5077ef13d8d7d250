"""The follower graph: compact CSR storage, generators, file IO and the scenario builder.

Edge ``u → v`` means *v follows u*, so u's posts reach v (DESIGN §2). Undirected
input counts as reciprocal. See :class:`FollowerGraph`.
"""

from sim.graph.build import build_graph, estimate_graph_size
from sim.graph.csr import FollowerGraph, build_csr, merge_csr
from sim.graph.generators import (
    communities,
    configuration,
    erdos_renyi,
    powerlaw_mean,
    sample_degree_sequence,
    scale_free,
    small_world,
)
from sim.graph.io import from_networkx, load_edgelist, load_graphml, save_edgelist, sniff_edgelist
from sim.graph.memory import check_memory, estimate_memory_bytes

__all__ = [
    "FollowerGraph",
    "build_csr",
    "build_graph",
    "check_memory",
    "communities",
    "configuration",
    "erdos_renyi",
    "estimate_graph_size",
    "estimate_memory_bytes",
    "from_networkx",
    "load_edgelist",
    "load_graphml",
    "merge_csr",
    "powerlaw_mean",
    "sample_degree_sequence",
    "save_edgelist",
    "scale_free",
    "small_world",
    "sniff_edgelist",
]
