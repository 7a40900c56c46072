"""Golden trajectories: what they are and how to refresh them.

``tests/golden/*.csv`` hold the full trajectories (every recorded column, every
run, every quarter) of a few short scenario runs with fixed seeds.
``tests/test_golden.py`` recomputes them on every test run and fails if any
value moved by more than its column's tolerance (1e-9 by default).

A failure means the numbers changed.  If that is intended - recalibrated
parameter defaults, a changed equation, an edited golden scenario - refresh the
files and commit them with a message that says why::

    python tests/refresh_golden.py          # rewrite tests/golden/*.csv, show what moved
    python tests/refresh_golden.py --check  # only compare (exit status 1 if stale)

Run it with the interpreter of the environment resetsim is installed in (for
example ``/work/venv/bin/python tests/refresh_golden.py``); it works from any
directory.  If the change is *not* intended, the test caught a regression.

The cases (scenario, seed, runs) are listed in :data:`CASES`; to add one, add
an entry and run this script.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
GOLDEN_DIR = TESTS / "golden"
REFRESH_COMMAND = "python tests/refresh_golden.py"
DEFAULT_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Case:
    """One golden trajectory: a scenario run with a fixed seed and number of runs."""

    name: str
    scenario: Path
    seed: int
    runs: int
    #: per-column absolute tolerances (others: DEFAULT_TOLERANCE)
    tolerances: tuple[tuple[str, float], ...] = ()

    @property
    def path(self) -> Path:
        return GOLDEN_DIR / f"{self.name}_trajectory.csv"

    def tolerance(self, column: str) -> float:
        return dict(self.tolerances).get(column, DEFAULT_TOLERANCE)


CASES: tuple[Case, ...] = (
    # the newcomers' scenario as shipped (2008Q1-2015Q4): scheduled events only
    Case("example", REPO / "scenarios" / "example.toml", seed=20210101, runs=2),
    # every kind of forcing in 12 quarters: leader changes with a drawn
    # disposition, a breach, a custom kind, three stochastic processes
    Case("short_stochastic", TESTS / "data" / "short_stochastic.toml", seed=12345, runs=3),
)


def compute(case: Case, engine: str = "ensemble") -> pd.DataFrame:
    """The case's trajectory table, as ``resetsim run`` would tabulate it."""
    from resetsim.engines.runner import run_scenario

    result = run_scenario(case.scenario, runs=case.runs, seed=case.seed, engine=engine)
    return result.frame()


def header(case: Case) -> str:
    rel = case.scenario.relative_to(REPO).as_posix()
    return (
        f"# golden trajectory: {rel}, seed {case.seed}, {case.runs} runs (ensemble engine)\n"
        f"# checked by tests/test_golden.py; refresh with: {REFRESH_COMMAND}\n"
    )


def write(case: Case, frame: pd.DataFrame) -> None:
    """Write a golden file (full float precision, deterministic bytes)."""
    GOLDEN_DIR.mkdir(exist_ok=True)
    body = frame.to_csv(index=False, float_format="%.17g", lineterminator="\n")
    case.path.write_text(header(case) + body, encoding="utf-8")


def read(path: Path) -> pd.DataFrame:
    """Read a golden file (its ``#`` header lines are skipped)."""
    with open(path, encoding="utf-8") as fh:
        skip = 0
        for line in fh:
            if not line.startswith("#"):
                break
            skip += 1
    return pd.read_csv(path, skiprows=skip, keep_default_na=False)


def differences(case: Case, expected: pd.DataFrame, actual: pd.DataFrame) -> list[str]:
    """Human-readable differences beyond tolerance (empty if none)."""
    problems = []
    if list(expected.columns) != list(actual.columns):
        gone = [c for c in expected.columns if c not in actual.columns]
        new = [c for c in actual.columns if c not in expected.columns]
        problems.append(f"columns changed: removed {gone}, added {new} (or reordered)")
        return problems
    if len(expected) != len(actual):
        return [f"{len(actual)} rows instead of {len(expected)}"]
    for col in expected.columns:
        e, a = expected[col].to_numpy(), actual[col].to_numpy()
        numeric = pd.api.types.is_numeric_dtype(expected[col]) and pd.api.types.is_numeric_dtype(
            actual[col]
        )
        if not numeric:
            bad = np.flatnonzero(e.astype(str) != a.astype(str))
            if len(bad):
                i = bad[0]
                problems.append(
                    f"{col}: {len(bad)} rows differ, first at row {i}: {e[i]!r} -> {a[i]!r}"
                )
            continue
        diff = np.abs(a.astype(float) - e.astype(float))
        tol = case.tolerance(col)
        if not np.all(diff <= tol):
            i = int(np.nanargmax(np.where(np.isnan(diff), np.inf, diff)))
            where = f"run {actual['run'].iloc[i]}, {actual['date'].iloc[i]}"
            problems.append(
                f"{col}: max |change| {diff[i]:.3g} > {tol:g} at {where} "
                f"({e[i]:.10g} -> {a[i]:.10g})"
            )
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 if stale")
    args = parser.parse_args(argv)
    stale = 0
    for case in CASES:
        frame = compute(case)
        diffs = ["(new file)"]
        if case.path.exists():
            diffs = differences(case, read(case.path), frame)
        if not diffs:
            print(f"{case.path.relative_to(REPO)}: up to date")
            continue
        stale += 1
        print(f"{case.path.relative_to(REPO)}: {'stale' if args.check else 'rewritten'}")
        for d in diffs:
            print(f"    {d}")
        if not args.check:
            write(case, frame)
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())
