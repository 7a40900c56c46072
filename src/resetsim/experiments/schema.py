"""The experiment file's schema: pydantic models, schema validation, shares.

An experiment is a TOML file (see ``docs/EXPERIMENTS.md``)::

    name = "grid_leader_domestic"
    scenario = "../scenarios/biden_era.toml"   # relative to this file
    replications = 20
    seed = 4
    metrics = ["cycles", "trough_trend", "usa_trust_final"]   # default: all

    [shares]                                   # summary shares with Wilson CIs
    share_loop = "cycles >= 2"

    [design]
    type = "grid"                              # grid | lhs | sobol | conditions
    [design.parameters]
    k_leader = [0.0, 0.5, 1.0]                 # explicit levels
    k_domestic = { levels = 5 }                # evenly spaced over the registry bounds

:func:`parse` checks the schema only (the models below, built on the shared
:class:`~resetsim.core.config.Strict` base); the checks a schema cannot
express, and loading a file, are :mod:`resetsim.experiments.validate`'s.
A share (``"cycles >= 2 and open_episode"``) is parsed by :func:`parse_share`.
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Discriminator, Field, StrictBool, Tag, ValidationError

from resetsim.analysis.validation import NULLS
from resetsim.core import contradictions, state
from resetsim.core import params as prm
from resetsim.core.config import (
    Count,
    Id,
    Key,
    Label,
    Number,
    PathText,
    Problem,
    ScenarioError,
    Strict,
    Text,
    schema_problems,
)

#: More runs than this in one experiment is almost certainly a typo.
MAX_RUNS = 20_000_000
#: Knock-out names a condition may use besides the contradictions.
ALL = "all"
LEADER = contradictions.LEADER

#: Contradictions a condition may hold *static* (at their baseline mean), and the
#: state variable that carries each one's dynamics (the table of contradictions);
#: the others are constant parameters already (static = baseline), so they are refused.
STATIC_VARIABLES = contradictions.STATIC_VARIABLES
#: State variables a condition may *freeze* at their starting values (the
#: endogenous "seeds of failure" of model v2; role ``freezable`` in the registry).
FREEZABLE = state.FREEZABLE
#: Null series a condition may run through the detector instead of the model's.
NULL_KINDS: tuple[str, ...] = tuple(NULLS)

#: A metrics function: ``fn(compiled, data, params) -> {name: array over runs}``.
MetricsFn = Callable[..., Mapping[str, np.ndarray]]


# --------------------------------------------------------------------------
# models.  Parameter specifications are kept loose (``Any``) here and checked
# by ``validate.semantic_problems``, which gives clearer messages than a union.


class GridDesign(Strict):
    """Full factorial grid: every combination of the listed levels."""

    type: Literal["grid"]
    parameters: dict[Key, Any] = Field(min_length=1)


class LHSDesign(Strict):
    """Latin hypercube: ``samples`` points within the parameters' ranges."""

    type: Literal["lhs"]
    samples: Count = Field(ge=2, le=1_000_000)
    parameters: dict[Key, Any] | list[Key] = Field(min_length=1)
    seed: Count | None = Field(None, ge=0)


class SobolDesign(Strict):
    """Saltelli sampling for Sobol' indices (SALib): N (D + 2) or N (2D + 2) points."""

    type: Literal["sobol"]
    base_samples: Count = Field(ge=2, le=2**20)
    second_order: StrictBool = False
    parameters: dict[Key, Any] | list[Key] = Field(min_length=1)
    outputs: list[Key] | None = None
    resamples: Count = Field(100, ge=10, le=10_000)
    conf_level: Number = Field(0.95, gt=0, lt=1)
    seed: Count | None = Field(None, ge=0)


class Condition(Strict):
    """A named set of parameter values: knocked-out contradictions and/or overrides."""

    name: Id
    description: Text = ""
    knock_out: list[Key] | Key = Field(default_factory=list)
    set: dict[Key, Number] = Field(default_factory=dict)
    # validation (docs/VALIDATION.md): contradictions held at their baseline
    # mean (``static``), or a null series fed to the detector (``null``)
    static: list[Key] = Field(default_factory=list)
    freeze: list[Literal[FREEZABLE]] = Field(default_factory=list)  # type: ignore[valid-type]
    null: Literal[NULL_KINDS] | None = None  # type: ignore[valid-type]


class ConditionsDesign(Strict):
    """An explicit list of named conditions (optionally a preset)."""

    type: Literal["conditions"]
    preset: Literal["contradictions"] | None = None
    conditions: list[Condition] = Field(default_factory=list)


Design = Annotated[
    Annotated[GridDesign, Tag("grid")]
    | Annotated[LHSDesign, Tag("lhs")]
    | Annotated[SobolDesign, Tag("sobol")]
    | Annotated[ConditionsDesign, Tag("conditions")],
    Discriminator(lambda v: v.get("type") if isinstance(v, dict) else getattr(v, "type", None)),
]
DESIGN_TYPES = ("grid", "lhs", "sobol", "conditions")


