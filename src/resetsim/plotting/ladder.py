"""``ladder.png``: every rung against the full model, per observed series;
``selection.png``: the mechanism selection's steps (``resetsim select``)."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from resetsim.plotting.style import styled

#: One marker per origin (cycled).
MARKERS = ("o", "s", "^", "D", "v", "P")


@styled
def plot_ladder(scores: pd.DataFrame, rungs: Sequence[str], title: str | None = None):
    """One panel per series: each rung's out-of-sample CRPS minus the full
    model's at each origin (a marker per origin) with its 95% bootstrap
    interval over years; left of zero the rung forecasts better than the model."""
    out = scores[(scores["sample"] == "out") & (scores["n"] > 0)]
    series = list(dict.fromkeys(out["series"]))
    origins = sorted(out["origin"].unique())
    n = max(1, len(series))
    fig, axes = plt.subplots(
        1, n, figsize=(3.6 * n + 2.4, 0.32 * len(rungs) + 1.6), dpi=110, sharey=True, squeeze=False
    )
    ypos = {r: i for i, r in enumerate(rungs)}
    step = 0.6 / max(1, len(origins))
    for ax, sid in zip(axes[0], series, strict=False):
        part = out[out["series"] == sid]
        scale = float(np.nanmean(part.loc[part["rung"] == "full", "crps"])) or 1.0
        for j, origin in enumerate(origins):
            rows = part[part["origin"] == origin]
            y = np.array([ypos[r] for r in rows["rung"]]) - 0.3 + (j + 0.5) * step
            est = rows.get("crps_vs_full", pd.Series(np.nan, index=rows.index)).to_numpy()
            lo = rows.get("crps_vs_full_lo", pd.Series(np.nan, index=rows.index)).to_numpy()
            hi = rows.get("crps_vs_full_hi", pd.Series(np.nan, index=rows.index)).to_numpy()
            err = np.vstack([np.clip(est - lo, 0, None), np.clip(hi - est, 0, None)])
            err = np.nan_to_num(err)
            ax.errorbar(
                est / scale,
                y,
                xerr=err / scale,
                fmt=MARKERS[j % len(MARKERS)],
                ms=4,
                lw=0.8,
                capsize=1.5,
                color=f"C{j}",
                label=f"origin {origin}",
            )
        ax.axvline(0, color="0.3", lw=0.8)
        ax.set_title(sid, fontsize=9)
        ax.set_xlabel("CRPS − full model's\n(÷ full model's mean CRPS)", fontsize=8)
        ax.grid(axis="x", color="0.9")
    axes[0][0].set_yticks(range(len(rungs)))
    axes[0][0].set_yticklabels(rungs, fontsize=8)
    axes[0][0].invert_yaxis()
    axes[0][-1].legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=8)
    fig.suptitle(
        title or "The ladder: out of sample, left of 0 forecasts better than the full model",
        fontsize=10,
    )
    fig.tight_layout()
    return fig


@styled
def plot_selection(steps: pd.DataFrame, title: str | None = None, xlabel: str | None = None):
    """``resetsim select``'s steps in one panel: each candidate's cost (the
    mean change of CRPS ÷ persistence's when it is removed) with its 95%
    interval, one marker per elimination step; a filled marker where the
    mechanism earns its place (interval above 0), a cross where it was
    removed at that step.  Right of 0: removing it costs skill.  ``xlabel``
    names the cost's unit when the cells were pooled otherwise (``select
    --aggregate log``)."""
    order = list(dict.fromkeys(steps.sort_values("step")["candidate"]))
    ypos = {c: i for i, c in enumerate(order)}
    n_steps = int(steps["step"].max()) + 1 if len(steps) else 1
    fig, ax = plt.subplots(figsize=(7.2, 0.42 * len(order) + 1.8), dpi=110)
    width = 0.7 / n_steps
    for k, part in steps.groupby("step", sort=True):
        y = np.array([ypos[c] for c in part["candidate"]]) - 0.35 + (k + 0.5) * width
        est = part["cost"].to_numpy()
        err = np.vstack(
            [
                np.clip(est - part["cost_lo"].to_numpy(), 0, None),
                np.clip(part["cost_hi"].to_numpy() - est, 0, None),
            ]
        )
        ax.errorbar(est, y, xerr=err, fmt="none", ecolor=f"C{k}", lw=0.8, capsize=1.5)
        earns = part["earns_place"].to_numpy(dtype=bool)
        removed = part["removed"].to_numpy(dtype=bool)
        plain = ~earns & ~removed
        ax.plot(est[earns], y[earns], "o", color=f"C{k}", ms=4, label=f"step {k}")
        ax.plot(est[plain], y[plain], "o", mfc="white", color=f"C{k}", ms=4)
        ax.plot(est[removed], y[removed], "x", color=f"C{k}", ms=7, mew=1.6)
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set_yticks(range(len(order)))
    ax.set_yticklabels(order, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(
        xlabel or "cost of removing it: Δ CRPS ÷ persistence's (95% interval)", fontsize=8
    )
    ax.grid(axis="x", color="0.9")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=8)
    fig.suptitle(
        title or "Which mechanisms earn their place: filled = kept (interval above 0), x = removed",
        fontsize=9,
    )
    fig.tight_layout()
    return fig
