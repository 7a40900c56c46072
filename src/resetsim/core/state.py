"""The single source of truth for resetsim's state and dyad variables.

Every variable a state or the dyad carries is declared once, as data, in
``resetsim/data/state.toml``: bounds, unit, meaning, initial value and the
roles it takes part in (recorded, shockable, moved by headroom steps,
freezable by an experiment, warming or cooling in trigger naming).  This
module reads it once; the dynamics' bounds (:data:`STATE_VARS`,
:data:`DYAD_VARS`), the shockable slots, the recorded columns, the scenario's
``[states.initial]`` schema, the experiments' freezable variables and
``docs/STATE.md`` (:func:`markdown`) all derive from it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources

from resetsim.core.params import ISSUE_AREAS

#: The roles a variable may take part in (``roles`` in the registry).
ROLES: tuple[str, ...] = (
    "recorded",
    "leading",
    "shockable",
    "headroom",
    "freezable",
    "warming",
    "cooling",
    "detected",
)


@dataclass(frozen=True)
class Var:
    """One state or dyad variable: bounds, unit, meaning, initial value, roles."""

    name: str
    low: float
    high: float
    unit: str
    meaning: str
    roles: tuple[str, ...] = ()
    initial: float | None = None
    initial_from: str = ""
    default_to: str = ""
    scenario: bool = False
    initial_rule: str = ""  # a scenario may write it ("rest") instead of a number
    area: str = ""  # the issue area of a per-area variable
    base: str = ""  # the parameter a per-area variable starts at (``<base>_<area>``)
    # the bounds of a scenario's initial value when they are not the variable's
    # (trust: a scenario gives a share, the engines start the latent attitude at its logit)
    initial_low: float | None = None
    initial_high: float | None = None

    @property
    def initial_bounds(self) -> tuple[float, float]:
        """``(low, high)`` of a scenario's initial value."""
        low = self.low if self.initial_low is None else self.initial_low
        high = self.high if self.initial_high is None else self.initial_high
        return low, high

    @property
    def base_parameter(self) -> str:
        """The parameter the variable starts at without a scenario's value ("" if none)."""
        return f"{self.base}_{self.area}" if self.base else ""

    def has(self, role: str) -> bool:
        """Whether the variable takes part in ``role``."""
        return role in self.roles

    @property
    def bounds(self) -> tuple[float, float, str, str]:
        """``(low, high, unit, meaning)``."""
        return (self.low, self.high, self.unit, self.meaning)


def _expand(section: str, key: str, row: dict) -> list[Var]:
    """One registry table as variables (one per issue area when ``per_area``)."""
    row = dict(row)
    name = row.pop("name", key)
    per_area = row.pop("per_area", False)
    roles = tuple(row.pop("roles", ()))
    bad = [r for r in roles if r not in ROLES]
    if bad:  # pragma: no cover - guarded by the tests of the shipped registry
        raise ValueError(f"state.toml: {section}.{key}: unknown roles {bad}; use {ROLES}")
    if not per_area:
        return [Var(name=name, roles=roles, **row)]
    meaning = row.pop("meaning")
    return [
        Var(
            name=f"{name}_{a}",
            area=a,
            roles=roles,
            meaning=meaning.replace("{area}", a.replace("_", " ")),
            **row,
        )
        for a in ISSUE_AREAS
    ]


def _read() -> tuple[tuple[Var, ...], tuple[Var, ...]]:
    text = resources.files("resetsim").joinpath("data/state.toml").read_text("utf-8")
    raw = tomllib.loads(text)
    state = tuple(v for k, row in raw["state"].items() for v in _expand("state", k, row))
    dyad = tuple(v for k, row in raw["dyad"].items() for v in _expand("dyad", k, row))
    return state, dyad


#: Every state variable (each state carries one of each) and dyad variable,
#: in the registry's order (the order the engines record them).
STATE, DYAD = _read()
STATE_BY_NAME: dict[str, Var] = {v.name: v for v in STATE}
DYAD_BY_NAME: dict[str, Var] = {v.name: v for v in DYAD}


def state_with(role: str) -> tuple[str, ...]:
    """The state variables taking part in ``role``, in the registry's order."""
    return tuple(v.name for v in STATE if v.has(role))


def dyad_with(role: str) -> tuple[str, ...]:
    """The dyad variables taking part in ``role``, in the registry's order."""
    return tuple(v.name for v in DYAD if v.has(role))


