"""Fidelity to the paper: detected episodes scored against a targets file.

A *targets file* (TOML, e.g. ``scenarios/targets/paper_episodes.toml``) lists
episodes a history should show, each with an **onset window** and a **failure
window** (dates).  A scenario names it with ``targets = "..."`` (relative to the
scenario file).  Scoring, per run (vectorised over runs):

1. **Matching.**  Targets and detected episodes are aligned in time order (an
   order-preserving alignment, like a sequence alignment, solved by dynamic
   programming over the run axis): a target may take an episode whose onset is
   within ``tolerance_quarters`` of its onset window; the alignment maximises
   the number of matches, then their quality.  Each target takes at most one
   episode and each episode serves at most one target.
2. **Errors** in quarters outside the window (0 inside; negative = too early).
   A left-censored episode (the run began inside it) counts as starting at the
   first quarter.  An episode still open at the end has failure error 0 if the
   failure window reaches the end of the run, else the quarters by which the
   window has passed.
3. **Quality** of a match: ``(0.5 * max(0, 1 - |onset error| / tol) + 0.5 *
   max(0, 1 - |failure error| / tol)) * amplitude``; ``amplitude`` =
   ``min(1, rise / min_rise) * min(1, fall / min_fall)`` where ``rise`` is peak
   minus the low before the onset and ``fall`` peak minus the low after the
   failure (a factor is 1 when its minimum is 0 or its value unknown).  So a
   match is worth 1 when both dates are in their windows and the episode is a
   real wave, not a ripple.
4. **Spurious** episodes: detected but matched to no target, counted up to
   ``tolerance_quarters`` after the last target's failure window.
5. **Descending lows**: the share of successive post-failure lows (up to the
   same horizon) that are lower than the one before.
6. **Score** = ``(sum of qualities + descending share - spurious_penalty *
   spurious) / (targets + 1)``, clipped to ``[0, 1]``.

See ``docs/EPISODES.md`` for the reasoning.  This module builds on
:mod:`resetsim.analysis.episodes` and on nothing else in :mod:`resetsim.analysis`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from resetsim.analysis import episodes
from resetsim.analysis.episodes import Episodes, detect_runs
from resetsim.core import calendar as cal
from resetsim.scenario.targets import Windows

# --------------------------------------------------------------------------
# scoring


def _or(value: float | None, default: float) -> float:
    return default if value is None else value


def _ratio(value: np.ndarray, minimum: np.ndarray) -> np.ndarray:
    """``min(1, value / minimum)``, 1 where the minimum is 0 or the value unknown."""
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.clip(value / minimum, 0.0, 1.0)
    return np.where((minimum > 0) & np.isfinite(value), r, 1.0)


def _dist(t: np.ndarray, a: np.ndarray | int, b: np.ndarray | int) -> np.ndarray:
    """Signed quarters of ``t`` outside ``[a, b]``: negative early, positive late."""
    return np.where(t < a, t - a, np.where(t > b, t - b, 0))


@dataclass
class Scores:
    """Per-run fidelity of many runs against N targets."""

    windows: Windows
    applicable: np.ndarray  # (N,) bool: the target's onset window overlaps the run
    matched: np.ndarray  # (n, N) bool
    episode: np.ndarray  # (n, N) matched episode index or -1
    onset_error: np.ndarray  # (n, N) float, NaN if unmatched
    failure_error: np.ndarray  # (n, N) float, NaN if unmatched
    quality: np.ndarray  # (n, N)
    amplitude: np.ndarray  # (n, N) amplitude factor of the match, NaN if unmatched
    spurious: np.ndarray  # (n,)
    descending_share: np.ndarray  # (n,) NaN with fewer than two lows
    lows_descending: np.ndarray  # (n,) 1.0 if >= 2 lows, each lower
    score: np.ndarray  # (n,)
    judged: np.ndarray  # (n, K) bool: episode within the scoring horizon
    counts: np.ndarray  # (n,) episodes per run

    def episode_targets(self) -> list[list[str]]:
        """Per run, per episode: the matched target's id, ``spurious``, or ``""``
        (after the scoring horizon)."""
        ids = self.windows.ids
        out: list[list[str]] = []
        for r in range(self.score.shape[0]):
            labels = ["spurious" if self.judged[r, k] else "" for k in range(int(self.counts[r]))]
            for i in np.flatnonzero(self.episode[r] >= 0):
                labels[self.episode[r, i]] = ids[i]
            out.append(labels)
        return out

    @property
    def in_window(self) -> np.ndarray:
        return self.matched & (self.onset_error == 0) & (self.failure_error == 0)

    def metrics(self) -> dict[str, np.ndarray]:
        """The fidelity entries of :func:`resetsim.analysis.metrics.run_metrics`
        (one float per run)."""
        m = self.matched[:, self.applicable]
        w = self.in_window[:, self.applicable]
        out = {
            "fidelity_score": self.score,
            "targets_matched": m.sum(axis=1).astype(float),
            "targets_in_window": w.sum(axis=1).astype(float),
            "spurious": self.spurious.astype(float),
        }
        for i, tid in enumerate(self.windows.ids):
            if self.applicable[i]:
                out[f"match_{tid}"] = self.matched[:, i].astype(float)
        return out

    def summary(self) -> pd.DataFrame:
        """``fidelity.csv``: a row per target, then summary rows (shares over runs)."""
        rows = []
        n = self.score.shape[0]
        for i, t in enumerate(self.windows.spec.targets):
            if not self.applicable[i]:
                continue
            m = self.matched[:, i]
            oe = self.onset_error[m, i]
            fe = self.failure_error[m, i]
            rows.append(
                {
                    "item": t.id,
                    "name": t.name,
                    "onset_window": _wl(self.windows.onset[i]),
                    "failure_window": _wl(self.windows.failure[i]),
                    "matched_share": m.mean(),
                    "in_window_share": self.in_window[:, i].mean(),
                    "amplitude_mean": float(np.mean(self.amplitude[m, i])) if m.any() else np.nan,
                    "quality_mean": float(np.mean(self.quality[:, i])),
                    "onset_error_mean": float(np.mean(oe)) if oe.size else np.nan,
                    "onset_error_max_abs": float(np.max(np.abs(oe))) if oe.size else np.nan,
                    "failure_error_mean": float(np.mean(fe)) if fe.size else np.nan,
                    "failure_error_max_abs": float(np.max(np.abs(fe))) if fe.size else np.nan,
                    "value": m.mean(),
                }
            )
        summary = {
            "spurious_per_run": float(self.spurious.mean()),
            "share_runs_spurious_at_most_1": float((self.spurious <= 1).mean()),
            "lows_descending_share": float(self.lows_descending.mean()),
            "descending_pairs_share": float(np.nanmean(self.descending_share))
            if np.isfinite(self.descending_share).any()
            else np.nan,
            "all_targets_matched_share": float(self.matched[:, self.applicable].all(axis=1).mean()),
            "score_mean": float(self.score.mean()),
            "score_median": float(np.median(self.score)),
            "score_sd": float(self.score.std()),
            "runs": float(n),
        }
        for k, v in summary.items():
            rows.append({"item": k, "value": v})
        cols = [
            "item",
            "name",
            "onset_window",
            "failure_window",
            "matched_share",
            "in_window_share",
            "amplitude_mean",
            "quality_mean",
            "onset_error_mean",
            "onset_error_max_abs",
            "failure_error_mean",
            "failure_error_max_abs",
            "value",
        ]
        return pd.DataFrame(rows, columns=cols)

    def per_run(self) -> pd.DataFrame:
        """One row per run: score, spurious, descending lows, each target's errors."""
        out: dict[str, Any] = {
            "run": np.arange(self.score.shape[0]),
            "score": self.score,
            "spurious": self.spurious,
            "lows_descending": self.lows_descending.astype(bool),
        }
        for i, tid in enumerate(self.windows.ids):
            if not self.applicable[i]:
                continue
            out[f"{tid}_matched"] = self.matched[:, i]
            out[f"{tid}_onset_error"] = self.onset_error[:, i]
            out[f"{tid}_failure_error"] = self.failure_error[:, i]
        return pd.DataFrame(out)

    def text(self) -> list[str]:
        """A few lines for the terminal."""
        lines = [
            f"fidelity to {self.windows.spec.name} ({self.score.shape[0]} runs; "
            f"tolerance {self.windows.tolerance} quarters):"
        ]
        for i, t in enumerate(self.windows.spec.targets):
            if not self.applicable[i]:
                continue
            m = self.matched[:, i]
            oe = self.onset_error[m, i]
            fe = self.failure_error[m, i]
            err = ""
            if m.any():
                err = (
                    f"; mean error onset {np.mean(oe):+.1f} q, "
                    f"failure {np.mean(fe):+.1f} q; amplitude {np.mean(self.amplitude[m, i]):.2f}"
                )
            lines.append(
                f"  {t.id:<18} matched {m.mean():6.1%}, in window "
                f"{self.in_window[:, i].mean():6.1%}{err}"
            )
        lines.append(
            f"  spurious episodes per run {self.spurious.mean():.2f} "
            f"(runs with at most 1: {(self.spurious <= 1).mean():.1%}); "
            f"lows descend within the scored years in {self.lows_descending.mean():.1%} of runs"
        )
        lines.append(
            f"  score mean {self.score.mean():.3f} (median {np.median(self.score):.3f}, "
            f"sd {self.score.std():.3f})"
        )
        return lines


