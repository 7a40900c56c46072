"""What ``resetsim select`` writes: which mechanisms earn their place.

:func:`write_selection` fills an output folder atomically with

* ``steps.csv``: one row per elimination step and candidate (``step``,
  ``candidate``, ``cost``, ``cost_lo``, ``cost_hi``, ``cells_worse``,
  ``cells``, ``rmse_ratio_change``, ``spearman_change``, ``earns_place``,
  ``removed``, ``already_off``);
* ``cells.csv``: every model's out-of-sample score per series and origin
  (CRPS and RMSE as shares of persistence's, Spearman);
* ``selection.png``: every step's costs with their intervals (kept, removed);
* ``meta.json``: the rule's settings, the kept and removed mechanisms and
  the switch values that turn the removed ones off, the recalibrations,
  provenance (no timestamps); ``timing.json``: the wall times, the whole
  command's and each recalibration's.
"""

from __future__ import annotations

from pathlib import Path

from resetsim.analysis.ladder import COST_UNITS
from resetsim.core import io
from resetsim.experiments.selection import Selection
from resetsim.output.assess import write_meta
from resetsim.output.tables import FLOAT_FORMAT

#: The files every select folder has.
FILES = ("steps.csv", "cells.csv", "meta.json", "timing.json")


def _csv(df, path: Path) -> None:
    io.write_atomic(path, lambda p: df.to_csv(p, index=False, float_format=FLOAT_FORMAT))


def selection_lines(s: Selection) -> list[str]:
    """What the command prints: each step's candidates and the verdict."""
    m = s.meta
    units = COST_UNITS[m.get("aggregate", "mean")]
    lines = [
        f"{len(m['cells'])} series x origin cells, origins {', '.join(map(str, m['origins']))}, "
        f"{m['runs']} runs, seed {m['seed']}; each model recalibrated per origin",
        f"cost of removing a mechanism: mean over cells of the {units} "
        f"({100 * m['level']:.0f}% bootstrap interval); kept only if the interval is above 0",
    ]
    for step, rows in s.steps.groupby("step", sort=True):
        off = rows["already_off"].iloc[0] or "nothing"
        lines.append(f"step {step} (off: {off.replace('+', ', ')}):")
        for _, r in rows.sort_values("cost").iterrows():
            mark = "removed" if r["removed"] else ("earns its place" if r["earns_place"] else "")
            lines.append(
                f"  {r['candidate']:<32} {r['cost']:+.3f} [{r['cost_lo']:+.3f}, "
                f"{r['cost_hi']:+.3f}]  {mark}"
            )
    lines.append(f"kept: {', '.join(s.kept) or 'none'}")
    lines.append(f"switched off: {', '.join(s.removed) or 'none'}")
    return lines


def write_selection(
    s: Selection, out: str | Path, overwrite: bool = False, formats=("png",)
) -> Path:
    """Write a selection into ``out`` (atomically: complete, or not at all).
    Matplotlib is loaded here, on first use."""
    from resetsim.plotting import save_all
    from resetsim.plotting.ladder import plot_selection

    with io.atomic_dir(out, overwrite) as stage:
        _csv(s.steps, stage / "steps.csv")
        _csv(s.cells, stage / "cells.csv")
        if len(s.steps):
            units = COST_UNITS[s.meta.get("aggregate", "mean")]
            fig = plot_selection(s.steps, xlabel=f"cost of removing it: {units} (95% interval)")
            save_all(fig, stage / "selection", formats, write=io.write_atomic)
        write_meta(stage, s.meta)
    return Path(out)
