"""The scenario schema: every parameter of a run, its type, range and default.

A scenario file (TOML) or dict is validated into a frozen :class:`Scenario`.
Unknown keys are errors (``extra="forbid"``), ranges are enforced, and every
field has a default, so a scenario states only what differs from the defaults.
The units and sources of the defaults are tabulated in ``docs/model.md``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "SECTIONS",
    "TOPIC_PRESETS",
    "AnalysisConfig",
    "BrandConfig",
    "CrisisConfig",
    "DynamicsConfig",
    "FeedConfig",
    "GraphConfig",
    "MessageConfig",
    "PlatformConfig",
    "PopulationConfig",
    "RunConfig",
    "Scenario",
    "TrendingConfig",
]


class _Section(BaseModel):
    # every number finite: inf and nan are refused for every key (issue #14, item 5)
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, allow_inf_nan=False)


Prob = Annotated[float, Field(ge=0.0, le=1.0)]
#: the largest value of an otherwise unbounded number (money, counts as floats)
BIG = 1e12
PosFloat = Annotated[float, Field(gt=0.0, le=BIG)]
NonNegFloat = Annotated[float, Field(ge=0.0, le=BIG)]
#: hours within ten years (start times, delays)
Hours = Annotated[float, Field(ge=0.0, le=24 * 3650)]
#: a multiplier of a rate or hazard (virality, appeal, credibility, strengths)
Factor = Annotated[float, Field(ge=0.0, le=1_000_000.0)]
#: a count of accounts (at most the largest graph, 2 × 10^8)
Accounts = Annotated[int, Field(ge=0, le=200_000_000)]


class GraphConfig(_Section):
    """Who follows whom. Edge u→v means v follows u, so u's posts reach v."""

    kind: Literal[
        "erdos_renyi", "configuration", "scale_free", "small_world", "communities", "file"
    ] = "scale_free"
    n: Annotated[int, Field(ge=1, le=200_000_000)] = 10_000
    mean_degree: Annotated[float, Field(gt=0.0, le=10_000.0)] = 10.0
    directed: bool = True
    # configuration model / scale-free
    degree_distribution: Literal["powerlaw", "poisson"] = "powerlaw"
    exponent: Annotated[float, Field(gt=1.0, le=10.0)] = 2.5
    k_min: Annotated[int, Field(ge=1, le=200_000_000)] = 1
    k_max: Annotated[int | None, Field(ge=1, le=200_000_000)] = None
    # scale-free: exponent of the in-degree (accounts followed) distribution
    in_exponent: Annotated[float, Field(gt=1.0, le=10.0)] = 3.0
    # media layer: the k largest accounts get 10^5-10^6 followers (docs/model.md, issue 16)
    media_accounts: Annotated[int, Field(ge=0, le=100_000)] = 0
    media_followers_min: Annotated[int, Field(ge=1, le=200_000_000)] = 100_000
    media_followers_max: Annotated[int, Field(ge=1, le=200_000_000)] = 1_000_000
    # small world
    rewire_p: Prob = 0.1
    # communities (stochastic block model with homophily)
    communities: Annotated[int, Field(ge=1, le=100_000)] = 10
    homophily: Prob = 0.8
    # file input
    path: str | None = None
    delimiter: str | None = None

    @model_validator(mode="after")
    def _check(self) -> GraphConfig:
        if self.kind == "file" and not self.path:
            raise ValueError("graph.kind = 'file' needs graph.path (an edge list or .graphml)")
        # (a resolved scenario written back by `show` carries the default n: not an error)
        if self.kind == "file" and "n" in self.model_fields_set and self.n != GraphConfig.model_fields["n"].default:
            raise ValueError("graph.n is not used with graph.kind = 'file' (the file gives the accounts); remove it")
        if self.media_followers_max < self.media_followers_min:
            raise ValueError(f"graph.media_followers_max ({self.media_followers_max}) must be >= "
                             f"graph.media_followers_min ({self.media_followers_min})")
        if self.kind == "file" and self.media_accounts:
            raise ValueError("graph.media_accounts adds a media layer to a generated graph, not to a file")
        if self.k_max is not None and self.k_max < self.k_min:
            raise ValueError(f"graph.k_max ({self.k_max}) must be >= graph.k_min ({self.k_min})")
        if self.kind != "file" and self.mean_degree >= self.n:
            raise ValueError(
                f"graph.mean_degree ({self.mean_degree}) must be below graph.n ({self.n})"
            )
        return self


