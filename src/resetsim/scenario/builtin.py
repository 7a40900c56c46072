"""The built-in scenarios and experiments, installed with the package.

They live in the package's ``builtin/`` folder (``builtin/scenarios`` with
their targets, observed series and posteriors, ``builtin/experiments``),
found with :mod:`importlib.resources`, so ``resetsim run biden_era`` and
``resetsim.run("biden_era")`` work from any folder after ``pip install``.  A
source checkout links ``scenarios/`` and ``experiments/`` to the same files.

A reference is a file path or a built-in name: :func:`resolve` returns the
path when it exists (a file always wins over a name), else the built-in of
that name (``biden_era``, ``biden_era.toml`` or ``scenarios/biden_era.toml``).
:func:`copy_builtin` copies a scenario with every file it extends or names
into a folder, where it runs on its own.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from resetsim.core.config import Problem, ScenarioError, read_toml
from resetsim.core.names import did_you_mean

#: The two kinds of built-in file: the folder each lives in.
FOLDERS = {"scenario": "scenarios", "experiment": "experiments"}
#: Suffixes of the files a scenario may name (what :func:`references` follows).
_FILE_SUFFIXES = frozenset({".toml", ".csv", ".parquet", ".md"})

_keep_open = contextlib.ExitStack()  # extracted copies (a zipped install) live until exit


@cache
def root() -> Path:
    """The package's ``builtin`` folder, as a real path."""
    res = resources.files("resetsim").joinpath("builtin")
    if isinstance(res, Path):
        return res
    return Path(_keep_open.enter_context(resources.as_file(res)))  # pragma: no cover


def folder(kind: str = "scenario") -> Path:
    """The folder of the built-in scenarios (``kind="scenario"``) or experiments."""
    return root() / FOLDERS[kind]


def names(kind: str = "scenario") -> dict[str, Path]:
    """``{name: path}`` of the built-in scenarios (or experiments), sorted by name."""
    d = folder(kind)
    return {f.stem: f for f in sorted(d.glob("*.toml"))} if d.is_dir() else {}


@dataclass(frozen=True)
class Builtin:
    """One built-in file: its name, path and description (from the file)."""

    name: str
    path: Path
    description: str


def catalogue(kind: str = "scenario") -> list[Builtin]:
    """Every built-in scenario (or experiment) with its ``description``."""
    out = []
    for name, path in names(kind).items():
        try:
            description = str(read_toml(path).get("description", ""))
        except ScenarioError:  # pragma: no cover - a shipped file is valid (tested)
            description = ""
        out.append(Builtin(name, path, description))
    return out


def builtin_name(ref: str | os.PathLike, kind: str = "scenario") -> str | None:
    """The built-in name ``ref`` stands for, if it is written as one: ``NAME``,
    ``NAME.toml`` or ``scenarios/NAME.toml`` (``experiments/...`` for an
    experiment); else None.  Whether that name exists is not checked."""
    p = Path(ref)
    if p.suffix not in ("", ".toml") or p.is_absolute():
        return None
    if p.parent not in (Path("."), Path(FOLDERS[kind])):
        return None
    return p.stem if p.suffix else p.name


def resolve(ref: str | os.PathLike, kind: str = "scenario") -> Path:
    """The file ``ref`` names: itself when it is a file, else the built-in of
    that name (a folder called ``example`` does not hide the built-in).
    Raises :class:`ScenarioError` (with the closest names) for a name
    (``NAME``, ``NAME.toml``, ``scenarios/NAME.toml``) that is neither; any
    other path is returned as it is, for its reader to report."""
    path = Path(ref).expanduser()
    if path.is_file():
        return path
    name = builtin_name(ref, kind)
    known = names(kind)
    if name is not None and name in known:
        return known[name]
    if name is None or path.exists():  # a path, or a folder: its reader says what is wrong
        return path
    hint = did_you_mean(name, known)
    raise ScenarioError(
        [
            Problem(
                str(ref),
                "",
                f"file not found, and no built-in {kind} of that name{hint}; "
                f"`resetsim scenarios` lists them",
            )
        ]
    )


# --------------------------------------------------------------------------
# copying a built-in


def _strings(value: Any):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def references(path: Path) -> list[Path]:
    """Every file ``path`` needs, itself first: what it ``extends`` and every
    file it names (targets, patterns, forecast, outcomes, posterior, power, the
    observed series a patterns file reads, and a README beside a data file),
    followed through the files named."""
    seen: dict[Path, None] = {}
    todo = [path.resolve()]
    while todo:
        f = todo.pop(0)
        if f in seen:
            continue
        seen[f] = None
        if f.suffix == ".csv" and (f.parent / "README.md").is_file():
            todo.append((f.parent / "README.md").resolve())
        if f.suffix != ".toml":
            continue
        for s in _strings(read_toml(f)):
            if Path(s).suffix in _FILE_SUFFIXES and not Path(s).is_absolute():
                candidate = f.parent / s
                if candidate.is_file():
                    todo.append(candidate.resolve())
    return list(seen)


def copy_builtin(name: str, dest: str | os.PathLike) -> list[Path]:
    """Copy the built-in scenario (or experiment) ``name`` and every file it
    needs into ``dest``, keeping their relative places so the copy runs on its
    own; return the files written, the named one first.  A scenario lands at
    ``dest/NAME.toml``; an experiment at ``dest/experiments/NAME.toml`` with
    its scenario under ``dest/scenarios/`` (where its ``scenario = ...`` path
    points).

    Raises :class:`ScenarioError` for an unknown name, and :class:`FileExistsError`
    naming a file that exists already (nothing is then written).
    """
    scenarios, experiments = names("scenario"), names("experiment")
    if name in scenarios:
        path, base = scenarios[name], folder("scenario").resolve()
    elif name in experiments:
        path, base = experiments[name], root().resolve()
    else:
        hint = did_you_mean(name, [*scenarios, *experiments])
        raise ScenarioError(
            [
                Problem(
                    name,
                    "",
                    f"no built-in scenario or experiment of that name{hint}; "
                    "`resetsim scenarios` lists them",
                )
            ]
        )
    files = references(path)
    dest = Path(dest)
    targets = [dest / f.relative_to(base) for f in files]
    for t in targets:
        if t.exists() or t.is_symlink():
            raise FileExistsError(str(t))
    written: list[Path] = []
    for src, t in zip(files, targets, strict=True):
        t.parent.mkdir(parents=True, exist_ok=True)
        tmp = t.with_name(f".{t.name}.part")
        shutil.copyfile(src, tmp)
        os.replace(tmp, t)
        written.append(t)
    return written
