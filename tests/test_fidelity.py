"""The fidelity scorer (resetsim.analysis.fidelity) on hand-made cases, and targets files.

A tiny scenario (2000Q1-2014Q4, 60 quarters) names a targets file with two
episodes; hand-made relationship-index series with known episodes are scored
and every number is derived by hand in the comments.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from resetsim.analysis import episodes as E
from resetsim.analysis import fidelity as F
from resetsim.analysis import metrics as M
from resetsim.core import params as prm
from resetsim.core.config import ScenarioError
from resetsim.scenario import compile_scenario, load, references
from resetsim.scenario import targets as T
from scenario_text import leader, tiny_scenario

RAW = {
    **{k: prm.PARAM_BY_NAME[k].default for k in E.DETECTION_PARAMS},
    "det_smoothing": 0.0,
    "det_persist": 1.0,
}

SCENARIO = tiny_scenario(
    "two_waves",
    end="2014Q4",
    runs=3,
    targets="targets.toml",
    power=(0.5, 0.5),
    leaders=[leader("a1", "aa", "A", "2000Q1", 0.3), leader("b1", "bb", "B", "2000Q1", 0.3)],
    events=[{"id": "opening", "date": "2006Q2", "kind": "summit", "actor": "aa"}],
)

# ticks: 2000Q1 = 0, so 2000Q2 = 1, 2001Q1 = 4, 2003Q1 = 12, 2004Q1 = 16,
# 2006Q1 = 24, 2006Q4 = 27, 2009Q1 = 36, 2010Q1 = 40
TARGETS = """
name = "two"
tolerance_quarters = 4
spurious_penalty = 0.5
[[targets]]
id = "second"
name = "the second wave"
onset = ["2006Q1", "2006Q4"]
failure = ["2009Q1", "2010Q1"]
[[targets]]
id = "first"
name = "the first wave"
onset = ["2000Q2", "2001Q1"]
failure = ["2003Q1", "2004Q1"]
"""


@pytest.fixture
def compiled(tmp_path):
    (tmp_path / "targets.toml").write_text(TARGETS)
    path = tmp_path / "two_waves.toml"
    path.write_text(SCENARIO)
    return compile_scenario(load(path))


def steps(*pieces: tuple[int, float], n: int = 60) -> np.ndarray:
    """A step series: ``(from_tick, level)`` pieces."""
    x = np.empty(n)
    for (a, level), nxt in zip(pieces, [*pieces[1:], (n, None)], strict=True):
        x[a : nxt[0]] = level
    return x


# first wave: onset 2 (window 1-4), failure 13 (12-16); second: onset 26 (24-27),
# failure 38 (36-40); lows 0.3 then 0.1
PERFECT = steps((0, 0.2), (2, 0.6), (13, 0.3), (26, 0.5), (38, 0.1))
LATE = steps((0, 0.2), (2, 0.6), (13, 0.3), (30, 0.5), (38, 0.1))  # onset 30: 3 late
MISSING = steps((0, 0.2), (2, 0.6), (13, 0.3))
EXTRA = steps((0, 0.2), (2, 0.6), (13, 0.3), (18, 0.45), (21, 0.25), (26, 0.5), (38, 0.1))
MERGED = steps((0, 0.2), (2, 0.6), (38, 0.1))
AFTER = steps((0, 0.2), (2, 0.6), (13, 0.3), (26, 0.5), (38, 0.1), (50, 0.3), (55, 0.05))


def scored(compiled, *series):
    """Score series against the targets file as it is now (a test may rewrite it)."""
    ep = E.detect(np.vstack(series), RAW)
    return F.score(references.read(compiled.scenario, "targets"), compiled, ep), ep


def test_targets_are_sorted_by_onset(compiled):
    w = compiled.targets
    assert w.ids == ["first", "second"]
    assert w.onset.tolist() == [[8001, 8004], [8024, 8027]]


def test_perfect_match(compiled):
    s, _ = scored(compiled, PERFECT)
    assert s.matched.tolist() == [[True, True]]
    assert s.in_window.tolist() == [[True, True]]
    assert s.onset_error.tolist() == [[0, 0]] and s.failure_error.tolist() == [[0, 0]]
    assert s.spurious.tolist() == [0]
    assert s.lows_descending.tolist() == [1.0]
    # (quality 1 + quality 1 + descending share 1) / (2 targets + 1)
    assert s.score.tolist() == [1.0]
    assert s.episode_targets() == [["first", "second"]]


def test_a_late_onset_matches_with_lower_quality(compiled):
    s, _ = scored(compiled, LATE)
    assert s.matched.tolist() == [[True, True]]
    assert s.onset_error[0].tolist() == [0, 3]  # onset tick 30, window ends at 27
    assert not s.in_window[0, 1]
    # second target: 0.5 * (1 - 3/4) + 0.5 * 1 = 0.625
    assert s.quality[0].tolist() == [1.0, 0.625]
    assert s.score[0] == pytest.approx((1 + 0.625 + 1) / 3)


def test_an_early_onset_has_a_negative_error(compiled):
    early = steps((0, 0.2), (2, 0.6), (13, 0.3), (22, 0.5), (38, 0.1))  # onset 22: 2 early
    s, _ = scored(compiled, early)
    assert s.onset_error[0, 1] == -2


def test_a_missing_episode(compiled):
    s, _ = scored(compiled, MISSING)
    assert s.matched.tolist() == [[True, False]]
    assert np.isnan(s.onset_error[0, 1])
    # one low only: no descending share; (1 + 0 + 0) / 3
    assert s.lows_descending[0] == 0.0 and np.isnan(s.descending_share[0])
    assert s.score[0] == pytest.approx(1 / 3)


def test_a_spurious_episode_costs_the_penalty(compiled):
    s, _ = scored(compiled, EXTRA)
    assert s.matched.tolist() == [[True, True]]
    assert s.spurious.tolist() == [1]
    assert s.episode_targets() == [["first", "spurious", "second"]]
    # lows 0.3, 0.25, 0.1 descend: (1 + 1 + 1 - 0.5 x 1) / 3
    assert s.score[0] == pytest.approx(2.5 / 3)


def test_one_long_episode_serves_one_target_only(compiled):
    s, _ = scored(compiled, MERGED)
    assert s.matched.tolist() == [[True, False]]
    assert s.failure_error[0, 0] == 38 - 16
    assert s.quality[0, 0] == 0.5  # onset in its window, failure far outside
    assert s.score[0] == pytest.approx(0.5 / 3)


def test_episodes_after_the_horizon_are_not_spurious(compiled):
    s, ep = scored(compiled, AFTER)
    assert ep.count[0] == 3  # the third starts at 50, after 40 + 4
    assert s.spurious[0] == 0 and s.score[0] == 1.0


def test_an_open_episode_is_judged_by_how_far_its_window_has_passed(compiled):
    still_on = steps((0, 0.2), (2, 0.6), (13, 0.3), (26, 0.5))
    s, _ = scored(compiled, still_on)
    assert s.matched[0, 1]
    assert s.failure_error[0, 1] == 59 - 40  # the window closed 19 quarters before the end


def test_many_runs_at_once_equal_one_at_a_time(compiled):
    cases = [PERFECT, LATE, MISSING, EXTRA, MERGED, AFTER]
    together, _ = scored(compiled, *cases)
    for r, x in enumerate(cases):
        alone, _ = scored(compiled, x)
        assert together.score[r] == pytest.approx(alone.score[0])
        assert together.matched[r].tolist() == alone.matched[0].tolist()
        assert together.spurious[r] == alone.spurious[0]
    m = together.metrics()
    assert m["targets_matched"].tolist() == [2, 2, 1, 2, 1, 2]
    assert m["match_first"].tolist() == [1.0] * 6
    summary = together.summary()
    row = summary.set_index("item").loc["second"]
    assert row["matched_share"] == pytest.approx(4 / 6)
    assert summary.set_index("item").loc["spurious_per_run", "value"] == pytest.approx(1 / 6)
    assert any("score mean" in line for line in together.text())
    assert list(together.per_run().columns[:4]) == ["run", "score", "spurious", "lows_descending"]


def test_a_ripple_counts_only_in_proportion_to_min_rise(compiled, tmp_path):
    (tmp_path / "targets.toml").write_text(
        TARGETS.replace("spurious_penalty = 0.5", "min_rise = 0.3")
    )
    ripple = steps((0, 0.2), (2, 0.3), (13, 0.22), (26, 0.5), (38, 0.1))
    s, _ = scored(compiled, ripple)
    assert s.matched.tolist() == [[True, True]]
    # rise 0.1 of the required 0.3; the second rose 0.28: 0.28 / 0.3
    np.testing.assert_allclose(s.amplitude[0], [1 / 3, 0.28 / 0.3])


def test_score_runs_on_real_trajectories(compiled):
    from resetsim.engines.ensemble import simulate

    tr = simulate(compiled, [1, 2, 3], record=M.required_columns(compiled.state_ids))
    s = F.score_runs(compiled, tr.data)
    assert s.score.shape == (3,) and np.all((s.score >= 0) & (s.score <= 1))
    m = M.run_metrics(compiled, tr.data)
    np.testing.assert_allclose(m["fidelity_score"], s.score)


# --------------------------------------------------------------------------
# targets files: validated like scenarios


def problems_of(tmp_path, targets_text: str | None):
    if targets_text is not None:
        (tmp_path / "targets.toml").write_text(targets_text)
    path = tmp_path / "two_waves.toml"
    path.write_text(SCENARIO)
    with pytest.raises(ScenarioError) as exc:
        load(path)
    return [str(p) for p in exc.value.problems]


def test_a_scenario_naming_a_missing_targets_file_fails_validation(tmp_path):
    (problem,) = problems_of(tmp_path, None)
    assert problem.endswith("two_waves.toml: targets: no such file: targets.toml")


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            ('onset = ["2006Q1", "2006Q4"]', 'onset = ["2006Q1", "2006Q5"]'),
            "targets[0] (id 'second').onset[1]: not a date",
        ),
        (
            ('onset = ["2006Q1", "2006Q4"]', 'onset = ["2006Q4", "2006Q1"]'),
            "targets[0] (id 'second').onset: the window must not end before it starts",
        ),
        (
            ('failure = ["2009Q1", "2010Q1"]', 'failure = ["2001Q1", "2002Q1"]'),
            "targets[0] (id 'second').failure: the failure window ends before the onset window",
        ),
        (('id = "first"', 'id = "second"'), "targets[1] (id 'second').id: duplicate id"),
        (
            ('name = "the first wave"', 'name = "the first wave"\ncolour = "red"'),
            "targets[1] (id 'first').colour: unknown field",
        ),
        (('name = "the first wave"\n', ""), "targets[1] (id 'first').name: Field required"),
        (("tolerance_quarters = 4", "tolerance_quarters = 0"), "tolerance_quarters:"),
        (('onset = ["2006Q1", "2006Q4"]', 'onset = ["2006Q1"]'), "targets[0] (id 'second').onset"),
        (("[[targets]]", "[[target]]"), "target: unknown field"),
        (("tolerance_quarters = 4", "tolerance_quarters = "), "not valid TOML"),
        (("tolerance_quarters = 4", "tolerance_quarters = true"), "must be a number, not bool"),
        (
            ('onset = ["2006Q1", "2006Q4"]', "onset = [2006-01-01, true]"),
            "targets[0] (id 'second').onset[1]: must be a date",
        ),
    ],
)
def test_invalid_targets_files_name_file_and_field(tmp_path, edit, expected):
    old, new = edit
    assert old in TARGETS
    problems = problems_of(tmp_path, TARGETS.replace(old, new, 1))
    assert any(expected in p and "targets.toml" in p for p in problems), problems


def test_unquoted_toml_dates_are_dates(tmp_path):
    text = TARGETS.replace('onset = ["2006Q1", "2006Q4"]', "onset = [2006-01-01, 2006-12-31]")
    (tmp_path / "t.toml").write_text(text)
    assert T.load_targets(tmp_path / "t.toml").onset[1].tolist() == [8024, 8027]


def test_the_paper_s_targets_file_is_valid_and_has_six_episodes(repo_root):
    w = T.load_targets(repo_root / "scenarios" / "targets" / "paper_episodes.toml")
    assert len(w.ids) == 6
    assert w.ids[:4] == ["reset_1_bush_sr", "reset_2_clinton", "reset_3_bush_jr", "reset_4_obama"]
    assert all("THEORY.md §2" in t.paper for t in w.spec.targets)
    assert np.all(w.onset[:, 0] <= w.onset[:, 1]) and np.all(w.failure[:, 0] <= w.failure[:, 1])


def test_run_writes_fidelity_files_and_validate_rejects_broken_targets(tmp_path, run_cli):
    (tmp_path / "targets.toml").write_text(TARGETS)
    sc = tmp_path / "two_waves.toml"
    sc.write_text(SCENARIO)
    r = run_cli("run", sc, "--out", tmp_path / "out", "--runs", "4")
    assert r.code == 0, r
    assert "fidelity to two (4 runs" in r.out
    fid = pd.read_csv(tmp_path / "out" / "fidelity.csv")
    assert fid["item"].tolist()[:2] == ["first", "second"]
    assert "score_mean" in fid["item"].tolist()
    runs = pd.read_csv(tmp_path / "out" / "fidelity_runs.csv")
    assert len(runs) == 4 and "first_onset_error" in runs.columns
    ep = pd.read_csv(tmp_path / "out" / "episodes.csv", keep_default_na=False)
    assert set(ep["target"]) <= {"first", "second", "spurious", ""}
    (tmp_path / "targets.toml").write_text(TARGETS.replace("2006Q4", "2006Q9"))
    r = run_cli("validate", sc)
    assert r.code == 2 and "targets.toml: targets[0] (id 'second').onset[1]" in r.err
    r = run_cli("run", sc, "--out", tmp_path / "never")
    assert r.code == 2 and not (tmp_path / "never").exists()
