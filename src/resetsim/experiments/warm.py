"""Warms the process pool's fork server: importing this module loads what a
sweep's chunk needs and the compiled code from numba's on-disk cache.

The local process pool (:func:`resetsim.experiments.executors.process_pool`)
starts its workers from multiprocessing's fork server, which imports this
module once (``set_forkserver_preload``); every worker forked from it then
starts with the modules loaded and the compiled engine and detection ready,
instead of each loading them.  A sweep starts the server before it plans
(:func:`resetsim.experiments.executors.start_server`), so this runs while
the sweep's own process reads the experiment.  In the server it also loads
numba without its BLAS probe (:func:`skip_blas_probe`) and makes the server
end without the interpreter's teardown
(:func:`resetsim.core.pool.quick_exit_in_server`).  Importing it anywhere
else does no harm: it runs two short simulations of a built-in scenario.  A
failure here only leaves the workers to load things themselves.
"""

from __future__ import annotations

import importlib.abc
import sys

import numpy as np

from resetsim.analysis.metrics import run_metrics
from resetsim.core import pool
from resetsim.engines.runner import simulator
from resetsim.experiments import executors  # noqa: F401  (what a chunk unpickles)
from resetsim.scenario import builtin, compile_scenario, load

#: The built-in scenario the warm-up runs.
SCENARIO = "history_1989_2021"


def warm(runs: int = 2) -> bool:
    """Run ``runs`` simulations with the compiled engine and their metrics
    (loading both from numba's cache); False if anything failed."""
    try:
        compiled = compile_scenario(load(builtin.resolve(SCENARIO)))
        seeds = np.arange(1, runs + 1)
        traj = simulator("compiled")(compiled, seeds)
        # as many runs as compiled detection needs: repeat the two
        data = {k: np.repeat(v, 128, axis=0) for k, v in traj.with_events().items()}
        run_metrics(compiled, {**data, "seed": np.repeat(seeds, 128)})
    except Exception:  # a warm-up must never stop the pool
        return False
    return True


#: What numba's array maths imports, when it is first loaded, to probe for a
#: BLAS (``numba.np.arraymath``: the whole of ``scipy.linalg``, a third of a
#: second of the server's warm-up) for one use: the inner product of
#: ``np.correlate`` and ``np.convolve`` in compiled code, which none here calls
#: (tests/test_sweep_path.py checks).  Without it numba uses its own loop there.
BLAS_PROBE = "scipy.linalg"


class _NoBlasProbe(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == BLAS_PROBE:
            raise ImportError(f"{BLAS_PROBE} is not loaded in the pool's fork server")
        return None


def skip_blas_probe() -> bool:
    """Load numba's array maths with :data:`BLAS_PROBE` failing to import, so
    that the probe ends at once; the import works again afterwards.  False if
    the array maths was loaded already (or is not where it was)."""
    if "numba.np.arraymath" in sys.modules:
        return False
    block = _NoBlasProbe()
    sys.meta_path.insert(0, block)
    try:
        import numba.np.arraymath  # noqa: F401
    except ImportError:  # another numba: it loads its own way later
        return False
    finally:
        sys.meta_path.remove(block)
    return True


if pool.in_fork_server():  # only there: elsewhere numba keeps its BLAS
    skip_blas_probe()
warm()
pool.quick_exit_in_server()
