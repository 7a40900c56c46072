"""Reset episodes, detected from a trajectory alone.

The paper's claim is about *episodes*: a reset (relations ease), its peak and
its failure (relations fall back), over and over, each low lower than the last.
Nothing in a scenario says "reset" or "failure"; this module finds them in the
recorded numbers, never in the event list.  The reasoning behind each choice
and threshold is in ``docs/EPISODES.md``.

1. **Relationship index** (:func:`relationship_index`): per run and quarter,
   ``(1 - w) * mean(both trusts) + w * cooperation`` with ``w =
   det_coop_weight``, then a trailing exponential smoothing (``det_smoothing``;
   trailing so that an onset is never dated before its cause).
2. **Hysteresis** (:func:`detect`): a run is *low* (tracking its running
   minimum) or *in an episode* (tracking its running maximum).  An **onset** is
   confirmed when the index has risen ``det_rise`` above the low for
   ``det_persist`` quarters in a row; it is dated at the first quarter of the
   rise (the quarter after the low).  A **failure** is confirmed when the index
   has fallen below the episode's peak by ``max(det_fall, det_fall_share *
   gain)`` for ``det_persist`` quarters in a row (``gain`` = peak minus the low
   before the onset); it is dated at the first of those quarters.  The **low**
   of a failed episode is the minimum between its peak and the next onset (or
   the end of the run, then provisional).  A run that starts mid-episode (it
   falls before it ever rises) gets a *left-censored* episode: no onset, a peak,
   a failure.  An episode still open at the end has no failure.
3. **Spiral measures** (:func:`spiral_measures`): one number per run,
   vectorised over runs (numpy over the run axis, a loop over time only),
   cheap enough for sweeps over tens of thousands of runs.  The full set a run
   reports (with shares of time, final trusts and fidelity) is
   :func:`resetsim.analysis.metrics.run_metrics`.

Thresholds are registry parameters (group ``detection``); ``resetsim params
--group detection`` lists them.  This module imports no other part of
:mod:`resetsim.analysis`: fidelity, metrics and triggers build on it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from resetsim.analysis.statistics import row_nanmean
from resetsim.core.columns import COOPERATION
from resetsim.core.dynamics import sigmoid
from resetsim.core.params import PARAM_BY_NAME

#: Detection parameters (all in the registry's ``detection`` group).
DETECTION_PARAMS: tuple[str, ...] = (
    "det_coop_weight",
    "det_smoothing",
    "det_rise",
    "det_fall",
    "det_fall_share",
    "det_persist",
    "det_trigger_lookback",
    "det_partnership",
    "det_confrontation",
)

_GROW = 8


def params_for(compiled, p) -> Mapping[str, Any]:
    """The parameters detection reads: ``p`` (completed with the registry's
    defaults when a ``det_*`` one is missing), else the scenario's (``compiled``),
    else the registry's defaults."""
    if p is None:
        return compiled.params() if compiled is not None else _defaults()
    missing = [k for k in DETECTION_PARAMS if k not in p]
    if missing:
        base = dict(_defaults())
        base.update(p)
        return base
    return p


#: From this many runs on, detection runs compiled (:mod:`resetsim.analysis.detection`:
#: the same numbers, bit for bit); fewer are not worth loading numba for.
COMPILED_FROM_RUNS = 256


def compiled_for(x: np.ndarray) -> bool:
    """Whether the index of runs ``x`` ``(runs, ticks)`` is detected compiled."""
    return x.ndim == 2 and x.shape[0] >= COMPILED_FROM_RUNS and x.shape[1] >= 1


def _defaults() -> dict[str, float]:
    return {k: PARAM_BY_NAME[k].default for k in DETECTION_PARAMS}


def per_run(value: Any, n: int) -> np.ndarray:
    """A parameter as a float array of length ``n`` (scalars broadcast)."""
    return np.broadcast_to(np.asarray(value, dtype=float), (n,)).astype(float)


# --------------------------------------------------------------------------
# the relationship index


