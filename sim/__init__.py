"""buzzsim: an agent-based simulator of how marketing topics and brand crises
spread on social networks.

>>> import sim
>>> result = sim.simulate("scenarios/topic_lifecycle.toml", seed=1)  # doctest: +SKIP
"""

from sim.api import build_model, simulate
from sim.errors import BuzzsimError
from sim.result import Result

__version__ = "0.1.0"
__all__ = ["simulate", "build_model", "Result", "BuzzsimError", "__version__"]
