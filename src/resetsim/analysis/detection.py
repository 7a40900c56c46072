"""Episode detection compiled (numba): the relationship index and the
hysteresis of :mod:`resetsim.analysis.episodes`, one run at a time.

:func:`relationship_index` and :func:`detect` give the same numbers, bit for
bit, as :func:`resetsim.analysis.episodes.relationship_index` and
:func:`resetsim.analysis.episodes.detect` (the reference, vectorised over
runs, whose docstrings state the rules; tests compare them on many runs):
the same operations in the same order, per run instead of per quarter.  The
episodes module calls these for many runs at once (a sweep's chunk), where
numpy's many small per-quarter operations cost more than the detection.

Compiled on first use and cached on disk (numba's ``cache=True``).
"""

from __future__ import annotations

import numba
import numpy as np

#: Rows of the compiled detector's output: the tick and level fields of
#: :class:`resetsim.analysis.episodes.Episodes`, in this order.
TICKS = ("onset", "peak", "failure", "low", "pre_low")
LEVELS = ("onset_level", "peak_level", "failure_level", "low_level", "pre_low_level")
FLAGS = ("censored", "low_final")


@numba.njit(cache=True, nogil=True)
def _blend_smooth(a, ea, b, eb, lat, coop, w, blend, alpha, smoothing, out):
    """``out[r]``: the smoothed index of run ``r`` (episodes.relationship_index)
    from both trusts read as shares: ``lat * sigmoid + (1 - lat) * trust``,
    the sigmoid from ``ea = exp(-a)``, ``eb = exp(-b)`` (numpy's exp)."""
    n, T = a.shape
    for r in range(n):
        keep = 1.0 - lat[r]
        for t in range(T):
            sa = lat[r] * (1.0 / (1.0 + ea[r, t])) + keep * a[r, t]
            sb = lat[r] * (1.0 / (1.0 + eb[r, t])) + keep * b[r, t]
            x = 0.5 * (sa + sb)
            if blend:
                x = (1.0 - w[r]) * x + w[r] * coop[r, t]
            if smoothing and t > 0:
                s = alpha[r] * out[r, t - 1]
                s += (1.0 - alpha[r]) * x
                out[r, t] = s
            else:
                out[r, t] = x


def relationship_index(a, b, coop, w, lat, alpha) -> np.ndarray:
    """The smoothed index from both trusts (as recorded: a latent attitude where
    ``lat``, the per-run ``latent_trust``, is 1) and cooperation ``(runs,
    ticks)``, and the per-run ``det_coop_weight`` ``w`` and ``det_smoothing``
    ``alpha``.  Only the exponentials are numpy's (its own exp, whose last
    bits the compiled one need not share)."""
    n, T = a.shape
    blend = bool(np.any(w > 0))
    out = np.empty((n, T))
    ea, eb = np.exp(-a), np.exp(-b)
    coop = coop if blend else a
    _blend_smooth(a, ea, b, eb, lat, coop, w, blend, alpha, bool(np.any(alpha > 0)), out)
    return out


@numba.njit(inline="always")
def _np_min(a, b):
    # numpy.minimum: NaN wins
    if a != a or b != b:
        return np.nan
    return a if a <= b else b


@numba.njit(inline="always")
def _np_max(a, b):
    if a != a or b != b:
        return np.nan
    return a if a >= b else b


@numba.njit(inline="always")
def _window_min(x, r, a, b):
    """Min of ``x[r, a..b]`` and the latest tick at it (numpy.argmin of the reversed window)."""
    best, at = x[r, b], b
    if best != best:
        return best, at
    for t in range(b - 1, a - 1, -1):
        v = x[r, t]
        if v != v:
            return v, t
        if v < best:
            best, at = v, t
    return best, at


@numba.njit(inline="always")
def _window_max(x, r, a, b):
    """Max of ``x[r, a..b]`` and the first tick at it (numpy.argmax)."""
    best, at = x[r, a], a
    if best != best:
        return best, at
    for t in range(a + 1, b + 1):
        v = x[r, t]
        if v != v:
            return v, t
        if v > best:
            best, at = v, t
    return best, at


