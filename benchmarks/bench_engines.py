"""Benchmark resetsim's engines (issue #5).  Not a test: run it by hand.

    python benchmarks/bench_engines.py                  # engines, in one process
    python benchmarks/bench_engines.py --sobol          # + experiments/sobol.toml end to end
    python benchmarks/bench_engines.py --million        # + 1,000,000 runs, metrics only
    python benchmarks/bench_engines.py --all --workers 2

In one process, on ``scenarios/history_1989_2021.toml`` with the same seeds:

(a) ``mesa.batch_run(ResetModel, parameters={"scenario": [path], "rng": seeds},
    iterations=1, data_collection_period=1, number_processes=1)``;
(b) the sweep machinery with ``engine="mesa"`` (in-process, metrics included);
(c) the sweep machinery with the ensemble engine (in-process, metrics included);

then, in child processes (``resetsim sweep`` as a user runs it), the Sobol'
experiment at its default size and a million-run metrics-only sweep, each
with its wall time and the peak resident memory of the whole process tree
(sampled every 0.1 s) and of its largest process.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HISTORY = REPO / "scenarios" / "history_1989_2021.toml"
SEED = 1989


def maxrss_mb() -> float:
    """This process's resident-memory high-water mark (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def experiment_file(tmp: Path, name: str, body: str) -> Path:
    path = tmp / f"{name}.toml"
    path.write_text(
        f'name = "{name}"\nscenario = "{HISTORY.as_posix()}"\nseed = {SEED}\n'
        + textwrap.dedent(body),
        encoding="utf-8",
    )
    return path


def baseline_experiment(tmp: Path, runs: int) -> Path:
    """The history's default parameters, ``runs`` replications, every metric kept."""
    return experiment_file(
        tmp,
        f"bench_{runs}",
        f"""
        replications = {runs}
        [design]
        type = "conditions"
        [[design.conditions]]
        name = "baseline"
        """,
    )


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def bench_batch_run(seeds) -> float:
    import mesa

    from resetsim.engines.model import ResetModel

    def go():
        return mesa.batch_run(
            ResetModel,
            parameters={"scenario": [str(HISTORY)], "rng": [int(s) for s in seeds]},
            iterations=1,
            data_collection_period=1,
            number_processes=1,
            display_progress=False,
        )

    seconds, rows = timed(go)
    assert len({r["rng"] for r in rows}) == len(seeds)
    return seconds


def bench_sweep(tmp: Path, runs: int, engine: str, workers: int = 1) -> tuple[float, object]:
    from resetsim.experiments import sweep

    exp = baseline_experiment(tmp, runs)
    out = tmp / f"out_{engine}_{runs}_{workers}"
    seconds, res = timed(
        lambda: sweep(exp, out, engine=engine, workers=workers, progress=False, figures=False)
    )
    return seconds, res


class TreeMemory:
    """Peak RSS of a process and its descendants, sampled in a thread."""

    def __init__(self, pid: int, every: float = 0.1):
        import psutil

        self.proc = psutil.Process(pid)
        self.every = every
        self.peak_total = 0
        self.peak_single = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        import psutil

        while not self._stop.is_set():
            try:
                procs = [self.proc, *self.proc.children(recursive=True)]
                rss = []
                for p in procs:
                    with contextlib.suppress(psutil.Error):
                        rss.append(p.memory_info().rss)
                self.peak_total = max(self.peak_total, sum(rss))
                self.peak_single = max(self.peak_single, max(rss, default=0))
            except psutil.Error:
                pass
            self._stop.wait(self.every)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def run_cli_measured(args: list[str]) -> tuple[float, float, float, int]:
    """Run ``resetsim ARGS`` in a child; (seconds, peak tree MB, peak single MB, status)."""
    cmd = [sys.executable, "-m", "resetsim", *args]
    env = {**os.environ, "MPLBACKEND": "Agg"}
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    with TreeMemory(proc.pid) as mem:
        _, err = proc.communicate()
    seconds = time.perf_counter() - t0
    if proc.returncode:
        print(err, file=sys.stderr)
    return seconds, mem.peak_total / 2**20, mem.peak_single / 2**20, proc.returncode


