"""The plan of a sweep: its run table and chunks, fixed before anything runs.

Run ``i`` of an experiment is replication ``i % R`` of design point ``i // R``
and has seed ``randomness.run_seed(seed, i)`` (or ``run_seed(seed, i % R)``
with ``common_random_numbers``): :func:`seeds_of_runs`.  The run axis is cut
into chunks of consecutive runs; :meth:`Plan.task` gives chunk ``k`` as a
self-contained, picklable :class:`ChunkTask` that an executor runs.  The
plan's hash (:func:`experiment_hash` of the experiment, its scenario, the
code and the options) is what ``--resume`` compares.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from resetsim.core.columns import detection_columns
from resetsim.core.config import ScenarioError
from resetsim.core.provenance import __version__, code_hash
from resetsim.core.request import DEFAULT_ENGINE, check_request
from resetsim.engines.randomness import run_seeds
from resetsim.experiments.design import DesignPoints, build_design
from resetsim.experiments.schema import MAX_RUNS, Experiment, MetricsFn, Share, parse_share
from resetsim.experiments.validate import (
    default_metrics,
    kept_metrics,
    load,
    metric_names,
    metric_problems,
    required_columns,
)
from resetsim.scenario import Compiled, Scenario, compile_scenario, references
from resetsim.scenario import load as load_scenario

#: Largest default chunk (runs); smaller experiments are cut into ~32 chunks.
MAX_CHUNK = 10_000
MIN_CHUNK = 100
#: The version of the layout of a sweep's folder (part of the plan's hash).
FORMAT_VERSION = 1


class SweepError(Exception):
    """A sweep cannot start or resume (exit status 2 in the CLI)."""


def seeds_of_runs(
    seed: int, run: np.ndarray, replications: int, common_random_numbers: bool = False
) -> np.ndarray:
    """The seeds of runs ``run`` of an experiment with base ``seed``: run ``i``'s
    is ``run_seed(seed, i)``, or ``run_seed(seed, i % replications)`` with
    common random numbers (every design point sees the same seeds)."""
    run = np.asarray(run, dtype=np.int64)
    return run_seeds(seed, run % replications if common_random_numbers else run)


def trajectory_columns(compiled: Compiled) -> list[str]:
    """The columns ``trajectories.parquet`` keeps: each state's trust, cooperation."""
    return detection_columns(compiled.state_ids)


@dataclass
class ChunkTask:
    """One chunk's work: picklable, self-contained (an executor needs nothing else)."""

    index: int
    compiled: Compiled
    seeds: np.ndarray
    params: dict[str, Any]
    engine: str
    record: list[str]
    metrics_fn: MetricsFn
    metrics: list[str]
    trajectories: bool
    # validation conditions (None when the design has none): per run, the null
    # series (``""`` = the model's own) and the contradictions held static
    null: np.ndarray | None = None
    static: dict[str, np.ndarray] | None = None
    freeze: dict[str, np.ndarray] | None = None  # variable -> per run: frozen at its start


@dataclass
class Plan:
    """Everything that determines a sweep's rows, fixed before dispatch."""

    experiment: Experiment
    compiled: Compiled
    design: DesignPoints
    replications: int
    chunk_size: int
    engine: str
    metrics_fn: MetricsFn
    metric_names: list[str]  # kept metrics (stored per run)
    record: list[str]  # columns the engine records
    shares: list[Share] = field(default_factory=list)
    code: str = ""  # code_hash() when the plan was made
    inputs: dict[str, str] = field(default_factory=dict)  # input_digests()
    hash: str = ""

    @property
    def n_runs(self) -> int:
        return self.design.n_points * self.replications

    @property
    def n_chunks(self) -> int:
        return math.ceil(self.n_runs / self.chunk_size)

    def chunk_range(self, k: int) -> tuple[int, int]:
        a = k * self.chunk_size
        return a, min(a + self.chunk_size, self.n_runs)

    def identity(self, a: int, b: int) -> dict[str, np.ndarray]:
        """The fixed columns of runs ``a .. b-1``: run, point, replication, seed, parameters."""
        run = np.arange(a, b, dtype=np.int64)
        point = run // self.replications
        rep = run % self.replications
        seed = seeds_of_runs(
            self.experiment.seed, run, self.replications, self.experiment.common_random_numbers
        )
        cols: dict[str, np.ndarray] = {"run": run, "point": point}
        if self.design.labels is not None:
            cols["condition"] = np.asarray(self.design.labels, dtype=object)[point]
        cols["replication"] = rep
        cols["seed"] = seed
        for j, name in enumerate(self.design.names):
            cols[name] = self.design.values[point, j]
        return cols

    def task(self, k: int) -> ChunkTask:
        a, b = self.chunk_range(k)
        ident = self.identity(a, b)
        params = {n: ident[n] for n in self.design.names}
        point = ident["point"]
        null = static = None
        if self.design.nulls is not None and any(self.design.nulls):
            null = np.asarray([x or "" for x in self.design.nulls], dtype=object)[point]
        if self.design.statics is not None and any(self.design.statics):
            names = sorted({k for ks in self.design.statics for k in ks})
            static = {
                k: np.asarray([k in ks for ks in self.design.statics], dtype=bool)[point]
                for k in names
            }
        freeze = None
        if self.design.freezes is not None and any(self.design.freezes):
            names = sorted({k for ks in self.design.freezes for k in ks})
            freeze = {
                k: np.asarray([k in ks for ks in self.design.freezes], dtype=bool)[point]
                for k in names
            }
        return ChunkTask(
            index=k,
            compiled=self.compiled,
            seeds=ident["seed"],
            params={**self.design.fixed, **params},
            engine=self.engine,
            record=self.record,
            metrics_fn=self.metrics_fn,
            metrics=self.metric_names,
            trajectories=self.experiment.trajectories,
            null=null,
            static=static,
            freeze=freeze,
        )


