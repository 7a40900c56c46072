"""Sweeps: run an experiment's design in chunks, anywhere, and lose nothing.

The run table is fixed before anything is dispatched: run ``i`` is replication
``i % R`` of design point ``i // R`` and has seed ``randomness.run_seed(seed, i)``
(or ``run_seed(seed, i % R)`` with ``common_random_numbers``).  The run axis is
cut into chunks of consecutive runs; a chunk is computed whole by one worker
(trajectories with :func:`resetsim.ensemble.simulate` or the Mesa model, then
the metrics) and only its metrics come back.  The parent writes each finished
chunk atomically to ``DIR/chunks/chunk-NNNNNN.parquet``; nothing else about a
chunk depends on where or when it ran, so results are identical, bit for bit,
whatever the executor and number of workers.

``DIR/manifest.json`` records the experiment's hash and the chunk plan, so
``--resume`` runs only the missing chunks (and refuses if the experiment
changed).  At the end the chunks are combined, streaming, into
``runs.parquet`` (sorted by ``run``), then ``summary.csv``, the design's
figures, ``sobol.csv`` for Sobol' designs and ``meta.json`` are written.

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

import fcntl
import math
import multiprocessing as mp
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from resetsim.core import io
from resetsim.core.config import ScenarioError
from resetsim.core.provenance import __version__, code_hash
from resetsim.engines.randomness import run_seeds
from resetsim.experiments import design as xp
from resetsim.scenario import Compiled, compile_scenario
from resetsim.scenario import load as load_scenario

ENGINES = ("ensemble", "mesa")
#: Largest default chunk (runs); smaller experiments are cut into ~32 chunks.
MAX_CHUNK = 10_000
MIN_CHUNK = 100
MANIFEST = "manifest.json"
CHUNK_DIR = "chunks"
FORMAT_VERSION = 1


class SweepError(Exception):
    """A sweep cannot start or resume (exit status 2 in the CLI)."""








# --------------------------------------------------------------------------
# metrics


def basic_metrics(compiled: Compiled, data: Mapping[str, np.ndarray], p: Any = None):
    """A minimal metric set (final and minimum trust, mean cooperation).

    For tests and benchmarks of the sweep machinery; the default is
    :func:`resetsim.episodes.run_metrics`.
    """
    out = {}
    for s in compiled.state_ids:
        trust = data[f"{s}_trust"]
        out[f"{s}_trust_final"] = trust[:, -1].copy()
        out[f"{s}_trust_min"] = trust.min(axis=1)
    coop = data["cooperation"]
    out["mean_cooperation"] = coop.mean(axis=1)
    out["high_cooperation_quarters"] = (coop > 0.5).sum(axis=1).astype(np.int64)
    return out


# --------------------------------------------------------------------------
# the plan


@dataclass
class Plan:
    """Everything that determines a sweep's rows, fixed before dispatch."""

    experiment: xp.Experiment
    compiled: Compiled
    design: xp.DesignPoints
    replications: int
    chunk_size: int
    engine: str
    metrics_fn: xp.MetricsFn
    metric_names: list[str]  # kept metrics (stored per run)
    record: list[str]  # columns the engine records
    shares: list[xp.Share] = field(default_factory=list)
    code: str = ""  # code_hash() when the plan was made
    hash: str = ""

    @property
    def n_runs(self) -> int:
        return self.design.n_points * self.replications

    @property
    def n_chunks(self) -> int:
        return math.ceil(self.n_runs / self.chunk_size)

    def chunk_range(self, k: int) -> tuple[int, int]:
        a = k * self.chunk_size
        return a, min(a + self.chunk_size, self.n_runs)

    def identity(self, a: int, b: int) -> dict[str, np.ndarray]:
        """The fixed columns of runs ``a .. b-1``: run, point, replication, seed, parameters."""
        run = np.arange(a, b, dtype=np.int64)
        point = run // self.replications
        rep = run % self.replications
        base = self.experiment.seed
        seed = run_seeds(base, rep if self.experiment.common_random_numbers else run)
        cols: dict[str, np.ndarray] = {"run": run, "point": point}
        if self.design.labels is not None:
            cols["condition"] = np.asarray(self.design.labels, dtype=object)[point]
        cols["replication"] = rep
        cols["seed"] = seed
        for j, name in enumerate(self.design.names):
            cols[name] = self.design.values[point, j]
        return cols

    def task(self, k: int) -> ChunkTask:
        a, b = self.chunk_range(k)
        ident = self.identity(a, b)
        params = {n: ident[n] for n in self.design.names}
        return ChunkTask(
            index=k,
            compiled=self.compiled,
            seeds=ident["seed"],
            params={**self.design.fixed, **params},
            engine=self.engine,
            record=self.record,
            metrics_fn=self.metrics_fn,
            metrics=self.metric_names,
            trajectories=self.experiment.trajectories,
        )


