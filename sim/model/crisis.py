"""A brand crisis: a complaint, the brand's monitoring and approval chain, and its response.

The complaint is a message like any other (valence -1: negative sentiment raises
the chance to share it). The brand (``Brand.step`` calls :meth:`CrisisPlan.step`)
detects it when its listening sees enough of it, waits its approval delay, then
responds with one of the strategies below. Each strategy is a message through the
same network and/or a change of the complaint's visibility; every effect is a
documented parameter of ``[crisis]`` (docs/model.md, "Crisis").
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim import rng as rng_mod
from sim.analysis.lifecycle import time_to_contain
from sim.clock import steps_for
from sim.engine.rule import T_LOST
from sim.model.effects import (
    BACKLASH_SENTIMENT_PER_UNIT,
    CONTAIN_SMOOTHING_H,
    COVERUP_EFFECT,
    COVERUP_RELEVANCE_WEIGHT,
    COVERUP_SENTIMENT_FACTOR,
    RESPONSE_RELEVANCE_WEIGHT,
    UNJUSTIFIED_DENIAL_SENTIMENT_FACTOR,
)
from sim.model.messages import Message
from sim.scenario.schema import CrisisConfig

if TYPE_CHECKING:
    from sim.model.agents import Brand
    from sim.model.buzz import BuzzModel

__all__ = ["SPREAD_MIN_SHARES", "CrisisPlan", "underdog_bonus"]

#: A complaint "spreads" when at least this many shares of the negative messages
#: (complaint and cover-up, the complainer's own post included) were made: an
#: outbreak rather than one post that fizzled. Outcomes are bimodal (a complaint
#: fizzles or spreads), so reports give the probability of spreading and the reach
#: given that it spreads beside the mean (``negative_spread``,
#: ``negative_reach_if_spread``).
SPREAD_MIN_SHARES = 10


def underdog_bonus(origin_followers: int, brand_followers: int, strength: float) -> float:
    """Share-hazard multiplier of a complaint from a small account against a big brand.

    ``1 + strength * max(0, log10((F_brand + 1) / (F_origin + 1)))``: each decade by
    which the brand out-follows the complainer adds ``strength`` ("the public sides
    with the weak"). A complainer as large as the brand gets no bonus.
    """
    ratio = (brand_followers + 1.0) / (origin_followers + 1.0)
    return 1.0 + strength * max(0.0, math.log10(ratio))


class CrisisPlan:
    """The complaint and the brand's crisis behaviour for one run.

    Parameters
    ----------
    model : BuzzModel
        The model being built (population ready, engine not yet).
    cfg : CrisisConfig
    messages : list of Message
        The run's messages; the complaint, the response and the cover-up story are appended.
    seeding : numpy.random.Generator
        The run's seeding stream (choice of the complainer).
    """

    def __init__(self, model: BuzzModel, cfg: CrisisConfig, messages: list[Message], seeding: np.random.Generator):
        self.model = model
        self.cfg = cfg
        pop = model.population
        self.rng = rng_mod.generator(model.run_seed, "crisis")
        #: several platforms: where the complaint is posted and where the brand answers (names; None: the first)
        self.platforms = tuple(cfg.platforms) if cfg.platforms else None
        self.response_platforms = tuple(cfg.response_platforms) if cfg.response_platforms else self.platforms
        origin = int(model.pick_origin(cfg.origin, 1, seeding, "crisis.origin", platforms=self.platforms)[0])
        fc = pop.graph.follower_count()
        self.origin = origin
        self.bonus = underdog_bonus(int(fc[origin]), int(fc[pop.brand_node]), cfg.underdog_strength)
        base = dict(novelty="exponential", half_life_h=cfg.half_life_h)
        self.i_complaint = len(messages)
        messages.append(
            Message(
                name="complaint", kind="complaint", virality=cfg.virality, appeal=cfg.appeal,
                valence=-1, relevance_weight=cfg.relevance_weight, sentiment_impact=cfg.sentiment_impact,
                start_h=cfg.start_h, bonus=self.bonus, origin=origin, platforms=self.platforms, **base,
            )
        )
        self.i_response = -1
        response = self._response_message()
        if response is not None:
            self.i_response = len(messages)
            messages.append(response)
        self.i_coverup = -1
        if cfg.strategy == "delete":
            self.i_coverup = len(messages)
            messages.append(
                Message(
                    name="coverup", kind="coverup", virality=cfg.coverup_virality, appeal=cfg.appeal,
                    valence=-1, relevance_weight=COVERUP_RELEVANCE_WEIGHT,
                    sentiment_impact=min(0.0, COVERUP_SENTIMENT_FACTOR * cfg.sentiment_impact),
                    start_h=None, effect_target=self.i_complaint, effect_mult=COVERUP_EFFECT,
                    platforms=self.platforms, **base,
                )
            )
        self.detected_step: int | None = None
        self.response_step: int | None = None
        self.responded_step: int | None = None
        self.discovered_step: int | None = None
        self.invited_complaints = 0
        self.costs: dict[str, float] = {"compensation": 0.0, "private_channel": 0.0}

    # -- the response as a message -------------------------------------------------
    def _response_message(self) -> Message | None:
        c = self.cfg
        s = c.strategy
        common = dict(
            name="response", kind="response", virality=c.response_virality, start_h=None,
            effect_target=self.i_complaint, effect_shared_weight=c.shared_effect_weight,
            relevance_weight=RESPONSE_RELEVANCE_WEIGHT, novelty="exponential", half_life_h=c.half_life_h,
            origin="brand", platforms=self.response_platforms,
        )
        if s in ("apologize", "apologize_with_kols"):
            return Message(valence=1, sentiment_impact=c.apology_sentiment, effect_mult=c.apology_effect, **common)
        if s == "compensate":
            return Message(
                valence=1, sentiment_impact=c.compensation_sentiment, effect_mult=c.compensation_effect, **common
            )
        if s in ("deny", "argue"):
            backlash = c.deny_backlash if s == "deny" else c.argue_backlash
            if c.justified:
                # the public turns on the brand: the statement is shared to mock it,
                # it lowers sentiment and raises complaint sharing among its readers
                common["virality"] = c.response_virality * backlash
                return Message(
                    valence=-1, sentiment_impact=BACKLASH_SENTIMENT_PER_UNIT * backlash, effect_mult=backlash, **common
                )
            return Message(
                valence=1, sentiment_impact=UNJUSTIFIED_DENIAL_SENTIMENT_FACTOR * c.apology_sentiment,
                effect_mult=c.deny_effect_unjustified,
                **common,
            )
        return None  # silence, private channel, delete: no public statement

    # -- behaviour (called from Brand.step) -------------------------------------------
    def detected(self, t: int) -> bool:
        """Whether the brand's listening has seen enough of the complaint by the end of step ``t``."""
        c, counters = self.cfg, self.model.engine.counters
        shares = counters.shares_so_far(t, self.i_complaint)
        if c.monitoring == "active":
            return shares >= c.detect_active_shares
        if c.monitoring == "passive":
            return counters.kol_shares_so_far(t, self.i_complaint) > 0 or shares >= c.detect_passive_shares
        aware = counters.aware_so_far(t, self.i_complaint)
        return aware >= c.detect_none_reach * self.model.population.n_people

    def step(self, brand: Brand, t: int) -> None:
        """Monitor, wait for approval, respond; then the strategy's ongoing effects."""
        model, c = self.model, self.cfg
        start = model.step_of(c.start_h)
        if t <= start:
            return
        if self.detected_step is None and self.detected(t - 1):
            self.detected_step = t
            self.response_step = t + steps_for(c.approval_delay_h, model.dt_h)
        if self.response_step is not None and t == self.response_step and self.responded_step is None:
            self.respond(brand, t)
        if self.responded_step is None:
            return
        if (
            c.strategy == "delete"
            and self.discovered_step is None
            and self.rng.random() < -math.expm1(-c.discovery_rate_per_h * model.dt_h)
        ):
                self.discovered_step = t
                sharers = np.flatnonzero(model.engine.has_shared(self.i_complaint))
                who = self.rng.choice(sharers) if sharers.size else self.origin
                model.launch(self.i_coverup, np.array([who]))
        if c.strategy == "compensate" and t > self.responded_step:
            self._invite_complaints(t)

    def respond(self, brand: Brand, t: int) -> None:
        """Carry out the strategy at step ``t``."""
        model, c = self.model, self.cfg
        self.responded_step = t
        s = c.strategy
        if s == "silence":
            return
        if s == "delete":
            model.engine.set_visibility(self.i_complaint, c.delete_visibility)
            return
        if s == "private_channel":
            model.engine.set_visibility(self.i_complaint, c.private_channel_visibility)
            return
        origins = [brand.node]
        if s == "apologize_with_kols" and c.mobilized_kols > 0:
            kols = sorted(model.kols, key=lambda k: -k.followers)[: c.mobilized_kols]
            origins += [k.node for k in kols]
        model.launch(self.i_response, np.array(origins))
        model.engine.attach_reply(self.i_complaint, self.i_response, c.reply_visibility, brand.node)

    def _invite_complaints(self, t: int) -> None:
        """Compensation invites copycat complaints (Herhausen et al. 2019): each target
        customer who newly read the response becomes a complainer with a small probability."""
        counters, model = self.model.engine.counters, self.model
        new_readers = int(counters.new_target[t - 1, self.i_response])
        k = int(self.rng.binomial(new_readers, self.cfg.compensation_invite_p)) if new_readers else 0
        if k == 0:
            return
        eng = model.engine
        pool = np.flatnonzero(
            eng.is_aware(self.i_response) & model.population.is_target & ~eng.has_shared(self.i_complaint)
        )
        if pool.size == 0:
            return
        who = self.rng.choice(pool, min(k, pool.size), replace=False)
        eng.inject(t, self.i_complaint, who, as_origin=False)
        self.invited_complaints += int(who.size)

    # -- metrics ----------------------------------------------------------------------
    def summary(self, series: pd.DataFrame, nsi: np.ndarray) -> dict[str, object]:
        """Crisis metrics of the finished run (see docs/model.md, "Outputs")."""
        model, c = self.model, self.cfg
        eng = model.engine
        dt = model.dt_h
        negative = ["complaint"] + (["coverup"] if self.i_coverup >= 0 else [])
        neg = series[series["message"].isin(negative)].groupby("hour")["new_shares"].sum().to_numpy()
        negative_aware = eng.is_aware(self.i_complaint)
        if self.i_coverup >= 0:
            negative_aware = negative_aware | eng.is_aware(self.i_coverup)
        peak_h = int(np.argmax(neg)) if neg.sum() > 0 else np.nan
        contain = time_to_contain(neg, contain=model.effective.analysis.contain, smoothing_h=CONTAIN_SMOOTHING_H)
        if c.strategy == "compensate":
            affected = eng.is_aware(self.i_complaint) & eng.is_aware(self.i_response) & model.population.is_target
            self.costs["compensation"] = c.compensation_per_customer * float(affected.sum())
        if c.strategy == "private_channel" and self.responded_step is not None:
            self.costs["private_channel"] = c.private_channel_cost * float(eng.has_shared(self.i_complaint).sum())
        silent = self.responded_step is None or c.strategy == "silence"
        resp_t = np.nan if silent else self.responded_step * dt - c.start_h
        out = {
            "strategy": c.strategy,
            "approval_delay_h": float(c.approval_delay_h),
            "negative_reach": int(negative_aware.sum()),
            "negative_shares": int(neg.sum()),
            "negative_spread": int(neg.sum() >= SPREAD_MIN_SHARES),
            "negative_reach_if_spread": float(negative_aware.sum()) if neg.sum() >= SPREAD_MIN_SHARES else np.nan,
            "peak_negative_per_h": float(neg.max()) if neg.size else 0.0,
            "t_peak_negative_h": float(peak_h),
            "time_to_contain_h": float(contain - c.start_h) if np.isfinite(contain) else np.nan,
            "nsi_final": float(nsi[-1]),
            "customers_lost": int(round(eng.counters.totals[-1, T_LOST] - eng.initial_totals[T_LOST])),
            "response_time_h": float(resp_t),
            "detected_h": float(self.detected_step * dt - c.start_h) if self.detected_step is not None else np.nan,
            "response_reach": int(series.loc[series["message"] == "response", "new_reach"].sum()),
            "coverup_h": float(self.discovered_step * dt - c.start_h) if self.discovered_step is not None else np.nan,
            "coverup_reach": int(series.loc[series["message"] == "coverup", "new_reach"].sum()),
            "invited_complaints": int(self.invited_complaints),
            "underdog_bonus": float(self.bonus),
            "cost_compensation": self.costs["compensation"],
            "cost_private_channel": self.costs["private_channel"],
        }
        out["cost"] = float(sum(self.costs.values()))
        return out
