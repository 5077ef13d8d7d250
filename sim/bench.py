"""Entry point of ``buzzsim bench``: run the benchmark suite in ``benchmarks/``.

The suite is the top-level ``benchmarks`` package of the same distribution
(``[tool.setuptools.packages.find]`` installs it beside ``sim``), so the installed
``buzzsim`` reaches it by a plain import; nothing touches ``sys.path``.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks import suite

__all__ = ["run_bench"]


def run_bench(sizes: list[int] | None = None, quick: bool = False, out: str | Path | None = None) -> Path:
    """Run the benchmark suite; returns the run directory.

    Parameters
    ----------
    sizes : list of int, optional
        Accounts of the scaling benchmark (default 10^4, 10^5, 10^6, 10^7; with
        ``quick`` 10^4, 10^5, 10^6). The other sections stop at the largest size.
    quick : bool
        The reduced set (under two minutes on a 2-core laptop; no 10^7 run).
    out : path, optional
        Parent directory of the run (default ``results/benchmarks``); the run
        writes ``<out>/<timestamp>/measurements.csv``, ``run.json``, figures and
        ``report.md``.

    Raises
    ------
    ValueError
        If a size is below 100 accounts.
    """
    if sizes is not None:
        sizes = [int(s) for s in sizes]
        bad = [s for s in sizes if s < 100]
        if bad:
            raise ValueError(f"bench sizes must be at least 100 accounts, got {bad[0]}")
    return suite.run_suite(suite.plan_for(quick=quick, sizes=sizes), out=out)
