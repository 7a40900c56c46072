"""Figures from Python: a :class:`resetsim.Result` draws the figures
``resetsim run`` writes (the same functions: the same pixels) and returns
matplotlib Figures."""

from __future__ import annotations

import subprocess
import sys

import pytest
from matplotlib.figure import Figure

import resetsim
from resetsim import plotting


def _titles(fig) -> str:
    return " ".join(
        [fig.get_suptitle(), *(t.get_text() for t in fig.texts), *(a.get_title() for a in fig.axes)]
    )


def _png(fig, path) -> bytes:
    plotting.save(fig, path)
    return path.read_bytes()


@pytest.fixture(scope="module")
def example():
    return resetsim.run("example", runs=3, seed=5)


def test_plot_episodes_is_the_trust_figure_resetsim_run_writes(tmp_path, run_cli, example):
    r = run_cli("run", "example", "--runs", "3", "--seed", "5", "--out", tmp_path / "o", "--quiet")
    assert r.code == 0, r
    fig = example.plot_episodes()
    assert isinstance(fig, Figure)
    assert _png(fig, tmp_path / "mine.png") == (tmp_path / "o" / "trust.png").read_bytes()


def test_plot_fan_is_the_fan_resetsim_run_writes_with_its_forecast(tmp_path, run_cli):
    out = tmp_path / "o"
    r = run_cli("run", "biden_era", "--runs", "2", "--seed", "3", "--out", out, "--quiet")
    assert r.code == 0, r
    result = resetsim.run("biden_era", runs=2, seed=3)
    fig = result.plot_fan()
    assert "the 2021 forecast" in _titles(fig)
    assert _png(fig, tmp_path / "fan.png") == (out / "fan.png").read_bytes()


def test_plot_trajectories_draws_the_trusts_without_the_episode_panel(example):
    whole, trusts = example.plot_episodes(), example.plot_trajectories(title="mine")
    assert isinstance(trusts, Figure)
    assert len(trusts.axes) == len(whole.axes) - 1  # no onset/failure panel
    assert "mine" in _titles(trusts)


def test_plot_episodes_of_one_run_marks_that_run(example):
    table = example.episodes()
    run = int(table["run"].iloc[0])
    one, median = example.plot_episodes(run=run), example.plot_episodes()
    assert isinstance(one, Figure) and isinstance(median, Figure)
    for bad in (-1, example.n_runs):
        with pytest.raises(ValueError, match="run must be between 0 and 2"):
            example.plot_episodes(run=bad)


def test_a_scenario_without_a_projection_has_no_fan(example):
    with pytest.raises(ValueError, match="no projection_start"):
        example.plot_fan()


def test_the_figures_load_matplotlib_only_when_drawn():
    code = (
        "import sys, resetsim; r = resetsim.run('example', runs=1); r.metrics(); "
        "assert 'matplotlib' not in sys.modules; r.plot_trajectories(); "
        "assert 'matplotlib' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
