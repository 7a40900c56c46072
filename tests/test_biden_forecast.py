"""The Biden era: the 2021 forecast, what happened, and the check.

* the ex-ante scenario knows nothing after mid-2021, the realised one cites a
  source for every event it adds, both cover the same period;
* the forecast check is computed: probabilities from runs, Brier and log
  scores by hand on synthetic runs, the naive forecasts, the firing rule;
* the outcomes file and the ``forecast`` key validate with one-line errors;
* ``resetsim run`` of the main job writes the forecast check and the figure.
"""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from resetsim.analysis import forecast as F
from resetsim.core import calendar as cal
from resetsim.core.config import ScenarioError
from resetsim.engines.ensemble import simulate
from resetsim.engines.randomness import replication_seeds
from resetsim.scenario import compile_scenario, load, loads
from resetsim.scenario.load import load_with_origins
from resetsim.scenario.outcomes import OutcomesFile, load_outcomes, parse

REPO = Path(__file__).resolve().parents[1]
EX_ANTE = REPO / "scenarios" / "biden_era_ex_ante.toml"
REALISED = REPO / "scenarios" / "biden_era.toml"
OUTCOMES = REPO / "scenarios" / "targets" / "biden_era_outcomes.toml"
MID_2021 = cal.parse_quarter("2021-06-30")
SOURCE = re.compile(r"\b\d{1,2} [A-Z][a-z]{2} \d{4}\b")  # "24 Feb 2022"


# ------------------------------------------------------------ the scenario files


def test_ex_ante_knows_nothing_after_mid_2021():
    sc = load(EX_ANTE)
    last = max(str(ev.date) for ev in sc.events)
    assert last <= "2021-06-30", last
    assert cal.parse_quarter(sc.projection_start) <= cal.parse_quarter("2021Q3")
    # leaders after January 2025 are drawn, not borrowed from what happened
    later = [lt for lt in sc.leaders if str(lt.start) >= "2025-01-01"]
    assert later and all(lt.disposition_sd > 0 for lt in later)
    assert not any("trump" in lt.id.lower() or "Trump" in lt.name for lt in later)


def test_realised_events_cite_a_dated_source_and_their_criterion():
    sc, origins = load_with_origins(REALISED)
    added = [
        ev
        for ev in sc.events
        if Path(origins[("events", ev.id)]).name in ("biden_era.toml", "biden_era_ex_ante.toml")
    ]
    assert len(added) >= 30
    for ev in added:
        assert SOURCE.search(ev.note), f"{ev.id}: no dated source in its note"
        assert "intensity" in ev.note, f"{ev.id}: the note says no intensity criterion"
    ids = {ev.id for ev in sc.events}
    for must in (
        "invasion",
        "annexations_2022",
        "new_start_suspended",
        "finland_nato",
        "sweden_nato",
        "griner_bout",
        "ankara_exchange",
        "navalny_death",
        "draft_treaties",
        "riyadh_talks",
        "energy_truce_call",
        "alaska_summit",
    ):
        assert must in ids
    last = max(cal.parse_quarter(ev.date) for ev in sc.events)
    assert cal.parse_quarter(sc.projection_start) > last
    assert any(lt.id == "trump_2" and str(lt.start) == "2025-01-20" for lt in sc.leaders)


def test_both_files_cover_the_same_period_and_share_the_2021_knowledge():
    a, b = compile_scenario(load(EX_ANTE)), compile_scenario(load(REALISED))
    assert np.array_equal(a.quarters, b.quarters)
    assert a.dates[-1] == "2028-10-01"
    assert {e.id for e in a.scenario.events} <= {e.id for e in b.scenario.events}
    assert [p.id for p in a.scenario.stochastic] == [p.id for p in b.scenario.stochastic]
    assert b.scenario.forecast == "biden_era_ex_ante.toml"


# ------------------------------------------------------------ the check, computed

