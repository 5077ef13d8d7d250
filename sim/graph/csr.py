"""The compact follower graph: a CSR (compressed sparse row) array of out-neighbours.

Convention (DESIGN §2): edge ``u → v`` means *v follows u*, so u's posts reach v's
feed. Row ``u`` of the CSR lists u's followers, sorted, without duplicates and
without ``u`` itself. Undirected input counts as reciprocal: both directions are
stored.

The CSR is built by a bucketed radix sort of packed int64 edge keys in numba
(see the kernels' comment), so building is linear in the number of edges, rows
come out sorted and duplicates are dropped on the way. It needs 8 bytes of
scratch per edge on top of the input arrays and the 4-byte result; at 10^8 edges
it takes a few seconds.
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
#
# The CSR build is a bucketed radix sort of the packed edge keys. Pass 1 counts
# the edges of every bucket of consecutive rows (per chunk of the input, so the
# chunks run in parallel); pass 2 scatters each edge, packed as one int64 key
# ``(row within bucket) << dbits | column``, to its bucket (a few thousand output
# streams, written sequentially); pass 3 sorts every bucket on its own (in
# parallel: buckets are disjoint) with a three-digit least-significant-digit
# radix sort (two digits of the column, then the row) that stays in cache,
# drops repeated edges and writes the columns in place. A final sequential pass
# closes the gaps the dropped repeats left. Every random access goes to a bucket that fits in
# cache, unlike a counting sort over all n rows.
# The result is the sorted, duplicate-free CSR whatever the chunking or the
# number of threads: it depends on the set of edges only.

_BUCKET_BITS = 12  # at most 2^12 row buckets (output streams of pass 2)
_BUCKET_MIN_EDGES = 1024  # aim for at least this many edges per bucket


def _bit_length(x: int) -> int:
    return max(int(x), 0).bit_length()


@nb.njit(cache=True, parallel=True)
def _bucket_count(src, dst, n, symmetric, shift, n_buckets, n_chunks):  # pragma: no cover
    """Edges per (chunk, bucket); ``bad[c]`` flags an id outside [0, n) in chunk c."""
    m = src.shape[0]
    hist = np.zeros((n_chunks, n_buckets), np.int64)
    bad = np.zeros(n_chunks, np.int64)
    for c in nb.prange(n_chunks):
        lo = m * c // n_chunks
        hi = m * (c + 1) // n_chunks
        for e in range(lo, hi):
            s = np.int64(src[e])
            d = np.int64(dst[e])
            if s < 0 or s >= n or d < 0 or d >= n:
                bad[c] = 1
                break
            if s != d:
                hist[c, s >> shift] += 1
                if symmetric:
                    hist[c, d >> shift] += 1
    return hist, bad


@nb.njit(cache=True, parallel=True)
def _bucket_scatter(src, dst, symmetric, shift, dbits, start, keys):  # pragma: no cover
    """Write every edge's packed key to its bucket; ``start[c, b]``: first slot of chunk c in bucket b."""
    m = src.shape[0]
    n_chunks = start.shape[0]
    low = (np.int64(1) << shift) - 1
    for c in nb.prange(n_chunks):
        lo = m * c // n_chunks
        hi = m * (c + 1) // n_chunks
        pos = start[c].copy()
        for e in range(lo, hi):
            s = np.int64(src[e])
            d = np.int64(dst[e])
            if s != d:
                b = s >> shift
                keys[pos[b]] = ((s & low) << dbits) | d
                pos[b] += 1
                if symmetric:
                    b = d >> shift
                    keys[pos[b]] = ((d & low) << dbits) | s
                    pos[b] += 1


