"""What the text outputs say agrees with itself: a probability printed as 0%
is 0 (a rare event is given as "2 of 500 runs"), and the report's episodes
per run and the console's reset onsets say what each counts."""

from __future__ import annotations

import re

import pytest

from resetsim.output.summary import share


@pytest.mark.parametrize(
    ("p", "n", "text"),
    [
        (0.0, 500, "0%"),
        (2 / 500, 500, "<1% (2 of 500 runs)"),
        (0.35, 20, "35%"),
        (499 / 500, 500, ">99% (499 of 500 runs)"),
        (1.0, 500, "100%"),
        (0.006, 1000, "1%"),
    ],
)
def test_a_share_that_rounds_to_0_or_100_percent_gives_the_count(p, n, text):
    assert share(p, n) == text


def test_summary_counts_the_runs_behind_its_medians(tmp_path, run_cli):
    out = tmp_path / "o"
    r = run_cli("run", "biden_era", "--runs", "20", "--seed", "2", "--out", out, "--quiet")
    assert r.code == 0, r
    text = (out / "summary.txt").read_text("utf-8")
    p = re.search(r"P\(a new reset starts by 2028\)\s+(\S+)", text).group(1)
    first = re.search(r"first new onset, in the (\d+) of 20 runs with one: median", text)
    if p == "0%":
        assert first is None  # no median date of runs that a 0% says do not exist
    else:
        assert first is not None
        assert int(first.group(1)) == round(float(p.rstrip("%")) / 100 * 20), text


def test_report_and_console_say_what_their_episode_counts_count(tmp_path, run_cli):
    out = tmp_path / "o"
    r = run_cli("run", "history_1989_2021", "--runs", "5", "--seed", "1", "--out", out)
    assert r.code == 0, r
    console = re.search(r"([\d.]+) reset onsets \(episodes that start inside the period\)", r.out)
    assert console, r.out
    assert run_cli("report", out).code == 0
    page = (out / "report.html").read_text("utf-8")
    m = re.search(
        r"(\d+) episodes in 5 run\(s\): ([\d.]+) per run, of which ([\d.]+) per run start "
        r"inside the period \(the reset onsets",
        page,
    )
    assert m, page[:2000]
    assert m.group(3) == console.group(1)  # the same number, named the same way
    assert float(m.group(2)) >= float(m.group(3))
