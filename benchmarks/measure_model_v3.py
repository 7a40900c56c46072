"""Print every "Done means" number of model v3 for the model as it is.

Usage (from the repository root)::

    python benchmarks/measure_model_v3.py > benchmarks/model_v3_before.txt

Options: ``--runs 200`` (history runs), ``--biden-runs 100``, ``--ladder-runs
200`` (runs per ladder rung), ``--bootstrap 1000``, ``--posterior FILE``,
``--set NAME=VALUE`` (repeatable).

Every number comes from the shipped scenarios with their defaults: the runs
draw their parameters from the history's shipped posterior (the scenario's
``posterior``, ``scenarios/posteriors/history_v3.parquet``).  ``--set``
overrides a parameter in every run (an option switched on, say; the free
numbers are counted with it); ``--posterior FILE`` replaces the
shipped posterior (of the history and the Biden-era scenario) by another
Parquet posterior, e.g. one from ``resetsim calibrate``.  Sections:

* ``free_*``: ``resetsim params --count`` of the history scenario;
* ``posterior_*``: effective sample ``1/sum(w^2)`` and, per calibrated
  parameter, the weighted interquartile range over the prior's (uniform on the
  registry bounds: half the bounds' width);
* ``coverage_*``: share of the training observations (to 2013) inside the
  posterior predictive 80% interval, through the ladder's observation model
  fitted on all training years (in sample);
* ``turn_*``: the six turns per run, read on each run's 1989-2013 range
  (:func:`resetsim.analysis.turns.six_turns`), and the model v2 rules;
* ``cross_side_*``: correlation of the two sides' annual trust, 1997-2013;
* ``bound_*``: share of run-quarters within 1% of a hard bound of trust (0 and 1
  on the share scale, the registry's wide bounds on the latent one);
* ``ladder_*``: ``resetsim assess`` on the training series, origins 2001, 2005,
  2009 (out of sample, means over origins and series; CRPS and RMSE as shares of
  persistence's), and for each knock-out the number of series x origin rows
  where removing it costs CRPS beyond its 95% bootstrap interval;
  ``--recalibrate`` has the ladder recalibrate the dynamics at each origin
  (``resetsim assess --recalibrate``), so no scored year was seen;
  ``--recalibrate-levels`` recalibrates the parameters the posterior
  calibrates, on the observed levels up to each origin (the way that
  posterior was made), with the ``--set`` options held;
* ``biden_*``: the Biden-era scenario, per-quarter medians across runs, R the
  1989-2013 range of a side's median; and the share of its runs (the
  documented events as inputs) in which the detector finds a new reset
  starting 2021Q3-2022Q4 (none happened).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from resetsim.analysis import free_numbers, turns
from resetsim.analysis import ladder as lad
from resetsim.analysis.forecast import episodes_and_index, onset_between
from resetsim.core import calendar as cal
from resetsim.core import dynamics as dyn
from resetsim.core import params as registry
from resetsim.engines.runner import run_scenario
from resetsim.experiments import ladder_inputs as li
from resetsim.experiments.ladder import assess
from resetsim.scenario import compile_scenario, load
from resetsim.scenario.observations import load_observations

ROOT = Path(__file__).resolve().parents[1]
HISTORY = ROOT / "scenarios" / "history_1989_2021.toml"
BIDEN = ROOT / "scenarios" / "biden_era.toml"
TRAINING = ROOT / "scenarios" / "targets" / "observed" / "training.toml"
DRAWS = 500
LAST_TRAINING_YEAR = 2013


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    order = np.argsort(x)
    cw = np.cumsum(w[order])
    cw = cw / cw[-1]
    return float(x[order][min(np.searchsorted(cw, q), len(x) - 1)])


def posterior_numbers(sc) -> dict[str, float]:
    post = compile_scenario(sc).posterior
    if post is None:
        return {"posterior_particles": 0.0}
    w = np.asarray(post.weights, dtype=float)
    w = w / w.sum()
    bounds = {r["name"]: (r["low"], r["high"]) for r in registry.table()}
    out = {
        "posterior_particles": float(len(w)),
        "posterior_ess": float(1.0 / np.sum(w**2)),
        "posterior_top10_weight": float(np.sort(w)[-10:].sum()),
    }
    ratios = []
    for j, name in enumerate(post.names):
        lo, hi = bounds[name]
        x = post.values[:, j]
        iqr = weighted_quantile(x, w, 0.75) - weighted_quantile(x, w, 0.25)
        ratio = iqr / (0.5 * (hi - lo))
        ratios.append(ratio)
        out[f"posterior_iqr_ratio_{name}"] = ratio
    out["posterior_calibrated_parameters"] = float(len(ratios))
    out["posterior_iqr_ratio_at_most_half"] = float(np.sum(np.asarray(ratios) <= 0.5))
    return out


def coverage_numbers(comp, data, obs) -> dict[str, float]:
    """In-sample coverage of the posterior predictive 80% intervals."""
    years = li.scenario_years(comp)
    rng = np.random.default_rng(20130101)
    out: dict[str, float] = {}
    hits, total = 0, 0
    for s in obs.series:
        x = li.annual(li.quantity(s.observes, data, comp), comp)
        keep = (s.years <= LAST_TRAINING_YEAR) & np.isin(s.years, years)
        yrs, vals = s.years[keep], s.values[keep]
        cols = np.searchsorted(years, yrs)
        xr = x[:, cols]
        fit = lad.fit_observation(xr.mean(axis=0), lad.to_working(vals, s.scale))
        eps = rng.standard_normal((len(yrs), DRAWS))
        _, draws = lad.predictive_samples(fit, xr, eps)
        draws = lad.from_working(draws, s.scale)
        lo, hi = np.quantile(draws, [0.1, 0.9], axis=1)
        inside = (vals >= lo) & (vals <= hi)
        out[f"coverage80_{s.id}"] = float(inside.mean())
        hits, total = hits + int(inside.sum()), total + len(vals)
    out["coverage80_all_training"] = hits / max(total, 1)
    return out


def history_numbers(comp, data, p) -> dict[str, float]:
    q0 = int(comp.quarters[0])
    out: dict[str, float] = {}
    m = turns.mean_trust(data)
    for k, v in turns.six_turns(m, q0).items():
        out[f"turn_{k}_share"] = float(v.mean())
    out["turn_all_share_v2_rules"] = float(turns.six_turns(m, q0, turns.V2_MIN_TURN)["all"].mean())
    years = li.scenario_years(comp)
    sel = (years >= 1997) & (years <= 2013)
    us = li.annual(data["usa_trust"], comp)[:, sel]
    ru = li.annual(data["rus_trust"], comp)[:, sel]
    per_run = [
        np.corrcoef(a, b)[0, 1] for a, b in zip(us, ru, strict=True) if a.std() > 0 and b.std() > 0
    ]
    out["cross_side_corr_1997_2013_median_run"] = float(np.median(per_run)) if per_run else np.nan
    out["cross_side_corr_1997_2013_of_run_means"] = float(
        np.corrcoef(us.mean(axis=0), ru.mean(axis=0))[0, 1]
    )
    both = np.concatenate([np.asarray(data["usa_trust"]), np.asarray(data["rus_trust"])])
    low, high = trust_bounds(p)
    near = 0.01 * (high - low)
    out["bound_share_within_1pct_of_a_trust_bound"] = float(
        np.mean((both <= low + near) | (both >= high - near))
    )
    t0, t1 = (cal.parse_quarter(q) - q0 for q in ("2014Q1", "2021Q4"))
    for side in ("usa", "rus"):
        x = np.asarray(data[f"{side}_trust"], dtype=float)[:, t0 : t1 + 1]
        out[f"{side}_trust_below_005_share_2014_2021"] = float(
            np.mean(dyn.trust_share(x, p) < 0.05)
        )
    return out


def trust_bounds(p) -> tuple[float, float]:
    """The hard bounds of trust on the runs' scale: [0, 1] on the share scale,
    the registry's on the latent one (``latent_trust`` = 1)."""
    if float(np.max(p.latent_trust)) >= 0.5:
        return dyn.TRUST_LOW, dyn.TRUST_HIGH
    return 0.0, 1.0


