"""Model v3's options (registry switches, on by default; 0 gives model v2): the
latent attitude, each side's own public and the observed start.  Unit tests of their
equations, the three engines agreeing with each option on, and what each
option is for: no floor, no joint term, a start from the polls."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from resetsim.core import dynamics as dyn
from resetsim.core import params as prm
from resetsim.engines import ensemble
from resetsim.engines.randomness import replication_seeds
from resetsim.engines.runner import simulate_mesa
from resetsim.experiments import levels as lv
from resetsim.scenario import as_compiled

ROOT = Path(__file__).resolve().parents[1]
HISTORY = ROOT / "scenarios" / "history_1989_2021.toml"
SHORT = ROOT / "tests" / "data" / "short_stochastic.toml"
OPTIONS = ("latent_trust", "own_public", "observed_start")
ALL_ON = {k: 1.0 for k in OPTIONS}
ALL_OFF = {k: 0.0 for k in OPTIONS}


def params(**overrides):
    """The registry's parameters with model v3's switches off (model v2), then ``overrides``."""
    return prm.resolve({}, {**ALL_OFF, **overrides})


@pytest.fixture(scope="module")
def history():
    return replace(as_compiled(HISTORY), posterior=None)


# ------------------------------------------------------------------ registry


def test_the_options_are_switches_and_on_by_default():
    for name in OPTIONS:
        p = prm.PARAM_BY_NAME[name]
        assert p.source == "switch" and p.default == 1.0 and (p.low, p.high) == (0.0, 1.0)


def test_trust_bounds_are_wide_on_the_latent_scale():
    assert dyn.TRUST_LOW <= -10 and dyn.TRUST_HIGH >= 10
    assert dyn.clip_trust(-3.0, params()) == 0.0  # the share scale keeps [0, 1]
    assert dyn.clip_trust(-3.0, params(latent_trust=1.0)) == -3.0


# ------------------------------------------------------------------ equations


def test_trust_share_is_the_sigmoid_of_a_latent_attitude():
    assert dyn.trust_share(0.3, params()) == 0.3
    assert dyn.trust_share(0.0, params(latent_trust=1.0)) == pytest.approx(0.5)
    assert dyn.trust_share(np.log(3.0), params(latent_trust=1.0)) == pytest.approx(0.75)
    assert dyn.initial_trust(0.62, params(latent_trust=1.0)) == pytest.approx(np.log(0.62 / 0.38))
    assert dyn.initial_trust(0.62, params()) == 0.62


def test_latent_changes_are_additive_with_a_pull_to_rest():
    p = params(latent_trust=1.0, trust_noise=0.0, attitude_relax=0.1, attitude_rest=0.0)
    # friction lowers the attitude by the same step wherever it stands: no floor
    steps = [dyn.next_trust(a, 0.0, 1.0, 1.0, 0.0, 0.0, p) - a * 0.9 for a in (-4.0, 0.0, 3.0)]
    assert steps[0] == pytest.approx(steps[1]) == pytest.approx(steps[2])
    assert steps[0] < 0
    expected = -dyn.LOGIT_SLOPE * 0.5 * p.trust_erode * dyn.institution_factor(p)
    assert steps[0] == pytest.approx(expected)
    # nothing acting: the attitude relaxes toward its resting level
    assert dyn.next_trust(2.0, 0.0, 1.0, 0.0, 0.0, 0.0, p) == pytest.approx(1.8)
    # on the share scale erosion vanishes at the floor
    q = params(trust_noise=0.0)
    assert dyn.next_trust(0.0, 0.0, 1.0, 1.0, 0.0, 0.0, q) == 0.0


def test_the_resting_level_follows_the_attitude_by_its_memory():
    # without memory (the default) the resting level never moves
    p = params(latent_trust=1.0, attitude_rest=0.2)
    assert dyn.next_rest_shift(0.0, -3.0, p) == 0.0
    # with it, the shift moves by attitude_memory of the gap to the attitude
    p = params(latent_trust=1.0, attitude_rest=0.2, attitude_memory=0.05)
    assert dyn.next_rest_shift(0.1, -1.0, p) == pytest.approx(0.1 + 0.05 * (-1.0 - 0.2 - 0.1))
    # on the share scale there is no resting level to move
    assert dyn.next_rest_shift(0.0, 0.1, params(attitude_memory=0.05)) == 0.0
    # the shift pulls the attitude toward the moved resting level
    q = params(latent_trust=1.0, trust_noise=0.0, attitude_relax=0.1, attitude_rest=0.0)
    assert dyn.next_trust(0.0, 0.0, 1.0, 0.0, 0.0, 0.0, q, -1.0) == pytest.approx(-0.1)


def _quiet(trust, shift, p, quarters):
    """``quarters`` with nothing acting: trust and the resting shift, together."""
    for _ in range(quarters):
        trust, shift = (
            dyn.next_trust(trust, 0.0, 1.0, 0.0, 0.0, 0.0, p, shift),
            dyn.next_rest_shift(shift, trust, p),
        )
    return trust, shift


def test_memory_leaves_each_fall_a_lasting_residue():
    base = {"latent_trust": 1.0, "trust_noise": 0.0, "attitude_relax": 0.3, "attitude_rest": 0.0}
    forget, remember = params(**base), params(**base, attitude_memory=0.05)
    lows = []
    for p in (forget, remember):
        t, s = _quiet(-2.0, 0.0, p, 200)  # one grave fall, then quiet years
        first = t
        t, s = _quiet(t - 2.0, s, p, 200)  # a second one
        lows.append((first, t))
    assert lows[0] == (pytest.approx(0.0), pytest.approx(0.0))  # back to rest each time
    first, second = lows[1]
    assert second < first < 0.0  # each low is lower: the downward spiral
    # the pair settles where attitude_memory x trust + attitude_relax x resting level,
    # conserved in quiet quarters, puts it
    m, r = 0.05, 0.3
    assert first == pytest.approx((m * -2.0 + r * 0.0) / (m + r))


def test_a_second_breach_lowers_a_latent_trust_further():
    p = params(latent_trust=1.0)
    a = dyn.initial_trust(0.6, p)
    once = a + dyn.breach_on_publics(-0.35, 0.0, p)
    twice = once + dyn.breach_on_publics(-0.35, 0.0, p)
    assert twice < once < a
    assert once - a == pytest.approx(twice - once)
    # on the share scale, a breach is the kind's step as it was
    assert dyn.breach_on_publics(-0.35, 0.0, params()) == -0.35


def test_a_breach_moves_the_actors_public_only_with_own_public():
    assert dyn.breach_on_publics(0.0, -0.3, params()) == 0.0
    p = params(own_public=1.0, breach_backlash=0.4)
    assert dyn.breach_on_publics(0.0, -0.3, p) == pytest.approx(-0.12)


def test_a_new_leader_raises_hopes_on_the_other_side_only_with_own_public():
    assert dyn.leader_hope(0.4, 0.8, params()) == 0.4
    p = params(own_public=1.0, leader_hope=0.1)
    assert dyn.leader_hope(0.4, 0.8, p) == pytest.approx(0.48)
    assert dyn.leader_hope(0.4, -0.5, p) == pytest.approx(0.35)  # a hostile newcomer: fear


def test_own_public_reads_the_other_sides_engagement_not_the_joint_term():
    p = params(own_public=1.0, perception_gap=0.0)
    interests = [0.5] * len(dyn.ISSUE_AREAS)
    eager = dyn.area_content([0.9] * len(interests), interests, 0.0, p)
    cold = dyn.area_content([0.1] * len(interests), interests, 0.0, p)
    assert eager > cold > 0
    # the perception gap under-reads the other's engagement
    gap = dyn.area_content([0.9] * len(interests), interests, 0.5, params(perception_gap=0.5))
    assert gap < dyn.area_content([0.9] * len(interests), interests, 0.5, params(perception_gap=0))


def test_start_share_takes_the_observation_only_when_switched_on():
    assert dyn.start_share(0.25, 0.62, params()) == 0.25
    assert dyn.start_share(0.25, 0.62, params(observed_start=1.0)) == 0.62
    assert dyn.start_share(0.25, float("nan"), params(observed_start=1.0)) == 0.25


# ------------------------------------------------------------------ engines


@pytest.mark.parametrize("option", [*OPTIONS, "all", "none"])
def test_engines_agree_with_each_option(option):
    overrides = {"all": ALL_ON, "none": ALL_OFF}.get(option, {**ALL_OFF, option: 1.0})
    for path in (SHORT, HISTORY):
        compiled = as_compiled(path)
        seeds = replication_seeds(4, 6)
        a = ensemble.simulate(compiled, seeds, overrides)
        b = simulate_mesa(compiled, seeds, overrides)
        for col in a.data:
            assert np.max(np.abs(a[col] - b[col])) <= 1e-9, col
        compiled_engine = pytest.importorskip("resetsim.engines.compiled")
        c = compiled_engine.simulate(compiled, seeds, overrides)
        for col in a.data:
            assert np.max(np.abs(a[col] - c[col])) <= 1e-12, col


def test_each_option_changes_the_runs(history):
    seeds = replication_seeds(2, 4)
    base = ensemble.simulate(history, seeds, ALL_OFF, record=["usa_trust", "rus_trust"])
    for name in OPTIONS:
        one = {**ALL_OFF, name: 1.0}
        run = ensemble.simulate(history, seeds, one, record=["usa_trust", "rus_trust"])
        assert not np.allclose(run["usa_trust"], base["usa_trust"]), name


# ------------------------------------------------------------------ what it is for


def test_the_observed_start_is_read_from_the_polls(history):
    assert history.observed_start == pytest.approx((0.62, 0.72))  # Gallup 1989, Levada 1997
    seeds = replication_seeds(1, 2)
    run = ensemble.simulate(history, seeds, ALL_ON, record=["usa_trust"])
    # the first quarter moves a little from the start
    assert run["usa_trust"][:, 0] == pytest.approx(np.log(0.62 / 0.38), abs=0.3)


def test_latent_runs_have_no_floor(history):
    seeds = replication_seeds(3, 40)
    run = ensemble.simulate(history, seeds, ALL_ON, record=["usa_trust", "rus_trust"])
    for col in ("usa_trust", "rus_trust"):
        x = run[col]
        assert np.mean(np.abs(x - dyn.TRUST_LOW) < 0.2) < 0.01, col
        # after 2014 the attitude keeps moving: not stuck at one value
        assert np.std(x[:, -20:]) > 0.05


def test_a_latent_poll_is_scored_through_the_identity():
    z = np.array([0.5, 0.2, -0.3, 0.1])
    exact = lv.identity_discrepancy(z[None, :], z)
    shifted = lv.identity_discrepancy(z[None, :] + 0.3, z)
    assert exact[0] == 0.0 and shifted[0] > 0.0
    # an affine image fits the affine model but not the identity
    assert lv.discrepancy(2 * z[None, :], z, True)[0] == pytest.approx(0.0, abs=1e-7)
    assert lv.identity_discrepancy(2 * z[None, :], z)[0] > 0.5
    series = lv.LevelSeries("s", "usa.trust", "percent", np.arange(4), z)
    assert not np.any(lv.on_working_scale(series, {"latent_trust": 0.0}))
    assert np.all(lv.on_working_scale(series, {"latent_trust": 1.0}))


def test_each_public_reads_the_strain_on_its_sides_drivers():
    assert set(dyn.PUBLIC_READS) == {"grievance", "threat", "domestic_constraint"}
    assert dyn.public_reaction(0.3, params()) == 0.0  # without own_public: only breaches
    p = params(own_public=1.0, public_read=0.5)
    assert dyn.public_reaction(0.3, p) == pytest.approx(-0.15)
    assert dyn.public_reaction(-0.2, p) == pytest.approx(0.1)  # easing: a summit, a treaty
    lat = params(own_public=1.0, public_read=0.5, latent_trust=1.0)
    assert dyn.public_reaction(0.3, lat) == pytest.approx(-0.15 * dyn.LOGIT_SLOPE)


def test_per_run_option_parameters_equal_scalar_runs(history):
    seeds = replication_seeds(6, 3)
    values = np.array([0.2, 0.9, 1.5])
    on = {**ALL_ON, "breach_scale": 1.0}
    together = ensemble.simulate(history, seeds, {**on, "public_read": values})
    for i, v in enumerate(values):
        alone = ensemble.simulate(history, seeds[i : i + 1], {**on, "public_read": float(v)})
        for col in ("usa_trust", "rus_trust"):
            np.testing.assert_allclose(together[col][i], alone[col][0], rtol=0, atol=1e-12)


def _child_with_observed_start(tmp_path, name: str) -> Path:
    child = tmp_path / "child.toml"
    child.write_text(f'extends = "{HISTORY.as_posix()}"\nobserved_start = "{name}"\n')
    return child


def test_an_observed_start_of_another_kind_is_refused_at_validation(tmp_path, run_cli):
    """The observations file is one of the scenario's referenced files: checked
    for its kind before it is parsed, and validated with the scenario."""
    (tmp_path / "tgt.toml").write_bytes(
        (ROOT / "scenarios/targets/paper_episodes.toml").read_bytes()
    )
    r = run_cli("validate", str(_child_with_observed_start(tmp_path, "tgt.toml")))
    assert r.code == 2
    assert "this is a targets file, not an observations file" in r.err
    (tmp_path / "obs.toml").write_text('[[series]]\nid = "x"\n')
    r = run_cli("validate", str(_child_with_observed_start(tmp_path, "obs.toml")))
    assert r.code == 2
    assert "obs.toml: series[0] (id 'x').observes" in r.err
    assert "Traceback" not in r.err


def test_an_extending_scenario_reads_its_parents_observed_start(tmp_path):
    child = tmp_path / "child.toml"
    child.write_text(f'extends = "{HISTORY.as_posix()}"\n')
    assert as_compiled(child).observed_start == pytest.approx((0.62, 0.72))
