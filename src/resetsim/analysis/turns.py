"""The paper's six turning points, read per run from ``m = (usa_trust + rus_trust) / 2``.

Model v2 is judged on whether the history's turns come out of the
mechanisms.  Each turn is a plain rule over the quarterly series ``m`` of one
run; a turn needs a change of at least ``min_turn`` (default 0.02, the size the
issue uses for "starts nothing"):

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

Also here: the placebo and constraint measures model v2 is judged on, as
functions of recorded arrays, so the benchmark script and the tests share them.
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


def six_turns(m: np.ndarray, first_quarter: int, min_turn: float = 0.02) -> dict[str, np.ndarray]:
    """Which of the six turns each run shows: ``{turn: (runs,) bool, "all": ...}``.

    ``m`` is ``(runs, ticks)`` (or one run, ``(ticks,)``) starting at quarter
    index ``first_quarter`` (``compiled.quarters[0]``); it must cover 1989Q1-2016Q4.
    """
    m = np.atleast_2d(np.asarray(m, dtype=float))
    c = _Clock(first_quarter, m.shape[1])
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
