"""Property tests (hypothesis): bounds, no NaN, USA/Russia symmetry.

For *any* parameter values within the registry's bounds and any state within
the declared bounds of :data:`resetsim.dynamics.STATE_VARS`, every update
keeps every variable finite and within its bounds, on floats and on arrays;
the two states are treated alike (swapping them swaps the results).

``power`` is drawn from ``[0.01, 0.99]``: that is what :func:`dynamics.power`
produces, and the only values the engines ever pass (0 for both states would
make the power ratio 0/0).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resetsim.core import dynamics as dyn
from resetsim.core import params as prm
from resetsim.engines.ensemble import simulate
from resetsim.scenario import compile_scenario, load

SHORT = Path(__file__).resolve().parent / "data" / "short_stochastic.toml"

FAST = settings(max_examples=150, deadline=None, database=None)
# one array per registry parameter: a large smallest example by design
ARRAYS = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.large_base_example],
)
SLOWER = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def unit(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


def param_values() -> st.SearchStrategy[prm.Params]:
    """Any parameter values within the registry's bounds."""
    return st.fixed_dictionaries({p.name: unit(p.low, p.high) for p in prm.PARAMETERS}).map(
        prm.Params
    )


def state_bounds(name: str) -> tuple[float, float]:
    low, high = dyn.STATE_VARS[name][:2]
    return (0.01, 0.99) if name == "power" else (low, high)


def states() -> st.SearchStrategy[dict[str, float]]:
    return st.fixed_dictionaries({k: unit(*state_bounds(k)) for k in dyn.STATE_VARS})


def dyads() -> st.SearchStrategy[dict[str, float]]:
    return st.fixed_dictionaries({k: unit(*v[:2]) for k, v in dyn.DYAD_VARS.items()})


def state_arrays(n: int) -> st.SearchStrategy[dict[str, np.ndarray]]:
    return st.fixed_dictionaries(
        {
            k: st.lists(unit(*state_bounds(k)), min_size=n, max_size=n).map(np.array)
            for k in dyn.STATE_VARS
        }
    )


def dyad_arrays(n: int) -> st.SearchStrategy[dict[str, np.ndarray]]:
    return st.fixed_dictionaries(
        {
            k: st.lists(unit(*v[:2]), min_size=n, max_size=n).map(np.array)
            for k, v in dyn.DYAD_VARS.items()
        }
    )


def param_arrays(n: int) -> st.SearchStrategy[prm.Params]:
    return st.fixed_dictionaries(
        {
            p.name: st.lists(unit(p.low, p.high), min_size=n, max_size=n).map(np.array)
            for p in prm.PARAMETERS
        }
    ).map(prm.Params)


noise = unit(-8.0, 8.0)


def assert_in_bounds(values: dict, bounds: dict) -> None:
    for k, v in values.items():
        low, high = bounds[k][:2]
        arr = np.asarray(v, dtype=float)
        assert np.all(np.isfinite(arr)), f"{k} is not finite: {v}"
        assert np.all((arr >= low) & (arr <= high)), f"{k} = {v} outside [{low}, {high}]"


def quarter(a, b, dyad, za, zb, p):
    """One quarter of both states, as the engines do it: compute both, then commit."""
    wa = dyn.engagement(a, b, dyad, p)
    wb = dyn.engagement(b, a, dyad, p)
    coop = dyn.dyad_cooperation(wa, wb, dyad, p)
    econ = dyad["interest_economy"]
    new_a = dyn.state_update(a, b, coop, za, p, wa["willingness"], wb["willingness"], econ)
    new_b = dyn.state_update(b, a, coop, zb, p, wb["willingness"], wa["willingness"], econ)
    return new_a, new_b, coop, (wa["willingness"], wb["willingness"])


# ------------------------------------------------------------ bounds, floats


