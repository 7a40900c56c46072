"""``resetsim report DIR``: one self-contained HTML page for an output folder.

:func:`folder_kind` recognises a ``run``, ``compare``, ``sweep``, ``assess`` or ``select`` folder by
its files; :func:`report_html` builds the page from the files alone (nothing
is rerun); :func:`write_report` writes ``DIR/report.html`` atomically.  The
page holds the scenario's description and assumptions, every figure found
(SVG preferred, else PNG, inline as data URIs), the episodes, the fidelity
(``fidelity.csv``) and pattern (``patterns.csv``) scorecards when present,
the forecast check of a projection (``summary.txt``, ``forecast.csv``) and
the provenance
(version, git commit, seed, engine, parameters, and the command line when
``meta.json`` records one, else a command that reproduces the run).  It
fetches nothing: no external CSS, script, font or image, and every text
from the files is HTML-escaped.
"""

from __future__ import annotations

import base64
import html
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from resetsim.analysis.ladder import COST_UNITS
from resetsim.core import files, io
from resetsim.core import params as prm
from resetsim.core.request import DEFAULT_ENGINE
from resetsim.output.report_files import (
    ReportError,
    own_file,
    read_csv,
    read_meta,
    scenario_file_comment,
)

__all__ = ["ReportError", "read_csv", "read_meta", "report_html", "write_report"]

KINDS = ("run", "compare", "sweep", "assess", "select")
#: Figures in the order the page shows them (then any other, by name).
FIGURE_ORDER = (
    "trust",
    "fan",
    "compare",
    "conditions",
    "heatmap",
    "main_effects",
    "lhs",
    "sobol",
)
#: Rows of a table shown at most (the file has them all).
MAX_ROWS = 40
#: Characters of a table cell shown at most (the file has them all).
MAX_CELL = 120

CSS = """
body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;max-width:1100px;
margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.2em;border-bottom:1px solid #ccc;
padding-bottom:.2em;margin-top:1.6em}.sub{color:#555;margin-top:0}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}
td,th{border:1px solid #ddd;padding:.2em .5em;text-align:right}
th{background:#f3f3f3}td.t,th.t{text-align:left}
figure{margin:1em 0}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.85em;color:#555}pre{background:#f7f7f7;padding:.7em;overflow-x:auto;
font-size:.85em;white-space:pre-wrap}.tw{overflow-x:auto}
td{vertical-align:top;max-width:24em;white-space:nowrap}td.t{white-space:normal;min-width:14em}
code{background:#f3f3f3;padding:0 .2em}details{margin:.5em 0}
.note{color:#555;font-size:.9em}
"""


def esc(text: Any) -> str:
    """HTML-escape any value's text."""
    return html.escape("" if text is None else str(text), quote=True)


def folder_kind(folder: str | Path) -> str:
    """``run``, ``compare`` or ``sweep`` from the folder's files; else
    :class:`ReportError` naming the folder."""
    d = Path(folder)
    if not d.is_dir():
        raise ReportError(
            f"{d}: no such folder (give a run, compare, sweep, assess or select output folder)"
        )
    has = {p.name for p in d.iterdir()}
    if "meta.json" in has and io.marked_files(d) is None:
        raise ReportError(
            f"{d}: resetsim did not make this folder (no {io.MARKER}), or an older version did; "
            "run the command again to make a report of it"
        )
    if "meta.json" not in has:
        raise ReportError(
            f"{d}: no meta.json; not a run, compare or sweep output folder "
            "(made by resetsim run, compare or sweep)"
        )
    if {"runs.parquet", "summary.csv"} <= has or "manifest.json" in has:
        return "sweep"
    if {"compare.csv", "metrics.csv"} <= has:
        return "compare"
    if {"scores.csv", "observation_models.csv"} <= has:
        return "assess"
    if {"steps.csv", "cells.csv"} <= has:
        return "select"
    if "episodes.csv" in has and ({"trajectory.csv", "trajectory.parquet"} & has):
        return "run"
    raise ReportError(
        f"{d}: has meta.json but neither a run's episodes.csv and trajectory, a comparison's "
        "compare.csv and metrics.csv, a sweep's runs.parquet and summary.csv, the ladder's "
        "scores.csv nor a selection's steps.csv"
    )


