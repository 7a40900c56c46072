"""Which mechanisms earn their place: backward elimination on the ladder's
out-of-sample score (``resetsim select``; the rule in docs/SELECTION.md).

A *model* is a set of mechanisms switched off (names of the ladder's
knock-out table, :func:`resetsim.experiments.ladder_inputs.switch_table`).
Each model is fitted on its own at every origin (the parameters the
scenario's posterior calibrates, recalibrated on the observed levels up to
the origin with the model's switches held), run on common random numbers,
and scored on the years after the origin by the CRPS of its predictive
distribution divided by persistence's, per series x origin cell.

A mechanism's *cost* in a set S is the mean over cells of (CRPS ratio of S
without it) - (CRPS ratio of S), with a paired bootstrap interval resampling
the scored years within each cell.  It earns its place when the interval
lies above zero.  While some mechanism does not, the one with the lowest
cost among those is removed and the step repeated on the smaller set.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from resetsim.analysis import ladder as lad
from resetsim.core import params as prm
from resetsim.core.request import DEFAULT_ENGINE, check_request
from resetsim.engines.randomness import replication_seeds
from resetsim.experiments import ladder as ladder_mod
from resetsim.experiments import ladder_inputs as li
from resetsim.experiments.schema import ALL
from resetsim.scenario import Compiled, as_compiled, compile_scenario
from resetsim.scenario.observations import Observations, load_observations

#: The level of the bootstrap interval of a mechanism's cost.
LEVEL = 0.95
#: The first seed offset of the bootstrap's resampled years (one per step).
BOOT_SEED_START = 7000


@dataclass
class Selection:
    """What :func:`select` returns (and ``resetsim select`` writes)."""

    steps: pd.DataFrame  # one row per step and candidate
    cells: pd.DataFrame  # one row per model, series and origin
    kept: list[str]
    removed: list[str]
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Cell:
    """One series x origin: the scored years' observations and persistence's
    mean CRPS and RMSE there."""

    series: str
    origin: int
    k: int  # the series' index in the observations file
    obs: np.ndarray
    pers_crps: float
    pers_rmse: float


def candidates(compiled: Compiled) -> list[str]:
    """The knock-out table's single mechanisms that ``compiled`` switches on."""
    values = compiled.params()
    return [name for name in li.switch_table() if name != ALL and li.switched_on(name, values)]


def starting_model(compiled: Compiled, paper: bool = False, sets=None) -> Compiled:
    """``compiled`` as the selection starts from it: with ``paper`` every
    mechanism switched on (:func:`resetsim.core.params.paper_switches`), then the parameter values
    ``sets``; the scenario itself when neither is given."""
    if not paper and not sets:
        return compiled
    sc = compiled.scenario
    values = {**sc.parameters, **(prm.paper_switches() if paper else {}), **(sets or {})}
    return compile_scenario(sc.model_copy(update={"parameters": values}))


def overrides_of(off: Sequence[str]) -> dict[str, float]:
    """The parameter values that switch the mechanisms ``off`` off."""
    table = li.switch_table()
    out: dict[str, float] = {}
    for name in off:
        out.update(table[name])
    return out


def _cells(compiled: Compiled, obs: Observations, origins, seed: int) -> list[_Cell]:
    """The scored cells (series with enough training years and years after the
    origin), with persistence's scores as the denominators."""
    years_in = li.scenario_years(compiled)
    out = []
    for origin in origins:
        for k, s in enumerate(obs.series):
            cover, years, z, train = ladder_mod.series_split(s, years_in, origin)
            if not ladder_mod.scored_split(train):
                continue
            eps = ladder_mod.predictive_noise(seed, k, origin, int(cover.sum()))
            p, d, _ = lad.persistence_forecast(years[train], z[train], years[~train], eps[~train])
            o = lad.from_working(z[~train], s.scale)
            loss = lad.year_losses(lad.from_working(p, s.scale), lad.from_working(d, s.scale), o)
            out.append(
                _Cell(
                    s.id,
                    origin,
                    k,
                    o,
                    float(loss["crps"].mean()),
                    float(np.sqrt(loss["sq"].mean())),
                )
            )
    return out