def auto_chunk_size(n_runs: int) -> int:
    """About 32 chunks, each of ``MIN_CHUNK`` .. ``MAX_CHUNK`` runs (depends on the runs only)."""
    return int(min(MAX_CHUNK, max(MIN_CHUNK, math.ceil(n_runs / 32)), max(n_runs, 1)))


def make_plan(
    experiment: str | Path | xp.Experiment,
    runs: int | None = None,
    engine: str = "ensemble",
    metrics_fn: xp.MetricsFn | None = None,
    chunk_size: int | None = None,
) -> Plan:
    """Load and validate an experiment and fix its run table and chunk plan.

    ``runs`` overrides the replications per design point; ``chunk_size``
    overrides the file's (default: :func:`auto_chunk_size`).
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; use one of {ENGINES}")
    fn = metrics_fn or xp.default_metrics()
    if isinstance(experiment, xp.Experiment):
        exp = experiment
    else:
        exp = xp.load(experiment, metrics_fn=fn)  # every problem at once
    scenario = load_scenario(exp.scenario_path)
    compiled = compile_scenario(scenario)
    names = xp.metric_names(compiled, fn)
    problems = xp.metric_problems(exp, names)
    if problems:
        raise ScenarioError(problems)
    design = xp.build_design(exp, scenario)
    reps = exp.replications if runs is None else int(runs)
    if reps < 1:
        raise ValueError("runs (replications per design point) must be at least 1")
    n_runs = design.n_points * reps
    size = chunk_size or exp.chunk_size or auto_chunk_size(n_runs)
    record = xp.required_columns(compiled, fn)
    if exp.trajectories:
        record += [c for c in trajectory_columns(compiled) if c not in record]
    plan = Plan(
        experiment=exp,
        compiled=compiled,
        design=design,
        replications=reps,
        chunk_size=int(size),
        engine=engine,
        metrics_fn=fn,
        metric_names=xp.kept_metrics(exp, names),
        record=record,
        shares=[xp.parse_share(n, e) for n, e in exp.shares.items()],
        code=code_hash(),
    )
    plan.hash = xp.experiment_hash(exp, scenario, _plan_key(plan))
    return plan


def _plan_key(plan: Plan) -> dict[str, Any]:
    return {
        "code": plan.code,
        "replications": plan.replications,
        "chunk_size": plan.chunk_size,
        "engine": plan.engine,
        "metrics_fn": f"{plan.metrics_fn.__module__}.{plan.metrics_fn.__qualname__}",
        "metrics": plan.metric_names,
        "format": FORMAT_VERSION,
    }


def trajectory_columns(compiled: Compiled) -> list[str]:
    return [f"{s}_trust" for s in compiled.state_ids] + ["cooperation"]


# --------------------------------------------------------------------------
# one chunk (runs in a worker)


@dataclass
class ChunkTask:
    """One chunk's work: picklable, self-contained."""

    index: int
    compiled: Compiled
    seeds: np.ndarray
    params: dict[str, Any]
    engine: str
    record: list[str]
    metrics_fn: xp.MetricsFn
    metrics: list[str]
    trajectories: bool


@dataclass
class ChunkResult:
    index: int
    metrics: dict[str, np.ndarray]
    trajectories: dict[str, np.ndarray] | None
    seconds: float


def simulate_chunk(task: ChunkTask) -> dict[str, np.ndarray]:
    """The chunk's recorded trajectories, ``(runs, ticks)`` each."""
    n = len(task.seeds)
    if task.engine == "mesa":
        from resetsim.engines.runner import simulate_mesa

        T = task.compiled.n_ticks
        data = {c: np.empty((n, T)) for c in task.record}
        for i, seed in enumerate(task.seeds):
            p = {k: float(v[i]) if np.ndim(v) else float(v) for k, v in task.params.items()}
            one = simulate_mesa(task.compiled, [int(seed)], p, task.record)
            for c in task.record:
                data[c][i] = one.data[c][0]
        return data
    from resetsim.engines.ensemble import simulate

    return simulate(task.compiled, task.seeds, task.params, task.record).data


def run_chunk(task: ChunkTask) -> ChunkResult:
    """Simulate a chunk, compute its metrics, keep what the experiment stores."""
    t0 = time.perf_counter()
    data = simulate_chunk(task)
    n = len(task.seeds)
    p = task.compiled.params(task.params)
    values = task.metrics_fn(task.compiled, data, p)
    metrics = {}
    for name in task.metrics:
        v = np.asarray(values[name])
        if v.shape != (n,):
            raise ValueError(f"metric {name!r} has shape {v.shape}, expected ({n},)")
        metrics[name] = v
    traj = None
    if task.trajectories:
        traj = {c: data[c] for c in trajectory_columns(task.compiled)}
    return ChunkResult(task.index, metrics, traj, time.perf_counter() - t0)


# --------------------------------------------------------------------------
# executors: each yields ChunkResults as chunks finish


