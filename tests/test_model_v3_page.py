"""docs/MODEL_V3.md's table is the one tools/model_v3_table.py writes from the
measurement files in benchmarks/ (rerun the script after re-measuring)."""

from __future__ import annotations

from pathlib import Path

from scripts import load_script

ROOT = Path(__file__).resolve().parents[1]


def _tool():
    return load_script("tools/model_v3_table.py")


def test_the_model_v3_page_table_is_written_from_the_measurements():
    mod = _tool()
    page = (ROOT / "docs" / "MODEL_V3.md").read_text(encoding="utf-8")
    assert mod.render(page) == page


def test_every_number_the_table_names_is_measured():
    """The measurement of the default model (the newest file) fills every
    row; older files may lack rows for mechanisms added after them."""
    mod = _tool()
    now = mod.read(ROOT / "benchmarks" / "model_v3_round3.txt")
    for _label, _target, how, digits in mod.ROWS:
        assert mod.cell(now, how, digits) != "–" or how == "ladder_persistence_spearman"
