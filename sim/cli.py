"""The ``buzzsim`` command line: a thin layer over :mod:`sim.run.replicates` and :mod:`sim.report`.

::

    buzzsim run SCENARIO [--replicates N] [--seed S] [--engine fast|reference] [--out DIR]
    buzzsim compare SCENARIO [...]        # every variant side by side, paired differences
    buzzsim list                          # the scenario library
    buzzsim show SCENARIO                 # the fully resolved parameters as TOML

``SCENARIO`` is a path to a TOML file or the name of a library scenario
(``buzzsim list``). Anything a user can get wrong ends in one line,
``buzzsim: error: <what and where>``, and exit status 2, never a traceback.
An interrupted run (Ctrl-C, SIGTERM) writes nothing and exits with 130 / 143.

Adding a subcommand (``sweep``, ``validate``, ``bench``...) is one function that
adds its parser and sets ``func``, appended to :data:`SUBCOMMANDS`::

    def add_sweep(sub):
        p = sub.add_parser("sweep", parents=[scenario_arg(), run_options()], help="...")
        p.set_defaults(func=cmd_sweep)      # cmd_sweep(args) -> exit status
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from sim.calibration.cli import add_calibrate_parser, add_data_options, cmd_validate_data
from sim.errors import BuzzsimError
from sim.sweep.cli import add_sweep_parser

__all__ = ["SUBCOMMANDS", "build_parser", "main", "run_options", "scenario_arg"]

PROG = "buzzsim"


class UsageError(BuzzsimError):
    """A bad command line (unknown option, bad value...)."""


class Terminated(KeyboardInterrupt):
    """SIGTERM, turned into an exception so that clean-up runs."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line, raised instead of printed."""

    def error(self, message: str) -> NoReturn:
        sub = self.prog[len(PROG) :].strip()
        hint = f" (see {PROG} {sub + ' ' if sub else ''}--help)"
        raise UsageError(message + hint)


# ---------------------------------------------------------------------------
# Argument types and shared options
# ---------------------------------------------------------------------------


def _int_at_least(lo: int, what: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if value < lo:
            raise argparse.ArgumentTypeError(f"expected {what}, got {value}")
        return value

    parse.__name__ = what  # argparse names the type in some messages
    return parse


positive_int = _int_at_least(1, "a positive integer")
non_negative_int = _int_at_least(0, "an integer >= 0")


def scenario_arg() -> argparse.ArgumentParser:
    """Parent parser with the positional ``SCENARIO`` (a path or a library name)."""
    p = _Parser(add_help=False)
    p.add_argument(
        "scenario",
        metavar="SCENARIO",
        help="scenario file (.toml) or library name (see `buzzsim list`)",
    )
    return p


def run_options() -> argparse.ArgumentParser:
    """Parent parser with the options shared by every command that runs simulations."""
    p = _Parser(add_help=False)
    g = p.add_argument_group("running")
    g.add_argument(
        "--replicates",
        "-n",
        type=positive_int,
        metavar="N",
        help="replicates per variant (default: run.replicates)",
    )
    g.add_argument(
        "--seed",
        type=non_negative_int,
        metavar="S",
        help="root seed of the replicates (default: run.seed)",
    )
    g.add_argument(
        "--engine", choices=("fast", "reference"), help="simulation engine (default: run.engine)"
    )
    g.add_argument(
        "--workers",
        "-j",
        type=positive_int,
        metavar="W",
        help="parallel processes (default: all cores; 1 = serial); "
        "numbers are identical whatever the value",
    )
    o = p.add_argument_group("output")
    o.add_argument(
        "--out",
        "-o",
        type=Path,
        metavar="DIR",
        help="the run folder (default: results/<scenario>/<timestamp>-<id>/)",
    )
    o.add_argument(
        "--force", action="store_true", help="replace --out if it is a result folder buzzsim wrote (manifest.json)"
    )
    o.add_argument("--no-figures", action="store_true", help="skip the PNG figures")
    o.add_argument(
        "--quiet",
        "-q",
        action="store_true",
        help="no progress bar or table; print only the run folder",
    )
    return p  # fmt: skip


# ---------------------------------------------------------------------------
# Subcommands
# ---------------------------------------------------------------------------


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
        help="run the whole claim library (F1-F9) and write results/library/ (README.md, verdicts.json, figures)",
    )
    p.add_argument("--quick", action="store_true", help="with --all: 4 replicates per variant (smoke test)")
    p.set_defaults(func=cmd_compare)  # fmt: skip


def add_list(sub: Any) -> None:
    """``buzzsim list``: the scenario library."""
    p = sub.add_parser(
        "list",
        help="list the scenario library",
        description="List scenarios/*.toml of the current folder and of buzzsim itself.",
    )
    p.add_argument("--paths", action="store_true", help="show each scenario's file")
    p.set_defaults(func=cmd_list)


