"""Benchmark resetsim's engines.  Not a test: run it by hand.

    python benchmarks/bench_engines.py --headline       # the headline numbers -> files
    python benchmarks/bench_engines.py --headline --calibrate   # + a 1,000,000-run calibrate
    python benchmarks/bench_engines.py --docs           # docs/PERFORMANCE.md from the file
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

``--headline`` measures, in one run of this script on one machine: (a)
``mesa.batch_run(ResetModel)`` with per-step collection; the compiled
engine's first call in a fresh process with an empty numba cache (cold:
compilation) and again with that cache filled (warm start); the whole
process ``resetsim sweep experiments/sobol.toml`` (default engine, that
cache) with its peak memory, and the ratio of its runs/s to (a)'s; with
``--calibrate``, ``resetsim calibrate`` sized to 1,000,000 simulations.  It
writes ``benchmarks/headline.json`` and, from it, ``docs/PERFORMANCE.md``.
``batch_run`` and the sweep are timed in ``--repeat`` pairs (default 3), each
``batch_run`` then the sweep, and the medians are the headline (a shared
machine moves single measurements); every pair's times are kept.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path
from statistics import median

import sweep_split  # beside this script

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
        self.cpu: dict[int, float] = {}  # pid -> user + system seconds, last seen
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
                        t = p.cpu_times()
                        self.cpu[p.pid] = t.user + t.system
                self.peak_total = max(self.peak_total, sum(rss))
                self.peak_single = max(self.peak_single, max(rss, default=0))
            except psutil.Error:
                pass
            self._stop.wait(self.every)

    @property
    def cpu_seconds(self) -> float:
        """CPU time of every process seen (up to one sampling interval short each)."""
        return sum(self.cpu.values())

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


LAST_CPU = {"seconds": 0.0}  # CPU time of the last run_cli_measured's process tree


def run_cli_measured(args: list[str]) -> tuple[float, float, float, int]:
    """Run ``resetsim ARGS`` in a child; (seconds, peak tree MB, peak single MB,
    status); the tree's CPU seconds go to ``LAST_CPU``."""
    cmd = [sys.executable, "-m", "resetsim", *args]
    env = {**os.environ, "MPLBACKEND": "Agg"}
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    with TreeMemory(proc.pid) as mem:
        _, err = proc.communicate()
    seconds = time.perf_counter() - t0
    LAST_CPU["seconds"] = mem.cpu_seconds
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
    ap.add_argument("--headline", action="store_true", help="the headline numbers -> files")
    ap.add_argument("--calibrate", action="store_true", help="with --headline: 1M-run calibrate")
    ap.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="with --headline: pairs of batch_run and sweep, interleaved (medians reported)",
    )
    ap.add_argument("--docs", action="store_true", help="write docs/PERFORMANCE.md from the file")
    args = ap.parse_args(argv)
    if args.headline:
        result = headline(args.mesa_runs, args.workers, args.calibrate, args.repeat)
        RESULT.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {RESULT.relative_to(REPO)}")
    if args.headline or args.docs:
        DOCS.write_text(performance_page(json.loads(RESULT.read_text("utf-8"))), encoding="utf-8")
        print(f"wrote {DOCS.relative_to(REPO)}")
        return 0

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


RESULT = REPO / "benchmarks" / "headline.json"
DOCS = REPO / "docs" / "PERFORMANCE.md"
COMMAND = "python benchmarks/bench_engines.py --headline --calibrate"
FIRST_CALL = (
    "import time; t = time.perf_counter(); "
    "from resetsim.engines import compiled; "
    "from resetsim.engines.randomness import replication_seeds; "
    "compiled.simulate({path!r}, replication_seeds(1, 2)); "
    "print(time.perf_counter() - t)"
)
#: ``resetsim calibrate`` sized to 1,000,000 simulations: replicates x
#: population x (generations + 1) (generation 0 proposes twice the population).
CALIBRATE = {"population": 5000, "replicates": 4, "generations": 49}


