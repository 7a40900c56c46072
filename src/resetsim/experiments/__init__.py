"""Experiments: many runs of a scenario over a design of parameter values.

From the bottom up (each module imports only those above it in this list):

- ``schema``: the experiment file's pydantic models (grid, lhs, sobol and
  conditions designs), schema validation (:func:`parse`), shares
  (``"cycles >= 2"``, :func:`parse_share`), the contradictions preset.
- ``validate``: :func:`load` an experiment file with every check the schema
  cannot express (parameter names and bounds, sizes, conditions, metric names);
  the metrics function and the columns it needs.
- ``design``: design points (:func:`build_design`): grid, Latin hypercube
  (``scipy.stats.qmc``), Saltelli/Sobol' sample (:mod:`resetsim.analysis.sobol`),
  conditions.
- ``plan``: the run table fixed before anything runs (:func:`make_plan`):
  seeds of runs, chunks, the experiment hash; :class:`SweepError`.
- ``executors``: one chunk (:func:`run_chunk`: simulate, then metrics) and
  where chunks run: in process, a process pool, a Dask cluster.
- ``warm``: imported by the process pool's fork server: loads and warms what
  a chunk needs once, before the workers are forked from it.
- ``store``: a sweep's folder: chunk files, manifest, lock, combining, CSV.
- ``summary``: per-point and pooled summaries with 95% CIs, Sobol' indices,
  ``meta.json``.
- ``sweep``: :func:`sweep` (plan, dispatch, resume, finalize, figures).
- ``evaluate``: :func:`evaluate`, a DataFrame of parameter values in and
  outcomes out, in memory.

Statistics helpers are :mod:`resetsim.analysis.statistics`; the figures are
:mod:`resetsim.plotting.design`.
"""

from resetsim.core.request import ENGINES
from resetsim.experiments.design import DesignPoints, build_design, latin_hypercube
from resetsim.experiments.evaluate import evaluate
from resetsim.experiments.executors import basic_metrics, run_chunk
from resetsim.experiments.plan import Plan, SweepError, auto_chunk_size, make_plan
from resetsim.experiments.schema import Experiment, Share, parse, parse_share
from resetsim.experiments.summary import sobol_indices, summarize, summarize_pooled
from resetsim.experiments.sweep import SweepResult, finalize, sweep
from resetsim.experiments.validate import load, metric_names

__all__ = [
    "ENGINES",
    "DesignPoints",
    "Experiment",
    "Plan",
    "Share",
    "SweepError",
    "SweepResult",
    "auto_chunk_size",
    "basic_metrics",
    "build_design",
    "evaluate",
    "finalize",
    "latin_hypercube",
    "load",
    "make_plan",
    "metric_names",
    "parse",
    "parse_share",
    "run_chunk",
    "sobol_indices",
    "summarize",
    "summarize_pooled",
    "sweep",
]
