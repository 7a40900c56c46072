"""The ladder's arithmetic: observation models, simple rungs, scores, bootstrap.

Pure functions of arrays (no I/O, no model runs); :mod:`resetsim.experiments.ladder`
feeds them.  Notation: ``z`` is a series on its *working scale* (the logit of
a percent or share, the value itself for an index), ``x`` a rung's predictor
(a model quantity's annual mean, a ledger, or the year for the trend).

* :func:`fit_observation` fits ``z = alpha + beta * x + e`` (ordinary least
  squares on the training years) with the rules for short or flat series;
* :func:`predictive_samples` draws the predictive distribution of the scored
  years (one row per year) on the working scale, from the fitted line, its
  standard prediction error and, for an ensemble of runs, the runs' spread;
* :func:`persistence_forecast` is the last observed value with a random-walk
  spread; :func:`ledger` the event ledger ``x(q) = a x(q-1) + e(q)``;
* :func:`scores` gives Spearman, RMSE, coverage of the 80% interval and CRPS
  on the series' own scale; :func:`bootstrap_difference` the interval (over
  years) of a rung's score minus the full model's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

#: Fewest training years a series needs at an origin to be scored there.
MIN_TRAIN = 3
#: Smallest residual spread on the working scale (a perfect fit still gets an interval).
SIGMA_FLOOR = 1e-3
#: What a removal's cost is, per way of pooling the cells (``select
#: --aggregate``): the console, the selection figure's axis and the report say it.
COST_UNITS = {
    "mean": "change of CRPS ÷ persistence's",
    "log": "change of log(CRPS ÷ persistence's)",
}
#: The central interval whose coverage is scored.
COVERAGE = 0.8
#: Decays the ledger's fit tries (per quarter; 1 = events are never forgotten).
DECAYS = np.round(
    np.concatenate([np.arange(0.0, 0.9, 0.05), np.arange(0.9, 0.995, 0.01), [0.995, 1.0]]), 3
)


def to_working(values: np.ndarray, scale: str) -> np.ndarray:
    """A series on its working scale: logit for ``percent`` and ``share``."""
    v = np.asarray(values, dtype=float)
    if scale == "percent":
        v = v / 100.0
    if scale in ("percent", "share"):
        v = np.clip(v, 1e-6, 1 - 1e-6)
        return np.log(v / (1.0 - v))
    return v


def from_working(z: np.ndarray, scale: str) -> np.ndarray:
    """The inverse of :func:`to_working`."""
    z = np.asarray(z, dtype=float)
    if scale in ("percent", "share"):
        v = 1.0 / (1.0 + np.exp(-z))
        return 100.0 * v if scale == "percent" else v
    return z


@dataclass(frozen=True)
class Fit:
    """A fitted observation model ``z = alpha + beta x + e``, ``e ~ N(0, sigma)``."""

    alpha: float
    beta: float
    sigma: float
    n: int
    x_mean: float
    x_ss: float  # sum of squared deviations of the training x
    rule: str  # "ols" or "flat" (x constant over the training years: beta = 0)

    def mean(self, x: np.ndarray) -> np.ndarray:
        return self.alpha + self.beta * np.asarray(x, dtype=float)

    def prediction_sd(self, x: np.ndarray) -> np.ndarray:
        """The standard prediction error of a new year at ``x`` (OLS)."""
        x = np.asarray(x, dtype=float)
        lev = np.full(x.shape, 1.0 / self.n)  # an array even for a flat rung
        if self.x_ss > 0:
            lev = lev + (x - self.x_mean) ** 2 / self.x_ss
        return self.sigma * np.sqrt(1.0 + lev)


def fit_observation(x: np.ndarray, z: np.ndarray) -> Fit:
    """Least squares of ``z`` on ``x`` (both over the training years).

    Rules: at least :data:`MIN_TRAIN` years (else ``ValueError``); when ``x``
    does not vary over them (a flat rung) ``beta = 0`` and the model is the
    training mean; ``sigma`` is the residual standard error (``n - 2`` degrees
    of freedom, ``n - 1`` for a flat rung), at least :data:`SIGMA_FLOOR`.
    """
    x = np.asarray(x, dtype=float)
    z = np.asarray(z, dtype=float)
    n = len(z)
    if n < MIN_TRAIN:
        raise ValueError(f"{n} training years; at least {MIN_TRAIN} needed")
    xm = float(x.mean())
    ss = float(((x - xm) ** 2).sum())
    if ss <= 1e-12 * max(1.0, float(np.abs(x).max()) ** 2):
        alpha, beta, dof, rule, ss = float(z.mean()), 0.0, n - 1, "flat", 0.0
    else:
        beta = float(((x - xm) * (z - z.mean())).sum() / ss)
        alpha = float(z.mean() - beta * xm)
        dof, rule = n - 2, "ols"
    resid = z - (alpha + beta * x)
    sigma = float(np.sqrt((resid**2).sum() / max(dof, 1)))
    return Fit(alpha, beta, max(sigma, SIGMA_FLOOR), n, xm, ss, rule)


def predictive_samples(
    fit: Fit, x_runs: np.ndarray, eps: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Point forecasts ``(years,)`` and predictive draws ``(years, M)`` on the
    working scale.

    ``x_runs`` is ``(runs, years)`` (one row for a deterministic rung), ``eps``
    standard normal draws ``(years, M)`` (shared by all rungs: common random
    numbers).  Draw ``m`` reads run ``m mod runs``: the runs' spread enters
    through the fitted slope, the observation noise through the prediction
    error at the runs' mean.
    """
    x_runs = np.atleast_2d(np.asarray(x_runs, dtype=float))
    xbar = x_runs.mean(axis=0)
    m = eps.shape[1]
    pick = x_runs[np.arange(m) % x_runs.shape[0]].T  # (years, M)
    draws = fit.mean(pick) + fit.prediction_sd(xbar)[:, None] * eps
    return fit.mean(xbar), draws


