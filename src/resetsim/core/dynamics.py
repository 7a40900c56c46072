"""The update equations of resetsim: plain functions of state and parameters.

No Mesa, no I/O.  Every function works elementwise on Python floats and on
numpy arrays alike (one element per run), so the Mesa agents (one run) and the
ensemble engine (thousands of runs) call the very same code.  Section marks
(§) refer to the paper's parts; see ``docs/ODD.md``.

A *state* is a mapping from the names in :data:`STATE_VARS` to values; the
*dyad* is a mapping from the names in :data:`DYAD_VARS`.  ``p`` is a
:class:`resetsim.params.Params`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from resetsim.core.params import ISSUE_AREAS

# name: (low, high, unit, meaning)
STATE_VARS: dict[str, tuple[float, float, str, str]] = {
    "power": (
        0.0,
        1.0,
        "share of the dyad's composite power",
        "data-driven power (GDP, military spending, warheads) plus any power shock",
    ),
    "power_shock": (-0.5, 0.5, "share", "transient power shock (crisis), fading back to data"),
    "trust": (0.0, 1.0, "share", "this state's trust in the other state"),
    "leader_affinity": (
        -1.0,
        1.0,
        "index",
        "this state's leader's personal rapport with the other's leader",
    ),
    "ideology": (
        0.0,
        1.0,
        "index",
        "regime position: 0 liberal democracy ... 1 authoritarian / statist",
    ),
    "domestic_constraint": (
        0.0,
        1.0,
        "share",
        "hawkish hold of legislature / security services on policy (sticky)",
    ),
    "status_expectation": (0.0, 1.0, "share", "status this state expects the other to grant it"),
    "status_anchor": (0.0, 1.0, "share", "long-run status claim the expectation returns to"),
    "recognition": (0.0, 1.0, "share", "status the other state actually grants it"),
    "grievance": (0.0, 1.0, "share", "accumulated grievance against the other state"),
    "threat": (0.0, 1.0, "share", "threat perceived from the other state"),
    "willingness": (0.0, 1.0, "share", "willingness to engage the other state this quarter"),
}

DYAD_VARS: dict[str, tuple[float, float, str, str]] = {
    **{
        f"interest_{a}": (0.0, 1.0, "share", f"common interest in {a.replace('_', ' ')}")
        for a in ISSUE_AREAS
    },
    "cooperation": (0.0, 1.0, "share", "realised cooperation (geometric mean of willingness)"),
    "trust_yield": (
        0.0,
        1.0,
        "share",
        "interest-weighted cooperation content that can build trust",
    ),
}

#: State variables that shocks may move (``trust`` only for breach kinds).
SHOCKABLE_STATE_VARS: tuple[str, ...] = (
    "trust",
    "power_shock",
    "leader_affinity",
    "ideology",
    "domestic_constraint",
    "status_expectation",
    "status_anchor",
    "grievance",
    "threat",
)
SHOCKABLE_DYAD_VARS: tuple[str, ...] = tuple(f"interest_{a}" for a in ISSUE_AREAS)


def clip(x: Any, low: float, high: float) -> Any:
    """Clip a float or array into ``[low, high]`` (NaN-safe: NaN raises upstream)."""
    return np.minimum(np.maximum(x, low), high)


def clip_var(name: str, x: Any) -> Any:
    """Clip ``x`` to the declared bounds of state or dyad variable ``name``."""
    low, high = (STATE_VARS.get(name) or DYAD_VARS[name])[:2]
    return clip(x, low, high)


# --------------------------------------------------------------------------
# derived quantities


def power(base: Any, shock: Any) -> Any:
    """Current power: the data / projection plus a transient shock."""
    return clip(base + shock, 0.01, 0.99)


def effective_power(own: Any, other: Any, p) -> tuple[Any, Any]:
    """Powers pulled toward parity by the power-asymmetry switch (§2.3, Table 1)."""
    k = p.k_power_asymmetry
    return 0.5 + k * (own - 0.5), 0.5 + k * (other - 0.5)


def recognition(own_eff: Any, other_eff: Any, cooperation: Any, p) -> Any:
    """Status the other grants: power ratio ** elasticity plus what cooperation confers (§3)."""
    ratio = np.minimum(own_eff / other_eff, 1.0)
    return np.minimum(ratio**p.status_elasticity + p.recognition_coop * cooperation, 1.0)


def status_gap(expectation: Any, recog: Any) -> Any:
    """Unmet status expectation: Russia resets for an equal partnership (§3)."""
    return np.maximum(expectation - recog, 0.0)


def ideological_distance(own_ideology: Any, other_ideology: Any, p) -> Any:
    """Distance between the regimes, weighted by the ideology switch (§2.1)."""
    return p.k_ideology * np.abs(own_ideology - other_ideology)


def interest_mean(dyad: Mapping[str, Any]) -> Any:
    """Mean common interest over the issue areas."""
    total = 0.0
    for a in ISSUE_AREAS:
        total = total + dyad[f"interest_{a}"]
    return total / len(ISSUE_AREAS)


def area_yields(p) -> dict[str, Any]:
    """Share of each issue area's cooperation that builds trust (§2.3.2, §2.3.3)."""
    yields: dict[str, Any] = {a: 1.0 for a in ISSUE_AREAS}
    yields["arms_control"] = 1.0 - p.k_arms_control * p.arms_control_expedience
    yields["counterterrorism"] = 1.0 - p.k_counterterrorism * p.ct_disagreement
    return yields


