"""Approximate Bayesian computation by sequential Monte Carlo (``resetsim calibrate``).

The sampler is adaptive population Monte Carlo ABC (Lenormand, Jabot and
Deffuant 2013, "Adaptive approximate Bayesian computation for complex models",
Comput. Stat. 28): a population of ``N`` particles, a tolerance that is the
``alpha``-quantile of the distances (adaptive), a Gaussian perturbation kernel
with twice the weighted covariance of the population, and importance weights
against the prior.

* Generation 0: ``N / alpha`` draws from the prior; the ``N`` nearest are kept
  (weight 1 each); the tolerance is the largest kept distance.
* Generation ``g >= 1``: ``N / alpha - N`` proposals, each a parent drawn by
  weight and moved by ``Normal(0, 2 Sigma)`` (``Sigma``: the weighted covariance
  of the population, in logit coordinates of the prior box, so no proposal
  leaves the prior's support).  A proposal's weight is
  ``prior(z) / sum_j w_j K(z | z_j)`` (``z = logit`` of the unit coordinates); the ``N`` nearest
  of old and new particles form the next population and its tolerance.
  The *acceptance* of a generation is the share of its proposals kept.
* It stops after ``generations`` generations or when the acceptance falls
  below ``min_acceptance`` (the population then hardly moves).

Each particle is ``replicates`` runs with their own seeds; its distance is that
of :func:`resetsim.experiments.evidence.distance` on the replicate means.  A
whole generation is one batch of array simulations on the fast engine, in
fixed chunks of particles (so the arithmetic does not depend on the number of
workers) spread over ``workers`` processes.  Every random number comes from
``numpy.random.SeedSequence``: generation ``g`` proposes from
``SeedSequence([seed, g, 0])`` and its runs take replication seeds of base
``SeedSequence([seed, g, 1])``; the result is bit-identical for a seed with any
number of workers, and a calibration resumed after an interrupted generation
(each finished generation is saved atomically) ends exactly where an
uninterrupted one would.
"""

from __future__ import annotations

import contextlib
import functools
import json
import multiprocessing as mp
import os
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from resetsim.core import io
from resetsim.core import params as prm
from resetsim.core.request import DEFAULT_ENGINE
from resetsim.engines.randomness import run_seeds
from resetsim.experiments import evidence as evd
from resetsim.experiments.executors import ChunkTask, _worker_init, run_chunk
from resetsim.scenario import Compiled, references

#: The calibrated parameters by default: the Sobol' leaders for the fidelity
#: score (docs/results/sobol.csv: w_interest, w_grievance, w_leader,
#: w_ideology, trust_erode, trust_build, w_trust) and five of model v2's new
#: mechanism rates (benchmarks/fit_model_v2.py).  Every other parameter stays
#: at its registry (v2) default.  See docs/CALIBRATION.md.
PARAMETERS: tuple[str, ...] = (
    "w_leader",
    "w_trust",
    "w_interest",
    "w_ideology",
    "w_grievance",
    "trust_build",
    "trust_erode",
    "f_grievance",
    "breach_scale",
    "expectation_hope",
    "perception_gap",
    "constraint_hawks",
)
#: Particles per simulation chunk (fixed: results do not depend on workers).
CHUNK_PARTICLES = 256


@dataclass(frozen=True)
class Prior:
    """Independent uniform priors on ``[low, high]`` (default: the registry's bounds)."""

    names: tuple[str, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]

    @classmethod
    def registry(cls, names: Sequence[str]) -> Prior:
        specs = [prm.PARAM_BY_NAME[n] for n in names]
        return cls(tuple(names), tuple(s.low for s in specs), tuple(s.high for s in specs))

    @property
    def d(self) -> int:
        return len(self.names)

    def values(self, u: np.ndarray) -> np.ndarray:
        """Unit coordinates -> parameter values."""
        lo, hi = np.array(self.low), np.array(self.high)
        return lo + np.asarray(u) * (hi - lo)

    def units(self, theta: np.ndarray) -> np.ndarray:
        lo, hi = np.array(self.low), np.array(self.high)
        return (np.asarray(theta) - lo) / (hi - lo)


