"""Figures of an experiment's summary, one kind per design type.

Each function takes plain data (a summary table, the outputs to draw, the
design's parameter names and values) and returns a matplotlib Figure; the
sweep (:mod:`resetsim.experiments.sweep`) chooses which to draw and saves
them.  An *output* is given as ``name -> (column, low column, high column)``
of the summary table (a share's Wilson interval or a mean's t interval).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from resetsim.plotting.style import MIN_FONT, styled

#: ``output name -> (column, low column, high column)`` of a summary table.
Outputs = Mapping[str, tuple[str, str, str]]


def _panels(n: int, width: float = 4.2, height: float = 3.4):
    ncol = min(n, 2)
    nrow = math.ceil(n / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(width * ncol, height * nrow), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:n])


@styled
def plot_heatmap(
    summary,
    outputs: Outputs,
    names: Sequence[str],
    levels: Mapping[str, Sequence[float]],
    title: str,
):
    """Two-parameter grid: one heatmap per output (mean or share).

    ``names`` are the two parameters (the second varies fastest in the
    summary's rows), ``levels`` their values.
    """
    a, b = names
    la, lb = levels[a], levels[b]
    fig, axes = _panels(len(outputs), 4.6, 3.8)
    for ax, (name, (col, _, _)) in zip(axes, outputs.items(), strict=True):
        z = summary[col].to_numpy(dtype=float).reshape(len(la), len(lb))
        ax.set_xticks(range(len(lb)), [f"{v:g}" for v in lb])
        ax.set_yticks(range(len(la)), [f"{v:g}" for v in la])
        ax.set_xlabel(b)
        ax.set_ylabel(a)
        ax.set_title(name)
        finite = z[np.isfinite(z)]
        constant = finite.size == 0 or float(np.ptp(finite)) < 1e-12
        if constant:
            # no colour scale for a constant: one flat colour and a note
            ax.imshow(np.zeros_like(z), origin="lower", aspect="auto", cmap="Greys", vmin=0, vmax=4)
            value = f"{finite[0]:.3g}" if finite.size else "undefined"
            # the note under the panel's own title, so it cannot be read as
            # the next panel's
            ax.set_title(f"{name}\nconstant: {value} in every cell (no colour scale)")
        else:
            im = ax.imshow(z, origin="lower", aspect="auto", cmap="viridis")
            fig.colorbar(im, ax=ax, shrink=0.85)
        if z.size <= 64:
            span = 0.0 if constant else float(np.ptp(finite))
            for i in range(z.shape[0]):
                for j in range(z.shape[1]):
                    light = span > 0 and (z[i, j] - np.nanmin(z)) / span > 0.6
                    ax.text(
                        j,
                        i,
                        f"{z[i, j]:.2g}",
                        ha="center",
                        va="center",
                        fontsize=MIN_FONT,
                        color="k" if light or constant else "w",
                    )
    fig.suptitle(title)
    fig.tight_layout()
    return fig


@styled
def plot_main_effects(
    summary,
    outputs: Outputs,
    names: Sequence[str],
    values: np.ndarray,
    levels: Mapping[str, Sequence[float]],
    title: str,
):
    """Grid of any size: each output's mean over the other parameters, per level.

    ``values[point, j]`` is parameter ``names[j]`` at the summary's row ``point``.
    """
    fig, axes = _panels(len(outputs))
    for ax, (name, (col, _, _)) in zip(axes, outputs.items(), strict=True):
        for j, p in enumerate(names):
            lv = np.asarray(levels[p])
            x = (lv - lv.min()) / (np.ptp(lv) or 1.0)
            y = [np.nanmean(summary[col].to_numpy()[values[:, j] == v]) for v in lv]
            ax.plot(x, y, marker="o", label=p)
        ax.set_xlabel("level (low -> high, scaled)")
        ax.set_title(name)
        ax.legend()
    fig.suptitle(title)
    fig.tight_layout()
    return fig


@styled
def plot_conditions(summary, outputs: Outputs, title: str):
    """Conditions (the summary's ``condition`` column): horizontal bars with
    95% CIs as error bars, one panel per output, names at 8 pt (on the
    left panel of each row)."""
    labels = [str(v) for v in summary["condition"]]
    n = len(labels)
    fig, axes = _panels(len(outputs), 5.2, max(2.6, 0.2 * n + 1.0))
    y = np.arange(n)
    for k, (ax, (name, (c, lo, hi))) in enumerate(zip(axes, outputs.items(), strict=True)):
        v = summary[c].to_numpy(dtype=float)
        err = np.vstack(
            [v - summary[lo].to_numpy(dtype=float), summary[hi].to_numpy(dtype=float) - v]
        )
        ax.barh(y, v, color="#1f4e99", alpha=0.8, height=0.7)
        ax.errorbar(
            v,
            y,
            xerr=np.clip(np.nan_to_num(err), 0, None),
            fmt="none",
            ecolor="k",
            capsize=2,
            lw=0.9,
        )
        ax.set_yticks(y, labels if k % 2 == 0 else [""] * n, fontsize=MIN_FONT)
        ax.set_ylim(n - 0.5, -0.5)
        ax.set_title(name)
        ax.axvline(0, color="0.5", lw=0.5)
        ax.grid(axis="x", alpha=0.3)
    axes[-1].set_xlabel("bars: estimate; whiskers: 95% confidence interval")
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.15 / fig.get_figheight()))
    return fig


@styled
def plot_lhs(y, name: str, names: Sequence[str], values: np.ndarray, title: str):
    """Latin hypercube: output ``name`` (``y``, one value per point) against each
    parameter (``values[point, j]`` is ``names[j]``)."""
    fig, axes = _panels(len(names), 3.4, 2.8)
    for j, (ax, p) in enumerate(zip(axes, names, strict=True)):
        ax.scatter(values[:, j], y, s=6, alpha=0.5)
        ax.set_xlabel(p)
        ax.set_ylabel(name)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


@styled
def plot_sobol(sobol, title: str | None = None):
    """S1 and ST per parameter with confidence intervals, one panel per output
    (``sobol``: the ``sobol.csv`` table); one legend, above the panels."""
    ok = sobol[sobol["note"] == ""]
    outs = list(dict.fromkeys(ok["output"]))[:6]
    fig, axes = _panels(max(1, len(outs)), 5.0, 3.4)
    for ax, name in zip(axes, outs, strict=False):
        t = ok[ok["output"] == name]
        x = np.arange(len(t))
        ax.bar(x - 0.2, t["S1"], 0.4, yerr=t["S1_conf"], capsize=2, label="S1", color="#1f4e99")
        ax.bar(x + 0.2, t["ST"], 0.4, yerr=t["ST_conf"], capsize=2, label="ST", color="#b5261e")
        ax.set_xticks(x, list(t["parameter"]), rotation=45, ha="right", fontsize=MIN_FONT)
        ax.set_title(name)
        ax.axhline(0, color="0.5", lw=0.5)
        ax.grid(axis="y", alpha=0.3)
    handles, _ = axes[0].get_legend_handles_labels()
    head = "Sobol' indices: first-order (S1) and total (ST), whiskers: confidence intervals"
    h = fig.get_figheight()
    fig.suptitle(f"{title}\n{head}" if title else head, y=1 - 0.08 / h, va="top")
    fig.legend(
        handles,
        ["S1: first-order index", "ST: total index"],
        loc="upper center",
        bbox_to_anchor=(0.5, 1 - (0.55 if title else 0.35) / h),
        ncol=2,
        frameon=False,
    )
    fig.tight_layout(rect=(0, 0, 1, 1 - (0.8 if title else 0.6) / h))
    return fig
