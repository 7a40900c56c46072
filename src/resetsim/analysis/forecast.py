"""Scoring a forecast: the probability its runs give each question of an
outcomes file, the answer that happened, proper scores, and naive forecasts.

A question (:class:`resetsim.scenario.outcomes.Outcome`) is an event on a
run, computed from the run's trajectories, its detected episodes and the
events that fired (the engines' record,
:attr:`resetsim.results.Trajectories.fired`).  The model's probability is
the share of runs where the event happens.  Two naive forecasts read the
question's ``past`` dates in the reference period: *climatology* (the share
of windows of the question's length holding one) and *persistence* (1 if one
fell in the window just before the origin, else 0).

Scores, lower is better: Brier ``(p - y)^2`` and the log loss ``-ln(p)`` if
it happened, ``-ln(1 - p)`` if not, with ``p`` clipped to ``[floor, 1 - floor]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from resetsim.analysis.episodes import Episodes, detect_runs, relationship_index
from resetsim.analysis.metrics import onset_failure_probability
from resetsim.core import calendar as cal
from resetsim.results import RunResult
from resetsim.scenario import Compiled
from resetsim.scenario.outcomes import Outcome, OutcomesFile


def _tick(compiled: Compiled, value) -> int:
    """The tick of a date's quarter, clipped to the run."""
    q = cal.parse_quarter(value) - int(compiled.quarters[0])
    return int(np.clip(q, 0, compiled.n_ticks - 1))


def _matches(kind: str, actor: str, intensity: int, o: Outcome) -> bool:
    return (
        kind in o.kinds and (o.actor is None or actor == o.actor) and intensity >= o.min_intensity
    )


def onset_between(ep: Episodes, t0: int, t1: int) -> np.ndarray:
    """Per run: whether a reset's onset is observed from tick ``t0`` to ``t1``
    (both included)."""
    return (ep.observed_onset & (ep.onset >= t0) & (ep.onset <= t1)).any(axis=1)


def happens(
    o: Outcome,
    compiled: Compiled,
    t0: int,
    index: np.ndarray,
    ep: Episodes,
    fired: np.ndarray,
) -> np.ndarray:
    """Per run: whether the question's event happens from tick ``t0`` to ``o.by``.

    ``index`` is the relationship index ``(runs, ticks)``, ``ep`` the
    episodes detected on it, ``fired`` the engines' record of fired events
    ``(runs, ticks, processes)``."""
    n = index.shape[0]
    t1 = _tick(compiled, o.by)
    if o.measure == "reset_onset":
        return onset_between(ep, t0, t1)
    if o.measure == "record_low":
        s = _tick(compiled, o.since) if o.since is not None else 0
        before = index[:, s:t0].min(axis=1)
        return index[:, t0 : t1 + 1].min(axis=1) < before
    sc = compiled.scenario
    scheduled = any(
        t0 <= _tick(compiled, ev.date) <= t1 and _matches(ev.kind, ev.actor, ev.intensity, o)
        for ev in sc.events
    )
    out = np.full(n, scheduled)
    for i, pr in enumerate(sc.stochastic):
        if _matches(pr.kind, pr.actor, pr.intensity, o):
            out |= fired[:, t0 : t1 + 1, i].any(axis=1)
    return out


def past_quarters(o: Outcome, compiled: Compiled, reference: tuple[int, int]) -> list[int]:
    """The quarters of the question's past occurrences in the reference period:
    its ``past`` dates, or (an ``events`` question without them) the
    scenario's dated events that match it."""
    if o.past is not None:
        qs = [cal.parse_quarter(d) for d in o.past]
    else:
        qs = [
            cal.parse_quarter(ev.date)
            for ev in compiled.scenario.events
            if _matches(ev.kind, ev.actor, ev.intensity, o)
        ]
    return sorted(q for q in set(qs) if reference[0] <= q <= reference[1])


def climatology(past: Sequence[int], length: int, reference: tuple[int, int]) -> float:
    """The share of windows of ``length`` quarters inside ``reference`` that
    hold at least one of the ``past`` quarters (NaN if none fits)."""
    starts = np.arange(reference[0], reference[1] - length + 2)
    if starts.size == 0:
        return float("nan")
    q = np.asarray(past, dtype=np.int64)
    hit = [bool(((q >= w) & (q < w + length)).any()) for w in starts]
    return float(np.mean(hit))


def persistence(past: Sequence[int], length: int, origin: int) -> float:
    """1 if one of the ``past`` quarters falls in the ``length`` quarters just
    before ``origin``, else 0: "the next window will be like the last"."""
    return float(any(origin - length <= q < origin for q in past))


def brier(p, y) -> np.ndarray:
    """Brier score ``(p - y)^2`` (0 best, 1 worst)."""
    return (np.asarray(p, float) - np.asarray(y, float)) ** 2


def log_loss(p, y, floor: float = 0.01) -> np.ndarray:
    """``-ln`` of the probability given to what happened, ``p`` clipped to
    ``[floor, 1 - floor]`` (0 best; ``-ln(floor)`` worst)."""
    p = np.clip(np.asarray(p, float), floor, 1.0 - floor)
    y = np.asarray(y, bool)
    return -np.log(np.where(y, p, 1.0 - p))


