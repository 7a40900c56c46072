"""Writing results atomically: a result directory appears whole or not at all."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

_UMASK_LOCK = threading.Lock()


def _umask() -> int:
    """The process's umask, read without changing it where the system shows
    it (Linux: ``/proc/self/status``): ``os.umask`` can only be read by
    setting it, and a file another thread creates meanwhile (a sweep writes
    from threads) would get mode 0o666.  Elsewhere, set and restored under a lock."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _UMASK_LOCK:
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


#: The marker resetsim writes into every folder it makes: JSON naming the
#: files it wrote there.  Only a folder with this marker, holding nothing
#: else, is ever replaced or deleted (``--overwrite``).
MARKER = ".resetsim.json"


def write_marker(folder: str | Path, kind: str, extra: Sequence[str] = ()) -> None:
    """Mark ``folder`` as made by resetsim: :data:`MARKER` lists what is in it
    now (its top-level names) and ``extra`` names it will hold."""
    folder = Path(folder)
    names = sorted({p.name for p in folder.iterdir() if p.name != MARKER} | set(extra))
    write_json(folder / MARKER, {"made_by": "resetsim", "kind": kind, "files": names})


def add_to_marker(folder: str | Path, *names: str) -> None:
    """Record that resetsim wrote ``names`` into a folder it made (a report, say)."""
    folder = Path(folder)
    marked = _marked_files(folder)
    if marked is not None:
        kind = _read_json(folder / MARKER).get("kind", "")
        write_json(
            folder / MARKER,
            {"made_by": "resetsim", "kind": kind, "files": sorted(marked | set(names))},
        )


def _read_json(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def marked_files(folder: str | Path) -> set[str] | None:
    """The top-level names :data:`MARKER` says resetsim wrote into ``folder``
    (``None`` without a readable marker)."""
    return _marked_files(Path(folder))


def _marked_files(folder: Path) -> set[str] | None:
    """The files :data:`MARKER` says resetsim wrote into ``folder``; ``None``
    if there is no (readable) marker."""
    marker = folder / MARKER
    if marker.is_symlink() or not marker.is_file():
        return None
    data = _read_json(marker)
    files = data.get("files")
    if data.get("made_by") != "resetsim" or not isinstance(files, list):
        return None
    return {f for f in files if isinstance(f, str)}


def _protected(path: Path, protect: Sequence[str | Path]) -> str | None:
    """Why ``path`` must never be replaced, or ``None``: the current folder, the
    home folder, the root, a folder holding any of them or a ``protect`` file."""
    target = path.resolve()
    places = {"the current folder": Path.cwd().resolve(), "the home folder": Path.home().resolve()}
    for what, place in places.items():
        if target == place or target in place.parents:
            return f"it is {what}" if target == place else f"it holds {what}"
    if target == Path(target.anchor):
        return "it is the root folder"
    for item in protect:
        item_path = Path(item).resolve()
        if target == item_path or target in item_path.parents:
            return f"it holds {Path(item).name}, an input of this command"
    return None


def check_replaceable(
    path: str | Path, protect: Sequence[str | Path] = (), allowed: Sequence[str] = ()
) -> None:
    """Raise :class:`OutputExists` unless resetsim may replace the folder
    ``path``: it is not the current folder, the home folder or one holding
    them or an input (``protect``), it carries resetsim's :data:`MARKER`, and
    it holds nothing but what the marker lists (and ``allowed`` names)."""
    path = Path(path)
    why = _protected(path, protect)
    if why:
        raise OutputExists(f"will not replace {path}: {why}; choose another --out")
    marked = _marked_files(path)
    if marked is None:
        raise OutputExists(
            f"will not replace {path}: resetsim did not make it (no {MARKER} marker); "
            "choose another --out, or empty or remove the folder yourself"
        )
    try:
        names = {p.name for p in path.iterdir()}
    except OSError as exc:
        raise _cannot(path, exc, "cannot read") from None
    other = sorted(names - marked - set(allowed) - {MARKER})
    if other:
        shown = ", ".join(other[:3]) + (f" and {len(other) - 3} more" if len(other) > 3 else "")
        raise OutputExists(
            f"will not replace {path}: it holds files resetsim did not write ({shown}); "
            "move them or choose another --out"
        )


def check_output_dir(
    path: str | Path, overwrite: bool = False, protect: Sequence[str | Path] = ()
) -> Path:
    """Refuse a non-empty directory (unless ``overwrite`` and
    :func:`check_replaceable` allows it), a file in the way
    (:class:`OutputExists`) or a place that cannot be written (:class:`OutputError`)."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputExists(f"{path} exists and is not a directory; choose another --out")
    if is_nonempty_dir(path):
        if not overwrite:
            raise OutputExists(
                f"{path} is not empty; choose another --out or pass --overwrite to replace it"
            )
        check_replaceable(path, protect)
    elif path.is_dir():  # empty, but it would be replaced: never the current folder ...
        why = _protected(path, protect)
        if why:
            raise OutputExists(f"will not replace {path}: {why}; choose another --out")
    return check_writable(path)


class TooLarge(OutputError):
    """A request that cannot fit this machine's memory or disk (refused before
    anything is allocated or written)."""


def _gib(n: float) -> str:
    return f"{n / 2**30:,.1f} GiB" if n >= 2**30 else f"{n / 2**20:,.0f} MiB"


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation (``MemAvailable``), or None."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, OSError, ValueError):
        return None


def check_fits(memory: float, disk: float, out: str | Path, what: str) -> None:
    """Raise :class:`TooLarge` if ``memory`` bytes cannot be allocated here or
    ``disk`` bytes do not fit the file system ``out`` is on; ``what`` names the
    request (``"--runs 1000000000"``)."""
    free_mem = available_memory()
    if free_mem is not None and memory > free_mem:
        raise TooLarge(
            f"{what} would need about {_gib(memory)} of memory; {_gib(free_mem)} is "
            "available: ask for fewer runs"
        )
    try:
        free_disk = shutil.disk_usage(_existing_ancestor(Path(out).absolute())).free
    except OSError:
        return
    if disk > free_disk:
        raise TooLarge(
            f"{what} would write about {_gib(disk)} into {out}; {_gib(free_disk)} is free "
            "there: ask for fewer runs or choose another --out"
        )


def make_dirs(path: str | Path) -> Path:
    """``mkdir -p``, raising :class:`OutputError` (path and reason) on failure."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _cannot(path, exc, "cannot create") from None
    return path


