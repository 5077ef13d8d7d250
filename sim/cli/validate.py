"""``buzzsim validate``: checks against theory, the reference engine and real cascades."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from sim.cli.calibrate import add_data_options, cmd_validate_data

__all__ = ["add_validate", "cmd_validate"]

def add_validate(sub: Any) -> None:
    """``buzzsim validate``: checks against theory, the reference engine and real data."""
    p = sub.add_parser(
        "validate",
        help="check the engine against theory, the reference engine and real cascades",
        description="Exact independent-cascade values, bond percolation, fast vs reference "
        "engine, and reaction times against the real cascades of ../shared/data (when present).",
    )
    p.add_argument("--quick", action="store_true", help="fewer replicates (about 15 s)")
    p.add_argument("--out", metavar="DIR", help="report folder (default results/validate/<time>)")
    add_data_options(p)  # --data FILE and its sampling options (sim.cli.calibrate)
    p.set_defaults(func=cmd_validate)


def cmd_validate(args: argparse.Namespace) -> int:
    """Run the checks (or, with ``--data``, the data comparison); exit 1 if one fails."""
    if getattr(args, "data", None):
        return cmd_validate_data(args)
    from sim.checks.theory import run_validation

    folder = run_validation(Path(args.out) if args.out else None, quick=args.quick)
    checks = json.loads((folder / "checks.json").read_text())
    held = sum(c["passed"] for c in checks)
    for c in checks:
        verdict = "ok  " if c["passed"] else "FAIL"
        print(f"{verdict} {c['name']}: {c['measured']:.4g} (expected {c['expected']:.4g}, {c['tolerance']})"
              + (f" — {c['detail']}" if c.get("detail") else ""))
    print(f"\n{held} of {len(checks)} checks hold; report: {folder / 'report.md'}")
    return 0 if held == len(checks) else 1
