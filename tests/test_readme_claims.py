"""End-to-end checks of what the README and the documentation pages claim.

The numbers in README.md and docs/FINDINGS.md are written from the result
files in docs/results by docs/gen_findings.py; ``test_the_docs_numbers_match
_their_result_files`` checks that they agree.  The other tests re-measure, at
a smaller size, the findings those files hold (the full-size numbers come from
the commands quoted in docs/FINDINGS.md), so a change to the model that
overturns a published claim fails here rather than silently leaving the docs
wrong; and they run the documented commands and examples.  Speed claims are
not tested here: they come from ``benchmarks/``.
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from resetsim.analysis import metrics as M
from resetsim.core.params import markdown_table
from resetsim.engines.ensemble import simulate
from resetsim.engines.randomness import replication_seeds
from resetsim.experiments import make_plan
from resetsim.experiments.sweep import sweep
from resetsim.scenario import as_compiled, load
from scripts import load_script

REPO = Path(__file__).resolve().parents[1]
#: The findings were measured with the shipped defaults (model v3): the
#: scenario's posterior, or none for the point estimate (``--no-posterior``).


def point_estimate(sc):
    """The scenario at the point estimate: every parameter at its registry value."""
    return sc.model_copy(update={"posterior": None})


README = (REPO / "README.md").read_text(encoding="utf-8")
DOCS = REPO / "docs"


def code_blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)


def readme_commands() -> list[str]:
    """The README's two commands: its shell blocks that make a virtual environment."""
    return [b.strip() for b in code_blocks(README, "bash") if "python3 -m venv" in b]


def gen_findings():
    return load_script("docs/gen_findings.py")


def test_the_docs_numbers_match_their_result_files():
    """Every generated number and table of README.md and docs/FINDINGS.md is what
    docs/results says (fix with `python docs/gen_findings.py`)."""
    g = gen_findings()
    assert g.check() == []
    text = (DOCS / "FINDINGS.md").read_text(encoding="utf-8")
    assert len(g.MARKER.findall(text)) >= 50 and len(g.MARKER.findall(README)) >= 10


def test_a_changed_result_file_or_an_unknown_key_is_caught(tmp_path, monkeypatch):
    g = gen_findings()
    results = tmp_path / "results"
    shutil.copytree(DOCS / "results", results)
    forecast = pd.read_csv(results / "biden_era_forecast.csv")
    forecast.loc[forecast["id"] == "war_by_2023", "p_model"] = 0.9
    forecast.to_csv(results / "biden_era_forecast.csv", index=False)
    monkeypatch.setattr(g, "RESULTS", results)
    problems = g.check()
    assert any("forecast.war_by_2023" in p for p in problems)
    assert any("table.forecast" in p for p in problems)
    page = tmp_path / "page.md"
    page.write_text("a <!--gen:no.such.key-->1<!--/gen--> b", encoding="utf-8")
    _, unknown = g.render(page.read_text(encoding="utf-8"), g.values())
    assert unknown == ["unknown key 'no.such.key'"]


def test_the_readme_is_a_front_page():
    """Under 12 KB, and it links the documentation pages it replaces."""
    assert len(README.encode("utf-8")) < 12_000
    for page in ("getting-started.md", "FINDINGS.md", "formats/scenario.md", "changelog.md"):
        assert f"(docs/{page}" in README, page


def test_the_readme_has_two_commands_and_ci_runs_the_test_one():
    install_run, install_test = readme_commands()
    assert "pip install -e ." in install_run
    assert "resetsim run scenarios/biden_era.toml" in install_run
    assert 'pip install -e ".[test]"' in install_test
    test_cmd = install_test.split("&&")[-1].strip()
    assert test_cmd == "pytest -q"
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert 'pip install -e ".[test]"' in ci or "pip install -e '.[test]'" in ci
    assert re.search(r"pytest -q", ci)


def test_the_main_command_points_at_a_scenario_that_exists():
    install_run = readme_commands()[0]
    words = shlex.split(install_run.split("&&")[-1])
    assert words[:2] == ["resetsim", "run"]
    assert (REPO / words[2]).is_file()


def test_every_figure_and_document_the_readme_links_exists():
    targets = re.findall(r"\]\(((?:docs|scenarios|src)/[^)#]+)(?:#[^)]*)?\)", README)
    assert len(targets) >= 10
    for target in targets:
        assert (REPO / target).exists(), target


def test_parameters_md_is_generated_from_the_registry():
    assert (REPO / "docs" / "PARAMETERS.md").read_text(encoding="utf-8") == markdown_table()


