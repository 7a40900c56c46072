"""Bayesian calibration (ABC-SMC) of the dynamics parameters against a
scenario's in-sample evidence: the paper's episodes (its targets file), the
paper's six turning points and the observed opinion series to 2013 (Gallup,
Levada; as rank correlations).  The paper's 2016/2020 opinion figures and
anything after --train-until are never fitted: they are scored.

The sampler is adaptive population Monte Carlo ABC on the fast engine (see
docs/CALIBRATION.md): priors uniform on the registry bounds of the calibrated
parameters (default: 12, listed in meta.json; every other parameter stays at
its registry default), a population of --population particles, each the mean
of --replicates runs, tolerance = the median distance of old and new
particles, Gaussian moves in logit coordinates with twice the weighted
covariance, importance weights against the prior.  Deterministic for a
--seed whatever --workers; each finished generation is saved, so --resume
continues an interrupted calibration and ends exactly where an uninterrupted
one would.

Files written to --out DIR:
  posterior.parquet   one row per particle: each calibrated parameter and
                      `weight` (summing to 1); usable as a scenario's
                      `posterior = "..."`
  posterior.csv       per parameter: prior bounds, default, posterior mean,
                      median, 5% and 95% quantiles, width of the 90% interval
                      relative to the prior's
  generations.csv     per generation: proposals, kept, acceptance, tolerance,
                      effective sample size (ESS), runs, median distance
  predictive.csv      prior / posterior / point-estimate predictive checks:
                      mean discrepancy per component, fidelity score, share
                      of the six turns, held-out (oos_*) skill
  predictive.png      the predictive bands of mean trust, prior vs posterior,
                      with the observed series' ranks
  marginals.png       marginal posterior of each parameter over its prior range
  pairs.png           pairwise posterior scatter (weighted)
  meta.json           command, settings, prior, fixed parameters, evidence,
                      simulations, wall time, software versions
  generations/        per-generation state (config.json, generation_NNN.npz)
                      that --resume reads
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

from resetsim.cli.common import UsageError, parse_sets, without_posterior
from resetsim.core import io
from resetsim.core import params as prm
from resetsim.experiments import abc, abc_report
from resetsim.experiments import evidence as evd
from resetsim.scenario import compile_scenario, load

NAME = "calibrate"
HELP = "Bayesian calibration (ABC-SMC): a posterior of the parameters from in-sample evidence"

#: What ``--overwrite`` may remove from --out (nothing else is touched).
OUTPUTS = (
    "posterior.parquet",
    "posterior.csv",
    "generations.csv",
    "predictive.csv",
    "predictive.png",
    "marginals.png",
    "pairs.png",
    "meta.json",
)


def add_arguments(p) -> None:
    p.add_argument("scenario", metavar="SCENARIO", help="scenario TOML file with `targets`")
    p.add_argument("--out", metavar="DIR", required=True, help="output folder (see above)")
    p.add_argument(
        "--population", type=int, default=1000, metavar="N", help="particles (default 1000)"
    )
    p.add_argument(
        "--generations",
        type=int,
        default=10,
        metavar="G",
        help="generations, the prior draw included (default 10; stops earlier when "
        "fewer than 2%% of a generation's proposals are kept)",
    )
    p.add_argument(
        "--replicates",
        type=int,
        default=4,
        metavar="R",
        help="runs per particle, averaged before the distance (default 4)",
    )
    p.add_argument("--seed", type=int, default=1, metavar="S", help="seed (default 1)")
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="W",
        help="processes (default 1; the result does not depend on it)",
    )
    p.add_argument(
        "--params",
        metavar="A,B,...",
        help="parameters to calibrate (default: the 12 of docs/CALIBRATION.md)",
    )
    p.add_argument(
        "--set",
        action="append",
        metavar="NAME=VALUE",
        help="hold a parameter at a value (repeatable)",
    )
    p.add_argument(
        "--train-until",
        metavar="DATE",
        help="fit only evidence dated up to DATE (e.g. 2009-06-30); score the rest",
    )
    p.add_argument(
        "--leave-out",
        metavar="TARGET",
        help="leave one target (episode id) or turn out of the fit and score it",
    )
    p.add_argument(
        "--predictive",
        type=int,
        default=400,
        metavar="K",
        help="parameter draws for each predictive check (default 400)",
    )
    p.add_argument("--resume", action="store_true", help="continue from the last saved generation")
    p.add_argument("--overwrite", action="store_true", help="start again in a non-empty --out")
    p.add_argument("--quiet", action="store_true", help="no progress bars")


#: The largest value each count option takes (beyond them a calibration
#: cannot finish on any machine resetsim targets).
LIMITS = {
    "population": 1_000_000,
    "generations": 1_000,
    "replicates": 10_000,
    "workers": 1_024,
    "predictive": 1_000_000,
}


def _check(args) -> None:
    for flag, limit in LIMITS.items():
        if not 1 <= getattr(args, flag) <= limit:
            raise UsageError(f"--{flag} must be between 1 and {limit:,}")
    if args.population < 4:
        raise UsageError("--population must be at least 4")
    if args.seed < 0:
        raise UsageError("--seed must be >= 0")


def run(args) -> int:
    _check(args)
    # a calibration starts from the prior: the scenario's own posterior is ignored
    scenario = without_posterior(load(args.scenario), True)
    if not scenario.targets:
        raise UsageError(f"{args.scenario} names no targets file (add `targets = ...`)")
    fixed = parse_sets(args.set)
    names = [n.strip() for n in args.params.split(",")] if args.params else list(abc.PARAMETERS)
    names = [n for n in names if n and n not in fixed]
    unknown = [n for n in names if n not in prm.PARAM_BY_NAME]
    if unknown:
        raise UsageError(f"--params {unknown[0]}: {prm.unknown_parameter(unknown[0])}")
    if len(names) < 2:
        raise UsageError("--params: calibrate at least two parameters")
    compiled = compile_scenario(scenario)
    try:
        ev = evd.make_evidence(compiled, args.train_until, args.leave_out)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    out = Path(args.out)
    state = out / "generations"
    if io.is_nonempty_dir(out) and not (args.resume or args.overwrite):
        raise UsageError(f"--out {out} is not empty (use --resume to continue or --overwrite)")
    io.check_writable(out)
    if args.overwrite and not args.resume and io.is_nonempty_dir(out):
        # only a folder calibrate made, holding only what it writes
        io.check_replaceable(out, protect=[args.scenario], allowed=(*OUTPUTS, state.name))
        shutil.rmtree(state, ignore_errors=True)
        for name in OUTPUTS:
            (out / name).unlink(missing_ok=True)
    if not io.is_nonempty_dir(out):
        io.make_dirs(out)
        io.write_marker(out, "calibrate", extra=(*OUTPUTS, state.name))
    prior = abc.Prior.registry(names)
    settings = abc.Settings(
        population=args.population,
        generations=args.generations,
        seed=args.seed,
        replicates=args.replicates,
        workers=args.workers,
    )
    t0 = time.perf_counter()
    try:
        gens = abc.run(
            compiled,
            prior,
            settings,
            fixed=fixed,
            evidence=ev,
            folder=state,
            resume=args.resume,
            scenario=str(args.scenario),
            progress=None if args.quiet else abc_report.progress_bar,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    wall = time.perf_counter() - t0
    report = abc_report.report(
        compiled, prior, settings, fixed, ev, gens, args.predictive, quiet=args.quiet
    )
    io.write_atomic(
        out / "posterior.parquet", lambda p: report.posterior.to_parquet(p, index=False)
    )
    for name, table in (
        ("posterior.csv", report.table),
        ("generations.csv", report.generations),
        ("predictive.csv", report.predictive),
    ):
        io.write_atomic(
            out / name, lambda p, t=table: t.to_csv(p, index=False, float_format="%.6g")
        )
    for name, fig in report.figures.items():
        io.write_atomic(out / name, lambda p, f=fig: f.savefig(p, format="png", dpi=110))
    meta = abc_report.meta(
        prior, settings, fixed, ev, gens, wall, " ".join(["resetsim", *sys.argv[1:]]), report.ess
    )
    meta["scenario"] = os.fspath(args.scenario)
    meta["predictive_wall_seconds"] = report.wall
    io.write_json(out / "meta.json", meta)
    print("\n".join(abc_report.lines(report, gens, wall)))
    print(
        f"wrote {out}/ ({len(gens)} generations, {report.ess:.0f} effective particles)",
        file=sys.stderr,
    )
    return 0
