"""Observations files: observed series a model is scored against (``resetsim assess``).

An observations file (TOML) lists series as top-level ``[[series]]`` tables
with scalar keys only::

    name = "training"                 # optional
    description = "..."               # optional

    [[series]]
    id = "gallup_us_view_of_russia"   # names the source
    file = "gallup_values.csv"        # relative to this file, or absolute
    observes = "usa.trust"            # <state id>.<variable> or dyad.<quantity>
    scale = "percent"                 # percent | share | index
    source = "Gallup World Affairs"   # where the numbers come from

Each series' CSV has a ``year`` or a ``date`` column (``2001``, ``2001-02``,
``2001-02-15``, ``2001Q1``), a ``value`` column, and optionally ``n`` (a
poll's sample size) and ``sd``; any other column (provenance, notes) is kept
in the file and ignored here.  Several rows in one year are averaged into
that year's value (their ``n`` summed).  A ``percent`` value must lie strictly
between 0 and 100, a ``share`` strictly between 0 and 1 (they are read through
a logit); an ``index`` may be any finite number.  The file holds no year
window: which years train and which are scored comes from the command.

Whether ``observes`` names a quantity of the scenario is checked when a
scenario is scored (it depends on the scenario's state ids).
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import Field, ValidationError

from resetsim.core import calendar as cal
from resetsim.core import files
from resetsim.core.config import (
    ID_PATTERN,
    Problem,
    ScenarioError,
    Strict,
    check_kind,
    read_toml,
    schema_problems,
)
from resetsim.scenario import builtin

#: The scales a series may have.
SCALES: tuple[str, ...] = ("percent", "share", "index")
#: ``observes``: ``<state id>.<variable>`` or ``dyad.<quantity>``.
OBSERVES_PATTERN = r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$"
#: More rows than this in one series' file is almost certainly the wrong file.
MAX_ROWS = 100_000


class SeriesSpec(Strict):
    """One ``[[series]]`` table."""

    id: str = Field(pattern=ID_PATTERN, max_length=80)
    file: str = Field(min_length=1)
    observes: str = Field(pattern=OBSERVES_PATTERN)
    scale: Literal["percent", "share", "index"]
    source: str = Field(min_length=1)
    description: str = ""


class ObservationsFile(Strict):
    """A validated observations file (before its CSVs are read)."""

    name: str = ""
    description: str = ""
    series: tuple[SeriesSpec, ...] = Field(min_length=1)


@dataclass(frozen=True)
class ObservedSeries:
    """One series as annual values, in year order."""

    id: str
    observes: str
    scale: str
    source: str
    file: str
    years: np.ndarray  # (k,) int
    values: np.ndarray  # (k,) float, on the series' own scale
    n: np.ndarray  # (k,) float, NaN when not given
    sd: np.ndarray  # (k,) float, NaN when not given

    def frame(self):
        """The annual values as a DataFrame (``year``, ``value``, ``n``, ``sd``)."""
        import pandas as pd

        return pd.DataFrame({"year": self.years, "value": self.values, "n": self.n, "sd": self.sd})


@dataclass(frozen=True)
class Observations:
    """A read observations file: its path, name and series."""

    path: str
    name: str
    series: tuple[ObservedSeries, ...]

    @property
    def ids(self) -> list[str]:
        return [s.id for s in self.series]


def _year(text: str) -> int:
    text = text.strip()
    if text.isdigit():
        return int(text)
    return cal.parse_quarter(text) // 4


def _float(text: str) -> float | None:
    text = (text or "").strip()
    if not text:
        return None
    return float(text)


def read_values(path: Path, scale: str, where: str) -> tuple[np.ndarray, ...]:
    """A series' CSV as annual ``(years, values, n, sd)``; a problem raises
    :class:`ScenarioError` naming the CSV, the row and the column."""
    shown = str(path)

    def fail(field: str, message: str) -> ScenarioError:
        return ScenarioError([Problem(shown, field, message)])

    try:  # the bounded reader: a regular file of bounded size, UTF-8 text
        files.check_regular(path)
    except files.InputFileError as exc:
        raise ScenarioError([Problem(where[0], where[1], files.about(shown, exc))]) from None
    try:
        text = files.read_text(path)
    except files.InputFileError as exc:
        raise fail("", str(exc)) from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    if not header:
        raise fail("", "empty file: give a header with `year` or `date`, and `value`")
    reader.fieldnames = header
    time_col = "year" if "year" in header else "date" if "date" in header else None
    if time_col is None:
        raise fail("header", "needs a `year` or a `date` column")
    if "value" not in header:
        raise fail("header", "needs a `value` column")
    by_year: dict[int, list[tuple[float, float | None, float | None]]] = {}
    for i, row in enumerate(reader, start=2):
        if i > MAX_ROWS + 1:
            raise fail("", f"more than {MAX_ROWS} rows; is this the right file?")
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue  # a blank line
        try:
            year = _year(row.get(time_col) or "")
        except ValueError:
            raise fail(
                f"line {i}: {time_col}",
                f"not a year or date: {(row.get(time_col) or '')!r} (use 2001, 2001-02 or 2001Q1)",
            ) from None
        if not 1800 <= year <= 2200:
            raise fail(f"line {i}: {time_col}", f"year {year} is outside 1800-2200")
        parsed: dict[str, float | None] = {}
        for col in ("value", "n", "sd"):
            try:
                parsed[col] = _float(row.get(col) or "")
            except ValueError:
                raise fail(f"line {i}: {col}", f"not a number: {row.get(col)!r}") from None
            x = parsed[col]
            if x is not None and not math.isfinite(x):
                raise fail(f"line {i}: {col}", "must be a finite number")
        v = parsed["value"]
        if v is None:
            raise fail(f"line {i}: value", "empty (leave out a year without a value)")
        if scale == "percent" and not 0 < v < 100:
            raise fail(f"line {i}: value", f"{v:g} is not a percentage strictly inside 0-100")
        if scale == "share" and not 0 < v < 1:
            raise fail(f"line {i}: value", f"{v:g} is not a share strictly inside 0-1")
        if parsed["n"] is not None and parsed["n"] <= 0:
            raise fail(f"line {i}: n", "a sample size must be positive")
        if parsed["sd"] is not None and parsed["sd"] < 0:
            raise fail(f"line {i}: sd", "must not be negative")
        by_year.setdefault(year, []).append((v, parsed["n"], parsed["sd"]))
    if not by_year:
        raise fail("", "no rows with a value")
    years = np.array(sorted(by_year), dtype=np.int64)
    values = np.array([np.mean([r[0] for r in by_year[y]]) for y in years])
    n = np.array(
        [
            sum(r[1] for r in by_year[y]) if all(r[1] is not None for r in by_year[y]) else np.nan
            for y in years
        ]
    )
    sd = np.array(
        [
            float(np.mean([r[2] for r in by_year[y]]))
            if all(r[2] is not None for r in by_year[y])
            else np.nan
            for y in years
        ]
    )
    return years, values, n, sd


def parse(raw: dict[str, Any], file: str, base_dir: Path) -> Observations:
    """Validate an observations mapping and read its series' CSVs."""
    check_kind(raw, "observations", file)
    try:
        spec = ObservationsFile.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(schema_problems(exc, raw, file)) from None
    seen: set[str] = set()
    out = []
    for i, s in enumerate(spec.series):
        where = f"series[{i}] (id {s.id!r})"
        if s.id in seen:
            raise ScenarioError([Problem(file, f"{where}.id", f"duplicate id {s.id!r}")])
        seen.add(s.id)
        path = Path(s.file)
        if not path.is_absolute():
            path = base_dir / path
        years, values, n, sd = read_values(path, s.scale, (file, f"{where}.file"))
        out.append(
            ObservedSeries(s.id, s.observes, s.scale, s.source, str(path), years, values, n, sd)
        )
    return Observations(file, spec.name or Path(file).stem, tuple(out))


