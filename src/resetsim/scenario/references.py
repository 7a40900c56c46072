"""The files a scenario names: checked before any of them is parsed, then read
once, by one mechanism, and carried by the compiled scenario.

A scenario may name a targets, patterns, outcomes, forecast or observations
(``observed_start``) file (TOML), a power table (CSV) and a posterior
(Parquet).  Each is read only through the bounded reader
(:mod:`resetsim.core.files`: a regular file of bounded size, UTF-8 text or
Parquet), and a TOML file must plainly be the kind the field
expects (its identifying array of tables) before any of it is validated, so
that a problem never quotes the content of a file that is not what the
scenario said it was (:func:`problems`, :func:`file_problem`).  Problems name
the scenario, the field and the path as the scenario wrote it.

Then each kind the model reads is a :class:`Reference`: the scenario field,
the reader of its module and the checks that need the scenario.
:func:`path_for` resolves a field against the scenario's folder, :func:`read`
reads a file through one file-time cache, :func:`problems_for` gives a
scenario's problems with it.  The compiled scenario carries what they hold
(:attr:`resetsim.scenario.Compiled.references`), so nothing after compiling
reads them again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from resetsim.core import files
from resetsim.core.config import (
    Problem,
    ScenarioError,
    detect_kind,
    parse_toml,
    wrong_kind_message,
)
from resetsim.scenario import observations, outcomes, patterns, posterior, targets
from resetsim.scenario.patterns import load_patterns

#: Each field that names a file: (the kind of file, the array of tables a TOML
#: file of that kind has; ``None``: a scenario, or not TOML).
FIELDS: dict[str, tuple[str, str | None]] = {
    "targets": ("toml", "targets"),
    "patterns": ("toml", "patterns"),
    "outcomes": ("toml", "outcomes"),
    "forecast": ("toml", None),
    "posterior": ("parquet", None),
    "power.file": ("csv", None),
    "observed_start": ("toml", "series"),
}
#: The kind :func:`resetsim.core.config.detect_kind` names a file of each array
#: of tables by (others: "a <tables> file").
_KIND_OF_TABLES = {"targets": "targets", "series": "observations"}


def named_files(sc: Any) -> dict[str, tuple[str, Path]]:
    """``{field: (path as written, path from the scenario's folder)}`` for every
    file the scenario names."""
    out: dict[str, tuple[str, Path]] = {}
    for field in FIELDS:
        if field == "power.file":
            ref = sc.power.file if sc.power.source == "file" else None
        else:
            ref = getattr(sc, field, None)
        if ref:
            out[field] = (str(ref), Path(sc.base_dir) / str(ref))
    return out


def named_inputs(sc: Any) -> list[Path]:
    """Every file the scenario names (for the rule that no output replaces
    a folder holding an input)."""
    return [path for _ref, path in named_files(sc).values()]


def _is_tables(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, Mapping) for v in value)


def file_problem(field: str, ref: str, path: Path, scenario: str) -> Problem | None:
    """The problem with the file ``field`` names (``None`` if it can be read
    as its kind): missing, not a regular file, too large, not UTF-8, not
    Parquet, not TOML, or TOML of another kind."""
    kind, tables = FIELDS[field]
    try:
        if kind == "parquet":
            files.check_parquet(path)
            return None
        text = files.read_text(path)
    except files.InputFileError as exc:
        return Problem(scenario, field, files.about(ref, exc))
    if kind != "toml":
        return None
    try:
        raw = parse_toml(text, ref)
    except ScenarioError as exc:
        return Problem(scenario, field, f"{ref}: {exc.problems[0][2]}")
    expected = "scenario" if tables is None else _KIND_OF_TABLES.get(tables, f"a {tables} file")
    other = wrong_kind_message(detect_kind(raw), expected, str(path))
    if other:
        return Problem(str(path), "", other)
    if tables is None and detect_kind(raw) != "scenario":
        return Problem(scenario, field, f"{ref} is not a scenario file (no [[states]] or extends)")
    if tables is not None and not _is_tables(raw.get(tables)):
        return Problem(
            scenario,
            field,
            f"{ref} is not a {tables} file: it has no [[{tables}]] tables",
        )
    return None


def problems(sc: Any) -> dict[str, Problem]:
    """``{field: problem}`` for each named file that cannot be read as its kind."""
    f = sc.source or "<scenario>"
    out = {}
    for field, (ref, path) in named_files(sc).items():
        problem = file_problem(field, ref, path, f)
        if problem is not None:
            out[field] = problem
    return out


def extends_chain(path: str | Path) -> list[Path]:
    """A scenario file and the files it extends, nearest first (read through
    the bounded reader; the chain was validated when the scenario loaded)."""
    chain = [Path(path)]
    while len(chain) <= 64:
        try:
            raw = parse_toml(files.read_text(chain[-1]), str(chain[-1]))
        except (files.InputFileError, ScenarioError):
            break
        parent = raw.get("extends")
        if not isinstance(parent, str):
            break
        chain.append(chain[-1].parent / parent)
    return chain


def input_files(sc: Any, prefix: str = "scenario") -> dict[str, Path]:
    """``{label: path}`` of every file a loaded scenario depends on: itself,
    the files it extends, the files it names, the observed series its
    patterns read, and the same of its forecast scenario."""
    out: dict[str, Path] = {}
    if sc.source:
        for i, path in enumerate(extends_chain(sc.source)):
            out[prefix if i == 0 else f"{prefix}.extends[{i}]"] = path
    for field, (_ref, path) in named_files(sc).items():
        out[f"{prefix}.{field}"] = path
        if field == "patterns":
            spec = load_patterns(path).spec
            for p in spec.patterns:
                if p.observed:
                    out[f"{prefix}.patterns.{p.id}.observed"] = Path(spec.base_dir) / p.observed
    return out


def digest(path: str | Path) -> str:
    """SHA-256 of a file's bytes (read through the bounded reader)."""
    return hashlib.sha256(files.read_bytes(path)).hexdigest()


# --------------------------------------------------------------------------
# reading the files the model uses, once


@dataclass(frozen=True)
class Reference:
    """A kind of file a scenario names: its field, how to read it (``read(path,
    scenario)``; raises :class:`ScenarioError`), whether a read may be cached by
    path and file time, and checks needing the scenario (``check(value,
    scenario, path)``)."""

    field: str
    read: Callable[[Path, Any], Any]
    cached: bool = True
    check: Callable[[Any, Any, Path], list[Problem]] | None = None


REFERENCES: dict[str, Reference] = {
    "targets": Reference("targets", lambda path, sc: targets.load_targets(path)),
    "patterns": Reference("patterns", lambda path, sc: patterns.load_patterns(path)),
    # the questions depend on the scenario's shock kinds: read afresh (small files)
    "outcomes": Reference(
        "outcomes",
        lambda path, sc: outcomes.load_outcomes(path, sc.all_kinds()),
        cached=False,
        check=outcomes.scenario_problems,
    ),
    "posterior": Reference(
        "posterior", lambda path, sc: posterior.read_posterior(path, sc.source or "<scenario>")
    ),
    "observed_start": Reference(
        "observed_start", lambda path, sc: observations.load_observations(path)
    ),
}


def path_for(scenario: Any, field: str) -> Path | None:
    """The file a scenario names in ``field`` (resolved against its folder), or None."""
    name = getattr(scenario, field, None)
    if not name:
        return None
    return Path(scenario.base_dir) / name


def _stamp(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return -1


@lru_cache(maxsize=64)
def _read_cached(field: str, resolved: str, _stamp: int, shown: str, source: str) -> Any:
    scenario = _Source(source)
    return REFERENCES[field].read(Path(shown), scenario)


@dataclass(frozen=True)
class _Source:
    """What a cached reader may know of the scenario: its file name."""

    source: str


def read(scenario: Any, field: str) -> Any:
    """What the file the scenario names in ``field`` holds (None when it names
    none); raises :class:`ScenarioError` for a missing or invalid file."""
    path = path_for(scenario, field)
    if path is None:
        return None
    ref = REFERENCES[field]
    if not path.exists():
        f = scenario.source or "<scenario>"
        raise ScenarioError([Problem(f, field, f"no such file: {getattr(scenario, field)}")])
    if not ref.cached:
        return ref.read(path, scenario)
    resolved = str(path.resolve())
    return _read_cached(field, resolved, _stamp(path), str(path), scenario.source or "<scenario>")


def problems_for(scenario: Any, field: str) -> list[Problem]:
    """Validation problems of the file a scenario names in ``field``."""
    try:
        value = read(scenario, field)
    except ScenarioError as exc:
        return exc.problems
    check = REFERENCES[field].check
    if value is None or check is None:
        return []
    return check(value, scenario, path_for(scenario, field))


def read_all(scenario: Any) -> dict[str, Any]:
    """Every file the scenario names (but a forecast scenario), by field."""
    return {f: v for f in REFERENCES if (v := read(scenario, f)) is not None}
