"""The ladder (``resetsim assess``): observation models, rungs, scores, rolling
origins, the event-coding check, the observations format and its errors."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import properscoring as ps
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import resetsim
from resetsim.analysis import ladder as lad
from resetsim.core import params as prm
from resetsim.core.config import ScenarioError
from resetsim.experiments import ladder
from resetsim.experiments import ladder_inputs as li
from resetsim.output.report import folder_kind
from resetsim.scenario import as_compiled
from resetsim.scenario.observations import load_observations
from scripts import load_script

SCENARIOS_DIR = Path(__file__).resolve().parents[1] / "scenarios"

EXAMPLE = SCENARIOS_DIR / "example.toml"
FAST = {"runs": 4, "n_boot": 50}


def write_obs(tmp_path, rows, *, scale="share", observes="dyad.cooperation", extra=""):
    """A one-series observations file with a CSV of ``rows`` (``date,value,n``)."""
    (tmp_path / "made_up.csv").write_text(
        "date,value,n,note\n" + "".join(f"{d},{v},{n},made up\n" for d, v, n in rows),
        encoding="utf-8",
    )
    path = tmp_path / "obs.toml"
    path.write_text(
        f'name = "mine"\n[[series]]\nid = "my_poll"\nfile = "made_up.csv"\n'
        f'observes = "{observes}"\nscale = "{scale}"\nsource = "made up for a test"\n{extra}',
        encoding="utf-8",
    )
    return path


YEARLY = [(f"{y}-03", round(0.3 + 0.04 * ((y * 7) % 5), 3), 1000) for y in range(2008, 2016)]


# --------------------------------------------------------------------------
# the arithmetic


def test_a_flat_rung_predicts_with_one_spread_per_year():
    """A predictor constant over the training years (beta = 0): the prediction
    error is the same for every scored year, and comes as one value per year
    (it used to come as a scalar, which crashed the forecast)."""
    fit = lad.fit_observation(np.full(4, 0.3), np.array([0.1, -0.2, 0.3, 0.0]))
    assert fit.beta == 0.0
    sd = fit.prediction_sd(np.array([0.3, 0.5, 0.7]))
    assert sd.shape == (3,) and np.all(sd == sd[0]) and sd[0] > fit.sigma
    point, draws = lad.predictive_samples(fit, np.full((2, 3), 0.4), np.zeros((3, 5)))
    assert point.shape == (3,) and draws.shape == (3, 5)


def test_observation_model_recovers_alpha_beta_of_synthetic_data():
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 1, 400)
    z = -1.2 + 2.5 * x + rng.normal(0, 0.1, 400)
    values = 100 / (1 + np.exp(-z))  # percentages read through a logit
    fit = lad.fit_observation(x, lad.to_working(values, "percent"))
    assert fit.alpha == pytest.approx(-1.2, abs=0.03)
    assert fit.beta == pytest.approx(2.5, abs=0.05)
    assert fit.sigma == pytest.approx(0.1, abs=0.01)
    assert fit.rule == "ols"


@settings(max_examples=60, deadline=None)
@given(
    alpha=st.floats(-5, 5),
    beta=st.floats(-5, 5).filter(lambda b: abs(b) > 1e-3),
    x=st.lists(st.floats(-3, 3), min_size=3, max_size=30, unique=True),
)
def test_observation_model_recovers_any_exact_line(alpha, beta, x):
    x = np.array(x)
    if np.ptp(x) < 1e-3:
        return
    fit = lad.fit_observation(x, alpha + beta * x)
    assert fit.alpha == pytest.approx(alpha, abs=1e-6)
    assert fit.beta == pytest.approx(beta, abs=1e-6)
    assert fit.sigma == pytest.approx(lad.SIGMA_FLOOR, abs=1e-6)


def test_working_scale_round_trips():
    v = np.array([0.5, 12.0, 50.0, 99.5])
    np.testing.assert_allclose(lad.from_working(lad.to_working(v, "percent"), "percent"), v)
    np.testing.assert_allclose(lad.from_working(lad.to_working(v / 100, "share"), "share"), v / 100)
    assert list(lad.to_working(v, "index")) == list(v)


def test_observation_model_rules_for_short_and_flat_series():
    with pytest.raises(ValueError, match="at least 3"):
        lad.fit_observation(np.array([1.0, 2.0]), np.array([0.1, 0.2]))
    flat = lad.fit_observation(np.zeros(5), np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
    assert (flat.rule, flat.beta, flat.alpha) == ("flat", 0.0, 3.0)
    assert flat.sigma == pytest.approx(np.std([1, 2, 3, 4, 5], ddof=1))
    exact = lad.fit_observation(np.arange(4.0), 2 * np.arange(4.0))
    assert exact.sigma == lad.SIGMA_FLOOR  # a perfect fit still has an interval


def test_persistence_reproduces_hand_computed_scores():
    years = np.array([2000, 2001, 2003])
    z = np.array([1.0, 2.0, 4.0])  # an index: the working scale is the value
    eps = np.zeros((2, 11))
    point, draws, step = lad.persistence_forecast(years, z, np.array([2004, 2006]), eps)
    assert list(point) == [4.0, 4.0]
    # steps: (2-1)/1 and (4-2)/sqrt(2); step sd = sqrt(mean of squares) = sqrt((1 + 2) / 2)
    assert step == pytest.approx(math.sqrt(1.5))
    s = lad.scores(point, draws, np.array([5.0, 1.0]))
    assert s["n"] == 2 and math.isnan(s["spearman"])  # constant forecast
    assert s["rmse"] == pytest.approx(math.sqrt((1 + 9) / 2))
    assert s["crps"] == pytest.approx((1 + 3) / 2)  # a point forecast's CRPS is |error|
    assert s["coverage80"] == 0.0


def test_ledger_reproduces_hand_computed_values_and_scores():
    x = lad.ledger(np.array([0, 2, 2]), np.array([1.0, -0.5, 0.25]), 4, 0.5)
    assert list(x) == [1.0, 0.5, 0.25 - 0.25, 0.0]
    # a series exactly linear in the ledger: fitted exactly, scored exactly
    years_x = np.array([1.0, 0.5, -0.25, 2.0])
    z = 3.0 - 2.0 * years_x
    fit = lad.fit_observation(years_x[:3], z[:3])
    assert (fit.alpha, fit.beta) == (pytest.approx(3.0), pytest.approx(-2.0))
    point, draws = lad.predictive_samples(fit, years_x[None, 3:], np.zeros((1, 9)))
    s = lad.scores(point, draws, np.array([-1.0 + 0.5]))
    assert point[0] == pytest.approx(-1.0)
    assert s["rmse"] == pytest.approx(0.5) and s["crps"] == pytest.approx(0.5, abs=1e-2)


def test_fit_decay_finds_the_decay_that_made_the_data():
    ticks, imp = np.array([0, 5, 9, 14]), np.array([1.0, -1.0, 0.5, 1.0])
    z = 0.2 + 1.5 * lad.ledger(ticks, imp, 20, 0.8)
    decay, fit = lad.fit_decay(lambda a: lad.ledger(ticks, imp, 20, a), z)
    assert decay == pytest.approx(0.8) and fit.beta == pytest.approx(1.5)


def test_crps_is_properscorings_and_near_the_gaussian_closed_form():
    rng = np.random.default_rng(3)
    draws = rng.normal(0.0, 1.0, (1, 20000))
    s = lad.scores(np.zeros(1), draws, np.array([0.7]))
    assert s["crps"] == pytest.approx(ps.crps_ensemble(0.7, draws[0]))
    assert s["crps"] == pytest.approx(ps.crps_gaussian(0.7, 0.0, 1.0), abs=0.01)
    assert s["coverage80"] == 1.0  # 0.7 lies inside N(0, 1)'s central 80%


def test_bootstrap_interval_of_a_difference():
    rng = np.random.default_rng(0)
    obs = np.arange(8.0)
    good = lad.year_losses(obs + 0.1, obs[:, None] + rng.normal(0, 0.2, (8, 200)), obs)
    bad = lad.year_losses(obs + 2.0, obs[:, None] + 2 + rng.normal(0, 0.2, (8, 200)), obs)
    good["point"], bad["point"] = obs + 0.1, obs + 2.0
    d = lad.bootstrap_difference(bad, good, obs, np.random.default_rng(1), 300)
    est, lo, hi = d["crps"]
    assert 0 < lo <= est <= hi  # worse in every year: the interval is above 0
    assert d["rmse"][0] == pytest.approx(1.9)
    same = lad.bootstrap_difference(good, good, obs, np.random.default_rng(1), 300)
    assert same["crps"] == (0.0, 0.0, 0.0)


def test_spearman_is_empty_for_a_constant_forecast():
    assert math.isnan(lad.spearman(np.ones(5), np.arange(5.0)))
    assert lad.spearman(np.arange(5.0), np.arange(5.0)) == pytest.approx(1.0)


def test_spearman_of_rows_is_spearman_of_each_row():
    rng = np.random.default_rng(0)
    p, o = rng.normal(size=(40, 6)), rng.integers(0, 3, size=(40, 6)).astype(float)
    p[3], o[4] = 2.0, 1.0  # a constant forecast, constant observations
    each = [lad.spearman(a, b) for a, b in zip(p, o, strict=True)]
    np.testing.assert_allclose(lad.spearman_rows(p, o), each)


# --------------------------------------------------------------------------
# rungs


def test_knock_outs_come_from_the_switch_registry():
    names = ladder.rung_names()
    assert names[:5] == ["persistence", "trend", "ledger", "side_ledger", "full"]
    every_on = {s: 1.0 for s in [*prm.CONTRADICTIONS.values(), "k_leader"]}
    rungs = li.model_rungs({**prm.defaults(), **every_on})
    for c, switch in prm.CONTRADICTIONS.items():
        assert rungs[f"full_without_{c}"] == {switch: 0.0}
    assert rungs["full_without_leader"] == {"k_leader": 0.0}
    assert set(rungs["full_without_all"]) == set(prm.CONTRADICTIONS.values())
    assert not [r for r in rungs if r.startswith("full_with_")]  # nothing is off
    # the defaults: each mechanism either knocked out or switched on, never both
    rungs = li.model_rungs()
    for c in prm.CONTRADICTIONS:
        assert (f"full_without_{c}" in rungs) != (f"full_with_{c}" in rungs)


def test_a_mechanism_the_model_has_off_gets_a_rung_that_switches_it_on():
    values = prm.defaults()
    name, switch = next(iter(prm.CONTRADICTIONS.items()))
    values[switch] = 0.0
    rungs = li.model_rungs(values)
    assert f"full_without_{name}" not in rungs
    assert rungs[f"full_with_{name}"] == {switch: prm.PARAM_BY_NAME[switch].high}
    assert "full_without_all" in rungs and "full_with_all" in rungs  # some on, some off
    assert set(rungs["full_with_all"]) == set(prm.CONTRADICTIONS.values())
    values.update({s: 0.0 for s in prm.CONTRADICTIONS.values()})
    rungs = li.model_rungs(values)
    assert "full_without_all" not in rungs and "full_with_all" in rungs
    assert ladder.rung_names(values)[-len(rungs) :] == list(rungs)


def test_side_ledger_moves_each_side_by_the_others_acts_only():
    events = pd.DataFrame(
        {"tick": [0, 1, 2], "kind": ["a", "a", "b"], "actor": [0, 1, 1], "intensity": [2, 3, 1]}
    )
    weights = pd.DataFrame(
        {
            "kind": ["a", "a", "b"],
            "actor": ["usa", "rus", "rus"],
            "on_dyad": [1.0, 2.0, -1.0],
            "on_usa": [5.0, 3.0, -2.0],
            "on_rus": [7.0, 4.0, -6.0],
        }
    )
    ids = ("usa", "rus")
    t, imp = li.ledger_impulses(events, weights, ids, "on_usa", actor_not=0)
    assert list(t) == [1, 2] and list(imp) == [3.0 * 1.5, -2.0 * 0.5]  # Russia's acts on the US
    t, imp = li.ledger_impulses(events, weights, ids, "on_rus", actor_not=1)
    assert list(t) == [0] and list(imp) == [7.0]  # America's act on Russia
    t, imp = li.ledger_impulses(events, weights, ids, "on_dyad")
    assert list(imp) == [1.0, 2.0 * 1.5, -1.0 * 0.5]


def test_kind_weights_take_their_sign_from_the_kinds_effects():
    c = as_compiled(EXAMPLE)
    w = li.impulse_weights(c, seed=1, runs=4).set_index(["kind", "actor"])
    assert w.loc[("military_conflict", "rus"), "on_usa"] < 0  # a war costs trust
    assert w.loc[("treaty_signed", "usa"), "on_dyad"] > 0  # a treaty builds it


def test_event_coding_moves_every_intensity_by_one_within_1_to_3():
    c = as_compiled(EXAMPLE)
    moved = li.recode_events(c, np.random.default_rng(5))
    before = {e.id: e.intensity for e in c.scenario.events}
    after = {e.id: e.intensity for e in moved.scenario.events}
    assert before.keys() == after.keys()
    for k in before:
        assert 1 <= after[k] <= 3
        assert abs(after[k] - before[k]) == 1 or after[k] == before[k] in (1, 3)
    assert any(after[k] != before[k] for k in before)


# --------------------------------------------------------------------------
# assess


def test_rolling_origin_never_sees_a_year_after_it(tmp_path):
    """Plant a jump after the origin: nothing fitted at that origin changes."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    calm = write_obs(tmp_path / "a", YEARLY)
    jumped_rows = [(d, (0.95 if int(d[:4]) > 2011 else v), n) for d, v, n in YEARLY]
    jumped = write_obs(tmp_path / "b", jumped_rows)
    a = ladder.assess(EXAMPLE, calm, origins=[2011], **FAST)
    b = ladder.assess(EXAMPLE, jumped, origins=[2011], **FAST)
    pd.testing.assert_frame_equal(a.models, b.models)
    ins = [c for c in ladder.SCORE_COLUMNS if c != "n"]
    pd.testing.assert_frame_equal(
        a.scores[a.scores["sample"] == "in"][ins], b.scores[b.scores["sample"] == "in"][ins]
    )
    out_a = a.scores[a.scores["sample"] == "out"].set_index("rung")["rmse"]
    out_b = b.scores[b.scores["sample"] == "out"].set_index("rung")["rmse"]
    assert (out_b > out_a).all()  # the jump is scored, never fitted


