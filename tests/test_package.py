"""The package a user installs: built-in scenarios found by name from any
folder, ``resetsim scenarios``, ``resetsim init``, "did you mean" suggestions,
and the built-in files inside the wheel and the sdist."""

from __future__ import annotations

import fnmatch
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest

import resetsim
from resetsim.core.config import ScenarioError
from resetsim.core.names import close_matches, did_you_mean
from resetsim.scenario import builtin, load

REPO = Path(__file__).resolve().parents[1]
SRC_BUILTIN = REPO / "src" / "resetsim" / "builtin"
DATA = Path(__file__).resolve().parent / "data"


def _builtin_files(root: Path) -> set[str]:
    return {
        f.relative_to(root).as_posix()
        for f in root.rglob("*")
        if f.is_file() and "__pycache__" not in f.parts
    }


# --------------------------------------------------------------------------
# built-ins by name


def test_the_builtin_folder_holds_the_shipped_scenarios_and_experiments():
    scen, exps = builtin.names("scenario"), builtin.names("experiment")
    assert {"biden_era", "biden_era_ex_ante", "history_1989_2021", "example"} <= set(scen)
    assert {"sobol", "contradictions"} <= set(exps)
    assert (builtin.folder() / "posteriors" / "history.parquet").is_file()
    # the installed package holds every built-in file of the checkout (same
    # set whether resetsim is imported from src/ or from site-packages)
    assert _builtin_files(builtin.root()) >= _builtin_files(SRC_BUILTIN)


def test_the_checkout_s_scenarios_and_experiments_folders_are_the_builtins():
    for name in ("scenarios", "experiments"):
        assert (REPO / name).resolve() == (SRC_BUILTIN / name).resolve()


@pytest.mark.parametrize("ref", ["biden_era", "biden_era.toml", "scenarios/biden_era.toml"])
def test_a_builtin_loads_by_name_from_any_folder(tmp_path, monkeypatch, ref):
    monkeypatch.chdir(tmp_path)
    sc = load(ref)
    assert sc.name == "biden_era"
    assert Path(sc.source).resolve() == (builtin.folder() / "biden_era.toml").resolve()
    # extends, forecast, outcomes and posterior resolve inside the package
    assert Path(sc.base_dir).resolve() == builtin.folder().resolve()
    assert (Path(sc.base_dir) / sc.posterior).is_file()


def test_a_file_that_exists_wins_over_a_builtin_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = (DATA / "minimal.toml").read_text("utf-8").replace('name = "minimal"', 'name = "mine"')
    (tmp_path / "example.toml").write_text(text, "utf-8")
    assert load("example.toml").name == "mine"
    assert load("example").name == "example"  # no file called `example`: the built-in
    (tmp_path / "example").mkdir()  # a folder of that name (`resetsim init example example`)
    assert load("example").name == "example"


def test_resetsim_run_by_name_from_an_empty_folder(tmp_path, run_cli):
    r = run_cli("run", "example", "--runs", "2", "--out", "o", "--quiet", cwd=tmp_path)
    assert r.code == 0, r
    assert {"trajectory.csv", "episodes.csv", "meta.json", "trust.png"} <= {
        f.name for f in (tmp_path / "o").iterdir()
    }
    assert resetsim.run("example", runs=2, seed=1).scenario.name == "example"


def test_an_unknown_name_suggests_the_closest_builtins(tmp_path, run_cli):
    r = run_cli("run", "biden_eras", "--out", "o", cwd=tmp_path)
    assert r.code == 2 and "Traceback" not in r.err, r
    assert "biden_eras: file not found, and no built-in scenario of that name" in r.err
    assert "did you mean 'biden_era'" in r.err and "`resetsim scenarios`" in r.err
    assert not (tmp_path / "o").exists()
    with pytest.raises(ScenarioError, match="did you mean 'sobol'"):
        builtin.resolve("experiments/sobl.toml", "experiment")


def test_a_missing_path_that_is_no_name_says_file_not_found(tmp_path):
    with pytest.raises(ScenarioError) as exc:
        load(tmp_path / "elsewhere" / "biden_era.toml")
    assert exc.value.problems[0][2] == "file not found"


def test_a_scenario_anywhere_may_extend_a_builtin_by_name(tmp_path):
    mine = tmp_path / "mine.toml"
    mine.write_text(
        'extends = "history_1989_2021"\nname = "mine"\nremove_events = ["start_1"]\n', "utf-8"
    )
    sc = load(mine)
    assert sc.name == "mine" and "start_1" not in {e.id for e in sc.events}
    # the parent's targets and posterior still point at the installed files
    assert (Path(sc.base_dir) / sc.targets).resolve() == (
        builtin.folder() / "targets" / "paper_episodes.toml"
    ).resolve()
    assert (Path(sc.base_dir) / sc.posterior).is_file()
    mine.write_text('extends = "histroy_1989_2021"\nname = "mine"\n', "utf-8")
    with pytest.raises(ScenarioError, match="did you mean 'history_1989_2021'"):
        load(mine)


