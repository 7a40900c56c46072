"""Wall time of `resetsim assess` with its default settings (and --recalibrate).

    python benchmarks/bench_assess.py            # history and Biden era, defaults
    python benchmarks/bench_assess.py --recalibrate

Runs the command in a child process per scenario on the shipped training
series, into a temporary folder, and prints the wall time of each and the
per-origin recalibration times it recorded (timing.json).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OBSERVED = ROOT / "scenarios" / "targets" / "observed" / "training.toml"
SCENARIOS = ("history_1989_2021", "biden_era")


def main(argv: list[str]) -> int:
    extra = ["--recalibrate"] if "--recalibrate" in argv else []
    with tempfile.TemporaryDirectory() as tmp:
        for name in SCENARIOS:
            out = Path(tmp) / name
            cmd = [sys.executable, "-m", "resetsim", "assess", str(ROOT / "scenarios" / f"{name}.toml"),
                   "--observed", str(OBSERVED), "--out", str(out), "--quiet", *extra]  # fmt: skip
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True)
            wall = time.perf_counter() - t0
            timing = json.loads((out / "timing.json").read_text(encoding="utf-8"))
            recal = ", ".join(
                f"{r['origin']}: {r['seconds']:.1f} s" for r in timing["recalibration_seconds"]
            )
            print(f"{name}{' --recalibrate' if extra else ''}: {wall:.1f} s wall"
                  + (f" (recalibration {recal})" if recal else ""))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
