"""Compare two scenarios run on the same seeds (e.g. the history and a counterfactual).

Both scenarios get the same replication seeds (--seed, default the first
scenario's), so run i of A and run i of B share their random numbers and their
difference is the effect of what differs between the files.  Writes into --out:

* compare.csv - per quarter both scenarios share: each state's median trust in
  A and B and the median, 5% and 95% quantiles of the per-run difference B - A
  (also for the relationship index);
* metrics.csv - per episode metric (resetsim.episodes.run_metrics): mean in
  A, mean in B, mean of the per-run difference, share of runs where B > A;
* compare.png - trusts of both and the per-run difference over time.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from resetsim import plotting
from resetsim.analysis import episodes as E
from resetsim.analysis import metrics as M
from resetsim.cli.common import UsageError, parse_sets
from resetsim.core import io
from resetsim.engines.runner import run_scenario
from resetsim.scenario import load

NAME = "compare"
HELP = "run two scenarios on the same seeds and tabulate / plot the difference"


def add_arguments(p) -> None:
    p.add_argument("a", metavar="A", help="baseline scenario TOML file")
    p.add_argument("b", metavar="B", help="alternative scenario TOML file (e.g. a counterfactual)")
    p.add_argument("--runs", type=int, metavar="N", help="runs of each (default: A's `runs`)")
    p.add_argument("--seed", type=int, metavar="S", help="base seed (default: A's `seed`)")
    p.add_argument(
        "--set", action="append", metavar="NAME=VALUE", help="override a parameter in both"
    )
    p.add_argument("--out", metavar="DIR", help="output directory (default: runs/compare_A_vs_B)")
    p.add_argument("--overwrite", action="store_true", help="replace a non-empty --out")
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")


def run(args) -> int:

    sa, sb = load(args.a), load(args.b)
    params = parse_sets(args.set)
    if args.runs is not None and args.runs < 1:
        raise UsageError("--runs must be at least 1")
    if args.seed is not None and args.seed < 0:
        raise UsageError("--seed must be >= 0")
    if tuple(sa.state_ids) != tuple(sb.state_ids):
        raise UsageError(
            f"the scenarios have different states ({', '.join(sa.state_ids)} vs "
            f"{', '.join(sb.state_ids)}); compare needs the same dyad"
        )
    runs = args.runs if args.runs is not None else sa.runs
    seed = args.seed if args.seed is not None else sa.seed
    out = Path(args.out or Path("runs") / f"compare_{sa.name}_vs_{sb.name}")
    io.check_output_dir(out, args.overwrite)
    progress = None if not args.quiet else False
    ra = run_scenario(sa, runs=runs, seed=seed, params=params, progress=progress)
    rb = run_scenario(sb, runs=runs, seed=seed, params=params, progress=progress)
    if np.intersect1d(ra.compiled.quarters, rb.compiled.quarters).size == 0:
        raise UsageError("the scenarios share no quarter; nothing to compare")
    with io.atomic_dir(out, overwrite=args.overwrite) as stage:
        lines = write_comparison(ra, rb, stage, params)
    if not args.quiet:
        print(f"{sb.name} vs {sa.name}: {runs} runs each on the same seeds (seed {seed})")
        for line in lines:
            print(line)
        print(f"wrote {out}/", file=sys.stderr)
    return 0


def over_time(ra, rb, pa, pb) -> pd.DataFrame:
    """``compare.csv``: per shared quarter, medians of A and B and quantiles of B - A."""
    ca, cb = ra.compiled, rb.compiled
    common = np.intersect1d(ca.quarters, cb.quarters)
    ia = np.searchsorted(ca.quarters, common)
    ib = np.searchsorted(cb.quarters, common)
    out: dict[str, object] = {"date": [ca.dates[i] for i in ia]}
    series = {f"{sid}_trust": (ra[f"{sid}_trust"], rb[f"{sid}_trust"]) for sid in ca.state_ids}
    series["index"] = (
        E.relationship_index(ra.trajectories.data, ca.state_ids, pa),
        E.relationship_index(rb.trajectories.data, cb.state_ids, pb),
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


def metric_table(ma: dict, mb: dict) -> pd.DataFrame:
    """``metrics.csv``: per metric, means in A and B and the paired difference."""
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


#: Metrics quoted in the terminal summary.
HEADLINE = (
    "resets",
    "cycles",
    "trough_trend",
    "lows_descending",
    "last_low",
    "mean_honeymoon",
    "share_partnership",
    "share_confrontation",
    "fidelity_score",
)


def write_comparison(ra, rb, stage: Path, params: dict | None = None) -> list[str]:
    """Write compare.csv, metrics.csv and compare.png; return summary lines."""
    ca, cb = ra.compiled, rb.compiled
    pa, pb = ca.params(params), cb.params(params)
    table = over_time(ra, rb, pa, pb)
    table.to_csv(stage / "compare.csv", index=False, float_format="%.6f")
    ma = M.run_metrics(ca, ra.trajectories.data, pa)
    mb = M.run_metrics(cb, rb.trajectories.data, pb)
    for sid in ca.state_ids:
        ma[f"mean_{sid}_trust"] = ra[f"{sid}_trust"].mean(axis=1)
        mb[f"mean_{sid}_trust"] = rb[f"{sid}_trust"].mean(axis=1)
    metrics = metric_table(ma, mb)
    metrics.to_csv(stage / "metrics.csv", index=False, float_format="%.6f")
    labels = (ca.scenario.name, cb.scenario.name)
    fig = plotting.plot_compare([ra, rb], labels)
    plotting.save(fig, stage / "compare.png")

    lines = [
        f"  A = {labels[0]}",
        f"  B = {labels[1]}",
        f"  {'metric':<24}{'A':>20}{'B':>20}{'B - A (paired)':>18}",
    ]
    by_name = metrics.set_index("metric")
    keys = [*HEADLINE, *(f"mean_{sid}_trust" for sid in ca.state_ids)]
    for key in keys:
        if key in by_name.index:
            r = by_name.loc[key]
            lines.append(
                f"  {key:<24}{r['mean_a']:>20.3f}{r['mean_b']:>20.3f}{r['mean_diff']:>+18.3f}"
            )
    biggest = table.iloc[:, 1:]
    for sid in ca.state_ids:
        col = biggest[f"{sid}_trust_diff_median"]
        i = int(np.argmax(np.abs(col.to_numpy())))
        lines.append(
            f"  largest median difference in {sid} trust: {col.iloc[i]:+.3f} "
            f"in {table['date'].iloc[i][:7]}"
        )
    return lines
