"""Scenario files: shipped ones validate and run; extends, replace and remove; compilation."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import numpy as np
import pydantic
import pytest

from resetsim.core import calendar as cal
from resetsim.core.config import Problem, ScenarioError
from resetsim.engines.runner import run_scenario
from resetsim.scenario import compile_scenario, load, loads

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
MINIMAL = DATA / "minimal.toml"


# ------------------------------------------------------------ shipped scenarios


def test_every_shipped_scenario_validates_and_runs(shipped_scenario):
    sc = load(shipped_scenario)
    compiled = compile_scenario(sc)
    assert compiled.n_ticks == cal.parse_quarter(sc.end) - cal.parse_quarter(sc.start) + 1
    result = run_scenario(compiled, runs=2, seed=1)
    for col, values in result.trajectories.data.items():
        assert values.shape == (2, compiled.n_ticks)
        assert np.all(np.isfinite(values)), col
    frame = result.frame()
    assert len(frame) == 2 * compiled.n_ticks
    assert {f"{s}_leader" for s in sc.state_ids} <= set(frame.columns)
    # every state has a leader in every quarter
    for s in sc.state_ids:
        assert (frame[f"{s}_leader"] != "").all()


def test_validate_accepts_all_shipped_scenarios(run_cli, shipped_scenarios):
    r = run_cli("validate", *shipped_scenarios)
    assert r.code == 0, r
    assert r.err == ""
    assert len(r.out.splitlines()) == len(shipped_scenarios)
    assert all(": ok (" in line for line in r.out.splitlines())


def test_shipped_scenarios_have_no_reset_or_failure_events(shipped_scenario):
    """Resets and failures must emerge, never be scheduled (THEORY.md §4)."""
    sc = load(shipped_scenario)
    for item in (*sc.events, *sc.stochastic):
        assert "reset" not in item.kind and "failure" not in item.kind, item.id
    for name in sc.kinds:
        assert "reset" not in name and "failure" not in name


def test_biden_era_extends_history(scenarios_dir):
    history = load(scenarios_dir / "history_1989_2021.toml")
    biden = load(scenarios_dir / "biden_era.toml")
    assert biden.start == history.start
    assert cal.parse_quarter(biden.end) > cal.parse_quarter(history.end)
    history_ids = {e.id for e in history.events}
    assert history_ids <= {e.id for e in biden.events}
    assert len(biden.stochastic) > 0 and len(history.stochastic) == 0
    ids = [lt.id for lt in biden.leaders]
    assert len(ids) == len(set(ids))


# ------------------------------------------------------------ extends


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path


@pytest.fixture
def base(tmp_path) -> Path:
    return Path(shutil.copy(MINIMAL, tmp_path / "base.toml"))


CHILD = """
extends = "base.toml"
name = "child"
runs = 9
remove_events = ["spy_swap"]
remove_leaders = []

[[states]]
id = "usa"
initial = { threat = 0.9 }

[[leaders]]
id = "putin"
state = "rus"
name = "Putin (replaced)"
start = "2011-01-01"
disposition = 0.3

[[events]]
id = "new_start"
date = "2011Q2"
kind = "treaty_signed"
actor = "rus"
intensity = 1

[[events]]
id = "extra"
date = "2011Q3"
kind = "summit"
actor = "usa"

[[stochastic]]
id = "hacks"
kind = "attack"
actor = "rus"
rate_per_year = 1.0

