"""``buzzsim app``: the strategist's workbench page (:mod:`sim.app`, needs ``buzzsim[app]``)."""

from __future__ import annotations

import argparse
from typing import Any

from sim.cli.options import int_at_least

__all__ = ["add_app", "cmd_app"]


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
    p.add_argument("--port", type=int_at_least(0, "a port number"), default=8765,
                   help="port (default 8765; 0 picks a free one)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only)")
    p.set_defaults(func=cmd_app)  # fmt: skip


def cmd_app(args: argparse.Namespace) -> int:
    """Serve the page until Ctrl-C."""
    from sim.app import serve

    return serve(args.scenario, host=args.host, port=args.port)