class _Models:
    """Each model's per-cell losses, fitted and simulated once (cached by the
    set of mechanisms off)."""

    def __init__(self, compiled, obs, cells, runs, seed, population, generations, engine, say):
        self.compiled, self.obs, self.cells = compiled, obs, cells
        self.runs, self.seed, self.engine, self.say = runs, seed, engine, say
        self.population, self.generations = population, generations
        self.years = li.scenario_years(compiled)
        self.cache: dict[frozenset, dict[tuple[str, int], dict[str, np.ndarray]]] = {}
        self.recalibration: list[dict[str, Any]] = []

    def losses(self, off: frozenset) -> dict[tuple[str, int], dict[str, np.ndarray]]:
        if off in self.cache:
            return self.cache[off]
        fixed = overrides_of(sorted(off))
        what = f"without {', '.join(sorted(off))}" if off else "with every candidate on"
        self.say(f"fitting the model {what}")
        out: dict[tuple[str, int], dict[str, np.ndarray]] = {}
        for origin in sorted({c.origin for c in self.cells}):
            comp, info = li.recalibrated(
                self.compiled,
                origin,
                self.seed,
                self.population,
                self.generations,
                observations=self.obs,
                fixed=fixed,
            )
            self.recalibration.append({"off": sorted(off), **info})
            sim = li.simulate_model(comp, self.obs, self.runs, self.seed, fixed, self.engine)
            for c in (c for c in self.cells if c.origin == origin):
                s = self.obs.series[c.k]
                cover, years, z, train = ladder_mod.series_split(s, self.years, origin)
                x = sim[s.id][:, np.searchsorted(self.years, years)]
                eps = ladder_mod.predictive_noise(self.seed, c.k, origin, int(cover.sum()))
                fit = lad.fit_observation(x.mean(axis=0)[train], z[train])
                point, draws = lad.predictive_samples(fit, x, eps)
                pt = lad.from_working(point[~train], s.scale)
                loss = lad.year_losses(pt, lad.from_working(draws[~train], s.scale), c.obs)
                loss["point"] = pt
                out[(c.series, origin)] = loss
        self.cache[off] = out
        return out


def _cell_rows(step: int, off: frozenset, losses, cells: list[_Cell]) -> list[dict[str, Any]]:
    rows = []
    for c in cells:
        loss = losses[(c.series, c.origin)]
        rows.append(
            {
                "step": step,
                "off": "+".join(sorted(off)),
                "series": c.series,
                "origin": c.origin,
                "n": len(c.obs),
                "crps_ratio": float(loss["crps"].mean()) / c.pers_crps,
                "rmse_ratio": float(np.sqrt(loss["sq"].mean())) / c.pers_rmse,
                "spearman": lad.spearman(loss["point"], c.obs),
            }
        )
    return rows


#: How a removal's per-cell changes of CRPS are pooled: ``mean`` (the rule of
#: docs/SELECTION.md: the difference of the CRPS ratios) or ``log`` (the
#: difference of their logarithms, so a cell where the ratios are large weighs
#: no more than one where they are small: a sensitivity reading).
AGGREGATES = tuple(lad.COST_UNITS)


def _cell_change(v: np.ndarray, r: np.ndarray, pers: float, aggregate: str) -> np.ndarray:
    """Per resample (rows of ``v``/``r``: a cell's CRPS over resampled years),
    the change of the cell's score: ratio difference or log-ratio difference."""
    if aggregate == "log":
        return np.log(v.mean(axis=-1)) - np.log(r.mean(axis=-1))
    return ((v - r) / pers).mean(axis=-1)


def cost(
    ref, var, cells: list[_Cell], idx: list[np.ndarray], aggregate: str = "mean"
) -> dict[str, float]:
    """A removal's cost: the mean over cells of the CRPS-ratio difference
    (``var`` minus ``ref``; with ``aggregate="log"`` the difference of the
    ratios' logarithms) and its paired bootstrap interval over the years
    ``idx`` (one ``(B, n)`` array of resampled year indices per cell); the
    cells whose own interval lies above zero; RMSE-ratio and Spearman changes."""
    if aggregate not in AGGREGATES:
        raise ValueError(f"aggregate must be one of {', '.join(AGGREGATES)}, not {aggregate!r}")
    pairs = [(var[c.series, c.origin]["crps"], ref[c.series, c.origin]["crps"]) for c in cells]
    est = float(
        np.mean(
            [
                _cell_change(v, r, c.pers_crps, aggregate)
                for (v, r), c in zip(pairs, cells, strict=True)
            ]
        )
    )
    per_cell = [
        _cell_change(v[ix], r[ix], c.pers_crps, aggregate)
        for (v, r), c, ix in zip(pairs, cells, idx, strict=True)
    ]
    boots = np.mean(per_cell, axis=0)
    q = [100 * (1 - LEVEL) / 2, 100 * (1 + LEVEL) / 2]
    lo, hi = np.percentile(boots, q)
    worse = sum(int(np.percentile(pc, q[0]) > 0) for pc in per_cell)
    rmse = np.mean(
        [
            (
                np.sqrt(var[c.series, c.origin]["sq"].mean())
                - np.sqrt(ref[c.series, c.origin]["sq"].mean())
            )
            / c.pers_rmse
            for c in cells
        ]
    )
    rho = [
        lad.spearman(var[c.series, c.origin]["point"], c.obs)
        - lad.spearman(ref[c.series, c.origin]["point"], c.obs)
        for c in cells
    ]
    rho = [r for r in rho if np.isfinite(r)]
    return {
        "cost": est,
        "cost_lo": float(lo),
        "cost_hi": float(hi),
        "cells_worse": worse,
        "cells": len(cells),
        "rmse_ratio_change": float(rmse),
        "spearman_change": float(np.mean(rho)) if rho else float("nan"),
    }