@nb.njit(cache=True, parallel=True)
def _bucket_sort(keys, bstart, shift, dbits, indices, indptr, kept):  # pragma: no cover
    """Sort each bucket by (row, column), drop repeats, write the columns in place.

    Inside a bucket: two least-significant-digit radix passes on the column
    (each digit half of the column's bits: 13 bits up to 2^26 accounts) and a
    stable counting pass by row (2^shift
    counters) that writes the columns to ``indices[bstart[b]:bstart[b+1]]``; the
    three histograms come from one read. Then repeats within each row are dropped
    and the kept columns packed from ``bstart[b]`` on. ``indptr[u + 1]`` receives
    the number of distinct followers of row u, ``kept[b]`` the columns bucket b kept.
    """
    n = indptr.shape[0] - 1
    n_buckets = bstart.shape[0] - 1
    cmask = (np.int64(1) << dbits) - 1
    b1 = (dbits + 1) // 2
    b2 = dbits - b1
    m1 = (np.int64(1) << b1) - 1
    m2 = (np.int64(1) << b2) - 1
    for b in nb.prange(n_buckets):
        lo = bstart[b]
        hi = bstart[b + 1]
        size = hi - lo
        row0 = np.int64(b) << shift
        rows = min(np.int64(1) << shift, n - row0)
        if size == 0:
            kept[b] = 0
            continue
        x = keys[lo:hi]
        tmp = np.empty(size, np.int64)
        h1 = np.zeros(m1 + 1, np.int64)
        h2 = np.zeros(m2 + 1, np.int64)
        h3 = np.zeros(rows + 1, np.int64)
        for i in range(size):
            k = x[i]
            h1[k & m1] += 1
            h2[(k >> b1) & m2] += 1
            h3[(k >> dbits) + 1] += 1
        run = np.int64(0)
        for j in range(m1 + 1):
            c = h1[j]
            h1[j] = run
            run += c
        run = 0
        for j in range(m2 + 1):
            c = h2[j]
            h2[j] = run
            run += c
        for r in range(rows):
            h3[r + 1] += h3[r]
        for i in range(size):  # by the low digit of the column: x -> tmp
            k = x[i]
            j = k & m1
            tmp[h1[j]] = k
            h1[j] += 1
        for i in range(size):  # by the high digit of the column: tmp -> x
            k = tmp[i]
            j = (k >> b1) & m2
            x[h2[j]] = k
            h2[j] += 1
        pos = h3[:rows] + lo
        for i in range(size):  # stable by row: columns to their place in indices
            k = x[i]
            r = k >> dbits
            indices[pos[r]] = k & cmask
            pos[r] += 1
        out = lo
        for r in range(rows):  # drop repeats (adjacent now) and pack
            first = out
            last = -1
            for q in range(lo + h3[r], lo + h3[r + 1]):
                v = indices[q]
                if v != last:
                    indices[out] = v
                    out += 1
                    last = v
            indptr[row0 + r + 1] = out - first
        kept[b] = out - lo


@nb.njit(cache=True)
def _compact(indices, bstart, kept, indptr):  # pragma: no cover - compiled
    """Close the gaps left by dropped repeats; turn the row counts in ``indptr`` into offsets.

    Returns the number of edges kept.
    """
    n_buckets = bstart.shape[0] - 1
    out = np.int64(0)
    for b in range(n_buckets):
        src = bstart[b]
        k = kept[b]
        if src != out:
            for i in range(k):
                indices[out + i] = indices[src + i]
        out += k
    for u in range(indptr.shape[0] - 1):
        indptr[u + 1] += indptr[u]
    return out


