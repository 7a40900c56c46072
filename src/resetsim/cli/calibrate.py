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

import numpy as np
import pandas as pd

from resetsim.analysis import metrics as M
from resetsim.cli.common import UsageError, parse_sets
from resetsim.core import io
from resetsim.core import params as prm
from resetsim.engines.ensemble import simulate
from resetsim.engines.randomness import replication_seeds
from resetsim.scenario import compile_scenario, load

NAME = "calibrate"
HELP = "search the dynamics parameters for the best fidelity to a scenario's targets"

#: Parameters searched by default: the dynamics, not switches, noise or detection.
DEFAULT_SEARCH: tuple[str, ...] = tuple(
    p.name
    for p in prm.PARAMETERS
    if p.group not in ("switches", "detection", "shocks")
    and p.name not in ("trust_noise", "power_shock_decay")
)


#: Cooperation at or above this counts as "saturated" (both willingness pinned at 1).
SATURATED = 0.95


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


class Box:
    """The search box: unit coordinates in [0, 1] <-> parameter values."""

    def __init__(self, names, spread: float, full: bool, base: dict[str, float]):
        self.names = list(names)
        lo, hi, log = [], [], []
        for name in self.names:
            spec = prm.PARAM_BY_NAME[name]
            d = base[name]
            if full or d <= 0:
                a, b = spec.low, spec.high
                if not full and d <= 0:
                    # a default at zero: search up to a small positive value
                    b = min(spec.high, max(0.1 * (spec.high - spec.low), 1e-3))
                    a = max(spec.low, -b)
                lo.append(a)
                hi.append(b)
                log.append(False)
            else:
                a = max(spec.low, d / spread)
                b = min(spec.high, d * spread)
                use_log = a > 0
                lo.append(a)
                hi.append(b)
                log.append(use_log)
        self.lo = np.array(lo)
        self.hi = np.array(hi)
        self.log = np.array(log)

    def values(self, u: np.ndarray) -> np.ndarray:
        """Unit coordinates ``(m, d)`` -> parameter values ``(m, d)``."""
        u = np.clip(u, 0.0, 1.0)
        lin = self.lo + u * (self.hi - self.lo)
        with np.errstate(divide="ignore", invalid="ignore"):
            lg = np.exp(
                np.log(np.where(self.log, self.lo, 1.0))
                + u
                * (
                    np.log(np.where(self.log, self.hi, 1.0))
                    - np.log(np.where(self.log, self.lo, 1.0))
                )
            )
        return np.where(self.log, lg, lin)

    def units(self, values: np.ndarray) -> np.ndarray:
        v = np.asarray(values, dtype=float)
        lin = (v - self.lo) / np.where(self.hi > self.lo, self.hi - self.lo, 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            lg = (np.log(np.maximum(v, 1e-300)) - np.log(np.where(self.log, self.lo, 1.0))) / (
                np.log(np.where(self.log, self.hi, 2.0)) - np.log(np.where(self.log, self.lo, 1.0))
            )
        return np.clip(np.where(self.log, lg, lin), 0.0, 1.0)


def latin_hypercube(m: int, d: int, rng: np.random.Generator) -> np.ndarray:
    """``m`` points of a Latin hypercube in ``[0, 1]^d``."""
    u = (rng.random((m, d)) + np.arange(m)[:, None]) / m
    for j in range(d):
        u[:, j] = u[rng.permutation(m), j]
    return u


def evaluate(
    compiled,
    box: Box,
    values: np.ndarray,
    seeds: np.ndarray,
    fixed: dict,
    saturation_penalty: float = 0.0,
    max_runs: int = 8192,
    detail: bool = False,
):
    """The objective of each candidate row of ``values``: its mean fidelity
    score over ``seeds`` minus ``saturation_penalty`` times its mean share of
    quarters with cooperation at :data:`SATURATED` or more.

    With ``detail``, also the per-candidate means of every run metric plus
    ``saturated`` (the share of saturated quarters).
    """
    m, s = values.shape[0], len(seeds)
    per_batch = max(1, max_runs // s)
    scores = np.empty(m)
    details: list[dict[str, float]] = []
    record = M.required_columns(compiled.state_ids)
    for a in range(0, m, per_batch):
        b = min(m, a + per_batch)
        k = b - a
        overrides = dict(fixed)
        for j, name in enumerate(box.names):
            overrides[name] = np.repeat(values[a:b, j], s)
        traj = simulate(compiled, np.tile(seeds, k), overrides, record=record)
        met = M.run_metrics(compiled, traj.data, compiled.params(overrides))
        met["saturated"] = (traj.data["cooperation"] >= SATURATED).mean(axis=1)
        objective = met["fidelity_score"] - saturation_penalty * met["saturated"]
        scores[a:b] = objective.reshape(k, s).mean(axis=1)
        if detail:
            for i in range(k):
                row = {}
                for key, v in met.items():
                    vi = v.reshape(k, s)[i]
                    row[key] = float(np.nanmean(vi)) if np.isfinite(vi).any() else float("nan")
                details.append(row)
    return (scores, details) if detail else scores


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

    if args.around:
        anchor = read_parameters(args.around)
        fixed = {**{k: v for k, v in anchor.items() if k not in names}, **fixed}
    else:
        anchor = {}
    compiled = compile_scenario(scenario)
    base = {k: float(v) for k, v in compiled.params({**anchor, **fixed}).items()}
    box = Box(names, args.spread, args.full_range, base)
    rng = np.random.default_rng(args.seed)
    seeds = replication_seeds(args.seed, args.runs)
    pen = float(args.saturation_penalty)
    say = (lambda *a: None) if args.quiet else (lambda *a: print(*a, file=sys.stderr))

    def objective(u: np.ndarray) -> np.ndarray:
        return evaluate(compiled, box, box.values(u), seeds, fixed, pen)

    default_u = box.units(np.array([[base[n] for n in names]]))
    lhs = latin_hypercube(args.candidates, len(names), rng)
    all_u = np.vstack([default_u, lhs])
    all_s = np.concatenate([objective(default_u), objective(lhs)])
    stages = ["default"] + ["lhs"] * args.candidates
    say(
        f"searching {len(names)} parameters over {args.runs} runs each; defaults "
        f"{all_s[0]:.3f}; stage 1 ({args.candidates} candidates): best {all_s.max():.3f}"
    )
    sigma = 0.15
    for r in range(args.rounds):
        top = np.argsort(-all_s, kind="stable")[:10]
        parents = all_u[top[rng.integers(0, len(top), args.round_size)]]
        mask = rng.random(parents.shape) < max(0.2, 3.0 / len(names))
        kids = np.clip(parents + rng.normal(0.0, sigma, parents.shape) * mask, 0.0, 1.0)
        all_u = np.vstack([all_u, kids])
        all_s = np.concatenate([all_s, objective(kids)])
        stages += [f"refine{r + 1}"] * len(kids)
        say(f"round {r + 1}: best {all_s.max():.3f} (sigma {sigma:.3f})")
        sigma *= 0.8

    top = np.argsort(-all_s, kind="stable")[:5]
    cand_u = np.vstack([default_u, all_u[top]])
    vseeds = replication_seeds(args.seed + 7919, args.validate_runs)
    vscore, vdetail = evaluate(compiled, box, box.values(cand_u), vseeds, fixed, pen, detail=True)
    win = 1 + int(np.argmax(vscore[1:]))
    best_values = box.values(cand_u[win : win + 1])[0]
    say(
        f"validated on {args.validate_runs} fresh runs: "
        + ", ".join(f"{v:.3f}" for v in vscore)
        + " (first = defaults)"
    )

    rows = []
    for name, v in zip(names, best_values, strict=True):
        spec = prm.PARAM_BY_NAME[name]
        rows.append(
            {
                "name": name,
                "default": base[name],
                "calibrated": float(v),
                "rounded": float(_round(v)),
                "low": spec.low,
                "high": spec.high,
            }
        )
    table = pd.DataFrame(rows)
    d0, det = vdetail[0], vdetail[win]
    lines = [
        f"calibration of {scenario.name} against {scenario.targets}: {len(all_s)} candidates "
        f"x {args.runs} runs (seed {args.seed}), best 5 validated on {args.validate_runs} "
        "fresh runs",
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
            lines.append(f"  {r['name']:<32} {r['default']:.4g} -> {_round(r['calibrated'])}")
    print("\n".join(lines))
    if out is not None:
        cand = pd.DataFrame(box.values(all_u), columns=names)
        cand.insert(0, "stage", stages)
        cand.insert(1, "objective", all_s)
        with io.atomic_dir(out, overwrite=args.overwrite) as stage_dir:
            cand.to_csv(stage_dir / "candidates.csv", index=False, float_format="%.6g")
            table.to_csv(stage_dir / "best.csv", index=False, float_format="%.6g")
            toml = ["# " + " ".join(["resetsim", *sys.argv[1:]])]
            toml += [f"# {line}" for line in lines[:3]]
            toml += ["[parameters]"]
            toml += [f"{r['name']} = {_round(r['calibrated'])}" for r in rows]
            (stage_dir / "best.toml").write_text("\n".join(toml) + "\n", encoding="utf-8")
        print(f"wrote {out}/", file=sys.stderr)
    return 0


def read_parameters(path: str) -> dict[str, float]:
    """The ``[parameters]`` table of a TOML file, validated against the registry."""
    import tomllib


    try:
        with open(path, "rb") as fh:
            raw = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"--around {path}: {exc}") from None
    table = raw.get("parameters")
    if not isinstance(table, dict):
        raise UsageError(f"--around {path}: no [parameters] table")
    problems = prm.check_overrides(table)
    if problems:
        raise UsageError("; ".join(f"--around {path}: {n}: {m}" for n, m in problems))
    return {k: float(v) for k, v in table.items()}


def _round(v: float) -> str:
    """Three significant figures: what goes into the registry."""
    return f"{float(f'{v:.3g}'):g}"
