"""numba kernels of the fast engine: pure functions of arrays and scalars.

The engine is event-driven in continuous time: work is proportional to posts and
readings, never a pass over all accounts per step. A *reading* (follower ``w``
reads message ``m`` posted by ``v``) happens at a continuous time drawn when the
post is made; steps only group events for the agents and the data collection, so
the answer does not depend on the step length beyond the rounding of the daily
rhythm (see :mod:`sim.model.visibility`). One step ``t`` (times ``[t dt, (t+1) dt)``):

1. posts injected by agents (origins, brand, KOLs) are made at ``t dt`` and fanned out;
2. the readings due in this step are processed in time order; a reading makes the
   reader aware, moves its sentiment, applies the message's effects and draws the
   share decision; a share is a post made at that instant, whose readings are
   queued — in a small heap if they fall in this step, otherwise in the bucket of
   their step (a ring of buckets of contiguous chunks, sorted when the step comes).

Draws are counter-based hashes of ``(key, stream, post time step, message, account,
source)`` (:mod:`sim.rng`), so the outcome does not depend on the order of work or
on the thread count, and variants of a scenario share their draws.

What a reading does — awareness, sentiment and effects, replies, annoyance, the
share hazard and decision, the counts — is the rule of :mod:`sim.engine.rule`,
written once and called here and by the synchronous path; its constants (status
codes, exposure cap, streams) live there too. This module is the machinery around
it: the event queue, the reading delays and the fan-out (an annoyed follower that
unfollowed the brand is skipped at the brand's fan-out).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic

from sim.engine import rule as R
from sim.engine.rule import (  # noqa: F401  (the rule's constants, re-exported for the engine's users)
    AWARE,
    EXPOSURE_CAP,
    ORIGIN,
    SHARED,
    STREAM_ANNOY,
    T_LOST,
    T_NEG,
    T_POS,
    T_SENT_SUM,
    UNAWARE,
    bounded_shift,
    novelty_at,
    step_of_time,
    update_sentiment,
)
from sim.model.population import BOT, KOL
from sim.rng import STREAM_READ, STREAM_REPLY, STREAM_SHARE, hash_finish, hash_prefix, hash_uniform


@intrinsic
def prefetch(typingctx, arr, i, j):
    """Hint the CPU to load element ``arr[i]`` (1-d; ``j`` ignored) or ``arr[i, j]``
    (2-d) into the cache (``llvm.prefetch``, a read with high locality). It changes
    nothing else: a prefetch never faults, and the caller passes valid indices."""
    if not isinstance(arr, types.Array) or arr.ndim not in (1, 2):
        return None
    sig = types.void(arr, i, j)

    def codegen(context, builder, signature, args):
        aryty = signature.args[0]
        ary = context.make_array(aryty)(context, builder, args[0])
        idx = [context.cast(builder, args[1], signature.args[1], types.intp)]
        if aryty.ndim == 2:
            idx.append(context.cast(builder, args[2], signature.args[2], types.intp))
        ptr = cgutils.get_item_pointer2(context, builder, ary.data, cgutils.unpack_tuple(builder, ary.shape),
                                        cgutils.unpack_tuple(builder, ary.strides), aryty.layout, idx,
                                        wraparound=False, boundscheck=False)
        i8p = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0i8")
        builder.call(fn, [builder.bitcast(ptr, i8p), ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return sig, codegen


#: cells per phase of the reading table's guide (:func:`reading_clock`)
GUIDE_CELLS = 2048


@nb.njit(cache=True)
def reading_guide(gtable, cells):
    """Guide of the reading table for :func:`process_step`'s delay search: for each
    phase ``p``, the cumulative hazard's range ``[0, G[p, -1]]`` is cut into ``cells``
    equal cells of width ``hx[p]``, and ``guide[p, c]`` is the first age index ``i >= 1``
    with ``G[p, i] >= c hx[p]`` (``guide[p, cells]`` is the last index). A value ``x``
    in cell ``c`` has its first index with ``G >= x`` in ``[guide[p, c], guide[p, c + 1]]``,
    so the search looks at a cell instead of the whole row. Returns ``(guide, hx)``."""
    n_ph, n = gtable.shape
    guide = np.empty((n_ph, cells + 1), np.int32)
    hx = np.empty(n_ph, np.float64)
    for p in range(n_ph):
        h = gtable[p, n - 1] / cells
        hx[p] = h
        i = 1
        for c in range(cells):
            e = c * h
            while i < n - 1 and gtable[p, i] < e:
                i += 1
            guide[p, c] = i
        guide[p, cells] = n - 1
    return guide, hx


def reading_clock(gtables: np.ndarray, phase_h: float, age_h: float, latency_h: float) -> tuple:
    """The ``clock`` bundle of :func:`process_step`: the reading tables, their phase
    and age steps (hours), the latency and the tables' guides (:func:`reading_guide`).

    ``gtables`` holds one table per platform, shape ``(platforms, phases, ages)`` (one
    platform without several platforms); the bundle stacks them as one table of
    ``platforms × phases`` rows, row ``platform * phases + phase``, so the kernel picks
    a post's row once and searches it as before.
    """
    g = np.ascontiguousarray(gtables, dtype=np.float64)
    if g.ndim == 2:
        g = g[None]
    rows = g.reshape(g.shape[0] * g.shape[1], g.shape[2])
    guide, hx = reading_guide(rows, GUIDE_CELLS)
    return (rows, float(phase_h), float(age_h), float(latency_h), guide, hx, g.shape[1])


# --------------------------------------------------------------------------- event queue
#
# Readings due in a later step wait in that step's *bucket* (a ring of buckets, one
# per future step). A bucket is a linked list of chunks of CHUNK contiguous events,
# so that a fan-out appends sequentially and a step reads its readings sequentially;
# chunks are recycled through a free stack. ``buckets[b] = (head chunk, tail chunk,
# events in the tail chunk, events in the bucket)``; ``qstate[0]`` is the number of
# free chunks, ``qstate[1]`` the number of events waiting in all buckets.
#
# Performance (numba 0.6x): a call to a numba function that takes arrays and
# branches keeps the arrays' reference counts (atomic operations) on every call, and
# an array variable reassigned inside a loop does the same on every iteration, tens
# of ns each. The per-exposure and per-reading loops (:func:`process_step`) therefore
# receive every array once, call no such function on their common path, and return
# to the engine (sim.engine.fast) whenever storage must grow. A call's own cost grows
# with its arguments (about 0.1 us each) and with the arrays it returns (about 0.6 us
# each): kernels return counts and codes only, and the engine skips a step with
# nothing to do, so that small models are not dominated by the calls.

#: events per chunk of the event queue
CHUNK = 1024
#: due readings ahead whose account lines are prefetched
AHEAD_DUE = 4
B_HEAD, B_TAIL, B_FILL, B_COUNT = 0, 1, 2, 3
# the loop state of a step, ``loop`` in :func:`process_step`: next post to fan out,
# posts, next due reading, readings created in the step, heap size, room asked for
L_POST, L_NPOSTS, L_DUE, L_NS, L_HEAP, L_NEED_CHUNKS, L_NEED_STEP = 0, 1, 2, 3, 4, 5, 6
# what process_step returns
DONE, NEED_POSTS, NEED_ROOM, NEED_LOG = 0, 1, 2, 3


def new_queue(n_ring: int, n_chunks: int = 8):
    """An empty event queue with ``n_ring`` buckets: ``(storage, buckets, qstate)``,
    ``storage = (time, acc, msg, src, chunk_next, free_chunks)``."""
    storage = (
        np.empty(n_chunks * CHUNK, np.float64), np.empty(n_chunks * CHUNK, np.int32),
        np.empty(n_chunks * CHUNK, np.int32), np.empty(n_chunks * CHUNK, np.int32),
        np.full(n_chunks, -1, np.int64), np.arange(n_chunks - 1, -1, -1, dtype=np.int64),
    )
    buckets = np.zeros((n_ring, 4), np.int64)
    buckets[:, B_HEAD] = -1
    buckets[:, B_TAIL] = -1
    qstate = np.array([n_chunks, 0], np.int64)
    return storage, buckets, qstate


#: the groups of :func:`new_scratch`: due readings, their sort space, readings created
#: within the step, their heap, posts to fan out
SC_DUE, SC_SORT, SC_STEP, SC_HEAP, SC_POSTS = slice(0, 4), slice(4, 8), slice(8, 12), slice(12, 14), slice(14, 17)


def new_scratch(capacity: int = 1024):
    """Work arrays of a step, kept by the engine between steps and grown on demand
    (so that large steps do not touch fresh memory each time): the step's due
    readings ``(time, acc, msg, src)``, a second set for sorting them, the readings created within the step ``(time, acc, msg,
    src)`` with their heap ``(time, seq)``, and the posts to fan out ``(acc, msg,
    time)``."""
    def four():
        return (np.empty(capacity, np.float64), np.empty(capacity, np.int32),
                np.empty(capacity, np.int32), np.empty(capacity, np.int32))
    return (*four(), *four(), *four(), np.empty(capacity, np.float64), np.empty(capacity, np.int64),
            np.empty(capacity, np.int32), np.empty(capacity, np.int32), np.empty(capacity, np.float64))


@nb.njit(cache=True)
def grow_queue(q_time, q_acc, q_msg, q_src, c_next, c_free, qstate, need):
    """Enlarge the chunk storage so that at least ``need`` chunks are free."""
    old = c_next.shape[0]
    new = old
    while new - old + qstate[0] < need:
        new *= 2
    t2 = np.empty(new * CHUNK, np.float64)
    a2 = np.empty(new * CHUNK, np.int32)
    m2 = np.empty(new * CHUNK, np.int32)
    s2 = np.empty(new * CHUNK, np.int32)
    t2[: old * CHUNK] = q_time
    a2[: old * CHUNK] = q_acc
    m2[: old * CHUNK] = q_msg
    s2[: old * CHUNK] = q_src
    n2 = np.full(new, -1, np.int64)
    n2[:old] = c_next
    f2 = np.empty(new, np.int64)
    k = qstate[0]
    f2[:k] = c_free[:k]
    for c in range(new - 1, old - 1, -1):
        f2[k] = c
        k += 1
    qstate[0] = k
    return t2, a2, m2, s2, n2, f2


@nb.njit(cache=True)
def _take_bucket(b, q_time, q_acc, q_msg, q_src, c_next, c_free, buckets, qstate, r_time, r_acc, r_msg, r_src):
    """Move bucket ``b``'s readings, in order of arrival, into ``r_*`` (the caller made
    room); its chunks are freed. Returns the count."""
    n = buckets[b, B_COUNT]
    c = buckets[b, B_HEAD]
    pos = 0
    while c >= 0:
        k = min(CHUNK, n - pos)
        base = c * CHUNK
        r_time[pos:pos + k] = q_time[base:base + k]
        r_acc[pos:pos + k] = q_acc[base:base + k]
        r_msg[pos:pos + k] = q_msg[base:base + k]
        r_src[pos:pos + k] = q_src[base:base + k]
        pos += k
        c_free[qstate[0]] = c
        qstate[0] += 1
        c = c_next[c]
    buckets[b, B_HEAD] = -1
    buckets[b, B_TAIL] = -1
    buckets[b, B_FILL] = 0
    buckets[b, B_COUNT] = 0
    qstate[1] -= n
    return n


#: most bits of the reader id sorted per radix pass
RADIX_BITS = 11


@nb.njit(cache=True)
def _radix_sort_run(lo, hi, n_bits, r_time, r_acc, r_msg, r_src, t_time, t_acc, t_msg, t_src):
    """Sort the readings ``r_*[lo:hi]`` by reader, stably: LSD radix sort moving the
    records between ``r_*`` and ``t_*`` (sequential reads, RADIX_BITS-bit digits)."""
    n_pass = (n_bits + RADIX_BITS - 1) // RADIX_BITS
    width = (n_bits + n_pass - 1) // n_pass
    mask = (1 << width) - 1
    counts = np.empty((1 << width) + 1, np.int64)
    a_time, a_acc, a_msg, a_src = r_time, r_acc, r_msg, r_src
    b_time, b_acc, b_msg, b_src = t_time, t_acc, t_msg, t_src
    for p in range(n_pass):
        shift = p * width
        counts[:] = 0
        for i in range(lo, hi):
            counts[((a_acc[i] >> shift) & mask) + 1] += 1
        counts[0] = lo
        for d in range(1, counts.shape[0]):
            counts[d] += counts[d - 1]
        for i in range(lo, hi):
            d = (a_acc[i] >> shift) & mask
            k = counts[d]
            counts[d] = k + 1
            b_time[k] = a_time[i]
            b_acc[k] = a_acc[i]
            b_msg[k] = a_msg[i]
            b_src[k] = a_src[i]
        a_time, a_acc, a_msg, a_src, b_time, b_acc, b_msg, b_src = b_time, b_acc, b_msg, b_src, a_time, a_acc, a_msg, a_src
    if n_pass % 2 == 1:
        r_time[lo:hi] = t_time[lo:hi]
        r_acc[lo:hi] = t_acc[lo:hi]
        r_msg[lo:hi] = t_msg[lo:hi]
        r_src[lo:hi] = t_src[lo:hi]


@nb.njit(cache=True)
def _sort_due(n, n_bits, r_time, r_acc, r_msg, r_src, t_time, t_acc, t_msg, t_src):
    """Sort a step's due readings by (time, reader), stably (equal keys keep their
    order of arrival). Readers in order make the step's passes over the account
    arrays nearly sequential when many readings share a time (one step of the
    independent cascade), instead of one cache miss per array and reading."""
    for i in range(1, n):
        if r_time[i] < r_time[i - 1]:
            order = np.argsort(r_time[:n], kind="mergesort")
            r_time[:n] = r_time[:n][order]
            r_acc[:n] = r_acc[:n][order]
            r_msg[:n] = r_msg[:n][order]
            r_src[:n] = r_src[:n][order]
            break
    lo = 0
    while lo < n:
        hi = lo + 1
        while hi < n and r_time[hi] == r_time[lo]:
            hi += 1
        if hi - lo > 32:
            _radix_sort_run(lo, hi, n_bits, r_time, r_acc, r_msg, r_src, t_time, t_acc, t_msg, t_src)
        elif hi - lo > 1:
            for i in range(lo + 1, hi):  # insertion sort, stable
                a, m, s = r_acc[i], r_msg[i], r_src[i]
                j = i - 1
                while j >= lo and r_acc[j] > a:
                    r_acc[j + 1] = r_acc[j]
                    r_msg[j + 1] = r_msg[j]
                    r_src[j + 1] = r_src[j]
                    j -= 1
                r_acc[j + 1] = a
                r_msg[j + 1] = m
                r_src[j + 1] = s
        lo = hi


@nb.njit(inline="always", cache=True)
def _heap_push(h_time, h_seq, size, time, seq):
    """Push (time, seq) on a binary min-heap keyed by (time, seq) (the caller made room);
    returns the new size."""
    i = size
    h_time[i] = time
    h_seq[i] = seq
    while i > 0:
        p = (i - 1) // 2
        if h_time[p] < h_time[i] or (h_time[p] == h_time[i] and h_seq[p] <= h_seq[i]):
            break
        h_time[p], h_time[i] = h_time[i], h_time[p]
        h_seq[p], h_seq[i] = h_seq[i], h_seq[p]
        i = p
    return size + 1


@nb.njit(inline="always", cache=True)
def _heap_pop(h_time, h_seq, size):
    """Pop the minimum of the heap; returns (seq, new size)."""
    seq = h_seq[0]
    size -= 1
    h_time[0] = h_time[size]
    h_seq[0] = h_seq[size]
    i = 0
    while True:
        left = 2 * i + 1
        if left >= size:
            break
        c = left
        right = left + 1
        if right < size and (
            h_time[right] < h_time[left] or (h_time[right] == h_time[left] and h_seq[right] < h_seq[left])
        ):
            c = right
        if h_time[i] < h_time[c] or (h_time[i] == h_time[c] and h_seq[i] <= h_seq[c]):
            break
        h_time[c], h_time[i] = h_time[i], h_time[c]
        h_seq[c], h_seq[i] = h_seq[i], h_seq[c]
        i = c
    return seq, size


# --------------------------------------------------------------------------- one step


@nb.njit(inline="always", cache=True)
def _bucket_slot(bb, buckets, c_free, c_next, qstate):
    """Index of the next free slot at the end of bucket ``bb`` (a new chunk from the
    free list when its last one is full); the caller fills it and bumps ``B_FILL``."""
    tail = buckets[bb, B_TAIL]
    if tail < 0 or buckets[bb, B_FILL] == CHUNK:
        qstate[0] -= 1
        c = c_free[qstate[0]]
        c_next[c] = -1
        if tail < 0:
            buckets[bb, B_HEAD] = c
        else:
            c_next[tail] = c
        buckets[bb, B_TAIL] = c
        buckets[bb, B_FILL] = 0
        tail = c
    return tail * CHUNK + buckets[bb, B_FILL]


@nb.njit(inline="always", cache=True)
def _add_post(acc, src, m, tr, n_posts, post_acc, post_msg, post_time, record, log_msg, log_acc, log_src, log_time,
              log_n):
    """A share of ``m`` by ``acc`` (read from ``src``) at ``tr``: a post to fan out and,
    when recording, a row of the share log. Returns the new number of posts (the
    caller made room for it)."""
    post_acc[n_posts] = acc
    post_msg[n_posts] = m
    post_time[n_posts] = tr
    if record:
        i = log_n[0]
        log_msg[i] = m
        log_acc[i] = acc
        log_src[i] = src
        log_time[i] = tr
        log_n[0] = i + 1
    return n_posts + 1


@nb.njit(cache=True)
def process_step(loop, t, dt, key, n_due, due, within, heap, posts, queue, buckets, qstate,
                 graph, people, rho_same, state, msgs, rule, cred_role, clock, tally, record, log, feed):
    """The work of step ``t`` from the state ``loop``: fan out the pending posts, then
    the next reading in time order, until none is left (returns DONE) or the storage
    is too small for the next move (returns NEED_POSTS, NEED_ROOM or NEED_LOG with the
    room asked for in ``loop``; the engine grows it and calls again).

    Work arrays (tuples, see :func:`new_scratch`): ``due`` — the step's due readings
    ``(time, acc, msg, src)[:n_due]`` in time order; ``within`` — the readings created
    during the step that fall in it (short delays), by order of creation, with
    ``heap = (time, seq)`` keyed by (time, creation order); the two are merged, the
    due ones first on equal times; ``posts = (acc, msg, time)`` — posts to fan out;
    ``queue`` — the event queue's storage (:func:`new_queue`).

    The rule's inputs come in the bundles of :mod:`sim.engine.rule`: ``graph =
    (indptr, indices)``, ``people``, ``state``, ``msgs``, ``rule``, ``clock = (gtable,
    phase_h, age_h, latency, guide, hx, n_phase)`` (the reading tables, :func:`reading_clock`), ``tally`` (counters), and
    ``cred_role`` (``RuleParams.cred_role``, credibility by role);
    ``rho_same`` is the session rate of every account when they share one (NaN
    otherwise). When ``record`` is true every share is appended to the share log
    ``log = (msg, acc, src, time, n)`` (see sim.engine.sharelog). ``feed = (follows,
    recent)``: accounts each account follows and each message's shares in the recent
    window, read when the feed has limited attention (``rule.feed_k > 0`` and a
    background; :func:`sim.engine.rule.feed_keep_probability`): a post outside the top
    ``k`` items at its reader's session is never read.

    Several platforms (``rule.n_platforms > 1``, sim.model.platforms): rows are stacked
    by platform (``rule.n_block`` per platform); a follower's reading delay uses its
    platform's rows of the reading table (row ``platform * n_phase + phase``); the per-platform counts go to
    ``tally.platform_aware``/``platform_shares``; a reply shows only on the platforms of
    ``msgs.platform_mask``; and a share is cross-posted to the account's other rows
    with probability ``people.cross_post`` (sim.engine.rule.cross_post_draw).
    """
    r_time, r_acc, r_msg, r_src = due
    s_time, s_acc, s_msg, s_src = within
    h_time, h_seq = heap
    post_acc, post_msg, post_time = posts
    q_time, q_acc, q_msg, q_src, c_next, c_free = queue
    indptr, indices = graph
    gtable, phase_h, age_h, latency, guide, cell_w, n_phase = clock
    n_age = gtable.shape[1]
    n_cells = guide.shape[1] - 1
    log_msg, log_acc, log_src, log_time, log_n = log
    follows, recent = feed
    feed_limited = rule.feed_k > 0 and rule.feed_background > 0.0
    # the bundles' members as locals, once (attribute access in the loops costs, see sim.engine.rule)
    rho, role, is_target, interest, propensity = people.rho, people.role, people.is_target, people.interest, people.propensity
    cross_post = people.cross_post
    sentiment, status, exposures, modifier, unfollowed, totals, lost = state
    static_hazard, nov_code, half_life, tau, alpha, start_h = (
        msgs.static_hazard, msgs.nov_code, msgs.half_life, msgs.tau, msgs.alpha, msgs.start_h)
    nov_start, visibility, valence, relevance_weight, impact, sponsored = (
        msgs.nov_start, msgs.visibility, msgs.valence, msgs.relevance_weight, msgs.impact, msgs.sponsored)
    effect_target, effect_mult, effect_shared_weight = msgs.effect_target, msgs.effect_mult, msgs.effect_shared_weight
    reply_of, reply_p, reply_src, annoy_rate = msgs.reply_of, msgs.reply_p, msgs.reply_src, msgs.annoy_rate
    platform_mask = msgs.platform_mask
    # several platforms (sim.model.platforms): rows per block, platforms, per-platform counts
    n_block, n_plat = rule.n_block, rule.n_platforms
    platform_aware, platform_shares = tally.platform_aware, tally.platform_shares
    sponsored_discount, band, lost_threshold = rule.sponsored_discount, rule.nsi_band, rule.lost_threshold
    brand_node, annoy_growth, annoy_sentiment = rule.brand_node, rule.annoy_growth, rule.annoy_sentiment
    new_shares, new_aware, new_target, new_kol_shares = tally.new_shares, tally.new_aware, tally.new_target, tally.new_kol_shares
    new_unfollows, new_annoyed, exposures_count, reads_count = (
        tally.new_unfollows, tally.new_annoyed, tally.exposures, tally.reads)
    n_ring = buckets.shape[0]
    k = loop[L_POST]
    n_posts = loop[L_NPOSTS]
    i_due = loop[L_DUE]
    n_s = loop[L_NS]
    size = loop[L_HEAP]
    while True:
        # 1. fan out every pending post (a post is made at its share time, which is
        #    never later than the next reading's, and its readings come after it)
        while k < n_posts:
            v = post_acc[k]
            m = post_msg[k]
            tp = post_time[k]
            vis = visibility[m]
            if vis <= 0.0:
                k += 1
                continue
            start = indptr[v]
            end = indptr[v + 1]
            need_chunks = (end - start) // CHUNK + n_ring + 1
            if qstate[0] < need_chunks or n_s + end - start > s_time.shape[0]:
                loop[L_NEED_CHUNKS] = need_chunks
                loop[L_NEED_STEP] = n_s + end - start
                loop[L_POST], loop[L_NPOSTS], loop[L_DUE], loop[L_NS], loop[L_HEAP] = k, n_posts, i_due, n_s, size
                return NEED_ROOM
            k += 1
            exposures_count[0] += end - start
            post_step = step_of_time(tp, dt)
            from_brand = v == brand_node
            # the reading delay, by inversion of the cumulative hazard: a follower with
            # rate r reads at the first age s with r G[phase, s] >= -ln u (linear within
            # the age grid), never if that is past the feed window. The post's row of the
            # table and its guide are set here; per follower, the window test comes first,
            # then a search within one cell of the guide (reading_guide)
            phase = int(math.floor((tp % 24.0) / phase_h + 1e-9)) % n_phase
            if n_plat > 1:  # the post clock of v's platform (its followers are on it too)
                phase += (v // n_block) * n_phase
            g_last = gtable[phase, n_age - 1]
            h_cell = cell_w[phase]
            inv_cell = 1.0 / h_cell if h_cell > 0.0 else 0.0
            read_prefix = hash_prefix(key, STREAM_READ, post_step, m)
            for j in range(start, end):
                w = indices[j]
                r = rho_same if not math.isnan(rho_same) else rho[w]  # one load less when all alike
                if r <= 0.0 or status[m, w] >= SHARED:
                    continue
                if from_brand and unfollowed[w] != 0:
                    continue  # unfollowed the brand: its posts no longer reach w
                rv = r * vis
                if rv == math.inf:
                    d = latency  # always online: reads at the earliest possible moment
                else:
                    x = -math.log(hash_finish(read_prefix, w, v)) / rv
                    if x > g_last:
                        continue  # does not read within the feed window
                    if x <= 0.0:
                        d = latency
                    else:
                        c = min(int(x * inv_cell), n_cells - 1)
                        while c > 0 and c * h_cell > x:
                            c -= 1
                        while c < n_cells - 1 and (c + 1) * h_cell < x:
                            c += 1
                        lo = guide[phase, c]
                        hi = guide[phase, c + 1]
                        while lo < hi:
                            mid = (lo + hi) // 2
                            if gtable[phase, mid] >= x:
                                hi = mid
                            else:
                                lo = mid + 1
                        g0 = gtable[phase, lo - 1]
                        width = gtable[phase, lo] - g0
                        frac = (x - g0) / width if width > 0.0 else 0.0
                        d = max((lo - 1 + frac) * age_h, latency)
                if feed_limited:
                    # limited attention: is the post among the top k of the session?
                    pk = R.feed_keep_probability(rule, follows[w], d, recent[m])
                    if pk < 1.0 and hash_uniform(key, R.STREAM_FEED, post_step, m, w, v) >= pk:
                        continue
                tr = tp + d
                s = step_of_time(tr, dt)
                if s > t:
                    # append to the bucket of step s (a new chunk when its last one is full)
                    bb = s % n_ring
                    i = _bucket_slot(bb, buckets, c_free, c_next, qstate)
                    q_time[i] = tr
                    q_acc[i] = w
                    q_msg[i] = m
                    q_src[i] = v
                    buckets[bb, B_FILL] += 1
                    buckets[bb, B_COUNT] += 1
                    qstate[1] += 1
                else:
                    s_time[n_s] = tr
                    s_acc[n_s] = w
                    s_msg[n_s] = m
                    s_src[n_s] = v
                    size = _heap_push(h_time, h_seq, size, tr, n_s)
                    n_s += 1
        # 2. the next reading of the step (a reading adds at most one post per platform: room first)
        if n_posts + n_plat > post_acc.shape[0]:
            loop[L_POST], loop[L_NPOSTS], loop[L_DUE], loop[L_NS], loop[L_HEAP] = k, n_posts, i_due, n_s, size
            return NEED_POSTS
        if record and log_n[0] + n_plat > log_acc.shape[0]:
            loop[L_POST], loop[L_NPOSTS], loop[L_DUE], loop[L_NS], loop[L_HEAP] = k, n_posts, i_due, n_s, size
            return NEED_LOG
        if i_due < n_due and (size == 0 or r_time[i_due] <= h_time[0]):
            tr = r_time[i_due]
            v = r_acc[i_due]
            m = r_msg[i_due]
            src = r_src[i_due]
            if i_due + AHEAD_DUE < n_due:
                pv, pm = r_acc[i_due + AHEAD_DUE], r_msg[i_due + AHEAD_DUE]
            else:
                pv, pm = -1, 0
            i_due += 1
        elif size > 0:
            e, size = _heap_pop(h_time, h_seq, size)
            tr = s_time[e]
            v = s_acc[e]
            m = s_msg[e]
            src = s_src[e]
            if size > 0:
                pv, pm = s_acc[h_seq[0]], s_msg[h_seq[0]]
            else:
                pv, pm = -1, 0
        else:
            loop[L_POST], loop[L_NPOSTS], loop[L_DUE], loop[L_NS], loop[L_HEAP] = k, n_posts, i_due, n_s, size
            return DONE
        if pv >= 0:
            # the account lines a coming reading will touch (a reading waits mostly on memory)
            prefetch(status, pm, pv)
            prefetch(exposures, pm, pv)
            prefetch(sentiment, pv, 0)
            prefetch(is_target, pv, 0)
            prefetch(modifier, pm, pv)
            prefetch(propensity, pv, 0)
            prefetch(interest, pv, 0)
            prefetch(role, pv, 0)
            if effect_target[pm] >= 0:
                prefetch(modifier, effect_target[pm], pv)
            if reply_of[pm] >= 0:
                prefetch(status, reply_of[pm], pv)
        st = status[m, v]
        if st >= SHARED:
            continue
        # the rule (sim.engine.rule): the reading, its effects, the share decision
        reads_count[0] += 1
        n_exp = exposures[m, v]
        if n_exp < EXPOSURE_CAP:
            n_exp += 1
            exposures[m, v] = n_exp
        if st == UNAWARE:
            status[m, v] = AWARE
            new_aware[t, m] += 1
            if is_target[v]:
                new_target[t, m] += 1
            if n_plat > 1:
                platform_aware[t, m, v // n_block] += 1
        cred = R.source_credibility(cred_role[role[src]], sponsored[m] and status[m, src] == ORIGIN,
                                    sponsored_discount)
        if n_exp == 1 and (impact[m] != 0.0 or effect_target[m] >= 0):
            R.first_reading_effects(
                v, m, cred, status, modifier, sentiment, is_target, totals, lost, impact, effect_target,
                effect_mult, effect_shared_weight, band, lost_threshold,
            )
        # the brand's reply shown under this message (a crisis response attached to the complaint)
        rp = reply_of[m]
        # (several platforms: only on the platforms where the reply was posted)
        if rp >= 0 and status[rp, v] == UNAWARE and (n_plat == 1 or (platform_mask[rp] >> (v // n_block)) & 1):
            if hash_uniform(key, STREAM_REPLY, step_of_time(tr, dt), rp, v, src) < reply_p[m]:
                status[rp, v] = AWARE
                exposures[rp, v] = 1
                new_aware[t, rp] += 1
                if is_target[v]:
                    new_target[t, rp] += 1
                if n_plat > 1:
                    platform_aware[t, rp, v // n_block] += 1
                R.first_reading_effects(
                    v, rp, cred_role[role[reply_src[m]]], status, modifier, sentiment, is_target, totals, lost,
                    impact, effect_target, effect_mult, effect_shared_weight, band, lost_threshold,
                )
        # annoyance (broadcast ads); an annoyed reader does not share the ad
        ar = annoy_rate[m]
        if ar > 0.0:
            if hash_uniform(key, STREAM_ANNOY, step_of_time(tr, dt), m, v, src) < R.annoy_probability(
                ar, n_exp, annoy_growth
            ):
                new_annoyed[t] += 1
                if annoy_sentiment != 0.0:
                    update_sentiment(v, bounded_shift(sentiment[v], annoy_sentiment), sentiment, is_target, totals,
                                     lost, band, lost_threshold)
                if src == brand_node and unfollowed[v] == 0:
                    unfollowed[v] = 1  # stops following the brand
                    new_unfollows[t] += 1
                continue
        # share decision
        lam = R.message_hazard(static_hazard[m], start_h[m], nov_code[m], tr - nov_start[m], half_life[m], tau[m],
                               alpha[m])
        if lam <= 0.0:
            continue
        lam = R.share_hazard(lam, rule, relevance_weight[m], valence[m], people, state, m, v, n_exp, cred)
        u = hash_uniform(key, STREAM_SHARE, step_of_time(tr, dt), m, v, src)
        if u < R.share_probability(lam):
            status[m, v] = SHARED
            new_shares[t, m] += 1
            if role[v] == KOL:
                new_kol_shares[t, m] += 1
            n_posts = _add_post(v, src, m, tr, n_posts, post_acc, post_msg, post_time, record, log_msg, log_acc,
                                log_src, log_time, log_n)
            if n_plat > 1:
                platform_shares[t, m, v // n_block] += 1
                q = cross_post[v]
                if q > 0.0:
                    # cross-posting (sim.engine.rule.cross_post_draw): the same account posts m
                    # on its row of each other platform where it is present
                    st_step = step_of_time(tr, dt)
                    for p2 in range(n_plat):
                        w = R.platform_row(v, p2, n_block)
                        if w == v or role[w] == BOT or status[m, w] >= SHARED:
                            continue
                        if not R.cross_post_draw(key, st_step, m, w, v, q):
                            continue
                        if status[m, w] == UNAWARE:
                            new_aware[t, m] += 1
                            platform_aware[t, m, p2] += 1
                            if is_target[w]:
                                new_target[t, m] += 1
                        status[m, w] = SHARED
                        new_shares[t, m] += 1
                        platform_shares[t, m, p2] += 1
                        if role[w] == KOL:
                            new_kol_shares[t, m] += 1
                        n_posts = _add_post(w, v, m, tr, n_posts, post_acc, post_msg, post_time, record, log_msg,
                                            log_acc, log_src, log_time, log_n)


@nb.njit(cache=True)
def enqueue(t, times, accs, m, src, q_time, q_acc, q_msg, q_src, c_next, c_free, buckets, qstate):
    """Append readings of message ``m`` from ``src`` by ``accs`` at ``times`` to the
    bucket of step ``t`` (readings from outside the follower graph; the caller made
    room: ``len(times) // CHUNK + 1`` free chunks)."""
    bb = t % buckets.shape[0]
    for k in range(times.shape[0]):
        i = _bucket_slot(bb, buckets, c_free, c_next, qstate)
        q_time[i] = times[k]
        q_acc[i] = accs[k]
        q_msg[i] = m
        q_src[i] = src
        buckets[bb, B_FILL] += 1
        buckets[bb, B_COUNT] += 1
        qstate[1] += 1


@nb.njit(cache=True)
def prepare_step(
    t, dt, inj_acc, inj_msg, n_bits,
    q_time, q_acc, q_msg, q_src, c_next, c_free, buckets, qstate,
    r_time, r_acc, r_msg, r_src, t_time, t_acc, t_msg, t_src, post_acc, post_msg, post_time,
):
    """Start step ``t``: move the step's due readings out of its bucket into ``r_*``
    and sort them (:func:`_sort_due`; ``t_*`` is work space, account ids below
    ``2**n_bits``), and list the injected posts (made at ``t dt``) as the first posts
    to fan out. The caller made room: ``r_*``/``t_*`` hold the bucket, ``post_*`` the
    injections plus one. Returns the number of due readings."""
    b = t % buckets.shape[0]
    n_due = _take_bucket(b, q_time, q_acc, q_msg, q_src, c_next, c_free, buckets, qstate, r_time, r_acc, r_msg, r_src)
    _sort_due(n_due, n_bits, r_time, r_acc, r_msg, r_src, t_time, t_acc, t_msg, t_src)
    for i in range(inj_acc.shape[0]):
        post_acc[i] = inj_acc[i]
        post_msg[i] = inj_msg[i]
        post_time[i] = t * dt
    return n_due


@nb.njit(cache=True)
def inject(t, m, accounts, as_origin, people, state, tally):
    """Accounts post message ``m`` at step ``t`` on their own initiative (origins,
    seeds, brand posts; ``as_origin`` false: a share without a source). Returns the
    accounts that actually posted (those that had not shared ``m`` yet)."""
    out = np.empty(accounts.shape[0], dtype=np.int32)
    k = 0
    status, role, is_target = state.status, people.role, people.is_target
    new_shares, new_aware, new_target, new_kol_shares = tally.new_shares, tally.new_aware, tally.new_target, tally.new_kol_shares
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
        if role[v] == KOL:
            new_kol_shares[t, m] += 1
        out[k] = v
        k += 1
    return out[:k]


@nb.njit(cache=True)
def shift_sentiment(accounts, delta, people, state, rule):
    """Move the sentiment of ``accounts`` by ``delta`` (bounded update), keeping the
    running totals exact (the brand's engagement with its fans, F8)."""
    d = max(-1.0, min(1.0, delta))
    sentiment, is_target, totals, lost = state.sentiment, people.is_target, state.totals, state.lost
    band, lost_threshold = rule.nsi_band, rule.lost_threshold
    for i in range(accounts.shape[0]):
        v = accounts[i]
        update_sentiment(v, bounded_shift(sentiment[v], d), sentiment, is_target, totals, lost, band, lost_threshold)
