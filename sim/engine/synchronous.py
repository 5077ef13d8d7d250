"""The synchronous path of the fast engine: generation by generation, no event queue.

When every account that reads is always online and a reading comes exactly one step
after its post (the independent-cascade preset, :mod:`sim.scenario.presets`), all the
readings of step ``t + 1`` happen at one instant and come from the posts of step
``t``. The general kernel (:func:`sim.engine.kernels.process_step`) would write each of
them to the bucket of step ``t + 1``, copy them out, sort them by reader and read
them back; here a step keeps only its posts and reads their followers straight
from the graph at the next step — the classic breadth-first cascade, with the work
per exposure of a CSR sweep plus one random lookup of the follower's status.

The result is the general kernel's, draw for draw (tests/test_synchronous.py):

* a reader's readings keep their order (the order of the posts, then of the
  followers), so the exposures counted before a share and the share draws are the
  same; across readers the order is free because, under the conditions below, a
  reading changes nothing but its reader's state;
* the posts of a step are put in the general kernel's order: injected posts first,
  then shares sorted by account, stably (the order in which the general kernel,
  sorting a step's readings by reader, makes them);
* exposures are counted in the step of the post, readings in the step of the reading.

:func:`applies` states the conditions: no first-reading effects (impact, effect on
another message), no replies, no annoyance, no interest, mood or reinforcement
terms in the hazard, no brand, no limited feed, no direct readings (trending), one platform, reading rates only 0 or infinite, latency of exactly
one step of a length that adds up exactly in binary (steps of 60, 30, 15 ... minutes).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from sim.engine import rule as R
from sim.engine.rule import AWARE, EXPOSURE_CAP, ORIGIN, SHARED, UNAWARE, step_of_time
from sim.model.population import KOL
from sim.rng import STREAM_SHARE, hash_finish, hash_prefix

__all__ = ["applies", "argsort_accounts", "make_posts", "read_posts"]

#: posts whose graph rows are touched ahead of reading them
AHEAD = 32


def applies(inputs) -> bool:
    """Whether the synchronous path gives the general kernel's result on ``inputs``
    (an :class:`sim.engine.base.EngineInputs`); see the module docstring."""
    msg, r, rd = inputs.messages, inputs.rules, inputs.reading
    rho = inputs.rho
    dt = inputs.dt_h
    return bool(
        rho.size > 0
        and np.all((rho == 0.0) | (rho == math.inf))
        and rd.latency_h == dt
        and (dt * 1024.0).is_integer()  # t * dt and sums of dt are exact
        and r.brand_node < 0
        and r.reinforcement == 0.0
        and not r.feed_limited
        and not inputs.direct_readings
        and r.n_platforms <= 1
        and (r.mood_strength == 0.0 or np.all(msg.valence == 0))
        and message_conditions_hold(msg)
    )


def message_conditions_hold(msg) -> bool:
    """The per-message part of :func:`applies`. Agents change messages during a run
    only through the engine (:class:`sim.engine.base.Engine`); the fast engine
    refuses the one change that would break these conditions (a reply)."""
    return bool(
        np.all(msg.impact == 0.0)
        and np.all(msg.effect_target < 0)
        and np.all(msg.reply_of < 0)
        and np.all(msg.annoy_rate == 0.0)
        and np.all(msg.relevance_weight == 0.0)
    )


@nb.njit(cache=True)
def read_posts(k, n_posts, n_s, t, dt, key, posts, shares, graph, people, all_online, uniform_propensity,
               state, msgs, rule, cred_role, clock, tally):
    """Step ``t``: the readings of the posts ``posts = (acc, msg, time)[k:n_posts]``
    (made in step ``t - 1``), post by post, follower by follower; shares are appended
    to ``shares = (acc, msg, time, src)`` from ``n_s`` (``src``: the account whose post
    was read, for the cascade trees). The rule is :mod:`sim.engine.rule`'s, on the
    bundles of :func:`sim.engine.kernels.process_step`.

    ``uniform_propensity`` is the propensity of every account when they share one and
    ``modifier`` is all ones (NaN otherwise): the share probability is then the same
    for every reading of a post, and two random lookups per reading are saved.

    Stops before a post whose followers might overflow ``shares`` (the caller grows
    them and calls again from there). Returns ``(k, n_s)``: the next post to read
    and the number of shares.
    """
    p_acc, p_msg, p_time = posts
    s_acc, s_msg, s_time, s_src = shares
    indptr, indices = graph
    latency = clock[3]
    # the bundles' members as locals, once (attribute access in the loops costs, see sim.engine.rule)
    rho, role, is_target = people.rho, people.role, people.is_target
    status, exposures = state.status, state.exposures
    static_hazard, nov_code, half_life, tau, alpha, start_h, nov_start = (
        msgs.static_hazard, msgs.nov_code, msgs.half_life, msgs.tau, msgs.alpha, msgs.start_h, msgs.nov_start)
    sponsored, relevance_weight, valence = msgs.sponsored, msgs.relevance_weight, msgs.valence
    sponsored_discount = rule.sponsored_discount
    new_shares, new_aware, new_target, new_kol_shares = tally.new_shares, tally.new_aware, tally.new_target, tally.new_kol_shares
    reads_count = tally.reads
    cap = s_acc.shape[0]
    uniform = not math.isnan(uniform_propensity)
    touched = 0
    while k < n_posts:
        if k % AHEAD == 0:
            # touch the next posts' rows of the graph before reading them: these loads
            # are independent and overlap, whereas the chain post -> row -> followers
            # -> their status would wait for memory at each link, post after post
            for i in range(k, min(k + AHEAD, n_posts)):
                u = p_acc[i]
                touched += indices[min(indptr[u], indices.shape[0] - 1)] + role[u]
        v = p_acc[k]
        start = indptr[v]
        end = indptr[v + 1]
        if n_s + end - start > cap:
            reads_count[1] = touched  # keeps the touching loads
            return k, n_s
        m = p_msg[k]
        tr = p_time[k] + latency
        if step_of_time(tr, dt) != t:
            raise RuntimeError("synchronous path: a reading fell outside the next step")
        k += 1
        # what is the same for every reading of this post (the rule: sim.engine.rule)
        cred = R.source_credibility(cred_role[role[v]], sponsored[m] and status[m, v] == ORIGIN, sponsored_discount)
        base = R.message_hazard(static_hazard[m], start_h[m], nov_code[m], tr - nov_start[m], half_life[m], tau[m],
                                alpha[m])
        same_for_all = uniform and R.reader_independent(rule, relevance_weight[m], valence[m])
        p_post = 0.0  # share probability (hash draws are > 0, so 0 never shares)
        if base > 0.0 and same_for_all:
            p_post = R.share_probability(R.weighted_hazard(base, cred, uniform_propensity, 1.0))
        prefix = hash_prefix(key, STREAM_SHARE, t, m)
        n_aware = 0
        n_target = 0
        n_read = 0
        n_kol = 0
        s0 = n_s
        for j in range(start, end):
            w = indices[j]
            st = status[m, w]
            if st >= SHARED:
                continue
            if not all_online and rho[w] <= 0.0:
                continue
            n_read += 1
            n_exp = exposures[m, w]
            if n_exp < EXPOSURE_CAP:
                n_exp += 1
                exposures[m, w] = n_exp
            if st == UNAWARE:
                status[m, w] = AWARE
                n_aware += 1
                n_target += is_target[w]
            if not same_for_all and base > 0.0:
                p_post = R.share_probability(R.share_hazard(
                    base, rule, relevance_weight[m], valence[m], people, state, m, w, n_exp, cred))
            if hash_finish(prefix, w, v) < p_post:
                status[m, w] = SHARED
                n_kol += role[w] == KOL
                s_acc[n_s] = w
                s_msg[n_s] = m
                s_time[n_s] = tr
                s_src[n_s] = v
                n_s += 1
        reads_count[0] += n_read
        new_aware[t, m] += n_aware
        new_target[t, m] += n_target
        new_shares[t, m] += n_s - s0
        new_kol_shares[t, m] += n_kol
    reads_count[1] = touched
    return k, n_s


@nb.njit(cache=True)
def make_posts(t, dt, inj_acc, inj_msg, s_acc, s_msg, s_time, n_s, n_bits, p_acc, p_msg, p_time, indptr, visibility,
               exposures_count):
    """The posts of step ``t`` whose readings come at step ``t + 1``, in the general
    kernel's order: the injected posts (made at ``t dt``), then the step's shares
    by account (ids below ``2**n_bits``), stably; posts of invisible messages are
    dropped. Counts their exposures. ``p_*`` hold at least ``len(inj_acc) + n_s``
    entries. Returns the number of posts."""
    n = 0
    for i in range(inj_acc.shape[0]):
        m = inj_msg[i]
        if visibility[m] > 0.0:
            v = inj_acc[i]
            p_acc[n] = v
            p_msg[n] = m
            p_time[n] = t * dt
            exposures_count[0] += indptr[v + 1] - indptr[v]
            n += 1
    order = argsort_accounts(s_acc, n_s, n_bits)
    for i in range(n_s):
        e = order[i]
        m = s_msg[e]
        if visibility[m] > 0.0:
            v = s_acc[e]
            p_acc[n] = v
            p_msg[n] = m
            p_time[n] = s_time[e]
            exposures_count[0] += indptr[v + 1] - indptr[v]
            n += 1
    return n


@nb.njit(cache=True)
def argsort_accounts(acc, n, n_bits):
    """Stable argsort of the account ids ``acc[:n]`` (each below ``2**n_bits``):
    insertion sort when short, else an LSD radix sort of (id, position) pairs in
    passes of at most 11 bits (sequential reads; a merge sort costs several times
    more at 10^5-10^6 ids)."""
    idx = np.arange(n)
    if n <= 64:
        for i in range(1, n):
            e = idx[i]
            a = acc[e]
            j = i - 1
            while j >= 0 and acc[idx[j]] > a:
                idx[j + 1] = idx[j]
                j -= 1
            idx[j + 1] = e
        return idx
    n_pass = (n_bits + 10) // 11
    width = (n_bits + n_pass - 1) // n_pass
    mask = (1 << width) - 1
    key = acc[:n].copy()
    key2 = np.empty(n, acc.dtype)
    idx2 = np.empty(n, np.int64)
    counts = np.empty((1 << width) + 1, np.int64)
    for p in range(n_pass):
        shift = p * width
        counts[:] = 0
        for i in range(n):
            counts[((key[i] >> shift) & mask) + 1] += 1
        for d in range(1, counts.shape[0]):
            counts[d] += counts[d - 1]
        for i in range(n):
            d = (key[i] >> shift) & mask
            c = counts[d]
            counts[d] = c + 1
            key2[c] = key[i]
            idx2[c] = idx[i]
        key, key2 = key2, key
        idx, idx2 = idx2, idx
    return idx
