"""What every engine receives, what it counts, and what it offers.

Both engines (fast and reference) implement the same rules on the same inputs
(:class:`EngineInputs`), fill the same counters (:class:`Counters`) and implement
every method of :class:`Engine`, so the model, the agents, the data collection and
the tests do not care which one runs. Agents change a run only through these
methods, never by writing into an engine's arrays or a message table.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field, fields

import numpy as np

from sim.model.messages import MessageTable
from sim.model.population import Population

__all__ = ["Counters", "Engine", "EngineInputs", "ReadingParams", "RuleParams"]


def _key(name: str):
    """A rule parameter read from the scenario's ``[dynamics]`` key ``name`` (see
    :meth:`RuleParams.from_dynamics`)."""
    return field(metadata={"dynamics": name})


@dataclass(frozen=True)
class RuleParams:
    """Parameters of the spreading rule (docs/model.md, "Sharing"): the one place a
    rule parameter is declared. Both engines read them from here; the fast engine's
    kernels get every scalar field as the ``Rule`` bundle (sim.engine.rule.rule_bundle)
    and ``cred_role`` as an array. A field made with ``_key("x")`` is filled from
    ``dynamics.x`` by :meth:`from_dynamics`.
    """

    #: credibility per role code (sim.engine.rule.credibility_by_role)
    cred_role: np.ndarray
    sponsored_discount: float = _key("sponsored_discount")
    mood_strength: float = _key("mood_strength")
    reinforcement: float = _key("reinforcement")
    reinforcement_ref: float = _key("reinforcement_ref")
    #: annoyance by ads: the n-th reading of an ad annoys with 1 - exp(-a * n**growth)
    #: (``a`` per message, ``MessageTable.annoy_rate``); an annoyed reader's sentiment moves
    #: by ``annoy_sentiment`` (bounded update)
    annoy_growth: float = _key("ad_annoyance_growth")
    annoy_sentiment: float = _key("annoyance_sentiment")
    #: sentiment band of the net sentiment index and the sentiment under which a target
    #: customer counts as lost
    nsi_band: float = 0.1
    lost_threshold: float = -0.3
    #: the brand's account (-1: none): its posts skip followers that unfollowed it
    brand_node: int = -1
    #: the feed (``[feed]``, docs/model.md "Feed"): items a session reads (0: unlimited),
    #: ranking (0 chronological, 1 engagement), background items per followed account
    #: per hour, the engagement score's age half-life (h), the background items'
    #: engagement tail exponent, and the window (h) of a message's recent shares
    feed_k: int = 0
    feed_ranking: int = 0
    feed_background: float = 0.0
    feed_half_life_h: float = 6.0
    feed_alpha: float = 1.5
    feed_window_h: float = 6.0
    #: several platforms (``[[platforms]]``, sim.model.platforms): rows per platform
    #: block (0: one platform) and the number of platforms
    n_block: int = 0
    n_platforms: int = 1

    @property
    def feed_limited(self) -> bool:
        """Whether the feed can hide a post (finite ``k`` and some background)."""
        return self.feed_k > 0 and self.feed_background > 0.0

    @classmethod
    def from_dynamics(cls, dynamics, **given) -> RuleParams:
        """The parameters of a scenario: every field declared with a ``[dynamics]`` key
        is read from ``dynamics`` (as float), the others come from ``given`` (or their
        defaults)."""
        kw = {f.name: float(getattr(dynamics, f.metadata["dynamics"])) for f in fields(cls) if "dynamics" in f.metadata}
        kw.update(given)
        return cls(**kw)


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
    #: readings may come from outside the follower graph (:meth:`Engine.expose`, the
    #: trending list): the fast engine then keeps to its general kernel
    direct_readings: bool = False
    #: several platforms (:class:`sim.model.platforms.PlatformLayout`), or None for one
    platforms: object | None = None
    #: per platform, the cumulative reading hazard ``(P, phases, ages)`` (several platforms)
    gtables: np.ndarray | None = None


@dataclass
class Counters:
    """Per-step counts, one row per step and one column per message."""

    n_steps: int
    n_messages: int
    #: platforms (several platforms: the per-platform counts below have one column each)
    n_platforms: int = 1
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
    #: per step, message and platform: new aware rows and shares (several platforms only)
    platform_aware: np.ndarray = field(init=False)
    platform_shares: np.ndarray = field(init=False)

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
        pshape = (self.n_steps, self.n_messages, self.n_platforms) if self.n_platforms > 1 else (1, 1, 1)
        self.platform_aware = np.zeros(pshape, dtype=np.int64)
        self.platform_shares = np.zeros(pshape, dtype=np.int64)

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


class Engine(abc.ABC):
    """The interface of an engine: what the model and its agents may do to a run.

    An engine is built from :class:`EngineInputs` and advanced one step at a time by
    :class:`~sim.model.buzz.BuzzModel` (whose docstring gives the order of a step).
    Implementations: :class:`sim.engine.fast.FastEngine`,
    :class:`sim.engine.reference.ReferenceEngine`; a class that misses a method
    cannot be instantiated.

    Attributes
    ----------
    name : str
        "fast" or "reference".
    counters : Counters
        Per-step counts, filled as the run advances.
    initial_totals : numpy.ndarray
        Running population totals (sentiment sum, positives, negatives, target
        customers lost) before the first step.
    n_accounts : int
    """

    name: str
    counters: Counters
    initial_totals: np.ndarray
    n_accounts: int

    # -- several platforms ---------------------------------------------------------
    def posting_rows(self, m: int, accounts: np.ndarray) -> np.ndarray:
        """The rows on which ``accounts`` post message ``m``: the accounts themselves with
        one platform; with several, each account's row on every platform of ``m``
        where it is present (sim.model.platforms.PlatformLayout.rows)."""
        layout = self.inputs.platforms
        if layout is None:
            return accounts
        return layout.rows(int(self.inputs.messages.platform_mask[m]), accounts)

    def count_platform_posts(self, t: int, m: int, rows: np.ndarray, was_unaware: np.ndarray) -> None:
        """Per-platform counts of posts made on their own initiative (``inject``)."""
        if self.inputs.platforms is None or len(rows) == 0:
            return
        p = np.asarray(rows, dtype=np.int64) // self.inputs.platforms.n_block
        np.add.at(self.counters.platform_shares[t, m], p, 1)
        np.add.at(self.counters.platform_aware[t, m], p[np.asarray(was_unaware, dtype=bool)], 1)

    # -- posting and time ------------------------------------------------------
    @abc.abstractmethod
    def inject(self, t: int, m: int, accounts: np.ndarray, *, as_origin: bool = True) -> np.ndarray:
        """Post: ``accounts`` post message ``m`` at the start of step ``t`` on their
        own initiative (``as_origin``: an origin post; else a share without a source,
        e.g. invited complaints). Those that had shared ``m`` already are skipped;
        returns the accounts that posted. With several platforms the accounts post on
        their rows of ``m``'s platforms (:meth:`posting_rows`) and the rows are returned."""

    @abc.abstractmethod
    def repost(self, t: int, m: int, accounts: np.ndarray) -> None:
        """Accounts that already posted ``m`` post it again at the start of step ``t``
        (a schedule of ads): a new post in their followers' feeds, statuses and
        share counts unchanged."""

    @abc.abstractmethod
    def step(self, t: int) -> None:
        """Advance step ``t``: the posts made at its start, then every reading due in
        it, in time order."""

    @abc.abstractmethod
    def idle(self) -> bool:
        """True when nothing is left to happen: no post waiting and no reading queued."""

    # -- changes agents make to a run ---------------------------------------------
    @abc.abstractmethod
    def start_message(self, m: int, time_h: float) -> None:
        """Start message ``m``'s clocks at ``time_h`` (its start and, unless it rides
        another message's, its novelty clock), if not started yet."""

    @abc.abstractmethod
    def set_visibility(self, m: int, visibility: float) -> None:
        """Multiply the reading rate of later posts of ``m`` by ``visibility``
        (deleted posts, a private channel); 0 hides them."""

    @abc.abstractmethod
    def attach_reply(self, m: int, reply: int, p: float, source: int) -> None:
        """Show message ``reply`` (by account ``source``) under every later reading
        of ``m`` with probability ``p`` (a brand's answer under a complaint)."""

    @abc.abstractmethod
    def expose(self, t: int, m: int, accounts: np.ndarray, times: np.ndarray, source: int) -> None:
        """Readings of message ``m`` by ``accounts`` at ``times`` (hours, within step
        ``t``, nondecreasing), as if from a post of ``source``, outside the follower
        graph (the trending list shows the topic); processed in step ``t`` with the
        other readings, by the same rule. Needs ``inputs.direct_readings``."""

    @abc.abstractmethod
    def shift_sentiment(self, accounts: np.ndarray, delta: float) -> None:
        """Move the sentiment of ``accounts`` by ``delta`` (bounded update)."""

    @abc.abstractmethod
    def scale_modifier(self, m: int, accounts: np.ndarray, factor: float) -> None:
        """Multiply the share hazard of ``accounts`` for message ``m`` by ``factor``."""

    # -- what agents and outputs read ----------------------------------------------
    @abc.abstractmethod
    def has_unfollowed(self) -> np.ndarray:
        """Boolean mask of accounts that unfollowed the brand."""

    @abc.abstractmethod
    def unfollowed_among(self, accounts: np.ndarray) -> np.ndarray:
        """Whether each of ``accounts`` unfollowed the brand."""

    @abc.abstractmethod
    def is_origin(self, m: int) -> np.ndarray:
        """Boolean mask of accounts that posted ``m`` as origins."""

    @abc.abstractmethod
    def has_shared(self, m: int) -> np.ndarray:
        """Boolean mask of accounts that shared (or originated) ``m``."""

    @abc.abstractmethod
    def is_aware(self, m: int) -> np.ndarray:
        """Boolean mask of accounts aware of ``m``."""

    @abc.abstractmethod
    def current_totals(self) -> np.ndarray:
        """The running population totals now (a copy)."""

    @abc.abstractmethod
    def trees(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Every share so far: ``(message, account, source, time_h)``, source -1 for an
        origin post (the cascade trees, :mod:`sim.analysis.trees`; empty when
        ``inputs.record_cascades`` is false)."""