def test_assess_api_has_every_rung_with_finite_scores(tmp_path):
    obs = write_obs(tmp_path, YEARLY)
    a = resetsim.assess(
        EXAMPLE, obs, origins=[2011, 2012], runs=4, bootstrap=50, out=tmp_path / "o"
    )
    assert list(a.scores.columns[:9]) == list(ladder.SCORE_COLUMNS)
    out = a.scores[a.scores["sample"] == "out"]
    assert set(out["rung"]) == set(ladder.rung_names())
    assert np.isfinite(out[["rmse", "coverage80", "crps"]].to_numpy()).all()
    assert out["dynamics_saw_scored"].all()  # the example names no targets: unknown = seen
    assert a.winner in ladder.rung_names()
    written = pd.read_csv(tmp_path / "o" / "scores.csv")
    assert list(written.columns[:9]) == list(ladder.SCORE_COLUMNS)
    assert (tmp_path / "o" / "ladder.png").stat().st_size > 0
    assert folder_kind(tmp_path / "o") == "assess"


def test_same_seed_same_ladder(tmp_path):
    obs = write_obs(tmp_path, YEARLY)
    a = ladder.assess(EXAMPLE, obs, origins=[2011], **FAST)
    b = ladder.assess(EXAMPLE, obs, origins=[2011], **FAST)
    pd.testing.assert_frame_equal(a.scores, b.scores)
    pd.testing.assert_frame_equal(a.predictions, b.predictions)
    c = ladder.assess(EXAMPLE, obs, origins=[2011], runs=4, n_boot=50, seed=99)
    assert not a.predictions["point"].equals(c.predictions["point"])


