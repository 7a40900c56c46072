"""Re-measure the result files behind the numbers of the README and the docs.

docs/FINDINGS.md names, per section, the command that measured its numbers and
the files in ``docs/results/`` they are read from.  This script runs those
commands (into a temporary folder), copies each result file to its place in
``docs/results/``, and then rewrites the generated numbers of the README and
the findings page (``docs/gen_findings.py``).  Run it whenever the default
model, its parameters or its posterior change::

    python tools/regen_results.py                 # everything (several minutes)
    python tools/regen_results.py --only biden ladder
    python tools/regen_results.py --list          # what would run

Nothing outside ``docs/results/`` (and the generated numbers of README.md and
docs/FINDINGS.md) is written.  A command that fails stops the script before
any of its files are copied.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "docs" / "results"
HISTORY = "scenarios/history_1989_2021.toml"
BIDEN = "scenarios/biden_era.toml"
OBSERVED = "scenarios/targets/observed/training.toml"
#: The defaults each round of the selection started from (docs/SELECTION.md),
#: held so that a round re-run today gives the result it gave then: round 1
#: ran before events that last existed; rounds 2 and 3 from round 1's choice.
ROUND1 = ["--set", "lasting_share=0"]
ROUND2 = ["--set", "k_ideology=1", "--set", "k_arms_control=1", "--set", "lasting_share=0"]
ROUND3 = ["--set", "k_ideology=1", "--set", "k_arms_control=1"]
ROUND4 = ["--set", "lasting_share=0.215"]  # on, as round 3 left the defaults
ROUND5 = [*ROUND4, "--origins", "1993", "1997", "2001", "2005", "2009"]

#: name: (command arguments after ``resetsim``, with {out} for the output folder,
#:        {file in the output folder: file in docs/results}); a target ending in
#:        "/" takes the whole folder.
JOBS: dict[str, tuple[list[str], dict[str, str]]] = {
    "validation300": (
        ["sweep", "experiments/contradictions.toml", "--runs", "300", "--no-posterior"],
        {"summary.csv": "validation_summary_300runs.csv"},
    ),
    "validation1000": (
        ["sweep", "experiments/contradictions.toml", "--runs", "1000", "--no-posterior"],
        {"summary.csv": "validation_summary_1000runs.csv"},
    ),
    "history30": (
        ["run", HISTORY, "--runs", "30", "--no-posterior"],
        {"patterns.csv": "history_patterns_30runs.csv"},
    ),
    "history200": (
        ["run", HISTORY, "--runs", "200", "--no-posterior"],
        {"fidelity.csv": "history_fidelity_200runs.csv"},
    ),
    "history1000": (
        ["run", HISTORY, "--runs", "1000", "--no-posterior"],
        {
            "fidelity.csv": "history_fidelity_1000runs.csv",
            "patterns.csv": "history_patterns_1000runs.csv",
        },
    ),
    "biden": (
        ["run", BIDEN, "--runs", "500", "--seed", "20210101"],
        {"forecast.csv": "biden_era_forecast.csv", "summary.txt": "biden_era_summary.txt"},
    ),
    "biden_point": (
        ["run", BIDEN, "--runs", "500", "--seed", "20210101", "--no-posterior"],
        {
            "forecast.csv": "biden_era_point_forecast.csv",
            "summary.txt": "biden_era_point_summary.txt",
        },
    ),
    "contradictions": (
        ["sweep", "experiments/contradictions.toml", "--no-posterior"],
        {"summary.csv": "contradictions_summary.csv"},
    ),
    "sobol": (
        ["sweep", "experiments/sobol.toml", "--no-posterior"],
        {"sobol.csv": "sobol.csv"},
    ),
    "ladder": (
        ["assess", HISTORY, "--observed", OBSERVED, "--coding-draws", "10"],
        {"": "ladder/history/"},
    ),
    "ladder_biden": (
        ["assess", BIDEN, "--observed", OBSERVED],
        {"": "ladder/biden_era/"},
    ),
    "ladder_recalibrated": (
        ["assess", HISTORY, "--observed", OBSERVED, "--recalibrate-levels"],
        {"": "ladder/history_recalibrated/"},
    ),
    # the same with round 5's early origins: the years from 1994 scored too
    "ladder_recalibrated_early": (
        ["assess", HISTORY, "--observed", OBSERVED, "--recalibrate-levels",
         "--origins", "1993", "1997", "2001", "2005", "2009"],
        {"": "ladder/history_recalibrated_early/"},
    ),  # fmt: skip
}
#: The rounds of the mechanism selection (docs/SELECTION.md): the folder's
#: name, and what each round starts from, with the defaults of its day held
#: (round 1 from the paper's model, before events that last existed; round 2
#: the resting level's memory; round 3 events that last; round 4 round 1's rule
#: with events that last among the candidates; round 5 round 4 with the early
#: origins 1993 and 1997).
ROUNDS: dict[str, list[str]] = {
    "selection": ["--paper", *ROUND1],
    "selection_memory": ["--set", "attitude_memory=0.05", *ROUND2],
    "selection_lasting": ["--set", "lasting_share=0.25", *ROUND3],
    "selection_round4": ["--paper", *ROUND4],
    "selection_round5": ["--paper", *ROUND5],
}
#: Sensitivity readings after the runs (they choose nothing): rounds 4 and 5
#: with the cells pooled as log ratios (docs/SELECTION.md).
for _name in ("selection_round4", "selection_round5"):
    JOBS[_name + "_log"] = (
        ["select", HISTORY, "--observed", OBSERVED, *ROUNDS[_name], "--aggregate", "log"],
        {"": f"{_name}_log/"},
    )
#: Each round's run, and its two checks (another seed, twice the budget).
CHECKS = {"": [], "_seed2": ["--seed", "2"], "_budget": ["--abc-population", "1000"]}
for _name, _start in ROUNDS.items():
    for _suffix, _extra in CHECKS.items():
        JOBS[_name + _suffix] = (
            ["select", HISTORY, "--observed", OBSERVED, *_start, *_extra],
            {"": f"{_name}{_suffix}/"},
        )

#: Short names for groups of jobs.
GROUPS = {
    "validation": ["validation300", "validation1000", "history30"],
    "history": ["history200", "history1000"],
    "biden": ["biden", "biden_point"],
    "ladder": ["ladder", "ladder_biden", "ladder_recalibrated", "ladder_recalibrated_early"],
    **{name: [name + suffix for suffix in CHECKS] for name in ROUNDS},
    "selection_log": ["selection_round4_log", "selection_round5_log"],
}


def _copy(src: Path, dst: Path) -> None:
    """Copy a file or a folder's files to ``dst`` (written next to it, then renamed)."""
    if src.is_dir():
        dst.mkdir(parents=True, exist_ok=True)
        for f in sorted(src.iterdir()):
            if f.is_file() and not f.name.startswith("."):
                _copy(f, dst / f.name)
        return
    tmp = dst.with_name(dst.name + ".part")
    shutil.copyfile(src, tmp)
    tmp.replace(dst)


