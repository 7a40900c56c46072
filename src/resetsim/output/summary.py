"""The text a run or a comparison reports: terminal lines and ``summary.txt``.

Pure functions from results to lines of text (no files, no printing), so the
command line, the API and the tests read the same words:

* :func:`run_header`, :func:`median_lines`, :func:`episode_line`: what
  ``resetsim run`` prints about any run;
* :func:`projection_summary`: ``summary.txt`` of a scenario with a projection;
* :func:`compare_header`, :func:`compare_lines`: what ``resetsim compare`` prints.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from resetsim.analysis.episodes import Episodes, spiral_measures
from resetsim.analysis.opinion import is_latent
from resetsim.core import calendar as cal
from resetsim.core.attitude import sigmoid
from resetsim.results import RunResult

#: Metrics quoted in the terminal summary of a comparison.
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


def run_header(result: RunResult) -> str:
    """``<name>: <n> run(s), <first date> .. <last date>, engine <e>, seed <s>``."""
    c = result.compiled
    return (
        f"{c.scenario.name}: {result.n_runs} run(s), {c.dates[0]} .. {c.dates[-1]}, "
        f"engine {result.engine}, seed {result.seed}"
    )


def median_lines(result: RunResult, columns: Sequence[str]) -> list[str]:
    """Start, end and range of the median (across runs) of some columns."""
    lines = []
    for col in columns:
        med = np.median(result[col], axis=0)
        lines.append(
            f"{col}: {med[0]:.2f} -> {med[-1]:.2f} (min {med.min():.2f}, max {med.max():.2f})"
        )
    return lines


def episode_line(ep: Episodes) -> str:
    """Mean reset onsets and complete cycles per run, share with descending lows."""
    m = spiral_measures(ep)
    return (
        f"episodes (detected on the relationship index, see docs/EPISODES.md): "
        f"{m['resets'].mean():.2f} reset onsets (episodes that start inside the period) and "
        f"{m['cycles'].mean():.2f} complete reset -> failure cycles per run; "
        f"lows descend over the whole run in {m['lows_descending'].mean():.0%} of runs; "
        "wrote episodes.csv"
    )


def share(p: float, n: int) -> str:
    """A share of ``n`` runs as a percentage, with the count when the
    percentage would round to 0% or 100% without being exactly that
    (``"<1% (2 of 500 runs)"``), so a probability printed as 0% is 0."""
    k = round(float(p) * n)
    if 0 < k < n and round(100 * k / n) == 0:
        return f"<1% ({k} of {n} runs)"
    if 0 < k < n and round(100 * k / n) == 100:
        return f">99% ({k} of {n} runs)"
    return f"{p:.0%}"


def projection_summary(
    result: RunResult,
    ep: Episodes,
    p,
    started: np.ndarray,
    failed: np.ndarray,
    later: tuple[int, np.ndarray, np.ndarray] | None = None,
) -> list[str]:
    """The projection in a few lines (``summary.txt``).

    ``ep`` are the detected episodes, ``p`` the parameters, ``started`` /
    ``failed`` the shares of runs with a new reset started / also failed by
    each quarter (:func:`resetsim.analysis.metrics.onset_failure_probability`
    from the projection start), ``later = (tick, started, failed)`` the same
    from the first quarter after the last scheduled event.
    """
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
        f"  P(a new reset starts by {end})                 {share(started[-1], n)}",
        f"  P(it has also failed by {end})                 {share(failed[-1], n)}",
        f"  P(a reset started and is still on at the end)  {share(started[-1] - failed[-1], n)}",
    ]
    if later is not None:
        t2, s2, f2 = later
        lines.append(
            f"  P(a reset starts from {c.dates[t2][:7]} on, after the last dated event) "
            f"{share(s2[-1], n)}, and has failed by {end}: {share(f2[-1], n)}"
        )
    for year in sorted({int(d[:4]) for d in c.dates[p0:]}):
        if year % 2 == 0 and f"{year}-10-01" in c.dates:
            t = c.dates.index(f"{year}-10-01")
            lines.append(
                f"    by end of {year}: started {share(started[t], n)}, "
                f"failed {share(failed[t], n)}"
            )
    first = np.where(ep.observed_onset & (ep.onset >= p0), ep.onset, np.iinfo(np.int64).max)
    first_on = first.min(axis=1)
    has = first_on < ep.n_ticks
    if has.any():
        q = np.quantile(first_on[has], [0.25, 0.5, 0.75]).astype(int)
        lines.append(
            f"  first new onset, in the {int(has.sum())} of {n} runs with one: median "
            f"{c.dates[q[1]][:7]} (50% between {c.dates[q[0]][:7]} and {c.dates[q[2]][:7]})"
        )
    new = ep.observed_onset & (ep.onset >= p0)
    if new.any():
        k_first = np.argmax(new, axis=1)
        rows = np.flatnonzero(new.any(axis=1))
        new_peak = ep.peak_level[rows, k_first[rows]]
        old = np.where(ep.exists & (ep.peak >= 0) & (ep.peak < p0), ep.peak_level, np.nan)
        line = (
            f"  peak of the first new reset (relationship index, median of those "
            f"{len(rows)} runs): {np.median(new_peak):.2f}"
        )
        if np.isfinite(old).any():
            best_before = np.nanmedian(np.nanmax(np.where(np.isfinite(old), old, -1.0), axis=1))
            line += f"; the highest peak before {c.dates[p0][:4]}: {best_before:.2f}"
        lines.append(line)
    lines.append("")
    latent = is_latent(getattr(result, "params", None))
    scale = " (the latent attitude, logit scale)" if latent else ""
    lines.append(f"Trust at the end ({c.dates[-1][:7]}){scale}, median [90% range] over runs:")
    for s, sid in enumerate(ids):
        y = result[f"{sid}_trust"][:, -1]
        y0 = result[f"{sid}_trust"][:, p0]
        lo, med, hi = np.quantile(y, [0.05, 0.5, 0.95])
        name = sc.states[s].name or sid
        line = (
            f"  {name}: {med:.2f} [{lo:.2f}, {hi:.2f}]  "
            f"(at the projection start {np.median(y0):.2f})"
        )
        if latent:  # the attitude's favourable share, as a poll would read it
            line += (
                f"; favourable share {sigmoid(med):.0%} (at the start {sigmoid(np.median(y0)):.0%})"
            )
        lines.append(line)
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


def compare_header(ra: RunResult, rb: RunResult) -> str:
    """``<B> vs <A>: <n> runs each on the same seeds (seed <s>)``."""
    return (
        f"{rb.compiled.scenario.name} vs {ra.compiled.scenario.name}: {ra.n_runs} runs each "
        f"on the same seeds (seed {ra.seed})"
    )


def compare_lines(
    labels: tuple[str, str], state_ids: Sequence[str], metrics: pd.DataFrame, table: pd.DataFrame
) -> list[str]:
    """The headline metrics of A and B with their paired difference, and the
    largest median difference in each state's trust (``metrics`` as in
    ``metrics.csv``, ``table`` as in ``compare.csv``)."""
    lines = [
        f"  A = {labels[0]}",
        f"  B = {labels[1]}",
        f"  {'metric':<24}{'A':>20}{'B':>20}{'B - A (paired)':>18}",
    ]
    by_name = metrics.set_index("metric")
    keys = [*HEADLINE, *(f"mean_{sid}_trust" for sid in state_ids)]
    for key in keys:
        if key in by_name.index:
            r = by_name.loc[key]
            lines.append(
                f"  {key:<24}{r['mean_a']:>20.3f}{r['mean_b']:>20.3f}{r['mean_diff']:>+18.3f}"
            )
    biggest = table.iloc[:, 1:]
    for sid in state_ids:
        col = biggest[f"{sid}_trust_diff_median"]
        i = int(np.argmax(np.abs(col.to_numpy())))
        lines.append(
            f"  largest median difference in {sid} trust: {col.iloc[i]:+.3f} "
            f"in {table['date'].iloc[i][:7]}"
        )
    return lines
