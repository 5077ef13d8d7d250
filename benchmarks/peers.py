"""Adapters for the peer tools: cynetdiff, NDlib and EoN.

Every adapter runs on the *same* follower graph as the engine (a
:class:`~sim.graph.FollowerGraph`; edge ``u → v``: v follows u, so a cascade
moves from u to v), with the same probability and the *same seed accounts* the
engine drew. Converting the graph into the tool's own structure is timed
separately from the cascades ("convert_s", "setup_s"); a cascade's time covers
only the simulation itself.

* **cynetdiff** — ``IndependentCascadeModel`` built directly from our CSR arrays
  (``starts = indptr[:-1]``, ``edges = indices`` as uint32; no networkx needed);
  per cascade: ``reset_model()`` outside the timing, ``advance_until_completion()``
  timed.
* **NDlib** — ``IndependentCascadesModel`` on a networkx ``DiGraph`` with the
  edge threshold ``p`` set on every edge (setup); per cascade
  ``reset(infected_nodes=seeds)`` outside the timing, then ``iteration()`` timed
  until no node is infected.
* **EoN** — ``fast_SIR(G, tau, gamma, initial_infecteds=seeds)`` with
  ``gamma = 1`` and ``tau = p / (1 - p)``, so that the marginal transmission
  probability along an edge is ``tau / (tau + gamma) = p``. With exponential
  infectious periods the transmissions out of one node are correlated (they
  share its infectious period): the attack rate of a major outbreak equals that
  of independent cascades with the same ``p``, the probability of a major outbreak
  does not. With ``IC_SEEDS`` seeds a major outbreak is all but certain, so the
  mean final sizes are comparable; this is a *final-size* comparison only.

A tool that cannot be imported is reported as skipped, with the reason.
"""

from __future__ import annotations

import importlib
import time
from typing import Any

import numpy as np

__all__ = ["PEERS", "CynetdiffIC", "EoNSIR", "NDlibIC", "available", "to_networkx", "version"]

PEERS = ("cynetdiff", "ndlib", "EoN")
_MODULES = {"cynetdiff": "cynetdiff.models", "ndlib": "ndlib.models.epidemics", "EoN": "EoN"}


def available(name: str) -> tuple[bool, str]:
    """``(True, "")`` when peer ``name`` imports, else ``(False, reason)``."""
    try:
        importlib.import_module(_MODULES[name])
    except ImportError as exc:  # ModuleNotFoundError included
        missing = getattr(exc, "name", None)
        if missing and missing.split(".")[0] not in (name, name.lower()):
            return False, f"not importable: {exc} (a dependency of {name} is missing)"
        return False, f"not installed ({exc}); `pip install -e '.[bench]'` installs it"
    except Exception as exc:  # noqa: BLE001 - a broken install
        return False, f"import failed: {type(exc).__name__}: {exc}"
    return True, ""


def version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as v

    try:
        return v(name)
    except PackageNotFoundError:
        return "?"


def to_networkx(graph) -> Any:
    """The follower graph as a networkx ``DiGraph`` (nodes ``0..n-1``, edge u → v)."""
    import networkx as nx

    src, dst = graph.edges()
    g = nx.DiGraph()
    g.add_nodes_from(range(graph.n))
    g.add_edges_from(zip(src.tolist(), dst.tolist()))
    return g


class CynetdiffIC:
    """cynetdiff's independent cascade on the follower graph's CSR arrays."""

    name = "cynetdiff"

    def __init__(self, graph, p: float):
        from cynetdiff.models import IndependentCascadeModel

        t0 = time.perf_counter()
        starts = np.ascontiguousarray(graph.indptr[:-1], dtype=np.uint32)
        edges = np.ascontiguousarray(graph.indices, dtype=np.uint32)
        self.model = IndependentCascadeModel(starts, edges, activation_prob=float(p), rng=0)
        self.convert_s = time.perf_counter() - t0
        self._keep = (starts, edges)  # the model holds memoryviews of these

    def cascade(self, seeds: np.ndarray, rng_seed: int) -> tuple[float, int]:
        """One cascade from ``seeds``; returns ``(seconds, final size incl. seeds)``."""
        m = self.model
        m.set_seeds([int(s) for s in seeds])
        m.set_rng(int(rng_seed))
        m.reset_model()
        t0 = time.perf_counter()
        m.advance_until_completion()
        dt = time.perf_counter() - t0
        return dt, int(m.get_num_activated_nodes())


class NDlibIC:
    """NDlib's ``IndependentCascadesModel`` on a networkx DiGraph with threshold ``p`` on every edge."""

    name = "ndlib"

    def __init__(self, nxgraph, p: float, seeds: np.ndarray):
        import ndlib.models.epidemics as ep
        import ndlib.models.ModelConfig as mc

        t0 = time.perf_counter()
        self.model = ep.IndependentCascadesModel(nxgraph, seed=0)
        cfg = mc.Configuration()
        cfg.add_model_initial_configuration("Infected", [int(s) for s in seeds])
        for e in nxgraph.edges():
            cfg.add_edge_configuration("threshold", e, float(p))
        self.model.set_initial_status(cfg)
        self.setup_s = time.perf_counter() - t0

    def cascade(
        self, seeds: np.ndarray, rng_seed: int, max_iterations: int | None = None
    ) -> tuple[float, int, int, bool]:
        """One cascade; returns ``(seconds, final size, iterations, completed)``.

        With ``max_iterations`` the cascade is cut after that many iterations
        (``completed`` False if it was still going).
        """
        m = self.model
        m.reset(infected_nodes=[int(s) for s in seeds])
        np.random.seed(int(rng_seed) % 2**32)
        t0 = time.perf_counter()
        it = m.iteration(node_status=False)
        k = 1
        completed = True
        while it["node_count"].get(1, 0) > 0:
            if max_iterations is not None and k >= max_iterations:
                completed = False
                break
            it = m.iteration(node_status=False)
            k += 1
        dt = time.perf_counter() - t0
        counts = it["node_count"]
        return dt, int(counts.get(2, 0) + counts.get(1, 0)), k, completed


class EoNSIR:
    """EoN's ``fast_SIR`` with the edge transmissibility ``tau / (tau + gamma) = p``."""

    name = "EoN"

    def __init__(self, nxgraph, p: float, gamma: float = 1.0):
        import EoN

        self._fast_sir = EoN.fast_SIR
        self.g = nxgraph
        self.gamma = float(gamma)
        self.tau = float(p) / (1.0 - float(p)) * self.gamma

    def cascade(self, seeds: np.ndarray, rng_seed: int) -> tuple[float, int]:
        rng = np.random.default_rng(int(rng_seed))
        init = [int(s) for s in seeds]
        t0 = time.perf_counter()
        _t, _s, _i, r = self._fast_sir(self.g, self.tau, self.gamma, initial_infecteds=init, rng=rng)
        dt = time.perf_counter() - t0
        return dt, int(r[-1])
