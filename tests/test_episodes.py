"""Episode detection (resetsim.analysis.episodes) on synthetic series with known episodes.

The detector reads a relationship index ``(runs, ticks)``; these tests feed it
hand-made series (piecewise-linear waves, noise, edge cases) and check the
onsets, peaks, failures and lows it finds, then the spiral measures, triggers
(resetsim.analysis.triggers), ``run_metrics`` (resetsim.analysis.metrics) on real
scenarios and the files ``resetsim run`` writes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from resetsim.analysis import episodes as E
from resetsim.analysis import metrics as M
from resetsim.analysis import triggers as TR
from resetsim.core import params as prm
from resetsim.core import shocks as sh
from resetsim.engines.ensemble import simulate
from resetsim.engines.randomness import randomness, replication_seeds
from resetsim.engines.runner import simulate_mesa, simulator
from resetsim.scenario import as_compiled, compile_scenario, load, loads
from scenario_text import leader, tiny_scenario

#: Exact detection on clean series: no smoothing, one quarter of persistence.
RAW = {
    **{k: prm.PARAM_BY_NAME[k].default for k in E.DETECTION_PARAMS},
    "det_smoothing": 0.0,
    "det_persist": 1.0,
}


def wave(points: list[tuple[int, float]], n: int | None = None) -> np.ndarray:
    """A piecewise-linear series through ``(tick, level)`` points."""
    ticks, levels = zip(*points, strict=True)
    n = n or ticks[-1] + 1
    return np.interp(np.arange(n), ticks, levels)


# three resets, each low lower than the last
WAVE = [(0, 0.2), (8, 0.6), (16, 0.6), (24, 0.3), (30, 0.5), (40, 0.15), (48, 0.45), (60, 0.05)]


def test_clean_wave_gives_known_onsets_peaks_failures_and_lows():
    ep = E.detect(wave(WAVE)[None, :], RAW)
    assert ep.count.tolist() == [3]
    k = ep.count[0]
    # onset: the first quarter of the rise (the quarter after the low)
    assert ep.onset[0, :k].tolist() == [1, 25, 41]
    # peak: the first quarter at the maximum
    assert ep.peak[0, :k].tolist() == [8, 30, 48]
    # failure: the first quarter the fall reaches max(det_fall, share x gain)
    # wave 1: gain 0.4 -> needs 0.132, 0.6 - 0.132 = 0.468, first reached at tick 20 (0.45)
    # wave 2: gain 0.2 -> needs 0.066, 0.434, tick 32 (0.43)
    # wave 3: gain 0.3 -> needs 0.099, 0.351, tick 51 (0.35)
    assert ep.failure[0, :k].tolist() == [20, 32, 51]
    assert ep.low[0, :k].tolist() == [24, 40, 60]
    np.testing.assert_allclose(ep.low_level[0, :k], [0.3, 0.15, 0.05])
    np.testing.assert_allclose(ep.peak_level[0, :k], [0.6, 0.5, 0.45])
    assert ep.low_final[0, :k].tolist() == [False, False, True]
    assert not ep.censored[0, :k].any()
    np.testing.assert_allclose(ep.honeymoon()[0, :k], [7, 5, 7])
    np.testing.assert_allclose(ep.depth()[0, :k], [0.3, 0.35, 0.4])
    m = E.spiral_measures(ep)
    assert m["resets"][0] == 3 and m["cycles"][0] == 3 and m["failures"][0] == 3
    assert m["lows_descending"][0] == 1.0
    assert m["trough_trend"][0] < 0 and m["peak_trend"][0] < 0
    # lows 0.3, 0.15, 0.05 at years 6, 10, 15: least squares slope per decade
    slope = np.polyfit([6.0, 10.0, 15.0], [0.3, 0.15, 0.05], 1)[0] * 10
    assert m["trough_trend"][0] == pytest.approx(slope)


def test_default_detection_finds_the_same_episodes_a_quarter_or_two_later():
    ep = E.detect(E.smooth(wave(WAVE)[None, :], 0.5), None)
    assert ep.count.tolist() == [3]
    assert np.all(ep.onset[0, :3] - np.array([1, 25, 41]) <= 1)
    assert np.all(np.abs(ep.failure[0, :3] - np.array([20, 32, 51])) <= 3)


def test_noise_does_not_make_episodes_flicker():
    rng = np.random.default_rng(0)
    n, T = 400, 132
    p = dict(RAW, det_smoothing=0.5, det_persist=2.0)
    # a noisy plateau (quarterly noise sd 0.01, several times the model's
    # index noise) holds no episode at all
    plateau = 0.4 + 0.01 * rng.standard_normal((n, T))
    ep = E.detect(E.smooth(plateau, 0.5), p)
    assert ep.count.max() == 0
    # the wave with the same noise: exactly its three episodes, in every run
    noisy = wave(WAVE, T)[None, :] + 0.01 * rng.standard_normal((n, T))
    ep = E.detect(E.smooth(noisy, 0.5), p)
    assert np.all(ep.count == 3)
    assert np.all(np.abs(ep.onset[:, :3] - np.array([1, 25, 41])) <= 3)


def test_slow_random_walk_noise_on_a_high_plateau_is_not_a_failure():
    # a reset that gained 0.5 needs to lose a third of it (0.165) to fail
    rng = np.random.default_rng(1)
    T = 120
    base = wave([(0, 0.1), (10, 0.6), (T - 1, 0.6)], T)
    walk = np.cumsum(0.008 * rng.standard_normal((200, T)), axis=1)
    ep = E.detect(base + walk, RAW)
    assert np.mean(ep.failed.sum(axis=1) == 0) > 0.9


def test_a_run_that_starts_mid_episode_gets_a_left_censored_episode():
    x = wave([(0, 0.55), (4, 0.6), (14, 0.2), (20, 0.2), (28, 0.45), (40, 0.1)])
    ep = E.detect(x[None, :], RAW)
    assert ep.count[0] == 2
    assert ep.censored[0, 0] and ep.onset[0, 0] == -1
    assert ep.peak[0, 0] == 4 and ep.failure[0, 0] > 4
    assert not ep.censored[0, 1] and ep.onset[0, 1] == 21
    m = E.spiral_measures(ep)
    assert m["resets"][0] == 1  # the censored onset is not counted
    assert m["cycles"][0] == 1
    assert m["failures"][0] == 2
    assert np.isnan(ep.honeymoon()[0, 0])


def test_a_run_that_never_recovers():
    # one reset, then a fall that never turns up again
    x = wave([(0, 0.3), (6, 0.6), (14, 0.1), (60, 0.02)])
    ep = E.detect(x[None, :], RAW)
    assert ep.count[0] == 1
    assert ep.failure[0, 0] > 6 and ep.low[0, 0] == 60 and ep.low_final[0, 0]
    m = E.spiral_measures(ep)
    assert m["resets"][0] == 1 and m["cycles"][0] == 1
    assert m["lows_descending"][0] == 0.0  # one low: no spiral to speak of
    assert np.isnan(m["trough_trend"][0])
    # falling from the first quarter on, never rising: one censored failure, nothing else
    ep = E.detect(wave([(0, 0.7), (40, 0.0)])[None, :], RAW)
    assert ep.count[0] == 1 and ep.censored[0, 0]
    assert E.spiral_measures(ep)["resets"][0] == 0


def test_an_episode_still_open_at_the_end_has_no_failure():
    ep = E.detect(wave([(0, 0.1), (20, 0.5), (30, 0.48)])[None, :], RAW)
    assert ep.count[0] == 1 and ep.failure[0, 0] == -1 and ep.peak[0, 0] == 20
    m = E.spiral_measures(ep)
    assert m["open_episode"][0] == 1 and m["cycles"][0] == 0 and m["resets"][0] == 1
    assert np.isnan(ep.duration()[0, 0])


def test_flat_series_and_flat_floor():
    assert E.detect(np.full((3, 50), 0.3), RAW).count.tolist() == [0, 0, 0]
    # a floor held from tick 10 to 30: the onset is the end of the floor (the
    # fall from the first quarter is a left-censored episode)
    x = wave([(0, 0.3), (10, 0.0), (30, 0.0), (40, 0.3)])
    ep = E.detect(x[None, :], RAW)
    assert ep.count[0] == 2 and ep.censored[0, 0]
    assert ep.onset[0, 1] == 31


def test_rows_are_independent_and_parameters_may_differ_per_run():
    rng = np.random.default_rng(2)
    rows = [wave(WAVE) + 0.02 * rng.standard_normal(61) for _ in range(6)]
    x = np.vstack(rows)
    p = dict(RAW, det_rise=np.array([0.05, 0.05, 0.2, 0.2, 0.5, 0.5]))
    together = E.detect(x, p)
    for r in range(6):
        alone = E.detect(x[r : r + 1], dict(RAW, det_rise=float(p["det_rise"][r])))
        k = alone.count[0]
        assert together.count[r] == k
        for f in ("onset", "peak", "failure", "low"):
            assert getattr(together, f)[r, :k].tolist() == getattr(alone, f)[0, :k].tolist()
    # a rise of 0.5 never happens (the first fall is read as the end of an
    # episode under way at the start: left-censored)
    assert E.spiral_measures(together)["resets"][4] == 0


def test_many_episodes_grow_the_arrays():
    x = np.tile([0.1, 0.1, 0.5, 0.5], 30)  # 30 square waves
    ep = E.detect(x[None, :], RAW)
    assert ep.count[0] == 30 and ep.width >= 30


def test_relationship_index_mixes_trusts_and_cooperation():
    data = {
        "a_trust": np.array([[0.2, 0.4]]),
        "b_trust": np.array([[0.4, 0.6]]),
        "cooperation": np.array([[1.0, 0.0]]),
    }
    p = dict(RAW, det_coop_weight=0.25)
    np.testing.assert_allclose(
        E.relationship_index(data, ("a", "b"), p), [[0.75 * 0.3 + 0.25, 0.75 * 0.5]]
    )
    p = dict(RAW, det_coop_weight=0.0, det_smoothing=0.5)
    np.testing.assert_allclose(E.relationship_index(data, ("a", "b"), p), [[0.3, 0.4]])


def test_detection_parameters_are_in_the_registry():
    for name in E.DETECTION_PARAMS:
        spec = prm.PARAM_BY_NAME[name]
        assert spec.group == "detection" and spec.low <= spec.default <= spec.high


# --------------------------------------------------------------------------
# real scenarios

TINY = tiny_scenario(
    "tiny",
    end="2011Q4",
    runs=4,
    leaders=[
        leader("a1", "aa", "A-one", "2000Q1", 0.0),
        leader("b1", "bb", "B-one", "2000Q1", -0.2, end="2004Q1"),
        leader("b2", "bb", "B-two", "2004Q1", 0.8),
    ],
    events=[
        {
            "id": "crisis",
            "date": "2004Q2",
            "kind": "common_threat",
            "actor": "aa",
            "label": "the crisis",
        },
        {"id": "war", "date": "2007Q1", "kind": "military_conflict", "actor": "bb"},
    ],
    stochastic=[
        {"id": "talks", "kind": "summit", "actor": "aa", "rate_per_year": 2.0, "start": "2008Q1"}
    ],
)


def test_warming_scores_of_shock_kinds():
    from resetsim.core.shocks import library

    kinds = library()
    for warm in ("summit", "common_threat", "treaty_signed", "economic_cooperation"):
        assert TR.warming_score(kinds[warm], 0, [0.1, 0.7]) > 0, warm
    for cold in ("sanctions", "nato_enlargement", "attack", "annexation", "military_conflict"):
        assert TR.warming_score(kinds[cold], 0, [0.1, 0.7]) <= 0, cold
    # a democratic opening by the more authoritarian side eases relations
    assert TR.warming_score(kinds["democratic_opening"], 1, [0.1, 0.7]) > 0


def test_triggers_name_the_leader_change_or_shock_just_before_the_onset():
    c = compile_scenario(loads(TINY))
    cands = TR.trigger_candidates(c)
    labels = {cd.label for cd in cands}
    assert "leader change: B-two (bb)" in labels and "the crisis" in labels
    assert "war" not in labels  # a breach is no trigger
    # an onset in 2004Q2: the crisis (score 1.1) beats the leader change (0.8)
    t = c.dates.index("2004-04-01")
    assert TR.name_trigger(t, 2, cands).label == "the crisis"
    assert TR.name_trigger(t - 1, 2, cands).label == "leader change: B-two (bb)"
    assert TR.name_trigger(t + 5, 2, cands) is None


def test_engines_record_the_events_they_fire():
    """The record is the firing rule applied to each run's own draws, and both
    engines keep the same one."""
    c = compile_scenario(loads(TINY))
    seeds = replication_seeds(3, 5)
    tr = simulate(c, seeds)
    p = c.params()
    rate = c.proc_rate.T[None, :, :]
    _, unif, lz = randomness(seeds, c.n_ticks, c.n_processes, len(c.term_sd))
    expect = (unif < sh.fire_probability(rate, p)) & (rate > 0)
    assert np.array_equal(tr.fired, expect)
    assert np.array_equal(tr.leader_z, lz)
    assert tr.fired[:, : c.dates.index("2008-01-01")].sum() == 0 and tr.fired.sum() > 0
    mesa = simulate_mesa(c, seeds[:2])
    assert np.array_equal(mesa.fired, tr.fired[:2])
    assert np.array_equal(mesa.leader_z, tr.leader_z[:2])
    fast = simulator("compiled")(c, seeds)
    assert np.array_equal(fast.fired, tr.fired)
    assert np.array_equal(fast.leader_z, tr.leader_z)
    events = tr.fired_events()
    assert list(events.columns) == ["run", "date", "process"] and len(events) == tr.fired.sum()


def test_run_metrics_shapes_and_names():
    c = as_compiled("scenarios/history_1989_2021.toml")
    tr = simulate(c, replication_seeds(5, 6), record=M.required_columns(c.state_ids))
    m = M.run_metrics(c, tr.data)
    expected = {*M.BASE_METRICS, *M.FIDELITY_METRICS, "final_usa_trust", "final_rus_trust"}
    assert expected <= set(m)
    for key, v in m.items():
        assert isinstance(v, np.ndarray) and v.shape == (6,), key
    # per-run detection parameters (as a sweep passes them) are accepted
    p = c.params({"det_rise": np.linspace(0.03, 0.3, 6)})
    m2 = M.run_metrics(c, tr.data, p)
    assert m2["resets"][0] >= m2["resets"][-1]
    # a scenario without targets has no fidelity metrics
    t = compile_scenario(loads(TINY))
    tr = simulate(t, [1, 2], record=M.required_columns(t.state_ids))
    assert not set(M.FIDELITY_METRICS) & set(M.run_metrics(t, tr.data))


def _median_index(extra=None):
    """The median relationship index of 40 runs of the history at the point
    estimate (the scenario's posterior left out), with parameter ``extra``."""
    sc = load("scenarios/history_1989_2021.toml")
    params = {**sc.parameters, **(extra or {})}
    c = as_compiled(sc.model_copy(update={"posterior": None, "parameters": params}))
    tr = simulate(c, replication_seeds(11, 40), record=M.required_columns(c.state_ids))
    x = np.median(E.relationship_index(tr.data, c.state_ids, c.params()), axis=0)
    r = float(np.ptp(x[c.dates.index("1989-01-01") : c.dates.index("2013-10-01") + 1]))
    return (lambda date: float(x[c.dates.index(date)])), r


def test_calibrated_history_shows_the_paper_s_waves():
    """With default parameters the median history rises after 1993, 2001 and
    2009 and falls around 1999, 2008 and 2014, each low lower than the last.
    Steps are shares of the median index's 1989-2013 range R (the turns'
    range rules, so they read the same on any trust scale).  The 1992-93 dip
    is the next test's."""
    at, r = _median_index()
    assert r > 0.05
    assert at("1995-01-01") > at("1993-04-01") + 0.12 * r
    assert at("2003-01-01") > at("2001-04-01") + 0.07 * r
    assert at("2011-01-01") > at("2008-07-01") + 0.12 * r
    low_1999, low_2008, low_2014 = (
        min(at(f"{y}-{m}-01") for y in ys for m in ("01", "04", "07", "10"))
        for ys in ((1999, 2000, 2001), (2007, 2008), (2014, 2015, 2016))
    )
    assert low_1999 < at("1998-01-01") - 0.12 * r
    assert low_2008 < at("2003-01-01") - 0.12 * r
    assert low_2014 < at("2011-01-01") - 0.12 * r
    assert low_1999 > low_2008 > low_2014


def test_the_1992_93_dip_comes_from_power_asymmetry():
    """The first reset's failure (1992-93) is the paper's case for power
    asymmetry (status hopes outrunning recognition).  With power asymmetry
    off, as the mechanism selection left it (docs/SELECTION.md), the median
    history has no dip there: a result against the paper; switched on, the
    dip returns."""
    at, r = _median_index()
    assert at("1993-04-01") > at("1992-01-01")  # the default: no dip
    at, r = _median_index({"k_power_asymmetry": 1.0})
    assert at("1993-04-01") < at("1992-01-01") - 0.01 * r


def test_onset_and_failure_probabilities_are_cumulative():
    x = np.vstack([wave(WAVE), wave([(0, 0.3), (60, 0.3)]), wave([(0, 0.1), (30, 0.6), (60, 0.6)])])
    ep = E.detect(x, RAW)
    started, failed = M.onset_failure_probability(ep, from_tick=20)
    assert np.all(np.diff(started) >= 0) and np.all(np.diff(failed) >= 0)
    assert np.all(failed <= started)
    assert started[-1] == pytest.approx(1 / 3)  # only the wave has an onset after tick 20
    assert failed[-1] == pytest.approx(1 / 3)
    assert started[24] == 0 and started[25] == pytest.approx(1 / 3)


def test_run_writes_episodes_csv_and_marks_them(tmp_path, run_cli):
    sc = tmp_path / "tiny.toml"
    sc.write_text(TINY)
    r = run_cli("run", sc, "--out", tmp_path / "out", "--quiet")
    assert r.code == 0, r
    ep = pd.read_csv(tmp_path / "out" / "episodes.csv", keep_default_na=False)
    assert list(ep.columns) == [c for c in TR.EPISODE_COLUMNS if c != "target"]
    assert (tmp_path / "out" / "trust.png").stat().st_size > 10_000
    assert not (tmp_path / "out" / "fidelity.csv").exists()
    # a second run writes the same bytes
    r = run_cli("run", sc, "--out", tmp_path / "again", "--quiet")
    for name in ("episodes.csv", "trust.png", "trajectory.csv"):
        a = (tmp_path / "out" / name).read_bytes()
        assert a == (tmp_path / "again" / name).read_bytes(), name


def test_projection_writes_a_fan_chart_and_a_summary(tmp_path, run_cli):
    sc = tmp_path / "proj.toml"
    sc.write_text(TINY.replace('end = "2011Q4"', 'end = "2011Q4"\nprojection_start = "2008Q1"'))
    r = run_cli("run", sc, "--out", tmp_path / "out", "--runs", "30")
    assert r.code == 0, r
    out = tmp_path / "out"
    assert (out / "fan.png").stat().st_size > 10_000
    text = (out / "summary.txt").read_text()
    assert "P(a new reset starts by 2011)" in text and "Assumptions" in text
    assert "random summit by aa: 2/year from 2008Q1" in text
    assert "P(a new reset starts" in r.out
