"""Checks of a scenario that its schema cannot express: dates, references,
overlaps, bounds, power and targets."""

from __future__ import annotations

import datetime as _dt
import itertools
from pathlib import Path
from typing import Any

from resetsim.core import calendar as cal
from resetsim.core import params as prm
from resetsim.core import power as pw
from resetsim.core import shocks as sh
from resetsim.core import state
from resetsim.core.config import (
    ONGOING,
    Problem,
    short_repr,
)
from resetsim.core.names import did_you_mean
from resetsim.scenario import references
from resetsim.scenario.schema import Event, Process, Scenario


def _quarter(value: Any, file: str, where: str, problems: list[Problem]) -> int | None:
    try:
        return cal.parse_quarter(value)
    except ValueError as exc:  # the message quotes the value: keep it short
        problems.append(Problem(file, where, str(exc).replace(repr(value), short_repr(value))))
        return None


def _full_date(value: Any) -> _dt.date:
    """A day-precise date (a TOML date or ``YYYY-MM-DD``), else the first day
    of the period it names (a quarter, a month, a year)."""
    if isinstance(value, _dt.date):
        return value
    try:
        return _dt.date.fromisoformat(str(value))
    except ValueError:
        return cal.quarter_start(cal.parse_quarter(value))


def _span(a: int, b: int) -> str:
    """Quarters ``a`` .. ``b`` (inclusive) as ``2012Q2-2021Q4`` or ``2015Q3``."""
    return cal.quarter_label(a) if a == b else f"{cal.quarter_label(a)}-{cal.quarter_label(b)}"


def _leaderless(sid: str, terms: list[tuple[int, int, str]], start: int, end: int) -> str:
    """The quarters of the run (``start`` .. ``end``) in which no term of ``sid``
    is in office (a term runs from its start quarter up to, not including, its
    end quarter), as one message; ``""`` if every quarter has a leader."""
    gaps: list[tuple[int, int, str | None]] = []  # (first, last, term that ended before)
    q, before = start, None
    for a, b, tid in sorted(terms):
        if a > q and q <= end:
            gaps.append((q, min(a - 1, end), before))
        if b > q:
            q, before = b, tid
    if q <= end:
        gaps.append((q, end, before))
    if not gaps:
        return ""
    shown = [
        _span(a, b) + (f" (after {tid!r} ends)" if tid is not None else "")
        for a, b, tid in gaps[:3]
    ]
    if len(gaps) > 3:
        shown.append(f"and {len(gaps) - 3} more")
    n = sum(b - a + 1 for a, b, _ in gaps)
    where = ", ".join(shown)
    if gaps[0][0] == start:
        head = (
            f"no leader of {sid!r} is in office at the start ({cal.quarter_label(start)}); "
            f"{n} quarter(s) without one: {where}"
        )
    else:
        head = f"no leader of {sid!r} is in office for {n} quarter(s): {where}"
    return f"{head}; add a leader term for them, or move a term's start or end"


