"""Copy a built-in scenario or experiment, with every file it needs, into a folder.

The copy runs on its own (``resetsim run DIR/NAME.toml``): the scenarios it
extends, its targets, patterns, observed series, outcomes and posterior come
along at the same relative places (an experiment goes to
``DIR/experiments/NAME.toml``, its scenario to ``DIR/scenarios/``).  Existing
files are never replaced.
"""

from __future__ import annotations

import sys

from resetsim.cli.common import UsageError
from resetsim.scenario.builtin import copy_builtin

NAME = "init"
HELP = "copy a built-in scenario or experiment (and what it needs) into a folder to edit"


def add_arguments(p) -> None:
    p.add_argument(
        "name", help="a built-in scenario or experiment (`resetsim scenarios` lists them)"
    )
    p.add_argument("dir", help="the folder to copy it into (created if missing)")


def run(args) -> int:
    try:
        written = copy_builtin(args.name, args.dir)
    except FileExistsError as exc:
        raise UsageError(
            f"{exc} exists already; nothing was copied (choose another folder)"
        ) from None
    except OSError as exc:
        raise UsageError(f"cannot copy into {args.dir}: {exc.strerror or exc}") from None
    print(f"copied {len(written)} file(s) into {args.dir}:", file=sys.stderr)
    for f in written:
        print(f"  {f}", file=sys.stderr)
    command = "sweep" if written[0].parent.name == "experiments" else "run"
    print(f"{command} it: resetsim {command} {written[0]}", file=sys.stderr)
    return 0
