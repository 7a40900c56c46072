"""The record of a batch of runs: trajectories, fired events, resolved parameters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from resetsim.core.columns import leader_columns, output_order
from resetsim.scenario import Compiled

#: How run seeds derive from the base seed (:mod:`resetsim.engines.randomness`),
#: as ``meta.json`` states it.
SEED_DERIVATION = (
    "numpy.random.SeedSequence(seed, spawn_key=(run,)).generate_state(2, uint32) -> 63-bit int"
)
#: The keys of the engines' record of random events in a metrics function's data.
FIRED = "fired"
LEADER_Z = "leader_z"


@dataclass
class Trajectories:
    """Recorded variables, each an array ``(runs, ticks)``, and the engines'
    record of the run's random events.

    ``fired`` is ``(runs, ticks, processes)`` bool: whether each stochastic
    process of the scenario fired in each run and quarter (as the engine drew
    it); ``leader_z`` ``(runs, terms)``: each run's normal draw per leader term
    (a term with ``disposition_sd`` > 0 draws its disposition from it).  Both
    are None when not recorded.
    """

    compiled: Compiled
    seeds: np.ndarray
    data: dict[str, np.ndarray]
    fired: np.ndarray | None = None
    leader_z: np.ndarray | None = None

    @property
    def n_runs(self) -> int:
        return len(self.seeds)

    def __getitem__(self, key: str) -> np.ndarray:
        return self.data[key]

    def with_events(self) -> dict[str, np.ndarray]:
        """The recorded columns plus ``fired`` and ``leader_z`` (when recorded):
        what a metrics function reads (:func:`resetsim.analysis.metrics.run_metrics`)."""
        out = dict(self.data)
        if self.fired is not None:
            out[FIRED] = self.fired
        if self.leader_z is not None:
            out[LEADER_Z] = self.leader_z
        return out

    def fired_events(self) -> pd.DataFrame:
        """The fired random events as a table: ``run``, ``date``, ``process``."""
        c = self.compiled
        if self.fired is None:
            raise ValueError("these trajectories hold no record of fired events")
        r, t, i = np.nonzero(self.fired)
        return pd.DataFrame(
            {
                "run": r,
                "date": np.asarray(c.dates, dtype=object)[t],
                "process": np.asarray(c.proc_ids, dtype=object)[i],
            }
        )


def posterior_draws(
    compiled: Compiled, seeds: Sequence[int], params: Mapping[str, Any] | None = None
) -> dict[str, np.ndarray]:
    """The parameters each run draws from the scenario's posterior (arrays over
    ``seeds``), less those the caller sets in ``params``; empty without one."""
    if compiled.posterior is None:
        return {}
    given = set(params or {})
    return {k: v for k, v in compiled.posterior.draw(seeds).items() if k not in given}


@dataclass
class RunResult:
    """What a batch of runs of one scenario produced.

    ``compiled`` is the scenario as run, ``trajectories`` the recorded arrays,
    ``seed`` the base seed, ``engine`` the engine's name, ``params`` every
    registry parameter as resolved for the runs (defaults, then the
    scenario's, then the caller's overrides) and ``overrides`` the caller's.
    ``forecast`` is the run of the scenario's forecast scenario (same runs,
    seeds, overrides and engine), when it names one and it was run.
    """

    compiled: Compiled
    trajectories: Trajectories
    seed: int
    engine: str
    params: dict[str, float]
    overrides: dict[str, float] = field(default_factory=dict)
    forecast: RunResult | None = None

    @property
    def seeds(self) -> np.ndarray:
        """Each run's seed (derived from :attr:`seed`)."""
        return self.trajectories.seeds

    @property
    def n_runs(self) -> int:
        """The number of runs."""
        return self.trajectories.n_runs

    @property
    def fired(self) -> np.ndarray | None:
        """``(runs, ticks, processes)``: the engines' record of fired random events."""
        return self.trajectories.fired

    def __getitem__(self, key: str) -> np.ndarray:
        """A recorded column as a ``(runs, ticks)`` array."""
        return self.trajectories[key]

    def drawn_parameters(self) -> pd.DataFrame | None:
        """``parameters.csv``: ``run`` and each parameter drawn from the scenario's
        posterior (None when the scenario names none)."""
        drawn = posterior_draws(self.compiled, self.seeds, self.overrides)
        if not drawn:
            return None
        return pd.DataFrame({"run": np.arange(self.n_runs), **drawn})

    def frame(self, runs: slice | None = None) -> pd.DataFrame:
        """Long table: one row per run and tick (``run``, ``date``, variables);
        ``runs`` selects a block of runs."""
        c = self.compiled
        sel = runs if runs is not None else slice(0, self.n_runs)
        index = np.arange(self.n_runs)[sel]
        n, T = len(index), c.n_ticks
        ids = c.state_ids
        out: dict[str, Any] = {
            "run": np.repeat(index, T),
            "date": np.tile(np.array(c.dates), n),
        }
        for k in output_order(ids):
            if k in self.trajectories.data:
                out[k] = self.trajectories[k][sel].reshape(-1)
        for s, col in enumerate(leader_columns(ids)):
            out[col] = np.tile(np.array([nm[s] for nm in c.leader_names]), n)
        return pd.DataFrame(out)

    def write_csv(self, path, block: int = 1000) -> None:
        """``trajectory.csv``, written block by block of runs (memory stays bounded;
        the bytes are those of one ``frame().to_csv``)."""
        with open(path, "w", encoding="utf-8", newline="") as fh:
            for a in range(0, self.n_runs, block):
                part = self.frame(slice(a, min(a + block, self.n_runs)))
                part.to_csv(fh, index=False, header=a == 0, float_format="%.6f")
