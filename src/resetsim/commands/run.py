"""Run a scenario: writes trajectory.csv, meta.json and trust.png into --out.

The output directory must be empty or absent (or --overwrite given); it is
written atomically: it appears complete, or not at all.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .. import io, plotting
from ..runner import ENGINES, run_scenario
from ..scenario import load
from . import parse_sets

NAME = "run"
HELP = "run a scenario and write its trajectories and plot"
ORDER = 10


def add_arguments(p) -> None:
    p.add_argument("scenario", metavar="SCENARIO", help="scenario TOML file")
    p.add_argument("--out", metavar="DIR", help="output directory (default: runs/<name>)")
    p.add_argument("--runs", type=int, metavar="N", help="number of runs (default: the "
                   "scenario's `runs`)")
    p.add_argument("--seed", type=int, metavar="S", help="base seed (default: the scenario's)")
    p.add_argument("--engine", choices=ENGINES, default="ensemble",
                   help="ensemble (fast, default) or mesa (the agent model, the reference)")
    p.add_argument("--set", action="append", metavar="NAME=VALUE",
                   help="override a parameter (repeatable)")
    p.add_argument("--overwrite", action="store_true", help="replace a non-empty --out")
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")


def run(args) -> int:
    from ..cli import UsageError

    scenario = load(args.scenario)
    params = parse_sets(args.set)
    if args.runs is not None and args.runs < 1:
        raise UsageError("--runs must be at least 1")
    if args.seed is not None and args.seed < 0:
        raise UsageError("--seed must be >= 0")
    out = Path(args.out or Path("runs") / scenario.name)
    io.check_output_dir(out, args.overwrite)
    result = run_scenario(scenario, runs=args.runs, seed=args.seed, params=params,
                          engine=args.engine, progress=None if not args.quiet else False)
    with io.atomic_dir(out, overwrite=args.overwrite) as stage:
        write_outputs(result, stage)
    if not args.quiet:
        c = result.compiled
        print(f"{scenario.name}: {result.n_runs} run(s), {c.dates[0]} .. {c.dates[-1]}, "
              f"engine {result.engine}, seed {result.seed}")
        for line in plotting.summary_lines(result, [f"{s}_trust" for s in c.state_ids]):
            print(f"  median {line}")
        print(f"wrote {out}/", file=sys.stderr)
    return 0


def write_outputs(result, stage: Path) -> None:
    """Everything `resetsim run` writes, into a staging directory."""
    frame = result.frame()
    frame.to_csv(stage / "trajectory.csv", index=False, float_format="%.6f")
    io.write_json(stage / "meta.json", result.meta())
    fig = plotting.plot_trust(result)
    plotting.save(fig, stage / "trust.png")