def test_years_outside_the_scenario_and_short_series_are_reported(tmp_path):
    rows = [("2003", 0.5, 10), *YEARLY[3:]]  # 2003 lies before the example's 2008 start
    (tmp_path / "early.csv").write_text(
        "date,value,n\n" + "".join(f"{d},{v},{n}\n" for d, v, n in YEARLY), encoding="utf-8"
    )
    second = (
        '[[series]]\nid = "early_poll"\nfile = "early.csv"\nobserves = "dyad.cooperation"\n'
        'scale = "share"\nsource = "made up for a test"\n'
    )
    obs = write_obs(tmp_path, rows, extra=second)
    a = ladder.assess(EXAMPLE, obs, origins=[2010, 2013], **FAST)
    assert a.meta["years_not_scored_outside_scenario"] == {"my_poll": [2003]}
    # at 2010 my_poll has no year inside the scenario up to it: left out there only
    (skip,) = a.meta["not_scored"]
    assert (skip["series"], skip["origin"]) == ("my_poll", 2010)
    assert "0 training years" in skip["reason"]
    assert set(a.scores.loc[a.scores["series"] == "my_poll", "origin"]) == {2013}
    assert set(a.scores.loc[a.scores["series"] == "early_poll", "origin"]) == {2010, 2013}


