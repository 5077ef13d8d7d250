"""Sample the model like the data: qualifying cascades of one message, same horizon.

Each run posts the scenario's message (by default its first) once, at an hour of day
drawn like the data's start hours (the data's own hours when the format has them,
e.g. Weibo; uniform over the day otherwise), and runs for ``horizon_h`` hours after
the post; each origin post roots one cascade (:func:`~sim.analysis.cascade_stats.
from_model_cascades`). A cascade *qualifies* when it has at least ``min_size`` nodes
(the original included), the condition the data is selected on. Runs go on until
``n_cascades`` qualify or ``max_runs`` runs are spent.

Run ``i`` of a sample uses the seed and start hour drawn from ``SeedSequence([seed, i])``,
so a sample is reproducible and a longer one extends a shorter one.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.cascade_stats import from_model_cascades
from sim.api import build_model, simulate
from sim.errors import BuzzsimError
from sim.graph import FollowerGraph, build_graph
from sim.model.outputs import collect_result
from sim.result import Result
from sim.scenario.schema import Scenario

__all__ = ["ModelSample", "default_validation_scenario", "message_index", "sample_model"]


def default_validation_scenario() -> dict[str, Any]:
    """A single post from a random account under the model's defaults (no brand).

    Steps of 15 minutes so that the first hour is resolved (the default is an hour).
    """
    return {
        "name": "single_post",
        "description": "one post from a random account, model defaults",
        "brand": {"enabled": False},
        "messages": [{"name": "post", "origin": "random"}],
        "run": {"step_minutes": 15},
    }


@dataclass
class ModelSample:
    """Qualifying cascades of the model.

    Attributes
    ----------
    nodes : pandas.DataFrame
        Canonical node table of the qualifying cascades (``cascade`` = ``"run{i}/..."``).
    sizes_all : numpy.ndarray
        Size of every cascade of every run, qualifying or not.
    runs : int
        Runs made.
    qualifying : int
        Cascades with at least ``min_size`` nodes.
    seconds : float
        Wall time.
    start_hours : numpy.ndarray
        Hour of day of the post of each run.
    """

    nodes: pd.DataFrame
    sizes_all: np.ndarray
    runs: int
    qualifying: int
    seconds: float
    start_hours: np.ndarray
    notes: list[str] = field(default_factory=list)


def message_index(scenario: Scenario, message: str | None) -> int:
    """Index of the message to sample (default: the first)."""
    names = [m.name for m in scenario.messages]
    if message is None:
        return 0
    if message not in names:
        raise BuzzsimError(f"--message {message!r}: the scenario's messages are {', '.join(names)}")
    return names.index(message)


def run_scenario(scenario: Scenario, index: int, start_hour: float, horizon_h: float) -> Scenario:
    """The scenario with message ``index`` posted at ``start_hour`` and the horizon after it."""
    msgs = list(scenario.messages)
    msgs[index] = msgs[index].model_copy(update={"start_h": float(start_hour)})
    run = scenario.run.model_copy(update={"horizon_h": float(start_hour + horizon_h), "record_cascades": True})
    return scenario.model_copy(update={"messages": msgs, "run": run, "variants": []})


def sample_model(
    scenario: Scenario,
    *,
    n_cascades: int,
    min_size: int,
    horizon_h: float,
    start_hours: np.ndarray | None = None,
    seed: int = 0,
    max_runs: int | None = None,
    message: str | None = None,
    progress: bool = False,
    first_run: int = 0,
    graphs: int | None = None,
) -> ModelSample:
    """Run the scenario until ``n_cascades`` cascades of at least ``min_size`` nodes.

    Parameters
    ----------
    scenario : Scenario
        What to run; the message posted is ``message`` (default: the first).
    n_cascades : int
        Qualifying cascades wanted.
    min_size : int
        Fewest nodes (original included) for a cascade to qualify.
    horizon_h : float
        Hours observed after each post.
    start_hours : array of float, optional
        Hours of day to draw the post's hour from (with replacement); uniform on
        [0, 24) when omitted.
    seed : int
        Seed of the sample.
    max_runs : int, optional
        Most runs (default ``50 * n_cascades``).
    progress : bool
        Show a progress bar on a terminal.
    graphs : int, optional
        Reuse this many follower graphs (run ``i`` runs on graph ``i mod graphs``,
        graph ``j`` built from ``SeedSequence([seed, 2**31, j])``) instead of building
        a new graph every run: at 10^5–10^6 accounts building the graph costs far
        more than a single post's run. Default: a new graph per run (from the run's seed).

    Returns
    -------
    ModelSample
    """

    idx = message_index(scenario, message)
    name = scenario.messages[idx].name
    cap = int(max_runs if max_runs is not None else 50 * n_cascades)
    bar = _bar(n_cascades, progress)
    parts: list[pd.DataFrame] = []
    sizes_all: list[int] = []
    hours: list[float] = []
    got = 0
    i = first_run
    cache: dict[int, FollowerGraph] = {}
    t0 = time.perf_counter()
    try:
        while got < n_cascades and i - first_run < cap:
            rng = np.random.default_rng([seed, i])
            run_seed = int(rng.integers(0, 2**31 - 1))
            if start_hours is not None and len(start_hours):
                hour = float(rng.choice(start_hours))
            else:
                hour = float(rng.uniform(0, 24))
            scn_i = run_scenario(scenario, idx, hour, horizon_h)
            if graphs:
                res = _run_on(scn_i, run_seed, _graph(scenario, seed, (i % graphs), cache))
            else:
                res = simulate(scn_i, seed=run_seed)
            nodes = from_model_cascades(res.cascades, message=name, label=f"run{i}/")
            nodes = nodes.loc[nodes["delay_min"].to_numpy() <= horizon_h * 60.0 + 1e-9]
            if len(nodes):
                size = nodes.groupby("cascade", sort=False).size()
                sizes_all.extend(size.tolist())
                good = size.index[size.to_numpy() >= min_size]
                if len(good):
                    good = good[: n_cascades - got]
                    parts.append(nodes.loc[nodes["cascade"].isin(set(good))])
                    got += len(good)
                    bar.update(len(good))
            hours.append(hour)
            i += 1
            if hasattr(bar, "set_postfix_str"):
                bar.set_postfix_str(f"{i - first_run} runs")
    finally:
        bar.close()
    nodes = pd.concat(parts, ignore_index=True) if parts else from_model_cascades(pd.DataFrame(
        {"message": [], "account": [], "parent": [], "t_min": []}))
    return ModelSample(nodes, np.array(sizes_all, dtype=np.int64), i - first_run, got,
                       time.perf_counter() - t0, np.array(hours))


def _graph(scenario: Scenario, seed: int, j: int, cache: dict[int, FollowerGraph]) -> FollowerGraph:
    """Graph ``j`` of a sample that reuses graphs (built once, kept in ``cache``)."""
    if j not in cache:
        cache[j] = build_graph(scenario.graph, np.random.default_rng([seed, 2**31, j]))
    return cache[j]


def _run_on(scenario: Scenario, seed: int, graph: FollowerGraph) -> Result:
    """One run of ``scenario`` on a prebuilt graph (as :func:`sim.api.simulate` otherwise)."""
    model = build_model(scenario, seed, graph=graph)
    model.run()
    return collect_result(model)


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def _bar(total: int, enabled: bool) -> Any:
    if not enabled or not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty()):
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, desc="model cascades", unit="cascade", file=sys.stderr, leave=False,
                dynamic_ncols=True)
