"""What every ``buzzsim`` command shares: the parser class, argument types, options."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from sim.errors import BuzzsimError

__all__ = [
    "PROG",
    "Parser",
    "UsageError",
    "int_at_least",
    "non_negative_int",
    "one_line",
    "positive_int",
    "run_options",
    "say",
    "scenario_arg",
]

PROG = "buzzsim"


class UsageError(BuzzsimError):
    """A bad command line (unknown option, bad value...)."""


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line, raised instead of printed."""

    def error(self, message: str) -> NoReturn:
        sub = self.prog[len(PROG) :].strip()
        hint = f" (see {PROG} {sub + ' ' if sub else ''}--help)"
        raise UsageError(message + hint)


def int_at_least(lo: int, what: str) -> Callable[[str], int]:
    """An argparse type: an integer at least ``lo`` (``what`` names it in errors)."""
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


positive_int = int_at_least(1, "a positive integer")


non_negative_int = int_at_least(0, "an integer >= 0")


def scenario_arg() -> argparse.ArgumentParser:
    """Parent parser with the positional ``SCENARIO`` (a path or a library name)."""
    p = Parser(add_help=False)
    p.add_argument(
        "scenario",
        metavar="SCENARIO",
        help="scenario file (.toml) or library name (see `buzzsim list`)",
    )
    return p


def run_options() -> argparse.ArgumentParser:
    """Parent parser with the options shared by every command that runs simulations."""
    p = Parser(add_help=False)
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


def say(args: argparse.Namespace, msg: str) -> None:
    """A progress line on stderr, unless ``--quiet``."""
    if not getattr(args, "quiet", False):
        print(msg, file=sys.stderr, flush=True)


def one_line(msg: str) -> str:
    """``msg`` with its whitespace runs (newlines too) collapsed to single spaces."""
    return " ".join(msg.split())
