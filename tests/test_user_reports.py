"""Regression tests for problems a first-time user reported."""

from __future__ import annotations

from pathlib import Path

from resetsim.scenario import load

REPO = Path(__file__).resolve().parents[1]


def test_a_counterfactual_saved_elsewhere_inherits_the_parent_s_targets(tmp_path):
    """`extends` resolves the parent's own relative paths (targets, power.file)
    from the parent's folder, wherever the child lives."""
    history = REPO / "scenarios" / "history_1989_2021.toml"
    child = tmp_path / "deep" / "no_georgia.toml"
    child.parent.mkdir()
    child.write_text(
        f'extends = "{history.as_posix()}"\nname = "no_georgia"\nremove_events = ["georgia_war"]\n',
        encoding="utf-8",
    )
    sc = load(child)
    assert (Path(sc.base_dir) / sc.targets).resolve() == (
        REPO / "scenarios" / "targets" / "paper_episodes.toml"
    ).resolve()
    assert "georgia_war" not in {e.id for e in sc.events}


def test_unknown_parameter_group_is_a_usage_error(run_cli):
    r = run_cli("params", "--group", "nosuch")
    assert r.code == 2
    assert "no parameter group" in r.err and "detection" in r.err
    assert "Traceback" not in r.err


def test_an_experiment_file_reports_every_problem_at_once(tmp_path, run_cli):
    exp = tmp_path / "bad.toml"
    exp.write_text(
        f'name = "bad"\nscenario = "{(REPO / "scenarios" / "example.toml").as_posix()}"\n'
        'replications = 2\n[shares]\nloop = "cyclez >= 2"\n'
        '[design]\ntype = "grid"\n[design.parameters]\nk_leeder = [0.0, 1.0]\n',
        encoding="utf-8",
    )
    r = run_cli("sweep", str(exp), "--out", str(tmp_path / "out"), "--workers", "1")
    assert r.code == 2
    assert "design.parameters.k_leeder" in r.err
    assert "shares.loop" in r.err and "cyclez" in r.err
    assert not (tmp_path / "out").exists()
