"""The Python API: ``resetsim.run`` and its result's tables (the same as the
files ``resetsim run`` writes), parameter checks, both engines, the lazy
top-level import, ``resetsim.evaluate``'s entry."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import resetsim
from resetsim.analysis.metrics import BASE_METRICS, FIDELITY_METRICS
from resetsim.core.columns import columns
from resetsim.engines.randomness import replication_seeds
from resetsim.scenario import as_compiled

DATA = Path(__file__).resolve().parent / "data"
SHORT = DATA / "short_stochastic.toml"
MINIMAL = DATA / "minimal.toml"


@pytest.fixture(scope="module")
def history(scenarios_dir) -> Path:
    """A shipped scenario with a targets file (fidelity metrics and columns)."""
    return scenarios_dir / "history_1989_2021.toml"


def csv_text(frame: pd.DataFrame) -> str:
    """A table as ``resetsim run`` writes it."""
    return frame.to_csv(index=False, float_format="%.6f", lineterminator="\n")


# ------------------------------------------------------------ the tables are the files


def test_frame_is_the_trajectory_csv(run_cli, tmp_path):
    out = tmp_path / "out"
    assert run_cli("run", SHORT, "--runs", 3, "--seed", 9, "--quiet", "--out", out).code == 0
    result = resetsim.run(SHORT, runs=3, seed=9)
    frame = result.frame()
    assert csv_text(frame) == (out / "trajectory.csv").read_text("utf-8")
    back = pd.read_csv(out / "trajectory.csv", keep_default_na=False)
    assert list(back.columns) == list(frame.columns)
    pd.testing.assert_frame_equal(back, frame, check_exact=False, atol=5e-7, rtol=0)
    compiled = as_compiled(SHORT)
    assert len(frame) == 3 * compiled.n_ticks
    assert set(columns(compiled.state_ids)) <= set(frame.columns)


def test_episodes_are_the_episodes_csv_with_targets(run_cli, tmp_path, history):
    out = tmp_path / "out"
    assert run_cli("run", history, "--runs", 2, "--seed", 4, "--quiet", "--out", out).code == 0
    result = resetsim.run(history, runs=2, seed=4)
    episodes = result.episodes()
    assert csv_text(episodes) == (out / "episodes.csv").read_text("utf-8")
    assert len(episodes) > 0 and set(episodes["run"]) <= {0, 1}
    assert {"onset", "peak", "failure", "trigger", "target"} <= set(episodes.columns)


def test_metrics_one_row_per_run(history):
    result = resetsim.run(history, runs=3, seed=2)
    metrics = result.metrics()
    assert len(metrics) == 3
    assert list(metrics["run"]) == [0, 1, 2]
    assert list(metrics["seed"]) == [int(s) for s in replication_seeds(2, 3)]
    ids = result.compiled.state_ids
    expected = {*BASE_METRICS, *FIDELITY_METRICS, *(f"final_{s}_trust" for s in ids)}
    assert {"run", "seed", *expected} <= set(metrics.columns)
    targets = {f"match_{t}" for t in ("reset_1_bush_sr", "reset_4_obama", "attempt_6_covid")}
    assert targets <= set(metrics.columns)  # one per target: matched in this run
    assert set(metrics.columns) - {"run", "seed", *expected} == {
        c for c in metrics.columns if c.startswith("match_")
    }
    assert list(metrics.columns[:2]) == ["run", "seed"]
    # the metrics are of these runs
    np.testing.assert_allclose(
        metrics["final_index"], result.detected.index[:, -1], rtol=0, atol=1e-12
    )
    for sid in ids:
        np.testing.assert_array_equal(metrics[f"final_{sid}_trust"], result[f"{sid}_trust"][:, -1])


def test_metrics_without_targets_have_no_fidelity_columns():
    metrics = resetsim.run(SHORT, runs=2, seed=1).metrics()
    assert len(metrics) == 2
    assert not set(FIDELITY_METRICS) & set(metrics.columns)
    assert set(BASE_METRICS) <= set(metrics.columns)


def test_result_attributes():
    result = resetsim.run(SHORT, runs=4, seed=3)
    compiled = as_compiled(SHORT)
    assert isinstance(result, resetsim.Result)
    assert result.n_runs == len(result) == 4
    assert result.seed == 3 and result.engine == "compiled"
    np.testing.assert_array_equal(result.seeds, replication_seeds(3, 4))
    assert result.compiled.dates == compiled.dates == result.dates
    assert result.scenario.name == "short_stochastic"
    assert result.params["trust_noise"] == 0.02  # the scenario's override
    assert set(result.params) == set(compiled.params())
    assert result["usa_trust"].shape == (4, compiled.n_ticks)
    assert "short_stochastic: 4 run(s)" in repr(result)


def test_defaults_one_run_and_the_scenarios_seed():
    scenario = resetsim.load(SHORT)
    result = resetsim.run(scenario)
    assert result.n_runs == 1 and result.seed == scenario.seed
    assert resetsim.run(SHORT, runs=None).n_runs == scenario.runs


def test_params_reach_the_run():
    base = resetsim.run(SHORT, runs=2, seed=5)
    changed = resetsim.run(SHORT, runs=2, seed=5, params={"trust_build": 0, "k_leader": 0.0})
    assert changed.params["trust_build"] == 0.0 and changed.params["k_leader"] == 0.0
    assert not np.allclose(base["usa_trust"], changed["usa_trust"])
    # numpy numbers are numbers
    same = resetsim.run(
        SHORT, runs=2, seed=5, params={"trust_build": np.float64(0.0), "k_leader": np.int64(0)}
    )
    np.testing.assert_array_equal(same["usa_trust"], changed["usa_trust"])


# ------------------------------------------------------------ refusals


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"no_such": 1.0}, ["'no_such'", "unknown parameter"]),
        ({"trust_noise": 0.5}, ["'trust_noise'", "outside its bounds"]),
        ({"trust_noise": "lots"}, ["'trust_noise'", "must be a number"]),
        ({"trust_noise": float("nan")}, ["'trust_noise'", "finite"]),
        ({"no_such": 1.0, "trust_noise": 0.5}, ["'no_such'", "'trust_noise'"]),
    ],
)
def test_bad_params_raise_value_error_naming_them(params, words):
    with pytest.raises(ValueError) as info:
        resetsim.run(SHORT, params=params)
    message = str(info.value)
    assert message.startswith("resetsim.run: ")
    for word in words:
        assert word in message


def test_params_checked_like_the_mesa_model():
    with pytest.raises(ValueError, match="'trust_noise'") as api:
        resetsim.run(SHORT, params={"trust_noise": 0.5})
    with pytest.raises(ValueError, match="'trust_noise'") as model:
        resetsim.ResetModel(SHORT, rng=1, trust_noise=0.5)
    assert str(api.value).split(": ", 1)[1] == str(model.value).split(": ", 1)[1]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"engine": "warp"}, "unknown engine 'warp'"),
        ({"runs": 0}, "runs: must be a whole number >= 1, got 0"),
        ({"seed": -1}, "seed: must be a whole number >= 0, got -1"),
        ({"runs": 2.5}, "runs: must be a whole number"),
    ],
)
def test_bad_arguments_raise_value_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        resetsim.run(SHORT, **kwargs)


def test_invalid_scenario_raises_scenario_error(test_data_dir):
    with pytest.raises(resetsim.ScenarioError):
        resetsim.run(test_data_dir / "bad_scenarios" / "unknown_actor.toml")


# ------------------------------------------------------------ engines


def test_mesa_engine_agrees():
    fast = resetsim.run(SHORT, runs=2, seed=6, params={"k_leader": 0.5})
    ref = resetsim.run(SHORT, runs=2, seed=6, params={"k_leader": 0.5}, engine="mesa")
    assert ref.engine == "mesa"
    pd.testing.assert_frame_equal(fast.frame(), ref.frame(), check_exact=False, atol=1e-9, rtol=0)
    pd.testing.assert_frame_equal(fast.episodes(), ref.episodes(), check_exact=False, atol=1e-9)
    pd.testing.assert_frame_equal(fast.metrics(), ref.metrics(), check_exact=False, atol=1e-9)


# ------------------------------------------------------------ the package's surface


def _loaded_after(code: str) -> set[str]:
    """Top-level module names of interest loaded by ``python -c code``."""
    watch = ["mesa", "matplotlib", "resetsim.experiments", "resetsim.api", "resetsim.plotting"]
    probe = f"{code}\nimport sys\nprint(' '.join(m for m in {watch!r} if m in sys.modules))"
    proc = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    return set(proc.stdout.split())


def test_import_resetsim_loads_neither_mesa_nor_matplotlib():
    loaded = _loaded_after("import resetsim")
    assert not loaded & {"mesa", "matplotlib"}, loaded
    assert not loaded & {"resetsim.experiments", "resetsim.api"}, loaded


def test_the_api_on_the_fast_engine_loads_neither_mesa_nor_matplotlib():
    code = f"import resetsim\nr = resetsim.run({str(MINIMAL)!r}, runs=2)\nr.frame(); r.metrics()"
    loaded = _loaded_after(code)
    assert "resetsim.api" in loaded
    assert not loaded & {"mesa", "matplotlib", "resetsim.plotting"}, loaded


def test_all_lists_the_api():
    assert {"run", "evaluate", "Result", "ResetModel", "StateAgent", "load"} <= set(
        resetsim.__all__
    )
    assert set(resetsim.__all__) <= set(dir(resetsim))
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = resetsim.no_such_name
    for name in resetsim.__all__:
        if name == "evaluate" and importlib.util.find_spec("resetsim.experiments.evaluate") is None:
            continue
        assert getattr(resetsim, name) is not None


def test_evaluate_is_the_experiments_function():
    if importlib.util.find_spec("resetsim.experiments.evaluate") is None:
        pytest.skip("resetsim.experiments.evaluate is not written yet")
    from resetsim.experiments.evaluate import evaluate

    assert resetsim.evaluate is evaluate
    table = resetsim.evaluate(SHORT, pd.DataFrame({"k_leader": [0.0, 1.0]}), runs=2, seed=1)
    assert len(table) == 4 and "k_leader" in table.columns and "resets" in table.columns
