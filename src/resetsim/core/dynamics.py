"""The update equations of resetsim: plain functions of state and parameters.

No Mesa, no I/O.  Every function works elementwise on Python floats and on
numpy arrays alike (one element per run), so the Mesa agents (one run) and the
ensemble engine (thousands of runs) call the very same code.  The equations
take scalars (and ``p``, read by attribute), with sequences over the issue
areas where a quarter needs them, so that the compiled engine
(:mod:`resetsim.engines.compiled`) compiles these same functions with numba;
the functions taking mappings (``own``, ``dyad``) are thin wrappers for the
Mesa model and the ensemble engine.  Section marks
(§) refer to the paper's parts; see ``docs/ODD.md``.

A *state* is a mapping from the names in :data:`STATE_VARS` to values; the
*dyad* is a mapping from the names in :data:`DYAD_VARS` (both declared once in
the state registry, :mod:`resetsim.core.state`).  ``p`` is a
:class:`resetsim.params.Params`.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from resetsim.core import state
from resetsim.core.attitude import (  # noqa: F401  (model v3's trust scale and publics)
    LOGIT_SLOPE,
    PUBLIC_READS,
    SHARE_EPS,
    TRUST_HIGH,
    TRUST_LOW,
    breach_on_publics,
    clip_trust,
    initial_trust,
    latent_slope,
    leader_hope,
    logit,
    next_rest_shift,
    public_reaction,
    sigmoid,
    start_share,
    trust_share,
)
from resetsim.core.params import ISSUE_AREAS

#: name: (low, high, unit, meaning), from the state registry (``data/state.toml``).
STATE_VARS = state.STATE_VARS
DYAD_VARS = state.DYAD_VARS

#: How an equation's argument names a state variable: ``<var>`` is this
#: state's ``var``, ``<var>_other`` the other state's (``var`` a name in
#: :data:`STATE_VARS`); any other argument is an input the caller passes.
OTHER_SUFFIX = "_other"


def state_argument(name: str) -> tuple[int, str] | None:
    """``(0, var)`` when argument ``name`` is this state's ``var``, ``(1, var)``
    when it is the other state's, None when it is no state variable."""
    if name in STATE_VARS:
        return 0, name
    var = name.removesuffix(OTHER_SUFFIX)
    if var != name and var in STATE_VARS:
        return 1, var
    return None


@functools.cache
def arguments(fn: Callable) -> tuple[str, ...]:
    """The names of ``fn``'s arguments, in order."""
    return tuple(inspect.signature(fn).parameters)


def call_on_states(fn: Callable, own: Mapping[str, Any], other: Mapping[str, Any], **inputs):
    """``fn`` called with its state-variable arguments read from ``own`` and
    ``other`` (by :func:`state_argument`) and the others from ``inputs``."""
    sides = (own, other)
    args = []
    for name in arguments(fn):
        where = state_argument(name)
        args.append(inputs[name] if where is None else sides[where[0]][where[1]])
    return fn(*args)


def clip(x: Any, low: float, high: float) -> Any:
    """Clip a float or array into ``[low, high]`` (NaN-safe: NaN raises upstream)."""
    return np.minimum(np.maximum(x, low), high)


def clip_var(name: str, x: Any) -> Any:
    """Clip ``x`` to the declared bounds of state or dyad variable ``name``."""
    low, high = state.bounds(name)
    return clip(x, low, high)


# --------------------------------------------------------------------------
# derived quantities


def power(base: Any, power_shock: Any) -> Any:
    """Current power: the data / projection plus a transient shock."""
    return clip(base + power_shock, 0.01, 0.99)


def effective_power(own: Any, other: Any, p) -> tuple[Any, Any]:
    """Powers pulled toward parity by the power-asymmetry switch (§2.3, Table 1)."""
    k = p.k_power_asymmetry
    return 0.5 + k * (own - 0.5), 0.5 + k * (other - 0.5)


def elastic(ratio: Any, elasticity: Any) -> Any:
    """``ratio ** elasticity``: what a power ratio is worth in status.  (The
    compiled engine skips the power where ``ratio`` is 1, the stronger side's,
    every quarter: ``1 ** y`` is exactly 1, IEEE 754.)"""
    return ratio**elasticity


