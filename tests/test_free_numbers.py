"""Fewer free numbers: effect sizes by rule, coded dispositions, starts by rule,
and a count of only what the model reads (``resetsim params --count``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from resetsim.analysis import free_numbers
from resetsim.core import calendar as cal
from resetsim.core import dynamics as dyn
from resetsim.core import initial, state
from resetsim.core import params as prm
from resetsim.core import shocks as sh
from resetsim.engines.compiled import simulate as simulate_compiled
from resetsim.engines.ensemble import simulate
from resetsim.engines.forcing import initial_state
from resetsim.engines.randomness import replication_seeds
from resetsim.engines.runner import simulate_mesa
from resetsim.scenario import compile_scenario, load

REPO = Path(__file__).resolve().parents[1]
HISTORY = REPO / "scenarios" / "history_1989_2021.toml"
TOL = 1e-12


@pytest.fixture(scope="module")
def history():
    return load(HISTORY).model_copy(update={"posterior": None})


def first_years(sc, end: str = "1996Q4"):
    """The scenario's first years (events and leaders after ``end`` left out)."""
    last = cal.parse_quarter(end)
    events = tuple(e for e in sc.events if cal.parse_quarter(e.date) <= last)
    leaders = tuple(lt for lt in sc.leaders if cal.parse_quarter(lt.start) <= last)
    return sc.model_copy(update={"end": end, "events": events, "leaders": leaders})


@pytest.fixture(scope="module")
def short(history):
    """The history's first eight years: every kind of forcing, fast."""
    return compile_scenario(first_years(history))


@pytest.fixture(scope="module")
def whole(history):
    """The whole history: the events of every channel (a sanctions law, a
    dispute over who is a terrorist) fall in it, not all in the first years."""
    return compile_scenario(history)


def max_gap(a, b) -> float:
    return max(float(np.max(np.abs(a[c] - b[c]))) for c in a.data)


# ------------------------------------------------------------ the count


def test_history_has_at_most_sixty_free_numbers(history):
    c = free_numbers.count(history)
    assert c["free_total"] <= 60
    assert c["kind_effect_sizes_hand"] == 0 and c["leader_dispositions_hand"] == 0
    assert c["kind_effects_by_rule"] > 0 and c["leader_dispositions_coded"] == 11
    # the parts add up, and what is not read is not counted
    assert c["free_total"] == (
        c["parameters_fitted"]
        + c["parameters_hand"]
        + c["kind_effect_sizes_hand"]
        + c["initial_values_hand"]
        + c["leader_dispositions_hand"]
    )
    unread = free_numbers.not_read(history)
    values = compile_scenario(history).params()
    gated_off = {p.name for p in GATED if values[p.gated_by] == p.inert_at}
    assert gated_off and gated_off | {"shock_rate_scale"} <= set(unread)
    assert not {p.name for p in GATED} - gated_off & set(unread)  # a live mechanism counts
    counted = [p for p in prm.PARAMETERS if p.name not in unread]
    assert c["parameters_fitted"] == sum(p.source == "fitted" for p in counted)


def test_model_v2_sizes_and_hand_numbers_are_counted(history):
    leaders = tuple(
        lt.model_copy(update={"disposition": 0.5, "disposition_code": None})
        for lt in history.leaders
    )
    v2 = history.model_copy(update={"effect_sizes": "kind", "leaders": leaders})
    c, c3 = free_numbers.count(v2), free_numbers.count(history)
    assert c["leader_dispositions_hand"] == 11 and "disposition_scale" in free_numbers.not_read(v2)
    # every used built-in effect counts (the history's own kind is sized by rule)
    assert c["kind_effect_sizes_hand"] == c3["kind_effects_by_rule"] - 1
    # ... and the size parameters are then not read (but the leader group's, for it)
    unread = free_numbers.not_read(v2)
    assert all(sh.size_parameter(g) in unread for g in sh.SIZES[1:] if g != "leader")
    assert "effect_leader" not in unread
    assert c["free_total"] > 100


def test_report_lists_what_is_not_read(history):
    text = free_numbers.report(history)
    assert "free_total" in text and "gain_skew: k_power_asymmetry = 0" in text


# ------------------------------------------------------------ gating