@dataclass(frozen=True)
class Settings:
    population: int = 1000
    generations: int = 10
    seed: int = 1
    replicates: int = 4
    alpha: float = 0.5
    min_acceptance: float = 0.02
    workers: int = 1


@dataclass
class Generation:
    """One generation's population and its statistics."""

    index: int
    units: np.ndarray  # (N, d) particles in unit coordinates
    log_weight: np.ndarray  # (N,) unnormalised log importance weights
    distance: np.ndarray  # (N,)
    tolerance: float
    proposals: int
    simulated: int  # proposals inside the prior (simulated)
    kept: int  # proposals that entered the population
    runs: int  # simulated runs (simulated x replicates)
    seconds: float = 0.0  # wall time of the generation

    @property
    def weights(self) -> np.ndarray:
        return normalise(self.log_weight)

    @property
    def acceptance(self) -> float:
        return self.kept / self.proposals if self.proposals else float("nan")

    @property
    def ess(self) -> float:
        return ess(self.weights)

    def stats(self) -> dict[str, Any]:
        return {
            "generation": self.index,
            "proposals": self.proposals,
            "simulated": self.simulated,
            "kept": self.kept,
            "acceptance": self.acceptance,
            "tolerance": self.tolerance,
            "ess": self.ess,
            "runs": self.runs,
            "median_distance": float(np.median(self.distance)),
            "seconds": self.seconds,
        }


def normalise(log_w: np.ndarray) -> np.ndarray:
    """Weights summing to 1 from log weights."""
    w = np.exp(np.asarray(log_w) - np.max(log_w))
    return w / w.sum()


def ess(weights: np.ndarray) -> float:
    """Kish's effective sample size, ``(sum w)^2 / sum w^2``."""
    w = np.asarray(weights, dtype=float)
    return float(w.sum() ** 2 / (w**2).sum())


def tolerance_cut(distance: np.ndarray, keep: int) -> tuple[np.ndarray, float]:
    """The indices of the ``keep`` smallest distances (ties: earlier first) and
    the tolerance (the largest of them): the adaptive quantile rule."""
    order = np.argsort(distance, kind="stable")[:keep]
    return np.sort(order), float(distance[order[-1]])


def weighted_covariance(u: np.ndarray, w: np.ndarray) -> np.ndarray:
    mu = w @ u
    x = u - mu
    return (x * w[:, None]).T @ x


def log_kernel_mixture(x: np.ndarray, centres: np.ndarray, w: np.ndarray, cov: np.ndarray):
    """``log sum_j w_j Normal(x_i; centres_j, cov)`` for each row of ``x``."""
    d = x.shape[1]
    chol = np.linalg.cholesky(cov)
    log_det = 2.0 * np.log(np.diag(chol)).sum()
    inv = np.linalg.inv(chol)
    yc = centres @ inv.T
    yc_sq = (yc**2).sum(axis=1)
    lw = np.log(w)
    out = np.empty(len(x))
    for a in range(0, len(x), 1024):
        yx = x[a : a + 1024] @ inv.T
        # |yx - yc|^2 as |yx|^2 + |yc|^2 - 2 yx.yc: one matrix product (BLAS)
        # instead of an (rows, centres, d) array; rounding may leave tiny negatives
        sq = (yx**2).sum(axis=1)[:, None] + yc_sq[None, :] - 2.0 * (yx @ yc.T)
        np.maximum(sq, 0.0, out=sq)
        z = lw[None, :] - 0.5 * sq
        zmax = z.max(axis=1, keepdims=True)
        out[a : a + 1024] = zmax[:, 0] + np.log(np.exp(z - zmax).sum(axis=1))
    return out - 0.5 * log_det - 0.5 * d * np.log(2.0 * np.pi)


def _generator(seed: int, g: int, stream: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([int(seed), int(g), int(stream)]))


def _run_base(seed: int, g: int) -> int:
    lo, hi = np.random.SeedSequence([int(seed), int(g), 1]).generate_state(2, dtype=np.uint32)
    return int((int(hi) << 32 | int(lo)) >> 1)


