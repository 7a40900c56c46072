"""A state's trust on an opinion poll's scale: the ladder's observation model
fitted to the training years, for drawing the model and the polls together.

:func:`opinion_link` fits ``logit(poll / 100) = alpha + beta * x`` by least
squares (:func:`resetsim.analysis.ladder.fit_observation`), ``x`` a year's mean
of the trust column over its quarters and over the runs, on the years that
have a poll, lie in the run, and are training years (up to
:data:`LAST_TRAINING_YEAR`, and before a forecast origin when one is given).
Nothing after those years is read.  The link maps any value of the trust
column, whatever its scale (a share in [0, 1] or an unbounded latent score),
to the poll's percent (:meth:`OpinionLink.to_data`) and back
(:meth:`OpinionLink.to_model`).  The map is the observation model's mean: it
carries no observation noise.  A poll must rise with the trust it observes:
a link whose slope is not positive is returned with ``rising`` false, and
a figure should then not put the two on one axis.

When trust is a latent attitude on a poll's working scale already (the
logit of a favourable share: the ``latent_trust`` switch of model v3, read by
:func:`is_latent`), nothing is fitted: :func:`identity_link` reads the
trust as the logit of the poll's share, so level and scale are the model's
own claim, as the calibration scores them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from resetsim.analysis.ladder import MIN_TRAIN, Fit, fit_observation, from_working, to_working
from resetsim.core.params import PARAM_BY_NAME

#: The last year a link may read (later years test the model; never fitted).
LAST_TRAINING_YEAR = 2013
#: The switch (a registry parameter, when the model has it) that makes trust
#: a latent attitude on the logit scale of a favourable share.
LATENT_SWITCH = "latent_trust"
#: Percent values the inverse map is clipped to (the logit is infinite at 0 and 100).
PERCENT_CLIP = (1e-3, 100 - 1e-3)


def annual_means(y: np.ndarray, quarters: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(years, means)``: the mean of ``y`` ``(runs, ticks)`` over each calendar
    year's quarters and over the runs (``quarters``: absolute quarter indices)."""
    year = np.asarray(quarters) // 4
    years = np.unique(year)
    y = np.atleast_2d(np.asarray(y, dtype=float))
    return years, np.array([float(y[:, year == k].mean()) for k in years])


@dataclass(frozen=True)
class OpinionLink:
    """A fitted link of one trust column to one percent series."""

    column: str  # the trust column, e.g. ``usa_trust``
    series: str  # the series' id
    source: str  # where the numbers come from
    years: np.ndarray  # the training years the fit read, (k,)
    values: np.ndarray  # their observed values, percent, (k,)
    x: np.ndarray  # the model's annual means in those years, (k,)
    fit: Fit

    identity: bool = False  # trust read as the poll's logit, nothing fitted

    @property
    def rising(self) -> bool:
        """True when the poll rises with trust (a positive fitted slope)."""
        return self.identity or (self.fit.rule == "ols" and self.fit.beta > 0)

    @property
    def r(self) -> float:
        """The correlation of the model's annual means and the poll's logit over
        the training years (NaN when either is constant): how much of the
        poll's ups and downs the fitted line follows."""
        z = to_working(self.values, "percent")
        if np.ptp(self.x) == 0 or np.ptp(z) == 0:
            return float("nan")
        return float(np.corrcoef(self.x, z)[0, 1])

    def to_data(self, x: np.ndarray) -> np.ndarray:
        """Trust (any scale) -> the poll's percent, through the fitted mean."""
        return from_working(self.fit.mean(x), "percent")

    def to_model(self, percent: np.ndarray) -> np.ndarray:
        """The poll's percent -> the trust at which the fitted mean gives it
        (percent clipped to :data:`PERCENT_CLIP`); needs :attr:`rising`."""
        if not self.rising:
            raise ValueError(f"the link of {self.series} to {self.column} does not rise")
        p = np.clip(np.asarray(percent, dtype=float), *PERCENT_CLIP)
        return (to_working(p, "percent") - self.fit.alpha) / self.fit.beta

    def fitted_text(self) -> str:
        """The fitted line in words, for a figure's note."""
        if self.identity:
            return "logit(% / 100) = trust (the latent attitude; nothing fitted)"
        f = self.fit
        sign = "+" if f.beta >= 0 else "-"
        return f"logit(% / 100) = {f.alpha:.2f} {sign} {abs(f.beta):.2f} x trust"


def _training_points(years, values, trust, quarters, before_year, last_year):
    """The poll's years up to ``last_year`` (and before ``before_year``) that
    the runs also have, their values, and the runs' annual means there."""
    run_years, x_all = annual_means(trust, quarters)
    years = np.asarray(years, dtype=int)
    values = np.asarray(values, dtype=float)
    keep = (years <= last_year) & np.isin(years, run_years)
    if before_year is not None:
        keep &= years < before_year
    ty, tv = years[keep], values[keep]
    return ty, tv, x_all[np.searchsorted(run_years, ty)]


def opinion_link(
    column: str,
    series_id: str,
    source: str,
    years: np.ndarray,
    values: np.ndarray,
    trust: np.ndarray,
    quarters: np.ndarray,
    before_year: int | None = None,
    last_year: int = LAST_TRAINING_YEAR,
) -> OpinionLink | None:
    """The link of a trust column ``trust`` ``(runs, ticks)`` to a percent
    series (``years``, ``values``), fitted on the years up to ``last_year``
    (and before ``before_year`` when given) that the series and the run both
    have; ``None`` with fewer than three such years
    (:data:`resetsim.analysis.ladder.MIN_TRAIN`)."""
    ty, tv, x = _training_points(years, values, trust, quarters, before_year, last_year)
    try:
        fit = fit_observation(x, to_working(tv, "percent"))
    except ValueError:
        return None
    return OpinionLink(column, series_id, source, ty, tv, x, fit)


def is_latent(params) -> bool:
    """Whether runs with parameters ``params`` (a mapping; a missing switch
    takes the registry's default) hold trust as a latent attitude
    (:data:`LATENT_SWITCH`)."""
    default = PARAM_BY_NAME[LATENT_SWITCH].default if LATENT_SWITCH in PARAM_BY_NAME else 0.0
    value = (params or {}).get(LATENT_SWITCH, default)
    return float(np.max(np.asarray(value, dtype=float))) >= 0.5


def identity_link(
    column: str,
    series_id: str,
    source: str,
    years: np.ndarray,
    values: np.ndarray,
    trust: np.ndarray,
    quarters: np.ndarray,
    before_year: int | None = None,
    last_year: int = LAST_TRAINING_YEAR,
) -> OpinionLink | None:
    """The link of a latent trust to a poll: the identity on the poll's
    working scale (``alpha = 0``, ``beta = 1``; ``sigma`` the root mean square
    of the model's annual means less the poll's logit over the training years
    chosen as in :func:`opinion_link`); ``None`` with fewer than three."""
    ty, tv, x = _training_points(years, values, trust, quarters, before_year, last_year)
    if len(ty) < MIN_TRAIN:
        return None
    sigma = float(np.sqrt(np.mean((x - to_working(tv, "percent")) ** 2)))
    fit = Fit(0.0, 1.0, sigma, len(ty), float(np.mean(x)), 0.0, "identity")
    return OpinionLink(column, series_id, source, ty, tv, x, fit, identity=True)
