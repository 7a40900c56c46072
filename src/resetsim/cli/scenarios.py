"""List the built-in scenarios (and experiments) with their descriptions.

Each runs by name from any folder (``resetsim run biden_era``,
``resetsim.run("biden_era")``); ``resetsim init NAME DIR`` copies one into a
folder to edit.  A file path always wins over a built-in name.
"""

from __future__ import annotations

import textwrap

from resetsim.scenario.builtin import catalogue

NAME = "scenarios"
HELP = "list the built-in scenarios and experiments (run them by name)"


def add_arguments(p) -> None:
    p.add_argument("--paths", action="store_true", help="also print where each file is installed")


def _section(title: str, kind: str, paths: bool) -> list[str]:
    lines = [title]
    for b in catalogue(kind):
        lines.append(f"  {b.name}")
        if paths:
            lines.append(f"      {b.path}")
        for line in textwrap.wrap(b.description, 74) or ["(no description)"]:
            lines.append(f"      {line}")
    return lines


def run(args) -> int:
    lines = _section("Built-in scenarios (resetsim run NAME):", "scenario", args.paths)
    lines += [""]
    lines += _section("Built-in experiments (resetsim sweep NAME):", "experiment", args.paths)
    lines += ["", "Copy one to edit: resetsim init NAME DIR"]
    print("\n".join(lines))
    return 0
