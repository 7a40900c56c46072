"""benchmarks/onset_dating.py: when the Biden era's given-events resets are
dated and when they are confirmed (docs/FINDINGS.md, "Given the events")."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from scripts import load_script

ROOT = Path(__file__).resolve().parents[1]


def _script():
    return load_script("benchmarks/onset_dating.py")


def test_confirmation_is_the_first_run_of_quarters_above_the_low():
    conf = _script().confirmation
    index = np.array([0.30, 0.20, 0.22, 0.26, 0.24, 0.26, 0.27, 0.10])
    # low 0.20 at tick 1, onset dated at tick 2; rise 0.05: 0.26, 0.24 (no), 0.26, 0.27 (yes)
    assert conf(index, 2, 0.05, 2) == 6
    assert conf(index, 2, 0.05, 1) == 3
    assert conf(index, 2, 0.5, 2) is None


def test_the_shipped_file_is_what_the_script_prints_now(capsys):
    """benchmarks/onset_dating.txt (read by docs/gen_findings.py) is current,
    and it says what the pages say: the onsets dated 2023-2024 are confirmed
    in 2025 or later."""
    assert _script().main([]) == 0
    out = capsys.readouterr().out
    assert out == (ROOT / "benchmarks" / "onset_dating.txt").read_text(encoding="utf-8")
    rows = dict(ln.rsplit(" ", 1) for ln in out.splitlines() if not ln.startswith("#"))
    assert float(rows["confirmed_2025_or_later"]) > 0.9
