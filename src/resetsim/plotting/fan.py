"""``fan.png``: a projection as fans, with the probability of a new reset and its failure."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from resetsim.plotting.style import (
    STATE_COLOURS,
    band_note,
    leader_band,
    median_bands,
    quarter_ends,
    quarter_start,
    styled,
)


@styled
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
    x = quarter_ends(c)
    p0 = c.projection_tick or 0
    first = max(0, int(np.searchsorted(x, x[p0] - context_years)))
    xp = quarter_start(x, p0)
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
        median_bands(ax, x[hist], y[:, hist], STATE_COLOURS[s], None, lw=1.0, alpha=0.45)
        median_bands(
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
        a, b = quarter_start(x, max(t0, first)), quarter_start(x, t1)
        y0 = 0.86 if st == 0 else 0.80
        leader_band(ax, a, b, y0, y0 + 0.05, STATE_COLOURS[st], 0.15, name, 6.5)
    top = float(
        np.quantile(
            np.concatenate([result[f"{sid}_trust"][:, first:] for sid in c.state_ids]), 0.995
        )
    )
    ax.set_ylim(0, min(1.0, max(0.2, top * 1.35)))
    ax.set_ylabel("trust (0 = none, 1 = full)")
    ax.legend(loc="upper right", bbox_to_anchor=(1.0, 0.78), fontsize=8, framealpha=0.9)
    ax.set_title(
        title or f"{c.scenario.name}: projection from {c.dates[p0][:7]} ({n} runs)\n{band_note(c)}",
        fontsize=10,
    )
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