def recognition(own_eff: Any, other_eff: Any, cooperation: Any, p) -> Any:
    """Status the other grants: power ratio ** elasticity plus what cooperation confers (§3)."""
    ratio = np.minimum(own_eff / other_eff, 1.0)
    return np.minimum(elastic(ratio, p.status_elasticity) + p.recognition_coop * cooperation, 1.0)


def status_gap(expectation: Any, recog: Any) -> Any:
    """Unmet status expectation: Russia resets for an equal partnership (§3)."""
    return np.maximum(expectation - recog, 0.0)


def ideological_distance(ideology: Any, ideology_other: Any, p) -> Any:
    """Distance between the regimes, weighted by the ideology switch (§2.1)."""
    return p.k_ideology * np.abs(ideology - ideology_other)


#: Per issue area (in :data:`ISSUE_AREAS`' order), which yield rule applies: 1 for the
#: partly expedient arms control and non-proliferation (§2.3.2), 2 for
#: counter-terrorism (§2.3.3), 0 for the others (all cooperation builds trust).
AREA_YIELD_RULE: tuple[int, ...] = tuple(
    1 if a in ("arms_control", "nonproliferation") else 2 if a == "counterterrorism" else 0
    for a in ISSUE_AREAS
)


def area_yields(p) -> dict[str, Any]:
    """Share of each issue area's cooperation that builds trust (§2.3.2, §2.3.3).

    Arms control *and* non-proliferation cooperation is partly expedient (the
    paper treats them together, §2.3.2); counter-terrorism cooperation is
    offset by the dispute over who is a terrorist (§2.3.3).
    """
    return {a: area_yield(i, p) for i, a in enumerate(ISSUE_AREAS)}


def area_yield(i: int, p) -> Any:
    """The trust-building share of issue area ``i``'s cooperation (see :func:`area_yields`)."""
    rule = AREA_YIELD_RULE[i]
    if rule == 1:
        return 1.0 - p.k_arms_control * p.arms_control_expedience
    if rule == 2:
        return 1.0 - p.k_counterterrorism * p.ct_disagreement
    return 1.0


def stance_of(leader_affinity, domestic_constraint, trust, grievance, threat, distance, p):
    """A state's general stance toward the other, before any issue area (§2.1-2.3).

    Leaders' rapport pushes (net of the domestic constraint holding them back;
    negative rapport pulls: the leader factor is dual), trust pulls; ideological
    distance, grievance and threat push away.
    """
    leader = p.k_leader * p.w_leader * leader_affinity * (1.0 - p.k_domestic * domestic_constraint)
    return (
        p.will_base
        + leader
        + p.w_trust * trust_share(trust, p)
        - p.w_ideology * distance
        - p.w_grievance * grievance
        - p.w_threat * p.k_security_dilemma * threat
    )


def stance(own: Mapping[str, Any], distance: Any, p) -> Any:
    """:func:`stance_of` a state given as a mapping."""
    return call_on_states(stance_of, own, {}, distance=distance, p=p)


def area_willingness(stance_: Any, interest: Any, p) -> Any:
    """Willingness to engage in one issue area: the stance plus that area's interest."""
    return clip(stance_ + p.w_interest * interest, 0.0, 1.0)


def cooperation(w_a: Any, w_b: Any) -> Any:
    """Realised cooperation: it takes two (geometric mean of willingness)."""
    return np.sqrt(w_a * w_b)


def weighted_mean(values, interests):
    """Interest-weighted mean of ``values`` (sequences over the issue areas)."""
    num = 0.0
    den = 0.0
    for i in range(len(interests)):
        num = num + interests[i] * values[i]
        den = den + interests[i]
    return num / np.maximum(den, 1e-12)


def weighted(values: Mapping[str, Any], dyad: Mapping[str, Any]) -> Any:
    """Interest-weighted mean over the issue areas of ``values[area]``."""
    return weighted_mean([values[a] for a in ISSUE_AREAS], area_interests(dyad))


def area_interests(dyad: Mapping[str, Any]) -> list[Any]:
    """The common interests as a list in :data:`ISSUE_AREAS`' order."""
    return [dyad[f"interest_{a}"] for a in ISSUE_AREAS]


def gains_share(own_eff: Any, other_eff: Any, p) -> Any:
    """Share of cooperation's gains accruing to this state, 1 = fair (§3)."""
    return clip(1.0 + p.gain_skew * (own_eff - other_eff), 0.0, 2.0)


