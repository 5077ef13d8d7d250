"""Command line of ``buzzsim calibrate`` and of ``buzzsim validate --data``.

::

    buzzsim validate --data FILE [--scenario S] [--out DIR] [--cascades N] [--max-runs R]
                                 [--min-size K] [--horizon H] [--message NAME] [--seed S]
    buzzsim calibrate SCENARIO --data FILE --param KEY=lo..hi [--param ...]
                      [--population N] [--generations G] [--scheduler ADDR] [--resume]
                      [--out DIR] [--quick] [--cascades N] [--max-runs R] [--min-size K]
                      [--horizon H] [--message NAME] [--seed S]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from sim.cli.options import non_negative_int, positive_int
from sim.errors import BuzzsimError

__all__ = ["add_calibrate_parser", "add_data_options", "cmd_calibrate", "cmd_validate_data"]




def _hours(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected hours (a number > 0), got {text!r}") from None
    if not v > 0 or v > 24 * 365:
        raise argparse.ArgumentTypeError(f"expected hours in (0, 8760], got {text}")
    return v


def _sampling_options(p: Any, *, calibrate: bool) -> None:
    g = p.add_argument_group("sampling the model like the data")
    per = " per particle" if calibrate else ""
    g.add_argument("--cascades", type=positive_int, metavar="N",
                   help=f"qualifying model cascades{per} (default: as many as the data"
                        f"{', at most 100' if calibrate else ''})")
    g.add_argument("--max-runs", type=positive_int, metavar="R",
                   help=f"most runs{per} (default: "
                        f"{'20 per wanted cascade' if calibrate else '50 per wanted cascade, at most 2000'})")
    g.add_argument("--min-size", type=positive_int, metavar="K",
                   help="fewest nodes (original included) of a qualifying cascade (default: the data's smallest)")
    g.add_argument("--horizon", type=_hours, metavar="H",
                   help="hours observed after each post, data cut alike (default: the scenario's run.horizon_h)")
    g.add_argument("--message", metavar="NAME", help="message whose cascades are sampled (default: the first)")
    g.add_argument("--seed", type=non_negative_int, default=0, metavar="S", help="seed (default 0)")


def add_data_options(p: Any) -> None:
    """Options of ``buzzsim validate`` for the comparison with real cascades."""
    p.add_argument("--data", metavar="FILE",
                   help="real cascades (CSV/Parquet table, Weibo .txt or sizes table; docs/calibration.md): "
                        "compare the model with them instead of running the theory checks")
    p.add_argument("--scenario", metavar="S",
                   help="with --data: scenario to sample (default: one post from a random account)")
    from sim.calibration.settings import SETTINGS

    p.add_argument("--setting", default="defaults", choices=list(SETTINGS), metavar="NAME",
                   help="with --data: model setting laid over the scenario: "
                        + "; ".join(f"{k} ({v.description.split(':')[0]})" for k, v in SETTINGS.items())
                        + " (default: defaults)")
    p.add_argument("--scale", action="store_true",
                   help="with --data: also measure the requirements at 10^6 accounts (single posts reach "
                        "10^3 shares; the complaint's reach 10^6 vs 10^5); a few minutes")
    p.add_argument("--graphs", type=positive_int, metavar="K",
                   help="with --data: reuse K follower graphs for the sample (default: a new graph per run "
                        "below 10^5 accounts, 4 from 10^5 up)")
    _sampling_options(p, calibrate=False)


def cmd_validate_data(args: argparse.Namespace) -> int:
    """``buzzsim validate --data``."""
    from sim.calibration.report import validate_data

    if args.quick:
        raise BuzzsimError("--quick is for the theory checks; with --data use --cascades N for a smaller sample")
    out = Path(args.out) if args.out else None
    if out is not None and out.exists() and any(out.iterdir()):
        raise BuzzsimError(f"--out {out}: folder exists and is not empty")
    folder = validate_data(args.data, scenario=args.scenario, out=out, n_cascades=args.cascades,
                           max_runs=args.max_runs, min_size=args.min_size, horizon_h=args.horizon,
                           message=args.message, seed=args.seed, progress=True, setting=args.setting,
                           scale=args.scale, graphs=args.graphs)
    import json

    from sim.calibration.requirements import Requirement, format_requirement

    summary = json.loads((folder / "summary.json").read_text())
    print(f"data: {summary['data_cascades']} cascades (>= {summary['min_size']} nodes within "
          f"{summary['horizon_h']:g} h); model: {summary['model_cascades']} qualifying cascades in "
          f"{summary['model_runs']} runs")
    for r in summary["comparison"]:
        if r["n_data"] and r["n_model"]:
            print(f"  {r['statistic']:<20} data {r['data_median']:.3g}  model {r['model_median']:.3g}  "
                  f"KS {r['ks']:.2f}")
    reqs = [Requirement(**r) for r in summary["requirements"]]
    print(f"requirements of issue 16, item 1 (model setting: {summary['setting']['name']}):")
    for r in reqs:
        print("  " + format_requirement(r))
    measured = [r for r in reqs if r.met is not None]
    print(f"  {sum(bool(r.met) for r in measured)} of {len(measured)} measured requirements met")
    print(f"report: {folder / 'report.md'}")
    return 0


def add_calibrate_parser(sub: Any) -> None:
    """``buzzsim calibrate``."""
    p = sub.add_parser(
        "calibrate",
        help="fit scenario parameters to real cascades (ABC-SMC with pyABC)",
        description="Approximate Bayesian computation: particles of the --param ranges are simulated "
        "like the data and kept when their cascade statistics are close to the data's. Writes "
        "posterior.csv, posterior_pairs.png, predictive_*.png, fit.md and calibrated.toml.",
    )
    p.add_argument("scenario", metavar="SCENARIO", help="scenario file (.toml) or library name")
    p.add_argument("--data", required=True, metavar="FILE", help="real cascades (docs/calibration.md)")
    p.add_argument("--param", action="append", default=[], metavar="KEY=lo..hi",
                   help="a calibrated parameter and its uniform prior, e.g. messages.0.virality=0.5..3 "
                        "(repeat for several)")
    p.add_argument("--population", type=positive_int, metavar="N",
                   help="particles per generation (default 40; --quick 8)")
    p.add_argument("--generations", type=positive_int, metavar="G", help="generations (default 4; --quick 2)")
    p.add_argument("--scheduler", metavar="ADDR", help="dask scheduler address (pyABC's dask sampler)")
    p.add_argument("--resume", action="store_true", help="continue the calibration in --out (its abc.db)")
    p.add_argument("--out", metavar="DIR", help="output folder (default results/calibrate/<scenario>-<time>)")
    p.add_argument("--quick", action="store_true",
                   help="a smoke test: unless given, 8 particles, 2 generations, 10 cascades per particle")
    p.add_argument("--draws", type=positive_int, default=5, metavar="D",
                   help="posterior draws in the predictive check (5)")
    _sampling_options(p, calibrate=True)
    p.set_defaults(func=cmd_calibrate)


def cmd_calibrate(args: argparse.Namespace) -> int:
    """``buzzsim calibrate``."""
    from sim.calibration.calibrate import QUICK, calibrate, make_setup

    setup = make_setup(args.scenario, args.data, args.param, population=args.population,
                       generations=args.generations, n_cascades=args.cascades, max_runs=args.max_runs,
                       min_size=args.min_size, horizon_h=args.horizon, message=args.message, seed=args.seed,
                       quick=args.quick)
    if args.out:
        out = Path(args.out)
    else:
        if args.resume:
            raise BuzzsimError("--resume needs --out DIR (the folder of the calibration to continue)")
        out = Path("results") / "calibrate" / f"{setup.scenario.name}-{time.strftime('%Y%m%d-%H%M%S')}"
    if args.resume and not (out / "abc.db").exists():
        raise BuzzsimError(f"--resume: {out / 'abc.db'} does not exist (nothing to continue)")
    if not args.resume and out.exists() and any(out.iterdir()):
        raise BuzzsimError(f"--out {out}: folder exists and is not empty (add --resume to continue it)")
    draws = QUICK["predictive_draws"] if args.quick else args.draws
    folder = calibrate(setup, out, resume=args.resume, scheduler=args.scheduler, progress=True,
                       predictive_draws=draws, quick=args.quick, command=["buzzsim", *getattr(args, "argv", [])])
    print(f"posterior: {folder / 'posterior.csv'}", file=sys.stdout)
    print(f"fit: {folder / 'fit.md'}")
    print(f"calibrated scenario: {folder / 'calibrated.toml'}")
    return 0
