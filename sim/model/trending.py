"""The hot-search / trending list (issue #17, item 2; docs/model.md, "Trending list").

A platform-wide list of ``list_size`` slots ranks topics by their share volume in the
last ``window_h`` hours. The simulated messages compete with a stream of background
topics whose volumes follow a Zipf law that rises and falls with the daily rhythm:
the background topic of rank ``r`` has, in the hour of day ``c``,

    V_bg(r) = V1 × N / 10^6 × circadian(c) × r^(-a) × exp(sigma Z - sigma^2 / 2)

shares per window (``V1`` = ``background_top_per_million``, ``a`` =
``background_exponent``, ``N`` the accounts, ``Z`` one standard normal per step shared
by every rank: busy and quiet hours). A message's rank is one plus the background
topics and messages with more volume (ties: the earlier message first); it is listed
while its rank is at most ``list_size`` and leaves as soon as its volume falls below
the last slot's. A bought slot holds a message at a fixed rank for some hours whatever
its volume, unless it ranks higher on its own (the entries below move down one); it
costs ``slot_cost_per_hour``.

A listed topic is shown to accounts outside the follower graph: in a step of ``dt``
hours the topic at rank ``r`` is offered to ``Poisson(N_people × x1 × r^(-b) × dt)``
accounts drawn uniformly, and an offered account reads it if it is online, with its
probability of being online in this hour (``activity × circadian``). A reading is an
ordinary reading of the message (the rule of :mod:`sim.engine.rule`), from the
message's first poster, at a uniform time in the step.

The list is maintained from each step's share counts (one row of the counters), never
by a pass over the accounts; the one pass per message is to find its first poster the
first time it is listed.
"""

from __future__ import annotations

import math

import numpy as np

from sim import rng as rng_mod
from sim.errors import ScenarioError

__all__ = ["TrendingList"]


