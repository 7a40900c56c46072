"""Write DIR/report.html: one self-contained page for a run, compare, sweep, assess or select
output folder (recognised by its files).

The page shows the scenario's description and assumptions, the figures
(inline: SVG when the folder has it, else PNG), the episodes, the fidelity or
pattern scorecard where present, the forecast check of a projection and the
provenance (version, git commit, seed, engine, parameters, command line).  It
fetches nothing from the network.  Figures for print: run the command that made
the folder with --figure-formats png,svg first.
"""

from __future__ import annotations

import sys

from resetsim.cli.common import UsageError
from resetsim.output.report import ReportError, write_report

NAME = "report"
HELP = "write DIR/report.html: one page for a run, compare, sweep, assess or select folder"


def add_arguments(p) -> None:
    """The command's arguments."""
    p.add_argument(
        "folder", metavar="DIR", help="a run, compare, sweep, assess or select output folder"
    )
    p.add_argument("--quiet", action="store_true", help="do not print the path written")


def run(args) -> int:
    """Recognise the folder, write its report; exit status 0."""
    try:
        path = write_report(args.folder)
    except ReportError as exc:
        raise UsageError(str(exc)) from None
    if not args.quiet:
        print(f"wrote {path}", file=sys.stderr)
    return 0
