"""One function between the model and everything else: run a scenario.

``run_scenario(scenario, runs, seed)`` returns a :class:`RunResult` (arrays
over runs and ticks, plus the seeds and resolved parameters); the CLI, the
Python API (:func:`resetsim.run`), sweeps and tests all call it.  Replication
seeds come from :func:`resetsim.engines.randomness.replication_seeds`: run
``i`` of base seed ``s`` always gets the same seed, however the runs are
chunked or distributed.

Three engines give the same numbers: ``"compiled"`` (the quarter loop over
runs in numba-compiled code, fastest, the default), ``"ensemble"`` (all runs
at once as numpy arrays) and ``"mesa"`` (one
:class:`~resetsim.engines.model.ResetModel` per run, the reference).  The Mesa
and compiled engines' modules are loaded on first use, so that running on
one engine never imports another's heavy library (Mesa, numba).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from resetsim.engines.columns import columns, leader_columns, output_order
from resetsim.engines.ensemble import Trajectories, chunks, posterior_draws, simulate
from resetsim.engines.randomness import replication_seeds
from resetsim.scenario import Compiled, as_compiled

#: The engines :func:`run_scenario` accepts.
ENGINES = ("compiled", "ensemble", "mesa")
#: The engine used unless one is named.
DEFAULT_ENGINE = "compiled"
#: Runs advanced at once by the ensemble engine (memory stays bounded).
DEFAULT_CHUNK = 4096
#: Where the reference model lives (imported on first use: it imports Mesa).
MODEL_MODULE = "resetsim.engines.model"
#: Where the compiled engine lives (imported on first use: it imports numba).
COMPILED_MODULE = "resetsim.engines.compiled"
#: ``seed_derivation`` as ``meta.json`` states it.
SEED_DERIVATION = (
    "numpy.random.SeedSequence(seed, spawn_key=(run,)).generate_state(2, uint32) -> 63-bit int"
)


def simulator(engine: str) -> Callable[..., Trajectories]:
    """The array engine's ``simulate`` (``"compiled"`` or ``"ensemble"``; same
    signature as :func:`resetsim.engines.ensemble.simulate`)."""
    if engine == "compiled":
        return importlib.import_module(COMPILED_MODULE).simulate
    return simulate


def simulate_mesa(
    compiled: Compiled,
    seeds: Sequence[int],
    params: Mapping[str, float] | None = None,
    record: Sequence[str] | None = None,
    progress: Any = None,
) -> Trajectories:
    """The reference engine: one :class:`~resetsim.engines.model.ResetModel` per seed."""
    model_class = importlib.import_module(MODEL_MODULE).ResetModel

    wanted = list(record) if record is not None else columns(compiled.state_ids)
    data = {c: np.empty((len(seeds), compiled.n_ticks)) for c in wanted}
    drawn = posterior_draws(compiled, seeds, params)
    for i, seed in enumerate(seeds):
        own = {k: float(v[i]) for k, v in drawn.items()}
        model = model_class(compiled, rng=int(seed), params={**own, **dict(params or {})})
        while model.running:
            model.step()
        frame = model.datacollector.get_model_vars_dataframe()
        for c in wanted:
            data[c][i] = frame[c].to_numpy()
        if progress is not None:
            progress.update(1)
    return Trajectories(compiled, np.asarray(seeds, dtype=np.int64), data)


@dataclass
class RunResult:
    """What a batch of runs of one scenario produced.

    ``compiled`` is the scenario as run, ``trajectories`` the recorded arrays,
    ``seed`` the base seed, ``engine`` the engine's name and ``params`` every
    registry parameter as resolved for the runs (defaults, then the
    scenario's, then the caller's overrides).
    """

    compiled: Compiled
    trajectories: Trajectories
    seed: int
    engine: str
    params: dict[str, float]
    overrides: dict[str, float] = field(default_factory=dict)

    @property
    def seeds(self) -> np.ndarray:
        """Each run's seed (derived from :attr:`seed`)."""
        return self.trajectories.seeds

    @property
    def n_runs(self) -> int:
        """The number of runs."""
        return self.trajectories.n_runs

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


def run_scenario(
    scenario: Any,
    runs: int | None = None,
    seed: int | None = None,
    params: Mapping[str, float] | None = None,
    engine: str = DEFAULT_ENGINE,
    record: Sequence[str] | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    progress: bool | None = False,
    on_chunk: Callable[[slice, Trajectories], None] | None = None,
    keep: Sequence[str] | None = None,
    desc: str | None = None,
) -> RunResult:
    """Run a scenario ``runs`` times (default: the scenario's ``runs``).

    ``seed`` defaults to the scenario's ``seed``; ``params`` overrides
    parameters (floats); ``engine`` is ``"compiled"`` (fastest, default),
    ``"ensemble"`` (numpy arrays) or ``"mesa"`` (the agent model, the
    reference).  All give the same numbers.

    ``progress``: a bar on stderr (None: only on a terminal; True: always;
    False: none), labelled ``desc``.  For big batches, ``on_chunk(runs,
    trajectories)`` sees each block of runs as it is simulated (to stream it
    to a file) and ``keep`` names the only columns the result retains, so
    memory holds one block of every column and all runs of ``keep`` only.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; use one of {ENGINES}")
    compiled = as_compiled(scenario)
    sc = compiled.scenario
    runs = sc.runs if runs is None else int(runs)
    seed = sc.seed if seed is None else int(seed)
    if runs < 1:
        raise ValueError("runs must be at least 1")
    seeds = replication_seeds(seed, runs)
    p = compiled.params(params)
    resolved = {k: float(v) for k, v in p.items()}
    bar = _progress(runs, progress, desc or f"{sc.name} ({engine})")
    try:
        if engine == "mesa":
            traj = simulate_mesa(compiled, seeds, params, record, progress=bar)
            if on_chunk is not None:
                on_chunk(slice(0, runs), traj)
            if keep is not None:
                traj = Trajectories(compiled, seeds, {k: traj.data[k] for k in keep})
        else:
            data: dict[str, np.ndarray] = {}
            simulate_chunk = simulator(engine)
            for sl in chunks(runs, chunk_size):
                part = simulate_chunk(compiled, seeds[sl], params, record)
                if on_chunk is not None:
                    on_chunk(sl, part)
                for k in keep if keep is not None else part.data:
                    if k not in data:
                        data[k] = np.empty((runs, compiled.n_ticks), dtype=part.data[k].dtype)
                    data[k][sl] = part.data[k]
                del part
                if bar is not None:
                    bar.update(sl.stop - sl.start)
            traj = Trajectories(compiled, seeds, data)
    finally:
        if bar is not None:
            bar.close()
    return RunResult(compiled, traj, seed, engine, resolved, dict(params or {}))


def _progress(total: int, enabled: bool | None, desc: str):
    if enabled is False:
        return None
    from tqdm.auto import tqdm

    disable = None if enabled is None else not enabled
    return tqdm(total=total, desc=desc, unit="run", disable=disable, file=sys.stderr)
