"""Sweeps: seeds fixed before dispatch, identical results across executors,
resume after a kill, refusals, and what the output files hold."""

from __future__ import annotations

import filecmp
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from filelock import FileLock

from resetsim import experiments as xp
from resetsim.analysis import metrics as M
from resetsim.analysis.statistics import wilson
from resetsim.engines.randomness import run_seed, run_seeds
from resetsim.experiments import plan as xplan
from resetsim.scenario import load as load_scenario

DATA = Path(__file__).resolve().parent / "data" / "experiments"
TINY = DATA / "tiny_scenario.toml"

GRID = """
    replications = 5
    seed = 3
    [shares]
    share_loop = "cycles >= 1"
    [design]
    type = "grid"
    parameters = { k_leader = [0.0, 1.0], w_trust = [0.2, 0.5, 1.0] }
    """


def write_experiment(tmp_path: Path, body: str = GRID, name: str = "exp", top: str = "") -> Path:
    """An experiment over the tiny scenario; ``top`` adds top-level lines."""
    path = tmp_path / f"{name}.toml"
    path.write_text(
        f'name = "{name}"\nscenario = "{TINY.as_posix()}"\n{top}\n' + textwrap.dedent(body),
        encoding="utf-8",
    )
    return path


def quick(exp, out, **kw):
    """A sweep with no progress bar and (by default) no figures."""
    kw.setdefault("figures", False)
    return xp.sweep(exp, out, progress=False, **kw)


def same_bytes(a: Path, b: Path) -> bool:
    return filecmp.cmp(a, b, shallow=False)


# --------------------------------------------------------------------------
# seeds


def test_run_seeds_is_runner_run_seed_vectorised():
    idx = np.r_[0:50, 1000, 2**31, 2**32 - 1]
    for base in (0, 1, 3, 20210101, 2**32 + 5, 2**80 + 1):
        expected = [run_seed(base, int(i)) for i in idx]
        assert run_seeds(base, idx).tolist() == expected


def test_seeds_are_fixed_by_run_index_not_by_chunking(tmp_path):
    exp = write_experiment(tmp_path)
    ref = None
    for size in (1, 4, 7, 30):
        plan = xp.make_plan(exp, chunk_size=size)
        seeds = np.concatenate([plan.task(k).seeds for k in range(plan.n_chunks)])
        if ref is None:
            ref = seeds
            assert seeds.tolist() == [run_seed(3, i) for i in range(plan.n_runs)]
        np.testing.assert_array_equal(seeds, ref)


def test_common_random_numbers_share_seeds_across_points(tmp_path):
    exp = write_experiment(tmp_path, top="common_random_numbers = true")
    table = xp.make_plan(exp).identity(0, 30)
    assert table["seed"].tolist() == [run_seed(3, r) for r in table["replication"]]
    assert len(set(table["seed"].tolist())) == 5


# --------------------------------------------------------------------------
# the run table


def test_runs_table_holds_design_seed_and_the_runs_own_metrics(tmp_path):
    exp = write_experiment(tmp_path)
    quick(exp, tmp_path / "out", chunk_size=4)
    runs = pd.read_parquet(tmp_path / "out" / "runs.parquet")
    assert list(runs.columns[:6]) == ["run", "point", "replication", "seed", "k_leader", "w_trust"]
    assert runs["run"].tolist() == list(range(30))
    assert runs["point"].tolist() == [i // 5 for i in range(30)]
    assert runs["replication"].tolist() == [i % 5 for i in range(30)]
    assert runs["seed"].tolist() == [run_seed(3, i) for i in range(30)]
    assert runs[["k_leader", "w_trust"]].drop_duplicates().values.tolist() == [
        [k, w] for k in (0.0, 1.0) for w in (0.2, 0.5, 1.0)
    ]
    # recompute a few runs directly with the engine and the metrics
    plan = xp.make_plan(exp)
    rows = runs.iloc[[0, 13, 29]]
    params = {"k_leader": rows["k_leader"].to_numpy(), "w_trust": rows["w_trust"].to_numpy()}
    cols = M.required_columns(plan.compiled.state_ids)
    # the sweep's engine (the default, compiled): the same bytes, not only 1e-12
    from resetsim.core.request import DEFAULT_ENGINE
    from resetsim.engines.runner import simulator

    traj = simulator(DEFAULT_ENGINE)(plan.compiled, rows["seed"].to_numpy(), params, cols)
    data = traj.with_events()  # a sweep passes the engines' record of random events
    metrics = M.run_metrics(plan.compiled, data, plan.compiled.params(params))
    for name in plan.metric_names:
        np.testing.assert_array_equal(rows[name].to_numpy(), metrics[name], err_msg=name)


def test_results_do_not_depend_on_chunk_size(tmp_path):
    exp = write_experiment(tmp_path)
    quick(exp, tmp_path / "a", chunk_size=1)
    quick(exp, tmp_path / "b", chunk_size=30)
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "a" / "runs.parquet"),
        pd.read_parquet(tmp_path / "b" / "runs.parquet"),
        check_exact=True,
    )


