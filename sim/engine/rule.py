"""The spreading rule, written once: what a reading does, and whether it makes a share.

The fast engine's two paths — the general kernel (:func:`sim.engine.kernels.process_step`)
and the synchronous path (:func:`sim.engine.synchronous.read_posts`) — call these numba
functions; the reference engine (:mod:`sim.engine.reference`) is the independent,
plain-Python statement of the same rule on the same parameters (docs/model.md,
"Sharing"). Every rule constant has its home here (role codes in
:mod:`sim.model.population`).

**Bundles.** The kernels take their inputs as a few named tuples (numba passes them
as plain structs; attribute access costs nothing):

* :class:`People` — per-account traits (session rate, role, target flag, interest,
  propensity);
* :class:`State` — what a run changes per account (sentiment, status and exposures
  per message, hazard modifiers, unfollows, running totals);
* :class:`Messages` — the message table's arrays (:data:`MESSAGE_FIELDS` of
  :class:`sim.model.messages.MessageTable`);
* :class:`Rule` — the scalar parameters: every scalar field of
  :class:`sim.engine.base.RuleParams`, built from it automatically, so a parameter is
  declared once (there) and reaches the kernels (``rule.<name>`` in
  :func:`share_hazard`) and the reference engine alike;
* :class:`Tally` — the counters the rule adds to.

**Adding a factor to the share hazard** means editing :func:`share_hazard` (both
fast paths call it with the bundles; it reads ``rule.<name>``, ``people.<name>[v]``,
``state.<name>[v]``), ``Account.read`` in the reference engine, and the parameter
table: a rule scalar is a field of ``RuleParams`` declared with its ``[dynamics]``
key (and that key in the scenario schema and docs); a per-account array is an
attribute of ``Population`` named in :data:`PEOPLE_FIELDS` (:func:`people_bundle`
builds the bundle from it, in one place). If the factor depends on the reader, say
so in :func:`reader_independent` too (it is next to the hazard). The call sites do
not change (docs/architecture.md, "Adding a factor to the share hazard").
"""

from __future__ import annotations

import math
from collections import namedtuple
from dataclasses import fields

import numba as nb
import numpy as np

from sim.model.population import BOT, BRAND, FOLLOWER, KOL, MEDIA
from sim.rng import hash_uniform

__all__ = [
    "AWARE",
    "EXPOSURE_CAP",
    "MESSAGE_FIELDS",
    "ORIGIN",
    "PEOPLE_FIELDS",
    "SHARED",
    "STREAM_ANNOY",
    "STREAM_CROSS",
    "STREAM_FEED",
    "UNAWARE",
    "Messages",
    "People",
    "Rule",
    "State",
    "Tally",
    "annoy_probability",
    "bounded_shift",
    "credibility_by_role",
    "cross_post_draw",
    "effect_weight",
    "feed_competitors",
    "feed_keep_probability",
    "first_reading_effects",
    "message_hazard",
    "messages_bundle",
    "modifier_factor",
    "novelty_at",
    "people_bundle",
    "platform_row",
    "poisson_cdf",
    "reader_independent",
    "rule_bundle",
    "sentiment_delta",
    "share_hazard",
    "share_probability",
    "source_credibility",
    "step_of_time",
    "update_sentiment",
    "weighted_hazard",
]

#: status of (message, account): unaware, aware, shared, posted as an origin
UNAWARE, AWARE, SHARED, ORIGIN = 0, 1, 2, 3
#: exposures per (message, account) are counted up to this (uint8 storage)
EXPOSURE_CAP = 255
#: Stream of the annoyance draw at a reading of an ad (campaign tactics, F4). The
#: streams 1-4 are in :mod:`sim.rng`; a new random decision gets a new constant so
#: that the existing draws are unchanged (common random numbers).
STREAM_ANNOY = 5
#: Stream of the limited-attention draw at fan-out: whether a post is among the top
#: ``k`` items of the reader's feed when the reader's session comes (docs/model.md, "Feed")
STREAM_FEED = 6
#: Stream of the cross-posting draw: whether an account that shared a message on one
#: platform also posts it on another (docs/model.md, "Several platforms")
STREAM_CROSS = 7
# indices of the running totals (float64): sentiment sum, positives, negatives, target customers lost
T_SENT_SUM, T_POS, T_NEG, T_LOST = 0, 1, 2, 3


