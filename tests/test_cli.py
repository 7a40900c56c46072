"""The ``resetsim`` command: run, validate, params, kinds; exit codes; reproducible output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from resetsim.core import params as prm
from resetsim.core import shocks as sh
from resetsim.core.provenance import __version__
from resetsim.engines.randomness import replication_seeds
from resetsim.scenario import as_compiled

DATA = Path(__file__).resolve().parent / "data"
MINIMAL = DATA / "minimal.toml"
SHORT = DATA / "short_stochastic.toml"
BAD = DATA / "bad_scenarios" / "unknown_actor.toml"
REQUIRED_OUTPUTS = {"trajectory.csv", "meta.json", "trust.png"}


def files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


# ------------------------------------------------------------ generic


def test_version(run_cli):
    r = run_cli("--version")
    assert r.code == 0 and __version__ in r.out


def test_no_command_is_a_usage_error(run_cli):
    r = run_cli()
    assert r.code == 2 and "usage" in r.err


def test_unknown_option_is_a_usage_error(run_cli):
    r = run_cli("run", str(MINIMAL), "--frobnicate")
    assert r.code == 2 and "unrecognized arguments" in r.err


# ------------------------------------------------------------ validate


def test_validate_ok(run_cli):
    r = run_cli("validate", MINIMAL, SHORT)
    assert r.code == 0, r
    lines = r.out.splitlines()
    assert lines[0].startswith(f"{MINIMAL}: ok (minimal: 2010Q1-2011Q4, 2 events")
    assert lines[1].startswith(f"{SHORT}: ok")
    assert r.err == ""


def test_validate_mixed_good_and_bad(run_cli):
    r = run_cli("validate", MINIMAL, BAD)
    assert r.code == 2, r
    assert f"{MINIMAL}: ok" in r.out
    assert r.err.splitlines() == [
        f"{BAD}: events[0] (id 'trade_deal').actor: unknown state 'chn'; the states are usa, rus"
    ]


def test_validate_missing_file(run_cli, tmp_path):
    r = run_cli("validate", tmp_path / "nope.toml")
    assert r.code == 2
    assert r.err.strip() == f"{tmp_path / 'nope.toml'}: file not found"


# ------------------------------------------------------------ run


def test_run_writes_outputs(run_cli, tmp_path):
    out = tmp_path / "out"
    r = run_cli("run", SHORT, "--out", out, "--runs", 3, "--seed", 9)
    assert r.code == 0, r
    assert set(files(out)) >= REQUIRED_OUTPUTS
    assert r.out.startswith("short_stochastic: 3 run(s), 2008-01-01 .. 2010-10-01")
    assert "median usa_trust" in r.out and "median rus_trust" in r.out
    compiled = as_compiled(SHORT)
    frame = pd.read_csv(out / "trajectory.csv", keep_default_na=False)
    assert len(frame) == 3 * compiled.n_ticks
    assert list(frame["run"].unique()) == [0, 1, 2]
    assert list(frame["date"][: compiled.n_ticks]) == compiled.dates
    assert {"usa_trust", "rus_trust", "usa_leader", "rus_leader", "cooperation"} <= set(frame)
    assert frame["usa_trust"].between(-10, 10).all()  # the latent attitude: logit scale
    meta = json.loads((out / "meta.json").read_text("utf-8"))
    assert meta["runs"] == 3 and meta["seed"] == 9 and meta["engine"] == "compiled"
    assert meta["seeds"] == [int(s) for s in replication_seeds(9, 3)]
    assert set(meta["parameters"]) == {p.name for p in prm.PARAMETERS}
    assert meta["parameters"]["trust_noise"] == 0.02  # the scenario's override
    assert meta["scenario"]["name"] == "short_stochastic"
    # provenance: versions read with importlib.metadata, the commit of a checkout
    assert meta["resetsim_version"] == __version__
    assert set(meta["versions"]) >= {"numpy", "pandas", "mesa", "matplotlib", "numba", "scipy"}
    assert "?" not in meta["versions"].values()
    assert "git_commit" in meta
    assert (out / "trust.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # nothing else was left beside the output (no staging directories)
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_every_shipped_scenario_runs_from_the_cli(run_cli, shipped_scenario, tmp_path):
    out = tmp_path / "out"
    r = run_cli("run", shipped_scenario, "--runs", 2, "--quiet", "--out", out)
    assert r.code == 0, r
    assert set(files(out)) >= REQUIRED_OUTPUTS
    frame = pd.read_csv(out / "trajectory.csv", keep_default_na=False)
    assert len(frame) == 2 * as_compiled(shipped_scenario).n_ticks


def test_same_seed_gives_byte_identical_outputs(run_cli, tmp_path):
    args = ("run", SHORT, "--runs", 3, "--seed", 5, "--quiet")
    assert run_cli(*args, "--out", tmp_path / "a").code == 0
    assert run_cli(*args, "--out", tmp_path / "b").code == 0
    a, b = files(tmp_path / "a"), files(tmp_path / "b")
    assert set(a) >= REQUIRED_OUTPUTS
    assert a.keys() == b.keys()
    for name in a:
        assert a[name] == b[name], f"{name} differs between two runs with the same seed"


def test_different_seeds_differ(run_cli, tmp_path):
    for seed in (1, 2):
        r = run_cli(
            "run", SHORT, "--runs", 2, "--seed", seed, "--quiet", "--out", tmp_path / str(seed)
        )
        assert r.code == 0, r
    one, two = files(tmp_path / "1"), files(tmp_path / "2")
    assert one["trajectory.csv"] != two["trajectory.csv"]
    assert json.loads(one["meta.json"])["seeds"] != json.loads(two["meta.json"])["seeds"]


def test_quiet_prints_nothing(run_cli, tmp_path):
    r = run_cli("run", MINIMAL, "--out", tmp_path / "o", "--quiet")
    assert r.code == 0 and r.out == "" and r.err == ""


def test_default_out_is_runs_slash_name(run_cli, tmp_path):
    r = run_cli("run", MINIMAL, "--quiet", cwd=tmp_path)
    assert r.code == 0, r
    assert set(files(tmp_path / "runs" / "minimal")) >= REQUIRED_OUTPUTS


def test_run_refuses_a_non_empty_out_without_overwrite(run_cli, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "precious.txt").write_text("keep me", "utf-8")
    r = run_cli("run", MINIMAL, "--out", out, "--quiet")
    assert r.code == 2, r
    assert "not empty" in r.err and "--overwrite" in r.err
    assert "Traceback" not in r.err
    assert files(out) == {"precious.txt": b"keep me"}
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    # --overwrite does not replace a folder resetsim did not make
    r = run_cli("run", MINIMAL, "--out", out, "--quiet", "--overwrite")
    assert r.code == 2 and "did not make it" in r.err, r
    assert files(out) == {"precious.txt": b"keep me"}
    # a folder it made is replaced as a whole
    (out / "precious.txt").unlink()
    assert run_cli("run", MINIMAL, "--out", out, "--quiet").code == 0
    r = run_cli("run", MINIMAL, "--out", out, "--quiet", "--overwrite")
    assert r.code == 0, r
    assert set(files(out)) >= REQUIRED_OUTPUTS
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_run_into_an_empty_existing_directory(run_cli, tmp_path):
    (tmp_path / "out").mkdir()
    assert run_cli("run", MINIMAL, "--out", tmp_path / "out", "--quiet").code == 0
    assert set(files(tmp_path / "out")) >= REQUIRED_OUTPUTS


def test_run_refuses_a_file_as_out(run_cli, tmp_path):
    (tmp_path / "out").write_text("x", "utf-8")
    r = run_cli("run", MINIMAL, "--out", tmp_path / "out", "--quiet")
    assert r.code == 2 and "not a directory" in r.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--set", "no_such=1"), "unknown parameter"),
        (("--set", "trust_noise=0.5"), "outside its bounds"),
        (("--set", "trust_noise"), "use NAME=VALUE"),
        (("--set", "trust_noise=lots"), "is not a number"),
        (("--runs", "0"), "--runs must be a whole number >= 1, got 0"),
        (("--seed", "-1"), "--seed must be a whole number >= 0, got -1"),
    ],
)
def test_run_usage_errors_exit_2_and_write_nothing(run_cli, tmp_path, args, message):
    out = tmp_path / "out"
    r = run_cli("run", MINIMAL, "--out", out, "--quiet", *args)
    assert r.code == 2, r
    assert message in r.err and "Traceback" not in r.err
    assert not out.exists()


def test_run_invalid_scenario_exit_2_and_writes_nothing(run_cli, tmp_path):
    out = tmp_path / "out"
    r = run_cli("run", BAD, "--out", out)
    assert r.code == 2, r
    assert r.err.splitlines()[0] == "error: 1 problem found, nothing was run:"
    assert f"{BAD}: events[0] (id 'trade_deal').actor: unknown state 'chn'" in r.err
    assert not out.exists()


def test_set_overrides_reach_the_run(run_cli, tmp_path):
    base, changed = tmp_path / "base", tmp_path / "changed"
    assert run_cli("run", SHORT, "--runs", 2, "--quiet", "--out", base).code == 0
    r = run_cli(
        "run",
        SHORT,
        "--runs",
        2,
        "--quiet",
        "--out",
        changed,
        "--set",
        "trust_build=0",
        "--set",
        "shock_rate_scale=2.5",
    )
    assert r.code == 0, r
    meta = json.loads((changed / "meta.json").read_text("utf-8"))
    assert meta["parameters"]["trust_build"] == 0.0
    assert meta["parameters"]["shock_rate_scale"] == 2.5
    a = pd.read_csv(base / "trajectory.csv")["usa_trust"]
    b = pd.read_csv(changed / "trajectory.csv")["usa_trust"]
    assert not np.allclose(a, b)


def test_mesa_engine_writes_the_same_trajectory(run_cli, tmp_path):
    for engine in ("compiled", "ensemble", "mesa"):
        r = run_cli(
            "run", SHORT, "--runs", 2, "--quiet", "--engine", engine, "--out", tmp_path / engine
        )
        assert r.code == 0, r
    a = pd.read_csv(tmp_path / "ensemble" / "trajectory.csv", keep_default_na=False)
    b = pd.read_csv(tmp_path / "mesa" / "trajectory.csv", keep_default_na=False)
    pd.testing.assert_frame_equal(a, b, check_exact=False, atol=2e-6, rtol=0)
    assert json.loads((tmp_path / "mesa" / "meta.json").read_text("utf-8"))["engine"] == "mesa"
    # the compiled engine writes the very bytes the ensemble engine writes
    compiled = (tmp_path / "compiled" / "trajectory.csv").read_bytes()
    assert compiled == (tmp_path / "ensemble" / "trajectory.csv").read_bytes()


# ------------------------------------------------------------ params, kinds


def test_params_lists_every_parameter(run_cli):
    r = run_cli("params")
    assert r.code == 0
    for p in prm.PARAMETERS:
        assert p.name in r.out
    for group in {p.group for p in prm.PARAMETERS}:
        assert f"[{group}]" in r.out


def test_params_group_and_markdown(run_cli):
    r = run_cli("params", "--group", "switches")
    assert r.code == 0
    assert "k_leader" in r.out and "trust_build" not in r.out
    r = run_cli("params", "--markdown")
    assert r.code == 0 and r.out == prm.markdown_table()


def test_parameters_doc_is_in_sync(repo_root):
    doc = repo_root / "docs" / "PARAMETERS.md"
    if not doc.exists():
        pytest.skip("docs/PARAMETERS.md not written yet (resetsim params --markdown)")
    assert doc.read_text("utf-8") == prm.markdown_table(), (
        "docs/PARAMETERS.md is stale: resetsim params --markdown > docs/PARAMETERS.md"
    )


def test_kinds_lists_every_kind(run_cli):
    r = run_cli("kinds")
    assert r.code == 0
    for name in sh.library():
        assert name in r.out
    assert "annexation [breach]" in r.out


# ------------------------------------------------------------ a real process


def test_python_dash_m_resetsim_runs(run_cli_subprocess, tmp_path):
    out = tmp_path / "out"
    r = run_cli_subprocess("run", MINIMAL, "--out", out, "--quiet", cwd=tmp_path)
    assert r.code == 0, r
    assert set(files(out)) >= REQUIRED_OUTPUTS


def test_closed_stdout_is_not_a_traceback(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "resetsim", "params", "--markdown"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    proc.stdout.close()  # the reader leaves before anything is written
    _, err = proc.communicate(timeout=120)
    assert b"Traceback" not in err, err.decode()
    assert proc.returncode in (0, 1)
