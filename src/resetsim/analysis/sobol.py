"""Sobol' sensitivity indices from a Saltelli design, every parameter at once.

:func:`saltelli` lays out the Saltelli matrix from a base sequence of
``2 D`` columns (``A`` its first ``D``, ``B`` its last ``D``): per base row,
``A``, then ``A`` with column ``j`` from ``B`` for each ``j`` (``AB_j``), with
second order ``B`` with column ``j`` from ``A`` (``BA_j``), then ``B``; the
same layout as SALib's ``sample.sobol``.  :func:`indices` estimates, from the
outputs of those rows, the first-order indices (Saltelli et al. 2010), the
total indices (Jansen 1999) and, if asked, the second-order indices
(Saltelli 2002), with the same formulas as SALib's ``analyze.sobol``
(outputs standardised, variance of the ``A`` and ``B`` rows), so the point
estimates agree with SALib's to rounding.

The confidence intervals are bootstrap intervals as SALib's (``z`` times the
standard deviation of the estimates over resamples of the base rows), but the
resamples are drawn once from a generator seeded by
``numpy.random.SeedSequence(seed)`` and every estimate of every resample is
one matrix product: resample ``b`` takes base row ``i`` ``W[b, i]`` times, so
each sum over a resample is ``W @ column``.  The intervals are statistically
equivalent to SALib's, not the same numbers (its resamples come from another
stream).  Pure numpy, no resetsim types.
"""

from __future__ import annotations

import warnings
from statistics import NormalDist

import numpy as np

#: Resamples per block of the bootstrap (bounds its memory: block x base rows).
BLOCK = 256
_EPS = np.finfo(float).eps


def saltelli(base: np.ndarray, second_order: bool = False) -> np.ndarray:
    """The Saltelli matrix of a base sequence ``(N, 2 D)`` in the unit cube:
    ``N (D + 2)`` rows, or ``N (2 D + 2)`` with ``second_order``."""
    base = np.asarray(base, dtype=float)
    n, two_d = base.shape
    d = two_d // 2
    a, b = base[:, :d], base[:, d:]
    blocks = [a]
    for j in range(d):
        ab = a.copy()
        ab[:, j] = b[:, j]
        blocks.append(ab)
    if second_order:
        for j in range(d):
            ba = b.copy()
            ba[:, j] = a[:, j]
            blocks.append(ba)
    blocks.append(b)
    return np.stack(blocks, axis=1).reshape(n * len(blocks), d)


def scale(unit: np.ndarray, bounds) -> np.ndarray:
    """Points of the unit cube mapped onto ``bounds`` (one ``(low, high)`` per column)."""
    lo = np.array([b[0] for b in bounds], dtype=float)
    hi = np.array([b[1] for b in bounds], dtype=float)
    return unit * (hi - lo) + lo


def sample(bounds, n: int, second_order: bool, seed: int) -> np.ndarray:
    """The Saltelli sample of ``n`` base points (a power of two) within
    ``bounds``: a scrambled Sobol' sequence of ``2 D`` dimensions
    (``scipy.stats.qmc.Sobol``, seeded), laid out by :func:`saltelli`."""
    from scipy.stats import qmc  # deferred: scipy.stats takes most of a second to import

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # ``seed=`` (not ``rng=``): the scrambling SALib's samples were drawn with
        engine = qmc.Sobol(d=2 * len(bounds), scramble=True, seed=int(seed))
        base = engine.random(n)
    return scale(saltelli(base, second_order), bounds)


def split(y: np.ndarray, d: int, second_order: bool):
    """``(A, B, AB, BA)`` outputs of a Saltelli design: ``A`` and ``B`` of
    shape ``(N,)``, ``AB`` and ``BA`` (None without second order) of shape
    ``(D, N)`` (row ``j``: the rows with column ``j`` swapped)."""
    step = 2 * d + 2 if second_order else d + 2
    if y.ndim != 1 or y.size % step:
        raise ValueError(
            f"{y.size} outputs are not a Saltelli design of {d} parameters "
            f"({'second' if second_order else 'first'} order: a multiple of {step})"
        )
    rows = y.reshape(-1, step)
    ab = np.ascontiguousarray(rows[:, 1 : d + 1].T)
    ba = np.ascontiguousarray(rows[:, d + 1 : 2 * d + 1].T) if second_order else None
    return rows[:, 0].copy(), rows[:, -1].copy(), ab, ba


