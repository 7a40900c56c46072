"""Each state's power as a share of the dyad's composite power, from data.

The built-in series ``us_russia`` combines three public indicators shipped in
``resetsim/data`` (see ``data/SOURCES.md`` there for addresses):

* World Bank GDP, current US$ (NY.GDP.MKTP.CD), 1988-2023;
* SIPRI military expenditure, constant 2022 US$, 1988-2023 (USSR for 1988-90);
* FAS nuclear warhead stockpiles, 1985-2023 (USSR before 1992).

For each year and indicator a state's share is ``x_state / (x_usa + x_rus)``;
the composite share is the weighted mean of the shares over the indicators
available that year (weights renormalised; SIPRI has no 1991 figure).  Annual
values sit at mid-year and are interpolated linearly to quarters.  After the
last year the series is projected: ``hold`` keeps the last value, ``trend``
extends the least-squares line through the last ``trend_years`` years,
clipped to [0.05, 0.95].
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np

from resetsim.core import files

BUILTIN = {"us_russia": ("usa", "rus")}
DEFAULT_WEIGHTS = {"gdp": 0.4, "milex": 0.4, "warheads": 0.2}


def _read_csv(name: str) -> list[dict[str, str]]:
    text = resources.files("resetsim").joinpath(f"data/{name}").read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


def _num(value: str | None) -> float:
    try:
        return float(value) if value not in (None, "") else float("nan")
    except ValueError:
        return float("nan")


@cache
def us_russia_indicators() -> dict[str, dict[int, tuple[float, float]]]:
    """Raw indicator pairs (usa, rus) per year, NaN where the source has none."""
    gdp = {
        int(r["year"]): (_num(r["us_gdp_current_usd"]), _num(r["russia_gdp_current_usd"]))
        for r in _read_csv("worldbank_gdp_us_russia.csv")
    }
    milex = {}
    for r in _read_csv("sipri_milex_us_russia.csv"):
        rus = _num(r["russia_milex_const2022_musd"])
        if np.isnan(rus):
            rus = _num(r["ussr_milex_const2022_musd"])
        milex[int(r["year"])] = (_num(r["us_milex_const2022_musd"]), rus)
    warheads = {
        int(r["year"]): (_num(r["us_stockpile"]), _num(r["russia_stockpile"]))
        for r in _read_csv("nuclear_warheads_fas_us_russia.csv")
    }
    return {"gdp": gdp, "milex": milex, "warheads": warheads}


def composite_shares(weights: Mapping[str, float] | None = None) -> dict[int, float]:
    """The US share of composite US+Russia power per year (Russia's is 1 minus it)."""
    weights = dict(weights or DEFAULT_WEIGHTS)
    data = us_russia_indicators()
    years = sorted(set().union(*[set(d) for d in data.values()]))
    out: dict[int, float] = {}
    for year in years:
        total_w = 0.0
        acc = 0.0
        for name, w in weights.items():
            if w <= 0:
                continue
            u, r = data[name].get(year, (np.nan, np.nan))
            if np.isnan(u) or np.isnan(r) or u + r <= 0:
                continue
            acc += w * u / (u + r)
            total_w += w
        if total_w > 0 and year >= 1988:
            out[year] = acc / total_w
    return out


def quarterly(
    annual: Mapping[int, float],
    quarters: Sequence[int],
    projection: str = "hold",
    trend_years: int = 10,
) -> np.ndarray:
    """Interpolate annual mid-year values to quarters; project beyond the data."""
    years = np.array(sorted(annual), dtype=float)
    values = np.array([annual[int(y)] for y in years])
    t = np.array([q / 4.0 + 0.125 for q in quarters])  # quarter mid-points
    x = years + 0.5
    out = np.interp(t, x, values)
    last = x[-1]
    if projection == "trend":
        if len(x) < 2:
            raise ValueError(
                'projection = "trend" needs at least two years of power data; '
                'give more years or use projection = "hold"'
            )
        sel = x >= last - trend_years
        if sel.sum() < 2:  # a gap in the data: the line through the last two years
            sel = np.arange(len(x)) >= len(x) - 2
        slope, intercept = np.polyfit(x[sel], values[sel], 1)
        after = t > last
        out[after] = np.clip(intercept + slope * t[after], 0.05, 0.95)
    return out


def power_series(
    source: str,
    state_ids: Sequence[str],
    quarters: Sequence[int],
    *,
    weights: Mapping[str, float] | None = None,
    projection: str = "hold",
    trend_years: int = 10,
    constant: Mapping[str, float] | None = None,
    file: Path | None = None,
) -> np.ndarray:
    """Power of each state per quarter, shape ``(len(quarters), 2)``; rows sum to 1."""
    n = len(quarters)
    if source == "constant":
        a, b = (constant or {})[state_ids[0]], (constant or {})[state_ids[1]]
        share = np.full(n, a / (a + b))
    elif source == "file":
        annual = read_power_file(file, state_ids)
        share = quarterly(annual, quarters, projection, trend_years)
    else:
        ids = BUILTIN[source]
        annual = composite_shares(weights)
        share = quarterly(annual, quarters, projection, trend_years)
        if tuple(state_ids) == (ids[1], ids[0]):
            share = 1.0 - share
    return np.column_stack([share, 1.0 - share])


def read_power_file(path: Path | None, state_ids: Sequence[str]) -> dict[int, float]:
    """A CSV with columns ``year`` and one per state id (any non-negative,
    finite power index), one row per year.  Read through the bounded reader
    (:mod:`resetsim.core.files`); a problem raises ``ValueError`` naming the
    file and the line, without quoting the file's content."""
    if path is None:
        raise ValueError("power.file is required when power.source = 'file'")
    try:
        text = files.read_text(path)
    except files.InputFileError as exc:
        raise ValueError(files.about(path, exc)) from None
    try:
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ValueError(f"{path} is not a readable CSV file ({exc})") from None
    if not rows:
        raise ValueError(f"{path} has no rows")
    missing = [c for c in ("year", *state_ids) if c not in rows[0]]
    if missing:
        raise ValueError(f"{path} lacks column(s) {', '.join(missing)}")
    annual: dict[int, float] = {}
    for i, r in enumerate(rows, start=2):
        if None in r:
            raise ValueError(f"{path}: line {i} has more fields than the header")
        try:
            year = int(r["year"])
            a, b = float(r[state_ids[0]]), float(r[state_ids[1]])
        except (TypeError, ValueError):
            raise ValueError(f"{path}: line {i} is not numeric") from None
        if not (math.isfinite(a) and math.isfinite(b) and math.isfinite(a + b)):
            raise ValueError(
                f"{path}: line {i} needs finite powers (no nan or inf, and a sum that fits a float)"
            )
        if a < 0 or b < 0 or a + b <= 0:
            raise ValueError(f"{path}: line {i} needs non-negative powers, not both zero")
        if not 1000 <= year <= 3000:
            raise ValueError(f"{path}: line {i}: year {year} is outside 1000-3000")
        if year in annual:
            raise ValueError(f"{path}: line {i}: year {year} is given twice")
        annual[year] = a / (a + b)
    return annual
