"""Print every "Done means" number of issue 8 (model v2) for the current model.

Usage (from the repository root)::

    python benchmarks/measure_model_v2.py [--runs 30] [--seed N]

All numbers come from ``run_scenario`` on ``scenarios/history_1989_2021.toml``
with the scenario's defaults, read per run from ``m`` (the quarterly mean of
``usa_trust`` and ``rus_trust``) by :mod:`resetsim.analysis.turns`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from resetsim.analysis import turns
from resetsim.analysis.episodes import detect_runs
from resetsim.analysis.fidelity import score_runs
from resetsim.engines.runner import run_scenario
from resetsim.scenario import compile_scenario, load

# the turn measures the tests use too (not part of the package)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import turn_measures

ROOT = Path(__file__).resolve().parents[1]
HISTORY = ROOT / "scenarios" / "history_1989_2021.toml"


def with_dispositions(scenario, value: float):
    """The scenario with every leader's disposition set to ``value`` (a placebo)."""
    leaders = tuple(lt.model_copy(update={"disposition": value}) for lt in scenario.leaders)
    return scenario.model_copy(update={"leaders": leaders})


def _resets(compiled, data) -> float:
    ep = detect_runs(compiled, data)
    return float(np.mean(ep.observed_onset.sum(axis=1)))


def measure(runs: int = 30, seed: int | None = None, params=None) -> dict[str, float]:
    sc = load(HISTORY)
    out: dict[str, float] = {}
    comp = compile_scenario(sc)
    q0 = int(comp.quarters[0])
    res = run_scenario(comp, runs=runs, seed=seed, params=params)
    data = res.trajectories.data
    m = turns.mean_trust(data)
    six = turns.six_turns(m, q0)
    for k, v in six.items():
        out[f"turn_{k}_share"] = float(v.mean())
    sc_ = score_runs(comp, data)
    out["fidelity_score_mean"] = float(sc_.score.mean())
    out["lows_descending_share"] = float(sc_.lows_descending.mean())
    out["resets_detected_mean"] = _resets(comp, data)
    out["biden_rus_rapport_lift_median"] = turn_measures.rapport_lift(
        data["rus_leader_affinity"], q0
    )
    out["trump_rus_rapport_jump_median"] = turn_measures.rapport_lift(
        data["rus_leader_affinity"], q0, base="2016Q4", within=("2017Q1", "2017Q1")
    )
    out["trump_started_nothing_share_real"] = float(turn_measures.started_nothing(m, q0).mean())
    out["usa_constraint_ge_095_share_2014on"] = turn_measures.share_after(
        data["usa_domestic_constraint"], q0, lambda x: x >= 0.95
    )
    out["cooperation_gt_002_share_2014on"] = turn_measures.share_after(
        data["cooperation"], q0, lambda x: x > 0.02
    )
    out["cooperation_eq_0_share_2014_2020"] = turn_measures.share_after(
        data["cooperation"], q0, lambda x: x <= 1e-12, until="2020Q4"
    )
    if "cooperation_arms_control" in data:
        out["arms_control_coop_gt_002_share_2014on"] = turn_measures.share_after(
            data["cooperation_arms_control"], q0, lambda x: x > 0.02
        )
    for value, tag in ((0.0, "0"), (-0.5, "-0.5")):
        comp_p = compile_scenario(with_dispositions(sc, value))
        res_p = run_scenario(comp_p, runs=runs, seed=seed, params=params)
        m_p = turns.mean_trust(res_p.trajectories.data)
        if tag == "0":
            out["placebo0_trump_started_nothing_share"] = float(
                turn_measures.started_nothing(m_p, q0).mean()
            )
        out[f"placebo{tag}_resets_detected_mean"] = _resets(comp_p, res_p.trajectories.data)
        out[f"placebo{tag}_all_six_turns_share"] = float(turns.six_turns(m_p, q0)["all"].mean())
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--set", action="append", default=[], help="NAME=VALUE parameter override")
    args = ap.parse_args()
    params = {k: float(v) for k, v in (a.split("=", 1) for a in args.set)}
    for k, v in measure(args.runs, args.seed, params or None).items():
        print(f"{k:45s} {v: .3f}")


if __name__ == "__main__":
    main()
