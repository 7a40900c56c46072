"""What a run reports: the per-run metrics a sweep, a calibration and a
comparison read.

:func:`run_metrics` is the shipped metrics function (experiments use it unless
told otherwise): it detects the episodes of a scenario's recorded runs
(:mod:`resetsim.analysis.episodes`), adds their spiral measures, the shares of
time in partnership and confrontation, the final index and trusts and, when the
scenario names a targets file, the fidelity metrics
(:mod:`resetsim.analysis.fidelity`).  :func:`required_columns` names the
recorded columns it needs (a sweep records at least these; experiments look it
up on the metrics function's module).  :func:`onset_failure_probability` gives
the share of runs with a reset started (and failed) by each quarter.

To add a metric: compute it in :func:`run_metrics` from ``ep`` or ``data`` and
name it in :data:`BASE_METRICS` (docs/ARCHITECTURE.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from resetsim.analysis import fidelity
from resetsim.analysis.episodes import Episodes, detect_runs, params_for, per_run, spiral_measures
from resetsim.analysis.validation import VALIDATION_METRICS, validation_metrics
from resetsim.core.columns import detection_columns
from resetsim.results import FIRED, LEADER_Z

#: The metric names :func:`run_metrics` always returns (plus ``final_<id>_trust``
#: for each state, and the fidelity metrics when the scenario names targets).
BASE_METRICS: tuple[str, ...] = (
    "resets",
    "cycles",
    "failures",
    "open_episode",
    "trough_trend",
    "peak_trend",
    "lows_descending",
    "last_low",
    "mean_honeymoon",
    "mean_duration",
    "mean_depth",
    "share_partnership",
    "share_confrontation",
    "final_index",
    *VALIDATION_METRICS,
)
#: Extra metrics when the scenario has a targets file (see :mod:`resetsim.analysis.fidelity`).
FIDELITY_METRICS: tuple[str, ...] = (
    "fidelity_score",
    "targets_matched",
    "targets_in_window",
    "spurious",
)


def required_columns(state_ids: Sequence[str]) -> list[str]:
    """The trajectory columns :func:`run_metrics` needs (record at least these in a
    sweep): detection's columns, :func:`resetsim.core.columns.detection_columns`."""
    return detection_columns(state_ids)


def metric_names(compiled) -> list[str]:
    """The names :func:`run_metrics` returns for a scenario, in its order,
    without running it (the fidelity ones when it names a targets file)."""
    names = [*BASE_METRICS, *(f"final_{sid}_trust" for sid in compiled.state_ids)]
    if compiled.targets is not None:
        names += fidelity.metric_names(compiled.targets, compiled)
    return names


def run_metrics(
    compiled, data: Mapping[str, np.ndarray], p=None, keep: Sequence[str] | None = None
) -> dict[str, np.ndarray]:
    """Episode measures, one value per run (arrays of length ``n_runs``).

    ``compiled`` is a :class:`resetsim.scenario.Compiled`; ``data`` maps column
    names to ``(runs, ticks)`` arrays as in ``Trajectories.data`` (it needs at
    least :func:`required_columns`); ``p`` holds parameters (default: the
    scenario's; only the ``det_*`` ones are read, floats or per-run arrays).

    Returns :data:`BASE_METRICS`, ``final_<state id>_trust`` for both states
    and, when the scenario names a targets file, :data:`FIDELITY_METRICS`
    (see :mod:`resetsim.analysis.fidelity`).  Counts are floats so every metric can be
    averaged alike.  ``data`` may carry the engines' record of random events
    (``fired``, ``leader_z``: :meth:`resetsim.results.Trajectories.with_events`):
    the event-based counts of :mod:`resetsim.analysis.validation` need it when
    the scenario has stochastic events (NaN without).

    ``keep`` (a sweep's stored metrics) lets it skip the validation and the
    fidelity metrics when none of theirs is wanted and the spiral measures it
    does not name (:func:`resetsim.analysis.episodes.spiral_measures`; the
    others are cheap and always returned); None computes everything.
    """
    p = params_for(compiled, p)
    ids = compiled.state_ids
    ep = detect_runs(compiled, data, p)
    out = spiral_measures(ep, keep=keep)
    n = ep.n_runs
    x = ep.index
    part = per_run(p["det_partnership"], n)[:, None]
    conf = per_run(p["det_confrontation"], n)[:, None]
    out["share_partnership"] = (x >= part).mean(axis=1)
    out["share_confrontation"] = (x <= conf).mean(axis=1)
    out["final_index"] = x[:, -1].copy()
    wanted = None if keep is None else set(keep)
    if wanted is None or wanted & set(VALIDATION_METRICS):
        out.update(validation_metrics(compiled, ep, p, data.get(FIRED), data.get(LEADER_Z)))
    for sid in ids:
        out[f"final_{sid}_trust"] = np.asarray(data[f"{sid}_trust"], dtype=float)[:, -1].copy()
    if compiled.targets is not None and (wanted is None or wanted & set(FIDELITY_METRICS)):
        scores = fidelity.score(compiled.targets, compiled, ep)
        out.update(scores.metrics())
    return out


# --------------------------------------------------------------------------
# probabilities over time (the projection's lower panel)


def onset_failure_shares(ep: Episodes) -> tuple[np.ndarray, np.ndarray]:
    """Share of runs with a reset onset (first array) and with a failure
    (second array) in each tick: the lower panel of the trust figure."""
    n, T = ep.n_runs, ep.n_ticks
    onset = np.bincount(ep.onset[ep.observed_onset], minlength=T)[:T] / n
    failure = np.bincount(ep.failure[ep.failed], minlength=T)[:T] / n
    return onset, failure


def onset_failure_probability(ep: Episodes, from_tick: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Share of runs, at each tick, in which a reset has started at or after
    ``from_tick`` (first array) and in which such a reset has also failed
    (second array), both cumulative up to that tick."""
    n, T = ep.n_runs, ep.n_ticks
    on = np.where(ep.observed_onset & (ep.onset >= from_tick), ep.onset, T)
    first_on = on.min(axis=1) if on.shape[1] else np.full(n, T)
    fl = np.where(ep.complete & (ep.onset >= from_tick), ep.failure, T)
    first_fail = fl.min(axis=1) if fl.shape[1] else np.full(n, T)
    ticks = np.arange(T)
    started = (first_on[:, None] <= ticks[None, :]).mean(axis=0)
    failed = (first_fail[:, None] <= ticks[None, :]).mean(axis=0)
    return started, failed