def relationship_index(
    data: Mapping[str, np.ndarray], state_ids: Sequence[str], p: Mapping[str, Any] | None = None
) -> np.ndarray:
    """The smoothed relationship index ``(runs, ticks)`` that detection reads.

    ``(1 - w) * (trust_a + trust_b) / 2 + w * cooperation`` (``w =
    det_coop_weight``; a trust on the latent scale read as its share,
    :func:`resetsim.core.dynamics.trust_share`), smoothed by a trailing
    exponential filter with weight ``det_smoothing`` on the past.  Both
    trusts: a reset needs both sides (the paper's resets are mutual);
    cooperation: the reset's visible content, which moves before slow trust
    does (docs/THEORY.md §1).
    """
    p = params_for(None, p)
    a = np.asarray(data[f"{state_ids[0]}_trust"], dtype=float)
    b = np.asarray(data[f"{state_ids[1]}_trust"], dtype=float)
    a2 = np.atleast_2d(a)
    n = a2.shape[0]
    w = per_run(p["det_coop_weight"], n)[:, None]
    # a latent attitude (latent_trust = 1) is read as its favourable share
    lat = per_run(p.get("latent_trust", 0.0), n)[:, None]
    b2 = np.atleast_2d(b)
    if compiled_for(a2):  # the shares, the blend and the smoothing compiled (the same numbers)
        from resetsim.analysis import detection  # deferred: numba

        blend = bool(np.any(w > 0))
        coop = np.atleast_2d(np.asarray(data[COOPERATION], dtype=float)) if blend else a2
        cast = [np.ascontiguousarray(v, dtype=float) for v in (a2, b2, coop)]
        alpha = per_run(p["det_smoothing"], n)
        return detection.relationship_index(*cast, w[:, 0], lat[:, 0], alpha)
    a2 = lat * sigmoid(a2) + (1.0 - lat) * a2
    b2 = lat * sigmoid(b2) + (1.0 - lat) * b2
    x = 0.5 * (a2 + b2)
    if np.any(w > 0):
        coop = np.atleast_2d(np.asarray(data[COOPERATION], dtype=float))
        x = (1.0 - w) * x + w * coop
    return smooth(x, p["det_smoothing"])


def smooth(x: np.ndarray, alpha: Any) -> np.ndarray:
    """Trailing exponential smoothing along time: ``s_t = a s_{t-1} + (1-a) x_t``."""
    x = np.atleast_2d(np.asarray(x, dtype=float))
    a = per_run(alpha, x.shape[0])
    if not np.any(a > 0):
        return x.copy()
    # time-major copies: each step reads and writes contiguous memory
    xt = np.ascontiguousarray(x.T)
    out = np.empty_like(xt)
    out[0] = xt[0]
    b = 1.0 - a
    for t in range(1, xt.shape[0]):
        np.multiply(a, out[t - 1], out=out[t])
        out[t] += b * xt[t]
    return np.ascontiguousarray(out.T)


# --------------------------------------------------------------------------
# detection


@dataclass
class Episodes:
    """Detected episodes of many runs as ``(runs, K)`` arrays.

    Ticks are ``-1`` and levels ``NaN`` where missing; episode ``k`` of run
    ``r`` exists when ``k < count[r]``.  ``onset`` is ``-1`` for a
    left-censored episode (the run started inside it, ``censored``);
    ``failure`` and ``low`` are ``-1`` while an episode is open at the end.
    Levels are of the relationship index ``index``.
    """

    index: np.ndarray  # (n, T) the smoothed relationship index
    count: np.ndarray  # (n,)
    onset: np.ndarray
    peak: np.ndarray
    failure: np.ndarray
    low: np.ndarray
    pre_low: np.ndarray  # tick of the low before the onset (-1 if censored)
    onset_level: np.ndarray
    peak_level: np.ndarray
    failure_level: np.ndarray
    low_level: np.ndarray
    pre_low_level: np.ndarray
    censored: np.ndarray  # bool
    low_final: np.ndarray  # bool: the low runs to the end of the series (provisional)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def n_runs(self) -> int:
        return self.index.shape[0]

    @property
    def n_ticks(self) -> int:
        return self.index.shape[1]

    @property
    def width(self) -> int:
        return self.onset.shape[1]

    @property
    def exists(self) -> np.ndarray:
        """``(n, K)`` bool: episode k of run r exists."""
        return np.arange(self.width)[None, :] < self.count[:, None]

    @property
    def observed_onset(self) -> np.ndarray:
        return self.exists & (self.onset >= 0)

    @property
    def failed(self) -> np.ndarray:
        return self.exists & (self.failure >= 0)

    @property
    def complete(self) -> np.ndarray:
        """Complete reset -> failure cycles: onset and failure both observed."""
        return self.observed_onset & (self.failure >= 0)

    def honeymoon(self) -> np.ndarray:
        """Quarters from onset to peak (NaN if censored): the rising, good phase."""
        return np.where(self.observed_onset, self.peak - self.onset, np.nan).astype(float)

    def duration(self) -> np.ndarray:
        """Quarters from onset to failure (NaN unless a complete cycle)."""
        return np.where(self.complete, self.failure - self.onset, np.nan).astype(float)

    def depth(self) -> np.ndarray:
        """Depth of the fall: peak level minus the following low (NaN if not failed)."""
        return np.where(self.failed, self.peak_level - self.low_level, np.nan)


