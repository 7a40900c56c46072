"""Score a scenario against observed series: the model, its knock-outs and
simpler explanations (persistence, trend, event ledgers), each on the years
after rolling origins it was not fitted to (docs/LADDER.md).

Writes into --out: scores.csv (one row per rung, series, origin and sample:
rung, series, origin, sample, n, spearman, rmse, coverage80, crps, ...),
summary.csv, observation_models.csv, predictions.csv, ledger_weights.csv,
ladder.png, meta.json and timing.json (and coding.csv with --coding-draws).

The observations file (TOML) lists [[series]] with id, file (a CSV with
`year` or `date`, `value`, optional `n` and `sd`), observes (e.g. usa.trust,
rus.trust, dyad.relationship_index), scale (percent, share or index) and
source.  A bad file stops with one line naming the file and the field.
"""

from __future__ import annotations

import sys

from resetsim.cli.common import UsageError, add_figure_formats, figure_formats
from resetsim.cli.scoring import (
    add_budget_arguments,
    add_closing_arguments,
    add_scored_arguments,
    check_scored_arguments,
    load_scored,
)
from resetsim.experiments import ladder
from resetsim.output.assess import assess_lines, write_assessment

NAME = "assess"
HELP = "score the model, its knock-outs and simpler explanations on observed series"


def add_arguments(p) -> None:
    """The command's arguments."""
    add_scored_arguments(p, suffix="assess", per="rung")
    p.add_argument(
        "--recalibrate",
        action="store_true",
        help="recalibrate the model's dynamics per origin (ABC on the evidence up to it)",
    )
    p.add_argument(
        "--recalibrate-levels",
        action="store_true",
        help="recalibrate per origin the parameters the scenario's posterior calibrates, on "
        "the observed levels up to the origin (how model v3's posterior was made)",
    )
    add_budget_arguments(p, what="--recalibrate: ")
    p.add_argument(
        "--coding-draws",
        type=int,
        default=0,
        metavar="K",
        help="re-score K times with every event's intensity moved by one at random (within 1-3)",
    )
    add_closing_arguments(p)
    add_figure_formats(p)


def run(args) -> int:
    """Parse, load, assess, write."""
    origins = check_scored_arguments(args)
    if args.coding_draws < 0:
        raise UsageError("--coding-draws must be >= 0")
    formats = figure_formats(args.figure_formats)
    compiled, obs, out, say = load_scored(args, suffix="assess")
    try:
        a = ladder.assess(
            compiled,
            obs,
            origins=origins,
            runs=args.runs,
            seed=args.seed,
            recalibrate=args.recalibrate or args.recalibrate_levels,
            recalibrate_levels=args.recalibrate_levels,
            coding_draws=args.coding_draws,
            n_boot=args.bootstrap,
            abc_population=args.abc_population,
            abc_generations=args.abc_generations,
            engine=args.engine,
            progress=say,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    write_assessment(a, out, overwrite=args.overwrite, formats=formats)
    if not args.quiet:
        for line in assess_lines(a):
            print(line)
        print(f"wrote {out}/", file=sys.stderr)
    return 0
