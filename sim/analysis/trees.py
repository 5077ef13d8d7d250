"""Cascade trees: who shared from whom, and the statistics of the trees.

Every share of a message records the account whose post was read (its *parent*;
``-1`` for an origin post). The shares of one message form a forest: one tree per
origin. This module is pure functions of arrays, so the same statistics can be
computed on simulated and on real cascades (calibration):

* :func:`tree_stats` — the statistics of one message's forest, given for every
  node the index of its parent node (``-1`` for a root);
* :func:`parent_index` — from parent *account ids* (as recorded) to parent *row
  indices* (as :func:`tree_stats` takes them);
* :func:`generations` — each node's distance from its root;
* :func:`cascade_table` — the recorded shares of a run as the public table
  (``message, account, parent, t_min, generation``);
* :func:`message_stats` — :func:`tree_stats` for every message of such a table.

Statistics (docs/model.md, "Cascade trees"), with ``n`` nodes (shares, origins
included) and generation ``g`` (origins 0, a share from an origin's post 1, ...):

``depth_max``
    the largest generation (0 if only origins posted);
``depth_mean``
    the mean generation over all nodes, origins included (Goel et al.'s average depth);
``breadth_max``
    the number of nodes of the most populous generation (origins included);
``structural_virality``
    Goel, Anderson, Hofman & Watts (Management Science 2016): the mean shortest-path
    distance over all pairs of nodes of a tree, ``2 W / (n (n - 1))`` with
    ``W = sum over non-root v of s(v) (n - s(v))`` (``s(v)``: size of the subtree of
    ``v``; each edge lies on the paths of ``s (n - s)`` pairs), in O(n). A message
    with several origins has several trees; the statistic is that of its largest
    tree (the first such root on ties), NaN when that tree has a single node;
``share_depth1``
    the fraction of non-origin shares made directly from an origin's post
    (generation 1); NaN without non-origin shares;
``n_trees``
    the number of trees (roots).

Every statistic is NaN for an empty forest (``n_trees`` is 0).
"""

from __future__ import annotations

import numba as nb
import numpy as np
import pandas as pd

__all__ = [
    "CASCADE_COLUMNS",
    "TREE_STATS",
    "cascade_table",
    "empty_cascades",
    "generations",
    "message_stats",
    "parent_index",
    "tree_stats",
]

#: columns of the public cascade table (``Result.cascades``), one row per share
CASCADE_COLUMNS = ("message", "account", "parent", "t_min", "generation")

#: the keys of :func:`tree_stats`, in order
TREE_STATS = ("depth_max", "depth_mean", "breadth_max", "structural_virality", "share_depth1", "n_trees")


@nb.njit(cache=True)
def _generations(parent):
    """Generation of every node (iterative walk up with memo: O(n) overall)."""
    n = parent.shape[0]
    gen = np.full(n, -1, np.int64)
    stack = np.empty(n, np.int64)
    for i in range(n):
        if gen[i] >= 0:
            continue
        k = 0
        v = i
        while v >= 0 and gen[v] < 0:
            stack[k] = v
            k += 1
            if k > n:
                raise ValueError("parent links contain a cycle")
            v = parent[v]
        g = -1 if v < 0 else gen[v]
        while k > 0:
            k -= 1
            g += 1
            gen[stack[k]] = g
    return gen


@nb.njit(cache=True)
def _subtree_sizes(parent, gen):
    """Size of every node's subtree: children are added to parents, deepest first."""
    n = parent.shape[0]
    size = np.ones(n, np.int64)
    order = np.argsort(-gen, kind="mergesort")
    for i in range(n):
        v = order[i]
        p = parent[v]
        if p >= 0:
            size[p] += size[v]
    return size


@nb.njit(cache=True)
def _roots_of(parent, gen):
    """The root of every node (processing in order of generation)."""
    n = parent.shape[0]
    root = np.empty(n, np.int64)
    order = np.argsort(gen, kind="mergesort")
    for i in range(n):
        v = order[i]
        p = parent[v]
        root[v] = v if p < 0 else root[p]
    return root


def generations(parent: np.ndarray) -> np.ndarray:
    """Distance of each node from its root.

    Parameters
    ----------
    parent : array of int
        Row index of each node's parent, ``-1`` for a root. Any order.

    Returns
    -------
    numpy.ndarray of int64

    Raises
    ------
    ValueError
        If the parent links contain a cycle or an index out of range.
    """
    p = np.ascontiguousarray(parent, dtype=np.int64)
    if p.size and (p.max() >= p.size or p.min() < -1):
        raise ValueError("parent indices must be -1 or a row index")
    return _generations(p)


