"""The local process pool's start method and its fork server, importable
before anything heavy (standard library only).

A sweep on local workers starts them from multiprocessing's fork server
(:func:`resetsim.experiments.executors.process_pool`).  The server imports
once what every worker needs (the experiments' warm-up module, named in
:data:`PRELOAD`) and then forks each worker from itself, so workers start
with numpy, the scenario layer and the compiled engine loaded.  That warm-up
takes a second or so; the sooner the server starts, the less a sweep waits
for it: :func:`start_server` is cheap and does not wait, and the command
line calls it before it imports the command's own modules (see
:func:`resetsim.cli.main.main`).
"""

from __future__ import annotations

import atexit
import multiprocessing as mp
import os
import sys

#: What the fork server imports before it forks workers: the default (the
#: main module) and the experiments' warm-up module, which loads the compiled
#: engine and detection from numba's cache (named, not imported: it sits in
#: a higher layer and is imported by the server only).
PRELOAD: tuple[str, ...] = ("__main__", "resetsim.experiments.warm")


def cores() -> int:
    """The cores this process may run on (the default number of workers)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def context():
    """The multiprocessing context the local pools use: the fork server where
    the platform has one (its server preloads :data:`PRELOAD`), else spawn.
    Explicit, because mesa.batchrunner sets the global method to spawn on
    import, and fork is unsafe with threads."""
    method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
    ctx = mp.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload(list(PRELOAD))
        # what starting a worker imports, imported now: a thread importing
        # other modules while the pool starts (a sweep's figures) waits on none
        import multiprocessing.popen_forkserver
        import multiprocessing.synchronize  # noqa: F401
    return ctx


def start_server() -> None:
    """Start the fork server now, without waiting for it (nothing if it runs,
    or if the platform has none): it warms up while this process goes on."""
    if context().get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


def in_fork_server() -> bool:
    """Whether this code runs in multiprocessing's fork server, while it
    preloads (called from its ``main``)."""
    where = os.path.join("multiprocessing", "forkserver.py")
    frame = sys._getframe(1)
    while frame is not None:
        code = frame.f_code
        if code.co_name == "main" and code.co_filename.endswith(where):
            return True
        frame = frame.f_back
    return False


def quick_exit_in_server() -> bool:
    """In the fork server, end without the interpreter's teardown (a fifth of
    a second with numba, scipy and pandas loaded), which a caller reading the
    sweep's output waits for: the server holds its standard streams and only
    ends after the sweep's process.  The server writes nothing and its workers
    end by ``os._exit`` (they never run this).  Elsewhere nothing; returns
    whether it applied."""
    if not in_fork_server():
        return False
    atexit.register(os._exit, 0)
    return True
