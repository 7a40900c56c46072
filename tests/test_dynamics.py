"""Each update equation, shock helper and calendar function, with hand-computed numbers.

The parameters here are pinned (``P``), not the registry defaults, so that
recalibrating the defaults does not touch these tests; each expected value is
written out as the arithmetic it comes from.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math

import numpy as np
import pytest

from resetsim.core import calendar as cal
from resetsim.core import contradictions, state
from resetsim.core import dynamics as dyn
from resetsim.core import params as prm
from resetsim.core import shocks as sh

FIXED = {
    **{name: 1.0 for name in prm.CONTRADICTIONS.values()},
    prm.LEADER_SWITCH: 1.0,
    "will_base": 0.05,
    "w_leader": 0.9,
    "w_trust": 0.5,
    "w_interest": 0.8,
    "w_ideology": 0.4,
    "w_grievance": 0.3,
    "w_threat": 0.2,
    "trust_build": 0.8,
    "trust_erode": 0.15,
    "f_grievance": 0.5,
    "f_threat": 0.6,
    "f_ideology": 0.6,
    "f_domestic": 0.5,
    "trust_noise": 0.01,
    "institution_buffer": 0.6,
    "breach_scale": 1.0,
    "gain_skew": 0.5,
    "status_elasticity": 0.5,
    "recognition_coop": 0.2,
    "expectation_rate": 0.15,
    "expectation_hope": 0.6,
    "grievance_gain": 0.1,
    "grievance_decay": 0.08,
    "threat_decay": 0.1,
    "threat_distrust": 0.4,
    "constraint_up": 0.1,
    "constraint_down": 0.02,
    "constraint_base": 0.1,
    "constraint_hawks": 0.6,
    "constraint_econ": 0.2,
    "affinity_learn": 0.04,
    "affinity_relax": 0.2,
    "perception_gap": 0.3,
    "affinity_carry": 0.5,
    "interest_decay": 0.1,
    "interest_base_european_security": 0.1,
    "interest_base_arms_control": 0.35,
    "interest_base_nonproliferation": 0.3,
    "interest_base_counterterrorism": 0.15,
    "interest_base_economy": 0.15,
    "arms_control_expedience": 0.6,
    "ct_disagreement": 0.5,
    "power_shock_decay": 0.1,
    "shock_rate_scale": 1.0,
    "lasting_share": 0.0,
    # model v3 options: off (the v2 equations); their own tests switch them on
    "latent_trust": 0.0,
    "own_public": 0.0,
    "observed_start": 0.0,
    "attitude_relax": 0.1,
    "attitude_rest": 0.0,
    "attitude_memory": 0.0,
    "leader_cue": 0.01,
    "breach_backlash": 0.5,
    "leader_hope": 0.1,
    "public_read": 0.5,
    # effect sizes of 1: an effect matrix's entries are then the effects' multipliers
    **{sh.size_parameter(g): 1.0 for g in sh.SIZES if g != sh.HAND},
    "disposition_scale": 0.3,
}


def params(**overrides) -> prm.Params:
    """The pinned parameters (registry defaults only for names not pinned here)."""
    return prm.resolve({k: v for k, v in FIXED.items() if k in prm.PARAM_BY_NAME}, overrides)


P = params()


def a_state(**pinned: float) -> dict[str, float]:
    """A state: every registry variable at its initial value (its lower bound
    when it has none), then the values pinned here."""
    neutral = {v.name: v.initial if v.initial is not None else max(v.low, 0.0) for v in state.STATE}
    return {**neutral, **pinned}


OWN = a_state(
    power=0.7,
    power_shock=0.0,
    trust=0.4,
    leader_affinity=0.5,
    disposition=0.4,
    ideology=0.2,
    domestic_constraint=0.3,
    security_services=0.0,
    status_expectation=0.8,
    status_anchor=0.6,
    recognition=0.0,
    grievance=0.25,
    threat=0.3,
    willingness=0.0,
)
OTHER = a_state(
    power=0.3,
    power_shock=-0.02,
    trust=0.2,
    leader_affinity=0.1,
    disposition=0.2,
    ideology=0.7,
    domestic_constraint=0.5,
    security_services=1.0,
    status_expectation=0.9,
    status_anchor=0.5,
    recognition=0.0,
    grievance=0.4,
    threat=0.5,
    willingness=0.0,
)
DYAD = {
    "interest_european_security": 0.2,
    "interest_arms_control": 0.4,
    "interest_nonproliferation": 0.3,
    "interest_counterterrorism": 0.1,
    "interest_economy": 0.5,
    **{f"cooperation_{a}": 0.0 for a in prm.ISSUE_AREAS},
    "cooperation": 0.0,
    "trust_yield": 0.0,
}


def approx(x):
    return pytest.approx(x, rel=1e-12, abs=1e-12)


def test_pinned_parameters_cover_the_dynamics():
    # a new dynamics parameter should be pinned here too
    dynamic_groups = {p.group for p in prm.PARAMETERS} - {"detection"}
    missing = [p.name for p in prm.PARAMETERS if p.group in dynamic_groups and p.name not in FIXED]
    assert not missing, f"pin these in FIXED: {missing}"


def test_state_and_dyad_variables():
    for name, (low, high, unit, meaning) in {**dyn.STATE_VARS, **dyn.DYAD_VARS}.items():
        assert low < high and unit and meaning, name
    assert set(DYAD) == set(dyn.DYAD_VARS)
    assert set(state.SHOCKABLE_STATE_VARS) <= set(dyn.STATE_VARS)
    assert set(state.SHOCKABLE_DYAD_VARS) <= set(dyn.DYAD_VARS)
    assert "willingness" not in state.SHOCKABLE_STATE_VARS


# ------------------------------------------------------------ derived quantities


def test_clip_and_clip_var():
    assert dyn.clip(1.5, 0.0, 1.0) == 1.0
    assert dyn.clip(-0.5, 0.0, 1.0) == 0.0
    assert dyn.clip(0.25, 0.0, 1.0) == 0.25
    np.testing.assert_array_equal(dyn.clip(np.array([-1, 0.5, 2]), 0, 1), [0, 0.5, 1])
    assert dyn.clip_var("leader_affinity", -3.0) == -1.0
    assert dyn.clip_var("power_shock", 0.9) == 0.5
    assert dyn.clip_var("interest_economy", 1.2) == 1.0
    with pytest.raises(KeyError):
        dyn.clip_var("no_such_var", 0.0)


def test_power_is_base_plus_shock_kept_off_the_edges():
    assert dyn.power(0.5, -0.1) == approx(0.4)
    assert dyn.power(0.8, 0.3) == 0.99
    assert dyn.power(0.02, -0.3) == 0.01


def test_effective_power_pulls_toward_parity():
    assert dyn.effective_power(0.7, 0.3, P) == (approx(0.7), approx(0.3))
    assert dyn.effective_power(0.7, 0.3, params(k_power_asymmetry=0.5)) == (
        approx(0.5 + 0.5 * 0.2),
        approx(0.5 - 0.5 * 0.2),
    )
    assert dyn.effective_power(0.9, 0.1, params(k_power_asymmetry=0.0)) == (0.5, 0.5)


def test_recognition():
    # the weaker state: (0.3 / 0.7) ** 0.5 + 0.2 * 0.5
    assert dyn.recognition(0.3, 0.7, 0.5, P) == approx(math.sqrt(0.3 / 0.7) + 0.1)
    # the stronger: ratio capped at 1, total capped at 1
    assert dyn.recognition(0.7, 0.3, 0.5, P) == 1.0
    assert dyn.recognition(0.3, 0.7, 0.0, params(status_elasticity=0.0)) == 1.0


def test_status_gap_is_unmet_expectation_only():
    assert dyn.status_gap(0.8, 0.75) == approx(0.05)
    assert dyn.status_gap(0.5, 0.75) == 0.0


def test_ideological_distance():
    assert dyn.ideological_distance(0.2, 0.7, P) == approx(0.5)
    assert dyn.ideological_distance(0.7, 0.2, P) == approx(0.5)
    assert dyn.ideological_distance(0.2, 0.7, params(k_ideology=0.5)) == approx(0.25)
    assert dyn.ideological_distance(0.0, 1.0, params(k_ideology=0.0)) == 0.0


def test_trust_yield():
    yields = dyn.area_yields(P)
    assert yields == {
        "european_security": 1.0,
        "arms_control": approx(1 - 0.6),
        "nonproliferation": approx(1 - 0.6),  # expedient too (§2.3.2)
        "counterterrorism": approx(1 - 0.5),
        "economy": 1.0,
    }
    # weighted: interest-weighted mean over the areas
    vals = {a: float(i) for i, a in enumerate(prm.ISSUE_AREAS)}
    assert dyn.weighted(vals, DYAD) == approx((0.4 * 1 + 0.3 * 2 + 0.1 * 3 + 0.5 * 4) / 1.5)
    # switches off: arms control and counter-terrorism build trust fully
    off = dyn.area_yields(params(k_arms_control=0.0, k_counterterrorism=0.0))
    assert set(off.values()) == {1.0}


def willingness(own, distance, interest, p):
    """Willingness at one common interest: the area willingness of the stance."""
    return dyn.area_willingness(dyn.stance(own, distance, p), interest, p)


def test_willingness():
    leader = 1.0 * 0.9 * 0.5 * (1 - 0.3)
    stance = 0.05 + leader + 0.5 * 0.4 - 0.4 * 0.5 - 0.3 * 0.25 - 0.2 * 0.3
    expected = stance + 0.8 * 0.3
    assert dyn.stance(OWN, 0.5, P) == approx(stance)
    assert willingness(OWN, 0.5, 0.3, P) == approx(expected)
    # per issue area: the stance plus that area's own interest (its own gate)
    w = dyn.engagement(OWN, OTHER, DYAD, P)
    for a in prm.ISSUE_AREAS:
        assert w[a] == approx(min(max(stance + 0.8 * DYAD[f"interest_{a}"], 0.0), 1.0)), a
    assert w["willingness"] == approx(dyn.weighted(w, DYAD))
    # clipped into [0, 1]
    assert willingness({**OWN, "grievance": 1.0, "threat": 1.0}, 1.0, 0.0, P) == 0.0
    assert willingness({**OWN, "leader_affinity": 1.0, "trust": 1.0}, 0.0, 1.0, P) == 1.0


def test_willingness_rises_with_rapport_trust_and_interest():
    base = willingness(OWN, 0.5, 0.3, P)
    assert willingness({**OWN, "leader_affinity": 0.6}, 0.5, 0.3, P) > base
    assert willingness({**OWN, "trust": 0.5}, 0.5, 0.3, P) > base
    assert willingness(OWN, 0.5, 0.4, P) > base
    assert willingness(OWN, 0.6, 0.3, P) < base
    assert willingness({**OWN, "grievance": 0.3}, 0.5, 0.3, P) < base
    assert willingness({**OWN, "threat": 0.4}, 0.5, 0.3, P) < base
    # the domestic constraint holds the leader back
    assert willingness({**OWN, "domestic_constraint": 0.6}, 0.5, 0.3, P) < base


def test_cooperation_takes_two():
    assert dyn.cooperation(0.64, 0.25) == approx(0.4)
    assert dyn.cooperation(0.9, 0.0) == 0.0
    areas = prm.ISSUE_AREAS
    w_a = {a: 0.64 for a in areas}
    w_b = {a: 0.25 for a in areas}
    w_b["arms_control"] = 0.0  # one side refuses arms control only
    coop = dyn.dyad_cooperation(w_a, w_b, DYAD, P)
    assert coop["cooperation_arms_control"] == 0.0
    assert coop["cooperation_economy"] == approx(0.4)
    # overall: interest-weighted over the areas
    assert coop["cooperation"] == approx(0.4 * (1.5 - 0.4) / 1.5)
    y = dyn.area_yields(P)
    content = sum(y[a] * DYAD[f"interest_{a}"] * coop[f"cooperation_{a}"] for a in areas) / 5
    assert coop["trust_yield"] == approx(content)


def test_issue_areas_cooperate_apart():
    """Arms control goes on (high common interest) while the stance is hostile (§2.3.2)."""
    hostile = {**OWN, "grievance": 0.9, "leader_affinity": -0.5}
    dyad = {**DYAD, "interest_arms_control": 0.9, "interest_economy": 0.05}
    w = dyn.engagement(hostile, OTHER, dyad, P)
    assert w["arms_control"] > 0.0 and w["economy"] == 0.0
    coop = dyn.dyad_cooperation(w, w, dyad, P)
    assert coop["cooperation_arms_control"] > 0.02 and coop["cooperation_economy"] == 0.0
    assert coop["cooperation"] > 0.02


def test_gains_share_favours_the_stronger():
    assert dyn.gains_share(0.7, 0.3, P) == approx(1 + 0.5 * 0.4)
    assert dyn.gains_share(0.3, 0.7, P) == approx(1 - 0.5 * 0.4)
    assert dyn.gains_share(0.3, 0.7, params(gain_skew=0.0)) == 1.0
    assert dyn.gains_share(0.01, 0.99, params(gain_skew=2.0)) == 0.0


def test_friction():
    expected = 0.5 * 0.25 + 0.6 * 0.3 + 0.6 * 0.5 + 0.5 * 0.3
    assert dyn.friction(OWN, 0.5, P) == approx(expected)
    no_sd = params(k_security_dilemma=0.0, k_domestic=0.0)
    assert dyn.friction(OWN, 0.5, no_sd) == approx(0.5 * 0.25 + 0.6 * 0.5)


def test_institution_and_breach_factors():
    assert dyn.institution_factor(P) == 1.0  # no institutions: everything gets through
    assert dyn.institution_factor(params(k_institutions=0.0)) == approx(1 - 0.6)
    assert dyn.institution_factor(params(k_institutions=0.5)) == approx(1 - 0.5 * 0.6)
    assert dyn.breach_factor(P) == 1.0
    assert dyn.breach_factor(params(breach_scale=2.0, k_institutions=0.0)) == approx(2 * 0.4)
    assert dyn.breach_factor(params(breach_scale=0.0)) == 0.0


# ------------------------------------------------------------ next-state equations


def test_next_trust():
    built = 0.8 * 0.121 * 1.2 * (1 - 0.4)
    lost = 0.15 * 1.0 * 0.755 * 0.4
    assert dyn.next_trust(0.4, 0.121, 1.2, 0.755, 1.0, 0.0, P) == approx(0.4 + built - lost + 0.01)
    assert dyn.next_trust(0.4, 0.121, 1.2, 0.755, 0.0, 0.0, P) == approx(0.4 + built - lost)
    assert dyn.next_trust(0.99, 1.0, 2.0, 0.0, 50.0, 0.0, P) == 1.0
    assert dyn.next_trust(0.01, 0.0, 1.0, 3.0, -50.0, 0.0, P) == 0.0


def test_trust_rises_with_cooperation_and_falls_with_friction():
    content = np.linspace(0, 1, 11)
    up = dyn.next_trust(0.3, content, 1.0, 0.5, 0.0, 0.0, P)
    assert np.all(np.diff(up) > 0)
    fric = np.linspace(0, 3, 11)
    down = dyn.next_trust(0.3, 0.12, 1.0, fric, 0.0, 0.0, P)
    assert np.all(np.diff(down) < 0)
    # cooperation that yields no trust (pure expedience) builds none
    assert dyn.next_trust(0.3, 0.0, 1.0, 0.0, 0.0, 0.0, P) == 0.3
    # an unfair share builds less
    assert dyn.next_trust(0.3, 0.15, 0.8, 0.0, 0.0, 0.0, P) < dyn.next_trust(
        0.3, 0.15, 1.2, 0.0, 0.0, 0.0, P
    )
    # working institutions slow erosion
    assert dyn.next_trust(0.5, 0, 1, 1.0, 0, 0.0, params(k_institutions=0.0)) > dyn.next_trust(
        0.5, 0, 1, 1.0, 0, 0.0, P
    )


def test_next_affinity():
    # relaxes toward the disposition, moved by experience
    assert dyn.next_affinity(0.5, 0.1, 0.2, P) == approx(0.5 + 0.2 * (0.1 - 0.5) + 0.04 * 0.2)
    assert dyn.next_affinity(-0.5, 0.1, 0.0, P) == approx(-0.5 + 0.2 * 0.6)
    assert dyn.next_affinity(1.0, 1.0, 1.0, P) == 1.0
    assert dyn.next_affinity(-1.0, -1.0, -1.0, P) == -1.0


def test_rapport_rests_near_the_disposition_not_at_a_bound():
    """In ordinary times rapport settles at disposition + (learn / relax) x experience."""
    a = -1.0
    for _ in range(200):
        a = dyn.next_affinity(a, 0.3, -0.1, P)
    assert a == pytest.approx(0.3 + (0.04 / 0.2) * -0.1, abs=1e-9)
    assert -1.0 < a < 1.0


def test_perception_gap_lets_a_leader_cause_rupture():
    """Equal engagement, misread through the regimes' distance: rapport sours (§2.2)."""
    seen = dyn.perceived_conduct(0.5, 0.5, P)
    assert seen == approx(0.5 - 0.3 * 0.5)
    experience = seen - 0.5
    assert dyn.next_affinity(0.4, 0.4, experience, P) < 0.4
    assert dyn.perceived_conduct(0.5, 0.5, params(perception_gap=0.0)) == 0.5
    # a leader who gives more than he gets sours; one who gets more warms
    assert dyn.next_affinity(0.4, 0.4, 0.3 - 0.6, P) < 0.4 < dyn.next_affinity(0.4, 0.4, 0.2, P)


