"""Real cascades in: one table format, the Weibo DeepHawkes format and a table of sizes.

**The cascade table** (CSV, CSV.gz or Parquet), one row per node of a cascade:

============  ==============================================================
``cascade``   any id of the cascade (a number or a string)
``node``      integer >= 0 within the cascade; ``0`` is the original post
``parent``    the node it was shared from; empty or ``-1`` for the original
              post. The whole column may be missing (timing-only data).
``delay_min`` minutes since the original post (>= 0; the original has 0)
other         kept as attributes (e.g. ``label``); constant per cascade
              values are carried into the per-cascade table
============  ==============================================================

**Weibo DeepHawkes** (``.txt``, tab separated): ``id, root user, publish unix time,
size, paths``; each path is ``u1/u2/.../uk:seconds`` (``uk`` shared from ``uk-1``,
``seconds`` after the publish time). A user on several paths counts once, at their
earliest time (the number of such repeats is kept in :attr:`CascadeData.notes`).

**Sizes only** (CSV): one row per cascade with a column ``size`` (nodes including
the original post) or ``shares`` / ``distinct_retweeters`` (reshares, the original
not counted; size = shares + 1). Only size statistics can be computed from it.

Anything malformed raises :class:`~sim.errors.DataError` with one line naming the
file, the line (the header is line 1) and the column; nothing is guessed silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import DataError

__all__ = ["REQUIRED_COLUMNS", "SIZE_COLUMNS", "CascadeData", "from_table", "load_cascades"]

#: Columns the cascade table must have (``parent`` is optional).
REQUIRED_COLUMNS = ("cascade", "node", "delay_min")
#: Column names accepted by the sizes-only format, and what is added to get nodes.
SIZE_COLUMNS = {"size": 0, "shares": 1, "distinct_retweeters": 1}


@dataclass
class CascadeData:
    """Cascades read from a file, in one canonical form.

    Attributes
    ----------
    nodes : pandas.DataFrame or None
        One row per node: ``cascade`` (str), ``node`` (int64), ``parent`` (int64,
        -1 for the original post; absent for timing-only data), ``delay_min`` (float),
        then the attribute columns. Sorted by cascade then delay. ``None`` for
        sizes-only data.
    sizes : pandas.Series
        Nodes per cascade, original post included, indexed by cascade id.
    source : str
        The file it came from (or a label).
    start_hour : pandas.Series or None
        Hour of day (0-24, local time of the platform) each original was posted, when
        the format has it (Weibo: Beijing time); ``None`` otherwise.
    notes : list of str
        What the loader did that a reader should know (e.g. repeated users merged).
    """

    nodes: pd.DataFrame | None
    sizes: pd.Series
    source: str
    start_hour: pd.Series | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def has_timing(self) -> bool:
        """Whether share delays are known."""
        return self.nodes is not None

    @property
    def has_trees(self) -> bool:
        """Whether who-shared-from-whom is known."""
        return self.nodes is not None and "parent" in self.nodes.columns

    @property
    def n_cascades(self) -> int:
        """Number of cascades."""
        return int(self.sizes.size)

    @property
    def kind(self) -> str:
        """``"trees"``, ``"timing"`` or ``"sizes"``."""
        return "trees" if self.has_trees else ("timing" if self.has_timing else "sizes")

    def attributes(self) -> pd.DataFrame:
        """Attribute columns that are constant within each cascade, one row per cascade."""
        if self.nodes is None:
            return pd.DataFrame(index=self.sizes.index)
        extra = [c for c in self.nodes.columns if c not in ("cascade", "node", "parent", "delay_min")]
        if not extra:
            return pd.DataFrame(index=self.sizes.index)
        g = self.nodes.groupby("cascade", sort=False)
        constant = [c for c in extra if (g[c].nunique(dropna=False) <= 1).all()]
        return g[constant].first() if constant else pd.DataFrame(index=self.sizes.index)

    def within(self, horizon_h: float) -> CascadeData:
        """The cascades as seen ``horizon_h`` hours after each original post.

        Nodes with a later delay are dropped (their descendants are later still, so
        the trees stay whole); sizes are recounted.
        """
        if self.nodes is None:
            return self
        keep = self.nodes["delay_min"].to_numpy() <= horizon_h * 60.0 + 1e-9
        nodes = self.nodes.loc[keep].reset_index(drop=True)
        sizes = nodes.groupby("cascade", sort=False).size().rename("size")
        return CascadeData(nodes, sizes, self.source, self.start_hour, list(self.notes))

    def at_least(self, min_size: int) -> CascadeData:
        """Only the cascades with at least ``min_size`` nodes (original included)."""
        keep_ids = self.sizes.index[self.sizes.to_numpy() >= min_size]
        sizes = self.sizes.loc[keep_ids]
        nodes = None
        if self.nodes is not None:
            nodes = self.nodes.loc[self.nodes["cascade"].isin(set(keep_ids))].reset_index(drop=True)
        hours = self.start_hour.loc[keep_ids] if self.start_hour is not None else None
        return CascadeData(nodes, sizes, self.source, hours, list(self.notes))


def load_cascades(path: str | Path) -> CascadeData:
    """Read cascades from a file in any of the three formats (see the module docstring).

    Parameters
    ----------
    path : str or Path
        ``.csv``, ``.csv.gz``, ``.parquet`` (cascade table or sizes table) or ``.txt``
        (Weibo DeepHawkes).

    Returns
    -------
    CascadeData

    Raises
    ------
    DataError
        File missing, unreadable or malformed (one line: file, line, column, why).
    """
    p = Path(path)
    if not p.exists():
        raise DataError(f"{p}: no such file")
    if p.is_dir():
        raise DataError(f"{p}: is a folder, expected a cascade file (.csv, .csv.gz, .parquet, .txt)")
    name = p.name.lower()
    if name.endswith((".txt", ".txt.gz", ".tsv", ".tsv.gz")) and not _has_header(p):
        return _load_weibo(p)
    if name.endswith(".parquet"):
        try:
            table = pd.read_parquet(p)
        except Exception as exc:
            raise DataError(f"{p}: not a readable Parquet file ({_first_line(exc)})") from exc
        first_line = None  # Parquet has rows, not lines
    else:
        try:
            table = pd.read_csv(p, sep=None if name.endswith((".tsv", ".tsv.gz", ".txt")) else ",",
                                dtype=str, keep_default_na=False, engine="python" if name.endswith(
                                    (".tsv", ".tsv.gz", ".txt")) else "c")
        except (pd.errors.ParserError, UnicodeDecodeError, OSError, EOFError) as exc:
            raise DataError(f"{p}: not a readable CSV file ({_first_line(exc)})") from exc
        except pd.errors.EmptyDataError:
            raise DataError(f"{p}: empty file") from None
        first_line = 2
    return from_table(table, source=str(p), first_line=first_line)


def from_table(table: pd.DataFrame, *, source: str = "<table>", first_line: int | None = None) -> CascadeData:
    """Validate a cascade table or a sizes table already in memory.

    ``first_line`` is the file line of the first row (2 for a CSV with a header);
    ``None`` names rows instead (row 1 is the first).
    """
    cols = [str(c).strip() for c in table.columns]
    table = table.copy()
    table.columns = cols
    if "cascade" in cols and "node" in cols or "delay_min" in cols:
        return _tree_table(table, source, first_line)
    size_cols = [c for c in cols if c in SIZE_COLUMNS]
    if size_cols:
        return _size_table(table, size_cols[0], source, first_line)
    missing = [c for c in REQUIRED_COLUMNS if c not in cols]
    raise DataError(
        f"{source}: line 1: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
        f"(a cascade table needs cascade, node, delay_min and optionally parent; a sizes table "
        f"needs size, shares or distinct_retweeters); found {', '.join(cols) or 'no columns'}"
    )


# ---------------------------------------------------------------------------
# cascade table
# ---------------------------------------------------------------------------


def _where(source: str, first_line: int | None, row: int, column: str) -> str:
    at = f"line {first_line + row}" if first_line is not None else f"row {row + 1}"
    return f"{source}: {at}, column {column}"


def _numbers(table: pd.DataFrame, column: str, source: str, first_line: int | None, *,
             integer: bool, empty_ok: bool = False, empty_value: float = -1.0) -> np.ndarray:
    raw = table[column]
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        values = raw.to_numpy(dtype=float, na_value=np.nan)
        empty = np.isnan(values)
    else:
        text = raw.astype(str).str.strip()
        empty = (text == "").to_numpy() | raw.isna().to_numpy()
        values = pd.to_numeric(text.where(~empty, "nan"), errors="coerce").to_numpy(dtype=float)
        bad = np.isnan(values) & ~empty
        if bad.any():
            i = int(np.argmax(bad))
            raise DataError(f"{_where(source, first_line, i, column)}: expected a number, got {text.iloc[i]!r}")
    if empty.any():
        if not empty_ok:
            i = int(np.argmax(empty))
            raise DataError(f"{_where(source, first_line, i, column)}: empty value")
        values = np.where(empty, empty_value, values)
    bad = ~np.isfinite(values)
    if bad.any():
        i = int(np.argmax(bad))
        raise DataError(f"{_where(source, first_line, i, column)}: not a finite number ({values[i]})")
    if integer:
        bad = values != np.round(values)
        if bad.any():
            i = int(np.argmax(bad))
            raise DataError(f"{_where(source, first_line, i, column)}: expected an integer, got {values[i]:g}")
    return values


def _tree_table(table: pd.DataFrame, source: str, first_line: int | None) -> CascadeData:
    cols = list(table.columns)
    missing = [c for c in REQUIRED_COLUMNS if c not in cols]
    if missing:
        raise DataError(f"{source}: line 1: missing column{'s' if len(missing) > 1 else ''} "
                        f"{', '.join(missing)} (found {', '.join(cols)})")
    dup_cols = {c for c in cols if cols.count(c) > 1}
    if dup_cols:
        raise DataError(f"{source}: line 1: column {sorted(dup_cols)[0]} appears twice")
    if len(table) == 0:
        raise DataError(f"{source}: no rows")
    casc = table["cascade"].astype(str).str.strip()
    empty = (casc == "").to_numpy() | table["cascade"].isna().to_numpy()
    if empty.any():
        raise DataError(f"{_where(source, first_line, int(np.argmax(empty)), 'cascade')}: empty value")
    node = _numbers(table, "node", source, first_line, integer=True)
    if (node < 0).any():
        i = int(np.argmax(node < 0))
        raise DataError(f"{_where(source, first_line, i, 'node')}: must be >= 0, got {node[i]:g}")
    delay = _numbers(table, "delay_min", source, first_line, integer=False)
    if (delay < 0).any():
        i = int(np.argmax(delay < 0))
        raise DataError(f"{_where(source, first_line, i, 'delay_min')}: must be >= 0 (minutes since "
                        f"the original post), got {delay[i]:g}")
    has_parent = "parent" in cols
    parent = None
    if has_parent:
        parent = _numbers(table, "parent", source, first_line, integer=True, empty_ok=True)
        if (parent < -1).any():
            i = int(np.argmax(parent < -1))
            raise DataError(f"{_where(source, first_line, i, 'parent')}: must be a node (>= 0), or empty "
                            f"or -1 for the original post, got {parent[i]:g}")

    df = pd.DataFrame({"cascade": casc.to_numpy(), "node": node.astype(np.int64)})
    if has_parent:
        df["parent"] = parent.astype(np.int64)
    df["delay_min"] = delay
    for c in cols:
        if c not in ("cascade", "node", "parent", "delay_min"):
            df[c] = table[c].to_numpy()
    df["_row"] = np.arange(len(df))

    dup = df.duplicated(["cascade", "node"]).to_numpy()
    if dup.any():
        i = int(np.argmax(dup))
        raise DataError(f"{_where(source, first_line, i, 'node')}: node {node[i]:g} appears twice in "
                        f"cascade {casc.iloc[i]}")
    is0 = df["node"].to_numpy() == 0
    have0 = set(df.loc[is0, "cascade"])
    no0 = ~df["cascade"].isin(have0).to_numpy()
    if no0.any():
        i = int(np.argmax(no0))
        raise DataError(f"{_where(source, first_line, i, 'cascade')}: cascade {casc.iloc[i]} has no node 0 "
                        "(the original post)")
    bad = is0 & (delay != 0)
    if bad.any():
        i = int(np.argmax(bad))
        raise DataError(f"{_where(source, first_line, i, 'delay_min')}: node 0 is the original post and "
                        f"must have delay 0, got {delay[i]:g}")
    if has_parent:
        bad = is0 & (parent != -1)
        if bad.any():
            i = int(np.argmax(bad))
            raise DataError(f"{_where(source, first_line, i, 'parent')}: node 0 is the original post; its "
                            f"parent must be empty or -1, got {parent[i]:g}")
        bad = ~is0 & (parent == -1)
        if bad.any():
            i = int(np.argmax(bad))
            raise DataError(f"{_where(source, first_line, i, 'parent')}: only node 0 (the original post) "
                            f"may have no parent; node {node[i]:g} has none")
        bad = parent == node
        if bad.any():
            i = int(np.argmax(bad))
            raise DataError(f"{_where(source, first_line, i, 'parent')}: node {node[i]:g} is its own parent")
        # parent must exist in the same cascade
        key = pd.MultiIndex.from_arrays([df["cascade"], df["node"]])
        pkey = pd.MultiIndex.from_arrays([df["cascade"], df["parent"]])
        pos = key.get_indexer(pkey)
        bad = (pos < 0) & ~is0
        if bad.any():
            i = int(np.argmax(bad))
            raise DataError(f"{_where(source, first_line, i, 'parent')}: node {parent[i]:g} is not a node of "
                            f"cascade {casc.iloc[i]}")
        bad = ~is0 & (delay[np.maximum(pos, 0)] > delay)
        if bad.any():
            i = int(np.argmax(bad))
            raise DataError(f"{_where(source, first_line, i, 'parent')}: node {node[i]:g} (delay {delay[i]:g} min) "
                            f"is shared from node {parent[i]:g}, posted later ({delay[pos[i]]:g} min)")
        # equal delays could still hide a cycle: follow parents to the root
        up = np.where(is0, np.arange(len(df)), pos)
        cur = up.copy()
        for _ in range(64):
            nxt = up[cur]
            if np.array_equal(nxt, cur):
                break
            cur = up[nxt]
        if not is0[cur].all():
            i = int(np.argmax(~is0[cur]))
            raise DataError(f"{_where(source, first_line, i, 'parent')}: node {node[i]:g} of cascade "
                            f"{casc.iloc[i]} does not lead back to node 0 (a cycle)")
    df = df.sort_values(["cascade", "delay_min", "node"], kind="stable").drop(columns="_row")
    df = df.reset_index(drop=True)
    sizes = df.groupby("cascade", sort=False).size().rename("size")
    notes = [] if has_parent else ["no parent column: timing-only data (no tree statistics)"]
    return CascadeData(df, sizes, source, None, notes)


def _size_table(table: pd.DataFrame, column: str, source: str, first_line: int | None) -> CascadeData:
    if len(table) == 0:
        raise DataError(f"{source}: no rows")
    values = _numbers(table, column, source, first_line, integer=True)
    add = SIZE_COLUMNS[column]
    low = values + add < 1
    if low.any():
        i = int(np.argmax(low))
        raise DataError(f"{_where(source, first_line, i, column)}: must be >= {1 - add}, got {values[i]:g}")
    ids = table.iloc[:, 0].astype(str).to_numpy() if table.columns[0] != column else np.arange(len(table)).astype(str)
    if "cascade" in table.columns:
        ids = table["cascade"].astype(str).to_numpy()
    sizes = pd.Series((values + add).astype(np.int64), index=pd.Index(ids, name="cascade"), name="size")
    notes = [f"sizes only (column {column}{', size = value + 1' if add else ''}): no timing or tree statistics"]
    return CascadeData(None, sizes, source, None, notes)


# ---------------------------------------------------------------------------
# Weibo DeepHawkes
# ---------------------------------------------------------------------------


def _has_header(p: Path) -> bool:
    import gzip

    opener = gzip.open if p.name.lower().endswith(".gz") else open
    try:
        with opener(p, "rt", encoding="utf-8") as f:
            first = f.readline()
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{p}: cannot read ({_first_line(exc)})") from exc
    return "cascade" in first.lower().split("\t")[0] or "delay_min" in first


def _load_weibo(p: Path) -> CascadeData:
    import gzip

    opener = gzip.open if p.name.lower().endswith(".gz") else open
    rows: list[tuple[str, int, int, float]] = []
    start_hour: dict[str, float] = {}
    repeats = 0
    self_shares = 0
    seen_ids: set[str] = set()
    try:
        with opener(p, "rt", encoding="utf-8") as f:
            for lineno, line in enumerate(f, start=1):
                line = line.rstrip("\r\n")
                if not line.strip():
                    continue
                parts = line.split("\t")
                if len(parts) != 5:
                    raise DataError(f"{p}: line {lineno}: expected 5 tab-separated columns (id, root user, "
                                    f"publish time, size, paths), found {len(parts)}")
                cid, root, pub, _size, paths = (x.strip() for x in parts)
                if not cid:
                    raise DataError(f"{p}: line {lineno}, column 1 (id): empty")
                if cid in seen_ids:
                    raise DataError(f"{p}: line {lineno}, column 1 (id): cascade {cid} appears twice")
                seen_ids.add(cid)
                try:
                    t0 = int(pub)
                except ValueError:
                    raise DataError(f"{p}: line {lineno}, column 3 (publish time): expected unix seconds, "
                                    f"got {pub!r}") from None
                first: dict[str, tuple[int, str | None]] = {}
                for k, item in enumerate(paths.split(), start=1):
                    chain, sep, secs = item.rpartition(":")
                    try:
                        s = int(secs)
                    except ValueError:
                        s = -1
                    if not sep or not chain or s < 0:
                        raise DataError(f"{p}: line {lineno}, column 5 (paths), path {k}: expected "
                                        f"u1/u2/...:seconds, got {item[:40]!r}")
                    users = chain.split("/")
                    collapsed = [u for i, u in enumerate(users) if i == 0 or u != users[i - 1]]
                    if len(collapsed) < len(users):  # a user resharing their own post
                        self_shares += 1
                        users = collapsed
                    if users[0] != root:
                        raise DataError(f"{p}: line {lineno}, column 5 (paths), path {k}: starts at user "
                                        f"{users[0]}, not at the root user {root}")
                    me, par = users[-1], (users[-2] if len(users) > 1 else None)
                    if me in first:
                        repeats += 1
                        if s >= first[me][0]:
                            continue
                    first[me] = (s, par)
                if root not in first:
                    raise DataError(f"{p}: line {lineno}, column 5 (paths): no path for the root user {root}")
                if first[root][0] != 0 or first[root][1] is not None:
                    raise DataError(f"{p}: line {lineno}, column 5 (paths): the root user's path must be "
                                    f"'{root}:0'")
                order = sorted(first, key=lambda u: (first[u][0], u != root))
                ids = {u: i for i, u in enumerate(order)}
                for u in order:
                    s, par = first[u]
                    if par is not None and par not in ids:
                        raise DataError(f"{p}: line {lineno}, column 5 (paths): user {u} shared from {par}, "
                                        "who is not in the cascade")
                    if par is not None and first[par][0] > s:
                        raise DataError(f"{p}: line {lineno}, column 5 (paths): user {u} ({s} s) shared from "
                                        f"{par}, who shared later ({first[par][0]} s)")
                    rows.append((cid, ids[u], -1 if par is None else ids[par], s / 60.0))
                # Beijing time (UTC+8): the hour of day of the original post
                start_hour[cid] = ((t0 + 8 * 3600) % 86400) / 3600.0
    except UnicodeDecodeError as exc:
        raise DataError(f"{p}: not UTF-8 text ({_first_line(exc)})") from exc
    if not rows:
        raise DataError(f"{p}: no cascades")
    df = pd.DataFrame(rows, columns=["cascade", "node", "parent", "delay_min"])
    # the same checks as the table format (cycles, parents posted later...)
    data = _tree_table(df, f"{p} (as a cascade table)", None)
    data.start_hour = pd.Series(start_hour, name="start_hour").loc[data.sizes.index]
    data.notes = ["Weibo DeepHawkes format; start hours in Beijing time (UTC+8)"]
    if repeats:
        data.notes.append(f"{repeats} repeated appearances of a user in a cascade counted once, at the earliest time")
    if self_shares:
        data.notes.append(f"{self_shares} paths where a user reshared their own post: the repeat is dropped")
    return data


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
