"""The single source of truth for resetsim's parameters.

Every parameter has a default, inclusive bounds, a unit and a one-line
meaning, kept as data in ``resetsim/data/parameters.toml`` and read once
here.  Scenarios override defaults (``[parameters]``), experiments sweep
within the bounds, the CLI prints this table (``resetsim params``) and
``docs/PARAMETERS.md`` is generated from it.

A parameter value may be a Python float or a numpy array over runs: the
dynamics are elementwise, so a sweep passes one array per swept parameter.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np

from resetsim.core import contradictions
from resetsim.core.names import did_you_mean


@dataclass(frozen=True)
class Param:
    """One model parameter: name, default, bounds, unit and meaning."""

    name: str
    default: float
    low: float
    high: float
    unit: str
    meaning: str
    group: str
    paper: str = ""
    source: str = "hand"
    # a switch that can turn this parameter's mechanism off, and the switch's
    # value at which this parameter moves no output (``resetsim params --count``)
    gated_by: str = ""
    inert_at: float = 1.0

    def inert(self, values: Mapping[str, Any]) -> bool:
        """True when the switch gating this parameter sits at ``inert_at`` in ``values``."""
        return bool(self.gated_by) and values.get(self.gated_by) == self.inert_at

    def check(self, value: float) -> str | None:
        """Return a problem description, or None when ``value`` is acceptable."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"must be a number, got {type(value).__name__} {value!r}"
        if not np.isfinite(value):
            return f"must be finite, got {value!r}"
        if not (self.low <= value <= self.high):
            return f"{value!r} is outside its bounds [{self.low}, {self.high}]"
        return None


#: The issue areas of the paper's security factor group (§2.3) plus economy.
ISSUE_AREAS: tuple[str, ...] = (
    "european_security",
    "arms_control",
    "nonproliferation",
    "counterterrorism",
    "economy",
)

#: The structural contradictions experiments knock out by name -> their switch,
#: and the leader factor's switch (from the table of contradictions).
CONTRADICTIONS = contradictions.CONTRADICTIONS
LEADER_SWITCH = contradictions.LEADER_SWITCH

#: How a parameter's value was set (the ``source`` field of the registry).
SOURCES: tuple[str, ...] = ("switch", "fitted", "hand", "data", "detection")


def _read_registry() -> tuple[Param, ...]:
    """The registry, read once from ``data/parameters.toml`` (checked on load)."""
    text = resources.files("resetsim").joinpath("data/parameters.toml").read_text("utf-8")
    out = []
    for name, row in tomllib.loads(text).items():
        spec = Param(name=name, paper=row.pop("paper", ""), **row)
        if spec.source not in SOURCES:  # pragma: no cover - tested
            raise ValueError(f"parameters.toml: {name}: source must be one of {SOURCES}")
        if not (spec.low <= spec.default <= spec.high):  # pragma: no cover - tested
            raise ValueError(f"parameters.toml: {name}: default outside its bounds")
        out.append(spec)
    names = {p.name for p in out}
    for spec in out:
        if spec.gated_by and spec.gated_by not in names:  # pragma: no cover - tested
            raise ValueError(f"parameters.toml: {spec.name}: gated_by names no parameter")
    return tuple(out)


#: Every parameter, in the registry's order.
PARAMETERS: tuple[Param, ...] = _read_registry()
PARAM_BY_NAME: dict[str, Param] = {p.name: p for p in PARAMETERS}


class Params(dict):
    """Parameter values with attribute access; values are floats or arrays."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def defaults() -> dict[str, float]:
    """The default value of every parameter."""
    return {p.name: p.default for p in PARAMETERS}


def paper_switches() -> dict[str, float]:
    """Every structural contradiction and the leader factor switched on at its
    switch's upper bound: the model as the paper has it, whatever the
    registry's defaults (the opinion model's own options stay as they are)."""
    switches = [*CONTRADICTIONS.values(), LEADER_SWITCH]
    return {k: float(PARAM_BY_NAME[k].high) for k in switches}


def unknown_parameter(name: object) -> str:
    """The message for a name that is not a registry parameter, with the
    closest names: ``"unknown parameter (did you mean 'k_leader'?; see ...)"``."""
    return f"unknown parameter{did_you_mean(name, PARAM_BY_NAME)} (see `resetsim params`)"


def check_overrides(overrides: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Problems with parameter overrides as ``(name, message)`` pairs."""
    problems = []
    for name, value in overrides.items():
        spec = PARAM_BY_NAME.get(name)
        if spec is None:
            problems.append((name, unknown_parameter(name)))
            continue
        msg = spec.check(value)
        if msg:
            problems.append((name, msg))
    return problems


def resolve(*layers: Mapping[str, Any] | None) -> Params:
    """Defaults overlaid by each mapping of overrides in turn (arrays allowed)."""
    values = Params(defaults())
    for layer in layers:
        if not layer:
            continue
        for name, value in layer.items():
            if name not in PARAM_BY_NAME:
                raise KeyError(f"{name!r}: {unknown_parameter(name)}")
            values[name] = value
    return values


def table(groups: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """The registry as rows (for the CLI and docs)."""
    wanted = set(groups) if groups else None
    return [
        {
            "name": p.name,
            "default": p.default,
            "low": p.low,
            "high": p.high,
            "unit": p.unit,
            "group": p.group,
            "meaning": p.meaning,
            "paper": p.paper,
            "source": p.source,
        }
        for p in PARAMETERS
        if wanted is None or p.group in wanted
    ]


def markdown_table() -> str:
    """``docs/PARAMETERS.md``: the registry as a Markdown document."""
    lines = [
        "# Parameters",
        "",
        "Generated from `src/resetsim/data/parameters.toml` by `resetsim params --markdown`;",
        "do not edit by hand (a test checks that this file is in sync).",
        "",
        "Source: how the value was set: `switch` (structural on/off, 1 = as the paper",
        "says), `fitted` (by a calibration, see docs/ODD.md, 'Free numbers'), `hand`",
        "(by the modeller), `data` (from a data set), `detection` (episode detector rule).",
        "`resetsim params --count` counts them next to the patterns they are checked against,",
        "leaving out a parameter whose gating switch sits where it moves no output",
        "(source: *not read while* the switch has that value).",
        "",
        "| name | default | bounds | unit | source | meaning | paper |",
        "|---|---|---|---|---|---|---|",
    ]
    for p in PARAMETERS:
        source = p.source
        if p.gated_by:
            source += f"; not read while `{p.gated_by}` = {p.inert_at:g}"
        lines.append(
            f"| `{p.name}` | {p.default:g} | [{p.low:g}, {p.high:g}] | {p.unit} | "
            f"{source} | {p.meaning} | {p.paper} |"
        )
    return "\n".join(lines) + "\n"
