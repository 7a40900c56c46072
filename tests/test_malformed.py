"""Malformed scenario files are rejected with one clear line per problem.

Each file in ``tests/data/bad_scenarios/`` states what it must produce in its
header::

    # expect-field: events[0] (id 'crimea').date
    # expect-message: outside the run

(an empty field means a problem about the whole file, e.g. invalid TOML).  To
add a case, drop a file there with those two lines; nothing else to edit.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from resetsim.core.config import Problem, ScenarioError
from resetsim.scenario import load, loads

BAD_DIR = Path(__file__).resolve().parent / "data" / "bad_scenarios"
BAD_FILES = sorted(BAD_DIR.glob("*.toml"))


def expectation(path: Path) -> tuple[str, str]:
    """The ``(field, message fragment)`` a bad file declares in its header."""
    field = message = None
    for line in path.read_text("utf-8").splitlines():
        if line.startswith("# expect-field:"):
            field = line.partition(":")[2].strip()
        elif line.startswith("# expect-message:"):
            message = line.partition(":")[2].strip()
    assert field is not None and message, f"{path.name}: header lacks expect-field/-message"
    return field, message


def problems_of(path: Path | str) -> list[Problem]:
    with pytest.raises(ScenarioError) as info:
        load(path)
    assert info.value.problems, "a ScenarioError must carry at least one problem"
    return info.value.problems


def test_there_are_enough_bad_files():
    assert len(BAD_FILES) >= 15


@pytest.mark.parametrize("path", BAD_FILES, ids=[p.stem for p in BAD_FILES])
def test_load_reports_file_field_and_message(path: Path):
    field, fragment = expectation(path)
    problems = problems_of(path)
    for p in problems:
        assert isinstance(p, Problem) and len(p) == 3
        assert p[0] == str(path), f"problem names {p[0]!r}, not the file given"
        assert str(p).startswith(f"{path}: ")
        assert "\n" not in str(p)
    hits = [p for p in problems if p[1] == field and fragment in p[2]]
    assert hits, f"expected {field!r}: ...{fragment}... among:\n" + "\n".join(map(str, problems))


@pytest.mark.parametrize("path", BAD_FILES, ids=[p.stem for p in BAD_FILES])
def test_load_with_relative_path_names_it_as_given(path: Path, monkeypatch):
    monkeypatch.chdir(BAD_DIR.parent)
    rel = Path("bad_scenarios") / path.name
    assert all(p[0] == str(rel) for p in problems_of(rel))


def test_all_problems_are_reported_at_once(tmp_path):
    text = (BAD_DIR.parent / "minimal.toml").read_text("utf-8")
    text = text.replace('kind = "treaty_signed"', 'kind = "no_such_kind"')
    text = text.replace('date = "2010-07-09"', 'date = "1999Q1"')
    text += "\n[parameters]\ntrust_build = 7.0\nfoo = 1.0\n"
    path = tmp_path / "many.toml"
    path.write_text(text, "utf-8")
    fields = {p[1] for p in problems_of(path)}
    assert {
        "events[0] (id 'new_start').kind",
        "events[1] (id 'spy_swap').date",
        "parameters.trust_build",
        "parameters.foo",
    } <= fields


def test_missing_file_and_directory(tmp_path):
    (problem,) = problems_of(tmp_path / "absent.toml")
    assert problem[2] == "file not found"
    (problem,) = problems_of(tmp_path)
    assert "directory" in problem[2]


def test_loads_reports_like_load():
    good = (BAD_DIR.parent / "minimal.toml").read_text("utf-8")
    with pytest.raises(ScenarioError) as info:
        loads('colour = "red"\n' + good, name="inline")
    assert [tuple(p) for p in info.value.problems] == [("inline", "colour", "unknown field")]
    with pytest.raises(ScenarioError) as info:
        loads('extends = "minimal.toml"\n', name="inline")
    assert info.value.problems[0][1] == "extends"
    with pytest.raises(ScenarioError) as info:
        loads("name = [", name="inline")
    assert "not valid TOML" in info.value.problems[0][2]


def test_an_invalid_item_does_not_also_make_its_list_too_short():
    problems = problems_of(BAD_DIR / "value_out_of_bounds.toml")
    assert len(problems) == 1, problems


# ---------------------------------------------------------------- through the CLI


def test_validate_reports_every_bad_file(run_cli):
    r = run_cli("validate", *BAD_FILES)
    assert r.code == 2, r
    assert "Traceback" not in r.err
    for path in BAD_FILES:
        field, fragment = expectation(path)
        line = f"{path}: {field}: " if field else f"{path}: "
        assert any(ln.startswith(line) and fragment in ln for ln in r.err.splitlines()), (
            path.name,
            r.err,
        )
    assert r.out == ""


@pytest.mark.parametrize("path", BAD_FILES, ids=[p.stem for p in BAD_FILES])
def test_cli_run_refuses_bad_file_and_writes_nothing(path: Path, run_cli, tmp_path):
    field, fragment = expectation(path)
    out = tmp_path / "out"
    r = run_cli("run", path, "--out", out, "--quiet")
    assert r.code == 2, r
    assert "nothing was run" in r.err
    prefix = f"{path}: {field}: " if field else f"{path}: "
    assert any(ln.strip().startswith(prefix) and fragment in ln for ln in r.err.splitlines()), r
    assert r.out == ""
    assert list(tmp_path.iterdir()) == [], "an invalid scenario must not create anything"


def _has_line(err: str, path: Path, field: str, fragment: str) -> bool:
    prefix = f"{path}: {field}: " if field else f"{path}: "
    return any(ln.strip().startswith(prefix) and fragment in ln for ln in err.splitlines())


def test_cli_subprocess_validate_exit_2_without_traceback(run_cli_subprocess):
    repo = BAD_DIR.parents[2]
    rel = [p.relative_to(repo) for p in BAD_FILES]
    r = run_cli_subprocess("validate", *rel, cwd=repo)
    assert r.code == 2, r
    assert "Traceback" not in r.err, r
    for path in rel:
        assert _has_line(r.err, path, *expectation(repo / path)), (path, r.err)


@pytest.mark.parametrize("stem", ["event_date_outside_run", "invalid_toml"])
def test_cli_subprocess_run_exit_2_without_traceback(stem, run_cli_subprocess, tmp_path):
    repo = BAD_DIR.parents[2]
    path = Path("tests/data/bad_scenarios") / f"{stem}.toml"
    out = tmp_path / "out"
    r = run_cli_subprocess("run", path, "--out", out, cwd=repo)
    assert r.code == 2, r
    assert "Traceback" not in r.err, r
    assert _has_line(r.err, path, *expectation(repo / path)), r
    assert not out.exists()
