"""Compiling a validated scenario into per-quarter arrays, what both engines consume."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from resetsim.core import calendar as cal
from resetsim.core import params as prm
from resetsim.core import power as pw
from resetsim.core import shocks as sh
from resetsim.core import state
from resetsim.core.config import ONGOING, Problem, ScenarioError
from resetsim.scenario import references
from resetsim.scenario.load import load
from resetsim.scenario.observations import Observations
from resetsim.scenario.posterior import Posterior
from resetsim.scenario.schema import Scenario


def event_last_tick(ev, start: int, n: int) -> int:
    """The last tick of a run of ``n`` quarters from calendar quarter ``start``
    that event ``ev`` lasts: its own unless it has an ``end`` (a date, or
    ``"ongoing"``: to the run's end), clipped to the run."""
    t = cal.parse_quarter(ev.date) - start
    if ev.end is None:
        return t
    if ev.end == ONGOING:
        return n - 1
    return min(cal.parse_quarter(ev.end) - start, n - 1)


@dataclass
class Marker:
    """A dated event to show on plots and to name episode triggers."""

    tick: int
    id: str
    label: str
    kind: str
    actor: str
    intensity: int = 2
    pinned: bool = False  # `label = true`: always labelled on the trust plot
    last: int | None = None  # the last tick an event that lasts goes on (its `end`)


@dataclass
class Compiled:
    """A scenario as arrays over ticks: what both engines consume."""

    scenario: Scenario
    quarters: np.ndarray  # (T,) quarter index of each tick
    power_base: np.ndarray  # (T, 2)
    initial: list[dict[str, float | None]]  # per state
    interests: dict[str, float]  # explicit initial interests (others: parameter base)
    leader_change: np.ndarray  # (T, 2) bool
    disposition: np.ndarray  # (T, 2) disposition of the leader in office, NaN if none
    # (T, 2) the coded stance (-2..+2) of the leader in office, NaN if none or hand-set;
    # ``disposition`` holds it times the scenario's ``disposition_scale``, the
    # engines each run's (engines.forcing.base_disposition)
    disposition_code: np.ndarray
    term_index: np.ndarray  # (T, 2) index into the scenario's leaders of the term in office, -1
    term_sd: np.ndarray  # (L,) spread of each term's disposition across runs
    leader_names: list[list[str]]  # (T, 2)
    sched: np.ndarray  # (T, R, V): rows (switch channel, size group) x slots
    sched_channels: list[list[int]]  # per tick, rows with any effect
    sched_slots: list[list[int]]  # per tick, slots with any effect
    proc: np.ndarray  # (P, C, V)
    proc_channels: list[list[int]]
    proc_slots: list[list[int]]
    proc_rate: np.ndarray  # (P, T) yearly rate, 0 outside the window
    proc_ids: list[str]
    markers: list[Marker] = field(default_factory=list)
    leader_terms: list[tuple[int, int, int, str]] = field(default_factory=list)
    projection_tick: int | None = None
    posterior: Posterior | None = None  # parameter draws per run (scenario/posterior.py)
    # per state, the share trust starts from with the observed_start switch (NaN: none)
    observed_start: tuple[float, float] = (float("nan"), float("nan"))
    # the other files the scenario names, read once (scenario/references.py) ...
    references: dict[str, Any] = field(default_factory=dict)
    # ... and its forecast scenario (what was known earlier), loaded
    forecast: Scenario | None = None

    @property
    def n_ticks(self) -> int:
        return len(self.quarters)

    @property
    def n_processes(self) -> int:
        return len(self.proc_ids)

    @property
    def state_ids(self) -> tuple[str, str]:
        return self.scenario.state_ids

    @property
    def dates(self) -> list[str]:
        return [cal.iso(int(q)) for q in self.quarters]

    def reference(self, field: str) -> Any:
        """What the file the scenario names in ``field`` holds; raises
        :class:`ScenarioError` when it names none."""
        value = self.references.get(field)
        if value is None:
            f = self.scenario.source or "<scenario>"
            raise ScenarioError([Problem(f, field, f"the scenario names no {field}")])
        return value

    @property
    def targets(self) -> Any:
        """The scenario's targets (:class:`~resetsim.scenario.targets.Windows`), or None."""
        return self.references.get("targets")

    @property
    def patterns(self) -> Any:
        """The scenario's patterns (:class:`~resetsim.scenario.patterns.Patterns`), or None."""
        return self.references.get("patterns")

    @property
    def outcomes(self) -> Any:
        """The questions its forecast is scored on (an ``OutcomesFile``), or None."""
        return self.references.get("outcomes")

    def params(self, overrides: Mapping[str, Any] | None = None) -> prm.Params:
        """Defaults, then the scenario's overrides, then ``overrides`` (may hold arrays)."""
        return prm.resolve(self.scenario.parameters, overrides)


def _nz(matrix: np.ndarray) -> tuple[list[int], list[int]]:
    channels = [int(c) for c in np.flatnonzero(np.any(matrix != 0, axis=1))]
    slots = [int(v) for v in np.flatnonzero(np.any(matrix != 0, axis=0))]
    return channels, slots


def compile_scenario(sc: Scenario) -> Compiled:
    """Turn a validated scenario into per-quarter arrays.

    Parameters
    ----------
    sc : Scenario
        A validated scenario (:func:`resetsim.load`).

    Returns
    -------
    Compiled
        Dates, leader terms, event and process arrays and the power series,
        what the engines run.
    """
    start, end = cal.parse_quarter(sc.start), cal.parse_quarter(sc.end)
    quarters = np.arange(start, end + 1)
    n = len(quarters)
    ids = sc.state_ids
    sidx = {s: i for i, s in enumerate(ids)}
    kinds = sc.all_kinds()

    pwr = sc.power
    power_base = pw.power_series(
        pwr.source,
        ids,
        quarters,
        weights=pwr.weights,
        projection=pwr.projection,
        trend_years=pwr.trend_years,
        constant=pwr.constant,
        file=Path(sc.base_dir) / pwr.file if pwr.file else None,
    )

    initial = []
    for spec in sc.states:
        init = state.fill_defaults(spec.initial.model_dump())
        init["security_services"] = 1.0 if spec.domestic_hawks == "security_services" else 0.0
        initial.append(init)

    leader_change = np.zeros((n, 2), dtype=bool)
    disposition = np.full((n, 2), np.nan)
    disposition_code = np.full((n, 2), np.nan)
    scale = float(prm.resolve(sc.parameters)["disposition_scale"])
    term_index = np.full((n, 2), -1, dtype=int)
    term_sd = np.array([lt.disposition_sd for lt in sc.leaders], dtype=float)
    names = [["", ""] for _ in range(n)]
    terms = []
    for k, lt in enumerate(sc.leaders):
        s = sidx[lt.state]
        a = cal.parse_quarter(lt.start)
        b = cal.parse_quarter(lt.end) if lt.end is not None else end + 1
        t0, t1 = max(a, start) - start, min(b, end + 1) - start
        if t1 <= 0 or t0 >= n:
            continue
        terms.append((s, t0, t1, lt.name))
        leader_change[t0, s] = True
        if lt.disposition_code is not None:
            disposition_code[t0:t1, s] = lt.disposition_code
            disposition[t0:t1, s] = lt.disposition_code * scale
        else:
            disposition[t0:t1, s] = lt.disposition
        term_index[t0:t1, s] = k
        for t in range(t0, t1):
            names[t][s] = lt.name
    terms.sort()

    n_c, n_v = len(sh.ROWS), len(sh.SLOTS)
    sizes = sc.effect_sizes
    sched = np.zeros((n, n_c, n_v))
    markers: list[Marker] = []
    for ev in sc.events:
        t = cal.parse_quarter(ev.date) - start
        actor = sidx[ev.actor]
        target = sidx[ev.target] if ev.target else 1 - actor
        matrix = sh.effect_matrix(
            kinds[ev.kind], actor, target, sh.intensity_scale(ev.intensity), sizes
        )
        sched[t] += matrix
        last = event_last_tick(ev, start, n)
        if last > t:  # it goes on: the later quarters repeat it (scaled by lasting_share)
            sched[t + 1 : last + 1] += sh.lasting(matrix)
        text = ev.label if isinstance(ev.label, str) and ev.label else ev.id.replace("_", " ")
        markers.append(
            Marker(
                t, ev.id, text, ev.kind, ev.actor, ev.intensity, ev.label is True,
                last if last > t else None,
            )
        )  # fmt: skip
    markers.sort(key=lambda m: (m.tick, m.id))
    sched_nz = [_nz(sched[t]) for t in range(n)]

    procs = sc.stochastic
    proc = np.zeros((len(procs), n_c, n_v))
    rate = np.zeros((len(procs), n))
    for i, pr in enumerate(procs):
        actor = sidx[pr.actor]
        target = sidx[pr.target] if pr.target else 1 - actor
        proc[i] = sh.effect_matrix(
            kinds[pr.kind], actor, target, sh.intensity_scale(pr.intensity), sizes
        )
        a = (
            cal.parse_quarter(pr.start) - start
            if pr.start is not None
            else (cal.parse_quarter(sc.projection_start) - start if sc.projection_start else 0)
        )
        b = cal.parse_quarter(pr.end) - start if pr.end is not None else n - 1
        rate[i, a : b + 1] = pr.rate_per_year
    proc_nz = [_nz(proc[i]) for i in range(len(procs))]

    proj = cal.parse_quarter(sc.projection_start) - start if sc.projection_start else None
    refs = references.read_all(sc)
    return Compiled(
        scenario=sc,
        quarters=quarters,
        power_base=power_base,
        initial=initial,
        interests={state.scenario_dyad_var(k): v for k, v in sc.interests.items()},
        leader_change=leader_change,
        disposition=disposition,
        disposition_code=disposition_code,
        term_index=term_index,
        term_sd=term_sd,
        leader_names=names,
        sched=sched,
        sched_channels=[c for c, _ in sched_nz],
        sched_slots=[v for _, v in sched_nz],
        proc=proc,
        proc_channels=[c for c, _ in proc_nz],
        proc_slots=[v for _, v in proc_nz],
        proc_rate=rate,
        proc_ids=[pr.id for pr in procs],
        markers=markers,
        leader_terms=terms,
        projection_tick=proj,
        posterior=refs.pop("posterior", None),
        observed_start=observed_start(
            refs.pop("observed_start", None), sc.state_ids, int(quarters[0]) // 4
        ),
        references=refs,
        forecast=load(references.path_for(sc, "forecast")) if sc.forecast else None,
    )


def observed_start(obs: Observations | None, state_ids, first_year: int) -> tuple[float, float]:
    """Per state, the share its trust starts from with the ``observed_start``
    switch: from the observations file the scenario names in ``observed_start``
    (``obs``, read by :mod:`resetsim.scenario.references`), the first poll
    (``percent`` or ``share``) that observes ``<state id>.trust``, its value in
    the scenario's first year or, when the series starts later, in its earliest
    year (NaN for a state no poll observes, or without the file)."""
    out = [float("nan"), float("nan")]
    if obs is None:
        return (out[0], out[1])
    for i, sid in enumerate(state_ids):
        for series in obs.series:
            if series.observes != f"{sid}.trust" or series.scale == "index":
                continue
            at = np.flatnonzero(series.years >= first_year)
            if len(at) == 0:
                continue
            value = float(series.values[at[0]])
            out[i] = value / 100.0 if series.scale == "percent" else value
            break
    return (out[0], out[1])


def as_compiled(scenario: str | Path | Scenario | Compiled) -> Compiled:
    """Accept a path, a :class:`Scenario` or an already compiled one."""
    if isinstance(scenario, Compiled):
        return scenario
    if not isinstance(scenario, Scenario):
        scenario = load(scenario)
    return compile_scenario(scenario)
