"""The folder of a sweep: results streamed to Parquet part files, resumable.

Layout of ``--out DIR``::

    sweep.json                   the scenario, parameter specs, method, seed... (the sweep's identity)
    design.parquet               one row per design row: row, point, point_id, parameters
    runs/                        the results, a Parquet dataset: pandas.read_parquet("DIR/runs")
        part-0-schema.parquet    no rows: the columns and types of the whole dataset
        part-<point_id>.parquet  one per finished point: one row per replicate
    sensitivity.csv/.json/.png   (sobol, morris) the indices
    heatmap-<metric>.png ...     figures

Every file is written to a hidden temporary name in the same folder, flushed to
disk and renamed over its final name: a part either exists whole or not at all, so
Ctrl-C, a crash or a killed worker never leaves half a point, and writing the same
point twice (a retried task, two resumes) replaces it with identical numbers.
Resuming lists ``runs/`` and skips every point whose part exists.

The empty ``part-0-schema.parquet`` sorts before every point's part, and pyarrow
takes a dataset's columns from its first file: so ``pandas.read_parquet`` sees
every column even when a later point added one (e.g. a cover-up's reach once a
swept strategy deletes posts). :func:`load_results` does not depend on that order.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import shutil
import uuid
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from sim.errors import BuzzsimError
from sim.run.processes import pid_alive

__all__ = ["RUNS_DIR", "SWEEP_JSON", "SweepStore", "load_results", "read_sweep_json"]

SWEEP_JSON = "sweep.json"
DESIGN = "design.parquet"
RUNS_DIR = "runs"
SCHEMA_PART = "part-0-schema.parquet"
LOCK = ".lock"
_PART_RE = re.compile(r"^part-([0-9a-f]{16})\.parquet$")
#: Columns every part starts with; then the parameters, replicate, seed and metrics.
ID_COLUMNS = ("point", "point_id")


def _atomic_write(path: Path, write: Any) -> None:
    """Call ``write(tmp_path)``, flush it to disk, rename it to ``path``."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        write(tmp)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _write_text(path: Path, text: str) -> None:
    _atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def jsonable(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if hasattr(obj, "item") and not isinstance(obj, (str, bytes)):
        return jsonable(obj.item())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, Path):
        return str(obj)
    return obj


def read_sweep_json(folder: str | Path) -> dict[str, Any]:
    """The ``sweep.json`` of a sweep folder.

    Raises
    ------
    BuzzsimError
        If the folder holds no sweep or the file is unreadable.
    """
    path = Path(folder) / SWEEP_JSON
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BuzzsimError(f"{folder} is not a sweep folder (no {SWEEP_JSON})") from None
    except (OSError, ValueError) as exc:
        raise BuzzsimError(f"cannot read {path}: {exc}") from None


