"""List the built-in shock kinds: what drivers each moves, and its channel."""

from __future__ import annotations

from resetsim.core.shocks import kinds_table

NAME = "kinds"
HELP = "list the built-in shock kinds and their effects"


def add_arguments(p) -> None:
    pass


def run(args) -> int:
    for r in kinds_table():
        flag = " [breach]" if r["breach"] else ""
        print(
            f"{r['kind']}{flag} (channel {r['channel']}; {r['paper']})\n"
            f"    {r['description']}\n    effects: {r['effects']}"
        )
    return 0
