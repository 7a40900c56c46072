"""One quarter, in one place: the step order both engines follow.

:func:`quarter` advances a dyad by one calendar quarter, in place:

1. *forcing* (:func:`resetsim.engines.forcing.apply_forcing`): leader changes,
   scheduled and random shocks, power;
2. *compute*: each state's willingness per issue area, then the dyad's
   cooperation per area and overall, then each state's next drivers (its
   leader reading the other's engagement), all from the same current quarter;
3. *commit*: both states adopt their new drivers at once (simultaneous
   update), then the common interests move.

It works on floats (one run: the Mesa model) and on arrays over runs (the
ensemble engine) alike, because :mod:`resetsim.core.dynamics` is elementwise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from resetsim.core import dynamics as dyn
from resetsim.engines.forcing import apply_forcing
from resetsim.scenario import Compiled


def quarter(
    compiled: Compiled,
    t: int,
    states: Sequence[dict[str, Any]],
    dyad: dict[str, Any],
    p: Any,
    scales: Sequence[Any],
    uniforms_t: Any,
    noise_t: Any,
    leader_z: Any = None,
    hold: Mapping[tuple[int, str], Any] | None = None,
) -> np.ndarray:
    """Advance ``states`` and ``dyad`` through quarter ``t``, in place.

    ``uniforms_t`` is ``(P,)`` for one run or ``(n, P)`` for n runs, ``noise_t``
    ``(2,)`` or ``(n, 2)`` (one trust noise per state), ``leader_z`` the run's
    leader-term normals.  Returns which processes fired this quarter (bool
    ``(P,)`` or ``(n, P)``, :func:`resetsim.engines.forcing.apply_forcing`).

    ``hold`` (an engine option for validation, not a model parameter) maps
    ``(state index, variable)`` to a value held fixed: the variable is set to it
    after the forcing and again after the commit, so it is present but has no
    dynamics (a *static* knock-out).  A NaN entry (per run) leaves that run free.
    """
    fired = apply_forcing(compiled, t, states, dyad, p, scales, uniforms_t, leader_z)
    if hold:
        apply_hold(states, hold)
    # compute (both states from the same quarter) ...
    w = [dyn.engagement(states[s], states[1 - s], dyad, p) for s in range(2)]
    coop = dyn.dyad_cooperation(w[0], w[1], dyad, p)
    econ = dyad["interest_economy"]
    new = [
        dyn.state_update(
            states[s],
            states[1 - s],
            coop,
            noise_t[..., s],
            p,
            w_own=w[s]["willingness"],
            w_other=w[1 - s]["willingness"],
            interest_economy=econ,
            other_content=dyn.other_engagement_content(states[s], states[1 - s], w[1 - s], dyad, p),
        )
        for s in range(2)
    ]
    # ... then commit
    for s in range(2):
        states[s].update(new[s])
        states[s]["willingness"] = w[s]["willingness"]
    dyad.update(coop)
    dyad.update(dyn.dyad_update(dyad, p))
    if hold:
        apply_hold(states, hold)
    return fired


def apply_hold(states: Sequence[dict[str, Any]], hold: Mapping[tuple[int, str], Any]) -> None:
    """Set each held ``(state, variable)`` to its value (NaN entries: left free)."""
    for (s, var), value in hold.items():
        states[s][var] = np.where(np.isnan(value), states[s][var], value)
