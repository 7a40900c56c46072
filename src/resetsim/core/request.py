"""One place that checks a request to run: parameters, engine, runs, seed.

The CLI, the Python API, experiment files, sweeps, the dashboard and
:class:`~resetsim.engines.model.ResetModel` all ask :func:`request_problems`,
so the same mistake gets the same words wherever it is made; each caller only
says where (``--runs``, ``resetsim.run: runs``, ``FILE: replications``).
"""

from __future__ import annotations

from collections.abc import Mapping
from numbers import Integral
from typing import Any

from resetsim.core import params as prm

#: The engines a scenario may run on: ``compiled`` (the quarter loop in
#: numba-compiled code, fastest), ``ensemble`` (all runs at once as numpy
#: arrays) and ``mesa`` (one agent model per run, the reference).
ENGINES: tuple[str, ...] = ("compiled", "ensemble", "mesa")
#: The engine used unless one is named.
DEFAULT_ENGINE = "compiled"


def _whole(value: Any) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def request_problems(
    params: Mapping[str, Any] | None = None,
    engine: str | None = None,
    runs: Any = None,
    seed: Any = None,
) -> list[tuple[str, str]]:
    """Problems with a request as ``(field, message)`` pairs (empty: fine).

    ``field`` is ``parameter 'NAME'``, ``engine``, ``runs`` or ``seed``; a
    parameter must be a registry parameter with a finite number within its
    bounds, the engine one of :data:`ENGINES`, runs a whole number >= 1 and the
    seed a whole number >= 0.  ``None`` means "not asked" (the default).
    """
    problems = [(f"parameter {n!r}", m) for n, m in prm.check_overrides(params or {})]
    if engine is not None and engine not in ENGINES:
        problems.append(("engine", f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}"))
    if runs is not None and not (_whole(runs) and runs >= 1):
        problems.append(("runs", f"must be a whole number >= 1, got {runs!r}"))
    if seed is not None and not (_whole(seed) and seed >= 0):
        problems.append(("seed", f"must be a whole number >= 0, got {seed!r}"))
    return problems


def describe(problems: list[tuple[str, str]], who: str = "") -> str:
    """The problems as one line: ``who: field: message; field: message``."""
    text = "; ".join(f"{field}: {message}" for field, message in problems)
    return f"{who}: {text}" if who else text


def check_request(
    params: Mapping[str, Any] | None = None,
    engine: str | None = None,
    runs: Any = None,
    seed: Any = None,
    who: str = "",
) -> None:
    """Raise :class:`ValueError` (one line naming ``who`` and each field) for a
    request with problems (:func:`request_problems`)."""
    problems = request_problems(params, engine, runs, seed)
    if problems:
        raise ValueError(describe(problems, who))
