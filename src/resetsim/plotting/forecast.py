"""``fan.png`` of a scenario with a ``forecast``: what happened, what was
forecast, and the projection from the last documented event, in one picture."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from resetsim.analysis.opinion import (
    LAST_TRAINING_YEAR,
    PERCENT_CLIP,
    OpinionLink,
    identity_link,
    is_latent,
    opinion_link,
)
from resetsim.core.state import bounds as state_bounds
from resetsim.plotting.labels import key_events, label_heights, place_labels
from resetsim.plotting.style import (
    MIN_FONT,
    STATE_COLOURS,
    band_note,
    leader_band,
    quarter_ends,
    quarter_start,
    styled,
    title_text,
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


#: The quantiles drawn: the 80% band, the 50% band and the median.
QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)
#: The main figure's size (inches).
FIGSIZE = (13.0, 12.0)
#: Rows of event labels above the leader terms.
LABEL_ROWS = 3
#: The percent ticks a panel on the polls' scale may show (logit spacing).
_TAIL = (0.001, 0.01, 0.1, 0.2, 0.5, 1, 2)
PERCENT_TICKS = (*_TAIL, *range(5, 100, 5), *(100 - t for t in reversed(_TAIL)))
#: The observed training points' marker.
OBSERVED_STYLE = {"marker": "o", "s": 26, "facecolor": "white", "linewidths": 1.4, "zorder": 6}


def _bands(ax, x, y, colour, ls="-", lw=1.8, alpha=1.0, to=None, gid=None):
    """Median and 50%/80% bands of ``y`` ``(runs, ticks)`` drawn through ``to``
    (a monotone map to the axis' scale; none: as they are)."""
    q = np.quantile(y, QUANTILES, axis=0)
    if to is not None:
        q = to(q)
    ax.fill_between(x, q[0], q[4], color=colour, alpha=0.11 * alpha, lw=0)
    ax.fill_between(x, q[1], q[3], color=colour, alpha=0.24 * alpha, lw=0)
    (line,) = ax.plot(x, q[2], color=colour, lw=lw, ls=ls, alpha=max(alpha, 0.5))
    if gid:
        line.set_gid(gid)
    return q


def observed_for(observed, sid: str):
    """The first percent series of ``observed`` (a read observations file or
    a sequence of its series) that observes ``<sid>.trust``, or ``None``."""
    if observed is None:
        return None
    for s in getattr(observed, "series", observed):
        if s.observes == f"{sid}.trust" and s.scale == "percent":
            return s
    return None


def links_for(result, forecast_origin: int, observed) -> dict[str, OpinionLink | None]:
    """Each state's :func:`~resetsim.analysis.opinion.opinion_link` (``None``
    without a series or with too few training years), fitted on the realised
    runs' training years before the forecast origin's year; the identity
    (:func:`~resetsim.analysis.opinion.identity_link`) when the runs hold
    trust as a latent attitude."""
    c = result.compiled
    out: dict[str, OpinionLink | None] = {}
    origin_year = int(c.quarters[forecast_origin]) // 4
    link = identity_link if is_latent(getattr(result, "params", None)) else opinion_link
    for sid in c.state_ids:
        s = observed_for(observed, sid)
        out[sid] = (
            None
            if s is None
            else link(
                f"{sid}_trust",
                s.id,
                s.source,
                s.years,
                s.values,
                result[f"{sid}_trust"],
                c.quarters,
                before_year=origin_year,
            )
        )
    return out


def logit_percent(p):
    """A percent on the logit scale (the polls' working scale), clipped to
    :data:`~resetsim.analysis.opinion.PERCENT_CLIP`."""
    p = np.clip(np.asarray(p, dtype=float), *PERCENT_CLIP)
    return np.log(p / (100.0 - p))


def percent_of_logit(z):
    """The inverse of :func:`logit_percent`."""
    return 100.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))


def _spaced(values, lo: float, hi: float, frac: float = 0.06) -> list[float]:
    """The ``values`` (ascending, in percent) inside ``lo .. hi``, none closer
    than ``frac`` of the axis' height (logit spacing) to the one kept below."""
    z_lo, z_hi = float(logit_percent(lo)), float(logit_percent(hi))
    kept: list[float] = []
    last = -np.inf
    for v in values:
        z = float(logit_percent(v))
        if z_lo <= z <= z_hi and z - last >= frac * (z_hi - z_lo):
            kept.append(float(v))
            last = z
    return kept


