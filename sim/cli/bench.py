"""``buzzsim bench``: the benchmark suite (``benchmarks/``)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sim.errors import BuzzsimError

__all__ = ["add_bench", "cmd_bench"]

def add_bench(sub: Any) -> None:
    """``buzzsim bench``: the benchmark suite (benchmarks/)."""
    p = sub.add_parser(
        "bench",
        help="run the benchmark suite (results/benchmarks/<time>/)",
        description="Scaling, fast vs reference engine, peers (NDlib, cynetdiff, EoN when "
        "installed) and the machine's own limits, as ratios measured in the same run.",
    )
    p.add_argument("--quick", action="store_true", help="a reduced set, under two minutes")
    p.add_argument("--sizes", metavar="N,N,...", help="accounts per scaling point, e.g. 10000,100000")
    p.add_argument("--out", metavar="DIR", help="report folder")
    p.set_defaults(func=cmd_bench)


def cmd_bench(args: argparse.Namespace) -> int:
    """Run the suite and print where its report is."""
    try:
        from sim.bench import run_bench
    except ImportError as exc:  # an install older than benchmarks/ in the package list
        raise BuzzsimError(
            f"the benchmark suite is not installed here ({exc}); reinstall buzzsim (pip install -e .)"
        ) from exc
    sizes = None
    if args.sizes:
        try:
            sizes = [int(float(x)) for x in args.sizes.split(",") if x.strip()]
        except ValueError as exc:
            raise BuzzsimError(f"--sizes: expected numbers separated by commas, got {args.sizes!r}") from exc
    folder = run_bench(sizes=sizes, quick=args.quick, out=Path(args.out) if args.out else None)
    print(f"report: {Path(folder) / 'report.md'}")
    return 0
