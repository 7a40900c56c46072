"""What the ladder's rungs read: model quantities, knock-outs, ledger weights,
re-coded events and per-origin recalibration (``resetsim assess``).

* :func:`switch_table` is the one place the ladder reads the knock-outs
  (each contradiction's switch, the leader factor, all contradictions), and
  :func:`model_rungs` turns it into rungs: a mechanism the model has on is
  knocked out (``full_without_<name>``), one it has off is switched on
  (``full_with_<name>``);
* :func:`quantity` turns an ``observes`` name into a ``(runs, ticks)`` array;
* :func:`simulate_rungs` runs the full model and each knock-out on the same
  seeds (common random numbers) and keeps each observed quantity's annual mean;
* :func:`impulse_weights` derives each event kind's sign and weight from the
  kind's own effects: the one-year response of each state's trust to one event
  of the kind (typical intensity) in the scenario with no other dated event,
  against the same runs without it;
* :func:`recode_events` moves every event's intensity by one, at random, kept
  within 1-3 (the event-coding robustness check);
* :func:`recalibrated` reruns the ABC calibration on the evidence up to an origin.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from resetsim.analysis.statistics import weighted_quantile
from resetsim.core import calendar as cal
from resetsim.core import contradictions
from resetsim.core import params as prm
from resetsim.core import shocks as sh
from resetsim.core.columns import DYAD_COLUMNS, STATE_COLUMNS, trust_columns
from resetsim.core.config import Problem, ScenarioError
from resetsim.core.request import DEFAULT_ENGINE
from resetsim.engines.runner import run_scenario
from resetsim.experiments import abc
from resetsim.experiments import evidence as evd
from resetsim.experiments.levels import annual, quantity
from resetsim.experiments.levels import scenario_years as scenario_years  # shared with the ladder
from resetsim.experiments.schema import ALL
from resetsim.scenario import Compiled, compile_scenario
from resetsim.scenario.observations import Observations
from resetsim.scenario.posterior import Posterior

#: Dyad quantities besides the recorded dyad columns.
DERIVED_DYAD = ("relationship_index", "mean_trust")
#: Runs per impulse (the difference is taken on common random numbers).
IMPULSE_RUNS = 16
#: Quarters after the impulse whose mean response is the kind's weight.
IMPULSE_WINDOW = 4
#: The intensity an impulse is given (the kind's typical instance).
IMPULSE_INTENSITY = 2


def switch_table() -> dict[str, dict[str, float]]:
    """The knock-outs the ladder removes, by name: each structural contradiction
    (its switch set to 0), ``leader`` (the leader factor) and ``all`` (every
    contradiction; the leader factor stays, as in the contradictions experiment).
    The ladder's only reading of the contradictions table."""
    out: dict[str, dict[str, float]] = {
        name: {switch: 0.0} for name, switch in prm.CONTRADICTIONS.items()
    }
    out[contradictions.LEADER] = {contradictions.LEADER_SWITCH: 0.0}
    out.update({name: {switch: 0.0} for name, switch in contradictions.OPINION.items()})
    out[ALL] = {switch: 0.0 for switch in prm.CONTRADICTIONS.values()}
    return out


def switched_on(name: str, values: Mapping[str, Any]) -> bool:
    """Whether the mechanism ``name`` of :func:`switch_table` is on in
    ``values`` (a parameter set): some switch of it is not at its knock-out value."""
    return any(float(values[k]) != v for k, v in switch_table()[name].items())


def switched_on_values(knock_out: Mapping[str, float]) -> dict[str, float]:
    """The switches of a knock-out (as :func:`switch_table` gives it) set on,
    at their registry upper bound: the mechanism as the paper has it."""
    return {k: float(prm.PARAM_BY_NAME[k].high) for k in knock_out}


