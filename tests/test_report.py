"""``resetsim report DIR``: one self-contained page for a run, compare, sweep,
assess or select folder; anything else is a one-line error."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from resetsim.core import io
from resetsim.output import report
from scenario_text import tiny_scenario

ROOT = Path(__file__).resolve().parent.parent
BIDEN = ROOT / "scenarios" / "biden_era.toml"
EXAMPLE = ROOT / "docs" / "report_example" / "report.html"


def no_external_reference(text: str) -> None:
    """Nothing the page could fetch: no http(s) or protocol-relative URL in
    src/href/url(), no <link>, no <script>, no @import."""
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:|//)""", text, re.I)
    assert not re.search(r"url\(\s*['\"]?\s*(https?:|//)", text, re.I)
    assert "<link" not in text.lower() and "<script" not in text.lower()
    assert "@import" not in text and "http://" not in text and "https://" not in text


@pytest.fixture(scope="module")
def biden_run(tmp_path_factory):
    from resetsim.cli.main import main

    out = tmp_path_factory.mktemp("rep") / "biden"
    assert main(["run", str(BIDEN), "--runs", "4", "--out", str(out), "--quiet"]) == 0
    return out


def test_report_of_a_biden_era_run(biden_run, run_cli):
    r = run_cli("report", biden_run)
    assert r.code == 0, r
    text = (biden_run / "report.html").read_text(encoding="utf-8")
    assert len(re.findall(r'<img [^>]*src="data:image/(png|svg\+xml);base64,', text)) >= 2
    assert "<h2>Episodes</h2>" in text and "by target episode" in text
    assert "Forecast check" in text and "P(a new reset starts by 2028)" in text
    assert "Fidelity scorecard" in text
    assert "20210101" in text  # the seed
    from resetsim.core.provenance import __version__

    assert __version__ in text
    assert "Assumptions" in text and "Biden to 20 Jan 2025" in text
    assert re.search(
        r"resetsim run \S*scenarios/biden_era.toml --runs 4 --seed 20210101</pre>", text
    )
    no_external_reference(text)
    hidden = [p.name for p in biden_run.iterdir() if p.name.startswith(".")]
    assert hidden == [".resetsim.json"]  # atomic, no temp: only resetsim's marker


def test_patterns_scorecard_is_included_when_present(biden_run):
    (biden_run / "patterns.csv").write_text("pattern,share\nlows <b>descend</b>,0.9\n")
    io.add_to_marker(biden_run, "patterns.csv")  # as resetsim would when it writes it
    try:
        text = report.report_html(biden_run)
    finally:
        (biden_run / "patterns.csv").unlink()
    assert "Pattern scorecard" in text and "lows &lt;b&gt;descend&lt;/b&gt;" in text


def test_svg_figures_are_preferred(tmp_path, run_cli):
    scen = tmp_path / "t.toml"
    scen.write_text(tiny_scenario("t", runs=2), encoding="utf-8")
    out = tmp_path / "out"
    assert run_cli("run", scen, "--out", out, "--quiet", "--figure-formats", "png,svg").code == 0
    text = report.report_html(out)
    assert "data:image/svg+xml;base64," in text and "data:image/png" not in text


def test_every_text_is_escaped(tmp_path, run_cli):
    scen = tmp_path / "evil.toml"
    scen.write_text(
        'description = "<script>alert(1)</script> & co"' + tiny_scenario("evil", runs=1),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert run_cli("run", scen, "--out", out, "--quiet").code == 0
    text = report.report_html(out)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in text
    assert "<script" not in text


def test_compare_and_sweep_folders(tmp_path, run_cli):
    scen = tmp_path / "t.toml"
    scen.write_text(tiny_scenario("t", runs=2), encoding="utf-8")
    cmp = tmp_path / "cmp"
    assert run_cli("compare", scen, scen, "--out", cmp, "--quiet").code == 0
    assert report.folder_kind(cmp) == "compare"
    r = run_cli("report", cmp)
    assert r.code == 0, r
    text = (cmp / "report.html").read_text(encoding="utf-8")
    assert "Paired metrics" in text and "data:image/png;base64," in text
    no_external_reference(text)

    exp = tmp_path / "exp.toml"
    exp.write_text(
        f'name = "exp"\nscenario = "{scen.as_posix()}"\nreplications = 3\nseed = 1\n'
        '[design]\ntype = "conditions"\n[[design.conditions]]\nname = "baseline"\n'
        '[[design.conditions]]\nname = "all_off"\nknock_out = "all"\n',
        encoding="utf-8",
    )
    sw = tmp_path / "sw"
    assert run_cli("sweep", exp, "--out", sw, "--workers", "1", "--quiet").code == 0
    assert report.folder_kind(sw) == "sweep"
    assert run_cli("report", sw).code == 0
    text = (sw / "report.html").read_text(encoding="utf-8")
    assert "<h2>Summary</h2>" in text and "all_off" in text and "conditions.png" in text
    no_external_reference(text)


@pytest.mark.parametrize("what", ["missing", "empty", "meta_only", "a_file"])
def test_anything_else_is_a_one_line_error(tmp_path, run_cli, what):
    d = tmp_path / "d"
    if what != "missing":
        d.mkdir()
    if what == "meta_only":
        (d / "meta.json").write_text("{}")
    if what == "a_file":
        d.rmdir()
        d.write_text("x")
    r = run_cli("report", d)
    assert r.code == 2, r
    assert r.err.startswith("error: ") and r.err.strip().count("\n") == 0
    assert str(d) in r.err
    assert not (tmp_path / "d" / "report.html").exists()


def test_the_shipped_example_is_small_and_self_contained():
    text = EXAMPLE.read_text(encoding="utf-8")
    assert EXAMPLE.stat().st_size < 1_500_000
    assert len(re.findall(r'src="data:image/', text)) >= 2
    assert "biden_era" in text
    no_external_reference(text)