GATED = [p for p in prm.PARAMETERS if p.gated_by]


def test_registry_declares_gated_parameters():
    assert {p.name for p in GATED} >= {"institution_buffer", "affinity_carry"}
    for p in GATED:
        assert prm.PARAM_BY_NAME[p.gated_by].source == "switch", p.name


@pytest.mark.parametrize("p", GATED, ids=[p.name for p in GATED])
def test_a_gated_parameter_moves_nothing_while_its_switch_is_inert(whole, p):
    seeds = replication_seeds(5, 4)
    lo, hi = {p.gated_by: p.inert_at, p.name: p.low}, {p.gated_by: p.inert_at, p.name: p.high}
    assert max_gap(simulate(whole, seeds, lo), simulate(whole, seeds, hi)) == 0.0
    # ... and moves something once the switch is elsewhere (the test can fail)
    other = 0.0 if p.inert_at != 0.0 else 1.0
    lo[p.gated_by] = hi[p.gated_by] = other
    assert max_gap(simulate(whole, seeds, lo), simulate(whole, seeds, hi)) > 1e-6


def test_size_parameters_move_nothing_under_model_v2_sizes(history):
    comp = compile_scenario(first_years(history).model_copy(update={"effect_sizes": "kind"}))
    seeds = replication_seeds(5, 3)
    big = {sh.size_parameter(g): 0.5 for g in sh.SIZES if g not in (sh.HAND, "leader")}
    assert max_gap(simulate(comp, seeds), simulate(comp, seeds, big)) == 0.0


# ------------------------------------------------------------ sizes in every engine


def test_effect_sizes_reach_every_engine_per_run(short):
    seeds = replication_seeds(9, 3)
    sizes = {
        "effect_none": np.array([0.05, 0.2, 0.4]),
        "effect_leader": np.array([0.3, 0.1, 0.0]),
        "disposition_scale": np.array([0.1, 0.3, 0.5]),
    }
    ens = simulate(short, seeds, sizes)
    comp = simulate_compiled(short, seeds, sizes)
    assert max_gap(ens, comp) <= TOL
    for i, seed in enumerate(seeds):
        one = {k: float(v[i]) for k, v in sizes.items()}
        mesa = simulate_mesa(short, [seed], one)
        for col in mesa.data:
            assert np.max(np.abs(mesa[col][0] - ens[col][i])) <= TOL, col
    # and they matter: a larger size of the `none` group moves the runs
    assert max_gap(simulate(short, seeds[:1], {"effect_none": 0.05}), ens) > 1e-6


def test_sizes_scale_exactly_their_groups_effects(short):
    """Doubling every size doubles every scheduled shock; doubling one group's
    size changes only the slots its effects reach."""
    names = [sh.size_parameter(g) for g in sh.SIZES if g != sh.HAND]
    p1 = short.params({n: 0.1 for n in names})
    p2 = short.params({n: 0.2 for n in names})
    ticks = [t for t in range(short.n_ticks) if short.sched_channels[t]]
    assert len(ticks) > 10
    for t in ticks:
        m, rows = short.sched[t], short.sched_channels[t]
        d1 = sh.scaled_delta(m, rows, sh.row_scales(p1))
        np.testing.assert_allclose(sh.scaled_delta(m, rows, sh.row_scales(p2)), 2 * d1)
        p3 = short.params({**{n: 0.1 for n in names}, "effect_leader": 0.2})
        d3 = sh.scaled_delta(m, rows, sh.row_scales(p3))
        leader = [r for r in rows if sh.ROWS[r][1] == "leader"]
        moved = np.flatnonzero(np.abs(d3 - d1) > 0)
        reach = np.flatnonzero(np.any(m[leader] != 0, axis=0)) if leader else []
        assert set(moved) <= set(reach)


def test_coded_disposition_is_code_times_scale(short):
    t = next(t for t in range(short.n_ticks) if short.leader_change[t, 0] and t > 0)
    code = short.disposition_code[t, 0]
    assert code in (-2, -1, 0, 1, 2)
    seeds = replication_seeds(3, 2)
    run = simulate(short, seeds, {"disposition_scale": 0.4}, record=["usa_leader_affinity"])
    # the new leader's rapport starts at his disposition (no carry-over by default)
    assert run["usa_leader_affinity"][:, t] == pytest.approx(code * 0.4, abs=0.3)
    assert short.disposition[t, 0] == pytest.approx(code * prm.defaults()["disposition_scale"])


