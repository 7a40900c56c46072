"""What ``resetsim assess`` writes: the ladder of one scenario on observed series.

:func:`write_assessment` fills an output folder atomically with

* ``scores.csv``: one row per rung x series x origin x sample (``rung``,
  ``series``, ``origin``, ``sample``, ``n``, ``spearman``, ``rmse``,
  ``coverage80``, ``crps``, then the scored years, ``dynamics_saw_scored`` and
  each score's difference from the full model with its bootstrap interval);
* ``summary.csv``: out of sample, per rung and series, the mean over origins
  and CRPS and RMSE relative to persistence's;
* ``observation_models.csv``: every fitted observation model (and decay);
* ``predictions.csv``: per scored year, the observed value, each rung's point
  forecast and its 80% interval;
* ``ledger_weights.csv``: each event kind's weight, derived from its effects;
* ``coding.csv`` (with ``--coding-draws``): each re-coded draw's winner;
* ``ladder.png``: every rung against the full model, per series;
* ``meta.json``: settings, winner, what was not scored, provenance (no
  timestamps); ``timing.json``: wall times, recalibration included.
"""

from __future__ import annotations

from pathlib import Path

from resetsim.core import io
from resetsim.core.provenance import provenance
from resetsim.experiments.ladder import Assessment, rung_names
from resetsim.output.tables import FLOAT_FORMAT

#: The files every assess folder has (``coding.csv`` only with coding draws).
FILES = (
    "scores.csv",
    "summary.csv",
    "observation_models.csv",
    "predictions.csv",
    "ledger_weights.csv",
    "meta.json",
    "timing.json",
)


def _csv(df, path: Path) -> None:
    io.write_atomic(path, lambda p: df.to_csv(p, index=False, float_format=FLOAT_FORMAT))


def write_assessment(
    a: Assessment, out: str | Path, overwrite: bool = False, formats=("png",)
) -> Path:
    """Write an assessment into ``out`` (atomically: complete, or not at all).
    Matplotlib is loaded here, on first use: ``resetsim.assess`` without
    ``out`` never imports it."""
    from resetsim.plotting import plot_ladder, save_all

    with io.atomic_dir(out, overwrite) as stage:
        _csv(a.scores, stage / "scores.csv")
        _csv(a.summary, stage / "summary.csv")
        _csv(a.models, stage / "observation_models.csv")
        _csv(a.predictions, stage / "predictions.csv")
        _csv(a.weights, stage / "ledger_weights.csv")
        if a.coding is not None:
            _csv(a.coding, stage / "coding.csv")
        fig = plot_ladder(a.scores, a.meta.get("rungs") or rung_names())
        save_all(fig, stage / "ladder", formats, write=io.write_atomic)
        write_meta(stage, a.meta)
    return Path(out)


def write_meta(stage: Path, meta: dict) -> None:
    """``meta.json`` (the settings without wall times, with provenance: the
    same inputs give the same file) and ``timing.json`` (the wall times: the
    whole command's and each recalibration's)."""
    recal = meta.get("recalibration", [])
    out = {k: v for k, v in meta.items() if k not in ("seconds", "recalibration")}
    out["recalibration"] = [{k: v for k, v in r.items() if k != "seconds"} for r in recal]
    soft = provenance()
    out.update(
        resetsim_version=soft["resetsim"], git_commit=soft["git_commit"], versions=soft["versions"]
    )
    io.write_json(stage / "meta.json", out)
    timing = [{k: r[k] for k in ("origin", "off", "seconds") if k in r} for r in recal]
    io.write_json(
        stage / "timing.json",
        {"seconds_total": meta.get("seconds"), "recalibration_seconds": timing},
    )


def assess_lines(a: Assessment) -> list[str]:
    """What the command prints: the winner and each rung's mean out-of-sample
    CRPS relative to persistence over the series."""
    s = a.summary
    lines = [
        f"{len(a.meta['series'])} series, origins {', '.join(map(str, a.meta['origins']))}, "
        f"{a.meta['runs']} runs, seed {a.meta['seed']} ({a.meta['dynamics']})"
    ]
    if not s.empty:
        m = s.groupby("rung", sort=False)[["crps_ratio", "rmse_ratio", "spearman"]].mean()
        lines.append("out of sample, mean over series (CRPS and RMSE / persistence's; Spearman):")
        for rung, row in m.iterrows():
            lines.append(
                f"  {rung:<44} crps {row['crps_ratio']:.3f}  rmse {row['rmse_ratio']:.3f}  "
                f"spearman {row['spearman']:.2f}"
            )
    lines.append(f"lowest CRPS: {a.winner}")
    if "coding_winner_survives" in a.meta:
        lines.append(
            f"event coding moved at random ({a.meta['coding_draws']} draws): the same rung wins in "
            f"{100 * a.meta['coding_winner_survives']:.0f}% of them"
        )
    for k in a.meta.get("not_scored", []):
        lines.append(f"not scored: {k['series']} at origin {k['origin']}: {k['reason']}")
    for sid, years in a.meta.get("years_not_scored_outside_scenario", {}).items():
        lines.append(
            f"not scored (outside the scenario): {sid} {years[0]}-{years[-1]} ({len(years)} years)"
        )
    return lines
