"""The ensemble engine: many runs of one scenario advanced at once as arrays.

It advances every run with the same :func:`resetsim.engines.step.quarter` as
the Mesa model, on arrays over the run axis; per-run parameters (a
sweep's design points) are arrays too.  Each run's randomness is drawn from its
own generator (``numpy.random.default_rng(seed)``) exactly as
:class:`resetsim.engines.model.ResetModel` draws it, so a run's trajectory does not
depend on its chunk or its neighbours and equals the Mesa model's.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from resetsim.core import shocks as sh
from resetsim.core.columns import columns
from resetsim.engines.forcing import initial_state
from resetsim.engines.randomness import randomness
from resetsim.engines.step import quarter
from resetsim.results import Trajectories, posterior_draws
from resetsim.scenario import as_compiled


def _param_arrays(p: Mapping[str, Any], n: int) -> dict[str, Any]:
    out = {}
    for k, v in p.items():
        if np.ndim(v) == 0:
            out[k] = float(v)
        else:
            arr = np.asarray(v, dtype=float)
            if arr.shape != (n,):
                raise ValueError(f"parameter {k!r} has shape {arr.shape}, expected ({n},)")
            out[k] = arr
    return out


def simulate(
    scenario: Any,
    seeds: Sequence[int],
    params: Mapping[str, Any] | None = None,
    record: Sequence[str] | None = None,
    hold: Mapping[tuple[int, str], Any] | None = None,
) -> Trajectories:
    """Run ``len(seeds)`` runs of a scenario at once.

    ``params`` overrides the scenario's parameters; a value may be a float or
    an array with one entry per run.  ``record`` limits the recorded columns
    (default: all of :func:`columns`); the fired random events are always
    recorded (:class:`~resetsim.results.Trajectories`).  ``hold`` holds state variables fixed
    (``{(state index, variable): value or per-run array, NaN = free}``; see
    :func:`resetsim.engines.step.quarter`): the validation's *static* knock-outs.
    """
    compiled = as_compiled(scenario)
    seeds = np.asarray(seeds, dtype=np.int64)
    n = len(seeds)
    p = compiled.params(_param_arrays(params or {}, n))
    p = type(p)(_param_arrays(p, n))
    p.update(posterior_draws(compiled, seeds, params))
    ids = compiled.state_ids
    wanted = list(record) if record is not None else columns(ids)
    unknown = set(wanted) - set(columns(ids))
    if unknown:
        raise KeyError(f"unknown column(s): {sorted(unknown)}")
    T = compiled.n_ticks
    # time-major buffers: each quarter writes one contiguous row per column
    # (a (runs, T) array would be written a strided column at a time)
    buf = {c: np.empty((T, n)) for c in wanted}
    plan = []
    for c in wanted:
        for s, sid in enumerate(ids):
            if c.startswith(sid + "_"):
                plan.append((c, s, c[len(sid) + 1 :]))
                break
        else:
            plan.append((c, None, c))

    noise, unif, leader_z = randomness(seeds, T, compiled.n_processes, len(compiled.term_sd))
    scales = sh.row_scales(p)
    states, dyad = initial_state(compiled, p, n)
    held = None
    if hold:
        held = {k: np.broadcast_to(np.asarray(v, dtype=float), (n,)) for k, v in hold.items()}
    fired = np.empty((T, n, compiled.n_processes), dtype=bool)
    for t in range(T):
        fired[t] = quarter(
            compiled, t, states, dyad, p, scales, unif[:, t], noise[:, t], leader_z, held
        )
        for c, s, v in plan:
            buf[c][t] = states[s][v] if s is not None else dyad[v]
    data = {c: np.ascontiguousarray(b.T) for c, b in buf.items()}
    return Trajectories(compiled, seeds, data, fired.transpose(1, 0, 2).copy(), leader_z)


def chunks(n: int, size: int) -> Iterator[slice]:
    """Slices of ``range(n)`` of at most ``size``."""
    for a in range(0, n, size):
        yield slice(a, min(a + size, n))
