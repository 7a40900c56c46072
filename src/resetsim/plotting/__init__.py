"""Figures.  Each function takes results and returns a matplotlib Figure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FuncFormatter, MaxNLocator

from resetsim.core import calendar as cal

STATE_COLOURS = ("#1f4e99", "#b5261e", "#2e7d32", "#6a1b9a")
PNG_METADATA = {"Software": None}


def _years(compiled) -> np.ndarray:
    """Where each recorded state is drawn: the END of its quarter.

    A row of ``trajectory.csv`` is dated by its quarter's first day but holds
    the state after that quarter's events and dynamics; drawing it at the
    quarter's end keeps every effect after its cause on the time axis (events
    are drawn mid-quarter, leader terms from the start of their quarter).
    """
    return np.array([cal.decimal_year(int(q)) + 0.25 for q in compiled.quarters])


def _start(x: np.ndarray, t: int) -> float:
    """The start of tick ``t``'s quarter (``x`` from :func:`_years`); ``t`` may be
    one past the last tick."""
    return float(x[t] - 0.25) if t < len(x) else float(x[-1])


def _band(
    ax, a: float, b: float, y0: float, y1: float, colour, alpha: float, name: str, fontsize: float
) -> None:
    """One labelled leader-term band between x = a and b, y0 and y1 (axes units)."""
    ax.axvspan(a, b, ymin=y0, ymax=y1, color=colour, alpha=alpha, lw=0)
    ax.text(
        (a + b) / 2,
        (y0 + y1) / 2,
        name,
        transform=ax.get_xaxis_transform(),
        ha="center",
        va="center",
        fontsize=fontsize,
        color=colour,
        clip_on=True,
    )


def shade_leaders(ax, compiled, x: np.ndarray) -> None:
    """Leader terms as alternating bands: the first state's along the top, the
    second's along the bottom, each labelled with the leader's name."""
    for s in range(len(compiled.state_ids)):
        y0, y1 = (0.93, 1.0) if s == 0 else (0.0, 0.07)
        terms = [(t0, t1, name) for st, t0, t1, name in compiled.leader_terms if st == s]
        for k, (t0, t1, name) in enumerate(terms):
            alpha = 0.12 + 0.12 * (k % 2)
            _band(ax, _start(x, t0), _start(x, t1), y0, y1, STATE_COLOURS[s], alpha, name, 6)


def mark_shocks(
    ax, compiled, x: np.ndarray, levels: int = 8, fontsize: float = 5.0, labels: bool = True
) -> None:
    """Scheduled shocks as thin vertical lines (mid-quarter) with labels placed
    greedily on ``levels`` rows so that they do not overlap where avoidable
    (``labels=False``: lines only)."""
    span = float(x[-1] - x[0]) + 0.25
    width_in = ax.figure.get_figwidth() * ax.get_position().width
    years_per_char = span / max(width_in * 72.0 / (0.55 * fontsize), 1.0)
    ends = [-np.inf] * levels
    for m in compiled.markers:
        xm = float(x[m.tick]) - 0.125
        ax.axvline(xm, color="0.55", lw=0.5, alpha=0.6, zorder=1)
        if not labels:
            continue
        free = [k for k in range(levels) if ends[k] < xm]
        k = free[0] if free else int(np.argmin(ends))
        ends[k] = xm + (len(m.label) + 1.5) * years_per_char
        ax.text(
            xm,
            0.905 - 0.043 * k,
            m.label,
            transform=ax.get_xaxis_transform(),
            fontsize=fontsize,
            color="0.3",
            ha="left",
            va="top",
            clip_on=True,
        )


def _bands(ax, x, y, colour, label, lw=1.8, alpha=1.0):
    """Median line and 50% / 90% bands of ``y`` ``(runs, ticks)`` over ``x``."""
    if y.shape[0] == 1:
        ax.plot(x, y[0], color=colour, lw=lw, label=label, alpha=alpha)
        return
    q05, q25, q50, q75, q95 = np.quantile(y, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
    ax.fill_between(x, q05, q95, color=colour, alpha=0.12 * alpha, lw=0)
    ax.fill_between(x, q25, q75, color=colour, alpha=0.25 * alpha, lw=0)
    ax.plot(x, q50, color=colour, lw=lw, label=label, alpha=alpha)


def plot_trust(
    result,
    episodes: Any = None,
    title: str | None = None,
    index: np.ndarray | None = None,
    onset_share: np.ndarray | None = None,
    failure_share: np.ndarray | None = None,
):
    """Both states' trust over time: runs, median and 50/90% bands, leaders, shocks.

    ``episodes`` (optional) is a DataFrame with ``onset``/``peak``/``failure``
    dates and ``<col>_level`` levels (as in ``episodes.csv``) to mark on the
    figure; ``index`` ``(runs, ticks)`` the relationship index the episodes
    were detected on (its median is drawn, and the marks sit on it).  With
    ``onset_share`` / ``failure_share`` (share of runs with an onset / failure
    in each quarter) a lower panel shows when episodes start and end across
    runs.
    """
    c = result.compiled
    x = _years(c)
    lower = onset_share is not None and failure_share is not None
    if lower:
        fig, (ax, ax2) = plt.subplots(
            2,
            1,
            figsize=(13, 7.4),
            dpi=110,
            sharex=True,
            gridspec_kw={"height_ratios": [5, 1.2]},
        )
    else:
        fig, ax = plt.subplots(figsize=(13, 6.2), dpi=110)
    shade_leaders(ax, c, x)
    mark_shocks(ax, c, x)
    n = result.n_runs
    for s, sid in enumerate(c.state_ids):
        name = c.scenario.states[s].name or sid
        label = f"{name}: trust in the other"
        if n > 1:
            label += f" (median, 50% and 90% bands, {n} runs)"
        _bands(ax, x, result[f"{sid}_trust"], STATE_COLOURS[s], label)
    if index is not None:
        med = np.median(index, axis=0)
        ax.plot(
            x,
            med,
            color="k",
            lw=1.0,
            ls=":",
            label="relationship index (episode detection)" + (" (median)" if n > 1 else ""),
        )
    if c.projection_tick is not None:
        ax.axvline(_start(x, c.projection_tick), color="k", lw=1, ls="--")
        ax.text(
            _start(x, c.projection_tick),
            0.5,
            " projection ",
            transform=ax.get_xaxis_transform(),
            rotation=90,
            va="center",
            ha="right",
            fontsize=8,
        )
    if episodes is not None and len(episodes):
        mark_episodes(ax, c, x, episodes)
        ax.plot([], [], "^", color="#2e7d32", label="reset onset")
        ax.plot([], [], "o", color="#2e7d32", label="peak")
        ax.plot([], [], "x", color="#c62828", label="failure")
    ax.set_ylim(0, 1)
    ax.set_xlim(x[0] - 0.25, x[-1])
    ax.set_ylabel("trust (0 = none, 1 = full)")
    ax.set_title(title or f"{c.scenario.name}: trust trajectories", pad=34)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, fontsize=7.5, framealpha=0.9)
    if lower:
        w = 0.22
        ax2.bar(x, onset_share, width=w, color="#2e7d32", align="edge", label="reset onset")
        ax2.bar(
            x, -np.asarray(failure_share), width=w, color="#c62828", align="edge", label="failure"
        )
        ax2.axhline(0, color="0.4", lw=0.5)
        top = max(float(np.max(onset_share)), float(np.max(failure_share)), 0.05)
        ax2.set_ylim(-top * 1.1, top * 1.1)
        ax2.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{abs(v):g}"))
        ax2.set_ylabel("share of runs", fontsize=8)
        ax2.tick_params(labelsize=7)
        ax2.legend(loc="upper left", fontsize=7, ncol=2, framealpha=0.9)
        ax2.set_xlabel("year (one model step = one quarter)")
    else:
        ax.set_xlabel("year (one model step = one quarter)")
    fig.tight_layout()
    return fig


def mark_episodes(ax, compiled, x: np.ndarray, episodes) -> None:
    """Reset episodes: green triangle at onset, dot at peak, red cross at failure."""
    index = {d: i for i, d in enumerate(compiled.dates)}
    for _, ep in episodes.iterrows():
        for col, marker, colour in (
            ("onset", "^", "#2e7d32"),
            ("peak", "o", "#2e7d32"),
            ("failure", "x", "#c62828"),
        ):
            d = ep.get(col)
            if isinstance(d, str) and d in index:
                level = ep.get(f"{col}_level", np.nan)
                if level is None or not np.isfinite(level):
                    continue
                ax.plot(
                    x[index[d]],
                    level,
                    marker=marker,
                    color=colour,
                    ms=7,
                    alpha=0.85,
                    zorder=5,
                    ls="none",
                )


def plot_fan(
    result,
    started: np.ndarray,
    failed: np.ndarray,
    context_years: float = 12.0,
    title: str | None = None,
    later: tuple[int, np.ndarray, np.ndarray] | None = None,
):
    """The projection: both trusts from ``projection_start`` on as fans (median,
    50% and 90% bands), the history before it as context, and a lower panel
    with the probability over time that a new reset has started (``started``)
    and that it has also failed (``failed``), both cumulative from the
    projection start.  ``later = (tick, started, failed)`` adds the same for
    onsets from ``tick`` on (dashed; e.g. once only random events remain)."""
    c = result.compiled
    x = _years(c)
    p0 = c.projection_tick or 0
    first = max(0, int(np.searchsorted(x, x[p0] - context_years)))
    xp = _start(x, p0)
    fig, (ax, ax2) = plt.subplots(
        2,
        1,
        figsize=(11, 7.6),
        dpi=110,
        sharex=True,
        gridspec_kw={"height_ratios": [3, 1.4]},
    )
    n = result.n_runs
    # the history up to the last quarter before the projection; the fan starts
    # from that same state, so the two join at the projection start
    hist = slice(first, p0)
    proj = slice(max(p0 - 1, 0), None)
    for s, sid in enumerate(c.state_ids):
        y = result[f"{sid}_trust"]
        name = c.scenario.states[s].name or sid
        _bands(ax, x[hist], y[:, hist], STATE_COLOURS[s], None, lw=1.0, alpha=0.45)
        _bands(
            ax,
            x[proj],
            y[:, proj],
            STATE_COLOURS[s],
            f"{name}: trust in the other (median, 50% and 90% of {n} runs)",
        )
    ax.axvline(xp, color="k", lw=1, ls="--")
    ax.text(xp, 0.97, "  projection", transform=ax.get_xaxis_transform(), va="top", fontsize=8)
    ax.text(
        xp,
        0.97,
        "history (the same runs)  ",
        transform=ax.get_xaxis_transform(),
        va="top",
        ha="right",
        fontsize=8,
        color="0.35",
    )
    # leader terms of the projection, along the top
    for st, t0, t1, name in c.leader_terms:
        if t1 <= first:
            continue
        a, b = _start(x, max(t0, first)), _start(x, t1)
        y0 = 0.86 if st == 0 else 0.80
        _band(ax, a, b, y0, y0 + 0.05, STATE_COLOURS[st], 0.15, name, 6.5)
    top = float(
        np.quantile(
            np.concatenate([result[f"{sid}_trust"][:, first:] for sid in c.state_ids]), 0.995
        )
    )
    ax.set_ylim(0, min(1.0, max(0.2, top * 1.35)))
    ax.set_ylabel("trust (0 = none, 1 = full)")
    ax.legend(loc="upper right", bbox_to_anchor=(1.0, 0.78), fontsize=8, framealpha=0.9)
    ax.set_title(title or f"{c.scenario.name}: projection from {c.dates[p0][:7]} ({n} runs)")
    ax2.plot(
        x[proj],
        started[proj],
        color="#2e7d32",
        lw=1.8,
        label="a new reset has started (onset since the projection start)",
    )
    ax2.plot(x[proj], failed[proj], color="#c62828", lw=1.8, label="... and has already failed")
    ax2.fill_between(x[proj], failed[proj], started[proj], color="#2e7d32", alpha=0.08, lw=0)
    if later is not None:
        t2, s2, f2 = later
        seg = slice(t2, None)
        ax2.plot(
            x[seg],
            s2[seg],
            color="#2e7d32",
            lw=1.3,
            ls="--",
            label=f"a reset has started since {c.dates[t2][:7]} (after the last dated event)",
        )
        ax2.plot(x[seg], f2[seg], color="#c62828", lw=1.3, ls="--", label="... and has failed")
    ax2.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax2.set_ylim(0, 1)
    ax2.set_ylabel("probability")
    ax2.set_xlabel("year (one model step = one quarter)")
    ax2.axvline(xp, color="k", lw=1, ls="--")
    ax2.grid(alpha=0.3)
    ax2.legend(loc="upper left", fontsize=8, framealpha=0.9)
    ax.set_xlim(x[first] - 0.25, x[-1])
    fig.tight_layout()
    return fig


def plot_compare(results: Sequence[Any], labels: Sequence[str], title: str | None = None):
    """Two scenarios run on the same seeds: each state's trust (medians and 50%
    bands) in the top panels, the median per-run difference (B - A, with its
    50% and 90% bands) in the bottom panel."""
    a, b = results
    ca, cb = a.compiled, b.compiled
    ids = ca.state_ids
    xa, xb = _years(ca), _years(cb)
    common = np.intersect1d(ca.quarters, cb.quarters)
    ia = np.searchsorted(ca.quarters, common)
    ib = np.searchsorted(cb.quarters, common)
    xc = np.array([cal.decimal_year(int(q)) for q in common])
    fig, axes = plt.subplots(
        3,
        1,
        figsize=(12, 9),
        dpi=110,
        sharex=True,
        gridspec_kw={"height_ratios": [2, 2, 1.6]},
    )
    styles = (("-", 1.0), ("--", 0.55))
    for s, sid in enumerate(ids):
        ax = axes[s]
        name = ca.scenario.states[s].name or sid
        for (res, x, lab), (ls, alpha) in zip(
            ((a, xa, labels[0]), (b, xb, labels[1])), styles, strict=True
        ):
            y = res[f"{sid}_trust"]
            q25, q50, q75 = np.quantile(y, [0.25, 0.5, 0.75], axis=0)
            ax.fill_between(x, q25, q75, color=STATE_COLOURS[s], alpha=0.18 * alpha, lw=0)
            ax.plot(x, q50, color=STATE_COLOURS[s], lw=1.6, ls=ls, label=f"{lab} (median)")
        ax.set_ylim(0, 1)
        ax.set_ylabel(f"{name}\ntrust", fontsize=9)
        ax.legend(loc="upper right", fontsize=8, framealpha=0.9)
        if s == 0:
            mark_shocks(
                ax,
                cb if len(cb.markers) >= len(ca.markers) else ca,
                xb if len(cb.markers) >= len(ca.markers) else xa,
                labels=False,
            )
    ax = axes[2]
    for s, sid in enumerate(ids):
        d = b[f"{sid}_trust"][:, ib] - a[f"{sid}_trust"][:, ia]
        name = ca.scenario.states[s].name or sid
        _bands(
            ax,
            xc,
            d,
            STATE_COLOURS[s],
            f"{name}: {labels[1]} - {labels[0]} (median, 50% and 90% bands, same seeds)",
            lw=1.4,
        )
    ax.axhline(0, color="k", lw=0.6)
    ax.set_ylabel("difference in trust", fontsize=9)
    ax.set_xlabel("year (one model step = one quarter)")
    ax.legend(loc="best", fontsize=7.5, framealpha=0.8)
    ax.set_xlim(min(xa[0], xb[0]) - 0.25, max(xa[-1], xb[-1]))
    fig.suptitle(title or f"{labels[1]} vs {labels[0]}", fontsize=11)
    fig.tight_layout()
    return fig


def save(fig, path, **kwargs) -> None:
    """Save a figure with deterministic metadata, then close it."""
    fig.savefig(path, metadata=PNG_METADATA, **kwargs)
    plt.close(fig)


def summary_lines(result, columns: Sequence[str]) -> list[str]:
    """Short text: start, end and range of the median of some columns."""
    lines = []
    for col in columns:
        med = np.median(result[col], axis=0)
        lines.append(
            f"{col}: {med[0]:.2f} -> {med[-1]:.2f} (min {med.min():.2f}, max {med.max():.2f})"
        )
    return lines
