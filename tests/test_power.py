"""Power shares from data: the built-in US-Russia series, projection, other dyads."""

from __future__ import annotations

import numpy as np
import pytest

from resetsim.core import calendar as cal
from resetsim.core import power as pw

QUARTERS = np.arange(cal.parse_quarter("1989Q1"), cal.parse_quarter("2030Q4") + 1)


def q(label: str) -> int:
    return int(np.flatnonzero(cal.parse_quarter(label) == QUARTERS)[0])


def test_indicators_cover_the_history():
    data = pw.us_russia_indicators()
    assert set(data) == {"gdp", "milex", "warheads"}
    for name, series in data.items():
        assert set(range(1988, 2024)) <= set(series), name
    u, r = data["warheads"][1989]
    assert r > u  # the USSR held more warheads
    assert np.isnan(data["milex"][1991][1])  # SIPRI has no 1991 figure


def test_composite_shares_in_unit_interval():
    shares = pw.composite_shares()
    assert min(shares) == 1988 and max(shares) == 2023
    assert all(0 < v < 1 for v in shares.values())
    # the USSR's collapse: Russia's share in 1992 is lower than in 1989
    assert 1 - shares[1992] < 1 - shares[1989]
    # the US is the stronger state throughout
    assert all(v > 0.5 for v in shares.values())


def test_weights_choose_the_indicators():
    warheads = pw.composite_shares({"warheads": 1.0})
    gdp = pw.composite_shares({"gdp": 1.0})
    assert warheads[1989] < 0.5 < gdp[1989]
    mixed = pw.composite_shares({"gdp": 1.0, "warheads": 1.0})
    assert mixed[1989] == pytest.approx((warheads[1989] + gdp[1989]) / 2)
    # a missing indicator (SIPRI 1991) renormalises the remaining weights
    only_milex_gdp = pw.composite_shares({"gdp": 1.0, "milex": 1.0})
    assert only_milex_gdp[1991] == pytest.approx(gdp[1991])


@pytest.mark.parametrize("projection", ["hold", "trend"])
def test_power_series_rows_sum_to_one(projection):
    series = pw.power_series("us_russia", ("usa", "rus"), QUARTERS, projection=projection)
    assert series.shape == (len(QUARTERS), 2)
    assert np.all((series > 0) & (series < 1))
    np.testing.assert_allclose(series.sum(axis=1), 1.0, atol=1e-15)
    assert series[q("1992Q3"), 1] < series[q("1989Q3"), 1]


def test_quarterly_interpolates_mid_year_values():
    shares = pw.composite_shares()
    series = pw.power_series("us_russia", ("usa", "rus"), QUARTERS)
    # annual values sit at mid-year; 2000Q2's mid-point (2000.375) is 7/8 of the
    # way from mid-1999 to mid-2000
    expected = shares[1999] + 0.875 * (shares[2000] - shares[1999])
    assert series[q("2000Q2"), 0] == pytest.approx(expected, abs=1e-15)
    out = pw.quarterly({2000: 0.2, 2001: 0.6}, [2000 * 4 + 1, 2000 * 4 + 2, 2000 * 4 + 3])
    # quarter mid-points 2000.375, 2000.625, 2000.875 against mid-years 2000.5, 2001.5
    np.testing.assert_allclose(out, [0.2, 0.2 + 0.4 * 0.125, 0.2 + 0.4 * 0.375])


def test_projection_hold_keeps_the_last_value():
    series = pw.power_series("us_russia", ("usa", "rus"), QUARTERS, projection="hold")
    after = series[q("2024Q1") :, 0]
    assert np.all(after == after[0])
    assert after[0] == pytest.approx(pw.composite_shares()[2023])


def test_projection_trend_extends_the_recent_line():
    series = pw.power_series(
        "us_russia", ("usa", "rus"), QUARTERS, projection="trend", trend_years=10
    )
    after = series[q("2024Q1") :, 0]
    diffs = np.diff(after)
    assert np.all(diffs != 0) and (np.all(diffs > 0) or np.all(diffs < 0))
    np.testing.assert_allclose(diffs, diffs[0], atol=1e-12)  # a straight line
    # a steep synthetic trend is clipped to [0.05, 0.95]
    out = pw.quarterly({2000: 0.5, 2001: 0.7, 2002: 0.9}, range(2000 * 4, 2010 * 4), "trend", 2)
    assert out.max() == 0.95
    held = pw.quarterly({2000: 0.5, 2001: 0.7, 2002: 0.9}, range(2000 * 4, 2010 * 4), "hold", 2)
    assert held[-1] == 0.9


def test_reversed_state_order_swaps_columns():
    a = pw.power_series("us_russia", ("usa", "rus"), QUARTERS)
    b = pw.power_series("us_russia", ("rus", "usa"), QUARTERS)
    np.testing.assert_allclose(a[:, ::-1], b, atol=1e-15)


def test_constant_source_for_another_dyad():
    series = pw.power_series(
        "constant", ("usa", "chn"), QUARTERS[:8], constant={"usa": 3, "chn": 2}
    )
    np.testing.assert_allclose(series, np.tile([0.6, 0.4], (8, 1)))


def test_file_source(tmp_path):
    path = tmp_path / "power.csv"
    path.write_text("year,usa,chn\n2000,3,1\n2010,1,1\n", "utf-8")
    annual = pw.read_power_file(path, ("usa", "chn"))
    assert annual == {2000: 0.75, 2010: 0.5}
    quarters = np.arange(2000 * 4, 2013 * 4)
    series = pw.power_series("file", ("usa", "chn"), quarters, file=path)
    np.testing.assert_allclose(series.sum(axis=1), 1.0)
    assert series[0, 0] == 0.75 and series[-1, 0] == 0.5
    assert np.all(np.diff(series[:, 0]) <= 0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "has no rows"),
        ("year,usa\n2000,1\n", "lacks column(s) chn"),
        ("year,usa,chn\n2000,1,x\n", "line 2 is not numeric"),
        ("year,usa,chn\n2000,1,1\n2001,-1,2\n", "line 3 needs non-negative"),
        ("year,usa,chn\n2000,0,0\n", "not both zero"),
    ],
)
def test_file_source_errors(tmp_path, text, message):
    path = tmp_path / "power.csv"
    path.write_text(text, "utf-8")
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        pw.read_power_file(path, ("usa", "chn"))


def test_file_source_missing(tmp_path):
    with pytest.raises(ValueError, match="no such file"):
        pw.read_power_file(tmp_path / "absent.csv", ("usa", "chn"))
    with pytest.raises(ValueError):
        pw.read_power_file(None, ("usa", "chn"))


def test_power_file_with_bom_and_extra_fields(tmp_path):
    ok = tmp_path / "bom.csv"
    ok.write_bytes("\ufeffyear,usa,rus\n2000,3,1\n2001,3,1\n".encode())
    annual = pw.read_power_file(ok, ("usa", "rus"))
    assert annual == {2000: 0.75, 2001: 0.75}
    bad = tmp_path / "extra.csv"
    bad.write_text("year,usa,rus\n2000,3,1,9\n")
    with pytest.raises(ValueError, match="line 2 has more fields than the header"):
        pw.read_power_file(bad, ("usa", "rus"))
