"""When the Biden era's "resets" given the events are confirmed, not only dated.

The detector dates a reset's onset at the first quarter after the low, and
confirms it only once the index has stood ``det_rise`` above that low for
``det_persist`` quarters in a row (docs/EPISODES.md).  So an onset dated in
2024 may be confirmed by a rise that comes in 2025.  This script runs the
Biden-era scenario (the documented events as inputs, its posterior, its seed)
and prints, for the first new onset of each run dated 2023Q1-2024Q4, the
quarter it is dated in and the quarter it is confirmed in.

Usage (from the repository root)::

    python benchmarks/onset_dating.py > benchmarks/onset_dating.txt

Lines: ``runs N``; ``dated <quarter> <runs>``; ``confirmed <quarter> <runs>``;
``onsets_dated_2023_2024`` and ``confirmed_2025_or_later`` (a share of them);
``dated_2024Q3_confirmed_by_2024Q4 <share>`` and
``dated_2024Q3_confirmed_in_2025 <share>`` (shares of the runs dated 2024Q3).
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

import numpy as np

from resetsim.analysis.forecast import episodes_and_index
from resetsim.core import calendar as cal
from resetsim.engines.runner import run_scenario
from resetsim.scenario import compile_scenario, load

ROOT = Path(__file__).resolve().parents[1]
BIDEN = ROOT / "scenarios" / "biden_era.toml"


def confirmation(index: np.ndarray, onset: int, rise: float, persist: int) -> int | None:
    """The first tick at which the index has stood ``rise`` above the low (the
    tick before ``onset``) for ``persist`` ticks in a row; None if never."""
    low = index[onset - 1]
    run = 0
    for t in range(onset, len(index)):
        run = run + 1 if index[t] >= low + rise else 0
        if run >= persist:
            return t
    return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=500)  # the main job's
    args = ap.parse_args(argv)
    comp = compile_scenario(load(BIDEN))
    res = run_scenario(comp, runs=args.runs, params={})
    ep, index = episodes_and_index(res)
    p = comp.params()
    rise, persist = float(p["det_rise"]), int(p["det_persist"])
    q0 = int(comp.quarters[0])

    def label(t: int) -> str:
        return cal.quarter_label(q0 + t)

    t0, t1 = cal.parse_quarter("2023Q1") - q0, cal.parse_quarter("2024Q4") - q0
    dated, confirmed = Counter(), Counter()
    q3 = cal.parse_quarter("2024Q3") - q0
    by_2024, in_2025, n_q3 = 0, 0, 0
    for r in range(index.shape[0]):
        on = ep.onset[r][ep.observed_onset[r]]
        on = on[(on >= t0) & (on <= t1)]
        if not len(on):
            continue
        t = int(on.min())
        c = confirmation(index[r], t, rise, persist)
        dated[label(t)] += 1
        confirmed[label(c) if c is not None else "never"] += 1
        if t == q3:
            n_q3 += 1
            year = None if c is None else int(label(c)[:4])
            by_2024 += year is not None and year <= 2024
            in_2025 += year == 2025
    print(f"# python benchmarks/onset_dating.py --runs {args.runs}")
    print(f"runs {index.shape[0]}")
    for q, n in sorted(dated.items()):
        print(f"dated {q} {n}")
    for q, n in sorted(confirmed.items()):
        print(f"confirmed {q} {n}")
    n = sum(dated.values())
    if n:
        later = sum(k for q, k in confirmed.items() if q == "never" or int(q[:4]) >= 2025)
        print(f"onsets_dated_2023_2024 {n}")
        print(f"confirmed_2025_or_later {later / n:.3f}")
    if n_q3:
        print(f"dated_2024Q3_confirmed_by_2024Q4 {by_2024 / n_q3:.3f}")
        print(f"dated_2024Q3_confirmed_in_2025 {in_2025 / n_q3:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
