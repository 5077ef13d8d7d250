"""Campaign tactics: behaviour of the brand and its KOLs (DESIGN §2, claims F4–F9).

The brand (``Brand.step``) and the KOLs (``KOL.step``) act at the start of every
step; this module holds what they do and what it costs. Every tactic is a
documented parameter of ``[brand]``, ``[dynamics]`` or ``[[messages]]``
(docs/model.md, "Campaign tactics"):

* **scheduled broadcast ads** — a brand message posted ``repeats`` times every
  ``repeat_every_h``; a reading of an ad (kind ``"ad"``) annoys the reader with a
  probability that rises with repetition; an annoyed follower unfollows the brand
  and its sentiment drops (the rule lives in the engine, drawn at the reading);
* **KOL seeding** — the message with origin ``"seeding"``: at its start the brand
  offers a paid post to KOLs (by follower count, at random, or chosen by CELF over
  engine samples, :mod:`sim.model.kol_selection`) within its budget; each KOL
  accepts with a probability and at a price set by its relationship with the brand
  (cultivated or cold);
* **giveaways** — the message with origin ``"giveaway"``: *targeted*, prizes go to
  influential accounts of the target segment who post about it; *open* ("repost to
  win"), everyone's share hazard is boosted whatever their interest, prize hunters
  repost, and the winners are drawn among all reposters;
* **bought followers** — ``brand.bots`` bot accounts follow the brand (they never
  read or share) at ``bot_price`` each;
* **riding a trend** — a brand message that ``rides`` a trend is posted
  ``content_approval_h`` after the trend starts and borrows the trend's novelty
  clock; a message under an ``open_hashtag`` is hijacked with probability
  ``hijack_p``, which starts a complaint-like story;
* **deep vs shallow engagement** — every day the brand spends
  ``engagement_hours_per_day`` on deep interactions with a few fans or shallow
  contacts with many; fans may become advocates (higher sharing of brand-positive
  messages, lower of complaints, and posting of the ``"advocates"`` message).

Randomness: named generators of the run (``sim.rng.generator(seed, name)``), one per
decision ("giveaway", "hijack", "engagement", and one per KOL for its answer to an
offer), so that variants of a scenario share their draws.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from sim import rng as rng_mod
from sim.model.kol_selection import kol_terms, select_kols
from sim.model.messages import Message
from sim.scenario.schema import MessageConfig, Scenario

if TYPE_CHECKING:
    from sim.model.agents import KOL, Brand
    from sim.model.buzz import BuzzModel

__all__ = ["TACTIC_ORIGINS", "Tactics", "is_brand_content", "n_hunters"]

#: Message origins whose posting is decided by a tactic, not scheduled at build.
TACTIC_ORIGINS = ("seeding", "giveaway", "advocates")

#: Cost items of the summary (``cost_<item>``); ``cost`` is their sum plus crisis costs.
COST_ITEMS = ("ads", "content", "kol_fees", "cultivation", "prizes", "bots", "engagement")


def is_brand_content(mc: MessageConfig) -> bool:
    """Whether a configured message is the brand's own content (counted in brand reach)."""
    return mc.origin in ("brand", "kol", *TACTIC_ORIGINS) or mc.rides is not None


def n_hunters(sc: Scenario) -> int:
    """Prize-hunter accounts the population needs (an open giveaway)."""
    if sc.brand.enabled and sc.brand.giveaway == "open" and any(m.origin == "giveaway" for m in sc.messages):
        return int(sc.brand.giveaway_hunters)
    return 0


