"""What ``resetsim run`` writes: a run's directory.

:func:`write_results` fills a (staging) directory, from runs made by the
layer that runs scenarios (:func:`resetsim.api.run_into`, which also streams
``trajectory.csv``, or ``trajectory.parquet``, every run, every quarter,
every recorded variable: :mod:`resetsim.output.trajectory`), with
* ``meta.json``: seeds, resolved parameters and scenario, the software's
  versions and git commit (:func:`run_meta`; no timestamps, so the same seed
  gives the same bytes);
* ``parameters.csv``: when the scenario names a ``posterior``, ``run`` and
  each parameter the run drew from it;
* ``episodes.csv``: the reset episodes detected in each run;
* ``fidelity.csv``, ``fidelity_runs.csv``: when the scenario names a targets
  file, how well the runs reproduce them;
* ``patterns.csv``: when the scenario names a patterns file, the scorecard
  (:func:`resetsim.analysis.patterns.scorecard`: one row per pattern);
* ``trust.png``: both trusts with the detected episodes marked;
* ``fan.png``, ``summary.txt``: when the scenario has a ``projection_start``,
  the projection as a fan chart and in a few lines of text; when it names a
  ``forecast`` too, that scenario's runs (same seeds, ``forecast_trajectory.csv``)
  drawn over it, and with ``outcomes`` the forecast check (also
  ``forecast.csv``, :mod:`resetsim.output.forecast`).

and returns the lines to print; :func:`run_text` adds the header the terminal
shows.  The caller makes the directory atomic (:func:`resetsim.core.io.atomic_dir`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from resetsim.analysis import forecast as fc
from resetsim.analysis.episodes import Episodes
from resetsim.analysis.metrics import onset_failure_probability
from resetsim.analysis.patterns import scorecard, scorecard_line
from resetsim.core import io
from resetsim.core.columns import columns as trajectory_columns
from resetsim.core.columns import detection_columns, trust_columns
from resetsim.core.provenance import provenance
from resetsim.output import forecast as fcst
from resetsim.output import summary, tables
from resetsim.output.progress import Phases
from resetsim.output.tables import FLOAT_FORMAT
from resetsim.results import SEED_DERIVATION, RunResult
from resetsim.scenario import Compiled, as_compiled


def run_meta(result: RunResult) -> dict[str, Any]:
    """Provenance for ``meta.json``: engine, runs, seeds and how they derive,
    resolved parameters and scenario, the resetsim version, the git commit
    (None outside a checkout) and the versions of the libraries (read with
    :mod:`importlib.metadata`)."""
    soft = provenance()
    post = result.compiled.posterior
    drawn = result.drawn_parameters()
    posterior = None
    if post is not None and drawn is not None:
        posterior = {
            "file": post.path,
            "particles": len(post.weights),
            "drawn": [c for c in drawn.columns if c != "run"],
            "note": "these parameters are drawn per run from the posterior (parameters.csv); "
            "`parameters` shows their point values, which these runs do not use",
        }
    meta = {
        "resetsim_version": soft["resetsim"],
        "git_commit": soft["git_commit"],
        "engine": result.engine,
        "runs": result.n_runs,
        "seed": result.seed,
        "seeds": [int(s) for s in result.seeds],
        "seed_derivation": SEED_DERIVATION,
        "parameters": result.params,
        "scenario": result.compiled.scenario.resolved(),
        "versions": soft["versions"],
    }
    if posterior is not None:
        meta["posterior"] = posterior
    return meta


#: Bytes per value of the trajectory table on disk, by format (measured
#: upper bounds: CSV text with six significant digits, compressed Parquet).
_BYTES_PER_VALUE = {"csv": 12, "parquet": 8}


def check_fits(
    scenario: Any, runs: int | None, table_format: str, out: Path, streaming: bool = True
) -> None:
    """Refuse (:class:`~resetsim.core.io.TooLarge`) a run whose results would
    not fit this machine's memory or the disk under ``out``, before anything
    is allocated: what stays in memory for all runs (the kept columns, or all
    recorded columns without ``streaming``, and the episode arrays) and the
    trajectory table."""
    c = as_compiled(scenario)
    n = c.scenario.runs if runs is None else int(runs)
    cells = n * c.n_ticks
    columns = len(trajectory_columns(c.state_ids))
    held = len(kept_columns(c.state_ids)) if streaming else columns
    # a forecast's runs: as many again, kept and written the same way
    tables = 2 if c.forecast is not None and c.projection_tick is not None else 1
    memory = tables * cells * 8 * (held + 8)
    disk = tables * cells * (columns + 3) * _BYTES_PER_VALUE.get(table_format, 12)
    io.check_fits(memory, disk, out, f"{n:,} runs of {c.n_ticks} quarters")


def kept_columns(state_ids: Sequence[str]) -> list[str]:
    """What the episodes, figures and summaries of a run read: detection's
    columns (both trusts and cooperation) and each state's trust."""
    cols = detection_columns(state_ids)
    return cols + [k for k in trust_columns(state_ids) if k not in cols]