def table_html(df: pd.DataFrame, max_rows: int = MAX_ROWS, digits: int = 3) -> str:
    """A DataFrame as an escaped HTML table (text columns left-aligned), at
    most ``max_rows`` rows with a note of how many there are."""

    def cell(v: Any) -> str:
        if isinstance(v, float):
            return "" if pd.isna(v) else f"{v:.{digits}g}" if abs(v) >= 1e4 else f"{v:.{digits}f}"
        text = "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)
        if len(text) > MAX_CELL:
            return f'<span title="{esc(text)}">{esc(text[: MAX_CELL - 1])}\u2026</span>'
        return esc(text)

    text_cols = {c for c in df.columns if not pd.api.types.is_numeric_dtype(df[c])}
    rows = ['<div class="tw"><table><thead><tr>']
    rows += [f'<th class="{"t" if c in text_cols else ""}">{esc(c)}</th>' for c in df.columns]
    rows.append("</tr></thead><tbody>")
    for rec in df.head(max_rows).itertuples(index=False):
        rows.append("<tr>")
        for c, v in zip(df.columns, rec, strict=True):
            rows.append(f'<td class="{"t" if c in text_cols else ""}">{cell(v)}</td>')
        rows.append("</tr>")
    rows.append("</tbody></table></div>")
    if len(df) > max_rows:
        rows.append(f'<p class="note">first {max_rows} of {len(df)} rows</p>')
    return "".join(rows)


def figure_files(folder: Path) -> list[Path]:
    """One file per figure: the SVG when there is one, else the PNG; in
    :data:`FIGURE_ORDER`, then the rest by name."""
    stems: dict[str, Path] = {}
    names = sorted(io.marked_files(folder) or ())
    for ext in ("png", "svg"):  # svg wins
        for name in names:
            p = own_file(folder, name) if name.endswith(f".{ext}") else None
            if p is not None:
                stems[p.stem] = p
    order = {s: i for i, s in enumerate(FIGURE_ORDER)}
    return [stems[s] for s in sorted(stems, key=lambda s: (order.get(s, len(order)), s))]


def data_uri(path: Path) -> str:
    """A figure file as a ``data:`` URI."""
    mime = "image/svg+xml" if path.suffix == ".svg" else "image/png"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


CAPTIONS = {
    "trust": "Both states' trust in the other over time: leader terms, dated events (labelled "
    "by intensity), detected episodes; below, the share of runs with a reset onset (up) or "
    "failure (down) in each quarter.",
    "fan": "The projection as fans (median, 50% and 90% bands) with the probability that a new "
    "reset has started and failed.",
    "compare": "Both scenarios on the same seeds and their per-run difference.",
    "conditions": "Each condition's estimate with its 95% confidence interval.",
    "sobol": "Sobol' indices (first-order S1 and total ST) with confidence intervals.",
    "ladder": "Out of sample, each rung's CRPS minus the full model's at each origin, with its "
    "95% bootstrap interval over years (left of 0: better than the model).",
    "selection": "Each candidate's cost (the change of its score when it is removed; the "
    "unit is on the axis) at each step, with its 95% bootstrap interval; filled: it earns "
    "its place; a cross: removed at that step.",
}


def figures_html(folder: Path) -> str:
    parts = []
    for p in figure_files(folder):
        cap = CAPTIONS.get(p.stem, "")
        parts.append(
            f'<figure><img alt="{esc(p.name)}" src="{data_uri(p)}">'
            f"<figcaption><code>{esc(p.name)}</code> {esc(cap)}</figcaption></figure>"
        )
    return "".join(parts) or '<p class="note">no figures in this folder</p>'