@numba.njit(cache=True, nogil=True)
def _detect(x, rise, fall, fall_share, persist, count, ticks, levels, flags):
    """Every run's episodes into ``ticks[f, r, k]``, ``levels[f, r, k]`` and
    ``flags[f, r, k]`` (pre-filled -1, NaN, False); ``count[r]`` episodes.
    Episodes past the arrays' width are counted, not written; returns the
    largest count."""
    n, T = x.shape
    K = ticks.shape[2]
    largest = 0
    for r in range(n):
        phase = 0
        lo = x[r, 0]
        hi = x[r, 0]
        lo_from = 0
        hi_from = 0
        base = np.nan
        up = 0
        down = 0
        c = 0
        for t in range(1, T):
            v = x[r, t]
            low_side = phase != 2
            high_side = phase != 1
            if low_side:
                lo = _np_min(lo, v)
            if high_side:
                hi = _np_max(hi, v)
            up += 1
            if not (low_side and (v - lo >= rise[r])):
                up = 0
            g = fall_share[r] * (hi - base)
            need = fall[r] if g != g else (g if fall[r] != fall[r] else max(fall[r], g))
            down += 1
            if not (high_side and (hi - v >= need)):
                down = 0
            on = up >= persist[r]
            off = down >= persist[r]
            if not (on or off):
                continue
            if on and off:
                lt = _window_min(x, r, lo_from, t)[1]
                ht = _window_max(x, r, hi_from, t)[1]
                if ht < lt:
                    on = False
            off = off and not on
            if on:
                lo_r, lo_t = _window_min(x, r, lo_from, t)
                if c >= 1 and c - 1 < K:
                    ticks[3, r, c - 1] = lo_t
                    levels[3, r, c - 1] = lo_r
                onset_t = lo_t + 1
                if c < K:
                    ticks[0, r, c] = onset_t
                    levels[0, r, c] = x[r, onset_t]
                    ticks[4, r, c] = lo_t
                    levels[4, r, c] = lo_r
                c += 1
                base = lo_r
                hi = _window_max(x, r, onset_t, t)[0]
                hi_from = onset_t
                phase = 2
                up = 0
                down = 0
            if off:
                if phase == 0:  # left-censored: the run began inside an episode
                    if c < K:
                        flags[0, r, c] = True
                    c += 1
                k = c - 1
                f_t = t - persist[r] + 1
                hi_r, hi_t = _window_max(x, r, hi_from, t)
                if k < K:
                    ticks[1, r, k] = hi_t
                    levels[1, r, k] = hi_r
                    ticks[2, r, k] = f_t
                    levels[2, r, k] = x[r, f_t]
                lo = _window_min(x, r, f_t, t)[0]
                lo_from = f_t
                base = np.nan
                phase = 1
                up = 0
                down = 0
        k = c - 1
        if phase == 2 and c > 0 and k < K:
            hi_r, hi_t = _window_max(x, r, hi_from, T - 1)
            ticks[1, r, k] = hi_t
            levels[1, r, k] = hi_r
        if phase == 1 and c > 0 and k < K:
            lo_r, lo_t = _window_min(x, r, lo_from, T - 1)
            ticks[3, r, k] = lo_t
            levels[3, r, k] = lo_r
            flags[1, r, k] = True
        count[r] = c
        largest = max(largest, c)
    return largest


def detect(x, rise, fall, fall_share, persist, grow: int) -> dict[str, np.ndarray]:
    """The arrays of :class:`resetsim.analysis.episodes.Episodes` (but the index)
    for the index ``x`` ``(runs, ticks)`` and per-run thresholds; the episode
    axis is as wide as the reference makes it (a multiple of ``grow``)."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    n = x.shape[0]
    width = grow
    while True:
        count = np.zeros(n, dtype=np.int64)
        ticks = np.full((len(TICKS), n, width), -1, dtype=np.int64)
        levels = np.full((len(LEVELS), n, width), np.nan)
        flags = np.zeros((len(FLAGS), n, width), dtype=np.bool_)
        largest = _detect(x, rise, fall, fall_share, persist, count, ticks, levels, flags)
        # the reference widens by ``grow`` each time a count reaches the width
        needed = grow * max(1, -(-int(largest) // grow))
        if needed <= width:
            break
        width = needed
    out: dict[str, np.ndarray] = {"count": count}
    for f, name in enumerate(TICKS):
        out[name] = ticks[f]
    for f, name in enumerate(LEVELS):
        out[name] = levels[f]
    for f, name in enumerate(FLAGS):
        out[name] = flags[f]
    return out