def test_next_expectation():
    target = min(0.6 + 0.6 * 0.5, 1.0)
    assert dyn.next_expectation(0.8, 0.6, 0.5, P) == approx(0.8 + 0.15 * (target - 0.8))
    # without cooperation it relaxes to its anchor
    assert dyn.next_expectation(0.8, 0.6, 0.0, P) == approx(0.8 + 0.15 * (0.6 - 0.8))
    assert dyn.next_expectation(0.6, 0.6, 0.0, P) == 0.6


def test_next_grievance():
    assert dyn.next_grievance(0.25, 0.05, P) == approx(0.25 + 0.1 * 0.05 * 0.75 - 0.08 * 0.25)
    assert dyn.next_grievance(0.25, 0.0, P) == approx(0.25 * (1 - 0.08))
    assert dyn.next_grievance(0.0, 0.0, P) == 0.0


def test_next_threat_relaxes_to_a_floor_kept_by_distrust():
    floor = 0.4 * (1 - 0.4)
    assert dyn.next_threat(0.3, 0.4, P) == approx(0.3 + 0.1 * (floor - 0.3))
    assert dyn.next_threat(floor, 0.4, P) == approx(floor)
    assert dyn.next_threat(0.0, 0.0, P) > 0.0
    assert dyn.next_threat(0.5, 1.0, P) < 0.5


