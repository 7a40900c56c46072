"""The paper's six turning points, read per run from ``m = (usa_trust + rus_trust) / 2``.

Two sets of rules.  The default (:func:`six_turns` without ``min_turn``)
measures every step as a share of the run's own 1989-2013 range
``R = max(m) - min(m)`` over 1989Q1-2013Q4, so it reads the same on any scale
(a bounded trust or a latent attitude):

1. ``dip_1992_93``: the lowest ``m`` of 1992Q3-1993Q4 lies at least 0.07 R
   below the highest ``m`` of 1990Q1-1992Q2 *and* 0.07 R below the highest
   ``m`` of 1994Q1-1997Q4.
2. ``kosovo_low``: the lowest ``m`` of 1998Q3-2000Q2 lies at least 0.12 R below
   the highest ``m`` of 1996Q1-1998Q2.
3. ``rise_after_9_11``: the highest ``m`` of 2001Q4-2002Q4 lies at least
   0.07 R above ``m`` in 2001Q2.
4. ``georgia_low``: the lowest ``m`` of 2007Q1-2009Q4 falls in 2008Q3-2009Q1.
5. ``rise_2009_11``: the highest ``m`` of 2009Q2-2011Q4 lies at least 0.12 R
   above that low (the 2007-09 minimum).
6. ``low_2014_16``: some quarter of 2014Q2-2016Q4 lies below every quarter of
   1989Q1-2013Q4.

The earlier rules (model v2), kept for the patterns files and the
calibration evidence that name a ``min_turn``, follow; pass ``min_turn``
(e.g. 0.02) to :func:`six_turns` to read them:

each turn is a plain rule over the quarterly series ``m`` of one run and
needs a change of at least ``min_turn`` on the trust scale:

1. ``dip_1992_93``: the first reset ends before Clinton's.  The lowest ``m`` in
   1992Q3-1993Q4 lies ``min_turn`` below the highest ``m`` of 1989Q1 up to that
   quarter *and* ``min_turn`` below the highest ``m`` from it to 1997Q4.
2. ``kosovo_low``: the lowest ``m`` in 1998Q3-2000Q4 lies ``min_turn`` below
   the highest ``m`` of 1993Q1-1998Q2.
3. ``rise_after_9_11``: the highest ``m`` in 2001Q4-2003Q2 lies ``min_turn``
   above ``m`` in 2001Q2 (before the attack).
4. ``georgia_low``: the lowest ``m`` of 2006Q1-2010Q4 falls in 2008Q3-2009Q1
   and lies ``min_turn`` below the highest ``m`` of 2001Q4-2008Q2.
5. ``rise_2009_11``: the highest ``m`` in 2009Q2-2011Q4 lies ``min_turn``
   above the lowest ``m`` of 2008Q3-2009Q1.
6. ``low_2014_16``: the lowest ``m`` in 2014Q1-2016Q4 is below every earlier
   quarter's ``m``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from resetsim.core import calendar as cal

TURNS: tuple[str, ...] = (
    "dip_1992_93",
    "kosovo_low",
    "rise_after_9_11",
    "georgia_low",
    "rise_2009_11",
    "low_2014_16",
)

#: The held-out checks of model v2 (never in a fit objective).
HELD_OUT: tuple[str, ...] = (
    "placebo_trump_starts_nothing",
    "biden_does_not_lift_russian_rapport",
    "us_constraint_below_095_after_2014",
    "cooperation_above_002_after_2014",
)


def mean_trust(data: Mapping[str, np.ndarray], state_ids: Sequence[str] = ("usa", "rus")):
    """``m``: the quarterly mean of both states' trust, ``(runs, ticks)``."""
    a, b = state_ids
    return 0.5 * (np.asarray(data[f"{a}_trust"]) + np.asarray(data[f"{b}_trust"]))


class _Clock:
    """Tick of a quarter label (``"1992Q3"``) for a compiled scenario's first quarter."""

    def __init__(self, first_quarter: int, n_ticks: int):
        self.q0 = int(first_quarter)
        self.n = int(n_ticks)

    def __call__(self, label: str) -> int:
        t = cal.parse_quarter(label) - self.q0
        if not 0 <= t < self.n:
            raise ValueError(f"quarter {label} is outside the run ({self.n} ticks)")
        return t

    def span(self, a: str, b: str) -> slice:
        return slice(self(a), self(b) + 1)


#: The absolute step of the model v2 rules (the calibration evidence reads these).
V2_MIN_TURN = 0.02

#: Steps of the range rules, as shares of the run's 1989-2013 range.
SMALL_STEP = 0.07
LARGE_STEP = 0.12


