"""The results folder of a run: tables, figures, summary and manifest, written atomically.

Layout of ``results/<scenario>/<YYYYmmdd-HHMMSS>-<6 hex>/`` (or ``--out DIR``)::

    runs.parquet   runs.csv      one row per variant × replicate: variant, replicate, seed, metrics
    series.parquet series.csv    hourly series, variant and replicate prepended
    phases.parquet phases.csv    lifecycle phases per message of every run
    cascades.parquet             the cascade trees: one row per share of every run
    summary.json                 statistics per variant and metric, paired differences
    summary.md                   the readable summary, figures embedded
    manifest.json                scenario text, resolved parameters, seeds, versions, command
    lifecycle.png                (run) incidence and reach with phases, band over replicates
    compare.png  metrics.png     (compare) every variant's curve; key metrics with CIs

Everything is written into a hidden sibling folder ``.tmp-<name>-<pid>`` that is
renamed to the final name once complete, so an interrupted run leaves no
half-written result. Only a SIGKILL during the (short) writing phase can leave
the hidden folder behind; the next run into the same parent folder removes it.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import importlib.metadata
import json
import math
import os
import platform
import re
import secrets
import shutil
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

import sim
from sim.errors import BuzzsimError
from sim.report import figures as fig
from sim.report.summary import build_summary, summary_markdown
from sim.run.processes import pid_alive

if TYPE_CHECKING:
    from sim.run.replicates import RunSet

__all__ = [
    "RunFolder",
    "check_out_dir",
    "default_out_dir",
    "git_commit",
    "package_versions",
    "write_results",
]

TMP_PREFIX = ".tmp-"
OLD_PREFIX = ".old-"
VERSION_PACKAGES = (
    "buzzsim",
    "numpy",
    "numba",
    "mesa",
    "networkx",
    "pandas",
    "pyarrow",
    "pydantic",
    "scipy",
    "matplotlib",
)


@dataclass
class RunFolder:
    """What :func:`write_results` wrote.

    Attributes
    ----------
    path : Path
        The run folder.
    summary_md : Path
        ``summary.md`` inside it.
    figures : dict
        File name -> path of every figure written.
    warnings : list of str
        Problems that did not stop the run (e.g. a figure that could not be drawn).
    """

    path: Path
    summary_md: Path
    figures: dict[str, Path] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------
# Where to write
# ---------------------------------------------------------------------------


def safe_name(name: str) -> str:
    """A scenario name usable as a folder name."""
    s = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")
    return s or "scenario"


def new_run_id(now: _dt.datetime | None = None) -> str:
    """``YYYYmmdd-HHMMSS-<6 hex>``: sortable by time, unique across parallel runs."""
    now = now or _dt.datetime.now()
    return f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def default_out_dir(scenario_name: str, root: str | Path = "results") -> Path:
    """``<root>/<scenario>/<run id>`` (not created)."""
    return Path(root) / safe_name(scenario_name) / new_run_id()


def check_out_dir(out: str | Path, *, force: bool = False) -> Path:
    """Refuse an existing non-empty ``out`` unless ``force``; call before running.

    Raises
    ------
    BuzzsimError
        If ``out`` is a file, or a non-empty folder and ``force`` is false, or it
        could not be created.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise BuzzsimError(f"--out {out} is a file, not a folder")
    if out.is_dir() and any(out.iterdir()):
        if not force:
            raise BuzzsimError(
                f"--out {out} exists and is not empty; choose another folder or add --force to replace it"
            )
        if not (out / "manifest.json").is_file() and not (out / "sweep.json").is_file():
            # --force replaces only a folder buzzsim wrote, never unrelated files
            raise BuzzsimError(
                f"--out {out} holds files buzzsim did not write (no manifest.json); "
                "--force replaces only a buzzsim result folder"
            )
    # Nothing is created yet (an interrupted run leaves no trace); only check that
    # the nearest existing ancestor is a writable folder.
    anc = out.parent.absolute()
    while not anc.exists():
        anc = anc.parent
    if not anc.is_dir():
        raise BuzzsimError(f"cannot create {out}: {anc} is a file")
    if not os.access(anc, os.W_OK | os.X_OK):
        raise BuzzsimError(f"cannot write to {anc}: permission denied")
    return out



