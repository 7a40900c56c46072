"""The compiled engine: its random numbers equal numpy's, its runs equal the
numpy ensemble engine's and the Mesa model's (1e-12) on every shipped
scenario, with per-run parameters, and a seed gives the same bytes however
runs are chunked.  The kernel compiles once per session (numba's disk cache
keeps it across sessions)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from resetsim.core import dynamics as dyn
from resetsim.core import params as prm
from resetsim.core.request import ENGINES
from resetsim.engines import ensemble
from resetsim.engines.randomness import (
    draw_randomness,
    randomness,
    randomness_numpy,
    replication_seeds,
)
from resetsim.engines.runner import run_scenario
from resetsim.scenario import as_compiled

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))
TOL = 1e-12

compiled_engine = pytest.importorskip("resetsim.engines.compiled")
crng = pytest.importorskip("resetsim.engines.compiled_rng")


def max_diff(a, b) -> float:
    assert set(a.data) == set(b.data)
    return max(float(np.max(np.abs(a[k] - b[k]))) for k in a.data)


def test_engines_listed():
    assert ENGINES[0] == "compiled" and {"ensemble", "mesa"} <= set(ENGINES)


@pytest.mark.parametrize("base", [0, 7, 2021])
def test_random_numbers_equal_numpys(base):
    seeds = [*replication_seeds(base, 60), 0, 1, 2**32 - 1, 2**32, 2**62 + 3]
    state = np.zeros(4, dtype=np.uint64)
    for seed in seeds:
        noise, unif, lz = draw_randomness(np.random.default_rng(int(seed)), 40, 3, 5)
        a, b, c = np.empty((40, 2)), np.empty((40, 3)), np.empty(5)
        crng.draw(int(seed), state, a, b, c)
        assert np.array_equal(a, noise) and np.array_equal(b, unif) and np.array_equal(c, lz)


def test_stacked_random_numbers_equal_one_generator_per_run():
    seeds = replication_seeds(31, 50)
    fast, reference = randomness(seeds, 30, 4, 3), randomness_numpy(seeds, 30, 4, 3)
    for got, want in zip(fast, reference, strict=True):
        assert got.tobytes() == want.tobytes()


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_agrees_with_ensemble_on_every_scenario(path):
    compiled = as_compiled(path)
    for base in (1, 99, 12345):
        seeds = replication_seeds(base, 24)
        got = compiled_engine.simulate(compiled, seeds)
        assert max_diff(got, ensemble.simulate(compiled, seeds)) < TOL


@pytest.mark.parametrize("name", ["history_1989_2021", "stochastic_world", "us_china_example"])
def test_agrees_with_mesa(name):
    result = {
        engine: run_scenario(ROOT / "scenarios" / f"{name}.toml", runs=3, seed=5, engine=engine)
        for engine in ("compiled", "mesa")
    }
    assert max_diff(result["compiled"].trajectories, result["mesa"].trajectories) < TOL


def test_agrees_with_per_run_parameters_anywhere_in_their_bounds():
    compiled = as_compiled(ROOT / "scenarios" / "stochastic_world.toml")
    n = 64
    rng = np.random.default_rng(3)
    params = {p.name: rng.uniform(p.low, p.high, n) for p in prm.PARAMETERS}
    seeds = replication_seeds(4, n)
    got = compiled_engine.simulate(compiled, seeds, params)
    assert max_diff(got, ensemble.simulate(compiled, seeds, params)) < TOL


def test_records_only_the_columns_asked_for_in_their_order():
    compiled = as_compiled(ROOT / "scenarios" / "example.toml")
    cols = ["cooperation", f"{compiled.state_ids[1]}_trust", "interest_economy"]
    got = compiled_engine.simulate(compiled, replication_seeds(1, 5), record=cols)
    assert list(got.data) == cols
    assert all(v.shape == (5, compiled.n_ticks) for v in got.data.values())
    with pytest.raises(KeyError, match="nonsense"):
        compiled_engine.simulate(compiled, [1], record=["nonsense"])


def test_same_bytes_whatever_the_chunking():
    path = ROOT / "scenarios" / "stochastic_world.toml"
    whole = run_scenario(path, runs=50, seed=8, engine="compiled", chunk_size=4096)
    parts = run_scenario(path, runs=50, seed=8, engine="compiled", chunk_size=7)
    for k in whole.trajectories.data:
        assert whole[k].tobytes() == parts[k].tobytes()


def test_a_held_variable_is_left_to_the_ensemble_engine():
    compiled = as_compiled(ROOT / "scenarios" / "example.toml")
    seeds = replication_seeds(2, 4)
    hold = {(0, "ideology"): np.full(4, 0.5)}
    got = compiled_engine.simulate(compiled, seeds, hold=hold)
    assert max_diff(got, ensemble.simulate(compiled, seeds, hold=hold)) == 0.0


def test_import_resetsim_does_not_load_numba():
    code = "import sys, resetsim, resetsim.engines.runner; print('numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.slow
@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_agrees_with_mesa_on_every_scenario_and_many_seeds(path):
    for seed in (1, 2, 3):
        result = {
            engine: run_scenario(path, runs=8, seed=seed, engine=engine)
            for engine in ("compiled", "mesa")
        }
        assert max_diff(result["compiled"].trajectories, result["mesa"].trajectories) < TOL


@pytest.mark.slow
def test_agrees_with_ensemble_on_many_seeds():
    compiled = as_compiled(ROOT / "scenarios" / "stochastic_world.toml")
    seeds = replication_seeds(77, 5000)
    got = compiled_engine.simulate(compiled, seeds)
    assert max_diff(got, ensemble.simulate(compiled, seeds)) < TOL


def test_equations_are_wired_from_their_signatures():
    """Each state argument of the compiled equations is read at its registry index."""
    src = compiled_engine.GENERATED["state_next"]
    for name in dyn.arguments(dyn.state_next):
        where = dyn.state_argument(name)
        if where is not None:
            assert f"st[{'so'[where[0]]}, {compiled_engine.STATE.index(where[1])}]" in src, name
    assert dyn.state_argument("ideology_other") == (1, "ideology")
    assert dyn.state_argument("q") is None


def test_an_input_the_kernel_does_not_pass_is_named():
    def equation(trust, mood, p):
        return trust

    with pytest.raises(TypeError, match="mood"):
        compiled_engine._wire(equation, ("p",))


def test_the_status_power_shortcut_gives_the_same_bits():
    """The compiled dynamics.elastic skips pow where the ratio is 1: the same
    bits as compiled code calling pow everywhere, the special values too."""
    import numba

    @numba.njit
    def both(ratio, e, fast, plain):
        for k in range(ratio.shape[0]):
            fast[k] = dyn.elastic(ratio[k], e[k])
            plain[k] = ratio[k] ** e[k]

    specials = [1.0, 0.0, -0.0, 0.5, 0.999999, 1.000001, 2.0, np.inf, -np.inf, np.nan]
    ratio, e = (np.array(v, dtype=float).ravel() for v in np.meshgrid(specials, specials))
    rng = np.random.default_rng(5)
    ratio = np.concatenate([ratio, np.where(rng.random(500) < 0.5, 1.0, rng.random(500))])
    e = np.concatenate([e, rng.uniform(0, 2, 500)])
    fast, plain = np.empty_like(ratio), np.empty_like(ratio)
    both(ratio, e, fast, plain)
    assert fast.tobytes() == plain.tobytes()
    assert np.all(fast[ratio == 1.0] == 1.0)
