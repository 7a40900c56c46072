"""List a scenario's events as resolved (after ``extends``): id, date, when
it ends if it lasts, kind, label and the file each was written in, to write a counterfactual's
``remove_events = [...]``.  With ``--all``, its leader terms and stochastic
processes too (for ``remove_leaders`` and ``remove_stochastic``)."""

from __future__ import annotations

import os

from resetsim.core import calendar as cal
from resetsim.core.config import ONGOING
from resetsim.scenario import builtin
from resetsim.scenario.load import load_with_origins

NAME = "events"
HELP = "list a scenario's events (id, date, end, kind, label, file) for remove_events"


def add_arguments(p) -> None:
    p.add_argument("scenario", metavar="SCENARIO", help="scenario TOML file")
    p.add_argument(
        "--all",
        action="store_true",
        help="also list leader terms and stochastic processes (for remove_leaders, "
        "remove_stochastic)",
    )


def _shown(path: str) -> str:
    """A source file as short as it can be said: relative to here if below it,
    else as a built-in (``builtin:history_1989_2021.toml``) when it is one."""
    rel = os.path.relpath(os.path.abspath(path))
    if not rel.startswith(".."):
        return rel
    inside = os.path.relpath(os.path.realpath(path), os.path.realpath(builtin.folder()))
    return path if inside.startswith("..") else f"builtin:{inside}"


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in (header, *rows)
    ]


def _date(value) -> str:
    try:
        return f"{value} ({cal.quarter_label(cal.parse_quarter(value))})"
    except ValueError:  # pragma: no cover - a validated scenario parses
        return str(value)


def run(args) -> int:
    sc, origins = load_with_origins(args.scenario)
    src = {key: _shown(path) for key, path in origins.items()}
    here = _shown(str(args.scenario))
    print(f"{args.scenario}: {sc.name}, {sc.start}-{sc.end}, {len(sc.events)} events")
    rows = [
        (
            ev.id,
            _date(ev.date),
            "" if ev.end is None else ev.end if ev.end == ONGOING else _date(ev.end),
            ev.kind,
            ev.actor + (f" -> {ev.target}" if ev.target else ""),
            ev.label if isinstance(ev.label, str) else "",
            src.get(("events", ev.id), here),
        )
        for ev in sorted(sc.events, key=lambda e: (cal.parse_quarter(e.date), str(e.date)))
    ]
    if rows:
        head = ("id", "date", "lasts until", "kind", "actor", "label", "file")
        print("\n".join(_table(head, rows)))
    if args.all:
        print(f"\nleader terms ({len(sc.leaders)}):")
        rows = [
            (
                lt.id,
                lt.state,
                lt.name,
                _date(lt.start),
                _date(lt.end) if lt.end is not None else "(open)",
                src.get(("leaders", lt.id), here),
            )
            for lt in sc.leaders
        ]
        if rows:
            print("\n".join(_table(("id", "state", "name", "start", "end", "file"), rows)))
        print(f"\nstochastic processes ({len(sc.stochastic)}):")
        rows = [
            (
                pr.id,
                pr.kind,
                pr.actor + (f" -> {pr.target}" if pr.target else ""),
                f"{pr.rate_per_year:g}/year",
                pr.label or "",
                src.get(("stochastic", pr.id), here),
            )
            for pr in sc.stochastic
        ]
        if rows:
            print("\n".join(_table(("id", "kind", "actor", "rate", "label", "file"), rows)))
    example = sc.events[0].id if sc.events else "EVENT_ID"
    name = os.path.basename(args.scenario)
    where = (
        "a built-in name"
        if not os.path.exists(args.scenario)
        else "the path from its folder, or a built-in name"
    )
    print(
        f'\nTo leave events out: a scenario with extends = "{name}" ({where}) '
        f'and remove_events = ["{example}", ...]'
    )
    return 0
