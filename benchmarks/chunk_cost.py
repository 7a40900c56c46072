"""What one chunk of a sweep costs in CPU time: the compiled engine and the
metrics, apart.  Not a test: run it by hand.

    python benchmarks/chunk_cost.py                      # experiments/sobol.toml, this tree
    python benchmarks/chunk_cost.py --against DIR        # and another source tree, alternately
    python benchmarks/chunk_cost.py --chunks 12 --json FILE

A sweep's time is mostly its chunks (``sweep_split.py``): each worker runs
one chunk after another, the compiled engine (``simulate``) then the
metrics.  This script runs chunks of the experiment's own plan in one
process (the first once, to load the compiled code) and reports the
process time (CPU seconds, which a busy machine moves less than wall
time) of each part, minimum and median over the chunks.  ``--against``
runs the same measurement with another checkout's ``src`` first on the
path (e.g. a ``git archive`` of an older commit), alternating the two
``--rounds`` times, so a before/after is measured under the same load.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from statistics import median

REPO = Path(__file__).resolve().parents[1]


def measure(experiment: str, chunks: int) -> dict:
    """Process seconds per chunk: simulate, metrics, both (min and median)."""
    import numpy as np

    from resetsim.experiments import executors
    from resetsim.experiments.plan import make_plan

    plan = make_plan(experiment)
    executors.run_chunk(plan.task(0))  # loads the compiled code
    parts: dict[str, list[float]] = {"simulate": [], "metrics": [], "chunk": []}
    for k in range(1, min(chunks, plan.n_chunks - 1) + 1):
        task = plan.task(k)
        t0 = time.process_time()
        data = executors.simulate_chunk(task)
        t1 = time.process_time()
        p = task.compiled.params(task.params)
        run = {**data, "seed": np.asarray(task.seeds)}
        task.metrics_fn(task.compiled, run, p, keep=task.metrics)
        t2 = time.process_time()
        parts["simulate"].append(t1 - t0)
        parts["metrics"].append(t2 - t1)
        parts["chunk"].append(t2 - t0)
    return {
        "runs_per_chunk": plan.chunk_size,
        **{k: {"min": min(v), "median": median(v)} for k, v in parts.items()},
    }


def _child(src: Path, experiment: str, chunks: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(src)}
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); import chunk_cost; "
        "print(json.dumps(chunk_cost.measure(sys.argv[2], int(sys.argv[3]))))"
    )
    args = [sys.executable, "-c", code, str(Path(__file__).parent), experiment, str(chunks)]
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--experiment", default=str(REPO / "experiments" / "sobol.toml"))
    ap.add_argument("--chunks", type=int, default=8, help="chunks measured (after a first one)")
    ap.add_argument("--against", type=Path, help="another checkout (its src/ is used)")
    ap.add_argument("--rounds", type=int, default=2, help="alternations with --against")
    ap.add_argument("--json", type=Path, help="write the measurements to this file")
    a = ap.parse_args(argv)
    trees = {"this tree": REPO / "src"}
    if a.against:
        trees = {"against": a.against.resolve() / "src", **trees}
    results: dict[str, list[dict]] = {name: [] for name in trees}
    load = list(os.getloadavg())
    for _ in range(a.rounds if a.against else 1):
        for name, src in trees.items():
            results[name].append(_child(src, a.experiment, a.chunks))
    print(f"process seconds per chunk ({a.chunks} chunks; load average {load[0]:.1f} at the start)")
    print(f"{'tree':<10} {'part':<9} {'min':>7} {'median':>7}")
    for name, rounds in results.items():
        for part in ("simulate", "metrics", "chunk"):
            lo = min(r[part]["min"] for r in rounds)
            med = median(r[part]["median"] for r in rounds)
            print(f"{name:<10} {part:<9} {lo:7.4f} {med:7.4f}")
    if a.json:
        out = {
            "command": "python benchmarks/chunk_cost.py" + (" --against DIR" if a.against else ""),
            "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
            "load_average_start": load,
            "results": results,
        }
        a.json.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
