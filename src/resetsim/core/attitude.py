"""Model v3's trust scale and publics: plain functions, like :mod:`resetsim.core.dynamics`.

With the ``latent_trust`` switch a side's trust is an attitude, the logit of a
favourable share (no floor: the registry's bounds are wide); every bounded
use reads :func:`trust_share`.  With ``own_public`` each side's public reads
the other side's acts: breaches (:func:`breach_on_publics`), the strain
events put on its side's drivers (:func:`public_reaction`) and a new leader
on the other side (:func:`leader_hope`).  With ``observed_start`` trust starts
from the polls (:func:`start_share`, :func:`initial_trust`).  Each function
blends the v2 and v3 forms by its switch, so a switch at 0 gives model v2's
numbers exactly.  Elementwise on floats and arrays; the compiled engine
compiles these very functions (``docs/ODD.md``, "Model v3").
"""

from __future__ import annotations

from typing import Any

import numpy as np

from resetsim.core import state

#: The bounds of trust on the latent scale (the registry's).
TRUST_LOW, TRUST_HIGH = state.bounds("trust")


def clip(x: Any, low: float, high: float) -> Any:
    """Clip a float or array into ``[low, high]``."""
    return np.minimum(np.maximum(x, low), high)


#: The logit scale's slope at a share of one half: a step of ``d`` on the share
#: scale near the middle is a step of ``LOGIT_SLOPE * d`` on the latent scale.
LOGIT_SLOPE = 4.0
#: The share a logit is taken of stays this far inside (0, 1).
SHARE_EPS = 1e-6


def sigmoid(x: Any) -> Any:
    """The logistic function: a latent attitude as a share in (0, 1)."""
    return 1.0 / (1.0 + np.exp(-x))


def logit(share: Any) -> Any:
    """A share's logit (the share kept ``SHARE_EPS`` inside (0, 1))."""
    q = clip(share, SHARE_EPS, 1.0 - SHARE_EPS)
    return np.log(q / (1.0 - q))


def trust_share(trust, p):
    """What the bounded uses of trust read (stance, threat floor, hawks,
    detection): trust itself on the share scale, the favourable share
    ``sigmoid(trust)`` when trust is a latent attitude (``latent_trust`` = 1)."""
    lat = p.latent_trust
    return lat * sigmoid(trust) + (1.0 - lat) * trust


def latent_slope(p):
    """How a step on the share scale reaches trust: 1 on the share scale,
    :data:`LOGIT_SLOPE` on the latent one (steps taken at mid scale)."""
    return 1.0 + (LOGIT_SLOPE - 1.0) * p.latent_trust


def clip_trust(trust, p):
    """Trust kept inside its scale's bounds: [0, 1] on the share scale, the
    registry's wide bounds on the latent one (``data/state.toml``)."""
    lat = p.latent_trust
    return clip(trust, lat * TRUST_LOW, lat * TRUST_HIGH + (1.0 - lat))


def initial_trust(share, p):
    """A starting trust given as a share: itself on the share scale, its
    :func:`logit` on the latent one."""
    lat = p.latent_trust
    return lat * logit(share) + (1.0 - lat) * share


def start_share(scenario_share, observed_share, p):
    """The share trust starts from: what was observed when ``observed_start``
    is 1 and the scenario has an observation for the side (not NaN), else the
    scenario's (or the registry's) initial value."""
    use = p.observed_start * (1.0 - np.isnan(observed_share))
    return use * np.nan_to_num(observed_share) + (1.0 - use) * scenario_share


def next_rest_shift(rest_shift, trust, p):
    """The resting attitude's next shift from ``attitude_rest``: it follows the
    attitude by ``attitude_memory`` of their gap each quarter, so a fall the
    pull does not undo at once leaves a lasting residue and each low can sit
    lower than the one before (the paper's downward spiral, §1).  Latent
    scale only; with ``attitude_memory`` = 0 (the default) the resting level
    stays where the registry puts it and the shift stays 0."""
    step = p.latent_trust * p.attitude_memory * (trust - p.attitude_rest - rest_shift)
    return clip(rest_shift + step, TRUST_LOW, TRUST_HIGH)


def breach_on_publics(d_own, d_other, p):
    """A breach's step on this side's trust, given the direct steps on both
    sides' (shocks move trust only through breaches, on the target's side).
    With ``own_public`` = 1 a breach moves both publics, each its own way: the
    actor's public turns against the other side by ``breach_backlash`` of the
    target's step.  Scaled to the trust scale (:func:`latent_slope`)."""
    return latent_slope(p) * (d_own + p.own_public * p.breach_backlash * d_other)


#: The drivers whose shocks a side's own public reads as strain (the registry's
#: shockable state variables with the ``cooling`` role: grievance, threat, hawks).
PUBLIC_READS: tuple[str, ...] = tuple(
    v for v in state.SHOCKABLE_STATE_VARS if v in state.COOLING_VARS
)


def public_reaction(strain, p):
    """The step in this side's trust when events strain its side's drivers by
    ``strain`` (the sum of the shocks' steps on :data:`PUBLIC_READS`; negative
    when they ease them): with ``own_public`` = 1 the public reads the other
    side's acts (an intervention, a sanctions law, a summit) directly, by
    ``public_read`` per unit of strain, on the trust scale."""
    return -latent_slope(p) * p.own_public * p.public_read * strain


def leader_hope(trust, disposition_other, p):
    """This side's public meets the other side's new leader with a hope (or a
    fear) proportional to his disposition (``own_public`` = 1; §3: 46% of
    Russians expected relations to improve after Trump's election, 12% after
    Biden's)."""
    step = p.own_public * p.leader_hope * disposition_other
    return clip_trust(trust + latent_slope(p) * step, p)
