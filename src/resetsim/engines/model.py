"""The Mesa model: two state agents driven by :mod:`resetsim.dynamics`.

One step is one calendar quarter.  Each quarter the model applies the
scenario's forcing (leader changes, scheduled and random shocks, power), then
both agents *compute* their next state from the same current quarter and only
then *commit* it (simultaneous update), then the common interests move and the
DataCollector records the quarter.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from resetsim.core import dynamics as dyn
from resetsim.core import shocks as sh
from resetsim.engines.ensemble import DYAD_COLUMNS, STATE_COLUMNS
from resetsim.engines.forcing import apply_forcing, draw_randomness, fired_events, initial_state
from resetsim.scenario import Compiled, Scenario, as_compiled


class StateAgent(mesa.Agent):
    """A state (USA, Russia, ...): carries its drivers as attributes."""

    VARS = tuple(dyn.STATE_VARS)

    def __init__(self, model: ResetModel, index: int, state_id: str, name: str, values):
        super().__init__(model)
        self.index = index
        self.state_id = state_id
        self.name = name or state_id
        for k, v in values.items():
            setattr(self, k, v)
        self._next: dict[str, Any] | None = None
        self._willingness: Any = 0.0

    @property
    def other(self) -> StateAgent:
        return self.model.states[1 - self.index]

    def variables(self) -> dict[str, Any]:
        """The agent's drivers as a mapping (what the dynamics read)."""
        return {k: getattr(self, k) for k in self.VARS}

    def engage(self) -> None:
        """Decide this quarter's willingness to cooperate (reads, does not commit)."""
        self._willingness = dyn.engagement(
            self.variables(), self.other.variables(), self.model.dyad, self.model.p
        )

    def compute(self) -> None:
        """Compute next quarter's drivers from the current quarter (no commit)."""
        m = self.model
        self._next = dyn.state_update(
            self.variables(),
            self.other.variables(),
            m.cooperation,
            m.noise[m.tick, self.index],
            m.p,
        )

    def commit(self) -> None:
        """Adopt the computed drivers."""
        for k, v in self._next.items():
            setattr(self, k, v)
        self.willingness = self._willingness
        self._next = None


class ResetModel(mesa.Model):
    """The US-Russia reset -> failure loop (or any dyad a scenario declares).

    Parameters
    ----------
    scenario:
        Path to a scenario TOML file, a :class:`~resetsim.scenario.Scenario` or
        a compiled one.
    rng:
        Seed (an int) for the run's generator; ``None`` draws a fresh one.
    params:
        Parameter overrides on top of the scenario's (floats).
    """

    def __init__(
        self,
        scenario: str | Path | Scenario | Compiled,
        rng: int | None = None,
        params: dict[str, float] | None = None,
    ):
        if isinstance(rng, np.integer):
            rng = int(rng)
        super().__init__(rng=rng)
        self.compiled = as_compiled(scenario)
        c = self.compiled
        self.p = c.params(params)
        self.scales = sh.channel_scales(self.p)
        self.noise, self.uniforms, self.leader_z = draw_randomness(
            self.rng, c.n_ticks, c.n_processes, len(c.term_sd)
        )
        self.tick = 0
        states, self.dyad = initial_state(c, self.p)
        specs = c.scenario.states
        self.states = [StateAgent(self, s, specs[s].id, specs[s].name, states[s]) for s in range(2)]
        # Mesa 3.3 keeps every model alive through Agent._ids (a class-level
        # dict keyed by model); our two agents are made, so drop the entry.
        mesa.Agent._ids.pop(self, None)
        self.cooperation: dict[str, Any] = {}
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
        view = [a.variables() for a in self.states]
        apply_forcing(c, t, view, self.dyad, self.p, self.scales, self.uniforms[t], self.leader_z)
        for agent, values in zip(self.states, view, strict=True):
            for k, v in values.items():
                setattr(agent, k, v)
        for i in fired_events(c, t, self.p, self.uniforms[t]):
            self.event_log.append((t, c.proc_ids[i]))
        # compute, then commit: neither state sees the other's new values
        for agent in self.states:
            agent.engage()
        self.cooperation = dyn.dyad_cooperation(
            self.states[0]._willingness, self.states[1]._willingness, self.dyad, self.p
        )
        for agent in self.states:
            agent.compute()
        for agent in self.states:
            agent.commit()
        self.dyad.update(self.cooperation)
        self.dyad.update(dyn.dyad_update(self.dyad, self.p))
        self.datacollector.collect(self)
        self.tick += 1
        if self.tick >= c.n_ticks:
            self.running = False


def _state_value(index: int, var: str, model: ResetModel) -> float:
    """Reporter of one agent variable (module-level, so picklable)."""
    return float(getattr(model.states[index], var))


def _dyad_value(var: str, model: ResetModel) -> float:
    return float(model.dyad[var])


def _date(model: ResetModel) -> str:
    return model.date
