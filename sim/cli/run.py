"""``buzzsim run`` and ``buzzsim compare``: replicates of a scenario, or all its variants.

A thin layer over :func:`sim.run.replicates.run_variants` and :mod:`sim.report`;
``compare --all`` runs the claim library (:mod:`sim.checks.claims`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from sim.cli.options import PROG, UsageError, run_options, say, scenario_arg
from sim.errors import BuzzsimError

__all__ = ["add_compare", "add_run", "cmd_compare", "cmd_run", "simulate_runs"]

def add_run(sub: Any) -> None:
    """``buzzsim run``: the base scenario (or one variant), replicated."""
    p = sub.add_parser(
        "run",
        parents=[scenario_arg(), run_options()],
        help="run a scenario (replicates, summary, lifecycle figure)",
        description="Run the base scenario (its variants are ignored; see `compare`) "
        "N times with paired replicate seeds and write a results folder.",
    )
    p.add_argument("--variant", metavar="NAME", help="run this variant instead of the base")
    p.set_defaults(func=cmd_run)


def add_compare(sub: Any) -> None:
    """``buzzsim compare``: every variant side by side."""
    p = sub.add_parser(
        "compare",
        parents=[run_options()],
        help="run every variant side by side (bands, paired differences, figures)",
        description="Run the baseline (the scenario as written, or its variant named "
        "'baseline') and every [[variants]] entry with the same replicate seeds, and "
        "report each variant's paired difference to the baseline.",
    )
    p.add_argument(
        "--baseline",
        metavar="NAME",
        help="variant to measure differences against (default: the variant named 'baseline', "
        "else the first variant without overrides, else the scenario as written)",
    )
    p.add_argument(
        "scenario", metavar="SCENARIO", nargs="?",
        help="scenario file (.toml) or library name (see `buzzsim list`); omit with --all",
    )
    p.add_argument(
        "--all", action="store_true", dest="all_claims",
        help="run the whole claim library (F1-F10) and write results/library/ (README.md, verdicts.json, figures)",
    )
    p.add_argument("--quick", action="store_true",
                   help="with --all: 4 replicates per variant and a tiny robustness grid (smoke test)")
    p.add_argument("--robustness", choices=["l9", "full", "off"], default="l9",
                   help="with --all: the robustness grid of graph settings each claim is judged on "
                   "(l9: 9 of the 27 settings, an orthogonal array; full: all 27; off: none)")
    p.add_argument("--scheduler", default=None,
                   help="with --all: where the robustness sweeps run (as `buzzsim sweep --scheduler`)")
    p.set_defaults(func=cmd_compare)  # fmt: skip


def cmd_run(args: argparse.Namespace) -> int:
    """Run the base scenario (or ``--variant``)."""
    return simulate_runs(args, kind="run")


def cmd_compare(args: argparse.Namespace) -> int:
    """Run every variant (or, with ``--all``, the whole claim library)."""
    if args.all_claims:
        if args.scenario:
            raise UsageError("compare --all runs the whole claim library; give no SCENARIO")
        if args.replicates is not None or args.seed is not None or args.engine is not None:
            raise UsageError("compare --all runs each library scenario as written; use --quick for a smoke test")
        from sim.checks.claims import run_library

        out = run_library(
            Path(args.out) if args.out else Path("results/library"), workers=args.workers,
            quick=args.quick, progress=not args.quiet, robust=args.robustness != "off",
            robust_design="l9" if args.robustness == "off" else args.robustness, scheduler=args.scheduler,
        )
        print(out / "README.md")
        return 0
    if not args.scenario:
        raise UsageError("compare needs a SCENARIO (or --all for the whole claim library)")
    return simulate_runs(args, kind="compare")


def simulate_runs(args: argparse.Namespace, *, kind: str) -> int:
    """Run a scenario (``kind="run"``) or its variants (``"compare"``) and write the folder."""
    from sim.report.summary import text_table
    from sim.report.writer import check_out_dir, default_out_dir, write_results
    from sim.run.replicates import default_workers, plan_runs, run_variants
    from sim.scenario.load import find_scenario, load_scenario

    path = find_scenario(args.scenario)
    scn = load_scenario(path)
    if kind == "compare":
        if not scn.variants:
            raise BuzzsimError(
                f"{path}: scenario {scn.name!r} declares no [[variants]] to compare; "
                f"use `buzzsim run {args.scenario}`"
            )
        variants: bool | list[str] = True
    elif args.variant:
        variants = [args.variant]
    else:
        variants = False
    # Everything is checked before anything runs.
    plan = plan_runs(
        path,
        variants=variants,
        replicates=args.replicates,
        seed=args.seed,
        engine=args.engine,
        baseline=getattr(args, "baseline", None),
    )
    out = args.out if args.out is not None else default_out_dir(plan.scenario.name)
    check_out_dir(out, force=args.force)

    if variants is False and scn.variants:
        say(args, f"note: {scn.name} has {len(scn.variants)} variants; "
                   f"`buzzsim compare {args.scenario}` runs them side by side")  # fmt: skip
    n_var, n_rep = len(plan.variants), len(plan.seeds)
    workers = min(args.workers or default_workers(), plan.n_runs)
    say(args, f"{plan.scenario.name}: {n_var} variant{'s' if n_var != 1 else ''} × {n_rep} "
               f"replicate{'s' if n_rep != 1 else ''} on {workers} "
               f"worker{'s' if workers != 1 else ''}")  # fmt: skip
    runset = run_variants(plan, workers=args.workers, progress=not args.quiet)
    say(args, f"{plan.n_runs} runs in {runset.wall_time_s:.1f} s; writing results")
    folder = write_results(
        runset,
        out,
        kind=kind,
        command=[PROG, *args.argv],
        figures=not args.no_figures,
        force=args.force,
    )
    for w in folder.warnings:
        print(f"{PROG}: warning: {w}", file=sys.stderr)
    if args.quiet:
        print(folder.path)
        return 0
    summary = json.loads((folder.path / "summary.json").read_text())
    print(text_table(runset, summary))
    print()
    print(f"results: {folder.path}/")
    print(f"summary: {folder.summary_md}")
    if folder.figures:
        print("figures: " + ", ".join(str(p) for p in folder.figures.values()))
    return 0
