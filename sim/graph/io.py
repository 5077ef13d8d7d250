"""Reading and writing follower graphs: edge lists, GraphML and networkx graphs.

Edge lists (``load_edgelist``) are text files with one edge per line, ``u v``
meaning *v follows u* (u's posts reach v), or, with ``directed=False``, a
reciprocal pair. Accepted:

* delimiters: comma, tab, semicolon, ``|`` or whitespace runs, detected from the
  first data line unless given;
* an optional header line (detected: non-numeric names above numeric ids, or
  known column names such as ``source,target``; or forced with ``header=``);
* ``#`` comment lines and blank lines anywhere;
* extra columns (weights, timestamps...), ignored, as long as every line has as
  many fields as the first;
* node ids that are integers (nodes numbered in increasing id order) or arbitrary
  strings (nodes numbered in order of first appearance, all sources first, then
  all targets); the original ids are kept in ``FollowerGraph.labels``.

Large files are parsed by pyarrow's multi-threaded CSV reader. If that fails for
any reason, a line-by-line parser takes over; it either succeeds (e.g. for
whitespace runs or comment lines in mid-file) or raises a :class:`GraphError`
that names the file, the line number and the offending text.
"""

from __future__ import annotations

import csv
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import GraphError
from sim.graph.csr import FollowerGraph

__all__ = ["from_networkx", "load_edgelist", "load_graphml", "save_edgelist", "sniff_edgelist"]

#: Column names recognised as a header line even when the node ids are strings.
HEADER_WORDS = frozenset(
    {
        "source",
        "target",
        "src",
        "dst",
        "from",
        "to",
        "u",
        "v",
        "node1",
        "node2",
        "node_1",
        "node_2",
        "id1",
        "id2",
        "source_id",
        "target_id",
        "src_id",
        "dst_id",
        "follower",
        "followee",
        "followed",
        "following",
        "user",
        "user_id",
        "friend",
        "sender",
        "receiver",
        "head",
        "tail",
        "origin",
        "destination",
        "account",
    }
)

_DELIMITER_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "space": None, "whitespace": None}
_SNIFF_LINES = 10_000
#: the sniffer reads at most this many bytes (a file without line ends cannot exhaust memory)
_SNIFF_BYTES = 1 << 20


def _short(text: str, limit: int = 80) -> str:
    text = text.rstrip("\r\n")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _is_int(token: str) -> bool:
    t = token.strip()
    if t[:1] in "+-":
        t = t[1:]
    return t.isdigit() and t.isascii()


def _two_ints(fields: list[str]) -> bool:
    return len(fields) >= 2 and _is_int(fields[0]) and _is_int(fields[1])


def _split(line: str, delimiter: str | None) -> list[str]:
    if delimiter is None:
        return line.split()
    return [f.strip() for f in next(csv.reader([line], delimiter=delimiter))]


def _normalise_delimiter(delimiter: str | None) -> tuple[str | None, bool]:
    """Return (delimiter, given); None means runs of whitespace."""
    if delimiter is None:
        return None, False
    d = _DELIMITER_NAMES.get(delimiter.lower(), delimiter) if delimiter.strip() else None
    if d is not None and len(d) != 1:
        raise GraphError(
            f"delimiter must be a single character, 'tab' or 'whitespace', got {delimiter!r}"
        )
    return d, True


def _display(path: Any) -> str:
    return os.fspath(path)


def _check_file(path: Any) -> Path:
    p = Path(path)
    if not p.exists():
        raise GraphError(f"graph file {_display(path)} not found")
    if p.is_dir():
        raise GraphError(f"graph file {_display(path)} is a directory, not a file")
    if not p.is_file():  # a device (/dev/zero), a FIFO, a socket: no size, maybe no end
        raise GraphError(f"graph file {_display(path)} is not a regular file")
    return p


def _refuse_xml_entities(path: Path, display: str) -> None:
    """Refuse a GraphML file that declares a DOCTYPE or entities (entity expansion,
    "billion laughs"): GraphML needs neither. Reads the file in bounded chunks."""
    tail = b""
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            text = (tail + chunk).upper()
            if b"<!DOCTYPE" in text or b"<!ENTITY" in text:
                raise GraphError(
                    f"{display}: GraphML with a DOCTYPE or entity declarations is refused "
                    "(entity expansion); remove the <!DOCTYPE ...> block"
                )
            tail = chunk[-16:]