@dataclass
class ForecastCheck:
    """The table (one row per question) and the mean scores per forecaster."""

    table: pd.DataFrame
    means: pd.DataFrame

    FORECASTERS = ("model", "climatology", "persistence")

    def skill(self, score: str = "brier") -> dict[str, float]:
        """Skill of the model against each naive forecast: ``1 - S_model / S_naive``
        (positive: the model beats it)."""
        m = self.means
        s_model = float(m.loc["model", score])
        return {
            ref: (1.0 - s_model / float(m.loc[ref, score]))
            if float(m.loc[ref, score]) > 0
            else float("nan")
            for ref in ("climatology", "persistence")
        }


#: The questions whose answer the model makes (the others are events, which a
#: scenario of what happened holds as inputs).
MODEL_MEASURES = ("reset_onset", "record_low")


def check(
    spec: OutcomesFile,
    compiled: Compiled,
    index: np.ndarray,
    ep: Episodes,
    fired: np.ndarray,
    given: tuple[Compiled, np.ndarray, Episodes] | None = None,
) -> ForecastCheck:
    """Score a forecast's runs (``compiled``, ``index``, ``ep``, ``fired``)
    against the outcomes ``spec``: probabilities, answers, Brier and log scores
    of the model and of the two naive forecasts.  With ``given`` (the runs of
    what happened: their compiled scenario, index and episodes) each question
    the model answers itself (:data:`MODEL_MEASURES`) also gets
    ``p_given_events``, the share of those runs in which it happens: what the
    model says once it knows the events, so a miss the events explain can be
    told from one they do not (NaN for event questions)."""
    origin = cal.parse_quarter(spec.origin)
    t0 = _tick(compiled, spec.origin)
    ref = (cal.parse_quarter(spec.reference[0]), cal.parse_quarter(spec.reference[1]))
    rows = []
    for o in spec.outcomes:
        length = cal.parse_quarter(o.by) - origin + 1
        yes = happens(o, compiled, t0, index, ep, fired)
        past = past_quarters(o, compiled, ref)
        probs = {
            "model": float(np.mean(yes)),
            "climatology": climatology(past, length, ref),
            "persistence": persistence(past, length, origin),
        }
        row = {
            "id": o.id,
            "question": o.question,
            "by": cal.quarter_label(cal.parse_quarter(o.by)),
            "happened": bool(o.happened),
            "date": str(o.date),
        }
        for name, pr in probs.items():
            row[f"p_{name}"] = pr
            row[f"brier_{name}"] = float(brier(pr, o.happened))
            row[f"log_{name}"] = float(log_loss(pr, o.happened, spec.log_floor))
        row["p_given_events"] = float("nan")
        if given is not None and o.measure in MODEL_MEASURES:
            g_comp, g_index, g_ep = given
            none = np.zeros((g_index.shape[0], g_index.shape[1], 0), dtype=bool)
            g_t0 = _tick(g_comp, spec.origin)
            row["p_given_events"] = float(np.mean(happens(o, g_comp, g_t0, g_index, g_ep, none)))
        row["source"] = o.source
        rows.append(row)
    table = pd.DataFrame(rows)
    means = pd.DataFrame(
        {
            "brier": [table[f"brier_{f}"].mean() for f in ForecastCheck.FORECASTERS],
            "log": [table[f"log_{f}"].mean() for f in ForecastCheck.FORECASTERS],
        },
        index=list(ForecastCheck.FORECASTERS),
    )
    return ForecastCheck(table, means)


def episodes_and_index(run: RunResult) -> tuple[Episodes, np.ndarray]:
    """The detected episodes of a batch of runs and the relationship index they read."""
    p = run.compiled.params(run.params)
    data = run.trajectories.data
    index = relationship_index(data, run.compiled.state_ids, p)
    return detect_runs(run.compiled, data, p), index


def check_forecast(result: RunResult) -> ForecastCheck | None:
    """Score ``result``'s forecast runs (``result.forecast``, run by
    :func:`resetsim.engines.runner.run_forecast`) against the outcomes file its
    scenario names; None without a forecast run or outcomes."""
    forecast, spec = result.forecast, result.compiled.outcomes
    if forecast is None or spec is None:
        return None
    ep, index = episodes_and_index(forecast)
    if forecast.fired is None:
        raise ValueError("the forecast's runs hold no record of fired events")
    g_ep, g_index = episodes_and_index(result)
    given = (result.compiled, g_index, g_ep)
    return check(spec, forecast.compiled, index, ep, forecast.fired, given)


def reset_probability(forecast: RunResult) -> tuple[np.ndarray, np.ndarray]:
    """The forecast's share of runs with a new reset started / also failed by
    each quarter, from its origin (for the figure)."""
    ep, _ = episodes_and_index(forecast)
    return onset_failure_probability(ep, forecast.compiled.projection_tick)
