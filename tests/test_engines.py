"""The two engines agree, and a run's randomness depends only on its own seed (issue #5).

* for every shipped scenario and many seeds, the ensemble engine
  (:func:`resetsim.ensemble.simulate`) and the Mesa model
  (:func:`resetsim.runner.simulate_mesa`) give the same trajectory to 1e-9,
  stochastic shocks and drawn leader dispositions included;
* a seed's trajectory is the same alone, inside any chunk, next to any
  neighbours, and with per-run parameter arrays or scalar parameters;
* replication seeds come from ``SeedSequence`` and do not depend on how many
  runs are requested.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from resetsim.engines.ensemble import columns, simulate
from resetsim.engines.randomness import replication_seeds, run_seed
from resetsim.engines.runner import run_scenario, simulate_mesa
from resetsim.scenario import as_compiled

TOL = 1e-9
SHORT = Path(__file__).resolve().parent / "data" / "short_stochastic.toml"


def is_stochastic(compiled) -> bool:
    return compiled.n_processes > 0 or bool(np.any(compiled.term_sd > 0))


def assert_same(a, b, tol: float = TOL, what: str = "") -> None:
    assert set(a.data) == set(b.data)
    for col in a.data:
        diff = np.max(np.abs(a.data[col] - b.data[col]))
        assert diff <= tol, f"{what}{col}: engines differ by {diff:.3g}"


def test_engines_agree_on_every_shipped_scenario(shipped_scenario):
    compiled = as_compiled(shipped_scenario)
    n = 12 if is_stochastic(compiled) else 4
    seeds = replication_seeds(5, n)
    ens = simulate(compiled, seeds)
    mesa = simulate_mesa(compiled, seeds)
    assert set(ens.data) == set(columns(compiled.state_ids))
    assert_same(ens, mesa, what=f"{compiled.scenario.name}: ")
    if compiled.scenario.parameters.get("trust_noise", 1.0) > 0:
        # seeds matter, so agreeing is not a coincidence of deterministic runs
        trust = ens[f"{compiled.state_ids[0]}_trust"]
        assert not np.allclose(trust[0], trust[1])


def test_engines_agree_with_all_forcing_and_many_seeds():
    compiled = as_compiled(SHORT)
    seeds = replication_seeds(99, 40)
    assert_same(simulate(compiled, seeds), simulate_mesa(compiled, seeds))


@pytest.mark.parametrize(
    "overrides",
    [
        {"k_institutions": 0.0, "shock_rate_scale": 3.0},
        {"trust_noise": 0.0, "k_leader": 0.0},
        {"breach_scale": 2.5, "k_security_dilemma": 0.3, "gain_skew": 1.5},
        {"attitude_memory": 0.08, "k_power_asymmetry": 1.0},
    ],
)
def test_engines_agree_with_parameter_overrides(overrides):
    compiled = as_compiled(SHORT)
    seeds = replication_seeds(3, 6)
    assert_same(simulate(compiled, seeds, overrides), simulate_mesa(compiled, seeds, overrides))


def test_run_scenario_engines_agree():
    a = run_scenario(SHORT, runs=4, seed=8, engine="ensemble")
    b = run_scenario(SHORT, runs=4, seed=8, engine="mesa")
    np.testing.assert_array_equal(a.seeds, b.seeds)
    assert_same(a.trajectories, b.trajectories)
    with pytest.raises(ValueError, match="unknown engine"):
        run_scenario(SHORT, runs=1, engine="netlogo")


@pytest.mark.slow
def test_engines_agree_on_many_seeds(shipped_scenario):
    compiled = as_compiled(shipped_scenario)
    seeds = replication_seeds(2024, 100)
    assert_same(simulate(compiled, seeds), simulate_mesa(compiled, seeds))


# ------------------------------------------------------------ a run depends only on its seed


@pytest.fixture(scope="module")
def stochastic():
    return as_compiled(SHORT)


def test_same_seed_same_trajectory(stochastic):
    seeds = replication_seeds(1, 5)
    a, b = simulate(stochastic, seeds), simulate(stochastic, seeds)
    for col in a.data:
        np.testing.assert_array_equal(a[col], b[col])


def test_a_run_does_not_depend_on_its_chunk_or_neighbours(stochastic):
    seeds = replication_seeds(11, 9)
    together = simulate(stochastic, seeds)
    reversed_ = simulate(stochastic, seeds[::-1])
    with_strangers = simulate(stochastic, np.concatenate([[1, 2, 3], seeds[4:6], [77]]))
    for i, seed in enumerate(seeds):
        alone = simulate(stochastic, [seed])
        for col in together.data:
            assert np.max(np.abs(alone[col][0] - together[col][i])) <= TOL, col
            assert np.max(np.abs(alone[col][0] - reversed_[col][len(seeds) - 1 - i])) <= TOL
            if 4 <= i < 6:
                assert np.max(np.abs(alone[col][0] - with_strangers[col][3 + i - 4])) <= TOL


def test_chunk_size_does_not_matter():
    a = run_scenario(SHORT, runs=10, seed=4, chunk_size=3)
    b = run_scenario(SHORT, runs=10, seed=4, chunk_size=4096)
    assert_same(a.trajectories, b.trajectories)


def test_run_i_of_5_equals_run_i_of_50():
    few = run_scenario(SHORT, runs=5, seed=31)
    many = run_scenario(SHORT, runs=50, seed=31)
    np.testing.assert_array_equal(few.seeds, many.seeds[:5])
    for col in few.trajectories.data:
        assert np.max(np.abs(few[col] - many[col][:5])) <= TOL


def test_different_seeds_differ(stochastic):
    a = run_scenario(stochastic, runs=3, seed=1)
    b = run_scenario(stochastic, runs=3, seed=2)
    assert not np.allclose(a["usa_trust"], b["usa_trust"])
    # and the runs of one batch differ from each other
    assert not np.allclose(a["usa_trust"][0], a["usa_trust"][1])


def test_per_run_parameter_arrays_equal_scalar_runs(stochastic):
    seeds = replication_seeds(6, 4)
    values = np.array([0.2, 0.5, 0.8, 1.0])
    rates = np.array([0.0, 1.0, 2.5, 5.0])
    arr = simulate(stochastic, seeds, {"trust_build": values, "shock_rate_scale": rates})
    for i, seed in enumerate(seeds):
        one = simulate(
            stochastic, [seed], {"trust_build": float(values[i]), "shock_rate_scale": rates[i]}
        )
        for col in arr.data:
            assert np.max(np.abs(one[col][0] - arr[col][i])) <= TOL, col
    # a constant array is the same as the scalar
    full = simulate(stochastic, seeds, {"trust_build": np.full(4, 0.5)})
    scalar = simulate(stochastic, seeds, {"trust_build": 0.5})
    assert_same(full, scalar, tol=0.0)


def test_parameter_array_of_wrong_length_is_refused(stochastic):
    with pytest.raises(ValueError, match="shape"):
        simulate(stochastic, [1, 2, 3], {"trust_build": np.array([0.1, 0.2])})


def test_record_subset_and_unknown_columns(stochastic):
    traj = simulate(stochastic, [1, 2], record=["usa_trust", "cooperation"])
    assert set(traj.data) == {"usa_trust", "cooperation"}
    full = simulate(stochastic, [1, 2])
    np.testing.assert_array_equal(traj["usa_trust"], full["usa_trust"])
    with pytest.raises(KeyError):
        simulate(stochastic, [1], record=["chn_trust"])


# ------------------------------------------------------------ replication seeds


def test_replication_seeds_come_from_seed_sequence():
    children = np.random.SeedSequence(20210101).spawn(8)
    for i, child in enumerate(children):
        lo, hi = child.generate_state(2, dtype=np.uint32)
        assert run_seed(20210101, i) == (int(hi) << 32 | int(lo)) >> 1
    seeds = replication_seeds(20210101, 8)
    assert [int(s) for s in seeds] == [run_seed(20210101, i) for i in range(8)]


def test_replication_seeds_do_not_depend_on_how_many_are_requested():
    fifty = replication_seeds(7, 50)
    np.testing.assert_array_equal(replication_seeds(7, 5), fifty[:5])
    np.testing.assert_array_equal(replication_seeds(7, 10, start=20), fifty[20:30])
    assert len(set(fifty.tolist())) == 50
    assert all(0 <= s < 2**63 for s in fifty.tolist())
    assert replication_seeds(8, 1)[0] != fifty[0]
