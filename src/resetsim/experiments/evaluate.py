"""Experiments in memory, in the EMA Workbench style: a table of parameter
values in, a table of outcomes out.

:func:`evaluate` runs a scenario at each row of a design (a DataFrame whose
columns are registry parameters), ``runs`` replications per row, on the fast
engine in chunks, and returns one row per design row x replication with the
metrics a sweep computes.  No file is read or written besides the scenario.
Run ``i`` is replication ``i % runs`` of row ``i // runs`` and has the seed a
sweep gives it (:func:`~resetsim.experiments.plan.seeds_of_runs`), so an
experiment file swept to disk and the same points evaluated here agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from resetsim.core import params as prm
from resetsim.core.request import DEFAULT_ENGINE, check_request
from resetsim.experiments.executors import run_chunk
from resetsim.experiments.plan import ChunkTask, auto_chunk_size, seeds_of_runs
from resetsim.experiments.schema import MetricsFn
from resetsim.experiments.validate import default_metrics, metric_names, required_columns
from resetsim.scenario import Compiled, Scenario, as_compiled

#: The columns before the design's and the metrics in :func:`evaluate`'s table.
ID_COLUMNS = ("point", "replication", "seed")


def design_values(design: pd.DataFrame) -> np.ndarray:
    """The design as a ``(rows, columns)`` float array, every column checked
    against the parameter registry: ValueError naming the column otherwise."""
    if not isinstance(design, pd.DataFrame):
        raise ValueError(
            f"design must be a pandas DataFrame of parameter values, not {type(design).__name__}"
        )
    names = [str(c) for c in design.columns]
    for name in names:
        if names.count(name) > 1:
            raise ValueError(f"design column {name!r} is repeated")
        if name in ID_COLUMNS:
            raise ValueError(f"design column {name!r}: a name evaluate's table uses itself")
        if name not in prm.PARAM_BY_NAME:
            raise ValueError(f"design column {name!r}: {prm.unknown_parameter(name)}")
    values = np.empty((len(design), len(names)))
    for j, name in enumerate(names):
        col = design.iloc[:, j]
        if col.dtype == bool or not pd.api.types.is_numeric_dtype(col):
            raise ValueError(f"design column {name!r}: must hold numbers, not {col.dtype}")
        x = col.to_numpy(dtype=float)
        spec = prm.PARAM_BY_NAME[name]
        bad = np.flatnonzero(~(np.isfinite(x) & (x >= spec.low) & (x <= spec.high)))
        if bad.size:
            i = int(bad[0])
            raise ValueError(f"design column {name!r}, row {i}: {spec.check(float(x[i]))}")
        values[:, j] = x
    return values


def evaluate(
    scenario: str | Path | Scenario | Compiled,
    design: pd.DataFrame,
    runs: int = 1,
    seed: int | None = None,
    metrics: Sequence[str] | MetricsFn | None = None,
    engine: str = DEFAULT_ENGINE,
    common_random_numbers: bool = False,
    chunk_size: int | None = None,
) -> pd.DataFrame:
    """Run ``scenario`` at every row of ``design``, ``runs`` times each.

    Parameters
    ----------
    scenario : str, Path, Scenario or Compiled
        The scenario (a TOML file, loaded or compiled).
    design : pandas.DataFrame
        Columns are registry parameters (``resetsim params``), rows are
        points.  Parameters not in the design keep the scenario's values.
    runs : int
        Replications per design row.
    seed : int or None
        The base seed (default: the scenario's).
    metrics : sequence of str, callable or None
        The names to keep of the default metrics
        (:func:`resetsim.analysis.metrics.run_metrics`; default: all), or a
        metrics function ``fn(compiled, data, params) -> {name: array}`` (all
        its metrics are kept).
    engine : str
        One of :data:`~resetsim.engines.runner.ENGINES` (default: the compiled engine).
    common_random_numbers : bool
        If true, every row sees the same ``runs`` seeds.
    chunk_size : int or None
        Runs simulated at once (memory bound); does not change the results.

    Returns
    -------
    pandas.DataFrame
        One row per design row x replication (row-major: the replications of
        a point are consecutive) with columns ``point`` (the design's row
        number), ``replication``, ``seed``, the design's columns, then the
        metrics.

    Raises
    ------
    ValueError
        For an unknown column or a value outside a parameter's bounds (naming
        the column), an unknown engine or ``runs < 1``.
    """
    check_request(engine=engine, runs=runs)
    values = design_values(design)
    names = [str(c) for c in design.columns]
    compiled = as_compiled(scenario)
    base = compiled.scenario.seed if seed is None else int(seed)
    fn, keep = _metrics(compiled, metrics)
    record = required_columns(compiled, fn)
    runs = int(runs)
    n = len(values) * runs
    run = np.arange(n, dtype=np.int64)
    point = run // runs
    seeds = seeds_of_runs(base, run, runs, common_random_numbers)
    size = chunk_size or auto_chunk_size(n)
    parts: list[dict[str, np.ndarray]] = []
    for k, a in enumerate(range(0, n, size)):
        b = min(a + size, n)
        task = ChunkTask(
            index=k,
            compiled=compiled,
            seeds=seeds[a:b],
            params={name: values[point[a:b], j] for j, name in enumerate(names)},
            engine=engine,
            record=record,
            metrics_fn=fn,
            metrics=keep,
            trajectories=False,
        )
        parts.append(run_chunk(task).metrics)
    out = {"point": point, "replication": run % runs, "seed": seeds}
    table = pd.DataFrame(out)
    given = design.iloc[point].reset_index(drop=True)
    given.columns = names
    cols = {m: np.concatenate([p[m] for p in parts]) if parts else np.empty(0) for m in keep}
    return pd.concat([table, given, pd.DataFrame(cols)], axis=1)


def _metrics(
    compiled: Compiled, metrics: Sequence[str] | MetricsFn | None
) -> tuple[MetricsFn, list[str]]:
    """The metrics function and the names to keep."""
    if callable(metrics):
        return metrics, metric_names(compiled, metrics)
    fn = default_metrics()
    known = metric_names(compiled, fn)
    if metrics is None:
        return fn, known
    if isinstance(metrics, str):
        metrics = [metrics]
    keep = list(metrics)
    for m in keep:
        if m not in known:
            raise ValueError(f"unknown metric {m!r}; known metrics: " + ", ".join(known))
    if len(set(keep)) != len(keep):
        raise ValueError("metrics: names must not repeat")
    return fn, keep
