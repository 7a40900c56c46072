"""Sweeps: run an experiment's design in chunks, anywhere, and lose nothing.

:func:`sweep` makes the plan (:func:`~resetsim.experiments.plan.make_plan`:
the run table and its seeds, fixed before anything is dispatched), checks
and locks the output folder (:mod:`~resetsim.experiments.store`), sends the
missing chunks to an executor (:mod:`~resetsim.experiments.executors`),
writes each finished chunk atomically, and at the end :func:`finalize`
combines them, streaming, into ``runs.parquet`` (sorted by ``run``) and
writes ``summary.csv``, the design's figures, ``sobol.csv`` for Sobol'
designs and ``meta.json``.  Results are identical, bit for bit, whatever the
executor and number of workers; an interrupted (even killed) sweep completes
with ``resume=True``.

Layout of ``DIR`` (see ``docs/EXPERIMENTS.md``)::

    manifest.json      hash, plan, state
    runs.parquet       one row per run: run, point, [condition], replication, seed,
                       swept parameter values, metrics
    trajectories.parquet  (trajectories = true) run, tick, date, trust columns, cooperation
    summary.csv        per design point / condition: runs, shares and means with 95% CIs
                       (Sobol' designs: one pooled row; the per-point table is
                       points.parquet)
    sobol.csv          (Sobol') S1, ST with confidence intervals per output and parameter
    heatmap.png | main_effects.png | conditions.png | sobol.png | lhs.png
    meta.json          provenance
"""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from resetsim.core import io
from resetsim.core.request import DEFAULT_ENGINE
from resetsim.experiments import executors
from resetsim.experiments import store as st
from resetsim.experiments.plan import Plan, make_plan
from resetsim.experiments.schema import Experiment, MetricsFn
from resetsim.experiments.summary import (
    meta,
    output_columns,
    outputs,
    sobol_indices,
    summarize,
    summarize_pooled,
)


@dataclass
class SweepResult:
    out: Path
    plan: Plan
    ran_chunks: int
    skipped_chunks: int
    seconds: float
    outputs: list[str]


def sweep(
    experiment: str | Path | Experiment | Plan,
    out: str | Path,
    runs: int | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    resume: bool = False,
    overwrite: bool = False,
    engine: str = DEFAULT_ENGINE,
    metrics_fn: MetricsFn | None = None,
    chunk_size: int | None = None,
    progress: bool | None = None,
    figures: bool = True,
    max_chunks: int | None = None,
    scheduler_timeout: float = 20.0,
    figure_formats: tuple[str, ...] = ("png",),
) -> SweepResult:
    """Run (or resume) an experiment into ``out``.

    ``workers`` = 1 runs in this process, more use a process pool;
    ``scheduler`` (an address such as ``tcp://127.0.0.1:8786``) sends chunks
    to an existing Dask cluster instead.  ``max_chunks`` stops after that
    many new chunks without finishing (for tests and partial runs).
    ``overwrite`` replaces a non-empty ``out`` (a finished sweep, say).
    ``figure_formats``: the figures' formats (png, svg, pdf).
    Nothing is written into ``out`` until the plan is valid and the
    scheduler (if any) is reachable.
    """
    t0 = time.perf_counter()
    if isinstance(experiment, Plan):
        plan = experiment
    else:
        plan = make_plan(
            experiment, runs=runs, engine=engine, metrics_fn=metrics_fn, chunk_size=chunk_size
        )
    out = Path(out)
    done, complete = st.prepare_dir(plan, out, resume, overwrite)
    check_fits(plan, out)
    client = executors.connect(scheduler, scheduler_timeout) if scheduler else None
    try:
        if overwrite:
            st.discard(out)
        figs = tuple(figure_formats) if figures else ()
        return _sweep(plan, out, done, complete, workers, client, progress, figs, max_chunks, t0)
    finally:
        if client is not None:
            client.close()


def check_fits(plan: Plan, out: Path) -> None:
    """Refuse a sweep whose chunks would not fit this machine's memory, or
    whose tables not the disk under ``out`` (before anything is written):
    a chunk of every recorded column per worker, one column over all runs for
    the summaries, and the runs table (and the trajectories, if kept)."""
    T = plan.compiled.n_ticks
    n_cols = len(plan.record)
    per_chunk = plan.chunk_size * T * n_cols * 8 * 3
    memory = per_chunk + plan.n_runs * 8 * 4
    disk = plan.n_runs * (len(plan.metric_names) + len(plan.design.names) + 6) * 8
    if plan.experiment.trajectories:
        disk += plan.n_runs * T * (n_cols + 3) * 8
    io.check_fits(memory, 2 * disk, out, f"{plan.n_runs:,} runs")