def _ql(q: int) -> str:
    return cal.quarter_label(int(q))


def _wl(window: np.ndarray) -> str:
    return f"{_ql(window[0])}-{_ql(window[1])}"


def applicable_targets(windows: Windows, compiled) -> np.ndarray:
    """Per target: whether its onset window (widened by the tolerance) overlaps
    the scenario's quarters (only those are scored)."""
    on_w = windows.onset - int(compiled.quarters[0])
    tol = windows.tolerance
    return (on_w[:, 1] >= -tol) & (on_w[:, 0] <= int(compiled.n_ticks) - 1)


def metric_names(windows: Windows, compiled) -> list[str]:
    """The names :meth:`Scores.metrics` returns for this scenario, without a run."""
    ok = applicable_targets(windows, compiled)
    matches = [f"match_{tid}" for i, tid in enumerate(windows.ids) if ok[i]]
    return ["fidelity_score", "targets_matched", "targets_in_window", "spurious", *matches]


def _align(onset_eff, failure, judged, rise, drop, on_w, fa_w, min_rise, min_fall, tol, T):
    """The order-preserving alignment of targets and episodes, vectorised over
    runs (the reference :func:`resetsim.analysis.alignment.align` compiles):
    the matched episode of each target, the match's onset and failure errors,
    quality and amplitude ``(n, N)``, and which episodes are used ``(n, K)``."""
    n, K = onset_eff.shape
    N = len(min_rise)
    # pairwise errors (n, N, K)
    oe = _dist(onset_eff[:, None, :], on_w[:, 0][None, :, None], on_w[:, 1][None, :, None])
    fail = failure[:, None, :]
    c = fa_w[:, 0][None, :, None]
    d = fa_w[:, 1][None, :, None]
    open_err = np.where(d >= T - 1, 0, (T - 1) - d) * np.ones_like(fail)
    fe = np.where(fail >= 0, _dist(fail, c, d), open_err)
    allowed = judged[:, None, :] & (np.abs(oe) <= tol)
    qual = 0.5 * np.maximum(0.0, 1.0 - np.abs(oe) / tol) + 0.5 * np.maximum(
        0.0, 1.0 - np.abs(fe) / tol
    )
    amp = _ratio(rise[:, None, :], min_rise[None, :, None]) * _ratio(
        drop[:, None, :], min_fall[None, :, None]
    )
    qual = qual * amp
    val = np.where(allowed, 1.0 + qual, -np.inf)

    # V[i, j] = best value using the first i targets and the first j episodes
    V = np.zeros((N + 1, K + 1, n))
    move = np.zeros((N + 1, K + 1, n), dtype=np.int8)  # 0 skip target, 1 skip ep, 2 match
    for i in range(1, N + 1):
        V[i, 0] = V[i - 1, 0]
        for j in range(1, K + 1):
            skip_t = V[i - 1, j]
            skip_e = V[i, j - 1]
            take = V[i - 1, j - 1] + val[:, i - 1, j - 1]
            best = np.maximum(np.maximum(skip_t, skip_e), take)
            mv = np.where(take >= best, 2, np.where(skip_t >= skip_e, 0, 1))
            V[i, j] = best
            move[i, j] = mv
    episode = np.full((n, N), -1, dtype=np.int64)
    i = np.full(n, N)
    j = np.full(n, K)
    rows = np.arange(n)
    for _ in range(N + K):
        active = (i > 0) & (j > 0)
        if not active.any():
            break
        mv = move[i, j, rows]
        take = active & (mv == 2)
        episode[rows[take], i[take] - 1] = j[take] - 1
        i = np.where(active & (mv != 1), i - 1, i)
        j = np.where(active & (mv != 0), j - 1, j)

    matched = episode >= 0
    e = np.maximum(episode, 0)
    tgt = np.arange(N)[None, :]
    if K == 0:  # no run has an episode: nothing to gather (a column of NaN)
        oe = fe = np.full((n, N, 1), np.nan)
        qual = amp = np.zeros((n, N, 1))
    onset_error = np.where(matched, oe[rows[:, None], tgt, e], np.nan).astype(float)
    failure_error = np.where(matched, fe[rows[:, None], tgt, e], np.nan).astype(float)
    quality = np.where(matched, qual[rows[:, None], tgt, e], 0.0)
    amplitude = np.where(matched, amp[rows[:, None], tgt, e], np.nan)
    used = np.zeros((n, K), dtype=bool)
    used[rows[:, None].repeat(N, 1)[matched], episode[matched]] = True
    return episode, onset_error, failure_error, quality, amplitude, used


