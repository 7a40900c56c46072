"""What ``resetsim assess`` and ``resetsim select`` share: a scenario scored
on an observations file at rolling origins (their common arguments, their
checks, and loading the two files with one-line errors).  Imported by those
two commands only (it loads the ladder)."""

from __future__ import annotations

import sys
from pathlib import Path

from resetsim.cli.common import UsageError, add_engine, check_runs_and_seed
from resetsim.core import io
from resetsim.core.config import ScenarioError
from resetsim.experiments import ladder
from resetsim.experiments.ladder_inputs import check_observes
from resetsim.scenario import as_compiled
from resetsim.scenario.observations import load_observations


def add_scored_arguments(p, *, suffix: str, per: str) -> None:
    """The scenario, ``--observed``, ``--out`` (default ``runs/<name>_<suffix>``),
    ``--origins``, ``--runs`` (per ``per``), ``--seed`` and ``--engine``."""
    p.add_argument("scenario", metavar="SCENARIO", help="scenario TOML file")
    p.add_argument(
        "--observed", required=True, metavar="FILE", help="observations file (TOML; docs/LADDER.md)"
    )
    p.add_argument("--out", metavar="DIR", help=f"output directory (default: runs/<name>_{suffix})")
    p.add_argument(
        "--origins",
        type=int,
        nargs="+",
        metavar="YEAR",
        default=list(ladder.DEFAULT_ORIGINS),
        help="fit on the years up to each origin, score the years after it; a series "
        "with fewer than 3 years up to an origin is neither scored nor refitted there "
        f"(default: {' '.join(map(str, ladder.DEFAULT_ORIGINS))})",
    )
    p.add_argument(
        "--runs", type=int, metavar="N", help=f"runs per {per} (default: {ladder.DEFAULT_RUNS})"
    )
    p.add_argument("--seed", type=int, metavar="S", help="base seed (default: the scenario's)")
    add_engine(p, f"the engine of the {per}s: ")


def add_budget_arguments(p, *, what: str) -> None:
    """``--abc-population`` and ``--abc-generations`` (``what`` prefixes their help)."""
    p.add_argument(
        "--abc-population",
        type=int,
        default=ladder.ABC_POPULATION,
        metavar="N",
        help=f"{what}particles per generation (default {ladder.ABC_POPULATION})",
    )
    p.add_argument(
        "--abc-generations",
        type=int,
        default=ladder.ABC_GENERATIONS,
        metavar="G",
        help=f"{what}generations (default {ladder.ABC_GENERATIONS})",
    )


def add_closing_arguments(p) -> None:
    """``--bootstrap``, ``--overwrite`` and ``--quiet``."""
    p.add_argument(
        "--bootstrap",
        type=int,
        default=1000,
        metavar="B",
        help="bootstrap resamples (default 1000)",
    )
    p.add_argument("--overwrite", action="store_true", help="replace a non-empty --out")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")


def check_scored_arguments(args, *, min_bootstrap: int = 0) -> tuple[int, ...]:
    """Runs, seed, bootstrap and the recalibration budget checked; the origins."""
    check_runs_and_seed(args)
    if args.bootstrap < min_bootstrap:
        raise UsageError(f"--bootstrap must be >= {min_bootstrap}")
    if args.abc_population < 10 or args.abc_generations < 1:
        raise UsageError("--abc-population must be >= 10 and --abc-generations >= 1")
    try:
        return ladder.check_origins(args.origins)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def load_scored(args, *, suffix: str, compiled=None):
    """``(compiled, observations, out, say)``: the scenario (or ``compiled``, a
    changed copy of it), the observations checked against it, the output
    folder checked before anything runs, and the progress printer."""
    compiled = compiled if compiled is not None else as_compiled(args.scenario)
    try:
        obs = load_observations(args.observed)
        check_observes(obs, compiled)
    except ScenarioError as exc:
        raise UsageError(exc.one_line()) from None
    out = Path(args.out or Path("runs") / f"{compiled.scenario.name}_{suffix}")
    io.check_output_dir(out, args.overwrite, protect=[args.scenario, args.observed])
    say = None if args.quiet else (lambda m: print(m, file=sys.stderr))
    return compiled, obs, out, say
