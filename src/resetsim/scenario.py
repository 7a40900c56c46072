"""Scenario files: TOML, validated before anything runs, compiled to arrays.

A scenario declares the two states, their leaders' terms, dated events,
stochastic event processes, parameter overrides and the power series.  It may
``extends = "other.toml"`` and add, replace (same ``id``) or remove
(``remove_events`` ...) events, leaders and processes.  Every problem is
reported as ``FILE: field.path: message``; :class:`ScenarioError` carries them
all.  See ``README.md`` for the format and ``scenarios/example.toml``.
"""

from __future__ import annotations

import copy
import datetime as _dt
import itertools
import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from . import calendar as cal
from . import dynamics as dyn
from . import params as prm
from . import power as pw
from . import shocks as sh


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
Num = sh.Number
Count = sh.Count

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


# --------------------------------------------------------------------------
# schema


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StateInitial(_Strict):
    """Initial values of a state's drivers (defaults are neutral)."""

    trust: Num = Field(0.3, ge=0, le=1)
    leader_affinity: Num | None = Field(None, ge=-1, le=1)
    ideology: Num = Field(0.5, ge=0, le=1)
    domestic_constraint: Num = Field(0.2, ge=0, le=1)
    status_anchor: Num = Field(0.5, ge=0, le=1)
    status_expectation: Num | None = Field(None, ge=0, le=1)
    grievance: Num = Field(0.0, ge=0, le=1)
    threat: Num = Field(0.2, ge=0, le=1)


class StateSpec(_Strict):
    id: str = Field(pattern=ID_PATTERN, max_length=12)
    name: str = ""
    initial: StateInitial = StateInitial()


