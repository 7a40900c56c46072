"""Peak memory of ``resetsim run`` on many runs (issue 14).  Not a test: run it by hand.

    python benchmarks/bench_memory.py                       # 100,000 runs, Parquet
    python benchmarks/bench_memory.py --runs 10000 --table-format csv

Runs ``resetsim run SCENARIO --runs N --table-format F --quiet`` in a child
process (into a temporary folder, removed afterwards) and prints the runs,
the wall time and the child's peak resident memory (``ru_maxrss`` of
``resource.getrusage(RUSAGE_CHILDREN)``: the largest child, here the only
one).  The bound the documentation states (docs/getting-started.md): 100,000 history runs with
``--table-format parquet`` under 2 GB.
"""

from __future__ import annotations

import argparse
import os
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LIMIT_MB = 2048


def measure(scenario: Path, runs: int, table_format: str, keep: Path | None = None) -> dict:
    with tempfile.TemporaryDirectory(prefix="resetsim-bench-memory-") as tmp:
        out = keep or Path(tmp) / "out"
        cmd = [
            sys.executable,
            "-m",
            "resetsim",
            "run",
            str(scenario),
            "--runs",
            str(runs),
            "--table-format",
            table_format,
            "--out",
            str(out),
            "--overwrite",
            "--quiet",
        ]
        t0 = time.perf_counter()
        env = {**os.environ, "MPLBACKEND": "Agg"}
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
        wall = time.perf_counter() - t0
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
        size = sum(p.stat().st_size for p in out.iterdir()) if out.is_dir() else 0
    if proc.returncode != 0:
        sys.exit(f"resetsim run failed ({proc.returncode}):\n{proc.stderr}")
    return {
        "command": shlex.join(["resetsim", *cmd[3:]]),
        "runs": runs,
        "wall_s": wall,
        "peak_mb": peak_kb / 1024,
        "output_mb": size / 1e6,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=100_000)
    ap.add_argument("--table-format", choices=("csv", "parquet"), default="parquet")
    ap.add_argument("--scenario", type=Path, default=REPO / "scenarios" / "history_1989_2021.toml")
    ap.add_argument("--keep", type=Path, help="write the run here instead of a temporary folder")
    args = ap.parse_args(argv)
    r = measure(args.scenario, args.runs, args.table_format, args.keep)
    print(f"command:   {r['command']}")
    print(f"runs:      {r['runs']:,}")
    print(f"wall time: {r['wall_s']:.1f} s")
    print(f"peak RSS:  {r['peak_mb']:.0f} MB (limit {LIMIT_MB} MB)")
    print(f"output:    {r['output_mb']:.1f} MB")
    return 0 if r["peak_mb"] < LIMIT_MB else 1


if __name__ == "__main__":
    sys.exit(main())