class Busy(OutputError):
    """Another resetsim process is writing the same output folder."""


def _lock_path(path: Path) -> Path:
    return path.parent / f".{path.name}.lock"


@contextmanager
def output_lock(path: str | Path) -> Iterator[None]:
    """Hold an exclusive lock on writing the folder ``path`` (a hidden
    ``.NAME.lock`` beside it, removed afterwards): a second run into the same
    folder is refused at once (:class:`Busy`).  The operating system releases
    the lock even if the process is killed."""
    path = Path(path).absolute()
    lock_file = _lock_path(path)
    lock = FileLock(lock_file, timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise Busy(f"another resetsim process is writing {path}; wait for it to finish") from None
    except OSError as exc:
        raise _cannot(path, exc) from None
    try:
        yield
    finally:
        lock.release()
        with suppress(OSError):
            lock_file.unlink()


#: The hidden folders a write leaves beside ``NAME`` while it runs (mkdtemp's
#: ``.NAME.XXXXXXXX.partial`` and ``.NAME.XXXXXXXX.old``).
def _leftover_pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"^\.{re.escape(name)}\.[A-Za-z0-9_]{{8}}\.(partial|old)$")


def remove_leftovers(path: str | Path) -> list[Path]:
    """Remove the staging folders an interrupted write into ``path`` left
    beside it (call with :func:`output_lock` held: no live writer then owns
    them).  Returns those removed; one that cannot be removed is left, and
    reported by the caller."""
    path = Path(path).absolute()
    pattern = _leftover_pattern(path.name)
    removed = []
    try:
        siblings = list(path.parent.iterdir())
    except OSError:
        return []
    for p in siblings:
        if pattern.match(p.name) and p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
            if not os.path.lexists(p):
                removed.append(p)
    return removed


@contextmanager
def atomic_dir(
    path: str | Path,
    overwrite: bool = False,
    protect: Sequence[str | Path] = (),
    kind: str = "run",
) -> Iterator[Path]:
    """Yield a staging directory that replaces ``path`` only if the block succeeds.

    The staging directory sits beside ``path`` (same file system), so the final
    step is a rename; on any error (and on SIGTERM or SIGHUP under
    :func:`stop_on_signals`) it is removed and ``path`` is untouched.  The
    write holds :func:`output_lock`, removes what an earlier, killed write
    left (:func:`remove_leftovers`), and marks the folder as resetsim's
    (:data:`MARKER`).  A place that cannot be written raises :class:`OutputError`.
    """
    given = Path(path)
    path = check_output_dir(path, overwrite, protect).absolute()
    make_dirs(path.parent)
    with output_lock(path):
        check_output_dir(path, overwrite, protect)  # again: nothing changed it meanwhile
        remove_leftovers(path)
        try:
            stage = Path(
                tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
            )
            os.chmod(stage, 0o777 & ~_umask())
        except OSError as exc:
            raise _cannot(given, exc) from None
        try:
            yield stage
            write_marker(stage, kind)
            _replace(stage, path, given)
        except BaseException:
            shutil.rmtree(stage, ignore_errors=True)
            raise


def _replace(stage: Path, path: Path, given: Path) -> None:
    """Put ``stage`` where ``path`` is: the old folder moved aside first and put
    back if the new one cannot take its place; nothing is left beside it."""
    if not path.exists():
        try:
            os.replace(stage, path)
        except OSError as exc:
            raise _cannot(given, exc) from None
        return
    try:
        trash = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=path.parent))
    except OSError as exc:
        raise _cannot(given, exc) from None
    try:
        os.replace(path, trash / "old")
    except OSError as exc:
        with suppress(OSError):
            os.rmdir(trash)
        raise _cannot(given, exc, "cannot replace") from None
    try:
        os.replace(stage, path)
    except OSError as exc:
        with suppress(OSError):
            os.replace(trash / "old", path)
            os.rmdir(trash)
        raise _cannot(given, exc) from None
    shutil.rmtree(trash, ignore_errors=True)


class Stopped(BaseException):
    """The process was asked to stop (SIGTERM, SIGHUP): unwinds like Ctrl-C,
    so that every staging folder is removed on the way out."""

    def __init__(self, signum: int):
        self.signum = int(signum)
        super().__init__(signal.Signals(signum).name)


#: The signals that stop a command cleanly (besides SIGINT, Ctrl-C).
STOP_SIGNALS = tuple(getattr(signal, n) for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n))


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP raise :class:`Stopped` (in the main
    thread; elsewhere nothing changes), so staging folders are cleaned up."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, _frame):
        raise Stopped(signum)

    old = {}
    try:
        for sig in STOP_SIGNALS:
            old[sig] = signal.signal(sig, handler)
        yield
    finally:
        for sig, previous in old.items():
            signal.signal(sig, previous)


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