def model_rungs(values: Mapping[str, Any] | None = None) -> dict[str, dict[str, float]]:
    """The model rungs with their parameter overrides, for a model whose
    parameters are ``values`` (default: the registry's defaults): ``full``; for
    each mechanism of :func:`switch_table` that ``values`` switch on,
    ``full_without_<name>`` (knocked out); for each that they switch off,
    ``full_with_<name>`` (switched on at its registry upper bound, as the paper
    has it; not for an opinion mechanism, a rate the paper gives no value
    of: :func:`resetsim.experiments.selection.select` fits it when it is on).
    ``full_with_all`` (every contradiction on) joins when some contradiction
    is off; ``full_without_all`` when some is on."""
    values = prm.defaults() if values is None else values
    out: dict[str, dict[str, float]] = {"full": {}}
    for name, off in switch_table().items():
        on = switched_on_values(off)
        if name == ALL:
            if switched_on(name, values):
                out[f"full_without_{name}"] = off
            if any(float(values[k]) != v for k, v in on.items()):
                out[f"full_with_{name}"] = on
        elif switched_on(name, values):
            out[f"full_without_{name}"] = off
        elif name not in contradictions.OPINION:
            out[f"full_with_{name}"] = on
    return out


def quantity_names(state_ids) -> list[str]:
    """Every name ``observes`` may use for a scenario with these states."""
    return (
        [f"{s}.{v}" for s in state_ids for v in STATE_COLUMNS]
        + [f"dyad.{v}" for v in DYAD_COLUMNS]
        + [f"dyad.{v}" for v in DERIVED_DYAD]
    )


def check_observes(obs: Observations, compiled: Compiled) -> None:
    """Every series must observe a quantity of the scenario (:class:`ScenarioError`
    naming the observations file and the series' ``observes`` otherwise)."""
    names = quantity_names(compiled.state_ids)
    problems = []
    for i, s in enumerate(obs.series):
        if s.observes not in names:
            problems.append(
                Problem(
                    obs.path,
                    f"series[{i}] (id {s.id!r}).observes",
                    f"{s.observes!r} is not a quantity of this scenario; use "
                    f"<state>.<variable> with states {', '.join(compiled.state_ids)} "
                    f"(e.g. {compiled.state_ids[0]}.trust) or dyad.relationship_index, "
                    "dyad.mean_trust, dyad.cooperation",
                )
            )
    if problems:
        raise ScenarioError(problems)


def record_for(compiled: Compiled) -> list[str]:
    """The columns the rungs record: both trusts, cooperation and every state variable."""
    ids = compiled.state_ids
    return [f"{s}_{v}" for s in ids for v in STATE_COLUMNS] + list(DYAD_COLUMNS)


def simulate_rungs(
    compiled: Compiled, obs: Observations, runs: int, seed: int, engine: str = DEFAULT_ENGINE
) -> dict[str, dict[str, np.ndarray]]:
    """``{rung: {series id: (runs, years)}}`` for the full model and every
    knock-out, all on the same seeds (common random numbers), on ``engine``
    (one of :data:`resetsim.core.request.ENGINES`)."""
    return {
        rung: simulate_model(compiled, obs, runs, seed, overrides, engine)
        for rung, overrides in model_rungs(compiled.params()).items()
    }


def simulate_model(
    compiled: Compiled,
    obs: Observations,
    runs: int,
    seed: int,
    overrides: dict[str, float] | None = None,
    engine: str = DEFAULT_ENGINE,
) -> dict[str, np.ndarray]:
    """``{series id: (runs, years)}``: each observed quantity's annual mean in
    ``runs`` runs of the scenario with parameter ``overrides`` (a knock-out)."""
    res = run_scenario(
        compiled, runs, seed, params=overrides or {}, record=record_for(compiled), engine=engine
    )
    data = res.trajectories.data
    return {s.id: annual(quantity(s.observes, data, compiled), compiled) for s in obs.series}


def events_of(compiled: Compiled) -> pd.DataFrame:
    """The scenario's dated events: ``tick``, ``kind``, ``actor`` (state index),
    ``intensity`` and ``share``: 1 in an event's own quarter, and an event
    that lasts (its ``end``) again in each later quarter it goes on with the
    share it repeats there (``lasting_share`` at the point estimate), as the
    model is told it."""
    ids = list(compiled.state_ids)
    share = float(compiled.params()[sh.LASTING_SHARE])
    rows = []
    for m in compiled.markers:
        rows.append((m.tick, m.kind, ids.index(m.actor), m.intensity, 1.0))
        if m.last is not None and share > 0:
            rows += [(t, m.kind, ids.index(m.actor), m.intensity, share)
                     for t in range(m.tick + 1, m.last + 1)]  # fmt: skip
    return pd.DataFrame(rows, columns=["tick", "kind", "actor", "intensity", "share"])


