"""Presets, the one mechanism: named bundles of values a scenario asks for by name.

* **Topic presets** (``topic = "..."`` in a ``[[messages]]`` entry): the message's
  unspecified keys are filled from ``TOPIC_PRESETS`` (:mod:`sim.scenario.schema`)
  before validation (:func:`apply_topic_preset`); explicit keys win.
* **Dynamics presets** (``dynamics.preset``): applied to the validated scenario when
  the model is built (:func:`apply_dynamics_preset`); they fix part of the rule.

``independent_cascade``: every account always online (activity 1), a feed window of
one step, flat daily rhythm, constant novelty, no mood, reinforcement, credibility
or interest effects, no brand account; the primary message starts from
``dynamics.seeds`` accounts drawn uniformly at random (or from the node named by
``messages[0].origin``) and every exposure shares
with probability ``dynamics.p`` one step later. This is exactly the independent
cascade model (Kempe, Kleinberg & Tardos 2003), used to check the engine against
theory and peers.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from typing import Any

from sim.scenario.schema import TOPIC_PRESETS, Scenario

__all__ = ["PLATFORM_PRESETS", "apply_dynamics_preset", "apply_topic_preset", "platform_setting"]

#: Platform presets (``kind`` of a ``[[platforms]]`` entry; docs/model.md, "Several
#: platforms"): the value of every key the entry leaves out. ``None`` means "the
#: scenario's own setting" (``[dynamics]``, ``[feed]``, ``[trending]``). Graphs: "shared"
#: is the population's ``[graph]``; a dict is the platform's own graph on the same accounts.
PLATFORM_PRESETS: dict[str, dict[str, Any]] = {
    # Weibo: public, directed follower graph (the population's), the hot-search list
    "broadcast": {
        "presence": 1.0, "target_presence": None, "graph": "shared", "reading": 1.0, "sharing": 1.0,
        "cross_post_p": 0.05, "feed": True, "feed_background_per_account_h": None, "trending": None,
        "visibility_exponent": None, "feed_window_h": None,
    },
    # WeChat: reciprocal friend circles (small world), friends only: no list, no
    # strangers; the moments feed is read often but shared little (damped sharing)
    "messaging": {
        "presence": 0.9, "target_presence": None,
        "graph": {"kind": "small_world", "mean_degree": 20.0, "rewire_p": 0.1, "directed": False},
        "reading": 1.5, "sharing": 0.5, "cross_post_p": 0.05, "feed": False,
        "feed_background_per_account_h": None, "trending": False, "visibility_exponent": None, "feed_window_h": None,
    },
    # forum: communities (a post is seen in its community), enthusiasts over-represented,
    # visited less often, long-lived threads (slow decay of a post's visibility, 3-day window)
    "forum": {
        "presence": 0.1, "target_presence": 0.4,
        "graph": {"kind": "communities", "mean_degree": 15.0, "communities": 50, "homophily": 0.95,
                  "directed": False},
        "reading": 0.5, "sharing": 1.0, "cross_post_p": 0.05, "feed": True,
        "feed_background_per_account_h": None, "trending": False, "visibility_exponent": 0.6,
        "feed_window_h": 72.0,
    },
}


def platform_setting(platform, key: str) -> Any:
    """A ``[[platforms]]`` entry's value of ``key``: the entry's own, else its kind's
    preset (``None``: the scenario's own setting applies)."""
    own = getattr(platform, key)
    if own is not None:
        return own
    return copy.deepcopy(PLATFORM_PRESETS[platform.kind][key])


def apply_topic_preset(message: Mapping[str, Any]) -> tuple[dict[str, Any], set[str]]:
    """Fill a message's unspecified keys from its topic preset (explicit keys win).

    Returns the filled message and the keys that came from the preset.

    >>> m, keys = apply_topic_preset({"name": "x", "topic": "no_such_topic"})
    >>> keys
    set()
    """
    out = dict(message)
    topic = out.get("topic")
    preset = TOPIC_PRESETS.get(topic) if isinstance(topic, str) else None
    if not preset:
        return out, set()
    keys = {k for k in preset if k not in out}
    for k in keys:
        out[k] = copy.deepcopy(preset[k])
    return out, keys


def apply_dynamics_preset(sc: Scenario) -> Scenario:
    """Return the scenario with its dynamics preset applied (identity for "default")."""
    if sc.dynamics.preset == "default":
        return sc
    if sc.dynamics.preset == "independent_cascade":
        d = sc.dynamics
        lam = math.inf if d.p >= 1.0 else -math.log1p(-d.p)
        first = sc.messages[0].model_copy(
            update=dict(
                virality=lam, appeal=1.0, valence=0, relevance_weight=0.0, sentiment_impact=0.0,
                novelty="constant", start_h=0.0, sponsored=False, external_rate_per_h=0.0,
                # seeds uniformly at random, unless the scenario names the seed node
                origin=sc.messages[0].origin if isinstance(sc.messages[0].origin, int) else "random",
                n_origins=d.seeds,
            )
        )
        step_h = sc.run.step_minutes / 60.0
        return sc.model_copy(
            update=dict(
                population=sc.population.model_copy(
                    update=dict(activity_mean=1.0, circadian="flat", n_kols=0, kol_ids=None, kol_propensity=1.0)
                ),
                brand=sc.brand.model_copy(update=dict(enabled=False)),
                dynamics=d.model_copy(
                    update=dict(
                        feed_window_h=step_h, visibility_plateau_min=2 * sc.run.step_minutes,
                        attention=1.0, reading_latency_min=sc.run.step_minutes, reinforcement=0.0, mood_strength=0.0,
                        credibility_peer=1.0,
                        credibility_kol=1.0, credibility_brand=1.0, credibility_media=1.0,
                    )
                ),
                messages=[first],
                crisis=None,
            )
        )
    raise ValueError(f"unknown preset {sc.dynamics.preset!r}")
