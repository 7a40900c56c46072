"""Targets files: the episodes a history should show (onset and failure windows).

A scenario names one with ``targets = "..."``; :mod:`resetsim.analysis.fidelity`
scores detected episodes against it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import Field, ValidationError

from resetsim.core import calendar as cal
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
    check_kind,
    read_toml,
    schema_problems,
)


class Target(Strict):
    """One episode the history should show."""

    id: str = Field(pattern=ID_PATTERN)
    name: str
    onset: tuple[DateLike, DateLike]
    failure: tuple[DateLike, DateLike]
    min_rise: Number | None = Field(None, ge=0, le=1)
    min_fall: Number | None = Field(None, ge=0, le=1)
    note: str = ""
    paper: str = ""


class TargetsFile(Strict):
    """A validated targets file."""

    name: Label
    description: Text = ""
    tolerance_quarters: Count = Field(4, ge=1, le=20)
    spurious_penalty: Number = Field(0.5, ge=0, le=5)
    min_rise: Number = Field(0.0, ge=0, le=1)
    min_fall: Number = Field(0.0, ge=0, le=1)
    targets: tuple[Target, ...] = Field(min_length=1)
    source: str = ""


@dataclass(frozen=True)
class Windows:
    """A targets file as quarter numbers: ``(N, 2)`` onset and failure windows."""

    spec: TargetsFile
    onset: np.ndarray  # (N, 2) quarter index (calendar.parse_quarter)
    failure: np.ndarray  # (N, 2)

    @property
    def ids(self) -> list[str]:
        return [t.id for t in self.spec.targets]

    @property
    def tolerance(self) -> int:
        return self.spec.tolerance_quarters


def parse(raw: dict[str, Any], file: str) -> Windows:
    """Validate a targets mapping; raise :class:`ScenarioError` listing every problem."""
    check_kind(raw, "targets", file)
    raw = dict(raw)
    raw["source"] = file
    try:
        spec = TargetsFile.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(schema_problems(exc, raw, file)) from None
    problems: list[Problem] = []
    onset = np.zeros((len(spec.targets), 2), dtype=np.int64)
    failure = np.zeros((len(spec.targets), 2), dtype=np.int64)
    seen: set[str] = set()
    for i, t in enumerate(spec.targets):
        where = f"targets[{i}] (id {t.id!r})"
        if t.id in seen:
            problems.append(Problem(file, f"{where}.id", f"duplicate id {t.id!r}"))
        seen.add(t.id)
        for name, arr in (("onset", onset), ("failure", failure)):
            window = getattr(t, name)
            for j, value in enumerate(window):
                try:
                    arr[i, j] = cal.parse_quarter(value)
                except ValueError as exc:
                    problems.append(Problem(file, f"{where}.{name}[{j}]", str(exc)))
                    arr[i, j] = -1
            if arr[i, 0] >= 0 and arr[i, 1] >= 0 and arr[i, 1] < arr[i, 0]:
                problems.append(
                    Problem(file, f"{where}.{name}", "the window must not end before it starts")
                )
        if onset[i, 0] >= 0 and failure[i, 1] >= 0 and failure[i, 1] < onset[i, 0]:
            problems.append(
                Problem(file, f"{where}.failure", "the failure window ends before the onset window")
            )
    if problems:
        raise ScenarioError(problems)
    order = np.lexsort((onset[:, 1], onset[:, 0]))
    if not np.array_equal(order, np.arange(len(order))):
        spec = spec.model_copy(update={"targets": tuple(spec.targets[i] for i in order)})
        onset, failure = onset[order], failure[order]
    return Windows(spec, onset, failure)


def load_targets(path: str | Path) -> Windows:
    """Read and validate a targets file (a scenario's: :mod:`resetsim.scenario.references`)."""
    return parse(read_toml(Path(path), "targets file not found"), str(path))
