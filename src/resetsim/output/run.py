"""What ``resetsim run`` writes: a run's directory.

:func:`write_run` fills a (staging) directory with

* ``trajectory.csv``: every run, every quarter, every recorded variable;
* ``meta.json``: seeds, resolved parameters and scenario, the software's
  versions and git commit (:func:`run_meta`; no timestamps, so the same seed
  gives the same bytes);
* ``episodes.csv``: the reset episodes detected in each run;
* ``fidelity.csv``, ``fidelity_runs.csv``: when the scenario names a targets
  file, how well the runs reproduce them;
* ``trust.png``: both trusts with the detected episodes marked;
* ``fan.png``, ``summary.txt``: when the scenario has a ``projection_start``,
  the projection as a fan chart and in a few lines of text.

and returns the lines to print; :func:`run_text` adds the header the terminal
shows.  The caller makes the directory atomic (:func:`resetsim.core.io.atomic_dir`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from resetsim import plotting
from resetsim.analysis.episodes import Episodes, detect_runs
from resetsim.analysis.metrics import onset_failure_probability
from resetsim.analysis.triggers import episode_table as _episode_table
from resetsim.core import io
from resetsim.core.provenance import provenance
from resetsim.engines.columns import detection_columns, trust_columns
from resetsim.engines.runner import SEED_DERIVATION, RunResult
from resetsim.output import summary, tables
from resetsim.output.tables import FLOAT_FORMAT
from resetsim.scenario import Compiled


def run_meta(result: RunResult) -> dict[str, Any]:
    """Provenance for ``meta.json``: engine, runs, seeds and how they derive,
    resolved parameters and scenario, the resetsim version, the git commit
    (None outside a checkout) and the versions of the libraries (read with
    :mod:`importlib.metadata`)."""
    soft = provenance()
    return {
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


def write_run(result: RunResult, stage: Path) -> list[str]:
    """Write everything ``resetsim run`` writes into ``stage``; return the
    lines to print (episode counts, fidelity, projection summary)."""
    c = result.compiled
    p = tables.run_params(result)
    result.write_csv(stage / "trajectory.csv")
    io.write_json(stage / "meta.json", run_meta(result))

    ep = tables.detect(result)
    windows = tables.targets(c)
    table = tables.episode_table(result, ep, windows)
    table.to_csv(stage / "episodes.csv", index=False, float_format=FLOAT_FORMAT)
    report = [summary.episode_line(ep)]
    scores = tables.fidelity_scores(result, ep, windows)
    if scores is not None:
        scores.summary().to_csv(stage / "fidelity.csv", index=False, float_format=FLOAT_FORMAT)
        scores.per_run().to_csv(stage / "fidelity_runs.csv", index=False, float_format=FLOAT_FORMAT)
        report += scores.text()

    write_trust_figure(result, ep, table, stage / "trust.png")

    if c.projection_tick is not None:
        started, failed = onset_failure_probability(ep, c.projection_tick)
        t2 = after_scheduled(c)
        later = (t2, *onset_failure_probability(ep, t2)) if t2 is not None else None
        fig = plotting.plot_fan(result, started, failed, later=later)
        plotting.save(fig, stage / "fan.png")
        text = summary.projection_summary(result, ep, p, started, failed, later)
        (stage / "summary.txt").write_text("\n".join(text) + "\n", encoding="utf-8")
        report += text
    return report


def run_text(result: RunResult, report: list[str]) -> list[str]:
    """What ``resetsim run`` prints: the header, the median trusts, ``report``."""
    medians = summary.median_lines(result, trust_columns(result.compiled.state_ids))
    return [summary.run_header(result), *(f"  median {m}" for m in medians), *report]


def write_trust_figure(result: RunResult, ep: Episodes, table: pd.DataFrame, path: Path) -> None:
    """``trust.png``: the trusts with the episodes of the median trajectory
    marked (of the one run when there is one: ``table``) and, below, the share
    of runs with an onset or a failure in each quarter."""
    n, T = ep.n_runs, ep.n_ticks
    onset_share = np.bincount(ep.onset[ep.observed_onset], minlength=T)[:T] / n
    failure_share = np.bincount(ep.failure[ep.failed], minlength=T)[:T] / n
    marks = median_episodes(result) if n > 1 else table
    fig = plotting.plot_trust(
        result,
        episodes=marks,
        index=ep.index,
        onset_share=onset_share,
        failure_share=failure_share,
    )
    plotting.save(fig, path)


def median_episodes(result: RunResult) -> pd.DataFrame:
    """Episodes of the median trajectory (the median of each input column across
    runs): what the trust figure's median lines show."""
    c = result.compiled
    p = tables.run_params(result)
    data = result.trajectories.data
    med = {k: np.median(data[k], axis=0)[None, :] for k in detection_columns(c.state_ids)}
    return _episode_table(c, detect_runs(c, med, p), p)


def after_scheduled(c: Compiled) -> int | None:
    """The first quarter of the projection after its last scheduled event and
    leader change, if any is left (from then on only random events move it)."""
    p0 = c.projection_tick
    t = max([p0 - 1, *(m.tick for m in c.markers if m.tick >= p0)]) + 1
    return t if p0 < t < c.n_ticks else None
