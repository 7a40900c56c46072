"""The tiny two-state scenario that many tests build on, written once.

``tiny_scenario(...)`` returns TOML text for a dyad ``aa``/``bb`` with constant
power, one leader term per side (or the ones given) and the events and
processes given as tables.  Tests vary it by arguments, or by replacing a line
of the text (the layout is stable: ``start``, ``end`` on consecutive lines).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def _value(v: Any) -> str:
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, bool):
        return "true" if v else "false"
    return repr(v)


def _tables(header: str, rows: Sequence[Mapping[str, Any]]) -> list[str]:
    out = []
    for row in rows:
        out.append(f"[[{header}]]")
        out.extend(f"{k} = {_value(v)}" for k, v in row.items())
    return out


def leader(lid: str, state: str, name: str, start: str, disposition: float, end: str | None = None):
    """One leader term as a table row."""
    row: dict[str, Any] = {"id": lid, "state": state, "name": name, "start": start}
    if end is not None:
        row["end"] = end
    row["disposition"] = disposition
    return row


def tiny_scenario(
    name: str,
    *,
    start: str = "2000Q1",
    end: str = "2007Q4",
    runs: int = 4,
    seed: int | None = None,
    targets: str | None = None,
    power: tuple[float, float] = (0.6, 0.4),
    leaders: Sequence[Mapping[str, Any]] | None = None,
    events: Sequence[Mapping[str, Any]] = (),
    stochastic: Sequence[Mapping[str, Any]] = (),
) -> str:
    """TOML text of a tiny ``aa``/``bb`` scenario (see the module docstring)."""
    if leaders is None:
        leaders = [leader("a1", "aa", "A", start, 0.4), leader("b1", "bb", "B", start, 0.4)]
    lines = [f'name = "{name}"', f'start = "{start}"', f'end = "{end}"', f"runs = {runs}"]
    if seed is not None:
        lines.append(f"seed = {seed}")
    if targets is not None:
        lines.append(f'targets = "{targets}"')
    lines += ["[[states]]", 'id = "aa"', "[[states]]", 'id = "bb"']
    lines += [
        "[power]",
        'source = "constant"',
        f"constant = {{ aa = {power[0]}, bb = {power[1]} }}",
    ]
    lines += _tables("leaders", leaders)
    lines += _tables("events", events)
    lines += _tables("stochastic", stochastic)
    return "\n" + "\n".join(lines) + "\n"
