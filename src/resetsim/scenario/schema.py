"""The scenario schema: what a scenario file may say (pydantic models).

States, leader terms, dated events, stochastic processes, power and
parameter overrides.  Checks the schema cannot express live in
:mod:`resetsim.scenario.validate`.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, create_model, field_validator, model_validator

from resetsim.core import shocks as sh
from resetsim.core import state
from resetsim.core.config import (
    ID_PATTERN,
    MAX_NAME,
    Count,
    DateLike,
    EndLike,
    Id,
    Key,
    Label,
    Name,
    Number,
    PathText,
    Strict,
    Text,
)

Num = Number


def _two_states(value: Any) -> Any:
    """A scenario is a dyad: say so in those words, not pydantic's tuple bounds."""
    if isinstance(value, (list, tuple)) and len(value) != 2:
        raise ValueError(
            f"a scenario declares exactly two states (got {len(value)}); give two [[states]] tables"
        )
    return value


def _refuse_scale(value: Any) -> None:
    """Model v2 codes event sizes by rule: a hand-set ``scale`` is an error, not ignored."""
    if value is not None:
        raise ValueError(
            "'scale' was removed in model v2 (event sizes by rule): give 'intensity' = 1, 2 "
            "or 3 by the coding rule of docs/ODD.md (2 = the kind's typical instance)"
        )
    return None


def _initial_field(v: state.Var) -> tuple[Any, Any]:
    """The ``[states.initial]`` field of a state variable: its registry bounds and
    initial value (empty when it defaults to another variable's; a variable
    with a rule may say ``"rest"``, :mod:`resetsim.core.initial`)."""
    low, high = v.initial_bounds
    if v.default_to:
        return (Num | None, Field(None, ge=low, le=high))
    if v.initial_rule:
        return (Annotated[Any, BeforeValidator(_number_or_rule(v))], v.initial)
    return (Num, Field(v.initial, ge=low, le=high))


def _number_or_rule(v: state.Var):
    """A start that is a number within ``v``'s bounds or the word of its rule."""

    def check(value: Any) -> Any:
        if value == state.RULE:
            return value
        rule = f'or "{state.RULE}" (its resting value, docs/ODD.md)'
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"must be a number, not {type(value).__name__}, {rule}")
        if not (v.low <= value <= v.high):
            raise ValueError(f"must be in [{v.low:g}, {v.high:g}] {rule}")
        return float(value)

    return check


#: Initial values of a state's drivers (defaults are neutral), one field per
#: variable the state registry lets a scenario start (:mod:`resetsim.core.state`).
StateInitial = create_model(
    "StateInitial",
    __base__=Strict,
    __doc__="Initial values of a state's drivers (defaults are neutral).",
    **{v.name: _initial_field(v) for v in state.SCENARIO_INITIAL},
)


class StateSpec(Strict):
    id: str = Field(pattern=ID_PATTERN, max_length=12)
    name: Label = ""
    # who the domestic hawks are (§2.1): a legislature feeding on distrust (US
    # Congress) or security services fearing Western penetration (Russia)
    domestic_hawks: Literal["legislature", "security_services"] = "legislature"
    initial: StateInitial = StateInitial()  # type: ignore[valid-type]


class LeaderTerm(Strict):
    id: Id
    state: Annotated[str, Field(max_length=MAX_NAME)]
    name: Label
    start: DateLike
    end: DateLike | None = None
    # the leader's stance toward the other side, coded -2..+2 by the written
    # criteria of docs/ODD.md ("Leader dispositions"; times the parameter
    # disposition_scale), or a hand-set disposition in [-1, 1]: one of the two
    disposition_code: int | None = Field(None, ge=-2, le=2, strict=True)
    disposition: Num | None = Field(None, ge=-1, le=1)
    disposition_sd: Num = Field(0.0, ge=0, le=1)
    note: Text = ""

    @model_validator(mode="after")
    def _one_disposition(self) -> LeaderTerm:
        if (self.disposition_code is None) == (self.disposition is None):
            raise ValueError(
                "give either 'disposition_code' (-2..+2, coded by docs/ODD.md) or a "
                "hand-set 'disposition' (-1..1), not both or neither"
            )
        return self


class Event(Strict):
    id: Id
    date: DateLike
    # an act that goes on (a war, a military campaign): the date it ended, or
    # "ongoing"; its later quarters repeat `lasting_share` of its effects
    # (docs/ODD.md §3.4, "Events that last")
    end: EndLike | None = None
    kind: Annotated[str, Field(max_length=MAX_NAME)]
    actor: Annotated[str, Field(max_length=MAX_NAME)]
    target: Annotated[str, Field(max_length=MAX_NAME)] | None = None
    intensity: Count = Field(2, ge=1, le=3)
    scale: Any = None  # removed in model v2: refused with a clear message
    label: Label | bool | None = None  # text, or true: always label it on the trust plot
    note: Text = ""

    _no_scale = field_validator("scale")(_refuse_scale)


class Process(Strict):
    id: Id
    kind: Annotated[str, Field(max_length=MAX_NAME)]
    actor: Annotated[str, Field(max_length=MAX_NAME)]
    target: Annotated[str, Field(max_length=MAX_NAME)] | None = None
    rate_per_year: Num = Field(ge=0, le=12)
    start: DateLike | None = None
    end: DateLike | None = None
    intensity: Count = Field(2, ge=1, le=3)
    scale: Any = None  # removed in model v2: refused with a clear message
    label: Label | None = None
    note: Text = ""

    _no_scale = field_validator("scale")(_refuse_scale)


class PowerSpec(Strict):
    source: Literal["us_russia", "constant", "file"] = "us_russia"
    file: PathText | None = None
    constant: dict[Key, Num] | None = None
    weights: dict[Literal["gdp", "milex", "warheads"], Num] | None = None
    projection: Literal["hold", "trend"] = "hold"
    trend_years: Count = Field(10, ge=2, le=40)


class Scenario(Strict):
    """A validated scenario (after ``extends`` has been resolved)."""

    name: Name
    description: Text = ""
    start: DateLike
    end: DateLike
    projection_start: DateLike | None = None
    runs: Count = Field(1, ge=1, le=1_000_000)
    seed: Count = Field(20210101, ge=0)
    targets: PathText | None = None
    patterns: PathText | None = None  # a patterns file (scorecard, docs/VALIDATION.md)
    # a scenario of what was known earlier (same period, same seeds): `run` also
    # simulates it, draws it over this one and scores it against `outcomes`
    forecast: PathText | None = None
    outcomes: PathText | None = None
    posterior: PathText | None = None  # a calibrated posterior (scenario/posterior.py)
    # an observations file: with the observed_start switch, trust starts from its polls
    observed_start: PathText | None = None
    states: Annotated[tuple[StateSpec, ...], BeforeValidator(_two_states)] = Field(
        min_length=2, max_length=2
    )
    leaders: tuple[LeaderTerm, ...] = ()
    events: tuple[Event, ...] = ()
    stochastic: tuple[Process, ...] = ()
    kinds: dict[Key, sh.Kind] = Field(default_factory=dict)
    # how effects are sized: by rule and channel (model v3), or "kind": model
    # v2's hand-set size of each built-in effect (docs/ODD.md, "Effect sizes")
    effect_sizes: Literal[sh.EFFECT_SIZES] = "channel"  # type: ignore[valid-type]
    parameters: dict[Key, Num] = Field(default_factory=dict)
    interests: dict[Key, Num] = Field(default_factory=dict)
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
