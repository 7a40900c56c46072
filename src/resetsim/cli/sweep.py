"""Run an experiment: a design over parameters, many runs, one row per run.

Writes DIR/runs.parquet (one row per run: run, point, condition, replication,
seed, parameter values, metrics), DIR/summary.csv (per design point or
condition, with 95% confidence intervals), figures suited to the design and,
for Sobol' designs, DIR/sobol.csv.  Chunks of runs are saved as they finish: a
sweep that was interrupted (even killed) completes with --resume.  Results are
identical whatever --workers or --scheduler.  See docs/EXPERIMENTS.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

from resetsim.cli.common import (
    UsageError,
    add_engine,
    add_figure_formats,
    check_runs_and_seed,
    figure_formats,
)
from resetsim.core import io, pool
from resetsim.experiments import SweepError, executors, make_plan, sweep
from resetsim.experiments.executors import check_address

NAME = "sweep"
HELP = "run an experiment file (grid, Latin hypercube, Sobol', conditions)"


#: More worker processes than this is a typo (each is a whole Python process).
MAX_WORKERS = 1_024


def add_arguments(p) -> None:
    p.add_argument("experiment", metavar="EXPERIMENT", help="experiment TOML file")
    p.add_argument(
        "--out", metavar="DIR", help="output directory (default: sweeps/<experiment name>)"
    )
    p.add_argument(
        "--runs",
        type=int,
        metavar="N",
        help="replications per design point (overrides the file's; for a quick look)",
    )
    p.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help=f"worker processes (default: all cores, here {pool.cores()}; 1 = in-process)",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run the chunks on an existing Dask cluster (e.g. tcp://10.0.0.5:8786)",
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue an interrupted sweep in DIR (only the missing chunks run)",
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace a non-empty DIR (e.g. a finished sweep) with this sweep",
    )
    add_engine(p)
    p.add_argument(
        "--chunk-size",
        type=int,
        metavar="N",
        help="runs per chunk (default: the file's, else about 1/32 of the runs, at most 10000)",
    )
    p.add_argument(
        "--no-posterior",
        action="store_true",
        help="ignore the scenario's `posterior`: every run at the point estimate "
        "(else each run draws the parameters the design does not set from it)",
    )
    p.add_argument("--no-figures", action="store_true", help="skip the figures")
    add_figure_formats(p)
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")


def run(args) -> int:

    formats = figure_formats(args.figure_formats)
    check_runs_and_seed(args)
    if args.workers is not None and not 1 <= args.workers <= MAX_WORKERS:
        raise UsageError(f"--workers must be between 1 and {MAX_WORKERS}")
    if args.chunk_size is not None and not 1 <= args.chunk_size <= 100_000:
        raise UsageError("--chunk-size must be between 1 and 100000")
    if args.scheduler and args.workers is not None:
        raise UsageError("give --workers or --scheduler, not both (the cluster has its workers)")
    if args.scheduler and not executors.dask_installed():
        raise UsageError(
            "--scheduler needs Dask, which is not installed: pip install 'resetsim[dask]'"
        )
    if args.resume and args.overwrite:
        raise UsageError("give --resume or --overwrite, not both")
    if args.scheduler is not None:
        problem = check_address(args.scheduler)
        if problem:
            raise UsageError(f"--scheduler: {problem}")
    if args.scheduler is None and (args.workers or pool.cores()) > 1:
        executors.start_server()  # its workers' imports overlap the planning
    try:
        plan = make_plan(
            args.experiment,
            runs=args.runs,
            engine=args.engine,
            chunk_size=args.chunk_size,
            posterior=not args.no_posterior,
        )
    except SweepError as exc:
        raise UsageError(str(exc)) from None
    out = Path(args.out or Path("sweeps") / plan.experiment.name)
    workers = args.workers or pool.cores()
    if not args.quiet:
        where = (
            f"Dask cluster {args.scheduler}"
            if args.scheduler
            else "in-process"
            if workers == 1
            else f"{workers} worker processes"
        )
        print(
            f"{plan.experiment.name}: {plan.design.type} design, {plan.design.n_points} "
            f"point(s) x {plan.replications} replication(s) = {plan.n_runs:,} runs in "
            f"{plan.n_chunks} chunk(s) of <= {plan.chunk_size}, engine {plan.engine}, {where}",
            file=sys.stderr,
        )
    try:
        result = sweep(
            plan,
            out,
            workers=workers,
            scheduler=args.scheduler,
            resume=args.resume,
            overwrite=args.overwrite,
            progress=False if args.quiet else None,
            figures=not args.no_figures,
            figure_formats=formats,
        )
    except SweepError as exc:
        raise UsageError(str(exc)) from None
    except (KeyboardInterrupt, io.Stopped) as exc:
        print(
            f"interrupted; finished chunks are saved in {out}/ -- rerun with --resume to "
            "complete the sweep",
            file=sys.stderr,
        )
        return 128 + exc.signum if isinstance(exc, io.Stopped) else 130
    if not args.quiet:
        if not result.outputs and result.ran_chunks == 0:
            print(f"{out}/ already holds the complete sweep; nothing to do", file=sys.stderr)
        else:
            resumed = (
                f" (resumed: {result.skipped_chunks} chunk(s) were already done)"
                if result.skipped_chunks
                else ""
            )
            print(
                f"{plan.n_runs:,} runs in {result.seconds:.1f} s{resumed}; wrote {out}/: "
                + ", ".join(result.outputs),
                file=sys.stderr,
            )
    return 0
