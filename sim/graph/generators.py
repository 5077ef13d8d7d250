"""Random follower graphs, generated directly in CSR form.

Every generator is linear in the number of edges (vectorised numpy draws plus the
radix-sort CSR build of :mod:`sim.graph.csr`), draws all its randomness from
the ``rng`` it is given (a :class:`numpy.random.Generator`), and returns a
:class:`~sim.graph.csr.FollowerGraph` without self-loops or duplicate edges.

``mean_degree`` means edges per node: for a directed graph the mean out-degree
(number of followers), ``E / n``; for an undirected graph the mean degree of the
undirected graph, so ``n * mean_degree`` directed edges are stored. Generators
whose model fixes the number of edges (Erdős–Rényi G(n, M), scale-free, small
world, communities) draw replacement edges for the self-loops and duplicates they
discard, so they hit ``mean_degree`` exactly (to rounding of ``n * mean_degree``).
The erased configuration model discards them by definition.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal

import numba as nb
import numpy as np

from sim.errors import GraphError
from sim.graph.csr import FollowerGraph, build_csr, merge_csr
from sim.graph.memory import check_memory

__all__ = [
    "add_media_layer",
    "communities",
    "configuration",
    "erdos_renyi",
    "media_edges",
    "powerlaw_mean",
    "sample_degree_sequence",
    "scale_free",
    "small_world",
]

Sampler = Callable[[int], tuple[np.ndarray, np.ndarray]]

_MAX_ROUNDS = 200  # deficit rounds before giving up (only reached by near-complete graphs)
_CHUNK = 1 << 22  # draws per chunk in the samplers (bounds float64 scratch memory)


# ------------------------------------------------------------------ validation


def _rng(rng: object) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        raise GraphError(
            "graph generators need rng (a numpy.random.Generator); nothing is unseeded"
        )
    if isinstance(rng, (int, np.integer, np.random.SeedSequence)):
        return np.random.default_rng(rng)
    raise GraphError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")


def _check_size(n: int, mean_degree: float, *, directed: bool, what: str) -> tuple[int, int]:
    """Validate n and mean_degree; return (n, target) with target edges (directed) or pairs."""
    n = int(n)
    if n < 2:
        raise GraphError(f"{what}: n must be at least 2, got {n}")
    if n > np.iinfo(np.int32).max:
        raise GraphError(f"{what}: at most {np.iinfo(np.int32).max} nodes are supported, got {n}")
    d = float(mean_degree)
    if not math.isfinite(d) or d <= 0:
        raise GraphError(f"{what}: mean_degree must be positive, got {mean_degree}")
    if d > n - 1:
        raise GraphError(f"{what}: mean_degree ({d:g}) cannot exceed n - 1 ({n - 1})")
    target = round(n * d) if directed else round(n * d / 2)
    check_memory(n, target if directed else 2 * target)
    return n, max(int(target), 1)


# ------------------------------------------------------------------ deficit fill


@nb.njit(cache=True)
def _novel_kernel(indptr, indices, src, dst):  # pragma: no cover - compiled
    """True where edge src[i] -> dst[i] is not in the CSR (binary search in the row)."""
    m = src.shape[0]
    out = np.empty(m, np.bool_)
    for i in range(m):
        lo = indptr[src[i]]
        hi = indptr[src[i] + 1]
        v = dst[i]
        while lo < hi:
            mid = (lo + hi) >> 1
            if indices[mid] < v:
                lo = mid + 1
            else:
                hi = mid
        out[i] = not (lo < indptr[src[i] + 1] and indices[lo] == v)
    return out


def _fill_to_target(
    src: np.ndarray,
    dst: np.ndarray,
    n: int,
    target: int,
    *,
    directed: bool,
    sampler: Sampler,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Build the CSR of the candidate edges and top it up to ``target`` with ``sampler``.

    ``target`` counts directed edges when ``directed``, else unordered pairs (the
    CSR is symmetric). Discarded self-loops and duplicates are replaced by fresh
    draws until the target is met. Each round draws the deficit divided by the
    rate at which draws were new in the previous round (so nearly saturated
    graphs still finish), keeps the draws absent from the main CSR, and, if it
    overshoots, drops the excess at random. Only a small CSR of the new edges is
    rebuilt per round and merged once at the end, so the cost stays linear.
    """
    big = build_csr(src, dst, n, symmetric=not directed)
    return _top_up(big, src.size, n, target, directed=directed, sampler=sampler, rng=rng)


