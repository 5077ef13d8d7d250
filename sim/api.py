"""The library entry point: :func:`simulate`."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import ScenarioError
from sim.model.buzz import BuzzModel
from sim.model.outputs import collect_result
from sim.result import Result
from sim.scenario.load import load_scenario
from sim.scenario.schema import Scenario

__all__ = ["build_model", "simulate"]


def _scenario(config: str | Path | dict[str, Any] | Scenario) -> Scenario:
    """The validated scenario: a ``Scenario`` is used as it is (validated when it was
    made, and frozen), anything else is loaded and validated once."""
    if isinstance(config, Scenario):
        return config
    return load_scenario(config)


def build_model(
    config: str | Path | dict[str, Any] | Scenario,
    seed: int | None = None,
    engine: str | None = None,
    graph: Any = None,
):
    """Build (without running) the :class:`~sim.model.buzz.BuzzModel` of a scenario.

    ``graph``: a prebuilt follower graph (``FollowerGraph`` or networkx) used instead
    of building the scenario's ``[graph]`` (see ``BuzzModel``).
    """

    sc = _scenario(config)
    bad_type = isinstance(seed, bool) or not isinstance(seed, (int, np.integer))
    if seed is not None and (bad_type or not 0 <= int(seed) < 2**63):
        raise ScenarioError(f"seed = {seed!r} must be an integer >= 0 and < 2**63")
    return BuzzModel(sc, sc.run.seed if seed is None else int(seed), engine or sc.run.engine, graph=graph)


def simulate(
    config: str | Path | dict[str, Any] | Scenario,
    seed: int | None = None,
    engine: str | None = None,
    graph: Any = None,
) -> Result:
    """Run one scenario once.

    Parameters
    ----------
    config : path, dict or Scenario
        A TOML scenario file, a dict of the same shape, or a validated ``Scenario``.
        Variants are ignored here (see :func:`sim.run.replicates.run_variants`).
    seed : int, optional
        The run's seed (default: ``run.seed`` of the scenario). The same scenario
        and seed give identical numbers whatever the engine's thread count.
    engine : {"fast", "reference"}, optional
        Default: ``run.engine`` of the scenario.
    graph : FollowerGraph or networkx.Graph, optional
        A prebuilt follower graph instead of the scenario's ``[graph]`` (see
        :func:`build_model`); the rest of the run's draws are unchanged.

    Returns
    -------
    Result
        ``.series`` (hourly, per message), ``.summary`` (flat metrics), ``.phases``,
        ``.cascades`` (one row per share: the cascade trees), ``.timings`` (wall
        seconds: ``build_s``, ``run_s``, ``collect_s``).

    Examples
    --------
    >>> import sim
    >>> cfg = {"graph": {"kind": "erdos_renyi", "n": 2000, "mean_degree": 5, "directed": False},
    ...        "dynamics": {"preset": "independent_cascade", "p": 0.3, "seeds": 1},
    ...        "run": {"seed": 7, "horizon_h": 48}}
    >>> r = sim.simulate(cfg)
    >>> r.summary["shares"] >= 1
    True
    """

    t0 = time.perf_counter()
    model = build_model(config, seed, engine, graph=graph)
    t1 = time.perf_counter()
    model.run()
    t2 = time.perf_counter()
    result = collect_result(model)
    result.timings = {"build_s": t1 - t0, "run_s": t2 - t1, "collect_s": time.perf_counter() - t2}
    return result
