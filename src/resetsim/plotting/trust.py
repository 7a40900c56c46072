"""``trust.png``: both trusts over time with leaders, events and episodes.

Layout, top to bottom: the title (the scenario's description) and one legend,
a strip of event labels, a strip of leader terms (one row per state), the
trusts, and (optionally) a panel of the share of runs with an onset (up) or a
failure (down) in each quarter.  Nothing but the curves sits on the data.

Events are labelled by what matters at the figure's scale
(:func:`place_labels`): every event of intensity 3 and every event with
``label = true`` always; others (intensity 2, then 1) only where a label fits
without overlapping another label or another label's leader line; every other
event is a small tick along the top of the trust panel.  Text extents come
from the renderer, so labels never overlap and never leave the figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.font_manager import FontProperties
from matplotlib.ticker import FuncFormatter

from resetsim.analysis.opinion import is_latent
from resetsim.core.attitude import sigmoid
from resetsim.plotting.style import (
    MIN_FONT,
    STATE_COLOURS,
    STYLE,
    band_note,
    median_bands,
    quarter_ends,
    quarter_start,
    styled,
    title_text,
)

ONSET, FAILURE = "#2e7d32", "#c62828"
#: Label rows: inches per row, padding between labels (points).
ROW_IN, PAD_PT = 0.17, 4.0


@dataclass
class Label:
    """A placed event label: its text, the event's x (years), the row, and the
    box it occupies, ``x0 .. x1`` in years."""

    text: str
    x: float
    row: int
    x0: float
    x1: float
    ha: str
    clear: bool = True  # no lower label in the way of a leader line down to the trusts


def signed(v: float, _pos=None) -> str:
    """A signed tick: ``−0.5``, ``0``, ``+0.5`` (a true minus sign)."""
    if abs(v) < 1e-12:
        return "0"
    return f"+{v:g}" if v > 0 else f"\u2212{-v:g}"


def text_width_pt(text: str, size: float = MIN_FONT) -> float:
    """The width of ``text`` at ``size`` points as the Agg renderer draws it."""
    renderer = RendererAgg(10, 10, 72)
    prop = FontProperties(family=STYLE.get("font.family", plt.rcParams["font.family"]), size=size)
    w, _h, _d = renderer.get_text_width_height_descent(text, prop, ismath=False)
    return float(w)


def event_groups(compiled, x: np.ndarray) -> list[dict[str, Any]]:
    """Events grouped by quarter: x (mid-quarter), the highest intensity, whether
    one must be labelled (intensity 3 or ``label = true``) and the label text
    (the labels of the group's most important events, joined)."""
    by_tick: dict[int, list] = {}
    for m in compiled.markers:
        by_tick.setdefault(m.tick, []).append(m)
    groups = []
    for tick, ms in sorted(by_tick.items()):
        top = max(getattr(m, "intensity", 2) for m in ms)
        pinned = any(getattr(m, "pinned", False) for m in ms)
        shown = [m for m in ms if getattr(m, "pinned", False) or getattr(m, "intensity", 2) == top]
        groups.append(
            {
                "x": float(x[tick]) - 0.125,
                "intensity": top,
                "must": top >= 3 or pinned,
                "text": "; ".join(dict.fromkeys(m.label for m in shown)),
            }
        )
    return groups


def place_labels(
    groups: list[dict[str, Any]],
    xmin: float,
    xmax: float,
    years_per_pt: float,
    min_rows: int = 3,
    max_rows: int = 14,
    size: float = MIN_FONT,
) -> list[Label]:
    """Greedy placement on rows: the must-label groups first (rows are added
    as needed, up to ``max_rows``), then the others by intensity where they
    fit in the first ``min_rows`` rows.  A label sits right
    of its event (left of it near the right edge); no two labels overlap, no
    label leaves ``xmin .. xmax``; a label's leader line runs down to the
    trusts where no lower label is in the way (``clear``), else it is a short
    flag under the label's first letter."""
    pad = PAD_PT * years_per_pt
    placed: list[Label] = []

    def fits(text: str, xe: float, row: int, w: float) -> Label | None:
        for ha, a, b in (("left", xe, xe + w), ("right", xe - w, xe)):
            if a < xmin or b > xmax:
                continue
            ok = not any(p.row == row and a < p.x1 + pad and p.x0 < b + pad for p in placed)
            if ok:
                return Label(text, xe, row, a, b, ha)
        return None

    rows = min_rows
    order = sorted(
        range(len(groups)), key=lambda i: (not groups[i]["must"], -groups[i]["intensity"], i)
    )
    for i in order:
        g = groups[i]
        w = (text_width_pt(g["text"], size) + 2.0) * years_per_pt
        limit = max_rows if g["must"] else min_rows
        for row in range(limit):
            lab = fits(g["text"], g["x"], row, w)
            if lab is not None:
                placed.append(lab)
                rows = max(rows, row + 1)
                break
    for lab in placed:
        lab.clear = not any(p.row < lab.row and p.x0 - pad <= lab.x <= p.x1 + pad for p in placed)
    return placed


@styled
def trust_as_share(result, column: str) -> np.ndarray:
    """A trust column as a share in [0, 1]: itself on model v2's scale, the
    favourable share ``sigmoid(trust)`` of model v3's latent attitude."""
    y = np.asarray(result[column], dtype=float)
    return sigmoid(y) if is_latent(getattr(result, "params", None)) else y


def plot_trust(
    result,
    episodes: Any = None,
    title: str | None = None,
    index: np.ndarray | None = None,
    onset_share: np.ndarray | None = None,
    failure_share: np.ndarray | None = None,
    width: float = 13.0,
):
    """Both states' trust over time: runs, median and 50/90% bands, leaders, events.

    ``episodes`` (optional) is a DataFrame with ``onset``/``peak``/``failure``
    dates and ``<col>_level`` levels (as in ``episodes.csv``) to mark on the
    figure; ``index`` ``(runs, ticks)`` the relationship index the episodes
    were detected on (its median is drawn, and the marks sit on it).  With
    ``onset_share`` / ``failure_share`` (share of runs with an onset / failure
    in each quarter) a lower panel shows when episodes start and end across
    runs.  The title defaults to the scenario's description.
    """
    c = result.compiled
    x = quarter_ends(c)
    xmin, xmax = float(x[0]) - 0.25, float(x[-1])
    lower = onset_share is not None and failure_share is not None
    left_in, right_in = 0.95, 0.3
    ax_w = width - left_in - right_in
    years_per_pt = (xmax - xmin) / (ax_w * 72.0)
    groups = event_groups(c, x)
    labels = place_labels(groups, xmin, xmax, years_per_pt)
    n_rows = max([lab.row + 1 for lab in labels], default=1)

    # heights in inches, top to bottom
    head, ev_h, lead_h, main_h, gap = 0.95, n_rows * ROW_IN + 0.08, 0.42, 4.4, 0.08
    low_h = 1.25 if lower else 0.0
    foot = 0.55
    height = head + ev_h + gap + lead_h + gap + main_h + (0.12 + low_h if lower else 0) + foot
    fig = plt.figure(figsize=(width, height))

    def axes_at(top_in: float, h: float, **kw):
        return fig.add_axes(
            (left_in / width, 1 - (top_in + h) / height, ax_w / width, h / height), **kw
        )

    y = head
    ax_ev = axes_at(y, ev_h)
    y += ev_h + gap
    ax_ld = axes_at(y, lead_h, sharex=ax_ev)
    y += lead_h + gap
    ax = axes_at(y, main_h, sharex=ax_ev)
    y += main_h + 0.12
    ax2 = axes_at(y, low_h, sharex=ax_ev) if lower else None

    _event_strip(ax_ev, labels, n_rows)
    _leader_strip(ax_ld, c, x, years_per_pt)
    _event_marks(ax, groups)

    n = result.n_runs
    handles = []
    for s, sid in enumerate(c.state_ids):
        name = c.scenario.states[s].name or sid
        label = f"{name}: trust in the other"
        if n > 1:
            label += f" (median, 50% and 90% bands of {n} runs)"
        median_bands(ax, x, trust_as_share(result, f"{sid}_trust"), STATE_COLOURS[s], label)
    if index is not None:
        ax.plot(
            x,
            np.median(index, axis=0),
            color="k",
            lw=1.0,
            ls=":",
            label="relationship index (episode detection)" + (", median" if n > 1 else ""),
        )
    if c.projection_tick is not None:
        xp = quarter_start(x, c.projection_tick)
        for a in (ax, ax2) if ax2 is not None else (ax,):
            a.axvline(xp, color="k", lw=1, ls="--")
        ax.plot(
            [],
            [],
            color="k",
            lw=1,
            ls="--",
            label=f"projection from {c.dates[c.projection_tick][:7]}",
        )
    if episodes is not None and len(episodes):
        mark_episodes(ax, c, x, episodes)
        ax.plot([], [], "^", color=ONSET, label="reset onset")
        ax.plot([], [], "o", color=ONSET, label="peak")
        ax.plot([], [], "x", color=FAILURE, label="failure")
    handles, texts = ax.get_legend_handles_labels()
    ax.set_ylim(0, 1)
    ax.set_xlim(xmin, xmax)
    ax.set_ylabel(
        "trust: favourable share (0-1)"
        if is_latent(getattr(result, "params", None))
        else "trust (0 = none, 1 = full)"
    )
    ax.grid(axis="y", alpha=0.3)
    if ax2 is not None:
        w = 0.22
        ax2.bar(x, onset_share, width=w, color=ONSET, align="edge")
        ax2.bar(x, -np.asarray(failure_share), width=w, color=FAILURE, align="edge")
        ax2.axhline(0, color="0.4", lw=0.5)
        top = max(float(np.max(onset_share)), float(np.max(failure_share)), 0.05)
        ax2.set_ylim(-top * 1.15, top * 1.15)
        ax2.yaxis.set_major_formatter(FuncFormatter(signed))
        ax2.set_ylabel("share of runs\n+ onset, \u2212 failure")
        ax2.set_xlabel("year (one model step = one quarter)")
        ax2.grid(axis="y", alpha=0.3)
        plt.setp(ax.get_xticklabels(), visible=False)
    else:
        ax.set_xlabel("year (one model step = one quarter)")
    fig.suptitle(
        title_text(title or c.scenario.description or c.scenario.name.replace("_", " ")),
        y=1 - 0.12 / height,
        va="top",
    )
    fig.legend(
        handles,
        texts,
        loc="upper center",
        bbox_to_anchor=(0.5, 1 - 0.42 / height),
        ncol=3,
        frameon=False,
    )
    fig.text(0.995, 0.004, band_note(c), ha="right", va="bottom", fontsize=MIN_FONT, color="0.35")
    return fig


def _event_strip(ax, labels: list[Label], n_rows: int) -> None:
    """Event labels on rows, each with a thin leader line down to the trusts
    (a short flag when a lower label is in the way)."""
    ax.set_ylim(0, n_rows * ROW_IN + 0.08)
    ax.axis("off")
    for lab in labels:
        base = 0.04 + lab.row * ROW_IN
        bottom = 0.0 if lab.clear else base - 0.03
        ax.plot([lab.x, lab.x], [bottom, base + 0.11], color="0.55", lw=0.6)
        ax.text(
            lab.x,
            base,
            lab.text,
            ha=lab.ha,
            va="bottom",
            fontsize=MIN_FONT,
            color="0.2",
            gid="event-label",
        )


def _leader_strip(ax, compiled, x: np.ndarray, years_per_pt: float) -> None:
    """Leader terms as bands, one row per state, named where the name fits."""
    n = len(compiled.state_ids)
    ax.set_ylim(n, 0)
    ax.set_yticks(
        [s + 0.5 for s in range(n)],
        [compiled.scenario.states[s].name or sid for s, sid in enumerate(compiled.state_ids)],
    )
    ax.tick_params(axis="y", length=0)
    ax.tick_params(axis="x", bottom=False, labelbottom=False)
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    for s in range(n):
        terms = [(t0, t1, name) for st, t0, t1, name in compiled.leader_terms if st == s]
        for k, (t0, t1, name) in enumerate(terms):
            a, b = quarter_start(x, t0), quarter_start(x, t1)
            colour = STATE_COLOURS[s]
            ax.fill_between(
                [a, b], s + 0.08, s + 0.92, color=colour, alpha=0.14 + 0.12 * (k % 2), lw=0
            )
            if (text_width_pt(name) + 4) * years_per_pt < b - a:
                ax.text((a + b) / 2, s + 0.5, name, ha="center", va="center", color=colour)


def _event_marks(ax, groups) -> None:
    """Events that must be labelled as faint lines across the trusts, the
    others as ticks along the top."""
    for g in groups:
        if g["must"]:
            ax.axvline(g["x"], color="0.55", lw=0.5, alpha=0.5, zorder=1)
        else:
            ax.axvline(g["x"], ymin=0.97, ymax=1.0, color="0.45", lw=0.6, zorder=1)


def mark_episodes(ax, compiled, x: np.ndarray, episodes) -> None:
    """Reset episodes: green triangle at onset, dot at peak, red cross at failure."""
    index = {d: i for i, d in enumerate(compiled.dates)}
    for _, ep in episodes.iterrows():
        for col, marker, colour in (
            ("onset", "^", ONSET),
            ("peak", "o", ONSET),
            ("failure", "x", FAILURE),
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
