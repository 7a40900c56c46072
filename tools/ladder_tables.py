"""Write the tables of docs/LADDER.md from the result files in docs/results/ladder/.

    python tools/ladder_tables.py          # rewrite the tables in place
    python tools/ladder_tables.py --check  # exit 1 if the page is out of date

Each table sits between ``<!-- ladder:NAME -->`` and ``<!-- /ladder:NAME -->``
in the page; nothing else of the page is touched.  The result folders are
written by ``resetsim assess`` (the commands are in the page).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "docs" / "results" / "ladder"
PAGE = ROOT / "docs" / "LADDER.md"


def _f(x: float, digits: int = 2) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{x:.{digits}f}".replace("-", "−")


def rung_means(folder: str) -> pd.DataFrame:
    """Out of sample, per rung (in the file's order): CRPS and RMSE relative to
    persistence, Spearman and coverage, each the mean over series (of the means
    over origins in ``summary.csv``)."""
    summ = pd.read_csv(RESULTS / folder / "summary.csv")
    return summ.groupby("rung", sort=False)[
        ["crps_ratio", "rmse_ratio", "spearman", "coverage80"]
    ].mean()


def ladder_table(folder: str) -> str:
    """Out of sample, per rung: CRPS and RMSE relative to persistence (mean over
    series and origins), Spearman, coverage, and CRPS relative to persistence per series."""
    summ = pd.read_csv(RESULTS / folder / "summary.csv")
    series = list(dict.fromkeys(summ["series"]))
    rungs = list(dict.fromkeys(summ["rung"]))
    head = (
        "| rung | CRPS ÷ persistence | RMSE ÷ persistence | Spearman | coverage 80% | "
        + " | ".join(f"CRPS ÷ pers., {s}" for s in series)
        + " |"
    )
    lines = [head, "|" + "---|" * (5 + len(series))]
    mean = rung_means(folder)
    best = mean["crps_ratio"].idxmin()
    for r in rungs:
        m = mean.loc[r]
        name = f"**{r}**" if r == best else r
        cells = [
            _f(summ.loc[(summ.rung == r) & (summ.series == s), "crps_ratio"].mean()) for s in series
        ]
        lines.append(
            f"| {name} | {_f(m.crps_ratio)} | {_f(m.rmse_ratio)} | {_f(m.spearman)} | "
            f"{_f(m.coverage80)} | " + " | ".join(cells) + " |"
        )
    return "\n".join(lines)


def knockout_table(folder: str) -> str:
    """Per knock-out: the mean out-of-sample CRPS difference from the full model
    (÷ the full model's CRPS) and in how many series x origins its bootstrap
    interval lies above 0 (worse than the model) or below 0 (better)."""
    sc = pd.read_csv(RESULTS / folder / "scores.csv")
    out = sc[(sc["sample"] == "out") & (sc["n"] > 0)]
    full = out[out.rung == "full"].set_index(["series", "origin"])["crps"]
    lines = [
        "| rung | CRPS − full's (÷ full's), mean | interval above 0 (worse) | "
        "interval below 0 (better) | cells |",
        "|---|---|---|---|---|",
    ]
    for r in dict.fromkeys(out["rung"]):
        if not r.startswith("full_with") and r not in ("ledger", "side_ledger", "trend"):
            continue
        part = out[out.rung == r]
        key = list(zip(part.series, part.origin, strict=True))
        rel = part["crps_vs_full"].to_numpy() / full.reindex(key).to_numpy()
        worse = int((part["crps_vs_full_lo"] > 0).sum())
        better = int((part["crps_vs_full_hi"] < 0).sum())
        lines.append(f"| {r} | {_f(np.nanmean(rel))} | {worse} | {better} | {len(part)} |")
    return "\n".join(lines)


def settings_line(folder: str) -> str:
    meta = json.loads((RESULTS / folder / "meta.json").read_text(encoding="utf-8"))
    saw = pd.read_csv(RESULTS / folder / "scores.csv")
    saw = saw[saw["sample"] == "out"]["dynamics_saw_scored"].astype(bool)
    line = (
        f"`{meta['scenario']}`: origins {', '.join(map(str, meta['origins']))}, "
        f"{meta['runs']} runs per rung, seed {meta['seed']}, dynamics: {meta['dynamics']}; "
        f"lowest CRPS: **{meta['winner']}**; out-of-sample rows whose scored years the "
        f"calibration's evidence reached (`dynamics_saw_scored`): {int(saw.sum())} of {len(saw)}"
    )
    if "coding_draws" in meta:
        line += (
            f"; event coding moved at random in {meta['coding_draws']} draws: the same rung "
            f"wins in {100 * meta['coding_winner_survives']:.0f}% of them"
        )
    return line + "."


def coding_table(folder: str) -> str:
    path = RESULTS / folder / "coding.csv"
    if not path.exists():
        return "(no event-coding draws in this result)"
    c = pd.read_csv(path)
    counts = c["winner"].value_counts()
    simple = [r for r in ("persistence", "trend", "ledger", "side_ledger") if r in c.columns]
    beats = int((c["full"] < c[simple].min(axis=1)).sum())
    all_worse = int((c["full_without_all"] > c["full"]).sum())
    return "\n".join(
        ["| in the re-coded draws | draws |", "|---|---|"]
        + [f"| {w} has the lowest CRPS | {n} |" for w, n in counts.items()]
        + [
            f"| full beats every simple rung ({', '.join(simple)}) | {beats} of {len(c)} |",
            f"| full_without_all is worse than full | {all_worse} of {len(c)} |",
        ]
    )


def headline() -> str:
    """The page's verdict in numbers: per setting, out of sample, CRPS and RMSE
    relative to persistence and Spearman, mean over series, for the rungs the
    verdict compares."""
    rungs = (
        "full",
        "full_with_all",
        "full_without_all",
        "full_without_leader",
        "ledger",
        "side_ledger",
        "trend",
    )
    lines = [
        "| setting | rung | CRPS ÷ persistence | RMSE ÷ persistence | Spearman |",
        "|---|---|---|---|---|",
    ]
    for folder, label in (
        ("history", "shipped posterior (saw the scored years)"),
        ("history_recalibrated", "recalibrated per origin"),
    ):
        mean = rung_means(folder)
        best = mean["crps_ratio"].idxmin()
        for r in dict.fromkeys((*rungs, best)):
            if r not in mean.index:
                continue
            m = mean.loc[r]
            name = f"{r} (lowest CRPS)" if r == best else r
            lines.append(
                f"| {label} | {name} | {_f(m.crps_ratio)} | {_f(m.rmse_ratio)} | {_f(m.spearman)} |"
            )
    return "\n".join(lines)


TABLES = {
    "headline": headline,
    "history_settings": lambda: settings_line("history"),
    "history": lambda: ladder_table("history"),
    "history_knockouts": lambda: knockout_table("history"),
    "history_coding": lambda: coding_table("history"),
    "biden_settings": lambda: settings_line("biden_era"),
    "biden": lambda: ladder_table("biden_era"),
    "recal_settings": lambda: settings_line("history_recalibrated"),
    "recal": lambda: ladder_table("history_recalibrated"),
    "recal_knockouts": lambda: knockout_table("history_recalibrated"),
    "early_settings": lambda: settings_line("history_recalibrated_early"),
    "early": lambda: ladder_table("history_recalibrated_early"),
}


def render(text: str) -> str:
    """The page with every table rewritten from the result files."""
    for name, make in TABLES.items():
        pattern = re.compile(rf"(<!-- ladder:{name} -->\n).*?(<!-- /ladder:{name} -->)", flags=re.S)
        if not pattern.search(text):
            raise SystemExit(f"{PAGE}: no markers for table {name!r}")
        text = pattern.sub(lambda m, make=make: m.group(1) + make() + "\n" + m.group(2), text)
    return text


def main(argv: list[str]) -> int:
    old = PAGE.read_text(encoding="utf-8")
    new = render(old)
    if "--check" in argv:
        if new != old:
            print(f"{PAGE.name} is out of date: run python tools/ladder_tables.py")
            return 1
        return 0
    PAGE.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
