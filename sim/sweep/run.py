"""Running a sweep: validate, expand, stream the points to disk, analyse, draw.

>>> from sim.sweep import run_sweep
>>> res = run_sweep(
...     "scenarios/crisis_response.toml",
...     ["crisis.approval_delay_h=1,4,8,24", "crisis.virality=0.8,1.2,1.6"],
...     replicates=5, out="results/delay_x_virality",
... )  # doctest: +SKIP
>>> res.results.groupby(["crisis.approval_delay_h", "crisis.virality"])["negative_reach"].mean()  # doctest: +SKIP

Every point runs the same replicate seeds, ``replicate_seeds(seed, R)[i]`` for
replicate ``i`` (common random numbers): two points differ by their parameters,
not by their luck. A point's rows are written as one part file as soon as its last
replicate finishes; see :mod:`sim.sweep.store` for the folder and resuming.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.analysis.stats import describe, metric_bounds
from sim.errors import BuzzsimError, ScenarioError
from sim.report.writer import new_run_id, package_versions, safe_name
from sim.rng import replicate_seeds
from sim.run.executors import check_scheduler, make_executor
from sim.run.progress import NoBar
from sim.run.replicates import SKIP, check_int, load_with_text, plain_scalar
from sim.scenario.variants import with_overrides
from sim.sweep import figures as F
from sim.sweep.design import Design, build_design
from sim.sweep.sensitivity import analyse_design
from sim.sweep.spec import ParamSpec, canonical_json, normalise_params, resolve_specs
from sim.sweep.store import SweepStore, jsonable

__all__ = ["SweepPlan", "SweepResult", "plan_sweep", "run_sweep"]

FORMAT = "buzzsim-sweep/1"
#: Designs up to this many points have every point validated before anything runs.
VALIDATE_ALL_UP_TO = 5000


@dataclass
class SweepPlan:
    """A checked sweep, ready to run (nothing written yet).

    Attributes
    ----------
    scenario : Scenario
        The base scenario with ``--seed`` and ``--replicates`` applied.
    params : list of ParamSpec
    design : Design
    seeds : list of int
        Replicate seeds, the same at every point.
    engine : str
    meta : dict
        What ``sweep.json`` records.
    sweep_id : str
        Hash of the sweep's identity (scenario, parameters, method, seed...).
    """

    scenario: Any
    params: list[ParamSpec]
    design: Design
    seeds: list[int]
    engine: str
    meta: dict[str, Any]
    sweep_id: str

    @property
    def replicates(self) -> int:
        """Replicates per point."""
        return len(self.seeds)


@dataclass
class SweepResult:
    """What :func:`run_sweep` did.

    Attributes
    ----------
    folder : Path
        The sweep folder.
    results : pandas.DataFrame
        Every row, sorted by point and replicate (see :func:`sim.sweep.load_results`).
    design : Design
    metrics : list of str
        The metrics analysed and drawn.
    sensitivity : pandas.DataFrame or None
        Sobol or Morris indices per metric and parameter.
    figures : dict
        File name -> path.
    points_total, points_run, points_skipped : int
        Points of the design, computed now, found finished (resume).
    """

    folder: Path
    sweep_id: str
    results: pd.DataFrame
    design: Design
    metrics: list[str]
    sensitivity: pd.DataFrame | None
    figures: dict[str, Path]
    points_total: int
    points_run: int
    points_skipped: int
    executor: str
    wall_time_s: float
    resumed: bool
    notes: list[str] = field(default_factory=list)
    replicates: int = 1


# ---------------------------------------------------------------------------
# Planning
# ---------------------------------------------------------------------------


def plan_sweep(
    scenario: Any,
    params: Mapping[str, Any] | Sequence[str] | Sequence[ParamSpec],
    *,
    method: str = "grid",
    samples: int | None = None,
    levels: int = 4,
    replicates: int | None = None,
    seed: int | None = None,
    engine: str | None = None,
) -> SweepPlan:
    """Check a sweep and expand its design without running or writing anything.

    Raises
    ------
    BuzzsimError
        The first problem, in one line: a bad scenario, key, value, method or
        sample size, or a point whose combination of values is invalid.
    """

    scn, text, source = load_with_text(scenario)
    over: dict[str, Any] = {}
    if seed is not None:
        over["run.seed"] = check_int("seed", seed, 0)
    if replicates is not None:
        over["run.replicates"] = check_int("replicates", replicates, 1)
    if over:
        scn = with_overrides(scn, over)
    if engine is not None and engine not in ("fast", "reference"):
        raise BuzzsimError(f"engine = {engine!r} is not allowed; expected 'fast' or 'reference'")
    engine = engine or scn.run.engine
    if levels is None:
        levels = 4
    specs = resolve_specs(scn, normalise_params(params), method)
    design = build_design(specs, method, samples=samples, levels=levels, seed=scn.run.seed)
    if design.n_points <= VALIDATE_ALL_UP_TO:
        for pi, _pid, ov in design.points():
            point_scenario(scn, pi, ov)
    seeds = replicate_seeds(scn.run.seed, scn.run.replicates)
    resolved = scn.model_dump(mode="json", exclude={"variants"})
    meta: dict[str, Any] = {
        "format": FORMAT,
        "scenario": {"name": scn.name, "source": source, "text": text, "resolved": resolved},
        "params": [p.to_json() for p in specs],
        "method": method,
        "samples": samples if method != "grid" else None,
        "levels": levels if method == "morris" else None,
        "seed": int(scn.run.seed),
        "replicates": int(scn.run.replicates),
        "seeds": seeds,
        "engine": engine,
        "design": {"rows": design.n_rows, "points": design.n_points},
    }
    meta = json.loads(json.dumps(jsonable(meta), allow_nan=False))  # as read back from sweep.json
    sid = sweep_id(meta)
    meta["sweep_id"] = sid
    return SweepPlan(scn, specs, design, seeds, engine, meta, sid)


#: The fields of ``sweep.json`` that identify a sweep (what --resume compares).
IDENTITY = ("method", "samples", "levels", "seed", "replicates", "engine", "params", "scenario")


def identity(meta: Mapping[str, Any]) -> dict[str, Any]:
    """The part of ``sweep.json`` that must match for ``--resume``.

    The scenario's resolved parameters count, not its text, name or description;
    the parameters' values count, not how they were written (``1,2`` = ``1, 2``).
    """
    out: dict[str, Any] = {}
    for k in IDENTITY:
        v = meta.get(k)
        if k == "scenario":
            v = {
                kk: vv for kk, vv in (v or {}).get("resolved", {}).items()
                if kk not in ("name", "description")
            }  # fmt: skip
        elif k == "params":
            v = [{kk: vv for kk, vv in p.items() if kk != "spec"} for p in v or []]
        out[k] = v
    return out


def sweep_id(meta: Mapping[str, Any]) -> str:
    """16 hex digits: a hash of the sweep's :func:`identity`."""
    import hashlib


    text = canonical_json(identity(meta))
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def point_scenario(base: Any, index: int, overrides: Mapping[str, Any]) -> Any:
    """The validated scenario of one point (one line naming the point if invalid)."""

    try:
        return with_overrides(base, overrides)
    except ScenarioError as exc:
        desc = ", ".join(f"{k}={v!r}" for k, v in overrides.items())
        raise BuzzsimError(f"point {index} ({desc}) is not a valid scenario: {exc}") from None


