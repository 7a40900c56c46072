"""What a Bayesian calibration may look at: the in-sample evidence and the
distance built from it (``resetsim calibrate``, :mod:`resetsim.experiments.abc`).

Four pieces of evidence, each read per run and turned into a discrepancy in
``[0, 1]`` (0 = as the evidence says):

* ``episodes``: the paper's episodes (the scenario's targets file), as the
  fidelity score of :mod:`resetsim.analysis.fidelity`; discrepancy ``1 - score``;
* ``turns``: the paper's six turning points (:mod:`resetsim.analysis.turns`);
  discrepancy ``1 -`` the share of the in-sample turns the run shows;
* ``gallup`` and ``levada``: the observed opinion series to 2013
  (:mod:`resetsim.analysis.observed`) as Spearman rank correlations with
  ``usa_trust`` / ``rus_trust`` at the poll quarters; discrepancy
  ``(1 - rho) / 2`` (a constant run counts as rho = 0).

With an observations file (``resetsim calibrate --evidence levels``) the two
rank discrepancies give way to one per observed series, on its yearly
*levels* to 2013 through the ladder's observation model
(:mod:`resetsim.experiments.levels`): ``level_<series id>``.

A particle's distance is the mean of the discrepancies, each first
averaged over the particle's replicate runs.  The paper's 2016/2020 opinion
figures never enter it.

``train_until`` (a date) keeps only evidence dated up to it: the episode score
is computed on the runs cut at that quarter (a target whose windows reach past
it is judged on what the cut run shows: an open episode whose failure window
is still ahead is not an error); a turn is in sample when its last quarter
(:data:`TURN_END`) is; an opinion row when its quarter is.  ``leave_out``
drops one target (its quality leaves the score, and the episode matched to it
is not counted as spurious) or one turn.  Everything left out is *scored*, not
fitted: :func:`summaries` returns it as ``oos_*`` columns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np

from resetsim.analysis import observed, turns
from resetsim.analysis.episodes import detect_runs
from resetsim.analysis.fidelity import Scores, score
from resetsim.core import calendar as cal
from resetsim.core.columns import detection_columns
from resetsim.experiments import levels as lv

#: The last quarter each turn of :func:`resetsim.analysis.turns.six_turns` reads.
TURN_END: dict[str, str] = {
    "dip_1992_93": "1997Q4",
    "kosovo_low": "2000Q4",
    "rise_after_9_11": "2003Q2",
    "georgia_low": "2010Q4",
    "rise_2009_11": "2011Q4",
    "low_2014_16": "2016Q4",
}
#: The discrepancy components, in the order of the distance.
COMPONENTS: tuple[str, ...] = ("episodes", "turns", "gallup", "levada")


@dataclass(frozen=True)
class Evidence:
    """Which evidence is in sample (fitted) and which is held out (scored)."""

    train_until: int | None = None  # calendar quarter, inclusive
    leave_out: str | None = None
    targets_in: tuple[str, ...] = ()
    targets_out: tuple[str, ...] = ()
    turns_in: tuple[str, ...] = ()
    turns_out: tuple[str, ...] = ()
    n_targets: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    levels: tuple[lv.LevelSeries, ...] = ()  # observed levels (empty: the rank evidence)
    observed_file: str | None = None

    @property
    def kind(self) -> str:
        """``"levels"`` (observed yearly levels) or ``"ranks"`` (the opinion ranks)."""
        return "levels" if self.levels else "ranks"

    @property
    def components(self) -> tuple[str, ...]:
        """The discrepancy components of the distance, in order."""
        if self.levels:
            return ("episodes", "turns", *(f"level_{s.id}" for s in self.levels))
        return COMPONENTS

    def describe(self) -> dict[str, Any]:
        """For ``meta.json``."""
        return {
            "train_until": cal.quarter_label(self.train_until) if self.train_until else None,
            "leave_out": self.leave_out,
            "targets_in_sample": list(self.targets_in),
            "targets_held_out": list(self.targets_out),
            "turns_in_sample": list(self.turns_in),
            "turns_held_out": list(self.turns_out),
            "evidence": self.kind,
            "observed_file": self.observed_file,
            "observed_digest": lv.digest(self.levels) if self.levels else None,
            "observed_rows_in_sample": self._rows_in(),
            "components": list(self.components),
            "distance": f"mean of the {len(self.components)} discrepancies (docs/CALIBRATION.md)",
        }

    def _rows_in(self) -> dict[str, list]:
        if self.levels:
            return {s.id: [int(y) for y in s.years] for s in self.levels}
        return {
            name: [cal.quarter_label(int(q)) for q in _rows(name, self).quarters]
            for name in observed.SERIES
        }


def _rows(name: str, ev: Evidence) -> observed.Series:
    return observed.load_series(name).select(last=ev.train_until)


def make_evidence(
    compiled,
    train_until: str | None = None,
    leave_out: str | None = None,
    observations: Any = None,
    drop_short: bool = False,
):
    """The :class:`Evidence` of a scenario (it must name a targets file).

    ``observations`` (a read observations file) replaces the opinion ranks by
    the observed yearly levels of its series (to 2013 and ``train_until``).
    Raises ``ValueError`` (one line) for an unreadable date, a date outside the
    run, a ``leave_out`` that is neither a target id nor a turn, or a series
    with too few training years (with ``drop_short``, a rolling origin's
    recalibration, such a series is left out of the fit instead:
    :func:`resetsim.experiments.levels.training_levels`).
    """
    windows = compiled.reference("targets")
    ids = list(windows.ids)
    q = None
    if train_until is not None:
        try:
            q = cal.parse_quarter(train_until)
        except ValueError as exc:
            raise ValueError(f"--train-until: {exc}") from None
        if not int(compiled.quarters[0]) + 8 <= q < int(compiled.quarters[-1]):
            raise ValueError(
                f"--train-until {train_until} must fall inside the run, two years after "
                f"its start and before its last quarter"
            )
    if leave_out is not None and leave_out not in ids and leave_out not in turns.TURNS:
        raise ValueError(
            f"--leave-out {leave_out!r} is neither a target ({', '.join(ids)}) nor a turn "
            f"({', '.join(turns.TURNS)})"
        )
    t_in = [
        t for i, t in enumerate(ids) if (q is None or windows.failure[i, 1] <= q) and t != leave_out
    ]
    k_in = [
        k
        for k in turns.TURNS
        if (q is None or cal.parse_quarter(TURN_END[k]) <= q) and k != leave_out
    ]
    levels: tuple[lv.LevelSeries, ...] = ()
    if observations is not None:
        levels = lv.training_levels(observations, compiled, q, drop_short)
    return Evidence(
        levels=levels,
        observed_file=None if observations is None else str(observations.path),
        train_until=q,
        leave_out=leave_out,
        targets_in=tuple(t_in),
        targets_out=tuple(t for t in ids if t not in t_in),
        turns_in=tuple(k_in),
        turns_out=tuple(k for k in turns.TURNS if k not in k_in),
        n_targets=len(ids),
    )


def record_columns(compiled, evidence: Evidence | None = None) -> list[str]:
    """The trajectory columns :func:`summaries` reads."""
    cols = list(detection_columns(compiled.state_ids))
    if evidence is not None and evidence.levels:
        cols += [c for c in lv.record_columns(evidence.levels, compiled) if c not in cols]
    for name in observed.SERIES:
        col = observed.SERIES[name][2]
        if col not in cols:
            cols.append(col)
    return cols


def _subset_score(s: Scores, keep: np.ndarray) -> np.ndarray:
    """The fidelity score over the targets ``keep`` (bool, all targets) only;
    equal to ``s.score`` when ``keep`` is every applicable target."""
    keep = keep & s.applicable
    pen = s.windows.spec.spurious_penalty
    total = (
        s.quality[:, keep].sum(axis=1)
        + np.nan_to_num(s.descending_share, nan=0.0)
        - pen * s.spurious
    )
    return np.clip(total / (keep.sum() + 1), 0.0, 1.0)


def _cut(compiled, ticks: int):
    """A view of ``compiled`` that ends after ``ticks`` quarters (for scoring only)."""
    return SimpleNamespace(
        quarters=compiled.quarters[:ticks],
        n_ticks=ticks,
        state_ids=compiled.state_ids,
        scenario=compiled.scenario,
        params=compiled.params,
    )


def summaries(
    compiled, data: Mapping[str, np.ndarray], p: Any = None, *, evidence: Evidence
) -> dict[str, np.ndarray]:
    """Per run: the in-sample discrepancy components (:data:`COMPONENTS`, as
    ``d_<name>``), the full fidelity score and six-turn share (checks), and
    for held-out evidence the ``oos_*`` skill columns (``oos_episodes``: mean
    quality of the held-out targets; ``oos_turns``: share of the held-out
    turns shown; ``oos_<series>``: share of the opinion rows after
    ``train_until`` whose direction from the last in-sample row the run gets
    right; NaN when the series has no row up to ``train_until``)."""
    ev = evidence
    q0 = int(compiled.quarters[0])
    windows = compiled.reference("targets")
    ids = list(windows.ids)
    det_p = compiled.params()  # detection thresholds are never calibrated ...
    if p is not None and "latent_trust" in p:  # ... but the trust scale is the run's
        det_p = {**det_p, "latent_trust": p["latent_trust"]}
    full = score(windows, compiled, detect_runs(compiled, data, det_p))
    if ev.train_until is not None:
        ticks = ev.train_until - q0 + 1
        # per-run columns (the runs' seeds) pass as they are; trajectories are cut
        cut = {k: v[:, :ticks] if np.ndim(v) == 2 else v for k, v in data.items()}
        view = _cut(compiled, ticks)
        s_in = score(windows, view, detect_runs(view, cut, det_p))
    else:
        s_in = full
    keep = np.array([t != ev.leave_out for t in ids])
    ep_in = _subset_score(s_in, keep)
    m = turns.mean_trust(data, compiled.state_ids)
    six = turns.six_turns(m, q0, turns.V2_MIN_TURN)
    out: dict[str, np.ndarray] = {
        "d_episodes": 1.0 - ep_in,
        "d_turns": 1.0 - np.mean([six[k] for k in ev.turns_in], axis=0)
        if ev.turns_in
        else np.zeros(len(m)),
    }
    if ev.levels:
        out.update(lv.level_discrepancies(ev.levels, compiled, data, p))
    else:
        for name in observed.SERIES:
            ser = _rows(name, ev)
            rho = observed.rank_correlation(np.asarray(data[ser.column]), q0, ser)
            out[f"d_{name}"] = 0.5 * (1.0 - np.nan_to_num(rho, nan=0.0))
    out["fidelity_score"] = np.asarray(full.score, dtype=float)
    out["six_turns"] = np.mean([six[k] for k in turns.TURNS], axis=0)
    if ev.targets_out:
        held = np.array([t in ev.targets_out for t in ids])
        out["oos_episodes"] = full.quality[:, held & full.applicable].mean(axis=1)
    if ev.turns_out:
        out["oos_turns"] = np.mean([six[k] for k in ev.turns_out], axis=0)
    if ev.train_until is not None:
        for name in observed.SERIES:
            ser = observed.load_series(name)
            before = ser.select(last=ev.train_until)
            if len(before.quarters):
                base = int(before.quarters[-1])
                out[f"oos_{name}"] = observed.direction_agreement(
                    np.asarray(data[ser.column]), q0, ser, base
                )
            else:  # no poll before the cut (Levada starts in 1997): no direction to score
                out[f"oos_{name}"] = np.full(len(m), np.nan)
    return {k: np.asarray(v, dtype=float) for k, v in out.items()}


def summary_names(evidence: Evidence) -> list[str]:
    """The columns :func:`summaries` returns for ``evidence``."""
    names = [f"d_{c}" for c in evidence.components] + ["fidelity_score", "six_turns"]
    if evidence.targets_out:
        names.append("oos_episodes")
    if evidence.turns_out:
        names.append("oos_turns")
    if evidence.train_until is not None:
        names += [f"oos_{name}" for name in observed.SERIES]
    return names


def distance(components: Mapping[str, np.ndarray]) -> np.ndarray:
    """The mean of the ``d_<component>`` entries (each already averaged per
    particle): :data:`COMPONENTS`, or those of the levels evidence."""
    keys = [k for k in components if k.startswith("d_")]
    return np.mean([np.asarray(components[k]) for k in keys], axis=0)