class LeaderTerm(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    state: str
    name: str
    start: DateLike
    end: DateLike | None = None
    disposition: Num = Field(ge=-1, le=1)
    disposition_sd: Num = Field(0.0, ge=0, le=1)
    note: str = ""


class Event(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    date: DateLike
    kind: str
    actor: str
    target: str | None = None
    scale: Num = Field(1.0, ge=0, le=5)
    label: str | None = None
    note: str = ""


class Process(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    kind: str
    actor: str
    target: str | None = None
    rate_per_year: Num = Field(ge=0, le=12)
    start: DateLike | None = None
    end: DateLike | None = None
    scale: Num = Field(1.0, ge=0, le=5)
    label: str | None = None
    note: str = ""


class PowerSpec(_Strict):
    source: Literal["us_russia", "constant", "file"] = "us_russia"
    file: str | None = None
    constant: dict[str, Num] | None = None
    weights: dict[Literal["gdp", "milex", "warheads"], Num] | None = None
    projection: Literal["hold", "trend"] = "hold"
    trend_years: Count = Field(10, ge=2, le=40)


class Scenario(_Strict):
    """A validated scenario (after ``extends`` has been resolved)."""

    name: str
    description: str = ""
    start: DateLike
    end: DateLike
    projection_start: DateLike | None = None
    runs: Count = Field(1, ge=1, le=1_000_000)
    seed: Count = Field(20210101, ge=0)
    targets: str | None = None
    states: tuple[StateSpec, ...] = Field(min_length=2, max_length=2)
    leaders: tuple[LeaderTerm, ...] = ()
    events: tuple[Event, ...] = ()
    stochastic: tuple[Process, ...] = ()
    kinds: dict[str, sh.Kind] = {}
    parameters: dict[str, Num] = {}
    interests: dict[str, Num] = {}
    power: PowerSpec = PowerSpec()
    # provenance, filled by the loader
    source: str = ""
    base_dir: str = ""

    @property
    def state_ids(self) -> tuple[str, str]:
        return (self.states[0].id, self.states[1].id)

    def all_kinds(self) -> dict[str, sh.Kind]:
        return {**sh.library(), **self.kinds}

    def resolved(self) -> dict[str, Any]:
        """A JSON-ready dict of the resolved scenario (for ``meta.json``)."""
        return json.loads(self.model_dump_json(exclude={"base_dir"}))


# --------------------------------------------------------------------------
# loading


_ITEM_NAME = {"events": "event", "leaders": "leader term", "stochastic": "process"}
_MERGE_BY_ID = {
    "events": "remove_events",
    "leaders": "remove_leaders",
    "stochastic": "remove_stochastic",
}


def _fmt_loc(loc: tuple, raw: Mapping[str, Any]) -> str:
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
            for new in value:
                nid = new.get("id") if isinstance(new, dict) else None
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
            for new in value:
                sid = new.get("id") if isinstance(new, dict) else None
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


def _load_raw(path: Path, chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    # problems name the file as the user wrote it; the chain compares resolved paths
    if path.resolve() in chain:
        raise ScenarioError([Problem(str(path), "extends", "circular extends chain")])
    raw = read_toml(path)
    parent_ref = raw.get("extends")
    if parent_ref is None:
        for rk in _MERGE_BY_ID.values():
            if rk in raw:
                return_problem = Problem(
                    str(path), rk, "only a scenario that extends another may remove items"
                )
                raise ScenarioError([return_problem])
        return raw
    if not isinstance(parent_ref, str):
        raise ScenarioError([Problem(str(path), "extends", "must be a path (string)")])
    parent_path = path.parent / parent_ref
    if not parent_path.exists():
        raise ScenarioError([Problem(str(path), "extends", f"no such file: {parent_ref}")])
    # a parent must itself be valid
    here = path.resolve()
    load(parent_path, _chain=(*chain, here))
    parent = _load_raw(parent_path, (*chain, here))
    _rebase_paths(parent, parent_path.parent, path.parent)
    return _merge(parent, raw, str(path))


def _rebase_paths(raw: dict[str, Any], parent_dir: Path, child_dir: Path) -> None:
    """Make the file paths a parent scenario names (``targets``, ``power.file``)
    point at the same files from the child's folder, in place."""

    def rebase(value: Any) -> Any:
        if not isinstance(value, str) or Path(value).is_absolute():
            return value
        target = (parent_dir / value).resolve()
        try:
            return os.path.relpath(target, child_dir.resolve())
        except ValueError:  # another drive (Windows)
            return str(target)

    if "targets" in raw:
        raw["targets"] = rebase(raw["targets"])
    power = raw.get("power")
    if isinstance(power, dict) and "file" in power:
        power["file"] = rebase(power["file"])


def load(path: str | Path, *, _chain: tuple[Path, ...] = ()) -> Scenario:
    """Read, merge and validate a scenario file; raise :class:`ScenarioError`."""
    path = Path(path)
    file = str(path)
    raw = _load_raw(path, _chain)
    raw = {k: v for k, v in raw.items() if k != "extends" and k not in _MERGE_BY_ID.values()}
    raw["source"] = file
    raw["base_dir"] = str(path.resolve().parent)
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(_schema_problems(exc, raw, file)) from None
    problems = semantic_problems(scenario)
    if problems:
        raise ScenarioError(problems)
    return scenario


def _schema_problems(exc: ValidationError, raw: Mapping[str, Any], file: str) -> list[Problem]:
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
        loc = tuple(err["loc"])
        if err["type"] in ("too_short", "too_long") and loc in failed_lists:
            continue
        msg = err["msg"]
        if err["type"] == "value_error":
            msg = str(err.get("ctx", {}).get("error", msg))
        if err["type"] == "extra_forbidden":
            msg = "unknown field"
        elif "input" in err and err["type"] not in ("missing",):
            msg = f"{msg} (got {err['input']!r})"
        problems.append(Problem(file, _fmt_loc(loc, raw), msg))
    return problems


def loads(text: str, name: str = "<string>", base_dir: str | Path = ".") -> Scenario:
    """Validate a scenario given as TOML text (no ``extends``)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError([Problem(name, "", f"not valid TOML: {exc}")]) from None
    if "extends" in raw:
        raise ScenarioError([Problem(name, "extends", "only files may extend a scenario")])
    raw["source"] = name
    raw["base_dir"] = str(Path(base_dir).resolve())
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(_schema_problems(exc, raw, name)) from None
    problems = semantic_problems(scenario)
    if problems:
        raise ScenarioError(problems)
    return scenario


def _quarter(value: Any, file: str, where: str, problems: list[Problem]) -> int | None:
    try:
        return cal.parse_quarter(value)
    except ValueError as exc:
        problems.append(Problem(file, where, str(exc)))
        return None


def semantic_problems(sc: Scenario) -> list[Problem]:
    """Checks the schema cannot express: dates, references, overlaps, bounds."""
    f = sc.source or "<scenario>"
    problems: list[Problem] = []
    ids = [s.id for s in sc.states]
    if len(set(ids)) != len(ids):
        problems.append(Problem(f, "states", f"state ids must differ, got {ids}"))
    start = _quarter(sc.start, f, "start", problems)
    end = _quarter(sc.end, f, "end", problems)
    window = ""
    if start is not None and end is not None:
        window = f"{cal.quarter_label(start)}-{cal.quarter_label(end)}"
        if end <= start:
            problems.append(Problem(f, "end", f"must come after start ({window})"))
            start = end = None
        elif end - start > 4 * 400:
            problems.append(Problem(f, "end", "a run may span at most 400 years"))

    def within(value: Any, where: str) -> int | None:
        q = _quarter(value, f, where, problems)
        if q is not None and start is not None and end is not None and not start <= q <= end:
            problems.append(Problem(f, where, f"{value} is outside the run ({window})"))
            return None
        return q

    if sc.projection_start is not None:
        within(sc.projection_start, "projection_start")

    kinds = sc.all_kinds()
    for name, kind in sc.kinds.items():
        for where, msg in sh.effect_problems(kind):
            problems.append(Problem(f, f"kinds.{name}.{where}", msg))

    def check_roles(item: Event | Process, where: str) -> None:
        if item.kind not in kinds:
            problems.append(
                Problem(
                    f,
                    f"{where}.kind",
                    f"unknown shock kind {item.kind!r} "
                    "(see `resetsim kinds`, or define it under [kinds])",
                )
            )
        if item.actor not in ids:
            problems.append(
                Problem(
                    f,
                    f"{where}.actor",
                    f"unknown state {item.actor!r}; the states are {', '.join(ids)}",
                )
            )
        if item.target is not None:
            if item.target not in ids:
                problems.append(
                    Problem(
                        f,
                        f"{where}.target",
                        f"unknown state {item.target!r}; the states are {', '.join(ids)}",
                    )
                )
            elif item.target == item.actor:
                problems.append(Problem(f, f"{where}.target", "must differ from the actor"))

    for group in ("events", "leaders", "stochastic"):
        seen: set[str] = set()
        for i, item in enumerate(getattr(sc, group)):
            if item.id in seen:
                problems.append(Problem(f, f"{group}[{i}].id", f"duplicate id {item.id!r}"))
            seen.add(item.id)

    for i, ev in enumerate(sc.events):
        where = f"events[{i}] (id {ev.id!r})"
        within(ev.date, f"{where}.date")
        check_roles(ev, where)
    for i, pr in enumerate(sc.stochastic):
        where = f"stochastic[{i}] (id {pr.id!r})"
        check_roles(pr, where)
        a = within(pr.start, f"{where}.start") if pr.start is not None else start
        b = within(pr.end, f"{where}.end") if pr.end is not None else end
        if a is not None and b is not None and b < a:
            problems.append(Problem(f, f"{where}.end", "must not come before start"))

    terms: dict[str, list[tuple[int, int, str]]] = {s: [] for s in ids}
    for i, lt in enumerate(sc.leaders):
        where = f"leaders[{i}] (id {lt.id!r})"
        if lt.state not in ids:
            problems.append(
                Problem(
                    f,
                    f"{where}.state",
                    f"unknown state {lt.state!r}; the states are {', '.join(ids)}",
                )
            )
            continue
        a = _quarter(lt.start, f, f"{where}.start", problems)
        b = _quarter(lt.end, f, f"{where}.end", problems) if lt.end is not None else 10**9
        if a is None or b is None:
            continue
        if b <= a and lt.end is not None:
            problems.append(Problem(f, f"{where}.end", "a term must end after it starts"))
            continue
        terms[lt.state].append((a, b, lt.id))
    for sid, ts in terms.items():
        ts.sort()
        for (_a1, b1, id1), (a2, _b2, id2) in itertools.pairwise(ts):
            if a2 < b1:
                problems.append(
                    Problem(f, "leaders", f"terms {id1!r} and {id2!r} of {sid!r} overlap")
                )
        if start is not None and ts and not any(a <= start < b for a, b, _ in ts):
            problems.append(
                Problem(
                    f,
                    "leaders",
                    f"no leader of {sid!r} is in office at the start ({cal.quarter_label(start)})",
                )
            )
        if not ts:
            problems.append(Problem(f, "leaders", f"state {sid!r} has no leader term"))

    for name, msg in prm.check_overrides(sc.parameters):
        problems.append(Problem(f, f"parameters.{name}", msg))
    for name, value in sc.interests.items():
        if name not in dyn.SHOCKABLE_DYAD_VARS and f"interest_{name}" not in dyn.DYAD_VARS:
            problems.append(
                Problem(
                    f,
                    f"interests.{name}",
                    "unknown issue area; use one of " + ", ".join(prm.ISSUE_AREAS),
                )
            )
        elif not 0 <= value <= 1:
            problems.append(Problem(f, f"interests.{name}", f"{value!r} is outside [0, 1]"))

    if sc.targets:
        from .fidelity import problems_for  # targets files: resetsim.fidelity

        problems.extend(problems_for(sc))

    pwr = sc.power
    if pwr.source == "constant":
        if not pwr.constant or set(pwr.constant) != set(ids):
            problems.append(Problem(f, "power.constant", f"give a power for each of {ids}"))
        elif any(v < 0 for v in pwr.constant.values()) or sum(pwr.constant.values()) <= 0:
            problems.append(Problem(f, "power.constant", "powers must be >= 0, not all zero"))
    elif pwr.source == "file":
        if not pwr.file:
            problems.append(Problem(f, "power.file", "required when power.source = 'file'"))
        else:
            try:
                pw.read_power_file(Path(sc.base_dir) / pwr.file, ids)
            except (OSError, ValueError) as exc:
                problems.append(Problem(f, "power.file", str(exc)))
    else:
        if set(ids) != set(pw.BUILTIN[pwr.source]):
            problems.append(
                Problem(
                    f,
                    "power.source",
                    f"the built-in series {pwr.source!r} "
                    f"is for states {pw.BUILTIN[pwr.source]}; use source = "
                    "'constant' or 'file' for another dyad",
                )
            )
        if pwr.weights is not None and (
            any(w < 0 for w in pwr.weights.values()) or sum(pwr.weights.values()) <= 0
        ):
            problems.append(Problem(f, "power.weights", "weights must be >= 0, not all zero"))
    return problems


# --------------------------------------------------------------------------
# compilation


@dataclass
class Marker:
    """A dated event to show on plots and to name episode triggers."""

    tick: int
    id: str
    label: str
    kind: str
    actor: str


@dataclass
class Compiled:
    """A scenario as arrays over ticks: what both engines consume."""

    scenario: Scenario
    quarters: np.ndarray  # (T,) quarter index of each tick
    power_base: np.ndarray  # (T, 2)
    initial: list[dict[str, float | None]]  # per state
    interests: dict[str, float]  # explicit initial interests (others: parameter base)
    leader_change: np.ndarray  # (T, 2) bool
    disposition: np.ndarray  # (T, 2) disposition of the leader in office, NaN if none
    term_index: np.ndarray  # (T, 2) index into the scenario's leaders of the term in office, -1
    term_sd: np.ndarray  # (L,) spread of each term's disposition across runs
    leader_names: list[list[str]]  # (T, 2)
    sched: np.ndarray  # (T, C, V)
    sched_channels: list[list[int]]  # per tick, channels with any effect
    sched_slots: list[list[int]]  # per tick, slots with any effect
    proc: np.ndarray  # (P, C, V)
    proc_channels: list[list[int]]
    proc_slots: list[list[int]]
    proc_rate: np.ndarray  # (P, T) yearly rate, 0 outside the window
    proc_ids: list[str]
    markers: list[Marker] = field(default_factory=list)
    leader_terms: list[tuple[int, int, int, str]] = field(default_factory=list)
    projection_tick: int | None = None

    @property
    def n_ticks(self) -> int:
        return len(self.quarters)

    @property
    def n_processes(self) -> int:
        return len(self.proc_ids)

    @property
    def state_ids(self) -> tuple[str, str]:
        return self.scenario.state_ids

    @property
    def dates(self) -> list[str]:
        return [cal.iso(int(q)) for q in self.quarters]

    def params(self, overrides: Mapping[str, Any] | None = None) -> prm.Params:
        """Defaults, then the scenario's overrides, then ``overrides`` (may hold arrays)."""
        return prm.resolve(self.scenario.parameters, overrides)


def _nz(matrix: np.ndarray) -> tuple[list[int], list[int]]:
    channels = [int(c) for c in np.flatnonzero(np.any(matrix != 0, axis=1))]
    slots = [int(v) for v in np.flatnonzero(np.any(matrix != 0, axis=0))]
    return channels, slots


def compile_scenario(sc: Scenario) -> Compiled:
    """Turn a validated scenario into per-tick arrays."""
    start, end = cal.parse_quarter(sc.start), cal.parse_quarter(sc.end)
    quarters = np.arange(start, end + 1)
    n = len(quarters)
    ids = sc.state_ids
    sidx = {s: i for i, s in enumerate(ids)}
    kinds = sc.all_kinds()

    pwr = sc.power
    power_base = pw.power_series(
        pwr.source,
        ids,
        quarters,
        weights=pwr.weights,
        projection=pwr.projection,
        trend_years=pwr.trend_years,
        constant=pwr.constant,
        file=Path(sc.base_dir) / pwr.file if pwr.file else None,
    )

    initial = []
    for spec in sc.states:
        init = spec.initial.model_dump()
        if init["status_expectation"] is None:
            init["status_expectation"] = init["status_anchor"]
        initial.append(init)

    leader_change = np.zeros((n, 2), dtype=bool)
    disposition = np.full((n, 2), np.nan)
    term_index = np.full((n, 2), -1, dtype=int)
    term_sd = np.array([lt.disposition_sd for lt in sc.leaders], dtype=float)
    names = [["", ""] for _ in range(n)]
    terms = []
    for k, lt in enumerate(sc.leaders):
        s = sidx[lt.state]
        a = cal.parse_quarter(lt.start)
        b = cal.parse_quarter(lt.end) if lt.end is not None else end + 1
        t0, t1 = max(a, start) - start, min(b, end + 1) - start
        if t1 <= 0 or t0 >= n:
            continue
        terms.append((s, t0, t1, lt.name))
        leader_change[t0, s] = True
        disposition[t0:t1, s] = lt.disposition
        term_index[t0:t1, s] = k
        for t in range(t0, t1):
            names[t][s] = lt.name
    terms.sort()

    n_c, n_v = len(sh.CHANNELS), len(sh.SLOTS)
    sched = np.zeros((n, n_c, n_v))
    markers: list[Marker] = []
    for ev in sc.events:
        t = cal.parse_quarter(ev.date) - start
        actor = sidx[ev.actor]
        target = sidx[ev.target] if ev.target else 1 - actor
        sched[t] += sh.effect_matrix(kinds[ev.kind], actor, target, ev.scale)
        markers.append(Marker(t, ev.id, ev.label or ev.id.replace("_", " "), ev.kind, ev.actor))
    markers.sort(key=lambda m: (m.tick, m.id))
    sched_nz = [_nz(sched[t]) for t in range(n)]

    procs = sc.stochastic
    proc = np.zeros((len(procs), n_c, n_v))
    rate = np.zeros((len(procs), n))
    for i, pr in enumerate(procs):
        actor = sidx[pr.actor]
        target = sidx[pr.target] if pr.target else 1 - actor
        proc[i] = sh.effect_matrix(kinds[pr.kind], actor, target, pr.scale)
        a = (
            cal.parse_quarter(pr.start) - start
            if pr.start is not None
            else (cal.parse_quarter(sc.projection_start) - start if sc.projection_start else 0)
        )
        b = cal.parse_quarter(pr.end) - start if pr.end is not None else n - 1
        rate[i, a : b + 1] = pr.rate_per_year
    proc_nz = [_nz(proc[i]) for i in range(len(procs))]

    proj = cal.parse_quarter(sc.projection_start) - start if sc.projection_start else None
    return Compiled(
        scenario=sc,
        quarters=quarters,
        power_base=power_base,
        initial=initial,
        interests={
            (k if k.startswith("interest_") else f"interest_{k}"): v
            for k, v in sc.interests.items()
        },
        leader_change=leader_change,
        disposition=disposition,
        term_index=term_index,
        term_sd=term_sd,
        leader_names=names,
        sched=sched,
        sched_channels=[c for c, _ in sched_nz],
        sched_slots=[v for _, v in sched_nz],
        proc=proc,
        proc_channels=[c for c, _ in proc_nz],
        proc_slots=[v for _, v in proc_nz],
        proc_rate=rate,
        proc_ids=[pr.id for pr in procs],
        markers=markers,
        leader_terms=terms,
        projection_tick=proj,
    )


def as_compiled(scenario: str | Path | Scenario | Compiled) -> Compiled:
    """Accept a path, a :class:`Scenario` or an already compiled one."""
    if isinstance(scenario, Compiled):
        return scenario
    if not isinstance(scenario, Scenario):
        scenario = load(scenario)
    return compile_scenario(scenario)