def test_constraint_target_has_each_side_s_own_drivers():
    # a legislature feeds on distrust, security services on threat (§2.1)
    leg = dyn.constraint_target(0.4, 0.3, 0.0, 0.5, P)
    assert leg == approx(0.1 + 0.6 * (1 - 0.4) - 0.2 * 0.5)
    sec = dyn.constraint_target(0.4, 0.3, 1.0, 0.5, P)
    assert sec == approx(0.1 + 0.6 * 0.3 - 0.2 * 0.5)
    # security services do not care about distrust, a legislature not about threat
    assert dyn.constraint_target(0.9, 0.3, 1.0, 0.5, P) == sec
    assert dyn.constraint_target(0.4, 0.9, 0.0, 0.5, P) == leg
    # economic elites who want ties pull it down
    assert dyn.constraint_target(0.4, 0.3, 1.0, 0.9, P) < sec


def test_next_constraint():
    target = 0.4
    assert dyn.next_constraint(0.3, target, P) == approx(0.3 + 0.1 * (target - 0.3))
    assert dyn.next_constraint(0.5, target, P) == approx(0.5 - 0.02 * (0.5 - target))


def test_headroom_step_never_reaches_the_bound():
    assert dyn.headroom_step(0.6, 0.25) == approx(0.6 + 0.25 * 0.4)
    assert dyn.headroom_step(0.6, -0.25) == approx(0.6 - 0.25 * 0.6)
    c = 0.5
    steps = []
    for _ in range(20):  # twenty sanctions laws in a row
        new = dyn.headroom_step(c, 0.25)
        steps.append(new - c)
        c = new
    assert c < 1.0 and all(b < a for a, b in itertools.pairwise(steps))
    # at 0.95 a new law still tightens
    assert dyn.headroom_step(0.95, 0.25) > 0.95


