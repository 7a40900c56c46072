"""benchmarks/cross_side.py: where the model's co-movement of the two publics
comes from (docs/MODEL_V3.md, "What is still to do")."""

from __future__ import annotations

from pathlib import Path

from scripts import load_script

ROOT = Path(__file__).resolve().parents[1]


def _script():
    return load_script("benchmarks/cross_side.py")


def test_the_dated_events_carry_the_co_movement(capsys):
    assert _script().main(["--runs", "24"]) == 0
    lines = [ln.split() for ln in capsys.readouterr().out.splitlines() if not ln.startswith("#")]
    corr = {ln[0]: float(ln[1]) for ln in lines}
    assert {"observed_gallup_vs_levada", "full", "full_without_dated_events"} <= set(corr)
    assert any(k.endswith("_events") and k != "full_without_dated_events" for k in corr)
    assert all(-1.0 <= x <= 1.0 for x in corr.values())
    # the claim of the page: without the dated events the two sides move far less alike
    assert corr["full_without_dated_events"] < corr["full"] - 0.3


def test_the_shipped_file_is_what_the_script_prints_now(capsys):
    """benchmarks/cross_side.txt (read by docs/gen_findings.py) is current."""
    assert _script().main([]) == 0
    shipped = (ROOT / "benchmarks" / "cross_side.txt").read_text(encoding="utf-8")
    assert capsys.readouterr().out == shipped
