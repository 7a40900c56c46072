"""A scenario's ``forecast``, in words and tables.

A scenario that names ``forecast = "other.toml"`` (what was known earlier,
over the same period) makes ``resetsim run`` also simulate that scenario
with the same runs, seeds, parameters and engine
(:func:`resetsim.engines.runner.run_forecast`).  When the scenario names
``outcomes`` too, :func:`resetsim.analysis.forecast.check_forecast` scores the
forecast's runs against that sourced file (never against the scenario's own
runs).  This module writes it: ``forecast.csv`` (:func:`write_check`), the
lines of :func:`check_lines`; :func:`verdict` says in words what the forecast
got right and wrong.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from resetsim.analysis import forecast as fc
from resetsim.output.tables import FLOAT_FORMAT
from resetsim.results import RunResult


def write_check(check: fc.ForecastCheck, path: Path) -> None:
    """``forecast.csv``: one row per question (probabilities and scores)."""
    check.table.to_csv(path, index=False, float_format=FLOAT_FORMAT)


def check_lines(check: fc.ForecastCheck, forecast: RunResult) -> list[str]:
    """The forecast check as text: each question's probabilities and answer,
    then mean Brier and log scores and the model's skill over the naive ones."""
    c = forecast.compiled
    t = check.table
    lines = [
        f"Forecast check: {c.scenario.name} (origin {c.dates[c.projection_tick][:7]}, "
        f"{forecast.n_runs} runs, same seeds) against sourced outcomes",
        f"  {'question':<44}{'by':>7}{'model':>7}{'clim.':>7}{'pers.':>7}{'given':>7}  happened",
    ]
    for _, r in t.iterrows():
        q = r["id"]
        g = r.get("p_given_events", float("nan"))
        given = f"{g:>7.0%}" if pd.notna(g) else f"{'-':>7}"
        lines.append(
            f"  {q:<44}{r['by']:>7}{r['p_model']:>7.0%}{r['p_climatology']:>7.0%}"
            f"{r['p_persistence']:>7.0%}{given}  {'yes' if r['happened'] else 'no'}"
            + (f" ({r['date']})" if r["happened"] else "")
        )
    if "p_given_events" in t and t["p_given_events"].notna().any():
        lines.append(
            "  given: the same question in the runs of what happened (the documented events "
            "as inputs): what the model says once it knows the events"
        )
    m = check.means
    lines.append(
        f"  mean Brier score (0 best): model {m.loc['model', 'brier']:.3f}, climatology "
        f"{m.loc['climatology', 'brier']:.3f}, persistence {m.loc['persistence', 'brier']:.3f}"
    )
    lines.append(
        f"  mean log loss (0 best):    model {m.loc['model', 'log']:.3f}, climatology "
        f"{m.loc['climatology', 'log']:.3f}, persistence {m.loc['persistence', 'log']:.3f}"
    )
    sk = check.skill("brier")
    lines.append(
        f"  Brier skill of the model: {sk['climatology']:+.2f} against climatology, "
        f"{sk['persistence']:+.2f} against persistence (> 0: better than the naive forecast)"
    )
    return lines


def verdict(check: fc.ForecastCheck) -> list[str]:
    """What the forecast got right and wrong, in words (a question counts as
    right when the model's probability was on the side of what happened)."""
    t = check.table
    right = t[(t["p_model"] >= 0.5) == t["happened"]]
    wrong = t[(t["p_model"] >= 0.5) != t["happened"]]

    def say(rows: pd.DataFrame) -> str:
        return "; ".join(
            f"{r['question']} ({r['p_model']:.0%}, {'it did' if r['happened'] else 'it did not'})"
            for _, r in rows.iterrows()
        )

    out = []
    if len(right):
        out.append(f"Right ({len(right)} of {len(t)}): " + say(right) + ".")
    if len(wrong):
        out.append(f"Wrong ({len(wrong)} of {len(t)}): " + say(wrong) + ".")
    if "p_given_events" in t:
        g = t[t["p_given_events"].notna()]
        still = g[(g["p_given_events"] >= 0.5) != g["happened"]]
        if len(g):
            out.append(
                f"Given the events (the runs of what happened), the model itself is wrong on "
                f"{len(still)} of the {len(g)} questions it answers"
                + (
                    ": "
                    + "; ".join(
                        f"{r['question']} ({r['p_given_events']:.0%}, "
                        f"{'it did' if r['happened'] else 'it did not'})"
                        for _, r in still.iterrows()
                    )
                    if len(still)
                    else ""
                )
                + "."
            )
    return out


def path_lines(result: RunResult, forecast: RunResult) -> list[str]:
    """The forecast's and the realised runs' median trusts at the end of each
    even year from the forecast's origin, and where they part."""
    c, f = result.compiled, forecast.compiled
    p0 = f.projection_tick
    lines = ["  median trust (forecast -> realised runs), end of year:"]
    for year in range(int(c.dates[p0][:4]), int(c.dates[-1][:4]) + 1):
        d = f"{year}-10-01"
        if d not in c.dates or year % 2:
            continue
        t = c.dates.index(d)
        parts = []
        for s, sid in enumerate(c.state_ids):
            name = c.scenario.states[s].name or sid
            a = np.median(forecast[f"{sid}_trust"][:, t])
            b = np.median(result[f"{sid}_trust"][:, t])
            parts.append(f"{name} {a:.2f} -> {b:.2f}")
        lines.append(f"    {year}: " + ", ".join(parts))
    return lines


def summary_lines(
    result: RunResult, forecast: RunResult, check: fc.ForecastCheck | None
) -> list[str]:
    """What ``summary.txt`` adds for a scenario with a forecast: the paths
    compared, the check and, in words, what the forecast got right and wrong."""
    lines = ["", f"The forecast ({forecast.compiled.scenario.name}) against these runs:"]
    lines += path_lines(result, forecast)
    if check is None:
        return lines
    lines += ["", *check_lines(check, forecast), "", "What the forecast got right and wrong:"]
    lines += [f"  {line}" for line in verdict(check)]
    lines.append(
        "  (wrote forecast.csv: each question's probabilities, Brier and log scores and its source)"
    )
    return lines
