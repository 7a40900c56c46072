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

import functools
import importlib.util
import warnings
from pathlib import Path
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
    (:func:`sobol_sequence`, seeded), laid out by :func:`saltelli`."""
    return scale(saltelli(sobol_sequence(n, 2 * len(bounds), seed), second_order), bounds)


#: Bits of the Sobol' sequence (scipy.stats.qmc.Sobol's default).
BITS = 30


def sobol_sequence(n: int, d: int, seed: int) -> np.ndarray:
    """The first ``n`` points of the scrambled Sobol' sequence of ``d``
    dimensions that ``scipy.stats.qmc.Sobol(d, scramble=True, seed=seed)``
    draws (as SALib's sampler does), bit for bit, without importing
    scipy.stats (most of a second): Joe and Kuo's direction numbers (the file
    scipy ships), a linear matrix scramble and a digital shift drawn from
    ``numpy.random.default_rng(seed)``, points in Gray-code order.  Falls back
    to scipy.stats.qmc when that file is not where this scipy keeps it."""
    numbers = _direction_numbers()
    if numbers is None:  # pragma: no cover - another scipy layout
        from scipy.stats import qmc

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return qmc.Sobol(d=d, scramble=True, seed=int(seed)).random(n)
    v = _direction_matrix(*numbers, d)
    rng = np.random.default_rng(int(seed))
    bits = np.uint64(1) << np.arange(BITS, dtype=np.uint64)
    shift = rng.integers(0, 2, size=(d, BITS), dtype=np.uint32).astype(np.uint64) @ bits
    ltm = np.tril(rng.integers(0, 2, size=(d, BITS, BITS), dtype=np.uint32)).astype(np.uint64)
    v = _scramble(v, ltm)
    i = np.arange(n, dtype=np.uint64)
    gray = i ^ (i >> np.uint64(1))
    quasi = np.broadcast_to(shift, (n, d)).copy()
    for b in range(BITS):
        on = ((gray >> np.uint64(b)) & np.uint64(1)).astype(bool)
        quasi[on] ^= v[:, b]
    return quasi * (1.0 / 2**BITS)


def _direction_numbers() -> tuple[np.ndarray, np.ndarray] | None:
    spec = importlib.util.find_spec("scipy")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "stats" / DIRECTION_FILE
    if not path.is_file():  # pragma: no cover
        return None
    with np.load(path) as f:
        return f["poly"], f["vinit"]


#: The direction numbers scipy ships (Joe and Kuo's new-joe-kuo-6.21201).
DIRECTION_FILE = "_sobol_direction_numbers.npz"


def _direction_matrix(poly: np.ndarray, vinit: np.ndarray, d: int) -> np.ndarray:
    """``v[j, b]``: direction number ``b`` of dimension ``j``, scaled to ``BITS`` bits."""
    v = np.zeros((d, BITS), dtype=np.uint64)
    if d:
        v[0, :] = 1
    for j in range(1, d):
        p = int(poly[j])
        m = p.bit_length() - 1
        row = [int(x) for x in vinit[j, :m]]
        for b in range(m, BITS):
            new = row[b - m]
            for k in range(m):
                if (p >> (m - 1 - k)) & 1:
                    new ^= row[b - k - 1] << (k + 1)
            row.append(new)
        v[j] = row[:BITS]
    return v << np.arange(BITS - 1, -1, -1, dtype=np.uint64)


def _parity(x: np.ndarray) -> np.ndarray:
    for s in (32, 16, 8, 4, 2, 1):
        x = x ^ (x >> np.uint64(s))
    return x & np.uint64(1)


def _scramble(v: np.ndarray, ltm: np.ndarray) -> np.ndarray:
    """The linear matrix scramble of the direction numbers (scipy's ``_cscramble``)."""
    d = v.shape[0]
    ltm = ltm.copy()
    ltm[:, np.arange(BITS), np.arange(BITS)] = 1
    rows = ltm @ (np.uint64(1) << np.arange(BITS - 1, -1, -1, dtype=np.uint64))  # (d, BITS)
    par = _parity(v[:, :, None] & rows[:, None, :])  # (d, j, p)
    weight = np.uint64(1) << np.arange(BITS - 1, -1, -1, dtype=np.uint64)  # p -> 2^(BITS-1-p)
    return (par * weight).sum(axis=2, dtype=np.uint64).reshape(d, BITS)


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


@functools.lru_cache(maxsize=2)
def _counts(n: int, resamples: int, seed: int, block: int) -> tuple[np.ndarray, ...]:
    # the same resamples for every output of a design (as SALib draws them)
    return tuple(resample_counts(n, resamples, seed))


def bootstrap_sums(columns: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    """``(resamples, M)``: each resample's sum of each of the ``(N, M)`` columns."""
    n = columns.shape[0]
    return np.concatenate([w @ columns for w in _counts(n, resamples, int(seed), BLOCK)])