@FAST
@given(states(), states(), dyads(), noise, noise, param_values())
def test_one_quarter_stays_in_bounds(a, b, dyad, za, zb, p):
    new_a, new_b, coop, (wa, wb) = quarter(a, b, dyad, za, zb, p)
    assert_in_bounds(new_a, dyn.STATE_VARS)
    assert_in_bounds(new_b, dyn.STATE_VARS)
    assert_in_bounds(coop, dyn.DYAD_VARS)
    assert_in_bounds({"willingness": wa}, dyn.STATE_VARS)
    assert_in_bounds({"willingness": wb}, dyn.STATE_VARS)
    assert_in_bounds(dyn.dyad_update(dyad, p), dyn.DYAD_VARS)


@FAST
@given(
    unit(0, 1),
    unit(0, 1),
    unit(0, 1),
    unit(0, 2),
    unit(0, 10),
    noise,
    unit(-1, 1),
    unit(-1, 1),
    param_values(),
)
def test_each_next_function_stays_in_bounds(x, y, z, share, fric, eps, aff, disp, p):
    checks = {
        "trust": dyn.next_trust(x, y * z, share, fric, eps, 0.0, p),
        "leader_affinity": dyn.next_affinity(aff, disp, y - z, p),
        "status_expectation": dyn.next_expectation(x, y, z, p),
        "grievance": dyn.next_grievance(x, y, p),
        "threat": dyn.next_threat(x, y, p),
        "domestic_constraint": dyn.next_constraint(x, dyn.constraint_target(y, z, x, y, p), p),
        "power_shock": dyn.next_power_shock((x - 0.5), p),
        "power": dyn.power(x, y - 0.5),
        "recognition": dyn.recognition(0.01 + 0.98 * x, 0.01 + 0.98 * y, z, p),
        "willingness": dyn.cooperation(x, y),
    }
    assert_in_bounds(checks, dyn.STATE_VARS)
    assert_in_bounds({"leader_affinity": dyn.leader_change(aff, disp, p)}, dyn.STATE_VARS)
    assert_in_bounds({"domestic_constraint": dyn.headroom_step(x, eps / 8)}, dyn.STATE_VARS)
    assert_in_bounds({"interest_economy": dyn.next_interest(x, y, p)}, dyn.DYAD_VARS)
    assert 0 <= dyn.institution_factor(p) <= 1
    assert 0 <= dyn.breach_factor(p) <= 3
    assert 0 <= dyn.gains_share(x, y, p) <= 2


# ------------------------------------------------------------ bounds, arrays


@ARRAYS
@given(state_arrays(4), state_arrays(4), dyad_arrays(4), param_arrays(4), st.data())
def test_one_quarter_on_arrays_stays_in_bounds_and_matches_floats(a, b, dyad, p, data):
    za, zb = np.zeros(4), np.full(4, 0.5)
    new_a, new_b, coop, _ = quarter(a, b, dyad, za, zb, p)
    assert_in_bounds(new_a, dyn.STATE_VARS)
    assert_in_bounds(new_b, dyn.STATE_VARS)
    assert_in_bounds(coop, dyn.DYAD_VARS)
    assert_in_bounds(dyn.dyad_update(dyad, p), dyn.DYAD_VARS)
    i = data.draw(st.integers(0, 3), label="run")

    def one(m):
        return {k: float(v[i]) for k, v in m.items()}

    fa, fb, fc, _ = quarter(one(a), one(b), one(dyad), 0.0, 0.5, prm.Params(one(p)))
    for k in fa:
        assert np.isclose(fa[k], new_a[k][i], rtol=0, atol=1e-14), k
        assert np.isclose(fb[k], new_b[k][i], rtol=0, atol=1e-14), k
    assert np.isclose(fc["cooperation"], coop["cooperation"][i], rtol=0, atol=1e-14)


# ------------------------------------------------------------ symmetry


