"""What `resetsim run` shows and writes as it goes: the progress of every phase
and the trajectory table in either format, streamed block by block."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from resetsim.core import io
from resetsim.scenario import load

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"
MINIMAL = DATA / "minimal.toml"
HISTORY = REPO / "scenarios" / "history_1989_2021.toml"


# ------------------------------------------------------------ progress of every phase


def test_run_reports_every_phase_in_order(tmp_path):
    from resetsim.api import run_into

    seen: list[str] = []
    run_into(tmp_path, load(HISTORY), runs=2, progress=False, on_phase=seen.append)
    assert seen == ["simulate", "detect", "write", "plot"]


def test_forced_bars_show_each_phase_on_stderr(tmp_path):
    import contextlib
    import io as stdio

    from resetsim.api import run_into

    err = stdio.StringIO()
    with contextlib.redirect_stderr(err):
        run_into(tmp_path, load(DATA / "minimal.toml"), runs=3, progress=True)
    text = err.getvalue()
    for phase, unit in [("simulate", "run"), ("detect", "step"), ("write", "file")]:
        assert re.search(rf"minimal: {phase}: 100%\|.*\| \d+/\d+ \[.*{unit}", text), (phase, text)
    assert "minimal: plot: 100%" in text


def test_run_shows_no_bar_when_stderr_is_not_a_terminal(run_cli, tmp_path):
    r = run_cli("run", MINIMAL, "--out", tmp_path / "o", "--runs", "2")
    assert r.code == 0 and r.err == f"wrote {tmp_path / 'o'}/\n", r


# ------------------------------------------------------------ run --table-format parquet


def test_parquet_trajectory_has_the_csv_s_columns_and_values(run_cli, tmp_path):
    import numpy as np
    import pandas as pd

    args = ("run", HISTORY, "--runs", "3", "--seed", "5", "--quiet")
    assert run_cli(*args, "--out", tmp_path / "csv").code == 0
    r = run_cli(*args, "--out", tmp_path / "pq", "--table-format", "parquet")
    assert r.code == 0, r
    csv_files = sorted(p.name for p in (tmp_path / "csv").iterdir())
    pq_files = sorted(p.name for p in (tmp_path / "pq").iterdir())
    assert pq_files == [n.replace("trajectory.csv", "trajectory.parquet") for n in csv_files]
    for name in csv_files:  # everything else is the same, byte for byte
        if name not in ("trajectory.csv", io.MARKER):  # the marker lists the table's name
            a, b = (tmp_path / d / name for d in ("csv", "pq"))
            assert a.read_bytes() == b.read_bytes(), name
    csv = pd.read_csv(tmp_path / "csv" / "trajectory.csv")
    par = pd.read_parquet(tmp_path / "pq" / "trajectory.parquet")
    assert list(par.columns) == list(csv.columns) and len(par) == len(csv) == 3 * 132
    for col in csv.columns:
        if csv[col].dtype == float:
            assert par[col].dtype == float
            assert np.allclose(par[col], csv[col], rtol=0, atol=5.0001e-7), col  # CSV: %.6f
        else:
            assert par[col].tolist() == csv[col].tolist(), col
    # the Parquet values are the run's, unrounded
    from resetsim.engines.runner import run_scenario

    full = run_scenario(load(HISTORY), runs=3, seed=5).frame()
    pd.testing.assert_frame_equal(par, full)


@pytest.mark.parametrize("table_format", ["csv", "parquet"])
def test_streamed_tables_do_not_depend_on_chunks_or_blocks(tmp_path, monkeypatch, table_format):
    import pandas as pd

    from resetsim.api import run_into
    from resetsim.engines.runner import run_scenario
    from resetsim.output import trajectory

    full = run_scenario(load(MINIMAL), runs=7, seed=2)
    ref = tmp_path / "ref"
    ref.mkdir()
    full.write_csv(ref / "trajectory.csv")
    monkeypatch.setattr(trajectory, "BLOCK", 2)
    streamed, _ = run_into(
        tmp_path, load(MINIMAL), runs=7, seed=2, table_format=table_format, chunk_size=3,
        progress=False,
    )  # fmt: skip
    assert sorted(streamed.trajectories.data) == ["cooperation", "rus_trust", "usa_trust"]
    for k, v in streamed.trajectories.data.items():
        assert (v == full[k]).all()
    if table_format == "csv":
        assert (tmp_path / "trajectory.csv").read_bytes() == (ref / "trajectory.csv").read_bytes()
    else:
        import pyarrow.parquet as pq

        path = tmp_path / "trajectory.parquet"
        assert pq.ParquetFile(path).metadata.num_row_groups == 5  # chunks 3+3+1, blocks <= 2
        pd.testing.assert_frame_equal(pd.read_parquet(path), full.frame())


def test_an_unknown_table_format_is_refused(run_cli, tmp_path):
    r = run_cli("run", MINIMAL, "--out", tmp_path / "o", "--table-format", "xlsx")
    assert r.code == 2 and "--table-format: invalid choice: 'xlsx'" in r.err, r
    assert not (tmp_path / "o").exists()
