"""The compact follower graph: a CSR (compressed sparse row) array of out-neighbours.

Convention (DESIGN §2): edge ``u → v`` means *v follows u*, so u's posts reach v's
feed. Row ``u`` of the CSR lists u's followers, sorted, without duplicates and
without ``u`` itself. Undirected input counts as reciprocal: both directions are
stored.

The CSR is built by two stable counting sorts (first by follower, then by
account) in numba, so building is linear in the number of edges and rows come
out sorted; duplicates are then removed in one sequential pass. At 10^7 edges this
takes a fraction of a second and needs about 8 bytes of scratch per edge on top of
the input arrays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numba as nb
import numpy as np

from sim.errors import GraphError

__all__ = ["FollowerGraph", "build_csr", "merge_csr"]

_MAX_NODES = np.iinfo(np.int32).max  # indices are int32


# --------------------------------------------------------------------------- kernels


@nb.njit(cache=True)
def _csr_kernel(src, dst, n, symmetric):  # pragma: no cover - compiled
    """Counting-sort CSR build; returns (status, indptr, indices).

    status 0: ok; status 1: a node id outside [0, n). Self-loops are dropped and
    rows come out sorted (duplicates remain: see ``_dedup_kernel``). With
    ``symmetric`` every edge is also added in the reverse direction.
    """
    m = src.shape[0]
    # pass 1: count edges per destination (the sort key of the first pass)
    cnt = np.zeros(n + 1, np.int64)
    for e in range(m):
        s = np.int64(src[e])
        d = np.int64(dst[e])
        if s < 0 or s >= n or d < 0 or d >= n:
            return 1, np.zeros(1, np.int64), np.zeros(0, np.int32)
        if s != d:
            cnt[d + 1] += 1
            if symmetric:
                cnt[s + 1] += 1
    for i in range(n):
        cnt[i + 1] += cnt[i]
    k = cnt[n]
    # first counting sort: sources grouped by destination (destination implicit)
    by_dst = np.empty(k, np.int32)
    pos = cnt[:n].copy()
    for e in range(m):
        s = src[e]
        d = dst[e]
        if s != d:
            p = pos[d]
            by_dst[p] = s
            pos[d] = p + 1
            if symmetric:
                p = pos[s]
                by_dst[p] = d
                pos[s] = p + 1
    # second, stable counting sort by source: rows come out sorted by destination
    indptr = np.zeros(n + 1, np.int64)
    for p in range(k):
        indptr[by_dst[p] + 1] += 1
    for i in range(n):
        indptr[i + 1] += indptr[i]
    pos2 = indptr[:n].copy()
    indices = np.empty(k, np.int32)
    for d in range(n):
        for p in range(cnt[d], cnt[d + 1]):
            s = by_dst[p]
            q = pos2[s]
            indices[q] = d
            pos2[s] = q + 1
    return 0, indptr, indices


@nb.njit(cache=True)
def _dedup_kernel(indptr, indices):  # pragma: no cover - compiled
    """Remove repeated entries of sorted rows in place; returns the new length."""
    n = indptr.shape[0] - 1
    out = np.int64(0)
    start = np.int64(0)
    for u in range(n):
        end = indptr[u + 1]
        last = -1
        for q in range(start, end):
            v = indices[q]
            if v != last:
                indices[out] = v
                out += 1
                last = v
        start = end
        indptr[u + 1] = out
    return out


@nb.njit(cache=True)
def _merge_kernel(indptr_a, indices_a, indptr_b, indices_b):  # pragma: no cover
    """Row-wise union of two CSR arrays with sorted, duplicate-free rows."""
    n = indptr_a.shape[0] - 1
    indptr = np.empty(n + 1, np.int64)
    indices = np.empty(indices_a.shape[0] + indices_b.shape[0], np.int32)
    indptr[0] = 0
    out = np.int64(0)
    for u in range(n):
        i = indptr_a[u]
        ie = indptr_a[u + 1]
        j = indptr_b[u]
        je = indptr_b[u + 1]
        while i < ie and j < je:
            a = indices_a[i]
            b = indices_b[j]
            if a < b:
                indices[out] = a
                i += 1
            elif b < a:
                indices[out] = b
                j += 1
            else:
                indices[out] = a
                i += 1
                j += 1
            out += 1
        while i < ie:
            indices[out] = indices_a[i]
            i += 1
            out += 1
        while j < je:
            indices[out] = indices_b[j]
            j += 1
            out += 1
        indptr[u + 1] = out
    if out < indices.shape[0]:
        return indptr, indices[:out].copy()
    return indptr, indices


@nb.njit(cache=True)
def _rows_kernel(indptr):  # pragma: no cover - compiled
    """The source (row) of every stored edge, int32."""
    n = indptr.shape[0] - 1
    rows = np.empty(indptr[n], np.int32)
    for u in range(n):
        for q in range(indptr[u], indptr[u + 1]):
            rows[q] = u
    return rows


@nb.njit(cache=True)
def _in_degree_kernel(indices, n):  # pragma: no cover - compiled
    deg = np.zeros(n, np.int64)
    for q in range(indices.shape[0]):
        deg[indices[q]] += 1
    return deg


# --------------------------------------------------------------------------- helpers


def _as_int_array(x: Any, name: str) -> np.ndarray:
    a = np.asarray(x)
    if a.ndim != 1:
        raise GraphError(f"{name} must be a one-dimensional array of node ids, got shape {a.shape}")
    if a.size == 0:
        return np.zeros(0, np.int32)
    if a.dtype.kind not in "iu":
        if a.dtype.kind == "f" and np.all(np.mod(a, 1) == 0):
            a = a.astype(np.int64)
        else:
            raise GraphError(f"{name} must hold integer node ids, got dtype {a.dtype}")
    if a.dtype == np.uint64:
        a = a.astype(np.int64)
    return np.ascontiguousarray(a)


def _check_n(n: int) -> int:
    n = int(n)
    if n < 0:
        raise GraphError(f"number of nodes must be >= 0, got {n}")
    if n > _MAX_NODES:
        raise GraphError(f"at most {_MAX_NODES} nodes are supported, got {n}")
    return n


def build_csr(
    src: Any, dst: Any, n: int, *, symmetric: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Build CSR arrays from an edge list in linear time.

    Parameters
    ----------
    src, dst : array_like of int
        Edge endpoints, ``src[i] → dst[i]``, node ids in ``[0, n)``.
    n : int
        Number of nodes.
    symmetric : bool
        Also add every edge in the reverse direction.

    Returns
    -------
    indptr : numpy.ndarray
        int64, length ``n + 1``.
    indices : numpy.ndarray
        int32; row ``u`` is ``indices[indptr[u]:indptr[u+1]]``, sorted, no duplicates,
        no self-loops.

    Raises
    ------
    GraphError
        If the arrays differ in length or hold an id outside ``[0, n)``.
    """
    n = _check_n(n)
    s = _as_int_array(src, "src")
    d = _as_int_array(dst, "dst")
    if s.shape != d.shape:
        raise GraphError(f"src and dst differ in length ({s.shape[0]} vs {d.shape[0]})")
    if n == 0:
        if s.size:
            raise GraphError(f"edges given for a graph with no nodes (first edge {s[0]}->{d[0]})")
        return np.zeros(1, np.int64), np.zeros(0, np.int32)
    if s.dtype != d.dtype:
        s = s.astype(np.int64, copy=False)
        d = d.astype(np.int64, copy=False)
    status, indptr, indices = _csr_kernel(s, d, np.int64(n), bool(symmetric))
    if status == 0:
        out = _dedup_kernel(indptr, indices)
        if out < indices.size:
            indices = indices[:out].copy()
    else:
        bad = np.flatnonzero((s < 0) | (s >= n) | (d < 0) | (d >= n))[0]
        raise GraphError(f"edge {bad} ({s[bad]} -> {d[bad]}) has a node id outside 0..{n - 1}")
    return indptr, indices