def auto_chunk_size(n_runs: int) -> int:
    """About 32 chunks, each of ``MIN_CHUNK`` .. ``MAX_CHUNK`` runs (depends on the runs only)."""
    return int(min(MAX_CHUNK, max(MIN_CHUNK, math.ceil(n_runs / 32)), max(n_runs, 1)))


def make_plan(
    experiment: str | Path | Experiment,
    runs: int | None = None,
    engine: str = DEFAULT_ENGINE,
    metrics_fn: MetricsFn | None = None,
    chunk_size: int | None = None,
    posterior: bool = True,
) -> Plan:
    """Load and validate an experiment and fix its run table and chunk plan.

    ``runs`` overrides the replications per design point; ``chunk_size``
    overrides the file's (default: :func:`auto_chunk_size`); ``posterior=False``
    ignores the scenario's ``posterior`` (the point estimate).
    """
    check_request(engine=engine, runs=runs)
    fn = metrics_fn or default_metrics()
    # a file is loaded with every check (every problem at once)
    exp = experiment if isinstance(experiment, Experiment) else load(experiment, metrics_fn=fn)
    scenario = load_scenario(exp.scenario_path)
    if not posterior and scenario.posterior:
        scenario = scenario.model_copy(update={"posterior": None})
    compiled = compile_scenario(scenario)
    names = metric_names(compiled, fn)
    problems = metric_problems(exp, names)
    if problems:
        raise ScenarioError(problems)
    design = build_design(exp, scenario)
    reps = exp.replications if runs is None else int(runs)
    if reps < 1:
        raise ValueError("runs (replications per design point) must be at least 1")
    n_runs = design.n_points * reps
    if n_runs > MAX_RUNS:
        raise SweepError(
            f"{design.n_points:,} design point(s) x {reps:,} replications = {n_runs:,} runs, "
            f"more than the {MAX_RUNS:,} one sweep may have; ask for fewer (--runs)"
        )
    size = chunk_size or exp.chunk_size or auto_chunk_size(n_runs)
    record = required_columns(compiled, fn)
    if exp.trajectories:
        record += [c for c in trajectory_columns(compiled) if c not in record]
    plan = Plan(
        experiment=exp,
        compiled=compiled,
        design=design,
        replications=reps,
        chunk_size=int(size),
        engine=engine,
        metrics_fn=fn,
        metric_names=kept_metrics(exp, names),
        record=record,
        shares=[parse_share(n, e) for n, e in exp.shares.items()],
        code=code_hash(),
        inputs=input_digests(exp, scenario),
    )
    plan.hash = experiment_hash(exp, scenario, _plan_key(plan))
    return plan


def metrics_fn_name(fn: MetricsFn) -> str:
    """``module.qualname`` of a metrics function (recorded in the hash and ``meta.json``)."""
    return f"{fn.__module__}.{fn.__qualname__}"


def _plan_key(plan: Plan) -> dict[str, Any]:
    key = {
        "code": plan.code,
        "replications": plan.replications,
        "chunk_size": plan.chunk_size,
        "engine": plan.engine,
        "metrics_fn": metrics_fn_name(plan.metrics_fn),
        "metrics": plan.metric_names,
        "format": FORMAT_VERSION,
    }
    if plan.compiled.posterior is not None:
        # the posterior's particles (a changed file must not be resumed into)
        key["posterior"] = plan.compiled.posterior.digest
    key["inputs"] = plan.inputs
    return key


def input_digests(exp: Experiment, scenario: Scenario) -> dict[str, str]:
    """SHA-256 of every file the experiment depends on (itself, its scenario,
    the files that extends, the targets, power table, posterior ... it names),
    by a label such as ``scenario.power.file``: ``--resume`` compares them, so
    a file edited between a kill and a resume is never mixed into one sweep."""
    paths: dict[str, Path] = {"experiment": Path(exp.source)} if exp.source else {}
    paths.update(references.input_files(scenario))
    return {label: references.digest(path) for label, path in sorted(paths.items())}


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
