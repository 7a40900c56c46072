"""Loading scenario files: read TOML, resolve ``extends``, validate.

A scenario may ``extends = "other.toml"`` and add, replace (same ``id``) or
remove (``remove_events`` ...) events, leaders and processes.  Every problem
is reported as ``FILE: field.path: message``.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from resetsim.core import calendar as cal
from resetsim.core import files
from resetsim.core.config import (
    Problem,
    ScenarioError,
    check_kind,
    detect_kind,
    parse_toml,
    read_toml,
    schema_problems,
    short_repr,
)
from resetsim.core.names import did_you_mean
from resetsim.scenario import builtin, references
from resetsim.scenario.builtin import resolve
from resetsim.scenario.schema import Scenario
from resetsim.scenario.validate import semantic_problems

#: The longest ``extends`` chain (files a scenario may stand on).
MAX_EXTENDS = 32

_ITEM_NAME = {"events": "event", "leaders": "leader term", "stochastic": "process"}


_MERGE_BY_ID = {
    "events": "remove_events",
    "leaders": "remove_leaders",
    "stochastic": "remove_stochastic",
}


#: Where each item of a resolved scenario was written: ``(group, id) -> file``
#: (``group`` is ``events``, ``leaders`` or ``stochastic``).
Origins = dict[tuple[str, str], str]


def _note_origins(raw: dict[str, Any], file: str, origins: Origins | None) -> None:
    if origins is None:
        return
    for group in _MERGE_BY_ID:
        items = raw.get(group)
        if isinstance(items, list):
            for item in items:
                if isinstance(item, dict) and isinstance(item.get("id"), str):
                    origins[(group, item["id"])] = os.path.normpath(file)


def _merge(parent: dict[str, Any], child: dict[str, Any], file: str) -> dict[str, Any]:
    out = copy.deepcopy(parent)
    problems: list[Problem] = []
    for key, value in child.items():
        if key == "extends" or key in _MERGE_BY_ID.values():
            continue
        if key in _MERGE_BY_ID:
            if not isinstance(value, list):
                problems.append(Problem(file, key, "must be an array of tables"))
                continue
            items = list(out.get(key, []))
            index = {it.get("id"): i for i, it in enumerate(items) if isinstance(it, dict)}
            seen: set[Any] = set()
            for i, new in enumerate(value):
                nid = new.get("id") if isinstance(new, dict) else None
                if nid is not None and nid in seen:
                    problems.append(
                        Problem(file, f"{key}[{i}].id", f"duplicate id {short_repr(nid)}")
                    )
                    continue
                seen.add(nid)
                if nid in index:
                    items[index[nid]] = new
                else:
                    items.append(new)
            out[key] = items
        elif key in ("parameters", "kinds", "power", "interests") and isinstance(value, dict):
            merged = dict(out.get(key, {}))
            merged.update(value)
            out[key] = merged
        elif key == "states" and isinstance(value, list):
            by_id = {s.get("id"): s for s in out.get("states", []) if isinstance(s, dict)}
            states = list(out.get("states", []))
            seen_states: set[Any] = set()
            for i, new in enumerate(value):
                sid = new.get("id") if isinstance(new, dict) else None
                if sid is not None and sid in seen_states:
                    problems.append(
                        Problem(file, f"states[{i}].id", f"duplicate id {short_repr(sid)}")
                    )
                    continue
                seen_states.add(sid)
                if sid in by_id and isinstance(new, dict):
                    i = states.index(by_id[sid])
                    merged = copy.deepcopy(by_id[sid])
                    init = dict(merged.get("initial", {}))
                    init.update(new.get("initial", {}))
                    merged.update(new)
                    merged["initial"] = init
                    states[i] = merged
                else:
                    states.append(new)
            out["states"] = states
        else:
            out[key] = value
    for key, remove_key in _MERGE_BY_ID.items():
        removals = child.get(remove_key, [])
        if not isinstance(removals, list) or not all(isinstance(r, str) for r in removals):
            problems.append(Problem(file, remove_key, "must be an array of ids (strings)"))
            continue
        ids = {it.get("id") for it in out.get(key, []) if isinstance(it, dict)}
        for rid in removals:
            if rid not in ids:
                problems.append(
                    Problem(file, remove_key, f"no {_ITEM_NAME[key]} with id {rid!r} to remove")
                )
        out[key] = [
            it for it in out.get(key, []) if not (isinstance(it, dict) and it.get("id") in removals)
        ]
    if problems:
        raise ScenarioError(problems)
    return out


def _load_raw(
    path: Path,
    chain: tuple[Path, ...] = (),
    origins: Origins | None = None,
    referrer: tuple[str, str] | None = None,
) -> dict[str, Any]:
    # problems name the file as the user wrote it; the chain compares resolved paths
    if path.resolve() in chain:
        raise ScenarioError([Problem(str(path), "extends", "circular extends chain")])
    if len(chain) > MAX_EXTENDS:
        file = referrer[0] if referrer else str(path)
        raise ScenarioError(
            [Problem(file, "extends", f"a chain of more than {MAX_EXTENDS} extends")]
        )
    raw = read_toml(path)
    check_kind(raw, "scenario", str(path))
    if referrer is not None and detect_kind(raw) != "scenario":
        # say no more of a file that is not a scenario than that it is not one
        file, ref = referrer
        raise ScenarioError(
            [Problem(file, "extends", f"{ref} is not a scenario file (no [[states]] or extends)")]
        )
    parent_ref = raw.get("extends")
    if parent_ref is None:
        for rk in _MERGE_BY_ID.values():
            if rk in raw:
                return_problem = Problem(
                    str(path), rk, "only a scenario that extends another may remove items"
                )
                raise ScenarioError([return_problem])
        _note_origins(raw, str(path), origins)
        return raw
    if not isinstance(parent_ref, str):
        raise ScenarioError([Problem(str(path), "extends", "must be a path (string)")])
    parent_path = path.parent / parent_ref
    if not parent_path.exists():
        # not a file beside this one: a built-in scenario of that name, if any
        name = builtin.builtin_name(parent_ref)
        if name is not None and name in builtin.names():
            parent_path = builtin.resolve(parent_ref)
        else:
            also = "" if name is None else ", and no built-in scenario of that name"
            hint = did_you_mean(name, builtin.names())
            raise ScenarioError(
                [Problem(str(path), "extends", f"no such file: {parent_ref}{also}{hint}")]
            )
    try:
        files.check_regular(parent_path)
    except files.InputFileError as exc:
        raise ScenarioError([Problem(str(path), "extends", files.about(parent_ref, exc))]) from None
    here = path.resolve()
    parent = _load_raw(parent_path, (*chain, here), origins, (str(path), parent_ref))
    # a parent must itself be valid (validated from what was just read: each
    # file of the chain is read once, so a chain costs time linear in its length)
    _validate(parent, str(parent_path), parent_path.resolve().parent)
    _rebase_paths(parent, parent_path.parent, path.parent)
    merged = _merge(parent, raw, str(path))
    _note_origins(raw, str(path), origins)
    return merged


def _rebase_paths(raw: dict[str, Any], parent_dir: Path, child_dir: Path) -> None:
    """Make the file paths a parent scenario names (every field of
    :data:`resetsim.scenario.references.FIELDS`) point at the same files from
    the child's folder, in place."""

    def rebase(value: Any) -> Any:
        if not isinstance(value, str) or Path(value).is_absolute():
            return value
        target = (parent_dir / value).resolve()
        try:
            return os.path.relpath(target, child_dir.resolve())
        except ValueError:  # another drive (Windows)
            return str(target)

    for key in references.FIELDS:  # "power.file" below
        if key in raw:
            raw[key] = rebase(raw[key])
    power = raw.get("power")
    if isinstance(power, dict) and "file" in power:
        power["file"] = rebase(power["file"])


