"""Mechanism selection (``resetsim select``, docs/SELECTION.md): the cost of a
removal, the backward elimination, its agreement with the ladder, the command."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from resetsim.core import params as prm
from resetsim.experiments import ladder, selection
from resetsim.experiments import ladder_inputs as li
from resetsim.output.selection import FILES
from resetsim.scenario import as_compiled

ROOT = Path(__file__).resolve().parents[1]
HISTORY = ROOT / "scenarios" / "history_1989_2021.toml"
EXAMPLE = ROOT / "scenarios" / "example.toml"
TRAINING = ROOT / "scenarios" / "targets" / "observed" / "training.toml"
TINY = ["--origins", "2009", "--runs", "8", "--bootstrap", "100"]
TINY += ["--abc-population", "20", "--abc-generations", "1"]


def _cell(series, n, pers=2.0):
    return selection._Cell(series, 2009, 0, np.zeros(n), pers, 1.0)


def _loss(crps):
    crps = np.asarray(crps, dtype=float)
    return {"crps": crps, "sq": crps**2, "point": np.arange(len(crps), dtype=float)}


def test_cost_is_the_mean_change_of_crps_over_persistence_with_a_paired_interval():
    cells = [_cell("a", 4, pers=2.0), _cell("b", 3, pers=0.5)]
    ref = {("a", 2009): _loss([1, 1, 1, 1]), ("b", 2009): _loss([1, 1, 1])}
    var = {("a", 2009): _loss([2, 2, 2, 2]), ("b", 2009): _loss([1.5, 1.5, 1.5])}
    rng = np.random.default_rng(0)
    idx = [rng.integers(0, len(c.obs), size=(200, len(c.obs))) for c in cells]
    c = selection.cost(ref, var, cells, idx)
    # cell a: +1 / 2 = 0.5; cell b: +0.5 / 0.5 = 1.0; mean 0.75; constant shifts: no spread
    assert c["cost"] == pytest.approx(0.75)
    assert c["cost_lo"] == pytest.approx(0.75) and c["cost_hi"] == pytest.approx(0.75)
    assert c["cells_worse"] == 2 and c["cells"] == 2
    # a removal that helps in one year and hurts in another: the interval spans zero
    var2 = {("a", 2009): _loss([0, 2, 0, 2]), ("b", 2009): _loss([0.5, 1.5, 1.0])}
    c2 = selection.cost(ref, var2, cells, idx)
    assert c2["cost"] == pytest.approx(0.0)
    assert c2["cost_lo"] < 0 < c2["cost_hi"] and c2["cells_worse"] == 0


def test_the_log_aggregate_weighs_a_doubling_and_a_halving_alike():
    """Pooled as log ratios, a cell where removal doubles the CRPS and one
    where it halves it cancel, whatever persistence's CRPS in each cell; pooled
    as ratio differences (the rule), the cell with the small persistence CRPS
    dominates."""
    cells = [_cell("a", 3, pers=0.1), _cell("b", 3, pers=10.0)]
    ref = {("a", 2009): _loss([1, 1, 1]), ("b", 2009): _loss([4, 4, 4])}
    var = {("a", 2009): _loss([2, 2, 2]), ("b", 2009): _loss([2, 2, 2])}
    rng = np.random.default_rng(1)
    idx = [rng.integers(0, len(c.obs), size=(150, len(c.obs))) for c in cells]
    logged = selection.cost(ref, var, cells, idx, aggregate="log")
    assert logged["cost"] == pytest.approx(0.0, abs=1e-12)
    assert logged["cells_worse"] == 1  # cell a alone is worse without it
    mean = selection.cost(ref, var, cells, idx)
    assert mean["cost"] == pytest.approx(0.5 * (1 / 0.1 - 2 / 10.0))
    again = selection.cost(ref, var, cells, idx, aggregate="mean")
    assert [again[k] for k in ("cost", "cost_lo", "cost_hi")] == [
        mean[k] for k in ("cost", "cost_lo", "cost_hi")
    ]
    with pytest.raises(ValueError, match="aggregate"):
        selection.cost(ref, var, cells, idx, aggregate="median")


class _World:
    """A made-up world: removing A costs skill, removing B helps, C is noise."""

    def __init__(self, *args, **kwargs):
        self.effect = {"A": 0.5, "B": -0.3, "C": 0.0}
        self.recalibration = []
        self.calls: list[frozenset] = []

    def losses(self, off):
        self.calls.append(off)
        wiggle = np.array([0.4, -0.4, 0.3, -0.3, 0.0, 0.0])  # C's removal: mean 0, wide
        base = 1.0 + sum(self.effect[m] for m in off) + np.zeros(6)
        if "C" in off:
            base = base + wiggle
        return {("s", 2009): _loss(base)}


def test_backward_elimination_removes_what_does_not_earn_its_place(monkeypatch):
    monkeypatch.setattr(selection, "_Models", _World)
    monkeypatch.setattr(selection, "_cells", lambda *a: [_cell("s", 6, pers=1.0)])
    monkeypatch.setattr(selection, "candidates", lambda compiled: ["A", "B", "C"])
    monkeypatch.setattr(selection, "overrides_of", lambda off: {m: 0.0 for m in off})
    s = selection.select(HISTORY, TRAINING, origins=[2009], runs=2, n_boot=200)
    assert s.kept == ["A"] and s.removed == ["B", "C"]
    steps = s.steps.set_index(["step", "candidate"])
    # step 0: A earns its place, B's removal helps most and goes first
    assert steps.loc[(0, "A"), "earns_place"] and not steps.loc[(0, "A"), "removed"]
    assert steps.loc[(0, "B"), "removed"] and steps.loc[(0, "B"), "cost"] == pytest.approx(-0.3)
    # step 1, refitted without B: C's interval spans zero, so C goes
    assert steps.loc[(1, "C"), "cost_lo"] < 0 < steps.loc[(1, "C"), "cost_hi"]
    assert steps.loc[(1, "C"), "removed"] and steps.loc[(1, "C"), "already_off"] == "B"
    # step 2: only A is left and it earns its place: stop
    assert list(s.steps[s.steps["step"] == 2]["candidate"]) == ["A"]
    assert s.meta["switches_off"] == {"B": 0.0, "C": 0.0}
    assert s.meta["aggregate"] == "mean"
    # the printed header names what a cost is, per pooling
    from resetsim.output.selection import selection_lines

    assert "change of CRPS ÷ persistence's" in selection_lines(s)[1]
    s.meta["aggregate"] = "log"
    assert "change of log(CRPS ÷ persistence's)" in selection_lines(s)[1]
    with pytest.raises(ValueError, match="--aggregate"):
        selection.select(HISTORY, TRAINING, origins=[2009], runs=2, aggregate="max")


def test_candidates_are_the_switched_on_mechanisms_of_the_knock_out_table():
    c = as_compiled(HISTORY)
    on = selection.candidates(c)
    table = li.switch_table()
    assert "all" not in on and set(on) <= set(table)
    values = c.params()
    for name in table:
        if name == "all":
            continue
        is_on = any(float(values[k]) != v for k, v in table[name].items())
        assert (name in on) == is_on
    assert selection.overrides_of(on[:1]) == table[on[0]]


def test_an_opinion_mechanism_is_a_candidate_fitted_whenever_it_is_on():
    c = as_compiled(HISTORY)
    assert "memory" not in selection.candidates(c)  # off by default (round 2)
    post = list(c.posterior.names)
    assert li.fitted_names(c, {}) == post
    on = selection.starting_model(c, sets={"attitude_memory": 0.05})
    assert "memory" in selection.candidates(on)
    # on: its rate is refitted with the posterior's parameters ...
    assert li.fitted_names(on, {}) == [*post, "attitude_memory"]
    # ... and knocked out it is held at 0, not fitted
    assert li.fitted_names(on, selection.overrides_of(["memory"])) == post
    # a knock-out holds its switch; a held parameter is never also fitted
    assert li.fitted_names(on, {post[0]: 0.1}) == [*post[1:], "attitude_memory"]
    # the ladder knocks it out when it is on, and has no `full_with_memory`
    # (a rate the paper gives no value of)
    assert "full_without_memory" in li.model_rungs(on.params())
    assert not any("memory" in r for r in li.model_rungs(c.params()))
    # the paper's model leaves it as it is
    assert "attitude_memory" not in prm.paper_switches()


def test_events_that_last_are_a_candidate_fitted_whenever_on():
    c = as_compiled(HISTORY)
    assert "lasting" in selection.candidates(c)  # on by default since round 3
    post = list(c.posterior.names)
    assert "lasting_share" in post  # calibrated with the posterior's parameters
    assert li.fitted_names(c, {}) == post
    # knocked out it is held at 0, not fitted
    out = li.fitted_names(c, selection.overrides_of(["lasting"]))
    assert out == [n for n in post if n != "lasting_share"]
    assert "full_without_lasting" in li.model_rungs(c.params())
    off = selection.starting_model(c, sets={"lasting_share": 0.0})
    assert "lasting" not in selection.candidates(off)
    assert not any("lasting" in r for r in li.model_rungs(off.params()))
    assert "lasting_share" not in prm.paper_switches()


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    from resetsim.cli.main import main

    out = tmp_path_factory.mktemp("select") / "out"
    code = main(["select", str(HISTORY), "--observed", str(TRAINING), "--out", str(out), *TINY])
    assert code == 0
    return out


def test_the_command_writes_every_file_and_refits_each_model_with_its_switches(tiny_run):
    names = sorted(p.name for p in tiny_run.iterdir())
    assert names == sorted([*FILES, "selection.png", ".resetsim.json"])  # and resetsim's mark
    assert (tiny_run / "selection.png").stat().st_size > 10_000
    meta = json.loads((tiny_run / "meta.json").read_text())
    assert set(meta["kept"]) | set(meta["removed"]) == set(meta["candidates"])
    for r in meta["recalibration"]:
        assert r["fixed"] == selection.overrides_of(r["off"])
        assert r["evidence_until"] == "2009Q4"
    steps = pd.read_csv(tiny_run / "steps.csv")
    assert list(steps.loc[steps["removed"], "candidate"]) == meta["removed"]
    kept_last = steps[steps["step"] == steps["step"].max()]
    if meta["kept"]:
        assert kept_last["earns_place"].all()  # the stop: everything left earns its place


def test_the_reference_model_scores_as_the_ladders_recalibrated_full_model(tiny_run):
    """Step 0's model with nothing off is the ladder's ``full`` rung under
    ``--recalibrate-levels`` with the same budget: the same numbers."""
    a = ladder.assess(
        HISTORY,
        TRAINING,
        origins=[2009],
        runs=8,
        n_boot=0,
        recalibrate=True,
        recalibrate_levels=True,
        abc_population=20,
        abc_generations=1,
    )
    full = a.summary[a.summary["rung"] == "full"].set_index("series")["crps_ratio"]
    cells = pd.read_csv(tiny_run / "cells.csv")
    ref = cells[(cells["step"] == 0) & cells["off"].isna()].set_index("series")["crps_ratio"]
    assert len(ref) == len(full) == 3
    np.testing.assert_allclose(ref.sort_index(), full.sort_index(), rtol=1e-5)


def test_a_scenario_without_a_posterior_is_one_line(run_cli, tmp_path):
    r = run_cli("select", str(EXAMPLE), "--observed", str(TRAINING), "--out", str(tmp_path / "o"))
    assert r.code == 2, r
    assert len(r.err.strip().splitlines()) == 1 and "posterior" in r.err
    assert not (tmp_path / "o").exists()


def test_a_bad_observations_file_is_one_line_naming_it(run_cli, tmp_path):
    bad = tmp_path / "obs.toml"
    bad.write_text('name = "x"\n[[series]]\nid = "p"\nfile = "nowhere.csv"\n', encoding="utf-8")
    r = run_cli("select", str(HISTORY), "--observed", str(bad), "--out", str(tmp_path / "o"))
    assert r.code == 2 and len(r.err.strip().splitlines()) == 1 and "obs.toml" in r.err, r
    assert not (tmp_path / "o").exists()


def test_a_folder_resetsim_did_not_make_is_never_written_into(run_cli, tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("my notes", encoding="utf-8")
    r = run_cli("select", str(HISTORY), "--observed", str(TRAINING), "--out", str(out), *TINY)
    assert r.code == 2 and len(r.err.strip().splitlines()) == 1, r
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    assert (out / "notes.txt").read_text(encoding="utf-8") == "my notes"
    r = run_cli("select", str(HISTORY), "--observed", str(TRAINING), "--bootstrap", "5")
    assert r.code == 2 and "--bootstrap" in r.err


def test_the_python_api_gives_what_the_command_wrote(tiny_run, tmp_path):
    import resetsim

    s = resetsim.select(
        HISTORY,
        TRAINING,
        origins=[2009],
        runs=8,
        bootstrap=100,
        abc_population=20,
        abc_generations=1,
        out=tmp_path / "api",
    )
    meta = json.loads((tiny_run / "meta.json").read_text())
    assert (s.kept, s.removed) == (meta["kept"], meta["removed"])
    written = pd.read_csv(tiny_run / "steps.csv")
    np.testing.assert_allclose(s.steps["cost"], written["cost"], atol=1e-6)
    assert (tmp_path / "api" / "steps.csv").exists()
    paper = resetsim.select(
        HISTORY, TRAINING, origins=[2009], runs=8, bootstrap=100, paper=True,
        abc_population=20, abc_generations=1,
    )  # fmt: skip
    # the paper's model: every contradiction and the leader factor, not the
    # the resting level's memory, off; events that last stay as the defaults
    # have them (on since round 3)
    assert set(paper.meta["candidates"]) == set(li.switch_table()) - {"all", "memory"}


def test_a_selection_folder_gets_its_report(tiny_run, run_cli):
    from resetsim.output.report import folder_kind

    assert folder_kind(tiny_run) == "select"
    r = run_cli("report", str(tiny_run))
    assert r.code == 0, r
    text = (tiny_run / "report.html").read_text(encoding="utf-8")
    meta = json.loads((tiny_run / "meta.json").read_text())
    assert "Which mechanisms earn their place" in text and "steps.csv" in text
    assert f"kept: {', '.join(meta['kept']) or 'none'}" in text
    assert "data:image/png;base64," in text  # selection.png, inline
    assert "http://" not in text and "https://" not in text
    assert "cost: the mean over cells of the change of CRPS" in text
    assert "not scored" not in text  # every series is scored at 2009


def test_the_report_names_the_series_left_out_at_an_origin():
    from resetsim.output.report import not_scored_text

    assert not_scored_text({"not_scored": []}) == "" == not_scored_text({})
    rows = [{"series": "gallup", "origin": 1993}, {"series": "levada", "origin": 1997}]
    assert not_scored_text({"not_scored": rows}) == (
        "; not scored (too few training years): gallup at 1993, levada at 1997"
    )


def test_the_python_api_switches_an_option_on_as_the_command_does():
    import resetsim

    s = resetsim.select(
        HISTORY, TRAINING, origins=[2009], runs=8, bootstrap=100,
        abc_population=20, abc_generations=1, params={"attitude_memory": 0.05},
    )  # fmt: skip
    assert "memory" in s.meta["candidates"]
    fitted = {r["origin"]: r["parameters"] for r in s.meta["recalibration"] if not r["off"]}
    assert all("attitude_memory" in names for names in fitted.values())
    with pytest.raises(ValueError, match="attitude_memroy"):
        resetsim.select(HISTORY, TRAINING, params={"attitude_memroy": 0.05})


def test_a_rate_the_posterior_calibrates_is_not_fitted_when_set_to_zero():
    """A scenario run with an opinion mechanism's rate at 0 (round 1 re-run
    today: --set lasting_share=0) fits the posterior's other parameters only."""
    c = as_compiled(HISTORY)
    post = list(c.posterior.names)
    off = selection.starting_model(c, sets={"lasting_share": 0.0})
    assert li.fitted_names(off, {}) == [n for n in post if n != "lasting_share"]
