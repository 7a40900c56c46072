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
* ``compare.png``: trusts of both and the per-run difference over time,

and returns the lines to print (:func:`resetsim.output.summary.compare_lines`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from resetsim import plotting
from resetsim.analysis.episodes import relationship_index
from resetsim.analysis.metrics import run_metrics
from resetsim.engines.runner import RunResult
from resetsim.output import summary
from resetsim.output.tables import FLOAT_FORMAT, run_params
from resetsim.scenario import Compiled


def shared_quarters(ca: Compiled, cb: Compiled) -> np.ndarray:
    """The quarters (as quarter indices) both scenarios cover."""
    return np.intersect1d(ca.quarters, cb.quarters)


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


def compared_metrics(result: RunResult) -> dict[str, np.ndarray]:
    """Per run: :func:`~resetsim.analysis.metrics.run_metrics` and
    ``mean_<state id>_trust`` (the trust's mean over the run)."""
    out = run_metrics(result.compiled, result.trajectories.data, run_params(result))
    for sid in result.compiled.state_ids:
        out[f"mean_{sid}_trust"] = result[f"{sid}_trust"].mean(axis=1)
    return out


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


def write_comparison(ra: RunResult, rb: RunResult, stage: Path) -> list[str]:
    """Write ``compare.csv``, ``metrics.csv`` and ``compare.png`` into ``stage``;
    return the lines to print."""
    table = over_time(ra, rb)
    table.to_csv(stage / "compare.csv", index=False, float_format=FLOAT_FORMAT)
    metrics = paired_metrics(compared_metrics(ra), compared_metrics(rb))
    metrics.to_csv(stage / "metrics.csv", index=False, float_format=FLOAT_FORMAT)
    labels = (ra.compiled.scenario.name, rb.compiled.scenario.name)
    fig = plotting.plot_compare([ra, rb], labels)
    plotting.save(fig, stage / "compare.png")
    return summary.compare_lines(labels, ra.compiled.state_ids, metrics, table)
