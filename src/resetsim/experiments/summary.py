"""What a sweep reports: per-point summaries, pooled summaries, Sobol' indices
and the provenance of ``meta.json``.

A summary reads the run table one column at a time (a mapping such as a
DataFrame, or a function of the column name such as
:func:`resetsim.experiments.store.column_reader`), so its memory does not grow
with the number of metrics.  A share ``s`` gives columns ``s, s_lo, s_hi``
(Wilson interval); a metric ``m`` gives ``mean_m, mean_m_lo, mean_m_hi`` (t
interval over the runs where ``m`` is defined): see
:mod:`resetsim.analysis.statistics`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from resetsim.analysis import sobol
from resetsim.analysis.statistics import grouped_mean_ci, mean_ci, wilson
from resetsim.analysis.validation import POOLED_SHARES
from resetsim.core.provenance import __version__, provenance
from resetsim.experiments.plan import Plan, metrics_fn_name
from resetsim.experiments.schema import SobolDesign

Runs = Callable[[str], np.ndarray] | Mapping[str, Any]

#: Metrics compared with the AR(1) null of the same replication (paired
#: difference, t interval): ``<metric>_vs_null`` columns of ``summary.csv``.
VS_NULL = ("trough_trend", "rise_fall_asymmetry")

#: The columns of ``sobol.csv``.
SOBOL_COLUMNS = [
    "output",
    "parameter",
    "S1",
    "S1_conf",
    "S1_lo",
    "S1_hi",
    "ST",
    "ST_conf",
    "ST_lo",
    "ST_hi",
    "note",
]


def outputs(plan: Plan) -> list[str]:
    """Summary quantities: shares first, then metric means."""
    return [s.name for s in plan.shares] + plan.metric_names


def output_columns(plan: Plan, name: str) -> tuple[str, str, str]:
    """The summary's columns of an output: value, low and high ends of its CI."""
    if name in {s.name for s in plan.shares}:
        return name, f"{name}_lo", f"{name}_hi"
    return f"mean_{name}", f"mean_{name}_lo", f"mean_{name}_hi"


def _reader(runs: Runs) -> Callable[[str], np.ndarray]:
    def column(name: str) -> np.ndarray:
        v = runs(name) if callable(runs) else runs[name]
        return np.asarray(v)

    return column


def summarize(plan: Plan, runs: Runs) -> pd.DataFrame:
    """One row per design point (or condition): runs, shares and means with 95% CIs."""
    column = _reader(runs)
    P = plan.design.n_points
    point = column("point").astype(np.int64)
    counts = np.bincount(point, minlength=P)
    cols: dict[str, Any] = {}
    conditions = plan.design.type == "conditions"
    if conditions:
        cols["condition"] = list(plan.design.labels or [])
    else:
        cols["point"] = np.arange(P)
        for j, name in enumerate(plan.design.names):
            cols[name] = plan.design.values[:, j]
    cols["runs"] = counts
    for share in plan.shares:
        hit = share.evaluate({m: column(m).astype(float) for m in set(share.metrics)})
        k = np.bincount(point, weights=hit.astype(float), minlength=P)
        p, lo, hi = wilson(k, counts)
        cols[share.name], cols[f"{share.name}_lo"], cols[f"{share.name}_hi"] = p, lo, hi
    cols.update(pooled_shares(plan, column, point, P))
    for m in plan.metric_names:
        mean, lo, hi = grouped_mean_ci(point, column(m).astype(float), P)
        cols[f"mean_{m}"], cols[f"mean_{m}_lo"], cols[f"mean_{m}_hi"] = mean, lo, hi
    cols.update(versus_null(plan, column, point, P))
    if conditions:
        for j, name in enumerate(plan.design.names):
            cols[name] = plan.design.values[:, j]
    return pd.DataFrame(cols)


def pooled_shares(
    plan: Plan, column: Callable[[str], np.ndarray], point: np.ndarray, P: int
) -> dict[str, Any]:
    """:data:`~resetsim.analysis.validation.POOLED_SHARES` per point: numerator and
    denominator summed over the point's runs, Wilson interval (not a mean of
    per-run ratios)."""
    out: dict[str, Any] = {}
    kept = set(plan.metric_names)
    for name, (num, den) in POOLED_SHARES.items():
        if num not in kept or den not in kept:
            continue
        a, b = column(num).astype(float), column(den).astype(float)
        ok = np.isfinite(a) & np.isfinite(b)
        k = np.bincount(point[ok], weights=a[ok], minlength=P)
        n = np.bincount(point[ok], weights=b[ok], minlength=P)
        out[name], out[f"{name}_lo"], out[f"{name}_hi"] = wilson(k, n)
    return out