def scenario_html(sc: Mapping[str, Any], folder: Path, heading: str = "Scenario") -> str:
    """Description, period, states, leaders, random events and the file's
    own statement of its assumptions."""
    out = [f"<h2>{esc(heading)}: {esc(sc.get('name', ''))}</h2>"]
    if sc.get("description"):
        out.append(f"<p>{esc(sc['description'])}</p>")
    period = f"{sc.get('start', '?')} to {sc.get('end', '?')}"
    if sc.get("projection_start"):
        period += f", projection from {sc['projection_start']}"
    out.append(f"<p>Period: {esc(period)}; file <code>{esc(sc.get('source', ''))}</code>.</p>")
    comment = scenario_file_comment(
        str(sc.get("source", "")), (Path.cwd(), folder), str(sc.get("name", ""))
    )
    if sc.get("assumptions"):
        out.append(f"<h3>Assumptions</h3><pre>{esc(sc['assumptions'])}</pre>")
    elif comment:
        out.append(f"<h3>Assumptions (from the scenario file)</h3><pre>{esc(comment)}</pre>")
    states = sc.get("states") or []
    leaders = pd.DataFrame(
        [
            {
                "state": lt.get("state"),
                "leader": lt.get("name"),
                "start": lt.get("start"),
                "end": lt.get("end") or "",
                # coded -2..+2 (x disposition_scale), or hand-set
                "disposition code": lt.get("disposition_code"),
                "disposition": lt.get("disposition"),
            }
            for lt in sc.get("leaders") or []
        ]
    )
    if states:
        names = ", ".join(f"{s.get('name') or s.get('id')} ({s.get('id')})" for s in states)
        out.append(f"<p>States: {esc(names)}.</p>")
    if len(leaders):
        out.append(f"<details><summary>Leader terms ({len(leaders)})</summary>")
        out.append(table_html(leaders, max_rows=200, digits=2) + "</details>")
    procs = sc.get("stochastic") or []
    if procs:
        df = pd.DataFrame(
            [
                {
                    "id": p.get("id"),
                    "kind": p.get("kind"),
                    "actor": p.get("actor"),
                    "rate per year": p.get("rate_per_year"),
                    "from": p.get("start") or sc.get("projection_start") or sc.get("start"),
                    "intensity": p.get("intensity"),
                }
                for p in procs
            ]
        )
        out.append("<h3>Random events (assumed rates)</h3>" + table_html(df, 200, 2))
    own = sc.get("parameters") or {}
    if own:
        df = pd.DataFrame({"parameter": list(own), "value": list(own.values())})
        out.append("<h3>Parameters the scenario sets</h3>" + table_html(df, 200, 4))
    out.append(
        f'<p class="note">{len(sc.get("events") or [])} dated events '
        "(listed by <code>resetsim events</code>).</p>"
    )
    return "".join(out)


def episodes_html(folder: Path, runs: int) -> str:
    """The episodes: all of a single run; for several runs, each target
    episode across runs and run 0's episodes."""
    ep = read_csv(folder / "episodes.csv")
    if ep is None:
        return ""
    out = ["<h2>Episodes</h2>"]
    if ep.empty:
        return out[0] + "<p>No reset episode was detected.</p>"
    with_onset = int(ep["onset"].notna().sum()) if "onset" in ep.columns else len(ep)
    per_run = max(runs, 1)
    out.append(
        f"<p>{len(ep)} episodes in {runs} run(s): {len(ep) / per_run:.2f} per run, of which "
        f"{with_onset / per_run:.2f} per run start inside the period (the reset onsets "
        "<code>resetsim run</code> counts; the others were under way when the runs begin). "
        "Detected on the relationship index; full table <code>episodes.csv</code>.</p>"
    )
    if runs > 1 and "target" in ep.columns:
        ep = ep.assign(target=ep["target"].fillna("").astype(str))
        rows = []
        for target, g in ep.groupby(ep["target"].replace("", "(no target)"), sort=False):
            onset = pd.to_datetime(g["onset"], errors="coerce")
            fail = pd.to_datetime(g["failure"], errors="coerce")
            rows.append(
                {
                    "target episode": target,
                    "runs with it": g["run"].nunique(),
                    "median onset": onset.median().strftime("%Y-%m") if onset.notna().any() else "",
                    "median failure": fail.median().strftime("%Y-%m") if fail.notna().any() else "",
                    "failed share": float(g["failure"].notna().mean()),
                    "median depth": float(g["depth"].median()) if "depth" in g else float("nan"),
                }
            )
        out.append("<h3>Across runs, by target episode</h3>" + table_html(pd.DataFrame(rows)))
        out.append("<h3>Run 0</h3>")
        ep = ep[ep["run"] == ep["run"].min()]
    cols = [
        c
        for c in ("episode", "onset", "peak", "failure", "depth", "honeymoon", "trigger", "target")
        if c in ep.columns
    ]
    out.append(table_html(ep[cols]))
    return "".join(out)


