"""``resetsim compare A B``: same seeds, paired differences, files; the shipped
counterfactual scenarios; ``resetsim calibrate`` on a tiny search."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from resetsim.engines.randomness import replication_seeds
from resetsim.engines.runner import run_scenario
from resetsim.scenario import load
from scenario_text import tiny_scenario

BASE = tiny_scenario(
    "base",
    end="2007Q4",
    runs=6,
    seed=7,
    events=[
        {"id": "window", "date": "2001Q2", "kind": "common_threat", "actor": "aa"},
        {"id": "war", "date": "2004Q1", "kind": "military_conflict", "actor": "bb"},
    ],
)

NO_WAR = """
extends = "base.toml"
name = "no_war"
remove_events = ["war"]
"""


@pytest.fixture
def files(tmp_path):
    (tmp_path / "base.toml").write_text(BASE)
    (tmp_path / "no_war.toml").write_text(NO_WAR)
    (tmp_path / "same.toml").write_text('extends = "base.toml"\nname = "same"\n')
    return tmp_path


def test_compare_writes_tables_and_figure(files, run_cli):
    out = files / "cmp"
    r = run_cli("compare", files / "base.toml", files / "no_war.toml", "--out", out)
    assert r.code == 0, r
    assert "no_war vs base: 6 runs each on the same seeds (seed 7)" in r.out
    table = pd.read_csv(out / "compare.csv")
    assert len(table) == 32 and table["date"].iloc[0] == "2000-01-01"
    for col in (
        "aa_trust_median_a",
        "aa_trust_median_b",
        "aa_trust_diff_median",
        "bb_trust_diff_q05",
        "index_diff_q95",
    ):
        assert col in table.columns
    # before the war (2004Q1) the runs are identical; after it, B trusts more
    before = table[table["date"] < "2004-01-01"]
    assert np.allclose(before.filter(like="_diff_").to_numpy(), 0.0)
    after = table[table["date"] >= "2004-01-01"]
    assert (after["aa_trust_diff_median"] > 0).all()
    metrics = pd.read_csv(out / "metrics.csv").set_index("metric")
    assert {"resets", "cycles", "trough_trend", "mean_aa_trust"} <= set(metrics.index)
    assert metrics.loc["mean_aa_trust", "mean_diff"] > 0
    assert metrics.loc["mean_aa_trust", "share_b_greater"] == 1.0
    assert (out / "compare.png").stat().st_size > 10_000


def test_same_scenario_twice_gives_zero_difference(files, run_cli):
    out = files / "cmp"
    r = run_cli(
        "compare",
        files / "base.toml",
        files / "same.toml",
        "--out",
        out,
        "--quiet",
        "--runs",
        "3",
        "--seed",
        "11",
    )
    assert r.code == 0 and r.out == "", r
    table = pd.read_csv(out / "compare.csv")
    assert np.allclose(table.filter(like="_diff_").to_numpy(), 0.0)
    metrics = pd.read_csv(out / "metrics.csv")
    assert np.allclose(metrics["mean_diff"].dropna(), 0.0)


def test_compare_is_deterministic(files, run_cli):
    for name in ("one", "two"):
        r = run_cli(
            "compare",
            files / "base.toml",
            files / "no_war.toml",
            "--out",
            files / name,
            "--quiet",
            "--runs",
            "3",
        )
        assert r.code == 0, r
    for f in ("compare.csv", "metrics.csv", "compare.png"):
        assert (files / "one" / f).read_bytes() == (files / "two" / f).read_bytes(), f


def test_compare_refuses_bad_input_and_writes_nothing(files, run_cli):
    other = BASE.replace('id = "bb"', 'id = "cc"').replace('state = "bb"', 'state = "cc"')
    other = other.replace('actor = "bb"', 'actor = "cc"').replace("bb = 0.4", "cc = 0.4")
    (files / "other.toml").write_text(other)
    r = run_cli("compare", files / "base.toml", files / "other.toml", "--out", files / "x")
    assert r.code == 2 and "different states" in r.err and not (files / "x").exists()
    r = run_cli("compare", files / "base.toml", files / "missing.toml", "--out", files / "x")
    assert r.code == 2 and "file not found" in r.err and not (files / "x").exists()
    r = run_cli(
        "compare", files / "base.toml", files / "same.toml", "--runs", "0", "--out", files / "x"
    )
    assert r.code == 2 and not (files / "x").exists()
    (files / "x").mkdir()
    (files / "x" / "keep").write_text("")
    r = run_cli("compare", files / "base.toml", files / "same.toml", "--out", files / "x")
    assert r.code == 2 and "not empty" in r.err


@pytest.mark.parametrize(
    ("name", "removed"),
    [
        ("counterfactual_no_9_11", {"nine_eleven"}),
        ("counterfactual_no_nato_enlargement", {"nato_1999", "baltic_nato"}),
        ("counterfactual_no_crimea", {"crimea", "crimea_sanctions"}),
    ],
)
def test_shipped_counterfactuals_remove_events_from_the_history(scenarios_dir, name, removed):
    history = load(scenarios_dir / "history_1989_2021.toml")
    cf = load(scenarios_dir / f"{name}.toml")
    ids = {e.id for e in history.events}
    assert {e.id for e in cf.events} == ids - removed
    assert cf.targets == history.targets and cf.start == history.start and cf.end == history.end


def test_counterfactual_compare_on_the_history(scenarios_dir, tmp_path, run_cli):
    r = run_cli(
        "compare",
        scenarios_dir / "history_1989_2021.toml",
        scenarios_dir / "counterfactual_no_crimea.toml",
        "--runs",
        "4",
        "--out",
        tmp_path / "c",
    )
    assert r.code == 0, r
    table = pd.read_csv(tmp_path / "c" / "compare.csv").set_index("date")
    # identical up to the annexation, and without it both trust more afterwards
    assert np.allclose(table.loc[:"2013-10-01"].filter(like="_diff_").to_numpy(), 0.0)
    assert table.loc["2015-01-01", "usa_trust_diff_median"] > 0
    assert "fidelity_score" in r.out


def test_calibrate_runs_a_tiny_search(scenarios_dir, tmp_path, run_cli):
    r = run_cli(
        "calibrate",
        scenarios_dir / "history_1989_2021.toml",
        "--params",
        "w_leader,trust_erode",
        "--population",
        "6",
        "--generations",
        "1",
        "--replicates",
        "1",
        "--predictive",
        "3",
        "--out",
        tmp_path / "cal",
        "--quiet",
    )
    assert r.code == 0, r
    post = pd.read_parquet(tmp_path / "cal" / "posterior.parquet")
    assert list(post.columns) == ["w_leader", "trust_erode", "weight"]
    r = run_cli("calibrate", tmp_path / "nowhere.toml")
    assert r.code == 2
    (tmp_path / "t.toml").write_text(BASE)
    r = run_cli("calibrate", tmp_path / "t.toml", "--out", tmp_path / "c2")
    assert r.code == 2 and "names no targets" in r.err


# --------------------------------------------------------------------------
# different periods, meta.json


@pytest.fixture
def short(files):
    """``short.toml``: the base scenario from 2002Q1 to 2005Q4 (base: 2000Q1-2007Q4)."""
    text = BASE.replace('start = "2000Q1"\nend = "2007Q4"', 'start = "2002Q1"\nend = "2005Q4"')
    text = text.replace('start = "2000Q1"', 'start = "2002Q1"').replace('"2001Q2"', '"2002Q2"')
    (files / "short.toml").write_text(text.replace('name = "base"', 'name = "short"'))
    return files / "short.toml"


def test_compare_refuses_different_periods_in_one_line(files, short, run_cli):
    out = files / "cmp"
    r = run_cli("compare", files / "base.toml", short, "--out", out)
    assert r.code == 2 and "Traceback" not in r.err, r
    assert r.err == (
        f"error: {short}: start, end: its period 2002Q1-2005Q4 differs from "
        f"{files / 'base.toml'}'s 2000Q1-2007Q4; give both the same start and end, or pass "
        "--allow-different-periods to compare only the 16 quarters both cover (2002Q1-2005Q4)\n"
    )
    assert not out.exists()


def test_compare_of_scenarios_sharing_no_quarter_is_refused(files, run_cli):
    late = BASE.replace('start = "2000Q1"\nend = "2007Q4"', 'start = "2010Q1"\nend = "2011Q4"')
    late = late.replace('start = "2000Q1"', 'start = "2010Q1"')
    late = late.replace('"2001Q2"', '"2010Q2"').replace('"2004Q1"', '"2011Q1"')
    (files / "late.toml").write_text(late)
    out = files / "cmp"
    r = run_cli("compare", files / "base.toml", files / "late.toml", "--out", out)
    r2 = run_cli(
        "compare", files / "base.toml", files / "late.toml", "--out", out,
        "--allow-different-periods",
    )  # fmt: skip
    for res in (r, r2):
        assert res.code == 2 and "shares no quarter with" in res.err, res
        assert len(res.err.splitlines()) == 1
    assert not out.exists()


def test_compare_allowed_different_periods_uses_the_common_quarters(files, short, run_cli):
    out = files / "cmp"
    r = run_cli(
        "compare", files / "base.toml", short, "--out", out, "--allow-different-periods"
    )  # fmt: skip
    assert r.code == 0, r
    assert (
        "periods differ (A 2000Q1-2007Q4, B 2002Q1-2005Q4): compared over the 16 quarters "
        "both cover, 2002Q1-2005Q4, without the fidelity metrics" in r.out
    )
    table = pd.read_csv(out / "compare.csv")
    assert table["date"].iloc[0] == "2002-01-01" and len(table) == 16
    metrics = pd.read_csv(out / "metrics.csv").set_index("metric")
    # paired metrics over the common quarters only: A's mean trust is its mean over 2002-2005
    ra = run_scenario(load(files / "base.toml"))
    mean_a = ra["aa_trust"][:, 8:24].mean(axis=1).mean()
    assert metrics.loc["mean_aa_trust", "mean_a"] == pytest.approx(mean_a, abs=1e-6)
    assert ra["aa_trust"][:, :].mean() != pytest.approx(mean_a, abs=1e-6)
    meta = json.loads((out / "meta.json").read_text("utf-8"))
    assert meta["periods"] == {
        "a": "2000Q1-2007Q4",
        "b": "2002Q1-2005Q4",
        "compared": "2002Q1-2005Q4",
        "quarters_compared": 16,
    }


def test_compare_writes_meta_json(files, run_cli):
    out = files / "cmp"
    r = run_cli("compare", files / "base.toml", files / "no_war.toml", "--out", out, "--seed", "3")
    assert r.code == 0, r
    assert "periods differ" not in r.out
    meta = json.loads((out / "meta.json").read_text("utf-8"))
    assert meta["seed"] == 3 and meta["runs"] == 6 and meta["engine"] == "compiled"
    assert meta["seeds"] == [int(s) for s in replication_seeds(3, 6)]
    assert meta["scenarios"]["a"]["name"] == "base" and meta["scenarios"]["b"]["name"] == "no_war"
    assert [e["id"] for e in meta["scenarios"]["b"]["events"]] == ["window"]
    assert set(meta["parameters"]["a"]) == set(meta["parameters"]["b"])
    assert meta["resetsim_version"] and "git_commit" in meta and "numpy" in meta["versions"]
    assert meta["periods"]["quarters_compared"] == 32