def _inprocess(tasks: Iterator[ChunkTask]) -> Iterator[ChunkResult]:
    for task in tasks:
        yield run_chunk(task)


def _windowed(
    submit: Callable[[ChunkTask], Any],
    tasks: Iterator[ChunkTask],
    window: int,
    wait_some: Callable[[set], tuple[set, set]],
) -> Iterator[ChunkResult]:
    """Keep at most ``window`` chunks in flight; yield results as they finish."""
    pending: set = set()
    exhausted = False
    while True:
        while not exhausted and len(pending) < window:
            try:
                pending.add(submit(next(tasks)))
            except StopIteration:
                exhausted = True
        if not pending:
            return
        done, pending = wait_some(pending)
        for fut in done:
            yield fut.result()


def _ignore_sigint() -> None:
    """Workers leave Ctrl-C to the parent, which stops the pool cleanly."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _worker_init(parent_pid: int) -> None:
    """Ignore Ctrl-C, and exit if the sweep's process dies (even by SIGKILL, which
    gives the pool no chance to stop its workers)."""
    import threading

    _ignore_sigint()

    def watch() -> None:
        while True:
            time.sleep(1.0)
            try:
                os.kill(parent_pid, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:  # pragma: no cover - pid reused by another user
                os._exit(1)

    threading.Thread(target=watch, name="resetsim-parent-watch", daemon=True).start()


def _processes(tasks: Iterator[ChunkTask], workers: int) -> Iterator[ChunkResult]:
    # an explicit start method: mesa.batchrunner sets the global one to spawn
    # on import, and fork is unsafe with threads; forkserver starts fastest
    method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
    ctx = mp.get_context(method)
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=ctx, initializer=_worker_init, initargs=(os.getpid(),)
    ) as ex:
        try:
            yield from _windowed(
                lambda t: ex.submit(run_chunk, t),
                tasks,
                2 * workers,
                lambda fs: tuple(wait(fs, return_when=FIRST_COMPLETED)),
            )
        except BaseException:
            ex.shutdown(wait=False, cancel_futures=True)
            raise


def connect(address: str, timeout: float = 20.0):
    """A ``distributed.Client`` for an existing Dask scheduler (SweepError if unreachable)."""
    from distributed import Client

    try:
        return Client(address, timeout=f"{timeout}s")
    except (OSError, TimeoutError) as exc:
        raise SweepError(f"cannot reach the Dask scheduler at {address}: {exc}") from None


def _dask(tasks: Iterator[ChunkTask], client) -> Iterator[ChunkResult]:
    from distributed import wait as dwait

    n = max(1, sum(client.nthreads().values()))

    def wait_some(fs):
        res = dwait(list(fs), return_when="FIRST_COMPLETED")
        return set(res.done), set(res.not_done)

    yield from _windowed(lambda t: client.submit(run_chunk, t, pure=False), tasks, 2 * n, wait_some)


# --------------------------------------------------------------------------
# files


def chunk_path(out: Path, k: int, kind: str = "chunk") -> Path:
    return out / CHUNK_DIR / f"{kind}-{k:06d}.parquet"


def _arrow_table(cols: Mapping[str, np.ndarray]):
    import pyarrow as pa

    arrays = {}
    for k, v in cols.items():
        arrays[k] = pa.array(v, type=pa.string()) if v.dtype == object else pa.array(v)
    return pa.table(arrays)


def _write_parquet(table, path: Path) -> None:
    import pyarrow.parquet as pq

    io.write_atomic(path, lambda p: pq.write_table(table, p))


def write_chunk(plan: Plan, out: Path, result: ChunkResult) -> None:
    """Write a finished chunk (trajectories first: the chunk file marks it done)."""
    a, b = plan.chunk_range(result.index)
    if result.trajectories is not None:
        _write_parquet(
            _trajectory_table(plan, a, b, result.trajectories),
            chunk_path(out, result.index, "traj"),
        )
    cols = plan.identity(a, b)
    cols.update(result.metrics)
    _write_parquet(_arrow_table(cols), chunk_path(out, result.index))


def _trajectory_table(plan: Plan, a: int, b: int, traj: Mapping[str, np.ndarray]):
    T = plan.compiled.n_ticks
    n = b - a
    cols: dict[str, np.ndarray] = {
        "run": np.repeat(np.arange(a, b, dtype=np.int64), T),
        "tick": np.tile(np.arange(T, dtype=np.int64), n),
        "date": np.tile(np.asarray(plan.compiled.dates, dtype=object), n),
    }
    for c, v in traj.items():
        cols[c] = v.reshape(-1)
    return _arrow_table(cols)


def done_chunks(plan: Plan, out: Path) -> set[int]:
    d = out / CHUNK_DIR
    if not d.is_dir():
        return set()
    done = set()
    for k in range(plan.n_chunks):
        if chunk_path(out, k).exists() and (
            not plan.experiment.trajectories or chunk_path(out, k, "traj").exists()
        ):
            done.add(k)
    return done


def _combine(paths: Sequence[Path], target: Path) -> None:
    """Concatenate parquet files (same schema) into one, streaming, atomically."""
    import pyarrow.parquet as pq

    def writer(tmp: Path) -> None:
        w = None
        try:
            for p in paths:
                t = pq.read_table(p)
                if w is None:
                    w = pq.ParquetWriter(tmp, t.schema)
                w.write_table(t)
        finally:
            if w is not None:
                w.close()

    io.write_atomic(target, writer)


def manifest(plan: Plan, complete: bool = False) -> dict[str, Any]:
    exp = plan.experiment
    return {
        "format": FORMAT_VERSION,
        "resetsim_version": __version__,
        "experiment": exp.name,
        "experiment_file": exp.source,
        "hash": plan.hash,
        "design": plan.design.type,
        "parameters": plan.design.names,
        "points": plan.design.n_points,
        "replications": plan.replications,
        "runs": plan.n_runs,
        "chunk_size": plan.chunk_size,
        "chunks": plan.n_chunks,
        "engine": plan.engine,
        "metrics": plan.metric_names,
        "code": plan.code,
        "complete": complete,
    }


class _Lock:
    """An exclusive lock on ``DIR/.lock`` (released by the OS even on SIGKILL)."""

    def __init__(self, out: Path):
        self.path = out / ".lock"
        self.fh = None

    def __enter__(self):
        self.fh = open(self.path, "a")
        try:
            fcntl.flock(self.fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self.fh.close()
            raise SweepError(f"another sweep is writing into {self.path.parent}") from None
        return self

    def __exit__(self, *exc):
        assert self.fh is not None
        fcntl.flock(self.fh, fcntl.LOCK_UN)
        self.fh.close()


def prepare_dir(plan: Plan, out: Path, resume: bool) -> tuple[set[int], bool]:
    """Check ``out`` and return (chunks already done, already complete).

    Without ``resume`` the directory must be absent or empty; with it, it must
    hold a sweep of the same experiment (or be empty).
    """
    import json

    if out.exists() and not out.is_dir():
        raise io.OutputExists(f"{out} exists and is not a directory")
    if not io.is_nonempty_dir(out):
        return set(), False
    if not resume:
        raise io.OutputExists(
            f"{out} is not empty; pass --resume to continue the sweep in it, or choose "
            "another --out"
        )
    mpath = out / MANIFEST
    if not mpath.exists():
        raise io.OutputExists(
            f"{out} is not empty and holds no sweep ({MANIFEST} is missing); choose another --out"
        )
    try:
        old = json.loads(mpath.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SweepError(f"cannot read {mpath}: {exc}") from None
    if old.get("hash") != plan.hash:
        new = manifest(plan)
        diffs = [
            f"{k} was {old.get(k)!r}, now {new[k]!r}"
            for k in ("experiment", "replications", "engine", "chunk_size", "runs", "metrics")
            if old.get(k) != new[k]
        ]
        if old.get("code") != new["code"]:
            diffs.append("resetsim's model code or data changed")
        detail = "; ".join(diffs) if diffs else "the experiment or its scenario was edited"
        raise SweepError(
            f"cannot resume in {out}: it was started with a different experiment ({detail}). "
            "Resume with the same experiment file and options, or choose another --out"
        )
    return done_chunks(plan, out), bool(old.get("complete"))


def _clean_temp(out: Path) -> None:
    """Remove temporary files a killed sweep may have left (``.NAME.xxx.tmp``)."""
    for d in (out, out / CHUNK_DIR):
        if d.is_dir():
            for p in d.glob(".*.tmp"):
                p.unlink(missing_ok=True)


# --------------------------------------------------------------------------
# the sweep


@dataclass
class SweepResult:
    out: Path
    plan: Plan
    ran_chunks: int
    skipped_chunks: int
    seconds: float
    outputs: list[str]


def sweep(
    experiment: str | Path | xp.Experiment | Plan,
    out: str | Path,
    runs: int | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    resume: bool = False,
    engine: str = "ensemble",
    metrics_fn: xp.MetricsFn | None = None,
    chunk_size: int | None = None,
    progress: bool | None = None,
    figures: bool = True,
    max_chunks: int | None = None,
    scheduler_timeout: float = 20.0,
) -> SweepResult:
    """Run (or resume) an experiment into ``out``.

    ``workers`` = 1 runs in this process, more use a process pool;
    ``scheduler`` (an address such as ``tcp://127.0.0.1:8786``) sends chunks
    to an existing Dask cluster instead.  ``max_chunks`` stops after that
    many new chunks without finishing (for tests and partial runs).
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
    done, complete = prepare_dir(plan, out, resume)
    client = connect(scheduler, scheduler_timeout) if scheduler else None
    try:
        return _sweep(plan, out, done, complete, workers, client, progress, figures, max_chunks, t0)
    finally:
        if client is not None:
            client.close()


def _sweep(plan, out, done, complete, workers, client, progress, figures, max_chunks, t0):
    (out / CHUNK_DIR).mkdir(parents=True, exist_ok=True)
    with _Lock(out):
        _clean_temp(out)
        if complete and (out / "runs.parquet").exists():
            shutil.rmtree(out / CHUNK_DIR, ignore_errors=True)
            (out / ".lock").unlink(missing_ok=True)
            return SweepResult(out, plan, 0, plan.n_chunks, time.perf_counter() - t0, [])
        io.write_json(out / MANIFEST, manifest(plan))
        todo = [k for k in range(plan.n_chunks) if k not in done]
        if max_chunks is not None:
            todo = todo[:max_chunks]
        skipped = sum(b - a for a, b in map(plan.chunk_range, done))
        ran = _run_chunks(plan, out, todo, workers, client, progress, skipped)
        if len(done) + ran < plan.n_chunks:
            return SweepResult(out, plan, ran, len(done), time.perf_counter() - t0, [])
        written = finalize(plan, out, figures=figures)
        io.write_json(out / MANIFEST, manifest(plan, complete=True))
        shutil.rmtree(out / CHUNK_DIR, ignore_errors=True)
        (out / ".lock").unlink(missing_ok=True)
    return SweepResult(out, plan, ran, len(done), time.perf_counter() - t0, written)


def _run_chunks(
    plan: Plan,
    out: Path,
    todo: list[int],
    workers: int,
    client: Any,
    progress: bool | None,
    skipped_runs: int,
) -> int:
    if not todo:
        return 0
    tasks = (plan.task(k) for k in todo)
    if client is not None:
        results = _dask(tasks, client)
    elif workers > 1 and len(todo) > 1:
        results = _processes(tasks, min(workers, len(todo)))
    else:
        results = _inprocess(tasks)
    bar = None
    if progress is not False:
        from tqdm.auto import tqdm

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
            write_chunk(plan, out, result)
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


def finalize(plan: Plan, out: Path, figures: bool = True) -> list[str]:
    """Combine the chunks and write the summaries; returns the files written."""
    written = []
    _combine([chunk_path(out, k) for k in range(plan.n_chunks)], out / "runs.parquet")
    written.append("runs.parquet")
    if plan.experiment.trajectories:
        _combine(
            [chunk_path(out, k, "traj") for k in range(plan.n_chunks)], out / "trajectories.parquet"
        )
        written.append("trajectories.parquet")
    summary = summarize(plan, column_reader(out / "runs.parquet"))
    if plan.design.type == "sobol":
        # one run per point: the per-point table (~200,000 rows) goes to parquet,
        # summary.csv pools all runs into one row
        io.write_atomic(out / "points.parquet", lambda p: summary.to_parquet(p, index=False))
        written.append("points.parquet")
        pooled = summarize_pooled(plan, column_reader(out / "runs.parquet"))
        io.write_atomic(out / "summary.csv", lambda p: write_csv(pooled, p))
    else:
        io.write_atomic(out / "summary.csv", lambda p: write_csv(summary, p))
    written.append("summary.csv")
    sobol = None
    if plan.design.type == "sobol":
        sobol, s2 = sobol_indices(plan, summary)
        io.write_atomic(out / "sobol.csv", lambda p: write_csv(sobol, p))
        written.append("sobol.csv")
        if s2 is not None:
            io.write_atomic(out / "sobol_s2.csv", lambda p: write_csv(s2, p))
            written.append("sobol_s2.csv")
    if figures:
        for name, fig in design_figures(plan, summary, sobol).items():
            from resetsim.plotting import save

            io.write_atomic(out / name, lambda p, fig=fig: save(fig, p, format="png", dpi=110))
            written.append(name)
    io.write_json(out / "meta.json", meta(plan))
    written.append("meta.json")
    return written


def write_csv(frame, path: Path) -> None:
    """A DataFrame as CSV, fast (pyarrow; a Sobol' summary has ~200,000 rows):
    plain header, no quotes (names and conditions are identifiers), floats in
    shortest round-trip form, NaN as an empty field."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    table = pa.Table.from_pandas(frame, preserve_index=False)
    with open(path, "wb") as fh:
        fh.write((",".join(table.column_names) + "\n").encode())
        pacsv.write_csv(table, fh, pacsv.WriteOptions(include_header=False, quoting_style="none"))


def column_reader(path: Path) -> Callable[[str], np.ndarray]:
    """``column(name)``: one column of a parquet file as an array, read on demand
    (the summary reads one metric at a time, so memory does not grow with the
    number of metrics)."""
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)

    def column(name: str) -> np.ndarray:
        return pf.read(columns=[name]).column(0).to_numpy()

    return column


def outputs(plan: Plan) -> list[str]:
    """Summary quantities: shares first, then metric means."""
    return [s.name for s in plan.shares] + plan.metric_names


def _t_quantile(n: np.ndarray) -> np.ndarray:
    from scipy.stats import t

    with np.errstate(invalid="ignore"):
        return np.where(n > 1, t.ppf(0.975, np.maximum(n - 1, 1)), np.nan)


def wilson(k: np.ndarray, n: np.ndarray, z: float = 1.959963984540054):
    """Wilson score interval of ``k`` successes in ``n`` trials (95%)."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    return p, centre - half, centre + half


def summarize(plan: Plan, runs: Callable[[str], np.ndarray] | Mapping[str, Any]) -> Any:
    """One row per design point (or condition): runs, shares and means with 95% CIs.

    ``runs`` gives the run table's columns (a mapping such as a DataFrame, or
    a function of the column name such as :func:`column_reader`).  A share
    ``s`` gives columns ``s, s_lo, s_hi`` (Wilson interval); a metric ``m``
    gives ``mean_m, mean_m_lo, mean_m_hi`` (t interval over the runs where
    ``m`` is defined; NaN values are left out).
    """
    import pandas as pd

    def column(name: str) -> np.ndarray:
        v = runs(name) if callable(runs) else runs[name]
        return np.asarray(v)

    P = plan.design.n_points
    point = column("point").astype(np.int64)
    counts = np.bincount(point, minlength=P)
    cols: dict[str, Any] = {}
    conditions = plan.design.type == "conditions"
    if conditions:
        cols["condition"] = list(plan.design.labels or [])
    else:
        cols["point"] = np.arange(P)
        for j, name in enumerate(plan.design.names):
            cols[name] = plan.design.values[:, j]
    cols["runs"] = counts
    for share in plan.shares:
        hit = share.evaluate({m: column(m).astype(float) for m in set(share.metrics)})
        k = np.bincount(point, weights=hit.astype(float), minlength=P)
        p, lo, hi = wilson(k, counts)
        cols[share.name], cols[f"{share.name}_lo"], cols[f"{share.name}_hi"] = p, lo, hi
    for m in plan.metric_names:
        x = column(m).astype(float)
        ok = ~np.isnan(x)
        pt, x = point[ok], x[ok]
        n = np.bincount(pt, minlength=P).astype(float)
        s1 = np.bincount(pt, weights=x, minlength=P)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = s1 / n
            dev = x - mean[pt]
            ss = np.bincount(pt, weights=dev * dev, minlength=P)
            sd = np.sqrt(ss / (n - 1))
            half = _t_quantile(n) * sd / np.sqrt(n)
        cols[f"mean_{m}"], cols[f"mean_{m}_lo"], cols[f"mean_{m}_hi"] = (
            mean,
            mean - half,
            mean + half,
        )
    if conditions:
        for j, name in enumerate(plan.design.names):
            cols[name] = plan.design.values[:, j]
    return pd.DataFrame(cols)


def summarize_pooled(plan: Plan, runs: Callable[[str], np.ndarray] | Mapping[str, Any]) -> Any:
    """One row over all runs of the experiment (shares and means with 95% CIs)."""
    import pandas as pd

    def column(name: str) -> np.ndarray:
        v = runs(name) if callable(runs) else runs[name]
        return np.asarray(v)

    n_all = len(column("point"))
    cols: dict[str, Any] = {"scope": ["all runs"], "runs": [n_all]}
    for share in plan.shares:
        hit = share.evaluate({m: column(m).astype(float) for m in set(share.metrics)})
        p, lo, hi = wilson(np.array([hit.sum()]), np.array([n_all]))
        cols[share.name], cols[f"{share.name}_lo"], cols[f"{share.name}_hi"] = p, lo, hi
    for m in plan.metric_names:
        x = column(m).astype(float)
        x = x[~np.isnan(x)]
        n = np.array([float(len(x))])
        mean = x.mean() if len(x) else np.nan
        sd = x.std(ddof=1) if len(x) > 1 else np.nan
        half = (_t_quantile(n) * sd / np.sqrt(n))[0]
        cols[f"mean_{m}"] = [mean]
        cols[f"mean_{m}_lo"] = [mean - half]
        cols[f"mean_{m}_hi"] = [mean + half]
    return pd.DataFrame(cols)


def sobol_indices(plan: Plan, summary) -> tuple[Any, Any]:
    """First-order and total Sobol' indices (SALib) of each output, with CIs.

    The output of a design point is its mean over replications (a share's
    is the share of its runs).  Outputs undefined at some point (NaN) are
    skipped with a note in the ``note`` column.
    """
    import warnings

    import pandas as pd
    from SALib.analyze import sobol

    d = plan.experiment.design
    assert isinstance(d, xp.SobolDesign)
    problem = plan.design.salib_problem()
    wanted = d.outputs or plan.metric_names
    seed = plan.experiment.seed if d.seed is None else d.seed
    rows, rows2 = [], []
    for name in wanted:
        col = name if name in {s.name for s in plan.shares} else f"mean_{name}"
        y = summary[col].to_numpy(dtype=float)
        if np.isnan(y).any() or np.ptp(y) == 0:
            why = "undefined at some design points" if np.isnan(y).any() else "constant"
            for pname in plan.design.names:
                rows.append({"output": name, "parameter": pname, "note": why})
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = sobol.analyze(
                problem,
                y,
                calc_second_order=d.second_order,
                num_resamples=d.resamples,
                conf_level=d.conf_level,
                seed=seed,
            )
        for j, pname in enumerate(plan.design.names):
            s1, c1, st, ct = res["S1"][j], res["S1_conf"][j], res["ST"][j], res["ST_conf"][j]
            rows.append(
                {
                    "output": name,
                    "parameter": pname,
                    "S1": s1,
                    "S1_conf": c1,
                    "S1_lo": s1 - c1,
                    "S1_hi": s1 + c1,
                    "ST": st,
                    "ST_conf": ct,
                    "ST_lo": st - ct,
                    "ST_hi": st + ct,
                    "note": "",
                }
            )
        if d.second_order:
            D = len(plan.design.names)
            for i in range(D):
                for j in range(i + 1, D):
                    rows2.append(
                        {
                            "output": name,
                            "parameter_1": plan.design.names[i],
                            "parameter_2": plan.design.names[j],
                            "S2": res["S2"][i, j],
                            "S2_conf": res["S2_conf"][i, j],
                        }
                    )
    cols = [
        "output",
        "parameter",
        "S1",
        "S1_conf",
        "S1_lo",
        "S1_hi",
        "ST",
        "ST_conf",
        "ST_lo",
        "ST_hi",
        "note",
    ]
    table = pd.DataFrame(rows).reindex(columns=cols)
    return table, (pd.DataFrame(rows2) if d.second_order else None)


def meta(plan: Plan) -> dict[str, Any]:
    import matplotlib
    import mesa
    import pandas as pd
    import pyarrow
    import SALib

    return {
        "resetsim_version": __version__,
        "experiment": plan.experiment.resolved(),
        "scenario": plan.compiled.scenario.resolved(),
        "hash": plan.hash,
        "design": {
            "type": plan.design.type,
            "parameters": plan.design.names,
            "points": plan.design.n_points,
            "fixed": plan.design.fixed,
        },
        "replications": plan.replications,
        "runs": plan.n_runs,
        "chunk_size": plan.chunk_size,
        "engine": plan.engine,
        "metrics_fn": f"{plan.metrics_fn.__module__}.{plan.metrics_fn.__qualname__}",
        "metrics": plan.metric_names,
        "seed": plan.experiment.seed,
        "seed_derivation": (
            "run i: numpy.random.SeedSequence(seed, spawn_key=(i,)).generate_state(2, uint32)"
            " -> 63-bit int"
            + (
                " with i = replication (common random numbers)"
                if plan.experiment.common_random_numbers
                else ""
            )
        ),
        "versions": {
            "numpy": np.__version__,
            "pandas": pd.__version__,
            "pyarrow": pyarrow.__version__,
            "mesa": mesa.__version__,
            "matplotlib": matplotlib.__version__,
            "SALib": getattr(SALib, "__version__", "?"),
        },
    }


# --------------------------------------------------------------------------
# figures (each returns a Figure; data preparation above)


def _figure_outputs(plan: Plan) -> list[str]:
    chosen = plan.experiment.figures
    if chosen:
        return list(chosen)
    return outputs(plan)[:4]


def _col(plan: Plan, name: str) -> tuple[str, str, str]:
    if name in {s.name for s in plan.shares}:
        return name, f"{name}_lo", f"{name}_hi"
    return f"mean_{name}", f"mean_{name}_lo", f"mean_{name}_hi"


def design_figures(plan: Plan, summary, sobol=None) -> dict[str, Any]:
    """The figures suited to the design, by file name."""
    names = _figure_outputs(plan)
    d = plan.design
    if not names:
        return {}
    if d.type == "conditions":
        return {"conditions.png": plot_conditions(plan, summary, names)}
    if d.type == "grid":
        figs = {"main_effects.png": plot_main_effects(plan, summary, names)}
        if len(d.names) == 2:
            figs["heatmap.png"] = plot_heatmap(plan, summary, names)
        return figs
    if d.type == "lhs":
        return {"lhs.png": plot_lhs(plan, summary, names[0])}
    if d.type == "sobol" and sobol is not None:
        return {"sobol.png": plot_sobol(sobol)}
    return {}


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _panels(n: int, width: float = 4.2, height: float = 3.4):
    plt = _plt()
    ncol = min(n, 2)
    nrow = math.ceil(n / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(width * ncol, height * nrow), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:n])