def observed_cross_side(obs) -> float:
    by = {s.observes: s for s in obs.series}
    g, lv = by["usa.trust"], by["rus.trust"]
    common = np.intersect1d(g.years[g.years <= 2013], lv.years[lv.years <= 2013])
    common = common[common >= 1997]
    a = g.values[np.searchsorted(g.years, common)]
    b = lv.values[np.searchsorted(lv.years, common)]
    return float(np.corrcoef(a, b)[0, 1])


def ladder_numbers(
    scenario, runs: int, n_boot: int, params, recalibrate: bool = False, levels: bool = False
) -> dict[str, float]:
    if params:  # held in every rung's runs and in the recalibrations
        scenario = scenario.model_copy(update={"parameters": {**scenario.parameters, **params}})
    a = assess(
        scenario,
        TRAINING,
        runs=runs,
        n_boot=n_boot,
        recalibrate=recalibrate or levels,
        recalibrate_levels=levels,
    )
    s = a.summary
    out: dict[str, float] = {}
    for rung, g in s.groupby("rung", sort=False):
        out[f"ladder_{rung}_crps_ratio"] = float(g["crps_ratio"].mean())
        out[f"ladder_{rung}_rmse_ratio"] = float(g["rmse_ratio"].mean())
        out[f"ladder_{rung}_spearman"] = float(g["spearman"].mean())
    sc = a.scores
    ko = sc[(sc["sample"] == "out") & sc["rung"].str.startswith("full_with")]
    for rung, g in ko.groupby("rung", sort=False):
        out[f"ladder_{rung}_costs_crps_rows"] = float((g["crps_vs_full_lo"] > 0).sum())
        out[f"ladder_{rung}_rows"] = float(len(g))
    for (rung, series), g in s.groupby(["rung", "series"], sort=False):
        if rung in ("full", "ledger", "side_ledger", "trend"):
            out[f"ladder_{rung}_spearman_{series}"] = float(g["spearman"].mean())
    out["ladder_winner_is_full"] = float(a.winner == "full")
    full_out = sc[(sc["sample"] == "out") & (sc["rung"] == "full")]
    out["ladder_dynamics_saw_scored_share"] = float(full_out["dynamics_saw_scored"].mean())
    return out