def first_call_seconds(cache: Path) -> float:
    """Seconds of the compiled engine's first call in a fresh process (import,
    compilation or cache load, two runs), with ``NUMBA_CACHE_DIR=cache``."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache)}
    code = FIRST_CALL.format(path=str(HISTORY))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr)
    return float(out.stdout.strip().splitlines()[-1])


def headline(mesa_runs: int, workers: int, calibrate: bool, repeat: int = 1) -> dict:
    """Every headline number, measured now on this machine (see the module doc)."""
    from resetsim.engines.randomness import replication_seeds
    from resetsim.experiments import make_plan

    out: dict = {
        "command": COMMAND if calibrate else COMMAND.replace(" --calibrate", ""),
        "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        "cpus": len(os.sched_getaffinity(0)),
        "workers": workers,
        "load_average_start": list(os.getloadavg()),
    }
    with tempfile.TemporaryDirectory(prefix="resetsim-bench-") as d:
        tmp = Path(d)
        cache = tmp / "numba-cache"
        out["compile_cold_seconds"] = first_call_seconds(cache)
        out["compile_warm_seconds"] = first_call_seconds(cache)
        print(
            f"compiled engine, first call: cold {out['compile_cold_seconds']:.1f} s, "
            f"warm {out['compile_warm_seconds']:.1f} s",
            flush=True,
        )
        seeds = replication_seeds(SEED, mesa_runs)
        bench_batch_run(replication_seeds(SEED + 1, 2))  # imports, not timed
        os.environ["NUMBA_CACHE_DIR"] = str(cache)  # the children use the warm cache
        # and what else a sweep compiles (episode detection), as a user's cache would hold
        warm = [sys.executable, "-c", "import resetsim.experiments.warm"]
        subprocess.run(warm, check=True, env={**os.environ, "MPLBACKEND": "Agg"})
        sobol = REPO / "experiments" / "sobol.toml"
        n = make_plan(sobol).n_runs
        args = ["sweep", str(sobol), "--workers", str(workers), "--quiet"]
        # first the split (one run under cProfile), then the timed pairs
        split = sweep_split.measure([*args, "--out", str(tmp / "sobol_profiled")])
        out["sobol_split"] = split
        print(f"split (under cProfile, {split['wall_seconds']:.1f} s):", flush=True)
        for k, v in split["split_seconds"].items():
            print(f"  {k:<66} {v:6.2f}")
        # pairs, each batch_run then the sweep, so that both see the same
        # moments of a shared machine; the medians are the headline
        pairs = []
        for i in range(repeat):
            cpu0 = time.process_time()
            t_a = bench_batch_run(seeds)
            cpu_a = time.process_time() - cpu0
            print(row("mesa.batch_run (per-step collection)", mesa_runs, t_a), flush=True)
            s, tree, single, code = run_cli_measured([*args, "--out", str(tmp / f"sobol_{i}")])
            if code:
                raise SystemExit(f"resetsim sweep failed ({code})")
            pairs.append((t_a, cpu_a, s, LAST_CPU["seconds"], tree, single, os.getloadavg()[0]))
            print(row("resetsim sweep experiments/sobol.toml", n, s, f"peak {tree:.0f} MB"))
        t_a = median([p[0] for p in pairs])
        cpu_a = median([p[1] for p in pairs])
        s = median([p[2] for p in pairs])
        cpu = median([p[3] for p in pairs])
        out["repeat"] = repeat
        out["batch_run"] = {
            "runs": mesa_runs,
            "seconds": t_a,
            "runs_per_second": mesa_runs / t_a,
            "cpu_seconds": cpu_a,
            "samples_seconds": [p[0] for p in pairs],
        }
        out["sobol"] = {
            "runs": n,
            "seconds": s,
            "runs_per_second": n / s,
            "cpu_seconds_all_processes": cpu,
            "peak_rss_mb_all_processes": max(p[4] for p in pairs),
            "peak_rss_mb_largest_process": max(p[5] for p in pairs),
            "samples_seconds": [p[2] for p in pairs],
        }
        out["load_average_1min_after_each_pair"] = [p[6] for p in pairs]
        out["ratio_sobol_to_batch_run"] = (n / s) / (mesa_runs / t_a)
        out["ratio_per_cpu_second"] = (n / cpu) / (mesa_runs / cpu_a)
        out["ratio_of_each_pair"] = [(n / p[2]) / (mesa_runs / p[0]) for p in pairs]
        print(
            f"ratio {out['ratio_sobol_to_batch_run']:,.0f}x (medians of {repeat}; pairs "
            + ", ".join(f"{x:,.0f}x" for x in out["ratio_of_each_pair"])
            + f"; per CPU second: {out['ratio_per_cpu_second']:,.0f}x)",
            flush=True,
        )
        if calibrate:
            cal = tmp / "calibrate"
            opts = [f"--{k}={v}" for k, v in CALIBRATE.items()]
            s, tree, _, code = run_cli_measured(
                [
                    "calibrate",
                    str(HISTORY),
                    "--out",
                    str(cal),
                    *opts,
                    "--predictive",
                    "20",
                    "--workers",
                    str(workers),
                    "--quiet",
                ]
            )
            if code:
                raise SystemExit(f"resetsim calibrate failed ({code})")
            meta = json.loads((cal / "meta.json").read_text("utf-8"))
            out["calibrate"] = {
                **CALIBRATE,
                "simulations": meta["simulations"],
                "seconds_whole_process": s,
                "simulations_per_second_reported": meta["simulations_per_second"],
                "peak_rss_mb_all_processes": tree,
            }
            print(
                f"calibrate: {meta['simulations']:,} simulations in {s:.0f} s "
                f"({meta['simulations_per_second']:,.0f}/s reported)",
                flush=True,
            )
    out["load_average_end"] = list(os.getloadavg())
    return out


def performance_page(r: dict) -> str:
    """``docs/PERFORMANCE.md``, written from ``benchmarks/headline.json``."""
    b, s = r["batch_run"], r["sobol"]
    load = "/".join(f"{x:.1f}" for x in r["load_average_start"]) + " at the start"
    if "load_average_end" in r:
        load += ", " + "/".join(f"{x:.1f}" for x in r["load_average_end"]) + " at the end"
    lines = [
        "# Performance",
        "",
        "Written by `python benchmarks/bench_engines.py --docs` from `benchmarks/headline.json`,",
        f"which `{r['command']}` measured in one run on {r['date_utc']} UTC",
        f"({r['cpus']} CPUs, {r['workers']} workers; load average {load}: the",
        "machine was shared, which slows every number here and can move the ratio either way).",
        "Do not edit by hand.",
        "",
        "| what | runs | seconds | runs/s | peak memory |",
        "|---|---:|---:|---:|---:|",
        f"| `mesa.batch_run(ResetModel)`, per-step collection | {b['runs']:,} | "
        f"{b['seconds']:.1f} | {b['runs_per_second']:,.1f} | |",
        f"| `resetsim sweep experiments/sobol.toml`, whole process | {s['runs']:,} | "
        f"{s['seconds']:.1f} | {s['runs_per_second']:,.0f} | "
        f"{s['peak_rss_mb_all_processes']:,.0f} MB all processes |",
    ]
    c = r.get("calibrate")
    if c:
        lines.append(
            f"| `resetsim calibrate` ({c['population']:,} particles x {c['replicates']} "
            f"replicates, {c['generations']} generations), whole process | "
            f"{c['simulations']:,} | {c['seconds_whole_process']:.0f} | "
            f"{c['simulations'] / c['seconds_whole_process']:,.0f} | "
            f"{c['peak_rss_mb_all_processes']:,.0f} MB all processes |"
        )
    lines += [
        "",
        f"**Sweep / `batch_run`: {r['ratio_sobol_to_batch_run']:,.0f}x** (runs per second).",
        "",
    ]
    if r.get("repeat", 1) > 1:
        pairs = ", ".join(f"{x:,.0f}x" for x in r["ratio_of_each_pair"])
        loads = ", ".join(f"{x:.1f}" for x in r["load_average_1min_after_each_pair"])
        lines += [
            f"The seconds and the ratio are medians of {r['repeat']} pairs, each `batch_run`",
            "then the sweep, so that both see the same moments of the machine; the pairs",
            f"alone gave {pairs} (one-minute load average after each: {loads}).",
            f"`batch_run` took {_seconds(b['samples_seconds'])} s, the sweep "
            f"{_seconds(s['samples_seconds'])} s.",
            "",
        ]
    if "ratio_per_cpu_second" in r:
        lines += [
            "Per CPU second (the CPU time of the sweep's whole process tree, sampled every",
            "0.1 s, against `batch_run`'s process time), which a busy machine moves less:",
            f"{s['cpu_seconds_all_processes']:.1f} CPU s for the sweep, "
            f"{b['cpu_seconds']:.1f} CPU s for `batch_run`: "
            f"**{r['ratio_per_cpu_second']:,.0f}x**.",
            "",
        ]
    lines += split_section(r)
    lines += PIPELINE
    lines += [
        "The compiled engine's first call in a new process (import, two runs):",
        f"{r['compile_cold_seconds']:.1f} s with an empty numba cache (it compiles the kernel),",
        f"{r['compile_warm_seconds']:.1f} s once the cache holds it (numba's `cache=True`:",
        "`__pycache__` beside the module, or `NUMBA_CACHE_DIR`).",
        "",
    ]
    if c:
        lines += [
            f"`resetsim calibrate` reported {c['simulations_per_second_reported']:,.0f} "
            "simulations/s over its generations (simulation, distances and resampling).",
            "",
        ]
    return "\n".join(lines)


def _seconds(xs) -> str:
    return ", ".join(f"{x:.2f}" for x in xs)


BEFORE = REPO / "benchmarks" / "sweep_split_before.json"

#: How the sweep's pipeline keeps up with the compiled engine (static text of the page).
PIPELINE = [
    "What a whole-process sweep does to keep up with the compiled engine:",
    "",
    "* `resetsim COMMAND` imports only that command's modules (the ladder's",
    "  properscoring, which compiles at import, stays out of a sweep); the",
    "  Student t quantile comes from `scipy.special` and the Sobol' sequence from",
    "  `resetsim.analysis.sobol`, so the sweep never imports `scipy.stats`, SALib or",
    "  Mesa.",
    "* The Saltelli sample is SALib's matrix (the same scrambled Sobol' points,",
    "  tested bit for bit), so the runs are the same; the indices are SALib's",
    "  estimators for every parameter at once, with bootstrap intervals as one",
    "  matrix product (`sobol.csv`'s `*_conf`, `*_lo`, `*_hi` columns come from a",
    "  `SeedSequence`-seeded generator: statistically equivalent to SALib's, not",
    "  the same numbers).",
    "* A chunk (6,144 runs of history) costs 0.144 CPU s instead of 0.207: the",
    "  compiled kernel 0.121 instead of 0.163 (equations and random numbers",
    "  inlined, numba's noalias, the issue areas as a fixed-length tuple so their",
    "  loops unroll, quiet quarters skip the nil forcing steps, the stronger side's",
    "  status power skips pow since 1**y = 1) and its metrics 0.024 instead of",
    "  0.044 (the fidelity alignment compiled, the index's trust shares in the",
    "  compiled pass, only the stored spiral measures):",
    "  `python benchmarks/chunk_cost.py --against DIR` (DIR: a checkout of the",
    "  code before; load 2.6, the least of 8 chunks x 2 rounds).",
    "* The shipped metrics name themselves without a run (planning simulates",
    "  nothing); a chunk computes only the metric groups the sweep stores; episode",
    "  detection of many runs is compiled (numba, cached), bit for bit the",
    "  vectorised reference.",
    "* The command line starts the process pool's fork server before it imports",
    "  the sweep's modules; the server imports and warms the engine and the",
    "  detection once while the main process imports and plans, and the workers",
    "  fork from it warm.  In the server numba loads without its BLAS probe (an",
    "  import of all of `scipy.linalg`, for `np.correlate` and `np.convolve` only,",
    "  which no compiled code here calls), and the server ends without the",
    "  interpreter's teardown; the sweep's own process skips the last garbage",
    "  collections at exit (`gc.freeze`).",
    "* The main process loads matplotlib while it waits for the fork server (a",
    "  core is idle then), and writes `runs.parquet` and `points.parquet` in",
    "  threads while it summarises and draws.  Chunk files stay",
    "  parquet with pyarrow's default (snappy) compression: a 6,144-run chunk",
    "  takes about 9 ms to write with it and 8 ms without.",
    "",
]


def split_section(r: dict) -> list[str]:
    """Where the sweep's time goes (``sweep_split.py``), beside the split measured
    before the sweep's pipeline was made faster, if that file is there."""
    split = r.get("sobol_split")
    if not split:
        return []
    before = json.loads(BEFORE.read_text("utf-8")) if BEFORE.exists() else None
    head = "| phase (main process) | seconds |"
    rule = "|---|---:|"
    if before:
        head = "| phase (main process) | before | now |"
        rule = "|---|---:|---:|"
    lines = [
        "Where the time goes: one more run of the same sweep under cProfile",
        "(`benchmarks/sweep_split.py`; its main process, cumulative seconds of the",
        "sweep's own functions; profiling slows it somewhat)"
        + (
            f", beside the same split of the sweep before its pipeline was made faster "
            f"(`{before['command']}`, {before['date_utc']} UTC):"
            if before
            else ":"
        ),
        "",
        head,
        rule,
    ]
    now = split["split_seconds"]
    old = before["split_seconds"] if before else {}
    for k in dict.fromkeys([*old, *now]):
        a = f"{old[k]:.2f}" if k in old else ""
        c = f"{now[k]:.2f}" if k in now else ""
        lines.append(f"| {k} | {a} | {c} |" if before else f"| {k} | {c} |")
    total = f"{split['wall_seconds']:.2f}"
    lines.append(
        f"| **whole process** | {before['wall_seconds']:.2f} | {total} |"
        if before
        else f"| **whole process** | {total} |"
    )
    return [*lines, ""]


def _seeds(result) -> list[int]:
    import pyarrow.parquet as pq

    return pq.read_table(result.out / "runs.parquet", columns=["seed"]).column(0).to_pylist()


if __name__ == "__main__":
    sys.exit(main())