def test_mesa_engine_gives_the_ensemble_numbers(tmp_path):
    exp = write_experiment(tmp_path)
    quick(exp, tmp_path / "ens", runs=2)
    quick(exp, tmp_path / "mesa", runs=2, engine="mesa")
    # the engines agree to rounding (see tests of the engines): 1e-9
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "ens" / "runs.parquet"),
        pd.read_parquet(tmp_path / "mesa" / "runs.parquet"),
        check_exact=False,
        rtol=1e-9,
        atol=1e-9,
    )


# --------------------------------------------------------------------------
# executors: bit for bit the same files


@pytest.fixture(scope="module")
def dask_cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        yield cluster


def test_identical_results_in_process_process_pool_and_dask(tmp_path, dask_cluster):
    exp = write_experiment(tmp_path)
    quick(exp, tmp_path / "inprocess", chunk_size=4, workers=1)
    quick(exp, tmp_path / "pool", chunk_size=4, workers=2)
    quick(exp, tmp_path / "dask", chunk_size=4, scheduler=dask_cluster.scheduler_address)
    for other in ("pool", "dask"):
        for name in ("runs.parquet", "summary.csv", "meta.json", "manifest.json"):
            assert same_bytes(tmp_path / "inprocess" / name, tmp_path / other / name), (
                other,
                name,
            )


def test_unreachable_scheduler_is_a_clear_error(tmp_path):
    exp = write_experiment(tmp_path)
    with pytest.raises(xp.SweepError, match=r"cannot reach the Dask scheduler at tcp://127\.0"):
        quick(exp, tmp_path / "o", scheduler="tcp://127.0.0.1:9", scheduler_timeout=0.5)
    assert not (tmp_path / "o").exists()


# --------------------------------------------------------------------------
# nothing is lost: resume


def count_chunks(out: Path) -> int:
    d = out / "chunks"
    return len(list(d.glob("chunk-*.parquet"))) if d.is_dir() else 0


def test_resume_after_sigkill_gives_the_uninterrupted_rows(tmp_path, run_cli):
    exp = write_experiment(tmp_path, GRID.replace("replications = 5", "replications = 12"))
    opts = ["--workers", "1", "--engine", "mesa", "--chunk-size", "2", "--no-figures", "--quiet"]
    out = tmp_path / "killed"
    env = {**os.environ, "MPLBACKEND": "Agg"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "resetsim", "sweep", str(exp), "--out", str(out), *opts],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    try:
        while count_chunks(out) < 3:
            assert proc.poll() is None, "the sweep ended before it could be killed"
            assert time.monotonic() < deadline, "no chunk was written in time"
            time.sleep(0.002)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    done = count_chunks(out)
    assert 3 <= done < 36
    assert not (out / "runs.parquet").exists()
    assert json.loads((out / "manifest.json").read_text())["complete"] is False

    # rerunning without --resume is refused; with it, the sweep completes
    r = run_cli("sweep", exp, "--out", out, *opts)
    assert r.code == 2 and "--resume" in r.err, r
    r = run_cli("sweep", exp, "--out", out, "--resume", *opts[:-1])
    assert r.code == 0, r
    assert f"{done} chunk(s) were already done" in r.err
    ref = tmp_path / "uninterrupted"
    assert run_cli("sweep", exp, "--out", ref, *opts).code == 0
    runs = pd.read_parquet(out / "runs.parquet")
    assert runs["run"].tolist() == list(range(72))
    assert same_bytes(out / "runs.parquet", ref / "runs.parquet")
    assert same_bytes(out / "summary.csv", ref / "summary.csv")
    assert not (out / "chunks").exists()