def _ratio(num, var):
    return np.divide(num, var, out=np.zeros(np.broadcast(num, var).shape), where=var > _EPS)


def _pairs(d: int) -> tuple[np.ndarray, np.ndarray]:
    j, k = np.triu_indices(d, 1)
    return j, k


def indices(
    y: np.ndarray,
    d: int,
    second_order: bool = False,
    resamples: int = 100,
    conf_level: float = 0.95,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """``S1``, ``S1_conf``, ``ST``, ``ST_conf`` (length ``d``) and with
    ``second_order`` ``S2``, ``S2_conf`` (``d x d``, upper triangle; NaN
    elsewhere) of one output ``y`` of a Saltelli design of ``d`` parameters.
    ``*_conf`` is the half-width of the bootstrap interval at ``conf_level``
    (``resamples`` resamples of the base rows, seeded by ``seed``)."""
    y = np.asarray(y, dtype=float)
    y = (y - y.mean()) / y.std()
    a, b, ab, ba = split(y, d, second_order)
    n = a.size
    out: dict[str, np.ndarray] = {}
    v = np.var(np.r_[a, b]) if np.ptp(np.r_[a, b]) > _EPS else 0.0
    s1 = _ratio(np.mean(b * (ab - a), axis=1), v)
    out["S1"] = s1
    out["ST"] = _ratio(0.5 * np.mean((a - ab) ** 2, axis=1), v)
    cols = [a, b, a * a, b * b, *(b * (ab - a)), *(0.5 * (a - ab) ** 2)]
    if second_order:
        j, k = _pairs(d)
        s2 = np.full((d, d), np.nan)
        s2[j, k] = _ratio(np.mean(ba[j] * ab[k] - a * b, axis=1), v) - s1[j] - s1[k]
        out["S2"] = s2
        cols += list(ba[j] * ab[k] - a * b)
    sums = bootstrap_sums(np.stack(cols, axis=1), resamples, seed) / n  # (R, M): resample means
    mean = (sums[:, 0] + sums[:, 1]) / 2
    var = ((sums[:, 2] + sums[:, 3]) / 2 - mean * mean)[:, None]
    boot_s1 = _ratio(sums[:, 4 : 4 + d], var)
    boot_st = _ratio(sums[:, 4 + d : 4 + 2 * d], var)
    z = NormalDist().inv_cdf(0.5 + conf_level / 2)
    out["S1_conf"] = z * boot_s1.std(axis=0, ddof=1)
    out["ST_conf"] = z * boot_st.std(axis=0, ddof=1)
    if second_order:
        j, k = _pairs(d)
        boot_s2 = _ratio(sums[:, 4 + 2 * d :], var) - boot_s1[:, j] - boot_s1[:, k]
        conf2 = np.full((d, d), np.nan)
        conf2[j, k] = z * boot_s2.std(axis=0, ddof=1)
        out["S2_conf"] = conf2
    if v == 0.0:
        out = {k: np.where(np.isnan(x), x, 0.0) for k, x in out.items()}
    return out


def resample_counts(n: int, resamples: int, seed: int):
    """Blocks of the bootstrap's counts: ``W[b, i]`` = how many times resample
    ``b`` draws base row ``i`` (each resample draws ``n`` rows with replacement;
    the draws come from ``numpy.random.default_rng(numpy.random.SeedSequence(seed))``
    in order, so the blocks do not change the numbers)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    for start in range(0, resamples, BLOCK):
        m = min(BLOCK, resamples - start)
        draws = rng.integers(0, n, size=(m, n))
        draws += (np.arange(m) * n)[:, None]
        yield np.bincount(draws.ravel(), minlength=m * n).reshape(m, n).astype(float)


def bootstrap_sums(columns: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    """``(resamples, M)``: each resample's sum of each of the ``(N, M)`` columns."""
    n = columns.shape[0]
    return np.concatenate([w @ columns for w in resample_counts(n, resamples, seed)])
