"""Which of the model's mechanisms earn their place on observed series:
backward elimination on the ladder's out-of-sample score (docs/SELECTION.md).

Each model (the scenario with some mechanisms switched off) is recalibrated
at every origin on the observed levels up to it, with its switches held, and
scored on the later years by CRPS relative to persistence's.  A mechanism is
kept only if removing it costs skill beyond the bootstrap interval; while one
is not, the one whose removal costs least is switched off and every model
refitted.  ``--paper`` starts from every mechanism on (as the paper has it),
whatever the registry's defaults: the run that chose those defaults.

Writes into --out: steps.csv, cells.csv, meta.json (the kept and removed
mechanisms and the switch values that turn the removed ones off) and
timing.json.  A bad file stops with one line naming the file and the field.
"""

from __future__ import annotations

import sys
from pathlib import Path

from resetsim.cli.common import UsageError, add_engine, check_runs_and_seed, parse_sets
from resetsim.core import io
from resetsim.core.config import ScenarioError
from resetsim.experiments import ladder, selection
from resetsim.experiments.ladder_inputs import check_observes
from resetsim.output.selection import selection_lines, write_selection
from resetsim.scenario import as_compiled, compile_scenario
from resetsim.scenario.observations import load_observations

NAME = "select"
HELP = "keep only the mechanisms whose removal costs out-of-sample skill"


def add_arguments(p) -> None:
    """The command's arguments."""
    p.add_argument("scenario", metavar="SCENARIO", help="scenario TOML file (with a posterior)")
    p.add_argument(
        "--observed", required=True, metavar="FILE", help="observations file (TOML; docs/LADDER.md)"
    )
    p.add_argument("--out", metavar="DIR", help="output directory (default: runs/<name>_select)")
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
        "--runs", type=int, metavar="N", help=f"runs per model (default: {ladder.DEFAULT_RUNS})"
    )
    p.add_argument("--seed", type=int, metavar="S", help="base seed (default: the scenario's)")
    p.add_argument(
        "--paper",
        action="store_true",
        help="start from the paper's model: every mechanism switched on, whatever the defaults",
    )
    p.add_argument(
        "--set",
        action="append",
        metavar="NAME=VALUE",
        help="set a parameter in every model (repeatable; after --paper)",
    )
    add_engine(p, "the engine of the models: ")
    p.add_argument(
        "--abc-population",
        type=int,
        default=ladder.ABC_POPULATION,
        metavar="N",
        help=f"particles per generation of each recalibration (default {ladder.ABC_POPULATION})",
    )
    p.add_argument(
        "--abc-generations",
        type=int,
        default=ladder.ABC_GENERATIONS,
        metavar="G",
        help=f"generations of each recalibration (default {ladder.ABC_GENERATIONS})",
    )
    p.add_argument(
        "--bootstrap",
        type=int,
        default=1000,
        metavar="B",
        help="bootstrap resamples (default 1000)",
    )
    p.add_argument("--overwrite", action="store_true", help="replace a non-empty --out")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")


def run(args) -> int:
    """Parse, load, select, write."""
    check_runs_and_seed(args)
    if args.bootstrap < 100:
        raise UsageError("--bootstrap must be >= 100")
    if args.abc_population < 10 or args.abc_generations < 1:
        raise UsageError("--abc-population must be >= 10 and --abc-generations >= 1")
    try:
        origins = ladder.check_origins(args.origins)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    sets = parse_sets(args.set)
    compiled = as_compiled(args.scenario)
    if args.paper or sets:
        start = selection.paper_switches() if args.paper else {}
        sc = compiled.scenario
        compiled = compile_scenario(
            sc.model_copy(update={"parameters": {**sc.parameters, **start, **sets}})
        )
    try:
        obs = load_observations(args.observed)
        check_observes(obs, compiled)
    except ScenarioError as exc:
        raise UsageError(exc.one_line()) from None
    out = Path(args.out or Path("runs") / f"{compiled.scenario.name}_select")
    io.check_output_dir(out, args.overwrite, protect=[args.scenario, args.observed])
    say = None if args.quiet else (lambda m: print(m, file=sys.stderr))
    try:
        s = selection.select(
            compiled,
            obs,
            origins=origins,
            runs=args.runs,
            seed=args.seed,
            n_boot=args.bootstrap,
            abc_population=args.abc_population,
            abc_generations=args.abc_generations,
            engine=args.engine,
            progress=say,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    write_selection(s, out, overwrite=args.overwrite)
    if not args.quiet:
        for line in selection_lines(s):
            print(line)
        print(f"wrote {out}/", file=sys.stderr)
    return 0
