"""Write the before/after table of docs/MODEL_V3.md from the measurement files.

    python tools/model_v3_table.py          # rewrite the table in the page
    python tools/model_v3_table.py --check  # exit 1 if the page is out of date

The files are what ``benchmarks/measure_model_v3.py`` prints: one
``name value`` line per number.  Columns: ``benchmarks/model_v3_before.txt``
(the model as shipped), ``benchmarks/model_v3_before_recalibrated.txt`` (the
same, the ladder recalibrating the dynamics per origin) and, where present,
``benchmarks/model_v3_levels.txt`` (the same model with a posterior calibrated
on the observed levels), ``benchmarks/model_v3_effects.txt`` (the v2 dynamics
with effect sizes by rule, coded dispositions and starts by rule, under the
shipped posterior),
``benchmarks/model_v3_after_<option>.txt`` (one v3 option switched on, the
shipped posterior), ``benchmarks/model_v3_after_all.txt`` (all three, with
their posterior calibrated on the levels), its ``_recalibrated`` twin and
``benchmarks/model_v3_after_all_without_<option>.txt`` (the other two, the
ladder recalibrating on the levels per origin: each option's knock-out), and
``benchmarks/model_v3_selected.txt`` with its ``_recalibrated`` twin (round
1 of the mechanism selection of docs/SELECTION.md, its posterior) and
``benchmarks/model_v3_round3.txt`` with its twin (round 3's selection: the
default now), ``benchmarks/model_v3_round3_with_power_asymmetry.txt`` with
its twin (the default with power asymmetry switched on, its posterior
recalibrated the same way: what the six turns would take) and
``benchmarks/model_v3_round5_candidate.txt`` with its twin
(round 5's selection under its own posterior, which failed its checks).
A mechanism the measured model has off shows its ``full_with_<name>`` rung,
marked "on:".
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from resetsim.analysis.turns import TURNS

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "MODEL_V3.md"
COLUMNS = (
    ("shipped (v2, its posterior)", "model_v3_before.txt"),
    ("shipped, ladder recalibrated per origin", "model_v3_before_recalibrated.txt"),
    ("v2, posterior on levels", "model_v3_levels.txt"),
    ("v2 dynamics, effect sizes by rule (its posterior)", "model_v3_effects.txt"),
    ("v3: latent_trust alone (v2 posterior)", "model_v3_after_latent_trust.txt"),
    ("v3: own_public alone (v2 posterior)", "model_v3_after_own_public.txt"),
    ("v3: observed_start alone (v2 posterior)", "model_v3_after_observed_start.txt"),
    ("v3: all three, every mechanism on, posterior on levels", "model_v3_after_all.txt"),
    (
        "v3: all three, every mechanism on, ladder recalibrated per origin",
        "model_v3_after_all_recalibrated.txt",
    ),
    *(
        (f"v3 without {o}, ladder recalibrated per origin", f"model_v3_after_all_without_{o}.txt")
        for o in ("latent_trust", "own_public", "observed_start")
    ),
    ("v3, round 1's selection, its posterior", "model_v3_selected.txt"),
    (
        "v3, round 1's selection, ladder recalibrated per origin",
        "model_v3_selected_recalibrated.txt",
    ),
    (
        "v3, round 1's selection, without observed_start, ladder recalibrated per origin",
        "model_v3_selected_without_observed_start.txt",
    ),
    ("v3, round 3's selection (the default), its posterior", "model_v3_round3.txt"),
    (
        "v3, round 3's selection, ladder recalibrated per origin",
        "model_v3_round3_recalibrated.txt",
    ),
    (
        "v3, round 3's selection with power asymmetry on, its own posterior",
        "model_v3_round3_with_power_asymmetry.txt",
    ),
    (
        "v3, round 3's selection with power asymmetry on, ladder recalibrated per origin",
        "model_v3_round3_with_power_asymmetry_recalibrated.txt",
    ),
    (
        "v3, round 5's selection (not the default: its posterior fails the ESS check)",
        "model_v3_round5_candidate.txt",
    ),
    (
        "v3, round 5's selection, ladder recalibrated per origin",
        "model_v3_round5_candidate_recalibrated.txt",
    ),
)
SERIES = ("gallup_us_view_of_russia", "levada_russian_view_of_us", "unga_distance_us_russia")
KNOCKOUTS = (
    "power_asymmetry",
    "ideological_distance",
    "security_dilemma",
    "arms_control_limits",
    "counterterrorism_disagreement",
    "missing_institutions",
    "domestic_constraint",
    "leader",
    "lasting",
    "all",
)


def toggled(d: dict[str, float], k: str) -> str:
    """A mechanism's rung: knocked out where the model has it on
    (``full_without_k``: its CRPS ratio and the rows where removing it costs
    skill), switched on where the model has it off (``full_with_k``: marked
    "on:", and the rows where switching it on costs skill)."""
    for rung, mark in ((f"full_without_{k}", ""), (f"full_with_{k}", "on: ")):
        if f"ladder_{rung}_crps_ratio" in d:
            return (
                f"{mark}{d[f'ladder_{rung}_crps_ratio']:.3f}; "
                f"{d[f'ladder_{rung}_costs_crps_rows']:.0f} of {d[f'ladder_{rung}_rows']:.0f}"
            )
    raise KeyError(k)


#: (label, target, how to read the files: a key, or a function of the numbers)
ROWS = [
    ("free numbers (`params --count`: free_total)", "≤ 60", "free_free_total", 0),
    ("posterior effective sample 1/Σw²", "≥ 1,000", "posterior_ess", 0),
    (
        "calibrated parameters with IQR ≤ ½ prior's",
        "all",
        lambda d: (
            f"{d['posterior_iqr_ratio_at_most_half']:.0f} of "
            f"{d['posterior_calibrated_parameters']:.0f}"
        ),
        None,
    ),
    ("training coverage of the 80% intervals, all", "0.70–0.90", "coverage80_all_training", 2),
    *[(f"… {s}", "0.70–0.90", f"coverage80_{s}", 2) for s in SERIES],
    ("all six turns (range rules), share of runs", "≥ 0.90", "turn_all_share", 2),
    *[(f"… {t}", "", f"turn_{t}_share", 2) for t in TURNS],
    ("all six turns, model v2 rules (for reference)", "", "turn_all_share_v2_rules", 2),
    (
        "cross-side correlation 1997–2013 (median run)",
        "observed: see below",
        "cross_side_corr_1997_2013_median_run",
        2,
    ),
    ("Gallup–Levada correlation 1997–2013 (observed)", "", "observed_cross_side_corr_1997_2013", 2),
    (
        "run-quarters within 1% of a trust bound",
        "small",
        lambda d: (
            f"{d.get('bound_share_within_1pct_of_a_trust_bound', d.get('bound_share_within_001_of_0_or_1')):.3f}"
        ),
        None,
    ),
    ("US trust < 0.05, share 2014–2021", "", "usa_trust_below_005_share_2014_2021", 2),
    ("Russian trust < 0.05, share 2014–2021", "", "rus_trust_below_005_share_2014_2021", 2),
    (
        "ladder: share of scored rows whose years the dynamics saw",
        "0",
        "ladder_dynamics_saw_scored_share",
        2,
    ),
    *[
        (f"ladder CRPS ÷ persistence: {r}", "full lowest", f"ladder_{r}_crps_ratio", 3)
        for r in ("full", "ledger", "side_ledger", "trend")
    ],
    *[
        (f"ladder RMSE ÷ persistence: {r}", "full lowest", f"ladder_{r}_rmse_ratio", 3)
        for r in ("full", "ledger", "side_ledger", "trend")
    ],
    *[
        (f"ladder mean Spearman: {r}", "full highest", f"ladder_{r}_spearman", 2)
        for r in ("full", "ledger", "side_ledger", "trend")
    ],
    *[
        (f"… full, Spearman on {s}", "≥ 0.7 (polls)", f"ladder_full_spearman_{s}", 2)
        for s in SERIES
    ],
    *[
        (
            f"knock-out {k}: CRPS ÷ pers.; rows costing skill",
            "cost beyond interval",
            lambda d, k=k: toggled(d, k),
            None,
        )
        for k in KNOCKOUTS
    ],
    (
        "Biden era: US 2022Q2–23Q4 mean below 2014–21 min (× R)",
        "≥ 0.05",
        "biden_usa_2022_23_mean_below_2014_21_min_in_R",
        3,
    ),
    (
        "Biden era: Russia 2025Q2 above 2024Q3 (× R)",
        "≥ 0.05",
        "biden_rus_2025Q2_above_2024Q3_in_R",
        3,
    ),
    ("Biden era: US floor share 2014–2025", "< 0.05", "biden_usa_floor_share_2014_2025", 3),
    ("Biden era: Russian floor share 2014–2025", "< 0.05", "biden_rus_floor_share_2014_2025", 3),
    (
        "Biden era, given the events: a new reset 2021Q3–2022Q4 (share of runs)",
        "low (none happened)",
        "biden_reset_2021Q3_2022Q4_given_events",
        2,
    ),
]


def read(path: Path) -> dict[str, float]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        key, value = line.rsplit(None, 1)
        out[key.strip()] = float(value)
    return out


def cell(d: dict[str, float] | None, how, digits) -> str:
    if d is None:
        return "–"
    try:
        if callable(how):
            return how(d)
        v = d[how]
    except KeyError:
        return "–"
    if v != v:  # NaN
        return "–"
    return f"{v:,.{digits}f}"


def table() -> str:
    files = [(name, ROOT / "benchmarks" / f) for name, f in COLUMNS]
    present = [(name, read(p)) for name, p in files if p.exists()]
    head = "| measure | target | " + " | ".join(n for n, _ in present) + " |"
    rule = "|---|---|" + "---|" * len(present)
    lines = [head, rule]
    for label, target, how, digits in ROWS:
        cells = " | ".join(cell(d, how, digits) for _, d in present)
        lines.append(f"| {label} | {target} | {cells} |")
    return "\n".join(lines)


def render(text: str) -> str:
    pattern = re.compile(r"(<!-- v3:table -->\n).*?(<!-- /v3:table -->)", flags=re.S)
    if not pattern.search(text):
        raise SystemExit(f"{PAGE}: no <!-- v3:table --> markers")
    return pattern.sub(lambda m: m.group(1) + table() + "\n" + m.group(2), text)


def main(argv: list[str]) -> int:
    old = PAGE.read_text(encoding="utf-8")
    new = render(old)
    if "--check" in argv:
        if new != old:
            print(f"{PAGE.name} is out of date: run python tools/model_v3_table.py")
            return 1
        return 0
    PAGE.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