def _first_difference(a: Any, b: Any, path: str = "") -> str | None:
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        for k in list(a) + [k for k in b if k not in a]:
            d = _first_difference(a.get(k), b.get(k), f"{path}.{k}" if path else str(k))
            if d:
                return d
        return None
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            d = _first_difference(x, y, f"{path}.{i}" if path else str(i))
            if d:
                return d
        return None
    if a != b:
        return f"{path}: {_short(a)} there, {_short(b)} now"
    return None


def _short(v: Any) -> str:
    s = json.dumps(v, ensure_ascii=False)
    return s if len(s) <= 60 else s[:57] + "..."


def _check_resumable(old: Mapping[str, Any], new: Mapping[str, Any], folder: Path) -> None:
    if old.get("format") != FORMAT:
        raise BuzzsimError(f"{folder}/sweep.json is not a {FORMAT} sweep; cannot resume it")
    a, b = identity(old), identity(new)
    if a == b:
        return
    diff = _first_difference(a, b) or "?"
    raise BuzzsimError(
        f"--out {folder} holds a different sweep ({diff}); resume it with the same "
        "scenario and options, or choose another --out"
    )


# ---------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------


def default_sweep_dir(name: str) -> Path:
    """``results/<scenario>/sweep-<YYYYmmdd-HHMMSS>-<6 hex>`` (not created)."""

    return Path("results") / safe_name(name) / f"sweep-{new_run_id()}"


