"""Writing results atomically: a result directory appears whole or not at all."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class OutputExists(Exception):
    """The output directory is not empty and overwriting was not asked for."""


class OutputError(Exception):
    """The output cannot be written there (no permission, a read-only or
    virtual file system, a file in the way ...): the path and the system's reason."""


def _cannot(path: Path, exc: OSError, what: str = "cannot write") -> OutputError:
    reason = exc.strerror or type(exc).__name__
    return OutputError(f"{what} {path}: {reason}; choose another --out")


def is_nonempty_dir(path: Path) -> bool:
    try:
        return path.is_dir() and any(path.iterdir())
    except OSError as exc:
        raise _cannot(path, exc, "cannot read") from None


def _existing_ancestor(path: Path) -> Path:
    """The nearest of ``path``'s parents that exists (``path`` is absolute)."""
    for parent in path.parents:
        if os.path.lexists(parent):
            return parent
    return Path(path.anchor)


def check_writable(path: str | Path, in_place: bool = False) -> Path:
    """Raise :class:`OutputError` unless a directory ``path`` could be created
    (or replaced) there: the folder that would hold it must be a writable
    folder (with ``in_place``, for output written into an existing ``path``
    directly, as a sweep does: ``path`` itself).  Tried by making and removing
    an empty folder, so nothing is left behind and nothing is created on
    failure.  A ``path`` that does not exist yet is not created."""
    path = Path(path)
    parent = path.absolute().parent
    if in_place and path.is_dir():
        where = path
    else:
        where = parent if parent.exists() else _existing_ancestor(parent)
    if not where.is_dir():
        raise OutputError(
            f"cannot create {path}: {where} is a file, not a folder; choose another --out"
        )
    try:
        probe = tempfile.mkdtemp(prefix=".resetsim-probe.", dir=where)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise OutputError(
            f"cannot write {path}: no folder can be made in {where} ({reason}); "
            "choose another --out"
        ) from None
    os.rmdir(probe)
    return path


def check_output_dir(path: str | Path, overwrite: bool = False) -> Path:
    """Refuse a non-empty directory (unless ``overwrite``), a file in the way
    (:class:`OutputExists`) or a place that cannot be written (:class:`OutputError`)."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputExists(f"{path} exists and is not a directory; choose another --out")
    if is_nonempty_dir(path) and not overwrite:
        raise OutputExists(
            f"{path} is not empty; choose another --out or pass --overwrite to replace it"
        )
    return check_writable(path)


def make_dirs(path: str | Path) -> Path:
    """``mkdir -p``, raising :class:`OutputError` (path and reason) on failure."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _cannot(path, exc, "cannot create") from None
    return path


@contextmanager
def atomic_dir(path: str | Path, overwrite: bool = False) -> Iterator[Path]:
    """Yield a staging directory that replaces ``path`` only if the block succeeds.

    The staging directory sits beside ``path`` (same file system), so the final
    step is a rename; on any error it is removed and ``path`` is untouched.
    A place that cannot be written raises :class:`OutputError`.
    """
    given = Path(path)
    path = check_output_dir(path, overwrite).absolute()
    make_dirs(path.parent)
    try:
        stage = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent))
        os.chmod(stage, 0o777 & ~_umask())
    except OSError as exc:
        raise _cannot(given, exc) from None
    try:
        yield stage
        try:
            if path.exists():
                trash = Path(
                    tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=path.parent)
                )
                os.replace(path, trash / "old")
                os.replace(stage, path)
                shutil.rmtree(trash, ignore_errors=True)
            else:
                os.replace(stage, path)
        except OSError as exc:
            raise _cannot(given, exc) from None
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise


def write_atomic(path: str | Path, writer: Callable[[Path], Any]) -> None:
    """Write one file via a temporary sibling and ``os.replace``; a place that
    cannot be written raises :class:`OutputError`."""
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        os.chmod(tmp, 0o666 & ~_umask())
    except OSError as exc:
        raise _cannot(path, exc) from None
    try:
        writer(Path(tmp))
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise _cannot(path, exc) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: str | Path, obj: Any) -> None:
    """Deterministic JSON (sorted keys, fixed indent), written atomically."""
    text = json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    write_atomic(path, lambda p: p.write_text(text, encoding="utf-8"))


#: The figure formats resetsim writes (``--figure-formats``); here, not in the
#: plotting layer, so that the command line can check them without matplotlib.
FIGURE_FORMATS: tuple[str, ...] = ("png", "svg", "pdf")


def parse_formats(text: str | Sequence[str] | None) -> tuple[str, ...]:
    """``"png,svg"`` -> ``("png", "svg")`` (order kept, duplicates dropped);
    ``None`` -> ``("png",)``.  An unknown or empty format raises ``ValueError``
    with a one-line message."""
    if text is None:
        return ("png",)
    items = text.split(",") if isinstance(text, str) else list(text)
    out: list[str] = []
    for item in items:
        f = item.strip().lower().lstrip(".")
        if f not in FIGURE_FORMATS:
            raise ValueError(
                f"unknown figure format {item.strip()!r}; choose from {', '.join(FIGURE_FORMATS)} "
                "(comma-separated, e.g. png,svg,pdf)"
            )
        if f not in out:
            out.append(f)
    if not out:
        raise ValueError("no figure format given; e.g. png,svg,pdf")
    return tuple(out)