def sniff_edgelist(
    path: str | os.PathLike[str], *, delimiter: str | None = None, header: bool | None = None
) -> dict[str, Any]:
    """Look at the start of an edge list: delimiter, header, first data line, columns.

    Parameters
    ----------
    path : path-like
        The edge list.
    delimiter : str, optional
        Force a delimiter (``","``, ``"\\t"``, ``"tab"``, ``"whitespace"``...).
    header : bool, optional
        Force the presence (True) or absence (False) of a header line.

    Returns
    -------
    dict
        ``delimiter`` (None: whitespace runs), ``header`` (bool), ``skip`` (number
        of physical lines before the first edge), ``ncols``, ``mean_line_bytes``.
    """
    p = _check_file(path)
    delim, given = _normalise_delimiter(delimiter)
    data: list[tuple[int, str]] = []  # (0-based physical line index, text)
    nbytes = 0
    nlines = 0
    with open(p, "rb") as f:  # bounded: at most _SNIFF_BYTES, whatever the file holds
        buf = f.read(_SNIFF_BYTES)
        more = bool(f.read(1))
    lines = buf.splitlines(keepends=True)
    if more and lines and not lines[-1].endswith((b"\n", b"\r")):
        if len(lines) == 1:
            raise GraphError(f"{_display(path)}:1: no line end in the first {_SNIFF_BYTES:,} bytes")
        lines.pop()  # cut in the middle
    for i, raw in enumerate(lines):
        if i >= _SNIFF_LINES or len(data) >= 3:
            break
        nbytes += len(raw)
        nlines += 1
        try:
            text = raw.decode("utf-8-sig" if i == 0 else "utf-8")
        except UnicodeDecodeError:
            raise GraphError(f"{_display(path)}:{i + 1}: not UTF-8 text") from None
        s = text.strip()
        if s and not s.startswith("#"):
            data.append((i, s))
    if not data:
        raise GraphError(f"{_display(path)}: no edges found (only blank or # comment lines)")
    first = data[0][1]
    if not given:
        delim = next((c for c in ("\t", ",", ";", "|") if c in first), None)
    try:
        fields = _split(first, delim)
        second = _split(data[1][1], delim) if len(data) > 1 else []
    except csv.Error as exc:
        raise GraphError(f"{_display(path)}: cannot split the first lines ({exc})") from None
    if header is None:
        head2 = fields[:2]
        if len(head2) < 2 or _is_int(head2[0]) or _is_int(head2[1]):
            header = False  # a header names both columns
        elif _two_ints(second):
            header = True
        else:
            header = len(head2) == 2 and all(t.lower().strip('"') in HEADER_WORDS for t in head2)
    skip = data[0][0] + (1 if header else 0)
    ncols = len(second) if header and second else len(fields)
    return {
        "delimiter": delim,
        "header": bool(header),
        "skip": skip,
        "ncols": ncols,
        "mean_line_bytes": nbytes / max(nlines, 1),
    }


# ------------------------------------------------------------------ id mapping


