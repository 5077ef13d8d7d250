"""The fast engine: state arrays advanced by the numba kernels of :mod:`sim.engine.kernels`."""

from __future__ import annotations

import numpy as np

from sim.engine import kernels as K
from sim.engine.base import Counters, EngineInputs, initial_totals

__all__ = ["FastEngine"]


class FastEngine:
    """Structure-of-arrays engine; per step it does work proportional to the
    readings and posts of that step, never a pass over all accounts.

    Parameters
    ----------
    inputs : EngineInputs
        Population, messages, rule parameters, reading table, RNG key.
    """

    name = "fast"

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
        self.counters = Counters(inputs.n_steps, m)
        r = inputs.rules
        self._totals = initial_totals(pop, self.sentiment, r.nsi_band, r.lost_threshold)
        self.initial_totals = self._totals.copy()
        # event pool: a ring of K+1 buckets of linked lists
        n_ring = inputs.gtable.shape[1]  # K + 1
        self.head = np.full(n_ring, -1, dtype=np.int64)
        self.bucket_len = np.zeros(n_ring, dtype=np.int64)
        cap = 1024
        self.ev_acc = np.empty(cap, dtype=np.int32)
        self.ev_msg = np.empty(cap, dtype=np.int32)
        self.ev_src = np.empty(cap, dtype=np.int32)
        self.ev_next = np.empty(cap, dtype=np.int64)
        self.free_stack = np.arange(cap, dtype=np.int64)[::-1].copy()
        self.n_free = cap
        self._pending_acc: list[np.ndarray] = []
        self._pending_msg: list[np.ndarray] = []

    # -- agent-facing API -------------------------------------------------
    def inject(self, t: int, m: int, accounts: np.ndarray, *, as_origin: bool = True) -> np.ndarray:
        """Accounts post message ``m`` at step ``t``; returns those that posted."""
        c = self.counters
        posted = K.inject(
            t, m, np.asarray(accounts, dtype=np.int64), as_origin, self.role, self.is_target,
            self.status, c.new_shares, c.new_aware, c.new_target, c.new_kol_shares, t,
        )
        self._pending_acc.append(posted)
        self._pending_msg.append(np.full(posted.size, m, dtype=np.int32))
        return posted

    def has_shared(self, m: int) -> np.ndarray:
        """Boolean mask of accounts that shared (or originated) message ``m``."""
        return self.status[m] >= K.SHARED

    def is_aware(self, m: int) -> np.ndarray:
        return self.status[m] >= K.AWARE

    def scale_modifier(self, m: int, accounts: np.ndarray, factor: float) -> None:
        """Multiply the share hazard of message ``m`` for ``accounts`` by ``factor``."""
        self.modifier[m, accounts] *= factor

    def current_totals(self) -> np.ndarray:
        return self._totals.copy()

    # -- one step ----------------------------------------------------------
    def step(self, t: int, base_hazard: np.ndarray) -> None:
        """Advance step ``t``: readings due now, then fan-out of every post of ``t``."""
        inp, c, msg = self.inputs, self.counters, self.inputs.messages
        r = inp.rules
        post_acc, post_msg, _, self.n_free, n_reads = K.process_reads(
            t, inp.key, self.head, self.bucket_len, self.ev_acc, self.ev_msg, self.ev_src,
            self.ev_next, self.free_stack, self.n_free, self.role, self.is_target, self.interest,
            self.propensity, self.sentiment, self.status, self.exposures, self.modifier,
            base_hazard, msg.valence, msg.relevance_weight, msg.impact, msg.sponsored,
            msg.effect_target, msg.effect_mult, msg.effect_shared_weight, msg.reply_of, msg.reply_p,
            msg.reply_src, r.cred_role,
            r.sponsored_discount, r.mood_strength, r.reinforcement, r.reinforcement_ref,
            r.nsi_band, r.lost_threshold, self._totals, c.new_shares, c.new_aware, c.new_target,
            c.new_kol_shares, t,
        )
        if self._pending_acc:
            post_acc = np.concatenate([*self._pending_acc, post_acc])
            post_msg = np.concatenate([*self._pending_msg, post_msg])
            self._pending_acc.clear()
            self._pending_msg.clear()
        need = K.fan_out_bound(post_acc, self.graph.indptr)
        if need > self.n_free:
            self._grow(need)
        self.n_free, n_exp, _ = K.fan_out(
            t, inp.key, post_acc, post_msg, self.graph.indptr, self.graph.indices, self.rho,
            self.status, msg.visibility, inp.gtable, self.head, self.bucket_len, self.ev_acc,
            self.ev_msg, self.ev_src, self.ev_next, self.free_stack, self.n_free,
        )
        c.reads[t] = n_reads
        c.exposures[t] = n_exp
        c.totals[t] = self._totals

    def _grow(self, need: int) -> None:
        """Enlarge the event pool so that at least ``need`` slots are free."""
        old = self.ev_acc.size
        used = old - self.n_free
        new = max(2 * old, used + need + 1024)
        for name in ("ev_acc", "ev_msg", "ev_src", "ev_next"):
            arr = getattr(self, name)
            grown = np.empty(new, dtype=arr.dtype)
            grown[:old] = arr
            setattr(self, name, grown)
        stack = np.empty(new, dtype=np.int64)
        stack[: self.n_free] = self.free_stack[: self.n_free]
        stack[self.n_free : self.n_free + new - old] = np.arange(new - 1, old - 1, -1)
        self.free_stack = stack
        self.n_free += new - old
