"""One check of a request to run (parameters, engine, runs, seed): the same
mistake gets the same words from the CLI, the API, ResetModel and experiment
files."""

from __future__ import annotations

from pathlib import Path

import pytest

import resetsim
from resetsim.core.request import ENGINES, check_request, request_problems
from resetsim.engines.runner import run_scenario

MINIMAL = Path(__file__).parent / "data" / "minimal.toml"


def test_request_problems_name_each_field():
    assert request_problems({"k_leader": 0.5}, "ensemble", 3, 0) == []
    got = dict(request_problems({"k_leader": 2.0, "nope": 1}, "warp", 0, -1))
    assert set(got) == {"parameter 'k_leader'", "parameter 'nope'", "engine", "runs", "seed"}
    assert "outside its bounds" in got["parameter 'k_leader'"]
    assert ", ".join(ENGINES) in got["engine"]
    for bad in (True, 1.5, "2"):
        assert request_problems(runs=bad), bad


def test_the_same_mistake_gets_the_same_words_everywhere(run_cli, tmp_path):
    words = dict(request_problems({"k_leader": 2.0}, runs=0))
    with pytest.raises(ValueError) as api:
        resetsim.run(MINIMAL, params={"k_leader": 2.0})
    with pytest.raises(ValueError) as model:
        resetsim.ResetModel(MINIMAL, rng=1, k_leader=2.0)
    with pytest.raises(ValueError) as runner:
        run_scenario(MINIMAL, runs=0)
    r = run_cli("run", MINIMAL, "--set", "k_leader=2", "--out", tmp_path / "o", "--quiet")
    assert r.code == 2
    for text in (str(api.value), str(model.value), r.err):
        assert words["parameter 'k_leader'"] in text
    assert words["runs"] in str(runner.value)
    with pytest.raises(ValueError, match=r"^who: engine: unknown engine"):
        check_request(engine="x", who="who")