@FAST
@given(states(), states(), dyads(), noise, noise, param_values())
def test_swapping_the_states_swaps_the_results(a, b, dyad, za, zb, p):
    new_a, new_b, coop, (wa, wb) = quarter(a, b, dyad, za, zb, p)
    sw_b, sw_a, sw_coop, (swb, swa) = quarter(b, a, dyad, zb, za, p)
    assert new_a == sw_a
    assert new_b == sw_b
    assert coop == sw_coop
    assert (wa, wb) == (swa, swb)


@FAST
@given(states(), dyads(), noise, param_values())
def test_identical_states_stay_identical(a, dyad, z, p):
    new_a, new_b, _, (wa, wb) = quarter(a, dict(a), dyad, z, z, p)
    assert new_a == new_b
    assert wa == wb


# ------------------------------------------------------------ a whole (short) run

COMPILED = compile_scenario(load(SHORT))
N_RUNS = 3


def column_bounds(column: str) -> tuple[float, float]:
    for sid in COMPILED.state_ids:
        if column.startswith(sid + "_"):
            return dyn.STATE_VARS[column[len(sid) + 1 :]][:2]
    return dyn.DYAD_VARS[column][:2]


@SLOWER
@given(param_arrays(N_RUNS), st.integers(0, 2**62))
def test_short_ensemble_run_stays_in_bounds(p, seed):
    overrides = {k: v for k, v in p.items()}
    traj = simulate(COMPILED, [seed, seed + 1, seed // 2], overrides)
    for column, values in traj.data.items():
        assert values.shape == (N_RUNS, COMPILED.n_ticks)
        low, high = column_bounds(column)
        assert np.all(np.isfinite(values)), column
        assert values.min() >= low and values.max() <= high, column


def test_every_shipped_scenario_with_random_parameters_stays_in_bounds(shipped_scenario):
    """Whole shipped scenarios, 64 parameter draws within bounds (with both corners)."""
    rng = np.random.default_rng(2021)
    n = 64
    lows = np.array([p.low for p in prm.PARAMETERS])
    highs = np.array([p.high for p in prm.PARAMETERS])
    draws = rng.uniform(lows, highs, size=(n, len(lows)))
    draws[0], draws[1] = lows, highs
    overrides = {p.name: draws[:, j] for j, p in enumerate(prm.PARAMETERS)}
    compiled = compile_scenario(load(shipped_scenario))
    traj = simulate(compiled, np.arange(n), overrides)
    for column, values in traj.data.items():
        low, high = (
            dyn.STATE_VARS[column.split("_", 1)[1]][:2]
            if column.split("_", 1)[0] in compiled.state_ids
            else dyn.DYAD_VARS[column][:2]
        )
        assert np.all(np.isfinite(values)), column
        assert values.min() >= low and values.max() <= high, column


# ------------------------------------------------------------ the resting level's memory


@FAST
@given(
    unit(-5.0, 5.0),
    unit(-3.0, 3.0),
    unit(-3.0, 3.0),
    unit(0.01, 0.5),
    unit(0.0, 0.1),
    st.integers(1, 40),
)
def test_quiet_quarters_conserve_what_memory_and_pull_share(trust, shift, rest, relax, memory, n):
    """With nothing acting, attitude_memory x trust + attitude_relax x resting
    level is the same every quarter: the pull and the memory only trade the
    gap between them, so the pair settles at their weighted mean (no drift)."""
    p = prm.Params(
        {
            **prm.defaults(),
            "latent_trust": 1.0,
            "trust_noise": 0.0,
            "own_public": 0.0,
            "attitude_relax": relax,
            "attitude_rest": rest,
            "attitude_memory": memory,
        }
    )

    def kept(t, s):
        return memory * t + relax * (rest + s)

    before = kept(trust, shift)
    for _ in range(n):
        trust, shift = (
            dyn.next_trust(trust, 0.0, 1.0, 0.0, 0.0, 0.0, p, shift),
            dyn.next_rest_shift(shift, trust, p),
        )
    assert np.isclose(kept(trust, shift), before, atol=1e-9)
