"""List the model's parameters: default, bounds, unit, meaning (the one source of truth)."""

from __future__ import annotations

from resetsim.analysis import free_numbers
from resetsim.cli.common import UsageError
from resetsim.core import contradictions, state
from resetsim.core import params as prm
from resetsim.core.names import did_you_mean
from resetsim.scenario import load

NAME = "params"
HELP = "list parameters with defaults, bounds, units and meanings"


def add_arguments(p) -> None:
    p.add_argument("--markdown", action="store_true", help="print docs/PARAMETERS.md")
    p.add_argument(
        "--state",
        action="store_true",
        help="print docs/STATE.md (the state variables and the table of contradictions)",
    )
    p.add_argument("--group", action="append", help="only this group (repeatable)")
    p.add_argument(
        "--count",
        nargs="?",
        const="",
        metavar="SCENARIO",
        help="count the free numbers (by hand, fitted, from data) next to the patterns they "
        "are checked against; with SCENARIO also its own numbers and its targets",
    )


def run(args) -> int:
    if args.count is not None:
        print(free_numbers.report(load(args.count) if args.count else None), end="")
        return 0
    if args.state:
        print(state.markdown() + "\n" + contradictions.markdown(prm.defaults()), end="")
        return 0
    if args.markdown:
        print(prm.markdown_table(), end="")
        return 0
    groups = sorted({p.group for p in prm.PARAMETERS})
    unknown = [g for g in args.group or [] if g not in groups]
    if unknown:
        plural = "s" if len(unknown) > 1 else ""
        names = ", ".join(repr(g) for g in unknown)
        hint = did_you_mean(unknown[0], groups) if len(unknown) == 1 else ""
        raise UsageError(
            f"no parameter group{plural} {names}{hint}; the groups are {', '.join(groups)} "
            "(e.g. `resetsim params --group trust`)"
        )
    rows = prm.table(args.group)
    w = max(len(r["name"]) for r in rows)
    group = None
    for r in rows:
        if r["group"] != group:
            group = r["group"]
            print(f"\n[{group}]")
        print(
            f"  {r['name']:<{w}}  {r['default']:<7g} [{r['low']:g}, {r['high']:g}]  "
            f"{r['unit']}: {r['meaning']}"
        )
    return 0