def _fit_name(ax, text, a: float, b: float) -> None:
    """Shorten a leader's name until it fits its band from ``a`` to ``b``
    (data units): "Gorbachev", "Gorbach.", ... nothing when even three
    letters do not fit."""
    renderer = ax.figure.canvas.get_renderer()
    x0, x1 = (ax.transData.transform((v, 0))[0] for v in (a, b))
    x0, x1 = max(x0, ax.get_window_extent(renderer).x0), x1
    name = text.get_text()
    k = len(name)
    while text.get_window_extent(renderer).width > (x1 - x0) - 4 and k > 3:
        k -= 1
        text.set_text(name[:k].rstrip(" .") + ".")
    if text.get_window_extent(renderer).width > (x1 - x0) - 4:
        text.set_text("")
    text.set_x((max(a, ax.get_xlim()[0]) + b) / 2)


def _short_source(source: str) -> str:
    return source.split(":")[0].split("(")[0].strip()


def _trust_panel(ax, s, result, forecast, x, ticks, link, series):
    """One state's panel: history, what happened, projection, forecast,
    observed points; returns the legend entries it adds."""
    c = result.compiled
    sid = c.state_ids[s]
    col = STATE_COLOURS[s]
    f0, p0 = ticks
    y, yf = result[f"{sid}_trust"], forecast[f"{sid}_trust"]
    mapped = link is not None and link.rising
    to = link.to_data if mapped else None
    hist, real = slice(0, f0), slice(f0 - 1, p0)
    proj, fore = slice(p0 - 1, None), slice(f0 - 1, None)
    qs = [
        _bands(ax, x[hist], y[:, hist], col, lw=1.2, alpha=0.6, to=to, gid=f"history:{sid}"),
        _bands(ax, x[fore], yf[:, fore], FORECAST_COLOUR, "--", 1.6, 0.8, to, f"forecast:{sid}"),
        _bands(ax, x[real], y[:, real], col, lw=2.2, to=to, gid=f"happened:{sid}"),
        _bands(ax, x[proj], y[:, proj], col, ":", 2.0, 0.8, to, f"projection:{sid}"),
    ]
    lo = min(float(q[0].min()) for q in qs)
    hi = max(float(q[4].max()) for q in qs)
    # the lowest median before the forecast: is what came after below it?
    med = qs[0][2]
    k = int(np.argmin(med))
    ax.hlines(med[k], x[k], x[-1], color="0.35", lw=0.9, ls=(0, (1, 2)), zorder=1)
    ax.text(
        quarter_start(x, f0),
        med[k],
        f"lowest before the forecast ({c.dates[k][:4]}) ",
        fontsize=MIN_FONT,
        color="0.3",
        ha="right",
        va="bottom",
    )
    name = c.scenario.states[s].name or sid
    pts = None
    if series is not None:
        keep = np.asarray(series.years) <= LAST_TRAINING_YEAR
        keep &= np.asarray(series.years) >= int(c.quarters[0]) // 4
        keep &= np.asarray(series.years) < int(c.quarters[f0]) // 4
        yrs, vals = np.asarray(series.years)[keep] + 0.5, np.asarray(series.values)[keep]
        target = ax if mapped else ax.twinx()
        pts = target.scatter(yrs, vals, edgecolors=col, gid=f"observed:{sid}", **OBSERVED_STYLE)
        if len(vals) and mapped:
            lo, hi = min(lo, float(vals.min())), max(hi, float(vals.max()))
        if not mapped:
            target.set_ylabel(f"{_short_source(series.source)}, % (own axis)", fontsize=MIN_FONT)
            target.set_ylim(0, 100)
    if mapped:
        # the polls' working scale: a fall near 0% shows as it does on the logit
        z_lo, z_hi = float(logit_percent(lo)), float(logit_percent(hi))
        pad = 0.06 * max(z_hi - z_lo, 1e-9)
        lo, hi = (float(percent_of_logit(v)) for v in (z_lo - pad, z_hi + pad))
        lo, hi = max(lo, PERCENT_CLIP[0]), min(hi, PERCENT_CLIP[1])
        ax.set_yscale("function", functions=(logit_percent, percent_of_logit))
        ax.yaxis.set_major_locator(FixedLocator(_spaced(PERCENT_TICKS, lo, hi)))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}%"))
        ax.yaxis.set_minor_locator(NullLocator())
        ax.set_ylabel(f"{name}: % favourable towards\nthe other (logit spacing)", fontsize=9)
        # the model's own scale on the right: linear, since the link is
        # affine from trust to the logit the left axis is spaced by
        sec = ax.twinx()
        sec.set_gid(f"model-scale:{sid}")
        sec.set_ylabel("the model's trust at that height", fontsize=MIN_FONT, color="0.35")
        sec.tick_params(labelsize=MIN_FONT, colors="0.35")
        sec.spines["right"].set_visible(True)
        how = (
            f"{link.fitted_text()}; its distance to the polls there: "
            f"RMS {link.fit.sigma:.2f} on the logit"
            if link.identity
            else f"{link.fitted_text()}, fitted on those years only (r = {link.r:.2f})"
        )
        note = (
            f"points: {_short_source(series.source)}, {len(link.years)} training years "
            f"{link.years.min()}–{link.years.max()}; model mapped to % by {how}"
        )
    else:
        pad = 0.08 * max(hi - lo, 1e-9)
        lo, hi = lo - pad, hi + pad
        b0, b1 = state_bounds("trust")
        if np.isfinite(b0):
            lo = max(lo, b0)
        if np.isfinite(b1):
            hi = min(hi, b1)
        ax.set_ylabel(f"{name}:\ntrust in the other (model scale)", fontsize=9)
        note = "model trust on its own scale; " + (
            "no opinion series for this side"
            if series is None
            else f"{_short_source(series.source)} on its own axis: "
            + (
                "too few training years to link them"
                if link is None
                else "the fitted link does not rise with trust, so the two are not mapped"
            )
        )
    ax.set_ylim(lo, hi)
    if mapped:
        sec.set_ylim(*(float(v) for v in link.to_model(np.array([lo, hi]))))
    # the note above the panel, off the data
    ax.set_title(note, loc="left", fontsize=MIN_FONT, color="0.25", pad=3)
    ax.grid(alpha=0.25)
    return pts


