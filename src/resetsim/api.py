"""The Python API: run a scenario in memory and get its tables back.

For notebooks, in the EMA Workbench style (experiments in, outcomes out)::

    import resetsim

    result = resetsim.run("history_1989_2021", runs=100, seed=1)  # a built-in, or a file
    result.frame()      # trajectory.csv as a DataFrame: one row per run and quarter
    result.episodes()   # episodes.csv: one row per detected reset episode
    result.metrics()    # one row per run: run, seed and the run's metrics
    result.forecast()   # forecast.csv, when the scenario names a forecast and outcomes
    result.forecast_frame()  # the forecast's runs (forecast_trajectory.csv)
    result.plot_episodes()      # trust.png as a matplotlib Figure
    result.plot_trajectories()  # the trusts only;  result.plot_fan(): fan.png
    result.seeds        # each run's seed;  result.params: every parameter's value
    result["usa_trust"] # a recorded column as a (runs, quarters) array

    # a parameter changed (checked against the registry: `resetsim params`)
    no_leaders = resetsim.run("example", runs=20, seed=1,
                              params={"k_leader": 0.0})

    # the Mesa agent model instead of the default compiled engine (same numbers)
    same = resetsim.run("example", runs=2, seed=1, engine="mesa")

The tables are exactly those ``resetsim run`` writes for the same scenario,
runs and seed (one definition: :mod:`resetsim.output.tables`).  A design of
many parameter points is :func:`resetsim.evaluate`'s job.

The ladder (docs/LADDER.md): the model, its knock-outs and simpler
explanations scored on observed series, as ``resetsim assess`` does::

    a = resetsim.assess("scenarios/history_1989_2021.toml",
                         "scenarios/targets/observed/training.toml", origins=[2005])
    a.scores            # scores.csv: rung, series, origin, sample, n, spearman, ...
    a.summary           # out of sample, per rung and series, relative to persistence
    a.winner            # the rung with the lowest CRPS
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cached_property
from numbers import Real
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from resetsim.analysis.episodes import Episodes
from resetsim.analysis.forecast import check_forecast, reset_probability
from resetsim.core.request import DEFAULT_ENGINE, check_request
from resetsim.engines.runner import run_forecast, run_scenario
from resetsim.experiments import ladder, selection
from resetsim.experiments.ladder import Assessment
from resetsim.experiments.selection import Selection
from resetsim.output import tables
from resetsim.output.assess import write_assessment
from resetsim.output.progress import Phases
from resetsim.output.run import kept_columns, pattern_columns, write_results
from resetsim.output.selection import write_selection
from resetsim.output.trajectory import TrajectoryWriter, table_name
from resetsim.results import RunResult
from resetsim.scenario import Compiled, Scenario, as_compiled
from resetsim.scenario.observations import Observations, builtin_training, load_observations

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["Assessment", "Result", "assess", "check_params", "run", "run_into"]


class Result:
    """What :func:`run` returns: the runs of one scenario and their tables.

    Attributes: :attr:`compiled` (the scenario as run), :attr:`scenario`,
    :attr:`seed` (the base seed), :attr:`seeds` (each run's), :attr:`params`
    (every registry parameter as the runs used it), :attr:`engine`,
    :attr:`n_runs`, :attr:`raw` (the underlying
    :class:`~resetsim.results.RunResult`).  ``result[column]`` is a
    recorded column as a ``(runs, quarters)`` array.
    """

    def __init__(self, raw: RunResult):
        self.raw = raw

    # -- what was run
    @property
    def compiled(self) -> Compiled:
        """The compiled scenario the runs used."""
        return self.raw.compiled

    @property
    def scenario(self) -> Scenario:
        """The scenario (as loaded, ``extends`` resolved)."""
        return self.raw.compiled.scenario

    @property
    def seed(self) -> int:
        """The base seed."""
        return self.raw.seed

    @property
    def seeds(self) -> np.ndarray:
        """Each run's seed (run ``i`` of base seed ``s`` always gets the same one)."""
        return self.raw.seeds

    @property
    def params(self) -> dict[str, float]:
        """Every registry parameter as the runs used it (defaults, then the
        scenario's, then ``params`` given to :func:`run`)."""
        return dict(self.raw.params)

    @property
    def engine(self) -> str:
        """``"compiled"``, ``"ensemble"`` or ``"mesa"``."""
        return self.raw.engine

    @property
    def n_runs(self) -> int:
        """The number of runs."""
        return self.raw.n_runs

    @property
    def dates(self) -> list[str]:
        """Each quarter's first day (``YYYY-MM-DD``), the trajectory's time axis."""
        return self.raw.compiled.dates

    def __getitem__(self, column: str) -> np.ndarray:
        """A recorded column as a ``(runs, quarters)`` array."""
        return self.raw[column]

    def __len__(self) -> int:
        return self.n_runs

    def __repr__(self) -> str:
        d = self.dates
        return (
            f"<resetsim.Result {self.scenario.name}: {self.n_runs} run(s), "
            f"{d[0]} .. {d[-1]}, engine {self.engine}, seed {self.seed}>"
        )

    # -- the tables
    @cached_property
    def detected(self) -> Episodes:
        """The reset episodes detected in each run, as arrays (what
        :meth:`episodes` tabulates; see :mod:`resetsim.analysis.episodes`)."""
        return tables.detect(self.raw)

    def frame(self) -> pd.DataFrame:
        """The trajectory table of ``trajectory.csv``: one row per run and
        quarter (``run``, ``date``, every recorded variable, each state's
        leader), at full precision (the file rounds to 6 decimals)."""
        return self.raw.frame()

    def episodes(self) -> pd.DataFrame:
        """The episode table of ``episodes.csv``: one row per detected episode
        and run (dates, levels of the relationship index, honeymoon, duration,
        depth, likely trigger and, with targets, the matched target)."""
        return tables.episode_table(self.raw, self.detected)

    def forecast_run(self) -> RunResult | None:
        """The runs of the scenario's forecast scenario (what was known earlier:
        same runs, seeds, overrides and engine), run on first use, once; None
        when the scenario names no forecast or has no projection."""
        if self.raw.forecast is None:
            run_forecast(self.raw)
        return self.raw.forecast

    def forecast_frame(self) -> pd.DataFrame | None:
        """The forecast's runs as the table of ``forecast_trajectory.csv`` (the
        columns of :meth:`frame`), or None without a forecast."""
        run = self.forecast_run()
        return None if run is None else run.frame()

    def forecast(self) -> pd.DataFrame | None:
        """The forecast check of ``forecast.csv``: one row per question of the
        scenario's outcomes file, with the probability the forecast's runs give
        it, the naive forecasts', what happened and the Brier and log scores;
        None when the scenario names no forecast or no outcomes."""
        self.forecast_run()
        check = check_forecast(self.raw)
        return None if check is None else check.table

    def metrics(self) -> pd.DataFrame:
        """One row per run: ``run``, ``seed`` and the metrics of
        :func:`resetsim.analysis.metrics.run_metrics` (episode counts and
        trends, shares of time, final trusts and, when the scenario names a
        targets file, the fidelity metrics)."""
        return tables.metric_table(self.raw)

    # -- the figures (matplotlib Figures, as ``resetsim run`` draws them)
    def plot_trajectories(self, title: str | None = None) -> Figure:
        """Both states' trust over time: every run, the median and the 50% and
        90% bands, leader terms and the scenario's events (the upper part of
        ``trust.png``).  Returns a :class:`matplotlib.figure.Figure`."""
        from resetsim import plotting

        return plotting.plot_trust(self.raw, title=title)

    def plot_episodes(self, run: int | None = None, title: str | None = None) -> Figure:
        """``trust.png`` as ``resetsim run`` writes it: the trusts with the
        reset episodes marked on the relationship index (those of the median
        trajectory, or of run ``run``) and, below, the share of runs with a
        reset onset or failure in each quarter."""
        from resetsim import plotting

        if run is None:
            marks = tables.median_episodes(self.raw) if self.n_runs > 1 else self.episodes()
        else:
            if not 0 <= int(run) < self.n_runs:
                raise ValueError(f"run must be between 0 and {self.n_runs - 1}, got {run!r}")
            table = self.episodes()
            marks = table[table["run"] == int(run)]
        return plotting.plot_run(self.raw, self.detected, marks, title=title)

    def plot_fan(self, observed: bool | str | Path | Observations = True) -> Figure:
        """``fan.png`` of a scenario with a ``projection_start``: the projection
        as fans with the probability of a new reset; when the scenario names a
        ``forecast``, that scenario run on the same seeds drawn over it from
        the scenario's start, with observed training points: ``observed=True``
        the built-in series (as ``resetsim run`` draws them), a path or a read
        observations file its percent series, ``False`` none.
        Raises :class:`ValueError` for a scenario without a projection."""
        from resetsim import plotting

        fc = self.forecast_run() if self.compiled.projection_tick is not None else None
        if observed is True:
            obs = figure_observations(self.compiled)
        elif observed is False or observed is None:
            obs = None
        else:
            obs = observed if isinstance(observed, Observations) else load_observations(observed)
        return plotting.plot_projection(
            self.raw,
            self.detected,
            later_tick=tables.after_scheduled(self.compiled),
            forecast=fc,
            forecast_probability=reset_probability(fc) if fc is not None else None,
            observed=obs,
        )


def figure_observations(c: Compiled) -> Observations | None:
    """The observed points of a forecast's figure: the built-in training
    series when the scenario names a ``forecast`` and has a projection (its
    figure draws each percent series that observes a state's trust), else
    ``None``."""
    if c.forecast is None or c.projection_tick is None:
        return None
    return builtin_training()


def check_params(params: Mapping[str, Any] | None, who: str = "resetsim.run") -> dict[str, float]:
    """Parameter overrides checked against the registry, as floats.

    Raises :class:`ValueError` naming every unknown parameter and every value
    that is not a finite number within the parameter's bounds (as
    :class:`~resetsim.engines.model.ResetModel` does).
    """
    values = {
        str(k): float(v) if isinstance(v, Real) and not isinstance(v, bool) else v
        for k, v in (params or {}).items()
    }
    check_request(params=values, who=who)
    return values


def run(
    scenario: str | Path | Scenario | Compiled,
    runs: int | None = 1,
    seed: int | None = None,
    params: Mapping[str, float] | None = None,
    engine: str = DEFAULT_ENGINE,
) -> Result:
    """Run a scenario ``runs`` times and return a :class:`Result`.

    Parameters
    ----------
    scenario : str, Path, Scenario or Compiled
        A scenario TOML file, the name of a built-in scenario (``"biden_era"``;
        ``resetsim scenarios`` lists them; a file that exists wins), a loaded
        :class:`~resetsim.scenario.Scenario` or a compiled one.
    runs : int or None
        The number of runs (``None``: the scenario's ``runs``).
    seed : int or None
        The base seed (default: the scenario's); run ``i`` gets the same
        seed whatever the number of runs.
    params : mapping or None
        Parameter overrides on top of the scenario's (``resetsim params``
        lists them).
    engine : str
        ``"compiled"`` (fastest, the default), ``"ensemble"`` (numpy
        arrays) or ``"mesa"`` (the agent model, the reference; same numbers).

    Returns
    -------
    Result
        The runs, their tables (``frame()``, ``episodes()``, ``metrics()``)
        and figures (``plot_trajectories()``, ``plot_episodes()``, ``plot_fan()``).

    Raises
    ------
    ValueError
        For an unknown or out-of-bounds parameter, an unknown engine,
        ``runs < 1`` or a negative seed.
    ScenarioError
        For an invalid scenario file (every problem at once).
    """
    overrides = check_params(params)
    check_request(engine=engine, runs=runs, seed=seed, who="resetsim.run")
    raw = run_scenario(scenario, runs=runs, seed=seed, params=overrides, engine=engine)
    return Result(raw)


def run_into(
    stage: Path,
    scenario: Any,
    *,
    runs: int | None = None,
    seed: int | None = None,
    params: Mapping[str, float] | None = None,
    engine: str = DEFAULT_ENGINE,
    table_format: str = "csv",
    progress: bool | None = None,
    on_phase: Callable[[str], None] | None = None,
    chunk_size: int | None = None,
    figure_formats: Sequence[str] = ("png",),
) -> tuple[RunResult, list[str]]:
    """Run a scenario (and its forecast, when it names one) and write everything
    ``resetsim run`` writes into ``stage`` (:func:`resetsim.output.run.write_results`).

    Streaming: the trajectory table (and ``forecast_trajectory.csv``, the
    forecast's runs) is written block by block of runs as they are simulated,
    and only the columns the episodes, figures and summaries read
    (:func:`~resetsim.output.run.kept_columns`) stay in memory for all runs.
    Returns the (thus slimmed) result and the lines to print.  ``progress``
    and ``on_phase`` as in :class:`~resetsim.output.progress.Phases`;
    ``chunk_size`` runs are simulated at once (default: the runner's);
    ``figure_formats`` the figures' formats (png, svg, pdf)."""
    c = as_compiled(scenario)
    phases = Phases(c.scenario.name, progress, on_phase)
    chunking = {} if chunk_size is None else {"chunk_size": chunk_size}
    writer = TrajectoryWriter(stage / table_name(table_format), c, table_format)
    phases.started("simulate")
    try:
        result = run_scenario(
            c,
            runs=runs,
            seed=seed,
            params=params,
            engine=engine,
            progress=progress,
            desc=phases.label("simulate"),
            on_chunk=writer.add,
            keep=kept_columns(c.state_ids) + pattern_columns(c),
            **chunking,
        )
    finally:
        writer.close()
    if c.forecast is not None and c.projection_tick is not None:
        fc = as_compiled(c.forecast)
        path = stage / f"forecast_{table_name(table_format)}"
        writer = TrajectoryWriter(path, fc, table_format)
        try:
            run_forecast(result, on_chunk=writer.add, keep=kept_columns(fc.state_ids), **chunking)
        finally:
            writer.close()
    observed = figure_observations(c)
    return result, write_results(result, stage, phases, figure_formats, observed)


def assess(
    scenario: str | Path | Scenario | Compiled,
    observed: str | Path,
    origins=ladder.DEFAULT_ORIGINS,
    runs: int | None = None,
    seed: int | None = None,
    recalibrate: bool = False,
    coding_draws: int = 0,
    bootstrap: int = 1000,
    engine: str = DEFAULT_ENGINE,
    out: str | Path | None = None,
    overwrite: bool = False,
    recalibrate_levels: bool = False,
) -> Assessment:
    """Score every rung of the ladder on every series of an observations file
    at every origin (what ``resetsim assess`` does) and return an
    :class:`~resetsim.experiments.ladder.Assessment` (``.scores``,
    ``.summary``, ``.models``, ``.predictions``, ``.weights``, ``.coding``,
    ``.meta``, ``.winner``); with ``out``, also write its folder.
    ``recalibrate_levels`` recalibrates per origin the parameters the
    scenario's posterior calibrates, on the observed levels up to the origin
    (``resetsim assess --recalibrate-levels``).

    Raises :class:`~resetsim.ScenarioError` for a bad scenario or observations
    file (naming the file and the field) and :class:`ValueError` for bad
    settings.
    """
    check_request(engine=engine, runs=runs, seed=seed, who="resetsim.assess")
    if int(coding_draws) < 0 or int(bootstrap) < 0:
        raise ValueError("resetsim.assess: coding_draws and bootstrap must be >= 0")
    result = ladder.assess(
        scenario,
        observed,
        origins=origins,
        runs=runs,
        seed=seed,
        recalibrate=recalibrate or recalibrate_levels,
        recalibrate_levels=recalibrate_levels,
        coding_draws=int(coding_draws),
        n_boot=int(bootstrap),
        engine=engine,
    )
    if out is not None:
        write_assessment(result, out, overwrite=overwrite)
    return result


def select(
    scenario: str | Path | Scenario | Compiled,
    observed: str | Path,
    origins=ladder.DEFAULT_ORIGINS,
    runs: int | None = None,
    seed: int | None = None,
    paper: bool = False,
    bootstrap: int = 1000,
    abc_population: int = ladder.ABC_POPULATION,
    abc_generations: int = ladder.ABC_GENERATIONS,
    engine: str = DEFAULT_ENGINE,
    out: str | Path | None = None,
    overwrite: bool = False,
    params: Mapping[str, float] | None = None,
    aggregate: str = "mean",
) -> Selection:
    """Which mechanisms earn their place (what ``resetsim select`` does; the
    rule in docs/SELECTION.md): backward elimination on the ladder's
    out-of-sample CRPS, each model recalibrated per origin.  ``paper`` starts
    from every contradiction and the leader factor on; ``params`` then sets
    parameters in every model (``--set``: ``{"attitude_memory": 0.05}``
    switches the resting level's memory on, refitted); ``aggregate="log"``
    pools the cells' log CRPS ratios (``--aggregate log``).  Returns a
    :class:`~resetsim.experiments.selection.Selection` (``.steps``,
    ``.cells``, ``.kept``, ``.removed``, ``.meta``); with ``out``, also writes
    its folder.

    Raises :class:`~resetsim.ScenarioError` for a bad scenario or observations
    file and :class:`ValueError` for bad settings (a scenario without a
    posterior among them).
    """
    check_request(params=params, engine=engine, runs=runs, seed=seed, who="resetsim.select")
    sets = {k: float(v) for k, v in (params or {}).items()}
    result = selection.select(
        selection.starting_model(as_compiled(scenario), paper, sets),
        observed,
        origins=origins,
        runs=runs,
        seed=seed,
        n_boot=int(bootstrap),
        abc_population=int(abc_population),
        abc_generations=int(abc_generations),
        engine=engine,
        aggregate=aggregate,
    )
    if out is not None:
        write_selection(result, out, overwrite=overwrite)
    return result