def scorecards_html(folder: Path) -> str:
    """The fidelity (``fidelity.csv``) and pattern (``patterns.csv``) scorecards."""
    out = []
    fid = read_csv(folder / "fidelity.csv")
    if fid is not None:
        out.append("<h2>Fidelity scorecard</h2>")
        out.append(
            "<p>How often the runs reproduce the target episodes (shares of runs) and by how many "
            "quarters (<code>fidelity.csv</code>; per run: <code>fidelity_runs.csv</code>).</p>"
        )
        runs = read_csv(folder / "fidelity_runs.csv")
        if runs is not None and "score" in runs:
            s = runs["score"]
            out.append(
                f"<p>Fidelity score: mean {s.mean():.3f}, median {s.median():.3f}, sd "
                f"{s.std(ddof=0):.3f} over {len(s)} run(s).</p>"
            )
        out.append(table_html(fid))
    pat = read_csv(folder / "patterns.csv")
    if pat is not None:
        out.append(
            "<h2>Pattern scorecard</h2><p>The validation patterns (<code>patterns.csv"
            "</code>).</p>" + table_html(pat)
        )
    return "".join(out)


def forecast_html(folder: Path) -> str:
    """The projection's forecast check (``summary.txt``)."""
    p = own_file(folder, "summary.txt")
    if p is None:
        return ""
    try:
        text = files.read_text(p)
    except files.InputFileError:
        return ""
    out = "<h2>Forecast check</h2><pre>" + esc(text) + "</pre>"
    check = read_csv(folder / "forecast.csv")
    if check is not None:
        out += "<p>The forecast scored against the outcomes (<code>forecast.csv</code>):</p>"
        out += table_html(check, 100)
    return out


def reproduce_command(meta: Mapping[str, Any]) -> str:
    """A ``resetsim run`` command line that reproduces a run from its
    ``meta.json``: the scenario file, runs, seed, engine and each parameter
    that differs from both the registry's default and the scenario's own."""
    sc = meta.get("scenario") or {}
    parts = ["resetsim", "run", str(sc.get("source") or "SCENARIO.toml")]
    parts += ["--runs", str(meta.get("runs")), "--seed", str(meta.get("seed"))]
    if meta.get("engine") and meta.get("engine") != DEFAULT_ENGINE:
        parts += ["--engine", str(meta["engine"])]
    defaults = prm.defaults()
    own = sc.get("parameters") or {}
    for k, v in sorted((meta.get("parameters") or {}).items()):
        base = own.get(k, defaults.get(k))
        if isinstance(v, int | float) and base is not None and abs(float(v) - float(base)) > 1e-12:
            parts += ["--set", f"{k}={v:g}"]
    return " ".join(parts)


def provenance_html(meta: Mapping[str, Any], kind: str) -> str:
    rows = {
        "resetsim version": meta.get("resetsim_version"),
        "git commit": meta.get("git_commit") or "(not in a git checkout)",
        "engine": meta.get("engine"),
        "runs": meta.get("runs"),
        "seed": meta.get("seed"),
        "seed derivation": meta.get("seed_derivation"),
    }
    out = ["<h2>Provenance</h2><table>"]
    for k, v in rows.items():
        if v is not None:
            out.append(f'<tr><th class="t">{esc(k)}</th><td class="t">{esc(v)}</td></tr>')
    out.append("</table>")
    command = meta.get("command") or meta.get("argv") or meta.get("command_line")
    if isinstance(command, list):
        command = " ".join(str(c) for c in command)
    if command:
        out.append(f"<p>Command line (recorded):</p><pre>{esc(command)}</pre>")
    elif kind == "run":
        out.append(
            "<p>Command line (not recorded; this one reproduces the run from "
            f"<code>meta.json</code>):</p><pre>{esc(reproduce_command(meta))}</pre>"
        )
    params = meta.get("parameters") or {}
    if params and all(isinstance(v, dict) for v in params.values()):
        # a comparison: one set per scenario
        for side, p in params.items():
            out.append(params_html(p, f"Parameters of {side}"))
    elif params:
        out.append(params_html(params, "Parameters (resolved)"))
    versions = meta.get("versions") or {}
    if versions:
        df = pd.DataFrame(
            {"library": list(versions), "version": [str(v) for v in versions.values()]}
        )
        out.append(
            "<details><summary>Library versions</summary>" + table_html(df, 200) + "</details>"
        )
    return "".join(out)


