"""Provenance: the package's version, the versions of what it ran with, the
git commit of a source checkout, and a digest of the code that determines a
run's numbers.  Versions are read with :mod:`importlib.metadata`, so nothing
here imports the libraries it reports on."""

from __future__ import annotations

import hashlib
import subprocess
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

try:
    __version__ = version("resetsim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+local"

#: Distributions whose versions ``meta.json`` records.
DISTRIBUTIONS: tuple[str, ...] = (
    "numpy",
    "pandas",
    "pyarrow",
    "scipy",
    "mesa",
    "matplotlib",
    "pydantic",
    "numba",
)

#: The package's root folder (``src/resetsim``).
PACKAGE_ROOT = Path(__file__).resolve().parent.parent

#: Folders and files whose code does not change a run's numbers (left out of
#: :func:`code_hash`): the command line, the figures, the entry point.
PRESENTATION: tuple[str, ...] = ("cli", "plotting", "output", "__main__.py")


def versions(names: tuple[str, ...] = DISTRIBUTIONS) -> dict[str, str]:
    """``{distribution: version}``; ``"not installed"`` for a missing one."""
    out = {}
    for name in names:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


@cache
def git_commit() -> str | None:
    """The commit of the source checkout the package runs from (``-dirty`` when
    it has uncommitted changes), or None when it is not run from a checkout."""
    root = PACKAGE_ROOT.parent.parent
    if not (root / ".git").exists():
        return None
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("-dirty" if dirty else "") if commit else None


def provenance() -> dict[str, object]:
    """What ``meta.json`` records of the software: versions and the commit."""
    return {"resetsim": __version__, "git_commit": git_commit(), "versions": versions()}


def code_hash() -> str:
    """A digest of the code and data that determine a run's numbers (every
    module of every subpackage and the bundled data, less the presentation
    layers), so that ``--resume`` never mixes chunks computed by different
    versions."""
    h = hashlib.sha256()
    files = sorted(
        p
        for p in [*PACKAGE_ROOT.rglob("*.py"), *PACKAGE_ROOT.glob("data/*")]
        if p.is_file()
        and p.relative_to(PACKAGE_ROOT).parts[0] not in PRESENTATION
        and "__pycache__" not in p.parts
    )
    for p in files:
        h.update(p.relative_to(PACKAGE_ROOT).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()[:16]
