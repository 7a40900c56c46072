"""The tables a batch of runs produces, in memory.

One definition of each table, used by the files ``resetsim run`` writes
(:mod:`resetsim.output.run`) and by the Python API (:class:`resetsim.api.Result`),
so that a notebook sees exactly what the files hold:

* the trajectory (``trajectory.csv``): :meth:`RunResult.frame
  <resetsim.results.RunResult.frame>`;
* the episodes (``episodes.csv``): :func:`episode_table`;
* the metrics, one row per run: :func:`metric_table`;
* the fidelity to the scenario's targets (``fidelity.csv``,
  ``fidelity_runs.csv``): :func:`fidelity_scores`.

Every function reads a :class:`~resetsim.results.RunResult` with the
parameters it was run with (:func:`run_params`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from resetsim.analysis import fidelity
from resetsim.analysis.episodes import Episodes, detect_runs
from resetsim.analysis.metrics import run_metrics
from resetsim.analysis.triggers import episode_table as _episode_table
from resetsim.core.columns import detection_columns
from resetsim.core.params import Params
from resetsim.results import RunResult
from resetsim.scenario import Compiled
from resetsim.scenario.targets import Windows

#: Float format of every CSV table a run writes.
FLOAT_FORMAT = "%.6f"


def run_params(result: RunResult) -> Params:
    """Every parameter as the runs used it (defaults, scenario, overrides)."""
    return result.compiled.params(result.params)


def targets(compiled: Compiled) -> Windows | None:
    """The scenario's target windows, or None when it names no targets file."""
    return compiled.targets


def detect(result: RunResult) -> Episodes:
    """The reset episodes detected in each run (on the relationship index)."""
    return detect_runs(result.compiled, result.trajectories.data, run_params(result))


def episode_table(
    result: RunResult, ep: Episodes | None = None, windows: Windows | None = None
) -> pd.DataFrame:
    """One row per detected episode and run, as in ``episodes.csv``.

    ``ep`` and ``windows`` may be passed when already computed (default:
    :func:`detect` and :func:`targets`); with targets the table has a
    ``target`` column naming the matched target.
    """
    c = result.compiled
    ep = detect(result) if ep is None else ep
    windows = targets(c) if windows is None else windows
    return _episode_table(c, ep, run_params(result), fired=result.fired, targets=windows)


def median_episodes(result: RunResult) -> pd.DataFrame:
    """Episodes of the median trajectory (the median of each input column across
    runs): what the trust figure's median lines show."""
    c = result.compiled
    p = run_params(result)
    data = result.trajectories.data
    med = {k: np.median(data[k], axis=0)[None, :] for k in detection_columns(c.state_ids)}
    return _episode_table(c, detect_runs(c, med, p), p)


def after_scheduled(c: Compiled) -> int | None:
    """The first quarter of the projection after its last scheduled event and
    leader change, if any is left (from then on only random events move it)."""
    p0 = c.projection_tick
    if p0 is None:
        return None
    t = max([p0 - 1, *(m.tick for m in c.markers if m.tick >= p0)]) + 1
    return t if p0 < t < c.n_ticks else None


def metric_table(result: RunResult) -> pd.DataFrame:
    """One row per run: ``run``, ``seed`` and the metrics of
    :func:`resetsim.analysis.metrics.run_metrics` (with the fidelity metrics
    when the scenario names targets)."""
    metrics = run_metrics(result.compiled, result.trajectories.data, run_params(result))
    return pd.DataFrame(
        {
            "run": np.arange(result.n_runs),
            "seed": np.asarray(result.seeds, dtype=np.int64),
            **{k: np.asarray(v, dtype=float) for k, v in metrics.items()},
        }
    )


def fidelity_scores(
    result: RunResult, ep: Episodes | None = None, windows: Windows | None = None
) -> fidelity.Scores | None:
    """The runs scored against the scenario's targets, or None without targets.

    ``Scores.summary()`` is ``fidelity.csv``, ``Scores.per_run()``
    ``fidelity_runs.csv``.
    """
    windows = targets(result.compiled) if windows is None else windows
    if windows is None:
        return None
    ep = detect(result) if ep is None else ep
    return fidelity.score(windows, result.compiled, ep)
