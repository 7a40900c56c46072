"""Compare two scenarios run on the same seeds (e.g. the history and a counterfactual).

Both scenarios get the same replication seeds (--seed, default the first
scenario's), so run i of A and run i of B share their random numbers and their
difference is the effect of what differs between the files.  Writes into --out:

* compare.csv - per quarter both scenarios share: each state's median trust in
  A and B and the median, 5% and 95% quantiles of the per-run difference B - A
  (also for the relationship index);
* metrics.csv - per metric (resetsim.analysis.metrics.run_metrics and each
  state's mean trust): mean in A, mean in B, mean of the per-run difference,
  shares of runs where B > A and where B < A;
* compare.png - trusts of both and the per-run difference over time;
* meta.json - seeds, engine, both resolved scenarios, the periods compared,
  versions and git commit.

Scenarios over different periods are refused unless --allow-different-periods
is given; then only the quarters both cover are compared (the paired metrics
too, without the fidelity metrics), and the summary says so.
"""

from __future__ import annotations

import sys
from pathlib import Path

from resetsim.cli.common import (
    UsageError,
    add_figure_formats,
    check_runs_and_seed,
    figure_formats,
    parse_sets,
    without_posterior,
)
from resetsim.core import io
from resetsim.engines.runner import run_scenario
from resetsim.output.compare import period_label, same_period, shared_quarters, write_comparison
from resetsim.output.run import check_fits
from resetsim.output.summary import compare_header
from resetsim.scenario import compile_scenario, load
from resetsim.scenario.references import named_inputs

NAME = "compare"
HELP = "run two scenarios on the same seeds and tabulate / plot the difference"


def add_arguments(p) -> None:
    """The command's arguments."""
    p.add_argument("a", metavar="A", help="baseline scenario TOML file")
    p.add_argument("b", metavar="B", help="alternative scenario TOML file (e.g. a counterfactual)")
    p.add_argument("--runs", type=int, metavar="N", help="runs of each (default: A's `runs`)")
    p.add_argument("--seed", type=int, metavar="S", help="base seed (default: A's `seed`)")
    p.add_argument(
        "--set", action="append", metavar="NAME=VALUE", help="override a parameter in both"
    )
    p.add_argument("--out", metavar="DIR", help="output directory (default: runs/compare_A_vs_B)")
    p.add_argument(
        "--no-posterior",
        action="store_true",
        help="ignore the scenarios' `posterior`: every run at the point estimate",
    )
    p.add_argument("--overwrite", action="store_true", help="replace a non-empty --out")
    p.add_argument(
        "--allow-different-periods",
        action="store_true",
        help="compare scenarios over different periods on the quarters both cover",
    )
    add_figure_formats(p)
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")


def run(args) -> int:
    """Parse, load, run both, write (see the module's docstring); exit status 0."""
    sa = without_posterior(load(args.a), args.no_posterior)
    sb = without_posterior(load(args.b), args.no_posterior)
    params = parse_sets(args.set)
    formats = figure_formats(args.figure_formats)
    check_runs_and_seed(args)
    if tuple(sa.state_ids) != tuple(sb.state_ids):
        raise UsageError(
            f"the scenarios have different states ({', '.join(sa.state_ids)} vs "
            f"{', '.join(sb.state_ids)}); compare needs the same dyad"
        )
    ca, cb = compile_scenario(sa), compile_scenario(sb)
    check_periods(args, ca, cb)
    runs = args.runs if args.runs is not None else sa.runs
    seed = args.seed if args.seed is not None else sa.seed
    out = Path(args.out or Path("runs") / f"compare_{sa.name}_vs_{sb.name}")
    protect = [args.a, args.b, *named_inputs(sa), *named_inputs(sb)]
    io.check_output_dir(out, args.overwrite, protect)
    check_fits(ca, 2 * runs, "csv", out, streaming=False)
    progress = None if not args.quiet else False
    ra = run_scenario(ca, runs=runs, seed=seed, params=params, progress=progress)
    rb = run_scenario(cb, runs=runs, seed=seed, params=params, progress=progress)
    with io.atomic_dir(out, overwrite=args.overwrite, protect=protect, kind="compare") as stage:
        lines = write_comparison(ra, rb, stage, formats)
    if not args.quiet:
        print(compare_header(ra, rb))
        for line in lines:
            print(line)
        print(f"wrote {out}/", file=sys.stderr)
    return 0


def check_periods(args, ca, cb) -> None:
    """Refuse scenarios sharing no quarter, and (without
    --allow-different-periods) scenarios over different periods."""
    common = shared_quarters(ca, cb)
    pa, pb = period_label(ca.quarters), period_label(cb.quarters)
    if common.size == 0:
        raise UsageError(
            f"{args.b}: start, end: its period {pb} shares no quarter with {args.a}'s {pa}; "
            "nothing to compare"
        )
    if not same_period(ca, cb) and not args.allow_different_periods:
        raise UsageError(
            f"{args.b}: start, end: its period {pb} differs from {args.a}'s {pa}; give both "
            "the same start and end, or pass --allow-different-periods to compare only the "
            f"{common.size} quarters both cover ({period_label(common)})"
        )
