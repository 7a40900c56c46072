"""The dashboard's figures, drawn from :mod:`resetsim.app.views` with matplotlib's
object interface (``Figure``, no pyplot: safe in the server's threads)."""

from __future__ import annotations

import base64
import io
import textwrap

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from resetsim.analysis.metrics import onset_failure_probability
from resetsim.app.views import (
    MEDIAN,
    EnsembleView,
    SingleRun,
    as_share,
    state_names,
    years,
)
from resetsim.plotting.forecast import FIGSIZE, major_markers, plot_forecast_fan
from resetsim.plotting.style import title_text
from resetsim.scenario import Compiled
from resetsim.scenario.observations import builtin_training

#: One colour per state (first, second), then the counterfactual and episodes.
COLOURS = ("#1f4e99", "#b5261e")
EPISODE = "#2e7d32"
FAILURE = "#c62828"
#: The forecast's colour (as in ``resetsim run``'s fan.png).
FORECAST = "#e08a00"
DPI = 100
#: Characters of an event label in the event strip (longer ones end in "...").
LABEL_CHARS = 24


def wrap_title(text: str, width: float, size: float = 10.0) -> str:
    """``text`` wrapped to the width of a ``width``-inch figure at ``size`` points
    (each paragraph on its own lines), so a long title is never cut off."""
    chars = max(20, int(width * 72 / (0.56 * size)))
    return "\n".join(textwrap.fill(line, chars) for line in text.split("\n"))


#: Labels a strip holds across its width (7 pt text turned upright).
STRIP_LABELS = 70


def labelled_events(compiled: Compiled, first: int = 0) -> list[tuple[int, str]]:
    """The dated events ``resetsim run``'s fan.png labels (the grave ones, and
    wars, annexations, treaties, enlargements, summits …; grouped by quarter),
    from tick ``first`` on, as ``(tick, label)``; labels too close to fit side
    by side at this range share one (``"a / b"``)."""
    events = major_markers(compiled, first, compiled.n_ticks - 1)
    gap = max(1, -(-(compiled.n_ticks - first) // STRIP_LABELS))
    out: list[tuple[int, str]] = []
    for tick, label in events:
        if out and tick - out[-1][0] < gap:
            out[-1] = (out[-1][0], f"{out[-1][1]} / {label}")
        else:
            out.append((tick, label))
    return out


def event_strip(ax, x: np.ndarray, events) -> None:
    """Labelled events (``(tick, label)``) as vertical text over a strip axis."""
    for tick, label in events:
        text = label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 3] + "..."
        ax.text(
            float(x[tick]) - 0.125,
            0.03,
            text,
            rotation=90,
            fontsize=7,
            color="0.2",
            ha="center",
            va="bottom",
            clip_on=True,
        )
    ax.set_ylim(0, 1)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)


def png(fig: Figure, fast: bool = False) -> bytes:
    """The figure as PNG bytes (no software tag, so the bytes depend only on the
    figure); ``fast``: light compression, for a figure redrawn at every step."""
    buf = io.BytesIO()
    extra = {"pil_kwargs": {"compress_level": 1}} if fast else {}
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None}, **extra)
    return buf.getvalue()


def data_uri(image: bytes) -> str:
    """PNG bytes as a ``data:`` URI (for an ``<img>`` that fetches nothing)."""
    return "data:image/png;base64," + base64.b64encode(image).decode("ascii")


def _figure(width: float, height: float) -> Figure:
    """A figure with constrained layout and a margin all round."""
    fig = Figure(figsize=(width, height))
    fig.set_layout_engine("constrained", w_pad=0.12, h_pad=0.08)
    return fig


def _start(x: np.ndarray, t: int) -> float:
    """The start of tick ``t``'s quarter; ``t`` may be one past the end."""
    return float(x[t] - 0.25) if t < len(x) else float(x[-1])


