"""Expanding swept parameters into the points of a design.

* ``grid``: the Cartesian product of every list and range, the first
  ``--param`` varying slowest. ``n = ∏ len(values)``.
* ``lhs``: ``N`` Latin-hypercube samples of the bounds (SALib).
* ``sobol``: Saltelli's scheme for Sobol indices (SALib): ``N·(2D+2)`` rows for
  D ≥ 2 parameters with bounds (first, second and total order), ``N·(D+2)`` for one;
  ``N`` must be a power of two.
* ``morris``: ``N`` trajectories of ``D+1`` rows on a ``levels``-level grid (SALib).

Fixed values (a single value) are set at every point. Integer parameters are
sampled uniformly over the integers ``lo..hi``.

A **point** is one distinct set of overrides; its id is a hash of them
(:func:`point_id`), stable across runs, machines and executors: it names the
point's part file, so a resumed sweep skips it and a re-run overwrites it with the
same numbers. Sampled designs can repeat a point (integer parameters); a design
*row* then refers to a point computed once.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.rng import child_seed_sequence
from sim.sweep.spec import METHODS, ParamSpec, SweepSpecError, canonical_json

__all__ = ["Design", "build_design", "design_seed", "point_id", "sample_count"]

#: Most points a design may have.
MAX_POINTS = 10_000_000


def point_id(overrides: dict[str, Any]) -> str:
    """16 hex digits identifying a point: a hash of its overrides (key order ignored)."""
    text = canonical_json(overrides)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def design_seed(seed: int, purpose: str = "design") -> int:
    """A 32-bit seed for SALib, derived from the sweep's root seed."""

    return int(child_seed_sequence(int(seed), f"sweep-{purpose}").generate_state(1)[0])


@dataclass
class Design:
    """The rows of a design and the distinct points they use.

    Attributes
    ----------
    method : str
        ``grid``, ``lhs``, ``sobol`` or ``morris``.
    params : list of ParamSpec
        The swept parameters, in command-line order.
    table : pandas.DataFrame
        One row per design row: ``row``, ``point`` (index of the distinct point,
        in order of first appearance), ``point_id`` and one column per parameter.
    problem : dict or None
        The SALib problem (names and bounds of the sampled parameters).
    X : numpy.ndarray or None
        SALib's sample (rows of ``table``, sampled parameters, before rounding
        integers), which the Morris analysis needs.
    """

    method: str
    params: list[ParamSpec]
    table: pd.DataFrame
    problem: dict[str, Any] | None = None
    X: np.ndarray | None = None
    samples: int | None = None
    levels: int | None = None
    overrides: list[dict[str, Any]] | None = None

    @property
    def n_rows(self) -> int:
        """Design rows (SALib's sample size)."""
        return len(self.table)

    @property
    def n_points(self) -> int:
        """Distinct points (what is run)."""
        return int(self.table["point"].max()) + 1 if len(self.table) else 0

    @property
    def keys(self) -> list[str]:
        """Parameter columns."""
        return [p.key for p in self.params]

    @property
    def swept(self) -> list[str]:
        """Parameters that vary (not fixed)."""
        return [p.key for p in self.params if not p.fixed]

    def points(self) -> Iterator[tuple[int, str, dict[str, Any]]]:
        """``(point, point_id, overrides)`` of each distinct point, in order."""
        first = self.table.drop_duplicates("point").sort_values("point")
        for p, pid in zip(first["point"].tolist(), first["point_id"].tolist(), strict=True):
            yield int(p), str(pid), dict(self.overrides[p])

    def point_values(self) -> pd.DataFrame:
        """One row per distinct point: ``point``, ``point_id`` and the parameter columns."""
        return (
            self.table.drop_duplicates("point").sort_values("point").drop(columns="row")
            .reset_index(drop=True)
        )  # fmt: skip


def sample_count(method: str, n_bounds: int, samples: int) -> int:
    """Design rows of a sampled design with ``n_bounds`` parameters."""
    if method == "lhs":
        return samples
    if method == "sobol":
        return samples * (2 * n_bounds + 2 if n_bounds >= 2 else n_bounds + 2)
    if method == "morris":
        return samples * (n_bounds + 1)
    raise ValueError(method)


