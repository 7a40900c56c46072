"""Run a scenario and write what it produced into --out:

* trajectory.csv - every run, every quarter, every recorded variable
  (trajectory.parquet with --table-format parquet: the same table, smaller
  and faster for big runs; written as the runs are simulated);
* meta.json - seeds, resolved parameters and scenario, versions and git
  commit (no timestamps);
* parameters.csv - when the scenario names a `posterior`: `run` and each
  parameter the run drew from it (--no-posterior: none, the point estimate);
* episodes.csv - the reset episodes detected in each run (docs/EPISODES.md);
* trust.png - both trusts with the detected episodes marked (also .svg/.pdf
  with --figure-formats);
* fidelity.csv, fidelity_runs.csv - when the scenario names a targets file:
  how well the runs reproduce those episodes;
* fan.png, summary.txt - when the scenario has a projection_start: the
  projection as a fan chart with the probability of a new reset and of its
  failure, and a short text summary.

The output directory must be empty or absent (or --overwrite given); it is
written atomically: it appears complete, or not at all.
"""

from __future__ import annotations

import sys
from pathlib import Path

from resetsim.api import run_into
from resetsim.cli.common import (
    add_engine,
    add_figure_formats,
    check_runs_and_seed,
    figure_formats,
    parse_sets,
    without_posterior,
)
from resetsim.core import io
from resetsim.output.run import check_fits, run_text
from resetsim.output.trajectory import TABLE_FORMATS
from resetsim.scenario import load
from resetsim.scenario.references import named_inputs

NAME = "run"
HELP = "run a scenario and write its trajectories, episodes and plots"


def add_arguments(p) -> None:
    """The command's arguments."""
    p.add_argument("scenario", metavar="SCENARIO", help="scenario TOML file")
    p.add_argument("--out", metavar="DIR", help="output directory (default: runs/<name>)")
    p.add_argument(
        "--runs", type=int, metavar="N", help="number of runs (default: the scenario's `runs`)"
    )
    p.add_argument("--seed", type=int, metavar="S", help="base seed (default: the scenario's)")
    add_engine(p)
    p.add_argument(
        "--set", action="append", metavar="NAME=VALUE", help="override a parameter (repeatable)"
    )
    p.add_argument(
        "--table-format",
        choices=TABLE_FORMATS,
        default="csv",
        help="the trajectory table: trajectory.csv (default) or trajectory.parquet "
        "(smaller and faster, for big runs)",
    )
    p.add_argument(
        "--no-posterior",
        action="store_true",
        help="ignore the scenario's `posterior`: every run at the point estimate",
    )
    p.add_argument("--overwrite", action="store_true", help="replace a non-empty --out")
    add_figure_formats(p)
    p.add_argument(
        "--quiet", action="store_true", help="no progress bars (simulate, detect, write, plot)"
    )


def run(args) -> int:
    """Parse, load, run, write (see the module's docstring); exit status 0."""
    scenario = without_posterior(load(args.scenario), args.no_posterior)
    params = parse_sets(args.set)
    formats = figure_formats(args.figure_formats)
    check_runs_and_seed(args)
    out = Path(args.out or Path("runs") / scenario.name)
    protect = [args.scenario, *named_inputs(scenario)]
    io.check_output_dir(out, args.overwrite, protect)
    check_fits(scenario, args.runs, args.table_format, out)
    with io.atomic_dir(out, overwrite=args.overwrite, protect=protect) as stage:
        result, report = run_into(
            stage,
            scenario,
            runs=args.runs,
            seed=args.seed,
            params=params,
            engine=args.engine,
            table_format=args.table_format,
            progress=None if not args.quiet else False,
            figure_formats=formats,
        )
    if not args.quiet:
        for line in run_text(result, report):
            print(line)
        print(f"wrote {out}/", file=sys.stderr)
    return 0
