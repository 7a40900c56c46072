"""Writing results atomically: a result directory appears whole or not at all."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class OutputExists(Exception):
    """The output directory is not empty and overwriting was not asked for."""


def is_nonempty_dir(path: Path) -> bool:
    return path.is_dir() and any(path.iterdir())


def check_output_dir(path: str | Path, overwrite: bool = False) -> Path:
    """Refuse a non-empty directory (unless ``overwrite``) or a file in the way."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputExists(f"{path} exists and is not a directory")
    if is_nonempty_dir(path) and not overwrite:
        raise OutputExists(
            f"{path} is not empty; choose another --out or pass --overwrite to replace it"
        )
    return path


@contextmanager
def atomic_dir(path: str | Path, overwrite: bool = False) -> Iterator[Path]:
    """Yield a staging directory that replaces ``path`` only if the block succeeds.

    The staging directory sits beside ``path`` (same file system), so the final
    step is a rename; on any error it is removed and ``path`` is untouched.
    """
    path = check_output_dir(path, overwrite).absolute()
    path.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent))
    os.chmod(stage, 0o777 & ~_umask())
    try:
        yield stage
        if path.exists():
            trash = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=path.parent))
            os.replace(path, trash / "old")
            os.replace(stage, path)
            shutil.rmtree(trash, ignore_errors=True)
        else:
            os.replace(stage, path)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise


def write_atomic(path: str | Path, writer: Callable[[Path], Any]) -> None:
    """Write one file via a temporary sibling and ``os.replace``."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_umask())
    try:
        writer(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: str | Path, obj: Any) -> None:
    """Deterministic JSON (sorted keys, fixed indent), written atomically."""
    text = json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    write_atomic(path, lambda p: p.write_text(text, encoding="utf-8"))
