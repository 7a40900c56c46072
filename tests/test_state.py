"""The state registry and the table of contradictions: one source each, and
every list, schema and doc derived from them agrees with it."""

from __future__ import annotations

import re
from pathlib import Path

from resetsim.cli.main import main
from resetsim.core import columns, contradictions, state
from resetsim.core import params as prm
from resetsim.core import shocks as sh
from resetsim.experiments import schema as xs
from resetsim.scenario.schema import StateInitial

REPO = Path(__file__).resolve().parent.parent


def test_registry_is_well_formed():
    names = [v.name for v in (*state.STATE, *state.DYAD)]
    assert len(names) == len(set(names))
    for v in (*state.STATE, *state.DYAD):
        assert v.low < v.high and v.unit and v.meaning, v.name
        assert set(v.roles) <= set(state.ROLES), v.name
        # every variable says where it starts
        assert v.initial is not None or v.default_to or v.initial_from, v.name
        if v.initial is not None:
            assert v.low <= v.initial <= v.high, v.name
        if v.default_to:
            assert v.default_to in state.STATE_BY_NAME, v.name
    assert not (state.WARMING_VARS & state.COOLING_VARS)


def test_lists_derive_from_roles():
    recorded = [v.name for v in state.STATE if "recorded" in v.roles]
    assert list(columns.STATE_COLUMNS) == recorded
    assert set(state.SHOCKABLE_STATE_VARS) == {v.name for v in state.STATE if v.has("shockable")}
    assert set(xs.FREEZABLE) == {v.name for v in state.STATE if v.has("freezable")}
    assert {v.name for v in state.STATE if v.has("headroom")} == sh.HEADROOM_VARS
    assert len(sh.SLOTS) == 2 * len(state.SHOCKABLE_STATE_VARS) + len(state.SHOCKABLE_DYAD_VARS)
    assert set(columns.LEADING) <= set(columns.STATE_COLUMNS)


def test_scenario_initial_schema_follows_the_registry():
    fields = StateInitial.model_fields
    assert list(fields) == [v.name for v in state.SCENARIO_INITIAL]
    for v in state.SCENARIO_INITIAL:
        assert fields[v.name].default == v.initial, v.name


def test_default_to_fills_an_empty_initial_value():
    init = state.fill_defaults(StateInitial(status_anchor=0.7).model_dump())
    assert init["status_expectation"] == 0.7
    assert init["leader_affinity"] is None  # from the leader's disposition, at run time


def test_contradiction_table_is_consistent():
    names = {c.name for c in contradictions.TABLE}
    assert len(names) == len(contradictions.TABLE)
    for c in contradictions.TABLE:
        assert c.switch in prm.PARAM_BY_NAME, c.switch
        assert not c.static or c.static in state.STATE_BY_NAME, c.static
    assert sh.CHANNELS[2:] == tuple(c.channel for c in contradictions.TABLE if c.channel)
    contra = {c.name: c.switch for c in contradictions.TABLE if not (c.trigger or c.opinion)}
    assert contra == prm.CONTRADICTIONS
    # an opinion mechanism is no contradiction: a rate, off at 0, with no shock channel
    for c in contradictions.TABLE:
        if c.opinion:
            assert not (c.trigger or c.channel or c.static), c.name
            assert prm.PARAM_BY_NAME[c.switch].low == 0.0, c.switch
            assert c.name in contradictions.OPINION and c.name not in prm.CONTRADICTIONS
    assert {c.name: c.static for c in contradictions.TABLE if c.static} == xs.STATIC_VARIABLES


def test_state_doc_is_in_sync(capsys):
    assert main(["params", "--state"]) == 0
    out = capsys.readouterr().out
    assert out == state.markdown() + "\n" + contradictions.markdown(prm.defaults())
    assert (REPO / "docs" / "STATE.md").read_text("utf-8") == out, (
        "docs/STATE.md is stale: resetsim params --state > docs/STATE.md"
    )


#: Names the dynamics' contract lets modules quote (the engines' and the
#: detector's common currency): trust, power, rapport.
CONTRACTED = {"trust", "power", "leader_affinity"}


def _quoting_modules(name: str) -> list[str]:
    pattern = re.compile(r"""["']""" + re.escape(name) + r"""["']""")
    src = REPO / "src" / "resetsim"
    found = (str(p.relative_to(src)) for p in src.rglob("*.py"))
    return sorted(f for f in found if pattern.search((src / f).read_text("utf-8")))


def test_no_state_variable_or_channel_is_quoted_in_more_than_three_modules():
    """Its equations and at most two places with a reason: everything else
    reads the name from the registries."""
    names = {v.name for v in (*state.STATE, *state.DYAD)} - CONTRACTED
    names |= {"breach", *contradictions.CHANNEL_SWITCH, *(c.name for c in contradictions.TABLE)}
    spread = {n: m for n in sorted(names) if len(m := _quoting_modules(n)) > 3}
    assert not spread, spread
