"""Plain statistics for summaries of many runs: the Wilson score interval of a
share, Student's t quantile and the t interval of a mean.

Pure functions of arrays (no resetsim types); the experiments' summaries
(``summary.csv``) and anything else that reports a share or a mean with a 95%
confidence interval use them.
"""

from __future__ import annotations

import numpy as np

#: The two-sided 95% normal quantile.
Z95 = 1.959963984540054


def wilson(k, n, z: float = Z95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Wilson score interval of ``k`` successes in ``n`` trials (95%):
    ``(share, low, high)``; NaN where ``n`` is 0."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    return p, centre - half, centre + half


def t_quantile(n, level: float = 0.975) -> np.ndarray:
    """Student's t quantile with ``n - 1`` degrees of freedom; NaN where ``n <= 1``."""
    # scipy.stats.t.ppf's own function, without importing scipy.stats (most of a second)
    from scipy.special import stdtrit

    n = np.asarray(n, dtype=float)
    out = np.full(n.shape, np.nan)
    more = n > 1  # only there (a Sobol' design's points have one run each)
    out[more] = stdtrit(n[more] - 1, level)
    return out


def mean_ci(x) -> tuple[float, float, float]:
    """Mean of ``x`` with its 95% t interval, NaN values left out:
    ``(mean, low, high)`` (NaN where undefined)."""
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    n = np.array([float(len(x))])
    mean = x.mean() if len(x) else np.nan
    sd = x.std(ddof=1) if len(x) > 1 else np.nan
    half = (t_quantile(n) * sd / np.sqrt(n))[0]
    return mean, mean - half, mean + half


def grouped_mean_ci(
    group: np.ndarray, x: np.ndarray, n_groups: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group ``0 .. n_groups-1``: the mean of ``x`` with its 95% t interval,
    NaN values left out: ``(mean, low, high)`` arrays."""
    x = np.asarray(x, dtype=float)
    ok = ~np.isnan(x)
    g, x = np.asarray(group)[ok], x[ok]
    n = np.bincount(g, minlength=n_groups).astype(float)
    s1 = np.bincount(g, weights=x, minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = s1 / n
        dev = x - mean[g]
        ss = np.bincount(g, weights=dev * dev, minlength=n_groups)
        sd = np.sqrt(ss / (n - 1))
        half = t_quantile(n) * sd / np.sqrt(n)
    return mean, mean - half, mean + half


def row_nanmean(a: np.ndarray) -> np.ndarray:
    """Mean of each row's finite values (NaN for a row with none)."""
    m = np.isfinite(a)
    k = m.sum(axis=1)
    s = np.where(m, a, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(k > 0, s / np.maximum(k, 1), np.nan)


def weighted_quantile(x: np.ndarray, w: np.ndarray, q) -> np.ndarray:
    """Quantiles ``q`` of ``x`` under weights ``w`` (a posterior's), each
    point's weight centred on its own position (midpoint rule)."""
    order = np.argsort(x, kind="stable")
    cw = np.cumsum(w[order])
    cw = (cw - 0.5 * w[order]) / cw[-1]
    return np.interp(q, cw, x[order])