class Tactics:
    """The brand's campaign tactics for one run.

    Created by :class:`~sim.model.buzz.BuzzModel` after the population and before
    the message table: it adjusts the messages its tactics post (a giveaway's boost,
    a trend rider's novelty clock) and appends the hijack story of an open hashtag.

    Parameters
    ----------
    model : BuzzModel
        The model being built (population ready, agents and engine not yet).
    sc : Scenario
        The effective scenario (presets applied).
    messages : list of Message
        The run's messages, modified in place.
    """

    def __init__(self, model: BuzzModel, sc: Scenario, messages: list[Message]):
        self.model = model
        self.cfg = b = sc.brand
        pop = model.population
        seed = model.run_seed
        dt = model.dt_h
        self.n_config = len(sc.messages)
        self.content = [i for i, mc in enumerate(sc.messages) if is_brand_content(mc)]
        self.costs = {k: 0.0 for k in COST_ITEMS}
        self.costs["bots"] = float(b.bots * b.bot_price)
        self.brand_posts = 0
        self.posts = np.zeros(len(messages), dtype=np.int64)
        self.cost_per_post = np.zeros(len(messages))
        for i, mc in enumerate(sc.messages):
            self.cost_per_post[i] = mc.cost_per_post

        # -- scheduled reposts (broadcast ads and any repeated brand post) ---------------
        self.reposts: dict[int, list[int]] = {}
        for i, mc in enumerate(sc.messages):
            if mc.origin == "brand" and mc.rides is None and mc.repeats > 1:
                for k in range(1, mc.repeats):
                    step = model.step_of(mc.start_h + k * mc.repeat_every_h)
                    if step < model.n_steps:
                        self.reposts.setdefault(step, []).append(i)

        # -- riding a trend: post content_approval_h after the trend starts -------------
        self.rides: dict[int, list[int]] = {}
        self.ride_post_h: dict[int, float] = {}
        names = [mc.name for mc in sc.messages]
        for i, mc in enumerate(sc.messages):
            if mc.rides is None:
                continue
            j = names.index(mc.rides)
            trend = messages[j]
            messages[i] = replace(
                messages[i], start_h=None, novelty=trend.novelty, half_life_h=trend.half_life_h,
                tau_h=trend.tau_h, alpha=trend.alpha, novelty_start_h=trend.start_h,
            )
            post_h = (trend.start_h or 0.0) + b.content_approval_h
            self.ride_post_h[i] = post_h
            step = model.step_of(post_h)
            if step < model.n_steps:
                self.rides.setdefault(step, []).append(i)

        # -- KOL seeding ---------------------------------------------------------------
        self.i_seeding = next((i for i, mc in enumerate(sc.messages) if mc.origin == "seeding"), -1)
        fc = pop.graph.follower_count()
        self.followers = fc
        kols = sorted((int(k) for k in pop.kol_nodes), key=lambda k: (-int(fc[k]), k))
        self.cultivated = kols[: b.cultivated_kols]
        self.relationship = {k: b.relationship_cold for k in kols}
        for k in self.cultivated:
            self.relationship[k] = b.relationship_cultivated
            self.costs["cultivation"] += b.cultivation_fee_share * b.kol_fee_per_1k * float(fc[k]) / 1000.0
        self.offers: list[dict[str, float]] = []
        self.selected: list[int] = []  # KOLs chosen by CELF (seeding_selection = "greedy")
        self.seeding_step = model.step_of(sc.messages[self.i_seeding].start_h) if self.i_seeding >= 0 else -1

        # -- giveaway ------------------------------------------------------------------
        self.i_giveaway = next((i for i, mc in enumerate(sc.messages) if mc.origin == "giveaway"), -1)
        self.giveaway_rng = rng_mod.generator(seed, "giveaway")
        self.giveaway_step = -1
        self.draw_step = -1
        self.gifted = np.zeros(0, dtype=np.int64)
        self.hunter_steps: dict[int, np.ndarray] = {}
        self.prizes_given = 0
        self.prizes_to_target = 0
        self.hunter_shares = 0
        self.seekers = np.zeros(0, dtype=np.int64)
        self._giveaway_modifier: np.ndarray | None = None
        if self.i_giveaway >= 0:
            g = sc.messages[self.i_giveaway]
            self.giveaway_step = model.step_of(g.start_h)
            people = np.arange(pop.n_people)
            if b.giveaway == "targeted":
                # "iPads to webmasters": the most followed ordinary accounts of the segment
                pool = people[pop.is_target[: pop.n_people] & (pop.role[: pop.n_people] == 0)]
                order = np.lexsort((pool, -fc[pool]))
                self.gifted = pool[order[: b.giveaway_prizes]].astype(np.int64)
            else:
                # "repost to win": prize seekers repost with a boosted hazard whatever their
                # interest; everyone else treats it as ordinary brand content (relevance);
                # both via the per-account modifier of the message (set in attach())
                w = messages[self.i_giveaway].relevance_weight
                people_mask = pop.is_person
                seeker = people_mask & (self.giveaway_rng.random(pop.n) < b.giveaway_seeker_share)
                self.seekers = np.flatnonzero(seeker).astype(np.int64)
                relevance = (1.0 - w) + w * pop.interest.astype(np.float64)
                self._giveaway_modifier = np.where(seeker, b.giveaway_boost, relevance)
                messages[self.i_giveaway] = replace(messages[self.i_giveaway], relevance_weight=0.0)
                n_dur = max(1, round(b.giveaway_duration_h / dt))
                self.draw_step = self.giveaway_step + n_dur
                hunters = pop.hunter_nodes
                if hunters.size:
                    when = self.giveaway_step + 1 + self.giveaway_rng.integers(0, max(1, n_dur - 1), hunters.size)
                    for s in np.unique(when):
                        self.hunter_steps[int(s)] = hunters[when == s]

        # -- open hashtag: hijack risk -----------------------------------------------------
        self.i_hashtag = next((i for i, mc in enumerate(sc.messages) if mc.open_hashtag), -1)
        self.i_hijack = -1
        self.hijack_step: int | None = None
        self.hijacked = False
        self.hijack_rng = rng_mod.generator(seed, "hijack")
        self.hijack_u = float(self.hijack_rng.random())
        if self.i_hashtag >= 0:
            name = "hijack"
            while name in [m.name for m in messages]:
                name += "_"
            self.i_hijack = len(messages)
            messages.append(
                Message(
                    name=name, kind="hijack", virality=b.hijack_virality, valence=-1, relevance_weight=0.5,
                    sentiment_impact=b.hijack_sentiment, novelty="exponential", half_life_h=24.0, start_h=None,
                    origin="random", n_origins=b.hijack_origins,
                )
            )
            self.posts = np.zeros(len(messages), dtype=np.int64)
            self.cost_per_post = np.append(self.cost_per_post, 0.0)

        # -- deep vs shallow engagement ------------------------------------------------------
        self.engagement_rng = rng_mod.generator(seed, "engagement")
        self.engagement_steps: set[int] = set()
        if b.engagement != "none" and b.engagement_hours_per_day > 0:
            days = math.ceil(model.n_steps * dt / 24.0)
            self.engagement_steps = {
                s for d in range(days) if (s := model.step_of(24.0 * d + b.engagement_hour)) < model.n_steps
            }
        self.i_ugc = [i for i, mc in enumerate(sc.messages) if mc.origin == "advocates"]
        self.advocate = np.zeros(pop.n, dtype=bool)
        self.n_advocates = 0
        self.advocate_list: list[int] = []
        self.contacts = 0
        self.ugc_posted = np.zeros(pop.n, dtype=bool)
        self.brand_node = pop.brand_node
        self.fans = np.zeros(0, dtype=np.int64)
        if pop.brand_node >= 0:
            f = pop.graph.followers(pop.brand_node)
            self.fans = np.sort(f[pop.is_person[f]]).astype(np.int64)

    def attach(self, engine) -> None:
        """Set up the engine's state the tactics need (called once the engine exists)."""
        if self._giveaway_modifier is not None:
            mod = self._giveaway_modifier
            for value in np.unique(mod):
                who = np.flatnonzero(mod == value)
                if value != 1.0 and who.size:
                    engine.scale_modifier(self.i_giveaway, who, float(value))

    # ------------------------------------------------------------------ behaviour
    def count_post(self, m: int, k: int) -> None:
        """``k`` posts of message ``m`` by the brand: counted and paid for."""
        if k <= 0:
            return
        self.posts[m] += k
        self.brand_posts += k
        cost = self.cost_per_post[m] * k
        if cost:
            self.costs["ads" if self.model.messages.kind[m] == "ad" else "content"] += cost

    def brand_step(self, brand: Brand, t: int) -> None:
        """The brand's tactics at step ``t`` (called from ``Brand.step``)."""
        model, eng = self.model, self.model.engine
        node = np.array([brand.node])
        for m in self.reposts.get(t, ()):
            eng.repost(t, m, node)
            self.count_post(m, 1)
        for m in self.rides.get(t, ()):
            model.launch(m, node)
            self.count_post(m, 1)
        if t == self.seeding_step:
            self.make_offers(t)
        if self.i_giveaway >= 0:
            self._giveaway(brand, t)
        if self.i_hashtag >= 0:
            self._hijack(t)
        if t in self.engagement_steps:
            self._engage(t)

    # -- KOL seeding --------------------------------------------------------------
    def offer_order(self, t: int) -> list[int]:
        """KOLs the brand approaches, in order (``brand.seeding_selection``)."""
        b, pop = self.cfg, self.model.population
        kols = [int(k) for k in pop.kol_nodes]
        if b.seeding_selection == "top_followers":
            return sorted(kols, key=lambda k: (-int(self.followers[k]), k))
        if b.seeding_selection == "random":
            gen = rng_mod.generator(self.model.run_seed, "kol_offers")
            return [kols[i] for i in gen.permutation(len(kols))]

        # CELF on the expected spend (a KOL is paid only if it accepts): the chosen
        # KOLs first, in the order picked, then the others by follower count
        terms = [kol_terms(b, int(self.followers[k]), self.relationship[k]) for k in kols]
        sel = select_kols(
            self.model, max(0.0, b.seeding_budget - self.costs["cultivation"]), message=self.i_seeding,
            candidates=kols, costs=[x[0] * x[1] for x in terms], accept_p=[x[1] for x in terms],
        )
        self.selected = list(sel.nodes)
        rest = sorted((k for k in kols if k not in set(sel.nodes)), key=lambda k: (-int(self.followers[k]), k))
        return [*sel.nodes, *rest]

    def make_offers(self, t: int) -> None:
        """Offer paid posts of the seeding message to KOLs, in order, within the budget
        and ``seeding_max_offers``; each KOL decides (``KOL.consider_offer``)."""
        b = self.cfg
        by_node = {k.node: k for k in self.model.kols}
        # cultivating relationships is paid out of the same KOL budget
        remaining = b.seeding_budget - self.costs["cultivation"]
        made = 0
        for node in self.offer_order(t):
            if made >= b.seeding_max_offers:
                break
            price, p = kol_terms(b, int(self.followers[node]), self.relationship[node])
            if price > remaining + 1e-9:
                continue
            made += 1
            kol: KOL = by_node[node]
            accepted = kol.consider_offer(p)
            self.offers.append({"node": node, "price": price, "accept_p": p, "accepted": float(accepted)})
            if accepted:
                remaining -= price
                self.costs["kol_fees"] += price
                kol.accept(self.i_seeding, t)

    # -- giveaways -------------------------------------------------------------------
    def _giveaway(self, brand: Brand, t: int) -> None:
        b, model, eng = self.cfg, self.model, self.model.engine
        m = self.i_giveaway
        pop = model.population
        if t == self.giveaway_step:
            self.count_post(m, eng.inject(t, m, np.array([brand.node])).size)
            if b.giveaway == "targeted" and self.gifted.size:
                post = self.giveaway_rng.random(self.gifted.size) < b.giveaway_post_p
                eng.inject(t, m, self.gifted[post])
                self.prizes_given = int(self.gifted.size)
                self.prizes_to_target = int(pop.is_target[self.gifted].sum())
                self.costs["prizes"] += self.prizes_given * b.prize_value
        hunters = self.hunter_steps.get(t)
        if hunters is not None:
            self.hunter_shares += int(eng.inject(t, m, hunters, as_origin=False).size)
        if t == self.draw_step:
            sharers = np.flatnonzero(eng.has_shared(m))
            sharers = sharers[sharers != brand.node]
            k = min(b.giveaway_prizes, sharers.size)
            if k:
                winners = self.giveaway_rng.choice(sharers, k, replace=False)
                self.prizes_given = int(k)
                self.prizes_to_target = int(pop.is_target[winners].sum())
                self.costs["prizes"] += k * b.prize_value

    # -- open hashtag hijack ---------------------------------------------------------
    def _hijack(self, t: int) -> None:
        model = self.model
        if self.hijack_step is None:
            start = model.messages.start_h[self.i_hashtag]
            if np.isfinite(start):
                self.hijack_step = model.step_of(start + self.cfg.hijack_delay_h)
        due = self.hijack_step is not None and t == self.hijack_step and not self.hijacked
        if due and self.hijack_u < self.cfg.hijack_p:
            self.hijacked = True
            who = model.pick_origin("random", self.cfg.hijack_origins, self.hijack_rng, "brand.hijack_origins")
            model.launch(self.i_hijack, who)

    # -- deep vs shallow engagement --------------------------------------------------
    def _engage(self, t: int) -> None:
        b, eng = self.cfg, self.model.engine
        self.costs["engagement"] += b.engagement_hours_per_day * b.engagement_cost_per_hour
        fans = self.fans
        if fans.size:
            fans = fans[~eng.unfollowed_among(fans)]
        if b.engagement == "deep":
            n = int(b.engagement_hours_per_day * 60.0 / b.deep_minutes)
            pool = fans[~self.advocate[fans]]
            p, delta = b.deep_advocate_p, b.deep_sentiment
        else:
            n = int(b.engagement_hours_per_day * 60.0 / b.shallow_minutes)
            pool = fans
            p, delta = b.shallow_advocate_p, b.shallow_sentiment
        k = min(n, pool.size)
        if k > 0:
            who = np.sort(self.engagement_rng.choice(pool, k, replace=False))
            self.contacts += int(k)
            if delta:
                eng.shift_sentiment(who, delta)
            new = who[(self.engagement_rng.random(k) < p) & ~self.advocate[who]]
            if new.size:
                self._make_advocates(new)
        # advocates create content: each posts the "advocates" message once, at a daily rate
        for m in self.i_ugc:
            start = self.model.messages.start_h[m]
            if not (np.isfinite(start) and t >= self.model.step_of(start)):
                continue
            adv = np.asarray(self.advocate_list, dtype=np.int64)
            cand = adv[~self.ugc_posted[adv]]
            if cand.size:
                post = cand[self.engagement_rng.random(cand.size) < b.advocate_post_p_per_day]
                if post.size:
                    eng.inject(t, m, post)
                    self.ugc_posted[post] = True

    def _make_advocates(self, who: np.ndarray) -> None:
        """Fans turned advocates: they share brand-positive messages more and
        complaints less (they defend the brand)."""
        b, eng, msgs = self.cfg, self.model.engine, self.model.messages
        self.advocate[who] = True
        self.advocate_list.extend(int(v) for v in who)
        self.n_advocates += int(who.size)
        for m in range(len(msgs)):
            if msgs.valence[m] > 0 and b.advocate_share_boost != 1.0:
                eng.scale_modifier(m, who, b.advocate_share_boost)
            elif msgs.valence[m] < 0 and b.advocate_complaint_factor != 1.0:
                eng.scale_modifier(m, who, b.advocate_complaint_factor)

    # ------------------------------------------------------------------ metrics
    def summary(self, crisis_cost: float = 0.0) -> dict[str, object]:
        """Costs and campaign metrics of the finished run (docs/model.md, "Campaign tactics")."""
        model = self.model
        eng, pop, c = model.engine, model.population, model.engine.counters
        unfollows = int(c.new_unfollows.sum())
        fans0 = int(self.fans.size)
        bots = int(pop.bot_nodes.size)
        aware = np.zeros(pop.n, dtype=bool)
        shares = 0
        for m in self.content:
            aware |= eng.is_aware(m)
            shares += int(c.new_shares[:, m].sum()) - int(eng.is_origin(m).sum())
        brand_target = int((aware & pop.is_target).sum())
        followers_total = fans0 + bots - unfollows
        total = float(sum(self.costs.values())) + float(crisis_cost)
        accepted = sum(int(o["accepted"]) for o in self.offers)
        out: dict[str, object] = {
            "followers_initial": fans0 + bots,
            "followers_total": followers_total,
            "followers_real": fans0 - unfollows,
            "unfollows": unfollows,
            "annoyed": int(c.new_annoyed.sum()),
            "brand_posts": int(self.brand_posts),
            "brand_shares": int(shares),
            "engagement_rate": shares / max(1, self.brand_posts) / max(1, followers_total),
            "brand_reach": int(aware.sum()),
            "brand_target_reach": brand_target,
            "advocates": int(self.n_advocates),
            "engagement_contacts": int(self.contacts),
            "kol_offers": len(self.offers),
            "kol_accepted": accepted,
            "kol_accept_rate": accepted / len(self.offers) if self.offers else float("nan"),
            "giveaway_prizes_to_target": int(self.prizes_to_target),
            "giveaway_hunter_shares": int(self.hunter_shares),
            "hijacked": int(self.hijacked),
        }
        for k in COST_ITEMS:
            out[f"cost_{k}"] = float(self.costs[k])
        out["cost"] = total
        out["cost_per_target_reached"] = total / brand_target if brand_target else float("nan")
        return out
