"""The Mesa model: public import, batch_run, time, simultaneous update, no leaks, dyads."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import mesa
import numpy as np
import pandas as pd
import pytest

import resetsim
from resetsim import ResetModel, StateAgent
from resetsim.core import dynamics as dyn
from resetsim.core import shocks as sh
from resetsim.core.columns import STATE_COLUMNS, columns
from resetsim.engines.ensemble import simulate
from resetsim.engines.runner import simulate_mesa
from resetsim.scenario import as_compiled, load, loads

DATA = Path(__file__).resolve().parent / "data"
MINIMAL = DATA / "minimal.toml"
SHORT = DATA / "short_stochastic.toml"
SYMMETRIC = DATA / "symmetric.toml"


def run_to_end(model: ResetModel) -> pd.DataFrame:
    while model.running:
        model.step()
    return model.datacollector.get_model_vars_dataframe()


def test_public_import():
    assert resetsim.ResetModel is ResetModel
    assert issubclass(ResetModel, mesa.Model)
    assert issubclass(StateAgent, mesa.Agent)


@pytest.mark.parametrize("kind", ["str", "path", "scenario", "compiled"])
def test_model_accepts_any_form_of_scenario(kind):
    form = {
        "str": str(MINIMAL),
        "path": MINIMAL,
        "scenario": load(MINIMAL),
        "compiled": as_compiled(MINIMAL),
    }[kind]
    frame = run_to_end(ResetModel(scenario=form, rng=3))
    assert len(frame) == 8


def test_batch_run_reports_trust_every_step():
    results = mesa.batch_run(
        ResetModel,
        parameters={"scenario": [str(SHORT)], "rng": [1, 2]},
        iterations=1,
        max_steps=1000,
        data_collection_period=1,
        number_processes=1,
        display_progress=False,
    )
    frame = pd.DataFrame(results)
    compiled = as_compiled(SHORT)
    assert sorted(frame["rng"].unique()) == [1, 2]
    for rng, runs in frame.groupby("rng"):
        assert list(runs["Step"]) == list(range(compiled.n_ticks))
        assert list(runs["date"]) == compiled.dates
        for col in ("usa_trust", "rus_trust"):
            assert runs[col].notna().all() and runs[col].between(-10, 10).all()
        direct = run_to_end(ResetModel(scenario=str(SHORT), rng=int(rng)))
        np.testing.assert_array_equal(runs["usa_trust"], direct["usa_trust"])
    one, two = (frame[frame["rng"] == r]["usa_trust"].to_numpy() for r in (1, 2))
    assert not np.allclose(one, two)


def test_one_tick_per_quarter_and_stops_at_the_end():
    model = ResetModel(scenario=MINIMAL, rng=1)
    dates = []
    while model.running:
        dates.append(model.date)
        model.step()
    assert dates == [
        "2010-01-01",
        "2010-04-01",
        "2010-07-01",
        "2010-10-01",
        "2011-01-01",
        "2011-04-01",
        "2011-07-01",
        "2011-10-01",
    ]
    assert model.running is False
    assert model.tick == 8 and model.steps == 8
    frame = model.datacollector.get_model_vars_dataframe()
    assert list(frame["date"]) == dates
    assert model.date == "2011-10-01"


def test_run_model_runs_the_whole_scenario():
    model = ResetModel(scenario=as_compiled(SHORT), rng=5)
    model.run_model()
    assert model.steps == as_compiled(SHORT).n_ticks
    assert len(model.datacollector.get_model_vars_dataframe()) == model.steps


def test_reporters_cover_every_column():
    frame = run_to_end(ResetModel(scenario=SHORT, rng=1))
    assert list(frame.columns) == ["date", *columns(("usa", "rus"))]
    assert frame.drop(columns="date").notna().all().all()


def test_same_rng_same_data_and_numpy_ints_are_accepted():
    a = run_to_end(ResetModel(scenario=SHORT, rng=np.int64(42)))
    b = run_to_end(ResetModel(scenario=SHORT, rng=42))
    pd.testing.assert_frame_equal(a, b)


def test_parameter_overrides():
    base = run_to_end(ResetModel(scenario=MINIMAL, rng=1))
    no_build = run_to_end(ResetModel(scenario=MINIMAL, rng=1, params={"trust_build": 0.0}))
    assert (no_build["usa_trust"] <= base["usa_trust"] + 1e-12).all()
    assert not np.allclose(no_build["usa_trust"], base["usa_trust"])
    by_keyword = run_to_end(ResetModel(scenario=MINIMAL, rng=1, trust_build=0.0))
    np.testing.assert_array_equal(by_keyword["usa_trust"], no_build["usa_trust"])


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"params": {"no_such_parameter": 1.0}}, ["no_such_parameter", "unknown"]),
        ({"no_such_parameter": 1.0}, ["no_such_parameter", "unknown"]),
        ({"params": {"k_leader": 7.0}}, ["k_leader", "bounds"]),
        ({"k_leader": 7.0}, ["k_leader", "bounds"]),
        ({"k_leader": float("nan")}, ["k_leader", "finite"]),
    ],
)
def test_bad_parameters_are_value_errors_naming_them(kwargs, words):
    with pytest.raises(ValueError) as info:
        ResetModel(scenario=MINIMAL, rng=1, **kwargs)
    for w in words:
        assert w in str(info.value)


def test_step_after_the_last_quarter_changes_nothing():
    model = ResetModel(scenario=MINIMAL, rng=3)
    frame = run_to_end(model)
    before = {k: getattr(model.states[0], k) for k in model.states[0].VARS}
    ticks = model.tick
    for _ in range(3):
        model.step()
    assert not model.running and model.tick == ticks
    assert {k: getattr(model.states[0], k) for k in model.states[0].VARS} == before
    assert len(model.datacollector.get_model_vars_dataframe()) == len(frame)


def test_event_log_records_fired_processes():
    model = ResetModel(scenario=SHORT, rng=2)
    run_to_end(model)
    c = model.compiled
    expected = [
        (t, c.proc_ids[i])
        for t in range(c.n_ticks)
        for i in range(c.n_processes)
        if c.proc_rate[i, t] > 0
        and model.uniforms[t, i] < sh.fire_probability(c.proc_rate[i, t], model.p)
    ]
    assert model.event_log == expected
    assert expected, "with these rates something should fire in 12 quarters"


# ------------------------------------------------------------ another dyad


def test_another_dyad_has_its_own_column_prefixes(scenarios_dir):
    model = ResetModel(scenario=scenarios_dir / "us_china_example.toml", rng=1)
    frame = run_to_end(model)
    assert [a.state_id for a in model.states] == ["usa", "chn"]
    assert {"usa_trust", "chn_trust", "chn_power"} <= set(frame.columns)
    assert not any(c.startswith("rus_") for c in frame.columns)
    # constant power 0.6 / 0.4
    np.testing.assert_allclose(frame["usa_power"], 0.6)
    np.testing.assert_allclose(frame["chn_power"], 0.4)


# ------------------------------------------------------------ simultaneous update


def test_both_states_compute_from_the_same_quarter(monkeypatch):
    calls = []
    real = dyn.state_update

    def spy(own, other, coop, noise, p, **kw):
        calls.append((dict(own), dict(other)))
        return real(own, other, coop, noise, p, **kw)

    monkeypatch.setattr(dyn, "state_update", spy)
    model = ResetModel(scenario=SHORT, rng=1)
    for _ in range(6):
        calls.clear()
        before = [a.variables() for a in model.states]
        model.step()
        assert len(calls) == 2
        (own0, other0), (own1, other1) = calls
        # the second state sees the first state's values from before the commit
        assert other1 == own0
        assert other0 == own1
        # (not vacuous: the first state's values did change in this quarter)
        assert model.states[0].variables() != before[0]
        assert model.states[0].trust != own0["trust"]


def test_symmetric_dyad_gives_identical_columns():
    compiled = as_compiled(SYMMETRIC)
    for traj in (simulate(compiled, [1, 2]), simulate_mesa(compiled, [1])):
        for var in STATE_COLUMNS:
            np.testing.assert_array_equal(traj[f"usa_{var}"], traj[f"rus_{var}"], err_msg=var)
        # and something happened
        assert np.ptp(traj["usa_trust"][0]) > 0.1


ASYMMETRIC = """
name = "asymmetric"
start = "2000Q1"
end = "2007Q4"
{states}