def add_show(sub: Any) -> None:
    """``buzzsim show``: resolved parameters as TOML."""
    p = sub.add_parser(
        "show",
        parents=[scenario_arg()],
        help="print a scenario's fully resolved parameters as TOML",
        description="Print every parameter of a scenario (defaults and topic presets "
        "filled in) as TOML that loads back to the same scenario.",
    )
    p.add_argument("--variant", metavar="NAME", help="show this variant as a stand-alone scenario")
    p.set_defaults(func=cmd_show)  # fmt: skip


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
    add_data_options(p)  # --data FILE and its sampling options (sim.calibration.cli)
    p.set_defaults(func=cmd_validate)


def cmd_validate(args: argparse.Namespace) -> int:
    if getattr(args, "data", None):
        return cmd_validate_data(args)
    from sim.validate import run_validation

    folder = run_validation(Path(args.out) if args.out else None, quick=args.quick)
    checks = json.loads((folder / "checks.json").read_text())
    held = sum(c["passed"] for c in checks)
    for c in checks:
        print(f"{'ok  ' if c['passed'] else 'FAIL'} {c['name']}: {c['measured']:.4g} (expected {c['expected']:.4g}, {c['tolerance']})"
              + (f" — {c['detail']}" if c.get("detail") else ""))
    print(f"\n{held} of {len(checks)} checks hold; report: {folder / 'report.md'}")
    return 0 if held == len(checks) else 1


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
    try:
        from sim.bench import run_bench
    except ImportError as exc:  # benchmarks/ is part of the repository, not of the wheel
        raise BuzzsimError(f"the benchmark suite is not available here ({exc}); run it from a clone") from exc
    sizes = None
    if args.sizes:
        try:
            sizes = [int(float(x)) for x in args.sizes.split(",") if x.strip()]
        except ValueError as exc:
            raise BuzzsimError(f"--sizes: expected numbers separated by commas, got {args.sizes!r}") from exc
    folder = run_bench(sizes=sizes, quick=args.quick, out=Path(args.out) if args.out else None)
    print(f"report: {Path(folder) / 'report.md'}")
    return 0


def add_app(sub: Any) -> None:
    """``buzzsim app``: the strategist's workbench page on 127.0.0.1."""
    p = sub.add_parser(
        "app",
        help="the strategist's workbench: a local web page (needs buzzsim[app])",
        description="Serve the workbench page (Solara) on this machine: pick a scenario, "
        "change the response and tactics, run, compare, save as a scenario file.",
    )
    p.add_argument("scenario", metavar="SCENARIO", nargs="?", default="crisis_response",
                   help="scenario shown first (default: crisis_response)")
    p.add_argument("--port", type=_int_at_least(0, "a port number"), default=8765,
                   help="port (default 8765; 0 picks a free one)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only)")
    p.set_defaults(func=cmd_app)  # fmt: skip


def cmd_app(args: argparse.Namespace) -> int:
    from sim.app import serve

    return serve(args.scenario, host=args.host, port=args.port)


#: Functions that add a subcommand's parser; append to add a subcommand.
SUBCOMMANDS: list[Callable[[Any], None]] = [
    add_run, add_compare, add_sweep_parser, add_list, add_show, add_validate, add_bench, add_app,
    add_calibrate_parser,
]