class PopulationConfig(_Section):
    """Per-account traits: activity, interest, sentiment, roles."""

    # activity: probability of being online in an average hour, Beta(mean, concentration)
    activity_mean: Annotated[float, Field(gt=0.0, le=1.0)] = 0.25
    activity_concentration: PosFloat = 4.0
    circadian: Literal["weibo", "flat"] = "weibo"
    # target segment: accounts with high interest in the brand's category
    target_share: Prob = 0.2
    interest_target: Prob = 0.9
    interest_other: Prob = 0.15
    sentiment_mean: Annotated[float, Field(ge=-1.0, le=1.0)] = 0.1
    sentiment_sd: Annotated[float, Field(ge=0.0, le=2.0)] = 0.2
    # KOLs: the top-k accounts by follower count, or named node ids
    n_kols: Accounts = 20
    kol_ids: Annotated[list[Annotated[int, Field(ge=0, le=200_000_000)]] | None, Field(max_length=100_000)] = None
    kol_propensity: Factor = 1.0


class BrandConfig(_Section):
    """The brand's own account (an added node)."""

    enabled: bool = True
    name: str = "brand"
    fans: Accounts = 500
    fan_target_share: Prob = 0.8
    bots: Accounts = 0
    # --- campaign tactics (docs/model.md, "Campaign tactics") -------------------
    # bought followers (F5): price of one bot account
    bot_price: NonNegFloat = 0.05
    # KOL seeding (F6): the brand offers a paid post of the message with origin
    # "seeding" to KOLs; relationship strength sets acceptance and price
    seeding_budget: NonNegFloat = 0.0
    seeding_selection: Literal["top_followers", "greedy", "random"] = "top_followers"
    seeding_max_offers: Annotated[int, Field(ge=0, le=100_000)] = 20
    cultivated_kols: Accounts = 0
    cultivation_fee_share: Annotated[float, Field(ge=0.0, le=100.0)] = 0.5
    relationship_cultivated: Prob = 0.8
    relationship_cold: Prob = 0.0
    accept_cold: Prob = 0.2
    accept_warm: Prob = 0.95
    kol_fee_per_1k: NonNegFloat = 50.0
    cold_markup: Annotated[float, Field(ge=0.0, le=100.0)] = 1.0
    selection_samples: Annotated[int, Field(ge=1, le=1000)] = 8
    selection_horizon_h: Annotated[float, Field(gt=0.0, le=24 * 365)] = 72.0
    # giveaways (F7): the message with origin "giveaway"
    giveaway: Literal["targeted", "open"] = "targeted"
    giveaway_prizes: Annotated[int, Field(ge=0, le=1_000_000)] = 10
    prize_value: NonNegFloat = 3000.0
    giveaway_post_p: Prob = 0.9
    giveaway_boost: Annotated[float, Field(ge=1.0, le=100.0)] = 4.0
    giveaway_seeker_share: Prob = 0.05
    giveaway_hunters: Annotated[int, Field(ge=0, le=10_000_000)] = 300
    giveaway_duration_h: Annotated[float, Field(gt=0.0, le=24 * 365)] = 72.0
    # deep vs shallow engagement (F8)
    engagement: Literal["none", "deep", "shallow"] = "none"
    engagement_hours_per_day: Annotated[float, Field(ge=0.0, le=24.0)] = 4.0
    engagement_hour: Annotated[int, Field(ge=0, le=23)] = 20
    engagement_cost_per_hour: NonNegFloat = 50.0
    deep_minutes: Annotated[float, Field(gt=0.0, le=1440.0)] = 30.0
    shallow_minutes: Annotated[float, Field(gt=0.0, le=1440.0)] = 1.0
    deep_advocate_p: Prob = 0.25
    shallow_advocate_p: Prob = 0.002
    deep_sentiment: Prob = 0.3
    shallow_sentiment: Prob = 0.02
    advocate_share_boost: Annotated[float, Field(ge=1.0, le=100.0)] = 3.0
    advocate_complaint_factor: Prob = 0.3
    advocate_post_p_per_day: Prob = 0.1
    # riding a trend (F9): a message with `rides` is posted content_approval_h after
    # the trend starts; an open hashtag may be hijacked
    content_approval_h: Annotated[float, Field(ge=0.0, le=24 * 365)] = 24.0
    hijack_p: Prob = 0.1
    hijack_delay_h: Annotated[float, Field(ge=0.0, le=24 * 365)] = 6.0
    hijack_virality: Factor = 1.2
    hijack_sentiment: Annotated[float, Field(ge=-1.0, le=0.0)] = -0.3
    hijack_origins: Annotated[int, Field(ge=1, le=10_000)] = 3


