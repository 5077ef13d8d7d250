"""The fast engine: state arrays advanced by the numba kernels of :mod:`sim.engine.kernels`."""

from __future__ import annotations

import numpy as np

from sim.engine import kernels as K
from sim.engine import rule as R
from sim.engine import synchronous as S
from sim.engine.base import Counters, Engine, EngineInputs, initial_totals
from sim.engine.sharelog import ShareLog

__all__ = ["FastEngine", "recent_shares"]


class FastEngine(Engine):
    """Structure-of-arrays engine; per step it does work proportional to the
    readings and posts of that step, never a pass over all accounts.

    Parameters
    ----------
    inputs : EngineInputs
        Population, messages, rule parameters, reading table, RNG key.
    """

    name = "fast"
    #: take the synchronous path (:mod:`sim.engine.synchronous`) when it applies; the
    #: tests switch it off to compare it with the general kernel
    synchronous_allowed = True

    def __init__(self, inputs: EngineInputs):
        self.inputs = inputs
        pop = inputs.population
        n, m = pop.n, len(inputs.messages)
        self.n_accounts = n
        self.graph = pop.graph
        self.sentiment = pop.sentiment.astype(np.float64).copy()
        self.status = np.zeros((m, n), dtype=np.uint8)
        self.exposures = np.zeros((m, n), dtype=np.uint8)
        self.modifier = np.ones((m, n), dtype=np.float64)
        self.role = pop.role
        self.is_target = pop.is_target
        self.interest = pop.interest
        self.propensity = pop.propensity.astype(np.float64)
        self.rho = inputs.rho
        #: the session rate shared by every account (NaN if they differ): the kernel then skips its lookups
        self.rho_same = float(self.rho[0]) if n and bool((self.rho == self.rho[0]).all()) else float("nan")
        layout = inputs.platforms
        if inputs.rules.n_platforms > 1 and (layout is None or inputs.gtables is None
                                             or inputs.gtables.shape[0] != inputs.rules.n_platforms):
            # the kernels index the platforms' arrays without bounds checks
            raise ValueError("several platforms (rules.n_platforms > 1) need inputs.platforms and inputs.gtables")
        self.counters = Counters(inputs.n_steps, m, layout.n_platforms if layout is not None else 1)
        r = inputs.rules
        self._totals = initial_totals(pop, self.sentiment, r.nsi_band, r.lost_threshold)
        self.initial_totals = self._totals.copy()
        #: target customers who have been below the lost threshold (counted once in the totals)
        self.lost = (self.is_target & (self.sentiment < r.lost_threshold)).astype(np.uint8)
        rd = inputs.reading
        # readings wait in a ring of buckets, one per future step (see kernels.new_queue)
        n_ring = int(np.ceil((rd.window_h + rd.latency_h) / inputs.dt_h)) + 2
        self.queue, self.buckets, self.qstate = K.new_queue(n_ring)
        #: work arrays of a step (see kernels.new_scratch), grown on demand
        self.scratch = list(K.new_scratch())
        self._loop = np.zeros(7, np.int64)
        self._n_bits = max(1, int(self.graph.indptr.shape[0] - 1).bit_length())  # ids < 2**n_bits (radix sort)
        #: generation by generation, without the event queue (same results; see sim.engine.synchronous)
        self.synchronous = self.synchronous_allowed and S.applies(inputs)
        # the synchronous path's posts of the last step (account, message, time) and the step's shares
        self._posts = (np.empty(64, np.int32), np.empty(64, np.int32), np.empty(64, np.float64))
        self._n_posts = 0
        self._shares = (np.empty(64, np.int32), np.empty(64, np.int32), np.empty(64, np.float64),
                        np.empty(64, np.int32))
        #: every share: message, account, source, time (the cascade trees)
        self.log = ShareLog(inputs.record_cascades)
        #: whether ``modifier`` is still all ones (see synchronous.read_posts)
        self._modifier_ones = True
        self._propensity_one_value = n > 0 and bool((self.propensity == self.propensity[0]).all())
        self._pending_acc: list[np.ndarray] = []
        self._pending_msg: list[np.ndarray] = []
        self._exp = np.zeros(1, np.int64)
        self._reads = np.zeros(2, np.int64)  # [0]: readings of the step; [1]: scratch
        #: 1 for followers that unfollowed the brand (annoyed by an ad)
        self.unfollowed = np.zeros(n, dtype=np.uint8)
        # the rule's inputs as the kernels take them (sim.engine.rule): the same arrays,
        # changed in place during the run (agents change a message's table in place too)
        msg, rd = inputs.messages, inputs.reading
        self.b_graph = (self.graph.indptr, self.graph.indices)
        #: several platforms: per row, the cross-posting probability of its platform
        cross_post = (np.repeat(layout.cross_post_p, layout.n_block).astype(np.float64) if layout is not None
                      else np.zeros(1, np.float64))
        self.b_people = R.people_bundle(pop, self.rho, cross_post)
        self.b_state = R.State(
            self.sentiment, self.status, self.exposures, self.modifier, self.unfollowed, self._totals, self.lost
        )
        self.b_msgs = R.messages_bundle(msg)
        self.b_rule = R.rule_bundle(inputs.rules)
        self.b_cred = np.ascontiguousarray(inputs.rules.cred_role, dtype=np.float64)
        # the reading tables, one per platform (one without several platforms), and their guides
        gtables = inputs.gtables if inputs.gtables is not None else inputs.gtable[None]
        self.b_clock = K.reading_clock(gtables, rd.phase_min / 60.0, rd.age_min / 60.0, rd.latency_h)
        #: the feed's inputs (kernels.process_step): accounts followed per account, and
        #: each message's shares in the recent window (kept only when the feed ranks by engagement)
        r = inputs.rules
        follows = (np.bincount(self.graph.indices, minlength=n).astype(np.float64) if r.feed_limited
                   else np.zeros(1, np.float64))
        if r.feed_limited and layout is not None:  # each platform's background rate (0: unlimited there)
            follows *= np.repeat(layout.feed_factor, layout.n_block)
        self._recent = np.zeros(max(m, 1), np.float64)
        self.b_feed = (follows, self._recent)
        c = self.counters
        self.b_tally = R.Tally(c.new_shares, c.new_aware, c.new_target, c.new_kol_shares, c.new_unfollows,
                               c.new_annoyed, self._exp, self._reads, c.platform_aware, c.platform_shares)

    # -- agent-facing API -------------------------------------------------
    def inject(self, t: int, m: int, accounts: np.ndarray, *, as_origin: bool = True) -> np.ndarray:
        """Accounts post message ``m`` at the start of step ``t``; returns those that posted."""
        accounts = np.asarray(self.posting_rows(m, accounts), dtype=np.int64)
        posted = K.inject(t, m, accounts, as_origin, self.b_people, self.b_state, self.b_tally)
        # a posted row that had read nothing of m was unaware (injection does not count exposures)
        self.count_platform_posts(t, m, posted, self.exposures[m, posted] == 0)
        self._pending_acc.append(posted)
        self._pending_msg.append(np.full(posted.size, m, dtype=np.int32))
        self.log.append(m, posted, -1, t * self.inputs.dt_h)
        return posted

    def repost(self, t: int, m: int, accounts: np.ndarray) -> None:
        """Accounts that already posted ``m`` post it again at the start of step ``t``
        (a schedule of ads): a new post in their followers' feeds; statuses and share
        counts do not change."""
        acc = np.asarray(self.posting_rows(m, accounts), dtype=np.int32)
        self._pending_acc.append(acc)
        self._pending_msg.append(np.full(acc.size, m, dtype=np.int32))

    def start_message(self, m: int, time_h: float) -> None:
        """Start message ``m``'s clocks at ``time_h`` if it has not started."""
        self.inputs.messages.start(m, time_h)

    def set_visibility(self, m: int, visibility: float) -> None:
        """Visibility multiplier of ``m``'s later posts (read at fan-out)."""
        self.inputs.messages.set_visibility(m, visibility)

    def attach_reply(self, m: int, reply: int, p: float, source: int) -> None:
        """Show ``reply`` under later readings of ``m`` with probability ``p``."""
        if self.synchronous:
            # replies are outside the synchronous path's conditions (sim.engine.synchronous.applies)
            raise RuntimeError("attach_reply: a reply needs the general kernel, not the synchronous path")
        self.inputs.messages.attach_reply(m, reply, p, source)

    def expose(self, t: int, m: int, accounts: np.ndarray, times: np.ndarray, source: int) -> None:
        """Readings of ``m`` by ``accounts`` at ``times`` in step ``t`` from ``source``
        (outside the graph: the trending list); queued in step ``t``'s bucket."""
        if self.synchronous:
            raise RuntimeError("expose: direct readings need inputs.direct_readings (the general kernel)")
        acc = np.asarray(accounts, dtype=np.int32)
        if acc.size == 0:
            return
        need = acc.size // K.CHUNK + 2
        if self.qstate[0] < need:
            self.queue = K.grow_queue(*self.queue, self.qstate, need)
        K.enqueue(t, np.asarray(times, dtype=np.float64), acc, int(m), int(source), *self.queue, self.buckets,
                  self.qstate)

    def shift_sentiment(self, accounts: np.ndarray, delta: float) -> None:
        """Move the sentiment of ``accounts`` by ``delta`` (bounded update)."""
        K.shift_sentiment(np.asarray(accounts, dtype=np.int64), float(delta), self.b_people, self.b_state,
                          self.b_rule)

    def scale_modifier(self, m: int, accounts: np.ndarray, factor: float) -> None:
        """Multiply the share hazard of ``accounts`` for message ``m`` by ``factor``."""
        self._modifier_ones = False
        self.modifier[m, np.asarray(accounts, dtype=np.int64)] *= factor

    def has_unfollowed(self) -> np.ndarray:
        """Boolean mask of accounts that unfollowed the brand."""
        return self.unfollowed != 0

    def unfollowed_among(self, accounts: np.ndarray) -> np.ndarray:
        """Whether each of ``accounts`` unfollowed the brand."""
        return self.unfollowed[np.asarray(accounts, dtype=np.int64)] != 0

    def is_origin(self, m: int) -> np.ndarray:
        """Boolean mask of accounts that posted ``m`` on their own initiative (origins)."""
        return self.status[m] == K.ORIGIN

    def has_shared(self, m: int) -> np.ndarray:
        """Boolean mask of accounts that shared (or originated) message ``m``."""
        return self.status[m] >= K.SHARED

    def is_aware(self, m: int) -> np.ndarray:
        return self.status[m] >= K.AWARE

    def idle(self) -> bool:
        """True when nothing is left to happen: no post waiting and no reading queued."""
        return not self._pending_acc and self.qstate[1] == 0 and self._n_posts == 0

    def current_totals(self) -> np.ndarray:
        return self._totals.copy()

    def trees(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Every share so far: ``(message, account, source, time_h)``, source -1 for an
        origin post (see sim.engine.sharelog; empty when recording is off)."""
        return self.log.arrays()

    # -- one step ----------------------------------------------------------
    def step(self, t: int) -> None:
        """Advance step ``t``: injected posts, then every reading due in the step, in time order."""
        c = self.counters
        if self._pending_acc:
            inj_acc = np.concatenate(self._pending_acc)
            inj_msg = np.concatenate(self._pending_msg)
            self._pending_acc.clear()
            self._pending_msg.clear()
        else:
            inj_acc = np.zeros(0, np.int32)
            inj_msg = np.zeros(0, np.int32)
        self._exp[0] = 0
        self._reads[0] = 0
        r = self.inputs.rules
        if r.feed_limited and r.feed_ranking == 1:
            self._recent[: c.n_messages] = recent_shares(c.new_shares, t, r.feed_window_h, self.inputs.dt_h)
        if self.synchronous:
            self._step_synchronous(t, inj_acc, inj_msg)
        else:
            self._step_general(t, inj_acc, inj_msg)
        c.reads[t] = self._reads[0]
        c.exposures[t] = self._exp[0]
        c.totals[t] = self._totals

    def _step_general(self, t: int, inj_acc: np.ndarray, inj_msg: np.ndarray) -> None:
        """Step ``t`` through the event queue (kernels.prepare_step, then process_step
        until it is done, growing the work arrays whenever it asks)."""
        n_due = int(self.buckets[t % self.buckets.shape[0], K.B_COUNT])
        n_inj = inj_acc.size
        if n_due == 0 and n_inj == 0:
            return  # nothing due and nothing posted: the kernels would only be called
        sc = self.scratch
        sc[K.SC_DUE] = _grown(tuple(sc[K.SC_DUE]), n_due, 0)
        sc[K.SC_SORT] = _grown(tuple(sc[K.SC_SORT]), n_due, 0)
        sc[K.SC_POSTS] = _grown(tuple(sc[K.SC_POSTS]), n_inj + self.b_rule.n_platforms, 0)
        K.prepare_step(t, self.inputs.dt_h, inj_acc, inj_msg, self._n_bits, *self.queue, self.buckets, self.qstate,
                       *sc[K.SC_DUE], *sc[K.SC_SORT], *sc[K.SC_POSTS])
        loop = self._loop
        loop[:] = 0
        loop[K.L_NPOSTS] = n_inj
        while True:
            lg = self.log
            code = K.process_step(
                loop, t, self.inputs.dt_h, self.inputs.key, n_due, tuple(sc[K.SC_DUE]), tuple(sc[K.SC_STEP]),
                tuple(sc[K.SC_HEAP]), tuple(sc[K.SC_POSTS]), self.queue, self.buckets, self.qstate,
                self.b_graph, self.b_people, self.rho_same, self.b_state, self.b_msgs, self.b_rule, self.b_cred,
                self.b_clock, self.b_tally, lg.enabled, (lg.msg, lg.acc, lg.src, lg.time, lg.n), self.b_feed,
            )
            if code == K.DONE:
                return
            if code == K.NEED_LOG:
                self.log.reserve(2 * self.log.size + 64)
            elif code == K.NEED_POSTS:
                n = int(loop[K.L_NPOSTS])
                sc[K.SC_POSTS] = _grown(tuple(sc[K.SC_POSTS]), n + self.b_rule.n_platforms, n)
            else:
                if self.qstate[0] < loop[K.L_NEED_CHUNKS]:
                    self.queue = K.grow_queue(*self.queue, self.qstate, loop[K.L_NEED_CHUNKS])
                need, n_s, size = int(loop[K.L_NEED_STEP]), int(loop[K.L_NS]), int(loop[K.L_HEAP])
                sc[K.SC_STEP] = _grown(tuple(sc[K.SC_STEP]), need, n_s)
                sc[K.SC_HEAP] = _grown(tuple(sc[K.SC_HEAP]), need, size)

    def _step_synchronous(self, t: int, inj_acc: np.ndarray, inj_msg: np.ndarray) -> None:
        """Step ``t`` on the synchronous path: read the last step's posts, then list this
        step's (see sim.engine.synchronous)."""
        if self._n_posts == 0 and inj_acc.size == 0:
            return  # nothing to read and nothing posted
        inp, msg = self.inputs, self.inputs.messages
        indptr = self.graph.indptr
        (p_acc, p_msg, p_time), (s_acc, s_msg, s_time, s_src) = self._posts, self._shares
        # the propensity of every account when all share one and no modifier was set (NaN otherwise)
        uniform = float(self.propensity[0]) if self._propensity_one_value and self._modifier_ones else np.nan
        k, n_s = 0, 0
        while True:
            k, n_s = S.read_posts(
                k, self._n_posts, n_s, t, inp.dt_h, inp.key, (p_acc, p_msg, p_time), (s_acc, s_msg, s_time, s_src),
                self.b_graph, self.b_people, self.rho_same == np.inf, uniform, self.b_state, self.b_msgs,
                self.b_rule, self.b_cred, self.b_clock, self.b_tally,
            )
            if k == self._n_posts:
                break
            v = int(p_acc[k])  # room for every follower of the next post
            s_acc, s_msg, s_time, s_src = _grown((s_acc, s_msg, s_time, s_src),
                                                 n_s + int(indptr[v + 1] - indptr[v]), n_s)
        self._shares = (s_acc, s_msg, s_time, s_src)
        self.log.append(s_msg[:n_s], s_acc[:n_s], s_src[:n_s], s_time[:n_s])
        p_acc, p_msg, p_time = _grown((p_acc, p_msg, p_time), inj_acc.size + n_s, 0)
        self._n_posts = S.make_posts(
            t, inp.dt_h, inj_acc, inj_msg, s_acc, s_msg, s_time, n_s, self._n_bits, p_acc, p_msg, p_time, indptr,
            msg.visibility, self._exp,
        )
        self._posts = (p_acc, p_msg, p_time)


def recent_shares(new_shares: np.ndarray, t: int, window_h: float, dt_h: float) -> np.ndarray:
    """Each message's shares in the steps of the last ``window_h`` hours before step
    ``t`` (the engagement score of the feed; the shares of step ``t`` itself count from
    the next step)."""
    w = max(1, round(window_h / dt_h))
    return new_shares[max(0, t - w):t].sum(axis=0).astype(np.float64)


def _grown(arrays: tuple[np.ndarray, ...], need: int, keep: int) -> tuple[np.ndarray, ...]:
    """``arrays`` if they hold ``need`` entries, else larger copies of their first ``keep``."""
    if need <= arrays[0].shape[0]:
        return arrays
    size = max(need, 2 * arrays[0].shape[0])
    out = []
    for a in arrays:
        b = np.empty(size, a.dtype)
        b[:keep] = a[:keep]
        out.append(b)
    return tuple(out)
