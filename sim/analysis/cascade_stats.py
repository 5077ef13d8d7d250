"""Cascade statistics, the same for real data and for the model.

Input is the canonical node table of :mod:`sim.data.cascades` (``cascade``, ``node``,
``parent`` (-1 for the original; the column may be absent), ``delay_min``); model trees
(``Result.cascades``) are turned into it by :func:`from_model_cascades`.

Per cascade (:func:`per_cascade`), with *reshares* meaning every node but the original:

=======================  ===================================================================
``size``                 nodes, the original post included
``t50_h``, ``t90_h``     hours until half / 90 % of the reshares (median / 0.9 quantile)
``within_1h/8h/24h``     share of the reshares made within 1, 8, 24 hours of the original
``depth_max``            generations below the original (the original is generation 0)
``depth_mean``           mean generation over all nodes, the original included
``breadth_max``          largest generation (most nodes at one depth, the original counted)
``structural_virality``  mean shortest-path distance over all pairs of nodes of the tree
                         (Goel, Anderson, Hofman & Watts 2016), computed in O(n) from
                         subtree sizes: ``2 * sum_v s_v (n - s_v) / (n (n - 1))``
``share_depth1``         share of the reshares made straight from the original post
=======================  ===================================================================

The tree statistics are those of the model's own summary: each cascade goes through
:func:`sim.analysis.trees.tree_stats`, so data and model share one definition.

Timing statistics need delays, tree statistics a ``parent`` column; missing ones are NaN.

Over cascades: :func:`log_ccdf` (the size distribution on log-spaced sizes),
:func:`fit_power_law` (the discrete power-law MLE of Clauset, Shalizi & Newman, SIAM
Review 2009, with ``xmin`` given or chosen by the Kolmogorov-Smirnov distance) and
:func:`compare` (data vs model per statistic: KS, Wasserstein, medians with bootstrap
intervals).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, special
from scipy import stats as _st

from sim.analysis.trees import parent_index, tree_stats

__all__ = [
    "PER_CASCADE",
    "TIMING_STATS",
    "TREE_STATS",
    "PowerLawFit",
    "compare",
    "fit_power_law",
    "from_model_cascades",
    "log_ccdf",
    "per_cascade",
]

TIMING_STATS = ("t50_h", "t90_h", "within_1h", "within_8h", "within_24h")
TREE_STATS = ("depth_max", "depth_mean", "breadth_max", "structural_virality", "share_depth1")
#: Every per-cascade statistic, in report order.
PER_CASCADE = ("size", *TIMING_STATS, *TREE_STATS)


# ---------------------------------------------------------------------------
# per cascade
# ---------------------------------------------------------------------------


def per_cascade(nodes: pd.DataFrame) -> pd.DataFrame:
    """Every per-cascade statistic (see the module docstring), one row per cascade.

    Parameters
    ----------
    nodes : pandas.DataFrame
        Canonical node table: ``cascade``, ``node``, ``delay_min`` and optionally
        ``parent`` (-1 for the original post, node 0).

    Returns
    -------
    pandas.DataFrame
        Indexed by cascade (in order of first appearance), columns :data:`PER_CASCADE`.
    """
    codes, uniques = pd.factorize(nodes["cascade"], sort=False)
    k = len(uniques)
    out = pd.DataFrame(index=pd.Index(uniques, name="cascade"))
    size = np.bincount(codes, minlength=k)
    out["size"] = size
    node = nodes["node"].to_numpy()
    reshare = node != 0
    delay_h = nodes["delay_min"].to_numpy(dtype=float) / 60.0
    rc = codes[reshare]
    rd = delay_h[reshare]
    n_re = np.bincount(rc, minlength=k).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        if rd.size:
            q = pd.DataFrame({"c": rc, "d": rd}).groupby("c")["d"].quantile([0.5, 0.9]).unstack()
            q = q.reindex(np.arange(k))
            out["t50_h"] = q[0.5].to_numpy()
            out["t90_h"] = q[0.9].to_numpy()
        else:
            out["t50_h"] = np.nan
            out["t90_h"] = np.nan
        for h in (1, 8, 24):
            within = np.bincount(rc, weights=(rd <= h).astype(float), minlength=k)
            out[f"within_{h}h"] = np.where(n_re > 0, within / n_re, np.nan)
    if "parent" not in nodes.columns:
        for c in TREE_STATS:
            out[c] = np.nan
        return out
    key = pd.MultiIndex.from_arrays([codes, node])
    pkey = pd.MultiIndex.from_arrays([codes, nodes["parent"].to_numpy()])
    pos = np.where(~reshare, -1, key.get_indexer(pkey))
    if (pos[reshare] < 0).any():
        raise ValueError("per_cascade: a parent is not a node of its cascade")
    # one call of the model's own tree statistics per cascade (sim.analysis.trees)
    order = np.argsort(codes, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    local = np.where(pos < 0, -1, rank[np.maximum(pos, 0)])
    bounds = np.r_[0, np.cumsum(size)]
    table = np.full((k, len(TREE_STATS)), np.nan)
    for c in range(k):
        lo, hi = bounds[c], bounds[c + 1]
        st = tree_stats(np.where(local[order[lo:hi]] < 0, -1, local[order[lo:hi]] - lo))
        table[c] = [st[name] for name in TREE_STATS]
    for j, name in enumerate(TREE_STATS):
        out[name] = table[:, j]
    return out


def from_model_cascades(cascades: pd.DataFrame, *, message: str | None = None, label: str = "") -> pd.DataFrame:
    """Turn model trees (``Result.cascades``) into the canonical node table.

    Each origin post (``parent == -1``, or a parent without a share of the message, as
    :func:`sim.analysis.trees.parent_index` treats it) roots its own cascade, named
    ``"{label}{message}:{origin account}"``; nodes are numbered by time within it
    (the origin is node 0) and ``delay_min`` counts from the origin post.

    Parameters
    ----------
    cascades : pandas.DataFrame
        Columns ``message``, ``account``, ``parent`` (account, -1 for an origin), ``t_min``.
    message : str, optional
        Keep only this message (default: all).
    label : str
        Prefix of the cascade ids (e.g. the run), so tables of several runs can be stacked.
    """
    df = cascades if message is None else cascades.loc[cascades["message"] == message]
    if df.empty:
        return pd.DataFrame({"cascade": pd.Series(dtype=object), "node": pd.Series(dtype=np.int64),
                             "parent": pd.Series(dtype=np.int64), "delay_min": pd.Series(dtype=float)})
    msg = df["message"].astype(str).to_numpy()
    acc = df["account"].to_numpy(dtype=np.int64)
    par = df["parent"].to_numpy(dtype=np.int64)
    t = df["t_min"].to_numpy(dtype=float)
    mcode, _ = pd.factorize(msg)
    # parent rows as the model's own tree statistics find them (a parent without a share
    # of the message roots a tree of its own, as in sim.analysis.trees.parent_index)
    pos = np.full(acc.size, -1, dtype=np.int64)
    for m in range(int(mcode.max()) + 1):
        rows = np.flatnonzero(mcode == m)
        local = parent_index(acc[rows], par[rows])
        pos[rows] = np.where(local < 0, -1, rows[np.maximum(local, 0)])
    # root of every node by pointer doubling
    root = np.where(pos < 0, np.arange(pos.size), pos)
    for _ in range(64):
        nxt = root[root]
        if np.array_equal(nxt, root):
            break
        root = nxt
    delay = t - t[root]
    # cascades in order of (message, origin account); nodes by time within each
    rkey = mcode[root].astype(np.int64) * (int(acc.max()) + 1) + acc[root]
    order = np.lexsort((acc, pos >= 0, delay, rkey))  # the origin first, then by time
    r_o = rkey[order]
    first = np.r_[True, r_o[1:] != r_o[:-1]]
    start = np.maximum.accumulate(np.where(first, np.arange(r_o.size), 0))
    node_o = np.arange(r_o.size) - start
    node = np.empty_like(node_o)
    node[order] = node_o
    parent_node = np.where(pos < 0, -1, node[np.maximum(pos, 0)])
    heads = order[first]  # one row of each cascade: its origin
    names = np.array([f"{label}{msg[h]}:{acc[h]}" for h in heads], dtype=object)
    cid_o = names[np.cumsum(first) - 1]
    return pd.DataFrame({"cascade": cid_o, "node": node[order], "parent": parent_node[order],
                         "delay_min": delay[order]})


# ---------------------------------------------------------------------------
# over cascades
# ---------------------------------------------------------------------------


def log_ccdf(sizes: np.ndarray, points: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """The complementary CDF ``P(S >= s)`` at log-spaced integer sizes.

    Returns
    -------
    s, p : ndarray
        Distinct integer sizes from the smallest to the largest observed, about
        ``points`` per the whole range on a log scale, and the share of cascades at
        least that large.
    """
    x = np.sort(np.asarray(sizes, dtype=float))
    x = x[np.isfinite(x)]
    if x.size == 0:
        return np.zeros(0), np.zeros(0)
    lo, hi = max(x[0], 1.0), x[-1]
    s = np.unique(np.round(np.logspace(np.log10(lo), np.log10(hi), points)))
    p = 1.0 - np.searchsorted(x, s, side="left") / x.size
    return s, p


@dataclass(frozen=True)
class PowerLawFit:
    """A discrete power law ``P(x) = x^-alpha / zeta(alpha, xmin)`` for ``x >= xmin``.

    Attributes
    ----------
    alpha : float
        Exponent (maximum likelihood).
    se : float
        Its standard error, from the observed Fisher information.
    xmin : int
        Smallest size of the fitted tail.
    n_tail : int
        Observations ``>= xmin``.
    ks : float
        Kolmogorov-Smirnov distance between the tail and the fit.
    method : str
        How ``xmin`` was set (``"given"`` or ``"KS"``).
    """

    alpha: float
    se: float
    xmin: int
    n_tail: int
    ks: float
    method: str

    def describe(self) -> str:
        """One line: exponent, interval, xmin, method."""
        if not math.isfinite(self.alpha):
            return f"no fit (fewer than 2 distinct sizes >= {self.xmin})"
        return (f"alpha = {self.alpha:.2f} ± {self.se:.2f} for sizes >= {self.xmin} "
                f"({self.n_tail} cascades; discrete MLE, xmin {self.method}, KS {self.ks:.3f})")


def _alpha_mle(tail: np.ndarray, xmin: int) -> tuple[float, float]:
    n = tail.size
    slog = float(np.log(tail).sum())

    def nll(a: float) -> float:
        return n * math.log(special.zeta(a, xmin)) + a * slog

    res = optimize.minimize_scalar(nll, bounds=(1.0001, 8.0), method="bounded", options={"xatol": 1e-7})
    a = float(res.x)
    h = 1e-4 * max(1.0, a)
    curv = (nll(a + h) - 2 * nll(a) + nll(a - h)) / (h * h) if a - h > 1.0 else float("nan")
    se = 1.0 / math.sqrt(curv) if curv > 0 else float("nan")
    return a, se


def _ks(tail: np.ndarray, a: float, xmin: int) -> float:
    xs, counts = np.unique(tail, return_counts=True)
    emp_ge = 1.0 - (np.cumsum(counts) - counts) / tail.size  # P_emp(X >= x)
    fit_ge = special.zeta(a, xs) / special.zeta(a, xmin)
    # compare CDFs just below and at each observed value
    emp_gt = emp_ge - counts / tail.size
    fit_gt = special.zeta(a, xs + 1) / special.zeta(a, xmin)
    return float(max(np.abs(emp_ge - fit_ge).max(), np.abs(emp_gt - fit_gt).max()))


def fit_power_law(values: np.ndarray, xmin: int | None = None, *, min_tail: int = 50) -> PowerLawFit:
    """Fit a discrete power law to the tail of positive integer sizes.

    Clauset, Shalizi & Newman (SIAM Review 2009), section 3: ``alpha`` maximises
    ``-n log zeta(alpha, xmin) - alpha sum(log x_i)`` over the ``n`` sizes ``>= xmin``
    (Hurwitz zeta); without ``xmin``, each distinct size with at least ``min_tail``
    observations at or above it is tried and the one whose fit has the smallest
    Kolmogorov-Smirnov distance to the tail is kept.

    Parameters
    ----------
    values : array of int
        Sizes (values < 1 are ignored).
    xmin : int, optional
        Smallest size of the tail; chosen by KS when omitted.
    min_tail : int
        Fewest tail observations a KS-chosen ``xmin`` may leave.

    Returns
    -------
    PowerLawFit
        NaN exponent when the tail has fewer than two distinct values.
    """
    x = np.asarray(values, dtype=float)
    x = np.floor(x[np.isfinite(x) & (x >= 1)])
    if xmin is not None:
        tail = x[x >= xmin]
        if tail.size < 2 or np.unique(tail).size < 2:
            return PowerLawFit(float("nan"), float("nan"), int(xmin), int(tail.size), float("nan"), "given")
        a, se = _alpha_mle(tail, int(xmin))
        return PowerLawFit(a, se, int(xmin), int(tail.size), _ks(tail, a, int(xmin)), "given")
    xs = np.sort(x)
    cands = np.unique(xs)
    n_ge = xs.size - np.searchsorted(xs, cands, side="left")
    cands = cands[(n_ge >= min_tail)]
    cands = cands[np.array([np.unique(xs[xs >= c]).size >= 2 for c in cands], dtype=bool)] if cands.size else cands
    if cands.size == 0:
        return PowerLawFit(float("nan"), float("nan"), int(xs[0]) if xs.size else 1, int(xs.size), float("nan"), "KS")
    best = None
    for c in cands:
        tail = xs[xs >= c]
        a, se = _alpha_mle(tail, int(c))
        d = _ks(tail, a, int(c))
        if best is None or d < best.ks:
            best = PowerLawFit(a, se, int(c), int(tail.size), d, "KS")
    return best


def _bootstrap_median_diff(a: np.ndarray, b: np.ndarray, reps: int, rng: np.random.Generator,
                           level: float = 0.95) -> tuple[float, float]:
    ma = np.median(a[rng.integers(0, a.size, size=(reps, a.size))], axis=1)
    mb = np.median(b[rng.integers(0, b.size, size=(reps, b.size))], axis=1)
    d = mb - ma
    lo, hi = np.quantile(d, [(1 - level) / 2, (1 + level) / 2])
    return float(lo), float(hi)


def compare(data: pd.DataFrame, model: pd.DataFrame, stats: tuple[str, ...] = PER_CASCADE, *,
            bootstrap: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Data vs model, one row per statistic.

    Columns: ``statistic``, ``n_data``, ``n_model``, ``data_median``, ``model_median``,
    ``diff`` (model - data medians), ``diff_lo``, ``diff_hi`` (95 % bootstrap percentile
    interval of the difference, ``bootstrap`` resamples of each side), ``ks`` (two-sample
    Kolmogorov-Smirnov statistic), ``ks_p`` and ``wasserstein`` (first Wasserstein
    distance, in the statistic's units). Rows with no values on a side are NaN.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for s in stats:
        a = data[s].to_numpy(dtype=float) if s in data else np.zeros(0)
        b = model[s].to_numpy(dtype=float) if s in model else np.zeros(0)
        a, b = a[np.isfinite(a)], b[np.isfinite(b)]
        row = {"statistic": s, "n_data": a.size, "n_model": b.size}
        if a.size and b.size:
            ks = _st.ks_2samp(a, b)
            lo, hi = _bootstrap_median_diff(a, b, bootstrap, rng)
            row.update(data_median=float(np.median(a)), model_median=float(np.median(b)),
                       diff=float(np.median(b) - np.median(a)), diff_lo=lo, diff_hi=hi,
                       ks=float(ks.statistic), ks_p=float(ks.pvalue),
                       wasserstein=float(_st.wasserstein_distance(a, b)))
        else:
            row.update(data_median=float(np.median(a)) if a.size else np.nan,
                       model_median=float(np.median(b)) if b.size else np.nan,
                       diff=np.nan, diff_lo=np.nan, diff_hi=np.nan, ks=np.nan, ks_p=np.nan, wasserstein=np.nan)
        rows.append(row)
    return pd.DataFrame(rows)