def friction_of(grievance, threat, constraint, distance, p):
    """What erodes trust every quarter: grievance, threat, ideology, hawks."""
    return (
        p.f_grievance * grievance
        + p.f_threat * p.k_security_dilemma * threat
        + p.f_ideology * distance
        + p.f_domestic * p.k_domestic * constraint
    )


def friction(own: Mapping[str, Any], distance: Any, p) -> Any:
    """:func:`friction_of` a state given as a mapping."""
    return friction_of(own["grievance"], own["threat"], own["domestic_constraint"], distance, p)


def institution_factor(p) -> Any:
    """Share of erosion and breach damage that gets through (1 = no institutions)."""
    return 1.0 - (1.0 - p.k_institutions) * p.institution_buffer


def breach_factor(p) -> Any:
    """Multiplier of a breach's direct trust damage."""
    return p.breach_scale * institution_factor(p)


# --------------------------------------------------------------------------
# next-state equations (one quarter)


def next_trust(trust, content, share, fric, noise, affinity, p, rest_shift=0.0):
    """Trust is hard to build (trust-yielding cooperation x fair share) and eroded by friction.

    On the share scale (model v2, ``latent_trust`` = 0) building slows as trust
    nears 1 and erosion as it nears 0, so trust lives in [0, 1] with a floor.
    On the latent scale (``latent_trust`` = 1, model v3) ``trust`` is the
    attitude, the logit of a favourable share: the same rates taken at mid
    scale (a share of 1/2, where the logit's slope is 4) move it additively, so
    a second grave breach lowers it further and a thaw shows, and a weak pull
    (``attitude_relax``) toward ``attitude_rest`` keeps it from drifting.
    With ``own_public`` = 1 the side's own leader's rapport (``affinity``)
    signals to its public (``leader_cue``).  The resting level is
    ``attitude_rest`` moved by ``rest_shift``, the residue of the attitude's
    past (:func:`resetsim.core.attitude.next_rest_shift`; 0 without
    ``attitude_memory``).
    """
    lat = p.latent_trust
    grow = lat * 0.5 + (1.0 - lat) * (1.0 - trust)
    fall = lat * 0.5 + (1.0 - lat) * trust
    slope = latent_slope(p)
    built = p.trust_build * content * share * grow
    lost = p.trust_erode * institution_factor(p) * fric * fall
    x = trust + slope * built - slope * lost + slope * (p.trust_noise * noise)
    x = x + slope * (p.own_public * p.leader_cue * affinity)
    x = x + lat * p.attitude_relax * (p.attitude_rest + rest_shift - trust)
    return clip_trust(x, p)


def perceived_conduct(w_other: Any, distance: Any, p) -> Any:
    """How far the other side engages, as this leader reads it (§2.2).

    The intersubjective perception gap (主体间认知差异) makes a leader under-read
    the other's engagement in proportion to the distance between the regimes.
    """
    return w_other - p.perception_gap * distance


def next_affinity(affinity, disposition, experience, p):
    """Rapport relaxes toward the leader's own disposition and is moved by experience (§2.2).

    ``experience`` is the other side's perceived engagement minus one's own:
    a leader who gives more than he (thinks he) gets sours, one who gets more
    warms.  Summits, breaches and incidents move rapport directly (shock kinds).
    Rapport is personal: it does not drift to a bound in ordinary times, its
    resting point is the disposition plus ``affinity_learn / affinity_relax``
    times the running experience.
    """
    return clip(
        affinity + p.affinity_relax * (disposition - affinity) + p.affinity_learn * experience,
        -1.0,
        1.0,
    )


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


def hawk_pull(trust, threat, security_services):
    """What feeds the domestic hawks (§2.1): distrust for a legislature that writes
    it into law (US Congress), perceived threat of Western penetration for
    security services (Russia); ``security_services`` in [0, 1] blends the two."""
    return (1.0 - security_services) * (1.0 - trust) + security_services * threat


def constraint_target(trust, threat, security_services, interest_economy, p):
    """Where the domestic constraint settles: hawks pull it up, economic elites who
    want ties (common economic interest) pull it down (§2.1)."""
    return clip(
        p.constraint_base
        + p.constraint_hawks * hawk_pull(trust, threat, security_services)
        - p.constraint_econ * interest_economy,
        0.0,
        1.0,
    )


