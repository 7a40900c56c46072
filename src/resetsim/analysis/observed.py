"""The observed opinion series (to 2013) as rank evidence for a calibration.

Two public-opinion series ship in ``resetsim/data/observed/`` (copied from the
project's shared data, README there): Gallup's share of Americans with a
favourable view of Russia (1989-2013) and Levada's share of Russians who feel
good about the USA (1997-2013).  They measure *public* views, one step removed
from a state's trust in the other, so they are read as a noisy monotone proxy:
only ranks and directions are compared, never levels.

Reading rules (:func:`load_series`):

* a row's quarter is its year and month; a row without a month is taken as
  February (Gallup's usual fieldwork; the README) and one flagged
  ``annual_average`` is dropped when the same year has dated rows;
* rows flagged ``conflict`` (a second, disputed figure for the same poll) and
  rows without a number are dropped; a range ``45-47`` counts as its midpoint;
* several rows in one quarter are averaged.

Gallup is compared with ``usa_trust``, Levada with ``rus_trust``
(:data:`SERIES`).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

from resetsim.core import calendar as cal

#: series name -> (file, value column, the trajectory column it is read against)
SERIES: dict[str, tuple[str, str, str]] = {
    "gallup": ("gallup_us_view_of_russia_1989_2013.csv", "favorable_pct", "usa_trust"),
    "levada": ("levada_russian_view_of_us_1997_2013.csv", "good_pct", "rus_trust"),
}


@dataclass(frozen=True)
class Series:
    """One observed series: quarters (calendar index) and values, in time order."""

    name: str
    column: str  # trajectory column it proxies
    quarters: np.ndarray  # (k,) int
    values: np.ndarray  # (k,) float

    def select(self, first: int | None = None, last: int | None = None) -> Series:
        """The rows with ``first <= quarter <= last`` (either bound optional)."""
        keep = np.ones(len(self.quarters), dtype=bool)
        if first is not None:
            keep &= self.quarters >= first
        if last is not None:
            keep &= self.quarters <= last
        return Series(self.name, self.column, self.quarters[keep], self.values[keep])


def poll_number(text: str) -> float | None:
    """A poll table's cell as a number: empty is ``None``, a range ``a-b`` its midpoint."""
    text = (text or "").strip()
    if not text:
        return None
    if "-" in text[1:]:
        a, b = text.split("-", 1)
        return 0.5 * (float(a) + float(b))
    return float(text)


@cache
def load_series(name: str) -> Series:
    """The series ``name`` (a key of :data:`SERIES`) by the module's reading rules."""
    file, col, traj = SERIES[name]
    text = resources.files("resetsim").joinpath("data", "observed", file).read_text("utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    dated_years = {r["year"] for r in rows if (r.get("month") or "").strip()}
    by_q: dict[int, list[float]] = {}
    for r in rows:
        flag = (r.get("flag") or "").strip()
        value = poll_number(r.get(col, ""))
        if value is None or flag == "conflict":
            continue
        if flag == "annual_average" and r["year"] in dated_years:
            continue
        month = int((r.get("month") or "").strip() or 2)
        q = cal.parse_quarter(f"{int(r['year']):04d}-{month:02d}")
        by_q.setdefault(q, []).append(value)
    qs = np.array(sorted(by_q), dtype=np.int64)
    vals = np.array([np.mean(by_q[q]) for q in qs], dtype=float)
    return Series(name, traj, qs, vals)


def _ranks(x: np.ndarray) -> np.ndarray:
    """Ranks along the last axis: for one series (the observed values) ties
    share their mean rank; for runs ``(n, k)`` ties (rare in simulated floats)
    are ranked in time order."""
    order = np.argsort(x, axis=-1, kind="stable")
    ranks = np.empty_like(x, dtype=float)
    np.put_along_axis(ranks, order, np.arange(x.shape[-1], dtype=float)[None, :], axis=-1)
    if x.ndim == 1:
        out = ranks.copy()
        for v in np.unique(x):
            tie = x == v
            out[tie] = ranks[tie].mean()
        return out
    return ranks


def rank_correlation(sim: np.ndarray, first_quarter: int, series: Series) -> np.ndarray:
    """Per run, Spearman's rank correlation between ``sim`` (``(runs, ticks)``
    starting at calendar quarter ``first_quarter``) at the series' quarters and
    the series' values; NaN with fewer than three rows or a constant run."""
    sim = np.atleast_2d(np.asarray(sim, dtype=float))
    t = series.quarters - int(first_quarter)
    ok = (t >= 0) & (t < sim.shape[1])
    t, obs = t[ok], series.values[ok]
    n = sim.shape[0]
    if len(t) < 3:
        return np.full(n, np.nan)
    ro = _ranks(obs)
    ro = ro - ro.mean()
    rs = _ranks(sim[:, t])
    rs = rs - rs.mean(axis=1, keepdims=True)
    den = np.sqrt((rs**2).sum(axis=1) * (ro**2).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = (rs * ro[None, :]).sum(axis=1) / den
    const = np.ptp(sim[:, t], axis=1) == 0
    return np.where(const, np.nan, rho)


def direction_agreement(
    sim: np.ndarray, first_quarter: int, series: Series, base_quarter: int
) -> np.ndarray:
    """Per run, the share of the series' rows whose change from the row at
    ``base_quarter`` has the same sign in ``sim`` (the out-of-sample reading:
    did the run move the way opinion moved after the training period?)."""
    sim = np.atleast_2d(np.asarray(sim, dtype=float))
    base = np.flatnonzero(series.quarters == base_quarter)
    t = series.quarters - int(first_quarter)
    later = (series.quarters > base_quarter) & (t < sim.shape[1])
    if not len(base) or not later.any():
        return np.full(sim.shape[0], np.nan)
    b = int(base[0])
    obs = np.sign(series.values[later] - series.values[b])
    mod = np.sign(sim[:, t[later]] - sim[:, [t[b]]])
    return (mod == obs[None, :]).mean(axis=1)
