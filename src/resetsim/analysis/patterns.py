"""The pattern-oriented scorecard: how many of a history's patterns its runs show.

:func:`scorecard` computes, for each pattern of a patterns file
(:mod:`resetsim.scenario.patterns`), one simulated statistic over the runs with
its 95% interval and whether it passes (``simulated >= at_least``): the rows of
``patterns.csv`` (:data:`PATTERN_COLUMNS`).  Statistics by test:

* share of runs (Wilson interval): ``turn`` (one of the six turns of
  :mod:`resetsim.analysis.turns`), ``shortest_honeymoon`` (the episode matched
  to ``episode`` has a shorter honeymoon, onset to peak, than every other matched
  one of ``among``), ``lows_ordered`` (the lowest ``mean_trust`` in each window
  is below the one in the window before), ``leads`` (``series``' quarterly
  changes lead ``other``'s: the best cross-correlation at lags 1-4 is larger
  that way than the other way), ``direction`` (``series`` at ``second`` is
  above (``rise``) or below (``fall``) its value at ``first``);
* mean over runs (t interval): ``fidelity`` (the fidelity score to the targets);
* median over runs (2.5-97.5% percentiles of the runs): ``spearman`` (Spearman
  rank correlation of ``series`` sampled at the observed dates, a yearly mean
  where the month is unknown, with the observed values), ``sign_agreement``
  (share of consecutive observations whose change has the same sign in the
  run: turning points).  Ranks and turns, never levels: opinion is a proxy.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from resetsim.analysis import fidelity
from resetsim.analysis.episodes import Episodes
from resetsim.analysis.statistics import mean_ci, wilson
from resetsim.analysis.turns import mean_trust, six_turns
from resetsim.core import calendar as cal
from resetsim.scenario.patterns import Observed, Pattern, Patterns

#: The columns of ``patterns.csv``.
PATTERN_COLUMNS = ("pattern", "kind", "target", "simulated", "lo", "hi", "passed", "sample")
MAX_LAG = 4


def _series(data: Mapping[str, np.ndarray], name: str, ids) -> np.ndarray:
    if name == "mean_trust":
        return mean_trust(data, ids)
    return np.atleast_2d(np.asarray(data[name], dtype=float))


def _share(hit: np.ndarray) -> tuple[float, float, float]:
    p, lo, hi = wilson(np.array([hit.sum()]), np.array([hit.size]))
    return float(p[0]), float(lo[0]), float(hi[0])


def _median(x: np.ndarray) -> tuple[float, float, float]:
    x = x[np.isfinite(x)]
    if not len(x):
        return np.nan, np.nan, np.nan
    lo, mid, hi = np.percentile(x, [2.5, 50, 97.5])
    return float(mid), float(lo), float(hi)


def _tick(compiled, label: str) -> int:
    t = cal.parse_quarter(label) - int(compiled.quarters[0])
    if not 0 <= t < compiled.n_ticks:
        raise ValueError(f"quarter {label} is outside the run")
    return t


def sample_observed(x: np.ndarray, compiled, obs: Observed) -> tuple[np.ndarray, np.ndarray]:
    """``x`` ``(runs, ticks)`` at the observed dates (the year's mean where the
    month is unknown), and the observed values, both in date order; rows outside
    the run are left out."""
    q0, T = int(compiled.quarters[0]), compiled.n_ticks
    cols, vals, keys = [], [], []
    for q, y, v in zip(obs.quarter, obs.year, obs.value, strict=True):
        if q >= 0:
            t = int(q) - q0
            if 0 <= t < T:
                cols.append(x[:, t])
                vals.append(v)
                keys.append(t)
        else:
            a = cal.parse_quarter(f"{int(y)}Q1") - q0
            if a >= 0 and a + 4 <= T:
                cols.append(x[:, a : a + 4].mean(axis=1))
                vals.append(v)
                keys.append(a + 1.5)
    order = np.argsort(keys, kind="stable")
    sim = np.stack(cols, axis=1)[:, order] if cols else np.empty((x.shape[0], 0))
    return sim, np.asarray(vals, dtype=float)[order]


def _rank(a: np.ndarray) -> np.ndarray:
    """Average ranks along the last axis (ties share their mean rank)."""
    from scipy.stats import rankdata  # deferred: scipy.stats takes a while to import

    return rankdata(a, axis=-1)


def spearman(sim: np.ndarray, obs: np.ndarray) -> np.ndarray:
    """Per run: Spearman's rank correlation of ``sim[r]`` with ``obs``."""
    rs = _rank(sim)
    ro = _rank(obs[None, :])
    rs = rs - rs.mean(axis=1, keepdims=True)
    ro = ro - ro.mean(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (rs * ro).sum(axis=1) / np.sqrt((rs * rs).sum(axis=1) * (ro * ro).sum())


def sign_agreement(sim: np.ndarray, obs: np.ndarray) -> np.ndarray:
    """Per run: share of consecutive observations (a change of the observed
    value) whose simulated change has the same sign."""
    do = np.diff(obs)
    ds = np.diff(sim, axis=1)
    m = do != 0
    return (np.sign(ds[:, m]) == np.sign(do[m])[None, :]).mean(axis=1)


def leads(x: np.ndarray, y: np.ndarray, max_lag: int = MAX_LAG) -> np.ndarray:
    """Per run: True where ``x``'s quarterly changes lead ``y``'s (best correlation
    of ``dx_t`` with ``dy_{t+k}``, k = 1..max_lag, above the best the other way)."""
    dx, dy = np.diff(x, axis=1), np.diff(y, axis=1)

    def corr(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        a = a - a.mean(axis=1, keepdims=True)
        b = b - b.mean(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            return (a * b).sum(axis=1) / np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))

    ahead = np.max([corr(dx[:, :-k], dy[:, k:]) for k in range(1, max_lag + 1)], axis=0)
    behind = np.max([corr(dy[:, :-k], dx[:, k:]) for k in range(1, max_lag + 1)], axis=0)
    return np.nan_to_num(ahead, nan=-2) > np.nan_to_num(behind, nan=-2)


def lows_ordered(m: np.ndarray, compiled, windows) -> np.ndarray:
    """Per run: the lowest ``m`` of each window is below that of the window before."""
    lows = [m[:, _tick(compiled, a) : _tick(compiled, b) + 1].min(axis=1) for a, b in windows]
    return np.logical_and.reduce([lows[i + 1] < lows[i] for i in range(len(lows) - 1)])


def shortest_honeymoon(
    compiled, ep: Episodes, targets, episode: str, among: list[str]
) -> np.ndarray:
    """Per run: the episode matched to ``episode`` has a shorter honeymoon than every
    other matched episode of ``among`` (False if it is not matched)."""
    sc = fidelity.score(targets, compiled, ep)
    ids = targets.ids
    hm = ep.honeymoon()
    rows = np.arange(ep.n_runs)

    def honeymoon(tid: str) -> np.ndarray:
        k = sc.episode[:, ids.index(tid)]
        return np.where(k >= 0, hm[rows, np.maximum(k, 0)], np.nan)

    mine = honeymoon(episode)
    ok = np.isfinite(mine)
    for other in among:
        if other == episode:
            continue
        h = honeymoon(other)
        ok &= ~(np.isfinite(h) & (h <= mine))
    return ok


def evaluate(
    p: Pattern,
    patterns: Patterns,
    compiled,
    data: Mapping[str, np.ndarray],
    ep: Episodes,
    targets: Any = None,
    min_turn: float = 0.02,
) -> tuple[str, float, float, float]:
    """``(target text, simulated, lo, hi)`` of one pattern."""
    ids = compiled.state_ids
    t = p.test
    if t == "turn":
        hit = six_turns(mean_trust(data, ids), int(compiled.quarters[0]), min_turn)[p.turn]
        return f"share of runs >= {p.at_least:g}", *_share(hit)
    if t == "fidelity":
        if targets is None:
            raise ValueError("a fidelity pattern needs the scenario's targets")
        mean, lo, hi = mean_ci(fidelity.score(targets, compiled, ep).score)
        return f"mean score >= {p.at_least:g}", float(mean), float(lo), float(hi)
    if t == "shortest_honeymoon":
        if targets is None:
            raise ValueError("a shortest_honeymoon pattern needs the scenario's targets")
        hit = shortest_honeymoon(compiled, ep, targets, p.episode or "", list(p.among or []))
        return f"share of runs >= {p.at_least:g}", *_share(hit)
    if t == "lows_ordered":
        hit = lows_ordered(mean_trust(data, ids), compiled, p.windows or [])
        return f"share of runs >= {p.at_least:g}", *_share(hit)
    x = _series(data, p.series or "", ids)
    if t == "leads":
        hit = leads(x, _series(data, p.other or "", ids))
        return f"share of runs >= {p.at_least:g}", *_share(hit)
    if t == "direction":
        a, b = x[:, _tick(compiled, p.first or "")], x[:, _tick(compiled, p.second or "")]
        hit = b > a if p.expect == "rise" else b < a
        return f"share of runs >= {p.at_least:g}", *_share(hit)
    sim, obs = sample_observed(x, compiled, patterns.observed[p.id])
    if t == "spearman":
        return f"median rho >= {p.at_least:g}", *_median(spearman(sim, obs))
    return f"median share >= {p.at_least:g}", *_median(sign_agreement(sim, obs))


def sample_label(p, compiled) -> str:
    """A pattern's ``sample`` for these runs: ``sample_with_posterior`` when the
    runs drew their parameters from the scenario's posterior, else ``sample``."""
    drawn = getattr(compiled, "posterior", None) is not None
    return p.sample_with_posterior if drawn and p.sample_with_posterior else p.sample


def scorecard(
    patterns: Patterns,
    compiled,
    data: Mapping[str, np.ndarray],
    ep: Episodes,
    targets: Any = None,
) -> pd.DataFrame:
    """``patterns.csv``: one row per pattern (:data:`PATTERN_COLUMNS`)."""
    rows = []
    for p in patterns.spec.patterns:
        target, sim, lo, hi = evaluate(
            p, patterns, compiled, data, ep, targets, patterns.spec.min_turn
        )
        rows.append(
            {
                "pattern": p.id,
                "kind": p.kind,
                "target": target,
                "simulated": sim,
                "lo": lo,
                "hi": hi,
                "passed": bool(np.isfinite(sim) and sim >= p.at_least),
                "sample": sample_label(p, compiled),
            }
        )
    return pd.DataFrame(rows, columns=list(PATTERN_COLUMNS))


def scorecard_line(table: pd.DataFrame) -> list[str]:
    """The console's plain words: how many patterns passed and which failed."""
    n, k = len(table), int(table["passed"].sum())
    out = [f"patterns: {k} of {n} passed ({k / n:.0%}); see patterns.csv"]
    failed = table.loc[~table["passed"].astype(bool), "pattern"].tolist()
    if failed:
        out.append("  failed: " + ", ".join(failed))
    else:
        out.append("  failed: none")
    outs = table[table["sample"] == "out"]
    if len(outs):
        out.append(
            f"  out of sample (not used in fitting): {int(outs['passed'].sum())} of {len(outs)}"
            " passed"
        )
    return out