def load(path: str | Path, *, _chain: tuple[Path, ...] = ()) -> Scenario:
    """Read, merge (``extends``) and validate a scenario file.

    Parameters
    ----------
    path : str or Path
        The scenario's TOML file, or the name of a built-in scenario
        (``"biden_era"``; ``resetsim scenarios`` lists them).  A file that
        exists wins over a name.

    Returns
    -------
    Scenario
        The validated scenario, ``extends`` resolved.

    Raises
    ------
    ScenarioError
        Listing every problem at once, each naming the file and the field.
    """
    path = resolve(path)
    return _validate(_load_raw(path, _chain), str(path), path.resolve().parent)


def load_with_origins(path: str | Path) -> tuple[Scenario, Origins]:
    """:func:`load`, and the file each event, leader term and process was
    written in (after ``extends``): ``{(group, id): file}``."""
    path = resolve(path)
    origins: Origins = {}
    scenario = _validate(_load_raw(path, (), origins), str(path), path.resolve().parent)
    return scenario, origins


def _validate(raw: dict[str, Any], file: str, base_dir: Path) -> Scenario:
    raw = {k: v for k, v in raw.items() if k != "extends" and k not in _MERGE_BY_ID.values()}
    raw["source"] = file
    raw["base_dir"] = str(base_dir)
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(schema_problems(exc, raw, file)) from None
    problems = semantic_problems(scenario)
    if not problems and scenario.forecast is not None:
        problems = forecast_problems(scenario)
    if problems:
        raise ScenarioError(problems)
    return scenario


