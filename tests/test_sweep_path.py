"""What the sweep's path costs: the libraries ``resetsim sweep`` loads, and the
shortcuts it takes are the same numbers as the long way round."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from resetsim.analysis.statistics import t_quantile

HISTORY = Path(__file__).resolve().parents[1] / "scenarios" / "history_1989_2021.toml"


def test_t_quantile_is_scipy_stats_t_ppf_to_the_bit():
    from scipy.stats import t

    n = np.array([0.0, 1.0, 2.0, 3.0, 5.0, 17.0, 100.0, 1e4, 1e7])
    ours = t_quantile(n)
    assert np.isnan(ours[:2]).all()
    np.testing.assert_array_equal(ours[2:], t.ppf(0.975, n[2:] - 1))
    np.testing.assert_array_equal(t_quantile(n, 0.9)[2:], t.ppf(0.9, n[2:] - 1))


#: Libraries a Sobol' sweep without figures never needs in its main process.
NOT_LOADED = ("properscoring", "mesa", "solara", "SALib", "matplotlib", "scipy.stats")


@pytest.mark.parametrize("figures", [False, True])
def test_sweep_loads_only_what_it_needs(tmp_path, figures):
    exp = tmp_path / "s.toml"
    exp.write_text(
        f'scenario = "{HISTORY.as_posix()}"\n'
        + textwrap.dedent(
            """
            name = "s"
            seed = 3
            metrics = ["cycles", "share_partnership"]
            [design]
            type = "sobol"
            base_samples = 4
            parameters = ["w_leader", "w_trust"]
            """
        ),
        encoding="utf-8",
    )
    args = ["sweep", str(exp), "--out", str(tmp_path / "o"), "--workers", "1", "--quiet"]
    if not figures:
        args.append("--no-figures")
    code = (
        "import sys; from resetsim.cli.main import main; "
        f"code = main({args!r}); "
        f"bad = sorted(m for m in sys.modules if m in {NOT_LOADED!r}); "
        "print(' '.join(bad)); sys.exit(code)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={"MPLBACKEND": "Agg", **__import__("os").environ},
    )
    assert proc.returncode == 0, proc.stderr
    loaded = set(proc.stdout.split())
    # figures need matplotlib
    allowed = {"matplotlib"} if figures else set()
    assert loaded <= allowed, loaded


def test_metrics_kept_by_a_sweep_are_those_of_the_full_set():
    from resetsim.analysis.metrics import run_metrics
    from resetsim.analysis.validation import VALIDATION_METRICS
    from resetsim.engines.runner import simulator
    from resetsim.scenario import compile_scenario, load

    compiled = compile_scenario(load(HISTORY))
    traj = simulator("compiled")(compiled, np.arange(1, 41))
    data = {**traj.with_events(), "seed": np.arange(1, 41)}
    full = run_metrics(compiled, data)
    for keep in (["cycles", "fidelity_score"], ["resets"], ["onsets_after_opening"]):
        some = run_metrics(compiled, data, keep=keep)
        assert set(keep) <= set(some) <= set(full)
        for k in some:
            np.testing.assert_array_equal(some[k], full[k], err_msg=k)
    assert not set(VALIDATION_METRICS) & set(run_metrics(compiled, data, keep=["cycles"]))
    assert "fidelity_score" not in run_metrics(compiled, data, keep=["cycles"])


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["sweep", "e.toml", "--workers", "2"], True),
        (["sweep", "e.toml", "--workers=3", "--quiet"], True),
        (["--quiet", "sweep", "e.toml", "--workers", "1"], False),
        (["sweep", "e.toml", "--workers=1"], False),
        (["sweep", "e.toml", "--workers", "two"], False),
        (["sweep", "e.toml", "--scheduler", "tcp://127.0.0.1:8786"], False),
        (["sweep", "e.toml", "--scheduler=tcp://127.0.0.1:8786"], False),
        (["sweep", "--help"], False),
        (["run", "history_1989_2021", "--workers", "2"], False),
        ([], False),
    ],
)
def test_which_command_lines_start_the_pool_server_first(words, expected):
    from resetsim.cli.main import local_workers

    assert local_workers(words) is expected


def test_a_sweep_command_line_starts_the_pool_server_before_loading_the_command(tmp_path):
    # the server warms up (about a second) while this process imports the
    # sweep's modules and reads the experiment: nothing heavy before it starts
    code = textwrap.dedent(
        f"""
        import sys
        from resetsim.core import pool
        seen = []
        pool.start_server = lambda: seen.append(
            sorted(m for m in sys.modules if m in ("pandas", "numba", "resetsim.experiments"))
        )
        from resetsim.cli.main import main
        code = main(["sweep", {str(tmp_path / "missing.toml")!r}, "--workers", "2", "--quiet"])
        print(code, seen[0] if seen else None)
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.stdout.split(maxsplit=1) == ["2", "[]\n"], proc.stdout + proc.stderr


