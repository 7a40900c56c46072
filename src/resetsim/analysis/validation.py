"""Validation that can fail: null series, event timelines and the statistics that
tell a structure apart from noise (docs/VALIDATION.md).

* **Event timeline** (:func:`event_timeline`): per run and quarter, the
  *openings* (a scheduled or stochastic event of a warming kind, or a leader
  change to a leader whose drawn disposition is favourable, > 0) and the
  *negative events* (an event of a straining kind, a breach, or a leader change
  to a hostile leader), with a signed weight for each (the shot-noise null's
  impulses), from the engines' record of the runs' random events.
* **Nulls** (:func:`ar1_null`, :func:`shot_noise_null`): series with the
  baseline index's mean and sd (and lag-1 autocorrelation) but none of the
  model's structure.  :func:`detector_input` writes a null into the columns the
  detector reads, pre-inverted through its trailing smoother, so that the
  *same* detector sees exactly the null series as its relationship index.
* **Per-run counts** (:func:`validation_metrics`): onsets within two quarters
  after an opening, failures with no negative event in the four quarters
  before, rise and fall durations; pooled over runs by
  :data:`POOLED_SHARES` (numerator and denominator summed, Wilson interval).

Pure numpy on arrays over runs; builds on :mod:`resetsim.analysis.episodes` and
:mod:`resetsim.analysis.triggers`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from resetsim.analysis.episodes import Episodes, per_run
from resetsim.analysis.statistics import row_nanmean
from resetsim.analysis.triggers import warming_score
from resetsim.core.attitude import logit
from resetsim.core.columns import detection_columns, trust_columns
from resetsim.core.shocks import intensity_scale

#: Quarters after an opening in which an onset counts as following it (inclusive).
OPENING_LAG = 2
#: Quarters before a failure searched for a negative event (plus the failure's own).
FAILURE_LOOKBACK = 4
#: The null kinds a condition may name, with their codes in a chunk.
NULLS: dict[str, int] = {"ar1": 1, "shot_noise": 2}
#: Salt of the null draws: run seed -> ``default_rng([seed, NULL_SALT])``.
NULL_SALT = 0x5EED9

#: Pooled shares of the summary: ``name: (numerator metric, denominator metric)``.
POOLED_SHARES: dict[str, tuple[str, str]] = {
    "share_onsets_after_opening": ("onsets_after_opening", "resets"),
    "share_failures_endogenous": ("failures_endogenous", "failures"),
}
#: Per-run metrics this module adds to :func:`resetsim.analysis.metrics.run_metrics`.
VALIDATION_METRICS: tuple[str, ...] = (
    "onsets_after_opening",
    "failures_endogenous",
    "mean_rise",
    "mean_fall",
    "rise_fall_asymmetry",
)


# --------------------------------------------------------------------------
# the event timeline


def event_timeline(
    compiled,
    n: int = 1,
    p: Any = None,
    fired: np.ndarray | None = None,
    leader_z: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(opening, negative, weight)``, each ``(runs, ticks)``, of a scenario's runs.

    ``opening`` and ``negative`` are bool; ``weight`` the sum of the signed
    strengths of the quarter's events (warming score times intensity scale;
    a leader change counts its disposition) of ``n`` runs.  ``fired`` and
    ``leader_z`` are the engines' record of the runs' random events
    (:class:`resetsim.results.Trajectories`); without them only scheduled
    events and fixed dispositions are known: stochastic events count as not
    fired and drawn dispositions as their means.
    """
    T = compiled.n_ticks
    weight = np.zeros((n, T))
    opening = np.zeros((n, T), dtype=bool)
    negative = np.zeros((n, T), dtype=bool)
    sc = compiled.scenario
    kinds = sc.all_kinds()
    ideol = [init["ideology"] for init in compiled.initial]

    def add(rows: Any, t: int, score: Any, breach: bool = False) -> None:
        score = np.asarray(score, dtype=float)
        weight[rows, t] += score
        opening[rows, t] |= score > 0
        negative[rows, t] |= (score < 0) | breach

    events = {ev.id: ev for ev in sc.events}
    for m in compiled.markers:
        ev = events.get(m.id)
        if ev is None or ev.kind not in kinds:
            continue
        kind = kinds[ev.kind]
        actor = compiled.state_ids.index(ev.actor)
        score = warming_score(kind, actor, ideol, sc.effect_sizes) * intensity_scale(ev.intensity)
        add(slice(None), m.tick, np.full(n, score), bool(getattr(kind, "breach", False)))
    if compiled.n_processes and fired is not None:
        for i, pr in enumerate(sc.stochastic):
            kind = kinds[pr.kind]
            actor = compiled.state_ids.index(pr.actor)
            score = warming_score(kind, actor, ideol, sc.effect_sizes) * intensity_scale(
                pr.intensity
            )
            for t in np.flatnonzero(fired[:, :, i].any(axis=0)):
                rows = np.flatnonzero(fired[:, t, i])
                add(rows, int(t), np.full(len(rows), score), bool(getattr(kind, "breach", False)))
    if leader_z is not None and not leader_z.size:
        leader_z = None
    for s, t0, _t1, _name in compiled.leader_terms:
        if t0 <= 0 or not np.isfinite(compiled.disposition[t0, s]):
            continue
        d = compiled.disposition[t0, s]
        k = compiled.term_index[t0, s]
        if k >= 0 and compiled.term_sd[k] > 0 and leader_z is not None:
            d = np.clip(d + compiled.term_sd[k] * leader_z[:, k], -1.0, 1.0)
        add(slice(None), t0, np.broadcast_to(np.asarray(d, dtype=float), (n,)))
    return opening, negative, weight


