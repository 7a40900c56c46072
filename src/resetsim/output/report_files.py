"""What ``resetsim report`` may read in a folder, and how.

Only the files the folder's marker (:data:`resetsim.core.io.MARKER`) lists,
and of those only regular files directly inside the folder (no symbolic
link is followed, nothing is found by globbing), of bounded size; the
scenario's stated assumptions only from a scenario file of the run's name.
See docs/READS_AND_WRITES.md.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from resetsim.core import files, io
from resetsim.core.config import ScenarioError, detect_kind, parse_toml


class ReportError(ValueError):
    """The folder is not one ``resetsim report`` knows (one line)."""


#: The largest file the report embeds or reads (bytes).
MAX_EMBED = 50_000_000


def own_file(folder: Path, name: str) -> Path | None:
    """``folder/name`` if resetsim wrote it there: listed in the folder's
    marker (:data:`resetsim.core.io.MARKER`), a regular file (not a symbolic
    link) directly inside the folder, of bounded size; else None.  The report
    reads nothing else: no globbing, no link followed out of the folder."""
    listed = io.marked_files(folder) or set()
    if name not in listed or "/" in name or "\\" in name or name in (".", ".."):
        return None
    path = folder / name
    try:
        st = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_EMBED:
        return None
    return path


def read_meta(folder: Path) -> dict[str, Any]:
    """``meta.json`` as a dict (a broken file is a :class:`ReportError`)."""
    path = folder / "meta.json"
    if path.is_symlink() or not path.is_file():
        raise ReportError(f"{path}: not a regular file in the folder")
    try:
        meta = json.loads(files.read_text(path))
    except (files.InputFileError, ValueError) as exc:
        raise ReportError(f"{path}: cannot be read ({exc})") from None
    if not isinstance(meta, dict):
        raise ReportError(f"{folder / 'meta.json'}: not a JSON object")
    return meta


# --------------------------------------------------------------------------
# pieces


def read_csv(path: Path) -> pd.DataFrame | None:
    """A CSV file resetsim wrote into the folder (:func:`own_file`), or None
    when absent, not its own, or unreadable."""
    path = own_file(path.parent, path.name)
    if path is None:
        return None
    try:
        return pd.read_csv(path, keep_default_na=True)
    except (OSError, ValueError, pd.errors.ParserError):
        return None


def scenario_file_comment(source: str, bases: Iterable[Path], name: str = "") -> str:
    """The comment block at the top of the scenario file, when it can be
    found (``source`` as recorded, relative to one of ``bases``): where the
    shipped scenarios state their assumptions.  Read only from a regular
    ``.toml`` file of bounded size that is a scenario named ``name`` (the
    run's): a ``source`` pointing anywhere else gives nothing."""
    if not source or Path(source).suffix != ".toml":
        return ""
    for base in bases:
        p = Path(source) if Path(source).is_absolute() else Path(base) / source
        try:
            text = files.read_text(p)
            raw = parse_toml(text, str(p))
        except (files.InputFileError, ScenarioError):
            continue
        if detect_kind(raw) != "scenario" or raw.get("name") != name:
            continue
        lines = []
        for line in text.splitlines():
            if line.startswith("#"):
                lines.append(line.lstrip("#")[1:] if line.startswith("# ") else line[1:])
            elif line.strip() or lines:
                break
        return "\n".join(lines).strip()
    return ""
