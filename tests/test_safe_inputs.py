"""What resetsim reads: every bad input is one line naming the file and the
field, exit 2, and nothing is written (docs/READS_AND_WRITES.md).

Each test feeds one mistake a demanding user or a security reviewer tried:
paths as names, non-finite or duplicated power data, ids repeated across
``extends``, loosely typed experiment files, deep nesting, devices and
folders where a file belongs, requests too large for the machine, and files
a scenario names that are not what it says they are.
"""

from __future__ import annotations

import errno
import time
from pathlib import Path

import pytest

from file_tree import tree
from resetsim.core import files
from resetsim.scenario import load
from scenario_text import tiny_scenario

REPO = Path(__file__).resolve().parents[1]
MAX_LINE = 300


def one_line(r, file: str | Path, field: str) -> str:
    """The command failed cleanly: exit 2, no traceback, one line (besides the
    "N problems found" header) naming ``file`` and ``field``."""
    assert r.code == 2, r
    assert "Traceback" not in r.err, r
    lines = [ln.strip() for ln in r.err.splitlines() if ln.strip()]
    lines = [ln for ln in lines if not ln.startswith("error: 1 problem found")]
    assert len(lines) == 1, r
    assert str(file) in lines[0] and field in lines[0], r
    assert len(lines[0]) <= MAX_LINE + len(str(file)), lines[0]
    return lines[0]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def checked(run_cli, tmp_path: Path, *args, file, field: str) -> str:
    """Run ``resetsim ARGS`` in ``tmp_path``: one clean line, nothing written."""
    before = tree(tmp_path)
    r = run_cli(*args, cwd=tmp_path)
    line = one_line(r, file, field)
    assert tree(tmp_path) == before, "something was written or deleted"
    return line


# ----------------------------------------------------------- names are not paths


@pytest.mark.parametrize("name", ["/home/me/thesis", "../../escaped", "..", ".", "a/b", ""])
@pytest.mark.parametrize("command", ["validate", "run"])
def test_a_name_that_is_a_path_is_refused(run_cli, tmp_path, name, command):
    scen = write(tmp_path / "s.toml", tiny_scenario("x").replace('name = "x"', f'name = "{name}"'))
    line = checked(run_cli, tmp_path, command, scen, file=scen, field="name")
    assert "must be" in line


def test_a_name_runs_into_runs_slash_name(run_cli, tmp_path):
    scen = write(tmp_path / "s.toml", tiny_scenario("Era-2.1_b", runs=2))
    assert run_cli("run", scen, "--quiet", cwd=tmp_path).code == 0
    assert (tmp_path / "runs" / "Era-2.1_b" / "meta.json").is_file()


# ----------------------------------------------------------- power tables

POWER = "year,aa,bb\n2000,3,2\n2001,3,2\n2002,3,2\n"


def power_scenario(tmp_path: Path, table: bytes | str, projection: str = "hold") -> Path:
    data = table.encode() if isinstance(table, str) else table
    (tmp_path / "power.csv").write_bytes(data)
    text = tiny_scenario("p", runs=2).replace(
        'source = "constant"\nconstant = { aa = 0.6, bb = 0.4 }',
        f'source = "file"\nfile = "power.csv"\nprojection = "{projection}"',
    )
    return write(tmp_path / "s.toml", text)