class SweepStore:
    """Reading and writing one sweep folder (see the module docstring).

    Parameters
    ----------
    folder : path
        The sweep folder (``--out``).
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.runs = self.folder / RUNS_DIR
        self._schema: pa.Schema | None = None
        self._lock_fd: int | None = None

    # --- the folder ---------------------------------------------------------

    def is_sweep(self) -> bool:
        """Whether the folder holds a sweep (a ``sweep.json``)."""
        return (self.folder / SWEEP_JSON).is_file()

    def prepare(self, *, resume: bool, force: bool) -> bool:
        """Create the folder or check it can be resumed; returns True when resuming.

        A new sweep needs a missing or empty folder; ``force`` replaces an existing
        *sweep* folder (never an unrelated non-empty folder). ``resume`` continues
        the sweep in the folder, or starts one if there is none.
        """
        f = self.folder
        if f.exists() and not f.is_dir():
            raise BuzzsimError(f"--out {f} is a file, not a folder")
        if resume and self.is_sweep():
            return True
        if f.is_dir() and any(p.name != LOCK for p in f.iterdir()):
            if not self.is_sweep():
                raise BuzzsimError(
                    f"--out {f} exists, is not empty and holds no sweep; choose another folder"
                )
            if not force:
                raise BuzzsimError(
                    f"--out {f} already holds a sweep; add --resume to continue it "
                    "or --force to start it again from nothing"
                )
            self.lock()
            for p in f.iterdir():
                if p.name == LOCK:
                    continue
                if p.is_dir() and not p.is_symlink():
                    shutil.rmtree(p)
                else:
                    p.unlink()
        try:
            self.runs.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BuzzsimError(f"cannot create {self.runs}: {exc.strerror or exc}") from None
        if not os.access(f, os.W_OK):
            raise BuzzsimError(f"cannot write to {f}: permission denied")
        return False

    def lock(self) -> None:
        """Hold the folder's lock (released when this process ends).

        Raises
        ------
        BuzzsimError
            If another process is writing this sweep.
        """
        if self._lock_fd is not None:
            return
        import fcntl

        self.folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.folder / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise BuzzsimError(
                f"another buzzsim sweep is writing to {self.folder}; wait for it or stop it"
            ) from None
        self._lock_fd = fd

    def unlock(self, *, remove: bool = False) -> None:
        """Release the lock; ``remove``: delete the lock file too (a finished sweep)."""
        if remove and self._lock_fd is not None:
            with contextlib.suppress(OSError):
                (self.folder / LOCK).unlink()  # still held: nobody can take it in between
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    # --- sweep.json and the design ------------------------------------------

    def write_meta(self, meta: Mapping[str, Any]) -> None:
        """Write ``sweep.json`` atomically."""
        text = json.dumps(jsonable(meta), indent=2, ensure_ascii=False, allow_nan=False)
        _write_text(self.folder / SWEEP_JSON, text + "\n")

    def read_meta(self) -> dict[str, Any]:
        """Read ``sweep.json``."""
        return read_sweep_json(self.folder)

    def write_design(self, table: pd.DataFrame) -> None:
        """Write ``design.parquet`` atomically."""
        tbl = pa.Table.from_pandas(table, preserve_index=False)
        _atomic_write(self.folder / DESIGN, lambda tmp: pq.write_table(tbl, tmp))

    def read_design(self) -> pd.DataFrame | None:
        """``design.parquet``, or None if it was never written."""
        path = self.folder / DESIGN
        if not path.is_file():
            return None
        return pq.read_table(path).to_pandas()

    def write_text(self, name: str, text: str) -> Path:
        """Write a text file into the folder atomically."""
        path = self.folder / name
        _write_text(path, text)
        return path

    # --- parts ---------------------------------------------------------------

    def done_ids(self) -> set[str]:
        """Ids of the points whose part exists; removes stale temporary files."""
        out: set[str] = set()
        if not self.runs.is_dir():
            return out
        with os.scandir(self.runs) as it:
            for e in it:
                m = _PART_RE.match(e.name)
                if m:
                    if e.stat().st_size > 0:
                        out.add(m.group(1))
                elif e.name.startswith(".") and e.name.endswith(".tmp") and not _writer_alive(e.name):
                    with contextlib.suppress(OSError):
                        os.unlink(e.path)
        return out

    def part_path(self, pid: str) -> Path:
        """Where the part of point ``pid`` lives."""
        return self.runs / f"part-{pid}.parquet"

    def schema(self) -> pa.Schema | None:
        """The dataset's columns: the schema part, else the union of the parts."""
        if self._schema is None:
            p = self.runs / SCHEMA_PART
            if p.is_file():
                self._schema = pq.read_schema(p).remove_metadata()
            else:
                files = sorted(self.runs.glob("part-*.parquet")) if self.runs.is_dir() else []
                if files:
                    self._schema = _unify([pq.read_schema(f).remove_metadata() for f in files])
        return self._schema

    def write_part(self, pid: str, rows: Sequence[Mapping[str, Any]], types: Mapping[str, pa.DataType]) -> Path:
        """Write one point's rows (one per replicate) as ``part-<pid>.parquet``.

        Parameters
        ----------
        pid : str
            The point's id.
        rows : list of dict
            Column -> value; every row has the same keys, in column order.
        types : dict
            Arrow types of the parameter columns (so every part agrees on them).
        """
        table = _table(rows, types)
        old = self.schema()
        schema = table.schema if old is None else _unify([old, table.schema])
        if old is None or not schema.equals(old):
            # the schema part first: a crash in between leaves an extra column, not a lost one
            _atomic_write(self.runs / SCHEMA_PART, lambda tmp: pq.write_table(schema.empty_table(), tmp))
            self._schema = schema
        table = _conform(table, schema)
        path = self.part_path(pid)
        _atomic_write(path, lambda tmp: pq.write_table(table, tmp))
        return path

    def load_results(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """Every finished row, sorted by point and replicate (see :func:`load_results`)."""
        schema = self.schema()
        if schema is None:
            return pd.DataFrame()
        files = [str(p) for p in sorted(self.runs.glob("part-*.parquet"))]
        dataset = pads.dataset(files, schema=schema, format="parquet")
        df = dataset.to_table(columns=list(columns) if columns else None).to_pandas()
        keys = [c for c in ("point", "replicate") if c in df.columns]
        if keys:
            df = df.sort_values(keys, kind="stable").reset_index(drop=True)
        return df


def _writer_alive(name: str) -> bool:
    """Whether the process that is writing temporary file ``name`` still runs."""
    m = re.match(r"^\..*\.(\d+)\.[0-9a-f]{8}\.tmp$", name)
    if not m:
        return False
    pid = int(m.group(1))
    return pid == os.getpid() or pid_alive(pid)


def _table(rows: Sequence[Mapping[str, Any]], types: Mapping[str, pa.DataType]) -> pa.Table:
    names = list(rows[0].keys())
    cols = []
    for n in names:
        vals = [r.get(n) for r in rows]
        typ = types.get(n)
        if typ is not None:
            cols.append(pa.array(vals, type=typ))
        else:
            cols.append(_infer(vals))
    return pa.table(cols, names=names)


def _infer(vals: list[Any]) -> pa.Array:
    kinds = {type(v) for v in vals if v is not None}
    if kinds and kinds <= {int, float} and kinds != {int}:
        return pa.array([None if v is None else float(v) for v in vals], type=pa.float64())
    try:
        return pa.array(vals)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else str(v) for v in vals], type=pa.string())