# --------------------------------------------------------------------------
# per-run statistics


def onsets_after_opening(ep: Episodes, opening: np.ndarray, lag: int = OPENING_LAG) -> np.ndarray:
    """Per run: onsets with an opening in the quarters ``onset - lag .. onset``."""
    return _hits(ep.onset, ep.observed_onset, opening, lag)


def failures_endogenous(
    ep: Episodes, negative: np.ndarray, lookback: int = FAILURE_LOOKBACK
) -> np.ndarray:
    """Per run: failures with *no* negative event in ``failure - lookback .. failure``."""
    hit = _hits(ep.failure, ep.failed, negative, lookback)
    return ep.failed.sum(axis=1) - hit


def _hits(ticks: np.ndarray, mask: np.ndarray, events: np.ndarray, lag: int) -> np.ndarray:
    """Per run: the episodes (``mask``) with an event in ``tick - lag .. tick``."""
    n, T = events.shape
    # cumulative count of events up to each tick: window sum by two lookups
    cum = np.concatenate([np.zeros((n, 1)), np.cumsum(events, axis=1)], axis=1)
    t = np.clip(ticks, 0, T - 1)
    a = np.clip(t - lag, 0, T)
    rows = np.arange(n)[:, None]
    inside = cum[rows, t + 1] - cum[rows, a] > 0
    return (inside & mask).sum(axis=1).astype(float)


def rise_fall(ep: Episodes) -> tuple[np.ndarray, np.ndarray]:
    """Per episode: quarters of the rise (pre-low to peak) and of the fall (peak to
    the next low), NaN where not observed."""
    rise = np.where(ep.observed_onset & (ep.peak >= 0), ep.peak - ep.pre_low, np.nan)
    fall = np.where(ep.failed & (ep.low >= 0) & ~ep.low_final, ep.low - ep.peak, np.nan)
    return rise.astype(float), fall.astype(float)


