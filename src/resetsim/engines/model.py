"""The Mesa model: two state agents driven by :mod:`resetsim.dynamics`.

One step is one calendar quarter, advanced by
:func:`resetsim.engines.step.quarter` (the same function the ensemble engine
uses): the scenario's forcing (leader changes, scheduled and random shocks,
power), then both states *compute* their next drivers from the same current
quarter and only then *commit* them (simultaneous update), then the common
interests move; the DataCollector records the quarter.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from resetsim.core import dynamics as dyn
from resetsim.core import shocks as sh
from resetsim.core.columns import DYAD_COLUMNS, STATE_COLUMNS
from resetsim.core.request import check_request
from resetsim.engines.forcing import initial_state
from resetsim.engines.randomness import draw_randomness
from resetsim.engines.step import quarter
from resetsim.scenario import Compiled, Scenario, as_compiled


class StateAgent(mesa.Agent):
    """A state (USA, Russia, ...): carries its drivers as attributes.

    Thin by design: the update equations are :mod:`resetsim.core.dynamics`,
    applied in the order of :func:`resetsim.engines.step.quarter`; the agent
    holds the state between quarters and hands it over as a mapping.
    """

    VARS = tuple(dyn.STATE_VARS)

    def __init__(self, model: ResetModel, index: int, state_id: str, name: str, values):
        super().__init__(model)
        self.index = index
        self.state_id = state_id
        self.name = name or state_id
        self.update(values)

    @property
    def other(self) -> StateAgent:
        return self.model.states[1 - self.index]

    def variables(self) -> dict[str, Any]:
        """The agent's drivers as a mapping (what the dynamics read)."""
        return {k: getattr(self, k) for k in self.VARS}

    def update(self, values: dict[str, Any]) -> None:
        """Adopt new values of the drivers (the commit of a quarter)."""
        for k, v in values.items():
            setattr(self, k, v)


class ResetModel(mesa.Model):
    """The US-Russia reset -> failure loop (or any dyad a scenario declares).

    One :meth:`step` is one quarter; after the scenario's last quarter
    ``running`` is False and further steps change nothing.

    Parameters
    ----------
    scenario : str, Path, Scenario or Compiled
        Path to a scenario TOML file, a :class:`~resetsim.scenario.Scenario` or
        a compiled one.
    rng : int or None
        Seed for the run's generator; ``None`` draws a fresh one.
    params : dict or None
        Parameter overrides on top of the scenario's (kept for compatibility;
        checked like the keywords).
    **parameters : float
        Registry parameters as keywords (``k_leader=0.5``), so that
        ``mesa.batch_run`` and SolaraViz can set them one by one.

    Raises
    ------
    ValueError
        For an unknown parameter name or a value outside its bounds (naming it).
    """

    def __init__(
        self,
        scenario: str | Path | Scenario | Compiled,
        rng: int | None = None,
        params: dict[str, float] | None = None,
        **parameters: float,
    ):
        if isinstance(rng, np.integer):
            rng = int(rng)
        overrides = {**(params or {}), **parameters}
        check_request(params=overrides, who="ResetModel")
        super().__init__(rng=rng)
        self.compiled = as_compiled(scenario)
        c = self.compiled
        self.p = c.params(overrides)
        self.scales = sh.row_scales(self.p)
        self.noise, self.uniforms, self.leader_z = draw_randomness(
            self.rng, c.n_ticks, c.n_processes, len(c.term_sd)
        )
        self.tick = 0
        states, self.dyad = initial_state(c, self.p)
        specs = c.scenario.states
        self.states = [StateAgent(self, s, specs[s].id, specs[s].name, states[s]) for s in range(2)]
        _release_agent_ids(self)
        #: which random processes fired in each quarter ``(ticks, processes)``, and
        #: as ``(tick, process id)`` pairs
        self.fired = np.zeros((c.n_ticks, c.n_processes), dtype=bool)
        self.event_log: list[tuple[int, str]] = []
        ids = c.state_ids
        reporters: dict[str, Any] = {"date": partial(_date)}
        for s, sid in enumerate(ids):
            for v in STATE_COLUMNS:
                reporters[f"{sid}_{v}"] = partial(_state_value, s, v)
        for v in DYAD_COLUMNS:
            reporters[v] = partial(_dyad_value, v)
        self.datacollector = mesa.DataCollector(model_reporters=reporters)

    # -- time
    @property
    def date(self) -> str:
        """The current quarter's first day (YYYY-MM-DD)."""
        return self.compiled.dates[min(self.tick, self.compiled.n_ticks - 1)]

    def step(self) -> None:
        c = self.compiled
        t = self.tick
        if t >= c.n_ticks:  # past the last quarter: nothing to do
            self.running = False
            return
        view = [a.variables() for a in self.states]
        self.fired[t] = quarter(
            c,
            t,
            view,
            self.dyad,
            self.p,
            self.scales,
            self.uniforms[t],
            self.noise[t],
            self.leader_z,
        )
        for agent, values in zip(self.states, view, strict=True):
            agent.update(values)
        for i in np.flatnonzero(self.fired[t]):
            self.event_log.append((t, c.proc_ids[i]))
        self.datacollector.collect(self)
        self.tick += 1
        if self.tick >= c.n_ticks:
            self.running = False


def _release_agent_ids(model: mesa.Model) -> None:
    """The one use of Mesa's private API, kept here: Mesa 3.3 keeps every model
    alive through ``Agent._ids`` (a class-level dict keyed by model), so a batch
    of runs would hold them all.  Our two agents are made, so drop the entry.
    A Mesa without that dict needs nothing, so this alone does not tie
    resetsim to one Mesa version."""
    ids = getattr(mesa.Agent, "_ids", None)
    if isinstance(ids, dict):
        ids.pop(model, None)


def _state_value(index: int, var: str, model: ResetModel) -> float:
    """Reporter of one agent variable (module-level, so picklable)."""
    return float(getattr(model.states[index], var))


def _dyad_value(var: str, model: ResetModel) -> float:
    return float(model.dyad[var])


def _date(model: ResetModel) -> str:
    return model.date