def plot_heatmap(plan: Plan, summary, names: Sequence[str]):
    """Two-parameter grid: one heatmap per output (mean or share)."""
    d = plan.design
    assert d.levels is not None and len(d.names) == 2
    a, b = d.names
    la, lb = d.levels[a], d.levels[b]
    fig, axes = _panels(len(names), 4.6, 3.8)
    for ax, name in zip(axes, names, strict=True):
        col = _col(plan, name)[0]
        z = summary[col].to_numpy(dtype=float).reshape(len(la), len(lb))
        im = ax.imshow(z, origin="lower", aspect="auto", cmap="viridis")
        ax.set_xticks(range(len(lb)), [f"{v:g}" for v in lb])
        ax.set_yticks(range(len(la)), [f"{v:g}" for v in la])
        ax.set_xlabel(b)
        ax.set_ylabel(a)
        ax.set_title(name)
        if z.size <= 64:
            span = np.nanmax(z) - np.nanmin(z) if np.isfinite(z).any() else 0.0
            for i in range(z.shape[0]):
                for j in range(z.shape[1]):
                    light = span > 0 and (z[i, j] - np.nanmin(z)) / span > 0.6
                    ax.text(
                        j,
                        i,
                        f"{z[i, j]:.2g}",
                        ha="center",
                        va="center",
                        fontsize=7,
                        color="k" if light else "w",
                    )
        fig.colorbar(im, ax=ax, shrink=0.85)
    fig.suptitle(f"{plan.experiment.name}: {plan.replications} runs per cell")
    fig.tight_layout()
    return fig