def credibility_by_role(peer: float, kol: float, brand: float, media: float) -> np.ndarray:
    """Credibility of a post's source, indexed by role code (bots never post what is read: 0)."""
    out = np.zeros(max(FOLLOWER, KOL, BRAND, BOT, MEDIA) + 1)
    out[FOLLOWER], out[KOL], out[BRAND], out[BOT], out[MEDIA] = peer, kol, brand, 0.0, media
    return out


# --------------------------------------------------------------------------- bundles

#: per-account arrays of :class:`sim.model.population.Population` the rule reads, by
#: name: :func:`people_bundle` puts them in :class:`People` (after ``rho``), and the
#: kernels pass the bundle whole to :func:`share_hazard`, so a per-account factor is
#: one name here, not a load at each call site. ``cross_post`` (last): per row, the
#: probability that a share made on it is also posted on the account's row of each
#: other platform (several platforms; zeros otherwise)
PEOPLE_FIELDS = ("role", "is_target", "interest", "propensity")
People = namedtuple("People", ["rho", *PEOPLE_FIELDS, "cross_post"])
State = namedtuple("State", ["sentiment", "status", "exposures", "modifier", "unfollowed", "totals", "lost"])
#: arrays of :class:`sim.model.messages.MessageTable` the rule reads (changed in place during a run)
MESSAGE_FIELDS = (
    "static_hazard", "nov_code", "half_life", "tau", "alpha", "start_h", "nov_start", "visibility",
    "valence", "relevance_weight", "impact", "sponsored", "effect_target", "effect_mult",
    "effect_shared_weight", "reply_of", "reply_p", "reply_src", "annoy_rate", "platform_mask",
)
Messages = namedtuple("Messages", MESSAGE_FIELDS)
Tally = namedtuple(
    "Tally",
    ["new_shares", "new_aware", "new_target", "new_kol_shares", "new_unfollows", "new_annoyed", "exposures", "reads",
     "platform_aware", "platform_shares"],
)


def _scalar_fields() -> list:
    from sim.engine.base import RuleParams

    return [f for f in fields(RuleParams) if f.name != "cred_role"]


#: every scalar field of :class:`sim.engine.base.RuleParams`, as a numba-friendly tuple
#: of scalars (a tuple holding no array costs nothing to pass, even in the loops);
#: ``cred_role``, the one array, is passed to the kernels on its own
Rule = namedtuple("Rule", [f.name for f in _scalar_fields()])


def rule_bundle(params) -> tuple:
    """:class:`Rule` from a :class:`~sim.engine.base.RuleParams` (ints as int, the rest float)."""
    return Rule(*(int(getattr(params, f.name)) if f.type in ("int", int) else float(getattr(params, f.name))
                  for f in _scalar_fields()))


def people_bundle(population, rho: np.ndarray, cross_post: np.ndarray | None = None) -> tuple:
    """:class:`People` of a :class:`~sim.model.population.Population`: the session
    rates ``rho``, the population's :data:`PEOPLE_FIELDS` arrays (the same arrays,
    C-contiguous) and the per-row cross-posting probabilities (several platforms;
    default: none)."""
    if cross_post is None:
        cross_post = np.zeros(1, np.float64)
    return People(rho, *(np.ascontiguousarray(getattr(population, f)) for f in PEOPLE_FIELDS), cross_post)