@pytest.mark.parametrize(
    ("table", "projection", "field", "words"),
    [
        (POWER + "2003,nan,2\n", "hold", "power.file", "finite"),
        (POWER + "2003,inf,2\n", "hold", "power.file", "finite"),
        (POWER + "2003,1e308,1e308\n", "hold", "power.file", "finite"),
        (POWER + "2002,1,2\n", "hold", "power.file", "given twice"),
        ("year,aa,bb\n2000,3,2\n", "trend", "power.projection", "two years"),
        (b"year,aa,bb\n2000,3,2\n2001,\xe9,2\n", "hold", "power.file", "not UTF-8"),
        (b"year,aa,bb\n2000,3,2\x00\n", "hold", "power.file", "NUL"),
    ],
    ids=["nan", "inf", "overflow", "duplicate-year", "trend-one-year", "latin-1", "nul"],
)
@pytest.mark.parametrize("command", ["validate", "run"])
def test_a_bad_power_table_is_refused(run_cli, tmp_path, table, projection, field, words, command):
    scen = power_scenario(tmp_path, table, projection)
    line = checked(run_cli, tmp_path, command, scen, file=scen, field=field)
    assert words in line
    if field == "power.file":
        assert "power.csv" in line  # the path, not only the field


def test_a_good_power_table_still_runs(tmp_path):
    assert load(power_scenario(tmp_path, POWER, "trend")).power.source == "file"


# ----------------------------------------------------------- extends


PARENT = tiny_scenario(
    "parent",
    events=[{"id": "summit", "date": "2003Q1", "kind": "summit", "actor": "aa", "target": "bb"}],
)


@pytest.mark.parametrize(
    ("table", "field"),
    [
        (
            '[[events]]\nid = "summit"\ndate = "2003Q1"\nkind = "summit"\nactor = "aa"\n'
            '[[events]]\nid = "summit"\ndate = "2004Q1"\nkind = "summit"\nactor = "bb"\n',
            "events[1].id",
        ),
        (
            '[[leaders]]\nid = "a1"\nstate = "aa"\nname = "A"\nstart = "2000Q1"\n'
            "disposition = 0.9\n"
            '[[leaders]]\nid = "a1"\nstate = "aa"\nname = "A"\nstart = "2000Q1"\n'
            "disposition = -0.9\n",
            "leaders[1].id",
        ),
        (
            '[[states]]\nid = "aa"\ninitial = { trust = 0.1 }\n'
            '[[states]]\nid = "aa"\ninitial = { trust = 0.9 }\n',
            "states[1].id",
        ),
    ],
    ids=["events", "leaders", "states"],
)
def test_a_parent_id_listed_twice_in_a_child_is_refused(run_cli, tmp_path, table, field):
    write(tmp_path / "parent.toml", PARENT)
    child = write(tmp_path / "child.toml", f'extends = "parent.toml"\nname = "child"\n{table}')
    line = checked(run_cli, tmp_path, "validate", child, file=child, field=field)
    assert "duplicate id" in line


@pytest.mark.parametrize(
    ("target", "field", "words"),
    [
        ("/dev/zero", "extends", "not a regular file"),
        ("folder", "extends", "is a folder"),
        ("huge.toml", "extends", "more than"),
    ],
)
def test_extends_names_a_file_or_says_why_not(run_cli, tmp_path, monkeypatch, target, field, words):
    monkeypatch.setenv(files.MAX_INPUT_ENV, "1")
    (tmp_path / "folder").mkdir()
    write(tmp_path / "huge.toml", PARENT + "# " + "x" * 2_000_000 + "\n")
    child = write(tmp_path / "child.toml", f'extends = "{target}"\nname = "child"\n')
    line = checked(run_cli, tmp_path, "validate", child, file=child, field=field)
    assert words in line and target in line


def test_an_extends_chain_reads_each_file_once_in_linear_time(tmp_path, monkeypatch):
    write(tmp_path / "s0.toml", tiny_scenario("s0"))
    for i in range(1, 16):
        write(tmp_path / f"s{i}.toml", f'extends = "s{i - 1}.toml"\nname = "s{i}"\n')
    reads: list[str] = []
    original = files.read_text

    def counting(path):
        reads.append(Path(path).name)
        return original(path)

    monkeypatch.setattr(files, "read_text", counting)
    t0 = time.perf_counter()
    assert load(tmp_path / "s15.toml").name == "s15"
    assert time.perf_counter() - t0 < 5
    assert sorted(reads) == sorted(f"s{i}.toml" for i in range(16))  # each once


