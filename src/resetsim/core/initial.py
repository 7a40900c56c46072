"""Initial values by rule: a driver starts at its resting value given the other starts.

A scenario may write ``"rest"`` (:data:`resetsim.core.state.RULE`) instead of a
number for a state variable whose registry entry has ``initial_rule``; the
variable then starts where its own update equation would hold it still, given
the other variables' starts and the parameters, so no number is chosen for it:

* ``threat``: the floor distrust keeps it at, ``threat_distrust * (1 - trust)``
  (the fixed point of :func:`resetsim.core.dynamics.next_threat`);
* ``domestic_constraint``: its target, where hawks and economic elites balance
  (:func:`resetsim.core.dynamics.constraint_target`; needs the threat);
* ``status_anchor``: the status its power commands at the start, the
  recognition the other grants before any cooperation
  (:func:`resetsim.core.dynamics.recognition`: 1 for the stronger side); a
  status expectation left empty follows it;
* ``grievance``: the fixed point of :func:`resetsim.core.dynamics.next_grievance`
  with the status gap of the first quarter before any cooperation,
  ``gain * gap / (gain * gap + decay)`` (0 when the power data grant at least
  the status expected).

Pure functions of floats or arrays over runs, like the dynamics.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from resetsim.core import dynamics as dyn
from resetsim.core import state


def rest_threat(own: Mapping[str, Any], other: Mapping[str, Any], dyad, p) -> Any:
    """The threat floor distrust keeps (fixed point of ``next_threat``)."""
    return p.threat_distrust * (1.0 - own["trust"])


def rest_constraint(own: Mapping[str, Any], other: Mapping[str, Any], dyad, p) -> Any:
    """Where the domestic constraint settles (``constraint_target``)."""
    return dyn.constraint_target(
        own["trust"], own["threat"], own["security_services"], dyad["interest_economy"], p
    )


def rest_anchor(own: Mapping[str, Any], other: Mapping[str, Any], dyad, p) -> Any:
    """The status the start's power commands: recognition before any cooperation."""
    own_eff, other_eff = dyn.effective_power(own["power"], other["power"], p)
    return dyn.recognition(own_eff, other_eff, 0.0, p)


def rest_grievance(own: Mapping[str, Any], other: Mapping[str, Any], dyad, p) -> Any:
    """The fixed point of ``next_grievance`` at the first quarter's status gap."""
    own_eff, other_eff = dyn.effective_power(own["power"], other["power"], p)
    gap = dyn.status_gap(own["status_expectation"], dyn.recognition(own_eff, other_eff, 0.0, p))
    push = p.grievance_gain * gap
    return np.where(push > 0, push / np.maximum(push + p.grievance_decay, 1e-12), 0.0)


#: The rules, in the order they resolve (each may read the ones before it).
RULES: dict[str, Callable[..., Any]] = {
    "threat": rest_threat,
    "domestic_constraint": rest_constraint,
    "status_anchor": rest_anchor,
    "grievance": rest_grievance,
}


#: Variables that start at another's value when left empty (``default_to``).
FOLLOWERS: dict[str, tuple[str, ...]] = {
    name: tuple(v.name for v in state.STATE if v.default_to == name) for name in RULES
}


def resolve(states: Sequence[dict[str, Any]], dyad: Mapping[str, Any], p) -> None:
    """Replace every :data:`~resetsim.core.state.RULE` start in ``states`` by its
    resting value, in place (both states from the same starts: the rule of a
    variable reads the other state's starts, never its resolved value)."""
    for name, rule in RULES.items():
        todo = [s for s in range(2) if _is_rule(states[s].get(name))]
        values = {s: rule(states[s], states[1 - s], dyad, p) for s in todo}
        for s, v in values.items():
            states[s][name] = dyn.clip_var(name, v)
            for follower in FOLLOWERS.get(name, ()):  # left empty: takes its value
                if _is_rule(states[s].get(follower)):
                    states[s][follower] = states[s][name]


def _is_rule(value: Any) -> bool:
    return isinstance(value, str) and value == state.RULE