def biden_numbers(runs: int, params, posterior=None) -> dict[str, float]:
    comp = compile_scenario(with_posterior(load(BIDEN), posterior))
    q0 = int(comp.quarters[0])
    res = run_scenario(comp, runs=runs, params=params)
    data = res.trajectories.data

    def t(label: str) -> int:
        return cal.parse_quarter(label) - q0

    out: dict[str, float] = {}
    for side in ("usa", "rus"):
        x = np.asarray(data[f"{side}_trust"], dtype=float)
        med = np.median(x, axis=0)
        r = float(np.ptp(med[t("1989Q1") : t("2013Q4") + 1]))
        out[f"biden_{side}_R"] = r
        if side == "usa":
            low_14_21 = med[t("2014Q1") : t("2021Q4") + 1].min()
            window = med[t("2022Q2") : t("2023Q4") + 1]
            out["biden_usa_2022_23_mean_below_2014_21_min_in_R"] = float(
                (low_14_21 - window.mean()) / r
            )
            out["biden_usa_2022_23_max_below_2014_21_min_in_R"] = float(
                (low_14_21 - window.max()) / r
            )
        else:
            out["biden_rus_2025Q2_above_2024Q3_in_R"] = float(
                (med[t("2025Q2")] - med[t("2024Q3")]) / r
            )
        span = x[:, t("2014Q1") : t("2025Q4") + 1]
        out[f"biden_{side}_floor_share_2014_2025"] = float(np.mean(span <= x.min() + 0.001 * r))
    # the model told the events: a new reset detected from the 2021 forecast's
    # origin to the end of 2022 (none happened; the forecast check's question)
    ep, _ = episodes_and_index(res)
    new = onset_between(ep, t("2021Q3"), t("2022Q4"))
    out["biden_reset_2021Q3_2022Q4_given_events"] = float(new.mean())
    return out