#: name: (low, high, unit, meaning), as the dynamics read them.
STATE_VARS: dict[str, tuple[float, float, str, str]] = {v.name: v.bounds for v in STATE}
DYAD_VARS: dict[str, tuple[float, float, str, str]] = {v.name: v.bounds for v in DYAD}
#: What shocks may move (``trust`` only for breach kinds), one slot per state each.
SHOCKABLE_STATE_VARS: tuple[str, ...] = state_with("shockable")
SHOCKABLE_DYAD_VARS: tuple[str, ...] = dyad_with("shockable")
#: What every run records, per state (with a ``<state id>_`` prefix) and for the dyad.
RECORDED_STATE_VARS: tuple[str, ...] = state_with("recorded")
RECORDED_DYAD_VARS: tuple[str, ...] = dyad_with("recorded")
#: The state variables ``trajectory.csv`` shows first.
LEADING_VARS: tuple[str, ...] = state_with("leading")
#: What shocks move by a share of the headroom to the bounds.
HEADROOM_VARS: frozenset[str] = frozenset(state_with("headroom"))
#: What an experiment condition may freeze at its starting values.
FREEZABLE: tuple[str, ...] = state_with("freezable")
#: What a shock eases relations by raising (warming) or strains them (cooling).
WARMING_VARS: frozenset[str] = frozenset(state_with("warming") + dyad_with("warming"))
COOLING_VARS: frozenset[str] = frozenset(state_with("cooling") + dyad_with("cooling"))
#: The word a scenario writes for a variable that starts by its rule
#: (its resting value given the other starts, :mod:`resetsim.core.initial`).
RULE = "rest"
#: The state variables a scenario may start by :data:`RULE`, in the order the
#: rule resolves them.
RULE_INITIAL: tuple[str, ...] = tuple(v.name for v in STATE if v.initial_rule)
#: The state variables a scenario may start (``[states.initial]``).
SCENARIO_INITIAL: tuple[Var, ...] = tuple(v for v in STATE if v.scenario)
#: The dyad variables a scenario may start (``[interests]``, by variable or area).
SCENARIO_DYAD: tuple[Var, ...] = tuple(v for v in DYAD if v.scenario)
#: The dyad variable the episode detector reads with both trusts.
DETECTED_DYAD_VAR: str = dyad_with("detected")[0]


def scenario_dyad_var(key: str) -> str | None:
    """The dyad variable a scenario's ``[interests]`` key names (the variable or
    its issue area), or None when it names none."""
    return next((v.name for v in SCENARIO_DYAD if key in (v.name, v.area)), None)


def bounds(name: str) -> tuple[float, float]:
    """``(low, high)`` of a state or dyad variable."""
    v = STATE_BY_NAME.get(name) or DYAD_BY_NAME[name]
    return v.low, v.high


def fill_defaults(initial: dict[str, float | None]) -> dict[str, float | None]:
    """A state's scenario initial values with empty ones that ``default_to`` a
    variable given there filled from it (the others are left empty)."""
    out = dict(initial)
    for v in SCENARIO_INITIAL:
        if out.get(v.name) is None and out.get(v.default_to) is not None:
            out[v.name] = out[v.default_to]
    return out


def markdown() -> str:
    """``docs/STATE.md``: the registry as a Markdown document."""
    lines = [
        "# State variables",
        "",
        "Generated from `src/resetsim/data/state.toml` by `resetsim params --state`;",
        "do not edit by hand (a test checks that this file is in sync).",
        "",
        "Each state (the USA, Russia) carries one of each *state* variable; the dyad",
        "carries the *dyad* variables.  Roles: `recorded` (a column of every run,",
        "`<state id>_<name>` for a state), `shockable` (shock kinds may move it; trust",
        "only for breaches), `headroom` (shocks move it by a share of the distance to",
        "its bound), `freezable` (an experiment condition may freeze it), `warming` /",
        "`cooling` (a shock raising it eases / strains relations, for trigger naming).",
        "Initial: a number, `scenario` when a scenario may set it in `[states.initial]`.",
        "",
    ]
    for title, group in (("State", STATE), ("Dyad", DYAD)):
        lines += [
            f"## {title} variables",
            "",
            "| name | bounds | unit | initial | roles | meaning |",
            "|---|---|---|---|---|---|",
        ]
        for v in group:
            if v.initial is not None:
                init = f"{v.initial:g}"
            elif v.default_to:
                init = f"`{v.default_to}`'s"
            else:
                init = v.initial_from
            if v.scenario:
                init += " (scenario)"
            if v.initial_rule:
                init += f' or "{v.initial_rule}"'

            roles = ", ".join(v.roles) or "-"
            lines.append(
                f"| `{v.name}` | [{v.low:g}, {v.high:g}] | {v.unit} | {init} | {roles} "
                f"| {v.meaning} |"
            )
        lines.append("")
    return "\n".join(lines)
