"""The ``buzzsim`` command line: a package of thin commands over the library.

::

    buzzsim run SCENARIO [--replicates N] [--seed S] [--engine fast|reference] [--out DIR]
    buzzsim compare SCENARIO [...]        # every variant side by side, paired differences
    buzzsim sweep | validate | calibrate | bench | app | list | show

``SCENARIO`` is a path to a TOML file or the name of a library scenario
(``buzzsim list``). Anything a user can get wrong ends in one line,
``buzzsim: error: <what and where>``, and exit status 2, never a traceback.
An interrupted run (Ctrl-C, SIGTERM) writes nothing and exits with 130 / 143.

Each command is a module of :mod:`sim.cli` with ``add_<name>(sub)`` (its parser,
``set_defaults(func=cmd_<name>)``) and ``cmd_<name>(args) -> exit status``; the
commands import the model inside ``cmd_<name>`` so that ``buzzsim --help`` and a
Ctrl-C at start-up answer at once (issue #14). Adding a command is one module and
one entry in :data:`SUBCOMMANDS`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from sim.cli.app import add_app
from sim.cli.bench import add_bench
from sim.cli.calibrate import add_calibrate_parser
from sim.cli.options import PROG, Parser, one_line
from sim.cli.run import add_compare, add_run
from sim.cli.scenarios import add_list, add_show
from sim.cli.sweep import add_sweep_parser
from sim.cli.validate import add_validate
from sim.errors import BuzzsimError

__all__ = ["SUBCOMMANDS", "Terminated", "build_parser", "caused_by_interrupt", "console", "main"]


class Terminated(KeyboardInterrupt):
    """SIGTERM, turned into an exception so that clean-up runs."""


#: Functions that add a subcommand's parser; append to add a subcommand.
SUBCOMMANDS: list[Callable[[Any], None]] = [
    add_run, add_compare, add_sweep_parser, add_list, add_show, add_validate, add_bench, add_app,
    add_calibrate_parser,
]


def build_parser() -> argparse.ArgumentParser:
    """The ``buzzsim`` argument parser with every subcommand of :data:`SUBCOMMANDS`."""
    from sim import __version__  # the package itself: sim/__init__ loads nothing heavy

    parser = Parser(
        prog=PROG,
        description="Agent-based simulation of marketing topics and brand crises on social "
        "networks.",
        epilog="Run `buzzsim COMMAND --help` for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for add in SUBCOMMANDS:
        add(sub)
    return parser


def on_sigterm(signum: int, frame: Any) -> None:
    """SIGTERM handler: raise :class:`Terminated` (clean-up runs, exit 143)."""
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
        old_term = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help(sys.stderr)
            return 2
        args.argv = argv
        return int(args.func(args) or 0)
    except BuzzsimError as exc:
        print(f"{PROG}: error: {one_line(str(exc))}", file=sys.stderr)
        return 2
    except Terminated:
        print(f"\n{PROG}: terminated; no results were written", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print(f"\n{PROG}: interrupted; no results were written", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `buzzsim show x | head`
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        return 0
    except Exception as exc:
        if not caused_by_interrupt(exc):
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
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(130)
    sys.exit(code)


def caused_by_interrupt(exc: BaseException) -> bool:
    """Whether ``exc`` was raised while handling a KeyboardInterrupt (its cause chain)."""
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        if isinstance(e, KeyboardInterrupt):
            return True
        seen.add(id(e))
        e = e.__cause__ or e.__context__
    return False