TINY = """
name = "tiny"
start = "2000Q1"
end = "2005Q4"
projection_start = "2002Q1"
[power]
source = "constant"
constant = { aa = 0.5, bb = 0.5 }
[[states]]
id = "aa"
[[states]]
id = "bb"
[[leaders]]
id = "a1"
state = "aa"
name = "A"
start = "2000-01-01"
disposition = 0.2
[[leaders]]
id = "b1"
state = "bb"
name = "B"
start = "2000-01-01"
disposition = 0.2
[[events]]
id = "old_war"
date = "2001-02-01"
kind = "military_conflict"
actor = "bb"
[[stochastic]]
id = "war"
kind = "military_conflict"
actor = "bb"
rate_per_year = 1.0
[[stochastic]]
id = "talks"
kind = "summit"
actor = "aa"
rate_per_year = 2.0
"""

SPEC = {
    "name": "t",
    "origin": "2002Q1",
    "reference": ["2000Q1", "2001Q4"],
    "outcomes": [
        {
            "id": "war",
            "question": "a war",
            "measure": "events",
            "kinds": ["military_conflict"],
            "actor": "bb",
            "by": "2002Q4",
            "happened": True,
            "date": "2002-05-01",
            "source": "x",
        },
        {
            "id": "low",
            "question": "a record low",
            "measure": "record_low",
            "by": "2003Q4",
            "happened": False,
            "date": "2003-12-31",
            "source": "x",
            "past": ["2000Q3"],
        },
    ],
}


def synthetic():
    c = compile_scenario(loads(TINY))
    n, T, P = 10, c.n_ticks, c.n_processes
    fired = np.zeros((n, T, P), dtype=bool)
    t0 = c.projection_tick
    fired[:3, t0 + 1, 0] = True  # the war fires in 3 runs of 10, inside the window
    fired[3:5, t0 + 8, 0] = True  # and in 2 more after `by` (2002Q4): they do not count
    index = np.full((n, T), 0.5)
    index[:, 3] = 0.2  # the low before the origin
    index[:4, t0 + 2] = 0.1  # 4 runs go below it
    return c, index, fired


def test_forecast_check_on_synthetic_runs_matches_hand_scores():
    c, index, fired = synthetic()
    spec = parse(dict(SPEC), "spec.toml")
    check = F.check(spec, c, index, None, fired)  # these measures read no episodes
    t = check.table.set_index("id")
    assert t.loc["war", "p_model"] == pytest.approx(0.3)
    assert t.loc["low", "p_model"] == pytest.approx(0.4)
    # Brier and log loss by hand
    assert t.loc["war", "brier_model"] == pytest.approx((0.3 - 1) ** 2)
    assert t.loc["low", "brier_model"] == pytest.approx(0.4**2)
    assert t.loc["war", "log_model"] == pytest.approx(-math.log(0.3))
    assert t.loc["low", "log_model"] == pytest.approx(-math.log(0.6))
    # naive forecasts: the past war is the scenario's own dated event (2001Q1);
    # windows of 4 quarters in 2000Q1-2001Q4 start 2000Q1..2001Q1: 4 of 5 hold it
    assert t.loc["war", "p_climatology"] == pytest.approx(0.8)
    assert t.loc["war", "p_persistence"] == 1.0  # 2001Q1 is in 2001Q1-2001Q4
    # the low: windows of 8 quarters in an 8-quarter period: one, holding 2000Q3
    assert t.loc["low", "p_climatology"] == pytest.approx(1.0)
    assert t.loc["low", "p_persistence"] == 1.0
    # a forecast of 1.0 for what did not happen is clipped by the floor
    assert t.loc["low", "log_persistence"] == pytest.approx(-math.log(0.01))
    m = check.means
    assert m.loc["model", "brier"] == pytest.approx(((0.7**2) + 0.16) / 2)
    sk = check.skill()
    assert sk["persistence"] == pytest.approx(1 - m.loc["model", "brier"] / 0.5)


def test_naive_forecasts_by_hand():
    ref = (0, 11)  # 12 quarters
    assert F.climatology([5], 4, ref) == pytest.approx(4 / 9)  # windows 2..5 of 0..8
    assert F.persistence([5], 4, 12) == 0.0
    assert F.persistence([9], 4, 12) == 1.0
    assert F.brier([0.2, 0.9], [0, 1]).tolist() == pytest.approx([0.04, 0.01])
    assert F.log_loss(0.0, True, 0.05) == pytest.approx(-math.log(0.05))


def test_processes_start_at_the_projection():
    c = compile_scenario(loads(TINY))
    fired = simulate(c, replication_seeds(7, 6)).fired
    assert not fired[:, : c.projection_tick].any()


