"""The figures of one scenario's runs, as ``resetsim run`` writes them and
:class:`resetsim.Result` draws them (one definition for both).

* :func:`plot_run`: ``trust.png``, the trusts with detected episodes marked
  and, below, the share of runs with a reset onset or failure each quarter;
* :func:`plot_projection`: ``fan.png``, the projection as fans with the
  probability of a new reset (and the scenario's forecast over it when it
  names one).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from resetsim.analysis.episodes import Episodes
from resetsim.analysis.metrics import onset_failure_probability, onset_failure_shares
from resetsim.plotting.fan import plot_fan
from resetsim.plotting.forecast import plot_forecast_fan
from resetsim.plotting.trust import plot_trust


def plot_run(result, ep: Episodes, marks: Any = None, title: str | None = None):
    """``trust.png``: :func:`~resetsim.plotting.trust.plot_trust` with the
    episodes ``marks`` (a table like ``episodes.csv``) on the relationship
    index of ``ep`` and the share of runs with an onset or a failure per quarter."""
    onset, failure = onset_failure_shares(ep)
    return plot_trust(
        result,
        episodes=marks,
        title=title,
        index=ep.index,
        onset_share=onset,
        failure_share=failure,
    )


def plot_projection(
    result,
    ep: Episodes,
    later_tick: int | None = None,
    forecast=None,
    forecast_probability: tuple[np.ndarray, np.ndarray] | None = None,
    observed=None,
):
    """``fan.png`` of a scenario with a ``projection_start``: with ``forecast``
    (its runs on the same seeds) and ``forecast_probability`` (its reset
    probability over time) the forecast drawn over the runs from the
    scenario's start, with the training points of ``observed`` (a read
    observations file) on their own scale
    (:func:`~resetsim.plotting.forecast.plot_forecast_fan`), else the fans
    with, from ``later_tick``, the probability once only random events remain
    (:func:`~resetsim.plotting.fan.plot_fan`).  Raises :class:`ValueError`
    when the scenario has no projection."""
    c = result.compiled
    if c.projection_tick is None:
        raise ValueError(f"{c.scenario.name} has no projection_start: there is no fan to draw")
    started, failed = onset_failure_probability(ep, c.projection_tick)
    if forecast is not None and forecast_probability is not None:
        given, _ = onset_failure_probability(ep, forecast.compiled.projection_tick)
        return plot_forecast_fan(
            result,
            forecast,
            started,
            failed,
            *forecast_probability,
            observed=observed,
            given_started=given,
        )
    later = None
    if later_tick is not None:
        later = (later_tick, *onset_failure_probability(ep, later_tick))
    return plot_fan(result, started, failed, later=later)
