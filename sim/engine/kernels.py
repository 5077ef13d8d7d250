"""numba kernels of the fast engine: pure functions of arrays and scalars.

The engine is event-driven: work is proportional to posts and readings, never a
pass over all accounts per step. One step ``t`` is:

1. :func:`process_reads` — every reading due at ``t`` (a follower reading a post in
   its feed) makes the reader aware, moves its sentiment, applies the message's
   effects and draws the share decision; sharers are returned as new posts.
2. :func:`inject` — posts by agents (brand, KOLs, seeds) are added by the caller.
3. :func:`fan_out` — each new post lands in the feeds of the poster's followers;
   for each follower the step at which it will read the post, if ever within the
   feed window, is drawn by inversion of the cumulative reading hazard
   (see :mod:`sim.model.visibility`) and the reading is queued in that step's bucket.

Pending readings live in a pool of linked lists, one list per future step (a ring
of ``K + 1`` buckets). Draws are counter-based hashes of
``(key, stream, step, message, account, source)`` (:mod:`sim.rng`), so the outcome
does not depend on the order of work or on the thread count.

Status codes per (message, account): 0 unaware, 1 aware, 2 shared, 3 posted as
an origin (sponsored posts are discounted when the message is sponsored).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from sim.rng import STREAM_READ, STREAM_REPLY, STREAM_SHARE, hash_uniform

UNAWARE, AWARE, SHARED, ORIGIN = 0, 1, 2, 3

# indices of the running totals in ``totals`` (float64)
T_SENT_SUM, T_POS, T_NEG, T_LOST = 0, 1, 2, 3
N_TOTALS = 4

# role codes (mirrors sim.model.population)
_KOL = 1


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


@nb.njit(cache=True)
def process_reads(
    t,
    key,
    head,
    bucket_len,
    ev_acc,
    ev_msg,
    ev_src,
    ev_next,
    free_stack,
    n_free,
    role,
    is_target,
    interest,
    propensity,
    sentiment,
    status,
    exposures,
    modifier,
    base_hazard,
    valence,
    relevance_weight,
    impact,
    sponsored,
    effect_target,
    effect_mult,
    effect_shared_weight,
    reply_of,
    reply_p,
    reply_src,
    cred_role,
    sponsored_discount,
    mood_strength,
    reinf_gamma,
    reinf_ref,
    band,
    lost_threshold,
    totals,
    new_shares,
    new_aware,
    new_target,
    new_kol_shares,
    row,
):
    """Process every reading due at step ``t``.

    Returns ``(post_acc, post_msg, n_posts, n_free, n_reads)``: the accounts that
    shared during this step (to be fanned out), the new size of the free stack and
    the number of readings processed. Counters of row ``row`` are incremented.
    """
    b = t % head.shape[0]
    n_ev = bucket_len[b]
    post_acc = np.empty(n_ev, dtype=np.int32)
    post_msg = np.empty(n_ev, dtype=np.int32)
    n_posts = 0
    e = head[b]
    n_reads = 0
    while e >= 0:
        v = ev_acc[e]
        m = ev_msg[e]
        src = ev_src[e]
        nxt = ev_next[e]
        free_stack[n_free] = e
        n_free += 1
        e = nxt
        st = status[m, v]
        if st >= SHARED:
            continue
        n_reads += 1
        n_exp = exposures[m, v]
        if n_exp < 255:
            n_exp += 1
            exposures[m, v] = n_exp
        if st == UNAWARE:
            status[m, v] = AWARE
            new_aware[row, m] += 1
            if is_target[v]:
                new_target[row, m] += 1
        cred = cred_role[role[src]]
        if sponsored[m] and status[m, src] == ORIGIN:
            cred *= sponsored_discount
        # effects of reading (sentiment, modifier of another message) apply at the first reading
        if n_exp == 1:
            _first_reading_effects(
                v, m, cred, status, modifier, sentiment, is_target, totals, impact, effect_target,
                effect_mult, effect_shared_weight, band, lost_threshold,
            )
        # the brand's reply shown under this message (a crisis response attached to the complaint)
        r = reply_of[m]
        if r >= 0 and status[r, v] == UNAWARE:
            if hash_uniform(key, STREAM_REPLY, t, r, v, src) < reply_p[m]:
                status[r, v] = AWARE
                exposures[r, v] = 1
                new_aware[row, r] += 1
                if is_target[v]:
                    new_target[row, r] += 1
                _first_reading_effects(
                    v, r, cred_role[role[reply_src[m]]], status, modifier, sentiment, is_target, totals,
                    impact, effect_target, effect_mult, effect_shared_weight, band, lost_threshold,
                )
        # share decision
        lam = base_hazard[m]
        if lam <= 0.0:
            continue
        w = relevance_weight[m]
        if w > 0.0:
            lam *= (1.0 - w) + w * interest[v]
        if valence[m] != 0 and mood_strength > 0.0:
            lam *= math.exp(mood_strength * valence[m] * sentiment[v])
        if reinf_gamma > 0.0:
            lam *= (n_exp / reinf_ref) ** reinf_gamma
        lam *= cred * propensity[v] * modifier[m, v]
        u = hash_uniform(key, STREAM_SHARE, t, m, v, src)
        if u < -math.expm1(-lam):
            status[m, v] = SHARED
            new_shares[row, m] += 1
            if role[v] == _KOL:
                new_kol_shares[row, m] += 1
            post_acc[n_posts] = v
            post_msg[n_posts] = m
            n_posts += 1
    head[b] = -1
    bucket_len[b] = 0
    return post_acc[:n_posts], post_msg[:n_posts], n_posts, n_free, n_reads


@nb.njit(cache=True)
def inject(t, m, accounts, as_origin, role, is_target, status, new_shares, new_aware, new_target, new_kol_shares, row):
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
            new_aware[row, m] += 1
            if is_target[v]:
                new_target[row, m] += 1
        status[m, v] = ORIGIN if as_origin else SHARED
        new_shares[row, m] += 1
        if role[v] == _KOL:
            new_kol_shares[row, m] += 1
        out[k] = v
        k += 1
    return out[:k]


@nb.njit(cache=True)
def fan_out_bound(post_acc, indptr):
    """Upper bound of the readings that posting ``post_acc`` can queue (sum of follower counts)."""
    total = 0
    for i in range(post_acc.shape[0]):
        v = post_acc[i]
        total += indptr[v + 1] - indptr[v]
    return total


@nb.njit(cache=True)
def _first_reaching(row_g, x):
    """Smallest j >= 1 with row_g[j] >= x (row_g non-decreasing, row_g[-1] >= x)."""
    lo = 1
    hi = row_g.shape[0] - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if row_g[mid] >= x:
            hi = mid
        else:
            lo = mid + 1
    return lo


@nb.njit(cache=True)
def fan_out(
    t,
    key,
    post_acc,
    post_msg,
    indptr,
    indices,
    rho,
    status,
    visibility,
    gtable,
    head,
    bucket_len,
    ev_acc,
    ev_msg,
    ev_src,
    ev_next,
    free_stack,
    n_free,
):
    """Queue the readings of the posts made at step ``t``.

    For every follower ``w`` of a poster ``v`` that has not shared the message,
    draw ``E ~ Exp(1)`` from the counter-based hash and find the first step ``j`` of
    age with ``rho_w * visibility_m * G[phase, j] >= E``; if there is one within the
    window, queue (w reads m from v) in the bucket of step ``t + j``.
    The caller guarantees ``n_free >= fan_out_bound(...)``.

    Returns ``(n_free, n_exposures, n_queued)``.
    """
    n_ring = head.shape[0]
    phase = t % gtable.shape[0]
    row_g = gtable[phase]
    g_total = row_g[row_g.shape[0] - 1]
    n_exposures = 0
    n_queued = 0
    for i in range(post_acc.shape[0]):
        v = post_acc[i]
        m = post_msg[i]
        vis = visibility[m]
        if vis <= 0.0:
            continue
        start = indptr[v]
        end = indptr[v + 1]
        n_exposures += end - start
        for k in range(start, end):
            w = indices[k]
            r = rho[w]
            if r <= 0.0 or status[m, w] >= SHARED:
                continue
            u = hash_uniform(key, STREAM_READ, t, m, w, v)
            x = -math.log(u) / (r * vis)
            if x > g_total:
                continue
            j = _first_reaching(row_g, x)
            b = (t + j) % n_ring
            n_free -= 1
            e = free_stack[n_free]
            ev_acc[e] = w
            ev_msg[e] = m
            ev_src[e] = v
            ev_next[e] = head[b]
            head[b] = e
            bucket_len[b] += 1
            n_queued += 1
    return n_free, n_exposures, n_queued
