"""Fuzzing: mutated scenario and experiment files never end in a traceback.

Hypothesis mutates the shipped files, both as data (a value of another type or
out of bounds, a strange date, a bad or duplicate id, a deleted or misspelt
key, a duplicated item) and as bytes (a byte-order mark, Latin-1 or UTF-16,
truncation, a lost or doubled line, stray bytes).  Whatever comes out,
loading it either succeeds or raises :class:`ScenarioError` whose problems
each name a file and fit on one line; ``resetsim validate`` exits 0 or 2 and
prints no traceback.  The shipped folders are copied once into a temporary
folder, so ``extends``, ``targets`` and an experiment's ``scenario`` resolve.
"""

from __future__ import annotations

import copy
import datetime as dt
import importlib
import math
import re
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resetsim.core.config import ScenarioError
from resetsim.scenario import load

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = sorted(p.name for p in (REPO / "scenarios").glob("*.toml"))
EXPERIMENTS = sorted(p.name for p in (REPO / "experiments").glob("*.toml"))

FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,  # the same examples every run: a failure reproduces
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def experiment_loader():
    """The experiment loader (``resetsim.experiments.load``, or the older
    ``resetsim.experiments.design.load``)."""
    package = importlib.import_module("resetsim.experiments")
    if hasattr(package, "load"):
        return package.load
    return importlib.import_module("resetsim.experiments.design").load


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    """A copy of ``scenarios/`` and ``experiments/`` to write mutants beside."""
    root = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(REPO / "scenarios", root / "scenarios")
    shutil.copytree(REPO / "experiments", root / "experiments")
    return root


# ------------------------------------------------------------------ writing TOML


def _key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else _string(k)


def _string(s: str) -> str:
    out = []
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ch == "\x7f":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, (dt.date, dt.datetime, dt.time)):
        return v.isoformat()
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v if x is not None) + "]"
    if isinstance(v, dict):
        items = ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items() if x is not None)
        return "{" + items + "}"
    raise TypeError(type(v))  # pragma: no cover


def dumps(raw: dict[str, Any]) -> str:
    """TOML text for ``raw`` (every table inline: one ``key = value`` per line)."""
    return "".join(f"{_key(k)} = {_value(v)}\n" for k, v in raw.items() if v is not None)


def test_dumps_round_trips_every_shipped_file():
    for folder in ("scenarios", "experiments"):
        for path in sorted((REPO / folder).glob("*.toml")):
            raw = tomllib.loads(path.read_text("utf-8"))
            assert tomllib.loads(dumps(raw)) == raw, path


# ------------------------------------------------------------------ mutations