def versus_null(
    plan: Plan, column: Callable[[str], np.ndarray], point: np.ndarray, P: int
) -> dict[str, Any]:
    """``<metric>_vs_null`` (:data:`VS_NULL`): per point, the mean paired difference
    from the first ``null = "ar1"`` condition's run of the same replication, with
    its t interval (needs ``common_random_numbers``; nothing without a null)."""
    nulls = plan.design.nulls or []
    if "ar1" not in nulls or not plan.experiment.common_random_numbers:
        return {}
    ref = nulls.index("ar1")
    rep = column("replication").astype(np.int64)
    R = plan.replications
    out: dict[str, Any] = {}
    for m in VS_NULL:
        if m not in plan.metric_names:
            continue
        x = column(m).astype(float)
        base = np.full(R, np.nan)
        sel = point == ref
        base[rep[sel]] = x[sel]
        d = x - base[rep]
        mean, lo, hi = grouped_mean_ci(point, d, P)
        out[f"{m}_vs_null"], out[f"{m}_vs_null_lo"], out[f"{m}_vs_null_hi"] = mean, lo, hi
    return out


def summarize_pooled(plan: Plan, runs: Runs) -> pd.DataFrame:
    """One row over all runs of the experiment (shares and means with 95% CIs)."""
    column = _reader(runs)
    n_all = len(column("point"))
    cols: dict[str, Any] = {"scope": ["all runs"], "runs": [n_all]}
    for share in plan.shares:
        hit = share.evaluate({m: column(m).astype(float) for m in set(share.metrics)})
        p, lo, hi = wilson(np.array([hit.sum()]), np.array([n_all]))
        cols[share.name], cols[f"{share.name}_lo"], cols[f"{share.name}_hi"] = p, lo, hi
    for name, v in pooled_shares(plan, column, np.zeros(n_all, dtype=np.int64), 1).items():
        cols[name] = list(v)
    for m in plan.metric_names:
        mean, lo, hi = mean_ci(column(m))
        cols[f"mean_{m}"], cols[f"mean_{m}_lo"], cols[f"mean_{m}_hi"] = [mean], [lo], [hi]
    return pd.DataFrame(cols)


def sobol_indices(plan: Plan, summary: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """First-order and total Sobol' indices of each output, with CIs
    (:func:`resetsim.analysis.sobol.indices`: SALib's estimators, bootstrap
    intervals from a ``SeedSequence``-seeded generator).

    The output of a design point is its mean over replications (a share's
    is the share of its runs).  Outputs undefined at some point (NaN) are
    skipped with a note in the ``note`` column.
    """
    d = plan.experiment.design
    assert isinstance(d, SobolDesign)
    wanted = d.outputs or plan.metric_names
    seed = plan.experiment.seed if d.seed is None else d.seed
    names = plan.design.names
    rows, rows2 = [], []
    for name in wanted:
        y = summary[output_columns(plan, name)[0]].to_numpy(dtype=float)
        if np.isnan(y).any() or np.ptp(y) == 0:
            why = "undefined at some design points" if np.isnan(y).any() else "constant"
            rows += [{"output": name, "parameter": pname, "note": why} for pname in names]
            continue
        res = sobol.indices(y, len(names), d.second_order, d.resamples, d.conf_level, seed)
        for j, pname in enumerate(names):
            s1, c1, st, ct = res["S1"][j], res["S1_conf"][j], res["ST"][j], res["ST_conf"][j]
            rows.append(
                {
                    "output": name,
                    "parameter": pname,
                    "S1": s1,
                    "S1_conf": c1,
                    "S1_lo": s1 - c1,
                    "S1_hi": s1 + c1,
                    "ST": st,
                    "ST_conf": ct,
                    "ST_lo": st - ct,
                    "ST_hi": st + ct,
                    "note": "",
                }
            )
        if d.second_order:
            for i in range(len(names)):
                for j in range(i + 1, len(names)):
                    rows2.append(
                        {
                            "output": name,
                            "parameter_1": names[i],
                            "parameter_2": names[j],
                            "S2": res["S2"][i, j],
                            "S2_conf": res["S2_conf"][i, j],
                        }
                    )
    table = pd.DataFrame(rows).reindex(columns=SOBOL_COLUMNS)
    return table, (pd.DataFrame(rows2) if d.second_order else None)


def meta(plan: Plan) -> dict[str, Any]:
    """``meta.json``: the experiment, its scenario, the plan and the software
    (:func:`resetsim.core.provenance.provenance`: versions, git commit)."""
    software = provenance()
    return {
        "resetsim_version": __version__,
        "git_commit": software["git_commit"],
        "experiment": plan.experiment.resolved(),
        "scenario": plan.compiled.scenario.resolved(),
        "hash": plan.hash,
        "design": {
            "type": plan.design.type,
            "parameters": plan.design.names,
            "points": plan.design.n_points,
            "fixed": plan.design.fixed,
        },
        "replications": plan.replications,
        "runs": plan.n_runs,
        "chunk_size": plan.chunk_size,
        "engine": plan.engine,
        "metrics_fn": metrics_fn_name(plan.metrics_fn),
        "metrics": plan.metric_names,
        "seed": plan.experiment.seed,
        "seed_derivation": (
            "run i: numpy.random.SeedSequence(seed, spawn_key=(i,)).generate_state(2, uint32)"
            " -> 63-bit int"
            + (
                " with i = replication (common random numbers)"
                if plan.experiment.common_random_numbers
                else ""
            )
        ),
        "versions": software["versions"],
    }