def tree_stats(parent_index_array: np.ndarray) -> dict[str, float]:
    """Statistics of a cascade forest (see the module docstring for definitions).

    Parameters
    ----------
    parent_index_array : array of int
        For each node (one share, origins included), the row index of the node whose
        post it was shared from, ``-1`` for an origin (a root). Any order.

    Returns
    -------
    dict
        ``depth_max``, ``depth_mean``, ``breadth_max``, ``structural_virality``,
        ``share_depth1``, ``n_trees`` (floats; NaN where undefined).

    Examples
    --------
    >>> tree_stats([-1, 0, 1, 2])["structural_virality"]  # a path of 4: (n + 1) / 3
    1.6666666666666667
    >>> tree_stats([-1, 0, 0, 0])["share_depth1"]  # a star
    1.0
    """
    parent = np.ascontiguousarray(parent_index_array, dtype=np.int64)
    n = parent.size
    out = dict.fromkeys(TREE_STATS, float("nan"))
    out["n_trees"] = 0.0
    if n == 0:
        return out
    gen = generations(parent)
    is_root = parent < 0
    counts = np.bincount(gen)
    out["depth_max"] = float(gen.max())
    out["depth_mean"] = float(gen.mean())
    out["breadth_max"] = float(counts.max())
    out["n_trees"] = float(is_root.sum())
    n_shares = n - int(is_root.sum())
    if n_shares > 0:
        out["share_depth1"] = float((gen == 1).sum() / n_shares)
    size = _subtree_sizes(parent, gen)
    roots = np.flatnonzero(is_root)
    big = roots[np.argmax(size[roots])]  # first root of the largest tree
    nt = int(size[big])
    if nt > 1:
        members = _roots_of(parent, gen) == big
        s = size[members & ~is_root].astype(np.float64)
        w = float((s * (nt - s)).sum())
        out["structural_virality"] = 2.0 * w / (nt * (nt - 1.0))
    return out


def parent_index(accounts: np.ndarray, parents: np.ndarray) -> np.ndarray:
    """Row index of each share's parent among the shares of the same message.

    Parameters
    ----------
    accounts : array of int
        The account of each share (each account at most once).
    parents : array of int
        The account whose post was read, ``-1`` for an origin post.

    Returns
    -------
    numpy.ndarray of int64
        The row of the parent's share, ``-1`` for an origin or a parent that has no
        share in the table (then the share roots a tree of its own).
    """
    acc = np.asarray(accounts, dtype=np.int64)
    par = np.asarray(parents, dtype=np.int64)
    if acc.size == 0:
        return np.full(par.size, -1, np.int64)
    order = np.argsort(acc, kind="mergesort")
    sorted_acc = acc[order]
    pos = np.minimum(np.searchsorted(sorted_acc, par), acc.size - 1)
    found = (par >= 0) & (sorted_acc[pos] == par)
    return np.where(found, order[pos], -1).astype(np.int64)


def empty_cascades() -> pd.DataFrame:
    """A cascade table without rows (a run with no shares, or recording off)."""
    return pd.DataFrame(
        {
            "message": pd.Series([], dtype=object),
            "account": pd.Series([], dtype=np.int64),
            "parent": pd.Series([], dtype=np.int64),
            "t_min": pd.Series([], dtype=np.float64),
            "generation": pd.Series([], dtype=np.int64),
        }
    )


def cascade_table(
    message: np.ndarray, account: np.ndarray, parent: np.ndarray, time_h: np.ndarray, names: list[str]
) -> pd.DataFrame:
    """The public cascade table of a run from the shares an engine recorded.

    Parameters
    ----------
    message, account, parent : arrays of int
        Per share: message index, account, account whose post was read (-1: origin).
    time_h : array of float
        Time of the share, hours since the start of the run.
    names : list of str
        Message names by index.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CASCADE_COLUMNS`, sorted by (message index, time, account);
        ``t_min`` in minutes.
    """
    msg = np.asarray(message, dtype=np.int64)
    if msg.size == 0:
        return empty_cascades()
    acc = np.asarray(account, dtype=np.int64)
    par = np.asarray(parent, dtype=np.int64)
    t = np.asarray(time_h, dtype=np.float64)
    order = np.lexsort((acc, t, msg))
    msg, acc, par, t = msg[order], acc[order], par[order], t[order]
    gen = np.zeros(msg.size, np.int64)
    bounds = np.flatnonzero(np.diff(msg)) + 1
    for lo, hi in zip(np.r_[0, bounds], np.r_[bounds, msg.size]):
        gen[lo:hi] = generations(parent_index(acc[lo:hi], par[lo:hi]))
    return pd.DataFrame(
        {
            "message": np.asarray(names, dtype=object)[msg],
            "account": acc,
            "parent": par,
            "t_min": t * 60.0,
            "generation": gen,
        }
    )


def message_stats(cascades: pd.DataFrame, names: list[str]) -> dict[str, dict[str, float]]:
    """:func:`tree_stats` of every message of a cascade table (``names``: all messages,
    those without shares get the empty forest's statistics)."""
    out = {}
    groups = {k: g for k, g in cascades.groupby("message", sort=False)} if len(cascades) else {}
    for name in names:
        g = groups.get(name)
        if g is None:
            out[name] = tree_stats(np.zeros(0, np.int64))
        else:
            out[name] = tree_stats(parent_index(g["account"].to_numpy(), g["parent"].to_numpy()))
    return out
