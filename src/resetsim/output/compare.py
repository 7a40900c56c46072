"""What ``resetsim compare`` writes: two scenarios run on the same seeds.

Run ``i`` of A and run ``i`` of B share their random numbers, so their
difference is the effect of what differs between the files.
:func:`write_comparison` writes

* ``compare.csv``: per quarter both scenarios share, each state's median trust
  in A and B and the median, 5% and 95% quantiles of the per-run difference
  B - A (also for the relationship index), :func:`over_time`;
* ``metrics.csv``: per metric (:func:`resetsim.analysis.metrics.run_metrics`
  and each state's mean trust), the mean in A and in B, the mean paired
  difference and the shares of runs where B is greater or less,
  :func:`paired_metrics`;
* ``compare.png``: trusts of both and the per-run difference over time;
* ``meta.json``: seeds, engine, both resolved scenarios and the periods
  compared, the software's versions and git commit (:func:`compare_meta`),

and returns the lines to print (:func:`resetsim.output.summary.compare_lines`).

Scenarios over different periods are compared over the quarters both cover
only (the CLI asks for ``--allow-different-periods`` first): the paired
metrics are computed on those quarters, without the fidelity metrics (a
scenario's targets are dated over its own period), and the lines say so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from resetsim import plotting
from resetsim.analysis.episodes import relationship_index
from resetsim.analysis.metrics import run_metrics
from resetsim.core import io
from resetsim.core.calendar import quarter_label
from resetsim.output import summary
from resetsim.output.run import run_meta
from resetsim.output.tables import FLOAT_FORMAT, run_params
from resetsim.results import RunResult
from resetsim.scenario import Compiled


def shared_quarters(ca: Compiled, cb: Compiled) -> np.ndarray:
    """The quarters (as quarter indices) both scenarios cover."""
    return np.intersect1d(ca.quarters, cb.quarters)


def same_period(ca: Compiled, cb: Compiled) -> bool:
    """Whether both scenarios cover exactly the same quarters."""
    return bool(np.array_equal(ca.quarters, cb.quarters))


def period_label(quarters: np.ndarray) -> str:
    """``1989Q1-2021Q4`` (first and last quarter)."""
    if len(quarters) == 0:
        return "none"
    return f"{quarter_label(int(quarters[0]))}-{quarter_label(int(quarters[-1]))}"


def over_time(ra: RunResult, rb: RunResult) -> pd.DataFrame:
    """``compare.csv``: per shared quarter, medians of A and B and quantiles of B - A."""
    ca, cb = ra.compiled, rb.compiled
    common = shared_quarters(ca, cb)
    ia = np.searchsorted(ca.quarters, common)
    ib = np.searchsorted(cb.quarters, common)
    out: dict[str, object] = {"date": [ca.dates[i] for i in ia]}
    series = {f"{sid}_trust": (ra[f"{sid}_trust"], rb[f"{sid}_trust"]) for sid in ca.state_ids}
    series["index"] = (
        relationship_index(ra.trajectories.data, ca.state_ids, run_params(ra)),
        relationship_index(rb.trajectories.data, cb.state_ids, run_params(rb)),
    )
    for name, (ya, yb) in series.items():
        a, b = ya[:, ia], yb[:, ib]
        d = b - a
        out[f"{name}_median_a"] = np.median(a, axis=0)
        out[f"{name}_median_b"] = np.median(b, axis=0)
        out[f"{name}_diff_median"] = np.median(d, axis=0)
        out[f"{name}_diff_q05"] = np.quantile(d, 0.05, axis=0)
        out[f"{name}_diff_q95"] = np.quantile(d, 0.95, axis=0)
    return pd.DataFrame(out)


def compared_metrics(
    result: RunResult, quarters: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """Per run: :func:`~resetsim.analysis.metrics.run_metrics` and
    ``mean_<state id>_trust`` (the trust's mean over the run).

    With ``quarters`` (quarter indices the run covers), both are computed on
    those quarters only, and without the fidelity metrics."""
    c = result.compiled
    data = result.trajectories.data
    compiled: Any = c
    if quarters is not None and not np.array_equal(quarters, c.quarters):
        ticks = np.searchsorted(c.quarters, quarters)
        data = {k: v[:, ticks] for k, v in data.items()}
        compiled = _Period(c)
    out = run_metrics(compiled, data, run_params(result))
    for sid in c.state_ids:
        out[f"mean_{sid}_trust"] = data[f"{sid}_trust"].mean(axis=1)
    return out


class _Period:
    """What metrics read of a scenario cut to fewer quarters: its states and
    parameters, and no targets (they are dated over the whole scenario)."""

    def __init__(self, compiled: Compiled):
        self.state_ids = compiled.state_ids
        self.params = compiled.params
        self.scenario = compiled.scenario.model_copy(update={"targets": None})
        self.targets = None


def paired_metrics(ma: dict, mb: dict) -> pd.DataFrame:
    """``metrics.csv``: per metric both have, means in A and B and the paired difference."""
    rows = []
    for key in ma:
        if key not in mb:
            continue
        a, b = np.asarray(ma[key], float), np.asarray(mb[key], float)
        d = b - a
        ok = np.isfinite(d)
        rows.append(
            {
                "metric": key,
                "mean_a": float(np.nanmean(a)) if np.isfinite(a).any() else np.nan,
                "mean_b": float(np.nanmean(b)) if np.isfinite(b).any() else np.nan,
                "mean_diff": float(np.mean(d[ok])) if ok.any() else np.nan,
                "share_b_greater": float(np.mean(d[ok] > 0)) if ok.any() else np.nan,
                "share_b_less": float(np.mean(d[ok] < 0)) if ok.any() else np.nan,
                "runs_compared": int(ok.sum()),
            }
        )
    return pd.DataFrame(rows)


def compare_meta(ra: RunResult, rb: RunResult) -> dict[str, Any]:
    """Provenance for ``meta.json``: what :func:`resetsim.output.run.run_meta`
    records of a run (seeds, engine, versions, git commit), with both
    scenarios and their parameters resolved and the periods compared."""
    a, b = run_meta(ra), run_meta(rb)
    common = shared_quarters(ra.compiled, rb.compiled)
    meta = {k: v for k, v in a.items() if k not in ("scenario", "parameters")}
    meta["scenarios"] = {"a": a["scenario"], "b": b["scenario"]}
    meta["parameters"] = {"a": a["parameters"], "b": b["parameters"]}
    meta["periods"] = {
        "a": period_label(ra.compiled.quarters),
        "b": period_label(rb.compiled.quarters),
        "compared": period_label(common),
        "quarters_compared": int(common.size),
    }
    return meta


def period_note(ra: RunResult, rb: RunResult) -> list[str]:
    """A line saying which quarters were compared, when the periods differ."""
    ca, cb = ra.compiled, rb.compiled
    if same_period(ca, cb):
        return []
    common = shared_quarters(ca, cb)
    return [
        f"  periods differ (A {period_label(ca.quarters)}, B {period_label(cb.quarters)}): "
        f"compared over the {common.size} quarters both cover, {period_label(common)}, "
        "without the fidelity metrics"
    ]


def write_comparison(
    ra: RunResult, rb: RunResult, stage: Path, figure_formats: tuple[str, ...] = ("png",)
) -> list[str]:
    """Write ``compare.csv``, ``metrics.csv``, ``compare.png`` and ``meta.json``
    into ``stage``; return the lines to print."""
    table = over_time(ra, rb)
    table.to_csv(stage / "compare.csv", index=False, float_format=FLOAT_FORMAT)
    common = (
        None if same_period(ra.compiled, rb.compiled) else shared_quarters(ra.compiled, rb.compiled)
    )
    metrics = paired_metrics(compared_metrics(ra, common), compared_metrics(rb, common))
    metrics.to_csv(stage / "metrics.csv", index=False, float_format=FLOAT_FORMAT)
    labels = (ra.compiled.scenario.name, rb.compiled.scenario.name)
    da, db = (r.compiled.scenario.description for r in (ra, rb))
    title = f"{da or labels[0]}\nvs {db or labels[1]}"
    fig = plotting.plot_compare([ra, rb], labels, title=title)
    plotting.save_all(fig, stage / "compare", figure_formats)
    io.write_json(stage / "meta.json", compare_meta(ra, rb))
    return period_note(ra, rb) + summary.compare_lines(
        labels, ra.compiled.state_ids, metrics, table
    )