# --------------------------------------------------------------------------
# resetsim scenarios, resetsim init


def test_resetsim_scenarios_lists_every_builtin_with_its_description(run_cli):
    r = run_cli("scenarios")
    assert r.code == 0, r
    out = " ".join(r.out.split())  # descriptions are wrapped
    for kind in ("scenario", "experiment"):
        for b in builtin.catalogue(kind):
            assert f" {b.name} " in out
            assert b.description and " ".join(b.description.split()) in out
    assert "resetsim init NAME DIR" in r.out
    assert str(builtin.folder()) not in r.out
    assert str(builtin.folder()) in run_cli("scenarios", "--paths").out


def test_resetsim_init_copies_a_scenario_that_then_runs_on_its_own(tmp_path, run_cli):
    dest = tmp_path / "mine"
    r = run_cli("init", "biden_era", dest)
    assert r.code == 0, r
    copied = {f.relative_to(dest).as_posix() for f in dest.rglob("*") if f.is_file()}
    assert {
        "biden_era.toml",
        "biden_era_ex_ante.toml",
        "history_1989_2021.toml",
        "targets/biden_era_outcomes.toml",
        "targets/paper_episodes.toml",
        "targets/history_patterns.toml",
        "posteriors/history_v3.parquet",
        "targets/observed/README.md",
        "targets/observed/training.toml",
    } <= copied
    assert not any(name.endswith(".part") for name in copied)
    for f in copied:  # byte-for-byte copies
        assert (dest / f).read_bytes() == (builtin.folder() / f).read_bytes()
    sc = load(dest / "biden_era.toml")  # everything it references is in the copy
    assert Path(sc.base_dir).resolve() == dest.resolve()
    assert (dest / sc.posterior).resolve() == (dest / "posteriors/history_v3.parquet").resolve()
    # the copy is what resetsim runs: edit it and the change shows
    ex = dest / "example.toml"
    assert run_cli("init", "example", dest).code == 0
    ex.write_text(ex.read_text("utf-8").replace('name = "example"', 'name = "edited"'), "utf-8")
    assert load(ex).name == "edited"


def test_resetsim_init_copies_an_experiment_with_its_scenario(tmp_path, run_cli):
    from resetsim.experiments.validate import load as load_experiment

    dest = tmp_path / "mine"
    r = run_cli("init", "sobol", dest)
    assert r.code == 0 and "resetsim sweep" in r.err, r
    exp = load_experiment(dest / "experiments" / "sobol.toml")
    scenario = exp.scenario_path.resolve()
    assert scenario.parent == (dest / "scenarios").resolve() and scenario.is_file()
    assert (dest / "scenarios" / "posteriors" / "history_v3.parquet").is_file()


def test_resetsim_init_never_overwrites(tmp_path, run_cli):
    dest = tmp_path / "mine"
    assert run_cli("init", "history_1989_2021", dest).code == 0
    mine = dest / "targets" / "paper_episodes.toml"
    mine.write_text("# my own targets\n", "utf-8")
    (dest / "history_1989_2021.toml").unlink()
    r = run_cli("init", "history_1989_2021", dest)
    assert r.code == 2 and "exists already; nothing was copied" in r.err, r
    assert not (dest / "history_1989_2021.toml").exists()  # nothing written at all
    assert mine.read_text("utf-8") == "# my own targets\n"


def test_resetsim_init_an_unknown_name_suggests(tmp_path, run_cli):
    r = run_cli("init", "histroy_1989_2021", tmp_path / "x")
    assert r.code == 2 and "did you mean 'history_1989_2021'" in r.err, r
    r = run_cli("init", "sobl", tmp_path / "x")
    assert r.code == 2 and "did you mean 'sobol'" in r.err, r
    r = run_cli("init", "histroy_1989_2021", tmp_path / "x")
    assert r.code == 2 and "did you mean 'history_1989_2021'" in r.err, r
    assert not (tmp_path / "x").exists()


# --------------------------------------------------------------------------
# did you mean


def test_close_matches_and_did_you_mean():
    assert close_matches("K_LEADR", ["k_leader", "w_leader", "trust_build"]) == [
        "k_leader",
        "w_leader",
    ]
    assert did_you_mean("zzzz", ["k_leader"]) == ""
    assert did_you_mean(3, ["k_leader"]) == ""
    assert did_you_mean("sumit", ["summit", "sanctions"]) == " (did you mean 'summit'?)"


def test_did_you_mean_for_a_shock_kind(tmp_path):
    text = (DATA / "minimal.toml").read_text("utf-8")
    kind = text.split('kind = "', 1)[1].split('"', 1)[0]
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace(f'kind = "{kind}"', f'kind = "{kind[:-1]}x"', 1), "utf-8")
    with pytest.raises(ScenarioError) as exc:
        load(bad)
    assert f"did you mean {kind!r}" in str(exc.value.problems[0])


