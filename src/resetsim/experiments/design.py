"""Experiment files: a scenario, a design over parameters, replications, metrics.

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

It is validated like a scenario: every problem is reported at once as
``FILE: field: message`` (:class:`~resetsim.scenario.ScenarioError`), before
anything runs.  :func:`build_design` turns it into design points; run ``i`` of
the whole experiment is replication ``i % R`` of point ``i // R`` and has seed
``randomness.run_seed(seed, i)``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationError

from resetsim.core import params as prm
from resetsim.core.config import Problem, ScenarioError, read_toml
from resetsim.core.provenance import __version__
from resetsim.scenario import Compiled, Scenario, compile_scenario
from resetsim.scenario import load as load_scenario

ID_PATTERN = r"^[a-z][a-z0-9_]*$"
#: More runs than this in one experiment is almost certainly a typo.
MAX_RUNS = 20_000_000
#: Knock-out names a condition may use besides the contradictions.
ALL = "all"
LEADER = "leader"

MetricsFn = Callable[..., Mapping[str, np.ndarray]]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------
# schema.  Parameter specifications are kept loose (``Any``) here and checked
# by :func:`semantic_problems`, which gives clearer messages than a union.


class GridDesign(_Strict):
    """Full factorial grid: every combination of the listed levels."""

    type: Literal["grid"]
    parameters: dict[str, Any] = Field(min_length=1)


class LHSDesign(_Strict):
    """Latin hypercube: ``samples`` points within the parameters' ranges."""

    type: Literal["lhs"]
    samples: int = Field(ge=2, le=1_000_000)
    parameters: dict[str, Any] | list[str] = Field(min_length=1)
    seed: int | None = Field(None, ge=0)


class SobolDesign(_Strict):
    """Saltelli sampling for Sobol' indices (SALib): N (D + 2) or N (2D + 2) points."""

    type: Literal["sobol"]
    base_samples: int = Field(ge=2, le=2**20)
    second_order: bool = False
    parameters: dict[str, Any] | list[str] = Field(min_length=1)
    outputs: list[str] | None = None
    resamples: int = Field(100, ge=10, le=10_000)
    conf_level: float = Field(0.95, gt=0, lt=1)
    seed: int | None = Field(None, ge=0)


class Condition(_Strict):
    """A named set of parameter values: knocked-out contradictions and/or overrides."""

    name: str = Field(pattern=ID_PATTERN)
    description: str = ""
    knock_out: list[str] | str = []
    set: dict[str, float] = {}


class ConditionsDesign(_Strict):
    """An explicit list of named conditions (optionally a preset)."""

    type: Literal["conditions"]
    preset: Literal["contradictions"] | None = None
    conditions: list[Condition] = []


Design = Annotated[
    Annotated[GridDesign, Tag("grid")]
    | Annotated[LHSDesign, Tag("lhs")]
    | Annotated[SobolDesign, Tag("sobol")]
    | Annotated[ConditionsDesign, Tag("conditions")],
    Discriminator(lambda v: v.get("type") if isinstance(v, dict) else getattr(v, "type", None)),
]
DESIGN_TYPES = ("grid", "lhs", "sobol", "conditions")


class Experiment(_Strict):
    """A validated experiment file."""

    name: str = Field(pattern=ID_PATTERN)
    description: str = ""
    scenario: str
    replications: int = Field(1, ge=1, le=1_000_000)
    seed: int = Field(20210101, ge=0)
    common_random_numbers: bool = False
    metrics: list[str] | None = None
    shares: dict[str, str] = {}
    figures: list[str] | None = None
    trajectories: bool = False
    chunk_size: int | None = Field(None, ge=1, le=100_000)
    parameters: dict[str, float] = {}
    design: Design
    # provenance, filled by the loader
    source: str = ""
    base_dir: str = ""

    @property
    def scenario_path(self) -> Path:
        return Path(self.base_dir) / self.scenario

    def resolved(self) -> dict[str, Any]:
        """JSON-ready (for ``meta.json`` and the experiment hash)."""
        return json.loads(self.model_dump_json(exclude={"base_dir", "source"}))


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


# --------------------------------------------------------------------------
# loading


def _fmt_loc(loc: Sequence[Any]) -> str:
    loc = list(loc)
    # drop the discriminator tag pydantic inserts: design.grid.parameters -> design.parameters
    if len(loc) >= 2 and loc[0] == "design" and loc[1] in DESIGN_TYPES:
        del loc[1]
    out = ""
    for item in loc:
        out += f"[{item}]" if isinstance(item, int) else ("." if out else "") + str(item)
    return out


