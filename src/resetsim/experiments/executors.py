"""Where chunks run: in this process, in a process pool, or on a Dask cluster.

A chunk (:class:`~resetsim.experiments.plan.ChunkTask`) is computed whole by
one worker (:func:`run_chunk`: trajectories with the fast engine
:func:`resetsim.engines.ensemble.simulate` or the Mesa model, then the
metrics) and only its metrics (and, if asked, trajectories) come back as a
:class:`ChunkResult`.  Nothing about a chunk depends on where or when it ran,
so every executor gives the same numbers, bit for bit.  Each executor is a
generator of results in the order chunks finish, with a bounded number in
flight.
"""

from __future__ import annotations

import importlib.util
import inspect
import os
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

import numpy as np

from resetsim.analysis.episodes import relationship_index
from resetsim.analysis.validation import ar1_null, detector_input, event_timeline, shot_noise_null
from resetsim.core import pool
from resetsim.core.columns import COOPERATION
from resetsim.engines.ensemble import simulate
from resetsim.engines.forcing import initial_state
from resetsim.engines.runner import simulate_mesa, simulator
from resetsim.experiments.plan import ChunkTask, SweepError, trajectory_columns
from resetsim.experiments.schema import NULL_KINDS, STATIC_VARIABLES
from resetsim.results import FIRED, LEADER_Z, posterior_draws
from resetsim.scenario import Compiled


@dataclass
class ChunkResult:
    index: int
    metrics: dict[str, np.ndarray]
    trajectories: dict[str, np.ndarray] | None
    seconds: float


# --------------------------------------------------------------------------
# one chunk (runs in a worker)


def basic_metrics(compiled: Compiled, data: Mapping[str, np.ndarray], p: Any = None):
    """A minimal metric set (final and minimum trust, mean cooperation).

    For tests and benchmarks of the sweep machinery; the default is
    :func:`resetsim.analysis.metrics.run_metrics`.
    """
    out = {}
    for s in compiled.state_ids:
        trust = data[f"{s}_trust"]
        out[f"{s}_trust_final"] = trust[:, -1].copy()
        out[f"{s}_trust_min"] = trust.min(axis=1)
    coop = data[COOPERATION]
    out["mean_cooperation"] = coop.mean(axis=1)
    out["high_cooperation_quarters"] = (coop > 0.5).sum(axis=1).astype(np.int64)
    return out


def simulate_chunk(task: ChunkTask) -> dict[str, np.ndarray]:
    """The chunk's recorded trajectories, ``(runs, ticks)`` each (null series
    written in for the runs of a null condition: :func:`apply_nulls`)."""
    if task.static or task.freeze:
        if task.engine == "mesa":
            raise SweepError("static and frozen conditions need the ensemble engine")
        hold = static_hold(task)
        traj = simulate(task.compiled, task.seeds, task.params, task.record, hold=hold)
        return apply_nulls(task, traj.with_events())
    if task.engine == "mesa":
        parts = []
        for i, seed in enumerate(task.seeds):
            p = {k: float(v[i]) if np.ndim(v) else float(v) for k, v in task.params.items()}
            parts.append(simulate_mesa(task.compiled, [int(seed)], p, task.record).with_events())
        data = {k: np.concatenate([one[k] for one in parts]) for k in parts[0]}
        return apply_nulls(task, data)
    traj = simulator(task.engine)(task.compiled, task.seeds, task.params, task.record)
    return apply_nulls(task, traj.with_events())


def static_hold(task: ChunkTask) -> dict[tuple[int, str], np.ndarray]:
    """What a static knock-out holds: per run and state, the time mean of the
    contradiction's variable in the same run simulated free (same seed and
    parameters); NaN (free) for the runs that do not hold it.  A frozen variable
    is held at its starting value (the scenario's initial state)."""
    ids = task.compiled.state_ids
    hold: dict[tuple[int, str], np.ndarray] = {}
    if task.freeze:
        p = task.compiled.params(task.params)
        p.update(posterior_draws(task.compiled, task.seeds, task.params))
        starts, _ = initial_state(task.compiled, p, len(task.seeds))
    for v, rows in (task.freeze or {}).items():
        for s in range(len(ids)):
            hold[(s, v)] = np.where(rows, starts[s][v], np.nan)
    if not task.static:
        return hold
    wanted = sorted({STATIC_VARIABLES[k] for k in task.static})
    cols = [f"{sid}_{v}" for sid in ids for v in wanted]
    free = simulate(task.compiled, task.seeds, task.params, cols).data
    for k, rows in task.static.items():
        v = STATIC_VARIABLES[k]
        for s, sid in enumerate(ids):
            value = np.where(rows, free[f"{sid}_{v}"].mean(axis=1), np.nan)
            prev = hold.get((s, v))
            hold[(s, v)] = value if prev is None else np.where(rows, value, prev)
    return hold


