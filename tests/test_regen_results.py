"""tools/regen_results.py: each result file behind the docs has a command that remakes it."""

from __future__ import annotations

import pytest
from tests.scripts import ROOT, load_script

regen = load_script("tools/regen_results.py", "regen_results")
RESULTS = ROOT / "docs" / "results"
#: Result folders made by a long calibration (docs/CALIBRATION.md gives their commands).
CALIBRATIONS = {"calibration_history", "calibration_loo", "calibration_split2009"}


def _targets() -> set[str]:
    return {dst for _, files in regen.JOBS.values() for dst in files.values()}


def test_every_result_file_has_a_job():
    targets = _targets()
    for f in sorted(RESULTS.iterdir()):
        if f.name in CALIBRATIONS:
            continue
        name = f.name + "/" if f.is_dir() else f.name
        covered = name in targets or any(t.startswith(name) for t in targets)
        assert covered, f"docs/results/{name} has no command in tools/regen_results.py"


def test_every_job_target_exists():
    for dst in _targets():
        assert (RESULTS / dst.rstrip("/")).exists(), dst


@pytest.mark.parametrize("group", sorted(regen.GROUPS))
def test_groups_name_jobs(group):
    assert set(regen.GROUPS[group]) <= set(regen.JOBS)


def test_unknown_job_is_refused(capsys):
    with pytest.raises(SystemExit) as e:
        regen.main(["--only", "nonsense", "--list"])
    assert e.value.code == 2
    assert "unknown job 'nonsense'" in capsys.readouterr().err