def _map_int_ids(src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Map integer ids to 0..n-1 in increasing id order; returns (src, dst, labels)."""
    m = src.size
    if m == 0:
        return src.astype(np.int32), dst.astype(np.int32), np.zeros(0, np.int64)
    lo = min(int(src.min()), int(dst.min()))
    hi = max(int(src.max()), int(dst.max()))
    if lo >= 0 and hi < 8 * m + (1 << 20):  # dense enough for a presence table (linear)
        present = np.zeros(hi + 1, np.bool_)
        present[src] = True
        present[dst] = True
        labels = np.flatnonzero(present).astype(np.int64)
        code = np.cumsum(present, dtype=np.int64) - 1
        return code[src].astype(np.int32), code[dst].astype(np.int32), labels
    labels, inv = np.unique(np.concatenate([src, dst]), return_inverse=True)
    inv = inv.astype(np.int32)
    return inv[:m], inv[m:], labels.astype(np.int64)


def _map_str_ids(src: list[str], dst: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Map string ids to 0..n-1 in order of first appearance (sources, then targets)."""
    index: dict[str, int] = {}
    s = np.fromiter((index.setdefault(t, len(index)) for t in src), np.int32, len(src))
    d = np.fromiter((index.setdefault(t, len(index)) for t in dst), np.int32, len(dst))
    labels = np.empty(len(index), dtype=object)
    labels[:] = list(index)
    return s, d, labels


def _ids_from_tokens(src: list[str], dst: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    try:
        s = np.array(src, dtype=np.int64) if src else np.zeros(0, np.int64)
        d = np.array(dst, dtype=np.int64) if dst else np.zeros(0, np.int64)
    except (ValueError, OverflowError):
        return _map_str_ids(src, dst)
    if not (all(_is_int(t) for t in src) and all(_is_int(t) for t in dst)):
        return _map_str_ids(src, dst)
    return _map_int_ids(s, d)


# ------------------------------------------------------------------ parsers


class _FastPathFailed(Exception):
    pass


def _read_pyarrow(p: Path, info: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """pyarrow fast path; raises _FastPathFailed on anything unusual."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    if info["ncols"] < 2:
        raise _FastPathFailed
    delim = info["delimiter"] or " "

    def read(types: dict[str, Any] | None) -> Any:
        return pacsv.read_csv(
            p,
            read_options=pacsv.ReadOptions(skip_rows=info["skip"], autogenerate_column_names=True),
            parse_options=pacsv.ParseOptions(delimiter=delim, ignore_empty_lines=True),
            convert_options=pacsv.ConvertOptions(
                include_columns=["f0", "f1"],
                column_types=types,
                null_values=[],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )

    try:
        table = read(None)
        a, b = table.column("f0"), table.column("f1")
        kinds = {str(a.type), str(b.type)}
        if not kinds <= {"int64", "string", "large_string"}:
            table = read({"f0": pa.string(), "f1": pa.string()})
            a, b = table.column("f0"), table.column("f1")
        if a.null_count or b.null_count:
            raise _FastPathFailed
        if not pa.types.is_integer(a.type):
            a = pc.utf8_trim_whitespace(a)
        if not pa.types.is_integer(b.type):
            b = pc.utf8_trim_whitespace(b)
        if not (pa.types.is_integer(a.type) and pa.types.is_integer(b.type)):
            try:  # integer ids padded with spaces, e.g. "1, 2"
                a_int, b_int = pc.cast(a, pa.int64()), pc.cast(b, pa.int64())
            except pa.ArrowException:
                pass
            else:
                a, b = a_int, b_int
        if pa.types.is_integer(a.type) and pa.types.is_integer(b.type):
            return _map_int_ids(
                a.to_numpy().astype(np.int64, copy=False), b.to_numpy().astype(np.int64, copy=False)
            )
        a = pc.cast(a, pa.string())
        b = pc.cast(b, pa.string())
        both = pa.chunked_array(a.chunks + b.chunks, type=pa.string())
        uniq = pc.unique(both)
        if (
            pc.any(pc.equal(pc.utf8_length(uniq), 0)).as_py()
            or pc.any(pc.starts_with(uniq, "#")).as_py()
        ):
            raise _FastPathFailed  # empty ids or comment lines in mid-file: let the line parser judge
        code = pc.index_in(both, value_set=uniq).to_numpy().astype(np.int32)
        labels = np.empty(len(uniq), dtype=object)
        labels[:] = uniq.to_pylist()
        m = len(a)
        return code[:m], code[m:], labels
    except (pa.ArrowException, KeyError, ValueError, UnicodeDecodeError) as exc:
        raise _FastPathFailed from exc


def _read_lines(
    p: Path, display: str, info: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Line-by-line parser with precise errors."""
    delim = info["delimiter"]
    header_pending = info["header"]
    ncols = None
    src: list[str] = []
    dst: list[str] = []
    with open(p, "rb") as f:
        for lineno, raw in enumerate(f, 1):
            try:
                text = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
            except UnicodeDecodeError:
                raise GraphError(f"{display}:{lineno}: not UTF-8 text") from None
            line = text.strip()
            if not line or line.startswith("#"):
                continue
            try:
                fields = _split(line, delim)
            except csv.Error as exc:
                raise GraphError(f"{display}:{lineno}: {exc}: {_short(line)!r}") from None
            if header_pending:
                header_pending = False
                continue
            if ncols is None:
                ncols = len(fields)
            if len(fields) < 2 or len(fields) != ncols:
                what = (
                    "two node ids" if ncols < 3 else f"{ncols} fields (two node ids, then extras)"
                )
                raise GraphError(f"{display}:{lineno}: expected {what}, got {_short(line)!r}")
            if not fields[0] or not fields[1]:
                raise GraphError(f"{display}:{lineno}: empty node id in {_short(line)!r}")
            src.append(fields[0])
            dst.append(fields[1])
    return _ids_from_tokens(src, dst)


def load_edgelist(
    path: str | os.PathLike[str],
    *,
    directed: bool = True,
    delimiter: str | None = None,
    header: bool | None = None,
) -> FollowerGraph:
    """Load a follower graph from an edge-list file (CSV, TSV or whitespace-separated).

    Parameters
    ----------
    path : path-like
        The file; each line ``u<delimiter>v`` is an edge ``u → v`` (v follows u).
    directed : bool
        False: every line is a reciprocal pair (both directions stored).
    delimiter : str, optional
        ``","``, ``"\\t"`` (or ``"tab"``), ``";"``, ``"|"``, ``" "``/``"whitespace"``
        (runs of spaces and tabs). Default: detected from the first data line.
    header : bool, optional
        Whether the first non-comment line is a header. Default: detected.

    Returns
    -------
    FollowerGraph
        With ``labels`` holding the original ids (int64 for integer ids, else
        str objects). Self-loops and repeated edges are dropped; isolated nodes
        cannot be expressed in an edge list.

    Raises
    ------
    GraphError
        Missing file, no edges, or a malformed line (the message gives
        ``file:line: problem, got 'text'``).
    """
    display = _display(path)
    p = _check_file(path)
    info = sniff_edgelist(p, delimiter=delimiter, header=header)
    try:
        s, d, labels = _read_pyarrow(p, info)
    except _FastPathFailed:
        s, d, labels = _read_lines(p, display, info)
    if s.size == 0:
        raise GraphError(f"{display}: no edges found")
    return FollowerGraph.from_edges(s, d, labels.size, directed=directed, labels=labels)


def save_edgelist(
    graph: FollowerGraph,
    path: str | os.PathLike[str],
    *,
    delimiter: str | None = None,
    header: bool = True,
) -> Path:
    """Write the graph as an edge list, one ``u → v`` edge per line (atomically).

    Parameters
    ----------
    graph : FollowerGraph
        The graph; nodes are written by their ``labels`` when present, else by id.
    path : path-like
        Destination. The default delimiter follows the suffix: ``.csv`` comma,
        ``.tsv``/``.tab`` tab, anything else a space.
    delimiter : str, optional
        Override the delimiter.
    header : bool
        Write a ``source,target`` header line (default True).

    Returns
    -------
    pathlib.Path
        The path written. Reciprocal pairs are written as two lines (load with
        the default ``directed=True`` to get the same graph back); isolated nodes
        and communities are not part of an edge list.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    p = Path(path)
    if delimiter is None:
        suffix = p.suffix.lower()
        delimiter = "," if suffix == ".csv" else "\t" if suffix in (".tsv", ".tab") else " "
    src, dst = graph.edges()
    if graph.labels is not None:
        lab = graph.labels
        if lab.dtype.kind in "iu":
            cols = [pa.array(lab[src]), pa.array(lab[dst])]
        else:
            lab_str = np.array([str(x) for x in lab], dtype=object)
            cols = [pa.array(lab_str[src], pa.string()), pa.array(lab_str[dst], pa.string())]
    else:
        cols = [pa.array(src), pa.array(dst)]
    table = pa.table(cols, names=["source", "target"])
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", dir=p.parent)
    os.close(fd)
    try:
        pacsv.write_csv(
            table,
            tmp,
            write_options=pacsv.WriteOptions(
                include_header=header, delimiter=delimiter, quoting_style="needed"
            ),
        )
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return p


# ------------------------------------------------------------------ networkx / GraphML


def _labels_from_nodes(nodes: list[Any]) -> np.ndarray:
    if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in nodes):
        return np.array(nodes, dtype=np.int64)
    lab = np.empty(len(nodes), dtype=object)
    for i, v in enumerate(nodes):
        lab[i] = v
    return lab


def _communities_of(G: Any, nodes: list[Any]) -> np.ndarray | None:
    values: list[Any] = []
    for attr in ("community", "block"):
        values = [G.nodes[v].get(attr) for v in nodes]
        if any(x is not None for x in values):
            break
    else:
        partition = G.graph.get("partition")
        if not partition:
            return None
        where = {v: i for i, block in enumerate(partition) for v in block}
        values = [where.get(v) for v in nodes]
    present = [x for x in values if x is not None]
    if not present:
        return None
    if all(isinstance(x, (int, np.integer)) and not isinstance(x, bool) for x in present) or all(
        isinstance(x, str) and _is_int(x) for x in present
    ):
        return np.array([-1 if x is None else int(x) for x in values], dtype=np.int32)
    codes: dict[Any, int] = {}
    return np.array(
        [-1 if x is None else codes.setdefault(x, len(codes)) for x in values], dtype=np.int32
    )


def from_networkx(G: Any, *, directed: bool | None = None) -> FollowerGraph:
    """Convert a networkx graph to a :class:`FollowerGraph`.

    Parameters
    ----------
    G : networkx.Graph
        Any networkx graph. Edge ``u → v`` of a directed graph means v follows u;
        an undirected edge is a reciprocal pair. Multi-edges collapse, self-loops
        are dropped.
    directed : bool, optional
        Override: False treats every edge as reciprocal even in a DiGraph. Default:
        ``G.is_directed()``.

    Returns
    -------
    FollowerGraph
        Nodes numbered in ``G.nodes`` order; ``labels`` holds the networkx node
        names (int64 when all are integers); ``community`` comes from the node
        attribute ``"community"`` or ``"block"`` (integers, or other values coded
        in order of appearance; -1 where missing), or from ``G.graph["partition"]``.
    """
    import networkx as nx

    if not isinstance(G, nx.Graph):
        raise GraphError(f"expected a networkx graph, got {type(G).__name__}")
    nodes = list(G.nodes)
    index = {v: i for i, v in enumerate(nodes)}
    m = G.number_of_edges()
    src = np.empty(m, np.int32)
    dst = np.empty(m, np.int32)
    for e, (u, v) in enumerate(G.edges()):
        src[e] = index[u]
        dst[e] = index[v]
    is_directed = G.is_directed() if directed is None else (bool(directed) and G.is_directed())
    return FollowerGraph.from_edges(
        src,
        dst,
        len(nodes),
        directed=is_directed,
        community=_communities_of(G, nodes),
        labels=_labels_from_nodes(nodes),
    )


def load_graphml(path: str | os.PathLike[str], directed: bool | None = None) -> FollowerGraph:
    """Load a GraphML file (through networkx; for graphs that fit networkx).

    Parameters
    ----------
    path : path-like
        The ``.graphml`` file.
    directed : bool, optional
        Default: as the file declares (``edgedefault``). False treats every edge
        as reciprocal. True on a file declaring an undirected graph is an error
        (networkx does not keep the written edge orientation).

    Returns
    -------
    FollowerGraph
        ``labels`` are the GraphML node ids (converted to int64 when all are
        integers); ``community`` from a node attribute ``community`` or ``block``.
    """
    import xml.etree.ElementTree as ET

    import networkx as nx

    display = _display(path)
    p = _check_file(path)
    _refuse_xml_entities(p, display)
    try:
        G = nx.read_graphml(p)
    except (ET.ParseError, nx.NetworkXError, KeyError, ValueError, TypeError) as exc:
        msg = " ".join(str(exc).split()) or type(exc).__name__
        raise GraphError(f"{display}: not a valid GraphML file ({msg})") from None
    if directed and not G.is_directed():
        raise GraphError(
            f"{display}: the file declares an undirected graph; load it with directed=False "
            '(reciprocal edges) or declare edgedefault="directed"'
        )
    nodes = list(G.nodes)
    if nodes and all(isinstance(v, str) and _is_int(v) and str(int(v)) == v for v in nodes):
        G = nx.relabel_nodes(G, {v: int(v) for v in nodes}, copy=True)
    return from_networkx(G, directed=directed)