def params_html(params: Mapping[str, Any], title: str) -> str:
    df = pd.DataFrame({"parameter": list(params), "value": list(params.values())})
    return f"<details><summary>{esc(title)} ({len(df)})</summary>{table_html(df, 500, 4)}</details>"


# --------------------------------------------------------------------------
# pages


def run_body(folder: Path, meta: Mapping[str, Any]) -> tuple[str, str]:
    sc = meta.get("scenario") or {}
    title = sc.get("description") or sc.get("name") or folder.name
    sub = f"resetsim run: {sc.get('name', '')}, {meta.get('runs')} run(s), seed {meta.get('seed')}"
    body = (
        scenario_html(sc, folder)
        + "<h2>Figures</h2>"
        + figures_html(folder)
        + forecast_html(folder)
        + episodes_html(folder, int(meta.get("runs") or 1))
        + scorecards_html(folder)
    )
    return title, f'<p class="sub">{esc(sub)}</p>' + body


def compare_body(folder: Path, meta: Mapping[str, Any]) -> tuple[str, str]:
    scs = meta.get("scenarios") or {}
    a, b = scs.get("a") or {}, scs.get("b") or {}
    title = f"{a.get('name', 'A')} vs {b.get('name', 'B')}"
    periods = meta.get("periods") or {}
    sub = (
        f"resetsim compare: {meta.get('runs')} paired run(s) on the same seeds (seed "
        f"{meta.get('seed')}), compared over {periods.get('compared', '?')}"
    )
    metrics = read_csv(folder / "metrics.csv")
    body = (
        scenario_html(a, folder, "A")
        + scenario_html(b, folder, "B")
        + "<h2>Figures</h2>"
        + figures_html(folder)
    )
    if metrics is not None:
        body += (
            "<h2>Paired metrics</h2><p>Means in A and B, the mean per-run difference B \u2212 A "
            "and the shares of runs where B is greater or less (<code>metrics.csv</code>).</p>"
            + table_html(metrics, 100)
        )
    body += scorecards_html(folder)
    return title, f'<p class="sub">{esc(sub)}</p>' + body


def sweep_body(folder: Path, meta: Mapping[str, Any]) -> tuple[str, str]:
    exp = meta.get("experiment") or {}
    design = meta.get("design") or {}
    title = exp.get("description") or exp.get("name") or folder.name
    sub = (
        f"resetsim sweep: {exp.get('name', '')}, {design.get('type', '?')} design over "
        f"{', '.join(design.get('parameters') or []) or 'conditions'}, {meta.get('runs')} runs, "
        f"seed {meta.get('seed')}"
    )
    body = scenario_html(meta.get("scenario") or {}, folder) + "<h2>Figures</h2>"
    body += figures_html(folder)
    summary = read_csv(folder / "summary.csv")
    if summary is not None:
        body += (
            "<h2>Summary</h2><p>Per design point or condition, with 95% intervals "
            "(<code>summary.csv</code>).</p>" + table_html(summary)
        )
    sobol = read_csv(folder / "sobol.csv")
    if sobol is not None:
        body += "<h2>Sobol' indices</h2>" + table_html(sobol, 100)
    body += scorecards_html(folder)
    return title, f'<p class="sub">{esc(sub)}</p>' + body


def not_scored_text(meta: Mapping[str, Any]) -> str:
    """``"; not scored: S at O, ..."``: the series an assessment or a selection
    left out at an origin (too few training years), or nothing."""
    rows = meta.get("not_scored") or []
    if not rows:
        return ""
    return "; not scored (too few training years): " + ", ".join(
        f"{r.get('series')} at {r.get('origin')}" for r in rows
    )