def parse(raw: dict[str, Any], file: str, base_dir: str | Path) -> Experiment:
    """Validate the schema of an experiment given as a dict (no semantic checks)."""
    raw = dict(raw)
    raw["source"] = file
    raw["base_dir"] = str(Path(base_dir).resolve())
    design = raw.get("design")
    if isinstance(design, dict) and design.get("type") not in DESIGN_TYPES:
        got = design.get("type")
        msg = "missing; " if got is None else f"unknown design type {got!r}; "
        raise ScenarioError(
            [Problem(file, "design.type", msg + "use one of " + ", ".join(DESIGN_TYPES))]
        )
    try:
        return Experiment.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            msg = err["msg"]
            if err["type"] == "extra_forbidden":
                msg = "unknown field"
            elif err["type"] != "missing" and "input" in err:
                msg = f"{msg} (got {err['input']!r})"
            problems.append(Problem(file, _fmt_loc(err["loc"]), msg))
        raise ScenarioError(problems) from None


def load(
    path: str | Path,
    metrics_fn: MetricsFn | None = None,
    check_metrics: bool = True,
) -> Experiment:
    """Read and validate an experiment file and its scenario.

    Raises :class:`~resetsim.scenario.ScenarioError` listing every problem.
    Metric names (in ``metrics``, ``shares``, ``figures`` and Sobol
    ``outputs``) are checked against what ``metrics_fn`` (default
    :func:`default_metrics`) returns for one run of the scenario.
    """
    path = Path(path)
    exp = parse(read_toml(path), str(path), path.resolve().parent)
    problems = semantic_problems(exp)
    compiled = None
    if not exp.scenario_path.exists():
        problems.append(Problem(exp.source, "scenario", f"no such file: {exp.scenario}"))
    else:
        try:
            compiled = compile_scenario(load_scenario(exp.scenario_path))
        except ScenarioError as exc:
            problems.append(
                Problem(exp.source, "scenario", f"{exp.scenario} is not a valid scenario:")
            )
            problems.extend(exc.problems)
    if check_metrics and compiled is not None:
        # checked even when other fields are wrong: every problem at once
        problems.extend(metric_problems(exp, metric_names(compiled, metrics_fn)))
    if problems:
        raise ScenarioError(problems)
    return exp


def _range_problems(
    file: str, where: str, name: str, spec: Any, kind: str
) -> tuple[list[Problem], Any]:
    """Check one swept parameter's specification; return problems and the normalised spec.

    grid: a list of values, or ``{levels = n, low = ?, high = ?}``;
    lhs / sobol: ``{}`` / ``{low = ?, high = ?}`` or ``[low, high]``.
    """
    problems: list[Problem] = []
    p = prm.PARAM_BY_NAME.get(name)
    if p is None:
        return [Problem(file, where, "unknown parameter (see `resetsim params`)")], None

    def check_value(v: Any, w: str) -> bool:
        msg = p.check(v)
        if msg:
            problems.append(Problem(file, w, msg))
            return False
        return True

    if kind == "grid":
        if isinstance(spec, list):
            if not spec:
                problems.append(Problem(file, where, "give at least one value"))
            ok = all([check_value(v, f"{where}[{i}]") for i, v in enumerate(spec)])
            if ok and len(set(spec)) != len(spec):
                problems.append(Problem(file, where, "values must not repeat"))
            return problems, [float(v) for v in spec] if ok else None
        if isinstance(spec, dict):
            extra = set(spec) - {"levels", "low", "high"}
            if extra:
                problems.append(
                    Problem(
                        file, f"{where}.{sorted(extra)[0]}", "unknown field (use levels, low, high)"
                    )
                )
            levels = spec.get("levels")
            if levels is None:
                problems.append(
                    Problem(file, where, "give a list of values or a table with `levels`")
                )
            elif isinstance(levels, bool) or not isinstance(levels, int) or levels < 1:
                problems.append(Problem(file, f"{where}.levels", "must be an integer >= 1"))
            lo, hi = spec.get("low", p.low), spec.get("high", p.high)
            ok = check_value(lo, f"{where}.low") & check_value(hi, f"{where}.high")
            if ok and hi < lo:
                problems.append(Problem(file, where, f"high ({hi}) is below low ({lo})"))
            if problems:
                return problems, None
            vals = np.linspace(lo, hi, levels) if levels > 1 else np.array([lo])
            return problems, [float(v) for v in vals]
        return [Problem(file, where, "give a list of values or a table with `levels`")], None
    # lhs / sobol: a range
    if isinstance(spec, list):
        if len(spec) != 2:
            return [Problem(file, where, "a range is [low, high]")], None
        spec = {"low": spec[0], "high": spec[1]}
    if not isinstance(spec, dict):
        return [
            Problem(file, where, "give {} (the registry bounds) or {low = .., high = ..}")
        ], None
    extra = set(spec) - {"low", "high"}
    if extra:
        problems.append(
            Problem(file, f"{where}.{sorted(extra)[0]}", "unknown field (use low, high)")
        )
    lo, hi = spec.get("low", p.low), spec.get("high", p.high)
    ok = check_value(lo, f"{where}.low") & check_value(hi, f"{where}.high")
    if ok and not hi > lo:
        problems.append(Problem(file, where, f"high ({hi}) must be above low ({lo})"))
    return problems, None if problems else (float(lo), float(hi))