#: Years before the forecast origin drawn at full width (earlier ones: :data:`COMPRESS`).
FOCUS_YEARS = 8
#: The width of a year before the focus, relative to one after it.
COMPRESS = 0.5


def compressed_before(focus: float, factor: float):
    """An x scale (``forward``, ``inverse``) that draws the years before
    ``focus`` at ``factor`` of their width (piecewise linear, monotone)."""

    def fwd(v):
        v = np.asarray(v, dtype=float)
        return np.where(v < focus, focus - (focus - v) * factor, v)

    def inv(u):
        u = np.asarray(u, dtype=float)
        return np.where(u < focus, focus - (focus - u) / factor, u)

    return fwd, inv


def _year_ticks(x0: float, x1: float, focus: float) -> list[float]:
    """Every fourth year before ``focus``, every second one from it."""
    early = [float(y) for y in range(int(np.ceil(x0)), int(focus)) if (int(focus) - y) % 4 == 0]
    late = [float(y) for y in range(int(focus), int(x1) + 1) if (y - int(focus)) % 2 == 0]
    return early + late


@styled
def plot_forecast_fan(
    result,
    forecast,
    started: np.ndarray,
    failed: np.ndarray,
    f_started: np.ndarray,
    f_failed: np.ndarray,
    observed=None,
    title: str | None = None,
    fig=None,
    given_started: np.ndarray | None = None,
):
    """The main figure of a scenario with a ``forecast``: from the scenario's
    start to its end, one panel per state with the realised runs (the history
    before the forecast origin, what happened after it, the projection from
    ``projection_start``) and the forecast's runs (``forecast``, same seeds)
    as medians with 50% and 80% bands; the observed training points of
    ``observed`` (a read observations file, or its series; a percent series
    observing ``<state>.trust``) with the model mapped to their percent by the
    observation model fitted on the training years only
    (:mod:`resetsim.analysis.opinion`), the model's own scale on the right;
    a dotted line at the lowest median before the forecast; above, the leader
    terms and the key dated events, labelled without overlap
    (:mod:`resetsim.plotting.labels`); below, the probability that a new
    reset has started (and failed) in the forecast and in the projection,
    and with ``given_started`` (the realised runs' share with a reset
    started since the forecast's origin) what the model says once it knows
    the events, from the origin to the projection.
    ``fig``: a figure to draw into (with a canvas that renders, e.g. Agg's;
    default: a new pyplot figure)."""
    c, fc_ = result.compiled, forecast.compiled
    x = quarter_ends(c)
    p0, f0 = c.projection_tick, fc_.projection_tick
    if fig is None:
        fig = plt.figure(figsize=FIGSIZE, dpi=110)
    gs = fig.add_gridspec(
        5,
        1,
        height_ratios=[1.15, 3.0, 3.0, 1.0, 0.9],
        hspace=0.16,
        top=0.95,
        bottom=0.0,
        left=0.075,
        right=0.93,
    )
    ax_ev = fig.add_subplot(gs[0])
    axes = [fig.add_subplot(gs[1], sharex=ax_ev), fig.add_subplot(gs[2], sharex=ax_ev)]
    ax_p = fig.add_subplot(gs[3], sharex=ax_ev)
    ax_leg = fig.add_subplot(gs[4])
    ax_leg.axis("off")
    xo, xp = quarter_start(x, f0), quarter_start(x, p0)
    # the years long before the forecast at less width: the recent past and
    # the forecast get the room (one scale for every panel, sharing x)
    focus = max(float(x[0]), float(np.floor(xo)) - FOCUS_YEARS)
    if focus > x[0] + 1:
        fwd, inv = compressed_before(focus, COMPRESS)
        ax_ev.set_xscale("function", functions=(fwd, inv))
    ax_ev.set_xlim(x[0] - 0.25, x[-1])

    # ---- event strip: leader terms (each arrival a new band) and key events
    for st, t0, t1, name in c.leader_terms:
        y0 = 0.0 if st == 0 else 0.11
        k = sum(1 for s2, u0, *_ in c.leader_terms if s2 == st and u0 < t0)
        a, b = quarter_start(x, t0), quarter_start(x, t1)
        leader_band(ax_ev, a, b, y0, y0 + 0.1, STATE_COLOURS[st], 0.13 + 0.12 * (k % 2), name, 7)
        _fit_name(ax_ev, ax_ev.texts[-1], a, b)
    events = key_events(c, 0, p0 - 1, focus_from=f0)
    at = {e.tick: float(x[e.tick]) - 0.125 for e in events}
    for e in events:
        ax_ev.plot([at[e.tick]] * 2, [0.22, 0.26], color="0.6", lw=0.6)
    placed = place_labels(
        ax_ev,
        [(at[e.tick], e.label, e.rank) for e in events],
        rows=LABEL_ROWS,
        y0=0.31,
        y1=1.0,
        color="0.15",
        clip_on=False,
    )
    rows_y = label_heights(LABEL_ROWS, 0.31, 1.0)
    for xm, _text, r in placed:
        ax_ev.plot([xm, xm], [0.22, rows_y[r]], color="0.45", lw=0.6)
        for ax in axes:
            ax.axvline(xm, color="0.6", lw=0.5, alpha=0.45, zorder=0)
    ax_ev.set_yticks([])
    ax_ev.set_ylim(0, 1)
    for side in ("left", "right", "top"):
        ax_ev.spines[side].set_visible(False)
    ax_ev.set_title(
        title_text(
            title
            or f"{c.scenario.name}: what happened, the {fc_.dates[f0][:4]} forecast "
            f"and the outlook from {c.dates[p0][:7]} ({result.n_runs} runs)"
        )
        + f"\n{band_note(c)}",
        fontsize=11,
    )

    # ---- trust panels, on the observed polls' scale where a link is fitted
    links = links_for(result, f0, observed)
    for s, sid in enumerate(c.state_ids[:2]):
        _trust_panel(
            axes[s], s, result, forecast, x, (f0, p0), links[sid], observed_for(observed, sid)
        )
        for xv in (xo, xp):
            axes[s].axvline(xv, color="k", lw=1, ls="--")
    for xv, text, ha in (
        (xo, f"forecast from {fc_.dates[f0][:7]} ", "right"),
        (xp, " outlook", "left"),
    ):
        axes[0].text(
            xv,
            0.985,
            text,
            fontsize=MIN_FONT,
            va="top",
            ha=ha,
            transform=axes[0].get_xaxis_transform(),
            bbox={"facecolor": "white", "alpha": 0.8, "lw": 0, "pad": 1.0},
        )

    # ---- probability panel
    seg_f, seg_p = slice(f0, None), slice(p0, None)
    ax_p.plot(x[seg_f], f_started[seg_f], color=FORECAST_COLOUR, lw=1.6, ls="--")
    ax_p.plot(x[seg_f], f_failed[seg_f], color="#8d6e63", lw=1.3, ls="--")
    ax_p.plot(x[seg_p], started[seg_p], color="#2e7d32", lw=1.8)
    ax_p.plot(x[seg_p], failed[seg_p], color="#c62828", lw=1.8)
    if given_started is not None:
        seg_g = slice(f0, p0 + 1)
        ax_p.plot(x[seg_g], given_started[seg_g], color="0.15", lw=1.6)
    ax_p.set_ylim(0, 1)
    ax_p.set_ylabel("probability", fontsize=9)
    ax_p.set_xlabel(
        "year (one model step = one quarter"
        + (f"; the years before {focus:.0f} at {COMPRESS:g}x width)" if focus > x[0] + 1 else ")")
    )
    ax_p.grid(alpha=0.3)
    for xv in (xo, xp):
        ax_p.axvline(xv, color="k", lw=1, ls="--")
    ax_p.xaxis.set_major_locator(FixedLocator(_year_ticks(x[0], x[-1], focus)))
    for ax in (ax_ev, *axes):
        ax.tick_params(labelbottom=False)

    # ---- one legend, below the data
    entries = [
        (Line2D([], [], color="0.3", lw=1.2, alpha=0.6), "history before the forecast (median)"),
        (
            Line2D([], [], color="0.2", lw=2.2),
            f"the model under what happened: documented events to {c.dates[p0 - 1][:7]} (median)",
        ),
        (
            Line2D([], [], color="0.2", lw=2.0, ls=":"),
            f"outlook from {c.dates[p0][:7]}: random events only (median)",
        ),
        (
            Line2D([], [], color=FORECAST_COLOUR, lw=1.6, ls="--"),
            f"the {fc_.dates[f0][:4]} forecast ({fc_.scenario.name}, same seeds; median)",
        ),
        (Patch(color="0.5", alpha=0.35), "bands: 50% and 80% of runs"),
        (
            Line2D([], [], color="0.35", lw=0.9, ls=(0, (1, 2))),
            "lowest median before the forecast",
        ),
    ]
    for s, sid in enumerate(c.state_ids[:2]):
        series = observed_for(observed, sid)
        if series is not None:
            entries.append(
                (
                    Line2D([], [], ls="", marker="o", mfc="white", mec=STATE_COLOURS[s], mew=1.4),
                    f"observed, training years: {_short_source(series.source)}",
                )
            )
    entries += [
        (
            Line2D([], [], color="#2e7d32", lw=1.8),
            f"P(a new reset has started since {c.dates[p0][:7]})",
        ),
        (Line2D([], [], color="#c62828", lw=1.8), "... and has already failed"),
        (
            Line2D([], [], color=FORECAST_COLOUR, lw=1.6, ls="--"),
            f"{fc_.dates[f0][:4]} forecast: P(a new reset has started since {fc_.dates[f0][:7]})",
        ),
        (Line2D([], [], color="#8d6e63", lw=1.3, ls="--"), "... and has already failed (forecast)"),
    ]
    if given_started is not None:
        entries.append(
            (
                Line2D([], [], color="0.15", lw=1.6),
                f"the model under what happened: P(a new reset has started since "
                f"{fc_.dates[f0][:7]})",
            )
        )
    handles, labels = zip(*entries, strict=True)
    ax_leg.legend(handles, labels, loc="lower center", ncol=3, fontsize=MIN_FONT, frameon=False)
    return fig