def _sweep(plan, out, done, complete, workers, client, progress, figures, max_chunks, t0):
    io.make_dirs(out / st.CHUNK_DIR)
    with st.locked(out):
        st.clean_temp(out)
        if complete and (out / "runs.parquet").exists():
            st.remove_chunks(out)
            return SweepResult(out, plan, 0, plan.n_chunks, time.perf_counter() - t0, [])
        io.write_json(out / st.MANIFEST, st.manifest(plan))
        io.write_marker(out, "sweep", extra=(st.MANIFEST, st.CHUNK_DIR, st.LOCK))
        todo = [k for k in range(plan.n_chunks) if k not in done]
        if max_chunks is not None:
            todo = todo[:max_chunks]
        skipped = sum(b - a for a, b in map(plan.chunk_range, done))
        # with workers, this process mostly waits: it loads matplotlib meanwhile
        early = bool(figures) and (workers > 1 or client is not None)
        ran = _run_chunks(plan, out, todo, workers, client, progress, skipped, early)
        if len(done) + ran < plan.n_chunks:
            return SweepResult(out, plan, ran, len(done), time.perf_counter() - t0, [])
        written = finalize(plan, out, figures=figures)
        io.write_json(out / st.MANIFEST, st.manifest(plan, complete=True))
        st.remove_chunks(out)
        io.write_marker(out, "sweep")
    return SweepResult(out, plan, ran, len(done), time.perf_counter() - t0, written)


def _load_plotting() -> None:
    """Import the figures' modules (matplotlib takes about a second), so that
    the figures do not wait for it after the last chunk."""
    import resetsim.plotting.design  # noqa: F401  deferred: loads matplotlib


def _start_loading_plotting() -> None:
    threading.Thread(target=_load_plotting, name="resetsim-load-plotting").start()


def _run_chunks(
    plan: Plan,
    out: Path,
    todo: list[int],
    workers: int,
    client: Any,
    progress: bool | None,
    skipped_runs: int,
    load_plotting: bool = False,
) -> int:
    if not todo:
        return 0
    tasks = (plan.task(k) for k in todo)
    pool = client is None and workers > 1 and len(todo) > 1
    # a local pool: now, while this thread waits for the pool's fork server
    # (a core is idle then; starting a worker imports nothing the thread does)
    load_now = load_plotting and pool
    if load_now:
        executors.pool_context()
        _start_loading_plotting()
    if client is not None:
        results = executors.dask(tasks, client)
    elif pool:
        results = executors.process_pool(tasks, min(workers, len(todo)))
    else:
        results = executors.in_process(tasks)
    bar = None
    if progress is not False:
        bar = tqdm(
            total=plan.n_runs,
            initial=skipped_runs,
            unit="run",
            unit_scale=True,
            desc=plan.experiment.name,
            disable=None if progress is None else False,
            file=sys.stderr,
            smoothing=0.1,
        )
    n = 0
    try:
        for result in results:
            st.write_chunk(plan, out, result)
            if n == 0 and load_plotting and not load_now and len(todo) > 1:
                # a cluster: once it runs and a chunk is written (an import in
                # a thread holds the import lock, which both may need)
                _start_loading_plotting()
            n += 1
            if bar is not None:
                a, b = plan.chunk_range(result.index)
                bar.update(b - a)
    finally:
        if bar is not None:
            bar.close()
    return n


# --------------------------------------------------------------------------
# finishing: runs.parquet, summary.csv, sobol.csv, figures, meta.json


def finalize(plan: Plan, out: Path, figures: bool | tuple[str, ...] = True) -> list[str]:
    """Combine the chunks and write the summaries; returns the files written.
    ``figures``: False, True (PNG) or the formats to write the figures in."""
    written = ["runs.parquet"]
    chunks = [st.chunk_path(out, k) for k in range(plan.n_chunks)]
    if plan.experiment.trajectories:
        written.append("trajectories.parquet")
    # the tables are combined in a thread (pyarrow works without the GIL) while
    # the summaries, indices and figures are made from the chunk files
    combining = _Background(_combine_tables, plan, out, chunks)
    try:
        written += _summaries(plan, out, chunks, figures)
    finally:
        combining.join()
    io.write_json(out / "meta.json", meta(plan))
    written.append("meta.json")
    return written