class TrendingList:
    """The list of one platform, advanced by the model around each engine step.

    Parameters
    ----------
    model : BuzzModel
        The model (its engine, population, messages, clock and circadian profile).
    cfg : TrendingConfig
        The scenario's ``[trending]`` section.
    circadian : numpy.ndarray
        The 24 hourly activity multipliers (mean 1).
    platform : int, optional
        Several platforms (sim.model.platforms): the list of platform ``platform``, fed
        by the shares made on it and shown to its accounts; its outputs are suffixed
        ``_<platform name>``. None: the one platform.
    bought : bool, default True
        Whether ``[[trending.buy]]`` slots are on this list (with several platforms:
        the first platform that has a list).
    """

    def __init__(self, model, cfg, circadian: np.ndarray, platform: int | None = None, bought: bool = True):
        self.model = model
        self.cfg = cfg
        self.circadian = np.asarray(circadian, dtype=float)
        names = model.messages.names
        self.names = list(names)
        n_msg = len(names)
        pop = model.population
        self.platform = platform
        self.people = np.flatnonzero(pop.is_person)
        self.activity = pop.activity
        self.scale = pop.n / 1e6
        self.suffix = ""
        self.rng = rng_mod.generator(model.run_seed, "trending")
        if platform is not None:
            layout = model.layout
            lo, hi = platform * layout.n_block, (platform + 1) * layout.n_block
            self.block = (lo, hi)
            self.people = self.people[(self.people >= lo) & (self.people < hi)]
            self.scale = self.people.size / 1e6
            self.suffix = f"_{layout.names[platform]}"
            self.rng = rng_mod.generator(model.run_seed, f"trending/{layout.names[platform]}")
        self.window_steps = max(1, round(cfg.window_h / model.dt_h))
        #: current rank per message (0: not listed)
        self.rank = np.zeros(n_msg, dtype=np.int64)
        self.source = np.full(n_msg, -1, dtype=np.int64)
        self.first_h = np.full(n_msg, np.nan)
        self.listed_steps = np.zeros(n_msg, dtype=np.int64)
        self.best = np.zeros(n_msg, dtype=np.int64)
        self.readings = np.zeros(n_msg, dtype=np.int64)
        by_name = {n: i for i, n in enumerate(names)}
        self.bought: list[tuple[int, int, float, float]] = []  # (message, rank, start_h, end_h)
        for b in (cfg.buy if bought else ()):
            if b.message not in by_name:
                raise ScenarioError(f"trending.buy: no message named {b.message!r} (messages: {', '.join(names)})")
            self.bought.append((by_name[b.message], int(b.rank), float(b.start_h), float(b.start_h + b.hours)))
        self.cost = sum(cfg.slot_cost_per_hour * (end - start) for _, _, start, end in self.bought)

    # -- the list ------------------------------------------------------------
    def background(self, t: int) -> np.ndarray:
        """Volumes of the background topics of ranks 1..list_size at step ``t`` (decreasing)."""
        c = self.cfg
        hour = math.floor(t * self.model.dt_h + 1e-9) % 24
        noise = math.exp(c.background_noise * self.rng.standard_normal() - c.background_noise**2 / 2.0)
        ranks = np.arange(1, c.list_size + 1, dtype=float)
        window_h = self.window_steps * self.model.dt_h
        return (c.background_top_per_million * self.scale * window_h * self.circadian[hour] * noise
                * ranks ** (-c.background_exponent))

    def update(self, t: int) -> None:
        """Rank the messages after step ``t`` from their shares in the last window."""
        m = self.model
        c = m.engine.counters
        shares = c.new_shares if self.platform is None else c.platform_shares[:, :, self.platform]
        volume = shares[max(0, t + 1 - self.window_steps):t + 1].sum(axis=0).astype(float)
        started = np.isfinite(m.messages.start_h)
        bg = self.background(t)
        now = (t + 1) * m.dt_h
        rank = np.zeros_like(self.rank)
        order = sorted((i for i in range(len(volume)) if volume[i] > 0 and started[i]), key=lambda i: (-volume[i], i))
        for pos, i in enumerate(order):
            rank[i] = 1 + int(np.count_nonzero(bg > volume[i])) + pos  # background topics and messages above it
        # bought slots: the message is shown at its bought rank unless it ranks higher on
        # its own; the entries from that rank down move down one
        for msg, bought, start, end in self.bought:
            if not (start <= now < end and started[msg]) or 0 < rank[msg] <= bought:
                continue
            own = rank[msg] if rank[msg] > 0 else np.iinfo(np.int64).max
            rank[(rank >= bought) & (rank < own)] += 1
            rank[msg] = bought
        rank[rank > self.cfg.list_size] = 0
        self.rank = rank
        listed = rank > 0
        self.listed_steps += listed
        first = listed & np.isnan(self.first_h)
        self.first_h[first] = now  # the list shows it from the end of step t
        self.best = np.where(listed & ((self.best == 0) | (rank < self.best)), rank, self.best)

    def expose(self, t: int) -> None:
        """Readings of the listed messages by online accounts outside the follower graph
        in step ``t`` (the list as it stood after step ``t - 1``)."""
        m = self.model
        if not self.rank.any() or self.people.size == 0:
            return
        c = self.cfg
        dt = m.dt_h
        hour = math.floor(t * dt + 1e-9) % 24
        circ = self.circadian[hour]
        for i in np.flatnonzero(self.rank):
            r = int(self.rank[i])
            if self.source[i] < 0:
                self.source[i] = self._first_poster(i)
                if self.source[i] < 0:
                    continue
            n = int(self.rng.poisson(self.people.size * c.exposure_top_per_h * r ** (-c.exposure_rank_exponent) * dt))
            if n == 0:
                continue
            cand = self.people[self.rng.integers(0, self.people.size, n)]
            online = self.rng.random(n) < np.minimum(1.0, self.activity[cand] * circ)
            acc = cand[online]
            if acc.size == 0:
                continue
            times = t * dt + self.rng.random(acc.size) * dt
            order = np.argsort(times, kind="stable")
            m.engine.expose(t, int(i), acc[order], times[order], int(self.source[i]))
            self.readings[i] += acc.size

    def _first_poster(self, i: int) -> int:
        """An account that posted message ``i`` (an origin, else a sharer); -1 if none."""
        eng = self.model.engine
        for mask in (eng.is_origin(i), eng.has_shared(i)):
            idx = np.flatnonzero(mask)
            if self.platform is not None:  # a poster on this platform
                idx = idx[(idx >= self.block[0]) & (idx < self.block[1])]
            if idx.size:
                return int(idx[0])
        return -1

    # -- outputs --------------------------------------------------------------
    def summary(self) -> dict[str, object]:
        """``t_trending_h`` (first hour listed, NaN if never), ``trending_hours``,
        ``best_rank`` (NaN if never listed) and ``trending_readings`` per message (the
        first unprefixed, the others as ``key[name]``) and ``trending_cost``."""
        out: dict[str, object] = {}
        for i, name in enumerate(self.names):
            sfx = self.suffix + ("" if i == 0 else f"[{name}]")
            out[f"t_trending_h{sfx}"] = float(self.first_h[i])
            out[f"trending_hours{sfx}"] = float(self.listed_steps[i] * self.model.dt_h)
            out[f"best_rank{sfx}"] = float(self.best[i]) if self.best[i] > 0 else float("nan")
            out[f"trending_readings{sfx}"] = int(self.readings[i])
        out["trending_cost" + self.suffix] = float(self.cost)
        return out
