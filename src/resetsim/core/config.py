"""The shared base of resetsim's TOML files (scenarios, targets, experiments).

One owner for what every data file needs: strict pydantic models, the
``(file, field, message)`` :class:`Problem`, :class:`ScenarioError` carrying
every problem at once, reading TOML with a clear error, and turning pydantic's
errors into problems that name the field as the user wrote it.
"""

from __future__ import annotations

import datetime as _dt
import math
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError


def _number(value: Any) -> Any:
    """Refuse what pydantic would quietly turn into a number (booleans, strings)
    and what no field of a data file may hold (``nan``, ``inf``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"must be a number, not {type(value).__name__}")
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


#: A float field of a data file: ``true``, ``"0.5"`` or ``nan`` is an error.
Number = Annotated[float, BeforeValidator(_number)]


#: An integer field of a data file (no booleans or strings either).
Count = Annotated[int, BeforeValidator(_number)]



def _date_like(value: Any) -> Any:
    """A date as text (``"2001Q3"``, ``"2001-09-11"``), a year, or a TOML date."""
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, bool) or not isinstance(value, (str, int, _dt.date)):
        raise ValueError(
            f'must be a date such as "2001Q3", "2001-09-11" or 2001, not {type(value).__name__}'
        )
    return value


DateLike = Annotated[str | int | _dt.date, BeforeValidator(_date_like)]


ID_PATTERN = r"^[a-z][a-z0-9_]*$"


class Problem(tuple):
    """``(file, field, message)``."""

    def __new__(cls, file: str, where: str, message: str):
        return super().__new__(cls, (file, where, message))

    def __str__(self) -> str:
        file, where, message = self
        return f"{file}: {where}: {message}" if where else f"{file}: {message}"


class ScenarioError(Exception):
    """A scenario (or experiment) file is invalid; ``problems`` lists every issue."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class Strict(BaseModel):
    """A strict, frozen schema model: unknown fields are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def fmt_loc(loc: tuple, raw: Mapping[str, Any]) -> str:
    parts: list[str] = []
    node: Any = raw
    for item in loc:
        if isinstance(item, int):
            label = f"[{item}]"
            if isinstance(node, list) and item < len(node):
                node = node[item]
                if isinstance(node, dict) and isinstance(node.get("id"), str):
                    label = f"[{item}] (id {node['id']!r})"
            else:
                node = None
            parts.append(label)
        else:
            node = node.get(item) if isinstance(node, dict) else None
            parts.append(("." if parts else "") + str(item))
    return "".join(parts)


def read_toml(path: Path, missing: str = "file not found") -> dict[str, Any]:
    """Read a TOML file; any failure is a :class:`ScenarioError` naming the file
    (scenarios, targets and experiments all read their files through this)."""
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ScenarioError([Problem(str(path), "", missing)]) from None
    except IsADirectoryError:
        raise ScenarioError([Problem(str(path), "", "is a directory, not a TOML file")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError([Problem(str(path), "", f"not valid TOML: {exc}")]) from None
    except UnicodeDecodeError:
        raise ScenarioError([Problem(str(path), "", "not UTF-8 text")]) from None


def schema_problems(
    exc: ValidationError,
    raw: Mapping[str, Any],
    file: str,
    normalise: Any = None,
) -> list[Problem]:
    """One problem per schema error.

    A list whose items failed is not also reported as too short: pydantic
    counts only the valid items, so that message would be spurious.
    """
    errors = exc.errors()
    failed_lists = {
        tuple(e["loc"][:i]) for e in errors for i, k in enumerate(e["loc"]) if isinstance(k, int)
    }
    problems = []
    for err in errors:
        loc = tuple(err["loc"]) if normalise is None else tuple(normalise(err["loc"]))
        if err["type"] in ("too_short", "too_long") and loc in failed_lists:
            continue
        msg = err["msg"]
        if err["type"] == "value_error":
            msg = str(err.get("ctx", {}).get("error", msg))
        if err["type"] == "extra_forbidden":
            msg = "unknown field"
        elif "input" in err and err["type"] not in ("missing",):
            msg = f"{msg} (got {err['input']!r})"
        problems.append(Problem(file, fmt_loc(loc, raw), msg))
    return problems