def clean_stale(parent: Path) -> list[Path]:
    """Remove hidden ``.tmp-*``/``.old-*`` folders left by runs that were killed.

    A folder is stale when the process id at the end of its name is not running.
    """
    removed = []
    if not parent.is_dir():
        return removed
    for p in parent.iterdir():
        if not (p.name.startswith(TMP_PREFIX) or p.name.startswith(OLD_PREFIX)) or not p.is_dir():
            continue
        m = re.search(r"-(\d+)$", p.name)
        if m and pid_alive(int(m.group(1))) and int(m.group(1)) != os.getpid():
            continue
        shutil.rmtree(p, ignore_errors=True)
        removed.append(p)
    return removed


@contextlib.contextmanager
def atomic_dir(final: Path, *, force: bool = False) -> Iterator[Path]:
    """Yield a hidden temporary sibling of ``final``; rename it to ``final`` on success.

    On any exception (including KeyboardInterrupt) the temporary folder is removed
    and ``final`` is untouched. With ``force``, an existing ``final`` is replaced
    only once the new folder is complete.
    """
    final = Path(final)
    parent = final.parent
    parent.mkdir(parents=True, exist_ok=True)
    clean_stale(parent)
    tmp = parent / f"{TMP_PREFIX}{final.name}-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        yield tmp
        if final.exists():
            if final.is_dir() and not any(final.iterdir()):
                final.rmdir()
            elif force:
                old = parent / f"{OLD_PREFIX}{final.name}-{os.getpid()}"
                os.rename(final, old)
                os.rename(tmp, final)
                shutil.rmtree(old, ignore_errors=True)
                return
            else:
                raise BuzzsimError(f"{final} appeared while running; results left unwritten")
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


# ---------------------------------------------------------------------------
# Manifest
# ---------------------------------------------------------------------------


def package_versions() -> dict[str, str | None]:
    """Versions of buzzsim and the libraries that shape its numbers, and Python's."""
    out: dict[str, str | None] = {}
    for name in VERSION_PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = None
    out["python"] = platform.python_version()
    return out


def git_commit(start: Path | None = None) -> str | None:
    """The commit checked out in the buzzsim source tree, read from ``.git`` (or None)."""

    here = (start or Path(sim.__file__).resolve().parent).resolve()
    for d in (here, *here.parents):
        git = d / ".git"
        if git.is_file():  # a worktree: "gitdir: <path>"
            text = git.read_text(errors="replace").strip()
            if not text.startswith("gitdir:"):
                return None
            git = (d / text.split(":", 1)[1].strip()).resolve()
        if not git.is_dir():
            continue
        try:
            head = (git / "HEAD").read_text().strip()
            if not head.startswith("ref:"):
                return head or None
            ref = head.split(":", 1)[1].strip()
            common = git
            if (git / "commondir").is_file():
                common = (git / (git / "commondir").read_text().strip()).resolve()
            for base in (git, common):
                if (base / ref).is_file():
                    return (base / ref).read_text().strip() or None
            for base in (git, common):
                packed = base / "packed-refs"
                if packed.is_file():
                    for line in packed.read_text().splitlines():
                        parts = line.split()
                        if len(parts) == 2 and parts[1] == ref:
                            return parts[0]
        except OSError:
            return None
        return None
    return None


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "item") and not isinstance(obj, (str, bytes)):
        return _jsonable(obj.item())
    return obj


