"""Calibrate the dynamics parameters against a scenario's targets file.

One parameter set for the whole timeline: each candidate is scored by its
*mean* fidelity score (resetsim.fidelity) over many replications, all candidates
on the same replication seeds (common random numbers).  Three stages:

1. a Latin-hypercube search of the box (each searched parameter between
   default / spread and default * spread on a log scale, within its registry
   bounds; or the whole registry range with --full-range);
2. refinement: rounds of Gaussian perturbations (in the box's unit
   coordinates, shrinking each round) around the best candidates so far;
3. validation of the best few on fresh seeds; the winner is the best validated.

Candidates run as one ensemble with per-run parameter arrays, so a batch of
hundreds of candidates costs one simulation.  Everything is seeded (--seed):
the same command prints the same result.  Detection thresholds (det_*),
structural switches (k_*), trust_noise and shock_rate_scale are never searched.
See docs/EPISODES.md, "Calibration".
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

from resetsim.cli.common import UsageError, parse_sets
from resetsim.core import io
from resetsim.core import params as prm
from resetsim.core.config import Problem, ScenarioError, read_toml
from resetsim.experiments.calibration import DEFAULT_SEARCH, calibrate, round3
from resetsim.scenario import compile_scenario, load

# The module's docstring is the command's --help; the search itself lives in
# resetsim.experiments.calibration: this module parses, loads, calls, writes.

NAME = "calibrate"
HELP = "search the dynamics parameters for the best fidelity to a scenario's targets"


def add_arguments(p) -> None:
    p.add_argument("scenario", metavar="SCENARIO", help="scenario TOML file with `targets`")
    p.add_argument(
        "--params",
        metavar="A,B,...",
        help="parameters to search (default: all dynamics parameters, see the module doc)",
    )
    p.add_argument(
        "--around",
        metavar="TOML",
        help="centre the search on the [parameters] of this file instead of the current "
        "defaults (parameters it lists but that are not searched are held at its values); "
        "makes a calibration reproducible after the defaults have changed",
    )
    p.add_argument(
        "--spread",
        type=float,
        default=3.0,
        metavar="F",
        help="search default/F .. default*F (log scale; default 3)",
    )
    p.add_argument(
        "--full-range",
        action="store_true",
        help="search each parameter's whole registry range instead",
    )
    p.add_argument(
        "--candidates",
        type=int,
        default=2000,
        metavar="N",
        help="Latin-hypercube candidates in stage 1 (default 2000)",
    )
    p.add_argument(
        "--runs",
        type=int,
        default=24,
        metavar="N",
        help="replications per candidate while searching (default 24)",
    )
    p.add_argument(
        "--rounds", type=int, default=8, metavar="R", help="refinement rounds (default 8)"
    )
    p.add_argument(
        "--round-size",
        type=int,
        default=400,
        metavar="N",
        help="candidates per refinement round (default 400)",
    )
    p.add_argument(
        "--validate-runs",
        type=int,
        default=500,
        metavar="N",
        help="fresh replications to validate the best 5 (default 500)",
    )
    p.add_argument(
        "--saturation-penalty",
        type=float,
        default=0.5,
        metavar="W",
        help="objective = mean fidelity score - W x share of quarters with cooperation "
        ">= 0.95 (the paper: at best a limited partnership; default 0.5)",
    )
    p.add_argument("--seed", type=int, default=1, metavar="S", help="search seed (default 1)")
    p.add_argument(
        "--set",
        action="append",
        metavar="NAME=VALUE",
        help="fix a parameter during the search (repeatable)",
    )
    p.add_argument("--out", metavar="DIR", help="write candidates.csv and best.toml here")
    p.add_argument("--overwrite", action="store_true", help="replace a non-empty --out")
    p.add_argument("--quiet", action="store_true", help="no progress output")


def run(args) -> int:
    scenario = load(args.scenario)
    if not scenario.targets:
        raise UsageError(f"{args.scenario} names no targets file (add `targets = ...`)")
    fixed = parse_sets(args.set)
    names = [n.strip() for n in args.params.split(",")] if args.params else list(DEFAULT_SEARCH)
    names = [n for n in names if n and n not in fixed]
    unknown = [n for n in names if n not in prm.PARAM_BY_NAME]
    if unknown:
        raise UsageError(f"--params: unknown parameter(s) {', '.join(unknown)}")
    if not names:
        raise UsageError("--params: nothing to search")
    if args.spread <= 1:
        raise UsageError("--spread must be > 1")
    if args.saturation_penalty < 0:
        raise UsageError("--saturation-penalty must be >= 0")
    for flag in ("candidates", "runs", "round_size", "validate_runs"):
        if getattr(args, flag) < 1:
            raise UsageError(f"--{flag.replace('_', '-')} must be at least 1")
    if args.rounds < 0:
        raise UsageError("--rounds must be >= 0")
    out = Path(args.out) if args.out else None
    if out is not None:
        io.check_output_dir(out, args.overwrite)
    anchor = read_parameters(args.around) if args.around else {}

    result = calibrate(
        compile_scenario(scenario),
        names,
        fixed=fixed,
        anchor=anchor,
        spread=args.spread,
        full_range=args.full_range,
        candidates=args.candidates,
        runs=args.runs,
        rounds=args.rounds,
        round_size=args.round_size,
        validate_runs=args.validate_runs,
        saturation_penalty=args.saturation_penalty,
        seed=args.seed,
        say=None if args.quiet else (lambda line: print(line, file=sys.stderr)),
    )
    pen = float(args.saturation_penalty)
    vscore, win = result.validation, result.winner
    table = result.best_table()
    rows = table.to_dict("records")
    d0, det = result.details[0], result.details[win]
    lines = [
        f"calibration of {scenario.name} against {scenario.targets}: {len(result.scores)} "
        f"candidates x {args.runs} runs (seed {args.seed}), best 5 validated on "
        f"{args.validate_runs} fresh runs",
        f"objective (mean fidelity score - {pen:g} x saturated share): "
        f"defaults {vscore[0]:.3f} -> best {vscore[win]:.3f}",
        f"mean fidelity score: defaults {d0['fidelity_score']:.3f} -> "
        f"best {det['fidelity_score']:.3f}",
    ]
    keys = [k for k in det if k.startswith("match_")]
    keys += ["targets_in_window", "spurious", "lows_descending", "saturated"]
    lines.append("  best: " + ", ".join(f"{k} {det[k]:.2f}" for k in keys if k in det))
    lines.append("parameters (changed by more than 1%):")
    for r in rows:
        if not math.isclose(r["default"], r["rounded"], rel_tol=0.01, abs_tol=1e-9):
            lines.append(f"  {r['name']:<32} {r['default']:.4g} -> {round3(r['calibrated'])}")
    print("\n".join(lines))
    if out is not None:
        with io.atomic_dir(out, overwrite=args.overwrite) as stage_dir:
            result.candidates().to_csv(
                stage_dir / "candidates.csv", index=False, float_format="%.6g"
            )
            table.to_csv(stage_dir / "best.csv", index=False, float_format="%.6g")
            toml = ["# " + " ".join(["resetsim", *sys.argv[1:]])]
            toml += [f"# {line}" for line in lines[:3]]
            toml += ["[parameters]"]
            toml += [f"{r['name']} = {round3(r['calibrated'])}" for r in rows]
            (stage_dir / "best.toml").write_text("\n".join(toml) + "\n", encoding="utf-8")
        print(f"wrote {out}/", file=sys.stderr)
    return 0


def read_parameters(path: str) -> dict[str, float]:
    """The ``[parameters]`` table of a TOML file, validated against the registry
    (read like every data file: a byte-order mark is fine, any problem names
    the file and the field on one line)."""
    raw = read_toml(Path(path))
    table = raw.get("parameters")
    if not isinstance(table, dict):
        raise ScenarioError(
            [
                Problem(
                    path,
                    "parameters",
                    "--around needs a [parameters] table (name = value lines); "
                    "see scenarios/targets/calibration_start.toml",
                )
            ]
        )
    problems = prm.check_overrides(table)
    if problems:
        raise ScenarioError([Problem(path, f"parameters.{n}", m) for n, m in problems])
    return {k: float(v) for k, v in table.items()}
