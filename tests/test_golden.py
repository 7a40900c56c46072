"""Golden trajectories: full short runs pinned to 1e-9 (see tests/refresh_golden.py).

If this fails after an intended change (recalibrated defaults, a new equation),
refresh with ``python tests/refresh_golden.py`` and commit ``tests/golden/``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scripts import load_script

# tests/ is not a package: load the refresh script by path
golden = load_script("tests/refresh_golden.py", "resetsim_tests_refresh_golden")

CASES = {c.name: c for c in golden.CASES}


def explain(case, diffs: list[str]) -> str:
    return (
        f"{case.path.name} no longer matches {case.scenario.name} "
        f"(seed {case.seed}, {case.runs} runs):\n  "
        + "\n  ".join(diffs)
        + f"\nIf the change is intended, refresh with `{golden.REFRESH_COMMAND}` "
        "and commit tests/golden/ saying why; otherwise this is a regression."
    )


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("engine", ["compiled", "ensemble", "mesa"])
def test_trajectory_matches_golden(name, engine):
    case = CASES[name]
    assert case.path.exists(), f"missing {case.path}; create it with `{golden.REFRESH_COMMAND}`"
    diffs = golden.differences(case, golden.read(case.path), golden.compute(case, engine))
    assert not diffs, explain(case, diffs)


def test_golden_files_cover_every_column_and_quarter():
    from resetsim.engines.ensemble import columns
    from resetsim.scenario import as_compiled

    for case in golden.CASES:
        frame = golden.read(case.path)
        compiled = as_compiled(case.scenario)
        assert set(columns(compiled.state_ids)) <= set(frame.columns)
        assert len(frame) == case.runs * compiled.n_ticks
        assert list(frame["date"][: compiled.n_ticks]) == compiled.dates


def test_write_read_round_trip_is_exact(tmp_path, monkeypatch):
    monkeypatch.setattr(golden, "GOLDEN_DIR", tmp_path)
    case = CASES["short_stochastic"]
    frame = golden.compute(case)
    golden.write(case, frame)
    assert case.path.parent == tmp_path
    back = golden.read(case.path)
    assert golden.differences(case, back, frame) == []
    for col in frame.columns:
        if pd.api.types.is_numeric_dtype(frame[col]):
            np.testing.assert_array_equal(back[col].to_numpy(), frame[col].to_numpy())
    text = case.path.read_text("utf-8")
    assert text.startswith("# golden trajectory: tests/data/short_stochastic.toml")
    assert golden.REFRESH_COMMAND in text.splitlines()[1]


def test_differences_name_the_column_and_the_refresh_command():
    case = CASES["short_stochastic"]
    expected = golden.read(case.path)
    actual = expected.copy()
    actual.loc[5, "rus_trust"] += 1e-8
    actual.loc[7, "usa_leader"] = "Someone else"
    diffs = golden.differences(case, expected, actual)
    assert len(diffs) == 2
    assert diffs[0].startswith("rus_trust: max |change| 1e-08")
    assert diffs[1].startswith("usa_leader: 1 rows differ")
    assert golden.REFRESH_COMMAND in explain(case, diffs)
    within = expected.copy()
    within.loc[5, "rus_trust"] += 1e-12
    assert golden.differences(case, expected, within) == []
    assert "columns changed" in golden.differences(case, expected, expected.drop(columns="run"))[0]