def run(name: str, workdir: Path) -> None:
    args, files = JOBS[name]
    out = workdir / name
    cmd = [sys.executable, "-m", "resetsim", *args, "--out", str(out), "--quiet"]
    print("$ resetsim", " ".join(args), flush=True)
    done = subprocess.run(cmd, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"{name}: the command failed (exit {done.returncode}); nothing copied")
    for src, dst in files.items():
        _copy(out / src if src else out, RESULTS / dst)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--only", nargs="+", metavar="JOB", help="jobs or groups: " + ", ".join([*GROUPS, *JOBS])
    )
    ap.add_argument("--list", action="store_true", help="print the commands and exit")
    a = ap.parse_args(argv)
    names: list[str] = []
    for n in a.only or list(JOBS):
        for m in GROUPS.get(n, [n]):
            if m not in JOBS:
                ap.error(f"unknown job {m!r}")
            if m not in names:
                names.append(m)
    if a.list:
        for n in names:
            print(f"{n}: resetsim {' '.join(JOBS[n][0])}")
        return 0
    with tempfile.TemporaryDirectory(prefix="resetsim-regen-") as tmp:
        for n in names:
            run(n, Path(tmp))
    subprocess.run([sys.executable, str(ROOT / "docs" / "gen_findings.py")], cwd=ROOT, check=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