def trust_yield(dyad: Mapping[str, Any], p) -> Any:
    """Interest-weighted cooperation content that can build trust."""
    yields = area_yields(p)
    total = 0.0
    for a in ISSUE_AREAS:
        total = total + yields[a] * dyad[f"interest_{a}"]
    return total / len(ISSUE_AREAS)


def willingness(own: Mapping[str, Any], distance: Any, interest: Any, p) -> Any:
    """A state's willingness to engage (§2.1-2.3).

    Leaders' rapport pushes (net of the domestic constraint holding them back),
    trust and common interest pull; ideological distance, grievance and threat
    push away.
    """
    leader = (
        p.k_leader
        * p.w_leader
        * own["leader_affinity"]
        * (1.0 - p.k_domestic * own["domestic_constraint"])
    )
    w = (
        p.will_base
        + leader
        + p.w_trust * own["trust"]
        + p.w_interest * interest
        - p.w_ideology * distance
        - p.w_grievance * own["grievance"]
        - p.w_threat * p.k_security_dilemma * own["threat"]
    )
    return clip(w, 0.0, 1.0)


def cooperation(w_a: Any, w_b: Any) -> Any:
    """Realised cooperation: it takes two (geometric mean of willingness)."""
    return np.sqrt(w_a * w_b)


def gains_share(own_eff: Any, other_eff: Any, p) -> Any:
    """Share of cooperation's gains accruing to this state, 1 = fair (§3)."""
    return clip(1.0 + p.gain_skew * (own_eff - other_eff), 0.0, 2.0)


def friction(own: Mapping[str, Any], distance: Any, p) -> Any:
    """What erodes trust every quarter: grievance, threat, ideology, hawks."""
    return (
        p.f_grievance * own["grievance"]
        + p.f_threat * p.k_security_dilemma * own["threat"]
        + p.f_ideology * distance
        + p.f_domestic * p.k_domestic * own["domestic_constraint"]
    )


def institution_factor(p) -> Any:
    """Share of erosion and breach damage that gets through (1 = no institutions)."""
    return 1.0 - (1.0 - p.k_institutions) * p.institution_buffer


def breach_factor(p) -> Any:
    """Multiplier of a breach's direct trust damage."""
    return p.breach_scale * institution_factor(p)


# --------------------------------------------------------------------------
# next-state equations (one quarter)


def next_trust(trust, coop, yield_, share, fric, noise, p):
    """Trust is hard to build (cooperation x trust-yield x fair share) and eroded by friction."""
    built = p.trust_build * coop * yield_ * share * (1.0 - trust)
    lost = p.trust_erode * institution_factor(p) * fric * trust
    return clip(trust + built - lost + p.trust_noise * noise, 0.0, 1.0)


def next_affinity(affinity, coop, constraint, p):
    """Rapport grows with cooperation and is worn down by domestic constraint (§2.2)."""
    drift = p.affinity_learn * (coop - p.affinity_ref)
    drag = p.affinity_constraint * p.k_domestic * constraint * np.maximum(affinity, 0.0)
    return clip(affinity + drift - drag, -1.0, 1.0)


def next_expectation(expectation, anchor, coop, p):
    """Status expectation follows its anchor, raised by the hopes a reset brings (§3)."""
    target = np.minimum(anchor + p.expectation_hope * coop, 1.0)
    return clip(expectation + p.expectation_rate * (target - expectation), 0.0, 1.0)


