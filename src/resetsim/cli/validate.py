"""Check scenario files without running them: every problem, one line each."""

from __future__ import annotations

import sys

from resetsim.core.config import ScenarioError
from resetsim.scenario import load

NAME = "validate"
HELP = "check scenario files without running them"


def add_arguments(p) -> None:
    p.add_argument("files", nargs="+", metavar="FILE", help="scenario TOML file(s)")


def run(args) -> int:
    status = 0
    for f in args.files:
        try:
            sc = load(f)
        except ScenarioError as exc:
            status = 2
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            continue
        print(
            f"{f}: ok ({sc.name}: {sc.start}-{sc.end}, {len(sc.events)} events, "
            f"{len(sc.leaders)} leader terms, {len(sc.stochastic)} stochastic processes)"
        )
    return status