def run_sweep(
    scenario: Any,
    params: Mapping[str, Any] | Sequence[str] | Sequence[ParamSpec],
    *,
    method: str = "grid",
    samples: int | None = None,
    levels: int = 4,
    replicates: int | None = None,
    seed: int | None = None,
    engine: str | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    out: str | Path | None = None,
    resume: bool = False,
    force: bool = False,
    metrics: Sequence[str] | None = None,
    figures: bool = True,
    progress: bool = True,
    callback: Callable[[int, int], None] | None = None,
    command: Sequence[str] | None = None,
    executor: Any = None,
    plan: SweepPlan | None = None,
    log: Callable[[str], None] | None = None,
) -> SweepResult:
    """Run a parameter sweep of a scenario, streaming every point to ``out``.

    Parameters
    ----------
    scenario : path, dict or Scenario
        The base scenario (its variants are ignored).
    params : list of "KEY=SPEC" or mapping
        The swept parameters (see :mod:`sim.sweep.spec`).
    method : {"grid", "lhs", "sobol", "morris"}
    samples : int, optional
        LHS points, Sobol base size N (a power of two; N·(2D+2) rows), Morris
        trajectories (N·(D+1) rows).
    levels : int, default 4
        Morris levels.
    replicates, seed, engine : optional
        As for ``buzzsim run`` (defaults from the scenario's ``[run]``).
    scheduler : str, optional
        ``processes`` (default), ``serial``, ``local`` (a dask LocalCluster on
        127.0.0.1) or ``tcp://HOST:PORT`` (a running dask scheduler).
    workers : int, optional
        Local processes or local dask workers (default: all cores; 1 = serial).
    out : path, optional
        The sweep folder (default ``results/<scenario>/sweep-<id>/``).
    resume : bool
        Continue the sweep in ``out``: finished points are not run again.
    force : bool
        Replace the sweep in ``out`` and start from nothing.
    metrics : list of str, optional
        Metrics for the sensitivity table and the figures (default:
        ``negative_reach`` with a crisis, else ``reach``). Every metric is stored.
    figures : bool
        Draw the figures.
    progress : bool
        A progress bar over points on stderr (when it is a terminal).
    callback : callable, optional
        ``callback(points_done, points_total)`` after each point is saved.
    command : list of str, optional
        The command line, recorded in ``sweep.json``.
    executor : optional
        An executor object (see :mod:`sim.run.executors`), instead of ``scheduler``.
    plan : SweepPlan, optional
        A plan from :func:`plan_sweep` (then ``scenario``, ``params``, ``method``,
        ``samples``, ``levels``, ``replicates``, ``seed`` and ``engine`` are ignored).
    log : callable, optional
        Called with a line of text about what is about to run.

    Returns
    -------
    SweepResult

    Raises
    ------
    BuzzsimError
        Bad input (before anything runs), an out folder in the way, or a run that
        failed. Finished points stay on disk in every case, also on Ctrl-C.
    """

    t0 = time.perf_counter()
    if plan is None:
        plan = plan_sweep(
            scenario, params, method=method, samples=samples, levels=levels,
            replicates=replicates, seed=seed, engine=engine,
        )  # fmt: skip
    scn, design = plan.scenario, plan.design
    metrics = list(metrics) if metrics else [default_metric(scn)]
    folder = Path(out) if out is not None else default_sweep_dir(scn.name)
    store = SweepStore(folder)
    # the executor first: a bad --scheduler, or one that does not answer, leaves nothing behind
    ex = executor
    if ex is None and check_scheduler(scheduler) not in ("serial", "processes"):
        ex = make_executor(scheduler, workers, prefix=f"buzzsim-{plan.sweep_id}")
    try:
        resumed = store.prepare(resume=resume, force=force)
        store.lock()
    except BaseException:
        if ex is not None and executor is None:
            ex.close()
        raise
    completed = False
    try:
        meta = dict(plan.meta)
        if resumed:
            old = store.read_meta()
            _check_resumable(old, meta, folder)
            stored = store.read_design()
            if stored is not None and stored["point_id"].tolist() != design.table["point_id"].tolist():
                raise BuzzsimError(
                    f"{folder}/design.parquet differs from the design computed now "
                    "(another SALib version?); cannot resume safely, use another --out"
                )
            meta["created"] = old.get("created")
        else:
            meta["created"] = _now()
        meta.update(
            status="running", command=list(command) if command else None,
            versions=package_versions(), updated=_now(),
        )  # fmt: skip
        store.write_meta(meta)
        if not resumed or store.read_design() is None:
            store.write_design(design.table)

        done = store.done_ids()
        todo = [p for p in design.points() if p[1] not in done]
        skipped = design.n_points - len(todo)
        if ex is None and todo:
            ex = make_executor(scheduler, workers, prefix=f"buzzsim-{plan.sweep_id}")
        if log is not None:
            R = plan.replicates
            head = f"{scn.name}: {design.method} of {design.n_points} point{'s' if design.n_points != 1 else ''}"
            if design.n_rows != design.n_points:
                head += f" ({design.n_rows} design rows)"
            head += f" × {R} replicate{'s' if R != 1 else ''}"
            if skipped:
                head += f"; resuming, {skipped} point{'s' if skipped != 1 else ''} already done"
            if todo:
                log(f"{head}; running {len(todo) * R} runs {ex.describe()} into {folder}/")
            else:
                log(f"{head}; nothing left to run in {folder}/")
        if todo:
            _stream(plan, store, ex, todo, skipped, metrics, progress, callback)
        meta.update(status="complete", updated=_now())
        store.write_meta(meta)
        completed = True
        where = ex.describe() if ex is not None else "nothing to run"
    except BaseException:
        if ex is not None and executor is None:
            ex.abort()
            ex = None
        raise
    finally:
        if ex is not None and executor is None:
            ex.close()
        store.unlock(remove=completed)  # a finished sweep leaves no .lock behind

    results = store.load_results()
    notes: list[str] = []
    expected = design.n_points * plan.replicates
    if len(results) != expected:  # pragma: no cover - a bug, not a user error
        notes.append(f"expected {expected} rows, found {len(results)}")
    _check_metrics(metrics, results.columns)
    sens, figs = None, {}
    if design.method in ("sobol", "morris"):

        sens, more = analyse_design(design, results, metrics, seed=plan.meta["seed"])
        notes += more
        store.write_text("sensitivity.csv", sens.to_csv(index=False))
        store.write_text(
            "sensitivity.json",
            json.dumps(
                {"method": design.method, "conf_level": 0.95,
                 "indices": json.loads(sens.to_json(orient="records"))},
                indent=2,
            ) + "\n",
        )  # fmt: skip
    if figures:
        figs, more = draw_figures(folder, design, results, metrics, sens)
        notes += more
    return SweepResult(
        folder=folder, sweep_id=plan.sweep_id, results=results, design=design, metrics=metrics,
        sensitivity=sens, figures=figs, points_total=design.n_points,
        points_run=design.n_points - skipped, points_skipped=skipped, executor=where,
        wall_time_s=time.perf_counter() - t0, resumed=resumed, notes=notes,
        replicates=plan.replicates,
    )  # fmt: skip