def messages_bundle(table) -> tuple:
    """:class:`Messages` of a :class:`~sim.model.messages.MessageTable` (the same arrays)."""
    return Messages(*(getattr(table, f) for f in MESSAGE_FIELDS))


# --------------------------------------------------------------------------- the rule
#
# Performance (numba 0.6x, measured: scripts/time_rule.py and docs/performance.md):
# a numba function that takes arrays — or a bundle of arrays — costs 2-5x in the
# per-reading loops even when inlined (reference counting of every array argument or
# attribute on each call), while a function of scalars is free (LLVM inlines it).
# The rule is therefore written as functions of scalars: the kernels unpack the
# bundles once, load what the rule needs and store what it decides.


@nb.njit(inline="always", cache=True)
def step_of_time(time, dt):
    """The step that contains time ``time`` (hours)."""
    return int(math.floor(time / dt + 1e-9))


@nb.njit(inline="always", cache=True)
def novelty_at(code, age, half_life, tau, alpha):
    """Novelty of a message at ``age`` hours: constant (0), exponential (1), power law (2)."""
    if age < 0.0:
        return 0.0
    if code == 0:
        return 1.0
    if code == 1:
        return 2.0 ** (-age / half_life)
    return (1.0 + age / tau) ** (-alpha)


@nb.njit(inline="always", cache=True)
def source_credibility(cred_of_role, sponsored_origin, sponsored_discount):
    """Credibility of the post that was read: that of its source's role
    (``RuleParams.cred_role``), discounted when the message is sponsored and the source
    posted it as an origin (``sponsored_origin``)."""
    if sponsored_origin:
        return cred_of_role * sponsored_discount
    return cred_of_role


@nb.njit(inline="always", cache=True)
def bounded_shift(s, delta):
    """Move sentiment ``s`` by ``delta`` toward +1 or -1; stays in [-1, 1] for |delta| <= 1."""
    if delta >= 0.0:
        return s + delta * (1.0 - s)
    return s + delta * (1.0 + s)


@nb.njit(inline="always", cache=True)
def effect_weight(target_shared, shared_weight):
    """Weight of a first reading's effects: ``shared_weight`` on a reader who already
    shared the message the effect acts on, else 1."""
    return shared_weight if target_shared else 1.0


@nb.njit(inline="always", cache=True)
def sentiment_delta(impact, cred, weight):
    """Sentiment shift of a first reading: impact × source credibility × weight, in [-1, 1]."""
    return max(-1.0, min(1.0, impact * cred * weight))


@nb.njit(inline="always", cache=True)
def modifier_factor(effect_mult, weight):
    """Factor a first reading applies to the hazard modifier of the message it acts on."""
    return 1.0 + (effect_mult - 1.0) * weight


@nb.njit(inline="always", cache=True)
def annoy_probability(annoy_rate, n_exp, growth):
    """Broadcast ads annoy: the ``n_exp``-th reading annoys with ``1 - exp(-a n^growth)``."""
    return -math.expm1(-annoy_rate * n_exp**growth) if annoy_rate < math.inf else 1.0


@nb.njit(inline="always", cache=True)
def update_sentiment(v, new_s, sentiment, is_target, totals, lost, band, lost_threshold):
    """Set ``sentiment[v]`` and keep the running totals (sum, positives, negatives,
    target customers lost) exact without a pass over the population.

    ``lost[v]`` marks a target customer who has been below ``lost_threshold``: one who
    falls below is counted once and stays lost if their sentiment rises again, so
    ``totals[T_LOST]`` never falls."""
    old = sentiment[v]
    totals[T_SENT_SUM] += new_s - old
    totals[T_POS] += (new_s > band) - (old > band)
    totals[T_NEG] += (new_s < -band) - (old < -band)
    if is_target[v] and new_s < lost_threshold and lost[v] == 0:
        lost[v] = 1
        totals[T_LOST] += 1
    sentiment[v] = new_s


