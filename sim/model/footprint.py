"""Will a scenario's model fit in memory? Checked before anything large is allocated."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.errors import GraphError
from sim.graph.build import estimate_graph_size
from sim.graph.memory import EXTRA_MESSAGES, GB, available_memory_bytes, estimate_model_bytes
from sim.scenario.presets import platform_setting
from sim.scenario.schema import GraphConfig

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario

__all__ = ["check_model_memory"]


def check_model_memory(sc: Scenario, *, available: int | None = None) -> int:
    """Refuse (``GraphError``, one line) a scenario whose model does not fit in memory.

    Parameters
    ----------
    sc : Scenario
        The validated scenario (graph size, messages, horizon, external rates).
    available : int, optional
        Bytes available; by default ``psutil.virtual_memory().available``.

    Returns
    -------
    int
        The estimate (:func:`estimate_model_bytes`), in bytes, when it fits.
    """
    n, n_edges = estimate_graph_size(sc.graph)
    n += int(sc.brand.bots) + 1 if sc.brand.enabled else 0
    steps = max(1, round(sc.run.horizon_h * 60.0 / sc.run.step_minutes))
    external = sum(float(mc.external_rate_per_h) for mc in sc.messages) * float(sc.run.horizon_h)
    m = len(sc.messages) + EXTRA_MESSAGES
    if sc.platforms:
        # several platforms: one row per (platform, account), the edges of every platform
        # (an own graph at its preset or given mean degree on its present accounts, at most n)
        extra_edges = 0
        for pc in sc.platforms:
            spec = platform_setting(pc, "graph")
            if spec != "shared":
                deg = spec.mean_degree if isinstance(spec, GraphConfig) else float(spec.get("mean_degree", 10.0))
                extra_edges += int(2 * deg * n)  # reciprocal presets store both directions
            else:
                extra_edges += n_edges
        n, n_edges = n * len(sc.platforms), extra_edges
    need = estimate_model_bytes(n, n_edges, m, steps, external)
    avail = available_memory_bytes() if available is None else int(available)
    if need > avail:
        raise GraphError(
            f"this scenario ({n:,} accounts, {n_edges:,} edges, {m} messages, {steps:,} steps) needs "
            f"about {need / GB:,.1f} GB, more than the {avail / GB:,.1f} GB available"
        )
    return need