# ----------------------------------------------------------- nesting, devices, sizes


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("command", ["validate", "run", "events"])
@pytest.mark.parametrize("depth", [40, 5000])
def test_deep_nesting_is_one_line(run_cli, tmp_path, command, depth):
    scen = write(tmp_path / "deep.toml", tiny_scenario("d") + f"deep = {nested(depth)}\n")
    line = checked(run_cli, tmp_path, command, scen, file=scen, field="")
    assert "nested" in line


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("targets", "/dev/urandom", "not a regular file"),
        ("targets", "/dev/zero", "not a regular file"),
        ("targets", "folder", "is a folder"),
        ("patterns", "/dev/zero", "not a regular file"),
        ("posterior", "/dev/zero", "not a regular file"),
        ("posterior", "text.csv", "not a Parquet file"),
    ],
)
def test_a_named_file_must_be_a_regular_file_of_its_kind(run_cli, tmp_path, field, value, words):
    (tmp_path / "folder").mkdir()
    write(tmp_path / "text.csv", "a,b\n1,2\n")
    text = tiny_scenario("n").replace("runs = 4", f'runs = 4\n{field} = "{value}"')
    scen = write(tmp_path / "s.toml", text)
    line = checked(run_cli, tmp_path, "validate", scen, file=scen, field=field)
    assert words in line and value in line


def test_a_file_over_the_size_limit_is_refused_and_the_limit_is_configurable(
    run_cli, tmp_path, monkeypatch
):
    scen = write(tmp_path / "s.toml", tiny_scenario("big") + "#" * 5000 + "\n")
    monkeypatch.setenv(files.MAX_INPUT_ENV, "0.002")
    line = checked(run_cli, tmp_path, "validate", scen, file=scen, field="")
    assert "more than the 0.002 MB" in line and files.MAX_INPUT_ENV in line
    monkeypatch.setenv(files.MAX_INPUT_ENV, "1")
    assert run_cli("validate", scen).code == 0


def test_a_private_toml_named_as_targets_is_not_quoted(run_cli, tmp_path):
    write(tmp_path / "private.toml", 'api_key = "hunter2-SECRET"\n[secret_table]\nx = "y"\n')
    text = tiny_scenario("n").replace("runs = 4", 'runs = 4\ntargets = "private.toml"')
    scen = write(tmp_path / "s.toml", text)
    line = checked(run_cli, tmp_path, "validate", scen, file=scen, field="targets")
    assert "not a targets file" in line
    for secret in ("hunter2", "api_key", "secret_table"):
        assert secret not in line


def test_a_private_file_that_is_not_toml_is_not_quoted(run_cli, tmp_path):
    write(tmp_path / "notes.toml", "my password is = = hunter2\n")
    text = tiny_scenario("n").replace("runs = 4", 'runs = 4\ntargets = "notes.toml"')
    scen = write(tmp_path / "s.toml", text)
    line = checked(run_cli, tmp_path, "validate", scen, file=scen, field="targets")
    assert "not valid TOML" in line and "hunter2" not in line and "password" not in line


# ----------------------------------------------------------- bounded text


@pytest.mark.parametrize(
    ("line_in", "field"),
    [
        ('description = "' + "d" * 1_000_000 + '"', "description"),
        ('name = "' + "n" * 200 + '"', "name"),
    ],
    ids=["1MB-description", "long-name"],
)
def test_long_text_fields_are_refused_quickly(run_cli, tmp_path, line_in, field):
    text = tiny_scenario("t").replace('name = "t"', 'name = "t"\n' + line_in)
    if field == "name":
        text = tiny_scenario("t").replace('name = "t"', line_in)
    scen = write(tmp_path / "s.toml", text)
    t0 = time.perf_counter()
    line = checked(run_cli, tmp_path, "validate", scen, file=scen, field=field)
    assert time.perf_counter() - t0 < 5
    assert "at most" in line