class Experiment(Strict):
    """A validated experiment file."""

    name: Id
    description: Text = ""
    scenario: PathText
    replications: Count = Field(1, ge=1, le=1_000_000)
    seed: Count = Field(20210101, ge=0)
    common_random_numbers: StrictBool = False
    metrics: list[Key] | None = None
    shares: dict[Key, Label] = Field(default_factory=dict)
    figures: list[Key] | None = None
    trajectories: StrictBool = False
    chunk_size: Count | None = Field(None, ge=1, le=100_000)
    parameters: dict[Key, Number] = Field(default_factory=dict)
    # "paper": every contradiction and the leader factor on, as the paper has
    # them, under [parameters] (prm.paper_switches); "scenario": as the
    # scenario and the registry's defaults have them
    model: Literal["scenario", "paper"] = "scenario"
    design: Design
    # provenance, filled by the loader
    source: str = ""
    base_dir: str = ""

    @property
    def scenario_path(self) -> Path:
        return Path(self.base_dir) / self.scenario

    def resolved(self) -> dict[str, Any]:
        """JSON-ready (for ``meta.json`` and the experiment hash; ``model``
        only when it is not the scenario's, so older experiments keep their hash)."""
        out = json.loads(self.model_dump_json(exclude={"base_dir", "source"}))
        if out.get("model") == "scenario":
            del out["model"]
        return out


def expand_conditions(d: ConditionsDesign) -> list[Condition]:
    """The design's conditions, the preset's (if any) first."""
    out: list[Condition] = []
    if d.preset == "contradictions":
        out.append(Condition(name="baseline", description="every contradiction present"))
        for c in prm.CONTRADICTIONS:
            out.append(Condition(name=f"no_{c}", knock_out=[c], description=f"{c} removed"))
        out.append(
            Condition(
                name="all_off", knock_out=ALL, description="every structural contradiction removed"
            )
        )
        out.append(
            Condition(name="no_leader", knock_out=[LEADER], description="leader factor removed")
        )
    return out + list(d.conditions)


def knockouts(c: Condition) -> list[str]:
    """The names a condition knocks out (``knock_out`` may be one name or a list)."""
    return [c.knock_out] if isinstance(c.knock_out, str) else list(c.knock_out)


# --------------------------------------------------------------------------
# schema validation


_UNION_MEMBER = re.compile(r"^(dict|list)\[.*\]$")


def _without_tags(loc: Sequence[Any]) -> list[Any]:
    """Drop the tags pydantic inserts in a location: the design's type
    (``design.grid.parameters`` -> ``design.parameters``) and the member of a
    union (``design.parameters.list[str]`` -> ``design.parameters``)."""
    loc = list(loc)
    if len(loc) >= 2 and loc[0] == "design" and loc[1] in DESIGN_TYPES:
        del loc[1]
    return [x for x in loc if not (isinstance(x, str) and _UNION_MEMBER.match(x))]


def parse(raw: dict[str, Any], file: str, base_dir: str | Path) -> Experiment:
    """Validate the schema of an experiment given as a dict (no semantic checks)."""
    raw = dict(raw)
    raw["source"] = file
    raw["base_dir"] = str(Path(base_dir).resolve())
    design = raw.get("design")
    if "design" in raw and not isinstance(design, dict):
        raise ScenarioError(
            [Problem(file, "design", f"must be a table ([design]), not {type(design).__name__}")]
        )
    if isinstance(design, dict) and design.get("type") not in DESIGN_TYPES:
        got = design.get("type")
        msg = "missing; " if got is None else f"unknown design type {got!r}; "
        raise ScenarioError(
            [Problem(file, "design.type", msg + "use one of " + ", ".join(DESIGN_TYPES))]
        )
    try:
        return Experiment.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(schema_problems(exc, raw, file, normalise=_without_tags)) from None


# --------------------------------------------------------------------------
# shares: "cycles >= 2", "stable_partnership", "a > 0 and b <= 1"

_OPS: dict[str, Callable[[Any, Any], Any]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
}
_CLAUSE = re.compile(
    r"^\s*(?P<metric>[A-Za-z_][A-Za-z0-9_]*)\s*"
    r"(?:(?P<op>>=|<=|==|!=|>|<)\s*(?P<value>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?))?\s*$"
)


@dataclass(frozen=True)
class Share:
    """A share of runs meeting a condition: clauses joined by ``and``."""

    name: str
    expression: str
    clauses: tuple[tuple[str, str | None, float | None], ...]

    @property
    def metrics(self) -> list[str]:
        return [m for m, _, _ in self.clauses]

    def evaluate(self, columns: Mapping[str, np.ndarray]) -> np.ndarray:
        """Boolean per run; a NaN metric never meets a clause."""
        out: np.ndarray | None = None
        for metric, op, value in self.clauses:
            x = np.asarray(columns[metric], dtype=float)
            hit = (x != 0) & ~np.isnan(x) if op is None else _OPS[op](x, value)
            out = hit if out is None else out & hit
        assert out is not None
        return out


def parse_share(name: str, expression: str) -> Share:
    """Parse ``"metric OP number [and ...]"``; raise ValueError with a clear message."""
    clauses = []
    parts = re.split(r"\s+and\s+", expression.strip())
    for part in parts:
        m = _CLAUSE.match(part)
        if not m:
            raise ValueError(
                f"cannot read {part.strip()!r}; write METRIC OP NUMBER "
                "(OP one of >= > <= < == !=), or a metric name alone (true when non-zero), "
                "joined by 'and'"
            )
        value = float(m["value"]) if m["value"] is not None else None
        clauses.append((m["metric"], m["op"], value))
    return Share(name, expression, tuple(clauses))


def share_metrics(name: str, expression: str) -> list[str]:
    """The metrics a share reads; none if it does not parse (the semantic checks
    report that)."""
    try:
        return list(parse_share(name, expression).metrics)
    except ValueError:
        return []
