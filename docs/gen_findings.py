"""Write the numbers of docs/FINDINGS.md and README.md from the result files.

Every generated number or table sits between two markers in the Markdown::

    a small reset by 2024 <!--gen:forecast.reset_by_2024-->35%<!--/gen-->

and this script rewrites what is between them from the files in
``docs/results/`` (nothing is re-simulated).  Run it after a result file
changes; ``--check`` writes nothing and exits 1 listing each number that does
not match its file (the test suite runs the check)::

    python docs/gen_findings.py            # rewrite the numbers in place
    python docs/gen_findings.py --check    # is every number what its file says?

A marker whose key this script does not know is an error, so a typo cannot
leave a number unchecked.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "docs" / "results"
#: The Markdown files whose markers this script fills.
DOCUMENTS = (
    ROOT / "README.md",
    ROOT / "docs" / "FINDINGS.md",
    ROOT / "docs" / "SELECTION.md",
    ROOT / "docs" / "MODEL_V3.md",
)

MARKER = re.compile(r"<!--gen:([\w.]+)-->(.*?)<!--/gen-->", re.S)


# -- formatting ----------------------------------------------------------------------------


def pct(x: float, digits: int = 0) -> str:
    """A share as a percent; one that rounds to 0% or 100% without being
    exactly that is written "<1%" or ">99%" (so a printed 0% is 0)."""
    text = f"{100 * x:.{digits}f}%"
    if 0 < x < 1 and text in (f"{0:.{digits}f}%", f"{100:.{digits}f}%"):
        return "<1%" if x < 0.5 else ">99%"
    return text


def num(x: float, digits: int = 2, sign: bool = False) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    text = f"{x:+.{digits}f}" if sign else f"{x:.{digits}f}"
    return text.replace("-", "−")


def interval(row, column: str, digits: int = 3, sign: bool = False) -> str:
    lo, hi = row[f"{column}_lo"], row[f"{column}_hi"]
    return f"{num(row[column], digits, sign)} [{num(lo, digits, sign)}, {num(hi, digits, sign)}]"


# -- the result files ----------------------------------------------------------------------


def _csv(name: str, index: str | None = None) -> pd.DataFrame:
    frame = pd.read_csv(RESULTS / name)
    return frame.set_index(index) if index else frame


def _summary_numbers(name: str) -> dict[str, str]:
    """The figures of a ``summary.txt`` written by ``resetsim run`` (a projection)."""
    text = (RESULTS / name).read_text(encoding="utf-8")
    out = {}
    # a share that rounds to 0% or 100% is written with its count: "<1% (2 of 500 runs)"
    m = re.search(r"P\(a new reset starts by (\d{4})\)\s+(\S+%(?: \(\d+ of \d+ runs\))?)", text)
    out["year"], out["p_reset"] = m.group(1), m.group(2)
    # model v3 writes the latent attitude (it can be negative) and its favourable share
    for state, key in (("United States", "usa"), ("Russia", "rus")):
        m = re.search(rf"{state}: (-?[\d.]+ \[-?[\d.]+, -?[\d.]+\])", text)
        out[f"{key}_trust"] = m.group(1).replace("-", "−")
        m = re.search(rf"{state}: .*?favourable share (\d+%) \(at the start (\d+%)\)", text)
        if m:
            out[f"{key}_share"], out[f"{key}_share_start"] = m.group(1), m.group(2)
    m = re.search(r"confrontation \(<= [\d.]+\) in (\d+%)", text)
    out["confrontation_runs"] = m.group(1)
    m = re.search(r"in confrontation (\d+%)", text)
    out["confrontation_quarters"] = m.group(1)
    m = re.search(r"(\d+) runs \(seed (\d+)\)", text)
    out["runs"], out["seed"] = m.group(1), m.group(2)
    return out


def forecast_values(prefix: str, file: str) -> dict[str, str]:
    f = _csv(file, "id")
    v = {f"{prefix}.{i}": pct(p) for i, p in f["p_model"].items()}
    means = {k: f[f"brier_{k}"].mean() for k in ("model", "climatology", "persistence")}
    logs = {k: f[f"log_{k}"].mean() for k in ("model", "climatology", "persistence")}
    for k in means:
        v[f"{prefix}.brier.{k}"] = num(means[k], 3)
        v[f"{prefix}.log.{k}"] = num(logs[k], 3)
    v[f"{prefix}.skill.persistence"] = num(1 - means["model"] / means["persistence"], 2, True)
    v[f"{prefix}.skill.climatology"] = num(1 - means["model"] / means["climatology"], 2, True)
    right = ((f["p_model"] >= 0.5) == f["happened"].astype(bool)).sum()
    v[f"{prefix}.right"] = f"{right} of {len(f)}"
    if "p_given_events" in f:
        for i, p in f["p_given_events"].dropna().items():
            v[f"{prefix}.given.{i}"] = pct(p)
    return v


def forecast_table() -> str:
    f = _csv("biden_era_forecast.csv", "id")
    point_file = RESULTS / "biden_era_point_forecast.csv"
    point = _csv(point_file.name, "id") if point_file.exists() else None
    short = {
        "reset_by_2022": "a new reset starts by 2022",
        "reset_by_2024": "a new reset starts by 2024",
        "war_by_2023": "Russia starts a war the US opposes by 2023",
        "annexation_by_2023": "Russia annexes territory by 2023",
        "record_low_by_2023": "relations at their lowest since the Cold War by 2023",
        "treaty_break_by_2024": "an arms-control treaty left or suspended by 2024",
        "nato_by_2024": "NATO admits a member by 2024",
        "summit_2022_2024": "a leaders' summit, mid-2021 to 2024",
        "arms_treaty_by_2024": "a new arms-control treaty by 2024",
        "sanctions_by_2022": "new US sanctions by 2022",
    }

    def model(i: str) -> str:
        p = pct(f.loc[i, "p_model"])
        if point is not None and pct(point.loc[i, "p_model"]) != p:
            p += f" ({pct(point.loc[i, 'p_model'])})"
        return p

    def mean(col: str, kind: str, bold: bool = False) -> str:
        text = num(f[f"{kind}_{col}"].mean(), 3)
        shown = f"**{text}**" if bold else text
        if col == "model" and point is not None:
            text_point = num(point[f"{kind}_model"].mean(), 3)
            if text_point != text:
                return f"{shown} ({text_point})"
        return shown

    def given(i: str) -> str:
        g = f.loc[i, "p_given_events"] if "p_given_events" in f else float("nan")
        return "–" if pd.isna(g) else pct(g)

    rows = [
        "| question (origin 2021Q3) | model | climatology | persistence | given the events "
        "| happened |",
        "|---|---|---|---|---|---|",
    ]
    for i, r in f.iterrows():
        happened = "yes" if bool(r["happened"]) else "no"
        if bool(r["happened"]):
            happened += f" ({pd.Timestamp(r['date']).strftime('%-d %b %Y')})"
        rows.append(
            f"| {short.get(i, r['question'])} | {model(i)} | {pct(r['p_climatology'])} | "
            f"{pct(r['p_persistence'])} | {given(i)} | {happened} |"
        )
    rows.append(
        f"| **mean Brier score** (0 best) | {mean('model', 'brier', bold=True)} | "
        f"{mean('climatology', 'brier')} | {mean('persistence', 'brier')} | | |"
    )
    rows.append(
        f"| mean log loss (0 best, p clipped to [0.01, 0.99]) | {mean('model', 'log')} | "
        f"{mean('climatology', 'log')} | {mean('persistence', 'log')} | | |"
    )
    return "\n".join(rows)


CONDITIONS = {
    "baseline": "baseline (all present)",
    "no_power_asymmetry": "no power asymmetry",
    "no_ideological_distance": "no ideological distance",
    "no_security_dilemma": "no security dilemma",
    "no_arms_control_limits": "no arms-control limits",
    "no_counterterrorism_disagreement": "no counter-terrorism disagreement",
    "no_missing_institutions": "no missing institutions",
    "no_domestic_constraint": "no domestic constraint",
    "all_off": "**all_off** (none present)",
    "only_system_ideology": "only the system-and-ideology group (§2.1)",
    "only_security": "only the security group (§2.3)",
    "only_structure": "only power asymmetry + missing institutions",
    "only_power_asymmetry": "only power asymmetry",
    "only_others": "only one of the other six contradictions",
    "no_leader": "no leader factor",
    "all_off_no_leader": "no contradictions and no leader factor",
}

#: Conditions whose runs hardly have lows to fit a trend through (the loop in
#: under 5% of runs): their trough trend is shown as "–".
_FEW_LOWS = 0.05


def contradictions_table() -> str:
    s = _csv("contradictions_summary.csv", "condition")
    singles = [c for c in s.index if c.startswith("only_") and c.count("_") >= 1]
    singles = [
        c
        for c in singles
        if c not in {"only_system_ideology", "only_security", "only_structure"}
        and c != "only_power_asymmetry"
    ]
    rows = [
        "| condition | share with the loop | mean cycles | trough trend (/decade) "
        "| stable partnership |",
        "|---|---|---|---|---|",
    ]
    for cond, label in CONDITIONS.items():
        if cond == "only_others":
            o = s.loc[singles]
            rows.append(
                f"| {label} | ≤ {num(o['share_loop'].max(), 3)} | "
                f"≤ {num(o['mean_cycles'].max(), 2)} | – | "
                f"≥ {num(o['share_stable_partnership'].min(), 3)} |"
            )
            continue
        r = s.loc[cond]
        trend = (
            "–" if r["share_loop"] < _FEW_LOWS else interval(r, "mean_trough_trend", 3, sign=True)
        )
        rows.append(
            f"| {label} | {interval(r, 'share_loop')} | {interval(r, 'mean_cycles', 2)} | "
            f"{trend} | {interval(r, 'share_stable_partnership')} |"
        )
    return "\n".join(rows)


def contradiction_values() -> dict[str, str]:
    s = _csv("contradictions_summary.csv", "condition")
    singles = [c for c in s.index if c.startswith("no_") and c != "no_leader"]
    only = [
        c
        for c in s.index
        if c.startswith("only_")
        and c not in {"only_system_ideology", "only_security", "only_structure"}
    ]
    others = [c for c in only if c != "only_power_asymmetry"]
    return {
        "contradictions.runs": f"{int(s.loc['baseline', 'runs']):,}",
        "contradictions.conditions": str(len(s)),
        "contradictions.single_removed_min_loop": pct(s.loc[singles, "share_loop"].min()),
        "contradictions.only_power_asymmetry": pct(s.loc["only_power_asymmetry", "share_loop"]),
        "contradictions.only_others_max": pct(s.loc[others, "share_loop"].max()),
        "contradictions.only_security": pct(s.loc["only_security", "share_loop"]),
        "contradictions.only_system_ideology": pct(s.loc["only_system_ideology", "share_loop"]),
        "contradictions.only_structure": pct(s.loc["only_structure", "share_loop"]),
        "contradictions.no_arms_control_partnership": pct(
            s.loc["no_arms_control_limits", "share_stable_partnership"], 1
        ),
        "contradictions.no_domestic_partnership": pct(
            s.loc["no_domestic_constraint", "share_stable_partnership"], 1
        ),
        "contradictions.no_leader_loop": pct(s.loc["no_leader", "share_loop"]),
        "contradictions.all_off_loop": pct(s.loc["all_off", "share_loop"], 1),
        "contradictions.baseline_trough_trend": num(
            s.loc["baseline", "mean_trough_trend"], 3, True
        ),
        "contradictions.baseline_descending": pct(s.loc["baseline", "share_descending_lows"], 1),
    }


def validation_values() -> dict[str, str]:
    v: dict[str, str] = {}
    for runs in (300, 1000):
        s = _csv(f"validation_summary_{runs}runs.csv", "condition")
        p = f"validation{runs}"
        for cond in ("baseline", "null_ar1", "null_shot_noise", "frozen_feedback"):
            r = s.loc[cond]
            v[f"{p}.{cond}.loop"] = pct(r["share_loop"], 1)
            v[f"{p}.{cond}.openings"] = pct(r["share_onsets_after_opening"], 1)
            v[f"{p}.{cond}.openings_ci"] = (
                f"{pct(r['share_onsets_after_opening'], 1)} "
                f"[{100 * r['share_onsets_after_opening_lo']:.1f}, "
                f"{100 * r['share_onsets_after_opening_hi']:.1f}]"
            )
            v[f"{p}.{cond}.endogenous"] = pct(r["share_failures_endogenous"], 1)
            v[f"{p}.{cond}.endogenous_ci"] = (
                f"{pct(r['share_failures_endogenous'], 1)} "
                f"[{100 * r['share_failures_endogenous_lo']:.1f}, "
                f"{100 * r['share_failures_endogenous_hi']:.1f}]"
            )
            v[f"{p}.{cond}.asymmetry"] = num(r["mean_rise_fall_asymmetry"], 2, True)
            v[f"{p}.{cond}.asymmetry_ci"] = interval(r, "mean_rise_fall_asymmetry", 3)
        v[f"{p}.baseline.trough_vs_null_ci"] = interval(
            s.loc["baseline"], "trough_trend_vs_null", 3, sign=True
        )
        v[f"{p}.all_off.loop"] = pct(s.loc["all_off", "share_loop"], 1)
        v[f"{p}.all_static.loop"] = pct(s.loc["all_static", "share_loop"], 1)
    return v


def history_values() -> dict[str, str]:
    f = _csv("history_fidelity_1000runs.csv", "item")
    v = {}
    for item in f.index:
        if pd.notna(f.loc[item, "matched_share"]):
            v[f"history.{item}.matched"] = pct(f.loc[item, "matched_share"])
            v[f"history.{item}.in_window"] = pct(f.loc[item, "in_window_share"])
    v["history.lows_descending"] = pct(f.loc["lows_descending_share", "value"])
    v["history.spurious"] = num(f.loc["spurious_per_run", "value"], 2)
    v["history.score_mean"] = num(f.loc["score_mean", "value"], 3)
    v["history.score_median"] = num(f.loc["score_median", "value"], 3)
    v["history.score_sd"] = num(f.loc["score_sd", "value"], 3)
    v["history.runs"] = f"{int(f.loc['runs', 'value']):,}"
    for runs in (30, 1000):
        p = _csv(f"history_patterns_{runs}runs.csv")
        k = f"patterns{runs}"
        passed = p["passed"].astype(str).str.lower() == "true"
        inside = p["sample"] == "in"
        v[f"{k}.passed"] = f"{passed.sum()} of {len(p)}"
        v[f"{k}.passed_share"] = pct(passed.mean())
        v[f"{k}.in_sample"] = f"{(passed & inside).sum()} of {inside.sum()}"
        v[f"{k}.out_of_sample"] = f"{(passed & ~inside).sum()} of {(~inside).sum()}"
        for _, r in p.iterrows():
            v[f"{k}.{r['pattern']}"] = num(r["simulated"], 2)
    return v


def sobol_values() -> dict[str, str]:
    s = _csv("sobol.csv")
    v = {}
    for _, r in s.iterrows():
        for idx in ("S1", "ST"):
            v[f"sobol.{r['output']}.{r['parameter']}.{idx}"] = num(r[idx], 2)
    return v


def outlook_values() -> dict[str, str]:
    v = {f"outlook.{k}": x for k, x in _summary_numbers("biden_era_summary.txt").items()}
    if (RESULTS / "biden_era_point_summary.txt").exists():
        point = _summary_numbers("biden_era_point_summary.txt")
        v.update({f"point.outlook.{k}": x for k, x in point.items()})
    return v


def _tool(name: str):
    """tools/NAME.py, loaded as a module: the one reader of the files it writes."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _ladder_tables():
    """tools/ladder_tables.py, the one reader of the ladder's result folders."""
    return _tool("ladder_tables")