def _top_up(
    big: tuple[np.ndarray, np.ndarray],
    n_drawn: int,
    n: int,
    target: int,
    *,
    directed: bool,
    sampler: Sampler,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """The deficit rounds of :func:`_fill_to_target`, given the CSR ``big`` of the
    ``n_drawn`` candidate edges (so a caller can free the candidates first)."""
    sym = not directed

    def count(csr: tuple[np.ndarray, np.ndarray]) -> int:
        return int(csr[1].size) if directed else int(csr[1].size) // 2

    have_big = count(big)
    rate = max(have_big / max(n_drawn, 1), 1e-6)
    extra_s = np.zeros(0, np.int32)
    extra_d = np.zeros(0, np.int32)
    small: tuple[np.ndarray, np.ndarray] | None = None
    have_small = 0
    stall = 0
    for _ in range(_MAX_ROUNDS):
        deficit = target - have_big - have_small
        if deficit <= 0:
            break
        m = min(math.ceil(deficit / rate * 1.1) + 16, max(4 * target, 1 << 20))
        s, d = sampler(m)
        keep = _novel_kernel(big[0], big[1], s, d)
        extra_s = np.concatenate([extra_s, s[keep]])
        extra_d = np.concatenate([extra_d, d[keep]])
        small = build_csr(extra_s, extra_d, n, symmetric=sym)
        extra_s, extra_d = FollowerGraph(*small).edges()
        if sym:  # keep one direction of each pair as the candidate list
            one = extra_s < extra_d
            extra_s, extra_d = extra_s[one], extra_d[one]
        gained = count(small) - have_small
        rate = max(gained / m if gained > 0 else rate / 4, 1e-7)
        excess = count(small) - (target - have_big)
        if excess > 0:  # overshoot: drop random surplus edges (pairs)
            drop = rng.choice(extra_s.size, size=excess, replace=False)
            mask = np.ones(extra_s.size, np.bool_)
            mask[drop] = False
            extra_s, extra_d = extra_s[mask], extra_d[mask]
            small = build_csr(extra_s, extra_d, n, symmetric=sym)
        have_small = count(small)
        stall = stall + 1 if gained == 0 else 0
        if stall >= 8:  # saturated: give up (only near-complete graphs)
            break
    if small is None:
        return big
    return merge_csr(big, small, in_place=True)  # big is this function's own


def _uniform_pairs(n: int, rng: np.random.Generator) -> Sampler:
    """Sampler of uniform ordered pairs (u, v), u != v."""

    def sample(m: int) -> tuple[np.ndarray, np.ndarray]:
        u = rng.integers(0, n, size=m, dtype=np.int64)
        v = (u + 1 + rng.integers(0, n - 1, size=m, dtype=np.int64)) % n
        return u.astype(np.int32), v.astype(np.int32)

    return sample


# ------------------------------------------------------------------ Erdős–Rényi


def erdos_renyi(
    n: int, mean_degree: float, *, directed: bool = True, rng: np.random.Generator
) -> FollowerGraph:
    """Erdős–Rényi random graph G(n, M) with ``M = n * mean_degree`` edges.

    Parameters
    ----------
    n : int
        Number of accounts.
    mean_degree : float
        Edges per node: mean out-degree when directed, mean degree of the
        undirected graph otherwise (``M = n * mean_degree / 2`` pairs, stored both ways).
    directed : bool
        Directed follower edges (default) or reciprocal pairs.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    FollowerGraph
        A uniformly random graph with exactly ``M`` edges (pairs), no self-loops
        or duplicates: uniform pairs are drawn and duplicates redrawn.
    """
    rng = _rng(rng)
    n, target = _check_size(n, mean_degree, directed=directed, what="erdos_renyi")
    sampler = _uniform_pairs(n, rng)
    s, d = sampler(target)
    indptr, indices = _fill_to_target(s, d, n, target, directed=directed, sampler=sampler, rng=rng)
    return FollowerGraph(indptr, indices)


# ------------------------------------------------------------------ degree laws


def _ratio(k: np.ndarray, gamma: float) -> np.ndarray:
    """k^-γ / ∫_k^{k+1} x^-γ dx, computed without cancellation (decreasing in k)."""
    k = np.asarray(k, dtype=np.float64)
    lp = np.log1p(1.0 / k)
    if gamma == 1.0:
        return 1.0 / (k * lp)
    return (gamma - 1.0) / (k * -np.expm1((1.0 - gamma) * lp))


def _powerlaw_continuous(u: np.ndarray, gamma: float, a: float, b: float) -> np.ndarray:
    """Inverse CDF of the density ∝ x^-γ on [a, b)."""
    if gamma == 1.0:
        return a * np.exp(u * math.log(b / a))
    e = 1.0 - gamma
    lo = a**e
    return (lo + u * (b**e - lo)) ** (1.0 / e)


def _sample_powerlaw(
    size: int, gamma: float, k_min: int, k_max: int, rng: np.random.Generator
) -> np.ndarray:
    """Exact draws from P(k) ∝ k^-γ on the integers [k_min, k_max] (rejection sampling).

    Proposal: floor of a continuous power law on [k_min, k_max + 1), whose mass at
    k is ∫_k^{k+1} x^-γ dx; accepted with probability ratio(k) / ratio(k_min).
    Memory is O(size) whatever k_max (no table).
    """
    out = np.empty(size, np.int64)
    if k_min == k_max:
        out.fill(k_min)
        return out
    r0 = float(_ratio(np.array([k_min]), gamma)[0])
    filled = 0
    accept_rate = 0.5
    while filled < size:
        need = size - filled
        m = min(int(need / accept_rate * 1.05) + 64, max(_CHUNK, need))
        y = _powerlaw_continuous(rng.random(m), gamma, float(k_min), float(k_max) + 1.0)
        k = np.clip(np.floor(y), k_min, k_max).astype(np.int64)
        ok = rng.random(m) * r0 < _ratio(k, gamma)
        got = k[ok]
        accept_rate = max(got.size / m, 0.05)
        got = got[:need]
        out[filled : filled + got.size] = got
        filled += got.size
    return out


def powerlaw_mean(exponent: float, k_min: int, k_max: int) -> float:
    """Mean of P(k) ∝ k^-exponent on the integers [k_min, k_max].

    Exact sums up to 10^6 terms past ``k_min``; beyond that the remainder of each
    sum is the Euler–Maclaurin integral estimate (relative error far below 10^-6).
    """

    def tail_sum(s: float, a: int, b: int) -> float:
        # sum_{k=a}^{b} k^-s
        head_end = min(b, a + 1_000_000)
        ks = np.arange(a, head_end + 1, dtype=np.float64)
        total = float(np.sum(ks**-s))
        if b > head_end:
            lo, hi = head_end + 1, b
            if s == 1.0:
                integral = math.log(hi / lo)
            else:
                integral = (hi ** (1 - s) - lo ** (1 - s)) / (1 - s)
            total += integral + 0.5 * (lo**-s + hi**-s)
        return total

    return tail_sum(exponent - 1.0, k_min, k_max) / tail_sum(exponent, k_min, k_max)


def sample_degree_sequence(
    n: int,
    *,
    rng: np.random.Generator,
    distribution: Literal["powerlaw", "poisson"] = "powerlaw",
    exponent: float = 2.5,
    k_min: int = 1,
    k_max: int | None = None,
    mean_degree: float | None = None,
) -> np.ndarray:
    """Draw ``n`` i.i.d. degrees from the configuration model's degree law.

    Parameters
    ----------
    n : int
        Number of degrees.
    rng : numpy.random.Generator
        Source of randomness.
    distribution : {"powerlaw", "poisson"}
        ``"powerlaw"``: P(k) ∝ k^-exponent on the integers [k_min, k_max], drawn
        exactly (rejection from a continuous power law, no table, any k_max).
        ``"poisson"``: Poisson(mean_degree), capped at n - 1; k_min and k_max ignored.
    exponent : float
        Power-law exponent γ > 0 (the usual range is 2–3).
    k_min : int
        Smallest degree (>= 1 for "powerlaw").
    k_max : int, optional
        Largest degree. Default ``n - 1`` (the largest possible in a simple
        graph); larger values are capped at ``n - 1``. No structural cutoff
        (such as sqrt(n * <k>)) is applied unless you pass it as ``k_max``.
    mean_degree : float, optional
        Mean of the Poisson law (required for "poisson", unused for "powerlaw").

    Returns
    -------
    numpy.ndarray
        int64 degrees, length ``n``.
    """
    rng = _rng(rng)
    n = int(n)
    if n < 1:
        raise GraphError(f"degree sequence: n must be at least 1, got {n}")
    if distribution == "poisson":
        if mean_degree is None or not mean_degree > 0:
            raise GraphError(f"poisson degree law needs mean_degree > 0, got {mean_degree}")
        return np.minimum(rng.poisson(float(mean_degree), size=n), n - 1).astype(np.int64)
    if distribution != "powerlaw":
        raise GraphError(
            f"degree distribution must be 'powerlaw' or 'poisson', got {distribution!r}"
        )
    gamma = float(exponent)
    if not gamma > 0:
        raise GraphError(f"power-law exponent must be positive, got {exponent}")
    k_min = int(k_min)
    hi = n - 1 if k_max is None else min(int(k_max), n - 1)
    if k_min < 1:
        raise GraphError(f"power-law k_min must be at least 1, got {k_min}")
    if k_min > hi:
        raise GraphError(
            f"power-law k_min ({k_min}) exceeds the largest possible degree ({hi}) with n = {n}"
        )
    return _sample_powerlaw(n, gamma, k_min, hi, rng)


# ------------------------------------------------------------------ configuration


def configuration(
    n: int,
    *,
    rng: np.random.Generator,
    distribution: Literal["powerlaw", "poisson"] = "powerlaw",
    exponent: float = 2.5,
    k_min: int = 1,
    k_max: int | None = None,
    mean_degree: float | None = None,
    directed: bool = False,
) -> FollowerGraph:
    """Erased configuration model with an i.i.d. degree sequence.

    Degrees come from :func:`sample_degree_sequence`; stubs are matched uniformly
    at random and self-loops and multi-edges are then erased (so degrees of the
    biggest hubs come out slightly below their draws).

    Parameters
    ----------
    n : int
        Number of accounts.
    rng : numpy.random.Generator
        Source of randomness.
    distribution, exponent, k_min, k_max, mean_degree
        The degree law; see :func:`sample_degree_sequence`.
    directed : bool
        False (default): undirected stub matching (one stub is added to a random
        node's degree, by redrawing it, if the sum is odd); edges stored both
        ways. True: out-degrees (followers) follow the law, in-degrees are a
        random permutation of the same sequence (same law, same sum), and
        out-stubs are matched to in-stubs.

    Returns
    -------
    FollowerGraph
    """
    rng = _rng(rng)
    n = int(n)
    if n < 2:
        raise GraphError(f"configuration: n must be at least 2, got {n}")
    hi = n - 1 if k_max is None else min(int(k_max), n - 1)
    if distribution == "poisson":
        expect = float(mean_degree or 0.0)
    else:
        expect = powerlaw_mean(float(exponent), int(k_min), hi) if int(k_min) <= hi else 0.0
    check_memory(n, int(n * expect * 1.1) + 16)
    deg = sample_degree_sequence(
        n,
        rng=rng,
        distribution=distribution,
        exponent=exponent,
        k_min=k_min,
        k_max=k_max,
        mean_degree=mean_degree,
    )
    nodes = np.arange(n, dtype=np.int32)
    if directed:
        indeg = rng.permutation(deg)
        out_stubs = np.repeat(nodes, deg)
        in_stubs = np.repeat(nodes, indeg)
        rng.shuffle(in_stubs)
        indptr, indices = build_csr(out_stubs, in_stubs, n)
        return FollowerGraph(indptr, indices)
    if int(deg.sum()) % 2:
        # redraw one random node's degree until the sum is even (keeps the law)
        for _ in range(1000):
            i = int(rng.integers(n))
            if distribution == "poisson":
                new = min(int(rng.poisson(float(mean_degree))), n - 1)  # type: ignore[arg-type]
            else:
                new = int(_sample_powerlaw(1, float(exponent), int(k_min), hi, rng)[0])
            if (new - deg[i]) % 2:
                deg[i] = min(new, n - 1)
                break
        else:  # a law with a single parity: add one stub instead
            i = int(np.argmin(deg))
            deg[i] += 1
    stubs = np.repeat(nodes, deg)
    rng.shuffle(stubs)
    half = stubs.size // 2
    indptr, indices = build_csr(stubs[:half], stubs[half : 2 * half], n, symmetric=True)
    return FollowerGraph(indptr, indices)


# ------------------------------------------------------------------ scale-free


def _rank_offset(alpha: float, n: int, n_draws: int, cap: float) -> float:
    """Smallest offset x0 >= 0 so that the top rank's expected degree is <= cap.

    Ranks are drawn from the density ∝ (x + x0)^-alpha on [0, n); the top rank
    [0, 1) then gets ``n_draws * F(1)`` expected edges.
    """

    def top_share(x0: float) -> float:
        if alpha == 1.0:
            return math.log1p(1.0 / x0) / math.log((n + x0) / x0)
        b = 1.0 - alpha
        return ((1.0 + x0) ** b - x0**b) / ((n + x0) ** b - x0**b)

    if alpha < 1.0 and n_draws * top_share(0.0) <= cap:
        return 0.0
    lo, hi = 0.0, 1.0
    while n_draws * top_share(hi) > cap:
        lo, hi = hi, hi * 2.0
        if hi > 1e15:
            break
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        if mid > 0 and n_draws * top_share(mid) > cap:
            lo = mid
        else:
            hi = mid
    return hi


@nb.njit(cache=True, parallel=True)
def _ranks_to_nodes(y, x0, top, perm, out):  # pragma: no cover - compiled
    """``out[i] = perm[int(min(y[i] - x0, top))]``: continuous ranks to accounts.

    The same arithmetic as ``np.minimum(y - x0, top)`` followed by a cast to an
    integer (truncation toward zero, which is the floor since ``y >= x0``), fused
    with the gather through the rank permutation. Element-wise, so the threads
    cannot change the result; the gather is random over ``perm`` and bounded by
    the memory latency, which two threads overlap.
    """
    for i in nb.prange(y.shape[0]):
        out[i] = perm[np.int64(min(y[i] - x0, top))]


def _rank_sampler(alpha: float, x0: float, n: int, rng: np.random.Generator, perm: np.ndarray):
    """Draw m accounts ``perm[rank]``, rank in [0, n) with P(rank i) = ∫_i^{i+1} (x + x0)^-alpha dx / Z.

    Draws come in chunks of ``_CHUNK`` uniforms, transformed in place (numpy's
    ufuncs, so the numbers are those of the plain expression) and mapped to
    accounts by :func:`_ranks_to_nodes` without an intermediate rank array.
    """
    a = x0
    b = n + x0
    top = float(n - 1)

    def draw(m: int) -> np.ndarray:
        out = np.empty(m, np.int32)
        buf = np.empty(min(m, _CHUNK), np.float64)
        for start in range(0, m, _CHUNK):
            stop = min(m, start + _CHUNK)
            y = buf[: stop - start]
            rng.random(out=y)
            if alpha == 1.0:  # y = a * exp(u * log(b / a))
                y *= math.log(b / a)
                np.exp(y, out=y)
                y *= a
            else:  # y = (lo + u * (b^e - lo)) ^ (1 / e)
                e = 1.0 - alpha
                lo = a**e if a > 0 else 0.0
                y *= b**e - lo
                y += lo
                y **= 1.0 / e
            _ranks_to_nodes(y, x0, top, perm, out[start:stop])
        return out

    return draw


def scale_free(
    n: int,
    mean_degree: float,
    *,
    rng: np.random.Generator,
    exponent: float = 2.5,
    in_exponent: float = 3.0,
    directed: bool = True,
    max_expected_degree: float | None = None,
) -> FollowerGraph:
    """Directed Chung–Lu graph with power-law follower and following counts.

    Each edge ``u → v`` picks its account ``u`` with probability proportional to a
    power-law weight of exponent ``exponent`` (followers; heavy tail) and its
    follower ``v`` independently with a weight of exponent ``in_exponent``
    (accounts followed). Weights are those of the static model (Goh et al. 2001):
    account of rank ``i`` gets weight ∫_i^{i+1} (x + x0)^(-1/(γ-1)) dx, so expected
    degrees follow P(k) ∝ k^-γ in the tail; ranks are assigned to accounts by two
    independent random permutations, so follower and following counts are
    independent. Self-loops and duplicates are discarded and redrawn until exactly
    ``round(n * mean_degree)`` edges remain.

    Parameters
    ----------
    n : int
        Number of accounts.
    mean_degree : float
        Mean number of followers (= mean number followed) per account.
    rng : numpy.random.Generator
        Source of randomness.
    exponent : float
        Tail exponent γ of the follower-count (out-degree) distribution, > 1.
    in_exponent : float
        Tail exponent of the following-count (in-degree) distribution, > 1.
    directed : bool
        False: undirected Chung–Lu with weights of exponent ``exponent`` (edges
        stored both ways; ``in_exponent`` unused).
    max_expected_degree : float, optional
        Cap on the largest expected degree, enforced through the rank offset
        ``x0`` (0 when the cap is not binding). Default ``(n - 1) / 4``, which
        only binds for exponents near 2 or very dense graphs.

    Returns
    -------
    FollowerGraph
    """
    rng = _rng(rng)
    n, target = _check_size(n, mean_degree, directed=directed, what="scale_free")
    for name, g in (("exponent", exponent), ("in_exponent", in_exponent)):
        if not float(g) > 1.0:
            raise GraphError(f"scale_free: {name} must be above 1, got {g}")
    cap = (n - 1) / 4.0 if max_expected_degree is None else float(max_expected_degree)
    if not cap >= 1.0:
        raise GraphError(f"scale_free: max_expected_degree must be at least 1, got {cap}")
    perm_out = rng.permutation(n).astype(np.int32)
    a_out = 1.0 / (float(exponent) - 1.0)
    if directed:
        perm_in = rng.permutation(n).astype(np.int32)
        a_in = 1.0 / (float(in_exponent) - 1.0)
        draw_out = _rank_sampler(a_out, _rank_offset(a_out, n, target, cap), n, rng, perm_out)
        draw_in = _rank_sampler(a_in, _rank_offset(a_in, n, target, cap), n, rng, perm_in)

        def sample(m: int) -> tuple[np.ndarray, np.ndarray]:
            return draw_out(m), draw_in(m)

    else:
        draw = _rank_sampler(a_out, _rank_offset(a_out, n, 2 * target, cap), n, rng, perm_out)

        def sample(m: int) -> tuple[np.ndarray, np.ndarray]:
            return draw(m), draw(m)

    s, d = sample(target)
    big = build_csr(s, d, n, symmetric=not directed)
    del s, d  # the candidate edges are not needed once their CSR exists (peak memory)
    indptr, indices = _top_up(big, target, n, target, directed=directed, sampler=sample, rng=rng)
    return FollowerGraph(indptr, indices)


# ------------------------------------------------------------------ small world


def small_world(
    n: int,
    mean_degree: float,
    *,
    rewire_p: float = 0.1,
    rng: np.random.Generator,
    directed: bool = False,
) -> FollowerGraph:
    """Watts–Strogatz small world: a ring lattice whose edges are rewired with probability p.

    Parameters
    ----------
    n : int
        Number of accounts, placed on a ring in id order.
    mean_degree : float
        Edges per node. Undirected: node ``u`` is joined to ``u+1 .. u+K`` (mod n),
        ``K = floor(mean_degree / 2)``, plus one more offset for a random subset
        of nodes when ``n * mean_degree / 2`` is not a multiple of n. Directed:
        ``u``'s followers are its ring neighbours at offsets +1, -1, +2, -2, ...
        (the first ``floor(mean_degree)`` of them, one more for a random subset).
    rewire_p : float
        Probability that an edge's far end (the follower, when directed) is
        replaced by a uniformly random node (not ``u``).
    rng : numpy.random.Generator
        Source of randomness.
    directed : bool
        Directed lattice (reciprocal before rewiring when the degree is even).

    Returns
    -------
    FollowerGraph
        Exactly ``n * mean_degree`` stored edges (to rounding): rewired edges that
        collide with existing ones are redrawn uniformly.
    """
    rng = _rng(rng)
    n, target = _check_size(n, mean_degree, directed=directed, what="small_world")
    p = float(rewire_p)
    if not 0.0 <= p <= 1.0:
        raise GraphError(f"small_world: rewire_p must be in [0, 1], got {rewire_p}")
    full, rem = divmod(target, n)
    if directed:
        offsets = np.array([(j // 2 + 1) * (1 if j % 2 == 0 else -1) for j in range(full + 1)])
    else:
        offsets = np.arange(1, full + 2)
    nodes = np.arange(n, dtype=np.int64)
    src = np.empty(target, np.int64)
    dst = np.empty(target, np.int64)
    for j in range(full):
        src[j * n : (j + 1) * n] = nodes
        dst[j * n : (j + 1) * n] = nodes + offsets[j]
    if rem:
        extra = np.sort(rng.choice(n, size=rem, replace=False))
        src[full * n :] = extra
        dst[full * n :] = extra + offsets[full]
    dst %= n
    if p > 0:
        hit = np.flatnonzero(rng.random(target) < p)
        dst[hit] = (src[hit] + 1 + rng.integers(0, n - 1, size=hit.size)) % n
    sampler = _uniform_pairs(n, rng)
    src32, dst32 = src.astype(np.int32), dst.astype(np.int32)
    del src, dst  # peak memory: only the int32 copies go on to the CSR build
    indptr, indices = _fill_to_target(
        src32, dst32, n, target, directed=directed, sampler=sampler, rng=rng
    )
    return FollowerGraph(indptr, indices)


# ------------------------------------------------------------------ communities


def communities(
    n: int,
    mean_degree: float,
    *,
    n_communities: int,
    homophily: float,
    rng: np.random.Generator,
    directed: bool = True,
) -> FollowerGraph:
    """Stochastic block model with homophily: a fraction of edges stays inside communities.

    Nodes are split into ``n_communities`` communities of equal size (± 1) by a
    random permutation. Each edge picks a uniform account ``u``; with probability
    ``homophily`` its other end is a uniform other member of ``u``'s community,
    otherwise a uniform node outside it. So the expected fraction of
    intra-community edges is ``homophily`` itself (not ``homophily + (1-h)/c``).
    Duplicates are redrawn from the same process.

    Parameters
    ----------
    n : int
        Number of accounts.
    mean_degree : float
        Edges per node (see the module docstring).
    n_communities : int
        Number of communities, 1 .. n.
    homophily : float
        Fraction of edges inside a community, in [0, 1].
    rng : numpy.random.Generator
        Source of randomness.
    directed : bool
        Directed edges (default) or reciprocal pairs.

    Returns
    -------
    FollowerGraph
        With ``community`` set (int32, 0 .. n_communities - 1).
    """
    rng = _rng(rng)
    n, target = _check_size(n, mean_degree, directed=directed, what="communities")
    c = int(n_communities)
    if not 1 <= c <= n:
        raise GraphError(f"communities: n_communities must be in 1..{n}, got {n_communities}")
    h = float(homophily)
    if not 0.0 <= h <= 1.0:
        raise GraphError(f"communities: homophily must be in [0, 1], got {homophily}")
    sizes = np.full(c, n // c, np.int64)
    sizes[: n % c] += 1
    if c > 1 and h > 0 and sizes.min() < 2:
        raise GraphError(
            f"communities: {c} communities of {n} accounts leave some with one member; "
            "use fewer communities"
        )
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    order = rng.permutation(n).astype(np.int32)  # members of block b: order[starts[b]:...]
    block_of_pos = np.repeat(np.arange(c, dtype=np.int32), sizes)
    community = np.empty(n, np.int32)
    community[order] = block_of_pos
    if c == 1:
        h = 1.0

    def sample(m: int) -> tuple[np.ndarray, np.ndarray]:
        s_out = np.empty(m, np.int32)
        d_out = np.empty(m, np.int32)
        for lo in range(0, m, _CHUNK):
            hi = min(m, lo + _CHUNK)
            k = hi - lo
            p = rng.integers(0, n, size=k, dtype=np.int64)
            b = block_of_pos[p]
            st = starts[b]
            sz = sizes[b]
            inside = rng.random(k) < h
            x = rng.random(k)
            q = np.empty(k, np.int64)
            # inside: another member of the same block
            r_in = (x[inside] * (sz[inside] - 1)).astype(np.int64)
            q[inside] = st[inside] + (p[inside] - st[inside] + 1 + r_in) % sz[inside]
            # outside: a uniform position outside the block
            out = ~inside
            r_out = (x[out] * (n - sz[out])).astype(np.int64)
            q[out] = np.where(r_out < st[out], r_out, r_out + sz[out])
            s_out[lo:hi] = order[p]
            d_out[lo:hi] = order[q]
        return s_out, d_out

    s, d = sample(target)
    indptr, indices = _fill_to_target(s, d, n, target, directed=directed, sampler=sample, rng=rng)
    return FollowerGraph(indptr, indices, community=community)


# ------------------------------------------------------------------ media layer


def media_edges(n: int, k: int, followers_min: int, followers_max: int) -> float:
    """Expected follower edges of a media layer (:func:`add_media_layer`) on ``n`` accounts."""
    lo, hi = min(followers_min, n - 1), min(followers_max, n - 1)
    if k <= 0 or hi < 1:
        return 0.0
    mean = (hi - lo) / math.log(hi / lo) if hi > lo else float(lo)
    return float(min(k, n) * mean)


def add_media_layer(
    graph: FollowerGraph,
    k: int,
    *,
    rng: np.random.Generator,
    followers_min: int = 100_000,
    followers_max: int = 1_000_000,
) -> FollowerGraph:
    """Give the ``k`` largest accounts audiences of realistic size (a media / news layer).

    Real follower counts reach 10^5–10^7: on Twitter in 2009 the follower
    distribution is a power law up to about 10^5 followers, beyond which a few
    accounts (media, celebrities) have millions (Kwak, Lee, Park & Moon, WWW 2010,
    fig. 2), and the most retweeted accounts are news media (Cha, Haddadi,
    Benevenuto & Gummadi, ICWSM 2010). A generated scale-free graph of 10^5–10^6
    accounts has no such audience (its largest account has 1–9·10^4 followers). Each
    of the ``k`` accounts with the most followers (ties by id) gets a target follower
    count drawn log-uniformly in ``[followers_min, followers_max]`` (each capped at
    ``n - 1``) and new followers drawn uniformly among all accounts until it has that
    many (its existing followers are kept).

    Parameters
    ----------
    graph : FollowerGraph
    k : int
        Media accounts (0: the graph unchanged).
    rng : numpy.random.Generator
    followers_min, followers_max : int
        Range of the media accounts' follower counts.

    Returns
    -------
    FollowerGraph
    """
    n = graph.n
    if k <= 0 or n < 2:
        return graph
    if not 1 <= followers_min <= followers_max:
        raise GraphError(f"media layer: need 1 <= followers_min ({followers_min}) <= followers_max ({followers_max})")
    followers = graph.follower_count()
    media = np.argsort(-followers, kind="stable")[: min(k, n)]
    lo, hi = min(followers_min, n - 1), min(followers_max, n - 1)
    target = np.rint(np.exp(rng.uniform(math.log(lo), math.log(hi), media.size))).astype(np.int64)
    src_parts, dst_parts = [], []
    for u, want in zip(media.tolist(), target.tolist(), strict=True):
        have = int(followers[u])
        extra = want - have
        if extra <= 0:
            continue
        # draw a few more than needed (some are existing followers or u itself), keep the first new ones
        cand = rng.choice(n, size=min(n, int(extra * 1.1) + have + 16), replace=False)
        mask = np.ones(cand.size, bool)
        mask[cand == u] = False
        existing = graph.indices[graph.indptr[u]:graph.indptr[u + 1]]
        mask &= ~np.isin(cand, existing)
        new = cand[mask][:extra]
        src_parts.append(np.full(new.size, u, dtype=np.int64))
        dst_parts.append(new.astype(np.int64))
    if not src_parts:
        return graph
    return graph.add_edges(np.concatenate(src_parts), np.concatenate(dst_parts))