def load_observations(path: str | Path) -> Observations:
    """Read and validate an observations file and every series it lists
    (``path`` as :func:`resolve_observations` finds it)."""
    path = resolve_observations(path)
    raw = read_toml(
        path, "observations file not found (the built-in training series: `--observed training`)"
    )
    return parse(raw, str(path), path.parent)


#: The built-in training series (Gallup 1989-2013, Levada 1997-2013, the UN
#: votes 1985-2013), relative to the built-in scenarios' folder.
TRAINING = "targets/observed/training.toml"


def resolve_observations(ref: str | Path) -> Path:
    """The observations file ``ref`` names: itself when it is a file; else a
    built-in one written as it is in a checkout (``scenarios/targets/observed/
    NAME.toml``, ``targets/observed/NAME.toml``) or by its name (``training``),
    so the commands in the docs work from any folder; else ``ref`` as it is,
    for its reader to report."""
    path = Path(ref).expanduser()
    if path.is_file() or path.is_absolute():
        return path
    observed = builtin.folder("scenario") / Path(TRAINING).parent
    parts = path.parts
    if parts[:1] == ("scenarios",):
        parts = parts[1:]
    candidates = []
    if len(parts) == 1:
        candidates.append(observed / (parts[0] if path.suffix else f"{parts[0]}.toml"))
    elif tuple(parts[:-1]) == Path(TRAINING).parent.parts:
        candidates.append(observed / parts[-1])
    for c in candidates:
        if c.suffix == ".toml" and c.is_file():
            return c
    return path


def builtin_training() -> Observations:
    """The built-in training series (:data:`TRAINING`): what ``resetsim run``
    draws as observed points in a forecast's figure."""
    return load_observations(builtin.folder("scenario") / TRAINING)
