"""Loading an experiment file, with every check the schema cannot express.

:func:`load` reads the file, checks its schema (:func:`schema.parse`), then
parameter names and bounds, design sizes, conditions, shares
(:func:`semantic_problems`), its scenario, and the metric names it uses
against what the metrics function produces (:func:`metric_problems`).  Every
problem is reported at once as ``FILE: field: message``
(:class:`~resetsim.core.config.ScenarioError`), before anything runs.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from resetsim.analysis.metrics import metric_names as shipped_metric_names
from resetsim.analysis.metrics import run_metrics
from resetsim.core import params as prm
from resetsim.core.columns import detection_columns
from resetsim.core.config import ID_PATTERN, Problem, ScenarioError, check_kind, read_toml
from resetsim.core.names import did_you_mean
from resetsim.core.request import request_problems
from resetsim.engines.ensemble import simulate
from resetsim.engines.randomness import run_seed
from resetsim.experiments.schema import (
    ALL,
    LEADER,
    MAX_RUNS,
    STATIC_VARIABLES,
    ConditionsDesign,
    Experiment,
    LHSDesign,
    MetricsFn,
    SobolDesign,
    expand_conditions,
    knockouts,
    parse,
    parse_share,
    share_metrics,
)
from resetsim.scenario import Compiled, compile_scenario
from resetsim.scenario import load as load_scenario
from resetsim.scenario.builtin import resolve
from resetsim.scenario.references import file_problem


def load(
    path: str | Path,
    metrics_fn: MetricsFn | None = None,
    check_metrics: bool = True,
) -> Experiment:
    """Read and validate an experiment file and its scenario.

    Raises :class:`~resetsim.core.config.ScenarioError` listing every problem.
    Metric names (in ``metrics``, ``shares``, ``figures`` and Sobol
    ``outputs``) are checked against what ``metrics_fn`` (default
    :func:`default_metrics`) returns for one run of the scenario.  ``path``
    may name a built-in experiment (``"sobol"``; an existing file wins).
    """
    path = resolve(path, "experiment")
    raw = read_toml(path)
    check_kind(raw, "experiment", str(path))
    exp = parse(raw, str(path), path.resolve().parent)
    problems = semantic_problems(exp)
    compiled = None
    unreadable = file_problem("forecast", exp.scenario, exp.scenario_path, exp.source)
    if unreadable is not None:  # not a scenario file: say so, quote none of it
        problems.append(Problem(exp.source, "scenario", unreadable[2]))
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


# --------------------------------------------------------------------------
# swept parameters


def range_problems(
    file: str, where: str, name: str, spec: Any, kind: str
) -> tuple[list[Problem], Any]:
    """Check one swept parameter's specification; return problems and the normalised spec.

    grid: a list of values, or ``{levels = n, low = ?, high = ?}`` -> the levels;
    lhs / sobol: ``{}`` / ``{low = ?, high = ?}`` or ``[low, high]`` -> ``(low, high)``.
    """
    problems: list[Problem] = []
    p = prm.PARAM_BY_NAME.get(name)
    if p is None:
        return [Problem(file, where, prm.unknown_parameter(name))], None

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


def swept(design: Any) -> dict[str, Any]:
    """``{parameter: its specification}`` of a grid, lhs or sobol design."""
    params = getattr(design, "parameters", {})
    if isinstance(params, list):
        return {name: {} for name in params}
    return dict(params)


# --------------------------------------------------------------------------
# semantic checks


def semantic_problems(exp: Experiment) -> list[Problem]:
    """Checks the schema cannot express (parameter names, bounds, sizes, shares)."""
    f = exp.source or "<experiment>"
    problems: list[Problem] = []
    # the request's checks (the same words as the CLI's and the API's)
    fields = {"runs": "replications", "seed": "seed"}
    for field, msg in request_problems(exp.parameters, runs=exp.replications, seed=exp.seed):
        name = fields.get(field) or "parameters." + field.removeprefix("parameter ").strip("'")
        problems.append(Problem(f, name, msg))
    d = exp.design
    if isinstance(d, LHSDesign | SobolDesign) and isinstance(d.parameters, list):
        seen = set()
        for i, name in enumerate(d.parameters):
            if name in seen:
                problems.append(Problem(f, f"design.parameters[{i}]", f"{name!r} is repeated"))
            seen.add(name)
    specs = swept(d)
    sizes = []
    for name, spec in specs.items():
        where = f"design.parameters.{name}"
        ps, norm = range_problems(f, where, name, spec, d.type)
        problems.extend(ps)
        if d.type == "grid" and norm is not None:
            sizes.append(len(norm))
        if name in exp.parameters:
            problems.append(
                Problem(f, where, "is also fixed under [parameters]; sweep it or fix it, not both")
            )
    n_points = None
    if d.type == "grid" and len(sizes) == len(specs):
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
        D = len(specs)
        if D < 2:
            problems.append(
                Problem(f, "design.parameters", "a Sobol' design needs at least 2 parameters")
            )
        n_points = N * (2 * D + 2 if d.second_order else D + 2)
    elif d.type == "conditions":
        problems.extend(_condition_problems(f, d))
        n_points = len(expand_conditions(d))
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


def _condition_problems(f: str, d: ConditionsDesign) -> list[Problem]:
    problems: list[Problem] = []
    conds = expand_conditions(d)
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
        for k in knockouts(c):
            if k not in valid:
                problems.append(
                    Problem(
                        f,
                        f"{where}.knock_out",
                        f"unknown contradiction {k!r}{did_you_mean(k, valid)}; use one of "
                        + ", ".join(valid),
                    )
                )
        for name, msg in prm.check_overrides(c.set):
            problems.append(Problem(f, f"{where}.set.{name}", msg))
        for k in c.static:
            if k not in STATIC_VARIABLES:
                why = (
                    "it is a constant parameter, so static equals the baseline"
                    if k in prm.CONTRADICTIONS
                    else "unknown contradiction"
                )
                problems.append(
                    Problem(
                        f,
                        f"{where}.static",
                        f"cannot hold {k!r} static ({why}); use one of "
                        + ", ".join(STATIC_VARIABLES),
                    )
                )
            if k in knockouts(c) or ALL in knockouts(c):
                problems.append(
                    Problem(f, f"{where}.static", f"{k!r} is both knocked out and held static")
                )
        if c.null is not None and (c.static or c.freeze):
            problems.append(
                Problem(f, f"{where}.null", "a null condition cannot also hold variables")
            )
    return problems


# --------------------------------------------------------------------------
# metric names


def default_metrics() -> MetricsFn:
    """The shipped metrics: :func:`resetsim.analysis.metrics.run_metrics`."""
    return run_metrics


def metric_names(compiled: Compiled, metrics_fn: MetricsFn | None = None) -> list[str]:
    """The metrics ``metrics_fn`` produces for this scenario (from one short
    run; the shipped :func:`~resetsim.analysis.metrics.run_metrics` says them
    without one)."""
    fn = metrics_fn or default_metrics()
    if fn is run_metrics:
        return shipped_metric_names(compiled)
    cols = required_columns(compiled, fn)
    seed = run_seed(0, 0)
    traj = simulate(compiled, [seed], None, cols)
    data = {**traj.with_events(), "seed": np.array([seed], dtype=np.int64)}
    return list(fn(compiled, data, compiled.params()))


def required_columns(compiled: Compiled, metrics_fn: MetricsFn | None = None) -> list[str]:
    """Recorded columns a metrics function needs: its module's
    ``required_columns(state_ids)`` if it has one (as
    :mod:`resetsim.analysis.metrics` does), else the two states' trust and
    cooperation."""
    fn = metrics_fn or default_metrics()
    module = sys.modules.get(getattr(fn, "__module__", ""), None)
    needs = getattr(module, "required_columns", None)
    if callable(needs) and needs is not required_columns:
        return list(needs(compiled.state_ids))
    return detection_columns(compiled.state_ids)


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
        for m in share_metrics(name, expr):
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


def kept_metrics(exp: Experiment, names: Sequence[str]) -> list[str]:
    """The metrics stored per run: ``metrics`` (default all) plus those shares use."""
    kept = list(exp.metrics) if exp.metrics is not None else list(names)
    for name, expr in exp.shares.items():
        for m in share_metrics(name, expr):
            if m not in kept:
                kept.append(m)
    return kept