def _empty(n: int, k: int, kind: str) -> np.ndarray:
    if kind == "i":
        return np.full((n, k), -1, dtype=np.int64)
    if kind == "b":
        return np.zeros((n, k), dtype=bool)
    return np.full((n, k), np.nan)


def _window_extreme(
    x: np.ndarray, rows: np.ndarray, a: np.ndarray, b: int, how: str
) -> tuple[np.ndarray, np.ndarray]:
    """Min (latest quarter at it) or max (first quarter at it) of ``x[rows]``
    over ticks ``a .. b`` (inclusive)."""
    a = np.asarray(a)
    first = int(a.min())
    ticks = np.arange(first, b + 1)
    m = ticks[None, :] >= a[:, None]
    vals = x[rows, first : b + 1]
    if how == "min":
        v = np.where(m, vals, np.inf)
        idx = v.shape[1] - 1 - np.argmin(v[:, ::-1], axis=1)
    else:
        v = np.where(m, vals, -np.inf)
        idx = np.argmax(v, axis=1)
    return v[np.arange(len(rows)), idx], (idx + first).astype(np.int64)


_TICK_FIELDS = ("onset", "peak", "failure", "low", "pre_low")
_LEVEL_FIELDS = ("onset_level", "peak_level", "failure_level", "low_level", "pre_low_level")
_BOOL_FIELDS = ("censored", "low_final")


