"""Quarters: resetsim's unit of time (one model tick = one calendar quarter).

A quarter is an integer ``year * 4 + (q - 1)``.  Dates in scenario files may be
written ``"2001Q3"``, ``"2001-09-11"``, ``"2001-09"`` or ``"2001"``; each is the
quarter that contains it.
"""

from __future__ import annotations

import datetime as _dt
import re

_QUARTER = re.compile(r"^(\d{4})\s*[Qq]([1-4])$")
_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


def parse_quarter(value: object) -> int:
    """The quarter containing ``value`` (a string, a date or a year); ValueError if unreadable."""
    if isinstance(value, _dt.date):
        return value.year * 4 + (value.month - 1) // 3
    if isinstance(value, bool):
        raise ValueError(f"not a date: {value!r}")
    if isinstance(value, int):
        return value * 4
    if not isinstance(value, str):
        raise ValueError(f"not a date: {value!r}")
    text = value.strip()
    m = _QUARTER.match(text)
    if m:
        return int(m.group(1)) * 4 + int(m.group(2)) - 1
    m = _DATE.match(text)
    if m:
        year = int(m.group(1))
        month = int(m.group(2) or 1)
        day = int(m.group(3) or 1)
        try:
            _dt.date(year, month, day)
        except ValueError as exc:
            raise ValueError(f"not a valid date: {value!r} ({exc})") from None
        return year * 4 + (month - 1) // 3
    raise ValueError(f"not a date: {value!r} (use 2001Q3, 2001-09-11, 2001-09 or 2001)")


def quarter_start(quarter: int) -> _dt.date:
    """The first day of a quarter."""
    year, q = divmod(quarter, 4)
    return _dt.date(year, 3 * q + 1, 1)


def quarter_label(quarter: int) -> str:
    """``"2001Q3"``."""
    year, q = divmod(quarter, 4)
    return f"{year}Q{q + 1}"


def iso(quarter: int) -> str:
    """The quarter's first day as ``YYYY-MM-DD``."""
    return quarter_start(quarter).isoformat()


def decimal_year(quarter: int) -> float:
    """The quarter's start as a decimal year (for plotting)."""
    year, q = divmod(quarter, 4)
    return year + q / 4.0