def _swept(design: Any) -> dict[str, Any]:
    params = getattr(design, "parameters", {})
    if isinstance(params, list):
        return {name: {} for name in params}
    return dict(params)


def semantic_problems(exp: Experiment) -> list[Problem]:
    """Checks the schema cannot express (parameter names, bounds, sizes, shares)."""
    f = exp.source or "<experiment>"
    problems: list[Problem] = []
    for name, msg in prm.check_overrides(exp.parameters):
        problems.append(Problem(f, f"parameters.{name}", msg))
    d = exp.design
    if isinstance(d, LHSDesign | SobolDesign) and isinstance(d.parameters, list):
        seen = set()
        for i, name in enumerate(d.parameters):
            if name in seen:
                problems.append(Problem(f, f"design.parameters[{i}]", f"{name!r} is repeated"))
            seen.add(name)
    swept = _swept(d)
    sizes = []
    for name, spec in swept.items():
        where = f"design.parameters.{name}"
        ps, norm = _range_problems(f, where, name, spec, d.type)
        problems.extend(ps)
        if d.type == "grid" and norm is not None:
            sizes.append(len(norm))
        if name in exp.parameters:
            problems.append(
                Problem(f, where, "is also fixed under [parameters]; sweep it or fix it, not both")
            )
    n_points = None
    if d.type == "grid" and len(sizes) == len(swept):
        n_points = math.prod(sizes)
    elif d.type == "lhs":
        n_points = d.samples
    elif d.type == "sobol":
        N = d.base_samples
        if N & (N - 1):
            lo = 2 ** int(math.log2(N))
            problems.append(
                Problem(
                    f,
                    "design.base_samples",
                    f"must be a power of 2 for Sobol' sequences (got {N}; try {lo} or {2 * lo})",
                )
            )
        D = len(swept)
        if D < 2:
            problems.append(
                Problem(f, "design.parameters", "a Sobol' design needs at least 2 parameters")
            )
        n_points = N * (2 * D + 2 if d.second_order else D + 2)
    elif d.type == "conditions":
        problems.extend(_condition_problems(f, exp, d))
        n_points = len(_expand_conditions(d))
    if n_points is not None and n_points * exp.replications > MAX_RUNS:
        problems.append(
            Problem(
                f,
                "replications",
                f"{n_points} design points x {exp.replications} replications = "
                f"{n_points * exp.replications:,} runs, more than {MAX_RUNS:,}",
            )
        )
    for name, expr in exp.shares.items():
        where = f"shares.{name}"
        if not re.match(ID_PATTERN, name):
            problems.append(Problem(f, where, "a share name is lower_case_with_underscores"))
        try:
            parse_share(name, expr)
        except ValueError as exc:
            problems.append(Problem(f, where, str(exc)))
    return problems


def _expand_conditions(d: ConditionsDesign) -> list[Condition]:
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


def _knockouts(c: Condition) -> list[str]:
    return [c.knock_out] if isinstance(c.knock_out, str) else list(c.knock_out)


