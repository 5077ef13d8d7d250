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

__all__ = ["apply_dynamics_preset", "apply_topic_preset"]


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