def assess_body(folder: Path, meta: Mapping[str, Any]) -> tuple[str, str]:
    title = (
        f"The ladder: {meta.get('scenario', folder.name)} on {len(meta.get('series') or {})} series"
    )
    sub = (
        f"resetsim assess: origins {', '.join(map(str, meta.get('origins') or []))}, "
        f"{meta.get('runs')} runs per rung, seed {meta.get('seed')}, dynamics: "
        f"{meta.get('dynamics', '?')}; lowest CRPS out of sample: {meta.get('winner')}"
        f"{not_scored_text(meta)}"
    )
    tables = (
        (
            "summary.csv",
            "Out of sample, per rung and series: means over origins; CRPS and RMSE "
            "relative to persistence's (below 1: better than the last observed value).",
        ),
        (
            "scores.csv",
            "Every rung, series, origin and sample (in: the training years; out: "
            "the years after the origin).",
        ),
        (
            "observation_models.csv",
            "The fitted observation models (working scale: logit for percentages and shares).",
        ),
        ("coding.csv", "Event coding moved at random: the winner of each draw."),
    )
    return title, f'<p class="sub">{esc(sub)}</p>' + figures_and_tables(folder, tables)


def select_body(folder: Path, meta: Mapping[str, Any]) -> tuple[str, str]:
    kept = ", ".join(meta.get("kept") or []) or "none"
    removed = ", ".join(meta.get("removed") or []) or "none"
    title = f"Which mechanisms earn their place: {meta.get('scenario', folder.name)}"
    sub = (
        f"resetsim select: origins {', '.join(map(str, meta.get('origins') or []))}, "
        f"{meta.get('runs')} runs per model, seed {meta.get('seed')}, each model refitted "
        f"per origin ({meta.get('abc_population')} particles x {meta.get('abc_generations')} "
        f"generations); cost: the mean over cells of the "
        f"{COST_UNITS.get(meta.get('aggregate', 'mean'), '?')}; "
        f"kept: {kept}; switched off: {removed}{not_scored_text(meta)}"
    )
    tables = (
        (
            "steps.csv",
            "Every step of the backward elimination: each candidate's cost with its 95% "
            "interval; a mechanism earns its place when the whole interval is above 0.",
        ),
        ("cells.csv", "Every model's out-of-sample score per series and origin."),
    )
    return title, f'<p class="sub">{esc(sub)}</p>' + figures_and_tables(folder, tables)


def figures_and_tables(folder: Path, tables) -> str:
    """The folder's figures, then each of ``tables`` (``(file name, what it
    holds)``) that the folder has, in that order."""
    body = "<h2>Figures</h2>" + figures_html(folder)
    for name, text in tables:
        table = read_csv(folder / name)
        if table is not None:
            body += f"<h2><code>{esc(name)}</code></h2><p>{esc(text)}</p>" + table_html(table)
    return body


def report_html(folder: str | Path) -> str:
    """The page for an output folder (see the module's docstring)."""
    folder = Path(folder)
    kind = folder_kind(folder)
    meta = read_meta(folder)
    bodies = {
        "run": run_body,
        "compare": compare_body,
        "sweep": sweep_body,
        "assess": assess_body,
        "select": select_body,
    }
    title, body = bodies[kind](folder, meta)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>"
        f"<h1>{esc(title)}</h1>{body}{provenance_html(meta, kind)}"
        f'<p class="note">Made by <code>resetsim report</code> from the files in this folder; '
        "self-contained (no network access needed).</p></body></html>\n"
    )


def write_report(folder: str | Path) -> Path:
    """Write ``folder/report.html`` atomically; returns its path."""
    folder = Path(folder)
    text = report_html(folder)
    path = folder / "report.html"
    if os.path.lexists(path) and path.name not in (io.marked_files(folder) or set()):
        raise ReportError(f"{path}: exists and resetsim did not write it; move it first")
    io.write_atomic(path, lambda p: p.write_text(text, encoding="utf-8"))
    io.add_to_marker(folder, path.name)
    return path
