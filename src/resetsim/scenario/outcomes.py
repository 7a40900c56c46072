"""Outcomes files: what happened, as sourced yes/no answers to forecast questions.

A scenario with a ``forecast`` names one with ``outcomes = "..."``; each
outcome is a question the forecast's runs give a probability for
(:mod:`resetsim.analysis.forecast` computes it from the runs), the answer
(``happened``), its date and its source.  ``past`` lists when the same thing
happened in the ``reference`` period (the naive forecasts read it); for an
``events`` question it defaults to the scenario's own dated events.

Measures (what makes a run say "yes"):

* ``reset_onset``: a reset onset is detected from the origin to ``by``;
* ``events``: an event of one of ``kinds`` (by ``actor`` if given, of
  intensity ``min_intensity`` or more), scheduled or random, falls from the
  origin to ``by``;
* ``record_low``: the relationship index falls, some quarter from the origin
  to ``by``, below its lowest level from ``since`` to the origin.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError

from resetsim.core import calendar as cal
from resetsim.core import shocks as sh
from resetsim.core.config import (
    ID_PATTERN,
    Count,
    DateLike,
    Label,
    Number,
    Problem,
    ScenarioError,
    Strict,
    Text,
    read_toml,
    schema_problems,
)
from resetsim.core.names import did_you_mean

MEASURES = ("reset_onset", "events", "record_low")


class Outcome(Strict):
    """One question and what happened."""

    id: str = Field(pattern=ID_PATTERN)
    question: str = Field(min_length=1)
    measure: Literal["reset_onset", "events", "record_low"]
    by: DateLike
    happened: bool
    date: DateLike
    source: str = Field(min_length=1)
    kinds: tuple[str, ...] = ()
    actor: str | None = None
    min_intensity: Count = Field(1, ge=1, le=3)
    since: DateLike | None = None
    past: tuple[DateLike, ...] | None = None
    past_source: str = ""


class OutcomesFile(Strict):
    """A validated outcomes file."""

    name: Label
    description: Text = ""
    origin: DateLike
    reference: tuple[DateLike, DateLike]
    log_floor: Number = Field(0.01, gt=0, lt=0.5)
    outcomes: tuple[Outcome, ...] = Field(min_length=1)
    source: str = ""


def _q(value: Any, file: str, where: str, problems: list[Problem]) -> int | None:
    try:
        return cal.parse_quarter(value)
    except ValueError as exc:
        problems.append(Problem(file, where, str(exc)))
        return None


def parse(raw: dict[str, Any], file: str, kinds: Any = None) -> OutcomesFile:
    """Validate an outcomes mapping (``kinds``: the shock kinds it may name,
    default the library); raise :class:`ScenarioError` listing every problem."""
    raw = dict(raw)
    raw["source"] = file
    try:
        spec = OutcomesFile.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(schema_problems(exc, raw, file)) from None
    known = kinds if kinds is not None else sh.library()
    problems: list[Problem] = []
    origin = _q(spec.origin, file, "origin", problems)
    r0 = _q(spec.reference[0], file, "reference[0]", problems)
    r1 = _q(spec.reference[1], file, "reference[1]", problems)
    if r0 is not None and r1 is not None and r1 < r0:
        problems.append(Problem(file, "reference", "the period must not end before it starts"))
    if r1 is not None and origin is not None and r1 >= origin:
        problems.append(Problem(file, "reference", "the reference period must end before origin"))
    seen: set[str] = set()
    for i, o in enumerate(spec.outcomes):
        where = f"outcomes[{i}] (id {o.id!r})"
        if o.id in seen:
            problems.append(Problem(file, f"{where}.id", f"duplicate id {o.id!r}"))
        seen.add(o.id)
        by = _q(o.by, file, f"{where}.by", problems)
        _q(o.date, file, f"{where}.date", problems)
        if by is not None and origin is not None and by < origin:
            problems.append(Problem(file, f"{where}.by", f"{o.by} comes before origin"))
        if o.measure == "events":
            if not o.kinds:
                problems.append(Problem(file, f"{where}.kinds", "an events question names kinds"))
            for k in o.kinds:
                if k not in known:
                    problems.append(
                        Problem(
                            file,
                            f"{where}.kinds",
                            f"unknown shock kind {k!r}{did_you_mean(k, known)} (resetsim kinds)",
                        )
                    )
        elif o.past is None:
            problems.append(
                Problem(file, f"{where}.past", f"a {o.measure} question lists its past dates")
            )
        if o.measure == "record_low" and o.since is not None:
            _q(o.since, file, f"{where}.since", problems)
        for j, d in enumerate(o.past or ()):
            q = _q(d, file, f"{where}.past[{j}]", problems)
            if q is not None and r0 is not None and r1 is not None and not r0 <= q <= r1:
                problems.append(
                    Problem(file, f"{where}.past[{j}]", f"{d} is outside the reference period")
                )
    if problems:
        raise ScenarioError(problems)
    return spec


def load_outcomes(path: str | Path, kinds: Any = None) -> OutcomesFile:
    """Read and validate an outcomes file."""
    path = Path(path)
    return parse(read_toml(path, "outcomes file not found"), str(path), kinds)


def scenario_problems(spec: OutcomesFile, scenario, path: Path) -> list[Problem]:
    """Problems of an outcomes file that need the scenario naming it: each
    question's actor is one of its states."""
    ids = scenario.state_ids
    return [
        Problem(
            str(path),
            f"outcomes[{i}].actor",
            f"unknown state {o.actor!r}; the states are {', '.join(ids)}",
        )
        for i, o in enumerate(spec.outcomes)
        if o.actor is not None and o.actor not in ids
    ]