def score(windows: Windows, compiled, ep: Episodes) -> Scores:
    """Score detected episodes ``ep`` (:class:`resetsim.analysis.episodes.Episodes`) of a
    scenario's runs against ``windows``.  Vectorised over runs."""
    q0 = int(compiled.quarters[0])
    T = int(compiled.n_ticks)
    tol = windows.tolerance
    on_w = windows.onset - q0  # ticks
    fa_w = windows.failure - q0
    applicable = applicable_targets(windows, compiled)
    idx = np.flatnonzero(applicable)
    N = len(idx)
    n = ep.n_runs
    K = int(ep.count.max()) if n else 0  # columns beyond any run's count are empty
    exists = ep.exists[:, :K]
    # the scoring horizon: episodes starting later than this are not judged
    horizon = int(fa_w[idx, 1].max()) + tol if N else -1
    onset_eff = np.where(ep.onset[:, :K] >= 0, ep.onset[:, :K], 0)
    judged = exists & (onset_eff <= horizon)

    spec = windows.spec
    min_rise = np.array([_or(spec.targets[i].min_rise, spec.min_rise) for i in idx])
    min_fall = np.array([_or(spec.targets[i].min_fall, spec.min_fall) for i in idx])
    rise = (ep.peak_level - ep.pre_low_level)[:, :K]
    drop = (ep.peak_level - ep.low_level)[:, :K]
    args = (onset_eff, ep.failure[:, :K], judged, rise, drop, on_w[idx], fa_w[idx])
    if n >= episodes.COMPILED_FROM_RUNS:  # the same numbers, compiled
        from resetsim.analysis import alignment  # deferred: numba

        match = alignment.align(*args, min_rise, min_fall, tol, T)
    else:
        match = _align(*args, min_rise, min_fall, tol, T)
    episode, onset_error, failure_error, quality, amplitude, used = match
    matched = episode >= 0
    spurious = (judged & ~used).sum(axis=1)

    # descending post-failure lows within the horizon
    lm = ep.failed[:, :K] & (ep.low[:, :K] >= 0) & (onset_eff <= horizon)
    order = np.argsort(~lm, axis=1, kind="stable")
    lv = np.take_along_axis(np.where(lm, ep.low_level[:, :K], np.nan), order, axis=1)
    k = lm.sum(axis=1)
    if K >= 2:
        pair = np.arange(K - 1)[None, :] < (k - 1)[:, None]
        down = np.where(pair, lv[:, 1:] < lv[:, :-1], False).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            desc_share = np.where(k >= 2, down / np.maximum(k - 1, 1), np.nan)
        lows_desc = np.where(k >= 2, down == k - 1, False).astype(float)
    else:
        desc_share = np.full(n, np.nan)
        lows_desc = np.zeros(n)

    pen = windows.spec.spurious_penalty
    total = quality.sum(axis=1) + np.nan_to_num(desc_share, nan=0.0) - pen * spurious
    sc = np.clip(total / (N + 1), 0.0, 1.0)

    # widen to all targets (non-applicable columns stay unmatched)
    NN = len(windows.ids)

    def widen(a: np.ndarray, fill: Any) -> np.ndarray:
        out = np.full((n, NN), fill, dtype=a.dtype)
        out[:, idx] = a
        return out

    return Scores(
        windows=windows,
        applicable=applicable,
        matched=widen(matched, False),
        episode=widen(episode, -1),
        onset_error=widen(onset_error, np.nan),
        failure_error=widen(failure_error, np.nan),
        quality=widen(quality, 0.0),
        amplitude=widen(amplitude, np.nan),
        spurious=spurious,
        descending_share=desc_share,
        lows_descending=lows_desc,
        score=sc,
        judged=judged,
        counts=ep.count.copy(),
    )


def score_runs(compiled, data, p=None) -> Scores:
    """Detect and score a scenario's recorded runs against its targets file."""
    windows = compiled.reference("targets")
    return score(windows, compiled, detect_runs(compiled, data, p))
