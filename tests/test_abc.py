"""Bayesian calibration: the ABC-SMC sampler, its evidence, the
observed series, and the scenario key ``posterior``."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from resetsim.analysis import observed
from resetsim.engines.ensemble import simulate
from resetsim.engines.randomness import replication_seeds
from resetsim.experiments import abc
from resetsim.experiments import evidence as evd
from resetsim.scenario import compile_scenario, load
from resetsim.scenario.posterior import read_posterior, uniforms

REPO = Path(__file__).resolve().parents[1]
HISTORY = REPO / "scenarios" / "history_1989_2021.toml"
BIDEN = REPO / "scenarios" / "biden_era.toml"


@pytest.fixture(scope="module")
def history():
    return compile_scenario(load(HISTORY))


def _tiny(history, folder=None, resume=False, workers=1, generations=3, progress=None):
    prior = abc.Prior.registry(abc.PARAMETERS[:4])
    s = abc.Settings(population=12, generations=generations, seed=3, replicates=1, workers=workers)
    ev = evd.make_evidence(history)
    return abc.run(history, prior, s, evidence=ev, folder=folder, resume=resume, progress=progress)


def _same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert np.array_equal(x.units, y.units)
        assert np.array_equal(x.log_weight, y.log_weight)
        assert np.array_equal(x.distance, y.distance)
        assert x.tolerance == y.tolerance


# ------------------------------------------------------------------ pieces


def test_ess_of_equal_and_degenerate_weights():
    assert abc.ess(np.full(8, 0.125)) == pytest.approx(8.0)
    assert abc.ess(np.array([1.0, 0.0, 0.0])) == pytest.approx(1.0)
    assert abc.ess(np.array([3.0, 1.0])) == pytest.approx(16 / 10)
    assert abc.normalise(np.log([2.0, 6.0])).tolist() == pytest.approx([0.25, 0.75])


def test_tolerance_is_the_quantile_of_the_pool_and_keeps_the_nearest():
    d = np.array([0.5, 0.1, 0.3, 0.1, np.inf])
    keep, eps = abc.tolerance_cut(d, 3)
    assert keep.tolist() == [1, 2, 3]
    assert eps == 0.3


def test_kernel_mixture_matches_a_direct_sum():
    rng = np.random.default_rng(0)
    x, c = rng.normal(size=(5, 3)), rng.normal(size=(7, 3))
    w = rng.random(7)
    w /= w.sum()
    cov = np.array([[1.0, 0.2, 0.0], [0.2, 0.5, 0.1], [0.0, 0.1, 2.0]])
    inv, det = np.linalg.inv(cov), np.linalg.det(cov)
    direct = [
        np.log(
            sum(
                wj * np.exp(-0.5 * (xi - cj) @ inv @ (xi - cj)) / np.sqrt((2 * np.pi) ** 3 * det)
                for wj, cj in zip(w, c, strict=True)
            )
        )
        for xi in x
    ]
    assert abc.log_kernel_mixture(x, c, w, cov) == pytest.approx(direct, rel=1e-10)


def test_kernel_mixture_is_the_same_in_blocks_of_rows():
    rng = np.random.default_rng(1)
    x, c = rng.normal(size=(2500, 3)), rng.normal(size=(40, 3))
    w = np.full(40, 1 / 40)
    cov = np.diag([1.0, 0.5, 2.0])
    whole = abc.log_kernel_mixture(x, c, w, cov)
    parts = np.concatenate(
        [abc.log_kernel_mixture(x[a : a + 7], c, w, cov) for a in range(0, 2500, 7)]
    )
    assert np.allclose(whole, parts, rtol=1e-12, atol=0)


def test_observed_series_read_by_the_rules():
    g, lv = observed.load_series("gallup"), observed.load_series("levada")
    assert g.column == "usa_trust" and lv.column == "rus_trust"
    assert (np.diff(g.quarters) > 0).all() and (np.diff(lv.quarters) > 0).all()
    assert g.quarters.max() < 2014 * 4 and lv.quarters.max() < 2014 * 4  # nothing after 2013
    # the range 45-47 counts as 46; the 'conflict' row is dropped
    assert 46.0 in lv.values
    sim = np.vstack([g.values, -g.values])
    q0 = int(g.quarters[0])
    dense = np.zeros((2, int(g.quarters[-1]) - q0 + 1))
    dense[:, g.quarters - q0] = sim
    rho = observed.rank_correlation(dense, q0, g)
    # observed ties share their mean rank; simulated ties (rare) rank in time order
    assert rho[0] > 0.99 and rho[1] < -0.99


def test_evidence_split_keeps_later_evidence_out(history):
    ev = evd.make_evidence(history, "2009-06-30")
    assert ev.targets_in == ("reset_1_bush_sr", "reset_2_clinton", "reset_3_bush_jr")
    assert "low_2014_16" in ev.turns_out and "kosovo_low" in ev.turns_in
    rows = ev.describe()["observed_rows_in_sample"]
    assert max(rows["gallup"]) <= "2009Q2" and max(rows["levada"]) <= "2009Q2"
    # the in-sample distance does not look past the date
    seeds = replication_seeds(5, 6)
    data = simulate(history, seeds, record=evd.record_columns(history)).data
    cut = evd.make_evidence(history, "2009-06-30")
    a = evd.summaries(history, data, evidence=cut)
    t = cut.train_until - int(history.quarters[0]) + 1
    changed = {k: v.copy() for k, v in data.items()}
    for v in changed.values():
        v[:, t:] = np.random.default_rng(1).random(v[:, t:].shape)
    b = evd.summaries(history, changed, evidence=cut)
    for c in evd.COMPONENTS:
        assert np.array_equal(a[f"d_{c}"], b[f"d_{c}"]), c


def test_leave_out_drops_one_target_from_the_fit(history):
    ev = evd.make_evidence(history, leave_out="reset_2_clinton")
    assert "reset_2_clinton" not in ev.targets_in and ev.targets_out == ("reset_2_clinton",)
    with pytest.raises(ValueError, match="neither a target"):
        evd.make_evidence(history, leave_out="nope")


# ------------------------------------------------------------------ the sampler


def test_weights_sum_to_one_and_tolerances_fall(history):
    gens = _tiny(history)
    tol = [g.tolerance for g in gens]
    assert all(b <= a for a, b in itertools.pairwise(tol))
    last = gens[-1]
    assert last.weights.sum() == pytest.approx(1.0)
    assert (last.units >= 0).all() and (last.units <= 1).all()
    assert 1.0 <= last.ess <= 12.0
    assert gens[0].acceptance == pytest.approx(0.5)


def test_same_result_for_any_number_of_workers(history):
    _same(_tiny(history, workers=1, generations=2), _tiny(history, workers=2, generations=2))


def test_resume_after_an_interrupted_generation_gives_identical_output(history, tmp_path):
    full = _tiny(history, folder=tmp_path / "a")

    def interrupt(prev, g, m):
        if g == 2:

            def boom(k):
                raise KeyboardInterrupt

            return boom
        return None

    with pytest.raises(KeyboardInterrupt):
        _tiny(history, folder=tmp_path / "b", progress=interrupt)
    assert abc.state_path(tmp_path / "b", 1).exists()
    assert not abc.state_path(tmp_path / "b", 2).exists()
    resumed = _tiny(history, folder=tmp_path / "b", resume=True)
    _same(full, resumed)


def test_resume_refuses_other_settings(history, tmp_path):
    _tiny(history, folder=tmp_path, generations=1)
    prior = abc.Prior.registry(abc.PARAMETERS[:4])
    s = abc.Settings(population=12, generations=2, seed=4, replicates=1)
    with pytest.raises(ValueError, match="other settings"):
        abc.run(
            history, prior, s, evidence=evd.make_evidence(history), folder=tmp_path, resume=True
        )


# ------------------------------------------------------------------ the command


def test_calibrate_end_to_end(run_cli, tmp_path):
    out = tmp_path / "cal"
    r = run_cli(
        "calibrate", HISTORY, "--out", out, "--population", "40", "--generations", "2",
        "--seed", "1", "--quiet",
    )  # fmt: skip
    assert r.code == 0, r.err
    post = pd.read_parquet(out / "posterior.parquet")
    assert len(post) == 40 and post["weight"].sum() == pytest.approx(1.0)
    assert set(post.columns) == {*abc.PARAMETERS, "weight"}
    for name in ("generations.csv", "predictive.csv", "posterior.csv", "marginals.png",
                 "pairs.png", "predictive.png", "meta.json"):  # fmt: skip
        assert (out / name).exists(), name
    meta = json.loads((out / "meta.json").read_text())
    assert meta["simulations"] == 4 * (80 + 40)
    read_posterior(out / "posterior.parquet")  # valid as a scenario's posterior
    # a non-empty --out without --resume or --overwrite is refused
    again = run_cli("calibrate", HISTORY, "--out", out, "--population", "40", "--quiet")
    assert again.code == 2 and "not empty" in again.err


def test_calibrate_refuses_bad_options(run_cli, tmp_path):
    r = run_cli("calibrate", HISTORY, "--out", tmp_path / "x", "--leave-out", "nope")
    assert r.code == 2 and "neither a target" in r.err
    r = run_cli("calibrate", HISTORY, "--out", tmp_path / "x", "--train-until", "1989-06-30")
    assert r.code == 2 and "--train-until" in r.err


# ------------------------------------------------------------------ the posterior key


def _scenario(tmp_path: Path, frame: pd.DataFrame | None, name="p.parquet") -> Path:
    if frame is not None:
        frame.to_parquet(tmp_path / name, index=False)
    path = tmp_path / "s.toml"
    path.write_text(f'extends = "{BIDEN.as_posix()}"\nposterior = "{name}"\n', encoding="utf-8")
    return path


def _frame(n=50, seed=0):
    rng = np.random.default_rng(seed)
    w = rng.random(n)
    return pd.DataFrame(
        {
            "w_leader": rng.uniform(0, 2, n),
            "trust_build": rng.uniform(0, 1, n),
            "weight": w / w.sum(),
        }
    )


@pytest.mark.parametrize(
    "change, message",
    [
        (None, "no such file"),
        (lambda f: f.rename(columns={"w_leader": "w_bogus"}), "unknown parameter"),
        (lambda f: f.assign(trust_build=f.trust_build + 5), "outside its bounds"),
        (lambda f: f.assign(weight=f.weight * 2), "weights sum to"),
        (lambda f: f.drop(columns="weight"), "no `weight` column"),
    ],
)
def test_posterior_key_is_validated(run_cli, tmp_path, change, message):
    path = _scenario(tmp_path, None if change is None else change(_frame()))
    r = run_cli("validate", path)
    assert r.code == 2
    assert message in r.err and "posterior" in r.err
    assert "Traceback" not in r.err


def test_draws_depend_on_the_run_seed_only(tmp_path):
    c = compile_scenario(load(_scenario(tmp_path, _frame())))
    seeds = replication_seeds(7, 30)
    whole = c.posterior.draw(seeds)
    part = c.posterior.draw(seeds[10:20])
    assert np.array_equal(whole["w_leader"][10:20], part["w_leader"])
    u = uniforms(replication_seeds(1, 20000))
    assert u.min() >= 0 and u.max() < 1 and abs(u.mean() - 0.5) < 0.01
    # heavier particles are drawn more often
    counts = np.bincount(c.posterior.particles(replication_seeds(2, 50000)), minlength=50)
    assert np.corrcoef(counts, c.posterior.weights)[0, 1] > 0.95


@pytest.mark.slow
def test_run_writes_parameters_csv_and_no_posterior_gives_the_point(run_cli, tmp_path):
    path = _scenario(tmp_path, _frame())
    r = run_cli("run", path, "--runs", "12", "--out", tmp_path / "a", "--quiet")
    assert r.code == 0, r.err
    table = pd.read_csv(tmp_path / "a" / "parameters.csv")
    assert list(table.columns) == ["run", "w_leader", "trust_build"]
    assert table["w_leader"].nunique() > 5
    meta = json.loads((tmp_path / "a" / "meta.json").read_text())
    assert meta["posterior"]["drawn"] == ["w_leader", "trust_build"]
    r = run_cli("run", path, "--runs", "4", "--out", tmp_path / "b", "--quiet", "--no-posterior")
    assert r.code == 0, r.err
    assert not (tmp_path / "b" / "parameters.csv").exists()
    # --set beats the draw
    r = run_cli(
        "run", path, "--runs", "4", "--out", tmp_path / "c", "--quiet", "--set", "w_leader=0.5"
    )
    assert list(pd.read_csv(tmp_path / "c" / "parameters.csv").columns) == ["run", "trust_build"]


def test_both_engines_apply_the_posterior_alike(tmp_path):
    from resetsim.engines.runner import simulate_mesa

    c = compile_scenario(load(_scenario(tmp_path, _frame())))
    seeds = replication_seeds(3, 2)
    a = simulate(c, seeds, record=["usa_trust", "cooperation"])
    b = simulate_mesa(c, seeds, record=["usa_trust", "cooperation"])
    for k in a.data:
        np.testing.assert_allclose(a.data[k], b.data[k], atol=1e-9)


# ------------------------------------------------------------------ the shipped posterior


def test_shipped_posterior_is_valid_and_large_enough():
    post = read_posterior(REPO / "scenarios" / "posteriors" / "history.parquet")  # model v2's
    assert len(post.weights) >= 1000 and len(post.names) >= 8
    assert post.weights.sum() == pytest.approx(1.0)
    v3 = read_posterior(REPO / "scenarios" / "posteriors" / "history_v3.parquet")
    assert len(v3.weights) >= 1000 and 1.0 / np.sum(v3.weights**2) >= 1000
    assert v3.weights.sum() == pytest.approx(1.0)


def test_biden_era_draws_its_parameters_from_the_shipped_posterior():
    from resetsim.engines.runner import run_scenario

    c = compile_scenario(load(BIDEN))
    assert c.posterior is not None
    result = run_scenario(c, runs=40, seed=1, record=["usa_trust"])
    table = result.drawn_parameters()
    assert list(table.columns[:1]) == ["run"] and len(table) == 40
    distinct = table.drop(columns="run").nunique()
    assert (distinct >= 10).sum() == len(c.posterior.names) >= 5, distinct.to_dict()


def test_balance_weights_are_a_proper_importance_sample(history):
    gens = _tiny(history)
    lw = abc.balance_log_weights(gens)
    assert lw.shape == (12,) and np.isfinite(lw).all()
    # with one generation (the prior's draws) every particle weighs the same
    assert np.allclose(abc.balance_log_weights(gens[:1]), 0.0)


def test_sweep_and_compare_take_no_posterior(run_cli, tmp_path):
    from resetsim.experiments import make_plan

    exp = REPO / "experiments" / "lhs_example.toml"
    with_post, without = make_plan(exp, runs=1), make_plan(exp, runs=1, posterior=False)
    assert with_post.compiled.posterior is not None and without.compiled.posterior is None
    assert with_post.hash != without.hash
    r = run_cli(
        "compare", HISTORY, REPO / "scenarios" / "counterfactual_no_crimea.toml",
        "--runs", "4", "--out", tmp_path / "c", "--quiet", "--no-posterior",
    )  # fmt: skip
    assert r.code == 0, r.err
