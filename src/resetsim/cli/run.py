"""Run a scenario and write what it produced into --out:

* trajectory.csv - every run, every quarter, every recorded variable;
* meta.json - seeds, resolved parameters and scenario, versions (no timestamps);
* episodes.csv - the reset episodes detected in each run (resetsim.episodes);
* trust.png - both trusts with the detected episodes marked;
* fidelity.csv, fidelity_runs.csv - when the scenario names a targets file:
  how well the runs reproduce those episodes (resetsim.fidelity);
* fan.png, summary.txt - when the scenario has a projection_start: the
  projection as a fan chart with the probability of a new reset and of its
  failure, and a short text summary.

The output directory must be empty or absent (or --overwrite given); it is
written atomically: it appears complete, or not at all.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from resetsim import plotting
from resetsim.analysis import episodes as E
from resetsim.analysis import metrics as M
from resetsim.analysis import triggers as TR
from resetsim.cli.common import UsageError, parse_sets
from resetsim.core import calendar as cal
from resetsim.core import io
from resetsim.engines.runner import ENGINES, run_scenario
from resetsim.scenario import load
from resetsim.scenario.targets import load_for

NAME = "run"
HELP = "run a scenario and write its trajectories, episodes and plots"


def add_arguments(p) -> None:
    p.add_argument("scenario", metavar="SCENARIO", help="scenario TOML file")
    p.add_argument("--out", metavar="DIR", help="output directory (default: runs/<name>)")
    p.add_argument(
        "--runs", type=int, metavar="N", help="number of runs (default: the scenario's `runs`)"
    )
    p.add_argument("--seed", type=int, metavar="S", help="base seed (default: the scenario's)")
    p.add_argument(
        "--engine",
        choices=ENGINES,
        default="ensemble",
        help="ensemble (fast, default) or mesa (the agent model, the reference)",
    )
    p.add_argument(
        "--set", action="append", metavar="NAME=VALUE", help="override a parameter (repeatable)"
    )
    p.add_argument("--overwrite", action="store_true", help="replace a non-empty --out")
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")


def run(args) -> int:

    scenario = load(args.scenario)
    params = parse_sets(args.set)
    if args.runs is not None and args.runs < 1:
        raise UsageError("--runs must be at least 1")
    if args.seed is not None and args.seed < 0:
        raise UsageError("--seed must be >= 0")
    out = Path(args.out or Path("runs") / scenario.name)
    io.check_output_dir(out, args.overwrite)
    result = run_scenario(
        scenario,
        runs=args.runs,
        seed=args.seed,
        params=params,
        engine=args.engine,
        progress=None if not args.quiet else False,
    )
    with io.atomic_dir(out, overwrite=args.overwrite) as stage:
        report = write_outputs(result, stage, params)
    if not args.quiet:
        c = result.compiled
        print(
            f"{scenario.name}: {result.n_runs} run(s), {c.dates[0]} .. {c.dates[-1]}, "
            f"engine {result.engine}, seed {result.seed}"
        )
        for line in plotting.summary_lines(result, [f"{s}_trust" for s in c.state_ids]):
            print(f"  median {line}")
        for line in report:
            print(line)
        print(f"wrote {out}/", file=sys.stderr)
    return 0


def write_outputs(result, stage: Path, params: dict | None = None) -> list[str]:
    """Everything `resetsim run` writes, into a staging directory.

    Returns the lines to print (episode counts, fidelity, projection summary).
    """
    c = result.compiled
    p = c.params(params)
    data = result.trajectories.data
    result.write_csv(stage / "trajectory.csv")
    io.write_json(stage / "meta.json", result.meta())

    ep = E.detect_runs(c, data, p)
    windows = None
    if c.scenario.targets:
        from resetsim.analysis import fidelity

        windows = load_for(c.scenario)
    table = TR.episode_table(c, ep, p, seeds=result.seeds, targets=windows)
    table.to_csv(stage / "episodes.csv", index=False, float_format="%.6f")
    metrics = E.spiral_measures(ep)
    report = [
        f"episodes (detected on the relationship index, see docs/EPISODES.md): "
        f"{metrics['resets'].mean():.2f} reset onsets and {metrics['cycles'].mean():.2f} "
        f"complete reset -> failure cycles per run; lows descend in "
        f"{metrics['lows_descending'].mean():.0%} of runs; wrote episodes.csv"
    ]
    if windows is not None:
        from resetsim.analysis import fidelity

        scores = fidelity.score(windows, c, ep)
        scores.summary().to_csv(stage / "fidelity.csv", index=False, float_format="%.6f")
        scores.per_run().to_csv(stage / "fidelity_runs.csv", index=False, float_format="%.6f")
        report += scores.text()

    # the trust figure: median-trajectory episodes marked, all runs' onsets/failures below
    n, T = ep.n_runs, ep.n_ticks
    onset_share = np.bincount(ep.onset[ep.observed_onset], minlength=T)[:T] / n
    failure_share = np.bincount(ep.failure[ep.failed], minlength=T)[:T] / n
    marks = _median_episodes(c, data, p) if n > 1 else table
    fig = plotting.plot_trust(
        result,
        episodes=marks,
        index=ep.index,
        onset_share=onset_share,
        failure_share=failure_share,
    )
    plotting.save(fig, stage / "trust.png")

    if c.projection_tick is not None:
        started, failed = M.onset_failure_probability(ep, c.projection_tick)
        t2 = after_scheduled(c)
        later = (t2, *M.onset_failure_probability(ep, t2)) if t2 is not None else None
        fig = plotting.plot_fan(result, started, failed, later=later)
        plotting.save(fig, stage / "fan.png")
        text = projection_summary(result, ep, p, started, failed, later)
        (stage / "summary.txt").write_text("\n".join(text) + "\n", encoding="utf-8")
        report += text
    return report


def _median_episodes(c, data, p):
    """Episodes of the median trajectory (the median of each input column across
    runs): what the figure's median lines show."""
    cols = M.required_columns(c.state_ids)
    med = {k: np.median(data[k], axis=0)[None, :] for k in cols}
    ep = E.detect_runs(c, med, p)
    return TR.episode_table(c, ep, p)


