"""What makes the two publics move together: the model's cross-side correlation
(the two sides' annual trust, 1997-2013) under the default, with each
mechanism of the knock-out table toggled, without the dated events, and
without the dated events of one kind at a time.

Usage (from the repository root)::

    python benchmarks/cross_side.py > benchmarks/cross_side.txt

One line per variant: ``name median_run_correlation share_of_runs_above_0.5``.
Every variant runs the history scenario with its shipped posterior (the same
seeds; ``--runs``, default 200).  The observed value (Gallup against Levada,
1997-2013, the years both have) is the first line.  A diagnostic, not a
fit: it says which mechanism or which events the co-movement comes from
(docs/MODEL_V3.md, "What is still to do").
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from measure_model_v3 import HISTORY, TRAINING, observed_cross_side  # noqa: E402

from resetsim.engines.runner import run_scenario  # noqa: E402
from resetsim.experiments import ladder_inputs as li  # noqa: E402
from resetsim.scenario import compile_scenario, load  # noqa: E402
from resetsim.scenario.observations import load_observations  # noqa: E402

FIRST, LAST = 1997, 2013


def correlations(comp, runs: int, params: dict[str, float] | None) -> np.ndarray:
    """Per run, the correlation of the two sides' annual trust over FIRST-LAST."""
    res = run_scenario(comp, runs=runs, params=params or None, record=["usa_trust", "rus_trust"])
    data = res.trajectories.data
    years = li.scenario_years(comp)
    sel = (years >= FIRST) & (years <= LAST)
    us = li.annual(data["usa_trust"], comp)[:, sel]
    ru = li.annual(data["rus_trust"], comp)[:, sel]
    return np.array(
        [np.corrcoef(a, b)[0, 1] for a, b in zip(us, ru, strict=True) if a.std() > 0 < b.std()]
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=200)
    args = ap.parse_args(argv)
    sc = load(HISTORY)
    comp = compile_scenario(sc)
    rows = [("observed_gallup_vs_levada", observed_cross_side(load_observations(TRAINING)), None)]
    for name, overrides in li.model_rungs(comp.params()).items():
        r = correlations(comp, args.runs, overrides)
        rows.append((name, float(np.median(r)), float((r > 0.5).mean())))
    quiet = compile_scenario(sc.model_copy(update={"events": []}))
    r = correlations(quiet, args.runs, None)
    rows.append(("full_without_dated_events", float(np.median(r)), float((r > 0.5).mean())))
    # the events of one kind removed at a time (kinds with a dated event in 1989-2013)
    kinds = sorted({e.kind for e in sc.events if FIRST - 8 <= int(e.date[:4]) <= LAST})
    for kind in kinds:
        kept = [e for e in sc.events if e.kind != kind]
        r = correlations(compile_scenario(sc.model_copy(update={"events": kept})), args.runs, None)
        rows.append((f"full_without_{kind}_events", float(np.median(r)), float((r > 0.5).mean())))
    print(f"# python benchmarks/cross_side.py --runs {args.runs}")
    for name, med, share in rows:
        tail = "" if share is None else f" {share:.3f}"
        print(f"{name:<44} {med:.3f}{tail}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