def logit(u: np.ndarray) -> np.ndarray:
    u = np.clip(np.asarray(u, dtype=float), 1e-12, 1.0 - 1e-12)
    return np.log(u) - np.log1p(-u)


def expit(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))


def log_prior_logit(z: np.ndarray) -> np.ndarray:
    """Log density of the uniform prior, seen in logit coordinates (per row)."""
    return -(np.logaddexp(0.0, z) + np.logaddexp(0.0, -z)).sum(axis=1)


def kernel(prev: Generation) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The proposal built from a population: its logit coordinates, normalised
    weights and the kernel covariance (twice the weighted covariance)."""
    w = prev.weights
    z_prev = logit(prev.units)
    cov = 2.0 * weighted_covariance(z_prev, w) + 1e-9 * np.eye(z_prev.shape[1])
    return z_prev, w, cov


def balance_log_weights(gens: Sequence[Generation]) -> np.ndarray:
    """Importance weights of the last population against the *mixture* of every
    generation's proposal (the balance heuristic of multiple importance
    sampling): ``log prior(z) - log(sum_s n_s q_s(z) / sum_s n_s)``.

    Every proposal ever made whose distance is within the final tolerance is in
    the last population (tolerances never rise and each generation keeps all
    particles within its own), so these weights make the last population an
    importance sample of the ABC posterior at the final tolerance, with far
    less variance than each particle's own ``prior / q_s`` (which lets a lucky
    prior draw of generation 0 outweigh hundreds of later particles).
    """
    last = gens[-1]
    z = logit(last.units)
    lp = log_prior_logit(z)
    terms = [np.log(gens[0].proposals) + lp]
    for s in range(1, len(gens)):
        z_prev, w, cov = kernel(gens[s - 1])
        terms.append(np.log(gens[s].proposals) + log_kernel_mixture(z, z_prev, w, cov))
    total = np.log(sum(g.proposals for g in gens))
    return lp - (np.logaddexp.reduce(np.vstack(terms), axis=0) - total)


def propose(prev: Generation | None, prior: Prior, m: int, seed: int, g: int):
    """``m`` proposals of generation ``g`` (unit coordinates) and their log
    importance weights.  The kernel acts on ``logit(u)`` so that no proposal
    leaves the prior's support."""
    rng = _generator(seed, g, 0)
    if prev is None:
        return rng.random((m, prior.d)), np.zeros(m)
    z_prev, w, cov = kernel(prev)
    parents = rng.choice(len(w), size=m, p=w)
    step = rng.multivariate_normal(np.zeros(prior.d), cov, size=m, method="cholesky")
    z = z_prev[parents] + step
    lw = log_prior_logit(z) - log_kernel_mixture(z, z_prev, w, cov)
    return expit(z), lw


# --------------------------------------------------------------------------
# simulating particles


def _tasks(
    compiled: Compiled,
    prior: Prior,
    theta: np.ndarray,
    seeds: np.ndarray,
    reps: int,
    fixed: Mapping[str, float],
    ev: evd.Evidence,
) -> Iterator[ChunkTask]:
    names = evd.summary_names(ev)
    fn = functools.partial(evd.summaries, evidence=ev)
    record = evd.record_columns(compiled)
    for c, a in enumerate(range(0, len(theta), CHUNK_PARTICLES)):
        b = min(len(theta), a + CHUNK_PARTICLES)
        params: dict[str, Any] = dict(fixed)
        for j, name in enumerate(prior.names):
            params[name] = np.repeat(theta[a:b, j], reps)
        yield ChunkTask(
            index=c,
            compiled=compiled,
            seeds=seeds[a * reps : b * reps],
            params=params,
            engine=DEFAULT_ENGINE,
            record=record,
            metrics_fn=fn,
            metrics=names,
            trajectories=False,
        )