def build_parser() -> argparse.ArgumentParser:
    """The ``buzzsim`` argument parser with every subcommand of :data:`SUBCOMMANDS`."""
    from sim import __version__

    parser = _Parser(
        prog=PROG,
        description="Agent-based simulation of marketing topics and brand crises on social "
        "networks.",
        epilog="Run `buzzsim COMMAND --help` for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for add in SUBCOMMANDS:
        add(sub)
    return parser


# ---------------------------------------------------------------------------
# Command implementations
# ---------------------------------------------------------------------------


def _say(args: argparse.Namespace, msg: str) -> None:
    if not getattr(args, "quiet", False):
        print(msg, file=sys.stderr, flush=True)


def cmd_run(args: argparse.Namespace) -> int:
    """Run the base scenario (or ``--variant``)."""
    return _simulate(args, kind="run")


def cmd_compare(args: argparse.Namespace) -> int:
    """Run every variant (or, with ``--all``, the whole claim library)."""
    if args.all_claims:
        if args.scenario:
            raise UsageError("compare --all runs the whole claim library; give no SCENARIO")
        if args.replicates is not None or args.seed is not None or args.engine is not None:
            raise UsageError("compare --all runs each library scenario as written; use --quick for a smoke test")
        from sim.library import run_library

        out = run_library(
            Path(args.out) if args.out else Path("results/library"), workers=args.workers,
            quick=args.quick, progress=not args.quiet,
        )
        print(out / "README.md")
        return 0
    if not args.scenario:
        raise UsageError("compare needs a SCENARIO (or --all for the whole claim library)")
    return _simulate(args, kind="compare")


def _simulate(args: argparse.Namespace, *, kind: str) -> int:
    import json

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
        _say(args, f"note: {scn.name} has {len(scn.variants)} variants; "
                   f"`buzzsim compare {args.scenario}` runs them side by side")  # fmt: skip
    n_var, n_rep = len(plan.variants), len(plan.seeds)
    workers = min(args.workers or default_workers(), plan.n_runs)
    _say(args, f"{plan.scenario.name}: {n_var} variant{'s' if n_var != 1 else ''} × {n_rep} "
               f"replicate{'s' if n_rep != 1 else ''} on {workers} "
               f"worker{'s' if workers != 1 else ''}")  # fmt: skip
    runset = run_variants(plan, workers=args.workers, progress=not args.quiet)
    _say(args, f"{plan.n_runs} runs in {runset.wall_time_s:.1f} s; writing results")
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


def cmd_list(args: argparse.Namespace) -> int:
    """Print the scenario library, one line each."""
    from sim.scenario.load import library_dirs, library_scenarios, load_scenario

    lib = library_scenarios()
    if not lib:
        dirs = ", ".join(str(d) for d in library_dirs()) or "no scenarios/ folder found"
        print(f"no scenarios found ({dirs})")
        return 0
    rows = []
    for name, path in lib.items():
        try:
            scn = load_scenario(path)
            desc = scn.description.strip().splitlines()[0] if scn.description.strip() else ""
            nvar = str(len(scn.variants)) if scn.variants else "-"
        except BuzzsimError as exc:
            desc, nvar = f"(invalid: {exc})", "?"
        rows.append((name, nvar, desc, str(path)))
    width = max(len("SCENARIO"), *(len(r[0]) for r in rows))
    print(f"{'SCENARIO':<{width}}  VARIANTS  DESCRIPTION")
    for name, nvar, desc, p in rows:
        line = f"{name:<{width}}  {nvar:>8}  {desc}"
        print(line + (f"  [{p}]" if args.paths else ""))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    """Print the resolved scenario (or one variant) as TOML."""
    from sim.scenario.load import find_scenario, load_scenario, scenario_to_toml
    from sim.scenario.variants import select_variants

    path = find_scenario(args.scenario)
    scn = load_scenario(path)
    header = f"{scn.name}: every parameter, defaults and topic presets filled in.\nsource: {path}"
    if args.variant:
        (v,) = select_variants(scn, [args.variant])
        scn = v.scenario
        header += f"\nvariant: {v.name}" + (f" ({v.description})" if v.description else "")
    sys.stdout.write(scenario_to_toml(scn, header=header))
    return 0


# ---------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------


def _on_sigterm(signum: int, frame: Any) -> None:
    raise Terminated()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``buzzsim`` command line; return the exit status.

    Parameters
    ----------
    argv : list of str, optional
        Arguments without the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 2 for bad input (one line on stderr), 130 when interrupted,
        143 when terminated.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    old_term = None
    if threading.current_thread() is threading.main_thread():
        old_term = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help(sys.stderr)
            return 2
        args.argv = argv
        return int(args.func(args) or 0)
    except BuzzsimError as exc:
        print(f"{PROG}: error: {_one_line(str(exc))}", file=sys.stderr)
        return 2
    except Terminated:
        print(f"\n{PROG}: terminated; no results were written", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print(f"\n{PROG}: interrupted; no results were written", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `buzzsim show x | head`
        try:
            sys.stdout = open(__import__("os").devnull, "w")  # noqa: SIM115
        except OSError:  # pragma: no cover
            pass
        return 0
    except Exception as exc:
        if not _caused_by_interrupt(exc):
            raise
        # a library turned a Ctrl-C into another error (scipy's import of its C parts)
        print(f"\n{PROG}: interrupted; no results were written", file=sys.stderr)
        return 130
    finally:
        if old_term is not None:
            signal.signal(signal.SIGTERM, old_term)


def console() -> NoReturn:
    """The ``buzzsim`` command: :func:`main`, then exit with its code.

    After a Ctrl-C (code 130) the process ends at once with that code: a Ctrl-C that
    landed inside a library's import can leave the interpreter set to re-raise
    SIGINT when it shuts down (exit -2 instead of 130). The runs, workers and
    temporary folders are already cleaned up by then.
    """
    code = main()
    if code == 130:
        import os

        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(130)
    sys.exit(code)


def _caused_by_interrupt(exc: BaseException) -> bool:
    """Whether ``exc`` was raised while handling a KeyboardInterrupt (its cause chain)."""
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        if isinstance(e, KeyboardInterrupt):
            return True
        seen.add(id(e))
        e = e.__cause__ or e.__context__
    return False


def _one_line(msg: str) -> str:
    return " ".join(msg.split())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
