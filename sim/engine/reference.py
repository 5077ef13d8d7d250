"""The reference engine: every account is a ``mesa.Agent``; the rule in plain Python.

It is the executable specification of the spreading rule (docs/model.md), written
to be read, not to be fast. When an account posts, each of its followers decides
when (if ever) it will read the post, by *thinning* the reading hazard
``rate * attention * c(clock) * phi(age)`` (Lewis & Shedler 1979) — a different
algorithm from the fast engine's inversion of the cumulative table — and the
reading is queued; readings are then processed in time order. It uses its own
random stream (Python's ``random.Random``), so agreement with the fast engine is a
statistical check of two independent implementations, not a copy.
"""

from __future__ import annotations

import heapq
import math
import random
from dataclasses import dataclass, field

import mesa
import numpy as np

from sim import rng as rng_mod
from sim.engine.base import Counters, Engine, EngineInputs, initial_totals
from sim.engine.rule import EXPOSURE_CAP
from sim.engine.sharelog import ShareLog
from sim.model import mesa_compat  # noqa: F401  (lets finished models be collected)
from sim.model.messages import novelty
from sim.model.population import KOL as KOL_ROLE
from sim.model.visibility import hazard as reading_hazard

__all__ = ["ReferenceEngine", "Account", "Reading"]


@dataclass(order=True)
class Reading:
    """A follower's future reading of a post, ordered by time (then by queueing order)."""

    time: float
    seq: int
    reader: int = field(compare=False)
    message: int = field(compare=False)
    source: int = field(compare=False)