@nb.njit(inline="always", cache=True)
def first_reading_effects(
    v, m, cred, status, modifier, sentiment, is_target, totals, lost, impact, effect_target, effect_mult,
    effect_shared_weight, band, lost_threshold,
):
    """Effects of ``v``'s first reading of ``m``: sentiment shift and the modifier of the
    message ``m`` acts on; weaker (``effect_shared_weight``) if ``v`` already shared that one."""
    tm = effect_target[m]
    weight = effect_weight(tm >= 0 and status[tm, v] >= SHARED, effect_shared_weight[m])
    if impact[m] != 0.0:
        delta = sentiment_delta(impact[m], cred, weight)
        update_sentiment(v, bounded_shift(sentiment[v], delta), sentiment, is_target, totals, lost, band,
                         lost_threshold)
    if tm >= 0:
        modifier[tm, v] *= modifier_factor(effect_mult[m], weight)


@nb.njit(inline="always", cache=True)
def message_hazard(static_hazard, start_h, nov_code, age, half_life, tau, alpha):
    """The message's factor of the share hazard: virality × appeal × bonus
    (``static_hazard``) × novelty at ``age`` hours of its novelty clock; 0 before it
    starts (``start_h`` NaN)."""
    if math.isnan(start_h):
        return 0.0
    return static_hazard * novelty_at(nov_code, age, half_life, tau, alpha)


@nb.njit(inline="always", cache=True)
def weighted_hazard(lam, cred, propensity, modifier):
    """The last factors of the hazard: source credibility, reader's propensity, modifier."""
    return lam * (cred * propensity * modifier)


@nb.njit(inline="always", cache=True)
def share_hazard(lam, rule, relevance_weight, valence, people, state, m, v, n_exp, cred):
    """The share hazard of reader ``v``'s reading of message ``m``, from the message's
    factor ``lam`` (:func:`message_hazard`): × relevance ``(1 - w) + w × interest``
    (brand content) × mood ``exp(strength × valence × sentiment)`` × social
    reinforcement ``(n_exp / ref)^gamma`` × credibility × propensity × modifier
    (docs/model.md, "Sharing"). Arguments: the :class:`Rule` bundle, the message's
    values (``relevance_weight``, ``valence``), the :class:`People` and :class:`State`
    bundles (the reader's values are read here, so a per-account factor is added here
    and in :data:`PEOPLE_FIELDS`, not at the callers), the reading's exposure count
    and source credibility."""
    if relevance_weight > 0.0:
        lam *= (1.0 - relevance_weight) + relevance_weight * people.interest[v]
    if valence != 0 and rule.mood_strength > 0.0:
        lam *= math.exp(rule.mood_strength * valence * state.sentiment[v])
    if rule.reinforcement > 0.0:
        lam *= (n_exp / rule.reinforcement_ref) ** rule.reinforcement
    return weighted_hazard(lam, cred, people.propensity[v], state.modifier[m, v])


@nb.njit(inline="always", cache=True)
def reader_independent(rule, relevance_weight, valence):
    """Whether :func:`share_hazard` depends on the reader only through propensity ×
    modifier (then :func:`weighted_hazard` of the message factor gives it). Keep in
    step with :func:`share_hazard`."""
    return relevance_weight <= 0.0 and not (valence != 0 and rule.mood_strength > 0.0) \
        and not rule.reinforcement > 0.0


@nb.njit(inline="always", cache=True)
def share_probability(lam):
    """Probability that a reading with hazard ``lam`` makes a share: ``1 - exp(-lam)``."""
    return -math.expm1(-lam)


# --------------------------------------------------------------------------- the feed
#
# Limited attention (docs/model.md, "Feed: limited attention and ranking"). A session
# reads the top ``k`` items of the reader's feed. Besides the simulated posts the feed
# holds background items (other content) posted at ``feed_background`` items per hour
# by each account the reader follows. A post is read at its session only if fewer
# than ``k`` background items rank above it; the number that do is Poisson with mean
# :func:`feed_competitors`, so the probability is :func:`poisson_cdf` ``(k - 1, mu)``.