def build_design(
    params: Sequence[ParamSpec],
    method: str = "grid",
    *,
    samples: int | None = None,
    levels: int = 4,
    seed: int = 0,
) -> Design:
    """Expand ``params`` into a :class:`Design`.

    Parameters
    ----------
    params : list of ParamSpec
        Checked parameters (see :func:`sim.sweep.spec.resolve_specs`).
    method : {"grid", "lhs", "sobol", "morris"}
    samples : int, optional
        Required by the sampled methods: LHS points, Sobol base size ``N`` (a power
        of two), Morris trajectories.
    levels : int, default 4
        Morris grid levels (even, ≥ 2).
    seed : int
        The sweep's root seed; the sample is a pure function of it.

    Raises
    ------
    SweepSpecError
        Missing or unusable ``samples``, too many points.
    """
    params = list(params)
    if method not in METHODS:
        raise SweepSpecError(f"--method {method!r} is not one of {', '.join(METHODS)}")
    if method == "grid":
        if samples is not None:
            raise SweepSpecError("--samples is for --method lhs, sobol and morris, not grid")
        return _grid(params)
    if samples is None:
        raise SweepSpecError(f"--method {method} needs --samples N")
    if samples < 1 or isinstance(samples, bool):
        raise SweepSpecError(f"--samples {samples} must be a positive integer")
    if method == "sobol" and samples & (samples - 1):
        lo = 1 << (samples.bit_length() - 1)
        raise SweepSpecError(
            f"--samples {samples}: Sobol sequences need a power of two (e.g. {lo} or {2 * lo})"
        )
    if method == "morris" and (levels < 2 or levels % 2):
        raise SweepSpecError(f"--levels {levels}: Morris needs an even number of levels >= 2")
    return _sampled(params, method, samples, levels, seed)


def _rows_to_table(
    params: list[ParamSpec], rows: Sequence[dict[str, Any]]
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    ids: dict[str, int] = {}
    pts, pids, unique = [], [], []
    for r in rows:
        pid = point_id(r)
        if pid not in ids:
            ids[pid] = len(ids)
            unique.append(r)
        pts.append(ids[pid])
        pids.append(pid)
    table = pd.DataFrame(
        {"row": np.arange(len(rows), dtype=np.int64), "point": np.asarray(pts, dtype=np.int64),
         "point_id": pids}
    )  # fmt: skip
    for p in params:
        table[p.key] = column([r[p.key] for r in rows])
    return table, unique


def column(values: Sequence[Any]) -> pd.Series:
    """A column of parameter values with one dtype: int, float, bool or string.

    Mixed numbers become floats; anything else that is not uniform (strings mixed
    with numbers, lists, tables) is written as its JSON text.
    """
    vals = list(values)
    kinds = {type(v) for v in vals}
    if kinds == {bool}:
        return pd.Series(vals, dtype=bool)
    if kinds <= {int} and kinds:
        return pd.Series(vals, dtype=np.int64)
    if kinds <= {int, float} and kinds:
        return pd.Series([float(v) for v in vals], dtype=np.float64)
    if kinds == {str}:
        return pd.Series(vals, dtype=object)
    return pd.Series([v if isinstance(v, str) else canonical_json(v) for v in vals], dtype=object)


def _grid(params: list[ParamSpec]) -> Design:
    n = math.prod(len(p.values) for p in params)
    if n > MAX_POINTS:
        raise SweepSpecError(f"the grid has {n:,} points (at most {MAX_POINTS:,}); sample it instead")
    keys = [p.key for p in params]
    rows = [dict(zip(keys, combo)) for combo in itertools.product(*(p.values for p in params))]
    table, unique = _rows_to_table(params, rows)
    return Design("grid", params, table, overrides=unique)


def _sampled(params: list[ParamSpec], method: str, samples: int, levels: int, seed: int) -> Design:
    bounded = [p for p in params if p.kind == "bounds"]
    d = len(bounded)
    n = sample_count(method, d, samples)
    if n > MAX_POINTS:
        raise SweepSpecError(f"the design has {n:,} rows (at most {MAX_POINTS:,}); lower --samples")
    bounds = []
    for p in bounded:
        # integers: sample [lo - 1/2, hi + 1/2) and round, so every integer is equally likely
        bounds.append([p.lo - 0.5, p.hi + 0.5] if p.integer else [float(p.lo), float(p.hi)])
    problem = {"num_vars": d, "names": [p.key for p in bounded], "bounds": bounds}
    rng_seed = design_seed(seed)
    if method == "lhs":
        from SALib.sample import latin

        X = latin.sample(problem, samples, seed=rng_seed)
    elif method == "sobol":
        from SALib.sample import sobol

        X = sobol.sample(problem, samples, calc_second_order=d >= 2, seed=rng_seed)
    else:
        from SALib.sample import morris

        X = morris.sample(problem, samples, num_levels=levels, seed=rng_seed)
    X = np.asarray(X, dtype=float)
    fixed = {p.key: p.values[0] for p in params if p.kind != "bounds"}
    rows = []
    for x in X:
        row: dict[str, Any] = {}
        j = 0
        for p in params:
            if p.kind == "bounds":
                v = x[j]
                j += 1
                row[p.key] = int(min(max(round(v), p.lo), p.hi)) if p.integer else float(v)
            else:
                row[p.key] = fixed[p.key]
        rows.append(row)
    table, unique = _rows_to_table(params, rows)
    return Design(
        method, params, table, problem=problem, X=X, samples=samples,
        levels=levels if method == "morris" else None, overrides=unique,
    )  # fmt: skip