def semantic_problems(sc: Scenario) -> list[Problem]:
    """Checks the schema cannot express: dates, references, overlaps, bounds."""
    f = sc.source or "<scenario>"
    problems: list[Problem] = []
    ids = [s.id for s in sc.states]
    if len(set(ids)) != len(ids):
        problems.append(Problem(f, "states", f"state ids must differ, got {ids}"))
    start = _quarter(sc.start, f, "start", problems)
    end = _quarter(sc.end, f, "end", problems)
    window = ""
    if start is not None and end is not None:
        window = f"{cal.quarter_label(start)}-{cal.quarter_label(end)}"
        if end <= start:
            problems.append(Problem(f, "end", f"must come after start ({window})"))
            start = end = None
        elif end - start > 4 * 400:
            problems.append(Problem(f, "end", "a run may span at most 400 years"))

    def within(value: Any, where: str) -> int | None:
        q = _quarter(value, f, where, problems)
        if q is not None and start is not None and end is not None and not start <= q <= end:
            problems.append(Problem(f, where, f"{value} is outside the run ({window})"))
            return None
        return q

    if sc.projection_start is not None:
        within(sc.projection_start, "projection_start")

    kinds = sc.all_kinds()
    for name, kind in sc.kinds.items():
        for where, msg in sh.effect_problems(kind):
            problems.append(Problem(f, f"kinds.{name}.{where}", msg))

    def check_roles(item: Event | Process, where: str) -> None:
        if item.kind not in kinds:
            problems.append(
                Problem(
                    f,
                    f"{where}.kind",
                    f"unknown shock kind {short_repr(item.kind)}"
                    f"{did_you_mean(item.kind, kinds)} "
                    "(see `resetsim kinds`, or define it under [kinds])",
                )
            )
        kind = kinds.get(item.kind)
        if kind is not None and item.intensity != 2:
            rule = kind.minor if item.intensity == 1 else kind.grave
            if not rule:
                problems.append(
                    Problem(
                        f,
                        f"{where}.intensity",
                        f"kind {item.kind!r} has no written criterion for intensity "
                        f"{item.intensity} (its 'minor' / 'grave' field); use 2",
                    )
                )
        if item.actor not in ids:
            problems.append(
                Problem(
                    f,
                    f"{where}.actor",
                    f"unknown state {short_repr(item.actor)}; the states are {', '.join(ids)}",
                )
            )
        if item.target is not None:
            if item.target not in ids:
                problems.append(
                    Problem(
                        f,
                        f"{where}.target",
                        f"unknown state {short_repr(item.target)}; the states are {', '.join(ids)}",
                    )
                )
            elif item.target == item.actor:
                problems.append(Problem(f, f"{where}.target", "must differ from the actor"))

    for group in ("events", "leaders", "stochastic"):
        seen: set[str] = set()
        for i, item in enumerate(getattr(sc, group)):
            if item.id in seen:
                problems.append(Problem(f, f"{group}[{i}].id", f"duplicate id {item.id!r}"))
            seen.add(item.id)

    for i, ev in enumerate(sc.events):
        where = f"events[{i}] (id {ev.id!r})"
        t = within(ev.date, f"{where}.date")
        if ev.end is not None and ev.end != ONGOING:
            # an end may fall after the run (the act went on): it is clipped
            found: list[Problem] = []
            e = _quarter(ev.end, f, f"{where}.end", found)
            problems.extend(
                Problem(file_, field, f'{message}, or "{ONGOING}" (still going on)')
                for file_, field, message in found
            )
            before = _full_date(ev.end) < _full_date(ev.date) if e == t else False
            if e is not None and t is not None and (e < t or before):
                problems.append(
                    Problem(f, f"{where}.end", f"{ev.end} comes before the event's date {ev.date}")
                )
        check_roles(ev, where)
    for i, pr in enumerate(sc.stochastic):
        where = f"stochastic[{i}] (id {pr.id!r})"
        check_roles(pr, where)
        a = within(pr.start, f"{where}.start") if pr.start is not None else start
        b = within(pr.end, f"{where}.end") if pr.end is not None else end
        if a is not None and b is not None and b < a:
            problems.append(Problem(f, f"{where}.end", "must not come before start"))

    terms: dict[str, list[tuple[int, int, str]]] = {s: [] for s in ids}
    unreadable: set[str] = set()  # states with a term whose dates did not parse
    for i, lt in enumerate(sc.leaders):
        where = f"leaders[{i}] (id {lt.id!r})"
        if lt.state not in ids:
            problems.append(
                Problem(
                    f,
                    f"{where}.state",
                    f"unknown state {short_repr(lt.state)}; the states are {', '.join(ids)}",
                )
            )
            continue
        a = _quarter(lt.start, f, f"{where}.start", problems)
        b = _quarter(lt.end, f, f"{where}.end", problems) if lt.end is not None else 10**9
        if a is None or b is None:
            unreadable.add(lt.state)
            continue
        if b <= a and lt.end is not None:
            problems.append(Problem(f, f"{where}.end", "a term must end after it starts"))
            unreadable.add(lt.state)
            continue
        terms[lt.state].append((a, b, lt.id))
    for sid, ts in terms.items():
        ts.sort()
        for (_a1, b1, id1), (a2, _b2, id2) in itertools.pairwise(ts):
            if a2 < b1:
                problems.append(
                    Problem(f, "leaders", f"terms {id1!r} and {id2!r} of {sid!r} overlap")
                )
        if not ts:
            problems.append(Problem(f, "leaders", f"state {sid!r} has no leader term"))
        elif start is not None and end is not None and sid not in unreadable:
            gap = _leaderless(sid, ts, start, end)
            if gap:
                problems.append(Problem(f, "leaders", gap))

    for name, msg in prm.check_overrides(sc.parameters):
        problems.append(Problem(f, f"parameters.{name}", msg))
    for name, value in sc.interests.items():
        if state.scenario_dyad_var(name) is None:
            problems.append(
                Problem(
                    f,
                    f"interests.{name}",
                    "unknown issue area; use one of " + ", ".join(prm.ISSUE_AREAS),
                )
            )
        elif not 0 <= value <= 1:
            problems.append(Problem(f, f"interests.{name}", f"{value!r} is outside [0, 1]"))

    unreadable = references.problems(sc)  # files named that cannot be read as their kind
    problems.extend(unreadable.values())
    if sc.outcomes and not sc.forecast:
        problems.append(
            Problem(f, "outcomes", "outcomes score a forecast: name one with forecast = ...")
        )
    for field in references.REFERENCES:
        if field not in unreadable and (field != "outcomes" or sc.forecast):
            problems.extend(references.problems_for(sc, field))

    pwr = sc.power
    if pwr.source == "constant":
        if not pwr.constant or set(pwr.constant) != set(ids):
            problems.append(Problem(f, "power.constant", f"give a power for each of {ids}"))
        elif any(v < 0 for v in pwr.constant.values()) or sum(pwr.constant.values()) <= 0:
            problems.append(Problem(f, "power.constant", "powers must be >= 0, not all zero"))
    elif pwr.source == "file":
        if "power.file" in unreadable:
            pass
        elif not pwr.file:
            problems.append(Problem(f, "power.file", "required when power.source = 'file'"))
        else:
            try:
                annual = pw.read_power_file(Path(sc.base_dir) / pwr.file, ids)
            except (OSError, ValueError) as exc:
                problems.append(Problem(f, "power.file", str(exc)))
            else:
                if pwr.projection == "trend" and len(annual) < 2:
                    problems.append(
                        Problem(
                            f,
                            "power.projection",
                            f'"trend" needs at least two years in {pwr.file}; give more '
                            'years or use projection = "hold"',
                        )
                    )
    else:
        if set(ids) != set(pw.BUILTIN[pwr.source]):
            problems.append(
                Problem(
                    f,
                    "power.source",
                    f"the built-in series {pwr.source!r} "
                    f"is for states {pw.BUILTIN[pwr.source]}; use source = "
                    "'constant' or 'file' for another dyad",
                )
            )
        if pwr.weights is not None and (
            any(w < 0 for w in pwr.weights.values()) or sum(pwr.weights.values()) <= 0
        ):
            problems.append(Problem(f, "power.weights", "weights must be >= 0, not all zero"))
    return problems