def test_a_figure_title_is_one_short_line_whatever_the_description():
    from resetsim.plotting.style import MAX_TITLE, title_text

    t0 = time.perf_counter()
    title = title_text("$x^2$ " * 200_000)
    assert time.perf_counter() - t0 < 1
    assert len(title) <= MAX_TITLE + 40 and "\n" not in title
    assert title.endswith("...") and "$" not in title.replace(r"\$", "")


# ----------------------------------------------------------- experiments


def experiment(tmp_path: Path, line: str) -> Path:
    scen = write(tmp_path / "scen.toml", tiny_scenario("scen", runs=2))
    text = (
        f'name = "e"\nscenario = "{scen.name}"\nreplications = 2\nseed = 3\n{line}\n'
        '[design]\ntype = "grid"\n[design.parameters]\nk_leader = [0.0, 1.0]\n'
    )
    text = text.replace("replications = 2\n", "") if line.startswith("replications") else text
    text = text.replace("seed = 3\n", "") if line.startswith("seed") else text
    return write(tmp_path / "exp.toml", text)


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ('replications = "20"', "replications"),
        ("replications = 2.5", "replications"),
        ("seed = true", "seed"),
        ('common_random_numbers = "yes"', "common_random_numbers"),
        ('trajectories = "false"', "trajectories"),
        ("chunk_size = true", "chunk_size"),
        ('[parameters]\ntrust_noise = "0.01"', "parameters.trust_noise"),
        ('[parameters]\nk_leader = "0.5"', "parameters.k_leader"),
        ("[parameters]\nk_leader = nan", "parameters.k_leader"),
        ('description = "' + "d" * 5000 + '"', "description"),
    ],
)
def test_an_experiment_field_of_the_wrong_type_is_refused(run_cli, tmp_path, line, field):
    exp = experiment(tmp_path, line)
    out = tmp_path / "out"
    args = ("sweep", exp, "--out", out, "--workers", "1", "--quiet")
    checked(run_cli, tmp_path, *args, file=exp, field=field)
    assert not out.exists()


@pytest.mark.parametrize(
    "design",
    [
        '[design]\ntype = "grid"\n[design.parameters]\nk_leader = ["0.5", 1.0]\n',
        '[design]\ntype = "lhs"\nsamples = "10"\nparameters = ["k_leader"]\n',
        '[design]\ntype = "sobol"\nbase_samples = 4\nsecond_order = "no"\n'
        'parameters = ["k_leader"]\n',
    ],
    ids=["grid-level", "lhs-samples", "sobol-flag"],
)
def test_an_experiment_design_of_the_wrong_type_is_refused(run_cli, tmp_path, design):
    exp = experiment(tmp_path, "")
    text = exp.read_text("utf-8")
    exp.write_text(text[: text.index("[design]")] + design, "utf-8")
    out = tmp_path / "out"
    r = run_cli("sweep", exp, "--out", out, "--workers", "1", "--quiet", cwd=tmp_path)
    one_line(r, exp, "design.")
    assert not out.exists()


# ----------------------------------------------------------- requests and options


def test_too_many_runs_are_refused_before_allocating(run_cli, tmp_path):
    scen = write(tmp_path / "s.toml", tiny_scenario("big"))
    out = tmp_path / "out"
    before = tree(tmp_path)
    t0 = time.perf_counter()
    r = run_cli("run", scen, "--runs", "1000000000", "--out", out, "--quiet")
    assert time.perf_counter() - t0 < 10
    assert r.code == 2 and "Traceback" not in r.err, r
    assert len(r.err.strip().splitlines()) == 1 and "would need about" in r.err, r
    assert "GiB" in r.err
    assert tree(tmp_path) == before


