"""Observed yearly levels as calibration evidence (``calibrate --evidence levels``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from resetsim.engines.ensemble import simulate
from resetsim.engines.randomness import replication_seeds
from resetsim.experiments import evidence as evd
from resetsim.experiments import levels as lv
from resetsim.scenario import compile_scenario, load
from resetsim.scenario.observations import load_observations

REPO = Path(__file__).resolve().parents[1]
HISTORY = REPO / "scenarios" / "history_1989_2021.toml"
TRAINING = REPO / "scenarios" / "targets" / "observed" / "training.toml"


@pytest.fixture(scope="module")
def history():
    return compile_scenario(load(HISTORY))


def _obs_file(tmp_path, rows: dict[int, float], observes="usa.trust", scale="percent"):
    csv = tmp_path / "s.csv"
    csv.write_text("year,value\n" + "".join(f"{y},{v}\n" for y, v in rows.items()))
    path = tmp_path / "obs.toml"
    path.write_text(
        f'[[series]]\nid = "s"\nfile = "s.csv"\nobserves = "{observes}"\n'
        f'scale = "{scale}"\nsource = "a test"\n'
    )
    return path


# ----------------------------------------------------------------- the discrepancy


def test_an_affine_image_of_the_observations_has_no_discrepancy():
    z = np.array([0.3, -0.1, 0.5, 0.2, -0.4])
    x = np.vstack([2.0 * z + 1.0, 0.01 * z - 3.0])
    assert lv.discrepancy(x, z, rising=True) == pytest.approx([0.0, 0.0], abs=1e-7)


def test_a_poll_that_falls_as_the_quantity_rises_counts_as_no_fit():
    z = np.array([0.3, -0.1, 0.5, 0.2, -0.4])
    assert lv.discrepancy(-z, z, rising=True)[0] == 1.0
    # an index may run either way (the UN distance falls as relations improve)
    assert lv.discrepancy(-z, z, rising=False)[0] == pytest.approx(0.0, abs=1e-7)


def test_a_flat_run_explains_nothing():
    z = np.array([0.3, -0.1, 0.5, 0.2])
    assert lv.discrepancy(np.full((1, 4), 0.25), z, rising=False)[0] == 1.0


def test_the_discrepancy_is_sqrt_one_minus_r_squared():
    rng = np.random.default_rng(5)
    z = rng.normal(size=12)
    x = z + rng.normal(size=(6, 12))
    d = lv.discrepancy(x, z, rising=False)
    r = np.array([np.corrcoef(row, z)[0, 1] for row in x])
    assert d == pytest.approx(np.sqrt(1 - r**2))
    assert np.all((d >= 0) & (d <= 1))


# ------------------------------------------------------------ what it may read


def test_no_year_after_2013_and_none_after_train_until(history, tmp_path):
    obs = load_observations(_obs_file(tmp_path, {y: 40 + y % 7 for y in range(1989, 2022)}))
    (s,) = lv.training_levels(obs, history)
    assert s.years.min() == 1989 and s.years.max() == lv.LAST_FIT_YEAR
    q = int(history.quarters[0]) + 4 * 10 + 1  # 1999Q2: 1999 is not whole
    (cut,) = lv.training_levels(obs, history, q)
    assert cut.years.max() == 1998


def test_too_few_years_is_one_clear_error(history, tmp_path):
    obs = load_observations(_obs_file(tmp_path, {2014: 30, 2015: 31, 1990: 50}))
    with pytest.raises(ValueError, match="series 's' has 1 years up to 2013"):
        lv.training_levels(obs, history)


def test_an_early_origin_fits_only_the_series_with_enough_years(history):
    """A rolling origin before a series has three years (Gallup has two polls
    up to 1993, Levada starts in 1997) leaves that series out of the fit, as
    it is left out of the score; the full fit still refuses a short series."""
    obs = load_observations(TRAINING)
    with pytest.raises(ValueError, match="gallup_us_view_of_russia' has 2 years up to 1993"):
        evd.make_evidence(history, "1993Q4", observations=obs)
    ev = evd.make_evidence(history, "1993Q4", observations=obs, drop_short=True)
    assert [s.id for s in ev.levels] == ["unga_distance_us_russia"]
    assert ev.levels[0].years.tolist() == list(range(1989, 1994))
    ev97 = evd.make_evidence(history, "1997Q4", observations=obs, drop_short=True)
    assert [s.id for s in ev97.levels] == ["gallup_us_view_of_russia", "unga_distance_us_russia"]
    full = evd.make_evidence(history, "2001Q4", observations=obs, drop_short=True)
    assert len(full.levels) == 3  # from 2001 on nothing is dropped: rounds 1-4 unchanged
    # the held-out direction of a poll with no row before the cut is NaN, not missing
    data = simulate(history, replication_seeds(1, 3), record=evd.record_columns(history, ev)).data
    a = evd.summaries(history, data, evidence=ev)
    assert set(evd.summary_names(ev)) <= set(a)
    assert np.isnan(a["oos_levada"]).all() and np.isfinite(a["oos_gallup"]).all()


def test_a_file_with_no_series_long_enough_is_one_clear_error(history, tmp_path):
    obs = load_observations(_obs_file(tmp_path, {1990: 50, 1991: 52, 2000: 40}))
    q = int(history.quarters[0]) + 4 * 5 - 1  # 1993Q4
    with pytest.raises(ValueError, match="no series has 3 years up to 1993"):
        lv.training_levels(obs, history, q, drop_short=True)


def test_levels_evidence_replaces_the_ranks_and_ignores_later_years(history, tmp_path):
    rows = {y: 50 - (y - 1989) for y in range(1989, 2022)}
    ev = evd.make_evidence(history, observations=load_observations(_obs_file(tmp_path, rows)))
    assert ev.kind == "levels" and ev.components == ("episodes", "turns", "level_s")
    names = evd.summary_names(ev)
    assert "d_level_s" in names and "d_gallup" not in names
    data = simulate(history, replication_seeds(1, 4), record=evd.record_columns(history, ev)).data
    a = evd.summaries(history, data, evidence=ev)
    assert a["d_level_s"].shape == (4,) and np.all((a["d_level_s"] >= 0) & (a["d_level_s"] <= 1))
    d = evd.distance(a)
    manual = np.mean([a["d_episodes"], a["d_turns"], a["d_level_s"]], axis=0)
    assert d == pytest.approx(manual)
    # moving every year after 2013 changes nothing
    later = {**rows, **{y: 5.0 for y in range(2014, 2022)}}
    sub = tmp_path / "later"
    sub.mkdir()
    ev2 = evd.make_evidence(history, observations=load_observations(_obs_file(sub, later)))
    b = evd.summaries(history, data, evidence=ev2)
    assert b["d_level_s"] == pytest.approx(a["d_level_s"])
    # what --resume must match: the values read, not the years after 2013
    assert ev.describe()["observed_digest"] == ev2.describe()["observed_digest"]
    moved = {**rows, 1995: 20.0}
    sub2 = tmp_path / "moved"
    sub2.mkdir()
    ev3 = evd.make_evidence(history, observations=load_observations(_obs_file(sub2, moved)))
    assert ev3.describe()["observed_digest"] != ev.describe()["observed_digest"]


def test_the_rank_evidence_is_unchanged_by_default(history):
    ev = evd.make_evidence(history)
    assert ev.kind == "ranks" and ev.components == evd.COMPONENTS


def test_training_series_levels_read_each_series(history):
    ev = evd.make_evidence(history, observations=load_observations(TRAINING))
    ids = [s.id for s in ev.levels]
    assert ids == [
        "gallup_us_view_of_russia",
        "levada_russian_view_of_us",
        "unga_distance_us_russia",
    ]
    assert all(s.years.max() <= 2013 for s in ev.levels)
    assert [s.rising for s in ev.levels] == [True, True, False]


# ------------------------------------------------------------------------- the CLI


def test_calibrate_on_levels_end_to_end(run_cli, tmp_path):
    out = tmp_path / "cal"
    r = run_cli(
        "calibrate", HISTORY, "--out", out, "--population", "12", "--generations", "1",
        "--replicates", "1", "--predictive", "4", "--evidence", "levels",
        "--observed", TRAINING, "--quiet",
    )  # fmt: skip
    assert r.code == 0, r.err
    meta = json.loads((out / "meta.json").read_text())
    assert meta["evidence"]["evidence"] == "levels"
    assert "level_unga_distance_us_russia" in meta["evidence"]["components"]


def test_calibrate_levels_options_fail_in_one_line(run_cli, tmp_path):
    r = run_cli("calibrate", HISTORY, "--out", tmp_path / "x", "--evidence", "levels")
    assert r.code == 2 and "--observed" in r.err and "Traceback" not in r.err
    r = run_cli("calibrate", HISTORY, "--out", tmp_path / "x", "--observed", TRAINING)
    assert r.code == 2 and "--evidence levels" in r.err
    bad = _obs_file(tmp_path, {1990: 50, 1991: 51, 1992: 52}, observes="usa.nonsense")
    r = run_cli(
        "calibrate", HISTORY, "--out", tmp_path / "y", "--evidence", "levels", "--observed", bad
    )
    assert r.code == 2 and len(r.err.strip().splitlines()) == 1 and "Traceback" not in r.err