def _csr_sorted(src: np.ndarray, dst: np.ndarray, n: int, symmetric: bool) -> tuple[int, np.ndarray, np.ndarray]:
    """Bucketed radix-sort CSR build; returns (status, indptr, indices) with sorted, duplicate-free rows.

    status 0: ok; status 1: a node id outside [0, n). Self-loops are dropped.
    With ``symmetric`` every edge is also added in the reverse direction.
    """
    m = int(src.shape[0])
    sbits = _bit_length(n - 1)
    dbits = max(sbits, 1)
    per_edge = 2 if symmetric else 1
    want = _bit_length(max(m * per_edge // _BUCKET_MIN_EDGES, 1)) - 1
    bb = max(0, min(_BUCKET_BITS, sbits, want))
    shift = sbits - bb
    n_buckets = ((n - 1) >> shift) + 1
    n_chunks = max(1, min(nb.get_num_threads(), m // (1 << 16)))
    hist, bad = _bucket_count(src, dst, np.int64(n), bool(symmetric), np.int64(shift), n_buckets, n_chunks)
    if bad.any():
        return 1, np.zeros(1, np.int64), np.zeros(0, np.int32)
    # start[c, b]: bucket-major order, chunk order inside a bucket
    flat = hist.T.ravel()
    start_flat = np.zeros(flat.size + 1, np.int64)
    np.cumsum(flat, out=start_flat[1:])
    k = int(start_flat[-1])
    start = np.ascontiguousarray(start_flat[:-1].reshape(n_buckets, n_chunks).T)
    bstart = np.ascontiguousarray(start_flat[::n_chunks])  # n_buckets + 1 entries
    del flat, start_flat
    keys = np.empty(k, np.int64)
    _bucket_scatter(src, dst, bool(symmetric), np.int64(shift), np.int64(dbits), start, keys)
    indices = np.empty(k, np.int32)
    indptr = np.zeros(n + 1, np.int64)
    kept = np.zeros(n_buckets, np.int64)
    _bucket_sort(keys, bstart, np.int64(shift), np.int64(dbits), indices, indptr, kept)
    del keys
    out = int(_compact(indices, bstart, kept, indptr))
    if out < k:  # shrink in place (realloc; no other reference to the buffer exists)
        indices.resize(out, refcheck=False)
    return 0, indptr, indices


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
def _merge_into_kernel(indptr_a, indices_a, indptr_b, indices_b):  # pragma: no cover - compiled
    """Row-wise union of two CSR arrays written into ``indices_a`` (room for both).

    ``indices_a`` holds a's rows in ``[0, indptr_a[n])`` and has room for
    ``indices_b`` after them. Returns the new indptr. Rows are merged from the
    last one backwards: a row's output never starts before its input, so the
    merge overwrites only values it has already read, and the rows before the
    first row of b do not move.
    """
    n = indptr_a.shape[0] - 1
    indptr = np.empty(n + 1, np.int64)
    indptr[0] = 0
    for u in range(n):
        i = indptr_a[u]
        ie = indptr_a[u + 1]
        j = indptr_b[u]
        je = indptr_b[u + 1]
        c = ie - i
        while j < je:  # count the columns of b's row that a's row lacks
            v = indices_b[j]
            while i < ie and indices_a[i] < v:
                i += 1
            if i == ie or indices_a[i] != v:
                c += 1
            j += 1
        indptr[u + 1] = indptr[u] + c
    for u in range(n - 1, -1, -1):
        out = indptr[u + 1] - 1
        i = indptr_a[u + 1] - 1
        ia = indptr_a[u]
        j = indptr_b[u + 1] - 1
        jb = indptr_b[u]
        if j < jb and out == i:
            break  # no shift here, hence none before either
        while i >= ia and j >= jb:
            a = indices_a[i]
            b = indices_b[j]
            if a > b:
                indices_a[out] = a
                i -= 1
            elif b > a:
                indices_a[out] = b
                j -= 1
            else:
                indices_a[out] = a
                i -= 1
                j -= 1
            out -= 1
        while i >= ia:
            indices_a[out] = indices_a[i]
            i -= 1
            out -= 1
        while j >= jb:
            indices_a[out] = indices_b[j]
            j -= 1
            out -= 1
    return indptr


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
    status, indptr, indices = _csr_sorted(s, d, n, bool(symmetric))
    if status != 0:
        bad = np.flatnonzero((s < 0) | (s >= n) | (d < 0) | (d >= n))[0]
        raise GraphError(f"edge {bad} ({s[bad]} -> {d[bad]}) has a node id outside 0..{n - 1}")
    return indptr, indices


def merge_csr(
    a: tuple[np.ndarray, np.ndarray],
    b: tuple[np.ndarray, np.ndarray],
    *,
    in_place: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise union of two CSR arrays ``(indptr, indices)`` over the same nodes.

    Parameters
    ----------
    a, b : tuple of numpy.ndarray
        ``(indptr, indices)`` with sorted, duplicate-free rows.
    in_place : bool
        Grow ``a``'s indices array and merge into it (no second copy of the
        edges; for a graph being built). ``a`` must not be used afterwards and
        nothing may hold a view of its indices. Falls back to a copy when the
        array does not own its memory.

    Returns
    -------
    tuple of numpy.ndarray
        ``(indptr, indices)`` of the union.
    """
    if a[0].shape != b[0].shape:
        raise GraphError(f"cannot merge CSR arrays of {a[0].size - 1} and {b[0].size - 1} nodes")
    ind = a[1]
    if in_place and ind.flags.owndata and ind.flags.c_contiguous and ind.dtype == np.int32:
        have = int(a[0][-1])
        ind.resize(have + int(b[1].size), refcheck=False)  # realloc: grows in place when it can
        indptr = _merge_into_kernel(a[0], ind, b[0], b[1])
        ind.resize(int(indptr[-1]), refcheck=False)
        return indptr, ind
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