class Account(mesa.Agent):
    """One account of the follower graph.

    Attributes mirror the fast engine's arrays: ``sentiment``, ``status`` (per
    message: "unaware", "aware", "shared", "origin"), ``exposures`` and ``modifier``
    (per-message multiplier of the share hazard).
    """

    def __init__(self, model: mesa.Model, engine: ReferenceEngine, node: int):
        super().__init__(model)
        inp = engine.inputs
        pop = inp.population
        self.engine = engine
        self.node = node
        self.role = int(pop.role[node])
        self.rate = float(inp.rho[node])  # sessions per hour
        self.interest = float(pop.interest[node])
        self.is_target = bool(pop.is_target[node])
        self.propensity = float(pop.propensity[node])
        self.sentiment = float(pop.sentiment[node])
        #: a target customer who has been below the lost threshold (see ReferenceEngine.set_sentiment)
        self.lost = self.is_target and self.sentiment < inp.rules.lost_threshold
        n_msg = len(inp.messages)
        self.unfollowed_brand = False  # annoyed by an ad from the brand: stopped following it
        self.status = ["unaware"] * n_msg
        self.exposures = [0] * n_msg
        self.modifier = [1.0] * n_msg

    def has_shared(self, m: int) -> bool:
        return self.status[m] in ("shared", "origin")

    # --- the specification -------------------------------------------------
    def feel(self, m: int, credibility: float) -> None:
        """Effects of a first reading of ``m``: sentiment, and the modifier of the message it acts on."""
        msg = self.engine.inputs.messages
        target = int(msg.effect_target[m])
        weight = 1.0
        if target >= 0 and self.has_shared(target):
            weight = float(msg.effect_shared_weight[m])  # weaker on those who shared the target
        if msg.impact[m] != 0.0:
            delta = max(-1.0, min(1.0, float(msg.impact[m]) * credibility * weight))
            self.engine.set_sentiment(self, move_sentiment(self.sentiment, delta))
        if target >= 0:
            self.modifier[target] *= 1.0 + (float(msg.effect_mult[m]) - 1.0) * weight

    def read(self, reading: Reading) -> None:
        """Reading a post: awareness, sentiment, the message's effects, then the share decision."""
        eng = self.engine
        m = reading.message
        if self.has_shared(m):
            return  # an account that has shared a message ignores further posts of it
        msg = eng.inputs.messages
        rules = eng.inputs.rules
        eng.counters.reads[eng.t] += 1
        self.exposures[m] = min(self.exposures[m] + 1, EXPOSURE_CAP)
        if self.status[m] == "unaware":
            self.status[m] = "aware"
            eng.count_aware(self, m)
        credibility = eng.credibility_of(reading.source, m)
        if self.exposures[m] == 1:
            self.feel(m, credibility)
        reply = int(msg.reply_of[m])
        if (reply >= 0 and self.status[reply] == "unaware" and eng.reply_shown_here(reply, self.node)
                and eng.random.random() < msg.reply_p[m]):
            # the brand's reply shown under the complaint
            self.status[reply] = "aware"
            self.exposures[reply] = 1
            eng.count_aware(self, reply)
            self.feel(reply, float(rules.cred_role[eng.accounts[int(msg.reply_src[m])].role]))
        if msg.annoy_rate[m] > 0 and self.annoyed_by(reading, m):
            return  # an annoyed reader does not share the ad
        if math.isnan(msg.start_h[m]):
            return
        spec = msg.messages[m]
        age = reading.time - float(msg.nov_start[m])  # the message's novelty clock (a trend's, if it rides one)
        hazard = float(msg.static_hazard[m]) * float(novelty(spec.novelty, age, spec.half_life_h, spec.tau_h, spec.alpha))
        if hazard <= 0.0:
            return
        w = float(msg.relevance_weight[m])
        relevance = (1.0 - w) + w * self.interest
        mood = 1.0
        if msg.valence[m] != 0 and rules.mood_strength > 0:
            mood = math.exp(rules.mood_strength * int(msg.valence[m]) * self.sentiment)
        reinforcement = 1.0
        if rules.reinforcement > 0:
            reinforcement = (self.exposures[m] / rules.reinforcement_ref) ** rules.reinforcement
        hazard *= relevance * mood * reinforcement * credibility * self.propensity * self.modifier[m]
        if eng.random.random() < 1.0 - math.exp(-hazard):
            self.status[m] = "shared"
            eng.count_share(self, m)
            eng.log.append(m, self.node, reading.source, reading.time)  # the cascade tree
            eng.post(self.node, m, reading.time)
            eng.cross_post(self, m, reading.time)


    def annoyed_by(self, reading: Reading, m: int) -> bool:
        """Broadcast ads annoy: the n-th reading of ad ``m`` annoys with probability
        ``1 - exp(-a * n**growth)``. An annoyed reader's sentiment drops; if the ad came
        from the brand's own post, the reader unfollows the brand."""
        eng = self.engine
        rules = eng.inputs.rules
        a = float(eng.inputs.messages.annoy_rate[m])
        p = 1.0 if math.isinf(a) else 1.0 - math.exp(-a * self.exposures[m] ** rules.annoy_growth)
        if not eng.random.random() < p:
            return False
        eng.counters.new_annoyed[eng.t] += 1
        if rules.annoy_sentiment != 0.0:
            eng.set_sentiment(self, move_sentiment(self.sentiment, rules.annoy_sentiment))
        if reading.source == rules.brand_node and not self.unfollowed_brand:
            self.unfollowed_brand = True
            eng.counters.new_unfollows[eng.t] += 1
        return True


def move_sentiment(s: float, delta: float) -> float:
    """Bounded update: move toward +1 (delta > 0) or -1 (delta < 0) by ``|delta|`` of the distance."""
    return s + delta * (1.0 - s) if delta >= 0 else s + delta * (1.0 + s)