class FeedConfig(_Section):
    """What a session reads (docs/model.md, "Feed: limited attention and ranking").

    Off by default: with ``items_per_session`` absent attention is unlimited and every
    reading happens as the reading clock says (the behaviour before the feed existed).
    """

    ranking: Literal["chronological", "engagement"] = "chronological"
    #: k, the items a session reads; absent = unlimited
    items_per_session: Annotated[int | None, Field(ge=1, le=10_000)] = None
    #: background items (other content) per followed account per hour
    background_per_account_h: Annotated[float, Field(ge=0.0, le=1000.0)] = 1.0
    #: engagement ranking: half-life (h) of the age discount of an item's score
    engagement_half_life_h: Annotated[float, Field(gt=0.0, le=24 * 30)] = 6.0
    #: engagement ranking: tail exponent of the background items' (1 + shares) (Pareto)
    engagement_alpha: Annotated[float, Field(gt=0.0, le=10.0)] = 1.5
    #: engagement ranking: window (h) of a message's recent shares in its score
    engagement_window_h: Annotated[float, Field(gt=0.0, le=24 * 30)] = 6.0


class BoughtSlot(_Section):
    """A bought slot of the trending list: ``message`` held at ``rank`` for ``hours``."""

    message: str
    rank: Annotated[int, Field(ge=1, le=1000)] = 1
    start_h: Hours = 0.0
    hours: Annotated[float, Field(gt=0.0, le=24 * 365)] = 6.0


class TrendingConfig(_Section):
    """The hot-search / trending list (docs/model.md, "Trending list"); off by default."""

    enabled: bool = False
    list_size: Annotated[int, Field(ge=1, le=1000)] = 50
    #: volume = shares in the last window_h hours
    window_h: Annotated[float, Field(gt=0.0, le=24 * 7)] = 1.0
    #: the background topics: Zipf volumes, top topic's shares per hour per million accounts
    background_top_per_million: Annotated[float, Field(ge=0.0, le=1e9)] = 200.0
    background_exponent: Annotated[float, Field(ge=0.0, le=10.0)] = 1.0
    #: lognormal spread (sd of the log) of the background's volume from step to step
    background_noise: Annotated[float, Field(ge=0.0, le=5.0)] = 0.3
    #: readings offered per account per hour by the topic at rank 1; falls as rank^-exponent
    exposure_top_per_h: Annotated[float, Field(ge=0.0, le=100.0)] = 0.02
    exposure_rank_exponent: Annotated[float, Field(ge=0.0, le=10.0)] = 1.0
    slot_cost_per_hour: NonNegFloat = 5000.0
    buy: Annotated[list[BoughtSlot], Field(max_length=100)] = Field(default_factory=list)


