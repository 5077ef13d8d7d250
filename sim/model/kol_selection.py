"""Which KOLs to pay: budget-constrained selection that maximises expected target reach.

Beside "the top k by follower count", the brand can choose its KOLs with the engine
itself. For each of ``R`` Monte Carlo samples and each candidate KOL ``k`` the fast
engine runs the seeding message from ``k`` alone; the target customers it reaches
form the set ``A_r(k)``. All candidates of sample ``r`` share the key of the
engine's counter-based draws, which couples them: an account that reads or posts at
the same step makes the same draws whichever KOL started the cascade. The reach of a
set of KOLs in a sample is taken to be the union of their single reaches — exact
for live-edge models such as the independent cascade (Kempe, Kleinberg & Tardos
2003), an approximation here because draws also depend on when a post is made (and
novelty, rhythm and mood interact). A KOL declines the offer in sample ``r`` with
probability ``1 - accept_k``, and then reaches no one.

The expected target reach of a set ``S`` is the mean coverage
``f(S) = mean_r |U_{k in S, accepted in r} A_r(k)|``: monotone and submodular, so
lazy greedy selection under a budget (CELF, Leskovec et al., KDD 2007: the better of
the unit-cost and the cost-benefit greedy) is within a constant factor of the best
set, and in practice close to it (checked against brute force on tiny graphs).

>>> from sim.model.kol_selection import celf
>>> sel = celf([1.0, 1.0, 1.0], 2.0, lambda S: len({0, 1} & set(S)) + 0.5 * (2 in S))
>>> sel.chosen, float(sel.value)
([0, 1], 2.0)
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from sim import rng as rng_mod
from sim.clock import steps_for
from sim.engine.base import EngineInputs
from sim.model.messages import MessageTable
from sim.numerics import SELECTION_EPS
from sim.scenario.schema import BrandConfig

if TYPE_CHECKING:
    from sim.model.buzz import BuzzModel

__all__ = [
    "CoverageObjective",
    "Selection",
    "brute_force",
    "celf",
    "kol_terms",
    "reach_samples",
    "select_kols",
    "top_by_followers",
]


@dataclass
class Selection:
    """A chosen set of candidates.

    Attributes
    ----------
    chosen : list of int
        Indices of the chosen candidates, in the order they were picked.
    cost : float
        Total cost of the chosen candidates.
    value : float
        Objective value of the chosen set (expected target reach).
    evaluations : int
        Objective evaluations made (CELF's lazy evaluation saves most of them).
    gains : list of float
        Marginal gain of each pick.
    nodes : list of int
        Account ids of the chosen KOLs (filled by :func:`select_kols`).
    """

    chosen: list[int]
    cost: float
    value: float
    evaluations: int = 0
    gains: list[float] = field(default_factory=list)
    nodes: list[int] = field(default_factory=list)


def _lazy_greedy(
    costs: np.ndarray, budget: float, value: Callable[[Sequence[int]], float], benefit_per_cost: bool
) -> Selection:
    """Lazy greedy (Minoux 1978) under a budget: pick the largest marginal gain (or
    gain per unit cost) among the affordable candidates until none fits."""
    n = len(costs)
    chosen: list[int] = []
    gains: list[float] = []
    spent = 0.0
    current = value([])
    evaluations = 1
    # heap of (-key, candidate, round at which the key was computed)
    heap: list[tuple[float, int, int]] = []
    for k in range(n):
        if costs[k] > budget:
            continue
        g = value([k]) - current
        evaluations += 1
        key = g / costs[k] if benefit_per_cost and costs[k] > 0 else g
        heapq.heappush(heap, (-key, k, 0))
    rnd = 0
    while heap:
        neg, k, at = heapq.heappop(heap)
        if spent + costs[k] > budget + SELECTION_EPS:
            continue  # no longer affordable
        if at == rnd:
            g = (-neg) * costs[k] if benefit_per_cost and costs[k] > 0 else -neg
            if g <= 0.0:
                break
            chosen.append(k)
            gains.append(g)
            spent += float(costs[k])
            current += g
            rnd += 1
            continue
        g = value([*chosen, k]) - current
        evaluations += 1
        key = g / costs[k] if benefit_per_cost and costs[k] > 0 else g
        heapq.heappush(heap, (-key, k, rnd))
    return Selection(chosen, spent, current, evaluations, gains)


def celf(costs: Sequence[float], budget: float, value: Callable[[Sequence[int]], float]) -> Selection:
    """Budgeted CELF: the better of lazy unit-cost and lazy cost-benefit greedy.

    Parameters
    ----------
    costs : sequence of float
        Cost of each candidate (>= 0).
    budget : float
        Maximum total cost.
    value : callable
        ``value(list of candidate indices) -> float``, monotone submodular
        (e.g. :class:`CoverageObjective`).

    Returns
    -------
    Selection
        The set of higher value (Leskovec et al. 2007: a (1 - 1/e)/2 guarantee).
    """
    c = np.asarray(costs, dtype=float)
    if np.any(c < 0):
        raise ValueError("costs must be >= 0")
    uc = _lazy_greedy(c, budget, value, benefit_per_cost=False)
    cb = _lazy_greedy(c, budget, value, benefit_per_cost=True)
    best = cb if cb.value >= uc.value else uc
    best.evaluations = uc.evaluations + cb.evaluations
    return best


def brute_force(costs: Sequence[float], budget: float, value: Callable[[Sequence[int]], float]) -> Selection:
    """The best affordable set by enumeration (for tiny candidate lists and tests)."""
    c = np.asarray(costs, dtype=float)
    n = len(c)
    if n > 20:
        raise ValueError(f"brute force over {n} candidates is too slow (at most 20)")
    best = Selection([], 0.0, value([]), 1)
    evaluations = 1
    for r in range(1, n + 1):
        for subset in itertools.combinations(range(n), r):
            cost = float(c[list(subset)].sum())
            if cost > budget + SELECTION_EPS:
                continue
            v = value(list(subset))
            evaluations += 1
            if v > best.value + SELECTION_EPS:
                best = Selection(list(subset), cost, v)
    best.evaluations = evaluations
    return best


def top_by_followers(followers: Sequence[int], costs: Sequence[float], budget: float) -> Selection:
    """The usual practice: go down the list by follower count, take whoever fits the budget."""
    order = np.argsort(-np.asarray(followers), kind="stable")
    chosen, spent = [], 0.0
    for k in order.tolist():
        if spent + costs[k] <= budget + SELECTION_EPS:
            chosen.append(int(k))
            spent += float(costs[k])
    return Selection(chosen, spent, float("nan"))


class CoverageObjective:
    """Expected coverage over samples: ``f(S) = mean_r |U_{k in S} A_r(k)|``.

    Parameters
    ----------
    samples : list of list of int arrays
        ``samples[r][k]``: accounts reached by candidate ``k`` in sample ``r``
        (empty when the candidate declined in that sample).
    n : int
        Number of accounts (size of the coverage masks).
    """

    def __init__(self, samples: list[list[np.ndarray]], n: int):
        self.samples = samples
        self.n = int(n)
        self.calls = 0

    def __call__(self, subset: Sequence[int]) -> float:
        self.calls += 1
        if not self.samples:
            return 0.0
        total = 0
        mask = np.zeros(self.n, dtype=bool)
        for per_cand in self.samples:
            mask[:] = False
            for k in subset:
                mask[per_cand[k]] = True
            total += int(mask.sum())
        return total / len(self.samples)


def reach_samples(
    model: BuzzModel,
    message: int,
    candidates: Sequence[int],
    *,
    samples: int = 8,
    horizon_h: float = 72.0,
    accept_p: Sequence[float] | None = None,
    seed: int | None = None,
    target_only: bool = True,
) -> list[list[np.ndarray]]:
    """Monte Carlo reach sets of each candidate, run by the engine the model uses
    (``model.new_engine``).

    Parameters
    ----------
    model : BuzzModel
        A built model (its population, rule, reading table and kind of engine are
        used; its own engine is not touched).
    message : int
        Index of the message the KOLs would post (its virality, appeal, novelty,
        sponsored flag...). It starts at its ``start_h`` (the hour of the offers).
    candidates : sequence of int
        Candidate KOL accounts.
    samples : int
        Monte Carlo samples ``R``; all candidates of a sample share its draws.
    horizon_h : float
        How long each cascade is followed (hours).
    accept_p : sequence of float, optional
        Probability that each candidate accepts; a declining candidate reaches no one.
    seed : int, optional
        Seed of the samples (default: the model's run seed).
    target_only : bool
        Count only target customers (the default) or every account.

    Returns
    -------
    list of list of numpy.ndarray
        ``out[r][k]``: accounts reached by candidate ``k`` in sample ``r``.
    """
    seed = model.run_seed if seed is None else int(seed)
    inp = model.inputs
    spec = model.messages.messages[message]
    start_h = float(model.messages.start_h[message])
    if not np.isfinite(start_h):
        start_h = model.t * model.dt_h
    one = replace(spec, start_h=start_h, novelty_start_h=None, origin=None, effect_target=-1, meta={})
    table = MessageTable([one])
    table.annoy_rate[0] = model.messages.annoy_rate[message]
    table.platform_mask[0] = model.messages.platform_mask[message]  # several platforms: where it is posted
    start = model.step_of(start_h)
    n_steps = start + steps_for(horizon_h, model.dt_h, minimum=1)
    gen = rng_mod.generator(seed, "kol_selection")
    u_accept = gen.random((samples, len(candidates)))
    p = np.ones(len(candidates)) if accept_p is None else np.asarray(accept_p, dtype=float)
    keep = model.population.is_target if target_only else np.ones(model.population.n, dtype=bool)
    out: list[list[np.ndarray]] = []
    for r in range(samples):
        ss = np.random.SeedSequence([seed, 0x5E1EC7, r])
        key = rng_mod.engine_key(ss)
        # the sample's seed: only the reference engine uses it (the fast one draws from ``key``)
        inputs = EngineInputs(
            population=inp.population, messages=table, rules=inp.rules, gtable=inp.gtable, rho=inp.rho,
            reading=inp.reading, key=key, n_steps=n_steps, dt_h=inp.dt_h, seed=int(ss.generate_state(1)[0]),
            record_cascades=False, platforms=inp.platforms, gtables=inp.gtables,
        )
        per_cand: list[np.ndarray] = []
        for k, node in enumerate(candidates):
            if u_accept[r, k] >= p[k]:
                per_cand.append(np.zeros(0, dtype=np.int64))
                continue
            eng = model.new_engine(inputs)
            eng.inject(start, 0, np.array([int(node)]))
            for t in range(start, n_steps):
                eng.step(t)
                if eng.idle():
                    break  # nothing left to read: the cascade is over
            per_cand.append(np.flatnonzero(eng.is_aware(0) & keep).astype(np.int64))
        out.append(per_cand)
    return out


def kol_terms(cfg: BrandConfig, followers: int, relationship: float) -> tuple[float, float]:
    """Price and acceptance probability of an offer to a KOL.

    ``price = kol_fee_per_1k * followers / 1000 * (1 + cold_markup * (1 - r))`` and
    ``accept = accept_cold + (accept_warm - accept_cold) * r`` for relationship strength
    ``r`` in [0, 1]: cold DMs are ignored or overpriced, cultivated KOLs say yes at a
    friendly price.
    """
    r = min(1.0, max(0.0, float(relationship)))
    base = cfg.kol_fee_per_1k * followers / 1000.0
    price = base * (1.0 + cfg.cold_markup * (1.0 - r))
    accept = cfg.accept_cold + (cfg.accept_warm - cfg.accept_cold) * r
    return float(price), float(min(1.0, max(0.0, accept)))


def select_kols(
    model: BuzzModel | Any,
    budget: float,
    *,
    message: int | str | None = None,
    candidates: Sequence[int] | None = None,
    costs: Sequence[float] | None = None,
    accept_p: Sequence[float] | None = None,
    samples: int | None = None,
    horizon_h: float | None = None,
    seed: int | None = None,
    method: str = "celf",
) -> Selection:
    """Which KOLs to pay: the set of highest expected target reach within ``budget``.

    Parameters
    ----------
    model : BuzzModel
        A built model (``sim.build_model(scenario, seed)``).
    budget : float
        Money available for KOL fees.
    message : int or str, optional
        The message the KOLs post: default the one with ``origin = "seeding"``, else
        the first message.
    candidates : sequence of int, optional
        Candidate accounts (default: the model's KOLs).
    costs, accept_p : sequences of float, optional
        Fee and acceptance probability of each candidate (default: the brand's price
        list and relationships, :func:`kol_terms`).
    samples, horizon_h : optional
        Monte Carlo samples and hours followed (default ``brand.selection_samples``,
        ``brand.selection_horizon_h``).
    method : {"celf", "brute_force", "top_followers"}

    Returns
    -------
    Selection
        ``chosen`` indices into ``candidates`` and ``nodes`` their account ids.

    Examples
    --------
    >>> import sim
    >>> from sim.model.kol_selection import select_kols
    >>> model = sim.build_model("scenarios/kol_relationships.toml", seed=1)  # doctest: +SKIP
    >>> sel = select_kols(model, budget=500)  # doctest: +SKIP
    >>> sel.nodes, sel.value  # doctest: +SKIP
    """
    if not hasattr(model, "population"):
        raise TypeError(
            "select_kols needs a built model: sim.build_model(scenario, seed) first"
        )
    brand_cfg = model.effective.brand
    if message is None:
        seeding = [i for i, mc in enumerate(model.effective.messages) if mc.origin == "seeding"]
        message = seeding[0] if seeding else 0
    elif isinstance(message, str):
        message = model.messages.index(message)
    if candidates is None:
        candidates = [int(k) for k in model.population.kol_nodes]
    candidates = [int(c) for c in candidates]
    fc = model.population.graph.follower_count()
    if costs is None or accept_p is None:
        rel = model.tactics.relationship if getattr(model, "tactics", None) is not None else {}
        terms = [kol_terms(brand_cfg, int(fc[c]), rel.get(c, brand_cfg.relationship_cold)) for c in candidates]
        costs = [t[0] for t in terms] if costs is None else costs
        accept_p = [t[1] for t in terms] if accept_p is None else accept_p
    costs = np.asarray(costs, dtype=float)
    if method not in ("celf", "brute_force", "top_followers"):
        raise ValueError(f"unknown method {method!r} (celf, brute_force, top_followers)")
    reach = reach_samples(
        model, int(message), candidates,
        samples=samples or brand_cfg.selection_samples,
        horizon_h=horizon_h or brand_cfg.selection_horizon_h,
        accept_p=accept_p, seed=seed,
    )
    objective = CoverageObjective(reach, model.population.n)
    if method == "top_followers":
        sel = top_by_followers(fc[candidates], costs, budget)
        sel.value = objective(sel.chosen)
    elif method == "celf":
        sel = celf(costs, budget, objective)
    else:
        sel = brute_force(costs, budget, objective)
    sel.nodes = [candidates[k] for k in sel.chosen]
    return sel
