"""Events that last (round 3 of the selection, docs/SELECTION.md).

An event with an ``end`` (a date, or ``"ongoing"``) repeats ``lasting_share``
of its effects in every later quarter up to its end (on by default since
round 3); at ``lasting_share = 0`` a scenario with ends gives the same bytes
as one without.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resetsim.core import calendar as cal
from resetsim.core import params as prm
from resetsim.core import shocks as sh
from resetsim.core.config import ScenarioError
from resetsim.engines import ensemble
from resetsim.engines.randomness import replication_seeds
from resetsim.engines.runner import simulate_mesa
from resetsim.scenario import as_compiled
from resetsim.scenario.load import load

ROOT = Path(__file__).resolve().parents[1]
SHORT = ROOT / "tests" / "data" / "short_stochastic.toml"
HISTORY = ROOT / "scenarios" / "history_1989_2021.toml"

SCENARIO = """
name = "lasting"
start = "2008Q1"
end = "2012Q4"
seed = 1
[parameters]
trust_noise = 0.0
[[states]]
id = "usa"
[[states]]
id = "rus"
[[leaders]]
id = "a"
state = "usa"
name = "A"
start = "2008Q1"
disposition_code = 0
[[leaders]]
id = "b"
state = "rus"
name = "B"
start = "2008Q1"
disposition_code = 0
[[events]]
id = "war"
date = "2009-02-01"
kind = "military_conflict"
actor = "rus"
{end}
"""


def scenario(tmp_path: Path, end: str | None) -> Path:
    path = tmp_path / f"lasting_{abs(hash(end))}.toml"
    path.write_text(SCENARIO.format(end=f'end = "{end}"' if end else ""))
    return path


def lasting_rows(compiled) -> np.ndarray:
    """Per tick: does the schedule hold any lasting row?"""
    n = len(sh.ONSET_ROWS)
    return np.any(compiled.sched[:, n:, :] != 0, axis=(1, 2))


def test_rows_come_twice_and_lasting_rows_are_scaled_by_the_share():
    assert len(sh.ROWS) == 2 * len(sh.ONSET_ROWS)
    assert [r[:2] for r in sh.ROWS[: len(sh.ONSET_ROWS)]] == list(sh.ONSET_ROWS)
    assert all(r[2] for r in sh.ROWS[len(sh.ONSET_ROWS) :])
    p = prm.resolve({"lasting_share": 0.25})
    scales = sh.row_scales(p)
    n = len(sh.ONSET_ROWS)
    np.testing.assert_allclose(scales[n:], [0.25 * s for s in scales[:n]])
    off = sh.row_scales(prm.resolve({"lasting_share": 0.0}))
    assert all(s == 0 for s in off[n:])  # knocked out: the onset rows only
    assert off[:n] == sh.row_scales(prm.resolve({}))[:n]
    m = sh.effect_matrix(sh.library()["full_scale_war"], 1, 0, 1.0)
    moved = sh.lasting(m)
    np.testing.assert_array_equal(moved[n:], m[:n])
    assert not moved[:n].any()


def test_an_event_repeats_in_its_later_quarters_up_to_its_end(tmp_path):
    once = as_compiled(scenario(tmp_path, None))
    assert not lasting_rows(once).any()
    lasts = as_compiled(scenario(tmp_path, "2010-05-01"))
    t0 = cal.parse_quarter("2009-02-01") - cal.parse_quarter("2008Q1")
    t1 = cal.parse_quarter("2010-05-01") - cal.parse_quarter("2008Q1")
    want = np.zeros(once.n_ticks, dtype=bool)
    want[t0 + 1 : t1 + 1] = True
    np.testing.assert_array_equal(lasting_rows(lasts), want)
    n = len(sh.ONSET_ROWS)
    # each later quarter repeats the whole of the onset's effects, on the lasting rows
    np.testing.assert_array_equal(lasts.sched[t0 + 1, n:], once.sched[t0, :n])
    np.testing.assert_array_equal(lasts.sched[:, :n], once.sched[:, :n])
    # those quarters' slots are listed, so every engine applies them
    assert set(lasts.sched_slots[t0 + 1]) == set(np.flatnonzero(once.sched[t0].any(axis=0)))
    ongoing = as_compiled(scenario(tmp_path, "ongoing"))
    assert lasting_rows(ongoing)[t0 + 1 :].all()
    beyond = as_compiled(scenario(tmp_path, "2030-01-01"))  # clipped to the run
    np.testing.assert_array_equal(beyond.sched, ongoing.sched)
    same_quarter = as_compiled(scenario(tmp_path, "2009-03-01"))
    np.testing.assert_array_equal(same_quarter.sched, once.sched)


@pytest.mark.parametrize("end", ["2009-01-15", "2009Q1"])
def test_an_end_before_the_date_in_the_same_quarter_is_refused(tmp_path, end):
    """The event is dated 2009-02-01: 15 January is before it, though in its
    quarter; a quarter or month end starts that period, so 2009Q1 is before too."""
    with pytest.raises(ScenarioError) as err:
        load(scenario(tmp_path, end))
    assert "comes before the event's date" in str(err.value)
    load(scenario(tmp_path, "2009-02-01"))  # the same day: an event of one day


@pytest.mark.parametrize("value", ["2012.5", "true", '["2012"]'])
def test_an_end_of_the_wrong_type_gets_one_line(tmp_path, value):
    path = tmp_path / "wrong.toml"
    path.write_text(SCENARIO.format(end=f"end = {value}"))
    with pytest.raises(ScenarioError) as err:
        load(path)
    lines = [ln for ln in str(err.value).splitlines() if ln.strip()]
    assert len(lines) == 1, lines
    assert "events[0]" in lines[0] and ".end" in lines[0] and '"ongoing"' in lines[0]
    assert "function-before" not in lines[0] and "literal" not in lines[0]


def test_an_end_before_the_date_or_unreadable_is_refused_with_its_field(tmp_path):
    with pytest.raises(ScenarioError) as err:
        load(scenario(tmp_path, "2008-06-01"))
    assert "events[0] (id 'war').end" in str(err.value)
    assert "comes before the event's date" in str(err.value)
    with pytest.raises(ScenarioError) as err:
        load(scenario(tmp_path, "ongoin"))
    assert "events[0] (id 'war').end" in str(err.value)
    assert '"ongoing"' in str(err.value)


def trust(path: Path, share: float, seeds, engine=ensemble.simulate):
    out = engine(as_compiled(path), seeds, {"lasting_share": share})
    return out["usa_trust"], out["rus_trust"]


def test_at_share_zero_ends_change_no_byte(tmp_path):
    seeds = replication_seeds(7, 4)
    for end in ("2010-05-01", "ongoing"):
        a = trust(scenario(tmp_path, None), 0.0, seeds)
        b = trust(scenario(tmp_path, end), 0.0, seeds)
        for x, y in zip(a, b, strict=True):
            assert x.tobytes() == y.tobytes()


def test_a_lasting_breach_holds_trust_down_while_it_lasts_and_only_then(tmp_path):
    seeds = replication_seeds(7, 2)
    t0 = cal.parse_quarter("2009-02-01") - cal.parse_quarter("2008Q1")
    once = trust(scenario(tmp_path, None), 0.3, seeds)[0]
    lasts = trust(scenario(tmp_path, "2010-05-01"), 0.3, seeds)[0]
    np.testing.assert_array_equal(once[:, : t0 + 1], lasts[:, : t0 + 1])  # same until then
    t1 = cal.parse_quarter("2010-05-01") - cal.parse_quarter("2008Q1")
    assert np.all(lasts[:, t0 + 1 : t1 + 1] < once[:, t0 + 1 : t1 + 1])
    # after its end it stops repeating: the gap closes, as after any fall
    gap = once - lasts
    assert np.all(gap[:, -1] < gap[:, t1])


def test_engines_agree_with_lasting_events_on():
    compiled = as_compiled(HISTORY)
    seeds = replication_seeds(3, 6)
    share = {"lasting_share": 0.4}
    a = ensemble.simulate(compiled, seeds, share)
    b = simulate_mesa(compiled, seeds, share)
    for col in a.data:
        assert np.max(np.abs(a.data[col] - b.data[col])) <= 1e-9, col
    compiled_engine = pytest.importorskip("resetsim.engines.compiled")
    per_run = {"lasting_share": np.linspace(0.05, 0.9, 6)}  # one share per run
    a = ensemble.simulate(compiled, seeds, per_run)
    c = compiled_engine.simulate(compiled, seeds, per_run)
    for col in a.data:
        assert np.max(np.abs(a.data[col] - c.data[col])) <= 1e-9, col


def test_the_shipped_history_codes_its_wars_ends():
    ends = {ev.id: ev.end for ev in load(HISTORY).events if ev.end is not None}
    assert ends == {
        "bosnia": "1995-09-20",
        "kosovo": "1999-06-10",
        "chechnya_2": "2009-04-16",
        "georgia_war": "2008-08-12",
        "iraq": "2010-08-31",
        "libya": "2011-10-31",
        "syria": "ongoing",
    }


def test_the_biden_era_ends_syria_with_assad_and_keeps_the_invasion_going():
    events = {ev.id: ev for ev in load(ROOT / "scenarios" / "biden_era.toml").events}
    assert events["syria"].end == "2024-12-08"
    assert events["syria"].date == "2015-09-30"  # the history's campaign, its end known later
    assert events["invasion"].end == "ongoing"
    ex_ante = {ev.id: ev for ev in load(ROOT / "scenarios" / "biden_era_ex_ante.toml").events}
    assert ex_ante["syria"].end == "ongoing"  # what was known in June 2021


@settings(max_examples=25, deadline=None)
@given(
    share=st.floats(0.0, 1.0),
    more=st.floats(0.0, 1.0),
    quarters=st.integers(1, 12),
)
def test_more_lasting_never_raises_trust_under_a_lasting_breach(share, more, quarters):
    """Without noise, a breach that lasts longer or repeats a larger share
    leaves the target's trust no higher at the end of the run."""
    compiled = as_compiled(_lasting_file(quarters))
    longer = as_compiled(_lasting_file(quarters + 2))
    seeds = replication_seeds(1, 1)
    lo, hi = sorted((share, more))
    t = {
        (k, s): ensemble.simulate(c, seeds, {"lasting_share": s})["usa_trust"][0]
        for k, c in (("short", compiled), ("long", longer))
        for s in (lo, hi)
    }
    assert np.all(t[("short", hi)] <= t[("short", lo)] + 1e-12)
    assert np.all(t[("long", lo)] <= t[("short", lo)] + 1e-12)


