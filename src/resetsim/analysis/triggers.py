"""What set each reset off, and the episode table (``episodes.csv``).

A reset's likely *trigger* is the strongest warming cause in the few quarters
before its onset (``det_trigger_lookback``): a leader change to a leader open to
the other side, a scheduled event of a warming kind, or a stochastic event that
fired in the run (the engines' record, :attr:`resetsim.results.Trajectories.fired`).
:func:`warming_score` says how much a shock kind eases relations.
:func:`episode_table` lists every detected episode of every run with its dates,
levels, trigger and, given a targets file, the matched target
(:mod:`resetsim.analysis.fidelity`).  Builds on
:mod:`resetsim.analysis.episodes`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from resetsim.analysis import fidelity
from resetsim.analysis.episodes import Episodes, params_for
from resetsim.core import calendar as cal
from resetsim.core import state
from resetsim.core.shocks import intensity_scale, nominal_delta


def warming_score(
    kind, actor: int, ideologies: Sequence[float] | None = None, sizes: str = "channel"
) -> float:
    """How much a shock kind eases relations (> 0) or strains them (<= 0).

    A sum over its effects: rapport, trust and common interests count up;
    threat, grievance and domestic constraint count down; ideology counts up
    when it moves the more authoritarian side toward the other.  Effects on
    both states count twice.  Each effect counts its size at the registry's
    defaults (``sizes``: the scenario's ``effect_sizes``).
    """
    total = 0.0
    for eff in kind.effects:
        mult = 2.0 if eff.who == "both" else 1.0
        delta = nominal_delta(kind, eff, sizes)
        if eff.var in state.WARMING_VARS:
            total += mult * delta
        elif eff.var in state.COOLING_VARS:
            total -= mult * delta
        elif eff.var == "ideology" and ideologies is not None:
            s = actor if eff.who in ("actor", "both") else 1 - actor
            toward = -1.0 if ideologies[s] >= ideologies[1 - s] else 1.0
            total += mult * toward * delta
    return total


@dataclass
class Candidate:
    tick: int
    label: str
    score: float
    what: str  # "leader" | "event" | "process"


def trigger_candidates(compiled) -> list[Candidate]:
    """Scheduled warming causes: leader changes (to a leader open to the other
    side) and scheduled events of a warming kind, with their strength."""
    sc = compiled.scenario
    kinds = sc.all_kinds()
    ideol = [init["ideology"] for init in compiled.initial]
    events = {ev.id: ev for ev in sc.events}
    out: list[Candidate] = []
    for s, t0, _t1, name in compiled.leader_terms:
        disp = compiled.disposition[t0, s]
        if t0 > 0 and np.isfinite(disp) and disp > 0:
            out.append(
                Candidate(
                    t0, f"leader change: {name} ({compiled.state_ids[s]})", float(disp), "leader"
                )
            )
    for m in compiled.markers:
        ev = events.get(m.id)
        if ev is None or ev.kind not in kinds:
            continue
        actor = compiled.state_ids.index(ev.actor)
        score = warming_score(kinds[ev.kind], actor, ideol, sc.effect_sizes) * intensity_scale(
            ev.intensity
        )
        if score > 0:
            out.append(Candidate(m.tick, m.label, score, "event"))
    return out


def process_candidates(compiled) -> list[tuple[int, str, float]]:
    """Per stochastic process: ``(index, label, warming score)``."""
    sc = compiled.scenario
    kinds = sc.all_kinds()
    ideol = [init["ideology"] for init in compiled.initial]
    out = []
    for i, pr in enumerate(sc.stochastic):
        actor = compiled.state_ids.index(pr.actor)
        score = warming_score(kinds[pr.kind], actor, ideol, sc.effect_sizes) * intensity_scale(
            pr.intensity
        )
        out.append((i, pr.label or pr.id.replace("_", " "), score))
    return out


def name_trigger(
    onset: int,
    lookback: int,
    candidates: Sequence[Candidate],
    fired: np.ndarray | None = None,
    procs: Sequence[tuple[int, str, float]] = (),
) -> Candidate | None:
    """The likely trigger of an onset: the strongest warming cause in the
    quarters ``[onset - lookback, onset]`` (ties: the later one)."""
    best: Candidate | None = None
    a = onset - lookback
    pool = [c for c in candidates if a <= c.tick <= onset]
    if fired is not None:
        for i, label, score in procs:
            if score <= 0:
                continue
            for t in np.flatnonzero(fired[max(a, 0) : onset + 1, i]):
                pool.append(Candidate(int(t) + max(a, 0), label, score, "process"))
    for c in pool:
        if best is None or (c.score, c.tick) > (best.score, best.tick):
            best = c
    return best


# --------------------------------------------------------------------------
# the episode table

#: The columns of ``episodes.csv`` (``target`` only when the scenario has targets).
EPISODE_COLUMNS: tuple[str, ...] = (
    "run",
    "episode",
    "onset",
    "peak",
    "failure",
    "low",
    "onset_level",
    "peak_level",
    "failure_level",
    "low_level",
    "honeymoon",
    "duration",
    "depth",
    "trigger",
    "trigger_date",
    "censored",
    "target",
)


def episode_table(
    compiled,
    ep: Episodes,
    p=None,
    fired: np.ndarray | None = None,
    targets: Any = None,
) -> pd.DataFrame:
    """One row per episode and run (what ``episodes.csv`` holds).

    Dates are ``YYYY-MM-DD`` (the quarter's first day), empty when missing;
    ``honeymoon`` (onset to peak), ``duration`` (onset to failure) in quarters;
    ``depth`` = peak level minus the following low; levels are of the
    relationship index.  ``trigger`` names the likely cause (leader change,
    scheduled event or, given ``fired`` (the engines' record, ``(runs, ticks,
    processes)``), a stochastic event that fired in the run).  ``target`` is
    the matched target's id or ``spurious`` when the scenario has targets.
    """
    p = params_for(compiled, p)
    dates = compiled.dates
    lookback = round(float(np.max(p["det_trigger_lookback"])))
    cands = trigger_candidates(compiled)
    procs: list[tuple[int, str, float]] = []
    if fired is not None and compiled.n_processes:
        procs = process_candidates(compiled)
    else:
        fired = None
    match = None
    if targets is not None:
        match = fidelity.score(targets, compiled, ep).episode_targets()

    def d(t: int) -> str:
        return dates[t] if t >= 0 else ""

    rows = []
    hm, du, de = ep.honeymoon(), ep.duration(), ep.depth()
    for r in range(ep.n_runs):
        for k in range(int(ep.count[r])):
            on = int(ep.onset[r, k])
            trig = None
            if on >= 0:
                trig = name_trigger(
                    on, lookback, cands, fired[r] if fired is not None else None, procs
                )
            row = {
                "run": r,
                "episode": k + 1,
                "onset": d(on),
                "peak": d(int(ep.peak[r, k])),
                "failure": d(int(ep.failure[r, k])),
                "low": d(int(ep.low[r, k])),
                "onset_level": ep.onset_level[r, k],
                "peak_level": ep.peak_level[r, k],
                "failure_level": ep.failure_level[r, k],
                "low_level": ep.low_level[r, k],
                "honeymoon": hm[r, k],
                "duration": du[r, k],
                "depth": de[r, k],
                "trigger": trig.label if trig else "",
                "trigger_date": d(trig.tick) if trig else "",
                "censored": bool(ep.censored[r, k]),
                "target": "",
            }
            if match is not None:
                row["target"] = match[r][k] if k < len(match[r]) else "spurious"
            rows.append(row)
    frame = pd.DataFrame(rows, columns=list(EPISODE_COLUMNS))
    if targets is None:
        frame = frame.drop(columns=["target"])
    return frame


def quarter_label(compiled, tick: int) -> str:
    """``2001Q3`` for a tick of a compiled scenario."""
    return cal.quarter_label(int(compiled.quarters[tick]))
