"""Messages: everything that spreads (topics, campaign posts, ads, complaints,
brand responses, trends, cover-up stories).

A message is a row of the :class:`MessageTable`, a structure of arrays the engine
reads. Its share hazard at age ``a`` (hours since the message started) is

    lambda = virality * appeal * bonus * novelty(a) * relevance * credibility
             * mood * reinforcement * propensity * modifier

(see docs/model.md); this module owns the message-level factors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.scenario.schema import MessageConfig

__all__ = ["Message", "MessageTable", "NOVELTY_CODES", "novelty"]

NOVELTY_CODES = {"constant": 0, "exponential": 1, "power_law": 2}


@dataclass
class Message:
    """One message slot.

    Attributes
    ----------
    name : str
    kind : str
        "topic", "campaign", "ad", "trend", "complaint", "response", "coverup".
    virality, appeal : float
        Base share hazard per reading and the content's appeal (useful/fun content high).
    valence : int
        +1 brand-positive, -1 brand-negative (complaints), 0 neutral: sets how
        sentiment moves the share hazard (mood).
    relevance_weight : float
        0: everyone is equally interested; 1: relevance is the reader's interest.
    sentiment_impact : float
        Shift of the reader's sentiment on reading (bounded update), in [-1, 1].
    novelty, half_life_h, tau_h, alpha : novelty decay (see :func:`novelty`).
    start_h : float or None
        When the message starts; ``None`` for messages launched by an agent later.
    bonus : float
        Extra multiplier of the hazard (e.g. the complaint's underdog bonus).
    sponsored : bool
        Origin posts are sponsored (credibility discount on them).
    effect_target : int
        Index of a message whose share hazard reading this one modifies (-1 none).
    effect_mult : float
        Multiplier applied to the reader's hazard for ``effect_target``.
    effect_shared_weight : float
        Strength of the effects (modifier and sentiment) on a reader who already
        shared ``effect_target`` (1 = full, 0 = none).
    """

    name: str
    kind: str = "topic"
    virality: float = 0.6
    appeal: float = 1.0
    valence: int = 0
    relevance_weight: float = 0.5
    sentiment_impact: float = 0.0
    novelty: str = "exponential"
    half_life_h: float = 24.0
    tau_h: float = 6.0
    alpha: float = 1.5
    start_h: float | None = 0.0
    bonus: float = 1.0
    sponsored: bool = False
    effect_target: int = -1
    effect_mult: float = 1.0
    effect_shared_weight: float = 1.0
    origin: object = "random"
    n_origins: int = 1
    external_rate_per_h: float = 0.0
    #: probability that a first reading annoys the reader (broadcast ads, F4)
    annoyance: float = 0.0
    #: start of the novelty clock when it is not the message's own start (a post riding
    #: a trend borrows the trend's clock, F9); None: the message's start
    novelty_start_h: float | None = None
    #: the platforms its origins post on (names of ``[[platforms]]``; None: the first)
    platforms: tuple[str, ...] | None = None
    meta: dict = field(default_factory=dict)

    @classmethod
    def from_config(cls, mc: MessageConfig, *, ad_annoyance: float = 0.0) -> Message:
        """The run's message for a scenario's ``[[messages]]`` entry: the one conversion
        from the scenario layer (``MessageConfig``) to the model layer.

        ``ad_annoyance`` (``dynamics.ad_annoyance``) is the annoyance of a broadcast
        ad (``kind = "ad"``, F4); other kinds do not annoy.

        Examples
        --------
        >>> from sim.scenario.schema import MessageConfig
        >>> m = Message.from_config(MessageConfig(name="promo", kind="ad"), ad_annoyance=0.02)
        >>> m.name, m.kind, m.annoyance
        ('promo', 'ad', 0.02)
        """
        return cls(
            name=mc.name, kind=mc.kind, virality=mc.virality, appeal=mc.appeal, valence=mc.valence,
            relevance_weight=mc.relevance_weight, sentiment_impact=mc.sentiment_impact,
            novelty=mc.novelty, half_life_h=mc.half_life_h, tau_h=mc.power_law_tau_h,
            alpha=mc.power_law_alpha, start_h=mc.start_h, sponsored=mc.sponsored,
            origin=mc.origin, n_origins=mc.n_origins, external_rate_per_h=mc.external_rate_per_h,
            annoyance=ad_annoyance if mc.kind == "ad" else 0.0,
            platforms=tuple(mc.platforms) if mc.platforms else None,
        )

def novelty(kind: str, age_h: np.ndarray | float, half_life_h: float, tau_h: float, alpha: float):
    """Novelty of a topic at ``age_h`` hours: 1 at age 0, then decaying.

    ``exponential``: ``2 ** (-age / half_life)``; ``power_law``: ``(1 + age / tau) ** -alpha``;
    ``constant``: 1. Negative ages give 0 (the message has not started).
    """
    age = np.asarray(age_h, dtype=float)
    if kind == "constant":
        val = np.ones_like(age)
    elif kind == "exponential":
        val = np.exp2(-np.maximum(age, 0.0) / half_life_h)
    elif kind == "power_law":
        val = (1.0 + np.maximum(age, 0.0) / tau_h) ** (-alpha)
    else:
        raise ValueError(f"unknown novelty kind {kind!r}")
    return np.where(age < 0, 0.0, val)


class MessageTable:
    """The messages of a run as arrays for the engine, plus their Python specs."""

    def __init__(self, messages: list[Message]):
        self.messages = list(messages)
        m = self.messages
        self.names = [x.name for x in m]
        self.valence = np.array([x.valence for x in m], dtype=np.int8)
        self.relevance_weight = np.array([x.relevance_weight for x in m], dtype=np.float64)
        self.impact = np.array([x.sentiment_impact for x in m], dtype=np.float64)
        self.sponsored = np.array([x.sponsored for x in m], dtype=np.bool_)
        self.effect_target = np.array([x.effect_target for x in m], dtype=np.int64)
        self.effect_mult = np.array([x.effect_mult for x in m], dtype=np.float64)
        self.effect_shared_weight = np.array([x.effect_shared_weight for x in m], dtype=np.float64)
        #: per-message visibility multiplier of new posts (deleting posts lowers it)
        self.visibility = np.ones(len(m))
        #: a reply attached to a message (the brand's answer under the complaint): its index
        #: (-1 none), the chance a reader of the message also sees it, and who posted it
        self.reply_of = np.full(len(m), -1, dtype=np.int64)
        self.reply_p = np.zeros(len(m))
        self.reply_src = np.zeros(len(m), dtype=np.int64)
        #: start time in hours of each message (NaN until launched)
        self.start_h = np.array([np.nan if x.start_h is None else x.start_h for x in m])
        #: origin of each message's novelty clock (hours): its own start, or the start of
        #: the trend it rides (NaN until known)
        self.nov_start = np.array(
            [x.novelty_start_h if x.novelty_start_h is not None else self.start_h[i] for i, x in enumerate(m)],
            dtype=np.float64,
        )
        #: annoyance hazard of a first reading, a = -ln(1 - annoyance) (0: not an annoying ad)
        self.annoy_rate = np.array(
            [np.inf if x.annoyance >= 1.0 else -np.log1p(-x.annoyance) for x in m], dtype=np.float64
        )
        self.kind = [x.kind for x in m]
        #: bit mask of the platforms each message is posted on (bit p: platform p; set by
        #: the model from ``Message.platforms`` when there are several platforms)
        self.platform_mask = np.ones(len(m), dtype=np.int64)
        #: virality * appeal * bonus, and the novelty law (code, half-life, tau, alpha)
        self.static_hazard = np.array([x.virality * x.appeal * x.bonus for x in m], dtype=np.float64)
        self.nov_code = np.array([NOVELTY_CODES[x.novelty] for x in m], dtype=np.int64)
        self.half_life = np.array([x.half_life_h for x in m], dtype=np.float64)
        self.tau = np.array([x.tau_h for x in m], dtype=np.float64)
        self.alpha = np.array([x.alpha for x in m], dtype=np.float64)

    def __len__(self) -> int:
        return len(self.messages)

    def index(self, name: str) -> int:
        return self.names.index(name)

    # -- changes during a run (made by the engines' methods, sim.engine.base.Engine) --
    def start(self, i: int, time_h: float) -> None:
        """Start message ``i`` at ``time_h`` unless it has started; its novelty clock
        starts then too unless it borrows another's."""
        if np.isnan(self.start_h[i]):
            self.start_h[i] = time_h
        if np.isnan(self.nov_start[i]):
            self.nov_start[i] = self.start_h[i]

    def set_visibility(self, i: int, visibility: float) -> None:
        """Visibility multiplier of message ``i``'s later posts."""
        self.visibility[i] = visibility

    def attach_reply(self, i: int, reply: int, p: float, source: int) -> None:
        """Show message ``reply`` (posted by ``source``) under readings of ``i`` with probability ``p``."""
        self.reply_of[i] = reply
        self.reply_p[i] = p
        self.reply_src[i] = source

    def novelty_at(self, i: int, t_h: float) -> float:
        """Novelty of message ``i`` at time ``t_h`` (0 before it starts)."""
        x = self.messages[i]
        if np.isnan(self.start_h[i]):
            return 0.0
        return float(novelty(x.novelty, t_h - self.nov_start[i], x.half_life_h, x.tau_h, x.alpha))

    def base_hazard(self, t_h: float) -> np.ndarray:
        """``virality * appeal * bonus * novelty(age)`` of every message at time ``t_h``
        (the message-level factor of the share hazard; 0 before a message starts)."""
        return np.array([self.static_hazard[i] * self.novelty_at(i, t_h) for i in range(len(self.messages))])