def six_turns(
    m: np.ndarray, first_quarter: int, min_turn: float | None = None
) -> dict[str, np.ndarray]:
    """Which of the six turns each run shows: ``{turn: (runs,) bool, "all": ...}``.

    ``m`` is ``(runs, ticks)`` (or one run, ``(ticks,)``) starting at quarter
    index ``first_quarter`` (``compiled.quarters[0]``); it must cover 1989Q1-2016Q4.
    Without ``min_turn`` the range rules (steps as shares of the run's 1989-2013
    range); with it, the model v2 rules (absolute steps of ``min_turn``).
    """
    m = np.atleast_2d(np.asarray(m, dtype=float))
    c = _Clock(first_quarter, m.shape[1])
    if min_turn is None:
        return _range_turns(m, c)
    return _absolute_turns(m, c, float(min_turn))


def _range_turns(m: np.ndarray, c: _Clock) -> dict[str, np.ndarray]:
    def hi(a: str, b: str) -> np.ndarray:
        return m[:, c.span(a, b)].max(axis=1)

    def lo(a: str, b: str) -> np.ndarray:
        return m[:, c.span(a, b)].min(axis=1)

    r = hi("1989Q1", "2013Q4") - lo("1989Q1", "2013Q4")
    small, large = SMALL_STEP * r, LARGE_STEP * r
    out: dict[str, np.ndarray] = {}
    dip = lo("1992Q3", "1993Q4")
    out["dip_1992_93"] = (hi("1990Q1", "1992Q2") - dip >= small) & (
        hi("1994Q1", "1997Q4") - dip >= small
    )
    out["kosovo_low"] = hi("1996Q1", "1998Q2") - lo("1998Q3", "2000Q2") >= large
    out["rise_after_9_11"] = hi("2001Q4", "2002Q4") - m[:, c("2001Q2")] >= small
    w = c.span("2007Q1", "2009Q4")
    t_low = w.start + np.argmin(m[:, w], axis=1)
    out["georgia_low"] = (t_low >= c("2008Q3")) & (t_low <= c("2009Q1"))
    g_low = lo("2007Q1", "2009Q4")
    out["rise_2009_11"] = hi("2009Q2", "2011Q4") - g_low >= large
    out["low_2014_16"] = lo("2014Q2", "2016Q4") < lo("1989Q1", "2013Q4")
    out["all"] = np.logical_and.reduce([out[k] for k in TURNS])
    return out


def _absolute_turns(m: np.ndarray, c: _Clock, min_turn: float) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    n = m.shape[0]
    rows = np.arange(n)

    # 1. dip 1992-93, between the first reset's peak and Clinton's
    w = c.span("1992Q3", "1993Q4")
    t_dip = w.start + np.argmin(m[:, w], axis=1)
    dip = m[rows, t_dip]
    start, stop = c("1989Q1"), c("1997Q4")
    before = np.array([m[i, start : t_dip[i] + 1].max() for i in rows])
    after = np.array([m[i, t_dip[i] : stop + 1].max() for i in rows])
    out["dip_1992_93"] = (before - dip >= min_turn) & (after - dip >= min_turn)

    # 2. Kosovo low
    low = m[:, c.span("1998Q3", "2000Q4")].min(axis=1)
    peak = m[:, c.span("1993Q1", "1998Q2")].max(axis=1)
    out["kosovo_low"] = peak - low >= min_turn

    # 3. rise after 9/11
    rise = m[:, c.span("2001Q4", "2003Q2")].max(axis=1)
    out["rise_after_9_11"] = rise - m[:, c("2001Q2")] >= min_turn

    # 4. Georgia low, 2008Q3-2009Q1
    w = c.span("2006Q1", "2010Q4")
    t_low = w.start + np.argmin(m[:, w], axis=1)
    in_window = (t_low >= c("2008Q3")) & (t_low <= c("2009Q1"))
    g_low = m[:, c.span("2008Q3", "2009Q1")].min(axis=1)
    g_peak = m[:, c.span("2001Q4", "2008Q2")].max(axis=1)
    out["georgia_low"] = in_window & (g_peak - g_low >= min_turn)

    # 5. rise of 2009-11 from the Georgia low
    out["rise_2009_11"] = m[:, c.span("2009Q2", "2011Q4")].max(axis=1) - g_low >= min_turn

    # 6. 2014-16 low below every earlier quarter
    out["low_2014_16"] = m[:, c.span("2014Q1", "2016Q4")].min(axis=1) < m[:, : c("2014Q1")].min(
        axis=1
    )

    out["all"] = np.logical_and.reduce([out[k] for k in TURNS])
    return out