def test_domestic_constraint_rises_faster_than_it_falls():
    target = 0.4
    d = 0.2
    rise = dyn.next_constraint(target - d, target, P) - (target - d)
    fall = (target + d) - dyn.next_constraint(target + d, target, P)
    assert rise > fall > 0
    # as calibrated: laws stick (§2.1)
    defaults = prm.defaults()
    assert defaults["constraint_up"] > defaults["constraint_down"]


def test_next_interest_and_power_shock():
    assert dyn.next_interest(0.6, 0.1, P) == approx(0.6 + 0.1 * (0.1 - 0.6))
    assert dyn.next_interest(0.0, 0.1, P) == approx(0.01)
    assert dyn.next_power_shock(-0.04, P) == approx(-0.04 * 0.9)
    assert dyn.next_power_shock(0.0, P) == 0.0


def test_leader_change_carries_rapport_only_with_institutions():
    assert dyn.leader_change(0.8, -0.2, P) == approx(-0.2)  # k_institutions = 1
    with_inst = params(k_institutions=0.0)
    assert dyn.leader_change(0.8, -0.2, with_inst) == approx(-0.2 + 0.5 * (0.8 + 0.2))
    assert dyn.leader_change(0.8, -0.2, params(k_institutions=0.0, affinity_carry=0.0)) == approx(
        -0.2
    )
    assert dyn.leader_change(-1.0, 1.0, params(k_institutions=0.0, affinity_carry=1.0)) == -1.0