#: the ladder's result folders (docs/results/ladder/) and their keys
LADDER_FOLDERS = {
    "history": "history",
    "history_recalibrated": "recal",
    "history_recalibrated_early": "recal_early",
    "biden_era": "biden",
}


def ladder_values() -> dict[str, str]:
    """Out of sample, per rung, means over series and origins: ``ladder.<setting>.<rung>.crps``
    and ``.rmse`` (relative to persistence), ``.spearman``; ``ladder.<setting>.winner``."""
    tables = _ladder_tables()
    v: dict[str, str] = {}
    for folder, key in LADDER_FOLDERS.items():
        if not (tables.RESULTS / folder / "summary.csv").exists():
            continue
        mean = tables.rung_means(folder)
        v[f"ladder.{key}.winner"] = str(mean["crps_ratio"].idxmin())
        for rung, m in mean.iterrows():
            v[f"ladder.{key}.{rung}.crps"] = num(m["crps_ratio"], 2)
            v[f"ladder.{key}.{rung}.rmse"] = num(m["rmse_ratio"], 2)
            v[f"ladder.{key}.{rung}.spearman"] = num(m["spearman"], 2)
    return v


#: the selection's result folders (docs/results/): the run behind the defaults, and
#: the same run on another seed and with twice the recalibration budget (checks
#: of the choice, not used to make it)
SELECTION_FOLDERS = {
    "selection": "selection",
    "selection_seed2": "selection.seed2",
    "selection_budget": "selection.budget",
    # round 2: the resting level's memory put to the rule, and its two checks
    "selection_memory": "selection.memory",
    "selection_memory_seed2": "selection.memory.seed2",
    "selection_memory_budget": "selection.memory.budget",
    # round 3: events that last put to the rule, and its two checks
    "selection_lasting": "selection.lasting",
    "selection_lasting_seed2": "selection.lasting.seed2",
    "selection_lasting_budget": "selection.lasting.budget",
    # round 4: round 1's rule with events that last among the candidates
    "selection_round4": "selection.round4",
    "selection_round4_seed2": "selection.round4.seed2",
    "selection_round4_budget": "selection.round4.budget",
    # round 5: round 4 with the early origins 1993 and 1997
    "selection_round5": "selection.round5",
    "selection_round5_seed2": "selection.round5.seed2",
    "selection_round5_budget": "selection.round5.budget",
    # sensitivity readings after the runs: rounds 4 and 5 pooled as log ratios
    "selection_round4_log": "selection.round4.log",
    "selection_round5_log": "selection.round5.log",
}
#: Round 5's early origins (docs/SELECTION.md): the cells rounds 1-4 never scored.
EARLY_ORIGINS = (1993, 1997)