[parameters]
trust_build = 0.3
"""


def test_extends_adds_replaces_and_removes_by_id(base):
    child = load(write(base.parent / "child.toml", CHILD))
    parent = load(base)
    assert child.name == "child" and child.runs == 9
    assert child.start == parent.start and child.seed == parent.seed
    events = {e.id: e for e in child.events}
    assert list(events) == ["new_start", "extra"]  # replaced in place, removed, appended
    assert events["new_start"].date == "2011Q2" and events["new_start"].actor == "rus"
    leaders = {lt.id: lt for lt in child.leaders}
    assert list(leaders) == ["obama", "medvedev", "putin"]
    assert leaders["putin"].name == "Putin (replaced)" and leaders["putin"].disposition == 0.3
    assert [p.id for p in child.stochastic] == ["hacks"]
    # a state is merged field by field: the parent's trust stays, threat is new
    usa = child.states[0].initial
    assert (usa.trust, usa.threat) == (0.3, 0.9)
    assert child.parameters == {"trust_build": 0.3}
    assert child.source == str(base.parent / "child.toml")


def test_extends_merges_tables_and_chains(base):
    write(base.parent / "child.toml", CHILD)
    grand = write(
        base.parent / "sub" / "grandchild.toml",
        'extends = "../child.toml"\nname = "grandchild"\nremove_stochastic = ["hacks"]\n'
        "\n[parameters]\ntrust_erode = 0.2\n",
    )
    sc = load(grand)
    assert sc.name == "grandchild"
    assert sc.parameters == {"trust_build": 0.3, "trust_erode": 0.2}
    assert sc.stochastic == ()
    assert [e.id for e in sc.events] == ["new_start", "extra"]


def test_an_invalid_parent_is_reported_against_the_parent(base):
    text = base.read_text("utf-8").replace('actor = "rus"', 'actor = "xxx"')
    write(base, text)
    child = write(base.parent / "child.toml", 'extends = "base.toml"\nname = "c"\n')
    with pytest.raises(ScenarioError) as info:
        load(child)
    (problem,) = info.value.problems
    assert Path(problem[0]).name == "base.toml"
    assert problem[1] == "events[1] (id 'spy_swap').actor"


def test_removing_from_an_extended_list_still_validates_the_result(base):
    # removing the only Russian leader in office leaves no leader at the start
    child = write(
        base.parent / "child.toml",
        'extends = "base.toml"\nname = "c"\nremove_leaders = ["medvedev"]\n',
    )
    with pytest.raises(ScenarioError) as info:
        load(child)
    assert any("no leader of 'rus'" in p[2] for p in info.value.problems)


# ------------------------------------------------------------ schema details


def test_scenario_is_frozen_and_resolves_to_json():
    sc = load(MINIMAL)
    with pytest.raises(pydantic.ValidationError):
        sc.name = "other"
    resolved = sc.resolved()
    json.dumps(resolved)
    assert "base_dir" not in resolved
    assert resolved["name"] == "minimal" and len(resolved["events"]) == 2


def test_loads_gives_the_same_scenario_as_load():
    a = load(MINIMAL)
    b = loads(MINIMAL.read_text("utf-8"), name=str(MINIMAL), base_dir=DATA)
    assert a.model_dump(exclude={"source"}) == b.model_dump(exclude={"source"})


def test_problem_and_error_formatting():
    p = Problem("f.toml", "events[0].date", "bad")
    assert str(p) == "f.toml: events[0].date: bad"
    assert str(Problem("f.toml", "", "not valid TOML")) == "f.toml: not valid TOML"
    err = ScenarioError([p, Problem("f.toml", "end", "worse")])
    assert str(err) == "f.toml: events[0].date: bad\nf.toml: end: worse"
    assert err.problems[1][2] == "worse"


def variant(**replace: str) -> str:
    text = MINIMAL.read_text("utf-8")
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def problems(text: str) -> list[tuple[str, str]]:
    with pytest.raises(ScenarioError) as info:
        loads(text, name="t")
    return [(p[1], p[2]) for p in info.value.problems]


def test_dates_at_the_edges_of_the_run_are_accepted():
    ok = variant(**{'date = "2010-04-08"': 'date = "2010Q1"', 'date = "2010-07-09"': "date = 2011"})
    assert loads(ok).events[1].date == 2011
    ok = variant(**{'date = "2010-07-09"': 'date = "2011-12-31"'})
    assert compile_scenario(loads(ok)).markers[-1].tick == 7


def test_unquoted_toml_dates_are_dates():
    text = variant(
        **{'date = "2010-04-08"': "date = 2010-04-08", 'start = "2010Q1"': "start = 2010-01-01"}
    )
    sc = loads(text)
    assert sc.events[0].date == dt.date(2010, 4, 8)
    c = compile_scenario(sc)
    assert c.dates[0] == "2010-01-01" and c.markers[0].tick == 1
    assert sc.resolved()["events"][0]["date"] == "2010-04-08"
    bad = variant(**{'date = "2010-04-08"': "date = 2014-03-18"})
    assert ("events[0] (id 'new_start').date", "2014-03-18 is outside the run (2010Q1-2011Q4)") in (
        problems(bad)
    )


def test_more_semantic_checks():
    bad = variant(**{'end = "2011-01-01"': 'end = "2008-01-01"'})
    assert any(f.endswith(".end") and "end after it starts" in m for f, m in problems(bad))
    bad = MINIMAL.read_text("utf-8") + (
        '\n[[stochastic]]\nid = "x"\nkind = "attack"\nactor = "rus"\nrate_per_year = 1\n'
        'start = "2011Q3"\nend = "2010Q3"\n'
    )
    assert ("stochastic[0] (id 'x').end", "must not come before start") in problems(bad)
    bad = MINIMAL.read_text("utf-8").replace(
        'name = "minimal"', 'name = "m"\nprojection_start = "2020Q1"'
    )
    assert any(f == "projection_start" and "outside the run" in m for f, m in problems(bad))
    bad = MINIMAL.read_text("utf-8") + "\n[interests]\neconomy = 1.5\n"
    assert ("interests.economy", "1.5 is outside [0, 1]") in problems(bad)
    bad = variant(**{'id = "rus"': 'id = "usa"'})
    assert any(f == "states" and "must differ" in m for f, m in problems(bad))


# ------------------------------------------------------------ compilation


def test_compile_minimal():
    c = compile_scenario(load(MINIMAL))
    assert c.n_ticks == 8
    assert c.dates[0] == "2010-01-01" and c.dates[-1] == "2011-10-01"
    assert c.state_ids == ("usa", "rus")
    np.testing.assert_array_equal(c.quarters, np.arange(2010 * 4, 2012 * 4))
    # leaders: both in office at the start; Putin takes over in 2011Q1 (tick 4)
    assert c.leader_change[0].tolist() == [True, True]
    assert np.flatnonzero(c.leader_change[:, 1]).tolist() == [0, 4]
    assert not c.leader_change[1:, 0].any()
    assert c.disposition[3, 1] == 0.5 and c.disposition[4, 1] == -0.1
    assert c.leader_names[3] == ["Obama", "Medvedev"] and c.leader_names[4] == ["Obama", "Putin"]
    # events land in their quarter, labelled from their id
    assert [(m.tick, m.id, m.label) for m in c.markers] == [
        (1, "new_start", "new start"),
        (2, "spy_swap", "spy swap"),
    ]
    assert np.flatnonzero(np.abs(c.sched).sum(axis=(1, 2))).tolist() == [1, 2]
    assert c.n_processes == 0 and c.projection_tick is None
    # initial values: status expectation defaults to the anchor
    assert c.initial[0]["status_expectation"] == c.initial[0]["status_anchor"]
    assert c.initial[0]["trust"] == 0.3 and c.initial[1]["trust"] == 0.2


def test_compile_processes_and_projection():
    text = MINIMAL.read_text("utf-8").replace(
        'name = "minimal"', 'name = "m"\nprojection_start = "2011Q1"'
    ) + (
        '\n[[stochastic]]\nid = "a"\nkind = "attack"\nactor = "rus"\nrate_per_year = 2\n'
        '\n[[stochastic]]\nid = "b"\nkind = "summit"\nactor = "usa"\nrate_per_year = 1\n'
        'start = "2010Q2"\nend = "2010Q3"\n'
    )
    c = compile_scenario(loads(text))
    assert c.proc_ids == ["a", "b"] and c.projection_tick == 4
    # without a start, a process begins at the projection
    assert c.proc_rate[0].tolist() == [0, 0, 0, 0, 2, 2, 2, 2]
    assert c.proc_rate[1].tolist() == [0, 1, 1, 0, 0, 0, 0, 0]


def test_explicit_initial_interests_and_power_file(tmp_path):
    write(tmp_path / "power.csv", "year,usa,rus\n2009,4,1\n2012,4,1\n")
    text = MINIMAL.read_text("utf-8") + (
        '\n[power]\nsource = "file"\nfile = "power.csv"\n\n[interests]\neconomy = 0.9\n'
        "interest_arms_control = 0.05\n"
    )
    sc = load(write(tmp_path / "s.toml", text))
    c = compile_scenario(sc)
    np.testing.assert_allclose(c.power_base, np.tile([0.8, 0.2], (8, 1)))
    assert c.interests == {"interest_economy": 0.9, "interest_arms_control": 0.05}
    result = run_scenario(c, runs=1, seed=1)
    assert result["usa_power"][0, 0] == pytest.approx(0.8)


def test_a_counterfactual_saved_elsewhere_inherits_the_parent_s_targets(tmp_path):
    """`extends` resolves the parent's own relative paths (targets, power.file)
    from the parent's folder, wherever the child lives."""
    history = REPO_ROOT / "scenarios" / "history_1989_2021.toml"
    child = tmp_path / "deep" / "no_georgia.toml"
    child.parent.mkdir()
    child.write_text(
        f'extends = "{history.as_posix()}"\nname = "no_georgia"\nremove_events = ["georgia_war"]\n',
        encoding="utf-8",
    )
    sc = load(child)
    assert (Path(sc.base_dir) / sc.targets).resolve() == (
        REPO_ROOT / "scenarios" / "targets" / "paper_episodes.toml"
    ).resolve()
    assert "georgia_war" not in {e.id for e in sc.events}