def _condition_problems(f: str, exp: Experiment, d: ConditionsDesign) -> list[Problem]:
    problems: list[Problem] = []
    conds = _expand_conditions(d)
    if not conds:
        problems.append(
            Problem(
                f, "design.conditions", "give at least one condition (or preset = 'contradictions')"
            )
        )
    n_preset = len(conds) - len(d.conditions)
    seen: set[str] = set()
    valid = [*prm.CONTRADICTIONS, ALL, LEADER]
    for i, c in enumerate(conds):
        where = f"design.conditions[{i - n_preset}] ({c.name!r})"
        if c.name in seen:
            what = " (the preset defines it)" if i >= n_preset and n_preset else ""
            problems.append(Problem(f, f"{where}.name", f"duplicate condition{what}"))
        seen.add(c.name)
        if i < n_preset:
            continue
        for k in _knockouts(c):
            if k not in valid:
                problems.append(
                    Problem(
                        f,
                        f"{where}.knock_out",
                        f"unknown contradiction {k!r}; use one of " + ", ".join(valid),
                    )
                )
        for name, msg in prm.check_overrides(c.set):
            problems.append(Problem(f, f"{where}.set.{name}", msg))
    return problems


# --------------------------------------------------------------------------
# metric names


def default_metrics() -> MetricsFn:
    """The shipped metrics: :func:`resetsim.episodes.run_metrics`."""
    from resetsim.analysis.metrics import run_metrics

    return run_metrics


def metric_names(compiled: Compiled, metrics_fn: MetricsFn | None = None) -> list[str]:
    """The metrics ``metrics_fn`` produces for this scenario (from one short run)."""
    from resetsim.engines.ensemble import simulate
    from resetsim.engines.randomness import run_seed

    fn = metrics_fn or default_metrics()
    cols = required_columns(compiled, fn)
    traj = simulate(compiled, [run_seed(0, 0)], None, cols)
    return list(fn(compiled, traj.data, compiled.params()))


def required_columns(compiled: Compiled, metrics_fn: MetricsFn | None = None) -> list[str]:
    """Recorded columns a metrics function needs: its module's
    ``required_columns(state_ids)`` if it has one (as :mod:`resetsim.episodes`
    does), else the two states' trust and cooperation."""
    import sys

    fn = metrics_fn or default_metrics()
    module = sys.modules.get(getattr(fn, "__module__", ""), None)
    needs = getattr(module, "required_columns", None)
    if callable(needs) and needs is not required_columns:
        return list(needs(compiled.state_ids))
    return [f"{s}_trust" for s in compiled.state_ids] + ["cooperation"]


def metric_problems(exp: Experiment, names: Sequence[str]) -> list[Problem]:
    """Metric names in the experiment that the metrics function does not produce."""
    f = exp.source or "<experiment>"
    known = set(names)
    hint = "known metrics: " + ", ".join(names)
    problems: list[Problem] = []
    for i, m in enumerate(exp.metrics or []):
        if m not in known:
            problems.append(Problem(f, f"metrics[{i}]", f"unknown metric {m!r}; {hint}"))
    if exp.metrics is not None and len(set(exp.metrics)) != len(exp.metrics):
        problems.append(Problem(f, "metrics", "names must not repeat"))
    for name, expr in exp.shares.items():
        if name in known:
            problems.append(Problem(f, f"shares.{name}", "a share may not take a metric's name"))
        for m in _share_metrics(name, expr):
            if m not in known:
                problems.append(Problem(f, f"shares.{name}", f"unknown metric {m!r}; {hint}"))
    kept = set(kept_metrics(exp, names))
    outputs = set(kept) | set(exp.shares)
    for i, m in enumerate(exp.figures or []):
        if m not in outputs:
            problems.append(
                Problem(f, f"figures[{i}]", f"{m!r} is neither a kept metric nor a share")
            )
    if isinstance(exp.design, SobolDesign):
        for i, m in enumerate(exp.design.outputs or []):
            if m not in outputs:
                problems.append(
                    Problem(
                        f, f"design.outputs[{i}]", f"{m!r} is neither a kept metric nor a share"
                    )
                )
    return problems


def _share_metrics(name: str, expression: str) -> list[str]:
    """The metrics a share reads; none if it does not parse (semantic_problems
    reports that)."""
    try:
        return list(parse_share(name, expression).metrics)
    except ValueError:
        return []


def kept_metrics(exp: Experiment, names: Sequence[str]) -> list[str]:
    """The metrics stored per run: ``metrics`` (default all) plus those shares use."""
    kept = list(exp.metrics) if exp.metrics is not None else list(names)
    for name, expr in exp.shares.items():
        for m in _share_metrics(name, expr):
            if m not in kept:
                kept.append(m)
    return kept


# --------------------------------------------------------------------------
# design generation