INT64 = 2**63 - 1
WEIRD = st.one_of(
    st.booleans(),
    st.integers(-INT64, INT64),
    st.sampled_from([0, -1, 1, 2, 5, 13, 400, 10**9, -(10**12)]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, -0.5, 1.5, 1e-300, 1e308, 12.5]),
    st.text(max_size=12),
    st.sampled_from(["", " ", "usa", "rus", "summit", "none", "Ü", "a" * 60]),
    st.dates(),
    st.lists(st.integers(-3, 3), max_size=3),
    st.dictionaries(st.sampled_from(["a", "id", "kind", "x"]), st.integers(0, 3), max_size=2),
)
DATES = st.one_of(
    st.sampled_from(
        [
            "2001Q5",
            "2001Q0",
            "2001-02-30",
            "2001-13",
            "01-01-2001",
            "1700",
            "9999Q4",
            "0000-01-01",
            "2001 Q3",
            "2100-01-01",
            "1989Q1",
            "",
        ]
    ),
    st.integers(-5, 100_000),
    st.dates(),
)
IDS = st.sampled_from(["", "Bad Id", "1st", "x" * 40, "id-with-dash", "putin_2", "crimea", "usa"])


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path to a value inside ``node`` (keys and indices)."""
    out = []
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for k, v in items:
        out.append((*prefix, k))
        if isinstance(v, (dict, list)):
            out.extend(_paths(v, (*prefix, k)))
    return out


def _parent(raw: Any, path: tuple) -> Any:
    for k in path[:-1]:
        raw = raw[k]
    return raw


@st.composite
def data_mutation(draw, raw: dict[str, Any]) -> dict[str, Any]:
    """``raw`` with one to three values changed, deleted or renamed."""
    raw = copy.deepcopy(raw)
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(raw)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent, key = _parent(raw, path), path[-1]
        op = draw(
            st.sampled_from(["delete", "value", "date", "id", "bound", "rename", "duplicate"])
        )
        if op == "delete":
            del parent[key]
        elif op == "value":
            parent[key] = draw(WEIRD)
        elif op == "date":
            parent[key] = draw(DATES)
        elif op == "id":
            parent[key] = draw(IDS)
        elif op == "bound":
            parent[key] = draw(st.sampled_from([-1, -0.01, 1.01, 2, 7.0, 1e6, 10**7, 0]))
        elif op == "rename" and isinstance(parent, dict):
            parent[str(key) + draw(st.sampled_from(["x", "_", "s"]))] = parent.pop(key)
        elif op == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[key]))
    return raw


@st.composite
def byte_mutation(draw, data: bytes) -> bytes:
    """``data`` re-encoded, cut or garbled."""
    op = draw(
        st.sampled_from(["bom", "latin1", "utf16", "truncate", "drop_line", "double_line", "junk"])
    )
    if op == "bom":
        return b"\xef\xbb\xbf" + data
    if op == "latin1":
        return data.decode("utf-8").encode("latin-1", errors="replace")
    if op == "utf16":
        return data.decode("utf-8").encode("utf-16")
    if op == "truncate":
        return data[: draw(st.integers(0, len(data)))]
    lines = data.split(b"\n")
    i = draw(st.integers(0, len(lines) - 1))
    if op == "drop_line":
        del lines[i]
    elif op == "double_line":
        lines.insert(i, lines[i])
    else:
        lines[i] = lines[i] + draw(st.binary(min_size=1, max_size=6))
    return b"\n".join(lines)


# ------------------------------------------------------------------ checks


def check_problems(exc: ScenarioError, root: Path) -> None:
    """Each problem names a file (the mutant or one it refers to) and is one line."""
    assert exc.problems
    for file, where, message in exc.problems:
        assert file and (file.startswith(str(root)) or Path(file).exists()), (file, message)
        assert "\n" not in f"{where}{message}" and message, (file, where, message)
        assert "Traceback" not in message


def check_validate(run_cli, path: Path, root: Path) -> int:
    """``resetsim validate path``: exit 0, or 2 with one line per problem, each
    naming a file (the mutant or one it refers to); never a traceback."""
    r = run_cli("validate", path)
    assert r.code in (0, 2), r
    assert "Traceback" not in r.err, r
    if r.code == 2:
        lines = r.err.splitlines()
        assert lines, r
        for line in lines:
            assert line.startswith(str(root)) and ": " in line, r
    return r.code


def mutant_path(root: Path, folder: str, name: str) -> Path:
    return root / folder / f"_fuzz_{name}"


# ------------------------------------------------------------------ the fuzz tests


@FUZZ
@given(name=st.sampled_from(SCENARIOS), data=st.data())
def test_mutated_scenarios_fail_cleanly(tree, run_cli, name, data):
    raw = tomllib.loads((tree / "scenarios" / name).read_text("utf-8"))
    path = mutant_path(tree, "scenarios", name)
    path.write_text(dumps(data.draw(data_mutation(raw))), "utf-8")
    check_validate(run_cli, path, tree)


@FUZZ
@given(name=st.sampled_from(SCENARIOS), data=st.data())
def test_garbled_scenario_bytes_fail_cleanly(tree, run_cli, name, data):
    original = (tree / "scenarios" / name).read_bytes()
    mutated = data.draw(byte_mutation(original))
    path = mutant_path(tree, "scenarios", name)
    path.write_bytes(mutated)
    code = check_validate(run_cli, path, tree)
    if mutated == b"\xef\xbb\xbf" + original:
        assert code == 0, "a byte-order mark alone must be fine"


def test_a_loader_error_names_the_file_on_one_line(tree):
    path = mutant_path(tree, "scenarios", "check.toml")
    path.write_text('name = 5\nstates = [1, 2, 3]\nstart = "2001Q5"\n', "utf-8")
    with pytest.raises(ScenarioError) as info:
        load(path)
    check_problems(info.value, tree)


@settings(FUZZ, max_examples=30)
@given(name=st.sampled_from(EXPERIMENTS), data=st.data())
def test_mutated_experiments_fail_cleanly(tree, name, data):
    raw = tomllib.loads((tree / "experiments" / name).read_text("utf-8"))
    path = mutant_path(tree, "experiments", name)
    path.write_text(dumps(data.draw(data_mutation(raw))), "utf-8")
    try:
        experiment_loader()(path)
    except ScenarioError as exc:
        check_problems(exc, tree)


@settings(FUZZ, max_examples=30)
@given(name=st.sampled_from(EXPERIMENTS), data=st.data())
def test_garbled_experiment_bytes_fail_cleanly(tree, name, data):
    original = (tree / "experiments" / name).read_bytes()
    path = mutant_path(tree, "experiments", name)
    path.write_bytes(data.draw(byte_mutation(original)))
    try:
        experiment_loader()(path)
    except ScenarioError as exc:
        check_problems(exc, tree)


# ------------------------------------------------------------------ strict experiment types

#: An experiment's typed top-level fields and the Python type a loaded value has.
TYPED = {
    "replications": int,
    "seed": int,
    "chunk_size": int,
    "common_random_numbers": bool,
    "trajectories": bool,
}


@settings(FUZZ, max_examples=30)
@given(name=st.sampled_from(EXPERIMENTS), field=st.sampled_from(sorted(TYPED)), value=WEIRD)
def test_an_experiment_keeps_each_typed_value_exactly_or_refuses_it(tree, name, field, value):
    """No conversion: a loaded experiment holds the very value the file gave
    (a string, a float or a boolean for a count is refused, and so is text
    for a flag), and a refusal names the field."""
    raw = tomllib.loads((tree / "experiments" / name).read_text("utf-8"))
    raw[field] = value
    path = mutant_path(tree, "experiments", f"typed_{name}")
    path.write_text(dumps(raw), "utf-8")
    try:
        exp = experiment_loader()(path)
    except ScenarioError as exc:
        check_problems(exc, tree)
        return
    got = getattr(exp, field)
    assert type(got) is TYPED[field] and got == value, (field, value, got)


# ------------------------------------------------------------------ power tables

CELLS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["nan", "inf", "-inf", "1e308", "-1", "0", "", " ", "x", "1,5", "1e-320"]),
    st.integers(-5, 10**6).map(str),
    st.text(max_size=4),
)
YEARS = st.one_of(st.integers(1990, 1996).map(str), st.sampled_from(["", "x", "2000.5", "-5"]))


@st.composite
def power_table(draw) -> bytes:
    rows = draw(st.lists(st.tuples(YEARS, CELLS, CELLS), min_size=0, max_size=6))
    text = "year,aa,bb\n" + "".join(f"{y},{a},{b}\n" for y, a, b in rows)
    data = text.encode("utf-8", errors="surrogatepass")
    return draw(byte_mutation(data)) if draw(st.booleans()) and data.count(b"\n") > 1 else data


@settings(FUZZ, max_examples=40)
@given(table=power_table(), projection=st.sampled_from(["hold", "trend"]))
def test_a_fuzzed_power_table_is_refused_in_one_line_or_gives_finite_shares(
    tree, run_cli, table, projection
):
    from resetsim.scenario import compile_scenario
    from scenario_text import tiny_scenario

    folder = tree / "power_fuzz"
    folder.mkdir(exist_ok=True)
    (folder / "power.csv").write_bytes(table)
    text = tiny_scenario("p", start="1990Q1", end="1999Q4").replace(
        'source = "constant"\nconstant = { aa = 0.6, bb = 0.4 }',
        f'source = "file"\nfile = "power.csv"\nprojection = "{projection}"',
    )
    path = folder / "s.toml"
    path.write_text(text, "utf-8")
    if check_validate(run_cli, path, tree) == 0:
        import numpy as np

        power = compile_scenario(load(path)).power_base
        assert np.isfinite(power).all() and (power >= 0).all() and (power <= 1).all()