def test_partial_sweep_resumes_in_process_and_cleans_temporary_files(tmp_path):
    exp = write_experiment(tmp_path)
    out = tmp_path / "out"
    first = quick(exp, out, chunk_size=4, max_chunks=3)
    assert first.ran_chunks == 3 and not first.outputs
    (out / "chunks" / ".chunk-000004.parquet.abc.tmp").write_bytes(b"torn")
    second = quick(exp, out, chunk_size=4, resume=True, workers=2)
    assert second.skipped_chunks == 3 and second.ran_chunks == 5
    quick(exp, tmp_path / "ref", chunk_size=4)
    assert same_bytes(out / "runs.parquet", tmp_path / "ref" / "runs.parquet")
    assert sorted(p.name for p in out.iterdir()) == sorted(
        p.name for p in (tmp_path / "ref").iterdir()
    )
    third = quick(exp, out, chunk_size=4, resume=True)
    assert third.ran_chunks == 0 and not third.outputs


# --------------------------------------------------------------------------
# refusals


def test_non_empty_dir_is_refused_without_resume(run_cli, tmp_path):
    exp = write_experiment(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    r = run_cli("sweep", exp, "--out", out, "--workers", "1", "--quiet")
    assert r.code == 2, r
    assert "is not empty; pass --overwrite to replace it, --resume" in r.err
    assert "Traceback" not in r.err
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    r = run_cli("sweep", exp, "--out", out, "--resume", "--workers", "1", "--quiet")
    assert r.code == 2, r
    assert "holds no sweep" in r.err
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_resume_with_a_changed_experiment_is_refused(run_cli, tmp_path):
    exp = write_experiment(tmp_path)
    out = tmp_path / "out"
    quick(exp, out, chunk_size=4, max_chunks=2)
    before = sorted(p.name for p in (out / "chunks").iterdir())
    r = run_cli("sweep", exp, "--out", out, "--resume", "--chunk-size", "4", "--runs", "3")
    assert r.code == 2, r
    assert "different experiment" in r.err and "replications was 5, now 3" in r.err
    exp.write_text(exp.read_text().replace("seed = 3", "seed = 4"))
    r = run_cli("sweep", exp, "--out", out, "--resume", "--chunk-size", "4")
    assert r.code == 2 and "different experiment" in r.err, r
    assert sorted(p.name for p in (out / "chunks").iterdir()) == before


@pytest.fixture
def steady_code(monkeypatch):
    """Resume checks the code's hash: keep it fixed while other work edits the tree."""
    monkeypatch.setattr(xplan, "code_hash", lambda: "steady")


def test_a_second_sweep_into_a_locked_dir_is_refused(tmp_path, run_cli, steady_code):
    exp = write_experiment(tmp_path)
    out = tmp_path / "out"
    quick(exp, out, chunk_size=4, max_chunks=1)
    before = sorted(p.name for p in (out / "chunks").iterdir())
    with FileLock(out / ".lock"):  # as a running sweep holds it
        with pytest.raises(xp.SweepError, match="another sweep is writing into"):
            quick(exp, out, chunk_size=4, resume=True)
        r = run_cli("sweep", exp, "--out", out, "--resume", "--chunk-size", "4", "--workers", "1")
        assert r.code == 2 and "another sweep is writing into" in r.err, r
        assert "Traceback" not in r.err
    assert sorted(p.name for p in (out / "chunks").iterdir()) == before
    # released: the sweep resumes and completes, and leaves no lock file behind
    done = quick(exp, out, chunk_size=4, resume=True)
    assert done.skipped_chunks == 1 and "summary.csv" in done.outputs
    assert not (out / ".lock").exists()


def test_the_lock_of_a_killed_process_is_released(tmp_path, steady_code):
    exp = write_experiment(tmp_path)
    out = tmp_path / "out"
    quick(exp, out, chunk_size=4, max_chunks=1)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from filelock import FileLock\n"
            "lock = FileLock(sys.argv[1])\n"
            "lock.acquire()\n"
            "print('locked', flush=True)\n"
            "time.sleep(120)\n",
            str(out / ".lock"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(xp.SweepError, match="another sweep"):
            quick(exp, out, chunk_size=4, resume=True)
    finally:
        holder.kill()
        holder.communicate()
    assert quick(exp, out, chunk_size=4, resume=True).outputs


def test_bad_command_line_values(run_cli, tmp_path):
    exp = write_experiment(tmp_path)
    for args, words in [
        (["--runs", "0"], "--runs"),
        (["--workers", "0"], "--workers"),
        (["--workers", "2", "--scheduler", "tcp://x:1"], "not both"),
        (["--chunk-size", "0"], "--chunk-size"),
    ]:
        r = run_cli("sweep", exp, "--out", tmp_path / "o", *args)
        assert r.code == 2 and words in r.err, r
    assert not (tmp_path / "o").exists()


# --------------------------------------------------------------------------
# summaries and figures


CONDITIONS = """
    replications = 40
    seed = 9
    metrics = ["cycles", "resets", "trough_trend", "share_partnership"]
    figures = ["share_loop", "cycles"]
    [shares]
    share_loop = "cycles >= 1"
    share_stable_partnership = "open_episode and share_partnership >= 0.3"
    [design]
    type = "conditions"
    [[design.conditions]]
    name = "baseline"
    [[design.conditions]]
    name = "no_power_asymmetry"
    knock_out = ["power_asymmetry"]
    [[design.conditions]]
    name = "all_off"
    knock_out = "all"
    """


def test_conditions_summary_has_shares_and_means_with_cis(tmp_path, run_cli):
    exp = write_experiment(tmp_path, CONDITIONS)
    out = tmp_path / "out"
    r = run_cli("sweep", exp, "--out", out, "--workers", "1", "--quiet")
    assert r.code == 0, r
    s = pd.read_csv(out / "summary.csv")
    head = ["condition", "runs"]
    for q in ("share_loop", "share_stable_partnership", "mean_cycles", "mean_trough_trend"):
        head += [q, f"{q}_lo", f"{q}_hi"]
    assert all(c in s.columns for c in head)
    assert list(s.columns[:5]) == [
        "condition",
        "runs",
        "share_loop",
        "share_loop_lo",
        "share_loop_hi",
    ]
    assert s["condition"].tolist() == ["baseline", "no_power_asymmetry", "all_off"]
    assert s["runs"].tolist() == [40, 40, 40]
    runs = pd.read_parquet(out / "runs.parquet")
    assert "open_episode" in runs.columns  # kept because a share uses it
    assert runs.loc[runs["condition"] == "all_off", "k_security_dilemma"].eq(0).all()
    assert runs.loc[runs["condition"] == "baseline", "k_security_dilemma"].eq(1).all()
    for i, cond in enumerate(s["condition"]):
        g = runs[runs["condition"] == cond]
        k = int((g["cycles"] >= 1).sum())
        _, lo, hi = wilson(np.array([k]), np.array([40]))
        assert s.loc[i, "share_loop"] == pytest.approx(k / 40)
        assert (s.loc[i, "share_loop_lo"], s.loc[i, "share_loop_hi"]) == pytest.approx(
            (lo[0], hi[0]), rel=1e-8
        )
        x = g["trough_trend"].dropna()
        assert s.loc[i, "mean_trough_trend"] == pytest.approx(x.mean(), rel=1e-8, nan_ok=True)
        if len(x) > 1:
            from scipy.stats import t

            half = t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
            assert s.loc[i, "mean_trough_trend_hi"] - s.loc[i, "mean_trough_trend"] == (
                pytest.approx(half, rel=1e-6)
            )
    assert (out / "conditions.png").stat().st_size > 0


def test_wilson_interval_known_values():
    p, lo, hi = wilson(np.array([0, 10, 7]), np.array([10, 10, 20]))
    assert p.tolist() == [0.0, 1.0, 0.35]
    assert lo[0] == pytest.approx(0.0, abs=1e-12) and hi[0] == pytest.approx(0.2775, abs=1e-4)
    assert lo[1] == pytest.approx(0.7225, abs=1e-4) and hi[1] == pytest.approx(1.0)
    assert (lo[2], hi[2]) == pytest.approx((0.1812, 0.5671), abs=1e-4)


def test_grid_writes_a_heatmap_and_trajectories(tmp_path):
    exp = write_experiment(tmp_path, top="trajectories = true")
    res = quick(exp, tmp_path / "out", figures=True, runs=2)
    out = tmp_path / "out"
    assert {"heatmap.png", "main_effects.png", "trajectories.parquet"} <= set(res.outputs)
    traj = pd.read_parquet(out / "trajectories.parquet")
    T = res.plan.compiled.n_ticks
    assert len(traj) == 12 * T
    assert list(traj.columns) == ["run", "tick", "date", "usa_trust", "rus_trust", "cooperation"]
    runs = pd.read_parquet(out / "runs.parquet")
    last = traj[traj["tick"] == T - 1].sort_values("run")
    np.testing.assert_array_equal(last["usa_trust"].to_numpy(), runs["final_usa_trust"])


def test_sobol_writes_indices_with_confidence_intervals(tmp_path):
    exp = write_experiment(
        tmp_path,
        """
        metrics = ["share_partnership", "final_usa_trust", "trough_trend"]
        [design]
        type = "sobol"
        base_samples = 32
        parameters = ["w_leader", "w_trust", "trust_erode"]
        """,
    )
    res = quick(exp, tmp_path / "out", figures=True)
    assert res.plan.n_runs == 32 * 5
    assert {"sobol.csv", "sobol.png"} <= set(res.outputs)
    s = pd.read_csv(tmp_path / "out" / "sobol.csv", keep_default_na=False)
    assert list(s.columns) == [
        "output",
        "parameter",
        "S1",
        "S1_conf",
        "S1_lo",
        "S1_hi",
        "ST",
        "ST_conf",
        "ST_lo",
        "ST_hi",
        "note",
    ]
    ok = s[s["output"] == "final_usa_trust"]
    assert ok["parameter"].tolist() == ["w_leader", "w_trust", "trust_erode"]
    assert (ok["note"] == "").all()
    assert (ok["ST_hi"].astype(float) >= ok["ST_lo"].astype(float)).all()


def test_lhs_sweep_and_runs_override(run_cli, tmp_path):
    exp = write_experiment(
        tmp_path,
        """
        replications = 3
        metrics = ["cycles"]
        [design]
        type = "lhs"
        samples = 6
        parameters = ["w_leader", "trust_build"]
        """,
    )
    r = run_cli("sweep", exp, "--out", tmp_path / "out", "--runs", "2", "--workers", "1")
    assert r.code == 0, r
    assert "6 point(s) x 2 replication(s) = 12 runs" in r.err
    assert "wrote" in r.err and "lhs.png" in r.err
    runs = pd.read_parquet(tmp_path / "out" / "runs.parquet")
    assert len(runs) == 12 and runs.groupby("point").size().eq(2).all()


def test_resume_after_a_code_change_is_refused(tmp_path, monkeypatch):
    exp = write_experiment(tmp_path)
    out = tmp_path / "out"
    quick(exp, out, chunk_size=4, max_chunks=2)
    monkeypatch.setattr(xplan, "code_hash", lambda: "something-else")
    with pytest.raises(xp.SweepError, match="model code or data changed"):
        quick(exp, out, chunk_size=4, resume=True)


# --------------------------------------------------------------------------
# evaluate: experiments in memory


def test_evaluate_gives_the_sweep_s_rows(tmp_path):
    exp = write_experiment(tmp_path)
    res = quick(exp, tmp_path / "out", chunk_size=7)
    runs = pd.read_parquet(tmp_path / "out" / "runs.parquet")
    plan = res.plan
    design = pd.DataFrame(plan.design.values, columns=plan.design.names)
    table = xp.evaluate(TINY, design, runs=5, seed=3)
    head = ["point", "replication", "seed", "k_leader", "w_trust"]
    assert list(table.columns) == head + plan.metric_names
    assert len(table) == 30
    pd.testing.assert_frame_equal(
        table, runs.drop(columns=["run"]), check_exact=True, check_dtype=False
    )
    # common random numbers: the same seeds as the sweep's, every point alike
    crn = write_experiment(tmp_path, name="crn", top="common_random_numbers = true")
    ident = xp.make_plan(crn).identity(0, 30)
    table = xp.evaluate(TINY, design, runs=5, seed=3, common_random_numbers=True)
    assert table["seed"].tolist() == ident["seed"].tolist()


def test_evaluate_keeps_the_design_s_columns_and_chosen_metrics():
    design = pd.DataFrame({"w_trust": [0.2, 0.9], "k_leader": [1, 0]}, index=["a", "b"])
    table = xp.evaluate(TINY, design, runs=3, seed=1, metrics=["cycles", "final_usa_trust"])
    assert list(table.columns) == [
        "point",
        "replication",
        "seed",
        "w_trust",
        "k_leader",
        "cycles",
        "final_usa_trust",
    ]
    assert table["point"].tolist() == [0, 0, 0, 1, 1, 1]
    assert table["replication"].tolist() == [0, 1, 2] * 2
    assert table["seed"].tolist() == [run_seed(1, i) for i in range(6)]
    assert table["k_leader"].tolist() == [1, 1, 1, 0, 0, 0]
    # chunking changes nothing; no seed means the scenario's seed
    small = xp.evaluate(TINY, design, runs=3, seed=1, metrics=["cycles"], chunk_size=2)
    np.testing.assert_array_equal(small["cycles"], table["cycles"])
    scenario = load_scenario(TINY)
    pd.testing.assert_frame_equal(
        xp.evaluate(scenario, design, runs=2), xp.evaluate(TINY, design, runs=2, seed=scenario.seed)
    )
    # a metrics function: all its metrics
    basic = xp.evaluate(TINY, design, runs=2, metrics=xp.basic_metrics)
    assert "mean_cooperation" in basic.columns and len(basic) == 4


@pytest.mark.parametrize(
    ("design", "kw", "words"),
    [
        (pd.DataFrame({"k_leeder": [0.5]}), {}, "design column 'k_leeder': unknown parameter"),
        (pd.DataFrame({"k_leader": [0.5, 1.5]}), {}, "design column 'k_leader', row 1: 1.5 is"),
        (pd.DataFrame({"w_trust": [np.nan]}), {}, "design column 'w_trust', row 0: must be finite"),
        (pd.DataFrame({"w_trust": ["high"]}), {}, "design column 'w_trust': must hold numbers"),
        (pd.DataFrame({"seed": [1.0]}), {}, "design column 'seed'"),
        (pd.DataFrame({"w_trust": [0.5]}), {"runs": 0}, "runs"),
        (pd.DataFrame({"w_trust": [0.5]}), {"metrics": ["cyclez"]}, "unknown metric 'cyclez'"),
        (pd.DataFrame({"w_trust": [0.5]}), {"engine": "fast"}, "unknown engine 'fast'"),
        ({"w_trust": [0.5]}, {}, "must be a pandas DataFrame"),
    ],
)
def test_evaluate_refuses_a_bad_design_naming_the_column(design, kw, words):
    with pytest.raises(ValueError, match=re.escape(words)):
        xp.evaluate(TINY, design, **kw)


def test_scheduler_without_dask_is_one_line(run_cli, tmp_path, monkeypatch):
    """Dask is an optional extra (resetsim[dask]): without it --scheduler says so."""
    from resetsim.experiments import executors

    monkeypatch.setattr(executors, "dask_installed", lambda: False)
    exp = write_experiment(tmp_path)
    r = run_cli("sweep", exp, "--scheduler", "tcp://127.0.0.1:9", "--out", tmp_path / "o")
    assert r.code == 2 and "Traceback" not in r.err
    assert r.err.strip().count("\n") == 0 and "resetsim[dask]" in r.err
    with pytest.raises(xp.SweepError, match=r"resetsim\[dask\]"):
        executors.connect("tcp://127.0.0.1:9")