def pattern_columns(c: Compiled) -> list[str]:
    """The recorded columns a scenario's patterns file reads besides detection's."""
    if c.patterns is None:
        return []
    kept = kept_columns(c.state_ids)
    return [k for k in c.patterns.columns if k not in kept]


def write_results(
    result: RunResult,
    stage: Path,
    phases: Phases | None = None,
    figure_formats: Sequence[str] = ("png",),
    observed=None,
) -> list[str]:
    """Everything but the trajectory table: ``meta.json``, episodes, fidelity,
    figures, the projection's summary; returns the lines to print.
    ``observed`` (a read observations file) gives the forecast figure its
    observed training points."""
    c = result.compiled
    phases = phases or Phases(c.scenario.name, False)
    p = tables.run_params(result)
    io.write_json(stage / "meta.json", run_meta(result))
    drawn = result.drawn_parameters()
    if drawn is not None:
        drawn.to_csv(stage / "parameters.csv", index=False, float_format="%.6g")

    with phases.phase("detect", 2) as bar:
        ep = tables.detect(result)
        windows = tables.targets(c)
        table = tables.episode_table(result, ep, windows)
        bar.update()
        scores = tables.fidelity_scores(result, ep, windows)
        bar.update()
    projection = c.projection_tick is not None
    # a scenario naming a forecast: its runs (same seeds), scored (forecast.csv)
    forecast = result.forecast if projection else None
    check = fc.check_forecast(result) if forecast is not None else None
    with phases.phase("write", 1 + 2 * (scores is not None) + projection, "file") as bar:
        table.to_csv(stage / "episodes.csv", index=False, float_format=FLOAT_FORMAT)
        bar.update()
        report = [summary.episode_line(ep)]
        if scores is not None:
            scores.summary().to_csv(stage / "fidelity.csv", index=False, float_format=FLOAT_FORMAT)
            bar.update()
            per_run = scores.per_run()
            per_run.to_csv(stage / "fidelity_runs.csv", index=False, float_format=FLOAT_FORMAT)
            bar.update()
            report += scores.text()
        if c.patterns is not None:
            card = scorecard(c.patterns, c, result.trajectories.data, ep, windows)
            card.to_csv(stage / "patterns.csv", index=False, float_format=FLOAT_FORMAT)
            report += scorecard_line(card)
        if projection:
            started, failed = onset_failure_probability(ep, c.projection_tick)
            t2 = tables.after_scheduled(c)
            later = (t2, *onset_failure_probability(ep, t2)) if t2 is not None else None
            text = summary.projection_summary(result, ep, p, started, failed, later)
            if forecast is not None:
                text += fcst.summary_lines(result, forecast, check)
            if check is not None:
                fcst.write_check(check, stage / "forecast.csv")
            (stage / "summary.txt").write_text("\n".join(text) + "\n", encoding="utf-8")
            bar.update()
            report += text

    from resetsim import plotting  # matplotlib, loaded when figures are drawn

    with phases.phase("plot", 1 + projection, "figure") as bar:
        write_trust_figure(result, ep, table, stage / "trust.png", figure_formats)
        bar.update()
        if projection:
            fig = plotting.plot_projection(
                result,
                ep,
                later_tick=t2,
                forecast=forecast,
                forecast_probability=fc.reset_probability(forecast) if forecast else None,
                observed=observed,
            )
            plotting.save_all(fig, stage / "fan", figure_formats)
            bar.update()
    return report


def run_text(result: RunResult, report: list[str]) -> list[str]:
    """What ``resetsim run`` prints: the header, the median trusts, ``report``."""
    medians = summary.median_lines(result, trust_columns(result.compiled.state_ids))
    return [summary.run_header(result), *(f"  median {m}" for m in medians), *report]


def write_trust_figure(
    result: RunResult,
    ep: Episodes,
    table: pd.DataFrame,
    path: Path,
    figure_formats: Sequence[str] = ("png",),
) -> None:
    """``trust.png``: the trusts with the episodes of the median trajectory
    marked (of the one run when there is one: ``table``) and, below, the share
    of runs with an onset or a failure in each quarter."""
    from resetsim import plotting  # matplotlib, loaded when figures are drawn

    marks = tables.median_episodes(result) if ep.n_runs > 1 else table
    fig = plotting.plot_run(result, ep, marks)
    plotting.save_all(fig, path.with_suffix(""), figure_formats)


# kept here for callers of this module; defined with the tables
median_episodes = tables.median_episodes
after_scheduled = tables.after_scheduled