def test_import_resetsim_stays_light_and_its_names_load_on_first_use():
    code = (
        "import sys, resetsim; light = 'pandas' not in sys.modules; "
        "from resetsim import Scenario, ScenarioError, compile_scenario, load; "
        "from resetsim.scenario import Scenario as S; "
        "print(light, Scenario is S, callable(compile_scenario), callable(load), "
        "issubclass(ScenarioError, Exception))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stdout.split() == ["True"] * 5, proc.stdout + proc.stderr


def test_only_the_fork_server_skips_the_teardown_at_exit(tmp_path):
    import atexit
    import os

    from resetsim.core import pool

    before = atexit._ncallbacks()
    assert pool.in_fork_server() is False
    assert pool.quick_exit_in_server() is False
    assert atexit._ncallbacks() == before
    # called from multiprocessing's fork server (its main, while it preloads)
    fake = os.path.join(str(tmp_path), "multiprocessing", "forkserver.py")
    ns: dict = {}
    exec(compile("def main(f):\n    return f()\n", fake, "exec"), ns)
    assert ns["main"](pool.in_fork_server) is True


def test_a_sweep_on_a_pool_whose_server_ends_quickly_ends_normally(tmp_path):
    # a real pool: its server preloads the warm-up module; the sweep's exit
    # status and outputs are those of a normal end
    exp = tmp_path / "s.toml"
    exp.write_text(
        f'scenario = "{HISTORY.as_posix()}"\n'
        'name = "s"\nseed = 3\nmetrics = ["cycles"]\nchunk_size = 1\n'
        '[design]\ntype = "grid"\n[design.parameters]\nw_leader = [0.1, 0.2]\n',
        encoding="utf-8",
    )
    code = textwrap.dedent(
        f"""
        import sys
        from resetsim.cli.main import main
        sys.exit(main(["sweep", {str(exp)!r}, "--out", {str(tmp_path / "o")!r},
                       "--workers", "2", "--quiet", "--no-figures"]))
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "o" / "runs.parquet").exists()


def test_the_command_line_skips_the_collections_at_exit_only():
    # a handler registered before main runs after main's (last in, first out)
    code = (
        "import atexit, gc, sys; "
        "atexit.register(lambda: print('frozen at exit', gc.get_freeze_count() > 0)); "
        "from resetsim.cli.main import main; "
        "main(['kinds']); main(['kinds']); "
        "print('frozen before exit', gc.get_freeze_count() > 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    lines = [x for x in proc.stdout.splitlines() if x.startswith("frozen")]
    assert lines == ["frozen before exit False", "frozen at exit True"], proc.stdout + proc.stderr


def test_workers_start_without_numbas_blas_probe_and_nothing_compiled_needs_it():
    # in the fork server numba's array maths loads without importing
    # scipy.linalg (its BLAS probe), which only np.correlate / np.convolve use
    code = textwrap.dedent(
        """
        from concurrent.futures import ProcessPoolExecutor
        from resetsim.core import pool
        ask = (
            "('scipy.linalg' in __import__('sys').modules, "
            "__import__('numba.np.arraymath').np.arraymath._HAVE_BLAS)"
        )
        with ProcessPoolExecutor(1, mp_context=pool.context()) as ex:
            print(ex.submit(eval, ask).result())
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180)
    assert proc.stdout.strip() == "(False, False)", proc.stdout + proc.stderr
    src = Path(__file__).resolve().parents[1] / "src" / "resetsim"
    compiled = [f for f in src.rglob("*.py") if "numba" in f.read_text(encoding="utf-8")]
    assert len(compiled) >= 3
    for f in compiled:
        text = f.read_text(encoding="utf-8")
        assert "correlate(" not in text and "convolve(" not in text, f


def test_the_pool_server_warms_up_with_a_real_run():
    from resetsim.experiments import executors, warm

    assert "resetsim.experiments.warm" in executors.PRELOAD
    assert warm.warm() is True


def test_shipped_metric_names_without_a_run_are_those_of_a_run():
    from resetsim.analysis.metrics import metric_names, run_metrics
    from resetsim.engines.ensemble import simulate
    from resetsim.scenario import builtin, compile_scenario, load

    for name in builtin.names():
        compiled = compile_scenario(load(builtin.resolve(name)))
        traj = simulate(compiled, [5])
        data = {**traj.with_events(), "seed": np.array([5])}
        assert metric_names(compiled) == list(run_metrics(compiled, data)), name