def test_the_shipped_check_is_computed_from_the_ex_ante_runs():
    from resetsim.engines.runner import run_forecast, run_scenario
    from resetsim.output import forecast as out

    r = run_scenario(REALISED, runs=40, record=None)
    f = run_forecast(r)
    assert f is r.forecast and f.compiled.scenario.name == "biden_era_ex_ante"
    assert np.array_equal(f.seeds, r.seeds)
    check = F.check_forecast(r)
    spec = load_outcomes(OUTCOMES)
    assert list(check.table["id"]) == [o.id for o in spec.outcomes]
    assert check.table["happened"].tolist() == [o.happened for o in spec.outcomes]
    # the annexation question: no annexation process in the 2021 forecast
    t = check.table.set_index("id")
    assert t.loc["annexation_by_2023", "p_model"] == 0.0
    # changing an answer in the file changes the score: the table reads the file
    lines = out.check_lines(check, f)
    assert any("mean Brier" in line for line in lines)
    # what the model says once it knows the events: the questions it answers
    # itself, read on the runs of what happened; events are inputs there (NaN)
    measures = {o.id: o.measure for o in spec.outcomes}
    for q, p in t["p_given_events"].items():
        assert np.isnan(p) == (measures[q] not in F.MODEL_MEASURES), q
    ep, _ = F.episodes_and_index(r)
    c = r.compiled
    t0 = c.dates.index("2021-07-01")
    t1 = c.dates.index("2022-10-01")
    new = (ep.observed_onset & (ep.onset >= t0) & (ep.onset <= t1)).any(axis=1)
    assert t.loc["reset_by_2022", "p_given_events"] == pytest.approx(new.mean())
    assert any("Given the events" in line for line in out.verdict(check))


def test_given_events_is_read_on_the_other_runs():
    c, index, fired = synthetic()
    spec = parse(dict(SPEC), "spec.toml")
    low = index.copy()
    low[:, c.projection_tick + 2] = 0.5  # in the runs of what happened no run goes below
    low[:1, c.projection_tick + 3] = 0.1  # but one
    t = F.check(spec, c, index, None, fired, given=(c, low, None)).table.set_index("id")
    assert t.loc["low", "p_model"] == pytest.approx(0.4)  # the forecast's own runs
    assert t.loc["low", "p_given_events"] == pytest.approx(0.1)
    assert np.isnan(t.loc["war", "p_given_events"])  # an event: an input there


# ------------------------------------------------------------ validation


def test_the_outcomes_file_validates():
    spec = load_outcomes(OUTCOMES)
    assert isinstance(spec, OutcomesFile)
    for o in spec.outcomes:
        assert SOURCE.search(o.source), o.id
        assert o.measure == "events" or o.past


@pytest.mark.parametrize(
    "change, where",
    [
        ({"measure": "guess"}, "measure"),
        ({"kinds": ["no_such_kind"]}, "kinds"),
        ({"by": "2001Q1"}, "by"),
        ({"source": ""}, "source"),
        ({"measure": "record_low", "kinds": []}, "past"),
    ],
)
def test_a_bad_outcome_is_one_clear_line(change, where):
    raw = {**SPEC, "outcomes": [{**SPEC["outcomes"][0], **change}]}
    with pytest.raises(ScenarioError) as exc:
        parse(raw, "o.toml")
    msg = str(exc.value.problems[0])
    assert msg.startswith("o.toml") and where in msg and "\n" not in msg


def _pair(tmp_path: Path, forecast_line: str, ex_ante_end: str = "2028Q4") -> Path:
    (tmp_path / "history_1989_2021.toml").write_text(
        (REPO / "scenarios" / "history_1989_2021.toml").read_text()
    )
    shutil.copytree(REPO / "scenarios" / "targets", tmp_path / "targets")
    shutil.copytree(REPO / "scenarios" / "posteriors", tmp_path / "posteriors")
    ex = EX_ANTE.read_text().replace('end = "2028Q4"', f'end = "{ex_ante_end}"')
    (tmp_path / "biden_era_ex_ante.toml").write_text(ex)
    text = REALISED.read_text().replace('forecast = "biden_era_ex_ante.toml"', forecast_line)
    path = tmp_path / "biden_era.toml"
    path.write_text(text)
    return path


