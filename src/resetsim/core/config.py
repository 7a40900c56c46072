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

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from resetsim.core import files


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


def _date_like(value: Any, also: str = "") -> Any:
    """A date as text (``"2001Q3"``, ``"2001-09-11"``), a year, or a TOML date
    (``also``: what else the field accepts, named in the message)."""
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, bool) or not isinstance(value, (str, int, _dt.date)):
        raise ValueError(
            f'must be a date such as "2001Q3", "2001-09-11" or 2001{also}, '
            f"not {type(value).__name__}"
        )
    return value


DateLike = Annotated[str | int | _dt.date, BeforeValidator(_date_like)]

#: An event's ``end``: the word for an act still going on.
ONGOING = "ongoing"


def _end_like(value: Any) -> Any:
    """A date (as :data:`DateLike`) or ``"ongoing"``, refused in one message."""
    return value if value == ONGOING else _date_like(value, f', or "{ONGOING}"')


#: An end date, or ``"ongoing"`` (an event that lasts).
EndLike = Annotated[str | int | _dt.date, BeforeValidator(_end_like)]


ID_PATTERN = r"^[a-z][a-z0-9_]*$"
#: A file's ``name`` (it names the default output folder, ``runs/NAME``):
#: letters, digits, ``_``, ``-`` and ``.``, starting with a letter or digit, so
#: it can be neither a path (``/home/me``, ``../x``) nor ``.`` or ``..``.
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"

#: Bounds on text fields (characters): a name or id, a short label or a
#: person's name, a description or note, a path a file names.
MAX_NAME = 64
MAX_LABEL = 200
MAX_TEXT = 4000
MAX_PATH = 1024

#: An id field, a name field, and bounded text (pydantic ``Field`` arguments).
Id = Annotated[str, Field(pattern=ID_PATTERN, max_length=MAX_NAME)]
Name = Annotated[str, Field(pattern=NAME_PATTERN, max_length=MAX_NAME)]
Label = Annotated[str, Field(max_length=MAX_LABEL)]
Text = Annotated[str, Field(max_length=MAX_TEXT)]
PathText = Annotated[str, Field(min_length=1, max_length=MAX_PATH)]
#: The key of a table (a parameter's, a kind's or a state's name).
Key = Annotated[str, Field(max_length=MAX_NAME)]


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

    def one_line(self) -> str:
        """The first problem, and how many more there are, on one line."""
        n = len(self.problems)
        if not n:
            return str(self)
        more = f" (and {n - 1} more problem{'s' if n > 2 else ''})" if n > 1 else ""
        return f"{self.problems[0]}{more}"


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
            text = str(item)
            if len(text) > MAX_NAME:  # a key too long to be a name: cut it short
                text = text[: MAX_NAME - 4] + " ..."
            parts.append(("." if parts else "") + text)
    return "".join(parts)


def decode_text(data: bytes) -> str:
    """Bytes of a data file as text: UTF-8, with or without a byte-order mark.

    Raises ``ValueError`` with a message a user can act on (UTF-16, Latin-1 ...).
    """
    return files.decode_text(data)


#: How deeply arrays and tables may nest in a data file (resetsim's own
#: files nest three levels at most).
MAX_DEPTH = 32