# ------------------------------------------------------------ switches at 0


def test_switches_at_zero_remove_their_channel():
    def will(p, **changes):
        return dyn.engagement({**OWN, **changes}, OTHER, DYAD, p)

    p = params(k_leader=0.0)
    assert will(p, leader_affinity=-1.0) == will(p, leader_affinity=1.0)
    p = params(k_ideology=0.0)
    assert dyn.engagement(OWN, {**OTHER, "ideology": 1.0}, DYAD, p) == will(p)
    p = params(k_security_dilemma=0.0)
    assert will(p, threat=0.0) == will(p, threat=1.0)
    p = params(k_domestic=0.0)
    assert will(p, domestic_constraint=0.0) == will(p, domestic_constraint=1.0)
    assert dyn.friction({**OWN, "domestic_constraint": 1.0}, 0.5, p) == dyn.friction(
        {**OWN, "domestic_constraint": 0.0}, 0.5, p
    )
    p = params(k_power_asymmetry=0.0)
    coop = {"cooperation": 0.5, "trust_yield": 0.3}
    p_l = params(k_leader=0.0)
    assert (
        dyn.engagement({**OWN, "leader_affinity": -1.0}, OTHER, DYAD, p_l)["economy"]
        == (dyn.engagement({**OWN, "leader_affinity": 1.0}, OTHER, DYAD, p_l)["economy"])
    )
    strong = dyn.state_update({**OWN, "power": 0.9}, {**OTHER, "power": 0.1}, coop, 0.0, p)
    equal = dyn.state_update({**OWN, "power": 0.5}, {**OTHER, "power": 0.5}, coop, 0.0, p)
    assert strong == equal
    # and each switch scales its shock channel to zero
    for channel, switch in contradictions.CHANNEL_SWITCH.items():
        scales = sh.channel_scales(params(**{switch: 0.0}))
        assert scales[sh.CHANNELS.index(channel)] == 0.0


# ------------------------------------------------------------ one quarter


COOP = {"cooperation": 0.5, "trust_yield": 0.121}


