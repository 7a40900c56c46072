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
from pathlib import Path

from resetsim.cli.common import (
    UsageError,
    add_engine,
    add_figure_formats,
    check_runs_and_seed,
    figure_formats,
)
from resetsim.core import io
from resetsim.core.config import ScenarioError
from resetsim.experiments import ladder
from resetsim.experiments.ladder_inputs import check_observes
from resetsim.output.assess import assess_lines, write_assessment
from resetsim.scenario import as_compiled
from resetsim.scenario.observations import load_observations

NAME = "assess"
HELP = "score the model, its knock-outs and simpler explanations on observed series"


def add_arguments(p) -> None:
    """The command's arguments."""
    p.add_argument("scenario", metavar="SCENARIO", help="scenario TOML file")
    p.add_argument(
        "--observed", required=True, metavar="FILE", help="observations file (TOML; docs/LADDER.md)"
    )
    p.add_argument("--out", metavar="DIR", help="output directory (default: runs/<name>_assess)")
    p.add_argument(
        "--origins",
        type=int,
        nargs="+",
        metavar="YEAR",
        default=list(ladder.DEFAULT_ORIGINS),
        help="fit on the years up to each origin, score the years after it "
        f"(default: {' '.join(map(str, ladder.DEFAULT_ORIGINS))})",
    )
    p.add_argument(
        "--runs", type=int, metavar="N", help=f"runs per rung (default: {ladder.DEFAULT_RUNS})"
    )
    p.add_argument("--seed", type=int, metavar="S", help="base seed (default: the scenario's)")
    add_engine(p, "the engine of the model rungs: ")
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
    p.add_argument(
        "--abc-population",
        type=int,
        default=ladder.ABC_POPULATION,
        metavar="N",
        help=f"--recalibrate: particles per generation (default {ladder.ABC_POPULATION})",
    )
    p.add_argument(
        "--abc-generations",
        type=int,
        default=ladder.ABC_GENERATIONS,
        metavar="G",
        help=f"--recalibrate: generations (default {ladder.ABC_GENERATIONS})",
    )
    p.add_argument(
        "--coding-draws",
        type=int,
        default=0,
        metavar="K",
        help="re-score K times with every event's intensity moved by one at random (within 1-3)",
    )
    p.add_argument(
        "--bootstrap",
        type=int,
        default=1000,
        metavar="B",
        help="bootstrap resamples (default 1000)",
    )
    p.add_argument("--overwrite", action="store_true", help="replace a non-empty --out")
    add_figure_formats(p)
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")


def run(args) -> int:
    """Parse, load, assess, write."""
    check_runs_and_seed(args)
    if args.coding_draws < 0:
        raise UsageError("--coding-draws must be >= 0")
    if args.bootstrap < 0:
        raise UsageError("--bootstrap must be >= 0")
    if args.abc_population < 10 or args.abc_generations < 1:
        raise UsageError("--abc-population must be >= 10 and --abc-generations >= 1")
    try:
        origins = ladder.check_origins(args.origins)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    formats = figure_formats(args.figure_formats)
    compiled = as_compiled(args.scenario)
    try:
        obs = load_observations(args.observed)
        check_observes(obs, compiled)
    except ScenarioError as exc:
        raise UsageError(exc.one_line()) from None
    out = Path(args.out or Path("runs") / f"{compiled.scenario.name}_assess")
    io.check_output_dir(out, args.overwrite, protect=[args.scenario, args.observed])
    say = None if args.quiet else (lambda m: print(m, file=sys.stderr))
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
