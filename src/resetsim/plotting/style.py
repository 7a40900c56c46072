"""What every figure shares: the project's matplotlib style (:data:`STYLE`,
applied by :func:`styled` / :func:`style_context` in every plotting function),
colours, the time axis, leader bands, shock lines, median-and-bands, and
saving in one or more formats with deterministic metadata (:func:`save`,
:func:`save_all`)."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.pyplot as plt
import numpy as np

from resetsim.core import calendar as cal
from resetsim.core.io import parse_formats


def _inline_requested() -> bool:
    """Whether an inline (notebook) backend was asked for: by the Jupyter
    kernel (``MPLBACKEND``) or by ``%matplotlib inline``/``widget``."""
    asked = f"{os.environ.get('MPLBACKEND', '')} {dict.get(matplotlib.rcParams, 'backend', '')}"
    return any(word in asked.lower() for word in ("inline", "ipympl", "widget"))


# off-screen (Agg) unless a notebook asked for figures inline
if not _inline_requested():
    matplotlib.use("Agg")

#: The project's one matplotlib style: every font at 8 pt or more, light
#: grids, no top/right spines, fixed SVG ids (same figure, same bytes).
STYLE: dict[str, Any] = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "legend.title_fontsize": 8,
    "figure.titlesize": 11,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "grid.alpha": 0.3,
    "legend.framealpha": 0.9,
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "savefig.bbox": None,
    "svg.fonttype": "path",
    "svg.hashsalt": "resetsim",
    "pdf.fonttype": 42,
    "image.cmap": "viridis",
}
#: Smallest font size any figure uses, in points.
MIN_FONT = 8.0
#: PNG resolution: on screen, and when saving for print (any vector format asked for).
SCREEN_DPI, PRINT_DPI = 150, 300


def style_context():
    """A context manager applying :data:`STYLE` (``with style_context(): ...``)."""
    return plt.rc_context(STYLE)


def styled(fn: Callable) -> Callable:
    """Decorator: run a plotting function under :data:`STYLE`."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with style_context():
            return fn(*args, **kwargs)

    return wrapper


#: One colour per state of the dyad (in the scenario's order).
STATE_COLOURS = ("#1f4e99", "#b5261e", "#2e7d32", "#6a1b9a")
#: PNG metadata: no software version, so the same figure gives the same bytes.
PNG_METADATA = {"Software": None}


#: The longest figure title drawn (characters); a longer one is cut with "...".
MAX_TITLE = 120


def title_text(text: str, limit: int = MAX_TITLE) -> str:
    """A figure title from free text (a scenario's description): one line, at
    most ``limit`` characters, ``$`` drawn as itself (never parsed as maths),
    so that no description can make drawing slow."""
    line = " ".join(str(text).split())
    if len(line) > limit:
        line = line[: limit - 3].rstrip() + "..."
    return line.replace("$", r"\$")


def quarter_ends(compiled) -> np.ndarray:
    """Where each recorded state is drawn: the END of its quarter.

    A row of ``trajectory.csv`` is dated by its quarter's first day but holds
    the state after that quarter's events and dynamics; drawing it at the
    quarter's end keeps every effect after its cause on the time axis (events
    are drawn mid-quarter, leader terms from the start of their quarter).
    """
    return np.array([cal.decimal_year(int(q)) + 0.25 for q in compiled.quarters])


def quarter_start(x: np.ndarray, t: int) -> float:
    """The start of tick ``t``'s quarter (``x`` from :func:`quarter_ends`); ``t`` may be
    one past the last tick."""
    return float(x[t] - 0.25) if t < len(x) else float(x[-1])


def leader_band(
    ax, a: float, b: float, y0: float, y1: float, colour, alpha: float, name: str, fontsize: float
) -> None:
    """One labelled leader-term band between x = a and b, y0 and y1 (axes units)."""
    fontsize = max(fontsize, MIN_FONT)
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
            leader_band(
                ax,
                quarter_start(x, t0),
                quarter_start(x, t1),
                y0,
                y1,
                STATE_COLOURS[s],
                alpha,
                name,
                6,
            )


def mark_shocks(
    ax,
    compiled,
    x: np.ndarray,
    levels: int = 8,
    fontsize: float = MIN_FONT,
    labels: bool = True,
    min_intensity: int = 1,
) -> None:
    """Scheduled shocks as thin vertical lines (mid-quarter) with labels placed
    greedily on ``levels`` rows so that they do not overlap where avoidable
    (``labels=False``: lines only; ``min_intensity``: only events at least
    that intense)."""
    span = float(x[-1] - x[0]) + 0.25
    width_in = ax.figure.get_figwidth() * ax.get_position().width
    years_per_char = span / max(width_in * 72.0 / (0.55 * fontsize), 1.0)
    ends = [-np.inf] * levels
    for m in compiled.markers:
        if getattr(m, "intensity", 2) < min_intensity:
            continue
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


def median_bands(ax, x, y, colour, label, lw=1.8, alpha=1.0):
    """Median line and 50% / 90% bands of ``y`` ``(runs, ticks)`` over ``x``."""
    if y.shape[0] == 1:
        ax.plot(x, y[0], color=colour, lw=lw, label=label, alpha=alpha)
        return
    q05, q25, q50, q75, q95 = np.quantile(y, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
    ax.fill_between(x, q05, q95, color=colour, alpha=0.12 * alpha, lw=0)
    ax.fill_between(x, q25, q75, color=colour, alpha=0.25 * alpha, lw=0)
    ax.plot(x, q50, color=colour, lw=lw, label=label, alpha=alpha)


#: Metadata per format that keeps the bytes free of dates and versions.
METADATA = {
    "png": PNG_METADATA,
    "svg": {"Date": None, "Creator": None},
    "pdf": {"CreationDate": None, "Creator": None, "Producer": None},
}


def save(fig, path, close: bool = True, **kwargs) -> None:
    """Save a figure (format from ``kwargs['format']`` or the file's suffix) with
    deterministic metadata and the project's style, then close it."""
    fmt = kwargs.get("format") or Path(str(path)).suffix.lstrip(".").lower() or "png"
    kwargs.setdefault("dpi", SCREEN_DPI)
    with style_context():
        fig.savefig(path, metadata=METADATA.get(fmt, PNG_METADATA), **kwargs)
    if close:
        plt.close(fig)


def save_all(
    fig,
    stem: Path,
    formats: Iterable[str] = ("png",),
    write: Callable[[Path, Callable[[Path], None]], None] | None = None,
) -> list[str]:
    """Save ``fig`` as ``stem.<format>`` for each format, then close it; returns
    the file names.  PNG is at :data:`SCREEN_DPI`, or :data:`PRINT_DPI` when a
    vector format is asked for too (saving for print).  ``write(path, fn)``
    (e.g. :func:`resetsim.core.io.write_atomic`) wraps each write."""
    formats = parse_formats(list(formats))
    dpi = PRINT_DPI if any(f != "png" for f in formats) else SCREEN_DPI
    names = []
    try:
        for f in formats:
            path = Path(stem).with_suffix(f".{f}")

            def one(p, f=f):
                save(fig, p, close=False, format=f, dpi=dpi)

            if write is None:
                one(path)
            else:
                write(path, one)
            names.append(path.name)
    finally:
        plt.close(fig)
    return names


def band_note(compiled) -> str:
    """What a figure's bands cover, for its caption: parameter uncertainty when
    the runs drew their parameters from a posterior, else run noise only."""
    if getattr(compiled, "posterior", None) is not None:
        return "bands include parameter uncertainty (posterior draws) and run noise"
    return "bands: event timing and noise at the point estimate"
