"""The compiled engine: the quarter loop over runs in numba-compiled code.

The update equations are :mod:`resetsim.core.dynamics`' own functions:
every function of that module and of :mod:`resetsim.core.attitude` (and
:func:`resetsim.core.shocks.fire_probability`)
is registered with numba as it is (``register_jitable``, inlined into the
kernel: numba's ``forceinline``, measured 10-15% faster than calls), so the
kernel calls the very code the Mesa model and the ensemble engine call,
compiled; there is no second copy of an equation.  Parameters reach them as one record per run
(a numpy structured array with one field per registry parameter), read by
attribute like :class:`resetsim.core.params.Params`.  The state reaches them
wired from their own signatures: an argument named after a state variable
(``<var>`` this state's, ``<var>_other`` the other's; see
:func:`resetsim.core.dynamics.state_argument`) is read from the kernel's state
array at the registry's index, so a new state variable an equation takes and
:data:`resetsim.core.dynamics.NEXT_STATE` returns needs no edit here.

The kernel follows :func:`resetsim.engines.step.quarter` and
:func:`resetsim.engines.forcing.apply_forcing` step by step (leader changes,
scheduled and random shocks, power, then compute and commit) and draws each
run's randomness from its seed in compiled code
(:mod:`resetsim.engines.compiled_rng`, equal to numpy's), so it gives the same
numbers as the other engines (tests check 1e-12) and a run depends only on
its seed.  Everything that is per scenario or per run but not per quarter
(initial state, channel scales, posterior draws) is prepared by the same
Python functions the ensemble engine uses.

The first call compiles the kernel (tens of seconds) and caches it on disk
(numba's ``cache=True``: ``__pycache__`` beside this module, or
``NUMBA_CACHE_DIR``); later processes load it in about a second.  The cache
is keyed on the sources of the modules the kernel compiles, not only this one.

Imports numba: :mod:`resetsim.engines.runner` loads this module on first use.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Mapping, Sequence
from typing import Any

import numba
import numpy as np
from numba.extending import overload, register_jitable
from numba.np.unsafe.ndarray import to_fixed_tuple

from resetsim.core import attitude
from resetsim.core import dynamics as dyn
from resetsim.core import shocks as sh
from resetsim.core.columns import columns
from resetsim.core.params import ISSUE_AREAS, PARAMETERS
from resetsim.engines import compiled_rng as crng
from resetsim.engines import ensemble
from resetsim.engines.forcing import PUBLIC_SLOTS, STRAIN_SLOTS, TRUST_SLOTS, initial_state
from resetsim.results import Trajectories, posterior_draws
from resetsim.scenario import Compiled, as_compiled

# -- the equations: core.dynamics' functions, compiled as they are
for _mod in (dyn, attitude):
    for _fn in vars(_mod).values():
        if inspect.isfunction(_fn) and _fn.__module__ == _mod.__name__ and _fn is not dyn.elastic:
            register_jitable(forceinline=True)(_fn)
register_jitable(forceinline=True)(sh.fire_probability)


@overload(dyn.elastic, jit_options={"nogil": True, "forceinline": True})
def _elastic(ratio, elasticity):
    """dynamics.elastic without the call to pow where the ratio is 1 (the
    stronger side's, every quarter): ``pow(1, y)`` is exactly 1 for every
    ``y`` (IEEE 754), so the bytes are the same."""

    def impl(ratio, elasticity):
        if ratio == 1.0:
            return 1.0
        return ratio**elasticity

    return impl


# -- where each variable lives in the kernel's state and dyad arrays
STATE = tuple(dyn.STATE_VARS)
DYAD = tuple(dyn.DYAD_VARS)
_NEXT = tuple(STATE.index(v) for v in dyn.NEXT_STATE)
# What the kernel writes besides what dynamics.state_next returns: the new
# leader's rapport and disposition (the arguments dynamics.leader_change takes),
# power (a contracted name: dynamics.power's value) and the overall willingness
# (dynamics.WILLINGNESS).
_AFF, _DISP = (STATE.index(v) for v in dyn.arguments(dyn.leader_change)[:2])
_POWER = STATE.index("power")  # contracted: the engines' and the detector's currency
_WILL = STATE.index(dyn.WILLINGNESS)
# trust: the breach and leader-hope steps of both publics (dynamics.breach_on_publics,
# dynamics.leader_hope) and the slot of each side's trust
_TRUST = STATE.index("trust")
_TRUST_SLOT = TRUST_SLOTS
_STRAIN0, _STRAIN1 = STRAIN_SLOTS
_INTEREST = tuple(DYAD.index(f"interest_{a}") for a in ISSUE_AREAS)
_COOP_AREA = tuple(DYAD.index(f"cooperation_{a}") for a in ISSUE_AREAS)
_COOP, _YIELD = (DYAD.index(v) for v in dyn.COOPERATION)
_ECON = ISSUE_AREAS.index("economy")
_N_STATE, _N_DYAD, _N_AREA, _N_NEXT = len(STATE), len(DYAD), len(ISSUE_AREAS), len(_NEXT)

#: One record per run: every registry parameter as a float field.
PARAM_DTYPE = np.dtype([(p.name, np.float64) for p in PARAMETERS])


# -- the state arguments of the equations, wired from their signatures
#: The generated source of each wrapper (hashed into the cache key).
GENERATED: dict[str, str] = {}


def _wire(fn, inputs: tuple[str, ...]):
    """A compiled ``wrapper(st, s, *inputs)`` calling ``fn`` with each argument
    that names a state variable (:func:`resetsim.core.dynamics.state_argument`:
    ``<var>`` for state ``s``'s, ``<var>_other`` for the other's) read from the
    state array ``st`` and the others passed through, in ``fn``'s order.  A new
    state variable an equation takes needs no edit here; a new input does."""
    call, passed = [], []
    for name in dyn.arguments(fn):
        where = dyn.state_argument(name)
        if where is None:
            passed.append(name)
            call.append(name)
        else:
            call.append(f"st[{'so'[where[0]]}, {STATE.index(where[1])}]")
    if tuple(passed) != inputs:
        raise TypeError(
            f"dynamics.{fn.__name__} takes {passed} besides state variables; the compiled "
            f"kernel passes {list(inputs)} (name a state variable <var> or <var>_other)"
        )
    name = f"_{fn.__name__}_wired"
    source = (
        f"def {name}(st, s, {', '.join(inputs)}):\n"
        "    o = 1 - s\n"
        f"    return dyn.{fn.__name__}({', '.join(call)})\n"
    )
    namespace: dict[str, Any] = {"dyn": dyn}
    exec(compile(source, f"<resetsim wiring of {fn.__name__}>", "exec"), namespace)
    GENERATED[fn.__name__] = source
    return numba.njit(nogil=True, inline="always")(namespace[name])


_power = _wire(dyn.power, ("base",))
_distance = _wire(dyn.ideological_distance, ("p",))
_stance_of = _wire(dyn.stance_of, ("distance", "p"))
_state_next = _wire(
    dyn.state_next,
    ("q", "trust_yield", "other_content", "noise", "w_own", "w_other", "interest_economy", "p"),
)


@numba.njit(nogil=True, inline="always")
def _stance(st, s, p):
    return _stance_of(st, s, _distance(st, s, p), p)


class _DistinctArrays(numba.core.compiler.Compiler):
    """numba's pipeline, telling LLVM that the kernel's arrays never overlap
    (``noalias``: it keeps values in registers across the kernel's stores,
    measured about 10% faster).  True of every call: :func:`simulate` makes
    each array the kernel writes afresh."""

    def __init__(self, typingctx, targetctx, library, args, return_type, flags, locals):
        flags.noalias = True
        super().__init__(typingctx, targetctx, library, args, return_type, flags, locals)


@numba.njit(cache=True, nogil=True, _nrt=False, pipeline_class=_DistinctArrays)
def _kernel(
    seeds,
    prm,
    scales,
    init_st,
    init_dy,
    interest_base,
    sv,
    rec_state,
    rec_var,
    out,
    fired_out,
    lz_out,
    scratch,
):
    """Every run, every quarter; ``out[j, i, t]`` is recorded column j of run i,
    ``fired_out[i, t, j]`` whether process j fired (the engines' record of random
    events) and ``lz_out[i]`` the run's leader-term normals."""
    (power_base, leader_flag, disp_base, disp_code, term_index, term_sd) = sv[:6]
    (sched, sched_ch, proc, proc_ch, proc_rate, slot_mask) = sv[6:12]
    (slot_state, slot_var, slot_low, slot_high, slot_headroom, forced) = sv[12:]
    n = seeds.shape[0]
    T = power_base.shape[0]
    S = slot_mask.shape[1]
    (st, dy, rng, noise, unif, lz, delta, effect, w0, w1, area_buf, coop) = scratch
    for i in range(n):
        p = prm[i]
        crng.draw(seeds[i], rng, noise, unif, lz)
        for k in range(lz.shape[0]):
            lz_out[i, k] = lz[k]
        for s in range(2):
            for k in range(_N_STATE):
                st[s, k] = init_st[i, s, k]
        for k in range(_N_DYAD):
            dy[k] = init_dy[i, k]
        for t in range(T):
            # forcing: resetsim.engines.forcing.apply_forcing, step by step
            for s in range(2):
                if leader_flag[t, s]:
                    base = disp_base[t, s]
                    if not np.isnan(disp_code[t, s]):  # forcing.base_disposition
                        base = disp_code[t, s] * p.disposition_scale
                    k = term_index[t, s]
                    d = base
                    if k >= 0 and term_sd[k] != 0.0:
                        d = dyn.clip(base + term_sd[k] * lz[k], -1.0, 1.0)
                    st[s, _DISP] = d + 0.0 * st[s, _AFF]
                    st[s, _AFF] = dyn.leader_change(st[s, _AFF], d, p)
                    st[1 - s, _TRUST] = dyn.leader_hope(st[1 - s, _TRUST], d, p)
            if forced[t]:  # events this quarter (else every step below is nil)
                for v in range(S):
                    delta[v] = 0.0
                for m in range(sched_ch.shape[1]):
                    c = sched_ch[t, m]
                    if c < 0:
                        break
                    for v in range(S):
                        delta[v] = delta[v] + scales[i, c] * sched[t, c, v]
                for j in range(proc_rate.shape[0]):
                    rate = proc_rate[j, t]
                    if rate > 0:
                        prob = sh.fire_probability(rate, p)
                        fired = 1.0 if unif[t, j] < prob else 0.0
                        fired_out[i, t, j] = unif[t, j] < prob
                        for v in range(S):
                            effect[v] = 0.0
                        for m in range(proc_ch.shape[1]):
                            c = proc_ch[j, m]
                            if c < 0:
                                break
                            for v in range(S):
                                effect[v] = effect[v] + scales[i, c] * proc[j, c, v]
                        for v in range(S):
                            delta[v] = delta[v] + fired * effect[v]
                d0 = delta[_TRUST_SLOT[0]]
                d1 = delta[_TRUST_SLOT[1]]
                delta[_TRUST_SLOT[0]] = dyn.breach_on_publics(d0, d1, p)
                delta[_TRUST_SLOT[1]] = dyn.breach_on_publics(d1, d0, p)
                strain0 = 0.0
                for v in _STRAIN0:
                    strain0 = strain0 + delta[v]
                strain1 = 0.0
                for v in _STRAIN1:
                    strain1 = strain1 + delta[v]
                delta[_TRUST_SLOT[0]] = delta[_TRUST_SLOT[0]] + dyn.public_reaction(strain0, p)
                delta[_TRUST_SLOT[1]] = delta[_TRUST_SLOT[1]] + dyn.public_reaction(strain1, p)
                for v in range(S):
                    if not slot_mask[t, v]:
                        continue
                    s = slot_state[v]
                    k = slot_var[v]
                    if s < 0:
                        dy[k] = dyn.clip(dy[k] + delta[v], slot_low[v], slot_high[v])
                    elif slot_headroom[v]:
                        st[s, k] = dyn.clip(
                            dyn.headroom_step(st[s, k], delta[v]), slot_low[v], slot_high[v]
                        )
                    else:
                        st[s, k] = dyn.clip(st[s, k] + delta[v], slot_low[v], slot_high[v])
            for s in range(2):
                st[s, _TRUST] = dyn.clip_trust(st[s, _TRUST], p)
                st[s, _POWER] = _power(st, s, power_base[t, s])
            # compute, then commit: resetsim.engines.step.quarter
            for k in range(_N_AREA):
                area_buf[k] = dy[_INTEREST[k]]
            # a tuple of known length: the loops over the areas unroll
            interests = to_fixed_tuple(area_buf, _N_AREA)
            will0 = dyn.area_engagement(_stance(st, 0, p), interests, p, w0)
            will1 = dyn.area_engagement(_stance(st, 1, p), interests, p, w1)
            q, trust_yield = dyn.area_cooperation(w0, w1, interests, p, coop)
            econ = interests[_ECON]
            seen0 = dyn.area_content(w1, interests, _distance(st, 0, p), p)
            seen1 = dyn.area_content(w0, interests, _distance(st, 1, p), p)
            new0 = _state_next(st, 0, q, trust_yield, seen0, noise[t, 0], will0, will1, econ, p)
            new1 = _state_next(st, 1, q, trust_yield, seen1, noise[t, 1], will1, will0, econ, p)
            for k in range(_N_NEXT):
                st[0, _NEXT[k]] = new0[k]
                st[1, _NEXT[k]] = new1[k]
            st[0, _WILL] = will0
            st[1, _WILL] = will1
            for k in range(_N_AREA):
                dy[_COOP_AREA[k]] = coop[k]
            dy[_COOP] = q
            dy[_YIELD] = trust_yield
            for k in range(_N_AREA):
                dy[_INTEREST[k]] = dyn.next_interest(dy[_INTEREST[k]], interest_base[i, k], p)
            for j in range(rec_state.shape[0]):
                s = rec_state[j]
                out[j, i, t] = st[s, rec_var[j]] if s >= 0 else dy[rec_var[j]]


def _sources_digest() -> str:
    """A digest of every source the kernel compiles (numba's cache looks at one file)."""
    h = hashlib.sha256()
    for mod in (dyn, attitude, sh, crng):
        h.update(inspect.getsource(mod).encode())
    for source in GENERATED.values():
        h.update(source.encode())
    with open(__file__, "rb") as fh:
        h.update(fh.read())
    return h.hexdigest()[:16]


def _key_cache_on_sources(*dispatchers) -> None:
    """Make numba's on-disk cache of ``dispatchers`` stale when any compiled source
    changes (by default it checks only the file that defines the dispatcher)."""
    digest = _sources_digest()
    for d in dispatchers:
        cache_file = getattr(getattr(d, "_cache", None), "_cache_file", None)
        if cache_file is not None and hasattr(cache_file, "_source_stamp"):
            cache_file._source_stamp = (cache_file._source_stamp, digest)


_key_cache_on_sources(_kernel)


# --------------------------------------------------------------------------
# the scenario and the runs as arrays


def _padded(lists: Sequence[Sequence[int]], width: int) -> np.ndarray:
    out = np.full((len(lists), max(width, 1)), -1, dtype=np.int64)
    for i, row in enumerate(lists):
        out[i, : len(row)] = row
    return out


def scenario_arrays(compiled: Compiled) -> tuple[np.ndarray, ...]:
    """The scenario's per-quarter forcing as the kernel reads it."""
    c = compiled
    T = c.n_ticks
    C = len(sh.ROWS)
    S = len(sh.SLOTS)
    leader_flag = np.asarray(c.leader_change, dtype=bool) & ~np.isnan(c.disposition)
    slot_mask = np.zeros((T, S), dtype=bool)
    for t in range(T):
        slot_mask[t, list(c.sched_slots[t])] = True
        for j in range(c.n_processes):
            if c.proc_rate[j, t] > 0:
                slot_mask[t, list(c.proc_slots[j])] = True
    # a breach and strain move both publics (forcing.PUBLIC_SLOTS): both trusts or neither
    public = slot_mask[:, sorted(PUBLIC_SLOTS)].any(axis=1)
    slot_mask[:, list(_TRUST_SLOT)] = public[:, None]
    slot_state = np.array([-1 if s is None else s for s, _ in sh.SLOTS.names], dtype=np.int64)
    slot_var = np.array(
        [DYAD.index(v) if s is None else STATE.index(v) for s, v in sh.SLOTS.names],
        dtype=np.int64,
    )
    bounds = [(dyn.STATE_VARS.get(v) or dyn.DYAD_VARS[v])[:2] for _, v in sh.SLOTS.names]
    headroom = np.array([s is not None and v in sh.HEADROOM_VARS for s, v in sh.SLOTS.names])
    proc = np.asarray(c.proc, dtype=np.float64).reshape(c.n_processes, C, S)
    rate = np.ascontiguousarray(c.proc_rate, dtype=np.float64).reshape(c.n_processes, T)
    return (
        np.ascontiguousarray(c.power_base, dtype=np.float64),
        leader_flag,
        np.nan_to_num(np.asarray(c.disposition, dtype=np.float64)),
        np.asarray(c.disposition_code, dtype=np.float64),
        np.asarray(c.term_index, dtype=np.int64),
        np.asarray(c.term_sd, dtype=np.float64),
        np.ascontiguousarray(c.sched, dtype=np.float64),
        _padded(c.sched_channels, C),
        np.ascontiguousarray(proc),
        _padded(c.proc_channels, C) if c.n_processes else np.full((0, 1), -1, dtype=np.int64),
        rate,
        slot_mask,
        slot_state,
        slot_var,
        np.array([b[0] for b in bounds], dtype=np.float64),
        np.array([b[1] for b in bounds], dtype=np.float64),
        headroom,
        slot_mask.any(axis=1) | (rate > 0).any(axis=0),
    )


def _scratch(compiled: Compiled) -> tuple[np.ndarray, ...]:
    """The kernel's working arrays (it allocates nothing: no reference counting)."""
    T, P, L, S = compiled.n_ticks, compiled.n_processes, len(compiled.term_sd), len(sh.SLOTS)
    return (
        np.empty((2, _N_STATE)),
        np.empty(_N_DYAD),
        np.zeros(4, dtype=np.uint64),
        np.empty((T, 2)),
        np.empty((T, P)),
        np.empty(L),
        np.empty(S),
        np.empty(S),
        *(np.empty(_N_AREA) for _ in range(4)),
    )


def param_records(p: Mapping[str, Any], n: int) -> np.ndarray:
    """One record per run with every parameter (floats broadcast over runs)."""
    rec = np.empty(n, dtype=PARAM_DTYPE)
    for name in PARAM_DTYPE.names:
        rec[name] = p[name]
    return rec


def simulate(
    scenario: Any,
    seeds: Sequence[int],
    params: Mapping[str, Any] | None = None,
    record: Sequence[str] | None = None,
    hold: Mapping[tuple[int, str], Any] | None = None,
) -> Trajectories:
    """:func:`resetsim.engines.ensemble.simulate`, compiled (same arguments, same
    numbers).  ``hold`` (the validation's static knock-outs) is left to the
    ensemble engine."""
    if hold:
        return ensemble.simulate(scenario, seeds, params, record, hold)
    compiled = as_compiled(scenario)
    seeds = np.ascontiguousarray(seeds, dtype=np.int64)
    n = len(seeds)
    ids = compiled.state_ids
    wanted = list(record) if record is not None else columns(ids)
    unknown = set(wanted) - set(columns(ids))
    if unknown:
        raise KeyError(f"unknown column(s): {sorted(unknown)}")
    if n and seeds.min() < 0:
        raise ValueError("run seeds must be non-negative")
    p = compiled.params(ensemble._param_arrays(params or {}, n))
    p = type(p)(ensemble._param_arrays(p, n))
    p.update(posterior_draws(compiled, seeds, params))
    states, dyad = initial_state(compiled, p, n)
    init_st = np.empty((n, 2, _N_STATE))
    for s in range(2):
        for k, v in enumerate(STATE):
            init_st[:, s, k] = states[s][v]
    init_dy = np.empty((n, _N_DYAD))
    for k, v in enumerate(DYAD):
        init_dy[:, k] = dyad[v]
    base = np.empty((n, _N_AREA))
    for k, a in enumerate(ISSUE_AREAS):
        base[:, k] = p[f"interest_base_{a}"]
    scales = np.empty((n, len(sh.ROWS)))
    for c, value in enumerate(sh.row_scales(p)):
        scales[:, c] = value
    rec_state = np.empty(len(wanted), dtype=np.int64)
    rec_var = np.empty(len(wanted), dtype=np.int64)
    for j, col in enumerate(wanted):
        for s, sid in enumerate(ids):
            if col.startswith(sid + "_"):
                rec_state[j], rec_var[j] = s, STATE.index(col[len(sid) + 1 :])
                break
        else:
            rec_state[j], rec_var[j] = -1, DYAD.index(col)
    out = np.empty((len(wanted), n, compiled.n_ticks))
    fired = np.zeros((n, compiled.n_ticks, compiled.n_processes), dtype=np.bool_)
    leader_z = np.empty((n, len(compiled.term_sd)))
    _kernel(
        seeds,
        param_records(p, n),
        scales,
        init_st,
        init_dy,
        base,
        scenario_arrays(compiled),
        rec_state,
        rec_var,
        out,
        fired,
        leader_z,
        _scratch(compiled),
    )
    data = {c: out[j] for j, c in enumerate(wanted)}
    return Trajectories(compiled, seeds, data, fired, leader_z)
