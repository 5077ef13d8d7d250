"""``python -m benchmarks [--quick] [--sizes N ...] [--out DIR] [--update-docs]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description="buzzsim benchmark suite")
    ap.add_argument("--quick", action="store_true", help="reduced set (under two minutes)")
    ap.add_argument("--sizes", type=int, nargs="+", metavar="N", help="scaling sizes (accounts)")
    ap.add_argument("--out", type=Path, default=None, help="parent directory of the run (default results/benchmarks)")
    ap.add_argument(
        "--update-docs", action="store_true", help="refresh docs/performance.md and docs/img/ from this run"
    )
    ap.add_argument("--docs-only", type=Path, metavar="RUN_DIR", help="only refresh the docs from an existing run")
    ap.add_argument("--report-only", type=Path, metavar="RUN_DIR",
                    help="only rebuild report.md and the figures of an existing run")
    a = ap.parse_args(argv)
    from benchmarks import report

    if a.report_only:
        print(report.rewrite(a.report_only))
        return 0
    if a.docs_only:
        print(report.write_docs(a.docs_only, Path(__file__).resolve().parent.parent / "docs"))
        return 0
    from sim.bench import run_bench

    try:
        run_dir = run_bench(sizes=a.sizes, quick=a.quick, out=a.out)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(run_dir / "report.md")
    if a.update_docs:
        print(report.write_docs(run_dir, Path(__file__).resolve().parent.parent / "docs"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
