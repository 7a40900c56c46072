"""List the built-in shock kinds: what drivers each moves, its channel and intensity criteria."""

from __future__ import annotations

from resetsim.core.shocks import kinds_table

NAME = "kinds"
HELP = "list the built-in shock kinds and their effects"


def add_arguments(p) -> None:
    pass


def run(args) -> int:
    # effects: each as its size parameter times its weight class (docs/ODD.md §3.5)
    for r in kinds_table():
        flag = (" [breach]" if r["breach"] else "") + (
            " [turning point: x 2]" if r["turning_point"] else ""
        )
        print(
            f"{r['kind']}{flag} (channel {r['channel']}; {r['paper']})\n"
            f"    {r['description']}\n    effects: {r['effects']}"
        )
        # the written criteria of the intensity scale (docs/ODD.md §3.4)
        if r["minor"]:
            print(f"    intensity 1 (minor): {r['minor']}")
        if r["grave"]:
            print(f"    intensity 3 (grave): {r['grave']}")
    return 0
