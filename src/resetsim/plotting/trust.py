"""``trust.png``: both trusts over time with leaders, shocks and episodes."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FuncFormatter

from resetsim.plotting.style import (
    STATE_COLOURS,
    band_note,
    mark_shocks,
    median_bands,
    quarter_ends,
    quarter_start,
    shade_leaders,
)


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
    x = quarter_ends(c)
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
        median_bands(ax, x, result[f"{sid}_trust"], STATE_COLOURS[s], label)
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
        ax.axvline(quarter_start(x, c.projection_tick), color="k", lw=1, ls="--")
        ax.text(
            quarter_start(x, c.projection_tick),
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
    ax.set_title(title or f"{c.scenario.name}: trust trajectories; {band_note(c)}", pad=34)
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