def _summaries(plan: Plan, out: Path, chunks: list[Path], figures) -> list[str]:
    written = []
    runs = st.chunks_column_reader(chunks)
    summary = summarize(plan, runs)
    points = None
    if plan.design.type == "sobol":
        # one run per point: the per-point table (~200,000 rows) goes to parquet
        # (in a thread: pyarrow writes without the GIL while the indices and
        # the figure are made), summary.csv pools all runs into one row
        points = _Background(
            io.write_atomic, out / "points.parquet", lambda p: summary.to_parquet(p, index=False)
        )
        written.append("points.parquet")
    try:
        written += _tables_and_figures(plan, out, runs, summary, figures)
    finally:
        if points is not None:
            points.join()
    return written


def _tables_and_figures(plan: Plan, out: Path, runs, summary, figures) -> list[str]:
    written = []
    if plan.design.type == "sobol":
        pooled = summarize_pooled(plan, runs)
        io.write_atomic(out / "summary.csv", lambda p: st.write_csv(pooled, p))
    else:
        io.write_atomic(out / "summary.csv", lambda p: st.write_csv(summary, p))
    written.append("summary.csv")
    sobol = None
    if plan.design.type == "sobol":
        sobol, s2 = sobol_indices(plan, summary)
        io.write_atomic(out / "sobol.csv", lambda p: st.write_csv(sobol, p))
        written.append("sobol.csv")
        if s2 is not None:
            io.write_atomic(out / "sobol_s2.csv", lambda p: st.write_csv(s2, p))
            written.append("sobol_s2.csv")
    if figures:
        figs = design_figures(plan, summary, sobol)
        if figs:
            from resetsim.plotting import save_all  # deferred: loads matplotlib

            formats = ("png",) if figures is True else tuple(figures)
            for name, fig in figs.items():
                stem = out / Path(name).stem
                written += save_all(fig, stem, formats, write=io.write_atomic)
    return written


def _combine_tables(plan: Plan, out: Path, chunks: list[Path]) -> None:
    st.combine(chunks, out / "runs.parquet")
    if plan.experiment.trajectories:
        traj = [st.chunk_path(out, k, "traj") for k in range(plan.n_chunks)]
        st.combine(traj, out / "trajectories.parquet")


class _Background:
    """``fn(*args)`` in a thread; :meth:`join` waits and raises what it raised."""

    def __init__(self, fn, *args):
        self.error: BaseException | None = None

        def run():
            try:
                fn(*args)
            except BaseException as exc:  # re-raised in the caller's thread
                self.error = exc

        self.thread = threading.Thread(target=run, name="resetsim-combine")
        self.thread.start()

    def join(self) -> None:
        self.thread.join()
        if self.error is not None:
            raise self.error


def design_figures(plan: Plan, summary, sobol=None) -> dict[str, Any]:
    """The figures suited to the design, by file name: the experiment's
    ``figures`` (default: its first four outputs)."""
    names = list(plan.experiment.figures or outputs(plan)[:4])
    d = plan.design
    if not names:
        return {}
    # deferred: resetsim.plotting loads matplotlib, which a sweep without
    # figures (and every worker) never needs
    from resetsim.plotting import design as fig

    cols = {name: output_columns(plan, name) for name in names}
    name = plan.experiment.description or plan.experiment.name  # titles: what, not the file id
    if d.type == "conditions":
        title = f"{name}: {plan.replications} runs per condition, 95% CI"
        return {"conditions.png": fig.plot_conditions(summary, cols, title)}
    if d.type == "grid":
        assert d.levels is not None
        figs = {
            "main_effects.png": fig.plot_main_effects(
                summary, cols, d.names, d.values, d.levels, f"{name}: main effects"
            )
        }
        if len(d.names) == 2:
            title = f"{name}: {plan.replications} runs per cell"
            figs["heatmap.png"] = fig.plot_heatmap(summary, cols, d.names, d.levels, title)
        return figs
    if d.type == "lhs":
        first = names[0]
        y = summary[cols[first][0]]
        return {"lhs.png": fig.plot_lhs(y, first, d.names, d.values, f"{name}: {first}")}
    if d.type == "sobol" and sobol is not None:
        return {"sobol.png": fig.plot_sobol(sobol, f"{name}: {plan.n_runs:,} runs")}
    return {}