@pytest.mark.parametrize(
    "address", ["notanaddress", "tcp://host", "http://10.0.0.5:8786", "host:99999"]
)
def test_a_malformed_scheduler_address_is_one_line(run_cli, tmp_path, address):
    exp = experiment(tmp_path, "")
    out = tmp_path / "out"
    r = run_cli("sweep", exp, "--out", out, "--scheduler", address, "--quiet", cwd=tmp_path)
    assert r.code == 2 and "Traceback" not in r.err, r
    assert r.err.startswith("error: --scheduler:") and len(r.err.strip().splitlines()) == 1, r
    assert not out.exists()


def test_disk_full_during_run_is_one_line_and_leaves_nothing(run_cli, tmp_path, monkeypatch):
    import resetsim.api as runs_into  # resetsim run writes its folder through api.run_into

    def full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "x"))

    monkeypatch.setattr(runs_into, "write_results", full)
    scen = write(tmp_path / "s.toml", tiny_scenario("full", runs=2))
    before = tree(tmp_path)
    r = run_cli("run", scen, "--out", tmp_path / "out", "--quiet")
    assert r.code == 2 and "Traceback" not in r.err, r
    assert r.err.count("\n") == 1 and "no space left" in r.err, r
    assert tree(tmp_path) == before  # no partial folder, no lock file


def test_memory_and_recursion_errors_are_one_line(run_cli, tmp_path, monkeypatch):
    from resetsim.cli import validate

    for exc in (MemoryError, RecursionError):

        def boom(*_a, exc=exc, **_k):
            raise exc()

        monkeypatch.setattr(validate, "load", boom)
        r = run_cli("validate", tmp_path / "x.toml")
        assert r.code == 2 and "Traceback" not in r.err and r.err.count("\n") == 1, r


# ----------------------------------------------------------- the dashboard's path box


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/dev/zero", "scenario files (.toml) only"),
        ("/etc/passwd", "scenario files (.toml) only"),
        ("{tmp}", "scenario files (.toml) only"),
        ("{tmp}/folder.toml", "is a directory"),
        ("{tmp}/huge.toml", "more than"),
        ("{tmp}/absent.toml", "file not found"),
    ],
)
def test_the_dashboard_opens_only_bounded_scenario_files(tmp_path, monkeypatch, path, words):
    from resetsim.app.data import open_scenario

    (tmp_path / "folder.toml").mkdir()
    write(tmp_path / "huge.toml", "#" * 5000)
    monkeypatch.setenv(files.MAX_INPUT_ENV, "0.001")
    loaded = open_scenario(path.format(tmp=tmp_path))
    assert not loaded.ok and words in loaded.error and "\n" not in loaded.error


@pytest.mark.parametrize(
    ("value", "words"), [("/dev/zero", "not a regular file"), ("folder", "is a folder")]
)
def test_an_experiment_s_scenario_must_be_a_regular_file(run_cli, tmp_path, value, words):
    (tmp_path / "folder").mkdir()
    exp = experiment(tmp_path, "")
    exp.write_text(exp.read_text("utf-8").replace('"scen.toml"', f'"{value}"'), "utf-8")
    args = ("sweep", exp, "--out", tmp_path / "out", "--workers", "1", "--quiet")
    line = checked(run_cli, tmp_path, *args, file=exp, field="scenario")
    assert words in line


def test_a_sweep_of_too_many_runs_is_refused_before_planning(run_cli, tmp_path):
    exp = experiment(tmp_path, "")
    before = tree(tmp_path)
    t0 = time.perf_counter()
    r = run_cli("sweep", exp, "--runs", "1000000000", "--out", tmp_path / "out", "--quiet")
    assert time.perf_counter() - t0 < 20
    assert r.code == 2 and "Traceback" not in r.err and r.err.count("\n") == 1, r
    assert "more than the 20,000,000" in r.err
    assert tree(tmp_path) == before


PRIVATE = 'api_key = "hunter2-SECRET"\n[secret_table]\nx = "y"\n'