def simulate_particles(
    compiled: Compiled,
    prior: Prior,
    theta: np.ndarray,
    seeds: np.ndarray,
    reps: int,
    fixed: Mapping[str, float],
    ev: evd.Evidence,
    executor: Executor | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, np.ndarray]:
    """Simulate ``reps`` runs per particle (rows of ``theta``, parameter values;
    ``seeds`` has ``len(theta) * reps`` entries) and return each summary of
    :func:`~resetsim.experiments.evidence.summaries` averaged per particle
    (NaN-aware), plus ``distance``."""
    n = len(theta)
    names = evd.summary_names(ev)
    per_run = {k: np.empty(n * reps) for k in names}
    if n:
        tasks = _tasks(compiled, prior, theta, seeds, reps, fixed, ev)
        results = map(run_chunk, tasks) if executor is None else executor.map(run_chunk, tasks)
        for res in results:
            a = res.index * CHUNK_PARTICLES * reps
            k = len(next(iter(res.metrics.values())))
            for key in names:
                per_run[key][a : a + k] = res.metrics[key]
            if progress:
                progress(k // reps)
    out = {}
    for key in names:
        v = per_run[key].reshape(n, reps)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            out[key] = np.nanmean(v, axis=1) if n else np.empty(0)
    out["distance"] = evd.distance(out) if n else np.empty(0)
    return out


def run_seeds_for(seed: int, g: int, n: int, reps: int) -> np.ndarray:
    """Replication seeds of generation ``g``'s ``n`` particles x ``reps`` runs."""
    return run_seeds(_run_base(seed, g), np.arange(n * reps, dtype=np.int64))


def step(
    compiled: Compiled,
    prior: Prior,
    settings: Settings,
    fixed: Mapping[str, float],
    ev: evd.Evidence,
    prev: Generation | None,
    progress: Callable[[int], None] | None = None,
    executor: Executor | None = None,
) -> Generation:
    """Generation ``prev.index + 1`` (or 0 without ``prev``)."""
    s = settings
    g = 0 if prev is None else prev.index + 1
    pool = int(np.ceil(s.population / s.alpha))
    m = pool if prev is None else pool - s.population
    u, lw = propose(prev, prior, m, s.seed, g)
    inside = np.isfinite(lw)
    dist = np.full(m, np.inf)
    seeds = run_seeds_for(s.seed, g, m, s.replicates)
    idx = np.flatnonzero(inside)
    if len(idx):
        sel = (idx[:, None] * s.replicates + np.arange(s.replicates)[None, :]).ravel()
        res = simulate_particles(
            compiled,
            prior,
            prior.values(u[idx]),
            seeds[sel],
            s.replicates,
            fixed,
            ev,
            executor,
            progress,
        )
        dist[idx] = res["distance"]
    if prev is None:
        all_u, all_lw, all_d = u, lw, dist
    else:
        all_u = np.vstack([prev.units, u])
        all_lw = np.concatenate([prev.log_weight, lw])
        all_d = np.concatenate([prev.distance, dist])
    keep, eps = tolerance_cut(all_d, s.population)
    kept_new = int((keep >= (0 if prev is None else s.population)).sum())
    return Generation(
        index=g,
        units=all_u[keep],
        log_weight=all_lw[keep],
        distance=all_d[keep],
        tolerance=eps,
        proposals=m,
        simulated=int(inside.sum()),
        kept=kept_new,
        runs=int(inside.sum()) * s.replicates,
    )


# --------------------------------------------------------------------------
# per-generation state on disk (resume)


def state_path(folder: Path, g: int) -> Path:
    return Path(folder) / f"generation_{g:03d}.npz"


def save_generation(folder: Path, gen: Generation) -> None:
    """Write one generation atomically (``generations/generation_NNN.npz``)."""

    def write(p: Path) -> None:
        with open(p, "wb") as f:
            np.savez(
                f,
                units=gen.units,
                log_weight=gen.log_weight,
                distance=gen.distance,
                stats=np.array(
                    [
                        gen.index,
                        gen.tolerance,
                        gen.proposals,
                        gen.simulated,
                        gen.kept,
                        gen.runs,
                        gen.seconds,
                    ],
                    dtype=float,
                ),
            )

    io.write_atomic(state_path(folder, gen.index), write)


def load_generation(folder: Path, g: int) -> Generation:
    with np.load(state_path(folder, g)) as z:
        st = z["stats"]
        return Generation(
            index=int(st[0]),
            units=z["units"].copy(),
            log_weight=z["log_weight"].copy(),
            distance=z["distance"].copy(),
            tolerance=float(st[1]),
            proposals=int(st[2]),
            simulated=int(st[3]),
            kept=int(st[4]),
            runs=int(st[5]),
            seconds=float(st[6]),
        )


def config(
    prior: Prior, settings: Settings, fixed: Mapping[str, float], ev: evd.Evidence, scenario: str
):
    """What must match for ``--resume`` (the workers may change)."""
    s = asdict(settings)
    s.pop("workers")
    return {
        "scenario": scenario,
        "prior": {
            n: [lo, hi] for n, lo, hi in zip(prior.names, prior.low, prior.high, strict=True)
        },
        "settings": s,
        "fixed": {k: float(v) for k, v in sorted(fixed.items())},
        "evidence": ev.describe(),
    }


def run(
    compiled: Compiled,
    prior: Prior,
    settings: Settings,
    *,
    fixed: Mapping[str, float] | None = None,
    evidence: evd.Evidence,
    folder: Path | None = None,
    resume: bool = False,
    scenario: str = "",
    progress: Callable[[Generation | None, int, int], Callable[[int], None] | None] | None = None,
) -> list[Generation]:
    """Run the sampler; with ``folder``, save each generation there (and with
    ``resume`` start after the last one saved).  ``progress(prev, g, m)``
    may return a callback receiving simulated-particle counts."""
    fixed = dict(fixed or {})
    gens: list[Generation] = []
    if folder is not None:
        folder = Path(folder)
        io.make_dirs(folder)
        cfg = config(prior, settings, fixed, evidence, scenario)
        # the contents of every file the scenario depends on (a resume after an
        # edit would mix generations scored against different files)
        cfg["inputs"] = {
            label: references.digest(path)
            for label, path in sorted(references.input_files(compiled.scenario).items())
        }
        cfg_path = folder / "config.json"
        if resume and cfg_path.exists():
            try:
                old = json.loads(cfg_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                old = None
            if old != json.loads(json.dumps(cfg)):
                raise ValueError(
                    f"--resume: {cfg_path} was written with other settings; "
                    "use the same ones or --overwrite"
                )
            g = 0
            while state_path(folder, g).exists() and g < settings.generations:
                gens.append(load_generation(folder, g))
                g += 1
        else:
            io.write_json(cfg_path, cfg)
    with worker_pool(settings.workers) as executor:
        _generations(compiled, prior, settings, fixed, evidence, folder, progress, gens, executor)
    return gens


@contextlib.contextmanager
def worker_pool(workers: int) -> Iterator[Executor | None]:
    """One process pool for the whole calibration (``None``: in process)."""
    if workers <= 1:
        yield None
        return
    method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=mp.get_context(method),
        initializer=_worker_init,
        initargs=(os.getpid(),),
    ) as ex:
        yield ex


def _generations(compiled, prior, settings, fixed, evidence, folder, progress, gens, executor):
    while len(gens) < settings.generations:
        if gens and gens[-1].index > 0 and gens[-1].acceptance < settings.min_acceptance:
            break
        prev = gens[-1] if gens else None
        g = len(gens)
        pool = int(np.ceil(settings.population / settings.alpha))
        m = pool if prev is None else pool - settings.population
        cb = progress(prev, g, m) if progress else None
        t0 = time.perf_counter()
        gen = step(compiled, prior, settings, fixed, evidence, prev, cb, executor)
        gen.seconds = time.perf_counter() - t0
        if folder is not None:
            save_generation(folder, gen)
        gens.append(gen)


def draw_posterior(gen: Generation, prior: Prior, n: int, seed: int) -> np.ndarray:
    """``n`` parameter vectors resampled from a population by weight."""
    rng = _generator(seed, 10_000, 2)
    return prior.values(gen.units[rng.choice(len(gen.weights), size=n, p=gen.weights)])