def next_constraint(constraint, target, p):
    """Hawks gain fast and lose ground slowly: laws stick (§2.1).

    The target stays inside (0, 1) and shocks move the constraint by a share of
    its headroom (:func:`headroom_step`), so it never sits at its bound and a
    new sanctions law still tightens it.
    """
    up = p.constraint_up * np.maximum(target - constraint, 0.0)
    down = p.constraint_down * np.maximum(constraint - target, 0.0)
    return clip(constraint + up - down, 0.0, 1.0)


def headroom_step(x: Any, delta: Any) -> Any:
    """A shock to a share that approaches its bounds with diminishing steps:
    ``+d`` closes ``d`` of the distance to 1, ``-d`` closes ``d`` of the distance to 0."""
    return x + np.maximum(delta, 0.0) * (1.0 - x) + np.minimum(delta, 0.0) * x


def next_interest(level, base, p):
    """A common interest fades back to its base: cooperation is temporary (§2.3)."""
    return clip(level + p.interest_decay * (base - level), 0.0, 1.0)


def next_power_shock(shock, p):
    """A power shock fades back to the data / projection."""
    return shock * (1.0 - p.power_shock_decay)


def leader_change(leader_affinity, disposition, p):
    """A new leader on *one* side: his rapport starts from his disposition (§2.2).

    Working institutions (``k_institutions`` < 1) carry part of the old rapport
    over the change; without them rapport is purely personal.  The other side's
    leader is not restarted: he meets the newcomer through experience.
    """
    carry = (1.0 - p.k_institutions) * p.affinity_carry
    return clip(disposition + carry * (leader_affinity - disposition), -1.0, 1.0)


# --------------------------------------------------------------------------
# one quarter, for one state and for the dyad


def area_engagement(stance_, interests, p, out):
    """Willingness per issue area into ``out`` (a sequence over the areas);
    returns the interest-weighted mean (computed before anyone commits)."""
    for i in range(len(interests)):
        out[i] = area_willingness(stance_, interests[i], p)
    return weighted_mean(out, interests)


def area_cooperation(w_a, w_b, interests, p, out):
    """Cooperation per issue area into ``out``; returns the overall
    (interest-weighted) cooperation and its trust content."""
    content = 0.0
    for i in range(len(interests)):
        c = cooperation(w_a[i], w_b[i])
        out[i] = c
        content = content + area_yield(i, p) * interests[i] * c
    return weighted_mean(out, interests), content / len(interests)


def area_content(w_other, interests, distance, p):
    """The trust content of the other side's engagement as this side perceives
    it: per issue area its willingness, under-read by the perception gap
    (:func:`perceived_conduct`), times that area's interest and trust-building
    share, averaged over the areas like :func:`area_cooperation`'s content.
    What each side's own public reads (``own_public`` = 1): what the *other*
    side does, not a joint term moving both alike."""
    content = 0.0
    for i in range(len(interests)):
        seen = np.maximum(perceived_conduct(w_other[i], distance, p), 0.0)
        content = content + area_yield(i, p) * interests[i] * seen
    return content / len(interests)


#: What :func:`state_next` returns, in order.
NEXT_STATE: tuple[str, ...] = (
    "trust",
    "rest_shift",
    "leader_affinity",
    "status_expectation",
    "recognition",
    "grievance",
    "threat",
    "domestic_constraint",
    "power_shock",
)


def state_next(
    power,
    power_other,
    ideology,
    ideology_other,
    trust,
    rest_shift,
    leader_affinity,
    disposition,
    domestic_constraint,
    security_services,
    status_expectation,
    status_anchor,
    grievance,
    threat,
    power_shock,
    q,
    trust_yield,
    other_content,
    noise,
    w_own,
    w_other,
    interest_economy,
    p,
):
    """The next drivers of a state (a tuple in :data:`NEXT_STATE`' order) given its
    current ones, the other's power and ideology, this quarter's cooperation
    ``q`` and its ``trust_yield``, the trust content of the other side's
    engagement as this side perceives it (``other_content``,
    :func:`area_content`; read instead of the joint ``trust_yield`` when
    ``own_public`` = 1), both sides' overall willingness and the common
    economic interest.  Pure: both states compute from the same quarter."""
    own_eff, other_eff = effective_power(power, power_other, p)
    distance = ideological_distance(ideology, ideology_other, p)
    recog = recognition(own_eff, other_eff, q, p)
    gap = status_gap(status_expectation, recog)
    fric = friction_of(grievance, threat, domestic_constraint, distance, p)
    share = gains_share(own_eff, other_eff, p)
    experience = perceived_conduct(w_other, distance, p) - w_own
    felt = trust_share(trust, p)
    target = constraint_target(felt, threat, security_services, interest_economy, p)
    content = p.own_public * other_content + (1.0 - p.own_public) * trust_yield
    return (
        next_trust(trust, content, share, fric, noise, leader_affinity, p, rest_shift),
        next_rest_shift(rest_shift, trust, p),
        next_affinity(leader_affinity, disposition, experience, p),
        next_expectation(status_expectation, status_anchor, q, p),
        recog,
        next_grievance(grievance, gap, p),
        next_threat(threat, felt, p),
        next_constraint(domestic_constraint, target, p),
        next_power_shock(power_shock, p),
    )