def _verdict(r) -> str:
    if r["removed"]:
        return "switched off"
    return "earns its place" if r["earns_place"] else "does not earn it"


def selection_table(folder: str = "selection") -> str:
    """Every step of the backward elimination: each candidate's cost with its
    interval, the cells where its own interval lies above 0, the changes of RMSE
    and Spearman (reported, not used), and the verdict."""
    st = _csv(f"{folder}/steps.csv")
    lines = [
        "| step | already off | candidate | cost (Δ CRPS ÷ persistence) | 95% interval | "
        "cells worse | Δ RMSE ÷ persistence | Δ Spearman | verdict |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for _, r in st.sort_values(["step", "cost"], kind="stable").iterrows():
        off = r["already_off"] if isinstance(r["already_off"], str) else "–"
        lines.append(
            f"| {r['step']} | {off.replace('+', ', ')} | {r['candidate']} | "
            f"{num(r['cost'], 3, sign=True)} | "
            f"[{num(r['cost_lo'], 3, sign=True)}, {num(r['cost_hi'], 3, sign=True)}] | "
            f"{r['cells_worse']} of {r['cells']} | {num(r['rmse_ratio_change'], 3, sign=True)} | "
            f"{num(r['spearman_change'], 2, sign=True)} | {_verdict(r)} |"
        )
    return "\n".join(lines)


def model_means(meta: dict, cells: pd.DataFrame) -> dict[str, pd.Series]:
    """The first model's (``paper``) and the selected model's (``selected``)
    CRPS and RMSE ratios and Spearman over ``cells`` (rows of the folder's
    cells.csv), averaged as the ladder averages: over origins per series, then
    over series (a cell whose rank correlation is undefined drops out of its
    series' mean only)."""
    first = cells[(cells["step"] == 0) & cells["off"].isna()]
    last_off = "+".join(sorted(meta["removed"]))
    last = cells[cells["off"].fillna("") == last_off].drop_duplicates(["series", "origin"])
    cols = ["crps_ratio", "rmse_ratio", "spearman"]
    return {
        name: part.groupby("series")[cols].mean().mean()
        for name, part in (("paper", first), ("selected", last))
    }


def put_means(v: dict[str, str], key: str, means: dict[str, pd.Series], suffix: str = "") -> None:
    """``<key>.<paper|selected><suffix>.crps`` / ``.rmse`` / ``.spearman``."""
    for name, m in means.items():
        v[f"{key}.{name}{suffix}.crps"] = num(m["crps_ratio"], 3)
        v[f"{key}.{name}{suffix}.rmse"] = num(m["rmse_ratio"], 3)
        v[f"{key}.{name}{suffix}.spearman"] = num(m["spearman"], 2)


def selection_values() -> dict[str, str]:
    """``selection.kept`` / ``.removed`` (and ``selection.seed2.*``): the
    mechanisms kept and switched off, in the order the rule decided."""
    import json

    v: dict[str, str] = {}
    for folder, key in SELECTION_FOLDERS.items():
        path = RESULTS / folder / "meta.json"
        if not path.exists():
            continue
        meta = json.loads(path.read_text(encoding="utf-8"))
        v[f"{key}.kept"] = ", ".join(meta["kept"]) or "none"
        v[f"{key}.removed"] = ", ".join(meta["removed"]) or "none"
        v[f"{key}.seed"] = str(meta["seed"])
        v[f"{key}.abc_population"] = f"{meta['abc_population']:,}"
        cells = pd.read_csv(RESULTS / folder / "cells.csv")
        put_means(v, key, model_means(meta, cells))
    v.update(fitted_quartiles("selection_memory", "selection.memory", "attitude_memory"))
    v.update(removal_cost("selection_memory", "selection.memory", "memory"))
    for check in ("seed2", "budget"):
        key = f"selection.memory.{check}"
        v.update(removal_cost(f"selection_memory_{check}", key, "memory"))
    v.update(fitted_quartiles("selection_lasting", "selection.lasting", "lasting_share"))
    for folder in ("selection_lasting", "selection_lasting_seed2", "selection_lasting_budget"):
        key = SELECTION_FOLDERS[folder]
        v.update(removal_cost(folder, key, "lasting"))
        v.update(final_cost(folder, key, "lasting"))
    for folder in ("selection_round4", "selection_round4_seed2", "selection_round4_budget"):
        key = SELECTION_FOLDERS[folder]
        v.update(removal_cost(folder, key, "power_asymmetry"))
        v.update(final_cost(folder, key, "lasting"))
    for check in ("", ".seed2", ".budget"):
        # round 4 against round 3 (same seed and budget): the same mechanisms kept?
        r4, r3 = f"selection.round4{check}.kept", f"selection.lasting{check}.kept"
        if r4 in v and r3 in v:
            same = set(v[r4].split(", ")) == set(v[r3].split(", "))
            v[f"selection.round4{check}.same_set"] = "the same as" if same else "not the same as"
    v.update(round5_values(v))
    for r in ("round4", "round5"):
        # the log-ratio reading against the rule's: the same mechanisms kept?
        mine, rule = f"selection.{r}.log.kept", f"selection.{r}.kept"
        if mine in v and rule in v:
            same = set(v[mine].split(", ")) == set(v[rule].split(", "))
            v[f"selection.{r}.log.same_set"] = "the same as" if same else "not the same as"
            v.update(
                removal_cost(f"selection_{r}_log", f"selection.{r}.log.power", "power_asymmetry")
            )
            folder, key = f"selection_{r}_log", f"selection.{r}.log.s0.power"
            v.update(split_cost(folder, key, "power_asymmetry", 0, log=True))
    if "selection.kept" in v and "selection.seed2.kept" in v:
        same = (v["selection.kept"], v["selection.removed"]) == (
            v["selection.seed2.kept"],
            v["selection.seed2.removed"],
        )
        v["selection.seed2.same"] = "the same" if same else "a different"
    if "selection.kept" in v and "selection.budget.kept" in v:
        same = v["selection.kept"] == v["selection.budget.kept"]
        v["selection.budget.same"] = "the same" if same else "a different"
    return v


def fitted_quartiles(folder: str, key: str, name: str) -> dict[str, str]:
    """``<key>.fit.<origin>``: the in-sample fit of ``name`` at each origin
    (its weighted median and quartiles) when the selection's first model,
    every candidate on, was refitted there."""
    import json

    path = RESULTS / folder / "meta.json"
    if not path.exists():
        return {}
    meta = json.loads(path.read_text(encoding="utf-8"))
    out = {}
    for r in meta["recalibration"]:
        if r["off"] or name not in r.get("quartiles", {}):
            continue
        lo, med, hi = r["quartiles"][name]
        out[f"{key}.fit.{r['origin']}"] = f"{num(med, 3)} [{num(lo, 3)}, {num(hi, 3)}]"
    return out


def split_cost(
    folder: str, key: str, candidate: str, step: int, log: bool = False
) -> dict[str, str]:
    """``<key>.early`` / ``.late``: ``candidate``'s cost at ``step`` (its set
    S: the mechanisms already off there) counted over the early-origin cells
    (:data:`EARLY_ORIGINS`) and over the others, ``.cell.<series>.<origin>``
    per cell, and ``.without_largest`` over every cell but the one whose
    cost is largest in size (``.largest``: that cell); with ``log`` the
    changes of the ratios' logarithms (``select --aggregate log``)."""
    st = pd.read_csv(RESULTS / folder / "steps.csv")
    row = st[(st["step"] == step) & (st["candidate"] == candidate)]
    if row.empty:
        return {}
    off = row.iloc[0]["already_off"]
    off = [] if not isinstance(off, str) else off.split("+")
    cells = pd.read_csv(RESULTS / folder / "cells.csv").drop_duplicates(["off", "series", "origin"])
    cells["off"] = cells["off"].fillna("")

    def scores(names: list[str]) -> pd.Series:
        part = cells[cells["off"] == "+".join(sorted(names))]
        ratio = part.set_index(["series", "origin"])["crps_ratio"]
        return np.log(ratio) if log else ratio

    diff = (scores([*off, candidate]) - scores(off)).dropna()
    is_early = diff.index.get_level_values("origin").isin(EARLY_ORIGINS)
    largest = diff.abs().idxmax()
    out = {
        f"{key}.early": num(diff[is_early].mean(), 3, sign=True),
        f"{key}.late": num(diff[~is_early].mean(), 3, sign=True),
        f"{key}.all": num(diff.mean(), 3, sign=True),
        f"{key}.without_largest": num(diff.drop(largest).mean(), 3, sign=True),
        f"{key}.largest": f"{SERIES_NAMES.get(largest[0], largest[0])} from {largest[1]}",
    }
    for (series, origin), d in diff.items():
        out[f"{key}.cell.{series}.{origin}"] = num(d, 3, sign=True)
    return out


#: How the pages name a series in running text.
SERIES_NAMES = {
    "unga_distance_us_russia": "the UN distance",
    "gallup_us_view_of_russia": "Gallup",
    "levada_russian_view_of_us": "Levada",
}


def round5_values(v: dict[str, str]) -> dict[str, str]:
    """Round 5's reading under its own rule (docs/SELECTION.md): the mechanisms
    its run and both checks keep (``selection.round5.firm_kept``), remove
    (``.firm_removed``) or disagree on (``.unsettled``), and power asymmetry's
    and other costs split between the early cells and the others
    (:func:`split_cost`)."""
    import json

    out: dict[str, str] = {}
    runs = [f"selection.round5{c}" for c in ("", ".seed2", ".budget")]
    if not all(f"{k}.kept" in v for k in runs):
        return out

    def names(text: str) -> set[str]:
        return set() if text == "none" else set(text.split(", "))

    kept = [names(v[f"{k}.kept"]) for k in runs]
    removed = [names(v[f"{k}.removed"]) for k in runs]
    order = v["selection.round5.kept"].split(", ") + v["selection.round5.removed"].split(", ")
    order = [n for n in order if n != "none"]
    firm_kept = [n for n in order if all(n in k for k in kept)]
    firm_removed = [n for n in order if all(n in r for r in removed)]
    unsettled = [n for n in order if n not in firm_kept and n not in firm_removed]
    out["selection.round5.firm_kept"] = ", ".join(firm_kept) or "none"
    out["selection.round5.firm_removed"] = ", ".join(firm_removed) or "none"
    out["selection.round5.unsettled"] = ", ".join(unsettled) or "none"
    out.update(fitted_quartiles("selection_round5", "selection.round5.lasting", "lasting_share"))
    meta = json.loads((RESULTS / "selection_round5" / "meta.json").read_text(encoding="utf-8"))
    iqr = [
        r["quartiles"]["lasting_share"][2] - r["quartiles"]["lasting_share"][0]
        for r in meta["recalibration"]
        if not r["off"] and "lasting_share" in r.get("quartiles", {})
    ]
    out["selection.round5.lasting.iqr_min"] = num(min(iqr), 2)
    out["selection.round5.lasting.iqr_max"] = num(max(iqr), 2)
    for folder in ("selection_round5", "selection_round5_seed2", "selection_round5_budget"):
        key = SELECTION_FOLDERS[folder]
        # the selected and the paper's model on the cells rounds 1-4 scored (from 2001)
        meta = json.loads((RESULTS / folder / "meta.json").read_text(encoding="utf-8"))
        cells = pd.read_csv(RESULTS / folder / "cells.csv")
        late = cells[~cells["origin"].isin(EARLY_ORIGINS)]
        put_means(out, key, model_means(meta, late), suffix="_late")
        out.update(split_cost(folder, f"{key}.s0.power", "power_asymmetry", 0))
        out.update(split_cost(folder, f"{key}.s1.lasting", "lasting", 1))
        out.update(split_cost(folder, f"{key}.s1.security", "security_dilemma", 1))
        out.update(removal_cost(folder, f"{key}.s1.security", "security_dilemma", step=1))
        out.update(removal_cost(folder, f"{key}.power", "power_asymmetry"))
        out.update(final_cost(folder, key, "lasting"))
    return out


def _with_interval(r) -> str:
    """A steps.csv row's cost with its interval: ``+0.142 [+0.073, +0.217]``."""
    return (
        f"{num(r['cost'], 3, sign=True)} "
        f"[{num(r['cost_lo'], 3, sign=True)}, {num(r['cost_hi'], 3, sign=True)}]"
    )


def removal_cost(folder: str, key: str, candidate: str, step: int = 0) -> dict[str, str]:
    """``<key>.cost``: ``candidate``'s cost at ``step`` (the first by
    default), with its interval; ``<key>.rmse``: its RMSE-ratio change."""
    path = RESULTS / folder / "steps.csv"
    if not path.exists():
        return {}
    st = pd.read_csv(path)
    r = st[(st["step"] == step) & (st["candidate"] == candidate)].iloc[0]
    return {
        f"{key}.cost": _with_interval(r),
        f"{key}.rmse": num(r["rmse_ratio_change"], 3, sign=True),
    }


def final_cost(folder: str, key: str, candidate: str) -> dict[str, str]:
    """``<key>.final.cost`` / ``.step``: ``candidate``'s cost, with its
    interval, at the last step it was offered (its verdict there)."""
    path = RESULTS / folder / "steps.csv"
    if not path.exists():
        return {}
    st = pd.read_csv(path)
    rows = st[st["candidate"] == candidate]
    if rows.empty:
        return {}
    r = rows.sort_values("step").iloc[-1]
    return {f"{key}.final.cost": _with_interval(r), f"{key}.final.step": str(int(r["step"]))}


#: The measurement files of docs/MODEL_V3.md (benchmarks/measure_model_v3.py's
#: output, ``name value`` per line) whose numbers the pages quote, by key prefix.
MEASUREMENTS = {
    "v3.round3": "model_v3_round3.txt",
    "v3.round3.recal": "model_v3_round3_recalibrated.txt",
    "v3.round1": "model_v3_selected.txt",
    "v3.round1.recal": "model_v3_selected_recalibrated.txt",
    "v3.pa": "model_v3_round3_with_power_asymmetry.txt",
    "v3.pa.recal": "model_v3_round3_with_power_asymmetry_recalibrated.txt",
    "v3.round5": "model_v3_round5_candidate.txt",
    "v3.round5.recal": "model_v3_round5_candidate_recalibrated.txt",
}


def cross_side_values() -> dict[str, str]:
    """``cross.<variant>``: the median run's cross-side correlation of each
    variant in ``benchmarks/cross_side.txt`` (``benchmarks/cross_side.py``)."""
    path = ROOT / "benchmarks" / "cross_side.txt"
    if not path.exists():
        return {}
    v, x = {}, {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, value = line.split()[:2]
            x[name] = float(value)
            v[f"cross.{name}"] = num(x[name], 2)
    # the lowest of the single toggles (one mechanism) and of the one-kind removals
    single = {k: y for k, y in x.items() if k.startswith(("full_with_", "full_without_"))}
    kinds = {
        k: y
        for k, y in single.items()
        if k.endswith("_events") and k != "full_without_dated_events"
    }
    toggles = {
        k: y for k, y in single.items() if not k.endswith("_events") and not k.endswith("_all")
    }
    for key, part in (("toggle", toggles), ("kind", kinds)):
        if part:
            low = min(part, key=part.get)
            v[f"cross.min_{key}"] = num(part[low], 2)
            v[f"cross.min_{key}.name"] = (
                low.removeprefix("full_with_").removeprefix("full_without_").removesuffix("_events")
            )
    return v


def dating_values() -> dict[str, str]:
    """``dating.<name>`` from ``benchmarks/onset_dating.txt`` (when the Biden
    era's given-events onsets are dated and confirmed): shares as percents
    (``.pct``), counts as they are (``dating.dated.<quarter>``)."""
    path = ROOT / "benchmarks" / "onset_dating.txt"
    if not path.exists():
        return {}
    v = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if not parts or line.startswith("#"):
            continue
        if len(parts) == 3:
            v[f"dating.{parts[0]}.{parts[1]}"] = parts[2]
        else:
            x = float(parts[1])
            v[f"dating.{parts[0]}"] = f"{x:g}" if x >= 1 else num(x, 3)
            if x <= 1:
                v[f"dating.{parts[0]}.pct"] = pct(x)
    return v


def measurement_values() -> dict[str, str]:
    """``<prefix>.<name>`` (2 decimals), ``.3`` (3 decimals), ``.int`` (a
    whole number with thousands' commas) and ``.pct`` (a share as a percent)
    of every measured number; and the default posterior's calibration
    (``calibration.<parameter>.median`` / ``q05`` / ``q95``)."""
    v: dict[str, str] = {}

    def put(key: str, x: float) -> None:
        v[key] = num(x, 2)
        v[f"{key}.3"] = num(x, 3)
        v[f"{key}.int"] = "–" if math.isnan(x) else f"{round(x):,}"
        v[f"{key}.pct"] = "–" if math.isnan(x) else pct(x)

    read = _tool("model_v3_table").read  # the reader of those files
    for prefix, name in MEASUREMENTS.items():
        path = ROOT / "benchmarks" / name
        if not path.exists():
            continue
        measured = read(path)
        for k, x in measured.items():
            put(f"{prefix}.{k}", x)
        # derived: the widest interquartile ratio, and the turns other than the dip
        iqr = [
            x
            for k, x in measured.items()
            if k.startswith("posterior_iqr_ratio_") and not k.endswith("_at_most_half")
        ]
        if iqr:
            put(f"{prefix}.posterior_iqr_ratio_max", max(iqr))
        others = [
            x
            for k, x in measured.items()
            if k.startswith("turn_") and k.endswith("_share")
            and k not in ("turn_all_share", "turn_dip_1992_93_share")
        ]  # fmt: skip
        if others:
            put(f"{prefix}.turn_others_min", min(others))
    # the default posterior's calibration (its medians and 90% intervals)
    path = ROOT / "benchmarks" / "model_v3_calibration" / "posterior.csv"
    if path.exists():
        for r in pd.read_csv(path).itertuples():
            for col in ("median", "q05", "q95"):
                put(f"calibration.{r.parameter}.{col}", float(getattr(r, col)))
    return v


#: key -> its text, every generated number and table.
def values() -> dict[str, str]:
    v: dict[str, str] = {}
    v.update(forecast_values("forecast", "biden_era_forecast.csv"))
    if (RESULTS / "biden_era_point_forecast.csv").exists():
        v.update(forecast_values("point.forecast", "biden_era_point_forecast.csv"))
    v.update(outlook_values())
    v.update(contradiction_values())
    v.update(validation_values())
    v.update(history_values())
    v.update(sobol_values())
    v.update(ladder_values())
    v.update(selection_values())
    v.update(measurement_values())
    v.update(cross_side_values())
    v.update(dating_values())
    tables: dict[str, Callable[[], str]] = {
        "table.forecast": forecast_table,
        "table.contradictions": contradictions_table,
    }
    if (RESULTS / "selection" / "steps.csv").exists():
        tables["table.selection"] = selection_table
    if (RESULTS / "selection_memory" / "steps.csv").exists():
        tables["table.selection_memory"] = lambda: selection_table("selection_memory")
    if (RESULTS / "selection_round4" / "steps.csv").exists():
        tables["table.selection_round4"] = lambda: selection_table("selection_round4")
    if (RESULTS / "selection_round5" / "steps.csv").exists():
        tables["table.selection_round5"] = lambda: selection_table("selection_round5")
    if (RESULTS / "selection_lasting" / "steps.csv").exists():
        tables["table.selection_lasting"] = lambda: selection_table("selection_lasting")
    v.update({k: "\n" + make() + "\n" for k, make in tables.items()})
    return v


# -- rewriting and checking -------------------------------------------------------------------


def render(text: str, known: dict[str, str]) -> tuple[str, list[str]]:
    """The text with every marker filled, and the problems found."""
    problems: list[str] = []

    def fill(m: re.Match) -> str:
        key, old = m.group(1), m.group(2)
        if key not in known:
            problems.append(f"unknown key {key!r}")
            return m.group(0)
        if old != known[key]:
            says, should = old.strip(), known[key].strip()
            problems.append(f"{key}: the text says {says!r}, the result file {should!r}")
        return f"<!--gen:{key}-->{known[key]}<!--/gen-->"

    return MARKER.sub(fill, text), problems


def check(paths=DOCUMENTS) -> list[str]:
    """Every number that does not match its result file, as ``file: problem``."""
    known = values()
    out = []
    for path in paths:
        _, problems = render(path.read_text(encoding="utf-8"), known)
        out += [f"{path.relative_to(ROOT)}: {p}" for p in problems]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 on a mismatch")
    args = parser.parse_args(argv)
    known = values()
    status = 0
    for path in DOCUMENTS:
        text = path.read_text(encoding="utf-8")
        new, problems = render(text, known)
        unknown = [p for p in problems if p.startswith("unknown key")]
        for p in problems if args.check else unknown:
            print(f"{path.relative_to(ROOT)}: {p}", file=sys.stderr)
        if (args.check and problems) or unknown:
            status = 1
        if not args.check and new != text:
            path.write_text(new, encoding="utf-8")
            print(f"rewrote {path.relative_to(ROOT)}")
    return status


if __name__ == "__main__":
    sys.exit(main())
