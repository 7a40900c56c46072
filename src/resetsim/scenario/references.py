"""The files a scenario names, handled by one mechanism: where each is, how it
is read (once per version of the file) and what is wrong with it.

A scenario may name a ``targets`` file (episode windows), ``patterns`` (the
scorecard), ``outcomes`` (the questions a forecast is scored on), a
``posterior`` (calibrated parameter draws) and a ``forecast`` scenario.  Each
kind is a :class:`Reference`: the scenario field, the reader of its module and
the checks that need the scenario.  :func:`path_for` resolves a field against
the scenario's folder, :func:`read` reads a file through one file-time cache,
:func:`problems_for` gives a scenario's problems with it.  The compiled
scenario carries what they hold (:attr:`resetsim.scenario.Compiled.references`),
so nothing after compiling reads them again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from resetsim.core.config import Problem, ScenarioError
from resetsim.scenario import outcomes, patterns, posterior, targets


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