class DynamicsConfig(_Section):
    """The spreading rule (DESIGN §2) or a preset that fixes part of it."""

    preset: Literal["default", "independent_cascade"] = "default"
    # independent_cascade preset
    p: Prob = 0.1
    seeds: Annotated[int, Field(ge=1, le=200_000_000)] = 1
    # feeds: how long a post stays readable and how its visibility decays (SEISMIC kernel)
    feed_window_h: Annotated[float, Field(gt=0.0, le=24 * 30)] = 24.0
    visibility_plateau_min: Annotated[float, Field(gt=0.0, le=1440.0)] = 5.0
    visibility_exponent: Annotated[float, Field(gt=0.0, le=5.0)] = 1.23
    attention: Annotated[float, Field(gt=0.0, le=1000.0)] = 3.0
    reading_latency_min: Annotated[float, Field(ge=0.0, le=1440.0)] = 0.0
    # share hazard modifiers
    reinforcement: Factor = 0.0
    reinforcement_ref: Annotated[int, Field(ge=1, le=50)] = 2
    mood_strength: Factor = 1.0
    credibility_peer: Factor = 1.0
    credibility_kol: Factor = 1.3
    credibility_brand: Factor = 0.6
    credibility_media: Factor = 1.2
    sponsored_discount: Prob = 0.6
    # broadcast ads (F4): a reading of a message of kind "ad" annoys the reader with
    # probability 1 - (1 - ad_annoyance) ** (n ** ad_annoyance_growth) at its n-th reading;
    # an annoyed follower of the brand unfollows it, and sentiment moves by annoyance_sentiment
    ad_annoyance: Prob = 0.01
    ad_annoyance_growth: Annotated[float, Field(ge=0.0, le=5.0)] = 1.0
    annoyance_sentiment: Annotated[float, Field(ge=-1.0, le=0.0)] = -0.2


NoveltyKind = Literal["exponential", "power_law", "constant"]


class MessageConfig(_Section):
    """One thing that spreads: a campaign topic, an ad, a complaint, a trend..."""

    name: str = "topic"
    kind: Literal["topic", "campaign", "ad", "trend"] = "topic"
    topic: Literal["custom", "hot_topic", "large_event", "extra_large_event"] = "custom"
    # "seeding", "giveaway", "advocates": posted by a campaign tactic (docs/model.md)
    origin: Literal["brand", "kol", "random", "seeding", "giveaway", "advocates", "customer"] | int = "random"
    n_origins: Annotated[int, Field(ge=1, le=200_000_000)] = 1
    start_h: Hours = 0.0
    virality: Factor = 0.6
    appeal: Factor = 1.0
    valence: Literal[-1, 0, 1] = 0
    relevance_weight: Prob = 0.5
    sentiment_impact: Annotated[float, Field(ge=-1.0, le=1.0)] = 0.0
    novelty: NoveltyKind = "exponential"
    half_life_h: Annotated[float, Field(gt=0.0, le=24 * 3650)] = 24.0
    power_law_tau_h: Annotated[float, Field(gt=0.0, le=24 * 3650)] = 6.0
    power_law_alpha: Annotated[float, Field(gt=0.0, le=20.0)] = 1.5
    sponsored: bool = False
    # exogenous interest: people who post about the topic on their own (news, offline
    # events), a Poisson stream of rate external_rate_per_h * novelty(age)
    # posts per hour from outside the graph: scales memory (in the model memory estimate)
    external_rate_per_h: Annotated[float, Field(ge=0.0, le=100_000.0)] = 0.0
    # campaign tactics: repeated posts (a schedule of ads), the cost of each post,
    # riding a trend (borrow its novelty clock) and an open hashtag (hijack risk)
    repeat_every_h: Annotated[float, Field(ge=0.0, le=24 * 365)] = 0.0
    repeats: Annotated[int, Field(ge=1, le=100_000)] = 1
    cost_per_post: NonNegFloat = 0.0
    rides: str | None = None
    open_hashtag: bool = False
    #: the platforms (names of ``[[platforms]]``) on which its origins post; absent: the first
    platforms: Annotated[list[str] | None, Field(min_length=1, max_length=16)] = None

    @model_validator(mode="after")
    def _check_tactics(self) -> MessageConfig:
        if self.repeats > 1 and self.repeat_every_h <= 0.0:
            raise ValueError(f"messages: repeats = {self.repeats} needs repeat_every_h > 0")
        if self.repeats > 1 and self.origin != "brand":
            raise ValueError("messages: repeats > 1 is a posting schedule of the brand (origin = 'brand')")
        if self.rides is not None and self.origin != "brand":
            raise ValueError("messages: rides (riding a trend) needs origin = 'brand'")
        if self.open_hashtag and self.origin not in ("brand", "seeding", "giveaway"):
            raise ValueError("messages: open_hashtag is a brand campaign (origin brand, seeding or giveaway)")
        return self