def test_an_origin_that_scores_nothing_is_one_clear_error(tmp_path, run_cli):
    """An origin at which no series has three training years inside the scenario
    and a later year would score nothing: refused, naming --origins, before any run."""
    obs = write_obs(tmp_path, YEARLY)
    for origin in (2009, 2015, 1990):
        with pytest.raises(ValueError, match=f"--origins: at {origin} no series"):
            ladder.assess(EXAMPLE, obs, origins=[2011, origin], **FAST)
    out = tmp_path / "out"
    r = run_cli("assess", str(EXAMPLE), "--observed", str(obs), "--out", str(out),
                "--origins", "2015", "--runs", "3")  # fmt: skip
    assert r.code == 2 and "--origins: at 2015" in r.err and "Traceback" not in r.err
    assert not out.exists()


def test_event_coding_option_reports_how_often_the_winner_survives(tmp_path):
    obs = write_obs(tmp_path, YEARLY)
    a = ladder.assess(EXAMPLE, obs, origins=[2011], coding_draws=2, **FAST)
    assert len(a.coding) == 2 and set(a.coding["winner"]) <= set(ladder.rung_names())
    share = (a.coding["winner"] == a.winner).mean()
    assert a.meta["coding_winner_survives"] == share


def test_users_own_observations_file_through_the_command(run_cli, tmp_path):
    obs = write_obs(tmp_path, YEARLY)
    r = run_cli(
        "assess", str(EXAMPLE), "--observed", str(obs), "--out", str(tmp_path / "out"),
        "--origins", "2011", "--runs", "3", "--bootstrap", "20",
    )  # fmt: skip
    assert r.code == 0, r
    assert "lowest CRPS" in r.out
    scores = pd.read_csv(tmp_path / "out" / "scores.csv")
    assert set(scores["series"]) == {"my_poll"} and set(scores["origin"]) == {2011}
    assert run_cli("report", str(tmp_path / "out")).code == 0


