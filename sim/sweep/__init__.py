"""Parameter sweeps: grids, Latin hypercubes, Sobol and Morris designs.

A sweep runs a scenario at every point of a design, with the same replicate seeds
at every point (common random numbers), streams one Parquet part file per finished
point into ``OUT/runs/``, resumes where it stopped, runs serially, in local
processes or on dask.distributed with identical numbers, and ends with sensitivity
indices (SALib) and figures.

>>> from sim.sweep import run_sweep, load_results
>>> res = run_sweep("crisis_response", ["crisis.approval_delay_h=1,4,8,24"],
...                 replicates=5, out="results/delay")          # doctest: +SKIP
>>> df = load_results("results/delay")                          # doctest: +SKIP

Modules: :mod:`~sim.sweep.spec` (``KEY=SPEC``), :mod:`~sim.sweep.design`
(expansion), :mod:`~sim.sweep.store` (the folder), :mod:`~sim.run.executors`,
:mod:`~sim.sweep.sensitivity`, :mod:`~sim.sweep.figures`, :mod:`~sim.sweep.run`,
:mod:`~sim.cli.sweep`. See ``docs/sweeps.md``.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "Bounds",
    "Range",
    "SweepResult",
    "build_design",
    "load_results",
    "parse_param",
    "plan_sweep",
    "run_sweep",
]

_LAZY = {
    "Bounds": "sim.sweep.spec",
    "Range": "sim.sweep.spec",
    "parse_param": "sim.sweep.spec",
    "build_design": "sim.sweep.design",
    "load_results": "sim.sweep.store",
    "SweepResult": "sim.sweep.run",
    "plan_sweep": "sim.sweep.run",
    "run_sweep": "sim.sweep.run",
}


def __getattr__(name: str) -> Any:
    # Imported on first use, so that `buzzsim --help` stays fast.
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'sim.sweep' has no attribute {name!r}")