def test_state_update_pinned():
    new = dyn.state_update(OWN, OTHER, COOP, 1.0, P, w_own=0.6, w_other=0.5, interest_economy=0.5)
    # own_eff 0.7 vs 0.3: recognition capped at 1, no status gap
    fric = 0.5 * 0.25 + 0.6 * 0.3 + 0.6 * 0.5 + 0.5 * 0.3
    target_c = 0.1 + 0.6 * 0.6 - 0.2 * 0.5  # a legislature: distrust
    experience = (0.5 - 0.3 * 0.5) - 0.6
    assert new == {
        "trust": approx(0.4 + 0.8 * 0.121 * 1.2 * 0.6 - 0.15 * fric * 0.4 + 0.01),
        "rest_shift": 0.0,  # share scale: no resting level to move
        "leader_affinity": approx(0.5 + 0.2 * (0.4 - 0.5) + 0.04 * experience),
        "status_expectation": approx(0.8 + 0.15 * (0.9 - 0.8)),
        "recognition": 1.0,
        "grievance": approx(0.25 * (1 - 0.08)),
        "threat": approx(0.3 + 0.1 * (0.4 * 0.6 - 0.3)),
        "domestic_constraint": approx(0.3 + 0.1 * (target_c - 0.3)),
        "power_shock": 0.0,
    }
    # the weaker side, whose hawks are security services (threat 0.5)
    new = dyn.state_update(OTHER, OWN, COOP, 0.0, P, w_own=0.5, w_other=0.6, interest_economy=0.5)
    target_r = 0.1 + 0.6 * 0.5 - 0.2 * 0.5
    assert new["domestic_constraint"] == approx(0.5 - 0.02 * (0.5 - target_r))
    recog = math.sqrt(0.3 / 0.7) + 0.2 * 0.5
    gap = 0.9 - recog  # Russia-like: expects more than it is granted
    assert gap > 0
    assert new["recognition"] == approx(recog)
    assert new["grievance"] == approx(0.4 + 0.1 * gap * 0.6 - 0.08 * 0.4)
    assert new["power_shock"] == approx(-0.02 * 0.9)


def test_state_update_is_pure_and_reads_only_current_values():
    own, other, coop = dict(OWN), dict(OTHER), dict(COOP)
    first = dyn.state_update(own, other, coop, 0.3, P)
    assert (own, other, coop) == (OWN, OTHER, COOP), "inputs must not be mutated"
    assert dyn.state_update(own, other, coop, 0.3, P) == first
    # the other's *next* values play no part: only what is passed in counts
    other_next = dyn.state_update(other, own, coop, 0.3, P)
    assert dyn.state_update(own, other, coop, 0.3, P) == first
    assert other_next != first
    # nothing but the state variables is read from the states
    assert set(first) <= set(dyn.STATE_VARS)


def test_dyad_update():
    new = dyn.dyad_update(DYAD, P)
    assert new == {
        "interest_european_security": approx(0.2 + 0.1 * (0.1 - 0.2)),
        "interest_arms_control": approx(0.4 + 0.1 * (0.35 - 0.4)),
        "interest_nonproliferation": approx(0.3),
        "interest_counterterrorism": approx(0.1 + 0.1 * (0.15 - 0.1)),
        "interest_economy": approx(0.5 + 0.1 * (0.15 - 0.5)),
    }


def test_arrays_agree_with_floats():
    rng = np.random.default_rng(3)
    n = 6
    own = {
        k: rng.uniform(max(lo, 0.01), min(hi, 0.99), n)
        for k, (lo, hi, *_) in dyn.STATE_VARS.items()
    }
    other = {
        k: rng.uniform(max(lo, 0.01), min(hi, 0.99), n)
        for k, (lo, hi, *_) in dyn.STATE_VARS.items()
    }
    own["power_shock"] = rng.uniform(-0.5, 0.5, n)
    dyad = {k: rng.uniform(0, 1, n) for k in dyn.DYAD_VARS}
    noise = rng.standard_normal(n)
    p_arr = params(trust_build=rng.uniform(0, 1, n), k_institutions=rng.uniform(0, 1, n))
    w = dyn.engagement(own, other, dyad, p_arr)
    wo = dyn.engagement(other, own, dyad, p_arr)
    coop = dyn.dyad_cooperation(w, wo, dyad, p_arr)
    new = dyn.state_update(own, other, coop, noise, p_arr, w["willingness"], wo["willingness"])
    nd = dyn.dyad_update(dyad, p_arr)
    for i in range(n):
        p_i = params(trust_build=p_arr.trust_build[i], k_institutions=p_arr.k_institutions[i])
        o = {k: float(v[i]) for k, v in own.items()}
        t = {k: float(v[i]) for k, v in other.items()}
        d = {k: float(v[i]) for k, v in dyad.items()}
        wi = dyn.engagement(o, t, d, p_i)
        assert wi == {k: v[i] for k, v in w.items()}
        woi = dyn.engagement(t, o, d, p_i)
        ci = dyn.dyad_cooperation(wi, woi, d, p_i)
        ni = dyn.state_update(o, t, ci, float(noise[i]), p_i, wi["willingness"], woi["willingness"])
        for k in ni:
            assert ni[k] == pytest.approx(new[k][i], abs=1e-15), k
        for k, v in dyn.dyad_update(d, p_i).items():
            assert v == pytest.approx(nd[k][i], abs=1e-15), k


# ------------------------------------------------------------ shocks


def kind(**body) -> sh.Kind:
    return sh.Kind.model_validate(body)


def slot(state, var) -> int:
    return sh.SLOTS.index[(state, var)]


def row(channel, group) -> int:
    return sh.ROW_INDEX[(channel, group)]