def test_training_file_reads_the_shipped_series():
    obs = load_observations(SCENARIOS_DIR / "targets" / "observed" / "training.toml")
    by = {s.id: s for s in obs.series}
    assert set(by) == {
        "gallup_us_view_of_russia",
        "levada_russian_view_of_us",
        "unga_distance_us_russia",
    }
    lev = by["levada_russian_view_of_us"]
    assert lev.values[lev.years == 1999][0] == pytest.approx(np.mean([38, 33, 32, 49, 60, 54, 60]))
    assert by["unga_distance_us_russia"].scale == "index"
    assert by["gallup_us_view_of_russia"].years[-1] == 2013


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"scale": "percentage"}, "obs.toml: series[0] (id 'my_poll').scale"),
        ({"observes": "usa"}, "obs.toml: series[0] (id 'my_poll').observes"),
        ({"observes": "chn.trust"}, "obs.toml: series[0] (id 'my_poll').observes"),
        ({"rows": [("2008", 1.5, 10)] * 3}, "made_up.csv: line 2: value"),
        ({"rows": [("soon", 0.5, 10)] * 3}, "made_up.csv: line 2: date"),
        ({"rows": [("2008", 0.5, -1)] * 3}, "made_up.csv: line 2: n"),
        ({"extra": 'window = "2001"\n'}, "obs.toml: series[0] (id 'my_poll').window"),
        ({"file": "nowhere.csv"}, "obs.toml: series[0] (id 'my_poll').file: no such file"),
    ],
)
def test_a_bad_observations_file_gets_one_line_naming_file_and_field(
    run_cli, tmp_path, change, where
):
    obs = write_obs(
        tmp_path,
        change.get("rows", YEARLY),
        scale=change.get("scale", "share"),
        observes=change.get("observes", "dyad.cooperation"),
        extra=change.get("extra", ""),
    )
    if "file" in change:
        obs.write_text(obs.read_text().replace("made_up.csv", change["file"]))
    r = run_cli("assess", str(EXAMPLE), "--observed", str(obs), "--out", str(tmp_path / "o"))
    assert r.code == 2, r
    lines = r.err.strip().splitlines()
    assert len(lines) == 1 and where in lines[0], r
    assert not (tmp_path / "o").exists()


