"""A scenario's ``forecast``: run it on the same seeds, score it, say it in words.

A scenario that names ``forecast = "other.toml"`` (what was known earlier,
over the same period) makes ``resetsim run`` also simulate that scenario
with the same runs, seeds, parameters and engine (:func:`run_forecast`).
When the scenario names ``outcomes`` too, :func:`forecast_check` scores the
forecast's runs against that sourced file (never against the scenario's own
runs): ``forecast.csv`` and the lines of :func:`check_lines`;
:func:`verdict` says in words what the forecast got right and wrong.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from resetsim.analysis import forecast as fc
from resetsim.analysis.episodes import Episodes, relationship_index
from resetsim.analysis.metrics import onset_failure_probability
from resetsim.core.columns import detection_columns
from resetsim.engines.runner import RunResult, run_scenario
from resetsim.output import tables
from resetsim.output.tables import FLOAT_FORMAT
from resetsim.scenario import load
from resetsim.scenario.outcomes import load_outcomes, outcomes_path


def forecast_path(result: RunResult) -> Path | None:
    """The forecast scenario a run's scenario names (resolved), or None."""
    sc = result.compiled.scenario
    return Path(sc.base_dir) / sc.forecast if sc.forecast else None


def run_forecast(result: RunResult) -> RunResult | None:
    """The scenario's forecast run with ``result``'s runs, base seed, parameter
    overrides, engine and parameter treatment (a posterior, or the point
    estimate with ``--no-posterior``), so run ``i`` of both draws from the
    same seed."""
    path = forecast_path(result)
    if path is None:
        return None
    scenario = load(path)
    if result.compiled.posterior is None and scenario.posterior:
        # the forecast takes the realised run's parameter treatment (--no-posterior)
        scenario = scenario.model_copy(update={"posterior": None})
    base = {k: float(v) for k, v in result.compiled.params().items()}
    overrides = {k: v for k, v in result.params.items() if v != base.get(k)}
    return run_scenario(
        scenario,
        runs=result.n_runs,
        seed=result.seed,
        params=overrides,
        engine=result.engine,
        record=detection_columns(scenario.state_ids),
    )


def episodes_and_index(result: RunResult) -> tuple[Episodes, np.ndarray]:
    """The detected episodes of a result and the relationship index they read."""
    p = tables.run_params(result)
    index = relationship_index(result.trajectories.data, result.compiled.state_ids, p)
    return tables.detect(result), index


def forecast_check(result: RunResult, forecast: RunResult) -> fc.ForecastCheck | None:
    """Score ``forecast`` against the outcomes file ``result``'s scenario names."""
    path = outcomes_path(result.compiled.scenario)
    if path is None:
        return None
    spec = load_outcomes(path, result.compiled.scenario.all_kinds())
    ep, index = episodes_and_index(forecast)
    fired = fc.fired_processes(forecast.compiled, forecast.seeds, tables.run_params(forecast))
    return fc.check(spec, forecast.compiled, index, ep, fired)


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
        f"  {'question':<44}{'by':>7}{'model':>7}{'clim.':>7}{'pers.':>7}  happened",
    ]
    for _, r in t.iterrows():
        q = r["id"]
        lines.append(
            f"  {q:<44}{r['by']:>7}{r['p_model']:>7.0%}{r['p_climatology']:>7.0%}"
            f"{r['p_persistence']:>7.0%}  {'yes' if r['happened'] else 'no'}"
            + (f" ({r['date']})" if r["happened"] else "")
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


def reset_probability(forecast: RunResult) -> tuple[np.ndarray, np.ndarray]:
    """The forecast's share of runs with a new reset started / also failed by
    each quarter, from its origin (for the figure)."""
    ep, _ = episodes_and_index(forecast)
    return onset_failure_probability(ep, forecast.compiled.projection_tick)


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
