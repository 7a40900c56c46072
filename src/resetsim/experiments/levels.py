"""Observed levels as calibration evidence: each training series, year by year,
through the ladder's observation model (``resetsim calibrate --evidence levels``).

Also here, shared with the ladder (:mod:`resetsim.experiments.ladder_inputs`):
:func:`quantity` (an ``observes`` name as a ``(runs, ticks)`` array),
:func:`scenario_years` and :func:`annual` (a run's yearly means).

The discrepancy of one run and one series: on the series' working scale ``z``
(logit of a percent or share, the value of an index;
:func:`resetsim.analysis.ladder.to_working`) the observation model
``z = alpha + beta * x + e`` is fitted by least squares to the run's annual
means ``x`` over the training years, and the discrepancy is its residual
standard deviation over that of ``z`` (both with ``n`` in the denominator):
``sqrt(1 - r^2)``, ``r`` the correlation of ``x`` and ``z``.  It is 0 when
the run's yearly levels are an exact affine image of the observations and 1
when they explain nothing; a poll (``percent`` or ``share``) must rise with
the quantity it observes (``beta > 0``), otherwise the discrepancy is 1; an
``index`` (its direction is the series' own: the UN distance falls as
relations improve) may have either sign.  A run whose quantity does not vary
over the training years has discrepancy 1.

When a side's trust is a latent attitude (model v3, ``latent_trust`` = 1)
it is on a poll's working scale already (the logit of a favourable share):
the observation model of a poll of it is the identity, and the discrepancy is
the root mean square of ``z - x`` over the standard deviation of ``z``
(:func:`identity_discrepancy`), so the level is the model's to get right.

Only years up to :data:`LAST_FIT_YEAR` are read, and with a ``train_until``
quarter only the years whose last quarter is at or before it: never data
after 2013.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from resetsim.analysis.episodes import relationship_index
from resetsim.analysis.ladder import MIN_TRAIN, to_working
from resetsim.core.columns import trust_columns
from resetsim.scenario.observations import Observations

#: The last year the calibration may read (later years test the model).
LAST_FIT_YEAR = 2013
#: Scales whose series must rise with the quantity they observe.
RISING_SCALES = ("percent", "share")
#: The largest discrepancy of a run read through the identity (a run far off
#: the polls' level still ranks below a nearer one, up to this).
MAX_IDENTITY = 5.0


def quantity(observes: str, data, compiled, p=None) -> np.ndarray:
    """The ``(runs, ticks)`` array of a model quantity named as in ``observes``
    (``p``: the runs' parameters, for the trust scale the index reads)."""
    who, var = observes.split(".", 1)
    if who != "dyad":
        return np.asarray(data[f"{who}_{var}"], dtype=float)
    if var == "relationship_index":
        det_p = compiled.params()
        if p is not None and "latent_trust" in p:
            det_p = {**det_p, "latent_trust": p["latent_trust"]}
        return relationship_index(data, compiled.state_ids, det_p)
    if var == "mean_trust":
        a, b = (np.asarray(data[c], dtype=float) for c in trust_columns(compiled.state_ids))
        return 0.5 * (a + b)
    return np.asarray(data[var], dtype=float)


def scenario_years(compiled) -> np.ndarray:
    """The calendar years the scenario covers (at least one quarter in the run)."""
    return np.unique(np.asarray(compiled.quarters) // 4)


def annual(x: np.ndarray, compiled) -> np.ndarray:
    """``(runs, ticks)`` -> ``(runs, years)``: each year's mean over its quarters."""
    x = np.atleast_2d(x)
    year = np.asarray(compiled.quarters) // 4
    years = scenario_years(compiled)
    return np.stack([x[:, year == y].mean(axis=1) for y in years], axis=1)


@dataclass(frozen=True, eq=False)
class LevelSeries:
    """One series' training years, ready for :func:`discrepancy`."""

    id: str
    observes: str
    scale: str
    years: np.ndarray  # (k,) int, inside the scenario and the fit years
    z: np.ndarray  # (k,) the observations on the working scale

    @property
    def rising(self) -> bool:
        return self.scale in RISING_SCALES


def training_levels(
    obs: Observations, compiled, train_until: int | None = None, drop_short: bool = False
) -> tuple[LevelSeries, ...]:
    """The series of ``obs`` cut to the fit years (at most :data:`LAST_FIT_YEAR`,
    inside the scenario, and with ``train_until`` (a quarter index) only the
    years it covers whole).  Raises ``ValueError`` (one line) for a series left
    with fewer than the ladder's minimum of training years; with
    ``drop_short`` (a rolling origin, where such a series is not scored
    either) that series is left out instead, and only a file left with no
    series at all raises."""
    last = LAST_FIT_YEAR
    if train_until is not None:
        last = min(last, (int(train_until) + 1) // 4 - 1)
    years = scenario_years(compiled)
    out = []
    for s in obs.series:
        keep = (s.years <= last) & np.isin(s.years, years) & np.isfinite(s.values)
        if keep.sum() < MIN_TRAIN:
            if drop_short:
                continue
            raise ValueError(
                f"{obs.path}: series {s.id!r} has {int(keep.sum())} years up to {last} inside "
                f"the scenario; at least {MIN_TRAIN} needed"
            )
        out.append(
            LevelSeries(
                s.id, s.observes, s.scale, s.years[keep], to_working(s.values[keep], s.scale)
            )
        )
    if not out:
        raise ValueError(
            f"{obs.path}: no series has {MIN_TRAIN} years up to {last} inside the scenario"
        )
    return tuple(out)


def digest(levels) -> str:
    """A digest of the series' ids, years and values (what ``--resume`` must match)."""
    h = hashlib.sha256()
    for s in levels:
        h.update(f"{s.id}|{s.observes}|{s.scale}".encode())
        h.update(np.ascontiguousarray(s.years, dtype=np.int64).tobytes())
        h.update(np.ascontiguousarray(s.z, dtype=np.float64).tobytes())
    return h.hexdigest()


def record_columns(levels, compiled) -> list[str]:
    """The trajectory columns :func:`discrepancy` reads for ``levels``."""
    cols: list[str] = []
    for s in levels:
        who, var = s.observes.split(".", 1)
        if who != "dyad":
            need = [f"{who}_{var}"]
        elif var in ("relationship_index", "mean_trust"):
            need = [*trust_columns(compiled.state_ids), "cooperation"]
        else:
            need = [var]
        cols += [c for c in need if c not in cols]
    return cols


def discrepancy(x: np.ndarray, z: np.ndarray, rising: bool) -> np.ndarray:
    """Per run (rows of ``x``, ``(runs, k)``): ``sqrt(1 - r^2)`` of the run's
    annual means and the observations ``z`` ``(k,)``; 1 for a flat run or,
    when ``rising``, a negative slope."""
    x = np.atleast_2d(np.asarray(x, dtype=float))
    z = np.asarray(z, dtype=float)
    dx = x - x.mean(axis=1, keepdims=True)
    dz = z - z.mean()
    sxx = (dx**2).sum(axis=1)
    szz = float((dz**2).sum())
    sxz = dx @ dz
    flat = (sxx <= 1e-12 * np.maximum(1.0, np.abs(x).max(axis=1) ** 2)) | (szz <= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = np.where(flat, 0.0, sxz**2 / (sxx * szz))
    d = np.sqrt(np.clip(1.0 - r2, 0.0, 1.0))
    wrong_way = rising & (sxz <= 0)
    return np.where(flat | wrong_way, 1.0, d)


def identity_discrepancy(x: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Per run: the root mean square of ``x - z`` over the standard deviation
    of ``z`` (at most :data:`MAX_IDENTITY`): the discrepancy when the model's
    quantity is already on the series' working scale (a latent attitude and
    the logit of a poll), so the observation model is the identity and level
    and scale are the model's to get right.  Never below the affine fit's
    ``sqrt(1 - r^2)``; 1 for a run that sits at the series' mean."""
    x = np.atleast_2d(np.asarray(x, dtype=float))
    z = np.asarray(z, dtype=float)
    sz = float(np.sqrt(np.mean((z - z.mean()) ** 2)))
    rms = np.sqrt(np.mean((x - z) ** 2, axis=1))
    return np.minimum(rms / max(sz, 1e-12), MAX_IDENTITY)


def on_working_scale(series: LevelSeries, p) -> np.ndarray | bool:
    """Whether (per run) the quantity a series observes is already on its
    working scale: a poll of a side's trust when trust is a latent attitude
    (``latent_trust`` = 1, read per run from ``p``)."""
    who, var = series.observes.split(".", 1)
    if p is None or who == "dyad" or var != "trust" or not series.rising:
        return False
    return np.asarray(p.get("latent_trust", 0.0), dtype=float) >= 0.5


def level_discrepancies(levels, compiled, data, p=None) -> dict[str, np.ndarray]:
    """``{"d_level_<series id>": (runs,)}`` for every series of ``levels``
    (``p``: the runs' parameters; a poll of a latent trust is read through the
    identity, :func:`identity_discrepancy`, the others through the affine fit)."""
    years = scenario_years(compiled)
    out = {}
    for s in levels:
        x = annual(quantity(s.observes, data, compiled, p), compiled)
        x = x[:, np.searchsorted(years, s.years)]
        d = discrepancy(x, s.z, s.rising)
        ident = on_working_scale(s, p)
        if np.any(ident):
            d = np.where(ident, identity_discrepancy(x, s.z), d)
        out[f"d_level_{s.id}"] = d
    return out
