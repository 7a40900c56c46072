"""The six turns read on the run's own 1989-2013 range (the default rules)."""

from __future__ import annotations

import numpy as np
import pytest

from resetsim.analysis import turns
from resetsim.core import calendar as cal


def series(points, first="1989Q1", last="2021Q4"):
    """A piecewise-linear m over the history's quarters from {quarter: value}."""
    q0, q1 = cal.parse_quarter(first), cal.parse_quarter(last)
    keys = sorted(points, key=cal.parse_quarter)
    xs = [cal.parse_quarter(k) - q0 for k in keys]
    return q0, np.interp(np.arange(q1 - q0 + 1), xs, [points[k] for k in keys])


# R over 1989-2013 = 0.65 - 0.30 = 0.35: a small step is 0.0245, a large 0.042
SHAPE = {
    "1989Q1": 0.60,
    "1990Q1": 0.65,
    "1992Q1": 0.60,
    "1993Q1": 0.45,
    "1995Q1": 0.60,
    "1997Q1": 0.62,
    "1998Q1": 0.60,
    "1999Q3": 0.35,
    "2001Q2": 0.40,
    "2002Q3": 0.55,
    "2008Q4": 0.30,
    "2011Q1": 0.50,
    "2013Q4": 0.40,
    "2015Q1": 0.10,
    "2021Q4": 0.00,
}


def test_the_paper_s_shape_shows_all_six():
    q0, m = series(SHAPE)
    out = turns.six_turns(m, q0)
    assert set(out) == {*turns.TURNS, "all"}
    assert all(bool(out[k][0]) for k in out)


@pytest.mark.parametrize("scale, shift", [(1.0, 0.0), (10.0, -3.0), (0.01, 5.0), (3.0, 100.0)])
def test_the_rules_read_the_same_on_any_scale(scale, shift):
    q0, _ = series(SHAPE)
    variants = [SHAPE, {**SHAPE, "2002Q3": 0.41}, {**SHAPE, "2015Q1": 0.35, "2021Q4": 0.35}]
    for points in variants:
        _, x = series(points)
        a = turns.six_turns(x, q0)
        b = turns.six_turns(scale * x + shift, q0)
        assert {k: bool(v[0]) for k, v in a.items()} == {k: bool(v[0]) for k, v in b.items()}


@pytest.mark.parametrize(
    "change, missing",
    [
        ({"1993Q1": 0.63}, "dip_1992_93"),  # no second high after the dip
        ({"1999Q3": 0.59, "2000Q2": 0.59}, "kosovo_low"),  # only 0.09 R below
        ({"2002Q3": 0.41}, "rise_after_9_11"),  # 0.03 R above 2001Q2
        ({"2008Q4": 0.45, "2007Q1": 0.30}, "georgia_low"),  # the low before the war
        ({"2011Q1": 0.32, "2013Q4": 0.33}, "rise_2009_11"),  # only 0.06 R above the low
        ({"2015Q1": 0.35, "2021Q4": 0.35}, "low_2014_16"),  # not below 1989-2013
    ],
)
def test_each_rule_notices_its_missing_turn(change, missing):
    q0, m = series({**SHAPE, **change})
    out = turns.six_turns(m, q0)
    assert not out[missing][0] and not out["all"][0]
    others = [k for k in turns.TURNS if k != missing and k not in ("rise_2009_11",)]
    if missing != "georgia_low":
        assert all(bool(out[k][0]) for k in others)


def test_the_steps_are_shares_of_the_range():
    # the 9/11 rise at 0.06 R fails, at 0.08 R holds; R = 0.35
    q0, m = series({**SHAPE, "2002Q3": 0.40 + 0.06 * 0.35})
    assert not turns.six_turns(m, q0)["rise_after_9_11"][0]
    q0, m = series({**SHAPE, "2002Q3": 0.40 + 0.08 * 0.35})
    assert turns.six_turns(m, q0)["rise_after_9_11"][0]
    # the same absolute rise in a run with twice the range is too small
    q0, m = series({**SHAPE, "2002Q3": 0.40 + 0.08 * 0.35, "1990Q1": 1.0})
    assert not turns.six_turns(m, q0)["rise_after_9_11"][0]


def test_runs_are_read_one_by_one():
    q0, a = series(SHAPE)
    _, b = series({**SHAPE, "2002Q3": 0.41})
    out = turns.six_turns(np.vstack([a, b, a]), q0)
    assert out["rise_after_9_11"].tolist() == [True, False, True]
    assert out["all"].tolist() == [True, False, True]


def test_a_number_for_min_turn_reads_the_model_v2_rules():
    q0, m = series(SHAPE)
    v2 = turns.six_turns(m, q0, turns.V2_MIN_TURN)
    assert set(v2) == {*turns.TURNS, "all"}
    # v2 steps are absolute: a tenfold smaller copy loses the turns it had
    small = turns.six_turns(0.1 * m, q0, turns.V2_MIN_TURN)
    assert sum(bool(v[0]) for v in v2.values()) > sum(bool(v[0]) for v in small.values())
