"""Figures.  Each function takes results and returns a matplotlib Figure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from . import calendar as cal  # noqa: E402

STATE_COLOURS = ("#1f4e99", "#b5261e", "#2e7d32", "#6a1b9a")
PNG_METADATA = {"Software": None}


def _years(compiled) -> np.ndarray:
    return np.array([cal.decimal_year(int(q)) for q in compiled.quarters])


def shade_leaders(ax, compiled, x: np.ndarray) -> None:
    """Leader terms as alternating bands: the first state's along the top, the
    second's along the bottom, each labelled with the leader's name."""
    ids = compiled.state_ids
    for s, sid in enumerate(ids):
        y0, y1 = (0.93, 1.0) if s == 0 else (0.0, 0.07)
        k = 0
        for st, t0, t1, name in compiled.leader_terms:
            if st != s:
                continue
            a = x[t0]
            b = x[t1] if t1 < len(x) else x[-1] + 0.25
            ax.axvspan(a, b, ymin=y0, ymax=y1, color=STATE_COLOURS[s],
                       alpha=0.12 + 0.12 * (k % 2), lw=0)
            ax.text((a + b) / 2, (y0 + y1) / 2, name, transform=ax.get_xaxis_transform(),
                    ha="center", va="center", fontsize=6, color=STATE_COLOURS[s], clip_on=True)
            k += 1


def mark_shocks(ax, compiled, x: np.ndarray, max_labels: int = 80) -> None:
    """Scheduled shocks as thin vertical lines with staggered labels."""
    markers = compiled.markers
    for i, m in enumerate(markers):
        xm = x[m.tick] + 0.125
        ax.axvline(xm, color="0.55", lw=0.5, alpha=0.6, zorder=1)
        if i < max_labels:
            ax.text(xm, 0.90 - 0.055 * (i % 6), m.label, transform=ax.get_xaxis_transform(),
                    rotation=0, fontsize=5, color="0.3", ha="left", va="top", clip_on=True)


def plot_trust(result, episodes: Any = None, title: str | None = None):
    """Both states' trust over time: runs, median and 50/90% bands, leaders, shocks.

    ``episodes`` (optional) is a DataFrame with ``onset``/``peak``/``failure``
    dates (as written to ``episodes.csv``) to mark on the figure.
    """
    c = result.compiled
    x = _years(c)
    fig, ax = plt.subplots(figsize=(13, 6.2), dpi=110)
    shade_leaders(ax, c, x)
    mark_shocks(ax, c, x)
    n = result.n_runs
    for s, sid in enumerate(c.state_ids):
        y = result[f"{sid}_trust"]
        colour = STATE_COLOURS[s]
        name = c.scenario.states[s].name or sid
        if n == 1:
            ax.plot(x, y[0], color=colour, lw=1.8, label=f"{name}: trust in the other")
        else:
            q05, q25, q50, q75, q95 = np.quantile(y, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
            ax.fill_between(x, q05, q95, color=colour, alpha=0.12, lw=0)
            ax.fill_between(x, q25, q75, color=colour, alpha=0.25, lw=0)
            ax.plot(x, q50, color=colour, lw=1.8,
                    label=f"{name}: trust in the other (median, 50% and 90% bands, {n} runs)")
    if c.projection_tick is not None:
        ax.axvline(x[c.projection_tick], color="k", lw=1, ls="--")
        ax.text(x[c.projection_tick], 0.5, " projection ", transform=ax.get_xaxis_transform(),
                rotation=90, va="center", ha="right", fontsize=8)
    if episodes is not None and len(episodes):
        mark_episodes(ax, c, x, episodes)
    ax.set_ylim(0, 1)
    ax.set_xlim(x[0], x[-1] + 0.25)
    ax.set_ylabel("trust (0 = none, 1 = full)")
    ax.set_xlabel("year (one model step = one quarter)")
    ax.set_title(title or f"{c.scenario.name}: trust trajectories")
    ax.legend(loc="upper right", bbox_to_anchor=(1.0, 0.72), fontsize=8, framealpha=0.9)
    fig.tight_layout()
    return fig


def mark_episodes(ax, compiled, x: np.ndarray, episodes) -> None:
    """Reset episodes: green triangle at onset, dot at peak, red cross at failure."""
    index = {d: i for i, d in enumerate(compiled.dates)}
    for _, ep in episodes.iterrows():
        for col, marker, colour in (("onset", "^", "#2e7d32"), ("peak", "o", "#2e7d32"),
                                    ("failure", "x", "#c62828")):
            d = ep.get(col)
            if isinstance(d, str) and d in index:
                level = ep.get(f"{col}_level", np.nan)
                if level is None or not np.isfinite(level):
                    continue
                ax.plot(x[index[d]], level, marker=marker, color=colour, ms=6, alpha=0.5,
                        zorder=5)


def save(fig, path, **kwargs) -> None:
    """Save a figure with deterministic metadata, then close it."""
    fig.savefig(path, metadata=PNG_METADATA, **kwargs)
    plt.close(fig)


def summary_lines(result, columns: Sequence[str]) -> list[str]:
    """Short text: start, end and range of the median of some columns."""
    lines = []
    for col in columns:
        med = np.median(result[col], axis=0)
        lines.append(f"{col}: {med[0]:.2f} -> {med[-1]:.2f} (min {med.min():.2f}, "
                     f"max {med.max():.2f})")
    return lines
