"""Derive the value files of scenarios/targets/observed/ from the source tables.

    python tools/derive_observed.py

reads the three source tables kept beside the results (each row with its
source address and quotation) and writes, for each, a value file in the
observations format (docs/LADDER.md): ``date`` (``YYYY-MM``, or ``YYYY``),
``value``, then the provenance columns ``flag`` and ``source_url`` (or
``source``).  Rules, the same as the rank checks use:

* a poll row without a month is dated February (Gallup's usual fieldwork);
* a row flagged ``annual_average`` is dropped when its year has dated rows,
  one flagged ``conflict`` (a disputed second figure) always;
* a range ``45-47`` counts as its midpoint; a row without a number is dropped;
* the same poll quoted by two sources (same date and number) counts once.

The annual value of a year with several waves (Levada 1999-2002) is the mean
of its waves: ``resetsim assess`` averages a year's rows.
The UN series is the absolute distance of the two states' ideal points
(``idealpoint_distance``), one row per session, dated by its opening year.
"""

from __future__ import annotations

import csv
from pathlib import Path

from resetsim.analysis.observed import poll_number

HERE = Path(__file__).resolve().parent.parent / "scenarios" / "targets" / "observed"

POLLS = {
    # source table -> (value column, value file)
    "gallup_us_view_of_russia_1989_2013.csv": ("favorable_pct", "gallup_us_view_of_russia.csv"),
    "levada_russian_view_of_us_1997_2013.csv": ("good_pct", "levada_russian_view_of_us.csv"),
}
UNGA = ("unga_idealpoints_us_russia_1985_2013.csv", "unga_distance_us_russia.csv")


def poll_rows(source: Path, column: str) -> list[dict[str, str]]:
    rows = list(csv.DictReader(source.open(encoding="utf-8")))
    dated = {r["year"] for r in rows if (r.get("month") or "").strip()}
    out, seen = [], set()
    for r in rows:
        flag = (r.get("flag") or "").strip()
        value = poll_number(r.get(column, ""))
        if value is None or flag == "conflict":
            continue
        if flag == "annual_average" and r["year"] in dated:
            continue
        month = int((r.get("month") or "").strip() or 2)
        date = f"{int(r['year']):04d}-{month:02d}"
        if (date, value) in seen:
            continue
        seen.add((date, value))
        out.append(
            {"date": date, "value": f"{value:g}", "flag": flag, "source_url": r["source_url"]}
        )
    return out


def unga_rows(source: Path) -> list[dict[str, str]]:
    return [
        {
            "year": r["year"],
            "value": r["idealpoint_distance"],
            "session": r["session"],
            "source": r["source"],
        }
        for r in csv.DictReader(source.open(encoding="utf-8"))
    ]


def write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    print(f"{path.name}: {len(rows)} rows")


def main() -> None:
    for source, (column, target) in POLLS.items():
        write(HERE / target, poll_rows(HERE / source, column))
    write(HERE / UNGA[1], unga_rows(HERE / UNGA[0]))


if __name__ == "__main__":
    main()