def merge_csr(
    a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise union of two CSR arrays ``(indptr, indices)`` over the same nodes."""
    if a[0].shape != b[0].shape:
        raise GraphError(f"cannot merge CSR arrays of {a[0].size - 1} and {b[0].size - 1} nodes")
    return _merge_kernel(a[0], a[1], b[0], b[1])


def _labels_array(labels: Any, n: int) -> np.ndarray | None:
    if labels is None:
        return None
    arr = np.asarray(labels)
    if arr.dtype.kind in "US":
        arr = arr.astype(object)
    if arr.shape != (n,):
        raise GraphError(f"labels must have one entry per node ({n}), got shape {arr.shape}")
    return arr


def _community_array(community: Any, n: int) -> np.ndarray | None:
    if community is None:
        return None
    arr = np.asarray(community)
    if arr.shape != (n,):
        raise GraphError(f"community must have one entry per node ({n}), got shape {arr.shape}")
    if arr.dtype.kind not in "iu":
        raise GraphError(f"community must hold integers, got dtype {arr.dtype}")
    return arr.astype(np.int32, copy=False)


# --------------------------------------------------------------------------- graph


@dataclass(frozen=True, eq=False, repr=False)
class FollowerGraph:
    """A directed follower graph in CSR form.

    Edge ``u → v`` means *v follows u*: u's posts reach v. Row ``u`` lists u's
    followers (sorted, no duplicates, no self-loops). Treat the arrays as
    read-only; the methods that change the graph return a new one.

    Attributes
    ----------
    indptr : numpy.ndarray
        int64, length ``n + 1``; row ``u`` spans ``indptr[u]:indptr[u+1]``.
    indices : numpy.ndarray
        int32, the followers of each account, row after row.
    community : numpy.ndarray or None
        int32 community (block) of each node, -1 for none.
    labels : numpy.ndarray or None
        Original node ids (from a file or a networkx graph), one per node.
    """

    indptr: np.ndarray
    indices: np.ndarray
    community: np.ndarray | None = None
    labels: np.ndarray | None = None

    def __post_init__(self) -> None:
        indptr = np.asarray(self.indptr)
        indices = np.asarray(self.indices)
        if indptr.ndim != 1 or indptr.size < 1:
            raise GraphError("indptr must be a one-dimensional array of length n + 1")
        if indptr.dtype != np.int64:
            indptr = indptr.astype(np.int64)
        if indices.dtype != np.int32:
            indices = indices.astype(np.int32)
        if indptr[0] != 0 or indptr[-1] != indices.size:
            raise GraphError(
                f"inconsistent CSR: indptr runs {indptr[0]}..{indptr[-1]} "
                f"but there are {indices.size} indices"
            )
        n = indptr.size - 1
        object.__setattr__(self, "indptr", indptr)
        object.__setattr__(self, "indices", indices)
        object.__setattr__(self, "community", _community_array(self.community, n))
        object.__setattr__(self, "labels", _labels_array(self.labels, n))

    # ------------------------------------------------------------------ basics
    @property
    def n(self) -> int:
        """Number of accounts (nodes)."""
        return int(self.indptr.size - 1)

    @property
    def n_edges(self) -> int:
        """Number of stored directed edges (a reciprocal pair counts twice)."""
        return int(self.indptr[-1])

    def follower_count(self) -> np.ndarray:
        """Out-degree of every account (its number of followers), int64."""
        return np.diff(self.indptr)

    def following_count(self) -> np.ndarray:
        """In-degree of every account (the number of accounts it follows), int64."""
        return _in_degree_kernel(self.indices, np.int64(self.n))

    def followers(self, u: int) -> np.ndarray:
        """The followers of account ``u`` (a sorted view into ``indices``)."""
        u = int(u)
        if not 0 <= u < self.n:
            raise GraphError(f"node {u} is outside 0..{self.n - 1}")
        return self.indices[self.indptr[u] : self.indptr[u + 1]]

    def edges(self) -> tuple[np.ndarray, np.ndarray]:
        """All edges as ``(src, dst)`` int32 arrays in row order (``src → dst``)."""
        return _rows_kernel(self.indptr), self.indices.copy()

    def transpose(self) -> FollowerGraph:
        """The reversed graph: row ``v`` lists the accounts that ``v`` follows."""
        indptr, indices = build_csr(self.indices, _rows_kernel(self.indptr), self.n)
        return FollowerGraph(indptr, indices, self.community, self.labels)

    def __repr__(self) -> str:
        extra = ""
        if self.community is not None:
            extra += f", communities={len(np.unique(self.community))}"
        if self.labels is not None:
            extra += ", labelled"
        return f"FollowerGraph(n={self.n}, n_edges={self.n_edges}{extra})"

    # ------------------------------------------------------------ construction
    @classmethod
    def from_edges(
        cls,
        src: Any,
        dst: Any,
        n: int,
        *,
        directed: bool = True,
        community: Any = None,
        labels: Any = None,
    ) -> FollowerGraph:
        """Build a graph from edge arrays.

        Parameters
        ----------
        src, dst : array_like of int
            Edges ``src[i] → dst[i]`` (``dst[i]`` follows ``src[i]``), ids in ``[0, n)``.
        n : int
            Number of nodes (isolated nodes allowed).
        directed : bool
            If False, every edge is reciprocal: both directions are stored.
        community : array_like of int, optional
            Community of each node.
        labels : array_like, optional
            Original id of each node.

        Returns
        -------
        FollowerGraph
            Self-loops and duplicate edges are dropped.

        Raises
        ------
        GraphError
            On ids outside ``[0, n)`` or arrays of the wrong shape.
        """
        indptr, indices = build_csr(src, dst, n, symmetric=not directed)
        return cls(indptr, indices, community, labels)

    def add_edges(self, src: Any, dst: Any, *, reciprocal: bool = False) -> FollowerGraph:
        """A new graph with the edges ``src[i] → dst[i]`` added.

        Parameters
        ----------
        src, dst : array_like of int
            New edges (``dst`` follows ``src``); existing edges, duplicates and
            self-loops are ignored.
        reciprocal : bool
            Also add the reverse edges.

        Returns
        -------
        FollowerGraph
        """
        new = build_csr(src, dst, self.n, symmetric=reciprocal)
        indptr, indices = merge_csr((self.indptr, self.indices), new)
        return FollowerGraph(indptr, indices, self.community, self.labels)

    def add_nodes(
        self, k: int, community: int = -1, *, labels: Sequence[Any] | None = None
    ) -> FollowerGraph:
        """A new graph with ``k`` isolated nodes appended (ids ``n .. n+k-1``).

        Parameters
        ----------
        k : int
            Number of nodes to add.
        community : int
            Community of the new nodes (-1: none). If the graph has no community
            array and ``community`` is -1, it stays without one.
        labels : sequence, optional
            Labels of the new nodes when the graph is labelled. By default integer
            labels continue after the largest existing one, and other labels
            become ``"added:<node id>"``.

        Returns
        -------
        FollowerGraph
        """
        k = int(k)
        if k < 0:
            raise GraphError(f"cannot add a negative number of nodes ({k})")
        n = self.n
        _check_n(n + k)
        indptr = np.concatenate([self.indptr, np.full(k, self.indptr[-1], np.int64)])
        comm = self.community
        if comm is not None or community != -1:
            base = comm if comm is not None else np.full(n, -1, np.int32)
            comm = np.concatenate([base, np.full(k, community, np.int32)])
        lab = self.labels
        if lab is not None:
            if labels is not None:
                extra = np.asarray(list(labels), dtype=lab.dtype)
                if extra.shape != (k,):
                    raise GraphError(f"add_nodes: {k} nodes but {len(extra)} labels")
            elif lab.dtype.kind in "iu":
                start = int(lab.max()) + 1 if lab.size else 0
                extra = np.arange(start, start + k, dtype=lab.dtype)
            else:
                extra = np.array([f"added:{i}" for i in range(n, n + k)], dtype=object)
            lab = np.concatenate([lab, extra.astype(lab.dtype, copy=False)])
        return FollowerGraph(indptr, self.indices, comm, lab)

    # -------------------------------------------------------------- networkx
    def to_networkx(self, *, use_labels: bool = True) -> Any:
        """The graph as a :class:`networkx.DiGraph` (for graphs that fit networkx).

        Parameters
        ----------
        use_labels : bool
            Name nodes by ``labels`` when present (default), else ``0 .. n-1``.

        Returns
        -------
        networkx.DiGraph
            Node attribute ``"community"`` when the graph has communities.
        """
        import networkx as nx

        G = nx.DiGraph()
        names: Any = range(self.n)
        if use_labels and self.labels is not None:
            names = self.labels.tolist()
        if self.community is not None:
            G.add_nodes_from(
                (name, {"community": int(c)})
                for name, c in zip(names, self.community.tolist(), strict=True)
            )
        else:
            G.add_nodes_from(names)
        src, dst = self.edges()
        if use_labels and self.labels is not None:
            lab = self.labels.tolist()
            G.add_edges_from((lab[u], lab[v]) for u, v in zip(src.tolist(), dst.tolist()))
        else:
            G.add_edges_from(zip(src.tolist(), dst.tolist()))
        return G
