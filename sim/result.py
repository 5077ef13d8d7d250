"""The outcome of one simulated run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from sim.analysis.trees import empty_cascades

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario

#: Columns of :attr:`Result.series`, one row per (hour, message).
SERIES_COLUMNS = (
    "hour",  # int, hour index h: counts are events in [h, h+1) hours since start
    "message",  # str, message name
    "new_shares",  # accounts that shared the message during the hour
    "shares",  # cumulative distinct sharers (seeds / origins included)
    "new_reach",  # accounts that became aware of the message during the hour
    "reach",  # cumulative distinct accounts aware of the message
    "new_target_reach",
    "target_reach",  # cumulative aware accounts of the target segment
    "mean_sentiment",  # population mean sentiment at the end of the hour (all messages)
)



def totals_only(series: pd.DataFrame) -> pd.DataFrame:
    """The rows of a series that count every platform (several platforms add a
    ``platform`` column, ``"all"`` on the totals and one block of rows per platform);
    the series itself when it has no ``platform`` column."""
    if "platform" not in series.columns:
        return series
    return series[series["platform"] == "all"]


@dataclass
class Result:
    """One run: hourly series, a flat summary and the lifecycle phases.

    Attributes
    ----------
    series : pandas.DataFrame
        Tidy hourly series, one row per (hour, message); columns in ``SERIES_COLUMNS``.
        With several platforms, a ``platform`` column: ``"all"`` on those rows, then
        one row per (platform, message, hour) (see :func:`totals_only`).
    summary : dict
        Flat metrics of the run (``n_accounts``, ``reach``, ``shares``, ``target_reach``,
        ``t_ignition_h``... see ``docs/model.md``). Metrics without a subscript refer to
        the primary message (the first in the scenario).
    phases : pandas.DataFrame
        One row per message with the lifecycle phase times and durations (hours).
    scenario : Scenario
        The resolved scenario that produced this run.
    seed : int
        The run's seed: ``simulate(scenario, seed=seed)`` reproduces it exactly.
    cascades : pandas.DataFrame
        One row per share, origins included (the cascade trees): ``message``,
        ``account``, ``parent`` (the account whose post was read, -1 for an origin
        post), ``t_min`` (minutes since the start), ``generation`` (0 for origins);
        see :mod:`sim.analysis.trees`. Empty when ``run.record_cascades`` is false.
    timings : dict
        Wall seconds: ``build_s`` (building the model: graph, population, engine),
        ``run_s`` (running the steps), ``collect_s`` (building this result).
    """

    series: pd.DataFrame
    summary: dict[str, Any]
    phases: pd.DataFrame
    scenario: Scenario
    seed: int
    extra: dict[str, Any] = field(default_factory=dict)
    cascades: pd.DataFrame = field(default_factory=lambda: _empty_cascades())
    timings: dict[str, float] = field(default_factory=dict)


def _empty_cascades() -> pd.DataFrame:

    return empty_cascades()
