"""The one table of contradictions: name, switch, shock channel, what "static" holds.

A structural contradiction of the paper is known by three names in the model:
its name in experiments (``ideological_distance``), the switch parameter that
carries it (``k_ideology``) and the channel of the shock kinds that embody it
(``ideology``).  They are written once, in ``resetsim/data/contradictions.toml``,
and read here; shock channels (:mod:`resetsim.core.shocks`), knock-outs, the
experiment schema and ``docs/STATE.md`` derive from this table.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True)
class Contradiction:
    """One row of the table (``trigger``: the leader factor, not a contradiction;
    ``opinion``: a mechanism of the opinion model whose switch is a fitted rate)."""

    name: str
    switch: str
    channel: str = ""
    static: str = ""
    trigger: bool = False
    opinion: bool = False


def _read() -> tuple[Contradiction, ...]:
    text = resources.files("resetsim").joinpath("data/contradictions.toml").read_text("utf-8")
    return tuple(Contradiction(name=k, **row) for k, row in tomllib.loads(text).items())


#: Every row, in the table's order.
TABLE: tuple[Contradiction, ...] = _read()
#: The contradictions experiments knock out by name, mapped to their switch.
CONTRADICTIONS: dict[str, str] = {c.name: c.switch for c in TABLE if not (c.trigger or c.opinion)}
#: The leader factor's name and switch (a trigger of resets, not a contradiction, §2.2).
LEADER: str = next(c.name for c in TABLE if c.trigger)
LEADER_SWITCH: str = next(c.switch for c in TABLE if c.trigger)
#: The opinion model's mechanisms put to the selection rule -> their switch (a
#: rate: 0 is off; fitted with the calibrated parameters whenever it is on).
OPINION: dict[str, str] = {c.name: c.switch for c in TABLE if c.opinion}
#: Shock channel -> the switch that scales it at run time.
CHANNEL_SWITCH: dict[str, str] = {c.channel: c.switch for c in TABLE if c.channel}
#: Contradictions a condition may hold *static* -> the state variable held.
STATIC_VARIABLES: dict[str, str] = {c.name: c.static for c in TABLE if c.static}


def markdown(defaults: dict[str, float] | None = None) -> str:
    """The table as a Markdown section (part of ``docs/STATE.md``), with each
    switch's default value when ``defaults`` (the registry's) are given."""
    lines = [
        "## Contradictions",
        "",
        "From `src/resetsim/data/contradictions.toml`.  *Switch*: the parameter that",
        "carries it (1 present, 0 knocked out); *default*: the switch's value unless a",
        "scenario or `--set` says otherwise (off where the mechanism selection found no",
        "out-of-sample skill, docs/SELECTION.md); *channel*: the shock kinds that embody",
        "it (scaled by the switch); *static*: the state variable an experiment holds at",
        "its baseline mean to make it static.",
        "",
        "| name | switch | default | channel | static |",
        "|---|---|---|---|---|",
    ]
    for c in TABLE:
        note = (
            " (a trigger, not a contradiction)"
            if c.trigger
            else " (opinion model: a fitted rate, not a contradiction)"
            if c.opinion
            else ""
        )
        name = f"`{c.name}`{note}"
        v = None if defaults is None else defaults[c.switch]
        default = "-" if v is None else f"{v:g} ({'off' if v == 0 else 'on'})"
        ch = f"`{c.channel}`" if c.channel else "-"
        st = f"`{c.static}`" if c.static else "-"
        lines.append(f"| {name} | `{c.switch}` | {default} | {ch} | {st} |")
    return "\n".join(lines) + "\n"