def leader_bands(ax, compiled: Compiled, x: np.ndarray) -> None:
    """Leader terms as labelled bands: the first state's along the top, the
    second's along the bottom, alternating shades."""
    for s in range(2):
        y0, y1 = (0.93, 1.0) if s == 0 else (0.0, 0.07)
        terms = [(t0, t1, name) for st, t0, t1, name in compiled.leader_terms if st == s]
        for k, (t0, t1, name) in enumerate(terms):
            a, b = _start(x, t0), _start(x, t1)
            ax.axvspan(a, b, ymin=y0, ymax=y1, color=COLOURS[s], alpha=0.1 + 0.1 * (k % 2), lw=0)
            ax.text(
                (a + b) / 2,
                (y0 + y1) / 2,
                name if (b - a) * 9 >= len(name) * 0.5 else "",
                transform=ax.get_xaxis_transform(),
                ha="center",
                va="center",
                fontsize=7,
                color=COLOURS[s],
                clip_on=True,
            )


def event_rug(ax, x: np.ndarray, events, highlight: str | None = None) -> None:
    """Events ``(tick, id, label)`` as a rug of short grey ticks above the lower
    leader band (mid-quarter); the one with id ``highlight`` as a labelled
    dashed line instead."""
    rug = []
    for tick, eid, label in events:
        xm = float(x[tick]) - 0.125
        if highlight is not None and eid == highlight:
            ax.axvline(xm, color=FAILURE, lw=1.2, ls="--", zorder=4)
            ax.text(
                xm,
                0.88,
                f" removed: {label}",
                transform=ax.get_xaxis_transform(),
                fontsize=8,
                color=FAILURE,
                va="top",
                clip_on=True,
            )
        else:
            rug.append(xm)
    if rug:
        ax.vlines(rug, 0.075, 0.115, transform=ax.get_xaxis_transform(), color="0.45", lw=0.8)


def _fan(ax, x, q, colour, label, alpha=1.0):
    ax.fill_between(x, q[0], q[-1], color=colour, alpha=0.12 * alpha, lw=0)
    ax.fill_between(x, q[1], q[-2], color=colour, alpha=0.25 * alpha, lw=0)
    ax.plot(x, q[MEDIAN], color=colour, lw=1.8, label=label)


