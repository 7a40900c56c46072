"""A sweep's folder: chunk files, the manifest, the lock, and combining.

Each finished chunk is written atomically to ``DIR/chunks/chunk-NNNNNN.parquet``
(and ``traj-NNNNNN.parquet`` with trajectories); a chunk file marks its chunk
done.  ``DIR/manifest.json`` records the plan and its hash, so ``--resume``
runs only the missing chunks and refuses a changed experiment
(:func:`prepare_dir`).  ``DIR/.lock`` (a :class:`filelock.FileLock`, released
by the operating system even if the sweep is killed) keeps a second sweep out
while one runs.  At the end the chunks are combined, streaming, into one file
(:func:`combine`).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from filelock import FileLock, Timeout

from resetsim.core import io
from resetsim.core.provenance import __version__
from resetsim.experiments.executors import ChunkResult
from resetsim.experiments.plan import FORMAT_VERSION, Plan, SweepError

MANIFEST = "manifest.json"
CHUNK_DIR = "chunks"
LOCK = ".lock"


# --------------------------------------------------------------------------
# chunk files


def chunk_path(out: Path, k: int, kind: str = "chunk") -> Path:
    return out / CHUNK_DIR / f"{kind}-{k:06d}.parquet"


def _arrow_table(cols: Mapping[str, np.ndarray]) -> pa.Table:
    arrays = {}
    for k, v in cols.items():
        arrays[k] = pa.array(v, type=pa.string()) if v.dtype == object else pa.array(v)
    return pa.table(arrays)


def _write_parquet(table: pa.Table, path: Path) -> None:
    io.write_atomic(path, lambda p: pq.write_table(table, p))


def write_chunk(plan: Plan, out: Path, result: ChunkResult) -> None:
    """Write a finished chunk (trajectories first: the chunk file marks it done)."""
    a, b = plan.chunk_range(result.index)
    if result.trajectories is not None:
        _write_parquet(
            _trajectory_table(plan, a, b, result.trajectories),
            chunk_path(out, result.index, "traj"),
        )
    cols = plan.identity(a, b)
    cols.update(result.metrics)
    _write_parquet(_arrow_table(cols), chunk_path(out, result.index))


def _trajectory_table(plan: Plan, a: int, b: int, traj: Mapping[str, np.ndarray]) -> pa.Table:
    T = plan.compiled.n_ticks
    n = b - a
    cols: dict[str, np.ndarray] = {
        "run": np.repeat(np.arange(a, b, dtype=np.int64), T),
        "tick": np.tile(np.arange(T, dtype=np.int64), n),
        "date": np.tile(np.asarray(plan.compiled.dates, dtype=object), n),
    }
    for c, v in traj.items():
        cols[c] = v.reshape(-1)
    return _arrow_table(cols)


def done_chunks(plan: Plan, out: Path) -> set[int]:
    """The chunks whose files are complete in ``out``."""
    d = out / CHUNK_DIR
    if not d.is_dir():
        return set()
    done = set()
    for k in range(plan.n_chunks):
        if chunk_path(out, k).exists() and (
            not plan.experiment.trajectories or chunk_path(out, k, "traj").exists()
        ):
            done.add(k)
    return done


def combine(paths: Sequence[Path], target: Path) -> None:
    """Concatenate parquet files (same schema) into one, streaming, atomically."""

    def writer(tmp: Path) -> None:
        w = None
        try:
            for p in paths:
                t = pq.read_table(p)
                if w is None:
                    w = pq.ParquetWriter(tmp, t.schema)
                w.write_table(t)
        finally:
            if w is not None:
                w.close()

    io.write_atomic(target, writer)


def clean_temp(out: Path) -> None:
    """Remove temporary files a killed sweep may have left (``.NAME.xxx.tmp``)."""
    for d in (out, out / CHUNK_DIR):
        if d.is_dir():
            for p in d.glob(".*.tmp"):
                p.unlink(missing_ok=True)


def remove_chunks(out: Path) -> None:
    """Remove the chunk files and the lock file of a completed sweep."""
    shutil.rmtree(out / CHUNK_DIR, ignore_errors=True)
    with contextlib.suppress(OSError):  # held open (Windows): released with the lock
        (out / LOCK).unlink(missing_ok=True)


# --------------------------------------------------------------------------
# the manifest and the lock


def manifest(plan: Plan, complete: bool = False) -> dict[str, Any]:
    exp = plan.experiment
    return {
        "format": FORMAT_VERSION,
        "resetsim_version": __version__,
        "experiment": exp.name,
        "experiment_file": exp.source,
        "hash": plan.hash,
        "design": plan.design.type,
        "parameters": plan.design.names,
        "points": plan.design.n_points,
        "replications": plan.replications,
        "runs": plan.n_runs,
        "chunk_size": plan.chunk_size,
        "chunks": plan.n_chunks,
        "engine": plan.engine,
        "metrics": plan.metric_names,
        "code": plan.code,
        "inputs": plan.inputs,
        "complete": complete,
    }


@contextlib.contextmanager
def locked(out: Path):
    """Hold the exclusive lock on ``DIR/.lock``; SweepError at once if another
    sweep holds it.  The operating system releases it even on SIGKILL."""
    lock = FileLock(out / LOCK, timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise SweepError(f"another sweep is writing into {out}") from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise io.OutputError(f"cannot write {out / LOCK}: {reason}; choose another --out") from None
    try:
        yield lock
    finally:
        lock.release()


def prepare_dir(
    plan: Plan, out: Path, resume: bool, overwrite: bool = False
) -> tuple[set[int], bool]:
    """Check ``out`` and return (chunks already done, already complete).

    Without ``resume`` the directory must be absent or empty (or ``overwrite``
    given: :func:`discard` then removes it before the sweep writes); with it,
    it must hold a sweep of the same experiment (or be empty).  A place that
    cannot be written raises :class:`~resetsim.core.io.OutputError`.
    """
    if resume and overwrite:
        raise SweepError("give --resume or --overwrite, not both")
    io.check_writable(out, in_place=True)
    if out.exists() and not out.is_dir():
        raise io.OutputExists(f"{out} exists and is not a directory; choose another --out")
    if io.is_nonempty_dir(out) and overwrite:
        exp = plan.experiment
        io.check_replaceable(
            out, protect=[exp.source, exp.scenario_path], allowed=(MANIFEST, CHUNK_DIR, LOCK)
        )
    if not io.is_nonempty_dir(out) or overwrite:
        return set(), False
    if not resume:
        finished = _read_manifest(out).get("complete") is True
        what = "holds a finished sweep" if finished else "is not empty"
        raise io.OutputExists(
            f"{out} {what}; pass --overwrite to replace it, --resume to continue the sweep "
            "in it, or choose another --out"
        )
    mpath = out / MANIFEST
    if not mpath.exists():
        raise io.OutputExists(
            f"{out} is not empty and holds no sweep ({MANIFEST} is missing); choose another --out"
        )
    try:
        old = json.loads(mpath.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SweepError(f"cannot read {mpath}: {exc}") from None
    if old.get("hash") != plan.hash:
        new = manifest(plan)
        diffs = [
            f"{k} was {old.get(k)!r}, now {new[k]!r}"
            for k in ("experiment", "replications", "engine", "chunk_size", "runs", "metrics")
            if old.get(k) != new[k]
        ]
        if old.get("code") != new["code"]:
            diffs.append("resetsim's model code or data changed")
        old_inputs = old.get("inputs") if isinstance(old.get("inputs"), dict) else {}
        edited = sorted(
            k for k in set(old_inputs) | set(plan.inputs) if old_inputs.get(k) != plan.inputs.get(k)
        )
        if edited:
            diffs.append("the contents of " + ", ".join(edited[:4]) + " changed")
        detail = "; ".join(diffs) if diffs else "the experiment or its scenario was edited"
        raise SweepError(
            f"cannot resume in {out}: it was started with a different experiment ({detail}). "
            "Resume with the same experiment file and options, or choose another --out"
        )
    return done_chunks(plan, out), bool(old.get("complete"))


def _read_manifest(out: Path) -> dict[str, Any]:
    try:
        old = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return old if isinstance(old, dict) else {}


def discard(out: Path) -> None:
    """Remove ``out`` (for ``--overwrite``), refusing while another sweep holds
    its lock.  One rename takes the old folder out of the way first, so an
    interrupted overwrite leaves either the whole old folder or none of it
    (a hidden ``.NAME.xxx.old`` sibling at worst), never old chunks beside
    new ones that ``--resume`` could take for its own."""
    if not out.is_dir():
        return
    with locked(out):
        trash = None
        try:
            trash = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
            os.replace(out, trash / "old")
        except OSError as exc:
            if trash is not None:
                with contextlib.suppress(OSError):
                    os.rmdir(trash)
            reason = exc.strerror or type(exc).__name__
            raise io.OutputError(f"cannot replace {out}: {reason}; choose another --out") from None
    shutil.rmtree(trash, ignore_errors=True)


# --------------------------------------------------------------------------
# reading and writing tables


def write_csv(frame, path: Path) -> None:
    """A DataFrame as CSV, fast (pyarrow; a Sobol' summary has ~200,000 rows):
    plain header, no quotes (names and conditions are identifiers), floats in
    shortest round-trip form, NaN as an empty field."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    with open(path, "wb") as fh:
        fh.write((",".join(table.column_names) + "\n").encode())
        pacsv.write_csv(table, fh, pacsv.WriteOptions(include_header=False, quoting_style="none"))


def chunks_column_reader(paths: Sequence[Path]) -> Callable[[str], np.ndarray]:
    """:func:`column_reader` over a sweep's chunk files, in their order (the
    same column as the combined ``runs.parquet``'s, before it is written)."""
    files = [pq.ParquetFile(p) for p in paths]

    def column(name: str) -> np.ndarray:
        parts = [f.read(columns=[name]).column(0).to_numpy() for f in files]
        return np.concatenate(parts) if parts else np.array([])

    return column


def column_reader(path: Path) -> Callable[[str], np.ndarray]:
    """``column(name)``: one column of a parquet file as an array, read on demand
    (the summary reads one metric at a time, so memory does not grow with the
    number of metrics)."""
    pf = pq.ParquetFile(path)

    def column(name: str) -> np.ndarray:
        return pf.read(columns=[name]).column(0).to_numpy()

    return column
