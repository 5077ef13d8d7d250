"""buzzsim: an agent-based simulator of how marketing topics and brand crises
spread on social networks.

>>> import sim
>>> result = sim.simulate("scenarios/topic_lifecycle.toml", seed=1)  # doctest: +SKIP
"""

from typing import Any

from sim.errors import BuzzsimError

__version__ = "0.1.0"
__all__ = ["BuzzsimError", "Result", "__version__", "build_model", "simulate"]


def __getattr__(name: str) -> Any:
    # The model (numpy, pandas, numba, mesa) loads on first use, not on ``import sim``:
    # the command line then answers Ctrl-C from its first instant (issue #14, item 9).
    if name in ("simulate", "build_model"):
        from sim import api

        return getattr(api, name)
    if name == "Result":
        from sim.result import Result

        return Result
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