[power]
source = "constant"
constant = {{ usa = 0.65, rus = 0.35 }}

[[leaders]]
id = "u1"
state = "usa"
name = "U"
start = "1999"
disposition = 0.5

[[leaders]]
id = "r1"
state = "rus"
name = "R1"
start = "1999"
end = "2003"
disposition = 0.2

[[leaders]]
id = "r2"
state = "rus"
name = "R2"
start = "2003"
disposition = -0.3

[[events]]
id = "war"
date = "2001Q3"
kind = "military_conflict"
actor = "rus"

[[events]]
id = "enlarge"
date = "2004Q2"
kind = "nato_enlargement"
actor = "usa"

[[stochastic]]
id = "hacks"
kind = "attack"
actor = "rus"
rate_per_year = 1.5

[parameters]
trust_noise = {noise}
"""
USA = '[[states]]\nid = "usa"\ninitial = { trust = 0.5, ideology = 0.1, threat = 0.1 }\n'
RUS = '[[states]]\nid = "rus"\ninitial = { trust = 0.2, ideology = 0.7, grievance = 0.4 }\n'


def test_listing_the_states_in_the_other_order_changes_nothing():
    """With a sequential update the state stepped first would differ; here nothing does."""
    a = loads(ASYMMETRIC.format(states=USA + "\n" + RUS, noise=0.0), name="a")
    b = loads(ASYMMETRIC.format(states=RUS + "\n" + USA, noise=0.0), name="b")
    assert a.state_ids == ("usa", "rus") and b.state_ids == ("rus", "usa")
    seeds = [3, 4, 5]
    for engine in (simulate, simulate_mesa):
        ta, tb = engine(as_compiled(a), seeds), engine(as_compiled(b), seeds)
        for col in ta.data:
            np.testing.assert_allclose(ta[col], tb[col], rtol=0, atol=1e-12, err_msg=col)
        assert not np.allclose(ta["usa_trust"], ta["rus_trust"])


# ------------------------------------------------------------ no leaks


TINY = (
    (MINIMAL.read_text("utf-8"))
    .replace('end = "2011Q4"', 'end = "2010Q2"')
    .replace('date = "2010-07-09"', 'date = "2010-04-09"')
)


@pytest.mark.slow  # 2,000 models: a stress test (about 18 s)
def test_thousands_of_models_do_not_leak():
    compiled = as_compiled(loads(TINY, name="tiny"))
    gc.collect()
    ids_before = len(mesa.Agent._ids)
    refs = []
    for seed in range(2000):
        model = ResetModel(scenario=compiled, rng=seed)
        run_to_end(model)
        refs.append(weakref.ref(model))
        assert len(mesa.Agent._ids) <= ids_before + 1
    del model
    gc.collect()
    assert len(mesa.Agent._ids) <= ids_before
    alive = sum(r() is not None for r in refs)
    assert alive == 0, f"{alive} finished models are still referenced"