def test_a_bad_forecast_path_is_one_line_exit_2(run_cli, tmp_path):
    path = _pair(tmp_path, 'forecast = "nowhere.toml"')
    r = run_cli("validate", path)
    assert r.code == 2, r
    lines = [ln for ln in r.err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "forecast" in lines[0] and "nowhere.toml" in lines[0], r


def test_a_forecast_over_another_period_is_refused(tmp_path):
    path = _pair(tmp_path, 'forecast = "biden_era_ex_ante.toml"', ex_ante_end="2027Q4")
    # the realised file extends the ex-ante one: give it its own end
    with pytest.raises(ScenarioError) as exc:
        load(path)
    assert "same period" in str(exc.value) or "2027Q4" in str(exc.value)


def test_outcomes_without_a_forecast_are_refused(tmp_path):
    path = _pair(tmp_path, "")
    with pytest.raises(ScenarioError) as exc:
        load(path)
    assert "outcomes" in str(exc.value) and "forecast" in str(exc.value)


# ------------------------------------------------------------ the main job


def test_run_writes_the_forecast_check_and_the_figure(run_cli, tmp_path):
    out = tmp_path / "b"
    r = run_cli("run", REALISED, "--runs", 12, "--quiet", "--out", out)
    assert r.code == 0, r
    names = ("fan.png", "summary.txt", "forecast.csv", "trajectory.csv", "meta.json")
    for name in (*names, "forecast_trajectory.csv"):
        assert (out / name).exists(), name
    text = (out / "summary.txt").read_text()
    assert "Forecast check" in text and "mean Brier" in text and "got right" in text
    table = pd.read_csv(out / "forecast.csv")
    assert {"p_model", "p_climatology", "p_persistence", "brier_model", "log_model"} <= set(
        table.columns
    )
    dates = pd.read_csv(out / "trajectory.csv", usecols=["date"])["date"]
    assert dates.max() >= "2028-10-01"
    # the forecast's runs: the columns of trajectory.csv, the same runs and quarters
    realised = pd.read_csv(out / "trajectory.csv")
    forecast = pd.read_csv(out / "forecast_trajectory.csv")
    assert list(forecast.columns) == list(realised.columns)
    assert forecast[["run", "date"]].equals(realised[["run", "date"]])
    assert not np.allclose(forecast["usa_trust"], realised["usa_trust"])  # another scenario


def test_the_python_result_gives_the_forecast_and_its_runs(tmp_path):
    import resetsim

    result = resetsim.run(REALISED, runs=6, seed=3)
    check = result.forecast()
    assert list(check["id"]) == [o.id for o in load_outcomes(OUTCOMES).outcomes]
    frame = result.forecast_frame()
    assert list(frame.columns) == list(result.frame().columns)
    assert frame["run"].nunique() == 6
    # the same numbers as the files `resetsim run` writes for the same runs and seed
    from resetsim.cli.main import main

    assert main(["run", str(REALISED), "--runs", "6", "--seed", "3", "--quiet",
                 "--out", str(tmp_path / "r")]) == 0  # fmt: skip
    written = pd.read_csv(tmp_path / "r" / "forecast.csv")
    assert np.allclose(written["p_model"], check["p_model"])
    table = pd.read_csv(tmp_path / "r" / "forecast_trajectory.csv")
    assert np.allclose(table["usa_trust"], frame["usa_trust"], atol=1e-6)
    # a scenario without a forecast has neither
    plain = resetsim.run(REPO / "scenarios" / "example.toml", runs=2)
    assert plain.forecast() is None and plain.forecast_frame() is None


def test_no_posterior_reaches_the_forecast_run(tmp_path):
    """--no-posterior runs the 2021 forecast at the point estimate too."""
    from resetsim.cli.common import without_posterior
    from resetsim.engines.runner import run_forecast, run_scenario

    scenario = without_posterior(load(REALISED), True)
    result = run_scenario(scenario, runs=3, seed=5)
    forecast = run_forecast(result)
    assert result.compiled.posterior is None and forecast.compiled.posterior is None
    with_posterior = run_forecast(run_scenario(load(REALISED), runs=3, seed=5))
    assert with_posterior.compiled.posterior is not None