#: Topic kinds of claim F1. Each preset sets virality and novelty decay; the
#: lifetime follows from the mechanism (see docs/model.md).
TOPIC_PRESETS: dict[str, dict[str, object]] = {
    # lives 1-2 weeks: long-lived exogenous interest, modest virality
    "hot_topic": {"virality": 1.0, "novelty": "exponential", "half_life_h": 320.0, "external_rate_per_h": 4.0},
    # about 2 days: a sharp shock that is news for half a day
    "large_event": {"virality": 1.3, "novelty": "exponential", "half_life_h": 14.0, "external_rate_per_h": 40.0},
    # about a week: a strong shock that stays news for days
    "extra_large_event": {
        "virality": 1.3, "novelty": "exponential", "half_life_h": 100.0, "external_rate_per_h": 25.0,
    },
}


class CrisisConfig(_Section):
    """A complaint against the brand and the brand's response (DESIGN §2, Crisis)."""

    start_h: Hours = 24.0
    origin: Literal["customer", "kol"] | int = "customer"
    justified: bool = True
    virality: Factor = 1.2
    appeal: Factor = 1.0
    #: weight of the reader's interest in the complaint's share hazard (0: everyone alike)
    relevance_weight: Annotated[float, Field(ge=0.0, le=1.0)] = 0.5
    sentiment_impact: Annotated[float, Field(ge=-1.0, le=0.0)] = -0.4
    underdog_strength: Factor = 0.3
    monitoring: Literal["none", "passive", "active"] = "active"
    approval_delay_h: Hours = 4.0
    strategy: Literal[
        "silence",
        "apologize",
        "compensate",
        "private_channel",
        "deny",
        "argue",
        "delete",
        "apologize_with_kols",
    ] = "apologize"
    half_life_h: Annotated[float, Field(gt=0.0, le=24 * 3650)] = 24.0
    # monitoring thresholds (what the brand's listening needs to see)
    detect_active_shares: Annotated[int, Field(ge=1, le=200_000_000)] = 5
    detect_passive_shares: Annotated[int, Field(ge=1, le=200_000_000)] = 50
    detect_none_reach: Annotated[float, Field(gt=0.0, le=1.0)] = 0.05
    # responses
    response_virality: Factor = 0.4
    reply_visibility: Prob = 0.5
    apology_effect: Annotated[float, Field(ge=0.0, le=1.0)] = 0.5
    apology_sentiment: Annotated[float, Field(ge=0.0, le=1.0)] = 0.3
    compensation_effect: Annotated[float, Field(ge=0.0, le=1.0)] = 0.3
    compensation_sentiment: Annotated[float, Field(ge=0.0, le=1.0)] = 0.45
    compensation_per_customer: NonNegFloat = 20.0
    compensation_invite_p: Prob = 0.02
    private_channel_visibility: Prob = 0.3
    private_channel_cost: NonNegFloat = 5.0
    deny_backlash: Annotated[float, Field(ge=1.0, le=20.0)] = 2.0
    argue_backlash: Annotated[float, Field(ge=1.0, le=20.0)] = 1.6
    deny_effect_unjustified: Annotated[float, Field(ge=0.0, le=1.0)] = 0.4
    delete_visibility: Prob = 0.2
    discovery_rate_per_h: Annotated[float, Field(ge=0.0, le=1000.0)] = 0.05
    coverup_virality: Factor = 1.5
    mobilized_kols: Accounts = 5
    shared_effect_weight: Prob = 0.3
    customer_lost_threshold: Annotated[float, Field(ge=-1.0, le=1.0)] = -0.3
    #: several platforms (``[[platforms]]``): where the complaint is posted (absent: the
    #: first platform) and where the brand answers (absent: the complaint's platforms)
    platforms: Annotated[list[str] | None, Field(min_length=1, max_length=16)] = None
    response_platforms: Annotated[list[str] | None, Field(min_length=1, max_length=16)] = None