def test_every_shipped_scenario_is_listed_in_the_scenario_page():
    listed = (DOCS / "formats" / "scenario.md").read_text(encoding="utf-8")
    for path in (REPO / "scenarios").glob("*.toml"):
        stem = path.stem
        if stem.startswith("counterfactual_"):
            assert "scenarios/counterfactual_*.toml" in listed
        else:
            assert f"scenarios/{path.name}" in listed, path.name


def test_history_finds_the_later_resets_and_misses_the_clinton_reset():
    """docs/FINDINGS.md and the README (docs/results/history_fidelity_1000runs.csv,
    point estimate, the selected mechanisms): the Bush Jr and Obama resets are
    found in nearly every run, the Bush Sr reset too but outside its window;
    the Clinton reset is missed and a Trump attempt found in most runs (since
    round 3 of the selection); lows descend (reinstated by the selection)."""
    c = as_compiled(point_estimate(load(REPO / "scenarios" / "history_1989_2021.toml")))
    tr = simulate(c, replication_seeds(c.scenario.seed, 60), record=M.required_columns(c.state_ids))
    m = M.run_metrics(c, tr.data)
    for target in ("reset_1_bush_sr", "reset_3_bush_jr", "reset_4_obama"):
        assert np.mean(m[f"match_{target}"] > 0) >= 0.9, target
    assert np.mean(m["match_reset_2_clinton"] > 0) <= 0.1
    assert np.mean(m["match_attempt_5_trump"] > 0) >= 0.5
    assert np.mean(m["targets_in_window"]) <= 2.5
    assert np.mean(m["lows_descending"]) >= 0.85


def test_biden_era_forecast_and_outlook():
    """docs/FINDINGS.md and the README, the Biden era (with the posterior, the
    default): the 2021 forecast reaches partnership in almost no run, expects a new
    reset by 2024 in most runs and by 2022 in about half (none came), beats
    persistence on the Brier score and about ties climatology; told the
    documented events (the war lasting) it finds no reset by 2022 but one by
    2024 in most runs; from 2026 no run reaches partnership, a new reset starts
    in a minority of runs, and relations are seldom in confrontation (model v2's
    "mostly in confrontation" is withdrawn)."""
    from resetsim.analysis import forecast as FO
    from resetsim.engines.runner import run_forecast, run_scenario

    scenario = load(REPO / "scenarios" / "biden_era.toml")
    assert scenario.posterior  # the default: parameters drawn from the posterior
    r = run_scenario(scenario, runs=100)
    f = run_forecast(r)
    assert f.compiled.posterior is not None
    c = r.compiled
    p = c.params()
    _, f_index = FO.episodes_and_index(f)
    f0 = f.compiled.projection_tick
    assert np.mean((f_index[:, f0:] >= p["det_partnership"]).any(axis=1)) <= 0.02  # almost none
    check = FO.check_forecast(r)
    m = check.means
    assert m.loc["model", "brier"] < m.loc["persistence", "brier"]
    assert abs(m.loc["model", "brier"] - m.loc["climatology", "brier"]) <= 0.05  # a tie
    t = check.table.set_index("id")
    assert 0.3 <= t.loc["reset_by_2022", "p_model"] <= 0.7
    assert t.loc["reset_by_2024", "p_model"] >= 0.6
    assert t.loc["reset_by_2022", "p_given_events"] <= 0.05  # the war lasts: no rebound
    assert t.loc["reset_by_2024", "p_given_events"] >= 0.5  # a reset that did not happen
    ep, index = FO.episodes_and_index(r)
    started, _failed = M.onset_failure_probability(ep, from_tick=c.projection_tick)
    assert started[-1] <= 0.3
    assert np.mean(index[:, c.projection_tick :] >= p["det_partnership"]) == 0.0
    assert np.mean(index[:, c.projection_tick :] <= p["det_confrontation"]) <= 0.2


@pytest.fixture(scope="module")
def contradictions(tmp_path_factory):
    out = tmp_path_factory.mktemp("contradictions") / "out"
    # the findings were measured at the point estimate
    plan = make_plan(REPO / "experiments" / "contradictions.toml", runs=150, posterior=False)
    sweep(plan, out, progress=False, figures=False)
    return pd.read_csv(out / "summary.csv").set_index("condition")


@pytest.mark.slow  # a 150-run sweep of every condition (8-34 s)
def test_the_contradictions_are_not_jointly_necessary(contradictions):
    """Model v3, the paper's model (the experiment switches every contradiction
    on): with every contradiction removed the loop still appears in most runs
    (model v2: none; since round 3 more often than with them), and removing
    any single one keeps it."""
    s = contradictions
    assert s.loc["baseline", "share_loop"] >= 0.8
    assert s.loc["all_off", "share_loop"] >= 0.5
    assert s.loc["all_off", "share_stable_partnership"] >= 0.3
    singles = [c for c in s.index if c.startswith("no_") and c != "no_leader"]
    assert len(singles) == 7
    assert (s.loc[singles, "share_loop"] >= 0.8).all()