def _unify(schemas: Iterable[pa.Schema]) -> pa.Schema:
    schemas = list(schemas)
    try:
        return pa.unify_schemas(schemas, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        # the same column with incompatible types in two parts: keep it as text
        fields: dict[str, pa.DataType] = {}
        for s in schemas:
            for f in s:
                old = fields.get(f.name)
                if old is None or pa.types.is_null(old):
                    fields[f.name] = f.type
                elif not pa.types.is_null(f.type) and old != f.type:
                    try:
                        fields[f.name] = pa.unify_schemas(
                            [pa.schema([(f.name, old)]), pa.schema([(f.name, f.type)])],
                            promote_options="permissive",
                        ).field(0).type
                    except (pa.ArrowInvalid, pa.ArrowTypeError):
                        fields[f.name] = pa.string()
        return pa.schema(list(fields.items()))


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` with ``schema``'s columns: missing ones null, types cast."""
    cols = []
    for f in schema:
        if f.name in table.column_names:
            col = table.column(f.name)
            if col.type != f.type:
                col = col.cast(f.type) if not pa.types.is_string(f.type) else pa.array(
                    [None if v is None else str(v) for v in col.to_pylist()], type=f.type
                )
            cols.append(col)
        else:
            cols.append(pa.nulls(table.num_rows, type=f.type))
    return pa.table(cols, schema=schema)


def load_results(folder: str | Path, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """The results of a sweep (finished or not), one row per point × replicate.

    Parameters
    ----------
    folder : path
        The sweep folder (``--out``), or its ``runs/`` dataset.
    columns : list of str, optional
        Read only these columns.

    Returns
    -------
    pandas.DataFrame
        ``point``, ``point_id``, every parameter, ``replicate``, ``seed`` and every
        metric, sorted by point and replicate. ``pandas.read_parquet(folder/"runs")``
        gives the same rows in file order.
    """
    folder = Path(folder)
    if folder.name == RUNS_DIR and not (folder / SWEEP_JSON).exists():
        folder = folder.parent
    return SweepStore(folder).load_results(columns)