def fan_figure(view: EnsembleView, width: float = 11.0) -> Figure:
    """The ensemble: each state's trust as a fan (median, 50% and 90% of the
    runs), leader terms, events, the median path's relationship index with its
    detected episodes, the share of runs inside an episode, and with a removed
    event the counterfactual median and the paired difference."""
    b = view.base
    c = b.compiled
    x = years(c)
    names = state_names(c)
    cf = view.counterfactual
    fv = view.forecast
    first = view.first_tick
    grave = labelled_events(c, first)
    strip = 1 if grave else 0
    ratios = [1.3] * strip + [3.2, 1.0] + ([1.6] if cf is not None else [])
    fig = _figure(width, 6.2 + 1.6 * strip + (1.8 if cf is not None else 0))
    axes = list(fig.subplots(len(ratios), 1, sharex=True, gridspec_kw={"height_ratios": ratios}))
    if strip:
        ax_ev = axes.pop(0)
        event_strip(ax_ev, x, grave)
    ax, ax_ep = axes[0], axes[1]
    for tick, _label in grave:
        for a in axes:
            a.axvline(float(x[tick]) - 0.125, color="0.55", lw=0.6, ls=":", zorder=1)

    # episodes of the median path: shaded from onset to failure
    for e in b.episodes:
        a = _start(x, max(e["onset_tick"], 0))
        z = _start(x, e["failure_tick"]) if e["failure_tick"] >= 0 else float(x[-1])
        ax.axvspan(a, z, ymin=0.12, ymax=0.92, color=EPISODE, alpha=0.07, lw=0)
    leader_bands(ax, c, x)
    event_rug(ax, x, [(m.tick, m.id, m.label) for m in c.markers], view.removed)

    # trust on the 0-1 axis of the relationship index: a latent attitude is
    # drawn as its favourable share (its quantiles are the attitude's, mapped)
    def share(fan_, q):
        return as_share(q, fan_.latent_trust)

    for s, sid in enumerate(c.state_ids):
        _fan(ax, x, share(b, b.trust[sid]), COLOURS[s], f"{names[s]}: trust in the other")
        if cf is not None:
            ax.plot(
                x,
                share(cf, cf.trust[sid][MEDIAN]),
                color=COLOURS[s],
                lw=1.3,
                ls="--",
                label=f"{names[s]}, without {view.removed_label}",
            )
    if fv is not None and fv.start_tick is not None:
        f0 = max(fv.start_tick - 1, 0)
        xf = x[f0:]
        for s, sid in enumerate(c.state_ids):
            q = share(fv, fv.trust[sid][:, f0:])
            ax.fill_between(xf, q[0], q[-1], color=FORECAST, alpha=0.10, lw=0)
            ax.plot(
                xf,
                q[MEDIAN],
                color=FORECAST,
                lw=1.6,
                ls="--" if s == 0 else "-.",
                label=f"{names[s]}: the {fv.compiled.dates[fv.start_tick][:4]} forecast "
                "(same seeds; median, 90%)",
            )
    ax.plot(x, b.index, color="0.35", lw=0.9, ls=":", label="relationship index (median path)")
    for e in b.episodes:
        for col, marker, colour in (
            ("onset", "^", EPISODE),
            ("peak", "o", EPISODE),
            ("failure", "X", FAILURE),
        ):
            t = e[f"{col}_tick"]
            if t >= 0:
                ax.plot(x[t], e[f"{col}_level"], marker=marker, color=colour, ms=6, ls="none")
    if c.projection_tick is not None:
        for a in axes:
            a.axvline(_start(x, c.projection_tick), color="k", lw=0.9, ls="--")
    shown = [share(b, b.trust[sid][:, first:]) for sid in c.state_ids]
    if fv is not None:
        shown += [share(fv, fv.trust[sid][:, first:]) for sid in c.state_ids]
    shown.append(b.index[first:])
    top = max(float(np.max(s)) for s in shown)
    # room for the leader bands (top and bottom 7%) above the highest band
    ax.set_ylim(0, 1 if top > 0.6 else max(0.2, np.ceil(top * 1.3 * 10) / 10))
    ax.set_ylabel("trust: favourable share (0-1)" if b.latent_trust else "trust (0 none, 1 full)")
    title = title_text(c.scenario.description or c.scenario.name)
    heading = wrap_title(
        f"{title}\n{b.n_runs} runs: median, 50% and 90% bands; shaded: reset episodes "
        "of the median path (\u25b2 onset, \u25cf peak, \u2716 failure)",
        width,
    )
    (axes[0] if not strip else ax_ev).set_title(heading, fontsize=10)

    ax_ep.fill_between(
        x, 0, b.in_episode, color=EPISODE, alpha=0.3, lw=0, step="mid", label="runs in an episode"
    )
    if cf is not None:
        ax_ep.plot(
            x,
            cf.in_episode,
            color=EPISODE,
            lw=1.2,
            ls="--",
            drawstyle="steps-mid",
            label=f"runs in an episode, without {view.removed_label}",
        )
    for fan_, colour, ls, who in ((b, "k", "-", "from"), (fv, FORECAST, "--", "forecast from")):
        if fan_ is None or fan_.new_reset is None:
            continue
        t0 = fan_.start_tick
        ax_ep.plot(
            x[t0:],
            fan_.new_reset[t0:],
            color=colour,
            lw=1.6,
            ls=ls,
            drawstyle="steps-mid",
            label=f"P(a new reset has started), {who} {fan_.compiled.dates[t0][:7]}",
        )
    given = told_the_events(view)
    if given is not None:
        f0, p0 = fv.start_tick, b.start_tick
        ax_ep.plot(
            x[f0 : p0 + 1],
            given[f0 : p0 + 1],
            color=TOLD,
            lw=1.6,
            drawstyle="steps-mid",
            label=f"P(a new reset), what happened, from {fv.compiled.dates[f0][:7]}",
        )
    ax_ep.set_ylim(0, 1)
    ax_ep.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax_ep.set_yticks([0, 0.5, 1])
    ax_ep.set_ylabel("share of runs", fontsize=9)

    if cf is not None:
        ax_d = axes[2]
        top = 0.02
        for s, sid in enumerate(c.state_ids):
            d = view.difference[sid]
            _fan(ax_d, x, d, COLOURS[s], names[s])
            top = max(top, float(np.max(np.abs(d))))
        ax_d.axhline(0, color="k", lw=0.8)
        ax_d.set_ylim(-1.1 * top, 1.1 * top)
        scale = " (logit)" if b.latent_trust else ""
        ax_d.set_ylabel(f"trust change{scale}\nwithout {view.removed_label}", fontsize=9)
    handles, labels = ax.get_legend_handles_labels()
    h2, l2 = ax_ep.get_legend_handles_labels()
    fig.legend(
        handles + h2, labels + l2, loc="outside lower center", fontsize=8, frameon=False, ncol=3
    )
    axes[-1].set_xlabel("year (one model step = one quarter)")
    axes[-1].set_xlim(x[first] - 0.25, x[-1])
    for a in axes:
        a.grid(alpha=0.25)
    return fig