class ReferenceEngine(Engine):
    """Runs the rule with one :class:`Account` agent per node; same interface as the
    fast engine (:class:`sim.engine.base.Engine`)."""

    name = "reference"

    def __init__(self, inputs: EngineInputs, model: mesa.Model):
        self.inputs = inputs
        self.model = model
        pop = inputs.population
        self.graph = pop.graph
        self.n_accounts = pop.n
        self.random = random.Random(int(rng_mod.child_seed_sequence(inputs.seed, "reference").generate_state(1)[0]))
        self.accounts = [Account(model, self, v) for v in range(pop.n)]
        #: several platforms (sim.model.platforms), or None
        self.layout = inputs.platforms
        self.counters = Counters(inputs.n_steps, len(inputs.messages),
                                 self.layout.n_platforms if self.layout is not None else 1)
        r = inputs.rules
        self.totals = initial_totals(pop, pop.sentiment, r.nsi_band, r.lost_threshold)
        self.initial_totals = self.totals.copy()
        self.queue: list[Reading] = []
        self._seq = 0
        self._injected: list[tuple[int, int]] = []
        self.t = 0
        #: every share: message, account, source, time (the cascade trees)
        self.log = ShareLog(inputs.record_cascades)
        #: the feed: accounts each account follows; each message's shares in the recent window
        self.follows = [0] * pop.n
        if inputs.rules.feed_limited:
            for w in self.graph.indices.tolist():
                self.follows[w] += 1
            if self.layout is not None:  # each platform's background rate (0: unlimited attention there)
                self.follows = [f * float(self.layout.feed_factor[v // self.layout.n_block])
                                for v, f in enumerate(self.follows)]
        self.recent = [0.0] * len(inputs.messages)

    # --- rules shared by the accounts -------------------------------------------
    def reading_delay(self, rate: float, post_time: float, reader: int = 0) -> float | None:
        """When a follower with session ``rate`` reads a post made at ``post_time``:
        the first point of the Poisson process of hazard ``rate * A * c * phi``,
        sampled by thinning, or ``None`` if it does not read it within the window.
        With several platforms, ``phi`` and the window are those of ``reader``'s platform."""
        rd = self.inputs.reading
        if rate <= 0:
            return None
        if math.isinf(rate):
            return rd.latency_h
        exponent, window = rd.exponent, rd.window_h
        if self.layout is not None:
            p = reader // self.layout.n_block
            exponent, window = float(self.layout.exponent[p]), float(self.layout.window_h[p])
        bound = rate * rd.attention * float(rd.circadian.max())  # phi <= 1
        age = 0.0
        while True:
            age += self.random.expovariate(bound)
            if age >= window:
                return None
            h = rate * rd.attention * reading_hazard(
                age, post_time % 24.0, rd.circadian, rd.plateau_min, exponent, window, rd.phase_min
            )
            if self.random.random() * bound < h:
                return max(age, rd.latency_h)

    def post(self, v: int, m: int, time: float) -> None:
        """Account ``v`` posts message ``m`` at ``time``: each follower may read it later."""
        vis = float(self.inputs.messages.visibility[m])
        if vis <= 0:
            return
        followers = self.graph.indices[self.graph.indptr[v] : self.graph.indptr[v + 1]].tolist()
        self.counters.exposures[self.t] += len(followers)
        from_brand = v == self.inputs.rules.brand_node
        for w in followers:
            follower = self.accounts[w]
            if follower.rate <= 0 or follower.has_shared(m):
                continue
            if from_brand and follower.unfollowed_brand:
                continue  # no longer follows the brand
            delay = self.reading_delay(follower.rate * vis, time, w)
            if delay is not None and not self.in_feed_top(w, m, delay):
                continue  # limited attention: the post is below the top k when w's session comes
            if delay is not None:
                self._seq += 1
                heapq.heappush(self.queue, Reading(time + delay, self._seq, w, m, v))

    def in_feed_top(self, reader: int, m: int, age: float) -> bool:
        """Limited attention (docs/model.md, "Feed"): whether a post read ``age`` hours
        after it was made is among the top ``k`` items of the reader's session.

        Background items enter the feed at ``feed_background`` per hour per followed
        account; the number that rank above the post is Poisson (mean below), and the
        post is read if fewer than ``k`` do. Chronological: the items newer than the
        post. Engagement: score ``(1 + shares) 2^(-age/h)``, the post's shares being
        its message's shares in the last ``feed_window_h`` hours before this step, a
        background item's ``1 + shares`` Pareto(1, alpha) at a uniform age.
        """
        r = self.inputs.rules
        if not r.feed_limited:
            return True
        rate = r.feed_background * self.follows[reader]
        h, a = r.feed_half_life_h, r.feed_alpha
        if r.feed_ranking == 0:
            mean = rate * age
        else:
            score = (1.0 + self.recent[m]) * 0.5 ** (age / h)
            if score >= 1.0:  # background items at age x beat it when Pareto > score 2^(x/h)
                mean = rate * h / math.log(2.0) * score ** -a / a
            else:  # every item younger than h log2(1/score) beats it, then the Pareto tail
                mean = rate * h * (math.log2(1.0 / score) + 1.0 / (a * math.log(2.0)))
        # P(Poisson(mean) <= k - 1)
        term = math.exp(-mean)
        p = term
        for i in range(1, r.feed_k):
            term *= mean / i
            p += term
        return self.random.random() < p

    def reply_shown_here(self, reply: int, reader: int) -> bool:
        """Several platforms: a reply is shown under a message only on the platforms
        where it was posted."""
        if self.layout is None:
            return True
        return bool((int(self.inputs.messages.platform_mask[reply]) >> (reader // self.layout.n_block)) & 1)

    def cross_post(self, acc: Account, m: int, time: float) -> None:
        """Cross-posting (docs/model.md, "Several platforms"): an account that has just
        shared ``m`` on one platform also posts it on each other platform where it is
        present and has not shared it, with the probability of the platform where it
        shared; that is a share there (made at the same instant, source: the sharing row)."""
        lay = self.layout
        if lay is None:
            return
        n, v = lay.n_block, acc.node
        q = float(lay.cross_post_p[v // n])
        if q <= 0.0:
            return
        for p in range(lay.n_platforms):
            w = p * n + v % n
            if w == v or not lay.present[p, v % n]:
                continue
            other = self.accounts[w]
            if other.has_shared(m) or not self.random.random() < q:
                continue
            if other.status[m] == "unaware":
                self.count_aware(other, m)
            other.status[m] = "shared"
            self.count_share(other, m)
            self.log.append(m, w, v, time)
            self.post(w, m, time)

    def credibility_of(self, source: int, m: int) -> float:
        src = self.accounts[source]
        c = float(self.inputs.rules.cred_role[src.role])
        if self.inputs.messages.sponsored[m] and src.status[m] == "origin":
            c *= self.inputs.rules.sponsored_discount
        return c

    def set_sentiment(self, acc: Account, new: float) -> None:
        r = self.inputs.rules
        old = acc.sentiment
        self.totals[0] += new - old
        self.totals[1] += (new > r.nsi_band) - (old > r.nsi_band)
        self.totals[2] += (new < -r.nsi_band) - (old < -r.nsi_band)
        if acc.is_target and new < r.lost_threshold and not acc.lost:
            acc.lost = True  # counted once: a lost customer stays lost
            self.totals[3] += 1
        acc.sentiment = new

    def count_aware(self, acc: Account, m: int) -> None:
        self.counters.new_aware[self.t, m] += 1
        if acc.is_target:
            self.counters.new_target[self.t, m] += 1
        if self.layout is not None:
            self.counters.platform_aware[self.t, m, acc.node // self.layout.n_block] += 1

    def count_share(self, acc: Account, m: int) -> None:
        self.counters.new_shares[self.t, m] += 1
        if acc.role == KOL_ROLE:
            self.counters.new_kol_shares[self.t, m] += 1
        if self.layout is not None:
            self.counters.platform_shares[self.t, m, acc.node // self.layout.n_block] += 1

    # --- engine interface ------------------------------------------------------
    def inject(self, t: int, m: int, accounts: np.ndarray, *, as_origin: bool = True) -> np.ndarray:
        """Accounts post message ``m`` at the start of step ``t``."""
        self.t = t
        posted = []
        for v in np.asarray(self.posting_rows(m, accounts)).tolist():
            acc = self.accounts[v]
            if acc.has_shared(m):
                continue
            if acc.status[m] == "unaware":
                self.count_aware(acc, m)
            acc.status[m] = "origin" if as_origin else "shared"
            self.count_share(acc, m)
            self._injected.append((v, m))
            posted.append(v)
        self.log.append(m, np.array(posted, dtype=np.int64), -1, t * self.inputs.dt_h)
        return np.array(posted, dtype=np.int64)

    def step(self, t: int) -> None:
        """Injected posts are made at the start of the step; then the step's readings, in time order."""
        self.t = t
        dt = self.inputs.dt_h
        r = self.inputs.rules
        if r.feed_limited and r.feed_ranking == 1:  # shares of the last feed_window_h hours before this step
            back = max(1, round(r.feed_window_h / dt))
            self.recent = [float(self.counters.new_shares[max(0, t - back):t, m].sum())
                           for m in range(len(self.recent))]
        injected, self._injected = self._injected, []
        for v, m in injected:
            self.post(v, m, t * dt)
        end = (t + 1) * dt
        while self.queue and math.floor(self.queue[0].time / dt + 1e-9) * dt < end - 1e-9:
            reading = heapq.heappop(self.queue)
            self.accounts[reading.reader].read(reading)
        self.counters.totals[t] = self.totals

    def repost(self, t: int, m: int, accounts: np.ndarray) -> None:
        """Accounts that already posted ``m`` post it again at the start of step ``t``
        (a schedule of ads); statuses and share counts do not change."""
        self.t = t
        for v in np.asarray(self.posting_rows(m, accounts)).tolist():
            self._injected.append((v, m))

    def idle(self) -> bool:
        """True when nothing is left to happen: no post waiting and no reading queued."""
        return not self._injected and not self.queue

    def start_message(self, m: int, time_h: float) -> None:
        """Start message ``m``'s clocks at ``time_h`` if it has not started."""
        self.inputs.messages.start(m, time_h)

    def set_visibility(self, m: int, visibility: float) -> None:
        """Visibility multiplier of ``m``'s later posts (read when a post is made)."""
        self.inputs.messages.set_visibility(m, visibility)

    def attach_reply(self, m: int, reply: int, p: float, source: int) -> None:
        """Show ``reply`` under later readings of ``m`` with probability ``p``."""
        self.inputs.messages.attach_reply(m, reply, p, source)

    def expose(self, t: int, m: int, accounts: np.ndarray, times: np.ndarray, source: int) -> None:
        """Readings of ``m`` by ``accounts`` at ``times`` from ``source``, outside the
        follower graph (the trending list): queued like any other reading."""
        for w, time in zip(np.asarray(accounts).tolist(), np.asarray(times).tolist()):
            self._seq += 1
            heapq.heappush(self.queue, Reading(time, self._seq, w, m, int(source)))

    def shift_sentiment(self, accounts: np.ndarray, delta: float) -> None:
        """Move the sentiment of ``accounts`` by ``delta`` (the brand's engagement with fans)."""
        d = max(-1.0, min(1.0, float(delta)))
        for v in np.asarray(accounts).tolist():
            acc = self.accounts[v]
            self.set_sentiment(acc, move_sentiment(acc.sentiment, d))

    def scale_modifier(self, m: int, accounts: np.ndarray, factor: float) -> None:
        """Multiply the share hazard of ``accounts`` for message ``m`` by ``factor`` (advocates)."""
        for v in np.asarray(accounts).tolist():
            self.accounts[v].modifier[m] *= factor

    def has_unfollowed(self) -> np.ndarray:
        return np.array([a.unfollowed_brand for a in self.accounts])

    def unfollowed_among(self, accounts: np.ndarray) -> np.ndarray:
        return np.array([self.accounts[v].unfollowed_brand for v in np.asarray(accounts).tolist()], dtype=bool)

    def is_origin(self, m: int) -> np.ndarray:
        return np.array([a.status[m] == "origin" for a in self.accounts])

    def has_shared(self, m: int) -> np.ndarray:
        return np.array([a.has_shared(m) for a in self.accounts])

    def is_aware(self, m: int) -> np.ndarray:
        return np.array([a.status[m] != "unaware" for a in self.accounts])

    def current_totals(self) -> np.ndarray:
        return self.totals.copy()

    def trees(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Every share so far: ``(message, account, source, time_h)``, source -1 for an
        origin post (empty when recording is off)."""
        return self.log.arrays()