def select(
    scenario: Any,
    observed: Any,
    origins: Sequence[int] = ladder_mod.DEFAULT_ORIGINS,
    runs: int | None = None,
    seed: int | None = None,
    n_boot: int = 1000,
    abc_population: int = ladder_mod.ABC_POPULATION,
    abc_generations: int = ladder_mod.ABC_GENERATIONS,
    engine: str = DEFAULT_ENGINE,
    progress: Callable[[str], None] | None = None,
    aggregate: str = "mean",
) -> Selection:
    """Run the backward elimination of docs/SELECTION.md on ``observed``
    (an observations file or a read one) and return every step.
    ``aggregate="log"`` pools the cells' log CRPS ratios instead (:data:`AGGREGATES`)."""
    say = progress or (lambda _m: None)
    t0 = time.perf_counter()
    origins = ladder_mod.check_origins(origins)
    compiled = as_compiled(scenario)
    if compiled.posterior is None:
        raise ValueError(
            f"{compiled.scenario.source}: posterior: the scenario names no posterior, so "
            "there are no calibrated parameters to refit per model"
        )
    obs = observed if isinstance(observed, Observations) else load_observations(observed)
    li.check_observes(obs, compiled)
    check_request(engine=engine, runs=runs, seed=seed)
    runs = ladder_mod.DEFAULT_RUNS if runs is None else int(runs)
    seed = compiled.scenario.seed if seed is None else int(seed)
    if aggregate not in AGGREGATES:
        raise ValueError(f"--aggregate: one of {', '.join(AGGREGATES)}, not {aggregate!r}")
    if n_boot < 100:
        raise ValueError("--bootstrap: at least 100 resamples are needed for a 95% interval")
    ladder_mod.check_origins_scored(obs, li.scenario_years(compiled), origins)
    cells = _cells(compiled, obs, origins, seed)
    scored = {(c.series, c.origin) for c in cells}
    not_scored = [
        {"series": s.id, "origin": o}
        for o in origins
        for s in obs.series
        if (s.id, o) not in scored
    ]
    for r in not_scored:
        say(f"not scored: {r['series']} at origin {r['origin']} (too few training years)")
    models = _Models(compiled, obs, cells, runs, seed, abc_population, abc_generations, engine, say)
    kept = candidates(compiled)
    off: frozenset = frozenset()
    removed: list[str] = []
    step_rows: list[dict[str, Any]] = []
    cell_rows: list[dict[str, Any]] = []
    step = 0
    while kept:
        ref = models.losses(off)
        cell_rows += _cell_rows(step, off, ref, cells)
        rng = np.random.default_rng(replication_seeds(seed, 1, start=BOOT_SEED_START + step)[0])
        idx = [rng.integers(0, len(c.obs), size=(n_boot, len(c.obs))) for c in cells]
        rows = []
        for m in kept:
            var = models.losses(off | {m})
            cell_rows += _cell_rows(step, off | {m}, var, cells)
            c = cost(ref, var, cells, idx, aggregate)
            rows.append({"step": step, "candidate": m, **c, "earns_place": c["cost_lo"] > 0})
        failing = [r for r in rows if not r["earns_place"]]
        drop = min(failing, key=lambda r: r["cost"])["candidate"] if failing else None
        for r in rows:
            r["removed"] = r["candidate"] == drop
            r["already_off"] = "+".join(sorted(off))
        step_rows += rows
        if drop is None:
            break
        least = min(r["cost"] for r in failing)
        say(f"step {step}: {drop} does not earn its place (cost {least:+.3f})")
        removed.append(drop)
        kept = [m for m in kept if m != drop]
        off = off | {drop}
        step += 1
    if not kept:
        cell_rows += _cell_rows(step, off, models.losses(off), cells)
    meta = {
        "scenario": compiled.scenario.name,
        "scenario_source": compiled.scenario.source,
        "observations": obs.path,
        "origins": list(origins),
        "runs": runs,
        "seed": seed,
        "engine": engine,
        "bootstrap": n_boot,
        "aggregate": aggregate,
        "level": LEVEL,
        "abc_population": abc_population,
        "abc_generations": abc_generations,
        "candidates": candidates(compiled),
        "kept": kept,
        "removed": removed,
        "switches_off": overrides_of(removed),
        "cells": [{"series": c.series, "origin": c.origin, "years": len(c.obs)} for c in cells],
        "not_scored": not_scored,
        "recalibration": models.recalibration,
        "rule": "docs/SELECTION.md",
        "seconds": round(time.perf_counter() - t0, 2),
    }
    return Selection(pd.DataFrame(step_rows), pd.DataFrame(cell_rows), kept, removed, meta)