def single_run_figure(run: SingleRun, width: float = 11.0) -> Figure:
    """The Mesa run so far: both trusts and cooperation over the whole period,
    leader terms, the events that have happened, the current quarter.  Fixed
    margins (no layout engine): it is redrawn at every step."""
    c = run.compiled
    x = years(c)
    names = state_names(c)
    fig = Figure(figsize=(width, 4.6))
    fig.subplots_adjust(left=0.065, right=0.985, top=0.93, bottom=0.2)
    ax = fig.subplots()
    leader_bands(ax, c, x)
    event_rug(ax, x, [(t, "", label) for t, label in run.fired])
    xs = x[: run.tick]
    for s, sid in enumerate(c.state_ids):
        what = "trust (favourable share)" if run.latent_trust else "trust"
        ax.plot(
            xs,
            as_share(run.trust[sid], run.latent_trust),
            color=COLOURS[s],
            lw=1.8,
            label=f"{names[s]}: {what}",
        )
    ax.plot(xs, run.cooperation, color="0.35", lw=1.2, ls="--", label="cooperation")
    if run.tick:
        ax.axvline(x[run.tick - 1], color="k", lw=0.8, alpha=0.6)
    ax.set_xlim(x[0] - 0.25, x[-1])
    ax.set_ylim(0, 1)
    ax.set_ylabel("level (0 to 1)")
    ax.set_xlabel("year (one step = one quarter)")
    ax.set_title(
        wrap_title(f"{c.scenario.name}: one run, {run.tick} of {run.n_ticks} quarters", width),
        fontsize=10,
    )
    fig.legend(loc="lower center", fontsize=8, frameon=False, ncol=3)
    ax.grid(alpha=0.25)
    return fig


class _Runs:
    """A :class:`~resetsim.app.views.Fan`'s runs read as a run result's trust columns."""

    def __init__(self, fan):
        self.compiled, self.n_runs, self._runs = fan.compiled, fan.n_runs, fan.runs

    def __getitem__(self, column: str) -> np.ndarray:
        return self._runs[column.removesuffix("_trust")]


#: The colour of the runs of what happened read from the forecast's origin.
TOLD = "#6a1b9a"


def told_the_events(view: EnsembleView) -> np.ndarray | None:
    """The base runs' share with a new reset started since the forecast's
    origin, per quarter: what the model says once it knows the events (None
    without a forecast or a projection)."""
    b, f = view.base, view.forecast
    if f is None or f.start_tick is None or b.start_tick is None or b.episodes_of_runs is None:
        return None
    return onset_failure_probability(b.episodes_of_runs, f.start_tick)[0]


def main_figure(view: EnsembleView) -> Figure | None:
    """The main job's figure as ``resetsim run`` draws it (``fan.png``:
    :func:`~resetsim.plotting.forecast.plot_forecast_fan`, with the built-in
    training series) for the view's runs, or ``None`` when the scenario names
    no forecast."""
    b, f = view.base, view.forecast
    if f is None or b.new_reset is None or f.new_reset is None:
        return None
    fig = Figure(figsize=FIGSIZE, dpi=110)
    FigureCanvasAgg(fig)
    given = told_the_events(view)
    return plot_forecast_fan(
        _Runs(b),
        _Runs(f),
        b.new_reset,
        b.new_failed,
        f.new_reset,
        f.new_failed,
        observed=builtin_training(),
        fig=fig,
        given_started=given,
    )