def test_effect_matrix():
    annex = sh.library()["annexation"]  # a turning point: every effect x 2
    m = sh.effect_matrix(annex, actor=1, target=0, scale=1.5)
    assert m.shape == (len(sh.ROWS), len(sh.SLOTS))
    sd = "security_dilemma"
    # trust sits on the breach channel sized by the kind's channel; rapport on the
    # kind's channel sized by the leader group; the rest on the kind's channel
    assert m[row("breach", sd), slot(0, "trust")] == approx(-2 * 1.5)
    assert m[row(sd, sd), slot(0, "threat")] == approx(2 * 1.5)
    assert m[row(sd, "leader"), slot(0, "leader_affinity")] == approx(-2 * 1.5)
    assert m[row(sd, sd), slot(0, "domestic_constraint")] == approx(0.5 * 2 * 1.5)  # side
    assert m[row(sd, sd), slot(1, "grievance")] == approx(0.5 * 2 * 1.5)
    assert m[row(sd, sd), slot(None, "interest_economy")] == approx(-0.5 * 2 * 1.5)
    assert np.count_nonzero(m) == 7
    summit = kind(effects=[{"who": "both", "var": "leader_affinity", "direction": "up"}])
    m = sh.effect_matrix(summit, actor=0, target=1, scale=1.0)
    r = row("none", "leader")
    assert m[r, slot(0, "leader_affinity")] == m[r, slot(1, "leader_affinity")] == 1.0
    assert np.count_nonzero(m) == 2
    # a hand-set delta sits in the hand group, at its size
    hand = kind(effects=[{"who": "target", "var": "threat", "delta": -0.07}])
    m = sh.effect_matrix(hand, actor=0, target=1, scale=0.5)
    assert m[row("none", sh.HAND), slot(1, "threat")] == approx(-0.035)
    assert np.count_nonzero(m) == 1
    # effect_sizes = "kind": model v2's hand-set size of each built-in effect
    m = sh.effect_matrix(annex, actor=1, target=0, scale=1.0, sizes="kind")
    assert m[row("breach", sh.HAND), slot(0, "trust")] == approx(-0.3)
    assert m[row(sd, sh.HAND), slot(0, "leader_affinity")] == approx(-0.4)
    assert np.count_nonzero(m) == 7


def test_row_scales_and_scaled_delta():
    p = params(
        k_security_dilemma=0.5,
        breach_scale=2.0,
        k_institutions=0.0,
        effect_security_dilemma=0.2,
        effect_leader=0.3,
    )
    scales = sh.row_scales(p)
    assert len(scales) == len(sh.ROWS)
    assert scales[row("none", sh.HAND)] == 1.0
    assert scales[row("none", "none")] == p.effect_none
    assert scales[row("security_dilemma", "security_dilemma")] == approx(0.5 * 0.2)
    assert scales[row("security_dilemma", "leader")] == approx(0.5 * 0.3)
    assert scales[row("breach", "security_dilemma")] == approx(2.0 * 0.4 * 0.2)
    m = sh.effect_matrix(sh.library()["annexation"], 1, 0, 1.0)
    rows = [int(r) for r in np.flatnonzero(np.any(m != 0, axis=1))]
    d = sh.scaled_delta(m, rows, scales)
    assert d[slot(0, "trust")] == approx(-2 * 0.8 * 0.2)
    assert d[slot(0, "threat")] == approx(2 * 0.5 * 0.2)
    assert d[slot(0, "leader_affinity")] == approx(-2 * 0.5 * 0.3)
    # per-run scales give a (run, slot) array
    arr = sh.row_scales(
        params(k_security_dilemma=np.array([0.0, 1.0]), effect_security_dilemma=0.2)
    )
    d2 = sh.scaled_delta(m, rows, arr)
    assert d2.shape == (2, len(sh.SLOTS))
    assert d2[0, slot(0, "threat")] == 0.0 and d2[1, slot(0, "threat")] == approx(0.4)


def test_nominal_delta_and_effect_text():
    annex = sh.library()["annexation"]
    threat = next(e for e in annex.effects if e.var == "threat")
    size = prm.PARAM_BY_NAME["effect_security_dilemma"].default
    assert sh.nominal_delta(annex, threat) == approx(2 * size)
    assert sh.nominal_delta(annex, threat, "kind") == threat.v2
    assert sh.effect_text(annex, threat) == "target.threat +effect_security_dilemma x 2"


def test_effects_say_direction_or_delta_and_v2_agrees():
    with pytest.raises(ValueError, match="either 'direction'"):
        kind(effects=[{"who": "target", "var": "threat"}])
    with pytest.raises(ValueError, match="either 'direction'"):
        kind(effects=[{"who": "target", "var": "threat", "direction": "up", "delta": 0.1}])
    with pytest.raises(ValueError, match="goes against"):
        kind(effects=[{"who": "target", "var": "threat", "direction": "up", "v2": -0.1}])
    with pytest.raises(ValueError):
        kind(effects=[{"who": "target", "var": "threat", "direction": "up", "weight": "huge"}])