def row(label: str, runs: int, seconds: float, extra: str = "") -> str:
    return f"{label:<46} {runs:>9,} {seconds:>9.2f} {runs / seconds:>11,.0f}  {extra}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mesa-runs", type=int, default=40, help="runs for (a) and (b)")
    ap.add_argument("--ensemble-runs", type=int, default=20_000, help="runs for (c)")
    ap.add_argument(
        "--workers",
        type=int,
        default=len(os.sched_getaffinity(0)),
        help="workers for the pool variant of (c) and the child sweeps",
    )
    ap.add_argument("--sobol", action="store_true", help="time experiments/sobol.toml")
    ap.add_argument("--million", action="store_true", help="1,000,000 runs, metrics only")
    ap.add_argument("--all", action="store_true", help="--sobol and --million")
    ap.add_argument("--no-engines", action="store_true", help="skip (a), (b) and (c)")
    args = ap.parse_args(argv)

    from resetsim.engines.randomness import replication_seeds

    header = f"{'what':<46} {'runs':>9} {'seconds':>9} {'runs/s':>11}  notes"
    load = "/".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"scenario {HISTORY.name}, seed {SEED}, {os.cpu_count()} CPU(s), load average {load}")
    print("(other processes on the machine slow the numbers below, the pool ones most)\n")
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory(prefix="resetsim-bench-") as d:
        tmp = Path(d)
        if not args.no_engines:
            n = args.mesa_runs
            seeds = replication_seeds(SEED, n)
            # warm up imports and caches so that no engine pays them
            (tmp / "warm").mkdir()
            bench_sweep(tmp / "warm", 8, "ensemble")
            t_a = bench_batch_run(seeds)
            print(
                row(
                    "(a) mesa.batch_run (trajectories only)", n, t_a, f"maxrss {maxrss_mb():.0f} MB"
                )
            )
            t_b, res_b = bench_sweep(tmp, n, "mesa")
            assert [int(s) for s in seeds] == _seeds(res_b), "(a) and (b) must use the same seeds"
            print(
                row("(b) sweep --engine mesa (+ metrics)", n, t_b, f"maxrss {maxrss_mb():.0f} MB")
            )
            m = args.ensemble_runs
            t_c, _ = bench_sweep(tmp, m, "ensemble")
            print(
                row(
                    "(c) sweep, ensemble engine (+ metrics)", m, t_c, f"maxrss {maxrss_mb():.0f} MB"
                )
            )
            if args.workers > 1:
                t_d, _ = bench_sweep(tmp, m, "ensemble", workers=args.workers)
                print(
                    row(
                        f"(c') the same, {args.workers} worker processes",
                        m,
                        t_d,
                        f"maxrss {maxrss_mb():.0f} MB (parent)",
                    )
                )
            ra, rb, rc = n / t_a, n / t_b, m / t_c
            print(
                f"\nratios: (b)/(a) = {rb / ra:.2f}x   (c)/(a) = {rc / ra:,.0f}x   "
                f"(c)/(b) = {rc / rb:,.0f}x"
            )
            if args.workers > 1:
                print(f"        {args.workers} workers / in-process (c) = {(m / t_d) / rc:.2f}x")

        if args.sobol or args.all:
            from resetsim.experiments import make_plan

            plan = make_plan(REPO / "experiments" / "sobol.toml")
            print(
                f"\nexperiments/sobol.toml: {plan.n_runs:,} runs, end to end in a child "
                f"process (`resetsim sweep`, {args.workers} workers):"
            )
            s, tree, single, code = run_cli_measured(
                [
                    "sweep",
                    str(REPO / "experiments" / "sobol.toml"),
                    "--out",
                    str(tmp / "sobol"),
                    "--workers",
                    str(args.workers),
                    "--quiet",
                ]
            )
            print(
                row(
                    "sobol.toml (sample, runs, metrics, indices)",
                    plan.n_runs,
                    s,
                    f"peak RSS {tree:.0f} MB all processes, {single:.0f} MB largest"
                    + (f"  EXIT {code}" if code else ""),
                )
            )

        if args.million or args.all:
            exp = experiment_file(
                tmp,
                "million",
                """
                replications = 10
                [design]
                type = "lhs"
                samples = 100000
                parameters = ["w_leader", "w_trust", "trust_erode"]
                """,
            )
            print(f"\n1,000,000 runs, metrics only, in a child process ({args.workers} workers):")
            s, tree, single, code = run_cli_measured(
                [
                    "sweep",
                    str(exp),
                    "--out",
                    str(tmp / "million"),
                    "--workers",
                    str(args.workers),
                    "--quiet",
                    "--no-figures",
                ]
            )
            size = (tmp / "million" / "runs.parquet").stat().st_size / 2**20 if not code else 0
            print(
                row(
                    "1M-run LHS sweep (metrics only)",
                    1_000_000,
                    s,
                    f"peak RSS {tree:.0f} MB all processes, {single:.0f} MB largest; "
                    f"runs.parquet {size:.0f} MB" + (f"  EXIT {code}" if code else ""),
                )
            )
    print("\nload average at the end: " + "/".join(f"{x:.2f}" for x in os.getloadavg()))
    return 0


def _seeds(result) -> list[int]:
    import pyarrow.parquet as pq

    return pq.read_table(result.out / "runs.parquet", columns=["seed"]).column(0).to_pylist()


if __name__ == "__main__":
    sys.exit(main())