def test_a_scenario_given_as_observations_is_named_for_what_it_is(run_cli, tmp_path):
    r = run_cli("assess", str(EXAMPLE), "--observed", str(EXAMPLE), "--out", str(tmp_path / "o"))
    assert r.code == 2 and len(r.err.strip().splitlines()) == 1
    assert "this is a scenario file, not an observations file" in r.err
    r = run_cli("run", str(SCENARIOS_DIR / "targets" / "observed" / "training.toml"))
    assert r.code == 2 and "resetsim assess SCENARIO --observed" in r.err


def test_bad_origins_are_a_usage_error(run_cli, tmp_path):
    obs = write_obs(tmp_path, YEARLY)
    r = run_cli("assess", str(EXAMPLE), "--observed", str(obs), "--origins", "20011")
    assert r.code == 2 and "--origins" in r.err


def test_recalibration_sees_only_the_evidence_up_to_the_origin():
    c = as_compiled(SCENARIOS_DIR / "history_1989_2021.toml")
    moved, info = li.recalibrated(c, 2001, seed=3, population=20, generations=1)
    assert info["evidence_until"] == "2001Q4" and info["simulated_runs"] > 0
    assert moved.posterior is not None and moved.posterior is not c.posterior
    assert set(moved.posterior.names) <= set(prm.PARAM_BY_NAME)
    assert li.calibration_end_year(c) >= 2014  # the shipped posterior saw later episodes


def test_the_ladder_page_tables_are_written_from_the_result_files():
    """docs/LADDER.md's tables are those tools/ladder_tables.py writes from
    docs/results/ladder/ (rerun the script after re-measuring)."""
    root = Path(__file__).resolve().parents[1]
    mod = load_script("tools/ladder_tables.py")
    page = (root / "docs" / "LADDER.md").read_text(encoding="utf-8")
    assert mod.render(page) == page
    scores = pd.read_csv(root / "docs" / "results" / "ladder" / "history" / "scores.csv")
    assert list(scores.columns[:9]) == list(ladder.SCORE_COLUMNS)
    out = scores[scores["sample"] == "out"]
    assert set(out["rung"]) == set(ladder.rung_names())
    assert np.isfinite(out[["rmse", "coverage80", "crps"]].to_numpy()).all()


def test_rank_checks_are_in_sample_for_runs_that_draw_from_the_posterior():
    from types import SimpleNamespace

    from resetsim.analysis.patterns import sample_label
    from resetsim.scenario.patterns import load_patterns

    pats = load_patterns(SCENARIOS_DIR / "targets" / "history_patterns.toml").spec.patterns
    by = {p.id: p for p in pats}
    drawn, point = SimpleNamespace(posterior=object()), SimpleNamespace(posterior=None)
    for name in ("gallup_rank_correlation", "levada_rank_correlation"):
        assert sample_label(by[name], drawn) == "in"
        assert sample_label(by[name], point) == "out"
    assert sample_label(by["gallup_turning_points"], drawn) == "out"
    assert sample_label(by["turn_kosovo_low"], point) == "in"


def test_the_builtin_observations_are_found_from_any_folder(tmp_path, monkeypatch):
    from resetsim.scenario import builtin
    from resetsim.scenario.observations import TRAINING, load_observations, resolve_observations

    shipped = builtin.folder("scenario") / TRAINING
    monkeypatch.chdir(tmp_path)  # not a checkout: no scenarios/ here
    for ref in ("scenarios/targets/observed/training.toml", "targets/observed/training.toml",
                "training", "training.toml"):  # fmt: skip
        assert resolve_observations(ref) == shipped, ref
    assert [s.id for s in load_observations("training").series] == [
        s.id for s in load_observations(shipped).series
    ]
    # a file of the user's own wins over the built-in of that name
    own = tmp_path / "training.toml"
    own.write_text("x", encoding="utf-8")
    assert resolve_observations("training.toml") == Path("training.toml")
    # anything else is left for the reader to report, naming the path
    assert resolve_observations("nope/training.toml") == Path("nope/training.toml")
    with pytest.raises(ScenarioError, match="observations file not found"):
        load_observations("missing.toml")
