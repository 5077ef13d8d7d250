"""Entry point of ``buzzsim bench``: run the benchmark suite in ``benchmarks/``.

The suite lives in the repository's top-level ``benchmarks/`` package (it is not
installed with ``sim``); this module finds it next to the ``sim`` package.
"""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["run_bench"]

_REPO = Path(__file__).resolve().parent.parent


def _suite():
    try:
        from benchmarks import suite
    except ImportError:
        if not (_REPO / "benchmarks" / "suite.py").exists():
            raise ImportError(
                "the benchmark suite (benchmarks/) ships with the source tree; run it from a checkout"
            ) from None
        sys.path.insert(0, str(_REPO))
        from benchmarks import suite
    return suite


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
    suite = _suite()
    return suite.run_suite(suite.plan_for(quick=quick, sizes=sizes), out=out)