def persistence_forecast(
    years_train: np.ndarray, z_train: np.ndarray, years: np.ndarray, eps: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float]:
    """The last training value for every later year; spread of a random walk
    whose step sd is estimated from the training years' changes (per year,
    gaps between observed years counted by their length).  Returns points,
    draws ``(years, M)`` and the step sd."""
    years_train = np.asarray(years_train)
    gaps = np.diff(years_train).astype(float)
    steps = np.diff(np.asarray(z_train, dtype=float)) / np.sqrt(gaps)
    step_sd = max(float(np.sqrt((steps**2).mean())), SIGMA_FLOOR)
    h = np.maximum(np.asarray(years, dtype=float) - years_train[-1], 1.0)
    point = np.full(len(years), float(z_train[-1]))
    return point, point[:, None] + (step_sd * np.sqrt(h))[:, None] * eps, step_sd


def persistence_in_sample(
    years_train: np.ndarray, z_train: np.ndarray, eps: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """In sample: each training year after the first forecast by the one before."""
    years_train = np.asarray(years_train)
    z_train = np.asarray(z_train, dtype=float)
    gaps = np.diff(years_train).astype(float)
    steps = np.diff(z_train) / np.sqrt(gaps)
    step_sd = max(float(np.sqrt((steps**2).mean())), SIGMA_FLOOR)
    point = z_train[:-1]
    return point, point[:, None] + (step_sd * np.sqrt(gaps))[:, None] * eps[: len(point)]


def ledger(ticks: np.ndarray, impulses: np.ndarray, n_ticks: int, decay: float) -> np.ndarray:
    """The event ledger per quarter: ``x(q) = decay * x(q-1) + sum of the
    quarter's impulses`` (``x = 0`` before the first event)."""
    e = np.zeros(n_ticks)
    np.add.at(e, np.asarray(ticks, dtype=int), np.asarray(impulses, dtype=float))
    x = np.empty(n_ticks)
    acc = 0.0
    for t in range(n_ticks):
        acc = decay * acc + e[t]
        x[t] = acc
    return x


def fit_decay(
    make_x: Callable[[float], np.ndarray], z: np.ndarray, decays: np.ndarray = DECAYS
) -> tuple[float, Fit]:
    """The decay whose ledger (``make_x(decay)`` at the training years) leaves
    the smallest residual spread in the observation model; ties go to the
    smaller decay."""
    best: tuple[float, Fit] | None = None
    for a in decays:
        f = fit_observation(make_x(float(a)), z)
        if best is None or f.sigma < best[1].sigma - 1e-12:
            best = (float(a), f)
    assert best is not None
    return best


def spearman(point: np.ndarray, obs: np.ndarray) -> float:
    """Spearman's rho of forecasts and observations; NaN with fewer than three
    years or a constant forecast (persistence's) or constant observations."""
    point, obs = np.asarray(point, dtype=float), np.asarray(obs, dtype=float)
    if len(obs) < 3 or np.ptp(point) <= 1e-12 * max(1.0, float(np.abs(point).max())):
        return float("nan")
    if np.ptp(obs) == 0:
        return float("nan")
    from scipy.stats import spearmanr  # deferred: scipy.stats takes most of a second

    return float(spearmanr(point, obs).statistic)


def spearman_rows(point: np.ndarray, obs: np.ndarray) -> np.ndarray:
    """:func:`spearman` of each row of ``point`` and ``obs`` (``(B, k)``, ties
    at their mean rank), NaN where either row is constant or ``k < 3``."""
    point, obs = np.atleast_2d(point), np.atleast_2d(obs)
    if point.shape[1] < 3:
        return np.full(point.shape[0], np.nan)
    from scipy.stats import rankdata  # deferred: scipy.stats takes most of a second

    rp, ro = rankdata(point, axis=1), rankdata(obs, axis=1)
    rp -= rp.mean(axis=1, keepdims=True)
    ro -= ro.mean(axis=1, keepdims=True)
    den = np.sqrt((rp**2).sum(axis=1) * (ro**2).sum(axis=1))
    flat = (np.ptp(point, axis=1) <= 1e-12 * np.maximum(1.0, np.abs(point).max(axis=1))) | (
        np.ptp(obs, axis=1) == 0
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = (rp * ro).sum(axis=1) / den
    return np.where(flat, np.nan, rho)


def year_losses(point: np.ndarray, draws: np.ndarray, obs: np.ndarray) -> dict[str, np.ndarray]:
    """Per year, on the data's scale: squared error, inside the 80% interval, CRPS."""
    # deferred: properscoring compiles its functions (numba) when imported, about
    # a second that the figures and sweeps importing this module need not pay
    import properscoring as ps

    lo, hi = np.quantile(draws, [(1 - COVERAGE) / 2, (1 + COVERAGE) / 2], axis=1)
    return {
        "sq": (np.asarray(point) - obs) ** 2,
        "inside": ((obs >= lo) & (obs <= hi)).astype(float),
        "crps": ps.crps_ensemble(obs, draws),
        "lo": lo,
        "hi": hi,
    }


def scores(point: np.ndarray, draws: np.ndarray, obs: np.ndarray) -> dict[str, float]:
    """``n``, ``spearman``, ``rmse``, ``coverage80``, ``crps`` of forecasts of
    ``obs`` (all on the data's scale): ``point`` ``(years,)``, ``draws`` ``(years, M)``."""
    obs = np.asarray(obs, dtype=float)
    if len(obs) == 0:
        nan = float("nan")
        return {"n": 0, "spearman": nan, "rmse": nan, "coverage80": nan, "crps": nan}
    loss = year_losses(point, draws, obs)
    return {
        "n": len(obs),
        "spearman": spearman(point, obs),
        "rmse": float(np.sqrt(loss["sq"].mean())),
        "coverage80": float(loss["inside"].mean()),
        "crps": float(loss["crps"].mean()),
    }


def bootstrap_difference(
    a: dict[str, np.ndarray],
    b: dict[str, np.ndarray],
    obs: np.ndarray,
    rng: np.random.Generator,
    n_boot: int = 1000,
    level: float = 0.95,
) -> dict[str, tuple[float, float, float]]:
    """Rung ``a`` minus rung ``b`` on the same years: for ``crps``, ``rmse`` and
    ``spearman``, the difference and its bootstrap interval over years (the
    same resampled years for both).  ``a`` and ``b`` hold ``point`` and the
    :func:`year_losses` of each; every year resampled with replacement."""
    k = len(obs)
    nan3 = (float("nan"),) * 3
    if k == 0:
        return {"crps": nan3, "rmse": nan3, "spearman": nan3}
    idx = rng.integers(0, k, size=(n_boot, k))
    q = [100 * (1 - level) / 2, 100 * (1 + level) / 2]

    def interval(est: float, boots: np.ndarray) -> tuple[float, float, float]:
        ok = boots[np.isfinite(boots)]
        if not np.isfinite(est) or len(ok) < len(boots) // 2:
            return (est, float("nan"), float("nan"))
        lo, hi = np.percentile(ok, q)
        return (est, float(lo), float(hi))

    d_crps = a["crps"] - b["crps"]
    out = {"crps": interval(float(d_crps.mean()), d_crps[idx].mean(axis=1))}
    ra = np.sqrt(a["sq"][idx].mean(axis=1))
    rb = np.sqrt(b["sq"][idx].mean(axis=1))
    out["rmse"] = interval(float(np.sqrt(a["sq"].mean()) - np.sqrt(b["sq"].mean())), ra - rb)
    est = spearman(a["point"], obs) - spearman(b["point"], obs)
    boots = spearman_rows(a["point"][idx], obs[idx]) - spearman_rows(b["point"][idx], obs[idx])
    out["spearman"] = interval(est, boots) if np.isfinite(est) else nan3
    return out