def forecast_problems(sc: Scenario) -> list[Problem]:
    """Checks of a scenario's ``forecast``: a valid scenario file, over the same
    period and states, with a projection start (its origin), naming no forecast
    itself, and the origin of the ``outcomes`` file."""
    f, ref = sc.source or "<scenario>", sc.forecast
    path = Path(sc.base_dir) / str(ref)
    if not path.is_file():
        return [Problem(f, "forecast", f"no such file: {ref}")]
    try:
        raw = _load_raw(path)
        if raw.get("forecast") is not None:
            return [Problem(f, "forecast", f"{ref} names a forecast itself; give one level only")]
        fc = load(path)
    except ScenarioError as exc:
        return [Problem(f, "forecast", f"{ref} is not a valid scenario: {exc.problems[0]}")]
    period = f"{cal.quarter_label(cal.parse_quarter(sc.start))}-" + cal.quarter_label(
        cal.parse_quarter(sc.end)
    )
    fperiod = f"{cal.quarter_label(cal.parse_quarter(fc.start))}-" + cal.quarter_label(
        cal.parse_quarter(fc.end)
    )
    if fperiod != period:
        return [
            Problem(
                f,
                "forecast",
                f"{ref} runs {fperiod}, this scenario {period}; a forecast covers the same period",
            )
        ]
    if fc.state_ids != sc.state_ids:
        return [
            Problem(
                f,
                "forecast",
                f"{ref} has states {', '.join(fc.state_ids)}, this "
                f"scenario {', '.join(sc.state_ids)}; a forecast is of the same dyad",
            )
        ]
    if fc.projection_start is None:
        return [Problem(f, "forecast", f"{ref} has no projection_start (the forecast's origin)")]
    out = references.path_for(sc, "outcomes")
    if out is not None:
        spec = references.read(sc, "outcomes")
        origin = cal.parse_quarter(spec.origin)
        if origin != cal.parse_quarter(fc.projection_start):
            return [
                Problem(
                    str(out),
                    "origin",
                    f"{spec.origin} is not the forecast's projection_start ({fc.projection_start})",
                )
            ]
    return []


def loads(text: str, name: str = "<string>", base_dir: str | Path = ".") -> Scenario:
    """Validate a scenario given as TOML text (no ``extends``; a byte-order mark is ignored)."""
    raw = parse_toml(text, name)
    check_kind(raw, "scenario", name)
    if "extends" in raw:
        raise ScenarioError([Problem(name, "extends", "only files may extend a scenario")])
    return _validate(raw, name, Path(base_dir).resolve())
