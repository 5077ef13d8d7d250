"""What every engine receives and what it counts.

Both engines (fast and reference) implement the same rules on the same inputs
(:class:`EngineInputs`) and fill the same counters (:class:`Counters`), so the
model, the data collection and the tests do not care which one runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.model.messages import MessageTable
from sim.model.population import Population

__all__ = ["EngineInputs", "Counters", "RuleParams"]


@dataclass(frozen=True)
class RuleParams:
    """Scalar parameters of the spreading rule (see docs/model.md)."""

    cred_role: np.ndarray  # credibility per role code (follower, kol, brand, bot, media)
    sponsored_discount: float
    mood_strength: float
    reinforcement: float
    reinforcement_ref: float
    nsi_band: float
    lost_threshold: float
    #: the brand's account (-1: none): its posts skip followers that unfollowed it
    brand_node: int = -1
    #: annoyance by ads: the n-th reading of an ad annoys with 1 - exp(-a * n**growth)
    #: (``a`` per message, ``MessageTable.annoy_rate``); an annoyed reader's sentiment moves
    #: by ``annoy_sentiment`` (bounded update)
    annoy_growth: float = 1.0
    annoy_sentiment: float = 0.0


@dataclass(frozen=True)
class ReadingParams:
    """The post clock (sim.model.visibility): the fast engine uses its table, the
    reference engine the hazard itself."""

    circadian: np.ndarray  # 24 hourly multipliers, mean 1
    attention: float
    plateau_min: float
    exponent: float
    window_h: float
    phase_min: float  # resolution of the post's clock time for the rhythm
    age_min: float  # age grid of the table
    latency_h: float  # minimum delay between a post and its reading


@dataclass
class EngineInputs:
    """Everything an engine needs to run one replicate."""

    population: Population
    messages: MessageTable
    rules: RuleParams
    gtable: np.ndarray  # cumulative reading hazard G[phase, age] (× attention), see sim.model.visibility
    rho: np.ndarray  # session rate per account (inf = always online; 0 = never reads)
    reading: ReadingParams
    key: np.uint64  # counter-based RNG key of the run
    n_steps: int
    dt_h: float
    seed: int
    #: record every share for the cascade trees (``run.record_cascades``)
    record_cascades: bool = True


@dataclass
class Counters:
    """Per-step counts, one row per step and one column per message."""

    n_steps: int
    n_messages: int
    new_shares: np.ndarray = field(init=False)
    new_aware: np.ndarray = field(init=False)
    new_target: np.ndarray = field(init=False)
    new_kol_shares: np.ndarray = field(init=False)
    #: running totals at the end of each step: sentiment sum, positives, negatives, lost
    totals: np.ndarray = field(init=False)
    reads: np.ndarray = field(init=False)
    exposures: np.ndarray = field(init=False)
    #: followers of the brand that unfollowed it (annoyed by an ad), per step
    new_unfollows: np.ndarray = field(init=False)
    #: readings of ads that annoyed the reader, per step
    new_annoyed: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        shape = (self.n_steps, self.n_messages)
        self.new_shares = np.zeros(shape, dtype=np.int64)
        self.new_aware = np.zeros(shape, dtype=np.int64)
        self.new_target = np.zeros(shape, dtype=np.int64)
        self.new_kol_shares = np.zeros(shape, dtype=np.int64)
        self.totals = np.zeros((self.n_steps, 4))
        self.reads = np.zeros(self.n_steps, dtype=np.int64)
        self.exposures = np.zeros(self.n_steps, dtype=np.int64)
        self.new_unfollows = np.zeros(self.n_steps, dtype=np.int64)
        self.new_annoyed = np.zeros(self.n_steps, dtype=np.int64)

    def shares_so_far(self, t: int, m: int) -> int:
        """Distinct sharers of message ``m`` up to and including step ``t``."""
        return int(self.new_shares[: t + 1, m].sum())

    def kol_shares_so_far(self, t: int, m: int) -> int:
        return int(self.new_kol_shares[: t + 1, m].sum())

    def aware_so_far(self, t: int, m: int) -> int:
        return int(self.new_aware[: t + 1, m].sum())


def initial_totals(pop: Population, sentiment: np.ndarray, band: float, lost: float) -> np.ndarray:
    """Running totals over people (followers, KOLs, media) at the start."""
    people = pop.is_person
    s = sentiment[people]
    tgt = pop.is_target[people]
    return np.array(
        [s.sum(), float((s > band).sum()), float((s < -band).sum()), float((s[tgt] < lost).sum())]
    )