@pytest.mark.parametrize("how", ["extends", "forecast", "experiment"])
def test_a_private_toml_where_a_scenario_belongs_is_not_quoted(run_cli, tmp_path, how):
    write(tmp_path / "private.toml", PRIVATE)
    if how == "extends":
        referrer = write(tmp_path / "child.toml", 'extends = "private.toml"\nname = "c"\n')
        args, field = ("validate", referrer), "extends"
    elif how == "forecast":
        text = tiny_scenario("n").replace("runs = 4", 'runs = 4\nforecast = "private.toml"')
        referrer = write(tmp_path / "s.toml", text)
        args, field = ("validate", referrer), "forecast"
    else:
        referrer = experiment(tmp_path, "")
        referrer.write_text(
            referrer.read_text("utf-8").replace('"scen.toml"', '"private.toml"'), "utf-8"
        )
        args = ("sweep", referrer, "--out", tmp_path / "out", "--workers", "1", "--quiet")
        field = "scenario"
    line = checked(run_cli, tmp_path, *args, file=referrer, field=field)
    assert "not a scenario file" in line
    for secret in ("hunter2", "api_key", "secret_table"):
        assert secret not in line


def test_compare_of_too_many_runs_is_refused_before_allocating(run_cli, tmp_path):
    a = write(tmp_path / "a.toml", tiny_scenario("a"))
    b = write(tmp_path / "b.toml", tiny_scenario("b"))
    before = tree(tmp_path)
    r = run_cli("compare", a, b, "--runs", "1000000000", "--out", tmp_path / "out", "--quiet")
    assert r.code == 2 and "Traceback" not in r.err and r.err.count("\n") == 1, r
    assert "would need about" in r.err
    assert tree(tmp_path) == before


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("sweep", "{exp}", "--workers", "100000"), "--workers must be between 1 and"),
        (("calibrate", "{scen}", "--population", "1000000000"), "--population must be between"),
        (("calibrate", "{scen}", "--generations", "0"), "--generations must be between"),
        (("calibrate", "{scen}", "--seed", "-1"), "--seed must be >= 0"),
    ],
)
def test_counts_beyond_any_machine_are_one_line(run_cli, tmp_path, args, words):
    exp = experiment(tmp_path, "")
    scen = tmp_path / "scen.toml"
    before = tree(tmp_path)
    argv = [a.format(exp=exp, scen=scen) for a in args]
    r = run_cli(*argv, "--out", tmp_path / "out", "--quiet")
    assert r.code == 2 and "Traceback" not in r.err and r.err.count("\n") == 1, r
    assert words in r.err
    assert tree(tmp_path) == before


def test_an_extends_chain_longer_than_the_limit_is_one_line(run_cli, tmp_path):
    write(tmp_path / "s0.toml", tiny_scenario("s0"))
    for i in range(1, 41):
        write(tmp_path / f"s{i}.toml", f'extends = "s{i - 1}.toml"\nname = "s{i}"\n')
    top = tmp_path / "s40.toml"
    line = checked(run_cli, tmp_path, "validate", top, file="toml", field="extends")
    assert "more than 32" in line


@pytest.mark.parametrize(("value", "words"), [("/dev/zero", "not a regular file"), ("d", "folder")])
def test_an_observations_series_must_be_a_regular_file(tmp_path, value, words):
    from resetsim.core.config import ScenarioError
    from resetsim.scenario.observations import load_observations

    (tmp_path / "d").mkdir()
    obs = write(
        tmp_path / "obs.toml",
        f'[[series]]\nid = "poll"\nfile = "{value}"\nobserves = "aa.trust"\n'
        'scale = "percent"\nsource = "a poll"\n',
    )
    with pytest.raises(ScenarioError) as info:
        load_observations(obs)
    (problem,) = info.value.problems
    assert problem[0] == str(obs) and problem[1] == "series[0] (id 'poll').file"
    assert words in problem[2] and value in problem[2]
