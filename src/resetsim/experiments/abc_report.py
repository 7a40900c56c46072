"""What ``resetsim calibrate`` reports of a finished ABC-SMC run: the posterior
table, the per-generation diagnostics, the prior / posterior / point-estimate
predictive checks and the figures (built here, written by the CLI)."""

from __future__ import annotations

import dataclasses
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from resetsim.analysis import observed, turns
from resetsim.analysis.statistics import weighted_quantile
from resetsim.core import calendar as cal
from resetsim.core import params as prm
from resetsim.core.provenance import provenance
from resetsim.engines.ensemble import simulate
from resetsim.experiments import abc
from resetsim.experiments import evidence as evd
from resetsim.plotting import posterior as plots

#: The paper's own Levada figures (28% good in Nov 2016, 35% in Nov 2020):
#: never fitted, read as directions against the last row to 2013 (55%, 2013Q1).
PAPER_CHECKS: tuple[tuple[str, str, str, int], ...] = (
    ("check_levada_2013_to_2016_down", "2013Q1", "2016Q4", -1),
    ("check_levada_2016_to_2020_up", "2016Q4", "2020Q4", +1),
)


def progress_bar(prev: abc.Generation | None, g: int, m: int):
    """A tqdm bar per generation (stderr), counting simulated particles."""
    eps = "prior" if prev is None else f"eps {prev.tolerance:.4f}"
    bar = tqdm(total=m, desc=f"generation {g} ({eps})", unit="particle", file=sys.stderr)

    def update(k: int) -> None:
        bar.update(k)
        if bar.n >= bar.total:
            bar.close()

    return update


def posterior_frame(gen: abc.Generation, prior: abc.Prior) -> pd.DataFrame:
    """``posterior.parquet``: each parameter and ``weight`` (sums to 1)."""
    df = pd.DataFrame(prior.values(gen.units), columns=list(prior.names))
    w = gen.weights
    df["weight"] = w / w.sum()
    return df


def posterior_table(gen: abc.Generation, prior: abc.Prior) -> pd.DataFrame:
    """Per parameter: prior bounds, default, posterior mean, median, 90% interval,
    and the interval's width as a share of the prior's 90% width (1 = not
    identified by the evidence, small = identified)."""
    theta = prior.values(gen.units)
    w = gen.weights
    rows = []
    for j, name in enumerate(prior.names):
        lo, hi = prior.low[j], prior.high[j]
        q05, q50, q95 = weighted_quantile(theta[:, j], w, [0.05, 0.5, 0.95])
        rows.append(
            {
                "parameter": name,
                "prior_low": lo,
                "prior_high": hi,
                "default": prm.PARAM_BY_NAME[name].default,
                "mean": float(w @ theta[:, j]),
                "median": q50,
                "q05": q05,
                "q95": q95,
                "width_vs_prior": (q95 - q05) / (0.9 * (hi - lo)),
            }
        )
    return pd.DataFrame(rows)


def correlations(gen: abc.Generation, prior: abc.Prior) -> pd.DataFrame:
    """Weighted posterior correlations of the parameters (trade-offs)."""
    theta = prior.values(gen.units)
    cov = abc.weighted_covariance(theta, gen.weights)
    sd = np.sqrt(np.diag(cov))
    with np.errstate(invalid="ignore", divide="ignore"):
        c = cov / np.outer(sd, sd)
    return pd.DataFrame(c, index=list(prior.names), columns=list(prior.names))


def _predict(compiled, prior, theta, seeds, fixed, ev) -> tuple[dict, np.ndarray, dict]:
    """Summaries (per run), mean trust ``m`` and the paper checks for one run per row."""
    params: dict[str, Any] = dict(fixed)
    for j, name in enumerate(prior.names):
        params[name] = theta[:, j]
    data = simulate(compiled, seeds, params, record=evd.record_columns(compiled, ev)).data
    summ = evd.summaries(compiled, data, evidence=ev)
    summ["distance"] = evd.distance(summ)
    q0 = int(compiled.quarters[0])
    rus = np.asarray(data["rus_trust"])
    checks = {}
    for name, a, b, sign in PAPER_CHECKS:
        ta, tb = cal.parse_quarter(a) - q0, cal.parse_quarter(b) - q0
        if 0 <= ta < rus.shape[1] and 0 <= tb < rus.shape[1]:
            checks[name] = (np.sign(rus[:, tb] - rus[:, ta]) == sign).astype(float)
    summ.update(checks)
    return summ, turns.mean_trust(data, compiled.state_ids), data


