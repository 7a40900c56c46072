"""Where the time of a whole-process ``resetsim sweep`` goes: one run under
cProfile, its main process split into phases.  Not a test: run it by hand.

    python benchmarks/sweep_split.py                     # experiments/sobol.toml, 2 workers
    python benchmarks/sweep_split.py --json FILE         # and write the split to FILE

``bench_engines.py --headline`` calls :func:`measure` and keeps the split in
``benchmarks/headline.json``.  The phases are the cumulative times of the
sweep's own functions in the main process (profiling slows pure-Python code a
little; the workers are not profiled: their work is the "chunks" phase, which
the main process spends waiting for them and writing their results).
"""

from __future__ import annotations

import argparse
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

#: label -> the functions (file suffix, name) whose cumulative times it sums.
PHASES: dict[str, tuple[tuple[str, str], ...]] = {
    "plan: read, check, sample": (("experiments/plan.py", "make_plan"),),
    "chunks: simulate and metrics (workers)": (("experiments/sweep.py", "_run_chunks"),),
    "runs.parquet from the chunks (main thread)": (("experiments/store.py", "combine"),),
    "summaries": (
        ("experiments/summary.py", "summarize"),
        ("experiments/summary.py", "summarize_pooled"),
    ),
    "Sobol' indices": (("experiments/summary.py", "sobol_indices"),),
    "figure": (
        ("experiments/sweep.py", "design_figures"),
        ("plotting/style.py", "save_all"),
    ),
    "meta.json": (("experiments/summary.py", "meta"),),
}
FINALIZE = ("experiments/sweep.py", "finalize")
MAIN = ("cli/main.py", "main")


def _cumulative(stats: pstats.Stats, where: tuple[str, str]) -> float:
    suffix, name = where
    return sum(
        v[3]
        for (path, _line, fn), v in stats.stats.items()  # type: ignore[attr-defined]
        if fn == name and path.replace("\\", "/").endswith(suffix)
    )


def measure(args: list[str], env: dict[str, str] | None = None) -> dict:
    """Run ``resetsim ARGS`` under cProfile in a child; the wall time of the
    whole process and its split (seconds, by phase)."""
    with tempfile.TemporaryDirectory(prefix="resetsim-split-") as d:
        prof = Path(d) / "sweep.prof"
        cmd = [sys.executable, "-m", "cProfile", "-o", str(prof), "-m", "resetsim", *args]
        t0 = time.perf_counter()
        done = subprocess.run(
            cmd, env={**os.environ, "MPLBACKEND": "Agg", **(env or {})}, capture_output=True
        )
        wall = time.perf_counter() - t0
        if done.returncode:
            raise SystemExit(done.stderr.decode(errors="replace"))
        stats = pstats.Stats(str(prof))
    phases = {label: sum(_cumulative(stats, w) for w in ws) for label, ws in PHASES.items()}
    main = _cumulative(stats, MAIN)
    finalize = _cumulative(stats, FINALIZE)
    parts = sum(phases[k] for k in list(PHASES)[2:])
    split = {
        "interpreter start and imports": wall - main,
        "command line (imports of the command)": main
        - phases["plan: read, check, sample"]
        - phases["chunks: simulate and metrics (workers)"]
        - finalize,
        **phases,
        "other finishing (points.parquet, summary.csv, sobol.csv, clean-up)": finalize - parts,
    }
    return {"wall_seconds": wall, "split_seconds": split}


def table(split: dict[str, float]) -> list[str]:
    """Markdown rows: phase, seconds."""
    return [f"| {k} | {v:.2f} |" for k, v in split.items()]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--experiment", default=str(REPO / "experiments" / "sobol.toml"))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", type=Path, help="write the split to this file")
    ap.add_argument("--command", help="how this was run, for the file (default: this script)")
    a = ap.parse_args(argv)
    load = list(os.getloadavg())
    with tempfile.TemporaryDirectory(prefix="resetsim-split-out-") as d:
        args = ["sweep", a.experiment, "--out", str(Path(d) / "out")]
        r = measure([*args, "--workers", str(a.workers), "--quiet"])
    print(f"whole process: {r['wall_seconds']:.2f} s (under cProfile)")
    for k, v in r["split_seconds"].items():
        print(f"  {k:<66} {v:6.2f}")
    if a.json:
        r["command"] = a.command or "python benchmarks/sweep_split.py"
        r["date_utc"] = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
        r["load_average_start"] = load
        a.json.write_text(json.dumps(r, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