def detect(index: np.ndarray, p: Mapping[str, Any] | None = None) -> Episodes:
    """Find onsets, peaks, failures and lows in a (smoothed) index ``(runs, ticks)``.

    Vectorised over runs; one pass over time.  See the module docstring for
    the rules, ``docs/EPISODES.md`` for the reasoning.
    """
    p = params_for(None, p)
    x = np.atleast_2d(np.asarray(index, dtype=float))
    n, T = x.shape
    rise = per_run(p["det_rise"], n)
    fall = per_run(p["det_fall"], n)
    fall_share = per_run(p["det_fall_share"], n)
    persist = np.maximum(np.rint(per_run(p["det_persist"], n)), 1).astype(np.int64)
    if compiled_for(x):
        from resetsim.analysis import detection  # deferred: numba

        found = detection.detect(x, rise, fall, fall_share, persist, _GROW)
        return Episodes(index=x, **found)

    K = _GROW
    arrays: dict[str, np.ndarray] = {}
    for f in _TICK_FIELDS:
        arrays[f] = _empty(n, K, "i")
    for f in _LEVEL_FIELDS:
        arrays[f] = _empty(n, K, "f")
    for f in _BOOL_FIELDS:
        arrays[f] = _empty(n, K, "b")
    count = np.zeros(n, dtype=np.int64)

    def grow(needed: int) -> None:
        nonlocal K
        if needed < K:
            return
        extra = max(_GROW, needed + 1 - K)
        for f in _TICK_FIELDS:
            arrays[f] = np.concatenate([arrays[f], _empty(n, extra, "i")], axis=1)
        for f in _LEVEL_FIELDS:
            arrays[f] = np.concatenate([arrays[f], _empty(n, extra, "f")], axis=1)
        for f in _BOOL_FIELDS:
            arrays[f] = np.concatenate([arrays[f], _empty(n, extra, "b")], axis=1)
        K += extra

    rows_all = np.arange(n)
    # phase: 0 = undetermined (start), 1 = low (waiting for an onset), 2 = in an episode.
    # Per quarter only the running low / peak and two counters are updated; the
    # quarters of the extremes are looked up in ``x`` when an onset or a failure
    # happens (few rows at a time): a low is dated at the latest quarter at the
    # minimum (a flat floor dates the onset at its end), a peak at the first.
    phase = np.zeros(n, dtype=np.int8)
    lo = x[:, 0].copy()  # running low since lo_from (phases 0, 1)
    hi = x[:, 0].copy()  # running peak since hi_from (phases 0, 2)
    lo_from = np.zeros(n, dtype=np.int64)
    hi_from = np.zeros(n, dtype=np.int64)
    base = np.full(n, np.nan)  # the low before the open episode's onset
    up = np.zeros(n, dtype=np.int64)
    down = np.zeros(n, dtype=np.int64)

    xt = np.ascontiguousarray(x.T)  # time-major: x[:, t] without strides
    for t in range(1, T):
        v = xt[t]
        low_side = phase != 2
        high_side = phase != 1
        np.minimum(lo, v, out=lo, where=low_side)
        np.maximum(hi, v, out=hi, where=high_side)
        up += 1
        up *= low_side & (v - lo >= rise)
        need = np.fmax(fall, fall_share * (hi - base))  # no base yet (NaN) -> fall
        down += 1
        down *= high_side & (hi - v >= need)
        on = up >= persist
        off = down >= persist
        if not (on.any() or off.any()):
            continue
        both = on & off  # only possible while undetermined: keep the earlier extreme
        if both.any():
            rb = rows_all[both]
            _, lt = _window_extreme(x, rb, lo_from[rb], t, "min")
            _, ht = _window_extreme(x, rb, hi_from[rb], t, "max")
            on[rb[ht < lt]] = False
        off &= ~on

        if on.any():
            r = rows_all[on]
            k = count[r]
            grow(int(k.max()))
            lo_r, lo_t = _window_extreme(x, r, lo_from[r], t, "min")
            # the previous failed episode's low is the low before this onset
            has_prev = k >= 1
            rp, kp = r[has_prev], k[has_prev] - 1
            arrays["low"][rp, kp] = lo_t[has_prev]
            arrays["low_level"][rp, kp] = lo_r[has_prev]
            onset_t = lo_t + 1
            arrays["onset"][r, k] = onset_t
            arrays["onset_level"][r, k] = x[r, onset_t]
            arrays["pre_low"][r, k] = lo_t
            arrays["pre_low_level"][r, k] = lo_r
            count[r] = k + 1
            base[r] = lo_r
            hi[r], _ = _window_extreme(x, r, onset_t, t, "max")
            hi_from[r] = onset_t
            phase[r] = 2
            up[r] = 0
            down[r] = 0
        if off.any():
            r = rows_all[off]
            fresh = phase[r] == 0  # left-censored: the run began inside an episode
            rf = r[fresh]
            if rf.size:
                kf = count[rf]
                grow(int(kf.max()))
                arrays["censored"][rf, kf] = True
                count[rf] = kf + 1
            k = count[r] - 1
            f_t = t - persist[r] + 1
            hi_r, hi_t = _window_extreme(x, r, hi_from[r], t, "max")
            arrays["peak"][r, k] = hi_t
            arrays["peak_level"][r, k] = hi_r
            arrays["failure"][r, k] = f_t
            arrays["failure_level"][r, k] = x[r, f_t]
            # the low after a failure is looked for from the failure on
            lo[r], _ = _window_extreme(x, r, f_t, t, "min")
            lo_from[r] = f_t
            base[r] = np.nan
            phase[r] = 1
            up[r] = 0
            down[r] = 0

    # close what is still open at the end
    r = rows_all[(phase == 2) & (count > 0)]
    if r.size:
        hi_r, hi_t = _window_extreme(x, r, hi_from[r], T - 1, "max")
        arrays["peak"][r, count[r] - 1] = hi_t
        arrays["peak_level"][r, count[r] - 1] = hi_r
    r = rows_all[(phase == 1) & (count > 0)]
    if r.size:
        lo_r, lo_t = _window_extreme(x, r, lo_from[r], T - 1, "min")
        arrays["low"][r, count[r] - 1] = lo_t
        arrays["low_level"][r, count[r] - 1] = lo_r
        arrays["low_final"][r, count[r] - 1] = True
    return Episodes(index=x, count=count, **arrays)


