"""Exogenous forcing of one quarter: leader changes, shocks, power, randomness.

Shared verbatim by the Mesa model (one run, floats) and the ensemble engine
(many runs, arrays), so both apply the same shocks with the same arithmetic.
All of a run's randomness is drawn up front from its own generator, in a fixed
order, so a run depends only on its seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from resetsim.core import dynamics as dyn
from resetsim.core import initial, state
from resetsim.core import shocks as sh
from resetsim.scenario import Compiled

#: Each side's trust slot, and the slots of the drivers its public reads
#: (:data:`resetsim.core.dynamics.PUBLIC_READS`); a quarter touching any of
#: them moves both trusts (own public).
TRUST_SLOTS: tuple[int, int] = (sh.SLOTS.index[(0, "trust")], sh.SLOTS.index[(1, "trust")])
STRAIN_SLOTS: tuple[tuple[int, ...], ...] = tuple(
    tuple(sh.SLOTS.index[(s, v)] for v in dyn.PUBLIC_READS) for s in range(2)
)
PUBLIC_SLOTS: frozenset[int] = frozenset((*TRUST_SLOTS, *STRAIN_SLOTS[0], *STRAIN_SLOTS[1]))


def base_disposition(compiled: Compiled, t: int, s: int, p) -> Any:
    """The disposition of state ``s``'s leader in quarter ``t`` before any draw:
    his coded stance times ``disposition_scale`` (each run's), or the
    scenario's hand-set disposition (NaN if no leader)."""
    code = compiled.disposition_code[t, s]
    if np.isnan(code):
        return compiled.disposition[t, s]
    return code * p.disposition_scale


def disposition(compiled: Compiled, t: int, s: int, leader_z: Any, p) -> Any:
    """The disposition of state ``s``'s leader in quarter ``t`` (NaN if none).

    A term with ``disposition_sd`` > 0 draws its disposition once per run:
    ``clip(disposition + sd * z, -1, 1)`` with the run's ``z`` for that term.
    """
    base = base_disposition(compiled, t, s, p)
    k = compiled.term_index[t, s]
    if k < 0 or compiled.term_sd[k] == 0.0 or leader_z is None:
        return base
    return dyn.clip(base + compiled.term_sd[k] * leader_z[..., k], -1.0, 1.0)


def broadcast(value: Any, n: int | None) -> Any:
    """A float as-is for one run; an array of length n for n runs."""
    if n is None:
        return float(value) if np.ndim(value) == 0 else value
    return np.broadcast_to(np.asarray(value, dtype=float), (n,)).copy()


def initial_state(compiled: Compiled, p, n: int | None = None):
    """States and dyad before the first quarter (floats, or arrays over n runs).

    Each variable starts at the scenario's value (``compiled.initial``) or the
    registry's (:mod:`resetsim.core.state`); those the registry says come from
    elsewhere are set here: power from the data, the disposition from the first
    leader (a drawn disposition is applied at tick 0) and, left empty by the
    scenario, a variable from the one it ``default_to``, common interests from
    the scenario or their base parameter; a start written ``"rest"`` is the
    variable's resting value given the others (:mod:`resetsim.core.initial`).
    """
    raw = []
    for s, init in enumerate(compiled.initial):
        disp = base_disposition(compiled, 0, s, p)
        derived = {
            "power": compiled.power_base[0, s],
            "disposition": 0.0 if np.all(np.isnan(disp)) else disp,
        }
        st = {v.name: derived.get(v.name, init.get(v.name, v.initial)) for v in state.STATE}
        for v in state.STATE:
            if st[v.name] is None:
                st[v.name] = st[v.default_to]
        # trust: the observed start when switched on (a share: the rules read it so)
        st["trust"] = dyn.start_share(st["trust"], compiled.observed_start[s], p)
        raw.append(st)
    dyad = {}
    for v in state.DYAD:
        value = v.initial
        if value is None:  # the scenario's, else its base parameter
            value = compiled.interests.get(v.name, p[v.base_parameter])
        dyad[v.name] = broadcast(value, n)
    initial.resolve(raw, dyad, p)  # starts by rule ("rest"): core/initial.py
    for st in raw:  # ... then trust on the run's scale (its logit with latent_trust)
        st["trust"] = dyn.initial_trust(st["trust"], p)
    states = [{k: broadcast(v, n) for k, v in st.items()} for st in raw]
    return states, dyad


def apply_forcing(
    compiled: Compiled,
    t: int,
    states: Sequence[dict[str, Any]],
    dyad: dict[str, Any],
    p,
    scales: Sequence[Any],
    uniforms_t: Any,
    leader_z: Any = None,
) -> np.ndarray:
    """Apply quarter ``t``'s leader changes, scheduled and random shocks and power.

    ``uniforms_t`` is ``(P,)`` for one run or ``(n, P)`` for n runs; ``leader_z``
    the run's leader-term normals ``(L,)`` or ``(n, L)``.  Returns which
    processes fired this quarter, bool ``(P,)`` or ``(n, P)``: the engines'
    record of random events.
    """
    for s in range(2):
        # a new leader on side s changes that side's leader and stance only (§2.2);
        # the other leader meets him through experience (dynamics.next_affinity)
        if compiled.leader_change[t, s] and not np.isnan(compiled.disposition[t, s]):
            d = disposition(compiled, t, s, leader_z, p)
            states[s]["disposition"] = d + 0.0 * states[s]["leader_affinity"]  # run shape
            states[s]["leader_affinity"] = dyn.leader_change(states[s]["leader_affinity"], d, p)
            # ... and the other side's public meets him with hope or fear (own public)
            states[1 - s]["trust"] = dyn.leader_hope(states[1 - s]["trust"], d, p)
    delta: Any = 0.0
    slots: set[int] = set()
    if compiled.sched_slots[t]:
        delta = sh.scaled_delta(compiled.sched[t], compiled.sched_channels[t], scales)
        slots.update(compiled.sched_slots[t])
    fired_t = np.zeros(np.shape(uniforms_t), dtype=bool)
    for i in range(compiled.n_processes):
        if not compiled.proc_rate[i, t] > 0:
            continue
        prob = sh.fire_probability(compiled.proc_rate[i, t], p)
        fired_t[..., i] = uniforms_t[..., i] < prob
        fired = fired_t[..., i].astype(float)
        effect = sh.scaled_delta(compiled.proc[i], compiled.proc_channels[i], scales)
        delta = delta + (fired[..., None] if np.ndim(fired) else fired) * effect
        slots.update(compiled.proc_slots[i])
    if slots:
        if slots.intersection(PUBLIC_SLOTS):
            # a breach moves both publics, on the trust scale (dynamics.breach_on_publics),
            # and each public reads the strain on its side's drivers (dynamics.public_reaction)
            trust = TRUST_SLOTS
            # (runs, slots) when the runs differ (trust, or per-run parameters)
            runs = np.broadcast_shapes(np.shape(states[0]["trust"]), np.shape(dyn.latent_slope(p)))
            delta = delta + np.zeros((*runs, len(sh.SLOTS)))
            d0, d1 = delta[..., trust[0]].copy(), delta[..., trust[1]].copy()
            delta[..., trust[0]] = dyn.breach_on_publics(d0, d1, p)
            delta[..., trust[1]] = dyn.breach_on_publics(d1, d0, p)
            for s in range(2):
                strain: Any = 0.0
                for i in STRAIN_SLOTS[s]:
                    strain = strain + delta[..., i]
                delta[..., trust[s]] = delta[..., trust[s]] + dyn.public_reaction(strain, p)
            slots.update(trust)
        sh.apply_delta(states, dyad, delta, sorted(slots))
        for s in range(2):
            states[s]["trust"] = dyn.clip_trust(states[s]["trust"], p)
    for s in range(2):
        states[s]["power"] = dyn.power(compiled.power_base[t, s], states[s]["power_shock"])
    return fired_t