def default_metric(scn: Any) -> str:
    """``negative_reach`` for a scenario with a crisis, else ``reach``."""
    return "negative_reach" if getattr(scn, "crisis", None) is not None else "reach"


def _check_metrics(metrics: Sequence[str], available: Any) -> None:
    import difflib

    avail = [c for c in available if c not in ("point", "point_id", "replicate", "seed")]
    for m in metrics:
        if m not in avail:
            close = difflib.get_close_matches(m, avail, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise BuzzsimError(
                f"--metric {m} is not a metric of this scenario{hint}; "
                f"metrics: {', '.join(a for a in avail if '.' not in a)}"
            )


def _now() -> str:
    return _dt.datetime.now().astimezone().isoformat(timespec="seconds")


def _arrow_types(design: Design) -> dict[str, Any]:
    import pyarrow as pa

    out: dict[str, Any] = {"point": pa.int64(), "point_id": pa.string(), "replicate": pa.int64(),
                           "seed": pa.int64()}  # fmt: skip
    for k in design.keys:
        dt = design.table[k].dtype
        if pd.api.types.is_bool_dtype(dt):
            out[k] = pa.bool_()
        elif pd.api.types.is_integer_dtype(dt):
            out[k] = pa.int64()
        elif pd.api.types.is_float_dtype(dt):
            out[k] = pa.float64()
        else:
            out[k] = pa.string()
    return out


def _stream(
    plan: SweepPlan,
    store: SweepStore,
    ex: Any,
    todo: list[tuple[int, str, dict[str, Any]]],
    skipped: int,
    metrics: Sequence[str],
    progress: bool,
    callback: Callable[[int, int], None] | None,
) -> None:

    design = plan.design
    R = plan.replicates
    values = design.point_values().set_index("point")
    keys = design.keys
    types = _arrow_types(design)
    ids = {pi: pid for pi, pid, _ in todo}

    def tasks() -> Iterator[tuple[str, tuple]]:
        for pi, pid, ov in todo:
            scn = point_scenario(plan.scenario, pi, ov)
            for r in range(R):
                yield f"{pid}-r{r}", (pi, r, scn, plan.seeds[r], plan.engine)

    buffers: dict[int, dict[int, dict[str, Any]]] = {}
    bar = _bar(design.n_points, skipped, plan.scenario.name, progress)
    n_done = skipped
    checked = False
    try:
        for pi, rep, summary in ex.imap_unordered(tasks()):
            if not checked:
                _check_metrics(metrics, list(summary))
                checked = True
            row: dict[str, Any] = {"point": pi, "point_id": ids[pi]}
            prow = values.loc[pi]
            for k in keys:
                v = prow[k]
                row[k] = v.item() if hasattr(v, "item") else v
            row["replicate"] = rep
            row["seed"] = plan.seeds[rep]
            for k, v in summary.items():
                s = plain_scalar(v)
                if k not in row and s is not SKIP:
                    row[k] = s
            buf = buffers.setdefault(pi, {})
            buf[rep] = row
            if len(buf) == R:
                store.write_part(ids[pi], [buf[r] for r in range(R)], types)
                del buffers[pi]
                n_done += 1
                bar.update(1)
                if callback is not None:
                    callback(n_done, design.n_points)
    finally:
        bar.close()


def _bar(total: int, initial: int, name: str, enabled: bool) -> Any:

    if not enabled or not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty()):
        return NoBar()
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, desc=f"{name} sweep", unit="point", file=sys.stderr,
                leave=False, dynamic_ncols=True)  # fmt: skip