@pytest.mark.parametrize(
    "call",
    [
        lambda: resetsim.run("example", params={"k_leadr": 0.5}),
        lambda: resetsim.ResetModel("example", k_leadr=0.5),
    ],
    ids=["run", "ResetModel"],
)
def test_did_you_mean_for_a_parameter_from_python(call):
    with pytest.raises(ValueError, match="unknown parameter \\(did you mean 'k_leader'"):
        call()


def test_did_you_mean_for_a_parameter_on_the_command_line(run_cli, tmp_path):
    r = run_cli("run", "example", "--set", "k_leadr=0.5", "--out", tmp_path / "o")
    assert r.code == 2 and "--set k_leadr: unknown parameter (did you mean 'k_leader'" in r.err


def test_did_you_mean_for_a_parameter_in_an_experiment_file(run_cli):
    r = run_cli("sweep", DATA / "experiments" / "bad" / "unknown_parameter.toml", "--quiet")
    assert r.code == 2
    assert "design.parameters.k_leeder: unknown parameter (did you mean 'k_leader'" in r.err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["rnu", "example"], "unknown command 'rnu' (did you mean 'run'?)"),
        (["scenaros"], "unknown command 'scenaros' (did you mean 'scenarios'?)"),
        (["run", "example", "--rnus", "3"], "--rnus (did you mean '--runs'?)"),
        (["params", "--grup", "trust"], "--grup (did you mean '--group'?)"),
    ],
)
def test_did_you_mean_for_a_command_or_option(run_cli, tmp_path, argv, expected):
    r = run_cli(*argv, cwd=tmp_path)
    assert r.code == 2 and expected in r.err and "Traceback" not in r.err, r


# --------------------------------------------------------------------------
# the built-ins in the wheel and the sdist


def _package_data_globs() -> list[str]:
    cfg = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))
    return cfg["tool"]["setuptools"]["package-data"]["resetsim"]


def test_every_builtin_file_is_declared_as_package_data():
    globs = _package_data_globs()
    for rel in _builtin_files(SRC_BUILTIN):
        path = f"builtin/{rel}"
        assert any(
            fnmatch.fnmatch(path, g) or fnmatch.fnmatch(path, g.replace("**/", "")) for g in globs
        ), f"{path} is not matched by [tool.setuptools.package-data]"


@pytest.mark.slow
def test_the_wheel_and_the_sdist_contain_the_builtins(tmp_path):
    pytest.importorskip("build")
    src = tmp_path / "src"
    shutil.copytree(
        REPO,
        src,
        symlinks=True,
        ignore=shutil.ignore_patterns(".git", "*.egg-info", "build", "dist", "__pycache__"),
    )
    subprocess.run(
        [sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", tmp_path / "dist", src],
        check=True,
        capture_output=True,
    )
    want = {f"resetsim/builtin/{rel}" for rel in _builtin_files(SRC_BUILTIN)}
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    with zipfile.ZipFile(wheel) as z:
        assert want <= set(z.namelist())
    (sdist,) = (tmp_path / "dist").glob("*.tar.gz")
    with tarfile.open(sdist) as t:
        names = {n.split("/", 1)[1] for n in t.getnames() if "/" in n}
    assert {f"src/{w}" for w in want} <= names


# --------------------------------------------------------------------------
# citing it


def test_citation_and_package_metadata_agree():
    yaml = pytest.importorskip("yaml")
    cff = yaml.safe_load((REPO / "CITATION.cff").read_text("utf-8"))
    project = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]
    assert cff["version"] == project["version"] == resetsim.__version__
    assert cff["keywords"] == project["keywords"]
    assert str(cff["date-released"])[:4] == "2026"
    assert "Liu Ying (2021)" in " ".join(cff["abstract"].split())
    assert cff["references"][0]["title"] == "美俄关系“重启”的困境分析"
    # an address only when one is known, and then the same in both files
    urls = project.get("urls", {})
    assert cff.get("repository-code") == urls.get("Repository")


def test_did_you_mean_for_a_parameter_group_and_a_contradiction(run_cli, tmp_path):
    r = run_cli("params", "--group", "trst")
    assert r.code == 2 and "no parameter group 'trst' (did you mean 'trust'" in r.err, r
    bad = DATA / "experiments" / "bad" / "unknown_contradiction.toml"
    mine = tmp_path / "exp.toml"
    scenario = (DATA / "experiments" / "tiny_scenario.toml").as_posix()
    mine.write_text(
        bad.read_text("utf-8")
        .replace('"power_gap"', '"power_asymetry"')
        .replace('"../tiny_scenario.toml"', f'"{scenario}"'),
        "utf-8",
    )
    r = run_cli("sweep", mine, "--quiet", cwd=tmp_path)
    assert r.code == 2, r
    assert "unknown contradiction 'power_asymetry' (did you mean 'power_asymmetry'?)" in r.err