def plot_main_effects(plan: Plan, summary, names: Sequence[str]):
    """Grid of any size: each output's mean over the other parameters, per level."""
    d = plan.design
    assert d.levels is not None
    fig, axes = _panels(len(names))
    for ax, name in zip(axes, names, strict=True):
        col = _col(plan, name)[0]
        for j, p in enumerate(d.names):
            lv = np.asarray(d.levels[p])
            x = (lv - lv.min()) / (np.ptp(lv) or 1.0)
            y = [np.nanmean(summary[col].to_numpy()[d.values[:, j] == v]) for v in lv]
            ax.plot(x, y, marker="o", label=p)
        ax.set_xlabel("level (low -> high, scaled)")
        ax.set_title(name)
        ax.legend(fontsize=7)
    fig.suptitle(f"{plan.experiment.name}: main effects")
    fig.tight_layout()
    return fig


def plot_conditions(plan: Plan, summary, names: Sequence[str]):
    """Conditions: bars with 95% CIs, one panel per output."""
    labels = list(summary["condition"])
    fig, axes = _panels(len(names), max(4.2, 0.45 * len(labels) + 1.5), 3.6)
    x = np.arange(len(labels))
    for ax, name in zip(axes, names, strict=True):
        c, lo, hi = _col(plan, name)
        y = summary[c].to_numpy(dtype=float)
        err = np.vstack(
            [y - summary[lo].to_numpy(dtype=float), summary[hi].to_numpy(dtype=float) - y]
        )
        ax.bar(x, y, color="#1f4e99", alpha=0.8)
        ax.errorbar(
            x, y, yerr=np.clip(np.nan_to_num(err), 0, None), fmt="none", ecolor="k", capsize=3, lw=1
        )
        ax.set_xticks(x, labels, rotation=45, ha="right", fontsize=7)
        ax.set_title(name)
        ax.axhline(0, color="0.5", lw=0.5)
    fig.suptitle(f"{plan.experiment.name}: {plan.replications} runs per condition, 95% CI")
    fig.tight_layout()
    return fig