def build_manifest(
    runset: RunSet,
    *,
    kind: str,
    run_id: str,
    command: Sequence[str] | None,
    figures: Sequence[str],
) -> dict[str, Any]:
    """The content of ``manifest.json``."""
    scn = runset.scenario
    return _jsonable(
        {
            "buzzsim": package_versions().get("buzzsim"),
            "run_id": run_id,
            "kind": kind,
            "created": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "command": list(command) if command is not None else None,
            "wall_time_s": round(runset.wall_time_s, 3),
            "scenario": {
                "name": scn.name,
                "description": scn.description,
                "source": runset.source,
                "text": runset.scenario_text,
                "resolved": scn.model_dump(mode="json", exclude={"variants"}),
            },
            "variants": [
                {
                    "name": v.name,
                    "description": v.description,
                    "overrides": v.overrides,
                    "resolved": v.scenario.model_dump(mode="json", exclude={"variants"}),
                }
                for v in runset.variants
            ],
            "baseline": runset.baseline,
            "seeds": {"root": scn.run.seed, "replicates": list(runset.seeds)},
            "replicates": runset.replicates,
            "engine": runset.engine,
            "workers": runset.workers,
            "versions": package_versions(),
            "git_commit": git_commit(),
            "platform": {
                "system": platform.system(),
                "machine": platform.machine(),
                "cpus": os.cpu_count(),
            },
            "files": sorted(
                [
                    "runs.parquet",
                    "runs.csv",
                    "series.parquet",
                    "series.csv",
                    "phases.parquet",
                    "phases.csv",
                    "cascades.parquet",
                    "summary.json",
                    "summary.md",
                    "manifest.json",
                    *figures,
                ]
            ),
        }
    )


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


def _write_table(df: pd.DataFrame, folder: Path, stem: str) -> None:
    df.to_parquet(folder / f"{stem}.parquet", index=False)
    df.to_csv(folder / f"{stem}.csv", index=False)


def _write_json(obj: Any, path: Path) -> None:
    path.write_text(json.dumps(_jsonable(obj), indent=2, allow_nan=False) + "\n", encoding="utf-8")


def _draw_figures(
    runset: RunSet, summary: Mapping[str, Any], folder: Path, kind: str
) -> tuple[dict[str, str], list[str]]:
    """Draw the figures of a run (lifecycle) or a comparison (compare, metrics).

    Returns ``{title: file name}`` and warnings for figures that failed: a bug in
    a figure must not cost the user the runs.
    """

    name = runset.scenario.name
    todo: list[tuple[str, str, Any]] = []
    if kind == "run":
        todo.append(
            (
                "Lifecycle",
                "lifecycle.png",
                lambda p: fig.lifecycle_figure(
                    runset.series,
                    runset.phases,
                    p,
                    title=f"{name}: lifecycle ({runset.replicates} replicates)",
                    smoothing_h=runset.scenario.analysis.smoothing_h or None,
                ),
            )
        )
    else:
        message = _focus_message(runset)
        todo.append(
            (
                "New shares per hour, every variant",
                "compare.png",
                lambda p: fig.compare_figure(
                    runset.series,
                    p,
                    metric="new_shares",
                    message=message,
                    baseline=runset.baseline,
                    title=f"{name}: new shares per hour of {message!r} by variant",
                ),
            )
        )
        todo.append(
            (
                "Key metrics with 95 % confidence intervals",
                "metrics.png",
                lambda p: fig.metrics_figure(
                    summary,
                    summary.get("key_metrics") or runset.metrics[:6],
                    p,
                    title=f"{name}: key metrics (mean and 95 % CI; Δ vs {runset.baseline})",
                ),
            )
        )
        runs = runset.runs
        if {"strategy", "approval_delay_h", "negative_reach"} <= set(runs.columns):
            responding = runs[runs["strategy"] != "silence"]
            silent = runs.loc[runs["strategy"] == "silence", "negative_reach"]
            note = f" (silence: {silent.mean():,.0f})" if len(silent) else ""
            if len(responding):
                todo.append(
                    (
                        "Negative reach against response delay",
                        "delay.png",
                        lambda p: fig.delay_figure(
                            responding, p, x="approval_delay_h", y="negative_reach", by="strategy",
                            reference_x=8.0,
                            title=f"{name}: negative reach vs response delay{note}",
                            reference_y=float(silent.mean()) if len(silent) else None,
                            reference_y_label="silence (no response), mean",
                        ),
                    )
                )
    done: dict[str, str] = {}
    warnings: list[str] = []
    for title, fname, draw in todo:
        try:
            draw(folder / fname)
            done[title] = fname
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:  # noqa: BLE001 - reported, the tables are still written
            warnings.append(f"could not draw {fname}: {type(exc).__name__}: {exc}")
    return done, warnings


