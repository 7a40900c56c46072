"""What the dashboard's panels show, computed as plain numbers.

- :func:`ensemble_view`: ``n`` runs on the fast engine (seeds from
  :func:`~resetsim.engines.randomness.replication_seeds`), reduced to a fan
  (quantiles of each state's trust per quarter), the episodes detected on the
  median path and the share of runs inside a reset episode; with a removed
  event, the same runs (same seeds, so the same random draws) without it and
  the paired difference.
  A scenario with a ``forecast`` also gets the forecast's runs on the same
  seeds, and a projection the probability that a new reset has started
  (what ``resetsim run``'s ``fan.png`` shows).
- :func:`single_run`: a Mesa :class:`~resetsim.engines.model.ResetModel` as
  far as it has been stepped.

Columns are named from the scenario's state ids, so any dyad works.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np

from resetsim.analysis.episodes import Episodes, detect_runs, spiral_measures
from resetsim.analysis.metrics import onset_failure_probability
from resetsim.app.data import forecast_of, without_events
from resetsim.core import calendar as cal
from resetsim.core.attitude import trust_share
from resetsim.core.columns import COOPERATION
from resetsim.engines.ensemble import simulate
from resetsim.engines.randomness import replication_seeds
from resetsim.scenario import Compiled

#: The quantiles of a fan: 90% band, 50% band and the median.
QUANTILES: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)
MEDIAN = QUANTILES.index(0.5)
#: Bounds on the ensemble size the page offers (the fast engine does ~1000
#: runs of 130 quarters in about a second on one core).
MIN_RUNS, MAX_RUNS = 1, 2000
#: Years of history drawn before a forecast's origin (the rest is context
#: that would crowd the picture; the main figure, ``fan.png``, draws every
#: year, the earlier ones at less width).
CONTEXT_YEARS = 8


def years(compiled: Compiled) -> np.ndarray:
    """Where each recorded quarter is drawn: the end of the quarter (the state
    after that quarter's events), as a decimal year."""
    return np.array([cal.decimal_year(int(q)) + 0.25 for q in compiled.quarters])


def state_names(compiled: Compiled) -> list[str]:
    return [s.name or s.id for s in compiled.scenario.states]


def trust_columns(compiled: Compiled) -> list[str]:
    return [f"{sid}_trust" for sid in compiled.state_ids]


@dataclass
class Fan:
    """One ensemble reduced for display."""

    compiled: Compiled
    seeds: np.ndarray
    trust: dict[str, np.ndarray]  # state id -> (len(QUANTILES), T)
    runs: dict[str, np.ndarray]  # state id -> (n, T) trust of every run
    index: np.ndarray  # (T,) relationship index of the median path
    in_episode: np.ndarray  # (T,) share of runs inside a reset episode
    episodes: list[dict[str, Any]]  # episodes of the median path
    resets_per_run: float
    cycles_per_run: float
    #: (T,) share of runs in which a new reset (onset at or after the
    #: projection start) has started by each quarter; None without a projection
    new_reset: np.ndarray | None = None
    #: (T,) share of runs in which such a reset has also failed by each quarter
    new_failed: np.ndarray | None = None
    #: the episodes detected in every run (for shares counted from another quarter)
    episodes_of_runs: Episodes | None = None
    #: the runs' ``latent_trust`` switch: 1 when trust is a latent attitude (a
    #: logit), 0 on the share scale (figures read it through :func:`as_share`)
    latent_trust: float = 0.0

    @property
    def n_runs(self) -> int:
        return len(self.seeds)

    @property
    def start_tick(self) -> int | None:
        """The projection start (where :attr:`new_reset` starts counting)."""
        return self.compiled.projection_tick


@dataclass
class EnsembleView:
    """The ensemble panel: the fan, and with a removed event the counterfactual."""

    base: Fan
    seed: int
    counterfactual: Fan | None = None
    removed: str | None = None  # the removed event's id
    removed_label: str = ""
    difference: dict[str, np.ndarray] = field(default_factory=dict)  # id -> (Q, T)
    summary: list[str] = field(default_factory=list)
    #: the scenario's ``forecast`` on the same seeds (same quarters), or None
    forecast: Fan | None = None

    @property
    def first_tick(self) -> int:
        """The first quarter drawn: a few years before a forecast's origin, else 0."""
        f = self.forecast
        if f is None or f.start_tick is None:
            return 0
        return max(0, f.start_tick - 4 * CONTEXT_YEARS)


def in_episode(ep: Episodes) -> np.ndarray:
    """``(runs, T)`` bool: the run is inside a reset episode (from its onset, or
    the start when censored, until its failure, or the end when open)."""
    t = np.arange(ep.n_ticks)[None, :]
    out = np.zeros((ep.n_runs, ep.n_ticks), dtype=bool)
    for k in range(ep.width):
        exists = ep.exists[:, k, None]
        start = np.where(ep.onset[:, k] >= 0, ep.onset[:, k], 0)[:, None]
        end = np.where(ep.failure[:, k] >= 0, ep.failure[:, k], ep.n_ticks)[:, None]
        out |= exists & (t >= start) & (t < end)
    return out


def episode_rows(compiled: Compiled, ep: Episodes, run: int = 0) -> list[dict[str, Any]]:
    """The episodes of one run as rows: dates (``YYYY-MM``, empty when not
    observed), ticks and levels of the relationship index."""
    dates = compiled.dates
    rows = []
    for k in range(int(ep.count[run])):
        row: dict[str, Any] = {"episode": k + 1}
        for col in ("onset", "peak", "failure", "low"):
            t = int(getattr(ep, col)[run, k])
            row[col] = dates[t][:7] if t >= 0 else ""
            row[f"{col}_tick"] = t
            level = float(getattr(ep, f"{col}_level")[run, k])
            row[f"{col}_level"] = level if t >= 0 else float("nan")
        rows.append(row)
    return rows


def episode_table_html(rows: list[dict[str, Any]]) -> str:
    """The rows of :func:`episode_rows` as the inside of an HTML table."""
    head = ("#", "onset", "peak", "failure", "low after", "peak level", "low level")
    out = ["<tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>"]
    for r in rows:
        cells = (
            r["episode"],
            r["onset"] or "before the start",
            r["peak"],
            r["failure"] or "still open",
            r["low"] or "-",
            f"{r['peak_level']:.3f}",
            f"{r['low_level']:.3f}" if r["low"] else "-",
        )
        out.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return "".join(out)


def fan(compiled: Compiled, seeds: np.ndarray, params: Mapping[str, float]) -> Fan:
    """Run the ensemble (fast engine) and reduce it to a :class:`Fan`."""
    p = compiled.params(params)
    cols = [*trust_columns(compiled), COOPERATION]
    traj = simulate(compiled, seeds, params=dict(params), record=cols)
    ep = detect_runs(compiled, traj.data, p)
    measures = spiral_measures(ep)
    median = {c: np.median(traj[c], axis=0)[None, :] for c in cols}
    med_ep = detect_runs(compiled, median, p)
    new_reset = new_failed = None
    if compiled.projection_tick is not None:
        new_reset, new_failed = onset_failure_probability(ep, from_tick=compiled.projection_tick)
    return Fan(
        compiled=compiled,
        seeds=np.asarray(seeds),
        trust={
            sid: np.quantile(traj[f"{sid}_trust"], QUANTILES, axis=0) for sid in compiled.state_ids
        },
        runs={sid: traj[f"{sid}_trust"] for sid in compiled.state_ids},
        index=med_ep.index[0],
        in_episode=in_episode(ep).mean(axis=0),
        episodes=episode_rows(compiled, med_ep),
        resets_per_run=float(np.mean(measures["resets"])),
        cycles_per_run=float(np.mean(measures["cycles"])),
        new_reset=new_reset,
        new_failed=new_failed,
        episodes_of_runs=ep,
        latent_trust=float(p.latent_trust),
    )


def ensemble_view(
    compiled: Compiled,
    n_runs: int,
    seed: int,
    params: Mapping[str, float] | None = None,
    remove: str | None = None,
    removed_compiled: Compiled | None = None,
) -> EnsembleView:
    """The ensemble panel's content: ``n_runs`` runs from base seed ``seed``
    with parameter overrides ``params``; with ``remove`` (an event id) also the
    same runs without that event (``removed_compiled``: the scenario without
    it, when the caller already has it) and their paired difference; for a
    scenario naming a ``forecast``, the forecast's runs on the same seeds."""
    if not MIN_RUNS <= int(n_runs) <= MAX_RUNS:
        raise ValueError(f"runs must be between {MIN_RUNS} and {MAX_RUNS}, got {n_runs}")
    params = dict(params or {})
    seeds = replication_seeds(int(seed), int(n_runs))
    base = fan(compiled, seeds, params)
    view = EnsembleView(base=base, seed=int(seed))
    forecast = forecast_of(compiled)
    if forecast is not None and forecast.n_ticks == compiled.n_ticks:
        view.forecast = fan(forecast, seeds, params)
    if remove:
        if removed_compiled is None:
            removed_compiled = without_events(compiled, [remove])
        view.counterfactual = fan(removed_compiled, seeds, params)
        view.removed = remove
        view.removed_label = next((m.label for m in compiled.markers if m.id == remove), remove)
        view.difference = {
            sid: np.quantile(view.counterfactual.runs[sid] - base.runs[sid], QUANTILES, axis=0)
            for sid in compiled.state_ids
        }
    view.summary = summary(view)
    return view


def summary(view: EnsembleView) -> list[str]:
    """The headline numbers of an ensemble view, one line each."""
    b = view.base
    c = b.compiled
    names = state_names(c)
    last = c.n_ticks - 1
    end = c.dates[last][:7]

    def favourable(fan_: Fan, sid: str) -> str:
        """A latent attitude's median as its favourable share (nothing on the share scale)."""
        if not fan_.latent_trust:
            return ""
        return f", favourable share {float(as_share(fan_.trust[sid][MEDIAN, last], 1.0)):.0%}"

    trust = ", ".join(
        f"{names[s]} {b.trust[sid][MEDIAN, last]:.3f} "
        f"(50%: {b.trust[sid][1, last]:.3f} to {b.trust[sid][3, last]:.3f}{favourable(b, sid)})"
        for s, sid in enumerate(c.state_ids)
    )
    scale = " (the latent attitude, a logit)" if b.latent_trust else ""
    lines = [
        f"{b.n_runs} runs (base seed {view.seed}); median trust{scale} at {end}: {trust}",
        f"reset episodes per run: {b.resets_per_run:.2f}, complete reset-failure cycles per run: "
        f"{b.cycles_per_run:.2f}; share of runs inside an episode at {end}: "
        f"{b.in_episode[last]:.0%}",
        f"episodes of the median path: {len(b.episodes)}"
        + (
            " (onsets " + ", ".join(e["onset"] or "censored" for e in b.episodes) + ")"
            if b.episodes
            else ""
        ),
    ]
    if b.new_reset is not None:
        lines.append(
            f"a new reset started from {c.dates[b.start_tick][:7]} by {end}: "
            f"{b.new_reset[last]:.0%} of runs"
        )
    f = view.forecast
    if f is not None and f.start_tick is not None and f.new_reset is not None:
        fc = f.compiled
        trust = ", ".join(
            f"{names[s]} {f.trust[sid][MEDIAN, last]:.3f}" for s, sid in enumerate(fc.state_ids)
        )
        lines.append(
            f"the forecast from {fc.dates[f.start_tick][:7]} ({fc.scenario.name}, same seeds): "
            f"median trust at {end}: {trust}; a new reset by {end} in "
            f"{f.new_reset[last]:.0%} of runs"
        )
    if view.counterfactual is not None:
        med = {sid: d[MEDIAN] for sid, d in view.difference.items()}
        at_end = ", ".join(f"{names[s]} {med[sid][last]:+.3f}" for s, sid in enumerate(c.state_ids))
        s_big, sid_big = max(enumerate(c.state_ids), key=lambda it: np.max(np.abs(med[it[1]])))
        t_big = int(np.argmax(np.abs(med[sid_big])))
        lines.append(
            f"without {view.removed_label!r}: median change in trust at {end}: {at_end}; "
            f"largest {med[sid_big][t_big]:+.3f} ({names[s_big]}, {c.dates[t_big][:7]})"
        )
    return lines


# --------------------------------------------------------------------------
# the single Mesa run


@dataclass
class SingleRun:
    """A Mesa run as far as it has been stepped."""

    compiled: Compiled
    tick: int  # quarters done
    trust: dict[str, np.ndarray]  # state id -> (tick,)
    cooperation: np.ndarray  # (tick,)
    fired: list[tuple[int, str]]  # (tick, label) of the events so far, in order
    leaders: list[str]  # in office in the last quarter done (one per state)
    latent_trust: float = 0.0  # as :attr:`Fan.latent_trust`

    @property
    def n_ticks(self) -> int:
        return self.compiled.n_ticks

    @property
    def date(self) -> str:
        """The last quarter done (``YYYY-MM``), or the start before any step."""
        return self.compiled.dates[max(self.tick - 1, 0)][:7]

    def status(self) -> str:
        c = self.compiled
        names = state_names(c)
        if self.tick == 0:
            return f"quarter 0 of {self.n_ticks}: not started ({c.dates[0][:7]})"
        trust = ", ".join(
            f"{names[s]} {self.trust[sid][-1]:.3f}" for s, sid in enumerate(c.state_ids)
        )
        in_office = " / ".join(n or "-" for n in self.leaders)
        return (
            f"quarter {self.tick} of {self.n_ticks} ({self.date}): trust {trust}; "
            f"cooperation {self.cooperation[-1]:.3f}; leaders {in_office}"
        )


def as_share(trust: np.ndarray, latent_trust: float) -> np.ndarray:
    """Trust as the bounded share the figures draw on a 0-1 axis: itself on the
    share scale, the favourable share (the logistic of the attitude) when it is
    a latent attitude (:func:`resetsim.core.attitude.trust_share`)."""
    return trust_share(np.asarray(trust, dtype=float), SimpleNamespace(latent_trust=latent_trust))


def single_run(model: Any) -> SingleRun:
    """Read a :class:`~resetsim.engines.model.ResetModel` (duck-typed, so this
    module needs no Mesa): what its DataCollector recorded so far, the dated
    events before its current quarter and the random events it drew."""
    c: Compiled = model.compiled
    recorded = model.datacollector.model_vars
    cols = [*trust_columns(c), COOPERATION]
    n = min([int(model.tick), *(len(recorded.get(col, [])) for col in cols)])
    trust = {sid: np.asarray(recorded[f"{sid}_trust"][:n], dtype=float) for sid in c.state_ids}
    labels = {pr.id: pr.label or pr.id.replace("_", " ") for pr in c.scenario.stochastic}
    fired = [(m.tick, m.label) for m in c.markers if m.tick < n]
    fired += [(t, labels.get(pid, pid)) for t, pid in list(model.event_log) if t < n]
    fired.sort(key=lambda e: e[0])
    leaders = list(c.leader_names[n - 1]) if n > 0 else ["", ""]
    return SingleRun(
        compiled=c,
        tick=n,
        trust=trust,
        cooperation=np.asarray(recorded[COOPERATION][:n], dtype=float),
        fired=fired,
        leaders=leaders,
        latent_trust=float(model.p.latent_trust),
    )