#: The state variable :func:`engagement`'s overall willingness is committed to.
WILLINGNESS = "willingness"
#: What :func:`area_cooperation` returns, as dyad variables, in order.
COOPERATION: tuple[str, ...] = ("cooperation", "trust_yield")


def engagement(own: Mapping[str, Any], other: Mapping[str, Any], dyad: Mapping[str, Any], p):
    """This state's willingness this quarter, per issue area and overall.

    Returns ``{area: willingness}`` plus ``"willingness"``, the interest-weighted
    mean over the areas (computed before anyone commits).
    """
    distance = call_on_states(ideological_distance, own, other, p=p)
    out: list[Any] = [0.0] * len(ISSUE_AREAS)
    overall = area_engagement(stance(own, distance, p), area_interests(dyad), p, out)
    w = dict(zip(ISSUE_AREAS, out, strict=True))
    w[WILLINGNESS] = overall
    return w


def other_engagement_content(own, other, w_other, dyad: Mapping[str, Any], p) -> Any:
    """:func:`area_content` of the other side's willingness ``w_other`` (a mapping
    as :func:`engagement` returns) as ``own`` perceives it."""
    distance = call_on_states(ideological_distance, own, other, p=p)
    return area_content([w_other[a] for a in ISSUE_AREAS], area_interests(dyad), distance, p)


def dyad_cooperation(w_a, w_b, dyad: Mapping[str, Any], p) -> dict[str, Any]:
    """Cooperation per issue area, overall (interest-weighted) and its trust content."""
    per_area: list[Any] = [0.0] * len(ISSUE_AREAS)
    q, content = area_cooperation(
        [w_a[a] for a in ISSUE_AREAS],
        [w_b[a] for a in ISSUE_AREAS],
        area_interests(dyad),
        p,
        per_area,
    )
    out: dict[str, Any] = {
        f"cooperation_{a}": c for a, c in zip(ISSUE_AREAS, per_area, strict=True)
    }
    out.update(zip(COOPERATION, (q, content), strict=True))
    return out


def state_update(
    own: Mapping[str, Any],
    other: Mapping[str, Any],
    coop: Mapping[str, Any],
    noise: Any,
    p,
    w_own: Any = 0.0,
    w_other: Any = 0.0,
    interest_economy: Any = 0.0,
    other_content: Any = 0.0,
) -> dict[str, Any]:
    """The next state of ``own`` given the current ``own``, ``other`` and cooperation.

    ``w_own`` and ``w_other`` are both sides' overall willingness this quarter
    (what each leader offers); ``interest_economy`` the common economic interest;
    ``other_content`` the other's engagement's trust content as this side
    perceives it (:func:`other_engagement_content`).
    Pure: reads only its arguments, so both states can compute from the same
    current quarter before either commits.
    """
    new = call_on_states(
        state_next,
        own,
        other,
        q=coop["cooperation"],
        trust_yield=coop["trust_yield"],
        other_content=other_content,
        noise=noise,
        w_own=w_own,
        w_other=w_other,
        interest_economy=interest_economy,
        p=p,
    )
    return dict(zip(NEXT_STATE, new, strict=True))


def dyad_update(dyad: Mapping[str, Any], p) -> dict[str, Any]:
    """The next common interests: each fades to its base."""
    return {
        f"interest_{a}": next_interest(dyad[f"interest_{a}"], p[f"interest_base_{a}"], p)
        for a in ISSUE_AREAS
    }
