"""Measures of the model's turns used by tests and benchmarks/measure_model_v2.py
(not by the package): did a new leader start nothing, how far did rapport
lift, for what share of quarters does a condition hold."""

from __future__ import annotations

from typing import Any

import numpy as np

from resetsim.analysis.turns import _Clock


def started_nothing(
    m: np.ndarray,
    first_quarter: int,
    base: str = "2016Q4",
    within: tuple[str, str] = ("2017Q1", "2017Q4"),
    rise: float = 0.02,
) -> np.ndarray:
    """Per run: ``m`` never rises ``rise`` or more above its ``base`` value ``within``."""
    m = np.atleast_2d(np.asarray(m, dtype=float))
    c = _Clock(first_quarter, m.shape[1])
    top = m[:, c.span(*within)].max(axis=1)
    return top - m[:, c(base)] < rise


def rapport_lift(
    affinity: np.ndarray,
    first_quarter: int,
    base: str = "2020Q4",
    within: tuple[str, str] = ("2021Q1", "2021Q2"),
) -> float:
    """Median over runs of (highest ``affinity`` ``within`` minus its ``base`` value)."""
    a = np.atleast_2d(np.asarray(affinity, dtype=float))
    c = _Clock(first_quarter, a.shape[1])
    return float(np.median(a[:, c.span(*within)].max(axis=1) - a[:, c(base)]))


def share_after(
    x: np.ndarray, first_quarter: int, test: Any, since: str = "2014Q1", until: str | None = None
) -> float:
    """Share of run-quarters from ``since`` (to ``until`` or the end) where ``test(x)`` holds."""
    x = np.atleast_2d(np.asarray(x, dtype=float))
    c = _Clock(first_quarter, x.shape[1])
    stop = c(until) + 1 if until else x.shape[1]
    return float(np.mean(test(x[:, c(since) : stop])))
