"""Which of the model's mechanisms earn their place on observed series:
backward elimination on the ladder's out-of-sample score (docs/SELECTION.md).

Each model (the scenario with some mechanisms switched off) is recalibrated
at every origin on the observed levels up to it, with its switches held, and
scored on the later years by CRPS relative to persistence's.  A mechanism is
kept only if removing it costs skill beyond the bootstrap interval; while one
is not, the one whose removal costs least is switched off and every model
refitted.  ``--paper`` starts from every contradiction and the leader factor
on (as the paper has it), whatever the registry's defaults: the run that
chose those defaults.  ``--set`` switches on an option the paper does not
have (the resting level's memory: ``--set attitude_memory=0.05``, refitted).
``--aggregate log`` pools the cells' log CRPS ratios instead of the ratios
(a sensitivity reading of the rule).

Writes into --out: steps.csv, cells.csv, selection.png (every step's costs),
meta.json (the kept and removed mechanisms and the switch values that turn
the removed ones off) and timing.json.  A bad file stops with one line
naming the file and the field.
"""

from __future__ import annotations

import sys

from resetsim.cli.common import UsageError, add_figure_formats, figure_formats, parse_sets
from resetsim.cli.scoring import (
    add_budget_arguments,
    add_closing_arguments,
    add_scored_arguments,
    check_scored_arguments,
    load_scored,
)
from resetsim.experiments import selection
from resetsim.output.selection import selection_lines, write_selection
from resetsim.scenario import as_compiled

NAME = "select"
HELP = "keep only the mechanisms whose removal costs out-of-sample skill"


def add_arguments(p) -> None:
    """The command's arguments."""
    add_scored_arguments(p, suffix="select", per="model")
    p.add_argument(
        "--paper",
        action="store_true",
        help="start from the paper's model: every contradiction and the leader factor on, "
        "whatever the defaults",
    )
    p.add_argument(
        "--set",
        action="append",
        metavar="NAME=VALUE",
        help="set a parameter in every model (repeatable; after --paper)",
    )
    p.add_argument(
        "--aggregate",
        choices=selection.AGGREGATES,
        default="mean",
        help="how the cells' changes of CRPS are pooled: mean (the rule: the difference "
        "of the CRPS ratios, default) or log (the difference of their logarithms, so "
        "that cells with large ratios weigh no more than others)",
    )
    add_budget_arguments(p, what="each recalibration's ")
    add_closing_arguments(p)
    add_figure_formats(p)


def run(args) -> int:
    """Parse, load, select, write."""
    origins = check_scored_arguments(args, min_bootstrap=100)
    formats = figure_formats(args.figure_formats)
    sets = parse_sets(args.set)
    compiled = selection.starting_model(as_compiled(args.scenario), args.paper, sets)
    compiled, obs, out, say = load_scored(args, suffix="select", compiled=compiled)
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
            aggregate=args.aggregate,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    write_selection(s, out, overwrite=args.overwrite, formats=formats)
    if not args.quiet:
        for line in selection_lines(s):
            print(line)
        print(f"wrote {out}/", file=sys.stderr)
    return 0