def validation_metrics(
    compiled,
    ep: Episodes,
    p: Any = None,
    fired: np.ndarray | None = None,
    leader_z: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """:data:`VALIDATION_METRICS`, one value per run (counts as floats).

    Event-based counts need the engines' record of the runs' random events
    (``fired``, ``leader_z``) when the scenario has stochastic events or drawn
    dispositions; without it they are NaN (and so they are when ``compiled``
    is not the whole scenario the runs cover, e.g. a comparison over a cut
    period).
    """
    n = ep.n_runs
    out: dict[str, np.ndarray] = {}
    whole = getattr(compiled, "n_ticks", None) == ep.n_ticks
    unknown = whole and (
        (compiled.n_processes > 0 and fired is None)
        or (bool(np.any(np.asarray(compiled.term_sd) > 0)) and leader_z is None)
    )
    if not whole or unknown:
        out["onsets_after_opening"] = np.full(n, np.nan)
        out["failures_endogenous"] = np.full(n, np.nan)
    else:
        opening, negative, _w = event_timeline(compiled, n, p, fired, leader_z)
        opening = np.broadcast_to(opening, (n, ep.n_ticks))
        negative = np.broadcast_to(negative, (n, ep.n_ticks))
        out["onsets_after_opening"] = onsets_after_opening(ep, opening)
        out["failures_endogenous"] = failures_endogenous(ep, negative)
    rise, fall = rise_fall(ep)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = row_nanmean(rise)
        f = row_nanmean(fall)
        out["mean_rise"] = r
        out["mean_fall"] = f
        out["rise_fall_asymmetry"] = (r - f) / (r + f)
    return out


# --------------------------------------------------------------------------
# nulls


def moments(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: mean, sd (population) and lag-1 autocorrelation of ``x`` ``(runs, T)``."""
    x = np.atleast_2d(np.asarray(x, dtype=float))
    m = x.mean(axis=1)
    d = x - m[:, None]
    var = (d * d).mean(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (d[:, 1:] * d[:, :-1]).sum(axis=1) / (d * d).sum(axis=1)
    return m, np.sqrt(var), np.where(var > 0, r, 0.0)


def null_rng(seed: int) -> np.random.Generator:
    """The generator of a run's null draws: from its own seed (chunk-independent)."""
    return np.random.default_rng([int(seed) & (2**63 - 1), NULL_SALT])


def ar1_null(index: np.ndarray, seeds: Sequence[int]) -> np.ndarray:
    """A Gaussian AR(1) per run with the mean, sd and lag-1 autocorrelation of
    that run's ``index``, started from its stationary law; draws from the run's seed."""
    x = np.atleast_2d(np.asarray(index, dtype=float))
    n, T = x.shape
    m, s, r = moments(x)
    r = np.clip(r, -0.999, 0.999)
    out = np.empty((n, T))
    for i in range(n):
        e = null_rng(int(seeds[i])).standard_normal(T)
        y = np.empty(T)
        y[0] = e[0]
        c = np.sqrt(1.0 - r[i] ** 2)
        for t in range(1, T):
            y[t] = r[i] * y[t - 1] + c * e[t]
        out[i] = m[i] + s[i] * y
    return out


def shot_noise_null(index: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Shot noise per run: each event of the run's timeline a decaying impulse
    (signed ``weight``, decay per quarter = the index's lag-1 autocorrelation),
    no feedbacks; rescaled to the index's mean and sd (flat at the mean if
    the run has no events).  Deterministic given the timeline."""
    x = np.atleast_2d(np.asarray(index, dtype=float))
    n, T = x.shape
    w = np.broadcast_to(np.asarray(weight, dtype=float), (n, T))
    m, s, r = moments(x)
    d = np.clip(r, 0.0, 0.99)
    z = np.empty((n, T))
    z[:, 0] = w[:, 0]
    for t in range(1, T):
        z[:, t] = d * z[:, t - 1] + w[:, t]
    zm, zs, _ = moments(z)
    with np.errstate(invalid="ignore", divide="ignore"):
        scaled = (z - zm[:, None]) / zs[:, None]
    scaled = np.where(zs[:, None] > 0, scaled, 0.0)
    return m[:, None] + s[:, None] * scaled


def unsmooth(y: np.ndarray, alpha: Any) -> np.ndarray:
    """The input ``x`` whose trailing smoothing (:func:`resetsim.analysis.episodes.smooth`,
    weight ``alpha`` on the past) is ``y``: ``x_t = (y_t - a y_{t-1}) / (1 - a)``."""
    y = np.atleast_2d(np.asarray(y, dtype=float))
    a = per_run(alpha, y.shape[0])[:, None]
    x = y.copy()
    x[:, 1:] = (y[:, 1:] - a * y[:, :-1]) / (1.0 - a)
    return x


def detector_input(
    data: Mapping[str, np.ndarray],
    state_ids: Sequence[str],
    series: np.ndarray,
    rows: np.ndarray,
    p: Mapping[str, Any],
) -> dict[str, np.ndarray]:
    """``data`` with rows ``rows`` replaced so that the detector's relationship
    index of those rows is exactly ``series`` (both trusts and cooperation set
    to the unsmoothed series; the other columns are left as simulated)."""
    n = len(next(iter(data.values())))
    alpha = per_run(p["det_smoothing"], n)[rows]
    x = unsmooth(series, alpha)
    # a latent trust is read as its share: write the logit of the series there
    lat = per_run(p.get("latent_trust", 0.0), n)[rows][:, None]
    trusts = set(trust_columns(state_ids))
    out = dict(data)
    for c in detection_columns(state_ids):
        col = np.array(data[c], dtype=float, copy=True)
        col[rows] = lat * logit(x) + (1.0 - lat) * x if c in trusts else x
        out[c] = col
    return out
