"""``compare.png``: two scenarios run on the same seeds and their per-run difference."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from resetsim.core import calendar as cal
from resetsim.plotting.style import (
    STATE_COLOURS,
    band_note,
    mark_shocks,
    median_bands,
    quarter_ends,
    styled,
)


@styled
def plot_compare(results: Sequence[Any], labels: Sequence[str], title: str | None = None):
    """Two scenarios run on the same seeds: each state's trust (medians and 50%
    bands) in the top panels, the median per-run difference (B - A, with its
    50% and 90% bands) in the bottom panel."""
    a, b = results
    ca, cb = a.compiled, b.compiled
    ids = ca.state_ids
    xa, xb = quarter_ends(ca), quarter_ends(cb)
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
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
        if s == 0:
            mark_shocks(
                ax,
                cb if len(cb.markers) >= len(ca.markers) else ca,
                xb if len(cb.markers) >= len(ca.markers) else xa,
                labels=False,
                min_intensity=3,
            )
    ax = axes[2]
    for s, sid in enumerate(ids):
        d = b[f"{sid}_trust"][:, ib] - a[f"{sid}_trust"][:, ia]
        name = ca.scenario.states[s].name or sid
        median_bands(
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
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.28), ncol=1, frameon=False)
    ax.set_xlim(min(xa[0], xb[0]) - 0.25, max(xa[-1], xb[-1]))
    fig.suptitle(
        title or f"{labels[1]} vs {labels[0]}; {band_note(results[0].compiled)}", fontsize=11
    )
    fig.tight_layout()
    return fig