class PlatformConfig(_Section):
    """One platform of ``[[platforms]]`` (docs/model.md, "Several platforms").

    Every key but ``name`` and ``kind`` has a default from the kind's preset
    (:data:`sim.scenario.presets.PLATFORM_PRESETS`); a key given overrides it.
    """

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]
    kind: Literal["broadcast", "messaging", "forum"]
    #: share of the population's accounts present on the platform (overlap)
    presence: Prob | None = None
    #: share of the target customers present (absent: ``presence``)
    target_presence: Prob | None = None
    #: "shared": the population's graph ([graph]); a table: the platform's own graph
    #: on the same accounts (``n`` is the population's); absent: the kind's preset
    graph: Literal["shared"] | GraphConfig | None = None
    #: multiplier of the session rate of the accounts on this platform
    reading: Annotated[float | None, Field(ge=0.0, le=1000.0)] = None
    #: multiplier of the share hazard of the accounts on this platform
    sharing: Annotated[float | None, Field(ge=0.0, le=1000.0)] = None
    #: probability that a share made here is also posted by the same account on each
    #: other platform it is present on (cross-posting)
    cross_post_p: Prob | None = None
    #: whether [feed]'s limited attention applies here, and its background rate here
    feed: bool | None = None
    feed_background_per_account_h: Annotated[float | None, Field(ge=0.0, le=1000.0)] = None
    #: whether the platform has a trending list ([trending]'s settings; absent:
    #: broadcast platforms when [trending] is enabled)
    trending: bool | None = None
    #: the post clock here: decay exponent of visibility and feed window (long-lived threads)
    visibility_exponent: Annotated[float | None, Field(gt=0.0, le=5.0)] = None
    feed_window_h: Annotated[float | None, Field(gt=0.0, le=24 * 30)] = None


class AnalysisConfig(_Section):
    """Thresholds of the lifecycle phases, measured on the incidence curve."""

    ignition: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.05
    plateau: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.95
    decay: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.5
    smoothing_h: Annotated[float, Field(ge=0.0, le=24 * 30)] = 24.0
    contain: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.1


class RunConfig(_Section):
    """Horizon, step, replicates, seed and engine."""

    seed: Annotated[int, Field(ge=0, le=2**63 - 1)] = 0
    horizon_h: Annotated[float, Field(gt=0.0, le=24 * 365)] = 336.0
    step_minutes: Annotated[float, Field(gt=0.0, le=1440.0)] = 60.0
    replicates: Annotated[int, Field(ge=1, le=100_000)] = 20
    engine: Literal["fast", "reference"] = "fast"
    #: record every share (who from whom) for the cascade trees; off for huge sweeps
    record_cascades: bool = True

    @model_validator(mode="after")
    def _check(self) -> RunConfig:
        if (1440.0 / self.step_minutes) % 1:
            raise ValueError(
                f"run.step_minutes ({self.step_minutes}) must divide a day (1440 minutes), "
                "e.g. 15, 30, 60, 120"
            )
        return self


