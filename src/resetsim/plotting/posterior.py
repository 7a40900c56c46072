"""Figures of a Bayesian calibration (``resetsim calibrate``): marginal and
pairwise posteriors, and the prior / posterior predictive bands.

matplotlib is imported inside each function, so importing this module stays light.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from resetsim.core.params import PARAM_BY_NAME

#: Colours of the predictive bands.
BAND_COLOURS = {"prior": "#9e9e9e", "posterior": "#1f4e99", "point (v2 defaults)": "#b5261e"}


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def marginals(prior, theta: np.ndarray, weights: np.ndarray):
    """One weighted histogram per parameter over its whole prior range (a flat
    histogram = the evidence says nothing about it); the dashed line is the
    registry default."""
    plt = _plt()
    d = prior.d
    cols = 4
    rows = int(np.ceil(d / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.4 * rows), squeeze=False)
    for j, name in enumerate(prior.names):
        ax = axes[j // cols][j % cols]
        ax.hist(
            theta[:, j],
            bins=30,
            range=(prior.low[j], prior.high[j]),
            weights=weights,
            density=True,
            color="#1f4e99",
            alpha=0.75,
        )
        ax.axhline(1.0 / (prior.high[j] - prior.low[j]), color="#9e9e9e", lw=1, label="prior")
        ax.axvline(PARAM_BY_NAME[name].default, color="#b5261e", ls="--", lw=1, label="v2 default")
        ax.set_title(name, fontsize=9)
        ax.tick_params(labelsize=7)
        ax.set_yticks([])
    for j in range(d, rows * cols):
        axes[j // cols][j % cols].axis("off")
    axes[0][0].legend(fontsize=7, frameon=False)
    fig.suptitle("Marginal posteriors (histogram) against the uniform prior (grey line)")
    fig.tight_layout()
    return fig


def pairs(prior, theta: np.ndarray, weights: np.ndarray, n: int = 600):
    """Pairwise scatter of a weighted resample of the particles (trade-offs show
    as diagonal ridges)."""
    plt = _plt()
    d = prior.d
    rng = np.random.default_rng(0)
    idx = rng.choice(len(weights), size=min(n, len(weights)), p=weights / weights.sum())
    fig, axes = plt.subplots(d, d, figsize=(1.35 * d, 1.35 * d), squeeze=False)
    for i in range(d):
        for j in range(d):
            ax = axes[i][j]
            ax.set_xticks([])
            ax.set_yticks([])
            if i == j:
                ax.hist(
                    theta[idx, j], bins=20, range=(prior.low[j], prior.high[j]), color="#1f4e99"
                )
            elif i > j:
                ax.scatter(theta[idx, j], theta[idx, i], s=1.5, color="#1f4e99", alpha=0.4)
                ax.set_xlim(prior.low[j], prior.high[j])
                ax.set_ylim(prior.low[i], prior.high[i])
            else:
                ax.axis("off")
            if i == d - 1:
                ax.set_xlabel(prior.names[j], fontsize=6, rotation=30)
            if j == 0:
                ax.set_ylabel(prior.names[i], fontsize=6, rotation=60)
    fig.suptitle("Pairwise posterior (weighted resample)")
    return fig


def predictive(
    x: np.ndarray,
    bands: Mapping[str, np.ndarray],
    series: Mapping[str, Any],
    train_until: int | None = None,
):
    """Median and 5-95% band of mean trust ``m`` under each set of draws, with
    the observed series' ranks rescaled to the posterior band for orientation
    (only ranks are compared; levels mean nothing)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(10, 4.2))
    for label, m in bands.items():
        c = BAND_COLOURS.get(label, "#555555")
        lo, med, hi = np.quantile(m, [0.05, 0.5, 0.95], axis=0)
        ax.fill_between(x, lo, hi, color=c, alpha=0.18, lw=0)
        ax.plot(x, med, color=c, lw=1.6, label=f"{label}: median, 5-95% band")
    post = bands.get("posterior", next(iter(bands.values())))
    lo, hi = np.quantile(post, [0.25, 0.75])
    for (name, s), mk in zip(series.items(), ("o", "s"), strict=False):
        v = np.asarray(s.values, dtype=float)
        r = (v - v.min()) / max(np.ptp(v), 1e-9)
        xs = s.quarters / 4.0 + 0.125
        ax.plot(xs, lo + r * (hi - lo), mk, ms=4, mfc="none", color="black", label=f"{name} (rank)")
    if train_until is not None:
        ax.axvline(train_until / 4.0 + 0.25, color="black", ls=":", lw=1, label="train until")
    ax.set_ylabel("mean trust m")
    ax.set_title("Predictive checks: bands include parameter uncertainty (draws) and run noise")
    ax.legend(fontsize=7, ncol=2, frameon=False, loc="lower left")
    fig.tight_layout()
    return fig