def after_scheduled(c) -> int | None:
    """The first quarter of the projection after its last scheduled event and
    leader change, if any is left (from then on only random events move it)."""
    p0 = c.projection_tick
    t = max([p0 - 1, *(m.tick for m in c.markers if m.tick >= p0)]) + 1
    return t if p0 < t < c.n_ticks else None


def projection_summary(result, ep, p, started, failed, later=None) -> list[str]:
    """The projection in a few lines (``summary.txt``)."""
    c = result.compiled
    sc = c.scenario
    p0 = c.projection_tick
    n = result.n_runs
    end = c.dates[-1][:4]
    ids = c.state_ids
    lines = [
        f"{sc.name}: projection from {c.dates[p0][:7]} to {c.dates[-1][:7]}, {n} runs "
        f"(seed {result.seed})",
        "",
        "Episodes are detected on the relationship index (docs/EPISODES.md); a 'new reset'",
        "is one whose onset falls on or after the projection start.",
        f"  P(a new reset starts by {end})                 {started[-1]:.0%}",
        f"  P(it has also failed by {end})                 {failed[-1]:.0%}",
        f"  P(a reset started and is still on at the end)  {started[-1] - failed[-1]:.0%}",
    ]
    if later is not None:
        t2, s2, f2 = later
        lines.append(
            f"  P(a reset starts from {c.dates[t2][:7]} on, after the last dated event) "
            f"{s2[-1]:.0%}, and has failed by {end}: {f2[-1]:.0%}"
        )
    for year in sorted({int(d[:4]) for d in c.dates[p0:]}):
        if year % 2 == 0 and f"{year}-10-01" in c.dates:
            t = c.dates.index(f"{year}-10-01")
            lines.append(f"    by end of {year}: started {started[t]:.0%}, failed {failed[t]:.0%}")
    first = np.where(ep.observed_onset & (ep.onset >= p0), ep.onset, np.iinfo(np.int64).max)
    first_on = first.min(axis=1)
    has = first_on < ep.n_ticks
    if has.any():
        q = np.quantile(first_on[has], [0.25, 0.5, 0.75]).astype(int)
        lines.append(
            "  first new onset, among runs with one: median "
            f"{c.dates[q[1]][:7]} (50% between {c.dates[q[0]][:7]} and {c.dates[q[2]][:7]})"
        )
    new = ep.observed_onset & (ep.onset >= p0)
    if new.any():
        k_first = np.argmax(new, axis=1)
        rows = np.flatnonzero(new.any(axis=1))
        new_peak = ep.peak_level[rows, k_first[rows]]
        old = np.where(ep.exists & (ep.peak >= 0) & (ep.peak < p0), ep.peak_level, np.nan)
        line = (
            f"  peak of the first new reset (relationship index, median): {np.median(new_peak):.2f}"
        )
        if np.isfinite(old).any():
            best_before = np.nanmedian(np.nanmax(np.where(np.isfinite(old), old, -1.0), axis=1))
            line += f"; the highest peak before {c.dates[p0][:4]}: {best_before:.2f}"
        lines.append(line)
    lines.append("")
    lines.append(f"Trust at the end ({c.dates[-1][:7]}), median [90% range] over runs:")
    for s, sid in enumerate(ids):
        y = result[f"{sid}_trust"][:, -1]
        y0 = result[f"{sid}_trust"][:, p0]
        lo, med, hi = np.quantile(y, [0.05, 0.5, 0.95])
        name = sc.states[s].name or sid
        lines.append(
            f"  {name}: {med:.2f} [{lo:.2f}, {hi:.2f}]  "
            f"(at the projection start {np.median(y0):.2f})"
        )
    x = ep.index
    part = float(np.max(p["det_partnership"]))
    conf = float(np.max(p["det_confrontation"]))
    lines.append(
        f"Relationship index at the end: partnership (>= {part:g}) in "
        f"{np.mean(x[:, -1] >= part):.0%} of runs, confrontation (<= {conf:g}) in "
        f"{np.mean(x[:, -1] <= conf):.0%}; "
        f"share of projected quarters in partnership {np.mean(x[:, p0:] >= part):.0%}, "
        f"in confrontation {np.mean(x[:, p0:] <= conf):.0%}"
    )
    lines.append("")
    lines.append("Assumptions (in the scenario file, change them there):")
    for st, t0, t1, name in c.leader_terms:
        if t1 > p0:
            disp = c.disposition[t0, st]
            lines.append(
                f"  leader of {ids[st]}: {name} {cal.quarter_label(int(c.quarters[t0]))} to "
                f"{cal.quarter_label(int(c.quarters[t1 - 1])) if t1 < ep.n_ticks else 'the end'}"
                f" (disposition {disp:+.2f})"
            )
    for pr in sc.stochastic:
        lines.append(
            f"  random {pr.kind} by {pr.actor}: {pr.rate_per_year:g}/year"
            + (f" from {pr.start}" if pr.start else "")
            + (f" to {pr.end}" if pr.end else "")
            + (f" ({pr.label})" if pr.label else "")
        )
    scale = float(np.max(p["shock_rate_scale"]))
    if scale != 1.0:
        lines.append(f"  all rates scaled by shock_rate_scale = {scale:g}")
    return lines