# --------------------------------------------------------------------------
# spiral measures


def _trend(times: np.ndarray, values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Per-row least-squares slope of ``values`` on ``times`` over ``mask`` (NaN if < 2)."""
    m = mask & np.isfinite(values)
    k = m.sum(axis=1)
    tw = np.where(m, times, 0.0)
    vw = np.where(m, values, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        tm = tw.sum(axis=1) / k
        vm = vw.sum(axis=1) / k
        dt = np.where(m, times - tm[:, None], 0.0)
        dv = np.where(m, values - vm[:, None], 0.0)
        den = (dt * dt).sum(axis=1)
        slope = (dt * dv).sum(axis=1) / den
    return np.where((k >= 2) & (den > 0), slope, np.nan)


def lows_descending(ep: Episodes) -> np.ndarray:
    """1.0 where the run has at least two post-failure lows, each lower than the last."""
    m = ep.failed & (ep.low >= 0)
    lv = np.where(m, ep.low_level, np.nan)
    # compact each row's lows to the left (they are already in time order)
    order = np.argsort(~m, axis=1, kind="stable")
    lv = np.take_along_axis(lv, order, axis=1)
    k = m.sum(axis=1)
    if lv.shape[1] < 2:
        return np.zeros(ep.n_runs)
    diffs = lv[:, 1:] - lv[:, :-1]
    pair_ok = np.arange(lv.shape[1] - 1)[None, :] < (k - 1)[:, None]
    ok = np.all(np.where(pair_ok, diffs < 0, True), axis=1)
    return np.where(k >= 2, ok, False).astype(float)


def spiral_measures(
    ep: Episodes, dt_years: float = 0.25, keep: Collection[str] | None = None
) -> dict[str, np.ndarray]:
    """Trends of lows and peaks, cycles, honeymoons, shares of time (one value per run).

    ``trough_trend`` and ``peak_trend`` are least-squares slopes of successive
    post-failure lows (peaks) against their date, in index units **per
    decade** (negative = a downward spiral); NaN with fewer than two.
    ``keep`` (a sweep's stored metrics) skips the trends, lows and means not
    in it; the counts are always returned.
    """
    n = ep.n_runs
    wanted = (lambda name: True) if keep is None else set(keep).__contains__
    out: dict[str, np.ndarray] = {}
    out["resets"] = ep.observed_onset.sum(axis=1).astype(float)
    out["cycles"] = ep.complete.sum(axis=1).astype(float)
    out["failures"] = ep.failed.sum(axis=1).astype(float)
    out["open_episode"] = (ep.exists & (ep.failure < 0)).any(axis=1).astype(float)
    lows_mask = ep.failed & (ep.low >= 0)
    if wanted("trough_trend"):
        years = np.where(ep.low >= 0, ep.low * dt_years, np.nan)
        out["trough_trend"] = 10.0 * _trend(years, ep.low_level, lows_mask)
    if wanted("peak_trend"):
        peaks_mask = ep.exists & (ep.peak >= 0)
        out["peak_trend"] = 10.0 * _trend(ep.peak * dt_years, ep.peak_level, peaks_mask)
    if wanted("lows_descending"):
        out["lows_descending"] = lows_descending(ep)
    if wanted("last_low"):
        last = np.where(lows_mask, np.arange(ep.width)[None, :], -1).max(axis=1)
        out["last_low"] = np.where(
            last >= 0, ep.low_level[np.arange(n), np.maximum(last, 0)], np.nan
        )
    with np.errstate(invalid="ignore"):
        for name, values in (
            ("mean_honeymoon", ep.honeymoon),
            ("mean_duration", ep.duration),
            ("mean_depth", ep.depth),
        ):
            if wanted(name):
                out[name] = row_nanmean(values())
    return out


# --------------------------------------------------------------------------
# detection of a scenario's recorded runs


def detect_runs(compiled, data: Mapping[str, np.ndarray], p=None) -> Episodes:
    """Index + detection for a scenario's recorded ``data`` (``(runs, ticks)`` arrays)."""
    p = params_for(compiled, p)
    return detect(relationship_index(data, compiled.state_ids, p), p)
