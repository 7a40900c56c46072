"""Each mistake a new user made gives one clear line.

Every test feeds the mistake and checks the message: one line, it names the
file (and the field where there is one), it says what to do, exit status 2,
no traceback, and nothing is written.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

import pytest

from resetsim.core import io
from resetsim.core.config import ScenarioError, detect_kind, read_toml, wrong_kind_message
from resetsim.scenario import load, loads
from resetsim.scenario.load import load_with_origins
from resetsim.scenario.targets import load_targets

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"
MINIMAL = DATA / "minimal.toml"
HISTORY = REPO / "scenarios" / "history_1989_2021.toml"
EXPERIMENT = REPO / "experiments" / "grid_leader_domestic.toml"
TARGETS = REPO / "scenarios" / "targets" / "paper_episodes.toml"
AROUND = REPO / "scenarios" / "targets" / "calibration_start.toml"

#: A message (after ``FILE: field: ``) is at most this long.
MAX_MESSAGE = 200


def problem_of(path: Path | str):
    """The one problem loading ``path`` gives."""
    with pytest.raises(ScenarioError) as info:
        load(path)
    problems = info.value.problems
    assert len(problems) == 1, problems
    return problems[0]


def one_error_line(r, path: Path | str, field: str = "") -> str:
    """The CLI result failed cleanly with a single line naming ``path`` (and ``field``)."""
    assert r.code == 2, r
    assert "Traceback" not in r.err, r
    lines = [ln.strip() for ln in r.err.splitlines() if ln.strip()]
    lines = [ln for ln in lines if not ln.startswith("error: 1 problem found")]
    assert len(lines) == 1, r
    prefix = f"{path}: {field}: " if field else f"{path}: "
    assert lines[0].startswith(prefix), r
    assert len(lines[0]) - len(prefix) <= MAX_MESSAGE, lines[0]
    return lines[0][len(prefix) :]


# ------------------------------------------------------------ 1. byte-order mark


def with_bom(src: Path, dst: Path) -> Path:
    dst.write_bytes(b"\xef\xbb\xbf" + src.read_bytes())
    return dst


def test_a_scenario_saved_with_a_byte_order_mark_reads_normally(tmp_path, run_cli):
    path = with_bom(MINIMAL, tmp_path / "bom.toml")
    plain = load(MINIMAL).model_dump(exclude={"source", "base_dir"})
    assert load(path).model_dump(exclude={"source", "base_dir"}) == plain
    r = run_cli("validate", path)
    assert r.code == 0 and ": ok (" in r.out, r


def test_loads_ignores_a_byte_order_mark():
    text = MINIMAL.read_text("utf-8")
    assert loads("\ufeff" + text).name == loads(text).name == "minimal"


def test_a_parent_scenario_with_a_byte_order_mark_is_extended_normally(tmp_path):
    with_bom(MINIMAL, tmp_path / "minimal.toml")
    child = tmp_path / "child.toml"
    child.write_text('extends = "minimal.toml"\nname = "child"\nremove_events = ["spy_swap"]\n')
    assert [e.id for e in load(child).events] == ["new_start"]


def test_targets_and_experiments_with_a_byte_order_mark_read_normally(tmp_path):
    w = load_targets(with_bom(TARGETS, tmp_path / "targets.toml"))
    assert len(w.ids) == 6
    exp = with_bom(EXPERIMENT, tmp_path / "exp.toml")
    assert read_toml(exp) == tomllib.loads(EXPERIMENT.read_text("utf-8"))


@pytest.mark.parametrize(
    ("encoding", "fragment"),
    [("utf-16", "is UTF-16 text, not UTF-8; save it as UTF-8"), ("latin-1", "not UTF-8 text")],
)
def test_other_encodings_say_to_save_as_utf8(tmp_path, run_cli, encoding, fragment):
    path = tmp_path / f"{encoding}.toml"
    path.write_text(MINIMAL.read_text("utf-8").replace("minimal", "Moskva Ü"), encoding)
    message = one_error_line(run_cli("validate", path), path)
    assert fragment in message and "save it as UTF-8" in message


# ------------------------------------------------------------ 2. gaps in leader terms


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


@pytest.mark.parametrize(
    ("case", "quarters"),
    [
        ("removed", "39 quarter(s): 2012Q2-2021Q4 (after 'medvedev' ends)"),
        ("ends_early", "2 quarter(s): 2010Q3-2010Q4 (after 'medvedev' ends)"),
        ("gap_between", "1 quarter(s): 2011Q1 (after 'medvedev' ends)"),
    ],
)
def test_a_quarter_without_a_leader_is_an_error(tmp_path, run_cli, case, quarters):
    if case == "removed":  # the user's report: remove putin_2 from the history
        text = f'extends = "{HISTORY}"\nname = "no_putin_2"\nremove_leaders = ["putin_2"]\n'
    elif case == "ends_early":
        text = MINIMAL.read_text("utf-8").replace('end = "2011-01-01"', 'end = "2010-07-01"')
    else:
        text = MINIMAL.read_text("utf-8").replace('start = "2011-01-01"', 'start = "2011-04-01"')
    path = _write(tmp_path, f"{case}.toml", text)
    message = one_error_line(run_cli("validate", path), path, "leaders")
    assert message == (
        f"no leader of 'rus' is in office for {quarters}; add a leader term for them, "
        "or move a term's start or end"
    )
    out = tmp_path / "out"
    r = run_cli("run", path, "--out", out, "--quiet")
    assert r.code == 2 and "Traceback" not in r.err and not out.exists(), r


def test_a_gap_at_the_start_and_several_gaps_are_named_together(tmp_path):
    text = MINIMAL.read_text("utf-8").replace('start = "2008-05-07"', 'start = "2010-04-01"')
    text = text.replace('end = "2011-01-01"', 'end = "2010-07-01"')
    text = text.replace('start = "2011-01-01"', 'start = "2011-04-01"\nend = "2011-07-01"')
    problem = problem_of(_write(tmp_path, "gaps.toml", text))
    assert problem[1] == "leaders"
    assert problem[2].startswith(
        "no leader of 'rus' is in office at the start (2010Q1); 6 quarter(s) without one: "
        "2010Q1, 2010Q3-2011Q1 (after 'medvedev' ends), 2011Q3-2011Q4 (after 'putin' ends);"
    ), problem


def test_terms_covering_the_run_exactly_are_fine(tmp_path):
    # a term ends in the quarter its successor starts; the last ends after the run
    text = MINIMAL.read_text("utf-8").replace(
        'start = "2011-01-01"', 'start = "2011-01-01"\nend = "2012-01-01"'
    )
    assert loads(text).name == "minimal"


# ------------------------------------------------------------ 3. the wrong kind of file


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        *[(p, "scenario") for p in sorted((REPO / "scenarios").glob("*.toml"))],
        *[(p, "experiment") for p in sorted((REPO / "experiments").glob("*.toml"))],
        (TARGETS, "targets"),
        (AROUND, "parameters"),
        (DATA / "experiments" / "tiny_scenario.toml", "scenario"),
    ],
    ids=lambda v: v.stem if isinstance(v, Path) else v,
)
def test_detect_kind_tells_the_shipped_files_apart(path, kind):
    assert detect_kind(tomllib.loads(path.read_text("utf-8"))) == kind


def test_detect_kind_says_nothing_when_nothing_tells():
    assert detect_kind({}) is None
    assert detect_kind({"name": "x", "seed": 3}) is None
    assert detect_kind({"design": {}, "states": []}) is None  # a tie
    assert detect_kind({"targets": "t.toml", "states": []}) == "scenario"
    assert wrong_kind_message("scenario", "scenario", "a.toml") is None
    assert wrong_kind_message(None, "scenario", "a.toml") is None


def test_an_experiment_given_to_run_is_named_in_one_line(run_cli, tmp_path):
    out = tmp_path / "out"
    r = run_cli("run", EXPERIMENT, "--out", out)
    message = one_error_line(r, EXPERIMENT)
    assert (
        message == f"this is an experiment file, not a scenario: use `resetsim sweep {EXPERIMENT}`"
    )
    assert not out.exists()


def test_a_targets_file_given_to_validate_is_named_in_one_line(run_cli):
    message = one_error_line(run_cli("validate", TARGETS), TARGETS)
    assert message == (
        "this is a targets file, not a scenario: a scenario names it with targets = "
        '"paper_episodes.toml" (the path from the scenario\'s folder)'
    )


def test_a_parameters_file_given_to_run_is_named_in_one_line(run_cli, tmp_path):
    message = one_error_line(run_cli("run", AROUND, "--out", tmp_path / "o"), AROUND)
    assert message.startswith("this is a file of [parameters] only, not a scenario: give it to")
    assert "--around" not in message  # the point search and its --around are gone
    assert not (tmp_path / "o").exists()


def test_a_scenario_named_as_targets_is_named_in_one_line(tmp_path):
    (tmp_path / "other.toml").write_text(MINIMAL.read_text("utf-8"))
    text = MINIMAL.read_text("utf-8").replace("seed = 7", 'seed = 7\ntargets = "other.toml"')
    with pytest.raises(ScenarioError) as info:
        loads(text, base_dir=tmp_path)
    (problem,) = info.value.problems
    assert problem[2] == (
        f"this is a scenario file, not a targets file: use `resetsim run {tmp_path / 'other.toml'}`"
    )


def test_an_experiment_given_as_text_is_named_too():
    with pytest.raises(ScenarioError) as info:
        loads(EXPERIMENT.read_text("utf-8"), name="inline")
    assert [p[2][:40] for p in info.value.problems] == ["this is an experiment file, not a scenar"]


def test_long_values_are_cut_short_in_messages(tmp_path):
    text = MINIMAL.read_text("utf-8").replace('name = "minimal"', f"name = {list(range(500))}")
    message = problem_of(_write(tmp_path, "long.toml", text))[2]
    assert message.startswith("must be text (in quotes) (got [0, 1, 2")
    assert message.endswith(" ...)") and len(message) <= MAX_MESSAGE
    text = MINIMAL.read_text("utf-8").replace('"treaty_signed"', f'"{"k" * 300}"')
    with pytest.raises(ScenarioError) as info:
        loads(text)
    (kind,) = (p[2] for p in info.value.problems)
    assert kind.startswith("must have at most 64 characters (got 'kkkk") and kind.endswith(" ...)")
    text = MINIMAL.read_text("utf-8").replace('date = "2010-07-09"', f'date = "{"2" * 300}"')
    with pytest.raises(ScenarioError) as info:
        loads(text)
    (date,) = (p[2] for p in info.value.problems)
    assert date.startswith("not a date: '2222") and date.endswith("2001-09 or 2001)")
    assert max(len(kind), len(date)) <= MAX_MESSAGE


def test_every_bad_file_message_is_one_short_line():
    for path in sorted((DATA / "bad_scenarios").glob("*.toml")):
        with pytest.raises(ScenarioError) as info:
            load(path)
        for _file, _where, message in info.value.problems:
            assert "\n" not in message and len(message) <= MAX_MESSAGE, (path.name, message)


# ------------------------------------------------------------ 4. pydantic's wording


def test_three_states_say_a_scenario_is_a_dyad(run_cli):
    path = DATA / "bad_scenarios" / "three_states.toml"
    message = one_error_line(run_cli("validate", path), path, "states")
    assert message == "a scenario declares exactly two states (got 3); give two [[states]] tables"


def test_one_state_says_so_too():
    head, _, _ = MINIMAL.read_text("utf-8").partition('[[states]]\nid = "rus"')
    with pytest.raises(ScenarioError) as info:
        loads(head)
    assert any(
        p[1] == "states" and p[2].startswith("a scenario declares exactly two states (got 1)")
        for p in info.value.problems
    ), info.value.problems


PLAIN = [
    (('name = "minimal"', "name = 5"), "name", "must be text (in quotes) (got 5)"),
    (("runs = 2", "runs = 2.5"), "runs", "must be a whole number (got 2.5)"),
    (("runs = 2", "runs = 0"), "runs", "must be greater than or equal to 1 (got 0)"),
    (
        (
            '[[states]]\nid = "usa"\ninitial = { trust = 0.3 }\n\n'
            '[[states]]\nid = "rus"\ninitial = { trust = 0.2 }',
            'states = "usa"',
        ),
        "states",
        "must be an array (got 'usa')",
    ),
    (
        ('id = "spy_swap"', 'id = "Spy"'),
        "events[1] (id 'Spy').id",
        "must be an id: lower-case letters, digits and _, starting with a letter (got 'Spy')",
    ),
    (
        ("seed = 7", "seed = 7\npower = { weights = { gdp = 1, oil = 2 } }"),
        "power.weights.oil",
        "this name must be 'gdp', 'milex' or 'warheads' (got 'oil')",
    ),
    (
        ("seed = 7", 'seed = 7\npower = { source = "nope" }'),
        "power.source",
        "must be 'us_russia', 'constant' or 'file' (got 'nope')",
    ),
    (("seed = 7", "seed = 7\nkinds = { foo = 3 }"), "kinds.foo", "must be a table (got 3)"),
]


@pytest.mark.parametrize(("edit", "field", "message"), PLAIN, ids=[p[1] for p in PLAIN])
def test_schema_messages_are_in_a_toml_writers_words(edit, field, message):
    old, new = edit
    text = MINIMAL.read_text("utf-8")
    assert old in text
    with pytest.raises(ScenarioError) as info:
        loads(text.replace(old, new, 1))
    found = {(p[1], p[2]) for p in info.value.problems}
    assert (field, message) in found, found
    for _f, _w, m in info.value.problems:
        assert not re.search(r"Input should|Tuple|dictionary|valid string|\[key\]", m), m


# ------------------------------------------------------------ 5. command-line mistakes


def test_an_unknown_parameter_group_is_a_sentence(run_cli):
    r = run_cli("params", "--group", "nosuch")
    assert r.code == 2 and r.out == "", r
    assert r.err.startswith("error: no parameter group 'nosuch'; the groups are detection, ")
    assert "[" not in r.err and len(r.err.splitlines()) == 1, r
    r = run_cli("params", "--group", "trust", "--group", "x")
    assert r.code == 2 and r.err.startswith("error: no parameter group 'x'; "), r


@pytest.mark.parametrize(
    "argv",
    [
        ("run", "--runz", "5"),
        ("run", str(MINIMAL), "--runz", "5"),
        ("validate", str(MINIMAL), "--strict"),
        ("events", str(MINIMAL), "--csv"),
        ("params", "--groups", "trust"),
    ],
)
def test_an_unknown_option_shows_the_sub_command_s_usage(run_cli, argv):
    r = run_cli(*argv)
    assert r.code == 2 and "Traceback" not in r.err, r
    assert r.err.startswith(f"usage: resetsim {argv[0]} "), r
    bad = next(a for a in argv if a.startswith("--"))
    assert f"resetsim {argv[0]}: error: unrecognized arguments: {bad} " in r.err, r
    assert f"(see `resetsim {argv[0]} --help`)" in r.err


# ------------------------------------------------------------ 6. an unwritable --out


@pytest.mark.parametrize(
    ("out", "reason"),
    [
        ("/proc/resetsim_out", "no folder can be made in /proc"),
        ("/sys/resetsim_out", "no folder can be made in /sys"),
        ("/sys/resetsim_out/deeper", "no folder can be made in /sys"),
    ],
)
def test_run_into_an_unwritable_place_is_one_line(run_cli, out, reason):
    if not Path(out.split("/resetsim_out")[0]).is_dir():
        pytest.skip(f"no {out.split('/resetsim_out')[0]} here")
    r = run_cli("run", MINIMAL, "--out", out, "--quiet")
    assert r.code == 2 and "Traceback" not in r.err, r
    assert r.err.startswith(f"error: cannot write {out}: {reason} ("), r
    assert r.err.rstrip().endswith("; choose another --out") and len(r.err.splitlines()) == 1
    assert not os.path.lexists(out)


def test_run_with_out_through_a_file_is_one_line(run_cli, tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    out = blocker / "sub" / "out"
    r = run_cli("run", MINIMAL, "--out", out, "--quiet")
    assert r.code == 2 and "Traceback" not in r.err, r
    assert r.err == (
        f"error: cannot create {out}: {blocker} is a file, not a folder; choose another --out\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder anyway")
def test_run_into_a_read_only_folder_is_one_line(run_cli, tmp_path):  # pragma: no cover
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        r = run_cli("run", MINIMAL, "--out", ro / "out", "--quiet")
        assert r.code == 2 and "Traceback" not in r.err, r
        assert r.err.startswith(f"error: cannot write {ro / 'out'}: no folder can be made in ")
        assert list(ro.iterdir()) == []
    finally:
        ro.chmod(0o755)


def test_run_into_proc_in_a_real_process_has_no_traceback(run_cli_subprocess):
    r = run_cli_subprocess("run", MINIMAL, "--out", "/proc/resetsim_out", "--quiet")
    assert r.code == 2 and "Traceback" not in r.err and r.err.startswith("error: cannot write"), r


def test_io_raises_output_error_with_the_path_and_the_reason(tmp_path):
    blocker = tmp_path / "f"
    blocker.write_text("x")
    with pytest.raises(io.OutputError, match=r"cannot create .*f/d: Not a directory"):
        io.make_dirs(blocker / "d")
    with pytest.raises(io.OutputError, match=r"cannot write .*f/x.json: Not a directory"):
        io.write_json(blocker / "x.json", {})
    with (
        pytest.raises(io.OutputError, match="is a file, not a folder"),
        io.atomic_dir(blocker / "d" / "e"),
    ):
        pass  # pragma: no cover
    with pytest.raises(io.OutputError, match="no folder can be made in /proc"):
        io.check_writable("/proc/x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f"]


def test_check_writable_in_place_probes_the_folder_itself(tmp_path):
    out = tmp_path / "sweep"
    out.mkdir()
    assert io.check_writable(out, in_place=True) == out
    assert io.check_writable(tmp_path / "new" / "sweep", in_place=True).name == "sweep"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sweep"] and not any(out.iterdir())
    with pytest.raises(io.OutputError, match="no folder can be made in /sys"):
        io.check_writable("/sys/x", in_place=True)


def test_a_writable_out_still_works_and_leaves_no_probe(tmp_path):
    out = tmp_path / "deep" / "er" / "out"
    assert io.check_output_dir(out) == out
    assert list(tmp_path.iterdir()) == []
    with io.atomic_dir(out) as stage:
        (stage / "x.txt").write_text("x")
    assert (out / "x.txt").read_text() == "x"
    assert sorted(p.name for p in out.parent.iterdir()) == ["out"]


# ------------------------------------------------------------ 7. resetsim events


def test_events_lists_resolved_events_with_their_file(run_cli, repo_root):
    r = run_cli("events", "scenarios/counterfactual_no_crimea.toml", cwd=repo_root)
    assert r.code == 0 and r.err == "", r
    lines = r.out.splitlines()
    assert lines[0].startswith("scenarios/counterfactual_no_crimea.toml: ")
    assert lines[1].split() == ["id", "date", "lasts", "until", "kind", "actor", "label", "file"]
    rows = {ln.split()[0]: ln for ln in lines[2:] if ln and not ln.startswith("To ")}
    assert "crimea" not in rows and "crimea_sanctions" not in rows  # removed by the file
    assert rows["start_1"].startswith("start_1 ")
    assert "1991-07-31 (1991Q3)" in rows["start_1"] and "treaty_signed" in rows["start_1"]
    assert rows["start_1"].endswith("scenarios/history_1989_2021.toml")
    assert 'remove_events = ["' in lines[-1]


def test_events_names_the_child_file_for_what_the_child_adds(run_cli, tmp_path):
    child = tmp_path / "child.toml"
    child.write_text(
        f'extends = "{MINIMAL}"\nname = "child"\n\n[[events]]\nid = "summit"\n'
        'date = "2011Q2"\nkind = "summit"\nactor = "usa"\nlabel = "a summit"\n\n'
        '[[events]]\nid = "spy_swap"\ndate = "2010Q4"\nkind = "diplomatic_incident"\n'
        'actor = "rus"\n',
        "utf-8",
    )
    sc, origins = load_with_origins(child)
    assert origins[("events", "new_start")] == str(MINIMAL)
    assert origins[("events", "spy_swap")] == str(child)  # replaced by the child
    assert origins[("events", "summit")] == str(child)
    assert origins[("leaders", "obama")] == str(MINIMAL)
    assert sc == load(child)
    r = run_cli("events", child, "--all", cwd=tmp_path)
    assert r.code == 0, r
    summit = next(ln for ln in r.out.splitlines() if ln.startswith("summit "))
    assert "a summit" in summit and summit.endswith("child.toml")
    assert "leader terms (3):" in r.out and "stochastic processes (0):" in r.out


def test_events_of_a_bad_scenario_is_a_clean_error(run_cli):
    path = DATA / "bad_scenarios" / "duplicate_event_id.toml"
    r = run_cli("events", path)
    assert r.code == 2 and "Traceback" not in r.err and f"{path}: " in r.err, r


def test_the_documented_power_snippets_validate(tmp_path):
    """docs/formats/scenario.md: the power.constant and power.file examples work."""
    page = (REPO / "docs" / "formats" / "scenario.md").read_text("utf-8")
    section = page.split("**Power**", 1)[1].split("\nA scenario can `extends`", 1)[0]
    blocks = re.findall(r"```toml\n(.*?)```", section, re.S)
    (csv,) = re.findall(r"```text\n(.*?)```", section, re.S)
    assert [tomllib.loads(b)["power"]["source"] for b in blocks] == ["constant", "file"]
    (tmp_path / "power").mkdir()
    (tmp_path / "power" / "us_china.csv").write_text(csv, "utf-8")
    base = (REPO / "scenarios" / "us_china_example.toml").read_text("utf-8")
    head, _, rest = base.partition("[power]")
    rest = rest.split("\n[", 1)[1]
    for block in blocks:
        sc = loads(f"{head}{block}\n[{rest}", name="readme", base_dir=tmp_path)
        assert sc.power.source == tomllib.loads(block)["power"]["source"]


# ====================================================================== input and output hardening
# ------------------------------------------------------------ 8. a scenario given to sweep

SWEEP_GRID = """
replications = 3
seed = 3
[design]
type = "grid"
parameters = { k_leader = [0.0, 1.0] }
"""


def tiny_experiment(tmp_path: Path, name: str = "exp", body: str = SWEEP_GRID) -> Path:
    tiny = DATA / "experiments" / "tiny_scenario.toml"
    path = tmp_path / f"{name}.toml"
    path.write_text(f'name = "{name}"\nscenario = "{tiny.as_posix()}"\n{body}', "utf-8")
    return path


def test_a_scenario_given_to_sweep_is_named_in_one_line(run_cli, tmp_path):
    out = tmp_path / "out"
    r = run_cli("sweep", HISTORY, "--out", out, "--quiet")
    message = one_error_line(r, HISTORY)
    assert message == f"this is a scenario file, not an experiment: use `resetsim run {HISTORY}`"
    assert not out.exists()


# ------------------------------------------------------------ 9. sweep into an unwritable place


@pytest.mark.parametrize(
    ("out", "start"),
    [
        ("/proc/resetsim_out", "error: cannot write /proc/resetsim_out: no folder can be made in"),
        ("/sys/resetsim_out", "error: cannot write /sys/resetsim_out: no folder can be made in"),
    ],
)
def test_sweep_into_an_unwritable_place_is_one_line(run_cli, tmp_path, out, start):
    if not Path(out).parent.is_dir():
        pytest.skip(f"no {Path(out).parent} here")
    r = run_cli("sweep", tiny_experiment(tmp_path), "--out", out, "--quiet", "--workers", "1")
    assert r.code == 2 and "Traceback" not in r.err, r
    assert r.err.startswith(start) and len(r.err.splitlines()) == 1, r
    assert r.err.rstrip().endswith("; choose another --out"), r
    assert not os.path.lexists(out)


def test_sweep_with_out_through_a_file_is_one_line(run_cli, tmp_path):
    exp = tiny_experiment(tmp_path)
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    out = blocker / "sub" / "out"
    r = run_cli("sweep", exp, "--out", out, "--quiet", "--workers", "1")
    assert r.code == 2 and "Traceback" not in r.err, r
    assert r.err == (
        f"error: cannot create {out}: {blocker} is a file, not a folder; choose another --out\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file", "exp.toml"]


def test_sweep_in_a_real_process_into_proc_has_no_traceback(run_cli_subprocess, tmp_path):
    exp = tiny_experiment(tmp_path)
    r = run_cli_subprocess("sweep", exp, "--out", "/proc/resetsim_out", "--quiet")
    assert r.code == 2 and "Traceback" not in r.err, r
    assert r.err.startswith("error: cannot write /proc/resetsim_out"), r


def test_a_lock_that_cannot_be_made_is_an_output_error(tmp_path, monkeypatch):
    from resetsim.experiments import store

    def refuse(self, *a, **k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(store.FileLock, "acquire", refuse)
    match = r"cannot write .*\.lock: Permission denied; choose"
    with pytest.raises(io.OutputError, match=match), store.locked(tmp_path):
        pass  # pragma: no cover


# ------------------------------------------------------------ 10. sweep --overwrite


def test_sweep_into_a_finished_folder_says_overwrite_or_resume(run_cli, tmp_path):
    exp = tiny_experiment(tmp_path)
    out = tmp_path / "out"
    args = ("sweep", exp, "--out", out, "--quiet", "--workers", "1", "--no-figures")
    assert run_cli(*args).code == 0
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    r = run_cli(*args)
    assert r.code == 2 and "Traceback" not in r.err, r
    assert r.err == (
        f"error: {out} holds a finished sweep; pass --overwrite to replace it, --resume to "
        "continue the sweep in it, or choose another --out\n"
    )
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before
    r = run_cli(*args, "--resume", "--overwrite")
    assert r.code == 2 and r.err == "error: give --resume or --overwrite, not both\n", r


def test_sweep_overwrite_replaces_a_finished_folder(run_cli, tmp_path):
    import pyarrow.parquet as pq

    exp = tiny_experiment(tmp_path)
    out = tmp_path / "out"
    base = ("sweep", exp, "--out", out, "--quiet", "--workers", "1", "--no-figures")
    assert run_cli(*base).code == 0
    (out / "notes.txt").write_text("old")  # a file resetsim did not write: kept, refused
    r = run_cli(*base, "--runs", "2", "--overwrite")
    assert r.code == 2 and "notes.txt" in r.err, r
    (out / "notes.txt").unlink()
    r = run_cli(*base, "--runs", "2", "--overwrite")
    assert r.code == 0, r
    assert pq.read_table(out / "runs.parquet").num_rows == 4  # 2 points x 2 runs
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exp.toml", "out"]  # no trash left
    # the same as a sweep into a fresh folder
    assert run_cli(*base[:3], tmp_path / "ref", *base[4:], "--runs", "2").code == 0
    assert (out / "runs.parquet").read_bytes() == (tmp_path / "ref" / "runs.parquet").read_bytes()


def test_an_interrupted_overwrite_leaves_no_old_chunk_for_resume(tmp_path, monkeypatch):
    from resetsim import experiments as xp
    from resetsim.experiments import store

    exp = tiny_experiment(tmp_path)
    out = tmp_path / "out"
    xp.sweep(exp, out, progress=False, figures=False, chunk_size=1, max_chunks=3)
    assert len(list((out / "chunks").iterdir())) == 3
    calls = []

    def interrupted(plan, out, result):
        calls.append(result.index)
        raise KeyboardInterrupt

    monkeypatch.setattr(store, "write_chunk", interrupted)
    with pytest.raises(KeyboardInterrupt):
        xp.sweep(exp, out, progress=False, figures=False, chunk_size=1, overwrite=True)
    assert calls == [0]
    # nothing of the old sweep is left for --resume to pick up
    assert not any((out / "chunks").iterdir())
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_sweep_overwrite_refuses_a_folder_another_sweep_holds(tmp_path):
    from filelock import FileLock

    from resetsim import experiments as xp

    exp = tiny_experiment(tmp_path)
    out = tmp_path / "out"
    xp.sweep(exp, out, progress=False, figures=False, chunk_size=1, max_chunks=2)
    with FileLock(out / ".lock"), pytest.raises(xp.SweepError, match="another sweep is writing"):
        xp.sweep(exp, out, progress=False, figures=False, overwrite=True)
    assert len(list((out / "chunks").iterdir())) == 2
