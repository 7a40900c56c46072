"""One function between the model and everything else: run a scenario.

``run_scenario(scenario, runs, seed)`` returns a :class:`RunResult` (arrays
over runs and ticks, plus the seeds and resolved parameters); the CLI, the
Python API (:func:`resetsim.run`), sweeps and tests all call it.  Replication
seeds come from :func:`resetsim.engines.randomness.replication_seeds`: run
``i`` of base seed ``s`` always gets the same seed, however the runs are
chunked or distributed.

:func:`run_forecast` runs a scenario's forecast scenario next to it (same
runs, seeds and overrides) and attaches it to the result.

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
from dataclasses import replace
from typing import Any

import numpy as np

from resetsim.core.columns import columns
from resetsim.core.request import DEFAULT_ENGINE, check_request
from resetsim.engines.ensemble import chunks, simulate
from resetsim.engines.randomness import replication_seeds
from resetsim.results import RunResult, Trajectories, posterior_draws
from resetsim.scenario import Compiled, as_compiled

#: Runs advanced at once by the ensemble engine (memory stays bounded).
DEFAULT_CHUNK = 4096
#: Where the reference model lives (imported on first use: it imports Mesa).
MODEL_MODULE = "resetsim.engines.model"
#: Where the compiled engine lives (imported on first use: it imports numba).
COMPILED_MODULE = "resetsim.engines.compiled"


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
    fired = np.empty((len(seeds), compiled.n_ticks, compiled.n_processes), dtype=bool)
    leader_z = np.empty((len(seeds), len(compiled.term_sd)))
    drawn = posterior_draws(compiled, seeds, params)
    for i, seed in enumerate(seeds):
        own = {k: float(v[i]) for k, v in drawn.items()}
        model = model_class(compiled, rng=int(seed), params={**own, **dict(params or {})})
        while model.running:
            model.step()
        frame = model.datacollector.get_model_vars_dataframe()
        for c in wanted:
            data[c][i] = frame[c].to_numpy()
        fired[i] = model.fired
        leader_z[i] = model.leader_z
        if progress is not None:
            progress.update(1)
    return Trajectories(compiled, np.asarray(seeds, dtype=np.int64), data, fired, leader_z)


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
    check_request(engine=engine, runs=runs, seed=seed, who="run_scenario")
    compiled = as_compiled(scenario)
    sc = compiled.scenario
    runs = sc.runs if runs is None else int(runs)
    seed = sc.seed if seed is None else int(seed)
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
                traj = Trajectories(
                    compiled, seeds, {k: traj.data[k] for k in keep}, traj.fired, traj.leader_z
                )
        else:
            data: dict[str, np.ndarray] = {}
            fired = np.empty((runs, compiled.n_ticks, compiled.n_processes), dtype=bool)
            leader_z = np.empty((runs, len(compiled.term_sd)))
            simulate_chunk = simulator(engine)
            for sl in chunks(runs, chunk_size):
                part = simulate_chunk(compiled, seeds[sl], params, record)
                fired[sl], leader_z[sl] = part.fired, part.leader_z
                if on_chunk is not None:
                    on_chunk(sl, part)
                for k in keep if keep is not None else part.data:
                    if k not in data:
                        data[k] = np.empty((runs, compiled.n_ticks), dtype=part.data[k].dtype)
                    data[k][sl] = part.data[k]
                del part
                if bar is not None:
                    bar.update(sl.stop - sl.start)
            traj = Trajectories(compiled, seeds, data, fired, leader_z)
    finally:
        if bar is not None:
            bar.close()
    return RunResult(compiled, traj, seed, engine, resolved, dict(params or {}))


def run_forecast(result: RunResult, **options: Any) -> RunResult | None:
    """Run the scenario's forecast (what was known earlier, same period) with
    ``result``'s runs, base seed, parameter overrides, engine and parameter
    treatment (a posterior, or the point estimate when the result's scenario
    was run without one), so run ``i`` of both draws from the same seed.

    Attaches it as ``result.forecast`` and returns it (None when the scenario
    names no forecast or has no projection).  ``options`` go to
    :func:`run_scenario` (``record``, ``on_chunk``, ``keep``, ``progress``, ...).
    """
    c = result.compiled
    scenario = c.forecast
    if scenario is None or c.projection_tick is None:
        return None
    if c.posterior is None and scenario.posterior:
        # the forecast takes the realised run's parameter treatment (--no-posterior)
        scenario = scenario.model_copy(update={"posterior": None})
    if c.posterior is not None:
        # ... and its posterior: run i of both draws the same parameters
        scenario = replace(as_compiled(scenario), posterior=c.posterior)
    result.forecast = run_scenario(
        scenario,
        runs=result.n_runs,
        seed=result.seed,
        params=result.overrides,
        engine=result.engine,
        **options,
    )
    return result.forecast


def _progress(total: int, enabled: bool | None, desc: str):
    if enabled is False:
        return None
    from tqdm.auto import tqdm

    disable = None if enabled is None else not enabled
    return tqdm(total=total, desc=desc, unit="run", disable=disable, file=sys.stderr)