# ------------------------------------------------------------ starts by rule


def test_every_rule_start_has_a_rule():
    assert set(initial.RULES) == set(state.RULE_INITIAL)


def test_rule_starts_are_fixed_points(history):
    comp = compile_scenario(history)
    p = comp.params()
    states, dyad = initial_state(comp, p)
    for s in range(2):
        own, other = states[s], states[1 - s]
        share = dyn.trust_share(own["trust"], p)  # the rules read trust as a share
        assert own["threat"] == pytest.approx(float(dyn.next_threat(own["threat"], share, p)))
        target = dyn.constraint_target(
            share, own["threat"], own["security_services"], dyad["interest_economy"], p
        )
        assert own["domestic_constraint"] == pytest.approx(float(target))
        eff = dyn.effective_power(own["power"], other["power"], p)
        recognition = dyn.recognition(*eff, 0.0, p)
        assert own["status_anchor"] == pytest.approx(float(recognition))
        assert own["status_expectation"] == own["status_anchor"]  # left empty: follows
        gap = dyn.status_gap(own["status_expectation"], recognition)
        g = own["grievance"]
        assert float(dyn.next_grievance(g, gap, p)) == pytest.approx(g)


def test_rule_starts_follow_the_parameters(history):
    comp = compile_scenario(history)
    a, _ = initial_state(comp, comp.params({"threat_distrust": 0.2}))
    b, _ = initial_state(comp, comp.params({"threat_distrust": 0.8}))
    assert b[0]["threat"] == pytest.approx(4 * a[0]["threat"])
    runs, _ = initial_state(comp, comp.params({"threat_distrust": np.array([0.2, 0.8])}), 2)
    np.testing.assert_allclose(runs[0]["threat"], [a[0]["threat"], b[0]["threat"]])


# ------------------------------------------------------------ the docs say what was measured


def test_odd_quotes_the_count_and_the_measured_change(history):
    odd = (REPO / "docs" / "ODD.md").read_text("utf-8")
    c = free_numbers.count(history)
    assert f"| **{c['free_total']}** |" in odd
    row = next(line for line in odd.splitlines() if line.startswith("| parameters fitted |"))
    assert row.rsplit("|", 2)[-2].strip().startswith(f"{c['parameters_fitted']} (")  # now
    rows = {}
    for line in (REPO / "benchmarks" / "effect_sizes.txt").read_text("utf-8").splitlines():
        parts = line.split()
        if len(parts) == 3 and not line.startswith("#"):
            rows[parts[0]] = (float(parts[1]), float(parts[2]))
    # measured with sizes by rule before model v3's trust scale and publics
    assert f"and {rows['free_total'][1]:.0f} with effect sizes by rule" in odd
    v2, v3 = rows["posterior_turn_all"]
    assert f"from {v2:.2f} to {v3:.2f}" in odd
    v2, v3 = rows["posterior_fidelity_mean_score"]
    assert f"from {v2:.2f} to {v3:.2f}" in odd
    assert f"history has {rows['free_total'][0]:.0f} free numbers" in odd


def test_readme_quotes_the_count(history):
    readme = (REPO / "README.md").read_text("utf-8")
    n = free_numbers.count(history)["free_total"]
    # the count and the command that gives it (the count is the scenario's)
    assert f"({n} free numbers:\n`resetsim params --count history_1989_2021`)" in readme


def test_every_size_group_has_its_registry_parameter():
    for g in sh.SIZES:
        if g != sh.HAND:
            p = prm.PARAM_BY_NAME[sh.size_parameter(g)]
            assert p.group == "effects" and p.low == 0.0 and p.default > 0, g
    assert sh.WEIGHTS == {"side": 0.5, "main": 1.0} and sh.TURNING_POINT == 2.0


def test_kinds_command_shows_rules(run_cli):
    out = run_cli("kinds").out
    assert "annexation [breach] [turning point: x 2]" in out
    assert "target.threat +effect_security_dilemma" in out
    assert "x 0.5" in out