def next_grievance(grievance, gap, p):
    """Unmet status accumulates into grievance, forgotten slowly."""
    return clip(
        grievance + p.grievance_gain * gap * (1.0 - grievance) - p.grievance_decay * grievance,
        0.0,
        1.0,
    )


def next_threat(threat, trust, p):
    """Threat relaxes toward a floor kept up by distrust: the security dilemma (§2.3.1)."""
    floor = p.threat_distrust * (1.0 - trust)
    return clip(threat + p.threat_decay * (floor - threat), 0.0, 1.0)


def next_constraint(constraint, trust, grievance, p):
    """Domestic hawks gain fast with distrust and lose ground slowly: laws stick (§2.1)."""
    target = clip(
        p.constraint_base + p.constraint_distrust * (1.0 - trust) * (0.5 + 0.5 * grievance),
        0.0,
        1.0,
    )
    up = p.constraint_up * np.maximum(target - constraint, 0.0)
    down = p.constraint_down * np.maximum(constraint - target, 0.0)
    return clip(constraint + up - down, 0.0, 1.0)


def next_ideology(ideology, other_ideology, grievance, p):
    """Grievance above a neutral level pushes a regime away from the other's model
    (nationalist reaction); below it the regime drifts back toward it (§2.1)."""
    direction = np.sign(ideology - other_ideology)
    drift = p.ideology_reaction * (grievance - p.grievance_neutral) * direction
    return clip(ideology + drift, 0.0, 1.0)


def next_interest(level, base, p):
    """A common interest fades back to its base: cooperation is temporary (§2.3)."""
    return clip(level + p.interest_decay * (base - level), 0.0, 1.0)


def next_power_shock(shock, p):
    """A power shock fades back to the data / projection."""
    return shock * (1.0 - p.power_shock_decay)


def leader_change(affinity_old, disposition, p):
    """A new leader pair: rapport restarts from the leader's disposition (§2.2).

    Working institutions (``k_institutions`` < 1) carry part of the old rapport
    over the change; without them rapport is purely personal.
    """
    carry = (1.0 - p.k_institutions) * p.affinity_carry
    return clip(disposition + carry * (affinity_old - disposition), -1.0, 1.0)


# --------------------------------------------------------------------------
# one quarter, for one state and for the dyad


def engagement(own: Mapping[str, Any], other: Mapping[str, Any], dyad: Mapping[str, Any], p):
    """This state's willingness this quarter (computed before anyone commits)."""
    distance = ideological_distance(own["ideology"], other["ideology"], p)
    return willingness(own, distance, interest_mean(dyad), p)


def dyad_cooperation(w_a, w_b, dyad: Mapping[str, Any], p) -> dict[str, Any]:
    """Cooperation and its trust-building content this quarter."""
    return {"cooperation": cooperation(w_a, w_b), "trust_yield": trust_yield(dyad, p)}


def state_update(
    own: Mapping[str, Any],
    other: Mapping[str, Any],
    coop: Mapping[str, Any],
    noise: Any,
    p,
) -> dict[str, Any]:
    """The next state of ``own`` given the current ``own``, ``other`` and cooperation.

    Pure: reads only its arguments, so both states can compute from the same
    current quarter before either commits.
    """
    q = coop["cooperation"]
    own_eff, other_eff = effective_power(own["power"], other["power"], p)
    distance = ideological_distance(own["ideology"], other["ideology"], p)
    recog = recognition(own_eff, other_eff, q, p)
    gap = status_gap(own["status_expectation"], recog)
    fric = friction(own, distance, p)
    share = gains_share(own_eff, other_eff, p)
    return {
        "trust": next_trust(own["trust"], q, coop["trust_yield"], share, fric, noise, p),
        "leader_affinity": next_affinity(own["leader_affinity"], q, own["domestic_constraint"], p),
        "status_expectation": next_expectation(
            own["status_expectation"], own["status_anchor"], q, p
        ),
        "recognition": recog,
        "grievance": next_grievance(own["grievance"], gap, p),
        "threat": next_threat(own["threat"], own["trust"], p),
        "domestic_constraint": next_constraint(
            own["domestic_constraint"], own["trust"], own["grievance"], p
        ),
        "ideology": next_ideology(own["ideology"], other["ideology"], own["grievance"], p),
        "power_shock": next_power_shock(own["power_shock"], p),
    }


def dyad_update(dyad: Mapping[str, Any], p) -> dict[str, Any]:
    """The next common interests: each fades to its base."""
    return {
        f"interest_{a}": next_interest(dyad[f"interest_{a}"], p[f"interest_base_{a}"], p)
        for a in ISSUE_AREAS
    }
