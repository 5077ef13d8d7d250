"""``buzzsim sweep``: the command line of :mod:`sim.sweep`."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any

from sim.cli.options import positive_int, run_options, say, scenario_arg
from sim.errors import BuzzsimError

__all__ = ["add_sweep_parser", "cmd_sweep"]

EXAMPLES = """\
examples:
  # a grid: response delay × complaint virality, 5 replicates per point
  buzzsim sweep crisis_response --param crisis.approval_delay_h=1,4,8,24,72 \\
      --param crisis.virality=0.8:1.6:0.4 --replicates 5 --out results/delay_x_virality
  # a string is one value; quote TOML strings, or use bare words
  buzzsim sweep crisis_response --param crisis.strategy=silence,apologize,deny
  # Sobol indices (N·(2D+2) points), on a dask LocalCluster bound to 127.0.0.1
  buzzsim sweep crisis_response --method sobol --samples 64 \\
      --param crisis.approval_delay_h=0..48 --param crisis.virality=0.5..2 --scheduler local
  # continue an interrupted sweep (finished points are not run again)
  buzzsim sweep crisis_response --resume --out results/delay_x_virality

SPEC: a list 1,4,8 (TOML values: 0.5, true, "deny"), a range lo:hi:step (both ends
included), bounds lo..hi (lhs, sobol, morris), or one value (fixed at every point).
Results: OUT/runs/ is a Parquet dataset, pandas.read_parquet("OUT/runs"); OUT/sweep.json
records the scenario, parameters, method and seed. See docs/sweeps.md.
"""


def add_sweep_parser(subparsers: Any) -> None:
    """Add ``buzzsim sweep`` to the subcommands of :func:`sim.cli.build_parser`."""
    from sim.sweep.spec import METHODS

    p = subparsers.add_parser(
        "sweep",
        parents=[scenario_arg(), run_options()],
        help="sweep parameters: grids, Latin hypercubes, Sobol and Morris sensitivity",
        description="Run a scenario at every point of a parameter design, with the same\n"
        "replicate seeds at every point (common random numbers). Each finished point is\n"
        "written to OUT/runs/ at once: an interrupted sweep loses nothing, --resume\n"
        "continues it. Runs serially, in local processes (default) or on dask.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    g = p.add_argument_group("sweep")
    g.add_argument("--param", "-p", action="append", default=[], metavar="KEY=SPEC",
                   help="a swept scenario key (dotted, as in [[variants]]) and its values: "
                        "1,4,8 | lo:hi:step | lo..hi | one value; repeat for more keys")
    g.add_argument("--method", "-m", choices=METHODS,
                   help="grid (default): every combination of lists and ranges; lhs: "
                        "Latin hypercube; sobol: Sobol indices; morris: elementary effects")
    g.add_argument("--samples", "-N", type=positive_int, metavar="N",
                   help="lhs: points; sobol: base size N, a power of 2 (N·(2D+2) points); "
                        "morris: trajectories (N·(D+1) points)")
    g.add_argument("--levels", type=positive_int, metavar="L",
                   help="morris: levels of the grid (even; default 4)")
    g.add_argument("--metric", action="append", metavar="NAME",
                   help="metric for the table, figures and indices (default: negative_reach "
                        "with a crisis, else reach); repeat for more. Every metric is stored")
    g.add_argument("--scheduler", metavar="ADDR",
                   help="where runs execute: processes (default), serial, local (a dask "
                        "LocalCluster on 127.0.0.1), or tcp://HOST:PORT of a dask scheduler")
    g.add_argument("--resume", action="store_true",
                   help="continue the sweep in --out (or start it); finished points are kept")
    p.set_defaults(func=cmd_sweep)  # fmt: skip



def _resume_command(args: argparse.Namespace, folder: Path) -> str:
    argv = [a for a in (getattr(args, "argv", None) or []) if a != "--force"]
    if not argv:
        argv = ["sweep", str(args.scenario)]
    if "--resume" not in argv:
        argv.append("--resume")
    if args.out is None:
        argv += ["--out", str(folder)]
    return shlex.join(["buzzsim", *argv])


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run ``buzzsim sweep``; returns the exit status (130/143 when interrupted)."""
    from sim.sweep.run import default_sweep_dir, grid_table, plan_sweep, run_sweep
    from sim.sweep.store import SweepStore, read_sweep_json

    if args.resume and args.out is None:
        raise BuzzsimError("--resume needs --out DIR, the folder of the sweep to continue")
    params = list(args.param)
    method, samples, levels = args.method, args.samples, args.levels
    if args.resume and not params and (Path(args.out) / "sweep.json").is_file():
        stored = read_sweep_json(args.out)
        params = [f"{p['key']}={p['spec']}" for p in stored.get("params", [])]
        method = method or stored.get("method")
        samples = samples or stored.get("samples")
        levels = levels or stored.get("levels")
        if args.seed is None and stored.get("seed") is not None:
            args.seed = int(stored["seed"])
        if args.replicates is None and stored.get("replicates") is not None:
            args.replicates = int(stored["replicates"])
        if args.engine is None and stored.get("engine"):
            args.engine = stored["engine"]
    if not params:
        raise BuzzsimError(
            "a sweep needs at least one --param KEY=SPEC, e.g. --param crisis.approval_delay_h=1,4,8,24"
        )
    plan = plan_sweep(
        args.scenario, params, method=method or "grid", samples=samples, levels=levels or 4,
        replicates=args.replicates, seed=args.seed, engine=args.engine,
    )  # fmt: skip
    folder = Path(args.out) if args.out is not None else default_sweep_dir(plan.scenario.name)
    try:
        res = run_sweep(
            None, (), plan=plan, scheduler=args.scheduler, workers=args.workers, out=folder,
            resume=args.resume, force=args.force, metrics=args.metric,
            figures=not args.no_figures, progress=not args.quiet,
            command=["buzzsim", *(getattr(args, "argv", None) or [])],
            log=lambda m: say(args, m),
        )  # fmt: skip
    except KeyboardInterrupt as exc:
        terminated = type(exc).__name__ == "Terminated"
        what = "terminated" if terminated else "interrupted"
        store = SweepStore(folder)
        if store.is_sweep():
            n = len(store.done_ids())
            print(
                f"\nbuzzsim: {what}; {n} of {plan.design.n_points} points are saved in {folder}/; "
                f"continue with: {_resume_command(args, folder)}",
                file=sys.stderr,
            )
        else:
            print(f"\nbuzzsim: {what}; nothing was run", file=sys.stderr)
        return 143 if terminated else 130

    for note in res.notes:
        print(f"buzzsim: warning: {note}", file=sys.stderr)
    if args.quiet:
        print(res.folder)
        return 0
    say(args, f"{res.points_run} point{'s' if res.points_run != 1 else ''} run, {res.points_skipped} already done, "
               f"in {res.wall_time_s:.1f} s")  # fmt: skip
    if res.sensitivity is not None:
        from sim.sweep.sensitivity import format_table

        title = "Sobol indices (± 95 % CI half-width)" if res.design.method == "sobol" else (
            "Morris elementary effects (μ* ± 95 % CI half-width)"
        )  # fmt: skip
        print(title)
        print(format_table(res.sensitivity, res.design.method))
    else:
        for m in res.metrics:
            print(f"{m} per point (mean of {res.replicates} replicates, 95 % CI)")
            print(grid_table(res.results, res.design, m))
            print()
    print()
    print(f"results: {res.folder / 'runs'}/   (pandas.read_parquet)")
    print(f"sweep:   {res.folder / 'sweep.json'}")
    if res.sensitivity is not None:
        print(f"indices: {res.folder / 'sensitivity.csv'}")
    if res.figures:
        print("figures: " + ", ".join(str(p) for p in res.figures.values()))
    return 0