@dataclass
class DesignPoints:
    """The design: ``values[point, j]`` is parameter ``names[j]`` at that point."""

    type: str
    names: list[str]
    values: np.ndarray  # (P, D) float
    labels: list[str] | None = None  # condition names
    fixed: dict[str, float] = field(default_factory=dict)  # applied to every run
    bounds: list[tuple[float, float]] | None = None  # lhs / sobol ranges
    levels: dict[str, list[float]] | None = None  # grid levels

    @property
    def n_points(self) -> int:
        return len(self.values)

    def salib_problem(self) -> dict[str, Any]:
        assert self.bounds is not None
        return {
            "num_vars": len(self.names),
            "names": list(self.names),
            "bounds": [list(b) for b in self.bounds],
        }


def grid(levels: Mapping[str, Sequence[float]]) -> np.ndarray:
    """Every combination, the last parameter varying fastest."""
    combos = list(itertools.product(*[list(v) for v in levels.values()]))
    return np.array(combos, dtype=float).reshape(len(combos), len(levels))


def latin_hypercube(bounds: Sequence[tuple[float, float]], n: int, seed: int) -> np.ndarray:
    """``n`` points, one per stratum of each parameter's range, strata randomly paired."""
    rng = np.random.default_rng(seed)
    d = len(bounds)
    u = (rng.permuted(np.tile(np.arange(n), (d, 1)), axis=1).T + rng.random((n, d))) / n
    lo = np.array([b[0] for b in bounds])
    hi = np.array([b[1] for b in bounds])
    return lo + u * (hi - lo)


def sobol_sample(
    bounds: Sequence[tuple[float, float]],
    names: Sequence[str],
    n: int,
    second_order: bool,
    seed: int,
) -> np.ndarray:
    """SALib's Saltelli/Sobol' sample (scrambled, seeded)."""
    import warnings

    from SALib.sample import sobol

    problem = {"num_vars": len(names), "names": list(names), "bounds": [list(b) for b in bounds]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sobol.sample(problem, n, calc_second_order=second_order, seed=seed)


def condition_values(c: Condition) -> dict[str, float]:
    """The parameter values a condition sets (knock-outs are switches set to 0)."""
    out: dict[str, float] = {}
    for k in _knockouts(c):
        if k == ALL:
            out.update({s: 0.0 for s in prm.CONTRADICTIONS.values()})
        elif k == LEADER:
            out[prm.LEADER_SWITCH] = 0.0
        else:
            out[prm.CONTRADICTIONS[k]] = 0.0
    out.update({k: float(v) for k, v in c.set.items()})
    return out


def build_design(exp: Experiment, scenario: Scenario | None = None) -> DesignPoints:
    """The experiment's design points (deterministic: seeded samplers)."""
    d = exp.design
    fixed = {k: float(v) for k, v in exp.parameters.items()}
    f = exp.source
    if d.type == "grid":
        levels = {}
        for name, spec in d.parameters.items():
            _, norm = _range_problems(f, "", name, spec, "grid")
            levels[name] = norm
        return DesignPoints("grid", list(levels), grid(levels), fixed=fixed, levels=levels)
    if d.type in ("lhs", "sobol"):
        names, bounds = [], []
        for name, spec in _swept(d).items():
            _, b = _range_problems(f, "", name, spec, d.type)
            names.append(name)
            bounds.append(b)
        seed = exp.seed if d.seed is None else d.seed
        if d.type == "lhs":
            values = latin_hypercube(bounds, d.samples, seed)
        else:
            values = sobol_sample(bounds, names, d.base_samples, d.second_order, seed)
        return DesignPoints(d.type, names, values, fixed=fixed, bounds=bounds)
    # conditions: columns are every parameter any condition sets; a condition
    # that does not set one keeps the scenario's (or the default) value
    conds = _expand_conditions(d)
    sets = [condition_values(c) for c in conds]
    names = sorted({k for s in sets for k in s}, key=list(prm.PARAM_BY_NAME).index)
    sc = scenario if scenario is not None else load_scenario(exp.scenario_path)
    base = prm.resolve(sc.parameters, fixed)
    values = np.array([[s.get(k, base[k]) for k in names] for s in sets], dtype=float)
    values = values.reshape(len(conds), len(names))
    return DesignPoints("conditions", names, values, labels=[c.name for c in conds], fixed=fixed)


def experiment_hash(exp: Experiment, scenario: Scenario, extra: Mapping[str, Any]) -> str:
    """A digest of everything that determines the runs' results."""
    blob = {
        "experiment": exp.resolved(),
        "scenario": {k: v for k, v in scenario.resolved().items() if k != "source"},
        "resetsim": __version__,
        **extra,
    }
    text = json.dumps(blob, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
