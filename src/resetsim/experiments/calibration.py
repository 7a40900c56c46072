"""Calibration: search the dynamics parameters for the best fidelity to a
scenario's targets (the search behind ``resetsim calibrate``).

One parameter set for the whole timeline: each candidate is scored by its
*mean* fidelity score (:mod:`resetsim.analysis.fidelity`) over many
replications, all candidates on the same replication seeds (common random
numbers), less a penalty for saturated cooperation.  Three stages:

1. a Latin-hypercube search of the box (each searched parameter between
   default / spread and default * spread on a log scale, within its registry
   bounds; or the whole registry range with ``full_range``);
2. refinement: rounds of Gaussian perturbations (in the box's unit
   coordinates, shrinking each round) around the best candidates so far;
3. validation of the best few on fresh seeds; the winner is the best validated.

Candidates run as one ensemble with per-run parameter arrays, so a batch of
hundreds of candidates costs one simulation.  Everything is seeded: the same
call gives the same result.  Detection thresholds (det_*), structural
switches (k_*), trust_noise and shock_rate_scale are never searched by
default.  See docs/EPISODES.md, "Calibration".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from resetsim.analysis.metrics import required_columns, run_metrics
from resetsim.core import params as prm
from resetsim.engines.ensemble import simulate
from resetsim.engines.randomness import replication_seeds
from resetsim.experiments.design import latin_hypercube
from resetsim.scenario import Compiled

#: Parameters searched by default: the dynamics, not switches, noise or detection.
DEFAULT_SEARCH: tuple[str, ...] = tuple(
    p.name
    for p in prm.PARAMETERS
    if p.group not in ("switches", "detection", "shocks")
    and p.name not in ("trust_noise", "power_shock_decay")
)

#: Cooperation at or above this counts as "saturated" (both willingness pinned at 1).
SATURATED = 0.95
#: How many of the best candidates are validated on fresh seeds.
VALIDATED = 5


class Box:
    """The search box: unit coordinates in [0, 1] <-> parameter values."""

    def __init__(self, names, spread: float, full: bool, base: Mapping[str, float]):
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


def unit_latin_hypercube(m: int, d: int, rng: np.random.Generator) -> np.ndarray:
    """``m`` points of a Latin hypercube in ``[0, 1]^d``: the experiments'
    :func:`~resetsim.experiments.design.latin_hypercube` (the one owner of the
    rule), seeded from the search's own random stream (so one ``seed``
    fixes the whole search)."""
    return latin_hypercube([(0.0, 1.0)] * d, m, int(rng.integers(2**32)))


def score(
    compiled: Compiled,
    box: Box,
    values: np.ndarray,
    seeds: np.ndarray,
    fixed: Mapping[str, float],
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
    record = required_columns(compiled.state_ids)
    for a in range(0, m, per_batch):
        b = min(m, a + per_batch)
        k = b - a
        overrides = dict(fixed)
        for j, name in enumerate(box.names):
            overrides[name] = np.repeat(values[a:b, j], s)
        traj = simulate(compiled, np.tile(seeds, k), overrides, record=record)
        met = run_metrics(compiled, traj.data, compiled.params(overrides))
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


def round3(v: float) -> str:
    """Three significant figures: what goes into the registry."""
    return f"{float(f'{v:.3g}'):g}"


@dataclass
class Calibration:
    """The outcome of :func:`calibrate`."""

    names: list[str]  # searched parameters
    base: dict[str, float]  # starting values (defaults, --around, fixed)
    box: Box
    units: np.ndarray  # every candidate, unit coordinates (first: the defaults)
    scores: np.ndarray  # its objective on the search seeds
    stages: list[str]  # "default", "lhs", "refine1", ...
    validation: np.ndarray  # objective on fresh seeds: defaults, then the best few
    details: list[dict[str, float]]  # mean metrics of each validated candidate
    winner: int  # index into validation / details (>= 1)
    best: np.ndarray  # the winner's parameter values
    fixed: dict[str, float] = field(default_factory=dict)

    def candidates(self) -> pd.DataFrame:
        """``candidates.csv``: stage, objective, parameter values."""
        cand = pd.DataFrame(self.box.values(self.units), columns=self.names)
        cand.insert(0, "stage", self.stages)
        cand.insert(1, "objective", self.scores)
        return cand

    def best_table(self) -> pd.DataFrame:
        """``best.csv``: per parameter its default, calibrated and rounded value, bounds."""
        rows = []
        for name, v in zip(self.names, self.best, strict=True):
            spec = prm.PARAM_BY_NAME[name]
            rows.append(
                {
                    "name": name,
                    "default": self.base[name],
                    "calibrated": float(v),
                    "rounded": float(round3(v)),
                    "low": spec.low,
                    "high": spec.high,
                }
            )
        return pd.DataFrame(rows)


def calibrate(
    compiled: Compiled,
    names: Sequence[str] = DEFAULT_SEARCH,
    *,
    fixed: Mapping[str, float] | None = None,
    anchor: Mapping[str, float] | None = None,
    spread: float = 3.0,
    full_range: bool = False,
    candidates: int = 2000,
    runs: int = 24,
    rounds: int = 8,
    round_size: int = 400,
    validate_runs: int = 500,
    saturation_penalty: float = 0.5,
    seed: int = 1,
    say: Callable[[str], None] | None = None,
) -> Calibration:
    """Search ``names`` (not in ``fixed``) for the best objective against the
    scenario's targets; see the module's docstring for the stages.

    ``anchor`` centres the search on its values instead of the defaults (the
    parameters it lists but that are not searched are held at its values);
    ``fixed`` holds parameters during the search.  ``say`` receives progress
    lines.
    """
    fixed = dict(fixed or {})
    anchor = dict(anchor or {})
    names = [n for n in names if n not in fixed]
    fixed = {**{k: v for k, v in anchor.items() if k not in names}, **fixed}
    base = {k: float(v) for k, v in compiled.params({**anchor, **fixed}).items()}
    box = Box(names, spread, full_range, base)
    rng = np.random.default_rng(seed)
    seeds = replication_seeds(seed, runs)
    pen = float(saturation_penalty)
    say = say or (lambda line: None)

    def objective(u: np.ndarray) -> np.ndarray:
        return score(compiled, box, box.values(u), seeds, fixed, pen)

    default_u = box.units(np.array([[base[n] for n in names]]))
    lhs = unit_latin_hypercube(candidates, len(names), rng)
    all_u = np.vstack([default_u, lhs])
    all_s = np.concatenate([objective(default_u), objective(lhs)])
    stages = ["default"] + ["lhs"] * candidates
    say(
        f"searching {len(names)} parameters over {runs} runs each; defaults "
        f"{all_s[0]:.3f}; stage 1 ({candidates} candidates): best {all_s.max():.3f}"
    )
    sigma = 0.15
    for r in range(rounds):
        top = np.argsort(-all_s, kind="stable")[:10]
        parents = all_u[top[rng.integers(0, len(top), round_size)]]
        mask = rng.random(parents.shape) < max(0.2, 3.0 / len(names))
        kids = np.clip(parents + rng.normal(0.0, sigma, parents.shape) * mask, 0.0, 1.0)
        all_u = np.vstack([all_u, kids])
        all_s = np.concatenate([all_s, objective(kids)])
        stages += [f"refine{r + 1}"] * len(kids)
        say(f"round {r + 1}: best {all_s.max():.3f} (sigma {sigma:.3f})")
        sigma *= 0.8

    top = np.argsort(-all_s, kind="stable")[:VALIDATED]
    cand_u = np.vstack([default_u, all_u[top]])
    vseeds = replication_seeds(seed + 7919, validate_runs)
    vscore, vdetail = score(compiled, box, box.values(cand_u), vseeds, fixed, pen, detail=True)
    win = 1 + int(np.argmax(vscore[1:]))
    say(
        f"validated on {validate_runs} fresh runs: "
        + ", ".join(f"{v:.3f}" for v in vscore)
        + " (first = defaults)"
    )
    return Calibration(
        names=names,
        base=base,
        box=box,
        units=all_u,
        scores=all_s,
        stages=stages,
        validation=vscore,
        details=vdetail,
        winner=win,
        best=box.values(cand_u[win : win + 1])[0],
        fixed=fixed,
    )