def apply_nulls(task: ChunkTask, data: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Replace the runs of null conditions by their null series (matched to the
    same run's simulated index), so the same detector reads them."""
    if task.null is None or not any(task.null):
        return data
    compiled = task.compiled
    p = compiled.params(task.params)
    index = relationship_index(data, compiled.state_ids, p)
    for kind in NULL_KINDS:
        rows = np.flatnonzero(task.null == kind)
        if not rows.size:
            continue
        if kind == "ar1":
            series = ar1_null(index[rows], task.seeds[rows])
        else:
            n = len(task.seeds)
            weight = event_timeline(compiled, n, p, data.get(FIRED), data.get(LEADER_Z))[2]
            series = shot_noise_null(index[rows], weight[rows])
        data = detector_input(data, compiled.state_ids, series, rows, p)
    return data


def takes_keep(fn: Callable[..., Any]) -> bool:
    """Whether a metrics function takes ``keep`` (the metrics to return, at least)."""
    try:
        return "keep" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


def run_chunk(task: ChunkTask) -> ChunkResult:
    """Simulate a chunk, compute its metrics, keep what the experiment stores."""
    t0 = time.perf_counter()
    data = simulate_chunk(task)
    n = len(task.seeds)
    p = task.compiled.params(task.params)
    run = {**data, "seed": np.asarray(task.seeds)}
    if takes_keep(task.metrics_fn):  # it may skip what the sweep does not store
        values = task.metrics_fn(task.compiled, run, p, keep=task.metrics)
    else:
        values = task.metrics_fn(task.compiled, run, p)
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


def in_process(tasks: Iterator[ChunkTask]) -> Iterator[ChunkResult]:
    """One chunk after another, here."""
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
    """Workers leave Ctrl-C to the parent, which stops the pool cleanly, and
    die at once on SIGTERM or SIGHUP (the parent's clean stop is its own)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)


def _worker_init(parent_pid: int) -> None:
    """Ignore Ctrl-C, and exit if the sweep's process dies (even by SIGKILL, which
    gives the pool no chance to stop its workers)."""
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


#: What the pool's fork server imports before it forks workers
#: (:data:`resetsim.core.pool.PRELOAD`).
PRELOAD = pool.PRELOAD
#: The local pool's multiprocessing context (:func:`resetsim.core.pool.context`).
pool_context = pool.context
#: Start the pool's fork server now, without waiting for it: it loads and
#: warms what chunks need (:mod:`resetsim.experiments.warm`) while this
#: process goes on (:func:`resetsim.core.pool.start_server`).
start_server = pool.start_server


def process_pool(tasks: Iterator[ChunkTask], workers: int) -> Iterator[ChunkResult]:
    """Chunks on ``workers`` local processes."""
    ctx = pool_context()
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


#: The schemes of a Dask scheduler's address.
DASK_SCHEMES = ("tcp", "tls", "ucx", "ws", "wss", "inproc")
_ADDRESS = re.compile(
    r"^(?:(?P<scheme>[a-z]+)://)?(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(?P<port>\d{1,5})$"
)


def dask_installed() -> bool:
    """Whether Dask's ``distributed`` is installed (the optional extra ``resetsim[dask]``)."""
    return importlib.util.find_spec("distributed") is not None


def check_address(address: str) -> str | None:
    """Why ``address`` is not a Dask scheduler's address (``HOST:PORT`` or
    ``SCHEME://HOST:PORT``), or None."""
    m = _ADDRESS.match(address.strip())
    if m is None:
        return (
            f"{address!r} is not a scheduler address; give HOST:PORT or "
            "tcp://HOST:PORT (e.g. tcp://10.0.0.5:8786)"
        )[:300]
    if m["scheme"] and m["scheme"] not in DASK_SCHEMES:
        return f"unknown scheme {m['scheme']!r}; use one of {', '.join(DASK_SCHEMES)}"
    if not 0 < int(m["port"]) < 65536:
        return f"port {m['port']} is outside 1-65535"
    return None


def connect(address: str, timeout: float = 20.0):
    """A ``distributed.Client`` for an existing Dask scheduler (SweepError if
    the address is malformed or the scheduler unreachable)."""
    problem = check_address(address)
    if problem:
        raise SweepError(f"--scheduler: {problem}")
    if not dask_installed():
        raise SweepError(
            "a Dask scheduler needs Dask, which is not installed: pip install 'resetsim[dask]'"
        )
    from distributed import Client  # deferred: optional, heavy and often unused

    try:
        return Client(address, timeout=f"{timeout}s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise SweepError(f"cannot reach the Dask scheduler at {address}: {exc}") from None


#: How long a Dask sweep waits with no worker in the cluster before it gives up (s).
NO_WORKER_TIMEOUT = 60.0


def dask(
    tasks: Iterator[ChunkTask],
    client,
    wait_fn: Callable[..., Any] | None = None,
    no_worker_timeout: float = NO_WORKER_TIMEOUT,
    poll: float = 5.0,
) -> Iterator[ChunkResult]:
    """Chunks on the workers of a Dask cluster (``client`` from :func:`connect`).

    If the cluster has had no worker for ``no_worker_timeout`` seconds while
    chunks wait, :class:`SweepError` says so (finished chunks are saved, so
    ``--resume`` continues) instead of waiting forever.  ``wait_fn`` is
    ``distributed.wait`` (given for tests)."""
    if wait_fn is None:
        from distributed import wait as wait_fn  # deferred: see connect

    n = max(1, sum(client.nthreads().values()))

    def wait_some(fs):
        idle_since = None
        while True:
            try:
                res = wait_fn(list(fs), timeout=poll, return_when="FIRST_COMPLETED")
            except TimeoutError:
                if sum(client.nthreads().values()) > 0:
                    idle_since = None
                    continue
                now = time.monotonic()
                idle_since = now if idle_since is None else idle_since
                if now - idle_since >= no_worker_timeout:
                    raise SweepError(
                        f"the Dask cluster has had no workers for {no_worker_timeout:g} s; "
                        "finished chunks are saved: start workers and rerun with --resume"
                    ) from None
                continue
            return set(res.done), set(res.not_done)

    yield from _windowed(lambda t: client.submit(run_chunk, t, pure=False), tasks, 2 * n, wait_some)