def _with_schedule(compiled: Compiled, sched: np.ndarray) -> Compiled:
    chan = [[int(c) for c in np.flatnonzero(np.any(m != 0, axis=1))] for m in sched]
    slots = [[int(v) for v in np.flatnonzero(np.any(m != 0, axis=0))] for m in sched]
    return replace(compiled, sched=sched, sched_channels=chan, sched_slots=slots, markers=[])


def impulse_tick(compiled: Compiled) -> int:
    """The quarter (tick) at which each kind's impulse is given: the middle of the run."""
    n = compiled.n_ticks
    return max(0, min(n // 2, n - IMPULSE_WINDOW - 1))


def impulse_weights(compiled: Compiled, seed: int, runs: int = IMPULSE_RUNS) -> pd.DataFrame:
    """Per kind and acting state of the scenario's events: the mean change of
    each state's trust (``on_<state>``) and of their mean (``on_dyad``) over the
    :data:`IMPULSE_WINDOW` quarters after one event of the kind, in the scenario
    without its dated events, at the point estimate (the posterior's draws and
    every switch as the scenario has them)."""
    ids = compiled.state_ids
    n = compiled.n_ticks
    t0 = impulse_tick(compiled)
    empty = _with_schedule(compiled, np.zeros_like(compiled.sched))
    cols = trust_columns(ids)
    base = run_scenario(empty, runs, seed, record=cols).trajectories.data
    window = slice(t0 + 1, min(n, t0 + 1 + IMPULSE_WINDOW))
    kinds = compiled.scenario.all_kinds()
    rows = []
    pairs = sorted({(m.kind, ids.index(m.actor)) for m in compiled.markers})
    for kind, actor in pairs:
        sched = np.zeros_like(compiled.sched)
        sched[t0] = sh.effect_matrix(
            kinds[kind],
            actor,
            1 - actor,
            sh.intensity_scale(IMPULSE_INTENSITY),
            compiled.scenario.effect_sizes,
        )
        data = run_scenario(_with_schedule(compiled, sched), runs, seed, record=cols)
        d = [
            float((data.trajectories.data[c][:, window] - base[c][:, window]).mean()) for c in cols
        ]
        rows.append({"kind": kind, "actor": ids[actor], "on_dyad": 0.5 * (d[0] + d[1])})
        rows[-1].update({f"on_{s}": v for s, v in zip(ids, d, strict=True)})
    return pd.DataFrame(rows, columns=["kind", "actor", "on_dyad", *(f"on_{s}" for s in ids)])


def ledger_impulses(
    events: pd.DataFrame, weights: pd.DataFrame, ids, on: str, actor_not: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The ticks and signed impulses of a ledger: each event's weight
    (``weights[on]`` of its kind and actor) times its intensity's effect scale;
    ``actor_not`` keeps only the other side's acts."""
    if events.empty:
        return np.zeros(0, dtype=int), np.zeros(0)
    w = {(r.kind, list(ids).index(r.actor)): getattr(r, on) for r in weights.itertuples()}
    ev = events if actor_not is None else events[events["actor"] != actor_not]
    scale = np.array([sh.intensity_scale(int(i)) for i in ev["intensity"]])
    if "share" in ev:  # an event that lasts, in its later quarters
        scale = scale * ev["share"].to_numpy(dtype=float)
    imp = np.array([w.get((k, int(a)), 0.0) for k, a in zip(ev["kind"], ev["actor"], strict=True)])
    return ev["tick"].to_numpy(dtype=int), imp * scale


def recode_events(compiled: Compiled, rng: np.random.Generator) -> Compiled:
    """The scenario with every dated event's intensity moved by +1 or -1 at
    random and kept within 1-3 (the same posterior and everything else)."""
    sc = compiled.scenario
    moved = []
    for ev in sc.events:
        step = 1 if rng.random() < 0.5 else -1
        moved.append(ev.model_copy(update={"intensity": int(np.clip(ev.intensity + step, 1, 3))}))
    return compile_scenario(sc.model_copy(update={"events": type(sc.events)(moved)}))


#: The quartiles a refit reports of each fitted parameter (``info["quartiles"]``).
QUARTILES = (0.25, 0.5, 0.75)


def fitted_names(compiled: Compiled, fixed: Mapping[str, float]) -> list[str]:
    """The parameters a refit of ``compiled`` calibrates with ``fixed`` held:
    its posterior's, plus the switch of each opinion mechanism that is on (a
    rate fitted whenever it is on, ``data/contradictions.toml``), less those
    ``fixed`` holds and the switch of each opinion mechanism that is off
    (a posterior that calibrates it, run with it set to 0: it stays 0)."""
    values = {**compiled.params(), **fixed}
    names = list(compiled.posterior.names) if compiled.posterior is not None else []
    for name, switch in contradictions.OPINION.items():
        if switched_on(name, values) and switch not in names:
            names.append(switch)
        elif not switched_on(name, values) and switch in names:
            names.remove(switch)
    return [n for n in names if n not in fixed]


def recalibrated(
    compiled: Compiled,
    origin: int,
    seed: int,
    population: int,
    generations: int,
    observations: Any = None,
    fixed: dict[str, float] | None = None,
) -> tuple[Compiled, dict[str, Any]]:
    """The scenario with its posterior replaced by an ABC calibration
    (:mod:`resetsim.experiments.abc`) on the evidence dated up to the end of
    ``origin``; and what it took.  By default the default free parameters on
    the default evidence; with ``observations`` (a read observations file)
    the parameters the scenario's own posterior calibrates, on the observed
    levels up to the origin (``calibrate --evidence levels``).  ``fixed``
    holds parameters at a value during the calibration (a knock-out's
    switches), so each model is fitted as it will be run."""
    start = replace(compiled, posterior=None)
    names: Sequence[str] = abc.PARAMETERS
    if observations is not None and compiled.posterior is not None:
        names = fitted_names(compiled, fixed or {})
    # a series with too few years up to the origin is not scored there, nor fitted
    ev = evd.make_evidence(start, f"{origin}Q4", observations=observations, drop_short=True)
    prior = abc.Prior.registry(names)
    settings = abc.Settings(
        population=population, generations=generations, seed=seed, replicates=2, workers=1
    )
    t0 = time.perf_counter()
    gens = abc.run(start, prior, settings, fixed=fixed, evidence=ev)
    seconds = time.perf_counter() - t0
    last = gens[-1]
    post = Posterior(
        f"recalibrated to {origin}", prior.names, prior.values(last.units), last.weights
    )
    info = {
        "origin": origin,
        "seconds": round(seconds, 2),
        "generations": len(gens),
        "population": population,
        "simulated_runs": int(sum(g.runs for g in gens)),
        "final_tolerance": float(last.tolerance),
        "evidence_until": f"{origin}Q4",
        "evidence": ev.kind,
        "levels_fitted": [s.id for s in ev.levels],
        "parameters": list(names),
        "fixed": dict(fixed or {}),
        # the fit itself, in sample: each fitted parameter's weighted quartiles
        "quartiles": {
            n: [float(v) for v in weighted_quantile(post.values[:, j], post.weights, QUARTILES)]
            for j, n in enumerate(post.names)
        },
    }
    return replace(compiled, posterior=post), info


def calibration_end_year(compiled: Compiled) -> int | None:
    """The last year of evidence the shipped calibration could see (the
    scenario's targets' failure windows and the in-sample turns); None when
    unknown (the scenario names no targets file)."""
    if not compiled.scenario.targets:
        return None
    try:
        ev = evd.make_evidence(replace(compiled, posterior=None))
        windows = compiled.reference("targets")
    except (ScenarioError, ValueError):
        return None
    last = [int(windows.failure[:, 1].max()) // 4]
    last += [cal.parse_quarter(evd.TURN_END[k]) // 4 for k in ev.turns_in]
    return max(last)