def plot_lhs(plan: Plan, summary, name: str):
    """Latin hypercube: the output against each parameter."""
    d = plan.design
    col = _col(plan, name)[0]
    fig, axes = _panels(len(d.names), 3.4, 2.8)
    for j, (ax, p) in enumerate(zip(axes, d.names, strict=True)):
        ax.scatter(d.values[:, j], summary[col], s=6, alpha=0.5)
        ax.set_xlabel(p)
        ax.set_ylabel(name)
    fig.suptitle(f"{plan.experiment.name}: {name}")
    fig.tight_layout()
    return fig


def plot_sobol(sobol):
    """S1 and ST per parameter with confidence intervals, one panel per output."""
    ok = sobol[sobol["note"] == ""]
    outs = list(dict.fromkeys(ok["output"]))[:6]
    fig, axes = _panels(max(1, len(outs)), 5.0, 3.4)
    for ax, name in zip(axes, outs, strict=False):
        t = ok[ok["output"] == name]
        x = np.arange(len(t))
        ax.bar(x - 0.2, t["S1"], 0.4, yerr=t["S1_conf"], capsize=2, label="S1", color="#1f4e99")
        ax.bar(x + 0.2, t["ST"], 0.4, yerr=t["ST_conf"], capsize=2, label="ST", color="#b5261e")
        ax.set_xticks(x, list(t["parameter"]), rotation=45, ha="right", fontsize=7)
        ax.set_title(name)
        ax.axhline(0, color="0.5", lw=0.5)
        ax.legend(fontsize=7)
    fig.suptitle("Sobol' indices (bars: confidence intervals)")
    fig.tight_layout()
    return fig