# ---------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------


def draw_figures(
    folder: Path,
    design: Design,
    results: pd.DataFrame,
    metrics: Sequence[str],
    sensitivity: pd.DataFrame | None,
) -> tuple[dict[str, Path], list[str]]:
    """The figures of a finished sweep; problems become notes, not errors.

    * grid, one swept parameter: ``lines-<metric>.png``;
    * grid, two or more: ``heatmap-<metric>.png`` over the first two (averaged
      over the others) and ``lines-<metric>.png`` with a line per value of the second;
    * lhs, sobol, morris: ``scatter-<metric>.png``; sobol and morris also
      ``sensitivity.png``.
    """

    figs: dict[str, Path] = {}
    notes: list[str] = []
    swept = design.swept

    def draw(name: str, fn: Callable[..., Path], *args: Any, **kw: Any) -> None:
        try:
            figs[name] = fn(*args, **kw)
        except Exception as exc:  # noqa: BLE001 - a figure must never cost the sweep
            notes.append(f"figure {name} could not be drawn: {exc}")

    for m in metrics:
        if design.method == "grid":
            if len(swept) == 1:
                draw(f"lines-{m}.png", F.lines_figure, results, folder / f"lines-{m}.png",
                     x=swept[0], metric=m)  # fmt: skip
            elif len(swept) >= 2:
                draw(f"heatmap-{m}.png", F.heatmap_figure, results, folder / f"heatmap-{m}.png",
                     x=swept[0], y=swept[1], metric=m, averaged=swept[2:])  # fmt: skip
                if results[swept[1]].nunique() <= 10:
                    draw(f"lines-{m}.png", F.lines_figure, results, folder / f"lines-{m}.png",
                         x=swept[0], metric=m, by=swept[1])  # fmt: skip
        elif swept:
            draw(f"scatter-{m}.png", F.scatter_figure, results, folder / f"scatter-{m}.png",
                 params=swept, metric=m)  # fmt: skip
    if sensitivity is not None:
        draw("sensitivity.png", F.sensitivity_figure, sensitivity, folder / "sensitivity.png",
             method=design.method)  # fmt: skip
    return figs, notes


def grid_table(results: pd.DataFrame, design: Design, metric: str, max_rows: int = 40) -> str:
    """Mean and 95 % CI of ``metric`` per point, as text (the first ``max_rows`` points)."""

    keys = design.swept or design.keys
    rows = []
    for _pt, g in results.groupby("point", sort=True):
        d = describe(g[metric], metric_bounds(metric, results[metric]))
        rows.append([*(str(_fmt(g[k].iloc[0])) for k in keys), _fmt(d["mean"]),
                     f"[{_fmt(d['ci_low'])}, {_fmt(d['ci_high'])}]"])  # fmt: skip
    head = [*keys, f"mean {metric}", "95 % CI"]
    shown = rows[:max_rows]
    widths = [max(len(h), *(len(r[i]) for r in shown)) if shown else len(h) for i, h in enumerate(head)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(head, widths, strict=True))]
    lines += ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in shown]
    if len(rows) > max_rows:
        lines.append(f"... {len(rows) - max_rows} more points (see the results table)")
    return "\n".join(lines)


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return "nan" if math.isnan(v) else f"{v:.4g}"
    return str(v)


__all__ += ["default_metric", "draw_figures", "grid_table", "identity", "sweep_id"]