def _focus_message(runset: RunSet) -> str | None:
    """The message a comparison is about: the complaint in a crisis, else the first."""
    if "message" not in runset.series.columns or runset.series.empty:
        return None
    present = list(pd.unique(runset.series["message"]))
    if runset.scenario.crisis is not None:
        for m in present:
            if "complaint" in str(m).lower():
                return m
    first = runset.scenario.messages[0].name if runset.scenario.messages else None
    return first if first in present else present[0]


def write_results(
    runset: RunSet,
    out: str | Path | None = None,
    *,
    root: str | Path = "results",
    kind: str | None = None,
    command: Sequence[str] | None = None,
    figures: bool = True,
    force: bool = False,
) -> RunFolder:
    """Write a run folder for ``runset`` atomically.

    Parameters
    ----------
    runset : RunSet
        Output of :func:`sim.run.replicates.run_variants`.
    out : path, optional
        The run folder itself. Default ``<root>/<scenario>/<run id>``.
    root : path, default "results"
        Parent of the per-scenario folders when ``out`` is not given.
    kind : {"run", "compare"}, optional
        Which figures to draw; default "compare" when several variants were run.
    command : list of str, optional
        The command line, recorded in the manifest and the summary.
    figures : bool, default True
        Draw the PNG figures.
    force : bool, default False
        Replace an existing non-empty ``out``.

    Returns
    -------
    RunFolder

    Raises
    ------
    BuzzsimError
        If ``out`` is not usable or the disk refuses the write.
    """

    kind = kind or ("compare" if len(runset.variants) > 1 else "run")
    final = Path(out) if out is not None else default_out_dir(runset.scenario.name, root)
    check_out_dir(final, force=force)
    run_id = final.name
    cmd_text = " ".join(_quote(a) for a in command) if command else None
    try:
        with atomic_dir(final, force=force) as tmp:
            _write_table(runset.runs, tmp, "runs")
            _write_table(runset.series, tmp, "series")
            _write_table(runset.phases, tmp, "phases")
            runset.cascades.to_parquet(tmp / "cascades.parquet", index=False)
            summary = build_summary(runset)
            _write_json(summary, tmp / "summary.json")
            if summary.get("outlook"):
                pd.DataFrame(summary["outlook"]).to_csv(tmp / "outlook.csv", index=False)
            figs, warnings = _draw_figures(runset, summary, tmp, kind) if figures else ({}, [])
            md = summary_markdown(runset, summary, figs, command=cmd_text)
            (tmp / "summary.md").write_text(md, encoding="utf-8")
            manifest = build_manifest(
                runset, kind=kind, run_id=run_id, command=command, figures=list(figs.values())
            )
            if warnings:
                manifest["warnings"] = warnings
            _write_json(manifest, tmp / "manifest.json")
    except OSError as exc:
        raise BuzzsimError(f"cannot write results to {final}: {exc.strerror or exc}") from None
    return RunFolder(
        path=final,
        summary_md=final / "summary.md",
        figures={f: final / f for f in figs.values()},
        warnings=warnings,
    )


def _quote(arg: str) -> str:
    import shlex

    return shlex.quote(str(arg))