def _depth_ok(value: Any) -> bool:
    """Whether ``value`` nests at most :data:`MAX_DEPTH` levels (iteratively:
    no recursion however deep it goes)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return False
        if isinstance(node, Mapping):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
    return True


def parse_toml(text: str, file: str) -> dict[str, Any]:
    """TOML text (a leading byte-order mark is ignored) -> a mapping, or a
    :class:`ScenarioError` naming ``file``.  The message gives the line and
    column of a syntax error but quotes nothing of the file."""
    deep = Problem(file, "", f"arrays or tables nested more than {MAX_DEPTH} levels deep")
    try:
        raw = tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError([Problem(file, "", f"not valid TOML: {exc}")]) from None
    except RecursionError:
        raise ScenarioError([deep]) from None
    if not _depth_ok(raw):
        raise ScenarioError([deep])
    return raw


def read_toml(path: Path, missing: str = "file not found") -> dict[str, Any]:
    """Read a TOML file through the bounded reader (:mod:`resetsim.core.files`:
    a regular file of bounded size, UTF-8 with or without a byte-order mark);
    any failure is a :class:`ScenarioError` naming the file (scenarios, targets
    and experiments all read their files through this)."""
    file = str(path)
    try:
        text = files.read_text(path)
    except files.InputFileError as exc:
        message = str(exc)
        if message == "no such file":
            message = missing
        elif message == "is a folder, not a file":
            message = "is a directory, not a TOML file"
        raise ScenarioError([Problem(file, "", message)]) from None
    return parse_toml(text, file)


#: What each kind of data file says that the others do not (top-level keys;
#: ``name``, ``description``, ``seed`` and ``parameters`` are shared).
_KIND_KEYS: dict[str, frozenset[str]] = {
    "scenario": frozenset(
        {
            "states",
            "leaders",
            "events",
            "stochastic",
            "extends",
            "start",
            "end",
            "projection_start",
            "runs",
            "kinds",
            "interests",
            "power",
            "remove_events",
            "remove_leaders",
            "remove_stochastic",
        }
    ),
    "experiment": frozenset(
        {
            "design",
            "scenario",
            "replications",
            "metrics",
            "shares",
            "figures",
            "trajectories",
            "chunk_size",
            "common_random_numbers",
        }
    ),
    "targets": frozenset({"tolerance_quarters", "spurious_penalty", "min_rise", "min_fall"}),
    "observations": frozenset({"series"}),
}


def detect_kind(raw: Mapping[str, Any]) -> str | None:
    """Which kind of resetsim file a TOML mapping looks like.

    ``"scenario"``, ``"experiment"``, ``"targets"``, ``"observations"``
    (``[[series]]``, for ``resetsim assess``), ``"parameters"`` (a file
    holding only ``[parameters]``, as ``calibrate --around`` reads) or ``None``
    when nothing tells (an empty file, only shared keys, or a tie).  Decided
    by the keys only one kind has; ``targets`` counts for a targets file when
    it is an array of tables (a scenario's ``targets`` is a path).
    """
    if not isinstance(raw, Mapping):
        return None
    keys = set(raw)
    if keys == {"parameters"} and isinstance(raw["parameters"], Mapping):
        return "parameters"
    score = {kind: len(keys & distinct) for kind, distinct in _KIND_KEYS.items()}
    targets = raw.get("targets")
    if isinstance(targets, list) and targets and all(isinstance(t, Mapping) for t in targets):
        score["targets"] += 2
    best = max(score.values())
    if best == 0:
        return None
    winners = [kind for kind, n in score.items() if n == best]
    return winners[0] if len(winners) == 1 else None


#: How to use a file of each kind, and what to call it.
_USE = {
    "scenario": "use `resetsim run PATH`",
    "experiment": "use `resetsim sweep PATH`",
    "targets": 'a scenario names it with targets = "NAME" (the path from the scenario\'s folder)',
    "parameters": "give it to `resetsim run SCENARIO --set NAME=VALUE` or copy its values "
    "into a scenario's [parameters]",
    "observations": "use `resetsim assess SCENARIO --observed PATH`",
}
_THIS = {
    "scenario": "a scenario file",
    "experiment": "an experiment file",
    "targets": "a targets file",
    "parameters": "a file of [parameters] only",
    "observations": "an observations file",
}
_NOT = {
    "scenario": "a scenario",
    "experiment": "an experiment",
    "targets": "a targets file",
    "parameters": "a parameters file",
    "observations": "an observations file",
}


def wrong_kind_message(kind: str | None, expected: str, file: str) -> str | None:
    """One line for a file of ``kind`` given where a file of ``expected`` kind
    belongs (``None`` if the kinds agree or the kind is unknown), e.g.
    ``"this is an experiment file, not a scenario: use `resetsim sweep exp.toml`"``
    (``file`` as the user gave it)."""
    if kind is None or kind == expected or kind not in _USE:
        return None
    usage = _USE[kind].replace("PATH", file).replace("NAME", Path(file).name)
    return f"this is {_THIS[kind]}, not {_NOT.get(expected, expected)}: {usage}"


def check_kind(raw: Mapping[str, Any], expected: str, file: str) -> None:
    """Raise a one-problem :class:`ScenarioError` if ``raw`` is plainly another
    kind of file than ``expected`` (``"scenario"``, ``"experiment"``, ``"targets"``)."""
    message = wrong_kind_message(detect_kind(raw), expected, file)
    if message:
        raise ScenarioError([Problem(file, "", message)])


#: Plainer words for pydantic's error types (a user writes TOML, not Python).
_PLAIN = {
    "tuple_type": "must be an array",
    "list_type": "must be an array",
    "dict_type": "must be a table",
    "model_type": "must be a table",
    "model_attributes_type": "must be a table",
    "string_type": "must be text (in quotes)",
    "int_from_float": "must be a whole number",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "float_type": "must be a number",
    "bool_type": "must be true or false",
}


def short_repr(value: Any, limit: int = 60) -> str:
    """``repr(value)``, cut to about ``limit`` characters (messages stay one short line)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + " ..."


def _plain_message(err: Mapping[str, Any]) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    if kind == "extra_forbidden":
        return "unknown field"
    if kind in _PLAIN:
        return _PLAIN[kind]
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == ID_PATTERN:
        return "must be an id: lower-case letters, digits and _, starting with a letter"
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == NAME_PATTERN:
        return (
            "must be a plain name: letters, digits, _, - and ., starting with a letter or "
            "digit (it names the output folder, so no / and no ..)"
        )
    if kind == "string_too_long":
        return f"must have at most {ctx.get('max_length')} characters"
    if kind in ("too_long", "too_short"):
        bound = "at most" if kind == "too_long" else "at least"
        limit = ctx.get("max_length") if kind == "too_long" else ctx.get("min_length")
        got = ctx.get("actual_length")
        return f"must have {bound} {limit} items" + (f" (got {got})" if got is not None else "")
    msg = str(err["msg"])
    return "must be " + msg.removeprefix("Input should be ") if msg.startswith("Input ") else msg


def schema_problems(
    exc: ValidationError,
    raw: Mapping[str, Any],
    file: str,
    normalise: Any = None,
) -> list[Problem]:
    """One problem per schema error, in words for someone who writes TOML.

    A list whose items failed is not also reported as too short: pydantic
    counts only the valid items, so that message would be spurious.  The
    offending value is quoted, cut short (a message stays one short line).
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
        msg = _plain_message(err)
        if loc and loc[-1] == "[key]":  # a bad key of a table: name the key itself
            loc = loc[:-1]
            msg = "this name " + msg
        if (
            "input" in err
            and err["type"] not in ("missing", "extra_forbidden", "too_long", "too_short")
            and "(got " not in msg
        ):
            msg = f"{msg} (got {short_repr(err['input'])})"
        problems.append(Problem(file, fmt_loc(loc, raw), msg))
    return problems
