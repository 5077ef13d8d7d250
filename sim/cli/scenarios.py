"""``buzzsim list`` and ``buzzsim show``: the scenario library and resolved parameters."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from sim.cli.options import scenario_arg
from sim.errors import BuzzsimError

__all__ = ["add_list", "add_show", "cmd_list", "cmd_show"]

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
