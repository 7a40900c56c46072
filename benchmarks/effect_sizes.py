"""Effect sizes by rule against model v2's hand-set ones: the fit and what it changes.

Usage (from the repository root)::

    python benchmarks/effect_sizes.py --fit              # the defaults of the size parameters
    python benchmarks/effect_sizes.py > benchmarks/effect_sizes.txt

``--fit`` prints, per size group, the least-squares size of a main effect
(``effect_<group>``) that brings the rule's sizes (direction x weight class x
turning point) closest to model v2's hand-set deltas of the built-in kinds
(each effect's ``v2``), the residual per group, and the least-squares
``disposition_scale`` that brings the coded leader stances of the history
closest to model v2's hand-set dispositions (:data:`V2_DISPOSITIONS`).  The
registry's defaults are these numbers, rounded to three decimals.

Without ``--fit`` it runs the history scenario twice on the same seeds -
``v2``: every built-in effect at its hand-set size (``effect_sizes = "kind"``)
and every leader at his hand-set disposition, which is model v2 exactly; ``v3``:
the scenario as shipped (sizes by rule, coded dispositions) - under the shipped
posterior and at the point estimate, and prints for each: the six turns (range
rules and model v2 rules), the fidelity to the paper's episodes, the patterns
of the scenario's patterns file passed, and the largest gap between the two
runs' median mean trust.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np

from resetsim.analysis import free_numbers, turns
from resetsim.analysis.episodes import detect_runs
from resetsim.analysis.fidelity import score
from resetsim.analysis.patterns import scorecard
from resetsim.core import params as prm
from resetsim.core import shocks as sh
from resetsim.engines.runner import run_scenario
from resetsim.scenario import compile_scenario, load

ROOT = Path(__file__).resolve().parents[1]
HISTORY = ROOT / "scenarios" / "history_1989_2021.toml"

#: Model v2's hand-set dispositions of the history's leaders (before the codes).
V2_DISPOSITIONS = {
    "bush_sr": 0.5,
    "clinton": 0.6,
    "bush_jr": 0.3,
    "obama": 0.5,
    "trump": 0.7,
    "biden": -0.3,
    "gorbachev": 0.6,
    "yeltsin": 0.7,
    "putin_1": 0.2,
    "medvedev": 0.6,
    "putin_2": -0.1,
}
#: ... and of the history's own kind `reelection` (v2: delta 0.05 on both leaders).
V2_REELECTION = 0.05
#: ... and model v2's hand-set starts of the drivers the history now starts by rule.
V2_INITIAL = (
    {"domestic_constraint": 0.35, "grievance": 0.0, "threat": 0.3, "status_anchor": 1.0},
    {"domestic_constraint": 0.3, "grievance": 0.05, "threat": 0.3, "status_anchor": 0.5},
)


def fit() -> None:
    num: dict[str, float] = defaultdict(float)
    den: dict[str, float] = defaultdict(float)
    rows: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for kind in sh.library().values():
        for eff in kind.effects:
            group, mult = sh.unit_effect(kind, eff)
            num[group] += mult * eff.v2
            den[group] += mult * mult
            rows[group].append((mult, eff.v2))
    print("# least-squares size of a main effect per group, fitted to model v2's deltas")
    print(f"{'group':18s} {'effects':>7s} {'size':>7s} {'rms_residual':>13s} {'default':>8s}")
    for group in sh.SIZES[1:]:
        size = num[group] / den[group]
        res = np.sqrt(np.mean([(m * size - d) ** 2 for m, d in rows[group]]))
        default = prm.PARAM_BY_NAME[sh.size_parameter(group)].default
        print(f"{group:18s} {len(rows[group]):7d} {size:7.4f} {res:13.4f} {default:8.3f}")
    sc = load(HISTORY)
    codes = np.array([lt.disposition_code for lt in sc.leaders], dtype=float)
    old = np.array([V2_DISPOSITIONS[lt.id] for lt in sc.leaders])
    scale = float(codes @ old / (codes @ codes))
    res = float(np.sqrt(np.mean((codes * scale - old) ** 2)))
    default = prm.PARAM_BY_NAME["disposition_scale"].default
    print(f"disposition_scale  {len(codes):7d} {scale:7.4f} {res:13.4f} {default:8.3f}")


def v2_scenario(sc):
    """The history as model v2 had it: hand-set sizes, dispositions and starts."""
    leaders = tuple(
        lt.model_copy(update={"disposition": V2_DISPOSITIONS[lt.id], "disposition_code": None})
        for lt in sc.leaders
    )
    kinds = dict(sc.kinds)
    re = kinds["reelection"]
    kinds["reelection"] = re.model_copy(
        update={
            "effects": tuple(
                e.model_copy(update={"direction": None, "weight": "main", "delta": V2_REELECTION})
                for e in re.effects
            )
        }
    )
    states = tuple(
        st.model_copy(update={"initial": st.initial.model_copy(update=V2_INITIAL[i])})
        for i, st in enumerate(sc.states)
    )
    return sc.model_copy(
        update={"effect_sizes": "kind", "leaders": leaders, "kinds": kinds, "states": states}
    )


def numbers(comp, runs: int, seed: int) -> tuple[dict[str, float], np.ndarray]:
    res = run_scenario(comp, runs=runs, seed=seed)
    data = res.trajectories.data
    q0 = int(comp.quarters[0])
    m = turns.mean_trust(data)
    out = {f"turn_{k}": float(v.mean()) for k, v in turns.six_turns(m, q0).items()}
    out["turn_all_v2_rules"] = float(turns.six_turns(m, q0, turns.V2_MIN_TURN)["all"].mean())
    ep = detect_runs(comp, data)
    sc = score(comp.targets, comp, ep)
    out["fidelity_mean_score"] = float(sc.score.mean())
    out["episodes_matched_share"] = float(sc.matched[:, sc.applicable].mean())
    card = scorecard(comp.patterns, comp, data, ep, comp.targets)
    out["patterns_passed"] = float(card["passed"].sum())
    out["patterns_total"] = float(len(card))
    return out, np.median(m, axis=0)


def compare(runs: int, seed: int) -> None:
    sc = load(HISTORY)
    print(f"# python benchmarks/effect_sizes.py --runs {runs} --seed {seed}")
    free_v3 = free_numbers.count(sc)["free_total"]
    free_v2 = free_numbers.count(v2_scenario(sc))["free_total"]
    print(f"{'free_total':44s} {free_v2:9d} {free_v3:9d}")
    for label, posterior in (("posterior", True), ("point", False)):
        got = {}
        med = {}
        for name, s in (("v2", v2_scenario(sc)), ("v3", sc)):
            comp = compile_scenario(s)
            if not posterior:
                comp = replace(comp, posterior=None)
            got[name], med[name] = numbers(comp, runs, seed)
        print(f"# {label}: {runs} runs, seed {seed}; columns: v2 sizes, v3 sizes by rule")
        for k in got["v2"]:
            print(f"{label + '_' + k:44s} {got['v2'][k]:9.3f} {got['v3'][k]:9.3f}")
        gap = float(np.max(np.abs(med["v2"] - med["v3"])))
        print(f"{label + '_max_gap_median_mean_trust':44s} {'':9s} {gap:9.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fit", action="store_true", help="print the least-squares sizes")
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--seed", type=int, default=20210101)
    args = ap.parse_args()
    if args.fit:
        fit()
    else:
        compare(args.runs, args.seed)


if __name__ == "__main__":
    main()