class Scenario(_Section):
    """A complete, validated scenario."""

    name: Annotated[str, Field(min_length=1, max_length=200)] = "scenario"
    description: Annotated[str, Field(max_length=100_000)] = ""
    graph: GraphConfig = GraphConfig()
    population: PopulationConfig = PopulationConfig()
    brand: BrandConfig = BrandConfig()
    dynamics: DynamicsConfig = DynamicsConfig()
    feed: FeedConfig = FeedConfig()
    trending: TrendingConfig = TrendingConfig()
    platforms: Annotated[list[PlatformConfig], Field(max_length=16)] = Field(default_factory=list)
    messages: list[MessageConfig] = Field(default_factory=lambda: [MessageConfig()])
    crisis: CrisisConfig | None = None
    analysis: AnalysisConfig = AnalysisConfig()
    run: RunConfig = RunConfig()
    variants: list[dict[str, object]] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> Scenario:
        names = [m.name for m in self.messages]
        if len(set(names)) != len(names):
            raise ValueError(f"messages: names must be unique, got {names}")
        self._check_platforms()
        by_name = {m.name: m for m in self.messages}
        for m in self.messages:
            if m.rides is None:
                continue
            trend = by_name.get(m.rides)
            if trend is None or trend.name == m.name:
                raise ValueError(f"messages: {m.name!r} rides {m.rides!r}, which is not another message")
            if trend.kind != "trend":
                raise ValueError(f"messages: {m.name!r} rides {m.rides!r}, whose kind is {trend.kind!r}, not 'trend'")
            if trend.rides is not None:
                raise ValueError(f"messages: {m.rides!r} is ridden by {m.name!r} and cannot ride another message")
        for origin in ("seeding", "giveaway"):
            k = sum(1 for m in self.messages if m.origin == origin)
            if k > 1:
                raise ValueError(f"messages: at most one message can have origin = {origin!r} (found {k})")
        for b in self.trending.buy:
            if b.message not in names and self.crisis is None:
                raise ValueError(f"trending.buy: no message named {b.message!r} (messages: {', '.join(names)})")
        if sum(1 for m in self.messages if m.open_hashtag) > 1:
            raise ValueError("messages: at most one message can have open_hashtag = true")
        tactic = [m.name for m in self.messages if m.origin in ("seeding", "giveaway", "advocates")
                  or m.rides is not None or m.repeats > 1 or m.open_hashtag]
        if tactic and not self.brand.enabled:
            raise ValueError(f"messages {tactic}: campaign tactics need the brand account (brand.enabled = true)")
        if self.brand.engagement == "none" and any(m.origin == "advocates" for m in self.messages):
            raise ValueError("messages: origin = 'advocates' needs brand.engagement = 'deep' or 'shallow'")
        seeding = any(m.origin == "seeding" for m in self.messages)
        if seeding and self.population.n_kols == 0 and not self.population.kol_ids:
            raise ValueError("messages: origin = 'seeding' needs KOLs (population.n_kols > 0)")
        # an event after the horizon would silently never happen (issue #14)
        if self.crisis is not None and self.crisis.start_h >= self.run.horizon_h:
            raise ValueError(
                f"crisis.start_h = {self.crisis.start_h:g} is not before run.horizon_h = {self.run.horizon_h:g}: "
                "the crisis would never happen"
            )
        late = [m.name for m in self.messages if m.start_h >= self.run.horizon_h]
        if late:
            raise ValueError(
                f"messages {late}: start_h is not before run.horizon_h = {self.run.horizon_h:g}; they would never start"
            )
        return self

    def _check_platforms(self) -> None:
        """Platform names are unique and every ``platforms`` key names one of them."""
        known = [p.name for p in self.platforms]
        if len(set(known)) != len(known):
            raise ValueError(f"platforms: names must be unique, got {known}")
        uses = [(f"messages.{m.name}.platforms", m.platforms) for m in self.messages]
        if self.crisis is not None:
            uses += [("crisis.platforms", self.crisis.platforms),
                     ("crisis.response_platforms", self.crisis.response_platforms)]
        for where, names in uses:
            if names is None:
                continue
            if not known:
                raise ValueError(f"{where} needs [[platforms]] entries (none are declared)")
            bad = [x for x in names if x not in known]
            if bad:
                raise ValueError(f"{where}: unknown platform {bad[0]!r} (platforms: {', '.join(known)})")
            if len(set(names)) != len(names):
                raise ValueError(f"{where}: a platform is listed twice ({names})")


#: Every section of a scenario by its TOML name, with its model (``[[messages]]``,
#: ``[[platforms]]`` and ``[[trending.buy]]`` are lists of entries of one model): the
#: key tables of docs/scenarios.md and the tests over every key start from here.
SECTIONS: dict[str, type[_Section]] = {
    "graph": GraphConfig,
    "population": PopulationConfig,
    "brand": BrandConfig,
    "dynamics": DynamicsConfig,
    "feed": FeedConfig,
    "trending": TrendingConfig,
    "trending.buy": BoughtSlot,
    "platforms": PlatformConfig,
    "messages": MessageConfig,
    "crisis": CrisisConfig,
    "analysis": AnalysisConfig,
    "run": RunConfig,
}
