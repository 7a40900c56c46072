"""The fidelity score's alignment compiled (numba): targets and detected
episodes matched in time order, one run at a time.

:func:`align` gives the same arrays, bit for bit, as the vectorised
reference in :func:`resetsim.analysis.fidelity.score` (whose module
docstring states the rules; tests compare them on many runs): the same
operations in the same order, per run instead of per target and episode
over all runs.  A sweep's chunk scores thousands of runs, where the
reference's ``(runs, targets, episodes)`` arrays and its dynamic programme
over whole run vectors cost more than the episode detection.

Compiled on first use and cached on disk (numba's ``cache=True``).
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(inline="always")
def _dist(t, a, b):
    """Signed quarters of ``t`` outside ``[a, b]`` (fidelity._dist)."""
    if t < a:
        return t - a
    if t > b:
        return t - b
    return 0


@numba.njit(inline="always")
def _maximum(a, b):
    # numpy.maximum of two numbers that are not NaN
    return a if a >= b else b


@numba.njit(inline="always")
def _ratio(value, minimum):
    """``min(1, value / minimum)``, 1 where the minimum is 0 or the value
    unknown (fidelity._ratio: numpy.clip, then the mask)."""
    if not (minimum > 0 and np.isfinite(value)):
        return 1.0
    r = value / minimum
    r = r if r > 0.0 else 0.0
    return r if r < 1.0 else 1.0


@numba.njit(cache=True, nogil=True)
def _align(
    onset,
    failure,
    judged,
    rise,
    drop,
    windows,
    minima,
    tol,
    T,
    episode,
    errors,
    quality,
    amplitude,
    used,
):
    """Every run's alignment; ``windows`` holds each target's onset window
    (columns 0, 1) and failure window (2, 3) in ticks, ``minima`` its minimum
    rise (0) and fall (1).  Writes ``episode[r, i]`` (the episode target i
    takes, -1), ``errors[0|1, r, i]`` (onset and failure errors of the match,
    NaN), ``quality`` (0 unmatched), ``amplitude`` (NaN) and ``used[r, k]``."""
    n, K = onset.shape
    N = windows.shape[0]
    oe = np.empty((N, K), dtype=np.int64)
    fe = np.empty((N, K), dtype=np.int64)
    qual = np.empty((N, K))
    amp = np.empty((N, K))
    val = np.empty((N, K))
    V = np.zeros((N + 1, K + 1))
    move = np.zeros((N + 1, K + 1), dtype=np.int8)
    for r in range(n):
        for i in range(N):
            a, b, c, d = windows[i, 0], windows[i, 1], windows[i, 2], windows[i, 3]
            open_err = 0 if d >= T - 1 else (T - 1) - d
            for j in range(K):
                o = _dist(onset[r, j], a, b)
                f = failure[r, j]
                e = _dist(f, c, d) if f >= 0 else open_err
                q = 0.5 * _maximum(0.0, 1.0 - abs(o) / tol) + 0.5 * _maximum(
                    0.0, 1.0 - abs(e) / tol
                )
                m = _ratio(rise[r, j], minima[i, 0]) * _ratio(drop[r, j], minima[i, 1])
                q = q * m
                oe[i, j] = o
                fe[i, j] = e
                qual[i, j] = q
                amp[i, j] = m
                val[i, j] = 1.0 + q if judged[r, j] and abs(o) <= tol else -np.inf
        # order-preserving alignment: V[i, j] = best value using the first i
        # targets and the first j episodes (0 skip target, 1 skip episode, 2 match)
        for i in range(1, N + 1):
            V[i, 0] = V[i - 1, 0]
            for j in range(1, K + 1):
                skip_t = V[i - 1, j]
                skip_e = V[i, j - 1]
                take = V[i - 1, j - 1] + val[i - 1, j - 1]
                best = _maximum(_maximum(skip_t, skip_e), take)
                if take >= best:
                    move[i, j] = 2
                elif skip_t >= skip_e:
                    move[i, j] = 0
                else:
                    move[i, j] = 1
                V[i, j] = best
        for i in range(N):
            episode[r, i] = -1
        i, j = N, K
        while i > 0 and j > 0:
            mv = move[i, j]
            if mv == 2:
                episode[r, i - 1] = j - 1
            if mv != 1:
                i -= 1
            if mv != 0:
                j -= 1
        for i in range(N):
            k = episode[r, i]
            if k >= 0:
                errors[0, r, i] = oe[i, k]
                errors[1, r, i] = fe[i, k]
                quality[r, i] = qual[i, k]
                amplitude[r, i] = amp[i, k]
                used[r, k] = True
            else:
                errors[0, r, i] = np.nan
                errors[1, r, i] = np.nan
                quality[r, i] = 0.0
                amplitude[r, i] = np.nan


def align(onset, failure, judged, rise, drop, on_w, fa_w, min_rise, min_fall, tol: int, T: int):
    """The matches of :func:`resetsim.analysis.fidelity.score` for ``(runs,
    episodes)`` arrays (onset as scored, failure tick, judged, rise, fall) and
    the applicable targets' windows ``(N, 2)`` in ticks and minima ``(N,)``:
    ``episode``, ``onset_error``, ``failure_error``, ``quality``,
    ``amplitude`` ``(runs, N)`` and ``used`` ``(runs, episodes)``."""
    n, K = np.shape(onset)
    N = len(min_rise)
    ints = [np.ascontiguousarray(v, dtype=np.int64) for v in (onset, failure)]
    floats = [np.ascontiguousarray(v, dtype=np.float64) for v in (rise, drop)]
    windows = np.ascontiguousarray(np.concatenate([on_w, fa_w], axis=1), dtype=np.int64)
    minima = np.ascontiguousarray(np.stack([min_rise, min_fall], axis=1), dtype=np.float64)
    episode = np.empty((n, N), dtype=np.int64)
    errors = np.empty((2, n, N))
    quality = np.empty((n, N))
    amplitude = np.empty((n, N))
    used = np.zeros((n, K), dtype=np.bool_)
    judged = np.ascontiguousarray(judged, dtype=np.bool_)
    _align(*ints, judged, *floats, windows, minima, int(tol), int(T), episode, errors, quality,
           amplitude, used)  # fmt: skip
    return episode, errors[0], errors[1], quality, amplitude, used