def predictive(compiled, prior, gen, fixed, ev, k: int, seed: int):
    """Prior, posterior and point-estimate predictive checks: ``k`` parameter
    draws, one run each.  Returns the table and the mean-trust arrays."""
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 20_000, 3]))
    draws = {
        "prior": prior.values(rng.random((k, prior.d))),
        "posterior": abc.draw_posterior(gen, prior, k, seed),
        "point (v2 defaults)": np.tile(
            [compiled.params(dict(fixed))[n] for n in prior.names], (k, 1)
        ),
    }
    rows, bands = [], {}
    for i, (label, theta) in enumerate(draws.items()):
        seeds = abc.run_seeds_for(seed, 30_000 + i, k, 1)
        summ, m, _ = _predict(compiled, prior, theta, seeds, fixed, ev)
        row: dict[str, Any] = {"draws": label, "runs": k}
        for key, v in summ.items():
            row[key] = float(np.nanmean(v)) if np.isfinite(v).any() else float("nan")
        rows.append(row)
        bands[label] = m
    return pd.DataFrame(rows), bands


@dataclass
class Report:
    posterior: pd.DataFrame
    table: pd.DataFrame
    generations: pd.DataFrame
    predictive: pd.DataFrame
    correlations: pd.DataFrame
    figures: dict[str, Any] = field(default_factory=dict)
    wall: float = 0.0
    ess: float = 0.0  # of the shipped (balance-heuristic) weights


def report(compiled, prior, settings, fixed, ev, gens, k: int, quiet: bool = False) -> Report:
    t0 = time.perf_counter()
    # the shipped weights: the balance heuristic over every generation's proposal
    last = dataclasses.replace(gens[-1], log_weight=abc.balance_log_weights(gens))
    pred, bands = predictive(compiled, prior, last, fixed, ev, k, settings.seed)
    x = np.array([cal.decimal_year(int(q)) + 0.25 for q in compiled.quarters])
    obs = {name: observed.load_series(name) for name in observed.SERIES}
    figures = {
        "marginals.png": plots.marginals(prior, prior.values(last.units), last.weights),
        "pairs.png": plots.pairs(prior, prior.values(last.units), last.weights),
        "predictive.png": plots.predictive(x, bands, obs, ev.train_until),
    }
    return Report(
        posterior=posterior_frame(last, prior),
        table=posterior_table(last, prior),
        generations=pd.DataFrame([g.stats() for g in gens]),
        predictive=pred,
        correlations=correlations(last, prior),
        figures=figures,
        wall=time.perf_counter() - t0,
        ess=last.ess,
    )


def meta(
    prior, settings, fixed: Mapping[str, float], ev, gens, wall: float, command: str, ess=None
):
    """``meta.json``."""
    last = gens[-1]
    return {
        "command": command,
        "sampler": "adaptive population Monte Carlo ABC (Lenormand et al. 2013), "
        "resetsim.experiments.abc",
        "settings": {k: v for k, v in vars(settings).items()},
        "prior": {
            n: {"distribution": "uniform", "low": lo, "high": hi}
            for n, lo, hi in zip(prior.names, prior.low, prior.high, strict=True)
        },
        "fixed": {k: float(v) for k, v in sorted(fixed.items())},
        "fixed_at_default": sorted(
            p.name for p in prm.PARAMETERS if p.name not in prior.names and p.name not in fixed
        ),
        "evidence": ev.describe(),
        "generations": len(gens),
        "simulations": int(sum(g.runs for g in gens)),
        "particles_simulated": int(sum(g.simulated for g in gens)),
        "final_tolerance": last.tolerance,
        "final_ess": ess,
        "final_ess_own_proposal_weights": last.ess,
        "weights": "balance heuristic over every generation's proposal "
        "(resetsim.experiments.abc.balance_log_weights)",
        "wall_seconds_this_session": wall,
        "wall_seconds_all_generations": float(sum(g.seconds for g in gens)),
        "simulations_per_second": simulations_per_second(gens),
        "provenance": provenance(),
    }


def simulations_per_second(gens) -> float:
    """Simulated runs per second of the generations' wall time (simulation,
    distances and resampling together)."""
    seconds = sum(g.seconds for g in gens)
    return float(sum(g.runs for g in gens) / seconds) if seconds > 0 else 0.0


def lines(rep: Report, gens, wall: float) -> list[str]:
    """The terminal summary."""
    last = gens[-1]
    runs = sum(g.runs for g in gens)
    seconds = sum(g.seconds for g in gens)
    out = [
        f"ABC-SMC: {len(gens)} generations, {runs} simulated runs, "
        f"{seconds:.0f} s ({simulations_per_second(gens):,.0f} simulations/s); "
        f"final tolerance {last.tolerance:.4f}, "
        f"acceptance {last.acceptance:.3f}, ESS {rep.ess:.0f} of {len(last.distance)} "
        f"(balance-heuristic weights; {last.ess:.0f} with each particle's own proposal)",
        f"{'parameter':<20} {'median':>8} {'5%':>8} {'95%':>8} {'width/prior':>11}",
    ]
    for r in rep.table.to_dict("records"):
        out.append(
            f"{r['parameter']:<20} {r['median']:8.3g} {r['q05']:8.3g} {r['q95']:8.3g} "
            f"{r['width_vs_prior']:11.2f}"
        )
    cols = [c for c in rep.predictive.columns if c not in ("draws", "runs")]
    for r in rep.predictive.to_dict("records"):
        out.append(f"{r['draws']}: " + ", ".join(f"{c} {r[c]:.3f}" for c in cols))
    return out
