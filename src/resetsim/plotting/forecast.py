"""``fan.png`` of a scenario with a ``forecast``: what happened, what was
forecast, and the projection from the last documented event, in one picture."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MultipleLocator

from resetsim.plotting.style import (
    STATE_COLOURS,
    band_note,
    leader_band,
    quarter_ends,
    quarter_start,
)

#: The forecast's colour (its median and bands), the same for both states.
FORECAST_COLOUR = "#e08a00"
#: Kinds whose dated events are labelled in the event strip (others: lines only).
MAJOR_KINDS = frozenset(
    {
        "full_scale_war",
        "military_conflict",
        "annexation",
        "treaty_suspended",
        "treaty_abandoned",
        "treaty_signed",
        "nato_enlargement",
        "summit",
        "prisoner_exchange",
        "status_challenge",
    }
)


def _bands(ax, x, y, colour, ls="-", lw=1.8, alpha=1.0, hatch=None):
    q05, q25, q50, q75, q95 = np.quantile(y, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
    ax.fill_between(x, q05, q95, color=colour, alpha=0.10 * alpha, lw=0)
    ax.fill_between(x, q25, q75, color=colour, alpha=0.22 * alpha, lw=0, hatch=hatch)
    ax.plot(x, q50, color=colour, lw=lw, ls=ls, alpha=max(alpha, 0.5))


def major_markers(compiled, first: int, last: int):
    """Dated events from tick ``first`` to ``last`` worth a label: every event
    of intensity 3 and those of the :data:`MAJOR_KINDS` of intensity 2 or more,
    grouped by quarter as ``(tick, "label / label")`` (two at most, then "...")."""
    by_tick: dict[int, list[str]] = {}
    ev = {e.id: e for e in compiled.scenario.events}
    for m in compiled.markers:
        e = ev.get(m.id)
        if e is None or not first <= m.tick <= last:
            continue
        if e.intensity >= 3 or (e.kind in MAJOR_KINDS and e.intensity >= 2):
            by_tick.setdefault(m.tick, []).append((e.kind not in MAJOR_KINDS, m.label))
    return sorted(
        (t, " / ".join(lab for _, lab in sorted(items)[:2]) + (" ..." if len(items) > 2 else ""))
        for t, items in by_tick.items()
    )


def plot_forecast_fan(
    result,
    forecast,
    started: np.ndarray,
    failed: np.ndarray,
    f_started: np.ndarray,
    f_failed: np.ndarray,
    context_from: float = 2013.0,
    title: str | None = None,
):
    """The realised runs (``result``: history as context, the documented path,
    then the projection from its ``projection_start``) and the forecast's runs
    (``forecast``, from its own projection start) on the same axes, one panel
    per state; above, the leader terms and the major dated events; below, the
    probability that a new reset has started (and failed) in the forecast from
    its origin and in the projection from its start."""
    c, fc_ = result.compiled, forecast.compiled
    x = quarter_ends(c)
    p0 = c.projection_tick
    f0 = fc_.projection_tick
    first = int(np.searchsorted(x, context_from))
    fig = plt.figure(figsize=(12, 11.5), dpi=110)
    gs = fig.add_gridspec(
        6,
        1,
        height_ratios=[2.0, 2.4, 2.4, 1.3, 0.45, 0.75],
        hspace=0.1,
        top=0.96,
        bottom=0.01,
        left=0.08,
        right=0.98,
    )
    ax_ev = fig.add_subplot(gs[0])
    axes = [fig.add_subplot(gs[1], sharex=ax_ev), fig.add_subplot(gs[2], sharex=ax_ev)]
    ax_p = fig.add_subplot(gs[3], sharex=ax_ev)
    ax_leg = fig.add_subplot(gs[5])
    ax_leg.axis("off")
    xo, xp = quarter_start(x, f0), quarter_start(x, p0)

    # ---- event strip: leader terms and major events
    for st, t0, t1, name in c.leader_terms:
        if t1 <= first:
            continue
        a, b = quarter_start(x, max(t0, first)), quarter_start(x, t1)
        y0 = 0.0 if st == 0 else 0.09
        leader_band(ax_ev, a, b, y0, y0 + 0.08, STATE_COLOURS[st], 0.18, name, 7)
    for t, label in major_markers(c, first, p0 - 1):
        xm = float(x[t]) - 0.125
        for ax in (ax_ev, *axes):
            ax.axvline(xm, color="0.6", lw=0.5, alpha=0.7, zorder=0)
        ax_ev.text(
            xm,
            0.2,
            label,
            rotation=90,
            fontsize=6.3,
            color="0.25",
            ha="center",
            va="bottom",
            transform=ax_ev.get_xaxis_transform(),
            clip_on=True,
        )
    ax_ev.set_yticks([])
    ax_ev.set_ylim(0, 1)
    for side in ("left", "right", "top"):
        ax_ev.spines[side].set_visible(False)
    ax_ev.set_title(
        title
        or f"{c.scenario.name}: what happened, the {fc_.dates[f0][:4]} forecast "
        f"({fc_.scenario.name}) and the outlook from {c.dates[p0][:7]} ({result.n_runs} runs)"
        f"\n{band_note(c)}",
        fontsize=11,
    )

    # ---- trust panels
    hist = slice(first, f0)
    real = slice(f0 - 1, p0)
    proj = slice(p0 - 1, None)
    fore = slice(f0 - 1, None)
    top = 0.0
    for s, sid in enumerate(c.state_ids):
        ax = axes[s]
        y, yf = result[f"{sid}_trust"], forecast[f"{sid}_trust"]
        col = STATE_COLOURS[s]
        _bands(ax, x[hist], y[:, hist], col, lw=1.0, alpha=0.45)
        _bands(ax, x[fore], yf[:, fore], FORECAST_COLOUR, ls="--", lw=1.6, alpha=0.8)
        _bands(ax, x[real], y[:, real], col, lw=2.0)
        _bands(ax, x[proj], y[:, proj], col, ls=":", lw=2.0, alpha=0.8)
        top = max(top, float(max(np.quantile(y[:, first:], 0.99), np.quantile(yf[:, f0:], 0.99))))
        name = c.scenario.states[s].name or sid
        ax.set_ylabel(f"{name}:\ntrust in the other", fontsize=9)
        ax.grid(alpha=0.25)
        for xv in (xo, xp):
            ax.axvline(xv, color="k", lw=1, ls="--")
    for ax in axes:
        ax.set_ylim(0, min(1.0, max(0.15, top * 1.15)))
    axes[0].text(
        xo,
        0.97,
        f" forecast from {fc_.dates[f0][:7]}",
        fontsize=8,
        va="top",
        transform=axes[0].get_xaxis_transform(),
    )
    axes[0].text(
        xp,
        0.97,
        f" projection from {c.dates[p0][:7]}",
        fontsize=8,
        va="top",
        transform=axes[0].get_xaxis_transform(),
    )

    # ---- probability panel
    seg_f, seg_p = slice(f0, None), slice(p0, None)
    ax_p.plot(x[seg_f], f_started[seg_f], color=FORECAST_COLOUR, lw=1.6, ls="--")
    ax_p.plot(x[seg_f], f_failed[seg_f], color="#8d6e63", lw=1.3, ls="--")
    ax_p.plot(x[seg_p], started[seg_p], color="#2e7d32", lw=1.8)
    ax_p.plot(x[seg_p], failed[seg_p], color="#c62828", lw=1.8)
    ax_p.set_ylim(0, 1)
    ax_p.set_ylabel("probability", fontsize=9)
    ax_p.set_xlabel("year (one model step = one quarter)")
    ax_p.grid(alpha=0.3)
    for xv in (xo, xp):
        ax_p.axvline(xv, color="k", lw=1, ls="--")
    ax_p.xaxis.set_major_locator(MultipleLocator(1))
    ax_p.set_xlim(x[first] - 0.25, x[-1])
    for ax in (ax_ev, *axes):
        ax.tick_params(labelbottom=False)

    # ---- one legend, below the data
    handles = [
        Line2D([], [], color=STATE_COLOURS[0], lw=1.0, alpha=0.6),
        Line2D([], [], color="0.2", lw=2.0),
        Line2D([], [], color="0.2", lw=2.0, ls=":"),
        Line2D([], [], color=FORECAST_COLOUR, lw=1.6, ls="--"),
        Patch(color="0.5", alpha=0.35),
        Line2D([], [], color="#2e7d32", lw=1.8),
        Line2D([], [], color="#c62828", lw=1.8),
        Line2D([], [], color=FORECAST_COLOUR, lw=1.6, ls="--"),
        Line2D([], [], color="#8d6e63", lw=1.3, ls="--"),
    ]
    labels = [
        "history before the forecast (the same runs)",
        f"what happened: documented events to {c.dates[p0 - 1][:7]} (median)",
        f"projection from {c.dates[p0][:7]}: random events only (median)",
        f"the {fc_.dates[f0][:4]} forecast ({fc_.scenario.name}, same seeds; median)",
        "bands: 50% and 90% of runs",
        f"P(a new reset has started since {c.dates[p0][:7]})",
        "... and has already failed",
        f"{fc_.dates[f0][:4]} forecast: P(a new reset has started since {fc_.dates[f0][:7]})",
        "... and has already failed (forecast)",
    ]
    ax_leg.legend(handles, labels, loc="center", ncol=3, fontsize=7.8, frameon=False)
    return fig
