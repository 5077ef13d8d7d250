"""Compile the engine's numba kernels before a first run that someone waits for.

The kernels are compiled on their first call and cached on disk (``cache=True``),
so only the first run after an install is slow: about 20 s on a quiet 2-core
machine, a minute under load. :func:`warm_up` makes that first call on two tiny
models (the general kernel on a crisis with a limited, ranked feed and a trending
list; the synchronous path on the independent-cascade preset); later processes
load the compiled code from the cache in a few seconds. ``buzzsim app`` calls it
in a background process while the page starts, and the browser test before it
clicks Run.
"""

from __future__ import annotations

import time

from sim.api import simulate

__all__ = ["WARM_UP_SCENARIOS", "warm_up"]

#: Tiny scenarios whose runs call every kernel a library scenario calls.
WARM_UP_SCENARIOS: tuple[dict, ...] = (
    {
        "graph": {"kind": "scale_free", "n": 300, "mean_degree": 6},
        "messages": [{"name": "launch", "origin": "brand", "virality": 0.8, "valence": 1}],
        "crisis": {"start_h": 6, "strategy": "apologize", "approval_delay_h": 2},
        "feed": {"ranking": "engagement", "items_per_session": 10},
        "trending": {"enabled": True, "list_size": 5},
        "run": {"horizon_h": 24, "replicates": 1, "seed": 1},
    },
    {
        "graph": {"kind": "scale_free", "n": 300, "mean_degree": 6},
        "messages": [{"name": "campaign", "origin": "brand", "virality": 0.8, "valence": 1}],
        "crisis": {"start_h": 6, "strategy": "silence"},
        "run": {"horizon_h": 24, "replicates": 1, "seed": 1},
    },
    {
        "graph": {"kind": "scale_free", "n": 300, "mean_degree": 6},
        "dynamics": {"preset": "independent_cascade", "p": 0.2, "seeds": 3},
        "run": {"horizon_h": 24, "replicates": 1, "seed": 1},
    },
)


def warm_up() -> float:
    """Run the tiny :data:`WARM_UP_SCENARIOS` once; return the wall seconds taken.

    Compiles the kernels (or loads them from numba's cache). Results are discarded.

    Examples
    --------
    >>> warm_up() >= 0.0
    True
    """
    t0 = time.perf_counter()
    for config in WARM_UP_SCENARIOS:
        simulate(config, seed=1)
    return time.perf_counter() - t0