_FILES: dict[int, Path] = {}


def _lasting_file(quarters: int) -> Path:
    """The test scenario whose war lasts ``quarters`` quarters after its own."""
    if quarters not in _FILES:
        import tempfile

        folder = Path(tempfile.mkdtemp(prefix="resetsim_lasting_"))
        end = cal.quarter_label(cal.parse_quarter("2009-02-01") + quarters)
        _FILES[quarters] = scenario(folder, end)
    return _FILES[quarters]


def test_resetsim_events_shows_how_long_each_event_lasts(run_cli):
    r = run_cli("events", str(HISTORY))
    assert r.code == 0
    assert "lasts until" in r.out
    kosovo = next(line for line in r.out.splitlines() if line.startswith("kosovo "))
    assert "1999-06-10 (1999Q2)" in kosovo
    syria = next(line for line in r.out.splitlines() if line.startswith("syria "))
    assert "ongoing" in syria


def test_the_event_ledger_is_told_how_long_events_last(tmp_path):
    """The ladder's ledgers get the same information as the model: an event
    that lasts is an impulse again in each later quarter, at the share the
    model repeats (``lasting_share`` at the point estimate)."""
    from resetsim.experiments import ladder_inputs as li

    t0 = cal.parse_quarter("2009-02-01") - cal.parse_quarter("2008Q1")
    t1 = cal.parse_quarter("2010-05-01") - cal.parse_quarter("2008Q1")
    lasts = as_compiled(scenario(tmp_path, "2010-05-01"))
    share = lasts.params()["lasting_share"]
    ev = li.events_of(lasts)
    assert list(ev["tick"]) == list(range(t0, t1 + 1))
    assert ev["share"].tolist() == [1.0] + [share] * (t1 - t0)
    weights = pd.DataFrame({"kind": ["military_conflict"], "actor": ["rus"], "on_dyad": [-2.0]})
    ticks, imp = li.ledger_impulses(ev, weights, lasts.state_ids, "on_dyad")
    assert list(ticks) == list(ev["tick"])
    np.testing.assert_allclose(imp, [-2.0] + [-2.0 * share] * (t1 - t0))
    once = li.events_of(as_compiled(scenario(tmp_path, None)))
    assert list(once["tick"]) == [t0] and once["share"].tolist() == [1.0]