@nb.njit(inline="always", cache=True)
def poisson_cdf(k, mu):
    """``P(N <= k)`` for ``N ~ Poisson(mu)`` (0 for k < 0); exact sum of k + 1 terms."""
    if k < 0:
        return 0.0
    if mu <= 0.0:
        return 1.0
    term = math.exp(-mu)
    total = term
    for i in range(1, k + 1):
        term *= mu / i
        total += term
        if i > mu and term < 1e-17 * total:
            break  # the terms left fall faster than geometrically: the sum is exact to double precision
    return min(1.0, total)


@nb.njit(inline="always", cache=True)
def feed_competitors(ranking, rate, age, recent_shares, half_life, alpha):
    """Mean number of background items that rank above a post when it is read.

    ``rate`` — background items per hour in the reader's feed (``feed_background`` ×
    accounts followed); ``age`` — hours since the post was made.

    * ``ranking == 0`` (chronological, newest first): the items posted after it,
      ``rate × age``.
    * ``ranking == 1`` (engagement): an item's score is ``(1 + shares) × 2^(-age /
      half_life)``; the post's ``shares`` are its message's shares in the recent
      window (``recent_shares``), a background item's ``1 + shares`` is Pareto with
      minimum 1 and tail exponent ``alpha``. Integrating over the background items'
      ages, the items scoring above ``s`` number ``rate × h / ln 2 × s^-alpha /
      alpha`` for ``s >= 1`` and ``rate × h × (log2(1/s) + 1 / (alpha ln 2))`` for
      ``s < 1`` (``h`` the half-life).
    """
    if ranking == 0:
        return rate * age
    s = (1.0 + recent_shares) * 2.0 ** (-age / half_life)
    ln2 = math.log(2.0)
    if s >= 1.0:
        return rate * half_life / ln2 * s ** (-alpha) / alpha
    return rate * half_life * (math.log2(1.0 / s) + 1.0 / (alpha * ln2))


@nb.njit(inline="always", cache=True)
def feed_keep_probability(rule, follows, age, recent_shares):
    """Probability that a post read ``age`` hours after it was made is among the top
    ``rule.feed_k`` items of the session (1 when attention is unlimited, ``feed_k``
    0, or there is no background): ``P(Poisson(mu) <= k - 1)``, ``mu`` from
    :func:`feed_competitors` with ``follows`` accounts followed by the reader."""
    if rule.feed_k <= 0 or rule.feed_background <= 0.0:
        return 1.0
    mu = feed_competitors(rule.feed_ranking, rule.feed_background * follows, age, recent_shares,
                          rule.feed_half_life_h, rule.feed_alpha)
    return poisson_cdf(rule.feed_k - 1, mu)


# --------------------------------------------------------------------------- platforms
#
# Several platforms (docs/model.md, "Several platforms") are stacked rows: the row of
# account ``a`` on platform ``p`` is ``p * n_block + a`` (``rule.n_block``; the rule
# bundle's ``n_platforms`` is 1 when there is one platform, and nothing below is used).


@nb.njit(inline="always", cache=True)
def platform_row(row, p, n_block):
    """The row of ``row``'s account on platform ``p``."""
    return p * n_block + row % n_block


@nb.njit(inline="always", cache=True)
def cross_post_draw(key, step, m, w, v, q):
    """Cross-posting: whether the account of row ``v``, which has just shared message
    ``m`` (at step ``step``), also posts it on its row ``w`` of another platform, with
    probability ``q`` (``cross_post[v]``, the probability of ``v``'s platform). The
    caller loops over the other platforms and skips the rows where the account is
    absent or has shared ``m`` already."""
    return q > 0.0 and hash_uniform(key, STREAM_CROSS, step, m, w, v) < q
