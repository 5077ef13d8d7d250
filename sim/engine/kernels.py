"""numba kernels of the fast engine: pure functions of arrays and scalars.

The engine is event-driven in continuous time: work is proportional to posts and
readings, never a pass over all accounts per step. A *reading* (follower ``w``
reads message ``m`` posted by ``v``) happens at a continuous time drawn when the
post is made; steps only group events for the agents and the data collection, so
the answer does not depend on the step length beyond the rounding of the daily
rhythm (see :mod:`sim.model.visibility`). One step ``t`` (times ``[t dt, (t+1) dt)``):

1. posts injected by agents (origins, brand, KOLs) are made at ``t dt`` and fanned out;
2. the readings due in this step are processed in time order (a binary heap);
   a reading makes the reader aware, moves its sentiment, applies the message's
   effects and draws the share decision; a share is a post made at that instant,
   whose readings are queued — in the heap if they fall in this step, otherwise in
   the bucket of their step (a ring of linked lists).

Draws are counter-based hashes of ``(key, stream, post time step, message, account,
source)`` (:mod:`sim.rng`), so the outcome does not depend on the order of work or
on the thread count, and variants of a scenario share their draws.

Status codes per (message, account): 0 unaware, 1 aware, 2 shared, 3 posted as an
origin (sponsored posts are discounted when the message is sponsored).

Campaign tactics (docs/model.md, "Campaign tactics") add two rules: a reading of an
ad may annoy the reader (a draw of its own stream, ``STREAM_ANNOY``); an annoyed
follower of the brand unfollows it (``unfollowed[v] = 1``) and the brand's later
posts skip it at fan-out; and a message's novelty is measured on its own clock
``nov_start`` (a post riding a trend borrows the trend's).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from sim.rng import STREAM_READ, STREAM_REPLY, STREAM_SHARE, hash_uniform

#: Stream of the annoyance draw at a reading of an ad (campaign tactics, F4). The
#: streams 1-4 are in :mod:`sim.rng`; a new random decision gets a new constant so
#: that the existing draws are unchanged (common random numbers).
STREAM_ANNOY = 5

UNAWARE, AWARE, SHARED, ORIGIN = 0, 1, 2, 3

# indices of the running totals in ``totals`` (float64)
T_SENT_SUM, T_POS, T_NEG, T_LOST = 0, 1, 2, 3

# role codes (mirrors sim.model.population)
_KOL = 1


@nb.njit(cache=True)
def step_of_time(time, dt):
    """The step that contains time ``time`` (hours)."""
    return int(math.floor(time / dt + 1e-9))


@nb.njit(cache=True)
def novelty_at(code, age, half_life, tau, alpha):
    """Novelty of a message at ``age`` hours: constant (0), exponential (1), power law (2)."""
    if age < 0.0:
        return 0.0
    if code == 0:
        return 1.0
    if code == 1:
        return 2.0 ** (-age / half_life)
    return (1.0 + age / tau) ** (-alpha)


@nb.njit(cache=True)
def reading_delay(u, rate, gtable, phase_h, age_h, post_time, latency):
    """Delay (hours) after which a follower with session rate ``rate`` reads a post
    made at ``post_time``, or -1 if it never does within the feed window.

    Inversion of the cumulative hazard: the first age ``s`` with
    ``rate * G[phase, s] >= E``, ``E = -ln u``, linear within the age grid.
    """
    if rate <= 0.0:
        return -1.0
    phase = int(math.floor((post_time % 24.0) / phase_h + 1e-9)) % gtable.shape[0]
    row = gtable[phase]
    n = row.shape[0]
    x = -math.log(u) / rate
    if x > row[n - 1]:
        return -1.0
    if x <= 0.0:
        return latency
    lo = 1
    hi = n - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if row[mid] >= x:
            hi = mid
        else:
            lo = mid + 1
    g0 = row[lo - 1]
    width = row[lo] - g0
    frac = (x - g0) / width if width > 0.0 else 0.0
    s = (lo - 1 + frac) * age_h
    return max(s, latency)


@nb.njit(cache=True)
def _bounded_shift(s, delta):
    """Move sentiment ``s`` by ``delta`` toward +1 or -1; stays in [-1, 1] for |delta| <= 1."""
    if delta >= 0.0:
        return s + delta * (1.0 - s)
    return s + delta * (1.0 + s)


@nb.njit(cache=True)
def _update_sentiment(v, new_s, sentiment, is_target, totals, band, lost_threshold):
    """Set ``sentiment[v]`` and keep the running totals (sum, positives, negatives,
    target customers lost) exact without a pass over the population."""
    old = sentiment[v]
    totals[T_SENT_SUM] += new_s - old
    totals[T_POS] += (new_s > band) - (old > band)
    totals[T_NEG] += (new_s < -band) - (old < -band)
    if is_target[v]:
        totals[T_LOST] += (new_s < lost_threshold) - (old < lost_threshold)
    sentiment[v] = new_s


@nb.njit(cache=True)
def _first_reading_effects(
    v, m, cred, status, modifier, sentiment, is_target, totals, impact, effect_target, effect_mult,
    effect_shared_weight, band, lost_threshold,
):
    """Effects of ``v``'s first reading of ``m``: sentiment shift and the modifier of the
    message ``m`` acts on; weaker (``effect_shared_weight``) if ``v`` already shared that one."""
    tm = effect_target[m]
    weight = 1.0
    if tm >= 0 and status[tm, v] >= SHARED:
        weight = effect_shared_weight[m]
    if impact[m] != 0.0:
        delta = max(-1.0, min(1.0, impact[m] * cred * weight))
        _update_sentiment(v, _bounded_shift(sentiment[v], delta), sentiment, is_target, totals, band, lost_threshold)
    if tm >= 0:
        modifier[tm, v] *= 1.0 + (effect_mult[m] - 1.0) * weight


# --------------------------------------------------------------------------- event pool


@nb.njit(cache=True)
def _grow_pool(ev_time, ev_acc, ev_msg, ev_src, ev_next, free_stack, n_free, need):
    """Enlarge the event pool so that at least ``need`` slots are free."""
    old = ev_time.shape[0]
    new = old
    while new - (old - n_free) < need + 1024:
        new *= 2
    t2 = np.empty(new, np.float64)
    a2 = np.empty(new, np.int32)
    m2 = np.empty(new, np.int32)
    s2 = np.empty(new, np.int32)
    x2 = np.empty(new, np.int64)
    f2 = np.empty(new, np.int64)
    t2[:old] = ev_time
    a2[:old] = ev_acc
    m2[:old] = ev_msg
    s2[:old] = ev_src
    x2[:old] = ev_next
    f2[:n_free] = free_stack[:n_free]
    k = n_free
    for e in range(new - 1, old - 1, -1):
        f2[k] = e
        k += 1
    return t2, a2, m2, s2, x2, f2, k


@nb.njit(cache=True)
def _heap_push(h_time, h_ev, size, time, e):
    """Push (time, e) on a binary min-heap keyed by (time, e); returns the arrays and size."""
    if size == h_time.shape[0]:
        nt = np.empty(2 * size + 16, np.float64)
        ne = np.empty(2 * size + 16, np.int64)
        nt[:size] = h_time[:size]
        ne[:size] = h_ev[:size]
        h_time, h_ev = nt, ne
    i = size
    h_time[i] = time
    h_ev[i] = e
    while i > 0:
        p = (i - 1) // 2
        if h_time[p] < h_time[i] or (h_time[p] == h_time[i] and h_ev[p] <= h_ev[i]):
            break
        h_time[p], h_time[i] = h_time[i], h_time[p]
        h_ev[p], h_ev[i] = h_ev[i], h_ev[p]
        i = p
    return h_time, h_ev, size + 1


@nb.njit(cache=True)
def _heap_pop(h_time, h_ev, size):
    """Pop the minimum of the heap; returns (time, e, new size)."""
    time = h_time[0]
    e = h_ev[0]
    size -= 1
    h_time[0] = h_time[size]
    h_ev[0] = h_ev[size]
    i = 0
    while True:
        left = 2 * i + 1
        if left >= size:
            break
        c = left
        right = left + 1
        if right < size and (
            h_time[right] < h_time[left] or (h_time[right] == h_time[left] and h_ev[right] < h_ev[left])
        ):
            c = right
        if h_time[i] < h_time[c] or (h_time[i] == h_time[c] and h_ev[i] <= h_ev[c]):
            break
        h_time[c], h_time[i] = h_time[i], h_time[c]
        h_ev[c], h_ev[i] = h_ev[i], h_ev[c]
        i = c
    return time, e, size


# --------------------------------------------------------------------------- one step


@nb.njit(cache=True)
def advance(
    t, dt, key,
    inj_acc, inj_msg,
    indptr, indices, rho, role, is_target, interest, propensity,
    sentiment, status, exposures, modifier,
    head, ev_time, ev_acc, ev_msg, ev_src, ev_next, free_stack, n_free,
    gtable, phase_h, age_h, latency,
    static_hazard, nov_code, half_life, tau, alpha, start_h, visibility,
    valence, relevance_weight, impact, sponsored, effect_target, effect_mult, effect_shared_weight,
    reply_of, reply_p, reply_src,
    cred_role, sponsored_discount, mood_strength, reinf_gamma, reinf_ref, band, lost_threshold,
    totals, new_shares, new_aware, new_target, new_kol_shares, exposures_count, reads_count,
    nov_start, annoy_rate, annoy_growth, annoy_sentiment, brand_node, unfollowed, new_unfollows, new_annoyed,
):
    """Advance step ``t``: fan out the injected posts, then process every reading of
    the step in time order (new readings within the step join the heap).

    Returns the (possibly enlarged) event pool: ``(ev_time, ev_acc, ev_msg, ev_src,
    ev_next, free_stack, n_free)``.
    """
    n_ring = head.shape[0]
    t0 = t * dt
    # the heap of this step's readings
    h_time = np.empty(64, np.float64)
    h_ev = np.empty(64, np.int64)
    size = 0
    b = t % n_ring
    e = head[b]
    while e >= 0:
        h_time, h_ev, size = _heap_push(h_time, h_ev, size, ev_time[e], e)
        e = ev_next[e]
    head[b] = -1
    # posts injected at the start of the step: queue as pseudo-readings? no: fan out now
    n_posts = inj_acc.shape[0]
    post_acc = np.empty(max(16, n_posts), np.int32)
    post_msg = np.empty(max(16, n_posts), np.int32)
    post_time = np.empty(max(16, n_posts), np.float64)
    for i in range(n_posts):
        post_acc[i] = inj_acc[i]
        post_msg[i] = inj_msg[i]
        post_time[i] = t0
    k = 0
    while True:
        # 1. fan out every pending post (made at post_time[k] <= the next reading's time)
        while k < n_posts:
            v = post_acc[k]
            m = post_msg[k]
            tp = post_time[k]
            k += 1
            vis = visibility[m]
            if vis <= 0.0:
                continue
            start = indptr[v]
            end = indptr[v + 1]
            exposures_count[0] += end - start
            if n_free < end - start:
                ev_time, ev_acc, ev_msg, ev_src, ev_next, free_stack, n_free = _grow_pool(
                    ev_time, ev_acc, ev_msg, ev_src, ev_next, free_stack, n_free, end - start
                )
            post_step = step_of_time(tp, dt)
            from_brand = v == brand_node
            for j in range(start, end):
                w = indices[j]
                r = rho[w]
                if r <= 0.0 or status[m, w] >= SHARED:
                    continue
                if from_brand and unfollowed[w] != 0:
                    continue  # unfollowed the brand: its posts no longer reach w
                u = hash_uniform(key, STREAM_READ, post_step, m, w, v)
                d = reading_delay(u, r * vis, gtable, phase_h, age_h, tp, latency)
                if d < 0.0:
                    continue
                tr = tp + d
                n_free -= 1
                ne = free_stack[n_free]
                ev_time[ne] = tr
                ev_acc[ne] = w
                ev_msg[ne] = m
                ev_src[ne] = v
                s = step_of_time(tr, dt)
                if s <= t:
                    ev_next[ne] = -1
                    h_time, h_ev, size = _heap_push(h_time, h_ev, size, tr, ne)
                else:
                    bb = s % n_ring
                    ev_next[ne] = head[bb]
                    head[bb] = ne
        if size == 0:
            break
        # 2. the next reading of the step
        tr, e, size = _heap_pop(h_time, h_ev, size)
        v = ev_acc[e]
        m = ev_msg[e]
        src = ev_src[e]
        free_stack[n_free] = e
        n_free += 1
        st = status[m, v]
        if st >= SHARED:
            continue
        reads_count[0] += 1
        n_exp = exposures[m, v]
        if n_exp < 255:
            n_exp += 1
            exposures[m, v] = n_exp
        if st == UNAWARE:
            status[m, v] = AWARE
            new_aware[t, m] += 1
            if is_target[v]:
                new_target[t, m] += 1
        cred = cred_role[role[src]]
        if sponsored[m] and status[m, src] == ORIGIN:
            cred *= sponsored_discount
        if n_exp == 1:
            _first_reading_effects(
                v, m, cred, status, modifier, sentiment, is_target, totals, impact, effect_target,
                effect_mult, effect_shared_weight, band, lost_threshold,
            )
        # the brand's reply shown under this message (a crisis response attached to the complaint)
        rp = reply_of[m]
        if rp >= 0 and status[rp, v] == UNAWARE:
            if hash_uniform(key, STREAM_REPLY, step_of_time(tr, dt), rp, v, src) < reply_p[m]:
                status[rp, v] = AWARE
                exposures[rp, v] = 1
                new_aware[t, rp] += 1
                if is_target[v]:
                    new_target[t, rp] += 1
                _first_reading_effects(
                    v, rp, cred_role[role[reply_src[m]]], status, modifier, sentiment, is_target, totals,
                    impact, effect_target, effect_mult, effect_shared_weight, band, lost_threshold,
                )
        # annoyance (broadcast ads): the n-th reading annoys with 1 - exp(-a n^growth)
        ar = annoy_rate[m]
        if ar > 0.0:
            pa = -math.expm1(-ar * n_exp**annoy_growth) if ar < math.inf else 1.0
            if hash_uniform(key, STREAM_ANNOY, step_of_time(tr, dt), m, v, src) < pa:
                new_annoyed[t] += 1
                if annoy_sentiment != 0.0:
                    _update_sentiment(
                        v, _bounded_shift(sentiment[v], annoy_sentiment), sentiment, is_target, totals, band,
                        lost_threshold,
                    )
                if src == brand_node and unfollowed[v] == 0:
                    unfollowed[v] = 1
                    new_unfollows[t] += 1
                continue  # an annoyed reader does not share the ad
        # share decision
        if math.isnan(start_h[m]):
            continue
        lam = static_hazard[m] * novelty_at(nov_code[m], tr - nov_start[m], half_life[m], tau[m], alpha[m])
        if lam <= 0.0:
            continue
        w_rel = relevance_weight[m]
        if w_rel > 0.0:
            lam *= (1.0 - w_rel) + w_rel * interest[v]
        if valence[m] != 0 and mood_strength > 0.0:
            lam *= math.exp(mood_strength * valence[m] * sentiment[v])
        if reinf_gamma > 0.0:
            lam *= (n_exp / reinf_ref) ** reinf_gamma
        lam *= cred * propensity[v] * modifier[m, v]
        u = hash_uniform(key, STREAM_SHARE, step_of_time(tr, dt), m, v, src)
        if u < -math.expm1(-lam):
            status[m, v] = SHARED
            new_shares[t, m] += 1
            if role[v] == _KOL:
                new_kol_shares[t, m] += 1
            if n_posts == post_acc.shape[0]:
                pa = np.empty(2 * n_posts, np.int32)
                pm = np.empty(2 * n_posts, np.int32)
                pt = np.empty(2 * n_posts, np.float64)
                pa[:n_posts] = post_acc
                pm[:n_posts] = post_msg
                pt[:n_posts] = post_time
                post_acc, post_msg, post_time = pa, pm, pt
            post_acc[n_posts] = v
            post_msg[n_posts] = m
            post_time[n_posts] = tr
            n_posts += 1
    return ev_time, ev_acc, ev_msg, ev_src, ev_next, free_stack, n_free


@nb.njit(cache=True)
def inject(t, m, accounts, as_origin, role, is_target, status, new_shares, new_aware, new_target, new_kol_shares):
    """Accounts post message ``m`` at step ``t`` on their own initiative (origins,
    seeds, brand posts). Returns the accounts that actually posted (those that had
    not shared ``m`` yet)."""
    out = np.empty(accounts.shape[0], dtype=np.int32)
    k = 0
    for i in range(accounts.shape[0]):
        v = accounts[i]
        st = status[m, v]
        if st >= SHARED:
            continue
        if st == UNAWARE:
            new_aware[t, m] += 1
            if is_target[v]:
                new_target[t, m] += 1
        status[m, v] = ORIGIN if as_origin else SHARED
        new_shares[t, m] += 1
        if role[v] == _KOL:
            new_kol_shares[t, m] += 1
        out[k] = v
        k += 1
    return out[:k]


@nb.njit(cache=True)
def shift_sentiment(accounts, delta, sentiment, is_target, totals, band, lost_threshold):
    """Move the sentiment of ``accounts`` by ``delta`` (bounded update), keeping the
    running totals exact (the brand's engagement with its fans, F8)."""
    d = max(-1.0, min(1.0, delta))
    for i in range(accounts.shape[0]):
        v = accounts[i]
        _update_sentiment(v, _bounded_shift(sentiment[v], d), sentiment, is_target, totals, band, lost_threshold)