@pytest.mark.slow  # a 150-run sweep of every condition (8-34 s)
def test_one_contradiction_alone_is_enough_for_the_loop(contradictions):
    """Model v3: power asymmetry alone gives the loop in nearly every run, and
    each factor group does (model v2's "none sufficient alone" is withdrawn)."""
    s = contradictions
    assert s.loc["only_power_asymmetry", "share_loop"] >= 0.8
    for group in ("only_system_ideology", "only_security", "only_structure"):
        assert s.loc[group, "share_loop"] >= 0.8, group


@pytest.mark.slow  # a 150-run sweep of every condition (8-34 s)
def test_arms_control_limits_are_the_largest_but_a_small_obstacle(contradictions):
    s = contradictions
    singles = [c for c in s.index if c.startswith("no_") and c != "no_leader"]
    shares = s.loc[singles, "share_stable_partnership"]
    assert shares["no_arms_control_limits"] == shares.max()
    assert shares.max() <= 0.1
    assert s.loc["no_domestic_constraint", "share_stable_partnership"] <= 0.05


@pytest.mark.slow  # a 150-run sweep of every condition (8-34 s)
def test_removing_the_leader_factor_does_not_stop_the_loop(contradictions):
    """Random windows start resets without leaders (the leader factor is dual,
    not necessary: docs/THEORY.md §4)."""
    assert contradictions.loc["no_leader", "share_loop"] >= 0.75


def test_the_scenario_format_example_is_a_valid_scenario(tmp_path):
    """The annotated example of docs/formats/scenario.md (its first TOML block)
    uses only real fields, and with the second state it elides (and the targets
    path made absolute) it validates."""
    import tomllib

    from resetsim.scenario import Scenario, load

    page = (DOCS / "formats" / "scenario.md").read_text(encoding="utf-8")
    block = code_blocks(page, "toml")[0]
    raw = tomllib.loads(block)
    assert set(raw) <= set(Scenario.model_fields)
    targets = (REPO / "scenarios" / "targets" / "paper_episodes.toml").as_posix()
    text = block.replace('"targets/paper_episodes.toml"', f'"{targets}"')
    text += (
        '\n[[states]]\nid = "rus"\n'
        '[[leaders]]\nid = "putin"\nstate = "rus"\nname = "Putin"\n'
        'start = "2000-01-01"\nend = "2008-05-07"\ndisposition = 0.2\n'
        '[[leaders]]\nid = "medvedev"\nstate = "rus"\nname = "Medvedev"\n'
        'start = "2008-05-07"\ndisposition = 0.6\n'
        '[[leaders]]\nid = "bush"\nstate = "usa"\nname = "Bush"\n'
        'start = "2001-01-20"\nend = "2009-01-20"\ndisposition = 0.0\n'
    )
    path = tmp_path / "readme_example.toml"
    path.write_text(text, encoding="utf-8")
    sc = load(path)
    assert sc.name == "example" and sc.state_ids == ("usa", "rus")


def test_the_readme_python_example_runs(monkeypatch):
    """The README's Python block runs as written (from the repository root)."""
    (block,) = code_blocks(README, "python")
    monkeypatch.chdir(REPO)
    ns: dict = {}
    exec(compile(block, "README.md (From Python)", "exec"), ns)
    result = ns["result"]
    assert len(result.metrics()) == 100 and len(result.episodes()) > 0
    assert set(result.frame()["run"]) == set(range(100))


def test_the_getting_started_python_example_runs(monkeypatch):
    """The 'From Python' block of docs/getting-started.md runs as written (from
    the repository root) and gives what its comments say."""
    page = (DOCS / "getting-started.md").read_text(encoding="utf-8")
    (block,) = code_blocks(page, "python")
    monkeypatch.chdir(REPO)
    ns: dict = {}
    exec(compile(block, "docs/getting-started.md (From Python)", "exec"), ns)
    result, outcomes = ns["result"], ns["outcomes"]
    assert len(result.metrics()) == 100
    assert set(result.frame()["run"]) == set(range(100))
    assert len(outcomes) == 3 * 20 and {"k_leader", "k_domestic", "cycles"} <= set(outcomes)
    assert len(ns["df"]) == ns["model"].compiled.n_ticks
    assert {r["k_leader"] for r in ns["results"]} == {0.0, 1.0}