def test_apply_delta_adds_clips_and_touches_only_listed_slots():
    states = [dict(OWN), dict(OTHER)]
    dyad = dict(DYAD)
    delta = np.zeros(len(sh.SLOTS))
    delta[slot(0, "trust")] = -0.5  # the registry's wide bounds; forcing clips to the scale
    delta[slot(1, "threat")] = 0.2
    delta[slot(None, "interest_economy")] = 0.7  # clipped at 1
    delta[slot(1, "grievance")] = 0.3  # not listed: ignored
    listed = [slot(0, "trust"), slot(1, "threat"), slot(None, "interest_economy")]
    sh.apply_delta(states, dyad, delta, listed)
    assert states[0]["trust"] == approx(-0.1)
    assert dyn.clip_trust(states[0]["trust"], P) == 0.0  # the share scale's bound
    assert states[1]["threat"] == approx(0.7)
    assert dyad["interest_economy"] == 1.0
    assert states[1]["grievance"] == OTHER["grievance"]
    # arrays over runs
    states = [
        {k: np.full(2, v) for k, v in OWN.items()},
        {k: np.full(2, v) for k, v in OTHER.items()},
    ]
    dyad = {k: np.full(2, v) for k, v in DYAD.items()}
    d = np.zeros((2, len(sh.SLOTS)))
    d[1, slot(0, "leader_affinity")] = -2.0
    sh.apply_delta(states, dyad, d, [slot(0, "leader_affinity")])
    np.testing.assert_array_equal(states[0]["leader_affinity"], [0.5, -1.0])


def test_fire_probability():
    assert sh.fire_probability(0.0, P) == 0.0
    assert sh.fire_probability(4.0, P) == approx(1 - math.exp(-1))
    assert sh.fire_probability(2.0, params(shock_rate_scale=2.0)) == approx(1 - math.exp(-1))
    assert sh.fire_probability(4.0, params(shock_rate_scale=0.0)) == 0.0


def test_library_kinds_are_valid_and_only_breaches_move_trust():
    lib = sh.library()
    assert len(lib) >= 20
    for name, k in lib.items():
        assert k.description and k.channel in sh.KIND_CHANNELS, name
        assert sh.effect_problems(k) == [], name
        if any(e.var == "trust" for e in k.effects):
            assert k.breach, name
    assert {"annexation", "military_conflict", "attack"} <= {n for n, k in lib.items() if k.breach}
    rows = sh.kinds_table()
    assert [r["kind"] for r in rows] == list(lib)


def test_kind_validation():
    with pytest.raises(ValueError):
        kind(effects=[])
    with pytest.raises(ValueError):
        kind(effects=[{"who": "actor", "var": "threat", "delta": 1.5}])
    with pytest.raises(ValueError):
        kind(effects=[{"who": "someone", "var": "threat", "delta": 0.1}])
    with pytest.raises(ValueError):
        kind(channel="no_such_channel", effects=[{"who": "actor", "var": "threat", "delta": 0.1}])
    with pytest.raises(ValueError):  # the breach channel is implied by trust, not chosen
        kind(channel="breach", effects=[{"who": "actor", "var": "threat", "delta": 0.1}])
    assert sh.effect_problems(kind(effects=[{"who": "dyad", "var": "threat", "delta": 0.1}]))
    assert sh.effect_problems(kind(effects=[{"who": "actor", "var": "trust", "delta": -0.1}]))
    assert not sh.effect_problems(
        kind(breach=True, effects=[{"who": "target", "var": "trust", "delta": -0.1}])
    )


# ------------------------------------------------------------ calendar


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2001Q3", 2001 * 4 + 2),
        ("2001q1", 2001 * 4),
        ("2001 Q4", 2001 * 4 + 3),
        (" 2001Q2 ", 2001 * 4 + 1),
        ("2001-09-11", 2001 * 4 + 2),
        ("2001-9-1", 2001 * 4 + 2),
        ("2001-03-31", 2001 * 4),
        ("2001-04-01", 2001 * 4 + 1),
        ("2001-12", 2001 * 4 + 3),
        ("2001", 2001 * 4),
        (2001, 2001 * 4),
        (dt.date(2001, 9, 11), 2001 * 4 + 2),
        (dt.datetime(2001, 10, 1, 12), 2001 * 4 + 3),
    ],
)
def test_parse_quarter(value, expected):
    assert cal.parse_quarter(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "2001Q5",
        "2001Q0",
        "2001-13",
        "2001-02-30",
        "01Q1",
        "yesterday",
        "",
        True,
        None,
        2001.5,
        [2001],
    ],
)
def test_parse_quarter_rejects(value):
    with pytest.raises(ValueError):
        cal.parse_quarter(value)


def test_quarter_helpers():
    q = cal.parse_quarter("2014Q1")
    assert cal.quarter_label(q) == "2014Q1"
    assert cal.quarter_start(q) == dt.date(2014, 1, 1)
    assert cal.iso(q + 2) == "2014-07-01"
    assert cal.decimal_year(q + 3) == 2014.75
    for q in range(1989 * 4, 2030 * 4):
        assert cal.parse_quarter(cal.quarter_label(q)) == q
        assert cal.parse_quarter(cal.iso(q)) == q
