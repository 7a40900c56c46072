"""The ladder: the model scored against simpler explanations, on years it was not fitted to.

:func:`assess` scores every rung on every observed series at every origin:

* ``persistence`` (the last observed value), ``trend`` (a straight line in
  time), ``ledger`` (the scenario's dated events, each with the sign and weight
  of its kind's own effect on the dyad, summed with a fitted quarterly decay),
  ``side_ledger`` (each state moved only by the other's acts, with the kind's
  effect on that state), ``full`` (the model) and, for each mechanism of
  :func:`resetsim.experiments.ladder_inputs.switch_table`,
  ``full_without_<name>`` (a mechanism the model has on, knocked out) or
  ``full_with_<name>`` (one it has off, switched on);
* every rung except persistence is read through its own observation model
  (:func:`resetsim.analysis.ladder.fit_observation`) fitted on the years up
  to the origin; the years after it, up to the end of the data and of the
  scenario, are scored (``sample = "out"``), the training years too (``"in"``).

Nothing a rung fits sees a year after its origin: trend, ledger decay and
every observation model are refitted per origin from the training rows only.
The model's *dynamics* are the scenario's posterior unless ``recalibrate``
(an ABC calibration per origin on the evidence up to it); ``dynamics_saw_scored``
marks rows whose scored years the shipped calibration's evidence reached.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from resetsim.analysis import ladder as lad
from resetsim.core.request import DEFAULT_ENGINE, check_request
from resetsim.engines.randomness import replication_seeds
from resetsim.experiments import ladder_inputs as li
from resetsim.scenario import Compiled, as_compiled
from resetsim.scenario.observations import Observations, ObservedSeries, load_observations

#: The rungs besides the model's, in the ladder's order.
SIMPLE_RUNGS: tuple[str, ...] = ("persistence", "trend", "ledger", "side_ledger")
#: The origins scored by default.
DEFAULT_ORIGINS: tuple[int, ...] = (2001, 2005, 2009)
#: ``scores.csv``'s leading columns, in this order.
SCORE_COLUMNS: tuple[str, ...] = (
    "rung",
    "series",
    "origin",
    "sample",
    "n",
    "spearman",
    "rmse",
    "coverage80",
    "crps",
)
#: Runs per rung when the caller gives none (runs are cheap; knock-out
#: differences need more than a scenario's usual handful to rise above noise).
DEFAULT_RUNS = 200
#: The recalibration's budget per origin (the shipped posterior took 4000 x 40,
#: 8 replicates): particles per generation and generations, 2 replicates each.
ABC_POPULATION = 500
ABC_GENERATIONS = 8
#: Predictive draws per scored year.
DRAWS = 500


def rung_names(values: Mapping[str, Any] | None = None) -> list[str]:
    """Every rung, in the ladder's order, for a model with parameters
    ``values`` (default: the registry's defaults; a scenario's:
    ``compiled.params()``)."""
    return [*SIMPLE_RUNGS, *li.model_rungs(values)]


@dataclass
class Assessment:
    """What :func:`assess` returns (and ``resetsim assess`` writes)."""

    scores: pd.DataFrame
    predictions: pd.DataFrame
    models: pd.DataFrame
    summary: pd.DataFrame
    weights: pd.DataFrame
    coding: pd.DataFrame | None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def winner(self) -> str | None:
        return self.meta.get("winner")


@dataclass
class _Inputs:
    compiled: Compiled
    obs: Observations
    years: np.ndarray  # the scenario's years
    sim: dict[str, dict[str, np.ndarray]]
    events: pd.DataFrame
    weights: pd.DataFrame


def _ledger_x(inp: _Inputs, s: ObservedSeries, side: bool, decay: float) -> np.ndarray:
    """A ledger's annual means over the scenario's years (one row)."""
    c = inp.compiled
    ids = list(c.state_ids)
    who = s.observes.split(".", 1)[0]
    if not side:
        parts = [("on_dyad", None)]
    elif who in ids:
        parts = [(f"on_{who}", ids.index(who))]
    else:  # a dyad quantity: each side moved by the other's acts, summed
        parts = [(f"on_{w}", ids.index(w)) for w in ids]
    q = np.zeros(c.n_ticks)
    for on, me in parts:
        ticks, imp = li.ledger_impulses(inp.events, inp.weights, ids, on, actor_not=me)
        q += lad.ledger(ticks, imp, c.n_ticks, decay)
    return li.annual(q[None, :], c)


def _forecasts(inp: _Inputs, s: ObservedSeries, origin: int, eps: np.ndarray, rows: list):
    """Per rung: (sample, years, point, draws) on the working scale, and the
    fitted observation models (appended to ``rows``)."""
    _, years, z, train = series_split(s, inp.years, origin)
    yt, zt = years[train], z[train]
    col = np.searchsorted(inp.years, years)
    out: dict[str, list] = {}
    # persistence
    p_in, d_in = lad.persistence_in_sample(yt, zt, eps[train][1:])
    p_out, d_out, step = lad.persistence_forecast(yt, zt, years[~train], eps[~train])
    out["persistence"] = [("in", yt[1:], p_in, d_in), ("out", years[~train], p_out, d_out)]
    rows.append(_model_row("persistence", s, origin, "last value", None, step, len(yt)))
    predictors: dict[str, tuple[np.ndarray, str, float | None]] = {
        "trend": (years[None, :].astype(float), "year", None)
    }
    for rung, side in (("ledger", False), ("side_ledger", True)):
        decay, _ = lad.fit_decay(lambda a, side=side: _ledger_x(inp, s, side, a)[0, col[train]], zt)
        x = _ledger_x(inp, s, side, decay)[:, col]
        predictors[rung] = (x, "event ledger, annual mean", decay)
    for rung in inp.sim:
        predictors[rung] = (inp.sim[rung][s.id][:, col], f"{s.observes}, annual mean", None)
    for rung, (x, what, decay) in predictors.items():
        fit = lad.fit_observation(x.mean(axis=0)[train], zt)
        point, draws = lad.predictive_samples(fit, x, eps)
        out[rung] = [
            ("in", yt, point[train], draws[train]),
            ("out", years[~train], point[~train], draws[~train]),
        ]
        rows.append(_model_row(rung, s, origin, what, fit, None, len(yt), decay))
    return out, years, z, train


def _model_row(rung, s, origin, what, fit, step, n, decay=None) -> dict[str, Any]:
    return {
        "rung": rung,
        "series": s.id,
        "origin": origin,
        "observes": s.observes,
        "scale": s.scale,
        "working_scale": "logit" if s.scale in ("percent", "share") else "identity",
        "x": what,
        "alpha": fit.alpha if fit else np.nan,
        "beta": fit.beta if fit else np.nan,
        "sigma": fit.sigma if fit else step,
        "rule": fit.rule if fit else "random walk",
        "decay_per_quarter": decay if decay is not None else np.nan,
        "n_train": n,
    }


def series_split(s: ObservedSeries, scenario_years: np.ndarray, origin: int):
    """``(cover, years, z, train)`` of series ``s`` at ``origin``: which of its
    years the scenario covers, those years, their values on the working scale
    and which of them are training years (up to the origin)."""
    cover = np.isin(s.years, scenario_years)
    years = s.years[cover]
    return cover, years, lad.to_working(s.values[cover], s.scale), years <= origin


def scored_split(train: np.ndarray) -> bool:
    """Whether a series with training mask ``train`` (:func:`series_split`) is
    scored at its origin: enough training years and at least one after them."""
    return lad.MIN_TRAIN <= int(train.sum()) < len(train)


def check_origins_scored(obs: Observations, scenario_years: np.ndarray, origins) -> None:
    """``ValueError`` (one line naming ``--origins``) for an origin at which no
    series of ``obs`` has :data:`~resetsim.analysis.ladder.MIN_TRAIN` training
    years inside the scenario and a later year to score: it would score
    nothing (a series short at an origin where another is scored is only
    left out there)."""
    for origin in origins:
        if not any(scored_split(series_split(s, scenario_years, origin)[3]) for s in obs.series):
            raise ValueError(
                f"--origins: at {origin} no series of {obs.path} has {lad.MIN_TRAIN} "
                f"training years inside the scenario ({int(scenario_years[0])}-"
                f"{int(scenario_years[-1])}) and a later year to score"
            )


def predictive_noise(seed: int, k: int, origin: int, n_years: int) -> np.ndarray:
    """The standard normal draws ``(n_years, DRAWS)`` behind every rung's
    predictive samples of series ``k`` at ``origin`` (the same for every rung
    and every model scored on that cell)."""
    rng = np.random.default_rng(replication_seeds(seed, 1, start=1000 + 97 * k + origin)[0])
    return rng.standard_normal((n_years, DRAWS))


def score_origin(
    inp: _Inputs, origin: int, seed: int, n_boot: int, saw: bool
) -> tuple[list, list, list, list]:
    """Scores, predictions and fitted models of every rung and series at one origin."""
    score_rows, pred_rows, model_rows, skipped = [], [], [], []
    for k, s in enumerate(inp.obs.series):
        cover = np.isin(s.years, inp.years)
        n_train = int((s.years[cover] <= origin).sum())
        if n_train < lad.MIN_TRAIN:
            skipped.append(
                {
                    "series": s.id,
                    "origin": origin,
                    "reason": f"{n_train} training years inside the scenario "
                    f"(at least {lad.MIN_TRAIN} needed)",
                }
            )
            continue
        eps = predictive_noise(seed, k, origin, int(cover.sum()))
        fc, years, z, train = _forecasts(inp, s, origin, eps, model_rows)
        if train.all():
            skipped.append(
                {"series": s.id, "origin": origin, "reason": "no years after the origin to score"}
            )
        obs_all = lad.from_working(z, s.scale)
        losses: dict[tuple[str, str], dict[str, np.ndarray]] = {}
        first = len(score_rows)
        for rung, parts in fc.items():
            for sample, yrs, pz, dz in parts:
                if not len(yrs):
                    continue
                obs = obs_all[np.isin(years, yrs)]
                point, draws = lad.from_working(pz, s.scale), lad.from_working(dz, s.scale)
                sc = lad.scores(point, draws, obs)
                loss = lad.year_losses(point, draws, obs) if len(obs) else None
                if loss is not None:
                    loss["point"] = point
                    losses[(rung, sample)] = loss
                    for i, y in enumerate(yrs):
                        lo, hi = loss["lo"][i], loss["hi"][i]
                        pred_rows.append(
                            (rung, s.id, origin, sample, int(y), obs[i], point[i], lo, hi)
                        )
                score_rows.append(
                    {
                        "rung": rung,
                        "series": s.id,
                        "origin": origin,
                        "sample": sample,
                        **sc,
                        "first_year": int(yrs[0]) if len(yrs) else np.nan,
                        "last_year": int(yrs[-1]) if len(yrs) else np.nan,
                        "dynamics_saw_scored": bool(saw) if sample == "out" else True,
                    }
                )
        brng = np.random.default_rng(replication_seeds(seed, 1, start=5000 + 97 * k + origin)[0])
        for row in score_rows[first:]:
            a = losses.get((row["rung"], row["sample"]))
            b = losses.get(("full", row["sample"]))
            if a is None or b is None or n_boot <= 0:
                continue
            obs = obs_all[np.isin(years, _years_of(fc, row["rung"], row["sample"]))]
            if row["rung"] == "persistence" and row["sample"] == "in":
                continue  # persistence scores one year fewer in sample
            diff = lad.bootstrap_difference(a, b, obs, brng, n_boot)
            for name, (est, lo, hi) in diff.items():
                row[f"{name}_vs_full"], row[f"{name}_vs_full_lo"] = est, lo
                row[f"{name}_vs_full_hi"] = hi
    return score_rows, pred_rows, model_rows, skipped


def _years_of(fc, rung, sample):
    return next(p[1] for p in fc[rung] if p[0] == sample)


def summarise(scores: pd.DataFrame) -> pd.DataFrame:
    """Out of sample, per rung and series: the mean over origins of each score,
    and CRPS and RMSE relative to persistence's at the same origin (< 1: better
    than the last observed value)."""
    out = scores[(scores["sample"] == "out") & (scores["n"] > 0)].copy()
    if out.empty:
        return pd.DataFrame(columns=["rung", "series", "origins", "crps_ratio", "rmse_ratio"])
    base = out[out["rung"] == "persistence"].set_index(["series", "origin"])
    key = list(zip(out["series"], out["origin"], strict=True))
    out["crps_ratio"] = out["crps"].to_numpy() / base["crps"].reindex(key).to_numpy()
    out["rmse_ratio"] = out["rmse"].to_numpy() / base["rmse"].reindex(key).to_numpy()
    g = out.groupby(["rung", "series"], sort=False)
    summ = g.agg(
        origins=("origin", "count"),
        years=("n", "sum"),
        spearman=("spearman", "mean"),
        rmse=("rmse", "mean"),
        coverage80=("coverage80", "mean"),
        crps=("crps", "mean"),
        crps_ratio=("crps_ratio", "mean"),
        rmse_ratio=("rmse_ratio", "mean"),
    ).reset_index()
    return summ


def winner_of(summary: pd.DataFrame) -> str | None:
    """The rung with the lowest mean CRPS relative to persistence over series."""
    if summary.empty:
        return None
    m = summary.groupby("rung", sort=False)["crps_ratio"].mean()
    m = m[np.isfinite(m)]
    return str(m.idxmin()) if len(m) else None


def _inputs(
    compiled: Compiled, obs: Observations, runs: int, seed: int, weights=None, engine=DEFAULT_ENGINE
) -> _Inputs:
    return _Inputs(
        compiled=compiled,
        obs=obs,
        years=li.scenario_years(compiled),
        sim=li.simulate_rungs(compiled, obs, runs, seed, engine),
        events=li.events_of(compiled),
        weights=weights if weights is not None else li.impulse_weights(compiled, seed),
    )


def _score_all(inp, origins, seed, n_boot, saw_until, recal=None):
    scores, preds, models, skipped = [], [], [], []
    for origin in origins:
        this = recal(origin) if recal is not None else inp
        saw = recal is None and (saw_until is None or saw_until > origin)
        s, p, m, k = score_origin(this, origin, seed, n_boot, saw)
        scores += s
        preds += p
        models += m
        skipped += k
    return scores, preds, models, skipped


def check_origins(origins: Sequence[int]) -> tuple[int, ...]:
    """Origins as sorted distinct years (``ValueError`` with one line otherwise)."""
    out = sorted({int(o) for o in origins})
    if not out:
        raise ValueError("--origins: give at least one year")
    bad = [o for o in out if not 1800 <= o <= 2200]
    if bad:
        raise ValueError(f"--origins: {bad[0]} is not a year between 1800 and 2200")
    return tuple(out)


def assess(
    scenario: Any,
    observed: str | Path | Observations,
    origins: Sequence[int] = DEFAULT_ORIGINS,
    runs: int | None = None,
    seed: int | None = None,
    recalibrate: bool = False,
    coding_draws: int = 0,
    recalibrate_levels: bool = False,
    n_boot: int = 1000,
    abc_population: int = ABC_POPULATION,
    abc_generations: int = ABC_GENERATIONS,
    engine: str = DEFAULT_ENGINE,
    progress: Callable[[str], None] | None = None,
) -> Assessment:
    """Score every rung on every series of ``observed`` at every origin.

    ``scenario``: a path, a Scenario or a Compiled; ``observed``: an
    observations file (or a read one); ``runs`` defaults to :data:`DEFAULT_RUNS`,
    ``seed`` to the scenario's; ``recalibrate`` reruns the ABC calibration per origin (budget
    ``abc_population`` x ``abc_generations``; with ``recalibrate_levels`` the
    parameters the scenario's posterior calibrates, on ``observed``'s levels up
    to each origin); ``coding_draws`` re-scores the
    ladder that many times with every event's intensity moved by one at
    random and reports how often the winning rung stays the same; ``engine``
    runs the model rungs (the ledgers' kind weights always on the ensemble).
    """
    say = progress or (lambda _m: None)
    t_start = time.perf_counter()
    origins = check_origins(origins)
    compiled = as_compiled(scenario)
    obs = observed if isinstance(observed, Observations) else load_observations(observed)
    li.check_observes(obs, compiled)
    check_origins_scored(obs, li.scenario_years(compiled), origins)
    sc = compiled.scenario
    check_request(engine=engine, runs=runs, seed=seed)
    runs = DEFAULT_RUNS if runs is None else int(runs)
    seed = sc.seed if seed is None else int(seed)
    n_other = len(li.model_rungs(compiled.params())) - 1
    say(f"running the full model and {n_other} with a mechanism toggled ({runs} runs each)")
    inp = _inputs(compiled, obs, runs, seed, engine=engine)
    saw_until = li.calibration_end_year(compiled)
    recal_info: list[dict[str, Any]] = []
    recal = None
    if recalibrate:

        def recal(origin: int) -> _Inputs:
            say(f"recalibrating the dynamics on the evidence up to {origin}")
            comp, info = li.recalibrated(
                compiled,
                origin,
                seed,
                abc_population,
                abc_generations,
                observations=obs if recalibrate_levels else None,
            )
            recal_info.append(info)
            return _inputs(comp, obs, runs, seed, inp.weights, engine)

    scores, preds, models, skipped = _score_all(inp, origins, seed, n_boot, saw_until, recal)
    scores_df = _order(pd.DataFrame(scores))
    summary = summarise(scores_df)
    winner = winner_of(summary)
    coding = None
    if coding_draws > 0:
        rows = []
        rng = np.random.default_rng(replication_seeds(seed, 1, start=9000)[0])
        for k in range(coding_draws):
            say(f"event coding draw {k + 1} of {coding_draws}")
            moved = li.recode_events(compiled, rng)
            # the kinds' weights do not depend on the coded intensities: reused
            again = _inputs(moved, obs, runs, seed, inp.weights, engine)
            s, _, _, _ = _score_all(again, origins, seed, 0, saw_until)
            summ = summarise(_order(pd.DataFrame(s)))
            means = summ.groupby("rung", sort=False)["crps_ratio"].mean()
            rows.append({"draw": k, "winner": winner_of(summ), **means.to_dict()})
        coding = pd.DataFrame(rows)
    not_covered = {
        s.id: [int(y) for y in s.years if y not in set(inp.years.tolist())] for s in obs.series
    }
    meta = {
        "scenario": sc.name,
        "scenario_source": sc.source,
        "observations": obs.path,
        "series": {s.id: {"observes": s.observes, "scale": s.scale} for s in obs.series},
        "origins": list(origins),
        "runs": runs,
        "seed": seed,
        "engine": engine,
        "rungs": rung_names(compiled.params()),
        "knock_outs": {k: v for k, v in li.switch_table().items()},
        "model_rungs": li.model_rungs(compiled.params()),
        "ledger_weights": (
            f"each kind's effect on trust over the {li.IMPULSE_WINDOW} quarters after one event "
            f"(intensity {li.IMPULSE_INTENSITY}) at {compiled.dates[li.impulse_tick(compiled)]}, "
            f"{li.IMPULSE_RUNS} runs, the scenario without its dated events"
        ),
        "draws_per_year": DRAWS,
        "bootstrap": n_boot,
        "min_training_years": lad.MIN_TRAIN,
        "scenario_years": [int(inp.years[0]), int(inp.years[-1])],
        "years_not_scored_outside_scenario": {k: v for k, v in not_covered.items() if v},
        "not_scored": skipped,
        "dynamics": "recalibrated per origin (ABC)" if recalibrate else "shipped posterior",
        "calibration_evidence_until": saw_until,
        "recalibration": recal_info,
        "winner": winner,
        "seconds": round(time.perf_counter() - t_start, 2),
    }
    if coding is not None:
        meta["coding_draws"] = coding_draws
        meta["coding_winner_survives"] = float((coding["winner"] == winner).mean())
    pred_df = pd.DataFrame(
        preds,
        columns=["rung", "series", "origin", "sample", "year", "observed", "point", "lo80", "hi80"],
    )
    return Assessment(
        scores=scores_df,
        predictions=pred_df,
        models=pd.DataFrame(models),
        summary=summary,
        weights=inp.weights,
        coding=coding,
        meta=meta,
    )


def _order(df: pd.DataFrame) -> pd.DataFrame:
    if df.empty:
        return pd.DataFrame(columns=list(SCORE_COLUMNS))
    rest = [c for c in df.columns if c not in SCORE_COLUMNS]
    return df[[*SCORE_COLUMNS, *rest]]
