"""Design points: what each design type of an experiment file runs.

:func:`build_design` turns a validated :class:`~resetsim.experiments.schema.Experiment`
into :class:`DesignPoints` (a ``points x parameters`` array of values): a
full-factorial :func:`grid`, a :func:`latin_hypercube` (``scipy.stats.qmc``),
a Saltelli :func:`sobol_sample` (:mod:`resetsim.analysis.sobol`) or named conditions
(:func:`condition_values`).  Every sampler is seeded (the design's ``seed``,
else the experiment's), so the same file gives the same points.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from resetsim.analysis import sobol
from resetsim.core import params as prm
from resetsim.experiments.schema import (
    ALL,
    LEADER,
    Condition,
    Experiment,
    expand_conditions,
    knockouts,
)
from resetsim.experiments.validate import range_problems, swept
from resetsim.scenario import Scenario
from resetsim.scenario import load as load_scenario


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
    nulls: list[str | None] | None = None  # per condition: its null series, if any
    statics: list[list[str]] | None = None  # per condition: contradictions held static
    freezes: list[list[str]] | None = None  # per condition: variables frozen at their start

    @property
    def n_points(self) -> int:
        return len(self.values)


def grid(levels: Mapping[str, Sequence[float]]) -> np.ndarray:
    """Every combination, the last parameter varying fastest."""
    combos = list(itertools.product(*[list(v) for v in levels.values()]))
    return np.array(combos, dtype=float).reshape(len(combos), len(levels))


def latin_hypercube(bounds: Sequence[tuple[float, float]], n: int, seed: int) -> np.ndarray:
    """``n`` points, one in each of ``n`` equal strata of every parameter's range,
    the strata randomly paired (``scipy.stats.qmc.LatinHypercube``, seeded)."""
    from scipy.stats import qmc  # deferred: scipy.stats takes seconds to import

    u = qmc.LatinHypercube(len(bounds), rng=int(seed)).random(n)
    lo = np.array([b[0] for b in bounds], dtype=float)
    hi = np.array([b[1] for b in bounds], dtype=float)
    return lo + u * (hi - lo)


def sobol_sample(
    bounds: Sequence[tuple[float, float]],
    names: Sequence[str],
    n: int,
    second_order: bool,
    seed: int,
) -> np.ndarray:
    """The Saltelli/Sobol' sample (scrambled, seeded; the same matrix as SALib's
    ``sample.sobol``): :func:`resetsim.analysis.sobol.sample`."""
    return sobol.sample(bounds, n, second_order, seed)


def condition_values(c: Condition) -> dict[str, float]:
    """The parameter values a condition sets (knock-outs are switches set to 0)."""
    out: dict[str, float] = {}
    for k in knockouts(c):
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
    if exp.model == "paper":
        # under the experiment's own [parameters]; a swept switch stays swept
        paper = {k: v for k, v in prm.paper_switches().items() if k not in swept(d)}
        fixed = {**paper, **fixed}
    f = exp.source
    if d.type == "grid":
        levels = {}
        for name, spec in d.parameters.items():
            _, norm = range_problems(f, "", name, spec, "grid")
            levels[name] = norm
        return DesignPoints("grid", list(levels), grid(levels), fixed=fixed, levels=levels)
    if d.type in ("lhs", "sobol"):
        names, bounds = [], []
        for name, spec in swept(d).items():
            _, b = range_problems(f, "", name, spec, d.type)
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
    conds = expand_conditions(d)
    sets = [condition_values(c) for c in conds]
    names = sorted({k for s in sets for k in s}, key=list(prm.PARAM_BY_NAME).index)
    sc = scenario if scenario is not None else load_scenario(exp.scenario_path)
    base = prm.resolve(sc.parameters, fixed)
    values = np.array([[s.get(k, base[k]) for k in names] for s in sets], dtype=float)
    values = values.reshape(len(conds), len(names))
    return DesignPoints(
        "conditions",
        names,
        values,
        labels=[c.name for c in conds],
        fixed=fixed,
        nulls=[c.null for c in conds],
        statics=[list(c.static) for c in conds],
        freezes=[list(c.freeze) for c in conds],
    )