def with_posterior(sc, posterior):
    """The scenario with another posterior file (None: its own)."""
    if posterior is None:
        return sc
    return sc.model_copy(update={"posterior": str(Path(posterior).resolve())})


def yearly_numbers(comp, data, obs) -> dict[str, float]:
    """Per training year: the runs' median annual trust of each side, beside the polls."""
    years = li.scenario_years(comp)
    med = {
        side: np.median(li.annual(data[f"{side}_trust"], comp), axis=0) for side in ("usa", "rus")
    }
    out: dict[str, float] = {}
    by = {s.observes: s for s in obs.series}
    for i, y in enumerate(years):
        if y > LAST_TRAINING_YEAR:
            break
        for side in ("usa", "rus"):
            out[f"year_{y}_{side}_trust_median"] = float(med[side][i])
            s = by.get(f"{side}.trust")
            if s is not None and y in s.years:
                out[f"year_{y}_{s.id}"] = float(s.values[list(s.years).index(y)])
    return out


def measure(args, params) -> dict[str, float]:
    sc = with_posterior(load(HISTORY), args.posterior)
    comp = compile_scenario(sc)
    obs = load_observations(TRAINING)
    out: dict[str, float] = {}
    # counted as run: the --set values over the scenario's own parameters
    counted = sc.model_copy(update={"parameters": {**(sc.parameters or {}), **(params or {})}})
    out.update({f"free_{k}": float(v) for k, v in free_numbers.count(counted).items()})
    out.update(posterior_numbers(sc))
    res = run_scenario(comp, runs=args.runs, params=params, record=li.record_for(comp))
    data = res.trajectories.data
    out.update(coverage_numbers(comp, data, obs))
    out.update(history_numbers(comp, data, comp.params(params or {})))
    out["observed_cross_side_corr_1997_2013"] = observed_cross_side(obs)
    if args.yearly:
        out.update(yearly_numbers(comp, data, obs))
    out.update(
        ladder_numbers(
            sc,
            args.ladder_runs,
            args.bootstrap,
            params,
            args.recalibrate,
            args.recalibrate_levels,
        )
    )
    out.update(biden_numbers(args.biden_runs, params, args.posterior))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--biden-runs", type=int, default=100)
    ap.add_argument("--ladder-runs", type=int, default=200)
    ap.add_argument("--bootstrap", type=int, default=1000)
    ap.add_argument(
        "--recalibrate",
        action="store_true",
        help="the ladder recalibrates the dynamics per origin (clean out-of-sample rows)",
    )
    ap.add_argument(
        "--recalibrate-levels",
        action="store_true",
        help="the ladder recalibrates, per origin, the parameters the posterior calibrates, "
        "on the observed levels up to the origin (calibrate --evidence levels)",
    )
    ap.add_argument(
        "--yearly", action="store_true", help="also each training year's median trusts and polls"
    )
    ap.add_argument("--posterior", default=None, help="a Parquet posterior instead of the shipped")
    ap.add_argument("--set", action="append", default=[], help="NAME=VALUE parameter override")
    args = ap.parse_args()
    params = {k: float(v) for k, v in (a.split("=", 1) for a in args.set)} or None
    print(f"# python benchmarks/measure_model_v3.py {' '.join(map(str, _argv()))}".rstrip())
    for k, v in measure(args, params).items():
        print(f"{k:66s} {v: .3f}")


def _argv() -> list[str]:
    import sys

    return sys.argv[1:]


if __name__ == "__main__":
    main()
