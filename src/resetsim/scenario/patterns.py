"""Patterns files: the pattern-oriented scorecard a history is checked against.

A scenario names one with ``patterns = "targets/history_patterns.toml"``; each
pattern is a sentence of the paper or a feature of an observed opinion series,
with the test that checks it (:mod:`resetsim.analysis.patterns` computes it,
``resetsim run`` writes ``patterns.csv``).  Observed series are CSV files named
relative to the patterns file (``observed = "observed/....csv"``, column
``column``); only their ranks and turning points are compared, never levels.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError

from resetsim.core import calendar as cal
from resetsim.core import files
from resetsim.core.config import (
    ID_PATTERN,
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

#: The tests a pattern may use, and the fields each one needs.
TESTS: dict[str, tuple[str, ...]] = {
    "turn": ("turn",),
    "fidelity": (),
    "shortest_honeymoon": ("episode", "among"),
    "lows_ordered": ("windows",),
    "leads": ("series", "other"),
    "direction": ("series", "first", "second", "expect"),
    "spearman": ("series", "observed", "column"),
    "sign_agreement": ("series", "observed", "column"),
}
#: Simulated series a pattern may read (``mean_trust``: the mean of both trusts).
SERIES = ("usa_trust", "rus_trust", "mean_trust", "usa_leader_affinity", "rus_leader_affinity")
#: Observed rows left out by their flag (see the observed README).
DROPPED_FLAGS = ("conflict", "range", "wording_uncertain", "annual_average")


class Pattern(Strict):
    """One pattern: what it claims, where it comes from and how it is tested."""

    id: str = Field(pattern=ID_PATTERN)
    kind: Literal["paper", "observed"]
    sample: Literal["in", "out"]
    #: the label when the runs draw their parameters from the scenario's
    #: posterior, whose calibration may have used this pattern's evidence
    #: (default: ``sample``)
    sample_with_posterior: Literal["in", "out"] | None = None
    test: Literal[
        "turn",
        "fidelity",
        "shortest_honeymoon",
        "lows_ordered",
        "leads",
        "direction",
        "spearman",
        "sign_agreement",
    ]
    at_least: Number = Field(ge=-1, le=1)
    claim: str
    source: str = ""
    turn: str | None = None
    episode: str | None = None
    among: list[str] | None = None
    windows: list[tuple[DateLike, DateLike]] | None = None
    series: Literal[SERIES] | None = None  # type: ignore[valid-type]
    other: Literal[SERIES] | None = None  # type: ignore[valid-type]
    first: DateLike | None = None
    second: DateLike | None = None
    expect: Literal["rise", "fall"] | None = None
    observed: str | None = None
    column: str | None = None


class PatternsFile(Strict):
    """A validated patterns file."""

    name: Label
    description: Text = ""
    min_turn: Number = Field(0.02, ge=0, le=1)
    patterns: tuple[Pattern, ...] = Field(min_length=1)
    source: str = ""
    base_dir: str = ""


@dataclass(frozen=True)
class Observed:
    """An observed series: quarter index (:func:`resetsim.core.calendar.parse_quarter`)
    or, for a row without a month, the year (``quarter`` -1), and the value."""

    quarter: np.ndarray
    year: np.ndarray
    value: np.ndarray


@dataclass(frozen=True)
class Patterns:
    spec: PatternsFile
    observed: dict[str, Observed]  # by pattern id

    @property
    def columns(self) -> list[str]:
        """The recorded columns the patterns read (besides detection's)."""
        out = []
        for p in self.spec.patterns:
            for s in (p.series, p.other):
                if s and s != "mean_trust" and s not in out:
                    out.append(s)
        return out


def read_observed(path: Path, column: str) -> Observed:
    """Rows of an observed CSV with a value in ``column``, without the flags in
    :data:`DROPPED_FLAGS` and without exact duplicates (same date and value)."""
    frame = pd.read_csv(io.StringIO(files.read_text(path)))
    if column not in frame.columns or "year" not in frame.columns:
        raise ValueError(f"{path.name} has no column {column!r} (or no 'year')")
    flag = frame["flag"].fillna("") if "flag" in frame.columns else ""
    value = pd.to_numeric(frame[column], errors="coerce")
    if np.isinf(value.to_numpy(dtype=float)).any():
        raise ValueError(f"{path.name}: column {column!r} holds an infinite value")
    keep = value.notna() & ~pd.Series(flag).isin(DROPPED_FLAGS).to_numpy()
    month = frame["month"] if "month" in frame.columns else pd.Series(np.nan, index=frame.index)
    rows = pd.DataFrame({"year": frame["year"], "month": month, "value": value})[keep]
    rows = rows.drop_duplicates()
    quarter = [
        cal.parse_quarter(f"{int(y)}Q{(int(m) - 1) // 3 + 1}") if pd.notna(m) else -1
        for y, m in zip(rows["year"], rows["month"], strict=True)
    ]
    return Observed(
        np.asarray(quarter, dtype=np.int64),
        rows["year"].to_numpy(dtype=np.int64),
        rows["value"].to_numpy(dtype=float),
    )


def parse(raw: dict[str, Any], file: str, base_dir: str | Path) -> Patterns:
    """Validate a patterns mapping; raise :class:`ScenarioError` listing every problem."""
    raw = dict(raw)
    raw["source"] = file
    raw["base_dir"] = str(Path(base_dir).resolve())
    try:
        spec = PatternsFile.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(schema_problems(exc, raw, file)) from None
    problems: list[Problem] = []
    observed: dict[str, Observed] = {}
    seen: set[str] = set()
    for i, p in enumerate(spec.patterns):
        where = f"patterns[{i}] (id {p.id!r})"
        if p.id in seen:
            problems.append(Problem(file, f"{where}.id", f"duplicate id {p.id!r}"))
        seen.add(p.id)
        for need in TESTS[p.test]:
            if getattr(p, need) is None:
                problems.append(Problem(file, f"{where}.{need}", f"required by test {p.test!r}"))
        for name in ("first", "second"):
            value = getattr(p, name)
            if value is not None:
                try:
                    cal.parse_quarter(value)
                except ValueError as exc:
                    problems.append(Problem(file, f"{where}.{name}", str(exc)))
        for j, w in enumerate(p.windows or []):
            for k, value in enumerate(w):
                try:
                    cal.parse_quarter(value)
                except ValueError as exc:
                    problems.append(Problem(file, f"{where}.windows[{j}][{k}]", str(exc)))
        if p.observed and p.column:
            path = Path(spec.base_dir) / p.observed
            try:
                files.check_regular(path)
            except files.InputFileError as exc:
                problems.append(Problem(file, f"{where}.observed", files.about(p.observed, exc)))
                continue
            try:
                observed[p.id] = read_observed(path, p.column)
            except files.InputFileError as exc:
                problems.append(Problem(file, f"{where}.observed", files.about(p.observed, exc)))
                continue
            except (ValueError, OSError, pd.errors.ParserError) as exc:
                problems.append(Problem(file, f"{where}.observed", str(exc)))
                continue
            if len(observed[p.id].value) < 3:
                problems.append(Problem(file, f"{where}.observed", "fewer than 3 usable rows"))
    if problems:
        raise ScenarioError(problems)
    return Patterns(spec, observed)


def load_patterns(path: str | Path) -> Patterns:
    """Read and validate a patterns file (a scenario's: :mod:`resetsim.scenario.references`)."""
    p = Path(path)
    return parse(read_toml(p, "patterns file not found"), str(path), p.resolve().parent)
