"""The ``buzzsim`` command line (:mod:`sim.cli.main`); one module per command."""

from sim.cli.main import SUBCOMMANDS, build_parser, console, main

__all__ = ["SUBCOMMANDS", "build_parser", "console", "main"]
